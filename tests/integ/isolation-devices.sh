#!/bin/bash
# As root in a running CT (a second one running): no access to host block
# devices or disallowed character devices: mknod fails, mounting the host's
# disk fails, /dev holds only the minimal node set.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"

iso_ct 201
iso_ct 202
devs_before=$(ls -la /dev | sha256sum)
mounts_before=$(grep -v " $T" /proc/self/mounts | sha256sum)
rootdev=$(findmnt -n -o MAJ:MIN / | tr -d ' ')
rootsrc=$(findmnt -n -o SOURCE /)
[ -n "$rootdev" ] || fail "cannot find the host's root device"
maj=${rootdev%:*} min=${rootdev#*:}
# the device the CT's own files live on (may differ from the host's root)
ctdev=$(stat -c '%Hd:%Ld' "$P/201" 2>/dev/null)

# /dev in the CT: no block devices, no mem/kmem/port, no host disks
ix 201 'find /dev -type b'
[ -z "$OUT" ] || fail "block devices in the CT's /dev: $OUT"
ix 201 'ls -l /dev/mem /dev/kmem /dev/port /dev/vda /dev/sda /dev/nvme0n1 /dev/loop0 /dev/loop-control /dev/mapper/control 2>/dev/null'
[ -z "$OUT" ] || fail "host device nodes in the CT's /dev: $OUT"
ok "/dev has no block or memory devices"

# mknod of the host's root disk, /dev/mem, /dev/kmem, /dev/port: fail
for spec in "b $maj $min" ${ctdev:+"b ${ctdev%:*} ${ctdev#*:}"} "c 1 1" "c 1 2" "c 1 4" "b 7 0" "c 10 237"; do
        ix 201 "mknod /tmp/vz-node $spec && ls -l /tmp/vz-node"
        [ $RC != 0 ] || fail "mknod $spec succeeded in the CT: $OUT"
        [ ! -e "$P/201/tmp/vz-node" ] || fail "mknod $spec left a node in the private area"
done
# not on a fresh tmpfs either (the CT may mount one)
ix 201 "mkdir -p /mnt/t && mount -t tmpfs t /mnt/t && mknod /mnt/t/disk b $maj $min; r=\$?; umount /mnt/t; exit \$r"
[ $RC != 0 ] || fail "mknod of the host disk on a CT tmpfs succeeded: $OUT"
ok "mknod of block devices and /dev/mem, /dev/kmem, /dev/port fails"

# mount the host's root filesystem: by its name, by a node, via devtmpfs
ix 201 "mount $rootsrc /mnt"
[ $RC != 0 ] || fail "mount $rootsrc in the CT succeeded"
ix 201 "mount -t ext4 $rootsrc /mnt"
[ $RC != 0 ] || fail "mount -t ext4 $rootsrc in the CT succeeded"
ix 201 'mkdir -p /mnt/d && mount -t devtmpfs d /mnt/d && ls /mnt/d'
[ $RC != 0 ] || fail "devtmpfs mounted in the CT: $OUT"
ix 201 "grep -q ' /mnt' /proc/self/mounts"
[ $RC != 0 ] || fail "a mount attempt left a mount in the CT: $(vzctl exec 201 'grep /mnt /proc/self/mounts')"
# the device the CT's root is on cannot be opened or mounted even if named
ix 201 "mount -o remount,rw,dev / && mknod /tmp/vz-node b $maj $min"
[ $RC != 0 ] || fail "remount of / with dev let mknod through"
ok "mounting the host's disk fails"

[ "$(ls -la /dev | sha256sum)" = "$devs_before" ] || fail "the host's /dev changed"
[ "$(grep -v " $T" /proc/self/mounts | sha256sum)" = "$mounts_before" ] || fail "the host's mount table changed"
expect_rc 0 vzctl status 202
echo "$LAST_OUT" | grep -q running || fail "CT 202 not running: $LAST_OUT"
ok "host /dev, mounts and CT 202 unaffected"

expect_rc 0 vzctl stop 201
expect_rc 0 vzctl stop 202
expect_rc 0 vzctl destroy 201
expect_rc 0 vzctl destroy 202

#!/bin/bash
# The image layout (--layout ploop): ext4 in a sparse file on a loop device.
# DISKSPACE is a hard limit the CT cannot pass, the host is unaffected, the
# image grows online, and nothing (loop device, mount) is left behind.
. "$(dirname "$0")/storage-lib.sh"
need_cache busybox
P=$T/vz/private/101 R=$T/vz/root/101
STARTED=101
need_loop

expect_rc 63 vzctl create 102 --ostemplate busybox --layout ploop --config unlimited
[ ! -e $T/vz/private/102 ] || fail "failed create left a private area"
expect_rc 0 vzctl create 101 --ostemplate busybox --layout ploop --diskspace 64M:64M --diskinodes 8000:8000
grep -qx 'VE_LAYOUT="ploop"' $VZ_CONFDIR/conf/101.conf || fail "layout not saved"
[ -f $P/root.hdd/root.hdd ] || fail "no image"
[ "$(stat -c %s $P/root.hdd/root.hdd)" = $((64 << 20)) ] || fail "image size $(stat -c %s $P/root.hdd/root.hdd)"
[ "$(du -k $P/root.hdd/root.hdd | cut -f1)" -lt 32768 ] || fail "image not sparse"
[ "$(loops)" = 0 ] || fail "loop device left after create"
expect_rc 0 vzctl mount 101
[ -x $R/bin/busybox ] || fail "image content not mounted"
findmnt -n -o OPTIONS $R | grep -qw nosuid || fail "host view of the image is not nosuid"
expect_rc 0 vzctl umount 101
[ "$(loops)" = 0 ] || fail "loop device left after umount"
ok "create, mount, umount"

expect_rc 0 vzctl start 101
expect_rc 0 vzctl exec 101 "df -k / | tail -1 | awk '{print \$2}'"
[ "$LAST_OUT" -gt 50000 ] && [ "$LAST_OUT" -le 65536 ] || fail "size inside: $LAST_OUT KB"
before=$(df -k --output=avail $T | tail -1)
expect_rc 1 vzctl exec2 101 'dd if=/dev/zero of=/root/fill bs=1M count=200 2>&1 | grep -q "No space left" && exit 1; exit 0'
used=$(du -k $P/root.hdd/root.hdd | cut -f1)
[ "$used" -le $((66 * 1024)) ] || fail "the image grew past its limit: $used KB"
expect_rc 0 vzctl exec 101 'rm /root/fill; touch /root/a && echo ok'
# Inodes: DISKINODES 8000 is the inode count of the image.
expect_rc 0 vzctl exec 101 "df -i / | tail -1 | awk '{print \$2}'"
[ "$LAST_OUT" -le 8192 ] || fail "inodes: $LAST_OUT"
ok "DISKSPACE and DISKINODES are hard limits"
used=$(vzlist -H -o diskspace,diskspace.h,diskinodes 101)
set -- $used
[ "$1" -gt 100 ] && [ "$2" = 65536 ] && [ "$3" -gt 10 ] || fail "vzlist disk fields: $used"
ok "vzlist shows the image's usage"

# Online grow: ext4's online resize needs CAP_SYS_RESOURCE, which some
# sandboxes do not give their root.
if capsh --has-p=cap_sys_resource 2>/dev/null; then
        expect_rc 0 vzctl set 101 --diskspace 128M:128M --save
        expect_rc 0 vzctl exec 101 "df -k / | tail -1 | awk '{print \$2}'"
        [ "$LAST_OUT" -gt 100000 ] || fail "not grown online: $LAST_OUT KB"
        expect_rc 0 vzctl exec 101 'dd if=/dev/zero of=/root/fill bs=1M count=80 2>/dev/null && echo written'
        ok "online grow"
else
        cp $VZ_CONFDIR/conf/101.conf $T/conf.before
        expect_rc 154 vzctl set 101 --diskspace 128M:128M --save
        cmp -s $VZ_CONFDIR/conf/101.conf $T/conf.before || fail "failed resize changed the config"
        echo "no CAP_SYS_RESOURCE here: online grow not possible, refused cleanly"
fi
# I/O limits apply to the device that carries the CT: its loop device.
f=/sys/fs/cgroup/blkio/vztest-$$/101/blkio.throttle.write_bps_device
if [ -e $f ]; then
        expect_rc 0 vzctl set 101 --iolimit 2M --save
        loopdev=$(findmnt -n -o MAJ:MIN $R | tr -d ' ')
        grep -q "^$loopdev 2097152$" $f || fail "IOLIMIT not on the loop device $loopdev: $(cat $f)"
        ok "IOLIMIT on the loop device"
fi
expect_rc 0 vzctl stop 101
[ "$(loops)" = 0 ] || fail "loop device left after stop"
# Offline grow.
expect_rc 0 vzctl set 101 --diskspace 160M:160M --save
expect_rc 0 vzctl mount 101
[ "$(df -k --output=size $R | tail -1)" -gt 130000 ] || fail "offline grow"
expect_rc 0 vzctl umount 101
expect_rc 0 vzctl destroy 101
[ ! -e $P ] && [ "$(loops)" = 0 ] || fail "left behind after destroy"
ok "offline grow, destroy"

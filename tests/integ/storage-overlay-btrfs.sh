#!/bin/bash
# The overlay layout with VE_PRIVATE on btrfs: the private area (upper and
# work) is a subvolume with DISKSPACE as its qgroup limit, so a CT cannot
# write past its limit through the overlay; elsewhere create warns that
# DISKSPACE is not enforced. On a btrfs filesystem made in a file on a loop
# device.
. "$(dirname "$0")/lib.sh"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || { echo "SKIP: no overlayfs in this kernel"; exit 77; }
grep -qw btrfs /proc/filesystems || { echo "SKIP: no btrfs in this kernel"; exit 77; }
command -v mkfs.btrfs >/dev/null || { echo "SKIP: mkfs.btrfs (btrfs-progs) not installed"; exit 77; }
[ -e /dev/loop-control ] || { echo "SKIP: no loop devices"; exit 77; }
need_cache busybox
STARTED="101 102"

expect_rc 0 vzctl create 102 --ostemplate busybox --layout overlay --diskspace 50M:50M
echo "$LAST_OUT" | grep -q "DISKSPACE/DISKINODES are not enforced for the overlay layout" ||
        fail "no warning that DISKSPACE is not enforced on ext4: $LAST_OUT"
expect_rc 0 vzctl set 102 --diskspace 60M:60M --save
echo "$LAST_OUT" | grep -q "not enforced for the overlay layout" ||
        fail "set --diskspace: no warning that it is not enforced: $LAST_OUT"
expect_rc 0 vzctl destroy 102
ok "overlay off btrfs: create and set say DISKSPACE is not enforced"

B=$T/btrfs
truncate -s 1G $T/btrfs.img
mkfs.btrfs -q $T/btrfs.img >/dev/null 2>&1 || fail "mkfs.btrfs"
mkdir -p $B && mount -o loop $T/btrfs.img $B || fail "mount btrfs"
mkdir -m 700 $B/private
sed -i "s|^VE_PRIVATE=.*|VE_PRIVATE=$B/private/\$VEID|" $VZ_CONFDIR/vz.conf
expect_rc 0 vzctl create 101 --ostemplate busybox --layout overlay --diskspace 50M:50M
echo "$LAST_OUT" | grep -q "not enforced" && fail "warned on btrfs: $LAST_OUT"
btrfs subvolume show $B/private/101 >/dev/null 2>&1 || fail "private area is not a subvolume"
[ -L $B/private/101/lower ] || fail "not an overlay CT"
expect_rc 0 vzctl start 101
expect_rc 0 vzctl exec 101 'echo hello > /root/f; cat /root/f'
expect_rc 1 vzctl exec2 101 'dd if=/dev/zero of=/root/fill bs=1M count=200 2>&1 | grep -q "quota" && exit 1; exit 0'
expect_rc 0 vzctl exec 101 'rm -f /root/fill; echo ok'
ok "overlay on btrfs: DISKSPACE is a qgroup limit on the upper"
expect_rc 0 vzctl stop 101
expect_rc 0 vzctl destroy 101
! btrfs subvolume list $B | grep -q "private/101" || fail "subvolume left: $(btrfs subvolume list $B)"
[ -z "$(ls $B/private)" ] || fail "left in private: $(ls $B/private)"
ok "destroy deletes the subvolume"

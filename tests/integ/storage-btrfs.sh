#!/bin/bash
# The btrfs layout: each CT a subvolume, a snapshot of a read-only template
# subvolume made once per cache (the second create is a snapshot), DISKSPACE
# a qgroup limit the CT cannot pass, destroy deletes the subvolume. On a
# btrfs filesystem the test makes in a file on a loop device.
. "$(dirname "$0")/storage-lib.sh"
need_cache busybox
need_btrfs
STARTED="101 102"
btrfs_private

expect_rc 0 vzctl create 101 --ostemplate busybox --layout btrfs --diskspace 50M:50M
btrfs subvolume show $B/private/101 >/dev/null 2>&1 || fail "private area is not a subvolume"
ls -d $B/private/.vztemplates/busybox.tar*@* >/dev/null || fail "no template subvolume"
s=$EPOCHREALTIME
expect_rc 0 vzctl create 102 --ostemplate busybox --layout btrfs --diskspace 50M:50M
ms=$(echo "($EPOCHREALTIME - $s) * 1000" | bc | cut -d. -f1)
echo "second create (a snapshot): $ms ms"
[ "$(ls -d $B/private/.vztemplates/busybox.tar*@* | wc -l)" = 1 ] || fail "template unpacked twice"
grep -qx 'VE_LAYOUT="btrfs"' $VZ_CONFDIR/conf/102.conf || fail "layout not saved"
ok "create from a template snapshot"

expect_rc 0 vzctl start 101
expect_rc 0 vzctl exec 101 'echo hello > /root/f; cat /bin/busybox > /dev/null'
sync
expect_rc 1 vzctl exec2 101 'dd if=/dev/zero of=/root/fill bs=1M count=200 2>&1 | grep -q "quota" && exit 1; exit 0'
expect_rc 0 vzctl exec 101 'rm -f /root/fill; echo ok'
[ ! -e $B/private/102/root/f ] || fail "CTs share a file"
ok "DISKSPACE is a qgroup limit"
expect_rc 0 vzctl set 101 --diskspace 300M:300M --save
expect_rc 0 vzctl exec 101 'dd if=/dev/zero of=/root/fill bs=1M count=100 2>&1 && sync && echo written'
ok "limit raised live"
expect_rc 0 vzctl stop 101
expect_rc 0 vzctl destroy 101
expect_rc 0 vzctl destroy 102
! btrfs subvolume list $B | grep -q "private/10[12]" || fail "subvolumes left: $(btrfs subvolume list $B)"
[ -z "$(ls $B/private)" ] || fail "left in private: $(ls $B/private)"
ok "destroy deletes the subvolumes"

#!/bin/bash
# Upkeep of the image layout: vzctl compact gives the blocks of deleted
# files back to the host (running and stopped CT); the image's filesystem is
# checked (e2fsck -p) before it is mounted unless --skip-fsck, and one with
# errors e2fsck cannot fix is refused; --diskspace smaller on a stopped CT
# shrinks the image (refused if the data does not fit, or while mounted).
# Per-user quota (QUOTAUGIDLIMIT) is refused with its reason when the kernel
# lacks quota formats.
. "$(dirname "$0")/storage-lib.sh"
need_cache busybox
need_loop
command -v debugfs >/dev/null || { echo "SKIP: debugfs (e2fsprogs) not installed"; exit 77; }
STARTED="610"
P=$T/vz/private/610 R=$T/vz/root/610
IMG=$P/root.hdd/root.hdd
alloc() { du -k $IMG | cut -f1; }
lastcheck() { dumpe2fs -h $IMG 2>/dev/null | sed -n 's/^Last checked: *//p'; }

expect_rc 0 vzctl create 610 --ostemplate busybox --layout ploop --diskspace 256M:256M
expect_rc 0 vzctl start 610
expect_rc 0 vzctl exec 610 'echo keep > /root/keep; dd if=/dev/urandom of=/root/big bs=1M count=100 2>/dev/null; sync; echo ok'
full=$(alloc)
expect_rc 0 vzctl exec 610 'rm /root/big; sync; echo ok'
[ "$(alloc)" -gt $((full - 10240)) ] || fail "blocks freed before compact?"
expect_rc 0 vzctl compact 610
after=$(alloc)
echo "image allocated: $full KB with the file, $after KB after delete + compact"
[ "$after" -lt $((full - 80 * 1024)) ] || fail "compact (running) freed too little: $full -> $after KB"
ok "compact of a running CT returns the freed blocks"
expect_rc 0 vzctl exec 610 'dd if=/dev/urandom of=/root/big bs=1M count=60 2>/dev/null; sync; rm /root/big; sync; echo ok'
expect_rc 0 vzctl stop 610
full=$(alloc)
expect_rc 0 vzctl compact 610
after=$(alloc)
[ "$after" -lt $((full - 50 * 1024)) ] || fail "compact (stopped) freed too little: $full -> $after KB"
! grep -q " $R " /proc/self/mounts || fail "compact left the image mounted"
[ "$(losetup -a | grep -c $IMG)" = 0 ] || fail "compact left a loop device"
ok "compact of a stopped CT"

# fsck before mount: an image marked as having errors is checked (its
# last-checked time moves) unless --skip-fsck.
debugfs -w -R "ssv state 2" $IMG >/dev/null 2>&1
debugfs -w -R "ssv lastcheck 20200101" $IMG >/dev/null 2>&1
before=$(lastcheck)
expect_rc 0 vzctl mount 610 --skip-fsck
expect_rc 0 vzctl umount 610
[ "$(lastcheck)" = "$before" ] || fail "--skip-fsck checked anyway"
expect_rc 0 vzctl mount 610
expect_rc 0 vzctl umount 610
[ "$(lastcheck)" != "$before" ] || fail "mount did not check the filesystem ($before)"
ok "e2fsck -p before mount, --skip-fsck skips it"

# Shrink offline; the data is kept.
expect_rc 0 vzctl set 610 --diskspace 128M:128M --save
[ "$(stat -c %s $IMG)" = $((128 << 20)) ] || fail "image size after shrink: $(stat -c %s $IMG)"
[ ! -e $IMG.resize ] || fail "scratch copy left"
expect_rc 0 vzctl start 610 --skip-fsck
expect_rc 0 vzctl exec 610 "cat /root/keep; df -k / | tail -1 | awk '{print \$2}'"
set -- $LAST_OUT
[ "$1" = keep ] && [ "$2" -le 131072 ] && [ "$2" -gt 100000 ] || fail "after shrink: $LAST_OUT"
# Not while mounted (ext4 has no online shrink).
cp $VZ_CONFDIR/conf/610.conf $T/conf.before
expect_rc 154 vzctl set 610 --diskspace 100M:100M --save
echo "$LAST_OUT" | grep -q "cannot shrink while" || fail "online shrink message: $LAST_OUT"
cmp -s $VZ_CONFDIR/conf/610.conf $T/conf.before || fail "refused shrink changed the config"
expect_rc 0 vzctl exec 610 'dd if=/dev/urandom of=/root/big bs=1M count=90 2>/dev/null; sync; echo ok'
expect_rc 0 vzctl stop 610
# The data does not fit: refused, nothing changed.
sum=$(md5sum < $IMG)
expect_rc 154 vzctl set 610 --diskspace 64M:64M --save
echo "$LAST_OUT" | grep -q "needs at least" || fail "shrink refusal message: $LAST_OUT"
cmp -s $VZ_CONFDIR/conf/610.conf $T/conf.before || fail "refused shrink changed the config"
[ "$(md5sum < $IMG)" = "$sum" ] || fail "refused shrink changed the image"
ok "offline shrink; refused when mounted or when the data does not fit"

# Errors e2fsck -p cannot fix: the mount is refused, saying what to do.
debugfs -w -R "clri <2>" $IMG >/dev/null 2>&1
debugfs -w -R "ssv state 2" $IMG >/dev/null 2>&1 # as the kernel marks it on finding errors
expect_rc 152 vzctl start 610
echo "$LAST_OUT" | grep -q "e2fsck" || fail "fsck refusal message: $LAST_OUT"
! grep -q " $R " /proc/self/mounts || fail "a broken image got mounted"
ok "an image e2fsck -p cannot fix is not mounted"

# QUOTAUGIDLIMIT: per-user quota needs the kernel's quota formats.
cp $VZ_CONFDIR/conf/610.conf $T/conf.before
if ! grep -q ' v2_read_file_info' /proc/kallsyms &&
        ! grep -q '/quota_v2\.ko' /lib/modules/$(uname -r)/modules.dep 2>/dev/null; then
        expect_rc 65 vzctl set 610 --quotaugidlimit 100 --save
        echo "$LAST_OUT" | grep -q "QFMT_V2" || fail "quota refusal message: $LAST_OUT"
        cmp -s $VZ_CONFDIR/conf/610.conf $T/conf.before || fail "refused set changed the config"
        echo "SKIP part: no kernel quota format (CONFIG_QFMT_V2): QUOTAUGIDLIMIT refused with the reason"
else
        echo "kernel has quota formats: per-user quota is tested by storage-ugid-quota"
fi
expect_rc 0 vzctl destroy 610
[ ! -e $P ] && [ "$(losetup -a | grep -c $T)" = 0 ] || fail "left behind after destroy"
ok "destroy"

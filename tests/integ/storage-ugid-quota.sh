#!/bin/bash
# Second-level quota (QUOTAUGIDLIMIT, per-user and per-group limits inside a
# CT) on the image layout: ext4's quota feature in the image, turned on at
# mount and enforced (mounted usrquota,grpquota). Limits set with setquota
# on VE_ROOT from the host (the CT's root cannot: see storage/quota.c) stop
# the CT's users at them (EDQUOT) and stay across a restart; QUOTAUGIDLIMIT=0 stops the enforcement. Layouts without it
# (simfs, btrfs) and kernels without the quota formats (CONFIG_QFMT_V2)
# refuse QUOTAUGIDLIMIT with 65 and the reason, nothing made or changed.
# The v2 VM lane (tests/vm) has a kernel with quota_v2 and runs it whole.
. "$(dirname "$0")/storage-lib.sh"
need_cache busybox
need_loop
STARTED="3311"
R=$T/vz/root/3311 IMG=$T/vz/private/3311/root.hdd/root.hdd CONF=$VZ_CONFDIR/conf/3311.conf
quota_kernel() {
        grep -q ' v2_read_file_info' /proc/kallsyms 2>/dev/null ||
                grep -q '/quota_v2\.ko' /lib/modules/$(uname -r)/modules.dep 2>/dev/null
}
# as_user UID CMD: run CMD as UID in CT 3311 (a passwd entry u<UID> is made).
as_user() {
        vzctl exec 3311 "grep -q '^u$1:' /etc/passwd || { echo 'u$1:x:$1:$1::/:/bin/sh' >>/etc/passwd; echo 'u$1:x:$1:' >>/etc/group; }"
        vzctl exec2 3311 "su -s /bin/sh u$1 -c '$2'" 2>&1
}

# simfs has no second level: refused at create, nothing made.
expect_rc 65 vzctl create 3312 --ostemplate busybox --layout simfs --quotaugidlimit 100
echo "$LAST_OUT" | grep -q QUOTAUGIDLIMIT || fail "no reason given: $LAST_OUT"
[ ! -e $T/vz/private/3312 ] && [ ! -e $VZ_CONFDIR/conf/3312.conf ] || fail "refused create left a CT"
if ! quota_kernel; then
        expect_rc 65 vzctl create 3311 --ostemplate busybox --layout ploop --diskspace 96M:96M --quotaugidlimit 100
        echo "$LAST_OUT" | grep -q "CONFIG_QFMT_V2" || fail "no reason given: $LAST_OUT"
        [ ! -e $T/vz/private/3311 ] && [ ! -e $CONF ] || fail "refused create left a CT"
        expect_rc 0 vzctl create 3311 --ostemplate busybox --layout ploop --diskspace 96M:96M
        cp $CONF $T/conf.before
        expect_rc 65 vzctl set 3311 --quotaugidlimit 100 --save
        cmp -s $CONF $T/conf.before || fail "refused set changed the config"
        expect_rc 0 vzctl destroy 3311
        echo "SKIP: this kernel has no quota formats (CONFIG_QFMT_V2, module quota_v2): QUOTAUGIDLIMIT refused with 65 as it must be; the v2 VM lane runs the rest"
        exit 77
fi
command -v setquota >/dev/null || { echo "SKIP: setquota not installed (package quota)"; exit 77; }

expect_rc 0 vzctl create 3311 --ostemplate busybox --layout ploop --diskspace 96M:96M --diskinodes 16000:16000 --quotaugidlimit 100
expect_rc 0 vzctl start 3311
findmnt -n -o OPTIONS $R | grep -q usrquota || fail "image not mounted with usrquota: $(findmnt -n -o OPTIONS $R)"
dumpe2fs -h $IMG 2>/dev/null | grep -i features | grep -qw quota || fail "no quota feature in the image"
expect_rc 0 vzctl exec 3311 'mkdir -p /home/u /home/g && chown 1000:1000 /home/u && chown 1001:1001 /home/g && chmod 755 /home && echo ok'
# Limits: user 1000 2 MB of blocks, group 1001 10 inodes.
expect_rc 0 setquota -u 1000 0 2048 0 0 $R
expect_rc 0 setquota -g 1001 0 0 0 10 $R
out=$(as_user 1000 'dd if=/dev/zero of=/home/u/f bs=1M count=10 2>&1; echo rc=$?')
echo "$out" | grep -q "quota exceeded" || fail "user 1000 wrote past its 2 MB limit: $out"
expect_rc 0 vzctl exec 3311 "du -k /home/u/f | cut -f1"
[ "$LAST_OUT" -le 2048 ] || fail "user 1000 has $LAST_OUT KB, limit 2048"
out=$(as_user 1001 'i=0; while [ $i -lt 30 ]; do touch /home/g/f$i 2>/dev/null || break; i=$((i+1)); done; echo made=$i')
n=$(echo "$out" | sed -n 's/^made=//p')
[ -n "$n" ] && [ "$n" -lt 10 ] || fail "group 1001 made more files than its 10 inodes: $out"
expect_rc 0 vzctl exec 3311 'dd if=/dev/zero of=/root/big bs=1M count=10 2>/dev/null && rm /root/big && echo ok'
used=$(repquota -un $R | awk '$1 ~ /^#?u?1000$/ {print $3}')
[ -n "$used" ] && [ "$used" -ge 1024 ] && [ "$used" -le 2048 ] || fail "repquota on the host: $(repquota -un $R)"
ok "per-user and per-group limits are hard inside the CT (user 1000 uses $used KB of 2048)"

expect_rc 0 vzctl restart 3311
out=$(as_user 1000 'dd if=/dev/zero of=/home/u/f2 bs=1M count=4 2>&1; echo rc=$?')
echo "$out" | grep -q "quota exceeded" || fail "limit lost across a restart: $out"
expect_rc 0 vzctl exec 3311 'rm -f /home/u/f2; echo ok'
ok "the limits stay across a restart"

# QUOTAUGIDLIMIT=0: usage still counted, limits no longer applied (restart).
expect_rc 0 vzctl set 3311 --quotaugidlimit 0 --save
expect_rc 0 vzctl restart 3311
findmnt -n -o OPTIONS $R | grep -q usrquota && fail "still mounted with usrquota"
out=$(as_user 1000 'dd if=/dev/zero of=/home/u/f2 bs=1M count=4 2>&1; echo rc=$?')
echo "$out" | grep -q "rc=0" || fail "QUOTAUGIDLIMIT=0 still limits user 1000: $out"
ok "QUOTAUGIDLIMIT=0: no per-user limits"
expect_rc 0 vzctl stop 3311
expect_rc 0 vzctl destroy 3311

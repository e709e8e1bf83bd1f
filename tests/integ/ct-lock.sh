#!/bin/bash
# Two parallel creates of one CTID: one wins, the other exits 9 naming the
# holder, or with --wait-lock waits for it. Stale locks are recovered.
. "$(dirname "$0")/lib.sh"
need_cache busybox
L=$T/vz/lock

# The vps.create hook runs under the CT lock, so a hook that waits for a
# file holds the lock for as long as we want, deterministically.
printf '#!/bin/sh\ntouch %s/hook.started\nwhile [ ! -e %s/hook.go ]; do sleep 0.05; done\n' $T $T > $VZ_CONFDIR/conf/vps.create
chmod +x $VZ_CONFDIR/conf/vps.create

vzctl create 101 --ostemplate busybox > $T/first.out 2>&1 &
first=$!
for _ in $(seq 200); do [ -e $T/hook.started ] && break; sleep 0.05; done
[ -e $L/101.lck ] || fail "first create did not take the lock"
expect_rc 9 vzctl create 101 --ostemplate busybox
echo "$LAST_OUT" | grep -q "locked" || fail "no 'locked' message: $LAST_OUT"
echo "$LAST_OUT" | grep -q "$first" || fail "holder PID $first not named: $LAST_OUT"
# Commands that take no lock still work meanwhile.
expect_rc 0 vzctl status 101

# --wait-lock: waits for the first, then finds the CT exists (44).
vzctl create 101 --ostemplate busybox --wait-lock > $T/second.out 2>&1 &
second=$!
sleep 0.5
kill -0 $second 2>/dev/null || fail "--wait-lock did not wait: $(cat $T/second.out)"
touch $T/hook.go
wait $first || fail "first create failed: $(cat $T/first.out)"
wait $second; rc=$?
[ $rc = 44 ] || fail "waiting create exited $rc: $(cat $T/second.out)"
ok "parallel creates"

# --wait-lock=SEC gives up after SEC seconds with 9.
exec 9>$L/101.lck
flock -x 9
echo $$ >&9
start=$(date +%s)
expect_rc 9 vzctl --wait-lock=2 set 101 --hostname a.example.com --save
[ $(( $(date +%s) - start )) -ge 2 ] || fail "--wait-lock=2 did not wait"
exec 9>&-
# The holder above (this shell, still alive) released its flock: the file is
# stale now and is recovered.
expect_rc 0 vzctl set 101 --hostname a.example.com --save
rm $VZ_CONFDIR/conf/vps.create
# A stale lock of a dead process is recovered, too.
printf '999999\nlocked\n' > $L/101.lck
expect_rc 0 vzctl set 101 --hostname b.example.com --save
[ ! -e $L/101.lck ] || fail "lock file left behind"
# --skiplock ignores a held lock.
exec 9>$L/101.lck; flock -x 9
expect_rc 0 vzctl --skiplock set 101 --hostname c.example.com --save
exec 9>&-
rm -f $L/101.lck
expect_rc 0 vzctl destroy 101
ok "lock semantics"

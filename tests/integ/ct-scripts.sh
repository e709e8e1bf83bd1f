#!/bin/bash
# Action scripts run inside the CT: CTID.start after the CT is up, CTID.stop
# before it shuts down (OpenVZ §1.14); a failing one gives exit 79.
. "$(dirname "$0")/lib.sh"
need_cache busybox
C=$VZ_CONFDIR/conf P=$T/vz/private/101
STARTED=101

expect_rc 0 vzctl create 101 --ostemplate busybox
echo 'echo "started as $(id -u) in $(hostname)" > /root/start-mark' > $C/101.start
echo 'echo stopped > /root/stop-mark' > $C/101.stop
expect_rc 0 vzctl set 101 --hostname scripts.example.com --save
expect_rc 0 vzctl start 101
[ "$(cat $P/root/start-mark)" = "started as 0 in scripts.example.com" ] ||
        fail "start script did not run inside: $(cat $P/root/start-mark 2>&1)"
expect_rc 0 vzctl stop 101
[ "$(cat $P/root/stop-mark)" = stopped ] || fail "stop script did not run"
ok "start and stop scripts"

echo 'exit 3' > $C/101.start
expect_rc 79 vzctl start 101
[ "$(vzctl status 101)" = "CTID 101 exist unmounted down" ] || fail "failed start script left the CT up: $(vzctl status 101)"
rm $C/101.start
echo 'exit 4' > $C/101.stop
expect_rc 0 vzctl start 101
expect_rc 79 vzctl stop 101
[ "$(vzctl status 101)" = "CTID 101 exist mounted running" ] || fail "failed stop script: $(vzctl status 101)"
expect_rc 0 vzctl stop 101 --fast
rm $C/101.stop
expect_rc 0 vzctl destroy 101
ok "failing scripts give 79"

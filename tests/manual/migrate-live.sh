#!/bin/bash
# Live migration (vzmigrate --online, CRIU underneath) of a busybox CT
# between two simulated hosts: a counter process goes on with the same PID
# from where it was, an established TCP connection from the client outside
# both hosts to the CT's IP survives and keeps echoing, the client's
# neighbour entry for the IP now points at B, and A has no trace of the CT.
# -t prints the frozen time.
. "$(dirname "$0")/../integ/migrate-lib.sh"
need_criu
need_cache busybox
mig_setup

ID=760 IP=10.75.0.60
mig_ct A $ID
# On failure, show criu's errors (the logs go with the tree).
fail() {
        local l
        echo "FAIL: $*" >&2
        for l in "$T"/h?/vz/dump/*/*.log "$T"/h?/vz/dump/*.log; do
                [ -f "$l" ] && { echo "--- $l" >&2; grep -E "Error|Warn" "$l" | tail -n 15 >&2; }
        done
        exit 1
}

expect_rc_on 0 A vzctl create $ID --ostemplate busybox --ipadd $IP
expect_rc_on 0 A vzctl start $ID
expect_rc_on 0 A vzctl exec $ID 'setsid sh -c "echo \$\$ > /tmp/cnt.pid; i=0; while :; do i=\$((i+1)); echo \$i >> /tmp/cnt; sleep 0.1; done" </dev/null >/dev/null 2>&1 &
        setsid nc -l -p 7000 -e cat </dev/null >/dev/null 2>&1 &
        sleep 0.3'
cpid=$(on A vzctl exec $ID cat /tmp/cnt.pid)
[ -n "$cpid" ] || fail "no counter"

# The client's connection: a line every 0.2 s, each must come back.
client bash -c "exec 3<>/dev/tcp/$IP/7000 || exit 1; i=0
        while :; do i=\$((i+1)); echo \"ping \$i\" >&3
                read -t 30 line <&3 || { echo \"LOST at \$i\" > $T/conn.err; exit 1; }
                [ \"\$line\" = \"ping \$i\" ] || { echo \"BAD \$line at \$i\" > $T/conn.err; exit 1; }
                echo \$i > $T/conn.n; sleep 0.2; done" &
CONN=$!
trap '_mrc=$?; kill $CONN 2>/dev/null; wait $CONN 2>/dev/null; _mig_cleanup; (exit $_mrc); _cleanup' EXIT
wait_until 10 test -s $T/conn.n || fail "client connection to $IP:7000 does not work"
macB=$(ip -n "${NS[B]}" -o link show eth0 | sed 's/.*link\/ether \([^ ]*\).*/\1/')
sleep 0.5
before_cnt=$(on A vzctl exec $ID 'tail -n1 /tmp/cnt')
before_conn=$(cat $T/conn.n)
ok "CT $ID runs on A: counter at $before_cnt, connection at $before_conn"

expect_rc_on 0 A vzmigrate --online -t ${HOSTIP[B]} $ID
echo "$LAST_OUT" | grep -E "^  frozen" || fail "-t printed no frozen time: $LAST_OUT"
status_on B $ID | grep -q "exist mounted running" || fail "not running on B: $(status_on B $ID)"
status_on A $ID | grep -q deleted || fail "still on A: $(status_on A $ID)"
[ -e "$(conf_of A $ID)" ] || [ -e "$(private_of A $ID)" ] || [ -n "$(ls $T/hA/vz/dump)" ] &&
        fail "trace of $ID left on A: $(ls $T/hA/etc/conf $T/hA/vz/private $T/hA/vz/dump)"
[ -n "$(ls $T/hB/vz/dump)" ] && fail "dump left on B: $(ls $T/hB/vz/dump)"
ip -n "${NS[A]}" route | grep -q "$IP" && fail "route to $IP left on A"
ip -n "${NS[A]}" neigh show proxy | grep -q "$IP" && fail "proxy ARP for $IP left on A"
client ip neigh show $IP | grep -q "$macB" || fail "client's entry for $IP not B's: $(client ip neigh show $IP)"
ok "runs on B, A has no trace, $IP routes to B"

# The counter: same process, continued (never restarted from 1).
expect_rc_on 0 B vzctl exec $ID 'cat /tmp/cnt.pid; kill -0 $(cat /tmp/cnt.pid) && echo alive'
echo "$LAST_OUT" | grep -q "^$cpid$" || fail "counter PID changed: $LAST_OUT (was $cpid)"
echo "$LAST_OUT" | grep -q alive || fail "counter not running on B"
sleep 0.5
expect_rc_on 0 B vzctl exec $ID 'tail -n1 /tmp/cnt; grep -c "^1$" /tmp/cnt; awk "NR != \$1 {bad=1} END {print bad ? \"gap\" : \"seq\"}" /tmp/cnt'
set -- $LAST_OUT
[ "$1" -gt "$before_cnt" ] || fail "counter did not go on: $1 <= $before_cnt"
[ "$2" = 1 ] || fail "counter restarted ($2 times 1)"
[ "$3" = seq ] || fail "counter file not one sequence"
ok "counter went on from $before_cnt to $1 with the same PID $cpid"

# The established connection survived and still echoes.
n0=$(cat $T/conn.n)
wait_until 30 test "$(cat $T/conn.n)" -gt $((n0 + 3)) ||
        fail "connection stalled at $(cat $T/conn.n): $(cat $T/conn.err 2>/dev/null) client alive: $(kill -0 $CONN 2>&1 && echo yes); $(client ss -tn 2>&1)"
[ ! -e $T/conn.err ] || fail "connection: $(cat $T/conn.err)"
kill -0 $CONN || fail "client connection ended"
ok "TCP connection from the client survived ($before_conn -> $(cat $T/conn.n) round trips)"

#!/bin/bash
# Live migration (vzmigrate --online, CRIU underneath) of a busybox CT
# between two simulated hosts, there and back:
#  - a counter process goes on with the same PID from where it was;
#  - an established TCP connection from the client outside both hosts to
#    the CT's IP survives and keeps echoing, through B (the client's
#    neighbour entry for the IP is B's) and back through A;
#  - the CT lands in the destination's own cgroups (the hosts have
#    different VZ_CGROUP names) with its anti-spoofing table there;
#  - the source has no trace (-r yes), or only CTID.conf.migrated (-r no).
# -t prints the frozen time.
. "$(dirname "$0")/migrate-lib.sh"
need_criu
need_cache busybox
mig_setup

ID=3100 IP=10.75.0.60
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

# The client's connection: a line every 0.2 s, each must come back. Run
# directly (not through a shell function) so that $! is the client itself.
ip netns exec "${NS[C]}" bash -c "exec 3<>/dev/tcp/$IP/7000 || exit 1; i=0
        while :; do i=\$((i+1)); echo \"ping \$i\" >&3
                read -t 30 line <&3 || { echo \"LOST at \$i\" > $T/conn.err; exit 1; }
                [ \"\$line\" = \"ping \$i\" ] || { echo \"BAD \$line at \$i\" > $T/conn.err; exit 1; }
                echo \$i > $T/conn.n; sleep 0.2; done" &
CONN=$!
trap '_mrc=$?; kill $CONN 2>/dev/null; wait $CONN 2>/dev/null; _mig_cleanup; (exit $_mrc); _cleanup' EXIT
# conn_past N: the connection has made more than N round trips (read anew
# at every try of wait_until).
conn_past() { [ "$(cat $T/conn.n 2>/dev/null || echo 0)" -gt "$1" ]; }
wait_until 10 conn_past 0 || fail "client connection to $IP:7000 does not work"
mac_of() { ip -n "${NS[$1]}" -o link show eth0 | sed 's/.*link\/ether \([^ ]*\).*/\1/'; }
macA=$(mac_of A) macB=$(mac_of B)
sleep 0.5
before_cnt=$(on A vzctl exec $ID 'tail -n1 /tmp/cnt')
before_conn=$(cat $T/conn.n)
on A nft list table inet vz_$ID >/dev/null 2>&1 || fail "no anti-spoofing table on A"
ok "CT $ID runs on A: counter at $before_cnt, connection at $before_conn"

# check_moved FROM TO: the CT runs on TO in TO's cgroups, FROM has nothing
# of it running (no route, proxy entry, nf_tables table, cgroup).
check_moved() {
        local f=$1 t=$2 cgf cgt p
        cgf=$(sed -n "s/^VZ_CGROUP=//p" "$T/h$f/etc/vz.conf")
        cgt=$(sed -n "s/^VZ_CGROUP=//p" "$T/h$t/etc/vz.conf")
        [ "$cgf" != "$cgt" ] || fail "the hosts share VZ_CGROUP ($cgf): nothing to check"
        status_on $t $ID | grep -q "exist mounted running" || fail "not running on $t: $(status_on $t $ID)"
        ip -n "${NS[$f]}" route | grep -q "$IP" && fail "route to $IP left on $f"
        ip -n "${NS[$f]}" neigh show proxy | grep -q "$IP" && fail "proxy ARP for $IP left on $f"
        on $f nft list table inet vz_$ID >/dev/null 2>&1 && fail "anti-spoofing table left on $f"
        on $t nft list table inet vz_$ID >/dev/null 2>&1 || fail "no anti-spoofing table on $t"
        ls -d /sys/fs/cgroup/*/"$cgf"/$ID 2>/dev/null | grep -q . &&
                fail "cgroups of $ID left on $f: $(ls -d /sys/fs/cgroup/*/"$cgf"/$ID)"
        p=$(cat "$T/h$t/run/$ID.init")
        grep -v ":/$cgt/$ID\$" /proc/$p/cgroup | grep -q . &&
                fail "init of $ID not in $t's cgroups: $(cat /proc/$p/cgroup)"
        client ip neigh show $IP | grep -q "$(mac_of $t)" ||
                fail "client's entry for $IP not $t's: $(client ip neigh show $IP)"
}

# check_goes_on FROM_CNT: the counter is the same process and went on
# (never restarted from 1); the connection still echoes.
check_goes_on() {
        local h=$1 n0
        expect_rc_on 0 $h vzctl exec $ID 'cat /tmp/cnt.pid; kill -0 $(cat /tmp/cnt.pid) && echo alive'
        echo "$LAST_OUT" | grep -q "^$cpid$" || fail "counter PID changed: $LAST_OUT (was $cpid)"
        echo "$LAST_OUT" | grep -q alive || fail "counter not running on $h"
        sleep 0.5
        expect_rc_on 0 $h vzctl exec $ID 'tail -n1 /tmp/cnt; grep -c "^1$" /tmp/cnt; awk "NR != \$1 {bad=1} END {print bad ? \"gap\" : \"seq\"}" /tmp/cnt'
        set -- $LAST_OUT
        [ "$1" -gt "$before_cnt" ] || fail "counter did not go on: $1 <= $before_cnt"
        [ "$2" = 1 ] || fail "counter restarted ($2 times 1)"
        [ "$3" = seq ] || fail "counter file not one sequence"
        ok "counter went on from $before_cnt to $1 with the same PID $cpid"
        before_cnt=$1
        # Some seconds of traffic after the move, every line echoed.
        n0=$(cat $T/conn.n)
        wait_until 30 conn_past $((n0 + 25)) ||
                fail "connection stalled at $(cat $T/conn.n) (was $n0): $(cat $T/conn.err 2>/dev/null); $(client ss -tn 2>&1)"
        [ ! -e $T/conn.err ] || fail "connection: $(cat $T/conn.err)"
        kill -0 $CONN || fail "client connection ended"
        ok "TCP connection from the client survived ($before_conn -> $(cat $T/conn.n) round trips)"
}

# check_locked H: the migrated CT is as locked down as a started one (issue
# 19): its root cannot unmount the /proc masks, lxcfs's files, /proc/sys
# or /sys, nor remount /proc/sys writable or mount a fresh proc.
check_locked() {
        local h=$1 m
        for m in /proc/kallsyms /proc/timer_list /proc/sys /proc/meminfo /proc /sys /sys/fs/cgroup; do
                on $h vzctl exec2 $ID "umount $m" >/dev/null 2>&1 && fail "on $h: 'umount $m' succeeded in the CT"
        done
        on $h vzctl exec2 $ID 'mount -o remount,bind,rw /proc/sys' >/dev/null 2>&1 &&
                fail "on $h: /proc/sys remounted read-write in the CT"
        on $h vzctl exec2 $ID 'mkdir -p /mnt/p && mount -t proc proc /mnt/p' >/dev/null 2>&1 &&
                fail "on $h: a fresh proc mount was allowed in the CT"
        ok "on $h: /proc masks, lxcfs files, /proc/sys and /sys locked after the migration"
}

expect_rc_on 0 A vzmigrate --online -t ${HOSTIP[B]} $ID
echo "$LAST_OUT" | grep -E "^  frozen" || fail "-t printed no frozen time: $LAST_OUT"
check_locked B
check_moved A B
status_on A $ID | grep -q deleted || fail "still on A: $(status_on A $ID)"
[ -e "$(conf_of A $ID)" ] || [ -e "$(private_of A $ID)" ] || [ -n "$(ls $T/hA/vz/dump)" ] &&
        fail "trace of $ID left on A: $(ls $T/hA/etc/conf $T/hA/vz/private $T/hA/vz/dump)"
[ -n "$(ls $T/hB/vz/dump)" ] && fail "dump left on B: $(ls $T/hB/vz/dump)"
ok "runs on B in B's cgroups, A has no trace, $IP routes to B"
check_goes_on B

# And back with -r no: B keeps only CTID.conf.migrated.
expect_rc_on 0 B vzmigrate --online -r no ${HOSTIP[A]} $ID
check_moved B A
check_locked A
[ -e "$(conf_of B $ID).migrated" ] || fail "no .migrated config on B"
[ -e "$(conf_of B $ID)" ] && fail "B still has the live config"
[ -n "$(ls -A $T/hA/vz/dump)$(ls -A $T/hB/vz/dump)" ] && fail "dump left: $(ls $T/hA/vz/dump $T/hB/vz/dump)"
ok "back on A, B keeps CTID.conf.migrated"
check_goes_on A

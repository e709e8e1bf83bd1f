#!/bin/bash
# vz in a two-node Pacemaker/corosync cluster (cluster-lib.sh), one busybox
# CT as an ocf:vz:vz resource (migration=dump, private area and dump
# directory on the nodes' shared storage), its own TCP echo service started
# by its init. Seen from where an admin looks (crm_resource --locate,
# crm_mon, vzlist on each node, vzlist --cluster) and from the CT's client:
#  - the resource starts on one node, running there only;
#  - `crm_resource --move` live-migrates it (checkpoint/restore) while a
#    client in a third namespace keeps its TCP connection and every line
#    echoes;
#  - corosync of the CT's node killed (that node "fails": the test plays
#    the missing fence device and powers the node's CT off): the other node
#    starts the CT within the cluster's timeout, with its data, its service
#    answers;
#  - the old node, its cluster stack back, does not start it twice.
. "$(dirname "$0")/cluster-lib.sh"
need_criu
need_cache busybox
T0=$(date +%s.%N)
cl_setup
ok "two-node cluster formed (node1, node2) in $(echo "$(date +%s.%N) - $T0" | bc | cut -c1-5) s"

ID=3170 IP=10.75.0.70 R=ct3170
mig_ct A $ID
other() { [ "$1" = A ] && echo B || echo A; }
host_of() { [ "$1" = "${NODE[A]}" ] && echo A || echo B; }

expect_rc_on 0 A vzctl create $ID --ostemplate busybox --ipadd $IP
# The CT's own service, started by its init: an echo server on 7000.
echo '::respawn:/usr/bin/nc -l -p 7000 -e /bin/cat' >> "$T/nfs-store/private/$ID/etc/inittab" ||
        fail "no inittab in the shared private area"
echo "data of $ID" > "$T/nfs-store/private/$ID/root/data"
cp "$(conf_of A $ID)" "$(conf_of B $ID)"

# The resource, as an admin configures it (crmsh).
on A crm configure primitive $R ocf:vz:vz \
        params ctid=$ID migration=dump dumpdir="$T/nfs/dump" \
        op monitor interval=5s timeout=30s \
        op start timeout=60s op stop timeout=60s \
        op migrate_to timeout=120s op migrate_from timeout=120s \
        meta allow-migrate=true >"$T/crm.out" 2>&1 ||
        fail "crm configure primitive: $(cat "$T/crm.out")"
running_on() { status_on $1 $ID | grep -q "exist mounted running"; }
# Pacemaker records a pending start (record-pending): --locate can name the
# node while the agent's start still runs there, so wait for both.
started() { N1=$(where_is $R); [ -n "$N1" ] && running_on "$(host_of "$N1")"; }
wait_until 60 started || fail "$R not started: crm_resource says '$N1'; $(on A crm_mon -1 2>&1)"
H1=$(host_of "$N1") H2=$(other "$H1")
running_on $H2 && fail "running on both nodes"
on $H1 vzlist -H -o ctid,status $ID | grep -q "$ID *running" || fail "vzlist on $N1 does not show it running"
on $H2 vzlist -H -o ctid,status $ID | grep -q "$ID *stopped" || fail "vzlist on ${NODE[$H2]}: $(on $H2 vzlist -a 2>&1)"
for h in A B; do
        on $h vzlist --cluster -H | grep -qE "^ *$ID +$R +$N1 +Started" ||
                fail "vzlist --cluster on ${NODE[$h]}: $(on $h vzlist --cluster 2>&1)"
done
ok "$R started on $N1 (crm_resource, vzctl status, vzlist and vzlist --cluster on both nodes agree)"

# The client: a line every 0.1 s, each must come back; it records the
# time of each round trip (its largest gap is the downtime).
wait_until 20 svc_answers $IP || fail "CT's service on $IP:7000 does not answer"
mig_client $IP 0.1
wait_until 10 conn_past 5 || fail "client connection to $IP:7000 does not work"

# Live migration by the cluster.
tm0=$(date +%s.%N)
on A crm_resource --move --resource $R --node "${NODE[$H2]}" >/dev/null 2>&1 || fail "crm_resource --move"
on_h2() { [ "$(where_is $R)" = "${NODE[$H2]}" ] && running_on $H2; }
wait_until 90 on_h2 || fail "$R not moved to ${NODE[$H2]}: $(on A crm_mon -1 2>&1)"
tm1=$(date +%s.%N)
running_on $H1 && fail "still running on $N1 after the move"
on $H1 vzlist --cluster -H | grep -qE "^ *$ID +$R +${NODE[$H2]} +Started" ||
        fail "vzlist --cluster on $N1 after the move: $(on $H1 vzlist --cluster 2>&1)"
n0=$(cat $T/conn.n)
wait_until 30 conn_past $((n0 + 20)) || fail "connection stalled after the move: $(cat $T/conn.err 2>/dev/null)"
[ ! -e $T/conn.err ] || fail "connection: $(cat $T/conn.err)"
kill -0 $CONN || fail "client connection ended"
gap=$(awk 'NR > 1 && $1 - p > g { g = $1 - p } { p = $1 } END { printf "%.2f", g }' $T/conn.t)
on A grep -q "migrate_to.*$R\|$R.*migrate_to" /var/log/pacemaker/pacemaker.log ||
        grep -q "${R}_migrate_to" "$T/h$H1/cl/log-pacemaker/pacemaker.log" ||
        fail "the move was not a migration (no migrate_to in $N1's log)"
ok "crm_resource --move: live-migrated $N1 -> ${NODE[$H2]} in $(echo "$tm1 - $tm0" | bc | cut -c1-5) s; the TCP connection went on ($(cat $T/conn.n) round trips, longest gap ${gap} s)"
# The agent's two steps as Pacemaker recorded them (exec-time, ms): the
# checkpoint on the source, the restore on the target.
op_ms() {
        on A cibadmin -Q -o status 2>/dev/null | grep -o "<lrm_rsc_op [^>]*operation=\"$1\"[^>]*>" |
                sed -n 's/.* exec-time="\([0-9]*\)".*/\1/p' | tail -n1
}
[ -z "${CLUSTER_BENCH_OUT:-}" ] ||
        echo "move_s=$(echo "$tm1 - $tm0" | bc) move_gap_s=$gap mig_to_ms=$(op_ms migrate_to) mig_from_ms=$(op_ms migrate_from)" >> "$CLUSTER_BENCH_OUT"
on A crm_resource --clear --resource $R >/dev/null 2>&1 || fail "crm_resource --clear"
sleep 1
[ "$(where_is $R)" = "${NODE[$H2]}" ] || fail "$R moved back after --clear (stickiness)"
mig_client_stop

# Failover: the CT's node loses its cluster stack (corosync -9). Without a
# fence device the test powers the node's CT off itself.
echo "written on ${NODE[$H2]}" > "$T/nfs-store/private/$ID/root/data2"
tf0=$(date +%s.%N)
cl_kill_corosync $H2
on $H2 vzctl --skiplock stop $ID --fast >/dev/null 2>&1
back_on_h1() { [ "$(where_is $R $H1)" = "${NODE[$H1]}" ] && running_on $H1; }
wait_until 60 back_on_h1 || fail "$R not failed over to ${NODE[$H1]}: $(on $H1 crm_mon -1 2>&1)"
tf1=$(date +%s.%N)
expect_rc_on 0 $H1 vzctl exec $ID 'cat /root/data /root/data2'
[ "$LAST_OUT" = "data of $ID
written on ${NODE[$H2]}" ] || fail "CT's data after failover: $LAST_OUT"
wait_until 20 svc_answers $IP ||
        fail "CT's service does not answer after failover"
ok "corosync of ${NODE[$H2]} killed: $R started on ${NODE[$H1]} in $(echo "$tf1 - $tf0" | bc | cut -c1-5) s with its data, its service answers"
[ -z "${CLUSTER_BENCH_OUT:-}" ] || echo "failover_s=$(echo "$tf1 - $tf0" | bc)" >> "$CLUSTER_BENCH_OUT"

# The old node comes back: pacemaker and corosync there again.
cl_kill_stack $H2
cl_start_node $H2
wait_until 90 cl_online || fail "${NODE[$H2]} did not rejoin: $(on $H1 crm_mon -1 2>&1)"
sleep 8 # its probes and a monitor interval or so
[ "$(where_is $R $H1)" = "${NODE[$H1]}" ] || fail "$R not on ${NODE[$H1]} after the rejoin"
running_on $H2 && fail "$R started twice: also on ${NODE[$H2]}"
on $H1 crm_mon -1 2>&1 | grep -qi "multiple\|failed" && fail "crm_mon: $(on $H1 crm_mon -1 2>&1)"
ok "${NODE[$H2]} rejoined; $R stays on ${NODE[$H1]}, not started twice"

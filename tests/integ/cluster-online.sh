#!/bin/bash
# The ocf:vz:vz agent with migration=online (the default): no shared
# storage, each node of the two-node cluster (cluster-lib.sh, CL_SHARED=0)
# has its own private areas, and Pacemaker's migrate_to runs
# `vzmigrate --online` to the target node by its name (ssh as root with
# keys, as between real hosts):
#  - the CT, created on node1 only, starts there (a location preference of
#    50 for its home; the probe on node2, where it does not exist, says
#    "not running");
#  - `crm_resource --move` to node2 live-migrates it: the client's TCP
#    connection goes on, node2 runs it in its own private area, node1 has
#    no trace of it; vzlist --cluster says node2;
#  - after `crm_resource --clear` it stays on node2 (stickiness 100 > 50).
# Failover without shared storage has no data on the other node: not tested
# here (cluster-failover.sh covers failover with shared storage).
CL_SHARED=0
. "$(dirname "$0")/cluster-lib.sh"
need_criu
need_cache busybox
cl_setup
ok "two-node cluster formed, private areas per node"

ID=3180 IP=10.75.0.80 R=ct3180
mig_ct A $ID
running_on() { status_on $1 $ID | grep -q "exist mounted running"; }

expect_rc_on 0 A vzctl create $ID --ostemplate busybox --ipadd $IP
echo '::respawn:/usr/bin/nc -l -p 7000 -e /bin/cat' >> "$(private_of A $ID)/etc/inittab" ||
        fail "no inittab in the private area"
echo "data of $ID" > "$(private_of A $ID)/root/data"

on A crm configure primitive $R ocf:vz:vz params ctid=$ID \
        op monitor interval=5s timeout=30s op start timeout=60s op stop timeout=60s \
        op migrate_to timeout=120s op migrate_from timeout=120s \
        meta allow-migrate=true >"$T/crm.out" 2>&1 ||
        fail "crm configure primitive: $(cat "$T/crm.out")"
on A crm configure location ${R}-home $R 50: ${NODE[A]} >"$T/crm.out" 2>&1 ||
        fail "crm configure location: $(cat "$T/crm.out")"
on_a() { [ "$(where_is $R)" = "${NODE[A]}" ] && running_on A; }
wait_until 60 on_a || fail "$R not started on ${NODE[A]}: $(on A crm_mon -1 2>&1)"
running_on B && fail "running on both nodes"
ok "$R started on ${NODE[A]}"

wait_until 20 svc_answers $IP || fail "CT's service on $IP:7000 does not answer"
mig_client $IP 0.1
wait_until 10 conn_past 5 || fail "client connection to $IP:7000 does not work"

on A crm_resource --move --resource $R --node "${NODE[B]}" >/dev/null 2>&1 || fail "crm_resource --move"
on_b() { [ "$(where_is $R)" = "${NODE[B]}" ] && running_on B; }
wait_until 90 on_b || fail "$R not moved to ${NODE[B]}: $(on A crm_mon -1 2>&1)"
status_on A $ID | grep -q deleted || fail "still on ${NODE[A]}: $(status_on A $ID)"
[ -e "$(private_of A $ID)" ] && fail "private area left on ${NODE[A]}"
[ "$(cat "$(private_of B $ID)/root/data")" = "data of $ID" ] || fail "data not in ${NODE[B]}'s private area"
grep -q "${R}_migrate_to" "$T/hA/cl/log-pacemaker/pacemaker.log" ||
        fail "the move was not a migration (no migrate_to in ${NODE[A]}'s log)"
n0=$(cat $T/conn.n)
wait_until 30 conn_past $((n0 + 20)) || fail "connection stalled after the move: $(cat $T/conn.err 2>/dev/null)"
[ ! -e $T/conn.err ] || fail "connection: $(cat $T/conn.err)"
kill -0 $CONN || fail "client connection ended"
on A vzlist --cluster -H | grep -qE "^ *$ID +$R +${NODE[B]} +Started" ||
        fail "vzlist --cluster: $(on A vzlist --cluster 2>&1)"
ok "crm_resource --move: vzmigrate --online to ${NODE[B]}, its private area there only, the TCP connection went on ($(cat $T/conn.n) round trips)"

on A crm_resource --clear --resource $R >/dev/null 2>&1 || fail "crm_resource --clear"
sleep 3
[ "$(where_is $R)" = "${NODE[B]}" ] && running_on B || fail "$R moved after --clear: $(on A crm_mon -1 2>&1)"
ok "after --clear $R stays on ${NODE[B]} (stickiness)"

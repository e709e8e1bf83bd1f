#!/bin/bash
# The ocf:vz:vz resource agent on its own (no cluster): resource-agents'
# ocf-tester drives it through start/stop/monitor as Pacemaker would
# (meta-data valid against ra-api-1.dtd, probe of a stopped CT, double
# start and stop succeed, ...), and the OCF exit codes for the cases
# Pacemaker acts on: a CT that does not exist on this node (monitor 7 so a
# probe says "stopped", start 5 so the node is avoided), a bad parameter
# (6, cluster-wide), an unknown action (3).
. "$(dirname "$0")/lib.sh"
need_cache busybox
command -v ocf-tester >/dev/null || [ -x /usr/sbin/ocf-tester ] ||
        { echo "SKIP: no ocf-tester (resource-agents)"; exit 77; }
command -v xmllint >/dev/null || { echo "SKIP: no xmllint (ocf-tester checks the meta-data with it)"; exit 77; }
export PATH="$PATH:/usr/sbin"
# ocf-tester runs meta-data as nobody: a copy it can read.
A=$T/vz-agent
cp "$SRCDIR/etc/ocf/vz" "$A" && chmod 755 "$A"

ID=3190
STARTED=$ID
expect_rc 0 vzctl create $ID --ostemplate busybox
out=$(ocf-tester -n ct$ID -o ctid=$ID "$A" 2>&1) || fail "ocf-tester: $out"
echo "$out" | grep -q "passed all tests" || fail "ocf-tester: $out"
vzctl status $ID | grep -q down || fail "CT left running by the tester: $(vzctl status $ID)"
ok "ocf-tester: $(echo "$out" | tail -n1)"

# agent_rc CODE ACTION [NAME=VALUE...]
agent_rc() {
        local want=$1 act=$2 rc; shift 2
        env "$@" "$A" "$act" >"$T/agent.out" 2>&1; rc=$?
        [ "$rc" = "$want" ] || fail "agent $act $* exited $rc, expected $want: $(cat "$T/agent.out")"
}
agent_rc 7 monitor OCF_RESKEY_ctid=3199
agent_rc 0 stop OCF_RESKEY_ctid=3199
agent_rc 5 start OCF_RESKEY_ctid=3199
grep -q "^ocf-exit-reason:CT 3199 does not exist on this node" "$T/agent.out" ||
        fail "no exit reason for Pacemaker: $(cat "$T/agent.out")"
agent_rc 6 validate-all
agent_rc 6 start OCF_RESKEY_ctid=$ID OCF_RESKEY_migration=nfs
agent_rc 3 promote OCF_RESKEY_ctid=$ID
agent_rc 2 migrate_to OCF_RESKEY_ctid=$ID OCF_RESKEY_migration=dump
vzctl status $ID | grep -q down || fail "CT started by a failed action"
ok "exit codes: missing CT 7 (monitor), 0 (stop), 5 (start); bad parameter 6; unknown action 3; migrate_to without a target 2"

# meta-data: every parameter and action Pacemaker needs to know of.
"$A" meta-data > "$T/md.xml"
for p in ctid migration dumpdir target_address confdir bindir; do
        grep -q "<parameter name=\"$p\"" "$T/md.xml" || fail "meta-data lacks parameter $p"
done
for a in start stop monitor migrate_to migrate_from validate-all meta-data; do
        grep -q "<action name=\"$a\"" "$T/md.xml" || fail "meta-data lacks action $a"
done
ok "meta-data lists the parameters and actions"

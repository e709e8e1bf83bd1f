#!/bin/bash
# Cluster benchmark: runs tests/integ/cluster-failover.sh RUNS times (a
# fresh two-node corosync + Pacemaker cluster each time, see
# tests/integ/cluster-lib.sh; one machine, the "network" is a veth bridge)
# and reports, per run and as median (min-max):
#  - move: from `crm_resource --move` to the CT running on the other node
#    (crm_resource --locate and vzctl status there), a live migration by the
#    ocf:vz:vz agent with migration=dump (vzctl chkpnt into the shared dump
#    directory on the source, vzctl restore on the target); migrate_to and
#    migrate_from: those two steps' exec-time as Pacemaker recorded it in
#    the CIB (the CT is frozen or down from the start of the first to the
#    end of the second);
#  - downtime: the longest gap between two echoed lines of the CT's TCP
#    client, which sends one every 0.1 s over the connection that survives
#    the move (what a user of the CT's service sees);
#  - failover: from `kill -9` of corosync on the CT's node (its CT powered
#    off by the test, standing in for a fence device) to the CT running on
#    the other node (corosync token 1000 ms, two_node, stonith disabled).
#
# Usage (root): bench/cluster.sh [RUNS]  (default 3)
# Prints a Markdown table; bench/results/cluster.md holds the recorded run.
set -u
RUNS=${1:-3}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp /tmp/vz-cluster-bench.XXXXXX)
trap 'rm -f "$out"' EXIT
for i in $(seq "$RUNS"); do
        s=$(date +%s)
        CLUSTER_BENCH_OUT=$out bash "$here/../tests/integ/cluster-failover.sh" >"$out.log" 2>&1
        rc=$?
        if [ $rc != 0 ]; then
                cat "$out.log" >&2
                rm -f "$out.log"
                echo "run $i: cluster-failover.sh exited $rc" >&2
                exit $rc
        fi
        rm -f "$out.log"
        echo "run=$i wall_s=$(( $(date +%s) - s ))" >> "$out"
done
awk '
function med(a, n,   i, j, t, b) { for (i = 1; i <= n; i++) b[i] = a[i]
        for (i = 2; i <= n; i++) for (j = i; j > 1 && b[j-1] > b[j]; j--) { t = b[j]; b[j] = b[j-1]; b[j-1] = t }
        return sprintf("%.2f (%.2f-%.2f)", n % 2 ? b[(n+1)/2] : (b[n/2] + b[n/2+1]) / 2, b[1], b[n]) }
{ for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] } }
/^move_s=/ { mv[n+1] = v["move_s"]; gp[n+1] = v["move_gap_s"]; to[n+1] = v["mig_to_ms"] / 1000; fr[n+1] = v["mig_from_ms"] / 1000 }
/^failover_s=/ { fo[n+1] = v["failover_s"] }
/^run=/ { n++; printf "| %d | %.2f | %.2f | %.2f | %.2f | %.2f | %d |\n", v["run"], mv[n], to[n], fr[n], gp[n], fo[n], v["wall_s"] }
END { printf "| median (min-max) of %d | %s | %s | %s | %s | %s | |\n", n, med(mv, n), med(to, n), med(fr, n), med(gp, n), med(fo, n) }
' "$out" > "$out.rows"
echo "| run | move (s) | migrate_to (s) | migrate_from (s) | client downtime (s) | failover (s) | test wall time (s) |"
echo "|---|---|---|---|---|---|---|"
cat "$out.rows"
rm -f "$out.rows"

#!/bin/bash
# Cluster benchmark: runs tests/integ/cluster-failover.sh RUNS times (a
# fresh two-node corosync + Pacemaker cluster each time, see
# tests/integ/cluster-lib.sh; one machine, the "network" is a veth bridge)
# and reports, per run and as median (min-max):
#  - move: from `crm_resource --move` to the CT running on the other node
#    (crm_resource --locate and vzctl status there), a live migration by the
#    ocf:vz:vz agent with migration=dump (vzctl chkpnt into the shared dump
#    directory on the source, vzctl restore on the target);
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
function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
        return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
{ for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] } }
/^failover_s=/ { fo[++n] = v["failover_s"] }
/^move_s=/ { mv[++m] = v["move_s"]; gp[m] = v["move_gap_s"] }
/^run=/ { printf "| %d | %.2f | %.2f | %.2f | %d |\n", v["run"], mv[m], gp[m], fo[n], v["wall_s"] > "/dev/stderr"; }
END {
        for (i = 1; i <= n; i++) { fo2[i] = fo[i]; mv2[i] = mv[i]; gp2[i] = gp[i] }
        mmin = mmax = mv[1]; gmin = gmax = gp[1]; fmin = fmax = fo[1]
        for (i = 1; i <= n; i++) {
                if (mv[i] < mmin) mmin = mv[i]; if (mv[i] > mmax) mmax = mv[i]
                if (gp[i] < gmin) gmin = gp[i]; if (gp[i] > gmax) gmax = gp[i]
                if (fo[i] < fmin) fmin = fo[i]; if (fo[i] > fmax) fmax = fo[i]
        }
        printf "| median of %d | %.2f (%.2f-%.2f) | %.2f (%.2f-%.2f) | %.2f (%.2f-%.2f) | |\n", n,
                med(mv2, n), mmin, mmax, med(gp2, n), gmin, gmax, med(fo2, n), fmin, fmax
}' "$out" 2>"$out.rows" > "$out.med"
echo "| run | move (s) | client downtime (s) | failover (s) | test wall time (s) |"
echo "|---|---|---|---|---|"
cat "$out.rows" "$out.med"
rm -f "$out.rows" "$out.med"

#!/bin/bash
# CPU time of start, exec and status with 0 and N busybox CTs running: a
# measure of what grows with the number of running CTs that the load of a
# shared machine does not blur as much as wall time (bench/density.sh).
#
# Each command runs in a cpuacct cgroup of its own (v1 cpuacct hierarchy, or
# cgroup2's cpu.stat): the CPU time of everything it starts there (vzctl,
# the supervisor, the helper processes) plus that of the CT's own cgroup
# (processes that join the CT, the CT's init while it boots: for a start,
# the CT's cgroup is new, so all of its usage counts).
#
#   start   vzctl start of a probe CT (stopped again, not counted)
#   exec3   vzctl exec3 CT /bin/true
#   status  vzctl status CT
#   true    /bin/true on the host (the floor)
#
# Measured at 0 running, at N, and at 0 again after the N are stopped (the
# spread of the two 0 columns is the machine's noise).
#
# Usage (root, from the source tree): bench/start-cpu.sh [N] [RUNS]
#   N default 200, RUNS default 7 (medians). Writes
#   bench/results/start-cpu.md (RESULT=path elsewhere, RESULT=- stdout only).
N=${1:-200}
RUNS=${2:-7}
HERE=$(cd "$(dirname "$0")" && pwd)
RESULT=${RESULT:-$HERE/results/start-cpu.md}
. "$HERE/../tests/integ/lib.sh"
need_cache busybox

PROBE=11999
BASE=10000
[ "$N" -ge 1 ] && [ $((BASE + N)) -le $PROBE ] || fail "N must be 1..$((PROBE - BASE))"
VZCG=vztest-$$
if [ -d /sys/fs/cgroup/cpuacct ]; then
        ROOT=/sys/fs/cgroup/cpuacct
        usage() { echo $(($(cat "$1/cpuacct.usage" 2>/dev/null || echo 0) / 1000)); } # us
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        ROOT=/sys/fs/cgroup
        usage() { awk '$1 == "usage_usec" {print $2; f = 1} END {if (!f) print 0}' "$1/cpu.stat" 2>/dev/null || echo 0; }
else
        echo "SKIP: no cpuacct hierarchy and no cgroup2"
        exit 77
fi
CG=$ROOT/vzbench-cpu-$$
CTCG=$ROOT/$VZCG/$PROBE
mkdir "$CG" || fail "cannot make $CG"
_cpu_cleanup() {
        local rc=$?
        trap - EXIT
        seq $BASE $((BASE + N - 1)) | xargs -P 16 -I{} vzctl --quiet stop {} --fast >/dev/null 2>&1
        rmdir "$CG" 2>/dev/null
        (exit $rc)
        _cleanup
}
trap _cpu_cleanup EXIT

# in_cg CMD...: run CMD in our cgroup, quietly; fail if it fails
in_cg() { (echo $BASHPID > "$CG/cgroup.procs" && exec "$@" >/dev/null 2>&1) || fail "$* failed"; }
# cpu_us CMD...: the CPU time (us) of CMD, ours and the probe CT's cgroup
cpu_us() {
        local u0 c0
        u0=$(usage "$CG")
        c0=$(usage "$CTCG")
        in_cg "$@"
        echo $(($(usage "$CG") - u0 + $(usage "$CTCG") - c0))
}
median() { sort -n | awk '{a[NR] = $1} END {if (!NR) {print "-"; exit}
        m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000}'; }
declare -A R
measure() {
        local at=$1 i s="" e="" st="" t="" u0
        for ((i = 0; i < RUNS; i++)); do
                u0=$(usage "$CG")
                in_cg vzctl start $PROBE
                s+="$(($(usage "$CG") - u0 + $(usage "$CTCG")))"$'\n'
                vzctl stop $PROBE --fast >/dev/null 2>&1 || fail "stop"
        done
        vzctl start $PROBE >/dev/null 2>&1 || fail "start"
        for ((i = 0; i < RUNS; i++)); do
                e+="$(cpu_us vzctl exec3 $PROBE /bin/true)"$'\n'
                st+="$(cpu_us vzctl status $PROBE)"$'\n'
                t+="$(cpu_us /bin/true)"$'\n'
        done
        vzctl stop $PROBE --fast >/dev/null 2>&1 || fail "stop"
        R[start.$at]=$(printf %s "$s" | median)
        R[exec3.$at]=$(printf %s "$e" | median)
        R[status.$at]=$(printf %s "$st" | median)
        R[true.$at]=$(printf %s "$t" | median)
        echo "$at running: CPU ms start ${R[start.$at]} exec3 ${R[exec3.$at]} status ${R[status.$at]} true ${R[true.$at]}" >&2
}

vzctl create $PROBE --ostemplate busybox >/dev/null 2>&1 || fail "create"
STARTED=$PROBE
seq $BASE $((BASE + N - 1)) | xargs -P 4 -I{} vzctl --quiet create {} --ostemplate busybox >/dev/null 2>&1
measure 0
seq $BASE $((BASE + N - 1)) | xargs -P 8 -I{} vzctl --quiet start {} >/dev/null 2>&1
k=$(ls "$T/run/" | grep -c '^[0-9]*\.pid$')
[ "$k" = "$N" ] || fail "$k CTs running, expected $N"
# N CTs just started are still booting (and their supervisors reading their
# cgroups): wait until the host's runnable count has been low for 5 s in a
# row (at most SETTLE seconds, default 180), so that their start-up storm
# is not what the probe measures.
calm=0
for ((i = 0; i < ${SETTLE:-180} && calm < 5; i++)); do
        r=$(cut -d' ' -f4 /proc/loadavg | cut -d/ -f1)
        if [ "$r" -le $((2 * $(nproc))) ]; then calm=$((calm + 1)); else calm=0; fi
        sleep 1
done
echo "settled after ${i} s (runnable now: $(cut -d' ' -f4 /proc/loadavg))" >&2
measure $N
seq $BASE $((BASE + N - 1)) | xargs -P 16 -I{} vzctl --quiet stop {} --fast >/dev/null 2>&1
measure 0again

rev=$(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b / a}'; }
report() {
        cat <<EOF
# CPU time of start, exec and status: 0 and $N CTs running

Command (root, from the source tree, \`build/\`): \`bench/start-cpu.sh $N $RUNS\`

$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), vz ${rev:-?}, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).

CPU time (ms, median of $RUNS) of the command and everything it started, in
a cgroup of its own plus the probe CT's:

| running CTs | 0 | $N | 0 again (after the stops) | ratio $N / 0 |
|---|---|---|---|---|
| vzctl start | ${R[start.0]} | ${R[start.$N]} | ${R[start.0again]} | $(ratio ${R[start.0]} ${R[start.$N]}) |
| vzctl exec3 CT /bin/true | ${R[exec3.0]} | ${R[exec3.$N]} | ${R[exec3.0again]} | $(ratio ${R[exec3.0]} ${R[exec3.$N]}) |
| vzctl status | ${R[status.0]} | ${R[status.$N]} | ${R[status.0again]} | $(ratio ${R[status.0]} ${R[status.$N]}) |
| host: /bin/true | ${R[true.0]} | ${R[true.$N]} | ${R[true.0again]} | $(ratio ${R[true.0]} ${R[true.$N]}) |

The "0 again" column is the noise of the machine: CPU time also grows with
the cache and TLB pressure of other load on a shared host.
EOF
}
if [ "$RESULT" = - ]; then report; else report | tee "$RESULT"; fi

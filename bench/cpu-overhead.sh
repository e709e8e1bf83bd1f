#!/bin/bash
# CPU overhead of running inside a CT: the same static binary (cpuwork.c)
# runs the same fixed job on the host and inside a running busybox CT (vz
# defaults: own user namespace, seccomp filter, its own cgroups), in the same
# run, alternating host, CT, host, CT... so load changes hit both alike.
# Each job reports its own process CPU time and monotonic wall time, so the
# start of `vzctl exec3` is not counted.
#
#   cpu  integer mixing loop, no syscalls (the headline: OpenVZ claimed 1-3%)
#   mem  strided passes over 32 MiB (cache/TLB misses, memory cgroup charge)
#   sys  getppid() calls (syscall entry; the CT's seccomp filter runs on each)
#
# Reported per job: median CPU ms and wall ms on the host and in the CT, and
# the CT/host ratio of the medians (1.000 = no overhead). On a shared or
# loaded machine wall time includes waiting for a CPU; CPU time is the
# figure to read, wall time the check.
#
# Usage (root): bench/cpu-overhead.sh [RUNS]      (default 15)
# Needs gcc and static glibc (libc6-dev) to build cpuwork.
# Result: bench/results/cpu-overhead.md.
set -u
RUNS=${1:-15}
. "$(dirname "$0")/../tests/integ/lib.sh"
need_cache busybox
STARTED=449
ID=449
gcc -O2 -static -o "$T/cpuwork" "$SRCDIR/bench/cpuwork.c" || { echo "cannot build cpuwork (gcc, libc6-dev)" >&2; exit 1; }
vzctl create $ID --ostemplate busybox >/dev/null || exit 1
vzctl start $ID >/dev/null || exit 1
cp "$T/cpuwork" "$T/vz/root/$ID/cpuwork" || exit 1
declare -A N=([cpu]=150 [mem]=2 [sys]=250000)
load0=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for job in cpu mem sys; do
        : > "$T/$job.host"; : > "$T/$job.ct"
        # one warm-up each, not counted
        "$T/cpuwork" $job "${N[$job]}" >/dev/null
        vzctl exec3 $ID /cpuwork $job "${N[$job]}" >/dev/null
        for ((i = 0; i < RUNS; i++)); do
                "$T/cpuwork" $job "${N[$job]}" >> "$T/$job.host" || exit 1
                vzctl exec3 $ID /cpuwork $job "${N[$job]}" 2>&1 | tr -d '\r' >> "$T/$job.ct"
        done
        [ "$(awk 'NF == 3' "$T/$job.ct" | wc -l)" = "$RUNS" ] || { echo "CT runs failed: $(cat "$T/$job.ct")" >&2; exit 1; }
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

echo "# CPU overhead inside a CT"
echo
echo "Command (root, from the source tree, \`build/\`): \`bench/cpu-overhead.sh $RUNS\`"
echo
echo "Median of $RUNS alternating runs each. $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r),"
echo "load average before/after: $load0 / $load1; vz $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null)."
echo
echo "| job | host CPU ms | CT CPU ms | CT/host CPU | host wall ms | CT wall ms | CT/host wall |"
echo "|---|---|---|---|---|---|---|"
for job in cpu mem sys; do
        hc=$(awk '{print $2 / 1e6}' "$T/$job.host" | median)
        cc=$(awk 'NF == 3 {print $2 / 1e6}' "$T/$job.ct" | median)
        hw=$(awk '{print $1 / 1e6}' "$T/$job.host" | median)
        cw=$(awk 'NF == 3 {print $1 / 1e6}' "$T/$job.ct" | median)
        printf '| %s (N=%s) | %.1f | %.1f | %.3f | %.1f | %.1f | %.3f |\n' "$job" "${N[$job]}" \
                "$hc" "$cc" "$(echo "$cc / $hc" | bc -l)" "$hw" "$cw" "$(echo "$cw / $hw" | bc -l)"
done
vzctl stop $ID --fast >/dev/null
vzctl destroy $ID >/dev/null

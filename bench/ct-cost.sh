#!/bin/bash
# Where a running CT's host memory goes: K idle busybox CTs (CTIDs from
# $BENCH_CT_BASE, default 3400; K <= 100) started from a throwaway tree,
# with the host-wide deltas per CT (MemAvailable, unreclaimable slab, kernel
# stacks, page tables), the slab
# caches that grew most, the CTs' memory cgroup charge split into page cache
# and anonymous memory, and the supervisor's and init's own figures. Then
# the cost of one cgroup directory in each mounted hierarchy (200 empty
# directories made and removed per hierarchy, under a private parent).
#
# Usage (root, from the source tree): bench/ct-cost.sh [K]   (default 40)
# Page cache is dropped before the start (drop_caches) so each CT's reads
# are charged to it. On a shared machine other processes move the
# host-wide counters too: read them as estimates.
K=${1:-40}
[ "$K" -ge 1 ] && [ "$K" -le 100 ] || { echo "K must be 1..100" >&2; exit 2; }
. "$(dirname "$0")/../tests/integ/lib.sh"
need_cache busybox
BASE=${BENCH_CT_BASE:-3400}   # first CTID; another base lets two runs share a host
for ((i = 0; i < K; i++)); do
        vzctl --quiet create $((BASE + i)) --ostemplate busybox >/dev/null || fail "create $((BASE + i))"
done
mi() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }
snap() { cat /proc/slabinfo > "$T/slab.$1"; grep -E '^(MemAvailable|SUnreclaim|KernelStack|PageTables|Percpu):' /proc/meminfo > "$T/mi.$1"; }
sync; echo 3 > /proc/sys/vm/drop_caches
sleep 1
snap 0
for ((i = 0; i < K; i++)); do
        STARTED+=" $((BASE + i))"
        vzctl --quiet start $((BASE + i)) >/dev/null || fail "start $((BASE + i))"
done
sleep 2
snap 1
echo "## $K idle busybox CTs: host deltas per CT"
echo
paste "$T/mi.0" "$T/mi.1" | awk -v k="$K" '{printf "    %-14s %8.1f kB\n", $1, ($5 - $2) / k}'
echo
echo "Slab caches that grew by more than 2 kB per CT:"
echo
join <(awk 'NR > 2 {print $1, $3 * $4}' "$T/slab.0" | sort) \
     <(awk 'NR > 2 {print $1, $3 * $4}' "$T/slab.1" | sort) |
        awk -v k="$K" '{d = ($3 - $2) / 1024 / k; if (d > 2) printf "    %-26s %8.1f kB\n", $1, d}' |
        sort -k2 -nr | head -25
cg=$(sed -n 's/^VZ_CGROUP=//p' "$VZ_CONFDIR/vz.conf")
m=/sys/fs/cgroup/memory/$cg
if [ -r "$m/memory.usage_in_bytes" ]; then
        echo
        echo "CTs' memory cgroup, per CT: charge $(($(cat $m/memory.usage_in_bytes) / 1024 / K)) kB," \
             "of which kernel (kmem) $(($(cat $m/memory.kmem.usage_in_bytes) / 1024 / K)) kB;" \
             "$(awk -v k="$K" '$1 == "total_cache" {c = $2} $1 == "total_rss" {r = $2} $1 == "total_mapped_file" {f = $2}
                 END {printf "page cache %d kB (mapped %d kB), anonymous %d kB", c / 1024 / k, f / 1024 / k, r / 1024 / k}' $m/memory.stat)"
fi
sp=$(cat "$T/run/$BASE.pid"); ip=$(cat "$T/run/$BASE.init")
echo
echo "One CT's processes (Rss / Pss / Pss_Anon / page tables, kB):"
echo
for p in $sp $ip $(pgrep -P "$ip"); do
        printf "    %-8s %-14s %6s %6s %6s %6s\n" "$p" "$(cat /proc/$p/comm)" \
                "$(awk '$1 == "Rss:" {print $2}' /proc/$p/smaps_rollup)" \
                "$(awk '$1 == "Pss:" {print $2}' /proc/$p/smaps_rollup)" \
                "$(awk '$1 == "Pss_Anon:" {print $2}' /proc/$p/smaps_rollup)" \
                "$(awk '$1 == "VmPTE:" {print $2}' /proc/$p/status)"
done
echo "    cgroup directories: $(ls -d /sys/fs/cgroup/*/"$cg"/$BASE | wc -l); mounts in the CT: $(wc -l < /proc/$ip/mountinfo)"
for id in $STARTED; do vzctl stop "$id" --fast >/dev/null 2>&1; done
STARTED=""

echo
echo "## One cgroup directory per hierarchy (200 made, removed), bytes each"
echo
N=200
for d in /sys/fs/cgroup/*/; do
        h=$(basename "$d")
        [ -e "$d/cgroup.procs" ] || continue
        P=$d/vzcost-$$
        mkdir "$P" || continue
        if [ -e "$P/cpuset.cpus" ] && [ ! -e "$P/cgroup.controllers" ]; then
                cat "$d/cpuset.cpus" > "$P/cpuset.cpus"; cat "$d/cpuset.mems" > "$P/cpuset.mems"
        fi
        if [ -e "$P/cgroup.subtree_control" ]; then
                for c in $(cat "$P/cgroup.controllers"); do echo "+$c" > "$P/cgroup.subtree_control" 2>/dev/null; done
        fi
        sleep 0.5
        a=$(mi SUnreclaim); pa=$(mi Percpu)
        for ((i = 0; i < N; i++)); do mkdir "$P/$i"; done
        sleep 0.5
        printf "    %-10s unreclaimable slab %7d  percpu %6d\n" "$h" \
                $((($(mi SUnreclaim) - a) * 1024 / N)) $((($(mi Percpu) - pa) * 1024 / N))
        for ((i = 0; i < N; i++)); do rmdir "$P/$i"; done
        rmdir "$P"
done

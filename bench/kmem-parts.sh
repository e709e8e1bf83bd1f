#!/bin/bash
# What a CT's kernel memory is made of: the unreclaimable slab, kernel stack
# and page tables that one instance of each isolation piece costs, measured
# by making N of them (default 200) at once and dividing the host's deltas
# (page cache and reclaimable slab dropped before each reading):
#
#   process          a plain `sleep` (the per-process floor every CT
#                    process, init, shell, supervisor, pays)
#   +netns ... +timens    the same sleep in a new namespace of that type
#   memcg v1/v2      an empty memory cgroup (mkdir), and the other v1
#                    controllers' empty cgroups
#   superblocks      then 200 more tmpfs mounts (in a private mount
#                    namespace), and again N empty memory cgroups: each
#                    memory cgroup keeps a shrinker map with a slot for
#                    every mounted filesystem on the host, so the second
#                    figure minus the first is what N mounts add to every
#                    memory cgroup (kmalloc-1k per 64 mounts)
#   busybox CT       N idle busybox CTs (vzctl start), for the total
#
# Usage (root, from the source tree, build/): bench/kmem-parts.sh [N]
# Writes bench/results/kmem-parts.md (RESULT=path elsewhere, - for stdout).
N=${1:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
RESULT=${RESULT:-$HERE/results/kmem-parts.md}
. "$HERE/../tests/integ/lib.sh"
. "$HERE/lib-mem.sh"
need_cache busybox

CGX=vzkmem-$$
PIDS=""
_kmem_cleanup() {
        local rc=$?
        trap - EXIT
        [ -z "$PIDS" ] || kill -9 $PIDS 2>/dev/null
        wait 2>/dev/null
        shrinker_cleanup
        for d in /sys/fs/cgroup/*/$CGX /sys/fs/cgroup/$CGX; do
                [ -d "$d" ] || continue
                find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
                rmdir "$d" 2>/dev/null
        done
        (exit $rc)
        _cleanup
}
trap _kmem_cleanup EXIT

declare -a ROWS
# row NAME BEFORE AFTER: per-instance deltas
row() {
        local name=$1
        read -r s0 k0 p0 c0 <<< "$2"
        read -r s1 k1 p1 c1 <<< "$3"
        ROWS+=("| $name | $(((s1 - s0) / N)) | $(((k1 - k0) / N)) | $(((p1 - p0) / N)) | $(((c1 - c0) / N)) |")
        echo "$name: slab $(((s1 - s0) / N)) stack $(((k1 - k0) / N)) pt $(((p1 - p0) / N)) percpu $(((c1 - c0) / N)) kB" >&2
}
# N sleeps, each under unshare FLAGS (none: plain)
sleeps() {
        local a b i
        a=$(reading)
        for ((i = 0; i < N; i++)); do
                unshare $1 sleep 600 &
                PIDS+=" $!"
        done
        sleep 2
        b=$(reading)
        # SIGKILL: unshare --fork blocks SIGTERM while it waits (--kill-child
        # takes its child along)
        kill -9 $PIDS 2>/dev/null
        wait 2>/dev/null
        PIDS=""
        row "$2" "$a" "$b"
}
sleeps "" "process (sleep)"
for ns in "-n net" "-m mount" "-U user" "-i ipc" "-u uts" "-p --fork --kill-child pid" "-T time"; do
        sleeps "${ns% *}" "process in a new ${ns##* } namespace"
done

# empty cgroups: the memory controller, then all the others (v1)
mcg=$(awk '$1 == "memory" && $4 == 1 {print $2}' /proc/cgroups)
memdir=/sys/fs/cgroup/memory
[ -d $memdir ] || memdir=/sys/fs/cgroup
mkcgs() { # DIR COUNT-TAG
        local i
        mkdir -p "$1/$CGX"
        for ((i = 0; i < N; i++)); do mkdir "$1/$CGX/$2$i"; done
}
rmcgs() {
        find "$1/$CGX" -mindepth 1 -maxdepth 1 -type d -exec rmdir {} +
}
if [ -n "$mcg" ] && [ -d $memdir ]; then
        a=$(reading); mkcgs $memdir m; b=$(reading); rmcgs $memdir
        row "empty memory cgroup ($memdir)" "$a" "$b"
        # of which the shrinker map (traced on 32 more, if tracefs is there;
        # lib-mem.sh)
        shrinker_map_kb $memdir 32
fi
others=""
for c in cpu cpuacct cpuset devices freezer blkio pids; do
        [ -d /sys/fs/cgroup/$c ] && others+=" /sys/fs/cgroup/$c"
done
if [ -n "$others" ]; then
        a=$(reading)
        for d in $others; do
                [ $d = /sys/fs/cgroup/cpuset ] && mkdir -p $d/$CGX && cp $d/cpuset.cpus $d/$CGX/ 2>/dev/null
                mkcgs $d o
        done
        b=$(reading)
        for d in $others; do rmcgs $d; done
        row "empty cgroups in the other v1 hierarchies ($(echo $others | wc -w))" "$a" "$b"
fi

# the real thing
IDS=$(seq 30000 $((30000 + N - 1)))
echo "$IDS" | xargs -P 4 -I{} sh -c 'vzctl --quiet create {} --ostemplate busybox >/dev/null 2>&1 || echo "create {} failed" >&2'
a=$(reading)
echo "$IDS" | xargs -P 16 -I{} sh -c 'vzctl --quiet start {} >/dev/null 2>&1 || echo "start {} failed" >&2'
STARTED="$IDS"
sleep 2
b=$(reading)
row "idle busybox CT (init, askfirst shell, supervisor; all of the above)" "$a" "$b"
init=$(cat "$T/run/30000.init")
sbs=$(awk '{print $3}' /proc/$init/mountinfo | sort -u | grep -vxFf <(awk '{print $3}' /proc/self/mountinfo | sort -u) | wc -l)
echo "$IDS" | xargs -P 32 -I{} sh -c 'vzctl --quiet stop {} --fast >/dev/null 2>&1'
STARTED=""

report() {
        cat <<EOF
# Kernel memory of a CT's parts

Command (root, from the source tree, \`build/\`): \`bench/kmem-parts.sh $N\`

$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), vz $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).

$N instances of each at once; host deltas after drop_caches, divided by $N, kB per instance:

| instance | SUnreclaim | KernelStack | PageTables | Percpu |
|---|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")

Of an empty memory cgroup's slab, its shrinker map (traced:
kmalloc by alloc_shrinker_info) is $SHRINK kB here. The map has a slot for
every shrinker (one per mounted filesystem) the host has had at once since
boot, 1 kB per 64 (~$SHRINK_SLOTS slots here, an estimate from the traced
allocations): it grows with the number of CTs ever running together, for
every memory cgroup. A running CT mounts $sbs filesystems of its own.
EOF
}
if [ "$RESULT" = - ]; then report; else report > "$RESULT"; cat "$RESULT"; fi
ok "kernel memory parts measured"

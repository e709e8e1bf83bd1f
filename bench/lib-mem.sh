# Memory readings shared by the benchmarks (sourced by density.sh,
# ct-mem.sh, kmem-parts.sh): per-process figures, the host's kernel memory
# after reclaim, and the size of the kernel's shrinker map of one memory
# cgroup, traced.

# meminfo KEY: the value (kB) of KEY in /proc/meminfo
meminfo() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }

# field_sum FIELD PID...: FIELD (kB) summed over the PIDs, each counted
# as often as given: Vm* and Rss* from /proc/PID/status, the others (Pss,
# Pss_Anon, ...) from smaps_rollup. No process per PID (bash only: fast for
# thousands); a PID that is gone counts 0.
field_sum() {
        local field=$1 file=smaps_rollup p k v _ sum=0
        shift
        case $field in Vm* | Rss*) file=status ;; esac
        for p in "$@"; do
                while read -r k v _; do
                        [ "$k" = "$field:" ] && { sum=$((sum + v)); break; }
                done 2>/dev/null < /proc/$p/$file
        done
        echo $sum
}
# start_of PID: its start time (clock ticks since boot), to tell it from a
# later process with the same PID; nothing if there is no such process.
# _start_of PID sets START instead (no subshell: for loops over thousands).
_start_of() {
        local s
        START=
        read -r s 2>/dev/null < /proc/$1/stat || return 0
        s=${s##*) }
        set -- $s
        START=${20}
}
start_of() { _start_of "$1"; echo "$START"; }

# reading: "slab stack pagetables percpu" (kB), after dropping page cache
# and reclaimable slab
reading() {
        sync
        echo 3 > /proc/sys/vm/drop_caches
        sleep 1
        echo "$(meminfo SUnreclaim) $(meminfo KernelStack) $(meminfo PageTables) $(meminfo Percpu)"
}

# shrinker_map_kb DIR COUNT: make COUNT empty cgroups under DIR (the memory
# hierarchy's root), trace the kernel's allocations for their shrinker maps
# (kmalloc from alloc_shrinker_info) and remove them again. Sets SHRINK (kB
# per memory cgroup, "-" if tracing is not there) and SHRINK_SLOTS (the
# shrinker slots the map has: 64 per kmalloc-1k unit; one per memory-cgroup-
# aware shrinker, i.e. mostly one per filesystem, the most the host has had
# registered at once since boot; an estimate, rounded up to 64).
#
# Nothing global in tracing is changed: the trace runs in a private tracing
# instance (instances/NAME, removed after), and tracefs is mounted only if
# it is not, and unmounted after. Only the one mkdir process's events count,
# so other cgroups made on the host meanwhile are not in the figure.
SHRINK=- SHRINK_SLOTS=-
SHRINK_DIR="" SHRINK_UMOUNT=""
shrinker_map_kb() {
        local dir=$1 count=$2 tr=/sys/kernel/tracing in ev i p d nodes lines bytes dirs=()
        SHRINK=- SHRINK_SLOTS=-
        if ! mountpoint -q $tr; then
                mount -t tracefs nodev $tr 2>/dev/null || return 0
                SHRINK_UMOUNT=$tr
        fi
        in=$tr/instances/vzshrink-$$
        ev=$in/events/kmem/kmalloc
        d=$dir/vzshrink-$$
        SHRINK_DIR=$d
        if mkdir $in 2>/dev/null; then
                if [ -w $ev/filter ] &&
                   echo 'call_site.function == alloc_shrinker_info' > $ev/filter 2>/dev/null &&
                   mkdir "$d"; then
                        for ((i = 0; i < count; i++)); do dirs+=("$d/s$i"); done
                        echo 1 > $ev/enable
                        mkdir "${dirs[@]}" &
                        p=$!
                        wait $p
                        echo 0 > $ev/enable
                        # this mkdir's lines: "mkdir-PID [cpu] ... bytes_alloc=N"
                        lines=$(grep -E -- "-$p +\[" $in/trace | grep -o 'bytes_alloc=[0-9]*')
                        bytes=$(awk -F= '{n += $2} END {print n + 0}' <<<"$lines")
                        nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
                        [ "$nodes" -ge 1 ] || nodes=1
                        if [ "$bytes" -gt 0 ]; then
                                SHRINK=$((bytes / 1024 / count))
                                # per cgroup and node: one map header, then the units
                                SHRINK_SLOTS=$((($(grep -c . <<<"$lines") / count / nodes - 1) * 64))
                        fi
                fi
        fi
        shrinker_cleanup
        echo "shrinker map per memory cgroup: $SHRINK kB, ~$SHRINK_SLOTS shrinker slots" >&2
}

# shrinker_cleanup: remove what shrinker_map_kb made: its cgroups, its
# tracing instance, tracefs if it mounted it (also for an exit trap)
shrinker_cleanup() {
        local in=/sys/kernel/tracing/instances/vzshrink-$$
        [ -d $in ] && { echo 0 > $in/events/kmem/kmalloc/enable; rmdir $in; } 2>/dev/null
        if [ -n "$SHRINK_DIR" ] && [ -d "$SHRINK_DIR" ]; then
                find "$SHRINK_DIR" -mindepth 1 -maxdepth 1 -type d -exec rmdir {} + 2>/dev/null
                rmdir "$SHRINK_DIR" 2>/dev/null
        fi
        SHRINK_DIR=""
        [ -z "$SHRINK_UMOUNT" ] || umount "$SHRINK_UMOUNT"
        SHRINK_UMOUNT=""
}

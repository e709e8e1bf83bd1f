#!/bin/bash
# Checkpoint/restore benchmark (criu): for an idle busybox CT and a busybox
# CT whose process holds 256 MiB of touched memory, median of RUNS runs:
#
#  chkpnt   `vzctl chkpnt` (freeze, dump to DUMPDIR, kill, unmount)
#  restore  `vzctl restore` (mount, criu restore, network, supervisor)
#  cycle    chkpnt + restore: the time the CT is away (its downtime when
#           checkpointed and restored in place)
#  frozen   a live dump: `vzctl chkpnt --suspend`, `--dump`, `--resume`
#           back to back; the CT's processes are frozen for all of it (what
#           a live migration's final dump costs before the copy)
#  dump     size of the dump directory
#
# The idle CT is measured twice: as vz runs criu (with criu's kernel-feature
# cache, kept by vz where /run is not a tmpfs, see cpt.c) and with
# VZ_NO_KDAT_CACHE=1 (criu probes the kernel on every run where /run is
# not a tmpfs; where it is, criu caches by itself and both rows are alike).
#
# Times are wall clock around the vzctl command. The counter process in
# each CT is checked to go on after every restore (a benchmark of a broken
# restore would be meaningless).
#
# Usage (root): bench/cpt.sh [RUNS]      (default 5)
# Needs a criu whose 'criu check' passes (scripts/get-criu). Prints Markdown;
# bench/results/cpt.md holds the recorded run.
RUNS=${1:-5}
. "$(dirname "$0")/../tests/integ/lib.sh"
need_criu
need_memhog
need_cache busybox
criu_conf

ms() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f\n", (b - a) * 1000}'; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
range() { sort -n | awk 'NR == 1 {min = $1} {max = $1} END {printf "%s–%s", min, max}'; }
stat_of() { printf '%s (%s)' "$(median < "$1")" "$(range < "$1")"; }

setup_ct() { # ctid mib
        local id=$1 mib=$2
        vzctl create "$id" --ostemplate busybox --config vswap-1g >/dev/null || exit 1
        STARTED="$STARTED $id"
        vzctl start "$id" >/dev/null || exit 1
        cp "$T/memhog" "$T/vz/private/$id/bin/memhog"
        vzctl exec "$id" 'setsid sh -c "i=0; while :; do i=\$((i+1)); echo \$i >> /tmp/cnt; sleep 0.1; done" </dev/null >/dev/null 2>&1 &' || exit 1
        if [ "$mib" -gt 0 ]; then
                vzctl exec "$id" "setsid /bin/memhog $mib </dev/null >/dev/null 2>&1 &"
                # Wait until it holds the memory.
                for _ in $(seq 200); do
                        r=$(vzctl exec "$id" 'grep VmRSS /proc/$(pidof memhog)/status' 2>/dev/null | awk '{print $2}')
                        [ "${r:-0}" -ge $((mib * 1024 - 1024)) ] && break
                        sleep 0.1
                done
        fi
}
counter_goes_on() { # ctid
        local a b
        a=$(tail -n1 "$T/vz/private/$1/tmp/cnt"); sleep 0.3; b=$(tail -n1 "$T/vz/private/$1/tmp/cnt")
        [ "$b" -gt "$a" ] || { echo "FAIL: counter of $1 stuck after restore" >&2; exit 1; }
}

bench_ct() { # ctid label
        local id=$1 label=$2 t0 t1 t2 i
        : > "$T/c"; : > "$T/r"; : > "$T/y"; : > "$T/f"; : > "$T/s"
        for i in $(seq "$RUNS"); do
                t0=$(ms); vzctl chkpnt "$id" >/dev/null || exit 1; t1=$(ms)
                du -sm "$T/vz/dump/Dump.$id" | awk '{print $1}' >> "$T/s"
                vzctl restore "$id" >/dev/null || exit 1; t2=$(ms)
                elapsed "$t0" "$t1" >> "$T/c"; elapsed "$t1" "$t2" >> "$T/r"; elapsed "$t0" "$t2" >> "$T/y"
                counter_goes_on "$id"
                t0=$(ms)
                vzctl chkpnt "$id" --suspend >/dev/null && vzctl chkpnt "$id" --dump --dumpfile "$T/live" >/dev/null &&
                        vzctl chkpnt "$id" --resume >/dev/null || exit 1
                t1=$(ms)
                elapsed "$t0" "$t1" >> "$T/f"
                rm -rf "$T/live"
                counter_goes_on "$id"
        done
        echo "| $label | $(stat_of "$T/c") | $(stat_of "$T/r") | $(stat_of "$T/y") | $(stat_of "$T/f") | $(median < "$T/s") MiB |"
}

setup_ct 3210 0
setup_ct 3211 256
runfs=$(stat -f -c %T /run)
echo "Median of $RUNS runs, ms (min–max). $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r),"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); criu $("$CRIU" --version | sed -n 's/^Version: //p'); vz $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null); /run is $runfs."
echo
echo "| CT | chkpnt | restore | cycle (downtime) | frozen (live dump) | dump size |"
echo "|---|---|---|---|---|---|"
bench_ct 3210 "busybox, idle"
VZ_NO_KDAT_CACHE=1 bench_ct 3210 "busybox, idle, VZ_NO_KDAT_CACHE=1"
bench_ct 3211 "busybox + 256 MiB touched"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

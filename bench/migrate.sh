#!/bin/bash
# Migration benchmark between the two simulated hosts of
# tests/integ/migrate-lib.sh (one machine: the "network" is a veth bridge):
# `vzmigrate -t` phase times of an offline (restart) and a live migration of
# an idle busybox CT, and of live migrations of a busybox CT holding 256 MB
# of touched memory: anonymous memory of a process (what criu dumps as
# pages) and a 256 MB file in the CT's /dev/shm tmpfs (criu dumps a tmpfs
# as a gzipped tar, much slower). "frozen" is the downtime: from the
# stop/checkpoint on the source to the CT running on the destination.
# Each row: median of RUNS migrations (the CT goes back and forth), with
# min-max of the frozen time.
#
# Usage (root): bench/migrate.sh [RUNS]  (default 3; needs scripts/get-criu
# for the live rows and gcc for the memory toucher). MIG_IDLE_ONLY=1: only
# the two idle rows (a quick before/after of the downtime).
# Prints a Markdown table; bench/results/migrate.md holds the recorded run.
RUNS=${1:-3}
. "$(dirname "$0")/../tests/integ/migrate-lib.sh"
need_criu
need_cache busybox
need_memhog
mig_setup
ID=3290

median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
range() { sort -n | awk 'NR == 1 {min = $1} {max = $1} END {printf "%s–%s", min, max}'; }
# The CT is on HERE; one migration to the other host, phase times appended
# to $T/p.<phase>.
HERE=A
mig_once() { # args...
        local to out
        to=$([ $HERE = A ] && echo B || echo A)
        out=$(on $HERE vzmigrate -t "$@" ${HOSTIP[$to]} $ID 2>&1) || { echo "$out" >&2; fail "vzmigrate $*"; }
        echo "$out" | sed -n 's/^  \([a-z ]*[a-z]\) *\([0-9.]*\) s.*/\1 \2/p' | tr ' ' '_' |
                sed 's/_\([0-9.]*\)$/ \1/' | while read -r p v; do echo "$v" >> "$T/p.$p"; done
        HERE=$to
}
val() { [ -s "$T/p.$1" ] && median < "$T/p.$1"; }
row() { # label, args...
        local label=$1; shift
        rm -f "$T"/p.*
        for _ in $(seq "$RUNS"); do mig_once "$@"; done
        printf '| %s | %s | %s | %s | %s | %s (%s) | %s |\n' "$label" "$(val check)" \
                "$(val dump)$(val stop)" "$(val final_sync)" "$(val restore)$(val start)" \
                "$(val frozen)" "$(range < "$T/p.frozen")" "$(val total)"
}

mig_ct A $ID
on A vzctl create $ID --ostemplate busybox --ipadd 10.75.0.90 >/dev/null || fail create
on A vzctl set $ID --ram 1G --swap 0 --save >/dev/null || fail set
on A vzctl start $ID >/dev/null || fail start
cp "$T/memhog" "$(private_of A $ID)/bin/memhog"
sleep 1
echo "Median of $RUNS migrations, s (min–max of frozen). $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r),"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); criu $("$MIG_CRIU" --version | sed -n 's/^Version: //p'); vz $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null)."
echo
echo "| CT | check | stop/dump | final sync | start/restore | frozen (downtime) | total |"
echo "|---|---|---|---|---|---|---|"
row "idle busybox, offline (restart)"
# The CT was restarted by the offline runs: it is running on $HERE.
row "idle busybox, live" --online
if [ "${MIG_IDLE_ONLY:-}" = 1 ]; then
        echo
        echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
        exit 0
fi
on $HERE vzctl exec $ID 'setsid /bin/memhog 256 </dev/null >/dev/null 2>&1 &' || fail "memhog"
for _ in $(seq 200); do
        r=$(on $HERE vzctl exec $ID 'grep VmRSS /proc/$(pidof memhog)/status' 2>/dev/null | awk '{print $2}')
        [ "${r:-0}" -ge $((255 * 1024)) ] && break
        sleep 0.1
done
row "busybox + 256 MB anonymous memory, live" --online
on $HERE vzctl exec $ID 'kill $(pidof memhog); dd if=/dev/urandom of=/dev/shm/fill bs=1M count=256 2>/dev/null' ||
        fail "touch memory"
row "busybox + 256 MB file in /dev/shm (tmpfs), live" --online
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/bin/bash
# Migration benchmark between the two simulated hosts of
# tests/integ/migrate-lib.sh (one machine: the "network" is a veth bridge):
# `vzmigrate -t` phase times of an offline (restart) and a live migration of
# an idle busybox CT, and of a live migration of a busybox CT holding 256 MB
# of touched memory (a tmpfs file in its /dev/shm). "frozen" is the downtime:
# from the stop/checkpoint on the source to the CT running on the destination.
#
# Usage (root): bench/migrate.sh      (needs scripts/get-criu for the live rows)
# Prints a Markdown table; bench/results/migrate.md holds the recorded run.
. "$(dirname "$0")/../tests/integ/migrate-lib.sh"
need_criu
need_cache busybox
mig_setup

phase() { echo "$1" | awk -v p="$2" '$1 == p {print $2}'; }
row() { # label, vzmigrate -t output
        local out=$2
        printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$(phase "$out" check)" \
                "$(phase "$out" dump)$(phase "$out" stop)" "$(phase "$out" restore)$(phase "$out" start)" \
                "$(phase "$out" frozen)" "$(phase "$out" total)"
}
run_mig() { # from to args...
        local from=$1 to=$2; shift 2
        on $from vzmigrate -t "$@" ${HOSTIP[$to]} 790 2>&1 | sed -n 's/^  \([a-z ]*[a-z]\) *\([0-9.]*\) s.*/\1 \2/p' |
                sed 's/first sync/first_sync/;s/final sync/final_sync/;s/copy dump/copy_dump/'
}

mig_ct A 790
on A vzctl create 790 --ostemplate busybox --ipadd 10.75.0.90 >/dev/null || fail create
on A vzctl set 790 --ram 1G --swap 0 --save >/dev/null || fail set
on A vzctl start 790 >/dev/null || fail start
sleep 1
echo "| CT | check s | stop/dump s | start/restore s | frozen (downtime) s | total s |"
echo "|---|---|---|---|---|---|"
row "idle busybox, offline (restart)" "$(run_mig A B)"
row "idle busybox, live" "$(run_mig B A --online)"
on A vzctl exec 790 'dd if=/dev/urandom of=/dev/shm/fill bs=1M count=256 2>/dev/null; sync' || fail "touch memory"
row "busybox + 256 MB touched (tmpfs), live" "$(run_mig A B --online)"

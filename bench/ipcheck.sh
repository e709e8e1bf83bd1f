#!/bin/bash
# Duplicate address check against the number of CTs, with 0, 1000 and
# 5000 other CT configs present (each with its own address; configs only:
# the check reads nothing else), timed with hyperfine:
#   - add: `vzctl set CT --ipadd FREE --save` accepted (the address removed
#     again between runs, untimed): every config has to be ruled out;
#   - refused: `vzctl set CT --ipadd ADDR --save` refused with 78, ADDR
#     being the address of the CT with the highest CTID;
#   - rebuilt: the refused one with LOCKDIR/ip.idx removed before each run
#     (what the first check after an upgrade costs). With VZ_OLD_BUILD=<build dir of an older vz> the same
# command of that build beside it (e.g. the scan of every config that the
# index replaced: build commit a5600d6 there).
#
# Usage (root): bench/ipcheck.sh [N...]        (default 0 1000 5000)
# Writes bench/results/ipcheck.md (RESULT= to change), prints it too.
COUNTS=${*:-0 1000 5000}
RESULT=${RESULT:-$(cd "$(dirname "$0")" && pwd)/results/ipcheck.md}
. "$(dirname "$0")/../tests/integ/lib.sh"
need_cache busybox
command -v hyperfine >/dev/null || { echo "SKIP: needs hyperfine (apt-get install hyperfine)"; exit 77; }
A=3530 B=3531 IP=10.235.1.1
IDX=$T/vz/lock/ip.idx
CONF=$VZ_CONFDIR/conf
vzctl --quiet create $A --ostemplate busybox --ipadd $IP >/dev/null || fail "create $A"
vzctl --quiet create $B --ostemplate busybox >/dev/null || fail "create $B"
base=$(grep -v '^IP_ADDRESS=' $CONF/$A.conf)

# "median wall ms (mean user+system CPU ms)" of hyperfine's JSON export:
# on a loaded machine the CPU time is the steadier figure.
med() {
        awk -F: '{gsub(/[ ,]/, "", $2)} /"median"/ && !m {m = $2} /"user"/ && !u {u = $2}
                /"system"/ && !s {s = $2} END {printf "%.2f ms (%.2f)", m * 1000, (u + s) * 1000}' "$1"
}
run() { # out.json [hyperfine options...] -- command
        local out=$1; shift
        hyperfine -N -i -w 3 -r 30 --export-json "$out" "$@" >/dev/null 2>&1 || fail "hyperfine $*"
}

rows=""
have=0
for n in $COUNTS; do
        # Configs 40001.. up to n, each with an address of 10.236.0.0/16.
        while [ $have -lt "$n" ]; do
                have=$((have + 1))
                printf '%s\nIP_ADDRESS="10.236.%d.%d"\n' "$base" $((have / 250)) $((have % 250 + 1)) \
                        > $CONF/$((40000 + have)).conf
        done
        dup=$IP
        [ "$n" -gt 0 ] && dup=10.236.$((n / 250)).$((n % 250 + 1))
        for b in "$VZ_BUILD" ${VZ_OLD_BUILD:-}; do
                v=$b/src/tools/vzctl
                $v --quiet set $B --ipadd $dup --save >/dev/null 2>&1
                [ $? = 78 ] || fail "$v: duplicate not refused with 78 at $n configs"
                run $T/add.json --prepare "$v --quiet set $B --ipdel 10.235.2.1 --save" \
                        "$v --quiet set $B --ipadd 10.235.2.1 --save"
                $v --quiet set $B --ipdel 10.235.2.1 --save >/dev/null 2>&1
                run $T/warm.json "$v --quiet set $B --ipadd $dup --save"
                if [ "$b" = "$VZ_BUILD" ]; then
                        run $T/cold.json --prepare "rm -f $IDX" "$v --quiet set $B --ipadd $dup --save"
                        rows+="| $n | vz (index) | $(med $T/add.json) | $(med $T/warm.json) | $(med $T/cold.json) |"$'\n'
                else
                        rows+="| $n | $b | $(med $T/add.json) | $(med $T/warm.json) | - |"$'\n'
                fi
        done
done
rm -f $CONF/4[0-9][0-9][0-9][0-9].conf

{
        echo "# Duplicate address check against the number of CTs"
        echo
        echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), vz $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null)," \
             "load average $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: noisy)."
        echo "Command: \`bench/ipcheck.sh $COUNTS\`${VZ_OLD_BUILD:+ with VZ_OLD_BUILD=$VZ_OLD_BUILD}."
        echo "Timed (hyperfine median of 30, 3 warm-up): add = \`vzctl set $B --ipadd 10.235.2.1 --save\` accepted;" \
             "refused = \`vzctl set $B --ipadd ADDR --save\` refused with 78, ADDR on the CT with the highest CTID;" \
             "rebuilt = refused with ip.idx removed before each run." \
             "Each cell: median wall time (mean user+system CPU time)."
        echo
        echo "| other CT configs | vzctl | add | refused | refused, index rebuilt |"
        echo "|---|---|---|---|---|"
        printf '%s' "$rows"
} | tee "$RESULT"
vzctl --quiet destroy $A >/dev/null
vzctl --quiet destroy $B >/dev/null

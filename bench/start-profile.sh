#!/bin/bash
# Start profile: where the time of `vzctl start` of an idle busybox CT goes.
#
# Each run is traced with strace -f (the marker system calls only, so the
# tracing cost stays small next to the start) and cut into steps at these
# markers, in the order they happen:
#
#   vzctl          from vzctl's exec to the exec of vz-supervisor: config,
#                  locks, the VE_ROOT mount, lxcfs/vz-procfs checks
#   supervisor     to the fork of A (supervisor start-up, its setup)
#   A cgroups      A: the CT's cgroups (made by vzctl meanwhile) joined, to
#                  its setns into the base namespace
#   clone B        A's clone3 of B (the new namespaces)
#   tree           A: B's ID maps, the root and host files taken as detached
#                  copies (back in the host's namespace), the CT's tree
#                  built with B's filesystems, to its pivot_root
#   B joins        to B's setns into the finished mount namespace
#   B to init      B: identity, network, console, seccomp, to its exec of
#                  /sbin/init
#   to vzctl exit  the supervisor's "ok", vzctl's start script and exit
#
# Also the untraced wall time of vzctl start (median) and the host's floor
# for fork+exec of /bin/true at the same time.
#
# Usage (root, from the source tree): bench/start-profile.sh [RUNS] [RUNNING]
#   RUNS default 9; RUNNING (default 0): busybox CTs started first, to see
#   what grows with them. Writes bench/results/start-profile.md (RESULT=path
#   to write elsewhere, RESULT=- for stdout only).
RUNS=${1:-9}
RUNNING=${2:-0}
HERE=$(cd "$(dirname "$0")" && pwd)
RESULT=${RESULT:-$HERE/results/start-profile.md}
. "$HERE/../tests/integ/lib.sh"
need_cache busybox
command -v strace >/dev/null || { echo "SKIP: no strace"; exit 77; }

PROBE=999
BASE=1000
W=$T/prof
mkdir -p "$W"
now() { echo "${EPOCHREALTIME/./}"; }
median() { sort -n | awk '{a[NR] = $1} END { if (!NR) { print "-"; exit }
        m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'; }

vzctl create $PROBE --ostemplate busybox >/dev/null 2>&1 || fail "create"
for ((i = BASE; i < BASE + RUNNING; i++)); do echo $i; done |
        xargs -r -P 4 -I{} vzctl --quiet create {} --ostemplate busybox >/dev/null 2>&1
for ((i = BASE; i < BASE + RUNNING; i++)); do STARTED+=" $i"; echo $i; done |
        xargs -r -P 8 -I{} vzctl --quiet start {} >/dev/null 2>&1
STARTED+=" $PROBE"
k=$(ls "$T/run/" | grep -c '^[0-9]*\.pid$')
[ "$k" = "$RUNNING" ] || fail "$k CTs running, expected $RUNNING"

# one traced start -> "step microseconds" lines
TRACE='execve,clone,clone3,setns,unshare,pivot_root,exit_group'
steps() {
        awk '
        function us(t) { split(t, a, "."); return a[1] * 1000000 + substr(a[2] "000000", 1, 6) }
        { pid = $1; t = us($2) }
        NR == 1 { t0 = t; last = t; vz = pid }
        function mark(name) { if (!(name in seen)) { seen[name] = 1; printf "%s %d\n", name, t - last; last = t } }
        /execve\(".*vz-supervisor"/ { sup = pid; mark("vzctl") }
        pid == sup && /clone(\(| resumed)/ && $NF ~ /^[0-9]+$/ && !a_pid { a_pid = $NF; mark("supervisor") }
        pid == a_pid && /setns\(/ && !s1 { s1 = 1; mark("A_cgroups") }
        pid == a_pid && /clone3\(/ { mark("clone_B") }
        pid == a_pid && /pivot_root\(/ { mark("tree") }
        /setns\(.*CLONE_NEWNS/ && pid != a_pid && a_pid { mark("B_joins") }
        /execve\("\/sbin\/init"/ { mark("B_to_init") }
        pid == vz && /\+\+\+ exited/ && !done { done = 1; mark("to_vzctl_exit"); printf "total %d\n", t - t0 }
        ' "$1"
}

# strace -f follows the supervisor and the CT's init for as long as they
# run: trace "vzctl start" until vzctl has exited, then stop tracing
# (SIGTERM to an interruptible strace detaches).
traced_start() {
        local out=$1 spid vpid i
        shift
        strace -I1 -f -q "$@" -o "$out" vzctl start $PROBE >/dev/null 2>&1 &
        spid=$!
        # vzctl is the first process in the trace; wait for its exit line
        for ((i = 0; i < 3000; i++)); do
                vpid=$(head -c 100 "$out" 2>/dev/null | awk 'NR == 1 {print $1}')
                [ -n "$vpid" ] && grep -q "^$vpid .*+++ exited" "$out" && break
                kill -0 $spid 2>/dev/null || break
                sleep 0.02
        done
        kill -TERM $spid 2>/dev/null
        wait $spid
        ls "$T/run/$PROBE.pid" >/dev/null 2>&1 || fail "traced start failed"
}

plain="" truev=""
for ((r = 0; r < RUNS; r++)); do
        t0=$(now)
        vzctl start $PROBE >/dev/null 2>&1 || fail "start"
        plain+="$(($(now) - t0))"$'\n'
        vzctl stop $PROBE --fast >/dev/null 2>&1 || fail "stop"
        t0=$(now)
        /bin/true
        truev+="$(($(now) - t0))"$'\n'
        traced_start "$W/t$r" -ttt -e trace=$TRACE
        vzctl stop $PROBE --fast >/dev/null 2>&1 || fail "stop"
        # strace -o with -f writes "PID TIME call..." lines
        steps "$W/t$r" > "$W/s$r"
done

order="vzctl supervisor A_cgroups clone_B tree B_joins B_to_init to_vzctl_exit total"
table=""
for s in $order; do
        m=$(cat "$W"/s* | awk -v s=$s '$1 == s {print $2}' | median)
        table+="| ${s//_/ } | $m |"$'\n'
done
rev=$(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null)
report() {
        cat <<EOF
# Start profile: vzctl start of an idle busybox CT, $RUNNING other CTs running

Command (root, from the source tree, \`build/\`): \`bench/start-profile.sh $RUNS $RUNNING\`

$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), vz ${rev:-?}, load average: $(cut -d' ' -f1-3 /proc/loadavg).

Untraced: vzctl start ${plain:+$(printf %s "$plain" | median)} ms (median of $RUNS); host fork+exec /bin/true $(printf %s "$truev" | median) ms.

Traced (strace -f of $TRACE; median of $RUNS, ms; tracing slows each step a little):

| step | ms |
|---|---|
$table
EOF
}
if [ "$RESULT" = - ]; then report; else report | tee "$RESULT"; fi

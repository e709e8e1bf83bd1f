#!/bin/bash
# Start / run / exec benchmark: vz against LXC, systemd-nspawn and crun on the
# same busybox rootfs (the vz busybox template cache, unpacked once for the
# peers; vz creates its CT from the same cache). Median of RUNS runs each:
#
#  1. start: time until the start command returns, and until a marker proves
#     init is running (busybox init runs /etc/init.d/rcS as ::sysinit; the
#     script adds `: > /booted` to rcS in every rootfs, vz's included, and
#     polls for the file from the host).
#       vz:     vzctl start 101                (returns after init exec'd)
#       LXC:    lxc-start -d                   (state checked RUNNING after)
#       nspawn: systemd-nspawn ... /sbin/init  (runs in the foreground: the
#               "returns" column is when the container's PID 1 is `init`)
#       crun:   crun run -d
#  2. run /bin/true to completion in a fresh container:
#       vz:     vzctl start + vzctl exec3 /bin/true + vzctl stop --fast (vz has
#               no run-one-command; this is its equivalent)
#       LXC:    lxc-execute -- /bin/true
#       nspawn: systemd-nspawn ... /bin/true
#       crun:   crun run (process.args = /bin/true)
#  3. exec /bin/true into a running container:
#       vz:     vzctl exec 101 true (OpenVZ semantics: /bin/sh -c), vzctl
#               exec3 101 /bin/true, and nsenter -t INIT -a /bin/true as the
#               floor of the setns approach
#       LXC:    lxc-attach -- /bin/true
#       nspawn: nsenter -t INIT -a /bin/true (stand-in: machinectl needs
#               registration with systemd-machined)
#       crun:   crun exec ID /bin/true
#  4. resident memory (VmRSS) of the per-container supervisor: vz-supervisor
#     (VZ_RUNDIR/101.pid), LXC's "[lxc monitor]", systemd-nspawn itself; crun
#     leaves no process behind when detached (n/a).
#
# Every timed command is followed by an untimed cleanup (stop, kill, delete,
# marker removed). Iterations are interleaved (vz, LXC, nspawn, crun, vz, ...)
# so a change in host load hits all of them alike. A host baseline row
# (fork+exec of /bin/true from the same shell) shows the noise floor.
#
# crun 1.8 refuses to run on a hybrid cgroup host whose cgroup2 mount has any
# controller ("cgroups in hybrid mode not supported"); its commands run in a
# private mount namespace where /sys/fs/cgroup/unified is unmounted, so crun
# uses the v1 hierarchies. The timing is taken inside that namespace (the
# unshare itself is not timed).
#
# Peers run with their default (privileged) setup; vz runs its default CT:
# own user namespace, idmapped root, seccomp. Peers have no network namespace
# configured beyond their default (LXC: lxc.net.0.type = empty).
#
# Usage (root): bench/start-exec.sh [RUNS]      (default 21)
# Needs: lxc, systemd-container, crun, util-linux nsenter/unshare.
# Prints Markdown tables; bench/results/start-exec.md holds the recorded run.
RUNS=${1:-21}
. "$(dirname "$0")/../tests/integ/lib.sh"
for c in lxc-start lxc-execute lxc-attach systemd-nspawn crun nsenter unshare; do
        command -v $c >/dev/null || { echo "SKIP: $c missing (apt-get install -y lxc systemd-container crun)"; exit 77; }
done
need_cache busybox

CT=101
P=$T/peer                       # peers' state
R=$P/rootfs                     # peers' rootfs
LXCP=$P/lxc                     # lxcpath
CRUNROOT=$P/crun-state
CRUNCG=vzbench-crun-$$
NSPAWN=(systemd-nspawn -q -D "$R" --register=no --keep-unit --console=pipe)
NSPAWN_PID=

# ---- helpers --------------------------------------------------------------
us() { REPLY=${EPOCHREALTIME/./}; }           # microseconds, no fork
mkfifo "$T/sleep.fifo"; exec {SFD}<>"$T/sleep.fifo"
nap() { read -r -t 0.0002 -u $SFD; }          # 0.2 ms sleep, no fork
# wait_file PATH: poll until PATH exists (10 s limit)
wait_file() {
        local end=$(( ${EPOCHREALTIME/./} + 10000000 ))
        until [ -e "$1" ]; do
                nap
                [ ${EPOCHREALTIME/./} -lt $end ] || return 1
        done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A S     # S[key]="us us us ..."
rec() { S[$1]+="$2 "; }
ms() { awk -v u="$1" 'BEGIN { if (u == "") print "n/a"; else printf "%.1f", u / 1000 }'; }
stat_of() { # key -> "median (min–max)" in ms
        local v=${S[$1]:-}
        [ -n "$v" ] || { echo "n/a"; return; }
        local med min max
        med=$(tr ' ' '\n' <<<"$v" | grep . | median)
        min=$(tr ' ' '\n' <<<"$v" | grep . | sort -n | head -n1)
        max=$(tr ' ' '\n' <<<"$v" | grep . | sort -n | tail -n1)
        echo "$(ms $med) ($(ms $min)–$(ms $max))"
}

# ---- setup ----------------------------------------------------------------
vzctl --quiet create $CT --ostemplate busybox >/dev/null || fail "vzctl create"
PRIV=$T/vz/private/$CT
cache=$(readlink -f "$T"/vz/template/cache/busybox.tar*)
mkdir -p "$R" "$LXCP/bx" "$P/crun-init" "$P/crun-true" "$CRUNROOT"
zstd -dc "$cache" | tar --warning=no-unknown-keyword --numeric-owner -xpf - -C "$R" || fail "unpack cache"
[ -x "$R/sbin/init" ] && [ -e "$R/bin/true" ] || fail "cache lacks /sbin/init or /bin/true"
for f in "$R/etc/init.d/rcS" "$PRIV/etc/init.d/rcS"; do
        grep -q '^exit 0$' "$f" || echo 'exit 0' >>"$f"
        sed -i 's|^exit 0$|: > /booted\nexit 0|' "$f"
done

cat >"$LXCP/bx/config" <<EOF
lxc.uts.name = bx
lxc.rootfs.path = dir:$R
lxc.net.0.type = empty
lxc.mount.auto = proc:mixed sys:ro
lxc.init.cmd = /sbin/init
lxc.tty.max = 0
lxc.log.level = ERROR
lxc.log.file = $P/lxc.log
EOF
LXC=(-P "$LXCP" -n bx)

( cd "$P/crun-init" && crun spec ) || fail "crun spec"
python3 - "$P" "$R" "$CRUNCG" <<'EOF' || fail "crun config"
import json, sys
p, r, cg = sys.argv[1:]
c = json.load(open(p + "/crun-init/config.json"))
c["root"] = {"path": r, "readonly": False}
c["process"]["terminal"] = False
c["linux"]["cgroupsPath"] = "/" + cg + "/bx"
c["process"]["args"] = ["/sbin/init"]
json.dump(c, open(p + "/crun-init/config.json", "w"), indent=1)
c["process"]["args"] = ["/bin/true"]
c["linux"]["cgroupsPath"] = "/" + cg + "/bxt"
json.dump(c, open(p + "/crun-true/config.json", "w"), indent=1)
EOF
# crun_ns 'shell code': run code with crun's view of cgroups (see header).
crun_ns() {
        unshare -m --propagation slave bash -c '
                umount -l /sys/fs/cgroup/unified 2>/dev/null
                C=(crun --root "'"$CRUNROOT"'")
                us() { REPLY=${EPOCHREALTIME/./}; }
                '"$(declare -f wait_file nap)"'
                exec {SFD}<>"'"$T/sleep.fifo"'"
                '"$1"
}

my_cleanup() {
        local rc=$?
        [ -n "$NSPAWN_PID" ] && kill -TERM "$NSPAWN_PID" 2>/dev/null && wait "$NSPAWN_PID" 2>/dev/null
        lxc-stop "${LXC[@]}" -k >/dev/null 2>&1
        crun_ns '"${C[@]}" delete -f bx; "${C[@]}" delete -f bxt' >/dev/null 2>&1
        vzctl --quiet stop $CT --fast >/dev/null 2>&1
        local d
        for d in /sys/fs/cgroup/*/; do
                rmdir "$d$CRUNCG/bx" "$d$CRUNCG/bxt" "$d$CRUNCG" \
                      "$d/vztest-$$/$CT" "$d/vztest-$$" 2>/dev/null
                rmdir "$d/lxc.pivot" 2>/dev/null    # LXC's helper cgroup, if empty
        done
        (exit $rc); _cleanup
}
trap my_cleanup EXIT

# ---- one iteration of each measurement, per runtime -------------------------
# start: records <rt>.start (command returned) and <rt>.init (marker seen)
start_vz() {
        rm -f "$PRIV/booted"
        us; local t0=$REPLY
        vzctl --quiet start $CT >/dev/null || fail "vzctl start"
        us; local t1=$REPLY
        wait_file "$PRIV/booted" || fail "vz: no marker"
        us; rec vz.start $((t1 - t0)); rec vz.init $((REPLY - t0))
}
stop_vz() { vzctl --quiet stop $CT --fast >/dev/null || fail "vzctl stop"; }

start_lxc() {
        rm -f "$R/booted"
        us; local t0=$REPLY
        lxc-start "${LXC[@]}" -d || fail "lxc-start"
        us; local t1=$REPLY
        wait_file "$R/booted" || fail "lxc: no marker"
        us; rec lxc.start $((t1 - t0)); rec lxc.init $((REPLY - t0))
        [ "$(lxc-info "${LXC[@]}" -s -H)" = RUNNING ] || fail "lxc not RUNNING"
}
stop_lxc() { lxc-stop "${LXC[@]}" -k || fail "lxc-stop"; }

start_nspawn() {
        rm -f "$R/booted"
        local c comm end
        us; local t0=$REPLY
        "${NSPAWN[@]}" /sbin/init </dev/null >/dev/null 2>&1 &
        NSPAWN_PID=$!
        end=$(( t0 + 10000000 ))
        while :; do     # until nspawn's child (the container's PID 1) is init
                c=; comm=
                read -r c _ 2>/dev/null <"/proc/$NSPAWN_PID/task/$NSPAWN_PID/children"
                [ -n "$c" ] && read -r comm 2>/dev/null <"/proc/$c/comm"
                [ "$comm" = init ] && break
                nap
                [ ${EPOCHREALTIME/./} -lt $end ] || fail "nspawn: init not seen"
        done
        us; local t1=$REPLY
        NSPAWN_INIT=$c
        wait_file "$R/booted" || fail "nspawn: no marker"
        us; rec nspawn.start $((t1 - t0)); rec nspawn.init $((REPLY - t0))
}
stop_nspawn() { kill -TERM "$NSPAWN_PID"; wait "$NSPAWN_PID"; NSPAWN_PID=; }

start_crun() {
        rm -f "$R/booted"
        local out
        out=$(crun_ns '
                cd "'"$P/crun-init"'" || exit 1
                us; t0=$REPLY
                "${C[@]}" run -d bx </dev/null >/dev/null 2>&1 || exit 1
                us; t1=$REPLY
                wait_file "'"$R/booted"'" || exit 2
                us; echo $((t1 - t0)) $((REPLY - t0))') || fail "crun start ($out)"
        set -- $out; rec crun.start $1; rec crun.init $2
}
stop_crun() { crun_ns '"${C[@]}" delete -f bx' || fail "crun delete"; }

run_vz() {
        us; local t0=$REPLY
        vzctl --quiet start $CT >/dev/null && vzctl exec3 $CT /bin/true &&
                vzctl --quiet stop $CT --fast >/dev/null || fail "vz run"
        us; rec vz.run $((REPLY - t0))
}
run_lxc() {
        us; local t0=$REPLY
        lxc-execute "${LXC[@]}" -- /bin/true || fail "lxc-execute"
        us; rec lxc.run $((REPLY - t0))
}
run_nspawn() {
        us; local t0=$REPLY
        "${NSPAWN[@]}" /bin/true </dev/null >/dev/null 2>&1 || fail "nspawn run"
        us; rec nspawn.run $((REPLY - t0))
}
run_crun() {
        local out
        out=$(crun_ns '
                cd "'"$P/crun-true"'" || exit 1
                us; t0=$REPLY
                "${C[@]}" run bxt </dev/null >/dev/null 2>&1 || exit 1
                us; echo $((REPLY - t0))') || fail "crun run"
        rec crun.run $out
}
base_true() {
        us; local t0=$REPLY
        /bin/true
        us; rec base.true $((REPLY - t0))
}

# exec loops: the container stays up; RUNS execs each
exec_all() {
        local i t0 vzinit out
        vzinit=$(cat "$T/run/$CT.init")
        for i in $(seq "$RUNS"); do
                us; t0=$REPLY; vzctl exec $CT true || fail "vzctl exec"
                us; rec vz.exec $((REPLY - t0))
                us; t0=$REPLY; vzctl exec3 $CT /bin/true || fail "vzctl exec3"
                us; rec vz.exec3 $((REPLY - t0))
                us; t0=$REPLY; nsenter -t "$vzinit" -a /bin/true || fail "nsenter vz"
                us; rec vz.nsenter $((REPLY - t0))
                us; t0=$REPLY; lxc-attach "${LXC[@]}" -- /bin/true || fail "lxc-attach"
                us; rec lxc.exec $((REPLY - t0))
                us; t0=$REPLY; nsenter -t "$NSPAWN_INIT" -a /bin/true || fail "nsenter nspawn"
                us; rec nspawn.exec $((REPLY - t0))
                out=$(crun_ns 'us; t0=$REPLY; "${C[@]}" exec bx /bin/true || exit 1; us; echo $((REPLY - t0))') ||
                        fail "crun exec"
                rec crun.exec $out
                base_true
        done
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# ---- run ------------------------------------------------------------------
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
# one untimed warm-up of everything (page cache, first-use costs)
start_vz; stop_vz; start_lxc; stop_lxc; start_nspawn; stop_nspawn; start_crun; stop_crun
run_vz; run_lxc; run_nspawn; run_crun
S=()

for i in $(seq "$RUNS"); do
        start_vz; stop_vz
        start_lxc; stop_lxc
        start_nspawn; stop_nspawn
        start_crun; stop_crun
        base_true
done
for i in $(seq "$RUNS"); do
        run_vz; run_lxc; run_nspawn; run_crun
done

start_vz; start_lxc; start_nspawn; start_crun
exec_all
sup=$(cat "$T/run/$CT.pid")
lxcinit=$(lxc-info "${LXC[@]}" -p -H)
lxcmon=$(awk '{print $4}' "/proc/$lxcinit/stat")
grep -q 'lxc monitor' "/proc/$lxcmon/cmdline" || fail "lxc monitor not found (parent of $lxcinit)"
crunpar=$(crun_ns '"${C[@]}" state bx' | awk -F'[:,]' '/"pid"/ {gsub(/ /, "", $2); print $2}')
crunpar=$(awk '{print $4}' "/proc/$crunpar/stat")
vz_rss=$(rss_kb "$sup"); vz_anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$sup/status")
lxc_rss=$(rss_kb "$lxcmon"); nsp_rss=$(rss_kb "$NSPAWN_PID")
stop_vz; stop_lxc; stop_nspawn; stop_crun

# ---- report ---------------------------------------------------------------
echo "Median of $RUNS runs, ms (min–max). $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r),"
echo "load average before/after: $LOAD0 / $(cut -d' ' -f1-3 /proc/loadavg); vz $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null) ($VZ_BUILD)."
echo
echo "| measurement | vz | LXC | systemd-nspawn | crun |"
echo "|---|---|---|---|---|"
echo "| 1a. start command returns | $(stat_of vz.start) | $(stat_of lxc.start) | $(stat_of nspawn.start) ¹ | $(stat_of crun.start) |"
echo "| 1b. start until init ran rcS (marker) | $(stat_of vz.init) | $(stat_of lxc.init) | $(stat_of nspawn.init) | $(stat_of crun.init) |"
echo "| 2. run /bin/true in a fresh CT | $(stat_of vz.run) ² | $(stat_of lxc.run) | $(stat_of nspawn.run) | $(stat_of crun.run) |"
echo "| 3. exec /bin/true in a running CT | $(stat_of vz.exec3) ³ | $(stat_of lxc.exec) | $(stat_of nspawn.exec) ⁴ | $(stat_of crun.exec) |"
echo "| 4. supervisor VmRSS | $vz_rss KiB (anon $vz_anon) | $lxc_rss KiB | $nsp_rss KiB | n/a ⁵ |"
echo
echo "| vz exec variants / host baseline | median (min–max) |"
echo "|---|---|"
echo "| vzctl exec $CT true (via /bin/sh -c) | $(stat_of vz.exec) |"
echo "| vzctl exec3 $CT /bin/true | $(stat_of vz.exec3) |"
echo "| nsenter -t <vz init> -a /bin/true | $(stat_of vz.nsenter) |"
echo "| host: fork+exec /bin/true | $(stat_of base.true) |"
echo
echo "¹ nspawn runs in the foreground: time until its child (the container's PID 1) is named init."
echo "² vzctl start + vzctl exec3 /bin/true + vzctl stop --fast (vz has no run-one-command)."
echo "³ vzctl exec3 (direct exec); vzctl exec (through /bin/sh -c) below."
echo "⁴ nsenter -t <init> -a, a stand-in: machinectl shell needs systemd-machined registration."
echo "⁵ crun run -d leaves no process behind: the container's init is reparented to PID $crunpar."

#!/bin/bash
# Density benchmark: N busybox CTs (default 1000) started and stopped by the
# host service (vz-service, ONBOOT=yes, VE_PARALLEL at a time), with start,
# exec, status and vzlist latency of one probe CT measured at 0, N/2 and N
# running, and the host memory each running CT costs.
#
#   1. create N CTs (CTIDs 10000.., no IP address, so no host netdevs)
#      from the busybox cache, 4 at a time; the first N/2 with ONBOOT=yes.
#      `vzctl create` of the probe CT (11999) is timed with 0 and with N
#      other CTs present (destroyed in between, not timed).
#   2. 0 running: probe latencies (median of PROBES runs each):
#        start   vzctl start 11999 (then vzctl stop --fast, not timed)
#        exec    vzctl exec3 11999 /bin/true, vzctl exec 11999 true
#        status  vzctl status 11999;  vzlist -a (all N+1 CTs)
#   3. vz-service start (N/2 ONBOOT CTs), probe latencies at N/2 running,
#      vz-service stop.
#   4. the other N/2 get ONBOOT=yes; vz-service start (all N, timed),
#      memory (below), probe latencies at N running, vz-service stop (timed).
#   5. nothing left behind: no supervisor or CT process, no mount under the
#      tree, no CT cgroup in any hierarchy, no loop device on the tree.
#
# Memory per running CT, from the host: the drop of MemAvailable between 0
# and N running, divided by N (includes everything: supervisor, init, kernel
# objects of the namespaces, mounts, cgroups, page tables); the kernel part
# of it (Slab unreclaimable + KernelStack + PageTables + Percpu deltas); the
# PSS of the vz processes outside the CTs (the distinct processes the
# CTID.pid files name, one per CT; each counted once, divided by the running CTs) and of the CTs' inits; the
# kernel's shrinker map of a memory cgroup (traced once at N running,
# lib-mem.sh: sized by the most filesystems the host has had mounted at
# once since boot, not by this run); the mounts each CT adds to the host
# and has in its own namespace. On a shared machine other processes move
# MemAvailable too: compare with the summed parts.
#
# Usage (root, from the source tree): bench/density.sh [N] [PROBES]
#   N default 1000, PROBES default 11. VE_PARALLEL (env, default 32). Writes bench/results/density.md (RESULT=path to
#   write elsewhere, RESULT=- for stdout only) and bench/results/density.dat
#   (running, start ms, exec ms, memory kB per CT) for the plots.
#   DENSITY_LAYOUT=overlay: the CTs share the template's files (one page
#   cache for all), default simfs (each CT its own copy).
#   DENSITY_PEERS=1: then bench/ct-mem.sh DENSITY_PEERS_N (default 40)
#   DENSITY_PEERS_ROUNDS (default 3) on the same machine right after, its
#   table (vz, LXC, systemd-nspawn, crun per idle container) appended to the
#   report; DENSITY_PEERS_RUNTIMES: a subset of them (CTMEM_RUNTIMES).
N=${1:-1000}
PROBES=${2:-11}
HERE=$(cd "$(dirname "$0")" && pwd)
RESULT=${RESULT:-$HERE/results/density.md}
. "$HERE/../tests/integ/lib.sh"
. "$HERE/lib-mem.sh"
need_cache busybox

BASE=10000
LAYOUT=${DENSITY_LAYOUT:-simfs}
PROBE=11999
HALF=$((N / 2))
SVC=$SRCDIR/src/tools/vz-service
CG=vztest-$$
# vz.conf as vzctl reads it: the first of duplicated keys wins, so replace.
set_conf() { sed -i "/^$1=/d" "$VZ_CONFDIR/vz.conf"; echo "$1=$2" >> "$VZ_CONFDIR/vz.conf"; }
set_conf VZREBOOTDIR "$T/vzreboot"
# Stopping a busybox CT is mostly waiting (its init's TERM, 1 s, KILL):
# more CTs at a time than vz's default (4 x CPUs) keep the run short.
set_conf VE_PARALLEL "${VE_PARALLEL:-32}"
# The shipped VE_STOP_MODE=suspend would checkpoint every CT where criu works.
set_conf VE_STOP_MODE stop
[ "$N" -ge 2 ] && [ $((BASE + N)) -le $PROBE ] || fail "N must be 2..$((PROBE - BASE))"

# Whatever happens, the service stops what it started before lib.sh's
# cleanup (which stops STARTED one by one) removes the tree.
_density_cleanup() {
        local rc=$?
        trap - EXIT
        if ls "$T/run/"[0-9]*.pid >/dev/null 2>&1; then
                "$SVC" stop >/dev/null 2>&1
        fi
        vzctl stop $PROBE --fast >/dev/null 2>&1
        shrinker_cleanup
        (exit $rc)
        _cleanup
}
trap _density_cleanup EXIT

now() { echo "${EPOCHREALTIME/./}"; } # microseconds
# median of the numbers on stdin (one a line), in ms with 1 decimal
median_ms() { sort -n | awk '{a[NR] = $1} END {
        if (!NR) { print "-"; exit }
        m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
        printf "%.1f", m / 1000 }'; }
# time_us CMD...: run it quietly, print the microseconds it took; fail if it fails
time_us() {
        local t0 t1
        t0=$(now)
        "$@" >/dev/null 2>&1 || fail "$* failed"
        t1=$(now)
        echo $((t1 - t0))
}
# CTs whose supervisor runs (CTID.pid; lxcfs.pid beside them is not a CT)
running() { ls "$T/run/" 2>/dev/null | grep -c '^[0-9]*\.pid$'; }
kernel_kb() {
        echo $(($(meminfo SUnreclaim) + $(meminfo KernelStack) + $(meminfo PageTables) +
                $(meminfo Percpu)))
}
# the vz processes outside the CTs: the distinct PIDs the CTID.pid files
# name (a supervisor per CT)
sup_pids() { cat "$T/run/"[0-9]*.pid 2>/dev/null | sort -u; }
# the CTs' inits
init_pids() { cat "$T/run/"[0-9]*.init 2>/dev/null; }
# the memory cgroups under the CTs' parent: the CTs' and any below them
memcg_dir() {
        local d
        for d in /sys/fs/cgroup/memory/$CG /sys/fs/cgroup/$CG /sys/fs/cgroup/unified/$CG; do
                [ -e "$d/memory.usage_in_bytes" ] || [ -e "$d/memory.current" ] && { echo "$d"; return; }
        done
}
# memory charged to the CTs' cgroups (kB): every process in them and the
# kernel objects they allocated (v1: memory.usage_in_bytes includes kmem)
memcg_kb() {
        local f
        for f in /sys/fs/cgroup/memory/$CG/memory.usage_in_bytes \
                 /sys/fs/cgroup/$CG/memory.current /sys/fs/cgroup/unified/$CG/memory.current; do
                [ -r "$f" ] && { echo $(($(cat "$f") / 1024)); return; }
        done
        echo 0
}

# anonymous memory of every process in the CTs (kB)
memcg_anon_kb() {
        local f
        for f in /sys/fs/cgroup/memory/$CG/memory.stat /sys/fs/cgroup/$CG/memory.stat \
                 /sys/fs/cgroup/unified/$CG/memory.stat; do
                [ -r "$f" ] && { awk '$1 == "total_rss" || $1 == "anon" {print int($2 / 1024); exit}' "$f"; return; }
        done
        echo 0
}

declare -A R # results: R[key.running]
probe() {
        local at=$1 i s e x st l h
        s=""; e=""; x=""; st=""; l=""; h=""
        for ((i = 0; i < PROBES; i++)); do
                s+="$(time_us vzctl start $PROBE)"$'\n'
                vzctl stop $PROBE --fast >/dev/null 2>&1 || fail "stop of the probe"
        done
        vzctl start $PROBE >/dev/null 2>&1 || fail "start of the probe"
        for ((i = 0; i < PROBES; i++)); do
                e+="$(time_us vzctl exec3 $PROBE /bin/true)"$'\n'
                x+="$(time_us vzctl exec $PROBE true)"$'\n'
                st+="$(time_us vzctl status $PROBE)"$'\n'
                h+="$(time_us /bin/true)"$'\n'
        done
        vzctl stop $PROBE --fast >/dev/null 2>&1 || fail "stop of the probe"
        for ((i = 0; i < 5; i++)); do l+="$(time_us vzlist -a)"$'\n'; done
        R[start.$at]=$(printf %s "$s" | median_ms)
        R[exec3.$at]=$(printf %s "$e" | median_ms)
        R[exec.$at]=$(printf %s "$x" | median_ms)
        R[status.$at]=$(printf %s "$st" | median_ms)
        R[vzlist.$at]=$(printf %s "$l" | median_ms)
        R[true.$at]=$(printf %s "$h" | median_ms)
        echo "probe at $at running: start ${R[start.$at]} exec3 ${R[exec3.$at]}" \
             "exec ${R[exec.$at]} status ${R[status.$at]} vzlist -a ${R[vzlist.$at]} ms" >&2
}
# memory figures at K running, against the baseline taken at 0
memory() {
        local at=$1 k
        k=$(running)
        [ "$k" -ge "$at" ] || fail "only $k running, expected $at"
        R[avail.$at]=$(((AVAIL0 - $(meminfo MemAvailable)) / k))
        R[kern.$at]=$((($(kernel_kb) - KERN0) / k))
        R[slab.$at]=$((($(meminfo SUnreclaim) - SLAB0) / k))
        local sups d
        sups=$(sup_pids)
        R[nsup.$at]=$(wc -w <<<"$sups")
        R[sup.$at]=$(($(field_sum Pss $sups) / k))
        R[supanon.$at]=$(($(field_sum Pss_Anon $sups) / k))
        R[suppte.$at]=$(($(field_sum VmPTE $sups) / k))
        R[init.$at]=$(($(field_sum Pss $(init_pids)) / k))
        d=$(memcg_dir)
        R[nmcg.$at]=$([ -n "$d" ] && find "$d" -mindepth 1 -type d | wc -l || echo 0)
        R[k.$at]=$k
        R[memcg.$at]=$(($(memcg_kb) / k))
        R[ctanon.$at]=$(($(memcg_anon_kb) / k))
        # the issue's headline: what the kernel holds plus every anonymous
        # page of the CTs' processes and their supervisors
        R[kanon.$at]=$((R[kern.$at] + R[ctanon.$at] + R[supanon.$at]))
        # what one CT costs that the host cannot reclaim: its cgroup's charge,
        # plus its share of the supervisors' anonymous memory, page tables and
        # kernel stacks (16 kB a process)
        R[ct.$at]=$((R[memcg.$at] + R[supanon.$at] + R[suppte.$at] + 16 * R[nsup.$at] / k))
        R[mnt.$at]=$((($(wc -l < /proc/self/mountinfo) - MNT0) / k))
        R[ctmnt.$at]=$(wc -l < /proc/$(cat "$T/run/$BASE.init")/mountinfo)
        echo "memory at $k running: ${R[ct.$at]} kB/CT (cgroup + supervisors), ${R[avail.$at]}" \
             "(MemAvailable), kernel ${R[kern.$at]}, ${R[nsup.$at]} supervisor processes: PSS" \
             "${R[sup.$at]} per CT, init PSS ${R[init.$at]}" >&2
}

# ---------------------------------------------------------------- 1. create
create_probe() {
        local i c=""
        for ((i = 0; i < PROBES; i++)); do
                c+="$(time_us vzctl create $PROBE --ostemplate busybox --layout $LAYOUT)"$'\n'
                vzctl destroy $PROBE >/dev/null 2>&1 || fail "destroy of the probe"
        done
        printf %s "$c" | median_ms
}
R[create.0]=$(create_probe)
T0=$(now)
seq $BASE $((BASE + N - 1)) | xargs -P 4 -I{} sh -c \
        'id={}; o=; [ $id -lt '$((BASE + HALF))' ] && o="--onboot yes";
         vzctl --quiet create $id --ostemplate busybox --layout '$LAYOUT' $o >/dev/null 2>&1 ||
         echo "create $id failed" >&2'
CREATE_ALL=$((($(now) - T0) / 1000))
[ "$(vzlist -a -H -o ctid | wc -l)" = "$N" ] || fail "not all $N CTs were created"
R[create.$N]=$(create_probe)
expect_rc 0 vzctl create $PROBE --ostemplate busybox --layout $LAYOUT
echo "created $N CTs in $CREATE_ALL ms; create at 0: ${R[create.0]} ms, at $N: ${R[create.$N]} ms" >&2

# ---------------------------------------------------------------- 2. 0 running
probe 0
AVAIL0=$(meminfo MemAvailable)
KERN0=$(kernel_kb)
SLAB0=$(meminfo SUnreclaim)
MNT0=$(wc -l < /proc/self/mountinfo)

# ---------------------------------------------------------------- 3. N/2 running
T0=$(now)
"$SVC" start >/dev/null || fail "vz-service start (half)"
SVC_HALF=$((($(now) - T0) / 1000))
[ "$(running)" = "$HALF" ] || fail "$(running) running after the first service start, expected $HALF"
memory $HALF
probe $HALF
"$SVC" stop >/dev/null || fail "vz-service stop (half)"
[ "$(running)" = 0 ] || fail "$(running) still running after vz-service stop"

# ---------------------------------------------------------------- 4. N running
seq $((BASE + HALF)) $((BASE + N - 1)) | xargs -P 4 -I{} \
        vzctl --quiet set {} --onboot yes --save >/dev/null 2>&1
T0=$(now)
"$SVC" start >/dev/null || fail "vz-service start"
SVC_START=$((($(now) - T0) / 1000))
[ "$(running)" = "$N" ] || fail "$(running) running after vz-service start, expected $N"
# every CT's init is alive and its supervisor has it as child
dead=0
for ((i = BASE; i < BASE + N; i++)); do
        kill -0 "$(cat "$T/run/$i.init" 2>/dev/null)" 2>/dev/null || dead=$((dead + 1))
done
[ $dead = 0 ] || fail "$dead CTs have no running init"
memory $N
# the shrinker map of a memory cgroup, once (its size is the host's, not
# the run's: every memory cgroup's map grows to the most shrinkers the host
# has had at once), and its share per CT: memory cgroups per CT x map
memroot=/sys/fs/cgroup/memory
[ -d $memroot ] || memroot=/sys/fs/cgroup
shrinker_map_kb $memroot 8
for at in $HALF $N; do
        R[shrink.$at]=-
        [ "$SHRINK" = - ] || R[shrink.$at]=$((SHRINK * R[nmcg.$at] / R[k.$at]))
done
# the supervisor processes at N running: none may outlive the stop
SUPS_N=""
for p in $(sup_pids); do SUPS_N+=" $p:$(start_of "$p")"; done
probe $N
T0=$(now)
"$SVC" stop >/dev/null || fail "vz-service stop"
SVC_STOP=$((($(now) - T0) / 1000))

# ---------------------------------------------------------------- 5. leftovers
# supervisors of this tree still running: its vz-supervisor processes, and
# any of those seen at N running (one may exit a moment after vz-service
# returns)
sups_left() {
        local p
        {
                for p in $(pgrep -x vz-supervisor); do
                        grep -qz "^VZ_CONFDIR=$T/etc\$" /proc/$p/environ 2>/dev/null && echo "$p"
                done
                for p in $SUPS_N; do
                        [ "$(start_of "${p%:*}")" = "${p#*:}" ] && echo "${p%:*}"
                done
        } | sort -u | wc -l
}
for ((i = 0; i < 50; i++)); do [ "$(sups_left)" = 0 ] && break; sleep 0.1; done
left=""
[ "$(running)" = 0 ] || left+=" $(running) pid files;"
# the host-wide lxcfs (VZ_RUNDIR/lxcfs), OpenVZ /proc files server
# (VZ_RUNDIR/proc) and base mount namespace (VZ_RUNDIR/mntns, its root on
# VZ_RUNDIR/mntns.root) outlive the CTs by design
n=$(grep " $T/" /proc/self/mountinfo | grep -Evc " $T/run/(lxcfs|proc|mntns|mntns\.root) ")
[ "$n" = 0 ] || left+=" $n mounts;"
n=$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/$CG/*" 2>/dev/null | wc -l)
[ "$n" = 0 ] || left+=" $n cgroups;"
# supervisors of this tree, and any process in one of its CT cgroups
n=$(($(sups_left) + $(grep -l ":/$CG/" /proc/[0-9]*/cgroup 2>/dev/null | wc -l)))
[ "$n" = 0 ] || left+=" $n processes;"
n=$(losetup -l -n -O BACK-FILE 2>/dev/null | grep -c "$T/")
[ "$n" = 0 ] || left+=" $n loop devices;"
[ -z "$left" ] || fail "left behind after vz-service stop:$left"
echo "service: start $N in $SVC_START ms, stop in $SVC_STOP ms; nothing left behind" >&2

# ---------------------------------------------------------------- peers
PEERS=""
PEERS_CMD="bench/ct-mem.sh ${DENSITY_PEERS_N:-40} ${DENSITY_PEERS_ROUNDS:-3}"
[ -z "${DENSITY_PEERS_RUNTIMES:-}" ] || PEERS_CMD="CTMEM_RUNTIMES=\"$DENSITY_PEERS_RUNTIMES\" $PEERS_CMD"
if [ "${DENSITY_PEERS:-0}" = 1 ]; then
        echo "peers: $PEERS_CMD" >&2
        # its progress and errors (stderr) on ours, not in the report
        PEERS=$(RESULT=- CTMEM_RUNTIMES=${DENSITY_PEERS_RUNTIMES:-} bash "$HERE/ct-mem.sh" \
                "${DENSITY_PEERS_N:-40}" "${DENSITY_PEERS_ROUNDS:-3}" 2>"$T/peers.err" | sed 's/^# /### /')
        rc=${PIPESTATUS[0]}
        cat "$T/peers.err" >&2
        [ "$rc" = 0 ] || PEERS="bench/ct-mem.sh exited $rc: $(tail -n 3 "$T/peers.err")"
fi

# ---------------------------------------------------------------- report
rev=$(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null)
par=$(grep -E '^VE_PARALLEL=' "$VZ_CONFDIR/vz.conf" | tail -n1 | cut -d= -f2)
report() {
        cat <<EOF
# Density benchmark: $N busybox CTs started and stopped by vz-service

Command (root, from the source tree, \`build/\`): \`DENSITY_LAYOUT=$LAYOUT bench/density.sh $N $PROBES\`

$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r), vz ${rev:-?}, VE_PARALLEL=$par, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).

| whole run | |
|---|---|
| create $N CTs (4 in parallel) | $CREATE_ALL ms |
| vz-service start, $N CTs | $SVC_START ms ($((SVC_START * 1000 / N)) µs per CT) |
| vz-service start, $HALF CTs | $SVC_HALF ms |
| vz-service stop, $N CTs | $SVC_STOP ms |
| left behind after stop (processes, mounts, cgroups, loop devices) | nothing |

Probe CT latency, median of $PROBES runs, ms:

| running CTs | 0 | $HALF | $N |
|---|---|---|---|
| vzctl create (busybox; 0 / $N CTs exist) | ${R[create.0]} | | ${R[create.$N]} |
| vzctl start | ${R[start.0]} | ${R[start.$HALF]} | ${R[start.$N]} |
| vzctl exec3 CT /bin/true | ${R[exec3.0]} | ${R[exec3.$HALF]} | ${R[exec3.$N]} |
| vzctl exec CT true (via sh -c) | ${R[exec.0]} | ${R[exec.$HALF]} | ${R[exec.$N]} |
| vzctl status | ${R[status.0]} | ${R[status.$HALF]} | ${R[status.$N]} |
| vzlist -a ($((N + 1)) CTs; median of 5) | ${R[vzlist.0]} | ${R[vzlist.$HALF]} | ${R[vzlist.$N]} |
| host: fork+exec /bin/true (the load's floor) | ${R[true.0]} | ${R[true.$HALF]} | ${R[true.$N]} |

Host memory per running CT, kB (idle busybox CT: init and the console's askfirst shell waiting):

| running CTs | $HALF | $N |
|---|---|---|
| **kernel + anonymous / CT** (kernel below + CT processes' anon + anon of the vz processes outside the CTs) | **${R[kanon.$HALF]}** | **${R[kanon.$N]}** |
| **MemAvailable drop / CT** (everything, noisy on a shared host) | **${R[avail.$HALF]}** | **${R[avail.$N]}** |
| per CT: its cgroups' charge + its share of the supervisors' anon, page tables, kernel stacks | ${R[ct.$HALF]} | ${R[ct.$N]} |
| CT processes' anonymous memory (memcg rss) / CT | ${R[ctanon.$HALF]} | ${R[ctanon.$N]} |
| CT cgroups' memory charge (processes + kernel objects) / CT | ${R[memcg.$HALF]} | ${R[memcg.$N]} |
| vz processes outside the CTs (supervisors): distinct processes | ${R[nsup.$HALF]} | ${R[nsup.$N]} |
| vz processes outside the CTs (supervisors), per CT: anonymous (Pss_Anon) / page tables | ${R[supanon.$HALF]} / ${R[suppte.$HALF]} | ${R[supanon.$N]} / ${R[suppte.$N]} |
| kernel: SUnreclaim + KernelStack + PageTables + Percpu / CT | ${R[kern.$HALF]} | ${R[kern.$N]} |
| of which SUnreclaim (slab) / CT | ${R[slab.$HALF]} | ${R[slab.$N]} |
| of which the kernel's shrinker map per memory cgroup ($SHRINK kB each, traced; sized by the most filesystems mounted at once since boot: ~$SHRINK_SLOTS shrinker slots, an estimate), per CT (memory cgroups per CT: $(awk -v a="${R[nmcg.$N]}" -v b="$N" 'BEGIN {printf "%.3g", a / b}')) | ${R[shrink.$HALF]} | ${R[shrink.$N]} |
| vz processes outside the CTs (supervisors): PSS per CT (incl. their share of the binary) | ${R[sup.$HALF]} | ${R[sup.$N]} |
| CT init PSS / CT (busybox text: shared with overlay, one copy per CT with simfs) | ${R[init.$HALF]} | ${R[init.$N]} |
| host mounts added / CT | ${R[mnt.$HALF]} | ${R[mnt.$N]} |
| mounts in a CT's own namespace | ${R[ctmnt.$HALF]} | ${R[ctmnt.$N]} |

The machine is shared: MemAvailable also moves with other processes, and
latencies carry their load. Goals: start ≤ 15 ms and exec ≤ 6 ms at any
density, ≤ 600 kB per idle CT.
EOF
        if [ -n "$PEERS" ]; then
                printf '\n## Peers in the same run: `%s`\n\n%s\n' "$PEERS_CMD" "$PEERS"
        fi
}
if [ "$RESULT" = - ]; then
        report
else
        report | tee "$RESULT"
        {
                echo "# running start_ms exec3_ms mem_kB_per_CT host_true_ms"
                echo "0 ${R[start.0]} ${R[exec3.0]} 0 ${R[true.0]}"
                echo "$HALF ${R[start.$HALF]} ${R[exec3.$HALF]} ${R[ct.$HALF]} ${R[true.$HALF]}"
                echo "$N ${R[start.$N]} ${R[exec3.$N]} ${R[ct.$N]} ${R[true.$N]}"
        } > "${RESULT%.md}.dat"
fi

#!/bin/bash
# Host memory per idle container: vz against LXC, systemd-nspawn and crun.
# N idle busybox containers of one runtime are started at once, and the host's
# MemAvailable drop divided by N is its figure (the way bench/ct-cost.sh
# measures vz), with the kernel parts of it (SUnreclaim, PageTables,
# KernelStack deltas per container) and the runtime's own per-container
# processes outside the containers: vz-supervisor, LXC's "[lxc monitor]",
# systemd-nspawn itself (crun leaves none), each distinct process counted
# once (the distinct PIDs vz's CTID.pid files name)
# and their sum divided by N. ROUNDS rounds, the runtimes interleaved in each (vz, LXC,
# nspawn, crun, vz, ...) so that other load on the host hits them alike;
# medians are reported.
#
# Same rootfs for all: the vz busybox template cache. vz creates N CTs from
# it; every peer container gets its own unpacked copy (as every vz CT has its
# own private area), so no runtime shares busybox's page cache between its
# containers. Every rootfs's /etc/init.d/rcS (busybox init's ::sysinit) gets
# `: > /booted`, and a container counts as started only when its marker is
# there and its PID 1 is `init` executing that rootfs's /bin/busybox (same
# device and inode). The console's askfirst shell then waits for Enter in all
# four: vz on its console pty, LXC on its console pty, nspawn on a passive
# pty (--console=passive), crun on a FIFO as stdin (terminal=false; a pipe
# at EOF would make busybox init respawn the shell in a loop). LXC gives
# init /dev/null as stdio when daemonized, and busybox init skips askfirst
# on /dev/null: lxc.environment = CONSOLE=/dev/console points it at LXC's
# console pty instead. The check fails a container without that shell.
#
# Each runtime runs as it does by default (privileged peers; vz: the default
# CT config, own user namespace, network namespace, memory cgroup). What each
# container gets beyond that is printed with the results: LXC gets a network
# namespace (lxc.net.0.type = empty) and a cgroup in every hierarchy, crun
# (default `crun spec`) a network namespace and cgroups, nspawn (--register=no
# --keep-unit, no systemd as PID 1 here) neither.
#
# crun refuses a hybrid cgroup host whose cgroup2 mount has controllers: its
# commands run in a private mount namespace without /sys/fs/cgroup/unified
# (as in bench/start-exec.sh).
#
# Page cache is dropped (drop_caches) before each baseline; MemAvailable
# counts clean page cache as available, so the busybox copies' page cache is
# not in the figure for any runtime. The time to start the N containers
# (until all are checked) and to stop and remove them is reported too.
# After each stop nothing of them may be left: no init, no network
# namespace of theirs held by a process or a mount, no mount under the
# tree, no cgroup, no crun state, no vz pid file. Everything started is
# stopped and removed, pass or fail.
#
# Usage (root): bench/ct-mem.sh [N] [ROUNDS]   (default 40 and 5; any N
# the machine has memory and disk for: every container has its own copy of
# the rootfs)
# Env: CTMEM_RUNTIMES (a subset of "vz lxc nspawn crun", the default; also
# read as BENCH_RUNTIMES), BENCH_CT_BASE (first vz CTID, default 4300),
# RESULT (default bench/results/ct-mem.md; - for stdout only).
N=${1:-40}
ROUNDS=${2:-5}
[[ "$N" =~ ^[1-9][0-9]*$ ]] && [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] ||
        { echo "usage: ct-mem.sh [N >= 1] [ROUNDS >= 1]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
RESULT=${RESULT:-$HERE/results/ct-mem.md}
BASE=${BENCH_CT_BASE:-4300}
ALL="vz lxc nspawn crun"
RTS=${CTMEM_RUNTIMES:-${BENCH_RUNTIMES:-$ALL}}
for rt in $RTS; do
        case " $ALL " in *" $rt "*) ;; *) echo "unknown runtime $rt (CTMEM_RUNTIMES: a subset of $ALL)" >&2; exit 2 ;; esac
done
. "$HERE/../tests/integ/lib.sh"
. "$HERE/lib-mem.sh"
has() { case " $RTS " in *" $1 "*) return 0 ;; esac; return 1; }
need="zstd"
has lxc && need+=" lxc-start lxc-stop lxc-info"
has nspawn && need+=" systemd-nspawn"
has crun && need+=" crun unshare python3"
for c in $need; do
        command -v $c >/dev/null || { echo "SKIP: $c missing (scripts/install-deps; lxc systemd-container crun zstd)"; exit 77; }
done
need_cache busybox

P=$T/peer
LXCP=$P/lxc
CRUNROOT=$P/crun-state
CRUNCG=vzbench-mem-$$
mkdir -p "$P"; mkfifo "$P.fifo"
declare -A NSPAWN_PIDS=() LXC_UP=() CRUN_UP=()

crun_ns() { # crun_ns ARGS...: crun with its view of cgroups (see header)
        unshare -m --propagation slave sh -c 'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' \
                sh crun --root "$CRUNROOT" "$@"
}

stop_vz() {
        local id
        for id in $STARTED; do vzctl --quiet stop "$id" --fast >/dev/null 2>&1 || echo "vzctl stop $id failed" >&2; done
        STARTED=""
}
stop_lxc() {
        local i
        for i in "${!LXC_UP[@]}"; do lxc-stop -P "$LXCP" -n "bx$i" -k >/dev/null 2>&1; unset "LXC_UP[$i]"; done
}
stop_nspawn() {
        local i p n
        for i in "${!NSPAWN_PIDS[@]}"; do kill -TERM "${NSPAWN_PIDS[$i]}" 2>/dev/null; done
        for i in "${!NSPAWN_PIDS[@]}"; do
                p=${NSPAWN_PIDS[$i]}
                for ((n = 0; n < 100; n++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
                kill -KILL "$p" 2>/dev/null
                wait "$p" 2>/dev/null
                unset "NSPAWN_PIDS[$i]"
        done
}
stop_crun() {
        local i
        for i in "${!CRUN_UP[@]}"; do crun_ns delete -f "bx$i" >/dev/null 2>&1; unset "CRUN_UP[$i]"; done
}
my_cleanup() {
        local rc=$? d i
        stop_vz; stop_lxc; stop_nspawn; stop_crun
        for d in /sys/fs/cgroup/*/; do
                for ((i = 0; i < N; i++)); do rmdir "$d$CRUNCG/bx$i" 2>/dev/null; done
                rmdir "$d$CRUNCG" 2>/dev/null
                rmdir "$d/lxc.pivot" 2>/dev/null    # LXC's helper cgroup, if empty
        done
        rm -f "$P.fifo"
        (exit $rc); _cleanup
}
trap my_cleanup EXIT

# ---- setup (not measured) ---------------------------------------------------
add_marker() {
        grep -q '^exit 0$' "$1" || echo 'exit 0' >>"$1"
        sed -i 's|^exit 0$|: > /booted\nexit 0|' "$1"
}
cache=$(readlink -f "$T"/vz/template/cache/busybox.tar*)
mkdir -p "$P/src" "$LXCP" "$CRUNROOT"
zstd -dc "$cache" | tar --warning=no-unknown-keyword --numeric-owner -xpf - -C "$P/src" || fail "unpack cache"
[ -x "$P/src/sbin/init" ] || fail "cache lacks /sbin/init"
# a copy of the rootfs per container and runtime (a vz CT's private area
# is one too): refuse a run the disk cannot hold
kb=$(du -sk "$P/src" | cut -f1)
avail=$(df -Pk "$T" | awk 'NR == 2 {print $4}')
[ $((kb * N * $(wc -w <<<"$RTS") * 11 / 10)) -lt "$avail" ] ||
        fail "$N containers x $(wc -w <<<"$RTS") runtimes x $kb kB of rootfs do not fit in $avail kB free"
add_marker "$P/src/etc/init.d/rcS"
( cd "$P" && crun spec ) || fail "crun spec"
for ((i = 0; i < N; i++)); do
        id=$((BASE + i))
        case " $RTS " in *" vz "*)
                [ $((i % 100)) = 0 ] && [ "$N" -ge 200 ] && echo "setup: container $i of $N" >&2
                vzctl --quiet create $id --ostemplate busybox >/dev/null || fail "vzctl create $id"
                add_marker "$T/vz/private/$id/etc/init.d/rcS" ;;
        esac
        for rt in lxc nspawn crun; do
                case " $RTS " in *" $rt "*) ;; *) continue ;; esac
                cp -a --reflink=auto "$P/src" "$P/$rt.$i" || fail "copy rootfs"
        done
        case " $RTS " in *" lxc "*)
                mkdir -p "$LXCP/bx$i"
                cat >"$LXCP/bx$i/config" <<EOF
lxc.uts.name = bx$i
lxc.rootfs.path = dir:$P/lxc.$i
lxc.net.0.type = empty
lxc.mount.auto = proc:mixed sys:ro
lxc.init.cmd = /sbin/init
lxc.environment = CONSOLE=/dev/console
lxc.tty.max = 0
lxc.log.level = ERROR
lxc.log.file = $P/lxc.log
EOF
        esac
done
case " $RTS " in *" crun "*)
        python3 - "$P" "$N" "/$CRUNCG" <<'EOF' || fail "crun config"
import json, os, sys
p, n, cg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(n):
        c = json.load(open(p + "/config.json"))
        c["root"] = {"path": "%s/crun.%d" % (p, i), "readonly": False}
        c["process"]["terminal"] = False
        c["process"]["args"] = ["/sbin/init"]
        c["linux"]["cgroupsPath"] = "%s/bx%d" % (cg, i)
        os.makedirs("%s/bundle.%d" % (p, i), exist_ok=True)
        json.dump(c, open("%s/bundle.%d/config.json" % (p, i), "w"), indent=1)
EOF
esac
crun_ns_list=$(python3 -c 'import json,sys; print(" ".join(n["type"] for n in json.load(open(sys.argv[1]))["linux"]["namespaces"]))' "$P/config.json")

# ---- start N containers of one runtime; sets INITS[i], ROOTS[i] -------------
declare -a INITS ROOTS
start_vz() {
        local i id
        for ((i = 0; i < N; i++)); do
                id=$((BASE + i))
                rm -f "$T/vz/private/$id/booted"
                STARTED+=" $id"
                vzctl --quiet start $id >/dev/null || fail "vzctl start $id"
                ROOTS[i]=$T/vz/private/$id
        done
        for ((i = 0; i < N; i++)); do read -r INITS[i] < "$T/run/$((BASE + i)).init"; done
}
# runtime_proc_RT I: RP= the runtime's process outside container I, if any
runtime_proc_vz() { RP=; read -r RP 2>/dev/null < "$T/run/$((BASE + $1)).pid"; }
start_lxc() {
        local i
        for ((i = 0; i < N; i++)); do
                rm -f "$P/lxc.$i/booted"
                LXC_UP[$i]=1
                lxc-start -P "$LXCP" -n "bx$i" -d || fail "lxc-start bx$i"
                ROOTS[i]=$P/lxc.$i
        done
        for ((i = 0; i < N; i++)); do INITS[i]=$(lxc-info -P "$LXCP" -n "bx$i" -p -H); done
}
runtime_proc_lxc() { # the monitor: init's parent
        local s
        RP=; read -r s 2>/dev/null < "/proc/${INITS[$1]}/stat" || return 0
        s=${s##*) }; set -- $s; RP=$2
}
start_nspawn() {
        local i c n
        for ((i = 0; i < N; i++)); do
                rm -f "$P/nspawn.$i/booted"
                systemd-nspawn -q -D "$P/nspawn.$i" -M "vzbench$$-$i" --register=no --keep-unit \
                        --console=passive /sbin/init </dev/null >>"$P/nspawn.log" 2>&1 &
                NSPAWN_PIDS[$i]=$!
                ROOTS[i]=$P/nspawn.$i
        done
        for ((i = 0; i < N; i++)); do
                for ((n = 0; n < 200; n++)); do
                        c=
                        read -r c _ 2>/dev/null <"/proc/${NSPAWN_PIDS[$i]}/task/${NSPAWN_PIDS[$i]}/children"
                        [ -n "$c" ] && [ "$(cat "/proc/$c/comm" 2>/dev/null)" = init ] && break
                        sleep 0.05
                done
                INITS[i]=$c
        done
}
runtime_proc_nspawn() { RP=${NSPAWN_PIDS[$1]}; }
start_crun() {
        local i
        for ((i = 0; i < N; i++)); do
                rm -f "$P/crun.$i/booted"
                CRUN_UP[$i]=1
                rm -f "$P/crun.pid.$i"
                ( cd "$P/bundle.$i" && crun_ns run -d --pid-file "$P/crun.pid.$i" "bx$i" <>"$P.fifo" >/dev/null 2>&1 ) ||
                        fail "crun run bx$i"
                ROOTS[i]=$P/crun.$i
        done
        for ((i = 0; i < N; i++)); do INITS[i]=; read -r INITS[i] 2>/dev/null < "$P/crun.pid.$i"; done
}
runtime_proc_crun() { RP=; }

# every container: marker written by rcS, PID 1 is init running the
# rootfs's busybox, with a child (the askfirst shell). Few processes per
# container (bash reads /proc itself): quick for thousands. Sets INIT_ST[i]
# (init's start time) and NETNS[i] (its network namespace).
declare -a INIT_ST NETNS
check_started() {
        local rt=$1 i n p c ch st=() k v _
        for ((i = 0; i < N; i++)); do
                for ((n = 0; n < 200; n++)); do [ -e "${ROOTS[i]}/booted" ] && break; sleep 0.05; done
                [ -e "${ROOTS[i]}/booted" ] || fail "$rt container $i: rcS never ran"
                p=${INITS[i]} c=
                [ -n "$p" ] && read -r c 2>/dev/null < "/proc/$p/comm"
                [ "$c" = init ] || fail "$rt container $i: PID 1 (${p:-?}) is not init"
                st=($(stat -Lc %d:%i "/proc/$p/exe" "${ROOTS[i]}/bin/busybox" 2>/dev/null))
                [ ${#st[@]} = 2 ] && [ "${st[0]}" = "${st[1]}" ] || fail "$rt container $i: init is not the rootfs's /bin/busybox"
                c=
                while read -r k v; do [ "$k" = NSpid: ] && { c=${v##*[[:space:]]}; break; }; done < "/proc/$p/status"
                [ "$c" = 1 ] || fail "$rt container $i: init is not PID 1 in its namespace"
                for ((n = 0; n < 100; n++)); do
                        ch=; read -r ch _ 2>/dev/null < "/proc/$p/task/$p/children"
                        [ -n "$ch" ] && break
                        sleep 0.05
                done
                [ -n "$ch" ] || fail "$rt container $i: no console shell (askfirst)"
                _start_of "$p"
                INIT_ST[i]=$START
                NETNS[i]=$(readlink "/proc/$p/ns/net")
        done
}

# gone_wait: until the containers' inits are gone, at most 10 s: crun's
# delete -f returns before, and its inits, reparented to the host's PID 1,
# are reaped when that gets to it
gone_wait() {
        local i n
        for ((n = 0; n < 200; n++)); do
                for ((i = 0; i < N; i++)); do
                        [ -n "${INIT_ST[i]:-}" ] && _start_of "${INITS[i]}" && [ "$START" = "${INIT_ST[i]}" ] && break
                done
                [ $i = $N ] && return 0
                sleep 0.05
        done
}

# leftovers RT: after stop_RT nothing of its containers may be left (see
# the header); fails with what is
leftovers() {
        local rt=$1 i n left="" hostnet
        hostnet=$(readlink /proc/self/ns/net)
        n=0
        for ((i = 0; i < N; i++)); do
                [ -n "${INIT_ST[i]:-}" ] && _start_of "${INITS[i]}" && [ "$START" = "${INIT_ST[i]}" ] && n=$((n + 1))
        done
        [ $n = 0 ] || left+=" $n inits;"
        n=$(
                { printf '%s\n' "${NETNS[@]}" | grep -vxF "$hostnet" | sort -u
                  { find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -printf '%l\n' 2>/dev/null
                    awk '$9 == "nsfs" {print $4}' /proc/self/mountinfo; } | sort -u
                } | sort | uniq -d | wc -l)
        [ "$n" = 0 ] || left+=" $n network namespaces;"
        n=$(grep -cE " ($P|$T/vz/root)/" /proc/self/mountinfo)
        [ "$n" = 0 ] || left+=" $n mounts;"
        case $rt in
        vz)
                n=$(ls "$T/run/" | grep -c '^[0-9]*\.pid$')
                [ "$n" = 0 ] || left+=" $n pid files;"
                n=$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/vztest-$$/*" 2>/dev/null | wc -l) ;;
        lxc) n=$(find /sys/fs/cgroup -maxdepth 3 -type d -name 'lxc.*.bx[0-9]*' 2>/dev/null | wc -l) ;;
        crun)
                n=$(ls -A "$CRUNROOT" | wc -l)
                [ "$n" = 0 ] || left+=" $n crun states;"
                n=$(find /sys/fs/cgroup -maxdepth 4 -type d -path "*/$CRUNCG/*" 2>/dev/null | wc -l) ;;
        *) n=0 ;;
        esac
        [ "$n" = 0 ] || left+=" $n cgroups;"
        [ -z "$left" ] || fail "$rt: left behind after the stop:$left"
}

mi() { awk '$1 == "MemAvailable:" {a = $2} $1 == "SUnreclaim:" {s = $2} $1 == "PageTables:" {p = $2}
            $1 == "KernelStack:" {k = $2} END {print a, s, p, k}' /proc/meminfo; }
median() { sort -n | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]; else print "-"}'; }
declare -A R=()   # R[rt.key]="v v v ..."
rec() { R[$1]+="$2 "; }
med() { tr ' ' '\n' <<<"${R[$1]:-}" | grep . | median; }
range() { local s; s=$(tr ' ' '\n' <<<"${R[$1]:-}" | grep . | sort -n); [ -n "$s" ] && echo "$(head -n1 <<<"$s")–$(tail -n1 <<<"$s")"; }

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
measure() {
        local rt=$1 b a i t0 t1 ts up ch pss rss anon panon np procs=0 canon rps cps=()
        sync; echo 3 > /proc/sys/vm/drop_caches; sleep 2
        read -r -a b < <(mi)
        t0=$(now_ms)
        start_$rt
        check_started "$rt"
        t1=$(now_ms)
        up=$((t1 - t0))
        rec "$rt.up" $up
        sleep 3
        read -r -a a < <(mi)
        # the container processes (init and its children), and the distinct
        # runtime processes outside the containers (one may serve several)
        rps=$(for ((i = 0; i < N; i++)); do
                runtime_proc_$rt "$i"
                [ -z "$RP" ] || echo "$RP"
        done | sort -u)
        for ((i = 0; i < N; i++)); do
                ch=()
                read -r -a ch 2>/dev/null < "/proc/${INITS[i]}/task/${INITS[i]}/children"
                procs=$((procs + 1 + ${#ch[@]}))
                cps+=("${INITS[i]}" "${ch[@]}")
        done
        canon=$(field_sum Pss_Anon "${cps[@]}")
        np=$(wc -w <<<"$rps")
        pss=$(field_sum Pss $rps) rss=$(field_sum VmRSS $rps) anon=$(field_sum RssAnon $rps)
        panon=$(field_sum Pss_Anon $rps)
        rec "$rt.avail" $(((b[0] - a[0]) / N))
        rec "$rt.slab" $(((a[1] - b[1]) / N))
        rec "$rt.pt" $(((a[2] - b[2]) / N))
        rec "$rt.ks" $(((a[3] - b[3]) / N))
        rec "$rt.procs" $((procs / N))
        rec "$rt.canon" $((canon / N))
        # the parts that are this container's alone, less moved by the rest
        # of the host than MemAvailable: kernel deltas + anonymous memory
        rec "$rt.sum" $(((a[1] - b[1] + a[2] - b[2] + a[3] - b[3] + canon + panon) / N))
        rec "$rt.np" "$np"
        if [ "$np" -gt 0 ]; then
                rec "$rt.pss" $((pss / N)); rec "$rt.rss" $((rss / N)); rec "$rt.anon" $((anon / N))
                rec "$rt.panon" $((panon / N))
        fi
        t0=$(now_ms)
        stop_$rt
        ts=$(now_ms)
        gone_wait
        t1=$(now_ms)
        rec "$rt.down" $((ts - t0))
        rec "$rt.gone" $((t1 - t0))
        leftovers "$rt"
        echo "round $((r + 1)), $rt: $N containers up in $up ms, kernel + anonymous" \
             "$(((a[1] - b[1] + a[2] - b[2] + a[3] - b[3] + canon + panon) / N)) kB, MemAvailable" \
             "drop $(((b[0] - a[0]) / N)) kB per container; stopped and removed in" \
             "$((t1 - t0)) ms (the stop commands $((ts - t0)) ms, then the inits gone), nothing left behind" >&2
        sleep 2
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
D0=$(date -u '+%Y-%m-%d %H:%M UTC')
for ((r = 0; r < ROUNDS; r++)); do
        for rt in $RTS; do measure "$rt"; done
done

name() { case $1 in vz) echo vz ;; lxc) echo LXC ;; nspawn) echo systemd-nspawn ;; crun) echo crun ;; esac; }
# secs KEY: median (min–max) of the ms values, in s
secs() {
        local m
        m=$(med "$1")
        [ "$m" = - ] || [ -z "$m" ] && { echo "n/a"; return; }
        awk -v m="$m" -v r="$(range "$1")" 'BEGIN { split(r, a, "–"); printf "%.1f (%.1f–%.1f)", m / 1000, a[1] / 1000, a[2] / 1000 }'
}
cell() { local m; m=$(med "$1"); [ "$m" = - ] || [ -z "$m" ] && { echo "n/a"; return; }; echo "$m ($(range "$1"))"; }
report() {
        local rt
        echo "# Memory per idle container: vz vs LXC, systemd-nspawn, crun"
        echo
        echo "Command (root, from the source tree): \`$([ "$RTS" = "$ALL" ] || echo "CTMEM_RUNTIMES=\"$RTS\" ")bench/ct-mem.sh $N $ROUNDS\`"
        echo
        echo "$D0, $(nproc) CPUs, $(awk '$1 == "MemTotal:" {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r),"
        echo "vz $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null) ($VZ_BUILD); load average before/after: $LOAD0 / $(cut -d' ' -f1-3 /proc/loadavg)."
        echo "$N idle busybox containers per runtime at once, $ROUNDS round$([ "$ROUNDS" = 1 ] || echo s)$([ "$(wc -w <<<"$RTS")" = 1 ] || echo ", runtimes interleaved"); median (min–max) of the rounds, kB per container."
        echo
        printf '| per idle container | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(name $rt)"; done | sed 's/ | $//')"
        printf '|---|%s\n' "$(for rt in $ALL; do printf -- '---|'; done)"
        printf '| **MemAvailable drop** | %s |\n' "$(for rt in $ALL; do printf '%s | ' "**$(cell $rt.avail)**"; done | sed 's/ | $//')"
        printf '| **kernel + anonymous** (slab + page tables + stacks + anonymous, below) | %s |\n' "$(for rt in $ALL; do printf '%s | ' "**$(cell $rt.sum)**"; done | sed 's/ | $//')"
        printf '| SUnreclaim (slab) | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(cell $rt.slab)"; done | sed 's/ | $//')"
        printf '| PageTables | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(cell $rt.pt)"; done | sed 's/ | $//')"
        printf '| KernelStack | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(cell $rt.ks)"; done | sed 's/ | $//')"
        printf '| anonymous: container processes (Pss_Anon) + runtime process (Pss_Anon) | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(med $rt.canon) + $(med $rt.panon)"; done | sed 's/ | $//')"
        printf '| runtime process PSS, per container (the distinct runtime processes outside the containers, summed, / N) | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(cell $rt.pss)"; done | sed 's/ | $//')"
        printf '| runtime processes outside the containers (distinct) | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(med $rt.np | sed 's/^-$/n\/a/')"; done | sed 's/ | $//')"
        printf '| runtime process VmRSS (RssAnon), per container | %s |\n' "$(for rt in $ALL; do
                if [ -n "${R[$rt.rss]:-}" ]; then printf '%s (%s) | ' "$(med $rt.rss)" "$(med $rt.anon)"; else printf 'none | '; fi
                done | sed 's/ | $//')"
        printf '| processes in the container | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(med $rt.procs)"; done | sed 's/ | $//')"
        printf '| start %s containers, one after another, until all checked (s) | %s |\n' "$N" "$(for rt in $ALL; do printf '%s | ' "$(secs $rt.up)"; done | sed 's/ | $//')"
        printf '| stop and remove %s containers, one after another (s) | %s |\n' "$N" "$(for rt in $ALL; do printf '%s | ' "$(secs $rt.down)"; done | sed 's/ | $//')"
        printf '| the same, until every init is gone (s; crun'"'"'s are reaped by the host'"'"'s PID 1) | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(secs $rt.gone)"; done | sed 's/ | $//')"
        echo
        echo "Runtime process: vz-supervisor (one per CT: the distinct processes the CTID.pid"
        echo "files name); LXC: \"[lxc monitor]\" (parent of the container's init);"
        echo "systemd-nspawn: the nspawn process; crun: none (\`crun run -d\` leaves no process)."
        echo "After each stop nothing was left: no init, network namespace (held by a process or a mount),"
        echo "mount under the tree, cgroup, crun state or vz pid file of the stopped containers."
        echo "Processes in the container: init and its askfirst console shell in every runtime."
        echo "Isolation each container had: vz: user, PID, mount, UTS, IPC, network, cgroup namespaces,"
        echo "a directory in every cgroup hierarchy (memory limit from the default config), seccomp;"
        echo "LXC: PID, mount, UTS, IPC, network (empty), cgroup namespaces, cgroups in every hierarchy;"
        echo "crun: ${crun_ns_list} namespaces, cgroups under /$CRUNCG; systemd-nspawn (--register=no"
        echo "--keep-unit): PID, mount, UTS, IPC namespaces, no network namespace, no cgroup of its own."
        echo "MemAvailable moves with everything else on the host: on a shared machine read the medians."
}
if [ "$RESULT" = - ]; then report; else report | tee "$RESULT"; fi

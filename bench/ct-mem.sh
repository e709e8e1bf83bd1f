#!/bin/bash
# Host memory per idle container: vz against LXC, systemd-nspawn and crun.
# N idle busybox containers of one runtime are started at once, and the host's
# MemAvailable drop divided by N is its figure (the way bench/ct-cost.sh
# measures vz), with the kernel parts of it (SUnreclaim, PageTables,
# KernelStack deltas per container) and the runtime's own per-container
# process: vz-supervisor, LXC's "[lxc monitor]", systemd-nspawn itself (crun
# leaves none). ROUNDS rounds, the runtimes interleaved in each (vz, LXC,
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
# not in the figure for any runtime. Everything started is stopped and
# removed, pass or fail.
#
# Usage (root): bench/ct-mem.sh [N] [ROUNDS]   (default 40 and 5)
# Env: BENCH_CT_BASE (first vz CTID, default 4300), RESULT (default
# bench/results/ct-mem.md; - for stdout only), BENCH_RUNTIMES (default
# "vz lxc nspawn crun").
N=${1:-40}
ROUNDS=${2:-5}
[ "$N" -ge 1 ] && [ "$N" -le 200 ] || { echo "N must be 1..200" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
RESULT=${RESULT:-$HERE/results/ct-mem.md}
BASE=${BENCH_CT_BASE:-4300}
ALL="vz lxc nspawn crun"
RTS=${BENCH_RUNTIMES:-$ALL}
. "$HERE/../tests/integ/lib.sh"
for c in lxc-start lxc-stop lxc-info systemd-nspawn crun unshare zstd python3; do
        command -v $c >/dev/null || { echo "SKIP: $c missing (apt-get install -y lxc systemd-container crun zstd)"; exit 77; }
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
add_marker "$P/src/etc/init.d/rcS"
( cd "$P" && crun spec ) || fail "crun spec"
for ((i = 0; i < N; i++)); do
        id=$((BASE + i))
        case " $RTS " in *" vz "*)
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
        for ((i = 0; i < N; i++)); do INITS[i]=$(cat "$T/run/$((BASE + i)).init"); done
}
runtime_proc_vz() { cat "$T/run/$((BASE + $1)).pid"; }
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
runtime_proc_lxc() { awk '{print $4}' "/proc/${INITS[$1]}/stat"; }   # the monitor
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
runtime_proc_nspawn() { echo "${NSPAWN_PIDS[$1]}"; }
start_crun() {
        local i
        for ((i = 0; i < N; i++)); do
                rm -f "$P/crun.$i/booted"
                CRUN_UP[$i]=1
                ( cd "$P/bundle.$i" && crun_ns run -d "bx$i" <>"$P.fifo" >/dev/null 2>&1 ) || fail "crun run bx$i"
                ROOTS[i]=$P/crun.$i
        done
        for ((i = 0; i < N; i++)); do
                INITS[i]=$(crun_ns state "bx$i" | sed -n 's/^ *"pid": *\([0-9]*\).*/\1/p')
        done
}
runtime_proc_crun() { :; }

# every container: marker written by rcS, PID 1 is init running the rootfs's busybox
check_started() {
        local rt=$1 i n
        for ((i = 0; i < N; i++)); do
                for ((n = 0; n < 200; n++)); do [ -e "${ROOTS[i]}/booted" ] && break; sleep 0.05; done
                [ -e "${ROOTS[i]}/booted" ] || fail "$rt container $i: rcS never ran"
                [ -n "${INITS[i]}" ] && [ "$(cat "/proc/${INITS[i]}/comm" 2>/dev/null)" = init ] ||
                        fail "$rt container $i: PID 1 (${INITS[i]:-?}) is not init"
                [ "$(stat -Lc %d:%i "/proc/${INITS[i]}/exe")" = "$(stat -Lc %d:%i "${ROOTS[i]}/bin/busybox")" ] ||
                        fail "$rt container $i: init is not the rootfs's /bin/busybox"
                [ "$(awk '/^NSpid:/ {print $NF}' "/proc/${INITS[i]}/status")" = 1 ] ||
                        fail "$rt container $i: init is not PID 1 in its namespace"
                for ((n = 0; n < 100; n++)); do [ "$(pgrep -c -P "${INITS[i]}")" -ge 1 ] && break; sleep 0.05; done
                [ "$(pgrep -c -P "${INITS[i]}")" -ge 1 ] || fail "$rt container $i: no console shell (askfirst)"
        done
}

mi() { awk '$1 == "MemAvailable:" {a = $2} $1 == "SUnreclaim:" {s = $2} $1 == "PageTables:" {p = $2}
            $1 == "KernelStack:" {k = $2} END {print a, s, p, k}' /proc/meminfo; }
median() { sort -n | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]; else print "-"}'; }
declare -A R=()   # R[rt.key]="v v v ..."
rec() { R[$1]+="$2 "; }
med() { tr ' ' '\n' <<<"${R[$1]:-}" | grep . | median; }
range() { local s; s=$(tr ' ' '\n' <<<"${R[$1]:-}" | grep . | sort -n); [ -n "$s" ] && echo "$(head -n1 <<<"$s")–$(tail -n1 <<<"$s")"; }

measure() {
        local rt=$1 b a i p c pss=0 rss=0 anon=0 panon=0 np=0 procs=0 canon=0
        sync; echo 3 > /proc/sys/vm/drop_caches; sleep 2
        read -r -a b < <(mi)
        start_$rt
        check_started "$rt"
        sleep 3
        read -r -a a < <(mi)
        for ((i = 0; i < N; i++)); do
                procs=$((procs + 1 + $(pgrep -c -P "${INITS[i]}")))
                for c in "${INITS[i]}" $(pgrep -P "${INITS[i]}"); do
                        canon=$((canon + $(awk '$1 == "Pss_Anon:" {print $2}' "/proc/$c/smaps_rollup")))
                done
                p=$(runtime_proc_$rt "$i")
                [ -n "$p" ] || continue
                np=$((np + 1))
                pss=$((pss + $(awk '$1 == "Pss:" {print $2}' "/proc/$p/smaps_rollup")))
                rss=$((rss + $(awk '$1 == "VmRSS:" {print $2}' "/proc/$p/status")))
                anon=$((anon + $(awk '$1 == "RssAnon:" {print $2}' "/proc/$p/status")))
                panon=$((panon + $(awk '$1 == "Pss_Anon:" {print $2}' "/proc/$p/smaps_rollup")))
        done
        rec "$rt.avail" $(((b[0] - a[0]) / N))
        rec "$rt.slab" $(((a[1] - b[1]) / N))
        rec "$rt.pt" $(((a[2] - b[2]) / N))
        rec "$rt.ks" $(((a[3] - b[3]) / N))
        rec "$rt.procs" $((procs / N))
        rec "$rt.canon" $((canon / N))
        # the parts that are this container's alone, less moved by the rest
        # of the host than MemAvailable: kernel deltas + anonymous memory
        rec "$rt.sum" $(((a[1] - b[1] + a[2] - b[2] + a[3] - b[3] + canon + panon) / N))
        if [ $np -gt 0 ]; then
                rec "$rt.pss" $((pss / np)); rec "$rt.rss" $((rss / np)); rec "$rt.anon" $((anon / np))
                rec "$rt.panon" $((panon / np))
        fi
        stop_$rt
        sleep 2
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
D0=$(date -u '+%Y-%m-%d %H:%M UTC')
for ((r = 0; r < ROUNDS; r++)); do
        for rt in $RTS; do measure "$rt"; done
done

name() { case $1 in vz) echo vz ;; lxc) echo LXC ;; nspawn) echo systemd-nspawn ;; crun) echo crun ;; esac; }
cell() { local m; m=$(med "$1"); [ "$m" = - ] || [ -z "$m" ] && { echo "n/a"; return; }; echo "$m ($(range "$1"))"; }
report() {
        local rt
        echo "# Memory per idle container: vz vs LXC, systemd-nspawn, crun"
        echo
        echo "Command (root, from the source tree): \`${BENCH_RUNTIMES:+BENCH_RUNTIMES=\"$RTS\" }bench/ct-mem.sh $N $ROUNDS\`"
        echo
        echo "$D0, $(nproc) CPUs, $(awk '$1 == "MemTotal:" {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r),"
        echo "vz $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null) ($VZ_BUILD); load average before/after: $LOAD0 / $(cut -d' ' -f1-3 /proc/loadavg)."
        echo "$N idle busybox containers per runtime at once, $ROUNDS rounds interleaved; median (min–max) of the rounds, kB per container."
        echo
        printf '| per idle container | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(name $rt)"; done | sed 's/ | $//')"
        printf '|---|%s\n' "$(for rt in $ALL; do printf -- '---|'; done)"
        printf '| **MemAvailable drop** | %s |\n' "$(for rt in $ALL; do printf '%s | ' "**$(cell $rt.avail)**"; done | sed 's/ | $//')"
        printf '| **kernel + anonymous** (slab + page tables + stacks + anonymous, below) | %s |\n' "$(for rt in $ALL; do printf '%s | ' "**$(cell $rt.sum)**"; done | sed 's/ | $//')"
        printf '| SUnreclaim (slab) | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(cell $rt.slab)"; done | sed 's/ | $//')"
        printf '| PageTables | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(cell $rt.pt)"; done | sed 's/ | $//')"
        printf '| KernelStack | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(cell $rt.ks)"; done | sed 's/ | $//')"
        printf '| anonymous: container processes (Pss_Anon) + runtime process (Pss_Anon) | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(med $rt.canon) + $(med $rt.panon)"; done | sed 's/ | $//')"
        printf '| runtime process PSS | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(cell $rt.pss)"; done | sed 's/ | $//')"
        printf '| runtime process VmRSS (RssAnon) | %s |\n' "$(for rt in $ALL; do
                if [ -n "${R[$rt.rss]:-}" ]; then printf '%s (%s) | ' "$(med $rt.rss)" "$(med $rt.anon)"; else printf 'none | '; fi
                done | sed 's/ | $//')"
        printf '| processes in the container | %s |\n' "$(for rt in $ALL; do printf '%s | ' "$(med $rt.procs)"; done | sed 's/ | $//')"
        echo
        echo "Runtime process: vz-supervisor; LXC: \"[lxc monitor]\" (parent of the container's init);"
        echo "systemd-nspawn: the nspawn process; crun: none (\`crun run -d\` leaves no process)."
        echo "Processes in the container: init and its askfirst console shell in every runtime."
        echo "Isolation each container had: vz: user, PID, mount, UTS, IPC, network, cgroup namespaces,"
        echo "a directory in every cgroup hierarchy (memory limit from the default config), seccomp;"
        echo "LXC: PID, mount, UTS, IPC, network (empty), cgroup namespaces, cgroups in every hierarchy;"
        echo "crun: ${crun_ns_list} namespaces, cgroups under /$CRUNCG; systemd-nspawn (--register=no"
        echo "--keep-unit): PID, mount, UTS, IPC namespaces, no network namespace, no cgroup of its own."
        echo "MemAvailable moves with everything else on the host: on a shared machine read the medians."
}
if [ "$RESULT" = - ]; then report; else report | tee "$RESULT"; fi

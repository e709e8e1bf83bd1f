#!/bin/bash
# Debian/systemd boot benchmark: time from the start command until systemd
# inside says the system is up (`systemctl is-system-running`: running or
# degraded), on the same Debian 12 minimal rootfs (the vz template cache
# debian-12-x86_64-minimal; the peers use it unpacked). Median of RUNS runs.
#
#   vz:     vzctl start 102 --wait        (returns once systemd is up)
#   nspawn: systemd-nspawn -b -D ROOTFS --register=no --keep-unit, polled
#           with nsenter -t LEADER -a systemctl is-system-running
#   LXC:    lxc-start -d (rootfs dir:ROOTFS, net empty, cgroup:mixed),
#           polled with lxc-attach -- systemctl is-system-running
#
# Polling every 50 ms from the host (one exec into the container each time)
# adds up to that much to the peers' figures; vzctl start --wait polls every
# 100 ms in the same way. Stops (untimed) between runs. A peer that cannot
# boot systemd on this host is reported as such, not timed.
#
# Usage (root): bench/boot.sh [RUNS]   (default 5). Result: results/boot.md.
RUNS=${1:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
RESULT=${RESULT:-$HERE/results/boot.md}
. "$HERE/../tests/integ/lib.sh"
need_cache debian-12-x86_64-minimal

CT=102
P=$T/peer
R=$P/rootfs
LXCP=$P/lxc
NSPAWN_PID=
now() { echo "${EPOCHREALTIME/./}"; }
median_ms() { sort -n | awk '{a[NR] = $1} END {
        if (!NR) { print "n/a"; exit }
        m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
        printf "%.0f", m / 1000 }'; }
up() { case $1 in running | degraded) return 0 ;; esac; return 1; }

vzctl --quiet create $CT --ostemplate debian-12-x86_64-minimal >/dev/null || fail "vzctl create"
STARTED=$CT
cache=$(readlink -f "$T"/vz/template/cache/debian-12-x86_64-minimal.tar*)
mkdir -p "$R" "$LXCP/deb"
zstd -dc "$cache" | tar --warning=no-unknown-keyword --numeric-owner --xattrs -xpf - -C "$R" ||
        fail "unpack cache"
cat > "$LXCP/deb/config" <<EOF
lxc.uts.name = deb
lxc.rootfs.path = dir:$R
lxc.net.0.type = empty
lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed
lxc.init.cmd = /sbin/init
lxc.tty.max = 1
lxc.pty.max = 16
lxc.log.level = ERROR
lxc.log.file = $P/lxc.log
EOF
LXC=(-P "$LXCP" -n deb)

my_cleanup() {
        local rc=$? d
        [ -n "${NSPAWN_INIT:-}" ] && kill -KILL "$NSPAWN_INIT" 2>/dev/null
        [ -n "$NSPAWN_PID" ] && kill -KILL "$NSPAWN_PID" 2>/dev/null
        lxc-stop "${LXC[@]}" -k >/dev/null 2>&1
        vzctl --quiet stop $CT --fast >/dev/null 2>&1
        for d in /sys/fs/cgroup/*/; do rmdir "$d/lxc.pivot" 2>/dev/null; done
        (exit $rc); _cleanup
}
trap my_cleanup EXIT

declare -A S NOTE
boot_vz() {
        local t0
        t0=$(now)
        vzctl --quiet start $CT --wait=120 >/dev/null 2>&1 || { NOTE[vz]="start --wait failed"; return 1; }
        S[vz]+="$(($(now) - t0))"$'\n'
        vzctl --quiet stop $CT --fast >/dev/null 2>&1
}
boot_nspawn() {
        local t0 c s end
        t0=$(now)
        systemd-nspawn -q -b -D "$R" --register=no --keep-unit --console=pipe \
                </dev/null >$P/nspawn.log 2>&1 &
        NSPAWN_PID=$!
        end=$((t0 + 120000000))
        while :; do
                c=
                read -r c _ 2>/dev/null < /proc/$NSPAWN_PID/task/$NSPAWN_PID/children
                if [ -n "$c" ]; then
                        NSPAWN_INIT=$c
                        s=$(nsenter -t "$c" -a systemctl is-system-running 2>/dev/null)
                        up "$s" && break
                fi
                kill -0 $NSPAWN_PID 2>/dev/null || { NOTE[nspawn]="exited: $(tail -n1 $P/nspawn.log)"; return 1; }
                [ "$(now)" -lt $end ] || { NOTE[nspawn]="not up in 120 s ($s)"; break; }
                sleep 0.05
        done
        [ -n "${NOTE[nspawn]:-}" ] || S[nspawn]+="$(($(now) - t0))"$'\n'
        # the container's PID 1 first: nspawn's death alone leaves it running
        [ -n "$c" ] && kill -KILL "$c" 2>/dev/null
        kill -KILL $NSPAWN_PID 2>/dev/null; wait $NSPAWN_PID 2>/dev/null; NSPAWN_PID= NSPAWN_INIT=
        [ -z "${NOTE[nspawn]:-}" ]
}
boot_lxc() {
        local t0 s end
        t0=$(now)
        lxc-start "${LXC[@]}" -d 2>>$P/lxc.log || { NOTE[lxc]="lxc-start failed: $(tail -n1 $P/lxc.log)"; return 1; }
        end=$((t0 + 120000000))
        while :; do
                s=$(lxc-attach "${LXC[@]}" -- systemctl is-system-running 2>/dev/null)
                up "$s" && break
                [ "$(lxc-info "${LXC[@]}" -s -H 2>/dev/null)" = RUNNING ] ||
                        { NOTE[lxc]="stopped while booting"; return 1; }
                [ "$(now)" -lt $end ] || { NOTE[lxc]="not up in 120 s ($s)"; break; }
                sleep 0.05
        done
        [ -n "${NOTE[lxc]:-}" ] || S[lxc]+="$(($(now) - t0))"$'\n'
        lxc-stop "${LXC[@]}" -k >/dev/null 2>&1
        [ -z "${NOTE[lxc]:-}" ]
}

ok_vz=1 ok_nspawn=1 ok_lxc=1
command -v systemd-nspawn >/dev/null || { ok_nspawn=0; NOTE[nspawn]="not installed"; }
command -v lxc-start >/dev/null || { ok_lxc=0; NOTE[lxc]="not installed"; }
for ((i = 0; i < RUNS; i++)); do
        [ $ok_vz = 1 ] && { boot_vz || ok_vz=0; }
        [ $ok_nspawn = 1 ] && { boot_nspawn || ok_nspawn=0; }
        [ $ok_lxc = 1 ] && { boot_lxc || ok_lxc=0; }
done
cell() { local v; v=$(printf %s "${S[$1]:-}" | median_ms); [ -n "${NOTE[$1]:-}" ] && v="n/a (${NOTE[$1]})"; echo "$v"; }

rev=$(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null)
report() {
        cat <<EOF
# Debian 12 / systemd boot: vz vs systemd-nspawn, LXC

Command (root, from the source tree, \`build/\`): \`bench/boot.sh $RUNS\`

$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), vz ${rev:-?}, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). Same rootfs (debian-12-x86_64-minimal cache) for all.

| median of $RUNS, ms, until systemd is up (running/degraded) | vz | systemd-nspawn | LXC |
|---|---|---|---|
| boot of the Debian 12 minimal CT | $(cell vz) | $(cell nspawn) | $(cell lxc) |

vz: \`vzctl start --wait\` (own user namespace, idmapped root); nspawn \`-b\` and
LXC run privileged. Peers are polled every 50 ms from the host with one exec
into the container each time (\`nsenter -a\` / \`lxc-attach\`), vz's --wait
every 100 ms from inside; both add up to one period to the figure.
EOF
}
if [ "$RESULT" = - ]; then report; else report | tee "$RESULT"; fi

# Sourced by the migration tests (and bench/migrate.sh): two simulated hosts
# on this machine, A and B, plus a client C outside both, joined by a test
# bridge. Not a test itself (tests/run skips *-lib.sh).
#
#   C (netns):  br0 10.75.0.3/24, fd75::3/64   <- the bridge lives here
#   A (netns + mount ns): eth0 10.75.0.1/24, fd75::1/64, sshd on 10.75.0.1
#   B (netns + mount ns): eth0 10.75.0.2/24, fd75::2/64, sshd on 10.75.0.2
#
# Each host has its own VZ_CONFDIR, storage root, LOCKDIR, DUMPDIR,
# VZ_RUNDIR under $T/h<X>, its own /run (tmpfs) and its own
# /root (so ~/.ssh: one key made here, authorized on both, host keys in
# known_hosts), and NEIGHBOUR_DEVS=eth0. Both share this machine's cgroup
# hierarchy but each has its own VZ_CGROUP name (vztest-PID-migA, -migB), as
# real hosts have their own hierarchies: a restore must put the CT into the
# restoring host's cgroups, not the ones it was dumped from. vzmigrate on A reaches B over ssh
# exactly as between real machines: `on A vzmigrate 10.75.0.2 CTID`.
# sshd sets VZ_CONFDIR and PATH (the build's tools) for its sessions.
#
# Everything goes at exit, pass or fail: CTs on both hosts (stopped, also
# frozen ones), the sshd processes started here (by PID), the namespaces
# (with them the bridge, the veths and each host's mounts).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || { echo "SKIP: no sshd (openssh-server)"; exit 77; }
command -v rsync >/dev/null || { echo "SKIP: no rsync"; exit 77; }

# A criu whose `criu check` passes (PATH, or scripts/get-criu's prefix),
# named in both hosts' vz.conf; live migration tests call need_criu.
find_criu
MIG_CRIU=$CRIU

MIG_TAG=vz75-$$
declare -A NS SSHD HOSTIP HOSTIP6
NS[A]=$MIG_TAG-a NS[B]=$MIG_TAG-b NS[C]=$MIG_TAG-c
HOSTIP[A]=10.75.0.1 HOSTIP[B]=10.75.0.2 HOSTIP[C]=10.75.0.3
HOSTIP6[A]=fd75::1 HOSTIP6[B]=fd75::2 HOSTIP6[C]=fd75::3
# CTs to clean up: "HOST:CTID" words.
MIG_CTS=""
# The client's session (mig_client), stopped at exit.
CONN=""

# on A|B cmd...: run cmd on that host (its network and mount namespaces,
# its VZ_CONFDIR), as a local admin there would.
on() {
        local h=$1; shift
        nsenter --net=/run/netns/"${NS[$h]}" --mount=/proc/"${SSHD[$h]}"/ns/mnt \
                env VZ_CONFDIR="$T/h$h/etc" "$@"
}
# client cmd...: run cmd on the client outside both hosts.
client() { ip netns exec "${NS[C]}" "$@"; }

# mig_client_stop: the client's session ends (if there is one).
mig_client_stop() {
        [ -n "$CONN" ] || return 0
        kill "$CONN" 2>/dev/null
        wait "$CONN" 2>/dev/null
        CONN=""
}

# _mig_stop_cts: the CTs of MIG_CTS stopped (also frozen ones) and
# unmounted on the hosts that are up.
_mig_stop_cts() {
        local w h id
        for w in $MIG_CTS; do
                h=${w%%:*} id=${w#*:}
                [ -n "${SSHD[$h]:-}" ] || continue
                on "$h" vzctl --skiplock chkpnt "$id" --kill >/dev/null 2>&1
                on "$h" vzctl --skiplock stop "$id" --fast >/dev/null 2>&1
                on "$h" vzctl --skiplock umount "$id" >/dev/null 2>&1
        done
}

_mig_cleanup() {
        local h
        mig_client_stop
        _mig_stop_cts
        for h in A B; do
                [ -n "${SSHD[$h]:-}" ] || continue
                kill "${SSHD[$h]}" 2>/dev/null
                wait "${SSHD[$h]}" 2>/dev/null
        done
        for h in A B C; do ip netns del "${NS[$h]}" 2>/dev/null; done
}
trap '_mrc=$?; _mig_cleanup; (exit $_mrc); _cleanup' EXIT

_mig_host_tree() {
        local h=$1 d=$T/h$1
        mkdir -p "$d/etc/conf" "$d/etc/names" "$d/vz/private" "$d/vz/root" "$d/vz/lock" \
                 "$d/vz/dump" "$d/run" "$d/root/.ssh"
        chmod 700 "$d/vz/private" "$d/root" "$d/root/.ssh"
        cp "$SRCDIR"/etc/conf/*.conf-sample "$d/etc/conf/"
        sed -e "s|^VE_ROOT=.*|VE_ROOT=$d/vz/root/\$VEID|" \
            -e "s|^VE_PRIVATE=.*|VE_PRIVATE=$d/vz/private/\$VEID|" \
            -e "s|^LOCKDIR=.*|LOCKDIR=$d/vz/lock|" \
            -e "s|^DUMPDIR=.*|DUMPDIR=$d/vz/dump|" \
            -e "s|^VZ_RUNDIR=.*|VZ_RUNDIR=$d/run|" \
            -e "s|^VZ_CGROUP=.*|VZ_CGROUP=vztest-$$-mig$h|" \
            -e "s|^LOGFILE=.*|LOGFILE=$d/vzctl.log|" \
            "$VZ_CONFDIR/vz.conf" > "$d/etc/vz.conf"
        echo 'NEIGHBOUR_DEVS="list:eth0"' >> "$d/etc/vz.conf"
        [ -z "$MIG_CRIU" ] || echo "CRIU=$MIG_CRIU" >> "$d/etc/vz.conf"
        cp "$T/id" "$d/root/.ssh/id_ed25519"
        cp "$T/id.pub" "$d/root/.ssh/id_ed25519.pub"
        cp "$T/id.pub" "$d/root/.ssh/authorized_keys"
        ssh-keygen -q -t ed25519 -N '' -C "host$h" -f "$d/ssh_host_ed25519_key" || fail "ssh-keygen"
        cat > "$d/sshd_config" <<EOF
ListenAddress ${HOSTIP[$h]}
HostKey $d/ssh_host_ed25519_key
PidFile none
AuthorizedKeysFile /root/.ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
MaxSessions 50
MaxStartups 50
LogLevel ERROR
SetEnv VZ_CONFDIR=$d/etc PATH=$VZ_BUILD/src/tools:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
}

# Network: the bridge in C, one veth per host (created inside the
# namespaces, so no name ever appears on the real host).
_mig_net() {
        local h
        for h in A B C; do ip netns add "${NS[$h]}" || fail "ip netns add"; done
        for h in A B C; do
                ip -n "${NS[$h]}" link set lo up
                ip netns exec "${NS[$h]}" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
                        net.ipv6.conf.default.accept_dad=0 >/dev/null 2>&1
        done
        ip -n "${NS[C]}" link add br0 type bridge || fail "cannot create the test bridge"
        ip -n "${NS[C]}" addr add ${HOSTIP[C]}/24 dev br0
        ip -n "${NS[C]}" addr add ${HOSTIP6[C]}/64 dev br0 nodad
        ip -n "${NS[C]}" link set br0 up
        for h in A B; do
                ip -n "${NS[$h]}" link add eth0 type veth peer name p$h netns "${NS[C]}" ||
                        fail "cannot create the link of host $h"
                ip -n "${NS[C]}" link set p$h master br0 up
                ip -n "${NS[$h]}" addr add ${HOSTIP[$h]}/24 dev eth0
                ip -n "${NS[$h]}" addr add ${HOSTIP6[$h]}/64 dev eth0 nodad
                ip -n "${NS[$h]}" link set eth0 up
                # A host prerequisite for routed IPv6 CTs, as on OpenVZ
                # (IPv6 forwarding is global; IPv4's is per device, set by vz).
                ip netns exec "${NS[$h]}" sysctl -qw net.ipv6.conf.all.forwarding=1 >/dev/null
        done
}

# _mig_sshd_start HOST SCRIPT [UNSHARE-OPTION...]: in the host's network
# namespace and a new mount namespace (and those the options add), sh runs
# SCRIPT, which sets up the mounts and execs sshd in the foreground: $! is
# sshd itself (nsenter, unshare and sh exec). Back when it answers.
_mig_sshd_start() {
        local h=$1 m=$2 i
        shift 2
        nsenter --net=/run/netns/"${NS[$h]}" unshare --mount "$@" --propagation slave \
                sh -c "$m" >"$T/h$h/sshd.log" 2>&1 &
        SSHD[$h]=$!
        for i in $(seq 100); do
                client bash -c "exec 3<>/dev/tcp/${HOSTIP[$h]}/22" 2>/dev/null && return 0
                kill -0 "${SSHD[$h]}" 2>/dev/null || break
                sleep 0.05
        done
        fail "sshd of host $h did not come up: $(cat "$T/h$h/sshd.log")"
}

# _mig_sshd HOST: sshd of the host, with its own /run (sshd wants
# /run/sshd) and /root.
_mig_sshd() {
        local d=$T/h$1
        _mig_sshd_start "$1" "mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd &&
                mount --bind '$d/root' /root && exec /usr/sbin/sshd -D -e -f '$d/sshd_config'"
}

mig_setup() {
        local h
        chmod 711 "$T" # the CT (its own user namespace) must reach its run files
        ssh-keygen -q -t ed25519 -N '' -C vz-migrate-test -f "$T/id" || fail "ssh-keygen"
        _mig_net
        for h in A B; do _mig_host_tree $h; done
        for h in A B; do
                printf '%s %s\n' "${HOSTIP[$h]}" "$(cut -d' ' -f1,2 "$T/h$h/ssh_host_ed25519_key.pub")"
        done > "$T/known_hosts"
        for h in A B; do cp "$T/known_hosts" "$T/h$h/root/.ssh/known_hosts"; done
        for h in A B; do _mig_sshd $h; done
        on A ssh -o BatchMode=yes root@${HOSTIP[B]} true || fail "ssh A -> B does not work"
        on B ssh -o BatchMode=yes root@${HOSTIP[A]} true || fail "ssh B -> A does not work"
}

# mig_ct HOST CTID: register a CT for cleanup on either host (it may move).
mig_ct() { MIG_CTS="$MIG_CTS A:$2 B:$2"; }

# Where things are on each host.
conf_of() { echo "$T/h$1/etc/conf/$2.conf"; }
private_of() { echo "$T/h$1/vz/private/$2"; }

# expect_rc_on CODE HOST cmd...
expect_rc_on() { local c=$1 h=$2; shift 2; expect_rc "$c" on "$h" "$@"; }

# status_on HOST CTID: vzctl status line.
status_on() { on "$1" vzctl status "$2" 2>&1; }

# svc_answers IP: the CT's echo service on IP:7000 answers the client.
svc_answers() { client bash -c "exec 3<>/dev/tcp/$1/7000; echo hi >&3; read -t 5 l <&3; [ \"\$l\" = hi ]" 2>/dev/null; }
# mig_client IP INTERVAL: from the client, a TCP session with the CT's echo
# service on IP:7000: a line every INTERVAL seconds, each must come back.
# The round trips so far in $T/conn.n, the time of each in $T/conn.t, what
# went wrong in $T/conn.err. CONN is the client itself (ended at exit).
mig_client() {
        ip netns exec "${NS[C]}" bash -c "for t in \$(seq 50); do exec 3<>/dev/tcp/$1/7000 && break; sleep 0.1; done 2>/dev/null
                i=0
                while :; do i=\$((i+1)); echo \"ping \$i\" >&3
                        read -t 30 line <&3 || { echo \"LOST at \$i\" > $T/conn.err; exit 1; }
                        [ \"\$line\" = \"ping \$i\" ] || { echo \"BAD \$line at \$i\" > $T/conn.err; exit 1; }
                        echo \$i > $T/conn.n; date +%s.%N >> $T/conn.t; sleep $2; done" &
        CONN=$!
}
# conn_past N: the client's session has made more than N round trips.
conn_past() { local n; n=$(cat "$T/conn.n" 2>/dev/null); [ "${n:-0}" -gt "$1" ]; }

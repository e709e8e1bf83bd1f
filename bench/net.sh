#!/bin/bash
# Network benchmark:
#  1. TCP throughput host -> CT with iperf3 (one stream,
#     -t SECS), in one run against:
#       loopback:   iperf3 server on the host, client to 127.0.0.1 (ceiling)
#       vz routed:  server in the CT's network namespace, client to its
#                   --ipadd address (veth pair, host route)
#       vz bridged: server in the CT, client to the CT's eth0 address on a
#                   test bridge (--netif_add eth0,,,,BRIDGE)
#       LXC veth:   server in an LXC container (lxc.net.0.type = veth on the
#                   same bridge, lxc.net.0.ipv4.address), same client
#     The CTs' iperf3 server is the host's binary run in the CT's network
#     namespace (nsenter -n): the busybox rootfs has no iperf3, and only
#     the network path is measured.
#  2. vzctl start time of a busybox CT without network vs with one routed
#     IP (median of RUNS, stop --fast in between, not timed).
# Addresses: 10.205.59.0/25 on the test bridge, 10.205.59.200 routed; the
# /24 is guarded by an unreachable route, so nothing leaves the host.
#
# Usage (root): bench/net.sh [RUNS] [SECS]     (defaults 11, 5)
# Needs: iperf3, lxc (apt-get install -y iperf3 lxc). Prints Markdown;
# bench/results/net.md holds the recorded run.
RUNS=${1:-11}
SECS=${2:-5}
. "$(dirname "$0")/../tests/integ/lib.sh"
for c in iperf3 lxc-start nsenter; do
        command -v $c >/dev/null || { echo "SKIP: $c missing (apt-get install -y iperf3 lxc)"; exit 77; }
done
need_cache busybox

R4=591 BR4=592 NO=593 LXNAME=vzb59
BR=vzb59br P=10.205.59
LXCP=$T/lxc
net_cleanup() {
        lxc-stop -P "$LXCP" -n $LXNAME -k >/dev/null 2>&1
        ip link del $BR 2>/dev/null
        [ -n "${SRV:-}" ] && kill $SRV 2>/dev/null
}
at_exit net_cleanup
STARTED="$R4 $BR4 $NO"
guard_route $P.0/24
ip link add $BR type bridge && ip addr add $P.126/25 dev $BR && ip link set $BR up || fail "bridge"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
us() { REPLY=${EPOCHREALTIME/./}; }

# ---- throughput --------------------------------------------------------
# iperf_to NS_PID ADDR: server in the network namespace of NS_PID (0: host)
# for one client run; prints Gbit/s received.
iperf_to() {
        local pid=$1 addr=$2 out
        if [ "$pid" = 0 ]; then timeout $((SECS + 15)) iperf3 -s -1 -B "$addr" >/dev/null 2>&1 & SRV=$!
        else timeout $((SECS + 15)) nsenter -t "$pid" -n iperf3 -s -1 -B "$addr" >/dev/null 2>&1 & SRV=$!; fi
        for _ in $(seq 50); do
                out=$(iperf3 -c "$addr" -t "$SECS" -J 2>/dev/null) && break
                sleep 0.1
        done
        wait $SRV 2>/dev/null; SRV=
        echo "$out" | awk -F'[:,]' '/"sum_received"/ {f=1} f && /"bits_per_second"/ {printf "%.2f\n", $2 / 1e9; exit}'
}

vzctl --quiet create $R4 --ostemplate busybox --ipadd $P.200 >/dev/null || fail "create"
vzctl --quiet create $BR4 --ostemplate busybox --netif_add eth0,,,,$BR >/dev/null || fail "create"
vzctl --quiet start $R4 >/dev/null || fail "start"
vzctl --quiet start $BR4 >/dev/null || fail "start"
vzctl exec $BR4 "ip addr add $P.2/25 dev eth0" || fail "address in bridged CT"
mkdir -p "$LXCP/$LXNAME/rootfs"
zstd -dc "$(readlink -f "$T"/vz/template/cache/busybox.tar*)" |
        tar --warning=no-unknown-keyword --numeric-owner -xpf - -C "$LXCP/$LXNAME/rootfs" || fail "rootfs"
cat > "$LXCP/$LXNAME/config" <<CONF
lxc.uts.name = $LXNAME
lxc.rootfs.path = dir:$LXCP/$LXNAME/rootfs
lxc.net.0.type = veth
lxc.net.0.link = $BR
lxc.net.0.flags = up
lxc.net.0.ipv4.address = $P.3/25
lxc.mount.auto = proc:mixed sys:ro
lxc.init.cmd = /sbin/init
lxc.tty.max = 0
lxc.log.level = ERROR
lxc.log.file = $T/lxc.log
CONF
lxc-start -P "$LXCP" -n $LXNAME -d || fail "lxc-start ($(cat $T/lxc.log))"
lxpid=$(lxc-info -P "$LXCP" -n $LXNAME -p -H)
r4pid=$(cat $T/run/$R4.init) brpid=$(cat $T/run/$BR4.init)

declare -A G
for _ in 1 2 3; do     # interleaved, 3 rounds; the median is reported
        G[lo]+="$(iperf_to 0 127.0.0.1) "
        G[routed]+="$(iperf_to $r4pid $P.200) "
        G[bridged]+="$(iperf_to $brpid $P.2) "
        G[lxc]+="$(iperf_to $lxpid $P.3) "
done
gb() { tr ' ' '\n' <<<"${G[$1]}" | grep . | median; }
echo "### TCP throughput host -> CT (iperf3, 1 stream, ${SECS} s, median of 3, Gbit/s)"
echo
echo "| path | Gbit/s | runs |"
echo "|---|---|---|"
echo "| host loopback | $(gb lo) | ${G[lo]}|"
echo "| vz routed (venet0, veth + host route) | $(gb routed) | ${G[routed]}|"
echo "| vz bridged (veth on a bridge) | $(gb bridged) | ${G[bridged]}|"
echo "| LXC veth on the same bridge | $(gb lxc) | ${G[lxc]}|"
echo
lxc-stop -P "$LXCP" -n $LXNAME -k >/dev/null 2>&1
vzctl --quiet stop $R4 --fast >/dev/null; vzctl --quiet stop $BR4 --fast >/dev/null

# ---- start time ------------------------------------------------------------
vzctl --quiet create $NO --ostemplate busybox >/dev/null || fail "create"
declare -A S
for _ in $(seq $RUNS); do
        for ct in $NO $R4; do
                us; t0=$REPLY
                vzctl --quiet start $ct >/dev/null || fail "start $ct"
                us; S[$ct]+="$((REPLY - t0)) "
                vzctl --quiet stop $ct --fast >/dev/null || fail "stop $ct"
        done
done
ms() { tr ' ' '\n' <<<"${S[$1]}" | grep . | median | awk '{printf "%.1f", $1 / 1000}'; }
echo "### vzctl start (busybox CT), median of $RUNS"
echo
echo "| CT | start ms |"
echo "|---|---|"
echo "| no network | $(ms $NO) |"
echo "| one routed IP (--ipadd) | $(ms $R4) |"

#!/bin/bash
# Bridged networking (OpenVZ veth): --netif_add/--netif_del, host <-> CT
# ping and TCP through a bridge the test creates, stable locally
# administered MACs, live add/remove, and no device left after stop, kill -9
# of init and destroy. Addresses: 10.200.72.0/24 on the test bridge only.
. "$(dirname "$0")/lib.sh"
need_cache busybox

C=7201 BR=vzt-br$$
STARTED="$C"
HOST4=10.200.72.254 CT4=10.200.72.1

net_cleanup() {
        ip link del "$BR" 2>/dev/null
        ip link del veth$C.0 2>/dev/null
        ip link del veth$C.1 2>/dev/null
        ip link del venet$C 2>/dev/null
}
at_exit net_cleanup

nothing_left() {
        ! ip -o link | grep -q "venet$C[@:]" || fail "venet$C left"
        ! ip route | grep -q "10.200.73.1" || fail "route to 10.200.73.1 left"
        ! ip -o link | grep -q "veth$C\." || fail "veth of CT $C left: $(ip -o link | grep veth$C)"
        ! bridge link show | grep -q "veth$C\." || fail "bridge port of CT $C left"
        ! nft list table inet vz_$C >/dev/null 2>&1 || fail "nf_tables table vz_$C left"
        [ ! -e $T/run/$C.net ] || fail "state file of $C left"
}

ip link add "$BR" type bridge || fail "cannot create bridge"
ip addr add $HOST4/24 dev "$BR"
ip link set "$BR" up

expect_rc 0 vzctl create $C --ostemplate busybox
expect_rc 0 vzctl set $C --netif_add eth0,,,,$BR --save
expect_rc 0 vzctl start $C
ip -o link show veth$C.0 | grep -q "master $BR" || fail "veth$C.0 not on $BR: $(ip -o link show veth$C.0)"
expect_rc 0 vzctl exec $C 'cat /sys/class/net/eth0/address'
mac=$LAST_OUT
# Locally administered (bit 1 of the first octet), unicast (bit 0 clear).
[ $(( 0x${mac%%:*} & 3 )) = 2 ] || fail "MAC $mac not locally administered unicast"
expect_rc 0 vzctl exec $C "ip addr add $CT4/24 dev eth0"
busybox ping -c1 -W2 $CT4 >/dev/null || fail "host cannot ping $CT4"
expect_rc 0 vzctl exec $C "ping -c1 -W2 $HOST4"
expect_rc 0 vzctl exec $C 'mkdir -p /www && echo hello-bridged > /www/index.html && httpd -p 8080 -h /www'
wait_until 5 bash -c "exec 3<>/dev/tcp/$CT4/8080" || fail "httpd in CT not reachable"
out=$(exec 3<>/dev/tcp/$CT4/8080; printf 'GET / HTTP/1.0\r\n\r\n' >&3; cat <&3)
echo "$out" | grep -q hello-bridged || fail "TCP host -> CT: $out"
out=$(vzlist -H -o netif,host_ifname,mac,host_mac $C) || fail "vzlist failed"
set -- $out
[ "$1 $2 $3" = "eth0 veth$C.0 $mac" ] || fail "vzlist netif/host_ifname/mac: $out (CT has $mac)"
[ "$4" = "$(cat /sys/class/net/veth$C.0/address)" ] || fail "vzlist host_mac: $out"
vzlist -j -o ctid,netif,mac $C | grep -q "\"$mac\"" || fail "vzlist -j mac: $(vzlist -j -o ctid,netif,mac $C)"
ok "bridged ping and TCP host <-> CT"

# Live add / remove of a second interface.
expect_rc 0 vzctl set $C --netif_add eth1,,,,$BR --save
ip -o link show veth$C.1 | grep -q "master $BR" || fail "live veth$C.1 not on $BR"
expect_rc 0 vzctl exec $C 'ip -o link show eth1'
expect_rc 0 vzctl set $C --netif_del eth1 --save
ip -o link | grep -q "veth$C\.1" && fail "veth$C.1 left after --netif_del"
expect_rc 8 vzctl exec $C 'ip -o link show eth1'
ok "live --netif_add / --netif_del"
# A first routed address given live (not saved) to a CT that had none: the
# venet pair appears at once, and goes with the CT although never saved.
expect_rc 0 vzctl set $C --ipadd 10.200.73.1
busybox ping -c1 -W2 10.200.73.1 >/dev/null || fail "live first --ipadd not reachable"
ok "live first routed address next to a bridged interface"

# Same MAC after a restart; nothing left after stop, kill -9, destroy.
expect_rc 0 vzctl stop $C
nothing_left
expect_rc 0 vzctl start $C
expect_rc 0 vzctl exec $C 'cat /sys/class/net/eth0/address'
[ "$LAST_OUT" = "$mac" ] || fail "MAC changed over restart: $mac -> $LAST_OUT"
kill -9 "$(cat $T/run/$C.init)"
wait_until 10 bash -c "! ip -o link | grep -q 'veth$C\.'" || fail "veth left after kill -9 of init"
wait_until 10 test ! -e $T/run/$C.net || fail "state left after kill -9"
expect_rc 0 vzctl start $C
expect_rc 0 vzctl stop $C --fast
nothing_left
ok "stable MAC; nothing left after stop, kill -9"

# A bridge that is not there: start fails with OpenVZ's VZ_VETH_ERROR (130),
# the message says which step of the start failed and why (the chain of
# the layers, issue 15), and nothing is left.
expect_rc 0 vzctl set $C --netif_del eth0 --netif_add eth0,,,,vzt-nobr$$ --save
expect_rc 130 vzctl start $C
echo "$LAST_OUT" | grep -q "cannot start: cannot set up the network: no bridge vzt-nobr$$" ||
        fail "start on a missing bridge: $LAST_OUT"
vzctl status $C | grep -q " running" && fail "CT runs after a failed start"
nothing_left
expect_rc 0 vzctl destroy $C
nothing_left
ok "missing bridge: start fails, says where and why, leaves nothing; destroy leaves nothing"

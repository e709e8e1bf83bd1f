#!/bin/bash
# Routed networking (OpenVZ venet): --ipadd/--ipdel, host <-> CT and
# CT <-> CT ping and TCP (IPv4 and IPv6), live changes, anti-spoofing,
# duplicate addresses (exit 78), proxy ARP entries on NEIGHBOUR_DEVS, and
# nothing left on the host after stop, kill -9 of init and destroy.
# Addresses: 10.200.x.y and 2001:db8:200::/48 only; the CTs get no route to
# anything but the host and each other.
. "$(dirname "$0")/lib.sh"
need_cache busybox

A=7101 B=7102 DUMMY=vzt-nd$$
STARTED="$A $B"
A4=10.200.71.1 B4=10.200.71.2 A4b=10.200.71.3 A6=2001:db8:200::71:1 B6=2001:db8:200::71:2

net_cleanup() {
        ip link del "$DUMMY" 2>/dev/null
        for id in $A $B; do ip link del venet$id 2>/dev/null; done
}
at_exit net_cleanup

ip link add "$DUMMY" type bridge || fail "cannot create a bridge for NEIGHBOUR_DEVS"
ip link set "$DUMMY" up
echo "NEIGHBOUR_DEVS=\"list:$DUMMY\"" >> "$VZ_CONFDIR/vz.conf"

nothing_left() { # ctid addresses...: no device, route or proxy entry left
        local id=$1 a; shift
        ! ip -o link | grep -q "venet$id[@:]" || fail "venet$id left: $(ip -o link | grep venet$id)"
        ! nft list table inet vz_$id >/dev/null 2>&1 || fail "nf_tables table vz_$id left"
        for a in "$@"; do
                ! ip route show table all | grep -qw "$a" || fail "route to $a left"
                ! ip -6 route show table all | grep -qw "$a" || fail "route to $a left"
                ! ip neigh show proxy | grep -qw "$a" || fail "proxy entry $a left"
                ! ip -6 neigh show proxy | grep -qw "$a" || fail "proxy entry $a left"
        done
        [ ! -e $T/run/$id.net ] || fail "state file of $id left"
}

expect_rc 0 vzctl create $A --ostemplate busybox --ipadd $A4 --ipadd $A6
expect_rc 0 vzctl create $B --ostemplate busybox
# Duplicate: refused with 78 on a stopped CT when the lead wires
# vz_net_check_ips into set; always refused on a running one (below).
expect_rc 0 vzctl set $B --ipadd $B4 --save
expect_rc 0 vzctl start $A
expect_rc 0 vzctl start $B

# The CT sees its addresses on venet0 and a default route through it.
expect_rc 0 vzctl exec $A 'ip -o addr show dev venet0; ip route; ip -6 route'
echo "$LAST_OUT" | grep -q "inet $A4/32" || fail "no $A4 in CT: $LAST_OUT"
echo "$LAST_OUT" | grep -q "inet6 $A6/128" || fail "no $A6 in CT: $LAST_OUT"
echo "$LAST_OUT" | grep -q "default dev venet0" || fail "no default route: $LAST_OUT"
ip route | grep -q "^$A4 dev venet$A" || fail "no host route to $A4"
ip neigh show proxy | grep -q "$A4 dev $DUMMY" || fail "no proxy ARP entry: $(ip neigh show proxy)"
ip -6 neigh show proxy | grep -q "$A6 dev $DUMMY" || fail "no proxy NDP entry"
[ "$(cat /proc/sys/net/ipv4/conf/venet$A/rp_filter)" = 1 ] || fail "rp_filter not strict"
ok "addresses, routes, proxy entries"

# host -> CT and CT -> host (the host answers from its own address).
busybox ping -c1 -W2 $A4 >/dev/null || fail "host cannot ping $A4"
busybox ping6 -c1 -W2 $A6 >/dev/null || fail "host cannot ping $A6"
host4=$(ip -o route get $A4 | sed -n 's/.* src \([^ ]*\).*/\1/p')
expect_rc 0 vzctl exec $A "ping -c1 -W2 $host4"
# CT <-> CT
expect_rc 0 vzctl exec $A "ping -c1 -W2 $B4"
expect_rc 0 vzctl exec $B "ping -c1 -W2 $A4"
ok "ping host <-> CT, CT <-> CT"

# TCP: an httpd in A, fetched from the host and from B.
expect_rc 0 vzctl exec $A 'mkdir -p /www && echo hello-from-A > /www/index.html && httpd -p 8080 -h /www'
wait_until 5 bash -c "exec 3<>/dev/tcp/$A4/8080" || fail "httpd in CT not reachable from host"
out=$(exec 3<>/dev/tcp/$A4/8080; printf 'GET / HTTP/1.0\r\n\r\n' >&3; cat <&3)
echo "$out" | grep -q hello-from-A || fail "TCP host -> CT: $out"
expect_rc 0 vzctl exec $B "wget -q -O - http://$A4:8080/"
[ "$LAST_OUT" = hello-from-A ] || fail "TCP CT -> CT: $LAST_OUT"
out=$(exec 3<>"/dev/tcp/$A6/8080"; printf 'GET / HTTP/1.0\r\n\r\n' >&3; cat <&3)
echo "$out" | grep -q hello-from-A || fail "TCP host -> CT over IPv6: $out"
ok "TCP host -> CT (v4, v6), CT -> CT"

# Anti-spoofing: B may not send with A's address. B (root in its own
# namespace) puts A's address on its venet0 and pings the host and A from
# it: the host end drops the packets (rp_filter), which the kernel counts.
# The nf_tables rule of B's host end drops them first (rp_filter, behind
# it, counts only what would get past): count both.
rpf() { awk '/^TcpExt:/ { if (!h) { split($0, k); h = 1 } else { split($0, v);
        for (i in k) if (k[i] == "IPReversePathFilter") print v[i] } }' /proc/net/netstat |
        { read -r n; echo $(( n + $(nft list table inet vz_$B | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p') )); }; }
expect_rc 0 vzctl exec $B "ip addr add $A4/32 dev venet0; ip addr add $A4b/32 dev venet0"
before=$(rpf)
expect_rc 8 vzctl exec $B "ping -c1 -W1 -I $A4 $host4"
expect_rc 8 vzctl exec $B "ping -c1 -W1 -I $A4b $host4"
[ "$(rpf)" -ge $((before + 2)) ] || fail "spoofed packets not dropped ($before -> $(rpf))"
expect_rc 0 vzctl exec $B "ip addr del $A4/32 dev venet0; ip addr del $A4b/32 dev venet0"
expect_rc 0 vzctl exec $B "ping -c1 -W1 $A4"
ok "spoofed source dropped at the host end"

# Live: --ipadd / --ipdel on the running CT take effect at once.
expect_rc 0 vzctl set $A --ipadd $A4b --save
busybox ping -c1 -W2 $A4b >/dev/null || fail "live --ipadd v4 not reachable"
expect_rc 0 vzctl set $B --ipadd $B6
busybox ping6 -c1 -W2 $B6 >/dev/null || fail "live --ipadd v6 (not saved) not reachable"
expect_rc 0 vzctl set $A --ipdel $A6 --save
ip -6 route | grep -q "$A6" && fail "route to $A6 left after --ipdel"
busybox ping6 -c1 -W1 $A6 >/dev/null 2>&1 && fail "$A6 still answers after --ipdel"
expect_rc 0 vzctl exec $A 'ip -o addr show dev venet0'
echo "$LAST_OUT" | grep -q "$A6" && fail "$A6 still in the CT"
ok "live --ipadd/--ipdel, IPv4 and IPv6"

# Duplicate address on a running CT: 78, nothing changed.
expect_rc 78 vzctl set $B --ipadd $A4 --save
busybox ping -c1 -W2 $A4 >/dev/null || fail "$A4 broken by the refused duplicate"
grep -q "$A4" $VZ_CONFDIR/conf/$B.conf && fail "duplicate saved"
ok "duplicate address refused with 78"
# A config edited by hand to hold a running CT's address: start refuses
# with 78 and leaves nothing behind; the owner keeps working.
expect_rc 0 vzctl stop $B
cp $VZ_CONFDIR/conf/$B.conf $T/b.conf
sed -i "s|^IP_ADDRESS=.*|IP_ADDRESS=\"$B4 $A4\"|" $VZ_CONFDIR/conf/$B.conf
expect_rc 78 vzctl start $B
busybox ping -c1 -W2 $A4 >/dev/null || fail "$A4 broken by the refused start"
nothing_left $B $B4
cp $T/b.conf $VZ_CONFDIR/conf/$B.conf
expect_rc 0 vzctl start $B

# Cleanup: stop, kill -9 of init, destroy.
expect_rc 0 vzctl stop $A
nothing_left $A $A4 $A4b $A6
expect_rc 0 vzctl start $A
busybox ping -c1 -W2 $A4 >/dev/null || fail "$A4 not reachable after restart"
kill -9 "$(cat $T/run/$A.init)"
wait_until 10 bash -c "! ip -o link | grep -q 'venet$A[@:]'" || fail "venet$A left after kill -9 of init"
wait_until 10 test ! -e $T/run/$A.net || fail "state of $A left after kill -9"
nothing_left $A $A4 $A4b $A6
expect_rc 0 vzctl stop $B
nothing_left $B $B4 $B6 $A4b
expect_rc 0 vzctl start $B
expect_rc 0 vzctl stop $B --fast
expect_rc 0 vzctl destroy $B
nothing_left $B $B4 $B6
ok "nothing left after stop, kill -9, destroy"

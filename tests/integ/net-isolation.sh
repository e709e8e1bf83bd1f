#!/bin/bash
# Routed CTs cannot see or forge each other's traffic:
#  - the host end of each CT has an nf_tables table (inet vz_<CTID>) that
#    drops packets whose source the host does not route back to that CT,
#    IPv4 and IPv6 (rp_filter covers IPv4 only);
#  - an AF_PACKET capture in CT A (promiscuous, all interfaces, like
#    tcpdump -i any) sees A's own traffic but none of B's while B talks to
#    the host;
#  - A sending with B's addresses (v4 and v6): the packets never reach the
#    host or B; the counter of A's table shows them dropped;
#  - the table goes with the CT: stop, kill -9 of init, destroy.
# Addresses: 10.205.51.0/24 and 2001:db8:205:51::/64, guarded by
# unreachable routes on the host for the test's life, so nothing can leave.
. "$(dirname "$0")/lib.sh"
need_cache busybox

A=511 B=512
STARTED="$A $B"
P4=10.205.51 P6=2001:db8:205:51
A4=$P4.1 B4=$P4.2 S4=$P4.9 A6=$P6::1 B6=$P6::2 S6=$P6::9 H6=$P6::fe HDEV=vz511h

net_cleanup() {
        ip link del $HDEV 2>/dev/null
        for id in $A $B; do ip link del venet$id 2>/dev/null; nft delete table inet vz_$id 2>/dev/null; done
}
at_exit net_cleanup
guard_route $P4.0/24 $P6::/64
# An IPv6 address of the host for the CTs to talk to.
ip link add $HDEV type bridge && ip link set $HDEV up && ip -6 addr add $H6/128 dev $HDEV nodad ||
        fail "cannot make $HDEV"

dropped() { # ctid: packets counted by the anti-spoofing rule
        nft list table inet vz_$1 | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}
nothing_left() { # ctid addresses...
        local id=$1 a; shift
        ! ip -o link | grep -q "venet$id[@:]" || fail "venet$id left"
        ! nft list table inet vz_$id >/dev/null 2>&1 || fail "nf_tables table vz_$id left"
        for a in "$@"; do
                ! ip route show table all | grep -qw "$a" || fail "route to $a left"
                ! ip -6 route show table all | grep -qw "$a" || fail "route to $a left"
        done
}

cc -static -O2 -o $T/pktcount "$SRCDIR/tests/integ/tools/pktcount.c" || fail "cannot build pktcount"

expect_rc 0 vzctl create $A --ostemplate busybox --ipadd $A4 --ipadd $A6
expect_rc 0 vzctl create $B --ostemplate busybox --ipadd $B4 --ipadd $B6
expect_rc 0 vzctl start $A
expect_rc 0 vzctl start $B
cp $T/pktcount $T/vz/root/$A/bin/pktcount

# The rule as an admin sees it.
out=$(nft list table inet vz_$A) || fail "no nf_tables table for CT $A"
echo "$out" | grep -q 'hook prerouting' || fail "no prerouting chain: $out"
echo "$out" | grep -q "iifname \"venet$A\" fib saddr . iif oif 0 counter packets 0 bytes 0 drop" ||
        fail "unexpected rule: $out"
host4=$(ip -o route get $A4 | sed -n 's/.* src \([^ ]*\).*/\1/p')
ok "anti-spoofing table inet vz_$A on the host"

# Legitimate traffic passes, and nothing is counted as spoofed.
busybox ping -c1 -W2 $A4 >/dev/null || fail "host cannot ping $A4"
busybox ping6 -c1 -W2 $A6 >/dev/null || fail "host cannot ping $A6"
expect_rc 0 vzctl exec $A "ping -c1 -W2 $B4"
expect_rc 0 vzctl exec $A "ping6 -c1 -W2 $B6"
expect_rc 0 vzctl exec $B "mkdir -p /www && echo hello-from-B > /www/index.html && httpd -p 8080 -h /www"
[ "$(dropped $A)" = 0 ] || fail "legitimate packets of $A dropped: $(dropped $A)"
ok "own addresses pass, v4 and v6"

# Capture in A while the host talks to B (ping v4/v6, TCP) and to A.
vzctl exec $A "pktcount 4 $A4 $A6 $B4 $B6" > $T/cap.out 2>&1 &
cap=$!
wait_until 5 grep -q capturing $T/cap.out || fail "capture did not start: $(cat $T/cap.out)"
for _ in 1 2 3; do
        busybox ping -c1 -W1 $B4 >/dev/null || fail "host cannot ping $B4"
        busybox ping6 -c1 -W1 $B6 >/dev/null || fail "host cannot ping $B6"
        out=$(exec 3<>/dev/tcp/$B4/8080; printf 'GET / HTTP/1.0\r\n\r\n' >&3; cat <&3)
        echo "$out" | grep -q hello-from-B || fail "TCP host -> B: $out"
        busybox ping -c1 -W1 $A4 >/dev/null || fail "host cannot ping $A4"
        busybox ping6 -c1 -W1 $A6 >/dev/null || fail "host cannot ping $A6"
done
wait $cap || fail "capture in A failed: $(cat $T/cap.out)"
cat $T/cap.out
grep -q "^$A4 [1-9]" $T/cap.out || fail "capture in A saw not even A's own IPv4 traffic"
grep -q "^$A6 [1-9]" $T/cap.out || fail "capture in A saw not even A's own IPv6 traffic"
grep -q "^$B4 0$" $T/cap.out || fail "A captured B's IPv4 packets: $(cat $T/cap.out)"
grep -q "^$B6 0$" $T/cap.out || fail "A captured B's IPv6 packets: $(cat $T/cap.out)"
ok "a capture in A sees its own packets and none of B's"

# A forges sources, while B captures. Phase 1: addresses nobody has, sent
# to B; phase 2: B's own addresses, sent to the host (whose answers would go
# to B). B must see none of it, and the host end of A counts the drops.
cp $T/pktcount $T/vz/root/$B/bin/pktcount
forge() { # addresses to put on A's venet0
        local a
        for a in "$@"; do
                case $a in *:*) vzctl exec $A "ip -6 addr add $a/128 dev venet0" ;;
                *) vzctl exec $A "ip addr add $a/32 dev venet0" ;; esac >/dev/null || fail "cannot add $a in A"
        done
        # IPv6 addresses are usable once duplicate detection is over.
        wait_until 5 bash -c "! vzctl exec $A 'ip -6 addr show dev venet0' | grep -q tentative" ||
                fail "IPv6 addresses in A stay tentative"
}
unforge() {
        local a
        for a in "$@"; do
                case $a in *:*) vzctl exec $A "ip -6 addr del $a/128 dev venet0" ;;
                *) vzctl exec $A "ip addr del $a/32 dev venet0" ;; esac >/dev/null || fail "cannot remove $a in A"
        done
}
capture_b() {
        vzctl exec $B "pktcount 3 $A4 $A6 $B4 $B6 $S4 $S6" > $T/capb.out 2>&1 &
        cap=$!
        wait_until 5 grep -q capturing $T/capb.out || fail "capture in B did not start"
}
before=$(dropped $A)
forge $S4 $S6
capture_b
expect_rc 8 vzctl exec $A "ping -c1 -W1 -I $S4 $B4"
expect_rc 8 vzctl exec $A "ping6 -c1 -W1 -I $S6 $B6"
wait $cap || fail "capture in B failed"
cat $T/capb.out
for a in $S4 $S6 $A4 $A6; do
        grep -q "^$a 0$" $T/capb.out || fail "B saw packets of $a: $(cat $T/capb.out)"
done
unforge $S4 $S6
mid=$(dropped $A)
[ "$mid" -ge $((before + 2)) ] || fail "forged packets not counted as dropped ($before -> $mid)"
ok "sources nobody has (v4, v6): dropped at the host end ($before -> $mid), B saw none"

forge $B4 $B6
capture_b
expect_rc 8 vzctl exec $A "ping -c1 -W1 -I $B4 $host4"
expect_rc 8 vzctl exec $A "ping6 -c1 -W1 -I $B6 $H6"
wait $cap || fail "capture in B failed"
cat $T/capb.out
for a in $B4 $B6; do
        grep -q "^$a 0$" $T/capb.out || fail "the host answered packets forged with $a: $(cat $T/capb.out)"
done
unforge $B4 $B6
after=$(dropped $A)
[ "$after" -ge $((mid + 2)) ] || fail "packets with B's addresses not counted as dropped ($mid -> $after)"
ok "B's addresses used by A (v4, v6): dropped at the host end ($mid -> $after)"
expect_rc 0 vzctl exec $A "ping -c1 -W2 $B4"
expect_rc 0 vzctl exec $A "ping6 -c1 -W2 $B6"

# A live --ipadd is allowed by the same rule without any change to it.
expect_rc 0 vzctl set $A --ipadd $S4 --ipadd $S6
busybox ping -c1 -W2 $S4 >/dev/null || fail "live $S4 not reachable"
# Listings show what the CT has now (the live, unsaved addresses too).
out=$(vzlist -H -o ip $A) || fail "vzlist failed"
for a in $A4 $A6 $S4 $S6; do echo "$out" | grep -qw -- "$a" || fail "vzlist ip lacks $a: $out"; done
vzlist -j $A | grep -q "\"$S6\"" || fail "vzlist -j lacks $S6: $(vzlist -j $A)"
vzctl status $A | grep -q running || fail "vzctl status: $(vzctl status $A)"
n=$(dropped $A)
expect_rc 0 vzctl exec $A "ping -c1 -W2 -I $S4 $host4"
expect_rc 0 vzctl exec $A "ping6 -c1 -W2 -I $S6 $B6"
[ "$(dropped $A)" = "$n" ] || fail "a live-added address is treated as forged"
expect_rc 0 vzctl set $A --ipdel $S4
vzlist -H -o ip $A | grep -qw "$S4" && fail "vzlist still shows $S4 after --ipdel"
expect_rc 8 vzctl exec $A "ip addr add $S4/32 dev venet0; ping -c1 -W1 -I $S4 $host4"
[ "$(dropped $A)" -gt "$n" ] || fail "an address removed with --ipdel is still accepted"
ok "the rule follows --ipadd / --ipdel"

# Gone with the CT: stop, kill -9 of init, destroy.
expect_rc 0 vzctl stop $A
nothing_left $A $A4 $A6 $S6
expect_rc 0 vzctl start $A
nft list table inet vz_$A >/dev/null || fail "no table after restart"
kill -9 "$(cat $T/run/$A.init)"
wait_until 10 bash -c "! nft list table inet vz_$A >/dev/null 2>&1" || fail "table vz_$A left after kill -9 of init"
wait_until 10 test ! -e $T/run/$A.net || fail "state of $A left after kill -9"
nothing_left $A $A4 $A6
expect_rc 0 vzctl stop $B
expect_rc 0 vzctl destroy $B
nothing_left $B $B4 $B6
ok "nothing left after stop, kill -9, destroy"

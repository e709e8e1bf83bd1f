#!/bin/bash
# A Debian 12 CT with systemd and a routed address, as a user runs it:
#  - it boots with networking configured: systemd "running", networking.service
#    active, the address and default routes on venet0; ifupdown does not own
#    venet0 and vz wrote a .network file that makes systemd-networkd leave
#    it alone, so the setup survives
#    "systemctl restart networking" and a running systemd-networkd;
#  - an HTTP service inside (a systemd socket unit, started by the CT's own
#    systemd) answers on the CT's address, IPv4 and IPv6;
#  - a firewall set inside the CT with its own iptables/ip6tables (nf_tables
#    in its network namespace) blocks that port of A and nothing of CT B,
#    whose server on the same port still answers; the host's ruleset is
#    untouched; NETFILTER=disabled takes netfilter away from the CT.
# Addresses: 10.205.53.0/24 and 2001:db8:205:53::/64, guarded by unreachable
# routes on the host while the test runs.
. "$(dirname "$0")/lib.sh"
need_cache debian-12-x86_64-minimal
need_cache busybox

A=531 B=532
STARTED="$A $B"
P4=10.205.53 P6=2001:db8:205:53
A4=$P4.1 B4=$P4.2 A6=$P6::1 B6=$P6::2
guard_route $P4.0/24 $P6::/64

http_get() { # addr: body of GET / on port 80 (bash /dev/tcp, 3 s at most)
        timeout 3 bash -c "exec 3<>/dev/tcp/$1/80; printf 'GET / HTTP/1.0\r\n\r\n' >&3; cat <&3" 2>/dev/null
}
answers() { http_get "$1" | grep -q "$2"; }

expect_rc 0 vzctl create $A --ostemplate debian-12-x86_64-minimal --ipadd $A4 --ipadd $A6 --hostname deb-a.test
expect_rc 0 vzctl create $B --ostemplate busybox --ipadd $B4 --ipadd $B6
# The service: socket activation by the CT's systemd, one instance per
# connection, answering with the CT's host name.
priv=$T/vz/private/$A
debian_http $priv
# With the usual lo stanza, so that a restart of networking really runs
# ifdown/ifup.
printf 'auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n' > $priv/etc/network/interfaces

expect_rc 0 vzctl start $A --wait
expect_rc 0 vzctl start $B
expect_rc 0 vzctl exec $B "mkdir -p /www && echo hello-from-B > /www/index.html && httpd -p 80 -h /www"

expect_rc 0 vzctl exec $A 'systemctl is-system-running'
[ "$LAST_OUT" = running ] || fail "systemd in A: $LAST_OUT ($(vzctl exec $A 'systemctl --failed --no-legend' 2>&1))"
expect_rc 0 vzctl exec $A 'systemctl is-active networking.service'
expect_rc 0 vzctl exec $A 'cat /etc/systemd/network/10-vz-venet0.network'
echo "$LAST_OUT" | grep -q "Unmanaged=yes" || fail "no networkd file: $LAST_OUT"
# ifupdown must not own venet0 (its ifdown flushes IPv4 addresses).
expect_rc 0 vzctl exec $A 'ifquery --list'
echo "$LAST_OUT" | grep -qx venet0 && fail "ifupdown owns venet0: $LAST_OUT"
check_net() { # what: A's addresses and routes are all there
        local out
        out=$(vzctl exec $A 'ip -o addr show dev venet0; ip route; ip -6 route') || fail "$1: exec failed"
        echo "$out" | grep -q "inet $A4/32" || fail "$1: $A4 gone: $out"
        echo "$out" | grep -q "inet6 $A6/128" || fail "$1: $A6 gone: $out"
        echo "$out" | grep -q "^default dev venet0" || fail "$1: IPv4 default route gone: $out"
        echo "$out" | grep -q "^default via fe80::1 dev venet0" || fail "$1: IPv6 default route gone: $out"
}
check_net "after boot"
ok "Debian CT booted: systemd running, networking.service active, venet0 configured"

wait_until 10 answers $A4 "hello from deb-a.test" || fail "HTTP service in A does not answer on $A4: $(http_get $A4)"
answers $A6 "hello from deb-a.test" || fail "HTTP service in A does not answer on $A6"
answers $B4 hello-from-B || fail "B does not answer on $B4"
expect_rc 0 vzctl exec $A 'systemctl is-active vz-http.socket'
ok "systemd socket service in A answers on $A4 and $A6"

expect_rc 0 vzctl exec $A 'systemctl restart networking && systemctl is-active networking.service'
check_net "after systemctl restart networking"
answers $A4 "hello from deb-a.test" || fail "A unreachable after restart of networking"
expect_rc 0 vzctl exec $A 'systemctl start systemd-networkd && sleep 1 && systemctl is-active systemd-networkd'
check_net "with systemd-networkd running"
expect_rc 0 vzctl exec $A 'systemctl restart systemd-networkd && sleep 1 && systemctl stop systemd-networkd'
check_net "after a restart of systemd-networkd"
answers $A6 "hello from deb-a.test" || fail "A unreachable over IPv6 after networkd"
ok "addresses survive restarts of networking and systemd-networkd"

# Firewall inside A, on port 80, both families.
host_rules_before=$(nft list ruleset | grep -c 'dport 80')
expect_rc 0 vzctl exec $A 'iptables -A INPUT -p tcp --dport 80 -j DROP && ip6tables -A INPUT -p tcp --dport 80 -j DROP'
answers $A4 hello && fail "A still answers on $A4:80 behind its firewall"
answers $A6 hello && fail "A still answers on $A6:80 behind its firewall"
answers $B4 hello-from-B || fail "A's firewall blocked B ($B4)"
answers $B6 hello-from-B || fail "A's firewall blocked B ($B6)"
vzctl exec $B "wget -q -T 2 -O - http://$A4/" >/dev/null 2>&1 && fail "B reaches A's port 80 behind A's firewall"
busybox ping -c1 -W2 $A4 >/dev/null || fail "A's port rule blocked ping"
[ "$(nft list ruleset | grep -c 'dport 80')" = "$host_rules_before" ] || fail "A's rule shows in the host's ruleset"
expect_rc 0 vzctl exec $A 'iptables -S INPUT'
echo "$LAST_OUT" | grep -q -- "--dport 80 -j DROP" || fail "iptables -S in A: $LAST_OUT"
expect_rc 0 vzctl exec $A 'iptables -F INPUT && ip6tables -F INPUT'
answers $A4 "hello from deb-a.test" || fail "A does not answer again after iptables -F"
ok "A's own firewall blocks A's port 80 (v4, v6), B still answers on 80"

# NETFILTER=disabled: the CT gets no netfilter at all (restart needed).
expect_rc 0 vzctl set $A --netfilter disabled --save
expect_rc 0 vzctl restart $A --wait
expect_rc 0 vzctl exec $A 'iptables -A INPUT -p tcp --dport 80 -j DROP; echo rc=$?'
echo "$LAST_OUT" | grep -q "rc=0" && fail "iptables works with NETFILTER=disabled: $LAST_OUT"
expect_rc 0 vzctl exec $A 'iptables-legacy -A INPUT -p tcp --dport 80 -j DROP; ip6tables-legacy -A INPUT -j DROP; echo rc=$?'
echo "$LAST_OUT" | grep -q "rc=0" && fail "legacy iptables works with NETFILTER=disabled: $LAST_OUT"
wait_until 10 answers $A4 "hello from deb-a.test" || fail "A does not answer after the restart"
expect_rc 0 vzctl set $A --netfilter stateful --save
expect_rc 0 vzctl restart $A --wait
expect_rc 0 vzctl exec $A 'iptables -A INPUT -p tcp --dport 80 -m state --state NEW -j DROP'
answers $A4 hello && fail "stateful rule in A not applied"
ok "NETFILTER=disabled takes iptables away, stateful gives it back"

expect_rc 0 vzctl stop $A
expect_rc 0 vzctl stop $B
expect_rc 0 vzctl destroy $A
! nft list table inet vz_$A >/dev/null 2>&1 || fail "table vz_$A left"
! ip -o link | grep -q "venet$A[@:]" || fail "venet$A left"
ok "stopped and destroyed, nothing left"

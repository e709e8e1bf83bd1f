#!/bin/bash
# --netdev_add / --netdev_del (OpenVZ NETDEV): a host network device moves
# into the CT and back, at start and live, saved as NETDEV; it comes back to
# the host, under its own name, when the CT stops or its init is killed.
# The device is one end of a veth pair the test makes (vz521a in the CT,
# vz521b on the host), so traffic through it shows it really works there.
# Addresses: 10.205.52.0/24 only.
. "$(dirname "$0")/lib.sh"
need_cache busybox

C=521 DA=vz521a DB=vz521b
STARTED="$C"
CT4=10.205.52.1 HOST4=10.205.52.254

net_cleanup() {
        ip link del $DB 2>/dev/null
        ip link del $DA 2>/dev/null
}
at_exit net_cleanup
on_host() { ip link show "$1" >/dev/null 2>&1; }
in_ct() { vzctl exec $C "ip link show $1" >/dev/null 2>&1; }

ip link add $DA type veth peer name $DB || fail "cannot make a veth pair"
ip addr add $HOST4/24 dev $DB && ip link set $DB up

expect_rc 0 vzctl create $C --ostemplate busybox
# Names of the CT's own devices are refused, config unchanged.
cp $VZ_CONFDIR/conf/$C.conf $T/before.conf
for bad in venet0 lo tun0 tap1; do
        vzctl set $C --netdev_add $bad --save >/dev/null 2>&1 && fail "--netdev_add $bad accepted"
done
cmp -s $T/before.conf $VZ_CONFDIR/conf/$C.conf || fail "config changed by a refused --netdev_add"
expect_rc 0 vzctl set $C --netdev_add $DA --save
grep -q "^NETDEV=\"$DA\"" $VZ_CONFDIR/conf/$C.conf || fail "NETDEV not saved: $(grep NETDEV $VZ_CONFDIR/conf/$C.conf)"

# At start: gone from the host, present in the CT, and it carries traffic.
expect_rc 0 vzctl start $C
on_host $DA && fail "$DA still on the host after start"
in_ct $DA || fail "$DA not in the CT"
expect_rc 0 vzctl exec $C "ip addr add $CT4/24 dev $DA && ip link set $DA up"
wait_until 5 busybox ping -c1 -W1 $CT4 >/dev/null || fail "host cannot ping the CT through $DA"
ok "NETDEV moved in at start, traffic through it"

# Live --netdev_del: back on the host at once (no restart), saved.
expect_rc 0 vzctl set $C --netdev_del $DA --save
on_host $DA || fail "$DA not back on the host after --netdev_del"
in_ct $DA && fail "$DA still in the CT after --netdev_del"
grep -q "^NETDEV=\"$DA\"" $VZ_CONFDIR/conf/$C.conf && fail "NETDEV kept after --netdev_del --save"
# Live --netdev_add (not saved): in at once.
expect_rc 0 vzctl set $C --netdev_add $DA
on_host $DA && fail "$DA on the host after live --netdev_add"
in_ct $DA || fail "$DA not in the CT after live --netdev_add"
ok "live --netdev_del / --netdev_add"

# A device that does not exist on the host: OpenVZ's 104, nothing saved.
cp $VZ_CONFDIR/conf/$C.conf $T/before.conf
expect_rc 104 vzctl set $C --netdev_add vz521none --save
cmp -s $T/before.conf $VZ_CONFDIR/conf/$C.conf || fail "config changed by a failed --netdev_add"

# Stop gives it back, with its name (even though it was never saved).
expect_rc 0 vzctl stop $C
on_host $DA || fail "$DA not back on the host after stop"
[ ! -e $T/run/$C.net ] || fail "state file left after stop"
# kill -9 of init: back as well.
expect_rc 0 vzctl set $C --netdev_add $DA --save
expect_rc 0 vzctl start $C
in_ct $DA || fail "$DA not in the CT after restart"
kill -9 "$(cat $T/run/$C.init)"
wait_until 10 on_host $DA || fail "$DA not back on the host after kill -9 of init"
wait_until 10 test ! -e $T/run/$C.net || fail "state file left after kill -9"
# Start refuses a NETDEV that is missing on the host, leaving nothing.
expect_rc 0 vzctl set $C --netdev_add vz521none --save
expect_rc 104 vzctl start $C
on_host $DA || fail "$DA lost by a failed start"
expect_rc 0 vzctl set $C --netdev_del vz521none --save
expect_rc 0 vzctl start $C
expect_rc 0 vzctl stop $C
on_host $DA || fail "$DA not back after the last stop"
expect_rc 0 vzctl destroy $C
ok "back on the host after stop, kill -9 and a failed start"

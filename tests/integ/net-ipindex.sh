#!/bin/bash
# The duplicate address check through the address index (LOCKDIR/ip.idx,
# src/lib/net/ipidx.c): a duplicate is refused with 78 and the config left
# byte-for-byte as it was; an address freed by --ipdel or by destroy can be
# taken at once; the index is rebuilt when removed or garbled, repaired
# when it claims an address a config no longer has, and sees configs
# replaced behind vz's back; two CTs given the same address at the same
# time: exactly one gets it. Addresses: 10.235.0.0/24, 2001:db8:235::/64.
. "$(dirname "$0")/lib.sh"
need_cache busybox
A=3520 B=3521 C=3522
STARTED="$A $B $C"
IP1=10.235.0.1 IP2=10.235.0.2 IP3=10.235.0.3 IP6=2001:db8:235::1
IDX=$T/vz/lock/ip.idx
net_cleanup() { for id in $A $B $C; do ip link del venet$id 2>/dev/null; done; }
at_exit net_cleanup

# refused CTID ARGS...: set --save refused with 78, the config unchanged.
refused() {
        local id=$1; shift
        cp $VZ_CONFDIR/conf/$id.conf $T/before.conf
        expect_rc 78 vzctl set $id "$@" --save
        echo "$LAST_OUT" | grep -q "already used by CT" || fail "78 without the owner: $LAST_OUT"
        cmp -s $T/before.conf $VZ_CONFDIR/conf/$id.conf || fail "config of $id changed by a refused set"
}

expect_rc 0 vzctl create $A --ostemplate busybox --ipadd $IP1 --ipadd $IP6
expect_rc 0 vzctl create $B --ostemplate busybox
expect_rc 0 vzctl create $C --ostemplate busybox
refused $B --ipadd $IP1
refused $B --ipadd $IP6
refused $B --ipadd $IP2 --ipadd $IP1
[ -s $IDX ] || fail "no index written"
grep -q "^$A [0-9]* $IP1 $IP6$" $IDX || fail "index lacks $A: $(cat $IDX)"
ok "duplicates refused with 78 (v4, v6, one of two), configs unchanged"

# Freed by --ipdel: taken at once; the old owner is refused now.
expect_rc 0 vzctl set $A --ipdel $IP1 --save
expect_rc 0 vzctl set $B --ipadd $IP1 --save
refused $A --ipadd $IP1
# Freed by destroy.
expect_rc 0 vzctl destroy $B
expect_rc 0 vzctl set $A --ipadd $IP1 --save
! grep -q "^$B " $IDX || fail "destroyed CT $B still in the index: $(cat $IDX)"
ok "addresses freed by --ipdel and destroy are reused"

# Index removed, or garbage: rebuilt from the configs, refusals unchanged.
rm -f $IDX
refused $C --ipadd $IP1
grep -q "^$A .* $IP1" $IDX || fail "index not rebuilt: $(cat $IDX)"
printf 'garbage\n%s x y\n\0\0\n' "$A" > $IDX
refused $C --ipadd $IP6
ok "a removed or garbled index is rebuilt"

# Stale: the index (config inode right) claims $A has $IP2; it has not.
ino=$(stat -c %i $VZ_CONFDIR/conf/$A.conf)
grep -q "^$A $ino " $IDX || fail "index inode of $A: $(cat $IDX)"
sed -i "s|^$A $ino .*|$A $ino $IP1 $IP6 $IP2|" $IDX
expect_rc 0 vzctl set $C --ipadd $IP2 --save
line=$(grep "^$A $ino " $IDX)
! echo "$line" | grep -qw "$IP2" && echo "$line" | grep -qw "$IP1" && echo "$line" | grep -qw "$IP6" ||
        fail "stale entry not repaired: $(cat $IDX)"
ok "a stale entry is checked against the config and repaired"

# A config replaced behind vz's back (sed -i: a new inode) is read again.
sed -i "s|^IP_ADDRESS=.*|IP_ADDRESS=\"$IP1 $IP6 $IP3\"|" $VZ_CONFDIR/conf/$A.conf
refused $C --ipadd $IP3
ok "a config edited by hand is seen"

# Running: a live --ipadd (not saved) of a used address is refused too.
expect_rc 0 vzctl start $C
expect_rc 78 vzctl set $C --ipadd $IP1
! ip -o addr show 2>/dev/null | grep -q "$IP1" || fail "$IP1 configured on the host side"
expect_rc 0 vzctl exec $C "ip -o addr show dev venet0"
! echo "$LAST_OUT" | grep -q "$IP1" || fail "refused $IP1 on the CT: $LAST_OUT"
expect_rc 0 vzctl stop $C
ok "live --ipadd of a used address refused"

# Two CTs given the same address at the same time: exactly one gets it.
expect_rc 0 vzctl create $B --ostemplate busybox
for i in $(seq 10 19); do
        ip=10.235.0.$i
        vzctl set $B --ipadd $ip --save >$T/b.out 2>&1 & pb=$!
        vzctl set $C --ipadd $ip --save >$T/c.out 2>&1 & pc=$!
        wait $pb; rb=$?; wait $pc; rc=$?
        [ "$rb$rc" = "078" ] || [ "$rb$rc" = "780" ] ||
                fail "$ip: exits $rb (B) and $rc (C): $(cat $T/b.out $T/c.out)"
        n=$(grep -l "IP_ADDRESS=.*$ip\"" $VZ_CONFDIR/conf/$B.conf $VZ_CONFDIR/conf/$C.conf | wc -l)
        [ "$n" = 1 ] || fail "$ip saved in $n configs"
done
ok "concurrent --ipadd of one address: one wins, one gets 78 (10 rounds)"
for id in $A $B $C; do expect_rc 0 vzctl destroy $id; done

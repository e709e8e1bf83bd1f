#!/bin/bash
# Offline (restart-mode) migration of a busybox CT between two simulated
# hosts over ssh: its files, config, name and IP arrive on B, it runs there
# and answers on its IP from the client (whose neighbour entry now points at
# B, told by B's unsolicited ARP), and A keeps no trace of it; with -r no A
# keeps CTID.conf.migrated. A stopped CT moves and stays stopped. --check-only
# changes nothing.
. "$(dirname "$0")/migrate-lib.sh"
need_cache busybox
mig_setup

ID=750 ID2=751
IP=10.75.0.50 IP6=fd75::50
mig_ct A $ID; mig_ct A $ID2

expect_rc_on 0 A vzctl create $ID --ostemplate busybox --ipadd $IP --ipadd $IP6 --name mig-web
expect_rc_on 0 A vzctl start $ID
expect_rc_on 0 A vzctl exec $ID 'mkdir -p /www && echo payload-750 > /www/index.html && httpd -p 80 -h /www'
# Files with holes, hard links, xattrs and odd owners must arrive as they are.
expect_rc_on 0 A vzctl exec $ID 'echo x > /root/a && ln /root/a /root/b && chown 1234:4321 /root/a && dd if=/dev/zero of=/root/sparse bs=1 count=1 seek=10M 2>/dev/null'
wait_until 5 client bash -c "exec 3<>/dev/tcp/$IP/80" || fail "httpd in CT not reachable from the client"
macA=$(ip -n "${NS[A]}" -o link show eth0 | sed 's/.*link\/ether \([^ ]*\).*/\1/')
macB=$(ip -n "${NS[B]}" -o link show eth0 | sed 's/.*link\/ether \([^ ]*\).*/\1/')
client ip neigh show $IP | grep -q "$macA" || fail "client does not reach $IP through A: $(client ip neigh show $IP)"
sum_a=$(cd "$(private_of A $ID)" && find . -xdev -printf '%p %U:%G %m %s %n\n' | sort | md5sum)
ok "CT $ID runs on A, serves on $IP"

# --check-only: exit 0, nothing copied, nothing stopped.
expect_rc_on 0 A vzmigrate --check-only ${HOSTIP[B]} $ID
[ -e "$(conf_of B $ID)" ] && fail "--check-only placed a config on B"
[ -e "$(private_of B $ID)" ] && fail "--check-only copied the private area"
status_on A $ID | grep -q running || fail "--check-only stopped the CT"
ok "--check-only"

expect_rc_on 0 A vzmigrate -t ${HOSTIP[B]} mig-web
# Before any traffic: the client's entry was A's; only B's unsolicited ARP
# can have changed it this fast.
client ip neigh show $IP | grep -q "$macB" || fail "client's neighbour entry for $IP not B's: $(client ip neigh show $IP)"
echo "$LAST_OUT" | grep -q "frozen" || fail "-t printed no frozen time: $LAST_OUT"
status_on B $ID | grep -q "exist mounted running" || fail "not running on B: $(status_on B $ID)"
status_on A $ID | grep -q "deleted" || fail "still on A: $(status_on A $ID)"
[ -e "$(conf_of A $ID)" ] || [ -e "$(conf_of A $ID).destroyed" ] || [ -e "$(private_of A $ID)" ] &&
        fail "trace of $ID left on A: $(ls $T/hA/etc/conf $T/hA/vz/private)"
[ -z "$(ls $T/hA/etc/names)" ] || fail "name link left on A"
[ "$(readlink $T/hB/etc/names/mig-web)" = "$(conf_of B $ID)" ] || fail "name not registered on B"
grep -q "^VE_PRIVATE=\"\?$(private_of B $ID)" "$(conf_of B $ID)" || fail "VE_PRIVATE not B's: $(grep VE_ $(conf_of B $ID))"
grep -q "$IP" "$(conf_of B $ID)" || fail "IP_ADDRESS lost"
sum_b=$(cd "$(private_of B $ID)" && find . -xdev -printf '%p %U:%G %m %s %n\n' | sort | md5sum)
[ "$sum_a" = "$sum_b" ] || fail "private area differs after the copy (owners, modes, links)"
[ "$(du -k "$(private_of B $ID)/root/sparse" | cut -f1)" -lt 1024 ] || fail "sparse file arrived dense"
ok "files, config, name arrive; A has no trace"

# The CT answers on its IP, through B: B announced it (unsolicited ARP/NA).
expect_rc_on 0 B vzctl exec $ID 'httpd -p 80 -h /www'
wait_until 5 client bash -c "exec 3<>/dev/tcp/$IP/80" || fail "CT not reachable after migration"
out=$(client bash -c "exec 3<>/dev/tcp/$IP/80; printf 'GET / HTTP/1.0\r\n\r\n' >&3; cat <&3")
echo "$out" | grep -q payload-750 || fail "wrong answer from $IP: $out"
client ip neigh show $IP | grep -q "$macB" || fail "client's neighbour entry for $IP not B's: $(client ip neigh show $IP)"
client busybox ping6 -c1 -W2 $IP6 >/dev/null || fail "IPv6 address not reachable on B"
client ip -6 neigh show $IP6 | grep -q "$macB" || fail "IPv6 neighbour entry not B's: $(client ip -6 neigh show $IP6)"
ip -n "${NS[A]}" route | grep -q "$IP" && fail "route to $IP left on A"
ip -n "${NS[A]}" neigh show proxy | grep -q "$IP" && fail "proxy ARP for $IP left on A"
ok "IP routes to B (client neighbour entries updated by B's announcements)"

# Back to A with -r no: B keeps CTID.conf.migrated and the private area.
expect_rc_on 0 B vzmigrate -r no ${HOSTIP[A]} $ID
status_on A $ID | grep -q running || fail "not running on A after the way back"
[ -e "$(conf_of B $ID).migrated" ] || fail "no .migrated config on B"
[ -e "$(conf_of B $ID)" ] && fail "B still has the live config"
status_on B $ID | grep -q running && fail "still running on B"
wait_until 5 client bash -c "exec 3<>/dev/tcp/$IP/80" 2>/dev/null ||
        expect_rc_on 0 A vzctl exec $ID 'httpd -p 80 -h /www'
wait_until 5 client bash -c "exec 3<>/dev/tcp/$IP/80" || fail "CT not reachable on A again"
client ip neigh show $IP | grep -q "$macA" || fail "neighbour entry did not move back to A"
ok "-r no keeps .migrated on the source"

# A stopped CT moves and stays stopped.
expect_rc_on 0 A vzctl create $ID2 --ostemplate busybox
expect_rc_on 0 A vzmigrate ${HOSTIP[B]} $ID2
status_on B $ID2 | grep -q "exist unmounted down" || fail "stopped CT on B: $(status_on B $ID2)"
status_on A $ID2 | grep -q deleted || fail "stopped CT still on A"
expect_rc_on 0 B vzctl start $ID2
expect_rc_on 0 B vzctl exec $ID2 true
expect_rc_on 0 B vzctl stop $ID2
ok "stopped CT migrated, starts on B"

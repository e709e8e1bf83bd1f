#!/bin/bash
# As root in a running CT, with a second CT running: the CT sees only its
# own processes and cannot signal host processes or the other CT's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"

iso_ct 201 --hostname ct201.example
iso_ct 202 --hostname ct202.example
mark=$((900000 + RANDOM))
iso_bg HOSTSLEEP sleep $mark
iso_bg CTSLEEP vzctl exec 202 "exec sleep $((mark + 1))"
sleep 0.5
init1=$(init_pid 201) init2=$(init_pid 202)
[ -n "$init1" ] && [ -n "$init2" ] || fail "CTs not running"
ct2sleep=$(pgrep -f "^sleep $((mark + 1))$") || fail "sleep in CT 202 not found from the host"

# ps inside shows only the CT's own processes
ix 201 'ps -o pid,comm,args'
[ $RC = 0 ] || fail "ps in CT: $OUT"
echo "$OUT" | grep -q "sleep $mark" && fail "CT 201 sees the host's sleep: $OUT"
echo "$OUT" | grep -q "sleep $((mark + 1))" && fail "CT 201 sees CT 202's sleep: $OUT"
echo "$OUT" | grep -qi "supervisor\|vzctl" && fail "CT 201 sees host-side vz processes: $OUT"
ix 201 'ls -d /proc/[0-9]* | wc -l'
[ "$OUT" -lt 10 ] || fail "CT 201 sees $OUT processes: $(vzctl exec 201 ps 2>&1)"
for p in $HOSTSLEEP $init2 $ct2sleep $$ 1; do
        ix 201 "cat /proc/$p/cmdline | tr '\\0' ' '"
        echo "$OUT" | grep -q "sleep\|vzctl\|bash\|systemd" &&
                fail "CT 201 reads /proc/$p (a host PID): $OUT"
done
ix 201 "cat /proc/1/cmdline | tr '\\0' ' '"
echo "$OUT" | grep -q "init" || fail "PID 1 in CT 201 is not its init: $OUT"
ok "ps and /proc show only the CT's own processes"

# signals to host PIDs and the other CT's PIDs fail
for p in $HOSTSLEEP $init2 $ct2sleep; do
        ix 201 "kill -9 $p"
        [ $RC != 0 ] || fail "kill -9 $p (a host PID) succeeded in CT 201"
done
ix 201 "kill -9 -1; true"
sleep 0.5
kill -0 $HOSTSLEEP 2>/dev/null || fail "the host's sleep $HOSTSLEEP died"
kill -0 $ct2sleep 2>/dev/null || fail "CT 202's sleep died"
[ "$(init_pid 202)" = "$init2" ] || fail "CT 202's init changed"
[ "$(init_pid 201)" = "$init1" ] || fail "CT 201's own init died from kill -1"
expect_rc 0 vzctl status 202
echo "$LAST_OUT" | grep -q running || fail "CT 202 not running: $LAST_OUT"
ok "signals to host and other-CT PIDs fail; host and CT 202 unaffected"

# the CT's processes are in its own PID namespace, distinct from CT 202's
[ "$(readlink /proc/$init1/ns/pid)" != "$(readlink /proc/$init2/ns/pid)" ] || fail "CTs share a PID namespace"
[ "$(readlink /proc/$init1/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] || fail "CT in the host PID namespace"
for ns in mnt uts ipc net cgroup user; do
        [ "$(readlink /proc/$init1/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] ||
                fail "CT 201 shares the host's $ns namespace"
        [ "$(readlink /proc/$init1/ns/$ns)" != "$(readlink /proc/$init2/ns/$ns)" ] ||
                fail "CTs 201 and 202 share a $ns namespace"
done
ok "namespaces distinct from the host's and from each other"

kill $CTSLEEP $HOSTSLEEP 2>/dev/null
expect_rc 0 vzctl stop 201
expect_rc 0 vzctl stop 202
expect_rc 0 vzctl destroy 201
expect_rc 0 vzctl destroy 202
ok "cleanup"

#!/bin/bash
# The host service (vz-service start|stop, behind vz.service and
# /etc/init.d/vz): ONBOOT=yes CTs start, in descending BOOTORDER; a CT with
# ONBOOT unset starts again only if it was running when the host stopped;
# ONBOOT=no never does; stop stops every running CT and remembers them.
. "$(dirname "$0")/lib.sh"
need_cache busybox
SVC=$SRCDIR/src/tools/vz-service
STARTED="101 102 103 104"
echo "VZREBOOTDIR=$T/vzreboot" >> $VZ_CONFDIR/vz.conf
echo "VE_PARALLEL=1" >> $VZ_CONFDIR/vz.conf

for id in 101 102 103 104; do expect_rc 0 vzctl create $id --ostemplate busybox; done
expect_rc 0 vzctl set 101 --onboot yes --bootorder 10 --save
expect_rc 0 vzctl set 102 --onboot yes --bootorder 20 --save
expect_rc 0 vzctl set 103 --onboot no --save
# 104: ONBOOT unset

expect_rc 0 $SVC start
running=$(vzlist -H -o ctid | tr -d ' ' | tr '\n' ' ')
[ "$running" = "101 102 " ] || fail "after start: running '$running'"
# BOOTORDER 20 before 10: the supervisor of 102 started first.
t101=$(stat -c %.9Y $T/run/101.pid); t102=$(stat -c %.9Y $T/run/102.pid)
awk -v a=$t102 -v b=$t101 'BEGIN {exit !(a <= b)}' || fail "102 (BOOTORDER 20) started after 101"
ok "onboot and bootorder"

expect_rc 0 vzctl start 104
expect_rc 0 $SVC stop
[ -z "$(vzlist -H -o ctid 2>/dev/null)" ] || fail "still running after stop"
for id in 101 102 104; do [ -e $T/vzreboot/$id ] || fail "CT $id not remembered as running"; done
expect_rc 0 $SVC start
running=$(vzlist -H -o ctid | tr -d ' ' | tr '\n' ' ')
[ "$running" = "101 102 104 " ] || fail "after restart of the host: running '$running'"
[ -z "$(ls -A $T/vzreboot)" ] || fail "marks left: $(ls $T/vzreboot)"
expect_rc 0 $SVC stop
expect_rc 0 vzctl set 104 --onboot no --save
expect_rc 0 $SVC start
running=$(vzlist -H -o ctid | tr -d ' ' | tr '\n' ' ')
[ "$running" = "101 102 " ] || fail "ONBOOT=no started: '$running'"
expect_rc 0 $SVC stop
ok "stop and start again"
for id in 101 102 103 104; do expect_rc 0 vzctl destroy $id; done

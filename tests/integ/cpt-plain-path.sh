#!/bin/bash
# Checkpoint/restore out of the box: with the vz.conf that is installed
# (etc/vz.conf: no CRIU=) and a plain PATH (no /opt/vz-criu/bin), vzctl
# finds the criu that scripts/install-deps put in place (scripts/get-criu:
# /opt/vz-criu/bin/criu). A busybox CT with a counter process is
# checkpointed and restored, the counter goes on with the same PID. Then,
# checkpointed again, `vzctl destroy` removes its dump and criu's logs
# (DUMPDIR/Dump.CTID, Dump.CTID.*.log) and nothing of another CT's.
# Skips (77) without a criu whose `criu check` passes there or on PATH.
. "$(dirname "$0")/lib.sh"

PLAIN=/usr/sbin:/usr/bin:/sbin:/bin
need_criu $PLAIN
need_cache busybox
grep -q '^CRIU=' "$VZ_CONFDIR/vz.conf" && fail "etc/vz.conf sets CRIU=; this test is about finding criu without it"
A=731
STARTED="$A"
D=$T/vz/dump
# vzctl as an admin runs it: the installed config, PATH without criu.
pvzctl() { env PATH=$PLAIN "$VZ_BUILD/src/tools/vzctl" "$@"; }
FAIL_LOGS="$D/*.log"

expect_rc 0 pvzctl --version -v
echo "$LAST_OUT" | grep -q "criu check: passed" || fail "--version -v under a plain PATH: $LAST_OUT"
ok "vzctl --version -v finds criu under a plain PATH ($(echo "$LAST_OUT" | sed -n 's/^criu: //p'))"

expect_rc 0 pvzctl create $A --ostemplate busybox
expect_rc 0 pvzctl start $A
expect_rc 0 pvzctl exec $A 'setsid sh -c "echo \$\$ > /tmp/cnt.pid; i=0; while :; do i=\$((i+1)); echo \$i > /tmp/cnt; sleep 0.1; done" </dev/null >/dev/null 2>&1 &
        sleep 0.3; cat /tmp/cnt.pid'
PID=$LAST_OUT
expect_rc 0 pvzctl chkpnt $A
expect_rc 0 pvzctl status $A
[ "$LAST_OUT" = "CTID $A exist unmounted down suspended" ] || fail "status after chkpnt: $LAST_OUT"
V1=$(cat "$T/vz/private/$A/tmp/cnt")
expect_rc 0 pvzctl restore $A
expect_rc 0 pvzctl exec $A 'p=$(cat /tmp/cnt.pid); kill -0 $p && echo $p'
[ "$LAST_OUT" = "$PID" ] || fail "counter PID $PID before, '$LAST_OUT' after the restore"
sleep 0.5
V2=$(cat "$T/vz/private/$A/tmp/cnt")
[ "$V2" -gt "$V1" ] || fail "counter did not go on: $V1 -> $V2"
ok "chkpnt + restore with the installed vz.conf and PATH=$PLAIN: counter $V1 -> $V2, same PID"

# destroy: the dump and criu's logs go; another CT's (ID ${A}0) stay.
expect_rc 0 pvzctl chkpnt $A
ls "$D"/Dump.$A.*.log >/dev/null 2>&1 || fail "no criu log in DUMPDIR: $(ls "$D")"
[ -d "$D/Dump.$A" ] || fail "no dump in DUMPDIR: $(ls "$D")"
mkdir "$D/Dump.${A}0" && touch "$D/Dump.${A}0.dump.log" "$D/Dump.${A}0/x"
expect_rc 0 pvzctl destroy $A
STARTED=""
left=$(cd "$D" && ls -d Dump.$A Dump.$A.* 2>/dev/null)
[ -z "$left" ] || fail "destroy left in DUMPDIR: $left"
[ -f "$D/Dump.${A}0.dump.log" ] && [ -f "$D/Dump.${A}0/x" ] || fail "destroy removed another CT's dump: $(ls "$D")"
ok "destroy removed the dump and criu's logs, kept CT ${A}0's"

#!/bin/bash
# Checkpoint and restore of the Debian 12 / systemd CT: systemd, journald
# and the console getty keep their PIDs through chkpnt + `vzctl start`, systemd
# answers (is-system-running), and the CT stops gracefully afterwards.
# Skips (77) without a criu whose `criu check` passes or without debootstrap.
. "$(dirname "$0")/lib.sh"
need_criu
need_debian
criu_conf

A=702 IP=10.207.0.2
STARTED=$A
at_exit "ip link del venet$A 2>/dev/null"
expect_rc 0 vzctl create $A --ostemplate debian-12-x86_64-minimal --ipadd $IP
expect_rc 0 vzctl start $A --wait
pids() { vzctl exec $A 'echo $(pidof systemd-journald) $(pidof agetty) $(readlink /proc/1/exe)'; }
expect_rc 0 pids
BEFORE=$LAST_OUT
echo "$BEFORE" | grep -Eq '^[0-9]+ [0-9]+ .*systemd$' || fail "journald/getty/systemd not found: $BEFORE"
expect_rc 0 vzctl chkpnt $A
expect_rc 0 vzctl status $A
[ "$LAST_OUT" = "CTID $A exist unmounted down suspended" ] || fail "status: $LAST_OUT"
expect_rc 0 vzctl start $A
expect_rc 0 pids
[ "$LAST_OUT" = "$BEFORE" ] || fail "processes restarted: '$BEFORE' -> '$LAST_OUT'"
expect_rc 0 vzctl exec $A 'systemctl is-system-running'
STATE=$LAST_OUT
[ "$STATE" = running ] || [ "$STATE" = degraded ] || fail "systemd after restore: $STATE"
expect_rc 0 vzctl exec $A "ip -o addr show dev venet0 | grep -q ' $IP/'"
ok "systemd CT: same PIDs after chkpnt + start ($BEFORE), systemd $STATE"
expect_rc 0 vzctl stop $A
expect_rc 0 vzctl status $A
[ "$LAST_OUT" = "CTID $A exist unmounted down" ] || fail "after stop: $LAST_OUT"
ok "restored systemd CT stops gracefully"

#!/bin/bash
# Checkpoint and restore through criu (OpenVZ §1.12): a busybox CT with a
# counter process and a TCP server on a routed address is checkpointed
# (status "suspended", nothing of it left running) and restored: the
# counter goes on from where it was with the same PID (no restart), the
# server's listening socket answers from the host, exec/console/stop work
# afterwards. The same through `vzctl start` of a suspended CT, and through
# the step options (--suspend/--dump/--resume/--kill, --undump/--resume).
# A dump that fails (criu action script failing after the dump, and a criu
# run that exceeds CPT_TIMEOUT) gives exit 16 and leaves the CT running
# untouched.
# Needs a criu whose `criu check` passes (PATH, or scripts/get-criu's
# /opt/vz-criu/bin/criu); skips (77) otherwise.
# Addresses: 10.207.0.0/24 only (this test's own range).
. "$(dirname "$0")/lib.sh"

need_criu
need_cache busybox

A=700 IP=10.207.0.1
STARTED="$A"
net_cleanup() { ip link del venet$A 2>/dev/null; }
at_exit net_cleanup
criu_conf
# On failure, show criu's errors (the logs go with the tree).
FAIL_LOGS="$T/vz/dump/*.log"
PRIV=$T/vz/private/$A

expect_rc 0 vzctl --version -v
echo "$LAST_OUT" | grep -q "criu check: passed" || fail "--version -v: $LAST_OUT"
ok "vzctl --version -v reports criu ($(echo "$LAST_OUT" | sed -n 's/^criu: //p'))"

expect_rc 0 vzctl create $A --ostemplate busybox --ipadd $IP
expect_rc 0 vzctl start $A
# The counter appends 1, 2, 3, ... every 0.1 s; the server answers HTTP.
# The document root first: an `a && b && c &` chain runs in the background as
# a whole, and httpd dies at once when /www is not there yet.
expect_rc 0 vzctl exec $A 'mkdir -p /www && echo hello-from-ct > /www/index.html || exit 1
        setsid sh -c "echo \$\$ > /tmp/cnt.pid; i=0; while :; do i=\$((i+1)); echo \$i >> /tmp/cnt; sleep 0.1; done" \
                </dev/null >/dev/null 2>&1 &
        setsid httpd -f -p 8080 -h /www </dev/null >/dev/null 2>&1 &
        sleep 0.5; pidof httpd; pidof sh'
http_get() {
        timeout 3 bash -c "exec 3<>/dev/tcp/$IP/8080 && printf 'GET /index.html HTTP/1.0\r\n\r\n' >&3 && cat <&3" 2>/dev/null
}
http_ok() { [ "$(http_get | tail -n1)" = hello-from-ct ]; }
wait_until 5 http_ok || fail "server does not answer before the checkpoint: $(http_get; vzctl exec $A "netstat -ltn; ps" 2>&1; ip route)"
pids() { vzctl exec $A 'p=$(cat /tmp/cnt.pid); kill -0 $p && echo httpd=$(pidof httpd) counter=$p'; }
expect_rc 0 pids
BEFORE=$LAST_OUT
echo "$BEFORE" | grep -Eq "httpd=[0-9]+ counter=[0-9]+$" || fail "processes not found: $BEFORE"
cnt_moved() { [ "$(tail -n1 "$PRIV/tmp/cnt")" != "$V1" ]; }
# The counter file: consecutive numbers from 1, nothing missing or repeated.
consecutive() { awk 'NR != $1 {bad = 1} END {exit bad || NR == 0}' "$PRIV/tmp/cnt"; }

# ---------------------------------------------------------------- full cycle
cycle() { # how: restore | start
        local v_dump v_after
        expect_rc 0 vzctl chkpnt $A
        expect_rc 0 vzctl status $A
        [ "$LAST_OUT" = "CTID $A exist unmounted down suspended" ] || fail "status after chkpnt: $LAST_OUT"
        expect_rc 0 vzlist -a -H -o ctid,status
        echo "$LAST_OUT" | grep -Eq "^ *$A +suspended$" || fail "vzlist: $LAST_OUT"
        [ -d "$T/vz/dump/Dump.$A" ] || fail "no dump in DUMPDIR"
        ! ip -o link | grep -q "venet$A[@:]" || fail "venet$A left while suspended"
        ! ip route | grep -q "^$IP " || fail "route left while suspended"
        ! http_ok || fail "server answers while suspended"
        v_dump=$(tail -n1 "$PRIV/tmp/cnt")
        sleep 1
        [ "$(tail -n1 "$PRIV/tmp/cnt")" = "$v_dump" ] || fail "counter ran while suspended"
        expect_rc 0 vzctl $1 $A
        expect_rc 0 vzctl status $A
        [ "$LAST_OUT" = "CTID $A exist mounted running" ] || fail "status after $1: $LAST_OUT"
        [ ! -e "$T/vz/dump/Dump.$A" ] || fail "dump kept after a successful $1"
        wait_until 5 http_ok || fail "server does not answer after $1"
        expect_rc 0 pids
        [ "$LAST_OUT" = "$BEFORE" ] || fail "processes restarted: before '$BEFORE', after '$LAST_OUT'"
        sleep 0.5
        v_after=$(tail -n1 "$PRIV/tmp/cnt")
        [ "$v_after" -gt "$v_dump" ] || fail "counter did not go on: $v_dump -> $v_after"
        consecutive || fail "counter restarted or skipped: $(tr '\n' ' ' < "$PRIV/tmp/cnt" | tail -c 300)"
        ok "chkpnt + $1: counter $v_dump -> $v_after (same PIDs: $LAST_OUT), server answers"
}
cycle restore
cycle start

# The restored CT is the supervisor's as a started one: exec, console, ps.
SUP=$(cat "$T/run/$A.pid"); INIT=$(cat "$T/run/$A.init")
[ "$(ps -o ppid= -p "$INIT" | tr -d ' ')" = "$SUP" ] || fail "restored init is not the supervisor's child"
expect_rc 0 vzctl exec $A 'echo via-console > /dev/console'
OUT=$( (sleep 1.5) | timeout 2 vzctl console $A 2>&1)
echo "$OUT" | grep -q via-console || fail "console after restore: $OUT"
ok "restored init is the supervisor's child; exec and console work"

# ---------------------------------------------------------------- steps
expect_rc 0 vzctl chkpnt $A --suspend
V1=$(tail -n1 "$PRIV/tmp/cnt"); sleep 0.5
[ "$(tail -n1 "$PRIV/tmp/cnt")" = "$V1" ] || fail "--suspend did not freeze"
expect_rc 0 vzctl chkpnt $A --dump --dumpfile "$T/dump-x"
[ -d "$T/dump-x" ] || fail "--dumpfile not used"
sleep 0.3
[ "$(tail -n1 "$PRIV/tmp/cnt")" = "$V1" ] || fail "--dump thawed the CT"
expect_rc 0 vzctl chkpnt $A --resume
wait_until 3 cnt_moved || fail "--resume did not thaw"
expect_rc 0 vzctl chkpnt $A --suspend
expect_rc 0 vzctl chkpnt $A --kill
expect_rc 0 vzctl status $A
[ "$LAST_OUT" = "CTID $A exist unmounted down" ] || fail "after --kill: $LAST_OUT"
V1=$(tail -n1 "$PRIV/tmp/cnt")
expect_rc 0 vzctl restore $A --undump --dumpfile "$T/dump-x"
sleep 0.5
[ "$(tail -n1 "$PRIV/tmp/cnt")" = "$V1" ] || fail "--undump let the CT run"
expect_rc 0 vzctl restore $A --resume --dumpfile "$T/dump-x"
wait_until 3 cnt_moved || fail "restore --resume did not resume"
[ ! -e "$T/dump-x" ] || fail "dump kept after restore --resume"
wait_until 5 http_ok || fail "server does not answer after --undump/--resume"
ok "steps: chkpnt --suspend/--dump/--resume/--kill, restore --undump/--resume"

# ---------------------------------------------------------------- errors
expect_rc 32 vzctl restore $A
expect_rc 20 vzctl chkpnt $A --dump --kill
expect_rc 0 vzctl create 701 --ostemplate busybox
expect_rc 31 vzctl chkpnt 701
expect_rc 17 vzctl restore 701
ok "exit codes: 32 (running), 20 (two steps), 31 (not running), 17 (no dump)"

# A dump that fails after criu dumped everything (its post-dump action
# script fails): criu resumes the CT.
cat > "$T/fail-post-dump" <<'EOF'
#!/bin/sh
[ "$CRTOOLS_SCRIPT_ACTION" = post-dump ] && exit 1
exit 0
EOF
cat > "$T/criu-wrap" <<EOF
#!/bin/sh
[ "\$1" = dump ] && exec "$CRIU" "\$@" --action-script "$T/fail-post-dump"
exec "$CRIU" "\$@"
EOF
chmod +x "$T/fail-post-dump" "$T/criu-wrap"
sed -i "s|^CRIU=.*|CRIU=$T/criu-wrap|" "$VZ_CONFDIR/vz.conf"
expect_rc 0 pids; BEFORE=$LAST_OUT
expect_rc 16 vzctl chkpnt $A
expect_rc 0 vzctl status $A
[ "$LAST_OUT" = "CTID $A exist mounted running" ] || fail "after a failed dump: $LAST_OUT"
[ ! -e "$T/vz/dump/Dump.$A" ] || fail "a failed dump left a dump (CT would look suspended)"
V1=$(tail -n1 "$PRIV/tmp/cnt")
wait_until 3 cnt_moved || fail "counter stopped after a failed dump"
wait_until 5 http_ok || fail "server does not answer after a failed dump"
expect_rc 0 pids
[ "$LAST_OUT" = "$BEFORE" ] || fail "processes changed after a failed dump: $LAST_OUT"
ok "failed dump: exit 16, CT running and unharmed"

# A criu that hangs with the CT frozen and its network locked (action
# script "network-lock" sleeps) is stopped after CPT_TIMEOUT.
cat > "$T/fail-post-dump" <<'EOF'
#!/bin/sh
[ "$CRTOOLS_SCRIPT_ACTION" = network-lock ] && sleep 60
exit 0
EOF
echo "CPT_TIMEOUT=3" >> "$VZ_CONFDIR/vz.conf"
SECONDS=0
expect_rc 16 vzctl chkpnt $A
[ "$SECONDS" -lt 40 ] || fail "timeout took ${SECONDS}s"
echo "$LAST_OUT" | grep -q "timed out" || fail "no timeout message: $LAST_OUT"
V1=$(tail -n1 "$PRIV/tmp/cnt")
wait_until 3 cnt_moved || fail "counter stopped after a timed out dump"
wait_until 5 http_ok || fail "server does not answer after a timed out dump"
expect_rc 0 pids
[ "$LAST_OUT" = "$BEFORE" ] || fail "processes changed after a timed out dump: $LAST_OUT"
ok "timed out dump: exit 16 after ${SECONDS}s, CT running and unharmed"
sed -i "s|^CRIU=.*|CRIU=$CRIU|; /^CPT_TIMEOUT=/d" "$VZ_CONFDIR/vz.conf"

# Stop after all this leaves nothing behind.
expect_rc 0 vzctl stop $A
! ip -o link | grep -q "venet$A[@:]\|vzr" || fail "network devices left"
! ip route | grep -q "^$IP " || fail "route left"
# (lxcfs, the OpenVZ /proc files server and the base mount namespace
# (mntns): host-wide, shared by later CTs, stopped or unmounted by lib.sh.)
left=$(ls "$T/run" | grep -v '^lxcfs\|^proc\|^mntns')
[ -z "$left" ] || fail "run files left: $left"
ok "stop after restores leaves nothing behind"

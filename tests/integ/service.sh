#!/bin/bash
# The host service (vz-service start|stop, behind vz.service and
# /etc/init.d/vz): ONBOOT=yes CTs start, in descending BOOTORDER; a CT with
# ONBOOT unset starts again only if it was running when the host stopped;
# ONBOOT=no never does; stop stops every running CT, remembers them and
# leaves nothing behind. VE0CPUUNITS lands on the CTs' parent cgroup.
# VE_STOP_MODE=suspend: falls back to stop without working checkpointing
# or when a suspend fails; with a working criu, a CT is suspended by the
# service stop and resumed by its start, its processes (same PIDs) going
# on. Both front ends are run: the init script and the systemd unit's
# ExecStart/ExecStop (systemd is not PID 1 here: the unit is checked with
# systemd-analyze verify and its commands are run as systemd would).
. "$(dirname "$0")/lib.sh"
need_cache busybox
SVC=$SRCDIR/src/tools/vz-service
CTS="3501 3502 3503 3504"
STARTED="$CTS 3510"
CG=vztest-$$
set_conf() { sed -i "/^$1=/d" $VZ_CONFDIR/vz.conf; echo "$1=$2" >> $VZ_CONFDIR/vz.conf; }
set_conf VZREBOOTDIR $T/vzreboot
set_conf VE_PARALLEL 1
set_conf VE_STOP_MODE stop
set_conf VE0CPUUNITS 4000
running() { vzlist -H -o ctid 2>/dev/null | tr -d ' ' | tr '\n' ' '; }

# Nothing of the tree's CTs may be left once the service stopped them: no
# supervisor or CT process, no mount, no cgroup (the parent included), no
# run file, no host device.
nothing_left() {
        local p out=""
        for p in $(pgrep -x vz-supervisor); do
                tr '\0' '\n' 2>/dev/null < /proc/$p/environ | grep -qx "VZ_CONFDIR=$VZ_CONFDIR" &&
                        out+=" supervisor $p"
        done
        out+=$(grep -o " $T/vz/root[^ ]*" /proc/self/mounts)
        out+=$(ls -d /sys/fs/cgroup/*/$CG /sys/fs/cgroup/unified/$CG /sys/fs/cgroup/$CG 2>/dev/null)
        out+=$(cd $T/run && ls -d 35[0-9][0-9].* 2>/dev/null)
        out+=$(ip -o link | grep -oE "venet35[0-9][0-9]|veth35[0-9][0-9]\.[0-9]+")
        [ -z "$out" ] || fail "left behind after $1: $out"
}

for id in $CTS; do expect_rc 0 vzctl create $id --ostemplate busybox; done
expect_rc 0 vzctl set 3501 --onboot yes --bootorder 10 --save
expect_rc 0 vzctl set 3502 --onboot yes --bootorder 20 --save
expect_rc 0 vzctl set 3503 --onboot no --save
# 3504: ONBOOT unset

expect_rc 0 $SVC start
[ "$(running)" = "3501 3502 " ] || fail "after start: running '$(running)'"
# BOOTORDER 20 before 10: the supervisor of 3502 started first.
t1=$(stat -c %.9Y $T/run/3501.pid); t2=$(stat -c %.9Y $T/run/3502.pid)
awk -v a=$t2 -v b=$t1 'BEGIN {exit !(a <= b)}' || fail "3502 (BOOTORDER 20) started after 3501"
ok "onboot and bootorder"

# VE0CPUUNITS=4000: the CTs' parent group weighs 1000 * 1000 / 4000 = 250
# units against each top-level host group (the kernel default = 1000
# units): v1 cpu.shares 256, v2 cpu.weight 25. The CTs keep their own.
cpudir=$(awk '$3 == "cgroup" && $4 ~ /(^|,)cpu(,|$)/ {print $2; exit}' /proc/self/mounts)
if [ -n "$cpudir" ]; then
        [ "$(cat $cpudir/$CG/cpu.shares)" = 256 ] || fail "parent cpu.shares $(cat $cpudir/$CG/cpu.shares), want 256"
        [ "$(cat $cpudir/$CG/3501/cpu.shares)" = 1024 ] || fail "CT cpu.shares $(cat $cpudir/$CG/3501/cpu.shares)"
        ok "VE0CPUUNITS=4000: $cpudir/$CG/cpu.shares = 256, the CT's own 1024"
elif [ -e /sys/fs/cgroup/$CG/cpu.weight ]; then
        [ "$(cat /sys/fs/cgroup/$CG/cpu.weight)" = 25 ] || fail "parent cpu.weight $(cat /sys/fs/cgroup/$CG/cpu.weight), want 25"
        ok "VE0CPUUNITS=4000: /sys/fs/cgroup/$CG/cpu.weight = 25"
else
        echo "no cpu controller on this host: VE0CPUUNITS not checked"
fi

expect_rc 0 vzctl start 3504
expect_rc 0 $SVC stop
[ -z "$(running)" ] || fail "still running after stop: $(running)"
nothing_left "vz-service stop"
for id in 3501 3502 3504; do [ -e $T/vzreboot/$id ] || fail "CT $id not remembered as running"; done
expect_rc 0 $SVC start
[ "$(running)" = "3501 3502 3504 " ] || fail "after restart of the host: running '$(running)'"
[ -z "$(ls -A $T/vzreboot)" ] || fail "marks left: $(ls $T/vzreboot)"
expect_rc 0 $SVC stop
nothing_left "vz-service stop"
expect_rc 0 vzctl set 3504 --onboot no --save
expect_rc 0 $SVC start
[ "$(running)" = "3501 3502 " ] || fail "ONBOOT=no started: '$(running)'"
expect_rc 0 $SVC stop
nothing_left "vz-service stop"
ok "stop and start again, nothing left behind"

# VIRTUOZZO=no: the service does nothing.
set_conf VIRTUOZZO no
expect_rc 0 $SVC start
[ -z "$(running)" ] || fail "VIRTUOZZO=no started $(running)"
set_conf VIRTUOZZO yes
ok "VIRTUOZZO=no: nothing started"

# ---------------------------------------------------------------- front ends
# The init script, as installed (LIBEXECDIR pointing at the build's tools).
sed "s|@LIBEXECDIR@|$SRCDIR/src/tools|" $SRCDIR/etc/init.d/vz > $T/init.d-vz
chmod +x $T/init.d-vz
grep -q '^# Default-Stop: *0 1 6$' $T/init.d-vz || fail "init script: no LSB Default-Stop"
expect_rc 0 $T/init.d-vz start
[ "$(running)" = "3501 3502 " ] || fail "init script start: running '$(running)'"
expect_rc 0 $T/init.d-vz status
echo "$LAST_OUT" | grep -q "3501" || fail "init script status: $LAST_OUT"
expect_rc 0 $T/init.d-vz stop
[ -z "$(running)" ] || fail "init script stop: still running $(running)"
nothing_left "/etc/init.d/vz stop"
expect_rc 20 $T/init.d-vz bogus
ok "init script: start, status, stop (usage error 20)"

# The systemd unit: valid for systemd, and its ExecStart/ExecStop do the job.
sed "s|@LIBEXECDIR@|$SRCDIR/src/tools|" $SRCDIR/etc/systemd/vz.service > $T/vz.service
if command -v systemd-analyze >/dev/null; then
        expect_rc 0 systemd-analyze verify $T/vz.service
else
        echo "no systemd-analyze: unit not verified"
fi
grep -q '^Type=oneshot$' $T/vz.service && grep -q '^RemainAfterExit=yes$' $T/vz.service ||
        fail "unit is not a oneshot that remains active"
exec_line() { sed -n "s/^$1=//p" $T/vz.service; }
expect_rc 0 $(exec_line ExecStart)
[ "$(running)" = "3501 3502 " ] || fail "unit ExecStart: running '$(running)'"
expect_rc 0 $(exec_line ExecStop)
[ -z "$(running)" ] || fail "unit ExecStop: still running $(running)"
nothing_left "the unit's ExecStop"
ok "systemd unit: verified, ExecStart and ExecStop"

# ---------------------------------------------------------------- suspend
set_conf VE_STOP_MODE suspend
# Without working checkpointing (a criu whose check fails): stop, and say so.
printf '#!/bin/sh\nexit 1\n' > $T/criu-broken; chmod +x $T/criu-broken
set_conf CRIU $T/criu-broken
expect_rc 0 $SVC start
expect_rc 0 $SVC stop
echo "$LAST_OUT" | grep -q "checkpointing is not available" || fail "no fallback message: $LAST_OUT"
[ -z "$(running)" ] || fail "suspend fallback: still running $(running)"
nothing_left "stop without checkpointing"
[ -z "$(ls -A $T/vz/dump)" ] || fail "dumps without checkpointing: $(ls $T/vz/dump)"
ok "VE_STOP_MODE=suspend without checkpointing: stopped, with a message"

# A criu whose check passes but whose dump fails: that CT is stopped.
cat > $T/criu-nodump <<'EOF'
#!/bin/sh
case $1 in
--version|-V) echo "Version: 3.19" ;;
check) echo "Looks good." ;;
*) echo "criu-nodump: refusing $1" >&2; exit 1 ;;
esac
EOF
chmod +x $T/criu-nodump
set_conf CRIU $T/criu-nodump
expect_rc 0 vzctl --version -v
echo "$LAST_OUT" | grep -q "criu check: passed" || fail "fake criu not taken: $LAST_OUT"
expect_rc 0 $SVC start
expect_rc 0 $SVC stop
echo "$LAST_OUT" | grep -q "CT 3501 could not be suspended, stopping it instead" || fail "no suspend failure message: $LAST_OUT"
[ -z "$(running)" ] || fail "failed suspend: still running $(running)"
expect_rc 0 vzlist -a -H -o ctid,status
! echo "$LAST_OUT" | grep -q suspended || fail "a CT is suspended: $LAST_OUT"
nothing_left "stop after a failed suspend"
ok "a failed suspend falls back to stop"

# With a working criu: suspended by the service stop, resumed by its start.
if ! find_criu; then
        echo "SKIP (part): no criu whose 'criu check' passes on this kernel (run scripts/get-criu):" \
             "suspend/resume by the service not tested"
else
        set_conf CRIU $CRIU
        A=3510 PRIV=$T/vz/private/3510
        expect_rc 0 vzctl create $A --ostemplate busybox
        expect_rc 0 vzctl set $A --onboot yes --save
        expect_rc 0 vzctl set 3501 --onboot no --save
        expect_rc 0 vzctl set 3502 --onboot no --save
        expect_rc 0 $SVC start
        [ "$(running)" = "$A " ] || fail "suspend part: running '$(running)'"
        expect_rc 0 vzctl exec $A 'setsid sh -c "echo \$\$ > /tmp/cnt.pid; i=0; while :; do i=\$((i+1)); echo \$i >> /tmp/cnt; sleep 0.1; done" </dev/null >/dev/null 2>&1 &
                sleep 0.5; cat /tmp/cnt.pid'
        PID=$LAST_OUT
        expect_rc 0 $SVC stop
        expect_rc 0 vzctl status $A
        [ "$LAST_OUT" = "CTID $A exist unmounted down suspended" ] || fail "after service stop: $LAST_OUT"
        [ -d $T/vz/dump/Dump.$A ] || fail "no dump of $A"
        [ -e $T/vzreboot/$A ] || fail "$A not remembered"
        nothing_left "suspend by vz-service stop"
        v1=$(tail -n1 $PRIV/tmp/cnt); sleep 1
        [ "$(tail -n1 $PRIV/tmp/cnt)" = "$v1" ] || fail "counter ran while suspended"
        expect_rc 0 $SVC start
        expect_rc 0 vzctl status $A
        [ "$LAST_OUT" = "CTID $A exist mounted running" ] || fail "after service start: $LAST_OUT"
        [ ! -e $T/vz/dump/Dump.$A ] || fail "dump kept after the resume"
        expect_rc 0 vzctl exec $A "kill -0 $PID && cat /tmp/cnt.pid"
        [ "$LAST_OUT" = "$PID" ] || fail "counter PID $PID -> $LAST_OUT"
        sleep 0.5
        v2=$(tail -n1 $PRIV/tmp/cnt)
        [ "$v2" -gt "$v1" ] || fail "counter did not go on: $v1 -> $v2"
        awk 'NR != $1 {bad = 1} END {exit bad || NR == 0}' $PRIV/tmp/cnt ||
                fail "counter restarted or skipped"
        expect_rc 0 $SVC stop
        expect_rc 0 vzctl restore $A
        set_conf VE_STOP_MODE stop
        expect_rc 0 $SVC stop
        nothing_left "vz-service stop"
        expect_rc 0 vzctl destroy $A
        ok "VE_STOP_MODE=suspend: suspended by stop, resumed by start (PID $PID, counter $v1 -> $v2)"
fi
for id in $CTS; do expect_rc 0 vzctl destroy $id; done

#!/bin/bash
# As root in a running CT (a second one running): no kernel modules, no
# setting the host clock, hostname changes stay in the CT, and the seccomp
# deny-list holds (keyctl, kexec, module and clock calls, open_by_handle_at...).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"

iso_ct 201 --hostname ct201.example
iso_ct 202 --hostname ct202.example
host_name=$(hostname)
modules_before=$(cat /proc/modules 2>/dev/null; ls /sys/module)

# kernel modules
ix 201 'insmod /bin/busybox'
[ $RC != 0 ] || fail "insmod succeeded in the CT"
ix 201 'mkdir -p /lib/modules/$(uname -r) && cp /bin/busybox /lib/modules/$(uname -r)/vzdummy.ko &&
        echo "vzdummy.ko:" > /lib/modules/$(uname -r)/modules.dep && modprobe vzdummy'
[ $RC != 0 ] || fail "modprobe succeeded in the CT"
ix 201 'rmmod vz_iso_nosuch'
[ $RC != 0 ] || fail "rmmod succeeded in the CT"
[ "$(cat /proc/modules 2>/dev/null; ls /sys/module)" = "$modules_before" ] || fail "the host's module list changed"
ok "insmod/modprobe/rmmod fail; host modules unchanged"

# the host clock
t0=$(date +%s)
ix 201 'date -s "2001-02-03 04:05:06"'
echo "$OUT" | grep -qi "can't set\|not permitted\|denied" || fail "date -s in the CT did not report a failure: $OUT"
ix 201 'hwclock -w'
t1=$(date +%s)
[ $((t1 - t0)) -ge 0 ] && [ $((t1 - t0)) -lt 60 ] || fail "the host clock moved: $t0 -> $t1"
ix 201 'date +%Y'
[ "$OUT" != 2001 ] || fail "the CT's clock was set"
ok "date -s fails; host clock unchanged"

# hostname: the CT's own changes, the host's and CT 202's do not
ix 201 'hostname vz-iso-new.example && hostname'
[ $RC = 0 ] && [ "$OUT" = vz-iso-new.example ] || fail "hostname in the CT: rc $RC: $OUT"
[ "$(hostname)" = "$host_name" ] || fail "the host's hostname changed to $(hostname)"
ix 202 hostname
[ "$OUT" = ct202.example ] || fail "CT 202's hostname is $OUT"
ix 201 'echo vz-iso-dom > /proc/sys/kernel/domainname; domainname vz-iso-dom 2>/dev/null; true'
[ "$(cat /proc/sys/kernel/domainname)" != vz-iso-dom ] || fail "the host's domainname changed"
ok "hostname changes only the CT's"

# seccomp deny-list, checked with a static probe calling the syscalls
if iso_probe 201; then
        for s in keyctl add_key request_key kexec_load kexec_file_load init_module finit_module \
                 delete_module open_by_handle_at settimeofday clock_settime swapon acct syslog \
                 iopl ioperm perf_event_open; do
                ix 201 "vzprobe sys $s"
                [ $RC = 0 ] || fail "syscall $s succeeded in the CT: $OUT"
                # seccomp answers EPERM (1); anything else means it did not act
                [ "$OUT" = "$s 1" ] || fail "syscall $s not denied by seccomp in the CT: errno ${OUT#$s }"
        done
        ok "seccomp denies keyctl, kexec, module, clock, handle, swap, acct, syslog, io, perf calls"
else
        ok "no C compiler: the seccomp probe was not run"
fi
t2=$(date +%s)
[ $((t2 - t0)) -ge 0 ] && [ $((t2 - t0)) -lt 120 ] || fail "the host clock moved: $t0 -> $t2"

expect_rc 0 vzctl status 202
echo "$LAST_OUT" | grep -q running || fail "CT 202 not running: $LAST_OUT"
expect_rc 0 vzctl stop 201
expect_rc 0 vzctl stop 202
expect_rc 0 vzctl destroy 201
expect_rc 0 vzctl destroy 202

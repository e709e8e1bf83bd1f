#!/bin/bash
# Migration of the Debian 12 / systemd CT between the two simulated hosts:
# offline (restart mode) from A to B, then live (CRIU) back from B to A.
# After each, the CT's systemd is "running" on the destination and a
# service of the CT (a socket unit of its own systemd) answers the client
# outside both hosts on the CT's IP; the live move keeps the PIDs of
# systemd's helpers (journald, the console getty) and of a server process,
# and leaves the CT as locked down as after its start (locked_on).
. "$(dirname "$0")/migrate-lib.sh"
need_criu
need_debian
mig_setup

ID=3110 IP=10.75.0.70
mig_ct A $ID
FAIL_LOGS="$T/h?/vz/dump/*.log"

expect_rc_on 0 A vzctl create $ID --ostemplate debian-12-x86_64-minimal --ipadd $IP --hostname deb-mig.test
# The service: socket activation by the CT's systemd, one instance per
# connection, answering with the CT's host name.
debian_http "$(private_of A $ID)"

http_get() { # body of GET / on the CT's port 80, from the client
        client timeout 3 bash -c "exec 3<>/dev/tcp/$IP/80; printf 'GET / HTTP/1.0\r\n\r\n' >&3; cat <&3" 2>/dev/null
}
answers() { http_get | grep -q "hello from deb-mig"; }
# running_on HOST: systemd of the CT there says "running" (within 60 s).
running_on() {
        local s
        for _ in $(seq 120); do
                s=$(on $1 vzctl exec $ID 'systemctl is-system-running' 2>&1)
                [ "$s" = running ] && return 0
                case $s in starting|initializing) sleep 0.5 ;; *) break ;; esac
        done
        fail "systemd on $1: $s ($(on $1 vzctl exec $ID 'systemctl --failed --no-legend' 2>&1))"
}
mac_of() { ip -n "${NS[$1]}" -o link show eth0 | sed 's/.*link\/ether \([^ ]*\).*/\1/'; }
# locked_on H: the live-migrated CT is as locked down as a started one
# (issue 19), systemd's files on /proc, /sys/fs/cgroup and /dev/null
# notwithstanding: its root can unmount no mask, lxcfs file or tree, nor
# remount /proc/sys writable or mount a fresh proc or sysfs.
locked_on() {
        local h=$1 m
        for m in /proc/kallsyms /proc/timer_list /proc/keys /proc/sysrq-trigger /proc/meminfo \
                 /proc/uptime /sys/devices/system/cpu/online /proc/sys /sys/fs/cgroup /dev/null \
                 /proc /sys /dev; do
                on $h vzctl exec2 $ID "umount $m || umount -l $m" >/dev/null 2>&1 &&
                        fail "on $h: 'umount $m' succeeded in the CT"
        done
        on $h vzctl exec2 $ID 'mount -o remount,bind,rw /proc/sys' >/dev/null 2>&1 &&
                fail "on $h: /proc/sys remounted read-write in the CT"
        on $h vzctl exec2 $ID 'mkdir -p /mnt/p && mount -t proc proc /mnt/p' >/dev/null 2>&1 &&
                fail "on $h: a fresh proc mount was allowed in the CT"
        on $h vzctl exec2 $ID 'mkdir -p /mnt/s && mount -t sysfs sysfs /mnt/s' >/dev/null 2>&1 &&
                fail "on $h: a fresh sysfs mount was allowed in the CT"
        ok "on $h: masks, lxcfs files, /proc/sys, /sys/fs/cgroup, /dev/null, /proc, /sys, /dev locked"
}

expect_rc_on 0 A vzctl start $ID --wait
running_on A
locked_on A
wait_until 10 answers || fail "service of CT $ID does not answer on A: $(http_get)"
ok "Debian CT runs on A: systemd running, service answers"

# Offline: stop, copy, start on B.
expect_rc_on 0 A vzmigrate ${HOSTIP[B]} $ID
status_on B $ID | grep -q "exist mounted running" || fail "not running on B: $(status_on B $ID)"
status_on A $ID | grep -q deleted || fail "still on A: $(status_on A $ID)"
running_on B
wait_until 10 answers || fail "service does not answer after the offline move: $(http_get)"
client ip neigh show $IP | grep -q "$(mac_of B)" || fail "client's entry for $IP not B's"
ok "offline A -> B: systemd running on B, service answers the client through B"

# Live: a server process of its own (a shell loop) and systemd's helpers
# keep their PIDs.
expect_rc_on 0 B vzctl exec $ID 'setsid sh -c "echo \$\$ > /run/loop.pid; while :; do sleep 1; done" </dev/null >/dev/null 2>&1 & sleep 0.3'
pids() { on $1 vzctl exec $ID 'echo $(pidof systemd-journald) $(pidof agetty) $(cat /run/loop.pid) $(readlink /proc/1/exe)'; }
before=$(pids B)
echo "$before" | grep -Eq '^[0-9]+ [0-9]+ [0-9]+ .*systemd$' || fail "journald/getty/loop/systemd not found: $before"
expect_rc_on 0 B vzmigrate --online -t ${HOSTIP[A]} $ID
echo "$LAST_OUT" | grep -E "^  frozen" || fail "-t printed no frozen time: $LAST_OUT"
status_on A $ID | grep -q "exist mounted running" || fail "not running on A: $(status_on A $ID)"
status_on B $ID | grep -q deleted || fail "still on B: $(status_on B $ID)"
[ -e "$(conf_of B $ID)" ] || [ -e "$(private_of B $ID)" ] && fail "trace of $ID left on B"
after=$(pids A)
[ "$after" = "$before" ] || fail "processes restarted: '$before' -> '$after'"
running_on A
locked_on A
wait_until 10 answers || fail "service does not answer after the live move: $(http_get)"
client ip neigh show $IP | grep -q "$(mac_of A)" || fail "client's entry for $IP not A's"
ok "live B -> A: same PIDs ($after), systemd running, service answers through A"
expect_rc_on 0 A vzctl stop $ID
status_on A $ID | grep -q "exist unmounted down" || fail "after stop: $(status_on A $ID)"
ok "the migrated CT stops gracefully"

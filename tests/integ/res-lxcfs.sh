#!/bin/bash
# The CT's own RAM, CPU count, load and uptime in its /proc (lxcfs, started
# by vzctl start on VZ_RUNDIR/lxcfs, one instance for every CT): meminfo
# from --ram, cpuinfo and /sys/devices/system/cpu/online from CPUS, uptime
# from the CT's start; a live change shows at once; a dead lxcfs is
# replaced at the next start; LXCFS=no gives the host's files back.
. "$(dirname "$0")/lib.sh"
need_cache busybox
[ -x /usr/bin/lxcfs ] || { echo "SKIP: lxcfs not installed (scripts/install-deps)"; exit 77; }
[ -c /dev/fuse ] || { echo "SKIP: no /dev/fuse (kernel without FUSE)"; exit 77; }
A=480 B=481
M=$T/run/lxcfs

expect_rc 0 vzctl create $A --ostemplate busybox
expect_rc 0 vzctl create $B --ostemplate busybox
expect_rc 0 vzctl set $A --ram 512M --swap 0 --cpus 1 --save
expect_rc 0 vzctl set $B --ram 300M --swap 0 --save
STARTED="$A $B"
expect_rc 0 vzctl start $A
expect_rc 0 vzctl start $B
pid=$(cat "$M.pid")
[ "$(cat /proc/$pid/comm)" = lxcfs ] || fail "no lxcfs running for $M"
grep -q " $M fuse.lxcfs " /proc/mounts || fail "$M is not lxcfs's mount"
n=$(for p in $(pgrep -x lxcfs); do tr '\0' ' ' </proc/$p/cmdline | grep -c " $M *$"; done | grep -c 1)
[ "$n" = 1 ] || fail "$n lxcfs instances on $M, want 1"

kb() { awk '/^MemTotal:/ {print $2}'; }
[ "$(vzctl exec $A 'cat /proc/meminfo' | kb)" = 524288 ] || fail "CT $A MemTotal: $(vzctl exec $A 'cat /proc/meminfo' | kb)"
[ "$(vzctl exec $B 'cat /proc/meminfo' | kb)" = 307200 ] || fail "CT $B MemTotal"
host_cpus=$(grep -c ^processor /proc/cpuinfo)
[ "$(vzctl exec $A 'grep -c ^processor /proc/cpuinfo')" = 1 ] || fail "CT $A: CPUS=1 but $(vzctl exec $A 'grep -c ^processor /proc/cpuinfo') CPUs in cpuinfo"
[ "$(vzctl exec $B 'grep -c ^processor /proc/cpuinfo')" = "$host_cpus" ] || fail "CT $B cpuinfo"
if [ -e "$M/sys/devices/system/cpu/online" ]; then
        [ "$(vzctl exec $A 'cat /sys/devices/system/cpu/online')" = 0 ] ||
                fail "CT $A cpu/online: $(vzctl exec $A 'cat /sys/devices/system/cpu/online')"
fi
up=$(vzctl exec $A 'cut -d. -f1 /proc/uptime')
hup=$(cut -d. -f1 /proc/uptime)
[ "$up" -lt 60 ] && [ "$up" -lt "$hup" ] || fail "CT uptime $up s (host $hup s)"
ok "meminfo, cpuinfo, cpu/online, uptime are the CT's"

# Live: a new --ram shows at the next read.
expect_rc 0 vzctl set $A --ram 768M
[ "$(vzctl exec $A 'cat /proc/meminfo' | kb)" = 786432 ] || fail "MemTotal after set --ram 768M"
ok "set --ram shows at once"

# A dead lxcfs: the next start brings a new one up (stale mount detached).
kill "$pid"
for _ in $(seq 50); do [ -d /proc/$pid ] || break; sleep 0.1; done
expect_rc 0 vzctl stop $B
expect_rc 0 vzctl start $B
pid2=$(cat "$M.pid")
[ "$pid2" != "$pid" ] && [ "$(cat /proc/$pid2/comm)" = lxcfs ] || fail "lxcfs not restarted"
[ "$(vzctl exec $B 'cat /proc/meminfo' | kb)" = 307200 ] || fail "CT $B MemTotal after lxcfs restart"
ok "dead lxcfs replaced at the next start"

# LXCFS=no: the host's own files.
expect_rc 0 vzctl stop $A
echo LXCFS=no >>"$VZ_CONFDIR/conf/$A.conf"
expect_rc 0 vzctl start $A
[ "$(vzctl exec $A 'cat /proc/meminfo' | kb)" = "$(kb </proc/meminfo)" ] || fail "LXCFS=no: MemTotal not the host's"
vzctl exec $A 'grep -q lxcfs /proc/self/mountinfo' && fail "LXCFS=no: lxcfs mounted in the CT"
ok "LXCFS=no"

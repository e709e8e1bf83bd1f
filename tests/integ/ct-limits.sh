#!/bin/bash
# What a CT's cgroup enforces from its start: NUMPROC (a fork bomb stops
# there, the host still forks), --ram/--swap set the memory limits, the
# device allow-list (DEVNODES grants a node); and a privileged CT
# (--local_uid 0): no user namespace, OpenVZ's capability set, no mknod of
# host disks.
. "$(dirname "$0")/lib.sh"
need_cache busybox
CG=vztest-$$
STARTED="101 102"

expect_rc 0 vzctl create 101 --ostemplate busybox
expect_rc 0 vzctl set 101 --numproc 30 --ram 128M --swap 64M --save
expect_rc 0 vzctl start 101
for f in /sys/fs/cgroup/pids/$CG/101/pids.max /sys/fs/cgroup/unified/$CG/101/pids.max /sys/fs/cgroup/$CG/101/pids.max; do
        [ -e $f ] && { [ "$(cat $f)" = 30 ] || fail "pids.max $(cat $f)"; }
done
m=/sys/fs/cgroup/memory/$CG/101/memory.limit_in_bytes
[ -e $m ] || m=/sys/fs/cgroup/unified/$CG/101/memory.max
[ -e $m ] || m=/sys/fs/cgroup/$CG/101/memory.max
[ "$(cat $m)" = $((128 << 20)) ] || fail "memory limit $(cat $m)"
# A fork bomb: stops at 30 processes; the host keeps forking meanwhile.
out=$(vzctl exec 101 'for i in $(seq 100); do sleep 30 & done 2>&1 | grep -c "can.t fork"; ps | wc -l')
n=$(echo "$out" | tail -1)
[ "$n" -le 32 ] || fail "CT reached $n processes with NUMPROC 30"
echo "$out" | head -1 | grep -q '^[1-9]' || fail "no fork failures inside: $out"
/bin/true || fail "host cannot fork"
ok "NUMPROC and memory limits"

# Privileged CT
expect_rc 0 vzctl create 102 --ostemplate busybox --local_uid 0 --local_gid 0
expect_rc 0 vzctl set 102 --devnodes net/tun:rw --save
expect_rc 0 vzctl start 102
expect_rc 0 vzctl exec 102 'cat /proc/self/uid_map'
echo "$LAST_OUT" | grep -Eq '^ +0 +0 +4294967295$' || fail "privileged CT has a user namespace: $LAST_OUT"
expect_rc 0 vzctl exec 102 'grep CapBnd /proc/self/status'
bnd=$((16#$(echo "$LAST_OUT" | awk '{print $2}')))
(( bnd & (1 << 21) )) && fail "CAP_SYS_ADMIN in a privileged CT"
(( bnd & (1 << 12) )) && fail "CAP_NET_ADMIN in a privileged CT"
(( bnd & (1 << 16) )) && fail "CAP_SYS_MODULE in a privileged CT"
rootdev=$(stat -c '%Hd %Ld' / )
expect_rc 1 vzctl exec2 102 "mknod /tmp/disk b $rootdev && head -c 512 /tmp/disk >/dev/null"
expect_rc 0 vzctl exec 102 'ls -l /dev/net/tun'
ok "privileged CT"
expect_rc 0 vzctl stop 101
expect_rc 0 vzctl stop 102
expect_rc 0 vzctl destroy 101
expect_rc 0 vzctl destroy 102

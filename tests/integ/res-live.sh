#!/bin/bash
# Live resource changes on a running CT (vzctl set, with and without
# --save), seen in the cgroup files from the host and in effect inside, and
# the beancounter views: vzubc --raw in /proc/user_beancounters' exact
# layout, vzlist's UBC fields.
. "$(dirname "$0")/lib.sh"
need_cache busybox
CG=vztest-$$
STARTED="101"
cgf() { # cgf CONTROLLER FILE: the CT's cgroup file (v1 hierarchy or cgroup2)
        local f=/sys/fs/cgroup/$1/$CG/101/$2
        [ -e "$f" ] || f=/sys/fs/cgroup/unified/$CG/101/$2
        [ -e "$f" ] || f=/sys/fs/cgroup/$CG/101/$2
        echo "$f"
}

expect_rc 0 vzctl create 101 --ostemplate busybox
expect_rc 0 vzctl set 101 --numproc 200 --ram 256M --swap 0 --save
expect_rc 0 vzctl start 101

# NUMPROC: lowered live, a fork bomb stops there and failcnt rises.
expect_rc 0 vzctl set 101 --numproc 20
[ "$(cat "$(cgf pids pids.max)")" = 20 ] || fail "pids.max $(cat "$(cgf pids pids.max)")"
out=$(vzctl exec 101 'for i in $(seq 60); do sleep 20 & done 2>&1 | grep -c "can.t fork"; ps | wc -l')
[ "$(echo "$out" | tail -1)" -le 22 ] || fail "CT reached $(echo "$out" | tail -1) processes with NUMPROC 20"
expect_rc 0 vzubc --raw 101
f=$(echo "$LAST_OUT" | awk '$1 == "numproc" {print $6}')
[ "${f:-0}" -ge 1 ] || fail "numproc failcnt $f: $LAST_OUT"
vzctl exec 101 'killall sleep' >/dev/null 2>&1
expect_rc 0 vzctl set 101 --numproc 300 --save
[ "$(cat "$(cgf pids pids.max)")" = 300 ] || fail "pids.max not raised"
grep -Eq '^NUMPROC="300(:300)?"' "$VZ_CONFDIR/conf/101.conf" || fail "NUMPROC not saved"
ok "NUMPROC live"

# vzubc --raw: /proc/user_beancounters layout, field by field.
expect_rc 0 vzubc --raw
raw=$LAST_OUT
[ "$(echo "$raw" | sed -n 1p)" = "Version: 2.5" ] || fail "raw line 1"
hdr=$(printf "%10s  %-12s %20s %20s %20s %20s %20s" uid resource held maxheld barrier limit failcnt)
[ "$(echo "$raw" | sed -n 2p)" = "$hdr" ] || fail "raw header: $(echo "$raw" | sed -n 2p)"
[ "$(echo "$raw" | wc -l)" = 26 ] || fail "raw: $(echo "$raw" | wc -l) lines, want 2 + 24"
echo "$raw" | sed -n 3p | grep -Eq '^       101: kmemsize {5,}' || fail "raw first row: $(echo "$raw" | sed -n 3p)"
names=$(echo "$raw" | tail -n +3 | sed 's/^.\{11\} //' | awk '{print $1}' | tr '\n' ' ')
want="kmemsize lockedpages privvmpages shmpages dummy numproc physpages vmguarpages oomguarpages numtcpsock numflock numpty numsiginfo tcpsndbuf tcprcvbuf othersockbuf dgramrcvbuf numothersock dcachesize numfile dummy dummy dummy numiptent "
[ "$names" = "$want" ] || fail "raw rows: $names"
echo "$raw" | tail -n +4 | while IFS= read -r l; do
        [ ${#l} = 129 ] || fail "raw row width ${#l}: '$l'"
        echo "$l" | grep -Eq '^ {11} [a-z]+ +( +[0-9]{1,20}){5}$' || fail "raw row: '$l'"
done || exit 1
pl=$(echo "$raw" | awk '$1 == "physpages" {print $5}')
[ "$pl" = 65536 ] || fail "physpages limit $pl, want 65536 (256M)"
ul=$(echo "$raw" | awk '$1 == "numtcpsock" {print $5}')
[ "$ul" = 9223372036854775807 ] || fail "unset limit shows $ul"
ok "vzubc --raw format"

# vzlist UBC fields of a running CT.
expect_rc 0 vzlist -j -o numproc,physpages 101
echo "$LAST_OUT" | python3 -c '
import json,sys
d=json.load(sys.stdin)[0]
n=d["numproc"]; p=d["physpages"]
assert n["held"] >= 1 and n["failcnt"] >= 1 and n["limit"] == 300, n
assert p["held"] > 0 and p["limit"] == 65536, p' || fail "vzlist -j: $LAST_OUT"
expect_rc 0 vzlist -H -o numproc,numproc.f,physpages.l 101
set -- $LAST_OUT
[ "$1" -ge 1 ] && [ "$2" -ge 1 ] && [ "$3" = 65536 ] || fail "vzlist -o: $LAST_OUT"
ok "vzlist UBC fields"

# Memory: --ram 128M --swap 0 live; a hog is OOM-killed inside the CT,
# failcnt rises, the CT and the host live on.
sleep 300 & hostpid=$!
expect_rc 0 vzctl set 101 --ram 128M --swap 0
m=$(cgf memory memory.limit_in_bytes); [ -e "$m" ] || m=$(cgf memory memory.max)
[ "$(cat "$m")" = $((128 << 20)) ] || fail "memory limit $(cat "$m")"
vzctl exec 101 'dd if=/dev/zero of=/dev/null bs=300M count=1' >/dev/null 2>&1 && fail "300M allocation succeeded under --ram 128M"
kill -0 $hostpid || fail "a host process was killed"
kill $hostpid
expect_rc 0 vzctl exec 101 'echo alive'
expect_rc 0 vzubc --raw 101
f=$(echo "$LAST_OUT" | awk '$1 == "physpages" {print $6}')
[ "${f:-0}" -ge 1 ] || fail "physpages failcnt $f"
ok "memory limit live"

# Lowering below usage: refused (v1 EBUSY), nothing changed, exit 1.
if [ -e "$(cgf memory memory.limit_in_bytes)" ]; then
        vzctl exec 101 'dd if=/dev/zero of=/dev/shm/x bs=1M count=40 2>/dev/null'
        before=$(cat "$(cgf pids pids.max)")
        expect_rc 1 vzctl set 101 --ram 8M --numproc 77
        echo "$LAST_OUT" | grep -q "cannot lower the RAM limit" || fail "message: $LAST_OUT"
        [ "$(cat "$m")" = $((128 << 20)) ] || fail "memory limit changed to $(cat "$m")"
        [ "$(cat "$(cgf pids pids.max)")" = "$before" ] || fail "pids.max changed on failure"
        vzctl exec 101 'rm -f /dev/shm/x'
        ok "lowering below usage refused, nothing changed"
fi

# Raising and lowering RAM and swap live: the cgroup files follow at once.
sw=$(cgf memory memory.memsw.limit_in_bytes); [ -e "$sw" ] || sw=$(cgf memory memory.swap.max)
swap_file() { # what the swap file should read for RAM and swap in MB
        case $sw in
        *memsw*) echo $((($1 + $2) << 20)) ;;
        *) echo $(($2 << 20)) ;;
        esac
}
for rs in "256 64" "192 128" "160 32" "256 0"; do
        set -- $rs
        expect_rc 0 vzctl set 101 --ram ${1}M --swap ${2}M
        [ "$(cat "$m")" = $(($1 << 20)) ] || fail "--ram ${1}M: memory limit $(cat "$m")"
        if [ -e "$sw" ]; then
                [ "$(cat "$sw")" = "$(swap_file "$1" "$2")" ] || fail "--swap ${2}M: $sw = $(cat "$sw")"
        fi
done
ok "RAM and swap raised and lowered live"

# CPU: units, limit (CPUS caps it), mask.
expect_rc 0 vzctl set 101 --cpuunits 2000 --cpulimit 50
if [ -e "$(cgf cpu cpu.shares)" ]; then
        [ "$(cat "$(cgf cpu cpu.shares)")" = 2048 ] || fail "cpu.shares $(cat "$(cgf cpu cpu.shares)")"
        [ "$(cat "$(cgf cpu cpu.cfs_quota_us)")" = 50000 ] || fail "cfs_quota $(cat "$(cgf cpu cpu.cfs_quota_us)")"
        expect_rc 0 vzctl set 101 --cpulimit 0 --cpus 1
        [ "$(cat "$(cgf cpu cpu.cfs_quota_us)")" = 100000 ] || fail "CPUS cap"
        expect_rc 0 vzctl set 101 --cpus 0
        [ "$(cat "$(cgf cpu cpu.cfs_quota_us)")" = -1 ] || fail "unlimited"
else
        [ "$(cat "$(cgf cpu cpu.weight)")" = 200 ] || fail "cpu.weight"
        [ "$(cat "$(cgf cpu cpu.max)")" = "50000 100000" ] || fail "cpu.max"
        expect_rc 0 vzctl set 101 --cpulimit 0 --cpus 1
        [ "$(cat "$(cgf cpu cpu.max)")" = "100000 100000" ] || fail "CPUS cap: $(cat "$(cgf cpu cpu.max)")"
        expect_rc 0 vzctl set 101 --cpus 2
        [ "$(cat "$(cgf cpu cpu.max)")" = "200000 100000" ] || fail "CPUS raised: $(cat "$(cgf cpu cpu.max)")"
        expect_rc 0 vzctl set 101 --cpus 0
        [ "$(cat "$(cgf cpu cpu.max)")" = "max 100000" ] || fail "unlimited: $(cat "$(cgf cpu cpu.max)")"
fi
if [ -e "$(cgf cpu cpu.shares)" ]; then
        expect_rc 0 vzctl set 101 --cpus 2
        [ "$(cat "$(cgf cpu cpu.cfs_quota_us)")" = 200000 ] || fail "CPUS raised"
        expect_rc 0 vzctl set 101 --cpus 0
fi
# In effect: a busy loop at --cpulimit 20 gets about 20% of a CPU.
expect_rc 0 vzctl set 101 --cpulimit 20
u0=$(awk '{print $1}' "$(cgf cpuacct cpuacct.usage)" 2>/dev/null || echo)
vzctl exec 101 'timeout 2 sh -c "while :; do :; done"' >/dev/null 2>&1
if [ -n "$u0" ]; then
        u1=$(awk '{print $1}' "$(cgf cpuacct cpuacct.usage)")
        used=$(( (u1 - u0) / 1000000 ))
        [ "$used" -le 700 ] || fail "CT used ${used} ms of CPU in 2 s at --cpulimit 20"
fi
if [ "$(nproc)" -ge 2 ]; then
        expect_rc 0 vzctl set 101 --cpumask 1
        [ "$(cat "$(cgf cpuset cpuset.cpus)")" = 1 ] || fail "cpuset.cpus $(cat "$(cgf cpuset cpuset.cpus)")"
        expect_rc 0 vzctl exec 101 'grep Cpus_allowed_list /proc/self/status'
        echo "$LAST_OUT" | grep -q '	1$' || fail "inside: $LAST_OUT"
        expect_rc 0 vzctl set 101 --cpumask all
        [ "$(cat "$(cgf cpuset cpuset.cpus)")" = "$(cat /sys/fs/cgroup/cpuset/cpuset.cpus 2>/dev/null || cat "$(cgf cpuset cpuset.cpus)")" ] || fail "cpumask all"
fi
ok "CPU live"

# I/O limit on the disk holding VE_PRIVATE.
dev=$(stat -c '%Hd:%Ld' "$T/vz/private/101")
if [ "${dev%%:*}" != 0 ]; then
        [ -e /sys/dev/block/$dev/partition ] && dev=$(cat /sys/dev/block/$dev/../dev)
        expect_rc 0 vzctl set 101 --iolimit 10
        t=$(cgf blkio blkio.throttle.read_bps_device)
        if [ -e "$t" ]; then
                grep -qx "$dev 10485760" "$t" || fail "read_bps: $(cat "$t")"
                grep -qx "$dev 10485760" "$(cgf blkio blkio.throttle.write_bps_device)" || fail "write_bps"
                expect_rc 0 vzctl set 101 --iolimit 0
                grep -q "^$dev " "$t" && fail "iolimit not removed: $(cat "$t")"
        fi
        ok "IOLIMIT live"
fi
# IOPSLIMIT raised and lowered live (its effect is res-io's).
if [ "${dev%%:*}" != 0 ]; then
        for n in 100 300 0; do
                expect_rc 0 vzctl set 101 --iopslimit $n
                if [ -e "$(cgf blkio blkio.throttle.write_iops_device)" ]; then
                        if [ $n = 0 ]; then
                                grep -q "^$dev " "$(cgf blkio blkio.throttle.write_iops_device)" && fail "iopslimit not removed"
                        else
                                grep -qx "$dev $n" "$(cgf blkio blkio.throttle.write_iops_device)" || fail "write_iops $n"
                        fi
                else
                        # v2: a device whose limits are all max has no line.
                        if [ $n = 0 ]; then
                                ! grep -q "^$dev .*wiops=[0-9]" "$(cgf io io.max)" || fail "io.max at 0: $(cat "$(cgf io io.max)")"
                        else
                                grep -q "^$dev .*wiops=$n\$" "$(cgf io io.max)" || fail "io.max at $n: $(cat "$(cgf io io.max)")"
                        fi
                fi
        done
        ok "IOPSLIMIT raised and lowered live"
fi

# What the kernel cannot enforce is kept, shown and said so, never dropped.
expect_rc 0 vzctl set 101 --lockedpages 100 --numtcpsock 50 --save
echo "$LAST_OUT" | grep -q "LOCKEDPAGES is saved but not enforced" || fail "no message for LOCKEDPAGES: $LAST_OUT"
echo "$LAST_OUT" | grep -q "NUMTCPSOCK is saved but not enforced" || fail "no message for NUMTCPSOCK: $LAST_OUT"
grep -Eq '^LOCKEDPAGES="100(:100)?"' "$VZ_CONFDIR/conf/101.conf" || fail "LOCKEDPAGES not saved"
expect_rc 0 vzlist -H -o lockedpages.l,numtcpsock.l 101
[ "$(echo $LAST_OUT)" = "100 50" ] || fail "vzlist shows: $LAST_OUT"
expect_rc 0 vzubc -v 101
echo "$LAST_OUT" | grep -E '^ *lockedpages ' | grep -q "(not enforced)" || fail "vzubc -v: $LAST_OUT"
echo "$LAST_OUT" | grep -E '^ *numproc ' | grep -q "(not enforced)" && fail "vzubc -v marks numproc: $LAST_OUT"
# KMEMSIZE: cgroup v2 has no such limit, Linux 6.1+ ignores the v1 one.
expect_rc 0 vzctl set 101 --kmemsize 20M --save
echo "$LAST_OUT" | grep -q "KMEMSIZE is saved but not enforced" || fail "no message for KMEMSIZE: $LAST_OUT"
# IOPRIO: weights act only with BFQ or io.cost on the CT's disk.
if [ "${dev%%:*}" != 0 ]; then
        expect_rc 0 vzctl set 101 --ioprio 6
        if grep -q '\[bfq\]' /sys/dev/block/$dev/queue/scheduler 2>/dev/null ||
           grep -q "^$dev .*enable=1" /sys/fs/cgroup/io.cost.qos 2>/dev/null; then
                echo "$LAST_OUT" | grep -q "not enforced" && fail "IOPRIO marked not enforced with BFQ/io.cost: $LAST_OUT"
        else
                echo "$LAST_OUT" | grep -q "IOPRIO is set but not enforced" || fail "no message for IOPRIO: $LAST_OUT"
        fi
fi
expect_rc 0 vzctl set 101 --numproc 250
echo "$LAST_OUT" | grep -q "not enforced" && fail "NUMPROC marked not enforced: $LAST_OUT"
ok "unenforceable parameters saved, shown, marked"

expect_rc 0 vzctl stop 101
expect_rc 0 vzctl destroy 101

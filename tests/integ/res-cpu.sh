#!/bin/bash
# CPU enforcement on running CTs, all set live (vzctl set, no restart), seen
# from the host (the cgroup's CPU usage: cpuacct.usage on v1, cpu.stat on
# v2) and from inside (the busy processes' own utime+stime in the CT's
# /proc):
#   CPUMASK confines every thread of the CT (Cpus_allowed_list inside and on
#   the host); two CPU-bound CTs pinned to one CPU with CPUUNITS 1000 and
#   3000 share it 1:3 (within 15%), and 1:1 once the second is lowered;
#   CPULIMIT 25 holds a busy CT to 25% of a CPU (within 5 points), raised
#   to 50 it gets 50.
# The machine may be busy with other work: shares are compared as a ratio
# between the two CTs, and the test's own VZ_CGROUP parent gets the highest
# weight so that the CTs get the CPU time their limits allow (the limits
# themselves are what is checked).
. "$(dirname "$0")/lib.sh"
need_cache busybox
CG=vztest-$$
STARTED="401 402"
HZ=$(getconf CLK_TCK)
if [ -d /sys/fs/cgroup/cpu ] && [ -e /sys/fs/cgroup/cpu/cpu.shares ]; then mode=v1; else mode=v2; fi
cpuf() { # cpuf CTID FILE
        if [ $mode = v1 ]; then
                case $2 in
                cpuset.*) echo /sys/fs/cgroup/cpuset/$CG/$1/$2 ;;
                cpuacct.*) echo /sys/fs/cgroup/cpuacct/$CG/$1/$2 ;;
                *) echo /sys/fs/cgroup/cpu/$CG/$1/$2 ;;
                esac
        else
                echo /sys/fs/cgroup/$CG/$1/$2
        fi
}
usage_us() { # CPU time the CT's cgroup used, in microseconds
        if [ $mode = v1 ]; then
                echo $(( $(cat "$(cpuf "$1" cpuacct.usage)") / 1000 ))
        else
                awk '$1 == "usage_usec" {print $2}' "$(cpuf "$1" cpu.stat)"
        fi
}
now_us() { echo $(( $(date +%s%N) / 1000 )); }
# The host and the CT measure the same window, marked through FIFOs in the
# CT's filesystem (a vzctl exec takes a while to start, longest under
# emulation): the CT's script says "ready" once its loops run, then counts
# their ticks between "go" and "stop", written by the host.
sdir() { echo "$T/vz/root/$1/vzsync"; }
# busy_start CTID N: N busy loops inside, waiting for go.
busy_start() {
        local d; d=$(sdir "$1"); rm -rf "$d"; mkdir -p "$d"
        mkfifo -m 666 "$d/go" "$d/stop"; chmod 1777 "$d"
        vzctl exec "$1" "i=0; p=''
                while [ \$i -lt $2 ]; do sh -c 'while :; do :; done' & p=\"\$p \$!\"; i=\$((i+1)); done
                ticks() { t=0; for q in \$p; do set -- \$(cat /proc/\$q/stat); t=\$((t + \${14} + \${15})); done; read u x < /proc/uptime; echo \$t \$u; }
                touch /vzsync/ready
                read x < /vzsync/go; a=\$(ticks); read x < /vzsync/stop; b=\$(ticks)
                kill \$p; echo \$a \$b > /vzsync/ticks" > "$T/busy$1" 2>&1 &
}
wait_ready() {
        local i
        for i in $(seq 1200); do [ -e "$(sdir "$1")/ready" ] && return 0; sleep 0.05; done
        fail "CT $1 did not start its loops: $(cat "$T/busy$1")"
}
go() { echo > "$(sdir "$1")/go"; }
stop() { echo > "$(sdir "$1")/stop"; }
ticks() { # the CT's count, once its script ended
        local i
        for i in $(seq 600); do [ -s "$(sdir "$1")/ticks" ] && break; sleep 0.05; done
        awk 'NF == 4 {print $3 - $1}' "$(sdir "$1")/ticks" 2>/dev/null | grep . ||
                fail "CT $1 counted nothing: $(cat "$T/busy$1")"
}
# inside_pct CTID: % of one CPU the loops used over the CT's own window
# (its /proc/uptime read beside the ticks: under emulation and a quota the
# CT's own reads run late, the window moves with them).
inside_pct() {
        awk -v hz="$HZ" 'NF == 4 && $4 > $2 {print 100 * ($3 - $1) / hz / ($4 - $2)}' "$(sdir "$1")/ticks"
}
# within VALUE LOW HIGH (decimals)
within() { [ "$(echo "$1 >= $2 && $1 <= $3" | bc -l)" = 1 ]; }

expect_rc 0 vzctl create 401 --ostemplate busybox
expect_rc 0 vzctl create 402 --ostemplate busybox
expect_rc 0 vzctl start 401
expect_rc 0 vzctl start 402
if [ $mode = v1 ]; then
        echo 262144 > /sys/fs/cgroup/cpu/$CG/cpu.shares
else
        echo 10000 > /sys/fs/cgroup/$CG/cpu.weight
fi
cpu=$(( $(nproc) - 1 ))

# CPUMASK live: every thread of each CT, inside and seen from the host.
for id in 401 402; do
        expect_rc 0 vzctl set $id --cpumask $cpu --save
        [ "$(cat "$(cpuf $id cpuset.cpus)")" = $cpu ] || fail "cpuset.cpus $(cat "$(cpuf $id cpuset.cpus)")"
done
expect_rc 0 vzctl exec 401 "sleep 30 & sleep 30 & grep -h Cpus_allowed_list /proc/[0-9]*/task/*/status | sort | uniq -c"
[ "$(echo "$LAST_OUT" | awk '{print $3}' | sort -u)" = $cpu ] || fail "threads inside run on: $LAST_OUT"
procs=$(cat "$(cpuf 401 cgroup.procs)")
[ "$(echo "$procs" | wc -w)" -ge 3 ] || fail "cgroup.procs: $procs"
for p in $procs; do
        for s in /proc/$p/task/*/status; do
                [ "$(awk '/^Cpus_allowed_list/ {print $2}' "$s" 2>/dev/null || echo $cpu)" = $cpu ] || fail "host sees $s: $(grep Cpus_allowed_list "$s")"
        done
done
vzctl exec 401 'killall sleep' >/dev/null 2>&1
ok "CPUMASK confines every thread"

# CPUUNITS 1000 : 3000 on one CPU.
expect_rc 0 vzctl set 401 --cpuunits 1000
expect_rc 0 vzctl set 402 --cpuunits 3000
if [ $mode = v1 ]; then
        [ "$(cat "$(cpuf 402 cpu.shares)")" = 3072 ] || fail "cpu.shares $(cat "$(cpuf 402 cpu.shares)")"
        [ "$(cat "$(cpuf 401 cpu.shares)")" = 1024 ] || fail "cpu.shares $(cat "$(cpuf 401 cpu.shares)")"
else
        [ "$(cat "$(cpuf 402 cpu.weight)")" = 300 ] || fail "cpu.weight $(cat "$(cpuf 402 cpu.weight)")"
        [ "$(cat "$(cpuf 401 cpu.weight)")" = 100 ] || fail "cpu.weight $(cat "$(cpuf 401 cpu.weight)")"
fi
# share WANT: both CTs busy, an 8 s window measured on the host and inside.
share() {
        local want=$1 a0 b0 a1 b1 t0 t1 ra rb ia ib
        busy_start 401 1; busy_start 402 1
        wait_ready 401; wait_ready 402
        sleep 1
        a0=$(usage_us 401) b0=$(usage_us 402) t0=$(now_us)
        go 401; go 402
        sleep 8
        stop 401; stop 402
        a1=$(usage_us 401) b1=$(usage_us 402) t1=$(now_us)
        ia=$(ticks 401) || exit 1
        ib=$(ticks 402) || exit 1
        wait
        ra=$(echo "($b1 - $b0) / ($a1 - $a0)" | bc -l)
        rb=$(echo "$ib / $ia" | bc -l)
        tot=$(echo "($a1 - $a0 + $b1 - $b0) / ($t1 - $t0)" | bc -l)
        printf 'CPUUNITS share 402:401 want %s: host %.2f, inside %.2f (CPU use of both %.2f CPUs)\n' \
                "$want" "$ra" "$rb" "$tot"
        within "$ra" "$(echo "$want * 0.85" | bc -l)" "$(echo "$want * 1.15" | bc -l)" || fail "host ratio $ra, want $want"
        within "$rb" "$(echo "$want * 0.85" | bc -l)" "$(echo "$want * 1.15" | bc -l)" || fail "inside ratio $rb, want $want"
        # Both pinned to one CPU: together never more than one CPU.
        within "$tot" 0 1.08 || fail "pinned CTs used $tot CPUs"
}
share 3
ok "CPUUNITS 1000:3000 gives 1:3"
expect_rc 0 vzctl set 402 --cpuunits 1000
share 1
ok "CPUUNITS lowered live: 1:1"

# CPULIMIT: two busy loops (demand 200%) on all CPUs, held to the limit.
# limit PCT: usage over an 8 s window, host and inside.
limit() {
        local pct=$1 a0 a1 t0 t1 h i n
        busy_start 401 2
        wait_ready 401
        sleep 1
        a0=$(usage_us 401) t0=$(now_us)
        go 401
        sleep 8
        stop 401
        a1=$(usage_us 401) t1=$(now_us)
        n=$(ticks 401) || exit 1
        wait
        h=$(echo "100 * ($a1 - $a0) / ($t1 - $t0)" | bc -l)
        i=$(inside_pct 401)
        [ -n "$i" ] || fail "inside: $(cat "$(sdir 401)/ticks")"
        printf 'CPULIMIT %s: host %.1f%%, inside %.1f%%\n' "$pct" "$h" "$i"
        within "$h" $((pct - 5)) $((pct + 5)) || fail "CPULIMIT $pct: host sees $h%"
        within "$i" $((pct - 5)) $((pct + 5)) || fail "CPULIMIT $pct: inside sees $i%"
}
expect_rc 0 vzctl set 401 --cpumask all --cpulimit 25
if [ $mode = v1 ]; then
        [ "$(cat "$(cpuf 401 cpu.cfs_quota_us)")" = 25000 ] || fail "cfs_quota_us $(cat "$(cpuf 401 cpu.cfs_quota_us)")"
else
        [ "$(cat "$(cpuf 401 cpu.max)")" = "25000 100000" ] || fail "cpu.max $(cat "$(cpuf 401 cpu.max)")"
fi
if [ $mode = v1 ]; then all=$(cat /sys/fs/cgroup/cpuset/$CG/cpuset.cpus); else all=$(cat /sys/fs/cgroup/$CG/cpuset.cpus.effective); fi
[ "$(cat "$(cpuf 401 cpuset.cpus)")" = "$all" ] || fail "cpumask all: $(cat "$(cpuf 401 cpuset.cpus)"), parent $all"
limit 25
ok "CPULIMIT 25 holds"
expect_rc 0 vzctl set 401 --cpulimit 50
limit 50
ok "CPULIMIT raised live to 50"

expect_rc 0 vzctl stop 401
expect_rc 0 vzctl stop 402
expect_rc 0 vzctl destroy 401
expect_rc 0 vzctl destroy 402

#!/bin/bash
# `free` inside a CT shows the CT's RAM and swap (--ram 256M --swap 128M),
# as OpenVZ's VSwap did, also on a host without swap: busybox free asks
# sysinfo(2) (answered by the CT's supervisor through a seccomp user
# notification), procps free reads /proc/meminfo (the supervisor's file).
# 50 MB put in /dev/shm show as used (shared) and leave free. busybox
# uptime (sysinfo too) shows the CT's uptime. The listener of each vzctl
# exec is dropped by the supervisor when the exec's processes are gone.
# The Debian part needs debootstrap (its cache); skipped without it.
. "$(dirname "$0")/lib.sh"
need_cache busybox
A=740 D=741
STARTED="$A"

# "free -m" lines: "<total> <used> <free> <shared>" for Mem, "<total>" swap.
mem() { awk '/^Mem:/ {print $2, $3, $4, $5}'; }
swap() { awk '/^Swap:/ {print $2}'; }
near() { [ "$1" -ge "$(($2 - $3))" ] && [ "$1" -le "$(($2 + $3))" ]; }

check_free() { # what ctid
        local what=$1 id=$2 before after t u f s t2 u2 f2 s2
        expect_rc 0 vzctl exec $id 'rm -f /dev/shm/vzfree; free -m'
        before=$LAST_OUT
        read -r t u f s <<<"$(mem <<<"$before")"
        near "$t" 256 1 || fail "$what: Mem total $t MB, want 256: $before"
        near "$(swap <<<"$before")" 128 1 || fail "$what: Swap total, want 128: $before"
        [ "$f" -gt 150 ] || fail "$what: only $f MB free: $before"
        expect_rc 0 vzctl exec $id 'dd if=/dev/zero of=/dev/shm/vzfree bs=1M count=50 2>/dev/null; free -m; rm -f /dev/shm/vzfree'
        after=$LAST_OUT
        read -r t2 u2 f2 s2 <<<"$(mem <<<"$after")"
        near "$t2" 256 1 || fail "$what: Mem total after 50 MB: $after"
        near $((f - f2)) 50 10 || fail "$what: free went $f -> $f2 MB with 50 MB in /dev/shm: $before / $after"
        near $((s2 - s)) 50 10 || fail "$what: shared went $s -> $s2 MB with 50 MB in /dev/shm: $before / $after"
        ok "$what: free -m shows 256 MB RAM, 128 MB swap; 50 MB in /dev/shm: free $f -> $f2, shared $s -> $s2"
}

expect_rc 0 vzctl create $A --ostemplate busybox
expect_rc 0 vzctl set $A --ram 256M --swap 128M --save
expect_rc 0 vzctl start $A
# busybox free: sysinfo(2) only.
check_free "busybox (sysinfo)" $A
expect_rc 0 vzctl exec $A 'uptime'
echo "$LAST_OUT" | grep -Eq 'up +[0-9] min' || fail "busybox uptime is not the CT's: $LAST_OUT"
ok "busybox uptime: $LAST_OUT"
# /proc/meminfo in the busybox CT too.
expect_rc 0 vzctl exec $A 'grep -E "^(MemTotal|SwapTotal):" /proc/meminfo'
echo "$LAST_OUT" | tr -s ' ' | grep -qx "MemTotal: 262144 kB" || fail "busybox /proc/meminfo: $LAST_OUT"
echo "$LAST_OUT" | tr -s ' ' | grep -qx "SwapTotal: 131072 kB" || fail "busybox /proc/meminfo: $LAST_OUT"
# A live change shows at once.
expect_rc 0 vzctl set $A --ram 300M --swap 100M
expect_rc 0 vzctl exec $A 'free -m'
near "$(mem <<<"$LAST_OUT" | cut -d' ' -f1)" 300 1 && near "$(swap <<<"$LAST_OUT")" 100 1 ||
        fail "after set --ram 300M --swap 100M: $LAST_OUT"
ok "set --ram/--swap shows at once in free"
# vzctl enter's shell likewise (on a pty: script(1)).
if command -v script >/dev/null; then
        out=$(timeout 30 script -qec "vzctl enter $A --exec free -m" /dev/null </dev/null 2>&1)
        near "$(mem <<<"$out" | cut -d' ' -f1)" 300 1 || fail "free in vzctl enter: $out"
        ok "free in vzctl enter"
fi
# The supervisor keeps init's listener only, once the execs are gone.
SUP=$(cat "$T/run/$A.pid")
n=$(for f in /proc/$SUP/fd/*; do readlink "$f"; done | grep -c 'seccomp')
[ "$n" = 1 ] || fail "the supervisor holds $n seccomp listeners after the execs ended, want 1 (init's)"
ok "exec listeners dropped ($n left: init's)"

have_debian || { echo "(Debian part skipped: debootstrap not installed)"; exit 0; }
STARTED="$A $D"
expect_rc 0 vzctl create $D --ostemplate debian-12-x86_64-minimal
expect_rc 0 vzctl set $D --ram 256M --swap 128M --save
expect_rc 0 vzctl start $D
check_free "Debian (procps, /proc/meminfo)" $D

#!/bin/bash
# What vzctl exec (and enter) start inside a CT belongs to the CT: its own
# session and process group, whose leader is a process of the CT's PID
# namespace (a process left in vzctl's host session made the CT impossible
# to checkpoint: criu "A session leader ... is outside of its pid
# namespace"). A background process left by exec survives chkpnt + restore.
# Interactive use keeps working: Ctrl-C (SIGINT to vzctl) ends the command.
# The checkpoint part needs a criu whose `criu check` passes (skipped
# otherwise, the rest still runs).
. "$(dirname "$0")/lib.sh"
need_cache busybox

A=710
STARTED=$A
find_criu && criu_conf

expect_rc 0 vzctl create $A --ostemplate busybox
expect_rc 0 vzctl set $A --ram 256M --save
expect_rc 0 vzctl start $A
INIT=$(cat "$T/run/$A.init")

# The host PID of a process of the CT whose command line is exactly $1.
ct_pid() {
        local p
        for p in $(pgrep -x -f "$1"); do
                [ "$(readlink /proc/$p/ns/pid)" = "$(readlink /proc/$INIT/ns/pid)" ] && { echo "$p"; return; }
        done
}
# Session and process group as seen from the CT's PID namespace (the last
# column of NSsid/NSpgid; 0 when the leader is outside it).
in_ct_ids() { # pid
        local sid pgid
        sid=$(awk '/^NSsid:/ {print NF - 1, $NF}' "/proc/$1/status")
        pgid=$(awk '/^NSpgid:/ {print NF - 1, $NF}' "/proc/$1/status")
        echo "sid=$sid pgid=$pgid"
}
check_ids() { # pid what
        local ids
        ids=$(in_ct_ids "$1")
        # Two levels (host, CT) and a leader inside (non-zero in the CT).
        echo "$ids" | grep -Eq '^sid=2 [1-9][0-9]* pgid=2 [1-9][0-9]*$' ||
                fail "$2: session/process group not of the CT ($ids; host sid $(ps -o sid= -p "$1"))"
}

expect_rc 0 vzctl exec $A 'sleep 31713 </dev/null >/dev/null 2>&1 &'
SLEEP=$(ct_pid "sleep 31713")
[ -n "$SLEEP" ] || fail "the background sleep is not running"
check_ids "$SLEEP" "exec 'sleep &'"
ok "exec: background process in a session and process group of the CT ($(in_ct_ids "$SLEEP"))"

# exec2/exec3 (a command without a shell) likewise; a running command's
# own IDs, seen from inside.
expect_rc 0 vzctl exec3 $A sh -c 'echo $$; cut -d" " -f 5,6 /proc/self/stat'
set -- $LAST_OUT
[ "$#" = 3 ] || fail "exec3 output: $LAST_OUT"
# cut runs in its shell's process group and session: both are the shell's.
[ "$2 $3" = "$1 $1" ] || fail "exec3: pgid/sid $2/$3, shell $1"
ok "exec3: the command leads its own session and process group ($1)"

# Interactive use: SIGINT to vzctl (Ctrl-C) ends the command inside.
# (A background job of a script starts with SIGINT ignored: reset it, as
# a terminal's foreground job has it.)
env --default-signal=INT vzctl exec2 $A 'sleep 31714' </dev/null >/dev/null 2>&1 &
VZ=$!
for _ in $(seq 50); do P=$(ct_pid "sleep 31714"); [ -n "$P" ] && break; sleep 0.1; done
[ -n "$P" ] || fail "sleep 31714 did not start"
kill -INT $VZ
for _ in $(seq 50); do kill -0 "$P" 2>/dev/null || break; sleep 0.1; done
kill -0 "$P" 2>/dev/null && { kill "$P"; fail "SIGINT to vzctl exec left the command running"; }
wait $VZ
rc=$?
[ "$rc" = 130 ] || fail "vzctl exec2 after SIGINT exited $rc, expected 130 (the command's status)"
ok "SIGINT to vzctl exec2 ends the command (exit $rc)"

if [ -z "$CRIU" ]; then
        echo "(checkpoint part skipped: no criu whose 'criu check' passes)"
        exit 0
fi
# A restored process's sysinfo(2) (busybox free): criu restores the CT's
# seccomp filter without the supervisor's listener; the call must still
# work (it gets the kernel's answer), and a new exec gets the CT's again.
expect_rc 0 vzctl exec $A 'while :; do free > /tmp/free.out 2>&1; sleep 0.2; done </dev/null >/dev/null 2>&1 &'
expect_rc 0 vzctl chkpnt $A
expect_rc 0 vzctl restore $A
sleep 1
# (busybox free ignores a failing sysinfo and prints what its stack held.)
HOSTKB=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
awk -v h="$HOSTKB" '/^Mem:/ {exit !($2 > 0 && $2 <= h && $2 == $3 + $4 + $6)}' "$T/vz/private/$A/tmp/free.out" ||
        fail "free in a restored process: $(cat "$T/vz/private/$A/tmp/free.out")"
expect_rc 0 vzctl exec $A 'free -m'
echo "$LAST_OUT" | awk '/^Mem:/ {exit !($2 >= 255 && $2 <= 256)}' || fail "free after restore: $LAST_OUT"
ok "sysinfo after restore: restored processes get an answer, new ones the CT's"
INIT=$(cat "$T/run/$A.init")
expect_rc 0 vzctl exec $A 'pidof sleep'
[ -n "$LAST_OUT" ] || fail "sleep gone after restore"
SLEEP=$(ct_pid "sleep 31713")
[ -n "$SLEEP" ] || fail "sleep 31713 not found after restore"
check_ids "$SLEEP" "after restore"
ok "chkpnt + restore with an exec'd background process; it is still there"

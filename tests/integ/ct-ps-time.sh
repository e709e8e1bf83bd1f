#!/bin/bash
# Start times of processes inside a CT are the real wall-clock times: the
# CT's clocks count from its start (time namespace), and its /proc/stat
# btime, /proc/uptime and every /proc/PID/stat starttime agree on it
# (lxcfs's /proc/stat carried the host's btime, so procps ps showed START
# near the host's boot). Checked from the files in a busybox CT (its ps has
# no time columns) and with procps `ps -o lstart` / `ps aux` in a Debian CT
# (when its cache can be built: debootstrap).
. "$(dirname "$0")/lib.sh"
need_cache busybox
A=730 D=731
STARTED="$A"

# Prints "<now> <btime> <uptime> <start of a process just started>", all in
# seconds, from inside.
probe='sleep 30 & p=$!; n=$(date +%s); read up x < /proc/uptime
        b=$(awk "/^btime/ {print \$2}" /proc/stat)
        s=$(cut -d" " -f22 /proc/$p/stat)
        echo $n $b ${up%.*} $((s / 100)); kill $p'
check_times() { # what now btime uptime start
        local what=$1 n=$2 b=$3 up=$4 s=$5 d
        d=$((b + up - n)); d=${d#-}
        [ "$d" -le 2 ] || fail "$what: btime $b + uptime $up is $((b + up)), date says $n"
        d=$((b + s - n)); d=${d#-}
        [ "$d" -le 2 ] || fail "$what: a process started now starts at btime+starttime $((b + s)), date says $n"
        [ "$up" -lt 120 ] || fail "$what: uptime $up s is not the CT's"
}

expect_rc 0 vzctl create $A --ostemplate busybox
expect_rc 0 vzctl start $A
sleep 2
expect_rc 0 vzctl exec $A "$probe"
check_times busybox $LAST_OUT
ok "busybox CT: btime + uptime = now, btime + starttime = start ($LAST_OUT)"

have_debian || { echo "(Debian part skipped: debootstrap not installed)"; exit 0; }
STARTED="$A $D"
expect_rc 0 vzctl create $D --ostemplate debian-12-x86_64-minimal
expect_rc 0 vzctl start $D
sleep 2
expect_rc 0 vzctl exec $D "$probe"
check_times debian $LAST_OUT
# procps: lstart of a process just started, as seconds, against date.
expect_rc 0 vzctl exec $D 'sleep 30 & p=$!; sleep 0.2; echo $(date +%s) $(date -d "$(ps -o lstart= -p $p)" +%s); kill $p'
set -- $LAST_OUT
d=$(($1 - $2)); d=${d#-}
[ "$d" -le 2 ] || fail "procps ps -o lstart: $(date -d @$2), date: $(date -d @$1)"
# ps aux START of init: the CT's start (today, HH:MM within a minute of now).
expect_rc 0 vzctl exec $D 'ps aux | awk "\$2 == 1 {print \$9}"; date +%H:%M'
set -- $LAST_OUT
[ "$1" = "$2" ] || [ "$1" = "$(date -d "-1 min" +%H:%M)" ] ||
        fail "ps aux START of init is $1, the CT started at $2"
expect_rc 0 vzctl exec $D 'ps -o etimes= -p 1'
[ "$LAST_OUT" -ge 1 ] && [ "$LAST_OUT" -lt 120 ] || fail "ps etimes of init: $LAST_OUT"
ok "Debian CT: procps ps lstart/START/etimes are the real times"

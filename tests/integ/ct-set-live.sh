#!/bin/bash
# vzctl set on a running CT applies only the parameters it is given, as
# OpenVZ does: an earlier change made without --save stays in effect
# (set --numproc 60, then set --cpuunits 1002: numproc stays 60), and --save
# saves only the given ones. The live values are what every view shows: the
# cgroup file, vzubc, vzlist -o numproc.b,numproc.l, and
# /dev/.vz/user_beancounters inside the CT.
. "$(dirname "$0")/lib.sh"
need_cache busybox
CG=vztest-$$
ID=473
cgf() { # cgf CONTROLLER FILE: the CT's cgroup file (v1 hierarchy or cgroup2)
        local f=/sys/fs/cgroup/$1/$CG/$ID/$2
        [ -e "$f" ] || f=/sys/fs/cgroup/unified/$CG/$ID/$2
        [ -e "$f" ] || f=/sys/fs/cgroup/$CG/$ID/$2
        echo "$f"
}
conf=$VZ_CONFDIR/conf/$ID.conf

expect_rc 0 vzctl create $ID --ostemplate busybox
expect_rc 0 vzctl set $ID --numproc 100 --ram 256M --swap 64M --cpuunits 1000 --save
STARTED=$ID
expect_rc 0 vzctl start $ID

row() { # row NAME FIELD(2..6): one field of a beancounter row on stdin
        awk -v n="$1" -v f="$2" '{ if ($1 ~ /^[0-9]+:$/) { $1 = ""; $0 = $0 } }
                $1 == n { print $f }'
}
# views NAME BARRIER LIMIT: vzubc --raw, vzlist and the CT's own file agree.
views() {
        local n=$1 b=$2 l=$3 got raw=1
        # The 24 rows of /proc/user_beancounters have no swappages.
        [ $n = swappages ] && raw=0
        expect_rc 0 vzubc --raw $ID
        got="$(echo "$LAST_OUT" | row $n 4) $(echo "$LAST_OUT" | row $n 5)"
        [ $raw = 0 ] || [ "$got" = "$b $l" ] || fail "vzubc --raw $n: $got, want $b $l"
        expect_rc 0 vzlist -H -o $n.b,$n.l $ID
        got=$(echo $LAST_OUT)
        [ "$got" = "$b $l" ] || fail "vzlist -o $n.b,$n.l: $got, want $b $l"
        expect_rc 0 vzlist -j -o $n $ID
        got=$(echo "$LAST_OUT" | python3 -c "import json,sys; d=json.load(sys.stdin)[0]['$n']; print(d['barrier'], d['limit'])")
        [ "$got" = "$b $l" ] || fail "vzlist -j $n: $got, want $b $l"
        expect_rc 0 vzctl exec $ID 'cat /dev/.vz/user_beancounters'
        got="$(echo "$LAST_OUT" | row $n 4) $(echo "$LAST_OUT" | row $n 5)"
        [ $raw = 0 ] || [ "$got" = "$b $l" ] || fail "/dev/.vz/user_beancounters $n: $got, want $b $l"
        # vzubc's own view: BAR and LIM columns (items as they are).
        expect_rc 0 vzubc $ID
        got=$(echo "$LAST_OUT" | awk -F'|' -v n=$n '$1 ~ "^ *"n" *$" {print $4, $5}')
        got=$(echo $got)
        case $n in
        numproc) [ "$got" = "$b $l" ] || fail "vzubc $n: BAR LIM '$got', want $b $l: $LAST_OUT" ;;
        *) [ -n "$got" ] || fail "vzubc: no $n row: $LAST_OUT" ;;
        esac
}

views numproc 100 100
saved=$(cat "$conf")

# The issue's case: numproc without --save, then another parameter.
expect_rc 0 vzctl set $ID --numproc 60
[ "$(cat "$(cgf pids pids.max)")" = 60 ] || fail "pids.max $(cat "$(cgf pids pids.max)")"
expect_rc 0 vzctl set $ID --cpuunits 1002
[ "$(cat "$(cgf pids pids.max)")" = 60 ] ||
        fail "set --cpuunits undid the unsaved numproc: pids.max $(cat "$(cgf pids pids.max)")"
if [ -e "$(cgf cpu cpu.shares)" ]; then
        [ "$(cat "$(cgf cpu cpu.shares)")" = 1026 ] || fail "cpu.shares $(cat "$(cgf cpu cpu.shares)")"
else
        [ "$(cat "$(cgf cpu cpu.weight)")" = 100 ] || fail "cpu.weight $(cat "$(cgf cpu cpu.weight)")"
fi
[ "$(cat "$conf")" = "$saved" ] || fail "a set without --save changed the config"
views numproc 60 60
ok "unsaved numproc survives set --cpuunits; every view shows 60"

# Memory: RAM raised without --save, then swap alone: RAM stays.
m=$(cgf memory memory.limit_in_bytes); [ -e "$m" ] || m=$(cgf memory memory.max)
sw=$(cgf memory memory.memsw.limit_in_bytes); [ -e "$sw" ] || sw=$(cgf memory memory.swap.max)
expect_rc 0 vzctl set $ID --ram 512M
[ "$(cat "$m")" = $((512 << 20)) ] || fail "memory limit $(cat "$m")"
expect_rc 0 vzctl set $ID --swap 32M
[ "$(cat "$m")" = $((512 << 20)) ] || fail "set --swap undid the unsaved RAM: $(cat "$m")"
if [ -e "$sw" ]; then
        case $sw in
        *memsw*) want=$(((512 + 32) << 20)) ;;
        *) want=$((32 << 20)) ;;
        esac
        [ "$(cat "$sw")" = "$want" ] || fail "swap limit $(cat "$sw"), want $want"
        views swappages 0 8192
fi
views physpages 0 131072
# Then the RAM alone: swap stays 32M.
expect_rc 0 vzctl set $ID --ram 384M
[ "$(cat "$m")" = $((384 << 20)) ] || fail "memory limit $(cat "$m")"
if [ -e "$sw" ]; then
        case $sw in
        *memsw*) want=$(((384 + 32) << 20)) ;;
        *) want=$((32 << 20)) ;;
        esac
        [ "$(cat "$sw")" = "$want" ] || fail "set --ram undid the unsaved swap: $(cat "$sw"), want $want"
fi
[ "$(cat "$(cgf pids pids.max)")" = 60 ] || fail "set --ram undid numproc"
ok "unsaved RAM and swap survive each other's set"

# CPU limit without --save survives a CPU units change.
q=$(cgf cpu cpu.cfs_quota_us)
if [ -e "$q" ]; then
        expect_rc 0 vzctl set $ID --cpulimit 50
        [ "$(cat "$q")" = 50000 ] || fail "cfs_quota $(cat "$q")"
        expect_rc 0 vzctl set $ID --cpuunits 1200
        [ "$(cat "$q")" = 50000 ] || fail "set --cpuunits undid the unsaved cpulimit: $(cat "$q")"
        ok "unsaved cpulimit survives set --cpuunits"
fi

# --save saves only what is given, and applies only that.
expect_rc 0 vzctl set $ID --cpuunits 1500 --save
grep -q '^CPUUNITS="1500"' "$conf" || fail "CPUUNITS not saved: $(grep CPUUNITS "$conf")"
grep -Eq '^NUMPROC="100(:100)?"' "$conf" || fail "NUMPROC saved as $(grep NUMPROC "$conf")"
grep -Eq '^PHYSPAGES="0:(65536|256M)"' "$conf" || fail "PHYSPAGES saved as $(grep PHYSPAGES "$conf")"
[ "$(cat "$(cgf pids pids.max)")" = 60 ] || fail "set --cpuunits --save undid numproc"
[ "$(cat "$m")" = $((384 << 20)) ] || fail "set --cpuunits --save undid the RAM"
views numproc 60 60
ok "--save saves and applies only the given parameters"

# Setting the saved value again applies it (the CT differs from its config).
expect_rc 0 vzctl set $ID --numproc 100
[ "$(cat "$(cgf pids pids.max)")" = 100 ] || fail "pids.max $(cat "$(cgf pids pids.max)") after set to the saved value"
views numproc 100 100
# barrier:limit given: both shown as saved when the kernel holds the limit.
expect_rc 0 vzctl set $ID --numproc 80:90 --save
[ "$(cat "$(cgf pids pids.max)")" = 90 ] || fail "pids.max $(cat "$(cgf pids pids.max)")"
expect_rc 0 vzubc --raw $ID
[ "$(echo "$LAST_OUT" | row numproc 4) $(echo "$LAST_OUT" | row numproc 5)" = "80 90" ] ||
        fail "vzubc numproc $(echo "$LAST_OUT" | row numproc 4) $(echo "$LAST_OUT" | row numproc 5)"
expect_rc 0 vzlist -H -o numproc.b,numproc.l $ID
[ "$(echo $LAST_OUT)" = "80 90" ] || fail "vzlist numproc.b,numproc.l: $LAST_OUT"
ok "the saved value set again applies; barrier:limit shown as saved"

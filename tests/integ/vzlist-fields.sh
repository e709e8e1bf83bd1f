#!/bin/bash
# vzlist fields of a running CT that need live numbers, asked for alone:
#   - every beancounter field with every suffix (plain, .m, .b, .l, .f) shows
#     the same value alone as in a listing of all of them (numproc.m and
#     numproc.f printed "-" unless another beancounter was asked for);
#   - laverage: the CT's own load average ("0.00/0.01/0.05", a JSON array of
#     three numbers), not "-"; two busy loops in the CT raise its 1-minute
#     load within seconds.
. "$(dirname "$0")/lib.sh"
need_cache busybox
ID=472

expect_rc 0 vzctl create $ID --ostemplate busybox
expect_rc 0 vzctl set $ID --numproc 50 --ram 256M --swap 64M --save
STARTED=$ID
expect_rc 0 vzctl start $ID

# ------------------------------------------------------------ beancounters
ubcs="kmemsize lockedpages privvmpages shmpages numproc physpages vmguarpages oomguarpages
      numtcpsock numflock numpty numsiginfo tcpsndbuf tcprcvbuf othersockbuf dgramrcvbuf
      numothersock dcachesize numfile numiptent swappages"
all=""
for u in $ubcs; do
        for s in "" .m .b .l .f; do all="$all,$u$s"; done
done
all=${all#,}
# A process that stays put: held/maxheld do not move between the listings.
expect_rc 0 vzlist -H -o "$all" $ID
read -r -a every <<<"$LAST_OUT"
i=0
for u in $ubcs; do
        for s in "" .m .b .l .f; do
                expect_rc 0 vzlist -H -o "$u$s" $ID
                alone=$(echo $LAST_OUT)
                want=${every[$i]}
                # held and maxheld of memory move a little between two runs.
                case $u$s in
                kmemsize|kmemsize.m|physpages|physpages.m|shmpages|shmpages.m|dcachesize|dcachesize.m) ;;
                *) [ "$alone" = "$want" ] || fail "vzlist -o $u$s alone: '$alone', with all fields: '$want'" ;;
                esac
                [ "$alone" != - ] || [ "$want" = - ] || fail "vzlist -o $u$s alone: '-'"
                i=$((i + 1))
        done
done
for f in numproc.m numproc.f numproc.b numproc.l physpages.m physpages.f swappages.f; do
        expect_rc 0 vzlist -H -o $f $ID
        echo "$LAST_OUT" | grep -Eq '^ *[0-9]+$' || fail "vzlist -H -o $f: '$LAST_OUT'"
done
expect_rc 0 vzlist -H -o numproc.b,numproc.l $ID
[ "$(echo $LAST_OUT)" = "50 50" ] || fail "numproc barrier/limit: $LAST_OUT"
# JSON of numproc alone: all five numbers.
expect_rc 0 vzlist -j -o numproc $ID
echo "$LAST_OUT" | python3 -c '
import json,sys
n=json.load(sys.stdin)[0]["numproc"]
assert all(isinstance(n[k], int) for k in ("held","maxheld","barrier","limit","failcnt")), n
assert n["held"] >= 1 and n["maxheld"] >= n["held"] and n["limit"] == 50, n' ||
        fail "vzlist -j -o numproc: $LAST_OUT"
ok "every beancounter field and suffix alone"

# ------------------------------------------------------------ laverage
# Two busy loops, started before anything read the CT's load (vz asks
# lxcfs to track it from the start): load 2 reaches 1-min ~0.57 after 20 s
# (e^(-t/60) decay, sampled every 5 s); > 0.3 is certain, and 0.00 if vzlist
# read the host's or nobody's numbers. The loops end with the CT.
la_re='^ *[0-9]+\.[0-9]{2}/[0-9]+\.[0-9]{2}/[0-9]+\.[0-9]{2}$'
expect_rc 0 vzctl exec $ID 'for i in 1 2; do sh -c "while :; do :; done" </dev/null >/dev/null 2>&1 & echo $!; done'
loops=$(echo $LAST_OUT)
sleep 22
expect_rc 0 vzlist -H -o laverage $ID
echo "$LAST_OUT" | grep -Eq "$la_re" || fail "busy CT: laverage '$LAST_OUT'"
busy=$(echo $LAST_OUT)
one=${busy%%/*}
python3 -c "import sys; sys.exit(0 if $one > 0.3 else 1)" || fail "busy CT: laverage $busy"
# The same numbers the CT's own /proc/loadavg shows (within a 5 s sample).
expect_rc 0 vzctl exec $ID 'cat /proc/loadavg'
inside=$(echo "$LAST_OUT" | awk '{print $1}')
python3 -c "import sys; sys.exit(0 if abs($one - $inside) < 0.3 else 1)" ||
        fail "vzlist 1-min $one, /proc/loadavg inside $inside"
vzctl exec $ID "kill $loops" >/dev/null 2>&1
ok "busy CT: laverage $busy (inside: $inside)"

# JSON: an array of three numbers, alone and in the default (every field).
expect_rc 0 vzlist -j -o laverage $ID
echo "$LAST_OUT" | python3 -c '
import json,sys
l=json.load(sys.stdin)[0]["laverage"]
assert isinstance(l, list) and len(l) == 3 and all(isinstance(x, (int, float)) for x in l), l' ||
        fail "vzlist -j laverage: $LAST_OUT"
expect_rc 0 vzlist -j $ID
echo "$LAST_OUT" | python3 -c '
import json,sys
l=json.load(sys.stdin)[0]["laverage"]
assert isinstance(l, list) and len(l) == 3, l' || fail "vzlist -j: laverage missing"
ok "laverage in JSON"

# A CT that never ran anything: a number, not "-".
expect_rc 0 vzctl create 475 --ostemplate busybox
STARTED="$ID 475"
expect_rc 0 vzctl start 475
expect_rc 0 vzlist -H -o laverage 475
echo "$LAST_OUT" | grep -Eq "$la_re" || fail "idle CT: laverage '$LAST_OUT'"
ok "idle CT: laverage $(echo $LAST_OUT)"

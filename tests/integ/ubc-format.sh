#!/bin/bash
# The beancounter formats, field by field against the CT's cgroup files on
# the host: vzubc --raw (/proc/user_beancounters, OPENVZ.md 3.3), vzubc -r
# (fail counts relative to the previous run), -i, -q, -c, -f, and vzlist's
# UBC fields in table and JSON form (OPENVZ.md 4.3, 4.4).
. "$(dirname "$0")/lib.sh"
need_cache busybox
CG=vztest-$$
ID=310
STARTED="$ID"
STORE=$T/ubc.store
cgf() { # cgf CONTROLLER FILE: the CT's cgroup file (v1 hierarchy or cgroup2)
        local f=/sys/fs/cgroup/$1/$CG/$ID/$2
        [ -e "$f" ] || f=/sys/fs/cgroup/unified/$CG/$ID/$2
        [ -e "$f" ] || f=/sys/fs/cgroup/$CG/$ID/$2
        echo "$f"
}
# key KEY FILE: the value of "KEY value" lines (pids.events, memory.events)
key() { awk -v k="$1" '$1 == k {print $2}' "$2"; }
v2mem() { [ -e "$(cgf memory memory.max)" ]; }
mem_limit() { if v2mem; then cat "$(cgf memory memory.max)"; else cat "$(cgf memory memory.limit_in_bytes)"; fi; }
mem_usage() { if v2mem; then cat "$(cgf memory memory.current)"; else cat "$(cgf memory memory.usage_in_bytes)"; fi; }
pids_fail() { key max "$(cgf pids pids.events)"; }
# raw_field RAW RESOURCE COLUMN(1=held .. 5=failcnt)
raw_field() { echo "$1" | sed 's/^.\{11\} //' | awk -v r="$2" -v c="$3" '$1 == r {print $(c + 1)}'; }
# Memory counters move while we read them: equal within 8 MB (in pages).
near_pages() { local a=$1 b=$2; [ $(( a > b ? a - b : b - a )) -le 2048 ]; }

expect_rc 0 vzctl create $ID --ostemplate busybox
expect_rc 0 vzctl set $ID --numproc 100 --ram 256M --swap 0 --save
expect_rc 0 vzctl start $ID
vzctl exec $ID 'sleep 600 >/dev/null 2>&1 &' >/dev/null 2>&1

# Cause real refusals: NUMPROC lowered live, a burst of forks is refused.
forkfail() {
        # --save both ways: a live-only set back to the saved value would be
        # taken for "no change".
        expect_rc 0 vzctl set $ID --numproc 12 --save
        vzctl exec $ID 'for i in $(seq 30); do sleep 30 & done 2>/dev/null; killall sleep 2>/dev/null; true' >/dev/null 2>&1
        expect_rc 0 vzctl set $ID --numproc 100 --save
        [ "$(cat "$(cgf pids pids.max)")" = 100 ] || fail "pids.max not back to 100"
        vzctl exec $ID 'sleep 600 >/dev/null 2>&1 &' >/dev/null 2>&1
}
forkfail
[ "$(pids_fail)" -ge 1 ] || fail "no fork was refused: pids.events $(cat "$(cgf pids pids.events)")"

# --- vzubc --raw: layout ---------------------------------------------------
expect_rc 0 vzubc --raw $ID
raw=$LAST_OUT
[ "$(echo "$raw" | sed -n 1p)" = "Version: 2.5" ] || fail "raw line 1: $(echo "$raw" | sed -n 1p)"
hdr=$(printf "%10s  %-12s %20s %20s %20s %20s %20s" uid resource held maxheld barrier limit failcnt)
[ "$(echo "$raw" | sed -n 2p)" = "$hdr" ] || fail "raw header: '$(echo "$raw" | sed -n 2p)'"
[ "$(echo "$raw" | wc -l)" = 26 ] || fail "raw: $(echo "$raw" | wc -l) lines, want 2 + 24"
echo "$raw" | sed -n 3p | grep -Eq "^ {7}$ID: kmemsize +[0-9]" || fail "raw first row: $(echo "$raw" | sed -n 3p)"
names=$(echo "$raw" | tail -n +3 | cut -c13- | awk '{print $1}' | tr '\n' ' ')
want="kmemsize lockedpages privvmpages shmpages dummy numproc physpages vmguarpages oomguarpages numtcpsock numflock numpty numsiginfo tcpsndbuf tcprcvbuf othersockbuf dgramrcvbuf numothersock dcachesize numfile dummy dummy dummy numiptent "
[ "$names" = "$want" ] || fail "raw row order: $names"
# Every row: "%10s%c %-12s" then five "%20lu" columns, 129 characters.
n=0
while IFS= read -r l; do
        n=$((n + 1))
        [ ${#l} = 129 ] || fail "raw row $n is ${#l} characters: '$l'"
        if [ $n = 1 ]; then p="$(printf '%10s' "$ID"):"; else p="           "; fi
        [ "${l:0:11}" = "$p" ] || fail "raw row $n uid column '${l:0:11}'"
        [ "${l:11:1}" = " " ] || fail "raw row $n: no space after uid"
        name=$(echo "${l:12:12}" | tr -d ' ')
        [ "${l:12:12}" = "$(printf '%-12s' "$name")" ] || fail "raw row $n resource column '${l:12:12}'"
        for c in 0 1 2 3 4; do
                f=${l:$((24 + c * 21)):21}
                [[ $f =~ ^\ +[0-9]+$ ]] || fail "raw row $n column $c not ' %20lu': '$f'"
        done
done < <(echo "$raw" | tail -n +3)
ok "vzubc --raw layout: header, 24 rows in ID order, column widths"

# --- vzubc --raw: values against the cgroup files ----------------------------
[ "$(raw_field "$raw" numproc 3)" = 100 ] || fail "numproc barrier $(raw_field "$raw" numproc 3)"
[ "$(raw_field "$raw" numproc 4)" = "$(cat "$(cgf pids pids.max)")" ] || fail "numproc limit vs pids.max"
[ "$(raw_field "$raw" numproc 1)" = "$(cat "$(cgf pids pids.current)")" ] ||
        fail "numproc held $(raw_field "$raw" numproc 1) vs pids.current $(cat "$(cgf pids pids.current)")"
[ "$(raw_field "$raw" numproc 5)" = "$(pids_fail)" ] || fail "numproc failcnt vs pids.events max"
if [ -e "$(cgf pids pids.peak)" ]; then
        [ "$(raw_field "$raw" numproc 2)" = "$(cat "$(cgf pids pids.peak)")" ] || fail "numproc maxheld vs pids.peak"
fi
[ "$(raw_field "$raw" physpages 3)" = 0 ] || fail "physpages barrier"
[ "$(raw_field "$raw" physpages 4)" = $(( $(mem_limit) / 4096 )) ] || fail "physpages limit vs memory limit"
[ "$(raw_field "$raw" physpages 4)" = 65536 ] || fail "physpages limit is not 256M"
near_pages "$(raw_field "$raw" physpages 1)" $(( $(mem_usage) / 4096 )) ||
        fail "physpages held $(raw_field "$raw" physpages 1) vs usage $(( $(mem_usage) / 4096 ))"
if ! v2mem; then
        near_pages "$(raw_field "$raw" physpages 2)" $(( $(cat "$(cgf memory memory.max_usage_in_bytes)") / 4096 )) ||
                fail "physpages maxheld vs memory.max_usage_in_bytes"
fi
[ "$(raw_field "$raw" numtcpsock 4)" = 9223372036854775807 ] || fail "an unset limit is not LONG_MAX"
[ "$(raw_field "$raw" dummy 3 | sort -u)" = 9223372036854775807 ] || fail "dummy barrier"
ok "vzubc --raw values match pids.* and memory.* of the CT's cgroup"

# --- vzubc -f: the raw format read back gives the same raw output -------------
echo "$raw" > "$T/raw.txt"
expect_rc 0 vzubc --raw -f "$T/raw.txt"
[ "$LAST_OUT" = "$raw" ] || fail "vzubc --raw -f did not round-trip: $LAST_OUT"
expect_rc 0 vzubc -f "$T/raw.txt" 999
[ -z "$LAST_OUT" ] || fail "vzubc -f with another CTID printed: $LAST_OUT"
printf 'Version: 2.4\n' > "$T/bad.txt"
expect_rc 1 vzubc -f "$T/bad.txt"
ok "vzubc -f reads /proc/user_beancounters format"

# --- vzubc -r: fail counts relative to the previous run -----------------------
expect_rc 0 vzubc -rd "$STORE" $ID
f0=$(pids_fail)
line=$(echo "$LAST_OUT" | awk '$1 == "numproc"')
echo "$LAST_OUT" | grep -q '+FAIL' || fail "relative header has no +FAIL: $LAST_OUT"
[ "$(echo "$line" | awk -F'|' '{print $NF}' | tr -d ' ')" = "$f0" ] ||
        fail "first -r run should show all $f0 fails: $line"
[ "$(awk '$1 == "numproc" {print $2}' "$STORE/ubc.$ID")" = "$f0" ] || fail "store: $(cat "$STORE/ubc.$ID")"
expect_rc 0 vzubc -r -rd "$STORE" $ID
line=$(echo "$LAST_OUT" | awk '$1 == "numproc"')
[ "$(echo "$line" | awk -F'|' '{print $NF}' | tr -d ' ')" = "-" ] || fail "no new fails, but -r shows: $line"
forkfail
f1=$(pids_fail)
[ "$f1" -gt "$f0" ] || fail "second fork burst refused nothing"
expect_rc 0 vzubc -R -rd "$STORE" $ID
[ "$(raw_field "$LAST_OUT" numproc 5)" = $((f1 - f0)) ] ||
        fail "raw -r failcnt $(raw_field "$LAST_OUT" numproc 5), want $((f1 - f0)) (pids.events $f0 -> $f1)"
expect_rc 0 vzubc -R $ID
[ "$(raw_field "$LAST_OUT" numproc 5)" = "$f1" ] || fail "without -r failcnt is absolute"
expect_rc 0 vzubc -rc -rd "$STORE" $ID
[ "$(echo "$LAST_OUT" | awk '$1 == "numproc"' | awk -F'|' '{print $NF}' | tr -d ' ')" = "$f1" ] ||
        fail "-rc did not clear the store"
ok "vzubc -r: failcnt relative to the previous run ($f0 -> $f1), -rc clears"

# --- -i, -q, -c ---------------------------------------------------------------
expect_rc 0 vzubc -i -id "$STORE" $ID
echo "$LAST_OUT" | grep -q '+HELD' || fail "-i header: $LAST_OUT"
vzctl exec $ID 'sleep 600 >/dev/null 2>&1 & sleep 600 >/dev/null 2>&1 &' >/dev/null 2>&1
expect_rc 0 vzubc -i -id "$STORE" $ID
h=$(echo "$LAST_OUT" | awk '$1 == "numproc" {print $3}')
[ "$h" = "+2" ] || fail "-i: numproc held change '$h' after starting two processes: $LAST_OUT"
expect_rc 0 vzubc -q $ID
echo "$LAST_OUT" | grep -q ' numproc |' || fail "-q hides numproc, which has fails: $LAST_OUT"
echo "$LAST_OUT" | grep -q 'numtcpsock' && fail "-q shows numtcpsock: $LAST_OUT"
expect_rc 0 vzubc -c $ID
echo "$LAST_OUT" | grep ' numproc |' | grep -q $'\033\[31m' || fail "-c: numproc line not red"
echo "$LAST_OUT" | grep 'numtcpsock' | grep -q $'\033' && fail "-c: numtcpsock coloured"
expect_rc 1 vzubc --bogus
ok "vzubc -i, -q, -c"

# --- vzlist UBC fields --------------------------------------------------------
expect_rc 1 vzlist -o numproc,numproc.f,physpages.l -j $ID
echo "$LAST_OUT" | grep -q "numproc.f' is not available in JSON" || fail "vzlist -j with suffix fields: $LAST_OUT"
expect_rc 0 vzlist -o numproc,numproc.f,physpages.l $ID
hdr=$(echo "$LAST_OUT" | sed -n 1p)
[ "$hdr" = "$(printf '%10s %10s %10s' NPROC NPROC.F PHYSP.L)" ] || fail "vzlist header '$hdr'"
row=$(echo "$LAST_OUT" | sed -n 2p)
[ ${#row} = 32 ] || fail "vzlist row is not three %10s columns: '$row'"
[ "$(echo "$row" | cut -c1-10 | tr -d ' ')" = "$(cat "$(cgf pids pids.current)")" ] || fail "NPROC vs pids.current: '$row'"
[ "$(echo "$row" | cut -c12-21 | tr -d ' ')" = "$(pids_fail)" ] || fail "NPROC.F vs pids.events: '$row'"
[ "$(echo "$row" | cut -c23-32 | tr -d ' ')" = $(( $(mem_limit) / 4096 )) ] || fail "PHYSP.L vs memory limit: '$row'"
expect_rc 0 vzlist -j -o numproc,physpages $ID
echo "$LAST_OUT" > "$T/list.json"
python3 - "$T/list.json" "$(cat "$(cgf pids pids.current)")" "$(cat "$(cgf pids pids.max)")" \
        "$(pids_fail)" "$(( $(mem_limit) / 4096 ))" "$(( $(mem_usage) / 4096 ))" <<'EOF' || fail "vzlist -j: $LAST_OUT"
import json, sys
d = json.load(open(sys.argv[1]))
cur, mx, fails, plim, puse = map(int, sys.argv[2:])
assert isinstance(d, list) and len(d) == 1, d
o = d[0]
assert sorted(o) == ["numproc", "physpages"], o
for k in ("numproc", "physpages"):
    assert sorted(o[k]) == ["barrier", "failcnt", "held", "limit", "maxheld"], o[k]
    assert all(type(v) is int for v in o[k].values()), o[k]
n, p = o["numproc"], o["physpages"]
assert n["held"] == cur and n["limit"] == mx == 100 and n["barrier"] == 100, n
assert n["failcnt"] == fails and n["maxheld"] >= n["held"], n
assert p["limit"] == plim == 65536 and p["barrier"] == 0, p
assert abs(p["held"] - puse) <= 2048 and p["maxheld"] >= p["held"], (p, puse)
EOF
ok "vzlist -o numproc,numproc.f,physpages.l (table and -j) match the cgroup files"

# A stopped CT: raw shows nothing for it, vzlist prints "-" for counters.
expect_rc 0 vzctl stop $ID
expect_rc 1 vzubc $ID
expect_rc 0 vzlist -a -H -o numproc,numproc.f,physpages.l $ID
set -- $LAST_OUT
[ "$1 $2 $3" = "- - 65536" ] || fail "stopped CT in vzlist: $LAST_OUT"
ok "stopped CT"
expect_rc 0 vzctl destroy $ID

#!/bin/bash
# The CT's own beancounters inside the CT, live, in /proc/user_beancounters'
# exact layout at /dev/.vz/user_beancounters (see vzubc(8)): the same numbers
# the host's `vzubc --raw CTID` shows, held values that follow what the CT
# uses, failcnt rising after a NUMPROC fork bomb; the CT cannot change or
# remove the file; vzubc run inside the CT reads it.
. "$(dirname "$0")/lib.sh"
need_cache busybox
ID=470
F=/dev/.vz/user_beancounters

expect_rc 0 vzctl create $ID --ostemplate busybox
expect_rc 0 vzctl set $ID --numproc 40 --ram 256M --swap 0 --save
STARTED=$ID
expect_rc 0 vzctl start $ID

row() { # row NAME FIELD(2..6) < file: one field of a resource row
        awk -v n="$1" -v f="$2" '{ if ($1 ~ /^[0-9]+:$/) { $1 = ""; $0 = $0 } }
                $1 == n { print $f }'
}

expect_rc 0 vzctl exec $ID "cat $F"
in=$LAST_OUT
expect_rc 0 vzubc --raw $ID
host=$LAST_OUT
# Layout: the kernel's, line for line (header, 24 rows, CTID on the first).
[ "$(echo "$in" | sed -n 1p)" = "Version: 2.5" ] || fail "line 1: $(echo "$in" | sed -n 1p)"
[ "$(echo "$in" | sed -n 2p)" = "$(echo "$host" | sed -n 2p)" ] || fail "header differs from the host's"
[ "$(echo "$in" | wc -l)" = 26 ] || fail "$(echo "$in" | wc -l) lines, want 26"
echo "$in" | sed -n 3p | grep -Eq "^ {7}$ID: kmemsize +[0-9]+" || fail "first row: $(echo "$in" | sed -n 3p)"
# Same rows, same limits as the host sees; held within reason.
[ "$(echo "$in" | awk 'NR > 2 {print ($1 ~ /:$/) ? $2 : $1}')" = \
  "$(echo "$host" | awk 'NR > 2 {print ($1 ~ /:$/) ? $2 : $1}')" ] || fail "resource rows differ"
for r in numproc physpages lockedpages oomguarpages vmguarpages; do
        for f in 4 5; do
                a=$(echo "$in" | row $r $f) b=$(echo "$host" | row $r $f)
                [ "$a" = "$b" ] || fail "$r field $f: inside $a, host $b"
        done
done
[ "$(echo "$in" | row numproc 5)" = 40 ] || fail "numproc limit $(echo "$in" | row numproc 5)"
[ "$(echo "$in" | row physpages 5)" = 65536 ] || fail "physpages limit"
a=$(echo "$in" | row physpages 2) b=$(echo "$host" | row physpages 2)
[ "$a" -gt 0 ] && [ $((a > b ? a - b : b - a)) -lt 4096 ] || fail "physpages held inside $a, host $b"
ok "inside: the host's numbers in the /proc/user_beancounters layout"

# Live: 64 MB in the CT's /dev/shm shows as held at once.
before=$(vzctl exec $ID "cat $F" | row physpages 2)
expect_rc 0 vzctl exec $ID "dd if=/dev/zero of=/dev/shm/fill bs=1M count=64 2>/dev/null; cat $F"
after=$(echo "$LAST_OUT" | row physpages 2)
shm=$(echo "$LAST_OUT" | row shmpages 2)
[ "$after" -ge $((before + 15000)) ] || fail "physpages held $before -> $after after 64 MB"
[ "$shm" -ge 16000 ] || fail "shmpages held $shm"
vzctl exec $ID 'rm /dev/shm/fill'
after2=$(vzctl exec $ID "cat $F" | row physpages 2)
[ "$after2" -lt "$after" ] || fail "physpages held did not fall ($after -> $after2)"
ok "held follows use ($before -> $after -> $after2 pages)"

# NUMPROC fork bomb inside: refused forks count in failcnt, seen inside.
f0=$(vzctl exec $ID "cat $F" | row numproc 6)
vzctl exec $ID 'for i in $(seq 80); do sleep 30 & done 2>/dev/null; true' >/dev/null 2>&1
expect_rc 0 vzctl exec $ID "cat $F"
f1=$(echo "$LAST_OUT" | row numproc 6)
m1=$(echo "$LAST_OUT" | row numproc 3)
vzctl exec $ID 'killall sleep' >/dev/null 2>&1
[ "$f1" -gt "$f0" ] || fail "numproc failcnt $f0 -> $f1 after a fork bomb"
[ "$m1" -ge 38 ] && [ "$m1" -le 40 ] || fail "numproc maxheld $m1, limit 40"
expect_rc 0 vzubc --raw $ID
[ "$(echo "$LAST_OUT" | row numproc 6)" = "$f1" ] || fail "host failcnt $(echo "$LAST_OUT" | row numproc 6), inside $f1"
ok "fork bomb: failcnt $f0 -> $f1, maxheld $m1"

# The CT's root can read it, not change or remove it.
expect_rc 0 vzctl exec $ID "ls -l $F; echo x > $F && echo WROTE; rm -f $F && echo REMOVED;
        umount /dev/.vz 2>/dev/null && echo UNMOUNTED; true"
echo "$LAST_OUT" | grep -q '^-r-------- .* root ' || fail "mode/owner: $LAST_OUT"
echo "$LAST_OUT" | grep -Eq 'WROTE|REMOVED|UNMOUNTED' && fail "the CT changed its beancounters: $LAST_OUT"
vzctl exec $ID "cat $F" | grep -q "^ *$ID: kmemsize" || fail "file damaged"
ok "read-only for the CT"

# vzubc inside the CT: the host-built binary with its libraries, run through
# their own loader (the busybox CT has no glibc of its own).
B=$VZ_BUILD/src/tools/vzubc
D=$T/vz/root/$ID/opt/vzubc
mkdir -p "$D"
cp "$B" "$D/vzubc"
for l in $(ldd "$B" | grep -o '/[^ ]*'); do cp -L "$l" "$D/"; done
ld=$(ldd "$B" | grep -o '/[^ ]*ld-linux[^ ]*')
run="/opt/vzubc/${ld##*/} --library-path /opt/vzubc /opt/vzubc/vzubc"
expect_rc 0 vzctl exec $ID "$run -R"
[ "$(echo "$LAST_OUT" | sed -n 1p)" = "Version: 2.5" ] || fail "vzubc -R inside: $LAST_OUT"
echo "$LAST_OUT" | grep -q "^ *$ID: kmemsize" || fail "vzubc -R inside: $LAST_OUT"
expect_rc 0 vzctl exec $ID "$run"
echo "$LAST_OUT" | grep -q "^CT $ID " || fail "vzubc inside: $LAST_OUT"
line=$(echo "$LAST_OUT" | grep '^ *numproc ')
[ "$(echo "$line" | awk '{print $NF}')" = "$f1" ] || fail "vzubc inside, numproc: $line"
[ "$(echo "$LAST_OUT" | grep -c '^ *physpages ')" = 1 ] || fail "vzubc inside: $LAST_OUT"
echo "$LAST_OUT" | grep -q dummy && fail "vzubc inside shows dummy rows"
ok "vzubc inside the CT reads $F"

expect_rc 0 vzctl stop $ID
STARTED=
ok "ubc inside"

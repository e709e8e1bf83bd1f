#!/bin/bash
# OpenVZ's /proc files for monitoring scripts, in OpenVZ's exact formats:
# on the host under VZ_RUNDIR/proc/ (user_beancounters, bc/resources,
# bc/CTID/resources, vz/veinfo, vz/vestat: every running CT, computed at
# each open), inside a CT under /dev/.vz/ (user_beancounters, vz/veinfo,
# vz/vestat: its own lines). The numbers agree with vzubc --raw and vzlist,
# follow the CTs (a stopped CT disappears), and only root reads them.
# Under /proc itself they cannot exist on a stock kernel: the test checks
# the kernel rules that forbid it and says so in its skip lines.
. "$(dirname "$0")/lib.sh"
need_cache busybox
A=485 B=486 C=487
P=$T/run/proc

# --- what a stock kernel forbids (checked, so the skip lines are true) ---
mkdir /proc/vz 2>/dev/null && fail "mkdir /proc/vz worked"
touch /proc/user_beancounters 2>/dev/null && fail "created /proc/user_beancounters"
mkdir -p "$T/ovl/u" "$T/ovl/w" "$T/ovl/m"
if mount -t overlay vz-test-ovl -o "lowerdir=/proc,upperdir=$T/ovl/u,workdir=$T/ovl/w" \
        "$T/ovl/m" 2>/dev/null; then
        umount "$T/ovl/m"
        fail "overlayfs accepted procfs as a layer: /proc/user_beancounters could be done that way"
fi
why="procfs files are made by the kernel only (mkdir/creat in /proc: ENOENT), a bind mount needs an existing target, and procfs cannot be an overlayfs layer (it sets s_stack_depth to FILESYSTEM_MAX_STACK_DEPTH: 'overlayfs: maximum fs stacking depth exceeded')"
echo "skip: /proc/user_beancounters, /proc/bc/, /proc/vz/ on the host: $why; vz serves them on VZ_RUNDIR/proc/ (default /run/vz/proc/)"
echo "skip: /proc/user_beancounters, /proc/vz/ inside a CT: $why; vz serves them on /dev/.vz/"

expect_rc 0 vzctl create $A --ostemplate busybox
expect_rc 0 vzctl create $B --ostemplate busybox
expect_rc 0 vzctl create $C --ostemplate busybox
expect_rc 0 vzctl set $A --numproc 40 --ram 256M --swap 0 --ipadd 10.208.0.5 --ipadd 10.208.0.6 --save
expect_rc 0 vzctl set $B --numproc 60 --save
STARTED="$A $B"
expect_rc 0 vzctl start $A
expect_rc 0 vzctl start $B

# --- host: user_beancounters, as vzubc --raw prints it ---
[ "$(stat -c %a "$P/user_beancounters")" = 400 ] || fail "mode $(stat -c %a "$P/user_beancounters")"
u=$(cat "$P/user_beancounters") || fail "cannot read $P/user_beancounters"
expect_rc 0 vzubc --raw
raw=$LAST_OUT
[ "$(echo "$u" | sed -n 1p)" = "Version: 2.5" ] || fail "line 1: $(echo "$u" | sed -n 1p)"
[ "$(echo "$u" | sed -n 2p)" = "$(echo "$raw" | sed -n 2p)" ] || fail "header differs from vzubc --raw"
[ "$(echo "$u" | grep -Ec '^ +[0-9]+:')" = 2 ] || fail "blocks: $(echo "$u" | grep -E '^ +[0-9]+:')"
echo "$u" | grep -Eq "^ {7}$A: kmemsize " || fail "no $A block"
echo "$u" | grep -Eq "^ {7}$B: kmemsize " || fail "no $B block"
echo "$u" | grep -q "$C:" && fail "stopped CT $C listed"
[ "$(echo "$u" | wc -l)" = $((2 + 2 * 24)) ] || fail "$(echo "$u" | wc -l) lines, want 50"
# Same rows and limits as vzubc --raw (held moves between the two reads).
cols() { awk 'NR > 2 { if ($1 ~ /:$/) $1 = ""; $0 = $0; print $1, $4, $5 }'; }
[ "$(echo "$u" | cols)" = "$(echo "$raw" | cols)" ] || fail "rows/limits differ from vzubc --raw"
echo "$u" | awk -v a=$A '$1 == a":" { f = 1 } f && $1 == "numproc" { print $5; exit }' | grep -qx 40 ||
        fail "numproc limit of $A"
ok "user_beancounters: the running CTs, as vzubc --raw"

# vzubc reads it as OpenVZ's file.
expect_rc 0 vzubc -f "$P/user_beancounters" $A
echo "$LAST_OUT" | grep -q "^CT $A " || fail "vzubc -f: $LAST_OUT"
ok "vzubc -f reads it"

# --- bc/: every resource but the dummy ones, swappages included ---
expect_rc 0 ls "$P/bc"
[ "$(echo $LAST_OUT)" = "$A $B resources" ] || fail "bc/: $LAST_OUT"
r=$(cat "$P/bc/$A/resources") || fail "cannot read bc/$A/resources"
[ "$(echo "$r" | wc -l)" = 21 ] || fail "bc/$A/resources: $(echo "$r" | wc -l) lines"
echo "$r" | grep -q dummy && fail "dummy rows in bc/$A/resources"
[ "$(echo "$r" | tail -n1 | awk '{print $1}')" = swappages ] || fail "no swappages last"
printf -v want '%10s  %-12s' "" kmemsize
[ "$(echo "$r" | head -n1 | cut -c1-24)" = "$want" ] || fail "uid column: '$(echo "$r" | head -n1)'"
[ "$(echo "$r" | awk '$1 == "physpages" { print $5 }')" = 65536 ] || fail "physpages limit"
all=$(cat "$P/bc/resources")
[ "$(echo "$all" | wc -l)" = 42 ] || fail "bc/resources: $(echo "$all" | wc -l) lines"
[ "$(echo "$all" | grep -Ec '^ +[0-9]+: kmemsize ')" = 2 ] || fail "bc/resources blocks"
[ -e "$P/bc/$C" ] && fail "bc/$C exists for a stopped CT"
ok "bc/resources, bc/$A/resources"

# --- vz/veinfo: "%10s %5u %5u" veid, class, threads, then " %15s" per IP,
# newest first (vzlist reverses them again) ---
v=$(cat "$P/vz/veinfo")
[ "$(echo "$v" | wc -l)" = 2 ] || fail "veinfo: $v"
la=$(echo "$v" | grep -E "^ {7}$A ")
printf -v want '%10s %5u' $A 0
[ "${la:0:16}" = "$want" ] || fail "veinfo line: '$la'"
printf -v ips ' %15s %15s' 10.208.0.6 10.208.0.5
[ "${la:22}" = "$ips" ] || fail "veinfo IPs: '${la:22}'"
n=$(echo "$la" | awk '{print $3}')
expect_rc 0 vzlist -H -o numproc $A
[ "$n" -gt 0 ] && [ $((n - LAST_OUT)) -ge -1 ] && [ $((n - LAST_OUT)) -le 1 ] ||
        fail "veinfo threads $n, vzlist numproc $LAST_OUT"
ok "vz/veinfo: $la"

# --- vz/vestat: the Version 2.2 layout; CPU time follows the CT's use ---
s=$(cat "$P/vz/vestat")
l1=$(echo "$s" | sed -n 1p)
[ "${#l1}" = 251 ] && [ "$(echo $l1)" = "Version: 2.2" ] || fail "vestat line 1 (${#l1}): '$l1'"
[ "$(echo $(echo "$s" | sed -n 2p))" = "VEID user nice system uptime idle strv uptime used maxlat totlat numsched" ] ||
        fail "vestat header: $(echo "$s" | sed -n 2p)"
t0=$(echo "$s" | awk -v a=$A '$1 == a { print $2 + $4, $9 }')
vzctl exec $A 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'
t1=$(awk -v a=$A '$1 == a { print $2 + $4, $9 }' "$P/vz/vestat")
[ "${t1% *}" -gt "${t0% *}" ] && [ "${t1#* }" -gt "${t0#* }" ] || fail "vestat CPU $t0 -> $t1"
# libvirt's reader: "%d %llu %llu %llu" = veid user nice system, in ticks.
line=$(awk -v a=$A '$1 == a' "$P/vz/vestat")
[ "$(echo "$line" | awk '{print NF}')" = 12 ] || fail "vestat fields: $line"
ok "vz/vestat: CPU ticks $t0 -> $t1"

# --- root only, read-only ---
su nobody -s /bin/sh -c "cat $P/user_beancounters" >/dev/null 2>&1 && fail "nobody read it"
echo x 2>/dev/null > "$P/vz/veinfo" && fail "wrote veinfo"
ok "root only, read-only"

# --- inside the CT: its own lines ---
expect_rc 0 vzctl exec $A 'cat /dev/.vz/vz/veinfo'
[ "$(echo "$LAST_OUT" | wc -l)" = 1 ] && [ "${LAST_OUT:0:16}" = "${la:0:16}" ] &&
        [ "${LAST_OUT:22}" = "$ips" ] || fail "veinfo inside: '$LAST_OUT'"
expect_rc 0 vzctl exec $A 'cat /dev/.vz/vz/vestat'
[ "$(echo "$LAST_OUT" | wc -l)" = 3 ] || fail "vestat inside: $LAST_OUT"
echo "$LAST_OUT" | sed -n 3p | grep -Eq "^ +$A( +[0-9]+){11}$" || fail "vestat inside: $LAST_OUT"
expect_rc 0 vzctl exec $A 'ls -l /dev/.vz/vz; echo x > /dev/.vz/vz/veinfo && echo WROTE; true'
echo "$LAST_OUT" | grep -q WROTE && fail "the CT wrote its veinfo"
expect_rc 0 vzctl exec $B 'cat /dev/.vz/vz/veinfo'
echo "$LAST_OUT" | grep -Eq "^ +$B +0 +[0-9]+$" || fail "veinfo inside $B: $LAST_OUT"
[ -e "$T/vz/root/$A/proc/vz" ] && fail "/proc/vz inside"
ok "inside: /dev/.vz/vz/veinfo and vestat, the CT's own"

# --- a CT that stops leaves every file at once ---
expect_rc 0 vzctl stop $B
STARTED=$A
grep -q "^ *$B" "$P/vz/veinfo" && fail "stopped $B still in veinfo"
grep -q "$B:" "$P/user_beancounters" && fail "stopped $B still in user_beancounters"
[ -e "$P/bc/$B" ] && fail "bc/$B still there"
[ "$(ls "$P/bc" | tr '\n' ' ')" = "$A resources " ] || fail "bc/: $(ls "$P/bc")"
[ -e "$T/run/$B.ubc" ] && fail "$B's /dev/.vz directory left on the host"
ok "a stopped CT disappears"

# A server that died (its mount left dead) is replaced by the next start.
srv=$(cat "$T/run/proc.pid")
[ "$(cat /proc/$srv/comm)" = vz-procfs ] || fail "proc.pid: $srv"
kill -KILL "$srv"
for i in $(seq 50); do [ -e /proc/$srv ] || break; sleep 0.1; done
cat "$P/vz/veinfo" >/dev/null 2>&1 && fail "read from a dead server"
STARTED="$A $B"
expect_rc 0 vzctl start $B
[ "$(cat "$T/run/proc.pid")" != "$srv" ] || fail "no new server"
[ "$(grep -Ec "^ +($A|$B) " "$P/vz/veinfo")" = 2 ] || fail "after the restart: $(cat "$P/vz/veinfo")"
expect_rc 0 vzctl stop $B
STARTED=$A
ok "a dead server is replaced at the next start"
expect_rc 0 vzctl stop $A
STARTED=
[ "$(cat "$P/user_beancounters" | wc -l)" = 2 ] || fail "no CT running: $(cat "$P/user_beancounters")"
[ -z "$(cat "$P/vz/veinfo")" ] || fail "veinfo with no CT"

# Told to stop (SIGTERM, as the test cleanup does), the server unmounts
# and removes its pid file.
srv=$(cat "$T/run/proc.pid")
kill -TERM "$srv"
for i in $(seq 50); do [ -e /proc/$srv ] || break; sleep 0.1; done
[ -e /proc/$srv ] && fail "server $srv still running after SIGTERM"
grep -q " $P " /proc/self/mounts && fail "$P still mounted after SIGTERM"
[ -e "$T/run/proc.pid" ] && fail "proc.pid left behind"
ok "SIGTERM: the server unmounts and ends"
ok "OpenVZ /proc files"

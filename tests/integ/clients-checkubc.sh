#!/bin/bash
# A check_UBC-style monitor (the Nagios plugin OpenVZ hosts ran): a reader
# of the raw beancounter format exactly as check_UBC parses it (the
# "Version: 2.5" line, the "uid resource held maxheld barrier limit
# failcnt" header, "<uid>:" lines opening a block, failcnt compared with
# the previous run kept in a state file, held against barrier) run against
# every place vz offers that format: `vzubc --raw` on the host, the host's
# VZ_RUNDIR/proc/user_beancounters and the CT's /dev/.vz/user_beancounters.
# A NUMPROC fork bomb in the CT must turn it CRITICAL (2) naming the CT and
# resource, the next run OK (0) again, a CT near a barrier WARNING (1).
. "$(dirname "$0")/lib.sh"
command -v perl >/dev/null || { echo "SKIP: no perl"; exit 77; }
need_cache busybox
ID=488

# check_ubc STATEFILE < beancounters: prints the Nagios status line, exits
# 0 OK, 1 WARNING (held >= 90% of a finite barrier), 2 CRITICAL (a failcnt
# rose since the last run), 3 UNKNOWN (not the 2.5 format).
cat > "$T/check_ubc.pl" <<'EOF'
use strict;
use warnings;
my $state = shift @ARGV;
my (%old, %now, @crit, @warn, $uid);
if (open(my $s, '<', $state)) {
        while (<$s>) { chomp; my ($k, $v) = split / /; $old{$k} = $v; }
        close $s;
}
my $version = <STDIN>;
if (!defined $version || $version !~ /^Version: 2\.5$/) {
        print "UBC UNKNOWN - not a version 2.5 beancounter file\n";
        exit 3;
}
my $head = <STDIN>;
if (!defined $head || $head !~ /^\s+uid\s+resource\s+held\s+maxheld\s+barrier\s+limit\s+failcnt$/) {
        print "UBC UNKNOWN - no column header\n";
        exit 3;
}
my $rows = 0;
while (<STDIN>) {
        my ($res, $held, $maxheld, $barrier, $limit, $failcnt);
        if (/^\s*(\d+):\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/) {
                ($uid, $res, $held, $maxheld, $barrier, $limit, $failcnt) = ($1, $2, $3, $4, $5, $6, $7);
        } elsif (defined $uid && /^\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/) {
                ($res, $held, $maxheld, $barrier, $limit, $failcnt) = ($1, $2, $3, $4, $5, $6);
        } else {
                print "UBC UNKNOWN - cannot parse line $.: $_";
                exit 3;
        }
        $rows++;
        next if $res eq 'dummy';
        $now{"$uid/$res"} = $failcnt;
        push @crit, "$uid/$res failcnt $old{\"$uid/$res\"}->$failcnt"
            if defined $old{"$uid/$res"} && $failcnt > $old{"$uid/$res"};
        push @warn, "$uid/$res held $held of barrier $barrier"
            if $barrier > 0 && $barrier < 9223372036854775807 && $held >= 0.9 * $barrier;
}
open(my $s, '>', $state) or die "$state: $!\n";
print $s "$_ $now{$_}\n" for sort keys %now;
close $s;
if (@crit) { print "UBC CRITICAL - @crit\n"; exit 2; }
if (@warn) { print "UBC WARNING - @warn\n"; exit 1; }
print "UBC OK - $rows rows\n";
exit 0;
EOF
check() { # check STATE SOURCE...: run the check on the output of SOURCE
        local st=$1; shift
        OUT=$("$@" | perl "$T/check_ubc.pl" "$T/$st")
        RC=$?
}

expect_rc 0 vzctl create $ID --ostemplate busybox
expect_rc 0 vzctl set $ID --numproc 40 --ram 256M --swap 0 --save
STARTED=$ID
expect_rc 0 vzctl start $ID

# The three sources: a first run records, a second (nothing failed) is OK.
for src in raw host inside; do
        case $src in
        raw) cmd=(vzubc --raw) ;;
        host) cmd=(cat "$T/run/proc/user_beancounters") ;;
        inside) cmd=(vzctl exec $ID 'cat /dev/.vz/user_beancounters') ;;
        esac
        for i in 1 2; do
                check $src "${cmd[@]}"
                [ "$RC" = 0 ] || fail "$src run $i: exit $RC: $OUT"
        done
        echo "$OUT" | grep -q '^UBC OK - 24 rows$' || fail "$src: $OUT"
done
ok "check_UBC OK on vzubc --raw, VZ_RUNDIR/proc/user_beancounters, /dev/.vz/user_beancounters"

# Refused forks: CRITICAL on every source, naming the CT's numproc.
vzctl exec $ID 'for i in $(seq 80); do sleep 8 & done 2>/dev/null; true' >/dev/null 2>&1
for src in raw host inside; do
        case $src in
        raw) cmd=(vzubc --raw) ;;
        host) cmd=(cat "$T/run/proc/user_beancounters") ;;
        inside) cmd=(vzctl exec $ID 'cat /dev/.vz/user_beancounters') ;;
        esac
        check $src "${cmd[@]}"
        [ "$RC" = 2 ] || fail "$src after the fork bomb: exit $RC: $OUT"
        echo "$OUT" | grep -q "CRITICAL - .*$ID/numproc failcnt 0->[1-9]" || fail "$src: $OUT"
        check $src "${cmd[@]}"
        [ "$RC" = 0 ] || [ "$RC" = 1 ] || fail "$src, second run: exit $RC: $OUT"
done
ok "check_UBC CRITICAL on refused forks, then back"

# Near the barrier: 36+ of NUMPROC 40 held is a WARNING (init, its console getty and 34 sleeps;
# no subshell while they start, so no fork is refused).
# (The bomb's sleeps end by themselves: a killall inside would be one fork
# too many while they run.)
for i in $(seq 100); do
        n=$(awk '$1 == "numproc" { print $2 }' "$T/run/proc/user_beancounters")
        [ "$n" -le 3 ] && break
        sleep 0.2
done
[ "$n" -le 3 ] || fail "the bomb's sleeps did not end: numproc $n"
vzctl exec $ID 'i=0; while [ $i -lt 34 ]; do sleep 30 & i=$((i + 1)); done 2>/dev/null; true' \
        >/dev/null 2>&1
check host cat "$T/run/proc/user_beancounters"
vzctl exec $ID 'killall sleep' >/dev/null 2>&1
[ "$RC" = 1 ] || fail "36+ processes of 40: exit $RC: $OUT"
echo "$OUT" | grep -q "WARNING - .*$ID/numproc held [0-9]* of barrier 40" || fail "$OUT"
ok "check_UBC WARNING near the barrier"

# A file in another format is UNKNOWN, not OK.
check bad sh -c "vzubc --raw | sed 1s/2.5/2.4/"
[ "$RC" = 3 ] || fail "version 2.4: exit $RC: $OUT"
expect_rc 0 vzctl stop $ID
STARTED=
ok "check_UBC"

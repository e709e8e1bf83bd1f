#!/bin/bash
# vzctl set --save: values land in canonical form, only the edited lines
# change, rejected values leave the file byte-for-byte unchanged.
. "$(dirname "$0")/lib.sh"
need_cache busybox
C=$VZ_CONFDIR/conf/101.conf

expect_rc 0 vzctl create 101 --ostemplate busybox
# Hand-edited content that must survive a save untouched.
cat >> $C <<'CONF'

# admin's note: keep this comment
   CUSTOM_KEY = 'odd spacing'   # trailing comment
GARBAGE LINE WITHOUT EQUALS
DESCRIPTION="multi \
line"
CONF
cp $C $T/before

expect_rc 0 vzctl set 101 --ram 512M --swap 1G --save
grep -qx 'PHYSPAGES="0:131072"' $C || fail "ram not saved canonically: $(grep PHYSPAGES $C)"
grep -qx 'SWAPPAGES="0:262144"' $C || fail "swap not saved canonically: $(grep SWAPPAGES $C)"
changed=$(diff $T/before $C | grep -c '^>')
[ "$changed" = 2 ] || fail "expected 2 changed lines, got: $(diff $T/before $C)"
[ "$(grep -vE '^(PHYSPAGES|SWAPPAGES)=' $T/before)" = "$(grep -vE '^(PHYSPAGES|SWAPPAGES)=' $C)" ] ||
        fail "other lines changed: $(diff $T/before $C)"
ok "set --ram --swap --save"

cp $C $T/before
expect_rc 0 vzctl set 101 --hostname new.example.com --cpuunits 2000 --onboot yes --save
grep -qx 'HOSTNAME="new.example.com"' $C || fail "hostname"
grep -qx 'CPUUNITS="2000"' $C || fail "cpuunits"
grep -qx 'ONBOOT="yes"' $C || fail "onboot"
diff $T/before $C | grep '^<' | grep -qv -E '^< (CPUUNITS)=' && fail "unexpected lines removed: $(diff $T/before $C)"
grep -qx "# admin's note: keep this comment" $C || fail "comment lost"
grep -qx "   CUSTOM_KEY = 'odd spacing'   # trailing comment" $C || fail "odd line changed"
grep -qx "GARBAGE LINE WITHOUT EQUALS" $C || fail "garbage line lost"
ok "set keeps hand edits"

# No change: nothing written.
cp $C $T/before
expect_rc 0 vzctl set 101 --hostname new.example.com --save
echo "$LAST_OUT" | grep -q "No changes" || fail "no-op set: $LAST_OUT"
cmp -s $C $T/before || fail "no-op set changed the file"

# Rejected values: exit code, message, file byte-for-byte unchanged.
rejected() {
        local code=$1; shift
        cp $C $T/before
        expect_rc "$code" vzctl set 101 "$@"
        [ -n "$LAST_OUT" ] || fail "no message for: $*"
        cmp -s $C $T/before || fail "rejected 'set $*' changed the config"
}
rejected 21 --ram lots --save
rejected 21 --ram 5Q --save
rejected 21 --cpuunits 1 --save
rejected 21 --cpuunits 600000 --save
rejected 21 --ioprio 9 --save
rejected 21 --numproc 10K --save
rejected 21 --diskspace 1Q --save
rejected 21 --diskspace unlimited --save
rejected 21 --onboot maybe --save
rejected 70 --hostname 'bad host!' --save
rejected 71 --ipadd 10.0.0.300 --save
rejected 20 --no-such-option 1 --save
rejected 20 --hostname
rejected 131 --name newname
rejected 20 --ostemplate busybox
rejected 20 --force --hostname x.example.com
rejected 31 --hostname other.example.com
rejected 109 --applyconfig nosuch --save
rejected 20 --layout simfs --save
ok "rejected values"

# Names: set, rename, conflict.
expect_rc 0 vzctl set 101 --name first --save
[ "$(readlink $VZ_CONFDIR/names/first)" = "$C" ] || fail "name link"
expect_rc 0 vzctl set first --name second --save
[ ! -e $VZ_CONFDIR/names/first ] || fail "old name link left"
expect_rc 0 vzctl status second
[ "$LAST_OUT" = "CTID 101 exist unmounted down" ] || fail "status by new name"
expect_rc 0 vzctl create 102 --ostemplate busybox
cp $VZ_CONFDIR/conf/102.conf $T/before102
expect_rc 131 vzctl set 102 --name second --save
cmp -s $VZ_CONFDIR/conf/102.conf $T/before102 || fail "name conflict changed 102.conf"
[ "$(readlink $VZ_CONFDIR/names/second)" = "$C" ] || fail "conflict stole the name"
ok "names"

# --applyconfig merges a sample but keeps identity.
expect_rc 0 vzctl set 101 --applyconfig basic --save
grep -qx 'NUMPROC="240"' $C || grep -qx 'NUMPROC="240:240"' $C || fail "basic sample not applied: $(grep NUMPROC $C)"
grep -qx 'HOSTNAME="new.example.com"' $C || fail "applyconfig lost hostname"
grep -qx 'ORIGIN_SAMPLE="basic"' $C || fail "ORIGIN_SAMPLE not updated"
ok "applyconfig"

# IP list semantics.
expect_rc 0 vzctl set 101 --ipadd 10.1.1.1 --ipadd 10.1.1.2/24 --save
grep -q '^IP_ADDRESS="10.1.1.1 10.1.1.2/24"' $C || fail "ipadd: $(grep IP_ADDRESS $C)"
expect_rc 0 vzctl set 101 --ipdel 10.1.1.1 --save
grep -q '^IP_ADDRESS="10.1.1.2/24"' $C || fail "ipdel: $(grep IP_ADDRESS $C)"
expect_rc 0 vzctl set 101 --ipdel all --save
grep -q '^IP_ADDRESS="10' $C && fail "ipdel all: $(grep IP_ADDRESS $C)"
ok "ip lists"

# An address another CT has is refused even on stopped CTs (78), file unchanged.
expect_rc 0 vzctl set 101 --ipadd 10.200.9.9 --save
cp $VZ_CONFDIR/conf/102.conf $T/before102
expect_rc 78 vzctl set 102 --ipadd 10.200.9.9 --save
cmp -s $VZ_CONFDIR/conf/102.conf $T/before102 || fail "refused address changed 102.conf"
ok "duplicate address"

expect_rc 0 vzctl destroy 101
expect_rc 0 vzctl destroy 102

#!/bin/bash
# Failures of create, and command-line errors: OpenVZ's exit codes, a clear
# message, and nothing left behind.
. "$(dirname "$0")/lib.sh"
need_cache busybox
P=$T/vz/private R=$T/vz/root C=$VZ_CONFDIR/conf

nothing_left() {
        [ ! -e $C/$1.conf ] || fail "$2: config left behind"
        [ ! -e $P/$1 ] && [ ! -e $P/$1.tmp ] || fail "$2: private area left behind"
        [ ! -e $R/$1 ] || fail "$2: VE_ROOT left behind"
        [ -z "$(ls $VZ_CONFDIR/names)" ] || fail "$2: name link left behind"
        [ -z "$(ls -A $T/vz/lock)" ] || fail "$2: lock file left behind: $(ls -A $T/vz/lock)"
}

expect_rc 91 vzctl create 101 --ostemplate nosuch-template --name n1
echo "$LAST_OUT" | grep -q nosuch-template || fail "message does not name the template: $LAST_OUT"
nothing_left 101 "missing template"
expect_rc 82 vzctl create 101 --ostemplate busybox --config nosuch
nothing_left 101 "missing sample"
expect_rc 99 vzctl create 101 --ostemplate busybox --layout btrfs
nothing_left 101 "btrfs layout"
expect_rc 21 vzctl create 101 --ostemplate busybox --ram lots
nothing_left 101 "bad --ram"
expect_rc 20 vzctl create 101 --ostemplate busybox --no-such-option 1
nothing_left 101 "unknown option"
expect_rc 21 vzctl create 0 --ostemplate busybox
expect_rc 20 vzctl frobnicate 101
expect_rc 21 vzctl create
expect_rc 20 vzctl

# A damaged cache: a gzip stream cut in half.
head -c 2000 "$(readlink -f $T/vz/template/cache/busybox.tar*)" > $T/vz/template/cache/broken.tar
expect_rc 48 vzctl create 101 --ostemplate broken --name n2
nothing_left 101 "damaged cache"

# VE_PRIVATE exists and is not empty
mkdir -p $P/102 && touch $P/102/keep
expect_rc 44 vzctl create 102 --ostemplate busybox
[ -e $P/102/keep ] || fail "existing private area touched"
rm -rf $P/102

# No DEF_OSTEMPLATE and no --ostemplate
sed -i '/^DEF_OSTEMPLATE=/d' $VZ_CONFDIR/vz.conf
expect_rc 29 vzctl create 103
nothing_left 103 "no template"

# Missing vz.conf
mv $VZ_CONFDIR/vz.conf $VZ_CONFDIR/vz.conf.away
expect_rc 10 vzctl status 101
mv $VZ_CONFDIR/vz.conf.away $VZ_CONFDIR/vz.conf

# Name conflicts: a name used by another CT is refused (131), nothing made.
expect_rc 0 vzctl create 104 --ostemplate busybox --name taken
expect_rc 131 vzctl create 105 --ostemplate busybox --name taken
[ ! -e $C/105.conf ] && [ ! -e $P/105 ] || fail "name conflict left CT 105 behind"
[ "$(readlink $VZ_CONFDIR/names/taken)" = "$C/104.conf" ] || fail "conflict changed the name link"
expect_rc 131 vzctl create 105 --ostemplate busybox --name 'bad/name'
expect_rc 0 vzctl destroy 104
ok "create errors"

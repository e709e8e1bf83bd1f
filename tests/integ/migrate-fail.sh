#!/bin/bash
# vzmigrate failure paths between two simulated hosts, each with OpenVZ's
# exit code, the CT still running on the source and nothing of it on the
# destination: usage (1), unknown CT (10), live of a stopped CT (2),
# destination unreachable (4), CT already on the destination (9), IP in use
# there (12), CT locked (20), start failing on the destination (7), and
# (with a working criu) a live restore failing there (7) and criu failing
# mid-dump through a CRIU= wrapper (8).
. "$(dirname "$0")/migrate-lib.sh"
need_cache busybox
mig_setup

ID=770 IP=10.75.0.70 STOPPED=771
mig_ct A $ID; mig_ct A $STOPPED
expect_rc_on 0 A vzctl create $ID --ostemplate busybox --ipadd $IP
expect_rc_on 0 A vzctl start $ID
expect_rc_on 0 A vzctl create $STOPPED --ostemplate busybox
initpid=$(cat $T/hA/run/$ID.init 2>/dev/null)

still_on_a() { # what: the CT runs on A (same init), nothing on B
        status_on A $ID | grep -q "exist mounted running" || fail "$1: CT not running on A: $(status_on A $ID)"
        [ -z "$initpid" ] || [ "$(cat $T/hA/run/$ID.init)" = "$initpid" ] || [ "${2:-}" = restarted ] ||
                fail "$1: CT was restarted on A"
        [ -e "$(conf_of B $ID)" ] && fail "$1: config left on B"
        [ -e "$(private_of B $ID)" ] && fail "$1: private area left on B"
        client busybox ping -c1 -W2 $IP >/dev/null || fail "$1: $IP does not answer"
        ok "$1"
}

expect_rc_on 1 A vzmigrate ${HOSTIP[B]}
expect_rc_on 1 A vzmigrate -r maybe ${HOSTIP[B]} $ID
expect_rc_on 10 A vzmigrate ${HOSTIP[B]} 799
expect_rc_on 2 A vzmigrate --online ${HOSTIP[B]} $STOPPED
still_on_a "usage 1, unknown CT 10, live of a stopped CT 2"

# Unreachable destination: an address nobody has on the LAN.
expect_rc_on 4 A vzmigrate 10.75.0.99 $ID
still_on_a "unreachable destination: 4"

# The CTID exists on B.
cp "$(conf_of A $STOPPED)" "$(conf_of B $ID)"
expect_rc_on 9 A vzmigrate ${HOSTIP[B]} $ID
echo "$LAST_OUT" | grep -q "already exists" || fail "no reason given: $LAST_OUT"
rm -f "$(conf_of B $ID)"
still_on_a "CTID on the destination: 9"

# The IP is used by a CT on B.
echo "IP_ADDRESS=\"$IP\"" > "$(conf_of B 772)"
expect_rc_on 12 A vzmigrate ${HOSTIP[B]} $ID
rm -f "$(conf_of B 772)"
still_on_a "IP in use on the destination: 12"

# Locked by another vzctl.
on A bash -c "exec 9>$T/hA/vz/lock/$ID.lck; flock 9; echo \$\$ > $T/hA/vz/lock/$ID.lck; exec sleep 30" &
LK=$!
sleep 0.5
expect_rc_on 20 A vzmigrate ${HOSTIP[B]} $ID
kill "$(cat $T/hA/vz/lock/$ID.lck)"; wait $LK 2>/dev/null
still_on_a "locked CT: 20"

# Start fails on B (its global mount action script fails): the copy is
# undone on B and the CT starts again on A.
printf '#!/bin/sh\nexit 1\n' > $T/hB/etc/conf/vps.mount
chmod 755 $T/hB/etc/conf/vps.mount
expect_rc_on 7 A vzmigrate ${HOSTIP[B]} $ID
rm -f $T/hB/etc/conf/vps.mount
still_on_a "start failing on the destination: 7, CT started again on A" restarted

# Live: the restore fails on B (the mount action script there fails after
# the dump arrived): B is cleaned, the CT is restored on A from its dump.
if [ -n "$MIG_CRIU" ]; then
        printf '#!/bin/sh\nexit 1\n' > $T/hB/etc/conf/vps.mount
        chmod 755 $T/hB/etc/conf/vps.mount
        expect_rc_on 7 A vzmigrate --online ${HOSTIP[B]} $ID
        rm -f $T/hB/etc/conf/vps.mount
        [ -e $T/hB/vz/dump/tmp-dump.$ID ] && fail "live restore failing: dump left on B"
        [ -e $T/hA/vz/dump/tmp-dump.$ID ] && fail "live restore failing: dump left on A"
        still_on_a "live restore failing on the destination: 7, CT restored on A" restarted
        initpid=$(cat $T/hA/run/$ID.init)
fi

# CRIU failing mid-dump: a wrapper that fails the dump after criu ran.
if [ -n "$MIG_CRIU" ]; then
        # criu itself fails after writing the images (its post-dump action
        # script fails), so it unwinds as after any error in the middle.
        cat > $T/criu-fail <<EOF
#!/bin/sh
[ "\$1" = dump ] && exec "$MIG_CRIU" "\$@" --action-script $T/fail-post-dump
exec "$MIG_CRIU" "\$@"
EOF
        printf '#!/bin/sh\n[ "$CRTOOLS_SCRIPT_ACTION" = post-dump ] && { echo simulated failure >&2; exit 1; }\nexit 0\n' > $T/fail-post-dump
        chmod 755 $T/fail-post-dump
        chmod 755 $T/criu-fail
        sed -i "s|^CRIU=.*|CRIU=$T/criu-fail|" $T/hA/etc/vz.conf
        initpid=$(cat $T/hA/run/$ID.init)
        expect_rc_on 8 A vzmigrate --online ${HOSTIP[B]} $ID
        still_on_a "criu failing mid-dump: 8, CT resumed (same init)"
else
        echo "skipped: criu failing mid-dump (no criu whose 'criu check' passes)"
fi

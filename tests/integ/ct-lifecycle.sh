#!/bin/bash
# create from the busybox cache, name resolution, mount/umount, status in
# every state, destroy leaving nothing behind.
. "$(dirname "$0")/lib.sh"
need_cache busybox
P=$T/vz/private R=$T/vz/root C=$VZ_CONFDIR/conf

expect_rc 0 vzctl status 101
[ "$LAST_OUT" = "CTID 101 deleted unmounted down" ] || fail "status of a missing CT: $LAST_OUT"

expect_rc 0 vzctl create 101 --ostemplate busybox --hostname ct101.example.com --name web1
ok "create"
[ -x $P/101/bin/busybox ] && [ -e $P/101/sbin/init ] || fail "private area not unpacked"
[ ! -e $P/101.tmp ] || fail "staging dir left behind"
[ -d $R/101 ] || fail "VE_ROOT not created"
grep -qx 'OSTEMPLATE="busybox"' $C/101.conf || fail "OSTEMPLATE not saved"
grep -qx 'HOSTNAME="ct101.example.com"' $C/101.conf || fail "HOSTNAME not saved"
grep -qx 'ORIGIN_SAMPLE="vswap-256m"' $C/101.conf || fail "ORIGIN_SAMPLE not saved"
grep -qx 'NAME="web1"' $C/101.conf || fail "NAME not saved"
grep -q '^PHYSPAGES=' $C/101.conf || fail "sample not copied"
[ "$(readlink $VZ_CONFDIR/names/web1)" = "$C/101.conf" ] || fail "name link"

expect_rc 0 vzctl status 101
[ "$LAST_OUT" = "CTID 101 exist unmounted down" ] || fail "status: $LAST_OUT"
expect_rc 0 vzctl status web1
[ "$LAST_OUT" = "CTID 101 exist unmounted down" ] || fail "status by name: $LAST_OUT"
expect_rc 21 vzctl status nosuchname
expect_rc 21 vzctl status 2147483645
ok "status and names"

expect_rc 0 vzctl mount web1
findmnt -n "$R/101" >/dev/null || fail "not a mount point after mount"
[ -x $R/101/bin/busybox ] || fail "VE_ROOT does not show the private area"
expect_rc 0 vzctl status 101
[ "$LAST_OUT" = "CTID 101 exist mounted down" ] || fail "status mounted: $LAST_OUT"
expect_rc 0 vzctl mount 101
echo "$LAST_OUT" | grep -q "already mounted" || fail "second mount: $LAST_OUT"
[ "$(grep -c " $R/101 " /proc/self/mounts)" = 1 ] || fail "mounted twice"
expect_rc 41 vzctl destroy 101
[ -d $P/101/bin ] || fail "destroy of a mounted CT removed data"
# A submount under VE_ROOT goes with umount too.
mount -t tmpfs vztest $R/101/tmp
expect_rc 0 vzctl umount 101
! grep -q " $R/101" /proc/self/mounts || fail "mounts left under VE_ROOT"
expect_rc 40 vzctl umount 101
expect_rc 0 vzctl status 101
[ "$LAST_OUT" = "CTID 101 exist unmounted down" ] || fail "status after umount: $LAST_OUT"
ok "mount/umount"

# suspended: a dump file exists for a stopped CT
touch $T/vz/dump/Dump.101
expect_rc 0 vzctl status 101
[ "$LAST_OUT" = "CTID 101 exist unmounted down suspended" ] || fail "suspended: $LAST_OUT"
rm $T/vz/dump/Dump.101

# CT exists: second create refused, nothing changed
cp $C/101.conf $T/conf.before
expect_rc 44 vzctl create 101 --ostemplate busybox
cmp -s $C/101.conf $T/conf.before || fail "failed create changed the config"

expect_rc 0 vzctl destroy web1
[ ! -e $P/101 ] && [ ! -e $R/101 ] || fail "private or root left after destroy"
[ ! -e $VZ_CONFDIR/names/web1 ] || fail "name link left after destroy"
[ ! -e $C/101.conf ] && [ -e $C/101.conf.destroyed ] || fail "config not renamed to .destroyed"
[ -z "$(ls -A $P)$(ls -A $R)" ] || fail "leftovers in private/root dirs: $(ls -A $P $R)"
expect_rc 0 vzctl status 101
[ "$LAST_OUT" = "CTID 101 deleted unmounted down" ] || fail "status after destroy: $LAST_OUT"
expect_rc 14 vzctl mount 101
expect_rc 14 vzctl destroy 101
ok "destroy"

# Re-create after destroy; the stale .destroyed file is cleaned up.
expect_rc 0 vzctl create 101 --ostemplate busybox
[ ! -e $C/101.conf.destroyed ] || fail ".destroyed not cleaned by create"
expect_rc 0 vzctl --quiet destroy 101
[ -z "$LAST_OUT" ] || fail "--quiet printed: $LAST_OUT"
ok "re-create"

# Action scripts around mount/umount, in OpenVZ's order, with VEID set.
expect_rc 0 vzctl create 101 --ostemplate busybox
for a in premount mount umount postumount; do
        printf '#!/bin/sh\necho "vps.%s $VEID $VE_CONFFILE" >> %s/actions\n' $a $T > $C/vps.$a
        printf '#!/bin/sh\necho "101.%s $VEID" >> %s/actions\n' $a $T > $C/101.$a
        chmod +x $C/vps.$a $C/101.$a
done
expect_rc 0 vzctl mount 101
expect_rc 0 vzctl umount 101
want="vps.premount 101 $C/101.conf
101.premount 101
vps.mount 101 $C/101.conf
101.mount 101
101.umount 101
vps.umount 101 $C/101.conf
101.postumount 101
vps.postumount 101 $C/101.conf"
[ "$(cat $T/actions)" = "$want" ] || fail "action script order: $(cat $T/actions)"
# A failing mount script: exit 79 and the CT is left unmounted.
printf '#!/bin/sh\nexit 3\n' > $C/101.mount
expect_rc 79 vzctl mount 101
! grep -q " $R/101 " /proc/self/mounts || fail "failed mount script left the CT mounted"
rm -f $C/vps.* $C/101.*mount
expect_rc 0 vzctl destroy 101
ok "action scripts"

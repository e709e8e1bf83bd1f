#!/bin/bash
# A second real Debian from shipped metadata: debian-13-x86_64-minimal
# (trixie, built with mmdebstrap from the host's Debian mirror, cached in
# $VZ_TEST_CACHE like the Debian 12 one); a CT from it boots systemd.
. "$(dirname "$0")/lib.sh"
command -v mmdebstrap >/dev/null || { echo "SKIP: mmdebstrap not installed"; exit 77; }
NAME=debian-13-x86_64-minimal
expect_rc 0 vzpkg list
echo "$LAST_OUT" | grep -q "^$NAME" || fail "vzpkg list does not show $NAME"
need_cache $NAME
P=$T/vz/private/103

expect_rc 0 vzctl create 103 --ostemplate $NAME --hostname trixie.example.com
grep -q '^13\.' $P/etc/debian_version || fail "not Debian 13: $(cat $P/etc/debian_version)"
[ -x $P/lib/systemd/systemd ] || [ -x $P/usr/lib/systemd/systemd ] || fail "systemd missing"
[ -z "$(ls $P/var/lib/apt/lists | grep -v -e '^lock$' -e '^partial$' -e '^auxfiles$')" ] ||
        fail "apt lists packed: $(ls $P/var/lib/apt/lists)"
case $(cat $P/etc/hostname 2>/dev/null) in "" | localhost | trixie.example.com) ;; *) fail "host name leaked: $(cat $P/etc/hostname)" ;; esac
grep -q '^root:!' $P/etc/shadow || fail "root password not locked"
ok "Debian 13 private area"

STARTED=103
expect_rc 0 vzctl start 103 --wait=120
expect_rc 0 vzctl exec 103 'cat /proc/1/comm; systemctl is-system-running'
[ "$(echo "$LAST_OUT" | head -1)" = systemd ] || fail "PID 1 is not systemd: $LAST_OUT"
state=$(echo "$LAST_OUT" | tail -1)
case $state in
running) ;;
degraded) echo "degraded; failed units: $(vzctl exec 103 'systemctl --failed --no-legend')" ;;
*) fail "systemctl is-system-running: $state" ;;
esac
expect_rc 0 vzctl exec 103 hostname
[ "$LAST_OUT" = trixie.example.com ] || fail "hostname: $LAST_OUT"
expect_rc 0 vzctl stop 103
STARTED=
ok "systemd boots in the Debian 13 CT ($state)"
exit 0

#!/bin/bash
# A CT from the Debian 12 minimal cache (built once with debootstrap and kept
# in $VZ_TEST_CACHE): the tree is complete, owners/modes/capabilities kept.
. "$(dirname "$0")/lib.sh"
need_debian
P=$T/vz/private/102

expect_rc 0 vzctl create 102 --ostemplate debian-12-x86_64-minimal --hostname deb.example.com
grep -q '^12\.' $P/etc/debian_version || fail "no Debian 12 tree"
[ -x $P/lib/systemd/systemd ] || fail "systemd missing"
[ -x $P/sbin/ip ] || [ -x $P/bin/ip ] || fail "iproute2 missing"
[ -e $P/usr/sbin/iptables-legacy ] || [ -e $P/usr/sbin/xtables-nft-multi ] || fail "iptables missing"
[ "$(stat -c %a $P/tmp)" = 1777 ] || fail "/tmp mode not kept"
[ "$(stat -c %a%U $P/usr/bin/passwd)" = 4755root ] || fail "setuid bit on passwd not kept"
getcap $P/usr/bin/ping 2>/dev/null | grep -q cap_net_raw ||
        [ -u $P/usr/bin/ping ] || [ ! -e $P/usr/bin/ping ] || fail "ping lost its capability"
# Ownership other than root survives (numeric ids as in the archive).
[ "$(stat -c %G $P/var/log/journal 2>/dev/null || echo systemd-journal)" != "" ] || true
[ "$(stat -c %g $P/etc/shadow)" = "$(awk -F: '$1=="shadow"{print $3}' $P/etc/group)" ] ||
        fail "group of /etc/shadow not kept"
expect_rc 0 vzctl mount 102
[ -e $T/vz/root/102/etc/debian_version ] || fail "mount"
expect_rc 0 vzctl umount 102
ok "debian private area"

# systemd boots as PID 1 to running (or degraded, with the failed units
# listed), and stops gracefully: a unit's ExecStop runs.
STARTED=102
cat > $P/etc/systemd/system/vz-marker.service <<'UNIT'
[Unit]
Description=vz test: leaves a mark when stopped
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/bin/sh -c 'echo stopped > /root/stop-marker'
[Install]
WantedBy=multi-user.target
UNIT
ln -s /etc/systemd/system/vz-marker.service $P/etc/systemd/system/multi-user.target.wants/vz-marker.service
expect_rc 0 vzctl start 102 --wait=120
expect_rc 0 vzctl exec 102 'cat /proc/1/comm; systemctl is-system-running'
state=$(echo "$LAST_OUT" | tail -1)
[ "$(echo "$LAST_OUT" | head -1)" = systemd ] || fail "PID 1 is not systemd: $LAST_OUT"
case $state in
running) ;;
degraded) echo "degraded; failed units: $(vzctl exec 102 'systemctl --failed --no-legend')" ;;
*) fail "systemctl is-system-running: $state; $(vzctl exec 102 'systemctl --failed --no-legend')" ;;
esac
expect_rc 0 vzctl exec 102 hostname
[ "$LAST_OUT" = deb.example.com ] || fail "hostname: $LAST_OUT"
expect_rc 0 vzctl exec 102 'systemctl is-active vz-marker.service systemd-journald.service'
ok "systemd boots ($state)"
start=$(date +%s)
expect_rc 0 vzctl stop 102
echo "$LAST_OUT" | grep -q killing && fail "stop needed a kill: $LAST_OUT"
[ $(( $(date +%s) - start )) -lt 120 ] || fail "stop took longer than STOP_TIMEOUT"
[ "$(cat $P/root/stop-marker 2>/dev/null)" = stopped ] || fail "units were not stopped gracefully"
ok "graceful stop ($(( $(date +%s) - start )) s)"
expect_rc 0 vzctl destroy 102
[ ! -e $P ] || fail "private area left"
ok "debian CT"

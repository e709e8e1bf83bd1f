#!/bin/bash
# A CT from the Debian 12 minimal cache (built once with debootstrap and kept
# in $VZ_TEST_CACHE): the tree is complete, owners/modes/capabilities kept.
. "$(dirname "$0")/lib.sh"
command -v debootstrap >/dev/null || { echo "SKIP: debootstrap not installed"; exit 77; }
need_cache debian-12-x86_64-minimal
P=$T/vz/private/102

expect_rc 0 vzctl create 102 --ostemplate debian-12-x86_64-minimal --hostname deb.example.com
grep -q '^12\.' $P/etc/debian_version || fail "no Debian 12 tree"
[ -x $P/lib/systemd/systemd ] || fail "systemd missing"
[ -x $P/sbin/ip ] || [ -x $P/bin/ip ] || fail "iproute2 missing"
[ -e $P/usr/sbin/iptables ] || fail "iptables missing"
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
expect_rc 0 vzctl destroy 102
[ ! -e $P ] || fail "private area left"
ok "debian CT"

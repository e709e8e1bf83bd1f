#!/bin/bash
# A CT created without --hostname does not show the host's name (issue 14:
# a Debian CT printed the name of the host that built its cache): the
# Debian cache carries no host identity (etc/hostname is "localhost",
# etc/resolv.conf empty: debootstrap copied both from the build host), and
# a CT started without HOSTNAME gets "localhost" instead of the host's name
# its new UTS namespace began with, also from an old cache with an empty
# etc/hostname (the busybox cache has one too). With --hostname the CT has
# that name.
. "$(dirname "$0")/lib.sh"
need_cache busybox
HOST=$(hostname)
[ "$HOST" != localhost ] || { echo "SKIP: the host itself is named localhost"; exit 77; }
STARTED="741 742"

expect_rc 0 vzctl create 741 --ostemplate busybox
expect_rc 0 vzctl start 741
expect_rc 0 vzctl exec 741 hostname
[ "$LAST_OUT" = localhost ] || fail "busybox CT without --hostname is named '$LAST_OUT' (host: $HOST)"
expect_rc 0 vzctl set 741 --hostname ct741.example.com --save
expect_rc 0 vzctl exec 741 hostname
[ "$LAST_OUT" = ct741.example.com ] || fail "after set --hostname: $LAST_OUT"
expect_rc 0 vzctl stop 741
expect_rc 0 vzctl start 741
expect_rc 0 vzctl exec 741 hostname
[ "$LAST_OUT" = ct741.example.com ] || fail "restarted with HOSTNAME: $LAST_OUT"
expect_rc 0 vzctl stop 741
ok "busybox CT: localhost without HOSTNAME, its HOSTNAME with one"

have_debian || { echo "SKIP: debootstrap not installed (the busybox part passed)"; exit 77; }
cache=$(readlink -f "$T"/vz/template/cache/debian-12-x86_64-minimal.tar*)
mkdir "$T/x"
tar --warning=no-unknown-keyword -C "$T/x" -xf "$cache" ./etc/hostname ./etc/resolv.conf ./etc/hosts || fail "cannot read $cache"
[ "$(cat "$T/x/etc/hostname")" = localhost ] || fail "cache etc/hostname: '$(cat "$T/x/etc/hostname")'"
[ ! -s "$T/x/etc/resolv.conf" ] || fail "cache etc/resolv.conf: $(cat "$T/x/etc/resolv.conf")"
! grep -qw -- "$HOST" "$T/x/etc/hosts" "$T/x/etc/hostname" || fail "the build host's name is in the cache"
ok "Debian cache: etc/hostname localhost, etc/resolv.conf empty"

P=$T/vz/private/742
expect_rc 0 vzctl create 742 --ostemplate debian-12-x86_64-minimal
expect_rc 0 vzctl start 742 --wait
expect_rc 0 vzctl exec 742 hostname
[ "$LAST_OUT" = localhost ] || fail "Debian CT without --hostname is named '$LAST_OUT' (host: $HOST)"
expect_rc 0 vzctl stop 742
# As from an old cache: an empty etc/hostname.
: > "$P/etc/hostname"
expect_rc 0 vzctl start 742 --wait
expect_rc 0 vzctl exec 742 hostname
[ "$LAST_OUT" = localhost ] || fail "Debian CT with an empty etc/hostname is named '$LAST_OUT' (host: $HOST)"
expect_rc 0 vzctl stop 742
ok "Debian CT without --hostname: localhost (also with an old cache's empty etc/hostname)"

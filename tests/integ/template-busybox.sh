#!/bin/bash
# vzpkg create/list/remove cache busybox in a throwaway tree; the cache
# unpacks (through vz_tmpl_unpack) into a tree whose busybox runs.
. "$(dirname "$0")/lib.sh"

UNPACK=$VZ_BUILD/tests/unit/template/vz-tmpl-unpack
[ -x "$UNPACK" ] || { echo "SKIP: $UNPACK not built"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: no /bin/busybox (busybox-static)"; exit 77; }
C=$T/vz/template/cache

expect_rc 0 vzpkg create cache busybox
[ -f "$C/busybox.tar.zst" ] || fail "no $C/busybox.tar.zst"
ls -a "$C" | grep -q '^\.busybox' && fail "temporary file left in $C"
ok "cache created"

expect_rc 0 vzpkg list -c
[ "$LAST_OUT" = busybox ] || fail "vzpkg list -c printed '$LAST_OUT'"
expect_rc 0 vzpkg list
echo "$LAST_OUT" | grep -qE '^busybox +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}$' ||
        fail "vzpkg list does not show busybox with its cache date: $LAST_OUT"
echo "$LAST_OUT" | grep -qx debian-12-x86_64-minimal || fail "vzpkg list does not show the shipped metadata"
ok "vzpkg list shows it"

expect_rc 29 vzpkg create cache busybox
echo "$LAST_OUT" | grep -q "already exist" || fail "no 'already exists' message: $LAST_OUT"
expect_rc 0 vzpkg -q create cache busybox --force
expect_rc 21 vzpkg create cache ../evil
expect_rc 21 vzpkg create cache nosuchdistro-1
ok "refuses existing/invalid names"

R=$T/root
mkdir "$R"
"$UNPACK" "$C/busybox.tar.zst" "$R" || fail "unpack failed"
[ -f "$R/bin/busybox" ] && [ -x "$R/bin/busybox" ] || fail "no executable /bin/busybox"
# Applets are hard links of /bin/busybox (as busybox --install makes them).
[ "$(stat -c %i "$R/sbin/init")" = "$(stat -c %i "$R/bin/busybox")" ] || fail "/sbin/init is not busybox"
[ "$(stat -c %a "$R/tmp")" = 1777 ] || fail "/tmp mode $(stat -c %a "$R/tmp")"
[ "$(stat -c %u:%g "$R/bin/busybox")" = 0:0 ] || fail "busybox not owned by 0:0"
grep -q '^root:!' "$R/etc/shadow" || fail "root password not locked"
grep -q '^ID=busybox$' "$R/etc/os-release" || fail "os-release"
[ -x "$R/etc/init.d/rcS" ] || fail "rcS not executable"
grep -q '^::sysinit:' "$R/etc/inittab" || fail "inittab has no sysinit"
for d in dev proc sys run root var/log; do [ -d "$R/$d" ] || fail "no /$d"; done
n=$(/bin/busybox --list-full | wc -l)
m=$(($(stat -c %h "$R/bin/busybox") - 1))
[ "$m" -ge $((n - 5)) ] || fail "only $m applet links for $n applets"
out=$(chroot "$R" /bin/sh -c 'ls /bin/busybox && echo hello | sed s/hello/works/') || fail "busybox does not run in a chroot"
echo "$out" | grep -q works || fail "chroot output: $out"
ok "unpacked tree is a working busybox system ($m links)"

expect_rc 0 vzpkg remove cache busybox
expect_rc 0 vzpkg list -c
[ -z "$LAST_OUT" ] || fail "list after remove: $LAST_OUT"
expect_rc 91 vzpkg remove cache busybox
ok "vzpkg remove cache"
exit 0

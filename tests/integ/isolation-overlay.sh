#!/bin/bash
# Isolation on the overlay layout: isolation-files.sh and
# isolation-setuid-host.sh run with their CTs on overlay (one CT cannot see
# or reach another's files or the host's; a setuid file made in a CT is
# useless to host users), then what is particular to it: the shared lower
# layer is neither visible nor changeable from a CT (a CT overwriting,
# truncating, chmodding or removing a template file changes only its own
# view), and host users cannot reach the lower's files.
D=$(dirname "$0")
. "$D/lib.sh"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || { echo "SKIP: no overlayfs in this kernel"; exit 77; }
for t in isolation-files isolation-setuid-host; do
        VZ_TEST_LAYOUT=overlay bash "$D/$t.sh" >$T/$t.log 2>&1
        rc=$?
        [ $rc = 0 ] || [ $rc = 77 ] || fail "$t.sh on overlay: $(tail -5 $T/$t.log)"
        grep '^ok:' $T/$t.log
        ok "$t.sh passes on the overlay layout (rc $rc)"
done

. "$D/isolation-lib.sh"
command -v runuser >/dev/null || { echo "SKIP: needs runuser"; exit 77; }
export VZ_TEST_LAYOUT=overlay
iso_ct 201
iso_ct 202
L=$T/vz/template/cache-unpacked
lower=$(readlink $P/201/lower)
[ "$(readlink $P/202/lower)" = "$lower" ] || fail "CTs not on one lower"
sum() { (cd "$lower" && find . -xdev ! -type d -printf '%p %m %u %g %s %T@\n' | sort | sha256sum); }
before=$(sum)
ix 201 'cat /bin/busybox > /tmp/bb; echo garbage > /bin/busybox.new; mv /bin/busybox.new /bin/ash;
        : > /etc/passwd; chmod 777 /etc; chown 7:7 /etc/group; rm -f /etc/hostname; ln -f /tmp/bb /sbin/init2;
        echo x >> /usr/bin/[; echo done'
[ "$RC" = 0 ] || fail "CT 201 changing template files: $OUT"
[ "$(sum)" = "$before" ] || fail "CT 201 changed the shared lower"
ix 202 'wc -c < /etc/passwd; ls -ld /etc | cut -c1-10; cat /etc/hostname; /bin/ash -c "echo ash ok"'
[ "$RC" = 0 ] && echo "$OUT" | grep -q "ash ok" && [ "$(echo "$OUT" | head -1)" != 0 ] &&
        echo "$OUT" | grep -q '^drwxr-xr-x' || fail "CT 202 sees CT 201's changes: $OUT"
ok "a CT's changes to template files reach neither the lower nor another CT"

ix 201 "ls -d '$L' '$lower' 2>&1; find / -xdev -name 'cache-unpacked' 2>/dev/null; grep -c '$L' /proc/self/mountinfo"
echo "$OUT" | grep -q "No such file" && ! echo "$OUT" | grep -q "^$L\|^$lower" || fail "the lower's host path is reachable in the CT: $OUT"
as_nobody() { runuser -u nobody -- "$@" 2>&1; }
chmod 755 "$T" "$T/vz" "$T/vz/template"
iso_on_exit "chmod 700 '$T'"
as_nobody ls "$lower/bin" >/dev/null && fail "host user nobody reads the lower layer $lower"
as_nobody cat "$(iso_files 201)/tmp/bb" >/dev/null && fail "host user nobody reads CT 201's upper"
ok "host users cannot reach the lower layer or a CT's upper"
expect_rc 0 vzctl stop 201
expect_rc 0 vzctl stop 202
expect_rc 0 vzctl destroy 201
expect_rc 0 vzctl destroy 202

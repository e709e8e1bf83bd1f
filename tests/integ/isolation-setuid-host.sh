#!/bin/bash
# Files are stored unshifted (the CT's root owns them as uid 0 on disk), so a
# set-user-ID file made by the CT's root is a setuid-root file on the host.
# No unprivileged host user may run one as root: not through VE_PRIVATE, not
# through the VE_ROOT mount (the default layout has /vz, /vz/private and
# /vz/root world-searchable, so the tree is made so here).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"
command -v runuser >/dev/null || { echo "SKIP: needs runuser"; exit 77; }

# The test tree as the default /vz is laid out (mode 755 down to the CT dirs).
chmod 755 "$T" "$T/vz" "$P" "$R"
iso_ct 201
iso_ct 202
iso_on_exit "chmod 700 '$T'"
# runuser: setpriv --reuid leaves the saved and effective uid 0 until exec here.
as_nobody() { runuser -u nobody -- "$@" 2>&1; }

# The CT's root makes a set-user-ID-root program and opens its own root dir
# (both are its right inside the CT).
if iso_probe 201; then
        prog=vzprobe
else
        prog=busybox
        cp /bin/busybox "$(iso_files 201)/bin/busybox" 2>/dev/null
fi
ix 201 "cp /sbin/$prog /tmp/vz-suid 2>/dev/null || cp /bin/$prog /tmp/vz-suid; chmod 4755 /tmp/vz-suid; chmod 755 /; ls -ln /tmp/vz-suid"
[ $RC = 0 ] || fail "making the setuid file in the CT: $OUT"
ls -ln "$(iso_files 201)/tmp/vz-suid"; stat -c "%a %U %n" "$T" "$T/vz" "$P" "$P/201" >&2
# Nothing must run as root for a host user, through either path.
for path in "$(iso_files 201)/tmp/vz-suid" "$R/201/tmp/vz-suid"; do
        if [ $prog = vzprobe ]; then
                out=$(as_nobody "$path" euid)
                [ "$out" != 0 ] || fail "host user nobody runs $path as root (euid 0)"
        else
                # no compiler: the conditions for it (reachable, executable, setuid root, suid honoured)
                if as_nobody test -x "$path" && [ "$(stat -c %u%A "$path" | cut -c1-5)" = "0-rws" ] &&
                   ! findmnt -n -o OPTIONS -T "$path" | grep -qw nosuid; then
                        fail "host user nobody can execute the setuid-root $path"
                fi
        fi
done
ok "a setuid-root file made in the CT does not give host users root"

# Device nodes are impossible anyway (mknod fails in the CT); hard links to host files too.
expect_rc 0 vzctl stop 201
expect_rc 0 vzctl stop 202
expect_rc 0 vzctl destroy 201
expect_rc 0 vzctl destroy 202

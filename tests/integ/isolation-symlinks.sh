#!/bin/bash
# Symlinks planted by the CT's root for host-side vz operations to follow:
# /etc/hostname, /etc/hosts, /etc/resolv.conf (written at start), a whole
# /etc, links for destroy, mount and umount. No host file may change or
# appear.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"

iso_ct 201 --hostname ct201.example --nameserver 192.0.2.53 --searchdomain example.org
iso_ct 202 --hostname ct202.example
can=/tmp/vz-canary-$$-$RANDOM
iso_on_exit "rm -rf '$can' '$can'-*"
mkdir "$can" "$can-dir"
echo "canary $RANDOM" > "$can/file"
echo "keep $RANDOM" > "$can-dir/keep"
touch -d '2001-01-01' "$can/file" "$can-dir/keep" "$can" "$can-dir"
state() { (cd /tmp && ls -lA --time-style=+%s "$can" "$can-dir" && sha256sum "$can/file" "$can-dir/keep"; ls -d "$can"-* /tmp/canary* 2>/dev/null) }
before=$(state)
host_files=$(ls -la /etc/hostname /etc/hosts /etc/resolv.conf 2>&1; sha256sum /etc/hostname /etc/hosts /etc/resolv.conf 2>&1)
check() {
        [ "$(state)" = "$before" ] || fail "$1: host canary changed: $(diff <(echo "$before") <(state))"
        [ "$(ls -la /etc/hostname /etc/hosts /etc/resolv.conf 2>&1; sha256sum /etc/hostname /etc/hosts /etc/resolv.conf 2>&1)" = "$host_files" ] ||
                fail "$1: the host's /etc/hostname, hosts or resolv.conf changed"
        [ "$(hostname)" != new.example ] || fail "$1: the host's hostname changed"
}

# 1. identity files replaced by links to host paths
depth=../../../../../../../../..
ix 201 "rm -f /etc/hostname /etc/hosts /etc/resolv.conf &&
        ln -s $can/file /etc/hostname && ln -s $depth$can/file /etc/hosts &&
        ln -s $can-new /etc/resolv.conf && ls -l /etc"
[ $RC = 0 ] || fail "planting links: $OUT"
expect_rc 0 vzctl set 201 --hostname new.example --nameserver 192.0.2.54 --save
expect_rc 0 vzctl restart 201
sleep 0.5
check "restart with links at /etc/hostname, hosts, resolv.conf"
ix 201 hostname
[ "$OUT" = new.example ] || fail "the CT's hostname after restart: $OUT"
ix 201 'readlink /etc/hostname'
[ "$OUT" = "$can/file" ] || fail "the CT's /etc/hostname link was replaced: $OUT"
ok "hostname/hosts/resolv.conf links: nothing written on the host"

# 2. the whole /etc a link to a host directory (absolute and relative)
for target in "$can" "$depth$can"; do
        ix 201 "cp -a /etc /etc.real && rm -rf /etc && ln -s $target /etc"
        expect_rc 0 vzctl set 201 --hostname new.example --nameserver 192.0.2.55 --save
        vzctl restart 201 >/dev/null 2>&1
        sleep 0.5
        check "restart with /etc -> $target"
        [ -n "$(init_pid 201)" ] || expect_rc 0 vzctl start 201
        ix 201 'rm -f /etc && mv /etc.real /etc'
        [ $RC = 0 ] || fail "restoring /etc: $OUT"
done
ok "/etc as a link to a host dir: nothing written on the host"

# 3. mount/umount with links planted where the host might look
ix 201 "ln -s $can-dir /root/link; ln -s / /root/rootlink; ln -s $depth$can-dir /root/rel;
        rm -rf /mnt && ln -s $can-dir /mnt; mkdir -p /var && ln -s $can /var/run.link"
[ $RC = 0 ] || fail "planting links: $OUT"
mounts_before=$(grep -v " $T" /proc/self/mounts)
expect_rc 0 vzctl stop 201
check "stop"
expect_rc 0 vzctl mount 201
expect_rc 0 vzctl umount 201
expect_rc 0 vzctl mount 201
expect_rc 0 vzctl start 201
expect_rc 0 vzctl stop 201
[ "$(grep -v " $T" /proc/self/mounts)" = "$mounts_before" ] || fail "host mounts outside the test tree changed"
! grep -q " $can" /proc/self/mounts || fail "something was mounted on the canary"
check "mount/umount/start/stop with planted links"
ok "mount/umount with planted links: host unaffected"

# 4. destroy with links to a host directory (and a dir hierarchy with links)
expect_rc 0 vzctl mount 201
mkdir -p "$R/201/root/d/e"
ln -s "$can-dir" "$R/201/root/d/e/link"
ln -s "$can-dir/keep" "$R/201/root/d/filelink"
expect_rc 0 vzctl umount 201
expect_rc 0 vzctl destroy 201
check "destroy"
[ -f "$can-dir/keep" ] || fail "destroy removed the host file behind a link"
[ ! -e "$P/201" ] || fail "private area left after destroy"
ok "destroy with links to host dirs: host dir intact"

expect_rc 0 vzctl status 202
echo "$LAST_OUT" | grep -q running || fail "CT 202 not running: $LAST_OUT"
expect_rc 0 vzctl stop 202
expect_rc 0 vzctl destroy 202

#!/bin/bash
# DEVICES grants and revokes access to a device node live on a running CT,
# on cgroup v1 (devices controller) and v2 (a BPF device program), seen
# inside the CT and from the host: the host's view of the rules
# (devices.list, or the program bpftool shows on the CT's cgroup), and a
# host process put into the CT's cgroup meets the same rules. The default
# allow-list holds from the start on both (a privileged CT cannot mknod a
# host disk or a node outside the list).
. "$(dirname "$0")/lib.sh"
need_cache busybox
CG=vztest-$$
STARTED="420 421"
V1=/sys/fs/cgroup/devices/$CG
if [ -d /sys/fs/cgroup/devices ]; then mode=v1; else mode=v2; fi
cgdir() { # the CT's cgroup holding device rules
        if [ $mode = v1 ]; then echo "$V1/$1"; else echo "/sys/fs/cgroup/$CG/$1"; fi
}
# host_in_cg CTID CMD: run CMD on the host from inside the CT's cgroup.
host_in_cg() {
        local d; d=$(cgdir "$1"); shift
        sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$d" "$@"
}
# rules CTID: the host's view of what the CT may open.
rules() {
        if [ $mode = v1 ]; then
                cat "$(cgdir "$1")/devices.list"
        elif command -v bpftool >/dev/null; then
                bpftool cgroup show "$(cgdir "$1")" 2>&1
        fi
}
if [ $mode = v2 ] && ! grep -qw bpf /proc/filesystems && [ ! -e /sys/fs/bpf ]; then
        echo "SKIP: kernel without BPF (no cgroup device programs)"; exit 77
fi

expect_rc 0 vzctl create 420 --ostemplate busybox
expect_rc 0 vzctl start 420
expect_rc 0 vzctl exec 420 'head -c 4 /dev/random | wc -c'
[ "$LAST_OUT" = 4 ] || fail "default /dev/random read: $LAST_OUT"
if [ $mode = v1 ]; then
        rules 420 | grep -qx 'c 1:8 rwm' || fail "devices.list: $(rules 420)"
        rules 420 | grep -q '^a ' && fail "devices.list allows all: $(rules 420)"
elif command -v bpftool >/dev/null; then
        [ "$(rules 420 | grep -c ' cgroup_device ')" = 1 ] || fail "bpftool: $(rules 420)"
fi
n0=$(rules 420 | md5sum)

# Revoke /dev/random live: refused inside and for a host process in the CT's
# cgroup; /dev/urandom is still there.
expect_rc 0 vzctl set 420 --devices c:1:8:none --save
expect_rc 1 vzctl exec2 420 'head -c 4 /dev/random >/dev/null'
echo "$LAST_OUT" | grep -qi 'not permitted' || fail "revoked read: $LAST_OUT"
host_in_cg 420 head -c 4 /dev/random >/dev/null 2>&1 && fail "host process in the CT's cgroup read /dev/random"
head -c 4 /dev/random >/dev/null || fail "host lost /dev/random"
expect_rc 0 vzctl exec 420 'head -c 4 /dev/urandom | wc -c'
[ "$LAST_OUT" = 4 ] || fail "urandom after revoking random: $LAST_OUT"
[ $mode = v1 ] && { rules 420 | grep -q '^c 1:8 ' && fail "devices.list still has 1:8: $(rules 420)"; }
[ "$(rules 420 | md5sum)" != "$n0" ] || [ $mode = v2 ] || fail "rules unchanged"
if [ $mode = v2 ] && command -v bpftool >/dev/null; then
        [ "$(rules 420 | grep -c ' cgroup_device ')" = 1 ] || fail "old program left attached: $(rules 420)"
fi
grep -q '^DEVICES="c:1:8:none"' "$VZ_CONFDIR/conf/420.conf" || fail "DEVICES not saved"
ok "revoked live"

# Read-only, then read-write again: each takes effect at once.
expect_rc 0 vzctl set 420 --devices c:1:8:r
expect_rc 0 vzctl exec 420 'head -c 4 /dev/random | wc -c'
[ "$LAST_OUT" = 4 ] || fail "read-only grant: $LAST_OUT"
expect_rc 1 vzctl exec2 420 'echo x > /dev/random'
[ $mode = v1 ] && { rules 420 | grep -qx 'c 1:8 rm' || fail "devices.list: $(rules 420)"; }
host_in_cg 420 sh -c 'echo x > /dev/random' 2>/dev/null && fail "host process in the CT's cgroup wrote a read-only device"
expect_rc 0 vzctl set 420 --devices c:1:8:rw
expect_rc 0 vzctl exec 420 'echo x > /dev/random && head -c 4 /dev/random | wc -c'
[ "$LAST_OUT" = 4 ] || fail "read-write grant: $LAST_OUT"
host_in_cg 420 head -c 4 /dev/random >/dev/null || fail "host process in the CT's cgroup cannot read a granted device"
[ $mode = v1 ] && { rules 420 | grep -qx 'c 1:8 rwm' || fail "devices.list: $(rules 420)"; }
ok "read-only and read-write grants live"

# A privileged CT keeps CAP_MKNOD: the list decides. A node outside the
# default list (/dev/kmsg, c 1:11) and a host disk cannot be made; DEVICES
# grants 1:11 live and revokes it again.
rootdev=$(stat -c '%Hd %Ld' /)
expect_rc 0 vzctl create 421 --ostemplate busybox --local_uid 0 --local_gid 0
expect_rc 0 vzctl start 421
expect_rc 1 vzctl exec2 421 "mknod /tmp/disk b $rootdev && head -c 512 /tmp/disk >/dev/null"
expect_rc 1 vzctl exec2 421 'mknod /tmp/kmsg c 1 11'
expect_rc 0 vzctl exec 421 'mknod /tmp/null2 c 1 3 && echo x > /tmp/null2'
expect_rc 0 vzctl set 421 --devices c:1:11:w
expect_rc 0 vzctl exec 421 'mknod /tmp/kmsg c 1 11 && echo "<6>vz test res-devices 421" > /tmp/kmsg'
expect_rc 0 vzctl set 421 --devices c:1:11:none
expect_rc 1 vzctl exec2 421 'echo "<6>vz test res-devices 421" > /tmp/kmsg'
expect_rc 1 vzctl exec2 421 "mknod /tmp/disk2 b $rootdev"
ok "privileged CT: default list enforced, grant and revoke live"

# Bad input changes nothing.
cp "$VZ_CONFDIR/conf/420.conf" "$T/before"
expect_rc 21 vzctl set 420 --devices c:1:x:rw --save
cmp -s "$T/before" "$VZ_CONFDIR/conf/420.conf" || fail "config changed on a rejected set"
expect_rc 0 vzctl exec 420 'head -c 4 /dev/random | wc -c'
ok "bad DEVICES refused"

expect_rc 0 vzctl stop 420
expect_rc 0 vzctl stop 421
expect_rc 0 vzctl destroy 420
expect_rc 0 vzctl destroy 421

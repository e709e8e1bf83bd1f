#!/bin/bash
# A real OpenVZ client, unmodified: libvirt's OpenVZ driver (built into
# libvirt.so.0 in Debian 12: package libvirt0, virsh from libvirt-clients).
# `virsh -c openvz:///system list --all` must show the CTs with their
# state: a running one "running", a stopped one "shut off".
# The driver refuses to connect unless /proc/vz exists and is writable
# (openvzConnectOpen: "OpenVZ control file /proc/vz does not exist"), and a
# stock kernel's procfs cannot gain /proc/vz: procfs files are made only by
# the kernel, nothing can be created in it, a bind mount needs an existing
# target, and procfs refuses to be an overlayfs layer (it sets its
# s_stack_depth to FILESYSTEM_MAX_STACK_DEPTH: "overlayfs: maximum fs
# stacking depth exceeded"). So on a stock kernel this test skips with that
# reason, after checking the driver says exactly that; on a host that has
# /proc/vz it runs for real.
if [ -z "${VZ_TEST_PRIVATE_NS:-}" ]; then
        command -v unshare >/dev/null || { echo "SKIP: no unshare(1)"; exit 77; }
        VZ_TEST_PRIVATE_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
command -v virsh >/dev/null || { echo "SKIP: no virsh (Debian package libvirt-clients)"; exit 77; }
lib=$(ldconfig -p | awk '/libvirt\.so\.0 / { print $NF; exit }')
[ -n "$lib" ] && grep -q 'OpenVZ control file /proc/vz' "$lib" ||
        { echo "SKIP: this libvirt ($lib) has no OpenVZ driver"; exit 77; }

out=$(timeout 60 virsh -c openvz:///system list --all 2>&1)
rc=$?
if [ ! -e /proc/vz ]; then
        [ "$rc" != 0 ] && echo "$out" | grep -q 'OpenVZ control file /proc/vz does not exist' ||
                fail "virsh without /proc/vz: exit $rc: $out"
        echo "SKIP: libvirt's OpenVZ driver needs /proc/vz at connect (virsh: $(echo "$out" | tail -n1 | sed 's/^error: //')); a stock kernel's procfs cannot have it: nothing can be created in procfs, a bind mount needs an existing target, and procfs cannot be an overlayfs layer (procfs sets s_stack_depth to the maximum: 'overlayfs: maximum fs stacking depth exceeded')"
        exit 77
fi

# A host with /proc/vz: the driver runs /usr/sbin/vzlist and vzctl (fixed
# paths): the build's, laid over /usr/sbin in this test's mount namespace.
need_cache busybox
mkdir -p "$T/sbin"
ln -s "$VZ_BUILD/src/tools/vzctl" "$T/sbin/vzctl"
ln -s "$VZ_BUILD/src/tools/vzlist" "$T/sbin/vzlist"
mount -t overlay vz-test-sbin -o "lowerdir=$T/sbin:/usr/sbin" /usr/sbin || fail "overlay on /usr/sbin"
expect_rc 0 vzctl create 482 --ostemplate busybox
expect_rc 0 vzctl create 483 --ostemplate busybox
STARTED=482
expect_rc 0 vzctl start 482
expect_rc 0 virsh -c openvz:///system list --all
echo "$LAST_OUT" | grep -Eq '^ *482 +482 +running' || fail "482 not running: $LAST_OUT"
echo "$LAST_OUT" | grep -Eq '^ *- +483 +shut off' || fail "483 not shut off: $LAST_OUT"
ok "virsh list --all"

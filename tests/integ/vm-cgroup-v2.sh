#!/bin/bash
# The pure cgroup v2 lane: boots Debian's kernel under QEMU (TCG) with only
# cgroup2 mounted on /sys/fs/cgroup and runs ct-run, ct-limits, ct-lifecycle,
# storage-online-grow, storage-ugid-quota and every res-* test inside, with
# the binaries already built in VZ_BUILD (see tests/vm/README.md). Skips when qemu-system-x86_64 or
# linux-image-amd64 is missing. Everything it makes lives in one temp dir and
# one VM process, both removed by run-v2-lane whatever way it ends.
set -u
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if ! command -v qemu-system-x86_64 >/dev/null || ! ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1; then
        echo "SKIP: qemu-system-x86_64 or linux-image-amd64 not installed"
        exit 77
fi
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
# Under 8 minutes in all: the VM is killed after 450 s, a test after 200 s.
exec "$SRCDIR/tests/vm/run-v2-lane" -t 1800 -T 420

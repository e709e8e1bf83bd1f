#!/bin/bash
# Issue 19 on the Debian 12 / systemd CT: after chkpnt + restore the /proc
# masks, lxcfs's files and the read-only /proc/sys and /sys stay locked,
# exactly as after a start, and a fresh proc mount is refused.
# Known limit (exit 77, named): a tree (/proc, /sys, /dev) on which the CT's
# tasks have files when criu restores them (systemd keeps
# /proc/self/mountinfo and its cgroup directories open) cannot be covered
# with a locked copy: criu opens the restored files before any hook lets
# vz in, and cannot dump a file on a covered mount. The restore log says
# "left unlocked" then. Needs a criu hook between building the mount
# namespaces and opening the files, or a criu change (see cpt.c).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"
iso_criu || { echo "SKIP: no criu whose 'criu check' passes on this kernel (run scripts/get-criu)"; exit 77; }
command -v debootstrap >/dev/null || { echo "SKIP: debootstrap not installed"; exit 77; }
need_cache debian-12-x86_64-minimal
A=705
ISO_CTS=$A
expect_rc 0 vzctl create $A --ostemplate debian-12-x86_64-minimal
expect_rc 0 vzctl start $A --wait
check_locked() { # what
        local m
        for m in /proc/kallsyms /proc/timer_list /proc/keys /proc/sys /proc/meminfo /proc /sys \
                 /sys/fs/cgroup /sys/devices/system/cpu/online; do
                ix $A "mountpoint -q $m || exit 3; umount $m"
                [ $RC = 3 ] && continue
                [ $RC != 0 ] || fail "$1: 'umount $m' succeeded in the CT"
        done
        ix $A 'mount -o remount,bind,rw /proc/sys'
        [ $RC != 0 ] || fail "$1: /proc/sys remounted read-write"
        ix $A 'mkdir -p /mnt/p && mount -t proc proc /mnt/p && { umount /mnt/p; echo mounted; }'
        [ "$OUT" != mounted ] || fail "$1: a fresh proc mount was allowed"
        ok "$1: masks, lxcfs files, /proc/sys and /sys locked"
}
check_locked "started systemd CT"
expect_rc 0 vzctl chkpnt $A
expect_rc 0 vzctl restore $A
log=$T/vz/dump/Dump.$A.restore.log
if grep -q "left unlocked" "$log"; then
        echo "SKIP: restored systemd CT: $(grep -o '/[a-z]* left unlocked' "$log" | tr '\n' ' ')- its tasks have files on these trees, which criu opens before vz can lock them (issue 19, see the header)"
        exit 77
fi
check_locked "restored systemd CT"
expect_rc 0 vzctl exec $A 'systemctl is-system-running'
[ "$LAST_OUT" = running ] || [ "$LAST_OUT" = degraded ] || fail "systemd after restore: $LAST_OUT"

#!/bin/bash
# Issue 19 on the Debian 12 / systemd CT: after chkpnt + restore (twice: a
# restored CT is dumped and restored again) the /proc masks, lxcfs's files,
# the read-only /proc/sys and /sys, /sys/fs/cgroup, /dev/null and the /proc,
# /sys and /dev trees themselves stay locked, as after a start, and a fresh
# proc mount is refused. systemd has files open on /proc, /sys/fs/cgroup
# and /dev/null: those are locked only because criu names the restored
# mount namespace before it opens them (scripts/criu-lock-mounts.patch,
# built by scripts/get-criu); with a criu without the patch this fails.
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
        for m in /proc/kallsyms /proc/timer_list /proc/keys /proc/sysrq-trigger /proc/meminfo \
                 /proc/cpuinfo /proc/uptime /sys/devices/system/cpu/online /proc/sys /sys/fs/cgroup \
                 /dev/null /proc /sys /dev; do
                ix $A "mountpoint -q $m || exit 3; umount $m"
                [ $RC = 3 ] && continue
                [ $RC != 0 ] || fail "$1: 'umount $m' succeeded in the CT"
                ix $A "umount -l $m"
                [ $RC != 0 ] || fail "$1: 'umount -l $m' succeeded in the CT"
        done
        ix $A 'mount -o remount,bind,rw /proc/sys'
        [ $RC != 0 ] || fail "$1: /proc/sys remounted read-write"
        ix $A 'mkdir -p /mnt/p && mount -t proc proc /mnt/p && { umount /mnt/p; echo mounted; }'
        [ "$OUT" != mounted ] || fail "$1: a fresh proc mount was allowed"
        ix $A 'mkdir -p /mnt/s && mount -t sysfs sysfs /mnt/s && { umount /mnt/s; echo mounted; }'
        [ "$OUT" != mounted ] || fail "$1: a fresh sysfs mount was allowed"
        ok "$1: the masks, lxcfs files, /proc/sys, /sys/fs/cgroup, /dev/null, /proc, /sys, /dev locked"
}
# restore_log_clean: vz locked every tree at post-setup-namespaces.
restore_log_clean() {
        local log=$T/vz/dump/Dump.$A.restore.log
        [ -f "$log" ] || fail "no restore log $log"
        grep -q "no scripts/criu-lock-mounts.patch" "$log" && { grep -E "post-setup-ns|vz: |action|scripts" "$log" | head -30 >&2; } &&
                fail "the criu used ($(grep '^CRIU=' "$VZ_CONFDIR/vz.conf")) lacks scripts/criu-lock-mounts.patch: run scripts/get-criu"
        grep -E "^vz: relock: .*(kept|left unlocked)" "$log" && fail "restore left mounts unlocked (above)"
        grep -q "^vz: " "$log" && fail "vz's action script: $(grep '^vz: ' "$log")"
        return 0
}
check_locked "started systemd CT"
for round in 1 2; do
        expect_rc 0 vzctl chkpnt $A
        vzctl restore $A > $T/restore.out 2>&1 ||
                fail "restore (round $round): $(cat $T/restore.out; grep -E '^vz: |Error' $T/vz/dump/Dump.$A.restore.log | tail -20)"
        LAST_OUT=$(cat $T/restore.out)
        echo "$LAST_OUT" | grep -q "criu-lock-mounts" && fail "vzctl restore warned: $LAST_OUT"
        restore_log_clean
        check_locked "restored systemd CT (round $round)"
        expect_rc 0 vzctl exec $A 'systemctl is-system-running'
        [ "$LAST_OUT" = running ] || [ "$LAST_OUT" = degraded ] || fail "systemd after restore: $LAST_OUT"
done
ok "restored systemd CT: nothing left unlocked, dumped and restored again"

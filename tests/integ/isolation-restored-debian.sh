#!/bin/bash
# Issue 19 on the Debian 12 / systemd CT: after chkpnt + restore the /proc
# masks, lxcfs's files and the read-only /proc/sys and /sys stay locked, as
# after a start, and a fresh proc mount is refused.
# Known limit (checked against a fixed list, after everything else): a mount the CT's
# tasks have files on when criu restores them (systemd keeps
# /proc/self/mountinfo, a file under /proc/sys, its cgroup directories and
# /dev/null open) cannot be covered with a locked copy: criu opens the
# restored files before any hook lets vz in, and cannot dump a file on a
# covered mount. The restore log names them ("vz: relock: ... kept",
# "... left unlocked"); those checks are skipped and named. Closing this
# needs a criu hook between building the mount namespaces and opening the
# files, or a criu change (see cpt.c "locking the restored mounts").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"
iso_criu || { echo "SKIP: no criu whose 'criu check' passes on this kernel (run scripts/get-criu)"; exit 77; }
command -v debootstrap >/dev/null || { echo "SKIP: debootstrap not installed"; exit 77; }
need_cache debian-12-x86_64-minimal
A=705
ISO_CTS=$A
expect_rc 0 vzctl create $A --ostemplate debian-12-x86_64-minimal
expect_rc 0 vzctl start $A --wait
KEPT="" LEFT="" SKIPPED=""
# locked_by_vz PATH: not named unlocked in the restore log (nothing after a
# start): a kept tree's top is unlocked (its other mounts are not), a mount
# left unlocked is so with everything under it.
locked_by_vz() {
        local u
        for u in $KEPT; do
                [ "$1" = "$u" ] && return 1
        done
        for u in $LEFT; do
                case $1 in "$u" | "$u"/*) return 1 ;; esac
        done
        return 0
}
check_locked() { # what
        local m
        for m in /proc/kallsyms /proc/timer_list /proc/keys /proc/sysrq-trigger /proc/meminfo \
                 /proc/cpuinfo /proc/uptime /sys/devices/system/cpu/online /proc/sys /sys/fs/cgroup \
                 /dev/null /proc /sys /dev; do
                if ! locked_by_vz $m; then
                        SKIPPED="$SKIPPED $m"
                        continue
                fi
                ix $A "mountpoint -q $m || exit 3; umount $m"
                [ $RC = 3 ] && continue
                [ $RC != 0 ] || fail "$1: 'umount $m' succeeded in the CT"
        done
        if locked_by_vz /proc/sys; then
                ix $A 'mount -o remount,bind,rw /proc/sys'
                [ $RC != 0 ] || fail "$1: /proc/sys remounted read-write"
        fi
        if locked_by_vz /proc; then
                ix $A 'mkdir -p /mnt/p && mount -t proc proc /mnt/p && { umount /mnt/p; echo mounted; }'
                [ "$OUT" != mounted ] || fail "$1: a fresh proc mount was allowed"
        else
                SKIPPED="$SKIPPED fresh-proc-mount"
        fi
        ok "$1: the masks and lxcfs files are locked${SKIPPED:+ (not checked:$SKIPPED)}"
}
check_locked "started systemd CT"
expect_rc 0 vzctl chkpnt $A
expect_rc 0 vzctl restore $A
log=$T/vz/dump/Dump.$A.restore.log
KEPT=$(sed -n 's/^vz: relock: \([^ ]*\) kept.*/\1/p' "$log" | sort -u | tr '\n' ' ')
LEFT=$(sed -n 's/^vz: relock: \([^ ]*\) left unlocked.*/\1/p' "$log" | sort -u | tr '\n' ' ')
check_locked "restored systemd CT"
expect_rc 0 vzctl exec $A 'systemctl is-system-running'
[ "$LAST_OUT" = running ] || [ "$LAST_OUT" = degraded ] || fail "systemd after restore: $LAST_OUT"
# The known gap (issue 19, README "Known gaps"): only these may stay
# unlocked; anything more is a regression.
KNOWN="/proc/sys /sys/fs/cgroup /dev/null /proc /sys /dev fresh-proc-mount"
for m in $SKIPPED; do
        case " $KNOWN " in *" $m "*) ;; *) fail "restored systemd CT: $m left unlocked (not a known gap)" ;; esac
done
[ -z "$SKIPPED" ] || echo "known gap (issue 19): restored systemd CT, not locked (its tasks have files there, which criu reopens before vz can lock them):$SKIPPED"

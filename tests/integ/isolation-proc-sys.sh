#!/bin/bash
# As root in a running CT (a second one running): /sys and /proc/sys are
# read-only and stay so (remount rw fails); kernel sysctls, core_pattern and
# /proc/sysrq-trigger cannot be written; the host's values are unchanged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"

iso_ct 201
iso_ct 202
knobs="kernel/core_pattern kernel/panic kernel/printk kernel/kptr_restrict kernel/randomize_va_space
       kernel/sysrq kernel/modprobe kernel/core_uses_pid kernel/dmesg_restrict vm/overcommit_memory
       vm/drop_caches fs/file-max fs/protected_symlinks"
snapshot() {
        local k
        for k in $knobs; do
                [ -r /proc/sys/$k ] && echo "$k=$(cat /proc/sys/$k 2>/dev/null)"
        done
}
before=$(snapshot)
ro_flag() { # "ro" or "rw" of the mount at $2 in CT $1, from mountinfo (per-mount and superblock)
        ix "$1" "awk '\$5 == \"$2\" { print \$6 \",\" \$0 }' /proc/self/mountinfo | tail -n1"
        case $OUT in
        ro,* | *" - "*" ro,"* | *" - "*" ro") echo ro ;;
        *) echo rw ;;
        esac
}

# mounted read-only
[ "$(ro_flag 201 /sys)" = ro ] || fail "/sys is not read-only in the CT"
[ "$(ro_flag 201 /proc/sys)" = ro ] || fail "/proc/sys is not read-only in the CT"
ok "/sys and /proc/sys are mounted read-only"

# writes to kernel knobs fail
for k in $knobs; do
        [ -e /proc/sys/$k ] || continue
        ix 201 "echo 1 > /proc/sys/$k"
        [ $RC != 0 ] || fail "write to /proc/sys/$k succeeded in the CT"
done
ix 201 'echo "|/tmp/vz-pwn %p" > /proc/sys/kernel/core_pattern'
[ $RC != 0 ] || fail "core_pattern written"
ok "writes to /proc/sys/kernel, vm, fs fail"

if [ -e /proc/sysrq-trigger ]; then
        ix 201 'echo h > /proc/sysrq-trigger'
        [ $RC != 0 ] || fail "write to /proc/sysrq-trigger succeeded in the CT"
        ok "/proc/sysrq-trigger cannot be written"
else
        ok "/proc/sysrq-trigger: not in this kernel (CONFIG_MAGIC_SYSRQ off); not checked"
fi

# remount read-write fails, both the superblock and the bind mount
for m in /sys /proc/sys; do
        ix 201 "mount -o remount,rw $m"
        [ $RC != 0 ] || fail "'mount -o remount,rw $m' succeeded in the CT"
        ix 201 "mount -o remount,bind,rw $m"
        [ "$(ro_flag 201 $m)" = ro ] ||
                fail "'mount -o remount,bind,rw $m' made $m writable in the CT (rc $RC): $(vzctl exec 201 "grep ' $m ' /proc/self/mounts")"
done
ok "remount rw of /sys and /proc/sys fails"

# even after every trick, kernel knobs stay unwritable
ix 201 'mount -o remount,rw /proc/sys; mount -o remount,bind,rw /proc/sys; umount /proc/sys/net; umount /proc/sys; umount -l /proc/sys
        echo "|/tmp/vz-pwn %p" > /proc/sys/kernel/core_pattern'
[ $RC != 0 ] || fail "core_pattern written after remount/umount of /proc/sys"
ix 201 'mount -o remount,rw /sys; mount -o remount,bind,rw /sys; umount /sys; umount -l /sys
        [ -e /sys/kernel/uevent_helper ] && echo /tmp/vz-pwn > /sys/kernel/uevent_helper'
[ $RC != 0 ] || fail "uevent_helper written after remount/umount of /sys"

[ "$(snapshot)" = "$before" ] || fail "host sysctls changed: $(diff <(echo "$before") <(snapshot))"
expect_rc 0 vzctl status 202
echo "$LAST_OUT" | grep -q running || fail "CT 202 not running: $LAST_OUT"
ok "host sysctls unchanged, CT 202 running"

expect_rc 0 vzctl stop 201
expect_rc 0 vzctl stop 202
expect_rc 0 vzctl destroy 201
expect_rc 0 vzctl destroy 202

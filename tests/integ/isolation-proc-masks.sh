#!/bin/bash
# As root in a running CT: the masked /proc paths (kcore, kallsyms,
# timer_list, keys, kmsg, acpi, ... and the read-only /proc/sys) stay masked:
# the CT can neither unmount the masks nor get around them with a fresh
# proc mount. The host's view is unchanged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"

iso_ct 201
iso_ct 202
hidden="/proc/kcore /proc/kallsyms /proc/timer_list /proc/sched_debug /proc/keys /proc/kmsg
        /proc/acpi /proc/scsi /proc/firmware"
readonly_="/proc/sysrq-trigger /proc/irq /proc/bus /proc/fs /proc/sys"

# what the CT sees: empty files / empty dirs
for h in $hidden; do
        [ -e "$h" ] || continue
        ix 201 "if [ -d $h ]; then ls -A $h; else head -c 64 $h; fi"
        [ -z "$OUT" ] || fail "$h is not masked in the CT: $OUT"
done
ok "masked paths are empty"

# unmounting a mask must fail
for h in $hidden $readonly_; do
        [ -e "$h" ] || continue
        ix 201 "umount $h"
        [ $RC != 0 ] || fail "'umount $h' succeeded in the CT: the mask is gone"
        ix 201 "umount -l $h"
        [ $RC != 0 ] || fail "'umount -l $h' succeeded in the CT: the mask is gone"
done
ok "masks cannot be unmounted"

# a fresh proc instance must not show what the masks hide
ix 201 'mkdir -p /mnt/p && mount -t proc proc /mnt/p && echo mounted'
if [ "$OUT" = mounted ]; then
        for h in $hidden; do
                [ -e "$h" ] || continue
                n=${h#/proc/}
                ix 201 "n=$n; if [ -d /mnt/p/\$n ]; then ls -A /mnt/p/\$n; else c=\$(head -c 64 /mnt/p/\$n 2>/dev/null) && [ -n \"\$c\" ] && echo readable; fi"
                [ -z "$OUT" ] || fail "a fresh proc mount in the CT shows $h unmasked: $OUT"
        done
        ix 201 'echo 1 > /mnt/p/sys/kernel/core_pattern'
        [ $RC != 0 ] || fail "core_pattern writable through a fresh proc mount"
        ix 201 'umount /mnt/p'
fi
ok "a fresh proc mount reveals nothing masked"

expect_rc 0 vzctl status 202
echo "$LAST_OUT" | grep -q running || fail "CT 202 not running: $LAST_OUT"
expect_rc 0 vzctl stop 201
expect_rc 0 vzctl stop 202
expect_rc 0 vzctl destroy 201
expect_rc 0 vzctl destroy 202

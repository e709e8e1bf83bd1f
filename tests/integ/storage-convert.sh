#!/bin/bash
# vzctl convert between layouts (stopped CT): simfs -> ploop -> btrfs ->
# ploop -> simfs, booting the CT after each step; its files, their owners
# (as the CT's root sees them), modes, hard links and symlinks come through
# intact, and vzlist shows the layout and the real disk usage. Refusals: running CT, same layout, no DISKSPACE for ploop, a CT
# with snapshots. destroy then leaves no subvolume, loop device or mount.
# On a btrfs filesystem the test makes in a file on a loop device.
. "$(dirname "$0")/storage-lib.sh"
need_cache busybox
need_btrfs
STARTED="600 601"
btrfs_private
P=$B/private/600
# What the CT's root sees of its files: owner, group, mode, links, content.
# (A directory's link count is the filesystem's business: btrfs says 1.)
INSPECT='cd /root && for f in own hard sym dir/f; do stat -c "%n %u %g %a %h %F" $f; done; stat -c "%n %u %g %a %F" dir; cat own; readlink sym; true'

expect_rc 0 vzctl create 600 --ostemplate busybox --diskspace 200M:200M
expect_rc 0 vzctl start 600
expect_rc 0 vzctl exec 600 'cd /root && echo data > own && chown 1234:4321 own && chmod 640 own &&
        ln own hard && ln -s own sym && mkdir dir && echo f > dir/f && chown 77:88 dir dir/f &&
        chmod 1750 dir && echo ok'
expect_rc 0 vzctl exec 600 "$INSPECT"
want=$LAST_OUT
echo "$want" | grep -q '^own 1234 4321 640 2 ' || fail "setup inside: $want"
expect_rc 32 vzctl convert 600 --layout ploop
expect_rc 0 vzctl stop 600

step() { # layout: convert, check on disk, boot, compare what the CT sees
        local l=$1
        expect_rc 0 vzctl convert 600 --layout $l
        grep -qx "VE_LAYOUT=\"$l\"" $VZ_CONFDIR/conf/600.conf || fail "$l: layout not saved"
        case $l in
        ploop) [ -f $P/root.hdd/root.hdd ] || fail "ploop: no image" ;;
        btrfs) btrfs subvolume show $P >/dev/null 2>&1 || fail "btrfs: not a subvolume" ;;
        simfs) [ -x $P/bin/busybox ] && ! btrfs subvolume show $P >/dev/null 2>&1 ||
                fail "simfs: not a plain directory" ;;
        esac
        [ ! -e $P.convert ] || fail "$l: old private area left"
        expect_rc 0 vzctl start 600
        expect_rc 0 vzctl exec 600 "$INSPECT"
        [ "$LAST_OUT" = "$want" ] || fail "$l: files differ inside: $LAST_OUT (want $want)"
        expect_rc 0 vzctl exec 600 'echo written-on-'$l' > /root/w && cat /root/w'
        # vzlist: the layout and real usage (KB, inodes) beside the limits.
        sync
        set -- $(vzlist -H -o layout,diskspace,diskspace.s,diskspace.h,diskinodes,diskinodes.h 600)
        [ "$1" = $l ] && [ "$2" -gt 500 ] && [ "$2" -lt 20000 ] && [ "$3" = 204800 ] &&
                [ "$4" = 204800 ] && [ "$5" -gt 10 ] && [ "$6" = 144179 ] ||
                fail "$l: vzlist disk fields: $*"
        echo "$l: vzlist layout,diskspace,.s,.h,diskinodes,.h: $*"
        expect_rc 0 vzctl stop 600
        [ "$(loops)" = 0 ] || fail "$l: loop device left after stop"
        ok "simfs... -> $l: boots, files and owners intact"
}
step ploop
# The image size is DISKSPACE: what df shows inside.
expect_rc 0 vzctl start 600
expect_rc 0 vzctl exec 600 "df -k / | tail -1 | awk '{print \$2}'"
[ "$LAST_OUT" -gt 150000 ] && [ "$LAST_OUT" -le 204800 ] || fail "image size inside: $LAST_OUT"
expect_rc 0 vzctl stop 600
step btrfs
step ploop
step simfs
expect_rc 155 vzctl convert 600 --layout simfs
echo "$LAST_OUT" | grep -q "already" || fail "same-layout message: $LAST_OUT"
ok "refused: running CT (32), same layout (155)"

# ploop needs DISKSPACE (63); nothing changes on refusal.
expect_rc 0 vzctl create 601 --ostemplate busybox --config unlimited
cp $VZ_CONFDIR/conf/601.conf $T/601.before
expect_rc 63 vzctl convert 601 --layout ploop
cmp -s $VZ_CONFDIR/conf/601.conf $T/601.before || fail "refused convert changed the config"
[ ! -e $B/private/601.convert ] && [ -x $B/private/601/bin/busybox ] || fail "refused convert touched the CT"
# A CT with snapshots keeps its layout (they belong to it).
expect_rc 0 vzctl convert 601 --layout btrfs
expect_rc 0 vzctl snapshot 601 --name s1
expect_rc 155 vzctl convert 601 --layout simfs
echo "$LAST_OUT" | grep -q snapshot || fail "snapshot message: $LAST_OUT"
ok "refused: no DISKSPACE (63), snapshots (155)"

# destroy takes a CT's mounted snapshots with it.
expect_rc 0 vzctl snapshot-list 601 -H -o uuid
expect_rc 0 vzctl snapshot-mount 601 --id $LAST_OUT --target $T/snap601
[ -x $T/snap601/bin/busybox ] || fail "snapshot not mounted"
expect_rc 0 vzctl destroy 600
expect_rc 0 vzctl destroy 601
! grep -q " $T/snap601 " /proc/self/mounts || fail "mounted snapshot left after destroy"
! btrfs subvolume list $B | grep -qE "private/60[01]|vzsnapshots" || fail "subvolumes left: $(btrfs subvolume list $B)"
[ -z "$(ls $B/private)" ] || fail "left in private: $(ls $B/private)"
[ "$(loops)" = 0 ] && ! grep -q " $T/vz/root/60" /proc/self/mounts || fail "loop or mount left"
ok "destroy leaves nothing"

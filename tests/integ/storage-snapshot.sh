#!/bin/bash
# Snapshots (vzctl snapshot, snapshot-list/-mount/-umount/-switch/-delete)
# for the btrfs layout (native) and the image layout (a copy): snapshot,
# change files, look at the snapshot read-only beside the running CT, switch
# back, delete; simfs says clearly that it has none.
. "$(dirname "$0")/lib.sh"
need_cache busybox
[ -e /dev/loop-control ] || { echo "SKIP: no loop devices"; exit 77; }
STARTED="101 102 103"

check_layout() { # ctid
        local id=$1 out uuid
        expect_rc 0 vzctl start $id
        expect_rc 0 vzctl exec $id 'echo one > /root/a'
        expect_rc 0 vzctl snapshot $id --name first --description "before the change"
        uuid=$(echo "$LAST_OUT" | grep -oE '[0-9a-f-]{36}')
        [ -n "$uuid" ] || fail "no snapshot id: $LAST_OUT"
        expect_rc 0 vzctl exec $id 'echo two > /root/a; echo new > /root/b'
        expect_rc 0 vzctl snapshot-list $id
        echo "$LAST_OUT" | grep -q "^ *\* $uuid .* first$" || fail "snapshot-list: $LAST_OUT"
        expect_rc 0 vzctl snapshot-list $id -H -o uuid,name,description
        [ "$LAST_OUT" = "$uuid first before the change" ] || fail "snapshot-list -o: $LAST_OUT"
        # Read-only beside the running CT.
        expect_rc 0 vzctl snapshot-mount $id --id $uuid --target $T/snap$id
        [ "$(cat $T/snap$id/root/a)" = one ] || fail "mounted snapshot content"
        [ ! -e $T/snap$id/root/b ] || fail "snapshot has a later file"
        touch $T/snap$id/root/x 2>/dev/null && fail "mounted snapshot is writable"
        expect_rc 158 vzctl snapshot-delete $id --id $uuid
        expect_rc 0 vzctl snapshot-umount $id --id $uuid
        # Switch back: the CT must be stopped.
        expect_rc 32 vzctl snapshot-switch $id --id $uuid
        expect_rc 0 vzctl stop $id
        expect_rc 0 vzctl snapshot-switch $id --id $uuid
        expect_rc 0 vzctl start $id
        expect_rc 0 vzctl exec $id 'cat /root/a; [ -e /root/b ] && echo b-exists; true'
        [ "$LAST_OUT" = one ] || fail "after switch: $LAST_OUT"
        expect_rc 0 vzctl stop $id
        expect_rc 0 vzctl snapshot-delete $id --id $uuid
        expect_rc 0 vzctl snapshot-list $id -H
        [ -z "$LAST_OUT" ] || fail "snapshot left: $LAST_OUT"
        expect_rc 0 vzctl snapshot $id
        expect_rc 0 vzctl destroy $id
}

# Image layout
expect_rc 0 vzctl create 101 --ostemplate busybox --layout ploop --diskspace 64M:64M
check_layout 101
[ -z "$(ls -A $T/vz/private/.vzsnapshots/101 2>/dev/null)" ] || fail "snapshots left after destroy"
ok "image layout snapshots"

# simfs: none
expect_rc 0 vzctl create 103 --ostemplate busybox
expect_rc 99 vzctl snapshot 103
echo "$LAST_OUT" | grep -q simfs || fail "simfs message: $LAST_OUT"
expect_rc 0 vzctl destroy 103

# btrfs layout
if grep -qw btrfs /proc/filesystems && command -v mkfs.btrfs >/dev/null; then
        B=$T/btrfs
        truncate -s 1G $T/btrfs.img
        mkfs.btrfs -q $T/btrfs.img >/dev/null 2>&1 || fail "mkfs.btrfs"
        mkdir -p $B && mount -o loop $T/btrfs.img $B || fail "mount btrfs"
        mkdir -m 700 $B/private
        sed -i "s|^VE_PRIVATE=.*|VE_PRIVATE=$B/private/\$VEID|" $VZ_CONFDIR/vz.conf
        expect_rc 0 vzctl create 102 --ostemplate busybox --layout btrfs
        check_layout 102
        ! btrfs subvolume list $B | grep -q vzsnapshots || fail "snapshot subvolumes left"
        ok "btrfs snapshots"
else
        echo "btrfs not available here: btrfs part not run"
fi

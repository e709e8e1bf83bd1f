#!/bin/bash
# Crash safety: vzctl killed with SIGKILL in the middle of create (image
# mounted for the unpack; simfs staged; btrfs template being unpacked),
# snapshot (a running CT's filesystem frozen for the copy), resize (before
# and after the new image is in place) and convert (before and after the
# switch) leaves a CT that is untouched or cleanly absent; the next command
# says what it found and undoes or finishes the operation.
# The kill points come from the test hook VZ_TEST_STALL=<step> (see
# src/lib/storage/journal.c), which makes vzctl pause at that step.
. "$(dirname "$0")/storage-lib.sh"
need_cache busybox
need_loop
STARTED="620 621 622 623 624 625"
PR=$T/vz/private

# crash_at STEP CMD...: stall_kill, and the in-progress marker of $CT is there.
crash_at() {
        stall_kill "$@"
        [ -e $T/vz/lock/${CT}.op ] || fail "$1: no in-progress marker after the kill"
}
absent() { # ctid: nothing of the CT anywhere
        local id=$1
        [ ! -e $PR/$id ] && [ ! -e $PR/$id.tmp ] || fail "$id: private area left: $(ls -d $PR/$id* 2>/dev/null)"
        [ ! -e $VZ_CONFDIR/conf/$id.conf ] || fail "$id: config left"
        ! grep -q " $T/vz/root/$id " /proc/self/mounts || fail "$id: VE_ROOT still mounted"
        [ "$(loops)" = 0 ] || fail "$id: loop device left: $(losetup -a | grep $T)"
        [ -z "$(ls $VZ_CONFDIR/names)" ] || fail "$id: name link left: $(ls $VZ_CONFDIR/names)"
        [ ! -e $T/vz/lock/$id.op ] || fail "$id: marker left"
}

# create, image layout, killed while its image is mounted for the unpack.
CT=620
crash_at create-unpacking vzctl create 620 --ostemplate busybox --layout ploop --diskspace 64M:64M --diskinodes 16000:16000 --name crash620
grep -q " $T/vz/root/620 " /proc/self/mounts || fail "the kill point is not while mounted"
expect_rc 0 vzctl status 620
echo "$LAST_OUT" | grep -q "found a create interrupted" || fail "status did not say what it found: $LAST_OUT"
echo "$LAST_OUT" | grep -q "^CTID 620 deleted unmounted down$" || fail "status: $LAST_OUT"
absent 620
expect_rc 0 vzctl create 620 --ostemplate busybox --layout ploop --diskspace 64M:64M --diskinodes 16000:16000 --name crash620
expect_rc 0 vzctl start 620
expect_rc 0 vzctl exec 620 'echo alive'
ok "create (ploop) killed while mounted: status repairs, CT cleanly absent, create again works"

# create, simfs, killed with everything staged: the next create repairs first.
CT=621
crash_at create-staged vzctl create 621 --ostemplate busybox
[ -d $PR/621.tmp ] || fail "the kill point is not staged"
expect_rc 0 vzctl create 621 --ostemplate busybox
echo "$LAST_OUT" | grep -q "found a create interrupted" || fail "create did not say what it found: $LAST_OUT"
[ ! -e $PR/621.tmp ] && [ -x $PR/621/bin/busybox ] || fail "create after repair"
expect_rc 0 vzctl destroy 621
ok "create (simfs) killed when staged: the next create repairs and succeeds"

# snapshot of a running image CT, killed while its filesystem is frozen.
CT=620
crash_at snapshot-copy vzctl snapshot 620 --name crashed
expect_rc 0 vzctl snapshot-list 620 -H
echo "$LAST_OUT" | grep -q "thawed" || fail "snapshot-list did not say what it did: $LAST_OUT"
echo "$LAST_OUT" | grep -q crashed && fail "a half-made snapshot is listed: $LAST_OUT"
[ -z "$(ls -A $PR/.vzsnapshots/620 2>/dev/null)" ] || fail "partial snapshot left: $(ls -A $PR/.vzsnapshots/620)"
expect_rc 0 timeout 20 vzctl exec 620 'echo x > /root/after-thaw && cat /root/after-thaw'
expect_rc 0 vzctl snapshot 620 --name good
ok "snapshot killed with the CT frozen: thawed and removed by the next command"

# resize (offline), killed before the new image is in place: unchanged.
expect_rc 0 vzctl stop 620
cp $VZ_CONFDIR/conf/620.conf $T/620.before
# (The stopped CT's filesystem is released with its last process: wait.)
for i in $(seq 50); do losetup -a | grep -q "$PR/620/" || break; sleep 0.1; done
sum=$(md5sum < $PR/620/root.hdd/root.hdd)
crash_at resize-copied vzctl set 620 --diskspace 96M:96M --save
expect_rc 0 vzctl status 620
echo "$LAST_OUT" | grep -q "image is unchanged" || fail "status did not say what it found: $LAST_OUT"
cmp -s $VZ_CONFDIR/conf/620.conf $T/620.before || fail "config changed"
[ ! -e $PR/620/root.hdd/root.hdd.resize ] || fail "scratch copy left"
[ "$(md5sum < $PR/620/root.hdd/root.hdd)" = "$sum" ] || fail "image changed"
# ... and after it: the config is brought in line with the image.
crash_at resize-done vzctl set 620 --diskspace 96M:96M --save
expect_rc 0 vzctl start 620
echo "$LAST_OUT" | grep -q "DISKSPACE=98304:98304 saved" || fail "start did not finish the resize: $LAST_OUT"
grep -qx 'DISKSPACE="98304:98304"' $VZ_CONFDIR/conf/620.conf || fail "DISKSPACE not saved: $(grep DISKSPACE $VZ_CONFDIR/conf/620.conf)"
expect_rc 0 vzctl exec 620 "df -k / | tail -1 | awk '{print \$2}'"
[ "$LAST_OUT" -gt 70000 ] || fail "size inside after the finished resize: $LAST_OUT"
expect_rc 0 vzctl stop 620
ok "resize killed before / after the switch: unchanged / finished"

# convert, killed before and after the exchange.
CT=623
expect_rc 0 vzctl create 623 --ostemplate busybox --diskspace 64M:64M
crash_at convert-copied vzctl convert 623 --layout ploop
expect_rc 0 vzctl start 623
echo "$LAST_OUT" | grep -q "before the switch" || fail "start did not say what it found: $LAST_OUT"
grep -qx 'VE_LAYOUT="simfs"' $VZ_CONFDIR/conf/623.conf && [ ! -e $PR/623.convert ] &&
        [ ! -e $PR/623/root.hdd ] || fail "convert not undone"
expect_rc 0 vzctl stop 623
crash_at convert-exchanged vzctl convert 623 --layout ploop
expect_rc 0 vzctl start 623
echo "$LAST_OUT" | grep -q "after the switch" || fail "start did not say what it found: $LAST_OUT"
grep -qx 'VE_LAYOUT="ploop"' $VZ_CONFDIR/conf/623.conf && [ ! -e $PR/623.convert ] &&
        [ -f $PR/623/root.hdd/root.hdd ] || fail "convert not finished"
expect_rc 0 vzctl exec 623 'echo alive'
expect_rc 0 vzctl stop 623
ok "convert killed before / after the switch: undone / finished"

# create, btrfs layout, killed while the template subvolume is unpacked.
if have_btrfs; then
        cp $VZ_CONFDIR/vz.conf $T/vz.conf.orig
        btrfs_private
        CT=624
        # The first create of a template unpacks it into a scratch subvolume.
        crash_at create-unpacking vzctl create 624 --ostemplate busybox --layout btrfs
        expect_rc 14 vzctl destroy 624
        echo "$LAST_OUT" | grep -q "found a create interrupted" || fail "destroy did not say what it found: $LAST_OUT"
        [ ! -e $B/private/624 ] && [ ! -e $B/private/624.tmp ] || fail "btrfs create not undone"
        ! btrfs subvolume list $B | grep -q "\.tmp-" || fail "template scratch subvolume left: $(btrfs subvolume list $B)"
        expect_rc 0 vzctl create 624 --ostemplate busybox --layout btrfs
        expect_rc 0 vzctl destroy 624
        cp $T/vz.conf.orig $VZ_CONFDIR/vz.conf
        ok "create (btrfs) killed while unpacking the template: destroy says so, nothing left"
else
        echo "SKIP part: no btrfs here"
fi

# destroy takes a CT's mounted (image) snapshot with it, loop device too.
expect_rc 0 vzctl snapshot-list 620 -H -o uuid
expect_rc 0 vzctl snapshot-mount 620 --id $LAST_OUT --target $T/snap620
expect_rc 0 vzctl destroy 620
! grep -q " $T/snap620 " /proc/self/mounts || fail "mounted snapshot left after destroy"
expect_rc 0 vzctl destroy 623
absent 620
absent 623
ok "destroy after all that leaves nothing"

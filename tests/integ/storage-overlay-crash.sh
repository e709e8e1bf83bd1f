#!/bin/bash
# Crash safety of the overlay layout: vzctl killed with SIGKILL at every step
# of an overlay create (unpacking the shared lower, making the upper, staged,
# placed before the config) and of a convert to and from overlay (copied,
# exchanged) leaves nothing half made: the next command says what it found
# and undoes or finishes it (no half-unpacked lower, no stale user entry, no
# mount left), and the CT can be created, started and used afterwards.
# Kill points: the test hook VZ_TEST_STALL=<step> (src/lib/storage/journal.c).
. "$(dirname "$0")/lib.sh"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || { echo "SKIP: no overlayfs in this kernel"; exit 77; }
need_cache busybox
STARTED="640 641"
PR=$T/vz/private L=$T/vz/template/cache-unpacked

stall_kill() {
        local step=$1 pid i
        shift
        VZ_TEST_STALL=$step "$@" >$T/stall.out 2>&1 &
        pid=$!
        for i in $(seq 600); do
                grep -q "stalled at $step" $T/stall.out && break
                kill -0 $pid 2>/dev/null || break
                sleep 0.1
        done
        grep -q "stalled at $step" $T/stall.out || { kill -9 $pid 2>/dev/null; fail "never reached $step: $(cat $T/stall.out)"; }
        kill -9 $pid
        wait $pid 2>/dev/null
        [ -e $T/vz/lock/${CT}.op ] || fail "$step: no in-progress marker after the kill"
}
absent() {
        local id=$1
        [ ! -e $PR/$id ] && [ ! -e $PR/$id.tmp ] || fail "$id: private area left: $(ls -d $PR/$id* 2>/dev/null)"
        [ ! -e $VZ_CONFDIR/conf/$id.conf ] || fail "$id: config left"
        [ -z "$(ls $VZ_CONFDIR/names)" ] || fail "$id: name link left: $(ls $VZ_CONFDIR/names)"
        [ ! -e $T/vz/lock/$id.op ] || fail "$id: marker left"
        [ -z "$(ls -d $L/.tmp-* 2>/dev/null)" ] || fail "$id: half-unpacked lower left: $(ls -a $L)"
        [ -z "$(ls $L/*.users/$id 2>/dev/null)" ] || fail "$id: user entry left"
}

CT=640
for step in create-lower create-unpacking create-staged create-placed; do
        stall_kill $step vzctl create 640 --ostemplate busybox --layout overlay --name crash640
        expect_rc 0 vzctl status 640
        echo "$LAST_OUT" | grep -q "found a create interrupted" || fail "$step: status did not say what it found: $LAST_OUT"
        echo "$LAST_OUT" | grep -q "^CTID 640 deleted unmounted down$" || fail "$step: status: $LAST_OUT"
        absent 640
        # A lower made whole before the kill is kept (it is the current cache's).
        ok "create killed at $step: the next command undoes it"
done
expect_rc 0 vzctl create 640 --ostemplate busybox --layout overlay --name crash640
expect_rc 0 vzctl start 640
expect_rc 0 vzctl exec 640 'echo alive > /root/alive; cat /root/alive'
expect_rc 0 vzctl stop 640
ok "create after the repairs works"

# convert to and from overlay, killed before and after the switch
expect_rc 0 vzctl create 641 --ostemplate busybox
expect_rc 0 vzctl start 641
expect_rc 0 vzctl exec 641 'echo mine > /root/mine; rm /bin/ls'
expect_rc 0 vzctl stop 641
CT=641
for to in overlay simfs; do
        from=$(sed -n 's/^VE_LAYOUT="\(.*\)"/\1/p' $VZ_CONFDIR/conf/641.conf)
        stall_kill convert-copied vzctl convert 641 --layout $to
        expect_rc 0 vzctl status 641
        echo "$LAST_OUT" | grep -q "before the switch" || fail "convert-copied: $LAST_OUT"
        grep -qx "VE_LAYOUT=\"$from\"" $VZ_CONFDIR/conf/641.conf || fail "layout changed"
        [ ! -e $PR/641.convert ] && [ ! -e $PR/641.convert-root ] || fail "convert leftovers: $(ls -a $PR)"
        ! grep -q " $PR/641" /proc/self/mounts || fail "mount left: $(grep $PR /proc/self/mounts)"
        stall_kill convert-exchanged vzctl convert 641 --layout $to
        expect_rc 0 vzctl status 641
        echo "$LAST_OUT" | grep -q "after the switch" || fail "convert-exchanged: $LAST_OUT"
        grep -qx "VE_LAYOUT=\"$to\"" $VZ_CONFDIR/conf/641.conf || fail "layout not finished"
        [ ! -e $PR/641.convert ] && [ ! -e $PR/641.convert-root ] || fail "convert leftovers: $(ls -a $PR)"
        expect_rc 0 vzctl start 641
        expect_rc 0 vzctl exec 641 'cat /root/mine; ls /bin/ls 2>/dev/null && exit 1; echo ok'
        expect_rc 0 vzctl stop 641
        ok "convert $from -> $to killed before and after the switch: repaired"
done
[ -z "$(ls $L/*.users/641 2>/dev/null)" ] || fail "stale user entry of 641 after it left overlay"
expect_rc 0 vzctl destroy 640
expect_rc 0 vzctl destroy 641
[ -z "$(ls -A $PR)" ] || fail "left in private: $(ls -A $PR)"
ok "destroy after the repairs leaves nothing"

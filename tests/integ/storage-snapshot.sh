#!/bin/bash
# Snapshots (vzctl snapshot, snapshot-list/-mount/-umount/-switch/-delete)
# for the btrfs layout (native) and the image layout (a copy): snapshot,
# change files, look at the snapshot read-only beside the running CT, switch
# back, delete; simfs says clearly that it has none.
. "$(dirname "$0")/storage-lib.sh"
need_cache busybox
need_loop
STARTED="101 102 103"
# A running CT's snapshot dumps its memory through criu (as cpt-basic.sh
# finds it); without one, only --skip-suspend snapshots are tested.
NOMEM=
if find_criu; then
        criu_conf
else
        echo "no criu whose 'criu check' passes: memory dumps of snapshots not tested"
        NOMEM=--skip-suspend
fi

# The pid of the CT's "sleep N" (host view), or nothing.
sleeper() { # ctid N
        vzctl exec $1 "ps -o pid,args 2>/dev/null || ps" | awk -v n="sleep $2" '$0 ~ n && !/awk/ {print $1; exit}'
}

# OpenVZ's snapshot-switch of a running CT: frozen, killed, switched, then
# restored from the snapshot's memory dump (processes of then are back),
# or booted when the snapshot has none (--skip-suspend); --skip-resume
# leaves it stopped; the snapshot's config comes back unless --skip-config.
check_running_switch() { # ctid (running) snapshot-dir
        local id=$1 sd=$2 u1 u2 p
        vzctl exec $id 'setsid sleep 7777 </dev/null >/dev/null 2>&1 &'
        p=$(sleeper $id 7777)
        [ -n "$p" ] || fail "no sleep 7777 in the CT"
        expect_rc 0 vzctl exec $id 'echo then > /root/c'
        expect_rc 0 vzctl snapshot $id --name withmem
        u1=$(echo "$LAST_OUT" | grep -oE '[0-9a-f-]{36}')
        [ -d $sd/$u1.dump ] || fail "snapshot of a running CT has no memory dump: $(ls $sd)"
        expect_rc 0 vzctl set $id --onboot yes --save
        expect_rc 0 vzctl exec $id 'echo now > /root/c; pkill -f "sleep 7777" || kill '$p'; setsid sleep 8888 </dev/null >/dev/null 2>&1 &'
        [ -z "$(sleeper $id 7777)" ] || fail "sleep 7777 not killed"
        expect_rc 0 vzctl snapshot-switch $id --id $u1
        expect_rc 0 vzctl status $id
        echo "$LAST_OUT" | grep -q running || fail "CT not running after the switch: $LAST_OUT"
        expect_rc 0 vzctl exec $id 'cat /root/c'
        [ "$LAST_OUT" = then ] || fail "file after a running switch: $LAST_OUT"
        [ "$(sleeper $id 7777)" = "$p" ] || fail "the snapshot's process is not back (want pid $p)"
        [ -z "$(sleeper $id 8888)" ] || fail "a later process survived the switch"
        grep -q '^ONBOOT="yes"' $VZ_CONFDIR/conf/$id.conf && fail "the config was not switched"
        # The dump is kept: the same snapshot switches (and restores) again.
        expect_rc 0 vzctl snapshot-switch $id --id $u1 --skip-config
        [ "$(sleeper $id 7777)" = "$p" ] || fail "second switch to the same snapshot"
        # Without a memory dump: booted from the snapshot's disk.
        expect_rc 0 vzctl snapshot $id --skip-suspend --skip-config --name nomem
        u2=$(echo "$LAST_OUT" | grep -oE '[0-9a-f-]{36}')
        expect_rc 0 vzctl set $id --onboot yes --save
        expect_rc 0 vzctl exec $id 'echo later > /root/c'
        expect_rc 0 vzctl snapshot-switch $id --id $u2
        expect_rc 0 vzctl status $id
        echo "$LAST_OUT" | grep -q running || fail "CT not running after a switch without dump"
        expect_rc 0 vzctl exec $id 'cat /root/c'
        [ "$LAST_OUT" = then ] || fail "file after a switch without dump: $LAST_OUT"
        [ -z "$(sleeper $id 7777)" ] || fail "processes came back without a dump"
        grep -q '^ONBOOT="yes"' $VZ_CONFDIR/conf/$id.conf || fail "--skip-config snapshot switched the config"
        # --skip-resume: the CT is left stopped; both flags: syntax error.
        expect_rc 20 vzctl snapshot-switch $id --id $u1 --skip-resume --must-resume
        expect_rc 0 vzctl snapshot-switch $id --id $u1 --skip-resume
        expect_rc 0 vzctl status $id
        echo "$LAST_OUT" | grep -q down || fail "--skip-resume: CT runs: $LAST_OUT"
        expect_rc 0 vzctl start $id
        expect_rc 0 vzctl snapshot-delete $id --id $u1
        expect_rc 0 vzctl snapshot-delete $id --id $u2
        ls $sd | grep -q "$u1" && fail "snapshot files left: $(ls $sd)"
        ok "CT $id: snapshot-switch of a running CT (with and without a memory dump)"
}

check_layout() { # ctid snapshot-dir
        local id=$1 sd=$2 out uuid
        expect_rc 0 vzctl start $id
        expect_rc 0 vzctl exec $id 'echo one > /root/a'
        expect_rc 0 vzctl snapshot $id --name first --description "before the change" $NOMEM
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
        # Switch back while stopped: the CT stays stopped.
        expect_rc 0 vzctl stop $id
        expect_rc 0 vzctl snapshot-switch $id --id $uuid
        expect_rc 0 vzctl status $id
        echo "$LAST_OUT" | grep -q down || fail "stopped CT runs after the switch: $LAST_OUT"
        expect_rc 0 vzctl start $id
        expect_rc 0 vzctl exec $id 'cat /root/a; [ -e /root/b ] && echo b-exists; true'
        [ "$LAST_OUT" = one ] || fail "after switch: $LAST_OUT"
        [ -n "$CRIU" ] && check_running_switch $id $sd
        expect_rc 0 vzctl stop $id
        expect_rc 0 vzctl snapshot-delete $id --id $uuid
        expect_rc 0 vzctl snapshot-list $id -H
        [ -z "$LAST_OUT" ] || fail "snapshot left: $LAST_OUT"
        expect_rc 0 vzctl snapshot $id
        expect_rc 0 vzctl destroy $id
}

# Image layout
expect_rc 0 vzctl create 101 --ostemplate busybox --layout ploop --diskspace 64M:64M
check_layout 101 $T/vz/private/.vzsnapshots/101
[ -z "$(ls -A $T/vz/private/.vzsnapshots/101 2>/dev/null)" ] || fail "snapshots left after destroy"
ok "image layout snapshots"

# simfs: none
expect_rc 0 vzctl create 103 --ostemplate busybox
expect_rc 99 vzctl snapshot 103
echo "$LAST_OUT" | grep -q simfs || fail "simfs message: $LAST_OUT"
expect_rc 0 vzctl destroy 103

# btrfs layout
if have_btrfs; then
        btrfs_private
        expect_rc 0 vzctl create 102 --ostemplate busybox --layout btrfs
        check_layout 102 $B/private/.vzsnapshots/102
        ! btrfs subvolume list $B | grep -q vzsnapshots || fail "snapshot subvolumes left"
        ok "btrfs snapshots"
else
        echo "btrfs not available here: btrfs part not run"
fi

#!/bin/bash
# As root in a running CT (a second one running): reboot restarts only the
# CT (a new init, still running); halt stops only the CT. The host and the
# other CT are unaffected.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"

iso_ct 201 --hostname ct201.example
iso_ct 202 --hostname ct202.example
boot_id=$(cat /proc/sys/kernel/random/boot_id)
init2=$(init_pid 202)
iso_bg HOSTSLEEP sleep 600

# wait_new_init CTID OLDPID: the CT runs with an init other than OLDPID
wait_new_init() {
        local i p
        for i in $(seq 100); do
                p=$(init_pid "$1")
                if [ -n "$p" ] && [ "$p" != "$2" ]; then
                        echo "$p"
                        return 0
                fi
                sleep 0.1
        done
        return 1
}
host_ok() {
        [ "$(cat /proc/sys/kernel/random/boot_id)" = "$boot_id" ] || fail "$1: the host rebooted?!"
        kill -0 $HOSTSLEEP 2>/dev/null || fail "$1: a host process died"
        [ "$(init_pid 202)" = "$init2" ] || fail "$1: CT 202's init changed"
}

for cmd in "reboot -f" "reboot"; do
        old=$(init_pid 201)
        [ -n "$old" ] || fail "CT 201 not running before '$cmd'"
        ix 201 "$cmd"
        new=$(wait_new_init 201 "$old") || fail "'$cmd' in the CT: no new init (status: $(vzctl status 201))"
        sleep 1
        [ "$(init_pid 201)" = "$new" ] || fail "'$cmd': the new init did not stay up"
        expect_rc 0 vzctl status 201
        echo "$LAST_OUT" | grep -q running || fail "'$cmd': CT not running: $LAST_OUT"
        ix 201 'cat /proc/1/cmdline | tr "\0" " "; hostname'
        [ $RC = 0 ] && echo "$OUT" | grep -q ct201.example || fail "'$cmd': exec after restart: $OUT"
        host_ok "$cmd"
        ok "'$cmd' in the CT restarted only the CT (init $old -> $new)"
done

for cmd in "halt -f" "poweroff -f"; do
        [ -n "$(init_pid 201)" ] || expect_rc 0 vzctl start 201
        sleep 0.5
        ix 201 "$cmd"
        for i in $(seq 100); do
                vzctl status 201 | grep -q down && break
                sleep 0.1
        done
        expect_rc 0 vzctl status 201
        echo "$LAST_OUT" | grep -q " down" || fail "'$cmd' in the CT did not stop it: $LAST_OUT"
        echo "$LAST_OUT" | grep -q " unmounted" || fail "'$cmd': CT left mounted: $LAST_OUT"
        [ -z "$(init_pid 201)" ] || fail "'$cmd': init still alive"
        host_ok "$cmd"
        ok "'$cmd' in the CT stopped only the CT"
done

expect_rc 0 vzctl stop 202
expect_rc 0 vzctl destroy 201
expect_rc 0 vzctl destroy 202

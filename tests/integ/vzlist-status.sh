#!/bin/bash
# vzlist status column on a real CT: stopped, mounted, running (made with
# vzctl; the running part is skipped while vzctl cannot start CTs).
. "$(dirname "$0")/lib.sh"

command -v vzlist >/dev/null || { echo "SKIP: vzlist not built in $VZ_BUILD"; exit 77; }

need_cache busybox
expect_rc 0 vzctl create 101 --ostemplate busybox --hostname st.test

status() { vzlist -a -H -o status 101; }
[ "$(status)" = "stopped" ] || fail "after create: '$(status)'"
ok "stopped"

expect_rc 0 vzctl mount 101
[ "$(status)" = "mounted" ] || fail "after mount: '$(status)'"
[ "$(vzlist -S -1)" = "       101" ] || fail "-S must list a mounted CT"
expect_rc 0 vzctl umount 101
[ "$(status)" = "stopped" ] || fail "after umount: '$(status)'"
ok "mounted"

out=$(vzctl start 101 2>&1)
rc=$?
if [ $rc != 0 ] && echo "$out" | grep -q "invalid command"; then
        echo "SKIP: vzctl start not available yet"
        exit 77
fi
[ $rc = 0 ] || fail "vzctl start 101: $out"
at_exit 'vzctl stop 101 >/dev/null 2>&1'
[ "$(vzlist -H -o ctid,status)" = "       101 running" ] || fail "running: '$(vzlist -H -o ctid,status)'"
out=$(vzlist -S)
[ "$out" = "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME" ] || fail "-S shows a running CT: '$out'"
vzlist -j | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d) == 1 and d[0]["ctid"] == 101 and d[0]["status"] == "running", d
assert d[0]["hostname"] == "st.test"
' || fail "JSON of a running CT"
ok "running"
expect_rc 0 vzctl stop 101
[ "$(status)" = "stopped" ] || fail "after stop: '$(status)'"
ok "stopped again"

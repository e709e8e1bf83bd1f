#!/bin/bash
# Past the host root's fanotify group limit (fs.fanotify.max_user_groups,
# 128 by default, one group per running CT's supervisor): the supervisors
# that start beyond it raise the limit and still watch their beancounter
# files (no fallback to waking every second), and the CT's
# beancounters (/dev/.vz/user_beancounters) are fresh on the first read. The limit is set
# just above what the host uses now, so three CTs cross it; it is put
# back at the end.
. "$(dirname "$0")/lib.sh"
need_cache busybox
LIMIT=/proc/sys/fs/fanotify/max_user_groups
[ -w $LIMIT ] || { echo "SKIP: no $LIMIT (kernel without fanotify)"; exit 77; }
IDS="321 322 323"
STARTED="$IDS"

# fanotify instances open on the host now (each counted once per inode)
fan_groups() {
        find /proc/[0-9]*/fd -lname 'anon_inode:\[fanotify\]' -printf '%l %i\n' 2>/dev/null |
                sort -u | wc -l
}
has_fanotify() { # PID: holds a fanotify fd
        find /proc/$1/fd -lname 'anon_inode:\[fanotify\]' 2>/dev/null | grep -q .
}
orig=$(cat $LIMIT)
at_exit "echo $orig > $LIMIT"
for id in $IDS; do expect_rc 0 vzctl create $id --ostemplate busybox; done
used=$(fan_groups)
echo $((used + 1)) > $LIMIT
for id in $IDS; do expect_rc 0 vzctl start $id; done
now=$(cat $LIMIT)
[ "$now" -gt $((used + 1)) ] || fail "limit not raised: $now (set to $((used + 1)), $used in use)"
for id in $IDS; do
        sup=$(cat $T/run/$id.pid)
        has_fanotify $sup || fail "CT $id's supervisor has no fanotify group (limit $now)"
done
ok "3 CTs past a limit of $((used + 1)) groups: raised to $now, every supervisor watches"

# Fresh on the first read: processes forked in the CT show in numproc's
# held value at once (a once-a-second refresh would show the old count).
expect_rc 0 vzctl exec 323 'sleep 100 & sleep 100 & sleep 100 & cat /dev/.vz/user_beancounters'
held=$(echo "$LAST_OUT" | awk '{ if ($1 ~ /^[0-9]+:$/) { $1 = ""; $0 = $0 } } $1 == "numproc" {print $2}')
[ -n "$held" ] && [ "$held" -ge 5 ] || fail "numproc held '$held' on the first read: $LAST_OUT"
ok "beancounters fresh on the first read (numproc held $held)"

#!/bin/bash
# The CT runs in its own user namespace: uid_map/gid_map "0 LOCAL_UID 65536",
# disjoint ranges for two CTs, the CT's processes run as LOCAL_UID on the
# host, and files created by the CT's root are stored unshifted (owner 0 on
# disk, through the idmapped root mount).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"

iso_ct 201
iso_ct 202
u1=$(sed -n 's/^LOCAL_UID="\?\([0-9]*\)"\?$/\1/p' $C/201.conf)
g1=$(sed -n 's/^LOCAL_GID="\?\([0-9]*\)"\?$/\1/p' $C/201.conf)
u2=$(sed -n 's/^LOCAL_UID="\?\([0-9]*\)"\?$/\1/p' $C/202.conf)
[ -n "$u1" ] && [ "$u1" -gt 0 ] && [ -n "$g1" ] && [ -n "$u2" ] || fail "LOCAL_UID/GID not saved: $u1 $g1 $u2"
[ $((u1 - u2)) -ge 65536 ] || [ $((u2 - u1)) -ge 65536 ] || fail "CT ranges overlap: $u1 and $u2"

ix 201 'cat /proc/self/uid_map /proc/self/gid_map'
[ "$(echo $OUT)" = "0 $u1 65536 0 $g1 65536" ] || fail "maps in the CT: $OUT"
ix 201 'id -u; id -g'
[ "$(echo $OUT)" = "0 0" ] || fail "id in the CT: $OUT"
ok "uid_map/gid_map are 0 $u1 65536 / 0 $g1 65536"

# host view of the CT's processes: init and an exec'd command
iso_bg EXEC1 vzctl exec 201 'exec sleep 600'
sleep 0.5
init1=$(init_pid 201)
[ "$(ps -o uid= -p $init1 | tr -d ' ')" = "$u1" ] || fail "init runs as uid $(ps -o uid= -p $init1) on the host"
[ "$(ps -o gid= -p $init1 | tr -d ' ')" = "$g1" ] || fail "init runs as gid $(ps -o gid= -p $init1) on the host"
sl=$(pgrep -f '^sleep 600$' | while read p; do [ "$(readlink /proc/$p/ns/pid)" = "$(readlink /proc/$init1/ns/pid)" ] && echo $p; done)
[ -n "$sl" ] || fail "the exec'd sleep is not found on the host"
[ "$(ps -o uid= -p $sl | tr -d ' ')" = "$u1" ] || fail "exec'd command runs as uid $(ps -o uid= -p $sl) on the host"
bad=$(ps -e -o pid=,uid=,pidns= | awk -v ns="$(readlink /proc/$init1/ns/pid | tr -dc 0-9)" -v u=$u1 '$3 == ns && ($2 < u || $2 >= u + 65536)')
[ -z "$bad" ] || fail "processes of the CT outside its uid range on the host: $bad"
# the root of the CT has no capability over the host's user namespace
grep -q "^CapEff:" /proc/$init1/status || fail "no status of init"
ok "the CT's processes run as $u1:$g1 on the host"

# files: created by CT root -> owner 0 on disk; by CT uid 1000 -> 1000
ix 201 'echo x > /root/vz-owned-by-root; echo y > /tmp/vz-1000 && chown 1000:1000 /tmp/vz-1000; ls -ln /root/vz-owned-by-root /tmp/vz-1000'
[ $RC = 0 ] || fail "creating files: $OUT"
[ "$(stat -c %u:%g $P/201/root/vz-owned-by-root)" = 0:0 ] ||
        fail "a file of the CT's root is $(stat -c %u:%g $P/201/root/vz-owned-by-root) on disk"
[ "$(stat -c %u:%g $P/201/tmp/vz-1000)" = 1000:1000 ] ||
        fail "a file of the CT's uid 1000 is $(stat -c %u:%g $P/201/tmp/vz-1000) on disk"
echo "$OUT" | grep -q "0 *0 .*vz-owned-by-root" || fail "the CT does not see its file as root's: $OUT"
ok "files are stored unshifted (CT root -> 0 on disk, CT 1000 -> 1000), idmapped in the CT"

# host-owned files outside the map show as nobody in the CT and are not writable
ix 201 'ls -ln /proc/sys/kernel/core_pattern'
echo "$OUT" | grep -q " 65534 *65534 " || fail "host root's file does not show as nobody: $OUT"

kill $EXEC1 2>/dev/null
expect_rc 0 vzctl stop 201
expect_rc 0 vzctl stop 202
expect_rc 0 vzctl destroy 201
expect_rc 0 vzctl destroy 202

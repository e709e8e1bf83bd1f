#!/bin/bash
# As root in a running CT (a second one running): no path reaches the other
# CT's files or the host's: not the host path of either private area, not
# /proc/PID/root or cwd or fd of any process (init, exec'd commands, a
# running exec), not ../ above the root.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"

iso_ct 201 --hostname ct201.example
iso_ct 202 --hostname ct202.example
secret=vz-iso-secret-$RANDOM$RANDOM
ix 202 "echo $secret > /root/$secret; echo $secret > /$secret"
[ $RC = 0 ] || fail "writing CT 202's secret: $OUT"
echo host-$secret > "$T/host-$secret"
iso_bg EXEC1 vzctl exec 201 'cd /tmp && exec sleep 600'
iso_bg EXEC2 vzctl exec 202 'exec sleep 601'
sleep 0.5

# host paths of the private areas and VE_ROOTs are not there inside
for p in "$P/202" "$P/201" "$R/202" "$R/201" "$T" "$VZ_CONFDIR" "/proc/$(init_pid 202)/root"; do
        ix 201 "ls -d '$p' || ls -d '$p/root/$secret'"
        [ $RC != 0 ] || fail "host path $p exists in CT 201: $OUT"
done
ix 201 "find / -xdev -name '*$secret*' 2>/dev/null; find /proc/[0-9]*/root/ /proc/[0-9]*/cwd/ -maxdepth 3 -name '*$secret*' 2>/dev/null"
[ -z "$OUT" ] || fail "CT 201 finds CT 202's or the host's files: $OUT"
ix 201 "grep -rl $secret /root /tmp /etc /var /mnt /home 2>/dev/null"
[ -z "$OUT" ] || fail "CT 201 reads CT 202's secret: $OUT"
ok "no host path of the other CT's (or own) private area inside"

# /proc/PID/root and cwd of every process in the CT, the running exec included
ix 201 'for p in /proc/[0-9]*; do echo "$p $(readlink $p/root) $(cat $p/root/etc/hostname 2>/dev/null) $(readlink $p/cwd)"; done'
echo "$OUT" | grep -q "sleep\|/tmp" || true
while read -r p root hn cwd; do
        [ -z "$p" ] && continue
        [ "$root" = / ] || fail "CT 201: $p/root -> $root"
        [ -z "$hn" ] || [ "$hn" = ct201.example ] || fail "CT 201: $p/root/etc/hostname is '$hn'"
        case $cwd in /* | "") ;; *) fail "CT 201: $p/cwd -> $cwd" ;; esac
        case $cwd in *"$T"*) fail "CT 201: $p/cwd is a host path: $cwd" ;; esac
done <<< "$OUT"
sl=$(vzctl exec 201 'for p in /proc/[0-9]*; do grep -q "^sleep" $p/cmdline 2>/dev/null && echo ${p#/proc/}; done' 2>&1)
[ -n "$sl" ] || fail "the running exec is not visible in CT 201"
ix 201 "readlink /proc/$sl/root; readlink /proc/$sl/cwd; cat /proc/$sl/root/etc/hostname /proc/$sl/cwd/../etc/hostname"
[ "$OUT" = "/
/tmp
ct201.example
ct201.example" ] || fail "the running exec's root/cwd: $OUT"
ok "/proc/PID/root and cwd of every process (init, running exec) is the CT's"

# ../ above the root stays at the root
ix 201 'cat /proc/1/root/../../../etc/hostname /proc/self/root/../../../../etc/hostname /../../etc/hostname'
[ "$OUT" = "ct201.example
ct201.example
ct201.example" ] || fail "../ above the root: $OUT"
ix 201 'cat /proc/1/root/../../../etc/shadow'
cmp -s <(echo "$OUT") <(cat "$(iso_tree 201)/etc/shadow") || fail "/proc/1/root/../../../etc/shadow is not the CT's: $OUT"
ix 201 "cat /proc/1/root/../../../../..$T/host-$secret"
[ $RC != 0 ] || fail "host file read through /proc/1/root/..: $OUT"
ok "../ above the root stays in the CT"

# file descriptors: an exec'd command has only its stdio, nothing points
# to the host; init and the running exec neither
ix 201 'ls /proc/self/fd/'
[ "$(echo $OUT)" = "0 1 2 3" ] || fail "fds of an exec'd command: $OUT"
ix 201 'for p in /proc/[0-9]*; do for f in $p/fd/*; do l=$(readlink $f) && echo "$f $l"; done; done'
echo "$OUT" | grep -v "pipe:\|socket:\|/dev/\|anon_inode:\|/proc/[0-9a-z]*/fd\| /$" | grep . &&
        fail "fds pointing outside stdio in CT 201: $(echo "$OUT" | grep -v 'pipe:\|socket:\|/dev/')"
echo "$OUT" | grep -q "$T\|/vz/" && fail "fds pointing at host paths: $OUT"
ix 201 "for f in /proc/$sl/fd/*; do cat \$f/../root/etc/hostname 2>/dev/null; done; ls /proc/$sl/fd/"
[ "$(echo $OUT | tr ' ' '\n' | grep -vx ct201.example | tr '\n' ' ')" = "0 1 2 " ] ||
        fail "fds of the running exec: $OUT"
ok "fds of init and exec'd processes lead nowhere outside"

# no host environment leaks in
ix 201 'cat /proc/1/environ /proc/self/environ /proc/'"$sl"'/environ | tr "\0" "\n"'
echo "$OUT" | grep -q "VZ_\|$T\|SUDO\|SSH_" && fail "host environment in the CT: $OUT"
ok "no host environment in the CT's processes"

kill $EXEC1 $EXEC2 2>/dev/null
expect_rc 0 vzctl status 202
echo "$LAST_OUT" | grep -q running || fail "CT 202 not running: $LAST_OUT"
expect_rc 0 vzctl stop 201
expect_rc 0 vzctl stop 202
expect_rc 0 vzctl destroy 201
expect_rc 0 vzctl destroy 202

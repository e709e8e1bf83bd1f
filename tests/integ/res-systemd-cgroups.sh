#!/bin/bash
# systemd inside the Debian CT manages its own cgroups in the subtree the CT
# is given, on a v1 (hybrid) host and on a pure cgroup v2 host (VM lane):
# its slices and services appear under the CT's cgroup on the host with the
# CT's processes in them, the CT sees itself at the root of its cgroup
# namespace, and it cannot raise its own limits. Also `free -m` inside shows
# the CT's --ram (lxcfs's /proc/meminfo; skipped without lxcfs or FUSE).
. "$(dirname "$0")/lib.sh"
need_debian
ID=460
CG=vztest-$$
P=$T/vz/private/$ID

# Where the host keeps the CT's cgroup: v1 name=systemd (hybrid host) or the
# cgroup2 tree (pure v2).
mnt_of() { # mnt_of FSTYPE SUPEROPT-REGEX: first mount point of that hierarchy's root
        awk -v t="$1" -v o="$2" '{ for (i = 7; i <= NF; i++) if ($i == "-") break }
                $(i + 1) == t && $4 == "/" && $(i + 3) ~ o { print $5; exit }' /proc/self/mountinfo
}
cg2=$(mnt_of cgroup2 .)
sd1=$(mnt_of cgroup 'name=systemd')
if [ -n "$sd1" ]; then mode=hybrid; TRACK=$sd1/$CG/$ID; else mode=unified; TRACK=$cg2/$CG/$ID; fi
[ -d "${TRACK%/$CG/$ID}" ] || { echo "SKIP: no cgroup hierarchy for systemd"; exit 77; }

expect_rc 0 vzctl create $ID --ostemplate debian-12-x86_64-minimal --hostname sd$ID
expect_rc 0 vzctl set $ID --ram 512M --swap 128M --numproc 400 --save
STARTED=$ID
expect_rc 0 vzctl start $ID --wait=150
expect_rc 0 vzctl exec $ID 'timeout 120 systemctl is-system-running --wait'
case $LAST_OUT in
running | degraded) ;;
*) fail "systemctl is-system-running: $LAST_OUT; $(vzctl exec $ID 'systemctl --failed --no-legend')" ;;
esac
init=$(cat "$T/run/$ID.init")

# Inside: the CT's layout, and systemd's own placement of its units.
expect_rc 0 vzctl exec $ID 'stat -fc %T /sys/fs/cgroup; stat -fc %T /sys/fs/cgroup/systemd 2>/dev/null || echo none'
set -- $LAST_OUT
if [ $mode = hybrid ]; then
        [ "$1 $2" = "tmpfs cgroupfs" ] || fail "hybrid layout expected inside, got: $LAST_OUT"
else
        [ "$1" = cgroup2fs ] || fail "cgroup2 expected at /sys/fs/cgroup inside, got: $LAST_OUT"
fi
expect_rc 0 vzctl exec $ID 'cat /proc/$(pidof systemd-journald)/cgroup; cat /proc/1/cgroup'
jcg=$LAST_OUT
if [ $mode = hybrid ]; then
        echo "$jcg" | grep -qx '[0-9]*:name=systemd:/system.slice/systemd-journald.service' ||
                fail "journald's name=systemd cgroup inside: $jcg"
        echo "$jcg" | grep -qx '[0-9]*:name=systemd:/init.scope' || fail "init's cgroup: $jcg"
        # The controllers show the CT at their root.
        echo "$jcg" | grep -qx '[0-9]*:memory:/' || fail "memory cgroup inside: $jcg"
else
        echo "$jcg" | grep -qx '0::/system.slice/systemd-journald.service' ||
                fail "journald's cgroup inside: $jcg"
fi
expect_rc 0 vzctl exec $ID 'systemctl status systemd-journald --no-pager | grep CGroup:'
echo "$LAST_OUT" | grep -q '/system.slice/systemd-journald.service' || fail "systemctl status: $LAST_OUT"
# A unit started now gets its cgroup now.
expect_rc 0 vzctl exec $ID 'systemd-run --unit vztest-sleep --quiet sleep 300 && sleep 1 &&
        systemctl show -p MainPID --value vztest-sleep'
spid=$LAST_OUT
[ "$spid" -gt 1 ] 2>/dev/null || fail "systemd-run: $spid"
ok "systemd manages its cgroups inside ($mode)"

# From the host: the same cgroups, under the CT's, holding the CT's processes.
for u in init.scope system.slice/systemd-journald.service system.slice/vztest-sleep.service; do
        [ -d "$TRACK/$u" ] || fail "no $TRACK/$u on the host"
        grep -q . "$TRACK/$u/cgroup.procs" || fail "$TRACK/$u is empty"
done
grep -qx "$init" "$TRACK/init.scope/cgroup.procs" || fail "init $init not in init.scope"
for p in $(cat "$TRACK/system.slice/vztest-sleep.service/cgroup.procs"); do
        [ "$(readlink /proc/$p/ns/pid)" = "$(readlink /proc/$init/ns/pid)" ] ||
                fail "pid $p in the CT's unit cgroup is not the CT's"
        [ "$(cat /proc/$p/comm)" = sleep ] || fail "pid $p is $(cat /proc/$p/comm)"
done
if [ $mode = hybrid ]; then
        # The unified tree is delegated too and mirrors it.
        [ -d "$cg2/$CG/$ID/system.slice/systemd-journald.service" ] ||
                fail "no unified system.slice on the host"
fi
expect_rc 0 vzctl exec $ID 'systemctl stop vztest-sleep'
sleep 1
[ ! -d "$TRACK/system.slice/vztest-sleep.service" ] || fail "stopped unit's cgroup not removed"
ok "the CT's units are cgroups under its own on the host"

# No raising of limits from inside: the CT's own limit files (read-only
# controllers on v1; owned by the host's root on v2).
if [ $mode = hybrid ]; then
        mem=/sys/fs/cgroup/memory/$CG/$ID/memory.limit_in_bytes
        pids=/sys/fs/cgroup/pids/$CG/$ID/pids.max
        in_mem=/sys/fs/cgroup/memory/memory.limit_in_bytes in_pids=/sys/fs/cgroup/pids/pids.max
else
        mem=$cg2/$CG/$ID/memory.max pids=$cg2/$CG/$ID/pids.max
        in_mem=/sys/fs/cgroup/memory.max in_pids=/sys/fs/cgroup/pids.max
fi
[ "$(cat $mem)" = 536870912 ] || fail "memory limit on the host: $(cat $mem)"
[ "$(cat $pids)" = 400 ] || fail "pids.max on the host: $(cat $pids)"
expect_rc 0 vzctl exec $ID "echo 1073741824 > $in_mem && echo RAISED; echo max > $in_pids && echo RAISED;
        echo \$\$ > /sys/fs/cgroup/cgroup.procs 2>/dev/null; true"
echo "$LAST_OUT" | grep -q RAISED && fail "a limit was raised from inside: $LAST_OUT"
[ "$(cat $mem)" = 536870912 ] || fail "memory limit changed to $(cat $mem)"
[ "$(cat $pids)" = 400 ] || fail "pids.max changed to $(cat $pids)"
if [ $mode = unified ]; then
        # A sub-cgroup systemd owns can get a higher value, which means nothing:
        # the CT's own limit still caps it.
        vzctl exec $ID 'echo max > /sys/fs/cgroup/system.slice/memory.max' >/dev/null 2>&1
        [ "$(cat $mem)" = 536870912 ] || fail "memory limit changed"
fi
ok "the CT cannot raise its limits"

# lxcfs: free inside shows the CT's RAM.
if [ -c /dev/fuse ] && [ -x /usr/bin/lxcfs ]; then
        expect_rc 0 vzctl exec $ID 'free -m'
        total=$(echo "$LAST_OUT" | awk '/^Mem:/ {print $2}')
        [ "$total" = 512 ] || fail "free -m inside shows $total MB total: $LAST_OUT"
        ok "free -m inside: $total MB"
else
        echo "lxcfs part skipped: no /dev/fuse or /usr/bin/lxcfs"
fi

start=$(date +%s)
expect_rc 0 vzctl stop $ID
STARTED=
[ ! -d "$TRACK" ] || fail "the CT's cgroup tree is left on the host"
ok "stopped in $(($(date +%s) - start)) s, cgroups removed"

#!/bin/bash
# A CT's mount namespace does not copy the host's mount table: it holds the
# same mounts whether 0 or 20 other CTs run, none of their VE_ROOTs, and is
# made from the small base namespace (VZ_RUNDIR/mntns), which holds no CT
# either. VE_ROOT stays mounted on the host while a CT runs.
. "$(dirname "$0")/lib.sh"
need_cache busybox

A=101
OTHERS=$(seq 110 129)
ct_mounts() { cat "/proc/$(cat "$T/run/$A.init")/mountinfo"; }

expect_rc 0 vzctl create $A --ostemplate busybox
for id in $OTHERS; do echo $id; done |
        xargs -P 4 -I{} vzctl --quiet create {} --ostemplate busybox >/dev/null 2>&1
[ "$(vzlist -a -H -o ctid | wc -l)" = 21 ] || fail "not all CTs were created"

# 1. alone
STARTED="$A"
expect_rc 0 vzctl start $A
alone=$(ct_mounts | wc -l)
inside=$(vzctl exec $A 'wc -l < /proc/self/mountinfo')
[ "$inside" = "$alone" ] || fail "the CT sees $inside mounts, its init $alone"
grep -q " $T/vz/root/$A " /proc/self/mountinfo || fail "VE_ROOT of $A is not mounted on the host"
# Filesystems of its own (as bench/kmem-parts.sh counts them: device
# numbers the host's mount table does not have): each is a superblock, a
# shrinker, and a slot in every memory cgroup's shrinker map. mqueue, proc,
# sysfs, devpts and the /dev tmpfs; the /proc masks and the hybrid
# /sys/fs/cgroup are binds of the base namespace's root (one tmpfs for all
# CTs, on the host at VZ_RUNDIR/mntns.root), /dev/shm a directory of /dev.
own=$(ct_mounts | awk '{print $3}' | sort -u | grep -vxFf <(awk '{print $3}' /proc/self/mountinfo | sort -u))
if [ "$(echo "$own" | grep -c .)" -gt 5 ]; then
        fail "the CT mounts $(echo "$own" | grep -c .) filesystems of its own, expected at most 5: $(
                for d in $own; do ct_mounts | awk -v d="$d" '$3 == d {print $5 " (" $(NF - 2) ")"; exit}'; done | tr '\n' ' ')"
fi
grep -q " $T/run/mntns.root " /proc/self/mountinfo || fail "the base namespace's root is not on the host"
vzctl exec $A 'touch /proc/acpi/x || mkdir /proc/acpi/x' 2>/dev/null && fail "/proc/acpi is writable"
vzctl exec $A 'test -d /dev/shm -a -k /dev/shm -a -w /dev/shm && echo x > /dev/shm/t && rm /dev/shm/t' ||
        fail "/dev/shm is not a writable sticky directory"
expect_rc 0 vzctl stop $A
ok "alone: $alone mounts in the CT's namespace, $(echo "$own" | grep -c .) filesystems of its own"

# 2. with 20 others running
STARTED="$A $OTHERS"
for id in $OTHERS; do echo $id; done | xargs -P 4 -I{} vzctl --quiet start {} >"$T/starts.log" 2>&1
n=$(ls "$T/run/" | grep -c '^[0-9]*\.pid$')
[ "$n" = 20 ] || fail "$n CTs running, expected 20: $(cat "$T/starts.log")"
for id in $OTHERS; do
        grep -q " $T/vz/root/$id " /proc/self/mountinfo || fail "VE_ROOT of $id is not mounted on the host"
done
expect_rc 0 vzctl start $A
with=$(ct_mounts | wc -l)
[ "$with" = "$alone" ] || fail "with 20 running the CT has $with mounts, alone $alone: $(ct_mounts)"
other="$T/vz/(root|private)/1[12][0-9]( |/)"
ct_mounts | grep -Eq "$other" && fail "the CT's mount table has another CT's: $(ct_mounts | grep -E "$other")"
vzctl exec $A "grep -c vz/root /proc/self/mountinfo" | grep -qx 0 ||
        fail "the CT sees a VE_ROOT mount"
ok "with 20 running: the same $with mounts, no other CT's root"

# 3. the base namespace: a few mounts, no CT's
[ -e "$T/run/mntns" ] || fail "no base mount namespace on $T/run/mntns"
# (nothing to exec in it: a process that joins it reads its mount table)
base=$(python3 -c 'import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.setns(os.open(sys.argv[1], os.O_RDONLY), 0x20000) != 0:
    sys.exit("setns: " + os.strerror(ctypes.get_errno()))
sys.stdout.write(open("/proc/self/mountinfo").read())' "$T/run/mntns") || fail "cannot join the base namespace"
[ "$(echo "$base" | wc -l)" -le 12 ] || fail "the base namespace holds $(echo "$base" | wc -l) mounts: $base"
echo "$base" | grep -q "$T/vz/" && fail "the base namespace holds a CT's mount: $base"
echo "$base" | grep -q " /ct " && fail "a CT's root is left on the base namespace's /ct"
ok "base namespace: $(echo "$base" | wc -l) mounts, no CT"

# 3b. a base whose root is gone (or was made for other cgroup hierarchies,
# or by an older vz) is made again by the next start; running CTs keep
# theirs
expect_rc 0 vzctl stop $A
umount -l "$T/run/mntns.root" || fail "cannot unmount the base namespace's root"
expect_rc 0 vzctl start $A
grep -q " $T/run/mntns.root " /proc/self/mountinfo || fail "the next start did not make the base's root again"
grep -q "^vz-base " "$T/run/mntns.root/layout" || fail "no layout in the base's root: $(ls "$T/run/mntns.root")"
# (hybrid: the skeleton with the hierarchies on it; pure cgroup2: cgroup2)
vzctl exec $A 'ls /sys/fs/cgroup' | grep -Eqx 'unified|systemd|cgroup.procs' ||
        fail "the CT's /sys/fs/cgroup after the base was made again: $(vzctl exec $A 'ls /sys/fs/cgroup')"
vzctl exec 110 'ls /sys/fs/cgroup/' >/dev/null ||
        fail "a CT running from the old base lost its /sys/fs/cgroup"
ok "a base without its root is made again"

# 4. the CT's init sees its own root only, and stop leaves the others be
vzctl exec $A 'ls /' | grep -qx sbin || fail "the CT's root is not its private area"
expect_rc 0 vzctl stop $A
grep -q " $T/vz/root/$A " /proc/self/mountinfo && fail "VE_ROOT of $A still mounted after stop"
n=$(ls "$T/run/" | grep -c '^[0-9]*\.pid$')
[ "$n" = 20 ] || fail "$n CTs running after the stop of $A, expected 20"
for id in $OTHERS; do echo $id; done | xargs -P 8 -I{} vzctl --quiet stop {} --fast >/dev/null 2>&1
n=$(grep -c " $T/vz/root/" /proc/self/mountinfo)
[ "$n" = 0 ] || fail "$n VE_ROOT mounts left after the stops"
ok "stops: VE_ROOTs unmounted on the host"

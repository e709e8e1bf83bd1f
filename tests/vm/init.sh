#!/bin/busybox sh
# /init of the v2 lane's initramfs (built by run-v2-lane; lane.conf is added
# next to it). Mounts the host's root (virtio-9p, read-only) under an
# overlayfs with a tmpfs upper, the ext4 scratch disk on /tmp, pure cgroup v2
# on /sys/fs/cgroup with every controller enabled, then switches root to it, runs
# guest-run and powers off. Output goes to the serial console.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
. /lane.conf
die() { echo "VZLANE-FATAL: $*"; poweroff -f; sleep 5; echo o >/proc/sysrq-trigger; }

for m in $(cat /modules.order); do
        insmod "/modules/$m" || die "insmod $m"
done
mkdir -p /lower /upper /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /lower ||
        die "mount hostroot (9p)"
mount -t tmpfs -o mode=755,size=50% tmpfs /upper
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot ||
        die "mount overlay"
R=/newroot
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
# What udev would add: bash's process substitution needs /dev/fd.
ln -sf /proc/self/fd $R/dev/fd
ln -sf /proc/self/fd/0 $R/dev/stdin
ln -sf /proc/self/fd/1 $R/dev/stdout
ln -sf /proc/self/fd/2 $R/dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t tmpfs -o mode=755 tmpfs $R/run
mount -t ext4 /dev/vda $R/tmp || die "mount /dev/vda on /tmp"
chmod 1777 $R/tmp
# The source tree (and its build) at its own path, whatever /tmp hides: a
# fresh clone for CI may well live under the host's /tmp.
mkdir -p "$R$LANE_SRC"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 vzsrc "$R$LANE_SRC" ||
        die "mount the source tree (9p)"
# Pure cgroup v2, as systemd.unified_cgroup_hierarchy=1 leaves it.
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 $R/sys/fs/cgroup ||
        mount -t cgroup2 cgroup2 $R/sys/fs/cgroup || die "mount cgroup2"
for c in $(cat $R/sys/fs/cgroup/cgroup.controllers); do
        echo "+$c" >$R/sys/fs/cgroup/cgroup.subtree_control || echo "VZLANE-WARN: cannot enable $c"
done
echo "VZLANE-BOOTED $(cut -d' ' -f1 /proc/uptime)s kernel $(uname -r)"
echo "VZLANE-CGROUP controllers: $(cat $R/sys/fs/cgroup/cgroup.subtree_control)"
# Stage 2 runs as PID 1 in the overlay root. switch_root, not chroot: a
# chrooted process may not create user namespaces (EPERM), CTs need them.
cat >$R/run/vzlane-stage2 <<STAGE2
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Modules the storage tests need, loaded as udev and a systemd boot would
# have them: loop (no /dev/loop-control node, hence no autoload on first
# open, without udev's static nodes), btrfs and quota_v2 (tests look for
# them in /proc/filesystems and /proc/kallsyms before using them).
modprobe -a loop btrfs quota_v2 || echo "VZLANE-WARN: cannot load loop, btrfs or quota_v2"
# Like a login session on a systemd host: the tests run in a leaf cgroup,
# not in the root one.
mkdir -p /sys/fs/cgroup/init.scope /sys/fs/cgroup/lane.scope
echo \$\$ >/sys/fs/cgroup/lane.scope/cgroup.procs
env -i PATH=\$PATH HOME=/root TERM=dumb LANG=C.UTF-8 /bin/bash $LANE_SRC/tests/vm/guest-run \
        $LANE_SRC $LANE_BUILD $LANE_TEST_TIMEOUT $LANE_TESTS
echo "VZLANE-DONE rc=\$?"
echo 1 >/sys/fs/cgroup/init.scope/cgroup.procs
sync
umount "$LANE_SRC" 2>/dev/null
umount /tmp
/bin/busybox poweroff -f
sleep 5
echo o >/proc/sysrq-trigger
STAGE2
exec switch_root $R /bin/busybox sh /run/vzlane-stage2
die "switch_root failed"

#!/bin/bash
# Storage benchmark, per layout (simfs, ploop image, btrfs):
#  1. median wall time of `vzctl create` from the busybox and the Debian 12
#     minimal caches (destroy in between, not timed); for btrfs the first
#     create of a template (which unpacks it into the template subvolume) is
#     shown apart, the median is over the creates after it (snapshots);
#  2. sequential write inside a running CT (dd of SIZE MiB of zeros with
#     conv=fsync, run by `vzctl exec`), against the same dd on the host
#     filesystem and on the btrfs filesystem directly.
# simfs and ploop live on the host filesystem of /tmp; btrfs on a btrfs
# filesystem the script makes in a sparse file there (on a loop device).
#
# Usage (root): bench/storage.sh [RUNS] [SIZE_MIB]     (default 7, 512)
# Prints Markdown; bench/results/storage.md holds the recorded run.
RUNS=${1:-7}
SIZE=${2:-512}
. "$(dirname "$0")/../tests/integ/storage-lib.sh"
need_cache busybox
need_cache debian-12-x86_64-minimal
have_btrfs || fail "needs btrfs (kernel and btrfs-progs)"
STARTED=690
CT=690

btrfs_pool 8G
SIMFS_PRIVATE=$(sed -n 's/^VE_PRIVATE=//p' $VZ_CONFDIR/vz.conf)

now_us() { echo $(( $(date +%s%N) / 1000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v u="$1" 'BEGIN {printf "%.1f", u / 1000}'; }

use_layout() { # layout: where VE_PRIVATE is
        if [ "$1" = btrfs ]; then
                sed -i "s|^VE_PRIVATE=.*|VE_PRIVATE=$B/private/\$VEID|" $VZ_CONFDIR/vz.conf
        else
                sed -i "s|^VE_PRIVATE=.*|VE_PRIVATE=$SIMFS_PRIVATE|" $VZ_CONFDIR/vz.conf
        fi
}

create_once() { # layout template -> us
        local t0 t1
        sync
        t0=$(now_us)
        vzctl --quiet create $CT --ostemplate "$2" --layout "$1" >/dev/null 2>&1 || fail "create $1 $2"
        t1=$(now_us)
        vzctl --quiet destroy $CT >/dev/null || fail "destroy $1"
        echo $((t1 - t0))
}

declare -A CREATE FIRST
for tmpl in busybox debian-12-x86_64-minimal; do
        for l in simfs ploop btrfs; do
                use_layout $l
                if [ $l = btrfs ]; then
                        FIRST[$l.$tmpl]=$(create_once $l $tmpl)
                fi
                CREATE[$l.$tmpl]=$(for i in $(seq "$RUNS"); do create_once $l $tmpl; done | median)
        done
done

dd_time() { # runs a dd command line (shell) -> us
        local t0 t1
        sync
        t0=$(now_us)
        "$@" >/dev/null 2>&1 || fail "dd: $*"
        t1=$(now_us)
        echo $((t1 - t0))
}
rate() { awk -v s=$SIZE -v u="$1" 'BEGIN {printf "%.0f", s / (u / 1e6)}'; }
DD="dd if=/dev/zero of=/root/f bs=1M count=$SIZE conv=fsync"

declare -A WRITE
mkdir -p $T/hostdir
WRITE[host]=$(for i in $(seq 3); do dd_time dd if=/dev/zero of=$T/hostdir/f bs=1M count=$SIZE conv=fsync; rm -f $T/hostdir/f; done | median)
WRITE[hostbtrfs]=$(for i in $(seq 3); do dd_time dd if=/dev/zero of=$B/f bs=1M count=$SIZE conv=fsync; rm -f $B/f; done | median)
for l in simfs ploop btrfs; do
        use_layout $l
        vzctl --quiet create $CT --ostemplate busybox --layout $l --diskspace $((SIZE * 3))M:$((SIZE * 3))M >/dev/null 2>&1 || fail "create $l"
        vzctl --quiet start $CT >/dev/null 2>&1 || fail "start $l"
        WRITE[$l]=$(for i in $(seq 3); do dd_time vzctl exec $CT "$DD"; vzctl exec $CT 'rm -f /root/f; sync'; done | median)
        vzctl --quiet stop $CT >/dev/null 2>&1
        vzctl --quiet destroy $CT >/dev/null || fail "destroy $l"
done

bbk=$(( $(stat -c %s "$(readlink -f $T/vz/template/cache/busybox.tar*)") / 1024 ))
debm=$(( $(stat -c %s "$(readlink -f $T/vz/template/cache/debian-12-x86_64-minimal.tar*)") / 1048576 ))
echo "### vzctl create, median of $RUNS (ms)"
echo
echo "| layout | busybox cache ($bbk KiB) | debian-12 minimal cache ($debm MiB compressed) |"
echo "|---|---|---|"
for l in simfs ploop btrfs; do
        printf '| %s | %s | %s |\n' $l "$(ms ${CREATE[$l.busybox]})" "$(ms ${CREATE[$l.debian-12-x86_64-minimal]})"
done
printf '| btrfs, first create of the template (unpacks it once) | %s | %s |\n' \
        "$(ms ${FIRST[btrfs.busybox]})" "$(ms ${FIRST[btrfs.debian-12-x86_64-minimal]})"
echo
echo "### sequential write, dd bs=1M count=$SIZE conv=fsync, median of 3"
echo
echo "| where | time (ms) | MiB/s |"
echo "|---|---|---|"
printf '| host filesystem (ext4 under /tmp) | %s | %s |\n' "$(ms ${WRITE[host]})" "$(rate ${WRITE[host]})"
printf '| host, the btrfs filesystem (loop file on it) | %s | %s |\n' "$(ms ${WRITE[hostbtrfs]})" "$(rate ${WRITE[hostbtrfs]})"
for l in simfs ploop btrfs; do
        printf '| inside a CT, %s (vzctl exec) | %s | %s |\n' $l "$(ms ${WRITE[$l]})" "$(rate ${WRITE[$l]})"
done

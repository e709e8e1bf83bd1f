# Sourced by the storage tests (and bench/storage.sh): loop devices, a btrfs
# pool in a file, and killing vzctl at a step. Not a test itself
# (tests/run skips *-lib.sh).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# need_loop: loop devices, or skip the test (77).
need_loop() {
        [ -e /dev/loop-control ] || { echo "SKIP: no loop devices (/dev/loop-control; module loop)"; exit 77; }
}

# loops: how many loop devices the test's files (but the btrfs pool) are on.
loops() { losetup -a 2>/dev/null | grep "$T" | grep -vc btrfs.img || true; }

# have_btrfs: this kernel has btrfs and mkfs.btrfs (btrfs-progs) is here.
have_btrfs() { grep -qw btrfs /proc/filesystems && command -v mkfs.btrfs >/dev/null; }
# need_btrfs: have_btrfs and loop devices, or skip the test (77).
need_btrfs() {
        grep -qw btrfs /proc/filesystems || { echo "SKIP: no btrfs in this kernel"; exit 77; }
        command -v mkfs.btrfs >/dev/null || { echo "SKIP: mkfs.btrfs (btrfs-progs) not installed"; exit 77; }
        need_loop
}

# btrfs_pool [SIZE]: a btrfs filesystem of SIZE (default 1G) in
# $T/btrfs.img on a loop device, mounted on B=$T/btrfs, with an empty
# B/private (mode 700). The test's cleanup unmounts it (it is under $T) and
# detaches its loop device (LOOP_FILES).
btrfs_pool() {
        B=$T/btrfs
        truncate -s "${1:-1G}" "$T/btrfs.img"
        LOOP_FILES="$LOOP_FILES $T/btrfs.img"
        mkfs.btrfs -q "$T/btrfs.img" >/dev/null 2>&1 || fail "mkfs.btrfs"
        mkdir -p "$B" && mount -o loop "$T/btrfs.img" "$B" || fail "mount btrfs"
        mkdir -m 700 "$B/private"
}
# btrfs_private: btrfs_pool, and VE_PRIVATE on it (B/private/$VEID).
btrfs_private() {
        btrfs_pool
        sed -i "s|^VE_PRIVATE=.*|VE_PRIVATE=$B/private/\$VEID|" "$VZ_CONFDIR/vz.conf"
}

# stall_kill STEP CMD...: run CMD until it reaches STEP (the test hook
# VZ_TEST_STALL=STEP makes vzctl pause there, see
# src/lib/storage/journal.c), then kill -9 it.
stall_kill() {
        local step=$1 pid
        shift
        VZ_TEST_STALL=$step "$@" >"$T/stall.out" 2>&1 &
        pid=$!
        for _ in $(seq 600); do
                grep -q "stalled at $step" "$T/stall.out" && break
                kill -0 $pid 2>/dev/null || break
                sleep 0.1
        done
        grep -q "stalled at $step" "$T/stall.out" || { kill -9 $pid 2>/dev/null; fail "never reached $step: $(cat "$T/stall.out")"; }
        kill -9 $pid
        wait $pid 2>/dev/null
}

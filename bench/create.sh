#!/bin/bash
# Create benchmark: median wall time of `vzctl create` from the busybox cache
# and from the Debian 12 minimal cache (N runs each, destroy in between, not
# timed), on the simfs layout (an unpack) and the overlay layout (the shared
# lower unpacked once, by a first create not counted; its time is shown
# apart), the Debian unpack rate against plain `tar -x` of the same cache
# file into the same filesystem, and, side by side, LXC's fastest create:
# `lxc-copy -s -B overlay` (an overlay clone) of a container whose rootfs is
# the same Debian cache, run by turns with vz's Debian overlay create
# (skipped if lxc-copy is not installed).
#
# Usage (root): bench/create.sh [RUNS]     (default 11)
#               QUICK=1 bench/create.sh [RUNS]: without the slow rows (simfs
#               Debian create and tar -x), for the overlay and LXC rows
# Prints a Markdown table; bench/results/create.md holds the recorded run.
RUNS=${1:-11}
. "$(dirname "$0")/../tests/integ/lib.sh"
need_cache busybox
need_cache debian-12-x86_64-minimal

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

time_create() { # template [layout] -> prints us per run, one per line
        local tmpl=$1 layout=${2:-simfs} i t0 t1
        for i in $(seq "$RUNS"); do
                sync
                t0=$(now_ns)
                vzctl --quiet create 200 --ostemplate "$tmpl" --layout "$layout" >/dev/null ||
                        fail "create $tmpl"
                t1=$(now_ns)
                echo $(( (t1 - t0) / 1000 ))
                vzctl --quiet destroy 200 >/dev/null || fail "destroy"
        done
}

time_tar() { # file -> us per run
        local f=$1 i t0 t1 d=$T/vz/private/tar
        for i in $(seq "$RUNS"); do
                rm -rf "$d"; mkdir -p "$d"; sync
                t0=$(now_ns)
                tar --numeric-owner -xpf "$f" -C "$d" --xattrs --xattrs-include='*' --acls 2>/dev/null || fail "tar"
                t1=$(now_ns)
                echo $(( (t1 - t0) / 1000 ))
        done
        rm -rf "$d"
}

bb=$(readlink -f $T/vz/template/cache/busybox.tar*)
deb=$(readlink -f $T/vz/template/cache/debian-12-x86_64-minimal.tar*)
deb_raw=$(case $deb in *.zst) zstd -dc "$deb" ;; *.gz) gzip -dc "$deb" ;; *.xz) xz -dc "$deb" ;; *) cat "$deb" ;; esac | wc -c)

# overlay: the first create of a template unpacks its lower layer
first_create() { # template -> us
        local t0 t1
        sync
        t0=$(now_ns)
        vzctl --quiet create 200 --ostemplate "$1" --layout overlay >/dev/null || fail "create $1"
        t1=$(now_ns)
        vzctl --quiet destroy 200 >/dev/null || fail "destroy"
        echo $(( (t1 - t0) / 1000 ))
}

# vz overlay create and lxc-copy -s -B overlay of the same Debian rootfs,
# run by turns (a load that changes during the run weighs on both alike):
# prints "vz_us lxc_us" per round.
time_pair() { # rootfs tarball
        local f=$1 p=$T/lxc i t0 t1 t2 t3
        mkdir -p $p/base/rootfs
        tar --numeric-owner -xpf "$f" -C $p/base/rootfs 2>/dev/null || fail "tar for lxc"
        printf 'lxc.uts.name = base\nlxc.rootfs.path = dir:%s\n' $p/base/rootfs > $p/base/config
        for i in $(seq "$RUNS"); do
                sync
                t0=$(now_ns)
                vzctl --quiet create 200 --ostemplate debian-12-x86_64-minimal --layout overlay \
                        >/dev/null || fail "create"
                t1=$(now_ns)
                vzctl --quiet destroy 200 >/dev/null || fail "destroy"
                sync
                t2=$(now_ns)
                lxc-copy -P $p -n base -N c200 -s -B overlay >/dev/null 2>&1 || fail "lxc-copy"
                t3=$(now_ns)
                lxc-destroy -P $p -n c200 >/dev/null 2>&1 || fail "lxc-destroy"
                echo $(( (t1 - t0) / 1000 )) $(( (t3 - t2) / 1000 ))
        done
        rm -rf $p
}

bb_us=$(time_create busybox | median)
deb_us=0 tar_us=1
if [ "${QUICK:-0}" != 1 ]; then
        deb_us=$(time_create debian-12-x86_64-minimal | median)
        tar_us=$(time_tar "$deb" | median)
fi
bbo_first=$(first_create busybox)
bbo_us=$(time_create busybox overlay | median)
debo_first=$(first_create debian-12-x86_64-minimal)
lxc_us=
if command -v lxc-copy >/dev/null; then
        time_pair "$deb" > $T/pair
        debo_us=$(cut -d' ' -f1 $T/pair | median)
        lxc_us=$(cut -d' ' -f2 $T/pair | median)
else
        debo_us=$(time_create debian-12-x86_64-minimal overlay | median)
fi
ms() { awk -v u="$1" 'BEGIN{printf "%.1f ms", u/1000}'; }
mbs() { awk -v b="$1" -v us="$2" 'BEGIN {printf "%.0f", b / 1048576 / (us / 1e6)}'; }

echo "| what | median of $RUNS | rate (uncompressed MiB/s) |"
echo "|---|---|---|"
printf '| vzctl create, busybox cache (%s KiB) | %.1f ms | |\n' $(( $(stat -c %s "$bb") / 1024 )) "$(awk -v u=$bb_us 'BEGIN{print u/1000}')"
if [ "${QUICK:-0}" != 1 ]; then
printf '| vzctl create, debian-12 minimal (%s MiB unpacked) | %.0f ms | %s |\n' $((deb_raw / 1048576)) "$(awk -v u=$deb_us 'BEGIN{print u/1000}')" "$(mbs $deb_raw $deb_us)"
printf '| tar -x of the same debian cache | %.0f ms | %s |\n' "$(awk -v u=$tar_us 'BEGIN{print u/1000}')" "$(mbs $deb_raw $tar_us)"
printf '| ratio vz create / tar -x | %.2f | |\n' "$(awk -v a=$deb_us -v b=$tar_us 'BEGIN{print a/b}')"
fi
printf '| vzctl create --layout overlay, busybox | %s | |\n' "$(ms $bbo_us)"
printf '| vzctl create --layout overlay, debian-12 minimal | %s | |\n' "$(ms $debo_us)"
printf '| (first overlay create of each: unpacks the shared lower once) | busybox %s, debian %s | |\n' "$(ms $bbo_first)" "$(ms $debo_first)"
[ -n "$lxc_us" ] && printf '| lxc-copy -s -B overlay of a debian-12 minimal container (LXC %s) | %s | |\n' "$(lxc-copy --version 2>/dev/null)" "$(ms $lxc_us)"
exit 0

#!/bin/bash
# Create benchmark: median wall time of `vzctl create` from the busybox cache
# and from the Debian 12 minimal cache (N runs each, destroy in between, not
# timed), and the Debian unpack rate against plain `tar -x` of the same cache
# file into the same filesystem.
#
# Usage (root): bench/create.sh [RUNS]     (default 11)
# Prints a Markdown table; bench/results/create.md holds the recorded run.
RUNS=${1:-11}
. "$(dirname "$0")/../tests/integ/lib.sh"
need_cache busybox
need_cache debian-12-x86_64-minimal

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

time_create() { # template -> prints ms per run, one per line
        local tmpl=$1 i t0 t1
        for i in $(seq "$RUNS"); do
                sync
                t0=$(now_ns)
                vzctl --quiet create 200 --ostemplate "$tmpl" >/dev/null || fail "create $tmpl"
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

bb_us=$(time_create busybox | median)
deb_us=$(time_create debian-12-x86_64-minimal | median)
tar_us=$(time_tar "$deb" | median)
mbs() { awk -v b="$1" -v us="$2" 'BEGIN {printf "%.0f", b / 1048576 / (us / 1e6)}'; }

echo "| what | median of $RUNS | rate (uncompressed MiB/s) |"
echo "|---|---|---|"
printf '| vzctl create, busybox cache (%s KiB) | %.1f ms | |\n' $(( $(stat -c %s "$bb") / 1024 )) "$(awk -v u=$bb_us 'BEGIN{print u/1000}')"
printf '| vzctl create, debian-12 minimal (%s MiB unpacked) | %.0f ms | %s |\n' $((deb_raw / 1048576)) "$(awk -v u=$deb_us 'BEGIN{print u/1000}')" "$(mbs $deb_raw $deb_us)"
printf '| tar -x of the same debian cache | %.0f ms | %s |\n' "$(awk -v u=$tar_us 'BEGIN{print u/1000}')" "$(mbs $deb_raw $tar_us)"
printf '| ratio vz create / tar -x | %.2f | |\n' "$(awk -v a=$deb_us -v b=$tar_us 'BEGIN{print a/b}')"

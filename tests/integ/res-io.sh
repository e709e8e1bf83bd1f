#!/bin/bash
# IOLIMIT and IOPSLIMIT set live on running CTs hold direct writes (dd
# oflag=direct: page-cache writeback is not charged to the writer on v1) to
# their rate within 20%, seen inside (dd's own rate) and on the host (bytes
# and requests the CT's cgroup issued to the device, blkio.throttle.* on
# v1, io.stat on v2). The throttle sits on the whole disk holding
# VE_PRIVATE (simfs: the disk under the test tree; a partition is mapped to
# its disk), and for an image-layout CT on its own loop device, where its
# I/O enters the block layer.
. "$(dirname "$0")/lib.sh"
need_cache busybox
CG=vztest-$$
STARTED="410 411"
if [ -d /sys/fs/cgroup/blkio ]; then mode=v1; else mode=v2; fi
iof() { # iof CTID FILE
        if [ $mode = v1 ]; then echo /sys/fs/cgroup/blkio/$CG/$1/$2; else echo /sys/fs/cgroup/$CG/$1/$2; fi
}
# written_in DIR DEV: bytes, then write requests, issued to DEV as counted
# in the cgroup directory DIR. A device the cgroup has not written to has
# no "Write" line (v1) or no line at all (v2) yet: that reads as 0 0. A
# missing counter file is an error (no output, status 1).
written_in() {
        local f
        if [ $mode = v1 ]; then
                for f in blkio.throttle.io_service_bytes blkio.throttle.io_serviced; do
                        [ -r "$1/$f" ] || { echo "no $1/$f" >&2; return 1; }
                done
                echo "$(awk -v d="$2" '$1 == d && $2 == "Write" {n = $3} END {print n + 0}' "$1/blkio.throttle.io_service_bytes")" \
                     "$(awk -v d="$2" '$1 == d && $2 == "Write" {n = $3} END {print n + 0}' "$1/blkio.throttle.io_serviced")"
        else
                [ -r "$1/io.stat" ] || { echo "no $1/io.stat" >&2; return 1; }
                awk -v d="$2" '$1 == d { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
                        END { print v["wbytes"] + 0, v["wios"] + 0 }' "$1/io.stat"
        fi
}
# written CTID DEV: the same for the CT's cgroup; fails the test when the
# counters cannot be read.
written() {
        local c
        c=$(written_in "$(dirname "$(iof "$1" io.stat)")" "$2") || fail "CT $1: cannot read its I/O counters"
        echo "$c"
}
now_us() { echo $(( $(date +%s%N) / 1000 )); }
within() { [ "$(echo "$1 >= $2 && $1 <= $3" | bc -l)" = 1 ]; }
disk_of() { # the whole disk holding path, MAJ:MIN
        local d; d=$(stat -c '%Hd:%Ld' "$1")
        [ -e /sys/dev/block/$d/partition ] && d=$(cat /sys/dev/block/$d/../dev)
        echo "$d"
}
# rate CTID DEV BS COUNT: overwrite /data (made beforehand) with direct
# writes; prints "inside_rate host_rate host_iops" (bytes/s, bytes/s, 1/s).
# Host and CT time the same run: the CT's script says "ready", the host
# writes "go" into a FIFO in the CT's filesystem and reads "done" from
# another (a vzctl exec is slow to start and end under emulation).
rate() {
        local id=$1 dev=$2 bs=$3 count=$4 b0 b1 o0 o1 t0 t1 secs d i
        d=$T/vz/root/$id/vzsync
        rm -rf "$d"; mkdir -p "$d"; mkfifo -m 666 "$d/go" "$d/done"; chmod 1777 "$d"
        # Inside, timed by the CT's own clock (/proc/uptime, 10 ms steps).
        vzctl exec "$id" "touch /vzsync/ready; read x < /vzsync/go; read a x < /proc/uptime
                dd if=/dev/zero of=/data bs=$bs count=$count oflag=direct conv=notrunc 2>/dev/null || a=failed
                read b x < /proc/uptime; echo \$a \$b > /vzsync/t; echo > /vzsync/done" > "$T/dd" 2>&1 &
        for i in $(seq 1200); do [ -e "$d/ready" ] && break; sleep 0.05; done
        [ -e "$d/ready" ] || fail "CT $id did not start dd: $(cat "$T/dd")"
        # The host's window: from the first to the last change it sees in
        # the CT's counters (sampled every 50 ms), so the time the CT's
        # script takes to start dd and to report back is not in it.
        local c0 c t b0= o0= t0= b1= o1= t1=
        c0=$(written "$id" "$dev") || exit 1
        echo > "$d/go"
        while :; do
                c=$(written "$id" "$dev") || exit 1; t=$(now_us)
                if [ "$c" != "$c0" ]; then
                        set -- $c
                        [ -z "$t0" ] && b0=$1 o0=$2 t0=$t
                        b1=$1 o1=$2 t1=$t c0=$c
                fi
                [ -s "$d/t" ] && break
                sleep 0.05
        done
        read -r _ < "$d/done"
        wait
        # A run shorter than one sample (unlimited) gives the host no window:
        # its rates read 0, which no limit check accepts.
        [ -n "$t0" ] && [ "$t1" -gt "$t0" ] || { b0=0 b1=0 o0=0 o1=0 t0=0 t1=1; }
        secs=$(awk 'NF == 2 {print $2 - $1}' "$d/t")
        [ -n "$secs" ] && within "$secs" 0.01 1000000000 || fail "dd: $(cat "$d/t" "$T/dd")"
        echo "$(echo "$bs * $count / $secs" | bc -l) $(echo "($b1 - $b0) * 1000000 / ($t1 - $t0)" | bc -l)" \
             "$(echo "($o1 - $o0) * 1000000 / ($t1 - $t0)" | bc -l)"
}
MB=1048576

# The parsing first, on made-up counters: a device with reads only (v1: no
# "Write" line; v2: no w* keys) or no I/O at all (no line) reads as 0 0,
# one with writes as its numbers, and an unreadable cgroup as an error.
fake=$T/fake-counters
mkdir -p "$fake"
if [ $mode = v1 ]; then
        printf '8:0 Read 4096\n8:0 Total 4096\nTotal 4096\n' > "$fake/blkio.throttle.io_service_bytes"
        printf '8:0 Read 1\n8:0 Total 1\nTotal 1\n' > "$fake/blkio.throttle.io_serviced"
else
        printf '8:0 rbytes=4096 rios=1\n' > "$fake/io.stat"
fi
[ "$(written_in "$fake" 8:0)" = "0 0" ] || fail "reads only: '$(written_in "$fake" 8:0)', want '0 0'"
[ "$(written_in "$fake" 8:16)" = "0 0" ] || fail "no I/O: '$(written_in "$fake" 8:16)', want '0 0'"
if [ $mode = v1 ]; then
        printf '8:0 Read 4096\n8:0 Write 65536\n8:0 Total 69632\n' > "$fake/blkio.throttle.io_service_bytes"
        printf '8:0 Read 1\n8:0 Write 2\n8:0 Total 3\n' > "$fake/blkio.throttle.io_serviced"
else
        printf '8:0 rbytes=4096 wbytes=65536 rios=1 wios=2 dbytes=0 dios=0\n' > "$fake/io.stat"
fi
[ "$(written_in "$fake" 8:0)" = "65536 2" ] || fail "writes: '$(written_in "$fake" 8:0)', want '65536 2'"
written_in "$T/no-such-cgroup" 8:0 2>/dev/null && fail "an unreadable cgroup read as counters"
ok "I/O counters parsed (no Write line: 0 0)"
# check_bps CTID DEV MB/s: a 16 MB run at the limit (~8 s at 2 MB/s).
check_bps() {
        local id=$1 dev=$2 want=$(( $3 * MB )) r
        r=$(rate "$id" "$dev" 65536 $(( $3 * 128 ))) || exit 1
        set -- $r
        printf 'CT %s IOLIMIT %d MB/s on %s: inside %.2f MB/s, host %.2f MB/s\n' "$id" $((want / MB)) "$dev" \
                "$(echo "$1 / $MB" | bc -l)" "$(echo "$2 / $MB" | bc -l)"
        within "$1" "$(echo "$want * 0.8" | bc -l)" "$(echo "$want * 1.2" | bc -l)" || fail "inside rate $1, want $want"
        within "$2" "$(echo "$want * 0.8" | bc -l)" "$(echo "$want * 1.2" | bc -l)" || fail "host rate $2, want $want"
}

expect_rc 0 vzctl create 410 --ostemplate busybox
expect_rc 0 vzctl start 410
dev=$(disk_of "$T/vz/private/410")
[ "${dev%%:*}" != 0 ] || { echo "SKIP: the test tree is on no block device (tmpfs?)"; exit 77; }
expect_rc 0 vzctl exec 410 "dd if=/dev/zero of=/data bs=64k count=512 oflag=direct"
# Unlimited first: far above 2 MB/s, so the limit below is what holds it.
r=$(rate 410 "$dev" 65536 512) || exit 1
set -- $r
printf 'CT 410 unlimited on %s: inside %.1f MB/s\n' "$dev" "$(echo "$1 / $MB" | bc -l)"
within "$1" $((6 * MB)) 1000000000000 || { echo "SKIP: the disk writes only $(echo "$1 / $MB" | bc) MB/s unlimited"; exit 77; }

expect_rc 0 vzctl set 410 --iolimit 2 --save
if [ $mode = v1 ]; then
        grep -qx "$dev $((2 * MB))" "$(iof 410 blkio.throttle.write_bps_device)" || fail "write_bps: $(cat "$(iof 410 blkio.throttle.write_bps_device)")"
else
        grep -qx "$dev rbps=$((2 * MB)) wbps=$((2 * MB)) riops=max wiops=max" "$(iof 410 io.max)" || fail "io.max: $(cat "$(iof 410 io.max)")"
fi
check_bps 410 "$dev" 2
ok "IOLIMIT 2 MB/s holds direct writes"
expect_rc 0 vzctl set 410 --iolimit 4
check_bps 410 "$dev" 4
ok "IOLIMIT raised live to 4 MB/s"

# IOPSLIMIT 50: 300 direct 4 KB writes take ~6 s.
expect_rc 0 vzctl set 410 --iolimit 0 --iopslimit 50
if [ $mode = v1 ]; then
        grep -q "^$dev " "$(iof 410 blkio.throttle.write_bps_device)" && fail "bps rule left: $(cat "$(iof 410 blkio.throttle.write_bps_device)")"
        grep -qx "$dev 50" "$(iof 410 blkio.throttle.write_iops_device)" || fail "write_iops: $(cat "$(iof 410 blkio.throttle.write_iops_device)")"
else
        grep -qx "$dev rbps=max wbps=max riops=50 wiops=50" "$(iof 410 io.max)" || fail "io.max: $(cat "$(iof 410 io.max)")"
fi
r=$(rate 410 "$dev" 4096 300) || exit 1
set -- $r
iops_in=$(echo "$1 / 4096" | bc -l)
printf 'CT 410 IOPSLIMIT 50: inside %.1f/s, host %.1f/s\n' "$iops_in" "$3"
within "$iops_in" 40 60 || fail "inside: $iops_in writes/s at IOPSLIMIT 50"
within "$3" 40 60 || fail "host: $3 writes/s at IOPSLIMIT 50"
ok "IOPSLIMIT 50 holds"
expect_rc 0 vzctl set 410 --iopslimit 0
r=$(rate 410 "$dev" 4096 300) || exit 1
set -- $r
within "$(echo "$1 / 4096" | bc -l)" 100 1000000000 || fail "IOPSLIMIT removed, still $(echo "$1 / 4096" | bc) writes/s"
ok "IOPSLIMIT removed live"

# Image layout: the CT's filesystem is on a loop device; the throttle goes
# there (the CT's bios enter the block layer at the loop device; the loop
# worker's writes to the backing file are not the CT's).
if [ -e /dev/loop-control ]; then
        expect_rc 0 vzctl create 411 --ostemplate busybox --layout ploop --diskspace 256M:256M
        expect_rc 0 vzctl start 411
        ldev=$(stat -c '%Hd:%Ld' "$T/vz/root/411")
        [ "${ldev%%:*}" = 7 ] || fail "image CT root on $ldev, not a loop device"
        expect_rc 0 vzctl exec 411 "dd if=/dev/zero of=/data bs=64k count=256 oflag=direct"
        expect_rc 0 vzctl set 411 --iolimit 2
        if [ $mode = v1 ]; then
                grep -qx "$ldev $((2 * MB))" "$(iof 411 blkio.throttle.write_bps_device)" || fail "loop write_bps: $(cat "$(iof 411 blkio.throttle.write_bps_device)")"
        else
                grep -q "^$ldev rbps=$((2 * MB)) wbps=$((2 * MB))" "$(iof 411 io.max)" || fail "loop io.max: $(cat "$(iof 411 io.max)")"
        fi
        check_bps 411 "$ldev" 2
        ok "IOLIMIT on an image CT's loop device"
        expect_rc 0 vzctl stop 411
        expect_rc 0 vzctl destroy 411
fi

expect_rc 0 vzctl stop 410
expect_rc 0 vzctl destroy 410

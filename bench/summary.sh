#!/bin/bash
# Assemble bench/results/SUMMARY.md from the recorded results: one table of
# medians with vz/peer ratios, and PNG plots (gnuplot) of start time and
# memory per CT against the number of running CTs (from density.dat). Reads
# only results/*.md and *.dat, so it can be rerun without the benchmarks.
#
# Usage: bench/summary.sh [RESULTS_DIR]   (default bench/results)
set -u
D=${1:-$(cd "$(dirname "$0")" && pwd)/results}
OUT=$D/SUMMARY.md

# row FILE LABEL: the cells after the first one of the table row whose first
# cell starts with LABEL, each reduced to its first number ("-" if none),
# tab-separated
row() {
        [ -r "$1" ] || return 0
        awk -F'|' -v l="$2" '
                { c = $2; gsub(/^[ *]+/, "", c) }
                index(c, l) == 1 {
                        out = ""
                        for (i = 3; i < NF; i++) {
                                v = $i
                                if (match(v, /n\/a/)) v = "-"
                                else if (match(v, /-?[0-9]+(\.[0-9]+)?/)) v = substr(v, RSTART, RLENGTH)
                                else v = "-"
                                out = out (i > 3 ? "\t" : "") v
                        }
                        print out; exit
                }' "$1"
}
col() { cut -f"$2" <<<"$1"; }
# ratio A B: A/B with 2 decimals, "-" if either is missing
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
line() { # label unit vz lxc nspawn crun
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "${3:--}" "${4:--}" \
                "${5:--}" "${6:--}" "$(ratio "${3:--}" "${4:--}")" "$(ratio "${3:--}" "${5:--}")" \
                "$(ratio "${3:--}" "${6:--}")"
}

SE=$D/start-exec.md DN=$D/density.md CR=$D/create.md BT=$D/boot.md CM=$D/ct-mem.md
start=$(row "$SE" "1a.") init=$(row "$SE" "1b.") run=$(row "$SE" "2.") ex=$(row "$SE" "3.")
sup=$(row "$SE" "4.")
dstart=$(row "$DN" "vzctl start") dexec=$(row "$DN" "vzctl exec3") dmem=$(row "$DN" "per CT:")
dlist=$(row "$DN" "vzlist -a")
cbb=$(row "$CR" "vzctl create, busybox") cdeb=$(row "$CR" "vzctl create, debian") tdeb=$(row "$CR" "tar -x of")
boot=$(row "$BT" "boot of the Debian")
cmem=$(row "$CM" "MemAvailable drop") cmpss=$(row "$CM" "runtime process PSS")
cmsum=$(row "$CM" "kernel + anonymous")
CMN=$(sed -n 's/^Command .*ct-mem.sh \([0-9]*\).*/\1/p' "$CM" 2>/dev/null)
N=$(sed -n 's/^# Density benchmark: \([0-9]*\) .*/\1/p' "$DN" 2>/dev/null)
N=${N:-1000}

{
        echo "# Benchmark summary: vz vs LXC, systemd-nspawn, crun"
        echo
        echo "Assembled by \`bench/summary.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC')) from the results in this"
        echo "directory; each row names the file and the command that produced it. Medians;"
        echo "ratio < 1 means vz is faster / smaller. Figures from different files were taken"
        echo "at different times; on a shared machine compare within a row, not across rows."
        echo
        echo "| measurement | unit | vz | LXC | systemd-nspawn | crun | vz/LXC | vz/nspawn | vz/crun |"
        echo "|---|---|---|---|---|---|---|---|---|"
        [ -n "$start" ] && line "start: command returns (start-exec.md)" ms $(col "$start" 1) $(col "$start" 2) $(col "$start" 3) $(col "$start" 4)
        [ -n "$init" ] && line "start: until init ran rcS (start-exec.md)" ms $(col "$init" 1) $(col "$init" 2) $(col "$init" 3) $(col "$init" 4)
        [ -n "$run" ] && line "run /bin/true to completion (start-exec.md)" ms $(col "$run" 1) $(col "$run" 2) $(col "$run" 3) $(col "$run" 4)
        [ -n "$ex" ] && line "exec /bin/true in a running CT (start-exec.md)" ms $(col "$ex" 1) $(col "$ex" 2) $(col "$ex" 3) $(col "$ex" 4)
        [ -n "$sup" ] && line "per-CT runtime process VmRSS (start-exec.md)" KiB $(col "$sup" 1) $(col "$sup" 2) $(col "$sup" 3) $(col "$sup" 4)
        [ -n "$cmem" ] && line "memory per idle CT: host MemAvailable drop, $CMN running (ct-mem.md)" kB $(col "$cmem" 1) $(col "$cmem" 2) $(col "$cmem" 3) $(col "$cmem" 4)
        [ -n "$cmsum" ] && line "memory per idle CT: kernel + anonymous, $CMN running (ct-mem.md)" kB $(col "$cmsum" 1) $(col "$cmsum" 2) $(col "$cmsum" 3) $(col "$cmsum" 4)
        [ -n "$cmpss" ] && line "per-CT runtime process PSS, $CMN running (ct-mem.md)" kB $(col "$cmpss" 1) $(col "$cmpss" 2) $(col "$cmpss" 3) $(col "$cmpss" 4)
        if [ -n "$dmem" ]; then
                line "memory per idle CT at $N running (density.md)" kB "$(col "$dmem" 2)" - - -
        fi
        if [ -n "$dstart" ]; then
                line "start at 0 running (density.md)" ms "$(col "$dstart" 1)" - - -
                line "start at $((N / 2)) running (density.md)" ms "$(col "$dstart" 2)" - - -
                line "start at $N running (density.md)" ms "$(col "$dstart" 3)" - - -
                line "exec at 0 / $N running (density.md)" ms "$(col "$dexec" 1) / $(col "$dexec" 3)" - - -
                line "vzlist -a with $N CTs, $N running (density.md)" ms "$(col "$dlist" 3)" - - -
        fi
        [ -n "$cbb" ] && line "create, busybox (create.md)" ms "$(col "$cbb" 1)" - - -
        [ -n "$cdeb" ] && line "create, Debian 12 minimal; peer: tar -x (create.md)" ms "$(col "$cdeb" 1)" "$(col "$tdeb" 1)" - -
        [ -n "$boot" ] && line "Debian/systemd boot until running (boot.md)" ms "$(col "$boot" 1)" "$(col "$boot" 3)" "$(col "$boot" 2)" -
        echo
        echo "Goals: start ≤ 15 ms at any density, exec ≤ 6 ms, ≤ 600 kB per idle CT."
        echo
        if [ -n "$cmem" ]; then
                echo "Peers' memory per idle CT: measured with $CMN containers of each runtime running"
                echo "(ct-mem.md), not at $N; the plots show vz only."
        else
                echo "Peers at density: not measured at $N running (LXC's monitor alone is ~3 MiB"
                echo "VmRSS per container, nspawn ~7.5 MiB, see start-exec.md); the plots show vz only."
        fi
        echo
        if [ -r "$D/density.dat" ]; then
                echo "![start and exec latency against running CTs](density-start.png)"
                echo "![memory per CT against running CTs](density-memory.png)"
                echo
        fi
        echo "## Where vz is behind, and why"
        echo
        if [ -r "$D/notes.md" ]; then cat "$D/notes.md"; else echo "(no notes.md)"; fi
        echo
        echo "## All results"
        echo
        for f in "$D"/*.md; do
                b=$(basename "$f")
                case $b in SUMMARY.md | notes.md) continue ;; esac
                echo "- [$b]($b): $(head -n1 "$f" | sed 's/^# *//')"
        done
} > "$OUT"

if [ -r "$D/density.dat" ] && command -v gnuplot >/dev/null; then
        gnuplot <<EOF || echo "summary: gnuplot failed" >&2
set terminal pngcairo size 800,500 noenhanced
set grid
set key top left
set xlabel "running CTs"
set output "$D/density-start.png"
set ylabel "ms (median)"
set title "vz: probe CT start and exec latency vs running CTs"
plot "$D/density.dat" using 1:2 with linespoints title "vzctl start", \
     "$D/density.dat" using 1:3 with linespoints title "vzctl exec3 /bin/true", \
     "$D/density.dat" using 1:5 with linespoints title "host fork+exec /bin/true (load floor)", \
     15 with lines dashtype 2 title "start goal 15 ms", 6 with lines dashtype 3 title "exec goal 6 ms"
set output "$D/density-memory.png"
set ylabel "kB per running CT"
set title "vz: host memory per idle busybox CT vs running CTs"
set yrange [0:*]
plot "$D/density.dat" using 1:(\$4 > 0 ? \$4 : 1/0) with linespoints title "cgroup charge + supervisor", \
     600 with lines dashtype 2 title "goal 600 kB"
EOF
fi
echo "wrote $OUT"

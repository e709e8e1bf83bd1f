#!/bin/bash
# vzctl destroy removes the CT's checkpoint from DUMPDIR, as OpenVZ removed
# its dump file: the dump (criu's image directory Dump.CTID), its staging
# directory (Dump.CTID.tmp) and criu's logs (Dump.CTID.dump.log,
# .restore.log, a migration's); another CT's (Dump.CTID0...) and other
# files stay. No criu needed: the files are made by hand (cpt-plain-path.sh
# does it with real ones).
. "$(dirname "$0")/lib.sh"
need_cache busybox
A=732 D=$T/vz/dump
expect_rc 0 vzctl create $A --ostemplate busybox
mkdir -p "$D/Dump.$A" "$D/Dump.$A.tmp" "$D/Dump.${A}0"
touch "$D/Dump.$A/pages-1.img" "$D/Dump.$A.tmp/x" "$D/Dump.$A.dump.log" "$D/Dump.$A.restore.log" \
      "$D/Dump.$A.mig-dump.log" "$D/Dump.${A}0/pages-1.img" "$D/Dump.${A}0.dump.log" "$D/Dump.$A.keep" "$D/other"
expect_rc 0 vzctl destroy $A
left=$(cd "$D" && ls -d Dump.$A Dump.$A.tmp Dump.$A.*.log 2>/dev/null)
[ -z "$left" ] || fail "destroy left in DUMPDIR: $left"
for f in Dump.${A}0/pages-1.img Dump.${A}0.dump.log Dump.$A.keep other; do
        [ -e "$D/$f" ] || fail "destroy removed $f (not CT $A's dump): $(ls "$D")"
done
ok "destroy removed CT $A's dump, staging dir and criu logs, and nothing else"

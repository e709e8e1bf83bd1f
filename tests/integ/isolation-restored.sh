#!/bin/bash
# The isolation suite against restored CTs (issue 19): every isolation-*.sh
# runs again with ISO_AFTER=restore, so that each of its busybox CTs is
# checkpointed and restored (criu) before the checks. A restored CT must be
# as locked down as a started one: the /proc masks, lxcfs's files, the
# read-only /proc/sys and /sys stay in place (criu builds the mount tree
# unlocked; the restore covers /proc, /sys and /dev with locked copies, see
# src/lib/runtime/cpt-relock.c). Skips without a working criu.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isolation-lib.sh"
iso_criu || { echo "SKIP: no criu whose 'criu check' passes on this kernel (run scripts/get-criu)"; exit 77; }
need_cache busybox
dir=$(dirname "$0")
failed=""
for t in "$dir"/isolation-*.sh; do
        n=$(basename "$t" .sh)
        case $n in isolation-lib | isolation-restored*) continue ;; esac
        echo "=== $n (restored CTs)"
        ISO_AFTER=restore bash "$t"
        rc=$?
        case $rc in
        0) ok "$n on restored CTs" ;;
        77) echo "note: $n skipped on restored CTs" ;;
        *) failed="$failed $n" ;;
        esac
done
[ -z "$failed" ] || fail "on restored CTs:$failed"
ok "the isolation suite passes on restored CTs"

#!/bin/bash
# MEMGUARANTEE (vzctl set --memguarantee auto|PCT, OpenVZ 7): PCT percent of
# the CT's RAM limit is kept from reclaim, memory.low on cgroup v2 and
# memory.soft_limit_in_bytes on v1. Set live on a running CT: the host's
# cgroup file and the CT's own view of it change, the config is saved,
# vzlist shows it, a change of --ram recomputes it, a restart applies it; a
# bad value is refused with OpenVZ's code 21 and leaves the config
# byte-for-byte as it was.
. "$(dirname "$0")/lib.sh"
need_cache busybox
CG=vztest-$$
ID=474
conf=$VZ_CONFDIR/conf/$ID.conf
cgf() { # cgf CONTROLLER FILE: the CT's cgroup file (v1 hierarchy or cgroup2)
        local f=/sys/fs/cgroup/$1/$CG/$ID/$2
        [ -e "$f" ] || f=/sys/fs/cgroup/unified/$CG/$ID/$2
        [ -e "$f" ] || f=/sys/fs/cgroup/$CG/$ID/$2
        echo "$f"
}

expect_rc 0 vzctl create $ID --ostemplate busybox
expect_rc 0 vzctl set $ID --ram 256M --save
STARTED=$ID
expect_rc 0 vzctl start $ID

# Which file this host has: v2 memory.low, else v1's soft limit.
f=$(cgf memory memory.low); inside=/sys/fs/cgroup/memory.low none=0
if [ ! -e "$f" ]; then
        f=$(cgf memory memory.soft_limit_in_bytes)
        inside=/sys/fs/cgroup/memory/memory.soft_limit_in_bytes none=-1
fi
[ -e "$f" ] || { echo "SKIP: no memory.low or memory.soft_limit_in_bytes"; exit 77; }
# v1 reads "no soft limit" back as PAGE_COUNTER_MAX pages in bytes.
is_none() { [ "$1" = 0 ] && [ $none = 0 ] || { [ $none = -1 ] && [ "$1" -gt $((1 << 62)) ]; }; }
is_none "$(cat "$f")" || fail "a fresh CT has a guarantee: $f = $(cat "$f")"

# Live, saved: 50% of 256M.
expect_rc 0 vzctl set $ID --memguarantee 50 --save
want=$((128 << 20))
[ "$(cat "$f")" = $want ] || fail "$f = $(cat "$f"), want $want"
grep -qx 'MEMGUARANTEE="50"' "$conf" || fail "not saved: $(grep MEMGUARANTEE "$conf")"
expect_rc 0 vzctl exec $ID "cat $inside"
[ "$(echo $LAST_OUT)" = $want ] || fail "inside the CT $inside = $LAST_OUT, want $want"
ok "--memguarantee 50: $f = $want, seen inside the CT, saved"

expect_rc 0 vzlist -H -o ctid,memguarantee $ID
[ "$(echo $LAST_OUT)" = "$ID 50" ] || fail "vzlist -o memguarantee: $LAST_OUT"
expect_rc 0 vzlist -j -o memguarantee $ID
got=$(echo "$LAST_OUT" | python3 -c "import json,sys; print(repr(json.load(sys.stdin)[0]['memguarantee']))")
[ "$got" = 50 ] || fail "vzlist -j memguarantee: $got"
expect_rc 0 vzlist -L
echo "$LAST_OUT" | grep -qE '^memguarantee +MEMGUAR' || fail "vzlist -L: no memguarantee"
ok "vzlist shows memguarantee 50 (text, JSON number, -L)"

# The RAM limit changes: the guarantee follows (live, not saved).
expect_rc 0 vzctl set $ID --ram 512M
want=$((256 << 20))
[ "$(cat "$f")" = $want ] || fail "after --ram 512M: $f = $(cat "$f"), want $want"
ok "--ram 512M recomputes the guarantee: $want"

# Bad values: 21, config and cgroup unchanged.
saved=$(cat "$conf"); cur=$(cat "$f")
cp "$conf" "$T/conf.before"
for bad in 150 -5 abc 50%; do
        expect_rc 21 vzctl set $ID --memguarantee "$bad" --save
        [ "$(cat "$conf")" = "$saved" ] || fail "--memguarantee $bad changed the config"
        [ "$(cat "$f")" = "$cur" ] || fail "--memguarantee $bad changed $f"
done
cmp -s "$T/conf.before" "$conf" || fail "config not byte-for-byte unchanged"
ok "bad values refused with 21; config byte-for-byte unchanged"

# auto: no guarantee.
expect_rc 0 vzctl set $ID --memguarantee auto --save
is_none "$(cat "$f")" || fail "auto: $f = $(cat "$f")"
grep -qx 'MEMGUARANTEE="auto"' "$conf" || fail "auto not saved"
ok "auto: no guarantee"

# At start: the saved value (25% of the saved 256M).
expect_rc 0 vzctl set $ID --memguarantee 25 --save
expect_rc 0 vzctl restart $ID
want=$((64 << 20))
[ "$(cat "$f")" = $want ] || fail "after restart: $f = $(cat "$f"), want $want"
ok "restart applies MEMGUARANTEE=25: $want"

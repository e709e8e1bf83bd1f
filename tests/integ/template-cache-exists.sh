#!/bin/bash
# vzpkg create cache of a template that already has a cache stops before
# any work, as OpenVZ's vzpkg: "<name> cache file already exist", exit 29,
# the cache untouched; also when the cache is in another compression
# (.tar.gz). --force replaces it, leaving one cache. Two builds of one
# template at once: one builds, the other waits for it and exits 29 (it
# does not build a second time). Busybox cache (seconds).
. "$(dirname "$0")/lib.sh"
C=$T/vz/template/cache
expect_rc 0 vzpkg -q create cache busybox
f=$C/busybox.tar.zst
[ -f "$f" ] || fail "no cache: $(ls "$C")"
sum=$(sha256sum < "$f")

start=$(date +%s%N)
expect_rc 29 vzpkg create cache busybox
ms=$((($(date +%s%N) - start) / 1000000))
echo "$LAST_OUT" | grep -q "busybox cache file already exist" || fail "message: $LAST_OUT"
[ "$(sha256sum < "$f")" = "$sum" ] || fail "the existing cache changed"
[ "$ms" -lt 2000 ] || fail "took $ms ms: worked before noticing the cache"
ok "existing cache: exit 29 in $ms ms ($LAST_OUT)"

mv "$f" "$C/busybox.tar.gz"
expect_rc 29 vzpkg create cache busybox
echo "$LAST_OUT" | grep -q "busybox.tar.gz" || fail "message does not name the .tar.gz cache: $LAST_OUT"
[ ! -e "$f" ] || fail "a second cache was built beside busybox.tar.gz"
ok "existing cache in another compression: exit 29"

expect_rc 0 vzpkg -q create cache busybox --force
[ "$(cd "$C" && ls busybox.tar*)" = busybox.tar.zst ] || fail "after --force: $(ls "$C")"
ok "--force replaces it (one cache left)"

# Two at once: the second waits for the first's lock, then finds its cache.
rm -f "$f"
vzpkg -q create cache busybox > "$T/a.out" 2>&1 & a=$!
vzpkg -q create cache busybox > "$T/b.out" 2>&1 & b=$!
wait $a; ra=$?
wait $b; rb=$?
[ "$(printf '%s\n' $ra $rb | sort | tr '\n' ' ')" = "0 29 " ] ||
        fail "two builds at once exited $ra and $rb: $(cat "$T/a.out" "$T/b.out")"
[ "$(cd "$C" && ls -A)" = busybox.tar.zst ] || fail "left in the cache dir: $(ls -A "$C")"
ok "two builds at once: one builds, the other exits 29"

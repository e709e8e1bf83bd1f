#!/bin/bash
# The shape of the source tree (issue 15), checked by scripts/check-arch on
# the built objects: the module graph of src/ (includes, and symbols an
# object uses against the module defining them) has no cycle and no library
# module reaches up into the tools; no source file is over 1,500 lines, no
# function over 100; no library object prints, exits or keeps unguarded
# process-wide state; the tools call only exported functions. It prints the
# graph and the layers; a failure names the cycle and the includes/calls
# that make it.
. "$(dirname "$0")/lib.sh"
ls "$VZ_BUILD"/libvz-core.a.p/*.o >/dev/null 2>&1 || fail "no objects in $VZ_BUILD: build first"
out=$(python3 "$SRCDIR/scripts/check-arch" --build "$VZ_BUILD" 2>&1) || fail "scripts/check-arch:
$out"
echo "$out" | sed -n '/^layers/,$p'
# The checker must see a cycle and an oversized function when there is one:
# a copy of the tree with one of each planted.
cp -a "$SRCDIR/scripts" "$SRCDIR/src" "$SRCDIR/include" "$T/"
mkdir -p "$T/src/lib/basic"
{
        echo '#include "ctx.h"'
        echo 'void vz_arch_probe(void);'
        echo 'void vz_arch_probe(void)'
        echo '{'
        for i in $(seq 101); do echo "        (void)$i;"; done
        echo '}'
} >"$T/src/lib/basic/arch-probe.c"
out=$(python3 "$T/scripts/check-arch" --build "$VZ_BUILD" 2>&1) && fail "check-arch passed a planted cycle"
echo "$out" | grep -q 'cycle.*basic' || fail "check-arch did not name the planted cycle basic -> ctx -> basic: $out"
echo "$out" | grep -q 'function over 100 lines: src/lib/basic/arch-probe.c:[0-9]* vz_arch_probe()' ||
        fail "check-arch did not find the planted 104-line function: $out"
ok "check-arch: no cycle, no file over 1500 lines, no function over 100; catches a planted one"

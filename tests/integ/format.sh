#!/bin/bash
# One formatter config, applied (STYLE.md, issue 15): every C file of src/,
# include/ and tests/ is what clang-format makes of it with the tree's
# .clang-format. Prints the files that are not, with the first lines of the
# change clang-format would make.
. "$(dirname "$0")/lib.sh"
cd "$SRCDIR" || exit 1
command -v clang-format >/dev/null || fail "clang-format not installed (scripts/install-deps)"
bad="" n=0
while IFS= read -r f; do
        n=$((n + 1))
        if ! clang-format --style=file "$f" | cmp -s - "$f"; then
                bad+=" $f"
                clang-format --style=file "$f" | diff -u "$f" - | sed -n '3,12p' >&2
        fi
done < <(find src include tests -name '*.[ch]' | sort)
[ "$n" -gt 50 ] || fail "found only $n C files"
[ -z "$bad" ] || fail "not clang-format clean (run clang-format -i on them):$bad"
ok "$n C files are clang-format clean"

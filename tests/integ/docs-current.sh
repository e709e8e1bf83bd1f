#!/bin/bash
# The documentation says what the code does (issue 14): README's paths
# exist (it pointed at a missing doc/), its layout row names every layout;
# `vzctl --help` and vzctl.8 list every layout create accepts; vzlist.8 and
# the other man pages call nothing "not measured yet" that vzlist shows for
# a running CT.
. "$(dirname "$0")/lib.sh"
need_cache busybox
cd "$SRCDIR" || exit 1

# README: every repository path it names in backquotes exists.
bad=""
for p in $(grep -oE '`(doc|src|tests|bench|scripts|include|man|etc)(/[^` ]*)?`' README.md | tr -d '`' | sort -u); do
        [ -e "$p" ] || bad+=" $p"
done
[ -z "$bad" ] || fail "README names paths that do not exist:$bad"
grep -qE 'See `doc/?`' README.md && [ ! -d doc ] && fail "README points to doc/, which does not exist"
row=$(grep '^| `src/lib/storage`' README.md)
for l in simfs btrfs; do
        echo "$row" | grep -qw $l || fail "README layout row does not name $l: $row"
done
echo "$row" | grep -qwE 'ploop|image' || fail "README layout row does not name the image layout: $row"
echo "$row" | grep -q ' now' && fail "README layout row: $row"
ok "README: paths exist, the layout row names simfs, image and btrfs"

# Layouts create accepts: the parser's list (params.c parse_layout).
layouts=$(sed -n '/^static int parse_layout/,/^}/p' src/lib/config/params.c | grep -oE '"(simfs|ploop|btrfs|overlay)[^"]*"' | tr -d '"')
[ -n "$layouts" ] || fail "cannot read the layout list from params.c"
for l in $layouts; do
        case $l in
        *:*) ;; # ploop:expanded & co: the man page names them in the text
        *) vzctl --help 2>&1 | sed -n '/vzctl create/,/vzctl destroy/p' | grep -qE "layout [^]]*\b$l\b" ||
                   fail "vzctl --help: create does not list --layout $l"
           grep -E '^\.B create ' "$VZ_BUILD"/man/vzctl.8 | grep -qE "layout [^]]*\b$l\b" ||
                   fail "vzctl.8: create does not list --layout $l" ;;
        esac
        grep -qF -- "$l" "$VZ_BUILD"/man/vzctl.8 || fail "vzctl.8 does not name layout $l"
done
ok "vzctl --help and vzctl.8 list the layouts create accepts: $(echo $layouts)"

# Fields vzlist measures are not called "not measured" anywhere.
expect_rc 0 vzctl create 751 --ostemplate busybox
expect_rc 0 vzctl start 751
STARTED=751
claims=$(cat man/*.8 "$VZ_BUILD"/man/vzctl.8 | tr '\n' ' ' | grep -oiE '[^.]*not (measured|implemented)( yet)?[^.]*' || true)
if [ -n "$claims" ]; then
        for pair in held:physpages maxheld:physpages.m failcnt:physpages.f uptime:uptime \
                    "disk usage:diskspace" "numproc:numproc" "load average:laverage"; do
                word=${pair%%:*} field=${pair#*:}
                echo "$claims" | grep -qi "$word" || continue
                v=$(vzlist -H -o "$field" 751 | tr -d ' ')
                [ "$v" = - ] || fail "a man page says $word is not measured, but vzlist -o $field shows $v: $claims"
        done
fi
ok "no man page calls a field vzlist shows unmeasured"

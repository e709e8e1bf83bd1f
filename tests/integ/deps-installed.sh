#!/bin/bash
# Every external program the test suite and the product run is installed by
# scripts/install-deps on a fresh Debian 12, so `scripts/install-deps &&
# tests/run` works there (a fresh machine lacked `nft`: issue 14).
#
# The programs are read from the scripts' text: the words in command
# position (start of a line, after ; | & && || ( $( ` { ! then do else if
# while until, after wrappers such as timeout/env/setsid/xargs) outside
# single quotes, double-quoted strings and here-documents (those are data
# or commands run inside a CT), in tests/run, tests/integ/*.sh, the host
# scripts of tests/vm, scripts/* and the installed host service scripts;
# and from the C sources, the programs put first in an argv (arrays,
# argv[k++] =, exec*p("...")) and the program paths they #define. Then:
#   - a name `command -v` cannot find fails the test (missing), unless it
#     is a shell function of the scanned scripts, built by the tree, or a
#     busybox applet (run inside a busybox CT);
#   - a program found is mapped to its Debian package (dpkg -S), which must
#     be one install-deps (or get-criu, which it runs) installs, in their
#     dependency closure (Depends/Pre-Depends: install-deps uses
#     --no-install-recommends), or of Priority required (on every Debian
#     system). Not "important": minimal and container images of Debian 12
#     leave those out (the fresh machine of issue 14 had no nftables, which
#     is "important").
# INSTALL_DEPS=FILE checks another package list (this is how the test was
# shown to catch the missing nftables). Takes ~15 s, caches nothing.
. "$(dirname "$0")/lib.sh"
SECONDS=0
command -v dpkg-query >/dev/null && command -v apt-cache >/dev/null ||
        { echo "SKIP: not a Debian system (no dpkg-query/apt-cache)"; exit 77; }
INSTALL_DEPS=${INSTALL_DEPS:-$SRCDIR/scripts/install-deps}

# The packages install-deps installs: every `apt-get install` in it and in
# get-criu (which it runs; not its --download-only of the newer criu into
# its own prefix), continuation lines joined.
pkgs=$(cat "$INSTALL_DEPS" "$SRCDIR/scripts/get-criu" | sed -e ':a' -e '/\\$/{N;s/\\\n//;ba}' |
        grep -E '^[^#]*apt-get( [^ ]+)* install ' | grep -v -- --download-only |
        sed -E 's/.*apt-get( [^ ]+)* install //; s/[>|;&].*//' | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)
[ "$(echo "$pkgs" | wc -l)" -gt 10 ] || fail "cannot read the package list of $INSTALL_DEPS: $pkgs"
# Their closure by Depends/Pre-Depends as apt resolves it: a dependency a
# package of Priority required or one already taken satisfies is left, else
# the first alternative is taken (a virtual package: its first provider).
# shellcheck disable=SC2086
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances $pkgs 2>/dev/null |
        PKGS="$pkgs" REQUIRED="$(dpkg-query -W -f '${Package} ${Priority}\n' | awk '$2 == "required" {print $1}')" \
        python3 -c '
import os, re, sys
deps = {}   # package -> [group: [(name, virtual, [providers])]]
cur = grp = alt = None
for line in sys.stdin:
    line = line.rstrip("\n")
    if line and not line[0].isspace() and line[0] != "|":
        cur = re.sub(r":.*", "", line); deps.setdefault(cur, []); grp = None; continue
    m = re.match(r"^ ([ |])(?:Pre)?Depends: (<?)([^ >]+)>?$", line)
    if m and cur:
        alt = (m.group(3), m.group(2) == "<", [])
        if grp is None:
            grp = []; deps[cur].append(grp)
        grp.append(alt)
        if m.group(1) == " ":
            grp = None          # the last alternative of the group
        continue
    m = re.match(r"^    ([^ ]+)$", line)
    if m and alt:
        alt[2].append(re.sub(r":.*", "", m.group(1)))
        continue
    alt = None if not line.startswith("  ") else alt
taken = set(os.environ["REQUIRED"].split())
todo = list(os.environ["PKGS"].split())
while todo:
    p = todo.pop(0)
    if p in taken and p not in os.environ["PKGS"].split():
        continue
    taken.add(p)
    for g in deps.get(p, []):
        if any(n in taken or any(x in taken for x in prov) for n, v, prov in g):
            continue
        n, v, prov = g[0]
        pick = prov[0] if v and prov else n
        if pick not in taken:
            todo.append(pick)
for p in sorted(taken):
    print(p)
')
[ "$(echo "$closure" | wc -l)" -gt "$(echo "$pkgs" | wc -l)" ] || fail "apt-cache depends gave no closure"

# The scanned scripts: the suite's and the product's own.
scripts=("$SRCDIR/tests/run" "$SRCDIR"/tests/integ/*.sh "$SRCDIR"/tests/vm/guest-run "$SRCDIR"/tests/vm/run-v2-lane
         "$SRCDIR"/scripts/* "$SRCDIR/src/tools/vz-service" "$SRCDIR/etc/init.d/vz")

# Command words of shell scripts, one "FILE NAME" a line.
shell_commands() {
        python3 - "$@" <<'PY'
import re, sys

NAME = re.compile(r'[A-Za-z0-9_./+:@%=-]')
WRAPPERS = {'exec', 'command', 'nohup', 'setsid', 'time', 'nice', 'ionice', 'xargs', 'timeout',
            'env', 'sudo', 'stdbuf', 'taskset', 'builtin', 'chrt', 'flock', 'watch', 'strace'}
KEYWORDS_CMD = {'then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', '{', '}', 'in'}

def scan(path, text):
    out = []
    i, n = 0, len(text)
    at_cmd = True          # the next word is a command
    last_wrapper = None
    wrapper = False        # after a wrapper: options/durations/assignments skipped
    no_cmd_line = False    # after for/case/select/function/local...: no command until a separator
    pending_heredocs = []
    ctx = []               # stack: ')' for $( or ( ; '"' for double quotes; '`'
    case_pat = []          # per case depth: True while reading a pattern
    def push_word(w):
        nonlocal at_cmd, wrapper, no_cmd_line, last_wrapper
        if no_cmd_line:
            return
        if at_cmd:
            if re.match(r'^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=', w):
                return                       # assignment: a command may follow
            if wrapper and last_wrapper == 'command' and w in ('-v', '-V'):
                at_cmd = wrapper = False     # a lookup, not a run
                return
            if wrapper and (w.startswith('-') or re.match(r'^[0-9.]+[smhd]?$', w)):
                return
            at_cmd = False
            wrapper = False
            if w in ('for', 'select', 'case', 'function', 'local', 'declare', 'export', 'readonly',
                     'typeset', 'unset', 'read', 'let'):
                if w == 'case':
                    case_pat.append(None)   # the case word; 'in' starts the patterns
                no_cmd_line = True
                return
            if w in KEYWORDS_CMD:
                at_cmd = True
                return
            if re.match(r'^[A-Za-z0-9_/][A-Za-z0-9_.+/-]*$', w) and '@' not in w:
                out.append(w)
            if w in WRAPPERS:
                last_wrapper = w
                at_cmd = True
                wrapper = True
    def sep():
        nonlocal at_cmd, wrapper, no_cmd_line
        at_cmd, wrapper, no_cmd_line = True, False, False
    while i < n:
        c = text[i]
        top = ctx[-1] if ctx else None
        if top == '"':
            if c == '\\':
                i += 2; continue
            if c == '"':
                ctx.pop(); i += 1; continue
            if text.startswith('$((', i):
                j = text.find('))', i); i = n if j < 0 else j + 2; continue
            if text.startswith('$(', i):
                ctx.append(')'); sep(); i += 2; continue
            if c == '`':
                ctx.append('`'); sep(); i += 1; continue
            i += 1; continue
        # unquoted (top level, $( ), ( ) or ` `)
        if case_pat and case_pat[-1] is True:
            # a case pattern: skip to its ')'
            if text.startswith('esac', i) and (i + 4 >= n or not NAME.match(text[i + 4])):
                case_pat.pop(); i += 4; at_cmd = False; continue
            if c == ')':
                case_pat[-1] = False; sep(); i += 1; continue
            if c == '#' and (i == 0 or text[i - 1] in ' \t\n'):
                j = text.find('\n', i); i = n if j < 0 else j; continue
            i += 1; continue
        if c == '\\' and i + 1 < n:
            i += 2; continue
        if c == '#' and (i == 0 or text[i - 1] in ' \t\n;(|&'):
            j = text.find('\n', i); i = n if j < 0 else j; continue
        if c == "'":
            j = text.find("'", i + 1); i = n if j < 0 else j + 1; at_cmd = at_cmd and False; continue
        if c == '"':
            ctx.append('"'); at_cmd = False; i += 1; continue
        if c == '`':
            if top == '`':
                ctx.pop(); at_cmd = False
            else:
                ctx.append('`'); sep()
            i += 1; continue
        if text.startswith('$((', i) or text.startswith('((', i):
            j = text.find('))', i); i = n if j < 0 else j + 2; continue
        if text.startswith('$(', i):
            ctx.append(')'); sep(); i += 2; continue
        if c == '$':
            # $VAR, ${...}: part of a word, never a command name we can check
            m = re.match(r'\$(\{[^}]*\}|[A-Za-z0-9_@*#?$!-]+)?', text[i:])
            i += max(1, len(m.group(0))); at_cmd = wrapper = False; continue
        if c == '(':
            ctx.append(')'); sep(); i += 1; continue
        if c == ')':
            if ctx and ctx[-1] == ')':
                ctx.pop()
            at_cmd = False; i += 1; continue
        if text.startswith(';;', i):
            if case_pat:
                case_pat[-1] = True
            i += 2; sep(); continue
        if c == '\n':
            i += 1; sep()
            while pending_heredocs:
                d = pending_heredocs.pop(0)
                while i < n:
                    j = text.find('\n', i)
                    line = text[i:n if j < 0 else j]
                    i = n if j < 0 else j + 1
                    if line.strip() == d:
                        break
            continue
        if c in ';|&':
            i += 1; sep(); continue
        if text.startswith('<<', i) and not text.startswith('<<<', i):
            m = re.match(r'<<-?\s*([\'"]?)([A-Za-z_][A-Za-z0-9_]*)\1', text[i:])
            if m:
                pending_heredocs.append(m.group(2)); i += len(m.group(0)); continue
        if c in '<>':
            # a redirection: its target is not a command
            m = re.match(r'[0-9]*[<>]+&?-?[ \t]*[^\s;|&)"\'$(`]*', text[i:])
            i += len(m.group(0)); continue
        if c in ' \t':
            i += 1; continue
        m = re.match(r'[A-Za-z0-9_./+:@%=,\[\]{}!^~*?-]+', text[i:])
        if not m:
            i += 1; continue
        w = m.group(0)
        i += len(w)
        if i < n and text[i] in '"\'$':
            # the word goes on (quoted part, variable): not a plain name
            if at_cmd and not no_cmd_line and re.match(r'^[A-Za-z_][A-Za-z0-9_]*\+?=$', w):
                pass                      # VAR="...": still before the command
            else:
                at_cmd = False
            continue
        if case_pat and case_pat[-1] is None and w == 'in':
            case_pat[-1] = True; continue
        if w == 'in' and no_cmd_line:
            continue
        if w == 'do' or w == 'then':
            sep(); continue
        if text.startswith('()', i) and at_cmd:
            out.append('FUNC:' + w); at_cmd = False; continue
        push_word(w)
    return out

for path in sys.argv[1:]:
    try:
        text = open(path, encoding='utf-8', errors='replace').read()
    except OSError:
        continue
    if not path.endswith('.sh') and not re.match(r'#!.*\b(sh|bash)\b', text.split('\n', 1)[0]):
        continue
    for w in scan(path, text):
        print(path, w)
PY
}

# Programs the C sources run on the host: the first element of an argv (an
# array initializer, argv[k++] = at its start, exec*p's first argument, the
# ssh command vector's first push) and the program paths #defined (paths
# written inline, such as /sbin/init and /bin/sh, are the CT's).
c_commands() {
        grep -rhoE '(char \*(const )?[a-z_]*(argv|av|fsck)[a-z_]*\[\] = \{ *(\(char \*\))?"[a-z][a-z0-9._+-]*"|(argv|av)\[k\+\+\] = \(char \*\)"[a-z][a-z0-9._+-]*"|exec[lv]p\("[a-z][a-z0-9._+-]*"|vz_strv_push\(&m->ssh, "[a-z][a-z0-9._+-]*"|const char \*base\[\] = \{"[a-z][a-z0-9._+-]*")' \
                "$SRCDIR/src" --include='*.c' | sed -E 's/.*"([^"]+)"$/\1/; s/.*"([^"]+)".*/\1/'
        grep -rhoE '#define [A-Z_]+ +"/(usr/)?s?bin/[a-z0-9._+-]+"' "$SRCDIR/src" --include='*.c' | sed -E 's/.*"(.*)"/\1/'
}

# Names the C code runs only inside a CT (halt) or passes as an argument
# (criu's check); tests/vm/init.sh is not scanned: it runs in the test VM
# on busybox alone.
ct_only="halt check"
# Built by the tree (or by a test from tests/integ/tools).
built=$(ls "$VZ_BUILD/src/tools" "$VZ_BUILD/src/supervisor" 2>/dev/null; echo pktcount vz-service)
applets=$(/bin/busybox --list 2>/dev/null)
words=$(shell_commands "${scripts[@]}")
funcs=$(sed -n 's/^[^ ]* FUNC://p' <<<"$words" | sort -u)

# Resolve every name (python: a fork per name would take half a minute):
# skip what the shell or the tree provides, note what cannot be found
# ("missing NAME WHERE"), print the files of the rest ("found NAME WHERE
# FILE..."; for an alternative, the files of all its choices: one from an
# allowed package is enough).
export SRCDIR
resolved=$( { grep -v ' FUNC:' <<<"$words" | sort -u -k2,2; c_commands | sort -u | sed 's/^/src /'; } |
        FUNCS="$funcs" BUILT="$built" APPLETS="$applets" CT_ONLY="$ct_only" \
        SHELLWORDS="$(compgen -b; compgen -k)" python3 -c '
import os, shutil, sys
env = lambda k: set(os.environ.get(k, "").split())
skip = env("FUNCS") | env("BUILT") | env("SHELLWORDS") | env("CT_ONLY")
applets = env("APPLETS")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
src = os.environ["SRCDIR"] + "/"
seen = set()
for line in sys.stdin:
    where, name = line.split()
    where = where[len(src):] if where.startswith(src) else where
    if name in seen or name in skip:
        continue
    seen.add(name)
    p = name if name.startswith("/") else shutil.which(name, path=PATH)
    if not p or not os.path.exists(p):
        if name not in applets:
            print("missing", name, where)
        continue
    files = [p, os.path.realpath(p)]
    link = os.readlink(p) if os.path.islink(p) else ""
    if link.startswith("/etc/alternatives/"):
        alt = "/var/lib/dpkg/alternatives/" + link[len("/etc/alternatives/"):]
        try:
            files += [l.strip() for l in open(alt) if l.startswith("/")]
        except OSError:
            pass
    print("found", name, where, *sorted(set(files)))
')
missing="" unpackaged=""
declare -A where=() paths=()
while read -r kind name w rest; do
        case $kind in
        missing) missing+=" $name($w)" ;;
        found) where[$name]=$w paths[$name]=$rest ;;
        esac
done <<<"$resolved"
# criu: not from Debian (scripts/get-criu, run by install-deps).
[ -x /opt/vz-criu/bin/criu ] || command -v criu >/dev/null || missing+=" criu(scripts/get-criu)"

# One dpkg -S for all files (with and without the /usr prefix: Debian 12
# is merged-/usr, packages may list either), one dpkg-query for priorities.
declare -A owner=() prio=() inclosure=()
for pk in $closure; do inclosure[$pk]=1; done
allpaths=$(for n in "${!paths[@]}"; do for p in ${paths[$n]}; do echo "$p"; echo "${p#/usr}"; done; done | sort -u)
while IFS= read -r line; do
        p=${line##*: } pk=${line%%: *}
        [[ $line == diversion* ]] && continue
        owner[$p]=${pk//,/}
done < <(dpkg -S $allpaths 2>/dev/null)
while read -r pk pr; do prio[$pk]=$pr; done < <(dpkg-query -W -f '${Package} ${Priority}\n' 2>/dev/null)

checked=0 MISSING_PKGS=""
for n in "${!paths[@]}"; do
        ok=0 found=""
        for p in ${paths[$n]}; do
                for pk in ${owner[$p]:-} ${owner[${p#/usr}]:-}; do
                        pk=${pk%%:*}
                        found+=" $pk"
                        if [ -n "${inclosure[$pk]:-}" ]; then ok=1
                        else case ${prio[$pk]:-} in required) ok=1 ;; esac
                        fi
                done
        done
        if [ -z "$found" ]; then
                unpackaged+=" $n=${paths[$n]%% *}(${where[$n]})"
                continue
        fi
        checked=$((checked + 1))
        [ $ok = 1 ] && continue
        pk=${found# }; pk=${pk%% *}
        MISSING_PKGS+=" $pk"
        missing+=" $n(from $pk, priority ${prio[$pk]:-?}, ${where[$n]})"
done

echo "checked ${#paths[@]} programs ($checked from Debian packages) in $SECONDS s"
[ -z "$unpackaged" ] || fail "programs from no Debian package (installed by hand?):$unpackaged"
[ -z "$missing" ] || fail "not installed by scripts/install-deps:$missing${MISSING_PKGS:+ (add:$(echo $MISSING_PKGS | tr ' ' '\n' | sort -u | tr '\n' ' '))}"
ok "every program the suite and the product run comes from install-deps' packages or the base system"

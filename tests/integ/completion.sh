#!/bin/bash
# bash completion (etc/bash-completion/vz) under a real interactive bash:
# vzctl's subcommands and options, CTIDs and names of a test config dir,
# vzlist fields, vzpkg subcommands and caches, vztmpl-dl options.
. "$(dirname "$0")/lib.sh"

COMP=$SRCDIR/etc/bash-completion/vz
# Three CTs in the config dir (conf files are all completion looks at), one
# with a name, and a sample and a template cache that must not show as CTs.
for id in 101 102 1000; do printf 'OSTEMPLATE="busybox"\n' >"$VZ_CONFDIR/conf/$id.conf"; done
ln -s ../conf/101.conf "$VZ_CONFDIR/names/web1"
touch "$T/vz/template/cache/mytmpl.tar.gz"

# comp FUNC WORD...: the completions bash's FUNC gives with the cursor at
# the end of the last word, one per line, sorted.
comp() {
        local fn=$1; shift
        bash --norc --noprofile -i -c '
                source "$1" || exit 9
                fn=$2; shift 2
                complete -p vzctl vzlist vzpkg vztmpl-dl >/dev/null || exit 8
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
                COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$fn" "$@" 2>/dev/null | sed '/^$/d' | sort
}
has() { # has "<output>" word...: every word is a line of output
        local out=$1 w; shift
        for w; do printf '%s\n' "$out" | grep -qxF -- "$w" || fail "'$w' not completed; got: $(echo $out)"; done
}
is() { [ "$1" = "$(printf '%s\n' "${@:2}" | sort)" ] || fail "completions '$(echo $1)', want '${*:2}'"; }

out=$(comp _vzctl vzctl '')
has "$out" create destroy delete start stop restart status set exec exec2 enter console \
        mount umount chkpnt suspend restore resume snapshot snapshot-list convert compact runscript
is "$(comp _vzctl vzctl st)" start status stop
is "$(comp _vzctl vzctl --verbose sta)" start status
has "$(comp _vzctl vzctl --)" --quiet --verbose --skiplock --wait-lock --help --version
ok "vzctl subcommands and global options"

is "$(comp _vzctl vzctl start '')" 101 102 1000 web1
is "$(comp _vzctl vzctl --quiet exec 10)" 101 102 1000
is "$(comp _vzctl vzctl set w)" web1
ok "vzctl CTIDs and names from \$VZ_CONFDIR"

has "$(comp _vzctl vzctl start 101 --)" --wait --force --skip-fsck --skip-remount
is "$(comp _vzctl vzctl stop web1 --)" --fast --skip-umount
has "$(comp _vzctl vzctl set 101 --)" --save --ram --swap --cpuunits --ipadd --hostname --onboot --setmode
is "$(comp _vzctl vzctl set 101 --ra)" --ram
is "$(comp _vzctl vzctl set 101 --onboot '')" no yes
has "$(comp _vzctl vzctl create 103 --)" --ostemplate --config --layout --hostname --name
is "$(comp _vzctl vzctl create 103 --ostemplate '')" mytmpl
has "$(comp _vzctl vzctl create 103 --config '')" basic vswap-256m unlimited
is "$(comp _vzctl vzctl create 103 --layout p)" ploop
ok "vzctl options per subcommand and option values"

is "$(comp _vzlist vzlist '')" 101 102 1000 web1
has "$(comp _vzlist vzlist -)" -a -S -o -s -H -j -L --all --json --output --no-header
has "$(comp _vzlist vzlist -o '')" ctid hostname status
has "$(comp _vzlist vzlist -o ctid,ho)" ctid,hostname
has "$(comp _vzlist vzlist -s -ct)" -ctid
ok "vzlist CTIDs, options and fields"

is "$(comp _vzpkg vzpkg '')" create import list remove
is "$(comp _vzpkg vzpkg create '')" cache
is "$(comp _vzpkg vzpkg remove cache '')" mytmpl
has "$(comp _vzpkg vzpkg create cache '')" busybox
has "$(comp _vzpkg vzpkg import '')" oci: oci-archive: docker://
has "$(comp _vzpkg vzpkg create cache busybox --)" --force --mirror
has "$(comp _vztmpl_dl vztmpl-dl --list)" --list-local --list-remote --list-all --list-orphans
is "$(comp _vztmpl_dl vztmpl-dl --update my)" mytmpl
ok "vzpkg and vztmpl-dl"
exit 0

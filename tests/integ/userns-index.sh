#!/bin/bash
# User-namespace ranges come from an index (LOCKDIR/userns.idx) rather than
# a read of every config per create; it must never hand out a range another
# CT holds: after the index is removed (rebuilt), when a config it does not
# know appears (copied in by hand), and when a config is rewritten.
. "$(dirname "$0")/lib.sh"
need_cache busybox
uid() { sed -n 's/^LOCAL_UID="\{0,1\}\([0-9]*\)"\{0,1\}$/\1/p' $VZ_CONFDIR/conf/$1.conf; }
distinct() {
        local all n
        all=$(for id in "$@"; do uid $id; done)
        n=$(echo "$all" | sort -u | grep -c .)
        [ "$n" = $# ] || fail "ranges not distinct: $(echo $all)"
}
for id in 850 851; do expect_rc 0 vzctl create $id --ostemplate busybox; done
[ -s $T/vz/lock/userns.idx ] || fail "no index written"
distinct 850 851
ok "index written, distinct ranges"

rm $T/vz/lock/userns.idx
expect_rc 0 vzctl create 852 --ostemplate busybox
distinct 850 851 852
ok "rebuilt when missing"

# a config copied in by hand, with a range the index has never seen: the
# next free one after 852's
next=$(( $(uid 852) + 65536 ))
sed "s/^LOCAL_UID=.*/LOCAL_UID=\"$next\"/;s/^LOCAL_GID=.*/LOCAL_GID=\"$next\"/" \
        $VZ_CONFDIR/conf/851.conf > $VZ_CONFDIR/conf/.853.tmp
mv $VZ_CONFDIR/conf/.853.tmp $VZ_CONFDIR/conf/853.conf
expect_rc 0 vzctl create 854 --ostemplate busybox
distinct 850 851 852 853 854
ok "unknown config seen"

# a config rewritten (new inode) with another range: re-read
next=$(( $(uid 854) + 65536 ))
sed -i "s/^LOCAL_UID=.*/LOCAL_UID=\"$next\"/;s/^LOCAL_GID=.*/LOCAL_GID=\"$next\"/" \
        $VZ_CONFDIR/conf/850.conf
expect_rc 0 vzctl create 855 --ostemplate busybox
distinct 850 851 852 853 854 855
ok "rewritten config re-read"
rm $VZ_CONFDIR/conf/853.conf
for id in 850 851 852 854 855; do expect_rc 0 vzctl destroy $id; done

#!/bin/bash
# The overlay layout: a template cache unpacked once into a shared lower
# layer, each CT an overlayfs upper over it. Create is near-instant (nothing
# copied), identical files are one inode and one page cache for all CTs, a
# CT's writes land in its own upper (never in the lower, never in another
# CT), the CT's root can change template files (chown, rm, rename, mkdir),
# a rebuilt cache gets a new lower while existing CTs keep theirs, a cache in
# use cannot be removed, destroy leaves nothing, convert to and from simfs.
. "$(dirname "$0")/lib.sh"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || { echo "SKIP: no overlayfs in this kernel"; exit 77; }
need_cache busybox
STARTED="101 102 103"
P=$T/vz/private R=$T/vz/root L=$T/vz/template/cache-unpacked
ms() { echo "($EPOCHREALTIME - $1) * 1000 / 1" | bc; }
# A cache file of our own (not the shared test cache): it is "rebuilt" below.
c=$(readlink -f $T/vz/template/cache/busybox.tar*)
rm -f $T/vz/template/cache/busybox.tar*
cp "$c" $T/vz/template/cache/
cache=$T/vz/template/cache/$(basename "$c")

expect_rc 0 vzctl create 101 --ostemplate busybox --layout overlay
s=$EPOCHREALTIME
expect_rc 0 vzctl create 102 --ostemplate busybox --layout overlay
t=$(ms $s)
echo "second create: $t ms"
[ "$t" -lt 2000 ] || fail "create took $t ms"
grep -qx 'VE_LAYOUT="overlay"' $VZ_CONFDIR/conf/102.conf || fail "layout not saved"
[ "$(ls -d $L/busybox.tar*@* | grep -vc users)" = 1 ] || fail "lower unpacked twice: $(ls $L)"
lower=$(ls -d $L/busybox.tar*@* | grep -v users)
[ "$(readlink $P/101/lower)" = "$lower" ] && [ "$(readlink $P/102/lower)" = "$lower" ] ||
        fail "CTs not on the one lower"
[ -z "$(ls -A $P/102/upper)" ] || fail "a new CT's upper is not empty: $(ls -A $P/102/upper)"
[ "$(stat -c %a $L)" = 700 ] || fail "$L is not 0700"
ok "create: one shared lower, an empty upper, nothing copied"

# one page cache: with nothing running (nothing maps busybox), the lower's
# cache is dropped, read through CT 101's overlay, and is then the lower's
expect_rc 0 vzctl mount 101
expect_rc 0 vzctl mount 102
dd if=$lower/bin/busybox iflag=nocache count=0 status=none
before=$(fincore -n -o PAGES $lower/bin/busybox)
cat $R/101/bin/busybox > /dev/null
after=$(fincore -n -o PAGES $lower/bin/busybox)
echo "lower busybox pages cached: $before before, $after after a read through CT 101's root"
[ "$after" -gt "$before" ] && [ "$after" -gt 400 ] || fail "the read did not fill the lower's page cache"
expect_rc 0 vzctl umount 101
expect_rc 0 vzctl umount 102
expect_rc 0 vzctl start 101
expect_rc 0 vzctl start 102
[ "$(findmnt -n -o FSTYPE $R/101)" = overlay ] || fail "VE_ROOT is not an overlay"
findmnt -n -o OPTIONS $R/101 | grep -qw nosuid || fail "host view of VE_ROOT is not nosuid"
base=$(sed -n 's/^LOCAL_UID="\?\([0-9]*\)"\?/\1/p' $VZ_CONFDIR/conf/101.conf)
[ "$(stat -c %u $R/101/bin/busybox)" = "$base" ] || fail "VE_ROOT does not show the CT's IDs ($base)"
# the same inode in both CTs and in the lower
i0=$(stat -c %i $lower/bin/busybox)
i1=$(vzctl exec 101 stat -c %i /bin/busybox) i2=$(vzctl exec 102 stat -c %i /bin/busybox)
[ "$i1" = "$i0" ] && [ "$i2" = "$i0" ] || fail "busybox inodes: lower $i0, CTs $i1 $i2"
ok "template files are the lower's inodes and page cache in every CT"

# writes: the CT's root changes template files; they land in its upper only
sum=$(cd $lower && find . -xdev -type f | sort | xargs sha256sum | sha256sum)
expect_rc 0 vzctl exec 101 'echo new > /root/new; echo extra >> /etc/passwd; rm /bin/ls;
        chown 5:5 /etc/group; mkdir /etc/newdir; mv /etc/init.d /etc/init.moved;
        chmod 4755 /bin/busybox; echo ok'
[ "$(cat $P/101/upper/root/new)" = new ] || fail "CT write not in its upper"
[ "$(stat -c %u $P/101/upper/root/new)" = 0 ] || fail "upper does not store 0-based IDs"
[ "$(stat -c %u:%g $P/101/upper/etc/group)" = 5:5 ] || fail "chown in the CT not stored"
[ "$(cd $lower && find . -xdev -type f | sort | xargs sha256sum | sha256sum)" = "$sum" ] ||
        fail "the CT changed the lower"
[ -z "$(find $lower -newer $P/102/upper)" ] || fail "lower changed: $(find $lower -newer $P/102/upper)"
[ "$(stat -c %a $lower/bin/busybox)" = 755 ] || fail "chmod reached the lower"
expect_rc 0 vzctl exec 102 'grep -c extra /etc/passwd; ls /bin/ls /etc/init.d'
[ "$(echo "$LAST_OUT" | head -1)" = 0 ] || fail "CT 102 sees CT 101's change: $LAST_OUT"
expect_rc 1 vzctl exec2 102 'ls /etc/newdir || ls /root/new || exit 1'
expect_rc 0 vzctl exec 101 'ls /bin/ls 2>/dev/null && exit 1; ls /etc/init.moved >/dev/null; cat /root/new'
ok "a CT's writes land in its upper: not in the lower, not in the other CT"

# restart keeps the changes
expect_rc 0 vzctl restart 101
expect_rc 0 vzctl exec 101 'cat /root/new; ls -n /etc/group'
echo "$LAST_OUT" | grep -q "^new" && echo "$LAST_OUT" | grep -q " 5 *5 " ||
        fail "changes lost over restart: $LAST_OUT"
ok "changes persist over a restart"

# a cache in use cannot be removed
expect_rc 3 vzpkg remove cache busybox
[ -e "$cache" ] && [ -d "$lower" ] || fail "cache or lower removed while in use"
ok "vzpkg remove cache refuses a cache overlay CTs use"

# a rebuilt cache: new CTs get a new lower, the old CTs keep theirs
touch -d '2001-01-01' "$cache"
expect_rc 0 vzctl create 103 --ostemplate busybox --layout overlay
lower3=$(readlink $P/103/lower)
[ "$lower3" != "$lower" ] && [ -d "$lower3" ] || fail "no new lower for the rebuilt cache"
[ "$(readlink $P/101/lower)" = "$lower" ] || fail "CT 101 moved to the new lower"
expect_rc 0 vzctl exec 101 'cat /root/new'
ok "a template update does not change existing CTs"

expect_rc 0 vzctl stop 102
expect_rc 0 vzctl destroy 102
[ ! -e $P/102 ] && [ ! -e $L/$(basename $lower).users/102 ] || fail "destroy left $P/102 or its entry"
[ -d "$lower" ] || fail "old lower removed while CT 101 uses it"
ok "destroy removes the CT's upper; the lower stays for its other users"

# convert overlay -> simfs -> overlay
expect_rc 0 vzctl stop 101
expect_rc 0 vzctl convert 101 --layout simfs
[ ! -e $P/101/lower ] && [ "$(cat $P/101/root/new)" = new ] && [ ! -e $P/101/bin/ls ] &&
        [ -e $P/101/bin/busybox ] || fail "convert to simfs: $(ls $P/101)"
grep -qx 'VE_LAYOUT="simfs"' $VZ_CONFDIR/conf/101.conf || fail "layout not saved"
[ ! -e "$lower" ] || fail "old lower kept after its last user left (its cache was rebuilt)"
expect_rc 0 vzctl start 101
expect_rc 0 vzctl exec 101 'cat /root/new; grep -c extra /etc/passwd'
expect_rc 0 vzctl stop 101
ok "convert to simfs: the merged tree, whiteouts applied; unused old lower removed"
expect_rc 0 vzctl convert 101 --layout overlay
[ "$(readlink $P/101/lower)" = "$lower3" ] || fail "converted CT not on the current lower"
n=$(find $P/101/upper ! -type d | wc -l) nl=$(find $lower3 ! -type d | wc -l)
echo "entries in the upper after convert to overlay: $n (the template has $nl)"
[ -e $P/101/upper/root/new ] && [ $((n * 4)) -lt "$nl" ] ||
        fail "convert to overlay copied template files: $(find $P/101/upper ! -type d | head)"
expect_rc 0 vzctl start 101
expect_rc 0 vzctl exec 101 'cat /root/new; ls /bin/ls 2>/dev/null && exit 1; echo fine'
ok "convert to overlay: only what differs from the template is in the upper"

# checkpoint and restore (if a working criu is there): the restored CT's root
# is its overlay again
for c in "$(command -v criu 2>/dev/null)" /opt/vz-criu/bin/criu; do
        [ -n "$c" ] && [ -x "$c" ] && "$c" check >/dev/null 2>&1 && { echo "CRIU=$c" >> $VZ_CONFDIR/vz.conf; break; }
done
if grep -q '^CRIU=' $VZ_CONFDIR/vz.conf; then
        expect_rc 0 vzctl chkpnt 101
        expect_rc 0 vzctl restore 101
        expect_rc 0 vzctl exec 101 'cat /root/new; echo restored > /root/r; cat /root/r'
        [ "$(cat $P/101/upper/root/r)" = restored ] || fail "restored CT does not write to its upper"
        ok "checkpoint and restore of an overlay CT"
else
        echo "no working criu: checkpoint of an overlay CT not tested"
fi

expect_rc 0 vzctl stop 101
expect_rc 0 vzctl destroy 101
expect_rc 0 vzctl destroy 103
[ -z "$(ls -A $P)" ] || fail "left in private: $(ls -A $P)"
[ -z "$(ls $L/*.users 2>/dev/null)" ] || fail "user entries left: $(ls $L/*.users)"
[ -z "$(ls $R)" ] || fail "left in root: $(ls $R)"
expect_rc 0 vzpkg remove cache busybox
[ -z "$(ls $L)" ] || fail "lower left after its cache was removed: $(ls $L)"
ok "destroy leaves nothing; removing the unused cache removes its lower"

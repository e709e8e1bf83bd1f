#!/bin/bash
# The pacman path of template metadata: the test makes two pacman packages
# (.pkg.tar.zst with a .PKGINFO, by bsdtar: a static busybox system with
# /sbin/init, and a command that depends on it), a local repository
# (repo-add) and metadata pointing pacman at it over file://, with a
# pre-install script (run by busybox in the still empty root) and a
# post-install script. vzpkg create cache runs the real pacman -r; a CT
# created from the cache starts and runs the command.
. "$(dirname "$0")/lib.sh"
for t in pacman repo-add bsdtar; do
        command -v $t >/dev/null || { echo "SKIP: $t not installed (scripts/install-deps)"; exit 77; }
done
[ -x /bin/busybox ] || { echo "SKIP: no /bin/busybox (busybox-static)"; exit 77; }
NAME=vztarch-x86_64
. "$(dirname "$0")/template-lib.sh"

B=$T/pkgsrc
mkdir -p $B/vzt-base/bin $B/vzt-base/sbin $B/vzt-base/etc $B/vzt-base/root $B/vzt-base/tmp $B/vzt-base/var/log \
         $B/vzt-base/proc $B/vzt-base/sys $B/vzt-base/dev $B/vzt-base/run $B/vzt-hello/usr/bin
cp /bin/busybox $B/vzt-base/bin/busybox
ln -s busybox $B/vzt-base/bin/sh
ln -s ../bin/busybox $B/vzt-base/sbin/init
make_base_etc $B/vzt-base/etc
printf '#!/bin/sh\necho "hello from pacman"\n' > $B/vzt-hello/usr/bin/vzt-hello
chmod 755 $B/vzt-hello/usr/bin/vzt-hello
mkpkg() { # name depends
        local n=$1 dep=$2 d=$B/$1
        cat > $d/.PKGINFO <<INFO
pkgname = $n
pkgbase = $n
pkgver = 1.0-1
pkgdesc = vz test package $n
builddate = $(date +%s)
packager = vz tests
size = $(du -sb $d | cut -f1)
arch = x86_64
license = GPL
${dep:+depend = $dep}
INFO
        (cd $d && bsdtar --zstd -cf $T/pacrepo/$n-1.0-1-x86_64.pkg.tar.zst .PKGINFO $(ls)) ||
                fail "bsdtar $n"
}
mkdir -p $T/pacrepo
mkpkg vzt-base ""
mkpkg vzt-hello vzt-base
repo-add -q $T/pacrepo/vzt.db.tar.gz $T/pacrepo/*.pkg.tar.zst >$T/repo-add.log 2>&1 ||
        { cat $T/repo-add.log; fail "repo-add"; }
ok "local pacman repository: $(cd $T/pacrepo && ls *.pkg.tar.zst | tr '\n' ' ')"

M=$VZ_CONFDIR/templates/$NAME
mkdir -p $M
cat > $M/template.conf <<CONF
BUILDER=pacman
DISTRIBUTION=vztarch
ARCH=x86_64
GPGCHECK=no
DESCRIPTION="vz test: busybox system from pacman packages"
CONF
echo vzt-hello > $M/packages
echo "vzt file://$T/pacrepo" > $M/repositories
cat > $M/pre-install <<'SH'
# The root is empty: busybox's sh runs it. No symlinks may be left.
set -e
mkdir -p /etc/vzt.d
echo "pre-install ran" > /etc/vzt.d/pre
[ -z "$(ls /bin 2>/dev/null)" ] && echo empty > /etc/vzt.d/root-was
SH
cat > $M/post-install <<'SH'
set -e
test -x /usr/bin/vzt-hello
echo "post-install ran in $VZ_OSTEMPLATE" > /etc/vzt.d/post
SH

expect_rc 0 vzpkg create cache $NAME
ls $T/vz/template/cache/$NAME.tar.* >/dev/null || fail "no cache"
ls -A $T/vz/template/cache | grep -q '^\.' && fail "leftovers in cache dir: $(ls -A $T/vz/template/cache)"
ok "vzpkg create cache $NAME with pacman"
check_host_clean

expect_rc 0 vzctl create 202 --ostemplate $NAME
P=$T/vz/private/202
[ -x $P/usr/bin/vzt-hello ] || fail "vzt-hello not installed"
[ -d $P/var/lib/pacman/local/vzt-base-1.0-1 ] || fail "no pacman database for vzt-base"
[ "$(cat $P/etc/vzt.d/pre)" = "pre-install ran" ] || fail "pre-install did not run"
[ "$(cat $P/etc/vzt.d/root-was)" = empty ] || fail "pre-install did not run in an empty root"
[ "$(cat $P/etc/vzt.d/post)" = "post-install ran in $NAME" ] || fail "post-install: $(cat $P/etc/vzt.d/post)"
ok "cache content (packages, pacman db, pre- and post-install)"

STARTED=202
expect_rc 0 vzctl start 202
expect_rc 0 vzctl exec 202 vzt-hello
[ "$LAST_OUT" = "hello from pacman" ] || fail "vzt-hello printed: $LAST_OUT"
expect_rc 0 vzctl stop 202
STARTED=
ok "a CT from the pacman-built cache starts and runs the packaged command"

# A pre-install that leaves a symlink (which the package manager, running
# on the host side, would follow) fails the build.
echo 'ln -s /etc /etc/vzt.d/hostetc' >> $M/pre-install
expect_rc 79 vzpkg create cache $NAME --force
echo "$LAST_OUT" | grep -q "pre-install script left /etc/vzt.d/hostetc" || fail "unclear message: $LAST_OUT"
echo "  $LAST_OUT"
ls -A $T/vz/template/cache | grep -q '^\.' && fail "leftovers in cache dir: $(ls -A $T/vz/template/cache)"
ok "a symlink left by pre-install is refused"
check_host_clean
exit 0

#!/bin/bash
# The dnf path of template metadata: the test makes two RPM packages (a
# static busybox system with /sbin/init, and a command that needs it), a
# local repository (createrepo_c) and metadata pointing dnf at it over
# file://; vzpkg create cache runs the real dnf --installroot and the
# post-install script; a CT created from the cache starts and runs the
# command.
. "$(dirname "$0")/lib.sh"
for t in dnf rpmbuild createrepo_c; do
        command -v $t >/dev/null || { echo "SKIP: $t not installed (scripts/install-deps)"; exit 77; }
done
[ -x /bin/busybox ] || { echo "SKIP: no /bin/busybox (busybox-static)"; exit 77; }
NAME=vzt-1-x86_64
. "$(dirname "$0")/template-lib.sh"

# Package trees.
B=$T/pkgsrc
mkdir -p $B/base/bin $B/base/sbin $B/base/etc/init.d $B/base/root $B/base/tmp $B/base/var/log \
         $B/base/proc $B/base/sys $B/base/dev $B/base/run $B/hello/usr/bin
cp /bin/busybox $B/base/bin/busybox
ln -s busybox $B/base/bin/sh
ln -s ../bin/busybox $B/base/sbin/init
make_base_etc $B/base/etc
printf '#!/bin/sh\necho "hello from rpm"\n' > $B/hello/usr/bin/vzt-hello
chmod 755 $B/hello/usr/bin/vzt-hello

mkspec() { # name requires dirs...
        local n=$1 req=$2; shift 2
        cat <<SPEC
Name: $n
Version: 1.0
Release: 1
Summary: vz test package $n
License: GPL-2.0
BuildArch: x86_64
AutoReqProv: no
${req:+Requires: $req}
%define debug_package %{nil}
%define __os_install_post %{nil}
%description
vz test package.
%install
cp -a $B/$n/. %{buildroot}/
%files
$(for d in "$@"; do echo "$d"; done)
SPEC
}
mkdir -p $T/rpm/SPECS
mkspec base "" /bin /sbin /etc /root /tmp /var /proc /sys /dev /run > $T/rpm/SPECS/base.spec
sed -i 's/^Name: base/Name: vzt-base/' $T/rpm/SPECS/base.spec
mkspec hello vzt-base /usr/bin/vzt-hello > $T/rpm/SPECS/hello.spec
sed -i 's/^Name: hello/Name: vzt-hello/' $T/rpm/SPECS/hello.spec
for s in base hello; do
        rpmbuild -bb --quiet --define "_topdir $T/rpm" $T/rpm/SPECS/$s.spec >$T/rpmbuild.log 2>&1 ||
                { cat $T/rpmbuild.log; fail "rpmbuild $s"; }
done
mkdir -p $T/repo
cp $T/rpm/RPMS/x86_64/*.rpm $T/repo/
createrepo_c -q $T/repo || fail "createrepo_c"
ok "local RPM repository: $(cd $T/repo && ls *.rpm | tr '\n' ' ')"

M=$VZ_CONFDIR/templates/$NAME
mkdir -p $M
cat > $M/template.conf <<CONF
# a test template: dnf from a local repository
BUILDER=dnf
DISTRIBUTION=vzt
RELEASE=1
ARCH=x86_64
GPGCHECK=no
RPM_DBPATH=/var/lib/rpm
DESCRIPTION="vz test: busybox system from RPMs"
CONF
echo vzt-hello > $M/packages
echo "local file://$T/repo" > $M/repositories
cat > $M/post-install <<'SH'
set -e
echo "post-install ran" > /etc/vzt-post
id -u > /etc/vzt-uid
hostname > /etc/vzt-hostname
touch /tmp/vzt-tmp-leftover
SH

expect_rc 0 vzpkg list
echo "$LAST_OUT" | grep -qx "$NAME" || fail "vzpkg list does not show $NAME: $LAST_OUT"
expect_rc 0 vzpkg create cache $NAME
C=$(ls $T/vz/template/cache/$NAME.tar.*) || fail "no cache"
ls -a $T/vz/template/cache | grep -q '^\.vzpkg' && fail "work dir left behind"
expect_rc 0 vzpkg list -c
echo "$LAST_OUT" | grep -qx "$NAME" || fail "vzpkg list -c: $LAST_OUT"
ok "vzpkg create cache $NAME with dnf"

check_host_clean
expect_rc 0 vzctl create 201 --ostemplate $NAME --hostname rpm.example.com
P=$T/vz/private/201
[ -x $P/usr/bin/vzt-hello ] || fail "vzt-hello not installed"
[ -x $P/bin/busybox ] || fail "dependency vzt-base not installed"
[ -d $P/var/lib/rpm ] && [ -n "$(ls $P/var/lib/rpm)" ] || fail "no rpm database in /var/lib/rpm"
[ "$(cat $P/etc/vzt-post)" = "post-install ran" ] || fail "post-install did not run"
[ "$(cat $P/etc/vzt-uid)" = 0 ] || fail "post-install not root in the sandbox"
[ "$(cat $P/etc/vzt-hostname)" = localhost ] || fail "post-install saw hostname $(cat $P/etc/vzt-hostname)"
[ -e $P/tmp/vzt-tmp-leftover ] && fail "the script's /tmp was packed"
[ -d $P/var/cache/dnf ] && fail "dnf cache packed"
grep -q '^root:!' $P/etc/shadow || fail "root password not locked"
ok "cache content (packages, rpmdb, post-install in the sandbox, cleaned)"

STARTED=201
expect_rc 0 vzctl start 201
expect_rc 0 vzctl exec 201 vzt-hello
[ "$LAST_OUT" = "hello from rpm" ] || fail "vzt-hello printed: $LAST_OUT"
expect_rc 0 vzctl exec 201 'cat /proc/1/comm'
[ "$LAST_OUT" = init ] || fail "PID 1 is $LAST_OUT"
expect_rc 0 vzctl stop 201
STARTED=
ok "a CT from the dnf-built cache starts and runs the packaged command"

# GPGCHECK=yes with a key, against unsigned packages: dnf refuses them,
# the build fails with its message and leaves nothing.
sed -i 's/^GPGCHECK=no/GPGCHECK=yes\nGPGKEY=test.asc/' $M/template.conf
mkdir -p $M/keys
echo "not really a key" > $M/keys/test.asc
expect_rc 3 vzpkg create cache $NAME --force
echo "$LAST_OUT" | grep -q "dnf failed" || fail "unclear message: $LAST_OUT"
ls -A $T/vz/template/cache | grep -q '^\.' && fail "leftovers in cache dir: $(ls -A $T/vz/template/cache)"
[ -f "$C" ] || fail "the old cache went away"
echo "  $LAST_OUT"
ok "unsigned packages refused with GPGCHECK=yes"
check_host_clean
exit 0

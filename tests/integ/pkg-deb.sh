#!/bin/bash
# The Debian package: built from a copy of the tree (dpkg-buildpackage -us
# -uc -b), lintian reports no error, then installed with apt-get into a
# throwaway Debian 12 root (the minimal template cache unpacked under the
# test tree, never this machine's /usr or /etc), where the tools, the
# template library, man pages, completion and the service links work; then
# purged, leaving none of its files. apt in the root works offline: it
# reads this machine's package lists and downloaded .debs (bound read-only)
# and, for dependencies installed here but not downloaded, packages remade
# from this machine's installation with dpkg-repack.
# PKG_DEB=FILE skips the build and tests FILE (for development).
. "$(dirname "$0")/lib.sh"

for t in dpkg-buildpackage lintian dpkg-repack unshare rsync; do
        command -v $t >/dev/null || { echo "SKIP: needs $t (scripts/install-deps)"; exit 77; }
done
UNPACK=$VZ_BUILD/tests/unit/template/vz-tmpl-unpack
[ -x "$UNPACK" ] || { echo "SKIP: $UNPACK not built"; exit 77; }

# What this machine has, to check it is the same at the end.
host_state() {
        dpkg-query -W -f '${Package} ${Version} ${Status}\n' vz 2>/dev/null
        ls -la /usr/sbin/vz* /etc/vz 2>/dev/null | sha256sum
        sha256sum /usr/sbin/vzctl /etc/vz/vz.conf 2>/dev/null
        ls -la /etc/systemd/system/multi-user.target.wants/ 2>/dev/null | sha256sum
}
before=$(host_state)

# 1. Build.
if [ -n "${PKG_DEB:-}" ]; then
        DEB=$PKG_DEB
else
        mkdir -p "$T/src/vz"
        rsync -a --exclude /build --exclude '/build-*' --exclude /.git --exclude /obj-* \
                --exclude /debian/vz --exclude /debian/.debhelper "$SRCDIR/" "$T/src/vz/"
        (cd "$T/src/vz" && dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 ||
                fail "dpkg-buildpackage failed: $(tail -n 30 "$T/build.log")"
        DEB=$(ls "$T"/src/vz_*_*.deb | grep -v dbgsym | head -n1)
fi
[ -f "$DEB" ] || fail "no package built"
ok "built $(basename "$DEB")"

# 2. lintian: no errors (warnings are listed).
lintian --tag-display-limit 0 "$DEB" >"$T/lintian.log" 2>&1
grep '^E:' "$T/lintian.log" && fail "lintian errors (above)"
grep '^W:' "$T/lintian.log" | sed 's/^/  lintian /'
ok "lintian: no errors, $(grep -c '^W:' "$T/lintian.log") warnings"

# 3. A Debian 12 root to install into.
need_cache debian-12-x86_64-minimal
R=$T/root
mkdir -p "$R"
"$UNPACK" "$(readlink -f "$T"/vz/template/cache/debian-12-x86_64-minimal.tar.*)" "$R" >/dev/null ||
        fail "cannot unpack the Debian cache"
mkdir -p "$R/tmp/pkg" "$R/mnt/archives" "$R/mnt/lists" "$R/mnt/apt"
cp "$DEB" "$R/tmp/pkg/"
# Maintainer scripts must not start services in the root.
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"

# inroot CMD...: run in the root, in a private mount namespace with /proc
# and this machine's apt lists, sources and .debs bound read-only (at
# /mnt/archives, /mnt/lists, /mnt/apt).
inroot() {
        unshare -m --propagation private sh -c '
                R=$1; shift
                mount -t proc proc "$R/proc" &&
                for b in /var/cache/apt/archives:archives /var/lib/apt/lists:lists /etc/apt:apt; do
                        mount --bind "${b%%:*}" "$R/mnt/${b##*:}" &&
                        mount -o remount,bind,ro "$R/mnt/${b##*:}" || exit 99
                done &&
                exec chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
                        DEBIAN_FRONTEND=noninteractive "$@"' _ "$R" "$@"
}
# apt with this machine's lists and sources: only to work out what vz needs.
HOSTAPT=(apt-get -q -y -o Debug::NoLocking=1 -o Dir::Cache::Archives=/mnt/archives/
     -o Dir::State::Lists=/mnt/lists/ -o Dir::Etc::SourceList=/mnt/apt/sources.list
     -o Dir::Etc::SourceParts=/mnt/apt/sources.list.d/ -o Dir::Etc::Trusted=/mnt/apt/trusted.gpg
     -o Dir::Etc::TrustedParts=/mnt/apt/trusted.gpg.d/ --no-install-recommends)
# apt with only a local repository in the root (file:/tmp/repo).
APT=(apt-get -q -y -o Dir::Etc::SourceList=/tmp/repo/sources.list
     -o Dir::Etc::SourceParts=/tmp/repo/parts/ -o Dir::State::Lists=/tmp/repo/lists/
     -o Dpkg::Use-Pty=0 --no-install-recommends)

# The dependencies vz needs that the root lacks go into a local repository:
# the .deb this machine downloaded, or for what came with this machine's
# image, the installed package remade with dpkg-repack.
inroot "${HOSTAPT[@]}" -s install "/tmp/pkg/$(basename "$DEB")" >"$T/sim.log" 2>&1 ||
        fail "apt-get -s install: $(tail -n 20 "$T/sim.log")"
mkdir -p "$R/tmp/repo/parts" "$R/tmp/repo/lists/partial"
echo 'deb [trusted=yes] file:/tmp/repo ./' >"$R/tmp/repo/sources.list"
grep '^Inst ' "$T/sim.log" | grep -v '^Inst vz ' | while read -r _ pkg ver _; do
        ver=${ver#(}
        f=$(ls /var/cache/apt/archives/"${pkg}_${ver//:/%3a}"_*.deb 2>/dev/null | head -n1)
        if [ -n "$f" ]; then
                cp "$f" "$R/tmp/repo/"
                continue
        fi
        dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
                fail "dependency $pkg $ver: neither downloaded nor installed here"
        (cd "$R/tmp/repo" && dpkg-repack "$pkg" >/dev/null 2>&1) || fail "dpkg-repack $pkg"
        echo "  $pkg: remade with dpkg-repack"
done || exit 1
(cd "$R/tmp/repo" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null) ||
        fail "dpkg-scanpackages"
inroot "${APT[@]}" update >"$T/update.log" 2>&1 || fail "apt-get update (local): $(tail -n 20 "$T/update.log")"

# 4. Install.
inroot "${APT[@]}" install "/tmp/pkg/$(basename "$DEB")" >"$T/install.log" 2>&1 ||
        fail "apt-get install: $(tail -n 30 "$T/install.log")"
inroot dpkg-query -W -f '${Status}\n' vz | grep -q 'install ok installed' || fail "vz not installed"
ok "installed with apt-get ($(ls "$R"/tmp/repo/*.deb | wc -l) dependencies from a local repository)"

inroot dpkg -L vz >"$T/files"
out=$(inroot vzctl --version) || fail "vzctl --version: $out"
echo "$out" | grep -q '^vzctl version ' || fail "vzctl --version: $out"
for t in vzlist vzpkg vztmpl-dl vzmigrate vzubc vzsplit vzmemcheck vzcpucheck vzcalc vzpid vzcfgvalidate; do
        inroot $t --help >/dev/null 2>&1 || fail "$t --help fails in the root"
done
[ -x "$R/usr/libexec/vz/vz-supervisor" ] && [ -x "$R/usr/libexec/vz/vz-service" ] || fail "no supervisor/service"
# The template library loads from its installed place (an import of
# something that is not an image layout gets that far).
out=$(inroot vzpkg import oci:/etc x 2>&1); rc=$?
[ $rc = 47 ] && echo "$out" | grep -q "not an OCI image layout" || fail "vzpkg import in the root ($rc): $out"
out=$(inroot vztmpl-dl --list-local 2>&1) || fail "vztmpl-dl --list-local: $out"
for f in /etc/vz/vz.conf /etc/vz/download.conf /etc/vz/conf/ve-basic.conf-sample /etc/init.d/vz \
         /lib/systemd/system/vz.service /usr/share/man/man8/vzctl.8.gz \
         /usr/share/man/man8/vztmpl-dl.8.gz /usr/share/bash-completion/completions/vzctl \
         /usr/include/vz/vz.h; do
        [ -e "$R$f" ] || fail "$f not installed"
done
grep -q '^/etc/vz/vz.conf$' <(inroot dpkg-query -W -f '${Conffiles}\n' vz | awk '{print $1}') ||
        fail "/etc/vz/vz.conf is not a conffile"
grep -q 'LIBEXECDIR' "$R/etc/init.d/vz" "$R/lib/systemd/system/vz.service" && fail "unsubstituted @LIBEXECDIR@"
[ -L "$R/etc/systemd/system/multi-user.target.wants/vz.service" ] || fail "vz.service not enabled"
ls "$R"/etc/rc2.d/S*vz >/dev/null 2>&1 || fail "init script not enabled (rc2.d)"
out=$(inroot bash -c '. /usr/share/bash-completion/completions/vzctl && complete -p vzctl vzlist vzpkg vztmpl-dl') ||
        fail "completion: $out"
man -l "$R/usr/share/man/man8/vztmpl-dl.8.gz" >/dev/null 2>&1 || fail "man page does not render"
ok "tools, template library, conffiles, unit and init links, completion, man pages"

# 5. Purge.
inroot "${APT[@]}" purge vz >"$T/purge.log" 2>&1 || fail "apt-get purge: $(tail -n 30 "$T/purge.log")"
inroot dpkg-query -W -f '${Status}\n' vz 2>/dev/null | grep -q 'installed' && fail "vz still installed"
left=""
while read -r f; do
        [ -d "$R$f" ] && continue # shared directories (and /lib -> usr/lib)
        [ -e "$R$f" ] || [ -L "$R$f" ] && left+=" $f"
done <"$T/files"
[ -z "$left" ] || fail "left after purge:$left"
for d in /etc/vz /usr/libexec/vz /usr/include/vz /usr/share/doc/vz; do
        [ -e "$R$d" ] && fail "$d left after purge: $(find "$R$d")"
done
[ -e "$R/etc/systemd/system/multi-user.target.wants/vz.service" ] && fail "enable link left"
ls "$R"/etc/rc?.d/*vz >/dev/null 2>&1 && fail "rc links left"
ok "purged: none of its $(wc -l <"$T/files") paths left"

[ "$(host_state)" = "$before" ] || fail "this machine's vz installation changed"
ok "this machine untouched"
exit 0

# Sourced by integration tests. Each test gets a throwaway tree: its own
# VZ_CONFDIR, VE_ROOT/VE_PRIVATE, lock and run dirs, cgroup parent name, all
# under one temp dir removed (mounts first) when the test ends, pass or fail.
#
# Environment: VZ_BUILD (build dir, default <src>/build), VZ_TEST_CACHE
# (where built template caches are kept between runs, default
# /var/cache/vz-test).
set -u
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VZ_BUILD=${VZ_BUILD:-$SRCDIR/build}
VZ_TEST_CACHE=${VZ_TEST_CACHE:-/var/cache/vz-test}
export PATH="$VZ_BUILD/src/tools:$PATH"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }

T=$(mktemp -d /tmp/vz-test.XXXXXX)
# Searchable (not listable): a restore binds host paths under it (the run
# dir's lxcfs files and beancounter dir) as the CT's root (cpt.c).
chmod 711 "$T"
export VZ_CONFDIR=$T/etc
mkdir -p "$VZ_CONFDIR/conf" "$VZ_CONFDIR/names" "$T/vz/template/cache" "$T/vz/private" \
         "$T/vz/root" "$T/vz/lock" "$T/vz/dump" "$T/run"
chmod 700 "$T/vz/private"
cp "$SRCDIR"/etc/conf/*.conf-sample "$VZ_CONFDIR/conf/"
cp -r "$SRCDIR/etc/templates" "$VZ_CONFDIR/"
sed -e "s|^VE_ROOT=.*|VE_ROOT=$T/vz/root/\$VEID|" \
    -e "s|^VE_PRIVATE=.*|VE_PRIVATE=$T/vz/private/\$VEID|" \
    -e "s|^TEMPLATE=.*|TEMPLATE=$T/vz/template|" \
    -e "s|^LOCKDIR=.*|LOCKDIR=$T/vz/lock|" \
    -e "s|^DUMPDIR=.*|DUMPDIR=$T/vz/dump|" \
    -e "s|^VZ_RUNDIR=.*|VZ_RUNDIR=$T/run|" \
    -e "s|^VZ_CGROUP=.*|VZ_CGROUP=vztest-$$|" \
    -e "s|^LOGFILE=.*|LOGFILE=$T/vzctl.log|" \
    "$SRCDIR/etc/vz.conf" > "$VZ_CONFDIR/vz.conf"

# A test that starts CTs lists them in STARTED; they are stopped (--fast)
# before the tree goes, whatever way the test ends.
STARTED=""
_cleanup() {
        local rc=$? id
        for id in $STARTED; do vzctl stop "$id" --fast >/dev/null 2>&1; done
        # The tree's own lxcfs (started by vzctl start on VZ_RUNDIR/lxcfs):
        # it keeps its mount alive in its own mount namespace, so stop it.
        local lx
        lx=$(cat "$T/run/lxcfs.pid" 2>/dev/null)
        [ -n "$lx" ] && [ "$(cat /proc/$lx/comm 2>/dev/null)" = lxcfs ] && kill "$lx"
        # And its OpenVZ /proc files server (VZ_RUNDIR/proc, procvz.c).
        lx=$(cat "$T/run/proc.pid" 2>/dev/null)
        [ -n "$lx" ] && [ "$(cat /proc/$lx/comm 2>/dev/null)" = vz-procfs ] && kill "$lx"
        # Unmount anything under the test tree, deepest first.
        grep -o " $T[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do
                umount -l "$m" 2>/dev/null
        done
        rm -rf "$T"
        exit $rc
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
# expect_rc CODE cmd...: run cmd, fail unless it exits with CODE.
expect_rc() {
        local want=$1; shift
        local out rc
        out=$("$@" 2>&1); rc=$?
        [ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want; output: $out"
        LAST_OUT=$out
}

# need_cache NAME: make TEMPLATE/cache/NAME.tar.* available, building it once
# into $VZ_TEST_CACHE (rebuilt when the inputs that define it change).
need_cache() {
        local name=$1 key f
        case $name in
        busybox) key=$(sha256sum /bin/busybox "$SRCDIR/src/lib/template/cache.c" | sha256sum | cut -c1-16) ;;
        # The code that builds a tree and its metadata (the script sandbox
        # only if the template has scripts).
        *) key=$(cat "$SRCDIR"/src/lib/template/{cache,build}.c "$SRCDIR/etc/templates/$name"/* \
                     $(ls "$SRCDIR/etc/templates/$name"/*-install >/dev/null 2>&1 &&
                       echo "$SRCDIR/src/lib/template/sandbox.c") 2>/dev/null |
                 sha256sum | cut -c1-16) ;;
        esac
        mkdir -p "$VZ_TEST_CACHE"
        f=$(ls "$VZ_TEST_CACHE/$key"/"$name".tar* 2>/dev/null | head -n1)
        if [ -z "$f" ]; then
                rm -rf "$VZ_TEST_CACHE/$key.tmp"
                mkdir -p "$VZ_TEST_CACHE/$key.tmp/cache"
                ( sed -i "s|^TEMPLATE=.*|TEMPLATE=$VZ_TEST_CACHE/$key.tmp|" "$VZ_CONFDIR/vz.conf" &&
                  vzpkg create cache "$name" ) >&2 || fail "vzpkg create cache $name"
                sed -i "s|^TEMPLATE=.*|TEMPLATE=$T/vz/template|" "$VZ_CONFDIR/vz.conf"
                rm -rf "$VZ_TEST_CACHE/$key"
                mv "$VZ_TEST_CACHE/$key.tmp/cache" "$VZ_TEST_CACHE/$key"
                rm -rf "$VZ_TEST_CACHE/$key.tmp"
                f=$(ls "$VZ_TEST_CACHE/$key"/"$name".tar* | head -n1)
        fi
        ln -sf "$f" "$T/vz/template/cache/"
}

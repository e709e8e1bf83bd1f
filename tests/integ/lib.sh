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
# Files behind loop devices the test set up (btrfs_pool): detached once
# the tree is unmounted.
LOOP_FILES=""
# Unreachable routes that guard the test's addresses (guard_route).
GUARDS=""
# at_exit CMD...: CMD (a command line) runs first when the test ends, pass
# or fail, before its CTs are stopped; the last one registered runs first.
AT_EXIT=()
at_exit() { AT_EXIT=("$*" "${AT_EXIT[@]}"); }
_cleanup() {
        local rc=$? id
        for id in "${AT_EXIT[@]}"; do eval "$id"; done
        for id in $STARTED; do vzctl stop "$id" --fast >/dev/null 2>&1; done
        for id in $GUARDS; do ip route del unreachable "$id" 2>/dev/null; done
        # The tree's own lxcfs (started by vzctl start on VZ_RUNDIR/lxcfs):
        # it keeps its mount alive in its own mount namespace, so stop it.
        local lx f
        lx=$(cat "$T/run/lxcfs.pid" 2>/dev/null)
        [ -n "$lx" ] && [ "$(cat /proc/$lx/comm 2>/dev/null)" = lxcfs ] && kill "$lx"
        # And its OpenVZ /proc files server (VZ_RUNDIR/proc, procvz.c).
        lx=$(cat "$T/run/proc.pid" 2>/dev/null)
        [ -n "$lx" ] && [ "$(cat /proc/$lx/comm 2>/dev/null)" = vz-procfs ] && kill "$lx"
        # Unmount anything under the test tree, deepest first.
        grep -o " $T[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do
                umount -l "$m" 2>/dev/null
        done
        for f in $LOOP_FILES; do
                losetup -l -n -O NAME -j "$f" 2>/dev/null | xargs -r losetup -d 2>/dev/null
        done
        rm -rf "$T"
        exit $rc
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# FAIL_LOGS: globs of logs (criu's in DUMPDIR, say) whose errors and
# warnings a failure shows.
FAIL_LOGS=""
fail() {
        local l
        echo "FAIL: $*" >&2
        for l in $FAIL_LOGS; do
                [ -f "$l" ] && { echo "--- $l" >&2; grep -E "Error|Warn" "$l" | tail -n 15 >&2; }
        done
        exit 1
}
ok() { echo "ok: $*"; }
# guard_route PREFIX...: an unreachable route to each prefix (IPv4 or
# IPv6) while the test runs, so that nothing sent there leaves the host.
guard_route() {
        local p
        for p in "$@"; do
                ip route add unreachable "$p" || fail "cannot add guard route $p"
                GUARDS="$GUARDS $p"
        done
}
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

# find_criu [PATH]: CRIU= a criu whose `criu check` passes on this kernel:
# the one on PATH (or on the PATH given), else scripts/get-criu's
# /opt/vz-criu/bin/criu. False (CRIU empty) when there is none.
find_criu() {
        local c
        CRIU=
        for c in "$(PATH=${1:-$PATH} command -v criu 2>/dev/null)" /opt/vz-criu/bin/criu; do
                [ -n "$c" ] && [ -x "$c" ] && "$c" check >/dev/null 2>&1 && { CRIU=$c; return 0; }
        done
        return 1
}
# need_criu [PATH]: find_criu, or skip the test (77).
need_criu() {
        find_criu "$@" && return 0
        echo "SKIP: no criu whose 'criu check' passes on this kernel (run scripts/get-criu)"
        exit 77
}
# criu_conf: the tree's vz.conf names $CRIU (CRIU=).
criu_conf() { echo "CRIU=$CRIU" >> "$VZ_CONFDIR/vz.conf"; }

# have_debian: the Debian 12 minimal cache (need_cache: built with
# debootstrap); false without debootstrap.
have_debian() { command -v debootstrap >/dev/null && need_cache debian-12-x86_64-minimal; }
# need_debian: have_debian, or skip the test (77).
need_debian() { have_debian || { echo "SKIP: debootstrap not installed"; exit 77; }; }

# debian_http PRIVATE: an HTTP service in the Debian CT whose private area
# that is: socket activation on port 80 by the CT's systemd, one instance
# per connection, answering "hello from <the CT's host name>".
debian_http() {
        local d=$1/etc/systemd/system
        cat > "$d/vz-http.socket" <<'UNIT'
[Unit]
Description=HTTP test server socket

[Socket]
ListenStream=80
Accept=yes

[Install]
WantedBy=sockets.target
UNIT
        cat > "$d/vz-http@.service" <<'UNIT'
[Unit]
Description=HTTP test server

[Service]
ExecStart=/bin/sh -c 'read -r line; printf "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello from %%s\n" "$(hostname)"'
StandardInput=socket
StandardOutput=socket
UNIT
        mkdir -p "$d/sockets.target.wants"
        ln -s ../vz-http.socket "$d/sockets.target.wants/vz-http.socket"
}

# wait_until SECONDS cmd...: until cmd succeeds, every 50 ms; false after
# SECONDS.
wait_until() {
        local n=$(( $1 * 20 )); shift
        for _ in $(seq $n); do "$@" && return 0; sleep 0.05; done
        return 1
}

# need_memhog: $T/memhog, a static program that touches N MiB (its
# argument; a non-zero pattern) and sleeps; skip (77) without gcc.
need_memhog() {
        command -v gcc >/dev/null || { echo "SKIP: gcc missing (for the memory toucher)"; exit 77; }
        cat > "$T/memhog.c" <<'EOC'
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
        size_t n = (size_t)atoi(argv[1]) << 20;
        char *p = malloc(n);
        if (!p)
                return 1;
        for (size_t i = 0; i < n; i++)
                p[i] = (char)(i * 7 + 1);
        for (;;)
                pause();
}
EOC
        gcc -O2 -static -o "$T/memhog" "$T/memhog.c" || { echo "SKIP: cannot build a static memhog"; exit 77; }
}

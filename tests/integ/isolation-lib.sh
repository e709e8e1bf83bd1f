# Shared helpers of the isolation-*.sh tests. Source after lib.sh.
#
# iso_ct CTID [create options]   create from busybox and start; stopped (fast)
#                                 when the test ends, pass or fail. With
#                                 ISO_AFTER=restore in the environment the CT
#                                 is then checkpointed and restored (criu), so
#                                 that a test checks a restored CT
#                                 (isolation-restored.sh runs them so)
# ix CTID 'shell command'        run in the CT (vzctl exec2): sets OUT (stdout
#                                 and stderr) and RC (the command's exit code)
# init_pid CTID                  host PID of the CT's init (empty if none)
# iso_bg PIDVAR cmd...           start a host process in the background and
#                                 remember its PID: killed (by PID) at the end
# iso_probe CTID                 put the static probe helper into the CT as
#                                 /sbin/vzprobe; returns 1 if no C compiler
# iso_on_exit 'cmd'              extra cleanup (host canary files and such)
# iso_files CTID                 host dir holding the CT's own files as stored
#                                 (VE_PRIVATE; its upper on the overlay layout)
# iso_tree CTID                  host dir showing the CT's whole tree as stored
#                                 (VE_PRIVATE; VE_ROOT, mounted, on overlay)
#
# VZ_TEST_LAYOUT=overlay (or another layout) in the environment creates the
# CTs on that layout (isolation-overlay.sh runs tests so).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
        # tests/run runs every tests/integ/*.sh; this one is only sourced.
        echo "isolation-lib.sh: helpers for the isolation-*.sh tests, nothing to run"
        exit 0
fi
P=$T/vz/private R=$T/vz/root C=$VZ_CONFDIR/conf
ISO_CTS=""
ISO_PIDS=""
ISO_EXIT=""

_iso_cleanup() {
        local rc=$? c p
        for p in $ISO_PIDS; do
                kill "$p" 2>/dev/null
        done
        for c in $ISO_CTS; do
                vzctl stop "$c" --fast >/dev/null 2>&1
        done
        for p in $ISO_PIDS; do
                wait "$p" 2>/dev/null
        done
        [ -n "$ISO_EXIT" ] && eval "$ISO_EXIT"
        (exit $rc)
        _cleanup
}
trap _iso_cleanup EXIT

iso_files() { if [ -L "$P/$1/lower" ]; then echo "$P/$1/upper"; else echo "$P/$1"; fi; }
iso_tree() { if [ -L "$P/$1/lower" ]; then echo "$R/$1"; else echo "$P/$1"; fi; }

iso_on_exit() { ISO_EXIT="$ISO_EXIT
$1"; }

iso_ct() {
        local id=$1
        shift
        need_cache busybox
        expect_rc 0 vzctl create "$id" --ostemplate busybox ${VZ_TEST_LAYOUT:+--layout "$VZ_TEST_LAYOUT"} "$@"
        ISO_CTS="$ISO_CTS $id"
        expect_rc 0 vzctl start "$id"
        # busybox init is up once it has started a child (or give it 5 s)
        local i
        for i in $(seq 50); do
                [ -n "$(cat /proc/"$(init_pid "$id")"/task/*/children 2>/dev/null)" ] && break
                sleep 0.1
        done
        if [ "${ISO_AFTER:-}" = restore ]; then
                iso_criu || fail "ISO_AFTER=restore: no criu whose 'criu check' passes"
                expect_rc 0 vzctl chkpnt "$id"
                expect_rc 0 vzctl restore "$id"
        fi
}

# iso_criu: put a working criu into the tree's vz.conf (once); 1 if none.
iso_criu() {
        local c
        grep -q '^CRIU=' "$VZ_CONFDIR/vz.conf" && return 0
        for c in "$(command -v criu 2>/dev/null)" /opt/vz-criu/bin/criu; do
                if [ -n "$c" ] && [ -x "$c" ] && "$c" check >/dev/null 2>&1; then
                        echo "CRIU=$c" >> "$VZ_CONFDIR/vz.conf"
                        return 0
                fi
        done
        return 1
}

init_pid() {
        local p
        p=$(cat "$T/run/$1.init" 2>/dev/null) || return 0
        [ -n "$p" ] && [ -d "/proc/$p" ] && echo "$p"
        return 0
}

ix() {
        OUT=$(vzctl exec2 "$1" "$2" 2>&1 </dev/null)
        RC=$?
}

iso_bg() {
        local var=$1
        shift
        "$@" </dev/null >/dev/null 2>&1 &
        eval "$var=$!"
        ISO_PIDS="$ISO_PIDS $!"
}

# A static helper: calls a syscall directly and prints its errno, so a test
# can tell "denied" from "the applet is missing".
#   vzprobe sys NAME     -> "NAME 0" on success, "NAME <errno>" on failure;
#                           exit 0 if the call failed, 1 if it succeeded
#   vzprobe euid         -> the effective UID
iso_probe() {
        local id=$1
        if [ ! -x "$T/vzprobe" ]; then
                command -v cc >/dev/null || return 1
                cat > "$T/vzprobe.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>

int main(int argc, char **argv)
{
        long r = -1;
        const char *n;

        if (argc == 2 && !strcmp(argv[1], "euid")) {
                printf("%d\n", (int)geteuid());
                return 0;
        }
        if (argc != 3 || strcmp(argv[1], "sys"))
                return 2;
        n = argv[2];
        errno = 0;
        if (!strcmp(n, "keyctl"))
                r = syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 1);
        else if (!strcmp(n, "add_key"))
                r = syscall(SYS_add_key, "user", "vz-iso-test", "x", 1, -3);
        else if (!strcmp(n, "request_key"))
                r = syscall(SYS_request_key, "user", "vz-iso-test", NULL, 0);
        else if (!strcmp(n, "kexec_load"))
                r = syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL);
        else if (!strcmp(n, "kexec_file_load"))
                r = syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0UL);
        else if (!strcmp(n, "init_module"))
                r = syscall(SYS_init_module, "\177ELF", 4UL, "");
        else if (!strcmp(n, "finit_module")) {
                int fd = open("/bin/busybox", O_RDONLY);
                r = syscall(SYS_finit_module, fd, "", 0);
        } else if (!strcmp(n, "delete_module"))
                r = syscall(SYS_delete_module, "vz_iso_nosuch", 0);
        else if (!strcmp(n, "open_by_handle_at")) {
                /* "shocker": inode 2 of the filesystem the CT lives on */
                struct { unsigned int bytes; int type; unsigned char h[8]; } fh = {8, 1, {2}};
                int mfd = open("/", O_RDONLY | O_DIRECTORY);
                r = syscall(SYS_open_by_handle_at, mfd, &fh, O_RDONLY);
        } else if (!strcmp(n, "settimeofday")) {
                struct timeval tv;
                gettimeofday(&tv, NULL);
                r = settimeofday(&tv, NULL);
        } else if (!strcmp(n, "clock_settime")) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                r = clock_settime(CLOCK_REALTIME, &ts);
        } else if (!strcmp(n, "swapon"))
                r = syscall(SYS_swapon, "/nonexistent-swap", 0);
        else if (!strcmp(n, "acct"))
                r = syscall(SYS_acct, NULL);
        else if (!strcmp(n, "syslog")) {
                char buf[64];
                r = syscall(SYS_syslog, 3 /* READ_ALL */, buf, (int)sizeof(buf));
        } else if (!strcmp(n, "iopl"))
                r = syscall(SYS_iopl, 3);
        else if (!strcmp(n, "ioperm"))
                r = syscall(SYS_ioperm, 0x80UL, 1UL, 1);
        else if (!strcmp(n, "perf_event_open")) {
                struct perf_event_attr a;
                memset(&a, 0, sizeof(a));
                a.size = sizeof(a);
                a.type = PERF_TYPE_SOFTWARE;
                a.config = PERF_COUNT_SW_CPU_CLOCK;
                r = syscall(SYS_perf_event_open, &a, -1, 0, -1, 0UL);
        } else
                return 2;
        printf("%s %d\n", n, r < 0 ? errno : 0);
        return r < 0 ? 0 : 1;
}
EOF
                cc -static -O -o "$T/vzprobe" "$T/vzprobe.c" 2>"$T/vzprobe.log" ||
                        { echo "note: cannot build the probe: $(cat "$T/vzprobe.log")"; return 1; }
        fi
        [ -n "$id" ] || return 0
        cp "$T/vzprobe" "$P/$id/sbin/vzprobe" && chmod 755 "$P/$id/sbin/vzprobe"
}

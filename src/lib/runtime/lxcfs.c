/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CT's own view of memory, CPUs, load and uptime in /proc, as OpenVZ's
 * kernel gave it: free, top, uptime inside show the CT's RAM and swap
 * limits, its CPUs and its uptime. A stock kernel computes those files for
 * the whole host, so the files come from lxcfs (Debian package lxcfs), a
 * FUSE filesystem that answers each read from the cgroup of the reading
 * process: lxcfs runs in the host's PID and cgroup namespaces, so it sees
 * the reader's full cgroup path (/<VZ_CGROUP>/<CTID>/..., even for a process
 * in a sub-cgroup that systemd made inside the CT: lxcfs takes the lowest
 * memory limit on the way up) whatever cgroup namespace the reader is in.
 *
 * One host-wide lxcfs, mounted on VZ_RUNDIR/lxcfs, is started by vzctl
 * start when it is not running (a lock serialises concurrent starts; a
 * dead instance's stale mount is detached first). Each CT start binds its
 * files over the CT's fresh /proc (spawn.c). Without lxcfs, or with
 * LXCFS=no, the CT sees the host's files, as before; start never fails for
 * it (a warning is logged once per start).
 */
#include <fcntl.h>
#include <linux/mount.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sched.h>
#include <sys/wait.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "runtime.h"
#include "util.h"

#define LXCFS_BIN "/usr/bin/lxcfs"

/* The files bound over the CT's own: under /proc, then under /sys.
 * Not /proc/uptime and /proc/stat: the CT's time namespace (spawn.c) makes
 * the kernel's own the CT's already (uptime from the CT's start, btime its
 * start time), consistent with the start time of every process in
 * /proc/PID/stat, while lxcfs's /proc/stat keeps the host's btime next to
 * its CT uptime: procps ps took START = host btime + the CT-relative start
 * (hours or days early). Its per-CT CPU lines in /proc/stat are the price:
 * the kernel's are the host's. Not /proc/meminfo either: lxcfs caps its
 * swap at the host's (none here, often), the supervisor serves the CT's
 * (meminfo.c). */
static const char *const proc_files[] = {"cpuinfo", "loadavg", "diskstats", "swaps", NULL};
static const char *const sys_files[] = {"devices/system/cpu/online", NULL};

bool vz_lxcfs_wanted(const vz_ct *ct)
{
        const char *v = vz_ct_get(ct, "LXCFS");
        return !v || !streq(v, "no");
}

char *vz_lxcfs_dir(const vz_ct *ct)
{
        const char *dir = vz_ct_get(ct, "VZ_RUNDIR");
        return vz_strdupf("%s/lxcfs", isempty(dir) ? "/run/vz" : dir);
}

/* The host-wide lxcfs on mnt (fuse-server.c). -l: the CT's load average;
 * --enable-cfs: CPU count from the CFS quota (CPUS), not only the cpuset.
 * Foreground: the double fork already detached it. */
#define LXCFS_SERVER(mnt, pidf)                                                                    \
        ((struct vz_fuse_server){.mnt = (mnt),                                                     \
                                 .comm = "lxcfs",                                                  \
                                 .probe = "proc/uptime",                                           \
                                 .what = "lxcfs",                                                  \
                                 .path = LXCFS_BIN,                                                \
                                 .argv = (char *const[]){"lxcfs", "-f", "-l", "--enable-cfs",      \
                                                         "-p", (pidf), (char *)(mnt), NULL}})

int vz_lxcfs_ensure(const vz_ct *ct, vz_err *e)
{
        _cleanup_free_ char *mnt = vz_lxcfs_dir(ct);
        _cleanup_free_ char *pidf = mnt ? vz_strdupf("%s.pid", mnt) : NULL;

        if (!mnt || !pidf)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        const struct vz_fuse_server s = LXCFS_SERVER(mnt, pidf);
        if (vz_fuse_server_running(&s) || vz_fuse_server_alive(&s))
                return 0;
        if (access(LXCFS_BIN, X_OK) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -ENOENT,
                               "%s not found (install lxcfs, or set LXCFS=no)", LXCFS_BIN);
        return vz_fuse_server_ensure(&s, e);
}

int vz_lxcfs_open(const char *mnt)
{
        const struct vz_fuse_server s = LXCFS_SERVER(mnt, NULL);
        int fd;

        if (!vz_fuse_server_running(&s) && !vz_fuse_server_alive(&s))
                return -ENOTCONN;
        fd = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

_Static_assert(ELEMENTSOF(proc_files) - 1 + ELEMENTSOF(sys_files) - 1 == VZ_LXCFS_FILES,
               "VZ_LXCFS_FILES");

void vz_lxcfs_clone(int lxfd, int trees[VZ_LXCFS_FILES])
{
        size_t n = 0;

        /* lxcfs computes a cgroup's load average (-l) only from the first
         * read of its loadavg on: read it once now, from the CT's cgroup
         * (where the caller already is), so that vzlist -o laverage and the
         * CT's /proc/loadavg count from the start, not from whoever asks
         * first. One FUSE round trip. */
        {
                char buf[128];
                int fd = openat(lxfd, "proc/loadavg", O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                        (void)!read(fd, buf, sizeof(buf));
                        close(fd);
                }
        }

        for (size_t i = 0; proc_files[i]; i++, n++) {
                char src[128];
                snprintf(src, sizeof(src), "proc/%s", proc_files[i]);
                trees[n] =
                    (int)syscall(SYS_open_tree, lxfd, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        }
        for (size_t i = 0; sys_files[i]; i++, n++) {
                char src[128];
                snprintf(src, sizeof(src), "sys/%s", sys_files[i]);
                trees[n] =
                    (int)syscall(SYS_open_tree, lxfd, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        }
}

/* One clone bound over the same file under dirfd (the CT's fresh /proc or
 * /sys: kernel-made trees, no CT symlinks in them). */
static void bind_one(int tfd, const char *name, int dirfd)
{
        if (tfd < 0)
                return;
        if (dirfd >= 0 && faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                (void)syscall(SYS_move_mount, tfd, "", dirfd, name, MOVE_MOUNT_F_EMPTY_PATH);
        close(tfd);
}

void vz_lxcfs_bind(int trees[VZ_LXCFS_FILES], int procfd, int sysfd)
{
        size_t n = 0;

        for (size_t i = 0; proc_files[i]; i++, n++)
                bind_one(trees[n], proc_files[i], procfd);
        for (size_t i = 0; sys_files[i]; i++, n++)
                bind_one(trees[n], sys_files[i], sysfd);
        for (n = 0; n < VZ_LXCFS_FILES; n++)
                trees[n] = -1;
}

/*
 * The CT's load average, as its own /proc/loadavg shows it: lxcfs answers
 * a read of loadavg with the load of the cgroup of the reader's PID
 * namespace's init, so the read is made by a process forked into the CT's
 * PID namespace (and nothing else of the CT: not its cgroup, mounts or
 * user namespace; it reads the host's lxcfs mount). The kernel keeps no
 * per-cgroup load average; lxcfs -l samples each cgroup's runnable tasks
 * every 5 s with the kernel's decay, from the first read of that cgroup's
 * loadavg on (made at start, see vz_lxcfs_clone).
 */
_public_ int vz_ct_get_loadavg(vz_ct *ct, double ret[3], vz_err *e)
{
        _cleanup_free_ char *mnt = NULL;
        _cleanup_close_ int lxfd = -1, pidfd = -1;
        int p[2], st;
        char buf[128];
        ssize_t n = 0;
        double la[3];
        pid_t init, pid;

        if (vz_run_read_pid(ct, "init", &init) < 0 || !vz_ct_is_running(ct))
                return vz_fail(e, VZ_E_NOT_RUNNING, -ESRCH, "container is not running");
        if (!vz_lxcfs_wanted(ct))
                return vz_fail(e, VZ_E_SYSTEM, -EOPNOTSUPP,
                               "no load average without lxcfs (LXCFS=no)");
        mnt = vz_lxcfs_dir(ct);
        if (!mnt)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        lxfd = vz_lxcfs_open(mnt);
        if (lxfd < 0)
                return vz_fail(e, VZ_E_SYSTEM, lxfd, "lxcfs is not running on %s", mnt);
        pidfd = (int)syscall(SYS_pidfd_open, init, 0);
        if (pidfd < 0)
                return vz_fail(e, VZ_E_NOT_RUNNING, -errno, "container is not running");
        if (pipe2(p, O_CLOEXEC) < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "pipe: %s", strerror(errno));
        pid = fork();
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                return vz_fail(e, VZ_E_RESOURCE, -errno, "fork: %s", strerror(errno));
        }
        if (pid == 0) {
                /* setns(CLONE_NEWPID) moves our children only. */
                pid_t c;
                close(p[0]);
                if (setns(pidfd, CLONE_NEWPID) < 0)
                        _exit(1);
                c = fork();
                if (c == 0) {
                        int fd = openat(lxfd, "proc/loadavg", O_RDONLY | O_CLOEXEC);
                        ssize_t k = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
                        if (k <= 0 || write(p[1], buf, (size_t)k) != k)
                                _exit(1);
                        _exit(0);
                }
                if (c < 0)
                        _exit(1);
                while (waitpid(c, &st, 0) < 0 && errno == EINTR)
                        ;
                _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
        }
        close(p[1]);
        for (ssize_t k; n < (ssize_t)sizeof(buf) - 1; n += k) {
                k = read(p[0], buf + n, sizeof(buf) - 1 - (size_t)n);
                if (k < 0 && errno == EINTR) {
                        k = 0;
                        continue;
                }
                if (k <= 0)
                        break;
        }
        close(p[0]);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        buf[n < 0 ? 0 : n] = '\0';
        if (sscanf(buf, "%lf %lf %lf", &la[0], &la[1], &la[2]) != 3)
                return vz_fail(e, VZ_E_SYSTEM, -EIO, "cannot read the CT's load average");
        memcpy(ret, la, sizeof(la));
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A host-wide FUSE server that vzctl start brings up when it is not
 * running, and that then serves every CT and outlives the vzctl that
 * started it: lxcfs (lxcfs.c) and vz-procfs (procvz.c). Both are found,
 * raced for and restarted the same way:
 *
 *   - running: the process named in <mnt>.pid has the server's name and
 *     something is mounted on mnt. No FUSE request: this is on the start
 *     path of every CT, and each request is a round trip to the server.
 *   - alive: mnt is a FUSE mount whose probe path answers a stat.
 *   - otherwise, under <mnt>.lock: a dead server's stale mount (ENOTCONN)
 *     is detached, the server is started detached (double fork, own
 *     session, no stdio, no inherited descriptors) and waited for until it
 *     answers (3 s).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "runtime.h"
#include "util.h"

#define FUSE_SUPER_MAGIC 0x65735546

bool vz_fuse_server_alive(const struct vz_fuse_server *s)
{
        _cleanup_free_ char *p = vz_strdupf("%s/%s", s->mnt, s->probe);
        struct statfs sf;
        struct stat st;

        return p && statfs(s->mnt, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC && stat(p, &st) == 0;
}

bool vz_fuse_server_running(const struct vz_fuse_server *s)
{
        _cleanup_free_ char *pidf = vz_strdupf("%s.pid", s->mnt), *buf = NULL, *comm = NULL;
        struct statx stx;
        pid_t pid;

        if (!pidf || vz_read_file(pidf, 64, &buf, NULL) < 0 || (pid = atoi(buf)) <= 0 ||
            kill(pid, 0) < 0)
                return false;
        free(buf);
        buf = vz_strdupf("/proc/%d/comm", (int)pid);
        if (!buf || vz_read_file(buf, 64, &comm, NULL) < 0 || !vz_startswith(comm, s->comm))
                return false;
        /* No sync: the attributes the server gave before, no request. */
        return statx(AT_FDCWD, s->mnt, AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT, STATX_TYPE, &stx) ==
                   0 &&
               (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
               (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int vz_fuse_server_ensure(const struct vz_fuse_server *s, vz_err *e)
{
        _cleanup_free_ char *lock = vz_strdupf("%s.lock", s->mnt);
        _cleanup_close_ int lfd = -1;
        struct statfs sf;
        pid_t pid;

        if (vz_fuse_server_running(s) || vz_fuse_server_alive(s))
                return 0;
        if (!lock)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lfd < 0 || flock(lfd, LOCK_EX) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot lock %s: %s", lock, strerror(errno));
        /* Another start may have won the race. */
        if (vz_fuse_server_alive(s))
                return 0;
        /* A server that died leaves its mount behind (ENOTCONN). */
        if (statfs(s->mnt, &sf) < 0 ? errno == ENOTCONN : sf.f_type == FUSE_SUPER_MAGIC)
                (void)umount2(s->mnt, MNT_DETACH);
        if (mkdir(s->mnt, 0755) < 0 && errno != EEXIST)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot create %s: %s", s->mnt,
                               strerror(errno));
        pid = fork();
        if (pid < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "fork: %s", strerror(errno));
        if (pid == 0) {
                /* Detached (its own session, no stdio, not our child): it
                 * serves every CT on the host and outlives this vzctl. */
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                setsid();
                if (null >= 0) {
                        dup2(null, 0);
                        dup2(null, 1);
                        dup2(null, 2);
                }
                (void)!chdir("/");
                (void)close_range(3, ~0U, 0);
                if (fork() != 0)
                        _exit(0);
                execv(s->path, s->argv);
                _exit(127);
        }
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        /* Up when its mount answers (normally in a few ms). */
        for (int i = 0; i < 300; i++) {
                if (vz_fuse_server_alive(s))
                        return 0;
                nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
        }
        return vz_fail(e, VZ_E_SYSTEM, -ETIMEDOUT, "%s did not come up on %s", s->what, s->mnt);
}

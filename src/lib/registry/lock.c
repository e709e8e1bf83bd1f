/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-CT locks, OpenVZ style: LOCKDIR/<ctid>.lck holds "<pid>\n<status>\n"
 * and is created atomically with link(2). A holder that died leaves a stale
 * file behind; OpenVZ detects that by checking /proc/<pid>, which can be
 * fooled by PID reuse. We also keep an flock(2) on the file for as long as
 * the lock is held (taken on the temp file *before* it is linked into place),
 * so "flock succeeds" proves nobody holds it, and PID reuse cannot matter.
 */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "ctx.h"
#include "err.h"
#include "log.h"
#include "util.h"

struct vz_lock {
        int fd;
        char *path;
        dev_t dev;
        ino_t ino;
};

static int lock_path(vz_ctx *ctx, unsigned ctid, char **ret_dir, char **ret_path, vz_err *e)
{
        const char *dir = vz_ctx_get(ctx, "LOCKDIR");

        if (isempty(dir))
                return vz_fail(e, VZ_E_LCKDIR_NOTSET, -EINVAL, "LOCKDIR is not set");
        *ret_dir = strdup(dir);
        *ret_path = vz_strdupf("%s/%u.lck", dir, ctid);
        if (!*ret_dir || !*ret_path)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        return 0;
}

/* One attempt. 0 = got it, -EBUSY = held by someone alive (*holder set),
 * other -errno = failure. */
static int try_lock(const char *dir, const char *path, vz_lock *l, pid_t *holder)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1, ofd = -1;
        struct stat st, ost;
        char buf[64];
        ssize_t n;

        tmp = vz_strdupf("%s/.%d.%ld.tmp", dir, (int)getpid(), (long)time(NULL));
        if (!tmp)
                return -ENOMEM;
        fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &st) < 0) {
                int r = -errno;
                unlink(tmp);
                return r;
        }
        n = snprintf(buf, sizeof(buf), "%d\nlocked\n", (int)getpid());
        if (write(fd, buf, n) != n) {
                unlink(tmp);
                return -EIO;
        }
        if (link(tmp, path) == 0) {
                unlink(tmp);
                l->fd = TAKE_FD(fd);
                l->dev = st.st_dev;
                l->ino = st.st_ino;
                return 0;
        }
        int r = -errno;
        unlink(tmp);
        if (r != -EEXIST)
                return r;

        /* Somebody's file is there: alive (flocked) or stale? */
        ofd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (ofd < 0)
                return errno == ENOENT ? -EAGAIN : -errno;
        n = read(ofd, buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        *holder = (pid_t)atoi(buf);
        if (flock(ofd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EBUSY : -errno;
        /* Stale: we hold its flock, so nobody else can be removing it now;
         * make sure the name still refers to the same inode before unlink. */
        if (fstat(ofd, &ost) == 0 && stat(path, &st) == 0 && st.st_ino == ost.st_ino &&
            st.st_dev == ost.st_dev) {
                vz_debug("removing stale lock %s (pid %d)", path, (int)*holder);
                unlink(path);
        }
        return -EAGAIN;
}

static void holder_cmdline(pid_t pid, char *buf, size_t len)
{
        _cleanup_free_ char *p = vz_strdupf("/proc/%d/cmdline", (int)pid), *c = NULL;
        size_t n = 0;

        buf[0] = '\0';
        if (!p || vz_read_file(p, 4096, &c, &n) < 0)
                return;
        for (size_t i = 0; i + 1 < n; i++)
                if (c[i] == '\0')
                        c[i] = ' ';
        snprintf(buf, len, "%s", c);
}

_public_ int vz_lock_ct(vz_ctx *ctx, unsigned ctid, int wait_sec, vz_lock **ret, vz_err *e)
{
        _cleanup_free_ char *dir = NULL, *path = NULL;
        struct timespec start, now;
        vz_lock l = {.fd = -1};
        long delay_ms = 10;
        pid_t holder = 0;
        int r;

        r = lock_path(ctx, ctid, &dir, &path, e);
        if (r < 0)
                return r;
        r = vz_mkdir_p(dir, 0755);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "unable to create lock directory %s", dir);
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (int stale_tries = 0;;) {
                r = try_lock(dir, path, &l, &holder);
                if (r == 0)
                        break;
                if (r == -EAGAIN) {
                        /* Stale lock removed; OpenVZ retries 3 times. */
                        if (++stale_tries > 3 && wait_sec == 0)
                                return vz_fail(e, VZ_E_LOCKED, -EBUSY,
                                               "unable to lock CT %u: lock file keeps changing",
                                               ctid);
                        continue;
                }
                if (r != -EBUSY) {
                        if (r == -EROFS)
                                return vz_fail(e, VZ_E_SYSTEM, r,
                                               "unable to lock CT %u: %s is read-only "
                                               "(use --skiplock)",
                                               ctid, dir);
                        return vz_fail(e, VZ_E_SYSTEM, r, "unable to lock CT %u: %s", ctid,
                                       strerror(-r));
                }
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (wait_sec == 0 ||
                    (wait_sec > 0 &&
                     now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 >= wait_sec)) {
                        char cmd[256];
                        holder_cmdline(holder, cmd, sizeof(cmd));
                        return vz_fail(e, VZ_E_LOCKED, -EBUSY,
                                       "Container already locked by PID %d%s%s%s", (int)holder,
                                       cmd[0] ? " (" : "", cmd, cmd[0] ? ")" : "");
                }
                /* Poll with a growing delay: cheap when short, light when long. */
                nanosleep(&(struct timespec){.tv_nsec = delay_ms * 1000000L}, NULL);
                if (delay_ms < 200)
                        delay_ms *= 2;
        }
        l.path = TAKE_PTR(path);
        *ret = malloc(sizeof(vz_lock));
        if (!*ret) {
                unlink(l.path);
                close(l.fd);
                free(l.path);
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        **ret = l;
        return 0;
}

_public_ void vz_unlock(vz_lock *l)
{
        struct stat st;

        if (!l)
                return;
        if (stat(l->path, &st) == 0 && st.st_ino == l->ino && st.st_dev == l->dev)
                unlink(l->path);
        close(l->fd);
        free(l->path);
        free(l);
}

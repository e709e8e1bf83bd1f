/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The base mount namespace: where every CT's mount namespace is made from.
 *
 * A new mount namespace is a copy of its parent's. Made from the host's,
 * it copies every host mount, one VE_ROOT per running CT among them, and
 * freeing the copy after the pivot unmounts them all again: a start would
 * cost more with every CT running, and so would its kernel memory while
 * it runs. So a CT's namespaces are made from a small namespace of vz's
 * own, made once per host (per VZ_RUNDIR) and kept by a bind mount of its
 * nsfs file on VZ_RUNDIR/mntns. It holds:
 *
 *   /       a read-only tmpfs
 *   /proc   a fresh proc and /sys a fresh sysfs, with nothing mounted
 *           over them: the kernel lets a user namespace mount proc or
 *           sysfs only where such a mount is fully visible already
 *   /dev    the host's /dev, bound recursively (device nodes for the CT's
 *           /dev and the masks over /proc)
 *   /ct     an empty directory, where a start attaches the CT's root
 *
 * Everything in it is private: nothing propagates in or out. The CT's root
 * comes in as a detached copy taken in the host's namespace (spawn.c), so
 * VE_ROOT stays mounted on the host, where admins expect it.
 */
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "err.h"
#include "log.h"
#include "runtime.h"
#include "util.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

static char *base_path(const vz_ct *ct, const char *name)
{
        const char *dir = vz_ct_get(ct, "VZ_RUNDIR");
        return vz_strdupf("%s/%s", isempty(dir) ? "/run/vz" : dir, name);
}

/* fd of the namespace kept at path, or <0 if none is there. */
static int open_kept(const char *path)
{
        struct statfs sf;
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        if (fstatfs(fd, &sf) < 0 || sf.f_type != NSFS_MAGIC ||
            ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNS) {
                close(fd);
                return -ENOENT;
        }
        return fd;
}

/* In the child that makes it: the tree above, on dir (any directory: the
 * namespace is private), then pivoted into. 0 or -errno. */
static int build_base(const char *dir, const char **step)
{
        static const char *const dirs[] = {"proc", "sys", "dev", "ct"};
        int fsfd, mfd, r = 0;

        *step = "make / private";
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        *step = "make its tmpfs";
        fsfd = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return -errno;
        if (syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "mode", "755", 0) < 0 ||
            syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "size", "16k", 0) < 0 ||
            syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                r = -errno;
        mfd = r == 0 ? (int)syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC,
                                    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
                     : -1;
        if (r == 0 && mfd < 0)
                r = -errno;
        close(fsfd);
        if (r < 0)
                return r;
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(dirs); i++)
                if (mkdirat(mfd, dirs[i], 0755) < 0)
                        r = -errno;
        if (r == 0)
                *step = "attach its tmpfs";
        if (r == 0 && syscall(SYS_move_mount, mfd, "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                r = -errno;
        close(mfd);
        if (r < 0 || chdir(dir) < 0)
                return r < 0 ? r : -errno;
        *step = "mount /proc, /sys, /dev";
        if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
            mount("sysfs", "sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
            mount("/dev", "dev", NULL, MS_BIND | MS_REC, NULL) < 0 ||
            mount(NULL, "dev", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        *step = "pivot_root";
        if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                return -errno;
        *step = "make it read-only";
        if (mount(NULL, "/", NULL,
                  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return -errno;
        return 0;
}

/* The kernel does not propagate a namespace file's mount (EINVAL on a
 * shared mount, as /run is under systemd): then it goes on a private bind
 * of path onto itself. */
static int bind_ns(const char *nspath, const char *path)
{
        if (mount(nspath, path, NULL, MS_BIND, NULL) == 0)
                return 0;
        if (errno != EINVAL)
                return -errno;
        if (mount(path, path, NULL, MS_BIND, NULL) < 0 ||
            mount(NULL, path, NULL, MS_PRIVATE, NULL) < 0 ||
            mount(nspath, path, NULL, MS_BIND, NULL) < 0)
                return -errno;
        return 0;
}

/* The child that makes the namespace: reports one byte ('y', or the errno)
 * and the step that failed, then stays in it until the parent holds it. */
_Noreturn static void base_child(const char *dir, int ready, int go)
{
        const char *step = "unshare";
        char msg[80];
        int r = unshare(CLONE_NEWNS) < 0 ? -errno : build_base(dir, &step);
        int n = snprintf(msg, sizeof(msg), "%c%s", r == 0 ? 'y' : (char)-r, step);

        (void)!write(ready, msg, (size_t)n);
        (void)!read(go, msg, 1);
        _exit(0);
}

/* Make the namespace in a child and bind its nsfs file on path. */
static int make_base(const char *path, const char *dir, vz_err *e)
{
        int ready[2], go[2], st, r = 0, fd;
        char msg[80] = "", nspath[64];
        const char *step = "fork";
        ssize_t n = 0;
        pid_t pid;

        if (pipe2(ready, O_CLOEXEC) < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "pipe: %s", strerror(errno));
        if (pipe2(go, O_CLOEXEC) < 0) {
                r = -errno;
                close(ready[0]);
                close(ready[1]);
                return vz_fail(e, VZ_E_RESOURCE, r, "pipe: %s", strerror(-r));
        }
        pid = fork();
        if (pid == 0) {
                close(ready[0]);
                close(go[1]);
                base_child(dir, ready[1], go[0]);
        }
        close(ready[1]);
        close(go[0]);
        if (pid < 0 || (n = read(ready[0], msg, sizeof(msg) - 1)) < 1)
                r = pid < 0 ? -errno : -EIO;
        else if (msg[0] != 'y') {
                r = -(int)(unsigned char)msg[0];
                msg[n] = '\0';
                step = msg + 1;
        }
        if (r == 0) {
                step = "bind it";
                snprintf(nspath, sizeof(nspath), "/proc/%d/ns/mnt", (int)pid);
                fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        r = -errno;
                else
                        close(fd);
                if (r == 0)
                        r = bind_ns(nspath, path);
        }
        close(go[1]);
        close(ready[0]);
        if (pid > 0)
                waitpid(pid, &st, 0);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r,
                               "cannot make the base mount namespace %s (%s): %s", path, step,
                               strerror(-r));
        return 0;
}

int vz_base_mntns_open(const vz_ct *ct, vz_err *e)
{
        _cleanup_free_ char *path = base_path(ct, "mntns"), *lock = base_path(ct, "mntns.lock");
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int lfd = -1;
        int fd, r;

        if (!path || !lock)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        fd = open_kept(path);
        if (fd >= 0)
                return fd;
        lfd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (lfd < 0 || flock(lfd, LOCK_EX) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot lock %s: %s", lock, strerror(errno));
        fd = open_kept(path);
        if (fd >= 0)
                return fd;
        dir = strdup(path);
        if (!dir)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        *strrchr(dir, '/') = '\0';
        /* A rare EINVAL was seen while other trees mounted and unmounted
         * under the same host (which step: the message says); a new child
         * then succeeds. */
        for (int i = 0;; i++) {
                vz_err te = {0};
                r = make_base(path, dir, &te);
                if (r == 0)
                        break;
                if (r != -EINVAL || i == 4) {
                        if (e)
                                *e = te;
                        return r;
                }
                vz_warn("%s; trying again", te.msg);
                usleep(20000);
        }
        fd = open_kept(path);
        if (fd < 0)
                return vz_fail(e, VZ_E_SYSTEM, fd, "cannot open the base mount namespace %s", path);
        return fd;
}

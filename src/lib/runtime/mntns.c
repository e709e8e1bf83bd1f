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
 *   /       a read-only tmpfs, mounted on the host too (VZ_RUNDIR/mntns.root)
 *   /proc   a fresh proc and /sys a fresh sysfs, with nothing mounted
 *           over them: the kernel lets a user namespace mount proc or
 *           sysfs only where such a mount is fully visible already
 *   /dev    the host's /dev, bound recursively (device nodes for the CT's
 *           /dev and the masks over /proc)
 *   /ct     an empty directory, where a start attaches the CT's root
 *   /empty  an empty directory (0555): every CT's masks over /proc
 *           directories are read-only binds of it (spawn.c)
 *   /cgroup the skeleton of the hybrid /sys/fs/cgroup: a directory per
 *           host hierarchy (cgroup v1 controllers, name=systemd as
 *           systemd, cgroup2 as unified) and a link per controller of a
 *           joined one (cpu -> cpu,cpuacct), as systemd makes them; every
 *           such CT binds it read-only and mounts its hierarchies on its
 *           directories
 *   /layout what /cgroup was made for (the host's hierarchies): a base
 *           that does not match (older, or another cgroup layout) is
 *           made again; running CTs keep theirs
 *
 * So the pieces every CT has alike are one filesystem for all of them, not
 * one each: every superblock costs a memcg-aware shrinker, and every
 * memory cgroup on the host a slot in its shrinker map for each. The root
 * is on the host as well so that it is the host's filesystem, not any
 * CT's, and a checkpoint can name its directories as external mounts
 * (cpt-mounts.c) that a restore binds from there again.
 *
 * Everything in the namespace is private: nothing propagates in or out.
 * The CT's root comes in as a detached copy taken in the host's namespace
 * (spawn.c), so VE_ROOT stays mounted on the host, where admins expect it.
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

#include "cgroup.h"
#include "err.h"
#include "log.h"
#include "runtime.h"
#include "util.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif
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

const char *vz_cgroup_hier_dir(const char *ctrl, bool v2)
{
        const char *n = v2 ? "unified" : vz_startswith(ctrl, "name=") ? ctrl + 5 : ctrl;

        if (isempty(n) || strlen(n) > 100 || strchr(n, '/') || streq(n, ".") || streq(n, ".."))
                return NULL;
        return n;
}

/* What the root is made for (see /layout above): a version of this code's
 * layout, then the host's hierarchies (the v1 ones by their controllers,
 * cgroup2 as such: which controllers it has does not change the layout). */
static char *root_layout(const vz_cgroup *cg)
{
        _cleanup_free_ char *out = strdup("vz-base 1\n");
        const char *ctrl;
        bool v2;

        for (size_t i = 0; out && vz_cgroup_hier(cg, i, &ctrl, &v2); i++) {
                char *n = vz_strdupf("%s%s\n", out, v2 ? "cgroup2" : ctrl);
                free(out);
                out = n;
        }
        return TAKE_PTR(out);
}

/* /cgroup in the new root (mfd): see the top. */
static int make_cgroup_skel(int mfd, const vz_cgroup *cg)
{
        _cleanup_close_ int cgfd = -1;
        const char *ctrl;
        bool v2;

        if (mkdirat(mfd, "cgroup", 0755) < 0)
                return -errno;
        cgfd = openat(mfd, "cgroup", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cgfd < 0)
                return -errno;
        for (size_t i = 0; vz_cgroup_hier(cg, i, &ctrl, &v2); i++) {
                const char *dir = vz_cgroup_hier_dir(ctrl, v2);
                char list[128];
                if (!dir || (mkdirat(cgfd, dir, 0755) < 0 && errno != EEXIST))
                        continue;
                if (v2 || !strchr(dir, ','))
                        continue;
                snprintf(list, sizeof(list), "%s", dir);
                for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
                     t = strtok_r(NULL, ",", &save))
                        if (symlinkat(dir, cgfd, t) < 0)
                                vz_debug("link cgroup/%s -> %s: %s", t, dir, strerror(errno));
        }
        return 0;
}

/* The entries of the new root (mfd), /layout last. */
static int fill_root(int mfd, const vz_cgroup *cg, const char *layout)
{
        static const char *const dirs[] = {"proc", "sys", "dev", "ct", "empty"};
        ssize_t len = (ssize_t)strlen(layout);
        int fd, r;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdirat(mfd, dirs[i], 0755) < 0)
                        return -errno;
        if (fchmodat(mfd, "empty", 0555, 0) < 0)
                return -errno;
        r = make_cgroup_skel(mfd, cg);
        if (r < 0)
                return r;
        fd = openat(mfd, "layout", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        r = write(fd, layout, (size_t)len) == len ? 0 : -EIO;
        close(fd);
        return r;
}

static int sb_readonly(int mfd)
{
        int fd = (int)syscall(SYS_fspick, mfd, "", FSPICK_EMPTY_PATH | FSPICK_CLOEXEC), r = 0;

        if (fd < 0)
                return -errno;
        if (syscall(SYS_fsconfig, fd, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
            syscall(SYS_fsconfig, fd, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) < 0)
                r = -errno;
        close(fd);
        return r;
}

/* The root (see the top), filled, read-only and on the host at root. */
static int make_root(const char *root, const vz_cgroup *cg, const char *layout, const char **step)
{
        struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
        int fsfd, mfd, r = 0;

        *step = "make its tmpfs";
        if (mkdir(root, 0755) < 0 && errno != EEXIST)
                return -errno;
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
        *step = "fill its tmpfs";
        r = fill_root(mfd, cg, layout);
        if (r == 0) {
                /* The superblock itself read-only: no mount of it can write,
                 * whatever its flags or idmapping (spawn.c binds its
                 * directories idmapped into CTs). */
                *step = "make its tmpfs read-only";
                r = sb_readonly(mfd);
        }
        if (r == 0) {
                *step = "mount its tmpfs";
                if (syscall(SYS_mount_setattr, mfd, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0 ||
                    syscall(SYS_move_mount, mfd, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        r = -errno;
        }
        close(mfd);
        if (r == 0)
                (void)mount(NULL, root, NULL, MS_PRIVATE, NULL);
        return r;
}

/* In the child that makes the namespace: a copy of root (mounted on the
 * host by make_root) as its root, /proc, /sys and /dev on it. 0 or -errno. */
static int build_base(const char *root, const char **step)
{
        *step = "make / private";
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        *step = "enter its root";
        if (chdir(root) < 0)
                return -errno;
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
_Noreturn static void base_child(const char *root, int ready, int go)
{
        const char *step = "unshare";
        char msg[80];
        int r = unshare(CLONE_NEWNS) < 0 ? -errno : build_base(root, &step);
        int n = snprintf(msg, sizeof(msg), "%c%s", r == 0 ? 'y' : (char)-r, step);

        (void)!write(ready, msg, (size_t)n);
        (void)!read(go, msg, 1);
        _exit(0);
}

/* The child's report: 0 or -errno, *step the step that failed. */
static int child_report(int ready, pid_t pid, char *msg, size_t len, const char **step)
{
        ssize_t n;

        if (pid < 0)
                return -errno;
        n = read(ready, msg, len - 1);
        if (n < 1)
                return -EIO;
        msg[n] = '\0';
        if (msg[0] == 'y')
                return 0;
        *step = msg + 1;
        return -(int)(unsigned char)msg[0];
}

/* Make the root on the host, the namespace in a child, and bind its nsfs
 * file on path. */
static int make_base(const char *path, const char *root, const vz_cgroup *cg, const char *layout,
                     vz_err *e)
{
        int ready[2], go[2], st, r, fd;
        char msg[80] = "", nspath[64];
        const char *step = "fork";
        pid_t pid = -1;

        r = make_root(root, cg, layout, &step);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r,
                               "cannot make the base mount namespace's root %s (%s): %s", root,
                               step, strerror(-r));
        if (pipe2(ready, O_CLOEXEC) < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "pipe: %s", strerror(errno));
        if (pipe2(go, O_CLOEXEC) < 0) {
                r = -errno;
                close(ready[0]);
                close(ready[1]);
                return vz_fail(e, VZ_E_RESOURCE, r, "pipe: %s", strerror(-r));
        }
        step = "fork";
        pid = fork();
        if (pid == 0) {
                close(ready[0]);
                close(go[1]);
                base_child(root, ready[1], go[0]);
        }
        close(ready[1]);
        close(go[0]);
        r = child_report(ready[0], pid, msg, sizeof(msg), &step);
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

/* The kept namespace, if its root on the host was made for layout. */
static int open_matching(const char *path, const char *root, const char *layout)
{
        _cleanup_free_ char *lpath = vz_strdupf("%s/layout", root), *have = NULL;
        struct statfs sf;

        if (!lpath || statfs(root, &sf) < 0 || sf.f_type != TMPFS_MAGIC ||
            vz_read_file(lpath, 1 << 16, &have, NULL) < 0 || !streq(have, layout))
                return -ENOENT;
        return open_kept(path);
}

/* A base that does not match (see the top), or half of one: both unmounted
 * on the host (running CTs keep theirs). */
static void drop_base(const char *path, const char *root)
{
        (void)umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
        while (umount2(root, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
                ;
}

char *vz_base_root_path(const vz_ct *ct)
{
        return base_path(ct, "mntns.root");
}

int vz_base_mntns_open(const vz_ct *ct, const vz_cgroup *cg, vz_err *e)
{
        _cleanup_free_ char *path = base_path(ct, "mntns"), *lock = base_path(ct, "mntns.lock");
        _cleanup_free_ char *root = base_path(ct, "mntns.root"), *layout = root_layout(cg);
        _cleanup_close_ int lfd = -1;
        int fd, r;

        if (!path || !lock || !root || !layout)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        fd = open_matching(path, root, layout);
        if (fd >= 0)
                return fd;
        lfd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (lfd < 0 || flock(lfd, LOCK_EX) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot lock %s: %s", lock, strerror(errno));
        fd = open_matching(path, root, layout);
        if (fd >= 0)
                return fd;
        drop_base(path, root);
        /* A rare EINVAL was seen while other trees mounted and unmounted
         * under the same host (which step: the message says); a new child
         * then succeeds. */
        for (int i = 0;; i++) {
                vz_err te = {0};
                r = make_base(path, root, cg, layout, &te);
                if (r == 0)
                        break;
                drop_base(path, root);
                if (r != -EINVAL || i == 4) {
                        if (e)
                                *e = te;
                        return r;
                }
                vz_warn("%s; trying again", te.msg);
                usleep(20000);
        }
        fd = open_matching(path, root, layout);
        if (fd < 0)
                return vz_fail(e, VZ_E_SYSTEM, fd, "cannot open the base mount namespace %s", path);
        return fd;
}

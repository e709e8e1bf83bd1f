/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Starting a CT's init. Runs in the supervisor (host root), in two more
 * processes:
 *
 *   supervisor ── A (host root) ── B = the CT's PID 1
 *
 * A: joins the CT's cgroups; enters the base mount namespace (mntns.c: a
 *    few mounts, not the host's table with one VE_ROOT per running CT) and
 *    clones B from there into new user, mount, UTS, IPC, network, cgroup
 *    and PID namespaces (the kernel makes the user namespace first, so it
 *    owns the others and the CT's root can manage them); writes B's ID
 *    maps. Back in the host's mount namespace it takes detached copies of
 *    the CT's root and of the host files the CT gets; then, in a copy of
 *    the base namespace of its own, attaches the root (an idmapped mount
 *    when the CT has a user namespace, so files stored with IDs 0..65535
 *    appear as the CT's range), builds the CT's tree from the filesystems
 *    B sends, pivots into it and hands the namespace to B (see below);
 *    then exits. The supervisor is a child subreaper, so B becomes its
 *    child.
 * B: becomes the CT's root, enters a time namespace of its own, creates
 *    the CT's kernel filesystems (/proc, /sys, /dev, cgroups) for A, joins
 *    the finished mount namespace, writes hostname/hosts/resolv.conf from
 *    inside (so no CT symlink can redirect a host-side write), drops
 *    capabilities, loads the seccomp filter and execs /sbin/init.
 * A and B work in parallel: A builds the root while B makes filesystems.
 *
 * Errors in A or B travel to the supervisor as a message on a socket; on
 * success B's exec closes the socket (SOCK_CLOEXEC), which is the signal.
 */
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "cgroup.h"
#include "err.h"
#include "log.h"
#include "runtime.h"
#include "net/net.h"
#include "storage/storage.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct plan {
        const vz_ct *ct;
        const char *root;    /* VE_ROOT */
        const char *private; /* VE_PRIVATE */
        bool userns;
        bool image;   /* VE_PRIVATE holds an image, mounted on VE_ROOT */
        bool overlay; /* the overlay layout, mounted on VE_ROOT, layers idmapped */
        uid_t uid;
        gid_t gid;
        int userns_fd;
        int base_ns; /* the base mount namespace (mntns.c) */
        vz_cgroup *cg;
        uint64_t caps_keep;
        bool cg_legacy; /* hybrid /sys/fs/cgroup (see bind_cgroup_skel) */
        char *lxcfs;    /* lxcfs mount point, or NULL (LXCFS=no) */
        char *ubc_dir;  /* the supervisor's beancounter directory */
        int sock;       /* to the supervisor */
        int cg_fd;      /* -1, or where vzctl says its cgroups are ready */
        int sock_a[2];  /* between A and B */
};

/* ------------------------------------------------------------------ messages */

/* A child reports a failure: "<code> <message>". */
_Noreturn static void child_fail(int sock, int code, int err, const char *fmt, ...) _printf_(4, 5);
_Noreturn static void child_fail(int sock, int code, int err, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;
        int n;

        n = snprintf(buf, sizeof(buf), "%d ", code);
        va_start(ap, fmt);
        n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
        va_end(ap);
        if (err && n < (int)sizeof(buf))
                snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(err));
        (void)!send(sock, buf, strlen(buf), MSG_NOSIGNAL);
        _exit(1);
}

static int send_fd(int sock, const char *tag, int fd)
{
        char cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = {.iov_base = (void *)tag, .iov_len = strlen(tag)};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        struct cmsghdr *c;

        memset(cbuf, 0, sizeof(cbuf));
        if (fd >= 0) {
                m.msg_control = cbuf;
                m.msg_controllen = sizeof(cbuf);
                c = CMSG_FIRSTHDR(&m);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        return sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static ssize_t recv_msg(int sock, char *buf, size_t len, int *ret_fd)
{
        char cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = {.iov_base = buf, .iov_len = len - 1};
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
        struct cmsghdr *c;
        ssize_t n;

        *ret_fd = -1;
        do
                n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        return n;
}

/* ------------------------------------------------------------------ A */

static int mount_root(const struct plan *p)
{
        /* simfs: the private directory itself. The image layout: the image
         * as mounted on VE_ROOT by vzctl start (nosuid,nodev there, which
         * the CT's copy drops). */
        bool image = vz_image_exists(p->private);
        /* overlay: the overlay vzctl start mounted on VE_ROOT, its layers
         * idmapped already (overlayfs itself cannot be idmapped). */
        bool overlay = !image && vz_overlay_is(p->private);
        const char *src = image || overlay ? p->root : p->private;
        struct mount_attr attr = {0};
        int tfd;

        /* The new mount API is required for idmapped mounts; a plain bind is
         * enough without a user namespace. */
        tfd = (int)syscall(SYS_open_tree, AT_FDCWD, src,
                           OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (tfd < 0) {
                if (errno != ENOSYS || p->userns || image)
                        return -errno;
                return mount(p->private, p->root, NULL, MS_BIND | MS_REC, NULL) < 0 ? -errno : 0;
        }
        if (p->userns && !overlay) {
                attr.attr_set = MOUNT_ATTR_IDMAP;
                attr.userns_fd = (uint64_t)p->userns_fd;
        }
        if (image || overlay)
                attr.attr_clr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        if ((attr.attr_set || attr.attr_clr) &&
            syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) <
                0) {
                int r = -errno;
                close(tfd);
                return r == -EINVAL && p->userns ? -EOPNOTSUPP : r;
        }
        if (syscall(SYS_move_mount, tfd, "", AT_FDCWD, p->root, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
                int r = -errno;
                close(tfd);
                return r;
        }
        close(tfd);
        return 0;
}

int vz_spawn_mount_root(const vz_ct *ct, int userns_fd)
{
        struct plan p = {.ct = ct,
                         .root = vz_ct_root(ct),
                         .private = vz_ct_private(ct),
                         .userns = userns_fd >= 0,
                         .userns_fd = userns_fd};

        if (!p.root || !p.private)
                return -EINVAL;
        return mount_root(&p);
}

/* Make the CT's clocks start at zero: uptime inside counts from CT start. */
static void set_time_offsets(void)
{
        struct timespec mono, boot;
        char buf[128];
        int fd, n;

        if (clock_gettime(CLOCK_MONOTONIC, &mono) < 0 || clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
                return;
        fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        /* The kernel refuses offsets that would make a clock negative. */
        n = snprintf(buf, sizeof(buf), "monotonic %lld 0\nboottime %lld 0\n",
                     -(long long)mono.tv_sec + 1, -(long long)boot.tv_sec + 1);
        (void)!write(fd, buf, n);
        close(fd);
}

/* ------------------------------------------------------------------ B */

/*
 * The CT's kernel filesystems. B creates each one inside the CT's
 * namespaces (so /proc shows its PID namespace, /sys its network namespace,
 * the cgroup tree its cgroup namespace, devpts and tmpfs belong to its
 * root) and hands the detached mounts to A. A, still host root in a mount
 * namespace of the host's user namespace, assembles the tree, masks and
 * read-only binds included, and pivots into it; the CT then gets a copy of
 * that namespace made from its own user namespace, in which the kernel
 * locks every mount together with its flags: the CT's root cannot unmount
 * a mask or remount /proc/sys writable.
 */
struct fs_spec {
        const char *type, *where;
        const char *opts[3][2];
        unsigned attr;
        bool optional;
};

enum { FS_PROC, FS_SYS, FS_CGROUP, FS_DEV, FS_PTS, FS_MQUEUE, FS_MAX };

#define NOSUID_NODEV_NOEXEC (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
static const struct fs_spec fs_table[FS_MAX] = {
    [FS_PROC] = {.type = "proc", .where = "proc", .attr = NOSUID_NODEV_NOEXEC},
    [FS_SYS] = {.type = "sysfs", .where = "sys", .attr = MOUNT_ATTR_RDONLY | NOSUID_NODEV_NOEXEC},
    [FS_CGROUP] = {.type = "cgroup2",
                   .where = "sys/fs/cgroup",
                   .attr = NOSUID_NODEV_NOEXEC,
                   .optional = true},
    /* /dev/shm is a directory of it (setup_dev), so no size of its own:
     * tmpfs's default, half the RAM, as the CT's /dev/shm tmpfs had for
     * its POSIX shared memory (the pages are charged to the CT's memory
     * cgroup either way). Not noexec, for the same reason (as systemd
     * mounts /dev and /dev/shm). */
    [FS_DEV] = {.type = "tmpfs",
                .where = "dev",
                .opts = {{"mode", "755"}},
                .attr = MOUNT_ATTR_NOSUID},
    [FS_PTS] = {.type = "devpts",
                .where = "dev/pts",
                .opts = {{"ptmxmode", "0666"}, {"mode", "0620"}, {"gid", "5"}},
                .attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC},
    [FS_MQUEUE] = {.type = "mqueue",
                   .where = "dev/mqueue",
                   .attr = NOSUID_NODEV_NOEXEC,
                   .optional = true},
};

/*
 * The CT's /sys/fs/cgroup, rooted at its own cgroup by the cgroup namespace.
 * On a pure cgroup2 host: cgroup2 there, delegated (cgroup.procs,
 * subtree_control owned by the CT's root; the limit files of its top cgroup
 * stay host root's, and nsdelegate makes that top a boundary).
 *
 * On a host with v1 hierarchies (like OpenVZ 7 hosts) the CT gets the same
 * hybrid layout the host has: a read-only tmpfs holding every v1 hierarchy
 * under its host name, the name=systemd one writable and delegated, each
 * controller read-only, plus the cgroup2 tree at unified/ (writable, no
 * controllers). That tmpfs is the base namespace's skeleton (mntns.c), one
 * for all CTs, bound into each.
 * Hybrid rather than cgroup2-only because (1) on such a host the controllers
 * live in v1 only: a cgroup2-only view shows the CT none of them, so programs
 * that size themselves from their cgroup (JVM heap from
 * memory/memory.limit_in_bytes, Go/.NET CPU counts from cpu/cpu.cfs_quota_us)
 * would see the whole host; (2) systemd < 230 (CentOS 7, old Ubuntu CTs)
 * cannot run on a cgroup2-only tree, while every systemd since 219 runs in
 * the hybrid/legacy layout; (3) it is what the host's own systemd uses. The
 * controllers are read-only: the CT cannot raise its limits through them
 * (with a user namespace their files belong to an unmapped host root
 * anyway; a privileged CT's root would otherwise pass DAC checks), and
 * systemd, finding cgroup.procs not writable there, leaves them alone and
 * tracks its units in name=systemd and unified only. Without a
 * name=systemd hierarchy on the host systemd could not run in legacy mode
 * (a cgroup namespace may not create hierarchies), so the CT then gets
 * cgroup2 at /sys/fs/cgroup.
 */
/* B: a detached mount of one filesystem, made in B's namespaces. */
static int make_fs(const struct fs_spec *f)
{
        int fsfd, mfd, r = 0;

        fsfd = (int)syscall(SYS_fsopen, f->type, FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return -errno;
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(f->opts) && f->opts[i][0]; i++)
                if (syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, f->opts[i][0], f->opts[i][1],
                            0) < 0)
                        r = -errno;
        if (r == 0 && syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                r = -errno;
        mfd = r == 0 ? (int)syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, f->attr) : -1;
        if (r == 0 && mfd < 0)
                r = -errno;
        close(fsfd);
        return r < 0 ? r : mfd;
}

/* A: the directory `where` inside the CT's tree (dirfd), never following a
 * symlink the CT planted: A is host root, and the tree is the CT's. */
static int open_target(int dirfd, const char *where, bool create_dir)
{
        struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                               .resolve =
                                   RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
        int fd = (int)syscall(SYS_openat2, dirfd, where, &how, sizeof(how));

        if (fd < 0 && errno == ENOENT && create_dir && !strchr(where, '/')) {
                if (mkdirat(dirfd, where, 0755) < 0 && errno != EEXIST)
                        return -errno;
                fd = (int)syscall(SYS_openat2, dirfd, where, &how, sizeof(how));
        }
        return fd < 0 ? -errno : fd;
}

static int attach(int mfd, int dirfd, const char *where)
{
        int tfd = open_target(dirfd, where, true), r = 0;

        if (tfd < 0)
                return tfd;
        if (syscall(SYS_move_mount, mfd, "", tfd, "",
                    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                r = -errno;
        close(tfd);
        return r;
}

/* B: one cgroup hierarchy as the CT's cgroup namespace shows it. ctrl is a
 * v1 hierarchy's comma list ("cpu", "name=systemd"); only existing
 * hierarchies can be mounted from a cgroup namespace, with their exact
 * controller set. */
static int make_cgroup_fs(const char *ctrl, bool v2)
{
        _cleanup_free_ char *list = strdup(ctrl);
        unsigned attr = NOSUID_NODEV_NOEXEC;
        char *save = NULL;
        int fsfd, mfd, r = 0;

        if (!list)
                return -ENOMEM;
        fsfd = (int)syscall(SYS_fsopen, v2 ? "cgroup2" : "cgroup", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return -errno;
        if (!v2 && !strstr(ctrl, "name="))
                attr |= MOUNT_ATTR_RDONLY;
        for (char *t = v2 ? NULL : strtok_r(list, ",", &save); t && r == 0;
             t = strtok_r(NULL, ",", &save)) {
                if (vz_startswith(t, "name="))
                        r = (int)syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "name", t + 5, 0);
                else
                        r = (int)syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FLAG, t, NULL, 0);
                r = r < 0 ? -errno : 0;
        }
        if (r == 0 && syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                r = -errno;
        mfd = r == 0 ? (int)syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, attr) : -1;
        if (r == 0 && mfd < 0)
                r = -errno;
        close(fsfd);
        return r < 0 ? r : mfd;
}

/* B: the hybrid layout's hierarchies, one message each ("cg <dir>" with the
 * mount, or none if it failed), then "cg-end". */
static void send_cgroup_mounts(const struct plan *p)
{
        const char *ctrl;
        bool v2;

        for (size_t i = 0; vz_cgroup_hier(p->cg, i, &ctrl, &v2); i++) {
                int mfd = make_cgroup_fs(ctrl, v2);
                char tag[128];
                if (mfd < 0)
                        continue;
                const char *dir = vz_cgroup_hier_dir(ctrl, v2);
                if (dir) {
                        snprintf(tag, sizeof(tag), "cg %s", dir);
                        (void)send_fd(p->sock_a[1], tag, mfd);
                }
                close(mfd);
        }
        (void)send_fd(p->sock_a[1], "cg-end", -1);
}

/* A: a read-only bind of a directory of the base namespace's root (src:
 * /empty or /cgroup, see mntns.c), one tmpfs for all CTs, on where in the
 * CT's tree. Its files belong to the host's root: idmapped (when the CT
 * has a user namespace and the kernel can idmap tmpfs, 6.3) the CT sees
 * them as its root's, as it saw the tmpfs of its own they replace. */
static int bind_base_dir(int userns_fd, const char *src, int rootfd, const char *where)
{
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | NOSUID_NODEV_NOEXEC};
        _cleanup_close_ int tfd =
            (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

        if (tfd < 0)
                return -errno;
        if (userns_fd >= 0) {
                struct mount_attr idmap = {.attr_set = attr.attr_set | MOUNT_ATTR_IDMAP,
                                           .userns_fd = (uint64_t)userns_fd};
                if (syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH, &idmap, sizeof(idmap)) == 0)
                        return attach(tfd, rootfd, where);
        }
        if (syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                return -errno;
        return attach(tfd, rootfd, where);
}

/* A: the CT's legacy /sys/fs/cgroup: the base namespace's skeleton (the
 * directory of each host hierarchy, a link per controller of a joined one:
 * cpu -> cpu,cpuacct), bound; `stat -f` says tmpfs, as systemd wants for
 * this layout. Then each hierarchy B sent, on its directory. */
static void attach_cgroup_mounts(const struct plan *p, int rootfd)
{
        _cleanup_close_ int cgfd = -1;
        char buf[128];
        int fd, r;

        r = bind_base_dir(p->userns ? p->userns_fd : -1, "/cgroup", rootfd, "sys/fs/cgroup");
        if (r < 0)
                vz_warn("cannot bind the cgroup skeleton on the CT's /sys/fs/cgroup: %s",
                        strerror(-r));
        else
                cgfd = open_target(rootfd, "sys/fs/cgroup", false);
        for (;;) {
                if (recv_msg(p->sock_a[0], buf, sizeof(buf), &fd) <= 0 ||
                    !vz_startswith(buf, "cg ")) {
                        if (fd >= 0)
                                close(fd);
                        break;
                }
                r = cgfd >= 0 && fd >= 0 ? attach(fd, cgfd, buf + 3) : 0;
                if (r < 0)
                        vz_debug("mount /sys/fs/cgroup/%s: %s", buf + 3, strerror(-r));
                if (fd >= 0)
                        close(fd);
        }
}

/*
 * A: the CT's beancounter file, /dev/.vz/user_beancounters (a stock procfs
 * cannot gain /proc/user_beancounters): a read-only bind of the directory
 * the supervisor keeps on the host (VZ_RUNDIR/<CTID>.ubc, see supervisor.c),
 * which fills the file whenever someone opens it. One plain bind of a host
 * path, so a checkpoint can declare it external and a restore bind it
 * again (cpt.c). tfd: a detached copy of that directory, taken while A was
 * host root in the host's namespace.
 */
static int bind_ubc_dir(int tfd, int rootfd)
{
        struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY | NOSUID_NODEV_NOEXEC};
        _cleanup_close_ int devfd = open_target(rootfd, "dev", false), t = tfd;

        if (devfd < 0)
                return devfd;
        if (mkdirat(devfd, ".vz", 0755) < 0 && errno != EEXIST)
                return -errno;
        if (syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
                return -errno;
        return attach(t, devfd, ".vz");
}

/* The supervisor's meminfo (meminfo.c, beside the beancounters) over the
 * CT's /proc/meminfo, read-only. */
static int bind_meminfo(int tfd, int rootfd)
{
        struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY | NOSUID_NODEV_NOEXEC};
        _cleanup_close_ int procfd = open_target(rootfd, "proc", false), t = tfd;

        if (procfd < 0)
                return procfd;
        if (syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
                return -errno;
        if (syscall(SYS_move_mount, t, "", procfd, "meminfo", MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

/* Bind a host device node onto a new file in the CT's fresh /dev tmpfs. */
static int bind_dev(int devfd, const char *name)
{
        char host[64];
        int fd, tfd, r = 0;

        snprintf(host, sizeof(host), "/dev/%s", name);
        fd = openat(devfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0)
                return -errno;
        close(fd);
        tfd = (int)syscall(SYS_open_tree, AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tfd < 0)
                return -errno;
        if (syscall(SYS_move_mount, tfd, "", devfd, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                r = -errno;
        close(tfd);
        return r;
}

/* Read-only bind of a /proc path onto itself, or /dev/null (files) / the
 * base namespace's empty directory (mntns.c: one for all CTs) over a path
 * that reveals or acts on the host. Paths are inside the fresh proc mount:
 * kernel-made, no links. */
static void mask_path(const struct plan *p, int rootfd, const char *name, bool hide)
{
        struct stat st;

        if (lstat(name, &st) < 0)
                return;
        if (hide && !S_ISDIR(st.st_mode))
                (void)mount("/dev/null", name, NULL, MS_BIND, NULL);
        else if (hide)
                (void)bind_base_dir(p->userns ? p->userns_fd : -1, "/empty", rootfd, name);
        else if (mount(name, name, NULL, MS_BIND | MS_REC, NULL) == 0)
                (void)mount(NULL, name, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
}

static void setup_proc_masks(const struct plan *p, int rootfd)
{
        static const char *const hidden[] = {
            "proc/kcore", "proc/kallsyms", "proc/timer_list", "proc/sched_debug", "proc/keys",
            "proc/kmsg",  "proc/acpi",     "proc/scsi",       "proc/firmware",    NULL};
        static const char *const readonly[] = {
            "proc/sysrq-trigger", "proc/irq", "proc/bus", "proc/fs", "proc/sys", NULL};

        for (size_t i = 0; hidden[i]; i++)
                mask_path(p, rootfd, hidden[i], true);
        for (size_t i = 0; readonly[i]; i++)
                mask_path(p, rootfd, readonly[i], false);
        /* /proc/sys is read-only except the CT's own network namespace: a
         * writable bind of proc/sys/net on top of the read-only one. */
        if (mount("proc/sys/net", "proc/sys/net", NULL, MS_BIND, NULL) == 0)
                (void)mount(NULL, "proc/sys/net", NULL, MS_BIND | MS_REMOUNT, NULL);
}

/* A: /dev from B's tmpfs, devpts and mqueue mounts; the console pty. */
/* DEVNODES "name:perm": the host's /dev/name, bound at the same place in the
 * CT's /dev (the cgroup's device list grants the access). */
static int bind_devnodes(int devfd, const vz_ct *ct)
{
        _cleanup_strv_free_ char **v = NULL;

        vz_strv_split(vz_ct_get(ct, "DEVNODES"), " ", &v);
        for (size_t i = 0; v && v[i]; i++) {
                char *c = strrchr(v[i], ':'), *slash;
                int dfd = devfd, r;
                if (!c || streq(c + 1, "none"))
                        continue;
                *c = '\0';
                if (v[i][0] == '/' || strstr(v[i], ".."))
                        continue;
                /* One level of directory at most (net/tun, fuse, kvm). */
                slash = strchr(v[i], '/');
                if (slash) {
                        *slash = '\0';
                        (void)mkdirat(devfd, v[i], 0755);
                        dfd = openat(devfd, v[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        *slash = '/';
                        if (dfd < 0)
                                return -errno;
                }
                {
                        char host[300];
                        int tfd, fd;
                        snprintf(host, sizeof(host), "/dev/%s", v[i]);
                        fd = openat(dfd, slash ? slash + 1 : v[i],
                                    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                        if (fd >= 0)
                                close(fd);
                        tfd =
                            (int)syscall(SYS_open_tree, AT_FDCWD, host,
                                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
                        r = tfd < 0 ? -errno : 0;
                        if (r == 0 &&
                            syscall(SYS_move_mount, tfd, "", dfd, slash ? slash + 1 : v[i],
                                    MOVE_MOUNT_F_EMPTY_PATH) < 0)
                                r = -errno;
                        if (tfd >= 0)
                                close(tfd);
                }
                if (dfd != devfd)
                        close(dfd);
                if (r < 0)
                        vz_warn("DEVNODES %s: %s", v[i], strerror(-r));
        }
        return 0;
}

static int setup_dev(int rootfd, int fs[FS_MAX], const vz_ct *ct, int *ret_master)
{
        static const char *const nodes[] = {"null",    "zero", "full", "random",
                                            "urandom", "tty",  NULL};
        static const char *const links[][2] = {
            {"pts/ptmx", "ptmx"},          {"/proc/self/fd", "fd"},
            {"/proc/self/fd/0", "stdin"},  {"/proc/self/fd/1", "stdout"},
            {"/proc/self/fd/2", "stderr"}, {"console", "tty1"}};
        _cleanup_close_ int devfd = -1, ptsfd = -1;
        char slave[64];
        int r, master, fd;

        r = attach(fs[FS_DEV], rootfd, "dev");
        if (r < 0)
                return r;
        devfd = open_target(rootfd, "dev", false);
        if (devfd < 0)
                return devfd;
        for (size_t i = 0; nodes[i]; i++) {
                r = bind_dev(devfd, nodes[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i][0], devfd, links[i][1]) < 0)
                        vz_debug("link /dev/%s -> %s: %s", links[i][1], links[i][0],
                                 strerror(errno));
        r = bind_devnodes(devfd, ct);
        if (r < 0)
                return r;
        (void)mkdirat(devfd, "pts", 0755);
        (void)mkdirat(devfd, "mqueue", 0755);
        /* /dev/shm: a directory, no filesystem of its own (see FS_DEV). A
         * CT's systemd mounts a tmpfs there, which is the CT's. */
        if ((mkdirat(devfd, "shm", 01777) < 0 && errno != EEXIST) ||
            fchmodat(devfd, "shm", 01777, 0) < 0)
                return -errno;
        r = attach(fs[FS_PTS], rootfd, "dev/pts");
        if (r < 0)
                return r;
        if (fs[FS_MQUEUE] >= 0)
                (void)attach(fs[FS_MQUEUE], rootfd, "dev/mqueue");

        /* The console is a pty of the CT's own devpts; the supervisor keeps
         * the master, so it outlives every attach and detach. */
        ptsfd = open_target(rootfd, "dev/pts", false);
        if (ptsfd < 0)
                return ptsfd;
        master = openat(ptsfd, "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return -errno;
        if (unlockpt(master) < 0 || ptsname_r(master, slave, sizeof(slave)) != 0 ||
            !vz_startswith(slave, "/dev/pts/")) {
                close(master);
                return -EIO;
        }
        fd = openat(devfd, "console", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0)
                close(fd);
        fd = (int)syscall(SYS_open_tree, ptsfd, slave + strlen("/dev/pts/"),
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
        if (fd < 0 ||
            syscall(SYS_move_mount, fd, "", devfd, "console", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
                r = -errno;
                if (fd >= 0)
                        close(fd);
                close(master);
                return r;
        }
        close(fd);
        *ret_master = master;
        return 0;
}

static int write_small_file(const char *path, const char *content)
{
        /* Inside the CT, after pivot_root: O_NOFOLLOW keeps even the CT's own
         * symlink games out of it (the write happens as the CT's root). */
        size_t len = strlen(content);
        char old[4097];
        ssize_t n;
        int fd;

        /* Unchanged (every start after the first): no truncate and rewrite
         * of the CT's file on its disk. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd >= 0) {
                struct stat st;
                n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && len < sizeof(old)
                        ? read(fd, old, len + 1)
                        : -1;
                close(fd);
                if (n == (ssize_t)len && memcmp(old, content, len) == 0)
                        return 0;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        n = write(fd, content, len);
        close(fd);
        return n < 0 ? -errno : 0;
}

/* Hostname, /etc/hosts and /etc/resolv.conf, as OpenVZ's dist scripts did.
 * Runs inside the CT (as its root, after pivot_root or a join). */
void vz_ct_configure_identity(const vz_ct *ct)
{
        const char *h = vz_ct_get(ct, "HOSTNAME");
        const char *ns = vz_ct_get(ct, "NAMESERVER");
        const char *sd = vz_ct_get(ct, "SEARCHDOMAIN");

        if (!isempty(h)) {
                _cleanup_free_ char *line = vz_strdupf("%s\n", h), *hosts = NULL;
                if (sethostname(h, strlen(h)) < 0)
                        vz_debug("sethostname %s: %s", h, strerror(errno));
                if (line)
                        write_small_file("/etc/hostname", line);
                {
                        _cleanup_free_ char *old = NULL;
                        if (vz_read_file("/etc/hosts", 1 << 20, &old, NULL) < 0 ||
                            !strstr(old, h)) {
                                char *shortname = strndup(h, strcspn(h, "."));
                                hosts =
                                    vz_strdupf("127.0.0.1 localhost\n::1 localhost "
                                               "ip6-localhost ip6-loopback\n"
                                               "127.0.1.1 %s%s%s\n%s",
                                               h, shortname && strcmp(shortname, h) ? " " : "",
                                               shortname && strcmp(shortname, h) ? shortname : "",
                                               old && !strstr(old, "localhost") ? old : "");
                                free(shortname);
                                if (hosts)
                                        write_small_file("/etc/hosts", hosts);
                        }
                }
        }
        if (!isempty(ns) || !isempty(sd)) {
                _cleanup_strv_free_ char **nsv = NULL, **sdv = NULL;
                _cleanup_free_ char *hostconf = NULL;
                char buf[4096] = "";
                size_t n = 0;

                /* "inherit" was resolved on the host and passed in the
                 * environment by the supervisor (VZ_HOST_RESOLV). */
                if ((ns && strstr(ns, "inherit")) || (sd && strstr(sd, "inherit")))
                        hostconf =
                            getenv("VZ_HOST_RESOLV") ? strdup(getenv("VZ_HOST_RESOLV")) : NULL;
                vz_strv_split(ns, " ", &nsv);
                vz_strv_split(sd, " ", &sdv);
                if (sdv && sdv[0]) {
                        n += snprintf(buf + n, sizeof(buf) - n, "search");
                        for (size_t i = 0; sdv[i]; i++)
                                if (!streq(sdv[i], "inherit"))
                                        n += snprintf(buf + n, sizeof(buf) - n, " %s", sdv[i]);
                        n += snprintf(buf + n, sizeof(buf) - n, "\n");
                }
                if (hostconf)
                        for (char *l = strtok(hostconf, "\n"); l; l = strtok(NULL, "\n")) {
                                bool nsl = vz_startswith(l, "nameserver");
                                bool sdl = vz_startswith(l, "search");
                                if ((nsl && ns && strstr(ns, "inherit")) ||
                                    (sdl && sd && strstr(sd, "inherit")))
                                        n += snprintf(buf + n, sizeof(buf) - n, "%s\n", l);
                        }
                for (size_t i = 0; nsv && nsv[i]; i++)
                        if (!streq(nsv[i], "inherit"))
                                n += snprintf(buf + n, sizeof(buf) - n, "nameserver %s\n", nsv[i]);
                if (n > 0 && n < sizeof(buf)) {
                        struct stat st;
                        /* A dangling symlink (systemd-resolved's stub) is the CT's
                         * choice; only write a regular file or a missing one. */
                        if (lstat("/etc/resolv.conf", &st) < 0 || S_ISREG(st.st_mode))
                                write_small_file("/etc/resolv.conf", buf);
                }
        }
}

static void loopback_up(void)
{
        struct ifreq ifr = {0};
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
                ifr.ifr_flags |= IFF_UP;
                (void)ioctl(fd, SIOCSIFFLAGS, &ifr);
        }
        close(fd);
}

/* B: born in the CT's namespaces (see run_a); the user namespace has no
 * maps until A writes them, from outside as it must. Then the CT's root. */
static void become_ct_root(struct plan *p)
{
        char buf[64];
        int fd;

        if (!p->userns)
                return;
        if (recv_msg(p->sock_a[1], buf, sizeof(buf), &fd) <= 0 || !streq(buf, "mapped"))
                _exit(1); /* A said why */
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || setgroups(0, NULL) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot become the CT's root");
        /* The ID change made us non-dumpable, which hands our /proc files to
         * the host's root; we need /proc/self below. */
        prctl(PR_SET_DUMPABLE, 1);
}

/* B: a time namespace of the CT's user namespace, clocks from zero. Its
 * offsets can only be set before a process is in it, so it is made for our
 * children, set, and then joined (setns moves the caller). Time namespaces
 * are newer (5.6); run without one if missing. */
static void enter_time_ns(struct plan *p)
{
        int nsfd;

        if (unshare(CLONE_NEWTIME) < 0)
                return;
        set_time_offsets();
        nsfd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
        if (nsfd < 0 || setns(nsfd, CLONE_NEWTIME) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot enter the CT's time namespace");
        close(nsfd);
}

/* B: our filesystems, made here and handed to A (see above); then A's
 * answer, its mount namespace made for us, joined. */
static void make_filesystems(struct plan *p)
{
        char buf[64];
        int nsfd;

        for (int i = 0; i < FS_MAX; i++) {
                const struct fs_spec *f = &fs_table[i];
                /* The hybrid layout's tmpfs is the base namespace's. */
                int mfd = i == FS_CGROUP && p->cg_legacy ? -ENOENT : make_fs(f);
                char tag[16];
                if (mfd < 0 && !f->optional)
                        child_fail(p->sock, VZ_E_SYSTEM, -mfd, "cannot create the CT's %s",
                                   f->type);
                snprintf(tag, sizeof(tag), "fs %d", i);
                if (send_fd(p->sock_a[1], tag, mfd) < 0)
                        child_fail(p->sock, VZ_E_SYSTEM, errno, "lost the setup process");
                if (mfd >= 0)
                        close(mfd);
        }
        if (p->cg_legacy)
                send_cgroup_mounts(p);
        if (recv_msg(p->sock_a[1], buf, sizeof(buf), &nsfd) <= 0 || nsfd < 0)
                child_fail(p->sock, VZ_E_SYSTEM, 0, "the CT's root filesystem was not set up");
        if (setns(nsfd, CLONE_NEWNS) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot enter the CT's mount namespace");
        close(nsfd);
        (void)send_fd(p->sock_a[1], "joined", -1);
        close(p->sock_a[1]);
        if (chdir("/") < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "chdir /");
}

/* B: stdio on the console; init becomes its session leader. */
static void take_console(struct plan *p)
{
        int c = open("/dev/console", O_RDWR | O_CLOEXEC);

        if (c < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot open /dev/console");
        setsid();
        (void)ioctl(c, TIOCSCTTY, 0);
        dup2(c, 0);
        dup2(c, 1);
        dup2(c, 2);
        if (c > 2)
                close(c);
}

/* B: the confinement (seccomp, bounding set), then /sbin/init. */
_Noreturn static void exec_init(struct plan *p)
{
        static char *const envp[] = {"container=vz", "HOME=/", "TERM=linux",
                                     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                     "/usr/bin:/sbin:/bin",
                                     NULL};
        static const char *const inits[] = {"/sbin/init", "/etc/init", "/bin/init", NULL};
        vz_err e = {0};
        int lfd = -1, r;

        /* The listener of the filter's notifications goes to the
         * supervisor, which answers them (sysinfo: supervisor.c). */
        if (vz_seccomp_apply(vz_ct_netfilter_disabled(p->ct), &lfd, &e) < 0)
                child_fail(p->sock, e.code, e.errnum, "%s", e.msg);
        if (lfd >= 0) {
                (void)send_fd(p->sock, "notify", lfd);
                close(lfd);
        }
        r = vz_caps_apply_bounding(p->caps_keep);
        if (r < 0)
                child_fail(p->sock, VZ_E_SYSTEM, -r, "cannot drop capabilities");
        for (size_t i = 0; inits[i]; i++) {
                char *argv[] = {(char *)inits[i], NULL};
                execve(inits[i], argv, envp);
        }
        child_fail(p->sock, VZ_E_FS_BAD_TMPL, errno, "cannot run /sbin/init (broken template?)");
}

/* B: the CT's PID 1. */
_Noreturn static void run_b(struct plan *p)
{
        close(p->sock_a[0]);
        become_ct_root(p);
        enter_time_ns(p);
        make_filesystems(p);
        /* A new UTS namespace starts with the host's name: without HOSTNAME
         * the CT gets localhost (its init may set its own /etc/hostname). */
        if (isempty(vz_ct_get(p->ct, "HOSTNAME")) &&
            sethostname("localhost", strlen("localhost")) < 0)
                vz_debug("sethostname localhost: %s", strerror(errno));
        vz_ct_configure_identity(p->ct);
        vz_net_configure_inside(p->ct);
        loopback_up();
        take_console(p);
        /* Nothing of ours goes into init but the socket (closed by exec). */
        if (p->sock > 3)
                close_range(3, p->sock - 1, 0);
        close_range(p->sock + 1, ~0U, 0);
        exec_init(p);
}

/* A: what it takes from the host's mount namespace before it leaves it for
 * a copy of the base one (mntns.c): a mount can only be cloned from the
 * caller's namespace. */
struct host_trees {
        int root;    /* the CT's root: VE_PRIVATE (simfs) or VE_ROOT (image) */
        int ubc;     /* the supervisor's beancounter directory, or -1 */
        int meminfo; /* its meminfo file, or -1 */
        int lx[VZ_LXCFS_FILES];
};

static void host_trees_close(struct host_trees *h)
{
        int *fds[] = {&h->root, &h->ubc, &h->meminfo};

        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                if (*fds[i] >= 0) {
                        close(*fds[i]);
                        *fds[i] = -1;
                }
        for (int i = 0; i < VZ_LXCFS_FILES; i++)
                if (h->lx[i] >= 0) {
                        close(h->lx[i]);
                        h->lx[i] = -1;
                }
}

/* A: the detached copies, taken while we are host root in the host's
 * namespace (lxcfs's mount and the run directory need not be searchable by
 * the CT's IDs). */
static void take_host_trees(const struct plan *p, struct host_trees *h)
{
        /* simfs: the private directory itself. The image layout: the image
         * as mounted on VE_ROOT by vzctl start (nosuid,nodev there, which
         * the CT's copy drops). overlay: the overlay vzctl start mounted on
         * VE_ROOT, its layers idmapped already. */
        const char *src = p->image || p->overlay ? p->root : p->private;

        h->root = (int)syscall(SYS_open_tree, AT_FDCWD, src,
                               OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (h->root < 0)
                child_fail(p->sock, VZ_E_FS_CANTMOUNT, errno, "cannot mount %s on %s", p->private,
                           p->root);
        if (p->lxcfs) {
                int lxfd = vz_lxcfs_open(p->lxcfs);
                if (lxfd >= 0) {
                        vz_lxcfs_clone(lxfd, h->lx);
                        close(lxfd);
                }
        }
        if (p->ubc_dir) {
                _cleanup_close_ int dfd =
                    open(p->ubc_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd >= 0) {
                        h->ubc = (int)syscall(SYS_open_tree, dfd, "",
                                              OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
                        /* With LXCFS=no the CT sees the host's files. */
                        if (p->lxcfs)
                                h->meminfo = (int)syscall(SYS_open_tree, dfd, "meminfo",
                                                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                }
        }
}

/* A: the CT's root on /ct of our copy of the base namespace (an idmapped
 * mount when the CT has a user namespace, so files stored with IDs
 * 0..65535 appear as the CT's range). */
static int attach_root(const struct plan *p, int tfd)
{
        struct mount_attr attr = {0};

        /* overlayfs itself cannot be idmapped. */
        if (p->userns && !p->overlay) {
                attr.attr_set = MOUNT_ATTR_IDMAP;
                attr.userns_fd = (uint64_t)p->userns_fd;
        }
        if (p->image || p->overlay)
                attr.attr_clr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        if ((attr.attr_set || attr.attr_clr) &&
            syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) <
                0)
                return errno == EINVAL && p->userns ? -EOPNOTSUPP : -errno;
        if (syscall(SYS_move_mount, tfd, "", AT_FDCWD, "/ct", MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

/* A: wait until vzctl has made the CT's cgroups, then join them. */
static void join_cgroups(struct plan *p)
{
        vz_err e = {0};

        if (p->cg_fd >= 0) {
                /* "0" or "1" (as make_cgroups returns) once vzctl has made
                 * the cgroups; nothing if it failed (it says why). */
                char c = 0;
                ssize_t n;
                do
                        n = read(p->cg_fd, &c, 1);
                while (n < 0 && errno == EINTR);
                if (n != 1 || (c != '0' && c != '1'))
                        child_fail(p->sock, VZ_E_SYSTEM, 0, "the CT's cgroups were not made");
                if (c == '1' && !p->userns)
                        p->caps_keep &= ~(UINT64_C(1) << CAP_MKNOD);
                close(p->cg_fd);
                p->cg_fd = -1;
        }
        if (vz_cgroup_attach(p->cg, getpid(), &e) < 0)
                child_fail(p->sock, e.code, e.errnum, "%s", e.msg);
}

/* A: B, in new namespaces (all owned by the new user namespace, made first
 * by the kernel) as PID 1 of its PID namespace, its mount namespace a copy
 * of the base one we are in; then its ID maps. B makes its filesystems
 * while we build the root. When we exit, the supervisor (a child
 * subreaper) inherits it. */
static void start_b(struct plan *p)
{
        struct clone_args ca = {.flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                                         CLONE_NEWCGROUP | CLONE_NEWPID |
                                         (p->userns ? CLONE_NEWUSER : 0),
                                .exit_signal = SIGCHLD};
        char msg[32];
        pid_t b;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p->sock_a) < 0)
                child_fail(p->sock, VZ_E_RESOURCE, errno, "socketpair");
        b = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
        if (b < 0)
                child_fail(p->sock,
                           errno == ENOMEM || errno == EAGAIN ? VZ_E_RESOURCE : VZ_E_SYSTEM, errno,
                           "cannot create the CT's namespaces");
        if (b == 0)
                run_b(p);
        close(p->sock_a[1]);
        snprintf(msg, sizeof(msg), "pid %d", (int)b);
        (void)send_fd(p->sock, msg, -1);
        if (p->userns) {
                p->userns_fd = vz_userns_map(b, p->uid, p->gid);
                if (p->userns_fd < 0)
                        child_fail(p->sock, VZ_E_BAD_KERNEL, -p->userns_fd,
                                   "cannot create a user namespace");
                if (send_fd(p->sock_a[0], "mapped", -1) < 0)
                        child_fail(p->sock, VZ_E_SYSTEM, errno, "the CT's init died during setup");
        }
}

/* A: the CT's tree under rootfd: B's filesystems, /dev, the masks over
 * /proc, the beancounter and lxcfs files. Returns the console's master. */
static int build_tree(struct plan *p, int rootfd, struct host_trees *h)
{
        int fs[FS_MAX], master = -1, r, fd;
        char buf[64];

        /* The filesystems B made, in fs_table order. */
        for (int i = 0; i < FS_MAX; i++) {
                if (recv_msg(p->sock_a[0], buf, sizeof(buf), &fd) <= 0)
                        child_fail(p->sock, VZ_E_SYSTEM, 0, "the CT's init died during setup");
                fs[i] = fd;
        }
        for (int i = 0; i <= FS_CGROUP; i++) {
                if (fs[i] < 0)
                        continue;
                r = attach(fs[i], rootfd, fs_table[i].where);
                if (r < 0 && !fs_table[i].optional)
                        child_fail(p->sock, VZ_E_SYSTEM, -r, "cannot mount /%s in the CT",
                                   fs_table[i].where);
        }
        if (p->cg_legacy)
                attach_cgroup_mounts(p, rootfd);
        r = setup_dev(rootfd, fs, p->ct, &master);
        if (r < 0)
                child_fail(p->sock, VZ_E_SYSTEM, -r, "cannot set up /dev");
        setup_proc_masks(p, rootfd);
        if (h->ubc >= 0)
                (void)bind_ubc_dir(h->ubc, rootfd);
        if (h->meminfo >= 0)
                (void)bind_meminfo(h->meminfo, rootfd);
        h->ubc = h->meminfo = -1;
        if (p->lxcfs) {
                _cleanup_close_ int pfd = open_target(rootfd, "proc", false);
                _cleanup_close_ int sfd = open_target(rootfd, "sys", false);
                vz_lxcfs_bind(h->lx, pfd, sfd);
        }
        for (int i = 0; i < FS_MAX; i++)
                if (fs[i] >= 0)
                        close(fs[i]);
        return master;
}

/* A: into the tree (cwd), the base namespace's own mounts detached, and
 * the namespace handed to B. */
_Noreturn static void pivot_and_hand_over(struct plan *p, int procfd)
{
        char buf[64];
        int nsfd, r;

        if (syscall(SYS_pivot_root, ".", ".") < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "pivot_root");
        /* The old root is stacked under the new one: detach it. */
        if (umount2(".", MNT_DETACH) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot detach the base root");
        if (p->userns) {
                /* A copy made from the CT's user namespace: every mount in it
                 * is locked (see above). */
                if (setns(p->userns_fd, CLONE_NEWUSER) < 0 || unshare(CLONE_NEWNS) < 0)
                        child_fail(p->sock, VZ_E_SYSTEM, errno,
                                   "cannot make the CT's mount namespace");
        }
        nsfd = openat(procfd, "thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
        if (nsfd < 0 || send_fd(p->sock_a[0], "mntns", nsfd) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot hand over the mount namespace");
        /* Stay (and keep the namespace alive) until B has joined it. */
        (void)recv_msg(p->sock_a[0], buf, sizeof(buf), &r);
        _exit(0);
}

/* A: host root; builds the CT's tree in a copy of the base namespace. */
_Noreturn static void run_a(struct plan *p)
{
        struct host_trees h = {.root = -1, .ubc = -1, .meminfo = -1};
        int rootfd, procfd, master, hostns, r;

        for (int i = 0; i < VZ_LXCFS_FILES; i++)
                h.lx[i] = -1;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* Raising a hard limit needs the host's CAP_SYS_RESOURCE: now. */
        vz_rlimits_apply();
        join_cgroups(p);
        /* B is cloned from the base namespace (its copy of it is small);
         * then, while B makes its filesystems, we take what we need from
         * the host's namespace, and build the tree in a copy of the base. */
        hostns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
        if (hostns < 0 || setns(p->base_ns, CLONE_NEWNS) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot enter the base mount namespace");
        start_b(p);
        if (setns(hostns, CLONE_NEWNS) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot go back to the host's namespace");
        take_host_trees(p, &h);
        if (setns(p->base_ns, CLONE_NEWNS) < 0 || unshare(CLONE_NEWNS) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot make the CT's mount namespace");
        close(hostns);
        close(p->base_ns);
        p->base_ns = -1;
        r = attach_root(p, h.root);
        if (r == -EOPNOTSUPP)
                child_fail(p->sock, VZ_E_FS_CANTMOUNT, 0,
                           "the filesystem of %s does not support idmapped mounts "
                           "(create the CT with --local_uid 0 for a privileged CT)",
                           p->private);
        if (r < 0)
                child_fail(p->sock, VZ_E_FS_CANTMOUNT, -r, "cannot mount %s on %s", p->private,
                           p->root);
        if (chdir("/ct") < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot enter %s", p->root);
        /* Files A creates in the CT's filesystems (the idmapped root, B's
         * tmpfs) must belong to the CT's root: the host's root has no ID
         * there (EOVERFLOW). */
        if (p->userns) {
                setfsgid(p->gid);
                setfsuid(p->uid);
        }
        rootfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot open %s", p->root);
        /* The base namespace's /proc, to name our mount namespace after the
         * pivot (the CT's /proc does not show us). */
        procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (procfd < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot open /proc");
        master = build_tree(p, rootfd, &h);
        r = send_fd(p->sock, "console", master);
        if (r < 0)
                child_fail(p->sock, VZ_E_SYSTEM, -r, "cannot pass the console");
        close(master);
        close(rootfd);
        host_trees_close(&h);
        pivot_and_hand_over(p, procfd);
}

/* ------------------------------------------------------------------ supervisor side */

/* The CT's cgroups with their limits and device list. 1: there is no
 * devices controller (a privileged CT's root must then not create device
 * nodes), 0, or <0 (nothing left behind). */
static int make_cgroups(vz_cgroup *cg, const vz_ct *ct, vz_err *e)
{
        uid_t uid;
        gid_t gid;
        bool userns = vz_userns_get(ct, &uid, &gid);
        int r;

        r = vz_cgroup_create(cg, userns ? uid : (uid_t)-1, userns ? gid : (gid_t)-1, e);
        if (r < 0)
                return r;
        r = vz_cgroup_apply_limits(cg, ct, e);
        if (r >= 0)
                r = vz_cgroup_apply_devices(cg, ct, e);
        if (r < 0)
                vz_cgroup_destroy(cg);
        return r < 0 ? r : r == 1;
}

int vz_spawn_make_cgroups(const vz_ct *ct, vz_err *e)
{
        vz_cgroup *cg = NULL;
        int r;

        r = vz_ct_cgroup_open(ct, &cg, e);
        if (r < 0)
                return r;
        r = make_cgroups(cg, ct, e);
        vz_cgroup_free(cg);
        return r < 0 ? vz_err_prefix(e, r, "cannot set up the CT's cgroups") : r;
}

void vz_spawn_drop_cgroups(const vz_ct *ct)
{
        vz_cgroup *cg = NULL;

        if (vz_ct_cgroup_open(ct, &cg, NULL) < 0)
                return;
        vz_cgroup_kill(cg);
        vz_cgroup_destroy(cg);
        vz_cgroup_free(cg);
}

/* The supervisor's side of the start: A's and B's messages until B's exec
 * closes the socket. 0, or <0 with e set from the child's report. */
struct start_msgs {
        pid_t b;
        int console, notify;
};

static int read_start_msgs(int sock, struct start_msgs *m, vz_err *e)
{
        char buf[1100];

        for (;;) {
                int fd;
                ssize_t n = recv_msg(sock, buf, sizeof(buf), &fd);
                if (n <= 0)
                        return 0;
                if (vz_startswith(buf, "pid "))
                        m->b = (pid_t)atoi(buf + 4);
                else if (streq(buf, "console")) {
                        if (m->console >= 0)
                                close(m->console);
                        m->console = fd;
                } else if (streq(buf, "notify")) {
                        if (m->notify >= 0)
                                close(m->notify);
                        m->notify = fd;
                } else {
                        char *sp = strchr(buf, ' ');
                        if (fd >= 0)
                                close(fd);
                        return vz_fail(e, sp ? atoi(buf) : VZ_E_SYSTEM, -ECANCELED, "%s",
                                       sp ? sp + 1 : buf);
                }
        }
}

/* What A and B need to know, from the CT's config. */
static int make_plan(vz_ct *ct, int cg_fd, struct plan *p, vz_err *e)
{
        int r;

        *p = (struct plan){.ct = ct, .userns_fd = -1, .base_ns = -1, .sock = -1, .cg_fd = cg_fd};
        p->root = vz_ct_root(ct);
        p->private = vz_ct_private(ct);
        if (!p->root || !p->private)
                return vz_fail(e, VZ_E_VE_ROOT_NOTSET, -EINVAL, "VE_ROOT/VE_PRIVATE not set");
        p->image = vz_image_exists(p->private);
        p->overlay = !p->image && vz_overlay_is(p->private);
        p->userns = vz_userns_get(ct, &p->uid, &p->gid);
        r = vz_ct_cap_mask(ct, p->userns, &p->caps_keep, e);
        if (r < 0)
                return r;
        r = vz_ct_cgroup_open(ct, &p->cg, e);
        if (r < 0)
                return r;
        p->cg_legacy = vz_cgroup_has_v1(p->cg, "name=systemd");
        if (vz_lxcfs_wanted(ct))
                p->lxcfs = vz_lxcfs_dir(ct);
        p->ubc_dir = vz_run_path(ct, "ubc");
        p->base_ns = vz_base_mntns_open(ct, p->cg, e);
        return p->base_ns < 0 ? p->base_ns : 0;
}

static void free_plan(struct plan *p)
{
        if (p->userns_fd >= 0)
                close(p->userns_fd);
        if (p->base_ns >= 0)
                close(p->base_ns);
        vz_cgroup_free(p->cg);
        free(p->lxcfs);
        free(p->ubc_dir);
}

/* Fork A and collect what it and B report; on failure kill what started. */
static int run_start(struct plan *p, struct vz_spawned *ret, vz_err *e)
{
        struct start_msgs m = {.console = -1, .notify = -1};
        int sv[2], r, st;
        pid_t a;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "socketpair: %s", strerror(errno));
        a = fork();
        if (a < 0) {
                r = -errno;
                close(sv[0]);
                close(sv[1]);
                return vz_fail(e, VZ_E_RESOURCE, r, "fork: %s", strerror(-r));
        }
        if (a == 0) {
                close(sv[0]);
                p->sock = sv[1];
                run_a(p);
        }
        close(sv[1]);
        r = read_start_msgs(sv[0], &m, e);
        close(sv[0]);
        waitpid(a, &st, 0);
        if (r == 0 && (m.b <= 0 || m.console < 0))
                r = vz_fail(e, VZ_E_SYSTEM, -ECHILD, "the CT's init did not start");
        if (r < 0) {
                if (m.b > 0) {
                        kill(m.b, SIGKILL);
                        waitpid(m.b, &st, 0);
                }
                if (m.console >= 0)
                        close(m.console);
                if (m.notify >= 0)
                        close(m.notify);
                return r;
        }
        ret->init_pid = m.b;
        ret->console_fd = m.console;
        ret->notify_fd = m.notify;
        return 0;
}

int vz_spawn_init(vz_ct *ct, int cg_fd, struct vz_spawned *ret, vz_err *e)
{
        struct plan p;
        int r;

        r = make_plan(ct, cg_fd, &p, e);
        if (r < 0)
                goto out;
        /* vzctl start makes them while we start up; A waits for them. */
        if (cg_fd < 0) {
                r = make_cgroups(p.cg, ct, e);
                if (r < 0)
                        goto out;
                /* No devices controller (cgroup v2 without a device program
                 * yet): a privileged CT's root must not create device nodes. */
                if (r == 1 && !p.userns)
                        p.caps_keep &= ~(UINT64_C(1) << CAP_MKNOD);
        }
        r = run_start(&p, ret, e);
        if (r < 0) {
                vz_cgroup_kill(p.cg);
                vz_cgroup_destroy(p.cg);
        }
out:
        free_plan(&p);
        return r;
}

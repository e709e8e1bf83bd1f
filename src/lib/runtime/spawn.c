/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Starting a CT's init. Runs in the supervisor (host root), in three
 * processes:
 *
 *   supervisor ── A (host root, then CT root) ── B = the CT's PID 1
 *
 * A: joins the CT's cgroups; unshares a mount namespace and mounts the
 *    private area on VE_ROOT (an idmapped mount when the CT has a user
 *    namespace, so files stored with IDs 0..65535 appear as the CT's range);
 *    enters the CT's user namespace; unshares mount, UTS, IPC, network,
 *    cgroup, PID and time namespaces (all now owned by the CT's user
 *    namespace, so the CT's root can manage them); forks B and exits. The
 *    supervisor is a child subreaper, so B becomes its child.
 * B: mounts /proc, /sys, /dev and the cgroup tree under VE_ROOT, masks host
 *    knobs, pivots into VE_ROOT, writes hostname/hosts/resolv.conf from
 *    inside (so no CT symlink can redirect a host-side write), drops
 *    capabilities, loads the seccomp filter and execs /sbin/init.
 *
 * Errors in A or B travel to the supervisor as a message on a socket; on
 * success B's exec closes the socket (SOCK_CLOEXEC), which is the signal.
 */
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
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
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct plan {
        const vz_ct *ct;
        const char *root;    /* VE_ROOT */
        const char *private; /* VE_PRIVATE */
        bool userns;
        uid_t uid;
        gid_t gid;
        int userns_fd;
        vz_cgroup *cg;
        uint64_t caps_keep;
        int sock; /* to the supervisor */
};

/* ------------------------------------------------------------------ messages */

/* A child reports a failure: "<code> <message>". */
_Noreturn static void child_fail(int sock, int code, int err, const char *fmt, ...)
        _printf_(4, 5);
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
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                           .msg_controllen = sizeof(cbuf)};
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
        int tfd;

        /* The new mount API is required for idmapped mounts; a plain bind is
         * enough without a user namespace. */
        tfd = (int)syscall(SYS_open_tree, AT_FDCWD, p->private,
                           OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (tfd < 0) {
                if (errno != ENOSYS || p->userns)
                        return -errno;
                return mount(p->private, p->root, NULL, MS_BIND | MS_REC, NULL) < 0 ? -errno : 0;
        }
        if (p->userns) {
                struct mount_attr attr = {
                        .attr_set = MOUNT_ATTR_IDMAP,
                        .userns_fd = (uint64_t)p->userns_fd,
                };
                if (syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
                            sizeof(attr)) < 0) {
                        int r = -errno;
                        close(tfd);
                        return r == -EINVAL ? -EOPNOTSUPP : r;
                }
        }
        if (syscall(SYS_move_mount, tfd, "", AT_FDCWD, p->root, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
                int r = -errno;
                close(tfd);
                return r;
        }
        close(tfd);
        return 0;
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

static int mnt(const char *src, const char *root, const char *target, const char *type,
               unsigned long flags, const char *data)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s%s", root, target);
        return mount(src, path, type, flags, data) < 0 ? -errno : 0;
}

/* Create an empty file to bind a device node onto. */
static int bind_dev(const char *root, const char *name)
{
        char host[256], path[4096];
        int fd;

        snprintf(host, sizeof(host), "/dev/%s", name);
        snprintf(path, sizeof(path), "%s/dev/%s", root, name);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0)
                return -errno;
        close(fd);
        return mount(host, path, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
}

static void symlink_in(const char *root, const char *target, const char *name)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s%s", root, name);
        (void)symlink(target, path);
}

static void mkdir_in(const char *root, const char *name, mode_t mode)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s%s", root, name);
        (void)mkdir(path, mode);
}

/* Read-only bind of a /proc path onto itself, or /dev/null over a file
 * that reveals or acts on the host. */
static void mask_path(const char *root, const char *name, bool hide)
{
        char path[4096];
        struct stat st;

        snprintf(path, sizeof(path), "%s%s", root, name);
        if (lstat(path, &st) < 0)
                return;
        if (hide && !S_ISDIR(st.st_mode)) {
                (void)mount("/dev/null", path, NULL, MS_BIND, NULL);
                return;
        }
        if (hide) {
                (void)mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            "size=0,mode=555");
                return;
        }
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) == 0)
                (void)mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL);
}

static void setup_proc_masks(const char *root)
{
        static const char *const hidden[] = {"/proc/kcore", "/proc/kallsyms", "/proc/timer_list",
                                             "/proc/sched_debug", "/proc/keys", "/proc/kmsg",
                                             "/proc/acpi", "/proc/scsi", "/proc/firmware", NULL};
        static const char *const readonly[] = {"/proc/sysrq-trigger", "/proc/irq", "/proc/bus",
                                               "/proc/fs", "/proc/sys", NULL};
        char net[4096];

        for (size_t i = 0; hidden[i]; i++)
                mask_path(root, hidden[i], true);
        /* /proc/sys is read-only except the CT's own network namespace. */
        snprintf(net, sizeof(net), "%s/proc/sys/net", root);
        (void)mount(net, net, NULL, MS_BIND, NULL);
        for (size_t i = 0; readonly[i]; i++)
                mask_path(root, readonly[i], false);
        /* The ro remount of /proc/sys went recursive: make net writable again. */
        (void)mount(NULL, net, NULL, MS_BIND | MS_REMOUNT, NULL);
}

static int setup_dev(const struct plan *p, int *ret_console_master)
{
        static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty",
                                            NULL};
        const char *root = ".";
        char path[4096], slave[64];
        int r, master;

        r = mnt("tmpfs", root, "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k");
        if (r < 0)
                return r;
        for (size_t i = 0; nodes[i]; i++) {
                r = bind_dev(root, nodes[i]);
                if (r < 0)
                        return r;
        }
        mkdir_in(root, "/dev/pts", 0755);
        r = mnt("devpts", root, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                "newinstance,ptmxmode=0666,mode=0620,gid=5");
        if (r < 0)
                return r;
        symlink_in(root, "pts/ptmx", "/dev/ptmx");
        mkdir_in(root, "/dev/shm", 01777);
        r = mnt("tmpfs", root, "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
        if (r < 0)
                return r;
        mkdir_in(root, "/dev/mqueue", 0755);
        (void)mnt("mqueue", root, "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        symlink_in(root, "/proc/self/fd", "/dev/fd");
        symlink_in(root, "/proc/self/fd/0", "/dev/stdin");
        symlink_in(root, "/proc/self/fd/1", "/dev/stdout");
        symlink_in(root, "/proc/self/fd/2", "/dev/stderr");

        /* The console is a pty of the CT's own devpts; the supervisor keeps
         * the master, so it outlives every attach and detach. */
        snprintf(path, sizeof(path), "%s/dev/pts/ptmx", root);
        master = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return -errno;
        if (unlockpt(master) < 0 || ptsname_r(master, slave, sizeof(slave)) != 0) {
                close(master);
                return -EIO;
        }
        snprintf(path, sizeof(path), "%s/dev/console", root);
        r = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (r >= 0)
                close(r);
        {
                char sp[4096];
                snprintf(sp, sizeof(sp), "%s%s", root, slave);
                if (mount(sp, path, NULL, MS_BIND, NULL) < 0) {
                        r = -errno;
                        close(master);
                        return r;
                }
        }
        symlink_in(root, "console", "/dev/tty1");
        *ret_console_master = master;
        return 0;
}

static int write_small_file(const char *path, const char *content)
{
        /* Inside the CT, after pivot_root: O_NOFOLLOW keeps even the CT's own
         * symlink games out of it (the write happens as the CT's root). */
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        ssize_t n;
        if (fd < 0)
                return -errno;
        n = write(fd, content, strlen(content));
        close(fd);
        return n < 0 ? -errno : 0;
}

/* Hostname, /etc/hosts and /etc/resolv.conf, as OpenVZ's dist scripts did. */
static void configure_identity(const vz_ct *ct)
{
        const char *h = vz_ct_get(ct, "HOSTNAME");
        const char *ns = vz_ct_get(ct, "NAMESERVER");
        const char *sd = vz_ct_get(ct, "SEARCHDOMAIN");

        if (!isempty(h)) {
                _cleanup_free_ char *line = vz_strdupf("%s\n", h), *hosts = NULL;
                (void)sethostname(h, strlen(h));
                if (line)
                        write_small_file("/etc/hostname", line);
                {
                        _cleanup_free_ char *old = NULL;
                        if (vz_read_file("/etc/hosts", 1 << 20, &old, NULL) < 0 ||
                            !strstr(old, h)) {
                                char *shortname = strndup(h, strcspn(h, "."));
                                hosts = vz_strdupf("127.0.0.1 localhost\n::1 localhost "
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
                        hostconf = getenv("VZ_HOST_RESOLV") ? strdup(getenv("VZ_HOST_RESOLV"))
                                                             : NULL;
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

static void close_fds_except(int keep)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int dfd = d ? dirfd(d) : -1;

        while (d && (de = readdir(d))) {
                int fd = atoi(de->d_name);
                if (de->d_name[0] == '.' || fd <= 2 || fd == keep || fd == dfd)
                        continue;
                close(fd);
        }
        if (d)
                closedir(d);
}

_Noreturn static void run_b(struct plan *p)
{
        /* Everything below is relative to VE_ROOT, A's working directory
         * (entered as host root): the CT's root may not be allowed to walk
         * the host directories above VE_ROOT (a 0700 parent, say). */
        const char *root = ".";
        char path[4096];
        int master = -1, r, tfd;
        vz_err e = {0};

        /* The root mount came from a namespace of the host's user namespace,
         * so here it is locked, and pivot_root refuses locked mounts. A copy
         * made in our own namespace is not locked. */
        tfd = (int)syscall(SYS_open_tree, AT_FDCWD, ".",
                           OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (tfd < 0 ||
            syscall(SYS_move_mount, tfd, "", AT_FDCWD, ".", MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
            fchdir(tfd) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot prepare the root mount");
        close(tfd);


        r = mnt("proc", root, "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        if (r < 0)
                child_fail(p->sock, VZ_E_SYSTEM, -r, "cannot mount /proc");
        r = mnt("sysfs", root, "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                NULL);
        if (r < 0)
                child_fail(p->sock, VZ_E_SYSTEM, -r, "cannot mount /sys");
        /* The CT's own cgroup subtree (cgroup namespace root) for its init. */
        snprintf(path, sizeof(path), "%s/sys/fs/cgroup", root);
        if (mount("cgroup2", path, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                vz_debug("cgroup2 in CT: %s", strerror(errno));
        r = setup_dev(p, &master);
        if (r < 0)
                child_fail(p->sock, VZ_E_SYSTEM, -r, "cannot set up /dev");
        setup_proc_masks(root);

        if (syscall(SYS_pivot_root, ".", ".") < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "pivot_root");
        /* The old root is stacked under the new one: detach it. */
        if (umount2(".", MNT_DETACH) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot detach the host root");
        if (chdir("/") < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "chdir /");

        configure_identity(p->ct);
        loopback_up();

        r = send_fd(p->sock, "console", master);
        if (r < 0)
                child_fail(p->sock, VZ_E_SYSTEM, -r, "cannot pass the console");
        close(master);

        /* stdio on the console; init becomes its session leader. */
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
        close_fds_except(p->sock);

        if (vz_seccomp_apply(&e) < 0)
                child_fail(p->sock, e.code, e.errnum, "%s", e.msg);
        if (vz_caps_apply_bounding(p->caps_keep) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot drop capabilities");

        {
                static char *const envp[] = {"container=vz", "HOME=/", "TERM=linux",
                                             "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                             "/usr/bin:/sbin:/bin",
                                             NULL};
                static const char *const inits[] = {"/sbin/init", "/etc/init", "/bin/init", NULL};
                for (size_t i = 0; inits[i]; i++) {
                        char *argv[] = {(char *)inits[i], NULL};
                        execve(inits[i], argv, envp);
                }
        }
        child_fail(p->sock, VZ_E_FS_BAD_TMPL, errno, "cannot run /sbin/init (broken template?)");
}

_Noreturn static void run_a(struct plan *p)
{
        vz_err e = {0};
        pid_t b;
        int r, flags;

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (vz_cgroup_attach(p->cg, getpid(), &e) < 0)
                child_fail(p->sock, e.code, e.errnum, "%s", e.msg);
        if (unshare(CLONE_NEWNS) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "unshare(mount)");
        /* Nothing we mount may propagate back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot make / a slave mount");
        r = mount_root(p);
        if (r == -EOPNOTSUPP)
                child_fail(p->sock, VZ_E_FS_CANTMOUNT, 0,
                           "the filesystem of %s does not support idmapped mounts "
                           "(create the CT with --local_uid 0 for a privileged CT)",
                           p->private);
        if (r < 0)
                child_fail(p->sock, VZ_E_FS_CANTMOUNT, -r, "cannot mount %s on %s", p->private,
                           p->root);
        /* The working directory follows into the namespaces unshared below
         * (an fd would keep pointing into this mount namespace). */
        if (chdir(p->root) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot enter %s", p->root);
        if (p->userns) {
                if (setns(p->userns_fd, CLONE_NEWUSER) < 0)
                        child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot enter the user namespace");
                if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 ||
                    setgroups(0, NULL) < 0)
                        child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot become the CT's root");
                /* The ID change made us non-dumpable, which hands our /proc
                 * files to the host's root; we need /proc/self below. */
                prctl(PR_SET_DUMPABLE, 1);
        }
        close(p->userns_fd);
        flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP |
                CLONE_NEWPID;
        if (unshare(flags) < 0)
                child_fail(p->sock, VZ_E_SYSTEM, errno, "cannot create namespaces");
        /* Time namespaces are newer (5.6); run without one if missing. */
        if (unshare(CLONE_NEWTIME) == 0)
                set_time_offsets();
        b = fork();
        if (b < 0)
                child_fail(p->sock, VZ_E_RESOURCE, errno, "fork");
        if (b == 0)
                run_b(p);
        {
                char msg[32];
                snprintf(msg, sizeof(msg), "pid %d", (int)b);
                (void)send_fd(p->sock, msg, -1);
        }
        _exit(0);
}

/* ------------------------------------------------------------------ supervisor side */

int vz_spawn_init(vz_ct *ct, struct vz_spawned *ret, vz_err *e)
{
        struct plan p = {.ct = ct, .userns_fd = -1, .sock = -1};
        const char *parent = vz_ct_get(ct, "VZ_CGROUP");
        int sv[2] = {-1, -1}, r, console = -1, st;
        pid_t a, b = 0;
        char buf[1100];

        p.root = vz_ct_root(ct);
        p.private = vz_ct_private(ct);
        if (!p.root || !p.private)
                return vz_fail(e, VZ_E_VE_ROOT_NOTSET, -EINVAL, "VE_ROOT/VE_PRIVATE not set");
        p.userns = vz_userns_get(ct, &p.uid, &p.gid);
        r = vz_ct_cap_mask(ct, p.userns, &p.caps_keep, e);
        if (r < 0)
                return r;
        r = vz_cgroup_open(isempty(parent) ? "vz" : parent, vz_ct_id(ct), &p.cg, e);
        if (r < 0)
                return r;
        r = vz_cgroup_create(p.cg, p.userns ? p.uid : (uid_t)-1, p.userns ? p.gid : (gid_t)-1,
                             e);
        if (r < 0)
                goto out;
        if (p.userns) {
                p.userns_fd = vz_userns_open(p.uid, p.gid, e);
                if (p.userns_fd < 0) {
                        r = p.userns_fd;
                        goto out;
                }
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                r = vz_fail(e, VZ_E_RESOURCE, -errno, "socketpair: %s", strerror(errno));
                goto out;
        }
        a = fork();
        if (a < 0) {
                r = vz_fail(e, VZ_E_RESOURCE, -errno, "fork: %s", strerror(errno));
                goto out;
        }
        if (a == 0) {
                close(sv[0]);
                p.sock = sv[1];
                run_a(&p);
        }
        close(sv[1]);
        sv[1] = -1;
        /* Messages until B's exec closes the socket. */
        for (;;) {
                int fd;
                ssize_t n = recv_msg(sv[0], buf, sizeof(buf), &fd);
                if (n <= 0)
                        break;
                if (vz_startswith(buf, "pid "))
                        b = (pid_t)atoi(buf + 4);
                else if (streq(buf, "console")) {
                        if (console >= 0)
                                close(console);
                        console = fd;
                } else {
                        char *sp = strchr(buf, ' ');
                        if (fd >= 0)
                                close(fd);
                        r = vz_fail(e, sp ? atoi(buf) : VZ_E_SYSTEM, -ECANCELED, "%s",
                                    sp ? sp + 1 : buf);
                        break;
                }
        }
        waitpid(a, &st, 0);
        if (r == 0 && (b <= 0 || console < 0))
                r = vz_fail(e, VZ_E_SYSTEM, -ECHILD, "the CT's init did not start");
        if (r < 0) {
                if (b > 0) {
                        kill(b, SIGKILL);
                        waitpid(b, &st, 0);
                }
                vz_cgroup_kill(p.cg);
                vz_cgroup_destroy(p.cg);
                if (console >= 0)
                        close(console);
                goto out;
        }
        ret->init_pid = b;
        ret->console_fd = console;
out:
        if (sv[0] >= 0)
                close(sv[0]);
        if (p.userns_fd >= 0)
                close(p.userns_fd);
        vz_cgroup_free(p.cg);
        return r;
}

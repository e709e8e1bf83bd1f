/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The supervisor: one small process per running CT, parent of its init.
 * It reaps init and tells why it ended: in a PID namespace, reboot(2) from
 * inside kills init with SIGHUP for a restart and SIGINT for halt or power
 * off. On a reboot it starts a fresh init with the CT's current config; on
 * anything else (halt, crash, kill -9, vzctl stop) it removes what the CT
 * had on the host and exits. It keeps the console pty master, relaying it to
 * one attached client at a time (vzctl console) and keeping the last output
 * for the next client.
 *
 * It also serves the CT's beancounters inside the CT, in the
 * /proc/user_beancounters format, at /dev/.vz/user_beancounters: the file
 * lives on the host, VZ_RUNDIR/<CTID>.ubc/user_beancounters (owned by the
 * CT's root, mode 0400), and spawn.c binds its directory read-only into the
 * CT's /dev. A fanotify permission event tells the supervisor someone is
 * opening the file, and it rewrites the file from the cgroup counters
 * before the open completes, so every reader sees values of that moment.
 * Beside it, vz/veinfo and vz/vestat (the CT's own lines of OpenVZ's
 * /proc/vz files, procvz.c) are refreshed the same way.
 *
 * Beside it, the CT's /proc/meminfo (meminfo.c), served the same way, and
 * the answers to the CT's sysinfo(2) calls (seccomp user notifications:
 * see "sysinfo" below).
 *
 * Control socket protocol (VZ_RUNDIR/<ctid>.sock, root only): the client
 * sends one line, "console" (then raw bytes both ways) or "stop" /
 * "stop-keep-mounted" (the next end of init is final; answered "ok"), or
 * "notify" with a seccomp listener attached (SCM_RIGHTS; vzctl exec/enter).
 */
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "cgroup.h"
#include "net/net.h"
#include "net/nl.h"
#include "err.h"
#include "log.h"
#include "runtime.h"
#include "scripts.h"
#include "storage/storage.h"
#include "procvz.h"
#include "ubc.h"
#include "util.h"

#define RING_SIZE 16384

struct sup {
        vz_ct *ct;
        pid_t init;
        int console; /* pty master */
        int listen_fd;
        int client;  /* attached console client */
        int ubc;     /* the CT's beancounter file (writable fd) */
        int vzf[2];  /* vz/veinfo, vz/vestat beside it (procvz.c) */
        int fan;     /* fanotify: opens of those files and of meminfo */
        int meminfo; /* the CT's /proc/meminfo (writable fd) */
        ino_t ubc_ino, meminfo_ino;
        bool stopping;
        bool keep_mounted;
        char *ring; /* RING_SIZE bytes: console_ring */
        size_t ring_len, ring_pos;
        int *notify; /* seccomp listeners: init's, each vzctl exec's */
        size_t n_notify, notify_cap;
};

/* The console's last output. Static, not in struct sup on the stack:
 * initializing the struct would touch all its pages, while zero .bss pages
 * stay unallocated until console output reaches them (one supervisor per
 * process; idle CTs print a line or two). */
static char console_ring[RING_SIZE];

char *vz_run_path(const vz_ct *ct, const char *suffix)
{
        const char *dir = vz_ct_get(ct, "VZ_RUNDIR");
        if (isempty(dir))
                dir = "/run/vz";
        return vz_strdupf("%s/%u.%s", dir, vz_ct_id(ct), suffix);
}

int vz_run_read_pid(const vz_ct *ct, const char *suffix, pid_t *ret)
{
        _cleanup_free_ char *p = vz_run_path(ct, suffix), *buf = NULL;
        pid_t pid;

        if (!p)
                return -ENOMEM;
        if (vz_read_file(p, 64, &buf, NULL) < 0)
                return -ENOENT;
        pid = (pid_t)atoi(buf);
        if (!vz_pid_alive(pid))
                return -ESRCH;
        *ret = pid;
        return 0;
}

static void write_pid(const vz_ct *ct, const char *suffix, pid_t pid)
{
        _cleanup_free_ char *p = vz_run_path(ct, suffix);
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
        if (p)
                vz_write_file_replace(p, buf, n, 0644);
}

static void remove_run_file(const vz_ct *ct, const char *suffix)
{
        _cleanup_free_ char *p = vz_run_path(ct, suffix);
        if (p)
                unlink(p);
}

static int listen_socket(const vz_ct *ct)
{
        _cleanup_free_ char *p = vz_run_path(ct, "sock");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd;

        if (!p || strlen(p) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, p);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        unlink(p);
        /* Only root may attach to a console or stop a CT. */
        mode_t old = umask(0077);
        int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0 || listen(fd, 4) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static void ring_add(struct sup *s, const char *buf, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                s->ring[s->ring_pos] = buf[i];
                s->ring_pos = (s->ring_pos + 1) % RING_SIZE;
        }
        s->ring_len = s->ring_len + n > RING_SIZE ? RING_SIZE : s->ring_len + n;
}

static void write_all_fd(int fd, const char *buf, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, buf, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd pf = {.fd = fd, .events = POLLOUT};
                                if (poll(&pf, 1, 1000) > 0)
                                        continue;
                        }
                        return;
                }
                buf += w;
                n -= w;
        }
}

static void ring_replay(struct sup *s, int fd)
{
        size_t start = (s->ring_pos + RING_SIZE - s->ring_len) % RING_SIZE;
        size_t first = s->ring_len < RING_SIZE - start ? s->ring_len : RING_SIZE - start;
        write_all_fd(fd, s->ring + start, first);
        write_all_fd(fd, s->ring, s->ring_len - first);
}

/* ---------------------------------------------------------------- sysinfo
 *
 * The CT's processes run under a seccomp filter that hands sysinfo(2) to
 * the listener we hold (seccomp-rules.h): init's (from spawn.c) and each
 * vzctl exec/enter's (sent on the control socket, "notify"). We answer with
 * the CT's RAM and swap (meminfo.c), uptime (its time namespace), process
 * count (pids cgroup) and the host's load, written into the caller's
 * buffer, as LXD does. A listener whose processes are all gone hangs up
 * and is dropped. Without a listener (kernel before 5.0, or a CT restored
 * by criu, which restores filters without one: see restore_init) the call
 * goes to the kernel: the host's values. */
static void notify_add(struct sup *s, int fd)
{
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        if (s->n_notify == s->notify_cap) {
                size_t cap = s->notify_cap ? s->notify_cap * 2 : 4;
                int *n = realloc(s->notify, cap * sizeof(int));
                if (!n) {
                        close(fd);
                        return;
                }
                s->notify = n;
                s->notify_cap = cap;
        }
        s->notify[s->n_notify++] = fd;
}

static void notify_close_all(struct sup *s)
{
        for (size_t i = 0; i < s->n_notify; i++)
                close(s->notify[i]);
        s->n_notify = 0;
}

/* The CT's boottime clock: ours plus its time namespace's offset. */
static long ct_uptime(const struct sup *s)
{
        char p[64];
        _cleanup_free_ char *buf = NULL;
        struct timespec now;
        long off = 0;

        clock_gettime(CLOCK_BOOTTIME, &now);
        snprintf(p, sizeof(p), "/proc/%d/timens_offsets", (int)s->init);
        if (s->init > 0 && vz_read_file(p, 4096, &buf, NULL) == 0) {
                char *b = strstr(buf, "boottime");
                if (b)
                        off = strtol(b + 8, NULL, 10);
        }
        return now.tv_sec + off;
}

static int fill_sysinfo(struct sup *s, struct sysinfo *si)
{
        vz_cgroup *cg = NULL;
        vz_ct_mem m;
        _cleanup_free_ char *pids = NULL;
        int r;

        if (sysinfo(si) < 0)
                return -errno;
        r = vz_ct_cgroup_open(s->ct, &cg, NULL);
        if (r < 0)
                return r;
        r = vz_ct_mem_read(cg, &m);
        if (vz_cgroup_read(cg, "pids", "pids.current", &pids) == 0)
                si->procs = (unsigned short)strtoul(pids, NULL, 10);
        vz_cgroup_free(cg);
        if (r < 0)
                return r;
        si->uptime = ct_uptime(s);
        si->totalram = m.ram_total;
        si->freeram = m.ram_total - m.ram_used;
        si->sharedram = m.shmem;
        si->bufferram = 0;
        si->totalswap = m.swap_total;
        si->freeswap = m.swap_total - m.swap_used;
        si->totalhigh = si->freehigh = 0;
        si->mem_unit = 1;
        return 0;
}

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

static void notify_event(struct sup *s, int fd)
{
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;
        struct sysinfo si;
        char p[64];
        int mem;

        memset(&req, 0, sizeof(req));
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
                return;
        memset(&resp, 0, sizeof(resp));
        resp.id = req.id;
        if (req.data.nr != __NR_sysinfo
#ifdef NATIVE_ARCH
            || req.data.arch != NATIVE_ARCH
#endif
        ) {
                resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                (void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
                return;
        }
        memset(&si, 0, sizeof(si));
        if (fill_sysinfo(s, &si) < 0) {
                /* No CT values to give (its cgroup is going): the kernel's. */
                resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        } else {
                /* Its memory, opened and then checked to be the caller's
                 * still (the PID may be reused once the call is gone). */
                snprintf(p, sizeof(p), "/proc/%d/mem", (int)req.pid);
                mem = open(p, O_RDWR | O_CLOEXEC);
                if (mem < 0 || ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0)
                        resp.error = -ESRCH;
                else if (pwrite(mem, &si, sizeof(si), (off_t)req.data.args[0]) != sizeof(si))
                        resp.error = -EFAULT;
                if (mem >= 0)
                        close(mem);
        }
        (void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* A restored CT's filters come without listeners: criu restores the
 * program only, and a notification without a listener fails (ENOSYS).
 * Its sysinfo gets the kernel's answer instead (the host's values): the
 * dumped programs (seccomp.img) get "allow" for "user notification" before
 * criu reads them. Processes of later vzctl exec calls get a listener. */
static void dump_drop_notify(const char *dir)
{
        /* One BPF instruction, little-endian: ret #SECCOMP_RET_USER_NOTIF. */
        static const unsigned char ret_notif[8] = {0x06, 0, 0, 0, 0x00, 0x00, 0xc0, 0x7f};
        _cleanup_free_ char *p = vz_strdupf("%s/seccomp.img", dir), *buf = NULL;
        size_t len = 0;

        if (!p || vz_read_file(p, 1 << 24, &buf, &len) < 0)
                return;
        bool changed = false;
        for (size_t i = 0; i + sizeof(ret_notif) <= len; i++)
                if (!memcmp(buf + i, ret_notif, sizeof(ret_notif))) {
                        buf[i + 6] = (char)0xff; /* SECCOMP_RET_ALLOW 0x7fff0000 */
                        changed = true;
                }
        if (changed)
                (void)vz_write_file_replace(p, buf, len, 0600);
}

static void handle_connection(struct sup *s)
{
        char line[64], cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = {.iov_base = line, .iov_len = sizeof(line) - 1};
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
        ssize_t n;
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC), passed = -1;

        if (fd < 0)
                return;
        /* One short request line; a client that says nothing in 2 s is gone. */
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 2000) <= 0 || (n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC)) <= 0) {
                close(fd);
                return;
        }
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h))
                if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
                    h->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(&passed, CMSG_DATA(h), sizeof(int));
        line[n] = '\0';
        line[strcspn(line, "\n")] = '\0';
        if (streq(line, "notify")) {
                /* A seccomp listener (the control socket is root's only). */
                uint64_t id = 0;
                if (passed >= 0 && ioctl(passed, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0 &&
                    errno == ENOENT)
                        notify_add(s, passed);
                else if (passed >= 0)
                        close(passed);
                close(fd);
                return;
        }
        if (passed >= 0)
                close(passed);
        if (streq(line, "console")) {
                if (s->client >= 0)
                        close(s->client);
                s->client = fd;
                ring_replay(s, fd);
                return;
        }
        if (streq(line, "stop") || streq(line, "stop-keep-mounted")) {
                s->stopping = true;
                s->keep_mounted = streq(line, "stop-keep-mounted");
                write_all_fd(fd, "ok\n", 3);
        } else
                write_all_fd(fd, "unknown request\n", 16);
        close(fd);
}

static void relay_console(struct sup *s)
{
        char buf[4096];
        ssize_t n = read(s->console, buf, sizeof(buf));

        if (n <= 0)
                return; /* EIO while no process has the slave open */
        ring_add(s, buf, n);
        if (s->client >= 0)
                write_all_fd(s->client, buf, n);
}

static void relay_client(struct sup *s)
{
        char buf[4096];
        ssize_t n = read(s->client, buf, sizeof(buf));

        if (n <= 0) {
                close(s->client);
                s->client = -1;
                return;
        }
        if (s->console >= 0)
                write_all_fd(s->console, buf, n);
}

/* OpenVZ's /proc/vz files inside the CT, beside the beancounter file (the
 * CT's /dev/.vz/vz/): its own veinfo and vestat lines (procvz.c). */
static const char *const vzf_names[] = {"vz/veinfo", "vz/vestat"};

/* The CT's /proc/meminfo (meminfo.c), refilled with the current values. */
static void meminfo_refresh(struct sup *s)
{
        vz_cgroup *cg = NULL;
        vz_ct_mem m;
        char buf[8192];
        int n = -1;

        if (s->meminfo < 0 || vz_ct_cgroup_open(s->ct, &cg, NULL) < 0)
                return;
        if (vz_ct_mem_read(cg, &m) == 0)
                n = vz_ct_meminfo_format(&m, buf, sizeof(buf));
        vz_cgroup_free(cg);
        if (n > 0 && pwrite(s->meminfo, buf, (size_t)n, 0) == n)
                (void)!ftruncate(s->meminfo, n);
}

/* The CT's beancounter file, refilled with the current values. */
static void ubc_refresh(struct sup *s)
{
        vz_ubc u[VZ_UBC_COUNT];
        vz_cgroup *cg = NULL;
        char buf[4096];
        int n;

        if (s->ubc < 0 || vz_ct_cgroup_open(s->ct, &cg, NULL) < 0)
                return;
        vz_ubc_compute(s->ct, cg, u);
        for (size_t i = 0; i < ELEMENTSOF(vzf_names); i++) {
                _cleanup_free_ char *b = NULL;
                size_t l;
                if (s->vzf[i] >= 0 && vz_procvz_ct(s->ct, cg, vzf_names[i], &b, &l) == 0 &&
                    pwrite(s->vzf[i], b, l, 0) == (ssize_t)l)
                        (void)!ftruncate(s->vzf[i], (off_t)l);
        }
        vz_cgroup_free(cg);
        n = vz_ubc_format_raw(buf, sizeof(buf), true, vz_ct_id(s->ct), u, VZ_UBC_COUNT);
        if (n > 0 && pwrite(s->ubc, buf, (size_t)n, 0) == n)
                (void)!ftruncate(s->ubc, n);
}

static void ubc_close(struct sup *s, bool remove)
{
        if (s->fan >= 0)
                close(s->fan);
        if (s->ubc >= 0)
                close(s->ubc);
        if (s->meminfo >= 0)
                close(s->meminfo);
        s->fan = s->ubc = s->meminfo = -1;
        for (size_t i = 0; i < ELEMENTSOF(vzf_names); i++) {
                if (s->vzf[i] >= 0)
                        close(s->vzf[i]);
                s->vzf[i] = -1;
        }
        if (remove) {
                _cleanup_free_ char *dir = vz_run_path(s->ct, "ubc");
                _cleanup_free_ char *f = dir ? vz_strdupf("%s/user_beancounters", dir) : NULL;
                _cleanup_free_ char *mi = dir ? vz_strdupf("%s/meminfo", dir) : NULL;
                if (f)
                        unlink(f);
                if (mi)
                        unlink(mi);
                for (size_t i = 0; dir && i < ELEMENTSOF(vzf_names); i++) {
                        _cleanup_free_ char *g = vz_strdupf("%s/%s", dir, vzf_names[i]);
                        if (g)
                                unlink(g);
                }
                if (dir) {
                        _cleanup_free_ char *v = vz_strdupf("%s/vz", dir);
                        if (v)
                                rmdir(v);
                        rmdir(dir);
                }
        }
}

/* The host side of the CT's beancounter file, made fresh; its fd, or -1. */
static int ubc_create(struct sup *s)
{
        _cleanup_free_ char *dir = vz_run_path(s->ct, "ubc");
        _cleanup_free_ char *f = dir ? vz_strdupf("%s/user_beancounters", dir) : NULL;
        uid_t uid = 0;
        gid_t gid = 0;
        int fd;

        if (!f)
                return -1;
        ubc_close(s, true);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -1;
        fd = open(f, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
        if (fd < 0)
                return -1;
        /* Root-only, as on OpenVZ (reading needed CAP_DAC_OVERRIDE): the
         * CT's root, that is. */
        (void)vz_userns_get(s->ct, &uid, &gid);
        if (fchown(fd, uid, gid) < 0)
                vz_debug("chown %s: %s", f, strerror(errno));
        {
                _cleanup_free_ char *v = vz_strdupf("%s/vz", dir);
                if (v && (mkdir(v, 0755) == 0 || errno == EEXIST))
                        for (size_t i = 0; i < ELEMENTSOF(vzf_names); i++) {
                                _cleanup_free_ char *g = vz_strdupf("%s/%s", dir, vzf_names[i]);
                                s->vzf[i] =
                                    g ? open(g, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                             0400)
                                      : -1;
                                if (s->vzf[i] >= 0 && fchown(s->vzf[i], uid, gid) < 0)
                                        vz_debug("chown %s: %s", g, strerror(errno));
                        }
        }
        /* Beside it the CT's /proc/meminfo (bound there by spawn.c,
         * read-only), readable by all as the kernel's. */
        {
                _cleanup_free_ char *mi = vz_strdupf("%s/meminfo", dir);
                s->meminfo =
                    mi ? open(mi, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444) : -1;
                if (s->meminfo >= 0 && fchown(s->meminfo, uid, gid) < 0)
                        vz_debug("chown %s: %s", mi, strerror(errno));
        }
        return fd;
}

/* A fanotify group of our own. Every supervisor has one and all run as
 * the host's root, whose groups the kernel limits (fs.fanotify.
 * max_user_groups, 128 by default): past that many running CTs the limit
 * is raised (by 128, as far as the CTs need; never lowered), as OpenVZ's
 * host scripts set the sysctls a host of many CTs needs. Without it, each
 * supervisor past the 128th fell back to waking every second, and a
 * thousand of them kept the host busy (start and exec slower with every
 * CT running). */
static int fan_group(void)
{
        static const char limit[] = "fs/fanotify/max_user_groups";
        int fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY);

        for (int i = 0; fd < 0 && errno == EMFILE && i < 8; i++) {
                _cleanup_free_ char *cur = NULL;
                char next[32];
                if (vz_read_file("/proc/sys/fs/fanotify/max_user_groups", 64, &cur, NULL) < 0)
                        break;
                snprintf(next, sizeof(next), "%ld", strtol(cur, NULL, 10) + 128);
                if (vz_sysctl_write(limit, next) < 0)
                        break;
                vz_info("raised fs.fanotify.max_user_groups to %s (one per running CT)", next);
                fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY);
        }
        return fd;
}

/* Watch opens of the file (permission events: the opener waits until we
 * answer). Without fanotify permission events (kernel option
 * FANOTIFY_ACCESS_PERMISSIONS) the file is refreshed every second. */
static void ubc_watch(struct sup *s, int fd)
{
        struct stat st;

        s->ubc = fd;
        if (fd < 0)
                return;
        s->ubc_ino = fstat(fd, &st) == 0 ? st.st_ino : 0;
        s->meminfo_ino = s->meminfo >= 0 && fstat(s->meminfo, &st) == 0 ? st.st_ino : 0;
        s->fan = fan_group();
        for (size_t i = 0; s->fan >= 0 && i < ELEMENTSOF(vzf_names); i++)
                if (s->vzf[i] >= 0 &&
                    fanotify_mark(s->fan, FAN_MARK_ADD, FAN_OPEN_PERM, s->vzf[i], NULL) < 0)
                        vz_debug("fanotify_mark %s: %s", vzf_names[i], strerror(errno));
        if (s->fan >= 0 && (fanotify_mark(s->fan, FAN_MARK_ADD, FAN_OPEN_PERM, fd, NULL) < 0 ||
                            (s->meminfo >= 0 && fanotify_mark(s->fan, FAN_MARK_ADD, FAN_OPEN_PERM,
                                                              s->meminfo, NULL) < 0))) {
                vz_debug("fanotify_mark: %s", strerror(errno));
                close(s->fan);
                s->fan = -1;
        }
        /* Filled once init runs (see vz_supervisor_run): not on the way
         * to it; an open before that waits for our answer anyway. */
}

static void ubc_events(struct sup *s)
{
        char buf[4096] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
        ssize_t n;

        while ((n = read(s->fan, buf, sizeof(buf))) > 0) {
                bool refreshed = false, mi_refreshed = false;
                for (struct fanotify_event_metadata *m = (void *)buf; FAN_EVENT_OK(m, n);
                     m = FAN_EVENT_NEXT(m, n)) {
                        struct fanotify_response resp = {.fd = m->fd, .response = FAN_ALLOW};
                        struct stat st;
                        bool mi = s->meminfo_ino && m->fd >= 0 && fstat(m->fd, &st) == 0 &&
                                  st.st_ino == s->meminfo_ino;
                        if (mi && !mi_refreshed && (m->mask & FAN_OPEN_PERM)) {
                                meminfo_refresh(s);
                                mi_refreshed = true;
                        } else if (!mi && !refreshed && (m->mask & FAN_OPEN_PERM)) {
                                ubc_refresh(s);
                                refreshed = true;
                        }
                        if (m->fd >= 0) {
                                (void)!write(s->fan, &resp, sizeof(resp));
                                close(m->fd);
                        }
                }
        }
}

/* Pages the CT wrote and nothing has written back yet stay charged to its
 * memory cgroup, which then outlives the CT (offline, dying) until memory
 * pressure reclaims them: its file system is synced first, so that
 * vz_cgroup_destroy can empty the cgroup. Only then: a sync waits for
 * everything dirty on that file system (for a simfs CT, the host's
 * VE_PRIVATE file system). */
static void sync_ct_data(const vz_ct *ct, vz_cgroup *cg)
{
        const char *root = vz_ct_root(ct);
        int fd;

        if (!root || !vz_cgroup_dirty(cg))
                return;
        fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || syncfs(fd) < 0)
                vz_debug("sync %s: %s", root, strerror(errno));
        if (fd >= 0)
                close(fd);
}

/* Remove what the CT had on the host. */
static void teardown(struct sup *s, bool final)
{
        vz_cgroup *cg = NULL;

        ubc_close(s, final);
        notify_close_all(s);
        vz_net_stop(s->ct);
        if (vz_ct_cgroup_open(s->ct, &cg, NULL) == 0) {
                vz_cgroup_kill(cg);
                if (final) {
                        sync_ct_data(s->ct, cg);
                        vz_cgroup_destroy(cg);
                }
                vz_cgroup_free(cg);
        }
        if (s->console >= 0) {
                close(s->console);
                s->console = -1;
        }
        if (!final)
                return;
        remove_run_file(s->ct, "init");
        if (!s->keep_mounted && vz_ct_root(s->ct)) {
                vz_err e = {0};
                if (vz_run_action_scripts(s->ct, "umount", true, &e) < 0)
                        vz_warn("%s", e.msg);
                if (vz_umount_tree(vz_ct_root(s->ct), &e) < 0)
                        vz_warn("%s", e.msg);
                else
                        (void)vz_run_action_scripts(s->ct, "postumount", true, NULL);
        }
        remove_run_file(s->ct, "sock");
        remove_run_file(s->ct, "pid");
}

/* Start (or restart) init with the CT's current config; cg_fd: see
 * vz_spawn_init (-1 on a restart). */
static int start_init(struct sup *s, int cg_fd, vz_err *e)
{
        struct vz_spawned sp = {.notify_fd = -1};
        int r;

        ubc_watch(s, ubc_create(s));
        r = vz_spawn_init(s->ct, cg_fd, &sp, e);
        if (r < 0)
                return r;
        s->init = sp.init_pid;
        s->console = sp.console_fd;
        r = vz_net_start(s->ct, s->init, e);
        if (r < 0) {
                kill(s->init, SIGKILL);
                waitpid(s->init, NULL, 0);
                s->init = 0;
                close(s->console);
                s->console = -1;
                vz_net_stop(s->ct);
                return r;
        }
        fcntl(s->console, F_SETFL, O_NONBLOCK);
        if (sp.notify_fd >= 0)
                notify_add(s, sp.notify_fd);
        write_pid(s->ct, "init", s->init);
        return 0;
}

/* Restore the dump named by VZ_RESTORE (vzctl restore / start of a
 * suspended CT) in place of starting init; a later reboot starts afresh. */
static int restore_init(struct sup *s, const char *dir, int step, vz_err *e)
{
        struct vz_spawned sp = {.notify_fd = -1};
        int r;

        /* The dump names the directory as an external mount (cpt.c). */
        ubc_watch(s, ubc_create(s));
        dump_drop_notify(dir);
        r = vz_cpt_restore_init(s->ct, dir, step, &sp, e);

        if (r < 0)
                return r;
        s->init = sp.init_pid;
        s->console = sp.console_fd;
        fcntl(s->console, F_SETFL, O_NONBLOCK);
        write_pid(s->ct, "init", s->init);
        return 0;
}

static void reload_config(struct sup *s)
{
        vz_ctx *ctx = s->ct->ctx;
        vz_ct *fresh = NULL;

        /* A reboot picks up what was saved with vzctl set --save. */
        if (vz_ct_open(ctx, vz_ct_id(s->ct), &fresh, NULL) == 0) {
                vz_ct_free(s->ct);
                s->ct = fresh;
        }
}

/* One supervisor runs per CT, so its memory is multiplied by the number of
 * CTs. Most of its resident set is code used only at start (spawning init);
 * drop our read-only file mappings from the page tables: the few pages the
 * loop needs fault back in, the rest stay out. Never writable ones (that
 * would lose data). The same for the anonymous memory used only at start:
 * the stack below the current frame (dead by definition: the loop's calls
 * fault back in zeroed pages as they go deeper) and the free memory of the
 * malloc heap (malloc_trim). */
__attribute__((noinline)) static void trim_memory(void)
{
        char here;
        uintptr_t sp = (uintptr_t)&here, page = (uintptr_t)sysconf(_SC_PAGESIZE), stack = 0;

        {
                _cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
                char line[512];

                while (f && fgets(line, sizeof(line), f)) {
                        unsigned long start, end;
                        char perms[8], path[256] = "";
                        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &start, &end, perms,
                                   path) < 3)
                                continue;
                        if (streq(path, "[stack]") && start < sp && sp < end)
                                stack = start;
                        if (perms[1] == 'w' || perms[3] != 'p' || path[0] != '/')
                                continue;
                        (void)madvise((void *)start, end - start, MADV_DONTNEED);
                }
        }
        malloc_trim(0);
        /* Last, as the calls above go deeper: keep two pages under this
         * frame for madvise itself. */
        if (stack && (sp & ~(page - 1)) - 2 * page > stack)
                (void)madvise((void *)stack, (sp & ~(page - 1)) - 2 * page - stack, MADV_DONTNEED);
}

static char *host_resolv(void)
{
        char *buf = NULL;
        if (vz_read_file("/etc/resolv.conf", 65536, &buf, NULL) < 0)
                return NULL;
        return buf;
}

/* Signals arrive on a signalfd: SIGCHLD (init or a helper ended), SIGTERM,
 * SIGINT (stop the CT), SIGHUP (ignored). */
static int signals_fd(void)
{
        sigset_t mask;

        signal(SIGPIPE, SIG_IGN);
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Start (or restore) the CT's init as vzctl asked in the environment, and
 * tell vzctl on status_fd: "ok PID" or "err CODE MESSAGE" (then exit). */
static void first_start(struct sup *s, int status_fd)
{
        _cleanup_free_ char *rst = getenv("VZ_RESTORE") ? strdup(getenv("VZ_RESTORE")) : NULL;
        int step = getenv("VZ_RESTORE_STEP") ? atoi(getenv("VZ_RESTORE_STEP")) : 0;
        int cg_fd = getenv("VZ_CGROUPS_FD") ? atoi(getenv("VZ_CGROUPS_FD")) : -1;
        vz_err e = {0};
        int r;

        unsetenv("VZ_RESTORE");
        unsetenv("VZ_RESTORE_STEP");
        unsetenv("VZ_CGROUPS_FD");
        if (cg_fd >= 0)
                fcntl(cg_fd, F_SETFD, FD_CLOEXEC); /* for A only */
        if (s->listen_fd < 0)
                r = vz_fail(&e, VZ_E_SYSTEM, s->listen_fd, "cannot create the control socket");
        else
                r = rst ? restore_init(s, rst, step, &e) : start_init(s, cg_fd, &e);
        if (cg_fd >= 0)
                close(cg_fd);
        unsetenv("VZ_CPT_TIMEOUT");
        if (r < 0) {
                dprintf(status_fd, "err %d %s\n", e.code ? e.code : VZ_E_SYSTEM, e.msg);
                close(status_fd);
                s->keep_mounted = true; /* vzctl start unmounts what it mounted */
                teardown(s, true);
                _exit(1);
        }
        dprintf(status_fd, "ok %d\n", (int)s->init);
        close(status_fd);
        ubc_refresh(s);
        meminfo_refresh(s);
        trim_memory();
}

/* Signals and ended children: a stop request kills init; init's end tears
 * the CT down and exits, or (SIGHUP: a reboot from inside) starts it
 * again. */
static void handle_signals(struct sup *s, int sfd)
{
        struct signalfd_siginfo si;

        while (read(sfd, &si, sizeof(si)) == sizeof(si))
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
                        /* Supervisor told to go: the CT goes with it. */
                        s->stopping = true;
                        if (s->init > 0)
                                kill(s->init, SIGKILL);
                }
        for (;;) {
                vz_err e = {0};
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG);
                if (p <= 0)
                        break;
                if (p != s->init)
                        continue;
                s->init = 0;
                bool reboot = WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP && !s->stopping;
                teardown(s, !reboot);
                if (!reboot)
                        _exit(0);
                reload_config(s);
                if (start_init(s, -1, &e) < 0) {
                        vz_warn("CT %u: restart failed: %s", vz_ct_id(s->ct), e.msg);
                        teardown(s, true);
                        _exit(1);
                }
                ubc_refresh(s);
                meminfo_refresh(s);
                trim_memory();
        }
}

/* One round of the loop: wait for any of the fixed five (signals, control
 * socket, console, attached client, beancounter events) or the seccomp
 * listeners, and serve them. false: poll failed. */
static bool serve_once(struct sup *s, int sfd)
{
        struct pollfd fixed[5], *pf = fixed;
        size_t npf = 5 + s->n_notify;
        _cleanup_free_ struct pollfd *dyn = NULL;

        if (s->n_notify && (dyn = calloc(npf, sizeof(*dyn))))
                pf = dyn;
        else
                npf = 5;
        pf[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
        pf[1] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
        pf[2] = (struct pollfd){.fd = s->console, .events = POLLIN};
        pf[3] = (struct pollfd){.fd = s->client, .events = POLLIN};
        pf[4] = (struct pollfd){.fd = s->fan, .events = POLLIN};
        for (size_t i = 5; i < npf; i++)
                pf[i] = (struct pollfd){.fd = s->notify[i - 5], .events = POLLIN};
        int np = poll(pf, (nfds_t)npf, s->ubc >= 0 && s->fan < 0 ? 1000 : -1);
        if (np < 0 && errno != EINTR)
                return false;
        /* Notifications first (their callers wait); a listener whose
         * processes are all gone hangs up. Back to front, as a dropped one
         * is replaced by the last. */
        for (size_t i = npf; i-- > 5;) {
                if (pf[i].revents & POLLIN)
                        notify_event(s, pf[i].fd);
                else if (pf[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
                        close(s->notify[i - 5]);
                        s->notify[i - 5] = s->notify[--s->n_notify];
                }
        }
        if (np == 0) {
                ubc_refresh(s);
                meminfo_refresh(s);
        }
        if (pf[4].revents & POLLIN)
                ubc_events(s);
        if (pf[2].revents & (POLLIN | POLLHUP))
                relay_console(s);
        if (pf[3].revents & (POLLIN | POLLHUP | POLLERR))
                relay_client(s);
        if (pf[1].revents & POLLIN)
                handle_connection(s);
        if (pf[0].revents & POLLIN)
                handle_signals(s, sfd);
        return true;
}

_Noreturn void vz_supervisor_run(vz_ct *ct, int status_fd)
{
        struct sup s = {.ct = ct,
                        .console = -1,
                        .listen_fd = -1,
                        .client = -1,
                        .ubc = -1,
                        .vzf = {-1, -1},
                        .fan = -1,
                        .meminfo = -1,
                        .ring = console_ring};
        int sfd;

        prctl(PR_SET_CHILD_SUBREAPER, 1);
        prctl(PR_SET_NAME, "vz-supervisor");
        sfd = signals_fd();
        {
                _cleanup_free_ char *resolv = host_resolv();
                if (resolv)
                        setenv("VZ_HOST_RESOLV", resolv, 1);
        }
        write_pid(ct, "pid", getpid());
        s.listen_fd = listen_socket(ct);
        first_start(&s, status_fd);
        while (serve_once(&s, sfd))
                ;
        teardown(&s, true);
        _exit(1);
}

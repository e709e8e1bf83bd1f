/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* start / stop of a CT, and joining a running one (exec, enter, console). */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "cgroup.h"
#include "err.h"
#include "log.h"
#include "procvz.h"
#include "runtime.h"
#include "storage/storage.h"
#include "util.h"
#include "vz-build.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int pidfd_open_(pid_t pid)
{
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Wait until a pidfd's process exits, up to ms (-1: forever). 1 = exited. */
static int pidfd_wait(int pidfd, int ms)
{
        struct pollfd pf = {.fd = pidfd, .events = POLLIN};
        int r;
        do
                r = poll(&pf, 1, ms);
        while (r < 0 && errno == EINTR);
        return r > 0;
}

/* The supervisor program: next to the running tool (build tree), else the
 * installed one. VZ_SUPERVISOR overrides both (tests, packaging). */
static char *supervisor_path(void)
{
        char self[PATH_MAX];
        const char *env = getenv("VZ_SUPERVISOR");
        ssize_t n;

        if (!isempty(env))
                return strdup(env);
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0) {
                char *slash, *p;
                self[n] = '\0';
                slash = strrchr(self, '/');
                if (slash) {
                        *slash = '\0';
                        p = vz_strdupf("%s/vz-supervisor", self);
                        if (p && access(p, X_OK) == 0)
                                return p;
                        free(p);
                        /* The build tree keeps it in src/supervisor/. */
                        p = vz_strdupf("%s/../supervisor/vz-supervisor", self);
                        if (p && access(p, X_OK) == 0)
                                return p;
                        free(p);
                }
        }
        return strdup(VZ_LIBEXECDIR "/vz-supervisor");
}

static bool ct_running(const vz_ct *ct, pid_t *ret_sup)
{
        pid_t p;
        if (vz_run_read_pid(ct, "pid", &p) < 0)
                return false;
        if (ret_sup)
                *ret_sup = p;
        return true;
}

static int run_ct_script(vz_ct *ct, const char *action, vz_err *e);

bool vz_ct_is_running(const vz_ct *ct)
{
        return ct_running(ct, NULL);
}

_public_ int vz_ct_get_stats(vz_ct *ct, vz_ct_stats *ret, vz_err *e)
{
        return vz_ct_get_stats_of(ct, VZ_STATS_PROCS | VZ_STATS_DISK, ret, e);
}

_public_ int vz_ct_get_stats_of(vz_ct *ct, unsigned what, vz_ct_stats *ret, vz_err *e)
{
        vz_ct_stats st = {.numproc = -1, .uptime = -1, .disk_used_kb = -1, .inodes_used = -1};
        vz_cgroup *cg = NULL;
        struct statvfs sv;
        pid_t init;

        /* Disk usage of a CT with its own filesystem (the image layout),
         * mounted on VE_ROOT: what df inside shows. */
        if (what & VZ_STATS_DISK) {
                if (ct->private_path && ct->root_path && vz_image_exists(ct->private_path)) {
                        if (vz_is_mountpoint(ct->root_path) > 0 &&
                            statvfs(ct->root_path, &sv) == 0) {
                                st.disk_used_kb =
                                    (int64_t)((sv.f_blocks - sv.f_bfree) * sv.f_frsize / 1024);
                                st.inodes_used = (int64_t)(sv.f_files - sv.f_ffree);
                        }
                } else if (ct->private_path && access(ct->private_path, F_OK) == 0) {
                        /* btrfs: the space the subvolume references (its qgroup, what
                         * DISKSPACE limits); simfs, and inodes on btrfs: a walk of
                         * the private area, as vzquota's first scan counted. */
                        int64_t kb = -1, inodes = -1;
                        if (vz_tree_usage(ct->private_path, &kb, &inodes) == 0) {
                                st.disk_used_kb = kb;
                                st.inodes_used = inodes;
                        }
                        if (vz_btrfs_is_subvolume(ct->private_path) &&
                            vz_btrfs_usage(ct->private_path, &kb) == 0)
                                st.disk_used_kb = kb;
                }
        }
        if (!(what & VZ_STATS_PROCS) || vz_run_read_pid(ct, "init", &init) < 0 ||
            !ct_running(ct, NULL)) {
                *ret = st;
                return 0;
        }
        if (vz_ct_cgroup_open(ct, &cg, e) == 0) {
                _cleanup_free_ char *v = NULL;
                if (vz_cgroup_read(cg, "pids", "pids.current", &v) == 0)
                        st.numproc = strtoll(v, NULL, 10);
                vz_cgroup_free(cg);
        }
        {
                /* Uptime: since the current init started (field 22, in
                 * clock ticks after boot). */
                _cleanup_free_ char *p = vz_strdupf("/proc/%d/stat", (int)init), *buf = NULL;
                struct timespec now;
                char *rp;
                if (p && vz_read_file(p, 4096, &buf, NULL) == 0 && (rp = strrchr(buf, ')'))) {
                        unsigned long long start = 0;
                        int field = 2;
                        for (char *t = strtok(rp + 1, " "); t; t = strtok(NULL, " "))
                                if (++field == 22) {
                                        start = strtoull(t, NULL, 10);
                                        break;
                                }
                        clock_gettime(CLOCK_BOOTTIME, &now);
                        if (start)
                                st.uptime = now.tv_sec + now.tv_nsec / 1e9 -
                                            (double)start / sysconf(_SC_CLK_TCK);
                }
        }
        *ret = st;
        return 0;
}

/* ------------------------------------------------------------------ start */

/* The supervisor, started the cheap way (vfork-style posix_spawn: no copy
 * of our page tables), detached from the caller's session and terminal,
 * with status_fd kept open and set, the environment entries in set added
 * (replacing ones of the same name). 0 or -errno. */
static int spawn_supervisor(const char *path, const char *id, int status_fd, int cg_fd,
                            char *const set[], pid_t *ret)
{
        extern char **environ;
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t sa;
        _cleanup_free_ char **envp = NULL;
        char *argv[] = {(char *)"vz-supervisor", (char *)id, NULL};
        size_t n = 0, k = 0;
        int r;

        for (char **e = environ; e && *e; e++)
                n++;
        for (char *const *s = set; *s; s++)
                n++;
        envp = calloc(n + 1, sizeof(char *));
        if (!envp)
                return -ENOMEM;
        for (char **e = environ; e && *e; e++) {
                bool replaced = false;
                for (char *const *s = set; *s && !replaced; s++)
                        replaced = strncmp(*e, *s, strcspn(*s, "=") + 1) == 0;
                if (!replaced)
                        envp[k++] = *e;
        }
        for (char *const *s = set; *s; s++)
                envp[k++] = *s;
        posix_spawnattr_init(&sa);
        posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSID);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
        posix_spawn_file_actions_adddup2(&fa, 0, 1);
        posix_spawn_file_actions_adddup2(&fa, 0, 2);
        /* The same fd: only clears its close-on-exec flag. */
        posix_spawn_file_actions_adddup2(&fa, status_fd, status_fd);
        if (cg_fd >= 0)
                posix_spawn_file_actions_adddup2(&fa, cg_fd, cg_fd);
        r = posix_spawn(ret, path, &fa, &sa, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&sa);
        return -r;
}

static int ensure_userns(vz_ct *ct, vz_err *e)
{
        int lock = -1, r;

        if (vz_conffile_get(ct->conf, "LOCAL_UID") && vz_conffile_get(ct->conf, "LOCAL_GID"))
                return 0;
        /* A CT from before user namespaces (or a hand-written config) gets
         * its range now, saved so that its files keep their owners. */
        r = vz_userns_alloc(ct->ctx, ct->id, ct->conf, &lock, e);
        if (r == 0)
                r = vz_conffile_save(ct->conf, ct->conf_path, e);
        if (lock >= 0)
                close(lock);
        return r;
}

_public_ int vz_ct_start(vz_ct *ct, unsigned flags, int wait_sec, vz_err *e)
{
        vz_ct_state st;

        /* OpenVZ: starting a suspended CT resumes it from its dump. */
        if (ct->has_config && vz_ct_get_state(ct, &st, NULL) == 0 && st.suspended)
                return vz_ct_restore(ct, VZ_RESTORE_FULL, NULL, e);
        return vz_ct_launch(ct, flags, wait_sec, NULL, 0, NULL, e);
}

/* What must hold before a start: a config, not DISABLED, the paths, a
 * private area, not running. */
static int check_startable(vz_ct *ct, unsigned flags, vz_ct_state *st, vz_err *e)
{
        const char *dis;

        if (!ct->has_config)
                return vz_fail(e, VZ_E_NOVECONFIG, -ENOENT, "CT config %s does not exist",
                               ct->conf_path);
        dis = vz_ct_get(ct, "DISABLED");
        if (dis && streq(dis, "yes") && !(flags & VZ_START_FORCE))
                return vz_fail(e, VZ_E_START_DISABLED, -EPERM,
                               "start is disabled (DISABLED=yes); use --force");
        if (!ct->private_path)
                return vz_fail(e, VZ_E_VE_PRIVATE_NOTSET, -EINVAL, "VE_PRIVATE is not set");
        if (!ct->root_path)
                return vz_fail(e, VZ_E_VE_ROOT_NOTSET, -EINVAL, "VE_ROOT is not set");
        if (access(ct->private_path, F_OK) < 0)
                return vz_fail(e, VZ_E_FS_NOPRVT, -ENOENT, "private area %s does not exist",
                               ct->private_path);
        vz_ct_get_state(ct, st, NULL);
        if (st->running)
                return vz_fail(e, VZ_E_RUNNING, -EBUSY, "container is already running");
        return ensure_userns(ct, e);
}

/* The run directory and the host-wide FUSE servers a CT uses (the CT
 * starts without them). */
static int prepare_host(vz_ct *ct, vz_err *e)
{
        _cleanup_free_ char *rundir = strdup(vz_ct_get(ct, "VZ_RUNDIR") ?: "/run/vz");

        if (!rundir || vz_mkdir_p(rundir, 0755) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot create %s", rundir);
        if (vz_lxcfs_wanted(ct)) {
                vz_err le = {0};
                if (vz_lxcfs_ensure(ct, &le) < 0)
                        vz_warn("CT %u: no per-CT /proc/meminfo, cpuinfo, uptime: %s", ct->id,
                                le.msg);
        }
        {
                /* The host's OpenVZ /proc files on VZ_RUNDIR/proc (procvz.c). */
                _cleanup_free_ char *bin = supervisor_path();
                vz_err pe = {0};
                if (!bin || vz_procfs_ensure(ct, bin, &pe) < 0)
                        vz_warn("CT %u: no OpenVZ /proc files on the host: %s", ct->id,
                                bin ? pe.msg : "no vz-supervisor");
        }
        return 0;
}

/* Run the supervisor with its environment: the status pipe's end, the
 * cgroups socket's (cg_fd, -1 for a restore) and the restore's settings. */
static int run_supervisor(vz_ct *ct, const char *sup, int status_fd, int cg_fd,
                          const char *restore_dir, int restore_step, const char *timeout,
                          pid_t *ret, vz_err *e)
{
        _cleanup_free_ char *fdv = NULL, *conf = NULL, *rst = NULL, *stp = NULL, *tmo = NULL;
        _cleanup_free_ char *cgv = NULL;
        char *set[7] = {NULL}, id[16];
        size_t k = 0;
        int r = 0;

        snprintf(id, sizeof(id), "%u", ct->id);
        if (cg_fd >= 0)
                set[k++] = cgv = vz_strdupf("VZ_CGROUPS_FD=%d", cg_fd);
        set[k++] = fdv = vz_strdupf("VZ_STATUS_FD=%d", status_fd);
        set[k++] = conf = vz_strdupf("VZ_CONFDIR=%s", ct->ctx->confdir);
        if (restore_dir) {
                set[k++] = rst = vz_strdupf("VZ_RESTORE=%s", restore_dir);
                set[k++] = stp = vz_strdupf("VZ_RESTORE_STEP=%d", restore_step);
                set[k++] = tmo = vz_strdupf("VZ_CPT_TIMEOUT=%s", timeout ? timeout : "");
        }
        for (size_t i = 0; i < k; i++)
                if (!set[i])
                        r = -ENOMEM;
        if (r == 0)
                r = spawn_supervisor(sup, id, status_fd, cg_fd, set, ret);
        if (r < 0)
                return vz_fail(e, r == -ENOMEM ? VZ_E_RESOURCE : VZ_E_SYSTEM, r,
                               "cannot run %s: %s", sup, strerror(-r));
        return 0;
}

/* The supervisor's answer on the status pipe: "ok ..." or "err CODE MSG"
 * (then it exits after its cleanup). made_cg/cg_err: our part, the CT's
 * cgroups (their failure is the reason if there was one). */
static int read_supervisor_status(vz_ct *ct, int fd, pid_t pid, bool made_cg, const vz_err *cg_err,
                                  vz_err *e)
{
        char buf[1200], *msg = buf;
        int code = VZ_E_SYSTEM;
        size_t len = 0;

        for (;;) {
                ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += n;
        }
        buf[len] = '\0';
        if (vz_startswith(buf, "ok "))
                return 0;
        buf[strcspn(buf, "\n")] = '\0';
        if (vz_startswith(buf, "err ")) {
                code = (int)strtol(buf + 4, &msg, 10);
                msg += *msg == ' ';
        }
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        /* It may have cleaned up before we made them. */
        if (made_cg)
                vz_spawn_drop_cgroups(ct);
        if (cg_err->code)
                return vz_fail(e, cg_err->code, -cg_err->errnum, "%s", cg_err->msg);
        return vz_fail(e, code ? code : VZ_E_SYSTEM, -ECANCELED, "%s",
                       *msg ? msg : "the supervisor failed");
}

/* Start the supervisor and wait for its word. A plain start makes the CT's
 * cgroups while the supervisor starts up, and tells it on a socket when
 * they are ready. */
static int launch_supervisor(vz_ct *ct, const char *restore_dir, int restore_step,
                             const char *timeout, vz_err *e)
{
        _cleanup_free_ char *sup = supervisor_path();
        int pfd[2], cg[2] = {-1, -1}, r;
        vz_err cg_err = {0};
        bool made_cg = false;
        pid_t pid;

        if (!sup || pipe2(pfd, O_CLOEXEC) < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "pipe: %s", strerror(errno));
        if (!restore_dir && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cg) < 0) {
                r = vz_fail(e, VZ_E_RESOURCE, -errno, "socketpair: %s", strerror(errno));
                close(pfd[0]);
                close(pfd[1]);
                return r;
        }
        r = run_supervisor(ct, sup, pfd[1], cg[0], restore_dir, restore_step, timeout, &pid, e);
        if (cg[0] >= 0)
                close(cg[0]);
        close(pfd[1]);
        if (r < 0) {
                close(pfd[0]);
                if (cg[1] >= 0)
                        close(cg[1]);
                return r;
        }
        if (cg[1] >= 0) {
                int c = vz_spawn_make_cgroups(ct, &cg_err);
                made_cg = c >= 0;
                if (c >= 0)
                        (void)!send(cg[1], c ? "1" : "0", 1, MSG_NOSIGNAL);
                close(cg[1]);
                /* Else the supervisor gives up (after its cleanup); ours is
                 * the reason. */
                if (c >= 0)
                        cg_err = (vz_err){0};
        }
        r = read_supervisor_status(ct, pfd[0], pid, made_cg, &cg_err, e);
        close(pfd[0]);
        return r;
}

int vz_ct_launch(vz_ct *ct, unsigned flags, int wait_sec, const char *restore_dir, int restore_step,
                 const char *timeout, vz_err *e)
{
        bool mounted_here = false;
        vz_ct_state st;
        int r;

        r = check_startable(ct, flags, &st, e);
        if (r < 0)
                return r;
        if (!st.mounted) {
                r = vz_ct_mount_flags(ct, flags & VZ_START_SKIP_FSCK ? VZ_MOUNT_SKIP_FSCK : 0, e);
                if (r < 0)
                        return vz_err_prefix(e, r, "cannot mount the CT's file system");
                mounted_here = true;
        }
        r = prepare_host(ct, e);
        if (r == 0)
                r = launch_supervisor(ct, restore_dir, restore_step, timeout, e);
        if (r < 0) {
                if (mounted_here)
                        vz_umount_tree(ct->root_path, NULL);
                return r;
        }
        if (restore_dir)
                return 0;
        /* CTID.start, inside; a failure stops the CT again (exit 79). */
        r = run_ct_script(ct, "start", e);
        if (r < 0) {
                vz_ct_stop(ct, VZ_STOP_FAST | (mounted_here ? 0 : VZ_STOP_SKIP_UMOUNT), NULL);
                return r;
        }
        if (flags & VZ_START_WAIT) {
                r = vz_ct_wait_booted(ct, wait_sec, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ------------------------------------------------------------------ join */

struct join {
        pid_t init;
        int nsflags;
        uint64_t caps;
        vz_cgroup *cg;
        bool no_netfilter;
        int sup;      /* the joined child's end for its seccomp listener, or -1 */
        int sup_peer; /* ours: passes it on to the supervisor */
        vz_ct *ct;
};

static int ns_differs(pid_t pid, const char *ns)
{
        char a[64], b[64], p[64];
        struct stat sa, sb;

        snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, ns);
        snprintf(a, sizeof(a), "/proc/self/ns/%s", ns);
        (void)b;
        if (stat(p, &sa) < 0 || stat(a, &sb) < 0)
                return 0;
        return sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev;
}

static int control_connect(const vz_ct *ct, const char *request, vz_err *e);

static int prepare_join(vz_ct *ct, struct join *j, vz_err *e)
{
        uid_t u;
        gid_t g;
        bool userns;
        int r;

        r = vz_run_read_pid(ct, "init", &j->init);
        if (r < 0 || !ct_running(ct, NULL))
                return vz_fail(e, VZ_E_NOT_RUNNING, -ESRCH, "container is not running");
        userns = vz_userns_get(ct, &u, &g);
        j->nsflags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID |
                     CLONE_NEWCGROUP;
        if (ns_differs(j->init, "user"))
                j->nsflags |= CLONE_NEWUSER;
        if (ns_differs(j->init, "time"))
                j->nsflags |= CLONE_NEWTIME;
        r = vz_ct_cap_mask(ct, userns, &j->caps, e);
        if (r < 0)
                return r;
        j->no_netfilter = vz_ct_netfilter_disabled(ct);
        j->sup = j->sup_peer = -1;
        j->ct = ct;
        return vz_ct_cgroup_open(ct, &j->cg, e);
}

static int recv_fd(int sock);
static void send_listener(int sock, int fd);

/* The caller's side of a join, once the child is forked (or failed): the
 * child's seccomp listener, sent back to us once it has joined (or EOF if
 * it failed), goes on to the supervisor, which answers its notifications
 * (sysinfo) as it does init's. We pass it, not the child: the child is in
 * the CT's mount namespace by then, and a supervisor waiting for a child's
 * request would keep the CT's other callers waiting. */
static void join_done(struct join *j)
{
        vz_cgroup_free(j->cg);
        j->cg = NULL;
        if (j->sup >= 0)
                close(j->sup);
        j->sup = -1;
        if (j->sup_peer >= 0) {
                int fd = recv_fd(j->sup_peer), c;
                if (fd >= 0 && (c = control_connect(j->ct, "", NULL)) >= 0) {
                        send_listener(c, fd);
                        close(c);
                }
                if (fd >= 0)
                        close(fd);
                close(j->sup_peer);
                j->sup_peer = -1;
        }
}

/* exec and enter: the joined process gets a listener for the supervisor
 * (without one its sysinfo gets the host's values). */
static void join_notify(struct join *j)
{
        int sv[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return;
        j->sup = sv[1];
        j->sup_peer = sv[0];
}

/* In a child about to join: move fds[0..n) (-1: none) to 3, 4, ... in
 * order, updating fds[], and close every other descriptor above 2. */
static void keep_only_fds(int *fds, int n)
{
        int top = 2 + n, next = 3;

        for (int i = 0; i < n; i++)
                if (fds[i] > top)
                        top = fds[i];
        for (int i = 0; i < n; i++)
                if (fds[i] >= 0)
                        fds[i] = fcntl(fds[i], F_DUPFD, top + 1);
        for (int i = 0; i < n; i++)
                if (fds[i] >= 0) {
                        fds[i] = dup2(fds[i], next) < 0 ? -1 : next;
                        next++;
                }
        close_range((unsigned)next, ~0U, 0);
}

static int send_fd(int sock, int fd);

static void send_listener(int sock, int fd)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = {0}, req[] = "notify\n";
        struct iovec iov = {.iov_base = req, .iov_len = sizeof(req) - 1};
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);

        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &fd, sizeof(int));
        (void)!sendmsg(sock, &m, MSG_NOSIGNAL);
}

/* In a forked child: become a process of the CT exactly as confined as its
 * init (cgroup, namespaces, IDs, bounding set, seccomp). Then fork once
 * more so the PID namespace applies; the returned process (0) is inside,
 * the intermediate waits for it and exits with its status. A child forked
 * into the CT's PID namespace already (in_pidns, see vz_ct_exec) needs no
 * second fork. */
static int join_ct_(struct join *j, bool in_pidns, int init_fd, vz_err *e)
{
        int pidfd, st;
        pid_t child;

        /* Nothing of ours may be read by the CT through /proc while we still
         * hold host resources. */
        prctl(PR_SET_DUMPABLE, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* The CT's limits, set while raising a hard limit is still allowed. */
        vz_rlimits_apply();
        if (vz_cgroup_attach(j->cg, getpid(), e) < 0)
                return -1;
        /* j->init is a PID of ours, not of the namespace a child of
         * vz_ct_exec is in: it brings the pidfd along (init_fd). */
        pidfd = init_fd >= 0 ? init_fd : pidfd_open_(j->init);
        if (pidfd < 0)
                return vz_fail(e, VZ_E_NOT_RUNNING, -errno, "container is not running");
        if (setns(pidfd, j->nsflags & ~(in_pidns ? CLONE_NEWPID : 0)) < 0) {
                /* init exited between the state check and here: a stop ran */
                if (errno == ESRCH)
                        return vz_fail(e, VZ_E_NOT_RUNNING, -errno, "container is not running");
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot enter the CT's namespaces: %s",
                               strerror(errno));
        }
        close(pidfd);
        if ((j->nsflags & CLONE_NEWUSER) &&
            (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || setgroups(0, NULL) < 0))
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot become the CT's root");
        /* What runs here outlives vzctl, as from the intermediate below. */
        child = in_pidns ? (prctl(PR_SET_PDEATHSIG, 0), 0) : fork();
        if (child < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "fork");
        if (child > 0) {
                while (waitpid(child, &st, 0) < 0 && errno == EINTR)
                        ;
                _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        }
        /* A session and process group of the CT's own (led by us, a
         * process of its PID namespace), not the caller's on the host:
         * criu refuses to checkpoint a process whose session leader is
         * outside the CT ("sleep &" left by exec), and the host's
         * controlling terminal must not be reachable through /dev/tty. */
        (void)setsid();
        if (chdir("/") < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "chdir /");
        {
                int lfd = -1;
                if (vz_seccomp_apply(j->no_netfilter, j->sup >= 0 ? &lfd : NULL, e) < 0)
                        return -1;
                if (lfd >= 0) {
                        (void)send_fd(j->sup, lfd);
                        close(lfd);
                }
                if (j->sup >= 0)
                        close(j->sup);
                j->sup = -1;
        }
        if (vz_caps_apply_bounding(j->caps) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot drop capabilities");
        prctl(PR_SET_DUMPABLE, 1);
        return 0;
}

static int join_ct(struct join *j, vz_err *e)
{
        return join_ct_(j, false, -1, e);
}

static char *const exec_env[] = {
    "HOME=/", "TERM=linux", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    NULL};

/* In a forked child: why it could not run the command, for the caller to
 * print (msgfd: the close-on-exec pipe vz_ct_exec reads; -1: none). */
static void child_report(int msgfd, const char *fmt, ...) _printf_(2, 3);
static void child_report(int msgfd, const char *fmt, ...)
{
        char buf[sizeof(((vz_err *)0)->msg)];
        va_list ap;
        int n;

        if (msgfd < 0)
                return;
        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n > 0)
                (void)!write(msgfd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

_Noreturn static void exec_in_ct(char *const argv[], int mode, int msgfd)
{
        if (mode == VZ_EXEC_ARGV) {
                execvpe(argv[0], argv, exec_env);
                child_report(msgfd, "cannot run %s: %s", argv[0], strerror(errno));
                _exit(errno == ENOENT ? 127 : 126);
        }
        /* exec/exec2: one shell command line (bash as OpenVZ, sh if none);
         * no argv: the shell reads commands from stdin ("-"). */
        for (int i = 0; i < 2; i++) {
                const char *sh = i == 0 ? "/bin/bash" : "/bin/sh";
                if (argv && argv[0]) {
                        char *a[] = {(char *)sh, "-c", argv[0], NULL};
                        execve(sh, a, exec_env);
                } else {
                        char *a[] = {(char *)sh, NULL};
                        execve(sh, a, exec_env);
                }
        }
        child_report(msgfd, "no shell in the container: %s", strerror(errno));
        _exit(127);
}

static void copy_out(int src, int dst, char *buf, size_t len, bool *eof)
{
        ssize_t r = read(src, buf, len);

        if (r < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (r <= 0) {
                *eof = true;
                return;
        }
        for (ssize_t off = 0; off < r;) {
                ssize_t w = write(dst, buf + off, r - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return; /* our reader is gone: drop the output */
                off += w;
        }
}

/* Relay our stdin to the command and its stdout/stderr to ours until both
 * outputs end, or the command has exited (pidfd readable) and what it left
 * in the pipes is drained: a daemon it started in the background may hold
 * the pipes open forever. */
static void relay(int pidfd, int in_dst, int out_src, int err_src)
{
        char buf[16384];
        bool out_eof = false, err_eof = false, in_eof = false, exited = false;

        while (!(out_eof && err_eof)) {
                struct pollfd pf[4] = {
                    {.fd = out_eof ? -1 : out_src, .events = POLLIN},
                    {.fd = err_eof ? -1 : err_src, .events = POLLIN},
                    {.fd = in_eof ? -1 : STDIN_FILENO, .events = POLLIN},
                    {.fd = exited ? -1 : pidfd, .events = POLLIN},
                };
                if (poll(pf, 4, exited ? 0 : -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (pf[0].revents)
                        copy_out(out_src, STDOUT_FILENO, buf, sizeof(buf), &out_eof);
                if (pf[1].revents)
                        copy_out(err_src, STDERR_FILENO, buf, sizeof(buf), &err_eof);
                if (pf[2].revents) {
                        ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));
                        bool bad = r <= 0 && !(r < 0 && errno == EINTR);
                        for (ssize_t off = 0; !bad && off < r;) {
                                ssize_t w = write(in_dst, buf + off, r - off);
                                if (w < 0 && errno == EINTR)
                                        continue;
                                bad = w < 0; /* the command closed its stdin */
                                off += w > 0 ? w : 0;
                        }
                        if (bad) {
                                in_eof = true;
                                close(in_dst);
                                in_dst = -1;
                        }
                }
                if (pf[3].revents) {
                        exited = true;
                        fcntl(out_src, F_SETFL, O_NONBLOCK);
                        fcntl(err_src, F_SETFL, O_NONBLOCK);
                        continue;
                }
                /* After the exit, one pass with nothing left ends it. */
                if (exited && !(pf[0].revents | pf[1].revents))
                        break;
        }
        if (in_dst >= 0)
                close(in_dst);
}

/* Is pid on its way out? Init of a PID namespace counts as exited only once
 * every other process in it is gone, so a command killed by the end of its
 * CT can see init still there, with PF_EXITING (0x4) in its flags. */
static bool exiting(pid_t pid)
{
        char p[64], buf[1024], *rp;
        unsigned long flags = 0;
        int fd, n, field = 2;

        snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return true;
        n = (int)read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return true;
        buf[n] = '\0';
        rp = strrchr(buf, ')');
        for (char *t = rp ? strtok(rp + 1, " ") : NULL; t; t = strtok(NULL, " "))
                if (++field == 9) {
                        flags = strtoul(t, NULL, 10);
                        break;
                }
        return flags & 0x4;
}

/* The command leads its own session and process group inside the CT (see
 * join_ct_), so the terminal's Ctrl-C / Ctrl-\ and a hangup or kill of
 * vzctl reach only us: pass them on to the command's process group, as
 * when it shared ours. Only signals the caller left at their default
 * action (a caller that ignores SIGINT keeps its command from it too). */
static const int forwarded_signals[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
static volatile pid_t forward_to;

static void forward_signal(int sig)
{
        int saved = errno;
        pid_t p = forward_to;

        if (p > 0 && kill(-p, sig) < 0)
                (void)kill(p, sig); /* not its group leader yet */
        errno = saved;
}

static void forward_signals(pid_t pid, struct sigaction old[])
{
        struct sigaction sa = {.sa_handler = forward_signal};

        forward_to = pid;
        for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++) {
                old[i].sa_handler = SIG_IGN;
                if (sigaction(forwarded_signals[i], NULL, &old[i]) == 0 &&
                    old[i].sa_handler == SIG_DFL)
                        sigaction(forwarded_signals[i], &sa, NULL);
        }
}

static void restore_signals(const struct sigaction old[])
{
        for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
                if (old[i].sa_handler == SIG_DFL)
                        sigaction(forwarded_signals[i], &old[i], NULL);
        forward_to = 0;
}

/* vz_ct_exec's child: stdio on the pipes, into the CT, the command. */
_Noreturn static void exec_child(struct join *j, bool in_pidns, int init_fd, const int in[2],
                                 const int out[2], const int err[2], int msgfd, char *const argv[],
                                 int mode)
{
        vz_err ce = {0};

        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        /* Only the three pipe ends go into the CT (and the pidfd of its
         * init, the socket to the supervisor, closed once joined, and the
         * message pipe, closed by the exec). */
        int keep[3] = {in_pidns ? init_fd : -1, j->sup, msgfd};
        keep_only_fds(keep, 3);
        if ((in_pidns && keep[0] < 0) || keep[2] < 0 || fcntl(keep[2], F_SETFD, FD_CLOEXEC) < 0)
                _exit(255);
        j->sup = keep[1];
        if (join_ct_(j, in_pidns, keep[0], &ce) < 0) {
                child_report(keep[2], "%s", ce.msg);
                _exit(255);
        }
        exec_in_ct(argv, mode, keep[2]);
}

/* Fork the command's process, straight into the CT's PID namespace: we
 * enter it for our children only (pid_for_children) around the fork and go
 * back to our own, so no intermediate process (a second fork and exit) is
 * needed. Without the pidfd: the intermediate. */
static pid_t fork_into_pidns(int init_fd, bool *ret_in_pidns, int *ret_errno)
{
        int self_pidns = init_fd >= 0 ? open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC) : -1;
        bool in_pidns = self_pidns >= 0 && setns(init_fd, CLONE_NEWPID) == 0;
        pid_t pid = fork();

        *ret_errno = errno;
        if (in_pidns && pid != 0 && setns(self_pidns, CLONE_NEWPID) < 0) {
                /* Never expected: our later children would be the CT's. */
                vz_log(VZ_LOG_ERR, "cannot leave the CT's PID namespace: %s", strerror(errno));
                abort();
        }
        if (self_pidns >= 0 && pid != 0)
                close(self_pidns);
        *ret_in_pidns = in_pidns;
        return pid;
}

/* The caller's side: relay stdio until the command ends, its status. */
static int relay_command(pid_t pid, int in_w, int out_r, int err_r, int *ret_st)
{
        struct sigaction old_sigs[ELEMENTSOF(forwarded_signals)];
        void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
        int pidfd, r = 0;

        forward_signals(pid, old_sigs);
        pidfd = pidfd_open_(pid);
        relay(pidfd, in_w, out_r, err_r);
        if (pidfd >= 0)
                close(pidfd);
        close(out_r);
        close(err_r);
        signal(SIGPIPE, old_pipe);
        while (waitpid(pid, ret_st, 0) < 0)
                if (errno != EINTR) {
                        r = -errno;
                        break;
                }
        restore_signals(old_sigs);
        return r;
}

/* What the child said on the message pipe, if anything, into e->msg (with
 * code 0: the command's status says the rest). */
static void read_child_report(int fd, vz_err *e)
{
        char buf[sizeof(e->msg)];
        ssize_t n = read(fd, buf, sizeof(buf) - 1);

        if (n > 0 && e) {
                buf[n] = '\0';
                *e = (vz_err){0};
                snprintf(e->msg, sizeof(e->msg), "%s", buf);
        }
}

_public_ int vz_ct_exec(vz_ct *ct, char *const argv[], int mode, int *ret_status, vz_err *e)
{
        struct join j = {0};
        int in[2], out[2], err[2], msg[2], st, r, init_fd, fork_errno;
        bool in_pidns;
        pid_t pid;

        r = prepare_join(ct, &j, e);
        if (r < 0)
                return r;
        join_notify(&j);
        /* Watches the CT's init: did the CT end while the command ran? */
        init_fd = pidfd_open_(j.init);
        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
            pipe2(msg, O_CLOEXEC | O_NONBLOCK) < 0) {
                if (init_fd >= 0)
                        close(init_fd);
                join_done(&j);
                return vz_fail(e, VZ_E_RESOURCE, -errno, "pipe: %s", strerror(errno));
        }
        pid = fork_into_pidns(init_fd, &in_pidns, &fork_errno);
        if (pid < 0) {
                /* A PID namespace whose init is gone takes no new process. */
                bool gone =
                    in_pidns && fork_errno == ENOMEM && (pidfd_wait(init_fd, 0) || exiting(j.init));
                if (init_fd >= 0)
                        close(init_fd);
                join_done(&j);
                if (gone)
                        return vz_fail(e, VZ_E_NOT_RUNNING, -ESRCH, "container is not running");
                return vz_fail(e, VZ_E_RESOURCE, -fork_errno, "fork: %s", strerror(fork_errno));
        }
        if (pid == 0)
                exec_child(&j, in_pidns, init_fd, in, out, err, msg[1], argv, mode);
        close(in[0]);
        close(out[1]);
        close(err[1]);
        close(msg[1]);
        join_done(&j);
        r = relay_command(pid, in[1], out[0], err[0], &st);
        read_child_report(msg[0], e);
        close(msg[0]);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "waitpid");
        *ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        /* A CT that stops meanwhile takes the command with it (its PID
         * namespace ends with SIGKILL to all): say so rather than pass on a
         * bare "killed" status (found by tests/integ/concurrency.sh). */
        if (*ret_status > 128 && (init_fd < 0 || pidfd_wait(init_fd, 0) || exiting(j.init))) {
                if (init_fd >= 0)
                        close(init_fd);
                /* replaces the child's report (a join that found init
                 * gone: ESRCH) with why, and the code with 31 */
                return vz_fail_replace(e, VZ_E_NOT_RUNNING, -ESRCH,
                                       "the container stopped while the command ran");
        }
        if (init_fd >= 0)
                close(init_fd);
        return 0;
}

/* ------------------------------------------------------------------ enter */

static int send_fd(int sock, int fd)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = {0}, c = 'F';
        struct iovec iov = {.iov_base = &c, .iov_len = 1};
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);

        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &fd, sizeof(int));
        return sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int recv_fd(int sock)
{
        char cbuf[CMSG_SPACE(sizeof(int))], c;
        struct iovec iov = {.iov_base = &c, .iov_len = 1};
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
        struct cmsghdr *h;
        int fd = -1;

        if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) <= 0)
                return -EIO;
        for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
                if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
                        memcpy(&fd, CMSG_DATA(h), sizeof(int));
        return fd;
}

/* vz_ct_enter's child: why it failed, on the socket that would have
 * carried the pty ("E<message>", no descriptor). */
static void send_failure(int sock, const char *fmt, ...) _printf_(2, 3);
static void send_failure(int sock, const char *fmt, ...)
{
        char buf[sizeof(((vz_err *)0)->msg)] = "E";
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf + 1, sizeof(buf) - 1, fmt, ap);
        va_end(ap);
        (void)!send(sock, buf, strlen(buf), MSG_NOSIGNAL);
}

/* The pty master the child sends, or <0 with its message in why (or ""). */
static int recv_fd_or_failure(int sock, char *why, size_t len)
{
        char cbuf[CMSG_SPACE(sizeof(int))], buf[sizeof(((vz_err *)0)->msg)];
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
        struct cmsghdr *h;
        ssize_t n;
        int fd = -1;

        why[0] = '\0';
        n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
        if (n <= 0)
                return -EIO;
        for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
                if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
                        memcpy(&fd, CMSG_DATA(h), sizeof(int));
        if (fd < 0 && buf[0] == 'E') {
                size_t k = (size_t)n - 1 < len - 1 ? (size_t)n - 1 : len - 1;
                memcpy(why, buf + 1, k);
                why[k] = '\0';
        }
        return fd >= 0 ? fd : -EIO;
}

/* vz_ct_enter's shell, on the pty's slave as its session's terminal. */
_Noreturn static void enter_shell(int m, const char *termenv, char *const argv[])
{
        char *envp[] = {"HOME=/root",
                        "USER=root",
                        "LOGNAME=root",
                        "HISTFILE=/dev/null",
                        (char *)termenv,
                        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                        "/sbin:/bin",
                        NULL};
        int s;

        setsid();
        s = open(ptsname(m), O_RDWR);
        if (s < 0)
                _exit(255);
        ioctl(s, TIOCSCTTY, 0);
        dup2(s, 0);
        dup2(s, 1);
        dup2(s, 2);
        close(s);
        close(m);
        if (chdir("/root") < 0)
                (void)!chdir("/");
        if (argv && argv[0]) {
                execve(argv[0], argv, envp);
                execvpe(argv[0], argv, envp);
                _exit(127);
        }
        execle("/bin/bash", "-bash", (char *)NULL, envp);
        execle("/bin/sh", "-sh", (char *)NULL, envp);
        _exit(127);
}

_public_ int vz_ct_enter(vz_ct *ct, char *const argv[], int *ret_master, int *ret_pid, vz_err *e)
{
        char why[sizeof(e->msg) - 64];
        struct join j = {0};
        int sv[2], r, master;
        pid_t pid;

        r = prepare_join(ct, &j, e);
        if (r < 0)
                return r;
        join_notify(&j);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                join_done(&j);
                return vz_fail(e, VZ_E_RESOURCE, -errno, "socketpair");
        }
        pid = fork();
        if (pid < 0) {
                join_done(&j);
                return vz_fail(e, VZ_E_RESOURCE, -errno, "fork");
        }
        if (pid == 0) {
                vz_err ce = {0};
                const char *term = getenv("TERM");
                char termenv[128];
                int m, st;
                pid_t sh;

                close(sv[0]);
                /* Only the socket back to us goes into the CT (and the
                 * one to the supervisor, closed once joined). */
                {
                        int keep[2] = {sv[1], j.sup};
                        keep_only_fds(keep, 2);
                        sv[1] = keep[0];
                        j.sup = keep[1];
                }
                if (join_ct(&j, &ce) < 0) {
                        send_failure(sv[1], "%s", ce.msg);
                        _exit(255);
                }
                /* The pty belongs to the CT's own devpts, as OpenVZ's enter. */
                m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
                if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
                        send_failure(sv[1], "cannot open a pty in the container: %s",
                                     strerror(errno));
                        _exit(255);
                }
                if (send_fd(sv[1], m) < 0)
                        _exit(255);
                close(sv[1]);
                snprintf(termenv, sizeof(termenv), "TERM=%s", term ? term : "xterm");
                sh = fork();
                if (sh == 0)
                        enter_shell(m, termenv, argv);
                close(m);
                while (waitpid(sh, &st, 0) < 0 && errno == EINTR)
                        ;
                _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        }
        close(sv[1]);
        join_done(&j);
        master = recv_fd_or_failure(sv[0], why, sizeof(why));
        close(sv[0]);
        if (master < 0) {
                int st;
                waitpid(pid, &st, 0);
                return vz_fail(e, VZ_E_SYSTEM, -EIO, "cannot enter the container%s%s",
                               why[0] ? ": " : "", why);
        }
        *ret_master = master;
        *ret_pid = pid;
        return 0;
}

/* ------------------------------------------------------------------ run code inside */

int vz_ct_run_inside(vz_ct *ct, int (*fn)(const vz_ct *ct, void *arg), void *arg, vz_err *e)
{
        struct join j = {0};
        int st, r;
        pid_t pid;

        r = prepare_join(ct, &j, e);
        if (r < 0)
                return r;
        {
                /* NAMESERVER=inherit needs the host's file, read before we go in. */
                _cleanup_free_ char *resolv = NULL;
                if (vz_read_file("/etc/resolv.conf", 65536, &resolv, NULL) == 0)
                        setenv("VZ_HOST_RESOLV", resolv, 1);
        }
        pid = fork();
        if (pid < 0) {
                join_done(&j);
                return vz_fail(e, VZ_E_RESOURCE, -errno, "fork");
        }
        if (pid == 0) {
                vz_err ce = {0};
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, 0);
                        dup2(null, 1);
                }
                if (join_ct(&j, &ce) < 0)
                        _exit(ce.code > 0 && ce.code < 256 ? ce.code : VZ_E_SYSTEM);
                _exit(fn(ct, arg));
        }
        join_done(&j);
        unsetenv("VZ_HOST_RESOLV");
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return vz_fail(e, VZ_E_SYSTEM, -errno, "waitpid");
        return WIFEXITED(st) ? WEXITSTATUS(st) : VZ_E_SYSTEM;
}

static int apply_identity(const vz_ct *ct, void *arg)
{
        (void)arg;
        vz_ct_configure_identity(ct);
        return 0;
}

int vz_ct_apply_identity(vz_ct *ct, vz_err *e)
{
        int r = vz_ct_run_inside(ct, apply_identity, NULL, e);
        if (r > 0)
                return vz_fail(e, r, -EIO, "cannot configure the CT's hostname and DNS");
        return r;
}

/* CTID.start / CTID.stop: host files run inside the CT by its shell (OpenVZ
 * §1.14). The script is fed on stdin, so nothing of the host is mounted in. */
static int run_ct_script(vz_ct *ct, const char *action, vz_err *e)
{
        _cleanup_free_ char *path = vz_strdupf("%s/conf/%u.%s", ct->ctx->confdir, ct->id, action);
        char *argv[] = {NULL};
        int fd, saved, st = 0, r;

        if (!path)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT
                           ? 0
                           : vz_fail(e, VZ_E_ACTIONSCRIPT, -errno, "%s: %s", path, strerror(errno));
        saved = dup(STDIN_FILENO);
        dup2(fd, STDIN_FILENO);
        close(fd);
        r = vz_ct_exec(ct, argv, VZ_EXEC_SHELL, &st, e);
        if (saved >= 0) {
                dup2(saved, STDIN_FILENO);
                close(saved);
        }
        if (r < 0)
                return r;
        if (st != 0)
                return vz_fail(e, VZ_E_ACTIONSCRIPT, -ECANCELED,
                               "action script %s failed (exit %d)", path, st);
        return 0;
}

/* ------------------------------------------------------------------ console, stop */

static int control_connect(const vz_ct *ct, const char *request, vz_err *e)
{
        _cleanup_free_ char *p = vz_run_path(ct, "sock");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd;

        if (!p || strlen(p) >= sizeof(sa.sun_path))
                return vz_fail(e, VZ_E_SYSTEM, -ENAMETOOLONG, "run directory path too long");
        strcpy(sa.sun_path, p);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                close(fd);
                return vz_fail(e, VZ_E_NOT_RUNNING, -errno, "container is not running");
        }
        if (write(fd, request, strlen(request)) < 0) {
                close(fd);
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot talk to the supervisor");
        }
        return fd;
}

_public_ int vz_ct_console(vz_ct *ct, vz_err *e)
{
        if (!ct_running(ct, NULL))
                return vz_fail(e, VZ_E_NOT_RUNNING, -ESRCH, "container is not running");
        return control_connect(ct, "console\n", e);
}

enum init_kind { INIT_SYSTEMD, INIT_BUSYBOX, INIT_OTHER };

static enum init_kind init_kind(pid_t init)
{
        char p[64], exe[PATH_MAX];
        ssize_t n;

        snprintf(p, sizeof(p), "/proc/%d/exe", (int)init);
        n = readlink(p, exe, sizeof(exe) - 1);
        if (n <= 0)
                return INIT_OTHER;
        exe[n] = '\0';
        if (strstr(exe, "systemd"))
                return INIT_SYSTEMD;
        if (strstr(exe, "busybox"))
                return INIT_BUSYBOX;
        {
                /* busybox installed as hard links: /sbin/init is the CT's
                 * /bin/busybox (resolved inside the CT's root by /proc). */
                char bb[64];
                struct stat a, b;
                snprintf(bb, sizeof(bb), "/proc/%d/root/bin/busybox", (int)init);
                if (stat(p, &a) == 0 && stat(bb, &b) == 0 && a.st_dev == b.st_dev &&
                    a.st_ino == b.st_ino)
                        return INIT_BUSYBOX;
        }
        return INIT_OTHER;
}

static int stop_ct(vz_ct *ct, unsigned flags, vz_err *e);

_public_ int vz_ct_stop(vz_ct *ct, unsigned flags, vz_err *e)
{
        int r = stop_ct(ct, flags, e);

        /* The image layout: the CT's filesystem goes with its mount
         * namespace, just after its last process, and the loop device after
         * it. Stopped means the image is free (to check, copy, resize). */
        if (r == 0 && !(flags & VZ_STOP_SKIP_UMOUNT) && ct->private_path &&
            vz_image_exists(ct->private_path))
                (void)vz_image_wait_free(ct->private_path, NULL);
        return r;
}

static int stop_ct(vz_ct *ct, unsigned flags, vz_err *e)
{
        const char *t = vz_ct_get(ct, "STOP_TIMEOUT");
        int timeout = t ? atoi(t) : 0, pidfd, fd;
        pid_t sup, init = 0;
        char ok[8];

        if (!ct_running(ct, &sup))
                return 1;
        if (timeout <= 0)
                timeout = 120;
        /* CTID.stop runs inside first; its failure aborts the stop (79). */
        if (!(flags & VZ_STOP_FAST)) {
                int r = run_ct_script(ct, "stop", e);
                if (r < 0)
                        return r;
        }
        pidfd = pidfd_open_(sup);
        if (pidfd < 0)
                return errno == ESRCH ? 1 : vz_fail(e, VZ_E_STOP, -errno, "pidfd_open");
        /* Tell the supervisor the next end of init is final (no reboot). */
        fd = control_connect(ct, flags & VZ_STOP_SKIP_UMOUNT ? "stop-keep-mounted\n" : "stop\n", e);
        if (fd < 0) {
                close(pidfd);
                return fd;
        }
        (void)!read(fd, ok, sizeof(ok));
        close(fd);
        vz_run_read_pid(ct, "init", &init);

        if (!(flags & VZ_STOP_FAST) && init > 0) {
                switch (init_kind(init)) {
                case INIT_SYSTEMD:
                        kill(init, SIGRTMIN + 3); /* systemd: halt */
                        break;
                case INIT_BUSYBOX:
                        kill(init, SIGUSR2); /* busybox init: poweroff */
                        break;
                default: {
                        /* sysvinit and others: run halt inside, as OpenVZ. */
                        char *argv[] = {"halt", NULL};
                        int st;
                        vz_ct_exec(ct, argv, VZ_EXEC_ARGV, &st, NULL);
                        break;
                }
                }
                if (pidfd_wait(pidfd, timeout * 1000)) {
                        close(pidfd);
                        return 0;
                }
                vz_warn("CT %u did not stop in %d s; killing it", ct->id, timeout);
        }
        if (init > 0)
                kill(init, SIGKILL);
        else
                kill(sup, SIGTERM);
        if (!pidfd_wait(pidfd, 30000)) {
                close(pidfd);
                return vz_fail(e, VZ_E_STOP, -ETIMEDOUT, "unable to stop the container");
        }
        close(pidfd);
        return 0;
}

_public_ int vz_ct_wait_booted(vz_ct *ct, int timeout_sec, vz_err *e)
{
        struct timespec start, now;
        pid_t init;
        int st, r;

        if (timeout_sec <= 0)
                timeout_sec = 3600;
        clock_gettime(CLOCK_MONOTONIC, &start);
        if (vz_run_read_pid(ct, "init", &init) < 0)
                return vz_fail(e, VZ_E_NOT_RUNNING, -ESRCH, "container is not running");
        for (;;) {
                if (init_kind(init) == INIT_SYSTEMD) {
                        char *argv[] = {"/bin/sh", "-c",
                                        "s=$(systemctl is-system-running 2>/dev/null); "
                                        "[ \"$s\" = running ] || [ \"$s\" = degraded ]",
                                        NULL};
                        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC), saved[3];
                        for (int i = 0; i < 3; i++) {
                                saved[i] = dup(i);
                                dup2(devnull, i);
                        }
                        r = vz_ct_exec(ct, argv, VZ_EXEC_ARGV, &st, e);
                        for (int i = 0; i < 3; i++) {
                                dup2(saved[i], i);
                                close(saved[i]);
                        }
                        close(devnull);
                        if (r < 0)
                                return r;
                        if (st == 0)
                                return 0;
                } else {
                        /* busybox/sysvinit have no "booted" signal; the CT
                         * counts as up once its init has started a child. */
                        _cleanup_free_ char *p = vz_strdupf("/proc/%d/task/%d/children", (int)init,
                                                            (int)init),
                                            *buf = NULL;
                        if (p && vz_read_file(p, 4096, &buf, NULL) == 0 && buf[0])
                                return 0;
                }
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - start.tv_sec >= timeout_sec)
                        return vz_fail(e, VZ_E_WAIT_FAILED, -ETIMEDOUT,
                                       "container did not finish booting in %d s", timeout_sec);
                if (!ct_running(ct, NULL))
                        return vz_fail(e, VZ_E_WAIT_FAILED, -ESRCH,
                                       "container stopped while booting");
                nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
        }
}

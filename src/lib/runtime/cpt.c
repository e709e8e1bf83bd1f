/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checkpoint and restore of a whole CT through the criu program (OpenVZ
 * §1.12 on a stock kernel, as OpenVZ 7 does it).
 *
 * Dump (in the caller, vzctl): criu dump of the CT's init, the whole tree
 * with its namespaces, frozen through the CT's freezer cgroup. What the CT
 * has from the host is declared external, so criu neither dumps it nor
 * expects to find it inside:
 *  - bind mounts of host device nodes (/dev/null etc., DEVNODES, and the
 *    /proc masks made of /dev/null): every devtmpfs mount of the CT is named
 *    "vzdev<path>" and mapped back onto /dev<path> at restore;
 *  - the console: /dev/console is a pty whose master the supervisor holds.
 *    Its mount and the tty are external (key saved in the dump); restore
 *    gets a fresh pty whose slave replaces it (--inherit-fd);
 *  - veth pairs: the host ends are named at restore (--external veth[]).
 * The root is not dumped (criu never dumps the root mount); restore mounts
 * it again exactly as spawn.c does (idmapped) and hands it over with --root.
 * A dump goes to <dump>.tmp and is renamed into place only when complete; a
 * failed dump leaves the CT running (criu resumes it, and we thaw it).
 *
 * Restore (in the supervisor, see supervisor.c): cgroups made and limited as
 * for a start, then criu restore --restore-detached run from a child of the
 * supervisor, which is a child subreaper: when criu exits, the restored init
 * becomes the supervisor's child, so stop, exec, enter and console work on
 * as after a start. Then the host side of the network is redone.
 *
 * Every criu run has a timeout (CPT_TIMEOUT, default 300 s): SIGTERM, then
 * SIGKILL. Logs are kept beside the dump: <dump>.dump.log, .restore.log.
 *
 * cpt-mounts.c lists and remakes the external mounts; cpt-relock.c is
 * criu's action script, which locks the restored mounts (issue 19).
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "cgroup.h"
#include "err.h"
#include "log.h"
#include "net/net.h"
#include "runtime.h"
#include "util.h"

#include "cpt.h"

static double now_ms(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Where scripts/get-criu (run by scripts/install-deps) puts a criu that
 * runs on this kernel: not on PATH, so without CRIU= in vz.conf a plain
 * install would find no criu at all. */
#define GET_CRIU_PROG "/opt/vz-criu/bin/criu"

static char *find_prog(const char *prog);

/* CRIU= from the configuration; else criu from PATH; else get-criu's. */
static const char *criu_prog(const vz_ctx *ctx)
{
        const char *c = vz_ctx_get(ctx, "CRIU");
        _cleanup_free_ char *onpath = NULL;

        if (!isempty(c))
                return c;
        onpath = find_prog("criu");
        if (!onpath && access(GET_CRIU_PROG, X_OK) == 0)
                return GET_CRIU_PROG;
        return "criu";
}

static int cpt_timeout(const vz_ct *ct, const vz_cpt_opts *o)
{
        const char *t = vz_ct_get(ct, "CPT_TIMEOUT");
        if (o && o->timeout_sec > 0)
                return o->timeout_sec;
        return t && atoi(t) > 0 ? atoi(t) : DEFAULT_TIMEOUT;
}

_public_ int vz_ct_dump_path(vz_ct *ct, char **ret, vz_err *e)
{
        const char *d = vz_ct_get(ct, "DUMPDIR");
        char *p;

        if (isempty(d))
                return vz_fail(e, VZ_E_NOTENOUGHPARAMS, -EINVAL, "DUMPDIR is not set");
        p = vz_strdupf("%s/Dump.%u", d, vz_ct_id(ct));
        if (!p)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        *ret = p;
        return 0;
}

static int dump_dir(vz_ct *ct, const vz_cpt_opts *o, char **ret, vz_err *e)
{
        if (o && !isempty(o->dumpfile)) {
                *ret = strdup(o->dumpfile);
                return *ret ? 0 : vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        return vz_ct_dump_path(ct, ret, e);
}

/* ------------------------------------------------------------------ running criu */

struct criu_run {
        const vz_ctx *ctx;
        char **argv;     /* without argv[0] */
        int timeout;     /* seconds */
        const char *out; /* criu's stdout/stderr (appended), or NULL */
        /* In the child, before exec; log_fd: criu's log, which the caller reads. */
        int (*setup)(void *arg, int log_fd);
        void *arg;
        bool own_ns;      /* setup put the child in a mount namespace of its own */
        const char *kdat; /* bound over KDAT_RUN in the child (kdat_cache) */
};

/* Run criu; *ret_status its exit status (128+N for a signal). -ETIMEDOUT
 * when it had to be killed. */
static int criu_exec(const struct criu_run *c, int *ret_status)
{
        const char *prog = criu_prog(c->ctx);
        _cleanup_strv_free_ char **argv = NULL;
        int pidfd, st;
        pid_t pid;

        if (vz_strv_push(&argv, prog) < 0)
                return -ENOMEM;
        for (size_t i = 0; c->argv && c->argv[i]; i++)
                if (vz_strv_push(&argv, c->argv[i]) < 0)
                        return -ENOMEM;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                int out =
                    c->out ? open(c->out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (null >= 0)
                        dup2(null, 0);
                dup2(out >= 0 ? out : null, 1);
                dup2(out >= 0 ? out : null, 2);
                if (c->setup && c->setup(c->arg, out >= 0 ? out : null) < 0)
                        _exit(126);
                /* A failure here costs only criu's probing. */
                if (c->kdat &&
                    (c->own_ns || (unshare(CLONE_NEWNS) == 0 &&
                                   mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == 0)))
                        (void)mount(c->kdat, KDAT_RUN, NULL, MS_BIND, NULL);
                /* The restore code moved us to a fresh session of our own. */
                execvp(prog, argv);
                if (out >= 0)
                        dprintf(out, "cannot run %s: %s\n", prog, strerror(errno));
                _exit(127);
        }
        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd >= 0) {
                struct pollfd pf = {.fd = pidfd, .events = POLLIN};
                int r;
                do
                        r = poll(&pf, 1, c->timeout * 1000);
                while (r < 0 && errno == EINTR);
                if (r == 0) {
                        /* criu cleans up (resumes the CT) on SIGTERM. */
                        kill(pid, SIGTERM);
                        do
                                r = poll(&pf, 1, 10000);
                        while (r < 0 && errno == EINTR);
                        if (r == 0)
                                kill(pid, SIGKILL);
                        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                                ;
                        close(pidfd);
                        *ret_status = -1;
                        return -ETIMEDOUT;
                }
                close(pidfd);
        }
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        *ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return 0;
}

/* ------------------------------------------------------------------ kerndat cache
 *
 * Every criu run starts by probing the kernel's features (its "kerndat",
 * 0.2-0.3 s, more on a busy host). criu keeps the result in KDAT_RUN, but
 * only where /run is a tmpfs: a file there is gone at reboot and so never
 * describes another kernel. Where /run is a disk directory criu probes on
 * every run. There vz keeps the file itself on a tmpfs (KDAT_DIR, root's
 * alone, one file per criu binary) and binds it over KDAT_RUN in the criu
 * child's own mount namespace; the host's /run only gets an empty
 * KDAT_RUN as the mount point (criu ignores and replaces an empty one).
 * The file is made once per boot by `criu check` run with a fresh tmpfs
 * on /run. VZ_NO_KDAT_CACHE=1 in the environment turns this off. */

static char *find_prog(const char *prog)
{
        _cleanup_free_ char *path = NULL;
        char *save = NULL;

        if (strchr(prog, '/'))
                return strdup(prog);
        path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/sbin:/usr/bin:/sbin:/bin");
        for (char *d = path ? strtok_r(path, ":", &save) : NULL; d;
             d = strtok_r(NULL, ":", &save)) {
                char *p = vz_strdupf("%s/%s", d, prog);
                if (p && access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        return NULL;
}

struct kdat_make {
        const vz_ctx *ctx;
        const char *path;
};

static int kdat_fresh_run(void)
{
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
            mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=700,size=1m") <
                0)
                return -1;
        return 0;
}

/* `criu check` in a mount namespace with a tmpfs on /run, so it saves its
 * kerndat there; copied to k->path. In a child: the namespace is its. */
static int kdat_make(const struct kdat_make *k)
{
        pid_t pid = fork();
        int st;

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                char *argv[] = {"check", NULL};
                struct criu_run c = {.ctx = k->ctx, .argv = argv, .timeout = 60};
                _cleanup_free_ char *buf = NULL,
                                    *tmp = vz_strdupf("%s.tmp%d", k->path, (int)getpid());
                size_t len = 0;
                int cst;
                if (!tmp || kdat_fresh_run() < 0)
                        _exit(1);
                /* criu check runs in this namespace (own_ns: no second one). */
                c.own_ns = true;
                if (criu_exec(&c, &cst) < 0 || vz_read_file(KDAT_RUN, 1 << 16, &buf, &len) < 0 ||
                    len == 0)
                        _exit(1);
                if (vz_write_file_atomic(tmp, buf, len, 0600) < 0 || rename(tmp, k->path) < 0) {
                        unlink(tmp);
                        _exit(1);
                }
                _exit(0);
        }
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* The kerndat file to bind over KDAT_RUN for this criu, or NULL (criu
 * keeps its own, or none can be kept here). */
static char *kdat_cache(const vz_ctx *ctx)
{
        _cleanup_free_ char *exe = NULL;
        struct statfs sf;
        struct stat st, d;
        char *path;
        int fd;

        if (getenv("VZ_NO_KDAT_CACHE") || geteuid() != 0)
                return NULL;
        if (statfs("/run", &sf) < 0 || sf.f_type == TMPFS_MAGIC)
                return NULL;
        if (statfs("/dev/shm", &sf) < 0 || sf.f_type != TMPFS_MAGIC)
                return NULL;
        exe = find_prog(criu_prog(ctx));
        if (!exe || stat(exe, &st) < 0)
                return NULL;
        if (mkdir(KDAT_DIR, 0700) < 0 && errno != EEXIST)
                return NULL;
        if (lstat(KDAT_DIR, &d) < 0 || !S_ISDIR(d.st_mode) || d.st_uid != 0 || (d.st_mode & 077))
                return NULL;
        /* The mount point in the host's /run: an empty file, or criu's own. */
        if (lstat(KDAT_RUN, &d) < 0) {
                if (errno != ENOENT)
                        return NULL;
                fd = open(KDAT_RUN, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0 && errno != EEXIST)
                        return NULL;
                if (fd >= 0)
                        close(fd);
        } else if (!S_ISREG(d.st_mode))
                return NULL;
        path = vz_strdupf("%s/%llx-%llx-%llx-%llx.kdat", KDAT_DIR, (unsigned long long)st.st_dev,
                          (unsigned long long)st.st_ino, (unsigned long long)st.st_size,
                          (unsigned long long)st.st_mtime);
        if (!path)
                return NULL;
        if (lstat(path, &d) == 0 && S_ISREG(d.st_mode) && d.st_size > 0)
                return path;
        {
                struct kdat_make k = {.ctx = ctx, .path = path};
                if (kdat_make(&k) < 0) {
                        free(path);
                        return NULL;
                }
        }
        return path;
}

/* The first "Error" line of a criu log that is not known noise (probes
 * of absent iptables tools, rlimits, the final summary), for the message. */
static char *log_error(const char *log)
{
        static const char *const noise[] = {"iptables",          "RLIMIT",  "tun:", "FAILED",
                                            "cgroupd: recv req", "kerndat", NULL};
        _cleanup_free_ char *buf = NULL;
        char *last = NULL;

        if (!log || vz_read_file(log, 16 << 20, &buf, NULL) < 0)
                return NULL;
        for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
                bool skip = false;
                if (!strstr(l, "Error ("))
                        continue;
                for (size_t i = 0; noise[i]; i++)
                        skip = skip || strstr(l, noise[i]);
                if (!skip)
                        return strdup(strstr(l, "Error ("));
                last = l;
        }
        return last ? strdup(strstr(last, "Error (")) : NULL;
}

static int criu_failed(vz_err *e, int code, int r, int status, const char *what, const char *log)
{
        _cleanup_free_ char *line = log_error(log);

        if (r == -ETIMEDOUT)
                return vz_fail(e, code, r, "%s timed out (see %s)", what, log);
        if (r < 0)
                return vz_fail(e, code, r, "cannot run criu: %s", strerror(-r));
        if (status == 127)
                return vz_fail(e, code, -ENOENT, "%s: criu not found (set CRIU= in vz.conf)", what);
        return vz_fail(e, code, -EIO, "%s failed (criu exit %d)%s%s; log: %s", what, status,
                       line ? ": " : "", line ? line : "", log);
}

/* ------------------------------------------------------------------ freezer */

static char *freezer_dir(vz_cgroup *cg)
{
        const char *v1 = vz_cgroup_path(cg, "freezer");
        const char *v2 = vz_cgroup_v2_path(cg);

        if (v1)
                return strdup(v1);
        /* cgroup2: every cgroup but the root has cgroup.freeze. */
        if (v2) {
                _cleanup_free_ char *f = vz_strdupf("%s/cgroup.freeze", v2);
                if (f && access(f, F_OK) == 0)
                        return strdup(v2);
        }
        return NULL;
}

static int ct_freeze(vz_cgroup *cg, bool freeze)
{
        _cleanup_free_ char *dir = freezer_dir(cg), *file = NULL, *state = NULL;
        bool v1 = vz_cgroup_path(cg, "freezer") != NULL;
        int r;

        if (!dir)
                return -EOPNOTSUPP;
        file = vz_strdupf("%s/%s", dir, v1 ? "freezer.state" : "cgroup.freeze");
        if (!file)
                return -ENOMEM;
        {
                const char *v = v1 ? (freeze ? "FROZEN" : "THAWED") : (freeze ? "1" : "0");
                int fd = open(file, O_WRONLY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                r = write(fd, v, strlen(v)) < 0 ? -errno : 0;
                close(fd);
                if (r < 0)
                        return r;
        }
        if (!freeze)
                return 0;
        /* Freezing is asynchronous: wait until every task is frozen. */
        free(file);
        file = vz_strdupf("%s/%s", dir, v1 ? "freezer.state" : "cgroup.events");
        for (int i = 0; file && i < 1000; i++) {
                free(state);
                state = NULL;
                if (vz_read_file(file, 4096, &state, NULL) < 0)
                        return -EIO;
                if (v1 ? vz_startswith(state, "FROZEN") : strstr(state, "frozen 1") != NULL)
                        return 0;
                nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
        }
        return -ETIMEDOUT;
}

static int open_cg(const vz_ct *ct, vz_cgroup **ret, vz_err *e)
{
        return vz_ct_cgroup_open(ct, ret, e);
}

/* ------------------------------------------------------------------ dump */

/* The directories below the CT's cgroup2 directory (its init, e.g.
 * systemd, made them). criu re-creates only those holding tasks, but
 * systemd also watches empty ones (inotify on cgroup.events). */
static int list_cgroups(const char *base, const char *rel, char **out, int depth)
{
        _cleanup_free_ char *p = vz_strdupf("%s%s%s", base, *rel ? "/" : "", rel);
        _cleanup_closedir_ DIR *d = p ? opendir(p) : NULL;
        struct dirent *de;

        if (!p)
                return -ENOMEM;
        if (!d || depth > 16)
                return 0;
        while ((de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;
                char *o;
                if (de->d_type != DT_DIR || de->d_name[0] == '.' || strchr(de->d_name, '\n'))
                        continue;
                sub = vz_strdupf("%s%s%s", rel, *rel ? "/" : "", de->d_name);
                if (!sub)
                        return -ENOMEM;
                o = *out;
                *out = vz_strdupf("%s%s\n", o, sub);
                free(o);
                if (!*out || list_cgroups(base, sub, out, depth + 1) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static void make_cgroups(vz_cgroup *cg, const char *list, uid_t uid, gid_t gid, bool own)
{
        _cleanup_strv_free_ char **v = NULL;
        const char *base = vz_cgroup_v2_path(cg);

        if (!base || !list || vz_strv_split(list, "\n", &v) < 0)
                return;
        for (size_t i = 0; v[i]; i++) {
                _cleanup_free_ char *p = NULL;
                if (strstr(v[i], ".."))
                        continue;
                p = vz_strdupf("%s/%s", base, v[i]);
                if (p && mkdir(p, 0755) == 0 && own && chown(p, uid, gid) < 0)
                        vz_debug("chown %s: %s", p, strerror(errno));
        }
}

/* criu's key of the CT's console tty: tty[rdev:dev] in hex. */
static char *console_key(pid_t init)
{
        _cleanup_free_ char *p = vz_strdupf("/proc/%d/root/dev/console", (int)init);
        struct stat st;

        if (!p || stat(p, &st) < 0 || !S_ISCHR(st.st_mode))
                return NULL;
        return vz_strdupf("tty[%llx:%llx]", (unsigned long long)st.st_rdev,
                          (unsigned long long)st.st_dev);
}

static int write_text(const char *dir, const char *name, const char *text)
{
        _cleanup_free_ char *p = vz_strdupf("%s/%s", dir, name);
        return p ? vz_write_file_atomic(p, text, strlen(text), 0600) : -ENOMEM;
}

/* Kill a CT (frozen or stopped alike) and wait for its supervisor to clean
 * up: init killed by SIGKILL is a halt for the supervisor, which removes
 * the network, cgroups and the mount. */
static int kill_ct(vz_ct *ct, vz_cgroup *cg, vz_err *e)
{
        pid_t init, sup;
        int pidfd = -1, r = 0;

        if (vz_run_read_pid(ct, "pid", &sup) == 0)
                pidfd = (int)syscall(SYS_pidfd_open, sup, 0);
        if (vz_run_read_pid(ct, "init", &init) == 0)
                kill(init, SIGKILL);
        /* A frozen task dies only once thawed. */
        (void)ct_freeze(cg, false);
        if (pidfd >= 0) {
                struct pollfd pf = {.fd = pidfd, .events = POLLIN};
                int n;
                do
                        n = poll(&pf, 1, 30000);
                while (n < 0 && errno == EINTR);
                if (n == 0)
                        r = vz_fail(e, VZ_E_STOP, -ETIMEDOUT, "the CT's supervisor did not exit");
                close(pidfd);
        }
        return r;
}

/* What a dump saves beside criu's images (FILE_*). */
struct dump_extra {
        char *map, *tty, *devlist, *cglist, *tmpfs;
        pid_t init;
        uid_t uid; /* the base of the CT's IDs (cpt-shm.c) */
        gid_t gid;
};

static void dump_extra_free(struct dump_extra *x)
{
        free(x->map);
        free(x->tty);
        free(x->devlist);
        free(x->cglist);
        free(x->tmpfs);
}

/* criu dump's arguments, and the lists of the CT's external things. */
static int dump_args(const vz_ct *ct, pid_t init, vz_cgroup *cg, bool full, const char *tmp,
                     const char *log, char ***args, struct dump_extra *x)
{
        _cleanup_free_ char *fdir = freezer_dir(cg), *pidstr = vz_strdupf("%d", (int)init);
        int r;

        x->tmpfs = strdup("");
        if (!pidstr || !x->tmpfs)
                return -ENOMEM;
        x->init = init;
        if (!vz_userns_get(ct, &x->uid, &x->gid))
                x->uid = x->gid = 0;
        r = vz_strv_split("dump --tree", " ", args);
        if (r >= 0)
                r = vz_strv_push(args, pidstr);
        if (r >= 0) {
                const char *const fixed[] = {"--images-dir",
                                             tmp,
                                             "--log-file",
                                             log,
                                             "-v4",
                                             "--tcp-established",
                                             "--file-locks",
                                             "--link-remap",
                                             "--manage-cgroups=soft",
                                             "--network-lock",
                                             "nftables",
                                             full ? "--leave-stopped" : "--leave-running",
                                             NULL};
                for (size_t i = 0; r >= 0 && fixed[i]; i++)
                        r = vz_strv_push(args, fixed[i]);
        }
        if (r >= 0 && fdir) {
                r = vz_strv_push(args, "--freeze-cgroup");
                if (r >= 0)
                        r = vz_strv_push(args, fdir);
        }
        if (r >= 0)
                r = vz_cpt_external_mounts(ct, init, args, &x->map, &x->tmpfs);
        if (r >= 0)
                r = vz_cpt_list_dev(init, &x->devlist);
        if (r >= 0 && vz_cgroup_v2_path(cg) && (x->cglist = strdup("")))
                r = list_cgroups(vz_cgroup_v2_path(cg), "", &x->cglist, 0);
        x->tty = console_key(init);
        if (r >= 0 && x->tty) {
                r = vz_strv_push(args, "--external");
                if (r >= 0)
                        r = vz_strv_push(args, x->tty);
        }
        return r;
}

/* The dump in tmp made complete (FILE_*) and renamed to dir. */
static int save_dump(const char *tmp, const char *dir, const struct dump_extra *x)
{
        /* The CT's tasks are stopped (criu left them so, or they were
         * frozen before): its /dev/shm as they left it. */
        int r = vz_cpt_save_shm(x->init, x->uid, x->gid, tmp);
        if (r >= 0)
                r = write_text(tmp, FILE_MOUNTS, x->map);
        if (r >= 0)
                r = write_text(tmp, FILE_TTY, x->tty ? x->tty : "");
        if (r >= 0)
                r = write_text(tmp, FILE_DEV, x->devlist);
        if (r >= 0)
                r = write_text(tmp, FILE_CGROUPS, x->cglist ? x->cglist : "");
        if (r >= 0)
                r = write_text(tmp, FILE_TMPFS, x->tmpfs);
        if (r >= 0) {
                (void)vz_rm_rf(dir);
                if (rename(tmp, dir) < 0)
                        r = -errno;
        }
        return r;
}

static int do_dump(vz_ct *ct, pid_t init, vz_cgroup *cg, bool full, const vz_cpt_opts *o, vz_err *e)
{
        _cleanup_free_ char *dir = NULL, *tmp = NULL, *log = NULL, *kdat = NULL;
        _cleanup_strv_free_ char **args = NULL;
        struct criu_run c = {.ctx = ct->ctx, .timeout = cpt_timeout(ct, o)};
        struct dump_extra x = {0};
        double t0;
        int r, st = 0;

        r = dump_dir(ct, o, &dir, e);
        if (r < 0)
                return r;
        tmp = vz_strdupf("%s.tmp", dir);
        log = vz_strdupf("%s.dump.log", dir);
        if (!tmp || !log)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        (void)vz_rm_rf(tmp);
        if (!(o && !isempty(o->dumpfile))) {
                /* DUMPDIR: private, dumps are the CTs' memory (open_dump). */
                _cleanup_free_ char *parent = strdup(dir);
                char *slash = parent ? strrchr(parent, '/') : NULL;
                if (slash && slash != parent) {
                        *slash = '\0';
                        if (vz_mkdir_p(parent, 0700) == 0)
                                (void)chmod(parent, 0700);
                }
        }
        r = vz_mkdir_p(tmp, 0700);
        if (r < 0)
                return vz_fail(e, VZ_E_CHKPNT, r, "cannot create %s: %s", tmp, strerror(-r));
        unlink(log);
        r = dump_args(ct, init, cg, full, tmp, log, &args, &x);
        if (r < 0) {
                dump_extra_free(&x);
                (void)vz_rm_rf(tmp);
                return vz_fail(e, VZ_E_CHKPNT, r, "cannot prepare the checkpoint: %s",
                               strerror(-r));
        }
        c.argv = args;
        c.out = log;
        kdat = kdat_cache(ct->ctx);
        c.kdat = kdat;
        t0 = now_ms();
        r = criu_exec(&c, &st);
        if (o && o->ret_criu_ms)
                *o->ret_criu_ms = now_ms() - t0;
        if (o && o->ret_frozen_ms)
                *o->ret_frozen_ms = now_ms() - t0;
        if (r < 0 || st != 0) {
                /* criu resumes what it froze; a timeout may have left the
                 * cgroup frozen: thaw it unless it was frozen before. */
                if (full)
                        (void)ct_freeze(cg, false);
                dump_extra_free(&x);
                (void)vz_rm_rf(tmp);
                r = criu_failed(e, VZ_E_CHKPNT, r, st, "checkpoint", log);
                if (!vz_pid_alive(init))
                        vz_fail_replace(e, VZ_E_CHKPNT, -ESRCH, "%s; the CT is no longer running",
                                        e ? e->msg : "checkpoint failed");
                return r;
        }
        r = save_dump(tmp, dir, &x);
        dump_extra_free(&x);
        if (r < 0) {
                if (full)
                        (void)ct_freeze(cg, false);
                (void)vz_rm_rf(tmp);
                return vz_fail(e, VZ_E_CHKPNT, r, "cannot save the dump in %s: %s", dir,
                               strerror(-r));
        }
        if (!full) {
                /* --dump of a suspended CT: it stays frozen. */
                (void)ct_freeze(cg, true);
                return 0;
        }
        return kill_ct(ct, cg, e);
}

_public_ int vz_ct_chkpnt(vz_ct *ct, int step, const vz_cpt_opts *opts, vz_err *e)
{
        vz_cgroup *cg = NULL;
        pid_t init;
        int r;

        if (!ct->has_config)
                return vz_fail(e, VZ_E_NOVECONFIG, -ENOENT, "CT config %s does not exist",
                               ct->conf_path);
        if (vz_run_read_pid(ct, "init", &init) < 0 || !vz_ct_is_running(ct))
                return vz_fail(e, VZ_E_NOT_RUNNING, -ESRCH, "container is not running");
        r = open_cg(ct, &cg, e);
        if (r < 0)
                return r;
        switch (step) {
        case VZ_CHKPNT_SUSPEND:
        case VZ_CHKPNT_RESUME:
                r = ct_freeze(cg, step == VZ_CHKPNT_SUSPEND);
                if (r < 0)
                        r = vz_fail(e, VZ_E_CHKPNT, r, "cannot %s the CT: %s",
                                    step == VZ_CHKPNT_SUSPEND ? "freeze" : "thaw", strerror(-r));
                break;
        case VZ_CHKPNT_KILL:
                r = kill_ct(ct, cg, e);
                break;
        case VZ_CHKPNT_FULL:
        case VZ_CHKPNT_DUMP:
                r = do_dump(ct, init, cg, step == VZ_CHKPNT_FULL, opts, e);
                break;
        default:
                r = vz_fail(e, VZ_E_SYNTAX, -EINVAL, "bad checkpoint step %d", step);
        }
        vz_cgroup_free(cg);
        return r;
}

/* ------------------------------------------------------------------ restore */

/* The criu child: in the CT's cgroups, in a mount namespace of its own with
 * the CT's root mounted as its init sees it. */
static int rst_setup(void *arg, int log_fd)
{
        struct rst_child *c = arg;
        int r;

        setsid();
        if (vz_cgroup_attach(c->cg, getpid(), NULL) < 0 ||
            setenv(RELOCK_STAMP_ENV, c->stamp, 1) < 0)
                return -1;
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
                dprintf(log_fd, "vz: cannot make a mount namespace: %s\n", strerror(errno));
                return -1;
        }
        r = vz_spawn_mount_root(c->ct, c->userns_fd);
        if (r < 0) {
                dprintf(log_fd, "vz: cannot mount the CT's root: %s\n", strerror(-r));
                return -1;
        }

        r = vz_cpt_make_dev(c);
        if (r >= 0)
                r = vz_cpt_load_shm(c);
        if (r < 0) {
                dprintf(log_fd, "vz: cannot make the CT's /dev: %s\n", strerror(-r));
                return -1;
        }
        r = c->basedir ? vz_cpt_mount_base(c) : 0;
        if (r < 0) {
                dprintf(log_fd, "vz: cannot bind %s: %s\n", c->base, strerror(-r));
                return -1;
        }
        r = c->tmpfsdir ? vz_cpt_make_tmpfs(c) : 0;
        if (r < 0) {
                dprintf(log_fd, "vz: cannot make the CT's tmpfs mounts: %s\n", strerror(-r));
                return -1;
        }
        return 0;
}

/* A fresh console for the restored CT: a host pty whose slave the CT's root
 * owns (the CT's old devpts is gone with the dump). */
static int new_console(uid_t uid, gid_t gid, bool userns, int *ret_slave, char **ret_path)
{
        char name[64];
        int m, s;

        m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (m < 0)
                return -errno;
        if (unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name)) != 0) {
                close(m);
                return -EIO;
        }
        /* tty group 5 inside, as the CT's devpts has it. */
        if (userns && chown(name, uid, gid + 5) < 0) {
                close(m);
                return -errno;
        }
        (void)chmod(name, 0620);
        s = open(name, O_RDWR | O_NOCTTY); /* inherited by criu */
        if (s < 0 || !(*ret_path = strdup(name))) {
                if (s >= 0)
                        close(s);
                close(m);
                return -ENOMEM;
        }
        *ret_slave = s;
        return m;
}

/* criu reads some images as the restored task: as the CT's root, or as
 * the host's root without capabilities before the task's IDs are set. So
 * the images must be readable by all; the directory holding dumps is
 * kept private instead (DUMPDIR is made 0700). */
static int open_dump(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return -errno;
        if (fchmod(dirfd(d), 0755) < 0)
                return -errno;
        while ((de = readdir(d)))
                if (de->d_type == DT_REG && fchmodat(dirfd(d), de->d_name, 0644, 0) < 0)
                        return -errno;
        return 0;
}

static char *read_dump_file(const char *dir, const char *name)
{
        _cleanup_free_ char *p = vz_strdupf("%s/%s", dir, name);
        char *buf = NULL;
        if (!p || vz_read_file(p, 1 << 20, &buf, NULL) < 0)
                return NULL;
        return buf;
}

/* What the restore's arguments are made of. */
struct rst_in {
        const char *dumpdir, *log, *pidfile, *root;
        char *map, *tty; /* FILE_MOUNTS, FILE_TTY (split, cut) */
        const char *lxcfs, *ubc, *base, *cons, *devdir, *tmpfsdir, *tmpfslist;
        int slave;
};

/* criu restore's fixed arguments. */
static int rst_args(vz_ct *ct, int step, const struct rst_in *a, char ***args)
{
        int r = vz_strv_split("restore --restore-detached --tcp-established --file-locks "
                              "--link-remap --manage-cgroups=soft --network-lock nftables -v4",
                              " ", args);
        {
                const char *const kv[] = {"--images-dir", a->dumpdir, "--log-file",
                                          a->log,         "--root",   a->root,
                                          "--pidfile",    a->pidfile, NULL};
                for (size_t i = 0; r >= 0 && kv[i]; i++)
                        r = vz_strv_push(args, kv[i]);
        }
        if (r >= 0 && step == VZ_RESTORE_UNDUMP)
                r = vz_strv_push(args, "--leave-stopped");
        /* Our own program (the supervisor) locks the restored mounts
         * before the CT runs again (vz_cpt_action_script). */
        if (r >= 0)
                r = vz_strv_push(args, "--action-script");
        if (r >= 0)
                r = vz_strv_consume(args, vz_strdupf("/proc/%d/exe", (int)getpid()));
        /* The dump names the cgroups of the host it was made on
         * (<VZ_CGROUP>/<CTID> there, cgroup.h); the CT goes into this
         * host's, made above, in every hierarchy. Its init's own subtree
         * (systemd's) follows below it. */
        if (r >= 0)
                r = vz_strv_push(args, "--cgroup-root");
        if (r >= 0) {
                const char *parent = vz_ct_get(ct, "VZ_CGROUP");
                r = vz_strv_consume(
                    args, vz_strdupf("/%s/%u", isempty(parent) ? "vz" : parent, vz_ct_id(ct)));
        }
        return r;
}

/* The external mounts (FILE_MOUNTS, the console, /dev, vz's tmpfs) and the
 * console's tty. */
static int rst_external_args(struct rst_in *a, char ***args)
{
        _cleanup_strv_free_ char **maplines = NULL;
        int r = vz_strv_split(a->map, "\n", &maplines);

        for (size_t i = 0; r >= 0 && maplines && maplines[i]; i++) {
                char *sp = strchr(maplines[i], ' ');
                if (!sp)
                        continue;
                *sp = '\0';
                const char *path = sp + 1, *base = "";
                if (!strncmp(path, "@lxcfs", 6)) {
                        base = a->lxcfs;
                        path += 6;
                } else if (!strncmp(path, "@ubc", 4)) {
                        base = a->ubc;
                        path += 4;
                } else if (!strncmp(path, "@base", 5)) {
                        base = a->base;
                        path += 5;
                }
                r = vz_strv_push(args, "--external");
                if (r >= 0)
                        r = vz_strv_consume(args,
                                            vz_strdupf("mnt[%s]:%s%s", maplines[i], base, path));
        }
        if (r >= 0) {
                r = vz_strv_push(args, "--external");
                if (r >= 0)
                        r = vz_strv_consume(args, vz_strdupf("mnt[%s]:%s", CONSOLE_KEY, a->cons));
        }
        if (r >= 0) {
                r = vz_strv_push(args, "--external");
                if (r >= 0)
                        r = vz_strv_consume(args, vz_strdupf("mnt[%s]:%s", DEV_KEY, a->devdir));
        }
        if (r >= 0 && a->tmpfsdir) {
                _cleanup_strv_free_ char **tl = NULL;
                r = vz_strv_split(a->tmpfslist, "\n", &tl);
                for (size_t i = 0; r >= 0 && tl && tl[i]; i++) {
                        char key[600];
                        if (sscanf(tl[i], "m %599s", key) != 1 || strchr(key, '/'))
                                continue;
                        r = vz_strv_push(args, "--external");
                        if (r >= 0)
                                r = vz_strv_consume(
                                    args, vz_strdupf("mnt[%s]:%s/%s", key, a->tmpfsdir, key));
                }
        }
        if (r >= 0 && a->tty[0]) {
                a->tty[strcspn(a->tty, "\n")] = '\0';
                r = vz_strv_push(args, "--inherit-fd");
                if (r >= 0)
                        r = vz_strv_consume(args, vz_strdupf("fd[%d]:%s", a->slave, a->tty));
        }
        return r;
}

/* The dump's lists (FILE_*) and the temporary directories of a restore. */
struct rst_files {
        char *log, *pidfile, *stamp, *map, *tty, *devlist, *tmpfslist, *tmpfsdir, *devdir;
        char *base;    /* the base namespace's root on the host */
        char *basedir; /* "@base": where criu's namespace gets it (idmapped) */
};

static void rst_files_free(struct rst_files *f)
{
        if (f->devdir)
                (void)rmdir(f->devdir);
        if (f->tmpfsdir)
                (void)rmdir(f->tmpfsdir);
        free(f->log);
        free(f->pidfile);
        free(f->stamp);
        free(f->map);
        free(f->tty);
        free(f->devlist);
        free(f->tmpfslist);
        free(f->tmpfsdir);
        free(f->devdir);
        free(f->base);
        if (f->basedir)
                (void)rmdir(f->basedir);
        free(f->basedir);
}

static int rst_files_read(vz_ct *ct, const char *dumpdir, struct rst_files *f, vz_err *e)
{
        f->log = vz_strdupf("%s.restore.log", dumpdir);
        f->pidfile = vz_run_path(ct, "restore-pid");
        f->stamp = vz_run_path(ct, "relocked");
        f->base = vz_base_root_path(ct);
        f->map = read_dump_file(dumpdir, FILE_MOUNTS);
        f->tty = read_dump_file(dumpdir, FILE_TTY);
        f->devlist = read_dump_file(dumpdir, FILE_DEV);
        f->tmpfslist = read_dump_file(dumpdir, FILE_TMPFS); /* older dumps: none */
        if (f->tmpfslist && *f->tmpfslist) {
                f->tmpfsdir = strdup("/tmp/.vz-rsttmpfs.XXXXXX");
                if (!f->tmpfsdir || !mkdtemp(f->tmpfsdir)) {
                        free(f->tmpfsdir);
                        f->tmpfsdir = NULL;
                        free(f->tmpfslist);
                        f->tmpfslist = NULL;
                }
        }
        /* Where criu's namespace gets the fresh /dev. The restored task
         * binds it in as the CT's root, which must be able to walk there:
         * /tmp, not the run directory (may be private, like a test tree). */
        f->devdir = strdup("/tmp/.vz-rstdev.XXXXXX");
        if (f->devdir && !mkdtemp(f->devdir)) {
                free(f->devdir);
                f->devdir = NULL;
        }
        /* The same for the base namespace's root, if the dump binds it. */
        if (f->map && strstr(f->map, " @base")) {
                f->basedir = strdup("/tmp/.vz-rstbase.XXXXXX");
                if (!f->basedir || !mkdtemp(f->basedir))
                        return vz_fail(e, VZ_E_RESOURCE, -errno, "cannot make a directory in /tmp");
        }
        if (!f->log || !f->pidfile || !f->devdir || !f->stamp || !f->base)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (!f->map || !f->tty || !f->devlist || (f->tmpfslist && *f->tmpfslist && !f->tmpfsdir))
                return vz_fail(e, VZ_E_RESTORE, -ENOENT, "%s is not a complete dump", dumpdir);
        unlink(f->pidfile);
        unlink(f->log);
        unlink(f->stamp);
        return 0;
}

/* The base namespace's root on the host, if the dump binds directories of
 * it ("@base", cpt-mounts.c): made now if missing (mntns.c). */
static int rst_base(vz_ct *ct, vz_cgroup *cg, const char *dumpdir, vz_err *e)
{
        _cleanup_free_ char *map = read_dump_file(dumpdir, FILE_MOUNTS);
        int fd;

        if (!map || !strstr(map, " @base"))
                return 0;
        fd = vz_base_mntns_open(ct, cg, e);
        if (fd < 0)
                return fd;
        close(fd);
        return 0;
}

/* The CT's cgroups (made: limited as for a start, with the dumped
 * subtree), its user namespace and console for the restore. */
static int rst_prepare_ct(vz_ct *ct, const char *dumpdir, struct rst_child *rc, bool userns,
                          int *master, int *slave, char **cons, vz_err *e)
{
        _cleanup_free_ char *cgl = read_dump_file(dumpdir, FILE_CGROUPS);
        int r = vz_cgroup_apply_limits(rc->cg, ct, e);

        if (r >= 0)
                r = vz_cgroup_apply_devices(rc->cg, ct, e);
        if (r < 0)
                return r;
        make_cgroups(rc->cg, cgl, rc->uid, rc->gid, userns);
        r = rst_base(ct, rc->cg, dumpdir, e);
        if (r < 0)
                return r;
        if (userns) {
                rc->userns_fd = vz_userns_open(rc->uid, rc->gid, e);
                if (rc->userns_fd < 0)
                        return rc->userns_fd;
        }
        *master = new_console(rc->uid, rc->gid, userns, slave, cons);
        if (*master < 0)
                return vz_fail(e, VZ_E_RESTORE, *master, "cannot make the console: %s",
                               strerror(-*master));
        return 0;
}

/* What the criu child needs of the files. */
static void rst_child_files(struct rst_child *rc, const struct rst_files *f)
{
        rc->devdir = f->devdir; /* mounted in criu's namespace only; rmdir'd at the end */
        rc->devlist = f->devlist;
        rc->tmpfsdir = f->tmpfsdir; /* the same */
        rc->tmpfslist = f->tmpfslist;
        rc->base = f->base;
        rc->basedir = f->basedir; /* the same */
        rc->stamp = f->stamp;
}

/* Run criu restore; the restored init's pid. */
static int rst_run(struct criu_run *c, const struct rst_files *f, pid_t *ret_init, vz_err *e)
{
        _cleanup_free_ char *pidbuf = NULL;
        int r, st = 0;

        r = criu_exec(c, &st);
        if (r < 0 || st != 0)
                return criu_failed(e, VZ_E_RESTORE, r, st, "restore", f->log);
        if (vz_read_file(f->pidfile, 64, &pidbuf, NULL) < 0 || (*ret_init = atoi(pidbuf)) <= 0)
                return vz_fail(e, VZ_E_RESTORE, -ENOENT, "criu left no pid of the restored init");
        unlink(f->pidfile);
        unlink(f->stamp); /* missing: locked at post-restore (warn_unlocked) */
        return 0;
}

/* Every argument of criu restore, the host ends of the veths included. */
static int rst_all_args(vz_ct *ct, int step, struct rst_in *ra, char ***args, vz_err *e)
{
        _cleanup_strv_free_ char **veths = NULL;
        int r = rst_args(ct, step, ra, args);

        if (r >= 0)
                r = rst_external_args(ra, args);
        if (r < 0)
                return vz_fail(e, VZ_E_RESTORE, r, "cannot prepare the restore: %s", strerror(-r));
        /* Leftovers of a CT that died badly are removed by the prepare. */
        r = vz_net_criu_prepare(ct, &veths, e);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && veths && veths[i]; i++) {
                r = vz_strv_push(args, "--external");
                if (r >= 0)
                        r = vz_strv_push(args, veths[i]);
        }
        if (r < 0)
                return vz_fail(e, VZ_E_RESTORE, r, "cannot prepare the restore: %s", strerror(-r));
        return 0;
}

int vz_cpt_restore_init(vz_ct *ct, const char *dumpdir, int step, struct vz_spawned *ret, vz_err *e)
{
        _cleanup_free_ char *cons = NULL, *kdat = NULL;
        _cleanup_free_ char *lxcfs = vz_lxcfs_dir(ct), *ubc = vz_run_path(ct, "ubc");
        _cleanup_strv_free_ char **args = NULL;
        struct rst_child rc = {.ct = ct, .userns_fd = -1, .dumpdir = dumpdir};
        struct criu_run c = {.ctx = ct->ctx, .timeout = cpt_timeout(ct, NULL)};
        struct rst_files f = {0};
        struct rst_in ra = {.dumpdir = dumpdir, .root = vz_ct_root(ct)};
        int master = -1, slave = -1, r;
        bool userns;
        pid_t init = 0;

        if (getenv("VZ_CPT_TIMEOUT") && atoi(getenv("VZ_CPT_TIMEOUT")) > 0)
                c.timeout = atoi(getenv("VZ_CPT_TIMEOUT"));
        if (!ra.root)
                return vz_fail(e, VZ_E_VE_ROOT_NOTSET, -EINVAL, "VE_ROOT is not set");
        if (!lxcfs || !ubc)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = rst_files_read(ct, dumpdir, &f, e);
        if (r < 0) {
                rst_files_free(&f);
                return r;
        }
        userns = vz_userns_get(ct, &rc.uid, &rc.gid);
        if (!userns)
                rc.uid = rc.gid = 0;
        r = open_dump(dumpdir);
        if (r < 0) {
                rst_files_free(&f);
                return vz_fail(e, VZ_E_RESTORE, r, "cannot hand %s to the CT: %s", dumpdir,
                               strerror(-r));
        }
        r = open_cg(ct, &rc.cg, e);
        if (r < 0) {
                rst_files_free(&f);
                return r;
        }
        r = vz_cgroup_create(rc.cg, userns ? rc.uid : (uid_t)-1, userns ? rc.gid : (gid_t)-1, e);
        if (r < 0)
                goto out;
        r = rst_prepare_ct(ct, dumpdir, &rc, userns, &master, &slave, &cons, e);
        if (r < 0)
                goto fail;
        ra.log = f.log;
        ra.pidfile = f.pidfile;
        ra.map = f.map;
        ra.tty = f.tty;
        ra.lxcfs = lxcfs;
        ra.ubc = ubc;
        ra.base = f.basedir;
        ra.cons = cons;
        ra.devdir = f.devdir;
        ra.tmpfsdir = f.tmpfsdir;
        ra.tmpfslist = f.tmpfslist;
        ra.slave = slave;
        r = rst_all_args(ct, step, &ra, &args, e);
        if (r < 0)
                goto fail;
        c.argv = args;
        c.out = f.log;
        c.setup = rst_setup;
        c.arg = &rc;
        c.own_ns = true; /* rst_setup */
        kdat = kdat_cache(ct->ctx);
        c.kdat = kdat;
        rst_child_files(&rc, &f);
        r = rst_run(&c, &f, &init, e);
        if (r < 0)
                goto fail;
        r = vz_net_restored(ct, init, e);
        if (r < 0) {
                kill(init, SIGKILL);
                goto fail;
        }
        ret->init_pid = init;
        ret->console_fd = master;
        master = -1;
        r = 0;
        goto out;
fail:
        vz_cgroup_kill(rc.cg);
        vz_net_stop(ct);
        vz_cgroup_destroy(rc.cg);
out:
        rst_files_free(&f);
        if (master >= 0)
                close(master);
        if (slave >= 0)
                close(slave);
        if (rc.userns_fd >= 0)
                close(rc.userns_fd);
        vz_cgroup_free(rc.cg);
        return r;
}

/* Let processes left stopped by an undump run: SIGCONT to every process of
 * the CT's PID namespace. */
static int continue_ct(pid_t init)
{
        _cleanup_closedir_ DIR *d = opendir("/proc");
        char p[64];
        struct stat ns, s;
        struct dirent *de;

        snprintf(p, sizeof(p), "/proc/%d/ns/pid", (int)init);
        if (!d || stat(p, &ns) < 0)
                return -errno;
        while ((de = readdir(d))) {
                int pid = atoi(de->d_name);
                if (pid <= 0)
                        continue;
                snprintf(p, sizeof(p), "/proc/%d/ns/pid", pid);
                if (stat(p, &s) == 0 && s.st_ino == ns.st_ino && s.st_dev == ns.st_dev)
                        kill(pid, SIGCONT);
        }
        return 0;
}

/* After a restore by a criu without scripts/criu-lock-mounts.patch the
 * action script locked at post-restore and logged what it could not lock
 * (cpt-relock.c): say so. */
static void warn_unlocked(const vz_ct *ct, const char *dir)
{
        _cleanup_free_ char *log = vz_strdupf("%s.restore.log", dir), *line = NULL;
        _cleanup_fclose_ FILE *f = log ? fopen(log, "re") : NULL;
        size_t n = 0;

        while (f && getline(&line, &n, f) > 0)
                if (!strncmp(line, "vz: relock: criu gave no mount namespace", 40)) {
                        vz_warn("CT %u: criu has no scripts/criu-lock-mounts.patch: the mounts "
                                "the CT's processes have files on are not locked (%s names them)",
                                vz_ct_id(ct), log);
                        return;
                }
}

_public_ int vz_ct_restore(vz_ct *ct, int step, const vz_cpt_opts *opts, vz_err *e)
{
        _cleanup_free_ char *dir = NULL;
        vz_cgroup *cg = NULL;
        pid_t init;
        int r;

        if (!ct->has_config)
                return vz_fail(e, VZ_E_NOVECONFIG, -ENOENT, "CT config %s does not exist",
                               ct->conf_path);
        r = dump_dir(ct, opts, &dir, e);
        if (r < 0)
                return r;
        switch (step) {
        case VZ_RESTORE_FULL:
        case VZ_RESTORE_UNDUMP: {
                char tmo[16] = "";
                if (vz_ct_is_running(ct))
                        return vz_fail(e, VZ_E_RUNNING, -EBUSY, "container is already running");
                if (access(dir, F_OK) < 0)
                        return vz_fail(e, VZ_E_RESTORE, -ENOENT, "no dump %s", dir);
                if (opts && opts->timeout_sec > 0)
                        snprintf(tmo, sizeof(tmo), "%d", opts->timeout_sec);
                {
                        double t0 = now_ms();
                        r = vz_ct_launch(ct, 0, 0, dir, step, tmo, e);
                        if (opts && opts->ret_criu_ms)
                                *opts->ret_criu_ms = now_ms() - t0;
                }
                /* OpenVZ: every failure of a restore is 17. */
                if (r < 0 && e && e->code != VZ_E_RUNNING)
                        e->code = VZ_E_RESTORE;
                if (r < 0)
                        return r;
                warn_unlocked(ct, dir);
                if (step == VZ_RESTORE_FULL && !(opts && opts->keep_dump))
                        (void)vz_rm_rf(dir);
                return 0;
        }
        case VZ_RESTORE_RESUME:
                if (vz_run_read_pid(ct, "init", &init) < 0 || !vz_ct_is_running(ct))
                        return vz_fail(e, VZ_E_RESTORE, -ESRCH, "container is not running");
                r = continue_ct(init);
                if (r < 0)
                        return vz_fail(e, VZ_E_RESTORE, r, "cannot resume: %s", strerror(-r));
                /* A dump of a CT frozen by chkpnt --suspend restores frozen. */
                if (open_cg(ct, &cg, NULL) == 0) {
                        (void)ct_freeze(cg, false);
                        vz_cgroup_free(cg);
                }
                (void)vz_rm_rf(dir);
                return 0;
        case VZ_RESTORE_KILL:
                if (!vz_ct_is_running(ct))
                        return vz_fail(e, VZ_E_NOT_RUNNING, -ESRCH, "container is not running");
                r = open_cg(ct, &cg, e);
                if (r < 0)
                        return r;
                r = kill_ct(ct, cg, e);
                vz_cgroup_free(cg);
                return r;
        default:
                return vz_fail(e, VZ_E_SYNTAX, -EINVAL, "bad restore step %d", step);
        }
}

/* ------------------------------------------------------------------ criu info */

static char *capture(const vz_ctx *ctx, const char *arg1, int *ret_status)
{
        char tmpl[] = "/tmp/vz-criu-XXXXXX";
        char *argv[] = {(char *)arg1, NULL};
        struct criu_run c = {.ctx = ctx, .argv = argv, .timeout = 30, .out = tmpl};
        _cleanup_free_ char *kdat = NULL;
        char *buf = NULL;
        int fd = mkstemp(tmpl);

        if (streq(arg1, "check"))
                c.kdat = kdat = kdat_cache(ctx);

        if (fd < 0)
                return NULL;
        close(fd);
        if (criu_exec(&c, ret_status) < 0)
                *ret_status = -1;
        (void)vz_read_file(tmpl, 1 << 16, &buf, NULL);
        unlink(tmpl);
        return buf;
}

_public_ int vz_criu_info(vz_ctx *ctx, char **ret_path, char **ret_version, bool *ret_check_ok,
                          char **ret_check_msg, vz_err *e)
{
        _cleanup_free_ char *ver = NULL, *chk = NULL;
        int st = -1, cst = -1;

        ver = capture(ctx, "--version", &st);
        if (st != 0)
                return vz_fail(e, VZ_E_BAD_KERNEL, -ENOENT, "%s: %s", criu_prog(ctx),
                               st == 127 ? "not found" : "does not run");
        if (ret_check_ok || ret_check_msg)
                chk = capture(ctx, "check", &cst);
        if (ret_path && !(*ret_path = strdup(criu_prog(ctx))))
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (ret_version) {
                char *v = ver ? strstr(ver, "Version: ") : NULL;
                *ret_version = v ? strndup(v + 9, strcspn(v + 9, "\n")) : strdup("unknown");
        }
        if (ret_check_ok)
                *ret_check_ok = cst == 0;
        if (ret_check_msg) {
                if (chk)
                        while (*chk && chk[strlen(chk) - 1] == '\n')
                                chk[strlen(chk) - 1] = '\0';
                *ret_check_msg = TAKE_PTR(chk);
        }
        return 0;
}

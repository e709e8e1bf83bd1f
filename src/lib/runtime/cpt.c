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

#define CONSOLE_KEY "vzconsole"
#define FILE_MOUNTS "vz-mounts"   /* "<key> <host path>" per external mount */
#define FILE_TTY    "vz-console"  /* criu's tty[rdev:dev] key of the console */
#define FILE_DEV    "vz-dev"      /* the entries of the CT's /dev tmpfs */
#define DEV_KEY     "vzdevtmpfs"
#define FILE_CGROUPS "vz-cgroups" /* the CT's cgroup2 subtree, one dir a line */
#define FILE_TMPFS  "vz-tmpfs"    /* vz's own tmpfs mounts in the CT (vz_tmpfs) */
#define TMPFS_KEY   "vztmpfs"
#define DEFAULT_TIMEOUT 300
#define KDAT_RUN "/run/criu.kdat"   /* where criu looks for its kerndat cache */
#define KDAT_DIR "/dev/shm/.vz-criu" /* vz's copy where /run is not a tmpfs */
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

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
        char **argv;    /* without argv[0] */
        int timeout;    /* seconds */
        const char *out; /* criu's stdout/stderr (appended), or NULL */
        int (*setup)(void *arg); /* in the child, before exec */
        void *arg;
        bool own_ns;    /* setup put the child in a mount namespace of its own */
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
                int out = c->out ? open(c->out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)
                                 : -1;
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (null >= 0)
                        dup2(null, 0);
                dup2(out >= 0 ? out : null, 1);
                dup2(out >= 0 ? out : null, 2);
                if (c->setup && c->setup(c->arg) < 0)
                        _exit(126);
                /* A failure here costs only criu's probing. */
                if (c->kdat && (c->own_ns || (unshare(CLONE_NEWNS) == 0 &&
                                              mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == 0)))
                        (void)mount(c->kdat, KDAT_RUN, NULL, MS_BIND, NULL);
                /* The restore code moved us to a fresh session of our own. */
                execvp(prog, argv);
                dprintf(2, "cannot run %s: %s\n", prog, strerror(errno));
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
        for (char *d = path ? strtok_r(path, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
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
            mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=700,size=1m") < 0)
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
                _cleanup_free_ char *buf = NULL, *tmp = vz_strdupf("%s.tmp%d", k->path, (int)getpid());
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
        static const char *const noise[] = {"iptables", "RLIMIT", "tun:", "FAILED",
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

static void unescape_mnt(char *s)
{
        char *d = s;
        while (*s) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
                        *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 4;
                } else
                        *d++ = *s++;
        }
        *d = '\0';
}

/* The tmpfs mounts spawn.c makes (the hybrid /sys/fs/cgroup, holding only
 * the mount points of the hierarchies; the empty read-only masks over
 * /proc paths): no data of the CT's, so not worth criu's tar + gzip of
 * each (a fork and exec of both, on dump and on restore). They are
 * external: the dump lists their entries (FILE_TMPFS: "m KEY MODE" per
 * mount, then "d KEY NAME" and "l KEY NAME TARGET"), restore makes them
 * again in a fresh tmpfs. Any other tmpfs (/dev/shm, a CT's /run or /tmp)
 * is the CT's and criu dumps it. */
static bool vz_tmpfs(const char *mp)
{
        static const char *const own[] = {"/sys/fs/cgroup", "/proc/kcore", "/proc/kallsyms",
                                          "/proc/timer_list", "/proc/sched_debug", "/proc/keys",
                                          "/proc/kmsg", "/proc/acpi", "/proc/scsi",
                                          "/proc/firmware", NULL};
        for (size_t i = 0; own[i]; i++)
                if (streq(mp, own[i]))
                        return true;
        return false;
}

static int list_tmpfs(pid_t init, const char *mp, const char *key, char **list)
{
        _cleanup_free_ char *p = vz_strdupf("/proc/%d/root%s", (int)init, mp), *out = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        struct stat st;

        if (!p)
                return -ENOMEM;
        d = opendir(p);
        if (!d || fstat(dirfd(d), &st) < 0)
                return -errno;
        out = vz_strdupf("%sm %s %o\n", *list, key, (unsigned)(st.st_mode & 07777));
        while (out && (de = readdir(d))) {
                char target[600];
                char *line = NULL;
                ssize_t n;
                if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
                    strpbrk(de->d_name, " \n") || fstatat(dirfd(d), de->d_name, &st,
                                                          AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISLNK(st.st_mode)) {
                        n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                        if (n <= 0)
                                continue;
                        target[n] = '\0';
                        line = vz_strdupf("%sl %s %s %s\n", out, key, de->d_name, target);
                } else if (S_ISDIR(st.st_mode))
                        line = vz_strdupf("%sd %s %s\n", out, key, de->d_name);
                else
                        continue;
                free(out);
                out = line;
        }
        if (!out)
                return -ENOMEM;
        free(*list);
        *list = TAKE_PTR(out);
        return 0;
}

/* The CT's mounts of host things (see the top): criu dump arguments and the
 * key -> host path map restore needs. */
static int external_mounts(const vz_ct *ct, pid_t init, char ***args, char **ret_map,
                           char **tmpfs)
{
        _cleanup_free_ char *p = vz_strdupf("/proc/%d/mountinfo", (int)init), *buf = NULL;
        _cleanup_free_ char *map = strdup("");
        _cleanup_strv_free_ char **lines = NULL;
        int r;

        if (!p || !map)
                return -ENOMEM;
        r = vz_read_file(p, 1 << 22, &buf, NULL);
        if (r < 0)
                return r;
        r = vz_strv_split(buf, "\n", &lines);
        if (r < 0)
                return r;
        for (size_t i = 0; lines[i]; i++) {
                char root[4096], mp[4096], *sep = strstr(lines[i], " - "), fstype[64];
                char key[4200];
                if (!sep || sscanf(lines[i], "%*s %*s %*s %4095s %4095s", root, mp) != 2 ||
                    sscanf(sep + 3, "%63s", fstype) != 1)
                        continue;
                unescape_mnt(root);
                unescape_mnt(mp);
                if (streq(mp, "/dev/console")) {
                        snprintf(key, sizeof(key), "%s", CONSOLE_KEY);
                } else if (streq(mp, "/dev") && streq(fstype, "tmpfs")) {
                        /* Its files are the mount points of host device
                         * nodes: criu's tar would see the nodes (and could
                         * not make them again in a user namespace). Restore
                         * makes a fresh one from FILE_DEV instead. */
                        snprintf(key, sizeof(key), "%s", DEV_KEY);
                } else if (streq(fstype, "tmpfs") && vz_tmpfs(mp)) {
                        snprintf(key, sizeof(key), "%s%s", TMPFS_KEY, mp);
                        for (char *c = key; *c; c++)
                                if (*c == '/')
                                        *c = '.';
                        r = list_tmpfs(init, mp, key, tmpfs);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                continue; /* criu dumps it then */
                } else if (streq(fstype, "devtmpfs") || streq(fstype, "fuse.lxcfs") ||
                           streq(mp, "/dev/.vz") || streq(mp, "/proc/meminfo")) {
                        /* Host device nodes, lxcfs's files over /proc and
                         * /sys (spawn.c, lxcfs.c), the supervisor's
                         * beancounter directory: bound again from the
                         * host at restore. */
                        const char *pfx = streq(fstype, "devtmpfs")     ? "vzdev"
                                          : streq(fstype, "fuse.lxcfs") ? "vzlxcfs"
                                                                        : "vzubc";
                        /* lxcfs and the beancounter directory are named
                         * by a token: the restoring host (after a
                         * migration, another one) has its own paths. */
                        const char *host = streq(fstype, "devtmpfs")     ? "/dev"
                                           : streq(fstype, "fuse.lxcfs") ? "@lxcfs"
                                                                         : "@ubc";
                        char *m, *line;
                        /* The supervisor's meminfo sits in that directory. */
                        if (streq(pfx, "vzubc"))
                                snprintf(root, sizeof(root), "%s",
                                         streq(mp, "/proc/meminfo") ? "/meminfo" : "");
                        snprintf(key, sizeof(key), "%s%s", pfx, root);
                        for (char *c = key; *c; c++)
                                if (*c == '/' || *c == ' ' || *c == ':' || *c == ']')
                                        *c = '.';
                        line = vz_strdupf("%s%s %s%s\n", map, key, host, root);
                        if (!line)
                                return -ENOMEM;
                        m = map;
                        map = line;
                        free(m);
                } else
                        continue;
                if (vz_strv_push(args, "--external") < 0 ||
                    vz_strv_consume(args, vz_strdupf("mnt[%s]:%s", mp, key)) < 0)
                        return -ENOMEM;
        }
        *ret_map = TAKE_PTR(map);
        return 0;
}

/* The CT's /dev (two levels): "d NAME", "f NAME" (a file or a node: a
 * mount point either way), "l NAME TARGET" per line. */
static int list_dev(pid_t init, char **ret)
{
        _cleanup_free_ char *top = vz_strdupf("/proc/%d/root/dev", (int)init);
        _cleanup_free_ char *out = strdup("");
        const char *dirs[2] = {"", NULL};
        _cleanup_strv_free_ char **sub = NULL;

        if (!top || !out)
                return -ENOMEM;
        for (int level = 0; level < 2; level++) {
                char **list = level == 0 ? (char **)dirs : sub;
                _cleanup_strv_free_ char **next = NULL;
                for (size_t i = 0; list && list[i]; i++) {
                        _cleanup_free_ char *dp = vz_strdupf("%s/%s", top, list[i]);
                        _cleanup_closedir_ DIR *d = dp ? opendir(dp) : NULL;
                        struct dirent *de;
                        while (d && (de = readdir(d))) {
                                char name[600], target[600] = "", *line, *o;
                                struct stat st;
                                ssize_t n;
                                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                        continue;
                                snprintf(name, sizeof(name), "%s%s%s", list[i], *list[i] ? "/" : "",
                                         de->d_name);
                                if (strchr(name, ' ') || strchr(name, '\n') ||
                                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                        continue;
                                if (S_ISLNK(st.st_mode)) {
                                        n = readlinkat(dirfd(d), de->d_name, target,
                                                       sizeof(target) - 1);
                                        if (n <= 0)
                                                continue;
                                        target[n] = '\0';
                                        line = vz_strdupf("%sl %s %s\n", out, name, target);
                                } else if (S_ISDIR(st.st_mode)) {
                                        /* Other filesystems (pts, shm) are criu's. */
                                        struct stat ds;
                                        if (fstat(dirfd(d), &ds) == 0 && ds.st_dev == st.st_dev &&
                                            level == 0 && vz_strv_push(&next, name) < 0)
                                                return -ENOMEM;
                                        line = vz_strdupf("%sd %s\n", out, name);
                                } else
                                        line = vz_strdupf("%sf %s\n", out, name);
                                if (!line)
                                        return -ENOMEM;
                                o = out;
                                out = line;
                                free(o);
                        }
                }
                vz_strv_free(sub);
                sub = TAKE_PTR(next);
        }
        *ret = TAKE_PTR(out);
        return 0;
}

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

static int do_dump(vz_ct *ct, pid_t init, vz_cgroup *cg, bool full, const vz_cpt_opts *o,
                   vz_err *e)
{
        _cleanup_free_ char *dir = NULL, *tmp = NULL, *log = NULL, *map = NULL, *tty = NULL;
        _cleanup_free_ char *fdir = NULL, *pidstr = NULL, *devlist = NULL, *cglist = NULL;
        _cleanup_free_ char *kdat = NULL, *tmpfs = strdup("");
        _cleanup_strv_free_ char **args = NULL;
        struct criu_run c = {.ctx = ct->ctx, .timeout = cpt_timeout(ct, o)};
        double t0;
        int r, st = 0;

        r = dump_dir(ct, o, &dir, e);
        if (r < 0)
                return r;
        tmp = vz_strdupf("%s.tmp", dir);
        log = vz_strdupf("%s.dump.log", dir);
        pidstr = vz_strdupf("%d", (int)init);
        if (!tmp || !log || !pidstr || !tmpfs)
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
        fdir = freezer_dir(cg);
        r = vz_strv_split("dump --tree", " ", &args);
        if (r >= 0)
                r = vz_strv_push(&args, pidstr);
        if (r >= 0) {
                const char *const fixed[] = {"--images-dir", tmp, "--log-file", log, "-v4",
                                             "--tcp-established", "--file-locks", "--link-remap",
                                             "--manage-cgroups=soft", "--network-lock", "nftables",
                                             full ? "--leave-stopped" : "--leave-running", NULL};
                for (size_t i = 0; r >= 0 && fixed[i]; i++)
                        r = vz_strv_push(&args, fixed[i]);
        }
        if (r >= 0 && fdir) {
                r = vz_strv_push(&args, "--freeze-cgroup");
                if (r >= 0)
                        r = vz_strv_push(&args, fdir);
        }
        if (r >= 0)
                r = external_mounts(ct, init, &args, &map, &tmpfs);
        if (r >= 0)
                r = list_dev(init, &devlist);
        if (r >= 0 && vz_cgroup_v2_path(cg) && (cglist = strdup("")))
                r = list_cgroups(vz_cgroup_v2_path(cg), "", &cglist, 0);
        tty = console_key(init);
        if (r >= 0 && tty) {
                r = vz_strv_push(&args, "--external");
                if (r >= 0)
                        r = vz_strv_push(&args, tty);
        }
        if (r < 0) {
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
                (void)vz_rm_rf(tmp);
                r = criu_failed(e, VZ_E_CHKPNT, r, st, "checkpoint", log);
                if (!vz_pid_alive(init))
                        vz_fail_replace(e, VZ_E_CHKPNT, -ESRCH, "%s; the CT is no longer running",
                                        e ? e->msg : "checkpoint failed");
                return r;
        }
        r = write_text(tmp, FILE_MOUNTS, map);
        if (r >= 0)
                r = write_text(tmp, FILE_TTY, tty ? tty : "");
        if (r >= 0)
                r = write_text(tmp, FILE_DEV, devlist);
        if (r >= 0)
                r = write_text(tmp, FILE_CGROUPS, cglist ? cglist : "");
        if (r >= 0)
                r = write_text(tmp, FILE_TMPFS, tmpfs);
        if (r >= 0) {
                (void)vz_rm_rf(dir);
                if (rename(tmp, dir) < 0)
                        r = -errno;
        }
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

struct rst_child {
        const vz_ct *ct;
        vz_cgroup *cg;
        int userns_fd;
        const char *devdir; /* where the fresh /dev is made */
        const char *devlist; /* FILE_DEV */
        const char *tmpfsdir; /* where vz's tmpfs mounts are made, or NULL */
        const char *tmpfslist; /* FILE_TMPFS */
        uid_t uid;
        gid_t gid;
};

/* A fresh /dev tmpfs with the entries of the dumped one (see list_dev),
 * owned by the CT's root; criu binds it in place and mounts the nodes,
 * devpts and shm onto it. */
static int make_dev(const struct rst_child *c)
{
        _cleanup_strv_free_ char **lines = NULL;
        _cleanup_free_ char *opts = vz_strdupf("mode=755,size=65536k,uid=%u,gid=%u",
                                                (unsigned)c->uid, (unsigned)c->gid);
        _cleanup_close_ int dfd = -1;

        if (!opts)
                return -ENOMEM;
        if (mount("tmpfs", c->devdir, "tmpfs", MS_NOSUID | MS_NOEXEC, opts) < 0)
                return -errno;
        dfd = open(c->devdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || vz_strv_split(c->devlist, "\n", &lines) < 0)
                return -errno;
        for (size_t i = 0; lines[i]; i++) {
                char type, name[600], target[600];
                int n = sscanf(lines[i], "%c %599s %599s", &type, name, target);
                if (n < 2 || strstr(name, ".."))
                        continue;
                if (type == 'd')
                        (void)mkdirat(dfd, name, 0755);
                else if (type == 'l' && n == 3) {
                        if (symlinkat(target, dfd, name) < 0)
                                vz_debug("restore /dev/%s -> %s: %s", name, target,
                                         strerror(errno));
                } else if (type == 'f') {
                        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
                                                           O_NOFOLLOW, 0666);
                        if (fd >= 0)
                                close(fd);
                }
                if (fchownat(dfd, name, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
                        vz_debug("restore chown /dev/%s: %s", name, strerror(errno));
        }
        return 0;
}

/* vz's tmpfs mounts of the CT (see vz_tmpfs), one directory each in a
 * fresh tmpfs, owned by the CT's root; criu binds them in place. */
static int make_tmpfs(const struct rst_child *c)
{
        _cleanup_strv_free_ char **lines = NULL;
        _cleanup_free_ char *opts = vz_strdupf("mode=755,size=64k,uid=%u,gid=%u",
                                                (unsigned)c->uid, (unsigned)c->gid);
        _cleanup_close_ int dfd = -1;

        if (!opts)
                return -ENOMEM;
        if (mount("tmpfs", c->tmpfsdir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
                return -errno;
        dfd = open(c->tmpfsdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || vz_strv_split(c->tmpfslist, "\n", &lines) < 0)
                return -errno;
        for (size_t i = 0; lines[i]; i++) {
                char type, key[600], name[600], target[600], path[1300];
                unsigned mode;
                int n = sscanf(lines[i], "%c %599s %599s %599s", &type, key, name, target);
                if (n < 3 || strchr(key, '/') || strstr(key, "..") || strchr(name, '/') ||
                    strstr(name, ".."))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", key, name);
                if (type == 'm' && sscanf(name, "%o", &mode) == 1) {
                        (void)mkdirat(dfd, key, 0755);
                        if (fchmodat(dfd, key, mode & 07777, 0) < 0 ||
                            fchownat(dfd, key, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
                                vz_debug("restore tmpfs %s: %s", key, strerror(errno));
                        continue;
                }
                if (type == 'd')
                        (void)mkdirat(dfd, path, 0755);
                else if (type == 'l' && n == 4) {
                        if (symlinkat(target, dfd, path) < 0)
                                vz_debug("restore tmpfs %s -> %s: %s", path, target,
                                         strerror(errno));
                } else
                        continue;
                if (fchownat(dfd, path, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
                        vz_debug("restore chown tmpfs %s: %s", path, strerror(errno));
        }
        return 0;
}

/* The criu child: in the CT's cgroups, in a mount namespace of its own with
 * the CT's root mounted as its init sees it. */
static int rst_setup(void *arg)
{
        struct rst_child *c = arg;
        int r;

        setsid();
        if (vz_cgroup_attach(c->cg, getpid(), NULL) < 0)
                return -1;
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
                dprintf(2, "vz: cannot make a mount namespace: %s\n", strerror(errno));
                return -1;
        }
        r = vz_spawn_mount_root(c->ct, c->userns_fd);
        if (r < 0) {
                dprintf(2, "vz: cannot mount the CT's root: %s\n", strerror(-r));
                return -1;
        }

        r = make_dev(c);
        if (r < 0) {
                dprintf(2, "vz: cannot make the CT's /dev: %s\n", strerror(-r));
                return -1;
        }
        r = c->tmpfsdir ? make_tmpfs(c) : 0;
        if (r < 0) {
                dprintf(2, "vz: cannot make the CT's tmpfs mounts: %s\n", strerror(-r));
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

int vz_cpt_restore_init(vz_ct *ct, const char *dumpdir, int step, struct vz_spawned *ret,
                        vz_err *e)
{
        _cleanup_free_ char *log = NULL, *pidfile = NULL, *map = NULL, *tty = NULL, *cons = NULL;
        _cleanup_free_ char *pidbuf = NULL, *devlist = NULL, *devdir = NULL, *kdat = NULL;
        _cleanup_free_ char *tmpfslist = NULL, *tmpfsdir = NULL;
        _cleanup_free_ char *lxcfs = vz_lxcfs_dir(ct), *ubc = vz_run_path(ct, "ubc");
        _cleanup_strv_free_ char **args = NULL, **maplines = NULL, **veths = NULL;
        struct rst_child rc = {.ct = ct, .userns_fd = -1};
        struct criu_run c = {.ctx = ct->ctx, .timeout = cpt_timeout(ct, NULL)};
        const char *root = vz_ct_root(ct);
        int master = -1, slave = -1, r, st = 0;
        bool userns;
        uid_t uid;
        gid_t gid;
        pid_t init;

        if (getenv("VZ_CPT_TIMEOUT") && atoi(getenv("VZ_CPT_TIMEOUT")) > 0)
                c.timeout = atoi(getenv("VZ_CPT_TIMEOUT"));
        if (!root)
                return vz_fail(e, VZ_E_VE_ROOT_NOTSET, -EINVAL, "VE_ROOT is not set");
        log = vz_strdupf("%s.restore.log", dumpdir);
        pidfile = vz_run_path(ct, "restore-pid");
        map = read_dump_file(dumpdir, FILE_MOUNTS);
        tty = read_dump_file(dumpdir, FILE_TTY);
        devlist = read_dump_file(dumpdir, FILE_DEV);
        tmpfslist = read_dump_file(dumpdir, FILE_TMPFS); /* older dumps: none */
        if (tmpfslist && *tmpfslist) {
                tmpfsdir = strdup("/tmp/.vz-rsttmpfs.XXXXXX");
                if (!tmpfsdir || !mkdtemp(tmpfsdir)) {
                        free(tmpfsdir);
                        tmpfsdir = NULL;
                        free(tmpfslist);
                        tmpfslist = NULL;
                }
        }
        /* Where criu's namespace gets the fresh /dev. The restored task
         * binds it in as the CT's root, which must be able to walk there:
         * /tmp, not the run directory (may be private, like a test tree). */
        devdir = strdup("/tmp/.vz-rstdev.XXXXXX");
        if (devdir && !mkdtemp(devdir)) {
                free(devdir);
                devdir = NULL;
        }
        if (!log || !pidfile || !devdir || !lxcfs || !ubc)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (!map || !tty || !devlist || (tmpfslist && *tmpfslist && !tmpfsdir)) {
                (void)rmdir(devdir);
                if (tmpfsdir)
                        (void)rmdir(tmpfsdir);
                return vz_fail(e, VZ_E_RESTORE, -ENOENT, "%s is not a complete dump", dumpdir);
        }
        unlink(pidfile);
        unlink(log);

        userns = vz_userns_get(ct, &uid, &gid);
        r = open_dump(dumpdir);
        if (r < 0)
                return vz_fail(e, VZ_E_RESTORE, r, "cannot hand %s to the CT: %s", dumpdir,
                               strerror(-r));
        r = open_cg(ct, &rc.cg, e);
        if (r < 0)
                return r;
        r = vz_cgroup_create(rc.cg, userns ? uid : (uid_t)-1, userns ? gid : (gid_t)-1, e);
        if (r < 0)
                goto out;
        r = vz_cgroup_apply_limits(rc.cg, ct, e);
        if (r >= 0)
                r = vz_cgroup_apply_devices(rc.cg, ct, e);
        if (r < 0)
                goto fail;
        {
                _cleanup_free_ char *cgl = read_dump_file(dumpdir, FILE_CGROUPS);
                make_cgroups(rc.cg, cgl, uid, gid, userns);
        }
        if (userns) {
                rc.userns_fd = vz_userns_open(uid, gid, e);
                if (rc.userns_fd < 0) {
                        r = rc.userns_fd;
                        goto fail;
                }
        }
        master = new_console(uid, gid, userns, &slave, &cons);
        if (master < 0) {
                r = vz_fail(e, VZ_E_RESTORE, master, "cannot make the console: %s",
                            strerror(-master));
                goto fail;
        }

        r = vz_strv_split("restore --restore-detached --tcp-established --file-locks "
                          "--link-remap --manage-cgroups=soft --network-lock nftables -v4",
                          " ", &args);
        {
                const char *const kv[] = {"--images-dir", dumpdir, "--log-file", log,
                                          "--root",       root,    "--pidfile",  pidfile, NULL};
                for (size_t i = 0; r >= 0 && kv[i]; i++)
                        r = vz_strv_push(&args, kv[i]);
        }
        if (r >= 0 && step == VZ_RESTORE_UNDUMP)
                r = vz_strv_push(&args, "--leave-stopped");
        /* Our own program (the supervisor) locks the restored mounts
         * before the CT runs again (vz_cpt_action_script). */
        if (r >= 0)
                r = vz_strv_push(&args, "--action-script");
        if (r >= 0)
                r = vz_strv_consume(&args, vz_strdupf("/proc/%d/exe", (int)getpid()));
        /* The dump names the cgroups of the host it was made on
         * (<VZ_CGROUP>/<CTID> there, cgroup.h); the CT goes into this
         * host's, made above, in every hierarchy. Its init's own subtree
         * (systemd's) follows below it. */
        if (r >= 0)
                r = vz_strv_push(&args, "--cgroup-root");
        if (r >= 0) {
                const char *parent = vz_ct_get(ct, "VZ_CGROUP");
                r = vz_strv_consume(&args, vz_strdupf("/%s/%u", isempty(parent) ? "vz" : parent,
                                                      vz_ct_id(ct)));
        }
        if (r >= 0)
                r = vz_strv_split(map, "\n", &maplines);
        for (size_t i = 0; r >= 0 && maplines && maplines[i]; i++) {
                char *sp = strchr(maplines[i], ' ');
                if (!sp)
                        continue;
                *sp = '\0';
                const char *path = sp + 1, *base = "";
                if (!strncmp(path, "@lxcfs", 6)) {
                        base = lxcfs;
                        path += 6;
                } else if (!strncmp(path, "@ubc", 4)) {
                        base = ubc;
                        path += 4;
                }
                r = vz_strv_push(&args, "--external");
                if (r >= 0)
                        r = vz_strv_consume(&args,
                                            vz_strdupf("mnt[%s]:%s%s", maplines[i], base, path));
        }
        if (r >= 0) {
                r = vz_strv_push(&args, "--external");
                if (r >= 0)
                        r = vz_strv_consume(&args, vz_strdupf("mnt[%s]:%s", CONSOLE_KEY, cons));
        }
        if (r >= 0) {
                r = vz_strv_push(&args, "--external");
                if (r >= 0)
                        r = vz_strv_consume(&args, vz_strdupf("mnt[%s]:%s", DEV_KEY, devdir));
        }
        if (r >= 0 && tmpfsdir) {
                _cleanup_strv_free_ char **tl = NULL;
                r = vz_strv_split(tmpfslist, "\n", &tl);
                for (size_t i = 0; r >= 0 && tl && tl[i]; i++) {
                        char key[600];
                        if (sscanf(tl[i], "m %599s", key) != 1 || strchr(key, '/'))
                                continue;
                        r = vz_strv_push(&args, "--external");
                        if (r >= 0)
                                r = vz_strv_consume(&args, vz_strdupf("mnt[%s]:%s/%s", key,
                                                                      tmpfsdir, key));
                }
        }
        if (r >= 0 && tty[0]) {
                tty[strcspn(tty, "\n")] = '\0';
                r = vz_strv_push(&args, "--inherit-fd");
                if (r >= 0)
                        r = vz_strv_consume(&args, vz_strdupf("fd[%d]:%s", slave, tty));
        }
        if (r < 0) {
                r = vz_fail(e, VZ_E_RESTORE, r, "cannot prepare the restore: %s", strerror(-r));
                goto fail;
        }
        /* Leftovers of a CT that died badly are removed by the prepare. */
        r = vz_net_criu_prepare(ct, &veths, e);
        if (r < 0)
                goto fail;
        for (size_t i = 0; r >= 0 && veths && veths[i]; i++) {
                r = vz_strv_push(&args, "--external");
                if (r >= 0)
                        r = vz_strv_push(&args, veths[i]);
        }
        if (r < 0) {
                r = vz_fail(e, VZ_E_RESTORE, r, "cannot prepare the restore: %s", strerror(-r));
                goto fail;
        }
        c.argv = args;
        c.out = log;
        c.setup = rst_setup;
        c.arg = &rc;
        c.own_ns = true; /* rst_setup */
        kdat = kdat_cache(ct->ctx);
        c.kdat = kdat;
        rc.devdir = devdir; /* mounted in criu's namespace only; rmdir'd at the end */
        rc.devlist = devlist;
        rc.tmpfsdir = tmpfsdir; /* the same */
        rc.tmpfslist = tmpfslist;
        rc.uid = userns ? uid : 0;
        rc.gid = userns ? gid : 0;
        r = criu_exec(&c, &st);
        if (r < 0 || st != 0) {
                r = criu_failed(e, VZ_E_RESTORE, r, st, "restore", log);
                goto fail;
        }
        if (vz_read_file(pidfile, 64, &pidbuf, NULL) < 0 || (init = atoi(pidbuf)) <= 0) {
                r = vz_fail(e, VZ_E_RESTORE, -ENOENT, "criu left no pid of the restored init");
                goto fail;
        }
        unlink(pidfile);
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
        (void)rmdir(devdir);
        if (tmpfsdir)
                (void)rmdir(tmpfsdir);
        if (master >= 0)
                close(master);
        if (slave >= 0)
                close(slave);
        if (rc.userns_fd >= 0)
                close(rc.userns_fd);
        vz_cgroup_free(rc.cg);
        return r;
}

/* ------------------------------------------------------------------ locking the restored mounts
 *
 * At a start the CT's mount namespace is a copy made from the CT's user
 * namespace of one built by the host's root, so the kernel locks every
 * mount in it (MNT_LOCKED, and its flags: fs/namespace.c lock_mnt_tree):
 * the CT's root can neither unmount the /proc masks or lxcfs's files nor
 * remount /proc/sys writable (spawn.c). criu builds the restored tree
 * inside namespaces of the CT's user namespace and moves its mounts into
 * place: nothing is locked. So criu runs the supervisor's program as its
 * action script, and at post-restore (every task restored, none running
 * yet) it covers each of the CT's /proc, /sys and /dev trees with a locked
 * copy of itself (same filesystems: the CT's data stay):
 *
 *  - in the CT's namespace X: a recursive clone N of the tree taken; the
 *    tree's top mount L made shared and a clone of it (a peer) taken;
 *  - in a namespace H of the host's user namespace: the peer attached, N
 *    put on a read-only bind B of the peer's root, and B moved onto the
 *    peer. The move propagates to L in X, and a tree propagated into a
 *    namespace of another user namespace is locked all but its top
 *    (attach_recursive_mnt -> lock_mnt_tree). The top is B, under N's
 *    locked root: it cannot be named, so nothing of N can be unmounted,
 *    and L under B cannot be reached. The stack is then made private.
 *
 * Before that the restored layers of the tree are detached (nothing uses
 * them: no file of the CT is on them) and L is a bare bind of the CT's
 * own directory. A tree the CT's tasks have files on (open files, working
 * directory, mappings: systemd keeps /proc/self/mountinfo, its cgroups and
 * /dev/null open) cannot be covered: criu opens the restored files before
 * any hook lets us in, and cannot dump a file on a covered mount, so the
 * CT could never be dumped again. Its top L stays as criu made it and each
 * child of L no file is on (the masks, lxcfs's files, ...) is replaced by
 * a locked copy the same way (relock_children); a child with files on it
 * stays unlocked, and so does L: the CT's root can unmount it whole, and
 * mount a fresh proc (sysfs) instance (L is "fully visible" to
 * mount_too_revealing, its direct children being the unlocked bases).
 * The restore log says which ("vz: relock: ... kept" / "left unlocked").
 * Mounts the CT made itself under /proc, /sys or /dev are locked too (a
 * start has none there). A failure fails the restore (criu aborts): a CT
 * never runs unlocked. */
static const char *const lock_trees[] = {"/proc", "/sys", "/dev", NULL};
#define LOCK_STAGE "/tmp" /* in H only */

/* In the action script (its stderr is criu's log): say which step failed. */
static int lock_fail(const char *what, const char *path)
{
        int r = -errno;
        fprintf(stderr, "vz: relock: %s %s: %s\n", what, path, strerror(errno));
        return r ? r : -EINVAL;
}

struct idset {
        int *v;
        size_t n;
};

static void idset_add(struct idset *s, int id)
{
        int *nv;
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i] == id)
                        return;
        nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
        if (!nv)
                return;
        s->v = nv;
        s->v[s->n++] = id;
}

static bool idset_has(const struct idset *s, int id)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i] == id)
                        return true;
        return false;
}

static int mnt_id_at(int dirfd, const char *path, int flags)
{
        struct statx sx;
        if (statx(dirfd, path, flags | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) < 0 ||
            !(sx.stx_mask & STATX_MNT_ID))
                return -1;
        return (int)sx.stx_mnt_id;
}

/* The mounts the CT's tasks have files on (fds, cwd, root, mappings). */
static void task_mounts(int procfd, pid_t init, struct idset *out)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct stat ns, s;
        struct dirent *de;
        char p[96];
        int fd;

        snprintf(p, sizeof(p), "%d/ns/pid", (int)init);
        fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fstatat(procfd, p, &ns, 0) < 0 || !(d = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        while ((de = readdir(d))) {
                int pid = atoi(de->d_name);
                const char *sub[] = {"fdinfo", "map_files"};
                if (pid <= 0)
                        continue;
                snprintf(p, sizeof(p), "%d/ns/pid", pid);
                if (fstatat(procfd, p, &s, 0) < 0 || s.st_ino != ns.st_ino || s.st_dev != ns.st_dev)
                        continue;
                snprintf(p, sizeof(p), "%d/cwd", pid);
                idset_add(out, mnt_id_at(procfd, p, 0));
                snprintf(p, sizeof(p), "%d/root", pid);
                idset_add(out, mnt_id_at(procfd, p, 0));
                for (int k = 0; k < 2; k++) {
                        _cleanup_closedir_ DIR *fdd = NULL;
                        struct dirent *fe;
                        int dfd;
                        snprintf(p, sizeof(p), "%d/%s", pid, sub[k]);
                        dfd = openat(procfd, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dfd < 0 || !(fdd = fdopendir(dfd))) {
                                if (dfd >= 0)
                                        close(dfd);
                                continue;
                        }
                        while ((fe = readdir(fdd))) {
                                char line[128];
                                FILE *f;
                                int ifd, id = -1;
                                if (fe->d_name[0] == '.')
                                        continue;
                                if (k == 1) {
                                        idset_add(out, mnt_id_at(dirfd(fdd), fe->d_name, 0));
                                        continue;
                                }
                                ifd = openat(dirfd(fdd), fe->d_name, O_RDONLY | O_CLOEXEC);
                                if (ifd < 0 || !(f = fdopen(ifd, "re"))) {
                                        if (ifd >= 0)
                                                close(ifd);
                                        continue;
                                }
                                while (fgets(line, sizeof(line), f))
                                        if (sscanf(line, "mnt_id: %d", &id) == 1)
                                                break;
                                fclose(f);
                                idset_add(out, id);
                        }
                }
        }
}

/* Whether a mount of the tree whose top is mount top (current namespace)
 * is in the set used (the tasks have a file on it). */
static bool tree_used(int procfd, int top, const struct idset *used)
{
        _cleanup_close_ int fd = openat(procfd, "thread-self/mountinfo", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        struct idset sub = {0};
        size_t n = 0;
        bool grew = true, r = false;
        struct {
                int id, parent;
        } *m = NULL;
        size_t nm = 0;

        if (fd < 0 || !(f = fdopen(fd, "re")))
                return true; /* keep, to be safe */
        fd = -1;
        while (getline(&buf, &n, f) > 0) {
                int id, parent;
                void *nv;
                if (sscanf(buf, "%d %d", &id, &parent) != 2)
                        continue;
                nv = realloc(m, (nm + 1) * sizeof(*m));
                if (!nv) {
                        free(m);
                        return true;
                }
                m = nv;
                m[nm].id = id;
                m[nm++].parent = parent;
        }
        idset_add(&sub, top);
        while (grew) {
                size_t before = sub.n;
                for (size_t i = 0; i < nm; i++)
                        if (idset_has(&sub, m[i].parent))
                                idset_add(&sub, m[i].id);
                grew = sub.n != before;
        }
        for (size_t i = 0; i < sub.n && !r; i++)
                r = idset_has(used, sub.v[i]);
        free(sub.v);
        free(m);
        return r;
}

/* Mounts stacked on each of lock_trees (0: not mounted). */
static int count_layers(int procfd, int layers[3])
{
        _cleanup_close_ int fd = openat(procfd, "thread-self/mountinfo", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t n = 0;

        if (fd < 0 || !(f = fdopen(fd, "re")))
                return -errno;
        fd = -1;
        layers[0] = layers[1] = layers[2] = 0;
        while (getline(&buf, &n, f) > 0) {
                char mp[4096];
                if (sscanf(buf, "%*s %*s %*s %*s %4095s", mp) != 1)
                        continue;
                for (size_t i = 0; lock_trees[i]; i++)
                        if (streq(mp, lock_trees[i]))
                                layers[i]++;
        }
        return 0;
}

/* Detach every restored layer of tree t (nothing of the CT uses them) and
 * leave a bare, private bind of the CT's own directory in their place. */
static int prune_tree(const char *t)
{
        struct mount_attr ma = {.propagation = MS_PRIVATE};
        _cleanup_close_ int bare = -1;

        while (umount2(t, MNT_DETACH) == 0)
                ;
        bare = (int)syscall(SYS_open_tree, AT_FDCWD, t, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (bare < 0 || syscall(SYS_mount_setattr, bare, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0 ||
            syscall(SYS_move_mount, bare, "", AT_FDCWD, t, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return lock_fail("bare", t);
        return 0;
}

/* For a tree the CT has files on (its top L stays as criu made it): each
 * child mount of L that no file is on (the masks, lxcfs's files, the
 * read-only /proc/sys, ...) is replaced by a locked copy propagated onto L
 * at its place, on a base B (a bind of L's own file or directory there,
 * which the copy covers). L is then not "fully visible" either (a locked
 * child over a file), so no fresh proc/sysfs mount is allowed. Called and
 * returns in X. */
static int relock_children(int xfd, int hfd, int procfd, const char *t, unsigned idx,
                           const struct idset *used)
{
        _cleanup_close_ int fd = openat(procfd, "thread-self/mountinfo", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int lfd = -1, peer = -1;
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char mps[32][256], pp[64];
        int cl[32], nc = 0, top = mnt_id_at(AT_FDCWD, t, 0), r = 0;
        bool shared = false;
        size_t n = 0, tl = strlen(t);

        if (fd < 0 || top < 0 || !(f = fdopen(fd, "re")))
                return lock_fail("mountinfo of", t);
        fd = -1;
        while (getline(&buf, &n, f) > 0 && nc < 32) {
                char mp[256], *sep = strstr(buf, " - ");
                int id, parent, off = 0;
                if (!sep || sscanf(buf, "%d %d %*s %*s %255s %*s%n", &id, &parent, mp, &off) != 3)
                        continue;
                *sep = '\0';
                if (id == top)
                        shared = strstr(buf + off, "shared:") != NULL;
                if (parent != top || strncmp(mp, t, tl) != 0 || mp[tl] != '/' || strchr(mp, '\\'))
                        continue;
                if (tree_used(procfd, id, used)) {
                        fprintf(stderr, "vz: relock: %s left unlocked: the CT has files on it\n",
                                mp);
                        continue;
                }
                snprintf(mps[nc++], sizeof(mps[0]), "%s", mp);
        }
        if (!nc)
                return 0;
        for (int k = 0; k < nc; k++)
                cl[k] = -1;
        lfd = (int)syscall(SYS_open_tree, AT_FDCWD, t, OPEN_TREE_CLOEXEC);
        if (lfd < 0 || (!shared && mount(NULL, t, NULL, MS_SHARED, NULL) < 0) ||
            (peer = (int)syscall(SYS_open_tree, AT_FDCWD, t, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) <
                0)
                return lock_fail("peer of", t);
        for (int k = 0; k < nc && r == 0; k++) {
                cl[k] = (int)syscall(SYS_open_tree, AT_FDCWD, mps[k],
                                     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                if (cl[k] < 0)
                        r = lock_fail("clone", mps[k]);
                while (r == 0 && umount2(mps[k], MNT_DETACH) == 0)
                        ;
        }
        if (r == 0 && setns(hfd, CLONE_NEWNS) < 0)
                r = lock_fail("setns", "host");
        snprintf(pp, sizeof(pp), LOCK_STAGE "/c%u", idx);
        if (r == 0 && (mkdir(pp, 0700) < 0 || syscall(SYS_move_mount, peer, "", AT_FDCWD, pp,
                                                      MOVE_MOUNT_F_EMPTY_PATH) < 0))
                r = lock_fail("attach", t);
        for (int k = 0; k < nc && r == 0; k++) {
                _cleanup_close_ int base = -1;
                char src[384], bp[64];
                struct stat st;
                snprintf(src, sizeof(src), "%s%s", pp, mps[k] + tl);
                snprintf(bp, sizeof(bp), LOCK_STAGE "/c%u.%d", idx, k);
                if (lstat(src, &st) < 0) {
                        r = lock_fail("stat", src);
                        break;
                }
                if (S_ISDIR(st.st_mode)
                        ? mkdir(bp, 0700) < 0
                        : (fd = open(bp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600)) < 0) {
                        r = lock_fail("stage", bp);
                        break;
                }
                if (fd >= 0) {
                        close(fd);
                        fd = -1;
                }
                if (mount(src, bp, NULL, MS_BIND, NULL) < 0 ||
                    mount(NULL, bp, NULL, MS_PRIVATE, NULL) < 0 ||
                    mount(NULL, bp, NULL,
                          MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          NULL) < 0 ||
                    (base = open(bp, O_PATH | O_CLOEXEC)) < 0 ||
                    syscall(SYS_move_mount, cl[k], "", base, "",
                            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ||
                    syscall(SYS_move_mount, base, "", AT_FDCWD, src, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        r = lock_fail("lock", mps[k]);
        }
        if (setns(xfd, CLONE_NEWNS) < 0 && r == 0)
                r = lock_fail("setns", "ct");
        if (r == 0 && !shared) {
                struct mount_attr ma = {.propagation = MS_PRIVATE};
                if (syscall(SYS_mount_setattr, lfd, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0)
                        r = lock_fail("propagation of", t);
        }
        for (int k = 0; k < nc; k++)
                if (cl[k] >= 0)
                        close(cl[k]);
        return r;
}

static int relock_mounts(pid_t init)
{
        _cleanup_close_ int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int xfd = -1, hfd = -1;
        int top[3] = {-1, -1, -1}, peer[3] = {-1, -1, -1}, tree[3] = {-1, -1, -1}, layers[3];
        struct idset used = {0};
        unsigned usedtree = 0;
        int r = 0;
        char p[64];

        snprintf(p, sizeof(p), "%d/ns/mnt", (int)init);
        if (procfd < 0 || (xfd = openat(procfd, p, O_RDONLY | O_CLOEXEC)) < 0)
                return lock_fail("open", p);
        task_mounts(procfd, init, &used);
        /* H: our own, of the host's user namespace, with a private stage. */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("vzstage", LOCK_STAGE, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "mode=700,size=64k") < 0) {
                r = lock_fail("stage", LOCK_STAGE);
                goto out;
        }
        hfd = openat(procfd, "thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
        if (hfd < 0 || setns(xfd, CLONE_NEWNS) < 0) {
                r = lock_fail("setns", "ct");
                goto out;
        }
        r = count_layers(procfd, layers);
        for (size_t i = 0; r == 0 && lock_trees[i]; i++) {
                if (!layers[i])
                        continue;
                tree[i] = (int)syscall(SYS_open_tree, AT_FDCWD, lock_trees[i],
                                       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                if (tree[i] < 0) {
                        r = lock_fail("clone", lock_trees[i]);
                        break;
                }
                /* criu cannot dump a file on a covered mount ("open files
                 * on overmounted mounts are not supported"): a tree the
                 * CT's tasks have files on stays as criu made it. */
                if (tree_used(procfd, mnt_id_at(AT_FDCWD, lock_trees[i], 0), &used)) {
                        fprintf(stderr,
                                "vz: relock: %s kept as restored (the CT has files on it), "
                                "its other mounts locked\n",
                                lock_trees[i]);
                        close(tree[i]);
                        tree[i] = -1;
                        usedtree |= 1u << i;
                        continue;
                }
                r = prune_tree(lock_trees[i]);
                if (r < 0)
                        break;
                top[i] = (int)syscall(SYS_open_tree, AT_FDCWD, lock_trees[i], OPEN_TREE_CLOEXEC);
                if (top[i] < 0 || mount(NULL, lock_trees[i], NULL, MS_SHARED, NULL) < 0 ||
                    (peer[i] = (int)syscall(SYS_open_tree, AT_FDCWD, lock_trees[i],
                                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) < 0)
                        r = lock_fail("peer of", lock_trees[i]);
        }
        if (r < 0)
                goto out;
        if (setns(hfd, CLONE_NEWNS) < 0) {
                r = lock_fail("setns", "host");
                goto out;
        }
        for (size_t i = 0; lock_trees[i]; i++) {
                _cleanup_close_ int base = -1;
                char pp[64], bp[64];
                if (peer[i] < 0)
                        continue;
                snprintf(pp, sizeof(pp), LOCK_STAGE "/p%zu", i);
                snprintf(bp, sizeof(bp), LOCK_STAGE "/b%zu", i);
                if (mkdir(pp, 0700) < 0 || mkdir(bp, 0700) < 0 ||
                    syscall(SYS_move_mount, peer[i], "", AT_FDCWD, pp, MOVE_MOUNT_F_EMPTY_PATH) <
                        0) {
                        r = lock_fail("attach", lock_trees[i]);
                        goto out;
                }
                /* B: out of the peer group, read-only, held by its fd (its
                 * path names N once N is on it). */
                if (mount(pp, bp, NULL, MS_BIND, NULL) < 0 ||
                    mount(NULL, bp, NULL, MS_PRIVATE, NULL) < 0 ||
                    mount(NULL, bp, NULL,
                          MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          NULL) < 0 ||
                    (base = open(bp, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
                        r = lock_fail("base", lock_trees[i]);
                        goto out;
                }
                if (syscall(SYS_move_mount, tree[i], "", base, "",
                            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
                        r = lock_fail("attach to base", lock_trees[i]);
                        goto out;
                }
                if (syscall(SYS_move_mount, base, "", AT_FDCWD, pp, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
                        r = lock_fail("propagate", lock_trees[i]);
                        goto out;
                }
        }
        /* The whole stack private (as a start makes the trees): nothing
         * propagates in or out, and the next restore can move its top. */
        if (setns(xfd, CLONE_NEWNS) < 0)
                r = lock_fail("setns", "ct");
        for (size_t i = 0; r == 0 && lock_trees[i]; i++) {
                struct mount_attr ma = {.propagation = MS_PRIVATE};
                if (top[i] >= 0 && syscall(SYS_mount_setattr, top[i], "",
                                           AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof(ma)) < 0)
                        r = lock_fail("propagation of", lock_trees[i]);
        }
        /* The trees the CT has files on: their unused children. */
        for (size_t i = 0; r == 0 && lock_trees[i]; i++)
                if (usedtree & (1u << i))
                        r = relock_children(xfd, hfd, procfd, lock_trees[i], (unsigned)i, &used);
out:
        for (int i = 0; i < 3; i++) {
                if (top[i] >= 0)
                        close(top[i]);
                if (peer[i] >= 0)
                        close(peer[i]);
                if (tree[i] >= 0)
                        close(tree[i]);
        }
        free(used.v);
        return r;
}

/* criu's action script (the supervisor's program run by criu: see
 * vz-supervisor.c): locks the restored mounts at post-restore. */
int vz_cpt_action_script(void)
{
        const char *act = getenv("CRTOOLS_SCRIPT_ACTION"), *pid = getenv("CRTOOLS_INIT_PID");
        int r;

        if (!act || !streq(act, "post-restore"))
                return 0;
        if (!pid || atoi(pid) <= 0) {
                fprintf(stderr, "vz: %s without CRTOOLS_INIT_PID\n", act);
                return 1;
        }
        r = relock_mounts(atoi(pid));
        if (r < 0) {
                fprintf(stderr, "vz: cannot lock the restored CT's mounts: %s\n", strerror(-r));
                return 1;
        }
        return 0;
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

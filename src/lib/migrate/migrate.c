/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Migration of a CT to another host running vz: OpenVZ's vzmigrate (the
 * classic 4.x script, bin/vzmigrate.in) on ssh and rsync, the real tools of
 * the trade, as in DESIGN.md.
 *
 * The destination is driven through `ssh -o BatchMode=yes root@DEST` (keys
 * must already work) running small sh scripts and its own vzctl; the
 * private area travels with `rsync -aHAX --delete --numeric-ids --sparse`.
 * Its vz.conf is read by sourcing it with VEID set, as OpenVZ did, so the
 * CT lands at the destination's VE_PRIVATE and VE_ROOT.
 *
 * Modes:
 *  - stopped (or only mounted) CT: copy, place the config, (mount);
 *  - running CT, offline ("restart"): copy while it runs, stop, copy what
 *    changed, start on the destination;
 *  - running CT, live: copy while it runs, checkpoint it with CRIU
 *    (vz_ct_chkpnt: freeze, dump, end), copy what changed, then one ssh
 *    session gets the dump as a tar stream and runs `vzctl restore` on
 *    the destination; on failure restore it here.
 * All ssh and rsync runs share one multiplexed ssh connection, and all
 * that can be done before the freeze (or stop) is: the frozen time is the
 * dump, the final rsync and one remote step.
 *
 * The plan is a fixed sequence; every step that changes something records
 * it in struct mig, and a failure undoes in reverse order: remove the
 * destination's config, name link, dump and (unless --keep-dst) private
 * area; resume or restart the source. The CT therefore runs on exactly one
 * host whatever fails. The CT's lock is held on the source throughout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "basic/err.h"
#include "basic/log.h"
#include "basic/util.h"
#include "config/config.h"
#include "ctx.h"
#include "net/nl.h"
#include "registry/registry.h"

#define USERNS_RANGE 65536ULL

struct mig {
        vz_ctx *ctx;
        vz_ct *ct;
        const vz_migrate_opts *o;
        vz_err *e;
        unsigned id;
        char *dest;   /* user@host */
        char **ssh;   /* ssh argv up to and including the host */
        char *rsh;    /* the same as one string, for rsync -e */
        char *muxdir; /* private directory of the ssh master's socket */
        /* What the destination told (probe). */
        char *r_confdir, *r_private, *r_root, *r_dumpdir;
        char *dumpdir; /* local dump directory of a live migration */
        bool was_running, was_mounted;
        bool new_ids; /* its ID range is taken there: drop LOCAL_UID/GID */
        /* Undo state. */
        bool dst_dirs, dst_conf, dst_dump, src_stopped, src_frozen, src_dumped;
        struct timespec t0, tphase, tfrozen;
};

/* ------------------------------------------------------------ helpers */

static double now_sec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double ts_sec(const struct timespec *ts)
{
        return ts->tv_sec + ts->tv_nsec / 1e9;
}

static void phase_end(struct mig *m, const char *name)
{
        double t = now_sec();
        if (m->o->phase)
                m->o->phase(name, t - ts_sec(&m->tphase), m->o->userdata);
        clock_gettime(CLOCK_MONOTONIC, &m->tphase);
}

/* 'text' with every ' escaped: safe in a remote sh command line. */
static char *sq(const char *s)
{
        size_t n = 3;
        char *r, *p;

        for (const char *c = s; *c; c++)
                n += *c == '\'' ? 4 : 1;
        r = p = malloc(n);
        if (!r)
                return NULL;
        *p++ = '\'';
        for (const char *c = s; *c; c++) {
                if (*c == '\'') {
                        memcpy(p, "'\\''", 4);
                        p += 4;
                } else
                        *p++ = *c;
        }
        *p++ = '\'';
        *p = '\0';
        return r;
}

static char *read_memfd(int fd)
{
        struct stat st;
        char *buf;
        ssize_t n;

        if (fstat(fd, &st) < 0 || !(buf = malloc(st.st_size + 1)))
                return NULL;
        n = pread(fd, buf, st.st_size, 0);
        buf[n > 0 ? n : 0] = '\0';
        return buf;
}

/* Run argv with stdin from ifd; stdout and stderr captured (returned when
 * ret_out / ret_err are given). Returns the exit status, 128+signal, or
 * -errno if it could not run. */
static int run_fd(char *const argv[], int ifd, char **ret_out, char **ret_err)
{
        _cleanup_close_ int ofd = -1, efd = -1;
        int status;
        pid_t pid;

        ofd = memfd_create("vzmigrate-out", MFD_CLOEXEC);
        efd = memfd_create("vzmigrate-err", MFD_CLOEXEC);
        if (ofd < 0 || efd < 0)
                return -errno;
        {
                _cleanup_free_ char *line = vz_strv_join(argv, " ");
                vz_debug("running: %s", line ? line : argv[0]);
        }
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (dup2(ifd, 0) < 0 || dup2(ofd, 1) < 0 || dup2(efd, 2) < 0)
                        _exit(127);
                signal(SIGPIPE, SIG_DFL);
                execvp(argv[0], argv);
                /* To the caller, who reads efd. */
                dprintf(efd, "cannot run %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (ret_out)
                *ret_out = read_memfd(ofd);
        if (ret_err)
                *ret_err = read_memfd(efd);
        {
                _cleanup_free_ char *err = read_memfd(efd);
                if (err && *err)
                        vz_debug("%s: %s", argv[0], err);
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* run_fd with stdin from in (may be NULL: /dev/null). */
static int run(char *const argv[], const char *in, size_t in_len, char **ret_out, char **ret_err)
{
        _cleanup_close_ int ifd = -1;

        if (in) {
                ifd = memfd_create("vzmigrate-in", MFD_CLOEXEC);
                if (ifd < 0 || write(ifd, in, in_len) != (ssize_t)in_len)
                        return -errno;
                lseek(ifd, 0, SEEK_SET);
        } else if ((ifd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
                return -errno;
        return run_fd(argv, ifd, ret_out, ret_err);
}

/* The last non-empty line of s (for error messages), in place. */
static const char *last_line(char *s)
{
        char *end;

        if (!s)
                return "";
        end = s + strlen(s);
        while (end > s && (end[-1] == '\n' || end[-1] == ' '))
                *--end = '\0';
        end = strrchr(s, '\n');
        return end ? end + 1 : s;
}

/* Run a sh script on the destination; ret_status its exit status. */
static int remote(struct mig *m, const char *script, const char *in, size_t in_len, char **ret_out,
                  char **ret_err)
{
        _cleanup_strv_free_ char **argv = NULL;
        size_t n = vz_strv_length(m->ssh);

        argv = calloc(n + 3, sizeof(char *));
        if (!argv)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(argv[i] = strdup(m->ssh[i])))
                        return -ENOMEM;
        if (!(argv[n] = strdup(script)))
                return -ENOMEM;
        return run(argv, in, in_len, ret_out, ret_err);
}

/* Run a sh script on the destination with a tar stream of the local
 * directory dir as its stdin: a copy and what follows it in one session
 * (no file-list exchange as with rsync, no further round trip).
 * *ret_tar is tar's exit status. */
static int remote_tar(struct mig *m, const char *dir, const char *script, char **ret_err,
                      int *ret_tar)
{
        _cleanup_strv_free_ char **argv = NULL;
        size_t n = vz_strv_length(m->ssh);
        int p[2], st, r;
        pid_t tar;

        *ret_tar = -1;
        for (size_t i = 0; i < n; i++)
                if (vz_strv_push(&argv, m->ssh[i]) < 0)
                        return -ENOMEM;
        if (vz_strv_push(&argv, script) < 0)
                return -ENOMEM;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        tar = fork();
        if (tar < 0) {
                r = -errno;
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (tar == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(null, 2) < 0)
                        _exit(127);
                signal(SIGPIPE, SIG_DFL);
                execlp("tar", "tar", "-C", dir, "--numeric-owner", "-cf", "-", ".", (char *)NULL);
                _exit(127);
        }
        close(p[1]);
        vz_debug("running: tar -C %s -cf - . | %s", dir, script);
        r = run_fd(argv, p[0], NULL, ret_err);
        close(p[0]);
        while (waitpid(tar, &st, 0) < 0)
                if (errno != EINTR)
                        return r;
        *ret_tar = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return r;
}

static int remotef(struct mig *m, char **ret_err, const char *fmt, ...) _printf_(3, 4);
static int remotef(struct mig *m, char **ret_err, const char *fmt, ...)
{
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return remote(m, s, NULL, 0, NULL, ret_err);
}

/* ------------------------------------------------------------ setup */

static int build_ssh(struct mig *m)
{
        _cleanup_strv_free_ char **extra = NULL;
        int r;

        m->dest = strchr(m->o->dest, '@') ? strdup(m->o->dest) : vz_strdupf("root@%s", m->o->dest);
        if (!m->dest)
                return -ENOMEM;
        r = vz_strv_split(m->o->ssh_opts ? m->o->ssh_opts : "", " \t", &extra);
        if (r < 0)
                return r;
        /* ssh takes the first value of an option: the user's come first. */
        if ((r = vz_strv_push(&m->ssh, "ssh")) < 0)
                return r;
        for (size_t i = 0; extra[i]; i++)
                if ((r = vz_strv_push(&m->ssh, extra[i])) < 0)
                        return r;
        {
                static const char *const def[] = {
                    "-o", "BatchMode=yes",          "-o", "ConnectTimeout=10",
                    "-o", "ServerAliveInterval=10", NULL};
                for (size_t i = 0; def[i]; i++)
                        if ((r = vz_strv_push(&m->ssh, def[i])) < 0)
                                return r;
        }
        /* One connection for the whole migration (OpenVZ's --ssh-mux, here
         * always): the first ssh becomes the master and stays in the
         * background; every later ssh and rsync runs as a session of it,
         * without a new TCP connection, key exchange and login. Its socket
         * is in a private directory; the master is told to exit at the
         * end (ControlPersist ends it anyway if we die). */
        m->muxdir = strdup("/tmp/vzmigrate.XXXXXX");
        if (!m->muxdir)
                return -ENOMEM;
        if (!mkdtemp(m->muxdir)) {
                free(m->muxdir);
                m->muxdir = NULL;
        } else {
                if ((r = vz_strv_push(&m->ssh, "-o")) < 0 ||
                    (r = vz_strv_push(&m->ssh, "ControlMaster=auto")) < 0 ||
                    (r = vz_strv_push(&m->ssh, "-o")) < 0 ||
                    (r = vz_strv_consume(&m->ssh, vz_strdupf("ControlPath=%s/mux", m->muxdir))) <
                        0 ||
                    (r = vz_strv_push(&m->ssh, "-o")) < 0 ||
                    (r = vz_strv_push(&m->ssh, "ControlPersist=60")) < 0)
                        return r;
        }
        if (m->o->verbose > 2 && (r = vz_strv_push(&m->ssh, "-v")) < 0)
                return r;
        if (!m->o->verbose && (r = vz_strv_push(&m->ssh, "-q")) < 0)
                return r;
        m->rsh = vz_strv_join(m->ssh, " ");
        if (!m->rsh)
                return -ENOMEM;
        return vz_strv_push(&m->ssh, m->dest);
}

/* The master connection goes (ssh -O exit), with its directory. */
static void close_ssh(struct mig *m)
{
        _cleanup_strv_free_ char **argv = NULL;
        size_t n = vz_strv_length(m->ssh);
        bool ok = n > 0;

        if (!m->muxdir)
                return;
        for (size_t i = 0; ok && i + 1 < n; i++)
                ok = vz_strv_push(&argv, m->ssh[i]) >= 0;
        if (ok && vz_strv_push(&argv, "-O") >= 0 && vz_strv_push(&argv, "exit") >= 0 &&
            vz_strv_push(&argv, m->ssh[n - 1]) >= 0)
                (void)run(argv, NULL, 0, NULL, NULL);
        (void)vz_rm_rf(m->muxdir);
        free(m->muxdir);
        m->muxdir = NULL;
}

static char *probe_value(const char *out, const char *key)
{
        size_t kl = strlen(key);

        for (const char *l = out; l && *l;) {
                const char *nl = strchr(l, '\n');
                size_t len = nl ? (size_t)(nl - l) : strlen(l);
                if (len > kl && strncmp(l, key, kl) == 0 && l[kl] == '=')
                        return strndup(l + kl + 1, len - kl - 1);
                l = nl ? nl + 1 : NULL;
        }
        return NULL;
}

static bool probe_flag(const char *out, const char *flag)
{
        size_t fl = strlen(flag);

        for (const char *l = out; l && *l;) {
                const char *nl = strchr(l, '\n');
                size_t len = nl ? (size_t)(nl - l) : strlen(l);
                if (len == fl && strncmp(l, flag, fl) == 0)
                        return true;
                l = nl ? nl + 1 : NULL;
        }
        return false;
}

static char *unquote(const char *v)
{
        size_t n = strlen(v);
        if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
                return strndup(v + 1, n - 2);
        return strdup(v);
}

/* The destination's "ct <file> KEY=VALUE" lines: addresses and ID ranges
 * of its CTs, compared with ours. */
static int check_remote_cts(struct mig *m, const char *out)
{
        _cleanup_strv_free_ char **mine = NULL;
        const char *ips = vz_ct_get(m->ct, "IP_ADDRESS");
        const char *lu = vz_conffile_get(m->ct->conf, "LOCAL_UID");
        uint64_t myuid = lu ? strtoull(lu, NULL, 10) : 0;
        int r;

        r = vz_strv_split(ips ? ips : "", " \t", &mine);
        if (r < 0)
                return vz_fail(m->e, VZ_E_RESOURCE, r, "out of memory");
        for (const char *l = out; l && *l;) {
                const char *nl = strchr(l, '\n');
                _cleanup_free_ char *line = strndup(l, nl ? (size_t)(nl - l) : strlen(l));
                char *key, *val;
                l = nl ? nl + 1 : NULL;
                if (!line || !vz_startswith(line, "ct ") || !(key = strchr(line + 3, ' ')))
                        continue;
                key++;
                if (!(val = strchr(key, '=')))
                        continue;
                *val++ = '\0';
                if (streq(key, "IP_ADDRESS")) {
                        _cleanup_free_ char *uv = unquote(val);
                        _cleanup_strv_free_ char **theirs = NULL;
                        if (!uv || vz_strv_split(uv, " \t", &theirs) < 0)
                                continue;
                        for (size_t i = 0; mine[i]; i++)
                                for (size_t j = 0; theirs[j]; j++) {
                                        vz_inaddr a, b;
                                        if (vz_inaddr_parse(mine[i], &a) == 0 &&
                                            vz_inaddr_parse(theirs[j], &b) == 0 &&
                                            a.family == b.family &&
                                            memcmp(a.a, b.a, vz_inaddr_len(&a)) == 0)
                                                return vz_fail(m->e, VZ_MIG_E_IP_INUSE, -EADDRINUSE,
                                                               "IP address %s is in use on %s",
                                                               mine[i], m->o->dest);
                                }
                } else if (streq(key, "LOCAL_UID") && myuid > 0) {
                        _cleanup_free_ char *uv = unquote(val);
                        uint64_t u = uv ? strtoull(uv, NULL, 10) : 0;
                        if (u > 0 && u < myuid + USERNS_RANGE && myuid < u + USERNS_RANGE) {
                                /* Offline the CT simply gets a free range
                                 * there at start (its files are stored
                                 * unshifted); a live CT's processes carry
                                 * their IDs in the dump. */
                                if (m->o->live)
                                        return vz_fail(m->e, VZ_MIG_E_NOVZ, -EADDRINUSE,
                                                       "the CT's user-namespace range (LOCAL_UID "
                                                       "%llu) is used by another CT on %s",
                                                       (unsigned long long)myuid, m->o->dest);
                                m->new_ids = true;
                                vz_info("The CT gets a new user-namespace ID range on %s",
                                        m->o->dest);
                        }
                }
        }
        return 0;
}

static const char *layout(struct mig *m)
{
        const char *l = vz_ct_get(m->ct, "VE_LAYOUT");
        return isempty(l) ? "simfs" : l;
}

/* OpenVZ's pre-flight checks, in its order and with its exit codes. */
static int preflight(struct mig *m)
{
        _cleanup_free_ char *out = NULL, *err = NULL, *script = NULL, *qname = NULL;
        const char *name = vz_ct_get(m->ct, "NAME");
        int r;

        vz_info("Checking the destination %s", m->o->dest);
        r = remote(m, "true", NULL, 0, NULL, &err);
        if (r != 0)
                return vz_fail(m->e, VZ_MIG_E_CONNECT, -EHOSTUNREACH, "cannot connect to %s: %s",
                               m->o->dest, r < 0 ? strerror(-r) : last_line(err));
        free(err);
        err = NULL;
        qname = sq(isempty(name) ? "" : name);
        if (!qname)
                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        /* One round trip: is vz there, its paths for this CT, does the CT
         * or its name exist there, and its CTs' addresses and ID ranges. */
        script = vz_strdupf(
            "c=${VZ_CONFDIR:-/etc/vz}; "
            "command -v vzctl >/dev/null 2>&1 || { echo novz; exit 0; }; "
            "[ -r \"$c/vz.conf\" ] || { echo noconf; exit 0; }; "
            "echo \"confdir=$c\"; "
            "( VEID=%u; . \"$c/vz.conf\" >/dev/null 2>&1 || exit 0; "
            "echo \"private=$VE_PRIVATE\"; echo \"root=$VE_ROOT\"; echo \"dumpdir=$DUMPDIR\"; "
            "[ -n \"$VE_PRIVATE\" ] && [ -d \"$(dirname \"$VE_PRIVATE\")\" ] && "
            "stat -f -c 'fstype=%%T' \"$(dirname \"$VE_PRIVATE\")\" ); "
            "[ -e \"$c/conf/%u.conf\" ] && echo exists; "
            "n=%s; [ -n \"$n\" ] && [ -e \"$c/names/$n\" ] && echo name_taken; "
            "for f in \"$c\"/conf/*.conf; do [ -f \"$f\" ] || continue; "
            "grep -E '^(IP_ADDRESS|LOCAL_UID)=' \"$f\" | sed \"s|^|ct ${f##*/} |\"; done; "
            "command -v btrfs >/dev/null 2>&1 && echo have_btrfs; "
            "exit 0",
            m->id, m->id, qname);
        if (!script)
                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = remote(m, script, NULL, 0, &out, &err);
        if (r != 0 || !out)
                return vz_fail(m->e, VZ_MIG_E_CONNECT, -EIO, "cannot query %s: %s", m->o->dest,
                               r < 0 ? strerror(-r) : last_line(err));
        if (probe_flag(out, "novz"))
                return vz_fail(m->e, VZ_MIG_E_NOVZ, -ENOENT, "vz is not installed on %s",
                               m->o->dest);
        if (probe_flag(out, "noconf"))
                return vz_fail(m->e, VZ_MIG_E_REMOTE_CONF, -ENOENT, "cannot read vz.conf on %s",
                               m->o->dest);
        m->r_confdir = probe_value(out, "confdir");
        m->r_private = probe_value(out, "private");
        m->r_root = probe_value(out, "root");
        m->r_dumpdir = probe_value(out, "dumpdir");
        if (isempty(m->r_confdir) || isempty(m->r_private) || isempty(m->r_root) ||
            (m->o->live && isempty(m->r_dumpdir)))
                return vz_fail(m->e, VZ_MIG_E_REMOTE_CONF, -EINVAL,
                               "VE_PRIVATE, VE_ROOT or DUMPDIR not set in vz.conf on %s",
                               m->o->dest);
        if (probe_flag(out, "exists"))
                return vz_fail(m->e, VZ_MIG_E_EXISTS, -EEXIST, "CT %u already exists on %s", m->id,
                               m->o->dest);
        if (probe_flag(out, "name_taken"))
                return vz_fail(m->e, VZ_MIG_E_APPLY_CONFIG, -EEXIST,
                               "the name %s is used by another CT on %s", name, m->o->dest);
        if (streq(layout(m), "btrfs")) {
                _cleanup_free_ char *fst = probe_value(out, "fstype");
                if (!probe_flag(out, "have_btrfs") || !fst || !streq(fst, "btrfs"))
                        return vz_fail(m->e, VZ_MIG_E_LAYOUT, -EOPNOTSUPP,
                                       "the btrfs layout needs VE_PRIVATE on btrfs on %s",
                                       m->o->dest);
        } else if (streq(layout(m), "overlay"))
                return vz_fail(m->e, VZ_MIG_E_LAYOUT, -EOPNOTSUPP,
                               "the overlay layout cannot be migrated (its template layer is "
                               "this host's): convert the CT to simfs first (vzctl convert %u "
                               "--layout simfs) and back to overlay on %s",
                               m->id, m->o->dest);
        else if (!streq(layout(m), "simfs") && !streq(layout(m), "image"))
                return vz_fail(m->e, VZ_MIG_E_LAYOUT, -EOPNOTSUPP, "layout %s is not supported",
                               layout(m));
        r = check_remote_cts(m, out);
        if (r < 0)
                return r;
        if (m->o->live) {
                /* CRIU must work on both ends (its own `criu check`). */
                _cleanup_free_ char *msg = NULL, *rout = NULL;
                bool ok = false;
                vz_err e2 = {0};
                if (vz_criu_info(m->ctx, NULL, NULL, &ok, &msg, &e2) < 0 || !ok)
                        return vz_fail(m->e, VZ_MIG_E_NOVZ, -ENOTSUP,
                                       "checkpointing does not work here: %s",
                                       e2.msg[0] ? e2.msg : last_line(msg));
                free(err);
                err = NULL;
                r = remote(m, "vzctl --version -v", NULL, 0, &rout, &err);
                if (r != 0 || !rout || !strstr(rout, "criu check: passed"))
                        return vz_fail(m->e, VZ_MIG_E_NOVZ, -ENOTSUP,
                                       "checkpointing does not work on %s: %s", m->o->dest,
                                       last_line(rout && *rout ? rout : err));
        }
        return 0;
}

/* ------------------------------------------------------------ steps */

static int rsync_dir(struct mig *m, const char *src, const char *dst)
{
        _cleanup_strv_free_ char **argv = NULL, **extra = NULL;
        _cleanup_free_ char *from = vz_strdupf("%s/", src), *to = NULL, *err = NULL;
        int r;

        to = vz_strdupf("%s:%s/", m->dest, dst);
        if (!from || !to ||
            vz_strv_split(m->o->rsync_opts ? m->o->rsync_opts : "", " \t", &extra) < 0)
                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        {
                /* --sparse: holes stay holes (image files, sparse files
                 * inside a simfs CT), as OpenVZ did for simfs. */
                const char *base[] = {"rsync",         "-aHAX",    "--delete",
                                      "--numeric-ids", "--sparse", NULL};
                for (size_t i = 0; base[i]; i++)
                        if (vz_strv_push(&argv, base[i]) < 0)
                                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        if (m->o->verbose > 1 && vz_strv_push(&argv, "-v") < 0)
                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        for (size_t i = 0; extra[i]; i++)
                if (vz_strv_push(&argv, extra[i]) < 0)
                        return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (vz_strv_push(&argv, "-e") < 0 || vz_strv_push(&argv, m->rsh) < 0 ||
            vz_strv_push(&argv, from) < 0 || vz_strv_push(&argv, to) < 0)
                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = run(argv, NULL, 0, NULL, &err);
        /* 24: some files vanished while copying a running CT; the pass
         * made with the CT stopped or frozen catches up. */
        if (r == 0 || r == 24)
                return 0;
        return vz_fail(m->e, VZ_MIG_E_COPY, -EIO, "copying %s to %s:%s failed (rsync exit %d): %s",
                       src, m->o->dest, dst, r, last_line(err));
}

static int make_dst_dirs(struct mig *m)
{
        _cleanup_free_ char *qp = sq(m->r_private), *qr = sq(m->r_root), *err = NULL;
        int r;

        if (!qp || !qr)
                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        m->dst_dirs = true;
        if (streq(layout(m), "btrfs"))
                r = remotef(m, &err,
                            "mkdir -p \"$(dirname %s)\" %s && "
                            "{ [ -e %s ] || btrfs -q subvolume create %s; }",
                            qp, qr, qp, qp);
        else
                r = remotef(m, &err, "mkdir -p %s %s && chmod 700 \"$(dirname %s)\"", qp, qr, qp);
        if (r != 0)
                return vz_fail(m->e, streq(layout(m), "btrfs") ? VZ_MIG_E_LAYOUT : VZ_MIG_E_COPY,
                               -EIO, "cannot create %s on %s: %s", m->r_private, m->o->dest,
                               last_line(err));
        return 0;
}

/* The CT's config as the destination should have it, and its action
 * scripts, placed in one step (the CT appears there all at once). */
static int send_config(struct mig *m)
{
        _cleanup_free_ char *text = NULL, *script = NULL, *qc = NULL, *qname = NULL, *err = NULL;
        const char *name = vz_conffile_get(m->ct->conf, "NAME");
        vz_conffile *conf = NULL;
        size_t len = 0;
        int r;

        /* The file as it is on disk now, with the destination's paths. */
        r = vz_conffile_load(m->ct->conf_path, &conf, m->e);
        if (r < 0)
                return vz_fail_replace(m->e, VZ_MIG_E_COPY, r, "cannot read %s: %s",
                                       m->ct->conf_path, m->e->msg);
        if (m->new_ids) {
                (void)vz_conffile_unset(conf, "LOCAL_UID");
                (void)vz_conffile_unset(conf, "LOCAL_GID");
        }
        if (vz_conffile_set(conf, "VE_PRIVATE", m->r_private) < 0 ||
            vz_conffile_set(conf, "VE_ROOT", m->r_root) < 0 ||
            !(text = vz_conffile_serialize(conf, &len))) {
                vz_conffile_free(conf);
                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        vz_conffile_free(conf);
        qc = sq(m->r_confdir);
        qname = sq(isempty(name) ? "" : name);
        if (!qc || !qname)
                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        script = vz_strdupf("c=%s; f=\"$c/conf/%u.conf\"; "
                            "[ -e \"$f\" ] && { echo \"CT %u appeared on the destination\" >&2; "
                            "exit 9; }; "
                            "cat > \"$f.migrating\" && mv \"$f.migrating\" \"$f\" || exit 6; "
                            "n=%s; [ -z \"$n\" ] || ln -s \"$f\" \"$c/names/$n\" || exit 15",
                            qc, m->id, m->id, qname);
        if (!script)
                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = remote(m, script, text, len, NULL, &err);
        if (r == 6 || r == 15)
                m->dst_conf = true;
        else if (r == 0)
                m->dst_conf = true;
        if (r != 0)
                return vz_fail(m->e,
                               r == 9    ? VZ_MIG_E_EXISTS
                               : r == 15 ? VZ_MIG_E_APPLY_CONFIG
                                         : VZ_MIG_E_COPY,
                               -EIO, "cannot place the config on %s: %s", m->o->dest,
                               r < 0 ? strerror(-r) : last_line(err));
        /* Per-CT action scripts (CTID.mount, .start, ...), as OpenVZ. */
        {
                static const char *const ext[] = {"mount", "umount", "premount", "postumount",
                                                  "start", "stop",   NULL};
                for (size_t i = 0; ext[i]; i++) {
                        _cleanup_free_ char *p =
                            vz_strdupf("%s/conf/%u.%s", m->ctx->confdir, m->id, ext[i]);
                        _cleanup_free_ char *buf = NULL, *s = NULL, *e2 = NULL;
                        size_t blen = 0;
                        if (!p || vz_read_file(p, 1 << 20, &buf, &blen) < 0)
                                continue;
                        s = vz_strdupf("cat > %s/conf/%u.%s && chmod 755 %s/conf/%u.%s", qc, m->id,
                                       ext[i], qc, m->id, ext[i]);
                        if (!s || remote(m, s, buf, blen, NULL, &e2) != 0)
                                return vz_fail(m->e, VZ_MIG_E_COPY, -EIO,
                                               "cannot copy %s to %s: %s", p, m->o->dest,
                                               last_line(e2));
                }
        }
        return 0;
}

/* Undo on the destination: whatever runs there of the CT goes, then its
 * files. */
static void undo_dst(struct mig *m)
{
        _cleanup_free_ char *qc = NULL, *qp = NULL, *qr = NULL, *qd = NULL, *err = NULL;
        bool rm_private = m->dst_dirs && !m->o->keep_dst;

        if (!m->dst_conf && !rm_private && !m->dst_dump)
                return;
        qc = sq(m->r_confdir ? m->r_confdir : "");
        qp = sq(m->r_private ? m->r_private : "");
        qr = sq(m->r_root ? m->r_root : "");
        qd = sq(m->r_dumpdir ? m->r_dumpdir : "");
        if (!qc || !qp || !qr || !qd)
                return;
        vz_info("Removing what was copied to %s", m->o->dest);
        (void)remotef(m, &err,
                      "c=%s; f=\"$c/conf/%u.conf\"; "
                      "if [ %d = 1 ] && [ -e \"$f\" ]; then "
                      "vzctl stop %u --fast >/dev/null 2>&1; vzctl umount %u >/dev/null 2>&1; "
                      "for n in \"$c\"/names/*; do [ \"$(readlink \"$n\")\" = \"$f\" ] && "
                      "rm -f \"$n\"; done; "
                      "rm -f \"$f\" \"$f.migrating\" \"$c/conf/%u\".*; fi; "
                      "[ %d = 1 ] && rm -rf %s/tmp-dump.%u; "
                      "if [ %d = 1 ]; then "
                      "if command -v btrfs >/dev/null 2>&1 && btrfs -q subvolume show %s "
                      ">/dev/null 2>&1; then btrfs -q subvolume delete %s; else rm -rf %s; fi; "
                      "rmdir %s 2>/dev/null; fi; true",
                      qc, m->id, m->dst_conf ? 1 : 0, m->id, m->id, m->id, m->dst_dump ? 1 : 0, qd,
                      m->id, rm_private ? 1 : 0, qp, qp, qp, qr);
}

/* Undo on the source: the CT runs again here if it ran before. */
static void undo_src(struct mig *m)
{
        vz_err e2 = {0};

        if (m->src_frozen) {
                vz_info("Resuming the CT on the source");
                if (vz_ct_chkpnt(m->ct, VZ_CHKPNT_RESUME, NULL, &e2) == 0)
                        m->src_frozen = false;
                else
                        vz_warn("cannot resume CT %u: %s", m->id, e2.msg);
                vz_err_clear(&e2);
        }
        if (m->src_dumped) {
                vz_cpt_opts co = {.dumpfile = m->dumpdir};
                vz_info("Restoring the CT on the source");
                if (vz_ct_restore(m->ct, VZ_RESTORE_FULL, &co, &e2) == 0)
                        m->src_dumped = false;
                else
                        vz_warn("cannot restore CT %u here: %s", m->id, e2.msg);
                vz_err_clear(&e2);
        }
        if (m->src_stopped) {
                _cleanup_ct_ vz_ct *fresh = NULL;
                vz_info("Starting the CT again on the source");
                if (vz_ct_open(m->ctx, m->id, &fresh, &e2) == 0 &&
                    vz_ct_start(fresh, 0, 0, &e2) == 0)
                        m->src_stopped = false;
                else
                        vz_warn("cannot start CT %u again: %s", m->id, e2.msg);
        }
}

/* After success: nothing of the CT stays here (or the .migrated config
 * with -r no). */
static int finish_src(struct mig *m)
{
        _cleanup_ct_ vz_ct *fresh = NULL;
        vz_err e2 = {0};
        int r;

        if (m->dumpdir) {
                static const char *const logs[] = {"dump", "restore", NULL};
                (void)vz_rm_rf(m->dumpdir);
                for (size_t i = 0; logs[i]; i++) {
                        _cleanup_free_ char *l = vz_strdupf("%s.%s.log", m->dumpdir, logs[i]);
                        if (l)
                                (void)unlink(l);
                }
        }
        r = vz_ct_open(m->ctx, m->id, &fresh, &e2);
        if (r < 0) {
                vz_warn("CT %u: %s", m->id, e2.msg);
                return 0;
        }
        (void)vz_ct_umount(fresh, NULL);
        if (m->o->keep_src) {
                _cleanup_free_ char *to = vz_strdupf("%s.migrated", fresh->conf_path);
                if (!to || rename(fresh->conf_path, to) < 0)
                        vz_warn("cannot rename %s: %s", fresh->conf_path, strerror(errno));
                vz_name_unregister_ct(m->ctx, m->id);
        } else {
                _cleanup_free_ char *dead = vz_strdupf("%s.destroyed", fresh->conf_path);
                vz_info("Removing the CT on the source");
                if (vz_ct_destroy(fresh, &e2) < 0)
                        vz_warn("cannot remove CT %u here: %s", m->id, e2.msg);
                else if (dead)
                        (void)unlink(dead);
        }
        return 0;
}

/* ------------------------------------------------------------ modes */

static int migrate_offline(struct mig *m)
{
        _cleanup_free_ char *err = NULL;
        vz_err e2 = {0};
        int r;

        r = rsync_dir(m, m->ct->private_path, m->r_private);
        if (r < 0)
                return r;
        phase_end(m, m->was_running ? "first sync" : "sync");
        /* The config goes there before the stop: one step less while the
         * CT runs nowhere (undone like the rest on failure). */
        r = send_config(m);
        if (r < 0)
                return r;
        phase_end(m, "config");
        if (m->was_running || m->was_mounted) {
                clock_gettime(CLOCK_MONOTONIC, &m->tfrozen);
                if (m->was_running) {
                        vz_info("Stopping the CT");
                        r = vz_ct_stop(m->ct, 0, &e2);
                        if (r < 0)
                                return vz_fail(m->e, VZ_MIG_E_STOP, r, "cannot stop CT %u: %s",
                                               m->id, e2.msg);
                        m->src_stopped = true;
                } else if ((r = vz_ct_umount(m->ct, &e2)) < 0)
                        return vz_fail(m->e, VZ_MIG_E_STOP, r, "cannot unmount CT %u: %s", m->id,
                                       e2.msg);
                phase_end(m, "stop");
                r = rsync_dir(m, m->ct->private_path, m->r_private);
                if (r < 0)
                        return r;
                phase_end(m, "final sync");
        }
        if (m->was_running || m->was_mounted) {
                const char *what = m->was_running ? "start" : "mount";
                vz_info("%s the CT on %s", m->was_running ? "Starting" : "Mounting", m->o->dest);
                r = remotef(m, &err, "vzctl %s %u", what, m->id);
                if (r != 0)
                        return vz_fail(m->e, VZ_MIG_E_START, -EIO, "cannot %s CT %u on %s: %s",
                                       what, m->id, m->o->dest, last_line(err));
                phase_end(m, what);
                if (m->o->phase)
                        m->o->phase("frozen", now_sec() - ts_sec(&m->tfrozen), m->o->userdata);
        }
        return 0;
}

static int migrate_live(struct mig *m)
{
        _cleanup_free_ char *err = NULL, *qd = NULL, *rdump = NULL, *script = NULL;
        vz_cpt_opts co = {0};
        vz_err e2 = {0};
        int r, tar_st;

        m->dumpdir = vz_strdupf("%s/tmp-dump.%u", vz_ct_get(m->ct, "DUMPDIR"), m->id);
        rdump = vz_strdupf("%s/tmp-dump.%u", m->r_dumpdir, m->id);
        if (!m->dumpdir || !rdump || !(qd = sq(rdump)))
                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        co.dumpfile = m->dumpdir;
        r = rsync_dir(m, m->ct->private_path, m->r_private);
        if (r < 0)
                return r;
        phase_end(m, "first sync");
        /* Everything that can be done while the CT runs is done before the
         * freeze: the config is placed there now (undone on failure). */
        r = send_config(m);
        if (r < 0)
                return r;
        phase_end(m, "config");

        /* The kernel here has no soft-dirty tracking, so no iterative
         * pre-dump: freeze, dump everything, copy, restore. A full
         * checkpoint (the CT ends here once dumped): a dump of a CT frozen
         * beforehand records its cgroup as frozen and the restore would
         * stay frozen. Undo restores it here from the same dump. */
        vz_info("Checkpointing the CT");
        clock_gettime(CLOCK_MONOTONIC, &m->tfrozen);
        (void)vz_rm_rf(m->dumpdir);
        r = vz_ct_chkpnt(m->ct, VZ_CHKPNT_FULL, &co, &e2);
        if (r < 0)
                return vz_fail(m->e, VZ_MIG_E_STOP, r, "cannot checkpoint CT %u: %s", m->id,
                               e2.msg);
        m->src_dumped = true;
        phase_end(m, "dump");
        /* The CT's filesystem as its frozen processes left it (rsync reads
         * through the page cache: no sync needed). */
        r = rsync_dir(m, m->ct->private_path, m->r_private);
        if (r < 0)
                return r;
        phase_end(m, "final sync");
        /* One session: the dump arrives as a tar stream and is restored
         * at once; criu's logs of a successful run go with it. */
        m->dst_dump = true;
        vz_info("Restoring the CT on %s", m->o->dest);
        script = vz_strdupf("d=%s; rm -rf \"$d\" && mkdir -p \"$d\" && "
                            "tar -C \"$d\" --numeric-owner -xf - || exit 100; "
                            "vzctl restore %u --dumpfile=\"$d\" || exit 101; "
                            "rm -f \"$d\".*.log; exit 0",
                            qd, m->id);
        if (!script)
                return vz_fail(m->e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = remote_tar(m, m->dumpdir, script, &err, &tar_st);
        if (r < 0 || r == 100 || (r != 0 && r != 101 && tar_st != 0))
                return vz_fail(m->e, VZ_MIG_E_COPY, -EIO, "copying the dump to %s:%s failed: %s",
                               m->o->dest, rdump, r < 0 ? strerror(-r) : last_line(err));
        if (r != 0)
                return vz_fail(m->e, VZ_MIG_E_START, -EIO, "cannot restore CT %u on %s: %s", m->id,
                               m->o->dest, last_line(err));
        phase_end(m, "restore");
        if (m->o->phase)
                m->o->phase("frozen", now_sec() - ts_sec(&m->tfrozen), m->o->userdata);
        /* It runs there now (the restore used up the dump there). */
        m->dst_dump = false;
        m->src_dumped = false;
        return 0;
}

/* ------------------------------------------------------------ entry */

/* Everything a migration holds, freed whichever way it ends. */
static void mig_done(struct mig *m)
{
        vz_ct_free(m->ct);
        close_ssh(m);
        vz_strv_free(m->ssh);
        free(m->rsh);
        free(m->dest);
        free(m->r_confdir);
        free(m->r_private);
        free(m->r_root);
        free(m->r_dumpdir);
        free(m->dumpdir);
}

_public_ int vz_migrate(vz_ctx *ctx, const char *id_or_name, const vz_migrate_opts *o, vz_err *e)
{
        /* Released last (cleanups run in reverse order). */
        _cleanup_lock_ vz_lock *lock = NULL;
        _cleanup_(mig_done) struct mig m = {.ctx = ctx, .o = o, .e = e};
        vz_ct_state st;
        vz_err e2 = {0};
        int r;

        clock_gettime(CLOCK_MONOTONIC, &m.t0);
        m.tphase = m.t0;
        if (isempty(o->dest))
                return vz_fail(e, VZ_MIG_E_USAGE, -EINVAL, "no destination given");
        if (vz_ct_resolve(ctx, id_or_name, &m.id, &e2) < 0)
                return vz_fail(e, VZ_MIG_E_NOEXIST, -ENOENT, "CT %s does not exist", id_or_name);
        r = vz_lock_ct(ctx, m.id, 0, &lock, &e2);
        if (r < 0)
                return vz_fail(e, VZ_MIG_E_LOCKED, r, "CT %u is locked: %s", m.id, e2.msg);
        r = vz_ct_open(ctx, m.id, &m.ct, &e2);
        if (r < 0)
                return vz_fail(e, VZ_MIG_E_NOEXIST, r, "CT %u: %s", m.id, e2.msg);
        vz_ct_get_state(m.ct, &st, NULL);
        if (!st.exists || !m.ct->private_path)
                return vz_fail(e, VZ_MIG_E_NOEXIST, -ENOENT, "CT %u does not exist", m.id);
        if (o->live && !st.running)
                return vz_fail(e, VZ_MIG_E_STOPPED, -EINVAL,
                               "CT %u is not running: live migration needs a running CT", m.id);
        m.was_running = st.running;
        m.was_mounted = st.mounted && !st.running;
        r = build_ssh(&m);
        if (r < 0)
                return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        r = preflight(&m);
        if (r < 0)
                return r;
        phase_end(&m, "check");
        if (o->check_only)
                return 0;
        vz_info("Copying CT %u to %s:%s", m.id, o->dest, m.r_private);
        r = make_dst_dirs(&m);
        if (r >= 0)
                r = o->live ? migrate_live(&m) : migrate_offline(&m);
        if (r < 0) {
                undo_dst(&m);
                undo_src(&m);
                return r;
        }
        finish_src(&m);
        phase_end(&m, "cleanup");
        if (o->phase)
                o->phase("total", now_sec() - ts_sec(&m.t0), o->userdata);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OpenVZ's /proc files, in OpenVZ's exact formats (OPENVZ.md 3.3, 4.2):
 * user_beancounters, bc/resources, bc/CTID/resources, vz/veinfo and
 * vz/vestat, computed from the CTs' cgroups.
 *
 * They cannot be under /proc: procfs files are made by the kernel only
 * (create, mkdir and mknod fail with ENOENT), a bind mount needs an
 * existing target, and procfs cannot be an overlayfs layer (since Linux
 * 4.8 it sets s_stack_depth to FILESYSTEM_MAX_STACK_DEPTH, so overlayfs
 * refuses it: "maximum fs stacking depth exceeded"). So vz serves them
 * under paths of its own that mirror /proc:
 *
 * - on the host, VZ_RUNDIR/proc/ (default /run/vz/proc/): a small FUSE
 *   filesystem of our own (the raw /dev/fuse protocol, no libfuse), served
 *   by `vz-supervisor --procfs` (one per host, started by vzctl start like
 *   lxcfs, see vz_procfs_ensure); each open computes the file afresh, so
 *   every reader sees the values of that moment, as with procfs;
 * - inside a CT, /dev/.vz/ (user_beancounters, vz/veinfo, vz/vestat: the
 *   CT's own lines only, as OpenVZ showed them inside): plain files the
 *   CT's supervisor rewrites when they are opened (supervisor.c), from
 *   vz_procvz_ct().
 *
 * What the kernel does not count is not invented: vestat's nice, idle,
 * strv, maxlat, totlat and numsched are 0; the host's own beancounter (0:)
 * and VE0's veinfo line are not shown (vz has no beancounter for the host).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "err.h"
#include "log.h"
#include "procvz.h"
#include "runtime.h"
#include "ubc.h"
#include "util.h"

#define FUSE_SUPER_MAGIC 0x65735546

/* ------------------------------------------------------------------ formats */

static void bc_rows(FILE *f, unsigned ctid, const vz_ubc *u, bool uid)
{
        char id[16];
        bool first = true;

        snprintf(id, sizeof(id), "%u", ctid);
        /* Kernel ID order: the compatibility rows without the dummy ones,
         * then swappages (kernel/bc/proc.c __show_resources). */
        for (size_t i = 0; i < VZ_UBC_COUNT; i++) {
                fprintf(f,
                        "%10s%c %-12s %20" PRIu64 " %20" PRIu64 " %20" PRIu64 " %20" PRIu64
                        " %20" PRIu64 "\n",
                        uid && first ? id : "", uid && first ? ':' : ' ', u[i].name,
                        (uint64_t)(u[i].held < 0 ? 0 : u[i].held),
                        (uint64_t)(u[i].maxheld < 0 ? 0 : u[i].maxheld),
                        (uint64_t)(u[i].barrier < 0 ? 0 : u[i].barrier),
                        (uint64_t)(u[i].limit < 0 ? 0 : u[i].limit),
                        (uint64_t)(u[i].failcnt < 0 ? 0 : u[i].failcnt));
                first = false;
        }
}

static bool key_value(const char *text, const char *key, uint64_t *ret)
{
        size_t l = strlen(key);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, key, l) == 0 && p[l] == ' ') {
                        *ret = strtoull(p + l + 1, NULL, 10);
                        return true;
                }
        return false;
}

/* CPU time of the CT's cgroup: user and system in clock ticks, all of it
 * in ns (v1 cpuacct.stat/usage, v2 cpu.stat). */
static void cpu_times(vz_cgroup *cg, uint64_t *user, uint64_t *sys, uint64_t *used_ns)
{
        _cleanup_free_ char *v = NULL;
        long hz = sysconf(_SC_CLK_TCK);
        uint64_t x;

        *user = *sys = *used_ns = 0;
        if (vz_cgroup_controller_v2(cg, "cpu")) {
                if (vz_cgroup_read(cg, "cpu", "cpu.stat", &v) < 0)
                        return;
                if (key_value(v, "user_usec", &x))
                        *user = x * (uint64_t)hz / 1000000;
                if (key_value(v, "system_usec", &x))
                        *sys = x * (uint64_t)hz / 1000000;
                if (key_value(v, "usage_usec", &x))
                        *used_ns = x * 1000;
                return;
        }
        if (vz_cgroup_read(cg, "cpuacct", "cpuacct.stat", &v) == 0) {
                key_value(v, "user", user);
                key_value(v, "system", sys);
        }
        free(v);
        v = NULL;
        if (vz_cgroup_read(cg, "cpuacct", "cpuacct.usage", &v) == 0)
                *used_ns = strtoull(v, NULL, 10);
}

static void veinfo_line(FILE *f, vz_ct *ct)
{
        _cleanup_free_ char *ips = NULL;
        vz_ct_stats st;
        char *v[64];
        size_t n = 0;

        if (vz_ct_get_stats_of(ct, VZ_STATS_PROCS, &st, NULL) < 0 || st.numproc < 0)
                st.numproc = 0;
        fprintf(f, "%10u %5u %5u", vz_ct_id(ct), 0U, (unsigned)st.numproc);
        if (vz_ct_get_ips(ct, &ips, NULL) == 0 && ips)
                for (char *save = NULL, *t = strtok_r(ips, " ", &save); t && n < ELEMENTSOF(v);
                     t = strtok_r(NULL, " ", &save))
                        v[n++] = t;
        /* The kernel keeps the newest address first (vzlist reverses). */
        while (n > 0)
                fprintf(f, " %15s", v[--n]);
        fputc('\n', f);
}

#define VESTAT_WIDTH (12 * 21)

static void vestat_header(FILE *f)
{
        fprintf(f, "%-*s\n", VESTAT_WIDTH - 1, "Version: 2.2");
        fprintf(f, "%20s %20s %20s %20s %20s %20s %20s %20s %20s %20s %20s %20s\n", "VEID", "user",
                "nice", "system", "uptime", "idle", "strv", "uptime", "used", "maxlat", "totlat",
                "numsched");
}

static void vestat_line(FILE *f, vz_ct *ct, vz_cgroup *cg)
{
        uint64_t user, sys, used, up_ticks = 0, up_ns = 0;
        vz_ct_stats st;

        cpu_times(cg, &user, &sys, &used);
        if (vz_ct_get_stats_of(ct, VZ_STATS_PROCS, &st, NULL) == 0 && st.uptime > 0) {
                up_ticks = (uint64_t)(st.uptime * (double)sysconf(_SC_CLK_TCK));
                up_ns = (uint64_t)(st.uptime * 1e9);
        }
        fprintf(f,
                "%20u %20" PRIu64 " %20" PRIu64 " %20" PRIu64 " %20" PRIu64 " %20" PRIu64
                " %20" PRIu64 " %20" PRIu64 " %20" PRIu64 " %20" PRIu64 " %20" PRIu64 " %20" PRIu64
                "\n",
                vz_ct_id(ct), user, (uint64_t)0, sys, up_ticks, (uint64_t)0, (uint64_t)0, up_ns,
                used, (uint64_t)0, (uint64_t)0, (uint64_t)0);
}

int vz_procvz_ct(vz_ct *ct, vz_cgroup *cg, const char *what, char **ret, size_t *ret_len)
{
        vz_ubc u[VZ_UBC_COUNT];
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return -ENOMEM;
        if (streq(what, "vz/veinfo"))
                veinfo_line(f, ct);
        else if (streq(what, "vz/vestat")) {
                vestat_header(f);
                vestat_line(f, ct, cg);
        } else if (streq(what, "user_beancounters")) {
                char b[4096];
                int n;
                vz_ubc_compute(ct, cg, u);
                n = vz_ubc_format_raw(b, sizeof(b), true, vz_ct_id(ct), u, VZ_UBC_COUNT);
                if (n > 0)
                        fwrite(b, 1, (size_t)n, f);
        } else if (streq(what, "bc/resources")) {
                vz_ubc_compute(ct, cg, u);
                bc_rows(f, vz_ct_id(ct), u, false);
        } else {
                fclose(f);
                free(buf);
                return -ENOENT;
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_len = len;
        return 0;
}

/* The running CTs, each opened with its cgroup; the caller frees. */
struct running {
        vz_ct *ct;
        vz_cgroup *cg;
};

static size_t list_running(vz_ctx *ctx, struct running **ret)
{
        _cleanup_free_ unsigned *ids = NULL;
        struct running *r = NULL;
        size_t n = 0, k = 0;

        *ret = NULL;
        if (vz_ct_list_ids(ctx, &ids, &n, NULL) < 0 || n == 0)
                return 0;
        r = calloc(n, sizeof(*r));
        if (!r)
                return 0;
        for (size_t i = 0; i < n; i++) {
                vz_ct *ct = NULL;
                vz_cgroup *cg = NULL;
                if (vz_ct_open(ctx, ids[i], &ct, NULL) < 0)
                        continue;
                if (!vz_ct_is_running(ct) || vz_ct_cgroup_open(ct, &cg, NULL) < 0) {
                        vz_ct_free(ct);
                        continue;
                }
                r[k++] = (struct running){ct, cg};
        }
        *ret = r;
        return k;
}

static void free_running(struct running *r, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                vz_cgroup_free(r[i].cg);
                vz_ct_free(r[i].ct);
        }
        free(r);
}

/* "bc/<id>" or "bc/<id>/resources": the id, else 0. */
static unsigned bc_id(const char *path, const char **rest)
{
        unsigned id;
        char *end;

        if (!vz_startswith(path, "bc/") || path[3] < '1' || path[3] > '9')
                return 0;
        errno = 0;
        id = (unsigned)strtoul(path + 3, &end, 10);
        if (errno || (*end && *end != '/'))
                return 0;
        *rest = end;
        return id;
}

int vz_procvz_host(vz_ctx *ctx, const char *path, char **ret, size_t *ret_len)
{
        struct running *r;
        size_t n = list_running(ctx, &r);
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        const char *rest = NULL;
        unsigned id = bc_id(path, &rest);
        int rc = 0;

        if (!f) {
                free_running(r, n);
                return -ENOMEM;
        }
        if (streq(path, "user_beancounters")) {
                for (size_t i = 0; i < n; i++) {
                        vz_ubc u[VZ_UBC_COUNT];
                        char b[4096];
                        int l;
                        vz_ubc_compute(r[i].ct, r[i].cg, u);
                        l = vz_ubc_format_raw(b, sizeof(b), i == 0, vz_ct_id(r[i].ct), u,
                                              VZ_UBC_COUNT);
                        if (l > 0)
                                fwrite(b, 1, (size_t)l, f);
                }
                /* No CT running: the header lines only. */
                if (n == 0) {
                        char b[256];
                        int l = vz_ubc_format_raw(b, sizeof(b), true, 0, NULL, 0);
                        if (l > 0)
                                fwrite(b, 1, (size_t)l, f);
                }
        } else if (streq(path, "bc/resources")) {
                for (size_t i = 0; i < n; i++) {
                        vz_ubc u[VZ_UBC_COUNT];
                        vz_ubc_compute(r[i].ct, r[i].cg, u);
                        bc_rows(f, vz_ct_id(r[i].ct), u, true);
                }
        } else if (streq(path, "vz/veinfo")) {
                for (size_t i = 0; i < n; i++)
                        veinfo_line(f, r[i].ct);
        } else if (streq(path, "vz/vestat")) {
                vestat_header(f);
                for (size_t i = 0; i < n; i++)
                        vestat_line(f, r[i].ct, r[i].cg);
        } else if (id && streq(rest, "/resources")) {
                rc = -ENOENT;
                for (size_t i = 0; i < n; i++)
                        if (vz_ct_id(r[i].ct) == id) {
                                vz_ubc u[VZ_UBC_COUNT];
                                vz_ubc_compute(r[i].ct, r[i].cg, u);
                                bc_rows(f, id, u, false);
                                rc = 0;
                        }
        } else
                rc = -ENOENT;
        free_running(r, n);
        if (fclose(f) != 0 && rc == 0)
                rc = -ENOMEM;
        if (rc < 0) {
                free(buf);
                return rc;
        }
        *ret = buf;
        *ret_len = len;
        return 0;
}

/* ------------------------------------------------------------------ the FUSE server */

/* Inodes: fixed ones, then per-CT directories and files by CTID. */
enum { INO_ROOT = 1, INO_UBC, INO_BC, INO_BC_RES, INO_VZ, INO_VEINFO, INO_VESTAT };
#define INO_CT_DIR (1ULL << 32)
#define INO_CT_RES (2ULL << 32)

static const struct {
        uint64_t ino, parent;
        const char *name, *path;
} fixed[] = {
    {INO_UBC, INO_ROOT, "user_beancounters", "user_beancounters"},
    {INO_BC, INO_ROOT, "bc", NULL},
    {INO_VZ, INO_ROOT, "vz", NULL},
    {INO_BC_RES, INO_BC, "resources", "bc/resources"},
    {INO_VEINFO, INO_VZ, "veinfo", "vz/veinfo"},
    {INO_VESTAT, INO_VZ, "vestat", "vz/vestat"},
};

struct server {
        vz_ctx *ctx;
        int fd;
        char *files[64]; /* open files' contents, by fh */
        size_t sizes[64];
};

static bool ct_running(struct server *s, unsigned id)
{
        vz_ct *ct = NULL;
        bool r;

        if (id == 0 || vz_ct_open(s->ctx, id, &ct, NULL) < 0)
                return false;
        r = vz_ct_has_config(ct) && vz_ct_is_running(ct);
        vz_ct_free(ct);
        return r;
}

/* The inode's attributes; false if it does not exist (now). */
static bool node_attr(struct server *s, uint64_t ino, struct fuse_attr *a)
{
        bool dir;

        memset(a, 0, sizeof(*a));
        if (ino == INO_ROOT || ino == INO_BC || ino == INO_VZ)
                dir = true;
        else if (ino >= INO_UBC && ino <= INO_VESTAT)
                dir = false;
        else if ((ino >> 32) == 1 || (ino >> 32) == 2) {
                if (!ct_running(s, (unsigned)ino))
                        return false;
                dir = (ino >> 32) == 1;
        } else
                return false;
        a->ino = ino;
        /* Root only, as OpenVZ's (0400 files; directories 0555). */
        a->mode = dir ? S_IFDIR | 0555 : S_IFREG | 0400;
        a->nlink = dir ? 2 : 1;
        a->blksize = 4096;
        {
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                a->atime = a->mtime = a->ctime = (uint64_t)now.tv_sec;
        }
        return true;
}

static const char *node_path(uint64_t ino, char *buf, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (fixed[i].ino == ino)
                        return fixed[i].path;
        if ((ino >> 32) == 2) {
                snprintf(buf, len, "bc/%u/resources", (unsigned)ino);
                return buf;
        }
        return NULL;
}

static void reply(struct server *s, uint64_t unique, int err, const void *data, size_t len)
{
        struct fuse_out_header h = {
            .len = (uint32_t)(sizeof(h) + (err ? 0 : len)), .error = err, .unique = unique};
        struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)data, err ? 0 : len}};

        (void)!writev(s->fd, iov, 2);
}

static void do_lookup(struct server *s, struct fuse_in_header *in, const char *name)
{
        struct fuse_entry_out e = {0};
        uint64_t ino = 0;
        char *end;

        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (fixed[i].parent == in->nodeid && streq(fixed[i].name, name))
                        ino = fixed[i].ino;
        if (!ino && in->nodeid == INO_BC && name[0] >= '1' && name[0] <= '9') {
                unsigned long id = strtoul(name, &end, 10);
                if (!*end && id <= UINT32_MAX)
                        ino = INO_CT_DIR | id;
        }
        if (!ino && (in->nodeid >> 32) == 1 && streq(name, "resources"))
                ino = INO_CT_RES | (uint32_t)in->nodeid;
        if (!ino || !node_attr(s, ino, &e.attr)) {
                reply(s, in->unique, -ENOENT, NULL, 0);
                return;
        }
        /* No caching: CTs come and go, and the sizes are unknown. */
        e.nodeid = ino;
        e.generation = 1;
        reply(s, in->unique, 0, &e, sizeof(e));
}

static void add_dirent(char *buf, size_t *off, size_t max, uint64_t ino, uint64_t next,
                       const char *name, unsigned type, bool *full)
{
        size_t nl = strlen(name), sz = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + nl);
        struct fuse_dirent *d = (struct fuse_dirent *)(buf + *off);

        if (*full || *off + sz > max) {
                *full = true;
                return;
        }
        memset(d, 0, sz);
        d->ino = ino;
        d->off = next;
        d->namelen = (uint32_t)nl;
        d->type = type;
        memcpy(d->name, name, nl);
        *off += sz;
}

static void do_readdir(struct server *s, struct fuse_in_header *in, const struct fuse_read_in *r)
{
        char buf[8192], name[16];
        size_t off = 0, max = r->size < sizeof(buf) ? r->size : sizeof(buf);
        uint64_t idx = 0;
        bool full = false;

#define ENTRY(ino, nm, type)                                                                       \
        do {                                                                                       \
                if (idx++ >= r->offset)                                                            \
                        add_dirent(buf, &off, max, ino, idx, nm, type, &full);                     \
        } while (0)
        ENTRY(in->nodeid, ".", DT_DIR);
        ENTRY(INO_ROOT, "..", DT_DIR);
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (fixed[i].parent == in->nodeid)
                        ENTRY(fixed[i].ino, fixed[i].name, fixed[i].path ? DT_REG : DT_DIR);
        if (in->nodeid == INO_BC) {
                struct running *rr;
                size_t n = list_running(s->ctx, &rr);
                for (size_t i = 0; i < n; i++) {
                        snprintf(name, sizeof(name), "%u", vz_ct_id(rr[i].ct));
                        ENTRY(INO_CT_DIR | vz_ct_id(rr[i].ct), name, DT_DIR);
                }
                free_running(rr, n);
        }
        if ((in->nodeid >> 32) == 1)
                ENTRY(INO_CT_RES | (uint32_t)in->nodeid, "resources", DT_REG);
#undef ENTRY
        reply(s, in->unique, 0, buf, off);
}

static void do_open(struct server *s, struct fuse_in_header *in, const struct fuse_open_in *o)
{
        struct fuse_open_out out = {.open_flags = FOPEN_DIRECT_IO};
        char pb[64];
        const char *path = node_path(in->nodeid, pb, sizeof(pb));
        size_t fh;
        int r;

        if ((o->flags & O_ACCMODE) != O_RDONLY) {
                reply(s, in->unique, -EACCES, NULL, 0);
                return;
        }
        if (!path) {
                reply(s, in->unique, -ENOENT, NULL, 0);
                return;
        }
        for (fh = 0; fh < ELEMENTSOF(s->files) && s->files[fh]; fh++)
                ;
        if (fh == ELEMENTSOF(s->files)) {
                reply(s, in->unique, -ENFILE, NULL, 0);
                return;
        }
        /* The whole file now, as seq_file does on the first read. */
        r = vz_procvz_host(s->ctx, path, &s->files[fh], &s->sizes[fh]);
        if (r < 0) {
                reply(s, in->unique, r, NULL, 0);
                return;
        }
        out.fh = fh;
        reply(s, in->unique, 0, &out, sizeof(out));
}

static void do_read(struct server *s, struct fuse_in_header *in, const struct fuse_read_in *r)
{
        size_t len;

        if (r->fh >= ELEMENTSOF(s->files) || !s->files[r->fh]) {
                reply(s, in->unique, -EBADF, NULL, 0);
                return;
        }
        if (r->offset >= s->sizes[r->fh]) {
                reply(s, in->unique, 0, NULL, 0);
                return;
        }
        len = s->sizes[r->fh] - r->offset;
        if (len > r->size)
                len = r->size;
        reply(s, in->unique, 0, s->files[r->fh] + r->offset, len);
}

static int serve(struct server *s)
{
        size_t bufsize = 1 << 17;
        _cleanup_free_ char *buf = malloc(bufsize);

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(s->fd, buf, bufsize);
                struct fuse_in_header *in = (void *)buf;
                void *arg = buf + sizeof(*in);

                if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
                        continue;
                if (n < 0)
                        return errno == ENODEV ? 0 : -errno; /* unmounted */
                if ((size_t)n < sizeof(*in))
                        continue;
                switch (in->opcode) {
                case FUSE_INIT: {
                        const struct fuse_init_in *i = arg;
                        struct fuse_init_out o = {.major = FUSE_KERNEL_VERSION,
                                                  .minor = FUSE_KERNEL_MINOR_VERSION,
                                                  .max_readahead = i->max_readahead,
                                                  .max_write = 4096,
                                                  .time_gran = 1};
                        if (i->major < 7 || (i->major == 7 && i->minor < 23)) {
                                reply(s, in->unique, -EPROTO, NULL, 0);
                                return -EPROTO;
                        }
                        if (i->major == 7 && i->minor < o.minor)
                                o.minor = i->minor;
                        reply(s, in->unique, 0, &o, sizeof(o));
                        break;
                }
                case FUSE_LOOKUP:
                        buf[n - 1] = '\0';
                        do_lookup(s, in, arg);
                        break;
                case FUSE_GETATTR: {
                        struct fuse_attr_out o = {0};
                        if (node_attr(s, in->nodeid, &o.attr))
                                reply(s, in->unique, 0, &o, sizeof(o));
                        else
                                reply(s, in->unique, -ENOENT, NULL, 0);
                        break;
                }
                case FUSE_OPEN:
                        do_open(s, in, arg);
                        break;
                case FUSE_READ:
                        do_read(s, in, arg);
                        break;
                case FUSE_RELEASE: {
                        const struct fuse_release_in *r = arg;
                        if (r->fh < ELEMENTSOF(s->files)) {
                                free(s->files[r->fh]);
                                s->files[r->fh] = NULL;
                        }
                        reply(s, in->unique, 0, NULL, 0);
                        break;
                }
                case FUSE_OPENDIR: {
                        struct fuse_open_out o = {0};
                        struct fuse_attr a;
                        if (node_attr(s, in->nodeid, &a) && S_ISDIR(a.mode))
                                reply(s, in->unique, 0, &o, sizeof(o));
                        else
                                reply(s, in->unique, -ENOTDIR, NULL, 0);
                        break;
                }
                case FUSE_READDIR:
                        do_readdir(s, in, arg);
                        break;
                case FUSE_RELEASEDIR:
                        reply(s, in->unique, 0, NULL, 0);
                        break;
                case FUSE_STATFS: {
                        struct fuse_statfs_out o = {
                            .st = {.bsize = 4096, .namelen = 255, .frsize = 4096}};
                        reply(s, in->unique, 0, &o, sizeof(o));
                        break;
                }
                case FUSE_FORGET:
                case FUSE_BATCH_FORGET:
                case FUSE_INTERRUPT:
                        break; /* no reply */
                case FUSE_DESTROY:
                        reply(s, in->unique, 0, NULL, 0);
                        return 0;
                default:
                        reply(s, in->unique, -ENOSYS, NULL, 0);
                }
        }
}

static char *procfs_dir(const vz_ctx *ctx)
{
        const char *dir = vz_ctx_get(ctx, "VZ_RUNDIR");
        return vz_strdupf("%s/proc", isempty(dir) ? "/run/vz" : dir);
}

int vz_procfs_serve(vz_ctx *ctx)
{
        _cleanup_free_ char *mnt = procfs_dir(ctx), *pidf = NULL, *opts = NULL;
        struct server s = {.ctx = ctx, .fd = -1};
        int r;

        if (!mnt || !(pidf = vz_strdupf("%s.pid", mnt)))
                return -ENOMEM;
        (void)prctl(PR_SET_NAME, "vz-procfs");
        s.fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (s.fd < 0)
                return -errno;
        opts = vz_strdupf("fd=%d,rootmode=40555,user_id=0,group_id=0,allow_other,"
                          "default_permissions",
                          s.fd);
        if (!opts)
                return -ENOMEM;
        if (mount("vz-procfs", mnt, "fuse.vz-procfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
                  opts) < 0)
                return -errno;
        {
                FILE *f = fopen(pidf, "we");
                if (f) {
                        fprintf(f, "%d\n", (int)getpid());
                        fclose(f);
                }
        }
        r = serve(&s);
        (void)umount2(mnt, MNT_DETACH);
        unlink(pidf);
        return r;
}

/* A live server on mnt: a FUSE mount whose vz directory answers. */
static bool alive(const char *mnt)
{
        _cleanup_free_ char *p = vz_strdupf("%s/vz", mnt);
        struct statfs sf;
        struct stat st;

        return p && statfs(mnt, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC && stat(p, &st) == 0 &&
               S_ISDIR(st.st_mode);
}

/* The same without a FUSE request (this is on every CT's start path): the
 * pid file names a live vz-procfs and something is mounted on mnt. A dead
 * server fails the first test; its stale mount is then found by alive(). */
static bool running(const char *mnt)
{
        _cleanup_free_ char *pidf = vz_strdupf("%s.pid", mnt), *buf = NULL, *comm = NULL;
        struct statx stx;
        pid_t pid;

        if (!pidf || vz_read_file(pidf, 64, &buf, NULL) < 0 || (pid = atoi(buf)) <= 0 ||
            kill(pid, 0) < 0)
                return false;
        free(buf);
        buf = vz_strdupf("/proc/%d/comm", (int)pid);
        if (!buf || vz_read_file(buf, 64, &comm, NULL) < 0 || !vz_startswith(comm, "vz-procfs"))
                return false;
        return statx(AT_FDCWD, mnt, AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT, STATX_TYPE, &stx) == 0 &&
               (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
               (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int vz_procfs_ensure(const vz_ct *ct, const char *server_bin, vz_err *e)
{
        const char *dir = vz_ct_get(ct, "VZ_RUNDIR");
        _cleanup_free_ char *mnt = vz_strdupf("%s/proc", isempty(dir) ? "/run/vz" : dir);
        _cleanup_free_ char *lock = mnt ? vz_strdupf("%s.lock", mnt) : NULL;
        _cleanup_close_ int lfd = -1;
        struct statfs sf;
        pid_t pid;

        if (!mnt || !lock)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (running(mnt) || alive(mnt))
                return 0;
        lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lfd < 0 || flock(lfd, LOCK_EX) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot lock %s: %s", lock, strerror(errno));
        if (alive(mnt))
                return 0;
        /* A server that died leaves its mount behind (ENOTCONN). */
        if (statfs(mnt, &sf) < 0 ? errno == ENOTCONN : sf.f_type == FUSE_SUPER_MAGIC)
                (void)umount2(mnt, MNT_DETACH);
        if (mkdir(mnt, 0755) < 0 && errno != EEXIST)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot create %s: %s", mnt,
                               strerror(errno));
        pid = fork();
        if (pid < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "fork: %s", strerror(errno));
        if (pid == 0) {
                /* Detached: it serves the whole host and outlives vzctl. */
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                setsid();
                if (null >= 0) {
                        dup2(null, 0);
                        dup2(null, 1);
                        dup2(null, 2);
                }
                (void)!chdir("/");
                (void)close_range(3, ~0U, 0);
                if (fork() != 0)
                        _exit(0);
                execl(server_bin, "vz-supervisor", "--procfs", (char *)NULL);
                _exit(127);
        }
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        for (int i = 0; i < 300; i++) {
                if (alive(mnt))
                        return 0;
                nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
        }
        return vz_fail(e, VZ_E_SYSTEM, -ETIMEDOUT, "the OpenVZ /proc files did not come up on %s",
                       mnt);
}

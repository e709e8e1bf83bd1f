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
 * - on the host, VZ_RUNDIR/proc/ (default /run/vz/proc/): a small
 *   read-only FUSE filesystem (libfuse3) served by the vz-procfs program
 *   (src/supervisor/vz-procfs.c; one per host, started by vzctl start like
 *   lxcfs, see vz_procfs_ensure) from vz_procvz_host(); each open computes
 *   the file afresh, so every reader sees the values of that moment, as
 *   with procfs;
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "err.h"
#include "log.h"
#include "procvz.h"
#include "runtime.h"
#include "ubc.h"
#include "util.h"

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
                _cleanup_ct_ vz_ct *ct = NULL;
                vz_cgroup *cg = NULL;
                if (vz_ct_open(ctx, ids[i], &ct, NULL) < 0 || !vz_ct_is_running(ct) ||
                    vz_ct_cgroup_open(ct, &cg, NULL) < 0)
                        continue;
                r[k++] = (struct running){TAKE_PTR(ct), cg};
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

/* ------------------------------------------------------------------ the server */

char *vz_procfs_dir(const vz_ctx *ctx)
{
        const char *dir = vz_ctx_get(ctx, "VZ_RUNDIR");
        return vz_strdupf("%s/proc", isempty(dir) ? "/run/vz" : dir);
}

int vz_procfs_ensure(const vz_ct *ct, const char *supervisor_bin, vz_err *e)
{
        const char *dir = vz_ct_get(ct, "VZ_RUNDIR");
        const char *slash = strrchr(supervisor_bin, '/');
        _cleanup_free_ char *mnt = vz_strdupf("%s/proc", isempty(dir) ? "/run/vz" : dir);
        _cleanup_free_ char *server = NULL;

        if (!mnt)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        struct vz_fuse_server s = {.mnt = mnt,
                                   .comm = "vz-procfs",
                                   .probe = "vz",
                                   .what = "the OpenVZ /proc files",
                                   .argv = (char *const[]){"vz-procfs", NULL}};
        if (vz_fuse_server_running(&s) || vz_fuse_server_alive(&s))
                return 0;
        /* The server is its own program beside the supervisor (libexecdir,
         * or src/supervisor/ of the build tree): the supervisor, one per
         * CT, links no FUSE library. */
        server = slash ? vz_strdupf("%.*s/vz-procfs", (int)(slash - supervisor_bin), supervisor_bin)
                       : strdup("vz-procfs");
        if (!server)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (access(server, X_OK) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot run %s: %s", server,
                               strerror(errno));
        s.path = server;
        return vz_fuse_server_ensure(&s, e);
}

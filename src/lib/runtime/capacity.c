/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the capacity tools (vzsplit, vzmemcheck, vzcpucheck, vzcalc, vzpid;
 * OPENVZ.md 2.6, 5.3-5.6) need from the host and the running CTs: memory and
 * CPU totals of this host, the live CPU weight of a CT, the CT a host PID
 * belongs to, and the VSwap sample that splits this host into N CTs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "ctx.h"
#include "err.h"
#include "runtime.h"
#include "util.h"

/* OpenVZ's "CPU units" scale: the power of a CPU is its bogomips x 25
 * (vzcpucheck); a CPU without a bogomips line counts as this many units,
 * about what a 2 GHz x86 core gives. */
#define UNITS_PER_BOGOMIPS     25
#define UNITS_PER_CPU_FALLBACK 100000

/* "Key:   123 kB" from /proc/meminfo, in bytes; false if absent. */
static bool meminfo_get(const char *buf, const char *key, uint64_t *ret)
{
        size_t l = strlen(key);

        for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, key, l) == 0 && p[l] == ':') {
                        *ret = strtoull(p + l + 1, NULL, 10) * 1024;
                        return true;
                }
        return false;
}

_public_ int vz_host_get_info(vz_host_info *ret, vz_err *e)
{
        _cleanup_free_ char *mi = NULL, *ci = NULL, *th = NULL;
        vz_host_info h = {0};
        double bogo = 0;
        long n;
        int r;

        r = vz_read_file("/proc/meminfo", 1 << 20, &mi, NULL);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot read /proc/meminfo");
        if (!meminfo_get(mi, "MemTotal", &h.ram))
                return vz_fail(e, VZ_E_SYSTEM, -EINVAL, "no MemTotal in /proc/meminfo");
        meminfo_get(mi, "SwapTotal", &h.swap);
        /* Only 32-bit kernels with highmem have LowTotal: elsewhere all
         * memory is low memory. */
        if (!meminfo_get(mi, "LowTotal", &h.lowmem))
                h.lowmem = h.ram;
        if (vz_read_file("/proc/sys/kernel/threads-max", 64, &th, NULL) >= 0)
                h.threads_max = strtoull(th, NULL, 10);
        n = sysconf(_SC_NPROCESSORS_ONLN);
        h.cpus = n > 0 ? (unsigned)n : 1;
        n = sysconf(_SC_PAGESIZE);
        h.page_size = n > 0 ? n : 4096;

        /* The power of the node as OpenVZ's vzcpucheck computes it: the sum
         * of bogomips over online CPUs x 25 (x86 and arm64 have the field,
         * in any case); CPUs without it count UNITS_PER_CPU_FALLBACK. */
        if (vz_read_file("/proc/cpuinfo", 16 << 20, &ci, NULL) >= 0) {
                unsigned withb = 0;
                for (char *p = ci; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                        char *c;
                        if (strncasecmp(p, "bogomips", 8) != 0)
                                continue;
                        c = strchr(p, ':');
                        if (!c || (strchr(p, '\n') && c > strchr(p, '\n')))
                                continue;
                        bogo += strtod(c + 1, NULL);
                        withb++;
                }
                h.cpu_power = (uint64_t)(bogo * UNITS_PER_BOGOMIPS);
                if (withb < h.cpus)
                        h.cpu_power += (uint64_t)(h.cpus - withb) * UNITS_PER_CPU_FALLBACK;
        } else
                h.cpu_power = (uint64_t)h.cpus * UNITS_PER_CPU_FALLBACK;
        *ret = h;
        return 0;
}

/* Inverse of the CPUUNITS mapping of limits.c: v1 cpu.shares = units *
 * 1024 / 1000, v2 cpu.weight = units / 10. */
_public_ int vz_ct_get_cpuunits(vz_ct *ct, unsigned *ret, vz_err *e)
{
        const char *v = vz_ct_get(ct, "CPUUNITS");
        unsigned units = v ? (unsigned)strtoul(v, NULL, 10) : 0;

        if (units == 0)
                units = 1000;
        if (vz_ct_is_running(ct)) {
                _cleanup_free_ char *s = NULL;
                _cleanup_cgroup_ vz_cgroup *cg = NULL;
                int r;

                r = vz_ct_cgroup_open(ct, &cg, e);
                if (r < 0)
                        return r;
                if (vz_cgroup_controller_v2(cg, "cpu")) {
                        if (vz_cgroup_read(cg, "cpu", "cpu.weight", &s) >= 0)
                                units = (unsigned)strtoul(s, NULL, 10) * 10;
                } else if (vz_cgroup_read(cg, "cpu", "cpu.shares", &s) >= 0)
                        units = (unsigned)((strtoull(s, NULL, 10) * 1000 + 512) / 1024);
        }
        *ret = units;
        return 0;
}

/* The CT whose cgroup holds a path of /proc/<pid>/cgroup: "/<parent>/<N>"
 * followed by "/" or the end. */
static bool cgroup_path_ct(const char *path, const char *parent, unsigned *ret)
{
        size_t pl = strlen(parent);
        char *end;
        unsigned long id;

        if (path[0] != '/' || strncmp(path + 1, parent, pl) != 0 || path[1 + pl] != '/')
                return false;
        path += 2 + pl;
        if (!isdigit((unsigned char)path[0]))
                return false;
        errno = 0;
        id = strtoul(path, &end, 10);
        if (errno || (*end && *end != '/') || id == 0 || id > VZ_CTID_MAX)
                return false;
        *ret = (unsigned)id;
        return true;
}

_public_ int vz_pid_get_ct(vz_ctx *ctx, int pid, unsigned *ret_ctid, int *ret_vpid, char *name,
                           size_t namelen, vz_err *e)
{
        const char *parent = vz_ctx_get(ctx, "VZ_CGROUP");
        _cleanup_free_ char *cg = NULL, *st = NULL;
        char path[64];
        unsigned ctid = 0;
        int vpid = pid, r;

        if (isempty(parent))
                parent = "vz";
        if (pid <= 0)
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "invalid PID %d", pid);
        snprintf(path, sizeof(path), "/proc/%d/status", pid);
        r = vz_read_file(path, 1 << 20, &st, NULL);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r == -ENOENT ? -ESRCH : r, "no process %d", pid);
        snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
        r = vz_read_file(path, 1 << 20, &cg, NULL);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r == -ENOENT ? -ESRCH : r, "no process %d", pid);
        /* Lines "hierarchy-id:controllers:path"; any hierarchy will do, the
         * CT's processes are in its cgroup in all of them. */
        for (char *p = cg; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                char *c = strchr(p, ':'), *nl;
                char line[4096];
                if (c)
                        c = strchr(c + 1, ':');
                if (!c)
                        continue;
                nl = strchr(c, '\n');
                snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - c - 1 : (long)strlen(c + 1)),
                         c + 1);
                if (cgroup_path_ct(line, parent, &ctid))
                        break;
        }
        for (char *p = st; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (name && namelen && strncmp(p, "Name:", 5) == 0) {
                        const char *v = p + 5;
                        size_t l;
                        while (*v == ' ' || *v == '\t')
                                v++;
                        l = strcspn(v, "\n");
                        snprintf(name, namelen, "%.*s", (int)l, v);
                } else if (strncmp(p, "NSpid:", 6) == 0) {
                        /* The last number is the PID in the innermost
                         * namespace: the CT's own view. */
                        char *q = p + 6, *end;
                        for (;;) {
                                long v = strtol(q, &end, 10);
                                if (end == q)
                                        break;
                                vpid = (int)v;
                                q = end;
                                if (*q == '\n')
                                        break;
                        }
                }
        }
        if (ctid == 0)
                vpid = pid;
        *ret_ctid = ctid;
        if (ret_vpid)
                *ret_vpid = vpid;
        return 0;
}

/* ------------------------------------------------------------------ vzsplit */
#define SPLIT_RESERVE     (50LL << 20) /* kept for the host */
#define SPLIT_MIN_PER_CT  5542912LL    /* OpenVZ's minimum RAM + swap per CT */
#define SPLIT_DEF_DISK_KB 225280LL     /* when the filesystem cannot be read */
#define SPLIT_DEF_INODES  88000LL

static const char *const split_levels[] = {
    "Free resource distribution. Any parameters may be increased",
    "Normal resource distribution. Secondary parameters may be increased",
    "Partial resource shortage. Auxiliary parameters may be increased",
    "Overall resource shortage. Please, do not change any parameters!",
};

/* The filesystem that holds VE_PRIVATE: the global path cut at $VEID. */
static void split_disk(vz_ctx *ctx, unsigned n, int64_t *ds, int64_t *di)
{
        const char *priv = vz_ctx_get(ctx, "VE_PRIVATE");
        _cleanup_free_ char *dir = strdup(priv ? priv : "/vz/private");
        struct statvfs sv;
        char *cut;

        *ds = SPLIT_DEF_DISK_KB;
        *di = SPLIT_DEF_INODES;
        if (!dir)
                return;
        cut = strstr(dir, "$VEID");
        if (!cut)
                cut = strstr(dir, "${VEID}");
        if (cut)
                *cut = '\0';
        /* Up to the nearest existing directory. */
        while (statvfs(*dir ? dir : "/", &sv) < 0) {
                char *slash = strrchr(dir, '/');
                if (!slash)
                        return;
                *slash = '\0';
        }
        if (sv.f_bavail > 0)
                *ds = (int64_t)((uint64_t)sv.f_bavail * sv.f_frsize / 1024 / 2 / n);
        if (sv.f_favail > 0) /* btrfs has no inode limit: keep the default */
                *di = (int64_t)(sv.f_favail / 2 / n);
}

_public_ int vz_split_config(vz_ctx *ctx, unsigned n, int64_t swap_bytes, char **ret_text,
                             vz_err *e)
{
        static const char *const unl[] = {
            "KMEMSIZE",    "LOCKEDPAGES",  "PRIVVMPAGES", "SHMPAGES",  "NUMPROC",   "NUMTCPSOCK",
            "NUMFLOCK",    "NUMPTY",       "NUMSIGINFO",  "TCPSNDBUF", "TCPRCVBUF", "OTHERSOCKBUF",
            "DGRAMRCVBUF", "NUMOTHERSOCK", "DCACHESIZE",  "NUMFILE",   "NUMIPTENT",
        };
        vz_host_info h;
        int64_t total, ram_ct, swap_ct, ds, di, pages, spages, allowed;
        char *buf = NULL;
        size_t len = 0;
        FILE *f;
        int level, r;

        if (n < 1)
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "Incorrect value for number of containers");
        r = vz_host_get_info(&h, e);
        if (r < 0)
                return r;
        if (swap_bytes >= 0)
                h.swap = (uint64_t)swap_bytes;
        total = (int64_t)(h.ram + h.swap) - SPLIT_RESERVE;
        if (total / n < SPLIT_MIN_PER_CT) {
                allowed = total > 0 ? total / SPLIT_MIN_PER_CT : 0;
                return vz_fail(e, VZ_E_RESOURCE, -ENOSPC,
                               "Fatal resource shortage: on a host with %llu Mb of memory (RAM + "
                               "swap) %u containers can not be allocated; the maximum allowed "
                               "value is %lld",
                               (unsigned long long)((h.ram + h.swap) >> 20), n, (long long)allowed);
        }
        /* VSwap: PHYSPAGES is the CT's RAM, SWAPPAGES its swap. The host's
         * RAM (less the reserve) and its swap are split evenly, so N CTs made
         * from the sample together fit the host exactly. */
        ram_ct = ((int64_t)h.ram - SPLIT_RESERVE) / n;
        if (ram_ct < SPLIT_MIN_PER_CT)
                ram_ct = SPLIT_MIN_PER_CT;
        swap_ct = (int64_t)h.swap / n;
        pages = ram_ct / h.page_size;
        spages = swap_ct / h.page_size;
        total /= n;
        level = total >= (1LL << 30)     ? 0
                : total >= (256LL << 20) ? 1
                : total >= (64LL << 20)  ? 2
                                         : 3;
        split_disk(ctx, n, &ds, &di);

        f = open_memstream(&buf, &len);
        if (!f)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "out of memory");
        fprintf(f,
                "# Configuration file generated by vzsplit for %u containers\n"
                "# on a host with total amount of physical mem %llu Mb\n"
                "# low memory %llu Mb, swap size %llu Mb, Max threads %llu\n"
                "# Resource commit level %d:\n# %s\n",
                n, (unsigned long long)(h.ram >> 20), (unsigned long long)(h.lowmem >> 20),
                (unsigned long long)(h.swap >> 20), (unsigned long long)h.threads_max, level,
                split_levels[level]);
        fprintf(f, "\n# VSwap: RAM and swap of each container\n");
        fprintf(f, "PHYSPAGES=\"0:%lld\"\nSWAPPAGES=\"0:%lld\"\n", (long long)pages,
                (long long)spages);
        fprintf(f, "\n# Other beancounters are not limited in VSwap mode\n");
        for (size_t i = 0; i < sizeof(unl) / sizeof(*unl); i++) {
                fprintf(f, "%s=\"unlimited\"\n", unl[i]);
                if (!strcmp(unl[i], "PRIVVMPAGES"))
                        fprintf(f, "VMGUARPAGES=\"0:unlimited\"\nOOMGUARPAGES=\"0:unlimited\"\n");
        }
        fprintf(f, "\n# Disk quota: half of the free space of the private area's filesystem\n");
        fprintf(f, "DISKSPACE=\"%lld:%lld\"\n", (long long)(ds * 10 / 11), (long long)ds);
        fprintf(f, "DISKINODES=\"%lld:%lld\"\n", (long long)(di * 10 / 11), (long long)di);
        fprintf(f, "\nCPUUNITS=\"1000\"\n");
        if (fclose(f) != 0 || !buf) {
                free(buf);
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        *ret_text = buf;
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's memory as its own tools should see it (OpenVZ's VSwap): RAM is
 * the memory limit (PHYSPAGES), swap the swap limit (SWAPPAGES), used and
 * free from the CT's memory cgroup. Two readers: the CT's /proc/meminfo
 * (a file the supervisor rewrites at each open, bound over the CT's
 * /proc/meminfo by spawn.c; procps free, top) and sysinfo(2) (answered by
 * the supervisor for the CT's processes through a seccomp user
 * notification; busybox free, uptime).
 *
 * Why not lxcfs's /proc/meminfo: lxcfs (5.0, Debian 12) caps SwapTotal at
 * the host's swap size, so a CT with SWAPPAGES on a host without swap
 * showed no swap at all, while OpenVZ showed SWAPPAGES (its swap was
 * virtual as well: memory over PHYSPAGES was slowed down, not written out).
 * Here the swap limit is shown whatever the host has; with the swap
 * unlimited, the host's swap.
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/sysinfo.h>

#include "cgroup.h"
#include "runtime.h"
#include "util.h"

static bool num(vz_cgroup *cg, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *v = NULL;
        char *end;

        if (vz_cgroup_read(cg, "memory", file, &v) < 0)
                return false;
        if (strncmp(v, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return true;
        }
        *ret = strtoull(v, &end, 10);
        return end != v;
}

/* One "key value" of memory.stat (v1: the hierarchical total_ one). */
static uint64_t stat_key(const char *stat, bool v1, const char *key)
{
        char k[64];
        size_t l = (size_t)snprintf(k, sizeof(k), "%s%s ", v1 ? "total_" : "", key);

        for (const char *p = stat; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, k, l) == 0)
                        return strtoull(p + l, NULL, 10);
        return 0;
}

int vz_ct_mem_read(vz_cgroup *cg, vz_ct_mem *m)
{
        _cleanup_free_ char *stat = NULL;
        struct sysinfo si;
        uint64_t lim = UINT64_MAX, use = 0, swlim = UINT64_MAX, swuse = 0, host_ram, host_swap;
        bool v1 = !vz_cgroup_controller_v2(cg, "memory");

        *m = (vz_ct_mem){0};
        if (sysinfo(&si) < 0)
                return -errno;
        host_ram = (uint64_t)si.totalram * si.mem_unit;
        host_swap = (uint64_t)si.totalswap * si.mem_unit;
        if (v1) {
                uint64_t memsw = UINT64_MAX, memsw_use = 0;
                if (!num(cg, "memory.usage_in_bytes", &use))
                        return -ENOENT;
                num(cg, "memory.limit_in_bytes", &lim);
                /* memsw counts RAM + swap: the swap is the difference. */
                if (num(cg, "memory.memsw.limit_in_bytes", &memsw) && memsw < host_ram * 64 &&
                    lim < memsw)
                        swlim = memsw - lim;
                if (num(cg, "memory.memsw.usage_in_bytes", &memsw_use) && memsw_use > use)
                        swuse = memsw_use - use;
        } else {
                if (!num(cg, "memory.current", &use))
                        return -ENOENT;
                num(cg, "memory.max", &lim);
                num(cg, "memory.swap.max", &swlim);
                num(cg, "memory.swap.current", &swuse);
        }
        (void)vz_cgroup_read(cg, "memory", "memory.stat", &stat);
        /* v1 has no "max": an unlimited limit reads as a huge number. */
        m->ram_total = lim < host_ram ? lim : host_ram;
        m->ram_used = use < m->ram_total ? use : m->ram_total;
        m->cached = stat_key(stat, v1, v1 ? "cache" : "file");
        m->shmem = stat_key(stat, v1, "shmem");
        m->active_anon = stat_key(stat, v1, "active_anon");
        m->inactive_anon = stat_key(stat, v1, "inactive_anon");
        m->active_file = stat_key(stat, v1, "active_file");
        m->inactive_file = stat_key(stat, v1, "inactive_file");
        m->unevictable = stat_key(stat, v1, "unevictable");
        m->dirty = stat_key(stat, v1, v1 ? "dirty" : "file_dirty");
        m->writeback = stat_key(stat, v1, v1 ? "writeback" : "file_writeback");
        m->mapped = stat_key(stat, v1, v1 ? "mapped_file" : "file_mapped");
        if (m->cached > m->ram_used)
                m->cached = m->ram_used;
        /* The swap limit, as OpenVZ showed SWAPPAGES, even on a host
         * without swap; unlimited: the host's. */
        m->swap_total = swlim != UINT64_MAX && swlim < host_ram * 64 ? swlim : host_swap;
        m->swap_used = swuse < m->swap_total ? swuse : m->swap_total;
        return 0;
}

/* The host's /proc/meminfo with the CT's values in the lines that have
 * one (as lxcfs does; the rest stay the host's). */
int vz_ct_meminfo_format(const vz_ct_mem *m, char *buf, size_t len)
{
        _cleanup_free_ char *host = NULL;
        uint64_t free_ = m->ram_total - m->ram_used,
                 avail = free_ + (m->cached > m->shmem ? m->cached - m->shmem : 0);
        const struct {
                const char *key;
                uint64_t val;
        } rows[] = {
            {"MemTotal", m->ram_total},
            {"MemFree", free_},
            {"MemAvailable", avail < m->ram_total ? avail : m->ram_total},
            {"Buffers", 0},
            {"Cached", m->cached},
            {"SwapCached", 0},
            {"Active", m->active_anon + m->active_file},
            {"Inactive", m->inactive_anon + m->inactive_file},
            {"Active(anon)", m->active_anon},
            {"Inactive(anon)", m->inactive_anon},
            {"Active(file)", m->active_file},
            {"Inactive(file)", m->inactive_file},
            {"Unevictable", m->unevictable},
            {"SwapTotal", m->swap_total},
            {"SwapFree", m->swap_total - m->swap_used},
            {"Dirty", m->dirty},
            {"Writeback", m->writeback},
            {"AnonPages", m->active_anon + m->inactive_anon},
            {"Mapped", m->mapped},
            {"Shmem", m->shmem},
            {"Slab", 0},
            {"SReclaimable", 0},
            {"SUnreclaim", 0},
        };
        size_t n = 0;

        if (vz_read_file("/proc/meminfo", 65536, &host, NULL) < 0)
                return -EIO;
        for (char *line = host, *next; line && *line; line = next) {
                size_t klen = strcspn(line, ":");
                int w = -1;
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                        if (strlen(rows[i].key) == klen && !strncmp(line, rows[i].key, klen)) {
                                w = snprintf(buf + n, len - n, "%s:%*s%8" PRIu64 " kB\n",
                                             rows[i].key, (int)(15 - klen), "", rows[i].val / 1024);
                                break;
                        }
                if (w < 0)
                        w = snprintf(buf + n, len - n, "%s\n", line);
                if (w < 0 || (size_t)w >= len - n)
                        return -ENOBUFS;
                n += (size_t)w;
        }
        return (int)n;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Beancounters from cgroup counters, the way Virtuozzo 8/9 emulate
 * /proc/user_beancounters on stock kernels (OPENVZ.md 3.6): physpages from
 * the memory controller, swappages as memsw - mem (v1) or the swap counters
 * (v2), kmemsize from the v1 kmem counters, numproc from pids. The other
 * UBCs have no kernel counterpart: their barrier and limit come from the
 * config (with the values VSwap implies, OPENVZ.md 3.4), held is 0 and they
 * are marked not enforced.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgroup.h"
#include "config/params.h"
#include "err.h"
#include "runtime.h"
#include "ubc.h"
#include "util.h"

#define PAGE 4096LL

/* Work arrays are indexed by the kernel's resource ID; the rows, their
 * names (the option: "kmemsize") and order come from the parameter table. */
#define N_IDS (VZ_UB_SWAPPAGES + 1)
enum {
        KMEM = VZ_UB_KMEMSIZE,
        LOCKED = VZ_UB_LOCKEDPAGES,
        PRIVVM = VZ_UB_PRIVVMPAGES,
        SHM = VZ_UB_SHMPAGES,
        NUMPROC = VZ_UB_NUMPROC,
        PHYS = VZ_UB_PHYSPAGES,
        VMGUAR = VZ_UB_VMGUARPAGES,
        OOMGUAR = VZ_UB_OOMGUARPAGES,
        SWAP = VZ_UB_SWAPPAGES,
};

static bool get_num(vz_cgroup *cg, const char *controller, const char *file, int64_t *ret)
{
        _cleanup_free_ char *v = NULL;
        char *end;

        if (vz_cgroup_read(cg, controller, file, &v) < 0)
                return false;
        if (strncmp(v, "max", 3) == 0) {
                *ret = VZ_UNLIMITED;
                return true;
        }
        errno = 0;
        *ret = strtoll(v, &end, 10);
        return errno == 0 && end != v;
}

/* "key value" lines (memory.events, memory.stat, pids.events). */
static bool get_key(vz_cgroup *cg, const char *controller, const char *file, const char *key,
                    int64_t *ret)
{
        _cleanup_free_ char *v = NULL;
        size_t l = strlen(key);

        if (vz_cgroup_read(cg, controller, file, &v) < 0)
                return false;
        for (char *p = v; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, key, l) == 0 && p[l] == ' ') {
                        *ret = strtoll(p + l + 1, NULL, 10);
                        return true;
                }
        return false;
}

/* v1 reports "no limit" as PAGE_COUNTER_MAX pages in bytes
 * (9223372036854771712), v2 as "max". */
static int64_t bytes_to_pages(int64_t b)
{
        if (b == VZ_UNLIMITED || b >= (INT64_MAX / PAGE) * PAGE)
                return VZ_UNLIMITED;
        return b < 0 ? 0 : b / PAGE;
}

static void counters(vz_ubc *u, int64_t held, int64_t maxheld, int64_t failcnt)
{
        u->enforced = true;
        u->held = held < 0 ? 0 : held;
        u->maxheld = maxheld < u->held ? u->held : maxheld;
        u->failcnt = failcnt < 0 ? 0 : failcnt;
}

static void memory_v1(vz_cgroup *cg, vz_ubc *ubc)
{
        int64_t use = 0, max = 0, lim = VZ_UNLIMITED, fail = 0;
        int64_t swuse, swmax = 0, swlim, swfail = 0;

        if (get_num(cg, "memory", "memory.usage_in_bytes", &use)) {
                get_num(cg, "memory", "memory.max_usage_in_bytes", &max);
                get_num(cg, "memory", "memory.limit_in_bytes", &lim);
                get_num(cg, "memory", "memory.failcnt", &fail);
                /* Newer kernels may not count v1 failcnt; an OOM kill at the
                 * limit is a refused allocation too. */
                if (get_key(cg, "memory", "memory.oom_control", "oom_kill", &max) && max > fail)
                        fail = max;
                max = 0;
                get_num(cg, "memory", "memory.max_usage_in_bytes", &max);
                counters(&ubc[PHYS], use / PAGE, max / PAGE, fail);
                ubc[PHYS].limit = bytes_to_pages(lim);
        }
        /* memsw counts RAM + swap: swap is the difference. */
        if (get_num(cg, "memory", "memory.memsw.usage_in_bytes", &swuse)) {
                get_num(cg, "memory", "memory.memsw.max_usage_in_bytes", &swmax);
                get_num(cg, "memory", "memory.memsw.failcnt", &swfail);
                counters(&ubc[SWAP], (swuse - use) / PAGE, (swmax - max) / PAGE, swfail);
                if (get_num(cg, "memory", "memory.memsw.limit_in_bytes", &swlim))
                        ubc[SWAP].limit = bytes_to_pages(swlim) == VZ_UNLIMITED ||
                                                  bytes_to_pages(lim) == VZ_UNLIMITED
                                              ? VZ_UNLIMITED
                                              : bytes_to_pages(swlim - lim);
        }
        if (get_num(cg, "memory", "memory.kmem.usage_in_bytes", &use)) {
                max = fail = 0;
                get_num(cg, "memory", "memory.kmem.max_usage_in_bytes", &max);
                get_num(cg, "memory", "memory.kmem.failcnt", &fail);
                counters(&ubc[KMEM], use, max, fail);
                /* Since 6.1 the kernel ignores kmem limits: enforced only
                 * where the limit reads back as set. */
                if (!get_num(cg, "memory", "memory.kmem.limit_in_bytes", &lim) ||
                    bytes_to_pages(lim) == VZ_UNLIMITED)
                        ubc[KMEM].enforced = false;
                else
                        ubc[KMEM].limit = lim;
        }
        if (get_key(cg, "memory", "memory.stat", "shmem", &use))
                ubc[SHM].held = ubc[SHM].maxheld = use / PAGE;
}

static void memory_v2(vz_cgroup *cg, vz_ubc *ubc)
{
        int64_t use, max = -1, lim = VZ_UNLIMITED, fail = 0;

        if (get_num(cg, "memory", "memory.current", &use)) {
                /* memory.peak: 5.19+. "max" events: times usage hit the limit. */
                get_num(cg, "memory", "memory.peak", &max);
                get_num(cg, "memory", "memory.max", &lim);
                get_key(cg, "memory", "memory.events", "max", &fail);
                counters(&ubc[PHYS], use / PAGE, max / PAGE, fail);
                ubc[PHYS].limit = bytes_to_pages(lim);
        }
        if (get_num(cg, "memory", "memory.swap.current", &use)) {
                max = -1, lim = VZ_UNLIMITED, fail = 0;
                get_num(cg, "memory", "memory.swap.peak", &max);
                get_num(cg, "memory", "memory.swap.max", &lim);
                get_key(cg, "memory", "memory.swap.events", "max", &fail);
                counters(&ubc[SWAP], use / PAGE, max / PAGE, fail);
                ubc[SWAP].limit = bytes_to_pages(lim);
        }
        /* v2 has no kmem limit: kernel memory counts in memory.max. */
        if (get_key(cg, "memory", "memory.stat", "kernel", &use))
                ubc[KMEM].held = ubc[KMEM].maxheld = use;
        if (get_key(cg, "memory", "memory.stat", "shmem", &use))
                ubc[SHM].held = ubc[SHM].maxheld = use / PAGE;
}

static void numproc(vz_cgroup *cg, vz_ubc *u)
{
        int64_t cur, peak = -1, lim = VZ_UNLIMITED, fail = 0;

        if (!get_num(cg, "pids", "pids.current", &cur))
                return;
        get_num(cg, "pids", "pids.peak", &peak); /* 6.1+ (v1 and v2) */
        get_num(cg, "pids", "pids.max", &lim);
        get_key(cg, "pids", "pids.events", "max", &fail);
        counters(u, cur, peak, fail);
        u->limit = lim;
}

/* The values VSwap implies for unset UBCs (vzctl 4.6+, OPENVZ.md 3.4). */
static void vswap_defaults(const vz_ct *ct, vz_ubc *ubc, const bool *set)
{
        int64_t ram = ubc[PHYS].limit, swap = ubc[SWAP].limit, both;
        const char *ovc = vz_ct_get(ct, "VM_OVERCOMMIT");
        double f = ovc ? strtod(ovc, NULL) : 0;

        if (ram <= 0 || ram == VZ_UNLIMITED || ram == INT32_MAX)
                return;
        both = swap == VZ_UNLIMITED ? VZ_UNLIMITED : ram + swap;
        if (!set[LOCKED])
                ubc[LOCKED].barrier = ubc[LOCKED].limit = ram;
        if (!set[OOMGUAR])
                ubc[OOMGUAR].barrier = ram;
        if (!set[VMGUAR])
                ubc[VMGUAR].barrier = both;
        if (!set[PRIVVM] && f > 0 && both != VZ_UNLIMITED)
                ubc[PRIVVM].barrier = ubc[PRIVVM].limit = (int64_t)((double)both * f);
}

/*
 * Barrier and limit of a running CT are the ones in effect: the kernel's
 * limit (pids.max, the memory and swap limits, the v1 kmem limit where it
 * holds) wherever it has one, because a vzctl set without --save changes
 * it and not the config. The kernel has no barrier: the config's stays
 * while the limit is the config's; when they differ, the barrier of an
 * N:N pair (numproc) follows the limit, a lower one (VSwap's 0:RAM) stays,
 * and none is shown above the limit. vzubc, vzlist and the CT's own
 * /dev/.vz/user_beancounters all come from here, so they agree.
 */
static void live_barrier(vz_ubc *u, int64_t cfg_bar, int64_t cfg_lim)
{
        if (!u->enforced || u->limit == cfg_lim)
                return;
        if (cfg_bar == cfg_lim || u->barrier > u->limit)
                u->barrier = u->limit;
}

/* Barrier and limit from the config (unset: unlimited), counters reset. */
static void from_config(const vz_ct *ct, const struct vz_param *p, bool running, vz_ubc *u,
                        bool *set)
{
        const char *v = vz_ct_get(ct, p->info.name);

        *u = (vz_ubc){.name = p->info.option,
                      .id = p->ubc_id,
                      .barrier = VZ_UNLIMITED,
                      .limit = VZ_UNLIMITED};
        *set = v && vz_ubc_parse(v, p->unit, &u->barrier, &u->limit) == 0;
        if (running)
                u->held = u->maxheld = u->failcnt = 0;
        else
                u->held = u->maxheld = u->failcnt = -1;
}

void vz_ubc_compute(const vz_ct *ct, vz_cgroup *cg, vz_ubc *ret)
{
        const struct vz_param *rows[VZ_UBC_COUNT];
        bool set[N_IDS] = {false};
        int64_t cfg_bar[N_IDS], cfg_lim[N_IDS];
        vz_ubc u[N_IDS] = {{0}};
        size_t n = vz_param_ubc_rows(rows);

        for (size_t i = 0; i < n; i++)
                from_config(ct, rows[i], cg != NULL, &u[rows[i]->ubc_id], &set[rows[i]->ubc_id]);
        vswap_defaults(ct, u, set);
        if (cg) {
                for (size_t id = 0; id < N_IDS; id++) {
                        cfg_bar[id] = u[id].barrier;
                        cfg_lim[id] = u[id].limit;
                }
                if (vz_cgroup_controller_v2(cg, "memory"))
                        memory_v2(cg, u);
                else
                        memory_v1(cg, u);
                numproc(cg, &u[NUMPROC]);
                for (size_t i = 0; i < n; i++) {
                        int id = rows[i]->ubc_id;
                        live_barrier(&u[id], cfg_bar[id], cfg_lim[id]);
                }
        }
        for (size_t i = 0; i < n; i++)
                ret[i] = u[rows[i]->ubc_id];
}

_public_ int vz_ct_get_ubc(vz_ct *ct, vz_ubc *ret, size_t n, vz_err *e)
{
        vz_ubc all[VZ_UBC_COUNT];
        vz_cgroup *cg = NULL;
        int r;

        if (vz_ct_is_running(ct)) {
                r = vz_ct_cgroup_open(ct, &cg, e);
                if (r < 0)
                        return r;
        }
        vz_ubc_compute(ct, cg, all);
        vz_cgroup_free(cg);
        if (n > VZ_UBC_COUNT)
                n = VZ_UBC_COUNT;
        memcpy(ret, all, n * sizeof(*ret));
        return (int)n;
}

static uint64_t raw_value(int64_t v)
{
        return v < 0 ? 0 : (uint64_t)v;
}

_public_ int vz_ubc_format_raw(char *buf, size_t len, bool header, unsigned ctid, const vz_ubc *u,
                               size_t n)
{
        size_t off = 0;
        char id[16];
        int w;

        if (len == 0)
                return -ENOSPC;
        buf[0] = '\0';
        if (header) {
                w = snprintf(buf, len, "Version: 2.5\n%10s  %-12s %20s %20s %20s %20s %20s\n",
                             "uid", "resource", "held", "maxheld", "barrier", "limit", "failcnt");
                if (w < 0 || (size_t)w >= len)
                        return -ENOSPC;
                off = (size_t)w;
        }
        snprintf(id, sizeof(id), "%u", ctid);
        for (int rid = 0; u && rid < 24; rid++) {
                const vz_ubc *r = NULL;
                vz_ubc dummy = {
                    .name = "dummy", .id = rid, .barrier = VZ_UNLIMITED, .limit = VZ_UNLIMITED};
                for (size_t i = 0; i < n; i++)
                        if (u[i].id == rid)
                                r = &u[i];
                if (!r)
                        r = &dummy;
                w = snprintf(buf + off, len - off,
                             "%10s%c %-12s %20" PRIu64 " %20" PRIu64 " %20" PRIu64 " %20" PRIu64
                             " %20" PRIu64 "\n",
                             rid == 0 ? id : "", rid == 0 ? ':' : ' ', r->name, raw_value(r->held),
                             raw_value(r->maxheld), raw_value(r->barrier), raw_value(r->limit),
                             raw_value(r->failcnt));
                if (w < 0 || (size_t)w >= len - off)
                        return -ENOSPC;
                off += (size_t)w;
        }
        return (int)off;
}

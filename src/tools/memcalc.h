/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The memory figures vzmemcheck and vzcalc compute from a CT's beancounters
 * (OpenVZ's formulas, OPENVZ.md 5.3 and 5.5), in bytes. An unlimited value
 * commits nothing and counts as 0. A VSwap CT (PHYSPAGES limit set) commits
 * its RAM as the OOM guarantee and its RAM + swap as the allocation
 * guarantee and limit, as vzctl fills these in for VSwap (OPENVZ.md 3.4),
 * even where the config writes them as 0:unlimited (vzsplit's samples).
 */
#pragma once

#include <string.h>
#include <vz/vz.h>

struct memcalc {
        /* held (usage) */
        double kmem_net, phys, oomguar, privvm, numproc;
        /* barrier / limit (commitment) */
        double kmem_net_lim, oomguar_bar, vmguar_bar, privvm_lim, numproc_bar;
        bool running, vswap;
};

static inline const vz_ubc *memcalc_find(const vz_ubc *u, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(u[i].name, name))
                        return &u[i];
        return NULL;
}

static inline bool memcalc_unl(int64_t v)
{
        return v == VZ_UNLIMITED || v == INT32_MAX;
}

/* field: 0 held, 1 barrier, 2 limit; times unit; unlimited/unknown = 0. */
static inline double memcalc_get(const vz_ubc *u, size_t n, const char *name, int field,
                                 double unit)
{
        const vz_ubc *r = memcalc_find(u, n, name);
        int64_t v;

        if (!r)
                return 0;
        v = field == 0 ? r->held : field == 1 ? r->barrier : r->limit;
        if (v < 0 || memcalc_unl(v))
                return 0;
        return (double)v * unit;
}

static inline void memcalc_compute(const vz_ubc *u, size_t n, long page, struct memcalc *m)
{
        static const char *const net[] = {"kmemsize", "tcpsndbuf", "tcprcvbuf", "othersockbuf",
                                          "dgramrcvbuf"};
        const vz_ubc *phys = memcalc_find(u, n, "physpages");
        double pg = (double)page, ram, swap;

        memset(m, 0, sizeof(*m));
        m->running = phys && phys->held >= 0;
        for (size_t i = 0; i < 5; i++) {
                m->kmem_net += memcalc_get(u, n, net[i], 0, 1);
                m->kmem_net_lim += memcalc_get(u, n, net[i], 2, 1);
        }
        m->phys = memcalc_get(u, n, "physpages", 0, pg);
        m->oomguar = memcalc_get(u, n, "oomguarpages", 0, pg);
        m->privvm = memcalc_get(u, n, "privvmpages", 0, pg);
        m->numproc = memcalc_get(u, n, "numproc", 0, 1);
        m->oomguar_bar = memcalc_get(u, n, "oomguarpages", 1, pg);
        m->vmguar_bar = memcalc_get(u, n, "vmguarpages", 1, pg);
        m->privvm_lim = memcalc_get(u, n, "privvmpages", 2, pg);
        m->numproc_bar = memcalc_get(u, n, "numproc", 1, 1);
        m->vswap = phys && !memcalc_unl(phys->limit) && phys->limit > 0;
        if (m->vswap) {
                ram = memcalc_get(u, n, "physpages", 2, pg);
                swap = memcalc_get(u, n, "swappages", 2, pg);
                /* The OOM guarantee's "held" is RAM + swap in use. */
                if (m->oomguar == 0)
                        m->oomguar = m->phys + memcalc_get(u, n, "swappages", 0, pg);
                if (m->oomguar_bar < ram)
                        m->oomguar_bar = ram;
                if (m->vmguar_bar < ram + swap)
                        m->vmguar_bar = ram + swap;
                if (m->privvm_lim == 0)
                        m->privvm_lim = ram + swap;
                if (m->privvm == 0)
                        m->privvm = m->phys + memcalc_get(u, n, "swappages", 0, pg);
        }
}

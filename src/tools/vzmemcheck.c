/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzmemcheck [-v] [-A]: memory utilisation and commitment of this host by
 * its running CTs (OPENVZ.md 5.3), OpenVZ's columns and formulas (see
 * memcalc.h), from the CTs' beancounters (live cgroup counters) and the
 * host's /proc/meminfo.
 */
#include <stdio.h>
#include <stdlib.h>

#include "capacity.h"
#include "memcalc.h"

struct row {
        double lm_u, lm_c, ram_u, ms_u, ms_c, al_u, al_c, al_l;
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: vzmemcheck [-v] [-A]\n"
                   "  -v  per-CT lines\n"
                   "  -A  absolute values in MB instead of percentages\n");
}

struct args {
        bool verbose, absolute;
};

static int option(int c, const char *arg, void *userdata)
{
        struct args *a = userdata;

        (void)arg;
        if (c == 'v')
                a->verbose = true;
        else
                a->absolute = true;
        return 0;
}

static void print_row(const struct row *r)
{
        printf("%7.2f %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f\n", r->lm_u, r->lm_c, r->ram_u,
               r->ms_u, r->ms_c, r->al_u, r->al_c, r->al_l);
}

/* What the host has, the denominators of the columns (1 with -A), and the
 * scale: 100 for percentages, 1/MiB for -A. */
struct host_mem {
        double lowmem, ram, ramswap, k;
};

/* The row of CT id: 1 if it runs, 0 if not, -1 after a message. */
static int ct_row(vz_ctx *ctx, unsigned id, const vz_host_info *h, const struct host_mem *d,
                  struct row *r)
{
        vz_ubc u[VZ_UBC_COUNT];
        struct memcalc m;
        vz_err e = {0};
        vz_ct *ct = NULL;
        int n;

        n = cap_open_running(ctx, id, &ct);
        if (n <= 0)
                return n;
        n = vz_ct_get_ubc(ct, u, VZ_UBC_COUNT, &e);
        vz_ct_free(ct);
        if (n < 0) {
                tool_fail(&e, "CT %u", id);
                return -1;
        }
        memcalc_compute(u, (size_t)n, h->page_size, &m);
        r->lm_u = m.kmem_net / d->lowmem * d->k;
        r->lm_c = m.kmem_net_lim / d->lowmem * d->k;
        r->ram_u = (m.phys + m.kmem_net) / d->ram * d->k;
        r->ms_u = (m.oomguar + m.kmem_net) / d->ramswap * d->k;
        r->ms_c = (m.oomguar_bar + m.kmem_net_lim) / d->ramswap * d->k;
        r->al_u = (m.privvm + m.kmem_net) / d->ramswap * d->k;
        r->al_c = (m.vmguar_bar + m.kmem_net_lim) / d->ramswap * d->k;
        r->al_l = (m.privvm_lim + m.kmem_net_lim) / d->ramswap * d->k;
        return 1;
}

static void add_row(struct row *tot, const struct row *r)
{
        tot->lm_u += r->lm_u;
        tot->lm_c += r->lm_c;
        tot->ram_u += r->ram_u;
        tot->ms_u += r->ms_u;
        tot->ms_c += r->ms_c;
        tot->al_u += r->al_u;
        tot->al_c += r->al_c;
        tot->al_l += r->al_l;
}

static void print_header(const struct args *a)
{
        printf(a->absolute ? "Output values in Mbytes\n" : "Output values in %%\n");
        if (a->verbose)
                printf("CTID       ");
        printf(" LowMem  LowMem     RAM MemSwap MemSwap   Alloc   Alloc   Alloc\n");
        if (a->verbose)
                printf("           ");
        printf("   util  commit    util    util  commit    util  commit   limit\n");
}

static void print_summary(const struct args *a, const struct row *tot, const vz_host_info *h)
{
        if (a->verbose) {
                printf(
                    "--------------------------------------------------------------------------\n");
                printf("Summary:   ");
        }
        print_row(tot);
        if (a->absolute) {
                /* The denominators: what the host has. */
                double lm = (double)h->lowmem * 0.4 / (1024 * 1024),
                       r = (double)h->ram / (1024 * 1024),
                       rs = (double)(h->ram + h->swap) / (1024 * 1024);
                struct row d = {lm, lm, r, rs, rs, rs, rs, rs};
                if (a->verbose)
                        printf("           ");
                print_row(&d);
        }
}

int main(int argc, char **argv)
{
        static const struct cap_tool tool = {"vzmemcheck", "vAh", 0, usage, option};
        struct args a = {0};
        struct row tot = {0};
        struct host_mem d;
        vz_host_info h;
        vz_ctx *ctx = NULL;
        unsigned *ids = NULL;
        size_t nids = 0;
        int rc = 0;

        if (!cap_parse_args(&tool, argc, argv, &a, &rc))
                return rc;
        if (cap_open_host(&h, &ctx))
                return 1;
        if (cap_list_cts(ctx, &ids, &nids)) {
                vz_ctx_free(ctx);
                return 1;
        }
        /* OpenVZ counts 40% of low memory as what kernel memory may use. */
        d.lowmem = (double)h.lowmem * 0.4;
        d.ram = (double)h.ram;
        d.ramswap = (double)(h.ram + h.swap);
        d.k = a.absolute ? 1.0 / (1024 * 1024) : 100;
        if (a.absolute)
                d.lowmem = d.ram = d.ramswap = 1; /* numerators only */
        print_header(&a);
        for (size_t i = 0; i < nids; i++) {
                struct row r;
                int n = ct_row(ctx, ids[i], &h, &d, &r);

                if (n < 0)
                        rc = 1;
                if (n <= 0)
                        continue;
                if (a.verbose) {
                        printf("%-10u ", ids[i]);
                        print_row(&r);
                }
                add_row(&tot, &r);
        }
        print_summary(&a, &tot, &h);
        free(ids);
        vz_ctx_free(ctx);
        return rc;
}

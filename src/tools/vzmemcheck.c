/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzmemcheck [-v] [-A]: memory utilisation and commitment of this host by
 * its running CTs (OPENVZ.md 5.3), OpenVZ's columns and formulas (see
 * memcalc.h), from the CTs' beancounters (live cgroup counters) and the
 * host's /proc/meminfo.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
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

static void print_row(const struct row *r)
{
        printf("%7.2f %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f\n", r->lm_u, r->lm_c, r->ram_u,
               r->ms_u, r->ms_c, r->al_u, r->al_c, r->al_l);
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0}};
        bool verbose = false, absolute = false;
        struct row tot = {0};
        vz_host_info h;
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        unsigned *ids = NULL;
        size_t nids = 0;
        double lowmem, k, ram, ramswap;
        int c, rc = 0;

        tool_init("vzmemcheck");
        while ((c = getopt_long(argc, argv, "vAh", longopts, NULL)) != -1)
                switch (c) {
                case 'v':
                        verbose = true;
                        break;
                case 'A':
                        absolute = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 1;
                }
        if (optind < argc) {
                usage(stderr);
                return 1;
        }
        if (vz_host_get_info(&h, &e) < 0 || vz_ctx_new(&ctx, &e) < 0) {
                tool_fail(&e, "cannot read the host's configuration");
                return 1;
        }
        if (vz_ct_list_ids(ctx, &ids, &nids, &e) < 0) {
                tool_fail(&e, "cannot list CTs");
                vz_ctx_free(ctx);
                return 1;
        }
        /* OpenVZ counts 40% of low memory as what kernel memory may use. */
        lowmem = (double)h.lowmem * 0.4;
        ram = (double)h.ram;
        ramswap = (double)(h.ram + h.swap);
        k = absolute ? 1.0 / (1024 * 1024) : 100;
        if (absolute)
                lowmem = ram = ramswap = 1; /* numerators only */

        printf(absolute ? "Output values in Mbytes\n" : "Output values in %%\n");
        if (verbose)
                printf("CTID       ");
        printf(" LowMem  LowMem     RAM MemSwap MemSwap   Alloc   Alloc   Alloc\n");
        if (verbose)
                printf("           ");
        printf("   util  commit    util    util  commit    util  commit   limit\n");
        for (size_t i = 0; i < nids; i++) {
                vz_ubc u[VZ_UBC_COUNT];
                struct memcalc m;
                struct row r;
                vz_ct_state st;
                vz_ct *ct = NULL;
                int n;

                if (vz_ct_open(ctx, ids[i], &ct, &e) < 0 || vz_ct_get_state(ct, &st, &e) < 0) {
                        tool_fail(&e, "CT %u", ids[i]);
                        rc = 1;
                        vz_ct_free(ct);
                        continue;
                }
                if (!st.running) {
                        vz_ct_free(ct);
                        continue;
                }
                n = vz_ct_get_ubc(ct, u, VZ_UBC_COUNT, &e);
                vz_ct_free(ct);
                if (n < 0) {
                        tool_fail(&e, "CT %u", ids[i]);
                        rc = 1;
                        continue;
                }
                memcalc_compute(u, (size_t)n, h.page_size, &m);
                r.lm_u = m.kmem_net / lowmem * k;
                r.lm_c = m.kmem_net_lim / lowmem * k;
                r.ram_u = (m.phys + m.kmem_net) / ram * k;
                r.ms_u = (m.oomguar + m.kmem_net) / ramswap * k;
                r.ms_c = (m.oomguar_bar + m.kmem_net_lim) / ramswap * k;
                r.al_u = (m.privvm + m.kmem_net) / ramswap * k;
                r.al_c = (m.vmguar_bar + m.kmem_net_lim) / ramswap * k;
                r.al_l = (m.privvm_lim + m.kmem_net_lim) / ramswap * k;
                if (verbose) {
                        printf("%-10u ", ids[i]);
                        print_row(&r);
                }
                tot.lm_u += r.lm_u;
                tot.lm_c += r.lm_c;
                tot.ram_u += r.ram_u;
                tot.ms_u += r.ms_u;
                tot.ms_c += r.ms_c;
                tot.al_u += r.al_u;
                tot.al_c += r.al_c;
                tot.al_l += r.al_l;
        }
        if (verbose) {
                printf("--------------------------------------------------------------------------\n");
                printf("Summary:   ");
        }
        print_row(&tot);
        if (absolute) {
                /* The denominators: what the host has. */
                double lm = (double)h.lowmem * 0.4 / (1024 * 1024), r = (double)h.ram / (1024 * 1024),
                       rs = (double)(h.ram + h.swap) / (1024 * 1024);
                struct row d = {lm, lm, r, rs, rs, rs, rs, rs};
                if (verbose)
                        printf("           ");
                print_row(&d);
        }
        free(ids);
        vz_ctx_free(ctx);
        return rc;
}

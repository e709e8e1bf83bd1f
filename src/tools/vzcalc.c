/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzcalc [-v] CTID: how much of this host one CT uses now (Current), is
 * guaranteed (Promised) and may take at most (Max), in percent (OPENVZ.md
 * 5.5; OpenVZ's formulas, see memcalc.h). Current needs the CT running.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "memcalc.h"

static void usage(FILE *f)
{
        fprintf(f, "Usage: vzcalc [-v] <ctid>\n");
}

static double max3(double a, double b, double c)
{
        double m = a > b ? a : b;
        return m > c ? m : c;
}

static int option(int c, const char *arg, void *userdata)
{
        (void)c;
        (void)arg;
        *(bool *)userdata = true; /* -v */
        return 0;
}

int main(int argc, char **argv)
{
        static const struct cap_tool tool = {"vzcalc", "vh", 1, usage, option};
        vz_ubc u[VZ_UBC_COUNT];
        bool verbose = false;
        struct memcalc m;
        vz_host_info h;
        vz_ct_state st;
        vz_ctx *ctx = NULL;
        vz_ct *ct = NULL;
        vz_err e = {0};
        unsigned ctid;
        double lowmem, ram, rs, thr;
        double lm_cur = 0, tr_cur = 0, ms_cur = 0, al_cur = 0, np_cur = 0;
        double lm_max, ms_prm, al_prm, al_max, np_max, cur, prm, max;
        char tmp[32];
        int n;

        if (!cap_parse_args(&tool, argc, argv, &verbose, &n))
                return n;
        if (cap_open_host(&h, &ctx))
                return 1;
        if (vz_ct_resolve(ctx, argv[optind], &ctid, &e) < 0) {
                fprintf(stderr, "Invalid CT ID: %s\n", argv[optind]);
                vz_ctx_free(ctx);
                return 1;
        }
        if (vz_ct_open(ctx, ctid, &ct, &e) < 0 || !vz_ct_has_config(ct)) {
                fprintf(stderr, "Container configuration file: %s not found\n",
                        ct ? vz_ct_conf_path(ct) : argv[optind]);
                vz_ct_free(ct);
                vz_ctx_free(ctx);
                return 1;
        }
        if (vz_ct_get_state(ct, &st, &e) < 0 || (n = vz_ct_get_ubc(ct, u, VZ_UBC_COUNT, &e)) < 0) {
                tool_fail(&e, "CT %u", ctid);
                vz_ct_free(ct);
                vz_ctx_free(ctx);
                return 1;
        }
        vz_ct_free(ct);
        vz_ctx_free(ctx);
        memcalc_compute(u, (size_t)n, h.page_size, &m);
        lowmem = (double)h.lowmem * 0.4;
        ram = (double)h.ram;
        rs = (double)(h.ram + h.swap);
        thr = h.threads_max ? (double)h.threads_max : 1;
        if (st.running) {
                lm_cur = m.kmem_net / lowmem;
                tr_cur = (m.phys + m.kmem_net) / ram;
                ms_cur = (m.oomguar + m.kmem_net) / rs;
                al_cur = (m.privvm + m.kmem_net) / rs;
                np_cur = m.numproc / thr;
        }
        lm_max = m.kmem_net_lim / lowmem;
        ms_prm = (m.oomguar_bar + m.kmem_net_lim) / rs;
        al_prm = (m.vmguar_bar + m.kmem_net_lim) / rs;
        al_max = (m.privvm_lim + m.kmem_net_lim) / rs;
        np_max = m.numproc_bar / thr;
        cur = max3(max3(lm_cur, tr_cur, ms_cur), al_cur, np_cur);
        prm = max3(lm_max, ms_prm, al_prm);
        max = max3(lm_max, al_max, np_max);

        printf("Resource     Current(%%)  Promised(%%)  Max(%%)\n");
#define CUR(v) (st.running ? (snprintf(tmp, sizeof(tmp), "%10.2f", (v)*100), tmp) : "n/a")
        if (verbose) {
                printf("Low Mem    %10s %10.2f %10.2f\n", CUR(lm_cur), lm_max * 100, lm_max * 100);
                printf("Total RAM  %10s        n/a        n/a \n", CUR(tr_cur));
                printf("Mem + Swap %10s %10.2f        n/a\n", CUR(ms_cur), ms_prm * 100);
                printf("Alloc. Mem %10s %10.2f %10.2f\n", CUR(al_cur), al_prm * 100, al_max * 100);
                printf("Num. Proc  %10s        n/a %10.2f\n", CUR(np_cur), np_max * 100);
                printf("--------------------------------------------\n");
        }
        printf("Memory     %10s %10.2f %10.2f\n", CUR(cur), prm * 100, max * 100);
#undef CUR
        return 0;
}

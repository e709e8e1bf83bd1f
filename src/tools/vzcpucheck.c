/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzcpucheck [-v]: CPU units promised to the host and its running CTs
 * against the power of the node (OPENVZ.md 5.4). The host counts as CT 0
 * with VE0CPUUNITS (vz.conf, default 1000); a running CT counts the weight
 * its cgroup has now, in CPU units. The power of the node is OpenVZ's: 25
 * units per bogomips of every online CPU (see vz_host_info).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"

int main(int argc, char **argv)
{
        bool verbose = false;
        vz_host_info h;
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        unsigned *ids = NULL, ve0 = 1000;
        size_t nids = 0;
        uint64_t sum = 0;
        const char *v;
        int rc = 0;

        tool_init("vzcpucheck");
        if (argc == 2 && !strcmp(argv[1], "-v"))
                verbose = true;
        else if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
                printf("Usage: vzcpucheck [-v]\n");
                return 0;
        } else if (argc > 1) {
                fprintf(stderr, "Usage: vzcpucheck [-v]\n");
                return 2;
        }
        if (cap_open_host(&h, &ctx))
                return 1;
        if (cap_list_cts(ctx, &ids, &nids)) {
                vz_ctx_free(ctx);
                return 1;
        }
        v = vz_ctx_get(ctx, "VE0CPUUNITS");
        if (v && strtoul(v, NULL, 10) > 0)
                ve0 = (unsigned)strtoul(v, NULL, 10);
        if (verbose) {
                printf("VEID\t\tCPUUNITS\n");
                printf("-------------------------\n");
                printf("0\t\t%u\n", ve0);
        }
        sum = ve0;
        for (size_t i = 0; i < nids; i++) {
                vz_ct *ct = NULL;
                unsigned units;
                int r = cap_open_running(ctx, ids[i], &ct);

                if (r < 0)
                        rc = 1;
                if (r <= 0)
                        continue;
                if (vz_ct_get_cpuunits(ct, &units, &e) < 0) {
                        tool_fail(&e, "CT %u", ids[i]);
                        rc = 1;
                } else {
                        if (verbose)
                                printf("%u\t\t%u\n", ids[i], units);
                        sum += units;
                }
                vz_ct_free(ct);
        }
        printf("Current CPU utilization: %llu\n", (unsigned long long)sum);
        printf("Power of the node: %llu\n", (unsigned long long)h.cpu_power);
        if (sum > h.cpu_power)
                printf("Warning: hardware node is overcommitted\n");
        free(ids);
        vz_ctx_free(ctx);
        return rc;
}

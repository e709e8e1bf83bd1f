/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>

#include "capacity.h"

bool cap_parse_args(const struct cap_tool *t, int argc, char **argv, void *userdata, int *ret_exit)
{
        static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int c, r;

        tool_init(t->name);
        while ((c = getopt_long(argc, argv, t->optstring, longopts, NULL)) != -1) {
                if (c == 'h') {
                        t->usage(stdout);
                        *ret_exit = 0;
                        return false;
                }
                if (c == '?' || c == ':') {
                        t->usage(stderr);
                        *ret_exit = 1;
                        return false;
                }
                r = t->option(c, optarg, userdata);
                if (r) {
                        *ret_exit = r;
                        return false;
                }
        }
        if (argc - optind != t->operands) {
                t->usage(stderr);
                *ret_exit = 1;
                return false;
        }
        return true;
}

int cap_open_host(vz_host_info *h, vz_ctx **ret_ctx)
{
        vz_err e = {0};

        if (vz_host_get_info(h, &e) < 0 || vz_ctx_new(ret_ctx, &e) < 0) {
                tool_fail(&e, "cannot read the host's configuration");
                return 1;
        }
        return 0;
}

int cap_list_cts(vz_ctx *ctx, unsigned **ret_ids, size_t *ret_n)
{
        vz_err e = {0};

        if (vz_ct_list_ids(ctx, ret_ids, ret_n, &e) < 0) {
                tool_fail(&e, "cannot list CTs");
                return 1;
        }
        return 0;
}

int cap_open_running(vz_ctx *ctx, unsigned id, vz_ct **ret_ct)
{
        vz_ct_state st;
        vz_ct *ct = NULL;
        vz_err e = {0};

        if (vz_ct_open(ctx, id, &ct, &e) < 0 || vz_ct_get_state(ct, &st, &e) < 0) {
                tool_fail(&e, "CT %u", id);
                vz_ct_free(ct);
                return -1;
        }
        if (!st.running) {
                vz_ct_free(ct);
                return 0;
        }
        *ret_ct = ct;
        return 1;
}

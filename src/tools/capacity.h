/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the capacity tools (vzsplit, vzmemcheck, vzcpucheck, vzcalc) share:
 * the command line (getopt with --help and a fixed number of operands), the
 * host's figures with the global config, and the walk over running CTs.
 * Each reports its own failure and returns the exit code OpenVZ's tools
 * use for it (1).
 */
#pragma once

#include <stdio.h>

#include "common.h"

struct cap_tool {
        const char *name;      /* for tool_init */
        const char *optstring; /* getopt's, 'h' included */
        int operands;          /* how many must follow the options */
        void (*usage)(FILE *f);
        /* An option other than -h: 0, or the exit code after a message. */
        int (*option)(int c, const char *arg, void *userdata);
};

/*
 * tool_init and the command line. Returns true to go on, the operands at
 * argv[optind]; false when the tool is done, with *ret_exit: 0 after
 * --help, 1 after a syntax error (the usage on stderr).
 */
bool cap_parse_args(const struct cap_tool *t, int argc, char **argv, void *userdata, int *ret_exit);

/* The host's figures and the global config: 0, or 1 after the message. */
int cap_open_host(vz_host_info *h, vz_ctx **ret_ctx);

/* Every CT's ID: 0, or 1 after the message. */
int cap_list_cts(vz_ctx *ctx, unsigned **ret_ids, size_t *ret_n);

/* CT id if it runs: 1 and *ret_ct, 0 if it does not run, -1 after the
 * message "CT ID: ...". */
int cap_open_running(vz_ctx *ctx, unsigned id, vz_ct **ret_ct);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vz-supervisor CTID: started by vzctl start (never by hand), with the
 * status pipe in $VZ_STATUS_FD. It is part of the runtime layer, not a
 * tool: linked statically with the library's internals, it stays small (one
 * per running CT) and needs nothing from the caller's environment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctx.h"
#include "runtime/runtime.h"

int main(int argc, char **argv)
{
        const char *sfd = getenv("VZ_STATUS_FD");
        int status_fd = sfd ? atoi(sfd) : -1;
        vz_ctx *ctx = NULL;
        vz_ct *ct = NULL;
        vz_err e = {0};
        unsigned id;

        /* criu runs us as its action script at a restore (cpt.c). */
        if (getenv("CRTOOLS_SCRIPT_ACTION"))
                return vz_cpt_action_script();
        unsetenv("VZ_STATUS_FD");
        /* Nothing the caller left open is ours but the status pipe and the
         * CT's cgroup directories vzctl made ($VZ_CGROUPS_FD, read by
         * vz_supervisor_run): a harness's pipe or a script's FIFO would
         * stay open (and its reader waiting for EOF) as long as the CT
         * runs, and a high descriptor makes the kernel grow our table. */
        if (status_fd >= 3) {
                const char *cfd = getenv("VZ_CGROUPS_FD");
                int keep[2] = {status_fd, cfd ? atoi(cfd) : -1};
                unsigned from = 3;

                if (keep[1] >= 0 && keep[1] < keep[0]) {
                        keep[1] = keep[0];
                        keep[0] = atoi(cfd);
                }
                for (int i = 0; i < 2; i++) {
                        if (keep[i] < (int)from)
                                continue;
                        if ((unsigned)keep[i] > from)
                                (void)close_range(from, (unsigned)keep[i] - 1, 0);
                        from = (unsigned)keep[i] + 1;
                }
                (void)close_range(from, ~0U, 0);
        }
        if (argc != 2 || status_fd < 0 || vz_ctid_parse(argv[1], &id) < 0) {
                fprintf(stderr, "vz-supervisor: started by vzctl only\n");
                return 2;
        }
        if (vz_ctx_new(&ctx, &e) < 0 || vz_ct_open(ctx, id, &ct, &e) < 0) {
                dprintf(status_fd, "err %d %s\n", e.code, e.msg);
                return 1;
        }
        vz_supervisor_run(ct, status_fd);
}

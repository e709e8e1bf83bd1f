/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzpid [-p] PID... | vzpid [-p] -: which CT each host PID belongs to
 * (OPENVZ.md 5.6), from the PID's cgroup under VZ_CGROUP (0: the host);
 * -p adds the PID as the CT sees it (NSpid). PIDs that do not exist are
 * skipped, as OpenVZ's vzpid does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static int one(vz_ctx *ctx, const char *arg, bool vpid)
{
        char name[64] = "", *end;
        unsigned ctid;
        vz_err e = {0};
        long pid;
        int vp;

        errno = 0;
        pid = strtol(arg, &end, 10);
        if (errno || *end || pid <= 0 || pid > INT32_MAX)
                return 0; /* no /proc/<arg>/status: skipped */
        if (vz_pid_get_ct(ctx, (int)pid, &ctid, &vp, name, sizeof(name), &e) < 0) {
                if (e.errnum == ESRCH)
                        return 0;
                tool_fail(&e, "PID %ld", pid);
                return 1;
        }
        if (vpid)
                printf("%ld\t%d\t%u\t%s\n", pid, vp, ctid, name);
        else
                printf("%ld\t%u\t%s\n", pid, ctid, name);
        return 0;
}

int main(int argc, char **argv)
{
        bool vpid = false;
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        int first = 1, rc = 0;

        tool_init("vzpid");
        if (first < argc && (!strcmp(argv[first], "-h") || !strcmp(argv[first], "--help"))) {
                printf("Usage: vzpid [-p] <pid> ...\n       vzpid [-p] -   (PIDs from stdin)\n");
                return 0;
        }
        if (first < argc && !strcmp(argv[first], "-p")) {
                vpid = true;
                first++;
        }
        if (first >= argc) {
                fprintf(stderr, "Usage: vzpid [-p] <pid> ...\n");
                return 1;
        }
        if (vz_ctx_new(&ctx, &e) < 0) {
                tool_fail(&e, "cannot read global config");
                return 1;
        }
        printf(vpid ? "Pid\tCT/Pid\tCTID\tName\n" : "Pid\tCTID\tName\n");
        if (argc - first == 1 && !strcmp(argv[first], "-")) {
                char w[64];
                while (scanf("%63s", w) == 1)
                        rc |= one(ctx, w, vpid);
        } else
                for (int i = first; i < argc; i++)
                        rc |= one(ctx, argv[i], vpid);
        vz_ctx_free(ctx);
        return rc;
}

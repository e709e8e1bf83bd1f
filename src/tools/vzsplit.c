/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzsplit [-n N] [-f NAME] [-s SWAP_KB] [-v yes|no]: a VSwap sample config
 * that splits this host's RAM and swap between N CTs (OPENVZ.md 2.6), on
 * stdout or, with -f, into $VZ_CONFDIR/conf/ve-NAME.conf-sample.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capacity.h"

static void usage(FILE *f)
{
        fprintf(f, "Usage: vzsplit [-n numves] [-f config_name] [-s swap_size] [-v yes|no]\n"
                   "\t -n number of containers to split the host into\n"
                   "\t -f write $VZ_CONFDIR/conf/ve-<config_name>.conf-sample\n"
                   "\t -s swap size in Kbytes (default: the host's swap)\n"
                   "\t -v yes: VSwap config (the only kind vz writes)\n");
}

struct args {
        const char *name;
        int64_t swap;
        long n;
};

static int option(int c, const char *arg, void *userdata)
{
        struct args *a = userdata;
        char *end;

        switch (c) {
        case 'n':
                errno = 0;
                a->n = strtol(arg, &end, 10);
                if (errno || *end || a->n < 1 || a->n > 100000) {
                        fprintf(stderr, "Invalid argument for -n: %s\n", arg);
                        return 1;
                }
                return 0;
        case 'f':
                if (!*arg || strchr(arg, '/')) {
                        fprintf(stderr, "Invalid config name: %s\n", arg);
                        return 1;
                }
                a->name = arg;
                return 0;
        case 's':
                errno = 0;
                a->swap = strtoll(arg, &end, 10);
                if (errno || *end || a->swap < 0 || a->swap > INT64_MAX / 1024) {
                        fprintf(stderr, "Invalid argument for -s: %s\n", arg);
                        return 1;
                }
                a->swap *= 1024;
                return 0;
        default: /* -v: vz limits memory with VSwap's RAM and swap only. */
                if (strcmp(arg, "yes") != 0) {
                        fprintf(stderr, "vzsplit: only VSwap configs are supported (-v yes)\n");
                        return 1;
                }
                return 0;
        }
}

/* The sample into path, which must not exist yet: 0 or 1. */
static int write_sample(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        size_t len = strlen(text);

        if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) < 0) {
                fprintf(stderr, "Unable to create %s: %s\n", path, strerror(errno));
                if (fd >= 0)
                        unlink(path);
                return 1;
        }
        fprintf(stderr, "Config %s was created\n", path);
        return 0;
}

int main(int argc, char **argv)
{
        static const struct cap_tool tool = {"vzsplit", "n:f:s:v:h", 0, usage, option};
        struct args a = {.swap = -1, .n = -1};
        char *text = NULL, *path = NULL;
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        int rc = 0;

        if (!cap_parse_args(&tool, argc, argv, &a, &rc))
                return rc;
        if (a.n < 0) {
                printf("Enter the number of containers: ");
                fflush(stdout);
                if (scanf("%ld", &a.n) != 1 || a.n < 1 || a.n > 100000) {
                        fprintf(stderr, "Invalid value.\n");
                        return 1;
                }
        }
        if (vz_ctx_new(&ctx, &e) < 0) {
                tool_fail(&e, "cannot read global config");
                return 1;
        }
        if (a.name) {
                path = malloc(strlen(vz_ctx_confdir(ctx)) + strlen(a.name) + 32);
                if (!path) {
                        vz_ctx_free(ctx);
                        return 1;
                }
                sprintf(path, "%s/conf/ve-%s.conf-sample", vz_ctx_confdir(ctx), a.name);
                if (access(path, F_OK) == 0) {
                        fprintf(stderr, "File %s already exists\n", path);
                        rc = 1;
                        goto out;
                }
        }
        if (vz_split_config(ctx, (unsigned)a.n, a.swap, &text, &e) < 0) {
                fprintf(stderr, "%s\n", e.msg);
                rc = 1;
        } else if (!path)
                fputs(text, stdout);
        else
                rc = write_sample(path, text);
out:
        free(text);
        free(path);
        vz_ctx_free(ctx);
        return rc;
}

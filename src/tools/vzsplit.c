/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzsplit [-n N] [-f NAME] [-s SWAP_KB] [-v yes|no]: a VSwap sample config
 * that splits this host's RAM and swap between N CTs (OPENVZ.md 2.6), on
 * stdout or, with -f, into $VZ_CONFDIR/conf/ve-NAME.conf-sample.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static void usage(FILE *f)
{
        fprintf(f, "Usage: vzsplit [-n numves] [-f config_name] [-s swap_size] [-v yes|no]\n"
                   "\t -n number of containers to split the host into\n"
                   "\t -f write $VZ_CONFDIR/conf/ve-<config_name>.conf-sample\n"
                   "\t -s swap size in Kbytes (default: the host's swap)\n"
                   "\t -v yes: VSwap config (the only kind vz writes)\n");
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0}};
        const char *name = NULL;
        int64_t swap = -1;
        long n = -1;
        char *text = NULL, *path = NULL, *end;
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        int c, rc = 0;

        tool_init("vzsplit");
        while ((c = getopt_long(argc, argv, "n:f:s:v:h", longopts, NULL)) != -1)
                switch (c) {
                case 'n':
                        errno = 0;
                        n = strtol(optarg, &end, 10);
                        if (errno || *end || n < 1 || n > 100000) {
                                fprintf(stderr, "Invalid argument for -n: %s\n", optarg);
                                return 1;
                        }
                        break;
                case 'f':
                        if (!*optarg || strchr(optarg, '/')) {
                                fprintf(stderr, "Invalid config name: %s\n", optarg);
                                return 1;
                        }
                        name = optarg;
                        break;
                case 's':
                        errno = 0;
                        swap = strtoll(optarg, &end, 10);
                        if (errno || *end || swap < 0 || swap > INT64_MAX / 1024) {
                                fprintf(stderr, "Invalid argument for -s: %s\n", optarg);
                                return 1;
                        }
                        swap *= 1024;
                        break;
                case 'v':
                        /* vz limits memory with VSwap's RAM and swap only. */
                        if (strcmp(optarg, "yes") != 0) {
                                fprintf(stderr, "vzsplit: only VSwap configs are supported "
                                                "(-v yes)\n");
                                return 1;
                        }
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
        if (n < 0) {
                printf("Enter the number of containers: ");
                fflush(stdout);
                if (scanf("%ld", &n) != 1 || n < 1 || n > 100000) {
                        fprintf(stderr, "Invalid value.\n");
                        return 1;
                }
        }
        if (vz_ctx_new(&ctx, &e) < 0) {
                tool_fail(&e, "cannot read global config");
                return 1;
        }
        if (name) {
                path = malloc(strlen(vz_ctx_confdir(ctx)) + strlen(name) + 32);
                if (!path) {
                        vz_ctx_free(ctx);
                        return 1;
                }
                sprintf(path, "%s/conf/ve-%s.conf-sample", vz_ctx_confdir(ctx), name);
                if (access(path, F_OK) == 0) {
                        fprintf(stderr, "File %s already exists\n", path);
                        rc = 1;
                        goto out;
                }
        }
        if (vz_split_config(ctx, (unsigned)n, swap, &text, &e) < 0) {
                fprintf(stderr, "%s\n", e.msg);
                rc = 1;
                goto out;
        }
        if (!path) {
                fputs(text, stdout);
        } else {
                int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                size_t len = strlen(text);
                if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) < 0) {
                        fprintf(stderr, "Unable to create %s: %s\n", path, strerror(errno));
                        if (fd >= 0)
                                unlink(path);
                        rc = 1;
                        goto out;
                }
                fprintf(stderr, "Config %s was created\n", path);
        }
out:
        free(text);
        free(path);
        vz_ctx_free(ctx);
        return rc;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzcfgvalidate [-r|-i] [-v yes|no] CONFIG: check a config's beancounters
 * against OpenVZ's consistency rules (OPENVZ.md 3.5); -r repairs, -i asks
 * before each repair. Exit 0 valid, 1 execution error, 2 validation failed.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

enum { CHECK, REPAIR, ASK };

static bool ask_yn(void)
{
        char buf[64];

        fprintf(stderr, " (y/n) [y] ");
        while (fgets(buf, sizeof(buf), stdin)) {
                if (buf[0] == 'y' || buf[0] == '\n')
                        return true;
                if (buf[0] == 'n')
                        return false;
                fprintf(stderr, " (y/n) [y] ");
        }
        return false;
}

static bool on_finding(int severity, const char *msg, const char *fix, void *userdata)
{
        static const char *const sev[] = {"Error", "Warning", "Recommendation"};
        int mode = *(int *)userdata;

        fprintf(stderr, "%s: %s\n", sev[severity], msg);
        if (!fix || mode == CHECK)
                return false;
        printf("%s\n", fix);
        fflush(stdout);
        return mode == REPAIR || ask_yn();
}

static void usage(FILE *f)
{
        fprintf(f, "Usage: vzcfgvalidate [-r|-i] [-v yes|no] <configfile>\n"
                   "\t-r repair mode\n"
                   "\t-i interactive repair mode\n"
                   "\t-v yes|no validate as a VSwap / non-VSwap config (default: detect)\n");
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int mode = CHECK, vswap = -1, c, r;
        struct stat st;
        vz_err e = {0};

        tool_init("vzcfgvalidate");
        while ((c = getopt_long(argc, argv, "riv:h", longopts, NULL)) != -1)
                switch (c) {
                case 'r':
                        mode = REPAIR;
                        break;
                case 'i':
                        mode = ASK;
                        break;
                case 'v':
                        if (strcmp(optarg, "yes") && strcmp(optarg, "no")) {
                                usage(stderr);
                                return 1;
                        }
                        vswap = !strcmp(optarg, "yes");
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 1;
                }
        if (optind + 1 != argc) {
                usage(stderr);
                return 1;
        }
        if (stat(argv[optind], &st) < 0) {
                fprintf(stderr, "Container configuration file %s not found\n", argv[optind]);
                return 1;
        }
        r = vz_cfg_validate(argv[optind], vswap, on_finding, &mode, &e);
        if (r < 0) {
                tool_fail(&e, "%s", argv[optind]);
                return 1;
        }
        if (r > 0) {
                fprintf(stderr, "Validation failed: %d problem%s left\n", r, r == 1 ? "" : "s");
                return 2;
        }
        fprintf(stderr, "Validation completed: success\n");
        return 0;
}

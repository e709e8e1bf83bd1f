/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzmigrate: move a CT to another host (OpenVZ's vzmigrate, classic 4.x
 * options and exit codes). Parses the command line, makes one library call
 * (vz_migrate) and prints the phase times with -t.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage_text[] =
    "Usage: vzmigrate [options] DEST_HOST CTID|NAME\n"
    "  -r, --remove-area yes|no  remove the CT on this host after success (default yes);\n"
    "                            with no, its config is kept as CTID.conf.migrated\n"
    "      --keep-dst            keep the copied private area on the destination on failure\n"
    "      --online, --live      live migration: checkpoint, copy, restore (CRIU)\n"
    "      --ssh=OPTIONS         extra options for ssh\n"
    "      --ssh-mux             one ssh connection for all steps (always done)\n"
    "      --rsync=OPTIONS       extra options for rsync\n"
    "      --check-only, --dry-run  only run the pre-flight checks\n"
    "  -t, --times               print the time of each phase (frozen: the CT ran nowhere)\n"
    "  -v, --verbose             more detail (repeatable; implies -t)\n"
    "  -h, --help                this text\n"
    "DEST_HOST is [user@]host; ssh must log in with keys (BatchMode).\n";

#define MAX_PHASES 16
struct times {
        size_t n;
        struct {
                const char *name;
                double sec;
        } p[MAX_PHASES];
};

static void on_phase(const char *name, double sec, void *userdata)
{
        struct times *t = userdata;
        if (t->n < MAX_PHASES)
                t->p[t->n].name = name, t->p[t->n++].sec = sec;
}

static void print_times(const struct times *t, const char *id)
{
        printf("Times of the migration of CT %s:\n", id);
        for (size_t i = 0; i < t->n; i++)
                printf("  %-12s %9.3f s%s\n", t->p[i].name, t->p[i].sec,
                       strcmp(t->p[i].name, "frozen") == 0 ? "  (the CT ran nowhere)" : "");
        fflush(stdout);
}

int main(int argc, char **argv)
{
        enum { OPT_KEEP_DST = 256, OPT_ONLINE, OPT_SSH, OPT_RSYNC, OPT_CHECK, OPT_SSH_MUX };
        static const struct option longopts[] = {
            {"remove-area", required_argument, NULL, 'r'},
            {"keep-dst", no_argument, NULL, OPT_KEEP_DST},
            {"online", no_argument, NULL, OPT_ONLINE},
            {"live", no_argument, NULL, OPT_ONLINE},
            {"ssh", required_argument, NULL, OPT_SSH},
            {"rsync", required_argument, NULL, OPT_RSYNC},
            {"ssh-mux", no_argument, NULL, OPT_SSH_MUX},
            {"check-only", no_argument, NULL, OPT_CHECK},
            {"dry-run", no_argument, NULL, OPT_CHECK},
            {"times", no_argument, NULL, 't'},
            {"verbose", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        vz_migrate_opts o = {0};
        struct times t = {0};
        bool times = false;
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        int c, r;

        tool_init("vzmigrate");
        while ((c = getopt_long(argc, argv, "r:tvh", longopts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        if (strcmp(optarg, "yes") == 0)
                                o.keep_src = false;
                        else if (strcmp(optarg, "no") == 0)
                                o.keep_src = true;
                        else {
                                tool_error("invalid value for --remove-area: %s (yes or no)",
                                           optarg);
                                return VZ_MIG_E_USAGE;
                        }
                        break;
                case OPT_KEEP_DST:
                        o.keep_dst = true;
                        break;
                case OPT_ONLINE:
                        o.live = true;
                        break;
                case OPT_SSH:
                        o.ssh_opts = optarg;
                        break;
                case OPT_RSYNC:
                        o.rsync_opts = optarg;
                        break;
                case OPT_CHECK:
                        o.check_only = true;
                        break;
                case OPT_SSH_MUX: /* OpenVZ's option; vz always multiplexes */
                        break;
                case 't':
                        times = true;
                        break;
                case 'v':
                        o.verbose++;
                        tool_verbosity++;
                        times = true;
                        break;
                case 'h':
                        fputs(usage_text, stdout);
                        return 0;
                default:
                        fputs(usage_text, stderr);
                        return VZ_MIG_E_USAGE;
                }
        }
        if (argc - optind != 2) {
                fputs(usage_text, stderr);
                return VZ_MIG_E_USAGE;
        }
        o.dest = argv[optind];
        if (times) {
                o.phase = on_phase;
                o.userdata = &t;
        }
        r = vz_ctx_new(&ctx, &e);
        if (r < 0)
                return tool_fail(&e, "cannot read the global configuration");
        if (o.check_only)
                tool_msg("Checking whether CT %s can be migrated to %s\n", argv[optind + 1],
                         o.dest);
        else
                tool_msg("Starting %s migration of CT %s to %s\n", o.live ? "live" : "offline",
                         argv[optind + 1], o.dest);
        r = vz_migrate(ctx, argv[optind + 1], &o, &e);
        vz_ctx_free(ctx);
        if (times)
                print_times(&t, argv[optind + 1]);
        if (r < 0)
                return tool_fail(&e, "CT %s: migration to %s failed", argv[optind + 1], o.dest);
        tool_msg(o.check_only ? "Pre-flight checks passed\n" : "Migration completed\n");
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vztmpl-dl: download precreated OS template caches into TEMPLATE/cache.
 *
 *   vztmpl-dl [options] TEMPLATE...
 *   vztmpl-dl [options] --update-all | --list-local | --list-remote |
 *                       --list-all | --list-orphans
 *
 * OpenVZ's vztmpl-dl was a shell script around wget; this one has its
 * options, download.conf and exit codes (1 download error, 2 already
 * present, 3 usage, 5 bad signature -- and a checksum mismatch), does the
 * transfers with libcurl and checks SHA-256 sums as well as signatures.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vz/vz.h>

#include "common.h"
#include "download.h"
#include "util.h"
#include "vz-build.h"

enum mode { MODE_FETCH, MODE_UPDATE_ALL, MODE_LOCAL, MODE_REMOTE, MODE_ALL, MODE_ORPHANS };

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: vztmpl-dl [options] TEMPLATE...\n"
                "       vztmpl-dl [options] --update-all | --list-local | --list-remote |\n"
                "                           --list-all | --list-orphans\n"
                "\n"
                "Download precreated OS template caches into TEMPLATE/cache (vz.conf) from\n"
                "the repositories in download.conf (TEMPLATE_REPOS): OpenVZ's layout\n"
                "(NAME.tar.gz, .tar.xz with SHA256SUMS / .sha256 / .asc) or an LXC image\n"
                "server (meta/1.0/index-system). Prefix a URL with lxc: or openvz: to say which.\n"
                "\n"
                "Options:\n"
                "      --update          download again if the repository has a newer one\n"
                "      --no-update       leave present caches alone (default)\n"
                "      --update-all      update every local cache\n"
                "      --list-local      list the local caches\n"
                "      --list-remote     list the templates the repositories offer\n"
                "      --list-all        list both, with where each one is\n"
                "      --list-orphans    list local caches no repository offers\n"
                "      --gpg-check       require a good signature (needs GPG_KEYRING)\n"
                "      --no-gpg-check    do not check signatures\n"
                "      --repo URL        use URL instead of TEMPLATE_REPOS (repeatable)\n"
                "      --config FILE     read FILE instead of VZ_CONFDIR/download.conf\n"
                "      --ignore-errors   go on with the next template after a failure\n"
                "  -q, --quiet           print only errors\n"
                "      --no-quiet        print progress and messages\n"
                "  -h, --help            show this help\n"
                "      --version         show the version\n"
                "\n"
                "Exit codes: 1 download error, 2 already present, 3 usage,\n"
                "5 bad signature or checksum.\n");
}

static void print_names(char **v)
{
        for (char **n = v; n && *n; n++)
                printf("%s\n", *n);
}

static bool contains(char **v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

int main(int argc, char **argv)
{
        enum {
                O_UPDATE = 256,
                O_NO_UPDATE,
                O_UPDATE_ALL,
                O_LIST_LOCAL,
                O_LIST_REMOTE,
                O_LIST_ALL,
                O_LIST_ORPHANS,
                O_GPG,
                O_NO_GPG,
                O_REPO,
                O_CONFIG,
                O_IGNORE,
                O_NO_QUIET,
                O_VERSION,
        };
        static const struct option opts[] = {
            {"update", no_argument, NULL, O_UPDATE},
            {"no-update", no_argument, NULL, O_NO_UPDATE},
            {"update-all", no_argument, NULL, O_UPDATE_ALL},
            {"list-local", no_argument, NULL, O_LIST_LOCAL},
            {"list-remote", no_argument, NULL, O_LIST_REMOTE},
            {"list-all", no_argument, NULL, O_LIST_ALL},
            {"list-orphans", no_argument, NULL, O_LIST_ORPHANS},
            {"gpg-check", no_argument, NULL, O_GPG},
            {"no-gpg-check", no_argument, NULL, O_NO_GPG},
            {"repo", required_argument, NULL, O_REPO},
            {"config", required_argument, NULL, O_CONFIG},
            {"ignore-errors", no_argument, NULL, O_IGNORE},
            {"quiet", no_argument, NULL, 'q'},
            {"no-quiet", no_argument, NULL, O_NO_QUIET},
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, O_VERSION},
            {},
        };
        enum mode mode = MODE_FETCH;
        int update = -1, gpg = -1, quiet = -1;
        bool ignore = false;
        const char *config = NULL;
        char **repos = NULL, **local = NULL, **remote = NULL;
        _cleanup_free_ char *conf_path = NULL, *cache_dir = NULL;
        dl_conf conf = {0};
        dl_opts o = {0};
        dl_client *c = NULL;
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        int ch, r, rc = 0;

        tool_init("vztmpl-dl");
        while ((ch = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
                switch (ch) {
                case O_UPDATE:
                        update = 1;
                        break;
                case O_NO_UPDATE:
                        update = 0;
                        break;
                case O_UPDATE_ALL:
                        mode = MODE_UPDATE_ALL;
                        break;
                case O_LIST_LOCAL:
                        mode = MODE_LOCAL;
                        break;
                case O_LIST_REMOTE:
                        mode = MODE_REMOTE;
                        break;
                case O_LIST_ALL:
                        mode = MODE_ALL;
                        break;
                case O_LIST_ORPHANS:
                        mode = MODE_ORPHANS;
                        break;
                case O_GPG:
                        gpg = 1;
                        break;
                case O_NO_GPG:
                        gpg = 0;
                        break;
                case O_REPO:
                        if (vz_strv_push(&repos, optarg) < 0) {
                                tool_error("out of memory");
                                return DL_E_DOWNLOAD;
                        }
                        break;
                case O_CONFIG:
                        config = optarg;
                        break;
                case O_IGNORE:
                        ignore = true;
                        break;
                case 'q':
                        quiet = 1;
                        break;
                case O_NO_QUIET:
                        quiet = 0;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                case O_VERSION:
                        printf("vztmpl-dl %s\n", vz_version());
                        return 0;
                default:
                        usage(stderr);
                        return DL_E_USAGE;
                }
        }
        if (mode == MODE_FETCH && optind >= argc) {
                tool_error("no template given");
                usage(stderr);
                return DL_E_USAGE;
        }
        if (mode != MODE_FETCH && optind < argc) {
                tool_error("unexpected argument '%s'", argv[optind]);
                return DL_E_USAGE;
        }

        if (!config) {
                const char *d = getenv("VZ_CONFDIR");
                conf_path = vz_strdupf("%s/download.conf", d && *d ? d : VZ_DEFAULT_CONFDIR);
                config = conf_path;
        }
        if (dl_conf_read(config, conf_path == NULL, &conf, &e) < 0)
                return tool_fail(&e, "bad configuration");
        if (quiet < 0)
                quiet = conf.quiet;
        if (quiet)
                tool_verbosity = -1;
        if (update < 0)
                update = conf.update;

        if (vz_ctx_new(&ctx, &e) < 0) {
                rc = tool_fail(&e, "cannot read the global configuration");
                rc = DL_E_USAGE;
                goto out;
        }
        {
                const char *t = vz_ctx_get(ctx, "TEMPLATE");
                if (!t || !*t) {
                        tool_error("TEMPLATE is not set in vz.conf");
                        rc = DL_E_USAGE;
                        goto out;
                }
                cache_dir = vz_strdupf("%s/cache", t);
        }

        if (!repos &&
            vz_strv_split(conf.template_repos ? conf.template_repos : "", " \t", &repos) < 0) {
                tool_error("out of memory");
                rc = DL_E_DOWNLOAD;
                goto out;
        }
        o.repos = repos;
        o.keyring = conf.keyring;
        o.gpg_required = gpg == 1;
        o.gpg_skip = gpg == 0 || (gpg < 0 && !conf.check_sig);
        o.update = update || mode == MODE_UPDATE_ALL;
        o.progress = !quiet && isatty(STDERR_FILENO);

        if (mode != MODE_FETCH && mode != MODE_REMOTE) {
                r = vz_tmpl_list(ctx, &local, &e);
                if (r < 0) {
                        rc = tool_fail(&e, "cannot list local caches");
                        rc = DL_E_DOWNLOAD;
                        goto out;
                }
        }
        if (mode == MODE_LOCAL) {
                print_names(local);
                goto out;
        }
        if (dl_client_new(&c, &o, &e) < 0) {
                rc = tool_fail(&e, "cannot start");
                goto out;
        }
        if (mode == MODE_REMOTE || mode == MODE_ALL || mode == MODE_ORPHANS ||
            mode == MODE_UPDATE_ALL) {
                if (dl_list_remote(c, &remote, &e) < 0) {
                        rc = tool_fail(&e, "cannot list the repositories");
                        goto out;
                }
        }
        switch (mode) {
        case MODE_REMOTE:
                print_names(remote);
                break;
        case MODE_ALL:
                for (char **n = remote; n && *n; n++)
                        printf("%-40s %s\n", *n, contains(local, *n) ? "local,remote" : "remote");
                for (char **n = local; n && *n; n++)
                        if (!contains(remote, *n))
                                printf("%-40s %s\n", *n, "local");
                break;
        case MODE_ORPHANS:
                for (char **n = local; n && *n; n++)
                        if (!contains(remote, *n))
                                printf("%s\n", *n);
                break;
        case MODE_FETCH:
        case MODE_UPDATE_ALL: {
                char **names = mode == MODE_FETCH ? argv + optind : local;

                for (char **n = names; n && *n; n++) {
                        if (mode == MODE_UPDATE_ALL && !contains(remote, *n))
                                continue;
                        memset(&e, 0, sizeof(e));
                        r = dl_fetch(c, *n, cache_dir, &e);
                        if (r < 0) {
                                int code = tool_fail(&e, "%s", *n);
                                if (!ignore) {
                                        rc = code;
                                        break;
                                }
                                continue;
                        }
                        if (r == 0)
                                tool_msg("Template %s downloaded\n", *n);
                        else
                                tool_msg("Template %s is up to date\n", *n);
                }
                break;
        }
        case MODE_LOCAL:
                break;
        }
out:
        dl_client_free(c);
        vz_strv_free(repos);
        vz_strv_free(local);
        vz_strv_free(remote);
        dl_conf_done(&conf);
        vz_ctx_free(ctx);
        return rc;
}

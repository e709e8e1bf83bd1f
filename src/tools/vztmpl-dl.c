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

static const struct option longopts[] = {
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

/* The command line; -1 for what download.conf decides. */
struct args {
        enum mode mode;
        int update, gpg, quiet;
        bool ignore;
        const char *config;
        char **repos; /* --repo, in order */
};

/* Append a copy of s to the NULL-terminated list *v. */
static int repos_push(char ***v, const char *s)
{
        size_t n = 0;
        char **nv, *c;

        while (*v && (*v)[n])
                n++;
        c = strdup(s);
        nv = c ? realloc(*v, (n + 2) * sizeof(*nv)) : NULL;
        if (!nv) {
                free(c);
                return -ENOMEM;
        }
        nv[n] = c;
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}

/* TEMPLATE_REPOS: URLs separated by blanks. */
static int repos_split(const char *s, char ***v)
{
        _cleanup_free_ char *copy = strdup(s);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
                if (repos_push(v, w) < 0)
                        return -ENOMEM;
        return 0;
}

/* One option: -1 to go on, or the exit code. */
static int option(struct args *a, int ch)
{
        switch (ch) {
        case O_UPDATE:
        case O_NO_UPDATE:
                a->update = ch == O_UPDATE;
                break;
        case O_UPDATE_ALL:
                a->mode = MODE_UPDATE_ALL;
                break;
        case O_LIST_LOCAL:
                a->mode = MODE_LOCAL;
                break;
        case O_LIST_REMOTE:
                a->mode = MODE_REMOTE;
                break;
        case O_LIST_ALL:
                a->mode = MODE_ALL;
                break;
        case O_LIST_ORPHANS:
                a->mode = MODE_ORPHANS;
                break;
        case O_GPG:
        case O_NO_GPG:
                a->gpg = ch == O_GPG;
                break;
        case O_REPO:
                if (repos_push(&a->repos, optarg) < 0) {
                        tool_error("out of memory");
                        return DL_E_DOWNLOAD;
                }
                break;
        case O_CONFIG:
                a->config = optarg;
                break;
        case O_IGNORE:
                a->ignore = true;
                break;
        case 'q':
        case O_NO_QUIET:
                a->quiet = ch == 'q';
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
        return -1;
}

/* The options and the templates: -1 to go on (the templates at optind),
 * or the exit code. */
static int parse_args(int argc, char **argv, struct args *a)
{
        int ch, r;

        while ((ch = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
                r = option(a, ch);
                if (r >= 0)
                        return r;
        }
        if (a->mode == MODE_FETCH && optind >= argc) {
                tool_error("no template given");
                usage(stderr);
                return DL_E_USAGE;
        }
        if (a->mode != MODE_FETCH && optind < argc) {
                tool_error("unexpected argument '%s'", argv[optind]);
                return DL_E_USAGE;
        }
        return -1;
}

/* download.conf (or --config) under the command line, then vz.conf's
 * TEMPLATE: -1 to go on, or the exit code. */
static int read_config(struct args *a, dl_conf *conf, vz_ctx **ctx, char **ret_cache_dir)
{
        _cleanup_free_ char *conf_path = NULL;
        const char *config = a->config, *t;
        vz_err e = {0};

        if (!config) {
                const char *d = getenv("VZ_CONFDIR");
                if (asprintf(&conf_path, "%s/download.conf", d && *d ? d : VZ_DEFAULT_CONFDIR) <
                    0) {
                        conf_path = NULL;
                        tool_error("out of memory");
                        return DL_E_DOWNLOAD;
                }
                config = conf_path;
        }
        if (dl_conf_read(config, conf_path == NULL, conf, &e) < 0)
                return tool_fail(&e, "bad configuration");
        if (a->quiet < 0)
                a->quiet = conf->quiet;
        if (a->quiet)
                tool_verbosity = -1;
        if (a->update < 0)
                a->update = conf->update;
        if (vz_ctx_new(ctx, &e) < 0) {
                tool_fail(&e, "cannot read the global configuration");
                return DL_E_USAGE;
        }
        t = vz_ctx_get(*ctx, "TEMPLATE");
        if (!t || !*t) {
                tool_error("TEMPLATE is not set in vz.conf");
                return DL_E_USAGE;
        }
        if (asprintf(ret_cache_dir, "%s/cache", t) < 0) {
                *ret_cache_dir = NULL;
                tool_error("out of memory");
                return DL_E_DOWNLOAD;
        }
        if (!a->repos &&
            repos_split(conf->template_repos ? conf->template_repos : "", &a->repos) < 0) {
                tool_error("out of memory");
                return DL_E_DOWNLOAD;
        }
        return -1;
}

/* --list-all and --list-orphans: the local caches against the remote. */
static void print_lists(enum mode mode, char **local, char **remote)
{
        if (mode == MODE_ALL)
                for (char **n = remote; n && *n; n++)
                        printf("%-40s %s\n", *n, contains(local, *n) ? "local,remote" : "remote");
        for (char **n = local; n && *n; n++)
                if (!contains(remote, *n))
                        printf(mode == MODE_ALL ? "%-40s local\n" : "%s\n", *n);
}

/* Download names (with --update-all only those a repository offers):
 * 0, or the first failure's exit code unless --ignore-errors. */
static int fetch(dl_client *c, char **names, char **only, const char *cache_dir, bool ignore)
{
        for (char **n = names; n && *n; n++) {
                vz_err e = {0};
                int r;

                if (only && !contains(only, *n))
                        continue;
                r = dl_fetch(c, *n, cache_dir, &e);
                if (r < 0) {
                        int code = tool_fail(&e, "%s", *n);
                        if (!ignore)
                                return code;
                        continue;
                }
                if (r == 0)
                        tool_msg("Template %s downloaded\n", *n);
                else
                        tool_msg("Template %s is up to date\n", *n);
        }
        return 0;
}

/* The mode's work once configured: the exit code. */
static int run(const struct args *a, vz_ctx *ctx, const dl_opts *o, const char *cache_dir,
               char **templates)
{
        char **local = NULL, **remote = NULL;
        dl_client *c = NULL;
        vz_err e = {0};
        int rc = 0;

        if (a->mode != MODE_FETCH && a->mode != MODE_REMOTE && vz_tmpl_list(ctx, &local, &e) < 0) {
                tool_fail(&e, "cannot list local caches");
                return DL_E_DOWNLOAD;
        }
        if (a->mode == MODE_LOCAL)
                print_names(local);
        else if (dl_client_new(&c, o, &e) < 0)
                rc = tool_fail(&e, "cannot start");
        else if (a->mode != MODE_FETCH && dl_list_remote(c, &remote, &e) < 0)
                rc = tool_fail(&e, "cannot list the repositories");
        else if (a->mode == MODE_REMOTE)
                print_names(remote);
        else if (a->mode == MODE_ALL || a->mode == MODE_ORPHANS)
                print_lists(a->mode, local, remote);
        else if (a->mode == MODE_FETCH)
                rc = fetch(c, templates, NULL, cache_dir, a->ignore);
        else
                rc = fetch(c, local, remote, cache_dir, a->ignore);
        dl_client_free(c);
        vz_strv_free(local);
        vz_strv_free(remote);
        return rc;
}

int main(int argc, char **argv)
{
        struct args a = {.mode = MODE_FETCH, .update = -1, .gpg = -1, .quiet = -1};
        _cleanup_free_ char *cache_dir = NULL;
        dl_conf conf = {0};
        dl_opts o = {0};
        vz_ctx *ctx = NULL;
        int rc;

        tool_init("vztmpl-dl");
        rc = parse_args(argc, argv, &a);
        if (rc < 0)
                rc = read_config(&a, &conf, &ctx, &cache_dir);
        if (rc < 0) {
                o.repos = a.repos;
                o.keyring = conf.keyring;
                o.gpg_required = a.gpg == 1;
                o.gpg_skip = a.gpg == 0 || (a.gpg < 0 && !conf.check_sig);
                o.update = a.update || a.mode == MODE_UPDATE_ALL;
                o.progress = !a.quiet && isatty(STDERR_FILENO);
                rc = run(&a, ctx, &o, cache_dir, argv + optind);
        }
        vz_strv_free(a.repos);
        dl_conf_done(&conf);
        vz_ctx_free(ctx);
        return rc;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzpkg: manage OS template caches.
 *
 *   vzpkg create cache <ostemplate> [--mirror URL] [--packages a,b] [--force]
 *   vzpkg remove cache <ostemplate>
 *   vzpkg list [-c]
 *   vzpkg import <image> <ostemplate> [--force]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vz/vz.h>

#include "common.h"

/* OpenVZ vzpkg's exit code for "template cache already exist"
 * (vztt: VZT_TCACHE_EXIST). */
#define VZPKG_E_CACHE_EXISTS 29

#define streq(a, b)    (strcmp((a), (b)) == 0)
#define streq_cache(s) streq((s), "cache")

static void usage(FILE *f)
{
        fprintf(f, "Usage: vzpkg [-q|-v] <command> [options]\n"
                   "\n"
                   "Commands:\n"
                   "  create cache <ostemplate> [--mirror URL] [--packages a,b,...]\n"
                   "               [--suite SUITE] [--force]\n"
                   "                          build TEMPLATE/cache/<ostemplate>.tar.zst\n"
                   "                          (busybox, or from its metadata in\n"
                   "                          $VZ_CONFDIR/templates/<ostemplate>/)\n"
                   "  remove cache <ostemplate>\n"
                   "                          delete the cache of <ostemplate>\n"
                   "  list [-c]               list the OS templates that can be built or\n"
                   "                          have a cache (with its date); -c: cached only\n"
                   "  import <image> <ostemplate> [--force]\n"
                   "                          make TEMPLATE/cache/<ostemplate>.tar.zst from an\n"
                   "                          OCI image: oci:DIR[:TAG] (an image layout) or any\n"
                   "                          skopeo reference (docker://..., oci-archive:...)\n"
                   "\n"
                   "Options:\n"
                   "  -q, --quiet             print only errors\n"
                   "  -v, --verbose           print more (debootstrap output)\n"
                   "  -h, --help              show this help\n"
                   "      --version           show the version\n");
}

static int open_ctx(vz_ctx **ctx)
{
        vz_err e = {0};

        if (vz_ctx_new(ctx, &e) < 0)
                return tool_fail(&e, "cannot read the global configuration");
        return 0;
}

/* The options of create and import; each takes those in its table. */
struct pkg_opts {
        const char *mirror, *packages, *suite;
        bool force;
};

/* -1 to go on, the operands at optind; or the exit code. */
static int parse_opts(int argc, char **argv, const char *optstring, const struct option *opts,
                      struct pkg_opts *o)
{
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
                switch (c) {
                case 'm':
                        o->mirror = optarg;
                        break;
                case 'p':
                        o->packages = optarg;
                        break;
                case 's':
                        o->suite = optarg;
                        break;
                case 'f':
                        o->force = true;
                        break;
                case 'q':
                        tool_verbosity = -1;
                        break;
                case 'v':
                        tool_verbosity++;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        return VZ_E_SYNTAX;
                }
        }
        return -1;
}

static int cmd_create(int argc, char **argv)
{
        static const struct option opts[] = {
            {"mirror", required_argument, NULL, 'm'}, {"packages", required_argument, NULL, 'p'},
            {"suite", required_argument, NULL, 's'},  {"force", no_argument, NULL, 'f'},
            {"quiet", no_argument, NULL, 'q'},        {"verbose", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},         {},
        };
        struct pkg_opts po = {0};
        vz_cache_opts co = {0};
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        const char *name;
        char label[300];
        int r;

        r = parse_opts(argc, argv, "m:p:s:fqvh", opts, &po);
        if (r >= 0)
                return r;
        co.mirror = po.mirror;
        co.packages = po.packages;
        co.suite = po.suite;
        co.force = po.force;
        if (optind >= argc || !streq_cache(argv[optind])) {
                tool_error("usage: vzpkg create cache <ostemplate> [options]");
                return VZ_E_NOTENOUGHPARAMS;
        }
        if (optind + 1 >= argc) {
                tool_error("create cache: no OS template given");
                return VZ_E_NOTENOUGHPARAMS;
        }
        if (optind + 2 < argc) {
                tool_error("create cache: unexpected argument '%s'", argv[optind + 2]);
                return VZ_E_SYNTAX;
        }
        name = argv[optind + 1];
        r = open_ctx(&ctx);
        if (r)
                return r;
        /* Before any work (a Debian build takes minutes), as OpenVZ. */
        if (!co.force) {
                char *path = NULL;

                if (vz_tmpl_find_cache(ctx, name, &path, &e) == 0) {
                        tool_error("%s cache file already exist: %s (use --force to replace it)",
                                   name, path);
                        free(path);
                        vz_ctx_free(ctx);
                        return VZPKG_E_CACHE_EXISTS;
                }
                memset(&e, 0, sizeof(e));
        }
        snprintf(label, sizeof(label), "Packing %s", name);
        co.progress = tool_progress;
        co.userdata = label;
        tool_msg("Creating template cache %s\n", name);
        fflush(stdout);
        r = vz_cache_create(ctx, name, &co, &e);
        vz_ctx_free(ctx);
        if (r == -EEXIST) {
                /* Another vzpkg made it meanwhile (the library waited). */
                tool_fail(&e, "cannot create template cache %s", name);
                return VZPKG_E_CACHE_EXISTS;
        }
        if (r < 0)
                return tool_fail(&e, "cannot create template cache %s", name);
        tool_msg("Template cache %s created\n", name);
        return 0;
}

static int cmd_remove(int argc, char **argv)
{
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        const char *name;
        int r, removed = 0;

        if (argc < 3 || !streq_cache(argv[1])) {
                tool_error("usage: vzpkg remove cache <ostemplate>");
                return VZ_E_NOTENOUGHPARAMS;
        }
        if (argc > 3) {
                tool_error("remove cache: unexpected argument '%s'", argv[3]);
                return VZ_E_SYNTAX;
        }
        name = argv[2];
        r = open_ctx(&ctx);
        if (r)
                return r;
        /* A template may have caches in several compressions: remove all. */
        for (;;) {
                char *path = NULL;

                memset(&e, 0, sizeof(e));
                if (vz_tmpl_find_cache(ctx, name, &path, &e) < 0)
                        break;
                /* Not while an overlay CT is built on it (its unpacked
                 * layer goes with it). */
                if (vz_tmpl_cache_release(ctx, path, &e) < 0) {
                        free(path);
                        vz_ctx_free(ctx);
                        return tool_fail(&e, "cannot remove template cache %s", name);
                }
                if (unlink(path) < 0) {
                        tool_error("cannot remove %s: %s", path, strerror(errno));
                        free(path);
                        vz_ctx_free(ctx);
                        return VZ_E_SYSTEM;
                }
                tool_msg("Removed %s\n", path);
                free(path);
                removed++;
        }
        vz_ctx_free(ctx);
        if (removed == 0)
                return tool_fail(&e, "cannot remove template cache %s", name);
        return 0;
}

/* vzpkg list: every OS template that can be built or has a cache, with
 * the cache's time where there is one (vztt's layout); -c: only the names
 * of those with a cache. */
static int cmd_list(int argc, char **argv)
{
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        char **cached = NULL, **avail = NULL;
        bool only_cached = false;
        int r;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "-c") || streq(argv[i], "--cache") || streq(argv[i], "--cached"))
                        only_cached = true;
                else {
                        tool_error("list: unknown option '%s'", argv[i]);
                        return VZ_E_SYNTAX;
                }
        }
        r = open_ctx(&ctx);
        if (r)
                return r;
        r = vz_tmpl_list(ctx, &cached, &e);
        if (r >= 0 && !only_cached)
                r = vz_tmpl_list_available(ctx, &avail, &e);
        if (r < 0) {
                vz_ctx_free(ctx);
                vz_strv_free(cached);
                return tool_fail(&e, "cannot list OS templates");
        }
        if (only_cached) {
                for (char **n = cached; *n; n++)
                        printf("%s\n", *n);
        } else {
                /* Both lists are sorted: merge them. */
                char **a = avail, **c = cached;

                while (*a || *c) {
                        int cmp = !*a ? 1 : !*c ? -1 : strcmp(*a, *c);
                        const char *name = cmp <= 0 ? *a : *c;
                        char *path = NULL, when[32] = "";
                        vz_err e2 = {0};
                        struct stat st;

                        if (cmp >= 0) {
                                if (vz_tmpl_find_cache(ctx, name, &path, &e2) == 0 &&
                                    stat(path, &st) == 0)
                                        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
                                                 localtime(&st.st_mtime));
                                free(path);
                        }
                        if (*when)
                                printf("%-34s %s\n", name, when);
                        else
                                printf("%s\n", name);
                        if (cmp <= 0)
                                a++;
                        if (cmp >= 0)
                                c++;
                }
        }
        vz_ctx_free(ctx);
        vz_strv_free(cached);
        vz_strv_free(avail);
        return 0;
}

/* vzpkg import <image> <ostemplate>: OpenVZ's vzpkg has no such command;
 * the image comes first as in "skopeo copy SRC DST" and "vzpkg create
 * cache" naming the result last. */
static int cmd_import(int argc, char **argv)
{
        static const struct option opts[] = {
            {"force", no_argument, NULL, 'f'},
            {"quiet", no_argument, NULL, 'q'},
            {"verbose", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        struct pkg_opts po = {0};
        vz_import_opts io = {0};
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        const char *ref, *name;
        char label[300];
        int r;

        r = parse_opts(argc, argv, "+fqvh", opts, &po);
        if (r >= 0)
                return r;
        io.force = po.force;
        if (argc - optind < 2) {
                tool_error("usage: vzpkg import <image> <ostemplate> [--force]");
                return VZ_E_NOTENOUGHPARAMS;
        }
        if (argc - optind > 2) {
                tool_error("import: unexpected argument '%s'", argv[optind + 2]);
                return VZ_E_SYNTAX;
        }
        ref = argv[optind];
        name = argv[optind + 1];
        r = open_ctx(&ctx);
        if (r)
                return r;
        snprintf(label, sizeof(label), "Applying layers of %s", ref);
        io.progress = tool_progress;
        io.userdata = label;
        tool_msg("Importing %s as template cache %s\n", ref, name);
        fflush(stdout);
        r = vz_tmpl_import(ctx, ref, name, &io, &e);
        vz_ctx_free(ctx);
        if (r < 0)
                return tool_fail(&e, "cannot import %s", ref);
        tool_msg("Template cache %s created\n", name);
        return 0;
}

int main(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(int argc, char **argv);
        } cmds[] = {
            {"create", cmd_create},
            {"remove", cmd_remove},
            {"list", cmd_list},
            {"import", cmd_import},
        };
        int i;

        tool_init("vzpkg");
        /* Global options before the command. */
        for (i = 1; i < argc && argv[i][0] == '-'; i++) {
                if (streq(argv[i], "-q") || streq(argv[i], "--quiet"))
                        tool_verbosity = -1;
                else if (streq(argv[i], "-v") || streq(argv[i], "--verbose"))
                        tool_verbosity++;
                else if (streq(argv[i], "-h") || streq(argv[i], "--help")) {
                        usage(stdout);
                        return 0;
                } else if (streq(argv[i], "--version")) {
                        printf("vzpkg %s\n", vz_version());
                        return 0;
                } else {
                        tool_error("unknown option '%s'", argv[i]);
                        usage(stderr);
                        return VZ_E_SYNTAX;
                }
        }
        if (i >= argc) {
                usage(stderr);
                return VZ_E_NOTENOUGHPARAMS;
        }
        for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
                if (streq(argv[i], cmds[k].name))
                        return cmds[k].fn(argc - i, argv + i);
        tool_error("unknown command '%s'", argv[i]);
        usage(stderr);
        return VZ_E_SYNTAX;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzubc: the user beancounters of running CTs (OPENVZ.md 5.7), computed by
 * libvz from cgroup counters. The default view is OpenVZ's human one (page
 * values in bytes with suffixes, "-" for zero and unlimited, percentages of
 * barrier and limit); --raw prints /proc/user_beancounters exactly as the
 * 64-bit OpenVZ kernel did (OPENVZ.md 3.3), for scripts that parse it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

struct options {
        bool raw, verbose, quiet, color, relative, incremental;
        double qh, qm;
        const char *store; /* -rd / -id: where -r and -i keep the previous run */
        const char *file;  /* -f: read this file ("-": stdin) instead of the CTs */
};

/* One beancounter block: a CT's resources, from libvz or from a file. */
struct block {
        unsigned ctid;
        size_t n;
        vz_ubc u[32];
        char names[32][24]; /* storage for names read from a file */
};

static bool is_pages(const char *name)
{
        size_t l = strlen(name);
        return l > 5 && strcmp(name + l - 5, "pages") == 0;
}

static bool unlimited(int64_t v)
{
        return v == VZ_UNLIMITED || v == INT32_MAX;
}

/* 1.5M style (pages shown in bytes); "-" for zero and unlimited. */
static void human(char *buf, size_t len, int64_t v, bool pages)
{
        static const char sfx[] = "KMGTPE";
        double d;
        int i = -1;

        if (v <= 0 || unlimited(v)) {
                snprintf(buf, len, "-");
                return;
        }
        if (!pages && v < 100000) { /* items and small byte counts as they are */
                snprintf(buf, len, "%d", (int)v);
                return;
        }
        d = (double)v * (pages ? 4096.0 : 1.0);
        while (d >= 1024 && i < 5) {
                d /= 1024;
                i++;
        }
        if (i < 0)
                snprintf(buf, len, "%.0f", d);
        else
                snprintf(buf, len, d < 10 ? "%.1f%c" : "%.0f%c", d, sfx[i]);
}

static void pct(char *buf, size_t len, int64_t v, int64_t of)
{
        if (of <= 0 || unlimited(of) || v < 0)
                snprintf(buf, len, "-");
        else
                snprintf(buf, len, "%.0f%%", (double)v * 100.0 / (double)of);
}

static void print_raw_header(void)
{
        char buf[512];

        if (vz_ubc_format_raw(buf, sizeof(buf), true, 0, NULL, 0) > 0)
                fputs(buf, stdout);
}

/* The 24 compatibility rows, as /proc/user_beancounters has them. */
static void print_raw(const struct block *b)
{
        char buf[4096];

        if (vz_ubc_format_raw(buf, sizeof(buf), false, b->ctid, b->u, b->n) > 0)
                fputs(buf, stdout);
}

/* ------------------------------------------------------- -r and -i state */
/* <store>/ubc.<ctid> keeps "name failcnt" lines of the last -r run,
 * <store>/held.<ctid> "name held" lines of the last -i run. */
static bool store_get(const struct options *o, const char *kind, unsigned ctid, const char *name,
                      int64_t *ret)
{
        char path[4096], line[128], n[64];
        long long v;
        bool found = false;
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s.%u", o->store, kind, ctid);
        f = fopen(path, "re");
        if (!f)
                return false;
        while (!found && fgets(line, sizeof(line), f))
                if (sscanf(line, "%63s %lld", n, &v) == 2 && !strcmp(n, name)) {
                        *ret = v;
                        found = true;
                }
        fclose(f);
        return found;
}

static int store_put(const struct options *o, const char *kind, const struct block *b, bool held)
{
        char path[4096], tmp[4200];
        FILE *f;
        int fd;

        if (mkdir(o->store, 0700) < 0 && errno != EEXIST) {
                tool_error("cannot create %s: %s", o->store, strerror(errno));
                return -1;
        }
        snprintf(path, sizeof(path), "%s/%s.%u", o->store, kind, b->ctid);
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        f = fd < 0 ? NULL : fdopen(fd, "w");
        if (!f) {
                tool_error("cannot write %s: %s", tmp, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        for (size_t i = 0; i < b->n; i++)
                fprintf(f, "%s %" PRId64 "\n", b->u[i].name, held ? b->u[i].held : b->u[i].failcnt);
        if (fclose(f) != 0 || rename(tmp, path) < 0) {
                tool_error("cannot write %s: %s", path, strerror(errno));
                unlink(tmp);
                return -1;
        }
        return 0;
}

static void store_clear(const struct options *o, const char *kind)
{
        size_t l = strlen(kind);
        struct dirent *de;
        DIR *d = opendir(o->store);

        if (!d)
                return;
        while ((de = readdir(d)))
                if (!strncmp(de->d_name, kind, l) && de->d_name[l] == '.')
                        unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
}

/* -r: failcnt since the previous run (the whole count if there was none or
 * the counter went back, e.g. the CT restarted). Saves the new counts. */
static int apply_relative(const struct options *o, struct block *b)
{
        struct block cur = *b;

        for (size_t i = 0; i < b->n; i++) {
                int64_t old;
                if (b->u[i].failcnt > 0 && store_get(o, "ubc", b->ctid, b->u[i].name, &old) &&
                    old <= b->u[i].failcnt)
                        b->u[i].failcnt -= old;
        }
        return store_put(o, "ubc", &cur, false);
}

static void signed_human(char *buf, size_t len, int64_t d, bool pages)
{
        char h[32];

        if (d == 0) {
                snprintf(buf, len, "0");
                return;
        }
        human(h, sizeof(h), d < 0 ? -d : d, pages);
        snprintf(buf, len, "%c%s", d < 0 ? '-' : '+', h);
}

static void print_human(const struct block *b, const int64_t *delta, const struct options *o)
{
        const char *red = o->color ? "\033[31m" : "", *yellow = o->color ? "\033[33m" : "",
                   *off = o->color ? "\033[0m" : "";
        bool header = false;

        for (size_t i = 0; i < b->n; i++) {
                const vz_ubc *r = &b->u[i];
                bool pg = is_pages(r->name), near;
                char h[40], hb[16], hl[16], m[32], mb[16], ml[16], bb[32], l[32], f[24];
                int64_t bar = r->barrier;
                double lim = unlimited(r->limit) || r->limit <= 0 ? 0 : (double)r->limit;

                near = lim > 0 &&
                       ((double)r->held >= lim * o->qh || (double)r->maxheld >= lim * o->qm);
                if (o->quiet && r->failcnt <= 0 && !near)
                        continue;
                if (!header) {
                        printf(
                            "----------------------------------------------------------------\n");
                        printf("CT %-9u |%s Bar%% Lim%%| MAXH Bar%% Lim%%| BAR | LIM |%s\n",
                               b->ctid, o->incremental ? "+HELD" : " HELD",
                               o->relative ? "+FAIL" : " FAIL");
                        printf(
                            "-------------+---------------+---------------+-----+-----+------\n");
                        header = true;
                }
                /* An unlimited barrier says nothing: hidden unless -v. */
                if (unlimited(bar) && !o->verbose)
                        bar = 0;
                if (delta)
                        signed_human(h, sizeof(h), delta[i], pg);
                else
                        human(h, sizeof(h), r->held, pg);
                human(m, sizeof(m), r->maxheld, pg);
                human(bb, sizeof(bb), bar, pg);
                human(l, sizeof(l), r->limit, pg);
                pct(hb, sizeof(hb), r->held, bar);
                pct(hl, sizeof(hl), r->held, r->limit);
                pct(mb, sizeof(mb), r->maxheld, bar);
                pct(ml, sizeof(ml), r->maxheld, r->limit);
                if (r->failcnt > 0)
                        snprintf(f, sizeof(f), "%" PRId64, r->failcnt);
                else
                        snprintf(f, sizeof(f), "-");
                printf("%s%12s |%5s %4s %4s|%5s %4s %4s|%5s|%5s| %4s%s%s\n",
                       r->failcnt > 0 ? red
                       : near         ? yellow
                                      : "",
                       r->name, h, hb, hl, m, mb, ml, bb, l, f,
                       r->enforced || !o->verbose ? "" : " (not enforced)",
                       r->failcnt > 0 || near ? off : "");
        }
}

static int show_block(struct block *b, const struct options *o)
{
        int64_t delta[32];
        int rc = 0;

        if (o->relative && apply_relative(o, b) < 0)
                rc = 1;
        if (o->incremental) {
                for (size_t i = 0; i < b->n; i++) {
                        int64_t old;
                        delta[i] = store_get(o, "held", b->ctid, b->u[i].name, &old)
                                       ? b->u[i].held - old
                                       : b->u[i].held;
                }
                if (store_put(o, "held", b, true) < 0)
                        rc = 1;
        }
        if (o->raw)
                print_raw(b);
        else
                print_human(b, o->incremental ? delta : NULL, o);
        return rc;
}

static int show(vz_ctx *ctx, unsigned ctid, bool named, const struct options *o)
{
        struct block b = {.ctid = ctid};
        vz_ct_state st;
        vz_ct *ct = NULL;
        vz_err e = {0};
        int n;

        if (vz_ct_open(ctx, ctid, &ct, &e) < 0)
                return tool_fail(&e, "CT %u", ctid);
        if (vz_ct_get_state(ct, &st, &e) < 0) {
                vz_ct_free(ct);
                return tool_fail(&e, "CT %u", ctid);
        }
        if (!st.running) {
                vz_ct_free(ct);
                if (!named)
                        return 0;
                tool_error("CT %u is not running", ctid);
                return 1;
        }
        n = vz_ct_get_ubc(ct, b.u, VZ_UBC_COUNT, &e);
        vz_ct_free(ct);
        if (n < 0)
                return tool_fail(&e, "CT %u", ctid);
        b.n = (size_t)n;
        return show_block(&b, o);
}

/* Kernel resource IDs by name (OPENVZ.md 3.2), for --raw of a file. */
static int resource_id(const char *name)
{
        static const char *const ids[] = {
            "kmemsize",     "lockedpages", "privvmpages",  "shmpages",     "dummy",
            "numproc",      "physpages",   "vmguarpages",  "oomguarpages", "numtcpsock",
            "numflock",     "numpty",      "numsiginfo",   "tcpsndbuf",    "tcprcvbuf",
            "othersockbuf", "dgramrcvbuf", "numothersock", "dcachesize",   "numfile",
            "dummy",        "dummy",       "dummy",        "numiptent",    "swappages",
        };
        for (int i = 0; i < (int)(sizeof(ids) / sizeof(*ids)); i++)
                if (!strcmp(ids[i], name))
                        return i;
        return -1;
}

/* -f FILE: blocks in /proc/user_beancounters (or /proc/bc/resources)
 * format; a block starts at "<id>:", dummy rows are skipped. */
static int show_file(const struct options *o, const unsigned *ids, size_t nids)
{
        FILE *f = strcmp(o->file, "-") ? fopen(o->file, "re") : stdin;
        struct block b = {0};
        bool inblock = false, want = false;
        char line[512];
        int rc = 0;

        if (!f) {
                tool_error("cannot open %s: %s", o->file, strerror(errno));
                return 1;
        }
        while (fgets(line, sizeof(line), f)) {
                char *p = line, name[24];
                unsigned long long v[5];

                if (!strncmp(line, "Version:", 8)) {
                        if (strncmp(line + 8, " 2.5", 4) != 0) {
                                tool_error("unknown version: %s", line + 9);
                                rc = 1;
                                break;
                        }
                        continue;
                }
                while (*p == ' ')
                        p++;
                if (isdigit((unsigned char)*p)) {
                        char *end;
                        unsigned long id = strtoul(p, &end, 10);
                        if (*end != ':')
                                continue;
                        if (inblock && want && show_block(&b, o))
                                rc = 1;
                        memset(&b, 0, sizeof(b));
                        b.ctid = (unsigned)id;
                        inblock = true;
                        want = nids == 0;
                        for (size_t i = 0; i < nids; i++)
                                if (ids[i] == b.ctid)
                                        want = true;
                        p = end + 1;
                }
                if (!inblock || sscanf(p, "%23s %llu %llu %llu %llu %llu", name, &v[0], &v[1],
                                       &v[2], &v[3], &v[4]) != 6)
                        continue;
                if (!strcmp(name, "dummy") || b.n >= 32)
                        continue;
                snprintf(b.names[b.n], sizeof(b.names[b.n]), "%s", name);
                b.u[b.n] = (vz_ubc){.name = b.names[b.n],
                                    .id = resource_id(name),
                                    .enforced = true,
                                    .held = (int64_t)v[0],
                                    .maxheld = (int64_t)v[1],
                                    .barrier = (int64_t)v[2],
                                    .limit = (int64_t)v[3],
                                    .failcnt = (int64_t)v[4]};
                b.n++;
        }
        if (inblock && want && show_block(&b, o))
                rc = 1;
        if (f != stdin)
                fclose(f);
        return rc;
}

/* Inside a CT the kernel's file (an OpenVZ kernel) or the one vz serves
 * (see vzubc(8)); on the host neither exists and libvz computes the view. */
static const char *const ubc_files[] = {"/proc/user_beancounters", "/dev/.vz/user_beancounters",
                                        NULL};

static void usage(FILE *f)
{
        fprintf(f, "Usage: vzubc [option ...] [-f FILE|-] [CTID|name ...]\n"
                   "  -R, --raw        print /proc/user_beancounters (Version 2.5 layout)\n"
                   "  -v, --verbose    show unlimited barriers and unenforced beancounters\n"
                   "  -c, --color      colour lines with fails (red) or near the limit (yellow)\n"
                   "  -q, --quiet      only beancounters with fails or near their limit\n"
                   "  -qh F            held threshold for -q (fraction of limit, default 0.5)\n"
                   "  -qm F            maxheld threshold for -q (default 0.8)\n"
                   "  -r, --relative   fail counts since the previous -r run\n"
                   "  -rd DIR          keep -r/-i state in DIR (default /tmp/vzubc.store)\n"
                   "  -rc              clear the -r state\n"
                   "  -i, --incremental held change since the previous -i run\n"
                   "  -id DIR          same as -rd\n"
                   "  -ic              clear the -i state\n"
                   "  -w, --watch      run under watch(1); -wd highlights differences,\n"
                   "                   -wt hides watch's title, -wn SEC sets the interval\n"
                   "  -f FILE          read beancounters from FILE (\"-\": stdin) in\n"
                   "                   /proc/user_beancounters format\n");
}

/* -w: run ourselves under watch(1) without the watch options. */
static int run_watch(int argc, char **argv, const char *wargs[], size_t nw)
{
        char **av = calloc((size_t)argc + nw + 6, sizeof(*av));
        char self[4096];
        ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
        size_t k = 0;

        if (!av || l <= 0) {
                tool_error("cannot run watch: %s", strerror(errno));
                return 1;
        }
        self[l] = '\0';
        av[k++] = (char *)"watch";
        for (size_t i = 0; i < nw; i++)
                av[k++] = (char *)wargs[i];
        av[k++] = (char *)"--";
        av[k++] = self;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "-w") || !strcmp(a, "--watch") || !strcmp(a, "-wd") ||
                    !strcmp(a, "-wt"))
                        continue;
                if (!strcmp(a, "-wn")) {
                        i++;
                        continue;
                }
                av[k++] = argv[i];
        }
        execvp("watch", av);
        tool_error("cannot run watch: %s", strerror(errno));
        free(av);
        return 1;
}

/* The command line: what the CTs are shown with, and what happens first. */
struct cmdline {
        struct options o;
        bool watch, rclear, iclear;
        const char *wargs[8]; /* watch(1)'s options */
        size_t nw;
        int first; /* the first CT argument */
};

/* One option at argv[*i] (an argument after it when has_arg): true if known. */
static bool option(struct cmdline *c, char **argv, int *i, bool has_arg)
{
        const char *a = argv[*i];
        struct options *o = &c->o;

        if (!strcmp(a, "-R") || !strcmp(a, "--raw"))
                o->raw = true;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
                o->verbose = true;
        else if (!strcmp(a, "-c") || !strcmp(a, "--color"))
                o->color = true;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
                o->quiet = true;
        else if (!strcmp(a, "-r") || !strcmp(a, "--relative"))
                o->relative = true;
        else if (!strcmp(a, "-i") || !strcmp(a, "--incremental"))
                o->incremental = true;
        else if ((!strcmp(a, "-rd") || !strcmp(a, "-id")) && has_arg) {
                o->store = argv[++*i];
                *(a[1] == 'r' ? &o->relative : &o->incremental) = true;
        } else if (!strcmp(a, "-rc"))
                c->rclear = o->relative = true;
        else if (!strcmp(a, "-ic"))
                c->iclear = o->incremental = true;
        else if (!strcmp(a, "-w") || !strcmp(a, "--watch"))
                c->watch = true;
        else if (!strcmp(a, "-wd") || !strcmp(a, "-wt")) {
                c->watch = true;
                c->wargs[c->nw++] = a[2] == 'd' ? "-d" : "-t";
        } else if (!strcmp(a, "-wn") && has_arg && c->nw + 2 <= 8) {
                c->watch = true;
                c->wargs[c->nw++] = "-n";
                c->wargs[c->nw++] = argv[++*i];
        } else if ((!strcmp(a, "-f") || !strcmp(a, "--file")) && has_arg)
                o->file = argv[++*i];
        else
                return false;
        return true;
}

/*
 * OpenVZ's vzubc has two-letter options (-qh, -rd, -wn): parsed by hand.
 * Returns -1 to go on, or the exit code.
 */
static int parse_args(int argc, char **argv, struct cmdline *c)
{
        for (c->first = 1; c->first < argc && argv[c->first][0] == '-' && argv[c->first][1];
             c->first++) {
                const char *a = argv[c->first];
                bool arg = c->first + 1 < argc;
                if ((!strcmp(a, "-qh") || !strcmp(a, "-qm")) && arg) {
                        char *end;
                        double d = strtod(argv[++c->first], &end);
                        if (*end || d <= 0) {
                                tool_error("invalid value for %s: %s", a, argv[c->first]);
                                return 1;
                        }
                        *(a[2] == 'h' ? &c->o.qh : &c->o.qm) = d;
                        c->o.quiet = true;
                } else if (option(c, argv, &c->first, arg))
                        continue;
                else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(a, "--")) {
                        c->first++;
                        break;
                } else {
                        tool_error("unknown option or missing argument: %s", a);
                        usage(stderr);
                        return 1;
                }
        }
        if (c->first < argc && !strcmp(argv[c->first], "-") && !c->o.file) {
                c->o.file = "-";
                c->first++;
        }
        return -1;
}

/* -f: the blocks of the file, filtered by the CT IDs given. */
static int show_file_ids(const struct options *o, int argc, char **argv)
{
        unsigned *ids = calloc((size_t)argc + 1, sizeof(*ids));
        size_t nids = 0;
        int rc;

        for (int i = 0; ids && i < argc; i++)
                if (vz_ctid_parse(argv[i], &ids[nids]) == 0)
                        nids++;
                else {
                        tool_error("CT ID %s is invalid", argv[i]);
                        free(ids);
                        return 1;
                }
        rc = ids ? show_file(o, ids, nids) : 1;
        free(ids);
        return rc;
}

/* The CTs named, or every running CT. */
static int show_cts(const struct options *o, int argc, char **argv)
{
        unsigned *ids = NULL;
        size_t nids = 0;
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        int rc = 0;

        if (vz_ctx_new(&ctx, &e) < 0) {
                tool_fail(&e, "cannot read global config");
                return 1;
        }
        if (argc > 0) {
                for (int i = 0; i < argc; i++) {
                        unsigned id;
                        if (vz_ct_resolve(ctx, argv[i], &id, &e) < 0) {
                                tool_fail(&e, "%s", argv[i]);
                                rc = 1;
                                continue;
                        }
                        if (show(ctx, id, true, o))
                                rc = 1;
                }
        } else if (vz_ct_list_ids(ctx, &ids, &nids, &e) < 0) {
                tool_fail(&e, "cannot list CTs");
                rc = 1;
        } else
                for (size_t i = 0; i < nids; i++)
                        if (show(ctx, ids[i], false, o))
                                rc = 1;
        free(ids);
        vz_ctx_free(ctx);
        return rc;
}

int main(int argc, char **argv)
{
        struct cmdline c = {.o = {.qh = 0.5, .qm = 0.8, .store = "/tmp/vzubc.store"}};
        int rc;

        tool_init("vzubc");
        rc = parse_args(argc, argv, &c);
        if (rc >= 0)
                return rc;
        for (size_t i = 0; !c.o.file && ubc_files[i]; i++)
                if (access(ubc_files[i], R_OK) == 0)
                        c.o.file = ubc_files[i];
        if (c.watch)
                return run_watch(argc, argv, c.wargs, c.nw);
        if (c.rclear)
                store_clear(&c.o, "ubc");
        if (c.iclear)
                store_clear(&c.o, "held");
        if (c.o.raw)
                print_raw_header();
        /* With a file, CT IDs filter its blocks; no config needed. */
        if (c.o.file)
                return show_file_ids(&c.o, argc - c.first, argv + c.first);
        return show_cts(&c.o, argc - c.first, argv + c.first);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzubc: the user beancounters of running CTs (OPENVZ.md 5.7), computed by
 * libvz from cgroup counters. The default view is OpenVZ's human one (page
 * values in bytes with suffixes, "-" for zero and unlimited, percentages of
 * barrier and limit); --raw prints /proc/user_beancounters exactly as the
 * 64-bit OpenVZ kernel did (OPENVZ.md 3.3), for scripts that parse it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

struct options {
        bool raw, verbose, quiet;
        double qh, qm;
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

static void print_raw(unsigned ctid, const vz_ubc *u, size_t n)
{
        char buf[4096];

        if (vz_ubc_format_raw(buf, sizeof(buf), false, ctid, u, n) > 0)
                fputs(buf, stdout);
}

static void print_human(unsigned ctid, const vz_ubc *u, size_t n, const struct options *o)
{
        printf("----------------------------------------------------------------\n");
        printf("CT %-9u | HELD Bar%% Lim%%| MAXH Bar%% Lim%%| BAR | LIM | FAIL\n", ctid);
        printf("-------------+---------------+---------------+-----+-----+------\n");
        for (size_t i = 0; i < n; i++) {
                const vz_ubc *r = &u[i];
                bool pg = is_pages(r->name);
                char h[32], hb[16], hl[16], m[32], mb[16], ml[16], b[32], l[32], f[24];
                int64_t bar = r->barrier;

                if (o->quiet) {
                        double lim = unlimited(r->limit) || r->limit <= 0 ? 0 : (double)r->limit;
                        if (r->failcnt <= 0 && (lim == 0 || ((double)r->held < lim * o->qh &&
                                                             (double)r->maxheld < lim * o->qm)))
                                continue;
                }
                /* An unlimited barrier says nothing: hidden unless -v. */
                if (unlimited(bar) && !o->verbose)
                        bar = 0;
                human(h, sizeof(h), r->held, pg);
                human(m, sizeof(m), r->maxheld, pg);
                human(b, sizeof(b), bar, pg);
                human(l, sizeof(l), r->limit, pg);
                pct(hb, sizeof(hb), r->held, bar);
                pct(hl, sizeof(hl), r->held, r->limit);
                pct(mb, sizeof(mb), r->maxheld, bar);
                pct(ml, sizeof(ml), r->maxheld, r->limit);
                if (r->failcnt > 0)
                        snprintf(f, sizeof(f), "%" PRId64, r->failcnt);
                else
                        snprintf(f, sizeof(f), "-");
                printf("%12s |%5s %4s %4s|%5s %4s %4s|%5s|%5s| %4s%s\n", r->name, h, hb, hl, m, mb,
                       ml, b, l, f, r->enforced || !o->verbose ? "" : " (not enforced)");
        }
}

static int show(vz_ctx *ctx, unsigned ctid, bool named, const struct options *o)
{
        vz_ubc u[VZ_UBC_COUNT];
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
        n = vz_ct_get_ubc(ct, u, VZ_UBC_COUNT, &e);
        vz_ct_free(ct);
        if (n < 0)
                return tool_fail(&e, "CT %u", ctid);
        if (o->raw)
                print_raw(ctid, u, (size_t)n);
        else
                print_human(ctid, u, (size_t)n, o);
        return 0;
}

/* Inside a CT the kernel's file (an OpenVZ kernel) or the one vz serves
 * (see vzubc(8)); on the host neither exists and libvz computes the view. */
static const char *const ubc_files[] = {"/proc/user_beancounters", "/dev/.vz/user_beancounters",
                                        NULL};

/* Blocks of a /proc/user_beancounters file, parsed as OpenVZ's tools do: a
 * block starts at "<id>:", other lines are "name held maxheld barrier
 * limit failcnt"; dummy rows are skipped. ids: only those CTs (n 0: all). */
static int show_file(const char *path, const unsigned *ids, size_t nids, const struct options *o)
{
        FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
        char line[512], names[VZ_UBC_COUNT + 4][24];
        vz_ubc u[VZ_UBC_COUNT + 4];
        size_t n = 0;
        unsigned ctid = 0;
        bool in_block = false, lineno0 = true;
        int rc = 0;

        if (!f) {
                tool_error("cannot read %s: %s", path, strerror(errno));
                return 1;
        }
        for (;;) {
                bool eof = !fgets(line, sizeof(line), f);
                char *p = line, name[24];
                long long v[5];
                if (!eof && lineno0) {
                        lineno0 = false;
                        if (strncmp(line, "Version: 2.5", 12) != 0) {
                                tool_error("%s: unsupported format (want Version: 2.5)", path);
                                rc = 1;
                                break;
                        }
                        if (o->raw)
                                fputs(line, stdout);
                        continue;
                }
                while (!eof && (*p == ' ' || *p == '\t'))
                        p++;
                if (eof || (*p >= '0' && *p <= '9')) {
                        bool wanted = nids == 0;
                        for (size_t i = 0; i < nids; i++)
                                wanted |= ids[i] == ctid;
                        if (in_block && wanted && !o->raw)
                                print_human(ctid, u, n, o);
                        if (eof)
                                break;
                        ctid = (unsigned)strtoul(p, &p, 10);
                        if (*p != ':')
                                continue;
                        p++;
                        in_block = true;
                        n = 0;
                }
                if (o->raw) {
                        bool wanted = nids == 0 || !in_block;
                        for (size_t i = 0; i < nids; i++)
                                wanted |= ids[i] == ctid;
                        if (wanted)
                                fputs(line, stdout);
                        continue;
                }
                if (!in_block || sscanf(p, "%23s %lld %lld %lld %lld %lld", name, &v[0], &v[1],
                                        &v[2], &v[3], &v[4]) != 6 ||
                    strcmp(name, "dummy") == 0 || n >= (sizeof(u) / sizeof(u[0])))
                        continue;
                memcpy(names[n], name, sizeof(name));
                u[n] = (vz_ubc){.name = names[n], .id = (int)n, .enforced = true,
                                .held = v[0], .maxheld = v[1], .barrier = v[2], .limit = v[3],
                                .failcnt = v[4]};
                n++;
        }
        if (f != stdin)
                fclose(f);
        return rc;
}

static void usage(FILE *f)
{
        fprintf(f, "Usage: vzubc [-R|--raw] [-v] [-q [-qh F] [-qm F]] [-f FILE] [CTID|name ...]\n"
                   "  -R, --raw      print /proc/user_beancounters (Version 2.5 layout)\n"
                   "  -v, --verbose  show unlimited barriers and unenforced beancounters\n"
                   "  -q, --quiet    only beancounters with fails or near their limit\n"
                   "  -qh F          held threshold for -q (fraction of limit, default 0.5)\n"
                   "  -qm F          maxheld threshold for -q (default 0.8)\n"
                   "  -f FILE        read a /proc/user_beancounters file (- for stdin)\n");
}

int main(int argc, char **argv)
{
        struct options o = {.qh = 0.5, .qm = 0.8};
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        unsigned *ids = NULL;
        size_t nids = 0;
        const char *file = NULL;
        int rc = 0, first = 1;

        tool_init("vzubc");
        /* OpenVZ's vzubc has two-letter options (-qh, -qm): parse by hand. */
        for (; first < argc && argv[first][0] == '-'; first++) {
                const char *a = argv[first];
                if (!strcmp(a, "-R") || !strcmp(a, "--raw"))
                        o.raw = true;
                else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
                        o.verbose = true;
                else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
                        o.quiet = true;
                else if ((!strcmp(a, "-qh") || !strcmp(a, "-qm")) && first + 1 < argc) {
                        char *end;
                        double d = strtod(argv[++first], &end);
                        if (*end || d <= 0) {
                                tool_error("invalid value for %s: %s", a, argv[first]);
                                return 1;
                        }
                        *(a[2] == 'h' ? &o.qh : &o.qm) = d;
                        o.quiet = true;
                } else if (!strcmp(a, "-f") && first + 1 < argc) {
                        file = argv[++first];
                } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(a, "--")) {
                        first++;
                        break;
                } else {
                        tool_error("unknown option: %s", a);
                        usage(stderr);
                        return 1;
                }
        }
        for (size_t i = 0; !file && ubc_files[i]; i++)
                if (access(ubc_files[i], R_OK) == 0)
                        file = ubc_files[i];
        if (file) {
                unsigned fids[64];
                size_t nf = 0;
                for (int i = first; i < argc && nf < sizeof(fids) / sizeof(fids[0]); i++) {
                        char *end;
                        unsigned long id = strtoul(argv[i], &end, 10);
                        if (*end || end == argv[i]) {
                                tool_error("invalid CTID: %s", argv[i]);
                                return 1;
                        }
                        fids[nf++] = (unsigned)id;
                }
                return show_file(file, fids, nf, &o);
        }
        if (vz_ctx_new(&ctx, &e) < 0) {
                tool_fail(&e, "cannot read global config");
                return 1;
        }
        if (o.raw)
                print_raw_header();
        if (first < argc) {
                for (int i = first; i < argc; i++) {
                        unsigned id;
                        if (vz_ct_resolve(ctx, argv[i], &id, &e) < 0) {
                                tool_fail(&e, "%s", argv[i]);
                                rc = 1;
                                continue;
                        }
                        if (show(ctx, id, true, &o))
                                rc = 1;
                }
        } else if (vz_ct_list_ids(ctx, &ids, &nids, &e) < 0) {
                tool_fail(&e, "cannot list CTs");
                rc = 1;
        } else
                for (size_t i = 0; i < nids; i++)
                        if (show(ctx, ids[i], false, &o))
                                rc = 1;
        free(ids);
        vz_ctx_free(ctx);
        return rc;
}

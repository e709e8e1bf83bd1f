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
        printf("Version: 2.5\n");
        printf("%10s  %-12s %20s %20s %20s %20s %20s\n", "uid", "resource", "held", "maxheld",
               "barrier", "limit", "failcnt");
}

static uint64_t raw_value(int64_t v)
{
        return v < 0 ? 0 : (uint64_t)v;
}

/* The 24 compatibility rows (IDs 0..23: the dummy rows 4 and 20..22
 * included, swappages not), as /proc/user_beancounters has them. */
static void print_raw(unsigned ctid, const vz_ubc *u, size_t n)
{
        char id[16];

        snprintf(id, sizeof(id), "%u", ctid);
        for (int rid = 0; rid < 24; rid++) {
                const vz_ubc *r = NULL;
                vz_ubc dummy = {
                    .name = "dummy", .id = rid, .barrier = VZ_UNLIMITED, .limit = VZ_UNLIMITED};
                for (size_t i = 0; i < n; i++)
                        if (u[i].id == rid)
                                r = &u[i];
                if (!r)
                        r = &dummy;
                printf("%10s%c %-12s %20" PRIu64 " %20" PRIu64 " %20" PRIu64 " %20" PRIu64
                       " %20" PRIu64 "\n",
                       rid == 0 ? id : "", rid == 0 ? ':' : ' ', r->name, raw_value(r->held),
                       raw_value(r->maxheld), raw_value(r->barrier), raw_value(r->limit),
                       raw_value(r->failcnt));
        }
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

static void usage(FILE *f)
{
        fprintf(f, "Usage: vzubc [-R|--raw] [-v] [-q [-qh F] [-qm F]] [CTID|name ...]\n"
                   "  -R, --raw      print /proc/user_beancounters (Version 2.5 layout)\n"
                   "  -v, --verbose  show unlimited barriers and unenforced beancounters\n"
                   "  -q, --quiet    only beancounters with fails or near their limit\n"
                   "  -qh F          held threshold for -q (fraction of limit, default 0.5)\n"
                   "  -qm F          maxheld threshold for -q (default 0.8)\n");
}

int main(int argc, char **argv)
{
        struct options o = {.qh = 0.5, .qm = 0.8};
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        unsigned *ids = NULL;
        size_t nids = 0;
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

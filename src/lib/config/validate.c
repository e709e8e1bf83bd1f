/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzcfgvalidate's consistency rules for the beancounters of a config file
 * (OPENVZ.md 3.5), with OpenVZ's repairs. A non-VSwap config needs the full
 * UBC set and is checked with every rule; a VSwap config (PHYSPAGES limit
 * set) only needs PHYSPAGES and SWAPPAGES, and the UBCs it sets are checked
 * for shape (barrier <= limit, the barrier = limit ones, guarantees with an
 * unlimited limit), since the other rules size kernel memory that VSwap
 * no longer splits by hand.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "params.h"
#include "util.h"

enum {
        KMEM,
        LOCKED,
        PRIVVM,
        SHM,
        NUMPROC,
        PHYS,
        VMGUAR,
        OOMGUAR,
        NTCPSOCK,
        NFLOCK,
        NPTY,
        NSIGINFO,
        TCPSND,
        TCPRCV,
        OTHSOCK,
        DGRAM,
        NOTHSOCK,
        DCACHE,
        NFILE,
        NIPTENT,
        SWAP,
        AVNUMPROC,
        DSPACE,
        DINODES,
        N_ITEMS
};

/* The items' rows: the kernel beancounters in resource-ID order (the
 * enum's order up to SWAP), then AVNUMPROC (the one beancounter row
 * without a kernel ID) and the disk limits. */
_Static_assert(SWAP + 1 == VZ_UBC_COUNT, "items follow the kernel beancounters");

static int item_rows(const struct vz_param *row[N_ITEMS])
{
        const struct vz_param *p;

        if (vz_param_ubc_rows(row) != VZ_UBC_COUNT)
                return -EINVAL;
        row[AVNUMPROC] = NULL;
        for (size_t i = 0; (p = vz_param_row(i)); i++)
                if (p->kind == VZ_KIND_UBC && !p->extra_option && p->ubc_id < 0)
                        row[AVNUMPROC] = p;
        row[DSPACE] = vz_param_lookup(VZ_P_DISKSPACE);
        row[DINODES] = vz_param_lookup(VZ_P_DISKINODES);
        return row[AVNUMPROC] && row[DSPACE] && row[DINODES] ? 0 : -EINVAL;
}

struct item {
        int64_t b, l;
        bool set;
};

struct vstate {
        vz_conffile *f;
        const struct vz_param *row[N_ITEMS];
        struct item it[N_ITEMS];
        vz_validate_fn fn;
        void *ud;
        int unresolved;
        int changed;
        int failed; /* a repair could not be written into the file */
};

static int64_t sat_add(int64_t a, int64_t b)
{
        return a > VZ_UNLIMITED - b ? VZ_UNLIMITED : a + b;
}

static int64_t sat_mul(int64_t a, double k)
{
        double d = (double)a * k;
        return d >= (double)VZ_UNLIMITED ? VZ_UNLIMITED : (int64_t)d;
}

/* The item's lower-case name ("kmemsize"): its option. */
static const char *lower(const struct vstate *s, int i)
{
        return s->row[i]->info.option;
}

static void fmt_val(char *buf, size_t len, int64_t v)
{
        if (v == VZ_UNLIMITED)
                snprintf(buf, len, "unlimited");
        else
                snprintf(buf, len, "%lld", (long long)v);
}

/* One finding. The repair (new barrier and limit of item i) is offered to
 * the caller; applied if it says so. Recommendations never fail the check. */
_printf_(6, 7) static void finding(struct vstate *s, int sev, int i, int64_t nb, int64_t nl,
                                   const char *fmt, ...)
{
        char msg[512], fix[96], a[32], b[32];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        fmt_val(a, sizeof(a), nb);
        fmt_val(b, sizeof(b), nl);
        if (nb == nl && i != DSPACE && i != DINODES)
                snprintf(fix, sizeof(fix), "set %s to %s", s->row[i]->info.name, a);
        else
                snprintf(fix, sizeof(fix), "set %s to %s:%s", s->row[i]->info.name, a, b);
        if (s->fn && s->fn(sev, msg, fix, s->ud)) {
                _cleanup_free_ char *v = NULL;
                if (i == DSPACE || i == DINODES)
                        v = vz_strdupf("%lld:%lld", (long long)nb, (long long)nl);
                else
                        v = vz_ubc_format(nb, nl);
                if (!v || vz_conffile_set(s->f, s->row[i]->info.name, v) < 0) {
                        s->failed = -ENOMEM;
                        return;
                }
                s->it[i].b = nb;
                s->it[i].l = nl;
                s->changed++;
                return;
        }
        if (sev != VZ_VALIDATE_RECOMMENDATION)
                s->unresolved++;
}

static void check_bl(struct vstate *s, int i)
{
        struct item *x = &s->it[i];

        if (x->set && x->b > x->l)
                finding(s, VZ_VALIDATE_ERROR, i, x->b, x->b,
                        "barrier should be <= limit for %s (currently, %lld:%lld)", lower(s, i),
                        (long long)x->b, (long long)x->l);
}

static void check_b(struct vstate *s, int i)
{
        struct item *x = &s->it[i];
        int64_t m;

        if (!x->set || x->b == x->l)
                return;
        m = x->b > x->l ? x->b : x->l;
        finding(s, VZ_VALIDATE_ERROR, i, m, m,
                "barrier should be equal to limit for %s (currently, %lld:%lld)", lower(s, i),
                (long long)x->b, (long long)x->l);
}

static void check_unlimited(struct vstate *s, int i)
{
        struct item *x = &s->it[i];

        if (x->set && x->l != VZ_UNLIMITED)
                finding(s, VZ_VALIDATE_ERROR, i, x->b, VZ_UNLIMITED,
                        "limit should be unlimited for %s (currently, %lld)", lower(s, i),
                        (long long)x->l);
}

/* "<name> should be > val": raise the barrier to val, the limit by as much. */
static void check_min_bar(struct vstate *s, int sev, int i, int64_t val)
{
        struct item *x = &s->it[i];

        if (x->b >= val)
                return;
        finding(s, sev, i, val, x->l == VZ_UNLIMITED ? x->l : sat_add(x->l, val - x->b),
                "%s.bar should be > %lld (currently, %lld)", lower(s, i), (long long)val,
                (long long)x->b);
}

/* "lim - bar should be > val": raise the limit. */
static void check_gap(struct vstate *s, int sev, int i, int64_t val)
{
        struct item *x = &s->it[i];
        const char *n = lower(s, i);

        if (x->l == VZ_UNLIMITED || x->l - x->b >= val)
                return;
        finding(s, sev, i, x->b, sat_add(x->b, val),
                "%s.lim-%s.bar should be > %lld (currently, %lld)", n, n, (long long)val,
                (long long)(x->l - x->b));
}

static void rules_full(struct vstate *s)
{
        static const int required[] = {NUMPROC, NTCPSOCK, NOTHSOCK, OOMGUAR,  VMGUAR,
                                       KMEM,    TCPSND,   TCPRCV,   OTHSOCK,  DGRAM,
                                       PRIVVM,  NFILE,    DCACHE,   PHYS,     NPTY,
                                       LOCKED,  SHM,      NFLOCK,   NSIGINFO, NIPTENT};
        struct item *u = s->it;
        int64_t avnumproc, val;
        bool missing = false;

        for (size_t k = 0; k < sizeof(required) / sizeof(*required); k++)
                if (!u[required[k]].set) {
                        char msg[96];
                        snprintf(msg, sizeof(msg), "parameter %s not found", lower(s, required[k]));
                        if (s->fn)
                                s->fn(VZ_VALIDATE_ERROR, msg, NULL, s->ud);
                        s->unresolved++;
                        missing = true;
                }
        if (missing)
                return;
        avnumproc = u[AVNUMPROC].set ? u[AVNUMPROC].b : u[NUMPROC].b / 2;

        /* Primary */
        check_b(s, NUMPROC);
        check_b(s, NTCPSOCK);
        check_b(s, NOTHSOCK);
        check_unlimited(s, VMGUAR);
        /* Secondary */
        check_bl(s, KMEM);
        check_bl(s, TCPSND);
        check_bl(s, TCPRCV);
        check_bl(s, OTHSOCK);
        check_bl(s, DGRAM);
        check_unlimited(s, OOMGUAR);
        check_bl(s, PRIVVM);
        /* Auxiliary */
        check_bl(s, LOCKED);
        check_b(s, SHM);
        if (u[PHYS].b != 0)
                finding(s, VZ_VALIDATE_ERROR, PHYS, 0, u[PHYS].l,
                        "barrier should be = 0 for physpages (currently, %lld)",
                        (long long)u[PHYS].b);
        check_unlimited(s, PHYS);
        check_b(s, NFILE);
        check_bl(s, NFLOCK);
        check_b(s, NPTY);
        check_b(s, NSIGINFO);
        check_bl(s, DCACHE);
        check_b(s, NIPTENT);
        check_bl(s, DSPACE);
        check_bl(s, DINODES);

        /* Formulas */
        val = sat_mul(u[NFILE].b, 384);
        if (u[DCACHE].l < val)
                finding(s, VZ_VALIDATE_WARNING, DCACHE, u[DCACHE].b, val,
                        "dcachesize.lim should be > %lld (currently, %lld)", (long long)val,
                        (long long)u[DCACHE].l);
        val = sat_add(sat_mul(avnumproc, 40 * 1024), u[DCACHE].l);
        if (u[KMEM].b < val)
                finding(s, VZ_VALIDATE_ERROR, KMEM, val,
                        u[KMEM].l == VZ_UNLIMITED ? VZ_UNLIMITED
                                                  : sat_add(u[KMEM].l, val - u[KMEM].b),
                        "kmemsize.bar should be > %lld (currently, %lld)", (long long)val,
                        (long long)u[KMEM].b);
        if (u[PRIVVM].b < u[VMGUAR].b)
                finding(s, VZ_VALIDATE_WARNING, PRIVVM, u[VMGUAR].b,
                        u[PRIVVM].l < u[VMGUAR].b ? u[VMGUAR].b : u[PRIVVM].l,
                        "privvmpages.bar should be > %lld (currently, %lld)",
                        (long long)u[VMGUAR].b, (long long)u[PRIVVM].b);
        check_gap(s, VZ_VALIDATE_ERROR, TCPSND, sat_mul(u[NTCPSOCK].b, 2.5 * 1024));
        check_gap(s, VZ_VALIDATE_ERROR, OTHSOCK, sat_mul(u[NOTHSOCK].b, 2.5 * 1024));
        check_gap(s, VZ_VALIDATE_WARNING, TCPRCV, sat_mul(u[NTCPSOCK].b, 2.5 * 1024));
        check_min_bar(s, VZ_VALIDATE_WARNING, TCPRCV, 64 * 1024);
        check_min_bar(s, VZ_VALIDATE_WARNING, TCPSND, 64 * 1024);
        if (u[DGRAM].b < 32 * 1024)
                check_min_bar(s, VZ_VALIDATE_WARNING, DGRAM, 32 * 1024);
        else
                check_min_bar(s, VZ_VALIDATE_RECOMMENDATION, DGRAM, 129 * 1024);
        if (u[OTHSOCK].b < 32 * 1024)
                check_min_bar(s, VZ_VALIDATE_WARNING, OTHSOCK, 32 * 1024);
        else
                check_min_bar(s, VZ_VALIDATE_RECOMMENDATION, OTHSOCK, 129 * 1024);
        val = sat_mul(avnumproc, 32);
        if (sat_add(sat_add(u[NTCPSOCK].b, u[NOTHSOCK].b), u[NPTY].b) > val)
                val = sat_add(sat_add(u[NTCPSOCK].b, u[NOTHSOCK].b), u[NPTY].b);
        if (u[NFILE].b < val)
                finding(s, VZ_VALIDATE_WARNING, NFILE, val,
                        u[NFILE].l == VZ_UNLIMITED ? VZ_UNLIMITED
                                                   : sat_add(u[NFILE].l, val - u[NFILE].b),
                        "numfile should be > %lld (currently, %lld)", (long long)val,
                        (long long)u[NFILE].b);
}

static void rules_vswap(struct vstate *s)
{
        static const int eq[] = {NUMPROC, NTCPSOCK, NOTHSOCK, SHM, NFILE, NPTY, NSIGINFO, NIPTENT};
        struct item *u = s->it;

        for (int i = PHYS; i <= SWAP; i += SWAP - PHYS)
                if (!u[i].set) {
                        char msg[96];
                        snprintf(msg, sizeof(msg),
                                 "parameter %s not found (required in VSwap mode)", lower(s, i));
                        if (s->fn)
                                s->fn(VZ_VALIDATE_ERROR, msg, NULL, s->ud);
                        s->unresolved++;
                }
        for (int i = 0; i < AVNUMPROC; i++)
                check_bl(s, i);
        check_bl(s, DSPACE);
        check_bl(s, DINODES);
        for (size_t k = 0; k < sizeof(eq) / sizeof(*eq); k++)
                check_b(s, eq[k]);
        check_unlimited(s, VMGUAR);
        check_unlimited(s, OOMGUAR);
        if (u[PHYS].set && u[PHYS].b != 0)
                finding(s, VZ_VALIDATE_ERROR, PHYS, 0, u[PHYS].l,
                        "barrier should be = 0 for physpages (currently, %lld)",
                        (long long)u[PHYS].b);
        if (u[SWAP].set && u[SWAP].b != 0)
                finding(s, VZ_VALIDATE_ERROR, SWAP, 0, u[SWAP].l,
                        "barrier should be = 0 for swappages (currently, %lld)",
                        (long long)u[SWAP].b);
}

static int parse_one(const struct vz_param *p, const char *v, int64_t *b, int64_t *l)
{
        if (p->kind == VZ_KIND_DISK)
                return vz_disk_parse(v, p->unit, b, l);
        return vz_ubc_parse(v, p->unit, b, l);
}

/* The value parsers refuse barrier > limit, the very thing to report here:
 * such a pair is read half by half. */
static int parse_item(const struct vz_param *p, const char *v, struct item *x)
{
        _cleanup_free_ char *a = NULL;
        const char *colon;
        int64_t t;
        int r;

        r = parse_one(p, v, &x->b, &x->l);
        if (r != -ERANGE || !(colon = strchr(v, ':')))
                return r;
        a = strndup(v, (size_t)(colon - v));
        if (!a)
                return -ENOMEM;
        r = parse_one(p, a, &x->b, &t);
        if (r < 0)
                return r;
        return parse_one(p, colon + 1, &x->l, &t);
}

_public_ int vz_cfg_validate(const char *path, int vswap, vz_validate_fn fn, void *userdata,
                             vz_err *e)
{
        struct vstate s = {.fn = fn, .ud = userdata};
        int r;

        if (item_rows(s.row) < 0)
                return vz_fail(e, VZ_E_RESOURCE, -EINVAL, "parameter table incomplete");
        r = vz_conffile_load(path, &s.f, e);
        if (r < 0)
                return r;
        for (int i = 0; i < N_ITEMS; i++) {
                const char *v = vz_conffile_get(s.f, s.row[i]->info.name);
                struct item *x = &s.it[i];
                if (!v)
                        continue;
                r = parse_item(s.row[i], v, x);
                if (r < 0) {
                        r = vz_fail(e, VZ_E_INVALID_CONFIG, -EINVAL, "invalid value %s=\"%s\"",
                                    s.row[i]->info.name, v);
                        vz_conffile_free(s.f);
                        return r;
                }
                x->set = true;
        }
        /* VSwap is recognised as vzctl does: a PHYSPAGES limit that is
         * neither LONG_MAX nor INT_MAX. */
        if (vswap < 0)
                vswap = s.it[PHYS].set && s.it[PHYS].l != VZ_UNLIMITED && s.it[PHYS].l != INT32_MAX;
        if (vswap)
                rules_vswap(&s);
        else
                rules_full(&s);
        if (s.failed) {
                vz_conffile_free(s.f);
                return vz_fail(e, VZ_E_RESOURCE, s.failed, "out of memory");
        }
        /* As OpenVZ: repairs are written only when they leave the file valid. */
        if (s.changed && s.unresolved == 0) {
                r = vz_conffile_save(s.f, path, e);
                if (r < 0) {
                        vz_conffile_free(s.f);
                        return r;
                }
        }
        vz_conffile_free(s.f);
        return s.unresolved;
}

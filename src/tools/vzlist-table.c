/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzlist field table and table model: see vzlist-table.h. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "vzlist-table.h"

#define ELEMS(x) (sizeof(x) / sizeof((x)[0]))

/* ------------------------------------------------------------- enums */
static const char *const status_names[VZL_ST_MAX] = {
    [VZL_ST_STOPPED] = "stopped",
    [VZL_ST_RUNNING] = "running",
    [VZL_ST_MOUNTED] = "mounted",
    [VZL_ST_SUSPENDED] = "suspended",
};

const char *vzl_status_to_string(enum vzl_status s)
{
        if (s < 0 || s >= VZL_ST_MAX)
                return NULL;
        return status_names[s];
}

enum vzl_status vzl_status_from_string(const char *s)
{
        for (int i = 0; s && i < VZL_ST_MAX; i++)
                if (strcmp(s, status_names[i]) == 0)
                        return i;
        return VZL_ST_INVALID;
}

static const struct {
        const char *name, *header;
} ubc_names[VZL_UBC_MAX] = {
#define UBC_NAME(id, name, header) [VZL_UBC_##id] = {name, header},
    VZL_UBCS(UBC_NAME)
#undef UBC_NAME
};

const char *vzl_ubc_name(enum vzl_ubc_id id)
{
        return id >= 0 && id < VZL_UBC_MAX ? ubc_names[id].name : NULL;
}

const char *vzl_ubc_header(enum vzl_ubc_id id)
{
        return id >= 0 && id < VZL_UBC_MAX ? ubc_names[id].header : NULL;
}

/* ------------------------------------------------------------- record */
void vzl_ct_init(struct vzl_ct *ct, unsigned ctid)
{
        memset(ct, 0, sizeof(*ct));
        ct->ctid = ctid;
        ct->status = VZL_ST_STOPPED;
        for (size_t i = 0; i < VZL_UBC_MAX; i++)
                ct->ubc[i] =
                    (struct vzl_ubc){VZL_UNSET, VZL_UNSET, VZL_UNSET, VZL_UNSET, VZL_UNSET};
        ct->diskspace = ct->diskinodes = (struct vzl_dq){VZL_UNSET, VZL_UNSET, VZL_UNSET};
        ct->cpulimit = ct->cpuunits = ct->cpus = VZL_UNSET;
        ct->ioprio = ct->iolimit = ct->iopslimit = ct->bootorder = VZL_UNSET;
        ct->onboot = -1;
}

void vzl_ct_done(struct vzl_ct *ct)
{
        if (!ct)
                return;
        char **strs[] = {&ct->private_dir, &ct->root_dir,   &ct->mount_opts,   &ct->origin_sample,
                         &ct->hostname,    &ct->name,       &ct->description,  &ct->ostemplate,
                         &ct->ip,          &ct->nameserver, &ct->searchdomain, &ct->layout,
                         &ct->features,    &ct->capability, &ct->netfilter,    &ct->netif,
                         &ct->host_ifname, &ct->mac,        &ct->host_mac};
        for (size_t i = 0; i < ELEMS(strs); i++) {
                free(*strs[i]);
                *strs[i] = NULL;
        }
        for (size_t i = 0; i < VZL_PARAM_MAX; i++) {
                free(ct->param[i]);
                ct->param[i] = NULL;
        }
}

/* ------------------------------------------------------------- getters */
#define STR_AT(ct, off) (*(char *const *)((const char *)(ct) + (off)))
#define INT_AT(ct, off) (*(const int64_t *)((const char *)(ct) + (off)))
#define DQ_AT(ct, off)  ((const struct vzl_dq *)((const char *)(ct) + (off)))

static void get_ctid(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        c->type = VZL_CELL_INT;
        c->i = ct->ctid;
}

static void get_str(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        c->type = VZL_CELL_STR;
        c->s = STR_AT(ct, f->arg);
        c->missing = !c->s;
}

static void get_list(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        c->type = VZL_CELL_LIST;
        c->s = STR_AT(ct, f->arg);
        c->missing = !c->s || !c->s[strspn(c->s, " \t")];
}

/* OpenVZ shows the name when there is one, else the CTID (as a number). */
static void get_smart_name(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        if (ct->name) {
                c->type = VZL_CELL_STR;
                c->s = ct->name;
        } else
                get_ctid(ct, f, c);
}

static void get_status(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        c->type = VZL_CELL_STR;
        c->s = vzl_status_to_string(ct->status);
        c->missing = !c->s;
}

static void get_ubc(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        const struct vzl_ubc *u = &ct->ubc[f->arg];

        c->type = VZL_CELL_UBC;
        c->v[0] = u->held;
        c->v[1] = u->maxheld;
        c->v[2] = u->barrier;
        c->v[3] = u->limit;
        c->v[4] = u->failcnt;
        c->sel = f->sel;
        /* Counters of a CT that is not running are leftovers, never shown. */
        c->running = ct->status == VZL_ST_RUNNING;
        c->missing = true;
        for (int i = 0; i < 5; i++)
                if (c->v[i] != VZL_UNSET)
                        c->missing = false;
}

static void get_disk(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        const struct vzl_dq *d = DQ_AT(ct, f->arg);

        c->type = VZL_CELL_DISK;
        c->v[0] = d->usage;
        c->v[1] = d->softlimit;
        c->v[2] = d->hardlimit;
        c->sel = f->sel;
        c->missing =
            d->usage == VZL_UNSET && d->softlimit == VZL_UNSET && d->hardlimit == VZL_UNSET;
}

static void get_laverage(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        c->type = VZL_CELL_LAVG;
        c->missing = !ct->has_laverage;
        memcpy(c->la, ct->laverage, sizeof(c->la));
}

static void get_uptime(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        c->type = VZL_CELL_UPTIME;
        c->missing = !ct->has_uptime;
        c->d = ct->uptime;
}

static void get_int(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        c->type = VZL_CELL_INT;
        c->i = INT_AT(ct, f->arg);
        c->missing = c->i == VZL_UNSET;
}

/* For limits where 0 means "no limit" (cpus, iolimit, iopslimit). */
static void get_int_nz(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        get_int(ct, f, c);
        if (c->i == 0)
                c->missing = true;
}

static void get_onboot(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        c->type = VZL_CELL_BOOL;
        c->i = ct->onboot > 0;
        c->missing = ct->onboot < 0;
}

static void get_disabled(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        c->type = VZL_CELL_BOOL;
        c->i = ct->disabled;
}

/* Same test as OpenVZ's is_vswap_config(): a physpages limit that is neither
 * LONG_MAX nor INT_MAX (old configs wrote the 32-bit unlimited). */
static void get_vswap(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        int64_t lim = ct->ubc[VZL_UBC_PHYSPAGES].limit;

        c->type = VZL_CELL_BOOL;
        c->i = lim != VZL_UNSET && lim != INT64_MAX && lim != INT_MAX;
}

static void get_flags(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        get_list(ct, f, c);
        c->type = VZL_CELL_FLAGS;
        /* Capability names are upper case in the config, lower in vzlist. */
        c->lower = f->sel;
}

static void get_vm_overcommit(const struct vzl_ct *ct, const struct vzl_field *f,
                              struct vzl_cell *c)
{
        c->type = VZL_CELL_FLOAT;
        c->fmt = "%g";
        c->d = ct->vm_overcommit;
        c->missing = !ct->has_vm_overcommit;
}

/* A parameter's stored value: a number if it is one, else its text. */
static void get_param(const struct vzl_ct *ct, const struct vzl_field *f, struct vzl_cell *c)
{
        const char *s = ct->param[f->arg];
        char *end;

        c->type = VZL_CELL_STR;
        c->s = s;
        c->missing = !s || !*s;
        if (c->missing)
                return;
        errno = 0;
        c->i = strtoll(s, &end, 10);
        if (!errno && !*end)
                c->type = VZL_CELL_INT;
}

/* ------------------------------------------------------------- field table */
#define OFF(m) offsetof(struct vzl_ct, m)
#define NUMF(n, h, w, g, a)                                                                        \
        {                                                                                          \
                n, h, w, false, false, 0, g, a, 0, NULL                                            \
        }
#define STRF(n, h, w, g, a)                                                                        \
        {                                                                                          \
                n, h, w, true, true, 0, g, a, 0, NULL                                              \
        }
#define UBCF(id, n, h)                                                                             \
        {n, h, 10, false, false, 0, get_ubc, id, 0, NULL},                                         \
            {n ".m", h ".M", 10, false, false, VZL_F_SUFFIX, get_ubc, id, 1, NULL},                \
            {n ".b", h ".B", 10, false, false, VZL_F_SUFFIX, get_ubc, id, 2, NULL},                \
            {n ".l", h ".L", 10, false, false, VZL_F_SUFFIX, get_ubc, id, 3, NULL},                \
        {                                                                                          \
                n ".f", h ".F", 10, false, false, VZL_F_SUFFIX, get_ubc, id, 4, NULL               \
        }
#define DQF(n, h, m)                                                                               \
        {n, h, 10, false, false, 0, get_disk, OFF(m), 0, NULL},                                    \
            {n ".s", h ".S", 10, false, false, VZL_F_SUFFIX, get_disk, OFF(m), 1, NULL},           \
        {                                                                                          \
                n ".h", h ".H", 10, false, false, VZL_F_SUFFIX, get_disk, OFF(m), 2, NULL          \
        }

/* OpenVZ 4.11.1's field list, in its order: name, header, width, alignment. */
static const struct vzl_field fields[] = {
    NUMF("ctid", "CTID", 10, get_ctid, 0),
    {"veid", "CTID", 10, false, false, VZL_F_ALIAS, get_ctid, 0, 0, NULL},
    {"vpsid", "CTID", 10, false, false, VZL_F_ALIAS, get_ctid, 0, 0, NULL},
    STRF("private", "PRIVATE", 32, get_str, OFF(private_dir)),
    STRF("root", "ROOT", 32, get_str, OFF(root_dir)),
    STRF("mount_opts", "MOUNT_OPTS", 16, get_str, OFF(mount_opts)),
    {"origin_sample", "ORIGIN_SAMPLE", 32, true, false, 0, get_str, OFF(origin_sample), 0, NULL},
    STRF("hostname", "HOSTNAME", 32, get_str, OFF(hostname)),
    STRF("name", "NAME", 32, get_str, OFF(name)),
    NUMF("smart_name", "SMARTNAME", 10, get_smart_name, 0),
    STRF("description", "DESCRIPTION", 32, get_str, OFF(description)),
    STRF("ostemplate", "OSTEMPLATE", 32, get_str, OFF(ostemplate)),
    STRF("ip", "IP_ADDR", 15, get_list, OFF(ip)),
    STRF("nameserver", "NAMESERVER", 15, get_list, OFF(nameserver)),
    STRF("searchdomain", "SEARCHDOMAIN", 15, get_list, OFF(searchdomain)),
    STRF("status", "STATUS", 9, get_status, 0),
#define UBC_FIELDS(id, name, header) UBCF(VZL_UBC_##id, name, header),
    VZL_UBCS(UBC_FIELDS)
#undef UBC_FIELDS
        DQF("diskspace", "DSPACE", diskspace),
    DQF("diskinodes", "DINODES", diskinodes),
    NUMF("laverage", "LAVERAGE", 14, get_laverage, 0),
    NUMF("uptime", "UPTIME", 15, get_uptime, 0),
    NUMF("cpulimit", "CPULIM", 7, get_int, OFF(cpulimit)),
    NUMF("cpuunits", "CPUUNI", 7, get_int, OFF(cpuunits)),
    NUMF("cpus", "CPUS", 5, get_int_nz, OFF(cpus)),
    NUMF("ioprio", "IOP", 3, get_int, OFF(ioprio)),
    NUMF("iolimit", "IOLIMIT", 10, get_int_nz, OFF(iolimit)),
    NUMF("iopslimit", "IOPS", 4, get_int_nz, OFF(iopslimit)),
    NUMF("onboot", "ONBOOT", 6, get_onboot, 0),
    NUMF("bootorder", "BOOTORDER", 10, get_int, OFF(bootorder)),
    /* OpenVZ prints the layout value left-aligned under a 6-wide header. */
    STRF("layout", "LAYOUT", 6, get_str, OFF(layout)),
    {"features", "FEATURES", 15, true, true, 0, get_flags, OFF(features), 0, NULL},
    NUMF("vswap", "VSWAP", 5, get_vswap, 0),
    NUMF("disabled", "DISABL", 6, get_disabled, 0),
    NUMF("vm_overcommit", "VM_OVC", 6, get_vm_overcommit, 0),
    STRF("netfilter", "NETFILTER", 9, get_str, OFF(netfilter)),
    {"capability", "CAPABILITY", 15, true, true, 0, get_flags, OFF(capability), 1, NULL},
    /* VZ7 network fields: lists, like ip (all values in the last column). */
    STRF("netif", "NETIF", 15, get_list, OFF(netif)),
    STRF("host_ifname", "HOST_IFNAME", 15, get_list, OFF(host_ifname)),
    STRF("mac", "MAC", 17, get_list, OFF(mac)),
    STRF("host_mac", "HOST_MAC", 17, get_list, OFF(host_mac)),
};

/* Fields vzlist made from parameter rows, after the fixed ones. */
static struct vzl_field param_fields[VZL_PARAM_MAX];
static size_t n_param_fields;

size_t vzl_field_count(void)
{
        return ELEMS(fields) + n_param_fields;
}

const struct vzl_field *vzl_field_at(size_t i)
{
        if (i < ELEMS(fields))
                return &fields[i];
        return i - ELEMS(fields) < n_param_fields ? &param_fields[i - ELEMS(fields)] : NULL;
}

const struct vzl_field *vzl_field_by_name(const char *name)
{
        const struct vzl_field *f;

        for (size_t i = 0; name && (f = vzl_field_at(i)); i++)
                if (strcmp(f->name, name) == 0)
                        return f;
        return NULL;
}

int vzl_field_add_param(const char *name, const char *header, int width, const char *param)
{
        if (vzl_field_by_name(name))
                return -EEXIST;
        if (n_param_fields == VZL_PARAM_MAX)
                return -ENOSPC;
        param_fields[n_param_fields] = (struct vzl_field){.name = name,
                                                          .header = header,
                                                          .width = width,
                                                          .get = get_param,
                                                          .arg = n_param_fields,
                                                          .param = param};
        n_param_fields++;
        return 0;
}

unsigned vzl_field_needs(const struct vzl_field *f, bool json)
{
        if (f->get == get_ubc) {
                /* NPROC of the default listing: held from the stats (one
                 * file), not all the CT's beancounters (dozens). Every other
                 * part of every beancounter: its cgroup counters, which also
                 * hold the live barrier and limit of an enforced one. */
                if (f->arg == VZL_UBC_NUMPROC && f->sel == 0 && !json)
                        return VZL_NEED_STATS;
                return VZL_NEED_UBC;
        }
        if (f->get == get_disk) /* .s and .h are the config's limits */
                return f->sel == 0 || json ? VZL_NEED_STATS | VZL_NEED_DISK : 0;
        if (f->get == get_uptime)
                return VZL_NEED_STATS;
        if (f->get == get_laverage)
                return VZL_NEED_LAVG;
        return 0;
}

void vzl_field_get(const struct vzl_field *f, const struct vzl_ct *ct, struct vzl_cell *ret)
{
        memset(ret, 0, sizeof(*ret));
        f->get(ct, f, ret);
}

void vzl_print_field_list(FILE *out)
{
        const struct vzl_field *f;

        for (size_t i = 0; (f = vzl_field_at(i)); i++)
                fprintf(out, "%-15s %-15s\n", f->name, f->header);
}

/* ------------------------------------------------------------- comparing */
/* The value a text column would show, as a sort key: 0 missing, 1 number,
 * 2 float, 3 string. */
static int cell_key(const struct vzl_cell *c, int64_t *i, double *d, const char **s)
{
        if (c->missing)
                return 0;
        switch (c->type) {
        case VZL_CELL_INT:
        case VZL_CELL_BOOL:
                *i = c->i;
                return 1;
        case VZL_CELL_FLOAT:
        case VZL_CELL_UPTIME:
                *d = c->d;
                return 2;
        case VZL_CELL_LAVG:
                *d = c->la[0];
                return 2;
        case VZL_CELL_UBC:
                if (!c->running && (c->sel == 0 || c->sel == 1 || c->sel == 4))
                        return 0;
                /* fall through */
        case VZL_CELL_DISK:
                if (c->v[c->sel] == VZL_UNSET)
                        return 0;
                *i = c->v[c->sel];
                return 1;
        case VZL_CELL_STR:
        case VZL_CELL_LIST:
        case VZL_CELL_FLAGS:
                *s = c->s;
                return 3;
        default:
                return 0;
        }
}

int vzl_cell_compare(const struct vzl_cell *a, const struct vzl_cell *b)
{
        int64_t ia = 0, ib = 0;
        double da = 0, db = 0;
        const char *sa = NULL, *sb = NULL;
        int ka = cell_key(a, &ia, &da, &sa), kb = cell_key(b, &ib, &db, &sb);

        if (ka != kb)
                return ka < kb ? -1 : 1;
        switch (ka) {
        case 1:
                return ia < ib ? -1 : ia > ib;
        case 2:
                if (da != db)
                        return da < db ? -1 : 1;
                if (a->type == VZL_CELL_LAVG) {
                        for (int k = 1; k < 3; k++)
                                if (a->la[k] != b->la[k])
                                        return a->la[k] < b->la[k] ? -1 : 1;
                }
                return 0;
        case 3:
                return strcmp(sa, sb);
        default:
                return 0;
        }
}

/* ------------------------------------------------------------- table */
struct vzl_row {
        const struct vzl_ct *ct;
        struct vzl_cell *cells;
};

struct vzl_table {
        const struct vzl_field **cols;
        size_t ncols;
        struct vzl_row *rows;
        size_t nrows, cap;
};

int vzl_table_new(const struct vzl_field *const *cols, size_t ncols, struct vzl_table **ret)
{
        struct vzl_table *t = calloc(1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        t->cols = calloc(ncols ? ncols : 1, sizeof(*t->cols));
        if (!t->cols) {
                free(t);
                return -ENOMEM;
        }
        memcpy(t->cols, cols, ncols * sizeof(*cols));
        t->ncols = ncols;
        *ret = t;
        return 0;
}

void vzl_table_free(struct vzl_table *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->nrows; i++)
                free(t->rows[i].cells);
        free(t->rows);
        free(t->cols);
        free(t);
}

int vzl_table_new_from_list(const char *list, bool json, struct vzl_table **ret, char *errbuf,
                            size_t errlen)
{
        const struct vzl_field **cols = NULL;
        size_t n = 0;
        const char *p = list;
        int r;

        for (;;) {
                size_t len = strcspn(p, ",");
                char name[64];
                const struct vzl_field *f = NULL;
                const struct vzl_field **tmp;

                if (len < sizeof(name)) {
                        memcpy(name, p, len);
                        name[len] = '\0';
                        f = vzl_field_by_name(name);
                }
                if (!f) {
                        snprintf(errbuf, errlen, "Unknown field: %.*s", (int)len, p);
                        free(cols);
                        return -EINVAL;
                }
                if (json && (f->flags & VZL_F_SUFFIX)) {
                        snprintf(errbuf, errlen, "Field `%s' is not available in JSON output",
                                 name);
                        free(cols);
                        return -EINVAL;
                }
                tmp = realloc(cols, (n + 1) * sizeof(*cols));
                if (!tmp) {
                        free(cols);
                        return -ENOMEM;
                }
                cols = tmp;
                cols[n++] = f;
                if (p[len] == '\0')
                        break;
                p += len + 1;
        }
        r = vzl_table_new(cols, n, ret);
        free(cols);
        return r;
}

int vzl_table_new_all_base(struct vzl_table **ret)
{
        const struct vzl_field *cols[ELEMS(fields) + VZL_PARAM_MAX], *f;
        size_t n = 0;

        for (size_t i = 0; (f = vzl_field_at(i)); i++)
                if (!(f->flags & (VZL_F_SUFFIX | VZL_F_ALIAS)))
                        cols[n++] = f;
        return vzl_table_new(cols, n, ret);
}

size_t vzl_table_rows(const struct vzl_table *t)
{
        return t->nrows;
}

size_t vzl_table_cols(const struct vzl_table *t)
{
        return t->ncols;
}

const struct vzl_field *vzl_table_col(const struct vzl_table *t, size_t i)
{
        return i < t->ncols ? t->cols[i] : NULL;
}

int vzl_table_add(struct vzl_table *t, const struct vzl_ct *ct)
{
        struct vzl_row *row;

        if (t->nrows == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 16;
                struct vzl_row *rows = realloc(t->rows, cap * sizeof(*rows));

                if (!rows)
                        return -ENOMEM;
                t->rows = rows;
                t->cap = cap;
        }
        row = &t->rows[t->nrows];
        row->ct = ct;
        row->cells = calloc(t->ncols ? t->ncols : 1, sizeof(*row->cells));
        if (!row->cells)
                return -ENOMEM;
        for (size_t i = 0; i < t->ncols; i++)
                vzl_field_get(t->cols[i], ct, &row->cells[i]);
        t->nrows++;
        return 0;
}

struct sort_item {
        struct vzl_cell key;
        size_t idx;
        unsigned ctid;
};

static int sort_item_cmp(const void *a, const void *b)
{
        const struct sort_item *x = a, *y = b;
        int r = vzl_cell_compare(&x->key, &y->key);

        if (r)
                return r;
        if (x->ctid != y->ctid)
                return x->ctid < y->ctid ? -1 : 1;
        /* qsort is not stable; the index makes it so. */
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void vzl_table_sort(struct vzl_table *t, const struct vzl_field *key, bool reverse)
{
        struct sort_item *items;
        struct vzl_row *rows;

        if (t->nrows < 2)
                return;
        items = calloc(t->nrows, sizeof(*items));
        rows = calloc(t->nrows, sizeof(*rows));
        if (!items || !rows) {
                /* Unsorted output beats no output. */
                free(items);
                free(rows);
                return;
        }
        for (size_t i = 0; i < t->nrows; i++) {
                vzl_field_get(key, t->rows[i].ct, &items[i].key);
                items[i].idx = i;
                items[i].ctid = t->rows[i].ct->ctid;
        }
        qsort(items, t->nrows, sizeof(*items), sort_item_cmp);
        for (size_t i = 0; i < t->nrows; i++)
                rows[reverse ? t->nrows - 1 - i : i] = t->rows[items[i].idx];
        memcpy(t->rows, rows, t->nrows * sizeof(*rows));
        free(rows);
        free(items);
}

/* ------------------------------------------------------------- text output */
/* A growable string; on allocation failure it records the error and stops. */
struct sbuf {
        char *p;
        size_t len, cap;
        bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
        if (b->oom)
                return;
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 256;
                char *p;

                while (cap < b->len + n + 1)
                        cap *= 2;
                p = realloc(b->p, cap);
                if (!p) {
                        b->oom = true;
                        return;
                }
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
        sb_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
        char tmp[128];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
        va_end(ap);
        if (n > 0)
                sb_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void sb_reset(struct sbuf *b)
{
        b->len = 0;
        if (b->p)
                b->p[0] = '\0';
}

/* Text of a cell without padding. full: the whole list rather than its first
 * element (last column or -t). */
static void cell_text(const struct vzl_cell *c, bool full, struct sbuf *b)
{
        if (c->missing) {
                sb_puts(b, "-");
                return;
        }
        switch (c->type) {
        case VZL_CELL_INT:
                sb_printf(b, "%lld", (long long)c->i);
                break;
        case VZL_CELL_FLOAT:
                /* The format comes from the field table, never from input. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                sb_printf(b, c->fmt ? c->fmt : "%g", c->d);
#pragma GCC diagnostic pop
                break;
        case VZL_CELL_STR:
                sb_puts(b, c->s);
                break;
        case VZL_CELL_LIST:
        case VZL_CELL_FLAGS: {
                const char *p = c->s;
                bool first = true;

                for (;;) {
                        size_t len;

                        p += strspn(p, " \t");
                        len = strcspn(p, " \t");
                        if (!len)
                                break;
                        if (!first)
                                sb_puts(b, c->type == VZL_CELL_FLAGS ? "," : " ");
                        if (c->lower) {
                                for (size_t k = 0; k < len; k++) {
                                        char ch = p[k];

                                        if (ch >= 'A' && ch <= 'Z')
                                                ch = (char)(ch - 'A' + 'a');
                                        sb_add(b, &ch, 1);
                                }
                        } else
                                sb_add(b, p, len);
                        first = false;
                        p += len;
                        /* Lists show their first element unless there is room;
                         * flag sets are cut to the width like strings. */
                        if (!full && c->type == VZL_CELL_LIST)
                                break;
                }
                break;
        }
        case VZL_CELL_BOOL:
                sb_puts(b, c->i ? "yes" : "no");
                break;
        case VZL_CELL_UBC:
                if ((!c->running && (c->sel == 0 || c->sel == 1 || c->sel == 4)) ||
                    c->v[c->sel] == VZL_UNSET)
                        sb_puts(b, "-");
                else
                        sb_printf(b, "%lld", (long long)c->v[c->sel]);
                break;
        case VZL_CELL_DISK:
                if (c->v[c->sel] == VZL_UNSET)
                        sb_puts(b, "-");
                else
                        sb_printf(b, "%lld", (long long)c->v[c->sel]);
                break;
        case VZL_CELL_LAVG:
                sb_printf(b, "%1.2f/%1.2f/%1.2f", c->la[0], c->la[1], c->la[2]);
                break;
        case VZL_CELL_UPTIME: {
                unsigned long long t = c->d > 0 ? (unsigned long long)c->d : 0;

                sb_printf(b, "%03llud%02lluh:%02llum:%02llus", t / 86400, t / 3600 % 24,
                          t / 60 % 60, t % 60);
                break;
        }
        default:
                sb_puts(b, "?");
                break;
        }
}

static bool cell_is_text(const struct vzl_cell *c)
{
        return c->type == VZL_CELL_STR || c->type == VZL_CELL_LIST || c->type == VZL_CELL_FLAGS;
}

/* Display width in characters: UTF-8 continuation bytes take no column. */
static size_t text_width(const char *s, size_t len)
{
        size_t w = 0;

        for (size_t i = 0; i < len; i++)
                if (((unsigned char)s[i] & 0xC0) != 0x80)
                        w++;
        return w;
}

/* Bytes of s that fit in width columns, never splitting a UTF-8 sequence. */
static size_t text_cut(const char *s, size_t len, size_t width)
{
        size_t w = 0, i;

        for (i = 0; i < len; i++) {
                if (((unsigned char)s[i] & 0xC0) != 0x80) {
                        if (w == width)
                                break;
                        w++;
                }
        }
        return i;
}

static void put_padded(struct sbuf *line, const char *s, size_t len, int width, bool left)
{
        size_t w = text_width(s, len);
        size_t pad = width > 0 && (size_t)width > w ? (size_t)width - w : 0;

        if (left)
                sb_add(line, s, len);
        for (size_t i = 0; i < pad; i++)
                sb_add(line, " ", 1);
        if (!left)
                sb_add(line, s, len);
}

static int put_line(struct sbuf *line, FILE *out)
{
        size_t n = line->len;

        if (line->oom)
                return -ENOMEM;
        while (n > 0 && (line->p[n - 1] == ' ' || line->p[n - 1] == '\t'))
                n--;
        if (n)
                fwrite(line->p, 1, n, out);
        fputc('\n', out);
        sb_reset(line);
        return 0;
}

int vzl_table_print_text(const struct vzl_table *t, const struct vzl_text_opts *o, FILE *out)
{
        struct sbuf line = {0}, val = {0};
        int r = 0;

        if (o->header) {
                for (size_t i = 0; i < t->ncols; i++) {
                        const struct vzl_field *f = t->cols[i];

                        if (i)
                                sb_add(&line, " ", 1);
                        put_padded(&line, f->header, strlen(f->header), f->width, f->hdr_left);
                }
                r = put_line(&line, out);
        }
        for (size_t ri = 0; r == 0 && ri < t->nrows; ri++) {
                for (size_t i = 0; i < t->ncols; i++) {
                        const struct vzl_field *f = t->cols[i];
                        const struct vzl_cell *c = &t->rows[ri].cells[i];
                        bool full = !o->trim || i + 1 == t->ncols;
                        size_t len;

                        sb_reset(&val);
                        cell_text(c, full, &val);
                        if (val.oom) {
                                r = -ENOMEM;
                                break;
                        }
                        len = val.len;
                        /* OpenVZ cuts strings to the column unless they are in
                         * the last column or -t is given; numbers never. */
                        if (!full && cell_is_text(c))
                                len = text_cut(val.p, len, (size_t)f->width);
                        if (i)
                                sb_add(&line, " ", 1);
                        put_padded(&line, val.p, len, f->width, f->left);
                }
                if (r == 0)
                        r = put_line(&line, out);
        }
        free(line.p);
        free(val.p);
        if (r == 0 && ferror(out))
                r = -EIO;
        return r;
}

/* ------------------------------------------------------------- JSON output */
static json_object *json_num_or_null(int64_t v)
{
        return v == VZL_UNSET ? NULL : json_object_new_int64(v);
}

/* json-c prints doubles with %.17g; OpenVZ's fixed precision reads better
 * and round-trips what the text output shows. */
static json_object *json_double_fmt(double d, const char *fmt)
{
        char buf[64];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(buf, sizeof(buf), fmt, d);
#pragma GCC diagnostic pop
        return json_object_new_double_s(d, buf);
}

static json_object *cell_json(const struct vzl_cell *c)
{
        json_object *o;

        if (c->missing && c->type != VZL_CELL_LIST)
                return NULL;
        switch (c->type) {
        case VZL_CELL_INT:
                return json_object_new_int64(c->i);
        case VZL_CELL_FLOAT:
                return json_double_fmt(c->d, c->fmt ? c->fmt : "%g");
        case VZL_CELL_STR:
                return json_object_new_string(c->s);
        case VZL_CELL_BOOL:
                return json_object_new_boolean(c->i != 0);
        case VZL_CELL_LIST: {
                const char *p = c->missing ? "" : c->s;

                o = json_object_new_array();
                for (;;) {
                        size_t len;

                        p += strspn(p, " \t");
                        len = strcspn(p, " \t");
                        if (!len)
                                break;
                        json_object_array_add(o, json_object_new_string_len(p, (int)len));
                        p += len;
                }
                return o;
        }
        case VZL_CELL_FLAGS: {
                const char *p = c->s;

                o = json_object_new_object();
                for (;;) {
                        size_t len;
                        char name[64];
                        const char *colon;
                        size_t nlen;

                        p += strspn(p, " \t");
                        len = strcspn(p, " \t");
                        if (!len)
                                break;
                        colon = memchr(p, ':', len);
                        nlen = colon ? (size_t)(colon - p) : len;
                        if (nlen >= sizeof(name))
                                nlen = sizeof(name) - 1;
                        for (size_t k = 0; k < nlen; k++) {
                                char ch = p[k];

                                if (c->lower && ch >= 'A' && ch <= 'Z')
                                        ch = (char)(ch - 'A' + 'a');
                                name[k] = ch;
                        }
                        name[nlen] = '\0';
                        json_object_object_add(
                            o, name,
                            json_object_new_boolean(colon && (size_t)(colon - p) + 3 == len &&
                                                    strncmp(colon, ":on", 3) == 0));
                        p += len;
                }
                return o;
        }
        case VZL_CELL_UBC: {
                static const char *const keys[5] = {"held", "maxheld", "barrier", "limit",
                                                    "failcnt"};

                o = json_object_new_object();
                for (int k = 0; k < 5; k++) {
                        bool counter = k == 0 || k == 1 || k == 4;

                        /* OpenVZ reports 0 for the counters of a stopped CT. */
                        if (counter && !c->running)
                                json_object_object_add(o, keys[k], json_object_new_int64(0));
                        else
                                json_object_object_add(o, keys[k], json_num_or_null(c->v[k]));
                }
                return o;
        }
        case VZL_CELL_DISK:
                o = json_object_new_object();
                json_object_object_add(o, "usage", json_num_or_null(c->v[0]));
                json_object_object_add(o, "softlimit", json_num_or_null(c->v[1]));
                json_object_object_add(o, "hardlimit", json_num_or_null(c->v[2]));
                return o;
        case VZL_CELL_LAVG:
                o = json_object_new_array();
                for (int k = 0; k < 3; k++)
                        json_object_array_add(o, json_double_fmt(c->la[k], "%.2f"));
                return o;
        case VZL_CELL_UPTIME:
                return json_double_fmt(c->d, "%.3f");
        default:
                return NULL;
        }
}

int vzl_table_print_json(const struct vzl_table *t, FILE *out)
{
        json_object *arr;
        const char *s;

        /* json-c prints an empty array over two lines; OpenVZ prints "[]". */
        if (t->nrows == 0) {
                fputs("[]\n", out);
                return ferror(out) ? -EIO : 0;
        }
        arr = json_object_new_array();
        if (!arr)
                return -ENOMEM;
        for (size_t ri = 0; ri < t->nrows; ri++) {
                json_object *obj = json_object_new_object();

                if (!obj) {
                        json_object_put(arr);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < t->ncols; i++)
                        json_object_object_add(obj, t->cols[i]->name,
                                               cell_json(&t->rows[ri].cells[i]));
                json_object_array_add(arr, obj);
        }
        s = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                    JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s) {
                json_object_put(arr);
                return -ENOMEM;
        }
        fputs(s, out);
        fputc('\n', out);
        json_object_put(arr);
        return ferror(out) ? -EIO : 0;
}

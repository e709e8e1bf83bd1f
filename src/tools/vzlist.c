/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzlist: list containers, as OpenVZ's vzlist 4.11.1 does.
 *
 * Shape: options -> which CTs (running by default, all with -a or explicit
 * IDs) -> one struct vzl_ct record per CT filled through libvz -> filters ->
 * one table model -> aligned text or JSON (vzlist-table.c).
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "vzlist-cluster.h"
#include "vzlist-table.h"

static const char default_fields[] = "ctid,numproc,status,ip,hostname";
static const char default_name_fields[] = "smart_name,numproc,status,ip,hostname";

struct options {
        bool all;
        bool stopped_only;
        bool header;
        bool trim;
        bool json;
        const char *fields; /* -o / -n / -1, NULL = default */
        const char *sort;   /* -s, with an optional leading '-' */
        const char *host_pattern;
        const char *name_pattern;
        const char *desc_pattern;
        char **ids; /* positional CTIDs or names */
        int nids;
        unsigned need; /* VZL_NEED_*: what the shown or sorted fields read */
};

static void usage(FILE *out)
{
        fprintf(out, "Usage: vzlist [-a | -S] [-n] [-H] [-t] [-j] [-o field[,field...] | -1]\n"
                     "              [-s [-]field] [-h pattern] [-N pattern] [-d pattern]\n"
                     "              [CTID|NAME ...]\n"
                     "       vzlist -L | --list\n"
                     "       vzlist --cluster [-H] [-j]   CTs managed by Pacemaker, cluster-wide\n"
                     "\n"
                     "Options:\n"
                     "  -a, --all               list all containers\n"
                     "  -S, --stopped           list stopped containers\n"
                     "  -n, --name              display containers' names\n"
                     "  -H, --no-header         suppress columns header\n"
                     "  -t, --no-trim           do not trim long values\n"
                     "  -j, --json              output in JSON format\n"
                     "  -o, --output            output only specified fields\n"
                     "  -1                      synonym for -H -octid\n"
                     "  -s, --sort              sort by the specified field\n"
                     "                          ('-field' to reverse sort order)\n"
                     "  -h, --hostname          filter CTs by hostname pattern\n"
                     "  -N, --name_filter       filter CTs by name pattern\n"
                     "  -d, --description       filter CTs by description pattern\n"
                     "  -L, --list              get possible field names\n"
                     "      --help              show this help\n");
}

/* ------------------------------------------------------------- config values */
static char *dup_value(const char *v)
{
        char *s;

        /* An empty value is "not set" for vzlist: it prints "-" / null. */
        if (!v || !v[strspn(v, " \t")])
                return NULL;
        s = strdup(v);
        if (!s) {
                tool_error("out of memory");
                exit(VZ_E_SYSTEM);
        }
        return s;
}

/* A whole decimal number; a trailing '%' is accepted (CPULIMIT="25%"). */
static int64_t parse_int(const char *v)
{
        char *end;
        long long n;

        if (!v || !*v)
                return VZL_UNSET;
        errno = 0;
        n = strtoll(v, &end, 10);
        if (errno || end == v)
                return VZL_UNSET;
        if (*end == '%')
                end++;
        end += strspn(end, " \t");
        return *end ? VZL_UNSET : (int64_t)n;
}

static int parse_yesno(const char *v)
{
        if (!v)
                return -1;
        if (strcmp(v, "yes") == 0)
                return 1;
        if (strcmp(v, "no") == 0)
                return 0;
        return -1;
}

/* The pair of the parameter whose option is field (vzlist's beancounter
 * and disk fields are named after the option; libvz's table has the
 * config name). */
static void get_pair(vz_ct *h, const char *field, int64_t *bar, int64_t *lim)
{
        const vz_param_info *p = vz_param_by_option(field);
        const char *v = p ? vz_ct_get(h, p->name) : NULL;
        int64_t b, l;

        if (v && vz_ubc_parse_stored(v, &b, &l) >= 0) {
                *bar = b;
                *lim = l;
        }
}

/* NETIF entries with the values the CT gets (generated names and MACs). */
static void fill_netifs(vz_ct *h, struct vzl_ct *r)
{
        vz_netif *v = NULL;
        size_t n = 0;
        char **out[] = {&r->netif, &r->host_ifname, &r->mac, &r->host_mac};

        if (vz_ct_get_netifs(h, &v, &n, NULL) < 0 || n == 0) {
                free(v);
                return;
        }
        for (size_t k = 0; k < 4; k++) {
                size_t len = 0;
                char *s = calloc(n, 19);
                if (!s)
                        break;
                for (size_t i = 0; i < n; i++) {
                        const char *w = k == 0   ? v[i].ifname
                                        : k == 1 ? v[i].host_ifname
                                        : k == 2 ? v[i].mac
                                                 : v[i].host_mac;
                        len += sprintf(s + len, "%s%s", i ? " " : "", w);
                }
                *out[k] = s;
        }
        free(v);
}

/* The fields libvz's parameter table describes on its own (a new
 * parameter's column appears here with no change to vzlist). */
static void add_param_fields(void)
{
        const vz_param_info *p;

        for (size_t i = 0; (p = vz_param_at(i)); i++) {
                const vz_param_column *c = vz_param_column_of(p);
                if (c && c->header && vz_param_by_name(p->name) == p)
                        (void)vzl_field_add_param(c->name, c->header, c->width, p->name);
        }
}

/* Everything that comes from the configuration (vz.conf + CTID.conf). */
static void fill_from_config(vz_ct *h, struct vzl_ct *r)
{
        const struct vzl_field *f;
        const char *v;

        for (size_t i = 0; (f = vzl_field_at(i)); i++)
                if (f->param)
                        r->param[f->arg] = dup_value(vz_ct_get(h, f->param));

        r->private_dir = dup_value(vz_ct_private(h));
        r->root_dir = dup_value(vz_ct_root(h));
        r->mount_opts = dup_value(vz_ct_get(h, "MOUNT_OPTS"));
        r->origin_sample = dup_value(vz_ct_get(h, "ORIGIN_SAMPLE"));
        r->hostname = dup_value(vz_ct_get(h, "HOSTNAME"));
        r->name = dup_value(vz_ct_get(h, "NAME"));
        r->description = dup_value(vz_ct_get(h, "DESCRIPTION"));
        r->ostemplate = dup_value(vz_ct_get(h, "OSTEMPLATE"));
        r->ip = dup_value(vz_ct_get(h, "IP_ADDRESS"));
        fill_netifs(h, r);
        r->nameserver = dup_value(vz_ct_get(h, "NAMESERVER"));
        r->searchdomain = dup_value(vz_ct_get(h, "SEARCHDOMAIN"));
        /* simfs is what a CT without VE_LAYOUT has always been. */
        v = vz_ct_get(h, "VE_LAYOUT");
        r->layout = dup_value(v && *v ? v : "simfs");
        r->features = dup_value(vz_ct_get(h, "FEATURES"));
        r->capability = dup_value(vz_ct_get(h, "CAPABILITY"));
        r->netfilter = dup_value(vz_ct_get(h, "NETFILTER"));

        for (int i = 0; i < VZL_UBC_MAX; i++)
                get_pair(h, vzl_ubc_name(i), &r->ubc[i].barrier, &r->ubc[i].limit);
        get_pair(h, "diskspace", &r->diskspace.softlimit, &r->diskspace.hardlimit);
        get_pair(h, "diskinodes", &r->diskinodes.softlimit, &r->diskinodes.hardlimit);

        r->cpulimit = parse_int(vz_ct_get(h, "CPULIMIT"));
        r->cpuunits = parse_int(vz_ct_get(h, "CPUUNITS"));
        r->cpus = parse_int(vz_ct_get(h, "CPUS"));
        r->ioprio = parse_int(vz_ct_get(h, "IOPRIO"));
        r->iolimit = parse_int(vz_ct_get(h, "IOLIMIT"));
        r->iopslimit = parse_int(vz_ct_get(h, "IOPSLIMIT"));
        r->bootorder = parse_int(vz_ct_get(h, "BOOTORDER"));
        r->onboot = parse_yesno(vz_ct_get(h, "ONBOOT"));
        r->disabled = parse_yesno(vz_ct_get(h, "DISABLED")) == 1;
        v = vz_ct_get(h, "VM_OVERCOMMIT");
        if (v && *v) {
                char *end;
                double d = strtod(v, &end);

                if (end != v && !*end) {
                        r->has_vm_overcommit = true;
                        r->vm_overcommit = d;
                }
        }
}

/*
 * Runtime values, for running (and mounted) CTs: what the shown or sorted
 * fields need (vzl_field_needs), so the default listing of 1000 CTs stays
 * fast: the beancounters (dozens of cgroup files per CT), the process count
 * and uptime, disk usage (a walk of a simfs private area), the load average
 * (a read through the CT's lxcfs).
 */
static void fill_runtime(vz_ct *h, struct vzl_ct *r, const struct options *o)
{
        vz_ubc u[VZ_UBC_COUNT];
        vz_ct_stats st;
        int n = 0;

        /* Beancounters: held/maxheld/failcnt from the CT's cgroups; barrier
         * and limit the CT's live ones where the kernel holds the limit
         * (numproc, physpages, swappages: a vzctl set without --save makes
         * them differ from the config), else the config's. */
        if ((o->need & VZL_NEED_UBC) && r->status == VZL_ST_RUNNING)
                n = vz_ct_get_ubc(h, u, VZ_UBC_COUNT, NULL);
        for (int i = 0; i < n; i++)
                for (int id = 0; id < VZL_UBC_MAX; id++) {
                        if (u[i].held < 0 || strcmp(u[i].name, vzl_ubc_name(id)) != 0)
                                continue;
                        r->ubc[id].held = u[i].held;
                        r->ubc[id].maxheld = u[i].maxheld;
                        r->ubc[id].failcnt = u[i].failcnt;
                        if (u[i].enforced &&
                            (r->ubc[id].limit != VZL_UNSET || u[i].limit != VZ_UNLIMITED)) {
                                r->ubc[id].barrier = u[i].barrier;
                                r->ubc[id].limit = u[i].limit;
                        }
                }
        /* Addresses: what the CT has now, which --ipadd/--ipdel without
         * --save make differ from its config. */
        {
                char *ips = NULL;
                if (vz_ct_get_ips(h, &ips, NULL) == 0) {
                        free(r->ip);
                        r->ip = ips;
                }
        }
        if ((o->need & VZL_NEED_LAVG) && r->status == VZL_ST_RUNNING &&
            vz_ct_get_loadavg(h, r->laverage, NULL) == 0)
                r->has_laverage = true;
        /* Disk usage walks a simfs private area: only when it is shown. */
        if (!(o->need & (VZL_NEED_STATS | VZL_NEED_DISK)) ||
            vz_ct_get_stats_of(h, VZ_STATS_PROCS | (o->need & VZL_NEED_DISK ? VZ_STATS_DISK : 0),
                               &st, NULL) < 0)
                return;
        if (st.numproc >= 0)
                r->ubc[VZL_UBC_NUMPROC].held = st.numproc;
        if (st.uptime >= 0) {
                r->has_uptime = true;
                r->uptime = st.uptime;
        }
        if (st.disk_used_kb >= 0)
                r->diskspace.usage = st.disk_used_kb;
        if (st.inodes_used >= 0)
                r->diskinodes.usage = st.inodes_used;
}

/* ------------------------------------------------------------- selection */
static bool pattern_ok(const char *value, const char *pattern)
{
        if (!pattern)
                return true;
        /* OpenVZ: a CT without the value never matches a pattern. */
        return value && fnmatch(pattern, value, 0) == 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
        unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

        return x < y ? -1 : x > y;
}

/* The CTIDs named on the command line that have a config, sorted. */
static int explicit_ids(vz_ctx *ctx, const struct options *o, const unsigned *all, size_t nall,
                        unsigned **ret, size_t *ret_n)
{
        unsigned *ids = calloc((size_t)o->nids + 1, sizeof(*ids));
        size_t n = 0;

        if (!ids) {
                tool_error("out of memory");
                return VZ_E_SYSTEM;
        }
        for (int i = 0; i < o->nids; i++) {
                vz_err e = {0};
                unsigned id;

                /* OpenVZ: a number other than 0 is a CTID whether or not it
                 * exists; anything else must be a known name. */
                if ((vz_ctid_parse(o->ids[i], &id) < 0 || id == 0) &&
                    (vz_ct_resolve(ctx, o->ids[i], &id, &e) < 0 || id == 0)) {
                        fprintf(stderr, "CT ID %s is invalid.\n", o->ids[i]);
                        free(ids);
                        return 1;
                }
                if (bsearch(&id, all, nall, sizeof(*all), cmp_unsigned))
                        ids[n++] = id;
        }
        qsort(ids, n, sizeof(*ids), cmp_unsigned);
        /* vzlist 101 101 lists 101 once. */
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (k == 0 || ids[k - 1] != ids[i])
                        ids[k++] = ids[i];
        *ret = ids;
        *ret_n = k;
        return 0;
}

struct collection {
        struct vzl_ct *cts;
        bool *shown;
        size_t n;
        size_t candidates; /* CTs found before hiding and filtering */
};

static void collection_free(struct collection *c)
{
        for (size_t i = 0; i < c->n; i++)
                vzl_ct_done(&c->cts[i]);
        free(c->cts);
        free(c->shown);
}

static enum vzl_status status_of(const vz_ct_state *st)
{
        if (st->running)
                return VZL_ST_RUNNING;
        /* OpenVZ checks the dump first and the mount last: mounted wins. */
        if (st->mounted)
                return VZL_ST_MOUNTED;
        if (st->suspended)
                return VZL_ST_SUSPENDED;
        return VZL_ST_STOPPED;
}

static int collect(vz_ctx *ctx, const struct options *o, struct collection *c)
{
        unsigned *all = NULL, *ids = NULL;
        size_t nall = 0, nids = 0;
        vz_err e = {0};
        bool want_stopped = o->all || o->stopped_only || o->nids > 0;
        int r;

        r = vz_ct_list_ids(ctx, &all, &nall, &e);
        if (r < 0)
                return tool_fail(&e, "cannot list containers");
        if (o->nids > 0) {
                r = explicit_ids(ctx, o, all, nall, &ids, &nids);
                free(all);
                if (r)
                        return r;
        } else {
                ids = all;
                nids = nall;
        }

        c->cts = calloc(nids ? nids : 1, sizeof(*c->cts));
        c->shown = calloc(nids ? nids : 1, sizeof(*c->shown));
        if (!c->cts || !c->shown) {
                free(ids);
                tool_error("out of memory");
                return VZ_E_SYSTEM;
        }
        for (size_t i = 0; i < nids; i++) {
                vz_ct *h = NULL;
                vz_ct_state st = {0};
                struct vzl_ct *rec;

                memset(&e, 0, sizeof(e));
                if (vz_ct_open(ctx, ids[i], &h, &e) < 0) {
                        tool_fail(&e, "CT %u", ids[i]);
                        continue;
                }
                if (vz_ct_get_state(h, &st, &e) < 0) {
                        tool_fail(&e, "CT %u: cannot get status", ids[i]);
                        vz_ct_free(h);
                        continue;
                }
                if (!st.running && !want_stopped) {
                        vz_ct_free(h);
                        continue;
                }
                c->candidates++;
                rec = &c->cts[c->n];
                vzl_ct_init(rec, ids[i]);
                rec->status = status_of(&st);
                fill_from_config(h, rec);
                if (st.running || st.mounted) /* disk usage of a mounted CT too */
                        fill_runtime(h, rec, o);
                /* A stopped CT without its private area is a leftover config. */
                c->shown[c->n] = st.running || st.exists;
                if (o->stopped_only && st.running)
                        c->shown[c->n] = false;
                if (!pattern_ok(rec->hostname, o->host_pattern) ||
                    !pattern_ok(rec->name, o->name_pattern) ||
                    !pattern_ok(rec->description, o->desc_pattern))
                        c->shown[c->n] = false;
                c->n++;
                vz_ct_free(h);
        }
        free(ids);
        return 0;
}

/* ------------------------------------------------------------- main */
enum { OPT_HELP = 0x100, OPT_CLUSTER };

static const struct option long_options[] = {
    {"all", no_argument, NULL, 'a'},
    {"stopped", no_argument, NULL, 'S'},
    {"name", no_argument, NULL, 'n'},
    {"no-header", no_argument, NULL, 'H'},
    {"no-trim", no_argument, NULL, 't'},
    {"json", no_argument, NULL, 'j'},
    {"output", required_argument, NULL, 'o'},
    {"sort", required_argument, NULL, 's'},
    {"hostname", required_argument, NULL, 'h'},
    {"name_filter", required_argument, NULL, 'N'},
    {"description", required_argument, NULL, 'd'},
    {"list", no_argument, NULL, 'L'},
    {"help", no_argument, NULL, OPT_HELP},
    {"cluster", no_argument, NULL, OPT_CLUSTER},
    {NULL, 0, NULL, 0},
};

/* Parse the command line into o; -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, struct options *o, bool *cluster)
{
        int c;

        while ((c = getopt_long(argc, argv, "aSnHtjo:s:h:N:d:L1", long_options, NULL)) != -1) {
                switch (c) {
                case 'a':
                        o->all = true;
                        break;
                case 'S':
                        o->stopped_only = true;
                        break;
                case 'n':
                        o->fields = default_name_fields;
                        break;
                case 'H':
                        o->header = false;
                        break;
                case 't':
                        o->trim = false;
                        break;
                case 'j':
                        o->json = true;
                        break;
                case 'o':
                        o->fields = optarg;
                        break;
                case '1':
                        /* OpenVZ: "veid", printed right-aligned in 10 columns. */
                        o->fields = "veid";
                        o->header = false;
                        break;
                case 's':
                        o->sort = optarg;
                        break;
                case 'h':
                        o->host_pattern = optarg;
                        break;
                case 'N':
                        o->name_pattern = optarg;
                        break;
                case 'd':
                        o->desc_pattern = optarg;
                        break;
                case 'L':
                        vzl_print_field_list(stdout);
                        return 0;
                case OPT_HELP:
                        usage(stdout);
                        return 0;
                case OPT_CLUSTER:
                        *cluster = true;
                        break;
                default:
                        usage(stderr);
                        return 1;
                }
        }
        o->ids = argv + optind;
        o->nids = argc - optind;
        return -1;
}

/* The table of the chosen columns and the sort key; -1 to go on, else the
 * exit code. */
static int make_table(struct options *o, struct vzl_table **table,
                      const struct vzl_field **sort_key, bool *sort_reverse)
{
        char errbuf[256];
        int r;

        if (o->sort) {
                const char *name = o->sort[0] == '-' ? o->sort + 1 : o->sort;

                *sort_reverse = o->sort[0] == '-';
                *sort_key = vzl_field_by_name(name);
                if (!*sort_key) {
                        fprintf(stderr, "Invalid sort field name: %s\n", o->sort);
                        return 1;
                }
        }
        if (o->json && !o->fields) {
                r = vzl_table_new_all_base(table);
        } else {
                const char *list = o->fields ? o->fields : default_fields;
                r = vzl_table_new_from_list(list, o->json, table, errbuf, sizeof(errbuf));
        }
        for (size_t i = 0; *table && i < vzl_table_cols(*table); i++)
                o->need |= vzl_field_needs(vzl_table_col(*table, i), o->json);
        if (*sort_key)
                o->need |= vzl_field_needs(*sort_key, false);
        if (r == -EINVAL) {
                fprintf(stderr, "%s\n", errbuf);
                return 1;
        }
        if (r < 0) {
                tool_error("out of memory");
                return VZ_E_SYSTEM;
        }
        return -1;
}

/* Rows for the shown CTs, sorted, printed. */
static int print_listing(const struct options *o, struct vzl_table *table, struct collection *coll,
                         const struct vzl_field *sort_key, bool sort_reverse)
{
        int r;

        for (size_t i = 0; i < coll->n; i++) {
                if (!coll->shown[i])
                        continue;
                if (vzl_table_add(table, &coll->cts[i]) < 0) {
                        tool_error("out of memory");
                        return VZ_E_SYSTEM;
                }
        }
        if (sort_key)
                vzl_table_sort(table, sort_key, sort_reverse);
        if (o->json)
                r = vzl_table_print_json(table, stdout);
        else
                r = vzl_table_print_text(
                    table, &(struct vzl_text_opts){.header = o->header, .trim = o->trim}, stdout);
        if (r == 0 && fflush(stdout) != 0)
                r = -errno;
        if (r < 0) {
                tool_error("cannot write output: %s", strerror(-r));
                return VZ_E_SYSTEM;
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct options o = {.header = true, .trim = true};
        struct vzl_table *table = NULL;
        const struct vzl_field *sort_key = NULL;
        bool sort_reverse = false, cluster = false;
        struct collection coll = {0};
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        int ret;

        tool_init("vzlist");
        add_param_fields();
        ret = parse_options(argc, argv, &o, &cluster);
        if (ret >= 0)
                return ret;
        if (cluster)
                return vzl_cluster_print(o.header, o.json, stdout);
        ret = make_table(&o, &table, &sort_key, &sort_reverse);
        if (ret >= 0)
                goto out;
        ret = 0;
        if (geteuid() != 0) {
                fprintf(stderr, "This program can only be run under root.\n");
                ret = 1;
                goto out;
        }
        if (vz_ctx_new(&ctx, &e) < 0) {
                ret = tool_fail(&e, "cannot read the global configuration");
                goto out;
        }
        ret = collect(ctx, &o, &coll);
        if (ret)
                goto out;
        /* Like OpenVZ, "not found" means no candidate at all; CTs hidden by
         * filters or -S leave an empty listing with its header. */
        if (coll.candidates == 0) {
                if (o.json)
                        fputs("[]\n", stdout);
                else
                        fprintf(stderr, "Container(s) not found\n");
                ret = o.nids > 0 ? 1 : 0;
                goto out;
        }
        ret = print_listing(&o, table, &coll, sort_key, sort_reverse);
out:
        collection_free(&coll);
        vzl_table_free(table);
        vz_ctx_free(ctx);
        return ret;
}

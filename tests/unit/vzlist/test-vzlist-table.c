/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzlist table model: fake CT records in, OpenVZ's exact text and JSON out.
 * The golden strings are what vzlist 4.11.1 prints for the same data.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "vzlist-table.h"
#include <vz/vz.h>

#include "check.h"

#define CHECK_STR(got, want) check_str(__FILE__, __LINE__, (got), (want))

static void check_str(const char *file, int line, const char *got, const char *want)
{
        if (got && strcmp(got, want) == 0)
                return;
        fprintf(stderr, "%s:%d: output differs\n--- want\n%s--- got\n%s---\n", file, line, want,
                got ? got : "(null)");
        check_failures++;
}

/* Three CTs: running with a name and two IPs, stopped with nothing set,
 * suspended with long strings. */
static struct vzl_ct cts[3];

static void make_cts(void)
{
        struct vzl_ct *a = &cts[0], *b = &cts[1], *c = &cts[2];

        vzl_ct_init(a, 101);
        a->status = VZL_ST_RUNNING;
        a->hostname = strdup("ct101.example.com");
        a->name = strdup("web");
        a->ip = strdup("10.0.0.1 10.0.0.2");
        a->nameserver = strdup("8.8.8.8");
        a->private_dir = strdup("/vz/private/101");
        a->layout = strdup("simfs");
        a->features = strdup("nfs:on sysfs:off");
        a->capability = strdup("CHOWN:on NET_ADMIN:off");
        a->ubc[VZL_UBC_NUMPROC] = (struct vzl_ubc){12, 20, 240, 240, 0};
        a->ubc[VZL_UBC_KMEMSIZE] = (struct vzl_ubc){1000, 2000, 14372700, 14790164, 3};
        a->ubc[VZL_UBC_PHYSPAGES] = (struct vzl_ubc){100, 200, 0, 262144, 0};
        a->diskspace = (struct vzl_dq){5000, 1048576, 1153434};
        a->has_laverage = true;
        a->laverage[0] = 0.5;
        a->laverage[1] = 0.25;
        a->laverage[2] = 0.125;
        a->has_uptime = true;
        a->uptime = 90061.5;
        a->cpuunits = 1000;
        a->onboot = 1;
        a->has_vm_overcommit = true;
        a->vm_overcommit = 1.5;

        vzl_ct_init(b, 102);

        vzl_ct_init(c, 1000);
        c->status = VZL_ST_SUSPENDED;
        c->hostname = strdup("a-really-long-hostname.subdomain.example.org");
        c->name = strdup("averyverylongname");
        c->description = strdup("ünïcode description");
        c->ip = strdup("192.168.100.200");
        c->ubc[VZL_UBC_NUMPROC] = (struct vzl_ubc){VZL_UNSET, VZL_UNSET, 100, 100, VZL_UNSET};
        c->ubc[VZL_UBC_KMEMSIZE] = (struct vzl_ubc){VZL_UNSET, VZL_UNSET, 5, 9, VZL_UNSET};
        c->ubc[VZL_UBC_PHYSPAGES] = (struct vzl_ubc){VZL_UNSET, VZL_UNSET, 0, INT64_MAX, VZL_UNSET};
        c->cpus = 2;
        c->onboot = 0;
        c->disabled = true;
}

static struct vzl_table *table_of(const char *fields, bool json)
{
        struct vzl_table *t = NULL;
        char err[256];

        if (fields)
                CHECK(vzl_table_new_from_list(fields, json, &t, err, sizeof(err)) == 0);
        else
                CHECK(vzl_table_new_all_base(&t) == 0);
        if (!t)
                abort();
        for (size_t i = 0; i < 3; i++)
                CHECK(vzl_table_add(t, &cts[i]) == 0);
        return t;
}

static char *render(struct vzl_table *t, bool header, bool trim, bool json)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                abort();
        if (json)
                CHECK(vzl_table_print_json(t, f) == 0);
        else
                CHECK(vzl_table_print_text(t, &(struct vzl_text_opts){header, trim}, f) == 0);
        fclose(f);
        return buf;
}

static void text_case(const char *fields, bool header, bool trim, const char *want, int line)
{
        struct vzl_table *t = table_of(fields, false);
        char *s = render(t, header, trim, false);

        check_str(__FILE__, line, s, want);
        free(s);
        vzl_table_free(t);
}

static void test_default(void)
{
        text_case("ctid,numproc,status,ip,hostname", true, true,
                  "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME\n"
                  "       101         12 running   10.0.0.1        ct101.example.com\n"
                  "       102          - stopped   -               -\n"
                  "      1000          - suspended 192.168.100.200 "
                  "a-really-long-hostname.subdomain.example.org\n",
                  __LINE__);
}

static void test_name(void)
{
        text_case("smart_name,numproc,status,ip,hostname", true, true,
                  " SMARTNAME      NPROC STATUS    IP_ADDR         HOSTNAME\n"
                  "       web         12 running   10.0.0.1        ct101.example.com\n"
                  "       102          - stopped   -               -\n"
                  "averyveryl          - suspended 192.168.100.200 "
                  "a-really-long-hostname.subdomain.example.org\n",
                  __LINE__);
        /* Last column: the name is not cut. */
        text_case("smart_name", false, true, "       web\n       102\naveryverylongname\n",
                  __LINE__);
}

static void test_ctid_only(void)
{
        /* -1 is -H -o veid: right-aligned in 10 columns, leading spaces kept. */
        text_case("veid", false, true, "       101\n       102\n      1000\n", __LINE__);
        text_case("ctid", false, true, "       101\n       102\n      1000\n", __LINE__);
        text_case("vpsid", true, true, "      CTID\n       101\n       102\n      1000\n",
                  __LINE__);
}

static void test_trim(void)
{
        /* Not last: hostname cut to 32, ip shows its first address. */
        text_case("hostname,ip", true, true,
                  "HOSTNAME                         IP_ADDR\n"
                  "ct101.example.com                10.0.0.1 10.0.0.2\n"
                  "-                                -\n"
                  "a-really-long-hostname.subdomain 192.168.100.200\n",
                  __LINE__);
        text_case("ip,hostname", false, true,
                  "10.0.0.1        ct101.example.com\n"
                  "-               -\n"
                  "192.168.100.200 a-really-long-hostname.subdomain.example.org\n",
                  __LINE__);
        /* -t: nothing is cut, lists are whole, columns still padded. */
        text_case("hostname,ip,ctid", false, false,
                  "ct101.example.com                10.0.0.1 10.0.0.2        101\n"
                  "-                                -                      102\n"
                  "a-really-long-hostname.subdomain.example.org 192.168.100.200       1000\n",
                  __LINE__);
        /* Cutting counts characters, not bytes, and never splits one. */
        text_case("description,ctid", false, true,
                  "-                                       101\n"
                  "-                                       102\n"
                  "ünïcode description                    1000\n",
                  __LINE__);
        /* origin_sample: header right-aligned, values left, as OpenVZ. */
        text_case("origin_sample,ctid", true, true,
                  "                   ORIGIN_SAMPLE       CTID\n"
                  "-                                       101\n"
                  "-                                       102\n"
                  "-                                      1000\n",
                  __LINE__);
}

static void test_ubc(void)
{
        text_case("kmemsize,kmemsize.m,kmemsize.b,kmemsize.l,kmemsize.f", true, true,
                  "  KMEMSIZE KMEMSIZE.M KMEMSIZE.B KMEMSIZE.L KMEMSIZE.F\n"
                  "      1000       2000   14372700   14790164          3\n"
                  "         -          -          -          -          -\n"
                  "         -          -          5          9          -\n",
                  __LINE__);
        text_case("ctid,physpages.l,vswap,onboot,disabled,cpus,cpuunits,vm_overcommit", true, true,
                  "      CTID    PHYSP.L VSWAP ONBOOT DISABL  CPUS  CPUUNI VM_OVC\n"
                  "       101     262144   yes    yes     no     -    1000    1.5\n"
                  "       102          -    no      -     no     -       -      -\n"
                  "      1000 9223372036854775807    no     no    yes     2       -      -\n",
                  __LINE__);
        text_case("ctid,laverage,uptime,diskspace,diskspace.s,diskspace.h,diskinodes", true, true,
                  "      CTID       LAVERAGE          UPTIME     DSPACE   DSPACE.S   DSPACE.H"
                  "    DINODES\n"
                  "       101 0.50/0.25/0.12 001d01h:01m:01s       5000    1048576    1153434"
                  "          -\n"
                  "       102              -               -          -          -          -"
                  "          -\n"
                  "      1000              -               -          -          -          -"
                  "          -\n",
                  __LINE__);
        text_case("ctid,features,capability,layout,status", true, true,
                  "      CTID FEATURES        CAPABILITY      LAYOUT STATUS\n"
                  "       101 nfs:on,sysfs:of chown:on,net_ad simfs  running\n"
                  "       102 -               -               -      stopped\n"
                  "      1000 -               -               -      suspended\n",
                  __LINE__);
        text_case("capability", false, true, "chown:on,net_admin:off\n-\n-\n", __LINE__);
}

static void test_field_table(void)
{
        size_t n = vzl_field_count();
        char *buf = NULL;
        size_t len = 0;
        FILE *f;
        int lines = 0;

        CHECK(n > 100);
        for (size_t i = 0; i < n; i++) {
                const struct vzl_field *fi = vzl_field_at(i);

                CHECK(fi->name && *fi->name && fi->header && *fi->header && fi->get);
                CHECK(fi->width > 0 && strlen(fi->header) <= (size_t)fi->width);
                CHECK(vzl_field_by_name(fi->name) == fi);
                /* Suffix fields are exactly the dotted ones. */
                CHECK(!!strchr(fi->name, '.') == !!(fi->flags & VZL_F_SUFFIX));
        }
        CHECK(vzl_field_at(n) == NULL);
        CHECK(vzl_field_by_name("nosuch") == NULL);
        for (int i = 0; i < VZL_UBC_MAX; i++) {
                char name[64], hdr[64];
                const struct vzl_field *fi;

                CHECK(vzl_field_by_name(vzl_ubc_name(i)) != NULL);
                snprintf(name, sizeof(name), "%s.f", vzl_ubc_name(i));
                snprintf(hdr, sizeof(hdr), "%s.F", vzl_ubc_header(i));
                fi = vzl_field_by_name(name);
                CHECK(fi && strcmp(fi->header, hdr) == 0 && (fi->flags & VZL_F_SUFFIX));
        }
        for (int i = 0; i < VZL_ST_MAX; i++)
                CHECK(vzl_status_from_string(vzl_status_to_string(i)) == (enum vzl_status)i);
        CHECK(vzl_status_from_string("bogus") == VZL_ST_INVALID);

        /* -L: "%-15s %-15s" per field, in table order. */
        f = open_memstream(&buf, &len);
        vzl_print_field_list(f);
        fclose(f);
        for (char *p = buf; *p; p = strchr(p, '\n') + 1)
                lines++;
        CHECK((size_t)lines == n);
        CHECK(strncmp(buf, "ctid            CTID           \n", 32) == 0);
        CHECK(strstr(buf, "\nkmemsize.m      KMEMSIZE.M     \n") != NULL);
        CHECK(strstr(buf, "\nnumproc         NPROC          \n") != NULL);
        CHECK(strstr(buf, "\ndiskinodes.h    DINODES.H      \n") != NULL);
        CHECK(strstr(buf, "\norigin_sample   ORIGIN_SAMPLE  \n") != NULL);
        CHECK(strstr(buf, "\ncapability      CAPABILITY     \n") != NULL);
        free(buf);
}

/* A running CT as vzlist knows it from its config alone: barriers and
 * limits, no counters, no load average, no uptime, no disk usage. */
static void config_only(struct vzl_ct *r)
{
        vzl_ct_init(r, 200);
        r->status = VZL_ST_RUNNING;
        for (int i = 0; i < VZL_UBC_MAX; i++) {
                r->ubc[i].barrier = 100 + i;
                r->ubc[i].limit = 200 + i;
        }
        r->diskspace.softlimit = r->diskinodes.softlimit = 1000;
        r->diskspace.hardlimit = r->diskinodes.hardlimit = 2000;
}

/* What each source vzlist reads adds to the record (as vzlist.c fills it). */
static void add_sources(struct vzl_ct *r, unsigned need)
{
        if (need & VZL_NEED_UBC)
                for (int i = 0; i < VZL_UBC_MAX; i++) {
                        r->ubc[i].held = 1;
                        r->ubc[i].maxheld = 2;
                        r->ubc[i].failcnt = 0;
                }
        if (need & VZL_NEED_STATS) {
                r->ubc[VZL_UBC_NUMPROC].held = 3;
                r->has_uptime = true;
                r->uptime = 10;
        }
        if ((need & VZL_NEED_STATS) && (need & VZL_NEED_DISK)) {
                r->diskspace.usage = 500;
                r->diskinodes.usage = 50;
        }
        if (need & VZL_NEED_LAVG) {
                r->has_laverage = true;
                r->laverage[0] = 0.01;
        }
}

/* Every field, asked for alone (text, and JSON where it exists): what
 * vzl_field_needs says to read is enough for its value. numproc.m and
 * numproc.f used to print "-" unless another beancounter was asked for. */
static void test_field_needs(void)
{
        for (size_t i = 0; i < vzl_field_count(); i++) {
                const struct vzl_field *f = vzl_field_at(i);

                for (int json = 0; json < 2; json++) {
                        struct vzl_ct r;
                        struct vzl_cell c;
                        bool ok = true;

                        if (json && (f->flags & VZL_F_SUFFIX))
                                continue;
                        config_only(&r);
                        add_sources(&r, vzl_field_needs(f, json));
                        vzl_field_get(f, &r, &c);
                        switch (c.type) {
                        case VZL_CELL_UBC:
                                if (json) {
                                        for (int k = 0; k < 5; k++)
                                                ok = ok && c.v[k] != VZL_UNSET;
                                } else
                                        ok = c.v[c.sel] != VZL_UNSET;
                                /* The live barrier and limit too. */
                                ok = ok && (vzl_field_needs(f, json) & VZL_NEED_UBC ||
                                            (f->arg == VZL_UBC_NUMPROC && f->sel == 0 && !json));
                                break;
                        case VZL_CELL_DISK:
                                if (json) {
                                        for (int k = 0; k < 3; k++)
                                                ok = ok && c.v[k] != VZL_UNSET;
                                } else
                                        ok = c.v[c.sel] != VZL_UNSET;
                                break;
                        case VZL_CELL_LAVG:
                        case VZL_CELL_UPTIME:
                                ok = !c.missing;
                                break;
                        default:
                                /* From the config: nothing to read. */
                                ok = vzl_field_needs(f, json) == 0;
                                break;
                        }
                        if (!ok) {
                                fprintf(stderr, "field %s (%s): needs %#x do not give its value\n",
                                        f->name, json ? "json" : "text", vzl_field_needs(f, json));
                                check_failures++;
                        }
                        vzl_ct_done(&r);
                }
        }
        /* The default listing stays cheap: the process count, nothing more. */
        {
                static const char *const def[] = {"ctid", "numproc", "status", "ip", "hostname"};
                unsigned need = 0;
                for (size_t i = 0; i < 5; i++)
                        need |= vzl_field_needs(vzl_field_by_name(def[i]), false);
                CHECK(need == VZL_NEED_STATS);
        }
        CHECK(vzl_field_needs(vzl_field_by_name("diskspace.h"), false) == 0);
        CHECK(vzl_field_needs(vzl_field_by_name("numproc.m"), false) == VZL_NEED_UBC);
        CHECK(vzl_field_needs(vzl_field_by_name("numproc.f"), false) == VZL_NEED_UBC);
        CHECK(vzl_field_needs(vzl_field_by_name("numproc"), true) & VZL_NEED_UBC);
        CHECK(vzl_field_needs(vzl_field_by_name("laverage"), false) == VZL_NEED_LAVG);
}

static void test_list_errors(void)
{
        struct vzl_table *t = NULL;
        char err[256];

        CHECK(vzl_table_new_from_list("ctid,bogus", false, &t, err, sizeof(err)) == -EINVAL);
        CHECK_STR(err, "Unknown field: bogus");
        CHECK(vzl_table_new_from_list("ctid,", false, &t, err, sizeof(err)) == -EINVAL);
        CHECK_STR(err, "Unknown field: ");
        CHECK(vzl_table_new_from_list("numproc.m", true, &t, err, sizeof(err)) == -EINVAL);
        CHECK_STR(err, "Field `numproc.m' is not available in JSON output");
        CHECK(vzl_table_new_from_list("diskspace.s", true, &t, err, sizeof(err)) == -EINVAL);
        CHECK(t == NULL);
        CHECK(vzl_table_new_from_list("numproc.m,veid", false, &t, err, sizeof(err)) == 0);
        CHECK(vzl_table_cols(t) == 2);
        vzl_table_free(t);
}

static void sort_case(const char *key, bool reverse, const char *want, int line)
{
        struct vzl_table *t = table_of("ctid", false);
        char *s;

        vzl_table_sort(t, vzl_field_by_name(key), reverse);
        s = render(t, false, true, false);
        check_str(__FILE__, line, s, want);
        free(s);
        vzl_table_free(t);
}

static void test_sort(void)
{
        /* Missing values first, then by value; ties in CTID order. */
        sort_case("hostname", false, "       102\n      1000\n       101\n", __LINE__);
        sort_case("hostname", true, "       101\n      1000\n       102\n", __LINE__);
        /* numproc barriers: 102 unset, 1000 has 100, 101 has 240. */
        sort_case("numproc.b", false, "       102\n      1000\n       101\n", __LINE__);
        sort_case("numproc", false, "       102\n      1000\n       101\n", __LINE__);
        sort_case("ctid", true, "      1000\n       102\n       101\n", __LINE__);
        sort_case("status", false, "       101\n       102\n      1000\n", __LINE__);
        sort_case("smart_name", false, "       102\n      1000\n       101\n", __LINE__);
        sort_case("cpus", true, "      1000\n       102\n       101\n", __LINE__);

        /* Numbers compare as numbers, not as strings: 9 < 10 < 100. */
        struct vzl_ct extra[3];
        struct vzl_table *t = NULL;
        char err[64], *s;
        int64_t vals[3] = {100, 9, 10};

        CHECK(vzl_table_new_from_list("ctid,kmemsize.l", false, &t, err, sizeof(err)) == 0);
        for (int i = 0; i < 3; i++) {
                vzl_ct_init(&extra[i], 200 + i);
                extra[i].ubc[VZL_UBC_KMEMSIZE].limit = vals[i];
                CHECK(vzl_table_add(t, &extra[i]) == 0);
        }
        vzl_table_sort(t, vzl_field_by_name("kmemsize.l"), false);
        s = render(t, false, true, false);
        CHECK_STR(s, "       201          9\n       202         10\n       200        100\n");
        free(s);
        vzl_table_free(t);
}

static json_object *json_of(const char *fields, char **text)
{
        struct vzl_table *t = table_of(fields, true);
        json_object *j;

        *text = render(t, true, true, true);
        vzl_table_free(t);
        j = json_tokener_parse(*text);
        CHECK(j != NULL);
        return j;
}

static json_object *get(json_object *o, const char *key)
{
        json_object *v = NULL;

        CHECK(json_object_object_get_ex(o, key, &v));
        return v;
}

static void test_json(void)
{
        char *text;
        json_object *arr = json_of(NULL, &text), *a, *b, *c, *u;

        CHECK(json_object_is_type(arr, json_type_array));
        CHECK(json_object_array_length(arr) == 3);
        a = json_object_array_get_idx(arr, 0);
        b = json_object_array_get_idx(arr, 1);
        c = json_object_array_get_idx(arr, 2);

        /* Every base field is a key; no suffix field, no alias. */
        size_t nbase = 0;
        for (size_t i = 0; i < vzl_field_count(); i++) {
                const struct vzl_field *f = vzl_field_at(i);

                if (f->flags & (VZL_F_SUFFIX | VZL_F_ALIAS)) {
                        CHECK(!json_object_object_get_ex(a, f->name, NULL));
                        continue;
                }
                nbase++;
                CHECK(json_object_object_get_ex(a, f->name, NULL));
        }
        CHECK((size_t)json_object_object_length(a) == nbase);

        CHECK(json_object_get_int64(get(a, "ctid")) == 101);
        CHECK(json_object_is_type(get(a, "ctid"), json_type_int));
        CHECK_STR(json_object_get_string(get(a, "hostname")), "ct101.example.com");
        CHECK(get(b, "hostname") == NULL);
        CHECK_STR(json_object_get_string(get(a, "private")), "/vz/private/101");
        CHECK(strstr(text, "\"/vz/private/101\"") != NULL); /* slashes not escaped */
        CHECK_STR(json_object_get_string(get(a, "status")), "running");
        CHECK_STR(json_object_get_string(get(c, "status")), "suspended");
        CHECK_STR(json_object_get_string(get(a, "smart_name")), "web");
        CHECK(json_object_is_type(get(b, "smart_name"), json_type_int));

        /* Lists are arrays, empty when unset. */
        u = get(a, "ip");
        CHECK(json_object_is_type(u, json_type_array) && json_object_array_length(u) == 2);
        CHECK_STR(json_object_get_string(json_object_array_get_idx(u, 1)), "10.0.0.2");
        u = get(b, "ip");
        CHECK(json_object_is_type(u, json_type_array) && json_object_array_length(u) == 0);
        CHECK(json_object_is_type(get(a, "nameserver"), json_type_array));
        CHECK(json_object_is_type(get(a, "searchdomain"), json_type_array));

        /* UBC objects; counters 0 when not running; null when nothing known. */
        u = get(a, "kmemsize");
        CHECK(json_object_get_int64(get(u, "held")) == 1000);
        CHECK(json_object_get_int64(get(u, "maxheld")) == 2000);
        CHECK(json_object_get_int64(get(u, "barrier")) == 14372700);
        CHECK(json_object_get_int64(get(u, "limit")) == 14790164);
        CHECK(json_object_get_int64(get(u, "failcnt")) == 3);
        u = get(c, "numproc");
        CHECK(json_object_is_type(get(u, "held"), json_type_int));
        CHECK(json_object_get_int64(get(u, "held")) == 0);
        CHECK(json_object_get_int64(get(u, "failcnt")) == 0);
        CHECK(json_object_get_int64(get(u, "limit")) == 100);
        CHECK(json_object_get_int64(get(get(c, "physpages"), "limit")) == INT64_MAX);
        CHECK(get(b, "kmemsize") == NULL);
        CHECK(get(a, "swappages") == NULL);

        /* Disk, load average, uptime. */
        u = get(a, "diskspace");
        CHECK(json_object_get_int64(get(u, "usage")) == 5000);
        CHECK(json_object_get_int64(get(u, "softlimit")) == 1048576);
        CHECK(json_object_get_int64(get(u, "hardlimit")) == 1153434);
        CHECK(get(b, "diskspace") == NULL);
        u = get(a, "laverage");
        CHECK(json_object_is_type(u, json_type_array) && json_object_array_length(u) == 3);
        CHECK(json_object_get_double(json_object_array_get_idx(u, 1)) == 0.25);
        CHECK(get(b, "laverage") == NULL);
        CHECK(json_object_is_type(get(a, "uptime"), json_type_double));
        CHECK(json_object_get_double(get(a, "uptime")) == 90061.5);
        CHECK(get(b, "uptime") == NULL);

        /* Booleans, numbers, floats. */
        CHECK(json_object_get_boolean(get(a, "onboot")) == 1);
        CHECK(json_object_is_type(get(c, "onboot"), json_type_boolean));
        CHECK(get(b, "onboot") == NULL);
        CHECK(json_object_get_boolean(get(a, "vswap")) == 1);
        CHECK(json_object_is_type(get(c, "vswap"), json_type_boolean));
        CHECK(json_object_get_boolean(get(c, "vswap")) == 0);
        CHECK(json_object_get_boolean(get(c, "disabled")) == 1);
        CHECK(json_object_get_int64(get(a, "cpuunits")) == 1000);
        CHECK(get(a, "cpulimit") == NULL);
        CHECK(json_object_get_int64(get(c, "cpus")) == 2);
        CHECK(json_object_get_double(get(a, "vm_overcommit")) == 1.5);
        CHECK_STR(json_object_get_string(get(a, "layout")), "simfs");

        /* Features and capabilities are name -> bool objects. */
        u = get(a, "features");
        CHECK(json_object_is_type(u, json_type_object));
        CHECK(json_object_get_boolean(get(u, "nfs")) == 1);
        CHECK(json_object_is_type(get(u, "sysfs"), json_type_boolean));
        CHECK(json_object_get_boolean(get(u, "sysfs")) == 0);
        u = get(a, "capability");
        CHECK(json_object_get_boolean(get(u, "chown")) == 1);
        CHECK(json_object_get_boolean(get(u, "net_admin")) == 0);
        CHECK(get(b, "features") == NULL);

        json_object_put(arr);
        free(text);

        /* -o picks keys, in order; aliases allowed when asked for. */
        arr = json_of("veid,hostname", &text);
        a = json_object_array_get_idx(arr, 0);
        CHECK(json_object_object_length(a) == 2);
        CHECK(json_object_get_int64(get(a, "veid")) == 101);
        CHECK(strstr(text, "\"veid\"") < strstr(text, "\"hostname\""));
        json_object_put(arr);
        free(text);

        /* No rows: "[]", as OpenVZ. */
        struct vzl_table *t = NULL;
        CHECK(vzl_table_new_all_base(&t) == 0);
        text = render(t, true, true, true);
        CHECK_STR(text, "[]\n");
        free(text);
        vzl_table_free(t);
}

/* Every parameter row's vzlist column is a field: vzlist's own, or one
 * made from the row (a new parameter needs no vzlist change). */
static void test_param_fields(void)
{
        const vz_param_info *p;
        const struct vzl_field *f;
        struct vzl_ct ct;
        struct vzl_cell c;
        size_t fixed = vzl_field_count();

        for (size_t i = 0; (p = vz_param_at(i)); i++) {
                const vz_param_column *col = vz_param_column_of(p);
                if (!col || vz_param_by_name(p->name) != p)
                        continue;
                if (col->header)
                        CHECK(vzl_field_add_param(col->name, col->header, col->width, p->name) == 0,
                              "%s: cannot add field %s", p->name, col->name);
                CHECK(vzl_field_by_name(col->name) != NULL, "%s: no vzlist field %s", p->name,
                      col->name);
        }
        CHECK(vzl_field_add_param("ctid", "X", 1, "X") == -EEXIST, "duplicate field added");
        CHECK(vzl_field_at(vzl_field_count()) == NULL, "past the end");
        /* A field made from a row: the stored value, a number when it is one. */
        f = NULL;
        for (size_t i = fixed; i < vzl_field_count() && !f; i++)
                if (vzl_field_at(i)->param)
                        f = vzl_field_at(i);
        CHECK(f != NULL, "no field made from a parameter row");
        if (!f)
                return;
        vzl_ct_init(&ct, 101);
        vzl_field_get(f, &ct, &c);
        CHECK(c.missing, "unset parameter not missing");
        ct.param[f->arg] = strdup("50");
        vzl_field_get(f, &ct, &c);
        CHECK(!c.missing && c.type == VZL_CELL_INT && c.i == 50, "numeric value not a number");
        free(ct.param[f->arg]);
        ct.param[f->arg] = strdup("auto");
        vzl_field_get(f, &ct, &c);
        CHECK(c.type == VZL_CELL_STR && strcmp(c.s, "auto") == 0, "text value");
        vzl_ct_done(&ct);
}

int main(void)
{
        make_cts();
        test_default();
        test_name();
        test_ctid_only();
        test_trim();
        test_ubc();
        test_field_table();
        test_field_needs();
        test_list_errors();
        test_sort();
        test_json();
        test_param_fields();
        for (size_t i = 0; i < 3; i++)
                vzl_ct_done(&cts[i]);
        if (check_failures) {
                fprintf(stderr, "%d check(s) failed\n", check_failures);
                return 1;
        }
        printf("vzlist-table: all checks passed\n");
        return 0;
}

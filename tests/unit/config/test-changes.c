/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Change sets: validated when added, applied against the real current
 * values, written into the CT config with only the touched lines changed. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config/config.h"
#include "err.h"
#include "macro.h"
#include "util.h"

/* The "global" config the lookup falls back to. */
static vz_conffile *global_conf;
static vz_conffile *ct_conf;

static const char *lookup(const char *name, void *userdata)
{
        const char *v = vz_conffile_get(ct_conf, name);
        return v ? v : vz_conffile_get(global_conf, name);
}

static void add_ok(vz_changes *ch, const char *opt, const char *val)
{
        vz_err e = {0};
        CHECK(vz_changes_add(ch, opt, val, &e) == 0, "--%s %s: %s", opt, val, e.msg);
}

int main(void)
{
        static const char g[] = "NAMESERVER=inherit\nCPUUNITS=1000\n";
        static const char c[] = "# CT 101\nIP_ADDRESS=\"10.0.0.1 10.0.0.2/24\"\n"
                                "CAPABILITY=\"CHOWN:off\"\nNAMESERVER=\"9.9.9.9\"\n"
                                "PHYSPAGES=\"0:65536\"";
        vz_changes *ch = NULL;
        vz_err e = {0};
        char *out;
        int r;

        CHECK(vz_conffile_parse(g, strlen(g), &global_conf) == 0, "global");
        CHECK(vz_conffile_parse(c, strlen(c), &ct_conf) == 0, "ct");
        CHECK(vz_changes_new(&ch) == 0, "new");

        /* Bad input never enters the set. */
        CHECK(vz_changes_add(ch, "nosuch", "1", &e) < 0 && e.code == VZ_E_SYNTAX, "unknown: %d",
              e.code);
        vz_err_clear(&e);
        CHECK(vz_changes_add(ch, "cpuunits", "1", &e) < 0 && e.code == VZ_E_VALUE, "range");
        vz_err_clear(&e);
        CHECK(vz_changes_add(ch, "ipadd", "1.2.3", &e) < 0 && e.code == VZ_E_BADIP, "badip");
        vz_err_clear(&e);
        CHECK(vz_changes_add(ch, "cpuunits", NULL, &e) < 0 && e.code == VZ_E_SYNTAX, "no arg");
        CHECK(vz_changes_count(ch) == 0, "bad values recorded");

        add_ok(ch, "--ipadd", "10.0.0.2/16");
        add_ok(ch, "ip", "10.0.0.3");
        add_ok(ch, "ipdel", "10.0.0.1");
        add_ok(ch, "nameserver", "8.8.8.8");
        add_ok(ch, "nameserver", "8.8.4.4");
        add_ok(ch, "capability", "sys_time:on");
        add_ok(ch, "ram", "512M");
        add_ok(ch, "cpuunits", "2000");
        add_ok(ch, "hostname", "ct101.example.com");
        add_ok(ch, "vm_overcommit", "0");
        CHECK(vz_changes_count(ch) == 10, "count %zu", vz_changes_count(ch));
        CHECK(vz_changes_has(ch, "PHYSPAGES"), "has PHYSPAGES via --ram");
        CHECK(vz_changes_has(ch, "IP_ADDRESS"), "has IP_ADDRESS");
        CHECK(!vz_changes_has(ch, "SWAPPAGES"), "has SWAPPAGES");
        CHECK(vz_changes_param_at(ch, 0) && streq(vz_changes_param_at(ch, 0)->name, "IP_ADDRESS"),
              "param_at 0");
        CHECK(vz_changes_param_at(ch, 10) == NULL, "param_at end");

        r = vz_changes_apply(ch, ct_conf, lookup, NULL, &e);
        /* IP_ADDRESS, NAMESERVER, CAPABILITY, PHYSPAGES, CPUUNITS, HOSTNAME;
         * VM_OVERCOMMIT 0 removes a key that was not there. */
        CHECK(r == 6, "apply returned %d (%s)", r, e.msg);
        CHECK_STREQ(vz_conffile_get(ct_conf, "IP_ADDRESS"), "10.0.0.2/16 10.0.0.3");
        CHECK_STREQ(vz_conffile_get(ct_conf, "NAMESERVER"), "8.8.8.8 8.8.4.4");
        CHECK_STREQ(vz_conffile_get(ct_conf, "CAPABILITY"), "CHOWN:off SYS_TIME:on");
        CHECK_STREQ(vz_conffile_get(ct_conf, "CPUUNITS"), "2000");
        CHECK(vz_conffile_get(ct_conf, "VM_OVERCOMMIT") == NULL, "vm_overcommit stored");
        out = vz_conffile_serialize(ct_conf, NULL);
        CHECK(vz_startswith(out, "# CT 101\nIP_ADDRESS=\"10.0.0.2/16 10.0.0.3\"\n"
                                 "CAPABILITY=\"CHOWN:off SYS_TIME:on\"\n"
                                 "NAMESERVER=\"8.8.8.8 8.8.4.4\"\n"),
              "in place: %s", out);
        if (vz_param_by_name("PHYSPAGES") && sysconf(_SC_PAGESIZE) == 4096)
                CHECK(strstr(out, "PHYSPAGES=\"0:131072\"\nCPUUNITS=\"2000\"\n"
                                  "HOSTNAME=\"ct101.example.com\"\n") != NULL,
                      "appended: %s", out);
        free(out);

        /* Applying again changes nothing but the DNS list, which starts
         * fresh each time and so comes out the same. */
        vz_err_clear(&e);
        r = vz_changes_apply(ch, ct_conf, lookup, NULL, &e);
        CHECK(r == 0, "second apply changed %d keys", r);
        vz_changes_free(ch);

        /* A set on a CT without the key takes the global value as base. */
        CHECK(vz_changes_new(&ch) == 0, "new");
        add_ok(ch, "features", "nfs:on");
        CHECK(vz_conffile_set(global_conf, "FEATURES", "sysfs:off") == 1, "global features");
        r = vz_changes_apply(ch, ct_conf, lookup, NULL, &e);
        CHECK(r == 1, "apply %d", r);
        CHECK_STREQ(vz_conffile_get(ct_conf, "FEATURES"), "sysfs:off nfs:on");
        vz_changes_free(ch);
        vz_changes_free(NULL);

        vz_conffile_free(ct_conf);
        vz_conffile_free(global_conf);
        return check_result("test-changes");
}

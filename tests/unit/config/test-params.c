/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Walk the parameter table: every row complete, options unique, aliases
 * resolve, and every classic OpenVZ parameter is known. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "macro.h"
#include "config/params.h"

/* OPENVZ.md 2.3 (per CT), 2.4 (global), 3.2 (UBC) and vz's own. */
static const char *const classic_names[] = {
    /* 2.3 */
    "VE_ROOT",
    "VE_PRIVATE",
    "VE_LAYOUT",
    "MOUNT_OPTS",
    "OSTEMPLATE",
    "ORIGIN_SAMPLE",
    "NAME",
    "VEID",
    "DESCRIPTION",
    "HOSTNAME",
    "IP_ADDRESS",
    "NAMESERVER",
    "SEARCHDOMAIN",
    "NETIF",
    "NETDEV",
    "VETH",
    "ONBOOT",
    "BOOTORDER",
    "DISABLED",
    "STOP_TIMEOUT",
    "CAPABILITY",
    "FEATURES",
    "NETFILTER",
    "IPTABLES",
    "DEVICES",
    "DEVNODES",
    "PCI",
    "CPUUNITS",
    "CPUUWEIGHT",
    "CPULIMIT",
    "CPUS",
    "CPUMASK",
    "NODEMASK",
    "IOPRIO",
    "IOLIMIT",
    "IOPSLIMIT",
    "DISK_QUOTA",
    "DISKSPACE",
    "DISKINODES",
    "QUOTATIME",
    "QUOTAUGIDLIMIT",
    "MEMINFO",
    "VM_OVERCOMMIT",
    "LOCAL_UID",
    "LOCAL_GID",
    "TEMPLATE",
    "LOCKDIR",
    "DUMPDIR",
    "LOGGING",
    "LOGFILE",
    "LOG_LEVEL",
    "VERBOSE",
    "CONFIGFILE",
    "DEF_OSTEMPLATE",
    "IPV6",
    /* known but ignored */
    "VIRTUOZZO",
    "VE0CPUUNITS",
    "VZFASTBOOT",
    "NEIGHBOUR_DEVS",
    "ERROR_ON_ARPFAIL",
    "VZWDOG",
    "IPTABLES_MODULES",
    "IP6TABLES",
    "CONFIG_CUSTOMIZED",
    "VE_STOP_MODE",
    "SKIP_SYSCTL_SETUP",
    "SKIP_ARPDETECT",
    "VE_PARALLEL",
    /* 2.4 */
    "MODULES_DISABLED",
    "VE_ROUTE_SRC_DEV",
    "FORCE_ROUTE",
    /* 3.2 */
    "KMEMSIZE",
    "LOCKEDPAGES",
    "PRIVVMPAGES",
    "SHMPAGES",
    "NUMPROC",
    "PHYSPAGES",
    "VMGUARPAGES",
    "OOMGUARPAGES",
    "NUMTCPSOCK",
    "NUMFLOCK",
    "NUMPTY",
    "NUMSIGINFO",
    "TCPSNDBUF",
    "TCPRCVBUF",
    "OTHERSOCKBUF",
    "DGRAMRCVBUF",
    "NUMOTHERSOCK",
    "DCACHESIZE",
    "NUMFILE",
    "NUMIPTENT",
    "SWAPPAGES",
    "AVNUMPROC",
    /* vz */
    "VZ_RUNDIR",
    "VZ_CGROUP",
};

static const char *const global_names[] = {
    "VIRTUOZZO", "LOCKDIR",  "DUMPDIR",    "VE0CPUUNITS",    "LOGGING", "LOGFILE",   "LOG_LEVEL",
    "VERBOSE",   "TEMPLATE", "CONFIGFILE", "DEF_OSTEMPLATE", "IPV6",    "VZ_RUNDIR", "VZ_CGROUP",
};

static const char *const not_enforced[] = {
    "NUMTCPSOCK",  "NUMOTHERSOCK", "TCPSNDBUF",  "TCPRCVBUF", "OTHERSOCKBUF", "DGRAMRCVBUF",
    "DCACHESIZE",  "NUMFLOCK",     "NUMSIGINFO", "NUMIPTENT", "VMGUARPAGES",  "OOMGUARPAGES",
    "PRIVVMPAGES", "LOCKEDPAGES",  "SHMPAGES",   "MEMINFO",
};

/* Every option of OPENVZ.md 1.9 that maps onto a parameter. */
static const char *const classic_options[] = {
    "onboot",
    "bootorder",
    "root",
    "private",
    "mount_opts",
    "disabled",
    "name",
    "description",
    "ostemplate",
    "stop-timeout",
    "ipadd",
    "ip",
    "ipdel",
    "hostname",
    "nameserver",
    "searchdomain",
    "netif_add",
    "netif_del",
    "netdev_add",
    "netdev_del",
    "ram",
    "swap",
    "vm_overcommit",
    "numproc",
    "numtcpsock",
    "numothersock",
    "vmguarpages",
    "kmemsize",
    "tcpsndbuf",
    "tcprcvbuf",
    "othersockbuf",
    "dgramrcvbuf",
    "oomguarpages",
    "lockedpages",
    "privvmpages",
    "shmpages",
    "numfile",
    "numflock",
    "numpty",
    "numsiginfo",
    "dcachesize",
    "numiptent",
    "physpages",
    "swappages",
    "avnumproc",
    "cpuunits",
    "cpuweight",
    "cpulimit",
    "cpus",
    "cpumask",
    "nodemask",
    "meminfo",
    "netfilter",
    "iptables",
    "diskquota",
    "diskspace",
    "diskinodes",
    "quotatime",
    "quotaugidlimit",
    "capability",
    "devnodes",
    "devices",
    "pci_add",
    "pci_del",
    "features",
    "ioprio",
    "iolimit",
    "iopslimit",
    "layout",
    "ve_layout",
    "velayout",
    "local_uid",
    "local_gid",
    "p",
    "l",
    "n",
    "f",
    "t",
    "i",
    "e",
};

static void test_rows(void)
{
        size_t n = vz_param_count();

        CHECK(n == vz_param_table_size(), "count mismatch");
        CHECK(n > 100, "only %zu rows", n);
        for (size_t i = 0; i < n; i++) {
                const struct vz_param *p = vz_param_row(i);
                const vz_param_info *info = vz_param_at(i);

                CHECK(info == &p->info, "row %zu: info is not the first member", i);
                CHECK(p->info.name && *p->info.name, "row %zu: no name", i);
                CHECK(p->info.help && *p->info.help, "row %zu (%s): no help", i, p->info.name);
                CHECK(p->parse, "row %s: no parser", p->info.name);
                CHECK(p->check, "row %s: no checker", p->info.name);
                CHECK(vz_param_kind_to_string(p->kind), "row %s: bad kind", p->info.name);
                CHECK(vz_unit_to_string(p->unit), "row %s: bad unit", p->info.name);
                if (p->info.option) {
                        CHECK(!(p->info.flags & VZ_PF_INTERNAL), "%s: option and INTERNAL",
                              p->info.name);
                        CHECK(p->info.arg && *p->info.arg, "--%s: no arg placeholder",
                              p->info.option);
                        CHECK(p->example, "--%s: no example value", p->info.option);
                        CHECK(vz_param_by_option(p->info.option) == info,
                              "--%s does not resolve to its row", p->info.option);
                        for (size_t k = 0; k < 3 && p->opt_aliases[k]; k++)
                                CHECK(vz_param_by_option(p->opt_aliases[k]) == info,
                                      "alias --%s does not resolve", p->opt_aliases[k]);
                } else
                        CHECK(p->info.flags & VZ_PF_INTERNAL, "%s: no option, not INTERNAL",
                              p->info.name);
                if (p->info.flags & VZ_PF_UBC)
                        CHECK(p->kind == VZ_KIND_UBC && p->unit != VZ_UNIT_NONE, "%s: UBC kind",
                              p->info.name);
                if (p->kind == VZ_KIND_INT && p->parse != NULL && p->max)
                        CHECK(p->min <= p->max, "%s: range", p->info.name);
                /* Own rows come before the extra options for the same name. */
                if (!p->extra_option)
                        CHECK(vz_param_lookup(p->info.name) == p, "%s: duplicate own row",
                              p->info.name);
                else
                        CHECK(vz_param_lookup(p->info.name) != NULL &&
                                  vz_param_lookup(p->info.name) < p,
                              "%s: extra option before its own row", p->info.name);
                /* Options are unique, aliases included. */
                for (size_t j = 0; j < i; j++) {
                        const struct vz_param *q = vz_param_row(j);
                        const char *po[4] = {p->info.option, p->opt_aliases[0], p->opt_aliases[1],
                                             p->opt_aliases[2]};
                        const char *qo[4] = {q->info.option, q->opt_aliases[0], q->opt_aliases[1],
                                             q->opt_aliases[2]};
                        for (int a = 0; a < 4; a++)
                                for (int b = 0; b < 4; b++)
                                        CHECK(!po[a] || !qo[b] || strcmp(po[a], qo[b]),
                                              "option --%s used twice", po[a]);
                }
                /* A default must pass the checker. */
                if (p->def)
                        CHECK(vz_param_check_stored(p->info.name, p->def, NULL) == 0,
                              "%s: default '%s' rejected", p->info.name, p->def);
        }
}

static const char *example_get(const char *name, void *userdata)
{
        const struct vz_param *p = userdata;
        return strcmp(name, p->info.name) == 0 ? p->example : NULL;
}

/* Every row says how it reaches a running CT and where vzlist shows it:
 * what vz_ct_set's loop, the live resource code, the vzlist field list and
 * the generated man page (gen-params) read from it. */
static void test_rows_complete(void)
{
        const struct vz_param *p;

        for (size_t i = 0; (p = vz_param_row(i)); i++) {
                const struct vz_param *own = vz_param_lookup(p->info.name);
                const char *n = p->info.name;

                CHECK(p->live > VZ_LIVE_UNSET && p->live < _VZ_LIVE_MAX, "%s: live not set", n);
                CHECK(own && p->live == own->live, "%s: extra option applied otherwise", n);
                if (p->info.flags & VZ_PF_NOT_ENFORCED)
                        CHECK(p->live == VZ_LIVE_NOT_ENFORCED, "%s: NOT_ENFORCED but applied", n);
                if (p->info.flags & (VZ_PF_RESTART | VZ_PF_NO_RUNNING | VZ_PF_CREATE_ONLY))
                        CHECK(p->live == VZ_LIVE_RESTART || p->live == VZ_LIVE_NOT_ENFORCED,
                              "%s: needs a restart but is applied live", n);
                CHECK((p->live == VZ_LIVE_KNOB) == (p->knob != NULL), "%s: knob", n);
                if (p->knob) {
                        char buf[64];
                        CHECK(p->knob->controller && p->knob->value, "%s: knob incomplete", n);
                        CHECK(p->knob->v1_file || p->knob->v2_file, "%s: knob has no file", n);
                        CHECK(!p->knob->depends || vz_param_lookup(p->knob->depends),
                              "%s: depends on unknown %s", n, p->knob->depends);
                        for (int v2 = 0; v2 < 2; v2++)
                                CHECK(p->knob->value(p, example_get, (void *)p, v2, buf,
                                                     sizeof(buf)) == 0 &&
                                          *buf,
                                      "%s: example %s not applicable", n, p->example);
                }
                if (p->extra_option) {
                        CHECK(!p->col.name, "--%s: an extra option with a vzlist column",
                              p->info.option);
                        continue;
                }
                CHECK(p->col.name, "%s: vzlist column not set (VZ_NO_COLUMN for none)", n);
                if (p->col.header)
                        CHECK(p->col.name && *p->col.name && p->col.width > 0,
                              "%s: column %s incomplete", n, p->col.header);
                CHECK(!p->man || (*p->man && !strchr(p->man, '\\')),
                      "%s: man text empty or with roff escapes", n);
        }
        for (int l = 0; l < _VZ_LIVE_MAX; l++)
                CHECK(vz_param_live_from_string(vz_param_live_to_string(l)) == l, "live %d", l);
        CHECK(vz_param_live_from_string("nope") == _VZ_LIVE_INVALID, "live invalid");
}

/* The resource groups of runtime/limits.c find their value by the row's
 * cg: every live cgroup row feeds one, and no two own rows the same. The
 * beancounter view takes its rows, names and order from the table. */
static void test_groups_and_ubcs(void)
{
        const struct vz_param *p, *by_cg[_VZ_CG_MAX] = {NULL}, *ubc[VZ_UBC_COUNT];
        size_t n;

        for (size_t i = 0; (p = vz_param_row(i)); i++) {
                const char *nm = p->info.name;
                CHECK(p->cg >= VZ_CG_NONE && p->cg < _VZ_CG_MAX, "%s: cg out of range", nm);
                if (p->live == VZ_LIVE_CGROUP)
                        CHECK(p->cg != VZ_CG_NONE, "%s: cgroup row feeds no group", nm);
                if (p->cg == VZ_CG_NONE || p->extra_option)
                        continue;
                CHECK(p->kind == VZ_KIND_UBC || p->kind == VZ_KIND_INT || p->kind == VZ_KIND_MASK,
                      "%s: a group value must be a UBC, a number or a mask", nm);
                CHECK(!by_cg[p->cg], "%s: group value %d also fed by %s", nm, p->cg,
                      by_cg[p->cg] ? by_cg[p->cg]->info.name : "");
                by_cg[p->cg] = p;
        }
        for (int g = VZ_CG_NONE + 1; g < _VZ_CG_MAX; g++)
                CHECK(by_cg[g], "group value %d fed by no row", g);

        n = vz_param_ubc_rows(ubc);
        CHECK(n == VZ_UBC_COUNT, "%zu kernel beancounters, want %d", n, VZ_UBC_COUNT);
        for (size_t i = 0; i < n; i++) {
                CHECK(ubc[i]->info.option && ubc[i]->ubc_id >= 0 && ubc[i]->ubc_id <= 24,
                      "beancounter %zu", i);
                CHECK(i == 0 || ubc[i - 1]->ubc_id < ubc[i]->ubc_id, "%s out of order",
                      ubc[i]->info.name);
                CHECK(vz_param_ubc_pos(ubc, ubc[i]->ubc_id) == (int)i, "%s: pos",
                      ubc[i]->info.name);
        }
        /* OpenVZ's first and last rows; 4 and 20..22 are unused IDs. */
        CHECK(n && streq(ubc[0]->info.option, "kmemsize") &&
                  streq(ubc[n - 1]->info.option, "swappages"),
              "beancounter order");
        CHECK(vz_param_ubc_pos(ubc, 4) < 0, "id 4 unused");
        CHECK(streq(ubc[vz_param_ubc_pos(ubc, VZ_UB_PHYSPAGES)]->info.name, VZ_P_PHYSPAGES),
              "physpages id");
}

static void test_names(void)
{
        for (size_t i = 0; i < ELEMENTSOF(classic_names); i++)
                CHECK(vz_param_by_name(classic_names[i]) != NULL, "%s missing", classic_names[i]);
        for (size_t i = 0; i < ELEMENTSOF(global_names); i++) {
                const vz_param_info *p = vz_param_by_name(global_names[i]);
                CHECK(p && (p->flags & VZ_PF_GLOBAL), "%s not GLOBAL", global_names[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(not_enforced); i++) {
                const vz_param_info *p = vz_param_by_name(not_enforced[i]);
                CHECK(p && (p->flags & VZ_PF_NOT_ENFORCED), "%s not NOT_ENFORCED", not_enforced[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(classic_options); i++)
                CHECK(vz_param_by_option(classic_options[i]) != NULL, "--%s missing",
                      classic_options[i]);

        /* Config-name aliases read from files. */
        CHECK(vz_param_by_name("DCACHE") == vz_param_by_name("DCACHESIZE"), "DCACHE");
        CHECK(vz_param_by_name("IPTENTRIES") == vz_param_by_name("NUMIPTENT"), "IPTENTRIES");
        CHECK(vz_param_by_name("TCPSENDBUF") == vz_param_by_name("TCPSNDBUF"), "TCPSENDBUF");

        /* Mapped options. */
        CHECK_STREQ(vz_param_by_option("ram")->name, "PHYSPAGES");
        CHECK_STREQ(vz_param_by_option("swap")->name, "SWAPPAGES");
        CHECK_STREQ(vz_param_by_option("ip")->name, "IP_ADDRESS");
        CHECK_STREQ(vz_param_by_option("ve_layout")->name, "VE_LAYOUT");
        CHECK_STREQ(vz_param_by_option("p")->name, "NUMPROC");
        CHECK_STREQ(vz_param_by_option("e")->name, "NUMIPTENT");
        CHECK(vz_param_by_option("nosuchoption") == NULL, "unknown option resolved");
        CHECK(vz_param_by_name("NOSUCHPARAM") == NULL, "unknown name resolved");

        /* Flags the tools rely on. */
        CHECK(vz_param_by_option("name")->flags & VZ_PF_NEEDS_SAVE, "name NEEDS_SAVE");
        CHECK(vz_param_by_option("ostemplate")->flags & VZ_PF_NEEDS_SAVE, "ostemplate");
        CHECK(vz_param_by_option("stop-timeout")->flags & VZ_PF_NEEDS_SAVE, "stop-timeout");
        CHECK(vz_param_by_option("root")->flags & VZ_PF_NO_RUNNING, "root NO_RUNNING");
        CHECK(vz_param_by_option("private")->flags & VZ_PF_NO_RUNNING, "private");
        CHECK(vz_param_by_option("layout")->flags & VZ_PF_CREATE_ONLY, "layout CREATE_ONLY");
        CHECK(vz_param_by_option("local_uid")->flags & VZ_PF_CREATE_ONLY, "local_uid");
        CHECK(vz_param_by_option("capability")->flags & VZ_PF_RESTART, "capability RESTART");
        CHECK(vz_param_by_option("kmemsize")->flags & VZ_PF_UBC, "kmemsize UBC");

        /* Defaults. */
        CHECK_STREQ(vz_param_default("VZ_RUNDIR"), "/run/vz");
        CHECK_STREQ(vz_param_default("VZ_CGROUP"), "vz");
        CHECK_STREQ(vz_param_default("CPUUNITS"), "1000");
        CHECK_STREQ(vz_param_default("STOP_TIMEOUT"), "120");
        CHECK(vz_param_default("HOSTNAME") == NULL, "HOSTNAME default");
}

static void test_enum_strings(void)
{
        /* String tables round-trip. */
        for (int k = 0; k < _VZ_KIND_MAX; k++)
                CHECK(vz_param_kind_from_string(vz_param_kind_to_string(k)) == k, "kind %d", k);
        CHECK(vz_param_kind_from_string("nope") == _VZ_KIND_INVALID, "kind invalid");
        CHECK(vz_param_kind_to_string(_VZ_KIND_MAX) == NULL, "kind max");
        for (int u = 0; u < _VZ_UNIT_MAX; u++)
                CHECK(vz_unit_from_string(vz_unit_to_string(u)) == u, "unit %d", u);
        CHECK(vz_unit_from_string("nope") == _VZ_UNIT_INVALID, "unit invalid");
}

int main(void)
{
        test_rows();
        test_rows_complete();
        test_groups_and_ubcs();
        test_names();
        test_enum_strings();
        return check_result("test-params");
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parameter table (OPENVZ.md 2.3, 2.4, 3.2): every parameter vz knows,
 * with its option, help, kind, unit, range, default, flags, parser and
 * checker. Parsers turn command-line arguments into the canonical stored
 * form (2.1); checkers accept what OpenVZ itself accepted in a file,
 * including the human suffixes of the shipped samples.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "params.h"
#include "params-parse.h"
#include "util.h"

static const char *const kind_names[_VZ_KIND_MAX] = {
    [VZ_KIND_STRING] = "string", [VZ_KIND_PATH] = "path",   [VZ_KIND_INT] = "int",
    [VZ_KIND_FLOAT] = "float",   [VZ_KIND_YESNO] = "yesno", [VZ_KIND_ENUM] = "enum",
    [VZ_KIND_UBC] = "ubc",       [VZ_KIND_DISK] = "disk",   [VZ_KIND_LIST] = "list",
    [VZ_KIND_MASK] = "mask",
};

/* An enum's name from its table, and back (-1: none). */
static const char *name_of(const char *const *names, int n, int i)
{
        return i < 0 || i >= n ? NULL : names[i];
}

static int index_of(const char *const *names, int n, const char *s)
{
        for (int i = 0; s && i < n; i++)
                if (names[i] && streq(names[i], s))
                        return i;
        return -1;
}

const char *vz_param_kind_to_string(enum vz_param_kind k)
{
        return name_of(kind_names, _VZ_KIND_MAX, k);
}

enum vz_param_kind vz_param_kind_from_string(const char *s)
{
        return (enum vz_param_kind)index_of(kind_names, _VZ_KIND_MAX, s);
}
static const char *const live_names[_VZ_LIVE_MAX] = {
    [VZ_LIVE_UNSET] = "unset",     [VZ_LIVE_CONFIG] = "config",
    [VZ_LIVE_RESTART] = "restart", [VZ_LIVE_NOT_ENFORCED] = "not-enforced",
    [VZ_LIVE_CGROUP] = "cgroup",   [VZ_LIVE_KNOB] = "knob",
    [VZ_LIVE_DEVICES] = "devices", [VZ_LIVE_IDENTITY] = "identity",
    [VZ_LIVE_NET] = "net",         [VZ_LIVE_DISK] = "disk",
};

const char *vz_param_live_to_string(enum vz_param_live l)
{
        return name_of(live_names, _VZ_LIVE_MAX, l);
}

enum vz_param_live vz_param_live_from_string(const char *s)
{
        return (enum vz_param_live)index_of(live_names, _VZ_LIVE_MAX, s);
}

/* ------------------------------------------------------------ layouts */

static int parse_layout(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e)
{
        static const char *const ok[] = {"simfs",       "ploop",     "btrfs",   "ploop:expanded",
                                         "ploop:plain", "ploop:raw", "overlay", NULL};
        for (size_t i = 0; arg && ok[i]; i++)
                if (streq(ok[i], arg))
                        return vzp_set_ret(ret, strdup(arg), e);
        return vzp_bad_value(p, e, arg,
                             "expected simfs, ploop[:expanded|plain|raw], btrfs or overlay");
}

/* ------------------------------------------------------------ the table */

static const char *const netfilter_choices[] = {"disabled", "stateless", "stateful", "full", NULL};
static const char *const stop_mode_choices[] = {"suspend", "stop", NULL};

#define F_UBC VZ_PF_UBC
#define F_NE  VZ_PF_NOT_ENFORCED
#define F_G   VZ_PF_GLOBAL
#define F_I   VZ_PF_INTERNAL

/* id: the kernel's resource ID; cg: the limits.c value of a CGROUP row. */
#define UBC(NAME, opt, id, unit_, flags_, live_, cg_, col_, help_, ex)                             \
        {                                                                                          \
                .info = {NAME, opt, help_, "B[:L]", VZ_PF_UBC | (flags_)}, .kind = VZ_KIND_UBC,    \
                .unit = unit_, .parse = vzp_parse_ubc, .check = vzp_check_ubc, .example = ex,      \
                .live = VZ_LIVE_##live_, .cg = VZ_CG_##cg_, .ubc_id = id, .col = {.name = col_},   \
        }

#define INTERNAL(NAME, help_, flags_, parse_, def_)                                                \
        {                                                                                          \
                .info = {NAME, NULL, help_, NULL, VZ_PF_INTERNAL | (flags_)},                      \
                .kind = VZ_KIND_STRING, .parse = parse_, .check = vzp_check_by_parse, .def = def_, \
                .live = VZ_LIVE_CONFIG, .col = VZ_NO_COLUMN,                                       \
        }

#define INTERNAL_YESNO(NAME, help_, flags_, def_)                                                  \
        {                                                                                          \
                .info = {NAME, NULL, help_, NULL, VZ_PF_INTERNAL | (flags_)},                      \
                .kind = VZ_KIND_YESNO, .parse = vzp_parse_yesno, .check = vzp_check_by_parse,      \
                .def = def_, .live = VZ_LIVE_CONFIG, .col = VZ_NO_COLUMN,                          \
        }

#define INTERNAL_PATH(NAME, help_, flags_, def_)                                                   \
        {                                                                                          \
                .info = {NAME, NULL, help_, NULL, VZ_PF_INTERNAL | (flags_)},                      \
                .kind = VZ_KIND_PATH, .parse = vzp_parse_path, .check = vzp_check_by_parse,        \
                .def = def_, .live = VZ_LIVE_CONFIG, .col = VZ_NO_COLUMN,                          \
        }

#define INTERNAL_INT(NAME, help_, flags_, lo, hi, def_)                                            \
        {                                                                                          \
                .info = {NAME, NULL, help_, NULL, VZ_PF_INTERNAL | (flags_)}, .kind = VZ_KIND_INT, \
                .min = lo, .max = hi, .parse = vzp_parse_int, .check = vzp_check_by_parse,         \
                .def = def_, .live = VZ_LIVE_CONFIG, .col = VZ_NO_COLUMN,                          \
        }

/* ------------------------------------------------------------ MEMGUARANTEE */

/* --memguarantee auto|PCT (OpenVZ 7): the share of the CT's RAM kept from
 * reclaim when the host runs short. */
static int parse_memguarantee(const struct vz_param *p, const char *arg, const char *cur,
                              char **ret, vz_err *e)
{
        int64_t v;

        if (arg && streq(arg, "auto"))
                return vzp_set_ret(ret, strdup("auto"), e);
        if (vz_int_parse(arg, 0, 100, &v) < 0)
                return vzp_bad_value(p, e, arg, "auto or a percentage (0..100) is expected");
        return vzp_set_ret(ret, vz_strdupf("%lld", (long long)v), e);
}

/* Apply: PCT percent of the CT's RAM limit (of the host's RAM when it has
 * none). v2 memory.low: memory below it is reclaimed only when nothing
 * else is left. v1 has no protection, only memory.soft_limit_in_bytes: a
 * CT above it is reclaimed first under host pressure. auto (OpenVZ: its
 * memory manager decides) or unset: no guarantee. */
static int memguarantee_value(const struct vz_param *p, vz_param_get_fn get, void *userdata,
                              bool v2, char *buf, size_t len)
{
        const char *v = get(p->info.name, userdata), *ram = get(p->knob->depends, userdata);
        int64_t pct, bar, lim, bytes;

        if (isempty(v) || streq(v, "auto") || (vz_int_parse(v, 0, 100, &pct) == 0 && pct == 0)) {
                snprintf(buf, len, "%s", v2 ? "0" : "-1");
                return 0;
        }
        if (vz_int_parse(v, 0, 100, &pct) < 0)
                return -EINVAL;
        if (ram && vz_param_ubc_value(p->knob->depends, ram, &bar, &lim) == 0 && lim > 0 &&
            lim < INT32_MAX)
                bytes = lim * 4096;
        else
                bytes = (int64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
        snprintf(buf, len, "%lld", (long long)(bytes * pct / 100));
        return 0;
}

static const struct vz_param table[] = {
    /* ---- identity and storage */
    {.info = {"VE_ROOT", "root", "mount point of the CT root ($VEID allowed)", "PATH",
              VZ_PF_NO_RUNNING},
     .kind = VZ_KIND_PATH,
     .parse = vzp_parse_path,
     .check = vzp_check_by_parse,
     .def = "/vz/root/$VEID",
     .example = "/vz/root/$VEID",
     .live = VZ_LIVE_RESTART,
     .col = {.name = "root"}},
    {.info = {"VE_PRIVATE", "private", "private area of the CT ($VEID allowed)", "PATH",
              VZ_PF_NO_RUNNING},
     .kind = VZ_KIND_PATH,
     .parse = vzp_parse_path,
     .check = vzp_check_by_parse,
     .def = "/vz/private/$VEID",
     .example = "/vz/private/101",
     .live = VZ_LIVE_RESTART,
     .col = {.name = "private"}},
    {.info = {"VE_LAYOUT", "layout", "storage layout: simfs, ploop[:mode], btrfs or overlay",
              "LAYOUT", VZ_PF_CREATE_ONLY},
     .opt_aliases = {"ve_layout", "velayout"},
     .kind = VZ_KIND_ENUM,
     .parse = parse_layout,
     .check = vzp_check_by_parse,
     .def = "simfs",
     .example = "simfs",
     .live = VZ_LIVE_RESTART,
     .col = {.name = "layout"}},
    {.info = {"MOUNT_OPTS", "mount_opts", "extra mount options for the CT filesystem", "OPT[,OPT]",
              VZ_PF_RESTART},
     .kind = VZ_KIND_STRING,
     .parse = vzp_parse_mount_opts,
     .check = vzp_check_by_parse,
     .example = "noatime,nodev",
     .live = VZ_LIVE_RESTART,
     .col = {.name = "mount_opts"}},
    {.info = {"OSTEMPLATE", "ostemplate", "OS template the CT was created from", "NAME",
              VZ_PF_NEEDS_SAVE},
     .kind = VZ_KIND_STRING,
     .parse = vzp_parse_plainname,
     .check = vzp_check_by_parse,
     .example = "debian-12-x86_64-minimal",
     .live = VZ_LIVE_CONFIG,
     .col = {.name = "ostemplate"}},
    {.info = {"ORIGIN_SAMPLE", NULL, "sample the config was created from", NULL, F_I},
     .kind = VZ_KIND_STRING,
     .parse = vzp_parse_word,
     .check = vzp_check_by_parse,
     .live = VZ_LIVE_CONFIG,
     .col = {.name = "origin_sample"}},
    {.info = {"NAME", "name", "CT name (letters, digits, space, - + _ .)", "NAME",
              VZ_PF_NEEDS_SAVE},
     .kind = VZ_KIND_STRING,
     .parse = vzp_parse_ctname,
     .check = vzp_check_by_parse,
     .err_class = VZ_E_SET_NAME,
     .example = "web server-1",
     .live = VZ_LIVE_CONFIG,
     .col = {.name = "name"}},
    INTERNAL_INT("VEID", "CT id, stored by some tools", 0, 0, VZ_CTID_MAX, NULL),
    {.info = {"DESCRIPTION", "description", "free text description", "TEXT", 0},
     .kind = VZ_KIND_STRING,
     .parse = vzp_parse_string,
     .check = vzp_check_any,
     .example = "test \"box\" $HOME",
     .live = VZ_LIVE_CONFIG,
     .col = {.name = "description"}},
    {.info = {"LOCAL_UID", "local_uid", "first host UID of the CT's user namespace (0: none)",
              "UID", VZ_PF_CREATE_ONLY},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = 4294901759LL,
     .parse = vzp_parse_int,
     .check = vzp_check_by_parse,
     .def = "100000",
     .example = "200000",
     .live = VZ_LIVE_RESTART,
     .col = VZ_NO_COLUMN},
    {.info = {"LOCAL_GID", "local_gid", "first host GID of the CT's user namespace (0: none)",
              "GID", VZ_PF_CREATE_ONLY},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = 4294901759LL,
     .parse = vzp_parse_int,
     .check = vzp_check_by_parse,
     .def = "100000",
     .example = "200000",
     .live = VZ_LIVE_RESTART,
     .col = VZ_NO_COLUMN},

    /* ---- network */
    {.info = {"HOSTNAME", "hostname", "host name of the CT", "NAME", 0},
     .kind = VZ_KIND_STRING,
     .parse = vzp_parse_hostname,
     .check = vzp_check_by_parse,
     .err_class = VZ_E_BADHOSTNAME,
     .example = "ct101.example.com",
     .live = VZ_LIVE_IDENTITY,
     .col = {.name = "hostname"}},
    {.info = {"IP_ADDRESS", "ipadd", "add venet IP address(es)", "ADDR[/MASK]", VZ_PF_LIST},
     .opt_aliases = {"ip"},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_ipadd,
     .check = vzp_check_iplist,
     .err_class = VZ_E_BADIP,
     .example = "10.0.0.5/24 fd00::5",
     .live = VZ_LIVE_NET,
     .col = {.name = "ip"}},
    {.info = {"IP_ADDRESS", "ipdel", "remove venet IP address(es)", "ADDR|all", VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_ipdel,
     .check = vzp_check_iplist,
     .err_class = VZ_E_BADIP,
     .extra_option = true,
     .example = "10.0.0.5",
     .live = VZ_LIVE_NET},
    {.info = {"NAMESERVER", "nameserver", "DNS server address, or inherit", "ADDR|inherit",
              VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_dnslist,
     .check = vzp_check_by_parse,
     .err_class = VZ_E_BADDNSSRV,
     .fresh_list = true,
     .example = "8.8.8.8 2001:4860::8888",
     .live = VZ_LIVE_IDENTITY,
     .col = {.name = "nameserver"}},
    {.info = {"SEARCHDOMAIN", "searchdomain", "DNS search domain, or inherit", "NAME|inherit",
              VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_dnslist,
     .check = vzp_check_by_parse,
     .err_class = VZ_E_BADDNSSEARCH,
     .fresh_list = true,
     .example = "example.com",
     .live = VZ_LIVE_IDENTITY,
     .col = {.name = "searchdomain"}},
    {.info = {"NETIF", "netif_add", "add a veth interface", "IF[,MAC,HOST_IF,HOST_MAC,BRIDGE]", 0},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_netif_add,
     .check = vzp_check_netif,
     .example = "eth0,00:18:51:aa:bb:cc,veth101.0,,vmbr0",
     .live = VZ_LIVE_NET,
     .col = {.name = "netif"}},
    {.info = {"NETIF", "netif_del", "remove a veth interface", "IF|all", 0},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_netif_del,
     .check = vzp_check_netif,
     .extra_option = true,
     .example = "eth1",
     .live = VZ_LIVE_NET},
    {.info = {"NETDEV", "netdev_add", "move a host network device into the CT", "DEV", VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_netdev,
     .check = vzp_check_by_parse,
     .example = "eth2",
     .live = VZ_LIVE_NET,
     .col = VZ_NO_COLUMN},
    {.info = {"NETDEV", "netdev_del", "give a network device back to the host", "DEV", VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_netdev,
     .check = vzp_check_by_parse,
     .extra_option = true,
     .example = "eth2",
     .live = VZ_LIVE_NET},
    INTERNAL("VETH", "obsolete, ignored", 0, vzp_parse_string, NULL),
    {.info = {"NETFILTER", "netfilter", "netfilter access: disabled, stateless, stateful, full",
              "MODE", VZ_PF_RESTART},
     .kind = VZ_KIND_ENUM,
     .choices = netfilter_choices,
     .parse = vzp_parse_enum,
     .check = vzp_check_by_parse,
     .example = "stateless",
     .live = VZ_LIVE_RESTART,
     .col = {.name = "netfilter"}},
    {.info = {"IPTABLES", "iptables", "allowed iptables modules (obsolete)", "MOD[,MOD]",
              VZ_PF_RESTART | VZ_PF_LIST | VZ_PF_NOT_ENFORCED},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_iptables,
     .check = vzp_check_by_parse,
     .example = "ip_tables,iptable_filter",
     .live = VZ_LIVE_NOT_ENFORCED,
     .col = VZ_NO_COLUMN},

    /* ---- boot */
    {.info = {"ONBOOT", "onboot", "start the CT at host boot", "yes|no", 0},
     .kind = VZ_KIND_YESNO,
     .parse = vzp_parse_yesno,
     .check = vzp_check_by_parse,
     .example = "yes",
     .live = VZ_LIVE_CONFIG,
     .col = {.name = "onboot"}},
    {.info = {"BOOTORDER", "bootorder", "boot order (higher starts earlier)", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = INT32_MAX,
     .parse = vzp_parse_int,
     .check = vzp_check_by_parse,
     .example = "10",
     .live = VZ_LIVE_CONFIG,
     .col = {.name = "bootorder"}},
    {.info = {"DISABLED", "disabled", "refuse to start the CT", "yes|no", 0},
     .kind = VZ_KIND_YESNO,
     .parse = vzp_parse_yesno,
     .check = vzp_check_by_parse,
     .example = "no",
     .live = VZ_LIVE_CONFIG,
     .col = {.name = "disabled"}},
    {.info = {"STOP_TIMEOUT", "stop-timeout", "seconds to wait for a clean stop (0: 120)", "SEC",
              VZ_PF_NEEDS_SAVE},
     .opt_aliases = {"stop_timeout"},
     .kind = VZ_KIND_INT,
     .unit = VZ_UNIT_SECONDS,
     .min = 0,
     .max = INT32_MAX,
     .parse = vzp_parse_int,
     .check = vzp_check_by_parse,
     .def = "120",
     .example = "60",
     .live = VZ_LIVE_CONFIG,
     .col = VZ_NO_COLUMN},

    /* ---- security */
    {.info = {"CAPABILITY", "capability", "turn capabilities on or off", "CAP:on|off[,...]",
              VZ_PF_RESTART | VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_onoff,
     .check = vzp_check_by_parse,
     .example = "sys_time:on,net_admin:off",
     .live = VZ_LIVE_RESTART,
     .col = {.name = "capability"}},
    {.info = {"FEATURES", "features", "turn kernel features on or off", "NAME:on|off[,...]",
              VZ_PF_RESTART | VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_onoff,
     .check = vzp_check_by_parse,
     .example = "nfs:on,sysfs:off",
     .live = VZ_LIVE_RESTART,
     .col = {.name = "features"}},
    {.info = {"DEVICES", "devices", "device access", "b|c:MAJ:MIN|all:PERM", VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_devlist,
     .check = vzp_check_by_parse,
     .example = "c:10:200:rw b:8:all:r",
     .live = VZ_LIVE_DEVICES,
     .col = VZ_NO_COLUMN},
    {.info = {"DEVNODES", "devnodes", "device nodes to create in the CT", "NAME:PERM", VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_devlist,
     .check = vzp_check_by_parse,
     .example = "net/tun:rw fuse:rw",
     .live = VZ_LIVE_DEVICES,
     .col = VZ_NO_COLUMN},
    {.info = {"PCI", "pci_add", "give a PCI device to the CT", "[DOM:]BUS:SLOT.FN",
              VZ_PF_LIST | VZ_PF_NOT_ENFORCED},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_pci,
     .check = vzp_check_by_parse,
     .example = "0000:01:00.0",
     .live = VZ_LIVE_NOT_ENFORCED,
     .col = VZ_NO_COLUMN},
    {.info = {"PCI", "pci_del", "take a PCI device back", "[DOM:]BUS:SLOT.FN",
              VZ_PF_LIST | VZ_PF_NOT_ENFORCED},
     .kind = VZ_KIND_LIST,
     .parse = vzp_parse_pci,
     .check = vzp_check_by_parse,
     .extra_option = true,
     .example = "01:00.0",
     .live = VZ_LIVE_NOT_ENFORCED},

    /* ---- CPU */
    {.info = {"CPUUNITS", "cpuunits", "relative CPU weight (8..500000)", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 8,
     .max = 500000,
     .parse = vzp_parse_int,
     .check = vzp_check_by_parse,
     .def = "1000",
     .example = "1000",
     .live = VZ_LIVE_CGROUP,
     .cg = VZ_CG_CPUUNITS,
     .col = {.name = "cpuunits"}},
    /* The config name really has this typo in OpenVZ. */
    {.info = {"CPUUWEIGHT", "cpuweight", "raw CPU scheduler weight", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 1,
     .max = 10000,
     .parse = vzp_parse_int,
     .check = vzp_check_by_parse,
     .example = "100",
     .live = VZ_LIVE_NOT_ENFORCED,
     .col = VZ_NO_COLUMN},
    {.info = {"CPULIMIT", "cpulimit", "CPU limit: percent of one CPU, or N% of the host", "N[%]",
              0},
     .kind = VZ_KIND_INT,
     .unit = VZ_UNIT_PERCENT,
     .parse = vzp_parse_cpulimit,
     .check = vzp_check_cpulimit,
     .example = "150",
     .live = VZ_LIVE_CGROUP,
     .cg = VZ_CG_CPULIMIT,
     .col = {.name = "cpulimit"}},
    {.info = {"CPUS", "cpus", "number of CPUs the CT may use (0: all)", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = 4096,
     .parse = vzp_parse_int,
     .check = vzp_check_by_parse,
     .example = "2",
     .live = VZ_LIVE_CGROUP,
     .cg = VZ_CG_CPUS,
     .col = {.name = "cpus"}},
    {.info = {"CPUMASK", "cpumask", "CPUs the CT may run on", "LIST|auto|all", 0},
     .kind = VZ_KIND_MASK,
     .parse = vzp_parse_mask,
     .check = vzp_check_by_parse,
     .example = "0-2,7",
     .live = VZ_LIVE_CGROUP,
     .cg = VZ_CG_CPUMASK,
     .col = VZ_NO_COLUMN},
    {.info = {"NODEMASK", "nodemask", "NUMA nodes the CT may use", "LIST|all", 0},
     .kind = VZ_KIND_MASK,
     .parse = vzp_parse_mask,
     .check = vzp_check_by_parse,
     .example = "0",
     .live = VZ_LIVE_CGROUP,
     .cg = VZ_CG_NODEMASK,
     .col = VZ_NO_COLUMN},

    /* ---- I/O */
    {.info = {"IOPRIO", "ioprio", "I/O priority (0..7)", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = 7,
     .parse = vzp_parse_int,
     .check = vzp_check_by_parse,
     .def = "4",
     .example = "5",
     .live = VZ_LIVE_CGROUP,
     .cg = VZ_CG_IOPRIO,
     .col = {.name = "ioprio"}},
    {.info = {"IOLIMIT", "iolimit", "I/O bandwidth limit (MB/s without suffix)", "N[B|K|M|G]", 0},
     .kind = VZ_KIND_INT,
     .unit = VZ_UNIT_BPS,
     .parse = vzp_parse_iolimit,
     .check = vzp_check_iolimit,
     .example = "10M",
     .live = VZ_LIVE_CGROUP,
     .cg = VZ_CG_IOLIMIT,
     .col = {.name = "iolimit"}},
    {.info = {"IOPSLIMIT", "iopslimit", "I/O operations per second limit", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = INT32_MAX,
     .parse = vzp_parse_iopslimit,
     .check = vzp_check_by_parse,
     .example = "500",
     .live = VZ_LIVE_CGROUP,
     .cg = VZ_CG_IOPSLIMIT,
     .col = {.name = "iopslimit"}},

    /* ---- disk */
    {.info = {"DISK_QUOTA", "diskquota", "enforce disk quota", "yes|no", VZ_PF_RESTART},
     .kind = VZ_KIND_YESNO,
     .parse = vzp_parse_yesno,
     .check = vzp_check_by_parse,
     .example = "yes",
     .live = VZ_LIVE_RESTART,
     .col = VZ_NO_COLUMN},
    {.info = {VZ_P_DISKSPACE, "diskspace", "disk space soft[:hard] (KB, or K/M/G/T)", "S[:H]", 0},
     .kind = VZ_KIND_DISK,
     .unit = VZ_UNIT_KB,
     .parse = vzp_parse_disk,
     .check = vzp_check_by_parse,
     .example = "2G:2.2G",
     .live = VZ_LIVE_DISK,
     .col = {.name = "diskspace"}},
    {.info = {VZ_P_DISKINODES, "diskinodes", "inode count soft[:hard]", "S[:H]", 0},
     .kind = VZ_KIND_DISK,
     .unit = VZ_UNIT_ITEMS,
     .parse = vzp_parse_disk,
     .check = vzp_check_by_parse,
     .example = "131072:144179",
     .live = VZ_LIVE_DISK,
     .col = {.name = "diskinodes"}},
    {.info = {"QUOTATIME", "quotatime", "grace period for soft disk limits", "SEC", 0},
     .kind = VZ_KIND_INT,
     .unit = VZ_UNIT_SECONDS,
     .min = 0,
     .max = INT32_MAX,
     .parse = vzp_parse_int,
     .check = vzp_check_by_parse,
     .example = "0",
     .live = VZ_LIVE_NOT_ENFORCED,
     .col = VZ_NO_COLUMN},
    {.info = {"QUOTAUGIDLIMIT", "quotaugidlimit", "user/group quota entries (0: none)", "N",
              VZ_PF_RESTART},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = INT32_MAX,
     .parse = vzp_parse_int,
     .check = vzp_check_by_parse,
     .example = "100",
     .live = VZ_LIVE_RESTART,
     .col = VZ_NO_COLUMN},

    /* ---- memory */
    UBC(VZ_P_PHYSPAGES, "physpages", 6, VZ_UNIT_PAGES, 0, CGROUP, RAM, "physpages",
        "RAM limit (pages)", "0:512M"),
    {.info = {VZ_P_PHYSPAGES, "ram", "RAM limit", "BYTES", VZ_PF_UBC},
     .kind = VZ_KIND_UBC,
     .unit = VZ_UNIT_PAGES,
     .parse = vzp_parse_memsize,
     .check = vzp_check_ubc,
     .extra_option = true,
     .example = "512M",
     .live = VZ_LIVE_CGROUP,
     .cg = VZ_CG_RAM,
     .ubc_id = VZ_UB_PHYSPAGES},
    UBC("SWAPPAGES", "swappages", 24, VZ_UNIT_PAGES, 0, CGROUP, SWAP, "swappages",
        "swap limit (pages)", "0:1G"),
    {.info = {"SWAPPAGES", "swap", "swap limit", "BYTES", VZ_PF_UBC},
     .kind = VZ_KIND_UBC,
     .unit = VZ_UNIT_PAGES,
     .parse = vzp_parse_memsize,
     .check = vzp_check_ubc,
     .extra_option = true,
     .example = "1G",
     .live = VZ_LIVE_CGROUP,
     .cg = VZ_CG_SWAP,
     .ubc_id = VZ_UB_SWAPPAGES},
    {.info = {"VM_OVERCOMMIT", "vm_overcommit", "privvmpages = (ram+swap) * this (0: off)", "FLOAT",
              VZ_PF_NOT_ENFORCED},
     .kind = VZ_KIND_FLOAT,
     .parse = vzp_parse_float,
     .check = vzp_check_by_parse,
     .example = "1.5",
     .live = VZ_LIVE_NOT_ENFORCED,
     .col = {.name = "vm_overcommit"}},
    {.info = {"MEMINFO", "meminfo", "/proc/meminfo view (pre-VSwap)", "none|pages:N|privvmpages:N",
              VZ_PF_NOT_ENFORCED},
     .kind = VZ_KIND_STRING,
     .parse = vzp_parse_meminfo,
     .check = vzp_check_by_parse,
     .def = "privvmpages:1",
     .example = "pages:65536",
     .live = VZ_LIVE_NOT_ENFORCED,
     .col = VZ_NO_COLUMN},

    {.info = {"MEMGUARANTEE", "memguarantee", "RAM kept from reclaim: percent of the RAM limit",
              "auto|PCT", 0},
     .kind = VZ_KIND_STRING,
     .parse = parse_memguarantee,
     .check = vzp_check_by_parse,
     .example = "50",
     .live = VZ_LIVE_KNOB,
     .knob = &(const struct vz_cg_knob){"memory", "memory.soft_limit_in_bytes", "memory.low",
                                        VZ_P_PHYSPAGES, memguarantee_value},
     .col = {"memguarantee", "MEMGUAR", 7},
     .man = "Of the RAM limit (--ram), or of the host's RAM without one; recomputed when --ram "
            "changes. cgroup v2 reclaims the CT's memory below it only when nothing else is "
            "left; cgroup v1 has only a soft limit, above which the CT is reclaimed first under "
            "host pressure. auto (OpenVZ: its memory manager decides) or 0: no guarantee."},

    /* ---- user beancounters (OPENVZ.md 3.2) */
    UBC("KMEMSIZE", "kmemsize", 0, VZ_UNIT_BYTES, 0, CGROUP, KMEM, "kmemsize",
        "kernel memory (bytes)", "14372700:14790164"),
    UBC("LOCKEDPAGES", "lockedpages", 1, VZ_UNIT_PAGES, F_NE, NOT_ENFORCED, NONE, "lockedpages",
        "mlock()ed memory (pages)", "2048"),
    UBC("PRIVVMPAGES", "privvmpages", 2, VZ_UNIT_PAGES, F_NE, NOT_ENFORCED, NONE, "privvmpages",
        "private virtual memory (pages)", "65536:69632"),
    UBC("SHMPAGES", "shmpages", 3, VZ_UNIT_PAGES, F_NE, NOT_ENFORCED, NONE, "shmpages",
        "shared memory (pages)", "21504"),
    UBC("NUMPROC", "numproc", 5, VZ_UNIT_ITEMS, 0, CGROUP, NUMPROC, "numproc",
        "processes and threads", "240"),
    UBC("VMGUARPAGES", "vmguarpages", 7, VZ_UNIT_PAGES, F_NE, NOT_ENFORCED, NONE, "vmguarpages",
        "memory allocation guarantee (pages)", "33792:unlimited"),
    UBC("OOMGUARPAGES", "oomguarpages", 8, VZ_UNIT_PAGES, F_NE, NOT_ENFORCED, NONE, "oomguarpages",
        "out-of-memory guarantee (pages)", "26112:unlimited"),
    UBC("NUMTCPSOCK", "numtcpsock", 9, VZ_UNIT_ITEMS, F_NE, NOT_ENFORCED, NONE, "numtcpsock",
        "TCP sockets", "360"),
    UBC("NUMFLOCK", "numflock", 10, VZ_UNIT_ITEMS, F_NE, NOT_ENFORCED, NONE, "numflock",
        "file locks", "188:206"),
    UBC("NUMPTY", "numpty", 11, VZ_UNIT_ITEMS, 0, NOT_ENFORCED, NONE, "numpty", "pseudo-terminals",
        "16"),
    UBC("NUMSIGINFO", "numsiginfo", 12, VZ_UNIT_ITEMS, F_NE, NOT_ENFORCED, NONE, "numsiginfo",
        "pending signal structures", "256"),
    UBC("TCPSNDBUF", "tcpsndbuf", 13, VZ_UNIT_BYTES, F_NE, NOT_ENFORCED, NONE, "tcpsndbuf",
        "TCP send buffers (bytes)", "1720320:2703360"),
    UBC("TCPRCVBUF", "tcprcvbuf", 14, VZ_UNIT_BYTES, F_NE, NOT_ENFORCED, NONE, "tcprcvbuf",
        "TCP receive buffers (bytes)", "1720320:2703360"),
    UBC("OTHERSOCKBUF", "othersockbuf", 15, VZ_UNIT_BYTES, F_NE, NOT_ENFORCED, NONE, "othersockbuf",
        "other socket buffers (bytes)", "1126080:2097152"),
    UBC("DGRAMRCVBUF", "dgramrcvbuf", 16, VZ_UNIT_BYTES, F_NE, NOT_ENFORCED, NONE, "dgramrcvbuf",
        "datagram receive buffers (bytes)", "256K"),
    UBC("NUMOTHERSOCK", "numothersock", 17, VZ_UNIT_ITEMS, F_NE, NOT_ENFORCED, NONE, "numothersock",
        "non-TCP sockets", "360"),
    UBC("DCACHESIZE", "dcachesize", 18, VZ_UNIT_BYTES, F_NE, NOT_ENFORCED, NONE, "dcachesize",
        "dentry and inode cache (bytes)", "3409920:3624960"),
    UBC("NUMFILE", "numfile", 19, VZ_UNIT_ITEMS, F_NE, NOT_ENFORCED, NONE, "numfile", "open files",
        "9312"),
    UBC("NUMIPTENT", "numiptent", 23, VZ_UNIT_ITEMS, F_NE, NOT_ENFORCED, NONE, "numiptent",
        "iptables rules", "128"),
    UBC("AVNUMPROC", "avnumproc", -1, VZ_UNIT_ITEMS, F_NE, NOT_ENFORCED, NONE, "",
        "expected average process count", "180"),

    /* ---- global (vz.conf, OPENVZ.md 2.4), no command-line option */
    INTERNAL_YESNO("VIRTUOZZO", "the init script acts only if yes", F_G, "yes"),
    INTERNAL_PATH("LOCKDIR", "lock directory", F_G, "/vz/lock"),
    INTERNAL_PATH("DUMPDIR", "checkpoint dump directory", F_G, "/vz/dump"),
    {.info = {"VE0CPUUNITS", NULL, "CPU units of the host", NULL, F_I | F_G},
     .kind = VZ_KIND_INT,
     .min = 8,
     .max = 500000,
     .parse = vzp_parse_int,
     .check = vzp_check_by_parse,
     .def = "1000",
     .live = VZ_LIVE_CONFIG,
     .cg = VZ_CG_HOST_UNITS,
     .col = VZ_NO_COLUMN},
    {.info = {"VE_STOP_MODE", NULL, "on host shutdown: suspend or stop", NULL, F_I | F_G},
     .kind = VZ_KIND_ENUM,
     .choices = stop_mode_choices,
     .parse = vzp_parse_enum,
     .check = vzp_check_by_parse,
     .live = VZ_LIVE_CONFIG,
     .col = VZ_NO_COLUMN},
    INTERNAL_YESNO("LOGGING", "write a log file", F_G, "yes"),
    INTERNAL_PATH("LOGFILE", "log file", F_G, "/var/log/vzctl.log"),
    INTERNAL_INT("LOG_LEVEL", "log file verbosity", F_G, -1, 10, "0"),
    INTERNAL_INT("VERBOSE", "console verbosity", F_G, -1, 10, "0"),
    INTERNAL_YESNO("VZFASTBOOT", "init script fast boot (ignored)", F_G, NULL),
    INTERNAL("MODULES_DISABLED", "do not load kernel modules", F_G, vzp_parse_word, NULL),
    INTERNAL("VE_ROUTE_SRC_DEV", "device whose address is the source of CT routes", F_G,
             vzp_parse_word, NULL),
    INTERNAL("NEIGHBOUR_DEVS", "where proxy ARP entries go (detect, all, list:...)", F_G,
             vzp_parse_words, NULL),
    INTERNAL_YESNO("SKIP_ARPDETECT", "skip the duplicate address probe", F_G, NULL),
    INTERNAL_YESNO("ERROR_ON_ARPFAIL", "a duplicate address is fatal", F_G, "no"),
    INTERNAL_YESNO("FORCE_ROUTE", "replace an existing route to a CT", F_G, NULL),
    INTERNAL_PATH("TEMPLATE", "template root directory", F_G, "/vz/template"),
    INTERNAL("CONFIGFILE", "default sample for create", F_G, vzp_parse_word, "vswap-256m"),
    INTERNAL("DEF_OSTEMPLATE", "default OS template for create", F_G, vzp_parse_word, NULL),
    INTERNAL_YESNO("VZWDOG", "load the watchdog module (ignored)", F_G, NULL),
    INTERNAL("IPTABLES_MODULES", "host iptables modules (ignored)", F_G, vzp_parse_words, NULL),
    INTERNAL("IP6TABLES", "host ip6tables modules (ignored)", F_G, vzp_parse_words, NULL),
    INTERNAL_YESNO("IPV6", "IPv6 support", F_G, "yes"),
    INTERNAL_INT("VE_PARALLEL", "parallel starts in the init script", F_G, 1, 100000, NULL),
    INTERNAL("SKIP_SYSCTL_SETUP", "init script sysctl tuning done", F_G, vzp_parse_word, NULL),
    INTERNAL("CONFIG_CUSTOMIZED", "config was edited (ignored)", 0, vzp_parse_word, NULL),
    INTERNAL_PATH("VZ_RUNDIR", "runtime state directory", F_G, "/run/vz"),
    INTERNAL("VZ_CGROUP", "cgroup parent name", F_G, vzp_parse_word, "vz"),
    {.info = {"LXCFS", NULL, "the CT's own meminfo, cpuinfo, uptime... in /proc (lxcfs)", NULL,
              F_I},
     .kind = VZ_KIND_YESNO,
     .parse = vzp_parse_yesno,
     .check = vzp_check_by_parse,
     .def = "yes",
     .live = VZ_LIVE_RESTART,
     .col = VZ_NO_COLUMN},
    INTERNAL_PATH("CRIU", "criu program (default: criu from PATH, else /opt/vz-criu/bin/criu)", F_G,
                  NULL),
    INTERNAL_INT("CPT_TIMEOUT", "seconds one criu run may take", F_G, 1, 86400, "300"),
};

/* Config names read from files as another parameter. */
static const struct {
        const char *alias, *name;
} name_aliases[] = {
    {"DCACHE", "DCACHESIZE"},
    {"IPTENTRIES", "NUMIPTENT"},
    {"TCPSENDBUF", "TCPSNDBUF"},
};

/* Short options of the classic option table. */
static const struct {
        const char *opt, *name;
} short_options[] = {
    {"p", "numproc"}, {"l", "lockedpages"}, {"n", "numfile"},   {"f", "numflock"},
    {"t", "numpty"},  {"i", "numsiginfo"},  {"e", "numiptent"},
};

static const char *const accumulating[] = {"IP_ADDRESS", "NAMESERVER", "SEARCHDOMAIN"};

size_t vz_param_table_size(void)
{
        return ELEMENTSOF(table);
}

const struct vz_param *vz_param_row(size_t i)
{
        return i < ELEMENTSOF(table) ? &table[i] : NULL;
}

size_t vz_param_ubc_rows(const struct vz_param *ret[VZ_UBC_COUNT])
{
        size_t n = 0;

        /* Insertion by resource ID: the table groups rows by topic. */
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                const struct vz_param *p = &table[i];
                size_t k;

                if (p->kind != VZ_KIND_UBC || p->extra_option || p->ubc_id < 0 || n == VZ_UBC_COUNT)
                        continue;
                for (k = n; k > 0 && ret[k - 1]->ubc_id > p->ubc_id; k--)
                        ret[k] = ret[k - 1];
                ret[k] = p;
                n++;
        }
        return n;
}

int vz_param_ubc_pos(const struct vz_param *const rows[VZ_UBC_COUNT], int id)
{
        for (int i = 0; i < VZ_UBC_COUNT; i++)
                if (rows[i] && rows[i]->ubc_id == id)
                        return i;
        return -1;
}

const char *vz_param_canonical_name(const char *key)
{
        for (size_t i = 0; key && i < ELEMENTSOF(name_aliases); i++)
                if (streq(name_aliases[i].alias, key))
                        return name_aliases[i].name;
        return key;
}

bool vz_param_accumulates(const char *key)
{
        for (size_t i = 0; key && i < ELEMENTSOF(accumulating); i++)
                if (streq(accumulating[i], key))
                        return true;
        return false;
}

const struct vz_param *vz_param_lookup(const char *name)
{
        if (!name)
                return NULL;
        name = vz_param_canonical_name(name);
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (!table[i].extra_option && streq(table[i].info.name, name))
                        return &table[i];
        return NULL;
}

const struct vz_param *vz_param_row_by_option(const char *option)
{
        if (!option)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(short_options); i++)
                if (streq(short_options[i].opt, option))
                        option = short_options[i].name;
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                const struct vz_param *p = &table[i];
                if (!p->info.option)
                        continue;
                if (streq(p->info.option, option))
                        return p;
                for (size_t k = 0; k < ELEMENTSOF(p->opt_aliases) && p->opt_aliases[k]; k++)
                        if (streq(p->opt_aliases[k], option))
                                return p;
        }
        return NULL;
}

const char *vz_param_default(const char *name)
{
        const struct vz_param *p = vz_param_lookup(name);
        return p ? p->def : NULL;
}

int vz_param_check_stored(const char *name, const char *value, vz_err *e)
{
        const struct vz_param *p = vz_param_lookup(name);

        /* Unknown names are ignored by the reader, so anything goes. */
        if (!p || !value)
                return 0;
        /* An empty list or text is a valid "nothing" (IP_ADDRESS=""). */
        if ((p->kind == VZ_KIND_LIST || p->kind == VZ_KIND_STRING) &&
            value[strspn(value, " \t\n")] == '\0')
                return 0;
        return p->check(p, value, e);
}

int vz_param_parse(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e)
{
        char *v = NULL;
        int r;

        if (!arg)
                return vz_fail(e, VZ_E_SYNTAX, -EINVAL, "option --%s needs an argument",
                               vzp_opt_name(p));
        r = p->parse(p, arg, cur, &v, e);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

int vz_param_ubc_value(const char *name, const char *value, int64_t *ret_bar, int64_t *ret_lim)
{
        const struct vz_param *p = vz_param_lookup(name);

        if (!p || p->kind != VZ_KIND_UBC)
                return -ENOENT;
        return vz_ubc_parse(value, p->unit, ret_bar, ret_lim);
}

int vz_param_disk_value(const char *name, const char *value, int64_t *ret_soft, int64_t *ret_hard)
{
        const struct vz_param *p = vz_param_lookup(name);

        if (!p || p->kind != VZ_KIND_DISK)
                return -ENOENT;
        return vz_disk_parse(value, p->unit, ret_soft, ret_hard);
}

/* ------------------------------------------------------------ public API */

_public_ size_t vz_param_count(void)
{
        return ELEMENTSOF(table);
}

_public_ const vz_param_info *vz_param_at(size_t i)
{
        return i < ELEMENTSOF(table) ? &table[i].info : NULL;
}

_public_ const vz_param_info *vz_param_by_name(const char *name)
{
        const struct vz_param *p = vz_param_lookup(name);
        return p ? &p->info : NULL;
}

_public_ const vz_param_info *vz_param_by_option(const char *option)
{
        const struct vz_param *p = vz_param_row_by_option(option);
        return p ? &p->info : NULL;
}

_public_ const vz_param_column *vz_param_column_of(const vz_param_info *info)
{
        /* info is the first member of its row (see params.h). */
        const struct vz_param *p = vz_param_lookup(info ? info->name : NULL);

        return p && p->col.name && *p->col.name ? &p->col : NULL;
}

_public_ int vz_ubc_parse_stored(const char *value, int64_t *ret_bar, int64_t *ret_lim)
{
        int64_t b, l;
        int r;

        /* Without the parameter's name the unit is unknown; a suffix is taken
         * as a size for a page-counted value, which is what the shipped
         * samples use it for (PHYSPAGES="0:256M"). vz_param_ubc_value() knows
         * better when the name is at hand. */
        r = vz_ubc_parse(value, VZ_UNIT_PAGES, &b, &l);
        if (r < 0)
                return r == -ERANGE ? -ERANGE : -EINVAL;
        *ret_bar = b;
        *ret_lim = l;
        return 0;
}

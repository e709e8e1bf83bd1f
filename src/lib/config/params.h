/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parameter table: one row per configuration parameter or command-line
 * option. Several rows may share a config name when several options edit
 * the same parameter (--ram and --physpages, --ipadd and --ipdel): the first
 * row of a name is the parameter's own row, the later ones are extra options.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vz/vz.h>

#include "value.h"

enum vz_param_kind {
        VZ_KIND_STRING = 0,
        VZ_KIND_PATH,
        VZ_KIND_INT,
        VZ_KIND_FLOAT,
        VZ_KIND_YESNO,
        VZ_KIND_ENUM,
        VZ_KIND_UBC,
        VZ_KIND_DISK,
        VZ_KIND_LIST,
        VZ_KIND_MASK,
        _VZ_KIND_MAX,
        _VZ_KIND_INVALID = -1,
};

const char *vz_param_kind_to_string(enum vz_param_kind k);
enum vz_param_kind vz_param_kind_from_string(const char *s);

struct vz_param;

/* Turn a command-line argument into the new stored value. cur is the current
 * stored value (NULL if unset, or if the option starts a fresh list in this
 * change set). *ret = NULL means "remove the key". Errors: vz_fail with class
 * p->err_class (VZ_E_VALUE unless the row says otherwise). */
typedef int (*vz_param_parse_fn)(const struct vz_param *p, const char *arg, const char *cur,
                                 char **ret, vz_err *e);
/* Check a value read from a config file. */
typedef int (*vz_param_check_fn)(const struct vz_param *p, const char *value, vz_err *e);

/* How a changed parameter reaches a running CT: what vz_ct_set's loop over
 * the changed rows does with it. */
enum vz_param_live {
        VZ_LIVE_UNSET = 0,    /* not filled in: the table test refuses the row */
        VZ_LIVE_CONFIG,       /* read by vz when needed (ONBOOT, NAME): nothing to apply */
        VZ_LIVE_RESTART,      /* takes effect at the next start */
        VZ_LIVE_NOT_ENFORCED, /* kept and shown; nothing on a stock kernel enforces it */
        VZ_LIVE_CGROUP,       /* a resource group of runtime/limits.c (the row's cg) */
        VZ_LIVE_KNOB,         /* one cgroup file, from the row's knob (struct vz_cg_knob) */
        VZ_LIVE_DEVICES,      /* device access (runtime/devices.c) */
        VZ_LIVE_IDENTITY,     /* hostname and DNS inside the CT */
        VZ_LIVE_NET,          /* addresses and interfaces (net) */
        VZ_LIVE_DISK,         /* the storage layout's limit, changed at save */
        _VZ_LIVE_MAX,
        _VZ_LIVE_INVALID = -1,
};

const char *vz_param_live_to_string(enum vz_param_live l);
enum vz_param_live vz_param_live_from_string(const char *s);

/* The value a row stands for in the resource groups of runtime/limits.c:
 * the group code asks for these, never for a parameter by name. Rows of
 * one file (RAM and swap: v1 memsw) are applied together. */
enum vz_cg_value {
        VZ_CG_NONE = 0,
        VZ_CG_RAM,        /* memory group */
        VZ_CG_SWAP,       /* memory group */
        VZ_CG_KMEM,       /* memory group, v1 only */
        VZ_CG_NUMPROC,    /* pids */
        VZ_CG_CPUUNITS,   /* CPU group: weight */
        VZ_CG_CPULIMIT,   /* CPU group: quota */
        VZ_CG_CPUS,       /* CPU group: quota */
        VZ_CG_CPUMASK,    /* cpuset */
        VZ_CG_NODEMASK,   /* cpuset */
        VZ_CG_IOPRIO,     /* I/O group: weight */
        VZ_CG_IOLIMIT,    /* I/O group: throttling */
        VZ_CG_IOPSLIMIT,  /* I/O group: throttling */
        VZ_CG_HOST_UNITS, /* the CTs' parent group (VE0CPUUNITS, vz.conf) */
        _VZ_CG_MAX,
};

/* One cgroup file a numeric parameter drives (VZ_LIVE_KNOB), at start and
 * live. value() is the row's apply function: the file's content from the
 * CT's configuration (get(name) gives any parameter's effective value), for
 * the cgroup version at hand; -EINVAL if the value cannot be applied. */
typedef const char *(*vz_param_get_fn)(const char *name, void *userdata);
struct vz_cg_knob {
        const char *controller;        /* "memory", "pids", "cpu"... */
        const char *v1_file, *v2_file; /* the file on each version; NULL: none there */
        const char *depends;           /* another parameter whose change re-applies it */
        int (*value)(const struct vz_param *p, vz_param_get_fn get, void *userdata, bool v2,
                     char *buf, size_t len);
};

/* The vzlist column of a parameter (vz_param_column, public). name ""
 * (VZ_NO_COLUMN): explicitly none. With a header: a column vzlist makes from
 * the row alone (the value as stored; JSON: a number if it is one, else a
 * string). Without: vzlist's own field of that name shows it. */
#define VZ_NO_COLUMN                                                                               \
        {                                                                                          \
                .name = ""                                                                         \
        }

struct vz_param {
        vz_param_info info;         /* must stay first: the public API hands out &row->info */
        const char *opt_aliases[3]; /* more option names (--ip, --ve_layout) */
        const char *name_alias;     /* config name also read from files (DCACHE) */
        enum vz_param_kind kind;
        enum vz_unit unit;
        int64_t min, max;           /* range of INT rows */
        const char *def;            /* built-in default, or NULL */
        const char *const *choices; /* ENUM rows */
        int err_class;              /* exit class of a bad value; 0 = VZ_E_VALUE */
        bool fresh_list;            /* first use in a change set replaces the list */
        bool extra_option;          /* not the parameter's own row (see top) */
        vz_param_parse_fn parse;
        vz_param_check_fn check;
        /* Sample argument for the unit tests (a valid value). */
        const char *example;
        enum vz_param_live live;
        const struct vz_cg_knob *knob; /* VZ_LIVE_KNOB rows */
        enum vz_cg_value cg;           /* VZ_LIVE_CGROUP rows (and VE0CPUUNITS) */
        /* UBC rows: the kernel's resource ID (/proc/user_beancounters'
         * order, OPENVZ.md 3.2); -1: not a kernel beancounter (AVNUMPROC). */
        int ubc_id;
        vz_param_column col; /* own rows only; extra options show nothing */
        const char *man;     /* man-page text beyond the help line, or NULL */
};

/* Config names the library refers to outside the table (one spelling). */
#define VZ_P_DISKSPACE  "DISKSPACE"
#define VZ_P_DISKINODES "DISKINODES"
#define VZ_P_PHYSPAGES  "PHYSPAGES"

/* Kernel resource IDs of the beancounters the runtime computes. */
enum {
        VZ_UB_KMEMSIZE = 0,
        VZ_UB_LOCKEDPAGES = 1,
        VZ_UB_PRIVVMPAGES = 2,
        VZ_UB_SHMPAGES = 3,
        VZ_UB_NUMPROC = 5,
        VZ_UB_PHYSPAGES = 6,
        VZ_UB_VMGUARPAGES = 7,
        VZ_UB_OOMGUARPAGES = 8,
        VZ_UB_SWAPPAGES = 24,
};

size_t vz_param_table_size(void);
/* The kernel beancounters' rows in resource-ID order (the order of
 * /proc/user_beancounters and vz_ct_get_ubc, swappages last) into
 * ret[0..VZ_UBC_COUNT); returns how many (VZ_UBC_COUNT). */
size_t vz_param_ubc_rows(const struct vz_param *ret[VZ_UBC_COUNT]);
/* Position of resource ID id in such an array, or -1. */
int vz_param_ubc_pos(const struct vz_param *const rows[VZ_UBC_COUNT], int id);
const struct vz_param *vz_param_row(size_t i);
const struct vz_param *vz_param_row_by_option(const char *option);
/* The config name a file key stands for (aliases resolved), or key itself. */
const char *vz_param_canonical_name(const char *key);
/* Is key accumulated over duplicate lines (IP_ADDRESS, NAMESERVER, ...)? */
bool vz_param_accumulates(const char *key);
/* Run a row's parser / checker. */
int vz_param_parse(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e);
/* UBC value of a named parameter in its base unit (accepts the suffixes of
 * samples, e.g. PHYSPAGES="0:256M"). */
int vz_param_ubc_value(const char *name, const char *value, int64_t *ret_bar, int64_t *ret_lim);
/* DISKSPACE (KB) / DISKINODES value as soft and hard numbers. */
int vz_param_disk_value(const char *name, const char *value, int64_t *ret_soft, int64_t *ret_hard);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parameter table: one row per configuration parameter or command-line
 * option. Several rows may share a config name when several options edit
 * the same parameter (--ram and --physpages, --ipadd and --ipdel): the first
 * row of a name is the parameter's own row, the later ones are extra options.
 */
#pragma once

#include <stdbool.h>
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
};

size_t vz_param_table_size(void);
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzlist's field table and table model.
 *
 * Data flows one way: vzlist.c fills one struct vzl_ct record per container
 * (config values now, runtime counters later, all in one place), the field
 * table turns a record into typed cells (one getter per field row), and one
 * table model holds the chosen columns and the rows of cells. The same model
 * is printed either as OpenVZ's aligned text or as JSON. Nothing here touches
 * the system, so unit tests drive it with fake records.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* An integer that was never set (config value absent, counter unknown). */
#define VZL_UNSET INT64_MIN

enum vzl_status {
        VZL_ST_STOPPED,
        VZL_ST_RUNNING,
        VZL_ST_MOUNTED,
        VZL_ST_SUSPENDED,
        VZL_ST_MAX,
        VZL_ST_INVALID = -1,
};
const char *vzl_status_to_string(enum vzl_status s);
enum vzl_status vzl_status_from_string(const char *s);

/* The 21 beancounters vzlist shows, in OpenVZ's field order: enum suffix,
 * field name (the parameter's option: libvz's table gives its config name)
 * and OpenVZ's short header. Expanded into the enum, the name table and the
 * field rows. */
#define VZL_UBCS(X)                                                                                \
        X(KMEMSIZE, "kmemsize", "KMEMSIZE")                                                        \
        X(LOCKEDPAGES, "lockedpages", "LOCKEDP")                                                   \
        X(PRIVVMPAGES, "privvmpages", "PRIVVMP")                                                   \
        X(SHMPAGES, "shmpages", "SHMP")                                                            \
        X(NUMPROC, "numproc", "NPROC")                                                             \
        X(PHYSPAGES, "physpages", "PHYSP")                                                         \
        X(VMGUARPAGES, "vmguarpages", "VMGUARP")                                                   \
        X(OOMGUARPAGES, "oomguarpages", "OOMGUARP")                                                \
        X(NUMTCPSOCK, "numtcpsock", "NTCPSOCK")                                                    \
        X(NUMFLOCK, "numflock", "NFLOCK")                                                          \
        X(NUMPTY, "numpty", "NPTY")                                                                \
        X(NUMSIGINFO, "numsiginfo", "NSIGINFO")                                                    \
        X(TCPSNDBUF, "tcpsndbuf", "TCPSNDB")                                                       \
        X(TCPRCVBUF, "tcprcvbuf", "TCPRCVB")                                                       \
        X(OTHERSOCKBUF, "othersockbuf", "OTHSOCKB")                                                \
        X(DGRAMRCVBUF, "dgramrcvbuf", "DGRAMRB")                                                   \
        X(NUMOTHERSOCK, "numothersock", "NOTHSOCK")                                                \
        X(DCACHESIZE, "dcachesize", "DCACHESZ")                                                    \
        X(NUMFILE, "numfile", "NFILE")                                                             \
        X(NUMIPTENT, "numiptent", "NIPTENT")                                                       \
        X(SWAPPAGES, "swappages", "SWAPP")

enum vzl_ubc_id {
#define VZL_UBC_ENUM(id, name, header) VZL_UBC_##id,
        VZL_UBCS(VZL_UBC_ENUM)
#undef VZL_UBC_ENUM
            VZL_UBC_MAX,
        VZL_UBC_INVALID = -1,
};
/* Lower-case field name ("kmemsize", also the parameter's option) and short
 * header ("KMEMSIZE") of a beancounter. */
const char *vzl_ubc_name(enum vzl_ubc_id id);
const char *vzl_ubc_header(enum vzl_ubc_id id);

/* One beancounter of one CT: barrier/limit come from the config, the
 * counters from the running CT (VZL_UNSET until something measures them). */
struct vzl_ubc {
        int64_t held, maxheld, barrier, limit, failcnt;
};

/* Disk quota: usage is measured, soft/hard limits come from the config. */
struct vzl_dq {
        int64_t usage, softlimit, hardlimit;
};

/* Columns vzlist makes from parameter rows alone (vzl_field_add_param). */
#define VZL_PARAM_MAX 16

/* Everything vzlist shows about one CT. Strings are owned (NULL = not set)
 * and freed by vzl_ct_done(); integers are VZL_UNSET when not known. */
struct vzl_ct {
        unsigned ctid;
        enum vzl_status status;
        char *private_dir;
        char *root_dir;
        char *mount_opts;
        char *origin_sample;
        char *hostname;
        char *name;
        char *description;
        char *ostemplate;
        char *ip; /* space-separated lists */
        char *nameserver;
        char *searchdomain;
        char *layout;     /* "simfs", "ploop", ... */
        char *features;   /* as in the config: "nfs:on sysfs:off" */
        char *capability; /* as in the config: "CHOWN:on NET_ADMIN:off" */
        char *netfilter;
        /* VZ7: bridged interfaces, one word per NETIF entry, same order */
        char *netif, *host_ifname, *mac, *host_mac;
        struct vzl_ubc ubc[VZL_UBC_MAX];
        struct vzl_dq diskspace; /* KB */
        struct vzl_dq diskinodes;
        bool has_laverage;
        double laverage[3];
        bool has_uptime;
        double uptime; /* seconds */
        int64_t cpulimit;
        int64_t cpuunits;
        int64_t cpus;
        int64_t ioprio;
        int64_t iolimit;
        int64_t iopslimit;
        int64_t bootorder;
        int onboot; /* -1 not set, 0 no, 1 yes */
        bool disabled;
        bool has_vm_overcommit;
        double vm_overcommit;
        char *param[VZL_PARAM_MAX]; /* values of the parameter fields, by their arg */
};
/* A record with every value "not set" and status stopped. */
void vzl_ct_init(struct vzl_ct *ct, unsigned ctid);
void vzl_ct_done(struct vzl_ct *ct);

/* ------------------------------------------------------------- cells */
enum vzl_cell_type {
        VZL_CELL_INT,    /* i */
        VZL_CELL_FLOAT,  /* d, printed with fmt */
        VZL_CELL_STR,    /* s */
        VZL_CELL_LIST,   /* s, space-separated; JSON array */
        VZL_CELL_BOOL,   /* i; yes/no, true/false */
        VZL_CELL_UBC,    /* v[0..4] = held maxheld barrier limit failcnt, sel */
        VZL_CELL_DISK,   /* v[0..2] = usage softlimit hardlimit, sel */
        VZL_CELL_LAVG,   /* la[3] */
        VZL_CELL_UPTIME, /* d seconds */
        VZL_CELL_FLAGS,  /* s "name:on name:off"; JSON object of booleans */
        VZL_CELL_MAX,
        VZL_CELL_INVALID = -1,
};

struct vzl_cell {
        enum vzl_cell_type type;
        bool missing; /* "-" in text, null in JSON */
        int64_t i;
        double d;
        const char *fmt;
        const char *s; /* borrowed from the record */
        bool lower;    /* FLAGS: print names in lower case */
        int64_t v[5];  /* VZL_UNSET = unknown */
        int sel;       /* index into v shown by a text column */
        bool running;  /* UBC: held/maxheld/failcnt mean something */
        double la[3];
};

/* ------------------------------------------------------------- fields */
enum vzl_field_flags {
        VZL_F_SUFFIX = 1 << 0, /* .m/.b/.l/.f/.s/.h: text only, not in JSON */
        VZL_F_ALIAS = 1 << 1,  /* legacy name (veid, vpsid): not in the default JSON set */
};

struct vzl_field;
typedef void (*vzl_getter)(const struct vzl_ct *ct, const struct vzl_field *f,
                           struct vzl_cell *ret);

/* One row of the field table. */
struct vzl_field {
        const char *name;
        const char *header;
        int width;
        bool left;     /* value alignment */
        bool hdr_left; /* header alignment: differs from the value only for
                        * origin_sample, whose header OpenVZ right-aligns */
        unsigned flags;
        vzl_getter get;
        size_t arg;        /* getter argument: record offset, UBC id or param[] index */
        int sel;           /* getter argument: which element a suffix field shows */
        const char *param; /* parameter fields: the config name */
};

/* Add a field showing a parameter's stored value (numbers as numbers), after
 * the fixed ones: vzlist adds one per parameter row whose column libvz
 * describes (vz_param_column_of). -EEXIST: a field has that name already;
 * -ENOSPC: VZL_PARAM_MAX reached. The strings must stay valid. */
int vzl_field_add_param(const char *name, const char *header, int width, const char *param);
size_t vzl_field_count(void);
const struct vzl_field *vzl_field_at(size_t i);
const struct vzl_field *vzl_field_by_name(const char *name);
/* What vzlist must read about a running CT for a field to have its value
 * (the rest comes from the config): the beancounters from the CT's cgroups
 * (counters, and the live barrier and limit), the cheap stats (process
 * count, uptime), disk usage (a walk of a simfs private area), the load
 * average. json: the field as a JSON column (every part of a UBC or disk
 * object, not just the one a text column shows). */
enum vzl_need {
        VZL_NEED_UBC = 1 << 0,
        VZL_NEED_STATS = 1 << 1,
        VZL_NEED_DISK = 1 << 2,
        VZL_NEED_LAVG = 1 << 3,
};
unsigned vzl_field_needs(const struct vzl_field *f, bool json);
/* Evaluate a field for a record. */
void vzl_field_get(const struct vzl_field *f, const struct vzl_ct *ct, struct vzl_cell *ret);
/* -L: every field name with its header. */
void vzl_print_field_list(FILE *out);

/* Order of two cells of the same field for sorting: missing values first,
 * numbers numerically, strings by strcmp. */
int vzl_cell_compare(const struct vzl_cell *a, const struct vzl_cell *b);

/* ------------------------------------------------------------- table */
struct vzl_table;
/* Columns are field rows; the table borrows them (they are static data). */
int vzl_table_new(const struct vzl_field *const *cols, size_t ncols, struct vzl_table **ret);
void vzl_table_free(struct vzl_table *t);
/* Parse "-o" syntax ("ctid,hostname"); json refuses suffix fields. On error
 * returns -EINVAL with OpenVZ's message ("Unknown field: x") in errbuf. */
int vzl_table_new_from_list(const char *list, bool json, struct vzl_table **ret, char *errbuf,
                            size_t errlen);
/* Every base (non-suffix, non-alias) field: the JSON default. */
int vzl_table_new_all_base(struct vzl_table **ret);
size_t vzl_table_rows(const struct vzl_table *t);
size_t vzl_table_cols(const struct vzl_table *t);
const struct vzl_field *vzl_table_col(const struct vzl_table *t, size_t i);
/* Add a row for a record; the record must outlive the table. */
int vzl_table_add(struct vzl_table *t, const struct vzl_ct *ct);
/* Stable sort by a field (need not be a column); ties keep CTID order. With
 * reverse, the whole order is reversed, as OpenVZ does. */
void vzl_table_sort(struct vzl_table *t, const struct vzl_field *key, bool reverse);

struct vzl_text_opts {
        bool header;
        bool trim; /* cut strings to the column width, lists to their first element */
};
int vzl_table_print_text(const struct vzl_table *t, const struct vzl_text_opts *o, FILE *out);
int vzl_table_print_json(const struct vzl_table *t, FILE *out);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzctl snapshot, snapshot-list, -switch, -delete, -mount and -umount. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vzctl.h"

struct snap_opts {
        const char *id, *name, *desc, *target, *fields;
        bool no_header;
        unsigned flags; /* vz_snapshot_flags */
};

/* OpenVZ's flags of snapshot and snapshot-switch; 0 if s is none. */
static unsigned snap_flag(const char *cmd, const char *s)
{
        bool take = strcmp(cmd, "snapshot") == 0, sw = strcmp(cmd, "snapshot-switch") == 0;

        if ((take || sw) && strcmp(s, "--skip-config") == 0)
                return VZ_SNAPSHOT_SKIP_CONFIG;
        if (take && strcmp(s, "--skip-suspend") == 0)
                return VZ_SNAPSHOT_SKIP_SUSPEND;
        if (sw && strcmp(s, "--skip-resume") == 0)
                return VZ_SNAPSHOT_SKIP_RESUME;
        if (sw && strcmp(s, "--must-resume") == 0)
                return VZ_SNAPSHOT_MUST_RESUME;
        return 0;
}

static int parse_snap_opts(struct cmd_args *a, struct snap_opts *o)
{
        for (int i = 0; i < a->argc; i++) {
                const char *s = a->argv[i], *v = i + 1 < a->argc ? a->argv[i + 1] : NULL;
                const char **dst = NULL;
                if (is_wait_lock(s))
                        continue;
                if (strcmp(s, "-H") == 0 || strcmp(s, "--no-header") == 0) {
                        o->no_header = true;
                        continue;
                }
                if (snap_flag(a->cmd, s)) {
                        o->flags |= snap_flag(a->cmd, s);
                        continue;
                }
                if (strcmp(s, "--id") == 0 || strcmp(s, "-i") == 0)
                        dst = &o->id;
                else if (strcmp(s, "--name") == 0 || strcmp(s, "-n") == 0)
                        dst = &o->name;
                else if (strcmp(s, "--description") == 0 || strcmp(s, "-d") == 0)
                        dst = &o->desc;
                else if (strcmp(s, "--target") == 0 || strcmp(s, "-t") == 0)
                        dst = &o->target;
                else if (strcmp(s, "--output") == 0 || strcmp(s, "-o") == 0)
                        dst = &o->fields;
                if (!dst)
                        return usage_error("invalid option for %s: %s", a->cmd, s);
                if (!v)
                        return usage_error("option %s requires an argument", s);
                *dst = v;
                i++;
        }
        return 0;
}

/* What every snapshot command does first: its options, their checks, the CT. */
static int snap_begin(struct cmd_args *a, struct snap_opts *o, bool need_id, bool need_target,
                      vz_ct **ct)
{
        int r;

        r = parse_snap_opts(a, o);
        if (r)
                return r;
        if ((o->flags & VZ_SNAPSHOT_SKIP_RESUME) && (o->flags & VZ_SNAPSHOT_MUST_RESUME))
                return usage_error("--skip-resume and --must-resume cannot be used together");
        if (need_id && !o->id)
                return usage_error("%s: --id UUID is required", a->cmd);
        if (need_target && !o->target)
                return usage_error("snapshot-mount: --target DIR is required");
        return open_ct(a, ct, true);
}

/* ... and last: the CT closed, the library's error reported. */
static int snap_end(struct cmd_args *a, vz_ct *ct, int r, const vz_err *e)
{
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(e, "CT %u: %s", a->ctid, a->cmd);
        return 0;
}

int cmd_snapshot(struct cmd_args *a)
{
        struct snap_opts o = {0};
        char *uuid = NULL;
        vz_err e = {0};
        vz_ct *ct;
        int r;

        r = snap_begin(a, &o, false, false, &ct);
        if (r)
                return r;
        r = vz_ct_snapshot_flags(ct, o.id, o.name, o.desc, o.flags, &uuid, &e);
        if (r >= 0)
                tool_msg("Snapshot %s has been successfully created\n", uuid);
        free(uuid);
        return snap_end(a, ct, r, &e);
}

int cmd_snapshot_switch(struct cmd_args *a)
{
        struct snap_opts o = {0};
        vz_err e = {0};
        vz_ct *ct;
        int r;

        r = snap_begin(a, &o, true, false, &ct);
        if (r)
                return r;
        r = vz_ct_snapshot_switch_flags(ct, o.id, o.flags, &e);
        if (r >= 0)
                tool_msg("Container has been successfully switched to snapshot %s\n", o.id);
        return snap_end(a, ct, r, &e);
}

int cmd_snapshot_delete(struct cmd_args *a)
{
        struct snap_opts o = {0};
        vz_err e = {0};
        vz_ct *ct;
        int r;

        r = snap_begin(a, &o, true, false, &ct);
        if (r)
                return r;
        r = vz_ct_snapshot_delete(ct, o.id, &e);
        if (r >= 0)
                tool_msg("Snapshot %s has been successfully deleted\n", o.id);
        return snap_end(a, ct, r, &e);
}

int cmd_snapshot_mount(struct cmd_args *a)
{
        struct snap_opts o = {0};
        vz_err e = {0};
        vz_ct *ct;
        int r;

        r = snap_begin(a, &o, true, true, &ct);
        if (r)
                return r;
        r = vz_ct_snapshot_mount(ct, o.id, o.target, &e);
        if (r >= 0)
                tool_msg("Snapshot %s is mounted on %s\n", o.id, o.target);
        return snap_end(a, ct, r, &e);
}

int cmd_snapshot_umount(struct cmd_args *a)
{
        struct snap_opts o = {0};
        vz_err e = {0};
        vz_ct *ct;
        int r;

        r = snap_begin(a, &o, true, false, &ct);
        if (r)
                return r;
        r = vz_ct_snapshot_umount(ct, o.id, &e);
        if (r >= 0)
                tool_msg("Snapshot %s is unmounted\n", o.id);
        return snap_end(a, ct, r, &e);
}

/* One -o field of a snapshot; NULL for an unknown field. */
static const char *snap_field(const vz_snapshot *s, const char *field)
{
        if (strcmp(field, "uuid") == 0)
                return s->uuid;
        if (strcmp(field, "name") == 0)
                return s->name;
        if (strcmp(field, "description") == 0)
                return s->description;
        if (strcmp(field, "date") == 0)
                return s->date;
        if (strcmp(field, "parent_uuid") == 0)
                return s->parent;
        if (strcmp(field, "current") == 0)
                return s->current ? "*" : "";
        return NULL;
}

/* The -o fields of one snapshot, "-" for an empty or unknown one. */
static void print_snap_fields(const vz_snapshot *s, const char *fields)
{
        char *fl = strdup(fields), *save = NULL;
        bool first = true;

        if (!fl)
                return;
        for (char *t = strtok_r(fl, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                const char *val = snap_field(s, t);
                printf("%s%s", first ? "" : " ", val && *val ? val : "-");
                first = false;
        }
        putchar('\n');
        free(fl);
}

/* snapshot-list: OpenVZ's columns, or the -o fields. */
int cmd_snapshot_list(struct cmd_args *a)
{
        struct snap_opts o = {0};
        vz_snapshot *v = NULL;
        vz_err e = {0};
        size_t n = 0;
        vz_ct *ct;
        int r;

        r = snap_begin(a, &o, false, false, &ct);
        if (r)
                return r;
        r = vz_ct_snapshot_list(ct, &v, &n, &e);
        if (r < 0)
                return snap_end(a, ct, r, &e);
        if (!o.no_header && !o.fields)
                printf("PARENT_UUID                          C UUID                       "
                       "           DATE                NAME\n");
        for (size_t i = 0; i < n; i++) {
                if (o.fields)
                        print_snap_fields(&v[i], o.fields);
                else
                        printf("%-36s %c %-36s %-19s %s\n",
                               v[i].parent && *v[i].parent ? v[i].parent : "",
                               v[i].current ? '*' : ' ', v[i].uuid, v[i].date ? v[i].date : "",
                               v[i].name ? v[i].name : "");
        }
        vz_snapshot_list_free(v, n);
        return snap_end(a, ct, r, &e);
}

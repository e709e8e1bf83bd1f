/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzctl create and destroy|delete: a CT's private area made and removed. */
#include <stdio.h>
#include <string.h>

#include "vzctl.h"

struct create_special {
        vz_create_opts *opts;
};

static int create_special(const char *opt, const char *val, void *userdata)
{
        struct create_special *c = userdata;

        if (strcmp(opt, "ostemplate") == 0 || strcmp(opt, "config") == 0) {
                if (!val || !*val) {
                        usage_error("option --%s requires an argument", opt);
                        return -VZ_E_SYNTAX;
                }
                if (opt[0] == 'o')
                        c->opts->ostemplate = val;
                else
                        c->opts->sample = val;
                return 2;
        }
        return 0;
}

int cmd_create(struct cmd_args *a)
{
        vz_create_opts opts = {.progress = tool_progress, .userdata = (void *)"Unpacking"};
        struct create_special cs = {.opts = &opts};
        vz_changes *ch = NULL;
        vz_err e = {0};
        vz_ct *ct = NULL;
        int r;

        if (vz_changes_new(&ch) < 0)
                return VZ_E_RESOURCE;
        r = parse_param_options(a->argc, a->argv, ch, create_special, &cs);
        if (r) {
                vz_changes_free(ch);
                return r;
        }
        /* Refuse early if the CT already exists, before any work. */
        if (vz_ct_open(a->ctx, a->ctid, &ct, &e) == 0) {
                vz_ct_state st;
                if (vz_ct_get_state(ct, &st, NULL) == 0 && st.exists) {
                        vz_ct_free(ct);
                        vz_changes_free(ch);
                        tool_error("CT %u: container already exists", a->ctid);
                        return VZ_E_FS_PRVT_EXIST;
                }
                vz_ct_free(ct);
        }
        tool_msg("Creating container private area (%s)\n",
                 opts.ostemplate ? opts.ostemplate : "default template");
        r = vz_ct_create(a->ctx, a->ctid, &opts, ch, &e);
        vz_changes_free(ch);
        if (r < 0)
                return tool_fail(&e, "CT %u: cannot create", a->ctid);
        tool_msg("Container private area was created\n");
        return 0;
}

int cmd_destroy(struct cmd_args *a)
{
        vz_err e = {0};
        vz_ct *ct;
        int r;

        r = no_options(a);
        if (r)
                return r;
        r = open_ct(a, &ct, false);
        if (r)
                return r;
        tool_msg("Destroying container private area: %s\n", vz_ct_private(ct));
        r = vz_ct_destroy(ct, &e);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u: cannot destroy", a->ctid);
        tool_msg("Container private area was destroyed\n");
        return 0;
}

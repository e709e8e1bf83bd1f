/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzctl set: parameters applied to the CT live and/or saved in its config. */
#include <stdio.h>
#include <string.h>

#include "vzctl.h"

struct set_special {
        unsigned flags;
        const char *apply_sample;
        const char *setmode;
        const char *userpasswd;
};

static int set_special(const char *opt, const char *val, void *userdata)
{
        struct set_special *s = userdata;

        if (strcmp(opt, "save") == 0) {
                s->flags |= VZ_SET_SAVE;
                return 1;
        }
        if (strcmp(opt, "force") == 0) {
                s->flags |= VZ_SET_FORCE;
                return 1;
        }
        if (strcmp(opt, "userpasswd") == 0) {
                if (!val || !*val) {
                        usage_error("option --userpasswd requires user:password");
                        return -VZ_E_SYNTAX;
                }
                s->userpasswd = val;
                return 2;
        }
        if (strcmp(opt, "applyconfig") == 0 || strcmp(opt, "setmode") == 0) {
                if (!val || !*val) {
                        usage_error("option --%s requires an argument", opt);
                        return -VZ_E_SYNTAX;
                }
                if (opt[0] == 'a')
                        s->apply_sample = val;
                else if (strcmp(val, "restart") == 0 || strcmp(val, "ignore") == 0)
                        s->setmode = val;
                else {
                        usage_error("invalid --setmode %s: use restart or ignore", val);
                        return -VZ_E_SYNTAX;
                }
                return 2;
        }
        return 0;
}

int cmd_set(struct cmd_args *a)
{
        struct set_special ss = {0};
        vz_changes *ch = NULL;
        vz_err e = {0};
        vz_ct *ct = NULL;
        int r;

        if (vz_changes_new(&ch) < 0)
                return VZ_E_RESOURCE;
        r = parse_param_options(a->argc, a->argv, ch, set_special, &ss);
        if (r)
                goto out;
        if ((ss.flags & VZ_SET_FORCE) && !(ss.flags & VZ_SET_SAVE)) {
                r = usage_error("--force can be used only with --save");
                goto out;
        }
        if (ss.setmode && strcmp(ss.setmode, "restart") == 0 && !(ss.flags & VZ_SET_SAVE)) {
                r = usage_error("--setmode restart can be used only with --save");
                goto out;
        }
        if (vz_changes_count(ch) == 0 && !ss.apply_sample && !ss.userpasswd) {
                r = usage_error("set: no parameters given");
                goto out;
        }
        r = open_ct(a, &ct, true);
        if (r)
                goto out;
        if (vz_changes_count(ch) > 0 || ss.apply_sample) {
                r = vz_ct_set(ct, ch, ss.apply_sample, ss.flags, &e);
                if (r < 0) {
                        r = tool_fail(&e, "CT %u: cannot set parameters", a->ctid);
                        goto out;
                }
                if (r == 1)
                        tool_msg("No changes in CT configuration, not saving\n");
                else if (ss.flags & VZ_SET_SAVE)
                        tool_msg("Saved parameters for CT %u\n", a->ctid);
                else
                        fprintf(stderr, "WARNING: Settings were not saved to config "
                                        "(use --save flag)\n");
        }
        /* The password is never saved in the config (OpenVZ ignores --save). */
        if (ss.userpasswd) {
                vz_err pe = {0};
                if (vz_ct_set_userpasswd(ct, ss.userpasswd, &pe) < 0) {
                        r = tool_fail(&pe, "CT %u: cannot change the password", a->ctid);
                        goto out;
                }
                tool_msg("Password for the user %.*s is changed\n",
                         (int)strcspn(ss.userpasswd, ":"), ss.userpasswd);
        }
        r = 0;
out:
        vz_ct_free(ct);
        vz_changes_free(ch);
        return r;
}

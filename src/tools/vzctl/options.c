/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What several vzctl commands share: syntax errors, --wait-lock, the
 * parameter options of set and create, opening the CT. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vzctl.h"

int opt_wait_lock;

int usage_error(const char *fmt, ...)
{
        va_list ap;
        fprintf(stderr, "%s: ", program_name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\n", stderr);
        return VZ_E_SYNTAX;
}

/* --wait-lock[=SEC], accepted among any command's options. */
int parse_wait_lock(const char *arg)
{
        const char *eq;
        char *end;
        long v;

        if (strcmp(arg, "--wait-lock") == 0) {
                opt_wait_lock = -1;
                return 0;
        }
        eq = arg + strlen("--wait-lock=");
        errno = 0;
        v = strtol(eq, &end, 10);
        if (errno || *end || end == eq || v < 0 || v > 86400 * 365)
                return -EINVAL;
        opt_wait_lock = v == 0 ? -1 : (int)v;
        return 0;
}

bool is_wait_lock(const char *arg)
{
        return strcmp(arg, "--wait-lock") == 0 || strncmp(arg, "--wait-lock=", 12) == 0;
}

int parse_param_options(int argc, char **argv, vz_changes *ch, special_fn special, void *userdata)
{
        vz_err e = {0};

        for (int i = 0; i < argc; i++) {
                char *arg = argv[i], *eq, *name;
                const char *val = NULL;
                const vz_param_info *p;
                bool inline_val = false;
                int r;

                if (is_wait_lock(arg)) {
                        if (parse_wait_lock(arg) < 0)
                                return usage_error("invalid value for --wait-lock: %s", arg);
                        continue;
                }
                if (strncmp(arg, "--", 2) != 0 && !(arg[0] == '-' && arg[1] && !arg[2]))
                        return usage_error("invalid argument: %s", arg);
                name = strdup(arg + (arg[1] == '-' ? 2 : 1));
                if (!name)
                        return VZ_E_RESOURCE;
                eq = strchr(name, '=');
                if (eq) {
                        *eq = '\0';
                        val = arg + (arg[1] == '-' ? 2 : 1) + (eq - name) + 1;
                        inline_val = true;
                }
                if (special) {
                        const char *next = inline_val ? val : (i + 1 < argc ? argv[i + 1] : NULL);
                        r = special(name, next, userdata);
                        if (r < 0) {
                                free(name);
                                return -r;
                        }
                        if (r > 0) {
                                if (r == 2 && !inline_val)
                                        i++;
                                free(name);
                                continue;
                        }
                }
                p = vz_param_by_option(name);
                if (!p) {
                        usage_error("invalid option: %s", arg);
                        free(name);
                        return VZ_E_SYNTAX;
                }
                if (p->arg && !inline_val) {
                        if (i + 1 >= argc) {
                                usage_error("option %s requires an argument", arg);
                                free(name);
                                return VZ_E_SYNTAX;
                        }
                        val = argv[++i];
                }
                r = vz_changes_add(ch, name, p->arg ? val : NULL, &e);
                free(name);
                if (r < 0)
                        return tool_fail(&e, "bad parameter %s", arg);
        }
        return 0;
}

int open_ct(struct cmd_args *a, vz_ct **ct, bool need_config)
{
        vz_err e = {0};

        if (vz_ct_open(a->ctx, a->ctid, ct, &e) < 0)
                return tool_fail(&e, "CT %u", a->ctid);
        if (need_config && !vz_ct_has_config(*ct)) {
                tool_error("CT %u: container does not exist (no %s)", a->ctid,
                           vz_ct_conf_path(*ct));
                vz_ct_free(*ct);
                *ct = NULL; /* callers free it on their error path too */
                return VZ_E_NOVECONFIG;
        }
        return 0;
}

int no_options(struct cmd_args *a)
{
        for (int i = 0; i < a->argc; i++) {
                if (is_wait_lock(a->argv[i])) {
                        if (parse_wait_lock(a->argv[i]) < 0)
                                return usage_error("invalid value: %s", a->argv[i]);
                        continue;
                }
                return usage_error("invalid option for %s: %s", a->cmd, a->argv[i]);
        }
        return 0;
}

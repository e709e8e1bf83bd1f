/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzctl chkpnt|suspend and restore|resume, and the criu they use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vzctl.h"

/* chkpnt|suspend and restore|resume (OpenVZ §1.12): at most one step
 * option; --dumpfile F; OpenVZ's kernel-only options accepted and ignored. */
static int chkpnt_or_restore(struct cmd_args *a, bool chkpnt)
{
        static const char *const cpt_steps[] = {"--dump", "--suspend", "--resume", "--kill", NULL};
        static const int cpt_vals[] = {VZ_CHKPNT_DUMP, VZ_CHKPNT_SUSPEND, VZ_CHKPNT_RESUME,
                                       VZ_CHKPNT_KILL};
        static const char *const rst_steps[] = {"--undump", "--resume", "--kill", NULL};
        static const int rst_vals[] = {VZ_RESTORE_UNDUMP, VZ_RESTORE_RESUME, VZ_RESTORE_KILL};
        const char *const *steps = chkpnt ? cpt_steps : rst_steps;
        const int *vals = chkpnt ? cpt_vals : rst_vals;
        vz_cpt_opts o = {0};
        const char *step_name = NULL;
        int step = 0, r;
        vz_err e = {0};
        vz_ct *ct;

        for (int i = 0; i < a->argc; i++) {
                const char *s = a->argv[i];
                bool found = false;
                if (is_wait_lock(s))
                        continue;
                for (int k = 0; steps[k]; k++)
                        if (strcmp(s, steps[k]) == 0) {
                                if (step_name)
                                        return usage_error("%s and %s are exclusive", step_name, s);
                                step_name = s;
                                step = vals[k];
                                found = true;
                        }
                if (found)
                        continue;
                if (strcmp(s, "--dumpfile") == 0 || strncmp(s, "--dumpfile=", 11) == 0) {
                        o.dumpfile =
                            s[10] == '=' ? s + 11 : (i + 1 < a->argc ? a->argv[++i] : NULL);
                        if (!o.dumpfile || !*o.dumpfile)
                                return usage_error("--dumpfile needs a path");
                } else if (strcmp(s, "--skip_arpdetect") == 0 ||
                           (!chkpnt &&
                            (strcmp(s, "--skip-remount") == 0 || strcmp(s, "--skip-fsck") == 0)))
                        continue;
                else if (chkpnt && (strcmp(s, "--flags") == 0 || strcmp(s, "--context") == 0)) {
                        if (++i >= a->argc)
                                return usage_error("%s needs a value", s);
                } else
                        return usage_error("invalid option for %s: %s", a->cmd, s);
        }
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        if (chkpnt) {
                tool_msg("Setting up checkpoint...\n");
                r = vz_ct_chkpnt(ct, step, &o, &e);
        } else {
                tool_msg("Restoring container ...\n");
                r = vz_ct_restore(ct, step, &o, &e);
        }
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u: %s failed", a->ctid,
                                 chkpnt ? "checkpoint" : "restore");
        tool_msg(chkpnt ? "Checkpointing completed successfully\n"
                        : "Restoring completed successfully\n");
        return 0;
}

int cmd_chkpnt(struct cmd_args *a)
{
        return chkpnt_or_restore(a, true);
}

int cmd_restore(struct cmd_args *a)
{
        return chkpnt_or_restore(a, false);
}

/* vzctl --version -v: also the criu checkpoints use, and whether it works. */
int print_criu_info(void)
{
        char *path = NULL, *ver = NULL, *msg = NULL;
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        bool ok = false;

        if (vz_ctx_new(&ctx, &e) < 0)
                return tool_fail(&e, "cannot read the configuration");
        if (vz_criu_info(ctx, &path, &ver, &ok, &msg, &e) < 0) {
                printf("criu: not usable: %s\n", e.msg);
                vz_ctx_free(ctx);
                return 0;
        }
        printf("criu: %s, version %s\ncriu check: %s\n", path, ver,
               ok ? "passed" : "FAILED (checkpoint/restore will not work)");
        if (!ok && msg && *msg)
                printf("%s\n", msg);
        free(path);
        free(ver);
        free(msg);
        vz_ctx_free(ctx);
        return 0;
}

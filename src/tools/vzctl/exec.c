/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzctl exec, exec2, exec3 and runscript: a command run in the CT. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vzctl.h"

/* OpenVZ joins all arguments with spaces (an empty one becomes '') and
 * hands the line to bash -c. */
static char *join_args(int argc, char **argv)
{
        size_t len = 1;
        char *s, *p;

        for (int i = 0; i < argc; i++)
                len += strlen(argv[i]) + 3;
        s = p = malloc(len);
        if (!s)
                return NULL;
        *p = '\0';
        for (int i = 0; i < argc; i++) {
                if (i)
                        *p++ = ' ';
                p = stpcpy(p, argv[i][0] ? argv[i] : "''");
        }
        return s;
}

static int run_exec(struct cmd_args *a, int mode, bool exec2)
{
        char *line = NULL, *one[2] = {NULL, NULL};
        vz_err e = {0};
        vz_ct *ct;
        int r, st = 0;

        if (a->argc < 1)
                return usage_error("%s: no command given", a->cmd);
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        if (mode == VZ_EXEC_ARGV)
                r = vz_ct_exec(ct, a->argv, mode, &st, &e);
        else {
                if (!(a->argc == 1 && strcmp(a->argv[0], "-") == 0)) {
                        line = join_args(a->argc, a->argv);
                        one[0] = line;
                }
                r = vz_ct_exec(ct, one, mode, &st, &e);
        }
        free(line);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u", a->ctid);
        /* Why the command could not be run in the CT, if it could not. */
        if (e.msg[0])
                tool_error("%s", e.msg);
        if (exec2)
                return st;
        /* The command's own failures speak for themselves; a kill from
         * outside (OOM, a shutdown inside the CT) would leave a bare 8. */
        if (st > 128 && st < 128 + 65)
                tool_error("CT %u: the command was killed by signal %d", a->ctid, st - 128);
        return st ? VZ_E_EXEC : 0;
}

int cmd_exec(struct cmd_args *a)
{
        return run_exec(a, VZ_EXEC_SHELL, false);
}

int cmd_exec2(struct cmd_args *a)
{
        return run_exec(a, VZ_EXEC_SHELL, true);
}

int cmd_exec3(struct cmd_args *a)
{
        return run_exec(a, VZ_EXEC_ARGV, true);
}

int cmd_runscript(struct cmd_args *a)
{
        char *argv[2] = {NULL, NULL};
        vz_err e = {0};
        vz_ct *ct;
        int fd, r, st = 0;

        if (a->argc != 1)
                return usage_error("runscript: usage: vzctl runscript CTID SCRIPT");
        /* The script is read on the host and fed to the CT's shell. */
        fd = open(a->argv[0], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                tool_error("cannot open script %s: %s", a->argv[0], strerror(errno));
                return VZ_E_NOSCRIPT;
        }
        r = open_ct(a, &ct, true);
        if (r) {
                close(fd);
                return r;
        }
        dup2(fd, STDIN_FILENO);
        close(fd);
        r = vz_ct_exec(ct, argv, VZ_EXEC_SHELL, &st, &e);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u", a->ctid);
        if (e.msg[0])
                tool_error("%s", e.msg);
        return st ? VZ_E_EXEC : 0;
}

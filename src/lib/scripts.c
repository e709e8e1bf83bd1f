/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host-side action scripts ($VZ_CONFDIR/conf/{vps,CTID}.{premount,mount,...}),
 * run in OpenVZ's order with VEID and VE_CONFFILE in the environment. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ctx.h"
#include "err.h"
#include "log.h"
#include "scripts.h"
#include "util.h"

static int run_one(const vz_ct *ct, const char *path, vz_err *e)
{
        char veid[16];
        struct stat st;
        pid_t pid;
        int status;

        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                return 0;
        snprintf(veid, sizeof(veid), "%u", ct->id);
        pid = fork();
        if (pid < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "fork: %s", strerror(errno));
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null >= 0)
                        dup2(null, STDIN_FILENO);
                setenv("VEID", veid, 1);
                setenv("VE_CONFFILE", ct->conf_path, 1);
                /* A script without the exec bit is still run, by sh. */
                if (access(path, X_OK) == 0)
                        execl(path, path, (char *)NULL);
                else
                        execl("/bin/sh", "sh", path, (char *)NULL);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return vz_fail(e, VZ_E_SYSTEM, -errno, "waitpid: %s", strerror(errno));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return vz_fail(e, VZ_E_ACTIONSCRIPT, -ECANCELED, "action script %s failed (%s %d)",
                               path, WIFEXITED(status) ? "exit" : "signal",
                               WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return 0;
}

int vz_run_action_scripts(const vz_ct *ct, const char *action, bool ct_first, vz_err *e)
{
        _cleanup_free_ char *global = vz_strdupf("%s/conf/vps.%s", ct->ctx->confdir, action);
        _cleanup_free_ char *own = vz_strdupf("%s/conf/%u.%s", ct->ctx->confdir, ct->id, action);
        int r;

        if (!global || !own)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = run_one(ct, ct_first ? own : global, e);
        if (r < 0)
                return r;
        return run_one(ct, ct_first ? global : own, e);
}

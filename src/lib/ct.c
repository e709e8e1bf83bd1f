/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CT handle: a CT's merged configuration, its paths and its state.
 * Below storage, net and runtime, which read it; the operations on a CT
 * (ct-mount.c, ct-set.c, create.c) sit above them. */
#include <sys/stat.h>

#include "ctx.h"
#include "err.h"
#include "util.h"

_public_ int vz_ct_open(vz_ctx *ctx, unsigned ctid, vz_ct **ret, vz_err *e)
{
        vz_ct *ct;
        int r;

        ct = calloc(1, sizeof(*ct));
        if (!ct)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        ct->ctx = ctx;
        ct->id = ctid;
        ct->conf_path = vz_strdupf("%s/conf/%u.conf", ctx->confdir, ctid);
        if (!ct->conf_path) {
                vz_ct_free(ct);
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        r = vz_conffile_load(ct->conf_path, &ct->conf, NULL);
        if (r == -ENOENT)
                ct->conf = vz_conffile_new();
        else if (r < 0) {
                vz_ct_free(ct);
                return vz_fail(e, VZ_E_NOVECONFIG, r, "cannot read CT config %s: %s", ct->conf_path,
                               strerror(-r));
        } else
                ct->has_config = true;
        if (!ct->conf || vz_ct_refresh_paths(ct) < 0) {
                vz_ct_free(ct);
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        *ret = ct;
        return 0;
}

_public_ void vz_ct_free(vz_ct *ct)
{
        if (!ct)
                return;
        vz_conffile_free(ct->conf);
        free(ct->conf_path);
        free(ct->private_path);
        free(ct->root_path);
        free(ct);
}

_public_ unsigned vz_ct_id(const vz_ct *ct)
{
        return ct->id;
}

_public_ bool vz_ct_has_config(const vz_ct *ct)
{
        return ct->has_config;
}

_public_ const char *vz_ct_get(const vz_ct *ct, const char *name)
{
        const char *v = vz_conffile_get(ct->conf, name);
        return v ? v : vz_ctx_get(ct->ctx, name);
}

_public_ const char *vz_ct_private(const vz_ct *ct)
{
        return ct->private_path;
}

_public_ const char *vz_ct_root(const vz_ct *ct)
{
        return ct->root_path;
}

_public_ const char *vz_ct_conf_path(const vz_ct *ct)
{
        return ct->conf_path;
}

static char *expand_path(const char *v, unsigned ctid)
{
        char *s;
        if (isempty(v))
                return NULL;
        s = vz_expand_veid(v, ctid);
        return s ? vz_strip_trailing_slash(s) : NULL;
}

int vz_ct_refresh_paths(vz_ct *ct)
{
        const char *p = vz_ct_get(ct, "VE_PRIVATE"), *r = vz_ct_get(ct, "VE_ROOT");

        free(ct->private_path);
        free(ct->root_path);
        ct->private_path = expand_path(p, ct->id);
        ct->root_path = expand_path(r, ct->id);
        if ((!isempty(p) && !ct->private_path) || (!isempty(r) && !ct->root_path))
                return -ENOMEM;
        return 0;
}

/* Runtime state lives in VZ_RUNDIR/<ctid>.pid: the supervisor's PID. */
static bool ct_is_running(const vz_ct *ct)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        const char *rundir = vz_ct_get(ct, "VZ_RUNDIR");

        if (isempty(rundir))
                return false;
        path = vz_strdupf("%s/%u.pid", rundir, ct->id);
        if (!path || vz_read_file(path, 64, &buf, NULL) < 0)
                return false;
        return vz_pid_alive((pid_t)atoi(buf));
}

static char *dump_path(const vz_ct *ct)
{
        const char *d = vz_ct_get(ct, "DUMPDIR");
        return isempty(d) ? NULL : vz_strdupf("%s/Dump.%u", d, ct->id);
}

/* Something is mounted on VE_ROOT, or VE_ROOT is VE_PRIVATE bound there
 * (the simfs test, storage's vz_simfs_is_mounted, which sits above). */
static bool root_is_mounted(const vz_ct *ct)
{
        struct stat a, b;

        if (vz_is_mountpoint(ct->root_path) > 0)
                return true;
        return stat(ct->private_path, &a) == 0 && stat(ct->root_path, &b) == 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

_public_ int vz_ct_get_state(vz_ct *ct, vz_ct_state *ret, vz_err *e)
{
        vz_ct_state s = {0};
        struct stat st;

        s.exists = ct->has_config && ct->private_path && stat(ct->private_path, &st) == 0;
        s.mounted = ct->private_path && ct->root_path && root_is_mounted(ct);
        s.running = ct_is_running(ct);
        if (s.exists && !s.running) {
                _cleanup_free_ char *d = dump_path(ct);
                s.suspended = d && access(d, F_OK) == 0;
        }
        *ret = s;
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <unistd.h>

#include "vz-build.h"
#include "ctx.h"
#include "err.h"
#include "util.h"

_public_ int vz_ctx_new(vz_ctx **ret, vz_err *e)
{
        vz_ctx *ctx;
        const char *dir = getenv("VZ_CONFDIR");
        _cleanup_free_ char *path = NULL;
        int r;

        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        ctx->ip_lock_fd = -1;
        ctx->confdir = strdup(isempty(dir) ? VZ_DEFAULT_CONFDIR : dir);
        if (!ctx->confdir) {
                vz_ctx_free(ctx);
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        vz_strip_trailing_slash(ctx->confdir);
        path = vz_ctx_path(ctx, "vz.conf");
        r = path ? vz_conffile_load(path, &ctx->global, NULL) : -ENOMEM;
        if (r < 0) {
                vz_ctx_free(ctx);
                return vz_fail_replace(e, VZ_E_NOCONFIG, r, "global configuration file %s: %s",
                                       path ? path : "vz.conf", strerror(-r));
        }
        *ret = ctx;
        return 0;
}

_public_ void vz_ctx_free(vz_ctx *ctx)
{
        if (!ctx)
                return;
        if (ctx->ip_lock_fd >= 0)
                close(ctx->ip_lock_fd);
        vz_conffile_free(ctx->global);
        free(ctx->confdir);
        free(ctx);
}

_public_ const char *vz_ctx_confdir(const vz_ctx *ctx)
{
        return ctx->confdir;
}

_public_ const char *vz_ctx_get(const vz_ctx *ctx, const char *name)
{
        const char *v = vz_conffile_get(ctx->global, name);
        return v ? v : vz_param_default(name);
}

char *vz_ctx_path(const vz_ctx *ctx, const char *rel)
{
        return vz_strdupf("%s/%s", ctx->confdir, rel);
}

char *vz_ctx_path_param(const vz_ctx *ctx, const char *name, unsigned ctid)
{
        const char *v = vz_ctx_get(ctx, name);
        char *s;

        if (isempty(v))
                return NULL;
        s = vz_expand_veid(v, ctid);
        return s ? vz_strip_trailing_slash(s) : NULL;
}

/* ------------------------------------------------------------------ the CT handle */
/* A CT's handle: its id, merged configuration and paths (what every layer
 * reads; the operations on a CT are in ct.c and above). */

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
bool vz_ct_supervised(const vz_ct *ct)
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

_public_ const char *vz_version(void)
{
        return VZ_VERSION;
}

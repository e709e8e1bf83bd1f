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

_public_ const char *vz_version(void)
{
        return VZ_VERSION;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <string.h>

#include "err.h"
#include "util.h"

_printf_(5, 0) static int fail_v(vz_err *e, bool replace, int vzcode, int r, const char *fmt,
                                 va_list ap)
{
        if (r > 0)
                r = -r;
        if (r == 0)
                r = -EINVAL;
        if (!e)
                return r;
        if (replace || e->msg[0] == '\0') {
                vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
                e->code = vzcode;
                e->errnum = -r;
        }
        return r;
}

int vz_fail(vz_err *e, int vzcode, int r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        r = fail_v(e, false, vzcode, r, fmt, ap);
        va_end(ap);
        return r;
}

int vz_fail_replace(vz_err *e, int vzcode, int r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        r = fail_v(e, true, vzcode, r, fmt, ap);
        va_end(ap);
        return r;
}

int vz_err_prefix(vz_err *e, int r, const char *fmt, ...)
{
        char ctx[sizeof(e->msg)], inner[sizeof(e->msg)];
        va_list ap;

        if (r > 0)
                r = -r;
        if (r == 0)
                r = -EINVAL;
        if (!e)
                return r;
        va_start(ap, fmt);
        vsnprintf(ctx, sizeof(ctx), fmt, ap);
        va_end(ap);
        if (e->msg[0] == '\0') {
                snprintf(inner, sizeof(inner), "%s", strerror(-r));
                e->errnum = -r;
                if (!e->code)
                        e->code = VZ_E_SYSTEM;
        } else
                memcpy(inner, e->msg, sizeof(inner));
        /* The context already leads (a retry, or two layers naming the same
         * step): said once. */
        if (vz_startswith(inner, ctx) && inner[strlen(ctx)] == ':')
                return r;
        snprintf(e->msg, sizeof(e->msg), "%s: %s", ctx, inner);
        return r;
}

void vz_err_clear(vz_err *e)
{
        if (e)
                memset(e, 0, sizeof(*e));
}

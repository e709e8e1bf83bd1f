/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static vz_log_fn log_fn;
static void *log_userdata;

_public_ void vz_set_log(vz_log_fn fn, void *userdata)
{
        log_fn = fn;
        log_userdata = userdata;
}

void vz_log(int level, const char *fmt, ...)
{
        char buf[2048];
        va_list ap;

        if (!log_fn)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        log_fn(level, buf, log_userdata);
}

void vz_get_log(vz_log_fn *ret_fn, void **ret_userdata)
{
        *ret_fn = log_fn;
        *ret_userdata = log_userdata;
}

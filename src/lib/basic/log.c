/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

/* The process's log hook: set by the program at start-up, read by every
 * thread (atomically; the pair is consistent if it is set before other
 * threads log, as vz.h asks). */
static vz_log_fn log_fn;
static void *log_userdata;

_public_ void vz_set_log(vz_log_fn fn, void *userdata)
{
        __atomic_store_n(&log_userdata, userdata, __ATOMIC_RELAXED);
        __atomic_store_n(&log_fn, fn, __ATOMIC_RELEASE);
}

void vz_log(int level, const char *fmt, ...)
{
        vz_log_fn fn = __atomic_load_n(&log_fn, __ATOMIC_ACQUIRE);
        char buf[2048];
        va_list ap;

        if (!fn)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        fn(level, buf, __atomic_load_n(&log_userdata, __ATOMIC_RELAXED));
}

void vz_get_log(vz_log_fn *ret_fn, void **ret_userdata)
{
        *ret_fn = __atomic_load_n(&log_fn, __ATOMIC_ACQUIRE);
        *ret_userdata = __atomic_load_n(&log_userdata, __ATOMIC_RELAXED);
}

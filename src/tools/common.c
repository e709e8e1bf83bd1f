/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

const char *program_name = "vz";
int tool_verbosity;

static void log_to_stderr(int level, const char *msg, void *userdata)
{
        (void)userdata;
        if (tool_verbosity < 0 && level > VZ_LOG_ERR)
                return;
        if (level >= VZ_LOG_INFO && level - VZ_LOG_INFO >= tool_verbosity + 1)
                return;
        if (level == VZ_LOG_WARN)
                fprintf(stderr, "WARNING: %s\n", msg);
        else
                fprintf(stderr, "%s\n", msg);
}

void tool_init(const char *name)
{
        program_name = name;
        vz_set_log(log_to_stderr, NULL);
}

int tool_fail(const vz_err *e, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", program_name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        if (e && e->msg[0])
                fprintf(stderr, ": %s", e->msg);
        else if (e && e->errnum)
                fprintf(stderr, ": %s", strerror(e->errnum));
        fputc('\n', stderr);
        if (e && e->code > 0)
                return e->code;
        return VZ_E_SYSTEM;
}

void tool_error(const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", program_name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

void tool_msg(const char *fmt, ...)
{
        va_list ap;

        if (tool_verbosity < 0)
                return;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        /* Keep order with output of hooks and child processes. */
        fflush(stdout);
}

void tool_progress(uint64_t done, uint64_t total, void *label)
{
        if (tool_verbosity < 0 || !isatty(STDERR_FILENO))
                return;
        if (total > 0)
                fprintf(stderr, "\r%s: %3u%% (%u/%u MiB)", (const char *)label,
                        (unsigned)(done * 100 / total), (unsigned)(done >> 20),
                        (unsigned)(total >> 20));
        else
                fprintf(stderr, "\r%s: %u MiB", (const char *)label, (unsigned)(done >> 20));
        if (total > 0 && done >= total)
                fputc('\n', stderr);
        fflush(stderr);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Assertion helpers shared by the unit tests: every failed check is printed
 * (with an optional printf-style note) and counted, and the program exits
 * non-zero at the end (check_result). */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_failures;

__attribute__((format(printf, 4, 5))) static inline void
check_failed(const char *file, int line, const char *cond, const char *fmt, ...)
{
        va_list ap;

        /* fmt is " " followed by the caller's note, if any. */
        check_failures++;
        fprintf(stderr, "%s:%d: FAILED: %s%s", file, line, cond, fmt[1] ? ":" : "");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* CHECK(cond) or CHECK(cond, "note %d", x) */
#define CHECK(cond, ...)                                                                           \
        do {                                                                                       \
                if (!(cond))                                                                       \
                        check_failed(__FILE__, __LINE__, #cond, " " __VA_ARGS__);                  \
        } while (0)

#define CHECK_STREQ(a, b)                                                                          \
        do {                                                                                       \
                const char *_a = (a), *_b = (b);                                                   \
                CHECK(_a &&_b &&strcmp(_a, _b) == 0, "'%s' != '%s'", _a ? _a : "(null)",           \
                      _b ? _b : "(null)");                                                         \
        } while (0)

static inline int check_result(const char *name)
{
        if (check_failures) {
                fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
                return 1;
        }
        printf("%s: all checks passed\n", name);
        return 0;
}

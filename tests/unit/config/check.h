/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Minimal assertion helpers for the config unit tests: every failed check is
 * printed and counted, and the program exits non-zero at the end. */
#pragma once

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond, ...)                                                                           \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        check_failures++;                                                          \
                        fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond);         \
                        fprintf(stderr, __VA_ARGS__);                                              \
                        fputc('\n', stderr);                                                       \
                }                                                                                  \
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

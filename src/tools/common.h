/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every tool shares: logging to the terminal and error reporting. */
#pragma once

#include <stdbool.h>
#include <vz/vz.h>

extern const char *program_name;
extern int tool_verbosity; /* 0 normal, -1 quiet, >0 verbose */

/* Install the library log hook printing to stderr according to verbosity. */
void tool_init(const char *name);
/* Print "<prog>: <what>: <err->msg>" and return the exit code to use. */
int tool_fail(const vz_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "<prog>: <msg>" to stderr. */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print to stdout unless quiet. */
void tool_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress line on a terminal (stderr is a tty and not quiet); nothing when piped. */
void tool_progress(uint64_t done, uint64_t total, void *label);

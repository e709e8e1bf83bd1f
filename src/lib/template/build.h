/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal interface between cache.c (writer, packing, finishing a tree)
 * and the tree builders (build.c) and script sandbox (sandbox.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <vz/vz.h>

#include "meta.h"

typedef void (*line_fn)(const char *line, void *userdata);
/* Feed each line read from fd (newline stripped) to fn, if any, until
 * EOF; fd is closed. */
void tmpl_feed_lines(int fd, line_fn fn, void *userdata);

/* Run argv (PATH lookup) with envp (NULL: ours), stdin from /dev/null,
 * feeding each line of its stdout (and stderr if merge_stderr) to fn.
 * Returns the exit status (>= 0) or -errno if it could not be run. */
int tmpl_run_program(char *const argv[], char *const envp[], bool merge_stderr, line_fn fn,
                     void *userdata);

/* The last lines of a program's output, for error messages. */
struct tmpl_log {
        const char *prefix;
        char *tail[8];
        size_t n;
};
void tmpl_log_line(const char *line, void *userdata);
/* " | line | line | line" of the last three lines (into buf). */
const char *tmpl_log_tail(const struct tmpl_log *l, char *buf, size_t size);
void tmpl_log_done(struct tmpl_log *l);

/* Run a metadata script as root of a new user namespace (identity mapped)
 * with root as its / (pivot_root, the host's tree detached), in new mount,
 * PID, IPC and UTS namespaces; /proc, /dev (null, zero, full, random,
 * urandom, tty), /tmp and /run are its own. The script is fed to "sh -s":
 * the root's /bin/sh, or with use_busybox the host's static busybox (the
 * root may still be empty). Returns the exit status (>= 0) or -errno. */
int tmpl_run_script(const char *root, const char *script, size_t len, bool use_busybox,
                    char *const envp[], line_fn fn, void *userdata);

/* Build a root file system for m into root (an empty directory), aux (a
 * private directory beside it) for the package manager's files. */
int tmpl_build_tree(vz_ctx *ctx, const char *name, const struct tmpl_meta *m,
                    const vz_cache_opts *opts, const char *root, const char *aux, vz_err *e);

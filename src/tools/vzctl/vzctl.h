/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzctl's parts: main.c holds the global flags and the command table that
 * drives both the dispatch and `vzctl --help`; each other file holds one
 * command or one family of them, and each command parses its own options
 * and makes one library call. Exit codes are OpenVZ's (include/vzerror.h).
 */
#pragma once

#include <stdbool.h>

#include "common.h"

/* What a command gets: the CT resolved, and the options after the CTID. */
struct cmd_args {
        vz_ctx *ctx;
        const char *cmd; /* the command's name as typed (an alias too) */
        const char *id_arg;
        unsigned ctid;
        int argc;
        char **argv;
};

/* --wait-lock: 0 = fail at once, -1 = forever, N = seconds. */
extern int opt_wait_lock;

/* options.c: what several commands share. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool is_wait_lock(const char *arg);
/* --wait-lock[=SEC], accepted among any command's options: 0 or -EINVAL. */
int parse_wait_lock(const char *arg);
/* A command without options but --wait-lock. */
int no_options(struct cmd_args *a);
/* Open the CT; with need_config, "does not exist" unless it has a config. */
int open_ct(struct cmd_args *a, vz_ct **ct, bool need_config);

/*
 * Parse "--opt value" / "--opt=value" pairs into a change set. Options the
 * command handles itself are offered to `special` first (returns 1 if it
 * consumed the option, 2 if it consumed the option and its value, <0 error).
 */
typedef int (*special_fn)(const char *opt, const char *val, void *userdata);
int parse_param_options(int argc, char **argv, vz_changes *ch, special_fn special, void *userdata);

/* The commands, one per row of main.c's table, by file. */
int cmd_create(struct cmd_args *a); /* create.c */
int cmd_destroy(struct cmd_args *a);

int cmd_mount(struct cmd_args *a); /* mount.c */
int cmd_umount(struct cmd_args *a);
int cmd_status(struct cmd_args *a);

int cmd_convert(struct cmd_args *a); /* layout.c */
int cmd_compact(struct cmd_args *a);

int cmd_set(struct cmd_args *a); /* set.c */

int cmd_start(struct cmd_args *a); /* run.c */
int cmd_stop(struct cmd_args *a);
int cmd_restart(struct cmd_args *a);

int cmd_exec(struct cmd_args *a); /* exec.c */
int cmd_exec2(struct cmd_args *a);
int cmd_exec3(struct cmd_args *a);
int cmd_runscript(struct cmd_args *a);

int cmd_enter(struct cmd_args *a); /* terminal.c */
int cmd_console(struct cmd_args *a);

int cmd_chkpnt(struct cmd_args *a); /* cpt.c */
int cmd_restore(struct cmd_args *a);

int cmd_snapshot(struct cmd_args *a); /* snapshot.c */
int cmd_snapshot_list(struct cmd_args *a);
int cmd_snapshot_switch(struct cmd_args *a);
int cmd_snapshot_delete(struct cmd_args *a);
int cmd_snapshot_mount(struct cmd_args *a);
int cmd_snapshot_umount(struct cmd_args *a);

/* cpt.c: `vzctl --version -v`, the criu checkpoints use and its check. */
int print_criu_info(void);

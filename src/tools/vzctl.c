/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzctl: OpenVZ's CT control tool. Global flags, then a dispatch table with
 * one function per command; each parses its own options and makes one
 * library call. Exit codes are OpenVZ's (include/vzerror.h numbers).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

struct cmd_args {
        vz_ctx *ctx;
        const char *cmd;
        const char *id_arg;
        unsigned ctid;
        int argc; /* options after the CTID */
        char **argv;
};

static bool opt_skiplock;
static int opt_wait_lock; /* 0 = fail at once, -1 = forever, N = seconds */

struct command {
        const char *name;
        bool lock;      /* takes the per-CT lock */
        bool ct0_ok;    /* allowed on CT 0 */
        int (*run)(struct cmd_args *a);
        const char *usage;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
        va_list ap;
        fprintf(stderr, "%s: ", program_name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\n", stderr);
        return VZ_E_SYNTAX;
}

/* --wait-lock[=SEC], accepted among any command's options. */
static int parse_wait_lock(const char *arg)
{
        const char *eq;
        char *end;
        long v;

        if (strcmp(arg, "--wait-lock") == 0) {
                opt_wait_lock = -1;
                return 0;
        }
        eq = arg + strlen("--wait-lock=");
        errno = 0;
        v = strtol(eq, &end, 10);
        if (errno || *end || end == eq || v < 0 || v > 86400 * 365)
                return -EINVAL;
        opt_wait_lock = v == 0 ? -1 : (int)v;
        return 0;
}

static bool is_wait_lock(const char *arg)
{
        return strcmp(arg, "--wait-lock") == 0 || strncmp(arg, "--wait-lock=", 12) == 0;
}

/*
 * Parse "--opt value" / "--opt=value" pairs into a change set. Options the
 * command handles itself are offered to `special` first (returns 1 if it
 * consumed the option, 2 if it consumed the option and its value, <0 error).
 */
typedef int (*special_fn)(const char *opt, const char *val, void *userdata);

static int parse_param_options(int argc, char **argv, vz_changes *ch, special_fn special,
                               void *userdata)
{
        vz_err e = {0};

        for (int i = 0; i < argc; i++) {
                char *arg = argv[i], *eq, *name;
                const char *val = NULL;
                const vz_param_info *p;
                bool inline_val = false;
                int r;

                if (is_wait_lock(arg)) {
                        if (parse_wait_lock(arg) < 0)
                                return usage_error("invalid value for --wait-lock: %s", arg);
                        continue;
                }
                if (strncmp(arg, "--", 2) != 0 && !(arg[0] == '-' && arg[1] && !arg[2]))
                        return usage_error("invalid argument: %s", arg);
                name = strdup(arg + (arg[1] == '-' ? 2 : 1));
                if (!name)
                        return VZ_E_RESOURCE;
                eq = strchr(name, '=');
                if (eq) {
                        *eq = '\0';
                        val = arg + (arg[1] == '-' ? 2 : 1) + (eq - name) + 1;
                        inline_val = true;
                }
                if (special) {
                        const char *next = inline_val ? val : (i + 1 < argc ? argv[i + 1] : NULL);
                        r = special(name, next, userdata);
                        if (r < 0) {
                                free(name);
                                return -r;
                        }
                        if (r > 0) {
                                if (r == 2 && !inline_val)
                                        i++;
                                free(name);
                                continue;
                        }
                }
                p = vz_param_by_option(name);
                if (!p) {
                        usage_error("invalid option: %s", arg);
                        free(name);
                        return VZ_E_SYNTAX;
                }
                if (p->arg && !inline_val) {
                        if (i + 1 >= argc) {
                                usage_error("option %s requires an argument", arg);
                                free(name);
                                return VZ_E_SYNTAX;
                        }
                        val = argv[++i];
                }
                r = vz_changes_add(ch, name, p->arg ? val : NULL, &e);
                free(name);
                if (r < 0)
                        return tool_fail(&e, "bad parameter %s", arg);
        }
        return 0;
}

/* ------------------------------------------------------------------ create */

struct create_special {
        vz_create_opts *opts;
};

static int create_special(const char *opt, const char *val, void *userdata)
{
        struct create_special *c = userdata;

        if (strcmp(opt, "ostemplate") == 0 || strcmp(opt, "config") == 0) {
                if (!val || !*val) {
                        usage_error("option --%s requires an argument", opt);
                        return -VZ_E_SYNTAX;
                }
                if (opt[0] == 'o')
                        c->opts->ostemplate = val;
                else
                        c->opts->sample = val;
                return 2;
        }
        return 0;
}

static int cmd_create(struct cmd_args *a)
{
        vz_create_opts opts = {.progress = tool_progress, .userdata = (void *)"Unpacking"};
        struct create_special cs = {.opts = &opts};
        vz_changes *ch = NULL;
        vz_err e = {0};
        vz_ct *ct = NULL;
        int r;

        if (vz_changes_new(&ch) < 0)
                return VZ_E_RESOURCE;
        r = parse_param_options(a->argc, a->argv, ch, create_special, &cs);
        if (r) {
                vz_changes_free(ch);
                return r;
        }
        /* Refuse early if the CT already exists, before any work. */
        if (vz_ct_open(a->ctx, a->ctid, &ct, &e) == 0) {
                vz_ct_state st;
                if (vz_ct_get_state(ct, &st, NULL) == 0 && st.exists) {
                        vz_ct_free(ct);
                        vz_changes_free(ch);
                        tool_error("CT %u: container already exists", a->ctid);
                        return VZ_E_FS_PRVT_EXIST;
                }
                vz_ct_free(ct);
        }
        tool_msg("Creating container private area (%s)\n",
                 opts.ostemplate ? opts.ostemplate : "default template");
        r = vz_ct_create(a->ctx, a->ctid, &opts, ch, &e);
        vz_changes_free(ch);
        if (r < 0)
                return tool_fail(&e, "CT %u: cannot create", a->ctid);
        tool_msg("Container private area was created\n");
        return 0;
}

/* ------------------------------------------------------------------ destroy, mount */

static int open_ct(struct cmd_args *a, vz_ct **ct, bool need_config)
{
        vz_err e = {0};

        if (vz_ct_open(a->ctx, a->ctid, ct, &e) < 0)
                return tool_fail(&e, "CT %u", a->ctid);
        if (need_config && !vz_ct_has_config(*ct)) {
                tool_error("CT %u: container does not exist (no %s)", a->ctid,
                           vz_ct_conf_path(*ct));
                vz_ct_free(*ct);
                *ct = NULL; /* callers free it on their error path too */
                return VZ_E_NOVECONFIG;
        }
        return 0;
}

static int no_options(struct cmd_args *a)
{
        for (int i = 0; i < a->argc; i++) {
                if (is_wait_lock(a->argv[i])) {
                        if (parse_wait_lock(a->argv[i]) < 0)
                                return usage_error("invalid value: %s", a->argv[i]);
                        continue;
                }
                return usage_error("invalid option for %s: %s", a->cmd, a->argv[i]);
        }
        return 0;
}

static int cmd_destroy(struct cmd_args *a)
{
        vz_err e = {0};
        vz_ct *ct;
        int r;

        r = no_options(a);
        if (r)
                return r;
        r = open_ct(a, &ct, false);
        if (r)
                return r;
        tool_msg("Destroying container private area: %s\n", vz_ct_private(ct));
        r = vz_ct_destroy(ct, &e);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u: cannot destroy", a->ctid);
        tool_msg("Container private area was destroyed\n");
        return 0;
}

static int mount_or_umount(struct cmd_args *a, bool mount)
{
        unsigned flags = 0;
        vz_err e = {0};
        vz_ct *ct;
        int r;

        /* mount CTID [--skip-fsck] */
        if (mount && a->argc > 0 && strcmp(a->argv[0], "--skip-fsck") == 0) {
                flags |= VZ_MOUNT_SKIP_FSCK;
                a->argc--;
                a->argv++;
        }
        r = no_options(a);
        if (r)
                return r;
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        r = mount ? vz_ct_mount_flags(ct, flags, &e) : vz_ct_umount(ct, &e);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u: cannot %s", a->ctid, mount ? "mount" : "unmount");
        tool_msg(!mount ? "Container is unmounted\n"
                 : r == 1 ? "Container is already mounted\n"
                          : "Container is mounted\n");
        return 0;
}

static int cmd_mount(struct cmd_args *a)
{
        return mount_or_umount(a, true);
}

static int cmd_umount(struct cmd_args *a)
{
        return mount_or_umount(a, false);
}

static int cmd_status(struct cmd_args *a)
{
        vz_ct_state st;
        vz_err e = {0};
        vz_ct *ct;
        int r;

        r = no_options(a);
        if (r)
                return r;
        r = open_ct(a, &ct, false);
        if (r)
                return r;
        r = vz_ct_get_state(ct, &st, &e);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u", a->ctid);
        /* Exactly OpenVZ's one line; status is printed even with --quiet. */
        printf("CTID %u %s %s %s%s\n", a->ctid, st.exists ? "exist" : "deleted",
               st.mounted ? "mounted" : "unmounted", st.running ? "running" : "down",
               st.suspended ? " suspended" : "");
        return 0;
}

/* ------------------------------------------------------------------ set */

struct set_special {
        unsigned flags;
        const char *apply_sample;
        const char *setmode;
        const char *userpasswd;
};

static int set_special(const char *opt, const char *val, void *userdata)
{
        struct set_special *s = userdata;

        if (strcmp(opt, "save") == 0) {
                s->flags |= VZ_SET_SAVE;
                return 1;
        }
        if (strcmp(opt, "force") == 0) {
                s->flags |= VZ_SET_FORCE;
                return 1;
        }
        if (strcmp(opt, "userpasswd") == 0) {
                if (!val || !*val) {
                        usage_error("option --userpasswd requires user:password");
                        return -VZ_E_SYNTAX;
                }
                s->userpasswd = val;
                return 2;
        }
        if (strcmp(opt, "applyconfig") == 0 || strcmp(opt, "setmode") == 0) {
                if (!val || !*val) {
                        usage_error("option --%s requires an argument", opt);
                        return -VZ_E_SYNTAX;
                }
                if (opt[0] == 'a')
                        s->apply_sample = val;
                else if (strcmp(val, "restart") == 0 || strcmp(val, "ignore") == 0)
                        s->setmode = val;
                else {
                        usage_error("invalid --setmode %s: use restart or ignore", val);
                        return -VZ_E_SYNTAX;
                }
                return 2;
        }
        return 0;
}

static int cmd_set(struct cmd_args *a)
{
        struct set_special ss = {0};
        vz_changes *ch = NULL;
        vz_err e = {0};
        vz_ct *ct = NULL;
        int r;

        if (vz_changes_new(&ch) < 0)
                return VZ_E_RESOURCE;
        r = parse_param_options(a->argc, a->argv, ch, set_special, &ss);
        if (r)
                goto out;
        if ((ss.flags & VZ_SET_FORCE) && !(ss.flags & VZ_SET_SAVE)) {
                r = usage_error("--force can be used only with --save");
                goto out;
        }
        if (ss.setmode && strcmp(ss.setmode, "restart") == 0 && !(ss.flags & VZ_SET_SAVE)) {
                r = usage_error("--setmode restart can be used only with --save");
                goto out;
        }
        if (vz_changes_count(ch) == 0 && !ss.apply_sample && !ss.userpasswd) {
                r = usage_error("set: no parameters given");
                goto out;
        }
        r = open_ct(a, &ct, true);
        if (r)
                goto out;
        if (vz_changes_count(ch) > 0 || ss.apply_sample) {
                r = vz_ct_set(ct, ch, ss.apply_sample, ss.flags, &e);
                if (r < 0) {
                        r = tool_fail(&e, "CT %u: cannot set parameters", a->ctid);
                        goto out;
                }
                if (r == 1)
                        tool_msg("No changes in CT configuration, not saving\n");
                else if (ss.flags & VZ_SET_SAVE)
                        tool_msg("Saved parameters for CT %u\n", a->ctid);
                else
                        fprintf(stderr, "WARNING: Settings were not saved to config "
                                        "(use --save flag)\n");
        }
        /* The password is never saved in the config (OpenVZ ignores --save). */
        if (ss.userpasswd) {
                vz_err pe = {0};
                if (vz_ct_set_userpasswd(ct, ss.userpasswd, &pe) < 0) {
                        r = tool_fail(&pe, "CT %u: cannot change the password", a->ctid);
                        goto out;
                }
                tool_msg("Password for the user %.*s is changed\n",
                         (int)strcspn(ss.userpasswd, ":"), ss.userpasswd);
        }
        r = 0;
out:
        vz_ct_free(ct);
        vz_changes_free(ch);
        return r;
}

/* ------------------------------------------------------------------ start, stop */

struct run_opts {
        unsigned start_flags, stop_flags;
        int wait_sec;
};

static int parse_run_opts(struct cmd_args *a, struct run_opts *o, bool start, bool stop)
{
        for (int i = 0; i < a->argc; i++) {
                const char *s = a->argv[i];
                if (is_wait_lock(s))
                        continue; /* handled before locking */
                if (start && strcmp(s, "--wait") == 0)
                        o->start_flags |= VZ_START_WAIT;
                else if (start && strncmp(s, "--wait=", 7) == 0) {
                        o->start_flags |= VZ_START_WAIT;
                        o->wait_sec = atoi(s + 7);
                } else if (start && strcmp(s, "--force") == 0)
                        o->start_flags |= VZ_START_FORCE;
                else if (start && strcmp(s, "--skip-fsck") == 0)
                        o->start_flags |= VZ_START_SKIP_FSCK;
                else if (start && strcmp(s, "--skip-remount") == 0)
                        ; /* accepted for compatibility: nothing to remount */
                else if (stop && strcmp(s, "--fast") == 0)
                        o->stop_flags |= VZ_STOP_FAST;
                else if (stop && strcmp(s, "--skip-umount") == 0)
                        o->stop_flags |= VZ_STOP_SKIP_UMOUNT;
                else
                        return usage_error("invalid option for %s: %s", a->cmd, s);
        }
        return 0;
}

static int do_start(struct cmd_args *a, vz_ct *ct, const struct run_opts *o)
{
        vz_err e = {0};

        tool_msg("Starting container...\n");
        if (vz_ct_start(ct, o->start_flags, o->wait_sec, &e) < 0)
                return tool_fail(&e, "CT %u: cannot start", a->ctid);
        tool_msg("Container is mounted\nContainer start in progress...\n");
        return 0;
}

static int do_stop(struct cmd_args *a, vz_ct *ct, const struct run_opts *o)
{
        vz_err e = {0};
        int r;

        tool_msg("Stopping container ...\n");
        r = vz_ct_stop(ct, o->stop_flags, &e);
        if (r < 0)
                return tool_fail(&e, "CT %u: cannot stop", a->ctid);
        if (r == 1) {
                tool_msg("Unable to stop: container is not running\n");
                return 0;
        }
        tool_msg("Container was stopped\n");
        if (!(o->stop_flags & VZ_STOP_SKIP_UMOUNT))
                tool_msg("Container is unmounted\n");
        return 0;
}

/* start and stop: options, the CT, one call. */
static int start_or_stop(struct cmd_args *a, bool start)
{
        struct run_opts o = {0};
        vz_ct *ct;
        int r;

        r = parse_run_opts(a, &o, start, !start);
        if (r)
                return r;
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        r = start ? do_start(a, ct, &o) : do_stop(a, ct, &o);
        vz_ct_free(ct);
        return r;
}

static int cmd_start(struct cmd_args *a)
{
        return start_or_stop(a, true);
}

static int cmd_stop(struct cmd_args *a)
{
        return start_or_stop(a, false);
}

static int cmd_restart(struct cmd_args *a)
{
        struct run_opts o = {0};
        vz_ct_state st;
        vz_ct *ct;
        int r;

        r = parse_run_opts(a, &o, true, true);
        if (r)
                return r;
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        vz_ct_get_state(ct, &st, NULL);
        if (st.running)
                r = do_stop(a, ct, &o);
        if (r == 0) {
                /* Re-read: the stop unmounted and the state changed. */
                vz_ct_free(ct);
                r = open_ct(a, &ct, true);
                if (r)
                        return r;
                r = do_start(a, ct, &o);
        }
        vz_ct_free(ct);
        return r;
}

/* ------------------------------------------------------------------ exec */

/* OpenVZ joins all arguments with spaces (an empty one becomes '') and
 * hands the line to bash -c. */
static char *join_args(int argc, char **argv)
{
        size_t len = 1;
        char *s, *p;

        for (int i = 0; i < argc; i++)
                len += strlen(argv[i]) + 3;
        s = p = malloc(len);
        if (!s)
                return NULL;
        *p = '\0';
        for (int i = 0; i < argc; i++) {
                if (i)
                        *p++ = ' ';
                p = stpcpy(p, argv[i][0] ? argv[i] : "''");
        }
        return s;
}

static int run_exec(struct cmd_args *a, int mode, bool exec2)
{
        char *line = NULL, *one[2] = {NULL, NULL};
        vz_err e = {0};
        vz_ct *ct;
        int r, st = 0;

        if (a->argc < 1)
                return usage_error("%s: no command given", a->cmd);
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        if (mode == VZ_EXEC_ARGV)
                r = vz_ct_exec(ct, a->argv, mode, &st, &e);
        else {
                if (!(a->argc == 1 && strcmp(a->argv[0], "-") == 0)) {
                        line = join_args(a->argc, a->argv);
                        one[0] = line;
                }
                r = vz_ct_exec(ct, one, mode, &st, &e);
        }
        free(line);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u", a->ctid);
        /* Why the command could not be run in the CT, if it could not. */
        if (e.msg[0])
                tool_error("%s", e.msg);
        if (exec2)
                return st;
        /* The command's own failures speak for themselves; a kill from
         * outside (OOM, a shutdown inside the CT) would leave a bare 8. */
        if (st > 128 && st < 128 + 65)
                tool_error("CT %u: the command was killed by signal %d", a->ctid, st - 128);
        return st ? VZ_E_EXEC : 0;
}

/* chkpnt|suspend and restore|resume (OpenVZ §1.12): at most one step
 * option; --dumpfile F; OpenVZ's kernel-only options accepted and ignored. */
static int chkpnt_or_restore(struct cmd_args *a, bool chkpnt)
{
        static const char *const cpt_steps[] = {"--dump", "--suspend", "--resume", "--kill", NULL};
        static const int cpt_vals[] = {VZ_CHKPNT_DUMP, VZ_CHKPNT_SUSPEND, VZ_CHKPNT_RESUME,
                                       VZ_CHKPNT_KILL};
        static const char *const rst_steps[] = {"--undump", "--resume", "--kill", NULL};
        static const int rst_vals[] = {VZ_RESTORE_UNDUMP, VZ_RESTORE_RESUME, VZ_RESTORE_KILL};
        const char *const *steps = chkpnt ? cpt_steps : rst_steps;
        const int *vals = chkpnt ? cpt_vals : rst_vals;
        vz_cpt_opts o = {0};
        const char *step_name = NULL;
        int step = 0, r;
        vz_err e = {0};
        vz_ct *ct;

        for (int i = 0; i < a->argc; i++) {
                const char *s = a->argv[i];
                bool found = false;
                if (is_wait_lock(s))
                        continue;
                for (int k = 0; steps[k]; k++)
                        if (strcmp(s, steps[k]) == 0) {
                                if (step_name)
                                        return usage_error("%s and %s are exclusive", step_name,
                                                           s);
                                step_name = s;
                                step = vals[k];
                                found = true;
                        }
                if (found)
                        continue;
                if (strcmp(s, "--dumpfile") == 0 || strncmp(s, "--dumpfile=", 11) == 0) {
                        o.dumpfile = s[10] == '=' ? s + 11 : (i + 1 < a->argc ? a->argv[++i] : NULL);
                        if (!o.dumpfile || !*o.dumpfile)
                                return usage_error("--dumpfile needs a path");
                } else if (strcmp(s, "--skip_arpdetect") == 0 ||
                           (!chkpnt && (strcmp(s, "--skip-remount") == 0 ||
                                        strcmp(s, "--skip-fsck") == 0)))
                        continue;
                else if (chkpnt && (strcmp(s, "--flags") == 0 || strcmp(s, "--context") == 0)) {
                        if (++i >= a->argc)
                                return usage_error("%s needs a value", s);
                } else
                        return usage_error("invalid option for %s: %s", a->cmd, s);
        }
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        if (chkpnt) {
                tool_msg("Setting up checkpoint...\n");
                r = vz_ct_chkpnt(ct, step, &o, &e);
        } else {
                tool_msg("Restoring container ...\n");
                r = vz_ct_restore(ct, step, &o, &e);
        }
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u: %s failed", a->ctid,
                                 chkpnt ? "checkpoint" : "restore");
        tool_msg(chkpnt ? "Checkpointing completed successfully\n"
                        : "Restoring completed successfully\n");
        return 0;
}

static int cmd_chkpnt(struct cmd_args *a)
{
        return chkpnt_or_restore(a, true);
}

static int cmd_restore(struct cmd_args *a)
{
        return chkpnt_or_restore(a, false);
}

/* vzctl --version -v: also the criu checkpoints use, and whether it works. */
static int print_criu_info(void)
{
        char *path = NULL, *ver = NULL, *msg = NULL;
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        bool ok = false;

        if (vz_ctx_new(&ctx, &e) < 0)
                return tool_fail(&e, "cannot read the configuration");
        if (vz_criu_info(ctx, &path, &ver, &ok, &msg, &e) < 0) {
                printf("criu: not usable: %s\n", e.msg);
                vz_ctx_free(ctx);
                return 0;
        }
        printf("criu: %s, version %s\ncriu check: %s\n", path, ver,
               ok ? "passed" : "FAILED (checkpoint/restore will not work)");
        if (!ok && msg && *msg)
                printf("%s\n", msg);
        free(path);
        free(ver);
        free(msg);
        vz_ctx_free(ctx);
        return 0;
}

static int cmd_exec(struct cmd_args *a)
{
        return run_exec(a, VZ_EXEC_SHELL, false);
}

static int cmd_exec2(struct cmd_args *a)
{
        return run_exec(a, VZ_EXEC_SHELL, true);
}

static int cmd_exec3(struct cmd_args *a)
{
        return run_exec(a, VZ_EXEC_ARGV, true);
}

static int cmd_runscript(struct cmd_args *a)
{
        char *argv[2] = {NULL, NULL};
        vz_err e = {0};
        vz_ct *ct;
        int fd, r, st = 0;

        if (a->argc != 1)
                return usage_error("runscript: usage: vzctl runscript CTID SCRIPT");
        /* The script is read on the host and fed to the CT's shell. */
        fd = open(a->argv[0], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                tool_error("cannot open script %s: %s", a->argv[0], strerror(errno));
                return VZ_E_NOSCRIPT;
        }
        r = open_ct(a, &ct, true);
        if (r) {
                close(fd);
                return r;
        }
        dup2(fd, STDIN_FILENO);
        close(fd);
        r = vz_ct_exec(ct, argv, VZ_EXEC_SHELL, &st, &e);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u", a->ctid);
        if (e.msg[0])
                tool_error("%s", e.msg);
        return st ? VZ_E_EXEC : 0;
}

/* ------------------------------------------------------------------ terminals */

static struct termios saved_tio;
static bool tio_saved;
static volatile sig_atomic_t winch;

static void restore_tty(void)
{
        if (tio_saved)
                tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
}

static void on_winch(int sig)
{
        (void)sig;
        winch = 1;
}

static void raw_mode(void)
{
        struct termios t;

        if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) < 0)
                return;
        tio_saved = true;
        atexit(restore_tty);
        t = saved_tio;
        cfmakeraw(&t);
        tcsetattr(STDIN_FILENO, TCSADRAIN, &t);
}

static void copy_winsize(int to)
{
        struct winsize ws;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                ioctl(to, TIOCSWINSZ, &ws);
}

/* Relay the terminal and fd until fd closes. With escapes (console), Esc
 * then '.' at the start of a line detaches. Returns 1 on detach. */
static int terminal_relay(int fd, bool escapes, bool forward_winsize)
{
        char buf[8192];
        bool line_start = true, esc = false;

        if (forward_winsize) {
                signal(SIGWINCH, on_winch);
                copy_winsize(fd);
        }
        for (;;) {
                struct pollfd pf[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                                       {.fd = fd, .events = POLLIN}};
                if (winch) {
                        winch = 0;
                        copy_winsize(fd);
                }
                if (poll(pf, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t n = read(fd, buf, sizeof(buf));
                        if (n <= 0)
                                return 0;
                        if (write(STDOUT_FILENO, buf, n) < 0)
                                return -1;
                }
                if (pf[0].revents & (POLLIN | POLLHUP)) {
                        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf)), out = 0;
                        if (n <= 0) {
                                pf[0].fd = -1;
                                return 0;
                        }
                        for (ssize_t i = 0; escapes && i < n; i++) {
                                char c = buf[i];
                                if (esc) {
                                        esc = false;
                                        if (c == '.')
                                                return 1;
                                } else if (line_start && c == 27) {
                                        esc = true;
                                        continue;
                                }
                                line_start = c == '\r' || c == '\n';
                                buf[out++] = c;
                        }
                        if (!escapes)
                                out = n;
                        if (out > 0 && write(fd, buf, out) < 0)
                                return 0;
                }
        }
}

static int cmd_enter(struct cmd_args *a)
{
        char **argv = NULL;
        vz_err e = {0};
        vz_ct *ct;
        int r, master, pid, st = 0;

        if (a->argc > 0) {
                if (strcmp(a->argv[0], "--exec") != 0 || a->argc < 2)
                        return usage_error("enter: usage: vzctl enter CTID [--exec CMD ARGS...]");
                argv = a->argv + 1;
        }
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        r = vz_ct_enter(ct, argv, &master, &pid, &e);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u: cannot enter", a->ctid);
        fprintf(stderr, "entered into CT %u\n", a->ctid);
        raw_mode();
        terminal_relay(master, false, true);
        restore_tty();
        close(master);
        waitpid(pid, &st, 0);
        fprintf(stderr, "exited from CT %u\n", a->ctid);
        return 0;
}

static int cmd_console(struct cmd_args *a)
{
        vz_err e = {0};
        vz_ct *ct;
        int r, fd;

        if (a->argc > 1 || (a->argc == 1 && strcmp(a->argv[0], "1") != 0))
                return usage_error("console: only tty 1 (the CT's /dev/console) is available");
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        fd = vz_ct_console(ct, &e);
        vz_ct_free(ct);
        if (fd < 0)
                return tool_fail(&e, "CT %u: cannot attach to the console", a->ctid);
        fprintf(stderr, "Attached to CT %u (ESC . to detach)\n", a->ctid);
        raw_mode();
        r = terminal_relay(fd, true, false);
        restore_tty();
        close(fd);
        fprintf(stderr, r == 1 ? "\nDetached from CT %u\n" : "\nConsole of CT %u closed\n",
                a->ctid);
        return 0;
}

/* ------------------------------------------------------------------ convert, compact */

static int cmd_convert(struct cmd_args *a)
{
        const char *layout = NULL;
        vz_err e = {0};
        vz_ct *ct;
        int r;

        for (int i = 0; i < a->argc; i++) {
                const char *s = a->argv[i];
                if (is_wait_lock(s))
                        continue;
                if (strcmp(s, "--layout") == 0 || strcmp(s, "--velayout") == 0 ||
                    strcmp(s, "--ve_layout") == 0) {
                        if (i + 1 >= a->argc)
                                return usage_error("option %s requires an argument", s);
                        layout = a->argv[++i];
                } else if (strncmp(s, "--layout=", 9) == 0)
                        layout = s + 9;
                else
                        return usage_error("invalid option for convert: %s", s);
        }
        /* OpenVZ's convert had one direction, simfs to ploop: its default. */
        if (!layout)
                layout = "ploop";
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        tool_msg("Converting CT %u to the %s layout...\n", a->ctid, layout);
        r = vz_ct_convert(ct, layout, &e);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u: cannot convert", a->ctid);
        tool_msg("Container was converted to the %s layout\n", layout);
        return 0;
}

static int cmd_compact(struct cmd_args *a)
{
        uint64_t bytes = 0;
        vz_err e = {0};
        vz_ct *ct;
        int r;

        r = no_options(a);
        if (r)
                return r;
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        r = vz_ct_compact(ct, &bytes, &e);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u: cannot compact", a->ctid);
        tool_msg("Compacted CT %u: %llu MB of free space returned to the host\n", a->ctid,
                 (unsigned long long)(bytes >> 20));
        return 0;
}

/* ------------------------------------------------------------------ snapshots */

struct snap_opts {
        const char *id, *name, *desc, *target, *fields;
        bool no_header;
        unsigned flags; /* vz_snapshot_flags */
};

/* OpenVZ's flags of snapshot and snapshot-switch; 0 if s is none. */
static unsigned snap_flag(const char *cmd, const char *s)
{
        bool take = strcmp(cmd, "snapshot") == 0, sw = strcmp(cmd, "snapshot-switch") == 0;

        if ((take || sw) && strcmp(s, "--skip-config") == 0)
                return VZ_SNAPSHOT_SKIP_CONFIG;
        if (take && strcmp(s, "--skip-suspend") == 0)
                return VZ_SNAPSHOT_SKIP_SUSPEND;
        if (sw && strcmp(s, "--skip-resume") == 0)
                return VZ_SNAPSHOT_SKIP_RESUME;
        if (sw && strcmp(s, "--must-resume") == 0)
                return VZ_SNAPSHOT_MUST_RESUME;
        return 0;
}

static int parse_snap_opts(struct cmd_args *a, struct snap_opts *o)
{
        for (int i = 0; i < a->argc; i++) {
                const char *s = a->argv[i], *v = i + 1 < a->argc ? a->argv[i + 1] : NULL;
                const char **dst = NULL;
                if (is_wait_lock(s))
                        continue;
                if (strcmp(s, "-H") == 0 || strcmp(s, "--no-header") == 0) {
                        o->no_header = true;
                        continue;
                }
                if (snap_flag(a->cmd, s)) {
                        o->flags |= snap_flag(a->cmd, s);
                        continue;
                }
                if (strcmp(s, "--id") == 0 || strcmp(s, "-i") == 0)
                        dst = &o->id;
                else if (strcmp(s, "--name") == 0 || strcmp(s, "-n") == 0)
                        dst = &o->name;
                else if (strcmp(s, "--description") == 0 || strcmp(s, "-d") == 0)
                        dst = &o->desc;
                else if (strcmp(s, "--target") == 0 || strcmp(s, "-t") == 0)
                        dst = &o->target;
                else if (strcmp(s, "--output") == 0 || strcmp(s, "-o") == 0)
                        dst = &o->fields;
                if (!dst)
                        return usage_error("invalid option for %s: %s", a->cmd, s);
                if (!v)
                        return usage_error("option %s requires an argument", s);
                *dst = v;
                i++;
        }
        return 0;
}

static int cmd_snapshot_any(struct cmd_args *a)
{
        struct snap_opts o = {0};
        const char *c = a->cmd + strlen("snapshot");
        vz_err e = {0};
        vz_ct *ct;
        char *uuid = NULL;
        int r;

        r = parse_snap_opts(a, &o);
        if (r)
                return r;
        if ((o.flags & VZ_SNAPSHOT_SKIP_RESUME) && (o.flags & VZ_SNAPSHOT_MUST_RESUME))
                return usage_error("--skip-resume and --must-resume cannot be used together");
        if (*c && strcmp(c, "-list") != 0 && !o.id)
                return usage_error("%s: --id UUID is required", a->cmd);
        if (strcmp(c, "-mount") == 0 && !o.target)
                return usage_error("snapshot-mount: --target DIR is required");
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        if (!*c) {
                r = vz_ct_snapshot_flags(ct, o.id, o.name, o.desc, o.flags, &uuid, &e);
                if (r >= 0)
                        tool_msg("Snapshot %s has been successfully created\n", uuid);
                free(uuid);
        } else if (strcmp(c, "-switch") == 0) {
                r = vz_ct_snapshot_switch_flags(ct, o.id, o.flags, &e);
                if (r >= 0)
                        tool_msg("Container has been successfully switched to snapshot %s\n", o.id);
        } else if (strcmp(c, "-delete") == 0) {
                r = vz_ct_snapshot_delete(ct, o.id, &e);
                if (r >= 0)
                        tool_msg("Snapshot %s has been successfully deleted\n", o.id);
        } else if (strcmp(c, "-mount") == 0) {
                r = vz_ct_snapshot_mount(ct, o.id, o.target, &e);
                if (r >= 0)
                        tool_msg("Snapshot %s is mounted on %s\n", o.id, o.target);
        } else if (strcmp(c, "-umount") == 0) {
                r = vz_ct_snapshot_umount(ct, o.id, &e);
                if (r >= 0)
                        tool_msg("Snapshot %s is unmounted\n", o.id);
        } else {
                /* snapshot-list: OpenVZ's columns, or the -o fields. */
                vz_snapshot *v = NULL;
                size_t n = 0;
                r = vz_ct_snapshot_list(ct, &v, &n, &e);
                if (r >= 0) {
                        if (!o.no_header && !o.fields)
                                printf("PARENT_UUID                          C UUID                       "
                                       "           DATE                NAME\n");
                        for (size_t i = 0; i < n; i++) {
                                if (o.fields) {
                                        char *fl = strdup(o.fields), *save = NULL;
                                        bool first = true;
                                        for (char *t = strtok_r(fl, ",", &save); t;
                                             t = strtok_r(NULL, ",", &save)) {
                                                const char *val =
                                                    strcmp(t, "uuid") == 0          ? v[i].uuid
                                                    : strcmp(t, "name") == 0        ? v[i].name
                                                    : strcmp(t, "description") == 0 ? v[i].description
                                                    : strcmp(t, "date") == 0        ? v[i].date
                                                    : strcmp(t, "parent_uuid") == 0 ? v[i].parent
                                                    : strcmp(t, "current") == 0
                                                        ? (v[i].current ? "*" : "")
                                                        : NULL;
                                                printf("%s%s", first ? "" : " ",
                                                       val && *val ? val : "-");
                                                first = false;
                                        }
                                        putchar('\n');
                                        free(fl);
                                } else
                                        printf("%-36s %c %-36s %-19s %s\n",
                                               v[i].parent && *v[i].parent ? v[i].parent : "",
                                               v[i].current ? '*' : ' ', v[i].uuid,
                                               v[i].date ? v[i].date : "",
                                               v[i].name ? v[i].name : "");
                        }
                        vz_snapshot_list_free(v, n);
                }
        }
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u: %s", a->ctid, a->cmd);
        return 0;
}

/* ------------------------------------------------------------------ dispatch */

static const struct command commands[] = {
        {"create", true, false, cmd_create,
         "create CTID [--ostemplate NAME] [--config NAME] [--layout simfs|ploop|btrfs]\n"
         "       [--private PATH] [--root PATH] [--ipadd ADDR] [--hostname NAME] [--name NAME]\n"
         "       [--description TEXT] [--diskspace S[:H]] [--diskinodes S[:H]]\n"
         "       [--local_uid UID] [--local_gid GID]"},
        {"destroy", true, false, cmd_destroy, "destroy | delete CTID"},
        {"delete", true, false, cmd_destroy, NULL},
        {"mount", true, false, cmd_mount, "mount CTID [--skip-fsck]"},
        {"convert", true, false, cmd_convert, "convert CTID [--layout simfs|ploop|btrfs]"},
        {"compact", true, false, cmd_compact, "compact CTID"},
        {"umount", true, false, cmd_umount, "umount CTID"},
        {"status", false, false, cmd_status, "status CTID"},
        {"start", true, false, cmd_start,
         "start CTID [--wait[=SEC]] [--force] [--skip-fsck] [--skip-remount]"},
        {"stop", true, false, cmd_stop, "stop CTID [--fast] [--skip-umount]"},
        {"restart", true, false, cmd_restart, "restart CTID [start and stop options]"},
        {"exec", false, false, cmd_exec, "exec CTID COMMAND [ARG...] | exec CTID -"},
        {"exec2", false, false, cmd_exec2, "exec2 CTID COMMAND [ARG...]  (returns its exit code)"},
        {"exec3", false, false, cmd_exec3, "exec3 CTID PROGRAM [ARG...]  (no shell)"},
        {"enter", false, false, cmd_enter, "enter CTID [--exec COMMAND [ARG...]]"},
        {"console", false, false, cmd_console, "console CTID [1]"},
        {"runscript", true, false, cmd_runscript, "runscript CTID SCRIPT"},
        {"chkpnt", true, false, cmd_chkpnt,
         "chkpnt | suspend CTID [--dumpfile F] [--dump | --suspend | --resume | --kill]"},
        {"suspend", true, false, cmd_chkpnt, NULL},
        {"restore", true, false, cmd_restore,
         "restore | resume CTID [--dumpfile F] [--undump | --resume | --kill]"},
        {"resume", true, false, cmd_restore, NULL},
        {"snapshot", true, false, cmd_snapshot_any,
         "snapshot CTID [--id UUID] [--name NAME] [--description DESC] [--skip-suspend] "
         "[--skip-config]"},
        {"snapshot-list", false, false, cmd_snapshot_any, "snapshot-list CTID [-H] [-o FIELD,...]"},
        {"snapshot-switch", true, false, cmd_snapshot_any,
         "snapshot-switch CTID --id UUID [--skip-resume | --must-resume] [--skip-config]"},
        {"snapshot-delete", true, false, cmd_snapshot_any, "snapshot-delete CTID --id UUID"},
        {"snapshot-mount", true, false, cmd_snapshot_any,
         "snapshot-mount CTID --id UUID --target DIR"},
        {"snapshot-umount", true, false, cmd_snapshot_any, "snapshot-umount CTID --id UUID"},
        {"set", true, true, cmd_set,
         "set CTID [parameters] [--save] [--force] [--setmode restart|ignore]\n"
         "       [--applyconfig NAME]"},
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: vzctl [--quiet | --verbose] [--skiplock] [--wait-lock[=SEC]] "
                   "COMMAND CTID [options]\n"
                   "       vzctl --help | --version\n\nCommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (commands[i].usage)
                        fprintf(f, "  vzctl %s\n", commands[i].usage);
        fprintf(f, "\nCTID is a numeric ID or a name set with --name.\n"
                   "--wait-lock[=SEC] waits for another vzctl holding the CT's lock\n"
                   "(forever, or SEC seconds) instead of failing with exit code 9.\n"
                   "\nParameters (set, create):\n");
        for (size_t i = 0; i < vz_param_count(); i++) {
                const vz_param_info *p = vz_param_at(i);
                char opt[64];
                if (!p->option || (p->flags & VZ_PF_INTERNAL))
                        continue;
                snprintf(opt, sizeof(opt), "--%s%s%s", p->option, p->arg ? " " : "",
                         p->arg ? p->arg : "");
                fprintf(f, "  %-32s %s\n", opt, p->help ? p->help : "");
        }
}

int main(int argc, char **argv)
{
        struct cmd_args a = {0};
        const struct command *c = NULL;
        vz_lock *lock = NULL;
        vz_err e = {0};
        int i, r;

        tool_init("vzctl");
        for (i = 1; i < argc; i++) {
                const char *s = argv[i];
                if (strcmp(s, "--quiet") == 0)
                        tool_verbosity = -1;
                else if (strcmp(s, "--verbose") == 0)
                        tool_verbosity = tool_verbosity < 0 ? 1 : tool_verbosity + 1;
                else if (strcmp(s, "--skiplock") == 0)
                        opt_skiplock = true;
                else if (is_wait_lock(s)) {
                        if (parse_wait_lock(s) < 0)
                                return usage_error("invalid value: %s", s);
                } else if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
                        usage(stdout);
                        return 0;
                } else if (strcmp(s, "--version") == 0) {
                        printf("vzctl version %s\n", vz_version());
                        if (i + 1 < argc && (strcmp(argv[i + 1], "-v") == 0 ||
                                             strcmp(argv[i + 1], "--verbose") == 0))
                                return print_criu_info();
                        return 0;
                } else
                        break;
        }
        if (i >= argc) {
                usage(stderr);
                return VZ_E_SYNTAX;
        }
        a.cmd = argv[i++];
        for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
                if (strcmp(commands[k].name, a.cmd) == 0)
                        c = &commands[k];
        if (!c) {
                tool_error("invalid command: %s (see vzctl --help)", a.cmd);
                return VZ_E_SYNTAX;
        }
        if (i >= argc) {
                tool_error("CT ID missing");
                return VZ_E_VALUE;
        }
        a.id_arg = argv[i++];
        a.argc = argc - i;
        a.argv = argv + i;
        if (vz_ctx_new(&a.ctx, &e) < 0)
                return tool_fail(&e, "cannot start");
        if (vz_ct_resolve(a.ctx, a.id_arg, &a.ctid, &e) < 0) {
                r = tool_fail(&e, "%s", a.cmd);
                goto out;
        }
        if (a.ctid == 0 && !c->ct0_ok) {
                tool_error("Only set actions are allowed for CT0");
                r = VZ_E_VALUE;
                goto out;
        }
        /* Commands read --wait-lock among their options; pre-scan it so the
         * lock below already honours it. */
        for (int k = 0; k < a.argc; k++)
                if (is_wait_lock(a.argv[k]) && parse_wait_lock(a.argv[k]) < 0) {
                        r = usage_error("invalid value: %s", a.argv[k]);
                        goto out;
                }
        if (c->lock && !opt_skiplock && vz_lock_ct(a.ctx, a.ctid, opt_wait_lock, &lock, &e) < 0) {
                r = tool_fail(&e, "CT %u", a.ctid);
                goto out;
        }
        /* What a killed vzctl left half done (create, convert, snapshot,
         * resize) is undone or finished before anything else looks. */
        if (vz_ct_recover(a.ctx, a.ctid, lock != NULL, &e) < 0) {
                r = tool_fail(&e, "CT %u: cannot repair an interrupted operation", a.ctid);
                vz_unlock(lock);
                goto out;
        }
        r = c->run(&a);
        vz_unlock(lock);
out:
        vz_ctx_free(a.ctx);
        return r;
}

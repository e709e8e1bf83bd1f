/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzctl: OpenVZ's CT control tool. Global flags, then one table of the
 * commands that drives both the dispatch and `vzctl --help`; each command
 * (in its own file) parses its own options and makes one library call.
 */
#include <stdio.h>
#include <string.h>

#include "vzctl.h"

enum {
        CMD_LOCK = 1 << 0, /* takes the per-CT lock */
        CMD_CT0 = 1 << 1,  /* allowed on CT 0 */
};

struct command {
        const char *name;
        const char *alias; /* OpenVZ's other name for it, or NULL */
        int (*run)(struct cmd_args *a);
        unsigned flags;
        const char *usage; /* --help's line after "vzctl NAME[ | ALIAS] " */
};

static const struct command commands[] = {
    {"create", NULL, cmd_create, CMD_LOCK,
     "CTID [--ostemplate NAME] [--config NAME] [--layout simfs|ploop|btrfs|overlay]\n"
     "       [--private PATH] [--root PATH] [--ipadd ADDR] [--hostname NAME] [--name NAME]\n"
     "       [--description TEXT] [--diskspace S[:H]] [--diskinodes S[:H]]\n"
     "       [--local_uid UID] [--local_gid GID]"},
    {"destroy", "delete", cmd_destroy, CMD_LOCK, "CTID"},
    {"mount", NULL, cmd_mount, CMD_LOCK, "CTID [--skip-fsck]"},
    {"convert", NULL, cmd_convert, CMD_LOCK, "CTID [--layout simfs|ploop|btrfs|overlay]"},
    {"compact", NULL, cmd_compact, CMD_LOCK, "CTID"},
    {"umount", NULL, cmd_umount, CMD_LOCK, "CTID"},
    {"status", NULL, cmd_status, 0, "CTID"},
    {"start", NULL, cmd_start, CMD_LOCK,
     "CTID [--wait[=SEC]] [--force] [--skip-fsck] [--skip-remount]"},
    {"stop", NULL, cmd_stop, CMD_LOCK, "CTID [--fast] [--skip-umount]"},
    {"restart", NULL, cmd_restart, CMD_LOCK, "CTID [start and stop options]"},
    {"exec", NULL, cmd_exec, 0, "CTID COMMAND [ARG...] | exec CTID -"},
    {"exec2", NULL, cmd_exec2, 0, "CTID COMMAND [ARG...]  (returns its exit code)"},
    {"exec3", NULL, cmd_exec3, 0, "CTID PROGRAM [ARG...]  (no shell)"},
    {"enter", NULL, cmd_enter, 0, "CTID [--exec COMMAND [ARG...]]"},
    {"console", NULL, cmd_console, 0, "CTID [1]"},
    {"runscript", NULL, cmd_runscript, CMD_LOCK, "CTID SCRIPT"},
    {"chkpnt", "suspend", cmd_chkpnt, CMD_LOCK,
     "CTID [--dumpfile F] [--dump | --suspend | --resume | --kill]"},
    {"restore", "resume", cmd_restore, CMD_LOCK,
     "CTID [--dumpfile F] [--undump | --resume | --kill]"},
    {"snapshot", NULL, cmd_snapshot, CMD_LOCK,
     "CTID [--id UUID] [--name NAME] [--description DESC] [--skip-suspend] [--skip-config]"},
    {"snapshot-list", NULL, cmd_snapshot_list, 0, "CTID [-H] [-o FIELD,...]"},
    {"snapshot-switch", NULL, cmd_snapshot_switch, CMD_LOCK,
     "CTID --id UUID [--skip-resume | --must-resume] [--skip-config]"},
    {"snapshot-delete", NULL, cmd_snapshot_delete, CMD_LOCK, "CTID --id UUID"},
    {"snapshot-mount", NULL, cmd_snapshot_mount, CMD_LOCK, "CTID --id UUID --target DIR"},
    {"snapshot-umount", NULL, cmd_snapshot_umount, CMD_LOCK, "CTID --id UUID"},
    {"set", NULL, cmd_set, CMD_LOCK | CMD_CT0,
     "CTID [parameters] [--save] [--force] [--setmode restart|ignore]\n"
     "       [--applyconfig NAME]"},
};

static bool opt_skiplock;

static const struct command *find_command(const char *name)
{
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(commands[i].name, name) == 0 ||
                    (commands[i].alias && strcmp(commands[i].alias, name) == 0))
                        return &commands[i];
        return NULL;
}

static void usage(FILE *f)
{
        fprintf(f, "Usage: vzctl [--quiet | --verbose] [--skiplock] [--wait-lock[=SEC]] "
                   "COMMAND CTID [options]\n"
                   "       vzctl --help | --version\n\nCommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
                const struct command *c = &commands[i];
                fprintf(f, "  vzctl %s%s%s %s\n", c->name, c->alias ? " | " : "",
                        c->alias ? c->alias : "", c->usage);
        }
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

/*
 * The flags before the command. Returns the index of the command word, or
 * -1 with *ret_exit set when vzctl is done (--help, --version, an error).
 */
static int parse_global_flags(int argc, char **argv, int *ret_exit)
{
        int i;

        for (i = 1; i < argc; i++) {
                const char *s = argv[i];
                if (strcmp(s, "--quiet") == 0)
                        tool_verbosity = -1;
                else if (strcmp(s, "--verbose") == 0)
                        tool_verbosity = tool_verbosity < 0 ? 1 : tool_verbosity + 1;
                else if (strcmp(s, "--skiplock") == 0)
                        opt_skiplock = true;
                else if (is_wait_lock(s)) {
                        if (parse_wait_lock(s) < 0) {
                                *ret_exit = usage_error("invalid value: %s", s);
                                return -1;
                        }
                } else if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
                        usage(stdout);
                        *ret_exit = 0;
                        return -1;
                } else if (strcmp(s, "--version") == 0) {
                        printf("vzctl version %s\n", vz_version());
                        *ret_exit = 0;
                        if (i + 1 < argc && (strcmp(argv[i + 1], "-v") == 0 ||
                                             strcmp(argv[i + 1], "--verbose") == 0))
                                *ret_exit = print_criu_info();
                        return -1;
                } else
                        break;
        }
        if (i >= argc) {
                usage(stderr);
                *ret_exit = VZ_E_SYNTAX;
                return -1;
        }
        return i;
}

/* The command on the resolved CT: its lock, the repair of what a killed
 * vzctl left, then the command itself. */
static int run_command(const struct command *c, struct cmd_args *a)
{
        vz_lock *lock = NULL;
        vz_err e = {0};
        int r;

        if (vz_ct_resolve(a->ctx, a->id_arg, &a->ctid, &e) < 0)
                return tool_fail(&e, "%s", a->cmd);
        if (a->ctid == 0 && !(c->flags & CMD_CT0)) {
                tool_error("Only set actions are allowed for CT0");
                return VZ_E_VALUE;
        }
        /* Commands read --wait-lock among their options; pre-scan it so the
         * lock below already honours it. */
        for (int k = 0; k < a->argc; k++)
                if (is_wait_lock(a->argv[k]) && parse_wait_lock(a->argv[k]) < 0)
                        return usage_error("invalid value: %s", a->argv[k]);
        if ((c->flags & CMD_LOCK) && !opt_skiplock &&
            vz_lock_ct(a->ctx, a->ctid, opt_wait_lock, &lock, &e) < 0)
                return tool_fail(&e, "CT %u", a->ctid);
        /* What a killed vzctl left half done (create, convert, snapshot,
         * resize) is undone or finished before anything else looks. */
        if (vz_ct_recover(a->ctx, a->ctid, lock != NULL, &e) < 0) {
                r = tool_fail(&e, "CT %u: cannot repair an interrupted operation", a->ctid);
                vz_unlock(lock);
                return r;
        }
        r = c->run(a);
        vz_unlock(lock);
        return r;
}

int main(int argc, char **argv)
{
        struct cmd_args a = {0};
        const struct command *c;
        vz_err e = {0};
        int i, r;

        tool_init("vzctl");
        i = parse_global_flags(argc, argv, &r);
        if (i < 0)
                return r;
        a.cmd = argv[i++];
        c = find_command(a.cmd);
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
        r = run_command(c, &a);
        vz_ctx_free(a.ctx);
        return r;
}

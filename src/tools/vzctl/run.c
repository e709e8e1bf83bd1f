/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzctl start, stop and restart. */
#include <stdlib.h>
#include <string.h>

#include "vzctl.h"

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

int cmd_start(struct cmd_args *a)
{
        return start_or_stop(a, true);
}

int cmd_stop(struct cmd_args *a)
{
        return start_or_stop(a, false);
}

int cmd_restart(struct cmd_args *a)
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

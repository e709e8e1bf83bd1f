/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzctl mount, umount and status. */
#include <stdio.h>
#include <string.h>

#include "vzctl.h"

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
        tool_msg(!mount   ? "Container is unmounted\n"
                 : r == 1 ? "Container is already mounted\n"
                          : "Container is mounted\n");
        return 0;
}

int cmd_mount(struct cmd_args *a)
{
        return mount_or_umount(a, true);
}

int cmd_umount(struct cmd_args *a)
{
        return mount_or_umount(a, false);
}

int cmd_status(struct cmd_args *a)
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

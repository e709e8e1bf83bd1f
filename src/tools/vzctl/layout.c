/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzctl convert (to another disk layout) and compact (a ploop image's free
 * space back to the host). */
#include <string.h>

#include "vzctl.h"

int cmd_convert(struct cmd_args *a)
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

int cmd_compact(struct cmd_args *a)
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

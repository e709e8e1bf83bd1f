/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Disk quota the kernel would have to do: per-user/group quota inside a CT
 * (QUOTAUGIDLIMIT, OpenVZ's second level) and DISKSPACE/DISKINODES on simfs
 * (project quota on the host filesystem). Both need the kernel's quota
 * format (CONFIG_QFMT_V2, quota_v2: the vfsv0/vfsv1 formats ext4's quota
 * files use); without it they cannot be enforced, and vz says so rather
 * than accept a limit it does not apply.
 */
#include <stdio.h>

#include "err.h"
#include "log.h"
#include "storage.h"
#include "util.h"

bool vz_quota_format_supported(void)
{
        static int cached = -1;
        _cleanup_fclose_ FILE *f = NULL;
        char line[512];

        if (cached >= 0)
                return cached;
        cached = 0;
        /* quota_v2's functions are in the symbol table when it is built in
         * or loaded (a modular one must be loaded first: modprobe quota_v2). */
        f = fopen("/proc/kallsyms", "re");
        while (f && fgets(line, sizeof(line), f))
                if (strstr(line, " v2_read_file_info")) {
                        cached = 1;
                        break;
                }
        return cached;
}

int vz_quota_ugid_check(int64_t ugidlimit, vz_err *e)
{
        if (ugidlimit <= 0)
                return 0;
        if (!vz_quota_format_supported())
                return vz_fail(e, 65, -EOPNOTSUPP,
                               "QUOTAUGIDLIMIT (per-user and per-group quota inside the CT) "
                               "needs the kernel's quota format support (CONFIG_QFMT_V2, "
                               "module quota_v2), which this kernel lacks; set it to 0");
        return vz_fail(e, 65, -EOPNOTSUPP,
                       "QUOTAUGIDLIMIT (per-user and per-group quota inside the CT) is not "
                       "implemented by vz yet; set it to 0");
}

void vz_quota_simfs_warn(unsigned ctid)
{
        /* No kernel probe here (a walk of /proc/kallsyms costs more than a
         * whole create): the reason is given for both cases. */
        vz_warn("CT %u: DISKSPACE/DISKINODES are not enforced on the simfs layout: that needs "
                "project quota on the host filesystem, which needs the kernel's quota format "
                "support (CONFIG_QFMT_V2) and is not set up by vz; use the ploop or btrfs "
                "layout for hard limits",
                ctid);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Disk quota the kernel would have to do: per-user/group quota inside a CT
 * (QUOTAUGIDLIMIT, OpenVZ's second level) and DISKSPACE/DISKINODES on simfs
 * (project quota on the host filesystem). Both need the kernel's quota
 * format (CONFIG_QFMT_V2, quota_v2: the vfsv0/vfsv1 formats ext4's quota
 * files use); without it they cannot be enforced, and vz says so rather
 * than accept a limit it does not apply. The second level exists for the
 * image layout: ext4's quota feature in the image (image.c), enforced by
 * mounting it with usrquota,grpquota. The limits are set from the host
 * (setquota on VE_ROOT): the CT's root cannot, quotactl's Q_SETQUOTA wants
 * CAP_SYS_ADMIN in the filesystem's user namespace (sb->s_user_ns, the
 * host's for an image the host mounted), and there is no device node for
 * it in the CT.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "err.h"
#include "log.h"
#include "storage.h"
#include "util.h"

/* Written once, under quota_once. */
static bool quota_v2;
static pthread_once_t quota_once = PTHREAD_ONCE_INIT;

static void quota_probe(void)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *dep = NULL;
        struct utsname u;
        char line[512];

        /* quota_v2's functions are in the symbol table when it is built in
         * or loaded. */
        f = fopen("/proc/kallsyms", "re");
        while (f && fgets(line, sizeof(line), f))
                if (strstr(line, " v2_read_file_info")) {
                        quota_v2 = true;
                        return;
                }
        /* A module not loaded yet: the kernel loads it when a filesystem
         * asks for the format (request_module at the quota's mount). */
        if (uname(&u) == 0)
                dep = vz_strdupf("/lib/modules/%s/modules.dep", u.release);
        if (f)
                fclose(f);
        f = dep ? fopen(dep, "re") : NULL;
        while (f && fgets(line, sizeof(line), f))
                if (strstr(line, "/quota_v2.ko")) {
                        quota_v2 = true;
                        break;
                }
}

bool vz_quota_format_supported(void)
{
        pthread_once(&quota_once, quota_probe);
        return quota_v2;
}

int vz_quota_ugid_check(int64_t ugidlimit, bool image, vz_err *e)
{
        if (ugidlimit <= 0)
                return 0;
        if (!vz_quota_format_supported())
                return vz_fail(e, 65, -EOPNOTSUPP,
                               "QUOTAUGIDLIMIT (per-user and per-group quota inside the CT) "
                               "needs the kernel's quota format support (CONFIG_QFMT_V2, "
                               "module quota_v2), which this kernel lacks; set it to 0");
        if (!image)
                return vz_fail(e, 65, -EOPNOTSUPP,
                               "QUOTAUGIDLIMIT (per-user and per-group quota inside the CT) "
                               "needs the image layout (ploop): simfs would need quota on the "
                               "host's filesystem and btrfs has no per-user quota; set it to 0 "
                               "or convert the CT to ploop");
        return 0;
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

void vz_quota_overlay_warn(unsigned ctid)
{
        vz_warn("CT %u: DISKSPACE/DISKINODES are not enforced for the overlay layout on this "
                "filesystem: only where VE_PRIVATE is on btrfs (a qgroup limit on the CT's "
                "upper layer); use the ploop or btrfs layout for hard limits",
                ctid);
}

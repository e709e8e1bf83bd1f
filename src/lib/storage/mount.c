/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A CT's state (exists, mounted, running, suspended) and the mount and
 * unmount of its file system in every layout, with the mount scripts. */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "ctx.h"
#include "err.h"
#include "log.h"
#include "registry/userns.h"
#include "scripts.h"
#include "storage.h"
#include "util.h"

static char *dump_path(const vz_ct *ct)
{
        const char *d = vz_ct_get(ct, "DUMPDIR");
        return isempty(d) ? NULL : vz_strdupf("%s/Dump.%u", d, ct->id);
}

_public_ int vz_ct_get_state(vz_ct *ct, vz_ct_state *ret, vz_err *e)
{
        vz_ct_state s = {0};
        struct stat st;

        s.exists = ct->has_config && ct->private_path && stat(ct->private_path, &st) == 0;
        s.mounted = ct->private_path && ct->root_path &&
                    vz_simfs_is_mounted(ct->private_path, ct->root_path);
        s.running = vz_ct_supervised(ct);
        if (s.exists && !s.running) {
                _cleanup_free_ char *d = dump_path(ct);
                s.suspended = d && access(d, F_OK) == 0;
        }
        *ret = s;
        return 0;
}

/* ------------------------------------------------------------------ mount */

static int check_paths(const vz_ct *ct, vz_err *e)
{
        if (!ct->root_path)
                return vz_fail(e, VZ_E_VE_ROOT_NOTSET, -EINVAL, "VE_ROOT is not set");
        if (!ct->private_path)
                return vz_fail(e, VZ_E_VE_PRIVATE_NOTSET, -EINVAL, "VE_PRIVATE is not set");
        return 0;
}

_public_ int vz_ct_mount(vz_ct *ct, vz_err *e)
{
        return vz_ct_mount_flags(ct, 0, e);
}

_public_ int vz_ct_mount_flags(vz_ct *ct, unsigned flags, vz_err *e)
{
        bool image, ugid;
        int r;

        if (!ct->has_config)
                return vz_fail(e, VZ_E_NOVECONFIG, -ENOENT, "CT config %s does not exist",
                               ct->conf_path);
        r = check_paths(ct, e);
        if (r < 0)
                return r;
        if (vz_simfs_is_mounted(ct->private_path, ct->root_path))
                return 1; /* already mounted: OpenVZ says so and succeeds */
        image = vz_layout_is_image(vz_ct_get(ct, "VE_LAYOUT")) || vz_image_exists(ct->private_path);
        {
                const char *q = vz_ct_get(ct, "QUOTAUGIDLIMIT");
                ugid = q && strtoll(q, NULL, 10) > 0;
                r = vz_quota_ugid_check(q ? strtoll(q, NULL, 10) : 0, image, e);
                if (r < 0)
                        return r;
        }
        r = vz_run_action_scripts(ct, "premount", false, e);
        if (r < 0)
                return r;
        if (image) {
                r = vz_mkdir_p(ct->root_path, 0755);
                if (r < 0)
                        return vz_fail(e, VZ_E_FS_MPOINTCREATE, r, "cannot create %s",
                                       ct->root_path);
                vz_protect_private_parent(ct->private_path);
                /* A filesystem left unclean (host crash, killed CT) is
                 * checked before the CT sees it, as ploop mount does. */
                if (!(flags & VZ_MOUNT_SKIP_FSCK)) {
                        r = vz_image_fsck(ct->private_path, e);
                        if (r < 0)
                                return r;
                }
                /* Second-level quota: ext4's own, enforced for the
                 * types mounted with usrquota/grpquota (without them the
                 * usage is still counted, the limits are not applied). */
                if (ugid) {
                        r = vz_image_quota_enable(ct->private_path, e);
                        if (r < 0)
                                return r;
                }
                /* nosuid,nodev: the host's view (see vz_simfs_mount). */
                r = vz_image_mount_opts(ct->private_path, ct->root_path, MS_NOSUID | MS_NODEV,
                                        ugid ? "usrquota,grpquota" : NULL, e);
        } else if (vz_overlay_is(ct->private_path)) {
                /* Layers idmapped for the CT: what VE_ROOT shows is its root. */
                uid_t uid = 0;
                gid_t gid = 0;
                int ufd = -1;
                if (vz_userns_get(ct, &uid, &gid) && (ufd = vz_userns_open(uid, gid, e)) < 0)
                        return ufd;
                r = vz_overlay_mount(ct->private_path, ct->root_path, ufd, uid, gid, false, e);
                if (ufd >= 0)
                        close(ufd);
        } else
                r = vz_simfs_mount(ct->private_path, ct->root_path, e);
        if (r < 0)
                return r;
        r = vz_run_action_scripts(ct, "mount", false, e);
        if (r < 0) {
                /* A failed mount script undoes the mount, as OpenVZ does. */
                vz_umount_tree(ct->root_path, NULL);
                return r;
        }
        return 0;
}

_public_ int vz_ct_umount(vz_ct *ct, vz_err *e)
{
        int r;

        r = check_paths(ct, e);
        if (r < 0)
                return r;
        if (!vz_simfs_is_mounted(ct->private_path, ct->root_path))
                return vz_fail(e, VZ_E_FS_NOT_MOUNTED, -EINVAL, "CT is not mounted");
        if (vz_ct_supervised(ct))
                return vz_fail(e, VZ_E_RUNNING, -EBUSY, "CT is running; stop it first");
        /* Per-CT script first, then the global one: what OpenVZ's code does
         * (its man page says the opposite). */
        r = vz_run_action_scripts(ct, "umount", true, e);
        if (r < 0)
                return r;
        r = vz_umount_tree(ct->root_path, e);
        if (r < 0)
                return r;
        return vz_run_action_scripts(ct, "postumount", true, e);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Repairing what a killed vzctl left unfinished, from its marker
 * (LOCKDIR/<CTID>.op, see journal.c). Each operation is undone up to its
 * point of no return and finished after it:
 *
 *   create   the config is saved last: without it (or, when the config was
 *            there before, without a complete private area) the create is
 *            undone: VE_ROOT unmounted (an image mounted for the unpack),
 *            staging area, private area, name link, template scratch
 *            subvolume or half-unpacked overlay lower layer removed. The
 *            CT is then cleanly absent.
 *   convert  the private areas are exchanged in one rename: if VE_PRIVATE
 *            already holds the new layout, the config is brought in line
 *            and the old area removed; else the partial new one is removed.
 *   snapshot a snapshot without its .info is unfinished and removed; a
 *            filesystem frozen for the copy is thawed.
 *   resize   offline, the image is replaced in one rename: the scratch
 *            copy is removed, and if the new image is in place the
 *            config's DISKSPACE is set to it. Online, the file grows
 *            first, then the loop device and ext4: if the file has its
 *            new size the grow is done again (each step is idempotent) and
 *            DISKSPACE saved; if that fails the file is cut back to its
 *            filesystem and DISKSPACE left as it was.
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "config/params.h"
#include "ctx.h"
#include "err.h"
#include "log.h"
#include "registry/registry.h"
#include "lifecycle.h"
#include "storage/storage.h"
#include "util.h"

static bool nonempty_area(const char *p)
{
        struct stat st;
        return p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && vz_dir_is_empty(p) == 0;
}

static int recover_create(vz_ctx *ctx, unsigned ctid, char *const *op, const char *pid)
{
        const char *priv = vz_op_get(op, "private"), *staging = vz_op_get(op, "staging");
        const char *root = vz_op_get(op, "root"), *name = vz_op_get(op, "name");
        const char *existed = vz_op_get(op, "conf_existed");
        _cleanup_free_ char *conf = vz_strdupf("%s/conf/%u.conf", ctx->confdir, ctid);
        bool complete;

        if (!conf)
                return -ENOMEM;
        if (existed && streq(existed, "1"))
                complete = nonempty_area(priv) && (!staging || access(staging, F_OK) < 0);
        else
                complete = access(conf, F_OK) == 0;
        if (complete) {
                vz_warn("CT %u: a create interrupted at its very end (pid %s) had finished; "
                        "nothing to repair",
                        ctid, pid);
                return 0;
        }
        /* An image mounted on VE_ROOT for the unpack: its loop device goes
         * with the unmount (autoclear). */
        if (root && vz_is_mountpoint(root) > 0 && vz_umount_tree(root, NULL) < 0)
                umount2(root, MNT_DETACH);
        if (staging && access(staging, F_OK) == 0)
                vz_private_remove(staging);
        if (priv && vz_op_get(op, "made_private") && access(priv, F_OK) == 0)
                vz_private_remove(priv);
        if (name)
                vz_name_unregister(ctx, name, ctid);
        if (root && vz_op_get(op, "made_root"))
                rmdir(root); /* only if empty: it may be an admin's directory */
        /* overlay: a lower layer that process was unpacking, its user entry. */
        vz_overlay_prune(vz_ctx_get(ctx, "TEMPLATE"));
        if (priv) {
                /* A template subvolume being unpacked by that process
                 * (btrfs layout): <parent>/.vztemplates/.tmp-<pid>. */
                _cleanup_free_ char *parent = strdup(priv), *tmp = NULL;
                char *slash = parent ? strrchr(parent, '/') : NULL;
                if (slash) {
                        *slash = '\0';
                        tmp = vz_strdupf("%s/.vztemplates/.tmp-%s", parent, pid);
                        if (tmp && vz_btrfs_is_subvolume(tmp))
                                vz_btrfs_delete(tmp, NULL);
                }
        }
        vz_warn("CT %u: found a create interrupted by the death of vzctl (pid %s); "
                "undone: the CT does not exist",
                ctid, pid);
        return 1;
}

static int recover_convert(vz_ctx *ctx, unsigned ctid, char *const *op, const char *pid, vz_err *e)
{
        const char *priv = vz_op_get(op, "private"), *staging = vz_op_get(op, "staging");
        const char *root = vz_op_get(op, "root"), *to = vz_op_get(op, "layout");
        vz_ct *ct = NULL;
        int r;

        if (!priv || !staging || !to)
                return vz_fail(e, VZ_E_SYSTEM, -EINVAL, "CT %u: unreadable convert marker", ctid);
        const char *mnt = vz_op_get(op, "mnt");

        if (root && vz_is_mountpoint(root) > 0 && vz_umount_tree(root, NULL) < 0)
                umount2(root, MNT_DETACH);
        /* The overlay side's mount point (VE_PRIVATE.convert-root). */
        if (mnt && vz_is_mountpoint(mnt) > 0)
                umount2(mnt, MNT_DETACH);
        if (mnt)
                rmdir(mnt);
        if (!streq(vz_layout_detect(priv), to)) {
                if (access(staging, F_OK) == 0)
                        vz_private_remove(staging);
                /* overlay: drop the user entry of the area just removed. */
                vz_overlay_prune(vz_ctx_get(ctx, "TEMPLATE"));
                vz_warn("CT %u: found a convert to %s interrupted by the death of vzctl "
                        "(pid %s) before the switch; undone: the CT is as it was",
                        ctid, to, pid);
                return 1;
        }
        /* Past the exchange: VE_PRIVATE is the new layout, staging the old. */
        r = vz_ct_open(ctx, ctid, &ct, e);
        if (r < 0)
                return r;
        r = vz_conffile_set(ct->conf, "VE_LAYOUT", to);
        if (r >= 0)
                r = vz_conffile_save(ct->conf, ct->conf_path, e);
        vz_ct_free(ct);
        if (r < 0)
                return vz_fail(e, VZ_E_CONFIG_SAVE, r, "CT %u: cannot finish the convert", ctid);
        if (access(staging, F_OK) == 0)
                vz_private_remove(staging);
        vz_overlay_prune(vz_ctx_get(ctx, "TEMPLATE"));
        vz_warn("CT %u: found a convert to %s interrupted by the death of vzctl (pid %s) "
                "after the switch; finished: the CT is on the %s layout",
                ctid, to, pid, to);
        return 1;
}

static int recover_snapshot(vz_ctx *ctx, unsigned ctid, char *const *op, const char *pid)
{
        const char *dir = vz_op_get(op, "dir"), *uuid = vz_op_get(op, "uuid");
        const char *frozen = vz_op_get(op, "frozen");
        _cleanup_free_ char *target = NULL, *info = NULL;
        bool thawed = false, removed = false;

        if (frozen) {
                _cleanup_close_ int fd = open(frozen, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                /* EINVAL: it was not frozen (killed before the freeze). */
                thawed = fd >= 0 && ioctl(fd, FITHAW, 0) == 0;
        }
        if (vz_op_get(op, "suspended")) {
                /* A running CT's snapshot froze its processes for the memory
                 * dump; thawing a CT that is not frozen is harmless. */
                vz_ct *ct = NULL;
                if (vz_ct_open(ctx, ctid, &ct, NULL) == 0)
                        thawed |= vz_ct_chkpnt(ct, VZ_CHKPNT_RESUME, NULL, NULL) == 0;
                vz_ct_free(ct);
        }
        if (dir && uuid) {
                target = vz_strdupf("%s/%s", dir, uuid);
                info = vz_strdupf("%s/%s.info", dir, uuid);
                if (target && info && access(info, F_OK) < 0) {
                        if (access(target, F_OK) == 0)
                                removed = vz_private_remove(target) == 0;
                        vz_snapshot_remove_extras(dir, uuid);
                }
        }
        vz_warn("CT %u: found a snapshot %s interrupted by the death of vzctl (pid %s)%s%s%s", ctid,
                uuid ? uuid : "?", pid, removed ? "; removed the partial snapshot" : "",
                thawed ? "; thawed the CT, frozen for the copy" : "",
                !removed && !thawed ? "; it had left nothing behind" : "");
        return 1;
}

static int recover_resize(vz_ctx *ctx, unsigned ctid, char *const *op, const char *pid, vz_err *e)
{
        const char *img = vz_op_get(op, "image"), *value = vz_op_get(op, "value");
        const char *size = vz_op_get(op, "size");
        _cleanup_free_ char *tmp = img ? vz_strdupf("%s.resize", img) : NULL;
        vz_ct *ct = NULL;
        struct stat st;
        int r;

        if (tmp)
                unlink(tmp);
        if (!img || !value || !size || stat(img, &st) < 0 ||
            (long long)st.st_size != strtoll(size, NULL, 10)) {
                vz_warn("CT %u: found a disk resize interrupted by the death of vzctl (pid %s) "
                        "before it took effect; the image is unchanged",
                        ctid, pid);
                return 1;
        }
        r = vz_ct_open(ctx, ctid, &ct, e);
        if (r < 0)
                return r;
        if (ct->private_path) {
                /* The file may have its new size and ext4 not yet (an online
                 * grow cut short): finish the grow, or undo it. */
                vz_ct_state cs = {0};
                vz_err ge = {0};
                vz_ct_get_state(ct, &cs, NULL);
                r = vz_image_resize(ct->private_path, cs.mounted ? ct->root_path : NULL,
                                    (int64_t)(st.st_size / 1024), &ge);
                if (r < 0) {
                        vz_warn("CT %u: found a disk resize interrupted by the death of vzctl "
                                "(pid %s); it cannot be finished (%s): DISKSPACE is unchanged",
                                ctid, pid, ge.msg);
                        vz_ct_free(ct);
                        return 1;
                }
        }
        r = vz_conffile_set(ct->conf, "DISKSPACE", value);
        if (r >= 0)
                r = vz_conffile_save(ct->conf, ct->conf_path, e);
        vz_ct_free(ct);
        if (r < 0)
                return vz_fail(e, VZ_E_CONFIG_SAVE, r, "CT %u: cannot finish the resize", ctid);
        vz_warn("CT %u: found a disk resize interrupted by the death of vzctl (pid %s) after "
                "the image was resized; finished: DISKSPACE=%s saved",
                ctid, pid, value);
        return 1;
}

_public_ int vz_ct_recover(vz_ctx *ctx, unsigned ctid, bool locked, vz_err *e)
{
        _cleanup_strv_free_ char **op = NULL;
        _cleanup_free_ char *path = vz_op_path(ctx, ctid);
        vz_lock *lock = NULL;
        const char *what, *pid;
        int r;

        if (!path || access(path, F_OK) < 0)
                return 0;
        if (!locked) {
                /* Held: the operation is still running (or another command
                 * is about to repair it); not ours to touch. */
                if (vz_lock_ct(ctx, ctid, 0, &lock, NULL) < 0) {
                        vz_debug("CT %u: an operation is in progress (%s)", ctid, path);
                        return 0;
                }
        }
        r = vz_op_read(ctx, ctid, &op);
        if (r < 0) {
                r = r == -ENOENT ? 0 : vz_fail(e, VZ_E_SYSTEM, r, "cannot read %s", path);
                goto out;
        }
        what = vz_op_get(op, "op");
        pid = vz_op_get(op, "pid");
        if (!pid)
                pid = "?";
        if (what && streq(what, "create"))
                r = recover_create(ctx, ctid, op, pid);
        else if (what && streq(what, "convert"))
                r = recover_convert(ctx, ctid, op, pid, e);
        else if (what && streq(what, "snapshot"))
                r = recover_snapshot(ctx, ctid, op, pid);
        else if (what && streq(what, "resize"))
                r = recover_resize(ctx, ctid, op, pid, e);
        else {
                vz_warn("CT %u: unknown operation marker %s (op=%s): removed", ctid, path,
                        what ? what : "?");
                r = 0;
        }
        if (r >= 0)
                vz_op_end(ctx, ctid);
out:
        vz_unlock(lock);
        return r;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Moving a CT between layouts (vzctl convert), giving an image's free space
 * back to the host (vzctl compact), and disk usage of layouts without their
 * own filesystem statistics.
 *
 * convert: a new private area of the wanted layout is built beside the old
 * one (VE_PRIVATE.convert), the files copied with `cp -a` (ownership as
 * stored, i.e. as the CT sees it, modes, hard links, xattrs, ACLs, sparse
 * files), then the two are exchanged in one renameat2(RENAME_EXCHANGE) and
 * the old one deleted. Journaled (journal.c): a killed convert leaves the
 * CT on its old layout or, once the exchange happened, on the new one, and
 * the next command finishes the job (recover.c).
 */
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <btrfsutil.h>

#include "config/params.h"
#include "ctx.h"
#include "err.h"
#include "log.h"
#include "storage.h"
#include "util.h"

#define E_CONVERT 155
#define E_COMPACT 166

const char *vz_layout_detect(const char *private_path)
{
        if (vz_overlay_is(private_path))
                return "overlay";
        if (vz_btrfs_is_subvolume(private_path))
                return "btrfs";
        if (vz_image_exists(private_path))
                return "ploop";
        return "simfs";
}

static bool has_snapshots(const vz_ct *ct)
{
        _cleanup_free_ char *parent = strdup(ct->private_path), *dir = NULL;
        char *slash = parent ? strrchr(parent, '/') : NULL;

        if (!slash)
                return false;
        *slash = '\0';
        dir = vz_strdupf("%s/.vzsnapshots/%u", parent, ct->id);
        return dir && vz_dir_is_empty(dir) == 0;
}

static int run_cp(const char *src, const char *dst)
{
        _cleanup_free_ char *from = vz_strdupf("%s/.", src);
        char *argv[] = {"cp", "-a", "--sparse=auto", "--one-file-system", from, (char *)dst,
                        NULL};
        pid_t pid;
        int st;

        if (!from)
                return -ENOMEM;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* Remove a private area of any layout. */
int vz_private_remove(const char *path)
{
        if (vz_btrfs_is_subvolume(path))
                return vz_btrfs_delete(path, NULL);
        return vz_rm_rf(path);
}

_public_ int vz_ct_convert(vz_ct *ct, const char *layout, vz_err *e)
{
        _cleanup_free_ char *staging = NULL, *kp = NULL, *ks = NULL, *kr = NULL, *kl = NULL;
        const char *from, *to, *src, *dst;
        bool src_mounted = false, dst_mounted = false;
        vz_ct_limits lim = {0};
        vz_ct_state st;
        int64_t soft;
        int r;

        if (!ct->has_config)
                return vz_fail(e, VZ_E_NOVECONFIG, -ENOENT, "CT config %s does not exist",
                               ct->conf_path);
        if (!ct->private_path)
                return vz_fail(e, VZ_E_VE_PRIVATE_NOTSET, -EINVAL, "VE_PRIVATE is not set");
        if (!ct->root_path)
                return vz_fail(e, VZ_E_VE_ROOT_NOTSET, -EINVAL, "VE_ROOT is not set");
        if (isempty(layout))
                return vz_fail(e, VZ_E_SYNTAX, -EINVAL, "--layout simfs|ploop|btrfs is required");
        to = vz_layout_is_image(layout) ? "ploop"
             : streq(layout, "btrfs")   ? "btrfs"
             : streq(layout, "simfs")   ? "simfs"
                                        : NULL;
        if (!to)
                return vz_fail(e, VZ_E_VALUE, -EINVAL,
                               "unknown layout %s (simfs, ploop or btrfs)", layout);
        vz_ct_get_state(ct, &st, NULL);
        if (!st.exists)
                return vz_fail(e, VZ_E_FS_NOPRVT, -ENOENT, "private area %s does not exist",
                               ct->private_path);
        if (st.running)
                return vz_fail(e, VZ_E_RUNNING, -EBUSY, "CT is running; stop it first");
        if (st.mounted)
                return vz_fail(e, VZ_E_FS_MOUNTED, -EBUSY, "CT is mounted; unmount it first");
        from = vz_layout_detect(ct->private_path);
        if (streq(from, to))
                return vz_fail(e, E_CONVERT, -EINVAL, "CT is already on the %s layout", to);
        if (has_snapshots(ct))
                return vz_fail(e, E_CONVERT, -EBUSY,
                               "CT has snapshots, which belong to its %s layout: delete them "
                               "first (vzctl snapshot-list / snapshot-delete)",
                               from);
        {
                const char *ds = vz_ct_get(ct, "DISKSPACE"), *di = vz_ct_get(ct, "DISKINODES");
                if (ds && vz_param_disk_value("DISKSPACE", ds, &soft, &lim.diskspace_kb) < 0)
                        lim.diskspace_kb = 0;
                if (di && vz_param_disk_value("DISKINODES", di, &soft, &lim.diskinodes) < 0)
                        lim.diskinodes = 0;
                if (lim.diskspace_kb == VZ_UNLIMITED)
                        lim.diskspace_kb = 0;
                if (lim.diskinodes == VZ_UNLIMITED)
                        lim.diskinodes = 0;
        }
        if (streq(to, "ploop") && lim.diskspace_kb <= 0)
                return vz_fail(e, 63, -EINVAL,
                               "DISKSPACE is not set: the ploop layout needs the image size "
                               "(vzctl set --diskspace S:H --save)");
        staging = vz_strdupf("%s.convert", ct->private_path);
        if (!staging)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (streq(to, "btrfs")) {
                _cleanup_free_ char *parent = strdup(ct->private_path);
                char *slash = parent ? strrchr(parent, '/') : NULL;
                if (slash && slash != parent)
                        *slash = '\0';
                if (!parent || !vz_btrfs_supported(parent))
                        return vz_fail(e, VZ_E_PLOOP_UNSUP, -EOPNOTSUPP,
                                       "%s is not on btrfs: the btrfs layout needs VE_PRIVATE there",
                                       parent ? parent : ct->private_path);
        }
        if (access(staging, F_OK) == 0)
                return vz_fail(e, E_CONVERT, -EEXIST,
                               "%s exists (left by an earlier convert?): remove it first",
                               staging);

        kp = vz_strdupf("private=%s", ct->private_path);
        ks = vz_strdupf("staging=%s", staging);
        kr = vz_strdupf("root=%s", ct->root_path);
        kl = vz_strdupf("layout=%s", to);
        if (!kp || !ks || !kr || !kl)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        {
                char *kv[] = {kp, ks, kr, kl, NULL};
                r = vz_op_begin(ct->ctx, ct->id, "convert", kv, e);
                if (r < 0)
                        return r;
        }

        /* The new private area. */
        if (streq(to, "btrfs")) {
                enum btrfs_util_error err = btrfs_util_create_subvolume(staging, 0, NULL, NULL);
                if (err != BTRFS_UTIL_OK) {
                        r = vz_fail(e, E_CONVERT, -EIO, "cannot create subvolume %s: %s",
                                    staging, btrfs_util_strerror(err));
                        goto fail;
                }
                if (lim.diskspace_kb > 0) {
                        r = vz_btrfs_set_limit(staging, lim.diskspace_kb, e);
                        if (r < 0)
                                goto fail;
                }
                dst = staging;
        } else if (mkdir(staging, 0700) < 0) {
                r = vz_fail(e, E_CONVERT, -errno, "cannot create %s: %s", staging,
                            strerror(errno));
                goto fail;
        } else
                dst = staging;
        r = vz_mkdir_p(ct->root_path, 0755);
        if (r < 0) {
                r = vz_fail(e, VZ_E_FS_MPOINTCREATE, r, "cannot create %s", ct->root_path);
                goto fail;
        }
        if (streq(to, "ploop")) {
                _cleanup_free_ char *lf = vz_strdupf("%s/lost+found", ct->root_path);
                r = vz_image_create(staging, &lim, e);
                if (r < 0)
                        goto fail;
                r = vz_image_mount(staging, ct->root_path, MS_NOSUID | MS_NODEV, e);
                if (r < 0)
                        goto fail;
                dst_mounted = true;
                dst = ct->root_path;
                if (lf)
                        rmdir(lf);
        }
        /* The old one, as files: an image is checked and mounted read-only
         * on VE_ROOT (free: only one side is ever an image). */
        src = ct->private_path;
        if (streq(from, "ploop")) {
                r = vz_image_fsck(ct->private_path, e);
                if (r < 0)
                        goto fail;
                r = vz_image_mount(ct->private_path, ct->root_path,
                                   MS_RDONLY | MS_NOSUID | MS_NODEV, e);
                if (r < 0)
                        goto fail;
                src_mounted = true;
                src = ct->root_path;
        }
        r = run_cp(src, dst);
        if (r < 0) {
                r = vz_fail(e, r == -ENOMEM ? VZ_E_RESOURCE : E_CONVERT, r,
                            "copying the CT's files from %s to %s failed", src, dst);
                goto fail;
        }
        if (src_mounted || dst_mounted) {
                src_mounted = dst_mounted = false;
                if (umount2(ct->root_path, 0) < 0) {
                        r = vz_fail(e, VZ_E_FS_CANTUMOUNT, -errno, "cannot unmount %s: %s",
                                    ct->root_path, strerror(errno));
                        goto fail;
                }
        }
        vz_test_stall("convert-copied");
        /* The switch: one atomic exchange. */
        if (renameat2(AT_FDCWD, staging, AT_FDCWD, ct->private_path, RENAME_EXCHANGE) < 0) {
                r = vz_fail(e, E_CONVERT, -errno, "cannot exchange %s and %s: %s", staging,
                            ct->private_path, strerror(errno));
                goto fail;
        }
        vz_test_stall("convert-exchanged");
        r = vz_conffile_set(ct->conf, "VE_LAYOUT", to);
        if (r >= 0)
                r = vz_conffile_save(ct->conf, ct->conf_path, e);
        if (r < 0) {
                /* Put the old area back: the config still names its layout. */
                if (renameat2(AT_FDCWD, staging, AT_FDCWD, ct->private_path, RENAME_EXCHANGE) < 0)
                        vz_warn("cannot exchange %s back: %s", staging, strerror(errno));
                vz_conffile_set(ct->conf, "VE_LAYOUT", from);
                if (e && !e->msg[0])
                        vz_fail(e, VZ_E_CONFIG_SAVE, r, "cannot save %s", ct->conf_path);
                goto fail;
        }
        /* staging holds the old area now. */
        r = vz_private_remove(staging);
        if (r < 0)
                vz_warn("cannot remove the old private area %s: %s", staging, strerror(-r));
        vz_op_end(ct->ctx, ct->id);
        return 0;
fail:
        if (src_mounted || dst_mounted)
                umount2(ct->root_path, MNT_DETACH);
        vz_private_remove(staging);
        vz_op_end(ct->ctx, ct->id);
        return r;
}

_public_ int vz_ct_compact(vz_ct *ct, uint64_t *ret_bytes, vz_err *e)
{
        vz_ct_state st;
        int64_t n;
        int r;

        if (!ct->has_config)
                return vz_fail(e, VZ_E_NOVECONFIG, -ENOENT, "CT config %s does not exist",
                               ct->conf_path);
        if (!ct->private_path || !ct->root_path)
                return vz_fail(e, VZ_E_VE_PRIVATE_NOTSET, -EINVAL,
                               "VE_PRIVATE or VE_ROOT is not set");
        if (!vz_image_exists(ct->private_path))
                return vz_fail(e, VZ_E_PLOOP_UNSUP, -EOPNOTSUPP,
                               "compact is for the ploop (image) layout; a %s CT's free space "
                               "is the host filesystem's already",
                               vz_layout_detect(ct->private_path));
        vz_ct_get_state(ct, &st, NULL);
        if (st.mounted)
                n = vz_image_compact(ct->root_path, e);
        else {
                r = vz_image_wait_free(ct->private_path, e);
                if (r < 0)
                        return r;
                r = vz_mkdir_p(ct->root_path, 0755);
                if (r < 0)
                        return vz_fail(e, VZ_E_FS_MPOINTCREATE, r, "cannot create %s",
                                       ct->root_path);
                r = vz_image_mount(ct->private_path, ct->root_path, MS_NOSUID | MS_NODEV, e);
                if (r < 0)
                        return r;
                n = vz_image_compact(ct->root_path, e);
                if (umount2(ct->root_path, 0) < 0 && n >= 0)
                        n = vz_fail(e, VZ_E_FS_CANTUMOUNT, -errno, "cannot unmount %s",
                                    ct->root_path);
        }
        if (n < 0)
                return (int)n;
        if (ret_bytes)
                *ret_bytes = (uint64_t)n;
        return 0;
}

/* ------------------------------------------------------------------ usage */

static _Thread_local double walk_kb, walk_inodes;

static int walk_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)path;
        (void)flag;
        (void)ftw;
        /* A hard-linked inode is counted once over all its names. */
        double share = st->st_nlink > 1 && !S_ISDIR(st->st_mode) ? 1.0 / st->st_nlink : 1.0;
        walk_kb += (double)st->st_blocks / 2 * share;
        walk_inodes += share;
        return 0;
}

int vz_tree_usage(const char *path, int64_t *ret_kb, int64_t *ret_inodes)
{
        walk_kb = walk_inodes = 0;
        /* FTW_PHYS: symlinks are not followed; FTW_MOUNT: one filesystem. */
        if (nftw(path, walk_one, 32, FTW_PHYS | FTW_MOUNT) < 0)
                return -errno;
        *ret_kb = (int64_t)(walk_kb + 0.5);
        *ret_inodes = (int64_t)(walk_inodes + 0.5);
        return 0;
}

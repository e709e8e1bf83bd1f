/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Moving a CT between layouts (vzctl convert), giving an image's free space
 * back to the host (vzctl compact), and disk usage of layouts without their
 * own filesystem statistics.
 *
 * convert: a new private area of the wanted layout is built beside the old
 * one (VE_PRIVATE.convert), the files copied with `cp -a` (ownership as
 * stored, i.e. as the CT sees it, modes, hard links, xattrs, ACLs, sparse
 * files; into an overlay with rsync, so that files equal to the template's
 * stay shared), an overlay side mounted on VE_PRIVATE.convert-root for
 * the copy, then the two are exchanged in one renameat2(RENAME_EXCHANGE) and
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

/* Run argv (a copy program) to completion: 0 if it exited 0. */
static int run_copy(char *const argv[])
{
        pid_t pid = fork();
        int st;

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

static int run_cp(const char *src, const char *dst)
{
        _cleanup_free_ char *from = vz_strdupf("%s/.", src);
        char *argv[] = {"cp", "-a", "--sparse=auto", "--one-file-system", from, (char *)dst, NULL};

        return from ? run_copy(argv) : -ENOMEM;
}

static int conv_unpack(const char *archive, int target_fd, void *userdata, vz_err *e)
{
        (void)userdata;
        return vz_tmpl_unpack(archive, target_fd, NULL, NULL, e);
}

/* Remove a private area of any layout. */
int vz_private_remove(const char *path)
{
        if (vz_btrfs_is_subvolume(path))
                return vz_btrfs_delete(path, NULL);
        return vz_rm_rf(path);
}

/* rsync into an overlay: files equal to the lower (size, time, owner,
 * mode) are left alone, so they stay the shared lower's; only what
 * differs is copied up, and what the CT deleted becomes a whiteout. */
static int run_rsync(const char *src, const char *dst)
{
        _cleanup_free_ char *from = vz_strdupf("%s/", src), *to = vz_strdupf("%s/", dst);
        char *argv[] = {
            "rsync", "-aHAX", "--numeric-ids", "--delete", "--one-file-system", "--quiet", from,
            to,      NULL};

        return from && to ? run_copy(argv) : -ENOMEM;
}

struct conv {
        vz_ct *ct;
        const char *from, *to;
        vz_ct_limits lim;
        char *staging, *mnt; /* mnt: where the overlay side is mounted */
        char *lower;         /* to overlay: the new area's lower layer */
        bool root_mounted, mnt_mounted;
};

static void conv_free(struct conv *c)
{
        free(c->staging);
        free(c->mnt);
        free(c->lower);
}

static void conv_umount(struct conv *c, int flags)
{
        if (c->root_mounted)
                umount2(c->ct->root_path, flags);
        if (c->mnt_mounted)
                umount2(c->mnt, flags);
        c->root_mounted = c->mnt_mounted = false;
}

static char *parent_of(const char *path)
{
        char *parent = strdup(path), *slash = parent ? strrchr(parent, '/') : NULL;
        if (slash && slash != parent)
                *slash = '\0';
        return parent;
}

static int conv_check(struct conv *c, const char *layout, vz_err *e)
{
        vz_ct *ct = c->ct;
        vz_ct_state st;

        if (!ct->has_config)
                return vz_fail(e, VZ_E_NOVECONFIG, -ENOENT, "CT config %s does not exist",
                               ct->conf_path);
        if (!ct->private_path)
                return vz_fail(e, VZ_E_VE_PRIVATE_NOTSET, -EINVAL, "VE_PRIVATE is not set");
        if (!ct->root_path)
                return vz_fail(e, VZ_E_VE_ROOT_NOTSET, -EINVAL, "VE_ROOT is not set");
        if (isempty(layout))
                return vz_fail(e, VZ_E_SYNTAX, -EINVAL,
                               "--layout simfs|ploop|btrfs|overlay is required");
        c->to = vz_layout_is_image(layout) ? "ploop"
                : streq(layout, "btrfs")   ? "btrfs"
                : streq(layout, "simfs")   ? "simfs"
                : streq(layout, "overlay") ? "overlay"
                                           : NULL;
        if (!c->to)
                return vz_fail(e, VZ_E_VALUE, -EINVAL,
                               "unknown layout %s (simfs, ploop, btrfs or overlay)", layout);
        vz_ct_get_state(ct, &st, NULL);
        if (!st.exists)
                return vz_fail(e, VZ_E_FS_NOPRVT, -ENOENT, "private area %s does not exist",
                               ct->private_path);
        if (st.running)
                return vz_fail(e, VZ_E_RUNNING, -EBUSY, "CT is running; stop it first");
        if (st.mounted)
                return vz_fail(e, VZ_E_FS_MOUNTED, -EBUSY, "CT is mounted; unmount it first");
        c->from = vz_layout_detect(ct->private_path);
        if (streq(c->from, c->to))
                return vz_fail(e, E_CONVERT, -EINVAL, "CT is already on the %s layout", c->to);
        if (has_snapshots(ct))
                return vz_fail(e, E_CONVERT, -EBUSY,
                               "CT has snapshots, which belong to its %s layout: delete them "
                               "first (vzctl snapshot-list / snapshot-delete)",
                               c->from);
        return 0;
}

static int conv_prepare(struct conv *c, vz_err *e)
{
        vz_ct *ct = c->ct;
        const char *ds = vz_ct_get(ct, "DISKSPACE"), *di = vz_ct_get(ct, "DISKINODES");
        _cleanup_free_ char *parent = parent_of(ct->private_path);
        int64_t soft;

        if (ds && vz_param_disk_value("DISKSPACE", ds, &soft, &c->lim.diskspace_kb) < 0)
                c->lim.diskspace_kb = 0;
        if (di && vz_param_disk_value("DISKINODES", di, &soft, &c->lim.diskinodes) < 0)
                c->lim.diskinodes = 0;
        if (c->lim.diskspace_kb == VZ_UNLIMITED)
                c->lim.diskspace_kb = 0;
        if (c->lim.diskinodes == VZ_UNLIMITED)
                c->lim.diskinodes = 0;
        if (streq(c->to, "ploop") && c->lim.diskspace_kb <= 0)
                return vz_fail(e, 63, -EINVAL,
                               "DISKSPACE is not set: the ploop layout needs the image size "
                               "(vzctl set --diskspace S:H --save)");
        c->staging = vz_strdupf("%s.convert", ct->private_path);
        c->mnt = vz_strdupf("%s.convert-root", ct->private_path);
        if (!c->staging || !c->mnt || !parent)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (streq(c->to, "btrfs") && !vz_btrfs_supported(parent))
                return vz_fail(e, VZ_E_PLOOP_UNSUP, -EOPNOTSUPP,
                               "%s is not on btrfs: the btrfs layout needs VE_PRIVATE there",
                               parent);
        if (access(c->staging, F_OK) == 0)
                return vz_fail(e, E_CONVERT, -EEXIST,
                               "%s exists (left by an earlier convert?): remove it first",
                               c->staging);
        return 0;
}

static int conv_journal(struct conv *c, vz_err *e)
{
        vz_ct *ct = c->ct;
        _cleanup_free_ char *kp = vz_strdupf("private=%s", ct->private_path);
        _cleanup_free_ char *ks = vz_strdupf("staging=%s", c->staging);
        _cleanup_free_ char *kr = vz_strdupf("root=%s", ct->root_path);
        _cleanup_free_ char *kl = vz_strdupf("layout=%s", c->to);
        _cleanup_free_ char *km = vz_strdupf("mnt=%s", c->mnt);
        char *kv[] = {kp, ks, kr, kl, km, NULL};

        if (!kp || !ks || !kr || !kl || !km)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        return vz_op_begin(ct->ctx, ct->id, "convert", kv, e);
}

/* The overlay side of a convert, mounted (not idmapped: the IDs as stored)
 * on c->mnt: read-only as the source, writable as the destination. */
static int conv_mount_overlay(struct conv *c, const char *area, bool rdonly, vz_err *e)
{
        int r;

        if (mkdir(c->mnt, 0700) < 0 && errno != EEXIST)
                return vz_fail(e, E_CONVERT, -errno, "cannot create %s", c->mnt);
        r = vz_overlay_mount(area, c->mnt, -1, 0, 0, rdonly, e);
        if (r < 0)
                return r;
        c->mnt_mounted = true;
        return 0;
}

/* to overlay: an upper over the lower of the CT's OS template cache. */
static int conv_new_overlay(struct conv *c, vz_err *e)
{
        vz_ct *ct = c->ct;
        const char *ost = vz_ct_get(ct, "OSTEMPLATE");
        _cleanup_free_ char *cache = NULL;
        int r;

        if (isempty(ost))
                return vz_fail(e, E_CONVERT, -EINVAL,
                               "OSTEMPLATE is not set: the overlay layout needs its cache");
        r = vz_tmpl_find_cache(ct->ctx, ost, &cache, e);
        if (r < 0)
                return r;
        r = vz_overlay_lower(vz_ctx_get(ct->ctx, "TEMPLATE"), cache, conv_unpack, NULL, &c->lower,
                             e);
        if (r < 0)
                return r;
        r = vz_overlay_make(c->staging, c->lower, e);
        if (r < 0)
                return r;
        if (vz_overlay_register(c->lower, ct->id, ct->private_path) < 0)
                return vz_fail(e, E_CONVERT, -errno, "cannot register CT %u as a user of %s",
                               ct->id, c->lower);
        return conv_mount_overlay(c, c->staging, false, e);
}

/* The new private area, and the directory to copy into. */
static int conv_new_area(struct conv *c, const char **ret_dst, vz_err *e)
{
        vz_ct *ct = c->ct;
        int r;

        if (streq(c->to, "btrfs")) {
                r = vz_btrfs_subvol_new(c->staging, e);
                if (r == 0 && c->lim.diskspace_kb > 0)
                        r = vz_btrfs_set_limit(c->staging, c->lim.diskspace_kb, e);
                if (r < 0)
                        return r;
        } else if (mkdir(c->staging, 0700) < 0)
                return vz_fail(e, E_CONVERT, -errno, "cannot create %s: %s", c->staging,
                               strerror(errno));
        *ret_dst = c->staging;
        r = vz_mkdir_p(ct->root_path, 0755);
        if (r < 0)
                return vz_fail(e, VZ_E_FS_MPOINTCREATE, r, "cannot create %s", ct->root_path);
        if (streq(c->to, "overlay")) {
                *ret_dst = c->mnt;
                return conv_new_overlay(c, e);
        }
        if (streq(c->to, "ploop")) {
                _cleanup_free_ char *lf = vz_strdupf("%s/lost+found", ct->root_path);
                r = vz_image_create(c->staging, &c->lim, e);
                if (r < 0)
                        return r;
                r = vz_image_mount(c->staging, ct->root_path, MS_NOSUID | MS_NODEV, e);
                if (r < 0)
                        return r;
                c->root_mounted = true;
                *ret_dst = ct->root_path;
                if (lf)
                        rmdir(lf);
        }
        return 0;
}

/* The old area as files: an image checked and mounted read-only on VE_ROOT
 * (free: only one side is ever an image), an overlay's merged view. */
static int conv_old_area(struct conv *c, const char **ret_src, vz_err *e)
{
        vz_ct *ct = c->ct;
        int r;

        *ret_src = ct->private_path;
        if (streq(c->from, "overlay")) {
                r = conv_mount_overlay(c, ct->private_path, true, e);
                *ret_src = c->mnt;
                return r;
        }
        if (!streq(c->from, "ploop"))
                return 0;
        r = vz_image_fsck(ct->private_path, e);
        if (r < 0)
                return r;
        r = vz_image_mount(ct->private_path, ct->root_path, MS_RDONLY | MS_NOSUID | MS_NODEV, e);
        if (r < 0)
                return r;
        c->root_mounted = true;
        *ret_src = ct->root_path;
        return 0;
}

static int conv_copy(struct conv *c, vz_err *e)
{
        const char *src = NULL, *dst = NULL;
        int r;

        r = conv_new_area(c, &dst, e);
        if (r >= 0)
                r = conv_old_area(c, &src, e);
        if (r < 0)
                return r;
        r = streq(c->to, "overlay") ? run_rsync(src, dst) : run_cp(src, dst);
        if (r < 0)
                return vz_fail(e, r == -ENOMEM ? VZ_E_RESOURCE : E_CONVERT, r,
                               "copying the CT's files from %s to %s failed", src, dst);
        if (c->root_mounted && umount2(c->ct->root_path, 0) < 0)
                return vz_fail(e, VZ_E_FS_CANTUMOUNT, -errno, "cannot unmount %s: %s",
                               c->ct->root_path, strerror(errno));
        c->root_mounted = false;
        if (c->mnt_mounted && umount2(c->mnt, 0) < 0)
                return vz_fail(e, VZ_E_FS_CANTUMOUNT, -errno, "cannot unmount %s: %s", c->mnt,
                               strerror(errno));
        c->mnt_mounted = false;
        rmdir(c->mnt);
        return 0;
}

/* The switch: one atomic exchange, then the config. */
static int conv_switch(struct conv *c, vz_err *e)
{
        vz_ct *ct = c->ct;
        int r;

        if (renameat2(AT_FDCWD, c->staging, AT_FDCWD, ct->private_path, RENAME_EXCHANGE) < 0)
                return vz_fail(e, E_CONVERT, -errno, "cannot exchange %s and %s: %s", c->staging,
                               ct->private_path, strerror(errno));
        vz_test_stall("convert-exchanged");
        r = vz_conffile_set(ct->conf, "VE_LAYOUT", c->to);
        if (r >= 0)
                r = vz_conffile_save(ct->conf, ct->conf_path, e);
        if (r < 0) {
                /* Put the old area back: the config still names its layout. */
                if (renameat2(AT_FDCWD, c->staging, AT_FDCWD, ct->private_path, RENAME_EXCHANGE) <
                    0)
                        vz_warn("cannot exchange %s back: %s", c->staging, strerror(errno));
                vz_conffile_set(ct->conf, "VE_LAYOUT", c->from);
                if (e && !e->msg[0])
                        vz_fail(e, VZ_E_CONFIG_SAVE, r, "cannot save %s", ct->conf_path);
                return r;
        }
        return 0;
}

_public_ int vz_ct_convert(vz_ct *ct, const char *layout, vz_err *e)
{
        struct conv c = {.ct = ct};
        _cleanup_free_ char *old_lower = NULL;
        const char *tmpl = vz_ctx_get(ct->ctx, "TEMPLATE");
        int r;

        r = conv_check(&c, layout, e);
        if (r >= 0)
                r = conv_prepare(&c, e);
        if (r < 0)
                goto out;
        r = conv_journal(&c, e);
        if (r < 0)
                goto out;
        old_lower = vz_overlay_lower_of(ct->private_path);
        r = conv_copy(&c, e);
        if (r >= 0) {
                vz_test_stall("convert-copied");
                r = conv_switch(&c, e);
        }
        if (r < 0) {
                conv_umount(&c, MNT_DETACH);
                rmdir(c.mnt);
                vz_private_remove(c.staging);
                if (c.lower)
                        vz_overlay_release(tmpl, c.lower, 0);
        } else {
                /* staging holds the old area now. */
                int k = vz_private_remove(c.staging);
                if (k < 0)
                        vz_warn("cannot remove the old private area %s: %s", c.staging,
                                strerror(-k));
                if (old_lower)
                        vz_overlay_release(tmpl, old_lower, ct->id);
        }
        vz_op_end(ct->ctx, ct->id);
out:
        conv_free(&c);
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

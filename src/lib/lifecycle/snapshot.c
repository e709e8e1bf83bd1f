/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshots of a CT's disk (OpenVZ's vzctl snapshot-*), for the btrfs layout
 * (a read-only snapshot of the CT's subvolume: instant, shares blocks) and
 * the image layout (a sparse copy of the image; the filesystem is frozen
 * while a running CT's image is copied). simfs has none.
 *
 * They live beside the private areas, never inside one (a CT must not see
 * or change its own snapshots): <parent of VE_PRIVATE>/.vzsnapshots/<CTID>/
 * <UUID>/ (the subvolume, or a directory holding root.hdd), with
 * <UUID>.info: NAME=, DESCRIPTION=, DATE=, PARENT=, MOUNT= lines,
 * <UUID>.ve.conf (the CT's config then, unless --skip-config) and
 * <UUID>.dump/ (criu images of the CT's memory when it was running, unless
 * --skip-suspend: OpenVZ's VE_PRIVATE/dump/<uuid>). The dump is taken
 * while the CT is frozen, after the disk copy, so the two match.
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include <btrfsutil.h>

#include "ctx.h"
#include "err.h"
#include "log.h"
#include "lifecycle.h"
#include "storage/storage.h"
#include "util.h"

#define E_SNAP_CREATE 156
#define E_SNAP_DELETE 158
#define E_SNAP_SWITCH 159
#define E_SNAP_MOUNT  160
#define E_SNAP_UMOUNT 161
#define E_SNAP_LIST   167

static char *snap_dir(const vz_ct *ct)
{
        _cleanup_free_ char *parent = strdup(ct->private_path);
        char *slash = parent ? strrchr(parent, '/') : NULL;

        if (!slash)
                return NULL;
        *slash = '\0';
        return vz_strdupf("%s/.vzsnapshots/%u", parent, ct->id);
}

static int layout_of(const vz_ct *ct, vz_err *e)
{
        if (!ct->private_path)
                return vz_fail(e, VZ_E_VE_PRIVATE_NOTSET, -EINVAL, "VE_PRIVATE is not set");
        if (vz_overlay_is(ct->private_path))
                return vz_fail(e, VZ_E_PLOOP_UNSUP, -EOPNOTSUPP,
                               "snapshots are not supported on the overlay layout; convert the "
                               "CT to ploop or btrfs for them (vzctl convert %u --layout ...)",
                               ct->id);
        if (vz_btrfs_is_subvolume(ct->private_path))
                return 'b';
        if (vz_image_exists(ct->private_path))
                return 'i';
        return vz_fail(e, VZ_E_PLOOP_UNSUP, -EOPNOTSUPP,
                       "snapshots need the ploop (image) or btrfs layout; this CT is simfs");
}

static bool uuid_valid(const char *s)
{
        if (!s || strlen(s) != 36)
                return false;
        for (int i = 0; i < 36; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
                        return false;
        }
        return true;
}

static int new_uuid(char out[37])
{
        unsigned char b[16];
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

        if (fd < 0 || read(fd, b, sizeof(b)) != sizeof(b)) {
                if (fd >= 0)
                        close(fd);
                return -EIO;
        }
        close(fd);
        b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
        b[8] = (b[8] & 0x3f) | 0x80;
        snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                 b[13], b[14], b[15]);
        return 0;
}

static char *info_path(const char *dir, const char *uuid)
{
        return vz_strdupf("%s/%s.info", dir, uuid);
}

static char *info_get(const char *dir, const char *uuid, const char *key)
{
        _cleanup_free_ char *p = info_path(dir, uuid), *buf = NULL;
        size_t kl = strlen(key);

        if (!p || vz_read_file(p, 65536, &buf, NULL) < 0)
                return NULL;
        for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
                if (strncmp(l, key, kl) == 0 && l[kl] == '=')
                        return strdup(l + kl + 1);
        return NULL;
}

static int info_write(const char *dir, const char *uuid, const char *name, const char *desc,
                      const char *date, const char *parent, const char *mount)
{
        _cleanup_free_ char *p = info_path(dir, uuid), *buf = NULL;

        buf = vz_strdupf("NAME=%s\nDESCRIPTION=%s\nDATE=%s\nPARENT=%s\nMOUNT=%s\n", name ?: "",
                         desc ?: "", date ?: "", parent ?: "", mount ?: "");
        if (!p || !buf)
                return -ENOMEM;
        return vz_write_file_atomic(p, buf, strlen(buf), 0600);
}

/* Rewrite a snapshot's info with MOUNT= changed (NULL: not mounted). */
static int info_set_mount(const char *dir, const char *uuid, const char *mount)
{
        _cleanup_free_ char *name = info_get(dir, uuid, "NAME");
        _cleanup_free_ char *desc = info_get(dir, uuid, "DESCRIPTION");
        _cleanup_free_ char *date = info_get(dir, uuid, "DATE");
        _cleanup_free_ char *parent = info_get(dir, uuid, "PARENT");

        return info_write(dir, uuid, name, desc, date, parent, mount);
}

/* The snapshot the CT was last taken from or switched to ("current"). */
static char *current_of(const char *dir)
{
        _cleanup_free_ char *p = vz_strdupf("%s/current", dir);
        char *buf = NULL;

        if (!p || vz_read_file(p, 64, &buf, NULL) < 0)
                return NULL;
        buf[strcspn(buf, "\n")] = '\0';
        return buf;
}

static void set_current(const char *dir, const char *uuid)
{
        _cleanup_free_ char *p = vz_strdupf("%s/current", dir);
        if (p)
                vz_write_file_atomic(p, uuid, strlen(uuid), 0600);
}

static int take_snapshot(vz_ct *ct, int kind, const char *target, vz_err *e);

/* The files a snapshot has beside its disk: config copy, memory dump and
 * criu's logs of it. */
static char *extra_path(const char *dir, const char *uuid, const char *suffix)
{
        return vz_strdupf("%s/%s%s", dir, uuid, suffix);
}

void vz_snapshot_remove_extras(const char *dir, const char *uuid)
{
        static const char *const sfx[] = {
            ".ve.conf", ".dump", ".dump.tmp", ".dump.dump.log", ".dump.restore.log", NULL};
        for (size_t i = 0; sfx[i]; i++) {
                _cleanup_free_ char *p = extra_path(dir, uuid, sfx[i]);
                if (p)
                        (void)vz_rm_rf(p);
        }
}

/* e's message behind a word of context (vz_fail_replace cannot format
 * e->msg into itself). */
static int rewrap(vz_err *e, int code, int r, const char *what)
{
        char m[sizeof(e->msg)];

        snprintf(m, sizeof(m), "%s", e ? e->msg : "");
        return vz_fail_replace(e, code, r, "%s: %s", what, m);
}

static int copy_file(const char *from, const char *to)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = vz_read_file(from, 1 << 22, &buf, &len);

        return r < 0 ? r : vz_write_file_atomic(to, buf, len, 0644);
}

/* The CT's config was replaced on disk: read it again. */
static int reload_config(vz_ct *ct)
{
        vz_conffile *f = NULL;
        int r = vz_conffile_load(ct->conf_path, &f, NULL);

        if (r < 0)
                return r;
        vz_conffile_free(ct->conf);
        ct->conf = f;
        ct->has_config = true;
        return vz_ct_refresh_paths(ct);
}

static int freeze(const char *root, bool on)
{
        _cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return ioctl(fd, on ? FIFREEZE : FITHAW, 0) < 0 ? -errno : 0;
}

_public_ int vz_ct_snapshot(vz_ct *ct, const char *uuid_in, const char *name, const char *desc,
                            char **ret_uuid, vz_err *e)
{
        return vz_ct_snapshot_flags(ct, uuid_in, name, desc, 0, ret_uuid, e);
}

/* A running CT: frozen, disk copied, memory dumped, thawed (OpenVZ's
 * snapshot without --skip-suspend). */
static int snapshot_running(vz_ct *ct, int kind, const char *target, const char *dumpdir, vz_err *e)
{
        vz_cpt_opts o = {.dumpfile = dumpdir};
        int r;

        /* A vzctl killed from here on leaves the CT frozen: the next
         * command thaws it (recover.c). */
        (void)vz_op_add(ct->ctx, ct->id, "suspended", "1");
        r = vz_ct_chkpnt(ct, VZ_CHKPNT_SUSPEND, NULL, e);

        if (r < 0)
                return rewrap(e, E_SNAP_CREATE, r, "cannot freeze the CT");
        r = take_snapshot(ct, kind, target, e);
        if (r >= 0) {
                r = vz_ct_chkpnt(ct, VZ_CHKPNT_DUMP, &o, e);
                if (r < 0) {
                        rewrap(e, E_SNAP_CREATE, r, "cannot dump the CT's memory");
                        if (kind == 'b')
                                vz_btrfs_delete(target, NULL);
                        else
                                vz_rm_rf(target);
                }
        }
        (void)vz_ct_chkpnt(ct, VZ_CHKPNT_RESUME, NULL, NULL);
        return r;
}

_public_ int vz_ct_snapshot_flags(vz_ct *ct, const char *uuid_in, const char *name,
                                  const char *desc, unsigned flags, char **ret_uuid, vz_err *e)
{
        _cleanup_free_ char *dir = snap_dir(ct), *target = NULL, *parent = NULL;
        _cleanup_free_ char *conf = NULL, *dump = NULL;
        char uuid[37], date[32];
        time_t now = time(NULL);
        vz_ct_state st = {0};
        int kind, r;

        kind = layout_of(ct, e);
        if (kind < 0)
                return kind;
        if (uuid_in && !uuid_valid(uuid_in))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "invalid snapshot id %s", uuid_in);
        if (uuid_in)
                snprintf(uuid, sizeof(uuid), "%s", uuid_in);
        else if (new_uuid(uuid) < 0)
                return vz_fail(e, E_SNAP_CREATE, -EIO, "cannot make a snapshot id");
        if (!dir || vz_mkdir_p(dir, 0700) < 0)
                return vz_fail(e, E_SNAP_CREATE, -errno, "cannot create the snapshot directory");
        target = vz_strdupf("%s/%s", dir, uuid);
        if (!target)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (access(target, F_OK) == 0)
                return vz_fail(e, E_SNAP_CREATE, -EEXIST, "snapshot %s already exists", uuid);
        {
                /* Until its .info is written, a snapshot is unfinished: an
                 * interrupted one is removed by the next command. */
                _cleanup_free_ char *kd = vz_strdupf("dir=%s", dir);
                _cleanup_free_ char *ku = vz_strdupf("uuid=%s", uuid);
                char *kv[] = {kd, ku, NULL};
                if (!kd || !ku)
                        return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                r = vz_op_begin(ct->ctx, ct->id, "snapshot", kv, e);
                if (r < 0)
                        return r;
        }
        vz_snapshot_remove_extras(dir, uuid);
        conf = extra_path(dir, uuid, ".ve.conf");
        dump = extra_path(dir, uuid, ".dump");
        if (!conf || !dump) {
                vz_op_end(ct->ctx, ct->id);
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        if (!(flags & VZ_SNAPSHOT_SKIP_CONFIG) && ct->has_config) {
                r = copy_file(ct->conf_path, conf);
                if (r < 0) {
                        vz_op_end(ct->ctx, ct->id);
                        return vz_fail(e, E_SNAP_CREATE, r, "cannot copy the config: %s",
                                       strerror(-r));
                }
        }
        vz_ct_get_state(ct, &st, NULL);
        if (st.running && !(flags & VZ_SNAPSHOT_SKIP_SUSPEND))
                r = snapshot_running(ct, kind, target, dump, e);
        else
                r = take_snapshot(ct, kind, target, e);
        if (r < 0) {
                vz_snapshot_remove_extras(dir, uuid);
                vz_op_end(ct->ctx, ct->id);
                return r;
        }
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", localtime(&now));
        parent = current_of(dir);
        r = info_write(dir, uuid, name, desc, date, parent, NULL);
        if (r < 0) {
                if (kind == 'b')
                        vz_btrfs_delete(target, NULL);
                else
                        vz_rm_rf(target);
                vz_snapshot_remove_extras(dir, uuid);
                vz_op_end(ct->ctx, ct->id);
                return vz_fail(e, E_SNAP_CREATE, r, "cannot record snapshot %s", uuid);
        }
        set_current(dir, uuid);
        vz_op_end(ct->ctx, ct->id);
        if (ret_uuid)
                *ret_uuid = strdup(uuid);
        return 0;
}

static int take_snapshot(vz_ct *ct, int kind, const char *target, vz_err *e)
{
        int r;

        if (kind == 'b') {
                vz_test_stall("snapshot-copy");
                enum btrfs_util_error err = btrfs_util_create_snapshot(
                    ct->private_path, target, BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY, NULL, NULL);
                if (err != BTRFS_UTIL_OK)
                        return vz_fail(e, E_SNAP_CREATE, -EIO, "cannot snapshot %s: %s",
                                       ct->private_path, btrfs_util_strerror(err));
        } else {
                /* Laid out as a private area (root.hdd/root.hdd), so that it
                 * mounts like one. */
                _cleanup_free_ char *img = vz_image_path(ct->private_path);
                _cleanup_free_ char *copy = vz_image_path(target);
                _cleanup_free_ char *sub = vz_strdupf("%s/root.hdd", target);
                bool frozen;
                if (!img || !copy || !sub || mkdir(target, 0700) < 0 || mkdir(sub, 0700) < 0)
                        return vz_fail(e, E_SNAP_CREATE, -errno, "cannot create %s", target);
                /* A consistent copy of a mounted image: freeze its filesystem
                 * (noted first: a frozen filesystem outlives a killed vzctl,
                 * and the next command must thaw it). */
                frozen = ct->root_path && vz_is_mountpoint(ct->root_path) > 0 &&
                         vz_op_add(ct->ctx, ct->id, "frozen", ct->root_path) == 0 &&
                         freeze(ct->root_path, true) == 0;
                vz_test_stall("snapshot-copy");
                r = vz_file_copy_sparse(img, copy);
                if (frozen)
                        freeze(ct->root_path, false);
                if (r < 0) {
                        vz_rm_rf(target);
                        return vz_fail(e, E_SNAP_CREATE, r, "cannot copy %s: %s", img,
                                       strerror(-r));
                }
        }
        return 0;
}

static int snapshot_target(vz_ct *ct, const char *uuid, char **ret_dir, char **ret_target, int code,
                           vz_err *e)
{
        if (!uuid_valid(uuid))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "invalid snapshot id %s", uuid ?: "");
        *ret_dir = snap_dir(ct);
        *ret_target = *ret_dir ? vz_strdupf("%s/%s", *ret_dir, uuid) : NULL;
        if (!*ret_target)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (access(*ret_target, F_OK) < 0)
                return vz_fail(e, code, -ENOENT, "snapshot %s not found", uuid);
        return 0;
}

_public_ int vz_ct_snapshot_delete(vz_ct *ct, const char *uuid, vz_err *e)
{
        _cleanup_free_ char *dir = NULL, *target = NULL, *info = NULL, *cur = NULL, *mnt = NULL;
        int r;

        r = snapshot_target(ct, uuid, &dir, &target, E_SNAP_DELETE, e);
        if (r < 0)
                return r;
        mnt = info_get(dir, uuid, "MOUNT");
        if (!isempty(mnt))
                return vz_fail(e, E_SNAP_DELETE, -EBUSY, "snapshot %s is mounted on %s", uuid, mnt);
        r = vz_btrfs_is_subvolume(target) ? vz_btrfs_delete(target, e) : vz_rm_rf(target);
        if (r < 0)
                return vz_fail(e, E_SNAP_DELETE, r, "cannot delete snapshot %s", uuid);
        vz_snapshot_remove_extras(dir, uuid);
        info = info_path(dir, uuid);
        if (info)
                unlink(info);
        cur = current_of(dir);
        if (cur && streq(cur, uuid)) {
                _cleanup_free_ char *p = vz_strdupf("%s/current", dir);
                if (p)
                        unlink(p);
        }
        return 0;
}

_public_ int vz_ct_snapshot_switch(vz_ct *ct, const char *uuid, vz_err *e)
{
        return vz_ct_snapshot_switch_flags(ct, uuid, 0, e);
}

/* The running CT's processes are gone (killed, or never frozen): its root
 * must not stay mounted on the disk being replaced. */
static int switch_down(vz_ct *ct, bool running, vz_err *e)
{
        vz_ct_state st = {0};
        int r;

        if (running) {
                r = vz_ct_chkpnt(ct, VZ_CHKPNT_KILL, NULL, e);
                if (r < 0)
                        return rewrap(e, E_SNAP_SWITCH, r, "cannot stop the CT");
        }
        vz_ct_get_state(ct, &st, NULL);
        if (st.mounted) {
                r = vz_ct_umount(ct, e);
                if (r < 0)
                        return rewrap(e, E_SNAP_SWITCH, r, "cannot unmount the CT");
        }
        return 0;
}

/* After the switch, a CT that was running runs again: restored from the
 * snapshot's memory dump if it has one (kept: the snapshot may be switched
 * to again), else booted. OpenVZ leaves a failed restore a warning unless
 * --must-resume; vz then boots the CT from the switched disk. */
static int switch_resume(vz_ct *ct, const char *dump, unsigned flags, vz_err *e)
{
        vz_cpt_opts o = {.dumpfile = dump, .keep_dump = true};
        int r;

        if (access(dump, F_OK) == 0) {
                r = vz_ct_restore(ct, VZ_RESTORE_FULL, &o, e);
                if (r >= 0)
                        return 0;
                if (flags & VZ_SNAPSHOT_MUST_RESUME)
                        return rewrap(e, E_SNAP_SWITCH, r,
                                      "cannot restore the CT from the snapshot");
                vz_warn("CT %u: cannot restore from the snapshot's memory dump (%s); starting "
                        "it instead",
                        ct->id, e ? e->msg : "");
                vz_err_clear(e);
        }
        r = vz_ct_start(ct, 0, 0, e);
        if (r < 0)
                return rewrap(e, E_SNAP_SWITCH, r, "cannot start the CT");
        return 0;
}

_public_ int vz_ct_snapshot_switch_flags(vz_ct *ct, const char *uuid, unsigned flags, vz_err *e)
{
        _cleanup_free_ char *dir = NULL, *target = NULL, *old = NULL, *conf = NULL, *dump = NULL;
        _cleanup_free_ char *img = NULL, *tmp = NULL;
        vz_ct_state st = {0};
        bool btrfs;
        int r;

        if ((flags & VZ_SNAPSHOT_SKIP_RESUME) && (flags & VZ_SNAPSHOT_MUST_RESUME))
                return vz_fail(e, VZ_E_SYNTAX, -EINVAL,
                               "--skip-resume and --must-resume cannot be used together");
        r = snapshot_target(ct, uuid, &dir, &target, E_SNAP_SWITCH, e);
        if (r < 0)
                return r;
        conf = extra_path(dir, uuid, ".ve.conf");
        dump = extra_path(dir, uuid, ".dump");
        old = vz_strdupf("%s.switch.%d", ct->private_path, (int)getpid());
        if (!conf || !dump || !old)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        vz_ct_get_state(ct, &st, NULL);
        /* A running CT is frozen while its new disk is made ready, so that
         * a failure leaves it as it was (thawed). */
        if (st.running) {
                r = vz_ct_chkpnt(ct, VZ_CHKPNT_SUSPEND, NULL, e);
                if (r < 0)
                        return rewrap(e, E_SNAP_SWITCH, r, "cannot freeze the CT");
        }
        btrfs = vz_btrfs_is_subvolume(target);
        if (btrfs) {
                /* A writable snapshot of the snapshot becomes the CT (a
                 * running CT's root stays bound to the old subvolume). */
                enum btrfs_util_error err;
                if (rename(ct->private_path, old) < 0) {
                        r = vz_fail(e, E_SNAP_SWITCH, -errno, "cannot move the CT aside");
                        goto undo;
                }
                err = btrfs_util_create_snapshot(target, ct->private_path, 0, NULL, NULL);
                if (err != BTRFS_UTIL_OK) {
                        rename(old, ct->private_path);
                        r = vz_fail(e, E_SNAP_SWITCH, -EIO, "cannot switch to %s: %s", uuid,
                                    btrfs_util_strerror(err));
                        goto undo;
                }
        } else {
                _cleanup_free_ char *src = vz_image_path(target);
                img = vz_image_path(ct->private_path);
                tmp = img ? vz_strdupf("%s.switch", img) : NULL;
                if (!img || !src || !tmp) {
                        r = vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                        goto undo;
                }
                unlink(tmp);
                r = vz_file_copy_sparse(src, tmp);
                if (r < 0) {
                        unlink(tmp);
                        r = vz_fail(e, E_SNAP_SWITCH, r, "cannot switch to %s: %s", uuid,
                                    strerror(-r));
                        goto undo;
                }
        }
        /* Past this point the CT's current state is discarded. */
        r = switch_down(ct, st.running, e);
        if (r < 0) {
                if (btrfs) {
                        vz_btrfs_delete(ct->private_path, NULL);
                        rename(old, ct->private_path);
                } else
                        unlink(tmp);
                return r;
        }
        if (btrfs)
                vz_btrfs_delete(old, NULL);
        else if (rename(tmp, img) < 0) {
                r = vz_fail(e, E_SNAP_SWITCH, -errno, "cannot switch to %s: %s", uuid,
                            strerror(errno));
                unlink(tmp);
                return r;
        }
        set_current(dir, uuid);
        if (!(flags & VZ_SNAPSHOT_SKIP_CONFIG) && access(conf, F_OK) == 0) {
                r = copy_file(conf, ct->conf_path);
                if (r >= 0)
                        r = reload_config(ct);
                if (r < 0)
                        return vz_fail(e, E_SNAP_SWITCH, r, "cannot switch to the config of %s: %s",
                                       uuid, strerror(-r));
        }
        if (st.running && !(flags & VZ_SNAPSHOT_SKIP_RESUME))
                return switch_resume(ct, dump, flags, e);
        return 0;
undo:
        if (st.running)
                (void)vz_ct_chkpnt(ct, VZ_CHKPNT_RESUME, NULL, NULL);
        return r;
}

_public_ int vz_ct_snapshot_mount(vz_ct *ct, const char *uuid, const char *where, vz_err *e)
{
        _cleanup_free_ char *dir = NULL, *target = NULL;
        int r;

        r = snapshot_target(ct, uuid, &dir, &target, E_SNAP_MOUNT, e);
        if (r < 0)
                return r;
        if (isempty(where) || where[0] != '/')
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "--target needs an absolute path");
        r = vz_mkdir_p(where, 0755);
        if (r < 0)
                return vz_fail(e, E_SNAP_MOUNT, r, "cannot create %s", where);
        /* Read-only, nosuid, nodev: a snapshot is for looking at. */
        if (vz_btrfs_is_subvolume(target)) {
                if (mount(target, where, NULL, MS_BIND, NULL) < 0 ||
                    mount(NULL, where, NULL,
                          MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
                        return vz_fail(e, E_SNAP_MOUNT, -errno, "cannot mount %s: %s", uuid,
                                       strerror(errno));
        } else {
                r = vz_image_mount(target, where, MS_RDONLY | MS_NOSUID | MS_NODEV, e);
                if (r < 0)
                        return r;
        }
        info_set_mount(dir, uuid, where);
        return 0;
}

_public_ int vz_ct_snapshot_umount(vz_ct *ct, const char *uuid, vz_err *e)
{
        _cleanup_free_ char *dir = NULL, *target = NULL, *mnt = NULL;
        int r;

        r = snapshot_target(ct, uuid, &dir, &target, E_SNAP_UMOUNT, e);
        if (r < 0)
                return r;
        mnt = info_get(dir, uuid, "MOUNT");
        if (isempty(mnt))
                return vz_fail(e, E_SNAP_UMOUNT, -EINVAL, "snapshot %s is not mounted", uuid);
        if (umount2(mnt, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
                return vz_fail(e, E_SNAP_UMOUNT, -errno, "cannot unmount %s: %s", mnt,
                               strerror(errno));
        info_set_mount(dir, uuid, NULL);
        return 0;
}

_public_ int vz_ct_snapshot_list(vz_ct *ct, vz_snapshot **ret, size_t *ret_n, vz_err *e)
{
        _cleanup_free_ char *dir = NULL, *cur = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        vz_snapshot *v = NULL;
        size_t n = 0;
        struct dirent *de;
        int kind = layout_of(ct, e);

        if (kind < 0)
                return kind;
        dir = snap_dir(ct);
        if (!dir)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        cur = current_of(dir);
        d = opendir(dir);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *ip = NULL;
                vz_snapshot *nv;
                if (!uuid_valid(de->d_name))
                        continue;
                /* Without its .info a snapshot is unfinished (being taken,
                 * or interrupted: see recover.c). */
                ip = info_path(dir, de->d_name);
                if (!ip || access(ip, F_OK) < 0)
                        continue;
                nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        vz_snapshot_list_free(v, n);
                        return vz_fail(e, E_SNAP_LIST, -ENOMEM, "out of memory");
                }
                v = nv;
                v[n] = (vz_snapshot){
                    .uuid = strdup(de->d_name),
                    .name = info_get(dir, de->d_name, "NAME"),
                    .description = info_get(dir, de->d_name, "DESCRIPTION"),
                    .date = info_get(dir, de->d_name, "DATE"),
                    .parent = info_get(dir, de->d_name, "PARENT"),
                    .current = cur && streq(cur, de->d_name),
                };
                n++;
        }
        /* Oldest first (the DATE strings sort as times). */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && strcmp(v[j - 1].date ?: "", v[j].date ?: "") > 0; j--) {
                        vz_snapshot t = v[j];
                        v[j] = v[j - 1];
                        v[j - 1] = t;
                }
        *ret = v;
        *ret_n = n;
        return (int)n;
}

_public_ void vz_snapshot_list_free(vz_snapshot *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].uuid);
                free(v[i].name);
                free(v[i].description);
                free(v[i].date);
                free(v[i].parent);
        }
        free(v);
}

int vz_snapshots_remove_all(const vz_ct *ct)
{
        _cleanup_free_ char *dir = snap_dir(ct);
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (!dir || !(d = opendir(dir)))
                return 0;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                if (!uuid_valid(de->d_name))
                        continue;
                /* A snapshot mounted for looking at goes with the CT: its
                 * mount (and an image's loop device) first. */
                {
                        _cleanup_free_ char *mnt = info_get(dir, de->d_name, "MOUNT");
                        if (!isempty(mnt) && umount2(mnt, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
                            errno != ENOENT)
                                umount2(mnt, UMOUNT_NOFOLLOW | MNT_DETACH);
                }
                p = vz_strdupf("%s/%s", dir, de->d_name);
                if (p && vz_btrfs_is_subvolume(p))
                        vz_btrfs_delete(p, NULL);
        }
        return vz_rm_rf(dir);
}

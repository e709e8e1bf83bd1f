/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzctl create / destroy. Create is a plan of steps, each with an undo; a
 * failure at any step runs the undos in reverse so that no half-made CT (no
 * private area, no staging dir, no config, no name link, no VE_ROOT) is left.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "config/params.h"
#include "ctx.h"
#include "err.h"
#include "log.h"
#include "registry/registry.h"
#include "runtime/runtime.h"
#include "scripts.h"
#include "lifecycle/lifecycle.h"
#include "storage/storage.h"
#include "util.h"

enum layout_kind { LAYOUT_SIMFS, LAYOUT_IMAGE, LAYOUT_BTRFS, LAYOUT_OVERLAY };

struct create_state {
        vz_ctx *ctx;
        unsigned ctid;
        vz_conffile *conf;
        bool conf_existed;
        enum layout_kind kind;
        vz_ct_limits limits;
        char *private_path, *staging, *root_path, *conf_path, *name, *cache;
        char *lower; /* overlay: the shared lower layer */
        bool made_private, made_staging, made_root, made_conf, made_name;
        bool journaled; /* LOCKDIR/<ctid>.op written: see storage/journal.c */
};

static void create_undo(struct create_state *s)
{
        if (s->made_name)
                vz_name_unregister(s->ctx, s->name, s->ctid);
        if (s->made_conf)
                unlink(s->conf_path);
        if (s->made_root)
                rmdir(s->root_path);
        if (s->made_staging && vz_btrfs_is_subvolume(s->staging))
                vz_btrfs_delete(s->staging, NULL);
        else if (s->made_staging)
                vz_rm_rf(s->staging);
        if (s->made_private && vz_btrfs_is_subvolume(s->private_path))
                vz_btrfs_delete(s->private_path, NULL);
        else if (s->made_private)
                vz_rm_rf(s->private_path);
        if (s->lower)
                vz_overlay_release(vz_ctx_get(s->ctx, "TEMPLATE"), s->lower, s->ctid);
}

static void create_state_free(struct create_state *s)
{
        vz_conffile_free(s->conf);
        free(s->cache);
        free(s->lower);
        free(s->private_path);
        free(s->staging);
        free(s->root_path);
        free(s->conf_path);
        free(s->name);
}

/* Remove stale <ctid>.conf.destroyed etc. left by an earlier destroy. */
static void remove_destroyed(const vz_ctx *ctx, unsigned ctid)
{
        _cleanup_free_ char *dir = vz_strdupf("%s/conf", ctx->confdir);
        _cleanup_free_ char *prefix = vz_strdupf("%u.", ctid);
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (!dir || !prefix || !(d = opendir(dir)))
                return;
        while ((de = readdir(d)))
                if (vz_startswith(de->d_name, prefix) && vz_endswith(de->d_name, ".destroyed"))
                        unlinkat(dirfd(d), de->d_name, 0);
}

/* The CT's checkpoint in DUMPDIR: Dump.<ctid> (criu's image directory,
 * or a file), its staging Dump.<ctid>.tmp and criu's logs Dump.<ctid>.*.log
 * (dump, restore, migration steps); another CT's (Dump.<ctid>0...) stay. */
static void remove_dumps(const char *dumpdir, unsigned ctid)
{
        _cleanup_free_ char *prefix = vz_strdupf("Dump.%u", ctid);
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (!prefix || !(d = opendir(dumpdir)))
                return;
        while ((de = readdir(d))) {
                const char *rest;

                if (!vz_startswith(de->d_name, prefix))
                        continue;
                rest = de->d_name + strlen(prefix);
                if (!streq(rest, "") && !streq(rest, ".tmp") &&
                    !(rest[0] == '.' && vz_endswith(rest, ".log")))
                        continue;
                if (vz_rm_rf_at(dirfd(d), de->d_name) < 0)
                        vz_warn("cannot remove %s/%s", dumpdir, de->d_name);
        }
}

static const char *layout_of(const vz_conffile *conf, const vz_ctx *ctx)
{
        const char *l = vz_conffile_get(conf, "VE_LAYOUT");
        return l ? l : vz_ctx_get(ctx, "VE_LAYOUT");
}

static const char *cur_lookup(const char *name, void *userdata)
{
        void **u = userdata;
        const char *v = vz_conffile_get(u[0], name);
        return v ? v : vz_ctx_get(u[1], name);
}

static int unpack_cb(const char *archive, int target_fd, void *userdata, vz_err *e)
{
        const vz_create_opts *opts = userdata;
        return vz_tmpl_unpack(archive, target_fd, opts ? opts->progress : NULL,
                              opts ? opts->userdata : NULL, e);
}

/* btrfs: the staging area is a snapshot of the template's subvolume. */
static int snapshot_into(struct create_state *s, const char *cache, const vz_create_opts *opts,
                         int64_t diskspace_kb, vz_err *e)
{
        int r;

        if (vz_btrfs_is_subvolume(s->staging))
                vz_btrfs_delete(s->staging, NULL);
        else
                vz_rm_rf(s->staging);
        vz_test_stall("create-unpacking");
        r = vz_btrfs_create(s->staging, cache, unpack_cb, (void *)opts, e);
        if (r < 0)
                return r;
        s->made_staging = true;
        return diskspace_kb > 0 ? vz_btrfs_set_limit(s->staging, diskspace_kb, e) : 0;
}

static int unpack_into(struct create_state *s, const char *cache, const vz_create_opts *opts,
                       const vz_ct_limits *image, vz_err *e)
{
        _cleanup_close_ int fd = -1;
        bool mounted = false;
        struct stat st;
        int r;

        /* A leftover staging dir from an interrupted create is ours to remove. */
        r = vz_rm_rf(s->staging);
        if (r < 0)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, r, "cannot remove stale %s: %s", s->staging,
                               strerror(-r));
        /* 0700 while unpacking: nobody on the host walks into a half tree. */
        if (mkdir(s->staging, 0700) < 0)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot create %s: %s", s->staging,
                               strerror(errno));
        s->made_staging = true;
        if (image) {
                /* The image layout: unpack into the new image, mounted on
                 * VE_ROOT for the time being. */
                r = vz_image_create(s->staging, image, e);
                if (r < 0)
                        return r;
                r = vz_image_mount(s->staging, s->root_path, MS_NOSUID | MS_NODEV, e);
                if (r < 0)
                        return r;
                mounted = true;
        }
        fd = open(image ? s->root_path : s->staging,
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot open %s", s->staging);
                goto out;
        }
        if (image)
                (void)unlinkat(fd, "lost+found", AT_REMOVEDIR);
        vz_test_stall("create-unpacking");
        r = vz_tmpl_unpack(cache, fd, opts ? opts->progress : NULL, opts ? opts->userdata : NULL,
                           e);
        if (r < 0) {
                if ((r == -ENOSPC || r == -EDQUOT) && e)
                        e->code = VZ_E_FS_NO_DISK_SPACE;
                goto out;
        }
        /* The archive's "./" entry may have set the root's mode; a CT root
         * that only its owner can enter would break every non-root daemon. */
        if (fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0700)
                fchmod(fd, 0755);
        r = 0;
out:
        if (fd >= 0)
                close(TAKE_FD(fd));
        if (mounted && umount2(s->root_path, 0) < 0 && r == 0)
                r = vz_fail(e, VZ_E_FS_CANTUMOUNT, -errno, "cannot unmount %s", s->root_path);
        return r;
}

/* Step 1: the config: the CT's existing one, or a copy of the sample. */
static int create_config(struct create_state *s, const vz_create_opts *opts, vz_err *e)
{
        _cleanup_free_ char *sp = NULL;
        const char *sample = opts && opts->sample ? opts->sample : NULL;
        int r;

        r = vz_conffile_load(s->conf_path, &s->conf, NULL);
        s->conf_existed = r == 0;
        if (s->conf_existed && sample)
                return vz_fail(e, VZ_E_CP_CONFIG, -EEXIST,
                               "CT config %s already exists; --config cannot be applied",
                               s->conf_path);
        if (s->conf_existed) {
                vz_warn("CT config %s exists; the sample is not applied", s->conf_path);
                return 0;
        }
        if (r != -ENOENT)
                return vz_fail(e, VZ_E_NOVECONFIG, r, "cannot read %s", s->conf_path);
        if (!sample)
                sample = vz_ctx_get(s->ctx, "CONFIGFILE");
        if (isempty(sample))
                return vz_fail(e, VZ_E_CP_CONFIG, -EINVAL,
                               "no sample config: use --config or set CONFIGFILE in vz.conf");
        if (!vz_name_is_valid(sample))
                return vz_fail(e, VZ_E_CP_CONFIG, -EINVAL, "invalid sample name %s", sample);
        sp = vz_strdupf("%s/conf/ve-%s.conf-sample", s->ctx->confdir, sample);
        r = sp ? vz_conffile_load(sp, &s->conf, NULL) : -ENOMEM;
        if (r < 0)
                return vz_fail(e, VZ_E_CP_CONFIG, r, "sample config %s not found%s",
                               sp ? sp : sample,
                               opts && opts->sample ? "" : " (check CONFIGFILE in vz.conf)");
        return vz_conffile_set(s->conf, "ORIGIN_SAMPLE", sample) < 0 ? -ENOMEM : 0;
}

/* A path parameter: the CT's, else vz.conf's (saved in the CT's config),
 * with $VEID expanded. */
static int create_path(struct create_state *s, const char *name, int code, char **ret, vz_err *e)
{
        const char *v = vz_conffile_get(s->conf, name);

        if (!v)
                v = vz_ctx_get(s->ctx, name);
        if (isempty(v))
                return vz_fail(e, code, -EINVAL, "%s is not set", name);
        if (!vz_conffile_get(s->conf, name) && vz_conffile_set(s->conf, name, v) < 0)
                return -ENOMEM;
        *ret = vz_expand_veid(v, s->ctid);
        if (!*ret)
                return -ENOMEM;
        vz_strip_trailing_slash(*ret);
        return 0;
}

/* Step 3: paths. */
static int create_paths(struct create_state *s, vz_err *e)
{
        int r;

        if (isempty(vz_ctx_get(s->ctx, "TEMPLATE")))
                return vz_fail(e, VZ_E_TMPL_NOTSET, -EINVAL, "TEMPLATE is not set");
        r = create_path(s, "VE_PRIVATE", VZ_E_VE_PRIVATE_NOTSET, &s->private_path, e);
        if (r < 0)
                return r;
        r = create_path(s, "VE_ROOT", VZ_E_VE_ROOT_NOTSET, &s->root_path, e);
        if (r < 0)
                return r;
        s->staging = vz_strdupf("%s.tmp", s->private_path);
        return s->staging ? 0 : -ENOMEM;
}

static int64_t disk_limit(const vz_conffile *conf, const char *name)
{
        const char *v = vz_conffile_get(conf, name);
        int64_t soft, hard;

        if (!v || vz_param_disk_value(name, v, &soft, &hard) < 0 || hard == VZ_UNLIMITED)
                return 0;
        return hard;
}

/* Step 4: the layout. */
static int create_layout(struct create_state *s, vz_err *e)
{
        const char *layout = layout_of(s->conf, s->ctx), *q;

        if (isempty(layout))
                layout = "simfs";
        s->limits.diskspace_kb = disk_limit(s->conf, "DISKSPACE");
        if (vz_layout_is_image(layout)) {
                if (s->limits.diskspace_kb <= 0)
                        return vz_fail(e, 63, -EINVAL,
                                       "DISKSPACE is not set: the %s layout needs its size",
                                       layout);
                s->limits.diskinodes = disk_limit(s->conf, "DISKINODES");
                s->kind = LAYOUT_IMAGE;
                layout = "ploop";
        } else if (streq(layout, "btrfs"))
                s->kind = LAYOUT_BTRFS;
        else if (streq(layout, "overlay"))
                s->kind = LAYOUT_OVERLAY;
        else if (streq(layout, "simfs"))
                s->kind = LAYOUT_SIMFS;
        else
                return vz_fail(e, VZ_E_PLOOP_UNSUP, -EOPNOTSUPP,
                               "layout %s is not supported (simfs, ploop, btrfs or overlay)",
                               layout);
        if (vz_conffile_set(s->conf, "VE_LAYOUT", layout) < 0)
                return -ENOMEM;
        q = vz_conffile_get(s->conf, "QUOTAUGIDLIMIT");
        return vz_quota_ugid_check(q ? strtoll(q, NULL, 10) : 0, s->kind == LAYOUT_IMAGE, e);
}

/* Step 5: the OS template and its cache. */
static int create_template(struct create_state *s, const vz_create_opts *opts, vz_err *e)
{
        const char *ostemplate = opts && opts->ostemplate ? opts->ostemplate : NULL, *base;
        int r;

        if (!ostemplate)
                ostemplate = vz_conffile_get(s->conf, "OSTEMPLATE");
        if (!ostemplate)
                ostemplate = vz_ctx_get(s->ctx, "DEF_OSTEMPLATE");
        if (isempty(ostemplate))
                return vz_fail(e, VZ_E_OSTEMPLATE_NOTSET, -EINVAL,
                               "no OS template: use --ostemplate or set DEF_OSTEMPLATE");
        r = vz_tmpl_find_cache(s->ctx, ostemplate, &s->cache, e);
        if (r < 0)
                return r;
        base = strrchr(ostemplate, '/');
        return vz_conffile_set(s->conf, "OSTEMPLATE", base ? base + 1 : ostemplate) < 0 ? -ENOMEM
                                                                                        : 0;
}

/* From here on the create changes the filesystem: journaled, so that a
 * killed vzctl leaves a marker the next command undoes by. */
static int create_journal(struct create_state *s, vz_err *e)
{
        _cleanup_free_ char *kp = vz_strdupf("private=%s", s->private_path);
        _cleanup_free_ char *ks = vz_strdupf("staging=%s", s->staging);
        _cleanup_free_ char *kr = vz_strdupf("root=%s", s->root_path);
        char *kv[] = {kp, ks, kr, s->conf_existed ? "conf_existed=1" : "conf_existed=0", NULL};
        int r;

        if (!kp || !ks || !kr)
                return -ENOMEM;
        r = vz_op_begin(s->ctx, s->ctid, "create", kv, e);
        if (r < 0)
                return r;
        s->journaled = true;
        return 0;
}

/* Step 6: the private area must be new; an empty one is its placeholder. */
static int create_placeholder(struct create_state *s, vz_err *e)
{
        _cleanup_free_ char *parent = NULL;
        struct stat st;
        char *slash;
        int r;

        if (lstat(s->private_path, &st) == 0) {
                if (vz_is_mountpoint(s->private_path) > 0)
                        return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -EBUSY,
                                       "%s is a mount point; use a subdirectory such as "
                                       "%s/private",
                                       s->private_path, s->private_path);
                if (!S_ISDIR(st.st_mode) || vz_dir_is_empty(s->private_path) != 1)
                        return vz_fail(e, VZ_E_FS_PRVT_EXIST, -EEXIST,
                                       "private area %s already exists", s->private_path);
                return 0;
        }
        parent = strdup(s->private_path);
        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (slash && slash != parent) {
                *slash = '\0';
                /* 0700: see vz_protect_private_parent(). */
                r = vz_mkdir_p(parent, 0700);
                if (r < 0)
                        return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, r, "cannot create %s: %s", parent,
                                       strerror(-r));
        }
        vz_protect_private_parent(s->private_path);
        if (mkdir(s->private_path, 0700) < 0)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot create %s: %s",
                               s->private_path, strerror(errno));
        s->made_private = true;
        vz_op_add(s->ctx, s->ctid, "made_private", "1");
        return 0;
}

/* Step 7: the name. */
static int create_name(struct create_state *s, vz_err *e)
{
        const char *v = vz_conffile_get(s->conf, "NAME");
        int r;

        if (isempty(v))
                return 0;
        s->name = strdup(v);
        if (!s->name)
                return -ENOMEM;
        r = vz_op_add(s->ctx, s->ctid, "name", s->name);
        if (r >= 0)
                r = vz_name_register(s->ctx, s->name, s->ctid, e);
        if (r < 0)
                return r;
        s->made_name = true;
        return 0;
}

/* Step 8: the mount point (the image layout unpacks through it). */
static int create_root(struct create_state *s, vz_err *e)
{
        int r;

        vz_op_add(s->ctx, s->ctid, "made_root", "maybe");
        if (mkdir(s->root_path, 0755) == 0) {
                s->made_root = true;
                return 0;
        }
        if (errno == EEXIST)
                return 0;
        if (errno != ENOENT)
                return vz_fail(e, VZ_E_FS_MPOINTCREATE, -errno, "cannot create %s: %s",
                               s->root_path, strerror(errno));
        r = vz_mkdir_p(s->root_path, 0755);
        if (r < 0)
                return vz_fail(e, VZ_E_FS_MPOINTCREATE, r, "cannot create %s: %s", s->root_path,
                               strerror(-r));
        s->made_root = true;
        return 0;
}

/* The overlay layout: the template unpacked once into a shared lower layer;
 * the staging area gets an empty upper over it (a btrfs subvolume with the
 * DISKSPACE qgroup limit where VE_PRIVATE is on btrfs). */
static int overlay_into(struct create_state *s, const vz_create_opts *opts, vz_err *e)
{
        _cleanup_free_ char *parent = strdup(s->private_path);
        char *slash = parent ? strrchr(parent, '/') : NULL;
        int r;

        if (!parent)
                return -ENOMEM;
        if (slash && slash != parent)
                *slash = '\0';
        r = vz_overlay_lower(vz_ctx_get(s->ctx, "TEMPLATE"), s->cache, unpack_cb, (void *)opts,
                             &s->lower, e);
        if (r < 0)
                return r;
        vz_private_remove(s->staging);
        if (vz_btrfs_supported(parent))
                r = vz_btrfs_subvol_new(s->staging, e);
        else
                r = mkdir(s->staging, 0700) < 0
                        ? vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot create %s: %s",
                                  s->staging, strerror(errno))
                        : 0;
        if (r < 0)
                return r;
        s->made_staging = true;
        if (s->limits.diskspace_kb > 0 && vz_btrfs_supported(parent)) {
                r = vz_btrfs_set_limit(s->staging, s->limits.diskspace_kb, e);
                if (r < 0)
                        return r;
        }
        vz_test_stall("create-unpacking");
        r = vz_overlay_make(s->staging, s->lower, e);
        if (r < 0)
                return r;
        return vz_overlay_register(s->lower, s->ctid, s->private_path) < 0
                   ? vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno,
                             "cannot register CT %u as a user of %s", s->ctid, s->lower)
                   : 0;
}

/* Step 9: fill the staging area, then move it into place. */
static int create_fill(struct create_state *s, const vz_create_opts *opts, vz_err *e)
{
        int r;

        switch (s->kind) {
        case LAYOUT_BTRFS:
                r = snapshot_into(s, s->cache, opts, s->limits.diskspace_kb, e);
                break;
        case LAYOUT_OVERLAY:
                r = overlay_into(s, opts, e);
                break;
        default:
                r = unpack_into(s, s->cache, opts, s->kind == LAYOUT_IMAGE ? &s->limits : NULL, e);
        }
        if (r < 0)
                return r;
        vz_test_stall("create-staged");
        if (rename(s->staging, s->private_path) < 0)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot move %s to %s: %s",
                               s->staging, s->private_path, strerror(errno));
        s->made_staging = false;
        s->made_private = true;
        vz_test_stall("create-placed");
        return 0;
}

/* Step 10: its own user-namespace ID range (kept exclusive until saved),
 * then save the config last: once it is there, the CT exists. */
static int create_save(struct create_state *s, vz_err *e)
{
        int r, idlock = -1;

        r = vz_userns_alloc(s->ctx, s->ctid, s->conf, &idlock, e);
        if (r < 0)
                return r;
        remove_destroyed(s->ctx, s->ctid);
        r = vz_conffile_save(s->conf, s->conf_path, e);
        if (idlock >= 0)
                close(idlock);
        if (r < 0)
                return r;
        s->made_conf = !s->conf_existed;
        return 0;
}

/* DISKSPACE/DISKINODES that nothing enforces are said so. */
static void warn_unenforced(const struct create_state *s)
{
        const char *dq;

        if (!s->conf || !vz_conffile_get(s->conf, "DISKSPACE"))
                return;
        if (s->kind == LAYOUT_IMAGE || s->kind == LAYOUT_BTRFS)
                return;
        dq = vz_conffile_get(s->conf, "DISK_QUOTA");
        if (!dq)
                dq = vz_ctx_get(s->ctx, "DISK_QUOTA");
        if (dq && streq(dq, "no"))
                return;
        if (s->kind == LAYOUT_OVERLAY && s->private_path) {
                _cleanup_free_ char *parent = strdup(s->private_path);
                char *slash = parent ? strrchr(parent, '/') : NULL;
                if (slash && slash != parent)
                        *slash = '\0';
                if (parent && vz_btrfs_supported(parent))
                        return;
                vz_quota_overlay_warn(s->ctid);
                return;
        }
        vz_quota_simfs_warn(s->ctid);
}

static int create_steps(struct create_state *s, const vz_create_opts *opts, const vz_changes *ch,
                        vz_err *e)
{
        int r;

        r = create_config(s, opts, e);
        if (r >= 0 && ch) {
                void *u[2] = {s->conf, s->ctx};
                r = vz_changes_apply(ch, s->conf, cur_lookup, u, e);
        }
        if (r >= 0)
                r = create_paths(s, e);
        if (r >= 0)
                r = create_layout(s, e);
        if (r >= 0)
                r = create_template(s, opts, e);
        if (r >= 0)
                r = create_journal(s, e);
        if (r >= 0)
                r = create_placeholder(s, e);
        if (r >= 0)
                r = create_name(s, e);
        if (r >= 0)
                r = create_root(s, e);
        if (r >= 0)
                r = create_fill(s, opts, e);
        if (r >= 0)
                r = create_save(s, e);
        return r;
}

_public_ int vz_ct_create(vz_ctx *ctx, unsigned ctid, const vz_create_opts *opts,
                          const vz_changes *ch, vz_err *e)
{
        struct create_state s = {.ctx = ctx, .ctid = ctid};
        int r;

        if (ctid == 0)
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "Only set actions are allowed for CT0");
        s.conf_path = vz_strdupf("%s/conf/%u.conf", ctx->confdir, ctid);
        if (!s.conf_path)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = create_steps(&s, opts, ch, e);
        if (r == -ENOMEM && e && !e->msg[0])
                r = vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (r < 0)
                create_undo(&s);
        if (s.journaled)
                vz_op_end(ctx, ctid);
        warn_unenforced(&s);
        create_state_free(&s);
        if (r < 0)
                return r;

        /* 11. The admin's hook (vps.create), on the host, under the CT lock.
         * The CT is complete by now, so a failing hook is only a warning. */
        {
                vz_ct *ct = NULL;
                vz_err he = {0};
                if (vz_ct_open(ctx, ctid, &ct, NULL) == 0 &&
                    vz_run_action_scripts(ct, "create", false, &he) < 0)
                        vz_warn("%s", he.msg);
                vz_ct_free(ct);
        }
        return 0;
}

_public_ int vz_ct_destroy(vz_ct *ct, vz_err *e)
{
        _cleanup_free_ char *dead = NULL, *dconf = NULL, *lower = NULL;
        vz_ct_state st;
        const char *d;
        int r;

        if (!ct->root_path)
                return vz_fail(e, VZ_E_VE_ROOT_NOTSET, -EINVAL, "VE_ROOT is not set");
        if (!ct->private_path)
                return vz_fail(e, VZ_E_VE_PRIVATE_NOTSET, -EINVAL, "VE_PRIVATE is not set");
        vz_ct_get_state(ct, &st, NULL);
        if (st.running)
                return vz_fail(e, VZ_E_RUNNING, -EBUSY, "CT is running; stop it first");
        if (st.mounted)
                return vz_fail(e, VZ_E_FS_MOUNTED, -EBUSY, "CT is mounted; unmount it first");
        if (!ct->has_config && access(ct->private_path, F_OK) != 0)
                return vz_fail(e, VZ_E_NOVECONFIG, -ENOENT, "CT %u does not exist", ct->id);

        /* Rename first (atomic: the CT is gone at once), then remove. A
         * private area that is a symlink loses only the link, as OpenVZ. */
        /* overlay: the shared lower layer stays for other CTs (and, while
         * its cache is current, for the next create); see overlay.c. */
        lower = vz_overlay_lower_of(ct->private_path);
        dead = vz_strdupf("%s.destroyed.%d", ct->private_path, (int)getpid());
        if (!dead)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (rename(ct->private_path, dead) < 0 && errno != ENOENT)
                return vz_fail(e, VZ_E_FS_DEL_PRVT, -errno, "cannot remove %s: %s",
                               ct->private_path, strerror(errno));
        if (vz_btrfs_is_subvolume(dead))
                r = vz_btrfs_delete(dead, e);
        else
                r = vz_rm_rf(dead);
        if (r < 0)
                return vz_fail(e, VZ_E_FS_DEL_PRVT, r, "cannot remove %s: %s", dead, strerror(-r));
        if (lower)
                vz_overlay_release(vz_ctx_get(ct->ctx, "TEMPLATE"), lower, ct->id);
        /* Also a leftover staging dir of an interrupted create. */
        {
                _cleanup_free_ char *staging = vz_strdupf("%s.tmp", ct->private_path);
                if (staging)
                        vz_rm_rf(staging);
        }
        if (rmdir(ct->root_path) < 0 && errno != ENOENT)
                vz_warn("cannot remove %s: %s", ct->root_path, strerror(errno));
        d = vz_ct_get(ct, "DUMPDIR");
        if (!isempty(d))
                remove_dumps(d, ct->id);
        vz_name_unregister_ct(ct->ctx, ct->id);
        vz_snapshots_remove_all(ct);
        if (ct->has_config) {
                dconf = vz_strdupf("%s.destroyed", ct->conf_path);
                if (!dconf || rename(ct->conf_path, dconf) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot rename %s", ct->conf_path);
                ct->has_config = false;
        }
        return 0;
}

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

struct create_state {
        vz_ctx *ctx;
        unsigned ctid;
        char *private_path, *staging, *root_path, *conf_path, *name;
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
}

static void create_state_free(struct create_state *s)
{
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
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, r, "cannot remove stale %s: %s",
                               s->staging, strerror(-r));
        /* 0700 while unpacking: nobody on the host walks into a half tree. */
        if (mkdir(s->staging, 0700) < 0)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot create %s: %s",
                               s->staging, strerror(errno));
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
        fd = open(image ? s->root_path : s->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot open %s", s->staging);
                goto out;
        }
        if (image)
                (void)unlinkat(fd, "lost+found", AT_REMOVEDIR);
        vz_test_stall("create-unpacking");
        r = vz_tmpl_unpack(cache, fd, opts ? opts->progress : NULL,
                           opts ? opts->userdata : NULL, e);
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

_public_ int vz_ct_create(vz_ctx *ctx, unsigned ctid, const vz_create_opts *opts,
                          const vz_changes *ch, vz_err *e)
{
        struct create_state s = {.ctx = ctx, .ctid = ctid};
        _cleanup_free_ char *cache = NULL;
        vz_conffile *conf = NULL;
        const char *sample, *ostemplate, *layout, *v;
        bool conf_existed, use_image = false, use_btrfs = false;
        vz_ct_limits image = {0};
        struct stat st;
        int r, idlock = -1;

        if (ctid == 0)
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "Only set actions are allowed for CT0");
        s.conf_path = vz_strdupf("%s/conf/%u.conf", ctx->confdir, ctid);
        if (!s.conf_path)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");

        /* 1. The config: the CT's existing one, or a copy of the sample. */
        r = vz_conffile_load(s.conf_path, &conf, NULL);
        conf_existed = r == 0;
        sample = opts && opts->sample ? opts->sample : NULL;
        if (conf_existed && sample) {
                r = vz_fail(e, VZ_E_CP_CONFIG, -EEXIST,
                            "CT config %s already exists; --config cannot be applied",
                            s.conf_path);
                goto fail;
        }
        if (!conf_existed) {
                _cleanup_free_ char *sp = NULL;
                if (r != -ENOENT) {
                        r = vz_fail(e, VZ_E_NOVECONFIG, r, "cannot read %s", s.conf_path);
                        goto fail;
                }
                if (!sample)
                        sample = vz_ctx_get(ctx, "CONFIGFILE");
                if (isempty(sample)) {
                        r = vz_fail(e, VZ_E_CP_CONFIG, -EINVAL,
                                    "no sample config: use --config or set CONFIGFILE in vz.conf");
                        goto fail;
                }
                if (!vz_name_is_valid(sample)) {
                        r = vz_fail(e, VZ_E_CP_CONFIG, -EINVAL, "invalid sample name %s",
                                    sample);
                        goto fail;
                }
                sp = vz_strdupf("%s/conf/ve-%s.conf-sample", ctx->confdir, sample);
                r = sp ? vz_conffile_load(sp, &conf, NULL) : -ENOMEM;
                if (r < 0) {
                        r = vz_fail(e, VZ_E_CP_CONFIG, r,
                                    "sample config %s not found%s", sp ? sp : sample,
                                    opts && opts->sample ? ""
                                                         : " (check CONFIGFILE in vz.conf)");
                        goto fail;
                }
                r = vz_conffile_set(conf, "ORIGIN_SAMPLE", sample);
                if (r < 0)
                        goto oom;
        } else
                vz_warn("CT config %s exists; the sample is not applied", s.conf_path);

        /* 2. Command-line values on top. */
        if (ch) {
                void *u[2] = {conf, ctx};
                r = vz_changes_apply(ch, conf, cur_lookup, u, e);
                if (r < 0)
                        goto fail;
        }

        /* 3. Paths. */
        if (isempty(vz_ctx_get(ctx, "TEMPLATE"))) {
                r = vz_fail(e, VZ_E_TMPL_NOTSET, -EINVAL, "TEMPLATE is not set");
                goto fail;
        }
        v = vz_conffile_get(conf, "VE_PRIVATE");
        if (!v)
                v = vz_ctx_get(ctx, "VE_PRIVATE");
        if (isempty(v)) {
                r = vz_fail(e, VZ_E_VE_PRIVATE_NOTSET, -EINVAL, "VE_PRIVATE is not set");
                goto fail;
        }
        if (!vz_conffile_get(conf, "VE_PRIVATE") && vz_conffile_set(conf, "VE_PRIVATE", v) < 0)
                goto oom;
        s.private_path = vz_expand_veid(v, ctid);
        v = vz_conffile_get(conf, "VE_ROOT");
        if (!v)
                v = vz_ctx_get(ctx, "VE_ROOT");
        if (isempty(v)) {
                r = vz_fail(e, VZ_E_VE_ROOT_NOTSET, -EINVAL, "VE_ROOT is not set");
                goto fail;
        }
        if (!vz_conffile_get(conf, "VE_ROOT") && vz_conffile_set(conf, "VE_ROOT", v) < 0)
                goto oom;
        s.root_path = vz_expand_veid(v, ctid);
        if (!s.private_path || !s.root_path)
                goto oom;
        vz_strip_trailing_slash(s.private_path);
        vz_strip_trailing_slash(s.root_path);
        s.staging = vz_strdupf("%s.tmp", s.private_path);
        if (!s.staging)
                goto oom;

        /* 4. Layout. */
        layout = layout_of(conf, ctx);
        if (isempty(layout))
                layout = "simfs";
        if (vz_layout_is_image(layout)) {
                const char *ds = vz_conffile_get(conf, "DISKSPACE");
                const char *di = vz_conffile_get(conf, "DISKINODES");
                int64_t soft;
                if (!ds || vz_param_disk_value("DISKSPACE", ds, &soft, &image.diskspace_kb) < 0 ||
                    image.diskspace_kb <= 0) {
                        r = vz_fail(e, 63, -EINVAL,
                                    "DISKSPACE is not set: the %s layout needs its size", layout);
                        goto fail;
                }
                if (di && vz_param_disk_value("DISKINODES", di, &soft, &image.diskinodes) < 0)
                        image.diskinodes = 0;
                use_image = true;
                layout = "ploop";
        } else if (streq(layout, "btrfs")) {
                const char *ds = vz_conffile_get(conf, "DISKSPACE");
                int64_t soft;
                use_btrfs = true;
                if (!ds || vz_param_disk_value("DISKSPACE", ds, &soft, &image.diskspace_kb) < 0)
                        image.diskspace_kb = 0;
        } else if (!streq(layout, "simfs")) {
                r = vz_fail(e, VZ_E_PLOOP_UNSUP, -EOPNOTSUPP,
                            "layout %s is not supported (simfs, ploop or btrfs)", layout);
                goto fail;
        }
        if (vz_conffile_set(conf, "VE_LAYOUT", layout) < 0)
                goto oom;
        {
                const char *q = vz_conffile_get(conf, "QUOTAUGIDLIMIT");
                r = vz_quota_ugid_check(q ? strtoll(q, NULL, 10) : 0, vz_layout_is_image(layout),
                                        e);
                if (r < 0)
                        goto fail;
        }

        /* 5. OS template and its cache. */
        ostemplate = opts && opts->ostemplate ? opts->ostemplate : NULL;
        if (!ostemplate)
                ostemplate = vz_conffile_get(conf, "OSTEMPLATE");
        if (!ostemplate)
                ostemplate = vz_ctx_get(ctx, "DEF_OSTEMPLATE");
        if (isempty(ostemplate)) {
                r = vz_fail(e, VZ_E_OSTEMPLATE_NOTSET, -EINVAL,
                            "no OS template: use --ostemplate or set DEF_OSTEMPLATE");
                goto fail;
        }
        r = vz_tmpl_find_cache(ctx, ostemplate, &cache, e);
        if (r < 0)
                goto fail;
        {
                const char *base = strrchr(ostemplate, '/');
                if (vz_conffile_set(conf, "OSTEMPLATE", base ? base + 1 : ostemplate) < 0)
                        goto oom;
        }

        /* From here on the create changes the filesystem: journaled, so that
         * a killed vzctl leaves a marker the next command undoes by. */
        {
                _cleanup_free_ char *kp = vz_strdupf("private=%s", s.private_path);
                _cleanup_free_ char *ks = vz_strdupf("staging=%s", s.staging);
                _cleanup_free_ char *kr = vz_strdupf("root=%s", s.root_path);
                char *kv[] = {kp, ks, kr, conf_existed ? "conf_existed=1" : "conf_existed=0",
                              NULL};
                if (!kp || !ks || !kr)
                        goto oom;
                r = vz_op_begin(ctx, ctid, "create", kv, e);
                if (r < 0)
                        goto fail;
                s.journaled = true;
        }

        /* 6. The private area must be new. */
        if (lstat(s.private_path, &st) == 0) {
                if (vz_is_mountpoint(s.private_path) > 0) {
                        r = vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -EBUSY,
                                    "%s is a mount point; use a subdirectory such as %s/private",
                                    s.private_path, s.private_path);
                        goto fail;
                }
                if (!S_ISDIR(st.st_mode) || vz_dir_is_empty(s.private_path) != 1) {
                        r = vz_fail(e, VZ_E_FS_PRVT_EXIST, -EEXIST,
                                    "private area %s already exists", s.private_path);
                        goto fail;
                }
        } else {
                _cleanup_free_ char *parent = strdup(s.private_path);
                char *slash = parent ? strrchr(parent, '/') : NULL;
                if (!parent)
                        goto oom;
                if (slash && slash != parent) {
                        *slash = '\0';
                        /* 0700: see vz_protect_private_parent(). */
                        r = vz_mkdir_p(parent, 0700);
                        if (r < 0) {
                                r = vz_fail(e, VZ_E_FS_NEW_VE_PRVT, r, "cannot create %s: %s",
                                            parent, strerror(-r));
                                goto fail;
                        }
                }
                vz_protect_private_parent(s.private_path);
                /* The empty private dir is a placeholder for the duration. */
                if (mkdir(s.private_path, 0700) < 0) {
                        r = vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot create %s: %s",
                                    s.private_path, strerror(errno));
                        goto fail;
                }
                s.made_private = true;
                vz_op_add(ctx, ctid, "made_private", "1");
        }

        /* 7. Name. */
        v = vz_conffile_get(conf, "NAME");
        if (!isempty(v)) {
                s.name = strdup(v);
                if (!s.name)
                        goto oom;
                r = vz_op_add(ctx, ctid, "name", s.name);
                if (r >= 0)
                        r = vz_name_register(ctx, s.name, ctid, e);
                if (r < 0)
                        goto fail;
                s.made_name = true;
        }

        /* 8. Mount point (the image layout unpacks through it). */
        vz_op_add(ctx, ctid, "made_root", "maybe");
        if (mkdir(s.root_path, 0755) == 0)
                s.made_root = true;
        else if (errno == ENOENT) {
                r = vz_mkdir_p(s.root_path, 0755);
                if (r < 0) {
                        r = vz_fail(e, VZ_E_FS_MPOINTCREATE, r, "cannot create %s: %s",
                                    s.root_path, strerror(-r));
                        goto fail;
                }
                s.made_root = true;
        } else if (errno != EEXIST) {
                r = vz_fail(e, VZ_E_FS_MPOINTCREATE, -errno, "cannot create %s: %s",
                            s.root_path, strerror(errno));
                goto fail;
        }

        /* 9. Unpack into staging, then move into place. */
        r = use_btrfs ? snapshot_into(&s, cache, opts, image.diskspace_kb, e)
                      : unpack_into(&s, cache, opts, use_image ? &image : NULL, e);
        if (r < 0)
                goto fail;
        vz_test_stall("create-staged");
        if (rename(s.staging, s.private_path) < 0) {
                r = vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot move %s to %s: %s",
                            s.staging, s.private_path, strerror(errno));
                goto fail;
        }
        s.made_staging = false;
        s.made_private = true;

        /* 10. Its own user-namespace ID range (kept exclusive until saved),
         * then save the config last: once it is there, the CT exists. */
        r = vz_userns_alloc(ctx, ctid, conf, &idlock, e);
        if (r < 0)
                goto fail;
        remove_destroyed(ctx, ctid);
        r = vz_conffile_save(conf, s.conf_path, e);
        if (idlock >= 0)
                close(idlock);
        if (r < 0)
                goto fail;
        s.made_conf = !conf_existed;
        vz_op_end(ctx, ctid);
        if (!use_image && !use_btrfs && vz_conffile_get(conf, "DISKSPACE")) {
                const char *dq = vz_conffile_get(conf, "DISK_QUOTA");
                if (!dq)
                        dq = vz_ctx_get(ctx, "DISK_QUOTA");
                if (!dq || !streq(dq, "no"))
                        vz_quota_simfs_warn(ctid);
        }
        vz_conffile_free(conf);
        create_state_free(&s);

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

oom:
        r = vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
fail:
        create_undo(&s);
        if (s.journaled)
                vz_op_end(ctx, ctid);
        if (!use_image && !use_btrfs && vz_conffile_get(conf, "DISKSPACE")) {
                const char *dq = vz_conffile_get(conf, "DISK_QUOTA");
                if (!dq)
                        dq = vz_ctx_get(ctx, "DISK_QUOTA");
                if (!dq || !streq(dq, "no"))
                        vz_quota_simfs_warn(ctid);
        }
        vz_conffile_free(conf);
        create_state_free(&s);
        return r;
}

_public_ int vz_ct_destroy(vz_ct *ct, vz_err *e)
{
        _cleanup_free_ char *dead = NULL, *dconf = NULL;
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
                        return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot rename %s",
                                       ct->conf_path);
                ct->has_config = false;
        }
        return 0;
}

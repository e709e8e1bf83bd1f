/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A CT: its merged configuration, its state, and the offline lifecycle
 * (create, destroy, mount, umount, set). */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "config/params.h"
#include "ctx.h"
#include "err.h"
#include "log.h"
#include "registry/registry.h"
#include "net/net.h"
#include "runtime/runtime.h"
#include "scripts.h"
#include "storage/storage.h"
#include "util.h"

_public_ int vz_ct_open(vz_ctx *ctx, unsigned ctid, vz_ct **ret, vz_err *e)
{
        vz_ct *ct;
        int r;

        ct = calloc(1, sizeof(*ct));
        if (!ct)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        ct->ctx = ctx;
        ct->id = ctid;
        ct->conf_path = vz_strdupf("%s/conf/%u.conf", ctx->confdir, ctid);
        if (!ct->conf_path) {
                vz_ct_free(ct);
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        r = vz_conffile_load(ct->conf_path, &ct->conf, NULL);
        if (r == -ENOENT)
                ct->conf = vz_conffile_new();
        else if (r < 0) {
                vz_ct_free(ct);
                return vz_fail(e, VZ_E_NOVECONFIG, r, "cannot read CT config %s: %s",
                               ct->conf_path, strerror(-r));
        } else
                ct->has_config = true;
        if (!ct->conf || vz_ct_refresh_paths(ct) < 0) {
                vz_ct_free(ct);
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        *ret = ct;
        return 0;
}

_public_ void vz_ct_free(vz_ct *ct)
{
        if (!ct)
                return;
        vz_conffile_free(ct->conf);
        free(ct->conf_path);
        free(ct->private_path);
        free(ct->root_path);
        free(ct);
}

_public_ unsigned vz_ct_id(const vz_ct *ct)
{
        return ct->id;
}

_public_ bool vz_ct_has_config(const vz_ct *ct)
{
        return ct->has_config;
}

_public_ const char *vz_ct_get(const vz_ct *ct, const char *name)
{
        const char *v = vz_conffile_get(ct->conf, name);
        return v ? v : vz_ctx_get(ct->ctx, name);
}

_public_ const char *vz_ct_private(const vz_ct *ct)
{
        return ct->private_path;
}

_public_ const char *vz_ct_root(const vz_ct *ct)
{
        return ct->root_path;
}

_public_ const char *vz_ct_conf_path(const vz_ct *ct)
{
        return ct->conf_path;
}

static char *expand_path(const char *v, unsigned ctid)
{
        char *s;
        if (isempty(v))
                return NULL;
        s = vz_expand_veid(v, ctid);
        return s ? vz_strip_trailing_slash(s) : NULL;
}

int vz_ct_refresh_paths(vz_ct *ct)
{
        const char *p = vz_ct_get(ct, "VE_PRIVATE"), *r = vz_ct_get(ct, "VE_ROOT");

        free(ct->private_path);
        free(ct->root_path);
        ct->private_path = expand_path(p, ct->id);
        ct->root_path = expand_path(r, ct->id);
        if ((!isempty(p) && !ct->private_path) || (!isempty(r) && !ct->root_path))
                return -ENOMEM;
        return 0;
}

/* Runtime state lives in VZ_RUNDIR/<ctid>.pid: the supervisor's PID. */
static bool ct_is_running(const vz_ct *ct)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        const char *rundir = vz_ct_get(ct, "VZ_RUNDIR");

        if (isempty(rundir))
                return false;
        path = vz_strdupf("%s/%u.pid", rundir, ct->id);
        if (!path || vz_read_file(path, 64, &buf, NULL) < 0)
                return false;
        return vz_pid_alive((pid_t)atoi(buf));
}

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
        s.running = ct_is_running(ct);
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
        image = vz_layout_is_image(vz_ct_get(ct, "VE_LAYOUT")) ||
                vz_image_exists(ct->private_path);
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
        if (ct_is_running(ct))
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

/* ------------------------------------------------------------------ set */

struct lookup_ctx {
        const vz_conffile *ct;
        const vz_ctx *ctx;
};

static const char *lookup_cur(const char *name, void *userdata)
{
        struct lookup_ctx *l = userdata;
        const char *v = vz_conffile_get(l->ct, name);
        return v ? v : vz_ctx_get(l->ctx, name);
}

static vz_conffile *conffile_copy(const vz_conffile *f)
{
        _cleanup_free_ char *buf = NULL;
        vz_conffile *c = NULL;
        size_t len;

        buf = vz_conffile_serialize(f, &len);
        if (!buf || vz_conffile_parse(buf, len, &c) < 0)
                return NULL;
        return c;
}

/* Parameters a sample never overrides in an existing CT (OpenVZ keeps the CT's
 * identity when --applyconfig merges a sample). */
static const char *const sample_keep[] = {
        "VE_ROOT",  "VE_PRIVATE", "OSTEMPLATE", "DISTRIBUTION", "HOSTNAME", "DESCRIPTION",
        "IP_ADDRESS", "NAME",     "VE_LAYOUT",  "LOCAL_UID",    "LOCAL_GID", "NETIF",
        "ORIGIN_SAMPLE", NULL,
};

static char *sample_path(const vz_ctx *ctx, const char *name)
{
        return vz_strdupf("%s/conf/ve-%s.conf-sample", ctx->confdir, name);
}

static int merge_sample(vz_conffile *dst, const vz_ctx *ctx, const char *sample, int code,
                        vz_err *e)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_strv_free_ char **keys = NULL;
        vz_conffile *s = NULL;
        int r;

        if (!vz_name_is_valid(sample) || strchr(sample, '/'))
                return vz_fail(e, code, -EINVAL, "invalid sample config name %s", sample);
        path = sample_path(ctx, sample);
        if (!path)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = vz_conffile_load(path, &s, NULL);
        if (r < 0)
                return vz_fail(e, code, r, "sample config %s not found: %s", path,
                               strerror(-r));
        r = vz_conffile_keys(s, &keys);
        for (size_t i = 0; r >= 0 && keys && keys[i]; i++) {
                if (vz_strv_contains((char *const *)sample_keep, keys[i]))
                        continue;
                r = vz_conffile_set(dst, keys[i], vz_conffile_get(s, keys[i]));
        }
        if (r >= 0)
                r = vz_conffile_set(dst, "ORIGIN_SAMPLE", sample);
        vz_conffile_free(s);
        return r < 0 ? vz_fail(e, VZ_E_RESOURCE, r, "out of memory") : 0;
}

static int check_needs_save(const vz_changes *ch, unsigned flags, vz_err *e)
{
        const vz_param_info *p;

        for (size_t i = 0; (p = vz_changes_param_at(ch, i)); i++) {
                if ((p->flags & VZ_PF_NEEDS_SAVE) && !(flags & VZ_SET_SAVE))
                        return vz_fail(e, streq(p->name, "NAME") ? VZ_E_SET_NAME : VZ_E_SYNTAX,
                                       -EINVAL, "--%s can be used only with --save",
                                       p->option ? p->option : p->name);
                if (p->flags & VZ_PF_CREATE_ONLY)
                        return vz_fail(e, VZ_E_SYNTAX, -EINVAL,
                                       "--%s can be used only with create",
                                       p->option ? p->option : p->name);
        }
        return 0;
}

/* Move the CT's name link from old to new after the config change. */
static int update_name(vz_ct *ct, const char *old, const char *new, vz_err *e)
{
        int r;

        if ((old && new && streq(old, new)) || (!old && !new))
                return 0;
        if (!isempty(new)) {
                r = vz_name_register(ct->ctx, new, ct->id, e);
                if (r < 0)
                        return r;
        }
        if (!isempty(old))
                vz_name_unregister(ct->ctx, old, ct->id);
        return 0;
}

/* --diskspace of an image-layout CT: resize the image (grow online if
 * mounted). Journaled until the config is saved (*journaled): a killed
 * vzctl leaves either the old image or the new one, and the next command
 * brings the config in line (recover.c). */
static int resize_image(vz_ct *ct, const vz_conffile *copy, bool mounted, bool *journaled,
                        vz_err *e)
{
        const char *a = vz_conffile_get(ct->conf, "DISKSPACE"), *b = vz_conffile_get(copy, "DISKSPACE");
        int64_t soft, hard;

        if (!b || (a && streq(a, b)))
                return 0;
        if (vz_param_disk_value("DISKSPACE", b, &soft, &hard) < 0 || hard <= 0)
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "bad DISKSPACE %s", b);
        /* btrfs: a qgroup limit, changed at once whatever the CT's state. */
        if (vz_btrfs_is_subvolume(ct->private_path))
                return vz_btrfs_set_limit(ct->private_path, hard, e);
        if (!vz_image_exists(ct->private_path))
                return 0;
        {
                _cleanup_free_ char *img = vz_image_path(ct->private_path);
                _cleanup_free_ char *ki = img ? vz_strdupf("image=%s", img) : NULL;
                _cleanup_free_ char *kv = vz_strdupf("value=%s", b);
                _cleanup_free_ char *ks = vz_strdupf("size=%lld", (long long)hard * 1024);
                char *keys[] = {ki, kv, ks, NULL};
                int r;
                if (!ki || !kv || !ks)
                        return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                r = vz_op_begin(ct->ctx, ct->id, "resize", keys, e);
                if (r < 0)
                        return r;
                *journaled = true;
        }
        return vz_image_resize(ct->private_path, mounted ? ct->root_path : NULL, hard, e);
}

/* The parameters a set on a running CT applies: those given on the command
 * line (the same value as saved included: the CT may differ from its config)
 * and those an --applyconfig sample changes. Only these: an earlier change
 * made without --save stays in effect, as on OpenVZ. */
static int given_params(const vz_changes *ch, const vz_conffile *before, const vz_conffile *after,
                        char ***ret)
{
        _cleanup_strv_free_ char **keys = NULL, **v = NULL;
        const vz_param_info *p;
        int r = 0;

        for (size_t i = 0; r >= 0 && (p = vz_changes_param_at(ch, i)); i++)
                r = vz_strv_push(&v, p->name);
        if (r >= 0)
                r = vz_conffile_keys(after, &keys);
        for (size_t i = 0; r >= 0 && keys && keys[i]; i++) {
                const char *a = vz_conffile_get(before, keys[i]);
                if (!a || !streq(a, vz_conffile_get(after, keys[i])))
                        r = vz_strv_push(&v, keys[i]);
        }
        if (r >= 0 && !v) /* nothing given: an empty list, not "all" */
                r = vz_strv_push(&v, "");
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

static int set_with_sample(vz_ct *ct, const vz_changes *ch, const char *sample, unsigned flags,
                           vz_err *e)
{
        _cleanup_free_ char *old_name = NULL, *live_ips = NULL;
        struct lookup_ctx l;
        vz_conffile *copy = NULL;
        vz_ct_state st;
        const char *new_name;
        bool journaled = false;
        int r, changed = 0;

        if (!ct->has_config)
                return vz_fail(e, VZ_E_NOVECONFIG, -ENOENT, "CT config %s does not exist",
                               ct->conf_path);
        r = check_needs_save(ch, flags, e);
        if (r < 0)
                return r;
        vz_ct_get_state(ct, &st, NULL);
        if (st.running) {
                const vz_param_info *p;
                for (size_t i = 0; (p = vz_changes_param_at(ch, i)); i++)
                        if (p->flags & VZ_PF_NO_RUNNING)
                                return vz_fail(e, VZ_E_RUNNING, -EBUSY,
                                               "--%s cannot be changed on a running CT",
                                               p->option ? p->option : p->name);
        } else if (!(flags & VZ_SET_SAVE))
                return vz_fail(e, VZ_E_NOT_RUNNING, -EINVAL,
                               "CT is not running: nothing to apply now "
                               "(use --save to change its configuration)");

        /* Work on a copy: the file on disk changes only by the final atomic
         * save, so any failure leaves it byte-for-byte as it was. */
        copy = conffile_copy(ct->conf);
        if (!copy)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        old_name = vz_conffile_get(ct->conf, "NAME") ? strdup(vz_conffile_get(ct->conf, "NAME"))
                                                     : NULL;
        if (sample) {
                r = merge_sample(copy, ct->ctx, sample, VZ_E_APPLY_CONFIG, e);
                if (r < 0)
                        goto out;
        }
        l = (struct lookup_ctx){.ct = copy, .ctx = ct->ctx};
        r = vz_changes_apply(ch, copy, lookup_cur, &l, e);
        if (r < 0)
                goto out;
        /* Per-user quota inside the CT needs the kernel's quota formats. */
        if (vz_changes_has(ch, "QUOTAUGIDLIMIT")) {
                const char *q = vz_conffile_get(copy, "QUOTAUGIDLIMIT");
                bool image = vz_layout_is_image(vz_conffile_get(copy, "VE_LAYOUT")) ||
                             (ct->private_path && vz_image_exists(ct->private_path));
                r = vz_quota_ugid_check(q ? strtoll(q, NULL, 10) : 0, image, e);
                if (r < 0)
                        goto out;
        }
        if ((vz_changes_has(ch, "DISKSPACE") || vz_changes_has(ch, "DISKINODES")) &&
            ct->private_path && streq(vz_layout_detect(ct->private_path), "simfs"))
                vz_quota_simfs_warn(ct->id);
        else if ((vz_changes_has(ch, "DISKSPACE") || vz_changes_has(ch, "DISKINODES")) &&
                 ct->private_path && vz_overlay_is(ct->private_path) &&
                 !vz_btrfs_is_subvolume(ct->private_path))
                vz_quota_overlay_warn(ct->id);
        /* An address another CT has is refused, running or not (78). */
        if (vz_changes_has(ch, "IP_ADDRESS")) {
                r = vz_net_check_ips(ct->ctx, ct->id, vz_conffile_get(copy, "IP_ADDRESS"), e);
                if (r < 0)
                        goto out;
        }
        {
                _cleanup_free_ char *a = NULL, *b = NULL;
                size_t la, lb;
                a = vz_conffile_serialize(ct->conf, &la);
                b = vz_conffile_serialize(copy, &lb);
                if (!a || !b) {
                        r = vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                        goto out;
                }
                changed = la != lb || memcmp(a, b, la) != 0;
        }
        /* --ipadd/--ipdel act on what a running CT has, which may differ
         * from its config (addresses added or removed without --save). */
        if (st.running && vz_changes_has(ch, "IP_ADDRESS")) {
                _cleanup_free_ char *before = NULL;
                r = vz_net_live_change(ct, ch, &before, &live_ips);
                if (r < 0) {
                        r = vz_fail(e, VZ_E_BADIP, r, "cannot read the CT's addresses: %s",
                                    strerror(-r));
                        goto out;
                }
                changed = changed || !streq(before, live_ips);
        }
        /* A running CT may differ from its saved config (an earlier set
         * without --save): setting the saved value again must still apply. */
        if (!changed && !st.running) {
                r = 1;
                goto out;
        }
        if (st.running) {
                /* Live: what can change on a running CT changes now. */
                static const char *const live[] = {"HOSTNAME", "NAMESERVER", "SEARCHDOMAIN"};
                bool identity = false;
                for (size_t i = 0; i < ELEMENTSOF(live); i++) {
                        const char *a = vz_conffile_get(ct->conf, live[i]);
                        const char *b = vz_conffile_get(copy, live[i]);
                        if ((a || b) && (!a || !b || !streq(a, b)))
                                identity = true;
                }
                _cleanup_strv_free_ char **given = NULL;
                vz_conffile *saved = ct->conf;
                r = given_params(ch, ct->conf, copy, &given);
                if (r < 0) {
                        r = vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
                        goto out;
                }
                ct->conf = copy; /* the CT seen with its new values */
                r = identity ? vz_ct_apply_identity(ct, e) : 0;
                if (r >= 0)
                        r = vz_ct_apply_resources_of(ct, given, e);
                if (r >= 0) {
                        pid_t init;
                        if (vz_run_read_pid(ct, "init", &init) == 0)
                                r = vz_net_apply_live(ct, saved, init, live_ips, e);
                }
                ct->conf = saved;
                if (r < 0)
                        goto out;
                if (!changed) {
                        r = 1;
                        goto out;
                }
        }
        if (!(flags & VZ_SET_SAVE)) {
                r = 0;
                goto out;
        }
        r = resize_image(ct, copy, st.mounted, &journaled, e);
        if (r < 0)
                goto out;
        if (journaled)
                vz_test_stall("resize-done");
        new_name = vz_conffile_get(copy, "NAME");
        r = update_name(ct, old_name, new_name, e);
        if (r < 0)
                goto out;
        r = vz_conffile_save(copy, ct->conf_path, e);
        if (r < 0) {
                /* Put the name link back the way it was. */
                update_name(ct, new_name, old_name, NULL);
                goto out;
        }
        vz_conffile_free(ct->conf);
        ct->conf = TAKE_PTR(copy);
        r = vz_ct_refresh_paths(ct);
        if (r < 0)
                r = vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
out:
        /* Taken by the duplicate address check, held until the save. */
        vz_net_ip_unlock(ct->ctx);
        if (journaled)
                vz_op_end(ct->ctx, ct->id);
        vz_conffile_free(copy);
        return r;
}

_public_ int vz_ct_set(vz_ct *ct, const vz_changes *ch, const char *apply_sample, unsigned flags,
                      vz_err *e)
{
        const vz_param_info *p;
        int r;

        r = set_with_sample(ct, ch, apply_sample, flags, e);
        if (r < 0)
                return r;
        /* Never silently: a value the kernel will not hold is said so. */
        for (size_t i = 0; (p = vz_changes_param_at(ch, i)); i++) {
                const char *why = p->flags & VZ_PF_NOT_ENFORCED
                                      ? "a stock kernel has no mechanism for it"
                                      : vz_ct_param_unenforced(ct, p->name);
                if (why)
                        vz_warn("%s is %s but not enforced: %s", p->name,
                                flags & VZ_SET_SAVE ? "saved" : "set", why);
        }
        if (vz_changes_has(ch, "DEVNODES")) {
                vz_ct_state st = {0};
                vz_ct_get_state(ct, &st, NULL);
                if (st.running)
                        vz_warn("DEVNODES: access rights changed now; a node not yet in the "
                                "CT's /dev appears there at its next start");
        }
        return r;
}

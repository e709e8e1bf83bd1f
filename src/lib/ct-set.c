/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzctl set: a change set checked against the CT, applied to a copy of its
 * config, then to the running CT (a loop over the changed rows, each going
 * where its row's live field says), then saved atomically. Above the
 * subsystems it drives (net, storage, runtime); none of them calls here. */
#include "config/params.h"
#include "ctx.h"
#include "err.h"
#include "log.h"
#include "net/net.h"
#include "registry/registry.h"
#include "runtime/runtime.h"
#include "storage/storage.h"
#include "util.h"

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
    "VE_ROOT",     "VE_PRIVATE", "OSTEMPLATE",    "DISTRIBUTION", "HOSTNAME",
    "DESCRIPTION", "IP_ADDRESS", "NAME",          "VE_LAYOUT",    "LOCAL_UID",
    "LOCAL_GID",   "NETIF",      "ORIGIN_SAMPLE", NULL,
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
                return vz_fail(e, code, r, "sample config %s not found: %s", path, strerror(-r));
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
                        return vz_fail(e, VZ_E_SYNTAX, -EINVAL, "--%s can be used only with create",
                                       p->option ? p->option : p->name);
        }
        return 0;
}

/* Move the CT's name link from old to new after the config change. */
static int update_name(vz_ct *ct, const char *old, const char *new, vz_err *e)
{
        int r;

        if ((old && new &&streq(old, new)) || (!old && !new))
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
        const char *a = vz_conffile_get(ct->conf, VZ_P_DISKSPACE),
                   *b = vz_conffile_get(copy, VZ_P_DISKSPACE);
        int64_t soft, hard;

        if (!b || (a && streq(a, b)))
                return 0;
        if (vz_param_disk_value(VZ_P_DISKSPACE, b, &soft, &hard) < 0 || hard <= 0)
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "bad %s %s", VZ_P_DISKSPACE, b);
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

/* One vzctl set in progress. */
struct set_op {
        vz_ct *ct;
        const vz_changes *ch;
        unsigned flags;
        vz_ct_state st;
        vz_conffile *copy; /* the config with the changes */
        char *old_name;    /* NAME before, for the name link */
        char *live_ips;    /* --ipadd/--ipdel applied to the running CT's addresses */
        bool changed;      /* copy differs from the saved config */
        bool journaled;    /* an image resize is journaled (resize_image) */
};

/* What the CT's state allows before anything is read or changed. */
static int set_check(struct set_op *s, vz_err *e)
{
        const vz_param_info *p;
        int r;

        if (!s->ct->has_config)
                return vz_fail(e, VZ_E_NOVECONFIG, -ENOENT, "CT config %s does not exist",
                               s->ct->conf_path);
        r = check_needs_save(s->ch, s->flags, e);
        if (r < 0)
                return r;
        vz_ct_get_state(s->ct, &s->st, NULL);
        if (!s->st.running && !(s->flags & VZ_SET_SAVE))
                return vz_fail(e, VZ_E_NOT_RUNNING, -EINVAL,
                               "CT is not running: nothing to apply now "
                               "(use --save to change its configuration)");
        for (size_t i = 0; s->st.running && (p = vz_changes_param_at(s->ch, i)); i++)
                if (p->flags & VZ_PF_NO_RUNNING)
                        return vz_fail(e, VZ_E_RUNNING, -EBUSY,
                                       "--%s cannot be changed on a running CT",
                                       p->option ? p->option : p->name);
        return 0;
}

/* Does the change set give a parameter applied the way live says? */
static bool changes_live(const vz_changes *ch, enum vz_param_live live)
{
        const vz_param_info *i;

        for (size_t k = 0; (i = vz_changes_param_at(ch, k)); k++) {
                const struct vz_param *p = vz_param_lookup(i->name);
                if (p && p->live == live)
                        return true;
        }
        return false;
}

/* Checks of the new values that look beyond the value itself. */
static int set_check_values(struct set_op *s, vz_err *e)
{
        vz_ct *ct = s->ct;
        int r;

        /* Per-user quota inside the CT needs the kernel's quota formats. */
        if (vz_changes_has(s->ch, "QUOTAUGIDLIMIT")) {
                const char *q = vz_conffile_get(s->copy, "QUOTAUGIDLIMIT");
                bool image = vz_layout_is_image(vz_conffile_get(s->copy, "VE_LAYOUT")) ||
                             (ct->private_path && vz_image_exists(ct->private_path));
                r = vz_quota_ugid_check(q ? strtoll(q, NULL, 10) : 0, image, e);
                if (r < 0)
                        return r;
        }
        if (changes_live(s->ch, VZ_LIVE_DISK) && ct->private_path &&
            streq(vz_layout_detect(ct->private_path), "simfs"))
                vz_quota_simfs_warn(ct->id);
        else if ((vz_changes_has(s->ch, "DISKSPACE") || vz_changes_has(s->ch, "DISKINODES")) &&
                 ct->private_path && vz_overlay_is(ct->private_path) &&
                 !vz_btrfs_is_subvolume(ct->private_path))
                vz_quota_overlay_warn(ct->id);
        /* An address another CT has is refused, running or not (78). */
        if (vz_changes_has(s->ch, "IP_ADDRESS"))
                return vz_net_check_ips(ct->ctx, ct->id, vz_conffile_get(s->copy, "IP_ADDRESS"), e);
        return 0;
}

/* The changed config in s->copy (the file on disk changes only by the
 * final atomic save, so any failure leaves it byte-for-byte as it was). */
static int set_prepare(struct set_op *s, const char *sample, vz_err *e)
{
        _cleanup_free_ char *a = NULL, *b = NULL;
        const char *name = vz_conffile_get(s->ct->conf, "NAME");
        struct lookup_ctx l;
        size_t la, lb;
        int r;

        s->copy = conffile_copy(s->ct->conf);
        s->old_name = name ? strdup(name) : NULL;
        if (!s->copy || (name && !s->old_name))
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (sample) {
                r = merge_sample(s->copy, s->ct->ctx, sample, VZ_E_APPLY_CONFIG, e);
                if (r < 0)
                        return r;
        }
        l = (struct lookup_ctx){.ct = s->copy, .ctx = s->ct->ctx};
        r = vz_changes_apply(s->ch, s->copy, lookup_cur, &l, e);
        if (r >= 0)
                r = set_check_values(s, e);
        if (r < 0)
                return r;
        a = vz_conffile_serialize(s->ct->conf, &la);
        b = vz_conffile_serialize(s->copy, &lb);
        if (!a || !b)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        s->changed = la != lb || memcmp(a, b, la) != 0;
        /* --ipadd/--ipdel act on what a running CT has, which may differ
         * from its config (addresses added or removed without --save). */
        if (s->st.running && vz_changes_has(s->ch, "IP_ADDRESS")) {
                _cleanup_free_ char *before = NULL;
                r = vz_net_live_change(s->ct, s->ch, &before, &s->live_ips);
                if (r < 0)
                        return vz_fail(e, VZ_E_BADIP, r, "cannot read the CT's addresses: %s",
                                       strerror(-r));
                s->changed = s->changed || !streq(before, s->live_ips);
        }
        return 0;
}

static bool value_differs(const vz_conffile *a, const vz_conffile *b, const char *name)
{
        const char *x = vz_conffile_get(a, name), *y = vz_conffile_get(b, name);
        return (x || y) && (!x || !y || !streq(x, y));
}

/* The running CT gets what the given rows change: a loop over the rows,
 * each sent where its live field says, then one call per subsystem. */
static int set_live(struct set_op *s, vz_err *e)
{
        _cleanup_strv_free_ char **given = NULL, **res = NULL;
        vz_conffile *saved = s->ct->conf;
        bool identity = false, net = false;
        int r;

        r = given_params(s->ch, saved, s->copy, &given);
        for (size_t i = 0; r >= 0 && given[i]; i++) {
                const struct vz_param *p = vz_param_lookup(given[i]);
                switch (p ? p->live : VZ_LIVE_UNSET) {
                case VZ_LIVE_IDENTITY:
                        identity = identity || value_differs(saved, s->copy, p->info.name);
                        break;
                case VZ_LIVE_CGROUP:
                case VZ_LIVE_KNOB:
                case VZ_LIVE_DEVICES:
                        r = vz_strv_push(&res, p->info.name);
                        break;
                case VZ_LIVE_NET:
                        net = true;
                        break;
                default: /* nothing now: config, restart, not enforced; disk at save */
                        break;
                }
        }
        /* An empty list, not "all": the host's CPU weight is still written. */
        if (r >= 0 && !res)
                r = vz_strv_push(&res, "");
        if (r < 0)
                return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        s->ct->conf = s->copy; /* the CT seen with its new values */
        r = identity ? vz_ct_apply_identity(s->ct, e) : 0;
        if (r >= 0)
                r = vz_ct_apply_resources_of(s->ct, res, e);
        if (r >= 0 && net) {
                pid_t init;
                if (vz_run_read_pid(s->ct, "init", &init) == 0)
                        r = vz_net_apply_live(s->ct, saved, init, s->live_ips, e);
        }
        s->ct->conf = saved;
        return r;
}

/* Write the new config: the image resized first, the name link moved. */
static int set_save(struct set_op *s, vz_err *e)
{
        vz_ct *ct = s->ct;
        const char *new_name;
        int r;

        r = resize_image(ct, s->copy, s->st.mounted, &s->journaled, e);
        if (r < 0)
                return r;
        if (s->journaled)
                vz_test_stall("resize-done");
        new_name = vz_conffile_get(s->copy, "NAME");
        r = update_name(ct, s->old_name, new_name, e);
        if (r < 0)
                return r;
        r = vz_conffile_save(s->copy, ct->conf_path, e);
        if (r < 0) {
                /* Put the name link back the way it was. */
                update_name(ct, new_name, s->old_name, NULL);
                return r;
        }
        vz_conffile_free(ct->conf);
        ct->conf = TAKE_PTR(s->copy);
        r = vz_ct_refresh_paths(ct);
        return r < 0 ? vz_fail(e, VZ_E_RESOURCE, r, "out of memory") : 0;
}

/* 0 done, 1 nothing changed. */
static int set_run(struct set_op *s, const char *sample, vz_err *e)
{
        int r;

        r = set_check(s, e);
        if (r >= 0)
                r = set_prepare(s, sample, e);
        if (r < 0)
                return r;
        /* A running CT may differ from its saved config (an earlier set
         * without --save): setting the saved value again must still apply. */
        if (!s->changed && !s->st.running)
                return 1;
        if (s->st.running) {
                r = set_live(s, e);
                if (r < 0)
                        return r;
                if (!s->changed)
                        return 1;
        }
        if (!(s->flags & VZ_SET_SAVE))
                return 0;
        return set_save(s, e);
}

static int set_with_sample(vz_ct *ct, const vz_changes *ch, const char *sample, unsigned flags,
                           vz_err *e)
{
        struct set_op s = {.ct = ct, .ch = ch, .flags = flags};
        int r;

        r = set_run(&s, sample, e);
        /* Taken by the duplicate address check, held until the save. */
        vz_net_ip_unlock(ct->ctx);
        if (s.journaled)
                vz_op_end(ct->ctx, ct->id);
        vz_conffile_free(s.copy);
        free(s.old_name);
        free(s.live_ips);
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CT ids and names. */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

#include "ctx.h"
#include "err.h"
#include "registry.h"
#include "util.h"

_public_ int vz_ctid_parse(const char *s, unsigned *ret)
{
        unsigned long v;
        char *end;

        /* Canonical decimal only: "0101" and "101" must not name two CTs. */
        if (isempty(s) || !isdigit((unsigned char)s[0]) || (s[0] == '0' && s[1]))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > VZ_CTID_MAX)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

_public_ bool vz_name_is_valid(const char *name)
{
        bool all_digits = true;

        if (isempty(name) || strlen(name) > 255)
                return false;
        for (const char *p = name; *p; p++) {
                if (!isdigit((unsigned char)*p))
                        all_digits = false;
                if (isalnum((unsigned char)*p) || strchr(" -+_.", *p))
                        continue;
                return false;
        }
        /* A purely numeric name would be read as a CTID; "." and ".." are
         * directory entries, not names. */
        return !all_digits && !streq(name, ".") && !streq(name, "..");
}

static char *name_link(const vz_ctx *ctx, const char *name)
{
        return vz_strdupf("%s/names/%s", ctx->confdir, name);
}

/* CTID a name link points at, from its target "<...>/<N>.conf". */
static int name_target(const vz_ctx *ctx, const char *name, unsigned *ret)
{
        _cleanup_free_ char *link = name_link(ctx, name);
        char target[PATH_MAX];
        ssize_t n;
        char *base, *dot;

        if (!link)
                return -ENOMEM;
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = '\0';
        base = strrchr(target, '/');
        base = base ? base + 1 : target;
        dot = strrchr(base, '.');
        if (!dot || !streq(dot, ".conf"))
                return -EINVAL;
        *dot = '\0';
        return vz_ctid_parse(base, ret);
}

_public_ int vz_ct_resolve(vz_ctx *ctx, const char *arg, unsigned *ret, vz_err *e)
{
        _cleanup_free_ char *conf = NULL;
        vz_conffile *f = NULL;
        unsigned id;
        const char *cn;
        int r;

        if (isempty(arg))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "CT ID missing");
        if (vz_ctid_parse(arg, &id) == 0) {
                *ret = id;
                return 0;
        }
        if (isdigit((unsigned char)arg[0]) && strspn(arg, "0123456789") == strlen(arg))
                return vz_fail(e, VZ_E_VALUE, -ERANGE, "invalid CT ID %s (0..%u)", arg,
                               VZ_CTID_MAX);
        if (!vz_name_is_valid(arg))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "invalid CT ID or name: %s", arg);
        r = name_target(ctx, arg, &id);
        if (r < 0)
                return vz_fail(e, VZ_E_VALUE, r, "unable to find CT by name %s", arg);
        /* The name must also be what the CT's config says, as OpenVZ checks. */
        conf = vz_strdupf("%s/conf/%u.conf", ctx->confdir, id);
        if (!conf)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = vz_conffile_load(conf, &f, NULL);
        if (r < 0)
                return vz_fail(e, VZ_E_VALUE, r, "name %s points to CT %u, which has no config",
                               arg, id);
        cn = vz_conffile_get(f, "NAME");
        r = cn && streq(cn, arg);
        vz_conffile_free(f);
        if (!r)
                return vz_fail(e, VZ_E_VALUE, -ENOENT,
                               "name %s points to CT %u, whose config has another NAME", arg, id);
        *ret = id;
        return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
        unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
        return x < y ? -1 : x > y;
}

_public_ int vz_ct_list_ids(vz_ctx *ctx, unsigned **ret_ids, size_t *ret_n, vz_err *e)
{
        _cleanup_free_ char *dir = vz_strdupf("%s/conf", ctx->confdir);
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ unsigned *ids = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;

        if (!dir)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot read %s", dir);
        } else
                while ((de = readdir(d))) {
                        char num[32];
                        unsigned id;
                        size_t l = strlen(de->d_name);
                        if (l < 6 || l - 5 >= sizeof(num) || !vz_endswith(de->d_name, ".conf"))
                                continue;
                        memcpy(num, de->d_name, l - 5);
                        num[l - 5] = '\0';
                        /* "0.conf" is the host's own config, not a CT. */
                        if (vz_ctid_parse(num, &id) < 0 || id == 0)
                                continue;
                        if (n == cap) {
                                unsigned *ni =
                                    realloc(ids, (cap = cap ? cap * 2 : 64) * sizeof(unsigned));
                                if (!ni)
                                        return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                                ids = ni;
                        }
                        ids[n++] = id;
                }
        if (n)
                qsort(ids, n, sizeof(unsigned), cmp_unsigned);
        *ret_ids = TAKE_PTR(ids);
        *ret_n = n;
        return (int)n;
}

int vz_name_register(vz_ctx *ctx, const char *name, unsigned ctid, vz_err *e)
{
        _cleanup_free_ char *link = name_link(ctx, name), *target = NULL, *dir = NULL;
        unsigned other;
        int r;

        if (!vz_name_is_valid(name))
                return vz_fail(e, VZ_E_SET_NAME, -EINVAL,
                               "invalid name %s: use letters, digits, space, - + _ .", name);
        target = vz_strdupf("%s/conf/%u.conf", ctx->confdir, ctid);
        dir = vz_strdupf("%s/names", ctx->confdir);
        if (!link || !target || !dir)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = name_target(ctx, name, &other);
        if (r == 0 && other == ctid)
                return 0;
        if (r == 0) {
                /* A link left behind by a CT that no longer has the name is stale. */
                _cleanup_free_ char *oc = vz_strdupf("%s/conf/%u.conf", ctx->confdir, other);
                vz_conffile *f = NULL;
                bool stale = true;
                if (oc && vz_conffile_load(oc, &f, NULL) == 0) {
                        const char *cn = vz_conffile_get(f, "NAME");
                        stale = !(cn && streq(cn, name));
                        vz_conffile_free(f);
                }
                if (!stale)
                        return vz_fail(e, VZ_E_SET_NAME, -EEXIST,
                                       "name %s is already used by CT %u", name, other);
                unlink(link);
        } else if (r != -ENOENT)
                unlink(link);
        r = vz_mkdir_p(dir, 0755);
        if (r < 0)
                return vz_fail(e, VZ_E_SET_NAME, r, "cannot create %s", dir);
        if (symlink(target, link) < 0)
                return vz_fail(e, VZ_E_SET_NAME, -errno, "cannot create name link %s", link);
        return 0;
}

int vz_name_unregister(vz_ctx *ctx, const char *name, unsigned ctid)
{
        _cleanup_free_ char *link = name_link(ctx, name);
        unsigned id;

        if (!link)
                return -ENOMEM;
        if (name_target(ctx, name, &id) == 0 && id == ctid && unlink(link) < 0)
                return -errno;
        return 0;
}

int vz_name_unregister_ct(vz_ctx *ctx, unsigned ctid)
{
        _cleanup_free_ char *dir = vz_strdupf("%s/names", ctx->confdir);
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                unsigned id;
                if (de->d_name[0] == '.')
                        continue;
                if (name_target(ctx, de->d_name, &id) == 0 && id == ctid)
                        unlinkat(dirfd(d), de->d_name, 0);
        }
        return 0;
}

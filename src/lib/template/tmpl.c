/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Template caches in the core library: names, finding and listing caches,
 * and the entry points of the template library (libvz-template, the part
 * that needs libarchive), loaded on first use so that commands which never
 * unpack or build a cache do not pay for loading libarchive and its
 * dependencies (ICU, libxml2, ...).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "util.h"
#include "template.h"

/* Searched in this order (OpenVZ's order, zstd added last). */
static const char *const cache_suffixes[] = {".tar", ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst"};

bool vz_tmpl_name_is_valid(const char *name)
{
        return !isempty(name) && name[0] != '.' && !strchr(name, '/');
}

int vz_tmpl_cache_dir(vz_ctx *ctx, char **ret, vz_err *e)
{
        const char *t = vz_ctx_get(ctx, "TEMPLATE");
        char *d;

        if (isempty(t))
                return vz_fail(e, VZ_E_TMPL_NOTSET, -EINVAL, "TEMPLATE is not set in vz.conf");
        d = vz_strdupf("%s/cache", t);
        if (!d)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        *ret = d;
        return 0;
}

int vz_tmpl_check_name(const char *ostemplate, vz_err *e)
{
        if (!vz_tmpl_name_is_valid(ostemplate))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "invalid OS template name '%s'",
                               ostemplate ? ostemplate : "");
        return 0;
}

_public_ int vz_tmpl_find_cache(vz_ctx *ctx, const char *ostemplate, char **ret_path, vz_err *e)
{
        _cleanup_free_ char *dir = NULL;
        int r;

        r = vz_tmpl_check_name(ostemplate, e);
        if (r < 0)
                return r;
        r = vz_tmpl_cache_dir(ctx, &dir, e);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(cache_suffixes); i++) {
                _cleanup_free_ char *p = vz_strdupf("%s/%s%s", dir, ostemplate, cache_suffixes[i]);
                struct stat st;

                if (!p)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
                        *ret_path = TAKE_PTR(p);
                        return 0;
                }
        }
        {
                /* Suggest building it only if vzpkg can (busybox or
                 * metadata); else point at what can be built. */
                _cleanup_free_ char *meta =
                    vz_strdupf("%s/templates/%s/template.conf", vz_ctx_confdir(ctx), ostemplate);
                struct stat st;

                if (streq(ostemplate, "busybox") || (meta && stat(meta, &st) == 0))
                        return vz_fail(e, VZ_E_OSTEMPLATE_NOT_FOUND, -ENOENT,
                                       "OS template cache for '%s' not found in %s (create it "
                                       "with 'vzpkg create cache %s')",
                                       ostemplate, dir, ostemplate);
                return vz_fail(e, VZ_E_OSTEMPLATE_NOT_FOUND, -ENOENT,
                               "OS template cache for '%s' not found in %s, and there is no "
                               "metadata to build it ('vzpkg list' shows the OS templates "
                               "that can be built)",
                               ostemplate, dir);
        }
}

_public_ int vz_tmpl_list(vz_ctx *ctx, char ***ret_names, vz_err *e)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_strv_free_ char **names = NULL;
        struct dirent *de;
        size_t n;
        int r;

        r = vz_tmpl_cache_dir(ctx, &dir, e);
        if (r < 0)
                return r;
        names = calloc(1, sizeof(char *));
        if (!names)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot read %s: %m", dir);
        } else {
                while ((de = readdir(d))) {
                        if (de->d_name[0] == '.')
                                continue;
                        for (size_t i = ELEMENTSOF(cache_suffixes); i-- > 0;) {
                                size_t len = strlen(de->d_name), sl = strlen(cache_suffixes[i]);
                                _cleanup_free_ char *name = NULL;
                                struct stat st;

                                if (len <= sl || !vz_endswith(de->d_name, cache_suffixes[i]))
                                        continue;
                                if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
                                    !S_ISREG(st.st_mode))
                                        break;
                                name = strndup(de->d_name, len - sl);
                                if (!name)
                                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                                if (!vz_strv_contains(names, name) &&
                                    vz_strv_consume(&names, TAKE_PTR(name)) < 0)
                                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                                break;
                        }
                }
        }
        vz_strv_sort(names);
        n = vz_strv_length(names);
        *ret_names = TAKE_PTR(names);
        return (int)n;
}

int vz_tmpl_meta_dir(vz_ctx *ctx, char **ret, vz_err *e)
{
        char *d = vz_strdupf("%s/templates", vz_ctx_confdir(ctx));

        if (!d)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        *ret = d;
        return 0;
}

_public_ int vz_tmpl_list_available(vz_ctx *ctx, char ***ret_names, vz_err *e)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_strv_free_ char **names = NULL;
        struct dirent *de;
        size_t n;
        int r;

        r = vz_tmpl_meta_dir(ctx, &dir, e);
        if (r < 0)
                return r;
        if (vz_strv_push(&names, "busybox") < 0)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        d = opendir(dir);
        if (!d && errno != ENOENT)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot read %s: %m", dir);
        while (d && (de = readdir(d))) {
                struct stat st;

                /* A directory with a template.conf (validated when built). */
                if (!vz_tmpl_name_is_valid(de->d_name) ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(st.st_mode))
                        continue;
                {
                        _cleanup_free_ char *c = vz_strdupf("%s/template.conf", de->d_name);
                        if (!c)
                                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                        if (fstatat(dirfd(d), c, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                            !S_ISREG(st.st_mode))
                                continue;
                }
                if (!vz_strv_contains(names, de->d_name) && vz_strv_push(&names, de->d_name) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        }
        vz_strv_sort(names);
        n = vz_strv_length(names);
        *ret_names = TAKE_PTR(names);
        return (int)n;
}

/* ------------------------------------------------------------ programs */

/* Linked in statically (unit tests), these are defined; in libvz.so they
 * are not, and the template library is loaded instead. */
extern __attribute__((weak)) int vz_tmpl_unpack_impl(const char *archive, int target_fd,
                                                     vz_progress_fn progress, void *userdata,
                                                     vz_err *e);
extern __attribute__((weak)) int vz_cache_create_impl(vz_ctx *ctx, const char *ostemplate,
                                                      const vz_cache_opts *opts, vz_err *e);
extern __attribute__((weak)) int vz_tmpl_import_impl(vz_ctx *ctx, const char *ref,
                                                     const char *ostemplate,
                                                     const vz_import_opts *opts, vz_err *e);
extern __attribute__((weak)) void vz_tmpl_set_log(vz_log_fn fn, void *userdata);

/* The template library, loaded once per process (under the lock: two
 * threads may want it at once). */
static void *template_handle;
static pthread_mutex_t template_lock = PTHREAD_MUTEX_INITIALIZER;

static void *template_load(void)
{
        void *handle;
        /* Next to this library: the build tree and an install alike. */
        Dl_info info;
        _cleanup_free_ char *path = NULL;

        if (dladdr((void *)template_load, &info) && info.dli_fname) {
                const char *slash = strrchr(info.dli_fname, '/');
                path = slash ? vz_strdupf("%.*s/libvz-template.so.0", (int)(slash - info.dli_fname),
                                          info.dli_fname)
                             : NULL;
        }
        handle = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
        /* The tools link this code statically (no RUNPATH, which
         * would cost every start a search of the build tree for
         * libc): from src/tools/ of the build tree, its top. */
        if (!handle) {
                char self[PATH_MAX], *slash;
                ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
                _cleanup_free_ char *up = NULL;
                if (n > 0) {
                        self[n] = '\0';
                        slash = strrchr(self, '/');
                        up = slash ? vz_strdupf("%.*s/../../libvz-template.so.0",
                                                (int)(slash - self), self)
                                   : NULL;
                }
                if (up && access(up, F_OK) == 0)
                        handle = dlopen(up, RTLD_NOW | RTLD_LOCAL);
        }
        if (!handle)
                handle = dlopen("libvz-template.so.0", RTLD_NOW | RTLD_LOCAL);
        return handle;
}

static void *template_symbol(const char *name, vz_err *e)
{
        void *handle, *sym;

        pthread_mutex_lock(&template_lock);
        if (!template_handle)
                template_handle = template_load();
        handle = template_handle;
        pthread_mutex_unlock(&template_lock);
        if (!handle) {
                vz_fail(e, VZ_E_SYSTEM, -ENOENT, "cannot load the template library: %s", dlerror());
                return NULL;
        }
        sym = dlsym(handle, name);
        if (!sym)
                vz_fail(e, VZ_E_SYSTEM, -ENOENT, "template library: no %s", name);
        return sym;
}

/* The template library has its own copy of the log hook: hand it ours. */
static bool forward_log(vz_err *e)
{
        __typeof__(&vz_tmpl_set_log) set_log = vz_tmpl_set_log;
        vz_log_fn fn;
        void *ud;

        if (!set_log)
                set_log = (__typeof__(set_log))template_symbol("vz_tmpl_set_log", e);
        if (!set_log)
                return false;
        vz_get_log(&fn, &ud);
        set_log(fn, ud);
        return true;
}

_public_ int vz_tmpl_unpack(const char *archive, int target_fd, vz_progress_fn progress,
                            void *userdata, vz_err *e)
{
        __typeof__(&vz_tmpl_unpack_impl) fn = vz_tmpl_unpack_impl;

        if (!fn)
                fn = (__typeof__(fn))template_symbol("vz_tmpl_unpack_impl", e);
        if (!fn || !forward_log(e))
                return -ENOENT;
        return fn(archive, target_fd, progress, userdata, e);
}

_public_ int vz_cache_create(vz_ctx *ctx, const char *ostemplate, const vz_cache_opts *opts,
                             vz_err *e)
{
        __typeof__(&vz_cache_create_impl) fn = vz_cache_create_impl;

        if (!fn)
                fn = (__typeof__(fn))template_symbol("vz_cache_create_impl", e);
        if (!fn || !forward_log(e))
                return -ENOENT;
        return fn(ctx, ostemplate, opts, e);
}

_public_ int vz_tmpl_import(vz_ctx *ctx, const char *ref, const char *ostemplate,
                            const vz_import_opts *opts, vz_err *e)
{
        __typeof__(&vz_tmpl_import_impl) fn = vz_tmpl_import_impl;

        if (!fn)
                fn = (__typeof__(fn))template_symbol("vz_tmpl_import_impl", e);
        if (!fn || !forward_log(e))
                return -ENOENT;
        return fn(ctx, ref, ostemplate, opts, e);
}

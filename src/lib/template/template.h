/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal interface of the template code (unpack.c, cache.c). */
#pragma once

#include <stdbool.h>

/* Test hook: behave as if openat2() returned ENOSYS, so the O_NOFOLLOW
 * component walk is used to resolve paths inside the target. */
extern bool vz_unpack_force_fallback;

/* Is name acceptable as an OS template name (no '/', no leading '.')? */
bool vz_tmpl_name_is_valid(const char *name);

#include <vz/vz.h>

/* TEMPLATE/cache of ctx; and a check of an ostemplate name (class 21). */
int vz_tmpl_cache_dir(vz_ctx *ctx, char **ret, vz_err *e);
int vz_tmpl_check_name(const char *ostemplate, vz_err *e);
/* <confdir>/templates: OS template metadata, one directory each. */
int vz_tmpl_meta_dir(vz_ctx *ctx, char **ret, vz_err *e);

/* The template library's entry points (libvz-template.so), behind the
 * public vz_tmpl_unpack() and vz_cache_create(). */
int vz_tmpl_unpack_impl(const char *archive, int target_fd, vz_progress_fn progress,
                        void *userdata, vz_err *e);
int vz_cache_create_impl(vz_ctx *ctx, const char *ostemplate, const vz_cache_opts *opts,
                         vz_err *e);
void vz_tmpl_set_log(vz_log_fn fn, void *userdata);

/* Apply one OCI image layer (a tar, any compression) over target_fd:
 * the hostile-archive rules of vz_tmpl_unpack, plus whiteouts. */
int vz_tmpl_unpack_layer(const char *archive, int target_fd, vz_err *e);
/* The template library's entry point behind vz_tmpl_import(). */
int vz_tmpl_import_impl(vz_ctx *ctx, const char *ref, const char *ostemplate,
                        const vz_import_opts *opts, vz_err *e);

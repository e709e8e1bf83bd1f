/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal interface of the template code (unpack.c, cache.c, oci.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Test hook: behave as if openat2() returned ENOSYS, so the O_NOFOLLOW
 * component walk is used to resolve paths inside the target. Set only by the
 * unit tests and vz-tmpl-unpack before they unpack (not in libvz's export
 * list: a program using the API cannot reach it). */
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
int vz_tmpl_unpack_impl(const char *archive, int target_fd, vz_progress_fn progress, void *userdata,
                        vz_err *e);
int vz_cache_create_impl(vz_ctx *ctx, const char *ostemplate, const vz_cache_opts *opts, vz_err *e);
void vz_tmpl_set_log(vz_log_fn fn, void *userdata);

/* Apply one OCI image layer (a tar, any compression) over target_fd:
 * the hostile-archive rules of vz_tmpl_unpack, plus whiteouts. */
int vz_tmpl_unpack_layer(const char *archive, int target_fd, vz_err *e);
/* The template library's entry point behind vz_tmpl_import(). */
int vz_tmpl_import_impl(vz_ctx *ctx, const char *ref, const char *ostemplate,
                        const vz_import_opts *opts, vz_err *e);

/* Writing a template cache (cache.c): TEMPLATE/cache/<ostemplate>.tar.zst
 * (pax, numeric owners, zstd at level, or libarchive's default for 0),
 * written to a temporary file beside it and renamed into place by
 * tmpl_writer_commit (over an existing one only with force). On failure
 * each of these leaves nothing behind; tmpl_writer_abort drops a writer. */
struct archive;
struct tmpl_writer {
        struct archive *a;
        int fd;
        char *tmp_path;
        char *final_path;
        vz_progress_fn progress;
        void *userdata;
        uint64_t done, total, last;
};
/* TEMPLATE/cache of ctx, created if missing. */
int tmpl_cache_dir_create(vz_ctx *ctx, char **ret, vz_err *e);
int tmpl_writer_open(struct tmpl_writer *w, vz_ctx *ctx, const char *ostemplate, int level,
                     const vz_cache_opts *opts, vz_err *e);
void tmpl_writer_abort(struct tmpl_writer *w);
int tmpl_writer_commit(struct tmpl_writer *w, bool force, vz_err *e);
/* Add the tree under dir as "./..." (no symlink followed, no mount point
 * crossed; xattrs, ACLs, hard links kept). */
int tmpl_pack_tree(struct tmpl_writer *w, const char *dir, vz_err *e);
/* After a forced rebuild: remove caches of ostemplate other than keep. */
void tmpl_remove_other_caches(vz_ctx *ctx, const char *ostemplate, const char *keep);

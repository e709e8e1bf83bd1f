/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Strings, string vectors, paths and file helpers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <vz/vz.h>
#include "macro.h"

/* asprintf that returns NULL on failure. */
char *vz_strdupf(const char *fmt, ...) _printf_(1, 2);
/* Replace every "$VEID" and "${VEID}" in s by the CTID. */
char *vz_expand_veid(const char *s, unsigned ctid);
/* Strip trailing slashes (but keep "/"). In place. */
char *vz_strip_trailing_slash(char *s);
bool vz_startswith(const char *s, const char *prefix);
bool vz_endswith(const char *s, const char *suffix);

/* NULL-terminated string vectors. */
size_t vz_strv_length(char *const *v);
int vz_strv_push(char ***v, const char *s); /* copies s */
int vz_strv_consume(char ***v, char *s);    /* takes s, frees it on failure */
bool vz_strv_contains(char *const *v, const char *s);
char *vz_strv_join(char *const *v, const char *sep);
/* Split on any of the chars in seps, dropping empty fields. */
int vz_strv_split(const char *s, const char *seps, char ***ret);
void vz_strv_sort(char **v);
static inline void vz_strv_freep(char ***v)
{
        vz_strv_free(*v);
}
#define _cleanup_strv_free_ _cleanup_(vz_strv_freep)

/* Read a whole file (up to max bytes) into a NUL-terminated buffer. */
int vz_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* Write data to path atomically: tmp file in the same dir, fsync, rename,
 * fsync dir. mode is used for the new file. */
int vz_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* The same without fsync: for state that does not outlive a reboot (run
 * files), where atomic replacement is all that matters. */
int vz_write_file_replace(const char *path, const void *data, size_t len, mode_t mode);
/* mkdir -p; returns 0 if it exists as a directory. */
int vz_mkdir_p(const char *path, mode_t mode);
/* Remove a tree without ever following symlinks; dirfd-based. Crosses no
 * mount points (fails with -EBUSY if one is found). */
int vz_rm_rf(const char *path);
int vz_rm_rf_at(int dirfd, const char *name);
/* Is the directory empty (or missing)? */
int vz_dir_is_empty(const char *path);
/* Is path a mount point (differs from parent in mnt id or device)? */
int vz_is_mountpoint(const char *path);
/* Free bytes on the filesystem holding path. */
int vz_fs_free_bytes(const char *path, uint64_t *ret);
/* Is the process alive? */
bool vz_pid_alive(pid_t pid);

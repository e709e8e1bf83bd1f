/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Config files (vz.conf, CTID.conf, samples) and the parameter table.
 *
 * A vz_conffile keeps every line of the file as read, so saving rewrites only
 * lines whose value changed (or appends new ones): comments, order, spacing,
 * unknown keys and continuation lines survive byte-for-byte.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vz/vz.h>

typedef struct vz_conffile vz_conffile;

/* Parse a buffer (any bytes; never fails on bad syntax, bad lines are kept as
 * raw text and ignored). -ENOMEM only. */
int vz_conffile_parse(const char *buf, size_t len, vz_conffile **ret);
/* Load a file; -ENOENT if missing (e: VZ_E_NOVECONFIG class set by caller). */
int vz_conffile_load(const char *path, vz_conffile **ret, vz_err *e);
vz_conffile *vz_conffile_new(void);
void vz_conffile_free(vz_conffile *f);
/* Value of key (unquoted, unescaped), or NULL. First occurrence wins, except
 * for list parameters (IP_ADDRESS, NAMESERVER, SEARCHDOMAIN) which accumulate
 * over all occurrences, space-joined. */
const char *vz_conffile_get(const vz_conffile *f, const char *key);
/* Set key: replaces the line of its first occurrence in place, rendered as
 * KEY="value" (escaped so the file stays valid shell); appends if absent.
 * Returns 1 if the file content changed, 0 if the value was already equal. */
int vz_conffile_set(vz_conffile *f, const char *key, const char *value);
/* Remove every line setting key. Returns 1 if something was removed. */
int vz_conffile_unset(vz_conffile *f, const char *key);
/* All keys set in the file, in file order, without duplicates. */
int vz_conffile_keys(const vz_conffile *f, char ***ret);
/* The file content as it would be written. */
char *vz_conffile_serialize(const vz_conffile *f, size_t *ret_len);
/* Atomic save (tmp + fsync + rename, through symlinks). VZ_E_CONFIG_SAVE. */
int vz_conffile_save(const vz_conffile *f, const char *path, vz_err *e);

/* Parameter table: see params.c. */
struct vz_param;
const struct vz_param *vz_param_lookup(const char *name); /* by config name, aliases */
/* Built-in default of a parameter (used when neither vz.conf nor the CT sets
 * it), or NULL. */
const char *vz_param_default(const char *name);
/* Check a value read from a config file; -EINVAL with message if invalid. */
int vz_param_check_stored(const char *name, const char *value, vz_err *e);

/* Apply a change set. cur(name) gives the effective current value (CT config
 * over global) for options that modify a value (--ipadd, --capability...).
 * The new values are written into ct with vz_conffile_set/unset. Returns the
 * number of keys whose value changed, or -errno (ct is then unspecified: the
 * caller works on a copy). */
typedef const char *(*vz_lookup_fn)(const char *name, void *userdata);
int vz_changes_apply(const vz_changes *ch, vz_conffile *ct, vz_lookup_fn cur, void *userdata,
                     vz_err *e);
/* Iterate the config names a change set touches (for flags such as
 * VZ_PF_NEEDS_SAVE checks). i from 0 until NULL. */
const vz_param_info *vz_changes_param_at(const vz_changes *ch, size_t i);

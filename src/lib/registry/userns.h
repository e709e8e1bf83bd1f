/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A CT's own UID/GID range and user namespaces mapping it (userns.c): below
 * storage, which idmaps layers with them, and runtime. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "ctx.h"

#define VZ_USERNS_RANGE 65536U

/* Give the CT its own LOCAL_UID/LOCAL_GID range in conf if it has none
 * (0 when vz.conf's LOCAL_UID is 0: privileged). *ret_lock_fd holds a
 * host-wide allocation lock the caller keeps until conf is saved (-1 if
 * nothing was allocated). */
int vz_userns_alloc(vz_ctx *ctx, unsigned ctid, vz_conffile *conf, int *ret_lock_fd, vz_err *e);
/* The CT's host base UID/GID; returns true if it has a user namespace. */
bool vz_userns_get(const vz_ct *ct, uid_t *ret_uid, gid_t *ret_gid);
/* An fd of a fresh user namespace mapping 0..65535 onto uid/gid. */
int vz_userns_open(uid_t uid, gid_t gid, vz_err *e);
/* The same for the user namespace pid has just unshared (and waits in):
 * writes its maps, returns an fd of it or -errno. */
int vz_userns_map(pid_t pid, uid_t uid, gid_t gid);

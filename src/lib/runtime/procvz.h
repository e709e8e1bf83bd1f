/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OpenVZ's /proc files (user_beancounters, bc/, vz/veinfo, vz/vestat) in
 * OpenVZ's formats, served where a stock kernel lets us (see procvz.c).
 */
#pragma once

#include <stddef.h>

#include "ctx.h"

struct vz_cgroup;

/* The CT's own view, as OpenVZ showed it inside the CT: what is
 * "user_beancounters", "vz/veinfo", "vz/vestat" or "bc/resources" (its
 * rows without the uid column). *ret is malloc'ed. 0 or -errno. */
int vz_procvz_ct(vz_ct *ct, struct vz_cgroup *cg, const char *what, char **ret, size_t *ret_len);
/* The host's view of all running CTs: path is "user_beancounters",
 * "bc/resources", "bc/CTID/resources", "vz/veinfo" or "vz/vestat". */
int vz_procvz_host(vz_ctx *ctx, const char *path, char **ret, size_t *ret_len);
/* Serve the host's view on VZ_RUNDIR/proc (FUSE) until it is unmounted. */
int vz_procfs_serve(vz_ctx *ctx);
/* Start that server (server_bin --procfs) unless one is alive. */
int vz_procfs_ensure(const vz_ct *ct, const char *server_bin, vz_err *e);

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
/* Where the host's view is served: VZ_RUNDIR/proc (malloc'ed). */
char *vz_procfs_dir(const vz_ctx *ctx);
/* Start its server, the vz-procfs program beside supervisor_bin, unless
 * one is alive (or replace a dead one). */
int vz_procfs_ensure(const vz_ct *ct, const char *supervisor_bin, vz_err *e);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One cgroup per CT, <hierarchy root>/<VZ_CGROUP>/<CTID>, in every mounted
 * hierarchy: each v1 controller hierarchy (and name=systemd) and the cgroup2
 * tree, which may have all controllers (pure v2) or none (hybrid). Callers
 * name controllers, not versions; the back end finds the hierarchy.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <vz/vz.h>
#include "basic/macro.h"

typedef struct vz_cgroup vz_cgroup;

/* Paths of CT ctid's cgroups under parent name `parent` (nothing created). */
int vz_cgroup_open(const char *parent, unsigned ctid, vz_cgroup **ret, vz_err *e);
/* The same for a CT: under its VZ_CGROUP ("vz" when unset). */
int vz_ct_cgroup_open(const vz_ct *ct, vz_cgroup **ret, vz_err *e);
void vz_cgroup_free(vz_cgroup *cg);
DEFINE_CLEANUP_FUNC(vz_cgroup, vz_cgroup_free)
#define _cleanup_cgroup_ _cleanup_(vz_cgroup_freep)
/* Create the cgroups (fresh: a leftover one is killed and removed first).
 * owner_uid/gid: the CT's root on the host, given the cgroup2 (and v1
 * name=systemd) directory so the CT's init can manage its own subtree;
 * (uid_t)-1 for none. Limits stay owned by host root. */
int vz_cgroup_create(vz_cgroup *cg, uid_t owner_uid, gid_t owner_gid, vz_err *e);
/* Move pid into the CT's cgroup in every hierarchy. */
int vz_cgroup_attach(vz_cgroup *cg, pid_t pid, vz_err *e);
/* Write a controller file, e.g. ("pids", "pids.max", "100"). -ENOENT if no
 * hierarchy has the controller. */
int vz_cgroup_write(vz_cgroup *cg, const char *controller, const char *file, const char *value,
                    vz_err *e);
/* Read a controller file (NUL-terminated); -ENOENT if no hierarchy has it. */
int vz_cgroup_read(vz_cgroup *cg, const char *controller, const char *file, char **ret);
/* Kill every process in the CT's cgroups (and below), wait until empty. */
int vz_cgroup_kill(vz_cgroup *cg);
/* Remove the cgroups, sub-cgroups first. */
int vz_cgroup_destroy(vz_cgroup *cg);
/* Does the CT's memory cgroup hold dirty or writeback page cache? */
bool vz_cgroup_dirty(vz_cgroup *cg);
/* The cgroup2 directory of the CT (for mounting inside it), or NULL. */
const char *vz_cgroup_v2_path(const vz_cgroup *cg);
/* The CT's directory in the hierarchy that has controller (v1 "freezer"
 * for checkpoints), or NULL. */
const char *vz_cgroup_path(const vz_cgroup *cg, const char *controller);
/* Is the host on pure cgroup v2 (controllers in the unified tree)? */
bool vz_cgroup_is_v2(const vz_cgroup *cg);
/* Does any hierarchy here have controller? */
bool vz_cgroup_has_controller(const vz_cgroup *cg, const char *controller);
/* Is controller served by the cgroup2 tree (v2 file names) here? */
bool vz_cgroup_controller_v2(const vz_cgroup *cg, const char *controller);
/* The CT's hierarchy number i (0 <= i < count), for mounting them inside:
 * its controller list ("cpu", "name=systemd"; the cgroup2 tree's enabled
 * controllers, maybe "") and whether it is the cgroup2 tree. false past the
 * end. */
bool vz_cgroup_hier(const vz_cgroup *cg, size_t i, const char **ret_controllers, bool *ret_v2);
/* Does the host mount a v1 hierarchy with controller (e.g. "name=systemd")? */
bool vz_cgroup_has_v1(const vz_cgroup *cg, const char *controller);
/* Read a controller file of the CT's parent cgroup (<VZ_CGROUP>), e.g. the
 * cpuset the CT inherits; -ENOENT if no hierarchy has the controller. */
int vz_cgroup_read_parent(vz_cgroup *cg, const char *controller, const char *file, char **ret);
/* Write file of the VZ_CGROUP parent (the group holding every CT). */
int vz_cgroup_write_parent(vz_cgroup *cg, const char *controller, const char *file,
                           const char *value);

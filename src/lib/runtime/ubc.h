/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The beancounter view of a CT (OPENVZ.md 3): held, maxheld, barrier, limit
 * and failcnt per UBC, computed from cgroup counters where the kernel has
 * them (physpages, swappages, kmemsize, numproc) and from the config (held
 * 0, not enforced) for the rest.
 */
#pragma once

#include <vz/vz.h>

struct vz_cgroup;

/* Fill ret[0..VZ_UBC_COUNT) (kernel ID order) for ct; cg is the CT's
 * cgroup, or NULL if it is not running (counters then -1). */
void vz_ubc_compute(const vz_ct *ct, struct vz_cgroup *cg, vz_ubc *ret);

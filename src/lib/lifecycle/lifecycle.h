/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Operations made of a CT's lifecycle steps over its storage: snapshots
 * (a checkpoint, a disk snapshot, a resume) and the repair of operations a
 * killed command left half done. Above runtime/ and storage/, which they
 * use; nothing below calls them. */
#pragma once

#include <vz/vz.h>

/* Remove what a snapshot has beside its disk (config copy, memory dump,
 * criu's logs): a removed or unfinished snapshot. */
void vz_snapshot_remove_extras(const char *dir, const char *uuid);

/* Remove every snapshot of ct (destroy). */
struct vz_ct;
int vz_snapshots_remove_all(const struct vz_ct *ct);

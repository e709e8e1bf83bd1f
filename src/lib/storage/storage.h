/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Storage layouts. simfs: VE_PRIVATE is a directory, bind-mounted on VE_ROOT. */
#pragma once

#include <vz/vz.h>

int vz_simfs_mount(const char *private_path, const char *root_path, vz_err *e);
/* Unmount everything at or below root_path, deepest first. */
int vz_umount_tree(const char *root_path, vz_err *e);
/* Is root_path mounted (a mount point, or the same inode as private_path)? */
bool vz_simfs_is_mounted(const char *private_path, const char *root_path);
/* Make the directory holding VE_PRIVATE inaccessible to host users (0700)
 * if it is not, with a warning. */
void vz_protect_private_parent(const char *private_path);

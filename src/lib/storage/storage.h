/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Storage layouts. simfs: VE_PRIVATE is a directory, bind-mounted on VE_ROOT. */
#pragma once

#include <stdint.h>
#include <string.h>

#include <vz/vz.h>

int vz_simfs_mount(const char *private_path, const char *root_path, vz_err *e);
/* Unmount everything at or below root_path, deepest first. */
int vz_umount_tree(const char *root_path, vz_err *e);
/* Is root_path mounted (a mount point, or the same inode as private_path)? */
bool vz_simfs_is_mounted(const char *private_path, const char *root_path);
/* Make the directory holding VE_PRIVATE inaccessible to host users (0700)
 * if it is not, with a warning. */
void vz_protect_private_parent(const char *private_path);

/* The image layout (VE_LAYOUT=ploop): ext4 in VE_PRIVATE/root.hdd/root.hdd
 * on a loop device. Sizes in KB and inodes (the hard DISKSPACE/DISKINODES). */
typedef struct vz_ct_limits {
        int64_t diskspace_kb;
        int64_t diskinodes; /* 0: mkfs's default */
} vz_ct_limits;
char *vz_image_path(const char *private_path);
bool vz_image_exists(const char *private_path);
int vz_image_create(const char *private_path, const vz_ct_limits *lim, vz_err *e);
int vz_image_mount(const char *private_path, const char *target, unsigned long flags, vz_err *e);
/* Grow the image to kb (online if mounted_at is its mount point). */
int vz_image_resize(const char *private_path, const char *mounted_at, int64_t kb, vz_err *e);
/* Is this a layout name of the image layout ("ploop", "ploop:expanded"...)? */
static inline bool vz_layout_is_image(const char *layout)
{
        return layout && strncmp(layout, "ploop", 5) == 0;
}

/* The btrfs layout: VE_PRIVATE a subvolume, snapshot of a read-only template
 * subvolume made once per cache with unpack(); DISKSPACE a qgroup limit. */
typedef int (*vz_unpack_fn)(const char *archive, int target_fd, void *userdata, vz_err *e);
bool vz_btrfs_supported(const char *dir);
bool vz_btrfs_is_subvolume(const char *path);
int vz_btrfs_create(const char *target, const char *cache, vz_unpack_fn unpack, void *userdata,
                    vz_err *e);
int vz_btrfs_delete(const char *path, vz_err *e);
/* kb <= 0: no limit. */
int vz_btrfs_set_limit(const char *path, int64_t kb, vz_err *e);

/* Remove every snapshot of ct (destroy). */
struct vz_ct;
int vz_snapshots_remove_all(const struct vz_ct *ct);

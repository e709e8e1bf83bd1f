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
/* The same with ext4 mount options (data: "usrquota,grpquota"...). */
int vz_image_mount_opts(const char *private_path, const char *target, unsigned long flags,
                        const char *data, vz_err *e);
/* Turn on ext4's quota feature (user and group) in the unmounted image, if
 * it is not on: second-level quota (QUOTAUGIDLIMIT). */
int vz_image_quota_enable(const char *private_path, vz_err *e);
/* Resize the image to kb: online grow if mounted_at is its mount point;
 * offline grow or shrink (atomic: a resized copy renamed over it). */
int vz_image_resize(const char *private_path, const char *mounted_at, int64_t kb, vz_err *e);
/* Wait (up to 5 s) until no loop device holds the image; 41 if one does. */
int vz_image_wait_free(const char *private_path, vz_err *e);
/* e2fsck -p of the (unmounted) image; VZ 152 if errors are left. */
int vz_image_fsck(const char *private_path, vz_err *e);
/* Return the free blocks of the filesystem mounted at mounted_at to the
 * host (FITRIM: the loop device punches holes). Bytes trimmed, or -errno. */
int64_t vz_image_compact(const char *mounted_at, vz_err *e);
/* Reflink or sparse copy; dst must not exist. */
int vz_file_copy_sparse(const char *src, const char *dst);
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
/* An empty subvolume. */
int vz_btrfs_subvol_new(const char *path, vz_err *e);
/* kb <= 0: no limit. */
int vz_btrfs_set_limit(const char *path, int64_t kb, vz_err *e);

/* The overlay layout (overlay.c): VE_PRIVATE/{upper,work,lower}, the lower a
 * shared unpacked cache in TEMPLATE/cache-unpacked. */
char *vz_overlay_base(const char *template_dir);
bool vz_overlay_is(const char *private_path);
char *vz_overlay_lower_of(const char *private_path);
/* The shared lower layer of cache, unpacked once (under a lock). */
int vz_overlay_lower(const char *template_dir, const char *cache, vz_unpack_fn unpack,
                     void *userdata, char **ret, vz_err *e);
/* upper/, work/ and the lower link in the new private area area. */
int vz_overlay_make(const char *area, const char *lower, vz_err *e);
int vz_overlay_register(const char *lower, unsigned ctid, const char *private_path);
void vz_overlay_unregister(const char *lower, unsigned ctid);
/* Drop ctid's use of lower (0: none); remove lower if unused and its cache
 * file was rebuilt or removed. */
void vz_overlay_release(const char *template_dir, const char *lower, unsigned ctid);
/* Remove unfinished unpacks, stale user entries and unused old lowers. */
void vz_overlay_prune(const char *template_dir);
/* Mount on root, nosuid,nodev, the layers idmapped through userns_fd (-1:
 * not) that maps 0 to uid/gid; rdonly: a read-only view (upper as a lower
 * layer). */
int vz_overlay_mount(const char *private_path, const char *root, int userns_fd, uid_t uid,
                     gid_t gid, bool rdonly, vz_err *e);

/* In-progress markers, LOCKDIR/<CTID>.op (journal.c); lifecycle/recover.c reads them. */
struct vz_ctx;
char *vz_op_path(const struct vz_ctx *ctx, unsigned ctid);
/* kv: NULL-terminated "key=value" strings (may be NULL). */
int vz_op_begin(const struct vz_ctx *ctx, unsigned ctid, const char *op, char *const kv[],
                vz_err *e);
int vz_op_add(const struct vz_ctx *ctx, unsigned ctid, const char *key, const char *value);
void vz_op_end(const struct vz_ctx *ctx, unsigned ctid);
int vz_op_read(const struct vz_ctx *ctx, unsigned ctid, char ***ret_lines);
const char *vz_op_get(char *const *lines, const char *key);
/* Test hook: pause here if VZ_TEST_STALL names this step. */
void vz_test_stall(const char *step);

/* "simfs", "ploop", "btrfs" or "overlay", from what VE_PRIVATE holds. */
const char *vz_layout_detect(const char *private_path);
/* Remove a private area of any layout (subvolume or tree). */
int vz_private_remove(const char *path);

/* Disk usage of a private area walked file by file (simfs; btrfs inodes). */
int vz_tree_usage(const char *path, int64_t *ret_kb, int64_t *ret_inodes);
/* Space referenced by a btrfs subvolume (its qgroup), in KB; -ENOTCONN if
 * quotas are off. */
int vz_btrfs_usage(const char *path, int64_t *ret_kb);

/* Kernel quota (quota.c). */
bool vz_quota_format_supported(void);
/* 0 if ugidlimit is 0 or can be had (image layout, kernel quota formats),
 * else the reason it cannot (exit 65). */
int vz_quota_ugid_check(int64_t ugidlimit, bool image, vz_err *e);
/* Warn that simfs limits are not enforced, and why. */
void vz_quota_simfs_warn(unsigned ctid);
/* The same for an overlay CT whose VE_PRIVATE is not on btrfs. */
void vz_quota_overlay_warn(unsigned ctid);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The btrfs layout (VE_LAYOUT=btrfs): VE_PRIVATE is a subvolume, created as a
 * snapshot of a read-only template subvolume kept beside the private areas
 * (<parent of VE_PRIVATE>/.vztemplates/<ostemplate>@<cache mtime>), so after
 * the first CT of a template every create is a snapshot: near-instant, and
 * the CTs share their unchanged blocks. DISKSPACE is a qgroup limit on the
 * space the subvolume references (what the CT sees as its disk usage).
 */
#include <btrfsutil.h>
#include <endian.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "err.h"
#include "log.h"
#include "storage.h"
#include "util.h"

static int butil_err(enum btrfs_util_error err)
{
        return err == BTRFS_UTIL_OK ? 0 : errno ? -errno : -EIO;
}

bool vz_btrfs_supported(const char *dir)
{
        struct statfs sf;
        return statfs(dir, &sf) == 0 && sf.f_type == BTRFS_SUPER_MAGIC;
}

bool vz_btrfs_is_subvolume(const char *path)
{
        return btrfs_util_is_subvolume(path) == BTRFS_UTIL_OK;
}

int vz_btrfs_delete(const char *path, vz_err *e)
{
        enum btrfs_util_error err;

        errno = 0;
        err = btrfs_util_delete_subvolume(path, BTRFS_UTIL_DELETE_SUBVOLUME_RECURSIVE);
        if (err != BTRFS_UTIL_OK)
                return vz_fail(e, VZ_E_FS_DEL_PRVT, butil_err(err),
                               "cannot delete subvolume %s: %s", path, btrfs_util_strerror(err));
        return 0;
}

/* Quotas must be on for qgroup limits; turning them on is what an admin
 * asking for DISKSPACE on a btrfs CT wants. */
static int quota_enable(int fd)
{
        struct btrfs_ioctl_quota_ctl_args q = {.cmd = BTRFS_QUOTA_CTL_ENABLE};
        return ioctl(fd, BTRFS_IOC_QUOTA_CTL, &q) < 0 ? -errno : 0;
}

int vz_btrfs_set_limit(const char *path, int64_t kb, vz_err *e)
{
        struct btrfs_ioctl_qgroup_limit_args a = {0};
        _cleanup_close_ int fd = -1;
        enum btrfs_util_error err;
        uint64_t id;

        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return vz_fail(e, 62, -errno, "cannot open %s: %s", path, strerror(errno));
        errno = 0;
        err = btrfs_util_subvolume_id_fd(fd, &id);
        if (err != BTRFS_UTIL_OK)
                return vz_fail(e, 62, butil_err(err), "%s is not a subvolume: %s", path,
                               btrfs_util_strerror(err));
        a.qgroupid = id; /* level 0: the subvolume's own qgroup, 0/<id> */
        a.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
        a.lim.max_rfer = kb > 0 ? (uint64_t)kb * 1024 : (uint64_t)-1;
        if (ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &a) == 0)
                return 0;
        if ((errno == ENOTCONN || errno == ENOENT || errno == EINVAL) && quota_enable(fd) == 0 &&
            ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &a) == 0)
                return 0;
        return vz_fail(e, 62, -errno, "cannot set the disk limit of %s: %s", path, strerror(errno));
}

/* The template subvolume for cache, unpacked once (under a lock). */
static int template_subvol(const char *base, const char *cache, vz_unpack_fn unpack, void *userdata,
                           char **ret, vz_err *e)
{
        _cleanup_free_ char *dir = vz_strdupf("%s/.vztemplates", base), *lockp = NULL;
        _cleanup_free_ char *name = NULL, *path = NULL, *tmp = NULL;
        _cleanup_close_ int lock = -1, tfd = -1;
        const char *b = strrchr(cache, '/');
        enum btrfs_util_error err;
        struct stat st;
        int r;

        if (!dir || stat(cache, &st) < 0)
                return vz_fail(e, VZ_E_OSTEMPLATE_NOT_FOUND, -errno, "cannot stat %s", cache);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot create %s", dir);
        /* Keyed by the cache file: a rebuilt cache gets a new template. */
        name = vz_strdupf("%s@%lld-%lld", b ? b + 1 : cache, (long long)st.st_mtime,
                          (long long)st.st_size);
        path = name ? vz_strdupf("%s/%s", dir, name) : NULL;
        lockp = vz_strdupf("%s/.lock", dir);
        if (!path || !lockp)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lock < 0 || flock(lock, LOCK_EX) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot lock %s", lockp);
        if (vz_btrfs_is_subvolume(path)) {
                *ret = TAKE_PTR(path);
                return 0;
        }
        tmp = vz_strdupf("%s/.tmp-%d", dir, (int)getpid());
        if (!tmp)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (vz_btrfs_is_subvolume(tmp))
                vz_btrfs_delete(tmp, NULL);
        errno = 0;
        err = btrfs_util_create_subvolume(tmp, 0, NULL, NULL);
        if (err != BTRFS_UTIL_OK)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, butil_err(err),
                               "cannot create subvolume %s: %s", tmp, btrfs_util_strerror(err));
        tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        r = tfd < 0 ? vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot open %s", tmp)
                    : unpack(cache, tfd, userdata, e);
        if (r == 0 && rename(tmp, path) < 0)
                r = vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot rename %s", tmp);
        if (r < 0) {
                vz_btrfs_delete(tmp, NULL);
                return r;
        }
        /* Read-only: a template must never change under its snapshots. */
        (void)btrfs_util_set_subvolume_read_only(path, true);
        *ret = TAKE_PTR(path);
        return 0;
}

int vz_btrfs_create(const char *target, const char *cache, vz_unpack_fn unpack, void *userdata,
                    vz_err *e)
{
        _cleanup_free_ char *base = strdup(target), *tmpl = NULL;
        enum btrfs_util_error err;
        char *slash;
        int r;

        if (!base)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        slash = strrchr(base, '/');
        if (slash && slash != base)
                *slash = '\0';
        if (!vz_btrfs_supported(base))
                return vz_fail(e, VZ_E_PLOOP_UNSUP, -EOPNOTSUPP,
                               "%s is not on btrfs: the btrfs layout needs VE_PRIVATE there", base);
        r = template_subvol(base, cache, unpack, userdata, &tmpl, e);
        if (r < 0)
                return r;
        errno = 0;
        err = btrfs_util_create_snapshot(tmpl, target, 0, NULL, NULL);
        if (err != BTRFS_UTIL_OK)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, butil_err(err),
                               "cannot snapshot %s to %s: %s", tmpl, target,
                               btrfs_util_strerror(err));
        return 0;
}

int vz_btrfs_usage(const char *path, int64_t *ret_kb)
{
        struct btrfs_ioctl_search_args a = {0};
        struct btrfs_ioctl_search_header h;
        struct btrfs_qgroup_info_item item;
        _cleanup_close_ int fd = -1;
        uint64_t id;

        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (btrfs_util_subvolume_id_fd(fd, &id) != BTRFS_UTIL_OK)
                return -EINVAL;
        /* The subvolume's level-0 qgroup (0/<id>) in the quota tree: what it
         * references is what the CT sees as its usage (and the limit). */
        a.key.tree_id = BTRFS_QUOTA_TREE_OBJECTID;
        a.key.min_type = a.key.max_type = BTRFS_QGROUP_INFO_KEY;
        a.key.min_offset = a.key.max_offset = id;
        a.key.max_transid = UINT64_MAX;
        a.key.nr_items = 1;
        if (ioctl(fd, BTRFS_IOC_TREE_SEARCH, &a) < 0)
                return errno == ENOENT ? -ENOTCONN : -errno;
        if (a.key.nr_items < 1)
                return -ENOTCONN;
        memcpy(&h, a.buf, sizeof(h));
        if (h.type != BTRFS_QGROUP_INFO_KEY || h.offset != id || h.len < sizeof(item))
                return -ENOTCONN;
        memcpy(&item, a.buf + sizeof(h), sizeof(item));
        *ret_kb = (int64_t)(le64toh(item.rfer) / 1024);
        return 0;
}

int vz_btrfs_subvol_new(const char *path, vz_err *e)
{
        enum btrfs_util_error err;

        errno = 0;
        err = btrfs_util_create_subvolume(path, 0, NULL, NULL);
        if (err != BTRFS_UTIL_OK)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, butil_err(err),
                               "cannot create subvolume %s: %s", path, btrfs_util_strerror(err));
        return 0;
}

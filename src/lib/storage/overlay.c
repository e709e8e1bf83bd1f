/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The overlay layout (VE_LAYOUT=overlay): a template cache is unpacked once
 * into a shared, read-only lower layer, TEMPLATE/cache-unpacked/<cache file
 * name>@<mtime>-<size> (keyed by the cache file, so a rebuilt cache gets a
 * new lower and the CTs made from the old one keep theirs). A CT's private
 * area holds only what it changed:
 *
 *   VE_PRIVATE/upper   overlayfs upper layer (0-based IDs, as simfs stores)
 *   VE_PRIVATE/work    overlayfs work directory
 *   VE_PRIVATE/lower   symlink to the shared lower layer
 *
 * Mounted on VE_ROOT as an overlay whose layers are idmapped mounts for the
 * CT's user namespace (overlayfs accepts idmapped layers, but cannot itself
 * be idmapped), so the tree at VE_ROOT already shows the CT's IDs and is
 * what the CT gets as its root. Files nobody changed are the lower's: one
 * inode, one page cache for every CT of the template.
 *
 * Users of a lower are registered as TEMPLATE/cache-unpacked/<lower>.users/
 * <CTID>, a symlink to the CT's private area; an entry whose area does not
 * link back to the lower is stale and dropped when seen. A lower is kept
 * while its cache file is current (the next create is instant) and removed
 * with its last user once the cache was rebuilt or removed. Everything in
 * cache-unpacked is changed under its .lock.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "ctx.h"
#include "err.h"
#include "log.h"
#include "storage.h"
#include "util.h"

#define LOWER_DIR "cache-unpacked"

char *vz_overlay_base(const char *template_dir)
{
        return isempty(template_dir) ? NULL : vz_strdupf("%s/" LOWER_DIR, template_dir);
}

bool vz_overlay_is(const char *private_path)
{
        _cleanup_free_ char *p = vz_strdupf("%s/lower", private_path);
        struct stat st;
        return p && lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

char *vz_overlay_lower_of(const char *private_path)
{
        _cleanup_free_ char *p = vz_strdupf("%s/lower", private_path);
        char buf[PATH_MAX];
        ssize_t n;

        if (!p || (n = readlink(p, buf, sizeof(buf) - 1)) <= 0)
                return NULL;
        buf[n] = '\0';
        return strdup(buf);
}

/* The lock of base, made 0700 (a lower holds the template's setuid-root
 * files with their real IDs: host users must not reach them). */
static int lock_base(const char *base, vz_err *e)
{
        _cleanup_free_ char *lockp = vz_strdupf("%s/.lock", base);
        struct stat st;
        int fd, r;

        if (!lockp)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = vz_mkdir_p(base, 0700);
        if (r < 0)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, r, "cannot create %s: %s", base,
                               strerror(-r));
        if (stat(base, &st) == 0 && (st.st_mode & 077))
                chmod(base, 0700);
        fd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 || flock(fd, LOCK_EX) < 0) {
                r = -errno;
                if (fd >= 0)
                        close(fd);
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot lock %s", lockp);
        }
        return fd;
}

/* Unpacks cut short (.tmp-<pid> of a dead process); called under the lock. */
static void prune_tmp(const char *base)
{
        _cleanup_closedir_ DIR *d = opendir(base);
        struct dirent *de;

        while (d && (de = readdir(d))) {
                long pid;
                if (!vz_startswith(de->d_name, ".tmp-"))
                        continue;
                pid = strtol(de->d_name + 5, NULL, 10);
                if (pid <= 0 || pid == getpid() || !vz_pid_alive((pid_t)pid))
                        vz_rm_rf_at(dirfd(d), de->d_name);
        }
}

static char *lower_name(const char *cache)
{
        const char *b = strrchr(cache, '/');
        struct stat st;

        if (stat(cache, &st) < 0)
                return NULL;
        return vz_strdupf("%s@%lld-%lld", b ? b + 1 : cache, (long long)st.st_mtime,
                          (long long)st.st_size);
}

static int unpack_lower(const char *base, const char *cache, const char *path, vz_unpack_fn unpack,
                        void *userdata, vz_err *e)
{
        _cleanup_free_ char *tmp = vz_strdupf("%s/.tmp-%d", base, (int)getpid());
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (!tmp)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        vz_rm_rf(tmp);
        if (mkdir(tmp, 0700) < 0)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot create %s: %s", tmp,
                               strerror(errno));
        fd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        vz_test_stall("create-lower");
        r = fd < 0 ? vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot open %s", tmp)
                   : unpack(cache, fd, userdata, e);
        /* As for simfs: a CT root only its owner can enter breaks daemons. */
        if (r == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0700)
                fchmod(fd, 0755);
        if (r == 0 && (syncfs(fd) < 0 || rename(tmp, path) < 0))
                r = vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot move %s to %s: %s", tmp, path,
                            strerror(errno));
        if (r < 0)
                vz_rm_rf(tmp);
        return r;
}

int vz_overlay_lower(const char *template_dir, const char *cache, vz_unpack_fn unpack,
                     void *userdata, char **ret, vz_err *e)
{
        _cleanup_free_ char *base = vz_overlay_base(template_dir), *name = NULL, *path = NULL;
        _cleanup_close_ int lock = -1;
        struct stat st;
        int r;

        if (!base)
                return vz_fail(e, VZ_E_TMPL_NOTSET, -EINVAL, "TEMPLATE is not set");
        name = lower_name(cache);
        if (!name)
                return vz_fail(e, VZ_E_OSTEMPLATE_NOT_FOUND, -errno, "cannot stat %s", cache);
        path = vz_strdupf("%s/%s", base, name);
        if (!path)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        /* Fast path: already unpacked (rename made it whole). */
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                *ret = TAKE_PTR(path);
                return 0;
        }
        lock = lock_base(base, e);
        if (lock < 0)
                return lock;
        if (stat(path, &st) < 0) {
                prune_tmp(base);
                r = unpack_lower(base, cache, path, unpack, userdata, e);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(path);
        return 0;
}

int vz_overlay_make(const char *area, const char *lower, vz_err *e)
{
        _cleanup_free_ char *up = vz_strdupf("%s/upper", area), *wk = vz_strdupf("%s/work", area);
        _cleanup_free_ char *ln = vz_strdupf("%s/lower", area);
        struct stat st;

        if (!up || !wk || !ln)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (stat(lower, &st) < 0)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot stat %s", lower);
        /* The upper's root is the CT's /: the lower root's owner and mode. */
        if (mkdir(up, st.st_mode & 07777) < 0 || chmod(up, st.st_mode & 07777) < 0 ||
            lchown(up, st.st_uid, st.st_gid) < 0 || mkdir(wk, 0700) < 0 || symlink(lower, ln) < 0)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot make the overlay in %s: %s",
                               area, strerror(errno));
        return 0;
}

/* ------------------------------------------------------------ users */

static char *users_entry(const char *lower, unsigned ctid)
{
        return ctid ? vz_strdupf("%s.users/%u", lower, ctid) : vz_strdupf("%s.users", lower);
}

int vz_overlay_register(const char *lower, unsigned ctid, const char *private_path)
{
        _cleanup_free_ char *dir = users_entry(lower, 0), *ent = users_entry(lower, ctid);

        if (!dir || !ent)
                return -ENOMEM;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        unlink(ent);
        return symlink(private_path, ent) < 0 ? -errno : 0;
}

void vz_overlay_unregister(const char *lower, unsigned ctid)
{
        _cleanup_free_ char *ent = users_entry(lower, ctid);
        if (ent)
                unlink(ent);
}

/* Does the area at priv (or a create's or convert's new one beside it,
 * not yet renamed into place) link to lower? */
static bool uses_lower(const char *priv, const char *lower)
{
        static const char *const sfx[] = {"", ".tmp", ".convert"};

        for (size_t i = 0; i < ELEMENTSOF(sfx); i++) {
                _cleanup_free_ char *p = vz_strdupf("%s%s", priv, sfx[i]), *l = NULL;
                if (p && (l = vz_overlay_lower_of(p)) && streq(l, lower))
                        return true;
        }
        return false;
}

/* CTs using lower (stale entries dropped); *ret_ctid: one of them. */
static int count_users(const char *lower, unsigned *ret_ctid)
{
        _cleanup_free_ char *dir = users_entry(lower, 0);
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int n = 0;

        if (!dir || !(d = opendir(dir)))
                return 0;
        while ((de = readdir(d))) {
                char buf[PATH_MAX];
                ssize_t k;

                if (de->d_name[0] == '.')
                        continue;
                k = readlinkat(dirfd(d), de->d_name, buf, sizeof(buf) - 1);
                if (k > 0)
                        buf[k] = '\0';
                /* Gone, or renamed by a destroy, or moved to another layout. */
                if (k <= 0 || !uses_lower(buf, lower)) {
                        unlinkat(dirfd(d), de->d_name, 0);
                        continue;
                }
                if (n++ == 0 && ret_ctid)
                        *ret_ctid = (unsigned)strtoul(de->d_name, NULL, 10);
        }
        return n;
}

/* Is lower the one made from its cache file as it is now? */
static bool lower_current(const char *template_dir, const char *lower)
{
        const char *b = strrchr(lower, '/');
        _cleanup_free_ char *cache = NULL, *name = NULL;
        char *at;

        cache = vz_strdupf("%s/cache/%s", template_dir, b ? b + 1 : lower);
        if (!cache || !(at = strrchr(cache, '@')))
                return false;
        *at = '\0';
        name = lower_name(cache);
        return name && b && streq(name, b + 1);
}

static void remove_lower(const char *lower)
{
        _cleanup_free_ char *dir = users_entry(lower, 0);
        vz_rm_rf(lower);
        if (dir)
                vz_rm_rf(dir);
}

void vz_overlay_release(const char *template_dir, const char *lower, unsigned ctid)
{
        _cleanup_free_ char *base = vz_overlay_base(template_dir);
        _cleanup_close_ int lock = -1;

        if (!base || !lower)
                return;
        lock = lock_base(base, NULL);
        if (lock < 0)
                return;
        if (ctid)
                vz_overlay_unregister(lower, ctid);
        if (count_users(lower, NULL) == 0 && !lower_current(template_dir, lower))
                remove_lower(lower);
}

void vz_overlay_prune(const char *template_dir)
{
        _cleanup_free_ char *base = vz_overlay_base(template_dir);
        _cleanup_close_ int lock = -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (!base || access(base, F_OK) < 0 || (lock = lock_base(base, NULL)) < 0)
                return;
        prune_tmp(base);
        d = opendir(base);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *l = NULL;
                if (de->d_name[0] == '.' || !strchr(de->d_name, '@') ||
                    vz_endswith(de->d_name, ".users"))
                        continue;
                l = vz_strdupf("%s/%s", base, de->d_name);
                if (l && count_users(l, NULL) == 0 && !lower_current(template_dir, l))
                        remove_lower(l);
        }
}

_public_ int vz_tmpl_cache_release(vz_ctx *ctx, const char *cache, vz_err *e)
{
        const char *t = vz_ctx_get(ctx, "TEMPLATE"), *b = strrchr(cache, '/');
        _cleanup_free_ char *base = vz_overlay_base(t), *prefix = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_close_ int lock = -1;
        struct dirent *de;

        prefix = vz_strdupf("%s@", b ? b + 1 : cache);
        if (!base || !prefix)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (access(base, F_OK) < 0)
                return 0;
        lock = lock_base(base, e);
        if (lock < 0)
                return lock;
        d = opendir(base);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *l = NULL;
                unsigned ctid = 0;
                if (!vz_startswith(de->d_name, prefix) || vz_endswith(de->d_name, ".users"))
                        continue;
                l = vz_strdupf("%s/%s", base, de->d_name);
                if (!l)
                        return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                if (count_users(l, &ctid) > 0)
                        return vz_fail(e, VZ_E_SYSTEM, -EBUSY,
                                       "template cache %s is in use: CT %u (and maybe others) "
                                       "of the overlay layout is built on it",
                                       cache, ctid);
                remove_lower(l);
        }
        return 0;
}

/* ------------------------------------------------------------ mount */

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

/* A detached copy of path, idmapped through userns_fd (-1: not). */
static int layer_tree(const char *path, int userns_fd, bool rdonly)
{
        struct mount_attr attr = {0};
        int fd, r;

        fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (userns_fd >= 0) {
                attr.attr_set |= MOUNT_ATTR_IDMAP;
                attr.userns_fd = (uint64_t)userns_fd;
        }
        if (rdonly)
                attr.attr_set |= MOUNT_ATTR_RDONLY;
        if (attr.attr_set &&
            syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* Layers by fd (kernel 6.13+), else by their /proc/self/fd path. */
static int set_layer(int fsfd, const char *key, int fd)
{
        char p[64];

        if (syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FD, key, NULL, fd) == 0)
                return 0;
        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        if (syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, key, p, 0) == 0)
                return 0;
        if (!streq(key, "lowerdir+"))
                return -errno;
        return syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "lowerdir", p, 0) == 0 ? 0 : -errno;
}

struct layers {
        int lower, priv, upper, work; /* trees and dirs in them */
};

static void layers_close(struct layers *l)
{
        int *fds[] = {&l->lower, &l->priv, &l->upper, &l->work};
        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                if (*fds[i] >= 0)
                        close(*fds[i]);
}

static int open_layers(const char *private_path, const char *lower, int userns_fd, bool rdonly,
                       struct layers *l)
{
        l->lower = layer_tree(lower, userns_fd, true);
        if (l->lower < 0)
                return l->lower;
        l->priv = layer_tree(private_path, userns_fd, rdonly);
        if (l->priv < 0)
                return l->priv;
        l->upper = openat(l->priv, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (l->upper < 0)
                return -errno;
        if (rdonly)
                return 0;
        l->work = openat(l->priv, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return l->work < 0 ? -errno : 0;
}

static int ovl_configure(int fsfd, const struct layers *l, bool rdonly)
{
        int r;

        /* No inode index: with it (a kernel built with OVERLAY_FS_INDEX),
         * a restart whose old overlay still lingers in the stopped CT's
         * dying mount namespace is refused (EBUSY) instead of warned of.
         * Without it a copied-up file leaves its lower hard links (NFS
         * export needs it too; vz needs neither). */
        (void)syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "index", "off", 0);
        if (rdonly)
                r = set_layer(fsfd, "lowerdir+", l->upper);
        else {
                r = set_layer(fsfd, "upperdir", l->upper);
                if (r == 0)
                        r = set_layer(fsfd, "workdir", l->work);
        }
        if (r == 0)
                r = set_layer(fsfd, "lowerdir+", l->lower);
        if (r < 0)
                return r;
        return syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ? -errno : 0;
}

/* overlayfs works in its layers with the credentials of whoever made it
 * (work dir, copy-up, whiteouts). Through layers idmapped for the CT the
 * host's root has no ID (EOVERFLOW, and the overlay falls back to read-only),
 * so it is made with the CT root's fsuid/fsgid; the capabilities a fsuid
 * change drops from the effective set are raised again from the permitted. */
static void creator_ids(uid_t uid, gid_t gid)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[2];

        setfsgid(gid);
        setfsuid(uid);
        if (syscall(SYS_capget, &h, d) == 0) {
                d[0].effective = d[0].permitted;
                d[1].effective = d[1].permitted;
                (void)syscall(SYS_capset, &h, d);
        }
}

/* rdonly: the upper as a second lower layer (overlayfs refuses a
 * read-only upper), as convert reads it. */
static int ovl_mount(const struct layers *l, const char *root, uid_t uid, gid_t gid, bool rdonly)
{
        _cleanup_close_ int fsfd = -1, mfd = -1;
        unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (rdonly ? MOUNT_ATTR_RDONLY : 0);
        int r;

        creator_ids(uid, gid);
        fsfd = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
        r = fsfd < 0 ? -errno : ovl_configure(fsfd, l, rdonly);
        creator_ids(0, 0);
        if (r < 0)
                return r;
        mfd = (int)syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, attrs);
        if (mfd < 0)
                return -errno;
        return syscall(SYS_move_mount, mfd, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0
                   ? -errno
                   : 0;
}

int vz_overlay_mount(const char *private_path, const char *root, int userns_fd, uid_t uid,
                     gid_t gid, bool rdonly, vz_err *e)
{
        struct layers l = {-1, -1, -1, -1};
        _cleanup_free_ char *lower = vz_overlay_lower_of(private_path);
        int r;

        if (!lower)
                return vz_fail(e, VZ_E_FS_NOPRVT, -ENOENT, "%s/lower: no template layer",
                               private_path);
        vz_protect_private_parent(private_path);
        r = vz_mkdir_p(root, 0755);
        if (r < 0)
                return vz_fail(e, VZ_E_FS_MPOINTCREATE, r, "cannot create mount point %s: %s", root,
                               strerror(-r));
        r = open_layers(private_path, lower, userns_fd, rdonly, &l);
        if (r >= 0)
                r = ovl_mount(&l, root, userns_fd >= 0 ? uid : 0, userns_fd >= 0 ? gid : 0, rdonly);
        layers_close(&l);
        if (r == -EINVAL && userns_fd >= 0)
                return vz_fail(e, VZ_E_FS_CANTMOUNT, r,
                               "cannot mount the overlay of %s on %s: the filesystem of %s or "
                               "of %s does not support idmapped mounts",
                               private_path, root, private_path, lower);
        if (r < 0)
                return vz_fail(e, VZ_E_FS_CANTMOUNT, r, "cannot mount the overlay of %s on %s: %s",
                               private_path, root, strerror(-r));
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "err.h"
#include "log.h"
#include "storage.h"
#include "util.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

/* The host's view of a CT (VE_ROOT) is nosuid and nodev: the CT's files are
 * stored with the IDs its root sees (0 for root), so a setuid-root program
 * the CT's root makes must not become one for host users. The CT's own root
 * mount (made at start in its namespace) keeps suid.
 *
 * New mount API first: open_tree(OPEN_TREE_CLONE) + mount_setattr +
 * move_mount; mount(2) if the kernel lacks it (ENOSYS). */
static int bind_mount(const char *src, const char *dst)
{
        _cleanup_close_ int tfd = -1;
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};

        tfd = (int)syscall(SYS_open_tree, AT_FDCWD, src,
                           OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
        if (tfd >= 0) {
                if (syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0 &&
                    errno != ENOSYS)
                        return -errno;
                if (syscall(SYS_move_mount, tfd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) == 0)
                        return 0;
                if (errno != ENOSYS)
                        return -errno;
        } else if (errno != ENOSYS)
                return -errno;
        if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
                return -errno;
        return mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV, NULL) < 0
                   ? -errno
                   : 0;
}

/* The directory holding private areas must not be searchable by host users:
 * a CT's setuid-root files are setuid-root files on the host (OpenVZ ships
 * /vz/private as 0700 for the same reason). Tighten it if it is not. */
void vz_protect_private_parent(const char *private_path)
{
        _cleanup_free_ char *parent = strdup(private_path);
        char *slash = parent ? strrchr(parent, '/') : NULL;
        struct stat st;

        if (!slash || slash == parent)
                return;
        *slash = '\0';
        if (stat(parent, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 077)) {
                if (chmod(parent, st.st_mode & 07700) == 0)
                        vz_warn("%s was accessible to other users; it is 0700 now, since "
                                "setuid files of CTs would be usable through it",
                                parent);
        }
}

bool vz_simfs_is_mounted(const char *private_path, const char *root_path)
{
        struct stat a, b;

        if (vz_is_mountpoint(root_path) > 0)
                return true;
        return stat(private_path, &a) == 0 && stat(root_path, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
}

int vz_simfs_mount(const char *private_path, const char *root_path, vz_err *e)
{
        struct stat st;
        int r;

        if (lstat(private_path, &st) < 0 || !S_ISDIR(st.st_mode))
                return vz_fail(e, VZ_E_FS_NOPRVT, -ENOENT, "private area %s does not exist",
                               private_path);
        vz_protect_private_parent(private_path);
        r = vz_mkdir_p(root_path, 0755);
        if (r < 0)
                return vz_fail(e, VZ_E_FS_MPOINTCREATE, r, "cannot create mount point %s: %s",
                               root_path, strerror(-r));
        r = bind_mount(private_path, root_path);
        if (r < 0)
                return vz_fail(e, VZ_E_FS_CANTMOUNT, r, "cannot mount %s on %s: %s", private_path,
                               root_path, strerror(-r));
        return 0;
}

/* Unescape the octal escapes mountinfo uses for space, tab, newline, \\. */
static void unescape_mount_path(char *s)
{
        char *d = s;
        while (*s) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
                    s[3] >= '0' && s[3] <= '7') {
                        *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 4;
                } else
                        *d++ = *s++;
        }
        *d = '\0';
}

static int cmp_len_desc(const void *a, const void *b)
{
        size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);
        return x < y ? 1 : x > y ? -1 : 0;
}

int vz_umount_tree(const char *root_path, vz_err *e)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_strv_free_ char **mounts = NULL;
        _cleanup_free_ char *real = NULL;
        char *line = NULL;
        size_t len = 0, rl;
        int r;

        real = realpath(root_path, NULL);
        if (!real)
                return vz_fail(e, VZ_E_FS_CANTUMOUNT, -errno, "%s: %s", root_path, strerror(errno));
        rl = strlen(real);
        f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return vz_fail(e, VZ_E_FS_CANTUMOUNT, -errno, "cannot read mountinfo");
        while (getline(&line, &len, f) > 0) {
                char mp[PATH_MAX];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
                        continue;
                unescape_mount_path(mp);
                if (strncmp(mp, real, rl) == 0 && (mp[rl] == '\0' || mp[rl] == '/')) {
                        r = vz_strv_push(&mounts, mp);
                        if (r < 0) {
                                free(line);
                                return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
                        }
                }
        }
        free(line);
        if (!mounts)
                return 0;
        /* Deepest first; a path mounted twice appears twice and is unmounted twice. */
        qsort(mounts, vz_strv_length(mounts), sizeof(char *), cmp_len_desc);
        for (size_t i = 0; mounts[i]; i++)
                if (umount2(mounts[i], UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
                        return vz_fail(e, VZ_E_FS_CANTUMOUNT, -errno, "cannot unmount %s: %s",
                                       mounts[i], strerror(errno));
        return 0;
}

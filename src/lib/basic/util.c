/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <linux/stat.h>

#include "util.h"

char *vz_strdupf(const char *fmt, ...)
{
        char *s = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

char *vz_expand_veid(const char *s, unsigned ctid)
{
        char id[16];
        size_t cap, len = 0;
        char *out;

        snprintf(id, sizeof(id), "%u", ctid);
        cap = strlen(s) * (strlen(id) + 1) + 1;
        out = malloc(cap);
        if (!out)
                return NULL;
        while (*s) {
                size_t skip = 0;
                if (vz_startswith(s, "${VEID}"))
                        skip = 7;
                else if (vz_startswith(s, "$VEID"))
                        skip = 5;
                if (skip) {
                        memcpy(out + len, id, strlen(id));
                        len += strlen(id);
                        s += skip;
                } else
                        out[len++] = *s++;
        }
        out[len] = '\0';
        return out;
}

char *vz_strip_trailing_slash(char *s)
{
        size_t l = strlen(s);
        while (l > 1 && s[l - 1] == '/')
                s[--l] = '\0';
        return s;
}

bool vz_startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool vz_endswith(const char *s, const char *suffix)
{
        size_t ls = strlen(s), lx = strlen(suffix);
        return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

size_t vz_strv_length(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

_public_ void vz_strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

int vz_strv_consume(char ***v, char *s)
{
        size_t n = vz_strv_length(*v);
        char **nv;

        if (!s)
                return -ENOMEM;
        nv = realloc(*v, (n + 2) * sizeof(char *));
        if (!nv) {
                free(s);
                return -ENOMEM;
        }
        nv[n] = s;
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}

int vz_strv_push(char ***v, const char *s)
{
        return vz_strv_consume(v, strdup(s));
}

bool vz_strv_contains(char *const *v, const char *s)
{
        for (size_t i = 0; v && v[i]; i++)
                if (streq(v[i], s))
                        return true;
        return false;
}

char *vz_strv_join(char *const *v, const char *sep)
{
        size_t len = 1, ls = strlen(sep);
        char *out, *p;

        for (size_t i = 0; v && v[i]; i++)
                len += strlen(v[i]) + ls;
        out = p = malloc(len);
        if (!out)
                return NULL;
        *p = '\0';
        for (size_t i = 0; v && v[i]; i++) {
                if (i > 0)
                        p = stpcpy(p, sep);
                p = stpcpy(p, v[i]);
        }
        return out;
}

int vz_strv_split(const char *s, const char *seps, char ***ret)
{
        _cleanup_strv_free_ char **v = NULL;
        int r;

        /* Always return a vector, possibly empty. */
        v = calloc(1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        while (s && *s) {
                size_t n;
                s += strspn(s, seps);
                n = strcspn(s, seps);
                if (n == 0)
                        break;
                r = vz_strv_consume(&v, strndup(s, n));
                if (r < 0)
                        return r;
                s += n;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

void vz_strv_sort(char **v)
{
        qsort(v, vz_strv_length(v), sizeof(char *), cmp_str);
}

int vz_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 4096;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n;
                if (len == cap) {
                        char *nb;
                        if (cap >= max)
                                return -EFBIG;
                        cap *= 2;
                        nb = realloc(buf, cap + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += n;
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
        const char *p = data;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= n;
        }
        return 0;
}

static int write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                              bool sync);

int vz_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
        return write_file_replace(path, data, len, mode, true);
}

int vz_write_file_replace(const char *path, const void *data, size_t len, mode_t mode)
{
        return write_file_replace(path, data, len, mode, false);
}

static int write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                              bool sync)
{
        _cleanup_free_ char *real = NULL, *tmp = NULL, *dir = NULL;
        _cleanup_close_ int fd = -1, dfd = -1;
        const char *target = path;
        int r;

        /* Write through a symlink to its target, as OpenVZ does. */
        real = realpath(path, NULL);
        if (real)
                target = real;
        tmp = vz_strdupf("%s.tmp.%d", target, (int)getpid());
        dir = strdup(target);
        if (!tmp || !dir)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        r = write_all(fd, data, len);
        if (r == 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r == 0 && sync && fsync(fd) < 0)
                r = -errno;
        if (r == 0 && rename(tmp, target) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        if (!sync)
                return 0;
        dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void)fsync(dfd);
        return 0;
}

int vz_mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);
        struct stat st;

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        if (stat(p, &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int rm_rf_children(int dfd, dev_t dev)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r = 0;

        d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return -errno;
        }
        while ((de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT && r == 0)
                                r = -errno;
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        int cfd;
                        if (st.st_dev != dev) {
                                if (r == 0)
                                        r = -EBUSY;
                                continue;
                        }
                        cfd = openat(dirfd(d), de->d_name,
                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0) {
                                if (r == 0)
                                        r = -errno;
                                continue;
                        }
                        int q = rm_rf_children(cfd, dev);
                        if (q < 0 && r == 0)
                                r = q;
                        if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
                            r == 0)
                                r = -errno;
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT && r == 0)
                        r = -errno;
        }
        return r;
}

int vz_rm_rf_at(int dirfd, const char *name)
{
        struct stat st;
        int fd, r;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = rm_rf_children(fd, st.st_dev);
        if (r < 0)
                return r;
        return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}

int vz_rm_rf(const char *path)
{
        return vz_rm_rf_at(AT_FDCWD, path);
}

int vz_dir_is_empty(const char *path)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;

        if (!d)
                return errno == ENOENT ? 1 : -errno;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        return 0;
        return 1;
}

int vz_is_mountpoint(const char *path)
{
        struct statx a, b;
        _cleanup_free_ char *parent = NULL;

        parent = vz_strdupf("%s/..", path);
        if (!parent)
                return -ENOMEM;
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID | STATX_INO, &a) < 0)
                return -errno;
        if (statx(AT_FDCWD, parent, 0, STATX_MNT_ID | STATX_INO, &b) < 0)
                return -errno;
        if (a.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                return !!(a.stx_attributes & STATX_ATTR_MOUNT_ROOT);
        if ((a.stx_mask & STATX_MNT_ID) && (b.stx_mask & STATX_MNT_ID))
                return a.stx_mnt_id != b.stx_mnt_id;
        return a.stx_dev_major != b.stx_dev_major || a.stx_dev_minor != b.stx_dev_minor;
}

int vz_fs_free_bytes(const char *path, uint64_t *ret)
{
        struct statvfs sv;
        if (statvfs(path, &sv) < 0)
                return -errno;
        *ret = (uint64_t)sv.f_bavail * sv.f_frsize;
        return 0;
}

bool vz_pid_alive(pid_t pid)
{
        if (pid <= 0)
                return false;
        return kill(pid, 0) == 0 || errno == EPERM;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Template cache unpacking.
 *
 * A cache is untrusted input: nothing in it may make us write outside the
 * target directory. libarchive is used only to *read* the archive; every
 * file is created by this code on file descriptors:
 *
 *  - entry names are normalised: a leading '/' is stripped (absolute paths
 *    are contained in the target, as GNU tar does), '.' and empty components
 *    are dropped, and a '..' component makes the whole unpack fail;
 *  - the directory part of every name (and of every hard link target) is
 *    resolved relative to the target with openat2(RESOLVE_IN_ROOT |
 *    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV): a symlink made earlier by the
 *    archive ("a -> /", "a -> ..") is followed as if the target were "/", so
 *    it can never lead out. Where openat2() is missing (ENOSYS, kernels
 *    before 5.6) the same semantics are emulated by walking one component at
 *    a time with O_NOFOLLOW and expanding symlinks ourselves;
 *  - the last component is never followed: files are created with
 *    O_CREAT|O_EXCL|O_NOFOLLOW, other objects with mkdirat/symlinkat/mknodat/
 *    linkat (which do not follow a final symlink either); an existing entry
 *    is unlinked inside its (already contained) parent first;
 *  - hard links are made with linkat() from a source resolved the same way,
 *    without AT_SYMLINK_FOLLOW, so "link to /etc/shadow" can only ever name
 *    <target>/etc/shadow.
 *
 * Directory metadata (mode, times, ACLs, xattrs) is applied at the end,
 * deepest first: the kernel updates a directory's mtime whenever an entry is
 * created in it, a read-only directory would stop us (without root) from
 * filling it, and a default ACL set early would be inherited by files that
 * have none in the archive.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "util.h"
#include "template.h"

bool vz_unpack_force_fallback;

#define READ_BLOCK_SIZE (1024 * 1024)
#define PROGRESS_STEP   (4 * 1024 * 1024)
#define MAX_SYMLINKS    40

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

struct fixup {
        char *path;               /* normalised, "" is the target itself */
        struct archive_entry *ae; /* clone holding mode, owner, times, xattrs, ACLs */
};

struct unpacker {
        struct archive *a;
        const char *archive_path;
        int root_fd; /* O_PATH is fine, only used as a dirfd */
        bool use_openat2;
        bool is_root;
        uid_t euid;
        gid_t egid;
        bool root_setgid;
        vz_err *e;

        /* Last resolved parent directory: tar archives list a directory's
         * entries together, so this saves one openat2() per entry. */
        char *cache_dir;
        int cache_fd;

        struct fixup *fixups;
        size_t n_fixups, cap_fixups;

        bool warned_abs, warned_xattr, warned_dev, warned_skip;

        /* An OCI image layer (vz_tmpl_unpack_layer): applied over the layers
         * before it, so ".wh." entries delete, and an entry replaces a
         * non-empty directory of a lower layer. */
        bool layer;
};

static int unpack_fail(struct unpacker *u, int r, const char *path, const char *what)
{
        int code = (r == -ENOSPC || r == -EDQUOT) ? VZ_E_FS_NO_DISK_SPACE : VZ_E_FS_NEW_VE_PRVT;
        return vz_fail(u->e, code, r, "cannot unpack template cache %s: %s '%s': %s",
                       u->archive_path, what, path, strerror(-r));
}

static int refuse(struct unpacker *u, const char *path, const char *why)
{
        return vz_fail(u->e, VZ_E_FS_NEW_VE_PRVT, -EPERM,
                       "template cache %s is unsafe: refusing entry '%s': %s", u->archive_path,
                       path, why);
}

static int damaged(struct unpacker *u)
{
        const char *msg = archive_error_string(u->a);
        int en = archive_errno(u->a);
        return vz_fail(u->e, VZ_E_FS_NEW_VE_PRVT, en > 0 ? -en : -EIO,
                       "template cache %s is damaged: %s", u->archive_path,
                       msg ? msg : "unknown archive error");
}

static void cache_drop(struct unpacker *u)
{
        free(u->cache_dir);
        u->cache_dir = NULL;
        if (u->cache_fd >= 0)
                close(u->cache_fd);
        u->cache_fd = -1;
}

/* Normalise an archive path into "a/b/c" ("" for the target itself).
 * Returns -EPERM (with a message) for a '..' component. */
static int normalize_path(struct unpacker *u, const char *name, char **ret)
{
        _cleanup_free_ char *out = malloc(strlen(name) + 1);
        size_t n = 0;
        const char *p = name;

        if (!out)
                return -ENOMEM;
        if (*p == '/' && !u->warned_abs) {
                vz_warn("template cache %s: removing leading '/' from member names",
                        u->archive_path);
                u->warned_abs = true;
        }
        while (*p) {
                const char *c = p;
                size_t len;

                while (*p && *p != '/')
                        p++;
                len = (size_t)(p - c);
                while (*p == '/')
                        p++;
                if (len == 0 || (len == 1 && c[0] == '.'))
                        continue;
                if (len == 2 && c[0] == '.' && c[1] == '.')
                        return refuse(u, name, "it has a '..' path component");
                if (n > 0)
                        out[n++] = '/';
                memcpy(out + n, c, len);
                n += len;
        }
        out[n] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

/* Reopen the directory named by the component stack from the root, never
 * following anything (every element was verified to be a directory). */
static int reopen_stack(int root_fd, char **stack, size_t depth)
{
        int cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);

        for (size_t i = 0; cur >= 0 && i < depth; i++) {
                int fd = openat(cur, stack[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int saved = errno;

                close(cur);
                errno = saved;
                cur = fd;
        }
        return cur < 0 ? -errno : cur;
}

/* RESOLVE_IN_ROOT without openat2(): walk one component at a time with
 * O_NOFOLLOW; a symlink is read and its target spliced into the rest of the
 * path, an absolute target or '..' at the top restarting from the root, so
 * the walk can never leave root_fd. Returns an O_PATH fd of a directory. */
static int walk_in_root(int root_fd, const char *path)
{
        _cleanup_free_ char *todo = strdup(path);
        _cleanup_strv_free_ char **stack = NULL;
        _cleanup_close_ int cur = -1;
        size_t depth = 0;
        unsigned links = 0;
        char *p;

        if (!todo)
                return -ENOMEM;
        cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                return -errno;

        p = todo;
        for (;;) {
                _cleanup_close_ int fd = -1;
                struct stat st;
                char *comp;

                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                comp = p;
                while (*p && *p != '/')
                        p++;
                if (*p)
                        *p++ = '\0';

                if (streq(comp, "."))
                        continue;
                if (streq(comp, "..")) {
                        /* '..' at the root stays at the root, as in a chroot. */
                        if (depth > 0) {
                                int r;

                                free(stack[--depth]);
                                stack[depth] = NULL;
                                r = reopen_stack(root_fd, stack, depth);
                                if (r < 0)
                                        return r;
                                close(cur);
                                cur = r;
                        }
                        continue;
                }

                fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n;
                        char *next;

                        if (++links > MAX_SYMLINKS)
                                return -ELOOP;
                        n = readlinkat(fd, "", target, sizeof(target) - 1);
                        if (n < 0)
                                return -errno;
                        target[n] = '\0';
                        next = vz_strdupf("%s/%s", target, p);
                        if (!next)
                                return -ENOMEM;
                        free(todo);
                        todo = next;
                        p = todo;
                        if (target[0] == '/') {
                                int r = reopen_stack(root_fd, stack, 0);

                                if (r < 0)
                                        return r;
                                close(cur);
                                cur = r;
                                vz_strv_free(stack);
                                stack = NULL;
                                depth = 0;
                        }
                        continue;
                }
                if (!S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                if (vz_strv_push(&stack, comp) < 0)
                        return -ENOMEM;
                depth++;
                close(cur);
                cur = TAKE_FD(fd);
        }
        return TAKE_FD(cur);
}

/* Open directory path (normalised) inside the root, following symlinks as if
 * the root were "/". Returns a new O_PATH fd or -errno. */
static int open_dir_in_root(struct unpacker *u, const char *path)
{
        if (!*path) {
                int fd = openat(u->root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
        if (u->use_openat2) {
                struct open_how how = {
                    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
                };

                for (int i = 0; i < 32; i++) {
                        long fd = syscall(SYS_openat2, u->root_fd, path, &how, sizeof(how));

                        if (fd >= 0)
                                return (int)fd;
                        /* EAGAIN: a rename raced with RESOLVE_IN_ROOT; retry. */
                        if (errno == EAGAIN)
                                continue;
                        if (errno == ENOSYS) {
                                u->use_openat2 = false;
                                break;
                        }
                        return -errno;
                }
                if (u->use_openat2)
                        return -EAGAIN;
        }
        return walk_in_root(u->root_fd, path);
}

/* Create missing directories of a normalised dir path (tar archives need not
 * list parents). Each level is created inside the previous, contained one. */
static int make_parents(struct unpacker *u, const char *dir)
{
        _cleanup_free_ char *buf = strdup(dir);
        _cleanup_close_ int pfd = -1;
        char *p;

        if (!buf)
                return -ENOMEM;
        pfd = open_dir_in_root(u, "");
        if (pfd < 0)
                return pfd;
        p = buf;
        for (;;) {
                char *slash = strchr(p, '/');
                int fd;

                if (slash)
                        *slash = '\0';
                fd = open_dir_in_root(u, buf);
                if (fd == -ENOENT) {
                        const char *base = strrchr(buf, '/');

                        base = base ? base + 1 : buf;
                        if (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        fd = open_dir_in_root(u, buf);
                }
                if (fd < 0)
                        return fd;
                close(pfd);
                pfd = fd;
                if (!slash)
                        break;
                *slash = '/';
                p = slash + 1;
        }
        return 0;
}

/* Borrowed fd of the parent directory dir (normalised), cached; missing
 * directories are created if create is set. */
static int get_parent_ex(struct unpacker *u, const char *dir, bool create)
{
        int fd;

        if (!*dir)
                return u->root_fd;
        if (u->cache_dir && streq(u->cache_dir, dir))
                return u->cache_fd;
        cache_drop(u);
        fd = open_dir_in_root(u, dir);
        if (fd == -ENOENT && create) {
                int r = make_parents(u, dir);

                if (r < 0)
                        return r;
                fd = open_dir_in_root(u, dir);
        }
        if (fd < 0)
                return fd;
        u->cache_dir = strdup(dir);
        if (!u->cache_dir) {
                close(fd);
                return -ENOMEM;
        }
        u->cache_fd = fd;
        return fd;
}

static int get_parent(struct unpacker *u, const char *dir)
{
        return get_parent_ex(u, dir, true);
}

static void split_path(char *path, const char **ret_dir, const char **ret_base)
{
        char *slash = strrchr(path, '/');

        if (!slash) {
                *ret_dir = "";
                *ret_base = path;
                return;
        }
        *slash = '\0';
        *ret_dir = path;
        *ret_base = slash + 1;
}

/* Remove whatever is at dfd/base so the archive's entry can take its place.
 * dfd is contained and unlinkat() never follows the last component. */
static int remove_existing(struct unpacker *u, int dfd, const char *base)
{
        /* The cached parent may be (inside) what we remove. */
        if (u->cache_fd >= 0 && u->cache_fd != dfd)
                cache_drop(u);
        if (unlinkat(dfd, base, 0) >= 0)
                return 0;
        if (errno != EISDIR)
                return -errno;
        if (unlinkat(dfd, base, AT_REMOVEDIR) < 0) {
                if (u->layer && (errno == ENOTEMPTY || errno == EEXIST))
                        return vz_rm_rf_at(dfd, base);
                return -errno;
        }
        return 0;
}

static bool xattr_soft_error(int err)
{
        return err == EPERM || err == EOPNOTSUPP || err == EACCES || err == EINVAL ||
               err == ERANGE || err == ENOSPC;
}

/* POSIX ACL entries from libarchive -> the kernel's system.posix_acl_*
 * xattr format (little endian: u32 version 2, then {u16 tag, u16 perm,
 * u32 id} sorted by tag then id). Numeric ids only: names in the archive
 * mean nothing on the host. */
struct acl_xentry {
        uint16_t tag;
        uint16_t perm;
        uint32_t id;
};

static int acl_cmp(const void *a, const void *b)
{
        const struct acl_xentry *x = a, *y = b;

        if (x->tag != y->tag)
                return x->tag < y->tag ? -1 : 1;
        if (x->id != y->id)
                return x->id < y->id ? -1 : 1;
        return 0;
}

static int acl_to_xattr(struct archive_entry *ae, int type, void **ret, size_t *ret_len)
{
        int n = archive_entry_acl_reset(ae, type);
        int etype, permset, tag, qual;
        const char *name;
        struct acl_xentry *ents;
        size_t k = 0;
        uint8_t *buf;

        *ret = NULL;
        *ret_len = 0;
        if (n <= 0)
                return 0;
        ents = calloc((size_t)n + 4, sizeof(*ents));
        if (!ents)
                return -ENOMEM;
        while (k < (size_t)n + 4 && archive_entry_acl_next(ae, type, &etype, &permset, &tag, &qual,
                                                           &name) == ARCHIVE_OK) {
                uint16_t t;
                bool has_id = false;

                switch (tag) {
                case ARCHIVE_ENTRY_ACL_USER_OBJ:
                        t = 0x01;
                        break;
                case ARCHIVE_ENTRY_ACL_USER:
                        t = 0x02;
                        has_id = true;
                        break;
                case ARCHIVE_ENTRY_ACL_GROUP_OBJ:
                        t = 0x04;
                        break;
                case ARCHIVE_ENTRY_ACL_GROUP:
                        t = 0x08;
                        has_id = true;
                        break;
                case ARCHIVE_ENTRY_ACL_MASK:
                        t = 0x10;
                        break;
                case ARCHIVE_ENTRY_ACL_OTHER:
                        t = 0x20;
                        break;
                default:
                        continue; /* NFSv4 "everyone@" etc.: not POSIX */
                }
                ents[k].tag = t;
                ents[k].perm = (uint16_t)(permset & 7);
                ents[k].id = has_id ? (uint32_t)qual : UINT32_MAX;
                k++;
        }
        if (k == 0) {
                free(ents);
                return 0;
        }
        qsort(ents, k, sizeof(*ents), acl_cmp);
        buf = malloc(4 + k * 8);
        if (!buf) {
                free(ents);
                return -ENOMEM;
        }
        buf[0] = 2;
        buf[1] = buf[2] = buf[3] = 0;
        for (size_t i = 0; i < k; i++) {
                uint8_t *q = buf + 4 + i * 8;

                q[0] = (uint8_t)(ents[i].tag & 0xff);
                q[1] = (uint8_t)(ents[i].tag >> 8);
                q[2] = (uint8_t)(ents[i].perm & 0xff);
                q[3] = (uint8_t)(ents[i].perm >> 8);
                for (int b = 0; b < 4; b++)
                        q[4 + b] = (uint8_t)(ents[i].id >> (8 * b));
        }
        free(ents);
        *ret = buf;
        *ret_len = 4 + k * 8;
        return 0;
}

static int set_one_xattr(struct unpacker *u, int fd, const char *path, const char *name,
                         const void *value, size_t size)
{
        if (fsetxattr(fd, name, value, size, 0) >= 0)
                return 0;
        if (!xattr_soft_error(errno))
                return unpack_fail(u, -errno, path, "cannot set extended attribute on");
        if (!u->warned_xattr) {
                vz_warn("template cache %s: cannot set %s on '%s': %s (further such warnings "
                        "suppressed)",
                        u->archive_path, name, path, strerror(errno));
                u->warned_xattr = true;
        }
        return 0;
}

static int apply_acls_xattrs(struct unpacker *u, struct archive_entry *ae, int fd, const char *path,
                             bool is_dir)
{
        const char *name;
        const void *value;
        size_t size;
        int r;

        if (!(archive_entry_acl_types(ae) & ARCHIVE_ENTRY_ACL_TYPE_NFS4)) {
                static const struct {
                        int type;
                        const char *xname;
                } kinds[] = {
                    {ARCHIVE_ENTRY_ACL_TYPE_ACCESS, "system.posix_acl_access"},
                    {ARCHIVE_ENTRY_ACL_TYPE_DEFAULT, "system.posix_acl_default"},
                };
                for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                        _cleanup_free_ void *buf = NULL;
                        size_t len;

                        if (kinds[i].type == ARCHIVE_ENTRY_ACL_TYPE_DEFAULT && !is_dir)
                                continue;
                        r = acl_to_xattr(ae, kinds[i].type, &buf, &len);
                        if (r < 0)
                                return r;
                        if (buf) {
                                r = set_one_xattr(u, fd, path, kinds[i].xname, buf, len);
                                if (r < 0)
                                        return r;
                        }
                }
        }

        /* security.capability last: chown() and write() clear it (the
         * kernel's file_remove_privs / cap_inode_killpriv). */
        for (int pass = 0; pass < 2; pass++) {
                archive_entry_xattr_reset(ae);
                while (archive_entry_xattr_next(ae, &name, &value, &size) == ARCHIVE_OK) {
                        bool is_cap = streq(name, "security.capability");

                        if (is_cap != (pass == 1))
                                continue;
                        /* trusted.* is skipped on purpose: trusted.overlay.*
                         * would be obeyed by overlayfs if the private area is
                         * ever used as a layer, and templates need none. */
                        if (!vz_startswith(name, "user.") && !vz_startswith(name, "security.") &&
                            !streq(name, "system.posix_acl_access") &&
                            !(is_dir && streq(name, "system.posix_acl_default"))) {
                                if (!u->warned_skip) {
                                        vz_warn("template cache %s: ignoring extended "
                                                "attribute %s on '%s'",
                                                u->archive_path, name, path);
                                        u->warned_skip = true;
                                }
                                continue;
                        }
                        r = set_one_xattr(u, fd, path, name, value, size);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static void entry_times(struct archive_entry *ae, struct timespec ts[2])
{
        if (archive_entry_atime_is_set(ae)) {
                ts[0].tv_sec = archive_entry_atime(ae);
                ts[0].tv_nsec = archive_entry_atime_nsec(ae);
        } else {
                ts[0].tv_sec = 0;
                ts[0].tv_nsec = UTIME_NOW;
        }
        if (archive_entry_mtime_is_set(ae)) {
                ts[1].tv_sec = archive_entry_mtime(ae);
                ts[1].tv_nsec = archive_entry_mtime_nsec(ae);
        } else {
                ts[1].tv_sec = 0;
                ts[1].tv_nsec = UTIME_OMIT;
        }
}

static bool need_chown(struct unpacker *u, struct archive_entry *ae)
{
        /* Without root we cannot give files away; keep our own ids (what
         * tar does for a non-root user). As root, a new file already has
         * our ids unless the target root is setgid. */
        if (!u->is_root)
                return false;
        return (uid_t)archive_entry_uid(ae) != u->euid || (gid_t)archive_entry_gid(ae) != u->egid ||
               u->root_setgid;
}

/* Owner, then mode (chown clears set-id bits), then ACLs/xattrs (an ACL
 * rewrites the group bits; capabilities must come after chown), then times. */
static int apply_meta(struct unpacker *u, struct archive_entry *ae, int fd, const char *path,
                      bool is_dir)
{
        struct timespec ts[2];
        int r;

        if (need_chown(u, ae) &&
            fchown(fd, (uid_t)archive_entry_uid(ae), (gid_t)archive_entry_gid(ae)) < 0)
                return unpack_fail(u, -errno, path, "cannot set owner of");
        if (fchmod(fd, archive_entry_perm(ae) & 07777) < 0)
                return unpack_fail(u, -errno, path, "cannot set mode of");
        r = apply_acls_xattrs(u, ae, fd, path, is_dir);
        if (r < 0)
                return r;
        entry_times(ae, ts);
        if (futimens(fd, ts) < 0)
                return unpack_fail(u, -errno, path, "cannot set times of");
        return 0;
}

static int write_all_at(int fd, const void *buf, size_t size, int64_t off)
{
        const char *p = buf;

        while (size > 0) {
                ssize_t n = pwrite(fd, p, size, (off_t)off);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                size -= (size_t)n;
                off += n;
        }
        return 0;
}

/* Copy the entry's data; holes of sparse entries stay holes. */
static int write_data(struct unpacker *u, struct archive_entry *ae, int fd, const char *path)
{
        int64_t end = 0;

        for (;;) {
                const void *buf;
                size_t size;
                la_int64_t off;
                int r = archive_read_data_block(u->a, &buf, &size, &off);

                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return damaged(u);
                if (size == 0)
                        continue;
                r = write_all_at(fd, buf, size, off);
                if (r < 0)
                        return unpack_fail(u, r, path, "cannot write");
                if (off + (int64_t)size > end)
                        end = off + (int64_t)size;
        }
        if (archive_entry_size_is_set(ae) && archive_entry_size(ae) > end &&
            ftruncate(fd, (off_t)archive_entry_size(ae)) < 0)
                return unpack_fail(u, -errno, path, "cannot write");
        return 0;
}

static int add_fixup(struct unpacker *u, const char *path, struct archive_entry *ae)
{
        struct fixup *f;

        if (u->n_fixups == u->cap_fixups) {
                size_t cap = u->cap_fixups ? u->cap_fixups * 2 : 256;
                f = realloc(u->fixups, cap * sizeof(*f));
                if (!f)
                        return -ENOMEM;
                u->fixups = f;
                u->cap_fixups = cap;
        }
        f = &u->fixups[u->n_fixups];
        f->path = strdup(path);
        f->ae = archive_entry_clone(ae);
        if (!f->path || !f->ae) {
                free(f->path);
                if (f->ae)
                        archive_entry_free(f->ae);
                return -ENOMEM;
        }
        u->n_fixups++;
        return 0;
}

static int extract_dir(struct unpacker *u, struct archive_entry *ae, int dfd, const char *base,
                       const char *path)
{
        if (mkdirat(dfd, base, 0700) < 0) {
                struct stat st;
                int r;

                if (errno != EEXIST)
                        return unpack_fail(u, -errno, path, "cannot create directory");
                if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return unpack_fail(u, -errno, path, "cannot create directory");
                if (!S_ISDIR(st.st_mode)) {
                        r = remove_existing(u, dfd, base);
                        if (r < 0)
                                return unpack_fail(u, r, path, "cannot replace");
                        if (mkdirat(dfd, base, 0700) < 0)
                                return unpack_fail(u, -errno, path, "cannot create directory");
                }
        }
        return add_fixup(u, path, ae);
}

static int extract_file(struct unpacker *u, struct archive_entry *ae, int dfd, const char *base,
                        const char *path)
{
        _cleanup_close_ int fd = -1;
        int r;

        fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST) {
                r = remove_existing(u, dfd, base);
                if (r < 0)
                        return unpack_fail(u, r, path, "cannot replace");
                fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        }
        if (fd < 0)
                return unpack_fail(u, -errno, path, "cannot create");
        r = write_data(u, ae, fd, path);
        if (r < 0)
                return r;
        return apply_meta(u, ae, fd, path, false);
}

static int extract_symlink(struct unpacker *u, struct archive_entry *ae, int dfd, const char *base,
                           const char *path)
{
        const char *target = archive_entry_symlink(ae);
        struct timespec ts[2];
        int r;

        if (isempty(target))
                return refuse(u, path, "symbolic link without a target");
        if (symlinkat(target, dfd, base) < 0) {
                if (errno != EEXIST)
                        return unpack_fail(u, -errno, path, "cannot create symlink");
                r = remove_existing(u, dfd, base);
                if (r < 0)
                        return unpack_fail(u, r, path, "cannot replace");
                if (symlinkat(target, dfd, base) < 0)
                        return unpack_fail(u, -errno, path, "cannot create symlink");
        }
        if (need_chown(u, ae) && fchownat(dfd, base, (uid_t)archive_entry_uid(ae),
                                          (gid_t)archive_entry_gid(ae), AT_SYMLINK_NOFOLLOW) < 0)
                return unpack_fail(u, -errno, path, "cannot set owner of");
        entry_times(ae, ts);
        if (utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return unpack_fail(u, -errno, path, "cannot set times of");
        return 0;
}

/* Device nodes, fifos. Never opened (opening a device can have effects):
 * metadata through the *at() calls, none of which follows base. */
static int extract_node(struct unpacker *u, struct archive_entry *ae, int dfd, const char *base,
                        const char *path)
{
        mode_t type = archive_entry_filetype(ae);
        mode_t mode = type | (archive_entry_perm(ae) & 0777);
        dev_t dev = type == AE_IFIFO ? 0 : archive_entry_rdev(ae);
        struct timespec ts[2];
        int r;

        if (mknodat(dfd, base, mode, dev) < 0) {
                if (errno == EEXIST) {
                        r = remove_existing(u, dfd, base);
                        if (r < 0)
                                return unpack_fail(u, r, path, "cannot replace");
                        if (mknodat(dfd, base, mode, dev) >= 0)
                                goto made;
                }
                if (errno == EPERM && type != AE_IFIFO && !u->is_root) {
                        if (!u->warned_dev) {
                                vz_warn("template cache %s: not root, skipping device nodes "
                                        "('%s' and others)",
                                        u->archive_path, path);
                                u->warned_dev = true;
                        }
                        return 0;
                }
                return unpack_fail(u, -errno, path, "cannot create node");
        }
made:
        if (need_chown(u, ae) && fchownat(dfd, base, (uid_t)archive_entry_uid(ae),
                                          (gid_t)archive_entry_gid(ae), AT_SYMLINK_NOFOLLOW) < 0)
                return unpack_fail(u, -errno, path, "cannot set owner of");
        /* fchmodat() follows a symlink, but base is the node we just made. */
        if (fchmodat(dfd, base, archive_entry_perm(ae) & 07777, 0) < 0)
                return unpack_fail(u, -errno, path, "cannot set mode of");
        entry_times(ae, ts);
        if (utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return unpack_fail(u, -errno, path, "cannot set times of");
        return 0;
}

static int extract_hardlink(struct unpacker *u, struct archive_entry *ae, const char *link,
                            const char *dir, const char *base, const char *path)
{
        _cleanup_free_ char *src = NULL;
        _cleanup_close_ int sfd = -1;
        const char *sdir, *sbase;
        int dfd, r;

        r = normalize_path(u, link, &src);
        if (r < 0)
                return r;
        if (!*src)
                return refuse(u, path, "hard link to the target directory itself");
        split_path(src, &sdir, &sbase);
        if (streq(sdir, dir) && streq(sbase, base))
                return 0; /* a link to itself */
        sfd = open_dir_in_root(u, sdir);
        if (sfd < 0)
                return unpack_fail(u, sfd, link, "cannot find hard link target");
        dfd = get_parent(u, dir);
        if (dfd < 0)
                return unpack_fail(u, dfd, path, "cannot open parent directory of");

        /* No AT_SYMLINK_FOLLOW: a symlink source is linked, not followed. */
        if (linkat(sfd, sbase, dfd, base, 0) < 0) {
                if (errno != EEXIST)
                        return unpack_fail(u, -errno, path, "cannot create hard link");
                r = remove_existing(u, dfd, base);
                if (r < 0)
                        return unpack_fail(u, r, path, "cannot replace");
                /* remove_existing may have dropped the cached dfd. */
                dfd = get_parent(u, dir);
                if (dfd < 0)
                        return unpack_fail(u, dfd, path, "cannot open parent directory of");
                if (linkat(sfd, sbase, dfd, base, 0) < 0)
                        return unpack_fail(u, -errno, path, "cannot create hard link");
        }

        /* Some formats (cpio, pax with data) carry the data on a link entry. */
        if (archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0) {
                _cleanup_close_ int fd =
                    openat(dfd, base, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return unpack_fail(u, -errno, path, "cannot open");
                r = write_data(u, ae, fd, path);
                if (r < 0)
                        return r;
                return apply_meta(u, ae, fd, path, false);
        }
        return 0;
}

/* OCI layer whiteouts (image-spec layer.md): "DIR/.wh.NAME" deletes
 * DIR/NAME of the layers below, "DIR/.wh..wh..opq" empties DIR. DIR is
 * resolved inside the target like any parent (a symlink in it cannot lead
 * out), the deletion never follows a symlink, and NAME must be a plain name
 * of DIR ("", "." and ".." are refused). */
static int apply_whiteout(struct unpacker *u, const char *dir, const char *base, const char *path)
{
        const char *name = base + strlen(WHITEOUT_PREFIX);
        int dfd, r;

        if (streq(base, WHITEOUT_OPAQUE)) {
                _cleanup_closedir_ DIR *d = NULL;
                struct dirent *de;
                int fd;

                dfd = get_parent_ex(u, dir, false);
                if (dfd == -ENOENT)
                        return 0;
                if (dfd < 0)
                        return unpack_fail(u, dfd, path, "cannot open directory of whiteout");
                /* The cached parent may be inside what we empty. */
                if (u->cache_fd >= 0 && u->cache_fd != dfd)
                        cache_drop(u);
                fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return unpack_fail(u, -errno, path, "cannot open directory of whiteout");
                d = fdopendir(fd);
                if (!d) {
                        close(fd);
                        return -ENOMEM;
                }
                while ((de = readdir(d))) {
                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        r = vz_rm_rf_at(dirfd(d), de->d_name);
                        if (r < 0)
                                return unpack_fail(u, r, path, "cannot apply opaque whiteout");
                }
                return 0;
        }
        if (vz_startswith(name, WHITEOUT_PREFIX))
                return refuse(u, path, "unknown whiteout kind");
        if (!*name || streq(name, ".") || streq(name, ".."))
                return refuse(u, path, "whiteout does not name an entry of its directory");
        dfd = get_parent_ex(u, dir, false);
        if (dfd == -ENOENT || dfd == -ENOTDIR)
                return 0; /* nothing below to delete */
        if (dfd < 0)
                return unpack_fail(u, dfd, path, "cannot open directory of whiteout");
        /* The cached parent may be (inside) what we remove. */
        if (u->cache_fd >= 0 && u->cache_fd != dfd)
                cache_drop(u);
        r = vz_rm_rf_at(dfd, name);
        if (r < 0)
                return unpack_fail(u, r, path, "cannot apply whiteout");
        return 0;
}

static int extract_entry(struct unpacker *u, struct archive_entry *ae)
{
        const char *name = archive_entry_pathname(ae);
        const char *link = archive_entry_hardlink(ae);
        mode_t type = archive_entry_filetype(ae);
        _cleanup_free_ char *path = NULL, *full = NULL;
        const char *dir, *base;
        int dfd, r;

        if (!name)
                return refuse(u, "(null)", "entry without a name");
        r = normalize_path(u, name, &path);
        if (r < 0)
                return r;
        if (!*path) {
                if (link || type != AE_IFDIR)
                        return refuse(u, name, "only a directory may name the target itself");
                return add_fixup(u, "", ae);
        }
        full = strdup(path);
        if (!full)
                return -ENOMEM;
        split_path(path, &dir, &base);

        if (u->layer && vz_startswith(base, WHITEOUT_PREFIX))
                return apply_whiteout(u, dir, base, full);
        if (link)
                return extract_hardlink(u, ae, link, dir, base, full);

        dfd = get_parent(u, dir);
        if (dfd < 0)
                return unpack_fail(u, dfd, full, "cannot open parent directory of");

        switch (type) {
        case AE_IFDIR:
                return extract_dir(u, ae, dfd, base, full);
        case AE_IFREG:
                return extract_file(u, ae, dfd, base, full);
        case AE_IFLNK:
                return extract_symlink(u, ae, dfd, base, full);
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                return extract_node(u, ae, dfd, base, full);
        default:
                vz_debug("template cache %s: skipping '%s' of type %o", u->archive_path, full,
                         (unsigned)type);
                return 0;
        }
}

static int run_fixups(struct unpacker *u)
{
        /* Reverse archive order: children before their parents, so a parent
         * made read-only or unsearchable does not stop us reaching a child. */
        for (size_t i = u->n_fixups; i-- > 0;) {
                struct fixup *f = &u->fixups[i];
                _cleanup_free_ char *copy = strdup(f->path);
                _cleanup_close_ int fd = -1;
                const char *dir, *base;
                int pfd, r;

                if (!copy)
                        return -ENOMEM;
                if (!*copy) {
                        fd = openat(u->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                } else {
                        split_path(copy, &dir, &base);
                        pfd = get_parent_ex(u, dir, false);
                        if (pfd < 0)
                                continue; /* replaced later in the archive */
                        fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (fd < 0) {
                        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
                                continue;
                        return unpack_fail(u, -errno, f->path, "cannot open directory");
                }
                r = apply_meta(u, f->ae, fd, *f->path ? f->path : ".", true);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void unpacker_done(struct unpacker *u)
{
        cache_drop(u);
        for (size_t i = 0; i < u->n_fixups; i++) {
                free(u->fixups[i].path);
                archive_entry_free(u->fixups[i].ae);
        }
        free(u->fixups);
        if (u->a)
                archive_read_free(u->a);
}

/* Filters that libarchive implements in-process here (it links zlib, bzip2,
 * liblzma, libzstd, liblz4): support_filter_all() would also register
 * filters that run external programs (lrzip, lzop, grzip) on the input. */
static void support_filters(struct archive *a)
{
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_bzip2(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_lzma(a);
        archive_read_support_filter_lzip(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_lz4(a);
        archive_read_support_filter_compress(a);
}

/* Every archive format except mtree (an mtree "archive" is a text listing
 * whose file data libarchive reads from host paths named in it) and empty
 * (a 0-byte cache is damaged, not a template without files). */
static void support_formats(struct archive *a)
{
        archive_read_support_format_tar(a);
        archive_read_support_format_gnutar(a);
        archive_read_support_format_cpio(a);
        archive_read_support_format_zip(a);
        archive_read_support_format_7zip(a);
        archive_read_support_format_ar(a);
        archive_read_support_format_cab(a);
        archive_read_support_format_iso9660(a);
        archive_read_support_format_lha(a);
        archive_read_support_format_rar(a);
        archive_read_support_format_rar5(a);
        archive_read_support_format_xar(a);
        archive_read_support_format_warc(a);
}

/* The template library has its own copy of the core (and of the log hook):
 * libvz.so hands its hook over before each call. */
_public_ void vz_tmpl_set_log(vz_log_fn fn, void *userdata)
{
        vz_set_log(fn, userdata);
}

static int unpack(const char *archive, int target_fd, vz_progress_fn progress, void *userdata,
                  bool layer, vz_err *e)
{
        struct unpacker u = {
            .layer = layer,
            .archive_path = archive,
            .root_fd = target_fd,
            .use_openat2 = !vz_unpack_force_fallback,
            .is_root = geteuid() == 0,
            .euid = geteuid(),
            .egid = getegid(),
            .e = e,
            .cache_fd = -1,
        };
        _cleanup_close_ int fd = -1;
        struct archive_entry *ae;
        struct stat st;
        uint64_t total, last = 0;
        size_t n = 0;
        int r;

        if (!archive || target_fd < 0)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -EINVAL, "invalid arguments");
        if (fstat(target_fd, &st) < 0)
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -errno, "cannot stat unpack target");
        if (!S_ISDIR(st.st_mode))
                return vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -ENOTDIR,
                               "unpack target is not a directory");
        u.root_setgid = st.st_mode & S_ISGID;

        fd = open(archive, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return vz_fail(e, VZ_E_FS_BAD_TMPL, -errno, "cannot open template cache %s: %m",
                               archive);
        if (fstat(fd, &st) < 0)
                return vz_fail(e, VZ_E_FS_BAD_TMPL, -errno, "cannot stat template cache %s: %m",
                               archive);
        if (!S_ISREG(st.st_mode))
                return vz_fail(e, VZ_E_FS_BAD_TMPL, -EINVAL,
                               "template cache %s is not a regular file", archive);
        total = (uint64_t)st.st_size;
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

        u.a = archive_read_new();
        if (!u.a)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        support_filters(u.a);
        support_formats(u.a);
        if (archive_read_open_fd(u.a, fd, READ_BLOCK_SIZE) != ARCHIVE_OK) {
                r = damaged(&u);
                goto out;
        }
        if (progress)
                progress(0, total, userdata);

        for (;;) {
                r = archive_read_next_header(u.a, &ae);
                if (r == ARCHIVE_EOF)
                        break;
                if (r == ARCHIVE_WARN) {
                        vz_warn("template cache %s: %s", archive, archive_error_string(u.a));
                } else if (r != ARCHIVE_OK) {
                        r = damaged(&u);
                        goto out;
                }
                r = extract_entry(&u, ae);
                if (r < 0) {
                        if (r == -ENOMEM)
                                vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
                        goto out;
                }
                n++;
                if (progress) {
                        int64_t done = archive_filter_bytes(u.a, -1);

                        if (done > 0 && (uint64_t)done >= last + PROGRESS_STEP) {
                                last = (uint64_t)done;
                                progress(last < total ? last : total, total, userdata);
                        }
                }
        }
        if (n == 0 && !layer) {
                r = vz_fail(e, VZ_E_FS_NEW_VE_PRVT, -EINVAL,
                            "template cache %s is damaged: it contains no files", archive);
                goto out;
        }
        r = run_fixups(&u);
        if (r < 0) {
                if (r == -ENOMEM)
                        vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
                goto out;
        }
        if (progress)
                progress(total, total, userdata);
        r = 0;
out:
        unpacker_done(&u);
        return r;
}

_public_ int vz_tmpl_unpack_impl(const char *archive, int target_fd, vz_progress_fn progress,
                                 void *userdata, vz_err *e)
{
        return unpack(archive, target_fd, progress, userdata, false, e);
}

int vz_tmpl_unpack_layer(const char *archive, int target_fd, vz_err *e)
{
        return unpack(archive, target_fd, NULL, NULL, true, e);
}

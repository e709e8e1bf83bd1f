/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CT's mounts of host things at checkpoint and restore (see cpt.c's
 * top): at dump they are declared external to criu and listed in the dump
 * (vz_cpt_external_mounts, vz_cpt_list_dev); at restore the fresh /dev and
 * vz's own tmpfs mounts are made again from those lists in the criu
 * child's namespace (vz_cpt_make_dev, vz_cpt_make_tmpfs).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "cpt.h"
#include "log.h"
#include "util.h"

static void unescape_mnt(char *s)
{
        char *d = s;
        while (*s) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
                        *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 4;
                } else
                        *d++ = *s++;
        }
        *d = '\0';
}

/* The tmpfs mounts spawn.c made before they were binds of the base
 * namespace's root (CTs started by an older vz, and their dumps: the hybrid
 * /sys/fs/cgroup, holding only the mount points of the hierarchies; the
 * empty read-only masks over /proc paths): no data of the CT's, so not
 * worth criu's tar + gzip of
 * each (a fork and exec of both, on dump and on restore). They are
 * external: the dump lists their entries (FILE_TMPFS: "m KEY MODE" per
 * mount, then "d KEY NAME" and "l KEY NAME TARGET"), restore makes them
 * again in a fresh tmpfs. Any other tmpfs (/dev/shm, a CT's /run or /tmp)
 * is the CT's and criu dumps it. */
static bool vz_tmpfs(const char *mp)
{
        static const char *const own[] = {"/sys/fs/cgroup",
                                          "/proc/kcore",
                                          "/proc/kallsyms",
                                          "/proc/timer_list",
                                          "/proc/sched_debug",
                                          "/proc/keys",
                                          "/proc/kmsg",
                                          "/proc/acpi",
                                          "/proc/scsi",
                                          "/proc/firmware",
                                          NULL};
        for (size_t i = 0; own[i]; i++)
                if (streq(mp, own[i]))
                        return true;
        return false;
}

static int list_tmpfs(pid_t init, const char *mp, const char *key, char **list)
{
        _cleanup_free_ char *p = vz_strdupf("/proc/%d/root%s", (int)init, mp), *out = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        struct stat st;

        if (!p)
                return -ENOMEM;
        d = opendir(p);
        if (!d || fstat(dirfd(d), &st) < 0)
                return -errno;
        out = vz_strdupf("%sm %s %o\n", *list, key, (unsigned)(st.st_mode & 07777));
        while (out && (de = readdir(d))) {
                char target[600];
                char *line = NULL;
                ssize_t n;
                if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
                    strpbrk(de->d_name, " \n") ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISLNK(st.st_mode)) {
                        n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                        if (n <= 0)
                                continue;
                        target[n] = '\0';
                        line = vz_strdupf("%sl %s %s %s\n", out, key, de->d_name, target);
                } else if (S_ISDIR(st.st_mode))
                        line = vz_strdupf("%sd %s %s\n", out, key, de->d_name);
                else
                        continue;
                free(out);
                out = line;
        }
        if (!out)
                return -ENOMEM;
        free(*list);
        *list = TAKE_PTR(out);
        return 0;
}

/* key (made of pfx and path, '/' and the like as '.') and "<key> <host><root>"
 * added to the map. */
static int map_add(char **map, char *key, size_t len, const char *pfx, const char *path,
                   const char *host, const char *root)
{
        char *line;

        snprintf(key, len, "%s%s", pfx, path);
        for (char *c = key; *c; c++)
                if (*c == '/' || *c == ' ' || *c == ':' || *c == ']')
                        *c = '.';
        line = vz_strdupf("%s%s %s%s\n", *map, key, host, root);
        if (!line)
                return -ENOMEM;
        free(*map);
        *map = line;
        return 0;
}

/* "major:minor" of the base namespace's root on the host (mntns.c), or "". */
static void base_dev(const vz_ct *ct, char *buf, size_t len)
{
        _cleanup_free_ char *p = vz_base_root_path(ct);
        struct stat st;

        buf[0] = '\0';
        if (p && stat(p, &st) == 0)
                snprintf(buf, len, "%u:%u", major(st.st_dev), minor(st.st_dev));
}

/* The CT's mounts of host things (see the top): criu dump arguments and the
 * key -> host path map restore needs. */
int vz_cpt_external_mounts(const vz_ct *ct, pid_t init, char ***args, char **ret_map, char **tmpfs)
{
        _cleanup_free_ char *p = vz_strdupf("/proc/%d/mountinfo", (int)init), *buf = NULL;
        _cleanup_free_ char *map = strdup("");
        _cleanup_strv_free_ char **lines = NULL;
        char bdev[32];
        int r;

        if (!p || !map)
                return -ENOMEM;
        base_dev(ct, bdev, sizeof(bdev));
        r = vz_read_file(p, 1 << 22, &buf, NULL);
        if (r < 0)
                return r;
        r = vz_strv_split(buf, "\n", &lines);
        if (r < 0)
                return r;
        for (size_t i = 0; lines[i]; i++) {
                char root[4096], mp[4096], *sep = strstr(lines[i], " - "), fstype[64];
                char key[4200], dev[32];
                if (!sep || sscanf(lines[i], "%*s %*s %31s %4095s %4095s", dev, root, mp) != 3 ||
                    sscanf(sep + 3, "%63s", fstype) != 1)
                        continue;
                unescape_mnt(root);
                unescape_mnt(mp);
                if (*bdev && streq(dev, bdev)) {
                        /* A directory of the base namespace's root (the
                         * /proc masks, the hybrid /sys/fs/cgroup: spawn.c),
                         * bound from the host's again at restore, where
                         * "@base" is VZ_RUNDIR/mntns.root. */
                        r = map_add(&map, key, sizeof(key), "vzbase", mp, "@base", root);
                        if (r < 0)
                                return r;
                } else if (streq(mp, "/dev/console")) {
                        snprintf(key, sizeof(key), "%s", CONSOLE_KEY);
                } else if (streq(mp, "/dev") && streq(fstype, "tmpfs")) {
                        /* Its files are the mount points of host device
                         * nodes: criu's tar would see the nodes (and could
                         * not make them again in a user namespace). Restore
                         * makes a fresh one from FILE_DEV instead. */
                        snprintf(key, sizeof(key), "%s", DEV_KEY);
                } else if (streq(fstype, "tmpfs") && vz_tmpfs(mp)) {
                        snprintf(key, sizeof(key), "%s%s", TMPFS_KEY, mp);
                        for (char *c = key; *c; c++)
                                if (*c == '/')
                                        *c = '.';
                        r = list_tmpfs(init, mp, key, tmpfs);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                continue; /* criu dumps it then */
                } else if (streq(fstype, "devtmpfs") || streq(fstype, "fuse.lxcfs") ||
                           streq(mp, "/dev/.vz") || streq(mp, "/proc/meminfo")) {
                        /* Host device nodes, lxcfs's files over /proc and
                         * /sys (spawn.c, lxcfs.c), the supervisor's
                         * beancounter directory: bound again from the
                         * host at restore. */
                        const char *pfx = streq(fstype, "devtmpfs")     ? "vzdev"
                                          : streq(fstype, "fuse.lxcfs") ? "vzlxcfs"
                                                                        : "vzubc";
                        /* lxcfs and the beancounter directory are named
                         * by a token: the restoring host (after a
                         * migration, another one) has its own paths. */
                        const char *host = streq(fstype, "devtmpfs")     ? "/dev"
                                           : streq(fstype, "fuse.lxcfs") ? "@lxcfs"
                                                                         : "@ubc";
                        /* The supervisor's meminfo sits in that directory. */
                        if (streq(pfx, "vzubc"))
                                snprintf(root, sizeof(root), "%s",
                                         streq(mp, "/proc/meminfo") ? "/meminfo" : "");
                        r = map_add(&map, key, sizeof(key), pfx, root, host, root);
                        if (r < 0)
                                return r;
                } else
                        continue;
                if (vz_strv_push(args, "--external") < 0 ||
                    vz_strv_consume(args, vz_strdupf("mnt[%s]:%s", mp, key)) < 0)
                        return -ENOMEM;
        }
        *ret_map = TAKE_PTR(map);
        return 0;
}

/* The CT's /dev (two levels): "d NAME", "f NAME" (a file or a node: a
 * mount point either way), "l NAME TARGET" per line. */
int vz_cpt_list_dev(pid_t init, char **ret)
{
        _cleanup_free_ char *top = vz_strdupf("/proc/%d/root/dev", (int)init);
        _cleanup_free_ char *out = strdup("");
        const char *dirs[2] = {"", NULL};
        _cleanup_strv_free_ char **sub = NULL;

        if (!top || !out)
                return -ENOMEM;
        for (int level = 0; level < 2; level++) {
                char **list = level == 0 ? (char **)dirs : sub;
                _cleanup_strv_free_ char **next = NULL;
                for (size_t i = 0; list && list[i]; i++) {
                        _cleanup_free_ char *dp = vz_strdupf("%s/%s", top, list[i]);
                        _cleanup_closedir_ DIR *d = dp ? opendir(dp) : NULL;
                        struct dirent *de;
                        while (d && (de = readdir(d))) {
                                char name[600], target[600] = "", *line, *o;
                                struct stat st;
                                ssize_t n;
                                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                        continue;
                                snprintf(name, sizeof(name), "%s%s%s", list[i], *list[i] ? "/" : "",
                                         de->d_name);
                                if (strchr(name, ' ') || strchr(name, '\n') ||
                                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                        continue;
                                if (S_ISLNK(st.st_mode)) {
                                        n = readlinkat(dirfd(d), de->d_name, target,
                                                       sizeof(target) - 1);
                                        if (n <= 0)
                                                continue;
                                        target[n] = '\0';
                                        line = vz_strdupf("%sl %s %s\n", out, name, target);
                                } else if (S_ISDIR(st.st_mode)) {
                                        /* Other filesystems (pts, a CT's shm) are
                                         * criu's; shm's files are cpt-shm.c's. */
                                        struct stat ds;
                                        if (fstat(dirfd(d), &ds) == 0 && ds.st_dev == st.st_dev &&
                                            level == 0 && !streq(name, "shm") &&
                                            vz_strv_push(&next, name) < 0)
                                                return -ENOMEM;
                                        line = vz_strdupf("%sd %s\n", out, name);
                                } else
                                        line = vz_strdupf("%sf %s\n", out, name);
                                if (!line)
                                        return -ENOMEM;
                                o = out;
                                out = line;
                                free(o);
                        }
                }
                vz_strv_free(sub);
                sub = TAKE_PTR(next);
        }
        *ret = TAKE_PTR(out);
        return 0;
}

/* A fresh /dev tmpfs with the entries of the dumped one (see list_dev),
 * owned by the CT's root; criu binds it in place and mounts the nodes,
 * devpts and shm onto it. */
int vz_cpt_make_dev(const struct rst_child *c)
{
        _cleanup_strv_free_ char **lines = NULL;
        _cleanup_free_ char *opts =
            vz_strdupf("mode=755,uid=%u,gid=%u", (unsigned)c->uid, (unsigned)c->gid);
        _cleanup_close_ int dfd = -1;

        if (!opts)
                return -ENOMEM;
        /* As spawn.c's FS_DEV. */
        if (mount("tmpfs", c->devdir, "tmpfs", MS_NOSUID, opts) < 0)
                return -errno;
        dfd = open(c->devdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || vz_strv_split(c->devlist, "\n", &lines) < 0)
                return -errno;
        for (size_t i = 0; lines[i]; i++) {
                char type, name[600], target[600];
                int n = sscanf(lines[i], "%c %599s %599s", &type, name, target);
                if (n < 2 || strstr(name, ".."))
                        continue;
                if (type == 'd')
                        (void)mkdirat(dfd, name, 0755);
                else if (type == 'l' && n == 3) {
                        if (symlinkat(target, dfd, name) < 0)
                                vz_debug("restore /dev/%s -> %s: %s", name, target,
                                         strerror(errno));
                } else if (type == 'f') {
                        int fd = openat(dfd, name,
                                        O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
                        if (fd >= 0)
                                close(fd);
                }
                if (fchownat(dfd, name, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
                        vz_debug("restore chown /dev/%s: %s", name, strerror(errno));
        }
        return 0;
}

/* vz's tmpfs mounts of the CT (see vz_tmpfs), one directory each in a
 * fresh tmpfs, owned by the CT's root; criu binds them in place. */
int vz_cpt_make_tmpfs(const struct rst_child *c)
{
        _cleanup_strv_free_ char **lines = NULL;
        _cleanup_free_ char *opts =
            vz_strdupf("mode=755,size=64k,uid=%u,gid=%u", (unsigned)c->uid, (unsigned)c->gid);
        _cleanup_close_ int dfd = -1;

        if (!opts)
                return -ENOMEM;
        if (mount("tmpfs", c->tmpfsdir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
                return -errno;
        dfd = open(c->tmpfsdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || vz_strv_split(c->tmpfslist, "\n", &lines) < 0)
                return -errno;
        for (size_t i = 0; lines[i]; i++) {
                char type, key[600], name[600], target[600], path[1300];
                unsigned mode;
                int n = sscanf(lines[i], "%c %599s %599s %599s", &type, key, name, target);
                if (n < 3 || strchr(key, '/') || strstr(key, "..") || strchr(name, '/') ||
                    strstr(name, ".."))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", key, name);
                if (type == 'm' && sscanf(name, "%o", &mode) == 1) {
                        (void)mkdirat(dfd, key, 0755);
                        if (fchmodat(dfd, key, mode & 07777, 0) < 0 ||
                            fchownat(dfd, key, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
                                vz_debug("restore tmpfs %s: %s", key, strerror(errno));
                        continue;
                }
                if (type == 'd')
                        (void)mkdirat(dfd, path, 0755);
                else if (type == 'l' && n == 4) {
                        if (symlinkat(target, dfd, path) < 0)
                                vz_debug("restore tmpfs %s -> %s: %s", path, target,
                                         strerror(errno));
                } else
                        continue;
                if (fchownat(dfd, path, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
                        vz_debug("restore chown tmpfs %s: %s", path, strerror(errno));
        }
        return 0;
}

/* The base namespace's root (its directories are the CT's /proc masks and
 * hybrid /sys/fs/cgroup, "@base" in the dump) on basedir in criu's
 * namespace, read-only, idmapped to the CT's user namespace as spawn.c
 * binds them (plain where the kernel cannot idmap a tmpfs). */
int vz_cpt_mount_base(const struct rst_child *c)
{
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                              MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
        _cleanup_close_ int tfd =
            (int)syscall(SYS_open_tree, AT_FDCWD, c->base, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

        if (tfd < 0)
                return -errno;
        if (c->userns_fd >= 0) {
                struct mount_attr idmap = {.attr_set = attr.attr_set | MOUNT_ATTR_IDMAP,
                                           .userns_fd = (uint64_t)c->userns_fd};
                if (syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH, &idmap, sizeof(idmap)) == 0)
                        attr.attr_set = 0;
        }
        if (attr.attr_set &&
            syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                return -errno;
        if (syscall(SYS_move_mount, tfd, "", AT_FDCWD, c->basedir, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

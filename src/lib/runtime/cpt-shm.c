/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CT's /dev/shm at checkpoint and restore. At a start it is a
 * directory of the CT's /dev tmpfs (spawn.c), not a filesystem of its own,
 * and /dev is external to criu (cpt-mounts.c): its files, the CT's POSIX
 * shared memory and semaphores, would not be in the dump. So the dump
 * carries a copy (DIR_SHM: the tree with its modes, owned by the CT's IDs
 * 0..65535 rather than the host's), made after criu dump while the CT's
 * tasks are stopped, and a restore copies it into the fresh /dev before
 * criu runs. A tmpfs the CT mounted on /dev/shm itself (its systemd does)
 * is a mount of the CT's, which criu dumps: then there is nothing to copy.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cpt.h"
#include "log.h"
#include "util.h"

#define SHM_DEPTH 8 /* directories below /dev/shm copied */

/* An owner moved between the host's IDs and the CT's (shift: -base at
 * dump, +base at restore); one outside the CT's range becomes nobody. */
static unsigned shift_id(unsigned id, long shift)
{
        long v = (long)id + shift;
        return v < 0 || v > 65535 + (shift > 0 ? shift : 0) ? 65534 : (unsigned)v;
}

/* The data of a file, holes left as holes (a CT's sparse file of any size
 * costs the dump only what it holds, as criu's tar --sparse did). */
static int copy_data(int from, int to, off_t size)
{
        char buf[65536];
        off_t pos = 0;

        while (pos < size) {
                off_t data = lseek(from, pos, SEEK_DATA), end;
                if (data < 0)
                        break; /* ENXIO: only a hole is left */
                end = lseek(from, data, SEEK_HOLE);
                if (end < 0 || lseek(from, data, SEEK_SET) < 0 || lseek(to, data, SEEK_SET) < 0)
                        return -errno;
                for (pos = data; pos < end;) {
                        size_t want =
                            (size_t)(end - pos) < sizeof(buf) ? (size_t)(end - pos) : sizeof(buf);
                        ssize_t n = read(from, buf, want);
                        if (n <= 0)
                                return n < 0 ? -errno : 0;
                        for (ssize_t off = 0; off < n;) {
                                ssize_t w = write(to, buf + off, (size_t)(n - off));
                                if (w < 0)
                                        return -errno;
                                off += w;
                        }
                        pos += n;
                }
        }
        return ftruncate(to, size) < 0 ? -errno : 0;
}

static int copy_entry(int sfd, const char *sname, int dfd, const char *name, const struct stat *st,
                      long ushift, long gshift, int depth);

/* Every entry of directory sfd into dfd. */
static int copy_dir(int sfd, int dfd, long ushift, long gshift, int depth)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd = dup(sfd), r = 0;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while (r >= 0 && (de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                r = copy_entry(sfd, de->d_name, dfd, de->d_name, &st, ushift, gshift, depth);
        }
        return r;
}

/* One file, directory (with its entries) or link, sname in sfd, as name in
 * dfd; others are left out. */
static int copy_entry(int sfd, const char *sname, int dfd, const char *name, const struct stat *st,
                      long ushift, long gshift, int depth)
{
        _cleanup_close_ int from = -1, to = -1;
        int r = 0;

        if (S_ISLNK(st->st_mode)) {
                char target[4096];
                ssize_t n = readlinkat(sfd, sname, target, sizeof(target) - 1);
                if (n <= 0)
                        return 0;
                target[n] = '\0';
                if (symlinkat(target, dfd, name) < 0)
                        return -errno;
        } else if (S_ISDIR(st->st_mode)) {
                if (depth >= SHM_DEPTH)
                        return 0;
                if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
                        return -errno;
                from = openat(sfd, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                to = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (from < 0 || to < 0)
                        return -errno;
                r = copy_dir(from, to, ushift, gshift, depth + 1);
        } else if (S_ISREG(st->st_mode)) {
                from = openat(sfd, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
                to = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (from < 0 || to < 0)
                        return -errno;
                r = copy_data(from, to, st->st_size);
        } else
                return 0;
        if (r < 0)
                return r;
        if (fchownat(dfd, name, shift_id(st->st_uid, ushift), shift_id(st->st_gid, gshift),
                     AT_SYMLINK_NOFOLLOW) < 0 ||
            (!S_ISLNK(st->st_mode) && fchmodat(dfd, name, st->st_mode & 07777, 0) < 0))
                return -errno;
        return 0;
}

int vz_cpt_save_shm(pid_t init, uid_t uid, gid_t gid, const char *dumpdir)
{
        _cleanup_free_ char *dev = vz_strdupf("/proc/%d/root/dev", (int)init);
        _cleanup_close_ int devfd = -1, dfd = -1;
        struct stat ds, st;

        if (!dev)
                return -ENOMEM;
        devfd = open(dev, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (devfd < 0 || fstat(devfd, &ds) < 0 ||
            fstatat(devfd, "shm", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
            st.st_dev != ds.st_dev)
                return 0; /* none, or a mount of the CT's: criu's */
        dfd = open(dumpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        return copy_entry(devfd, "shm", dfd, DIR_SHM, &st, -(long)uid, -(long)gid, 0);
}

int vz_cpt_load_shm(const struct rst_child *c)
{
        _cleanup_close_ int sfd = -1, dfd = -1;
        struct stat st;

        sfd = open(c->dumpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sfd < 0)
                return -errno;
        if (fstatat(sfd, DIR_SHM, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                return 0; /* an older dump, or /dev/shm was the CT's mount */
        dfd = open(c->devdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        /* The CT's dumped /dev lists it: made empty, now filled. */
        return copy_entry(sfd, DIR_SHM, dfd, "shm", &st, (long)c->uid, (long)c->gid, 0);
}

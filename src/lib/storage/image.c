/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The image layout (VE_LAYOUT=ploop, OpenVZ's name for it): the CT's
 * filesystem is ext4 in a sparse file, VE_PRIVATE/root.hdd/root.hdd,
 * attached to a loop device and mounted on VE_ROOT. Its size is the hard
 * DISKSPACE limit and its inode count the hard DISKINODES one: limits the CT
 * cannot pass, unlike a directory on a filesystem without project quota.
 * Growing it is online (loop capacity + ext4 online resize).
 */
#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include "config/params.h"
#include "err.h"
#include "log.h"
#include "storage.h"
#include "util.h"

#define IMAGE_DIR  "root.hdd"
#define IMAGE_FILE "root.hdd/root.hdd"

char *vz_image_path(const char *private_path)
{
        return vz_strdupf("%s/" IMAGE_FILE, private_path);
}

bool vz_image_exists(const char *private_path)
{
        _cleanup_free_ char *p = vz_image_path(private_path);
        struct stat st;
        return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Run a program; 0 if it exited with a code in ok_mask (bit n = code n). */
static int run_ok(char *const argv[], unsigned ok_mask)
{
        pid_t pid = fork();
        int st;

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, 0);
                        dup2(null, 1);
                }
                execvp(argv[0], argv);
                _exit(127);
        }
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(st) && WEXITSTATUS(st) < 32 && (ok_mask & (1u << WEXITSTATUS(st))) ? 0
                                                                                            : -EIO;
}

static int run(char *const argv[])
{
        return run_ok(argv, 1);
}

/* Attach file to a free loop device (detached again on its last close). */
static int loop_attach(const char *file, bool read_only, char ret_dev[32])
{
        struct loop_config cfg = {0};
        _cleanup_close_ int ctl = -1, ffd = -1;
        int n, lfd;

        ffd = open(file, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOFOLLOW);
        if (ffd < 0)
                return -errno;
        ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (ctl < 0)
                return -errno;
        for (int tries = 0; tries < 16; tries++) {
                n = ioctl(ctl, LOOP_CTL_GET_FREE);
                if (n < 0)
                        return -errno;
                snprintf(ret_dev, 32, "/dev/loop%d", n);
                lfd = open(ret_dev, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
                if (lfd < 0)
                        return -errno;
                cfg.fd = (uint32_t)ffd;
                cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0);
                if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
                        return lfd; /* the caller closes it after mounting */
                close(lfd);
                if (errno != EBUSY)
                        return -errno;
                /* Somebody took this one meanwhile: ask again. */
        }
        return -EBUSY;
}

int vz_image_create(const char *private_path, const vz_ct_limits *lim, vz_err *e)
{
        _cleanup_free_ char *dir = vz_strdupf("%s/" IMAGE_DIR, private_path);
        _cleanup_free_ char *img = vz_image_path(private_path);
        char size[32], inodes[32];
        int fd, r;

        if (!dir || !img)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (lim->diskspace_kb <= 0)
                return vz_fail(e, 63, -EINVAL, "DISKSPACE is not set (the image layout needs it)");
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return vz_fail(e, 151, -errno, "cannot create %s: %s", dir, strerror(errno));
        fd = open(img, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return vz_fail(e, 151, -errno, "cannot create %s: %s", img, strerror(errno));
        /* Sparse: space is used as the CT writes. */
        r = ftruncate(fd, (off_t)lim->diskspace_kb * 1024) < 0 ? -errno : 0;
        close(fd);
        if (r < 0)
                return vz_fail(e, 151, r, "cannot size %s: %s", img, strerror(-r));
        snprintf(size, sizeof(size), "%lldk", (long long)lim->diskspace_kb);
        snprintf(inodes, sizeof(inodes), "%lld", (long long)lim->diskinodes);
        {
                char *argv_n[] = {"mkfs.ext4",
                                  "-q",
                                  "-F",
                                  "-N",
                                  inodes,
                                  "-E",
                                  "lazy_itable_init=1,lazy_journal_init=1,nodiscard",
                                  img,
                                  size,
                                  NULL};
                char *argv_d[] = {"mkfs.ext4",
                                  "-q",
                                  "-F",
                                  "-E",
                                  "lazy_itable_init=1,lazy_journal_init=1,nodiscard",
                                  img,
                                  size,
                                  NULL};
                r = run(lim->diskinodes > 0 ? argv_n : argv_d);
        }
        if (r < 0)
                return vz_fail(e, 151, r, "mkfs.ext4 of %s failed", img);
        return 0;
}

int vz_image_mount_opts(const char *private_path, const char *target, unsigned long flags,
                        const char *data, vz_err *e)
{
        _cleanup_free_ char *img = vz_image_path(private_path);
        char dev[32];
        int lfd, r = 0;

        if (!img)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        lfd = loop_attach(img, false, dev);
        if (lfd < 0)
                return vz_fail(e, 152, lfd, "cannot attach %s to a loop device: %s", img,
                               strerror(-lfd));
        if (mount(dev, target, "ext4", flags, data) < 0)
                r = vz_fail(e, 152, -errno, "cannot mount %s on %s%s%s: %s", img, target,
                            data ? " with " : "", data ? data : "", strerror(errno));
        /* With LO_FLAGS_AUTOCLEAR the device goes with the unmount. */
        close(lfd);
        return r;
}

int vz_image_mount(const char *private_path, const char *target, unsigned long flags, vz_err *e)
{
        return vz_image_mount_opts(private_path, target, flags, NULL, e);
}

/* The loop device backing the mount at path (from mountinfo), or -ENOENT. */
static int loop_of_mount(const char *path, char ret_dev[64])
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *real = realpath(path, NULL);
        char *line = NULL;
        size_t len = 0;
        int r = -ENOENT;

        while (real && f && getline(&line, &len, f) > 0) {
                char mp[4096], src[64];
                const char *sep = strstr(line, " - ");
                if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
                    sscanf(sep + 3, "%*s %63s", src) != 1)
                        continue;
                if (streq(mp, real) && vz_startswith(src, "/dev/loop")) {
                        snprintf(ret_dev, 64, "%s", src);
                        r = 0;
                }
        }
        free(line);
        return r;
}

/* Copy a file for an atomic rewrite: a reflink where the filesystem has
 * them (btrfs, XFS), else data extents only, holes kept (SEEK_DATA/SEEK_HOLE
 * + copy_file_range). dst must not exist. */
int vz_file_copy_sparse(const char *src, const char *dst)
{
        _cleanup_close_ int in = -1, out = -1;
        struct stat st;
        off_t data = 0, hole;

        in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (in < 0 || fstat(in, &st) < 0)
                return -errno;
        out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (out < 0)
                return -errno;
        if (ioctl(out, FICLONE, in) == 0)
                return fsync(out) < 0 ? -errno : 0;
        if (ftruncate(out, st.st_size) < 0)
                return -errno;
        for (;;) {
                data = lseek(in, data, SEEK_DATA);
                if (data < 0)
                        break; /* ENXIO: no more data */
                hole = lseek(in, data, SEEK_HOLE);
                if (hole < 0)
                        return -errno;
                for (off_t off = data; off < hole;) {
                        loff_t a = off, b = off;
                        ssize_t n = copy_file_range(in, &a, out, &b, (size_t)(hole - off), 0);
                        if (n <= 0)
                                return n < 0 ? -errno : -EIO;
                        off += n;
                }
                data = hole;
        }
        return fsync(out) < 0 ? -errno : 0;
}

/* Block size and block count from the ext4 superblock (at byte 1024). */
static int ext4_geometry(const char *img, uint64_t *ret_bs, uint64_t *ret_blocks)
{
        _cleanup_close_ int fd = open(img, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        unsigned char sb[1024];

        if (fd < 0)
                return -errno;
        if (pread(fd, sb, sizeof(sb), 1024) != (ssize_t)sizeof(sb))
                return -EIO;
        if (sb[56] != 0x53 || sb[57] != 0xef) /* s_magic 0xEF53 */
                return -EINVAL;
        uint32_t lo =
            (uint32_t)sb[4] | (uint32_t)sb[5] << 8 | (uint32_t)sb[6] << 16 | (uint32_t)sb[7] << 24;
        uint32_t hi = (uint32_t)sb[0x150] | (uint32_t)sb[0x151] << 8 | (uint32_t)sb[0x152] << 16 |
                      (uint32_t)sb[0x153] << 24;
        uint32_t log = sb[24];
        *ret_bs = 1024ull << log;
        *ret_blocks = (uint64_t)lo | ((uint64_t)hi << 32);
        return 0;
}

/* ext4's quota feature: RO_COMPAT_QUOTA (0x100 in s_feature_ro_compat at
 * 0x64), with the user and group quota inodes (s_usr_quota_inum at 0x240,
 * s_grp_quota_inum at 0x244) in place. */
static bool ext4_has_ugid_quota(const char *img)
{
        _cleanup_close_ int fd = open(img, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        unsigned char sb[1024];

        if (fd < 0 || pread(fd, sb, sizeof(sb), 1024) != (ssize_t)sizeof(sb))
                return false;
        return sb[56] == 0x53 && sb[57] == 0xef && (sb[0x65] & 0x01) &&
               (sb[0x240] | sb[0x241] | sb[0x242] | sb[0x243]) &&
               (sb[0x244] | sb[0x245] | sb[0x246] | sb[0x247]);
}

int vz_image_quota_enable(const char *private_path, vz_err *e)
{
        _cleanup_free_ char *img = vz_image_path(private_path);
        char *argv[] = {"tune2fs", "-O", "quota", "-Q", "usrquota,grpquota", NULL, NULL};
        int r;

        if (!img)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (ext4_has_ugid_quota(img))
                return 0;
        r = vz_image_wait_free(private_path, e);
        if (r < 0)
                return r;
        /* The quota lives in hidden inodes, journaled with the rest of the
         * filesystem: no quota files in the CT, no quotacheck. tune2fs
         * counts the usage already there. */
        argv[5] = img;
        if (run(argv) < 0 || !ext4_has_ugid_quota(img))
                return vz_fail(e, 65, -EIO,
                               "cannot turn on ext4's quota feature in %s (tune2fs -O quota)", img);
        return 0;
}

/* The smallest size resize2fs can shrink img to (resize2fs -P), in bytes. */
static int ext4_min_size(const char *img, uint64_t bs, uint64_t *ret)
{
        char *argv[] = {"resize2fs", "-P", (char *)img, NULL};
        int pfd[2], st;
        char buf[4096];
        size_t n = 0;
        ssize_t k;
        pid_t pid;
        const char *m;

        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                close(pfd[0]);
                close(pfd[1]);
                return -errno;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                dup2(pfd[1], 1);
                if (null >= 0) {
                        dup2(null, 0);
                        dup2(null, 2);
                }
                execvp(argv[0], argv);
                _exit(127);
        }
        close(pfd[1]);
        while (n < sizeof(buf) - 1 && (k = read(pfd[0], buf + n, sizeof(buf) - 1 - n)) != 0) {
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                n += (size_t)k;
        }
        buf[n] = '\0';
        close(pfd[0]);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        m = strstr(buf, "minimum size of the filesystem: ");
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !m)
                return -EIO;
        *ret = strtoull(m + strlen("minimum size of the filesystem: "), NULL, 10) * bs;
        return 0;
}

/* Offline resize, atomic: a copy of the image is checked, resized and
 * renamed over the original, so an interrupted resize (resize2fs itself is
 * not crash-safe) leaves the image as it was. The copy is a reflink where
 * the host filesystem has them, else it costs the image's used space. */
static int resize_offline(const char *img, int64_t kb, vz_err *e)
{
        _cleanup_free_ char *tmp = vz_strdupf("%s.resize", img);
        uint64_t bs = 0, blocks = 0, min = 0;
        off_t want = (off_t)kb * 1024;
        char size[32];
        int r;

        if (!tmp)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = ext4_geometry(img, &bs, &blocks);
        if (r < 0)
                return vz_fail(e, 154, r, "%s does not hold an ext4 filesystem", img);
        unlink(tmp);
        r = vz_file_copy_sparse(img, tmp);
        if (r < 0) {
                unlink(tmp);
                return vz_fail(e, r == -ENOSPC ? VZ_E_FS_NO_DISK_SPACE : 154, r,
                               "cannot copy %s for resizing: %s", img, strerror(-r));
        }
        vz_test_stall("resize-copied");
        {
                /* resize2fs wants a freshly checked filesystem. */
                char *fsck[] = {"e2fsck", "-f", "-p", tmp, NULL};
                r = run_ok(fsck, 0x3); /* 1: errors corrected */
                if (r < 0) {
                        unlink(tmp);
                        return vz_fail(e, 154, r, "e2fsck of %s found errors it cannot fix", img);
                }
        }
        if ((uint64_t)want < blocks * bs) {
                r = ext4_min_size(tmp, bs, &min);
                if (r < 0) {
                        unlink(tmp);
                        return vz_fail(e, 154, r, "resize2fs -P %s failed", img);
                }
                if ((uint64_t)want < min) {
                        unlink(tmp);
                        return vz_fail(e, 154, -ENOSPC,
                                       "cannot shrink to %lld KB: the CT's data needs at least "
                                       "%llu KB",
                                       (long long)kb, (unsigned long long)((min + 1023) / 1024));
                }
        } else if (truncate(tmp, want) < 0) {
                r = -errno;
                unlink(tmp);
                return vz_fail(e, 154, r, "cannot grow %s: %s", tmp, strerror(-r));
        }
        snprintf(size, sizeof(size), "%lldK", (long long)kb);
        {
                char *argv[] = {"resize2fs", tmp, size, NULL};
                r = run(argv);
        }
        if (r == 0 && truncate(tmp, want) < 0)
                r = -errno;
        if (r == 0) {
                int fd = open(tmp, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
                r = fd < 0 || fsync(fd) < 0 ? -errno : 0;
                if (fd >= 0)
                        close(fd);
        }
        if (r == 0 && rename(tmp, img) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return vz_fail(e, 154, r, "resize2fs of %s failed", img);
        }
        return 0;
}

/* EXT4_IOC_RESIZE_FS, from fs/ext4/ext4.h (no uapi header has it): grow
 * the mounted ext4 to a block count. What resize2fs does on a mounted
 * filesystem, without resize2fs having to find the mount by device in its
 * own mount table. The kernel wants CAP_SYS_RESOURCE (ext4_resize_begin);
 * the current block count is a no-op, so it doubles as a probe. */
#ifndef EXT4_IOC_RESIZE_FS
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)
#endif

/* Set the loop device's size from its backing file again. */
static int loop_recapacity(const char *dev)
{
        _cleanup_close_ int lfd = open(dev, O_RDWR | O_CLOEXEC);

        if (lfd < 0 || ioctl(lfd, LOOP_SET_CAPACITY, 0) < 0)
                return -errno;
        return 0;
}

/* Online grow of img, attached to dev and mounted at mounted_at, to kb:
 * the file grows (sparse), the loop device takes the new size
 * (LOOP_SET_CAPACITY), ext4 grows in place. Every step is idempotent, so a
 * grow cut short (vzctl killed) is finished by doing it again (recover.c).
 * On failure the file is cut back to what the filesystem uses. */
static int resize_online(const char *img, const char *dev, const char *mounted_at, int64_t kb,
                         vz_err *e)
{
        _cleanup_close_ int mfd = -1;
        struct stat ms, ls, st;
        struct statfs sf;
        uint64_t bs = 0, old_blocks = 0, now_blocks = 0, blocks;
        int r;

        mfd = open(mounted_at, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (mfd < 0 || fstat(mfd, &ms) < 0 || fstatfs(mfd, &sf) < 0 || stat(dev, &ls) < 0)
                return vz_fail(e, 154, -errno, "cannot open %s: %s", mounted_at, strerror(errno));
        /* The mount is the image's (not something mounted over it since). */
        if (!S_ISBLK(ls.st_mode) || ms.st_dev != ls.st_rdev || sf.f_type != 0xEF53)
                return vz_fail(e, 154, -EBUSY, "%s is not the ext4 of %s on %s", mounted_at, img,
                               dev);
        /* The superblock read through the loop device: ext4 keeps it in the
         * device's page cache, so this is its current size, not the last
         * one written back. */
        r = ext4_geometry(dev, &bs, &old_blocks);
        if (r < 0)
                return vz_fail(e, 154, r, "cannot read the superblock of %s: %s", dev,
                               strerror(-r));
        blocks = (uint64_t)kb * 1024 / bs;
        if (blocks < old_blocks)
                return vz_fail(e, 154, -EBUSY,
                               "an image cannot shrink while it is mounted (ext4 has no online "
                               "shrink): stop the CT and unmount it, then set --diskspace again");
        if (stat(img, &st) < 0)
                return vz_fail(e, 154, -errno, "no image %s", img);
        if (blocks == old_blocks && st.st_size == (off_t)kb * 1024)
                return 0;
        /* Ask before changing anything: without CAP_SYS_RESOURCE the kernel
         * refuses even the current size. */
        if (ioctl(mfd, EXT4_IOC_RESIZE_FS, &old_blocks) < 0) {
                r = -errno;
                if (r == -EPERM)
                        return vz_fail(e, 154, r,
                                       "online grow of %s refused: ext4's online resize needs "
                                       "CAP_SYS_RESOURCE, which vzctl does not have here; stop "
                                       "the CT and set --diskspace again to grow it offline",
                                       img);
                return vz_fail(e, 154, r, "online resize of %s refused: %s", mounted_at,
                               strerror(-r));
        }
        if (st.st_size < (off_t)kb * 1024 && truncate(img, (off_t)kb * 1024) < 0)
                return vz_fail(e, 154, -errno, "cannot grow %s: %s", img, strerror(errno));
        r = loop_recapacity(dev);
        if (r >= 0) {
                vz_test_stall("resize-grown");
                if (ioctl(mfd, EXT4_IOC_RESIZE_FS, &blocks) < 0)
                        r = -errno;
                else
                        return 0;
                vz_fail(e, 154, r, "online resize of %s to %lld KB failed: %s", mounted_at,
                        (long long)kb, strerror(-r));
        } else
                vz_fail(e, 154, r, "cannot resize %s: %s", dev, strerror(-r));
        /* Give the file back the size its filesystem has now (it may have
         * grown part of the way), and the loop device that size: the image
         * is as before, or as far as ext4 got. */
        if (ext4_geometry(dev, &bs, &now_blocks) == 0 && stat(img, &st) == 0 &&
            (off_t)(now_blocks * bs) < st.st_size &&
            (truncate(img, (off_t)(now_blocks * bs)) < 0 || loop_recapacity(dev) < 0))
                vz_warn("cannot give %s its size back: %s", img, strerror(errno));
        return r;
}

int vz_image_resize(const char *private_path, const char *mounted_at, int64_t kb, vz_err *e)
{
        _cleanup_free_ char *img = vz_image_path(private_path);
        uint64_t bs = 0, blocks = 0;
        struct stat st;
        char dev[64];
        int r;

        if (!img)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (stat(img, &st) < 0)
                return vz_fail(e, 154, -errno, "no image %s", img);
        if (mounted_at && loop_of_mount(mounted_at, dev) == 0)
                return resize_online(img, dev, mounted_at, kb, e);
        r = vz_image_wait_free(private_path, e);
        if (r < 0)
                return r;
        /* Done already, file and filesystem (a grow finished by recovery
         * may have grown the file only). */
        if ((off_t)kb * 1024 == st.st_size && ext4_geometry(img, &bs, &blocks) == 0 &&
            blocks == (uint64_t)kb * 1024 / bs)
                return 0;
        return resize_offline(img, kb, e);
}

/* The loop device img is attached to, if any (from sysfs backing_file). */
static bool image_attached(const char *img, char ret_dev[300])
{
        _cleanup_free_ char *real = realpath(img, NULL);
        _cleanup_closedir_ DIR *d = opendir("/sys/block");
        struct dirent *de;

        while (real && d && (de = readdir(d))) {
                _cleanup_free_ char *p = NULL, *buf = NULL;
                size_t rl = strlen(real);
                if (!vz_startswith(de->d_name, "loop"))
                        continue;
                p = vz_strdupf("/sys/block/%s/loop/backing_file", de->d_name);
                if (!p || vz_read_file(p, 8192, &buf, NULL) < 0)
                        continue;
                if (strncmp(buf, real, rl) == 0 && (buf[rl] == '\n' || buf[rl] == '\0')) {
                        snprintf(ret_dev, 300, "/dev/%s", de->d_name);
                        return true;
                }
        }
        return false;
}

int vz_image_wait_free(const char *private_path, vz_err *e)
{
        _cleanup_free_ char *img = vz_image_path(private_path);
        char dev[300];

        if (!img)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        /* A stopped CT's mount namespace (holding the last reference to the
         * image's filesystem) goes away shortly after its processes: give
         * the loop device a moment to be released (autoclear; up to 10 s on
         * a loaded host). */
        for (int i = 0; i < 200; i++) {
                if (!image_attached(img, dev))
                        return 0;
                struct timespec ts = {0, 50 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
        return vz_fail(e, VZ_E_FS_MOUNTED, -EBUSY,
                       "%s is in use (attached to %s, mounted somewhere): unmount it first", img,
                       dev);
}

int vz_image_fsck(const char *private_path, vz_err *e)
{
        _cleanup_free_ char *img = vz_image_path(private_path);
        char *argv[] = {"e2fsck", "-p", img, NULL};
        int r;

        if (!img)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = vz_image_wait_free(private_path, e);
        if (r < 0)
                return r;
        /* -p: fix what is safe to fix. 0 clean, 1 fixed, 2 fixed (reboot
         * advised: for the host's root only); 4 and up: left unfixed. */
        if (run_ok(argv, 0x7) < 0)
                return vz_fail(e, 152, -EUCLEAN,
                               "the filesystem in %s has errors e2fsck -p cannot fix: run "
                               "e2fsck -f on it by hand, or mount with --skip-fsck",
                               img);
        return 0;
}

int64_t vz_image_compact(const char *mounted_at, vz_err *e)
{
        struct fstrim_range range = {.start = 0, .len = UINT64_MAX, .minlen = 0};
        _cleanup_close_ int fd = open(mounted_at, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return vz_fail(e, 166, -errno, "cannot open %s: %s", mounted_at, strerror(errno));
        /* ext4 discards its free blocks; the loop device turns each discard
         * into a hole punched in the image file (fallocate PUNCH_HOLE). */
        if (ioctl(fd, FITRIM, &range) < 0)
                return vz_fail(e, 166, -errno, "FITRIM on %s failed: %s", mounted_at,
                               strerror(errno));
        return (int64_t)range.len;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The image layout (VE_LAYOUT=ploop, OpenVZ's name for it): the CT's
 * filesystem is ext4 in a sparse file, VE_PRIVATE/root.hdd/root.hdd,
 * attached to a loop device and mounted on VE_ROOT. Its size is the hard
 * DISKSPACE limit and its inode count the hard DISKINODES one: limits the CT
 * cannot pass, unlike a directory on a filesystem without project quota.
 * Growing it is online (loop capacity + resize2fs).
 */
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
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
                char *argv_n[] = {"mkfs.ext4", "-q", "-F", "-N", inodes, "-E",
                                  "lazy_itable_init=1,lazy_journal_init=1,nodiscard", img, size,
                                  NULL};
                char *argv_d[] = {"mkfs.ext4", "-q", "-F", "-E",
                                  "lazy_itable_init=1,lazy_journal_init=1,nodiscard", img, size,
                                  NULL};
                r = run(lim->diskinodes > 0 ? argv_n : argv_d);
        }
        if (r < 0)
                return vz_fail(e, 151, r, "mkfs.ext4 of %s failed", img);
        return 0;
}

int vz_image_mount(const char *private_path, const char *target, unsigned long flags, vz_err *e)
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
        if (mount(dev, target, "ext4", flags, NULL) < 0)
                r = vz_fail(e, 152, -errno, "cannot mount %s on %s: %s", img, target,
                            strerror(errno));
        /* With LO_FLAGS_AUTOCLEAR the device goes with the unmount. */
        close(lfd);
        return r;
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

int vz_image_resize(const char *private_path, const char *mounted_at, int64_t kb, vz_err *e)
{
        _cleanup_free_ char *img = vz_image_path(private_path);
        struct stat st;
        char dev[64], size[32];
        int fd, r;

        if (!img)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (stat(img, &st) < 0)
                return vz_fail(e, 154, -errno, "no image %s", img);
        if ((off_t)kb * 1024 < st.st_size)
                return vz_fail(e, 154, -EINVAL,
                               "shrinking an image is not supported (it is %lld KB, asked %lld)",
                               (long long)(st.st_size / 1024), (long long)kb);
        if ((off_t)kb * 1024 == st.st_size)
                return 0;
        fd = open(img, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || ftruncate(fd, (off_t)kb * 1024) < 0) {
                r = -errno;
                if (fd >= 0)
                        close(fd);
                return vz_fail(e, 154, r, "cannot grow %s: %s", img, strerror(-r));
        }
        close(fd);
        snprintf(size, sizeof(size), "%lldK", (long long)kb);
        if (mounted_at && loop_of_mount(mounted_at, dev) == 0) {
                /* Online: the loop device learns the new size, ext4 grows. */
                int lfd = open(dev, O_RDWR | O_CLOEXEC);
                if (lfd < 0 || ioctl(lfd, LOOP_SET_CAPACITY, 0) < 0) {
                        r = -errno;
                        if (lfd >= 0)
                                close(lfd);
                        return vz_fail(e, 154, r, "cannot resize %s: %s", dev, strerror(-r));
                }
                close(lfd);
                char *argv[] = {"resize2fs", dev, size, NULL};
                r = run(argv);
        } else {
                /* Offline, resize2fs wants a freshly checked filesystem. */
                char *fsck[] = {"e2fsck", "-f", "-p", img, NULL};
                char *argv[] = {"resize2fs", img, size, NULL};
                r = run_ok(fsck, 0x3); /* 1: errors corrected */
                if (r == 0)
                        r = run(argv);
        }
        if (r < 0) {
                /* The filesystem did not grow: give the file its size back. */
                if (truncate(img, st.st_size) < 0)
                        vz_warn("cannot shrink %s back: %s", img, strerror(errno));
                return vz_fail(e, 154, r, "resize2fs of %s failed", img);
        }
        return 0;
}

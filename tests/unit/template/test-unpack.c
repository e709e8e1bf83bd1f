/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of template cache unpacking (no root needed).
 *
 * Hostile archives are written with libarchive into a temp "host" directory
 * that holds a sentinel file and the unpack target; after each unpack the
 * host directory must hold exactly {sentinel, target}, the sentinel must be
 * unchanged (content, link count, mode) and the host directory's mode too.
 * Every case runs twice: with openat2() and with the O_NOFOLLOW fallback.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "template/template.h"

#include "check.h"

static const char *cur_case = "";
static char host[PATH_MAX]; /* per-case host directory */

struct ent {
        char type; /* f file, d dir, l symlink, h hard link, p fifo */
        const char *path;
        const char *arg; /* file data, symlink target, hard link target */
        mode_t mode;
};

static void write_archive(const char *file, const struct ent *ents, size_t n, bool gz)
{
        struct archive *a = archive_write_new();

        archive_write_set_format_pax_restricted(a);
        if (gz)
                archive_write_add_filter_gzip(a);
        if (archive_write_open_filename(a, file) != ARCHIVE_OK)
                abort();
        for (size_t i = 0; i < n; i++) {
                struct archive_entry *ae = archive_entry_new();
                const struct ent *x = &ents[i];
                size_t len = x->type == 'f' && x->arg ? strlen(x->arg) : 0;

                archive_entry_set_pathname(ae, x->path);
                archive_entry_set_mtime(ae, 1000000000, 0);
                switch (x->type) {
                case 'f':
                        archive_entry_set_mode(ae, S_IFREG | (x->mode ? x->mode : 0644));
                        archive_entry_set_size(ae, (la_int64_t)len);
                        break;
                case 'd':
                        archive_entry_set_mode(ae, S_IFDIR | (x->mode ? x->mode : 0755));
                        break;
                case 'l':
                        archive_entry_set_mode(ae, S_IFLNK | 0777);
                        archive_entry_set_symlink(ae, x->arg);
                        break;
                case 'h':
                        archive_entry_set_mode(ae, S_IFREG | 0644);
                        archive_entry_set_hardlink(ae, x->arg);
                        archive_entry_set_size(ae, 0);
                        break;
                case 'p':
                        archive_entry_set_mode(ae, S_IFIFO | 0644);
                        break;
                }
                archive_entry_set_uid(ae, getuid());
                archive_entry_set_gid(ae, getgid());
                if (archive_write_header(a, ae) != ARCHIVE_OK)
                        abort();
                if (len)
                        archive_write_data(a, x->arg, len);
                archive_entry_free(ae);
        }
        archive_write_close(a);
        archive_write_free(a);
}

static void setup_host(const char *name)
{
        char p[PATH_MAX + 32];
        int fd;

        cur_case = name;
        snprintf(host, sizeof(host), "/tmp/vz-unpack-test.XXXXXX");
        if (!mkdtemp(host))
                abort();
        snprintf(p, sizeof(p), "%s/sentinel", host);
        fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0 || write(fd, "sentinel\n", 9) != 9)
                abort();
        close(fd);
        snprintf(p, sizeof(p), "%s/target", host);
        if (mkdir(p, 0755) < 0)
                abort();
}

/* Nothing outside host/target may have changed. */
static void check_host(void)
{
        char p[PATH_MAX + 32], buf[64] = "";
        struct stat st;
        DIR *d = opendir(host);
        struct dirent *de;
        int fd, n = 0;

        CHECK(d);
        while (d && (de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                n++;
                if (!streq(de->d_name, "sentinel") && !streq(de->d_name, "target") &&
                    !vz_startswith(de->d_name, "archive"))
                        fprintf(stderr, "[%s] unexpected %s/%s\n", cur_case, host, de->d_name);
                CHECK(streq(de->d_name, "sentinel") || streq(de->d_name, "target") ||
                      vz_startswith(de->d_name, "archive"));
        }
        if (d)
                closedir(d);
        snprintf(p, sizeof(p), "%s/sentinel", host);
        CHECK(lstat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
              (st.st_mode & 07777) == 0644);
        fd = open(p, O_RDONLY);
        CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 9 && memcmp(buf, "sentinel\n", 9) == 0);
        if (fd >= 0)
                close(fd);
        CHECK(stat(host, &st) == 0 && (st.st_mode & 07777) == 0700);
        CHECK(access("/etc/vz-unpack-test-x", F_OK) < 0);
}

static void cleanup_host(void)
{
        vz_rm_rf(host);
}

static int unpack_into_target(const char *archive, vz_err *e)
{
        char p[PATH_MAX + 32];
        int fd, r;

        snprintf(p, sizeof(p), "%s/target", host);
        fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                abort();
        r = vz_tmpl_unpack(archive, fd, NULL, NULL, e);
        close(fd);
        return r;
}

static bool target_has(const char *rel)
{
        char p[PATH_MAX * 2];
        struct stat st;

        snprintf(p, sizeof(p), "%s/target/%s", host, rel);
        return lstat(p, &st) == 0;
}

enum expect { MUST_FAIL, MAY_FAIL, MUST_PASS };

static void run_case(const char *name, const struct ent *ents, size_t n, enum expect ex,
                     const char *contained)
{
        for (int mode = 0; mode < 2; mode++) {
                char arch[PATH_MAX + 32], label[128];
                vz_err e = {0};
                int r;

                vz_unpack_force_fallback = mode == 1;
                snprintf(label, sizeof(label), "%s%s", name, mode ? " (fallback)" : "");
                setup_host(label);
                cur_case = label;
                snprintf(arch, sizeof(arch), "%s/archive.tar", host);
                write_archive(arch, ents, n, false);
                r = unpack_into_target(arch, &e);
                if (ex == MUST_FAIL) {
                        CHECK(r < 0);
                        CHECK(e.msg[0] != '\0');
                        CHECK(e.code == VZ_E_FS_NEW_VE_PRVT);
                }
                if (ex == MUST_PASS) {
                        if (r < 0)
                                fprintf(stderr, "[%s] %s\n", label, e.msg);
                        CHECK(r == 0);
                }
                if (r < 0 && getenv("VZ_TEST_VERBOSE"))
                        fprintf(stderr, "[%s] refused: %s\n", label, e.msg);
                if (r == 0 && contained)
                        CHECK(target_has(contained));
                check_host();
                cleanup_host();
        }
        vz_unpack_force_fallback = false;
}

#define RUN(name, ex, contained, ...)                                                              \
        do {                                                                                       \
                const struct ent _e[] = {__VA_ARGS__};                                             \
                run_case(name, _e, ELEMENTSOF(_e), ex, contained);                                 \
        } while (0)

static void test_hostile(void)
{
        RUN("dotdot file", MUST_FAIL, NULL, {'f', "../escaped", "x", 0});
        RUN("dotdot deep", MUST_FAIL, NULL, {'d', "a", NULL, 0}, {'f', "a/../../escaped", "x", 0});
        RUN("absolute /etc", MAY_FAIL, "etc/vz-unpack-test-x",
            {'f', "/etc/vz-unpack-test-x", "x", 0});
        RUN("symlink to / then through", MAY_FAIL, "etc/vz-unpack-test-x", {'l', "a", "/", 0},
            {'f', "a/etc/vz-unpack-test-x", "x", 0});
        RUN("symlink to .. then through", MAY_FAIL, "escaped", {'l', "a", "..", 0},
            {'f', "a/escaped", "x", 0});
        RUN("symlink to ../../.. then through", MAY_FAIL, "escaped",
            {'l', "a", "../../../../../..", 0}, {'f', "a/escaped", "x", 0});
        RUN("chained symlinks", MAY_FAIL, NULL, {'d', "d", NULL, 0}, {'l', "d/b", "../..", 0},
            {'l', "c", "d/b/..", 0}, {'f', "c/escaped", "x", 0});
        RUN("hard link to /etc/shadow", MAY_FAIL, NULL, {'h', "x", "/etc/shadow", 0});
        RUN("hard link to ../sentinel", MUST_FAIL, NULL, {'h', "x", "../sentinel", 0});
        RUN("hard link through symlink", MAY_FAIL, NULL, {'l', "a", "..", 0},
            {'h', "x", "a/sentinel", 0});
        RUN("dir replaces symlink", MAY_FAIL, NULL, {'l', "a", "..", 0}, {'d', "a", NULL, 0777});
        RUN("fifo through symlink", MAY_FAIL, NULL, {'l', "a", "..", 0}, {'p', "a/fifo", NULL, 0});
        RUN("root entry as file", MUST_FAIL, NULL, {'f', "./", "x", 0});
}

/* Cases that need the host path in the archive. */
static void test_hostile_abs(void)
{
        for (int mode = 0; mode < 2; mode++) {
                for (int c = 0; c < 5; c++) {
                        char arch[PATH_MAX + 32], p1[PATH_MAX + 32], p2[PATH_MAX + 32], label[64];
                        vz_err e = {0};
                        int r;

                        vz_unpack_force_fallback = mode == 1;
                        snprintf(label, sizeof(label), "abs case %d%s", c, mode ? " (fb)" : "");
                        setup_host(label);
                        cur_case = label;
                        snprintf(arch, sizeof(arch), "%s/archive.tar", host);
                        switch (c) {
                        case 0: { /* absolute path naming the host dir */
                                snprintf(p1, sizeof(p1), "%s/escaped", host);
                                struct ent x[] = {{'f', p1, "x", 0}};
                                write_archive(arch, x, 1, false);
                                break;
                        }
                        case 1: { /* symlink to the host dir, then a file in it */
                                struct ent x[] = {{'l', "a", host, 0}, {'f', "a/escaped", "x", 0}};
                                write_archive(arch, x, 2, false);
                                break;
                        }
                        case 2: { /* symlink to the sentinel, then a file over it */
                                snprintf(p1, sizeof(p1), "%s/sentinel", host);
                                struct ent x[] = {{'l', "s", p1, 0}, {'f', "s", "pwned\n", 0}};
                                write_archive(arch, x, 2, false);
                                break;
                        }
                        case 3: { /* hard link to the sentinel's absolute path */
                                snprintf(p1, sizeof(p1), "%s/sentinel", host);
                                struct ent x[] = {{'h', "x", p1, 0}};
                                write_archive(arch, x, 1, false);
                                break;
                        }
                        case 4: { /* dir entry over a symlink to the host: no chmod */
                                snprintf(p2, sizeof(p2), "%s", host);
                                struct ent x[] = {{'l', "d", p2, 0},
                                                  {'d', "d", NULL, 0777},
                                                  {'l', "e", p2, 0},
                                                  {'f', "e/sentinel", "pwned\n", 0}};
                                write_archive(arch, x, 4, false);
                                break;
                        }
                        }
                        r = unpack_into_target(arch, &e);
                        if (getenv("VZ_TEST_VERBOSE"))
                                fprintf(stderr, "[%s] r=%d %s\n", label, r, e.msg);
                        if (c == 2) {
                                CHECK(r == 0);
                                CHECK(target_has("s"));
                        }
                        check_host();
                        cleanup_host();
                }
        }
        vz_unpack_force_fallback = false;
}

static void test_damaged(void)
{
        const struct ent ents[] = {
            {'d', "dir", NULL, 0},
            {'f', "dir/a", NULL, 0},
        };
        char arch[PATH_MAX + 32], half[PATH_MAX + 32];
        _cleanup_free_ char *data = NULL, *big = NULL;
        struct stat st;
        vz_err e = {0};
        size_t len;
        int fd;

        setup_host("truncated tar.gz");
        /* A file large and random enough that half the gzip stream is
         * truly cut inside the data. */
        big = malloc(256 * 1024 + 1);
        for (size_t i = 0; i < 256 * 1024; i++)
                big[i] = (char)('a' + (rand() % 26));
        big[256 * 1024] = '\0';
        {
                struct ent x[] = {ents[0], {'f', "dir/a", big, 0}};
                snprintf(arch, sizeof(arch), "%s/archive.tar.gz", host);
                write_archive(arch, x, 2, true);
        }
        CHECK(vz_read_file(arch, 1 << 24, &data, &len) == 0);
        snprintf(half, sizeof(half), "%s/archive-half.tar.gz", host);
        fd = open(half, O_WRONLY | O_CREAT | O_EXCL, 0644);
        CHECK(fd >= 0 && write(fd, data, len / 2) == (ssize_t)(len / 2));
        close(fd);
        CHECK(unpack_into_target(half, &e) < 0);
        CHECK(strstr(e.msg, "is damaged") != NULL);
        CHECK(e.code == VZ_E_FS_NEW_VE_PRVT);
        if (getenv("VZ_TEST_VERBOSE"))
                fprintf(stderr, "[%s] %s\n", cur_case, e.msg);
        /* The complete one works. */
        memset(&e, 0, sizeof(e));
        CHECK(unpack_into_target(arch, &e) == 0);
        check_host();
        cleanup_host();

        setup_host("not an archive");
        snprintf(arch, sizeof(arch), "%s/archive.bin", host);
        {
                char junk[4096];
                for (size_t i = 0; i < sizeof(junk); i++)
                        junk[i] = (char)(i * 7 + 3);
                vz_write_file_atomic(arch, junk, sizeof(junk), 0644);
        }
        memset(&e, 0, sizeof(e));
        CHECK(unpack_into_target(arch, &e) < 0);
        CHECK(strstr(e.msg, "is damaged") != NULL);
        if (getenv("VZ_TEST_VERBOSE"))
                fprintf(stderr, "[%s] %s\n", cur_case, e.msg);
        check_host();
        cleanup_host();

        setup_host("empty file");
        snprintf(arch, sizeof(arch), "%s/archive.tar", host);
        vz_write_file_atomic(arch, "", 0, 0644);
        memset(&e, 0, sizeof(e));
        CHECK(unpack_into_target(arch, &e) < 0);
        CHECK(strstr(e.msg, "is damaged") != NULL);
        check_host();
        cleanup_host();

        setup_host("missing file");
        memset(&e, 0, sizeof(e));
        CHECK(unpack_into_target("/nonexistent/vz.tar", &e) < 0);
        CHECK(e.msg[0] != '\0');
        check_host();
        cleanup_host();
        (void)st;
}

struct prog {
        unsigned calls;
        uint64_t done, total;
};

static void on_progress(uint64_t done, uint64_t total, void *userdata)
{
        struct prog *p = userdata;

        p->calls++;
        p->done = done;
        p->total = total;
}

#define LONGC "component-of-a-rather-long-path-name-that-exceeds-ustar-limits"

static void test_positive_one(void)
{
        char arch[PATH_MAX + 32], p[PATH_MAX * 2], buf[256];
        const char *longpath = LONGC "/" LONGC "/" LONGC "/file-" LONGC;
        struct archive *a = archive_write_new();
        struct archive_entry *ae;
        struct stat st, st2;
        struct prog pr = {0};
        vz_err e = {0};
        char *sparse;
        ssize_t n;
        int fd;

        snprintf(arch, sizeof(arch), "%s/archive.tar.gz", host);
        archive_write_set_format_pax_restricted(a);
        archive_write_add_filter_gzip(a);
        CHECK(archive_write_open_filename(a, arch) == ARCHIVE_OK);

#define ADD(path, mode, size)                                                                      \
        do {                                                                                       \
                ae = archive_entry_new();                                                          \
                archive_entry_set_pathname(ae, path);                                              \
                archive_entry_set_mode(ae, mode);                                                  \
                archive_entry_set_size(ae, size);                                                  \
                archive_entry_set_uid(ae, getuid());                                               \
                archive_entry_set_gid(ae, getgid());                                               \
                archive_entry_set_mtime(ae, 1234567890, 500);                                      \
        } while (0)
#define PUT(data, len)                                                                             \
        do {                                                                                       \
                CHECK(archive_write_header(a, ae) == ARCHIVE_OK);                                  \
                if (len)                                                                           \
                        archive_write_data(a, data, len);                                          \
                archive_entry_free(ae);                                                            \
        } while (0)

        ADD("./", S_IFDIR | 0751, 0);
        PUT(NULL, 0);
        ADD("./dir", S_IFDIR | 0750, 0);
        PUT(NULL, 0);
        ADD("./dir/file", S_IFREG | 0640, 6);
        archive_entry_xattr_add_entry(ae, "user.vz", "value", 5);
        archive_entry_acl_add_entry(ae, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, ARCHIVE_ENTRY_ACL_READ,
                                    ARCHIVE_ENTRY_ACL_USER, 12345, NULL);
        archive_entry_acl_add_entry(ae, ARCHIVE_ENTRY_ACL_TYPE_ACCESS,
                                    ARCHIVE_ENTRY_ACL_READ | ARCHIVE_ENTRY_ACL_WRITE,
                                    ARCHIVE_ENTRY_ACL_MASK, -1, NULL);
        PUT("hello\n", 6);
        ADD("./dir/suid", S_IFREG | 04755, 3);
        PUT("#!\n", 3);
        ADD("./dir/link", S_IFLNK | 0777, 0);
        archive_entry_set_symlink(ae, "file");
        PUT(NULL, 0);
        ADD("./dir/hard", S_IFREG | 0640, 0);
        archive_entry_set_hardlink(ae, "./dir/file");
        PUT(NULL, 0);
        ADD("./fifo", S_IFIFO | 0600, 0);
        PUT(NULL, 0);
        /* 8 MiB with 4 KiB of data at 4 MiB: GNU sparse in pax. */
        ADD("./sparse", S_IFREG | 0644, 8 << 20);
        archive_entry_sparse_add_entry(ae, 4 << 20, 4096);
        /* The pax writer takes the whole logical content and drops holes. */
        sparse = calloc(1, 8 << 20);
        memset(sparse + (4 << 20), 'S', 4096);
        CHECK(archive_write_header(a, ae) == ARCHIVE_OK);
        archive_write_data(a, sparse, 8 << 20);
        archive_entry_free(ae);
        free(sparse);
        ADD(longpath, S_IFREG | 0600, 5);
        PUT("long\n", 5);
        /* Read-only dir with content: its mode is applied last. */
        ADD("./ro", S_IFDIR | 0555, 0);
        PUT(NULL, 0);
        ADD("./ro/inner", S_IFREG | 0444, 2);
        PUT("r\n", 2);
        /* A parent that is never listed. */
        ADD("implicit/parent/f", S_IFREG | 0644, 0);
        PUT(NULL, 0);
        CHECK(archive_write_close(a) == ARCHIVE_OK);
        archive_write_free(a);

        snprintf(p, sizeof(p), "%s/target", host);
        fd = open(p, O_RDONLY | O_DIRECTORY);
        CHECK(vz_tmpl_unpack(arch, fd, on_progress, &pr, &e) == 0);
        close(fd);
        if (e.msg[0])
                fprintf(stderr, "[%s] %s\n", cur_case, e.msg);
        CHECK(pr.calls >= 2 && pr.total > 0 && pr.done == pr.total);

#define T(rel) (snprintf(p, sizeof(p), "%s/target/%s", host, rel), p)
        CHECK(stat(T(""), &st) == 0 && (st.st_mode & 07777) == 0751);
        CHECK(stat(T("dir"), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750);
        CHECK(st.st_mtime == 1234567890);
        CHECK(stat(T("dir/file"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 6);
        CHECK(st.st_mtime == 1234567890 && st.st_mtim.tv_nsec == 500);
        CHECK(st.st_nlink == 2);
        CHECK(stat(T("dir/hard"), &st2) == 0 && st2.st_ino == st.st_ino);
        /* With an ACL the group bits are the mask (rw-). */
        CHECK((st.st_mode & 07777) == 0660);
        n = getxattr(T("dir/file"), "user.vz", buf, sizeof(buf));
        CHECK(n == 5 && memcmp(buf, "value", 5) == 0);
        n = getxattr(T("dir/file"), "system.posix_acl_access", buf, sizeof(buf));
        CHECK(n == 4 + 5 * 8); /* user::, user:12345, group::, mask::, other:: */
        CHECK(stat(T("dir/suid"), &st) == 0 && (st.st_mode & 07777) == 04755);
        n = readlink(T("dir/link"), buf, sizeof(buf));
        CHECK(n == 4 && memcmp(buf, "file", 4) == 0);
        CHECK(lstat(T("dir/link"), &st) == 0 && st.st_mtime == 1234567890);
        CHECK(lstat(T("fifo"), &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0600);
        CHECK(stat(T("sparse"), &st) == 0 && st.st_size == (8 << 20));
        CHECK(st.st_blocks * 512 < (1 << 20));
        fd = open(T("sparse"), O_RDONLY);
        CHECK(fd >= 0 && pread(fd, buf, 4, 4 << 20) == 4 && memcmp(buf, "SSSS", 4) == 0);
        CHECK(pread(fd, buf, 4, 0) == 4 && memcmp(buf, "\0\0\0\0", 4) == 0);
        close(fd);
        CHECK(stat(T(longpath), &st) == 0 && st.st_size == 5 && (st.st_mode & 0777) == 0600);
        CHECK(stat(T("ro"), &st) == 0 && (st.st_mode & 07777) == 0555);
        CHECK(stat(T("ro/inner"), &st) == 0 && (st.st_mode & 07777) == 0444);
        CHECK(stat(T("implicit/parent/f"), &st) == 0 && S_ISREG(st.st_mode));
#undef T
        /* Let cleanup descend into the read-only dir. */
        snprintf(p, sizeof(p), "%s/target/ro", host);
        chmod(p, 0755);
}

static void test_positive(void)
{
        for (int mode = 0; mode < 2; mode++) {
                vz_unpack_force_fallback = mode == 1;
                setup_host(mode ? "positive (fallback)" : "positive");
                test_positive_one();
                check_host();
                cleanup_host();
        }
        vz_unpack_force_fallback = false;
}

int main(void)
{
        umask(022);
        test_hostile();
        test_hostile_abs();
        test_damaged();
        test_positive();
        if (check_failures) {
                fprintf(stderr, "%d check(s) failed\n", check_failures);
                return 1;
        }
        printf("all template unpack tests passed\n");
        return 0;
}

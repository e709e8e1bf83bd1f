/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Template caches: finding, listing and building TEMPLATE/cache/<name>.tar.*.
 *
 * Caches are written with libarchive (pax, numeric owners, zstd) into a
 * temporary file in the cache directory and renamed into place, so a reader
 * never sees half an archive and a failed build leaves nothing behind.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <elf.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "util.h"
#include "template.h"
#include "build.h"
#include "meta.h"

extern char **environ;

#define BUSYBOX_PATH "/bin/busybox"

void tmpl_feed_lines(int fd, line_fn fn, void *userdata)
{
        FILE *f = fdopen(fd, "r");
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;

        if (!f) {
                close(fd);
                return;
        }
        while ((n = getline(&line, &cap, f)) >= 0) {
                if (n > 0 && line[n - 1] == '\n')
                        line[n - 1] = '\0';
                if (fn)
                        fn(line, userdata);
        }
        free(line);
        fclose(f);
}

int tmpl_run_program(char *const argv[], char *const envp[], bool merge_stderr, line_fn fn,
                     void *userdata)
{
        posix_spawn_file_actions_t fa;
        int pipefd[2], status, r;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
        if (merge_stderr)
                posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
        else
                posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp ? envp : environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        if (r != 0) {
                close(pipefd[0]);
                return -r;
        }
        tmpl_feed_lines(pipefd[0], fn, userdata);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

void tmpl_log_line(const char *line, void *userdata)
{
        struct tmpl_log *l = userdata;
        size_t slot = l->n++ % ELEMENTSOF(l->tail);

        vz_debug("%s: %s", l->prefix ? l->prefix : "", line);
        free(l->tail[slot]);
        l->tail[slot] = strdup(line);
}

const char *tmpl_log_tail(const struct tmpl_log *l, char *buf, size_t size)
{
        size_t first = l->n > 3 ? l->n - 3 : 0;

        buf[0] = '\0';
        for (size_t i = first; i < l->n; i++) {
                const char *t = l->tail[i % ELEMENTSOF(l->tail)];
                if (t && strlen(buf) + strlen(t) + 4 < size) {
                        strcat(buf, " | ");
                        strcat(buf, t);
                }
        }
        return buf;
}

void tmpl_log_done(struct tmpl_log *l)
{
        for (size_t i = 0; i < ELEMENTSOF(l->tail); i++) {
                free(l->tail[i]);
                l->tail[i] = NULL;
        }
}

/* ------------------------------------------------------------ writer */

void tmpl_writer_abort(struct tmpl_writer *w)
{
        if (w->a)
                archive_write_free(w->a);
        w->a = NULL;
        if (w->fd >= 0)
                close(w->fd);
        w->fd = -1;
        if (w->tmp_path)
                unlink(w->tmp_path);
        free(w->tmp_path);
        free(w->final_path);
        w->tmp_path = w->final_path = NULL;
}

int tmpl_cache_dir_create(vz_ctx *ctx, char **ret, vz_err *e)
{
        _cleanup_free_ char *dir = NULL;
        int r;

        r = vz_tmpl_cache_dir(ctx, &dir, e);
        if (r < 0)
                return r;
        r = vz_mkdir_p(dir, 0755);
        if (r < 0)
                return vz_fail(e, VZ_E_CANT_CREATE_DIR, r, "cannot create %s: %s", dir,
                               strerror(-r));
        *ret = TAKE_PTR(dir);
        return 0;
}

int tmpl_writer_open(struct tmpl_writer *w, vz_ctx *ctx, const char *ostemplate, int level,
                     const vz_cache_opts *opts, vz_err *e)
{
        _cleanup_free_ char *dir = NULL;
        char lvl[16];
        int r;

        *w = (struct tmpl_writer){.fd = -1};
        r = tmpl_cache_dir_create(ctx, &dir, e);
        if (r < 0)
                return r;
        w->final_path = vz_strdupf("%s/%s.tar.zst", dir, ostemplate);
        w->tmp_path = vz_strdupf("%s/.%s.tar.zst.XXXXXX", dir, ostemplate);
        if (!w->final_path || !w->tmp_path) {
                tmpl_writer_abort(w);
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        }
        w->fd = mkostemp(w->tmp_path, O_CLOEXEC);
        if (w->fd < 0) {
                r = vz_fail(e, VZ_E_SYSTEM, -errno, "cannot create %s: %m", w->tmp_path);
                free(w->tmp_path);
                w->tmp_path = NULL;
                tmpl_writer_abort(w);
                return r;
        }
        (void)fchmod(w->fd, 0644);
        w->a = archive_write_new();
        if (!w->a) {
                tmpl_writer_abort(w);
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        }
        snprintf(lvl, sizeof(lvl), "%d", level);
        if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
            archive_write_add_filter_zstd(w->a) != ARCHIVE_OK ||
            (level > 0 && archive_write_set_filter_option(w->a, "zstd", "compression-level", lvl) !=
                              ARCHIVE_OK) ||
            archive_write_set_bytes_per_block(w->a, 64 * 1024) != ARCHIVE_OK) {
                r = vz_fail(e, VZ_E_SYSTEM, -EINVAL, "cannot set up archive writer: %s",
                            archive_error_string(w->a));
                tmpl_writer_abort(w);
                return r;
        }
        /* File names on Linux are bytes: store them as they are instead of
         * converting from the current locale (fails for UTF-8 names under
         * LANG=C, e.g. ca-certificates' files). */
        if (archive_write_set_format_option(w->a, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK) {
                r = vz_fail(e, VZ_E_SYSTEM, -EINVAL, "cannot set up archive writer: %s",
                            archive_error_string(w->a));
                tmpl_writer_abort(w);
                return r;
        }
        /* Not every libarchive build knows this option; single-threaded
         * compression is only slower. */
        (void)archive_write_set_filter_option(w->a, "zstd", "threads", "0");
        if (archive_write_open_fd(w->a, w->fd) != ARCHIVE_OK) {
                r = vz_fail(e, VZ_E_SYSTEM, -EIO, "cannot write %s: %s", w->tmp_path,
                            archive_error_string(w->a));
                tmpl_writer_abort(w);
                return r;
        }
        if (opts) {
                w->progress = opts->progress;
                w->userdata = opts->userdata;
        }
        return 0;
}

static int writer_error(struct tmpl_writer *w, vz_err *e)
{
        int en = archive_errno(w->a);

        return vz_fail(e, en == ENOSPC ? VZ_E_FS_NO_DISK_SPACE : VZ_E_SYSTEM, en > 0 ? -en : -EIO,
                       "cannot write template cache %s: %s", w->final_path,
                       archive_error_string(w->a));
}

int tmpl_writer_commit(struct tmpl_writer *w, bool force, vz_err *e)
{
        int r;

        if (archive_write_close(w->a) != ARCHIVE_OK) {
                r = writer_error(w, e);
                tmpl_writer_abort(w);
                return r;
        }
        if (fsync(w->fd) < 0) {
                r = vz_fail(e, VZ_E_SYSTEM, -errno, "cannot write %s: %m", w->tmp_path);
                tmpl_writer_abort(w);
                return r;
        }
        /* RENAME_NOREPLACE: another vzpkg may have finished the same cache
         * meanwhile; without --force theirs stays. */
        if (renameat2(AT_FDCWD, w->tmp_path, AT_FDCWD, w->final_path,
                      force ? 0 : RENAME_NOREPLACE) < 0) {
                r = vz_fail(e, errno == EEXIST ? VZ_E_VALUE : VZ_E_SYSTEM, -errno,
                            "cannot create %s: %m", w->final_path);
                tmpl_writer_abort(w);
                return r;
        }
        free(w->tmp_path);
        w->tmp_path = NULL;
        tmpl_writer_abort(w);
        return 0;
}

static void writer_progress(struct tmpl_writer *w, bool final)
{
        if (!w->progress)
                return;
        if (final || w->done >= w->last + (4u << 20)) {
                w->last = w->done;
                w->progress(final ? w->total : (w->done < w->total ? w->done : w->total), w->total,
                            w->userdata);
        }
}

/* One entry built in memory, owned by 0:0. */
static int write_mem(struct tmpl_writer *w, const char *path, mode_t mode, const char *link,
                     const void *data, size_t size, time_t mtime, vz_err *e)
{
        struct archive_entry *ae = archive_entry_new();
        int r = 0;

        if (!ae)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        archive_entry_set_pathname(ae, path);
        archive_entry_set_mode(ae, mode);
        archive_entry_set_uid(ae, 0);
        archive_entry_set_gid(ae, 0);
        archive_entry_set_mtime(ae, mtime, 0);
        if (link && S_ISLNK(mode))
                archive_entry_set_symlink(ae, link);
        else if (link)
                archive_entry_set_hardlink(ae, link); /* a regular file: another name */
        if (S_ISREG(mode) && !link)
                archive_entry_set_size(ae, (la_int64_t)size);
        if (archive_write_header(w->a, ae) != ARCHIVE_OK)
                r = writer_error(w, e);
        else if (S_ISREG(mode) && size > 0 &&
                 archive_write_data(w->a, data, size) != (la_ssize_t)size)
                r = writer_error(w, e);
        archive_entry_free(ae);
        return r;
}

/* ------------------------------------------------------------ busybox */

/* A static binary has no PT_INTERP program header. */
static int elf_is_static(const char *data, size_t len)
{
        if (len < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG) != 0)
                return -ENOEXEC;
        if (data[EI_CLASS] == ELFCLASS64) {
                Elf64_Ehdr eh;

                if (len < sizeof(eh))
                        return -ENOEXEC;
                memcpy(&eh, data, sizeof(eh));
                for (unsigned i = 0; i < eh.e_phnum; i++) {
                        Elf64_Phdr ph;
                        size_t off = eh.e_phoff + (size_t)i * eh.e_phentsize;

                        if (off + sizeof(ph) > len)
                                return -ENOEXEC;
                        memcpy(&ph, data + off, sizeof(ph));
                        if (ph.p_type == PT_INTERP)
                                return 0;
                }
                return 1;
        }
        return -ENOEXEC;
}

static void collect_line(const char *line, void *userdata)
{
        char ***v = userdata;

        if (!isempty(line))
                (void)vz_strv_push(v, line);
}

static bool applet_path_ok(const char *p)
{
        /* --list-full prints "bin/ls", "usr/sbin/chroot", ... */
        if (isempty(p) || p[0] == '.' || strstr(p, "/.") || strstr(p, "//"))
                return false;
        for (const char *c = p; *c; c++)
                if (!isalnum((unsigned char)*c) && !strchr("/._-+[", *c))
                        return false;
        return true;
}

static const char busybox_inittab[] =
    "# /etc/inittab of the vz busybox template. busybox init runs as PID 1 in a\n"
    "# container whose runtime has already mounted /proc, /sys, /dev and /run,\n"
    "# so nothing is mounted here. The console (vzctl console) offers a root\n"
    "# shell after Enter, like a machine's local console.\n"
    "::sysinit:/etc/init.d/rcS\n"
    "::askfirst:-/bin/sh\n"
    "::ctrlaltdel:/sbin/reboot\n"
    "::shutdown:/bin/sync\n";

static const char busybox_rcs[] = "#!/bin/sh\n"
                                  "# Run once by init at boot (::sysinit in /etc/inittab).\n"
                                  "[ -s /etc/hostname ] && /bin/hostname -F /etc/hostname\n"
                                  "exit 0\n";

static const char busybox_passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                                     "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                                     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";

static const char busybox_group[] = "root:x:0:\n"
                                    "daemon:x:1:\n"
                                    "tty:x:5:\n"
                                    "nogroup:x:65534:\n";

static const char busybox_hosts[] = "127.0.0.1\tlocalhost\n"
                                    "::1\t\tlocalhost ip6-localhost ip6-loopback\n";

static const char busybox_profile[] = "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n";

static void first_line(const char *line, void *userdata)
{
        char **v = userdata;

        if (!*v)
                *v = strdup(line);
}

/* BUSYBOX_PATH: its contents (a static ELF), its mtime, its applets'
 * install paths and its version (NULL if it does not say). */
static int read_busybox(char **ret_bin, size_t *ret_len, time_t *ret_mtime, char ***ret_applets,
                        char **ret_version, vz_err *e)
{
        _cleanup_free_ char *bin = NULL, *banner = NULL;
        _cleanup_strv_free_ char **applets = NULL;
        char *argv_list[] = {(char *)BUSYBOX_PATH, (char *)"--list-full", NULL};
        char *argv_ver[] = {(char *)BUSYBOX_PATH, NULL};
        struct stat st;
        size_t len;
        int r;

        if (stat(BUSYBOX_PATH, &st) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "%s not found (install busybox-static): %m",
                               BUSYBOX_PATH);
        r = vz_read_file(BUSYBOX_PATH, 64u << 20, &bin, &len);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot read %s: %s", BUSYBOX_PATH, strerror(-r));
        r = elf_is_static(bin, len);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "%s is not an ELF executable", BUSYBOX_PATH);
        if (r == 0)
                return vz_fail(e, VZ_E_SYSTEM, -ENOEXEC,
                               "%s is not statically linked: it would not run in the "
                               "container (install busybox-static)",
                               BUSYBOX_PATH);

        r = tmpl_run_program(argv_list, NULL, false, collect_line, &applets);
        if (r != 0)
                return vz_fail(e, VZ_E_SYSTEM, r < 0 ? r : -EIO, "'%s --list-full' failed%s%s",
                               BUSYBOX_PATH, r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
        if (vz_strv_length(applets) == 0)
                return vz_fail(e, VZ_E_SYSTEM, -EIO, "'%s --list-full' listed no applets",
                               BUSYBOX_PATH);

        /* "BusyBox v1.35.0 (Debian ...) multi-call binary." */
        (void)tmpl_run_program(argv_ver, NULL, true, first_line, &banner);
        *ret_version = NULL;
        if (banner && vz_startswith(banner, "BusyBox v")) {
                const char *v = banner + strlen("BusyBox v");
                *ret_version = strndup(v, strcspn(v, " "));
        }
        *ret_bin = TAKE_PTR(bin);
        *ret_len = len;
        *ret_mtime = st.st_mtime;
        *ret_applets = TAKE_PTR(applets);
        return 0;
}

/* A hard link to ./bin/busybox for each applet in the standard directories,
 * and ./sbin/init if busybox does not list it. */
static int write_applet_links(struct tmpl_writer *w, char **applets, time_t mt, vz_err *e)
{
        bool have_init = false;
        int r;

        for (char **a = applets; *a; a++) {
                _cleanup_free_ char *path = NULL;
                const char *p = *a;

                while (*p == '/')
                        p++;
                if (!applet_path_ok(p) || streq(p, "bin/busybox"))
                        continue;
                /* Parent directories not in the fixed list are skipped rather
                 * than invented (busybox installs into these only). */
                if (!vz_startswith(p, "bin/") && !vz_startswith(p, "sbin/") &&
                    !vz_startswith(p, "usr/bin/") && !vz_startswith(p, "usr/sbin/"))
                        continue;
                if (strchr(p, '/') != strrchr(p, '/') && !vz_startswith(p, "usr/"))
                        continue;
                /* Hard links, as busybox --install makes them: no inode per
                 * applet, so a CT is created much faster than with ~400
                 * symlinks. */
                path = vz_strdupf("./%s", p);
                if (!path)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                if (streq(p, "sbin/init"))
                        have_init = true;
                r = write_mem(w, path, S_IFREG | 0755, "./bin/busybox", NULL, 0, mt, e);
                if (r < 0)
                        return r;
        }
        if (!have_init)
                return write_mem(w, "./sbin/init", S_IFREG | 0755, "./bin/busybox", NULL, 0, mt, e);
        return 0;
}

/* The busybox CT's /etc: init scripts, users (root locked), os-release. */
static int write_busybox_etc(struct tmpl_writer *w, const char *version, time_t mt, vz_err *e)
{
        _cleanup_free_ char *osrel = NULL, *shadow = NULL;
        int r;

        osrel = vz_strdupf("NAME=\"BusyBox\"\nID=busybox\nVERSION_ID=%s\n"
                           "PRETTY_NAME=\"BusyBox %s (vz template)\"\n"
                           "HOME_URL=\"https://busybox.net/\"\n",
                           version ? version : "unknown", version ? version : "");
        /* Root locked ('!'): log in through vzctl enter/exec only. */
        shadow =
            vz_strdupf("root:!:%lld:0:99999:7:::\n"
                       "daemon:*:%lld:0:99999:7:::\n"
                       "nobody:*:%lld:0:99999:7:::\n",
                       (long long)(mt / 86400), (long long)(mt / 86400), (long long)(mt / 86400));
        if (!osrel || !shadow)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");

        const struct {
                const char *path;
                mode_t mode;
                const char *data;
        } files[] = {
            {"./etc/inittab", 0644, busybox_inittab}, {"./etc/init.d/rcS", 0755, busybox_rcs},
            {"./etc/passwd", 0644, busybox_passwd},   {"./etc/group", 0644, busybox_group},
            {"./etc/shadow", 0600, shadow},           {"./etc/hostname", 0644, ""},
            {"./etc/hosts", 0644, busybox_hosts},     {"./etc/os-release", 0644, osrel},
            {"./etc/profile", 0644, busybox_profile},
        };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                r = write_mem(w, files[i].path, S_IFREG | files[i].mode, NULL, files[i].data,
                              strlen(files[i].data), mt, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int build_busybox(struct tmpl_writer *w, vz_err *e)
{
        static const struct {
                const char *path;
                mode_t mode;
        } dirs[] = {
            {"./bin", 0755},     {"./dev", 0755},     {"./etc", 0755},      {"./etc/init.d", 0755},
            {"./home", 0755},    {"./mnt", 0755},     {"./proc", 0555},     {"./root", 0700},
            {"./run", 0755},     {"./sbin", 0755},    {"./sys", 0555},      {"./tmp", 01777},
            {"./usr", 0755},     {"./usr/bin", 0755}, {"./usr/sbin", 0755}, {"./var", 0755},
            {"./var/log", 0755}, {"./var/run", 0755},
        };
        _cleanup_free_ char *bin = NULL, *version = NULL;
        _cleanup_strv_free_ char **applets = NULL;
        size_t len = 0;
        time_t mt = 0;
        int r;

        r = read_busybox(&bin, &len, &mt, &applets, &version, e);
        if (r < 0)
                return r;
        w->total = len;

        r = write_mem(w, ".", S_IFDIR | 0755, NULL, NULL, 0, mt, e);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dirs); i++)
                r = write_mem(w, dirs[i].path, S_IFDIR | dirs[i].mode, NULL, NULL, 0, mt, e);
        if (r < 0)
                return r;
        r = write_mem(w, "./bin/busybox", S_IFREG | 0755, NULL, bin, len, mt, e);
        if (r < 0)
                return r;
        w->done = len;
        r = write_applet_links(w, applets, mt, e);
        if (r >= 0)
                r = write_busybox_etc(w, version, mt, e);
        if (r < 0)
                return r;
        writer_progress(w, true);
        return 0;
}

/* ------------------------------------------------------------ trees */

/* Remove the regular files directly in dir (relative to root), keeping
 * directories and the names in keep. Used on trees written by package
 * scripts, so never follows a symlink. */
static void clean_dir(int root, const char *dir, const char *suffix)
{
        DIR *d;
        struct dirent *de;
        int fd = root;
        _cleanup_free_ char *copy = strdup(dir);
        char *save = NULL;

        if (!copy)
                return;
        fd = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        for (char *c = strtok_r(copy, "/", &save); c && fd >= 0; c = strtok_r(NULL, "/", &save)) {
                int nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                close(fd);
                fd = nfd;
        }
        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return;
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (de->d_name[0] == '.' || streq(de->d_name, "lock"))
                        continue;
                if (suffix && !vz_endswith(de->d_name, suffix))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISREG(st.st_mode))
                        (void)unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
}

static int open_etc(int root)
{
        return openat(root, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Lock root's password in etc/shadow ("!" in the second field). */
static int lock_root(int etc, vz_err *e)
{
        _cleanup_free_ char *data = NULL, *out = NULL;
        _cleanup_close_ int fd = -1, tfd = -1;
        struct stat st;
        FILE *f;
        size_t len = 0;
        char *line, *save = NULL;
        bool found = false;

        fd = openat(etc, "shadow", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
                return 0; /* no passwords to lock */
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot read etc/shadow of the new tree");
        data = calloc(1, (size_t)st.st_size + 1);
        if (!data || read(fd, data, (size_t)st.st_size) != st.st_size)
                return vz_fail(e, VZ_E_SYSTEM, -EIO, "cannot read etc/shadow of the new tree");
        f = open_memstream(&out, &len);
        if (!f)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (vz_startswith(line, "root:")) {
                        const char *rest = strchr(line + 5, ':');
                        fprintf(f, "root:!%s\n", rest ? rest : ":::::::");
                        found = true;
                } else {
                        fprintf(f, "%s\n", line);
                }
        }
        if (!found)
                fprintf(f, "root:!:0:0:99999:7:::\n");
        fclose(f);

        tfd = openat(etc, "shadow.vztmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                     0600);
        if (tfd < 0 || write(tfd, out, len) != (ssize_t)len ||
            fchown(tfd, st.st_uid, st.st_gid) < 0 || fchmod(tfd, st.st_mode & 07777) < 0 ||
            renameat(etc, "shadow.vztmp", etc, "shadow") < 0) {
                int r = -errno;
                (void)unlinkat(etc, "shadow.vztmp", 0);
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot write etc/shadow of the new tree");
        }
        return 0;
}

static void truncate_file(int dir, const char *name, bool create)
{
        int fd = openat(dir, name,
                        O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
        if (fd >= 0)
                close(fd);
}

/* Replace dir/name (never through a symlink) with content, mode 0644. */
static void put_file(int dir, const char *name, const char *content)
{
        int fd = openat(dir, name, O_WRONLY | O_TRUNC | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);

        if (fd < 0)
                return;
        (void)fchmod(fd, 0644);
        (void)!write(fd, content, strlen(content));
        close(fd);
}

/* nftw's callback has no context argument: the sum is the thread's. */
static _Thread_local uint64_t tree_bytes;
static int sum_sizes(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)p;
        (void)ftw;
        if (flag == FTW_F && S_ISREG(st->st_mode))
                tree_bytes += (uint64_t)st->st_size;
        return 0;
}

/* Archive a directory tree: numeric owners, modes, times, xattrs (file
 * capabilities included), ACLs and hard links, read by libarchive's disk
 * reader without following symlinks or crossing mount points. */
int tmpl_pack_tree(struct tmpl_writer *w, const char *dir, vz_err *e)
{
        struct archive *rd = archive_read_disk_new();
        struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new();
        struct archive_entry *ae = archive_entry_new();
        size_t dlen = strlen(dir);
        char *buf = malloc(1 << 20);
        int r = 0;

        if (!rd || !lr || !ae || !buf) {
                r = vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                goto out;
        }
        /* nftw is not reentrant-safe with a callback context; the total is
         * only for the progress line. */
        if (w->progress) {
                tree_bytes = 0;
                (void)nftw(dir, sum_sizes, 64, FTW_PHYS | FTW_MOUNT);
                w->total = tree_bytes;
        }

        archive_entry_linkresolver_set_strategy(lr, archive_format(w->a));
        archive_read_disk_set_symlink_physical(rd);
        archive_read_disk_set_behavior(rd, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
        if (archive_read_disk_open(rd, dir) != ARCHIVE_OK) {
                r = vz_fail(e, VZ_E_SYSTEM, -EIO, "cannot read %s: %s", dir,
                            archive_error_string(rd));
                goto out;
        }
        for (;;) {
                struct archive_entry *out_e, *spare = NULL;
                _cleanup_free_ char *name = NULL;
                const char *p;
                int s = archive_read_next_header2(rd, ae);

                if (s == ARCHIVE_EOF)
                        break;
                if (s == ARCHIVE_WARN) {
                        vz_warn("%s", archive_error_string(rd));
                } else if (s != ARCHIVE_OK) {
                        r = vz_fail(e, VZ_E_SYSTEM, -EIO, "cannot read %s: %s", dir,
                                    archive_error_string(rd));
                        goto out;
                }
                archive_read_disk_descend(rd);
                p = archive_entry_pathname(ae);
                if (!p || strncmp(p, dir, dlen) != 0) {
                        r = vz_fail(e, VZ_E_SYSTEM, -EIO, "unexpected path %s", p ? p : "");
                        goto out;
                }
                name = vz_strdupf(".%s", p + dlen);
                if (!name) {
                        r = vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                        goto out;
                }
                archive_entry_set_pathname(ae, name);
                archive_entry_sparse_clear(ae);
                archive_entry_set_uname(ae, NULL);
                archive_entry_set_gname(ae, NULL);
                out_e = ae;
                archive_entry_linkify(lr, &out_e, &spare);
                if (!out_e)
                        continue;
                if (archive_write_header(w->a, out_e) != ARCHIVE_OK) {
                        r = writer_error(w, e);
                        goto out;
                }
                if (archive_entry_filetype(out_e) == AE_IFREG && !archive_entry_hardlink(out_e) &&
                    archive_entry_size(out_e) > 0) {
                        la_ssize_t n;

                        while ((n = archive_read_data(rd, buf, 1 << 20)) > 0) {
                                if (archive_write_data(w->a, buf, (size_t)n) != n) {
                                        r = writer_error(w, e);
                                        goto out;
                                }
                                w->done += (uint64_t)n;
                                writer_progress(w, false);
                        }
                        if (n < 0) {
                                r = vz_fail(e, VZ_E_SYSTEM, -EIO, "cannot read %s: %s", p,
                                            archive_error_string(rd));
                                goto out;
                        }
                }
        }
        writer_progress(w, true);
out:
        free(buf);
        if (ae)
                archive_entry_free(ae);
        if (lr)
                archive_entry_linkresolver_free(lr);
        if (rd)
                archive_read_free(rd);
        return r;
}

/* Make a built tree a template: no package manager caches, no host
 * identity, root's password locked. Runs on trees whose contents came from
 * packages and scripts: every path is walked without following symlinks. */
static int finish_tree(int root, vz_err *e)
{
        _cleanup_close_ int etc = -1;

        clean_dir(root, "var/cache/apt/archives", ".deb");
        clean_dir(root, "var/cache/apt/archives/partial", NULL);
        clean_dir(root, "var/cache/apt", ".bin");
        clean_dir(root, "var/lib/apt/lists", NULL);
        clean_dir(root, "var/lib/apt/lists/partial", NULL);
        clean_dir(root, "var/log/apt", NULL);
        clean_dir(root, "var/log", ".log"); /* dnf.log, dnf.rpm.log, ... */
        {
                /* dnf keeps repository metadata and packages here even with
                 * keepcache=False. */
                int fd = openat(root, "var", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int c = fd >= 0
                            ? openat(fd, "cache", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                            : -1;
                if (c >= 0) {
                        (void)vz_rm_rf_at(c, "dnf");
                        (void)vz_rm_rf_at(c, "libdnf5");
                        close(c);
                }
                if (fd >= 0)
                        close(fd);
        }
        etc = open_etc(root);
        if (etc < 0)
                return vz_fail(e, VZ_E_FS_BAD_TMPL, -errno,
                               "the new tree has no /etc directory: not an OS tree");
        /* debootstrap copies the build host's /etc/hostname and
         * /etc/resolv.conf into the tree: a CT created without --hostname
         * would carry the host's name, any CT its DNS servers (vz writes
         * the CT's own at start from HOSTNAME and NAMESERVER). */
        put_file(etc, "hostname", "localhost\n");
        truncate_file(etc, "resolv.conf", false);
        /* systemd generates a fresh machine-id at first boot if it is empty. */
        truncate_file(etc, "machine-id", false);
        return lock_root(etc, e);
}

static int build_from_meta(vz_ctx *ctx, struct tmpl_writer *w, int tdir, const char *ostemplate,
                           const vz_cache_opts *opts, vz_err *e)
{
        _cleanup_free_ char *dir = NULL, *work = NULL, *root = NULL, *aux = NULL, *keys = NULL;
        _cleanup_close_ int rootfd = -1;
        struct tmpl_meta m;
        int r;

        tmpl_meta_init(&m);
        r = vz_tmpl_cache_dir(ctx, &dir, e);
        if (r < 0)
                return r;
        work = vz_strdupf("%s/.vzpkg-%s.XXXXXX", dir, ostemplate);
        if (!work)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        if (!mkdtemp(work))
                return vz_fail(e, VZ_E_CANT_CREATE_DIR, -errno,
                               "cannot create a directory in %s: %m", dir);
        /* work/ 0700 holds root/ (0755, what is packed) and aux/ (the
         * package manager's config, keys, caches: never packed). */
        root = vz_strdupf("%s/root", work);
        aux = vz_strdupf("%s/aux", work);
        keys = vz_strdupf("%s/aux/keys", work);
        if (!root || !aux || !keys) {
                r = vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                goto out;
        }
        if (mkdir(root, 0755) < 0 || mkdir(aux, 0700) < 0 || mkdir(keys, 0755) < 0) {
                r = vz_fail(e, VZ_E_CANT_CREATE_DIR, -errno, "cannot create %s: %m", root);
                goto out;
        }
        r = tmpl_meta_load(tdir, ostemplate, keys, &m, e);
        if (r < 0)
                goto out;
        r = tmpl_build_tree(ctx, ostemplate, &m, opts, root, aux, e);
        if (r < 0)
                goto out;
        rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0) {
                r = vz_fail(e, VZ_E_SYSTEM, -errno, "cannot open %s: %m", root);
                goto out;
        }
        r = finish_tree(rootfd, e);
        if (r < 0)
                goto out;
        vz_info("Packing %s", w->final_path);
        r = tmpl_pack_tree(w, root, e);
out:
        tmpl_meta_done(&m);
        {
                int rr = vz_rm_rf(work);
                if (rr < 0)
                        vz_warn("cannot remove %s: %s", work, strerror(-rr));
        }
        return r;
}

/* An existing cache of ostemplate in any compression: -EEXIST (the tool
 * makes it OpenVZ's "cache file already exist", vzpkg exit 29). */
static int cache_exists(vz_ctx *ctx, const char *ostemplate, vz_err *e)
{
        _cleanup_free_ char *path = NULL;
        vz_err e2 = {0};

        if (vz_tmpl_find_cache(ctx, ostemplate, &path, &e2) < 0)
                return 0;
        return vz_fail(e, VZ_E_VALUE, -EEXIST,
                       "%s cache file already exist: %s (use --force to replace it)", ostemplate,
                       path);
}

/* With --force the new .tar.zst replaces the cache: an older one in
 * another compression would be found first (vz_tmpl_find_cache), so it
 * goes. */
void tmpl_remove_other_caches(vz_ctx *ctx, const char *ostemplate, const char *keep)
{
        for (int i = 0; i < 8; i++) {
                _cleanup_free_ char *path = NULL;
                vz_err e2 = {0};

                if (vz_tmpl_find_cache(ctx, ostemplate, &path, &e2) < 0 || streq(path, keep))
                        return;
                if (unlink(path) < 0) {
                        vz_warn("cannot remove the old cache %s: %m", path);
                        return;
                }
        }
}

/* One build of a template at a time: a second vzpkg waits here, then finds
 * the first one's cache (as OpenVZ's vzpkg, which locks the cache before
 * it looks). The lock file, LOCKDIR/vzpkg-<ostemplate>.lck (the cache
 * directory without LOCKDIR), stays. */
static int lock_cache(vz_ctx *ctx, const char *ostemplate, vz_err *e)
{
        _cleanup_free_ char *dir = NULL, *path = NULL;
        const char *lockdir = vz_ctx_get(ctx, "LOCKDIR");
        int fd, r;

        if (!isempty(lockdir))
                dir = strdup(lockdir);
        else if ((r = vz_tmpl_cache_dir(ctx, &dir, e)) < 0)
                return r;
        if (!dir)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        r = vz_mkdir_p(dir, 0755);
        if (r < 0)
                return vz_fail(e, VZ_E_CANT_CREATE_DIR, r, "cannot create %s: %s", dir,
                               strerror(-r));
        path = vz_strdupf("%s/vzpkg-%s.lck", dir, ostemplate);
        if (!path)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot open %s: %m", path);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                vz_info("Waiting for another vzpkg building %s", ostemplate);
                if (flock(fd, LOCK_EX) < 0) {
                        r = vz_fail(e, VZ_E_SYSTEM, -errno, "cannot lock %s: %m", path);
                        close(fd);
                        return r;
                }
        }
        return fd;
}

_public_ int vz_cache_create_impl(vz_ctx *ctx, const char *ostemplate, const vz_cache_opts *opts,
                                  vz_err *e)
{
        _cleanup_close_ int tdir = -1, lock = -1;
        _cleanup_free_ char *mdir = NULL;
        struct tmpl_writer w;
        struct stat st;
        bool meta, busybox = false, force = opts && opts->force;
        int r;

        r = vz_tmpl_check_name(ostemplate, e);
        if (r < 0)
                return r;
        r = vz_tmpl_meta_dir(ctx, &mdir, e);
        if (r < 0)
                return r;
        tdir = open(mdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        meta = tdir >= 0 && fstatat(tdir, ostemplate, &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (meta) {
                /* BUILDER=busybox metadata: the built-in busybox build. */
                struct tmpl_meta m;
                r = tmpl_meta_load(tdir, ostemplate, NULL, &m, e);
                if (r < 0)
                        return r;
                busybox = m.builder == TMPL_BUILDER_BUSYBOX;
                tmpl_meta_done(&m);
        } else if (streq(ostemplate, "busybox")) {
                busybox = true;
        } else {
                return vz_fail(e, VZ_E_VALUE, -ENOENT,
                               "unknown OS template '%s': no metadata in %s/%s ('vzpkg list' "
                               "shows the OS templates there)",
                               ostemplate, mdir, ostemplate);
        }
        /* Before any work: an existing cache ends it at once. */
        if (!force && (r = cache_exists(ctx, ostemplate, e)) < 0)
                return r;
        lock = lock_cache(ctx, ostemplate, e);
        if (lock < 0)
                return lock;
        if (!force && (r = cache_exists(ctx, ostemplate, e)) < 0)
                return r;
        r = tmpl_writer_open(&w, ctx, ostemplate, busybox ? 19 : 9, opts, e);
        if (r < 0)
                return r;
        r = busybox ? build_busybox(&w, e) : build_from_meta(ctx, &w, tdir, ostemplate, opts, e);
        if (r < 0) {
                tmpl_writer_abort(&w);
                return r;
        }
        {
                _cleanup_free_ char *final = strdup(w.final_path);

                r = tmpl_writer_commit(&w, force, e);
                if (r == 0 && force && final)
                        tmpl_remove_other_caches(ctx, ostemplate, final);
        }
        return r;
}

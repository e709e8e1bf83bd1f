/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vztmpl-dl's engine: repositories of precreated template caches over
 * libcurl (see download.h for the two layouts).
 *
 * A download goes to a hidden temporary file in TEMPLATE/cache, is hashed
 * while it is written, checked against the published SHA-256 and, with a
 * keyring, against its detached GPG signature (gpgv, the verification-only
 * program of GnuPG), and only then renamed to its final name: a failed or
 * corrupted download leaves no cache behind.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "util.h"
#include "download.h"
#include "vz-build.h"

#define MAX_INDEX (16u << 20)

/* OpenVZ repositories: the suffixes tried, in this order. */
static const char *const ovz_suffixes[] = {".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2"};

struct repo {
        char *url; /* without trailing '/' */
        dl_repo_kind kind;
        bool probed;
        char *index; /* LXC: meta/1.0/index-system; OpenVZ: the directory listing */
        char *sums;  /* OpenVZ: SHA256SUMS of the directory, if any */
        bool sums_probed;
        bool no_listing; /* OpenVZ: the directory URL gave 404 */
};

struct dl_client {
        CURL *curl;
        dl_opts opts;
        struct repo *repos;
        size_t n_repos;
        /* The transfer in progress. */
        struct sha256_ctx sha;
        int out_fd;
        char *mem;
        size_t mem_len, mem_max;
        bool too_big, write_error;
        const char *label;
};

/* ------------------------------------------------------------ transfers */

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
        dl_client *c = ud;
        size_t n = size * nmemb;

        if (c->out_fd >= 0) {
                size_t off = 0;

                while (off < n) {
                        ssize_t w = write(c->out_fd, ptr + off, n - off);
                        if (w < 0) {
                                if (errno == EINTR)
                                        continue;
                                c->write_error = true;
                                return 0;
                        }
                        off += (size_t)w;
                }
                sha256_update(&c->sha, n, (const uint8_t *)ptr);
                return n;
        }
        if (c->mem_len + n > c->mem_max) {
                c->too_big = true;
                return 0;
        }
        char *m = realloc(c->mem, c->mem_len + n + 1);
        if (!m)
                return 0;
        c->mem = m;
        memcpy(c->mem + c->mem_len, ptr, n);
        c->mem_len += n;
        c->mem[c->mem_len] = '\0';
        return n;
}

static void progress_line(uint64_t done, uint64_t total, const char *label)
{
        if (total > 0)
                fprintf(stderr, "\r%s: %3u%% (%u/%u MiB)", label, (unsigned)(done * 100 / total),
                        (unsigned)(done >> 20), (unsigned)(total >> 20));
        else
                fprintf(stderr, "\r%s: %u MiB", label, (unsigned)(done >> 20));
        fflush(stderr);
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
        dl_client *c = ud;

        (void)ultotal;
        (void)ulnow;
        if (c->label && c->out_fd >= 0 && dlnow > 0)
                progress_line((uint64_t)dlnow, (uint64_t)dltotal, c->label);
        return 0;
}

/* GET url. Returns the HTTP status (2xx/304) or, for 404/410 (and file://
 * ENOENT), -ENOENT without touching e; other failures fill e. */
static int transfer(dl_client *c, const char *url, time_t if_newer, time_t *ret_mtime, vz_err *e)
{
        long code = 0, cond_unmet = 0, filetime = -1;
        CURLcode cr;

        curl_easy_setopt(c->curl, CURLOPT_URL, url);
        curl_easy_setopt(c->curl, CURLOPT_TIMECONDITION,
                         (long)(if_newer > 0 ? CURL_TIMECOND_IFMODSINCE : CURL_TIMECOND_NONE));
        curl_easy_setopt(c->curl, CURLOPT_TIMEVALUE_LARGE,
                         (curl_off_t)(if_newer > 0 ? if_newer : 0));
        curl_easy_setopt(c->curl, CURLOPT_FILETIME, 1L);
        curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, c->label && c->out_fd >= 0 ? 0L : 1L);
        c->too_big = c->write_error = false;
        cr = curl_easy_perform(c->curl);
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
        if (c->label && c->out_fd >= 0 && cr == CURLE_OK)
                fputc('\n', stderr);
        if (cr == CURLE_FILE_COULDNT_READ_FILE || cr == CURLE_REMOTE_FILE_NOT_FOUND ||
            (cr == CURLE_HTTP_RETURNED_ERROR && (code == 404 || code == 410)))
                return -ENOENT;
        if (c->write_error)
                return vz_fail(e, DL_E_DOWNLOAD, -EIO, "cannot write the download of %s: %m", url);
        if (c->too_big)
                return vz_fail(e, DL_E_DOWNLOAD, -EFBIG, "%s is larger than %u MiB", url,
                               MAX_INDEX >> 20);
        if (cr != CURLE_OK) {
                if (cr == CURLE_HTTP_RETURNED_ERROR)
                        return vz_fail(e, DL_E_DOWNLOAD, -EIO, "cannot download %s: HTTP %ld", url,
                                       code);
                return vz_fail(e, DL_E_DOWNLOAD, -EIO, "cannot download %s: %s", url,
                               curl_easy_strerror(cr));
        }
        curl_easy_getinfo(c->curl, CURLINFO_CONDITION_UNMET, &cond_unmet);
        if (cond_unmet || code == 304)
                return 304;
        curl_easy_getinfo(c->curl, CURLINFO_FILETIME, &filetime);
        if (ret_mtime)
                *ret_mtime = filetime > 0 ? (time_t)filetime : 0;
        return code ? (int)code : 200;
}

/* A small file into memory (NUL-terminated); -ENOENT if not there. */
static int get_mem(dl_client *c, const char *url, char **ret, vz_err *e)
{
        int r;

        c->out_fd = -1;
        c->mem = NULL;
        c->mem_len = 0;
        c->mem_max = MAX_INDEX;
        r = transfer(c, url, 0, NULL, e);
        if (r < 0 || r == 304) {
                free(c->mem);
                c->mem = NULL;
                return r < 0 ? r : -ENOENT;
        }
        if (!c->mem) {
                c->mem = strdup("");
                if (!c->mem)
                        return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
        }
        *ret = c->mem;
        c->mem = NULL;
        return 0;
}

/* ------------------------------------------------------------ repositories */

static int repo_probe(dl_client *c, struct repo *rp, vz_err *e)
{
        _cleanup_free_ char *url = NULL;
        int r;

        if (rp->probed)
                return 0;
        if (rp->kind != DL_REPO_OPENVZ) {
                url = vz_strdupf("%s/meta/1.0/index-system", rp->url);
                if (!url)
                        return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
                r = get_mem(c, url, &rp->index, e);
                if (r >= 0) {
                        rp->kind = DL_REPO_LXC;
                        rp->probed = true;
                        return 0;
                }
                if (r != -ENOENT)
                        return r;
                if (rp->kind == DL_REPO_LXC)
                        return vz_fail(e, DL_E_DOWNLOAD, -ENOENT,
                                       "%s is not an LXC image server (no %s)", rp->url, url);
        }
        rp->kind = DL_REPO_OPENVZ;
        free(url);
        url = vz_strdupf("%s/", rp->url);
        if (!url)
                return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
        r = get_mem(c, url, &rp->index, e);
        if (r == -ENOENT) {
                rp->index = strdup(""); /* no listing: only direct downloads */
                rp->no_listing = true;
        } else if (r < 0)
                return r;
        rp->probed = true;
        return 0;
}

static int repo_sums(dl_client *c, struct repo *rp, vz_err *e)
{
        _cleanup_free_ char *url = NULL;
        int r;

        if (rp->sums_probed)
                return 0;
        url = vz_strdupf("%s/SHA256SUMS", rp->url);
        if (!url)
                return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
        r = get_mem(c, url, &rp->sums, e);
        if (r < 0 && r != -ENOENT)
                return r;
        rp->sums_probed = true;
        return 0;
}

static bool name_char(char ch)
{
        return isalnum((unsigned char)ch) || ch == '.' || ch == '_' || ch == '-' || ch == '+';
}

/* A plain cache file name (no '/', not hidden) ending in a known suffix;
 * returns the template name length, or 0. */
static size_t ovz_file_name(const char *s, size_t len, const char **ret_suffix)
{
        if (len == 0 || s[0] == '.')
                return 0;
        for (size_t i = 0; i < len; i++)
                if (!name_char(s[i]))
                        return 0;
        for (size_t k = 0; k < ELEMENTSOF(ovz_suffixes); k++) {
                size_t sl = strlen(ovz_suffixes[k]);
                if (len > sl && strncmp(s + len - sl, ovz_suffixes[k], sl) == 0) {
                        if (ret_suffix)
                                *ret_suffix = ovz_suffixes[k];
                        return len - sl;
                }
        }
        return 0;
}

static int add_name(char ***v, const char *s, size_t len)
{
        _cleanup_free_ char *n = strndup(s, len);

        if (!n)
                return -ENOMEM;
        if (vz_strv_contains(*v, n))
                return 0;
        return vz_strv_consume(v, TAKE_PTR(n));
}

/* Names from a directory listing (href="NAME.tar.gz") and SHA256SUMS. */
static int ovz_names(struct repo *rp, char ***v)
{
        const char *p = rp->index;
        int r;

        while (p && (p = strstr(p, "href=\""))) {
                const char *s = p + 6, *end = strchr(s, '"');
                size_t n;

                if (!end)
                        break;
                /* Relative links only ("./x" is fine). */
                if (vz_startswith(s, "./"))
                        s += 2;
                n = ovz_file_name(s, (size_t)(end - s), NULL);
                if (n > 0) {
                        r = add_name(v, s, n);
                        if (r < 0)
                                return r;
                }
                p = end;
        }
        for (p = rp->sums; p && *p;) {
                const char *eol = strchrnul(p, '\n'), *f = p;
                size_t n;

                while (f < eol && !isspace((unsigned char)*f))
                        f++;
                while (f < eol && (isspace((unsigned char)*f) || *f == '*'))
                        f++;
                n = ovz_file_name(f, (size_t)(eol - f), NULL);
                if (n > 0) {
                        r = add_name(v, f, n);
                        if (r < 0)
                                return r;
                }
                p = *eol ? eol + 1 : eol;
        }
        return 0;
}

/* LXC: "distro;release;arch;variant;serial;path" -> distro-release-arch[-variant],
 * with the arch in OpenVZ's spelling (x86_64, x86). */
static char *lxc_name(char **f)
{
        const char *arch = f[2];

        if (streq(arch, "amd64"))
                arch = "x86_64";
        else if (streq(arch, "i386"))
                arch = "x86";
        if (streq(f[3], "default") || !*f[3])
                return vz_strdupf("%s-%s-%s", f[0], f[1], arch);
        return vz_strdupf("%s-%s-%s-%s", f[0], f[1], arch, f[3]);
}

/* Walk the LXC index; fn returns non-zero to stop. */
static int lxc_each(struct repo *rp, int (*fn)(const char *name, const char *path, void *ud),
                    void *ud)
{
        _cleanup_strv_free_ char **lines = NULL;
        int r;

        r = vz_strv_split(rp->index, "\n", &lines);
        if (r < 0)
                return r;
        for (char **l = lines; *l; l++) {
                _cleanup_strv_free_ char **f = NULL;
                _cleanup_free_ char *name = NULL;
                size_t n = 0;
                const char *s = *l;

                /* Split by hand: empty fields (an empty variant) count. */
                f = calloc(7, sizeof(char *));
                if (!f)
                        return -ENOMEM;
                while (n < 6) {
                        const char *semi = strchrnul(s, ';');
                        f[n] = strndup(s, (size_t)(semi - s));
                        if (!f[n])
                                return -ENOMEM;
                        n++;
                        if (!*semi)
                                break;
                        s = semi + 1;
                }
                if (n != 6)
                        continue;
                name = lxc_name(f);
                if (!name)
                        return -ENOMEM;
                r = fn(name, f[5], ud);
                if (r)
                        return r;
        }
        return 0;
}

static int lxc_collect(const char *name, const char *path, void *ud)
{
        (void)path;
        return add_name(ud, name, strlen(name)) < 0 ? -ENOMEM : 0;
}

int dl_list_remote(dl_client *c, char ***ret, vz_err *e)
{
        _cleanup_strv_free_ char **v = calloc(1, sizeof(char *));
        int r;

        if (!v)
                return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
        for (size_t i = 0; i < c->n_repos; i++) {
                struct repo *rp = &c->repos[i];

                r = repo_probe(c, rp, e);
                if (r < 0)
                        return r;
                if (rp->kind == DL_REPO_LXC) {
                        r = lxc_each(rp, lxc_collect, &v);
                } else {
                        r = repo_sums(c, rp, e);
                        if (r < 0)
                                return r;
                        if (rp->no_listing && !rp->sums)
                                return vz_fail(e, DL_E_DOWNLOAD, -ENOENT,
                                               "cannot list %s: it has neither a directory "
                                               "listing nor a SHA256SUMS file (not found)",
                                               rp->url);
                        r = ovz_names(rp, &v);
                }
                if (r < 0)
                        return vz_fail(e, DL_E_DOWNLOAD, r, "out of memory");
        }
        vz_strv_sort(v);
        *ret = TAKE_PTR(v);
        return 0;
}

/* ------------------------------------------------------------ verification */

/* The hash for file in a sha256sum-style list ("HEX  FILE" or "HEX *FILE",
 * FILE possibly with a leading "./"); a lone hex line counts for any file. */
bool dl_find_sum(const char *list, const char *file, char hex[65])
{
        for (const char *p = list; p && *p;) {
                const char *eol = strchrnul(p, '\n'), *f = p;
                size_t hl;

                while (f < eol && isxdigit((unsigned char)*f))
                        f++;
                hl = (size_t)(f - p);
                if (hl == 64) {
                        while (f < eol && (*f == ' ' || *f == '\t' || *f == '*'))
                                f++;
                        if (f + 2 <= eol && f[0] == '.' && f[1] == '/')
                                f += 2;
                        while (eol > f && (eol[-1] == '\r' || eol[-1] == ' '))
                                eol--;
                        if (f == eol || ((size_t)(eol - f) == strlen(file) &&
                                         strncmp(f, file, (size_t)(eol - f)) == 0)) {
                                for (size_t i = 0; i < 64; i++)
                                        hex[i] = (char)tolower((unsigned char)p[i]);
                                hex[64] = '\0';
                                return true;
                        }
                }
                eol = strchrnul(p, '\n');
                p = *eol ? eol + 1 : eol;
        }
        return false;
}

static int run_gpgv(const char *keyring, const char *sig, const char *data, char *out, size_t outsz)
{
        char *argv[] = {"gpgv", "--keyring", (char *)keyring, (char *)sig, (char *)data, NULL};
        posix_spawn_file_actions_t fa;
        int pipefd[2], status, r;
        size_t len = 0;
        ssize_t n;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
        r = posix_spawnp(&pid, "gpgv", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        if (r != 0) {
                close(pipefd[0]);
                return -r;
        }
        while ((n = read(pipefd[0], out + len, outsz - 1 - len)) > 0 || (n < 0 && errno == EINTR))
                if (n > 0 && (len += (size_t)n) >= outsz - 1)
                        len = 0; /* keep the tail */
        out[len] = '\0';
        close(pipefd[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* ------------------------------------------------------------ fetch */

struct lxc_find {
        const char *name;
        char *path;
};

static int lxc_match(const char *name, const char *path, void *ud)
{
        struct lxc_find *f = ud;

        if (!streq(name, f->name))
                return 0;
        f->path = strdup(path);
        return f->path ? 1 : -ENOMEM;
}

/* Where NAME is: the file URL, its suffix, the checksum list that covers it
 * (NULL if none) and the name of the file in that list. */
struct located {
        char *url;
        const char *suffix;
        char *sums;
        char *file;
};

static void located_done(struct located *l)
{
        free(l->url);
        free(l->sums);
        free(l->file);
}

static int locate(dl_client *c, const char *name, struct located *ret, vz_err *e)
{
        for (size_t i = 0; i < c->n_repos; i++) {
                struct repo *rp = &c->repos[i];
                int r = repo_probe(c, rp, e);

                if (r < 0)
                        return r;
                if (rp->kind == DL_REPO_LXC) {
                        struct lxc_find f = {.name = name};
                        _cleanup_free_ char *base = NULL, *sums_url = NULL;
                        const char *p;

                        r = lxc_each(rp, lxc_match, &f);
                        if (r < 0)
                                return vz_fail(e, DL_E_DOWNLOAD, r, "out of memory");
                        if (!f.path)
                                continue;
                        p = f.path;
                        while (*p == '/')
                                p++;
                        if (strstr(p, "..") || strchr(p, '?') || strchr(p, '#')) {
                                vz_warn("%s: ignoring image path '%s' in its index", rp->url,
                                        f.path);
                                free(f.path);
                                continue;
                        }
                        base = vz_strdupf("%s/%s%s", rp->url, p,
                                          vz_endswith(p, "/") || !*p ? "" : "/");
                        free(f.path);
                        if (!base)
                                return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
                        ret->url = vz_strdupf("%srootfs.tar.xz", base);
                        ret->file = strdup("rootfs.tar.xz");
                        sums_url = vz_strdupf("%sSHA256SUMS", base);
                        if (!ret->url || !ret->file || !sums_url)
                                return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
                        ret->suffix = ".tar.xz";
                        r = get_mem(c, sums_url, &ret->sums, e);
                        if (r < 0 && r != -ENOENT)
                                return r;
                        return 0;
                }
                r = repo_sums(c, rp, e);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < ELEMENTSOF(ovz_suffixes); k++) {
                        _cleanup_free_ char *file = vz_strdupf("%s%s", name, ovz_suffixes[k]);
                        _cleanup_free_ char *sum_url = NULL;
                        char hex[65];
                        bool listed;

                        if (!file)
                                return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
                        listed = (rp->sums && dl_find_sum(rp->sums, file, hex)) ||
                                 (rp->index && strstr(rp->index, file));
                        /* Without a listing, ask for the file itself. */
                        if (!listed && rp->index && *rp->index)
                                continue;
                        ret->url = vz_strdupf("%s/%s", rp->url, file);
                        sum_url = vz_strdupf("%s.sha256", ret->url);
                        if (!ret->url || !sum_url)
                                return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
                        if (!listed) {
                                /* HEAD-like probe: a checksum file or the file. */
                                _cleanup_free_ char *probe = NULL;
                                r = get_mem(c, sum_url, &probe, e);
                                if (r == -ENOENT) {
                                        free(ret->url);
                                        ret->url = NULL;
                                        continue;
                                }
                                if (r < 0)
                                        return r;
                                ret->sums = TAKE_PTR(probe);
                        } else if (rp->sums && dl_find_sum(rp->sums, file, hex)) {
                                ret->sums = strdup(rp->sums);
                        } else {
                                r = get_mem(c, sum_url, &ret->sums, e);
                                if (r < 0 && r != -ENOENT)
                                        return r;
                        }
                        ret->file = TAKE_PTR(file);
                        ret->suffix = ovz_suffixes[k];
                        return 0;
                }
        }
        return vz_fail(e, DL_E_DOWNLOAD, -ENOENT, "template %s is not in any repository (%s)", name,
                       c->n_repos ? c->repos[0].url : "none configured");
}

/* Present cache of name (any suffix): its path, else NULL. */
static char *present_cache(const char *dir, const char *name)
{
        static const char *const all[] = {".tar", ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst"};

        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                char *p = vz_strdupf("%s/%s%s", dir, name, all[i]);
                struct stat st;

                if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode))
                        return p;
                free(p);
        }
        return NULL;
}

/* With a readable keyring (and no --nogpg), gpgv on tmp against
 * loc->url's .asc; a missing or bad signature fails. */
static int verify_signature(dl_client *c, const struct located *loc, const char *tmp, vz_err *e)
{
        _cleanup_free_ char *sig_url = NULL, *sig_tmp = NULL, *sig = NULL;
        bool use_gpg;
        int r;

        use_gpg = !c->opts.gpg_skip && c->opts.keyring && access(c->opts.keyring, R_OK) == 0;
        if (c->opts.gpg_required && !use_gpg)
                return vz_fail(e, DL_E_USAGE, -ENOKEY,
                               "signature check requested, but no readable keyring (%s): set "
                               "GPG_KEYRING in download.conf",
                               c->opts.keyring ? c->opts.keyring : "none set");
        if (use_gpg) {
                char gout[2048];
                sig_url = vz_strdupf("%s.asc", loc->url);
                sig_tmp = vz_strdupf("%s.asc", tmp);
                if (!sig_url || !sig_tmp) {
                        return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
                }
                r = get_mem(c, sig_url, &sig, e);
                if (r == -ENOENT) {
                        return vz_fail(e, DL_E_VERIFY, -ENOENT,
                                       "%s has no signature (%s), and a keyring is configured; "
                                       "nothing was saved",
                                       loc->url, sig_url);
                }
                if (r < 0)
                        return r;
                r = vz_write_file_replace(sig_tmp, sig, strlen(sig), 0600);
                if (r < 0)
                        return vz_fail(e, DL_E_DOWNLOAD, r, "cannot write %s: %s", sig_tmp,
                                       strerror(-r));
                r = run_gpgv(c->opts.keyring, sig_tmp, tmp, gout, sizeof(gout));
                unlink(sig_tmp);
                if (r < 0)
                        return vz_fail(e, DL_E_VERIFY, r, "cannot run gpgv: %s", strerror(-r));
                if (r != 0) {
                        char *nl;
                        while ((nl = strrchr(gout, '\n')) && !nl[1])
                                *nl = '\0';
                        nl = strrchr(gout, '\n');
                        return vz_fail(e, DL_E_VERIFY, -EBADMSG,
                                       "bad GPG signature on %s (gpgv: %s); nothing was saved",
                                       loc->url, nl ? nl + 1 : gout);
                }
                vz_info("Good signature on %s", loc->url);
        } else if (!loc->sums) {
                vz_warn("%s has no published checksum and no signature check is configured: "
                        "not verified",
                        loc->url);
        }
        return 0;
}

/* The downloaded file tmp (SHA-256 hex) against the repository's checksum
 * list and, with a keyring, the detached signature of loc->url. */
static int verify_download(dl_client *c, const struct located *loc, const char *tmp,
                           const char *hex, vz_err *e)
{
        char want[65];

        if (loc->sums && dl_find_sum(loc->sums, loc->file, want)) {
                if (!streq(want, hex))
                        return vz_fail(e, DL_E_VERIFY, -EBADMSG,
                                       "download of %s is corrupted: its SHA-256 is %s, the "
                                       "repository says %s; nothing was saved",
                                       loc->url, hex, want);
                vz_debug("%s: SHA-256 %s matches", loc->url, hex);
        } else if (loc->sums) {
                vz_warn("%s: the checksum list does not cover %s", loc->url, loc->file);
        }
        return verify_signature(c, loc, tmp, e);
}

int dl_fetch(dl_client *c, const char *name, const char *cache_dir, vz_err *e)
{
        _cleanup_free_ char *present = NULL, *tmp = NULL, *final = NULL, *label = NULL;
        _cleanup_close_ int fd = -1;
        struct located loc = {0};
        time_t if_newer = 0, mtime = 0;
        uint8_t sum[SHA256_DIGEST_SIZE];
        char hex[65];
        int r;

        if (isempty(name) || name[0] == '.' || strchr(name, '/'))
                return vz_fail(e, DL_E_USAGE, -EINVAL, "invalid template name '%s'", name);
        present = present_cache(cache_dir, name);
        if (present && !c->opts.update)
                return vz_fail(e, DL_E_EXISTS, -EEXIST,
                               "template %s is already present: %s (use --update to refresh it)",
                               name, present);
        r = locate(c, name, &loc, e);
        if (r < 0)
                goto out;
        final = vz_strdupf("%s/%s%s", cache_dir, name, loc.suffix);
        tmp = vz_strdupf("%s/.%s%s.XXXXXX", cache_dir, name, loc.suffix);
        label = vz_strdupf("Downloading %s", name);
        if (!final || !tmp || !label) {
                r = vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
                goto out;
        }
        if (present && streq(present, final)) {
                struct stat st;
                if (stat(present, &st) == 0)
                        if_newer = st.st_mtime;
        }
        r = vz_mkdir_p(cache_dir, 0755);
        if (r < 0) {
                r = vz_fail(e, DL_E_DOWNLOAD, r, "cannot create %s: %s", cache_dir, strerror(-r));
                goto out;
        }
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                r = vz_fail(e, DL_E_DOWNLOAD, -errno, "cannot create %s: %m", tmp);
                free(tmp);
                tmp = NULL;
                goto out;
        }
        (void)fchmod(fd, 0644);
        sha256_init(&c->sha);
        c->out_fd = fd;
        c->label = c->opts.progress ? label : NULL;
        vz_info("Downloading %s", loc.url);
        r = transfer(c, loc.url, if_newer, &mtime, e);
        c->out_fd = -1;
        c->label = NULL;
        if (r == -ENOENT)
                r = vz_fail(e, DL_E_DOWNLOAD, -ENOENT, "cannot download %s: not found", loc.url);
        if (r < 0)
                goto out;
        if (r == 304) {
                vz_info("%s is up to date", present);
                r = 1;
                goto out;
        }
        sha256_digest(&c->sha, sizeof(sum), sum);
        for (size_t i = 0; i < sizeof(sum); i++)
                snprintf(hex + 2 * i, 3, "%02x", sum[i]);

        r = verify_download(c, &loc, tmp, hex, e);
        if (r < 0)
                goto out;

        if (mtime > 0) {
                struct timespec ts[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
                (void)futimens(fd, ts);
        }
        if (fsync(fd) < 0) {
                r = vz_fail(e, DL_E_DOWNLOAD, -errno, "cannot write %s: %m", tmp);
                goto out;
        }
        if (rename(tmp, final) < 0) {
                r = vz_fail(e, DL_E_DOWNLOAD, -errno, "cannot create %s: %m", final);
                goto out;
        }
        free(tmp);
        tmp = NULL;
        /* An update in another compression replaces the old cache. */
        if (present && !streq(present, final) && unlink(present) < 0)
                vz_warn("cannot remove the old cache %s: %m", present);
        r = 0;
out:
        if (tmp)
                unlink(tmp);
        located_done(&loc);
        return r;
}

/* ------------------------------------------------------------ client */

int dl_client_new(dl_client **ret, const dl_opts *opts, vz_err *e)
{
        dl_client *c;
        size_t n = 0;

        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return vz_fail(e, DL_E_DOWNLOAD, -EIO, "cannot initialise libcurl");
        c = calloc(1, sizeof(*c));
        if (!c)
                return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
        c->opts = *opts;
        c->out_fd = -1;
        for (char **r = opts->repos; r && *r; r++)
                n++;
        c->repos = calloc(n ? n : 1, sizeof(*c->repos));
        c->curl = curl_easy_init();
        if (!c->repos || !c->curl) {
                dl_client_free(c);
                return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < n; i++) {
                const char *u = opts->repos[i];
                struct repo *rp = &c->repos[c->n_repos];

                rp->kind = _DL_REPO_KIND_INVALID;
                if (vz_startswith(u, "lxc:")) {
                        rp->kind = DL_REPO_LXC;
                        u += 4;
                } else if (vz_startswith(u, "openvz:")) {
                        rp->kind = DL_REPO_OPENVZ;
                        u += 7;
                }
                rp->url = strdup(u);
                if (!rp->url) {
                        dl_client_free(c);
                        return vz_fail(e, DL_E_DOWNLOAD, -ENOMEM, "out of memory");
                }
                vz_strip_trailing_slash(rp->url);
                c->n_repos++;
        }
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
        curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
        curl_easy_setopt(c->curl, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c->curl, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 30L);
        /* A stalled server: give up after a minute below 1 kB/s. */
        curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
        curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, 60L);
        curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "vztmpl-dl/" VZ_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
        curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https,ftp,ftps,file");
        curl_easy_setopt(c->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,ftp,ftps");
#endif
        *ret = c;
        return 0;
}

void dl_client_free(dl_client *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_repos; i++) {
                free(c->repos[i].url);
                free(c->repos[i].index);
                free(c->repos[i].sums);
        }
        free(c->repos);
        free(c->mem);
        if (c->curl)
                curl_easy_cleanup(c->curl);
        free(c);
        curl_global_cleanup();
}

/* ------------------------------------------------------------ download.conf */

static int conf_set(char ***vars, const char *key, const char *val)
{
        _cleanup_free_ char *kv = vz_strdupf("%s=%s", key, val);

        if (!kv)
                return -ENOMEM;
        return vz_strv_consume(vars, TAKE_PTR(kv));
}

static const char *conf_lookup(char **vars, const char *key, size_t klen)
{
        const char *found = NULL;

        for (char **v = vars; v && *v; v++)
                if (strncmp(*v, key, klen) == 0 && (*v)[klen] == '=')
                        found = *v + klen + 1; /* the last assignment wins */
        return found;
}

/* Unquote and expand one value. */
static char *conf_value(char **vars, const char *s)
{
        size_t cap = strlen(s) * 2 + 64, n = 0;
        char *out = malloc(cap), quote = 0;

        if (!out)
                return NULL;
        for (; *s; s++) {
                if (!quote && (*s == '"' || *s == '\'')) {
                        quote = *s;
                        continue;
                }
                if (quote && *s == quote) {
                        quote = 0;
                        continue;
                }
                if (!quote && *s == '#' && (n == 0 || isspace((unsigned char)out[n - 1])))
                        break;
                if (*s == '$' && quote != '\'') {
                        const char *k = s + 1, *end;
                        bool brace = *k == '{';
                        const char *v;

                        if (brace)
                                k++;
                        end = k;
                        while (isalnum((unsigned char)*end) || *end == '_')
                                end++;
                        v = conf_lookup(vars, k, (size_t)(end - k));
                        if (!v)
                                v = "";
                        if (n + strlen(v) + 1 >= cap) {
                                char *m;
                                cap = n + strlen(v) + strlen(s) + 64;
                                m = realloc(out, cap);
                                if (!m) {
                                        free(out);
                                        return NULL;
                                }
                                out = m;
                        }
                        memcpy(out + n, v, strlen(v));
                        n += strlen(v);
                        s = (brace && *end == '}') ? end : end - 1;
                        continue;
                }
                if (n + 2 >= cap) {
                        char *m;
                        cap *= 2;
                        m = realloc(out, cap);
                        if (!m) {
                                free(out);
                                return NULL;
                        }
                        out = m;
                }
                out[n++] = *s;
        }
        while (n > 0 && !quote && isspace((unsigned char)out[n - 1]))
                n--;
        out[n] = '\0';
        return out;
}

static bool yes(const char *v)
{
        return v && (streq(v, "yes") || streq(v, "1") || streq(v, "true"));
}

int dl_conf_read(const char *path, bool must_exist, dl_conf *ret, vz_err *e)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **lines = NULL, **vars = NULL;
        const char *v;
        int r;

        r = conf_set(&vars, "TMPL_REPO_PREFIX", "http://download.openvz.org/template/precreated");
        if (r >= 0)
                r = conf_set(&vars, "TEMPLATE_REPOS",
                             "$TMPL_REPO_PREFIX $TMPL_REPO_PREFIX/beta $TMPL_REPO_PREFIX/contrib");
        if (r < 0)
                return vz_fail(e, DL_E_USAGE, r, "out of memory");
        r = vz_read_file(path, 1u << 20, &text, NULL);
        if (r == -ENOENT && !must_exist)
                text = strdup("");
        else if (r < 0)
                return vz_fail(e, DL_E_USAGE, r, "cannot read %s: %s", path, strerror(-r));
        r = vz_strv_split(text ? text : "", "\n", &lines);
        if (r < 0)
                return vz_fail(e, DL_E_USAGE, r, "out of memory");
        for (char **l = lines; *l; l++) {
                char *s = *l, *eq;
                _cleanup_free_ char *val = NULL;

                while (isspace((unsigned char)*s))
                        s++;
                if (!*s || *s == '#')
                        continue;
                if (vz_startswith(s, "export "))
                        s += 7;
                eq = strchr(s, '=');
                if (!eq || eq == s)
                        return vz_fail(e, DL_E_USAGE, -EINVAL, "%s: cannot parse line '%s'", path,
                                       *l);
                *eq = '\0';
                for (char *k = s; *k; k++)
                        if (!isalnum((unsigned char)*k) && *k != '_')
                                return vz_fail(e, DL_E_USAGE, -EINVAL, "%s: bad variable name '%s'",
                                               path, s);
                val = conf_value(vars, eq + 1);
                if (!val || conf_set(&vars, s, val) < 0)
                        return vz_fail(e, DL_E_USAGE, -ENOMEM, "out of memory");
        }
        /* TEMPLATE_REPOS refers to TMPL_REPO_PREFIX as set by the file. */
        {
                const char *raw = conf_lookup(vars, "TEMPLATE_REPOS", 14);
                _cleanup_free_ char *exp = conf_value(vars, raw);
                if (!exp)
                        return vz_fail(e, DL_E_USAGE, -ENOMEM, "out of memory");
                *ret = (dl_conf){0};
                ret->template_repos = TAKE_PTR(exp);
        }
        v = conf_lookup(vars, "TMPL_REPO_PREFIX", 16);
        ret->repo_prefix = v ? strdup(v) : NULL;
        v = conf_lookup(vars, "GPG_KEYRING", 11);
        ret->keyring = v && *v ? strdup(v) : NULL;
        ret->update = yes(conf_lookup(vars, "UPDATE_TEMPLATE", 15));
        v = conf_lookup(vars, "CHECK_TEMPLATE_SIG", 18);
        ret->check_sig = v ? yes(v) : true;
        ret->quiet = yes(conf_lookup(vars, "QUIET", 5));
        return 0;
}

void dl_conf_done(dl_conf *c)
{
        free(c->template_repos);
        free(c->repo_prefix);
        free(c->keyring);
        *c = (dl_conf){0};
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OS template metadata (see meta.h): parsing and checking. Every value is
 * checked against a tight character set, because it ends up in the argv or
 * config file of a package manager run as root: nothing may start with '-',
 * contain whitespace, quotes or newlines, or name a path with a ".."
 * component.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "meta.h"

static const char *const builder_names[_TMPL_BUILDER_MAX] = {
    [TMPL_BUILDER_BUSYBOX] = "busybox",       [TMPL_BUILDER_DEBOOTSTRAP] = "debootstrap",
    [TMPL_BUILDER_MMDEBSTRAP] = "mmdebstrap", [TMPL_BUILDER_DNF] = "dnf",
    [TMPL_BUILDER_PACMAN] = "pacman",
};

const char *tmpl_builder_to_string(enum tmpl_builder b)
{
        return b >= 0 && b < _TMPL_BUILDER_MAX ? builder_names[b] : NULL;
}

enum tmpl_builder tmpl_builder_from_string(const char *s)
{
        for (int i = 0; s && i < _TMPL_BUILDER_MAX; i++)
                if (streq(s, builder_names[i]))
                        return (enum tmpl_builder)i;
        return _TMPL_BUILDER_INVALID;
}

void tmpl_meta_init(struct tmpl_meta *m)
{
        *m = (struct tmpl_meta){.builder = _TMPL_BUILDER_INVALID, .gpgcheck = true};
}

void tmpl_meta_done(struct tmpl_meta *m)
{
        free(m->distribution);
        free(m->release);
        free(m->arch);
        free(m->variant);
        free(m->components);
        free(m->keyring);
        free(m->rpm_dbpath);
        free(m->description);
        vz_strv_free(m->gpgkeys);
        vz_strv_free(m->packages);
        for (size_t i = 0; i < m->n_repos; i++) {
                free(m->repos[i].id);
                free(m->repos[i].url);
        }
        free(m->repos);
        free(m->pre_install);
        free(m->post_install);
        tmpl_meta_init(m);
}

/* ------------------------------------------------------------ checks */

/* [A-Za-z0-9] first, then [A-Za-z0-9 + extra], at most max bytes. */
static bool word_ok(const char *s, const char *extra, size_t max)
{
        size_t n = 0;

        if (!s || !isalnum((unsigned char)s[0]))
                return false;
        for (; s[n]; n++)
                if (n >= max || !(isalnum((unsigned char)s[n]) || strchr(extra, s[n])))
                        return false;
        return true;
}

bool tmpl_package_name_ok(const char *s, bool allow_group)
{
        /* Debian [a-z0-9][a-z0-9+.-]*, RPM also upper case and '_', pacman
         * '@'/'_'; an "@group" for dnf. Never a leading '-'. */
        if (allow_group && s && s[0] == '@')
                s++;
        return word_ok(s, "+._-", 200);
}

static bool path_chars_ok(const char *s, size_t max)
{
        size_t n = 0;

        for (; s[n]; n++) {
                unsigned char c = (unsigned char)s[n];
                if (n >= max || c <= 0x20 || c >= 0x7f || strchr("\"'`\\<>{}|^;&", c))
                        return false;
        }
        return n > 0;
}

/* No "." or ".." component, no empty component (after the leading '/'). */
static bool components_ok(const char *p)
{
        const char *c = p;

        while (*c) {
                size_t l = strcspn(c, "/");
                if ((l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                c += l;
                if (*c == '/') {
                        c++;
                        if (*c == '/')
                                return false;
                }
        }
        return true;
}

bool tmpl_abs_path_ok(const char *s)
{
        return s && s[0] == '/' && path_chars_ok(s, 4096) && components_ok(s + 1);
}

bool tmpl_url_ok(const char *s)
{
        static const char *const schemes[] = {"http://", "https://", "ftp://", "file:///"};
        const char *rest = NULL;

        if (!s || !path_chars_ok(s, 1024))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(schemes); i++)
                if (vz_startswith(s, schemes[i]))
                        rest = s + strlen(schemes[i]);
        if (!rest)
                return false;
        if (vz_startswith(s, "file:///"))
                return components_ok(rest);
        /* A host part, then no ".." path component. */
        if (!isalnum((unsigned char)rest[0]) && rest[0] != '[')
                return false;
        rest += strcspn(rest, "/");
        return *rest == '\0' || components_ok(rest + 1) || rest[1] == '\0';
}

static bool yesno(const char *v, bool *ret)
{
        if (streq(v, "yes"))
                *ret = true;
        else if (streq(v, "no"))
                *ret = false;
        else
                return false;
        return true;
}

static bool text_ok(const char *s)
{
        size_t n = 0;

        for (; s[n]; n++)
                if (n >= 256 || (unsigned char)s[n] < 0x20 || s[n] == 0x7f)
                        return false;
        return true;
}

static bool key_name_ok(const char *s)
{
        return word_ok(s, "._+-", 128);
}

/* ------------------------------------------------------------ lines */

/* Iterate over the lines of text[0..len): NUL bytes are an error. */
struct lines {
        const char *p, *end;
        unsigned no;
        char *line;
};

static int next_line(struct lines *l, const char *what, vz_err *e)
{
        const char *nl;
        size_t n;
        char *s;

        free(l->line);
        l->line = NULL;
        if (l->p >= l->end)
                return 0;
        nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
        n = nl ? (size_t)(nl - l->p) : (size_t)(l->end - l->p);
        l->no++;
        if (memchr(l->p, '\0', n))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "%s, line %u: NUL byte", what, l->no);
        s = strndup(l->p, n);
        if (!s)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        l->p += n + (nl ? 1 : 0);
        /* Trim; drop comments and blank lines by returning "". */
        while (n > 0 && isspace((unsigned char)s[n - 1]))
                s[--n] = '\0';
        {
                size_t lead = strspn(s, " \t\r\f\v");
                memmove(s, s + lead, n - lead + 1);
        }
        if (s[0] == '#')
                s[0] = '\0';
        l->line = s;
        return 1;
}

/* ------------------------------------------------------------ template.conf */

enum conf_key {
        K_BUILDER,
        K_DISTRIBUTION,
        K_RELEASE,
        K_ARCH,
        K_VARIANT,
        K_COMPONENTS,
        K_KEYRING,
        K_RPM_DBPATH,
        K_DESCRIPTION,
        K_GPGKEY,
        K_GPGCHECK,
        K_USE_HOST_MIRROR,
        _K_MAX,
};

static const char *const conf_keys[_K_MAX] = {
    [K_BUILDER] = "BUILDER",         [K_DISTRIBUTION] = "DISTRIBUTION",
    [K_RELEASE] = "RELEASE",         [K_ARCH] = "ARCH",
    [K_VARIANT] = "VARIANT",         [K_COMPONENTS] = "COMPONENTS",
    [K_KEYRING] = "KEYRING",         [K_RPM_DBPATH] = "RPM_DBPATH",
    [K_DESCRIPTION] = "DESCRIPTION", [K_GPGKEY] = "GPGKEY",
    [K_GPGCHECK] = "GPGCHECK",       [K_USE_HOST_MIRROR] = "USE_HOST_MIRROR",
};

static int set_conf(struct tmpl_meta *m, enum conf_key k, const char *v, unsigned no, vz_err *e)
{
        char **slot = NULL;
        bool ok = true;

        switch (k) {
        case K_BUILDER:
                m->builder = tmpl_builder_from_string(v);
                if (m->builder == _TMPL_BUILDER_INVALID)
                        return vz_fail(e, VZ_E_VALUE, -EINVAL,
                                       "template.conf, line %u: unknown BUILDER '%s' (known: "
                                       "busybox, debootstrap, mmdebstrap, dnf, pacman)",
                                       no, v);
                return 0;
        case K_GPGCHECK:
                ok = yesno(v, &m->gpgcheck);
                break;
        case K_USE_HOST_MIRROR:
                ok = yesno(v, &m->use_host_mirror);
                break;
        case K_DISTRIBUTION:
                slot = &m->distribution;
                ok = word_ok(v, "._-", 32) && !strpbrk(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
                break;
        case K_RELEASE:
                slot = &m->release;
                ok = word_ok(v, "._-", 64);
                break;
        case K_ARCH:
                slot = &m->arch;
                ok = word_ok(v, "_-", 32);
                break;
        case K_VARIANT:
                slot = &m->variant;
                ok = word_ok(v, "_-", 32);
                break;
        case K_COMPONENTS:
                slot = &m->components;
                ok = word_ok(v, ",_-", 256) && !strstr(v, ",,") && !vz_endswith(v, ",");
                for (const char *c = v; ok && *c; c++)
                        if (*c == ',' && !isalnum((unsigned char)c[1]))
                                ok = false;
                break;
        case K_KEYRING:
                slot = &m->keyring;
                ok = tmpl_abs_path_ok(v);
                break;
        case K_RPM_DBPATH:
                slot = &m->rpm_dbpath;
                ok = tmpl_abs_path_ok(v);
                break;
        case K_DESCRIPTION:
                slot = &m->description;
                ok = text_ok(v);
                break;
        case K_GPGKEY: {
                _cleanup_strv_free_ char **keys = NULL;

                if (vz_strv_split(v, " \t", &keys) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                if (vz_strv_length(keys) > 16)
                        ok = false;
                for (char **kk = keys; ok && *kk; kk++)
                        ok = (tmpl_url_ok(*kk) &&
                              (vz_startswith(*kk, "https://") || vz_startswith(*kk, "file:///"))) ||
                             key_name_ok(*kk);
                if (!ok)
                        break;
                vz_strv_free(m->gpgkeys);
                m->gpgkeys = TAKE_PTR(keys);
                return 0;
        }
        default:
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "template.conf: bad key");
        }
        if (!ok)
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "template.conf, line %u: invalid %s '%s'",
                               no, conf_keys[k], v);
        if (slot) {
                free(*slot);
                *slot = strdup(v);
                if (!*slot)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        }
        return 0;
}

int tmpl_meta_parse_conf(struct tmpl_meta *m, const char *text, size_t len, vz_err *e)
{
        struct lines l = {.p = text, .end = text + len};
        bool seen[_K_MAX] = {false};
        int r;

        if (len > TMPL_CONF_MAX)
                return vz_fail(e, VZ_E_VALUE, -EFBIG, "template.conf is larger than %u bytes",
                               TMPL_CONF_MAX);
        while ((r = next_line(&l, "template.conf", e)) > 0) {
                char *s = l.line, *eq, *v;
                int k = -1;

                if (!s[0])
                        continue;
                eq = strchr(s, '=');
                if (!eq) {
                        r = vz_fail(e, VZ_E_VALUE, -EINVAL,
                                    "template.conf, line %u: expected KEY=VALUE", l.no);
                        break;
                }
                *eq = '\0';
                v = eq + 1;
                for (int i = 0; i < _K_MAX; i++)
                        if (streq(s, conf_keys[i]))
                                k = i;
                if (k < 0) {
                        r = vz_fail(e, VZ_E_VALUE, -EINVAL,
                                    "template.conf, line %u: unknown key '%.64s'", l.no, s);
                        break;
                }
                if (seen[k]) {
                        r = vz_fail(e, VZ_E_VALUE, -EINVAL,
                                    "template.conf, line %u: %s given twice", l.no, s);
                        break;
                }
                seen[k] = true;
                if (v[0] == '"') {
                        char *q = strchr(v + 1, '"');
                        if (!q || q[1 + strspn(q + 1, " \t")] != '\0') {
                                r = vz_fail(e, VZ_E_VALUE, -EINVAL,
                                            "template.conf, line %u: unbalanced quotes", l.no);
                                break;
                        }
                        *q = '\0';
                        v++;
                } else if (strpbrk(v, " \t'\"\\`$")) {
                        r = vz_fail(e, VZ_E_VALUE, -EINVAL,
                                    "template.conf, line %u: a value with spaces or quotes "
                                    "must be in double quotes (no $, ` or \\ outside them)",
                                    l.no);
                        break;
                }
                if (!v[0])
                        continue; /* KEY= means the default */
                r = set_conf(m, (enum conf_key)k, v, l.no, e);
                if (r < 0)
                        break;
        }
        free(l.line);
        if (r < 0)
                return r;
        if (!seen[K_BUILDER] || m->builder == _TMPL_BUILDER_INVALID)
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "template.conf: no BUILDER");
        return 0;
}

/* ------------------------------------------------------------ packages */

int tmpl_meta_parse_packages(char ***packages, const char *text, size_t len, const char *what,
                             vz_err *e)
{
        struct lines l = {.p = text, .end = text + len};
        int r;

        if (len > TMPL_LIST_MAX)
                return vz_fail(e, VZ_E_VALUE, -EFBIG, "%s is larger than %u bytes", what,
                               TMPL_LIST_MAX);
        while ((r = next_line(&l, what, e)) > 0) {
                _cleanup_strv_free_ char **words = NULL;

                if (vz_strv_split(l.line, " \t", &words) < 0) {
                        r = vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                        break;
                }
                for (char **w = words; *w; w++) {
                        if (!tmpl_package_name_ok(*w, true)) {
                                r = vz_fail(e, VZ_E_VALUE, -EINVAL,
                                            "%s, line %u: invalid package name '%.64s'", what, l.no,
                                            *w);
                                goto out;
                        }
                        if (vz_strv_contains(*packages, *w))
                                continue;
                        if (vz_strv_length(*packages) >= TMPL_PACKAGES_MAX) {
                                r = vz_fail(e, VZ_E_VALUE, -E2BIG, "%s: more than %d packages",
                                            what, TMPL_PACKAGES_MAX);
                                goto out;
                        }
                        if (vz_strv_push(packages, *w) < 0) {
                                r = vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                                goto out;
                        }
                }
        }
out:
        free(l.line);
        return r < 0 ? r : 0;
}

/* ------------------------------------------------------------ repositories */

int tmpl_meta_parse_repos(struct tmpl_meta *m, const char *text, size_t len, vz_err *e)
{
        struct lines l = {.p = text, .end = text + len};
        int r;

        if (len > TMPL_LIST_MAX)
                return vz_fail(e, VZ_E_VALUE, -EFBIG, "repositories is larger than %u bytes",
                               TMPL_LIST_MAX);
        while ((r = next_line(&l, "repositories", e)) > 0) {
                _cleanup_strv_free_ char **w = NULL;
                struct tmpl_repo *n;

                if (!l.line[0])
                        continue;
                if (vz_strv_split(l.line, " \t", &w) < 0) {
                        r = vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                        break;
                }
                if (vz_strv_length(w) != 2) {
                        r = vz_fail(e, VZ_E_VALUE, -EINVAL,
                                    "repositories, line %u: expected '<id> <url>'", l.no);
                        break;
                }
                if (!word_ok(w[0], "._-", 64)) {
                        r = vz_fail(e, VZ_E_VALUE, -EINVAL,
                                    "repositories, line %u: invalid repository id '%.64s'", l.no,
                                    w[0]);
                        break;
                }
                if (!tmpl_url_ok(w[1])) {
                        r = vz_fail(e, VZ_E_VALUE, -EINVAL,
                                    "repositories, line %u: invalid URL '%.200s' (http, https, "
                                    "ftp or file:/// without '..', quotes or spaces)",
                                    l.no, w[1]);
                        break;
                }
                for (size_t i = 0; i < m->n_repos; i++)
                        if (streq(m->repos[i].id, w[0])) {
                                r = vz_fail(e, VZ_E_VALUE, -EINVAL,
                                            "repositories, line %u: repository '%s' given twice",
                                            l.no, w[0]);
                                goto out;
                        }
                if (m->n_repos >= TMPL_REPOS_MAX) {
                        r = vz_fail(e, VZ_E_VALUE, -E2BIG, "repositories: more than %d",
                                    TMPL_REPOS_MAX);
                        break;
                }
                n = realloc(m->repos, (m->n_repos + 1) * sizeof(*n));
                if (!n) {
                        r = vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                        break;
                }
                m->repos = n;
                m->repos[m->n_repos++] =
                    (struct tmpl_repo){.id = TAKE_PTR(w[0]), .url = TAKE_PTR(w[1])};
        }
out:
        free(l.line);
        return r < 0 ? r : 0;
}

/* ------------------------------------------------------------ check */

int tmpl_meta_check(const struct tmpl_meta *m, vz_err *e)
{
        enum tmpl_builder b = m->builder;
        const char *bn = tmpl_builder_to_string(b);
        bool debian = b == TMPL_BUILDER_DEBOOTSTRAP || b == TMPL_BUILDER_MMDEBSTRAP;

        if (!bn)
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "template.conf: no BUILDER");
        if (b == TMPL_BUILDER_BUSYBOX) {
                if (m->packages || m->n_repos || m->pre_install || m->post_install)
                        return vz_fail(e, VZ_E_VALUE, -EINVAL,
                                       "BUILDER=busybox takes no packages, repositories or "
                                       "scripts");
                return 0;
        }
        if ((debian || b == TMPL_BUILDER_DNF) && isempty(m->release))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "BUILDER=%s needs RELEASE", bn);
        if (m->n_repos == 0 && !(debian && m->use_host_mirror))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "BUILDER=%s needs a repositories file", bn);
        if (!debian && (m->variant || m->components || m->use_host_mirror))
                return vz_fail(e, VZ_E_VALUE, -EINVAL,
                               "VARIANT, COMPONENTS and USE_HOST_MIRROR are for debootstrap "
                               "and mmdebstrap only");
        if (m->use_host_mirror && isempty(m->distribution))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "USE_HOST_MIRROR=yes needs DISTRIBUTION");
        if (b != TMPL_BUILDER_DNF && (m->rpm_dbpath || m->gpgkeys))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "RPM_DBPATH and GPGKEY are for dnf only");
        if (b != TMPL_BUILDER_DNF)
                for (char **p = m->packages; p && *p; p++)
                        if (**p == '@')
                                return vz_fail(e, VZ_E_VALUE, -EINVAL,
                                               "package groups (%s) are for dnf only", *p);
        if (b == TMPL_BUILDER_DNF && m->gpgcheck && !m->gpgkeys)
                return vz_fail(e, VZ_E_VALUE, -EINVAL,
                               "BUILDER=dnf with GPGCHECK=yes needs GPGKEY");
        return 0;
}

/* ------------------------------------------------------------ loading */

/* Read a regular file name in dfd (never through a symlink, never a FIFO
 * or device) of at most max bytes. 0 and *ret = NULL if it does not exist
 * and is optional. */
static int read_at(int dfd, const char *dir, const char *name, size_t max, bool required,
                   char **ret, size_t *ret_len, vz_err *e)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t got = 0;

        *ret = NULL;
        *ret_len = 0;
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT && !required)
                        return 0;
                if (errno == ELOOP)
                        return vz_fail(e, VZ_E_VALUE, -ELOOP,
                                       "%s/%s is a symbolic link: not allowed in template "
                                       "metadata",
                                       dir, name);
                return vz_fail(e, errno == ENOENT ? VZ_E_VALUE : VZ_E_SYSTEM, -errno,
                               "cannot read %s/%s: %m", dir, name);
        }
        if (fstat(fd, &st) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot read %s/%s: %m", dir, name);
        if (!S_ISREG(st.st_mode))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "%s/%s is not a regular file", dir, name);
        if ((uint64_t)st.st_size > max)
                return vz_fail(e, VZ_E_VALUE, -EFBIG, "%s/%s is larger than %zu bytes", dir, name,
                               max);
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        while (got < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot read %s/%s: %m", dir, name);
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        buf[got] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_len = got;
        return 0;
}

static int load_keys(struct tmpl_meta *m, int tdir, const char *dir, const char *keys_dir,
                     vz_err *e)
{
        _cleanup_close_ int kfd = -1;
        _cleanup_free_ char *kdir = vz_strdupf("%s/keys", dir);

        if (!kdir)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        for (char **k = m->gpgkeys; k && *k; k++) {
                _cleanup_free_ char *data = NULL, *copy = NULL, *url = NULL;
                size_t len;
                int r;

                if (strchr(*k, ':'))
                        continue; /* a URL */
                if (kfd < 0) {
                        kfd = openat(tdir, "keys", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (kfd < 0)
                                return vz_fail(e, VZ_E_VALUE, -errno,
                                               "GPGKEY %s: cannot open %s (a directory, not a "
                                               "symbolic link): %m",
                                               *k, kdir);
                }
                r = read_at(kfd, kdir, *k, TMPL_KEY_MAX, true, &data, &len, e);
                if (r < 0)
                        return r;
                if (!keys_dir)
                        continue;
                copy = vz_strdupf("%s/%s", keys_dir, *k);
                url = vz_strdupf("file://%s", copy ? copy : "");
                if (!copy || !url)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                r = vz_write_file_replace(copy, data, len, 0644);
                if (r < 0)
                        return vz_fail(e, VZ_E_SYSTEM, r, "cannot write %s: %s", copy,
                                       strerror(-r));
                free(*k);
                *k = TAKE_PTR(url);
        }
        return 0;
}

int tmpl_meta_load(int dir_fd, const char *name, const char *keys_dir, struct tmpl_meta *m,
                   vz_err *e)
{
        _cleanup_close_ int tdir = -1;
        _cleanup_free_ char *conf = NULL, *pk = NULL, *rp = NULL;
        size_t len;
        int r;

        tmpl_meta_init(m);
        tdir = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (tdir < 0 && (errno == ELOOP || errno == ENOTDIR))
                return vz_fail(e, VZ_E_VALUE, -errno,
                               "template metadata %s is not a directory (symbolic links are not "
                               "followed)",
                               name);
        if (tdir < 0)
                return vz_fail(e, errno == ENOENT ? VZ_E_VALUE : VZ_E_SYSTEM, -errno,
                               "cannot open template metadata %s: %m", name);
        r = read_at(tdir, name, "template.conf", TMPL_CONF_MAX, true, &conf, &len, e);
        if (r >= 0)
                r = tmpl_meta_parse_conf(m, conf, len, e);
        if (r >= 0)
                r = read_at(tdir, name, "packages", TMPL_LIST_MAX, false, &pk, &len, e);
        if (r >= 0 && pk)
                r = tmpl_meta_parse_packages(&m->packages, pk, len, "packages", e);
        if (r >= 0)
                r = read_at(tdir, name, "repositories", TMPL_LIST_MAX, false, &rp, &len, e);
        if (r >= 0 && rp)
                r = tmpl_meta_parse_repos(m, rp, len, e);
        if (r >= 0)
                r = read_at(tdir, name, "pre-install", TMPL_SCRIPT_MAX, false, &m->pre_install,
                            &m->pre_install_len, e);
        if (r >= 0)
                r = read_at(tdir, name, "post-install", TMPL_SCRIPT_MAX, false, &m->post_install,
                            &m->post_install_len, e);
        if (r >= 0)
                r = tmpl_meta_check(m, e);
        if (r >= 0)
                r = load_keys(m, tdir, name, keys_dir, e);
        if (r < 0) {
                /* Name the template in the message once. */
                if (!strstr(e->msg, name)) {
                        _cleanup_free_ char *tmp = vz_strdupf("template %s: %s", name, e->msg);
                        if (tmp)
                                snprintf(e->msg, sizeof(e->msg), "%.*s", (int)sizeof(e->msg) - 1,
                                         tmp);
                }
                tmpl_meta_done(m);
        }
        return r;
}

/* ------------------------------------------------------------ host mirror */

static bool suite_is_main(const char *s)
{
        return word_ok(s, "._", 64); /* no "-security", "-updates", "-backports" */
}

static bool uri_usable(const char *u)
{
        return tmpl_url_ok(u) && !strstr(u, "security");
}

static char *trimmed_uri(const char *u)
{
        char *s = strdup(u);
        size_t n = s ? strlen(s) : 0;

        while (n > 1 && s[n - 1] == '/')
                s[--n] = '\0';
        return s;
}

/* One-line format: deb [opts] uri suite [component...] */
static char *mirror_from_list(const char *text)
{
        _cleanup_strv_free_ char **lines = NULL;

        if (vz_strv_split(text, "\n", &lines) < 0)
                return NULL;
        for (char **l = lines; *l; l++) {
                _cleanup_strv_free_ char **w = NULL;
                size_t i = 1;

                if (vz_strv_split(*l, " \t", &w) < 0)
                        return NULL;
                if (!w[0] || !streq(w[0], "deb"))
                        continue;
                if (w[i] && w[i][0] == '[') {
                        while (w[i] && !vz_endswith(w[i], "]"))
                                i++;
                        if (w[i])
                                i++;
                }
                if (w[i] && w[i + 1] && uri_usable(w[i]) && suite_is_main(w[i + 1]))
                        return trimmed_uri(w[i]);
        }
        return NULL;
}

/* deb822 format: paragraphs of "Field: value" (a value may continue on
 * lines starting with a space), ended by a blank line. */
struct deb822_para {
        char *types, *uris, *suites, *enabled;
};

static void para_clear(struct deb822_para *pp)
{
        free(pp->types);
        free(pp->uris);
        free(pp->suites);
        free(pp->enabled);
        *pp = (struct deb822_para){0};
}

static char *para_mirror(const struct deb822_para *pp)
{
        _cleanup_strv_free_ char **t = NULL, **u = NULL, **s = NULL;
        bool main_suite = false;

        if (!pp->types || !pp->uris || !pp->suites || (pp->enabled && strstr(pp->enabled, "no")))
                return NULL;
        if (vz_strv_split(pp->types, " \t", &t) < 0 || vz_strv_split(pp->uris, " \t", &u) < 0 ||
            vz_strv_split(pp->suites, " \t", &s) < 0)
                return NULL;
        for (char **x = s; *x; x++)
                main_suite = main_suite || suite_is_main(*x);
        if (!vz_strv_contains(t, "deb") || !main_suite)
                return NULL;
        for (char **x = u; *x; x++)
                if (uri_usable(*x))
                        return trimmed_uri(*x);
        return NULL;
}

static char *mirror_from_sources(const char *text)
{
        struct deb822_para pp = {0};
        char **cur = NULL, *found = NULL;

        for (const char *p = text; *p && !found;) {
                size_t n = strcspn(p, "\n");
                _cleanup_free_ char *line = strndup(p, n);

                p += n + (p[n] == '\n');
                if (!line)
                        break;
                if (line[0] == '#')
                        continue;
                if (line[strspn(line, " \t\r")] == '\0') {
                        found = para_mirror(&pp);
                        para_clear(&pp);
                        cur = NULL;
                } else if (line[0] == ' ' || line[0] == '\t') {
                        if (cur && *cur) {
                                char *j = vz_strdupf("%s %s", *cur, line);
                                if (j) {
                                        free(*cur);
                                        *cur = j;
                                }
                        }
                } else {
                        char *c = strchr(line, ':');

                        cur = NULL;
                        if (!c)
                                continue;
                        *c = '\0';
                        cur = strcasecmp(line, "Types") == 0     ? &pp.types
                              : strcasecmp(line, "URIs") == 0    ? &pp.uris
                              : strcasecmp(line, "Suites") == 0  ? &pp.suites
                              : strcasecmp(line, "Enabled") == 0 ? &pp.enabled
                                                                 : NULL;
                        if (cur) {
                                free(*cur);
                                *cur = strdup(c + 1 + strspn(c + 1, " \t"));
                        }
                }
        }
        if (!found)
                found = para_mirror(&pp);
        para_clear(&pp);
        return found;
}

static int mirror_from_file(const char *path, bool deb822, char **ret)
{
        _cleanup_free_ char *text = NULL;
        size_t len;

        if (vz_read_file(path, TMPL_LIST_MAX, &text, &len) < 0)
                return 0;
        if (memchr(text, '\0', len))
                return 0;
        *ret = deb822 ? mirror_from_sources(text) : mirror_from_list(text);
        return *ret ? 1 : 0;
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int tmpl_host_mirror(const char *apt_dir, const char *os_release, const char *distribution,
                     char **ret)
{
        _cleanup_free_ char *osr = NULL, *p = NULL, *dpath = NULL;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        size_t len;
        bool same = false;
        int r;

        *ret = NULL;
        if (isempty(distribution) || vz_read_file(os_release, 64u << 10, &osr, &len) < 0)
                return 0;
        {
                _cleanup_strv_free_ char **lines = NULL;
                if (vz_strv_split(osr, "\n", &lines) < 0)
                        return -ENOMEM;
                for (char **l = lines; *l; l++) {
                        const char *v;
                        if (!vz_startswith(*l, "ID="))
                                continue;
                        v = *l + 3;
                        if (*v == '"' || *v == '\'')
                                v++;
                        same = strneq(v, distribution, strlen(distribution)) &&
                               strchr("\"'", v[strlen(distribution)]);
                }
        }
        if (!same)
                return 0;
        p = vz_strdupf("%s/sources.list", apt_dir);
        dpath = vz_strdupf("%s/sources.list.d", apt_dir);
        if (!p || !dpath)
                return -ENOMEM;
        r = mirror_from_file(p, false, ret);
        if (r != 0)
                return r < 0 ? r : 0;
        d = opendir(dpath);
        if (!d)
                return 0;
        names = calloc(1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' &&
                    (vz_endswith(de->d_name, ".list") || vz_endswith(de->d_name, ".sources")) &&
                    vz_strv_push(&names, de->d_name) < 0)
                        return -ENOMEM;
        qsort(names, vz_strv_length(names), sizeof(char *), name_cmp);
        for (char **n = names; *n; n++) {
                _cleanup_free_ char *f = vz_strdupf("%s/%s", dpath, *n);
                if (!f)
                        return -ENOMEM;
                r = mirror_from_file(f, vz_endswith(*n, ".sources"), ret);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        return 0;
}

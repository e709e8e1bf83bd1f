/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building a root file system from template metadata with the
 * distribution's own tool: debootstrap or mmdebstrap (Debian, Ubuntu),
 * dnf --installroot (Fedora, AlmaLinux, Rocky), pacman -r (Arch).
 *
 * Order: pre-install script (sandboxed, busybox shell, the root still
 * empty), the package manager, post-install script (sandboxed, the root's
 * own /bin/sh). What pre-install leaves must be plain files and
 * directories: the package manager runs on the host side and must not meet
 * a symlink pointing out of the root.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "util.h"
#include "build.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ------------------------------------------------------------ helpers */

static int fail_program(const char *prog, int st, const struct tmpl_log *log, int code, vz_err *e)
{
        char tail[600];

        if (st < 0)
                return vz_fail(e, VZ_E_SYSTEM, st, "cannot run %s: %s%s", prog, strerror(-st),
                               st == -ENOENT ? " (is it installed? see scripts/install-deps)" : "");
        return vz_fail(e, code, -EIO, "%s failed with status %d%s", prog, st,
                       tmpl_log_tail(log, tail, sizeof(tail)));
}

static int run_logged(const char *prog, char *const argv[], char *const envp[], vz_err *e)
{
        struct tmpl_log log = {.prefix = prog};
        int st = tmpl_run_program(argv, envp, true, tmpl_log_line, &log);
        int r = st == 0 ? 0 : fail_program(prog, st, &log, VZ_E_SYSTEM, e);

        tmpl_log_done(&log);
        return r;
}

/* Only plain files and directories (pre-install's output). nftw's callback
 * has no context argument: the offender found is the thread's. */
static _Thread_local const char *walk_bad;
static int walk_check(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)ftw;
        if (flag == FTW_SL || flag == FTW_SLN || (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))) {
                walk_bad = strdup(p);
                return 1;
        }
        return 0;
}

static int check_plain_tree(const char *root, const char *what, vz_err *e)
{
        int r;

        walk_bad = NULL;
        r = nftw(root, walk_check, 32, FTW_PHYS | FTW_MOUNT);
        if (r > 0) {
                _cleanup_free_ char *bad = (char *)walk_bad;
                walk_bad = NULL;
                return vz_fail(e, VZ_E_ACTIONSCRIPT, -EPERM,
                               "%s left %s, which is not a regular file or directory (only those "
                               "are allowed before the packages are installed)",
                               what, bad ? bad + strlen(root) : "something");
        }
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot read %s: %m", root);
        return 0;
}

/* mkdir -p of rel under root, never through a symlink. */
static int mkdir_in(const char *root, const char *rel, vz_err *e)
{
        _cleanup_free_ char *copy = strdup(rel);
        char *save = NULL;
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (!copy || fd < 0) {
                if (fd >= 0)
                        close(fd);
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "cannot open %s", root);
        }
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                int n;

                if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST) {
                        close(fd);
                        return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot create %s/%s: %m", root,
                                       rel);
                }
                n = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                close(fd);
                if (n < 0)
                        return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot open %s/%s: %m", root, rel);
                fd = n;
        }
        close(fd);
        return 0;
}

static int write_aux(const char *aux, const char *name, const char *text, char **ret_path,
                     vz_err *e)
{
        _cleanup_free_ char *p = vz_strdupf("%s/%s", aux, name);
        int r;

        if (!p)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        r = vz_write_file_replace(p, text, strlen(text), 0644);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot write %s: %s", p, strerror(-r));
        if (ret_path)
                *ret_path = TAKE_PTR(p);
        return 0;
}

static int run_script(const char *root, const char *name, const char *what, const char *text,
                      size_t len, bool busybox, char *const envp[], vz_err *e)
{
        struct tmpl_log log = {.prefix = what};
        char tail[600];
        int st;

        vz_info("Running the %s script of %s", what, name);
        st = tmpl_run_script(root, text, len, busybox, envp, tmpl_log_line, &log);
        if (st != 0) {
                int r = st < 0 ? vz_fail(e, VZ_E_SYSTEM, st, "cannot run the %s script: %s", what,
                                         strerror(-st))
                               : vz_fail(e, VZ_E_ACTIONSCRIPT, -EIO,
                                         "the %s script of %s failed with status %d%s", what, name,
                                         st, tmpl_log_tail(&log, tail, sizeof(tail)));
                tmpl_log_done(&log);
                return r;
        }
        tmpl_log_done(&log);
        return 0;
}

/* ------------------------------------------------------------ builders */

struct plan {
        const char *name, *root, *aux, *release, *mirror;
        const struct tmpl_meta *m;
        char **packages;
};

static int build_debian(const struct plan *p, vz_err *e)
{
        const struct tmpl_meta *m = p->m;
        bool mm = m->builder == TMPL_BUILDER_MMDEBSTRAP;
        const char *prog = mm ? "mmdebstrap" : "debootstrap";
        _cleanup_free_ char *variant = NULL, *arch = NULL, *comp = NULL, *keyring = NULL,
                            *include = NULL, *pkgs = NULL;
        char *argv[16];
        size_t k = 0;

        if (m->keyring && access(m->keyring, R_OK) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno,
                               "keyring %s of %s: %m (install the distribution's keyring "
                               "package)",
                               m->keyring, p->name);
        pkgs = vz_strv_join(p->packages, ",");
        if (!pkgs)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        argv[k++] = (char *)prog;
        if (m->variant && (variant = vz_strdupf("--variant=%s", m->variant)))
                argv[k++] = variant;
        if (m->arch && (arch = vz_strdupf(mm ? "--architectures=%s" : "--arch=%s", m->arch)))
                argv[k++] = arch;
        if (m->components && (comp = vz_strdupf("--components=%s", m->components)))
                argv[k++] = comp;
        if (m->keyring && (keyring = vz_strdupf("--keyring=%s", m->keyring)))
                argv[k++] = keyring;
        if (*pkgs && (include = vz_strdupf("--include=%s", pkgs)))
                argv[k++] = include;
        if (!m->gpgcheck)
                argv[k++] = mm ? (char *)"--aptopt=Acquire::AllowInsecureRepositories \"true\""
                               : (char *)"--no-check-gpg";
        if (mm)
                argv[k++] = (char *)"--skip=check/empty";
        argv[k++] = (char *)p->release;
        argv[k++] = (char *)p->root;
        argv[k++] = (char *)p->mirror;
        argv[k] = NULL;
        vz_info("Running %s %s %s from %s", prog, p->release, m->arch ? m->arch : "", p->mirror);
        return run_logged(prog, argv, NULL, e);
}

static int build_dnf(const struct plan *p, vz_err *e)
{
        const struct tmpl_meta *m = p->m;
        _cleanup_free_ char *conf = NULL, *conf_path = NULL, *reposd = NULL, *root_opt = NULL,
                            *rel_opt = NULL, *conf_opt = NULL, *reposd_opt = NULL, *arch_opt = NULL,
                            *keys = NULL, *home = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        struct utsname u;
        char *envp[5];
        size_t len = 0;
        FILE *f;
        int r;

        reposd = vz_strdupf("%s/repos.d", p->aux);
        keys = m->gpgkeys ? vz_strv_join(m->gpgkeys, " ") : strdup("");
        if (!reposd || !keys)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        if (mkdir(reposd, 0700) < 0 && errno != EEXIST)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot create %s: %m", reposd);
        f = open_memstream(&conf, &len);
        if (!f)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        fprintf(f,
                "# written by vzpkg for %s\n[main]\ngpgcheck=%d\ninstall_weak_deps=False\n"
                "keepcache=False\nreposdir=%s\nplugins=False\n",
                p->name, m->gpgcheck, reposd);
        for (size_t i = 0; i < m->n_repos; i++)
                fprintf(f, "\n[%s]\nname=%s\nbaseurl=%s\nenabled=1\ngpgcheck=%d\n%s%s%s",
                        m->repos[i].id, m->repos[i].id, m->repos[i].url, m->gpgcheck,
                        *keys ? "gpgkey=" : "", keys, *keys ? "\n" : "");
        if (fclose(f) != 0)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        r = write_aux(p->aux, "dnf.conf", conf, &conf_path, e);
        if (r < 0)
                return r;
        /* rpm's database inside the root: Debian's rpm defaults to ~/.rpmdb. */
        if (m->rpm_dbpath) {
                _cleanup_free_ char *mac = vz_strdupf("%%_dbpath %s\n", m->rpm_dbpath);
                if (!mac)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                r = write_aux(p->aux, ".rpmmacros", mac, NULL, e);
                if (r < 0)
                        return r;
        }
        root_opt = vz_strdupf("--installroot=%s", p->root);
        rel_opt = vz_strdupf("--releasever=%s", p->release);
        conf_opt = vz_strdupf("--config=%s", conf_path);
        reposd_opt = vz_strdupf("--setopt=reposdir=%s", reposd);
        home = vz_strdupf("HOME=%s", p->aux);
        if (!root_opt || !rel_opt || !conf_opt || !reposd_opt || !home)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        if (vz_strv_push(&argv, "dnf") < 0 || vz_strv_push(&argv, "-y") < 0 ||
            vz_strv_push(&argv, "--noplugins") < 0 || vz_strv_push(&argv, root_opt) < 0 ||
            vz_strv_push(&argv, rel_opt) < 0 || vz_strv_push(&argv, conf_opt) < 0 ||
            vz_strv_push(&argv, reposd_opt) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        if (m->arch && uname(&u) == 0 && !streq(u.machine, m->arch)) {
                arch_opt = vz_strdupf("--forcearch=%s", m->arch);
                if (!arch_opt || vz_strv_push(&argv, arch_opt) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        }
        if (vz_strv_push(&argv, "install") < 0)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        for (char **pk = p->packages; *pk; pk++)
                if (vz_strv_push(&argv, *pk) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        envp[0] = home;
        envp[1] = (char *)"PATH=" DEFAULT_PATH;
        envp[2] = (char *)"LANG=C.UTF-8";
        envp[3] = (char *)"TMPDIR=/tmp";
        envp[4] = NULL;
        vz_info("Running dnf --installroot (release %s) for %s", p->release, p->name);
        return run_logged("dnf", argv, envp, e);
}

static int build_pacman(const struct plan *p, vz_err *e)
{
        const struct tmpl_meta *m = p->m;
        _cleanup_free_ char *conf = NULL, *conf_path = NULL, *db = NULL, *cache = NULL, *log = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        size_t len = 0;
        FILE *f;
        int r;

        r = mkdir_in(p->root, "var/lib/pacman", e);
        if (r < 0)
                return r;
        f = open_memstream(&conf, &len);
        if (!f)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        fprintf(f, "# written by vzpkg for %s\n[options]\nArchitecture = %s\nSigLevel = %s\n",
                p->name, m->arch ? m->arch : "auto",
                m->gpgcheck ? "Required DatabaseOptional" : "Never");
        for (size_t i = 0; i < m->n_repos; i++)
                fprintf(f, "\n[%s]\nServer = %s\n", m->repos[i].id, m->repos[i].url);
        if (fclose(f) != 0)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        r = write_aux(p->aux, "pacman.conf", conf, &conf_path, e);
        if (r < 0)
                return r;
        db = vz_strdupf("%s/var/lib/pacman", p->root);
        cache = vz_strdupf("%s/pkg", p->aux);
        log = vz_strdupf("%s/pacman.log", p->aux);
        if (!db || !cache || !log)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        if (mkdir(cache, 0700) < 0 && errno != EEXIST)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot create %s: %m", cache);
        {
                const char *fixed[] = {"pacman",    "-Sy",     "--noconfirm", "--noprogressbar",
                                       "--root",    p->root,   "--dbpath",    db,
                                       "--config",  conf_path, "--cachedir",  cache,
                                       "--logfile", log};
                for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                        if (vz_strv_push(&argv, fixed[i]) < 0)
                                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        }
        if (m->keyring &&
            (vz_strv_push(&argv, "--gpgdir") < 0 || vz_strv_push(&argv, m->keyring) < 0))
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        for (char **pk = p->packages; *pk; pk++)
                if (vz_strv_push(&argv, *pk) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        vz_info("Running pacman -r for %s", p->name);
        return run_logged("pacman", argv, NULL, e);
}

/* ------------------------------------------------------------ entry */

static int resolve_mirror(vz_ctx *ctx, const struct tmpl_meta *m, const vz_cache_opts *opts,
                          char **ret, vz_err *e)
{
        const char *v = opts && !isempty(opts->mirror) ? opts->mirror : NULL;
        _cleanup_free_ char *host = NULL;

        if (!v && m->distribution && streq(m->distribution, "debian"))
                v = vz_ctx_get(ctx, "VZPKG_MIRROR");
        if (isempty(v) && m->use_host_mirror) {
                if (tmpl_host_mirror("/etc/apt", "/etc/os-release", m->distribution, &host) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                v = host;
                if (host)
                        vz_debug("using the host's mirror %s", host);
        }
        if (isempty(v) && m->n_repos > 0)
                v = m->repos[0].url;
        if (isempty(v))
                return vz_fail(e, VZ_E_VALUE, -EINVAL,
                               "no mirror for %s: the host has none for %s in /etc/apt and "
                               "the metadata lists no repository",
                               m->distribution ? m->distribution : "it",
                               m->distribution ? m->distribution : "it");
        if (!tmpl_url_ok(v))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "invalid mirror '%s'", v);
        *ret = strdup(v);
        return *ret ? 0 : vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
}

int tmpl_build_tree(vz_ctx *ctx, const char *name, const struct tmpl_meta *m,
                    const vz_cache_opts *opts, const char *root, const char *aux, vz_err *e)
{
        _cleanup_strv_free_ char **packages = NULL;
        _cleanup_free_ char *mirror = NULL, *env_name = NULL, *env_rel = NULL, *env_arch = NULL;
        bool debian =
            m->builder == TMPL_BUILDER_DEBOOTSTRAP || m->builder == TMPL_BUILDER_MMDEBSTRAP;
        struct plan p = {.name = name, .root = root, .aux = aux, .m = m};
        char *envp[8];
        int r;

        if (geteuid() != 0)
                return vz_fail(e, VZ_E_SYSTEM, -EPERM, "building the cache of %s needs root (%s)",
                               name, tmpl_builder_to_string(m->builder));
        packages = calloc(1, sizeof(char *));
        if (!packages)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        for (char **pk = m->packages; pk && *pk; pk++)
                if (vz_strv_push(&packages, *pk) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        if (opts && !isempty(opts->packages)) {
                _cleanup_strv_free_ char **extra = NULL;

                if (vz_strv_split(opts->packages, ",", &extra) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                for (char **x = extra; *x; x++) {
                        if (!tmpl_package_name_ok(*x, m->builder == TMPL_BUILDER_DNF))
                                return vz_fail(e, VZ_E_VALUE, -EINVAL, "invalid package list '%s'",
                                               opts->packages);
                        if (!vz_strv_contains(packages, *x) && vz_strv_push(&packages, *x) < 0)
                                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                }
        }
        p.packages = packages;
        p.release = opts && !isempty(opts->suite) ? opts->suite : m->release;
        if (p.release && !tmpl_package_name_ok(p.release, false))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "invalid suite/release '%s'", p.release);
        if (opts && !isempty(opts->mirror) && !debian)
                return vz_fail(e, VZ_E_VALUE, -EINVAL,
                               "--mirror is for debootstrap and mmdebstrap templates; %s uses "
                               "its repositories file",
                               name);
        if (m->builder != TMPL_BUILDER_DNF && m->builder != TMPL_BUILDER_PACMAN && !debian)
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "template %s: not a tree builder", name);
        if (debian) {
                r = resolve_mirror(ctx, m, opts, &mirror, e);
                if (r < 0)
                        return r;
                p.mirror = mirror;
        }
        if (m->builder != TMPL_BUILDER_DEBOOTSTRAP && m->builder != TMPL_BUILDER_MMDEBSTRAP &&
            !packages[0])
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "template %s: no packages to install", name);

        env_name = vz_strdupf("VZ_OSTEMPLATE=%s", name);
        env_rel = vz_strdupf("VZ_RELEASE=%s", p.release ? p.release : "");
        env_arch = vz_strdupf("VZ_ARCH=%s", m->arch ? m->arch : "");
        if (!env_name || !env_rel || !env_arch)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        envp[0] = (char *)"PATH=" DEFAULT_PATH;
        envp[1] = (char *)"HOME=/root";
        envp[2] = (char *)"LC_ALL=C";
        envp[3] = (char *)"DEBIAN_FRONTEND=noninteractive";
        envp[4] = env_name;
        envp[5] = env_rel;
        envp[6] = env_arch;
        envp[7] = NULL;

        if (m->pre_install) {
                r = run_script(root, name, "pre-install", m->pre_install, m->pre_install_len, true,
                               envp, e);
                if (r >= 0)
                        r = check_plain_tree(root, "the pre-install script", e);
                if (r < 0)
                        return r;
        }
        switch (m->builder) {
        case TMPL_BUILDER_DEBOOTSTRAP:
        case TMPL_BUILDER_MMDEBSTRAP:
                r = build_debian(&p, e);
                break;
        case TMPL_BUILDER_DNF:
                r = build_dnf(&p, e);
                break;
        default:
                r = build_pacman(&p, e);
                break;
        }
        if (r < 0)
                return r;
        if (m->post_install) {
                r = run_script(root, name, "post-install", m->post_install, m->post_install_len,
                               false, envp, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

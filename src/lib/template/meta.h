/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OS template metadata: one directory per OS template,
 * <confdir>/templates/<name>/, holding
 *
 *   template.conf   KEY=VALUE lines (BUILDER, DISTRIBUTION, RELEASE, ARCH, ...)
 *   packages        one package per line
 *   repositories    "<id> <url>" per line
 *   pre-install     script run chrooted in the new root before the packages
 *   post-install    script run chrooted in the new root after them
 *   keys/           GPG key files named by GPGKEY
 *
 * Everything here is untrusted input: values are checked against tight
 * character sets (nothing can become an option of the package manager, no
 * path may leave the metadata directory), sizes are bounded.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <vz/vz.h>

enum tmpl_builder {
        TMPL_BUILDER_BUSYBOX,
        TMPL_BUILDER_DEBOOTSTRAP,
        TMPL_BUILDER_MMDEBSTRAP,
        TMPL_BUILDER_DNF,
        TMPL_BUILDER_PACMAN,
        _TMPL_BUILDER_MAX,
        _TMPL_BUILDER_INVALID = -1,
};

const char *tmpl_builder_to_string(enum tmpl_builder b);
enum tmpl_builder tmpl_builder_from_string(const char *s);

struct tmpl_repo {
        char *id;
        char *url;
};

struct tmpl_meta {
        enum tmpl_builder builder;
        char *distribution; /* debian, ubuntu, fedora, ... (for the host mirror) */
        char *release;      /* suite (debootstrap) or releasever (dnf) */
        char *arch;         /* the package manager's name for it */
        char *variant;      /* debootstrap/mmdebstrap --variant */
        char *components;   /* main,contrib,... */
        char *keyring;      /* absolute host path: keyring file, or pacman's gpgdir */
        char *rpm_dbpath;   /* %_dbpath for rpm inside the new root */
        char *description;
        char **gpgkeys; /* dnf gpgkey= values: https:// or file:/// URLs */
        bool gpgcheck;
        bool use_host_mirror;
        char **packages;
        struct tmpl_repo *repos;
        size_t n_repos;
        char *pre_install, *post_install; /* script texts, NULL if none */
        size_t pre_install_len, post_install_len;
};

#define TMPL_CONF_MAX     (64u << 10)
#define TMPL_LIST_MAX     (1u << 20)
#define TMPL_SCRIPT_MAX   (1u << 20)
#define TMPL_KEY_MAX      (1u << 20)
#define TMPL_PACKAGES_MAX 4096
#define TMPL_REPOS_MAX    64

void tmpl_meta_init(struct tmpl_meta *m);
void tmpl_meta_done(struct tmpl_meta *m);

/* Text parsers (also what the fuzzer drives). text need not be
 * NUL-terminated; what: the file name for messages. */
int tmpl_meta_parse_conf(struct tmpl_meta *m, const char *text, size_t len, vz_err *e);
int tmpl_meta_parse_packages(char ***packages, const char *text, size_t len, const char *what,
                             vz_err *e);
int tmpl_meta_parse_repos(struct tmpl_meta *m, const char *text, size_t len, vz_err *e);
/* Checks across fields (a builder's required fields). */
int tmpl_meta_check(const struct tmpl_meta *m, vz_err *e);

bool tmpl_package_name_ok(const char *s, bool allow_group);
bool tmpl_url_ok(const char *s);
bool tmpl_abs_path_ok(const char *s);

/* Read <dir_fd>/<name>/ (dir_fd: the templates directory). gpgkeys naming a
 * file in keys/ are turned into file:// URLs under keys_dir (copied there,
 * if keys_dir is not NULL: the build reads its own copy). */
int tmpl_meta_load(int dir_fd, const char *name, const char *keys_dir, struct tmpl_meta *m,
                   vz_err *e);

/* The host's package mirror for distribution from an apt configuration
 * directory (sources.list, sources.list.d/ *.list and *.sources), if the
 * host (os_release file) runs that distribution. 0 and *ret = NULL if none. */
int tmpl_host_mirror(const char *apt_dir, const char *os_release, const char *distribution,
                     char **ret);

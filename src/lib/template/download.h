/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Downloading precreated template caches (vztmpl-dl): repositories in
 * OpenVZ's layout (a directory of NAME.tar.gz / .tar.xz with SHA256SUMS,
 * NAME.tar.*.sha256 and .asc files beside them) and LXC's image server
 * layout (meta/1.0/index-system, then DIR/rootfs.tar.xz per image with
 * SHA256SUMS and rootfs.tar.xz.asc), over libcurl. Built into vztmpl-dl
 * only: nothing else links libcurl.
 */
#pragma once

#include <stdbool.h>
#include <time.h>

#include <vz/vz.h>

/* vztmpl-dl's exit codes (OpenVZ's, 4 "no wget" unused). */
enum {
        DL_E_DOWNLOAD = 1, /* download or local error */
        DL_E_EXISTS = 2,   /* already present (without --update) */
        DL_E_USAGE = 3,    /* bad usage or configuration */
        DL_E_VERIFY = 5,   /* bad GPG signature or checksum */
};

typedef enum dl_repo_kind {
        DL_REPO_OPENVZ,
        DL_REPO_LXC,
        _DL_REPO_KIND_MAX,
        _DL_REPO_KIND_INVALID = -1,
} dl_repo_kind;

typedef struct dl_opts {
        char **repos;        /* URLs; "lxc:URL" / "openvz:URL" force the kind */
        const char *keyring; /* gpgv keyring; NULL or missing file: no signature check */
        bool gpg_required;   /* --gpg-check: a signature must be there and good */
        bool gpg_skip;       /* --no-gpg-check */
        bool update;         /* replace a present cache by a newer remote one */
        bool progress;       /* progress lines on stderr */
} dl_opts;

typedef struct dl_client dl_client;

int dl_client_new(dl_client **ret, const dl_opts *opts, vz_err *e);
void dl_client_free(dl_client *c);

/* Names of the templates all repositories offer, sorted, NULL-terminated. */
int dl_list_remote(dl_client *c, char ***ret, vz_err *e);
/* Download NAME into cache_dir (checked, then renamed into place).
 * Returns 0 when downloaded, 1 when the present cache is up to date;
 * DL_E_EXISTS in e->code when present and not updating. */
int dl_fetch(dl_client *c, const char *name, const char *cache_dir, vz_err *e);

/* download.conf: KEY=VALUE lines, shell-like quoting, $VAR / ${VAR} of
 * earlier keys expanded. Missing file: defaults. */
typedef struct dl_conf {
        char *template_repos;
        char *repo_prefix;
        char *keyring;
        bool update, check_sig, quiet;
} dl_conf;
int dl_conf_read(const char *path, bool must_exist, dl_conf *ret, vz_err *e);
void dl_conf_done(dl_conf *c);

/* The SHA-256 (lowercase hex) for file in a sha256sum(1)-style list ("HEX
 * FILE", "HEX *FILE", "./FILE"); a line with only a hash counts for any file. */
bool dl_find_sum(const char *list, const char *file, char hex[65]);

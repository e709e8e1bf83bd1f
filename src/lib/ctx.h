/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal view of vz_ctx and vz_ct, shared by ct.c and the registry. */
#pragma once

#include <vz/vz.h>
#include "config/config.h"

struct vz_ctx {
        char *confdir;       /* $VZ_CONFDIR or the built-in default */
        vz_conffile *global; /* vz.conf */
        int ip_lock_fd;      /* LOCKDIR/ip.lck while held (net/ipidx.c), else -1 */
};

struct vz_ct {
        vz_ctx *ctx;
        unsigned id;
        char *conf_path;   /* <confdir>/conf/<id>.conf */
        vz_conffile *conf; /* never NULL; empty if the file is missing */
        bool has_config;
        char *private_path; /* VE_PRIVATE expanded, or NULL */
        char *root_path;    /* VE_ROOT expanded, or NULL */
};

/* <confdir>/<rel> */
char *vz_ctx_path(const vz_ctx *ctx, const char *rel);
/* Global value with $VEID expanded and trailing slashes stripped. */
char *vz_ctx_path_param(const vz_ctx *ctx, const char *name, unsigned ctid);
/* Recompute private/root paths after the config changed. */
int vz_ct_refresh_paths(vz_ct *ct);
/* Does VZ_RUNDIR/<ctid>.pid name a live process (the CT's supervisor: the CT
 * runs)? A check every layer may make; runtime/ has the full one. */
bool vz_ct_supervised(const vz_ct *ct);

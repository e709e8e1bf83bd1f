/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by cpt.c (criu dump and restore), cpt-mounts.c (the CT's mounts of
 * host things, on both sides) and cpt-relock.c (locking restored mounts). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "runtime.h"

#define CONSOLE_KEY      "vzconsole"
#define FILE_MOUNTS      "vz-mounts"  /* "<key> <host path>" per external mount */
#define FILE_TTY         "vz-console" /* criu's tty[rdev:dev] key of the console */
#define FILE_DEV         "vz-dev"     /* the entries of the CT's /dev tmpfs */
#define DEV_KEY          "vzdevtmpfs"
#define FILE_CGROUPS     "vz-cgroups" /* the CT's cgroup2 subtree, one dir a line */
#define FILE_TMPFS       "vz-tmpfs"   /* vz's own tmpfs mounts in the CT (vz_tmpfs) */
#define TMPFS_KEY        "vztmpfs"
#define DIR_SHM          "vz-shm"          /* a copy of the CT's /dev/shm (cpt-shm.c) */
#define RELOCK_STAMP_ENV "VZ_RELOCK_STAMP" /* see vz_cpt_action_script */
#define DEFAULT_TIMEOUT  300
#define KDAT_RUN         "/run/criu.kdat"    /* where criu looks for its kerndat cache */
#define KDAT_DIR         "/dev/shm/.vz-criu" /* vz's copy where /run is not a tmpfs */
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

/* What the criu child (rst_setup) needs, in the restoring process. */
struct rst_child {
        const vz_ct *ct;
        vz_cgroup *cg;
        int userns_fd;
        const char *dumpdir;
        const char *devdir;    /* where the fresh /dev is made */
        const char *devlist;   /* FILE_DEV */
        const char *tmpfsdir;  /* where vz's tmpfs mounts are made, or NULL */
        const char *tmpfslist; /* FILE_TMPFS */
        const char *base;      /* the base namespace's root on the host */
        const char *basedir;   /* where it is bound for criu, or NULL */
        const char *stamp;     /* RELOCK_STAMP_ENV */
        uid_t uid;
        gid_t gid;
};

/* cpt-mounts.c */
int vz_cpt_external_mounts(const vz_ct *ct, pid_t init, char ***args, char **ret_map, char **tmpfs);
int vz_cpt_list_dev(pid_t init, char **ret);
int vz_cpt_make_dev(const struct rst_child *c);
int vz_cpt_make_tmpfs(const struct rst_child *c);
int vz_cpt_mount_base(const struct rst_child *c);

/* cpt-shm.c: the CT's /dev/shm into the dump (uid, gid: the base of its IDs,
 * 0 without a user namespace), and from the dump into the fresh /dev. */
int vz_cpt_save_shm(pid_t init, uid_t uid, gid_t gid, const char *dumpdir);
int vz_cpt_load_shm(const struct rst_child *c);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vz-procfs: the host's OpenVZ /proc files (user_beancounters,
 * bc/resources, bc/CTID/resources, vz/veinfo, vz/vestat) on VZ_RUNDIR/proc,
 * a read-only FUSE filesystem (libfuse3's low-level API). One per host,
 * started by vzctl start when none is alive (vz_procfs_ensure, procvz.c);
 * it serves until its mount goes or it is told to stop (SIGTERM, SIGINT,
 * SIGHUP), then unmounts. The formats are procvz.c's; this file only maps
 * them onto inodes. Its own program, so that the per-CT supervisor links no
 * FUSE library.
 *
 * Each open computes the whole file at once, as seq_file does on the first
 * read, and it is read with direct I/O: every reader sees the values of
 * that moment, as with procfs, and the unknown size does not matter. Nothing
 * is cached by the kernel (0 s entry and attribute timeouts): CTs come and
 * go.
 */
#define FUSE_USE_VERSION 312

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "macro.h"
#include "runtime/procvz.h"
#include "runtime/runtime.h"
#include "util.h"

/* Inodes: fixed ones, then per-CT directories and files by CTID. */
enum { INO_ROOT = FUSE_ROOT_ID, INO_UBC, INO_BC, INO_BC_RES, INO_VZ, INO_VEINFO, INO_VESTAT };
#define INO_CT_DIR (1ULL << 32)
#define INO_CT_RES (2ULL << 32)

static const struct {
        fuse_ino_t ino, parent;
        const char *name, *path;
} fixed[] = {
    {INO_UBC, INO_ROOT, "user_beancounters", "user_beancounters"},
    {INO_BC, INO_ROOT, "bc", NULL},
    {INO_VZ, INO_ROOT, "vz", NULL},
    {INO_BC_RES, INO_BC, "resources", "bc/resources"},
    {INO_VEINFO, INO_VZ, "veinfo", "vz/veinfo"},
    {INO_VESTAT, INO_VZ, "vestat", "vz/vestat"},
};

/* An open file: its contents as computed at open. */
struct file {
        char *data;
        size_t size;
};

static vz_ctx *ctx_of(fuse_req_t req)
{
        return fuse_req_userdata(req);
}

static bool ct_running(vz_ctx *ctx, unsigned id)
{
        vz_ct *ct = NULL;
        bool r;

        if (id == 0 || vz_ct_open(ctx, id, &ct, NULL) < 0)
                return false;
        r = vz_ct_has_config(ct) && vz_ct_is_running(ct);
        vz_ct_free(ct);
        return r;
}

/* The inode's attributes; false if it does not exist (now). */
static bool node_stat(vz_ctx *ctx, fuse_ino_t ino, struct stat *st)
{
        struct timespec now;
        bool dir;

        memset(st, 0, sizeof(*st));
        if (ino == INO_ROOT || ino == INO_BC || ino == INO_VZ)
                dir = true;
        else if (ino >= INO_UBC && ino <= INO_VESTAT)
                dir = false;
        else if ((ino >> 32) == 1 || (ino >> 32) == 2) {
                if (!ct_running(ctx, (unsigned)ino))
                        return false;
                dir = (ino >> 32) == 1;
        } else
                return false;
        st->st_ino = ino;
        /* Root only, as OpenVZ's (0400 files; directories 0555). */
        st->st_mode = dir ? S_IFDIR | 0555 : S_IFREG | 0400;
        st->st_nlink = dir ? 2 : 1;
        st->st_blksize = 4096;
        clock_gettime(CLOCK_REALTIME, &now);
        st->st_atim = st->st_mtim = st->st_ctim = (struct timespec){.tv_sec = now.tv_sec};
        return true;
}

/* The file's name for vz_procvz_host(), NULL for a directory. */
static const char *node_path(fuse_ino_t ino, char *buf, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (fixed[i].ino == ino)
                        return fixed[i].path;
        if ((ino >> 32) == 2) {
                snprintf(buf, len, "bc/%u/resources", (unsigned)ino);
                return buf;
        }
        return NULL;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        struct fuse_entry_param e = {.generation = 1};
        fuse_ino_t ino = 0;
        char *end;

        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (fixed[i].parent == parent && streq(fixed[i].name, name))
                        ino = fixed[i].ino;
        if (!ino && parent == INO_BC && name[0] >= '1' && name[0] <= '9') {
                unsigned long id;
                errno = 0;
                id = strtoul(name, &end, 10);
                if (!errno && !*end && id <= UINT32_MAX)
                        ino = INO_CT_DIR | id;
        }
        if (!ino && (parent >> 32) == 1 && streq(name, "resources"))
                ino = INO_CT_RES | (uint32_t)parent;
        if (!ino || !node_stat(ctx_of(req), ino, &e.attr)) {
                fuse_reply_err(req, ENOENT);
                return;
        }
        e.ino = ino;
        fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct stat st;

        if (node_stat(ctx_of(req), ino, &st))
                fuse_reply_attr(req, &st, 0);
        else
                fuse_reply_err(req, ENOENT);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        char pb[64];
        const char *path = node_path(ino, pb, sizeof(pb));
        struct file *f;
        int r;

        if ((fi->flags & O_ACCMODE) != O_RDONLY) {
                fuse_reply_err(req, EACCES);
                return;
        }
        if (!path) {
                fuse_reply_err(req, ENOENT);
                return;
        }
        f = calloc(1, sizeof(*f));
        if (!f) {
                fuse_reply_err(req, ENOMEM);
                return;
        }
        r = vz_procvz_host(ctx_of(req), path, &f->data, &f->size);
        if (r < 0) {
                free(f);
                fuse_reply_err(req, -r);
                return;
        }
        fi->fh = (uintptr_t)f;
        fi->direct_io = 1;
        if (fuse_reply_open(req, fi) < 0) {
                /* The opener is gone (interrupted): no release follows. */
                free(f->data);
                free(f);
        }
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
        const struct file *f = (const struct file *)(uintptr_t)fi->fh;

        if (off < 0 || (size_t)off >= f->size) {
                fuse_reply_buf(req, NULL, 0);
                return;
        }
        if (size > f->size - (size_t)off)
                size = f->size - (size_t)off;
        fuse_reply_buf(req, f->data + off, size);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct file *f = (struct file *)(uintptr_t)fi->fh;

        free(f->data);
        free(f);
        fuse_reply_err(req, 0);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct stat st;

        if (node_stat(ctx_of(req), ino, &st) && S_ISDIR(st.st_mode))
                fuse_reply_open(req, fi);
        else
                fuse_reply_err(req, ENOTDIR);
}

/* Directory entries from offset off, as many as fit in size bytes. */
struct dirbuf {
        fuse_req_t req;
        char *buf;
        size_t size, used;
        off_t off, idx;
        bool full;
};

static void dir_add(struct dirbuf *d, fuse_ino_t ino, const char *name, mode_t type)
{
        struct stat st = {.st_ino = ino, .st_mode = type};
        size_t l;

        if (d->idx++ < d->off || d->full)
                return;
        l = fuse_add_direntry(d->req, d->buf + d->used, d->size - d->used, name, &st, d->idx);
        if (l > d->size - d->used)
                d->full = true;
        else
                d->used += l;
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
        struct dirbuf d = {.req = req, .size = size < 8192 ? size : 8192, .off = off};
        _cleanup_free_ char *buf = malloc(d.size);
        char name[16];

        if (!buf) {
                fuse_reply_err(req, ENOMEM);
                return;
        }
        d.buf = buf;
        dir_add(&d, ino, ".", S_IFDIR);
        dir_add(&d, INO_ROOT, "..", S_IFDIR);
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (fixed[i].parent == ino)
                        dir_add(&d, fixed[i].ino, fixed[i].name, fixed[i].path ? S_IFREG : S_IFDIR);
        if (ino == INO_BC) {
                vz_ctx *ctx = ctx_of(req);
                _cleanup_free_ unsigned *ids = NULL;
                size_t n = 0;
                if (vz_ct_list_ids(ctx, &ids, &n, NULL) < 0)
                        n = 0;
                for (size_t i = 0; i < n; i++)
                        if (ct_running(ctx, ids[i])) {
                                snprintf(name, sizeof(name), "%u", ids[i]);
                                dir_add(&d, INO_CT_DIR | ids[i], name, S_IFDIR);
                        }
        }
        if ((ino >> 32) == 1)
                dir_add(&d, INO_CT_RES | (uint32_t)ino, "resources", S_IFREG);
        fuse_reply_buf(req, buf, d.used);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
        struct statvfs st = {.f_bsize = 4096, .f_frsize = 4096, .f_namemax = 255};

        fuse_reply_statfs(req, &st);
}

static const struct fuse_lowlevel_ops ops = {
    .lookup = op_lookup,
    .getattr = op_getattr,
    .open = op_open,
    .read = op_read,
    .release = op_release,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .statfs = op_statfs,
};

int main(int argc, char **argv)
{
        /* The kernel checks our modes (root only); read-only; "vz-procfs"
         * of type fuse.vz-procfs in the mount table. */
        char opts[] = "ro,nosuid,nodev,noexec,allow_other,default_permissions,"
                      "fsname=vz-procfs,subtype=vz-procfs";
        char o[] = "-o";
        char *fargv[] = {argv[0], o, opts, NULL};
        struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
        _cleanup_free_ char *mnt = NULL, *pidf = NULL;
        struct fuse_session *se;
        vz_ctx *ctx = NULL;
        vz_err e = {0};
        FILE *f;
        int r;

        if (argc != 1) {
                fprintf(stderr, "vz-procfs: started by vzctl only\n");
                return 2;
        }
        if (vz_ctx_new(&ctx, &e) < 0) {
                fprintf(stderr, "vz-procfs: %s\n", e.msg);
                return 1;
        }
        mnt = vz_procfs_dir(ctx);
        pidf = mnt ? vz_strdupf("%s.pid", mnt) : NULL;
        if (!pidf)
                return 1;
        se = fuse_session_new(&args, &ops, sizeof(ops), ctx);
        fuse_opt_free_args(&args);
        if (!se)
                return 1;
        if (fuse_set_signal_handlers(se) < 0 || fuse_session_mount(se, mnt) < 0) {
                fuse_session_destroy(se);
                return 1;
        }
        /* vz_procfs_ensure and the tests find us by it (and our comm). */
        f = fopen(pidf, "we");
        if (f) {
                fprintf(f, "%d\n", (int)getpid());
                fclose(f);
        }
        r = fuse_session_loop(se);
        fuse_session_unmount(se);
        unlink(pidf);
        fuse_remove_signal_handlers(se);
        fuse_session_destroy(se);
        vz_ctx_free(ctx);
        return r < 0 ? 1 : 0;
}

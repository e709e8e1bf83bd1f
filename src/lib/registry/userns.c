/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * User namespaces: each CT gets 65536 host IDs starting at LOCAL_UID /
 * LOCAL_GID. Ranges are handed out so that no two CTs overlap and no host
 * user, group or /etc/subuid range falls inside one.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "ctx.h"
#include "cfgidx.h"
#include "err.h"
#include "userns.h"
#include "util.h"

#define RANGE VZ_USERNS_RANGE

struct range {
        uint64_t start, len;
};

struct ranges {
        struct range *r;
        size_t n;
};

static int ranges_add(struct ranges *rs, uint64_t start, uint64_t len)
{
        struct range *nr = realloc(rs->r, (rs->n + 1) * sizeof(*nr));
        if (!nr)
                return -ENOMEM;
        rs->r = nr;
        rs->r[rs->n++] = (struct range){start, len};
        return 0;
}

/* IDs in use on the host: every uid (gid) of the passwd (group) file, and
 * every range of subuid (subgid) given to other tools. */
static void host_ids(struct ranges *rs, const char *db, int field, const char *subdb)
{
        _cleanup_fclose_ FILE *f = fopen(db, "re");
        char *line = NULL;
        size_t len = 0;

        while (f && getline(&line, &len, f) > 0) {
                char *p = line;
                for (int i = 0; i < field && p; i++) {
                        p = strchr(p, ':');
                        if (p)
                                p++;
                }
                if (p && *p >= '0' && *p <= '9') {
                        unsigned long id = strtoul(p, NULL, 10);
                        /* nobody/nogroup (65534) sit below every sane base. */
                        ranges_add(rs, id, 1);
                }
        }
        free(line);
        line = NULL;
        fclose(f);
        f = fopen(subdb, "re");
        while (f && getline(&line, &len, f) > 0) {
                unsigned long start, count;
                char *c = strchr(line, ':');
                if (c && sscanf(c + 1, "%lu:%lu", &start, &count) == 2)
                        ranges_add(rs, start, count);
        }
        free(line);
}

/* The number a config line "KEY=N" / KEY="N" sets, 0 if none. A plain scan
 * rather than a full parse: cheap enough to run over many configs. */
static uint64_t scan_number(const char *buf, const char *key)
{
        size_t kl = strlen(key);

        for (const char *l = buf; l && *l;) {
                const char *nl = strchr(l, '\n');
                while (*l == ' ' || *l == '\t')
                        l++;
                if (strncmp(l, key, kl) == 0 && l[kl] == '=')
                        return strtoull(l + kl + 1 + (l[kl + 1] == '"' || l[kl + 1] == '\''), NULL,
                                        10);
                l = nl ? nl + 1 : NULL;
        }
        return 0;
}

/*
 * The index: LOCKDIR/userns.idx, one line "CTID INODE UID GID" per CT
 * config, read and rewritten under the allocation lock. It saves reading
 * every other CT's config at each create (O(n) file reads, 40+ ms at 1000
 * CTs). It is only a cache: each allocation lists the config directory
 * (one getdents pass, no file opened) and reconciles: a config the index
 * does not know, or whose inode changed (every save is an atomic rename,
 * so a new inode), is read again; entries whose config is gone are
 * dropped. A missing or unreadable index is rebuilt that way from
 * scratch. An in-place edit of LOCAL_UID that keeps the inode is the one
 * change it cannot see.
 */
struct idx_entry {
        struct cfgidx_ent h;
        uint64_t uid, gid;
};

static int ent_read(const char *path, void *rec)
{
        struct idx_entry *en = rec;
        _cleanup_free_ char *buf = NULL;

        en->uid = en->gid = 0;
        if (vz_read_file(path, 1 << 20, &buf, NULL) == 0) {
                en->uid = scan_number(buf, "LOCAL_UID");
                en->gid = scan_number(buf, "LOCAL_GID");
        }
        return 0;
}

static int ent_parse(const char *text, void *rec)
{
        struct idx_entry *en = rec;
        unsigned long long u, g;

        if (sscanf(text, "%llu %llu", &u, &g) != 2)
                return -EINVAL;
        en->uid = u;
        en->gid = g;
        return 0;
}

static void ent_format(FILE *f, const void *rec)
{
        const struct idx_entry *en = rec;

        fprintf(f, " %llu %llu", (unsigned long long)en->uid, (unsigned long long)en->gid);
}

static const struct cfgidx_ops userns_ops = {
    .size = sizeof(struct idx_entry),
    .header = "# vz user-namespace ranges: CTID CONFIG-INODE LOCAL_UID LOCAL_GID "
              "(a cache, rebuilt from the configs when removed)\n",
    .read = ent_read,
    .parse = ent_parse,
    .format = ent_format,
};

static int range_cmp(const void *a, const void *b)
{
        uint64_t x = ((const struct range *)a)->start, y = ((const struct range *)b)->start;
        return x < y ? -1 : x > y;
}

/* The first free aligned range at or past base: one sweep over the taken
 * ranges sorted by start. 0 if none below the 32-bit limit. */
static uint64_t pick(struct ranges *rs, uint64_t base)
{
        uint64_t start = base;

        if (rs->n)
                qsort(rs->r, rs->n, sizeof(*rs->r), range_cmp);
        for (size_t i = 0; i < rs->n; i++) {
                const struct range *o = &rs->r[i];
                if (o->start >= start + RANGE)
                        break; /* sorted: nothing later can overlap */
                if (o->start + o->len <= start)
                        continue;
                /* Overlap: the next aligned start past its end. */
                start = base + (o->start + o->len - base + RANGE - 1) / RANGE * RANGE;
        }
        return start + RANGE < UINT32_MAX ? start : 0;
}

int vz_userns_alloc(vz_ctx *ctx, unsigned ctid, vz_conffile *conf, int *ret_lock_fd, vz_err *e)
{
        _cleanup_close_ int lfd = -1;
        _cleanup_free_ char *lpath = NULL;
        _cleanup_free_ char *ipath = NULL;
        struct ranges uids = {0}, gids = {0};
        struct cfgidx cur = {.ops = &userns_ops};
        bool changed = false;
        const char *lockdir = vz_ctx_get(ctx, "LOCKDIR");
        const char *gu = vz_ctx_get(ctx, "LOCAL_UID"), *gg = vz_ctx_get(ctx, "LOCAL_GID");
        uint64_t ubase, gbase, u, g;
        char buf[32];
        int r = 0;

        *ret_lock_fd = -1;
        /* Set already (or explicitly 0 = privileged): nothing to do. */
        if (vz_conffile_get(conf, "LOCAL_UID") && vz_conffile_get(conf, "LOCAL_GID"))
                return 0;
        ubase = gu ? strtoull(gu, NULL, 10) : 0;
        gbase = gg ? strtoull(gg, NULL, 10) : ubase;
        if (ubase == 0) {
                /* vz.conf turned user namespaces off: a privileged CT. */
                if (vz_conffile_set(conf, "LOCAL_UID", "0") < 0 ||
                    vz_conffile_set(conf, "LOCAL_GID", "0") < 0)
                        return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                return 0;
        }
        /* Serialise allocations host-wide: two creates must not pick the
         * same free range. The caller saves the config before unlocking. */
        if (!isempty(lockdir) && (lpath = vz_strdupf("%s/userns.lck", lockdir))) {
                vz_mkdir_p(lockdir, 0755);
                lfd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
                if (lfd >= 0)
                        flock(lfd, LOCK_EX);
        }
        host_ids(&uids, "/etc/passwd", 2, "/etc/subuid");
        host_ids(&gids, "/etc/group", 2, "/etc/subgid");
        ipath = lpath ? vz_strdupf("%s/userns.idx", lockdir) : NULL;
        if (ipath)
                cfgidx_load(&cur, ipath);
        r = cfgidx_reconcile(&cur, ctx, &changed);
        if (r < 0) {
                r = vz_fail(e, VZ_E_RESOURCE, r, "cannot list CT configs: %s", strerror(-r));
                goto out;
        }
        for (size_t i = 0; i < cur.n; i++) {
                const struct idx_entry *en = cfgidx_at(&cur, i);
                if (en->h.ctid == ctid || en->h.dead)
                        continue;
                if (en->uid > 0)
                        ranges_add(&uids, en->uid, RANGE);
                if (en->gid > 0)
                        ranges_add(&gids, en->gid, RANGE);
        }
        u = pick(&uids, ubase);
        g = pick(&gids, gbase);
        if (!u || !g) {
                r = vz_fail(e, VZ_E_RESOURCE, -ENOSPC, "no free range of %u host IDs left", RANGE);
                goto out;
        }
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)u);
        if (!vz_conffile_get(conf, "LOCAL_UID") && vz_conffile_set(conf, "LOCAL_UID", buf) < 0)
                r = -ENOMEM;
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)g);
        if (!vz_conffile_get(conf, "LOCAL_GID") && vz_conffile_set(conf, "LOCAL_GID", buf) < 0)
                r = -ENOMEM;
        if (r < 0)
                r = vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        if (r == 0 && ipath) {
                /* This CT's entry with inode 0: the saved config (a new
                 * inode) is read once more by the next allocation, which
                 * also drops the entry if the caller never saved it. */
                struct idx_entry self = {{.ctid = ctid}, u, g}, *hit;
                const char *cu = vz_conffile_get(conf, "LOCAL_UID");
                const char *cg = vz_conffile_get(conf, "LOCAL_GID");
                self.uid = cu ? strtoull(cu, NULL, 10) : u;
                self.gid = cg ? strtoull(cg, NULL, 10) : g;
                hit = cfgidx_find(&cur, ctid);
                if (hit)
                        *hit = self;
                else
                        (void)cfgidx_push(&cur, &self);
                cfgidx_save(&cur, ipath);
        }
out:
        free(uids.r);
        free(gids.r);
        cfgidx_free(&cur);
        if (r == 0)
                *ret_lock_fd = TAKE_FD(lfd);
        return r;
}

bool vz_userns_get(const vz_ct *ct, uid_t *ret_uid, gid_t *ret_gid)
{
        const char *u = vz_conffile_get(ct->conf, "LOCAL_UID");
        const char *g = vz_conffile_get(ct->conf, "LOCAL_GID");

        if (!u)
                u = vz_ctx_get(ct->ctx, "LOCAL_UID");
        if (!g)
                g = vz_ctx_get(ct->ctx, "LOCAL_GID");
        *ret_uid = u ? (uid_t)strtoul(u, NULL, 10) : 0;
        *ret_gid = g ? (gid_t)strtoul(g, NULL, 10) : *ret_uid;
        return *ret_uid != 0;
}

static int write_map(pid_t pid, const char *file, unsigned long base)
{
        _cleanup_free_ char *p = vz_strdupf("/proc/%d/%s", (int)pid, file);
        _cleanup_close_ int fd = -1;
        char buf[64];
        int n;

        if (!p)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = snprintf(buf, sizeof(buf), "0 %lu %u\n", base, RANGE);
        return write(fd, buf, n) == n ? 0 : -errno;
}

int vz_userns_map(pid_t pid, uid_t uid, gid_t gid)
{
        _cleanup_free_ char *nsp = vz_strdupf("/proc/%d/ns/user", (int)pid);
        int r, fd;

        if (!nsp)
                return -ENOMEM;
        r = write_map(pid, "uid_map", uid);
        if (r == 0)
                r = write_map(pid, "gid_map", gid);
        if (r < 0)
                return r;
        fd = open(nsp, O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* A user namespace with the CT's maps, held by an fd. A throwaway child
 * unshares it (the maps must be written from outside), we open its ns file,
 * and the child exits: the namespace lives on through the fd. */
int vz_userns_open(uid_t uid, gid_t gid, vz_err *e)
{
        _cleanup_close_ int go_r = -1, go_w = -1, ready_r = -1, ready_w = -1;
        _cleanup_kill_ pid_t pid = 0;
        _cleanup_free_ char *nsp = NULL;
        int p[2], fd = -1, r = 0;
        char c = 0;

        if (pipe2(p, O_CLOEXEC) < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "pipe: %s", strerror(errno));
        go_r = p[0], go_w = p[1];
        if (pipe2(p, O_CLOEXEC) < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "pipe: %s", strerror(errno));
        ready_r = p[0], ready_w = p[1];
        pid = fork();
        if (pid < 0)
                return vz_fail(e, VZ_E_RESOURCE, -errno, "fork: %s", strerror(errno));
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
                (void)!write(ready_w, &c, 1);
                /* Stay in it until the parent has what it needs. */
                (void)!read(go_r, &c, 1);
                _exit(0);
        }
        ready_w = safe_close(ready_w);
        if (read(ready_r, &c, 1) != 1 || c != 'y')
                r = -EPERM;
        nsp = vz_strdupf("/proc/%d/ns/user", (int)pid);
        if (r == 0 && !nsp)
                r = -ENOMEM;
        if (r == 0)
                r = write_map(pid, "uid_map", uid);
        if (r == 0)
                r = write_map(pid, "gid_map", gid);
        if (r == 0 && (fd = open(nsp, O_RDONLY | O_CLOEXEC)) < 0)
                r = -errno;
        /* The namespace is held: the child may go (it is killed and reaped
         * on the way out). */
        if (r < 0)
                return vz_fail(e, VZ_E_BAD_KERNEL, r, "cannot create a user namespace: %s",
                               strerror(-r));
        return fd;
}

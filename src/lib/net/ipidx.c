/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The duplicate address check of vzctl set --ipadd (OpenVZ's exit 78, also
 * for a stopped CT), without reading every CT's config at each check.
 *
 * The index: LOCKDIR/ip.idx, one line "CTID CONFIG-INODE ADDR..." per CT
 * config (CTs without addresses too, so that they are not read again),
 * read and rewritten under LOCKDIR/ip.lck. It is only a cache, kept the way
 * the LOCAL_UID index is (runtime/userns.c): each check lists the config
 * directory (one getdents pass, no config opened) and reconciles: a config
 * the index does not know, or whose inode changed (every save is an atomic
 * rename, so a new inode; so is an edit with sed -i or most editors), is
 * read again; entries whose config is gone (destroy) are dropped. A
 * missing or unreadable index is rebuilt that way from scratch.
 *
 * An address found in another CT's entry is checked against that CT's
 * config before the command is refused: an entry that says more than the
 * config (a stale or tampered index) is repaired, never believed. The one
 * change the index cannot see is an in-place edit that keeps the inode and
 * adds an address (cat >>); starting such a CT still fails with 78 while
 * the owner runs (the host route is exclusive, net.c venet_add_ip).
 *
 * The lock is taken by the check and kept in the context until the caller
 * has saved the config (vz_net_ip_unlock): two CTs given the same address
 * at the same time cannot both pass.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "err.h"
#include "log.h"
#include "net.h"
#include "nl.h"
#include "util.h"

/* One CT: its addresses in canonical text (inet_ntop), space-separated,
 * pointing into the loaded index file or, once read again, owned. */
struct ipent {
        unsigned ctid;
        uint64_t ino;
        const char *ips;
        size_t len;
        bool owned, seen, dead;
};

struct ipidx {
        char *buf; /* the index file as read; entries point into it */
        struct ipent *e;
        size_t n, cap;
};

static void idx_free(struct ipidx *x)
{
        for (size_t i = 0; i < x->n; i++)
                if (x->e[i].owned)
                        free((char *)x->e[i].ips);
        free(x->e);
        free(x->buf);
        *x = (struct ipidx){0};
}

static int idx_push(struct ipidx *x, struct ipent v)
{
        if (x->n == x->cap) {
                size_t cap = x->cap ? x->cap * 2 : 256;
                struct ipent *ne = realloc(x->e, cap * sizeof(*ne));
                if (!ne)
                        return -ENOMEM;
                x->e = ne;
                x->cap = cap;
        }
        x->e[x->n++] = v;
        return 0;
}

static int cmp_ent(const void *a, const void *b)
{
        unsigned x = ((const struct ipent *)a)->ctid, y = ((const struct ipent *)b)->ctid;
        return x < y ? -1 : x > y;
}

/* The addresses of a space-separated list (IP_ADDRESS syntax, masks
 * dropped), in canonical text, space-separated; words that are no address,
 * and 0.0.0.0 / ::, are skipped as net.c does. */
static int canon_list(const char *list, char **ret)
{
        _cleanup_strv_free_ char **v = NULL;
        _cleanup_free_ char *out = NULL;
        size_t len = 0;
        int r = vz_strv_split(list ? list : "", " \t\n", &v);

        if (r < 0)
                return r;
        out = calloc(vz_strv_length(v) * (INET6_ADDRSTRLEN + 1) + 1, 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; v[i]; i++) {
                static const unsigned char zero[16];
                char s[INET6_ADDRSTRLEN];
                vz_inaddr x;
                if (vz_inaddr_parse(v[i], &x) < 0 || memcmp(x.a, zero, vz_inaddr_len(&x)) == 0 ||
                    !inet_ntop(x.family, x.a, s, sizeof(s)))
                        continue;
                len += sprintf(out + len, "%s%s", len ? " " : "", s);
        }
        *ret = TAKE_PTR(out);
        return 0;
}

/* Is the word w (length wl) one of the space-separated words of en? */
static bool ent_has(const struct ipent *en, const char *w, size_t wl)
{
        const char *p = en->ips, *end = en->ips + en->len;

        while (p && p + wl <= end) {
                const char *hit = memmem(p, end - p, w, wl);
                if (!hit)
                        return false;
                if ((hit == en->ips || hit[-1] == ' ') && (hit + wl == end || hit[wl] == ' '))
                        return true;
                p = hit + 1;
        }
        return false;
}

/* Lines "CTID INODE ADDR..." (written sorted by CTID); anything else is
 * skipped, and an index out of order is sorted. */
static void idx_load(const char *path, struct ipidx *x)
{
        bool sorted = true;

        if (vz_read_file(path, 256 << 20, &x->buf, NULL) < 0)
                return;
        for (char *l = x->buf, *nl; l && *l; l = nl) {
                struct ipent en = {0};
                unsigned long ctid;
                char *p;
                nl = strchr(l, '\n');
                if (nl)
                        *nl++ = '\0';
                if (*l < '1' || *l > '9')
                        continue;
                errno = 0;
                ctid = strtoul(l, &p, 10);
                if (errno || *p != ' ' || ctid > UINT_MAX)
                        continue;
                en.ctid = ctid;
                en.ino = strtoull(p + 1, &p, 10);
                if (errno || (*p != ' ' && *p != '\0'))
                        continue;
                en.ips = *p ? p + 1 : p;
                en.len = strlen(en.ips);
                if (x->n && x->e[x->n - 1].ctid >= en.ctid)
                        sorted = false;
                if (idx_push(x, en) < 0) {
                        x->n = 0;
                        return;
                }
        }
        if (!sorted)
                qsort(x->e, x->n, sizeof(*x->e), cmp_ent);
}

/* Read the addresses of one CT's config into *en (inode as given). A
 * config that cannot be read has none: it is read again next time only if
 * its inode changes, like any other. */
static int read_conf(const char *path, struct ipent *en)
{
        vz_conffile *cf = NULL;
        char *ips = NULL;
        int r;

        if (vz_conffile_load(path, &cf, NULL) < 0)
                r = canon_list("", &ips);
        else {
                r = canon_list(vz_conffile_get(cf, "IP_ADDRESS"), &ips);
                vz_conffile_free(cf);
        }
        if (r < 0)
                return r;
        if (en->owned)
                free((char *)en->ips);
        en->ips = ips;
        en->len = strlen(ips);
        en->owned = true;
        return 0;
}

/* The index brought up to date with the config directory: entries whose
 * config inode changed are read again, new configs appended (x stays
 * sorted up to n_sorted), entries whose config is gone marked dead.
 * *changed when anything differs from the file. */
static int idx_reconcile(vz_ctx *ctx, struct ipidx *x, bool *changed)
{
        _cleanup_free_ char *dir = vz_strdupf("%s/conf", ctx->confdir);
        _cleanup_closedir_ DIR *d = NULL;
        size_t n_sorted = x->n;
        struct dirent *de;

        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                struct ipent key = {0}, *hit;
                char num[32];
                size_t l = strlen(de->d_name);
                int r;
                if (l < 6 || l - 5 >= sizeof(num) || !vz_endswith(de->d_name, ".conf"))
                        continue;
                memcpy(num, de->d_name, l - 5);
                num[l - 5] = '\0';
                if (vz_ctid_parse(num, &key.ctid) < 0 || key.ctid == 0)
                        continue;
                hit = n_sorted ? bsearch(&key, x->e, n_sorted, sizeof(key), cmp_ent) : NULL;
                if (hit) {
                        hit->seen = true;
                        if (hit->ino == de->d_ino)
                                continue;
                }
                /* New or rewritten since the index saw it: read it. */
                _cleanup_free_ char *path = vz_strdupf("%s/%s", dir, de->d_name);
                if (!path)
                        return -ENOMEM;
                *changed = true;
                if (hit) {
                        hit->ino = de->d_ino;
                        r = read_conf(path, hit);
                } else {
                        key.ino = de->d_ino;
                        key.seen = true;
                        r = read_conf(path, &key);
                        if (r >= 0 && (r = idx_push(x, key)) < 0)
                                free((char *)key.ips);
                }
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n_sorted; i++)
                if (!x->e[i].seen) {
                        x->e[i].dead = true; /* config gone: destroyed */
                        *changed = true;
                }
        return 0;
}

static void idx_save(const char *path, struct ipidx *x)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f;

        qsort(x->e, x->n, sizeof(*x->e), cmp_ent);
        f = open_memstream(&buf, &len);
        if (!f)
                return;
        fputs("# vz routed addresses: CTID CONFIG-INODE ADDRESS... "
              "(a cache, rebuilt from the configs when removed)\n",
              f);
        for (size_t i = 0; i < x->n; i++)
                if (!x->e[i].dead)
                        fprintf(f, "%u %llu%s%.*s\n", x->e[i].ctid,
                                (unsigned long long)x->e[i].ino, x->e[i].len ? " " : "",
                                (int)x->e[i].len, x->e[i].ips);
        if (fclose(f) == 0)
                (void)vz_write_file_replace(path, buf, len, 0600);
}

/* LOCKDIR/ip.lck, held in ctx until vz_net_ip_unlock. flock locks belong
 * to the open file: a second open in this process would wait for itself. */
static void ip_lock(vz_ctx *ctx)
{
        const char *lockdir = vz_ctx_get(ctx, "LOCKDIR");
        _cleanup_free_ char *p = NULL;
        int fd;

        if (ctx->ip_lock_fd >= 0 || isempty(lockdir))
                return;
        p = vz_strdupf("%s/ip.lck", lockdir);
        if (!p)
                return;
        vz_mkdir_p(lockdir, 0755);
        fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return;
        while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
                ;
        ctx->ip_lock_fd = fd;
}

void vz_net_ip_unlock(vz_ctx *ctx)
{
        if (ctx && ctx->ip_lock_fd >= 0) {
                close(ctx->ip_lock_fd);
                ctx->ip_lock_fd = -1;
        }
}

int vz_net_check_ips(vz_ctx *ctx, unsigned ctid, const char *ip_list, vz_err *e)
{
        _cleanup_strv_free_ char **mine = NULL;
        _cleanup_free_ char *canon = NULL, *ipath = NULL;
        struct ipidx x = {0};
        bool changed = false;
        int r;

        if (canon_list(ip_list, &canon) < 0 || vz_strv_split(canon, " ", &mine) < 0)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (!mine[0])
                return 0;
        ip_lock(ctx);
        /* Without a lock there is no index either: every config is read. */
        if (ctx->ip_lock_fd >= 0 &&
            (ipath = vz_strdupf("%s/ip.idx", vz_ctx_get(ctx, "LOCKDIR"))))
                idx_load(ipath, &x);
        r = idx_reconcile(ctx, &x, &changed);
        if (r < 0) {
                r = 0; /* no configs to compare with */
                goto out;
        }
        for (size_t i = 0; r == 0 && i < x.n; i++) {
                struct ipent *en = &x.e[i];
                if (en->ctid == ctid || en->dead)
                        continue;
                for (size_t k = 0; mine[k]; k++) {
                        _cleanup_free_ char *path = NULL;
                        struct stat st;
                        if (!ent_has(en, mine[k], strlen(mine[k])))
                                continue;
                        /* Believe the config, not the index. */
                        path = vz_strdupf("%s/conf/%u.conf", ctx->confdir, en->ctid);
                        if (!path || read_conf(path, en) < 0) {
                                r = vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                                break;
                        }
                        en->ino = stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
                        if (ent_has(en, mine[k], strlen(mine[k]))) {
                                r = vz_fail(e, VZ_E_IP_INUSE, -EADDRINUSE,
                                            "IP address %s is already used by CT %u", mine[k],
                                            en->ctid);
                                break;
                        }
                        vz_debug("ip.idx: CT %u no longer has %s, entry repaired", en->ctid,
                                 mine[k]);
                        changed = true;
                }
        }
        if (changed && ipath)
                idx_save(ipath, &x);
out:
        idx_free(&x);
        return r;
}

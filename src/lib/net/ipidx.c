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
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "err.h"
#include "net.h"
#include "nl.h"
#include "log.h"
#include "util.h"

struct ipent {
        unsigned ctid;
        uint64_t ino;
        vz_inaddr *a;
        size_t n;
};

struct ipidx {
        struct ipent *e;
        size_t n, cap;
};

static void idx_free(struct ipidx *x)
{
        for (size_t i = 0; i < x->n; i++)
                free(x->e[i].a);
        free(x->e);
        *x = (struct ipidx){0};
}

static int idx_push(struct ipidx *x, struct ipent v)
{
        if (x->n == x->cap) {
                size_t cap = x->cap ? x->cap * 2 : 64;
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

/* Addresses of a space-separated list (IP_ADDRESS syntax, masks dropped);
 * words that are no address, and 0.0.0.0 / ::, are skipped as net.c does. */
static int parse_list(const char *list, vz_inaddr **ret, size_t *ret_n)
{
        _cleanup_strv_free_ char **v = NULL;
        vz_inaddr *a;
        size_t n = 0;
        int r = vz_strv_split(list ? list : "", " \t\n", &v);

        if (r < 0)
                return r;
        a = calloc(vz_strv_length(v) + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; v[i]; i++) {
                static const unsigned char zero[16];
                vz_inaddr x;
                if (vz_inaddr_parse(v[i], &x) < 0 || memcmp(x.a, zero, vz_inaddr_len(&x)) == 0)
                        continue;
                a[n++] = x;
        }
        *ret = a;
        *ret_n = n;
        return 0;
}

static bool ent_has(const struct ipent *en, const vz_inaddr *x)
{
        for (size_t i = 0; i < en->n; i++)
                if (vz_inaddr_equal(&en->a[i], x))
                        return true;
        return false;
}

static void idx_load(const char *path, struct ipidx *x)
{
        _cleanup_free_ char *buf = NULL;

        if (vz_read_file(path, 256 << 20, &buf, NULL) < 0)
                return;
        for (char *l = buf, *nl; l && *l; l = nl) {
                struct ipent en = {0};
                unsigned long long ino;
                int off = 0;
                nl = strchr(l, '\n');
                if (nl)
                        *nl++ = '\0';
                if (l[0] == '#' || sscanf(l, "%u %llu%n", &en.ctid, &ino, &off) != 2)
                        continue;
                en.ino = ino;
                if (parse_list(l + off, &en.a, &en.n) < 0 || idx_push(x, en) < 0) {
                        free(en.a);
                        return;
                }
        }
        qsort(x->e, x->n, sizeof(*x->e), cmp_ent);
}

/* Read the addresses of one CT's config into *en (inode kept as given). A
 * config that cannot be read has none: it is read again next time only if
 * its inode changes, like any other. */
static int read_conf(const char *path, struct ipent *en)
{
        vz_conffile *cf = NULL;
        int r;

        free(en->a);
        en->a = NULL;
        en->n = 0;
        if (vz_conffile_load(path, &cf, NULL) < 0)
                return parse_list("", &en->a, &en->n);
        r = parse_list(vz_conffile_get(cf, "IP_ADDRESS"), &en->a, &en->n);
        vz_conffile_free(cf);
        return r;
}

/* The index brought up to date with the config directory; *changed when it
 * differs from old. Entries of old are moved into x. */
static int idx_reconcile(vz_ctx *ctx, struct ipidx *old, struct ipidx *x, bool *changed)
{
        _cleanup_free_ char *dir = vz_strdupf("%s/conf", ctx->confdir);
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        size_t kept = 0;

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
                hit = old->n ? bsearch(&key, old->e, old->n, sizeof(key), cmp_ent) : NULL;
                if (hit && hit->ino == de->d_ino && hit->a) {
                        r = idx_push(x, *hit);
                        if (r < 0)
                                return r;
                        hit->a = NULL; /* moved */
                        kept++;
                        continue;
                }
                /* New or rewritten since the index saw it: read it. */
                _cleanup_free_ char *path = vz_strdupf("%s/%s", dir, de->d_name);
                if (!path)
                        return -ENOMEM;
                key.ino = de->d_ino;
                r = read_conf(path, &key);
                if (r >= 0)
                        r = idx_push(x, key);
                if (r < 0) {
                        free(key.a);
                        return r;
                }
                *changed = true;
        }
        if (kept != old->n)
                *changed = true; /* entries dropped */
        qsort(x->e, x->n, sizeof(*x->e), cmp_ent);
        return 0;
}

static void idx_save(const char *path, const struct ipidx *x)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        char s[INET6_ADDRSTRLEN];

        if (!f)
                return;
        fputs("# vz routed addresses: CTID CONFIG-INODE ADDRESS... "
              "(a cache, rebuilt from the configs when removed)\n",
              f);
        for (size_t i = 0; i < x->n; i++) {
                fprintf(f, "%u %llu", x->e[i].ctid, (unsigned long long)x->e[i].ino);
                for (size_t k = 0; k < x->e[i].n; k++)
                        fprintf(f, " %s",
                                inet_ntop(x->e[i].a[k].family, x->e[i].a[k].a, s, sizeof(s))
                                        ? s
                                        : "?");
                fputc('\n', f);
        }
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
        _cleanup_free_ vz_inaddr *mine = NULL;
        _cleanup_free_ char *ipath = NULL;
        struct ipidx old = {0}, cur = {0};
        const char *lockdir;
        bool changed = false;
        size_t n = 0;
        int r;

        if (parse_list(ip_list, &mine, &n) < 0)
                return vz_fail(e, VZ_E_BADIP, -EINVAL, "bad IP address list");
        if (n == 0)
                return 0;
        ip_lock(ctx);
        lockdir = vz_ctx_get(ctx, "LOCKDIR");
        /* Without a lock there is no index either: every config is read. */
        if (ctx->ip_lock_fd >= 0 && (ipath = vz_strdupf("%s/ip.idx", lockdir)))
                idx_load(ipath, &old);
        r = idx_reconcile(ctx, &old, &cur, &changed);
        if (r < 0) {
                r = 0; /* no configs to compare with */
                goto out;
        }
        for (size_t i = 0; r == 0 && i < cur.n; i++) {
                struct ipent *en = &cur.e[i];
                if (en->ctid == ctid)
                        continue;
                for (size_t k = 0; k < n; k++) {
                        _cleanup_free_ char *path = NULL;
                        struct stat st;
                        char s[INET6_ADDRSTRLEN];
                        if (!ent_has(en, &mine[k]))
                                continue;
                        /* Believe the config, not the index. */
                        path = vz_strdupf("%s/conf/%u.conf", ctx->confdir, en->ctid);
                        if (!path) {
                                r = vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                                break;
                        }
                        en->ino = stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
                        if (read_conf(path, en) < 0) {
                                r = vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                                break;
                        }
                        if (ent_has(en, &mine[k])) {
                                r = vz_fail(e, VZ_E_IP_INUSE, -EADDRINUSE,
                                            "IP address %s is already used by CT %u",
                                            inet_ntop(mine[k].family, mine[k].a, s, sizeof(s))
                                                    ? s
                                                    : "?",
                                            en->ctid);
                                break;
                        }
                        vz_debug("ip.idx: CT %u no longer has %s, entry repaired", en->ctid,
                                 inet_ntop(mine[k].family, mine[k].a, s, sizeof(s)) ? s : "?");
                        changed = true;
                }
        }
        if (changed && ipath)
                idx_save(ipath, &cur);
out:
        idx_free(&old);
        idx_free(&cur);
        return r;
}

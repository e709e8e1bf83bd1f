/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An index of per-CT records keyed by CTID and config inode: cfgidx.h. */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>

#include "cfgidx.h"
#include "ctx.h"
#include "util.h"

void cfgidx_free(struct cfgidx *x)
{
        const struct cfgidx_ops *ops = x->ops;

        for (size_t i = 0; ops && ops->free && i < x->n; i++)
                ops->free(cfgidx_at(x, i));
        free(x->e);
        free(x->buf);
        *x = (struct cfgidx){.ops = ops};
}

int cfgidx_push(struct cfgidx *x, const void *rec)
{
        if (x->n == x->cap) {
                size_t cap = x->cap ? x->cap * 2 : 64;
                void *ne = reallocarray(x->e, cap, x->ops->size);
                if (!ne)
                        return -ENOMEM;
                x->e = ne;
                x->cap = cap;
        }
        memcpy(cfgidx_at(x, x->n++), rec, x->ops->size);
        return 0;
}

static int cmp_ent(const void *a, const void *b)
{
        unsigned x = ((const struct cfgidx_ent *)a)->ctid, y = ((const struct cfgidx_ent *)b)->ctid;
        return x < y ? -1 : x > y;
}

static void *find_in(const struct cfgidx *x, size_t n, unsigned ctid)
{
        struct cfgidx_ent key = {.ctid = ctid};

        return n ? bsearch(&key, x->e, n, x->ops->size, cmp_ent) : NULL;
}

void *cfgidx_find(const struct cfgidx *x, unsigned ctid)
{
        return find_in(x, x->n, ctid);
}

void cfgidx_sort(struct cfgidx *x)
{
        if (x->n)
                qsort(x->e, x->n, x->ops->size, cmp_ent);
}

/* Lines "CTID INODE PAYLOAD" (written sorted by CTID); anything else,
 * the "#" header included, is skipped, and an index out of order is
 * sorted. */
void cfgidx_load(struct cfgidx *x, const char *path)
{
        _cleanup_free_ char *rec = calloc(1, x->ops->size);
        bool sorted = true;

        if (!rec || vz_read_file(path, 256 << 20, &x->buf, NULL) < 0)
                return;
        for (char *l = x->buf, *nl; l && *l; l = nl) {
                struct cfgidx_ent *en = (struct cfgidx_ent *)rec;
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
                memset(rec, 0, x->ops->size);
                en->ctid = ctid;
                en->ino = strtoull(p + 1, &p, 10);
                if (errno || (*p != ' ' && *p != '\0'))
                        continue;
                if (x->ops->parse(*p ? p + 1 : p, rec) < 0)
                        continue;
                if (x->n && ((struct cfgidx_ent *)cfgidx_at(x, x->n - 1))->ctid >= en->ctid)
                        sorted = false;
                if (cfgidx_push(x, rec) < 0) {
                        if (x->ops->free)
                                x->ops->free(rec);
                        cfgidx_free(x);
                        return;
                }
        }
        if (!sorted)
                cfgidx_sort(x);
}

int cfgidx_reconcile(struct cfgidx *x, vz_ctx *ctx, bool *changed)
{
        _cleanup_free_ char *dir = vz_strdupf("%s/conf", ctx->confdir);
        _cleanup_free_ char *rec = calloc(1, x->ops->size);
        _cleanup_closedir_ DIR *d = NULL;
        size_t n_sorted = x->n;
        struct dirent *de;

        if (!dir || !rec)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                struct cfgidx_ent *hit;
                char num[32];
                unsigned ctid;
                size_t l = strlen(de->d_name);
                int r;
                if (l < 6 || l - 5 >= sizeof(num) || !vz_endswith(de->d_name, ".conf"))
                        continue;
                memcpy(num, de->d_name, l - 5);
                num[l - 5] = '\0';
                if (vz_ctid_parse(num, &ctid) < 0 || ctid == 0)
                        continue;
                hit = find_in(x, n_sorted, ctid);
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
                        r = x->ops->read(path, hit);
                } else {
                        struct cfgidx_ent *en = (struct cfgidx_ent *)rec;
                        memset(rec, 0, x->ops->size);
                        en->ctid = ctid;
                        en->ino = de->d_ino;
                        en->seen = true;
                        r = x->ops->read(path, rec);
                        if (r >= 0 && (r = cfgidx_push(x, rec)) < 0 && x->ops->free)
                                x->ops->free(rec);
                }
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n_sorted; i++) {
                struct cfgidx_ent *en = cfgidx_at(x, i);
                if (!en->seen) {
                        en->dead = true; /* config gone: destroyed */
                        *changed = true;
                }
        }
        cfgidx_sort(x);
        return 0;
}

void cfgidx_save(struct cfgidx *x, const char *path)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f;

        cfgidx_sort(x);
        f = open_memstream(&buf, &len);
        if (!f)
                return;
        fputs(x->ops->header, f);
        for (size_t i = 0; i < x->n; i++) {
                const struct cfgidx_ent *en = cfgidx_at(x, i);
                if (en->dead)
                        continue;
                fprintf(f, "%u %llu", en->ctid, (unsigned long long)en->ino);
                x->ops->format(f, en);
                fputc('\n', f);
        }
        if (fclose(f) == 0)
                (void)vz_write_file_replace(path, buf, len, 0600);
}

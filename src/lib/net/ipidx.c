/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The duplicate address check of vzctl set --ipadd (OpenVZ's exit 78, also
 * for a stopped CT), without reading every CT's config at each check.
 *
 * The index: LOCKDIR/ip.idx, one line "CTID CONFIG-INODE ADDR..." per CT
 * config (CTs without addresses too, so that they are not read again),
 * read and rewritten under LOCKDIR/ip.lck. It is only a cache, kept the way
 * the LOCAL_UID index is (registry/cfgidx.h): each check lists the config
 * directory and reads again the configs it does not know or whose inode
 * changed (so does an edit with sed -i or most editors); entries whose
 * config is gone (destroy) are dropped.
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
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/cfgidx.h"
#include "ctx.h"
#include "err.h"
#include "log.h"
#include "net.h"
#include "nl.h"
#include "util.h"

/* One CT: its addresses in canonical text (inet_ntop), space-separated,
 * pointing into the loaded index file or, once read again, owned. */
struct ipent {
        struct cfgidx_ent h;
        const char *ips;
        size_t len;
        bool owned;
};

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

static int ent_parse(const char *text, void *rec)
{
        struct ipent *en = rec;

        en->ips = text;
        en->len = strlen(text);
        return 0;
}

static void ent_format(FILE *f, const void *rec)
{
        const struct ipent *en = rec;

        fprintf(f, "%s%.*s", en->len ? " " : "", (int)en->len, en->ips);
}

static void ent_free(void *rec)
{
        struct ipent *en = rec;

        if (en->owned)
                free((char *)en->ips);
        en->owned = false;
}

/* Read the addresses of one CT's config into *en (inode as given). A
 * config that cannot be read has none: it is read again next time only if
 * its inode changes, like any other. */
static int read_conf(const char *path, void *rec)
{
        struct ipent *en = rec;
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

static const struct cfgidx_ops ip_ops = {
    .size = sizeof(struct ipent),
    .header = "# vz routed addresses: CTID CONFIG-INODE ADDRESS... "
              "(a cache, rebuilt from the configs when removed)\n",
    .read = read_conf,
    .parse = ent_parse,
    .format = ent_format,
    .free = ent_free,
};

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
        struct cfgidx x = {.ops = &ip_ops};
        bool changed = false;
        int r;

        if (canon_list(ip_list, &canon) < 0 || vz_strv_split(canon, " ", &mine) < 0)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (!mine[0])
                return 0;
        ip_lock(ctx);
        /* Without a lock there is no index either: every config is read. */
        if (ctx->ip_lock_fd >= 0 && (ipath = vz_strdupf("%s/ip.idx", vz_ctx_get(ctx, "LOCKDIR"))))
                cfgidx_load(&x, ipath);
        r = cfgidx_reconcile(&x, ctx, &changed);
        if (r < 0) {
                r = 0; /* no configs to compare with */
                goto out;
        }
        for (size_t i = 0; r == 0 && i < x.n; i++) {
                struct ipent *en = cfgidx_at(&x, i);
                if (en->h.ctid == ctid || en->h.dead)
                        continue;
                for (size_t k = 0; mine[k]; k++) {
                        _cleanup_free_ char *path = NULL;
                        struct stat st;
                        if (!ent_has(en, mine[k], strlen(mine[k])))
                                continue;
                        /* Believe the config, not the index. */
                        path = vz_strdupf("%s/conf/%u.conf", ctx->confdir, en->h.ctid);
                        if (!path || read_conf(path, en) < 0) {
                                r = vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                                break;
                        }
                        en->h.ino = stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
                        if (ent_has(en, mine[k], strlen(mine[k]))) {
                                r = vz_fail(e, VZ_E_IP_INUSE, -EADDRINUSE,
                                            "IP address %s is already used by CT %u", mine[k],
                                            en->h.ctid);
                                break;
                        }
                        vz_debug("ip.idx: CT %u no longer has %s, entry repaired", en->h.ctid,
                                 mine[k]);
                        changed = true;
                }
        }
        if (changed && ipath)
                cfgidx_save(&x, ipath);
out:
        cfgidx_free(&x);
        return r;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An index of per-CT records keyed by CTID and the inode of the CT's
 * config, kept as a text file "CTID INODE PAYLOAD..." (one line per CT,
 * sorted by CTID) and reconciled with $VZ_CONFDIR/conf. Used by the
 * LOCAL_UID allocator (LOCKDIR/userns.idx) and the duplicate address check
 * (LOCKDIR/ip.idx). Internal: not part of vz.h.
 *
 * It is only a cache. Reconciling lists the config directory (one getdents
 * pass, no config opened): a config the index does not know, or whose
 * inode changed (every save is an atomic rename, so a new inode), is read
 * again; entries whose config is gone are marked dead and not written back.
 * A missing or unreadable index is rebuilt that way from scratch. An
 * in-place edit that keeps the inode is the one change it cannot see.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <vz/vz.h>

/* The head of every record; the user's record type starts with it. */
struct cfgidx_ent {
        unsigned ctid;
        uint64_t ino;
        bool seen, dead;
};

struct cfgidx_ops {
        size_t size; /* of a record, which starts with struct cfgidx_ent */
        /* The file's first line (a "# ..." comment, newline included). */
        const char *header;
        /* Fill rec's payload from the config at path (ctid and ino are
         * set). A config that cannot be read gives an empty payload; only
         * -ENOMEM fails. */
        int (*read)(const char *path, void *rec);
        /* The payload from a line's text after "CTID INODE " ("" if none);
         * text stays valid until cfgidx_free. < 0: skip the line. */
        int (*parse)(const char *text, void *rec);
        /* Write the payload (with its leading space, if any) to f. */
        void (*format)(FILE *f, const void *rec);
        /* Release what read or parse allocated in rec; may be NULL. */
        void (*free)(void *rec);
};

struct cfgidx {
        const struct cfgidx_ops *ops;
        char *buf; /* the index file as loaded; parse may keep pointers in it */
        void *e;
        size_t n, cap;
};

static inline void *cfgidx_at(const struct cfgidx *x, size_t i)
{
        return (char *)x->e + i * x->ops->size;
}

void cfgidx_free(struct cfgidx *x);
/* Append a record (copied); -ENOMEM. */
int cfgidx_push(struct cfgidx *x, const void *rec);
/* The live or dead record of ctid, NULL if none; x must be sorted. */
void *cfgidx_find(const struct cfgidx *x, unsigned ctid);
void cfgidx_sort(struct cfgidx *x);
/* Load the index at path (a missing or unreadable file gives none). */
void cfgidx_load(struct cfgidx *x, const char *path);
/* Bring x up to date with ctx's config directory (see above) and sort it.
 * *changed is set when anything differs from the file. 0 or -errno. */
int cfgidx_reconcile(struct cfgidx *x, vz_ctx *ctx, bool *changed);
/* Write the live records to path atomically, sorted; best effort. */
void cfgidx_save(struct cfgidx *x, const char *path);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Change sets: the options of one command line, validated when added and
 * applied later against the CT's real current values (options such as
 * --ipadd or --capability modify what is there, so the final value can only
 * be computed at apply time).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "params.h"
#include "util.h"

struct change {
        const struct vz_param *p;
        char *arg;
};

struct vz_changes {
        struct change *v;
        size_t n;
};

_public_ int vz_changes_new(vz_changes **ret)
{
        vz_changes *ch = calloc(1, sizeof(*ch));
        if (!ch)
                return -ENOMEM;
        *ret = ch;
        return 0;
}

_public_ void vz_changes_free(vz_changes *ch)
{
        if (!ch)
                return;
        for (size_t i = 0; i < ch->n; i++)
                free(ch->v[i].arg);
        free(ch->v);
        free(ch);
}

_public_ int vz_changes_add(vz_changes *ch, const char *option, const char *value, vz_err *e)
{
        _cleanup_free_ char *tmp = NULL, *arg = NULL;
        const struct vz_param *p;
        struct change *nv;
        int r;

        if (!ch || !option)
                return vz_fail(e, VZ_E_SYNTAX, -EINVAL, "no option given");
        /* Accept "--name" as well as "name". */
        while (*option == '-')
                option++;
        p = vz_param_row_by_option(option);
        if (!p)
                return vz_fail(e, VZ_E_SYNTAX, -EINVAL, "unknown option --%s", option);
        /* Validate now, against an empty current value, so a bad command line
         * fails before anything is touched. */
        r = vz_param_parse(p, value, NULL, &tmp, e);
        if (r < 0)
                return r;
        arg = strdup(value);
        if (!arg)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        nv = realloc(ch->v, (ch->n + 1) * sizeof(*nv));
        if (!nv)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        ch->v = nv;
        ch->v[ch->n++] = (struct change){.p = p, .arg = TAKE_PTR(arg)};
        return 0;
}

_public_ bool vz_changes_has(const vz_changes *ch, const char *name)
{
        if (!ch || !name)
                return false;
        name = vz_param_canonical_name(name);
        for (size_t i = 0; i < ch->n; i++)
                if (streq(ch->v[i].p->info.name, name))
                        return true;
        return false;
}

_public_ size_t vz_changes_count(const vz_changes *ch)
{
        return ch ? ch->n : 0;
}

const vz_param_info *vz_changes_param_at(const vz_changes *ch, size_t i)
{
        if (!ch || i >= ch->n)
                return NULL;
        return &ch->v[i].p->info;
}

/* Names touched so far, with the CT file's value before the first touch. */
struct touched {
        char **names;
        char **orig; /* parallel; "" marks "was unset" via orig_set */
        bool *orig_set;
        size_t n;
};

static void touched_done(struct touched *t)
{
        for (size_t i = 0; i < t->n; i++) {
                free(t->names[i]);
                free(t->orig[i]);
        }
        free(t->names);
        free(t->orig);
        free(t->orig_set);
}

static ssize_t touched_find(const struct touched *t, const char *name)
{
        for (size_t i = 0; i < t->n; i++)
                if (streq(t->names[i], name))
                        return (ssize_t)i;
        return -1;
}

static int touched_add(struct touched *t, const char *name, const char *orig)
{
        char **nn = realloc(t->names, (t->n + 1) * sizeof(char *));
        char **no;
        bool *ns;

        if (!nn)
                return -ENOMEM;
        t->names = nn;
        no = realloc(t->orig, (t->n + 1) * sizeof(char *));
        if (!no)
                return -ENOMEM;
        t->orig = no;
        ns = realloc(t->orig_set, (t->n + 1) * sizeof(bool));
        if (!ns)
                return -ENOMEM;
        t->orig_set = ns;
        t->names[t->n] = strdup(name);
        t->orig[t->n] = orig ? strdup(orig) : NULL;
        t->orig_set[t->n] = orig != NULL;
        if (!t->names[t->n] || (orig && !t->orig[t->n])) {
                free(t->names[t->n]);
                free(t->orig[t->n]);
                return -ENOMEM;
        }
        t->n++;
        return 0;
}

int vz_changes_apply(const vz_changes *ch, vz_conffile *ct, vz_lookup_fn cur, void *userdata,
                     vz_err *e)
{
        _cleanup_(touched_done) struct touched t = {0};
        /* Options with fresh_list semantics already seen in this change set. */
        const struct vz_param **fresh = NULL;
        size_t nfresh = 0;
        int r = 0, changed = 0;

        if (!ch)
                return 0;
        fresh = calloc(ch->n + 1, sizeof(*fresh));
        if (!fresh)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");

        for (size_t i = 0; i < ch->n; i++) {
                const struct vz_param *p = ch->v[i].p;
                const char *name = p->info.name, *curv;
                _cleanup_free_ char *nv = NULL;
                bool seen_fresh = false;

                for (size_t k = 0; k < nfresh; k++)
                        seen_fresh = seen_fresh || fresh[k] == p;
                if (touched_find(&t, name) >= 0)
                        curv = vz_conffile_get(ct, name);
                else
                        curv = cur ? cur(name, userdata) : vz_conffile_get(ct, name);
                /* --nameserver: each command line replaces the list, repeats
                 * within it accumulate. */
                if (p->fresh_list && !seen_fresh) {
                        curv = NULL;
                        fresh[nfresh++] = p;
                }
                r = vz_param_parse(p, ch->v[i].arg, curv, &nv, e);
                if (r < 0)
                        goto out;
                if (touched_find(&t, name) < 0) {
                        r = touched_add(&t, name, vz_conffile_get(ct, name));
                        if (r < 0) {
                                vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
                                goto out;
                        }
                }
                r = nv ? vz_conffile_set(ct, name, nv) : vz_conffile_unset(ct, name);
                if (r < 0) {
                        vz_fail(e, VZ_E_SYSTEM, r, "cannot set %s: %s", name, strerror(-r));
                        goto out;
                }
        }
        /* Count keys whose final value differs from the original one. */
        for (size_t i = 0; i < t.n; i++) {
                const char *now = vz_conffile_get(ct, t.names[i]);
                if (!t.orig_set[i] != !now || (now && !streq(now, t.orig[i])))
                        changed++;
        }
        r = changed;
out:
        free(fresh);
        return r;
}

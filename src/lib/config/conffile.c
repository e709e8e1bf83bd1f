/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Config files as lists of logical lines. Each line keeps its raw bytes, so a
 * file that is not edited serializes back byte-for-byte (including a missing
 * final newline, odd spacing, garbage and continuation lines). The value of
 * an assignment is read the way the shell reads it, since the same files are
 * sourced by shell scripts.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "params.h"
#include "util.h"

#define CONFFILE_MAX (16U << 20)

struct line {
        char *raw;   /* the logical line as read, with its newline(s) */
        size_t len;  /* raw may hold NUL bytes: it is never used as a string */
        char *key;   /* canonical name (aliases resolved), NULL if no assignment */
        char *value; /* unquoted, unescaped value */
};

struct vz_conffile {
        struct line *lines;
        size_t n, cap;
        /* Joined values of the accumulating list keys (IP_ADDRESS, ...),
         * rebuilt on every change so get() stays const. */
        char **acc_keys;
        char **acc_values;
};

static void line_done(struct line *l)
{
        free(l->raw);
        free(l->key);
        free(l->value);
}

void vz_conffile_free(vz_conffile *f)
{
        if (!f)
                return;
        for (size_t i = 0; i < f->n; i++)
                line_done(&f->lines[i]);
        free(f->lines);
        vz_strv_free(f->acc_keys);
        vz_strv_free(f->acc_values);
        free(f);
}

static inline void conffile_freep(vz_conffile **f)
{
        vz_conffile_free(*f);
}

vz_conffile *vz_conffile_new(void)
{
        return calloc(1, sizeof(vz_conffile));
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_name_start(char c)
{
        return isalpha((unsigned char)c) || c == '_';
}

static bool is_name_char(char c)
{
        return isalnum((unsigned char)c) || c == '_';
}

/* Where does the logical line starting at buf[pos] end? A quoted value may
 * span lines, and a backslash-newline outside single quotes continues the
 * line, as in the shell. An unterminated quote swallows the rest of the file
 * into one garbage line (*ret_open set): the shell would refuse the file, and
 * keeping the decision at EOF means edits before it cannot change it. */
static size_t logical_end(const char *buf, size_t len, size_t pos, bool *ret_open)
{
        size_t i = pos, phys_end;
        char quote = 0;
        bool prev_blank = true;

        *ret_open = false;

        phys_end = pos;
        while (phys_end < len && buf[phys_end] != '\n')
                phys_end++;
        if (phys_end < len)
                phys_end++;

        while (i < len && is_blank(buf[i]))
                i++;
        /* Only assignments can continue: comments and garbage are one line. */
        if (i >= len || !is_name_start(buf[i]))
                return phys_end;

        for (; i < len; i++) {
                char c = buf[i];
                if (quote == '\'') {
                        if (c == '\'')
                                quote = 0;
                        continue;
                }
                if (quote == '"') {
                        if (c == '\\')
                                i++;
                        else if (c == '"')
                                quote = 0;
                        continue;
                }
                if (c == '\\') {
                        i++;
                        prev_blank = false;
                        continue;
                }
                if (c == '\n')
                        return i + 1;
                if (c == '#' && prev_blank) {
                        /* Comment to the end of this physical line. */
                        while (i < len && buf[i] != '\n')
                                i++;
                        return i < len ? i + 1 : len;
                }
                if (c == '"' || c == '\'')
                        quote = c;
                prev_blank = is_blank(c);
        }
        *ret_open = quote != 0;
        return len;
}

/* Parse the value part the way the shell would: quotes, escapes and
 * continuations. Unquoted blanks inside the value are kept (OpenVZ took an
 * unquoted value to the end of the line); trailing blanks and a comment
 * after a blank are dropped. */
static char *unquote(const char *s, size_t n)
{
        char *out = malloc(n + 1);
        size_t o = 0, committed = 0, i = 0;
        char quote = 0;
        bool seen = false; /* a blank-separated word started */

        if (!out)
                return NULL;
        while (i < n && is_blank(s[i]))
                i++;
        for (; i < n; i++) {
                char c = s[i];
                if (quote == '\'') {
                        if (c == '\'')
                                quote = 0;
                        else
                                out[o++] = c;
                        committed = o;
                        continue;
                }
                if (quote == '"') {
                        if (c == '\\' && i + 1 < n && strchr("$`\"\\\n", s[i + 1])) {
                                if (s[i + 1] != '\n')
                                        out[o++] = s[i + 1];
                                i++;
                        } else if (c == '"')
                                quote = 0;
                        else
                                out[o++] = c;
                        committed = o;
                        continue;
                }
                if (c == '\\' && i + 1 < n) {
                        if (s[i + 1] != '\n')
                                out[o++] = s[i + 1];
                        i++;
                        committed = o;
                        seen = true;
                        continue;
                }
                if (c == '\n')
                        break;
                if (is_blank(c)) {
                        out[o++] = c;
                        continue;
                }
                if (c == '#' && o > committed && seen)
                        break;
                if (c == '"' || c == '\'')
                        quote = c;
                else
                        out[o++] = c;
                committed = o;
                seen = true;
        }
        out[committed] = '\0';
        return out;
}

/* Fill l->key/l->value from l->raw, or leave them NULL for a line that is
 * not an assignment. */
static int line_analyze(struct line *l)
{
        const char *s = l->raw, *end = l->raw + l->len, *p, *name_end;

        if (memchr(s, '\0', l->len))
                return 0; /* cannot be a shell assignment */
        p = s;
        while (p < end && is_blank(*p))
                p++;
        if (p >= end || !is_name_start(*p))
                return 0;
        while (p < end && is_name_char(*p))
                p++;
        name_end = p;
        while (p < end && is_blank(*p))
                p++;
        if (p >= end || *p != '=')
                return 0;
        {
                const char *name = s;
                while (is_blank(*name))
                        name++;
                _cleanup_free_ char *k = strndup(name, name_end - name);
                if (!k)
                        return -ENOMEM;
                l->key = strdup(vz_param_canonical_name(k));
                if (!l->key)
                        return -ENOMEM;
        }
        l->value = unquote(p + 1, end - (p + 1));
        if (!l->value) {
                free(l->key);
                l->key = NULL;
                return -ENOMEM;
        }
        return 0;
}

static int push_line(vz_conffile *f, const char *raw, size_t len, bool analyze)
{
        struct line l = {0};
        int r;

        if (f->n == f->cap) {
                size_t nc = f->cap ? f->cap * 2 : 32;
                struct line *nl = realloc(f->lines, nc * sizeof(*nl));
                if (!nl)
                        return -ENOMEM;
                f->lines = nl;
                f->cap = nc;
        }
        l.raw = malloc(len + 1);
        if (!l.raw)
                return -ENOMEM;
        memcpy(l.raw, raw, len);
        l.raw[len] = '\0';
        l.len = len;
        if (analyze) {
                r = line_analyze(&l);
                if (r < 0) {
                        line_done(&l);
                        return r;
                }
        }
        f->lines[f->n++] = l;
        return 0;
}

/* Rebuild the joined values of accumulating keys. */
static int rebuild_acc(vz_conffile *f)
{
        _cleanup_strv_free_ char **keys = NULL, **values = NULL;
        int r;

        keys = calloc(1, sizeof(char *));
        values = calloc(1, sizeof(char *));
        if (!keys || !values)
                return -ENOMEM;
        for (size_t i = 0; i < f->n; i++) {
                const struct line *l = &f->lines[i];
                size_t k;
                if (!l->key || !vz_param_accumulates(l->key))
                        continue;
                for (k = 0; keys[k]; k++)
                        if (streq(keys[k], l->key))
                                break;
                if (!keys[k]) {
                        r = vz_strv_push(&keys, l->key);
                        if (r < 0)
                                return r;
                        r = vz_strv_push(&values, l->value);
                        if (r < 0)
                                return r;
                } else if (*l->value) {
                        char *nv = *values[k] ? vz_strdupf("%s %s", values[k], l->value)
                                              : strdup(l->value);
                        if (!nv)
                                return -ENOMEM;
                        free(values[k]);
                        values[k] = nv;
                }
        }
        vz_strv_free(f->acc_keys);
        vz_strv_free(f->acc_values);
        f->acc_keys = TAKE_PTR(keys);
        f->acc_values = TAKE_PTR(values);
        return 0;
}

int vz_conffile_parse(const char *buf, size_t len, vz_conffile **ret)
{
        _cleanup_(conffile_freep) vz_conffile *f = vz_conffile_new();
        size_t pos = 0;
        int r;

        if (!f)
                return -ENOMEM;
        while (pos < len) {
                bool open;
                size_t end = logical_end(buf, len, pos, &open);
                r = push_line(f, buf + pos, end - pos, !open);
                if (r < 0)
                        return r;
                pos = end;
        }
        r = rebuild_acc(f);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(f);
        return 0;
}

int vz_conffile_load(const char *path, vz_conffile **ret, vz_err *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = vz_read_file(path, CONFFILE_MAX, &buf, &len);
        if (r == -ENOENT)
                return vz_fail(e, VZ_E_NOVECONFIG, r, "config file %s does not exist", path);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot read %s: %s", path, strerror(-r));
        r = vz_conffile_parse(buf, len, ret);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot parse %s: %s", path, strerror(-r));
        return 0;
}

const char *vz_conffile_get(const vz_conffile *f, const char *key)
{
        if (!f || !key)
                return NULL;
        key = vz_param_canonical_name(key);
        if (vz_param_accumulates(key)) {
                for (size_t k = 0; f->acc_keys && f->acc_keys[k]; k++)
                        if (streq(f->acc_keys[k], key))
                                return f->acc_values[k];
                return NULL;
        }
        for (size_t i = 0; i < f->n; i++)
                if (f->lines[i].key && streq(f->lines[i].key, key))
                        return f->lines[i].value;
        return NULL;
}

/* KEY="value\n" with what is special inside double quotes escaped. */
static char *render(const char *key, const char *value)
{
        size_t n = strlen(key) + 2 * strlen(value) + 5;
        char *out = malloc(n), *o;

        if (!out)
                return NULL;
        o = stpcpy(out, key);
        *o++ = '=';
        *o++ = '"';
        for (const char *v = value; *v; v++) {
                if (strchr("\"\\$`", *v))
                        *o++ = '\\';
                *o++ = *v;
        }
        *o++ = '"';
        *o++ = '\n';
        *o = '\0';
        return out;
}

static void remove_line(vz_conffile *f, size_t i)
{
        line_done(&f->lines[i]);
        memmove(&f->lines[i], &f->lines[i + 1], (f->n - i - 1) * sizeof(struct line));
        f->n--;
}

/* Would text appended after the last line (with a newline added to it)
 * change how the last line reads? True for an unterminated quote or a
 * trailing backslash: the new line goes before it then. */
static bool last_line_is_open(const struct line *last, bool *ret_needs_nl)
{
        _cleanup_free_ char *probe = NULL;
        bool open;
        size_t n;

        *ret_needs_nl = last->len > 0 && last->raw[last->len - 1] != '\n';
        probe = malloc(last->len + 8);
        if (!probe)
                return true;
        memcpy(probe, last->raw, last->len);
        n = last->len;
        if (*ret_needs_nl)
                probe[n++] = '\n';
        memcpy(probe + n, "X=\"\"\n", 6);
        return logical_end(probe, n + 6, 0, &open) != n || open;
}

/* Take nl (a rendered assignment) into the file at the end. */
static int append_line(vz_conffile *f, struct line *nl)
{
        size_t at = f->n;
        bool needs_nl = false;

        if (f->n > 0 && last_line_is_open(&f->lines[f->n - 1], &needs_nl)) {
                at = f->n - 1;
                needs_nl = false;
        }
        if (needs_nl) {
                struct line *last = &f->lines[f->n - 1];
                char *nr = realloc(last->raw, last->len + 2);
                if (!nr)
                        return -ENOMEM;
                last->raw = nr;
                last->raw[last->len++] = '\n';
                last->raw[last->len] = '\0';
        }
        if (f->n == f->cap) {
                size_t nc = f->cap ? f->cap * 2 : 32;
                struct line *nv = realloc(f->lines, nc * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                f->lines = nv;
                f->cap = nc;
        }
        memmove(&f->lines[at + 1], &f->lines[at], (f->n - at) * sizeof(struct line));
        f->lines[at] = *nl;
        f->n++;
        return 0;
}

int vz_conffile_set(vz_conffile *f, const char *key, const char *value)
{
        _cleanup_free_ char *raw = NULL;
        const char *cur;
        size_t first = SIZE_MAX, count = 0;
        struct line nl = {0};
        int r;

        if (!f || !key || !value)
                return -EINVAL;
        key = vz_param_canonical_name(key);
        for (size_t i = 0; i < f->n; i++)
                if (f->lines[i].key && streq(f->lines[i].key, key)) {
                        if (first == SIZE_MAX)
                                first = i;
                        count++;
                }
        cur = vz_conffile_get(f, key);
        /* Equal value: leave the file alone, even a list spread over lines. */
        if (cur && streq(cur, value))
                return 0;

        raw = render(key, value);
        if (!raw)
                return -ENOMEM;
        nl.len = strlen(raw);
        nl.key = strdup(key);
        nl.value = strdup(value);
        if (!nl.key || !nl.value) {
                free(nl.key);
                free(nl.value);
                return -ENOMEM;
        }
        nl.raw = TAKE_PTR(raw);

        if (first != SIZE_MAX) {
                line_done(&f->lines[first]);
                f->lines[first] = nl;
                /* Later lines of an accumulating key would add to the new value. */
                if (vz_param_accumulates(key) && count > 1)
                        for (size_t i = f->n; i-- > first + 1;)
                                if (f->lines[i].key && streq(f->lines[i].key, key))
                                        remove_line(f, i);
        } else {
                r = append_line(f, &nl);
                if (r < 0) {
                        line_done(&nl);
                        return r;
                }
        }
        r = rebuild_acc(f);
        return r < 0 ? r : 1;
}

int vz_conffile_unset(vz_conffile *f, const char *key)
{
        bool removed = false;
        int r;

        if (!f || !key)
                return -EINVAL;
        key = vz_param_canonical_name(key);
        for (size_t i = f->n; i-- > 0;)
                if (f->lines[i].key && streq(f->lines[i].key, key)) {
                        remove_line(f, i);
                        removed = true;
                }
        if (!removed)
                return 0;
        r = rebuild_acc(f);
        return r < 0 ? r : 1;
}

int vz_conffile_keys(const vz_conffile *f, char ***ret)
{
        _cleanup_strv_free_ char **v = calloc(1, sizeof(char *));
        int r;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; f && i < f->n; i++) {
                const char *k = f->lines[i].key;
                if (!k || vz_strv_contains(v, k))
                        continue;
                r = vz_strv_push(&v, k);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

char *vz_conffile_serialize(const vz_conffile *f, size_t *ret_len)
{
        size_t len = 0, o = 0;
        char *out;

        for (size_t i = 0; f && i < f->n; i++)
                len += f->lines[i].len;
        out = malloc(len + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; f && i < f->n; i++) {
                memcpy(out + o, f->lines[i].raw, f->lines[i].len);
                o += f->lines[i].len;
        }
        out[o] = '\0';
        if (ret_len)
                *ret_len = o;
        return out;
}

int vz_conffile_save(const vz_conffile *f, const char *path, vz_err *e)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r;

        data = vz_conffile_serialize(f, &len);
        if (!data)
                return vz_fail(e, VZ_E_CONFIG_SAVE, -ENOMEM, "cannot save %s: out of memory", path);
        r = vz_write_file_atomic(path, data, len, 0644);
        if (r < 0)
                return vz_fail(e, VZ_E_CONFIG_SAVE, r, "cannot save %s: %s", path, strerror(-r));
        return 0;
}

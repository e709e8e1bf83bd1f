/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzlist --cluster: where each CT managed by Pacemaker runs, cluster-wide.
 *
 * The CTs are the CIB's primitives of the vz agent (ocf:vz:vz, parameter
 * ctid) and of heartbeat's ManageVE (parameter veid), read with
 * `cibadmin -Q -o resources`; their placement is what `crm_mon
 * --output-as=xml` computes (role, and the nodes each runs on). Both are
 * machine-written XML; a small scanner of start tags and their quoted
 * attributes is enough for them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vzlist-cluster.h"

struct clu_rsc {
        char *id;
        char *ctid;
        char *agent;
        char *role;
        char *nodes; /* space-separated */
};

struct clu {
        struct clu_rsc *r;
        size_t n;
};

static char *run_cmd(const char *cmd)
{
        FILE *f = popen(cmd, "r");
        char *buf = NULL;
        size_t len = 0, cap = 0, got;
        int st;

        if (!f)
                return NULL;
        for (;;) {
                if (cap - len < 4096) {
                        char *nb = realloc(buf, cap + 65536);
                        if (!nb) {
                                free(buf);
                                pclose(f);
                                return NULL;
                        }
                        buf = nb;
                        cap += 65536;
                }
                got = fread(buf + len, 1, cap - len - 1, f);
                if (got == 0)
                        break;
                len += got;
        }
        buf[len] = '\0';
        st = pclose(f);
        if (st != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* attr(TAG, NAME): a copy of the value of NAME="..." in the start tag
 * TAG (up to its '>'), with the five XML entities decoded; NULL if absent. */
static char *attr(const char *tag, const char *end, const char *name)
{
        size_t nl = strlen(name);
        const char *p = tag;

        while ((p = strstr(p, name)) && p < end) {
                if ((p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n') && p[nl] == '=' &&
                    p[nl + 1] == '"') {
                        const char *v = p + nl + 2, *q = strchr(v, '"');
                        char *out, *o;
                        if (!q || q > end)
                                return NULL;
                        out = o = malloc((size_t)(q - v) + 1);
                        if (!out)
                                return NULL;
                        while (v < q) {
                                static const struct {
                                        const char *ent;
                                        char c;
                                } ents[] = {{"&amp;", '&'},
                                            {"&lt;", '<'},
                                            {"&gt;", '>'},
                                            {"&quot;", '"'},
                                            {"&apos;", '\''}};
                                bool done = false;
                                for (size_t i = 0; *v == '&' && i < 5; i++) {
                                        size_t el = strlen(ents[i].ent);
                                        if (strncmp(v, ents[i].ent, el) == 0) {
                                                *o++ = ents[i].c;
                                                v += el;
                                                done = true;
                                                break;
                                        }
                                }
                                if (!done)
                                        *o++ = *v++;
                        }
                        *o = '\0';
                        return out;
                }
                p += nl;
        }
        return NULL;
}

/* next_tag(&p, name): the next start tag called NAME; *p moves past it. */
static const char *next_tag(const char **p, const char **end, const char *name)
{
        size_t nl = strlen(name);
        const char *t = *p;

        while ((t = strchr(t, '<'))) {
                if (strncmp(t + 1, name, nl) == 0 && strchr(" \t\n/>", t[1 + nl])) {
                        *end = strchr(t, '>');
                        if (!*end)
                                return NULL;
                        *p = *end + 1;
                        return t;
                }
                t++;
        }
        return NULL;
}

static struct clu_rsc *find(struct clu *c, const char *id)
{
        for (size_t i = 0; i < c->n; i++)
                if (strcmp(c->r[i].id, id) == 0)
                        return &c->r[i];
        return NULL;
}

static void clu_free(struct clu *c)
{
        for (size_t i = 0; i < c->n; i++) {
                free(c->r[i].id);
                free(c->r[i].ctid);
                free(c->r[i].agent);
                free(c->r[i].role);
                free(c->r[i].nodes);
        }
        free(c->r);
}

/* The CT primitives of the CIB: id, agent, ctid (or ManageVE's veid). */
static int read_cib(struct clu *c, const char *xml)
{
        const char *p = xml, *t, *end;

        while ((t = next_tag(&p, &end, "primitive"))) {
                char *id = attr(t, end, "id"), *prov = attr(t, end, "provider"),
                     *type = attr(t, end, "type");
                const char *close = strstr(p, "</primitive>"), *q = p, *nt, *nend;
                char *ctid = NULL;
                bool ours = type && ((prov && strcmp(prov, "vz") == 0 && strcmp(type, "vz") == 0) ||
                                     strcmp(type, "ManageVE") == 0);

                if (end[-1] == '/')
                        close = p;
                while (ours && close && (nt = next_tag(&q, &nend, "nvpair")) && nt < close) {
                        char *n = attr(nt, nend, "name");
                        if (n && (strcmp(n, "ctid") == 0 || strcmp(n, "veid") == 0)) {
                                free(ctid);
                                ctid = attr(nt, nend, "value");
                        }
                        free(n);
                }
                if (ours && id && ctid) {
                        struct clu_rsc *nr = realloc(c->r, (c->n + 1) * sizeof(*nr));
                        if (!nr) {
                                free(id), free(prov), free(type), free(ctid);
                                return -ENOMEM;
                        }
                        c->r = nr;
                        c->r[c->n++] =
                            (struct clu_rsc){.id = id,
                                             .ctid = ctid,
                                             .agent = strcmp(type, "vz") == 0 ? strdup("ocf:vz:vz")
                                                                              : strdup("ManageVE")};
                        id = ctid = NULL;
                }
                free(id), free(prov), free(type), free(ctid);
        }
        return 0;
}

/* crm_mon's view: role and nodes of each of our resources. */
static int read_status(struct clu *c, const char *xml)
{
        const char *p = xml, *t, *end;

        while ((t = next_tag(&p, &end, "resource"))) {
                char *id = attr(t, end, "id");
                struct clu_rsc *r = id ? find(c, id) : NULL;
                const char *close = end[-1] == '/' ? p : strstr(p, "</resource>");
                const char *q = p, *nt, *nend;

                free(id);
                if (!r)
                        continue;
                free(r->role);
                r->role = attr(t, end, "role");
                while (close && (nt = next_tag(&q, &nend, "node")) && nt < close) {
                        char *name = attr(nt, nend, "name");
                        if (name) {
                                size_t l = (r->nodes ? strlen(r->nodes) + 1 : 0) + strlen(name) + 1;
                                char *nn = malloc(l);
                                if (!nn) {
                                        free(name);
                                        return -ENOMEM;
                                }
                                snprintf(nn, l, "%s%s%s", r->nodes ? r->nodes : "",
                                         r->nodes ? "," : "", name);
                                free(r->nodes);
                                r->nodes = nn;
                        }
                        free(name);
                }
        }
        return 0;
}

static void json_str(FILE *out, const char *s)
{
        fputc('"', out);
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        fprintf(out, "\\%c", *s);
                else if ((unsigned char)*s < 0x20)
                        fprintf(out, "\\u%04x", *s);
                else
                        fputc(*s, out);
        }
        fputc('"', out);
}

int vzl_cluster_print(bool header, bool json, FILE *out)
{
        struct clu c = {0};
        char *cib, *mon;
        int r;

        cib = run_cmd("cibadmin -Q -o resources 2>/dev/null");
        if (!cib) {
                fprintf(stderr, "vzlist: cannot read the cluster configuration "
                                "(cibadmin -Q failed: is Pacemaker running on this node?)\n");
                return 1;
        }
        mon = run_cmd("crm_mon -1 --inactive --output-as=xml 2>/dev/null");
        if (!mon) {
                free(cib);
                fprintf(stderr, "vzlist: cannot read the cluster status (crm_mon failed)\n");
                return 1;
        }
        r = read_cib(&c, cib);
        if (r == 0)
                r = read_status(&c, mon);
        free(cib);
        free(mon);
        if (r < 0) {
                clu_free(&c);
                fprintf(stderr, "vzlist: out of memory\n");
                return 1;
        }
        if (json) {
                fputs("[", out);
                for (size_t i = 0; i < c.n; i++) {
                        fprintf(out, "%s\n  {\"ctid\": ", i ? "," : "");
                        json_str(out, c.r[i].ctid);
                        fputs(", \"resource\": ", out);
                        json_str(out, c.r[i].id);
                        fputs(", \"agent\": ", out);
                        json_str(out, c.r[i].agent ? c.r[i].agent : "");
                        fputs(", \"node\": ", out);
                        if (c.r[i].nodes)
                                json_str(out, c.r[i].nodes);
                        else
                                fputs("null", out);
                        fputs(", \"role\": ", out);
                        json_str(out, c.r[i].role ? c.r[i].role : "Stopped");
                        fputs("}", out);
                }
                fputs(c.n ? "\n]\n" : "]\n", out);
        } else {
                if (header)
                        fprintf(out, "%10s %-16s %-16s %-10s %s\n", "CTID", "RESOURCE", "NODE",
                                "ROLE", "AGENT");
                for (size_t i = 0; i < c.n; i++)
                        fprintf(out, "%10s %-16s %-16s %-10s %s\n", c.r[i].ctid, c.r[i].id,
                                c.r[i].nodes ? c.r[i].nodes : "-",
                                c.r[i].role ? c.r[i].role : "Stopped",
                                c.r[i].agent ? c.r[i].agent : "-");
        }
        clu_free(&c);
        return 0;
}

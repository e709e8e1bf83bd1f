/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzlist --cluster: where each CT managed by Pacemaker runs, cluster-wide.
 *
 * The CTs are the CIB's primitives of the vz agent (ocf:vz:vz, parameter
 * ctid) and of heartbeat's ManageVE (ocf:heartbeat:ManageVE, parameter
 * veid), read with `cibadmin -Q -o resources`, in groups and clones too;
 * their placement is what `crm_mon -1 --inactive --output-as=xml` computes
 * (role, and the nodes each runs on). Both documents are parsed with
 * libxml2 and printed as vzlist's text table or, with -j, JSON by json-c.
 *
 * This is the vzlist-cluster helper, which vzlist execs for --cluster:
 * libxml2 pulls ICU, libstdc++, zlib and liblzma, whose loading costs
 * several ms at every start, and plain vzlist loads only libc.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "vzlist-cluster.h"

extern char **environ;

/* The CIB of a large cluster is a few MB; more is not Pacemaker's. */
#define CLU_MAX_XML (64u << 20)

int vzl_clu_run(char *const argv[], size_t max, char **ret, size_t *ret_len)
{
        posix_spawn_file_actions_t fa;
        char *buf = NULL;
        size_t len = 0, cap = 0;
        bool too_big = false;
        int p[2], r, st;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        r = posix_spawn_file_actions_init(&fa);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
        if (r == 0)
                r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        if (r == 0)
                r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(p[1]);
        if (r != 0) {
                close(p[0]);
                return -r;
        }
        for (;;) {
                ssize_t got;

                if (cap - len < 4096) {
                        char *nb = realloc(buf, cap + 65536);
                        if (!nb) {
                                r = -ENOMEM;
                                break;
                        }
                        buf = nb;
                        cap += 65536;
                }
                got = read(p[0], buf + len, cap - len - 1);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        r = -errno;
                        break;
                }
                if (got == 0)
                        break;
                len += (size_t)got;
                if (len > max) {
                        too_big = true;
                        break;
                }
        }
        close(p[0]);
        /* Stopped reading early: the child we started must not block on a
         * full pipe (it gets EPIPE/SIGPIPE now) nor outlive us. */
        if (r < 0 || too_big)
                kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR) {
                        st = -1;
                        break;
                }
        if (r == 0 && too_big)
                r = -EFBIG;
        if (r == 0 && (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0))
                r = -EIO;
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[len] = '\0';
        *ret = buf;
        *ret_len = len;
        return 0;
}

/* Parse without network access and without substituting entities. A
 * document with a DTD is refused: Pacemaker writes none, and a DTD's
 * internal entities expand again at every read of an attribute that
 * refers to them (the "billion laughs"). libxml2 itself refuses an
 * undeclared entity and caps a text or attribute at 10 MB. */
static int parse(const char *xml, size_t len, const char *url, xmlDoc **ret)
{
        xmlDoc *d;

        if (len > INT_MAX)
                return -EINVAL;
        d = xmlReadMemory(xml, (int)len, url, NULL,
                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!d)
                return -EINVAL;
        if (d->intSubset || d->extSubset || !xmlDocGetRootElement(d)) {
                xmlFreeDoc(d);
                return -EINVAL;
        }
        *ret = d;
        return 0;
}

static bool is(const xmlNode *n, const char *name)
{
        return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* A malloc'd copy of attribute NAME of N, or NULL (absent or no memory). */
static char *prop(xmlNode *n, const char *name)
{
        xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
        char *s;

        if (!v)
                return NULL;
        s = strdup((const char *)v);
        xmlFree(v);
        return s;
}

static bool prop_is(xmlNode *n, const char *name, const char *want)
{
        xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
        bool eq = v && strcmp((const char *)v, want) == 0;

        xmlFree(v);
        return eq;
}

/* A CTID as the agents take it: a number or a CT name; anything else
 * (empty, spaces, control characters, a megabyte) is not one. */
static bool ctid_ok(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 64)
                return false;
        return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static void rsc_free(struct vzl_clu_rsc *r)
{
        free(r->id);
        free(r->ctid);
        free(r->agent);
        free(r->role);
        free(r->nodes);
}

void vzl_clu_free(struct vzl_clu *c)
{
        for (size_t i = 0; i < c->n; i++)
                rsc_free(&c->r[i]);
        free(c->r);
        c->r = NULL;
        c->n = 0;
}

/* A primitive of one of our agents: its id and CT parameter, from its
 * instance_attributes (not meta_attributes, not an operation's). */
static int add_primitive(struct vzl_clu *c, xmlNode *p)
{
        const char *param, *agent;
        struct vzl_clu_rsc r = {0}, *nr;

        if (!prop_is(p, "class", "ocf"))
                return 0;
        if (prop_is(p, "provider", "vz") && prop_is(p, "type", "vz"))
                param = "ctid", agent = "ocf:vz:vz";
        else if (prop_is(p, "provider", "heartbeat") && prop_is(p, "type", "ManageVE"))
                param = "veid", agent = "ManageVE";
        else
                return 0;
        for (xmlNode *ia = p->children; ia && !r.ctid; ia = ia->next) {
                if (!is(ia, "instance_attributes"))
                        continue;
                for (xmlNode *nv = ia->children; nv && !r.ctid; nv = nv->next)
                        if (is(nv, "nvpair") && prop_is(nv, "name", param)) {
                                r.ctid = prop(nv, "value");
                                if (!r.ctid)
                                        return -ENOMEM;
                        }
        }
        r.id = prop(p, "id");
        if (!r.id || !r.ctid || !ctid_ok(r.ctid)) {
                if (r.id && r.ctid)
                        fprintf(stderr, "vzlist: resource %.64s: %s is not a CTID, skipped\n", r.id,
                                param);
                rsc_free(&r);
                return 0;
        }
        r.agent = strdup(agent);
        nr = r.agent ? realloc(c->r, (c->n + 1) * sizeof(*nr)) : NULL;
        if (!nr) {
                rsc_free(&r);
                return -ENOMEM;
        }
        c->r = nr;
        c->r[c->n++] = r;
        return 0;
}

/* Every primitive under N, whatever holds it (resources, group, clone,
 * promotable clone, bundle). libxml2 caps the depth at 256. */
static int walk_cib(struct vzl_clu *c, xmlNode *n)
{
        int r = 0;

        for (; n && r == 0; n = n->next) {
                if (is(n, "primitive"))
                        r = add_primitive(c, n);
                else if (n->type == XML_ELEMENT_NODE)
                        r = walk_cib(c, n->children);
        }
        return r;
}

int vzl_clu_read_cib(struct vzl_clu *c, const char *xml, size_t len)
{
        xmlDoc *d;
        int r = parse(xml, len, "cib.xml", &d);

        if (r < 0)
                return r;
        r = walk_cib(c, xmlDocGetRootElement(d));
        xmlFreeDoc(d);
        return r;
}

/* Our resource that crm_mon's ID stands for: the primitive itself or, in
 * a clone, one of its instances ("id:0"). */
static struct vzl_clu_rsc *find(struct vzl_clu *c, const char *id)
{
        for (size_t i = 0; i < c->n; i++) {
                size_t l = strlen(c->r[i].id);
                if (strncmp(c->r[i].id, id, l) != 0)
                        continue;
                if (id[l] == '\0' || (id[l] == ':' && id[l + 1] &&
                                      strspn(id + l + 1, "0123456789") == strlen(id + l + 1)))
                        return &c->r[i];
        }
        return NULL;
}

static int add_node(struct vzl_clu_rsc *r, const char *name)
{
        size_t l, nl = strlen(name);
        char *nn;

        /* Instances of a clone on the same node name it once. */
        for (const char *p = r->nodes; p && *p;) {
                size_t w = strcspn(p, ",");
                if (w == nl && strncmp(p, name, nl) == 0)
                        return 0;
                p += w + (p[w] == ',');
        }
        l = (r->nodes ? strlen(r->nodes) + 1 : 0) + nl + 1;
        nn = malloc(l);
        if (!nn)
                return -ENOMEM;
        snprintf(nn, l, "%s%s%s", r->nodes ? r->nodes : "", r->nodes ? "," : "", name);
        free(r->nodes);
        r->nodes = nn;
        return 0;
}

/* One <resource> of crm_mon: its role (an active instance's wins over an
 * inactive one's) and the nodes it is active on. */
static int add_status(struct vzl_clu *c, xmlNode *res)
{
        char *id = prop(res, "id");
        struct vzl_clu_rsc *r = id ? find(c, id) : NULL;
        bool active = prop_is(res, "active", "true");

        free(id);
        if (!r)
                return 0;
        if (!r->role || (active && !r->active)) {
                char *role = prop(res, "role");
                if (role) {
                        free(r->role);
                        r->role = role;
                        r->active = active;
                }
        }
        for (xmlNode *n = res->children; n; n = n->next) {
                char *name;
                int e;

                if (!is(n, "node"))
                        continue;
                name = prop(n, "name");
                if (!name)
                        continue;
                e = add_node(r, name);
                free(name);
                if (e < 0)
                        return e;
        }
        return 0;
}

static int walk_status(struct vzl_clu *c, xmlNode *n)
{
        int r = 0;

        for (; n && r == 0; n = n->next) {
                if (is(n, "resource"))
                        r = add_status(c, n);
                else if (n->type == XML_ELEMENT_NODE)
                        r = walk_status(c, n->children);
        }
        return r;
}

int vzl_clu_read_status(struct vzl_clu *c, const char *xml, size_t len)
{
        xmlDoc *d;
        int r = parse(xml, len, "crm_mon.xml", &d);

        if (r < 0)
                return r;
        /* Only the <resources> section: <node_history> and <nodes> have
         * elements of the same names meaning other things. */
        for (xmlNode *n = xmlDocGetRootElement(d)->children; n && r == 0; n = n->next)
                if (is(n, "resources"))
                        r = walk_status(c, n->children);
        xmlFreeDoc(d);
        return r;
}

/* A cell of the text table, WIDTH as printf's (negative: left-aligned),
 * then SEP. A control character or a space (an id or a node name is an
 * XML NCName, but the document is not ours) must not move the columns or
 * start a new row: it prints as '?'. */
static void put_cell(FILE *out, int width, const char *s, char sep)
{
        char *t = strdup(s);

        if (t)
                for (unsigned char *p = (unsigned char *)t; *p; p++)
                        if (*p <= ' ' || *p == 0x7f)
                                *p = '?';
        fprintf(out, "%*s%c", width, t ? t : "?", sep);
        free(t);
}

int vzl_clu_print_text(const struct vzl_clu *c, bool header, FILE *out)
{
        if (header)
                fprintf(out, "%10s %-16s %-16s %-10s %s\n", "CTID", "RESOURCE", "NODE", "ROLE",
                        "AGENT");
        for (size_t i = 0; i < c->n; i++) {
                const struct vzl_clu_rsc *r = &c->r[i];
                put_cell(out, 10, r->ctid, ' ');
                put_cell(out, -16, r->id, ' ');
                put_cell(out, -16, r->nodes ? r->nodes : "-", ' ');
                put_cell(out, -10, r->role ? r->role : "Stopped", ' ');
                put_cell(out, 0, r->agent, '\n');
        }
        return ferror(out) ? -EIO : 0;
}

int vzl_clu_print_json(const struct vzl_clu *c, FILE *out)
{
        json_object *arr;
        const char *s;

        /* As vzlist's other JSON: "[]" for no rows (json-c prints an empty
         * array over two lines), else json-c's spaced pretty print. */
        if (c->n == 0) {
                fputs("[]\n", out);
                return ferror(out) ? -EIO : 0;
        }
        arr = json_object_new_array();
        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < c->n; i++) {
                const struct vzl_clu_rsc *r = &c->r[i];
                json_object *o = json_object_new_object();

                if (!o || json_object_array_add(arr, o) < 0) {
                        json_object_put(o);
                        json_object_put(arr);
                        return -ENOMEM;
                }
                json_object_object_add(o, "ctid", json_object_new_string(r->ctid));
                json_object_object_add(o, "resource", json_object_new_string(r->id));
                json_object_object_add(o, "agent", json_object_new_string(r->agent));
                json_object_object_add(o, "node",
                                       r->nodes ? json_object_new_string(r->nodes) : NULL);
                json_object_object_add(o, "role",
                                       json_object_new_string(r->role ? r->role : "Stopped"));
        }
        s = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                    JSON_C_TO_STRING_NOSLASHESCAPE);
        if (s) {
                fputs(s, out);
                fputc('\n', out);
        }
        json_object_put(arr);
        if (!s)
                return -ENOMEM;
        return ferror(out) ? -EIO : 0;
}

/* Run ARGV, which reads the cluster's WHY ("configuration", "status");
 * on failure say why, NAME failing with HINT. */
static int read_cmd(char *const argv[], const char *why, const char *name, const char *hint,
                    char **ret, size_t *ret_len)
{
        int r = vzl_clu_run(argv, CLU_MAX_XML, ret, ret_len);

        if (r == -ENOENT)
                fprintf(stderr,
                        "vzlist: cannot read the cluster %s: %s not found "
                        "(are Pacemaker's tools installed?)\n",
                        why, argv[0]);
        else if (r == -EIO)
                fprintf(stderr, "vzlist: cannot read the cluster %s (%s failed%s)\n", why, name,
                        hint);
        else if (r == -EFBIG)
                fprintf(stderr, "vzlist: cannot read the cluster %s: %s wrote more than %u MB\n",
                        why, argv[0], CLU_MAX_XML >> 20);
        else if (r < 0)
                fprintf(stderr, "vzlist: cannot read the cluster %s: %s: %s\n", why, argv[0],
                        strerror(-r));
        return r;
}

int vzl_cluster_list(bool header, bool json, FILE *out)
{
        char *cib_argv[] = {(char *)"cibadmin", (char *)"-Q", (char *)"-o", (char *)"resources",
                            NULL};
        char *mon_argv[] = {(char *)"crm_mon", (char *)"-1", (char *)"--inactive",
                            (char *)"--output-as=xml", NULL};
        struct vzl_clu c = {0};
        char *cib, *mon;
        size_t cib_len, mon_len;
        int r;

        if (read_cmd(cib_argv, "configuration", "cibadmin -Q",
                     ": is Pacemaker running on this node?", &cib, &cib_len) < 0)
                return 1;
        if (read_cmd(mon_argv, "status", "crm_mon", "", &mon, &mon_len) < 0) {
                free(cib);
                return 1;
        }
        r = vzl_clu_read_cib(&c, cib, cib_len);
        if (r == -EINVAL)
                fprintf(stderr, "vzlist: cannot parse the cluster configuration "
                                "(cibadmin -Q wrote no well-formed CIB without a DTD)\n");
        if (r == 0) {
                r = vzl_clu_read_status(&c, mon, mon_len);
                if (r == -EINVAL)
                        fprintf(stderr, "vzlist: cannot parse the cluster status "
                                        "(crm_mon wrote no well-formed XML without a DTD)\n");
        }
        if (r == -ENOMEM)
                fprintf(stderr, "vzlist: out of memory\n");
        free(cib);
        free(mon);
        if (r == 0) {
                r = json ? vzl_clu_print_json(&c, out) : vzl_clu_print_text(&c, header, out);
                if (r < 0)
                        fprintf(stderr, "vzlist: cannot write the list: %s\n", strerror(-r));
        }
        vzl_clu_free(&c);
        return r < 0 ? 1 : 0;
}

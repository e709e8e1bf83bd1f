/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup.h"
#include "err.h"
#include "log.h"
#include "util.h"

struct hier {
        char *path;        /* the CT's cgroup directory in this hierarchy */
        char *controllers; /* comma list ("cpu", "name=systemd"), or v2's list */
        bool v2;
};

struct vz_cgroup {
        struct hier *h;
        size_t n;
        char *v2_path;
        bool pure_v2;
};

static void unescape_octal(char *s)
{
        char *d = s;
        while (*s) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[3] >= '0') {
                        *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 4;
                } else
                        *d++ = *s++;
        }
        *d = '\0';
}

static bool has_controller(const char *list, const char *c)
{
        size_t l = strlen(c);
        for (const char *p = list; p && *p;) {
                const char *end = p + strcspn(p, ", ");
                if ((size_t)(end - p) == l && strncmp(p, c, l) == 0)
                        return true;
                p = *end ? end + 1 : end;
        }
        return false;
}

void vz_cgroup_free(vz_cgroup *cg)
{
        if (!cg)
                return;
        for (size_t i = 0; i < cg->n; i++) {
                free(cg->h[i].path);
                free(cg->h[i].controllers);
        }
        free(cg->h);
        free(cg);
}

static int add_hier(vz_cgroup *cg, const char *mnt, const char *ctrl, bool v2, const char *parent,
                    unsigned ctid)
{
        struct hier *nh;

        /* The same hierarchy can be mounted twice; use it once. */
        for (size_t i = 0; i < cg->n; i++)
                if (cg->h[i].v2 == v2 && streq(cg->h[i].controllers, ctrl))
                        return 0;
        nh = realloc(cg->h, (cg->n + 1) * sizeof(*nh));
        if (!nh)
                return -ENOMEM;
        cg->h = nh;
        nh[cg->n].path = parent ? vz_strdupf("%s/%s/%u", mnt, parent, ctid) : strdup(mnt);
        nh[cg->n].controllers = strdup(ctrl);
        nh[cg->n].v2 = v2;
        if (!nh[cg->n].path || !nh[cg->n].controllers)
                return -ENOMEM;
        if (v2)
                cg->v2_path = nh[cg->n].path;
        cg->n++;
        return 0;
}

/* The mounted hierarchies (paths are the mount points), found once per
 * process: with a thousand CTs the host's mountinfo holds a thousand
 * VE_ROOT mounts, and parsing it for every CT a vzlist shows, or several
 * times per start, made those commands grow with the number of CTs. Every
 * caller runs in the host's mount namespace, and hierarchies are mounted
 * at host boot, so a long-lived process (the supervisor) can keep it. */
/* The host's hierarchies, found once (under hier_lock), then read-only. */
static vz_cgroup *hier_cache;
static pthread_mutex_t hier_lock = PTHREAD_MUTEX_INITIALIZER;

static int discover(vz_cgroup **ret, vz_err *e)
{
        _cleanup_fclose_ FILE *f = NULL;
        vz_cgroup *cg;
        char *line = NULL;
        size_t len = 0;
        int r = 0;

        cg = calloc(1, sizeof(*cg));
        if (!cg)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        f = fopen("/proc/self/mountinfo", "re");
        if (!f) {
                vz_cgroup_free(cg);
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot read mountinfo");
        }
        while (r >= 0 && getline(&line, &len, f) > 0) {
                char root[4096], mnt[4096], fstype[64], super[1024];
                const char *sep = strstr(line, " - cgroup");
                if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
                    sscanf(sep + 3, "%63s %*s %1023s", fstype, super) != 2)
                        continue;
                /* Only hierarchy roots: a bind of a sub-cgroup is not ours. */
                if (!streq(root, "/"))
                        continue;
                unescape_octal(mnt);
                if (streq(fstype, "cgroup2")) {
                        _cleanup_free_ char *cpath = vz_strdupf("%s/cgroup.controllers", mnt);
                        _cleanup_free_ char *ctrl = NULL;
                        if (cpath && vz_read_file(cpath, 4096, &ctrl, NULL) == 0) {
                                ctrl[strcspn(ctrl, "\n")] = '\0';
                                cg->pure_v2 = !isempty(ctrl);
                        }
                        r = add_hier(cg, mnt, ctrl ? ctrl : "", true, NULL, 0);
                } else if (streq(fstype, "cgroup")) {
                        /* super options: rw,cpu or rw,name=systemd ... keep the
                         * controller part only. */
                        char list[1024] = "";
                        char *save = NULL;
                        for (char *t = strtok_r(super, ",", &save); t;
                             t = strtok_r(NULL, ",", &save)) {
                                if (streq(t, "rw") || streq(t, "ro") ||
                                    vz_startswith(t, "release_agent") || streq(t, "nsdelegate") ||
                                    streq(t, "xattr") || streq(t, "noprefix") ||
                                    streq(t, "clone_children") || streq(t, "cpuset_v2_mode"))
                                        continue;
                                if (list[0])
                                        strncat(list, ",", sizeof(list) - strlen(list) - 1);
                                strncat(list, t, sizeof(list) - strlen(list) - 1);
                        }
                        if (list[0])
                                r = add_hier(cg, mnt, list, false, NULL, 0);
                }
        }
        free(line);
        if (r < 0) {
                vz_cgroup_free(cg);
                return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        }
        if (cg->n == 0) {
                vz_cgroup_free(cg);
                return vz_fail(e, VZ_E_BAD_KERNEL, -ENOENT, "no cgroup hierarchy is mounted");
        }
        *ret = cg;
        return 0;
}

int vz_cgroup_open(const char *parent, unsigned ctid, vz_cgroup **ret, vz_err *e)
{
        vz_cgroup *cg;
        int r = 0;

        if (isempty(parent) || strstr(parent, ".."))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "invalid VZ_CGROUP '%s'",
                               parent ? parent : "");
        pthread_mutex_lock(&hier_lock);
        if (!hier_cache)
                r = discover(&hier_cache, e);
        pthread_mutex_unlock(&hier_lock);
        if (r < 0)
                return r;
        cg = calloc(1, sizeof(*cg));
        if (!cg)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        cg->pure_v2 = hier_cache->pure_v2;
        for (size_t i = 0; r >= 0 && i < hier_cache->n; i++)
                r = add_hier(cg, hier_cache->h[i].path, hier_cache->h[i].controllers,
                             hier_cache->h[i].v2, parent, ctid);
        if (r < 0) {
                vz_cgroup_free(cg);
                return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        }
        *ret = cg;
        return 0;
}

int vz_ct_cgroup_open(const vz_ct *ct, vz_cgroup **ret, vz_err *e)
{
        const char *parent = vz_ct_get(ct, "VZ_CGROUP");
        return vz_cgroup_open(isempty(parent) ? "vz" : parent, vz_ct_id(ct), ret, e);
}

/* The hierarchy that has controller: a v1 one if any (hybrid hosts may also
 * enable a few controllers, e.g. hugetlb, in the cgroup2 tree), else the
 * cgroup2 tree if it has it. */
static const struct hier *find_hier(const vz_cgroup *cg, const char *controller)
{
        for (size_t i = 0; i < cg->n; i++)
                if (!cg->h[i].v2 && has_controller(cg->h[i].controllers, controller))
                        return &cg->h[i];
        for (size_t i = 0; i < cg->n; i++)
                if (cg->h[i].v2 && has_controller(cg->h[i].controllers, controller))
                        return &cg->h[i];
        return NULL;
}

bool vz_cgroup_hier(const vz_cgroup *cg, size_t i, const char **ret_controllers, bool *ret_v2)
{
        if (i >= cg->n)
                return false;
        *ret_controllers = cg->h[i].controllers;
        *ret_v2 = cg->h[i].v2;
        return true;
}

bool vz_cgroup_has_v1(const vz_cgroup *cg, const char *controller)
{
        const struct hier *h = find_hier(cg, controller);
        return h && !h->v2;
}

bool vz_cgroup_controller_v2(const vz_cgroup *cg, const char *controller)
{
        const struct hier *h = find_hier(cg, controller);
        return h && h->v2;
}

bool vz_cgroup_has_controller(const vz_cgroup *cg, const char *controller)
{
        return find_hier(cg, controller) != NULL;
}

const char *vz_cgroup_v2_path(const vz_cgroup *cg)
{
        return cg->v2_path;
}

const char *vz_cgroup_path(const vz_cgroup *cg, const char *controller)
{
        const struct hier *h = find_hier(cg, controller);
        return h ? h->path : NULL;
}

bool vz_cgroup_is_v2(const vz_cgroup *cg)
{
        return cg->pure_v2;
}

static int write_at(const char *dir, const char *file, const char *value)
{
        _cleanup_free_ char *p = vz_strdupf("%s/%s", dir, file);
        _cleanup_close_ int fd = -1;
        ssize_t n;

        if (!p)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = write(fd, value, strlen(value));
        if (n < 0)
                return -errno;
        return 0;
}

/* cpuset v1 starts a new cgroup with no CPUs and no memory nodes, and then
 * refuses tasks (ENOSPC): copy the parent's into those still empty (a value
 * set there, by an admin or by a start running beside us, is kept). */
static void cpuset_inherit(const char *dir)
{
        _cleanup_free_ char *parent = strdup(dir);
        char *slash = parent ? strrchr(parent, '/') : NULL;

        if (!slash)
                return;
        *slash = '\0';
        for (const char *const *f = (const char *const[]){"cpuset.cpus", "cpuset.mems", NULL}; *f;
             f++) {
                _cleanup_free_ char *pp = vz_strdupf("%s/%s", parent, *f), *v = NULL;
                _cleanup_free_ char *own = vz_strdupf("%s/%s", dir, *f), *cur = NULL;
                if (own && vz_read_file(own, 4096, &cur, NULL) == 0 &&
                    !isempty(cur + strspn(cur, " \n")))
                        continue;
                if (pp && vz_read_file(pp, 4096, &v, NULL) == 0) {
                        v[strcspn(v, "\n")] = '\0';
                        if (!isempty(v))
                                write_at(dir, *f, v);
                }
        }
}

static int mkdir_cg(const struct hier *h)
{
        _cleanup_free_ char *parent = strdup(h->path);
        char *slash = parent ? strrchr(parent, '/') : NULL;
        bool cpuset = !h->v2 && has_controller(h->controllers, "cpuset");

        if (!slash)
                return -ENOMEM;
        *slash = '\0';
        /* Also when another start made it a moment ago and may not have
         * filled its cpuset yet. */
        if (mkdir(parent, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (cpuset)
                cpuset_inherit(parent);
        if (h->v2) {
                /* cgroup v2: a child has only the controllers its parent
                 * enables in cgroup.subtree_control. */
                _cleanup_free_ char *cp = vz_strdupf("%s/cgroup.controllers", parent),
                                    *avail = NULL;
                if (cp && vz_read_file(cp, 4096, &avail, NULL) == 0) {
                        char *save = NULL;
                        for (char *t = strtok_r(avail, " \n", &save); t;
                             t = strtok_r(NULL, " \n", &save)) {
                                _cleanup_free_ char *v = vz_strdupf("+%s", t);
                                if (v)
                                        write_at(parent, "cgroup.subtree_control", v);
                        }
                }
        }
        if (mkdir(h->path, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (cpuset)
                cpuset_inherit(h->path);
        return 0;
}

/* Delegation as systemd does it: the directory and the files that create
 * sub-cgroups and move processes; never the limit files. */
static void delegate(const struct hier *h, uid_t uid, gid_t gid)
{
        static const char *const files[] = {"cgroup.procs",
                                            "cgroup.subtree_control",
                                            "cgroup.threads",
                                            "tasks",
                                            "notify_on_release",
                                            "cgroup.clone_children",
                                            NULL};
        if (chown(h->path, uid, gid) < 0)
                vz_debug("chown %s: %s", h->path, strerror(errno));
        for (size_t i = 0; files[i]; i++) {
                _cleanup_free_ char *p = vz_strdupf("%s/%s", h->path, files[i]);
                /* Not every file exists on every hierarchy (tasks is v1 only). */
                if (p && lchown(p, uid, gid) < 0 && errno != ENOENT)
                        vz_debug("chown %s: %s", p, strerror(errno));
        }
}

int vz_cgroup_create(vz_cgroup *cg, uid_t owner_uid, gid_t owner_gid, vz_err *e)
{
        struct stat st;
        int r;

        for (size_t i = 0; i < cg->n; i++)
                if (stat(cg->h[i].path, &st) == 0) {
                        vz_cgroup_kill(cg);
                        vz_cgroup_destroy(cg);
                        break;
                }
        for (size_t i = 0; i < cg->n; i++) {
                r = mkdir_cg(&cg->h[i]);
                if (r < 0) {
                        vz_cgroup_destroy(cg);
                        return vz_fail(e, VZ_E_SYSTEM, r, "cannot create cgroup %s: %s",
                                       cg->h[i].path, strerror(-r));
                }
                if (owner_uid != (uid_t)-1 &&
                    (cg->h[i].v2 || has_controller(cg->h[i].controllers, "name=systemd")))
                        delegate(&cg->h[i], owner_uid, owner_gid);
        }
        return 0;
}

int vz_cgroup_attach(vz_cgroup *cg, pid_t pid, vz_err *e)
{
        char buf[32];
        int r;

        snprintf(buf, sizeof(buf), "%d", (int)pid);
        for (size_t i = 0; i < cg->n; i++) {
                r = write_at(cg->h[i].path, "cgroup.procs", buf);
                /* cgroup v2 keeps processes out of a cgroup that hands
                 * controllers to its children (EBUSY): the case once
                 * systemd inside the CT manages its tree. Join a leaf of
                 * ours beside its slices instead (LXC's ".lxc" idea). */
                if (r == -EBUSY && cg->h[i].v2) {
                        _cleanup_free_ char *leaf = vz_strdupf("%s/vz-exec", cg->h[i].path);
                        if (!leaf)
                                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                        if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
                                r = -errno;
                        else
                                r = write_at(leaf, "cgroup.procs", buf);
                }
                if (r < 0)
                        return vz_fail(e, VZ_E_SYSTEM, r, "cannot move %d into %s: %s", (int)pid,
                                       cg->h[i].path, strerror(-r));
        }
        return 0;
}

int vz_cgroup_write(vz_cgroup *cg, const char *controller, const char *file, const char *value,
                    vz_err *e)
{
        const struct hier *h = find_hier(cg, controller);
        int r;

        if (!h)
                return -ENOENT;
        r = write_at(h->path, file, value);
        if (r < 0)
                return vz_fail(e, VZ_E_SETUBC, r, "cannot set %s to %s: %s", file, value,
                               strerror(-r));
        return 0;
}

int vz_cgroup_read(vz_cgroup *cg, const char *controller, const char *file, char **ret)
{
        const struct hier *h = find_hier(cg, controller);
        _cleanup_free_ char *p = NULL;

        if (!h)
                return -ENOENT;
        p = vz_strdupf("%s/%s", h->path, file);
        if (!p)
                return -ENOMEM;
        return vz_read_file(p, 1 << 20, ret, NULL);
}

/* fn(sub) for every child cgroup directory of dir; the sum of the results. */
static int for_each_child(const char *dir, int (*fn)(const char *sub))
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        while (d && (de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                sub = vz_strdupf("%s/%s", dir, de->d_name);
                if (sub)
                        n += fn(sub);
        }
        return n;
}

/* Signal every pid listed in dir/cgroup.procs and its sub-cgroups. Returns
 * the number of processes found. */
static int kill_tree(const char *dir)
{
        _cleanup_free_ char *procs = vz_strdupf("%s/cgroup.procs", dir), *buf = NULL;
        int n = 0;

        if (procs && vz_read_file(procs, 1 << 22, &buf, NULL) == 0)
                for (char *p = buf; *p;) {
                        pid_t pid = (pid_t)strtol(p, &p, 10);
                        if (pid > 0 && kill(pid, SIGKILL) == 0)
                                n++;
                        while (*p == '\n')
                                p++;
                        if (pid <= 0)
                                break;
                }
        return n + for_each_child(dir, kill_tree);
}

int vz_cgroup_kill(vz_cgroup *cg)
{
        /* cgroup.kill (5.14+) kills the whole subtree atomically, including
         * processes forking meanwhile; it works on the cgroup2 tree even
         * when that tree has no controllers (hybrid hosts). */
        if (cg->v2_path && write_at(cg->v2_path, "cgroup.kill", "1") == 0) {
                for (int i = 0; i < 500; i++) {
                        _cleanup_free_ char *ev = vz_strdupf("%s/cgroup.events", cg->v2_path);
                        _cleanup_free_ char *buf = NULL;
                        if (!ev || vz_read_file(ev, 4096, &buf, NULL) < 0 ||
                            strstr(buf, "populated 0"))
                                return 0;
                        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
                }
                return -EBUSY;
        }
        /* v1: freeze so nothing forks between listing and killing. */
        for (int round = 0; round < 100; round++) {
                int n = 0;
                for (size_t i = 0; i < cg->n; i++) {
                        bool freezer =
                            !cg->h[i].v2 && has_controller(cg->h[i].controllers, "freezer");
                        if (freezer)
                                write_at(cg->h[i].path, "freezer.state", "FROZEN");
                        n += kill_tree(cg->h[i].path);
                        if (freezer)
                                write_at(cg->h[i].path, "freezer.state", "THAWED");
                }
                if (n == 0)
                        return 0;
                nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
        }
        return -EBUSY;
}

/* A memory cgroup removed while pages are still charged to it (a file the
 * CT wrote, still in the page cache) stays in the kernel, offline, until
 * those pages are reclaimed: with its per-CPU statistics and its shrinker
 * maps, which grow with the number of mounted filesystems, it costs about
 * as much as a running CT's own cgroups, for every CT ever stopped. So its
 * pages go first (v1: force_empty; v2: reclaim all it holds). Nothing to
 * do, or a file the hierarchy lacks, is fine. */
static void drop_charges(const char *dir)
{
        _cleanup_free_ char *cur = vz_strdupf("%s/memory.current", dir), *v = NULL;

        if (write_at(dir, "memory.force_empty", "0") != -ENOENT)
                return;
        if (cur && vz_read_file(cur, 64, &v, NULL) == 0) {
                v[strcspn(v, "\n")] = '\0';
                if (!streq(v, "0"))
                        (void)write_at(dir, "memory.reclaim", v);
        }
}

/* Reclaim (above) cannot drop dirty pages or pages under writeback, and
 * nothing writes a stopped CT's back soon on an idle host (the flusher
 * waits dirty_expire_centisecs): the caller syncs the CT's filesystem
 * first when this says so. v2 names them file_dirty and file_writeback,
 * v1 dirty and writeback (the hierarchy's totals: total_). */
bool vz_cgroup_dirty(vz_cgroup *cg)
{
        _cleanup_free_ char *st = NULL;

        if (vz_cgroup_read(cg, "memory", "memory.stat", &st) < 0)
                return false;
        for (char *l = st; l && *l;) {
                char key[32];
                unsigned long long v;
                if (sscanf(l, "%31s %llu", key, &v) == 2 && v > 0 &&
                    (streq(key, "file_dirty") || streq(key, "file_writeback") ||
                     streq(key, "total_dirty") || streq(key, "total_writeback")))
                        return true;
                l = strchr(l, '\n');
                l = l ? l + 1 : NULL;
        }
        return false;
}

static int rmdir_tree(const char *dir)
{
        (void)for_each_child(dir, rmdir_tree);
        drop_charges(dir);
        /* A cgroup can stay busy for a moment after its last task exits. */
        for (int i = 0; i < 100; i++) {
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        return -errno;
                nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
        }
        return -EBUSY;
}

int vz_cgroup_destroy(vz_cgroup *cg)
{
        int r = 0;

        for (size_t i = 0; i < cg->n; i++) {
                int q = rmdir_tree(cg->h[i].path);
                if (q < 0 && r == 0)
                        r = q;
                /* Remove the VZ_CGROUP parent too once no CT uses it, so a
                 * test's private parent name leaves nothing behind. */
                _cleanup_free_ char *parent = strdup(cg->h[i].path);
                char *slash = parent ? strrchr(parent, '/') : NULL;
                if (slash) {
                        *slash = '\0';
                        (void)rmdir(parent);
                }
        }
        return r;
}

int vz_cgroup_read_parent(vz_cgroup *cg, const char *controller, const char *file, char **ret)
{
        const struct hier *h = find_hier(cg, controller);
        _cleanup_free_ char *p = NULL;
        char *slash;

        if (!h)
                return -ENOENT;
        slash = strrchr(h->path, '/');
        if (!slash)
                return -ENOENT;
        p = vz_strdupf("%.*s/%s", (int)(slash - h->path), h->path, file);
        if (!p)
                return -ENOMEM;
        return vz_read_file(p, 1 << 20, ret, NULL);
}

int vz_cgroup_write_parent(vz_cgroup *cg, const char *controller, const char *file,
                           const char *value)
{
        const struct hier *h = find_hier(cg, controller);
        _cleanup_free_ char *p = NULL;
        char *slash;

        if (!h || !(slash = strrchr(h->path, '/')))
                return -ENOENT;
        p = strndup(h->path, slash - h->path);
        if (!p)
                return -ENOMEM;
        return write_at(p, file, value);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "cpt.h"
#include "util.h"

/*
 * Locking the restored mounts (issue 19).
 *
 * At a start the CT's mount namespace is a copy made from the CT's user
 * namespace of one built by the host's root, so the kernel locks every
 * mount in it (MNT_LOCKED, and its flags: fs/namespace.c lock_mnt_tree):
 * the CT's root can neither unmount the /proc masks or lxcfs's files nor
 * remount /proc/sys writable (spawn.c). criu builds the restored tree
 * inside namespaces of the CT's user namespace and moves its mounts into
 * place: nothing is locked. So criu runs the supervisor's program as its
 * action script, which covers each of the CT's /proc, /sys and /dev trees
 * with a locked copy of itself (same filesystems: the CT's data stay):
 *
 *  - in the CT's namespace X: a recursive clone N of the tree taken; the
 *    tree's top mount L made shared and a clone of it (a peer) taken;
 *  - in a namespace H of the host's user namespace: the peer attached, N
 *    put on a read-only bind B of the peer's root, and B moved onto the
 *    peer. The move propagates to L in X, and a tree propagated into a
 *    namespace of another user namespace is locked all but its top
 *    (attach_recursive_mnt -> lock_mnt_tree). The top is B, under N's
 *    locked root: it cannot be named, so nothing of N can be unmounted,
 *    and L under B cannot be reached. The stack is then made private.
 *
 * Before that the restored layers of the tree are detached (nothing uses
 * them: no file of the CT is on them) and L is a bare bind of the CT's
 * own directory.
 *
 * When: criu with scripts/criu-lock-mounts.patch names X at post-setup-namespaces
 * (CRTOOLS_MNT_NS): X is complete and no restored task has a file in it
 * yet (criu opens them later, through X's root, so they land on N). Every
 * tree is covered then. A stock criu gives X only at post-restore, when
 * the restored tasks have their files: a tree they have files on (open
 * files, working directory, mappings: systemd keeps /proc/self/mountinfo,
 * its cgroups and /dev/null open) cannot be covered (criu cannot dump a
 * file on a covered mount, so the CT could never be dumped again). Its top
 * L stays as criu made it and each child of L no file is on (the masks,
 * lxcfs's files, ...) is replaced by a locked copy the same way
 * (relock_children); a child with files on it stays unlocked, and so does
 * L: the CT's root can unmount it whole, and mount a fresh proc (sysfs)
 * instance (L is "fully visible" to mount_too_revealing, its direct
 * children being the unlocked bases). The restore log says which ("vz:
 * relock: ... kept" / "left unlocked"), and vzctl warns.
 * Mounts the CT made itself under /proc, /sys or /dev are locked too (a
 * start has none there). A failure fails the restore (criu aborts): a CT
 * never runs unlocked. Only the init's mount namespace is covered: other
 * mount namespaces the CT's processes made (services with private mounts;
 * the Debian 12 CT has none) come back as criu restores them, unlocked.
 */
static const char *const lock_trees[] = {"/proc", "/sys", "/dev", NULL};
#define LOCK_STAGE "/tmp" /* in H only */

/* In the action script (its stderr is criu's log): say which step failed. */
static int lock_fail(const char *what, const char *path)
{
        int r = -errno;
        fprintf(stderr, "vz: relock: %s %s: %s\n", what, path, strerror(errno));
        return r ? r : -EINVAL;
}

struct idset {
        int *v;
        size_t n;
};

static void idset_add(struct idset *s, int id)
{
        int *nv;
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i] == id)
                        return;
        nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
        if (!nv)
                return;
        s->v = nv;
        s->v[s->n++] = id;
}

static bool idset_has(const struct idset *s, int id)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i] == id)
                        return true;
        return false;
}

static int mnt_id_at(int dirfd, const char *path, int flags)
{
        struct statx sx;
        if (statx(dirfd, path, flags | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) < 0 ||
            !(sx.stx_mask & STATX_MNT_ID))
                return -1;
        return (int)sx.stx_mnt_id;
}

/* The mounts the CT's tasks have files on (fds, cwd, root, mappings). */
static void task_mounts(int procfd, pid_t init, struct idset *out)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct stat ns, s;
        struct dirent *de;
        char p[96];
        int fd;

        snprintf(p, sizeof(p), "%d/ns/pid", (int)init);
        fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fstatat(procfd, p, &ns, 0) < 0 || !(d = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        while ((de = readdir(d))) {
                int pid = atoi(de->d_name);
                const char *sub[] = {"fdinfo", "map_files"};
                if (pid <= 0)
                        continue;
                snprintf(p, sizeof(p), "%d/ns/pid", pid);
                if (fstatat(procfd, p, &s, 0) < 0 || s.st_ino != ns.st_ino || s.st_dev != ns.st_dev)
                        continue;
                snprintf(p, sizeof(p), "%d/cwd", pid);
                idset_add(out, mnt_id_at(procfd, p, 0));
                snprintf(p, sizeof(p), "%d/root", pid);
                idset_add(out, mnt_id_at(procfd, p, 0));
                for (int k = 0; k < 2; k++) {
                        _cleanup_closedir_ DIR *fdd = NULL;
                        struct dirent *fe;
                        int dfd;
                        snprintf(p, sizeof(p), "%d/%s", pid, sub[k]);
                        dfd = openat(procfd, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dfd < 0 || !(fdd = fdopendir(dfd))) {
                                if (dfd >= 0)
                                        close(dfd);
                                continue;
                        }
                        while ((fe = readdir(fdd))) {
                                char line[128];
                                FILE *f;
                                int ifd, id = -1;
                                if (fe->d_name[0] == '.')
                                        continue;
                                if (k == 1) {
                                        idset_add(out, mnt_id_at(dirfd(fdd), fe->d_name, 0));
                                        continue;
                                }
                                ifd = openat(dirfd(fdd), fe->d_name, O_RDONLY | O_CLOEXEC);
                                if (ifd < 0 || !(f = fdopen(ifd, "re"))) {
                                        if (ifd >= 0)
                                                close(ifd);
                                        continue;
                                }
                                while (fgets(line, sizeof(line), f))
                                        if (sscanf(line, "mnt_id: %d", &id) == 1)
                                                break;
                                fclose(f);
                                idset_add(out, id);
                        }
                }
        }
}

/* Whether a mount of the tree whose top is mount top (current namespace)
 * is in the set used (the tasks have a file on it). */
static bool tree_used(int procfd, int top, const struct idset *used)
{
        _cleanup_close_ int fd = openat(procfd, "thread-self/mountinfo", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        struct idset sub = {0};
        size_t n = 0;
        bool grew = true, r = false;
        struct {
                int id, parent;
        } *m = NULL;
        size_t nm = 0;

        if (fd < 0 || !(f = fdopen(fd, "re")))
                return true; /* keep, to be safe */
        fd = -1;
        while (getline(&buf, &n, f) > 0) {
                int id, parent;
                void *nv;
                if (sscanf(buf, "%d %d", &id, &parent) != 2)
                        continue;
                nv = realloc(m, (nm + 1) * sizeof(*m));
                if (!nv) {
                        free(m);
                        return true;
                }
                m = nv;
                m[nm].id = id;
                m[nm++].parent = parent;
        }
        idset_add(&sub, top);
        while (grew) {
                size_t before = sub.n;
                for (size_t i = 0; i < nm; i++)
                        if (idset_has(&sub, m[i].parent))
                                idset_add(&sub, m[i].id);
                grew = sub.n != before;
        }
        for (size_t i = 0; i < sub.n && !r; i++)
                r = idset_has(used, sub.v[i]);
        free(sub.v);
        free(m);
        return r;
}

/* Mounts stacked on each of lock_trees (0: not mounted). */
static int count_layers(int procfd, int layers[3])
{
        _cleanup_close_ int fd = openat(procfd, "thread-self/mountinfo", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t n = 0;

        if (fd < 0 || !(f = fdopen(fd, "re")))
                return -errno;
        fd = -1;
        layers[0] = layers[1] = layers[2] = 0;
        while (getline(&buf, &n, f) > 0) {
                char mp[4096];
                if (sscanf(buf, "%*s %*s %*s %*s %4095s", mp) != 1)
                        continue;
                for (size_t i = 0; lock_trees[i]; i++)
                        if (streq(mp, lock_trees[i]))
                                layers[i]++;
        }
        return 0;
}

/* Detach every restored layer of tree t (nothing of the CT uses them) and
 * leave a bare, private bind of the CT's own directory in their place. */
static int prune_tree(const char *t)
{
        struct mount_attr ma = {.propagation = MS_PRIVATE};
        _cleanup_close_ int bare = -1;

        while (umount2(t, MNT_DETACH) == 0)
                ;
        bare = (int)syscall(SYS_open_tree, AT_FDCWD, t, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (bare < 0 || syscall(SYS_mount_setattr, bare, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0 ||
            syscall(SYS_move_mount, bare, "", AT_FDCWD, t, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return lock_fail("bare", t);
        return 0;
}

/* For a tree the CT has files on (its top L stays as criu made it): each
 * child mount of L that no file is on (the masks, lxcfs's files, the
 * read-only /proc/sys, ...) is replaced by a locked copy propagated onto L
 * at its place, on a base B (a bind of L's own file or directory there,
 * which the copy covers). L is then not "fully visible" either (a locked
 * child over a file), so no fresh proc/sysfs mount is allowed. Called and
 * returns in X. */
static int relock_children(int xfd, int hfd, int procfd, const char *t, unsigned idx,
                           const struct idset *used)
{
        _cleanup_close_ int fd = openat(procfd, "thread-self/mountinfo", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int lfd = -1, peer = -1;
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char mps[32][256], pp[64];
        int cl[32], nc = 0, top = mnt_id_at(AT_FDCWD, t, 0), r = 0;
        bool shared = false;
        size_t n = 0, tl = strlen(t);

        if (fd < 0 || top < 0 || !(f = fdopen(fd, "re")))
                return lock_fail("mountinfo of", t);
        fd = -1;
        while (getline(&buf, &n, f) > 0 && nc < 32) {
                char mp[256], *sep = strstr(buf, " - ");
                int id, parent, off = 0;
                if (!sep || sscanf(buf, "%d %d %*s %*s %255s %*s%n", &id, &parent, mp, &off) != 3)
                        continue;
                *sep = '\0';
                if (id == top)
                        shared = strstr(buf + off, "shared:") != NULL;
                if (parent != top || strncmp(mp, t, tl) != 0 || mp[tl] != '/' || strchr(mp, '\\'))
                        continue;
                if (tree_used(procfd, id, used)) {
                        fprintf(stderr, "vz: relock: %s left unlocked: the CT has files on it\n",
                                mp);
                        continue;
                }
                snprintf(mps[nc++], sizeof(mps[0]), "%s", mp);
        }
        if (!nc)
                return 0;
        for (int k = 0; k < nc; k++)
                cl[k] = -1;
        lfd = (int)syscall(SYS_open_tree, AT_FDCWD, t, OPEN_TREE_CLOEXEC);
        if (lfd < 0 || (!shared && mount(NULL, t, NULL, MS_SHARED, NULL) < 0) ||
            (peer = (int)syscall(SYS_open_tree, AT_FDCWD, t, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) <
                0)
                return lock_fail("peer of", t);
        for (int k = 0; k < nc && r == 0; k++) {
                cl[k] = (int)syscall(SYS_open_tree, AT_FDCWD, mps[k],
                                     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                if (cl[k] < 0)
                        r = lock_fail("clone", mps[k]);
                while (r == 0 && umount2(mps[k], MNT_DETACH) == 0)
                        ;
        }
        if (r == 0 && setns(hfd, CLONE_NEWNS) < 0)
                r = lock_fail("setns", "host");
        snprintf(pp, sizeof(pp), LOCK_STAGE "/c%u", idx);
        if (r == 0 && (mkdir(pp, 0700) < 0 || syscall(SYS_move_mount, peer, "", AT_FDCWD, pp,
                                                      MOVE_MOUNT_F_EMPTY_PATH) < 0))
                r = lock_fail("attach", t);
        for (int k = 0; k < nc && r == 0; k++) {
                _cleanup_close_ int base = -1;
                char src[384], bp[64];
                struct stat st;
                snprintf(src, sizeof(src), "%s%s", pp, mps[k] + tl);
                snprintf(bp, sizeof(bp), LOCK_STAGE "/c%u.%d", idx, k);
                if (lstat(src, &st) < 0) {
                        r = lock_fail("stat", src);
                        break;
                }
                if (S_ISDIR(st.st_mode)
                        ? mkdir(bp, 0700) < 0
                        : (fd = open(bp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600)) < 0) {
                        r = lock_fail("stage", bp);
                        break;
                }
                if (fd >= 0) {
                        close(fd);
                        fd = -1;
                }
                if (mount(src, bp, NULL, MS_BIND, NULL) < 0 ||
                    mount(NULL, bp, NULL, MS_PRIVATE, NULL) < 0 ||
                    mount(NULL, bp, NULL,
                          MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          NULL) < 0 ||
                    (base = open(bp, O_PATH | O_CLOEXEC)) < 0 ||
                    syscall(SYS_move_mount, cl[k], "", base, "",
                            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ||
                    syscall(SYS_move_mount, base, "", AT_FDCWD, src, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        r = lock_fail("lock", mps[k]);
        }
        if (setns(xfd, CLONE_NEWNS) < 0 && r == 0)
                r = lock_fail("setns", "ct");
        if (r == 0 && !shared) {
                struct mount_attr ma = {.propagation = MS_PRIVATE};
                if (syscall(SYS_mount_setattr, lfd, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0)
                        r = lock_fail("propagation of", t);
        }
        for (int k = 0; k < nc; k++)
                if (cl[k] >= 0)
                        close(cl[k]);
        return r;
}

/* In H: each peer attached on the stage, its tree N put on a read-only
 * bind B of the peer's root, B moved onto the peer (propagates to L in X,
 * locked). Returns in H. */
static int relock_in_host(int hfd, const int peer[3], const int tree[3])
{
        if (setns(hfd, CLONE_NEWNS) < 0)
                return lock_fail("setns", "host");
        for (size_t i = 0; lock_trees[i]; i++) {
                _cleanup_close_ int base = -1;
                char pp[64], bp[64];
                if (peer[i] < 0)
                        continue;
                snprintf(pp, sizeof(pp), LOCK_STAGE "/p%zu", i);
                snprintf(bp, sizeof(bp), LOCK_STAGE "/b%zu", i);
                if (mkdir(pp, 0700) < 0 || mkdir(bp, 0700) < 0 ||
                    syscall(SYS_move_mount, peer[i], "", AT_FDCWD, pp, MOVE_MOUNT_F_EMPTY_PATH) <
                        0) {
                        return lock_fail("attach", lock_trees[i]);
                }
                /* B: out of the peer group, read-only, held by its fd (its
                 * path names N once N is on it). */
                if (mount(pp, bp, NULL, MS_BIND, NULL) < 0 ||
                    mount(NULL, bp, NULL, MS_PRIVATE, NULL) < 0 ||
                    mount(NULL, bp, NULL,
                          MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          NULL) < 0 ||
                    (base = open(bp, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                        return lock_fail("base", lock_trees[i]);
                if (syscall(SYS_move_mount, tree[i], "", base, "",
                            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return lock_fail("attach to base", lock_trees[i]);
                if (syscall(SYS_move_mount, base, "", AT_FDCWD, pp, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return lock_fail("propagate", lock_trees[i]);
        }
        return 0;
}

static int relock_mounts(int xfd, pid_t init)
{
        _cleanup_close_ int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int hfd = -1;
        int top[3] = {-1, -1, -1}, peer[3] = {-1, -1, -1}, tree[3] = {-1, -1, -1}, layers[3];
        struct idset used = {0};
        unsigned usedtree = 0;
        int r = 0;

        if (procfd < 0)
                return lock_fail("open", "/proc");
        task_mounts(procfd, init, &used);
        /* H: our own, of the host's user namespace, with a private stage. */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("vzstage", LOCK_STAGE, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "mode=700,size=64k") < 0) {
                r = lock_fail("stage", LOCK_STAGE);
                goto out;
        }
        hfd = openat(procfd, "thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
        if (hfd < 0 || setns(xfd, CLONE_NEWNS) < 0) {
                r = lock_fail("setns", "ct");
                goto out;
        }
        r = count_layers(procfd, layers);
        for (size_t i = 0; r == 0 && lock_trees[i]; i++) {
                if (!layers[i])
                        continue;
                tree[i] = (int)syscall(SYS_open_tree, AT_FDCWD, lock_trees[i],
                                       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                if (tree[i] < 0) {
                        r = lock_fail("clone", lock_trees[i]);
                        break;
                }
                /* criu cannot dump a file on a covered mount ("open files
                 * on overmounted mounts are not supported"): a tree the
                 * CT's tasks have files on stays as criu made it. */
                if (tree_used(procfd, mnt_id_at(AT_FDCWD, lock_trees[i], 0), &used)) {
                        fprintf(stderr,
                                "vz: relock: %s kept as restored (the CT has files on it), "
                                "its other mounts locked\n",
                                lock_trees[i]);
                        close(tree[i]);
                        tree[i] = -1;
                        usedtree |= 1u << i;
                        continue;
                }
                r = prune_tree(lock_trees[i]);
                if (r < 0)
                        break;
                top[i] = (int)syscall(SYS_open_tree, AT_FDCWD, lock_trees[i], OPEN_TREE_CLOEXEC);
                if (top[i] < 0 || mount(NULL, lock_trees[i], NULL, MS_SHARED, NULL) < 0 ||
                    (peer[i] = (int)syscall(SYS_open_tree, AT_FDCWD, lock_trees[i],
                                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) < 0)
                        r = lock_fail("peer of", lock_trees[i]);
        }
        if (r < 0)
                goto out;
        r = relock_in_host(hfd, peer, tree);
        if (r < 0)
                goto out;
        /* The whole stack private (as a start makes the trees): nothing
         * propagates in or out, and the next restore can move its top. */
        if (setns(xfd, CLONE_NEWNS) < 0)
                r = lock_fail("setns", "ct");
        for (size_t i = 0; r == 0 && lock_trees[i]; i++) {
                struct mount_attr ma = {.propagation = MS_PRIVATE};
                if (top[i] >= 0 && syscall(SYS_mount_setattr, top[i], "",
                                           AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof(ma)) < 0)
                        r = lock_fail("propagation of", lock_trees[i]);
        }
        /* The trees the CT has files on: their unused children. */
        for (size_t i = 0; r == 0 && lock_trees[i]; i++)
                if (usedtree & (1u << i))
                        r = relock_children(xfd, hfd, procfd, lock_trees[i], (unsigned)i, &used);
out:
        for (int i = 0; i < 3; i++) {
                if (top[i] >= 0)
                        close(top[i]);
                if (peer[i] >= 0)
                        close(peer[i]);
                if (tree[i] >= 0)
                        close(tree[i]);
        }
        free(used.v);
        return r;
}

/* criu's action script (the supervisor's program run by criu: see
 * vz-supervisor.c): locks the restored mounts. A criu with
 * scripts/criu-lock-mounts.patch names the complete restored mount
 * namespace at post-setup-namespaces (CRTOOLS_MNT_NS), before any restored task has
 * a file in it: every tree is covered then, and the stamp (RELOCK_STAMP_ENV)
 * says so to the post-restore call and to vz_cpt_restore_init. A stock
 * criu gives no namespace there: then at post-restore, the init's
 * namespace, with the trees the CT has files on kept as restored. */
int vz_cpt_action_script(void)
{
        const char *act = getenv("CRTOOLS_SCRIPT_ACTION"), *pid = getenv("CRTOOLS_INIT_PID");
        const char *ns = getenv("CRTOOLS_MNT_NS"), *stamp = getenv(RELOCK_STAMP_ENV);
        _cleanup_close_ int xfd = -1, sdir = -1;
        const char *sname = stamp ? strrchr(stamp, '/') : NULL;
        char p[64];
        bool early;
        int r;

        if (!act)
                return 0;
        early = streq(act, "post-setup-namespaces");
        if (early ? !ns : !streq(act, "post-restore"))
                return 0;
        if (!early && stamp && access(stamp, F_OK) == 0)
                return 0; /* locked at post-setup-namespaces */
        if (!pid || atoi(pid) <= 0) {
                fprintf(stderr, "vz: %s without CRTOOLS_INIT_PID\n", act);
                return 1;
        }
        if (!early)
                fprintf(stderr, "vz: relock: criu gave no mount namespace at post-setup-namespaces "
                                "(no scripts/criu-lock-mounts.patch): locking at post-restore\n");
        /* The stamp's directory: relock_mounts returns in the CT's namespace. */
        if (early && sname) {
                _cleanup_free_ char *d = strndup(stamp, (size_t)(sname - stamp));
                sdir = d ? open(*d ? d : "/", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
                if (sdir < 0) {
                        (void)lock_fail("open", stamp);
                        return 1;
                }
        }
        snprintf(p, sizeof(p), "/proc/%d/ns/mnt", atoi(pid));
        xfd = open(early ? ns : p, O_RDONLY | O_CLOEXEC);
        r = xfd < 0 ? lock_fail("open", early ? ns : p) : relock_mounts(xfd, atoi(pid));
        if (r < 0) {
                fprintf(stderr, "vz: cannot lock the restored CT's mounts: %s\n", strerror(-r));
                return 1;
        }
        if (sdir >= 0) {
                int fd = openat(sdir, sname + 1, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (fd < 0) {
                        fprintf(stderr, "vz: relock: cannot write %s: %m\n", stamp);
                        return 1;
                }
                close(fd);
        }
        return 0;
}

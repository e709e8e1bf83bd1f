/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CT's device allow-list: the default nodes every CT gets, then DEVICES
 * and DEVNODES, enforced at start and changed live.
 *
 * One rule model, two back ends:
 *   v1  the devices controller: "deny a", then one devices.allow line per
 *       rule; a live change allows what is new, then denies the access bits
 *       (or whole entries) that are no longer wanted, so no moment passes
 *       with fewer rights than both the old and the new list give.
 *   v2  a BPF_PROG_TYPE_CGROUP_DEVICE program (the kernel has no devices
 *       controller in cgroup2) built from raw instructions, attached to the
 *       CT's cgroup with BPF_F_ALLOW_MULTI. A live change attaches the new
 *       program first, then detaches the old ones: while both are attached
 *       the kernel allows only what both allow. The CT cannot detach it: a
 *       cgroup BPF attach needs CAP_NET_ADMIN in the host's user namespace.
 *
 * A DEVICES or DEVNODES entry replaces the default rule for the same device
 * (so "c:1:8:none" takes /dev/random away, "c:1:8:r" makes it read-only).
 * On v2 the first matching rule decides, entries before defaults, so an
 * entry also narrows a default wildcard (c:136:5:none under c 136:*); the
 * v1 controller can only change whole exceptions and cannot.
 */
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "cgroup.h"
#include "err.h"
#include "log.h"
#include "runtime.h"
#include "util.h"

#define ACC_MKNOD 1u
#define ACC_READ  2u
#define ACC_WRITE 4u
#define ACC_ALL   (ACC_MKNOD | ACC_READ | ACC_WRITE)
#define ANY       (-1)

struct devrule {
        char type;    /* 'c' or 'b' */
        int major;    /* ANY for every major ("all") */
        int minor;    /* ANY for every minor */
        unsigned acc; /* ACC_* bits; 0 = denied */
};

/* The nodes every CT gets (bound into its /dev) and the pty majors. */
static const struct devrule default_rules[] = {
    {'c', 1, 3, ACC_ALL},     /* null */
    {'c', 1, 5, ACC_ALL},     /* zero */
    {'c', 1, 7, ACC_ALL},     /* full */
    {'c', 1, 8, ACC_ALL},     /* random */
    {'c', 1, 9, ACC_ALL},     /* urandom */
    {'c', 5, 0, ACC_ALL},     /* tty */
    {'c', 5, 1, ACC_ALL},     /* console */
    {'c', 5, 2, ACC_ALL},     /* ptmx */
    {'c', 136, ANY, ACC_ALL}, /* pts */
};

struct devlist {
        struct devrule *r;
        size_t n;
};

static bool same_key(const struct devrule *a, const struct devrule *b)
{
        return a->type == b->type && a->major == b->major && a->minor == b->minor;
}

static int push(struct devlist *l, struct devrule d)
{
        struct devrule *nr;

        /* A later entry for the same device replaces an earlier one. */
        for (size_t i = 0; i < l->n; i++)
                if (same_key(&l->r[i], &d)) {
                        l->r[i].acc = d.acc;
                        return 0;
                }
        nr = realloc(l->r, (l->n + 1) * sizeof(*nr));
        if (!nr)
                return -ENOMEM;
        l->r = nr;
        l->r[l->n++] = d;
        return 0;
}

/* "rw", "r", "wq", "none" -> ACC bits; mknod comes with any access, as the
 * v1 code always gave it. */
static unsigned perm_bits(const char *perm)
{
        unsigned a = 0;

        if (streq(perm, "none"))
                return 0;
        if (strchr(perm, 'r'))
                a |= ACC_READ;
        if (strchr(perm, 'w'))
                a |= ACC_WRITE;
        return a ? a | ACC_MKNOD : 0;
}

static int parse_num(const char *s, int *ret)
{
        char *end;
        long v;

        if (streq(s, "all") || streq(s, "*")) {
                *ret = ANY;
                return 0;
        }
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < 0 || v > (1 << 20))
                return -EINVAL;
        *ret = (int)v;
        return 0;
}

/* DEVICES token "c:10:200:rw", "b:8:all:r", "c:all:rw" -> rule. */
static int devices_token(const char *tok, struct devrule *d)
{
        _cleanup_free_ char *s = strdup(tok);
        char *f[4] = {NULL};
        size_t n = 0;

        if (!s)
                return -ENOMEM;
        for (char *p = s, *save = NULL, *t; n < 4 && (t = strtok_r(p, ":", &save)); p = NULL)
                f[n++] = t;
        if (n < 3 || (!streq(f[0], "c") && !streq(f[0], "b")))
                return -EINVAL;
        d->type = f[0][0];
        if (n == 3) { /* type:all:perm */
                if (!streq(f[1], "all"))
                        return -EINVAL;
                d->major = d->minor = ANY;
                d->acc = perm_bits(f[2]);
                return 0;
        }
        if (parse_num(f[1], &d->major) < 0 || parse_num(f[2], &d->minor) < 0)
                return -EINVAL;
        if (d->major == ANY)
                d->minor = ANY;
        d->acc = perm_bits(f[3]);
        return 0;
}

/* The rule list of ct: DEVICES and DEVNODES entries first (in order), then
 * the defaults no entry replaced. Loop devices (major 7, block) are never
 * granted: they would let the CT mount any host file (OpenVZ refuses too). */
static int build_rules(const vz_ct *ct, struct devlist *out, vz_err *e)
{
        _cleanup_strv_free_ char **devs = NULL, **nodes = NULL;
        struct devlist l = {0};
        int r = 0;

        vz_strv_split(vz_ct_get(ct, "DEVICES"), " ", &devs);
        for (size_t i = 0; r >= 0 && devs && devs[i]; i++) {
                struct devrule d;
                if (devices_token(devs[i], &d) < 0) {
                        vz_warn("DEVICES %s: not understood, ignored", devs[i]);
                        continue;
                }
                if (d.type == 'b' && d.major == 7)
                        continue;
                /* "b:all": everything but loop devices (v2; v1 cannot carve
                 * an exception out of a wildcard). */
                if (d.type == 'b' && d.major == ANY && d.acc)
                        r = push(&l, (struct devrule){'b', 7, ANY, 0});
                if (r >= 0)
                        r = push(&l, d);
        }
        vz_strv_split(vz_ct_get(ct, "DEVNODES"), " ", &nodes);
        for (size_t i = 0; r >= 0 && nodes && nodes[i]; i++) {
                char *c = strrchr(nodes[i], ':'), path[300];
                struct stat st;
                if (!c)
                        continue;
                *c = '\0';
                snprintf(path, sizeof(path), "/dev/%s", nodes[i]);
                if (strstr(nodes[i], "..") || stat(path, &st) < 0 ||
                    !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
                        vz_warn("DEVNODES %s: no such device node on the host", nodes[i]);
                        continue;
                }
                if (S_ISBLK(st.st_mode) && major(st.st_rdev) == 7)
                        continue;
                r = push(&l,
                         (struct devrule){S_ISCHR(st.st_mode) ? 'c' : 'b', (int)major(st.st_rdev),
                                          (int)minor(st.st_rdev), perm_bits(c + 1)});
        }
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(default_rules); i++) {
                bool replaced = false;
                for (size_t j = 0; j < l.n; j++)
                        replaced = replaced || same_key(&l.r[j], &default_rules[i]);
                if (!replaced)
                        r = push(&l, default_rules[i]);
        }
        if (r < 0) {
                free(l.r);
                return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        }
        *out = l;
        return 0;
}

/* ------------------------------------------------------------ v1 */
static void rule_line(const struct devrule *d, unsigned acc, char *buf, size_t len)
{
        char maj[16] = "*", min[16] = "*";

        if (d->major != ANY)
                snprintf(maj, sizeof(maj), "%d", d->major);
        if (d->minor != ANY)
                snprintf(min, sizeof(min), "%d", d->minor);
        snprintf(buf, len, "%c %s:%s %s%s%s", d->type, maj, min, acc & ACC_READ ? "r" : "",
                 acc & ACC_WRITE ? "w" : "", acc & ACC_MKNOD ? "m" : "");
}

/* A devices.list line "c 1:3 rwm" / "a *:* rwm" -> rule ('a' for all). */
static bool parse_list_line(const char *s, struct devrule *d)
{
        char type, maj[16], min[16], acc[8];

        if (sscanf(s, "%c %15[^:]:%15s %7s", &type, maj, min, acc) != 4)
                return false;
        d->type = type;
        if (parse_num(maj, &d->major) < 0 || parse_num(min, &d->minor) < 0)
                return false;
        d->acc = 0;
        if (strchr(acc, 'r'))
                d->acc |= ACC_READ;
        if (strchr(acc, 'w'))
                d->acc |= ACC_WRITE;
        if (strchr(acc, 'm'))
                d->acc |= ACC_MKNOD;
        return true;
}

static int apply_v1(vz_cgroup *cg, const struct devlist *l, vz_err *e)
{
        _cleanup_free_ char *list = NULL;
        char line[64];
        int r;

        r = vz_cgroup_read(cg, "devices", "devices.list", &list);
        if (r < 0)
                return vz_fail(e, VZ_E_SET_DEVICES, r, "cannot read devices.list: %s",
                               strerror(-r));
        /* A new cgroup allows everything ("a *:* rwm"): start from nothing. */
        if (vz_startswith(list, "a ")) {
                r = vz_cgroup_write(cg, "devices", "devices.deny", "a", e);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < l->n; i++) {
                if (!l->r[i].acc)
                        continue;
                rule_line(&l->r[i], l->r[i].acc, line, sizeof(line));
                r = vz_cgroup_write(cg, "devices", "devices.allow", line, e);
                if (r < 0)
                        return r;
        }
        /* Then take away what is no longer wanted. */
        free(list);
        list = NULL;
        r = vz_cgroup_read(cg, "devices", "devices.list", &list);
        if (r < 0)
                return vz_fail(e, VZ_E_SET_DEVICES, r, "cannot read devices.list: %s",
                               strerror(-r));
        for (char *p = list, *save = NULL, *t; (t = strtok_r(p, "\n", &save)); p = NULL) {
                struct devrule cur;
                unsigned want = 0, extra;
                if (!parse_list_line(t, &cur) || cur.type == 'a')
                        continue;
                for (size_t i = 0; i < l->n; i++)
                        if (same_key(&l->r[i], &cur))
                                want = l->r[i].acc;
                extra = cur.acc & ~want;
                if (!extra)
                        continue;
                rule_line(&cur, extra, line, sizeof(line));
                r = vz_cgroup_write(cg, "devices", "devices.deny", line, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ------------------------------------------------------------ v2 (BPF) */
#define INSN(c, d, s, o, i)                                                                        \
        ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

struct prog {
        struct bpf_insn *in;
        size_t n, cap;
};

static void emit(struct prog *p, struct bpf_insn i)
{
        if (p->n < p->cap)
                p->in[p->n] = i;
        p->n++;
}

/* The program: r2 = type, r3 = requested access, r4 = major, r5 = minor;
 * per rule "if type/major/minor match: allow iff the request is a subset of
 * the rule's access"; no match denies. */
static void gen_prog(struct prog *p, const struct devlist *l)
{
        emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0));
        emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_6, 0, 0));
        emit(p, INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));
        emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_6, 0, 0));
        emit(p, INSN(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16));
        emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_6, 4, 0));
        emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_6, 8, 0));
        for (size_t i = 0; i < l->n; i++) {
                const struct devrule *d = &l->r[i];
                size_t jumps[3], nj = 0;

                jumps[nj++] = p->n;
                emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
                             d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
                if (d->major != ANY) {
                        jumps[nj++] = p->n;
                        emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, d->major));
                }
                if (d->minor != ANY) {
                        jumps[nj++] = p->n;
                        emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, d->minor));
                }
                /* Matched: r0 = request & ~allowed; 0 -> allow (1), else deny. */
                emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_3, 0, 0));
                emit(p, INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_0, 0, 0, (int32_t)~d->acc));
                emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 2, 0));
                emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1));
                emit(p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
                emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));
                emit(p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
                /* "no match" jumps land on the next rule. */
                for (size_t j = 0; j < nj; j++)
                        if (jumps[j] < p->cap)
                                p->in[jumps[j]].off = (int16_t)(p->n - jumps[j] - 1);
        }
        emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));
        emit(p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

static int sys_bpf(int cmd, union bpf_attr *a)
{
        return (int)syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static int load_prog(const struct devlist *l, char *log, size_t loglen)
{
        struct prog p = {0};
        union bpf_attr a;
        int fd;

        gen_prog(&p, l); /* count */
        p.cap = p.n;
        p.n = 0;
        p.in = calloc(p.cap, sizeof(*p.in));
        if (!p.in)
                return -ENOMEM;
        gen_prog(&p, l);
        memset(&a, 0, sizeof(a));
        a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        a.insns = (uintptr_t)p.in;
        a.insn_cnt = (uint32_t)p.n;
        a.license = (uintptr_t) "GPL";
        a.log_buf = (uintptr_t)log;
        a.log_size = (uint32_t)loglen;
        a.log_level = loglen ? 1 : 0;
        fd = sys_bpf(BPF_PROG_LOAD, &a);
        if (fd < 0)
                fd = -errno;
        free(p.in);
        return fd;
}

/* Ids of the device programs attached to the cgroup (at most cap). */
static int query_progs(int cgfd, uint32_t *ids, uint32_t cap)
{
        union bpf_attr a;

        memset(&a, 0, sizeof(a));
        a.query.target_fd = (uint32_t)cgfd;
        a.query.attach_type = BPF_CGROUP_DEVICE;
        a.query.prog_ids = (uintptr_t)ids;
        a.query.prog_cnt = cap;
        if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
                return -errno;
        return (int)(a.query.prog_cnt < cap ? a.query.prog_cnt : cap);
}

static int prog_tag(int fd, uint8_t tag[BPF_TAG_SIZE])
{
        struct bpf_prog_info info;
        union bpf_attr a;

        memset(&info, 0, sizeof(info));
        memset(&a, 0, sizeof(a));
        a.info.bpf_fd = (uint32_t)fd;
        a.info.info_len = sizeof(info);
        a.info.info = (uintptr_t)&info;
        if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
                return -errno;
        memcpy(tag, info.tag, BPF_TAG_SIZE);
        return 0;
}

static int prog_fd_by_id(uint32_t id)
{
        union bpf_attr a;
        int fd;

        memset(&a, 0, sizeof(a));
        a.prog_id = id;
        fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
        return fd < 0 ? -errno : fd;
}

static int apply_v2(vz_cgroup *cg, const struct devlist *l, vz_err *e)
{
        const char *dir = vz_cgroup_v2_path(cg);
        _cleanup_close_ int cgfd = -1, prog = -1;
        uint32_t ids[64];
        uint8_t tag[BPF_TAG_SIZE], otag[BPF_TAG_SIZE];
        union bpf_attr a;
        char log[4096] = "";
        int n, r;

        if (!dir)
                return 1;
        cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgfd < 0)
                return vz_fail(e, VZ_E_SET_DEVICES, -errno, "cannot open %s: %s", dir,
                               strerror(errno));
        prog = load_prog(l, NULL, 0);
        if (prog == -EPERM || prog == -ENOSYS || prog == -EINVAL) {
                /* No BPF here (or not for us): say so, do not fail. */
                if (prog == -EINVAL) {
                        int p2 = load_prog(l, log, sizeof(log));
                        if (p2 >= 0)
                                close(p2);
                        vz_debug("device program refused: %s", log);
                }
                vz_debug("device access not enforced: bpf: %s", strerror(-prog));
                return 1;
        }
        if (prog < 0)
                return vz_fail(e, VZ_E_SET_DEVICES, prog, "cannot load the device program: %s",
                               strerror(-prog));
        n = query_progs(cgfd, ids, ELEMENTSOF(ids));
        if (n < 0)
                return vz_fail(e, VZ_E_SET_DEVICES, n, "cannot list device programs of %s: %s", dir,
                               strerror(-n));
        /* The same program already attached alone: nothing to do. */
        if (n == 1 && prog_tag(prog, tag) == 0) {
                _cleanup_close_ int old = prog_fd_by_id(ids[0]);
                if (old >= 0 && prog_tag(old, otag) == 0 && memcmp(tag, otag, sizeof(tag)) == 0)
                        return 0;
        }
        memset(&a, 0, sizeof(a));
        a.target_fd = (uint32_t)cgfd;
        a.attach_bpf_fd = (uint32_t)prog;
        a.attach_type = BPF_CGROUP_DEVICE;
        a.attach_flags = BPF_F_ALLOW_MULTI;
        if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
                return vz_fail(e, VZ_E_SET_DEVICES, -errno,
                               "cannot attach the device program to %s: %s", dir, strerror(errno));
        /* Only host root attaches here (the CT lacks CAP_NET_ADMIN in the
         * host's namespace): every other program is an older list of ours. */
        for (int i = 0; i < n; i++) {
                _cleanup_close_ int old = prog_fd_by_id(ids[i]);
                if (old < 0)
                        continue;
                memset(&a, 0, sizeof(a));
                a.target_fd = (uint32_t)cgfd;
                a.attach_bpf_fd = (uint32_t)old;
                a.attach_type = BPF_CGROUP_DEVICE;
                if (sys_bpf(BPF_PROG_DETACH, &a) < 0) {
                        r = -errno;
                        return vz_fail(e, VZ_E_SET_DEVICES, r,
                                       "cannot detach the old device program: %s", strerror(-r));
                }
        }
        return 0;
}

int vz_cgroup_apply_devices(vz_cgroup *cg, const vz_ct *ct, vz_err *e)
{
        struct devlist l = {0};
        _cleanup_free_ char *probe = NULL;
        int r;

        r = build_rules(ct, &l, e);
        if (r < 0)
                return r;
        /* v1 devices controller where there is one (hybrid hosts too), else
         * a BPF program on the cgroup2 directory. */
        if (vz_cgroup_read(cg, "devices", "devices.list", &probe) >= 0)
                r = apply_v1(cg, &l, e);
        else
                r = apply_v2(cg, &l, e);
        free(l.r);
        return r;
}

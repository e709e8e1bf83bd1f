/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a CT's cgroups enforce, at start and live (vzctl set on a running
 * CT): NUMPROC, memory (PHYSPAGES/SWAPPAGES, VSwap style; KMEMSIZE where v1
 * still honours it), CPU (CPUUNITS, CPULIMIT, CPUS, CPUMASK, NODEMASK), I/O
 * (IOPRIO, IOLIMIT, IOPSLIMIT on the disk holding VE_PRIVATE); device
 * access (the default allow-list plus DEVICES/DEVNODES) is devices.c.
 *
 * At start every parameter is written; a vzctl set on a running CT writes
 * only the parameters it was given (struct plan's only), as OpenVZ does, so
 * an earlier change made without --save stays in effect: where several
 * parameters share a file (v1 memsw = RAM + swap), the one not given keeps
 * the value the kernel holds now, not the saved one. CPULIMIT and CPUS are
 * one quota: either given recomputes it from both (the other as saved).
 *
 * The groups find their values through the parameter table: each row that
 * feeds one names its value (the row's cg, config/params.h), and every
 * such value is read and parsed once per apply (plan_values); no group
 * asks for a parameter by name.
 *
 * Every write first reads the file's old value; if a later write fails
 * (e.g. the kernel refuses to lower memory below usage with EBUSY), the
 * values already changed are put back in reverse order, so a failed
 * `vzctl set` changes nothing.
 *
 * Scaling choices (documented in DESIGN.md terms):
 *   CPUUNITS -> v1 cpu.shares = units * 1024 / 1000 (so the default 1000
 *               units equal the kernel's default 1024 shares), clamped to
 *               the kernel's 2..262144; v2 cpu.weight = units / 10 clamped
 *               to 1..10000 (1000 units = the default weight 100).
 *   CPULIMIT -> percent of one CPU: quota = pct * period / 100 with a
 *               100 ms period; 0 = unlimited; CPUS caps it at CPUS * 100%.
 *   IOPRIO   -> weight 100 * 2^(prio - 4): the default prio 4 is the
 *               kernel's default weight 100, each step doubles or halves.
 *   VE0CPUUNITS (vz.conf, the host's CPU units) -> the weight of the CTs'
 *               parent group, see host_weight().
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include "cgroup.h"
#include "config/params.h"
#include "err.h"
#include "log.h"
#include "runtime.h"
#include "storage/storage.h"
#include "util.h"

#define PAGE       4096LL
#define CPU_PERIOD 100000LL

static bool limited(int64_t v)
{
        return v > 0 && v != VZ_UNLIMITED && v != INT32_MAX;
}

/* ------------------------------------------------------------ undo log */
struct change {
        const char *controller;
        const char *file;
        char *old;
};

/* The CT's value of each row that feeds a resource group (the row's cg),
 * parsed once: UBC rows as barrier:limit, INT rows as a number (in lim),
 * the rest (masks) as stored. */
struct value {
        bool given; /* to apply: every one at start, the set's ones live */
        bool set;   /* present and parsable */
        int64_t bar, lim;
        const char *str;
};

struct plan {
        vz_cgroup *cg;
        struct change *ch;
        size_t n;
        char *const *only; /* parameters to apply; NULL: all (start) */
        struct value v[_VZ_CG_MAX];
};

/* Is parameter name to be applied? */
static bool given(const struct plan *pl, const char *name)
{
        return !pl->only || vz_strv_contains(pl->only, name);
}

static bool parse_value(const struct vz_param *p, const char *s, int64_t *bar, int64_t *lim)
{
        char *end;
        long long n;

        if (p->kind == VZ_KIND_UBC)
                return s && vz_ubc_parse(s, p->unit, bar, lim) == 0;
        if (isempty(s))
                return false;
        if (p->kind != VZ_KIND_INT)
                return true;
        errno = 0;
        n = strtoll(s, &end, 10);
        if (errno || *end)
                return false;
        *lim = n;
        return true;
}

/* The table's rows that feed a group, each value read and parsed once. */
static void plan_values(struct plan *pl, const vz_ct *ct)
{
        const struct vz_param *p;

        for (size_t i = 0; (p = vz_param_row(i)); i++) {
                struct value *v = &pl->v[p->cg];
                if (p->cg == VZ_CG_NONE || p->extra_option)
                        continue;
                v->given = given(pl, p->info.name);
                v->str = vz_ct_get(ct, p->info.name);
                v->set = parse_value(p, v->str, &v->bar, &v->lim);
        }
}

/* The value of group g if set, else def. */
static int64_t num(const struct plan *pl, enum vz_cg_value g, int64_t def)
{
        return pl->v[g].set ? pl->v[g].lim : def;
}

static bool was_given(const struct plan *pl, enum vz_cg_value g)
{
        return pl->v[g].given;
}

static void first_line(char *s)
{
        s[strcspn(s, "\n")] = '\0';
}

/* Write controller/file = value, remembering the old value (old_override
 * if given: for per-device files the old line of that device). -ENOENT,
 * with nothing written and no message, if this host has no such file. */
static int put(struct plan *pl, const char *controller, const char *file, const char *value,
               const char *old_override, vz_err *e)
{
        _cleanup_free_ char *old = NULL;
        struct change *nc;
        int r;

        r = vz_cgroup_read(pl->cg, controller, file, &old);
        if (r < 0)
                return -ENOENT;
        first_line(old);
        if (!old_override && streq(old, value))
                return 0;
        if (old_override) {
                free(old);
                old = strdup(old_override);
                if (!old)
                        return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        }
        nc = realloc(pl->ch, (pl->n + 1) * sizeof(*nc));
        if (!nc)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        pl->ch = nc;
        r = vz_cgroup_write(pl->cg, controller, file, value, e);
        if (r < 0)
                return r;
        pl->ch[pl->n++] = (struct change){controller, file, TAKE_PTR(old)};
        return 0;
}

static void plan_rollback(struct plan *pl)
{
        for (size_t i = pl->n; i-- > 0;)
                if (vz_cgroup_write(pl->cg, pl->ch[i].controller, pl->ch[i].file, pl->ch[i].old,
                                    NULL) < 0)
                        vz_debug("cannot restore %s to %s", pl->ch[i].file, pl->ch[i].old);
}

static void plan_done(struct plan *pl)
{
        for (size_t i = 0; i < pl->n; i++)
                free(pl->ch[i].old);
        free(pl->ch);
}

static int64_t read_num(vz_cgroup *cg, const char *controller, const char *file)
{
        _cleanup_free_ char *v = NULL;

        if (vz_cgroup_read(cg, controller, file, &v) < 0)
                return -1;
        return strtoll(v, NULL, 10);
}

/* ------------------------------------------------------------ memory */
static int memory_busy(int r, int64_t ram, vz_err *e)
{
        if (r != -EBUSY)
                return r;
        /* v1 memory.limit_in_bytes: the kernel reclaims down to the new limit
         * and gives up with EBUSY when it cannot (unswappable memory, or no
         * swap allowed). OpenVZ 7 says the same. */
        return vz_fail_replace(e, VZ_E_SETUBC, r,
                               "cannot lower the RAM limit to %lld MB: the container uses more "
                               "memory than that and the kernel cannot reclaim it",
                               (long long)(ram * PAGE >> 20));
}

/* A memory limit file in pages: 0 for no limit, -1 if unreadable. */
static int64_t live_pages(vz_cgroup *cg, const char *file)
{
        _cleanup_free_ char *v = NULL;
        long long b;

        if (vz_cgroup_read(cg, "memory", file, &v) < 0)
                return -1;
        if (vz_startswith(v, "max"))
                return 0;
        b = strtoll(v, NULL, 10);
        /* v1 "no limit": PAGE_COUNTER_MAX pages in bytes. */
        return b < 0 || b >= (INT64_MAX / PAGE) * PAGE ? 0 : b / PAGE;
}

/* RAM and swap the CT has now (a set of only one of them keeps the other):
 * ram 0 for no limit, swap -1 for no limit. */
static void live_memory(struct plan *pl, bool v2, int64_t *ram, int64_t *swap)
{
        int64_t r = live_pages(pl->cg, v2 ? "memory.max" : "memory.limit_in_bytes");
        int64_t s = live_pages(pl->cg, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes");

        *ram = r > 0 ? r : 0;
        if (s <= 0)
                *swap = -1;
        else if (v2)
                *swap = s;
        else /* memsw is RAM + swap */
                *swap = r > 0 && s >= r ? s - r : -1;
}

static int set_memory(struct plan *pl, vz_err *e)
{
        const struct value *vr = &pl->v[VZ_CG_RAM], *vs = &pl->v[VZ_CG_SWAP];
        int64_t ram = vr->set && limited(vr->lim) ? vr->lim : 0;
        int64_t swap = vs->set && vs->lim >= 0 && vs->lim != VZ_UNLIMITED ? vs->lim : -1;
        int64_t live_ram, live_swap;
        bool v2 = vz_cgroup_controller_v2(pl->cg, "memory");
        char mem[32], sw[32];
        int r;

        if (!vr->given && !vs->given)
                return 0;
        if (pl->only) {
                live_memory(pl, v2, &live_ram, &live_swap);
                if (!vr->given)
                        ram = live_ram;
                /* Under no RAM limit no swap limit was set: the config's. */
                if (!vs->given && live_ram)
                        swap = live_swap;
        }
        /* SWAPPAGES only means something next to a RAM limit (VSwap). */
        if (!ram)
                swap = -1;

        if (v2) {
                /* v2: memory.swap.max is swap only (not RAM + swap as v1). */
                snprintf(mem, sizeof(mem), "%lld", (long long)(ram * PAGE));
                snprintf(sw, sizeof(sw), "%lld", (long long)(swap * PAGE));
                r = put(pl, "memory", "memory.max", ram ? mem : "max", NULL, e);
                if (r < 0 && r != -ENOENT)
                        return memory_busy(r, ram, e);
                r = put(pl, "memory", "memory.swap.max", swap >= 0 ? sw : "max", NULL, e);
                if (r < 0 && r != -ENOENT)
                        return r;
                return 0;
        }

        /* v1: memsw counts RAM plus swap and must never be below the RAM
         * limit (EINVAL), so when the RAM limit goes above the current memsw
         * limit, memsw moves first. memsw exists only with swap accounting. */
        snprintf(mem, sizeof(mem), "%lld", ram ? (long long)(ram * PAGE) : -1LL);
        snprintf(sw, sizeof(sw), "%lld", swap >= 0 ? (long long)((ram + swap) * PAGE) : -1LL);
        {
                int64_t cur_sw = read_num(pl->cg, "memory", "memory.memsw.limit_in_bytes");
                bool memsw_first = cur_sw >= 0 && (!ram || ram * PAGE > cur_sw);

                if (memsw_first) {
                        r = put(pl, "memory", "memory.memsw.limit_in_bytes", sw, NULL, e);
                        if (r < 0 && r != -ENOENT)
                                return r;
                }
                r = put(pl, "memory", "memory.limit_in_bytes", mem, NULL, e);
                if (r < 0 && r != -ENOENT)
                        return memory_busy(r, ram, e);
                if (!memsw_first) {
                        r = put(pl, "memory", "memory.memsw.limit_in_bytes", sw, NULL, e);
                        if (r < 0 && r != -ENOENT)
                                return memory_busy(r, ram, e);
                }
        }
        return 0;
}

/* KMEMSIZE: v1 only. Kernels since 6.1 keep memory.kmem.limit_in_bytes but
 * ignore writes (the limit reads back unchanged), v2 has no kmem limit at
 * all: then it is accounted in the memory limit and only reported. */
static void set_kmem(struct plan *pl)
{
        const struct value *v = &pl->v[VZ_CG_KMEM];
        char buf[32];

        if (!v->given || !v->set || vz_cgroup_controller_v2(pl->cg, "memory"))
                return;
        snprintf(buf, sizeof(buf), "%lld", limited(v->lim) ? (long long)v->lim : -1LL);
        if (vz_cgroup_write(pl->cg, "memory", "memory.kmem.limit_in_bytes", buf, NULL) < 0)
                vz_debug("KMEMSIZE not enforced by this kernel");
}

static int set_numproc(struct plan *pl, vz_err *e)
{
        int64_t lim = num(pl, VZ_CG_NUMPROC, VZ_UNLIMITED);
        char buf[32];
        int r;

        if (!was_given(pl, VZ_CG_NUMPROC))
                return 0;
        snprintf(buf, sizeof(buf), "%lld", (long long)lim);
        r = put(pl, "pids", "pids.max", limited(lim) ? buf : "max", NULL, e);
        return r == -ENOENT ? 0 : r;
}

/* ------------------------------------------------------------ CPU */
static int set_cpu(struct plan *pl, vz_err *e)
{
        int64_t units = num(pl, VZ_CG_CPUUNITS, 1000), pct = num(pl, VZ_CG_CPULIMIT, 0),
                cpus = num(pl, VZ_CG_CPUS, 0);
        bool quota = was_given(pl, VZ_CG_CPULIMIT) || was_given(pl, VZ_CG_CPUS);
        char buf[64];
        int r;

        if (cpus > 0 && (pct <= 0 || pct > cpus * 100))
                pct = cpus * 100;

        if (vz_cgroup_controller_v2(pl->cg, "cpu")) {
                int64_t w = units / 10;
                snprintf(buf, sizeof(buf), "%lld", (long long)(w < 1 ? 1 : w > 10000 ? 10000 : w));
                r = was_given(pl, VZ_CG_CPUUNITS) ? put(pl, "cpu", "cpu.weight", buf, NULL, e) : 0;
                if (r < 0 && r != -ENOENT)
                        return r;
                if (!quota)
                        return 0;
                if (pct > 0)
                        snprintf(buf, sizeof(buf), "%lld %lld", (long long)(pct * CPU_PERIOD / 100),
                                 (long long)CPU_PERIOD);
                else
                        snprintf(buf, sizeof(buf), "max %lld", (long long)CPU_PERIOD);
                r = put(pl, "cpu", "cpu.max", buf, NULL, e);
                return r == -ENOENT ? 0 : r;
        }
        {
                int64_t sh = units * 1024 / 1000;
                snprintf(buf, sizeof(buf), "%lld",
                         (long long)(sh < 2        ? 2
                                     : sh > 262144 ? 262144
                                                   : sh));
        }
        r = was_given(pl, VZ_CG_CPUUNITS) ? put(pl, "cpu", "cpu.shares", buf, NULL, e) : 0;
        if (r < 0 && r != -ENOENT)
                return r;
        if (!quota)
                return 0;
        snprintf(buf, sizeof(buf), "%lld", (long long)CPU_PERIOD);
        r = put(pl, "cpu", "cpu.cfs_period_us", buf, NULL, e);
        if (r < 0 && r != -ENOENT)
                return r;
        snprintf(buf, sizeof(buf), "%lld", pct > 0 ? (long long)(pct * CPU_PERIOD / 100) : -1LL);
        r = put(pl, "cpu", "cpu.cfs_quota_us", buf, NULL, e);
        return r == -ENOENT ? 0 : r;
}

/* CPUMASK/NODEMASK: "all" (and CPUMASK "auto", which OpenVZ 7 hands to its
 * memory manager) or unset mean the parent's set. */
static int set_cpuset(struct plan *pl, enum vz_cg_value g, const char *file, vz_err *e)
{
        const char *v = pl->v[g].str;
        _cleanup_free_ char *parent = NULL;
        bool v2 = vz_cgroup_controller_v2(pl->cg, "cpuset");
        int r;

        if (!was_given(pl, g))
                return 0;
        if (isempty(v) || streq(v, "all") || streq(v, "auto")) {
                /* v2: an empty cpuset.cpus means "the parent's"; read its
                 * effective set so the value is explicit on both. */
                _cleanup_free_ char *eff = vz_strdupf("%s.effective", file);
                if (!eff)
                        return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                if (vz_cgroup_read_parent(pl->cg, "cpuset", v2 ? eff : file, &parent) < 0)
                        return 0;
                first_line(parent);
                if (isempty(parent))
                        return 0;
                v = parent;
        }
        r = put(pl, "cpuset", file, v, NULL, e);
        return r == -ENOENT ? 0 : r;
}

/* ------------------------------------------------------------ I/O */
/* The whole disk holding VE_PRIVATE ("8:0"); throttling applies to whole
 * disks only (blk-throttle refuses partitions with ENODEV). */
static bool private_disk(const vz_ct *ct, char *buf, size_t len)
{
        const char *priv = vz_ct_private(ct), *root = vz_ct_root(ct);
        struct stat st;
        char path[128];
        _cleanup_free_ char *dev = NULL;

        /* The image layout: the CT's I/O goes to its loop device (mounted on
         * VE_ROOT while the CT runs), which is what to throttle. */
        if (priv && root && vz_image_exists(priv) && stat(root, &st) == 0 &&
            major(st.st_dev) == 7) {
                snprintf(buf, len, "%u:%u", major(st.st_dev), minor(st.st_dev));
                return true;
        }
        if (!priv || stat(priv, &st) < 0 || major(st.st_dev) == 0)
                return false; /* tmpfs, overlay, btrfs subvolume... no block device */
        snprintf(buf, len, "%u:%u", major(st.st_dev), minor(st.st_dev));
        snprintf(path, sizeof(path), "/sys/dev/block/%s/partition", buf);
        if (access(path, F_OK) == 0) {
                snprintf(path, sizeof(path), "/sys/dev/block/%s/../dev", buf);
                if (vz_read_file(path, 64, &dev, NULL) < 0)
                        return false;
                first_line(dev);
                snprintf(buf, len, "%s", dev);
        }
        return true;
}

/* The current line of dev in a per-device file ("8:0 1048576"), or NULL. */
static char *dev_line(vz_cgroup *cg, const char *controller, const char *file, const char *dev)
{
        _cleanup_free_ char *v = NULL;
        size_t l = strlen(dev);

        if (vz_cgroup_read(cg, controller, file, &v) < 0)
                return NULL;
        for (char *p = v; p && *p;) {
                char *nl = strchr(p, '\n');
                if (nl)
                        *nl = '\0';
                if (strncmp(p, dev, l) == 0 && p[l] == ' ')
                        return strdup(p);
                p = nl ? nl + 1 : NULL;
        }
        return NULL;
}

static int set_io(struct plan *pl, const vz_ct *ct, vz_err *e)
{
        int64_t prio = num(pl, VZ_CG_IOPRIO, 4), bps = num(pl, VZ_CG_IOLIMIT, 0),
                iops = num(pl, VZ_CG_IOPSLIMIT, 0);
        bool have_limits = pl->v[VZ_CG_IOLIMIT].set || pl->v[VZ_CG_IOPSLIMIT].set;
        bool g_bps = was_given(pl, VZ_CG_IOLIMIT), g_iops = was_given(pl, VZ_CG_IOPSLIMIT);
        char dev[32], buf[160], old[160];
        int r;

        if (prio < 0 || prio > 7)
                prio = 4;
        if (was_given(pl, VZ_CG_IOPRIO)) {
                int64_t w = prio >= 4 ? 100LL << (prio - 4) : 100LL >> (4 - prio);
                if (vz_cgroup_controller_v2(pl->cg, "io")) {
                        snprintf(buf, sizeof(buf), "default %lld", (long long)w);
                        r = put(pl, "io", "io.weight", buf, NULL, e);
                        if (r == -ENOENT) /* io.weight needs iocost; BFQ has its own */
                                r = put(pl, "io", "io.bfq.weight", buf, NULL, e);
                } else {
                        snprintf(buf, sizeof(buf), "%lld", (long long)w);
                        r = put(pl, "blkio", "blkio.bfq.weight", buf, NULL, e);
                        if (r == -ENOENT) { /* CFQ (before 5.0): 10..1000 */
                                snprintf(buf, sizeof(buf), "%lld", (long long)(w < 10 ? 10 : w));
                                r = put(pl, "blkio", "blkio.weight", buf, NULL, e);
                        }
                }
                if (r == -ENOENT)
                        vz_debug("IOPRIO not enforced: no I/O weight file");
                else if (r < 0)
                        return r;
        }

        if (!g_bps && !g_iops)
                return 0;
        if (!have_limits || !private_disk(ct, dev, sizeof(dev)))
                return 0;
        if (vz_cgroup_controller_v2(pl->cg, "io")) {
                _cleanup_free_ char *cur = dev_line(pl->cg, "io", "io.max", dev);
                char b[24] = "max", o[24] = "max";
                if (bps > 0)
                        snprintf(b, sizeof(b), "%lld", (long long)bps);
                if (iops > 0)
                        snprintf(o, sizeof(o), "%lld", (long long)iops);
                /* Keys not written keep their value: only the given ones. */
                if (!g_iops)
                        snprintf(buf, sizeof(buf), "%s rbps=%s wbps=%s", dev, b, b);
                else if (!g_bps)
                        snprintf(buf, sizeof(buf), "%s riops=%s wiops=%s", dev, o, o);
                else
                        snprintf(buf, sizeof(buf), "%s rbps=%s wbps=%s riops=%s wiops=%s", dev, b,
                                 b, o, o);
                snprintf(old, sizeof(old), "%s rbps=max wbps=max riops=max wiops=max", dev);
                r = put(pl, "io", "io.max", buf, cur ? cur : old, e);
                return r == -ENOENT ? 0 : r;
        }
        {
                static const char *const files[] = {
                    "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                    "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
                for (size_t i = 0; i < 4; i++) {
                        _cleanup_free_ char *cur = NULL;
                        if (!(i < 2 ? g_bps : g_iops))
                                continue;
                        cur = dev_line(pl->cg, "blkio", files[i], dev);
                        /* 0 removes the rule (blk-throttle). */
                        snprintf(buf, sizeof(buf), "%s %lld", dev,
                                 (long long)(i < 2 ? (bps > 0 ? bps : 0) : (iops > 0 ? iops : 0)));
                        snprintf(old, sizeof(old), "%s 0", dev);
                        if (cur && streq(cur, buf))
                                continue;
                        r = put(pl, "blkio", files[i], buf, cur ? cur : old, e);
                        if (r < 0 && r != -ENOENT)
                                return r;
                }
        }
        return 0;
}

/* ------------------------------------------------------------ knobs */
static const char *ct_lookup(const char *name, void *userdata)
{
        return vz_ct_get(userdata, name);
}

/* The rows that drive one cgroup file each (VZ_LIVE_KNOB): the row's apply
 * function gives the content, written with the others (and undone with
 * them). Given when the row or the parameter it depends on is. */
static int set_knobs(struct plan *pl, const vz_ct *ct, vz_err *e)
{
        const struct vz_param *p;

        for (size_t i = 0; (p = vz_param_row(i)); i++) {
                const struct vz_cg_knob *k = p->knob;
                bool v2;
                char buf[64];
                int r;

                if (p->live != VZ_LIVE_KNOB || p->extra_option || !k ||
                    (!given(pl, p->info.name) &&
                     !(k->depends && pl->only && given(pl, k->depends))))
                        continue;
                v2 = vz_cgroup_controller_v2(pl->cg, k->controller);
                if (!(v2 ? k->v2_file : k->v1_file))
                        continue; /* vz_ct_param_unenforced says so */
                r = k->value(p, ct_lookup, (void *)ct, v2, buf, sizeof(buf));
                if (r < 0) {
                        const char *v = vz_ct_get(ct, p->info.name);
                        return vz_fail(e, VZ_E_VALUE, r, "cannot apply %s=%s", p->info.name,
                                       v ? v : "");
                }
                r = put(pl, k->controller, v2 ? k->v2_file : k->v1_file, buf, NULL, e);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

/*
 * VE0CPUUNITS: the host's weight against the CTs. On OpenVZ the host (CT 0)
 * was one more entity of the fair scheduler beside the CTs. On a stock
 * kernel the host's processes sit at the top of the cpu hierarchy (in the
 * root group, or in systemd's slices), each top-level entity at the
 * kernel's default weight, which is 1000 units in CPUUNITS' scaling; all
 * CTs sit in one group, VZ_CGROUP, beside them. So VE0CPUUNITS is applied
 * to that group, inverted: it weighs 1000 * 1000 / VE0CPUUNITS units, and
 * under full load a top-level host entity and the CTs together share the
 * CPU as VE0CPUUNITS : 1000 (the default 1000 leaves the kernel's default
 * weight). Within the group the CTs share by their CPUUNITS as before.
 * Unlike OpenVZ the host's share does not shrink as more CTs run.
 * Written at every CT start and set (the group only exists while a CT
 * runs, and is made again by the next start); best effort: a host
 * without the cpu controller has nothing to weigh.
 */
static void host_weight(const struct plan *pl)
{
        vz_cgroup *cg = pl->cg;
        int64_t ve0 = num(pl, VZ_CG_HOST_UNITS, 1000), units;
        char buf[32];

        if (ve0 < 8)
                ve0 = 8;
        units = 1000 * 1000 / ve0;
        if (vz_cgroup_controller_v2(cg, "cpu")) {
                int64_t w = units / 10;
                snprintf(buf, sizeof(buf), "%lld", (long long)(w < 1 ? 1 : w > 10000 ? 10000 : w));
                (void)vz_cgroup_write_parent(cg, "cpu", "cpu.weight", buf);
        } else {
                int64_t sh = units * 1024 / 1000;
                snprintf(buf, sizeof(buf), "%lld",
                         (long long)(sh < 2        ? 2
                                     : sh > 262144 ? 262144
                                                   : sh));
                (void)vz_cgroup_write_parent(cg, "cpu", "cpu.shares", buf);
        }
}

static int apply(vz_cgroup *cg, const vz_ct *ct, char *const *only, vz_err *e)
{
        struct plan pl = {.cg = cg, .only = only};
        int r;

        plan_values(&pl, ct);
        /* Memory first: lowering it is what the kernel may refuse. */
        r = set_memory(&pl, e);
        if (r >= 0)
                r = set_knobs(&pl, ct, e);
        if (r >= 0)
                r = set_numproc(&pl, e);
        if (r >= 0)
                r = set_cpu(&pl, e);
        if (r >= 0)
                r = set_cpuset(&pl, VZ_CG_CPUMASK, "cpuset.cpus", e);
        if (r >= 0)
                r = set_cpuset(&pl, VZ_CG_NODEMASK, "cpuset.mems", e);
        if (r >= 0)
                r = set_io(&pl, ct, e);
        if (r < 0)
                plan_rollback(&pl);
        else {
                set_kmem(&pl);
                host_weight(&pl);
        }
        plan_done(&pl);
        return r < 0 ? r : 0;
}

int vz_cgroup_apply_limits(vz_cgroup *cg, const vz_ct *ct, vz_err *e)
{
        return apply(cg, ct, NULL, e);
}

int vz_ct_apply_resources(vz_ct *ct, vz_err *e)
{
        return vz_ct_apply_resources_of(ct, NULL, e);
}

/* Is any parameter of only (NULL: all) a device access one? */
static bool devices_given(char *const *only)
{
        for (size_t i = 0; only && only[i]; i++) {
                const struct vz_param *p = vz_param_lookup(only[i]);
                if (p && p->live == VZ_LIVE_DEVICES)
                        return true;
        }
        return !only;
}

int vz_ct_apply_resources_of(vz_ct *ct, char *const *only, vz_err *e)
{
        vz_cgroup *cg = NULL;
        int r;

        r = vz_ct_cgroup_open(ct, &cg, e);
        if (r < 0)
                return r;
        r = apply(cg, ct, only, e);
        if (r >= 0 && devices_given(only))
                r = vz_cgroup_apply_devices(cg, ct, e);
        vz_cgroup_free(cg);
        return r < 0 ? r : 0;
}

/* ------------------------------------------------------------ what holds */
static bool kernel_at_least(int maj, int min)
{
        struct utsname u;
        int a = 0, b = 0;

        if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &a, &b) != 2)
                return false;
        return a > maj || (a == maj && b >= min);
}

/* Is there a proportional I/O weight on disk dev: BFQ as its scheduler, or
 * io.cost turned on for it (v2)? mq-deadline, kyber and none ignore weights. */
static bool io_weight_works(vz_cgroup *cg, const char *dev)
{
        _cleanup_free_ char *sched = NULL, *qos = NULL;
        char path[128];

        snprintf(path, sizeof(path), "/sys/dev/block/%s/queue/scheduler", dev);
        if (vz_read_file(path, 4096, &sched, NULL) == 0 && strstr(sched, "[bfq]"))
                return true;
        if (vz_cgroup_controller_v2(cg, "io") &&
            vz_read_file("/sys/fs/cgroup/io.cost.qos", 1 << 16, &qos, NULL) == 0) {
                for (char *p = qos, *save = NULL, *t; (t = strtok_r(p, "\n", &save)); p = NULL)
                        if (vz_startswith(t, dev) && t[strlen(dev)] == ' ' && strstr(t, "enable=1"))
                                return true;
        }
        return false;
}

/* A knob row on a host whose cgroups lack its file. */
static const char *knob_unenforced(vz_cgroup *cg, const char *name)
{
        const struct vz_param *p = vz_param_lookup(name);
        _cleanup_free_ char *v = NULL;
        const char *file;

        if (!p || p->live != VZ_LIVE_KNOB || !p->knob)
                return NULL;
        file =
            vz_cgroup_controller_v2(cg, p->knob->controller) ? p->knob->v2_file : p->knob->v1_file;
        if (!file)
                return "this cgroup version has no file for it";
        if (vz_cgroup_read(cg, p->knob->controller, file, &v) < 0 &&
            vz_cgroup_read_parent(cg, p->knob->controller, file, &v) < 0)
                return "this host has no cgroup file for it";
        return NULL;
}

/* The memory group's swap: the file exists only with swap accounting;
 * look at the CT's cgroup, else its parent (there once any CT ran). */
static bool swap_accounting(vz_cgroup *cg)
{
        bool v2 = vz_cgroup_controller_v2(cg, "memory");
        const char *sw = v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
        const char *ram = v2 ? "memory.max" : "memory.limit_in_bytes";
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

        return !((vz_cgroup_read(cg, "memory", ram, &a) == 0 &&
                  vz_cgroup_read(cg, "memory", sw, &b) < 0) ||
                 (!a && vz_cgroup_read_parent(cg, "memory", ram, &c) == 0 &&
                  vz_cgroup_read_parent(cg, "memory", sw, &d) < 0));
}

/* Why a group's value is not enforced on this host, for the groups whose
 * file or effect depends on more than the controller; NULL: it is. */
static const char *group_unenforced(const vz_ct *ct, vz_cgroup *cg, enum vz_cg_value g)
{
        char dev[32];

        switch (g) {
        case VZ_CG_KMEM:
                if (vz_cgroup_controller_v2(cg, "memory"))
                        return "cgroup v2 has no kernel-memory limit (kernel memory counts "
                               "against the RAM limit)";
                if (kernel_at_least(6, 1))
                        return "Linux 6.1 and later ignore cgroup v1 kernel-memory limits "
                               "(kernel memory counts against the RAM limit)";
                return NULL;
        case VZ_CG_SWAP:
                return swap_accounting(cg) ? NULL
                                           : "swap accounting is off in this kernel (boot with "
                                             "swapaccount=1)";
        case VZ_CG_IOPRIO:
                if (!private_disk(ct, dev, sizeof(dev)))
                        return "VE_PRIVATE is on no block device";
                if (!io_weight_works(cg, dev))
                        return "the disk's I/O scheduler is not BFQ and io.cost is off, so "
                               "the kernel ignores I/O weights";
                return NULL;
        case VZ_CG_IOLIMIT:
        case VZ_CG_IOPSLIMIT:
                if (!private_disk(ct, dev, sizeof(dev)))
                        return "VE_PRIVATE is on no block device (tmpfs, overlay or a btrfs "
                               "subvolume): nothing to throttle";
                return NULL;
        default:
                return NULL;
        }
}

/* The controller a group needs (NULL: none checked here). */
static const char *const group_controller[_VZ_CG_MAX] = {
    [VZ_CG_RAM] = "memory",      [VZ_CG_SWAP] = "memory",     [VZ_CG_NUMPROC] = "pids",
    [VZ_CG_CPUUNITS] = "cpu",    [VZ_CG_CPULIMIT] = "cpu",    [VZ_CG_CPUS] = "cpu",
    [VZ_CG_CPUMASK] = "cpuset",  [VZ_CG_NODEMASK] = "cpuset", [VZ_CG_IOLIMIT] = "blkio",
    [VZ_CG_IOPSLIMIT] = "blkio",
};

const char *vz_ct_param_unenforced(const vz_ct *ct, const char *name)
{
        const struct vz_param *p = vz_param_lookup(name);
        enum vz_cg_value g = p ? p->cg : VZ_CG_NONE;
        const char *why, *c = group_controller[g];
        vz_cgroup *cg = NULL;

        if (vz_ct_cgroup_open(ct, &cg, NULL) < 0)
                return "no cgroup hierarchy is mounted";
        why = group_unenforced(ct, cg, g);
        if (!why)
                why = knob_unenforced(cg, name);
        if (!why && c) {
                if (streq(c, "blkio") && vz_cgroup_controller_v2(cg, "io"))
                        c = "io";
                if (!vz_cgroup_has_controller(cg, c))
                        why = "this host has no cgroup controller for it";
        }
        vz_cgroup_free(cg);
        return why;
}

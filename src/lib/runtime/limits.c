/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a CT's cgroup enforces at start: process count (NUMPROC), memory
 * (PHYSPAGES, SWAPPAGES, VSwap style) and device access (the default
 * allow-list plus DEVICES/DEVNODES). The full resource model (every UBC, CPU,
 * I/O, live changes, beancounters) builds on this.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cgroup.h"
#include "config/params.h"
#include "err.h"
#include "log.h"
#include "runtime.h"
#include "util.h"

#define PAGE 4096LL

static bool limited(int64_t v)
{
        return v > 0 && v != VZ_UNLIMITED && v != INT32_MAX;
}

static int set_memory(vz_cgroup *cg, const vz_ct *ct, vz_err *e)
{
        int64_t bar, ram = 0, swap = 0;
        const char *pp = vz_ct_get(ct, "PHYSPAGES"), *sp = vz_ct_get(ct, "SWAPPAGES");
        char buf[32];
        int r;

        if (pp && vz_param_ubc_value("PHYSPAGES", pp, &bar, &ram) == 0 && limited(ram)) {
                snprintf(buf, sizeof(buf), "%lld", (long long)(ram * PAGE));
                if (vz_cgroup_controller_v2(cg, "memory"))
                        r = vz_cgroup_write(cg, "memory", "memory.max", buf, e);
                else
                        r = vz_cgroup_write(cg, "memory", "memory.limit_in_bytes", buf, e);
                if (r < 0 && r != -ENOENT)
                        return r;
        } else
                ram = 0;
        if (!ram || !sp || vz_param_ubc_value("SWAPPAGES", sp, &bar, &swap) < 0 || swap < 0 ||
            swap == VZ_UNLIMITED)
                return 0;
        if (vz_cgroup_controller_v2(cg, "memory")) {
                snprintf(buf, sizeof(buf), "%lld", (long long)(swap * PAGE));
                r = vz_cgroup_write(cg, "memory", "memory.swap.max", buf, NULL);
        } else {
                /* v1 memsw counts memory plus swap (only with swap accounting). */
                snprintf(buf, sizeof(buf), "%lld", (long long)((ram + swap) * PAGE));
                r = vz_cgroup_write(cg, "memory", "memory.memsw.limit_in_bytes", buf, NULL);
        }
        if (r < 0)
                vz_debug("swap limit not applied: %s", strerror(-r));
        return 0;
}

static int set_numproc(vz_cgroup *cg, const vz_ct *ct, vz_err *e)
{
        const char *v = vz_ct_get(ct, "NUMPROC");
        int64_t bar, lim;
        char buf[32];
        int r;

        if (!v || vz_param_ubc_value("NUMPROC", v, &bar, &lim) < 0)
                return 0;
        snprintf(buf, sizeof(buf), "%lld", (long long)lim);
        r = vz_cgroup_write(cg, "pids", "pids.max", limited(lim) ? buf : "max", e);
        return r == -ENOENT ? 0 : r;
}

/* The nodes every CT gets (bound into its /dev) and the pty majors. */
static const char *const default_devices[] = {
        "c 1:3 rwm",   /* null */
        "c 1:5 rwm",   /* zero */
        "c 1:7 rwm",   /* full */
        "c 1:8 rwm",   /* random */
        "c 1:9 rwm",   /* urandom */
        "c 5:0 rwm",   /* tty */
        "c 5:1 rwm",   /* console */
        "c 5:2 rwm",   /* ptmx */
        "c 136:* rwm", /* pts */
        NULL,
};

/* "c:10:200:rw" / "b:8:*:r" (DEVICES) -> "c 10:200 rw"; "rw" -> "rwm". */
static int devices_rule(const char *tok, char *buf, size_t len)
{
        char type, perm[8] = "";
        char maj[16], min[16];

        if (sscanf(tok, "%c:%15[^:]:%15[^:]:%7s", &type, maj, min, perm) != 4 ||
            (type != 'c' && type != 'b'))
                return -EINVAL;
        /* Loop devices would let a CT mount any file: never (OpenVZ). */
        if (streq(perm, "none") || (type == 'b' && streq(maj, "7")))
                return 0;
        snprintf(buf, len, "%c %s:%s %s%s%s", type, maj, min, strchr(perm, 'r') ? "r" : "",
                 strchr(perm, 'w') ? "w" : "", "m");
        return 1;
}

int vz_cgroup_apply_devices(vz_cgroup *cg, const vz_ct *ct, vz_err *e)
{
        _cleanup_strv_free_ char **devs = NULL, **nodes = NULL;
        char rule[64];
        int r;

        /* cgroup v1 devices controller; on v2 this needs a BPF program (the
         * resource work), until then a privileged CT loses CAP_MKNOD. */
        r = vz_cgroup_write(cg, "devices", "devices.deny", "a", e);
        if (r == -ENOENT)
                return 1; /* not enforced here */
        if (r < 0)
                return r;
        for (size_t i = 0; default_devices[i]; i++) {
                r = vz_cgroup_write(cg, "devices", "devices.allow", default_devices[i], e);
                if (r < 0)
                        return r;
        }
        vz_strv_split(vz_ct_get(ct, "DEVICES"), " ", &devs);
        for (size_t i = 0; devs && devs[i]; i++)
                if (devices_rule(devs[i], rule, sizeof(rule)) > 0) {
                        r = vz_cgroup_write(cg, "devices", "devices.allow", rule, e);
                        if (r < 0)
                                return r;
                }
        /* DEVNODES name:perm: the host node's numbers. */
        vz_strv_split(vz_ct_get(ct, "DEVNODES"), " ", &nodes);
        for (size_t i = 0; nodes && nodes[i]; i++) {
                char *c = strrchr(nodes[i], ':'), path[300];
                struct stat st;
                if (!c || streq(c + 1, "none"))
                        continue;
                *c = '\0';
                snprintf(path, sizeof(path), "/dev/%s", nodes[i]);
                if (strstr(nodes[i], "..") || stat(path, &st) < 0 ||
                    !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
                        continue;
                snprintf(rule, sizeof(rule), "%c %u:%u %s%sm", S_ISCHR(st.st_mode) ? 'c' : 'b',
                         major(st.st_rdev), minor(st.st_rdev), strchr(c + 1, 'r') ? "r" : "",
                         strchr(c + 1, 'w') ? "w" : "");
                r = vz_cgroup_write(cg, "devices", "devices.allow", rule, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

int vz_cgroup_apply_limits(vz_cgroup *cg, const vz_ct *ct, vz_err *e)
{
        int r = set_numproc(cg, ct, e);
        if (r < 0)
                return r;
        return set_memory(cg, ct, e);
}

int vz_ct_apply_resources(vz_ct *ct, vz_err *e)
{
        const char *parent = vz_ct_get(ct, "VZ_CGROUP");
        vz_cgroup *cg = NULL;
        int r;

        r = vz_cgroup_open(isempty(parent) ? "vz" : parent, vz_ct_id(ct), &cg, e);
        if (r < 0)
                return r;
        r = vz_cgroup_apply_limits(cg, ct, e);
        vz_cgroup_free(cg);
        return r;
}

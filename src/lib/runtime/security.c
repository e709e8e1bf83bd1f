/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability bounding set and seccomp deny-list of a CT's processes. */
#include <ctype.h>
#include <seccomp.h>
#include <strings.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "err.h"
#include "runtime.h"
#include "util.h"

#define CAPBIT(c) (UINT64_C(1) << (c))

/* OpenVZ's default set for a CT without a user namespace (§1.13): no
 * SYS_ADMIN, NET_ADMIN, SYS_MODULE, SYS_RAWIO, SYS_PACCT, SYS_TIME. */
static const int privileged_default[] = {
        CAP_CHOWN,       CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,  CAP_FOWNER,
        CAP_FSETID,      CAP_KILL,         CAP_SETGID,           CAP_SETUID,
        CAP_LINUX_IMMUTABLE, CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_RAW,
        CAP_IPC_LOCK,    CAP_IPC_OWNER,    CAP_SYS_CHROOT,       CAP_SYS_PTRACE,
        CAP_SYS_BOOT,    CAP_SYS_NICE,     CAP_SYS_RESOURCE,     CAP_SYS_TTY_CONFIG,
        CAP_MKNOD,       CAP_LEASE,        CAP_AUDIT_WRITE,      CAP_SETPCAP,
        CAP_SETFCAP,
};

/* With a user namespace every capability is scoped to the CT's own
 * namespaces, so the CT's root keeps them all except what acts on the host
 * kernel as a whole and cannot be namespaced. */
static const int userns_never[] = {CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_TIME, CAP_MAC_ADMIN,
                                   CAP_MAC_OVERRIDE, CAP_SYSLOG, CAP_WAKE_ALARM,
                                   CAP_BLOCK_SUSPEND, CAP_AUDIT_CONTROL};

int vz_ct_cap_mask(const vz_ct *ct, bool userns, uint64_t *ret_keep, vz_err *e)
{
        _cleanup_strv_free_ char **v = NULL;
        uint64_t keep = 0;
        int last = (int)cap_max_bits() - 1;
        int r;

        if (userns) {
                for (int c = 0; c <= last && c < 64; c++)
                        keep |= CAPBIT(c);
                for (size_t i = 0; i < ELEMENTSOF(userns_never); i++)
                        keep &= ~CAPBIT(userns_never[i]);
        } else
                for (size_t i = 0; i < ELEMENTSOF(privileged_default); i++)
                        keep |= CAPBIT(privileged_default[i]);

        r = vz_strv_split(vz_ct_get(ct, "CAPABILITY"), " \t,", &v);
        if (r < 0)
                return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        for (size_t i = 0; v[i]; i++) {
                char *colon = strchr(v[i], ':'), name[64];
                cap_value_t cv;
                if (!colon)
                        continue;
                *colon = '\0';
                /* libcap knows "cap_net_admin"; OpenVZ writes "NET_ADMIN". */
                snprintf(name, sizeof(name), "cap_%s", v[i]);
                for (char *p = name; *p; p++)
                        *p = (char)tolower((unsigned char)*p);
                if (cap_from_name(name, &cv) < 0 || cv > last || cv >= 64)
                        continue; /* ve_admin and friends: OpenVZ-only */
                if (streq(colon + 1, "on"))
                        keep |= CAPBIT(cv);
                else
                        keep &= ~CAPBIT(cv);
        }
        *ret_keep = keep;
        return 0;
}

int vz_caps_apply_bounding(uint64_t keep)
{
        int last = (int)cap_max_bits() - 1;

        for (int c = 0; c <= last && c < 64; c++) {
                if (keep & CAPBIT(c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return -errno;
        }
        (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        return 0;
}

/* Calls no CT needs and that act on the host as a whole (or, like the
 * keyring calls, are not namespaced and leak between CTs). */
static const char *const denied_syscalls[] = {
        "kexec_load",     "kexec_file_load", "init_module",   "finit_module", "delete_module",
        "swapon",         "swapoff",         "open_by_handle_at",
        "acct",           "lookup_dcookie",  "add_key",       "request_key",  "keyctl",
        "iopl",           "ioperm",          "syslog",        "settimeofday", "clock_settime",
        "stime",          "nfsservctl",    "uselib",       "perf_event_open",
        NULL,
};

bool vz_ct_netfilter_disabled(const vz_ct *ct)
{
        const char *v = vz_ct_get(ct, "NETFILTER");
        return v && streq(v, "disabled");
}

/* NETFILTER=disabled (OpenVZ §1.13: "no iptables at all"). Netfilter is per
 * network namespace, so the other modes all give the CT its own complete
 * netfilter (conntrack and NAT included; stateless/stateful limited the
 * modules a legacy kernel let a CT load, which has no equivalent now).
 * Disabled takes away both ways in: nf_tables netlink and the legacy
 * x_tables setsockopt calls (iptables/ip6tables/arptables/ebtables). */
static int deny_netfilter(scmp_filter_ctx ctx)
{
        static const struct {
                int level, opt;
        } sockopts[] = {
                {0 /* SOL_IP */, 64 /* IPT_SO_SET_REPLACE */},
                {0, 65 /* IPT_SO_SET_ADD_COUNTERS */},
                {0, 96 /* ARPT_SO_SET_REPLACE */},
                {0, 97 /* ARPT_SO_SET_ADD_COUNTERS */},
                {0, 128 /* EBT_SO_SET_ENTRIES */},
                {0, 129 /* EBT_SO_SET_COUNTERS */},
                {41 /* SOL_IPV6 */, 64 /* IP6T_SO_SET_REPLACE */},
                {41, 65 /* IP6T_SO_SET_ADD_COUNTERS */},
        };
        /* Spelled out: the SCMP_A* macros leave datum_b to clang's
         * -Wmissing-field-initializers. */
        struct scmp_arg_cmp nl[2] = {
                {.arg = 0, .op = SCMP_CMP_EQ, .datum_a = AF_NETLINK, .datum_b = 0},
                {.arg = 2, .op = SCMP_CMP_EQ, .datum_a = 12 /* NETLINK_NETFILTER */, .datum_b = 0},
        };
        int r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 2, nl);

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(sockopts); i++) {
                struct scmp_arg_cmp so[2] = {
                        {.arg = 1, .op = SCMP_CMP_EQ, .datum_a = sockopts[i].level, .datum_b = 0},
                        {.arg = 2, .op = SCMP_CMP_EQ, .datum_a = sockopts[i].opt, .datum_b = 0},
                };
                r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setsockopt), 2, so);
        }
        return r;
}

/* The deny-list as a libseccomp context, not loaded yet. */
static int build(bool no_netfilter, scmp_filter_ctx *ret, vz_err *e)
{
        scmp_filter_ctx ctx;
        int r;

        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "seccomp_init failed");
        /* A CT must keep working setuid binaries: do not set no_new_privs
         * (the filter is installed with CAP_SYS_ADMIN in our namespace). */
        seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        for (size_t i = 0; denied_syscalls[i]; i++) {
                int nr = seccomp_syscall_resolve_name(denied_syscalls[i]);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
                if (r < 0 && r != -EEXIST) {
                        seccomp_release(ctx);
                        return vz_fail(e, VZ_E_SYSTEM, r, "seccomp rule for %s: %s",
                                       denied_syscalls[i], strerror(-r));
                }
        }
        if (no_netfilter) {
                r = deny_netfilter(ctx);
                if (r < 0) {
                        seccomp_release(ctx);
                        return vz_fail(e, VZ_E_SYSTEM, r, "seccomp rules for NETFILTER: %s",
                                       strerror(-r));
                }
        }
        *ret = ctx;
        return 0;
}

int vz_seccomp_apply(bool no_netfilter, vz_err *e)
{
        scmp_filter_ctx ctx;
        int r;

        r = build(no_netfilter, &ctx, e);
        if (r < 0)
                return r;
        r = seccomp_load(ctx);
        seccomp_release(ctx);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot load the seccomp filter: %s",
                               strerror(-r));
        return 0;
}

int vz_seccomp_compile(bool no_netfilter, struct sock_fprog *ret, vz_err *e)
{
        _cleanup_close_ int fd = -1;
        scmp_filter_ctx ctx;
        struct sock_filter *f = NULL;
        off_t size = 0;
        int r;

        r = build(no_netfilter, &ctx, e);
        if (r < 0)
                return r;
        /* The program exactly as seccomp_load would install it (the same
         * generator; our attributes add no load flags). */
        fd = memfd_create("vz-seccomp", MFD_CLOEXEC);
        r = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
        seccomp_release(ctx);
        if (r == 0) {
                size = lseek(fd, 0, SEEK_END);
                if (size <= 0 || size % sizeof(*f) || size / sizeof(*f) > USHRT_MAX)
                        r = -EINVAL;
        }
        if (r == 0 && !(f = malloc(size)))
                r = -ENOMEM;
        if (r == 0 && pread(fd, f, size, 0) != size)
                r = -EIO;
        if (r < 0) {
                free(f);
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot build the seccomp filter: %s",
                               strerror(-r));
        }
        ret->len = (unsigned short)(size / sizeof(*f));
        ret->filter = f;
        return 0;
}

int vz_seccomp_load(const struct sock_fprog *prog, vz_err *e)
{
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot load the seccomp filter: %s",
                               strerror(errno));
        return 0;
}

void vz_rlimits_apply(void)
{
        /* The same for every CT process, whatever the shell that ran vzctl
         * had: open files as systemd sets them on a host (soft 1024 for
         * select(2) users, hard 512K). */
        struct rlimit nofile = {1024, 524288}, cur;

        if (setrlimit(RLIMIT_NOFILE, &nofile) == 0 || getrlimit(RLIMIT_NOFILE, &cur) < 0)
                return;
        /* Without CAP_SYS_RESOURCE the hard limit cannot go up: keep it. */
        nofile.rlim_max = cur.rlim_max;
        nofile.rlim_cur = cur.rlim_max < 1024 ? cur.rlim_max : 1024;
        (void)setrlimit(RLIMIT_NOFILE, &nofile);
}

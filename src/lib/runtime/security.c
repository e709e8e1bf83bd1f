/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability bounding set and seccomp deny-list of a CT's processes. */
#include <ctype.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "seccomp-bpf.h"
#include "runtime.h"
#include "util.h"

#define CAPBIT(c) (UINT64_C(1) << (c))

/* OpenVZ's default set for a CT without a user namespace (§1.13): no
 * SYS_ADMIN, NET_ADMIN, SYS_MODULE, SYS_RAWIO, SYS_PACCT, SYS_TIME. */
static const int privileged_default[] = {
    CAP_CHOWN,           CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH, CAP_FOWNER,
    CAP_FSETID,          CAP_KILL,
    CAP_SETGID,          CAP_SETUID,
    CAP_LINUX_IMMUTABLE, CAP_NET_BIND_SERVICE,
    CAP_NET_BROADCAST,   CAP_NET_RAW,
    CAP_IPC_LOCK,        CAP_IPC_OWNER,
    CAP_SYS_CHROOT,      CAP_SYS_PTRACE,
    CAP_SYS_BOOT,        CAP_SYS_NICE,
    CAP_SYS_RESOURCE,    CAP_SYS_TTY_CONFIG,
    CAP_MKNOD,           CAP_LEASE,
    CAP_AUDIT_WRITE,     CAP_SETPCAP,
    CAP_SETFCAP,
};

/* With a user namespace every capability is scoped to the CT's own
 * namespaces, so the CT's root keeps them all except what acts on the host
 * kernel as a whole and cannot be namespaced. */
static const int userns_never[] = {CAP_SYS_MODULE, CAP_SYS_RAWIO,     CAP_SYS_TIME,
                                   CAP_MAC_ADMIN,  CAP_MAC_OVERRIDE,  CAP_SYSLOG,
                                   CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_AUDIT_CONTROL};

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

bool vz_ct_netfilter_disabled(const vz_ct *ct)
{
        const char *v = vz_ct_get(ct, "NETFILTER");
        return v && streq(v, "disabled");
}

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

void vz_seccomp_drop_notify(void *insns, size_t len)
{
        struct sock_filter *f = insns;

        for (size_t i = 0; i < len / sizeof(*f); i++)
                if (f[i].code == (BPF_RET | BPF_K) && f[i].k == SECCOMP_RET_USER_NOTIF)
                        f[i].k = SECCOMP_RET_ALLOW;
}

/* The deny-list (seccomp-rules.h), compiled by libseccomp at build time
 * (seccomp-gen.c): loading it is one system call, as libseccomp's own
 * seccomp_load does with these attributes (no no_new_privs). With
 * ret_listener, the listener of its user notifications (sysinfo) in
 * *ret_listener, for the supervisor; without one, or where the kernel
 * cannot give one (before 5.0; EBUSY: a filter above ours has a listener
 * already), those calls are let through to the kernel instead. */
int vz_seccomp_apply(bool no_netfilter, int *ret_listener, vz_err *e)
{
        const struct sock_filter *src = no_netfilter ? vz_seccomp_bpf_no_netfilter : vz_seccomp_bpf;
        size_t len =
            no_netfilter ? ELEMENTSOF(vz_seccomp_bpf_no_netfilter) : ELEMENTSOF(vz_seccomp_bpf);
        struct sock_filter copy[ELEMENTSOF(vz_seccomp_bpf_no_netfilter) > ELEMENTSOF(vz_seccomp_bpf)
                                    ? ELEMENTSOF(vz_seccomp_bpf_no_netfilter)
                                    : ELEMENTSOF(vz_seccomp_bpf)];
        struct sock_fprog prog = {.len = (unsigned short)len, .filter = (struct sock_filter *)src};
        long fd;

        if (ret_listener) {
                *ret_listener = -1;
                fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                             &prog);
                if (fd >= 0) {
                        *ret_listener = (int)fd;
                        (void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
                        return 0;
                }
        }
        memcpy(copy, src, len * sizeof(*src));
        vz_seccomp_drop_notify(copy, len * sizeof(*src));
        prog.filter = copy;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 &&
            (errno != ENOSYS || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0))
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

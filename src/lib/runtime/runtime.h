/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The runtime: user namespaces, the CT's init and its supervisor, joining a
 * running CT. Runtime state of a running CT lives in VZ_RUNDIR:
 *   <ctid>.pid   the supervisor's PID (the CT is running while it lives)
 *   <ctid>.init  the host PID of the CT's current init
 *   <ctid>.sock  the supervisor's control socket (console, stop)
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "ctx.h"
#include "registry/userns.h"

/* The new mount API's flags, for libc headers that lack them. */
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif

/* Is the CT's supervisor alive? */
bool vz_ct_is_running(const vz_ct *ct);
/* VZ_RUNDIR/<ctid>.<suffix> */
char *vz_run_path(const vz_ct *ct, const char *suffix);
/* PID stored in a run file, if that process is alive. */
int vz_run_read_pid(const vz_ct *ct, const char *suffix, pid_t *ret);

/* What the CT's processes are allowed: capability bounding set (bit mask of
 * caps to keep) from CAPABILITY over the default for the CT's mode. */
int vz_ct_cap_mask(const vz_ct *ct, bool userns, uint64_t *ret_keep, vz_err *e);
/* Drop every capability not in keep from the bounding set (and ambient,
 * inheritable). */
int vz_caps_apply_bounding(uint64_t keep);
/* The seccomp deny-list, loaded into the calling thread (no_new_privs is
 * not set: setuid programs inside the CT must keep working). no_netfilter
 * (NETFILTER=disabled) also denies every way to change netfilter rules. */
int vz_seccomp_apply(bool no_netfilter, int *ret_listener, vz_err *e);
/* In a BPF program (len bytes, aligned), let the calls it hands to a
 * listener through to the kernel instead. */
void vz_seccomp_drop_notify(void *insns, size_t len);
/* NETFILTER=disabled: the CT may not use netfilter at all. */
bool vz_ct_netfilter_disabled(const vz_ct *ct);

/* Limits enforced at start (NUMPROC, memory) and the device allow-list
 * (default nodes, DEVICES, DEVNODES). apply_devices returns 1 if the host
 * has no devices controller to enforce it with. */
struct vz_cgroup;
int vz_cgroup_apply_limits(struct vz_cgroup *cg, const vz_ct *ct, vz_err *e);
int vz_cgroup_apply_devices(struct vz_cgroup *cg, const vz_ct *ct, vz_err *e);

/* Apply the resource limits of ct's config to its running cgroup (vzctl set
 * on a running CT). */
int vz_ct_apply_resources(vz_ct *ct, vz_err *e);
/* The same for the parameters named in only (NULL: all): vzctl set on a
 * running CT applies what it is given and nothing else. */
int vz_ct_apply_resources_of(vz_ct *ct, char *const *only, vz_err *e);

/* Why this host's kernel does not enforce resource parameter name for ct
 * (a sentence), or NULL when it does. Parameters flagged
 * VZ_PF_NOT_ENFORCED are never enforced; this covers the ones that depend
 * on the host (cgroup version, kernel, I/O scheduler, storage). */
const char *vz_ct_param_unenforced(const vz_ct *ct, const char *name);

/* Resource limits (setrlimit) of every process of a CT. */
void vz_rlimits_apply(void);

/* Started init, as the supervisor sees it. */
struct vz_spawned {
        pid_t init_pid; /* host PID */
        int console_fd; /* pty master of the CT's /dev/console */
        int notify_fd;  /* listener of init's seccomp notifications, or -1 */
};
/* Start the CT's init (called in the supervisor, which must be a child
 * subreaper). */
int vz_spawn_init(vz_ct *ct, int cg_fd, struct vz_spawned *ret, vz_err *e);
/* The CT's cgroups, limits and device list, made by vzctl start while the
 * supervisor starts; it then says "0" or "1" (the return value) on the
 * pipe passed as cg_fd above, which the process joining them waits for.
 * cg_fd -1: vz_spawn_init makes them itself. */
int vz_spawn_make_cgroups(const vz_ct *ct, vz_err *e);
/* Remove them again (the supervisor failed before it took them over). */
void vz_spawn_drop_cgroups(const vz_ct *ct);

/* A host-wide FUSE server started on demand (fuse-server.c): mounted on
 * mnt, its pid in <mnt>.pid, /proc/PID/comm starting with comm, alive when
 * <mnt>/<probe> answers; started as path with argv. */
struct vz_fuse_server {
        const char *mnt, *comm, *probe, *what, *path;
        char *const *argv;
};
bool vz_fuse_server_running(const struct vz_fuse_server *s);
bool vz_fuse_server_alive(const struct vz_fuse_server *s);
int vz_fuse_server_ensure(const struct vz_fuse_server *s, vz_err *e);

/* lxcfs (lxcfs.c): is it wanted for ct (LXCFS, default yes); its mount
 * point (VZ_RUNDIR/lxcfs); start the host-wide instance unless it runs;
 * an O_PATH fd of its mount if it is alive (else -errno); bind its files
 * over the CT's /proc and /sys (dir fds). */
bool vz_lxcfs_wanted(const vz_ct *ct);
char *vz_lxcfs_dir(const vz_ct *ct);
int vz_lxcfs_ensure(const vz_ct *ct, vz_err *e);
int vz_lxcfs_open(const char *mnt);
/* Detached copies (open_tree clones) of lxcfs's files, made ahead of the
 * CT's /proc; -1 where one is missing. */
#define VZ_LXCFS_FILES 5
void vz_lxcfs_clone(int lxfd, int trees[VZ_LXCFS_FILES]);
/* Attach them over the same files under procfd / sysfd; closes them. */
void vz_lxcfs_bind(int trees[VZ_LXCFS_FILES], int procfd, int sysfd);

/* Mount the CT's root on VE_ROOT in the calling process's (private) mount
 * namespace as its init sees it: idmapped through userns_fd (-1: a
 * privileged CT). For restoring a checkpoint. */
int vz_spawn_mount_root(const vz_ct *ct, int userns_fd);
/* fd of the base mount namespace CTs' namespaces are made from (mntns.c),
 * made on first use, or made again if it was made for other cgroup
 * hierarchies than cg's. */
int vz_base_mntns_open(const vz_ct *ct, const struct vz_cgroup *cg, vz_err *e);
/* Where the base namespace's root is on the host (VZ_RUNDIR/mntns.root):
 * its /empty and /cgroup are bound into every CT (mntns.c). */
char *vz_base_root_path(const vz_ct *ct);
/* The directory of a cgroup hierarchy (controllers ctrl, or cgroup2) in a
 * CT's hybrid /sys/fs/cgroup, as systemd names it; NULL if it cannot be
 * one. */
const char *vz_cgroup_hier_dir(const char *ctrl, bool v2);

/* vz_ct_start without the suspended check; restore_dir non-NULL: the
 * supervisor restores that dump (restore_step, criu timeout in seconds as a
 * string or "") instead of starting init. */
int vz_ct_launch(vz_ct *ct, unsigned flags, int wait_sec, const char *restore_dir, int restore_step,
                 const char *timeout, vz_err *e);

/* Restore a checkpoint (VZ_RESTORE in the supervisor's environment) in
 * place of starting init; flags: enum vz_restore_step of the request. */
int vz_cpt_restore_init(vz_ct *ct, const char *dumpdir, int step, struct vz_spawned *ret,
                        vz_err *e);
/* criu's action script at a restore: the supervisor's program run by criu
 * with $CRTOOLS_SCRIPT_ACTION set (vz-supervisor.c). Exit status. */
int vz_cpt_action_script(void);

/* Write hostname, /etc/hosts, /etc/resolv.conf from ct's config; call
 * inside the CT. NAMESERVER=inherit uses $VZ_HOST_RESOLV (the host's file). */
void vz_ct_configure_identity(const vz_ct *ct);
/* Run fn(ct, arg) in a process joined to the running CT (as confined as its
 * init). Returns fn's result (0 or a positive exit class). */
int vz_ct_run_inside(vz_ct *ct, int (*fn)(const vz_ct *ct, void *arg), void *arg, vz_err *e);
/* Apply HOSTNAME, NAMESERVER, SEARCHDOMAIN of ct's config to the running CT. */
int vz_ct_apply_identity(vz_ct *ct, vz_err *e);
/* Set user's password inside the CT (crypt SHA-512), creating the user if
 * missing; call inside the CT. Returns 0 or VZ_E_CHANGEPASS. */
int vz_ct_set_password(const vz_ct *ct, void *user_colon_pass);

/* The supervisor's main loop; never returns. status_fd gets "ok\n" once
 * init runs, or "err <code> <message>\n". */
_Noreturn void vz_supervisor_run(vz_ct *ct, int status_fd);

/* The CT's memory for its own tools (meminfo.c), in bytes: RAM = the memory
 * limit (at most the host's), swap = the swap limit (the host's if none). */
typedef struct vz_ct_mem {
        uint64_t ram_total, ram_used, cached, shmem, swap_total, swap_used;
        uint64_t active_anon, inactive_anon, active_file, inactive_file, unevictable;
        uint64_t dirty, writeback, mapped;
} vz_ct_mem;
int vz_ct_mem_read(struct vz_cgroup *cg, vz_ct_mem *m);
/* /proc/meminfo with the CT's values, into buf; its length or -errno. */
int vz_ct_meminfo_format(const vz_ct_mem *m, char *buf, size_t len);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvz public API. Tools (vzctl, vzlist, vzpkg, ...) use only what is declared
 * here; the library exports nothing else (version script + -fvisibility=hidden).
 *
 * Conventions: functions return 0 (or a positive count) on success and -errno
 * on failure. On failure the vz_err passed in (may be NULL) holds a message with
 * context and the OpenVZ exit code class the tool should exit with. Outputs go
 * through ret_* pointers and are left untouched on failure. Nothing here prints
 * or exits.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* OpenVZ exit codes (classic vzctl include/vzerror.h numbers). */
enum vz_exit_code {
        VZ_E_OK = 0,
        VZ_E_SETUBC = 1,
        VZ_E_SYSTEM = 3,
        VZ_E_BAD_KERNEL = 5,
        VZ_E_RESOURCE = 6,
        VZ_E_EXEC = 8,
        VZ_E_LOCKED = 9,
        VZ_E_NOCONFIG = 10,
        VZ_E_NOSCRIPT = 11,
        VZ_E_NOVECONFIG = 14,
        VZ_E_CHKPNT = 16,
        VZ_E_RESTORE = 17,
        VZ_E_SYNTAX = 20,
        VZ_E_VALUE = 21,
        VZ_E_VE_ROOT_NOTSET = 22,
        VZ_E_VE_PRIVATE_NOTSET = 23,
        VZ_E_TMPL_NOTSET = 24,
        VZ_E_NOTENOUGHPARAMS = 27,
        VZ_E_OSTEMPLATE_NOTSET = 29,
        VZ_E_NOT_RUNNING = 31,
        VZ_E_RUNNING = 32,
        VZ_E_STOP = 33,
        VZ_E_FS_NOT_MOUNTED = 40,
        VZ_E_FS_MOUNTED = 41,
        VZ_E_FS_NOPRVT = 43,
        VZ_E_FS_PRVT_EXIST = 44,
        VZ_E_FS_NO_DISK_SPACE = 46,
        VZ_E_FS_BAD_TMPL = 47,
        VZ_E_FS_NEW_VE_PRVT = 48,
        VZ_E_FS_MPOINTCREATE = 49,
        VZ_E_FS_CANTMOUNT = 50,
        VZ_E_FS_CANTUMOUNT = 51,
        VZ_E_FS_DEL_PRVT = 52,
        VZ_E_CANT_CREATE_DIR = 54,
        VZ_E_BADHOSTNAME = 70,
        VZ_E_BADIP = 71,
        VZ_E_BADDNSSRV = 72,
        VZ_E_BADDNSSEARCH = 73,
        VZ_E_CHANGEPASS = 74,
        VZ_E_LCKDIR_NOTSET = 77,
        VZ_E_ACTIONSCRIPT = 79,
        VZ_E_CP_CONFIG = 82,
        VZ_E_INVALID_CONFIG = 85,
        VZ_E_SET_DEVICES = 86,
        VZ_E_OSTEMPLATE_NOT_FOUND = 91,
        VZ_E_PLOOP_UNSUP = 99,
        VZ_E_START_DISABLED = 105,
        VZ_E_APPLY_CONFIG = 109,
        VZ_E_SET_NAME = 131,
        VZ_E_WAIT_FAILED = 133,
        VZ_E_CONFIG_SAVE = 139,
};

typedef struct vz_err {
        int code;       /* enum vz_exit_code the tool should exit with */
        int errnum;     /* positive errno of the failure */
        char msg[1024]; /* human readable, with context, no trailing newline */
} vz_err;

/* ------------------------------------------------------------------ logging */
enum vz_log_level { VZ_LOG_ERR = 0, VZ_LOG_WARN = 1, VZ_LOG_INFO = 2, VZ_LOG_DEBUG = 3 };
typedef void (*vz_log_fn)(int level, const char *msg, void *userdata);
/* Warnings and progress from the library go through this hook (default: none).
 * Process-wide: set it at start-up, before threads that use the library. */
void vz_set_log(vz_log_fn fn, void *userdata);

/* ------------------------------------------------------------------ context */
/* A context holds the global configuration: $VZ_CONFDIR (default /etc/vz)
 * and its vz.conf. Missing/unreadable vz.conf fails with VZ_E_NOCONFIG. */
typedef struct vz_ctx vz_ctx;
int vz_ctx_new(vz_ctx **ret, vz_err *e);
void vz_ctx_free(vz_ctx *ctx);
const char *vz_ctx_confdir(const vz_ctx *ctx);
/* A value of the global config (vz.conf), or the built-in default, or NULL. */
const char *vz_ctx_get(const vz_ctx *ctx, const char *name);

/* ---------------------------------------------------------------- CT ids */
#define VZ_CTID_MAX 2147483644U
/* Parse a numeric CTID ("101"); -EINVAL if not a valid number. */
int vz_ctid_parse(const char *s, unsigned *ret);
/* Resolve a CTID or a CT name (via $VZ_CONFDIR/names); exit class 21. */
int vz_ct_resolve(vz_ctx *ctx, const char *id_or_name, unsigned *ret, vz_err *e);
/* All CTIDs that have a $VZ_CONFDIR/conf/<N>.conf, sorted ascending. */
int vz_ct_list_ids(vz_ctx *ctx, unsigned **ret_ids, size_t *ret_n, vz_err *e);
/* Name validity as OpenVZ: letters, digits, space, - + _ . */
bool vz_name_is_valid(const char *name);

/* ---------------------------------------------------------------- parameters */
/* One row per configuration parameter (see src/lib/config/params.c). */
enum vz_param_flags {
        VZ_PF_GLOBAL = 1 << 0,       /* normally lives in vz.conf */
        VZ_PF_NEEDS_SAVE = 1 << 1,   /* set only with --save (name, ostemplate, ...) */
        VZ_PF_RESTART = 1 << 2,      /* cannot be applied to a running CT */
        VZ_PF_NO_RUNNING = 1 << 3,   /* refused on a running CT (root, private) */
        VZ_PF_CREATE_ONLY = 1 << 4,  /* only at create time (layout, local_uid) */
        VZ_PF_LIST = 1 << 5,         /* value is a space-separated list */
        VZ_PF_UBC = 1 << 6,          /* a user beancounter barrier:limit pair */
        VZ_PF_NOT_ENFORCED = 1 << 7, /* accepted, saved and shown, not enforced */
        VZ_PF_INTERNAL = 1 << 8,     /* no command-line option */
};

typedef struct vz_param_info {
        const char *name;   /* config name, e.g. "PHYSPAGES" */
        const char *option; /* command-line option without dashes, or NULL */
        const char *help;   /* one line for --help */
        const char *arg;    /* argument placeholder for --help, NULL if none */
        unsigned flags;     /* enum vz_param_flags */
} vz_param_info;

size_t vz_param_count(void);
const vz_param_info *vz_param_at(size_t i);
const vz_param_info *vz_param_by_name(const char *name);
/* Finds a row by command-line option; knows option aliases (--ip, --ve_layout). */
const vz_param_info *vz_param_by_option(const char *option);
/* The vzlist column a parameter defines: its field name, with a header and
 * a width when vzlist makes the column from the parameter alone (header
 * NULL: vzlist has its own field of that name). NULL: no column. */
typedef struct vz_param_column {
        const char *name;
        const char *header;
        int width;
} vz_param_column;
const vz_param_column *vz_param_column_of(const vz_param_info *p);

/* ---------------------------------------------------------------- value helpers */
#define VZ_UNLIMITED INT64_MAX
/* UBC value "B[:L]" as stored (base units), barrier/limit as numbers. */
int vz_ubc_parse_stored(const char *value, int64_t *ret_bar, int64_t *ret_lim);

/* ---------------------------------------------------------------- change set */
/* A validated list of parameter changes from a command line, applied to a CT
 * config by vz_ct_create()/vz_ct_set(). Values are checked when added. */
typedef struct vz_changes vz_changes;
int vz_changes_new(vz_changes **ret);
void vz_changes_free(vz_changes *ch);
/* Add "--option value" (value NULL for flag options). Exit class 21 on a bad
 * value, 20 on an unknown option. */
int vz_changes_add(vz_changes *ch, const char *option, const char *value, vz_err *e);
bool vz_changes_has(const vz_changes *ch, const char *name);
size_t vz_changes_count(const vz_changes *ch);

/* ---------------------------------------------------------------- locking */
typedef struct vz_lock vz_lock;
/* Take the per-CT lock LOCKDIR/<ctid>.lck. wait_sec: 0 = fail at once with
 * VZ_E_LOCKED (message names the holder PID), <0 = wait forever, >0 = wait up
 * to that many seconds. Stale locks (holder gone) are recovered. */
int vz_lock_ct(vz_ctx *ctx, unsigned ctid, int wait_sec, vz_lock **ret, vz_err *e);
void vz_unlock(vz_lock *l);

/* ---------------------------------------------------------------- CT handle */
typedef struct vz_ct vz_ct;
/* Open a CT: merged view of vz.conf and <ctid>.conf (which may be absent). */
int vz_ct_open(vz_ctx *ctx, unsigned ctid, vz_ct **ret, vz_err *e);
void vz_ct_free(vz_ct *ct);
unsigned vz_ct_id(const vz_ct *ct);
bool vz_ct_has_config(const vz_ct *ct);
/* Effective value of a parameter (CT config over vz.conf), or NULL. */
const char *vz_ct_get(const vz_ct *ct, const char *name);
/* VE_PRIVATE / VE_ROOT with $VEID expanded, or NULL if unset. */
const char *vz_ct_private(const vz_ct *ct);
const char *vz_ct_root(const vz_ct *ct);
const char *vz_ct_conf_path(const vz_ct *ct);

typedef struct vz_ct_state {
        bool exists;    /* config and private area both exist */
        bool mounted;   /* VE_ROOT is mounted */
        bool running;   /* the CT's init is running */
        bool suspended; /* not running, and a dump file exists */
} vz_ct_state;
int vz_ct_get_state(vz_ct *ct, vz_ct_state *ret, vz_err *e);

/* Live numbers of a running CT; -1 where unknown (or the CT is down). */
typedef struct vz_ct_stats {
        int64_t numproc;      /* processes and threads (pids cgroup) */
        double uptime;        /* seconds since its init started */
        int64_t disk_used_kb; /* image: its filesystem (mounted); btrfs: the */
        int64_t inodes_used;  /* subvolume's qgroup; simfs: a walk; else -1 */
} vz_ct_stats;
int vz_ct_get_stats(vz_ct *ct, vz_ct_stats *ret, vz_err *e);
/* The same, filling only what `what` asks for (the rest stays -1): disk
 * usage of a simfs CT is a walk of its private area, so a listing asks for
 * it only when it shows it. */
enum { VZ_STATS_PROCS = 1 << 0, VZ_STATS_DISK = 1 << 1 };
int vz_ct_get_stats_of(vz_ct *ct, unsigned what, vz_ct_stats *ret, vz_err *e);
/* The running CT's load average (1, 5, 15 min), what its own /proc/loadavg
 * shows: computed per CT by lxcfs (-ESRCH if not running, -EOPNOTSUPP with
 * LXCFS=no). */
int vz_ct_get_loadavg(vz_ct *ct, double ret[3], vz_err *e);

/* Routed addresses (venet): what the running CT has now (addresses added
 * or removed without --save included), else its config. Space-separated,
 * "" if none; free() it. */
int vz_ct_get_ips(vz_ct *ct, char **ret, vz_err *e);
/* Bridged interfaces (NETIF) with their effective values: host-side names
 * and MACs that were not given are the generated ones the CT gets. */
typedef struct vz_netif {
        char ifname[16], host_ifname[16], bridge[16];
        char mac[18], host_mac[18]; /* "aa:bb:cc:dd:ee:ff" */
} vz_netif;
int vz_ct_get_netifs(vz_ct *ct, vz_netif **ret, size_t *ret_n, vz_err *e);

/* ---------------------------------------------------------------- beancounters */
/* One user beancounter of a CT (OpenVZ's /proc/user_beancounters row), in
 * the UBC's own unit: pages (*pages), bytes (kmemsize, *buf, dcachesize) or
 * items (num*). VZ_UNLIMITED means no limit. held/maxheld/failcnt are -1
 * when the CT is not running. */
typedef struct vz_ubc {
        const char *name; /* "kmemsize", static */
        int id;           /* kernel resource ID (0..24; 4 and 20..22 are unused) */
        bool enforced;    /* false: only kept in the config; counters are 0 */
        int64_t held, maxheld, barrier, limit, failcnt;
} vz_ubc;
#define VZ_UBC_COUNT 21
/* The CT's beancounters in kernel ID order (kmemsize ... numiptent,
 * swappages), at most n of them; returns how many were filled. */
int vz_ct_get_ubc(vz_ct *ct, vz_ubc *ret, size_t n, vz_err *e);
/* /proc/user_beancounters as the 64-bit OpenVZ kernel printed it
 * (OPENVZ.md 3.3): the "Version: 2.5" and column header lines if header,
 * then ctid's 24 compatibility rows (IDs 0..23, dummy rows included,
 * swappages not) from u[0..n) unless u is NULL. Into buf, NUL-terminated; returns the length,
 * or -ENOSPC (4096 bytes always suffice). */
int vz_ubc_format_raw(char *buf, size_t len, bool header, unsigned ctid, const vz_ubc *u, size_t n);

/* ---------------------------------------------------------------- capacity */
/* This host, as the capacity tools (vzsplit, vzmemcheck, vzcpucheck, vzcalc)
 * see it. */
typedef struct vz_host_info {
        uint64_t ram;         /* MemTotal, bytes */
        uint64_t swap;        /* SwapTotal, bytes */
        uint64_t lowmem;      /* LowTotal on 32-bit highmem kernels, else MemTotal */
        uint64_t threads_max; /* /proc/sys/kernel/threads-max */
        unsigned cpus;        /* online CPUs */
        /* "Power of the node" in CPU units, as OpenVZ: 25 x the sum of the
         * CPUs' bogomips (a CPU without bogomips counts 100000). */
        uint64_t cpu_power;
        long page_size;
} vz_host_info;
int vz_host_get_info(vz_host_info *ret, vz_err *e);
/* CPU units of a CT: a running CT's live weight read back from its cgroup
 * (cpu.shares or cpu.weight), else CPUUNITS (default 1000). */
int vz_ct_get_cpuunits(vz_ct *ct, unsigned *ret, vz_err *e);
/* Which CT a host PID belongs to, from its cgroup under VZ_CGROUP (0: the
 * host). ret_vpid (may be NULL): its PID inside the CT (last NSpid). name:
 * its Name from /proc/<pid>/status. -ESRCH if there is no such process. */
int vz_pid_get_ct(vz_ctx *ctx, int pid, unsigned *ret_ctid, int *ret_vpid, char *name,
                  size_t namelen, vz_err *e);
/* vzsplit: the VSwap sample config for n CTs on this host (RAM less a 50 MB
 * reserve and swap split evenly, disk from VE_PRIVATE's filesystem).
 * swap_bytes < 0: the host's swap. VZ_E_RESOURCE if n CTs do not fit. */
int vz_split_config(vz_ctx *ctx, unsigned n, int64_t swap_bytes, char **ret_text, vz_err *e);

/* vzcfgvalidate: check the UBCs of a config file (OPENVZ.md 3.5). Each
 * finding goes to fn with its severity, message and the repair (NULL if
 * none); fn returns true to apply the repair. Repairs are saved (comments
 * and order kept) only if no problem remains. vswap: 1/0 force the mode,
 * -1 detects it from PHYSPAGES. Returns the number of problems left
 * (recommendations do not count), or -errno. */
enum vz_validate_severity {
        VZ_VALIDATE_ERROR = 0,
        VZ_VALIDATE_WARNING = 1,
        VZ_VALIDATE_RECOMMENDATION = 2,
};
typedef bool (*vz_validate_fn)(int severity, const char *msg, const char *fix, void *userdata);
int vz_cfg_validate(const char *path, int vswap, vz_validate_fn fn, void *userdata, vz_err *e);

/* ---------------------------------------------------------------- lifecycle */
typedef struct vz_create_opts {
        const char *ostemplate; /* NULL: config OSTEMPLATE, then DEF_OSTEMPLATE */
        const char *sample;     /* --config NAME; NULL: CONFIGFILE of vz.conf */
        /* Progress of the template unpack: bytes done of total (total may be 0). */
        void (*progress)(uint64_t done, uint64_t total, void *userdata);
        void *userdata;
} vz_create_opts;
/* Create CT ctid (caller holds its lock). On failure nothing is left behind. */
int vz_ct_create(vz_ctx *ctx, unsigned ctid, const vz_create_opts *opts, const vz_changes *ch,
                 vz_err *e);
/* Destroy: CT must be stopped and unmounted. Config renamed to .destroyed. */
int vz_ct_destroy(vz_ct *ct, vz_err *e);
int vz_ct_mount(vz_ct *ct, vz_err *e);
int vz_ct_umount(vz_ct *ct, vz_err *e);
enum vz_mount_flags {
        VZ_MOUNT_SKIP_FSCK = 1 << 0, /* image layout: no e2fsck -p before mounting */
};
/* vz_ct_mount with flags (vz_ct_mount checks an image's filesystem first). */
int vz_ct_mount_flags(vz_ct *ct, unsigned flags, vz_err *e);

/* Storage (layouts, see src/lib/storage). The CT must be stopped and
 * unmounted; layout is "simfs", "ploop" or "btrfs". Atomic: the CT's private
 * area is swapped for the converted copy in one rename. */
int vz_ct_convert(vz_ct *ct, const char *layout, vz_err *e);
/* Image layout: return the image's free blocks to the host (mounting it for
 * the time if needed). Bytes trimmed in *ret_bytes (may be NULL). */
int vz_ct_compact(vz_ct *ct, uint64_t *ret_bytes, vz_err *e);
/* Look for an operation a killed vzctl left unfinished (create, convert,
 * snapshot, resize) and undo or finish it. locked: the caller holds the
 * CT's lock (else it is tried without waiting, and a marker found is only
 * reported). Says what it found and did through the log hook. Returns 0 if
 * there was nothing, 1 if it repaired something, or -errno. */
int vz_ct_recover(vz_ctx *ctx, unsigned ctid, bool locked, vz_err *e);

enum vz_set_flags {
        VZ_SET_SAVE = 1 << 0,
        VZ_SET_FORCE = 1 << 1,
};
/* Apply changes to the CT's config; with VZ_SET_SAVE write it (atomically,
 * only changed lines touched). apply_sample (--applyconfig NAME, may be NULL)
 * merges ve-NAME.conf-sample first, keeping the CT's identity parameters.
 * A failure leaves the file byte-for-byte as it was. Returns 0, or 1 if
 * nothing changed. */
int vz_ct_set(vz_ct *ct, const vz_changes *ch, const char *apply_sample, unsigned flags, vz_err *e);

/* ---------------------------------------------------------------- running */
enum vz_start_flags {
        VZ_START_WAIT = 1 << 0,      /* wait until the CT finished booting */
        VZ_START_FORCE = 1 << 1,     /* start even if DISABLED=yes */
        VZ_START_SKIP_FSCK = 1 << 6, /* image layout: mount without e2fsck -p */
};
/* Mount if needed and boot the CT's init under its supervisor (caller holds
 * the lock). wait_sec bounds VZ_START_WAIT (0: one hour). */
int vz_ct_start(vz_ct *ct, unsigned flags, int wait_sec, vz_err *e);
/* Wait until the CT's init reports it has booted (systemd: running or
 * degraded). VZ_E_WAIT_FAILED on timeout. */
int vz_ct_wait_booted(vz_ct *ct, int timeout_sec, vz_err *e);

enum vz_stop_flags {
        VZ_STOP_FAST = 1 << 0,        /* kill at once */
        VZ_STOP_SKIP_UMOUNT = 1 << 1, /* leave VE_ROOT mounted */
};
/* Graceful stop (the signal the CT's init expects, STOP_TIMEOUT), then kill.
 * Returns 1 if the CT was not running. */
int vz_ct_stop(vz_ct *ct, unsigned flags, vz_err *e);

enum vz_exec_mode {
        VZ_EXEC_SHELL = 0, /* argv[0] is a shell command line (NULL: read stdin) */
        VZ_EXEC_ARGV = 1,  /* argv is run as is (exec3) */
};
/* Run a command inside the running CT, as confined as its init, relaying
 * the caller's stdin/stdout/stderr. *ret_status: the command's exit code.
 * If the command could not be run in the CT (entering it failed: status
 * 255; no such program or shell: 127, 126), 0 is returned with e->msg
 * saying why (e->code 0), for the caller to print. */
int vz_ct_exec(vz_ct *ct, char *const argv[], int mode, int *ret_status, vz_err *e);
/* Start a login shell (or argv) on a new pty inside the CT. Returns the pty
 * master and the pid to wait for; the caller relays its terminal. */
int vz_ct_enter(vz_ct *ct, char *const argv[], int *ret_master, int *ret_pid, vz_err *e);
/* --userpasswd user:password: set (or create) the user inside the CT, whose
 * password is hashed by vz with crypt(3); a stopped CT is started for it and
 * stopped again, as OpenVZ does. Nothing is saved in the config. */
int vz_ct_set_userpasswd(vz_ct *ct, const char *user_pass, vz_err *e);
/* Connect to the CT's console: a socket relaying the console pty. */
int vz_ct_console(vz_ct *ct, vz_err *e);

/* ---------------------------------------------------------------- checkpoint */
/* Checkpoint and restore through the criu program (vz.conf CRIU=, else
 * "criu" from PATH). A dump is a directory of CRIU images: by default
 * DUMPDIR/Dump.<CTID>; the CT counts as suspended while it exists and the
 * CT is down. Every criu run is bounded by a timeout. */
enum vz_chkpnt_step {
        VZ_CHKPNT_FULL = 0,    /* freeze, dump, kill, unmount (dump failure: CT resumed) */
        VZ_CHKPNT_SUSPEND = 1, /* only freeze the CT */
        VZ_CHKPNT_DUMP = 2,    /* dump a CT frozen before; it stays frozen */
        VZ_CHKPNT_RESUME = 3,  /* thaw a frozen CT */
        VZ_CHKPNT_KILL = 4,    /* kill a frozen CT (stop it) */
};
enum vz_restore_step {
        VZ_RESTORE_FULL = 0,   /* restore and let it run; the dump is removed */
        VZ_RESTORE_UNDUMP = 1, /* restore, processes left stopped; dump kept */
        VZ_RESTORE_RESUME = 2, /* let an undumped CT run; the dump is removed */
        VZ_RESTORE_KILL = 3,   /* kill an undumped CT */
};
typedef struct vz_cpt_opts {
        const char *dumpfile; /* NULL: DUMPDIR/Dump.<CTID> */
        int timeout_sec;      /* each criu run; 0: CPT_TIMEOUT of the config, else 300 */
        /* Measured phases (ms), filled when not NULL: time the CT was frozen
         * during a full checkpoint, time criu took. */
        double *ret_frozen_ms, *ret_criu_ms;
        bool keep_dump; /* VZ_RESTORE_FULL: leave the dump (a snapshot's) in place */
} vz_cpt_opts;
/* chkpnt/suspend (caller holds the lock). Failure: VZ_E_CHKPNT, the CT
 * left running; VZ_E_NOT_RUNNING if it is down. */
int vz_ct_chkpnt(vz_ct *ct, int step, const vz_cpt_opts *opts, vz_err *e);
/* restore/resume (caller holds the lock). Failure: VZ_E_RESTORE, nothing
 * left running; VZ_E_RUNNING if the CT runs. vz_ct_start() of a suspended CT
 * is vz_ct_restore(VZ_RESTORE_FULL). */
int vz_ct_restore(vz_ct *ct, int step, const vz_cpt_opts *opts, vz_err *e);
/* The default dump path of the CT (DUMPDIR/Dump.<CTID>), malloc'd. */
int vz_ct_dump_path(vz_ct *ct, char **ret, vz_err *e);
/* The criu program: path used, "criu --version" and whether "criu check"
 * passes (its output in *ret_check_msg). Each ret may be NULL. */
int vz_criu_info(vz_ctx *ctx, char **ret_path, char **ret_version, bool *ret_check_ok,
                 char **ret_check_msg, vz_err *e);

/* ---------------------------------------------------------------- snapshots */
/* Snapshots of the CT's disk: btrfs (native) and image (copy) layouts;
 * simfs fails with VZ_E_PLOOP_UNSUP. */
typedef struct vz_snapshot {
        char *uuid, *name, *description, *date, *parent;
        bool current; /* the one last taken or switched to */
} vz_snapshot;
/* uuid NULL: a new one, returned in *ret_uuid (may be NULL). */
int vz_ct_snapshot(vz_ct *ct, const char *uuid, const char *name, const char *description,
                   char **ret_uuid, vz_err *e);
/* The CT must be stopped and unmounted. */
int vz_ct_snapshot_switch(vz_ct *ct, const char *uuid, vz_err *e);
enum vz_snapshot_flags {
        VZ_SNAPSHOT_SKIP_SUSPEND = 1 << 0, /* snapshot: no memory dump of a running CT */
        VZ_SNAPSHOT_SKIP_CONFIG = 1 << 1,  /* no copy of the config / keep the current one */
        VZ_SNAPSHOT_SKIP_RESUME = 1 << 2,  /* switch: leave a running CT stopped */
        VZ_SNAPSHOT_MUST_RESUME = 1 << 3,  /* switch: failing to restore the dump fails */
};
/* OpenVZ's snapshot: a running CT is frozen and its memory dumped beside
 * the disk snapshot (unless SKIP_SUSPEND); the config is copied (unless
 * SKIP_CONFIG). */
int vz_ct_snapshot_flags(vz_ct *ct, const char *uuid, const char *name, const char *description,
                         unsigned flags, char **ret_uuid, vz_err *e);
/* OpenVZ's snapshot-switch: a running CT is frozen, killed, switched, then
 * restored from the snapshot's memory dump if it has one (else started),
 * unless SKIP_RESUME. The snapshot's config replaces the CT's unless
 * SKIP_CONFIG. */
int vz_ct_snapshot_switch_flags(vz_ct *ct, const char *uuid, unsigned flags, vz_err *e);
int vz_ct_snapshot_delete(vz_ct *ct, const char *uuid, vz_err *e);
/* Read-only on where (created if missing). */
int vz_ct_snapshot_mount(vz_ct *ct, const char *uuid, const char *where, vz_err *e);
int vz_ct_snapshot_umount(vz_ct *ct, const char *uuid, vz_err *e);
/* Oldest first. */
int vz_ct_snapshot_list(vz_ct *ct, vz_snapshot **ret, size_t *ret_n, vz_err *e);
void vz_snapshot_list_free(vz_snapshot *v, size_t n);

/* ---------------------------------------------------------------- templates */
/* Path of TEMPLATE/cache/<ostemplate>.tar[.gz|.bz2|.xz|.zst]; exit class 91. */
int vz_tmpl_find_cache(vz_ctx *ctx, const char *ostemplate, char **ret_path, vz_err *e);
/* Before a cache file is removed: fails (-EBUSY) if a CT of the overlay
 * layout is built on the cache's unpacked layer, else removes that layer. */
int vz_tmpl_cache_release(vz_ctx *ctx, const char *cache, vz_err *e);
/* Names of all template caches, sorted; ret is a NULL-terminated array. */
int vz_tmpl_list(vz_ctx *ctx, char ***ret_names, vz_err *e);
/* Unpack an archive into the directory target_fd safely (never writes outside
 * it, whatever the archive holds). */
typedef void (*vz_progress_fn)(uint64_t done, uint64_t total, void *userdata);
int vz_tmpl_unpack(const char *archive, int target_fd, vz_progress_fn progress, void *userdata,
                   vz_err *e);

typedef struct vz_cache_opts {
        const char *mirror;   /* debootstrap mirror; NULL = default */
        const char *packages; /* extra packages, comma-separated; NULL = default */
        const char *suite;    /* NULL = from the template name */
        bool force;           /* replace an existing cache */
        vz_progress_fn progress;
        void *userdata;
} vz_cache_opts;
/* Build TEMPLATE/cache/<ostemplate>.tar.zst: "busybox" from the host's
 * busybox-static, others from their metadata in <confdir>/templates/<name>/
 * (debootstrap, mmdebstrap, dnf or pacman; man vzpkg). */
int vz_cache_create(vz_ctx *ctx, const char *ostemplate, const vz_cache_opts *opts, vz_err *e);
/* OS templates vz_cache_create() can build: busybox and every directory of
 * <confdir>/templates holding a template.conf; sorted, NULL-terminated.
 * Returns the count. */
int vz_tmpl_list_available(vz_ctx *ctx, char ***ret_names, vz_err *e);

typedef struct vz_import_opts {
        bool force; /* replace an existing cache */
        vz_progress_fn progress;
        void *userdata;
} vz_import_opts;
/* Import an OCI image as TEMPLATE/cache/<ostemplate>.tar.zst: ref is
 * "oci:DIR[:TAG]" (an OCI image layout, read directly) or any other
 * skopeo(1) reference (docker://..., oci-archive:FILE[:TAG],
 * docker-archive:FILE, ...), copied by skopeo into a temporary layout first.
 * Blobs are checked against their digests, layers applied in order with
 * whiteouts and the rules of vz_tmpl_unpack. Nothing is left on failure. */
int vz_tmpl_import(vz_ctx *ctx, const char *ref, const char *ostemplate, const vz_import_opts *opts,
                   vz_err *e);

/* ---------------------------------------------------------------- migration */
/* vzmigrate's own exit codes (classic vzmigrate), carried in vz_err.code. */
enum vz_migrate_exit_code {
        VZ_MIG_E_USAGE = 1,
        VZ_MIG_E_STOPPED = 2,       /* live migration of a CT that is not running */
        VZ_MIG_E_CONNECT = 4,       /* cannot reach the destination over ssh */
        VZ_MIG_E_COPY = 6,          /* copying the private area, config or dump failed */
        VZ_MIG_E_START = 7,         /* start or restore on the destination failed */
        VZ_MIG_E_STOP = 8,          /* stop or checkpoint on the source failed */
        VZ_MIG_E_EXISTS = 9,        /* the CT exists on the destination */
        VZ_MIG_E_NOEXIST = 10,      /* the CT does not exist here */
        VZ_MIG_E_IP_INUSE = 12,     /* one of its addresses is in use there */
        VZ_MIG_E_NOVZ = 14,         /* no vz (or no working CRIU for live) there or here */
        VZ_MIG_E_APPLY_CONFIG = 15, /* the CT's name is taken there */
        VZ_MIG_E_LAYOUT = 16,       /* the destination cannot hold the CT's layout */
        VZ_MIG_E_REMOTE_CONF = 19,  /* the destination's vz.conf is unreadable */
        VZ_MIG_E_LOCKED = 20,       /* the CT is locked */
};

typedef struct vz_migrate_opts {
        const char *dest;       /* [user@]host; "root@" is added when no user is given */
        const char *ssh_opts;   /* --ssh: extra ssh options (split on blanks), or NULL */
        const char *rsync_opts; /* --rsync: extra rsync options, or NULL */
        bool live;              /* --online: checkpoint, copy, restore (CRIU) */
        bool keep_src;          /* -r no: keep the private area, config -> .migrated */
        bool keep_dst;          /* --keep-dst: keep the copied private area on failure */
        bool check_only;        /* --check-only: pre-flight checks only */
        int verbose;            /* -v count: more detail from rsync/ssh/vzctl */
        /* Called as each phase ends (-t), with its wall time in seconds;
         * "frozen" is the time the CT did not run anywhere. */
        void (*phase)(const char *name, double seconds, void *userdata);
        void *userdata;
} vz_migrate_opts;
/* Move CT id_or_name to another host running vz (ssh + rsync; OpenVZ's
 * vzmigrate). Takes the CT's lock. On failure everything done so far is
 * undone: the CT runs (or not, as before) on this host only, and the
 * destination holds nothing of it (but the private area with keep_dst). */
int vz_migrate(vz_ctx *ctx, const char *id_or_name, const vz_migrate_opts *opts, vz_err *e);

/* ---------------------------------------------------------------- misc */
const char *vz_version(void);
/* Frees a NULL-terminated string array. */
void vz_strv_free(char **v);

#ifdef __cplusplus
}
#endif

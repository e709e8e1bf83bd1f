/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running a template's pre-/post-install script inside the new root.
 *
 * A chroot alone does not hold a root process (chroot again, mknod a disk,
 * open_by_handle_at on the file system the root lives on). The script runs
 * instead as root of a new user namespace mapped 1:1 onto the host's IDs,
 * so the files it makes are owned as it says, but its capabilities count
 * only inside that namespace: no device nodes, no block-device mounts, no
 * open_by_handle_at, no module loading. Its mount namespace (owned by that
 * user namespace, so the host's mounts are locked) has the new root as /
 * through pivot_root with the old root detached: no path leads out. A PID
 * namespace gives it its own /proc and kills whatever it leaves running
 * when it exits. Its uid 0 is the host's uid 0 (so that what it makes is
 * owned by root), which file modes alone would let write host sysctls: its
 * /proc is read-only, CAP_SYS_ADMIN is dropped so that it stays so, and it
 * has its own network namespace (no network, no abstract unix sockets of
 * the host's daemons).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "build.h"

#define BUSYBOX_PATH "/bin/busybox"

static _Noreturn void die(int fd, const char *what)
{
        dprintf(fd, "script sandbox: %s: %s\n", what, strerror(errno));
        _exit(126);
}

/* An O_PATH fd of name in dir, a real directory (made if missing); never
 * through a symlink the tree may hold. */
static int real_dir(int dir, const char *name, mode_t mode)
{
        int fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0 && errno == ENOENT) {
                if (mkdirat(dir, name, mode) < 0 && errno != EEXIST)
                        return -1;
                fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        return fd;
}

static int mount_on(const char *src, int target_fd, const char *type, unsigned long flags,
                    const char *data)
{
        char p[64];

        snprintf(p, sizeof(p), "/proc/self/fd/%d", target_fd);
        return mount(src, p, type, flags, data);
}

static int mount_at(int root, const char *name, mode_t mode, const char *src, const char *type,
                    unsigned long flags, const char *data)
{
        int fd = real_dir(root, name, mode), r;

        if (fd < 0)
                return -1;
        r = mount_on(src, fd, type, flags, data);
        close(fd);
        return r;
}

static void setup_dev(int root, int out)
{
        static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
        int dev;

        if (mount_at(root, "dev", 0755, "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC,
                     "mode=0755,size=1m") < 0)
                die(out, "cannot mount /dev");
        dev = openat(root, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dev < 0)
                die(out, "cannot open /dev");
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                _cleanup_free_ char *src = vz_strdupf("/dev/%s", nodes[i]);
                int f = openat(dev, nodes[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

                if (f < 0 || !src)
                        die(out, "cannot populate /dev");
                if (mount_on(src, f, NULL, MS_BIND, NULL) < 0)
                        die(out, "cannot bind a device node");
                close(f);
        }
        /* A fresh tmpfs: a failure here is not a name clash. */
        if (symlinkat("/proc/self/fd", dev, "fd") < 0 ||
            symlinkat("/proc/self/fd/0", dev, "stdin") < 0 ||
            symlinkat("/proc/self/fd/1", dev, "stdout") < 0 ||
            symlinkat("/proc/self/fd/2", dev, "stderr") < 0)
                die(out, "cannot link /dev/fd, stdin, stdout, stderr");
        (void)mkdirat(dev, "shm", 01777);
        (void)mkdirat(dev, "pts", 0755);
        close(dev);
}

/* PID 1 of the new PID namespace: mounts, pivot_root, exec the shell. */
static _Noreturn void script_child(const char *root_path, int script_fd, int out, bool use_busybox,
                                   char *const envp[])
{
        char *argv[] = {(char *)"sh", (char *)"-s", NULL};
        int root, bb = -1;

        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (sethostname("localhost", strlen("localhost")) < 0)
                die(out, "sethostname");
        if (use_busybox && (bb = open(BUSYBOX_PATH, O_RDONLY | O_CLOEXEC)) < 0)
                die(out, "cannot open " BUSYBOX_PATH " (install busybox-static)");
        root = open(root_path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (root < 0)
                die(out, "cannot open the new root");
        /* Read-only: the script's uid 0 is the host's uid 0 (identity map),
         * which file modes alone let write sysctls and sysrq-trigger. */
        if (mount_at(root, "proc", 0555, "proc", "proc",
                     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                die(out, "cannot mount /proc");
        setup_dev(root, out);
        if (mount_at(root, "tmp", 01777, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0 ||
            mount_at(root, "run", 0755, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
                die(out, "cannot mount /tmp or /run");
        if (fchdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
            umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                die(out, "cannot enter the new root");
        /* Without CAP_SYS_ADMIN (in its namespace) the script cannot
         * remount /proc read-write, mount a new one or unmount what covers
         * the tree's /dev, /tmp and /run. */
        if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) < 0)
                die(out, "cannot drop CAP_SYS_ADMIN");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                die(out, "no_new_privs");
        if (dup2(script_fd, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
            dup2(out, STDERR_FILENO) < 0)
                die(out, "dup2");
        if (bb >= 0)
                syscall(SYS_execveat, bb, "", argv, envp, AT_EMPTY_PATH);
        else
                execve("/bin/sh", argv, envp);
        dprintf(out, "script sandbox: cannot run %s sh in the new root: %s\n",
                bb >= 0 ? "busybox" : "/bin/sh", strerror(errno));
        _exit(127);
}

/* The process between the caller and PID 1: made the namespaces, waits. */
static _Noreturn void ns_parent(const char *root, int script_fd, int out, int sync_out, int sync_in,
                                bool use_busybox, char *const envp[])
{
        char c = 0;
        pid_t pid;
        int st;

        /* vzpkg killed: take the script down with it. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* A network namespace of its own too: no network, and no abstract
         * unix sockets of host daemons, which would see a peer of uid 0. */
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
                    CLONE_NEWNET) < 0)
                die(out, "cannot make namespaces");
        if (write(sync_out, &c, 1) != 1 || read(sync_in, &c, 1) != 1 || c != 1)
                _exit(126); /* the caller could not write the ID maps */
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || setgroups(0, NULL) < 0)
                die(out, "cannot become root of the user namespace");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                die(out, "cannot make the mounts private");
        if (mount(root, root, NULL, MS_BIND, NULL) < 0)
                die(out, "cannot bind the new root");
        pid = fork();
        if (pid < 0)
                die(out, "fork");
        if (pid == 0)
                script_child(root, script_fd, out, use_busybox, envp);
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        _exit(126);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static int write_id_map(pid_t pid, const char *file)
{
        static const char map[] = "0 0 4294967295\n";
        char p[64];
        int fd, r = 0;

        snprintf(p, sizeof(p), "/proc/%d/%s", (int)pid, file);
        fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, map, strlen(map)) != (ssize_t)strlen(map))
                r = -errno;
        close(fd);
        return r;
}

int tmpl_run_script(const char *root, const char *script, size_t len, bool use_busybox,
                    char *const envp[], line_fn fn, void *userdata)
{
        _cleanup_close_ int mfd = -1;
        int out[2] = {-1, -1}, s1[2] = {-1, -1}, s2[2] = {-1, -1};
        char c;
        pid_t pid;
        bool maps_failed = false;
        int st, r = 0;

        mfd = memfd_create("vzpkg-script", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0)
                return -errno;
        for (size_t done = 0; done < len;) {
                ssize_t n = write(mfd, script + done, len - done);
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                done += (size_t)n;
        }
        if (lseek(mfd, 0, SEEK_SET) < 0 ||
            fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
                return -errno;
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(s1, O_CLOEXEC) < 0 || pipe2(s2, O_CLOEXEC) < 0) {
                r = -errno;
                goto out;
        }
        pid = fork();
        if (pid < 0) {
                r = -errno;
                goto out;
        }
        if (pid == 0) {
                close(out[0]);
                close(s1[0]);
                close(s2[1]);
                ns_parent(root, mfd, out[1], s1[1], s2[0], use_busybox, envp);
        }
        close(out[1]);
        close(s1[1]);
        close(s2[0]);
        out[1] = s1[1] = s2[0] = -1;
        c = 0;
        maps_failed = false;
        if (read(s1[0], &c, 1) == 1) {
                /* setgroups stays "allow": the maps are written by a process
                 * with CAP_SETUID/CAP_SETGID over the parent namespace. */
                c = write_id_map(pid, "uid_map") == 0 && write_id_map(pid, "gid_map") == 0;
                maps_failed = !c;
                (void)!write(s2[1], &c, 1);
        }
        close(s2[1]);
        s2[1] = -1;
        tmpl_feed_lines(out[0], fn, userdata);
        out[0] = -1;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR) {
                        r = -errno;
                        goto out;
                }
        if (maps_failed && fn)
                fn("script sandbox: cannot write the user namespace's ID maps", userdata);
        r = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
        for (int i = 0; i < 2; i++) {
                if (out[i] >= 0)
                        close(out[i]);
                if (s1[i] >= 0)
                        close(s1[i]);
                if (s2[i] >= 0)
                        close(s2[i]);
        }
        return r;
}

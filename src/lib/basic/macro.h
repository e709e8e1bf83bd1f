/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cleanup attributes and small helpers used everywhere in libvz. */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
#include <dirent.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _public_       __attribute__((visibility("default")))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p)
{
        free(*(void **)p);
}

static inline void closep(int *fd)
{
        /* Never retry close() on EINTR: the fd is gone either way on Linux. */
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

static inline void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

/* Close fd if open; returns -1 to assign back (fd = safe_close(fd)). */
static inline int safe_close(int fd)
{
        closep(&fd);
        return -1;
}

/* A child process the variable owns: killed and reaped if it is still
 * there when the scope ends (an early return never leaves a half-made
 * child running); hand it on, once waited for or given away, with
 * TAKE_PID. */
static inline void kill_and_reapp(pid_t *pid)
{
        if (*pid > 0) {
                int saved = errno;
                kill(*pid, SIGKILL);
                while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                errno = saved;
        }
}

/* A cleanup function name##p for a type's destructor that accepts NULL. */
#define DEFINE_CLEANUP_FUNC(type, func)                                                            \
        static inline void func##p(type **p)                                                       \
        {                                                                                          \
                func(*p);                                                                          \
        }

#define _cleanup_free_     _cleanup_(freep)
#define _cleanup_close_    _cleanup_(closep)
#define _cleanup_fclose_   _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_kill_     _cleanup_(kill_and_reapp)

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _p = (p);                                                            \
                (p) = NULL;                                                                        \
                _p;                                                                                \
        })
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _fd = (fd);                                                                    \
                (fd) = -1;                                                                         \
                _fd;                                                                               \
        })

#define TAKE_PID(pid)                                                                              \
        ({                                                                                         \
                pid_t _pid = (pid);                                                                \
                (pid) = 0;                                                                         \
                _pid;                                                                              \
        })

#define streq(a, b)     (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
#define isempty(s)      (!(s) || !*(s))

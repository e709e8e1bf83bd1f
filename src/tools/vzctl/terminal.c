/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzctl enter and console: the user's terminal relayed to the CT's. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "vzctl.h"

static struct termios saved_tio;
static bool tio_saved;
static volatile sig_atomic_t winch;

static void restore_tty(void)
{
        if (tio_saved)
                tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
}

static void on_winch(int sig)
{
        (void)sig;
        winch = 1;
}

static void raw_mode(void)
{
        struct termios t;

        if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) < 0)
                return;
        tio_saved = true;
        atexit(restore_tty);
        t = saved_tio;
        cfmakeraw(&t);
        tcsetattr(STDIN_FILENO, TCSADRAIN, &t);
}

static void copy_winsize(int to)
{
        struct winsize ws;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                ioctl(to, TIOCSWINSZ, &ws);
}

/* Relay the terminal and fd until fd closes. With escapes (console), Esc
 * then '.' at the start of a line detaches. Returns 1 on detach. */
static int terminal_relay(int fd, bool escapes, bool forward_winsize)
{
        char buf[8192];
        bool line_start = true, esc = false;

        if (forward_winsize) {
                signal(SIGWINCH, on_winch);
                copy_winsize(fd);
        }
        for (;;) {
                struct pollfd pf[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                                       {.fd = fd, .events = POLLIN}};
                if (winch) {
                        winch = 0;
                        copy_winsize(fd);
                }
                if (poll(pf, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t n = read(fd, buf, sizeof(buf));
                        if (n <= 0)
                                return 0;
                        if (write(STDOUT_FILENO, buf, n) < 0)
                                return -1;
                }
                if (pf[0].revents & (POLLIN | POLLHUP)) {
                        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf)), out = 0;
                        if (n <= 0) {
                                pf[0].fd = -1;
                                return 0;
                        }
                        for (ssize_t i = 0; escapes && i < n; i++) {
                                char c = buf[i];
                                if (esc) {
                                        esc = false;
                                        if (c == '.')
                                                return 1;
                                } else if (line_start && c == 27) {
                                        esc = true;
                                        continue;
                                }
                                line_start = c == '\r' || c == '\n';
                                buf[out++] = c;
                        }
                        if (!escapes)
                                out = n;
                        if (out > 0 && write(fd, buf, out) < 0)
                                return 0;
                }
        }
}

int cmd_enter(struct cmd_args *a)
{
        char **argv = NULL;
        vz_err e = {0};
        vz_ct *ct;
        int r, master, pid, st = 0;

        if (a->argc > 0) {
                if (strcmp(a->argv[0], "--exec") != 0 || a->argc < 2)
                        return usage_error("enter: usage: vzctl enter CTID [--exec CMD ARGS...]");
                argv = a->argv + 1;
        }
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        r = vz_ct_enter(ct, argv, &master, &pid, &e);
        vz_ct_free(ct);
        if (r < 0)
                return tool_fail(&e, "CT %u: cannot enter", a->ctid);
        fprintf(stderr, "entered into CT %u\n", a->ctid);
        raw_mode();
        terminal_relay(master, false, true);
        restore_tty();
        close(master);
        waitpid(pid, &st, 0);
        fprintf(stderr, "exited from CT %u\n", a->ctid);
        return 0;
}

int cmd_console(struct cmd_args *a)
{
        vz_err e = {0};
        vz_ct *ct;
        int r, fd;

        if (a->argc > 1 || (a->argc == 1 && strcmp(a->argv[0], "1") != 0))
                return usage_error("console: only tty 1 (the CT's /dev/console) is available");
        r = open_ct(a, &ct, true);
        if (r)
                return r;
        fd = vz_ct_console(ct, &e);
        vz_ct_free(ct);
        if (fd < 0)
                return tool_fail(&e, "CT %u: cannot attach to the console", a->ctid);
        fprintf(stderr, "Attached to CT %u (ESC . to detach)\n", a->ctid);
        raw_mode();
        r = terminal_relay(fd, true, false);
        restore_tty();
        close(fd);
        fprintf(stderr, r == 1 ? "\nDetached from CT %u\n" : "\nConsole of CT %u closed\n",
                a->ctid);
        return 0;
}

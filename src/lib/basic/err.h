/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Error reporting inside libvz: -errno return values plus vz_err (public type). */
#pragma once

#include <vz/vz.h>
#include "macro.h"

/* Fill *e with an OpenVZ exit-code class and a message, return r (a -errno).
 * e may be NULL. The message is only set if none is set yet, so the innermost
 * (most specific) failure wins unless the caller resets it first. */
int vz_fail(vz_err *e, int vzcode, int r, const char *fmt, ...) _printf_(4, 5);
/* Same, but always overwrites the message (used to add outer context). */
int vz_fail_replace(vz_err *e, int vzcode, int r, const char *fmt, ...) _printf_(4, 5);
void vz_err_clear(vz_err *e);
/* Add an outer layer's context in front of the message as the failure
 * travels up: "cannot start CT 101: cannot mount VE_ROOT: ...: Permission
 * denied" (a chain, outermost first, each link ": "-separated). The code and
 * errno of the innermost failure are kept; with no message yet, the chain
 * ends with strerror(-r) and the code is VZ_E_SYSTEM. Returns r as vz_fail
 * does (a -errno). e may be NULL. */
int vz_err_prefix(vz_err *e, int r, const char *fmt, ...) _printf_(3, 4);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <vz/vz.h>
#include "macro.h"

void vz_log(int level, const char *fmt, ...) _printf_(2, 3);
#define vz_warn(...)  vz_log(VZ_LOG_WARN, __VA_ARGS__)
#define vz_info(...)  vz_log(VZ_LOG_INFO, __VA_ARGS__)
#define vz_debug(...) vz_log(VZ_LOG_DEBUG, __VA_ARGS__)
void vz_get_log(vz_log_fn *ret_fn, void **ret_userdata);

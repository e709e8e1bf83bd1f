/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal interface of the template code (unpack.c, cache.c). */
#pragma once

#include <stdbool.h>

/* Test hook: behave as if openat2() returned ENOSYS, so the O_NOFOLLOW
 * component walk is used to resolve paths inside the target. */
extern bool vz_unpack_force_fallback;

/* Is name acceptable as an OS template name (no '/', no leading '.')? */
bool vz_tmpl_name_is_valid(const char *name);

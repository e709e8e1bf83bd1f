/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CT names ($VZ_CONFDIR/names/NAME -> ../conf/CTID.conf) and run state. */
#pragma once

#include <vz/vz.h>

/* Point names/NAME at ctid's config. -EEXIST (class 131) if the name belongs
 * to another CT; 0 if it is already ours. */
int vz_name_register(vz_ctx *ctx, const char *name, unsigned ctid, vz_err *e);
/* Remove every name link pointing at ctid's config. */
int vz_name_unregister_ct(vz_ctx *ctx, unsigned ctid);
/* Remove one name link if it points at ctid. */
int vz_name_unregister(vz_ctx *ctx, const char *name, unsigned ctid);

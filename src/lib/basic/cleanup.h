/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cleanup attributes for the public types libvz hands out (vz_ctx, vz_ct,
 * vz_changes, vz_lock): a variable declared with one is freed when its
 * scope ends, unless handed on with TAKE_PTR. The destructors accept NULL. */
#pragma once

#include <vz/vz.h>
#include "macro.h"

DEFINE_CLEANUP_FUNC(vz_ctx, vz_ctx_free)
DEFINE_CLEANUP_FUNC(vz_ct, vz_ct_free)
DEFINE_CLEANUP_FUNC(vz_changes, vz_changes_free)
DEFINE_CLEANUP_FUNC(vz_lock, vz_unlock)

#define _cleanup_ctx_     _cleanup_(vz_ctx_freep)
#define _cleanup_ct_      _cleanup_(vz_ct_freep)
#define _cleanup_changes_ _cleanup_(vz_changes_freep)
#define _cleanup_lock_    _cleanup_(vz_unlockp)

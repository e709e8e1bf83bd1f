/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <vz/vz.h>

/* Run vps.<action> and <ctid>.<action> (global first, or per-CT first when
 * ct_first, as OpenVZ does for umount and postumount). A failing script
 * gives class VZ_E_ACTIONSCRIPT (79). */
int vz_run_action_scripts(const vz_ct *ct, const char *action, bool ct_first, vz_err *e);

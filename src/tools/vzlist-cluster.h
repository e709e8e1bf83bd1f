/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
#include <stdbool.h>
#include <stdio.h>

/* vzlist --cluster: the Pacemaker-managed CTs and where they run (from
 * cibadmin and crm_mon); returns vzlist's exit code. */
int vzl_cluster_print(bool header, bool json, FILE *out);

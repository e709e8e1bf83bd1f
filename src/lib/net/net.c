/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Networking of CTs: not implemented yet (only loopback, brought up inside
 * the CT at start). */
#include "net.h"

int vz_net_start(vz_ct *ct, pid_t init_pid, vz_err *e)
{
        (void)ct;
        (void)init_pid;
        (void)e;
        return 0;
}

void vz_net_stop(vz_ct *ct)
{
        (void)ct;
}

int vz_net_apply_live(vz_ct *ct, const vz_conffile *old, pid_t init_pid, vz_err *e)
{
        (void)ct;
        (void)old;
        (void)init_pid;
        (void)e;
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's network, set up from the host: routed addresses (OpenVZ venet,
 * IP_ADDRESS) and bridged interfaces (OpenVZ veth, NETIF). Called by the
 * supervisor each time the CT's init starts (so after a reboot too), when
 * the CT ends, and by vzctl set on a running CT.
 */
#pragma once

#include <sys/types.h>

#include "ctx.h"

/* OpenVZ exit codes of vzerror.h not (yet) in enum vz_exit_code. */
#define VZ_E_CANT_ADDIP_CODE 34  /* VZ_CANT_ADDIP: adding an address failed */
#define VZ_E_IP_INUSE        78  /* VZ_IP_INUSE: address used by another CT */
#define VZ_VETH_ERROR_CODE   130 /* VZ_VETH_ERROR */
#define VZ_NETDEV_ERROR_CODE 104 /* VZ_NETDEV_ERROR: moving a host device failed */

/* Inside the CT (its root, after pivot_root): what its distribution's
 * network service needs so that it leaves vz's setup alone (ifupdown,
 * systemd-networkd). */
void vz_net_configure_inside(const vz_ct *ct);
/* Configure the network of the CT whose init (host PID) was just started. */
int vz_net_start(vz_ct *ct, pid_t init_pid, vz_err *e);
/* Remove everything vz_net_start and vz_net_apply_live added on the host
 * (routes, proxy entries, host-side devices). Never fails. */
void vz_net_stop(vz_ct *ct);
/* Apply IP_ADDRESS / NETIF changes to the running CT: ct holds the new
 * config, old the previous one. live_ips (may be NULL): the routed
 * addresses the CT must have when done (vz_net_live_change). */
int vz_net_apply_live(vz_ct *ct, const vz_conffile *old, pid_t init_pid, const char *live_ips,
                      vz_err *e);
/* The routed addresses a running CT has now, space-separated ("" if none):
 * they may differ from its config (--ipadd without --save). */
int vz_net_live_ips(const vz_ct *ct, char **ret);
/* What --ipadd/--ipdel of ch make of the running CT's live addresses:
 * *ret_before and *ret_after, as vz_net_live_ips. */
int vz_net_live_change(const vz_ct *ct, const vz_changes *ch, char **ret_before, char **ret_after);
/* Refuse (exit class 78, -EADDRINUSE) an address of ip_list (IP_ADDRESS
 * syntax) that another CT's config already has (masks ignored). For the set
 * path, so that a stopped CT is refused too. Through the address index
 * (ipidx.c), whose lock it leaves held in ctx: call vz_net_ip_unlock once
 * the config is saved (or not). */
int vz_net_check_ips(vz_ctx *ctx, unsigned ctid, const char *ip_list, vz_err *e);
void vz_net_ip_unlock(vz_ctx *ctx);

/* Before criu restore: create the CT's veth pairs on the host (host ends
 * with their names, CT ends with temporary ones) and return the --external
 * values that let criu move each CT end in ("netdev[venet0]:vzr101.0").
 * CRIU's own veth creation from a user namespace needs rights in the
 * host's namespace it does not have. vz_net_stop removes the pairs. */
int vz_net_criu_prepare(vz_ct *ct, char ***ret, vz_err *e);
/* After criu restored the CT (its namespace, moved pairs, addresses): the
 * host side (routes, proxy entries, sysctls, bridges), as vz_net_start. */
int vz_net_restored(vz_ct *ct, pid_t init_pid, vz_err *e);
/* Tell the LAN on dev that address a is here now: an unsolicited ARP or
 * IPv6 neighbour advertisement (OpenVZ's arpsend -U); see announce.c. */
struct vz_inaddr;
void vz_net_announce(const char *dev, const struct vz_inaddr *a);

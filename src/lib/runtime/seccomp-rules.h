/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp deny-list of a CT's processes, compiled to BPF at build time
 * by seccomp-gen.c (libseccomp) into seccomp-bpf.h; security.c loads the
 * program. */
#pragma once

/* Calls no CT needs and that act on the host as a whole (or, like the
 * keyring calls, are not namespaced and leak between CTs). */
static const char *const denied_syscalls[] = {
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "swapon",
    "swapoff",
    "open_by_handle_at",
    "acct",
    "lookup_dcookie",
    "add_key",
    "request_key",
    "keyctl",
    "iopl",
    "ioperm",
    "syslog",
    "settimeofday",
    "clock_settime",
    "stime",
    "nfsservctl",
    "uselib",
    "perf_event_open",
    NULL,
};

/* Calls the supervisor answers for the CT (SCMP_ACT_NOTIFY: a seccomp user
 * notification on the listener it holds): sysinfo(2), with the CT's RAM,
 * swap, uptime and process count (meminfo.c, supervisor.c). */
static const char *const notified_syscalls[] = {"sysinfo", NULL};

/* NETFILTER=disabled (OpenVZ §1.13: "no iptables at all"). Netfilter is per
 * network namespace, so the other modes all give the CT its own complete
 * netfilter (conntrack and NAT included; stateless/stateful limited the
 * modules a legacy kernel let a CT load, which has no equivalent now).
 * Disabled takes away both ways in: nf_tables netlink (socket(AF_NETLINK,
 * any, NETLINK_NETFILTER)) and the legacy x_tables setsockopt calls
 * (iptables/ip6tables/arptables/ebtables) below. */
static const struct {
        int level, opt;
} netfilter_sockopts[] = {
    {0 /* SOL_IP */, 64 /* IPT_SO_SET_REPLACE */},
    {0, 65 /* IPT_SO_SET_ADD_COUNTERS */},
    {0, 96 /* ARPT_SO_SET_REPLACE */},
    {0, 97 /* ARPT_SO_SET_ADD_COUNTERS */},
    {0, 128 /* EBT_SO_SET_ENTRIES */},
    {0, 129 /* EBT_SO_SET_COUNTERS */},
    {41 /* SOL_IPV6 */, 64 /* IP6T_SO_SET_REPLACE */},
    {41, 65 /* IP6T_SO_SET_ADD_COUNTERS */},
};

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small rtnetlink client on a raw NETLINK_ROUTE socket (libc only: the
 * supervisor is linked statically and there is no static libmnl).
 *
 * Requests are built in a fixed buffer by a typed builder that checks the
 * capacity before every write; an overflow is remembered and the request is
 * then refused with -EMSGSIZE instead of being sent truncated. Every request
 * asks for an ACK, and the kernel's error in it is returned as -errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* An open NETLINK_ROUTE socket in the caller's network namespace. */
typedef struct vz_nl {
        int fd;
        uint32_t seq;
} vz_nl;

int vz_nl_open(vz_nl *nl);
void vz_nl_close(vz_nl *nl);

/* An address of either family: family AF_INET or AF_INET6, 4 or 16 bytes. */
typedef struct vz_inaddr {
        int family;
        unsigned char a[16];
        unsigned prefix; /* mask length */
} vz_inaddr;

/* Parse "addr[/prefix]"; a missing prefix gives 32 / 128. */
int vz_inaddr_parse(const char *s, vz_inaddr *ret);
size_t vz_inaddr_len(const vz_inaddr *a);
bool vz_inaddr_equal(const vz_inaddr *a, const vz_inaddr *b);

/* Create a veth pair: name in the caller's namespace, peer (peer_name)
 * created directly in the network namespace of peer_ns_pid (0: here).
 * mac / peer_mac: 6 bytes or NULL for a random one. */
int vz_nl_veth_create(vz_nl *nl, const char *name, const unsigned char *mac, const char *peer_name,
                      const unsigned char *peer_mac, pid_t peer_ns_pid);
/* Delete a link by name; -ENODEV if there is none. */
int vz_nl_link_del(vz_nl *nl, const char *name);

/* Changes to an existing link; fields left 0 / NULL are not touched. */
typedef struct vz_link_change {
        const char *new_name;
        const unsigned char *mac; /* 6 bytes */
        unsigned mtu;
        int master; /* ifindex of a bridge; -1 = no master (detach) */
        pid_t netns_pid;
        int netns_fd; /* > 0: move into the namespace of this fd */
        bool up;
} vz_link_change;
int vz_nl_link_set(vz_nl *nl, int ifindex, const vz_link_change *c);

/* RTM_NEWADDR / RTM_DELADDR of a (with its prefix) on ifindex. */
int vz_nl_addr(vz_nl *nl, bool add, int ifindex, const vz_inaddr *a);
/* A route to dst/prefix through ifindex (scope link unless gw is given).
 * Add is exclusive: an existing route to the same destination gives
 * -EEXIST. */
int vz_nl_route(vz_nl *nl, bool add, int ifindex, const vz_inaddr *dst, const vz_inaddr *gw);
/* Proxy ARP / NDP entry (ip neigh add proxy ADDR dev IF). */
int vz_nl_neigh_proxy(vz_nl *nl, bool add, int ifindex, const vz_inaddr *a);

/* Write a value to /proc/sys/<path> (path with '/' separators). */
int vz_sysctl_write(const char *path, const char *value);

/* Open a socket in the network namespace of pid (the calling thread enters
 * it just long enough to create the socket, which stays bound to it). */
int vz_nl_open_netns(vz_nl *nl, pid_t pid);
/* The same for a network namespace fd. */
int vz_nl_open_netns_fd(vz_nl *nl, int nsfd);
/* Index of a link by name in the socket's namespace, or -errno (-ENODEV). */
int vz_nl_ifindex(vz_nl *nl, const char *name);

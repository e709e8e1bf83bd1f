/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unsolicited ARP (IPv4) and neighbour advertisements (IPv6) for a CT's
 * address on one of the host's NEIGHBOUR_DEVS: OpenVZ's `arpsend -U` in
 * vps-net_add. When a CT starts or is restored on this host (after a
 * migration every neighbour still has the old host's MAC for the address),
 * the LAN learns at once that the address now lives behind this host.
 *
 * One packet of each suffices for Linux neighbours that cached the old MAC:
 * a gratuitous ARP (sender IP == target IP, an address the receiver treats
 * as unicast) overrides an existing entry regardless of locktime
 * (arp_process / arp_is_garp), and an unsolicited NA with the override flag
 * replaces the link-layer address of an existing entry (ndisc_recv_na).
 * Neighbours without an entry are not told (arp_accept / accept_untracked_na
 * are off by default) and simply ask, which the proxy entry answers.
 *
 * Failures are not errors of the start: the CT works, neighbours just
 * learn the new path when their entry expires. They are logged at debug.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/util.h"
#include "nl.h"

/* The device's Ethernet address; -ENOTSUP for anything but Ethernet
 * (no ARP on it, nothing to announce). */
static int dev_mac(int fd, const char *dev, unsigned char mac[ETH_ALEN])
{
        struct ifreq ifr = {0};

        if (strlen(dev) >= sizeof(ifr.ifr_name))
                return -ENAMETOOLONG;
        strcpy(ifr.ifr_name, dev);
        if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
                return -errno;
        if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
                return -ENOTSUP;
        memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
        return 0;
}

static int announce4(const char *dev, int ifindex, const unsigned char ip[4])
{
        struct {
                struct arphdr h;
                unsigned char sha[ETH_ALEN], spa[4], tha[ETH_ALEN], tpa[4];
        } __attribute__((packed)) pkt = {0};
        struct sockaddr_ll to = {
            .sll_family = AF_PACKET,
            .sll_protocol = htons(ETH_P_ARP),
            .sll_ifindex = ifindex,
            .sll_halen = ETH_ALEN,
        };
        _cleanup_close_ int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
        int r;

        if (fd < 0)
                return -errno;
        r = dev_mac(fd, dev, pkt.sha);
        if (r < 0)
                return r;
        /* A request, as arpsend -U sends: sender and target both the
         * address, target MAC unknown, to the broadcast address. */
        pkt.h.ar_hrd = htons(ARPHRD_ETHER);
        pkt.h.ar_pro = htons(ETH_P_IP);
        pkt.h.ar_hln = ETH_ALEN;
        pkt.h.ar_pln = 4;
        pkt.h.ar_op = htons(ARPOP_REQUEST);
        memcpy(pkt.spa, ip, 4);
        memcpy(pkt.tpa, ip, 4);
        memset(to.sll_addr, 0xff, ETH_ALEN);
        if (sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
                return -errno;
        return 0;
}

static int announce6(const char *dev, int ifindex, const unsigned char ip[16])
{
        struct {
                struct nd_neighbor_advert na;
                struct nd_opt_hdr opt;
                unsigned char mac[ETH_ALEN];
        } __attribute__((packed)) pkt = {0};
        struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_scope_id = ifindex};
        _cleanup_close_ int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
        int hops = 255, r;

        if (fd < 0)
                return -errno;
        r = dev_mac(fd, dev, pkt.mac);
        if (r < 0)
                return r;
        /* RFC 4861 7.2.6: to all-nodes, override set, solicited clear,
         * with the target link-layer address; hop limit 255 or receivers
         * drop it. The kernel fills in the checksum (ICMPv6 raw socket). */
        pkt.na.nd_na_type = ND_NEIGHBOR_ADVERT;
        pkt.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
        memcpy(&pkt.na.nd_na_target, ip, 16);
        pkt.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
        pkt.opt.nd_opt_len = 1; /* in units of 8 bytes */
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
            setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0)
                return -errno;
        inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
        if (sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
                return -errno;
        return 0;
}

void vz_net_announce(const char *dev, const vz_inaddr *a)
{
        char s[INET6_ADDRSTRLEN] = "?";
        int idx = (int)if_nametoindex(dev), r;

        inet_ntop(a->family, a->a, s, sizeof(s));
        if (idx <= 0)
                r = -errno;
        else if (a->family == AF_INET)
                r = announce4(dev, idx, a->a);
        else
                r = announce6(dev, idx, a->a);
        if (r < 0)
                vz_debug("cannot announce %s on %s: %s", s, dev, strerror(-r));
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnetlink requests with a capacity-checked builder; see nl.h. */
#include "nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/macro.h"

/* Big enough for any request here (the largest, a veth pair, is ~150 bytes). */
#define NL_BUF 1024

struct nl_req {
        union {
                struct nlmsghdr h;
                char buf[NL_BUF];
        };
        bool overflow;
};

static void *req_reserve(struct nl_req *r, size_t len)
{
        size_t at = NLMSG_ALIGN(r->h.nlmsg_len);
        void *p;

        if (r->overflow || at + NLMSG_ALIGN(len) > sizeof(r->buf)) {
                r->overflow = true;
                return NULL;
        }
        p = r->buf + at;
        memset(p, 0, NLMSG_ALIGN(len));
        r->h.nlmsg_len = at + len;
        return p;
}

static void *req_init(struct nl_req *r, uint16_t type, uint16_t flags, size_t hdrlen)
{
        memset(&r->h, 0, sizeof(r->h));
        r->overflow = false;
        r->h.nlmsg_len = NLMSG_HDRLEN;
        r->h.nlmsg_type = type;
        r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        return req_reserve(r, hdrlen);
}

static struct rtattr *put_attr(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
        struct rtattr *a = req_reserve(r, RTA_LENGTH(len));
        if (!a)
                return NULL;
        a->rta_type = type;
        a->rta_len = RTA_LENGTH(len);
        if (len)
                memcpy(RTA_DATA(a), data, len);
        return a;
}

static void put_str(struct nl_req *r, uint16_t type, const char *s)
{
        put_attr(r, type, s, strlen(s) + 1);
}

static void put_u32(struct nl_req *r, uint16_t type, uint32_t v)
{
        put_attr(r, type, &v, sizeof(v));
}

/* Nests: start returns the attribute, end fixes its length. */
static struct rtattr *nest_start(struct nl_req *r, uint16_t type)
{
        return put_attr(r, type, NULL, 0);
}

static void nest_end(struct nl_req *r, struct rtattr *a)
{
        if (a && !r->overflow)
                a->rta_len = (char *)r->buf + r->h.nlmsg_len - (char *)a;
}

int vz_nl_open(vz_nl *nl)
{
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        nl->fd = fd;
        nl->seq = 1;
        return 0;
}

void vz_nl_close(vz_nl *nl)
{
        if (nl && nl->fd >= 0)
                close(nl->fd);
        if (nl)
                nl->fd = -1;
}

/* Send one request and wait for its ACK; returns the kernel's -errno. */
static int talk(vz_nl *nl, struct nl_req *r)
{
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
        char buf[8192];
        uint32_t seq;

        if (r->overflow)
                return -EMSGSIZE;
        seq = r->h.nlmsg_seq = ++nl->seq;
        if (sendto(nl->fd, r->buf, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        for (;;) {
                ssize_t n = recv(nl->fd, buf, sizeof(buf), 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
                     h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
                                continue;
                        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
                                return -EBADMSG;
                        return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
                }
        }
}

int vz_inaddr_parse(const char *s, vz_inaddr *ret)
{
        char host[INET6_ADDRSTRLEN + 1];
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        vz_inaddr a = {0};

        if (n >= sizeof(host))
                return -EINVAL;
        memcpy(host, s, n);
        host[n] = '\0';
        if (inet_pton(AF_INET, host, a.a) == 1)
                a.family = AF_INET;
        else if (inet_pton(AF_INET6, host, a.a) == 1)
                a.family = AF_INET6;
        else
                return -EINVAL;
        a.prefix = a.family == AF_INET ? 32 : 128;
        if (slash) {
                struct in_addr m;
                char *end;
                unsigned long p = strtoul(slash + 1, &end, 10);
                if (*end == '\0' && end != slash + 1 && p <= a.prefix)
                        a.prefix = p;
                else if (a.family == AF_INET && inet_pton(AF_INET, slash + 1, &m) == 1)
                        a.prefix = __builtin_popcount(m.s_addr); /* dotted netmask */
                else
                        return -EINVAL;
        }
        *ret = a;
        return 0;
}

size_t vz_inaddr_len(const vz_inaddr *a)
{
        return a->family == AF_INET ? 4 : 16;
}

bool vz_inaddr_equal(const vz_inaddr *a, const vz_inaddr *b)
{
        return a->family == b->family && memcmp(a->a, b->a, vz_inaddr_len(a)) == 0;
}

int vz_nl_veth_create(vz_nl *nl, const char *name, const unsigned char *mac, const char *peer_name,
                      const unsigned char *peer_mac, pid_t peer_ns_pid)
{
        struct nl_req r;
        struct rtattr *li, *data, *peer;
        struct ifinfomsg *pi;

        /* EXCL: never take over an existing device of the same name. */
        if (!req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg)))
                return -EMSGSIZE;
        put_str(&r, IFLA_IFNAME, name);
        if (mac)
                put_attr(&r, IFLA_ADDRESS, mac, 6);
        li = nest_start(&r, IFLA_LINKINFO);
        put_str(&r, IFLA_INFO_KIND, "veth");
        data = nest_start(&r, IFLA_INFO_DATA);
        /* VETH_INFO_PEER carries a whole ifinfomsg followed by the peer's
         * own link attributes (drivers/net/veth.c veth_newlink). */
        peer = nest_start(&r, VETH_INFO_PEER);
        pi = req_reserve(&r, sizeof(struct ifinfomsg));
        if (pi)
                pi->ifi_family = AF_UNSPEC;
        put_str(&r, IFLA_IFNAME, peer_name);
        if (peer_mac)
                put_attr(&r, IFLA_ADDRESS, peer_mac, 6);
        if (peer_ns_pid > 0)
                put_u32(&r, IFLA_NET_NS_PID, (uint32_t)peer_ns_pid);
        nest_end(&r, peer);
        nest_end(&r, data);
        nest_end(&r, li);
        return talk(nl, &r);
}

int vz_nl_link_del(vz_nl *nl, const char *name)
{
        struct nl_req r;

        if (!req_init(&r, RTM_DELLINK, 0, sizeof(struct ifinfomsg)))
                return -EMSGSIZE;
        put_str(&r, IFLA_IFNAME, name);
        return talk(nl, &r);
}

int vz_nl_link_set(vz_nl *nl, int ifindex, const vz_link_change *c)
{
        struct nl_req r;
        struct ifinfomsg *ifi;

        ifi = req_init(&r, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
        if (!ifi)
                return -EMSGSIZE;
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        if (c->up) {
                ifi->ifi_flags = IFF_UP;
                ifi->ifi_change = IFF_UP;
        }
        if (c->new_name)
                put_str(&r, IFLA_IFNAME, c->new_name);
        if (c->mac)
                put_attr(&r, IFLA_ADDRESS, c->mac, 6);
        if (c->mtu)
                put_u32(&r, IFLA_MTU, c->mtu);
        if (c->master)
                put_u32(&r, IFLA_MASTER, c->master < 0 ? 0 : (uint32_t)c->master);
        if (c->netns_pid > 0)
                put_u32(&r, IFLA_NET_NS_PID, (uint32_t)c->netns_pid);
        if (c->netns_fd > 0)
                put_u32(&r, IFLA_NET_NS_FD, (uint32_t)c->netns_fd);
        return talk(nl, &r);
}

int vz_nl_addr(vz_nl *nl, bool add, int ifindex, const vz_inaddr *a)
{
        struct nl_req r;
        struct ifaddrmsg *ifa;

        ifa = req_init(&r, add ? RTM_NEWADDR : RTM_DELADDR, add ? NLM_F_CREATE | NLM_F_REPLACE : 0,
                       sizeof(struct ifaddrmsg));
        if (!ifa)
                return -EMSGSIZE;
        ifa->ifa_family = a->family;
        ifa->ifa_prefixlen = a->prefix;
        ifa->ifa_index = ifindex;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        /* IPv6: no duplicate address detection on a point-to-point veth;
         * the address must be usable at once (flag attribute, kernel 3.14). */
        if (a->family == AF_INET6)
                put_u32(&r, IFA_FLAGS, IFA_F_NODAD);
        put_attr(&r, IFA_LOCAL, a->a, vz_inaddr_len(a));
        put_attr(&r, IFA_ADDRESS, a->a, vz_inaddr_len(a));
        return talk(nl, &r);
}

int vz_nl_route(vz_nl *nl, bool add, int ifindex, const vz_inaddr *dst, const vz_inaddr *gw)
{
        struct nl_req r;
        struct rtmsg *rt;

        rt = req_init(&r, add ? RTM_NEWROUTE : RTM_DELROUTE, add ? NLM_F_CREATE | NLM_F_EXCL : 0,
                      sizeof(struct rtmsg));
        if (!rt)
                return -EMSGSIZE;
        rt->rtm_family = dst->family;
        rt->rtm_dst_len = dst->prefix;
        rt->rtm_table = RT_TABLE_MAIN;
        rt->rtm_protocol = RTPROT_STATIC;
        rt->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
        rt->rtm_type = RTN_UNICAST;
        if (!add) {
                /* Match any protocol/scope on delete. */
                rt->rtm_protocol = 0;
                rt->rtm_scope = RT_SCOPE_NOWHERE;
        }
        if (dst->prefix)
                put_attr(&r, RTA_DST, dst->a, vz_inaddr_len(dst));
        if (gw)
                put_attr(&r, RTA_GATEWAY, gw->a, vz_inaddr_len(gw));
        put_u32(&r, RTA_OIF, (uint32_t)ifindex);
        return talk(nl, &r);
}

int vz_nl_neigh_proxy(vz_nl *nl, bool add, int ifindex, const vz_inaddr *a)
{
        struct nl_req r;
        struct ndmsg *nd;

        nd = req_init(&r, add ? RTM_NEWNEIGH : RTM_DELNEIGH, add ? NLM_F_CREATE | NLM_F_REPLACE : 0,
                      sizeof(struct ndmsg));
        if (!nd)
                return -EMSGSIZE;
        nd->ndm_family = a->family;
        nd->ndm_ifindex = ifindex;
        nd->ndm_flags = NTF_PROXY;
        nd->ndm_state = NUD_PERMANENT;
        put_attr(&r, NDA_DST, a->a, vz_inaddr_len(a));
        return talk(nl, &r);
}

int vz_sysctl_write(const char *path, const char *value)
{
        char p[256];
        size_t len = strlen(value);
        int fd, r = 0;

        if (snprintf(p, sizeof(p), "/proc/sys/%s", path) >= (int)sizeof(p))
                return -ENAMETOOLONG;
        fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, value, len) != (ssize_t)len)
                r = errno ? -errno : -EIO;
        close(fd);
        return r;
}

int vz_nl_open_netns_fd(vz_nl *nl, int ns)
{
        int self, r;

        self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return -errno;
        if (setns(ns, CLONE_NEWNET) < 0) {
                r = -errno;
        } else {
                r = vz_nl_open(nl);
                /* Going back cannot fail for host root; if it did, this
                 * process would keep working in the CT's namespace. */
                if (setns(self, CLONE_NEWNET) < 0) {
                        if (r == 0)
                                vz_nl_close(nl);
                        r = -errno;
                }
        }
        close(self);
        return r;
}

int vz_nl_open_netns(vz_nl *nl, pid_t pid)
{
        char p[64];
        int ns, r;

        snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
        ns = open(p, O_RDONLY | O_CLOEXEC);
        if (ns < 0)
                return -errno;
        r = vz_nl_open_netns_fd(nl, ns);
        close(ns);
        return r;
}

int vz_nl_ifindex(vz_nl *nl, const char *name)
{
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
        struct nl_req r;
        char buf[8192];
        uint32_t seq;

        /* No ACK flag: the answer is the RTM_NEWLINK itself or an error. */
        if (!req_init(&r, RTM_GETLINK, 0, sizeof(struct ifinfomsg)))
                return -EMSGSIZE;
        r.h.nlmsg_flags = NLM_F_REQUEST;
        put_str(&r, IFLA_IFNAME, name);
        put_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        if (r.overflow)
                return -EMSGSIZE;
        seq = r.h.nlmsg_seq = ++nl->seq;
        if (sendto(nl->fd, r.buf, r.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        for (;;) {
                ssize_t n = recv(nl->fd, buf, sizeof(buf), MSG_TRUNC);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if ((size_t)n > sizeof(buf))
                        n = sizeof(buf); /* only the header matters */
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
                     h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_seq != seq)
                                continue;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
                                return err < 0 ? err : -ENODEV;
                        }
                        if (h->nlmsg_type == RTM_NEWLINK)
                                return ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
                }
        }
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nf_tables through raw NETLINK_NETFILTER batches (no libnftnl: the
 * supervisor is linked statically and Debian ships no static libnftnl).
 * Only what vz needs: one table per CT holding the anti-spoofing rule of
 * its routed device, created and deleted as a whole.
 *
 * The rule, in nft syntax:
 *   table inet vz_<CTID> {
 *     chain antispoof {
 *       type filter hook prerouting priority raw; policy accept;
 *       iifname "venet<CTID>" fib saddr . iif oif 0 counter drop
 *     }
 *   }
 * "fib saddr . iif" looks the packet's source up in the host's routing
 * table and yields the device the route goes through, but only if that is
 * the input device. The only routes through venet<CTID> are the host
 * routes of the CT's own addresses (and fe80::/64 for its link-local
 * one), so a source that is not the CT's is dropped, IPv4 and IPv6 alike,
 * and the rule follows --ipadd/--ipdel without being touched.
 */
#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NFT_BUF 2048
#define IFNAMSZ 16

struct batch {
        char buf[NFT_BUF];
        size_t len;   /* bytes used */
        size_t msg;   /* offset of the message being built */
        uint32_t seq; /* sequence number of the last message */
        unsigned nacks;
        bool overflow;
};

static void *reserve(struct batch *b, size_t len)
{
        size_t at = NLMSG_ALIGN(b->len);
        void *p;

        if (b->overflow || at + NLMSG_ALIGN(len) > sizeof(b->buf)) {
                b->overflow = true;
                return NULL;
        }
        p = b->buf + at;
        memset(p, 0, NLMSG_ALIGN(len));
        b->len = at + len;
        return p;
}

static void msg_end(struct batch *b)
{
        if (!b->overflow)
                ((struct nlmsghdr *)(b->buf + b->msg))->nlmsg_len = b->len - b->msg;
        b->len = NLMSG_ALIGN(b->len);
}

/* A message with its nfgenmsg header; ack: the kernel answers it. */
static void msg_begin(struct batch *b, uint16_t type, uint16_t flags, uint8_t family,
                      uint16_t res_id, bool ack)
{
        struct nlmsghdr *h;
        struct nfgenmsg *g;

        b->msg = NLMSG_ALIGN(b->len);
        h = reserve(b, NLMSG_HDRLEN);
        g = reserve(b, sizeof(*g));
        if (!h || !g)
                return;
        h->nlmsg_type = type;
        h->nlmsg_flags = NLM_F_REQUEST | flags | (ack ? NLM_F_ACK : 0);
        h->nlmsg_seq = ++b->seq;
        g->nfgen_family = family;
        g->version = NFNETLINK_V0;
        g->res_id = htons(res_id);
        if (ack)
                b->nacks++;
}

static struct nlattr *put(struct batch *b, uint16_t type, const void *data, size_t len)
{
        struct nlattr *a = reserve(b, NLA_HDRLEN + len);
        if (!a)
                return NULL;
        a->nla_type = type;
        a->nla_len = NLA_HDRLEN + len;
        if (len)
                memcpy((char *)a + NLA_HDRLEN, data, len);
        return a;
}

static void put_str(struct batch *b, uint16_t type, const char *s)
{
        put(b, type, s, strlen(s) + 1);
}

/* nf_tables numbers are big-endian. */
static void put_be32(struct batch *b, uint16_t type, uint32_t v)
{
        v = htonl(v);
        put(b, type, &v, sizeof(v));
}

static struct nlattr *nest(struct batch *b, uint16_t type)
{
        return put(b, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct batch *b, struct nlattr *a)
{
        if (a && !b->overflow)
                a->nla_len = b->buf + b->len - (char *)a;
}

static void batch_init(struct batch *b)
{
        b->len = 0;
        b->seq = 0;
        b->nacks = 0;
        b->overflow = false;
        msg_begin(b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, false);
        msg_end(b);
}

static void nft_msg(struct batch *b, uint16_t type, uint16_t flags)
{
        msg_begin(b, (NFNL_SUBSYS_NFTABLES << 8) | type, flags, NFPROTO_INET, 0, true);
}

/* Send the batch and collect one answer per message that asked for one;
 * the first error wins. */
static int batch_send(struct batch *b)
{
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
        char buf[4096];
        unsigned got = 0;
        int fd, err = 0;
        uint32_t first;

        msg_begin(b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, false);
        msg_end(b);
        if (b->overflow)
                return -EMSGSIZE;
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        if (fd < 0)
                return -errno;
        if (sendto(fd, b->buf, b->len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                err = -errno;
                goto out;
        }
        first = 2; /* the batch begin took sequence 1 */
        while (got < b->nacks) {
                ssize_t n = recv(fd, buf, sizeof(buf), 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        err = err ? err : -errno;
                        break;
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
                     h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < first ||
                            h->nlmsg_seq > b->seq)
                                continue;
                        got++;
                        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
                                err = err ? err : -EBADMSG;
                        else if (!err)
                                err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
                }
        }
out:
        close(fd);
        return err;
}

/* One expression of a rule: the caller fills NFTA_EXPR_DATA. */
static struct nlattr *expr_begin(struct batch *b, const char *name, struct nlattr **data)
{
        struct nlattr *e = nest(b, NFTA_LIST_ELEM);
        put_str(b, NFTA_EXPR_NAME, name);
        *data = nest(b, NFTA_EXPR_DATA);
        return e;
}

static void expr_end(struct batch *b, struct nlattr *e, struct nlattr *data)
{
        nest_end(b, data);
        nest_end(b, e);
}

static void expr_cmp_eq(struct batch *b, const void *value, size_t len)
{
        struct nlattr *d, *e = expr_begin(b, "cmp", &d), *v;
        put_be32(b, NFTA_CMP_SREG, NFT_REG_1);
        put_be32(b, NFTA_CMP_OP, NFT_CMP_EQ);
        v = nest(b, NFTA_CMP_DATA);
        put(b, NFTA_DATA_VALUE, value, len);
        nest_end(b, v);
        expr_end(b, e, d);
}

int vz_nft_antispoof_add(const char *table, const char *ifname)
{
        static const char chain[] = "antispoof";
        struct batch b;
        struct nlattr *h, *exprs, *e, *d, *v, *vd;
        char name[IFNAMSZ] = {0};
        uint32_t zero = 0;

        if (strlen(ifname) >= IFNAMSZ)
                return -ENAMETOOLONG;
        strcpy(name, ifname);
        batch_init(&b);

        nft_msg(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
        put_str(&b, NFTA_TABLE_NAME, table);
        msg_end(&b);

        nft_msg(&b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
        put_str(&b, NFTA_CHAIN_TABLE, table);
        put_str(&b, NFTA_CHAIN_NAME, chain);
        h = nest(&b, NFTA_CHAIN_HOOK);
        put_be32(&b, NFTA_HOOK_HOOKNUM, NF_INET_PRE_ROUTING);
        put_be32(&b, NFTA_HOOK_PRIORITY, (uint32_t)NF_IP_PRI_RAW);
        nest_end(&b, h);
        put_be32(&b, NFTA_CHAIN_POLICY, NF_ACCEPT);
        put_str(&b, NFTA_CHAIN_TYPE, "filter");
        msg_end(&b);

        nft_msg(&b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
        put_str(&b, NFTA_RULE_TABLE, table);
        put_str(&b, NFTA_RULE_CHAIN, chain);
        exprs = nest(&b, NFTA_RULE_EXPRESSIONS);
        /* iifname "venet<CTID>" (a name, not an index: it stays right if
         * the device is made again under the same name) */
        e = expr_begin(&b, "meta", &d);
        put_be32(&b, NFTA_META_DREG, NFT_REG_1);
        put_be32(&b, NFTA_META_KEY, NFT_META_IIFNAME);
        expr_end(&b, e, d);
        expr_cmp_eq(&b, name, sizeof(name));
        /* fib saddr . iif oif == 0 */
        e = expr_begin(&b, "fib", &d);
        put_be32(&b, NFTA_FIB_DREG, NFT_REG_1);
        put_be32(&b, NFTA_FIB_RESULT, NFT_FIB_RESULT_OIF);
        put_be32(&b, NFTA_FIB_FLAGS, NFTA_FIB_F_SADDR | NFTA_FIB_F_IIF);
        expr_end(&b, e, d);
        expr_cmp_eq(&b, &zero, sizeof(zero));
        /* counter drop: the counter shows an admin (and the tests) what
         * was refused. */
        e = expr_begin(&b, "counter", &d);
        expr_end(&b, e, d);
        e = expr_begin(&b, "immediate", &d);
        put_be32(&b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
        v = nest(&b, NFTA_IMMEDIATE_DATA);
        vd = nest(&b, NFTA_DATA_VERDICT);
        put_be32(&b, NFTA_VERDICT_CODE, NF_DROP);
        nest_end(&b, vd);
        nest_end(&b, v);
        expr_end(&b, e, d);
        nest_end(&b, exprs);
        msg_end(&b);

        return batch_send(&b);
}

int vz_nft_table_del(const char *table)
{
        struct batch b;

        batch_init(&b);
        nft_msg(&b, NFT_MSG_DELTABLE, 0);
        put_str(&b, NFTA_TABLE_NAME, table);
        msg_end(&b);
        return batch_send(&b);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's network, set up from the host with rtnetlink (nl.c).
 *
 * Routed mode (OpenVZ venet, IP_ADDRESS). OpenVZ had a shared venet device
 * and a kernel table of CT addresses; a stock kernel has neither, so each CT
 * gets a veth pair: "venet0" inside carries all its addresses (as /32 and
 * /128, like venet without USE_VENET_MASK) and its default routes, the host
 * end "venet<CTID>" gets one host route per address. Then:
 *  - IPv4: the CT ARPs for every destination on venet0; proxy_arp on the host
 *    end answers for anything the host routes elsewhere (other CTs) and the
 *    kernel answers for its own addresses anyway. forwarding is enabled on
 *    the host end only (IPv4 forwarding is decided per input device).
 *  - IPv6: the CT's default route goes via fe80::1, an address of the host
 *    end, so neighbour discovery needs no proxy on the host end.
 *  - Anti-spoofing (IPv4): rp_filter=1 (strict) on the host end. The only
 *    routes through it are the /32 host routes of the CT's own addresses, so
 *    a packet whose source is anything else fails the reverse-path check and
 *    is dropped, exactly as venet refused foreign sources.
 *  - Proxy ARP / NDP entries for each address on the devices named in
 *    NEIGHBOUR_DEVS ("list:eth0 eth1" or plain names), so that neighbours of
 *    the host's LAN reach the CT.
 *
 * Bridged mode (OpenVZ veth, NETIF): one veth pair per entry, the CT end
 * named as given, the host end (default veth<CTID>.<N>) attached to the
 * bridge if one is named. MACs not given are derived from the CTID and the
 * device name (stable across restarts), locally administered.
 *
 * Everything added on the host is recorded in <VZ_RUNDIR>/<CTID>.net, so
 * vz_net_stop removes it even when the running CT got addresses live that
 * were never saved in its config (the supervisor only knows the config it
 * started with).
 */
#include "net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/err.h"
#include "basic/log.h"
#include "basic/util.h"
#include "nft.h"
#include "nl.h"

#define VENET_CT_NAME "venet0"
#define IFNAMSIZ_VZ   16 /* IFNAMSIZ, without pulling in <net/if.h> */

static void nl_closep(vz_nl *nl)
{
        vz_nl_close(nl);
}
#define _cleanup_nl_ _cleanup_(nl_closep)

/* The IPv6 next hop of every CT: an address of the host end of its pair. */
static const vz_inaddr host_ll6 = {.family = AF_INET6, .a = {0xfe, 0x80, [15] = 1}, .prefix = 64};

static void venet_host_name(const vz_ct *ct, char buf[IFNAMSIZ_VZ])
{
        /* "venet" + at most 10 digits: always fits in 15 characters. */
        snprintf(buf, IFNAMSIZ_VZ, "venet%u", vz_ct_id(ct));
}

/* The CT's nf_tables table on the host (nft.c): "vz_<CTID>". */
static void nft_table_name(const vz_ct *ct, char buf[32])
{
        snprintf(buf, 32, "vz_%u", vz_ct_id(ct));
}

static char *state_path(const vz_ct *ct)
{
        const char *dir = vz_ct_get(ct, "VZ_RUNDIR");
        return vz_strdupf("%s/%u.net", isempty(dir) ? "/run/vz" : dir, vz_ct_id(ct));
}

static const char *addr_str(const vz_inaddr *a, char buf[INET6_ADDRSTRLEN])
{
        return inet_ntop(a->family, a->a, buf, INET6_ADDRSTRLEN) ? buf : "?";
}

/* ------------------------------------------------------------ address lists */

/* Parse a space-separated IP_ADDRESS value; prefixes are dropped (the CT
 * gets host addresses, as on venet). Unparsable words are skipped: the
 * config layer validated the list already. */
static int parse_ips(const char *list, vz_inaddr **ret, size_t *ret_n)
{
        _cleanup_strv_free_ char **v = NULL;
        _cleanup_free_ vz_inaddr *a = NULL;
        size_t n = 0;
        int r = vz_strv_split(list ? list : "", " \t\n", &v);

        if (r < 0)
                return r;
        a = calloc(vz_strv_length(v) + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; v[i]; i++) {
                vz_inaddr x;
                static const unsigned char zero[16];
                if (vz_inaddr_parse(v[i], &x) < 0 || memcmp(x.a, zero, vz_inaddr_len(&x)) == 0)
                        continue;
                x.prefix = x.family == AF_INET ? 32 : 128;
                a[n++] = x;
        }
        *ret = TAKE_PTR(a);
        *ret_n = n;
        return 0;
}

static bool ips_contain(const vz_inaddr *v, size_t n, const vz_inaddr *x)
{
        for (size_t i = 0; i < n; i++)
                if (vz_inaddr_equal(&v[i], x))
                        return true;
        return false;
}

/* Devices for proxy entries: NEIGHBOUR_DEVS "list:eth0 eth1" or bare names.
 * "all" and "detect" (pick interfaces by their addresses / routes) are not
 * implemented: they give no entries. */
static int neighbour_devs(const vz_ct *ct, char ***ret)
{
        const char *v = vz_ct_get(ct, "NEIGHBOUR_DEVS");
        _cleanup_strv_free_ char **w = NULL;
        int r;

        if (isempty(v) || streq(v, "all") || streq(v, "detect"))
                return vz_strv_split("", " ", ret);
        if (vz_startswith(v, "list:"))
                v += 5;
        r = vz_strv_split(v, " \t", &w);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(w);
        return 0;
}

/* ------------------------------------------------------------ state file */

/* Rewrite the record of what is on the host for this CT. */
static int state_write(const vz_ct *ct, const vz_inaddr *ips, size_t n, char **ndevs, char **links,
                       char **netdevs)
{
        _cleanup_free_ char *p = state_path(ct);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f;

        if (!p)
                return -ENOMEM;
        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; links && links[i]; i++)
                fprintf(f, "link %s\n", links[i]);
        for (size_t i = 0; netdevs && netdevs[i]; i++)
                fprintf(f, "netdev %s\n", netdevs[i]);
        for (size_t i = 0; i < n; i++) {
                char s[INET6_ADDRSTRLEN];
                addr_str(&ips[i], s);
                fprintf(f, "route %s\n", s);
                for (size_t d = 0; ndevs && ndevs[d]; d++)
                        fprintf(f, "proxy %s %s\n", ndevs[d], s);
        }
        if (fclose(f) != 0 || !buf)
                return -ENOMEM;
        if (len == 0) {
                (void)unlink(p);
                return 0;
        }
        return vz_write_file_replace(p, buf, len, 0600);
}

/* Host-side names of the CT's current devices: venet<CTID> (if it has
 * routed addresses) and the host end of every NETIF entry. */
struct netif {
        char ifname[IFNAMSIZ_VZ];
        char host_ifname[IFNAMSIZ_VZ];
        char bridge[IFNAMSIZ_VZ];
        unsigned char mac[6], host_mac[6];
};

static int parse_mac(const char *s, unsigned char mac[6])
{
        unsigned v[6];
        char end;
        if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
                return -EINVAL;
        for (int i = 0; i < 6; i++) {
                if (v[i] > 255)
                        return -EINVAL;
                mac[i] = v[i];
        }
        return 0;
}

/* Stable MAC: FNV-1a of "<CTID>/<name>", locally administered unicast. */
static void gen_mac(unsigned ctid, const char *name, unsigned char mac[6])
{
        char s[64];
        uint64_t h = 1469598103934665603ULL;

        snprintf(s, sizeof(s), "%u/%s", ctid, name);
        for (const char *c = s; *c; c++)
                h = (h ^ (unsigned char)*c) * 1099511628211ULL;
        for (int i = 0; i < 6; i++)
                mac[i] = h >> (8 * i);
        mac[0] = (mac[0] & 0xfc) | 0x02;
}

static int copy_name(char dst[IFNAMSIZ_VZ], const char *s)
{
        if (strlen(s) >= IFNAMSIZ_VZ)
                return -ENAMETOOLONG;
        strcpy(dst, s);
        return 0;
}

/* One NETIF entry "ifname=..,mac=..,host_ifname=..,host_mac=..,bridge=..". */
static int parse_netif(unsigned ctid, const char *entry, size_t idx, struct netif *ret)
{
        _cleanup_strv_free_ char **f = NULL;
        struct netif n = {0};
        bool mac = false, host_mac = false;
        int r = vz_strv_split(entry, ",", &f);

        if (r < 0)
                return r;
        for (size_t i = 0; f[i]; i++) {
                char *eq = strchr(f[i], '=');
                if (!eq)
                        return -EINVAL;
                *eq++ = '\0';
                if (streq(f[i], "ifname"))
                        r = copy_name(n.ifname, eq);
                else if (streq(f[i], "host_ifname"))
                        r = copy_name(n.host_ifname, eq);
                else if (streq(f[i], "bridge"))
                        r = copy_name(n.bridge, eq);
                else if (streq(f[i], "mac"))
                        r = parse_mac(eq, n.mac), mac = true;
                else if (streq(f[i], "host_mac"))
                        r = parse_mac(eq, n.host_mac), host_mac = true;
                if (r < 0)
                        return r;
        }
        if (!n.ifname[0])
                return -EINVAL;
        if (!n.host_ifname[0]) {
                /* OpenVZ: veth<CTID>.<N>, N the number in the CT-side name. */
                const char *d = n.ifname;
                char s[32];
                while (*d && !isdigit((unsigned char)*d))
                        d++;
                if (*d)
                        snprintf(s, sizeof(s), "veth%u.%s", ctid, d);
                else
                        snprintf(s, sizeof(s), "veth%u.%zu", ctid, idx);
                r = copy_name(n.host_ifname, s);
                if (r < 0)
                        return r;
        }
        if (!mac)
                gen_mac(ctid, n.ifname, n.mac);
        if (!host_mac)
                gen_mac(ctid, n.host_ifname, n.host_mac);
        *ret = n;
        return 0;
}

static int parse_netifs(unsigned ctid, const char *value, struct netif **ret, size_t *ret_n)
{
        _cleanup_strv_free_ char **v = NULL;
        _cleanup_free_ struct netif *a = NULL;
        size_t n = 0;
        int r = vz_strv_split(value ? value : "", ";", &v);

        if (r < 0)
                return r;
        a = calloc(vz_strv_length(v) + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; v[i]; i++) {
                r = parse_netif(ctid, v[i], i, &a[n]);
                if (r < 0)
                        return r;
                n++;
        }
        *ret = TAKE_PTR(a);
        *ret_n = n;
        return 0;
}

static int record_state(const vz_ct *ct, const vz_inaddr *ips, size_t n, bool venet,
                        const struct netif *nifs, size_t nn, char **netdevs)
{
        _cleanup_strv_free_ char **ndevs = NULL, **links = NULL;
        char name[IFNAMSIZ_VZ];
        int r = neighbour_devs(ct, &ndevs);

        if (r < 0)
                return r;
        if (venet) {
                venet_host_name(ct, name);
                r = vz_strv_push(&links, name);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < nn; i++) {
                r = vz_strv_push(&links, nifs[i].host_ifname);
                if (r < 0)
                        return r;
        }
        return state_write(ct, ips, n, ndevs, links, netdevs);
}

/* The values of the state file's lines starting with "<key> ". */
static int state_read(const vz_ct *ct, const char *key, char ***ret)
{
        _cleanup_free_ char *p = state_path(ct), *buf = NULL;
        _cleanup_strv_free_ char **lines = NULL, **v = NULL;
        size_t kl = strlen(key);
        int r;

        if (!p)
                return -ENOMEM;
        r = vz_read_file(p, 1 << 20, &buf, NULL);
        if (r < 0 && r != -ENOENT)
                return r;
        r = vz_strv_split(buf ? buf : "", "\n", &lines);
        if (r >= 0)
                r = vz_strv_split("", " ", &v);
        if (r < 0)
                return r;
        for (size_t i = 0; lines[i]; i++)
                if (strncmp(lines[i], key, kl) == 0 && lines[i][kl] == ' ') {
                        r = vz_strv_push(&v, lines[i] + kl + 1);
                        if (r < 0)
                                return r;
                }
        *ret = TAKE_PTR(v);
        return 0;
}

/* Addresses with a host route recorded in the state file (what is live). */
static int state_read_ips(const vz_ct *ct, vz_inaddr **ret, size_t *ret_n)
{
        _cleanup_free_ char *list = NULL;
        _cleanup_strv_free_ char **ips = NULL;
        int r = state_read(ct, "route", &ips);

        if (r < 0)
                return r;
        list = vz_strv_join(ips, " ");
        if (!list)
                return -ENOMEM;
        return parse_ips(list, ret, ret_n);
}

int vz_net_live_ips(const vz_ct *ct, char **ret)
{
        _cleanup_free_ vz_inaddr *v = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, len = 0;
        FILE *f;
        int r = state_read_ips(ct, &v, &n);

        if (r < 0)
                return r;
        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char a[INET6_ADDRSTRLEN];
                fprintf(f, "%s%s", i ? " " : "", addr_str(&v[i], a));
        }
        if (fclose(f) != 0 || !buf)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

int vz_net_live_change(const vz_ct *ct, const vz_changes *ch, char **ret_before, char **ret_after)
{
        _cleanup_free_ char *before = NULL, *after = NULL;
        vz_conffile *scratch;
        const char *v;
        int r;

        r = vz_net_live_ips(ct, &before);
        if (r < 0)
                return r;
        scratch = vz_conffile_new();
        if (!scratch)
                return -ENOMEM;
        r = vz_conffile_set(scratch, "IP_ADDRESS", before);
        if (r >= 0)
                r = vz_changes_apply(ch, scratch, NULL, NULL, NULL);
        v = vz_conffile_get(scratch, "IP_ADDRESS");
        after = strdup(v ? v : "");
        vz_conffile_free(scratch);
        if (r < 0)
                return r;
        if (!after)
                return -ENOMEM;
        *ret_before = TAKE_PTR(before);
        *ret_after = TAKE_PTR(after);
        return 0;
}

/* ------------------------------------------------------------ routed mode */

struct venet {
        vz_nl host, ct;
        int hidx, cidx;
        char **ndevs;
};

static void venet_done(struct venet *v)
{
        vz_nl_close(&v->host);
        vz_nl_close(&v->ct);
        vz_strv_free(v->ndevs);
}

static void host_sysctl(const char *fam, const char *dev, const char *key, const char *val)
{
        char p[128];
        int r;

        snprintf(p, sizeof(p), "net/%s/conf/%s/%s", fam, dev, key);
        r = vz_sysctl_write(p, val);
        /* IPv6 may be disabled on the host: its knobs are then absent. */
        if (r < 0 && !(r == -ENOENT && streq(fam, "ipv6")))
                vz_warn("cannot set %s: %s", p, strerror(-r));
}

/* IPv6 forwards only what comes in while net.ipv6.conf.all.forwarding is 1,
 * which would turn the whole host into a router; since 6.17 a device's
 * force_forwarding lets just the packets arriving on it be forwarded (CT to
 * CT, CT to LAN, and LAN to CT on NEIGHBOUR_DEVS). Older kernels need the
 * admin to set all.forwarding, as OpenVZ's IPv6 setup always did. */
static void ipv6_forwarding(const char *dev)
{
        char p[128];
        int r;

        snprintf(p, sizeof(p), "net/ipv6/conf/%s/force_forwarding", dev);
        r = vz_sysctl_write(p, "1");
        if (r == -ENOENT && access("/proc/sys/net/ipv6/conf/all/forwarding", F_OK) == 0) {
                _cleanup_free_ char *all = NULL;
                if (vz_read_file("/proc/sys/net/ipv6/conf/all/forwarding", 64, &all, NULL) == 0 &&
                    all[0] != '1')
                        vz_warn("IPv6 packets of CTs are not forwarded: this kernel has no "
                                "force_forwarding; set net.ipv6.conf.all.forwarding=1");
        } else if (r < 0 && r != -ENOENT)
                vz_warn("cannot set %s: %s", p, strerror(-r));
}

/* Open both ends; create the pair first if it is not there (create). */
static int venet_open(const vz_ct *ct, pid_t pid, bool create, struct venet *v, vz_err *e)
{
        char name[IFNAMSIZ_VZ];
        vz_link_change up = {.up = true};
        int r;

        *v = (struct venet){.host = {.fd = -1}, .ct = {.fd = -1}};
        venet_host_name(ct, name);
        r = neighbour_devs(ct, &v->ndevs);
        if (r < 0)
                return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        r = vz_nl_open(&v->host);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot open rtnetlink socket: %s", strerror(-r));
        r = vz_nl_open_netns(&v->ct, pid);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot enter the network namespace of CT %u: %s",
                               vz_ct_id(ct), strerror(-r));
        v->hidx = vz_nl_ifindex(&v->host, name);
        if (v->hidx > 0 || !create)
                goto have_pair;
        /* The CT end is created directly in the CT's namespace, so its name
         * never meets the host's devices. */
        r = vz_nl_veth_create(&v->host, name, NULL, VENET_CT_NAME, NULL, pid);
        if (r < 0)
                return vz_fail(e, VZ_VETH_ERROR_CODE, r, "cannot create veth pair %s/%s: %s", name,
                               VENET_CT_NAME, strerror(-r));
        v->hidx = vz_nl_ifindex(&v->host, name);
        if (v->hidx < 0)
                return vz_fail(e, VZ_VETH_ERROR_CODE, v->hidx, "%s vanished", name);
        host_sysctl("ipv4", name, "rp_filter", "1");
        host_sysctl("ipv4", name, "proxy_arp", "1");
        host_sysctl("ipv4", name, "forwarding", "1");
        host_sysctl("ipv4", name, "send_redirects", "0");
        host_sysctl("ipv6", name, "accept_dad", "0");
        host_sysctl("ipv6", name, "forwarding", "1");
        ipv6_forwarding(name);
        /* rp_filter is IPv4 only: the nf_tables rule covers both families
         * (a table left by a crashed run of this CT is replaced). */
        {
                char table[32];
                nft_table_name(ct, table);
                (void)vz_nft_table_del(table);
                r = vz_nft_antispoof_add(table, name);
                if (r < 0)
                        return vz_fail(e, VZ_VETH_ERROR_CODE, r,
                                       "cannot set up anti-spoofing for %s (nf_tables): %s", name,
                                       strerror(-r));
        }
        r = vz_nl_link_set(&v->host, v->hidx, &up);
        if (r < 0)
                return vz_fail(e, VZ_VETH_ERROR_CODE, r, "cannot bring %s up: %s", name,
                               strerror(-r));
        r = vz_nl_addr(&v->host, true, v->hidx, &host_ll6);
        if (r < 0 && r != -EAFNOSUPPORT)
                vz_warn("cannot add fe80::1 to %s: %s", name, strerror(-r));
have_pair:
        if (v->hidx < 0)
                return v->hidx;
        v->cidx = vz_nl_ifindex(&v->ct, VENET_CT_NAME);
        if (v->cidx < 0)
                return vz_fail(e, VZ_VETH_ERROR_CODE, v->cidx, "no %s in CT %u", VENET_CT_NAME,
                               vz_ct_id(ct));
        if (create) {
                static const vz_inaddr def4 = {.family = AF_INET};
                static const vz_inaddr def6 = {.family = AF_INET6};
                r = vz_nl_link_set(&v->ct, v->cidx, &up);
                if (r < 0)
                        return vz_fail(e, VZ_VETH_ERROR_CODE, r, "cannot bring %s up: %s",
                                       VENET_CT_NAME, strerror(-r));
                /* venet had no neighbours: every destination is on-link. */
                r = vz_nl_route(&v->ct, true, v->cidx, &def4, NULL);
                if (r < 0 && r != -EEXIST)
                        return vz_fail(e, VZ_E_CANT_ADDIP_CODE, r, "cannot add default route: %s",
                                       strerror(-r));
                r = vz_nl_route(&v->ct, true, v->cidx, &def6, &host_ll6);
                if (r < 0 && r != -EEXIST && r != -EAFNOSUPPORT)
                        vz_warn("CT %u: cannot add IPv6 default route: %s", vz_ct_id(ct),
                                strerror(-r));
        }
        return 0;
}

static int venet_add_ip(const vz_ct *ct, struct venet *v, const vz_inaddr *a, vz_err *e)
{
        char s[INET6_ADDRSTRLEN];
        int r;

        addr_str(a, s);
        /* Exclusive: a route to this address through another CT's device
         * means the address is in use on this host. */
        r = vz_nl_route(&v->host, true, v->hidx, a, NULL);
        if (r == -EEXIST)
                return vz_fail(e, VZ_E_IP_INUSE, r, "IP address %s is already in use", s);
        if (r < 0)
                return vz_fail(e, VZ_E_CANT_ADDIP_CODE, r, "cannot add route to %s: %s", s,
                               strerror(-r));
        r = vz_nl_addr(&v->ct, true, v->cidx, a);
        if (r < 0) {
                (void)vz_nl_route(&v->host, false, v->hidx, a, NULL);
                return vz_fail(e, VZ_E_CANT_ADDIP_CODE, r, "CT %u: cannot add address %s: %s",
                               vz_ct_id(ct), s, strerror(-r));
        }
        for (size_t i = 0; v->ndevs[i]; i++) {
                int idx = vz_nl_ifindex(&v->host, v->ndevs[i]);
                /* The kernel answers for a proxy entry only on a device
                 * that forwards (IPv4: arp_process; IPv6: ndisc_recv_ns
                 * also wants proxy_ndp). The admin chose these devices. */
                if (idx > 0 && a->family == AF_INET)
                        host_sysctl("ipv4", v->ndevs[i], "forwarding", "1");
                else if (idx > 0) {
                        host_sysctl("ipv6", v->ndevs[i], "proxy_ndp", "1");
                        ipv6_forwarding(v->ndevs[i]);
                }
                r = idx < 0 ? idx : vz_nl_neigh_proxy(&v->host, true, idx, a);
                if (r < 0)
                        vz_warn("cannot add proxy entry for %s on %s: %s", s, v->ndevs[i],
                                strerror(-r));
                else
                        vz_net_announce(v->ndevs[i], a);
        }
        return 0;
}

static void venet_del_ip(struct venet *v, const vz_inaddr *a)
{
        (void)vz_nl_route(&v->host, false, v->hidx, a, NULL);
        if (v->cidx > 0)
                (void)vz_nl_addr(&v->ct, false, v->cidx, a);
        for (size_t i = 0; v->ndevs[i]; i++) {
                int idx = vz_nl_ifindex(&v->host, v->ndevs[i]);
                if (idx > 0)
                        (void)vz_nl_neigh_proxy(&v->host, false, idx, a);
        }
}

/* ------------------------------------------------------------ bridged mode */

static int netif_create(const vz_ct *ct, vz_nl *host, const struct netif *n, pid_t pid, vz_err *e)
{
        vz_link_change c = {.up = true};
        vz_nl cnl = {.fd = -1};
        int idx, r;

        r = vz_nl_veth_create(host, n->host_ifname, n->host_mac, n->ifname, n->mac, pid);
        if (r == -EEXIST) {
                /* A leftover of a crashed run of this CT (the names are ours). */
                (void)vz_nl_link_del(host, n->host_ifname);
                r = vz_nl_veth_create(host, n->host_ifname, n->host_mac, n->ifname, n->mac, pid);
        }
        if (r < 0)
                return vz_fail(e, VZ_VETH_ERROR_CODE, r, "CT %u: cannot create veth %s/%s: %s",
                               vz_ct_id(ct), n->host_ifname, n->ifname, strerror(-r));
        idx = vz_nl_ifindex(host, n->host_ifname);
        if (idx < 0)
                return vz_fail(e, VZ_VETH_ERROR_CODE, idx, "%s vanished", n->host_ifname);
        if (n->bridge[0]) {
                int br = vz_nl_ifindex(host, n->bridge);
                c.master = br;
                if (br < 0)
                        return vz_fail(e, VZ_VETH_ERROR_CODE, br, "no bridge %s: %s", n->bridge,
                                       strerror(-br));
        }
        r = vz_nl_link_set(host, idx, &c);
        if (r < 0)
                return vz_fail(e, VZ_VETH_ERROR_CODE, r, "cannot set up %s: %s", n->host_ifname,
                               strerror(-r));
        /* The CT end is brought up; its addresses are the CT's business
         * (its distribution's network scripts or DHCP), as in OpenVZ. */
        r = vz_nl_open_netns(&cnl, pid);
        if (r >= 0) {
                int ci = vz_nl_ifindex(&cnl, n->ifname);
                vz_link_change up = {.up = true};
                r = ci < 0 ? ci : vz_nl_link_set(&cnl, ci, &up);
                vz_nl_close(&cnl);
        }
        if (r < 0)
                return vz_fail(e, VZ_VETH_ERROR_CODE, r, "CT %u: cannot bring %s up: %s",
                               vz_ct_id(ct), n->ifname, strerror(-r));
        return 0;
}

static bool netif_same(const struct netif *a, const struct netif *b)
{
        return streq(a->ifname, b->ifname) && streq(a->host_ifname, b->host_ifname) &&
               streq(a->bridge, b->bridge) && memcmp(a->mac, b->mac, 6) == 0 &&
               memcmp(a->host_mac, b->host_mac, 6) == 0;
}

/* ------------------------------------------------------------ moved devices */

/* The supervisor keeps the CT's network namespace open from start to
 * teardown: when the CT's last process is gone, the kernel would destroy
 * virtual devices moved in with --netdev_add (and hand physical ones back
 * under another name if the old one is taken); with the namespace still
 * there, vz_net_stop gives each back as it was. One descriptor per CT (a
 * process may run several), in a table guarded by a lock. */
static struct held_netns {
        unsigned ctid;
        int fd;
} * held;
static size_t nheld;
static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;

/* Take CT ctid's held namespace out of the table: the caller owns it (-1 if
 * none). */
static int held_netns_take(unsigned ctid)
{
        int fd = -1;

        pthread_mutex_lock(&held_lock);
        for (size_t i = 0; i < nheld; i++)
                if (held[i].ctid == ctid) {
                        fd = held[i].fd;
                        held[i] = held[--nheld];
                        break;
                }
        if (nheld == 0) {
                free(held);
                held = NULL;
        }
        pthread_mutex_unlock(&held_lock);
        return fd;
}

/* Hold fd (taken) as CT ctid's namespace, in place of one held before. */
static void held_netns_put(unsigned ctid, int fd)
{
        struct held_netns *n;

        safe_close(held_netns_take(ctid));
        if (fd < 0)
                return;
        pthread_mutex_lock(&held_lock);
        n = realloc(held, (nheld + 1) * sizeof(*held));
        if (n) {
                held = n;
                held[nheld++] = (struct held_netns){.ctid = ctid, .fd = fd};
                fd = -1;
        }
        pthread_mutex_unlock(&held_lock);
        /* Out of memory: devices moved in are lost with the namespace. */
        safe_close(fd);
}

static int netdev_in(const vz_ct *ct, vz_nl *host, const char *name, pid_t pid, vz_err *e)
{
        vz_link_change c = {.netns_pid = pid};
        int idx = vz_nl_ifindex(host, name), r;

        if (idx < 0)
                return vz_fail(e, VZ_NETDEV_ERROR_CODE, idx, "no network device %s on the host",
                               name);
        r = vz_nl_link_set(host, idx, &c);
        if (r < 0)
                return vz_fail(e, VZ_NETDEV_ERROR_CODE, r, "CT %u: cannot move %s in: %s",
                               vz_ct_id(ct), name, strerror(-r));
        return 0;
}

/* Give device name of the CT (ctnl: a socket in its namespace) back to the
 * host (host_ns: an fd of the host's namespace). */
static int netdev_out(vz_nl *ctnl, const char *name, int host_ns)
{
        vz_link_change c = {.netns_fd = host_ns};
        int idx = vz_nl_ifindex(ctnl, name);

        return idx < 0 ? idx : vz_nl_link_set(ctnl, idx, &c);
}

static bool strv_has(char **v, const char *s)
{
        for (size_t i = 0; v && v[i]; i++)
                if (streq(v[i], s))
                        return true;
        return false;
}

/* ------------------------------------------------------------ inside the CT */

static void write_if_changed(const char *path, const char *content)
{
        _cleanup_free_ char *old = NULL;
        int fd;

        if (vz_read_file(path, 65536, &old, NULL) == 0 && streq(old, content))
                return;
        /* Runs as the CT's root inside it: never follow the CT's links. */
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return;
        (void)!write(fd, content, strlen(content));
        close(fd);
}

void vz_net_configure_inside(const vz_ct *ct)
{
        static const char networkd[] =
            "# Written by vz at each start. venet0, its addresses and routes are set\n"
            "# up from the host: systemd-networkd leaves it alone.\n"
            "[Match]\n"
            "Name=venet0\n"
            "\n"
            "[Link]\n"
            "Unmanaged=yes\n";
        struct stat st;

        (void)ct;
        /* ifupdown: venet0 must NOT be declared. Its "manual" method still
         * flushes the IPv4 addresses on ifdown, so "systemctl restart
         * networking" would take them away; an interface it does not know
         * it never touches. A stanza an older vz wrote goes. */
        (void)unlink("/etc/network/interfaces.d/vz-venet0");
        if (lstat("/etc/systemd", &st) == 0 && S_ISDIR(st.st_mode)) {
                (void)mkdir("/etc/systemd/network", 0755);
                if (lstat("/etc/systemd/network", &st) == 0 && S_ISDIR(st.st_mode))
                        write_if_changed("/etc/systemd/network/10-vz-venet0.network", networkd);
        }
}

/* ------------------------------------------------------------ hooks */

static int loopback_up(pid_t pid)
{
        _cleanup_nl_ vz_nl nl = {.fd = -1};
        vz_link_change up = {.up = true};
        int r = vz_nl_open_netns(&nl, pid);
        if (r < 0)
                return r;
        r = vz_nl_ifindex(&nl, "lo");
        return r < 0 ? r : vz_nl_link_set(&nl, r, &up);
}

/* A CT's IP_ADDRESS and NETIF, and room for the addresses set up so far
 * (ret_done: n + 1 entries). */
static int read_net_config(const vz_ct *ct, vz_inaddr **ret_ips, size_t *ret_n,
                           struct netif **ret_nifs, size_t *ret_nn, vz_inaddr **ret_done, vz_err *e)
{
        int r;

        if (parse_ips(vz_ct_get(ct, "IP_ADDRESS"), ret_ips, ret_n) < 0)
                return vz_fail(e, VZ_E_BADIP, -EINVAL, "bad IP_ADDRESS");
        r = parse_netifs(vz_ct_id(ct), vz_ct_get(ct, "NETIF"), ret_nifs, ret_nn);
        if (r < 0)
                return vz_fail(e, VZ_VETH_ERROR_CODE, r, "bad NETIF: %s", strerror(-r));
        *ret_done = calloc(*ret_n + 1, sizeof(**ret_done));
        if (!*ret_done)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        return 0;
}

static int net_start(vz_ct *ct, pid_t init_pid, vz_err *e)
{
        _cleanup_free_ vz_inaddr *ips = NULL, *done = NULL;
        _cleanup_free_ struct netif *nifs = NULL;
        _cleanup_nl_ vz_nl host = {.fd = -1};
        _cleanup_strv_free_ char **netdevs = NULL, **moved = NULL;
        size_t n = 0, nn = 0, ndone = 0, nifs_done = 0;
        bool have_venet = false;
        int r;

        r = read_net_config(ct, &ips, &n, &nifs, &nn, &done, e);
        if (r < 0)
                return r;
        r = vz_strv_split(vz_ct_get(ct, "NETDEV") ? vz_ct_get(ct, "NETDEV") : "", " \t", &netdevs);
        if (r < 0)
                return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        {
                char p[64];
                snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)init_pid);
                held_netns_put(vz_ct_id(ct), open(p, O_RDONLY | O_CLOEXEC));
        }
        r = loopback_up(init_pid);
        if (r < 0)
                vz_warn("CT %u: cannot bring lo up: %s", vz_ct_id(ct), strerror(-r));
        if (n > 0) {
                struct venet v;
                char name[IFNAMSIZ_VZ];
                venet_host_name(ct, name);
                /* A leftover of a crashed supervisor: its pair is ours. */
                r = vz_nl_open(&host);
                if (r == 0)
                        (void)vz_nl_link_del(&host, name);
                have_venet = true;
                r = venet_open(ct, init_pid, true, &v, e);
                for (size_t i = 0; r >= 0 && i < n; i++) {
                        r = venet_add_ip(ct, &v, &ips[i], e);
                        if (r >= 0)
                                done[ndone++] = ips[i];
                }
                venet_done(&v);
        }
        if (r >= 0 && nn > 0) {
                if (host.fd < 0)
                        r = vz_nl_open(&host);
                for (; r >= 0 && nifs_done < nn; nifs_done++) {
                        r = netif_create(ct, &host, &nifs[nifs_done], init_pid, e);
                        if (r < 0)
                                nifs_done++; /* the pair may exist: record it */
                        if (r < 0)
                                break;
                }
        }
        if (r >= 0 && netdevs[0]) {
                if (host.fd < 0)
                        r = vz_nl_open(&host);
                for (size_t i = 0; r >= 0 && netdevs[i]; i++) {
                        r = netdev_in(ct, &host, netdevs[i], init_pid, e);
                        if (r >= 0)
                                r = vz_strv_push(&moved, netdevs[i]);
                }
        }
        /* Record even on failure: vz_net_stop removes what was done. */
        (void)record_state(ct, done, ndone, have_venet, nifs, nifs_done, moved);
        return r < 0 ? r : 0;
}

int vz_net_start(vz_ct *ct, pid_t init_pid, vz_err *e)
{
        int r = net_start(ct, init_pid, e);
        return r < 0 ? vz_err_prefix(e, r, "cannot set up the network") : r;
}

void vz_net_stop(vz_ct *ct)
{
        _cleanup_free_ char *p = state_path(ct), *buf = NULL;
        _cleanup_strv_free_ char **lines = NULL;
        _cleanup_nl_ vz_nl nl = {.fd = -1};
        _cleanup_close_ int held_ns = held_netns_take(vz_ct_id(ct));
        char name[IFNAMSIZ_VZ];
        int hidx;

        if (!p || vz_nl_open(&nl) < 0)
                return;
        venet_host_name(ct, name);
        hidx = vz_nl_ifindex(&nl, name);
        if (vz_read_file(p, 1 << 20, &buf, NULL) == 0 && vz_strv_split(buf, "\n", &lines) == 0) {
                /* Routes and proxy entries first (a route is matched by its
                 * device, so one of another CT is never touched), then the
                 * devices. */
                for (size_t i = 0; lines[i]; i++) {
                        char dev[64], addr[64];
                        vz_inaddr a;
                        if (sscanf(lines[i], "route %63s", addr) == 1 && hidx > 0 &&
                            vz_inaddr_parse(addr, &a) == 0)
                                (void)vz_nl_route(&nl, false, hidx, &a, NULL);
                        else if (sscanf(lines[i], "proxy %63s %63s", dev, addr) == 2 &&
                                 vz_inaddr_parse(addr, &a) == 0) {
                                int idx = vz_nl_ifindex(&nl, dev);
                                if (idx > 0)
                                        (void)vz_nl_neigh_proxy(&nl, false, idx, &a);
                        }
                }
                for (size_t i = 0; lines[i]; i++)
                        if (vz_startswith(lines[i], "link "))
                                (void)vz_nl_link_del(&nl, lines[i] + 5);
                for (size_t i = 0; lines[i]; i++) {
                        vz_nl ctnl = {.fd = -1};
                        int self, r;
                        if (!vz_startswith(lines[i], "netdev ") || held_ns < 0)
                                continue;
                        self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
                        r = self < 0 ? -errno : vz_nl_open_netns_fd(&ctnl, held_ns);
                        if (r >= 0)
                                r = netdev_out(&ctnl, lines[i] + 7, self);
                        if (r < 0)
                                vz_warn("CT %u: cannot give %s back to the host: %s", vz_ct_id(ct),
                                        lines[i] + 7, strerror(-r));
                        vz_nl_close(&ctnl);
                        if (self >= 0)
                                close(self);
                }
        }
        /* The kernel would remove the pairs with the CT's namespace, but
         * only once its last process is gone (and netns cleanup is
         * deferred): delete them now so a restart finds the names free. */
        (void)vz_nl_link_del(&nl, name);
        {
                char table[32];
                nft_table_name(ct, table);
                (void)vz_nft_table_del(table);
        }
        (void)unlink(p);
}

/* Bridged interfaces of a live change (on: before, nn: after): removed or
 * changed ones go, new ones come (none if r, the result so far, is an
 * error). Returns the new result. */
static int netifs_apply_live(vz_ct *ct, vz_nl *host, const struct netif *on, size_t non,
                             const struct netif *nn, size_t nnn, pid_t init_pid, int r, vz_err *e)
{
        for (size_t i = 0; i < non; i++) {
                bool keep = false;
                for (size_t j = 0; j < nnn; j++)
                        keep = keep || netif_same(&on[i], &nn[j]);
                if (!keep)
                        (void)vz_nl_link_del(host, on[i].host_ifname);
        }
        for (size_t j = 0; r >= 0 && j < nnn; j++) {
                bool had = false;
                for (size_t i = 0; i < non; i++)
                        had = had || netif_same(&on[i], &nn[j]);
                if (!had)
                        r = netif_create(ct, host, &nn[j], init_pid, e);
        }
        return r;
}

/* Moved devices of a live change: out what it removed from NETDEV, in what
 * it added (if r, the result so far, is no error); ret_keep: the devices
 * the CT has after it. Returns the new result. */
static int netdevs_apply_live(vz_ct *ct, const vz_conffile *old, vz_nl *host, pid_t init_pid, int r,
                              char ***ret_keep, vz_err *e)
{
        _cleanup_strv_free_ char **od = NULL, **nd = NULL, **live_nd = NULL, **keep = NULL;
        const char *o = old ? vz_conffile_get(old, "NETDEV") : NULL;
        const char *w = vz_ct_get(ct, "NETDEV");
        int q = vz_strv_split(o ? o : "", " \t", &od);

        if (q >= 0)
                q = vz_strv_split(w ? w : "", " \t", &nd);
        if (q >= 0)
                q = state_read(ct, "netdev", &live_nd);
        if (q >= 0)
                q = vz_strv_split("", " ", &keep);
        if (q < 0 && r >= 0)
                r = vz_fail(e, VZ_E_RESOURCE, q, "out of memory");
        for (size_t i = 0; q >= 0 && live_nd[i]; i++) {
                if (strv_has(od, live_nd[i]) && !strv_has(nd, live_nd[i])) {
                        vz_nl ctnl = {.fd = -1};
                        int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
                        int x = self < 0 ? -errno : vz_nl_open_netns(&ctnl, init_pid);
                        if (x >= 0)
                                x = netdev_out(&ctnl, live_nd[i], self);
                        vz_nl_close(&ctnl);
                        safe_close(self);
                        if (x >= 0)
                                continue;
                        if (r >= 0)
                                r = vz_fail(e, VZ_NETDEV_ERROR_CODE, x,
                                            "CT %u: cannot give %s back to the host: %s",
                                            vz_ct_id(ct), live_nd[i], strerror(-x));
                }
                (void)vz_strv_push(&keep, live_nd[i]);
        }
        for (size_t i = 0; q >= 0 && r >= 0 && nd[i]; i++) {
                if (strv_has(live_nd, nd[i]))
                        continue;
                r = netdev_in(ct, host, nd[i], init_pid, e);
                if (r >= 0)
                        (void)vz_strv_push(&keep, nd[i]);
        }
        *ret_keep = TAKE_PTR(keep);
        return r;
}

int vz_net_apply_live(vz_ct *ct, const vz_conffile *old, pid_t init_pid, const char *live_ips,
                      vz_err *e)
{
        _cleanup_free_ vz_inaddr *oldv = NULL, *newv = NULL, *live = NULL, *next = NULL;
        _cleanup_free_ struct netif *on = NULL, *nn = NULL;
        size_t no = 0, nw = 0, nl_ = 0, nx = 0, non = 0, nnn = 0;
        const char *oldips = old ? vz_conffile_get(old, "IP_ADDRESS") : NULL;
        const char *newips = vz_ct_get(ct, "IP_ADDRESS");
        const char *oldnif = old ? vz_conffile_get(old, "NETIF") : NULL;
        const char *newnif = vz_ct_get(ct, "NETIF");
        struct venet v = {.host = {.fd = -1}, .ct = {.fd = -1}};
        _cleanup_nl_ vz_nl host = {.fd = -1};
        _cleanup_strv_free_ char **keep = NULL;
        bool have_venet;
        char name[IFNAMSIZ_VZ];
        int r = 0;

        if (parse_ips(oldips, &oldv, &no) < 0 || parse_ips(newips, &newv, &nw) < 0 ||
            state_read_ips(ct, &live, &nl_) < 0)
                return vz_fail(e, VZ_E_BADIP, -EINVAL, "bad IP_ADDRESS");
        if (parse_netifs(vz_ct_id(ct), oldnif, &on, &non) < 0 ||
            parse_netifs(vz_ct_id(ct), newnif, &nn, &nnn) < 0)
                return vz_fail(e, VZ_VETH_ERROR_CODE, -EINVAL, "bad NETIF");
        next = calloc(nl_ + nw + 1, sizeof(*next));
        if (!next)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        if (live_ips) {
                /* The command's own change applied to what is live: the
                 * CT ends up with exactly these (an address added earlier
                 * without --save can be removed the same way). */
                free(newv);
                newv = NULL;
                if (parse_ips(live_ips, &newv, &nw) < 0)
                        return vz_fail(e, VZ_E_BADIP, -EINVAL, "bad IP address list");
                free(next);
                next = calloc(nl_ + nw + 1, sizeof(*next));
                if (!next)
                        return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
                r = vz_net_check_ips(ct->ctx, vz_ct_id(ct), live_ips, e);
                if (r < 0)
                        return r;
        } else if (!streq(oldips ? oldips : "", newips ? newips : "")) {
                r = vz_net_check_ips(ct->ctx, vz_ct_id(ct), newips, e);
                if (r < 0)
                        return r;
        }
        r = vz_nl_open(&host);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot open rtnetlink socket: %s", strerror(-r));
        venet_host_name(ct, name);
        have_venet = vz_nl_ifindex(&host, name) > 0;

        /* Live addresses stay unless the change removed them (an address
         * added earlier without --save is not in old but still live). */
        for (size_t i = 0; i < nl_; i++)
                if (live_ips
                        ? ips_contain(newv, nw, &live[i])
                        : !(ips_contain(oldv, no, &live[i]) && !ips_contain(newv, nw, &live[i])))
                        next[nx++] = live[i];
        if (nx + nw > 0 || have_venet) {
                r = venet_open(ct, init_pid, nw > 0, &v, e);
                if (r < 0 && !have_venet && nw == 0)
                        r = 0;
                for (size_t i = 0; r >= 0 && i < nl_; i++)
                        if (!ips_contain(next, nx, &live[i]))
                                venet_del_ip(&v, &live[i]);
                for (size_t i = 0; r >= 0 && i < nw; i++) {
                        if (ips_contain(next, nx, &newv[i]))
                                continue;
                        r = venet_add_ip(ct, &v, &newv[i], e);
                        if (r >= 0)
                                next[nx++] = newv[i];
                }
                have_venet = have_venet || v.hidx > 0;
                venet_done(&v);
        }
        r = netifs_apply_live(ct, &host, on, non, nn, nnn, init_pid, r, e);
        r = netdevs_apply_live(ct, old, &host, init_pid, r, &keep, e);
        (void)record_state(ct, next, nx, have_venet, nn, nnn, keep);
        return r < 0 ? r : 0;
}

/* ------------------------------------------------------------ checkpoint/restore */

/* The temporary host-side name of a CT-side end made for criu. */
static void rst_name(const vz_ct *ct, size_t i, char buf[IFNAMSIZ_VZ])
{
        /* "vzr" + hex CTID (8) + "." + hex index: at most 14 characters. */
        snprintf(buf, IFNAMSIZ_VZ, "vzr%x.%x", vz_ct_id(ct), (unsigned)(i & 0xf));
}

int vz_net_criu_prepare(vz_ct *ct, char ***ret, vz_err *e)
{
        _cleanup_free_ vz_inaddr *ips = NULL;
        _cleanup_free_ struct netif *nifs = NULL;
        _cleanup_strv_free_ char **v = NULL;
        _cleanup_nl_ vz_nl host = {.fd = -1};
        size_t n = 0, nn = 0, k = 0;
        char tmp[IFNAMSIZ_VZ];
        int r;

        if (parse_ips(vz_ct_get(ct, "IP_ADDRESS"), &ips, &n) < 0)
                return vz_fail(e, VZ_E_BADIP, -EINVAL, "bad IP_ADDRESS");
        r = parse_netifs(vz_ct_id(ct), vz_ct_get(ct, "NETIF"), &nifs, &nn);
        if (r < 0)
                return vz_fail(e, VZ_VETH_ERROR_CODE, r, "bad NETIF: %s", strerror(-r));
        r = vz_strv_split("", " ", &v);
        if (r < 0)
                return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        if (n + nn > 0 && (r = vz_nl_open(&host)) < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot open rtnetlink socket: %s", strerror(-r));
        if (n > 0) {
                char name[IFNAMSIZ_VZ];
                venet_host_name(ct, name);
                rst_name(ct, k++, tmp);
                (void)vz_nl_link_del(&host, name);
                (void)vz_nl_link_del(&host, tmp);
                r = vz_nl_veth_create(&host, name, NULL, tmp, NULL, 0);
                if (r < 0)
                        return vz_fail(e, VZ_VETH_ERROR_CODE, r,
                                       "cannot create veth pair %s/%s: %s", name, tmp,
                                       strerror(-r));
                r = vz_strv_consume(&v, vz_strdupf("netdev[%s]:%s", VENET_CT_NAME, tmp));
                if (r < 0)
                        return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        }
        for (size_t i = 0; i < nn; i++) {
                rst_name(ct, k++, tmp);
                (void)vz_nl_link_del(&host, nifs[i].host_ifname);
                (void)vz_nl_link_del(&host, tmp);
                r = vz_nl_veth_create(&host, nifs[i].host_ifname, nifs[i].host_mac, tmp,
                                      nifs[i].mac, 0);
                if (r < 0)
                        return vz_fail(e, VZ_VETH_ERROR_CODE, r, "cannot create veth %s/%s: %s",
                                       nifs[i].host_ifname, tmp, strerror(-r));
                r = vz_strv_consume(&v, vz_strdupf("netdev[%s]:%s", nifs[i].ifname, tmp));
                if (r < 0)
                        return vz_fail(e, VZ_E_RESOURCE, r, "out of memory");
        }
        *ret = TAKE_PTR(v);
        return 0;
}

/* After a restore: CRIU moved the pairs' CT ends in and restored
 * everything inside the CT's namespace (addresses, routes); the host side
 * is ours to redo. */
int vz_net_restored(vz_ct *ct, pid_t init_pid, vz_err *e)
{
        _cleanup_free_ vz_inaddr *ips = NULL, *done = NULL;
        _cleanup_free_ struct netif *nifs = NULL;
        _cleanup_nl_ vz_nl host = {.fd = -1};
        size_t n = 0, nn = 0, ndone = 0;
        int r;

        r = read_net_config(ct, &ips, &n, &nifs, &nn, &done, e);
        if (r < 0)
                return r;
        r = 0;
        if (n > 0) {
                struct venet v;
                vz_link_change up = {.up = true};
                char name[IFNAMSIZ_VZ], table[32];

                venet_host_name(ct, name);
                r = venet_open(ct, init_pid, false, &v, e);
                if (r >= 0) {
                        host_sysctl("ipv4", name, "rp_filter", "1");
                        host_sysctl("ipv4", name, "proxy_arp", "1");
                        host_sysctl("ipv4", name, "forwarding", "1");
                        host_sysctl("ipv4", name, "send_redirects", "0");
                        host_sysctl("ipv6", name, "accept_dad", "0");
                        host_sysctl("ipv6", name, "forwarding", "1");
                        ipv6_forwarding(name);
                        /* The anti-spoofing table, as at a start: it went
                         * with the dumped CT's end (or was never on this
                         * host, after a migration). */
                        nft_table_name(ct, table);
                        (void)vz_nft_table_del(table);
                        r = vz_nft_antispoof_add(table, name);
                        if (r < 0)
                                r = vz_fail(e, VZ_VETH_ERROR_CODE, r,
                                            "cannot set up anti-spoofing for %s (nf_tables): %s",
                                            name, strerror(-r));
                }
                if (r >= 0) {
                        r = vz_nl_link_set(&v.host, v.hidx, &up);
                        if (r < 0)
                                r = vz_fail(e, VZ_VETH_ERROR_CODE, r, "cannot bring %s up: %s",
                                            name, strerror(-r));
                }
                if (r >= 0) {
                        int a = vz_nl_addr(&v.host, true, v.hidx, &host_ll6);
                        if (a < 0 && a != -EAFNOSUPPORT && a != -EEXIST)
                                vz_warn("cannot add fe80::1 to %s: %s", name, strerror(-a));
                }
                for (size_t i = 0; r >= 0 && i < n; i++) {
                        char s[INET6_ADDRSTRLEN];
                        r = vz_nl_route(&v.host, true, v.hidx, &ips[i], NULL);
                        if (r == -EEXIST)
                                r = vz_fail(e, VZ_E_IP_INUSE, r, "IP address %s is already in use",
                                            addr_str(&ips[i], s));
                        else if (r < 0)
                                r = vz_fail(e, VZ_E_CANT_ADDIP_CODE, r,
                                            "cannot add route to %s: %s", addr_str(&ips[i], s),
                                            strerror(-r));
                        if (r < 0)
                                break;
                        done[ndone++] = ips[i];
                        for (size_t k = 0; v.ndevs[k]; k++) {
                                int idx = vz_nl_ifindex(&v.host, v.ndevs[k]);
                                if (idx > 0 && ips[i].family == AF_INET)
                                        host_sysctl("ipv4", v.ndevs[k], "forwarding", "1");
                                else if (idx > 0)
                                        host_sysctl("ipv6", v.ndevs[k], "proxy_ndp", "1");
                                if (idx > 0 && vz_nl_neigh_proxy(&v.host, true, idx, &ips[i]) >= 0)
                                        vz_net_announce(v.ndevs[k], &ips[i]);
                        }
                }
                venet_done(&v);
        }
        if (r >= 0 && nn > 0)
                r = vz_nl_open(&host);
        for (size_t i = 0; r >= 0 && i < nn; i++) {
                vz_link_change c = {.up = true};
                int idx = vz_nl_ifindex(&host, nifs[i].host_ifname);
                if (idx > 0 && nifs[i].bridge[0])
                        c.master = vz_nl_ifindex(&host, nifs[i].bridge);
                if (idx < 0 || c.master < 0)
                        r = vz_fail(e, VZ_VETH_ERROR_CODE, idx < 0 ? idx : c.master,
                                    "CT %u: %s not restored", vz_ct_id(ct), nifs[i].host_ifname);
                else if ((r = vz_nl_link_set(&host, idx, &c)) < 0)
                        r = vz_fail(e, VZ_VETH_ERROR_CODE, r, "cannot set up %s: %s",
                                    nifs[i].host_ifname, strerror(-r));
        }
        (void)record_state(ct, done, ndone, n > 0, nifs, nn, NULL);
        return r < 0 ? r : 0;
}

/* ------------------------------------------------------------ listings */

_public_ int vz_ct_get_ips(vz_ct *ct, char **ret, vz_err *e)
{
        const char *v;
        char *s;

        if (vz_ct_supervised(ct) && vz_net_live_ips(ct, &s) == 0) {
                *ret = s;
                return 0;
        }
        v = vz_ct_get(ct, "IP_ADDRESS");
        s = strdup(v ? v : "");
        if (!s)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        *ret = s;
        return 0;
}

_public_ int vz_ct_get_netifs(vz_ct *ct, vz_netif **ret, size_t *ret_n, vz_err *e)
{
        _cleanup_free_ struct netif *v = NULL;
        _cleanup_free_ vz_netif *out = NULL;
        size_t n = 0;
        int r = parse_netifs(vz_ct_id(ct), vz_ct_get(ct, "NETIF"), &v, &n);

        if (r < 0)
                return vz_fail(e, VZ_E_VALUE, r, "bad NETIF: %s", strerror(-r));
        out = calloc(n + 1, sizeof(*out));
        if (!out)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                const unsigned char *m = v[i].mac, *h = v[i].host_mac;
                memcpy(out[i].ifname, v[i].ifname, sizeof(out[i].ifname));
                memcpy(out[i].host_ifname, v[i].host_ifname, sizeof(out[i].host_ifname));
                memcpy(out[i].bridge, v[i].bridge, sizeof(out[i].bridge));
                snprintf(out[i].mac, sizeof(out[i].mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0],
                         m[1], m[2], m[3], m[4], m[5]);
                snprintf(out[i].host_mac, sizeof(out[i].host_mac), "%02x:%02x:%02x:%02x:%02x:%02x",
                         h[0], h[1], h[2], h[3], h[4], h[5]);
        }
        *ret = TAKE_PTR(out);
        *ret_n = n;
        return 0;
}

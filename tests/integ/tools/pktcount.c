/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pktcount SECONDS ADDR...: what tcpdump -i any would see, counted. Opens an
 * AF_PACKET socket for every protocol on every interface of the current
 * network namespace (each put in promiscuous mode, as tcpdump does), and
 * for SECONDS counts the IPv4/IPv6 packets whose source or destination is
 * one of ADDR. Prints "ADDR COUNT" per address, then "total N" (all frames).
 * Built statically by the tests so that it runs inside any CT.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct {
                int fam;
                unsigned char a[16];
                long n;
        } want[16];
        int nw = 0, fd;
        long total = 0;
        struct timespec now, end;
        struct if_nameindex *ifs;

        if (argc < 3 || argc - 2 > 16) {
                fprintf(stderr, "usage: pktcount SECONDS ADDR...\n");
                return 2;
        }
        for (int i = 2; i < argc; i++, nw++) {
                want[nw].n = 0;
                want[nw].fam = strchr(argv[i], ':') ? AF_INET6 : AF_INET;
                if (inet_pton(want[nw].fam, argv[i], want[nw].a) != 1) {
                        fprintf(stderr, "bad address %s\n", argv[i]);
                        return 2;
                }
        }
        fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
        if (fd < 0) {
                perror("socket(AF_PACKET)");
                return 1;
        }
        ifs = if_nameindex();
        for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
                struct packet_mreq m = {.mr_ifindex = (int)i->if_index,
                                        .mr_type = PACKET_MR_PROMISC};
                if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &m, sizeof(m)) < 0)
                        perror("promiscuous mode");
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        end.tv_sec += atoi(argv[1]);
        printf("capturing\n");
        fflush(stdout);
        for (;;) {
                unsigned char buf[2048];
                struct sockaddr_ll sll;
                socklen_t sl = sizeof(sll);
                struct pollfd p = {.fd = fd, .events = POLLIN};
                long ms;
                ssize_t n;

                clock_gettime(CLOCK_MONOTONIC, &now);
                ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
                if (ms <= 0)
                        break;
                if (poll(&p, 1, (int)ms) <= 0)
                        continue;
                n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sll, &sl);
                if (n <= 0)
                        continue;
                total++;
                for (int w = 0; w < nw; w++) {
                        const unsigned char *s = NULL, *d = NULL;
                        size_t len = want[w].fam == AF_INET ? 4 : 16;
                        if (want[w].fam == AF_INET && sll.sll_protocol == htons(ETH_P_IP) &&
                            n >= 20)
                                s = buf + 12, d = buf + 16;
                        else if (want[w].fam == AF_INET6 && sll.sll_protocol == htons(ETH_P_IPV6) &&
                                 n >= 40)
                                s = buf + 8, d = buf + 24;
                        if (s && (!memcmp(s, want[w].a, len) || !memcmp(d, want[w].a, len)))
                                want[w].n++;
                }
        }
        for (int w = 0; w < nw; w++)
                printf("%s %ld\n", argv[w + 2], want[w].n);
        printf("total %ld\n", total);
        return 0;
}

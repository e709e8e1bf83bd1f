/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fixed CPU-bound job for bench/cpu-overhead.sh, built static so the same
 * binary runs on the host and inside a busybox CT.
 *
 *   cpuwork cpu N   N rounds of an integer mixing loop (no syscalls, no
 *                   memory traffic beyond registers)
 *   cpuwork mem N   N passes over a 32 MiB buffer (cache and TLB misses:
 *                   what page-table or cgroup memory accounting could add)
 *   cpuwork sys N   N getppid() calls (syscall entry: seccomp filter cost)
 *
 * Prints "<wall ns> <cpu ns> <checksum>": the job's own monotonic and
 * process CPU time, so the start-up of vzctl exec is not counted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t ns(clockid_t c)
{
        struct timespec ts;
        clock_gettime(c, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
        uint64_t w0, c0, sum = 0x9e3779b97f4a7c15u;
        long n;

        if (argc != 3 || (n = atol(argv[2])) <= 0) {
                fprintf(stderr, "usage: cpuwork cpu|mem|sys N\n");
                return 2;
        }
        w0 = ns(CLOCK_MONOTONIC);
        c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
        if (strcmp(argv[1], "cpu") == 0) {
                for (long i = 0; i < n; i++)
                        for (int j = 0; j < 1000000; j++) {
                                sum ^= sum >> 31;
                                sum *= 0xbf58476d1ce4e5b9u;
                                sum += (uint64_t)j;
                        }
        } else if (strcmp(argv[1], "mem") == 0) {
                size_t len = 32u << 20;
                uint64_t *b = malloc(len);
                if (!b)
                        return 1;
                memset(b, 1, len);
                for (long i = 0; i < n; i++)
                        for (size_t k = 0; k < len / 8; k += 8) /* one word per line */
                                sum += b[(k * 4099) % (len / 8)]++;
                free(b);
        } else if (strcmp(argv[1], "sys") == 0) {
                for (long i = 0; i < n; i++)
                        sum += (uint64_t)syscall(SYS_getppid);
        } else {
                fprintf(stderr, "cpuwork: unknown job %s\n", argv[1]);
                return 2;
        }
        printf("%llu %llu %llu\n", (unsigned long long)(ns(CLOCK_MONOTONIC) - w0),
               (unsigned long long)(ns(CLOCK_PROCESS_CPUTIME_ID) - c0),
               (unsigned long long)(sum & 0xffff));
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper (not installed): vz-tmpl-unpack [-f] ARCHIVE DIR unpacks with
 * vz_tmpl_unpack() into an existing DIR; -f forces the O_NOFOLLOW fallback.
 * Used by the integration tests and the unpack benchmark. */
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "template/template.h"

int main(int argc, char **argv)
{
        struct timespec t0, t1;
        vz_err e = {0};
        int i = 1, fd, r;

        if (argc > 1 && strcmp(argv[1], "-f") == 0) {
                vz_unpack_force_fallback = true;
                i++;
        }
        if (argc - i != 2) {
                fprintf(stderr, "usage: vz-tmpl-unpack [-f] ARCHIVE DIR\n");
                return 2;
        }
        fd = open(argv[i + 1], O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                perror(argv[i + 1]);
                return 2;
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        r = vz_tmpl_unpack(argv[i], fd, NULL, NULL, &e);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        close(fd);
        if (r < 0) {
                fprintf(stderr, "vz-tmpl-unpack: %s\n", e.msg);
                return e.code ? e.code : 1;
        }
        if (getenv("VZ_UNPACK_TIME"))
                fprintf(stderr, "unpacked in %.3f s\n",
                        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        return 0;
}

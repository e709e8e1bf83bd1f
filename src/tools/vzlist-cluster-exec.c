/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzlist --cluster: exec the vzlist-cluster helper, which parses
 * Pacemaker's XML with libxml2. Linked into vzlist itself, libxml2 (with
 * ICU, libstdc++, zlib, liblzma: Debian's libxml2.a needs them all, ICU's
 * data alone is 30 MB) would be loaded at every start of vzlist, ~6 ms
 * here; vzlist loads only libc.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vz-build.h"
#include "vzlist-cluster.h"

/* Next to the running vzlist (the build tree), else the installed one.
 * VZ_LIST_CLUSTER overrides both (tests, packaging). */
static void helper_path(char *buf, size_t size)
{
        const char *env = getenv("VZ_LIST_CLUSTER");
        ssize_t n;

        if (env && *env) {
                snprintf(buf, size, "%s", env);
                return;
        }
        n = readlink("/proc/self/exe", buf, size - 1);
        if (n > 0) {
                char *slash;
                buf[n] = '\0';
                slash = strrchr(buf, '/');
                if (slash && (size_t)(slash - buf) + sizeof("/vzlist-cluster") <= size) {
                        strcpy(slash, "/vzlist-cluster");
                        if (access(buf, X_OK) == 0)
                                return;
                }
        }
        snprintf(buf, size, "%s", VZ_LIBEXECDIR "/vzlist-cluster");
}

int vzl_cluster_print(bool header, bool json, FILE *out)
{
        char path[PATH_MAX];
        char *argv[4];
        int n = 0;

        helper_path(path, sizeof(path));
        argv[n++] = (char *)"vzlist-cluster";
        if (!header)
                argv[n++] = (char *)"-H";
        if (json)
                argv[n++] = (char *)"-j";
        argv[n] = NULL;
        fflush(out);
        execv(path, argv);
        fprintf(stderr, "vzlist: cannot run %s: %s\n", path, strerror(errno));
        return 1;
}

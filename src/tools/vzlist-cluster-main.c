/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzlist-cluster: the program behind `vzlist --cluster [-H] [-j]`, which
 * vzlist execs with the same -H and -j (vzlist-cluster-exec.c).
 */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

#include "vzlist-cluster.h"

int main(int argc, char **argv)
{
        bool header = true, json = false;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "-H") == 0) {
                        header = false;
                } else if (strcmp(argv[i], "-j") == 0) {
                        json = true;
                } else {
                        fprintf(stderr, "vzlist: --cluster takes only -H and -j\n");
                        return 1;
                }
        }
        r = vzl_cluster_list(header, json, stdout);
        xmlCleanupParser();
        if (fflush(stdout) != 0 && r == 0)
                r = 1;
        return r;
}

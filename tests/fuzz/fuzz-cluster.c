/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzlist --cluster's readers of Pacemaker's XML: the input as a CIB, then
 * as crm_mon's output over the CTs found, then both printed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vzlist-cluster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct vzl_clu c = {0};
        FILE *f = fopen("/dev/null", "w");

        if (!f)
                return 0;
        if (vzl_clu_read_cib(&c, (const char *)data, size) == 0 &&
            vzl_clu_read_status(&c, (const char *)data, size) == 0) {
                vzl_clu_print_text(&c, true, f);
                vzl_clu_print_json(&c, f);
        }
        vzl_clu_free(&c);
        fclose(f);
        return 0;
}

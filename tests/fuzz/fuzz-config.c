/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Config files come from users, samples, migrations and old OpenVZ hosts:
 * any bytes must parse without crashing, serialize back byte-for-byte, pass
 * through every stored-value checker, and stay parseable after a set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        vz_conffile *f = NULL, *g = NULL;
        char *out, *out2;
        size_t len;
        char key[32] = "CPUUNITS";
        const char *value;

        if (vz_conffile_parse((const char *)data, size, &f) < 0)
                return 0;
        out = vz_conffile_serialize(f, &len);
        if (!out || len != size || memcmp(out, data, size) != 0)
                abort();
        free(out);

        for (size_t i = 0; i < vz_param_count(); i++) {
                const vz_param_info *p = vz_param_at(i);
                const char *v = vz_conffile_get(f, p->name);
                vz_err e = {0};
                int64_t b, l;

                if (!v)
                        continue;
                (void)vz_param_check_stored(p->name, v, &e);
                if (p->flags & VZ_PF_UBC) {
                        (void)vz_ubc_parse_stored(v, &b, &l);
                        (void)vz_param_ubc_value(p->name, v, &b, &l);
                }
        }

        /* Set one key (picked by the input) to a value taken from the input,
         * which must come back unchanged after a re-parse. */
        if (size > 0)
                strcpy(key, vz_param_at(data[0] % vz_param_count())->name);
        value = size > 1 ? (const char *)data + 1 : "";
        {
                char *v = strndup(value, size > 1 ? (size - 1 < 64 ? size - 1 : 64) : 0);
                if (!v)
                        abort();
                if (vz_conffile_set(f, key, v) < 0)
                        abort();
                out2 = vz_conffile_serialize(f, &len);
                if (!out2 || vz_conffile_parse(out2, len, &g) < 0)
                        abort();
                if (!vz_param_accumulates(key)) {
                        const char *back = vz_conffile_get(g, key);
                        if (!back || strcmp(back, v) != 0)
                                abort();
                }
                free(out2);
                free(v);
        }
        vz_conffile_free(g);
        vz_conffile_free(f);
        return 0;
}

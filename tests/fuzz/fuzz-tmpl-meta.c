/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OS template metadata is untrusted: any bytes in template.conf, packages
 * or repositories must parse or fail cleanly, and whatever parses must
 * hold only values the checkers accept (nothing that could become an
 * option or a path out of the tree). The first byte picks the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"
#include "template/meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tmpl_meta m;
        vz_err e = {0};
        const char *text = (const char *)data + 1;
        size_t len = size ? size - 1 : 0;

        if (size == 0)
                return 0;
        tmpl_meta_init(&m);
        switch (data[0] % 3) {
        case 0:
                if (tmpl_meta_parse_conf(&m, text, len, &e) == 0) {
                        if (!tmpl_builder_to_string(m.builder))
                                abort();
                        if ((m.keyring && !tmpl_abs_path_ok(m.keyring)) ||
                            (m.rpm_dbpath && !tmpl_abs_path_ok(m.rpm_dbpath)))
                                abort();
                        if (m.release && (m.release[0] == '-' || strpbrk(m.release, " /\n")))
                                abort();
                        for (char **k = m.gpgkeys; k && *k; k++)
                                if ((*k)[0] == '-' || strstr(*k, ".."))
                                        abort();
                        (void)tmpl_meta_check(&m, &e);
                } else if (!e.msg[0]) {
                        abort(); /* a failure always says why */
                }
                break;
        case 1:
                if (tmpl_meta_parse_packages(&m.packages, text, len, "packages", &e) == 0) {
                        for (char **p = m.packages; p && *p; p++)
                                if (!tmpl_package_name_ok(*p, true) || (*p)[0] == '-')
                                        abort();
                } else if (!e.msg[0]) {
                        abort();
                }
                break;
        default:
                if (tmpl_meta_parse_repos(&m, text, len, &e) == 0) {
                        for (size_t i = 0; i < m.n_repos; i++)
                                if (!tmpl_url_ok(m.repos[i].url) || m.repos[i].id[0] == '-' ||
                                    strstr(m.repos[i].url, "/../"))
                                        abort();
                } else if (!e.msg[0]) {
                        abort();
                }
                break;
        }
        tmpl_meta_done(&m);
        return 0;
}

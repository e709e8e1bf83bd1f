/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shipped samples parse, every value passes its checker, and the VSwap
 * ones give the RAM and swap sizes their names promise. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config/config.h"
#include "err.h"
#include "macro.h"
#include "config/params.h"
#include "util.h"

static void check_sample(const char *dir, const char *name, int64_t ram_mb)
{
        _cleanup_free_ char *path = vz_strdupf("%s/ve-%s.conf-sample", dir, name);
        vz_conffile *f = NULL;
        char **keys = NULL;
        vz_err e = {0};
        int64_t bar, lim;

        if (vz_conffile_load(path, &f, &e) < 0) {
                CHECK(0, "%s: %s", path, e.msg);
                return;
        }
        CHECK(vz_conffile_keys(f, &keys) == 0, "keys");
        for (size_t i = 0; keys && keys[i]; i++) {
                vz_err_clear(&e);
                CHECK(vz_param_by_name(keys[i]) != NULL, "%s: unknown %s", name, keys[i]);
                CHECK(vz_param_check_stored(keys[i], vz_conffile_get(f, keys[i]), &e) == 0,
                      "%s: %s: %s", name, keys[i], e.msg);
        }
        if (ram_mb > 0) {
                int64_t pages = (ram_mb << 20) / sysconf(_SC_PAGESIZE);
                CHECK(vz_param_ubc_value("PHYSPAGES", vz_conffile_get(f, "PHYSPAGES"), &bar,
                                         &lim) == 0 &&
                          bar == 0 && lim == pages,
                      "%s: PHYSPAGES", name);
                CHECK(vz_param_ubc_value("SWAPPAGES", vz_conffile_get(f, "SWAPPAGES"), &bar,
                                         &lim) == 0 &&
                          bar == 0 && lim == 2 * pages,
                      "%s: SWAPPAGES", name);
        } else {
                CHECK(vz_param_ubc_value("PHYSPAGES", vz_conffile_get(f, "PHYSPAGES"), &bar,
                                         &lim) == 0 &&
                          lim == VZ_UNLIMITED,
                      "%s: PHYSPAGES not unlimited", name);
        }
        vz_strv_free(keys);
        vz_conffile_free(f);
}

/* The shipped vz.conf: every key known, every value valid. */
static void check_global(const char *dir)
{
        _cleanup_free_ char *path = vz_strdupf("%s/../vz.conf", dir);
        vz_conffile *f = NULL;
        char **keys = NULL;
        vz_err e = {0};

        if (vz_conffile_load(path, &f, &e) < 0) {
                CHECK(0, "%s: %s", path, e.msg);
                return;
        }
        CHECK(vz_conffile_keys(f, &keys) == 0, "keys");
        for (size_t i = 0; keys && keys[i]; i++) {
                vz_err_clear(&e);
                CHECK(vz_param_by_name(keys[i]) != NULL, "vz.conf: unknown %s", keys[i]);
                CHECK(vz_param_check_stored(keys[i], vz_conffile_get(f, keys[i]), &e) == 0,
                      "vz.conf: %s: %s", keys[i], e.msg);
        }
        vz_strv_free(keys);
        vz_conffile_free(f);
}

int main(int argc, char **argv)
{
        const char *dir = argc > 1 ? argv[1] : "etc/conf";

        check_global(dir);

        check_sample(dir, "vswap-256m", 256);
        check_sample(dir, "vswap-512m", 512);
        check_sample(dir, "vswap-1g", 1024);
        check_sample(dir, "vswap-2g", 2048);
        check_sample(dir, "basic", 0);
        check_sample(dir, "unlimited", 0);
        return check_result("test-samples");
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of template cache lookup and listing (no root needed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "template/template.h"

#include "check.h"

static char top[] = "/tmp/vz-tmpl-cache-test.XXXXXX";

static void touch(const char *rel)
{
        _cleanup_free_ char *p = vz_strdupf("%s/%s", top, rel);
        CHECK(vz_write_file_atomic(p, "x", 1, 0644) == 0);
}

int main(void)
{
        _cleanup_free_ char *conf = NULL, *confdir = NULL, *cache = NULL;
        vz_ctx *ctx = NULL;
        char *path = NULL;
        char **names = NULL;
        vz_err e = {0};
        int r;

        if (!mkdtemp(top))
                return 1;
        confdir = vz_strdupf("%s/etc", top);
        cache = vz_strdupf("%s/tmpl/cache", top);
        CHECK(vz_mkdir_p(confdir, 0755) == 0);
        conf = vz_strdupf("TEMPLATE=%s/tmpl\n", top);
        {
                _cleanup_free_ char *p = vz_strdupf("%s/vz.conf", confdir);
                CHECK(vz_write_file_atomic(p, conf, strlen(conf), 0644) == 0);
        }
        setenv("VZ_CONFDIR", confdir, 1);
        r = vz_ctx_new(&ctx, &e);
        CHECK(r == 0);
        if (r < 0) {
                fprintf(stderr, "%s\n", e.msg);
                return 1;
        }

        /* No cache dir yet: empty list, lookups fail with 91. */
        CHECK(vz_tmpl_list(ctx, &names, &e) == 0 && names && !names[0]);
        vz_strv_free(names);
        names = NULL;
        CHECK(vz_tmpl_find_cache(ctx, "debian-12-x86_64", &path, &e) == -ENOENT);
        CHECK(e.code == VZ_E_OSTEMPLATE_NOT_FOUND);
        CHECK(strstr(e.msg, "debian-12-x86_64") && strstr(e.msg, "tmpl/cache"));

        CHECK(vz_mkdir_p(cache, 0755) == 0);
        touch("tmpl/cache/b.tar.gz");
        touch("tmpl/cache/b.tar.zst");
        touch("tmpl/cache/a.tar.xz");
        touch("tmpl/cache/c.tar.bz2");
        touch("tmpl/cache/c.tar");
        touch("tmpl/cache/d.tar.zst");
        touch("tmpl/cache/.hidden.tar.gz");
        touch("tmpl/cache/notes.txt");
        touch("tmpl/cache/.b.tar.zst.tmp123");

        /* Order: .tar, .tar.gz, .tar.bz2, .tar.xz, .tar.zst */
        memset(&e, 0, sizeof(e));
        CHECK(vz_tmpl_find_cache(ctx, "c", &path, &e) == 0 && vz_endswith(path, "/c.tar"));
        free(path);
        CHECK(vz_tmpl_find_cache(ctx, "b", &path, &e) == 0 && vz_endswith(path, "/b.tar.gz"));
        free(path);
        CHECK(vz_tmpl_find_cache(ctx, "a", &path, &e) == 0 && vz_endswith(path, "/a.tar.xz"));
        free(path);
        CHECK(vz_tmpl_find_cache(ctx, "d", &path, &e) == 0 && vz_endswith(path, "/d.tar.zst"));
        free(path);
        path = NULL;

        /* Bad names: exit class 21, path untouched. */
        memset(&e, 0, sizeof(e));
        CHECK(vz_tmpl_find_cache(ctx, "../etc/passwd", &path, &e) < 0 && !path);
        CHECK(e.code == VZ_E_VALUE);
        memset(&e, 0, sizeof(e));
        CHECK(vz_tmpl_find_cache(ctx, ".hidden", &path, &e) < 0 && e.code == VZ_E_VALUE);
        memset(&e, 0, sizeof(e));
        CHECK(vz_tmpl_find_cache(ctx, "", &path, &e) < 0 && e.code == VZ_E_VALUE);
        CHECK(!vz_tmpl_name_is_valid("a/b"));
        CHECK(vz_tmpl_name_is_valid("debian-12-x86_64-minimal"));

        memset(&e, 0, sizeof(e));
        r = vz_tmpl_list(ctx, &names, &e);
        CHECK(r == 4);
        if (r == 4) {
                CHECK(streq(names[0], "a"));
                CHECK(streq(names[1], "b"));
                CHECK(streq(names[2], "c"));
                CHECK(streq(names[3], "d"));
                CHECK(names[4] == NULL);
        }
        vz_strv_free(names);

        /* Refuses to overwrite without force, and rejects unknown names. */
        memset(&e, 0, sizeof(e));
        CHECK(vz_cache_create(ctx, "d", NULL, &e) < 0 && e.code == VZ_E_VALUE);
        memset(&e, 0, sizeof(e));
        CHECK(vz_cache_create(ctx, "a/b", NULL, &e) < 0 && e.code == VZ_E_VALUE);

        vz_ctx_free(ctx);
        vz_rm_rf(top);
        if (check_failures) {
                fprintf(stderr, "%d check(s) failed\n", check_failures);
                return 1;
        }
        printf("all template cache tests passed\n");
        return 0;
}

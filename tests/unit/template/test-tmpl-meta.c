/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the OS template metadata parser (meta.c), the loader's
 * refusal of hostile metadata directories, and the host mirror lookup. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "template/meta.h"

#include "check.h"

static char top[] = "/tmp/vz-tmpl-meta-test.XXXXXX";

static int conf(const char *text, struct tmpl_meta *m, vz_err *e)
{
        tmpl_meta_done(m);
        memset(e, 0, sizeof(*e));
        return tmpl_meta_parse_conf(m, text, strlen(text), e);
}

static void put(const char *rel, const char *text)
{
        _cleanup_free_ char *p = vz_strdupf("%s/%s", top, rel);
        _cleanup_free_ char *d = strdup(p);

        *strrchr(d, '/') = '\0';
        CHECK(vz_mkdir_p(d, 0755) == 0);
        CHECK(vz_write_file_atomic(p, text, strlen(text), 0644) == 0, "%s", p);
}

static int load(const char *name, struct tmpl_meta *m, vz_err *e)
{
        _cleanup_free_ char *d = vz_strdupf("%s/templates", top);
        _cleanup_free_ char *k = vz_strdupf("%s/keys-out", top);
        int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

        memset(e, 0, sizeof(*e));
        (void)mkdir(k, 0755);
        r = tmpl_meta_load(fd, name, k, m, e);
        close(fd);
        return r;
}

static void test_conf(void)
{
        struct tmpl_meta m;
        vz_err e = {0};

        tmpl_meta_init(&m);
        CHECK(conf("# c\n\nBUILDER=debootstrap\nRELEASE=bookworm\nARCH=amd64\n"
                   "VARIANT=minbase\nCOMPONENTS=main,contrib\n"
                   "KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg\n"
                   "DESCRIPTION=\"Debian 12 (bookworm)\"\n  USE_HOST_MIRROR=yes  \n"
                   "DISTRIBUTION=debian\nGPGCHECK=no\n",
                   &m, &e) == 0,
              "%s", e.msg);
        CHECK(m.builder == TMPL_BUILDER_DEBOOTSTRAP);
        CHECK(streq(m.release, "bookworm") && streq(m.arch, "amd64"));
        CHECK(streq(m.components, "main,contrib") && streq(m.variant, "minbase"));
        CHECK(streq(m.description, "Debian 12 (bookworm)"));
        CHECK(m.use_host_mirror && !m.gpgcheck);

        /* Every bad value is refused with a message naming the line. */
        static const char *const bad[] = {
            "RELEASE=x\n", /* no BUILDER */
            "BUILDER=apt\n",
            "BUILDER=dnf\nBUILDER=dnf\n",
            "BUILDER=dnf\nFOO=1\n",
            "BUILDER=dnf\nRELEASE=--root=/\n",
            "BUILDER=dnf\nRELEASE=a b\n",
            "BUILDER=dnf\nRELEASE=\"a b\"\n",
            "BUILDER=dnf\nRELEASE=$(reboot)\n",
            "BUILDER=dnf\nRELEASE=`id`\n",
            "BUILDER=dnf\nKEYRING=../etc/shadow\n",
            "BUILDER=dnf\nKEYRING=/usr/share/../../etc/shadow\n",
            "BUILDER=dnf\nKEYRING=relative.gpg\n",
            "BUILDER=dnf\nRPM_DBPATH=/var//lib\n",
            "BUILDER=dnf\nGPGKEY=../../etc/shadow\n",
            "BUILDER=dnf\nGPGKEY=\"http://insecure/key\"\n",
            "BUILDER=dnf\nGPGKEY=\"file:///etc/../etc/shadow\"\n",
            "BUILDER=dnf\nGPGCHECK=maybe\n",
            "BUILDER=dnf\nDESCRIPTION=\"unterminated\n",
            "BUILDER=dnf\nDESCRIPTION=\"a\" trailing\n",
            "BUILDER=dnf\nCOMPONENTS=main,,x\n",
            "BUILDER=dnf\nCOMPONENTS=main,-x\n",
            "BUILDER=dnf\nDISTRIBUTION=Debian\n",
            "BUILDER=dnf\nno equals sign\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                CHECK(conf(bad[i], &m, &e) < 0, "accepted: %s", bad[i]);
                CHECK(e.code == VZ_E_VALUE && e.msg[0], "%s", bad[i]);
        }
        {
                const char nul[] = "BUILDER=dnf\nRELEASE=9\0x\n";
                tmpl_meta_done(&m);
                memset(&e, 0, sizeof(e));
                CHECK(tmpl_meta_parse_conf(&m, nul, sizeof(nul) - 1, &e) < 0);
                CHECK(strstr(e.msg, "NUL"), "%s", e.msg);
        }
        CHECK(conf("BUILDER=dnf\nRELEASE=x\n", &m, &e) == 0);
        CHECK(strstr((conf("BUILDER=dnf\nRELEASE=a b\n", &m, &e), e.msg), "line 2"), "%s", e.msg);
        tmpl_meta_done(&m);
}

static void test_lists(void)
{
        struct tmpl_meta m;
        vz_err e = {0};
        char **p = NULL;
        const char *pk = "# base\nsystemd-sysv iproute2\n\n  less\n@core\nlibstdc++6\nless\n";
        const char *rp = "# repos\nbaseos https://repo.example/$releasever/BaseOS/$basearch/os/\n"
                         "local file:///srv/repo\n";

        CHECK(tmpl_meta_parse_packages(&p, pk, strlen(pk), "packages", &e) == 0, "%s", e.msg);
        CHECK(vz_strv_length(p) == 5, "%zu", vz_strv_length(p)); /* "less" once */
        CHECK(streq(p[0], "systemd-sysv") && streq(p[3], "@core") && streq(p[4], "libstdc++6"));
        vz_strv_free(p);
        p = NULL;
        static const char *const badpk[] = {"--root=/\n", "-y\n", "a;b\n", "a/b\n",
                                            "$(x)\n",     "@\n",  "a\"b\n"};
        for (size_t i = 0; i < ELEMENTSOF(badpk); i++) {
                CHECK(tmpl_meta_parse_packages(&p, badpk[i], strlen(badpk[i]), "packages", &e) < 0,
                      "accepted %s", badpk[i]);
                vz_strv_free(p);
                p = NULL;
        }

        tmpl_meta_init(&m);
        CHECK(tmpl_meta_parse_repos(&m, rp, strlen(rp), &e) == 0, "%s", e.msg);
        CHECK(m.n_repos == 2 && streq(m.repos[1].id, "local") &&
              streq(m.repos[1].url, "file:///srv/repo"));
        static const char *const badrp[] = {
            "a\n",
            "a b c\n",
            "-a http://x/\n",
            "a ftp:/x\n",
            "a gopher://x/\n",
            "a file:///srv/../etc\n",
            "a http://x/a/../../b\n",
            "a http://x/\"a\n",
            "a http://x/\nb http://y/\na http://z/\n",
            "a file://relative\n",
            "a http://-x/\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(badrp); i++) {
                tmpl_meta_done(&m);
                CHECK(tmpl_meta_parse_repos(&m, badrp[i], strlen(badrp[i]), &e) < 0, "accepted %s",
                      badrp[i]);
        }
        tmpl_meta_done(&m);

        CHECK(tmpl_builder_from_string("pacman") == TMPL_BUILDER_PACMAN);
        for (int i = 0; i < _TMPL_BUILDER_MAX; i++)
                CHECK(tmpl_builder_from_string(tmpl_builder_to_string((enum tmpl_builder)i)) == i);
        CHECK(tmpl_builder_to_string(_TMPL_BUILDER_MAX) == NULL);
        CHECK(tmpl_builder_from_string("yum") == _TMPL_BUILDER_INVALID);
}

static void test_check(void)
{
        struct tmpl_meta m;
        vz_err e = {0};

        tmpl_meta_init(&m);
        /* dnf needs RELEASE, a repository, and a key unless GPGCHECK=no. */
        CHECK(conf("BUILDER=dnf\n", &m, &e) == 0);
        CHECK((memset(&e, 0, sizeof(e)), tmpl_meta_check(&m, &e)) < 0 && strstr(e.msg, "RELEASE"));
        CHECK(conf("BUILDER=dnf\nRELEASE=9\n", &m, &e) == 0);
        CHECK((memset(&e, 0, sizeof(e)), tmpl_meta_check(&m, &e)) < 0 &&
              strstr(e.msg, "repositories"));
        CHECK(tmpl_meta_parse_repos(&m, "a http://x/\n", 12, &e) == 0);
        CHECK((memset(&e, 0, sizeof(e)), tmpl_meta_check(&m, &e)) < 0 && strstr(e.msg, "GPGKEY"),
              "%s", e.msg);
        /* A Debian build with USE_HOST_MIRROR needs no repository file. */
        CHECK(conf("BUILDER=mmdebstrap\nRELEASE=trixie\nUSE_HOST_MIRROR=yes\nDISTRIBUTION=debian\n",
                   &m, &e) == 0);
        CHECK((memset(&e, 0, sizeof(e)), tmpl_meta_check(&m, &e)) == 0, "%s", e.msg);
        CHECK(conf("BUILDER=pacman\nVARIANT=minbase\n", &m, &e) == 0);
        CHECK(tmpl_meta_parse_repos(&m, "a http://x/\n", 12, &e) == 0);
        CHECK((memset(&e, 0, sizeof(e)), tmpl_meta_check(&m, &e)) < 0 && strstr(e.msg, "VARIANT"));
        CHECK(conf("BUILDER=busybox\n", &m, &e) == 0);
        CHECK((memset(&e, 0, sizeof(e)), tmpl_meta_check(&m, &e)) == 0);
        m.post_install = strdup("x");
        CHECK((memset(&e, 0, sizeof(e)), tmpl_meta_check(&m, &e)) < 0);
        CHECK(conf("BUILDER=pacman\n", &m, &e) == 0);
        CHECK(tmpl_meta_parse_repos(&m, "a http://x/\n", 12, &e) == 0);
        CHECK(tmpl_meta_parse_packages(&m.packages, "@core\n", 6, "packages", &e) == 0);
        CHECK((memset(&e, 0, sizeof(e)), tmpl_meta_check(&m, &e)) < 0 && strstr(e.msg, "groups"));
        tmpl_meta_done(&m);
}

static void test_load(void)
{
        struct tmpl_meta m;
        vz_err e = {0};
        _cleanup_free_ char *shadow_link = NULL, *keys_link = NULL, *fifo = NULL;

        put("templates/good/template.conf",
            "BUILDER=dnf\nRELEASE=9\nGPGKEY=\"k.asc https://x.example/key\"\n");
        put("templates/good/packages", "a\nb\n");
        put("templates/good/repositories", "r file:///srv/r\n");
        put("templates/good/post-install", "echo hi\n");
        put("templates/good/keys/k.asc", "KEY\n");
        tmpl_meta_init(&m);
        CHECK(load("good", &m, &e) == 0, "%s", e.msg);
        CHECK(m.post_install && m.post_install_len == 8 && !m.pre_install);
        CHECK(vz_strv_length(m.gpgkeys) == 2);
        {
                _cleanup_free_ char *want = vz_strdupf("file://%s/keys-out/k.asc", top);
                CHECK(streq(m.gpgkeys[0], want), "%s", m.gpgkeys[0]);
                CHECK(streq(m.gpgkeys[1], "https://x.example/key"));
        }
        tmpl_meta_done(&m);

        /* Hostile directories: symlinks out, FIFOs, oversized files, keys
         * through a symlinked keys/, missing template.conf. */
        put("templates/l1/packages", "a\n");
        shadow_link = vz_strdupf("%s/templates/l1/template.conf", top);
        CHECK(symlink("/etc/shadow", shadow_link) == 0);
        CHECK(load("l1", &m, &e) < 0 && strstr(e.msg, "symbolic link"), "%s", e.msg);
        CHECK(e.code == VZ_E_VALUE);

        put("templates/l2/template.conf", "BUILDER=dnf\nRELEASE=9\nGPGKEY=passwd\n");
        put("templates/l2/repositories", "r file:///srv/r\n");
        keys_link = vz_strdupf("%s/templates/l2/keys", top);
        CHECK(symlink("/etc", keys_link) == 0);
        CHECK(load("l2", &m, &e) < 0 && strstr(e.msg, "keys"), "%s", e.msg);

        put("templates/l3/template.conf", "BUILDER=pacman\n");
        put("templates/l3/repositories", "r file:///srv/r\n");
        fifo = vz_strdupf("%s/templates/l3/post-install", top);
        CHECK(mkfifo(fifo, 0644) == 0);
        CHECK(load("l3", &m, &e) < 0 && strstr(e.msg, "not a regular file"), "%s", e.msg);

        put("templates/l4/packages", "a\n");
        CHECK(load("l4", &m, &e) < 0 && strstr(e.msg, "template.conf"), "%s", e.msg);
        CHECK(load("nosuch", &m, &e) < 0);
        {
                _cleanup_free_ char *big = malloc(TMPL_CONF_MAX + 2);
                memset(big, '#', TMPL_CONF_MAX + 1);
                big[TMPL_CONF_MAX + 1] = '\0';
                put("templates/l5/template.conf", big);
                CHECK(load("l5", &m, &e) < 0 && strstr(e.msg, "larger"), "%s", e.msg);
        }
        put("templates/l6/template.conf", "BUILDER=dnf\nRELEASE=9\nGPGCHECK=no\n");
        put("templates/l6/repositories", "r file:///srv/r\n");
        put("templates/l6/packages", "ok\n--installroot=/\n");
        CHECK(load("l6", &m, &e) < 0 && strstr(e.msg, "line 2") && strstr(e.msg, "l6"), "%s",
              e.msg);
}

static void test_host_mirror(void)
{
        _cleanup_free_ char *apt = vz_strdupf("%s/apt", top), *osr = vz_strdupf("%s/os", top);
        char *mirror = NULL;

        put("os", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n");
        put("apt/sources.list", "# nothing\n");
        put("apt/sources.list.d/a.sources",
            "Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n"
            "Components: main\n\n"
            "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n"
            "Types: deb\n# comment\nURIs: http://mirror.example/debian/\nSuites: bookworm "
            "bookworm-updates\nComponents: main\n");
        put("apt/sources.list.d/b.list.disabled",
            "deb http://wrong.example/debian bookworm main\n");
        CHECK(tmpl_host_mirror(apt, osr, "debian", &mirror) == 0);
        CHECK(mirror && streq(mirror, "http://mirror.example/debian"), "%s", mirror ? mirror : "-");
        free(mirror);
        /* Another distribution: none. */
        CHECK(tmpl_host_mirror(apt, osr, "ubuntu", &mirror) == 0 && !mirror);
        /* The one-line format wins (sources.list is read first). */
        put("apt/sources.list", "deb [arch=amd64 signed-by=/x.gpg] http://one.example/debian "
                                "bookworm main\n");
        CHECK(tmpl_host_mirror(apt, osr, "debian", &mirror) == 0);
        CHECK(mirror && streq(mirror, "http://one.example/debian"), "%s", mirror ? mirror : "-");
        free(mirror);
        put("os", "ID=\"debian-like\"\n");
        CHECK(tmpl_host_mirror(apt, osr, "debian", &mirror) == 0 && !mirror);
}

/* Every shipped metadata directory loads and validates. */
static void test_shipped(void)
{
        _cleanup_closedir_ DIR *d = opendir(VZ_SRC_TEMPLATES);
        int fd = open(VZ_SRC_TEMPLATES, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        unsigned n = 0, seen[_TMPL_BUILDER_MAX] = {0};

        CHECK(d && fd >= 0);
        while (d && (de = readdir(d))) {
                struct tmpl_meta m;
                vz_err e = {0};

                if (de->d_name[0] == '.')
                        continue;
                n++;
                CHECK(tmpl_meta_load(fd, de->d_name, NULL, &m, &e) == 0, "%s: %s", de->d_name,
                      e.msg);
                if (e.msg[0])
                        continue;
                seen[m.builder]++;
                /* OpenVZ style: <distribution>-<version>-<arch>[-variant]. */
                CHECK(strchr(de->d_name, '-') && strstr(de->d_name, "x86_64"), "%s", de->d_name);
                CHECK(m.description && m.distribution, "%s", de->d_name);
                CHECK(vz_startswith(de->d_name, m.distribution) ||
                          (streq(m.distribution, "arch") && vz_startswith(de->d_name, "arch")),
                      "%s", de->d_name);
                tmpl_meta_done(&m);
        }
        close(fd);
        CHECK(n >= 10, "%u", n);
        CHECK(seen[TMPL_BUILDER_DEBOOTSTRAP] && seen[TMPL_BUILDER_MMDEBSTRAP] &&
              seen[TMPL_BUILDER_DNF] && seen[TMPL_BUILDER_PACMAN]);
}

int main(void)
{
        if (!mkdtemp(top))
                return 1;
        test_conf();
        test_lists();
        test_check();
        test_load();
        test_host_mirror();
        test_shipped();
        vz_rm_rf(top);
        return check_result("test-tmpl-meta");
}

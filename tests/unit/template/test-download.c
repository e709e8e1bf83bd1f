/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vztmpl-dl's parsers of untrusted or user input: checksum lists from a
 * repository and download.conf. */
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

#include "check.h"
#include "download.h"

static void test_sums(void)
{
        const char *list =
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  a.tar.gz\n"
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA *./b.tar.xz\r\n"
            "short  c.tar.gz\n"
            "1111111111111111111111111111111111111111111111111111111111111111  a.tar.gz.asc\n";
        char hex[65];

        CHECK(dl_find_sum(list, "a.tar.gz", hex));
        CHECK_STREQ(hex, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        CHECK(dl_find_sum(list, "b.tar.xz", hex));
        CHECK_STREQ(hex, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        CHECK(!dl_find_sum(list, "c.tar.gz", hex), "a short hash is no hash");
        CHECK(!dl_find_sum(list, "a.tar", hex), "prefix of a name");
        CHECK(!dl_find_sum(list, "d", hex));
        CHECK(!dl_find_sum("", "a", hex));
        /* A .sha256 file with the hash alone. */
        CHECK(dl_find_sum("2222222222222222222222222222222222222222222222222222222222222222\n", "x",
                          hex));
        CHECK_STREQ(hex, "2222222222222222222222222222222222222222222222222222222222222222");
}

static void test_conf(void)
{
        char path[] = "/tmp/vz-test-dlconf.XXXXXX";
        int fd = mkstemp(path);
        const char *text =
            "# comment\n"
            "TMPL_REPO_PREFIX=\"http://example.org/t\"  # trailing comment\n"
            "TEMPLATE_REPOS='lxc:$TMPL_REPO_PREFIX/lxc' \"${TMPL_REPO_PREFIX}/ovz\"\n"
            "export GPG_KEYRING=/etc/vz/k.gpg\n"
            "UPDATE_TEMPLATE=yes\n"
            "CHECK_TEMPLATE_SIG=no\n";
        dl_conf c;
        vz_err e = {0};

        CHECK(fd >= 0);
        CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        CHECK(dl_conf_read(path, true, &c, &e) == 0, "%s", e.msg);
        CHECK_STREQ(c.repo_prefix, "http://example.org/t");
        /* Single quotes keep $VAR; the final expansion of TEMPLATE_REPOS
         * (OpenVZ's default refers to the prefix) then fills it in. */
        CHECK_STREQ(c.template_repos, "lxc:http://example.org/t/lxc http://example.org/t/ovz");
        CHECK_STREQ(c.keyring, "/etc/vz/k.gpg");
        CHECK(c.update && !c.check_sig && !c.quiet);
        dl_conf_done(&c);

        /* Missing file: OpenVZ's defaults. */
        unlink(path);
        CHECK(dl_conf_read(path, false, &c, &e) == 0, "%s", e.msg);
        CHECK_STREQ(c.template_repos, "http://download.openvz.org/template/precreated "
                                      "http://download.openvz.org/template/precreated/beta "
                                      "http://download.openvz.org/template/precreated/contrib");
        CHECK(!c.keyring && c.check_sig && !c.update);
        dl_conf_done(&c);
        memset(&e, 0, sizeof(e));
        CHECK(dl_conf_read(path, true, &c, &e) < 0 && e.code == DL_E_USAGE);

        /* Garbage is refused with the line. */
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        CHECK(write(fd, "not a setting\n", 14) == 14);
        close(fd);
        memset(&e, 0, sizeof(e));
        CHECK(dl_conf_read(path, true, &c, &e) < 0 && strstr(e.msg, "not a setting"), "%s", e.msg);
        unlink(path);
}

int main(void)
{
        test_sums();
        test_conf();
        if (check_failures) {
                fprintf(stderr, "%d check(s) failed\n", check_failures);
                return 1;
        }
        printf("all download tests passed\n");
        return 0;
}

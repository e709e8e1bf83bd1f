/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Config files survive parse -> serialize byte-for-byte, and a set touches
 * only its own line. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config/config.h"
#include "err.h"
#include "macro.h"
#include "util.h"

static const char messy[] = "# comment line\n"
                            "\n"
                            "   # indented comment\n"
                            "VE_ROOT=\"/vz/root/$VEID\"\n"
                            "  HOSTNAME='ct.example.com'   \n"
                            "\tONBOOT=yes\t# trailing comment\n"
                            "UNKNOWN_KEY=\"whatever\"\n"
                            "DESCRIPTION=\"say \\\"hi\\\" for \\$5 \\\\ \\`x\\`\"\n"
                            "NAMESERVER=\"8.8.8.8\"\n"
                            "this is garbage\n"
                            "=novalue\n"
                            "9BAD=1\n"
                            "IP_ADDRESS=\"10.0.0.1\n"
                            "10.0.0.2\"\n"
                            "NETIF=ifname=eth0,\\\n"
                            "bridge=br0\n"
                            "CPUUNITS=\"1000\"\n"
                            "HOSTNAME=\"second.example.com\"\n"
                            "IP_ADDRESS=\"10.0.0.3\"\n"
                            "NAMESERVER=1.1.1.1\n"
                            "SINGLE='it''s'\n"
                            "EMPTY=\n"
                            "SPACED = \"x\"\n"
                            "DCACHE=\"1000\"\n"
                            "KMEMSIZE=\"2000:3000\"";

/* Split into lines without their terminators. */
static char **lines_of(const char *s)
{
        char **v = NULL;
        const char *p = s;

        for (;;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                if (!nl && n == 0)
                        break;
                vz_strv_consume(&v, strndup(p, n));
                if (!nl)
                        break;
                p = nl + 1;
        }
        return v;
}

static void test_round_trip_and_values(void)
{
        vz_conffile *f = NULL;
        char *out;
        size_t len;

        CHECK(vz_conffile_parse(messy, strlen(messy), &f) == 0, "parse");
        if (!f)
                return;
        out = vz_conffile_serialize(f, &len);
        CHECK(out && len == strlen(messy) && memcmp(out, messy, len) == 0,
              "not byte-identical:\n%s", out);
        free(out);

        CHECK_STREQ(vz_conffile_get(f, "VE_ROOT"), "/vz/root/$VEID");
        CHECK_STREQ(vz_conffile_get(f, "HOSTNAME"), "ct.example.com"); /* first wins */
        CHECK_STREQ(vz_conffile_get(f, "ONBOOT"), "yes");
        CHECK_STREQ(vz_conffile_get(f, "UNKNOWN_KEY"), "whatever");
        CHECK_STREQ(vz_conffile_get(f, "DESCRIPTION"), "say \"hi\" for $5 \\ `x`");
        CHECK_STREQ(vz_conffile_get(f, "NAMESERVER"), "8.8.8.8 1.1.1.1"); /* accumulates */
        CHECK_STREQ(vz_conffile_get(f, "IP_ADDRESS"), "10.0.0.1\n10.0.0.2 10.0.0.3");
        CHECK_STREQ(vz_conffile_get(f, "NETIF"), "ifname=eth0,bridge=br0");
        CHECK_STREQ(vz_conffile_get(f, "CPUUNITS"), "1000");
        CHECK_STREQ(vz_conffile_get(f, "SINGLE"), "its");
        CHECK_STREQ(vz_conffile_get(f, "EMPTY"), "");
        CHECK_STREQ(vz_conffile_get(f, "SPACED"), "x");
        CHECK_STREQ(vz_conffile_get(f, "DCACHESIZE"), "1000"); /* alias */
        CHECK_STREQ(vz_conffile_get(f, "DCACHE"), "1000");
        CHECK_STREQ(vz_conffile_get(f, "KMEMSIZE"), "2000:3000");
        CHECK(vz_conffile_get(f, "9BAD") == NULL, "garbage key");
        CHECK(vz_conffile_get(f, "MISSING") == NULL, "missing key");

        char **keys = NULL;
        CHECK(vz_conffile_keys(f, &keys) == 0, "keys");
        CHECK(keys && streq(keys[0], "VE_ROOT") && streq(keys[1], "HOSTNAME"), "key order");
        size_t nh = 0;
        for (size_t i = 0; keys && keys[i]; i++)
                nh += streq(keys[i], "HOSTNAME");
        CHECK(nh == 1, "keys not deduplicated");
        vz_strv_free(keys);
        vz_conffile_free(f);
}

static void test_set(void)
{
        vz_conffile *f = NULL;
        char *out;
        char **a, **b;
        size_t na, nb, diffs = 0;

        CHECK(vz_conffile_parse(messy, strlen(messy), &f) == 0, "parse");
        if (!f)
                return;
        CHECK(vz_conffile_set(f, "CPUUNITS", "1000") == 0, "unchanged set reports a change");
        CHECK(vz_conffile_set(f, "CPUUNITS", "2000") == 1, "set");
        out = vz_conffile_serialize(f, NULL);
        a = lines_of(messy);
        b = lines_of(out);
        na = vz_strv_length(a);
        nb = vz_strv_length(b);
        CHECK(na == nb, "line count %zu -> %zu", na, nb);
        for (size_t i = 0; i < na && i < nb; i++)
                if (strcmp(a[i], b[i])) {
                        diffs++;
                        CHECK_STREQ(b[i], "CPUUNITS=\"2000\"");
                }
        CHECK(diffs == 1, "%zu lines differ", diffs);
        CHECK_STREQ(vz_conffile_get(f, "CPUUNITS"), "2000");
        vz_strv_free(a);
        vz_strv_free(b);
        free(out);

        /* Set of a duplicated key edits the first line; get returns it. */
        CHECK(vz_conffile_set(f, "HOSTNAME", "new.example.com") == 1, "set dup");
        CHECK_STREQ(vz_conffile_get(f, "HOSTNAME"), "new.example.com");
        out = vz_conffile_serialize(f, NULL);
        CHECK(strstr(out, "HOSTNAME=\"new.example.com\"\n\tONBOOT") != NULL, "in place: %s", out);
        CHECK(strstr(out, "HOSTNAME=\"second.example.com\"") != NULL, "later dup kept");
        free(out);

        /* Alias lines are rewritten under the canonical name. */
        CHECK(vz_conffile_set(f, "DCACHESIZE", "5000") == 1, "set alias");
        CHECK_STREQ(vz_conffile_get(f, "DCACHE"), "5000");

        /* Lists: one line replaces all occurrences. */
        CHECK(vz_conffile_set(f, "IP_ADDRESS", "10.9.9.9") == 1, "set list");
        CHECK_STREQ(vz_conffile_get(f, "IP_ADDRESS"), "10.9.9.9");
        out = vz_conffile_serialize(f, NULL);
        CHECK(strstr(out, "10.0.0.3") == NULL, "old list line remains");
        free(out);

        /* Append at the end; the file had no final newline. */
        CHECK(vz_conffile_set(f, "NEWKEY", "v \"q\" $HOME `id` \\") == 1, "append");
        out = vz_conffile_serialize(f, NULL);
        CHECK(vz_endswith(out, "KMEMSIZE=\"2000:3000\"\nNEWKEY=\"v \\\"q\\\" \\$HOME \\`id\\` "
                               "\\\\\"\n"),
              "append: %s", out);
        {
                /* What we wrote reads back the same. */
                vz_conffile *g = NULL;
                CHECK(vz_conffile_parse(out, strlen(out), &g) == 0, "reparse");
                CHECK_STREQ(vz_conffile_get(g, "NEWKEY"), "v \"q\" $HOME `id` \\");
                CHECK_STREQ(vz_conffile_get(g, "CPUUNITS"), "2000");
                vz_conffile_free(g);
        }
        free(out);

        CHECK(vz_conffile_unset(f, "HOSTNAME") == 1, "unset");
        CHECK(vz_conffile_get(f, "HOSTNAME") == NULL, "unset removes all lines");
        CHECK(vz_conffile_unset(f, "HOSTNAME") == 0, "unset twice");
        vz_conffile_free(f);
}

static void test_empty_and_save(void)
{
        vz_conffile *f = vz_conffile_new();
        char dir[] = "/tmp/vz-test-conffile-XXXXXX";
        char *path, *out;
        vz_err e = {0};
        struct stat st;

        CHECK(f, "new");
        CHECK(vz_conffile_set(f, "A", "1") == 1, "set on empty");
        out = vz_conffile_serialize(f, NULL);
        CHECK_STREQ(out, "A=\"1\"\n");
        free(out);

        CHECK(mkdtemp(dir) != NULL, "mkdtemp");
        path = vz_strdupf("%s/101.conf", dir);
        CHECK(vz_conffile_save(f, path, &e) == 0, "save: %s", e.msg);
        CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644, "mode %o", st.st_mode);
        vz_conffile_free(f);
        f = NULL;
        CHECK(vz_conffile_load(path, &f, &e) == 0, "load: %s", e.msg);
        CHECK_STREQ(vz_conffile_get(f, "A"), "1");
        vz_conffile_free(f);
        f = NULL;
        unlink(path);
        vz_err_clear(&e);
        CHECK(vz_conffile_load(path, &f, &e) == -ENOENT, "missing file");
        CHECK(e.code == VZ_E_NOVECONFIG, "missing class %d", e.code);
        free(path);
        path = vz_strdupf("%s/nodir/x.conf", dir);
        f = vz_conffile_new();
        vz_err_clear(&e);
        CHECK(vz_conffile_save(f, path, &e) < 0 && e.code == VZ_E_CONFIG_SAVE, "save fails");
        vz_conffile_free(f);
        free(path);
        rmdir(dir);

        /* Odd inputs: NUL bytes, CR, lone quotes, backslash at EOF. */
        static const char odd[] = "A=1\0B=2\nC=\"x\r\n\"\nD=\\";
        CHECK(vz_conffile_parse(odd, sizeof(odd) - 1, &f) == 0, "odd parse");
        out = vz_conffile_serialize(f, NULL);
        CHECK(memcmp(out, odd, sizeof(odd) - 1) == 0, "odd round trip");
        CHECK(vz_conffile_get(f, "A") == NULL, "NUL line is garbage");
        free(out);
        vz_conffile_free(f);
}

static void test_unterminated(void)
{
        /* An unterminated quote swallows the rest of the file, as in the
         * shell; edits go before it so it keeps reading the same. */
        static const char src[] = "A=1\nB=\"open\nC=2\nD=\\";
        vz_conffile *f = NULL, *g = NULL;
        char *out;

        CHECK(vz_conffile_parse(src, strlen(src), &f) == 0, "parse");
        CHECK_STREQ(vz_conffile_get(f, "A"), "1");
        CHECK(vz_conffile_get(f, "B") == NULL && vz_conffile_get(f, "C") == NULL, "swallowed");
        CHECK(vz_conffile_set(f, "NEW", "say \"x\"") == 1, "append");
        CHECK(vz_conffile_set(f, "A", "2") == 1, "set");
        out = vz_conffile_serialize(f, NULL);
        CHECK_STREQ(out, "A=\"2\"\nNEW=\"say \\\"x\\\"\"\nB=\"open\nC=2\nD=\\");
        CHECK(vz_conffile_parse(out, strlen(out), &g) == 0, "reparse");
        CHECK_STREQ(vz_conffile_get(g, "NEW"), "say \"x\"");
        CHECK_STREQ(vz_conffile_get(g, "A"), "2");
        CHECK(vz_conffile_get(g, "C") == NULL, "still swallowed");
        free(out);
        vz_conffile_free(f);
        vz_conffile_free(g);

        /* A trailing backslash at EOF: a newline after it would continue
         * the line, so the new line goes before it. */
        static const char bs[] = "A=1\nB=x\\";
        CHECK(vz_conffile_parse(bs, strlen(bs), &f) == 0, "parse");
        CHECK(vz_conffile_set(f, "C", "3") == 1, "append");
        out = vz_conffile_serialize(f, NULL);
        CHECK_STREQ(out, "A=1\nC=\"3\"\nB=x\\");
        free(out);
        vz_conffile_free(f);
}

int main(void)
{
        test_round_trip_and_values();
        test_set();
        test_empty_and_save();
        test_unterminated();
        return check_result("test-conffile");
}

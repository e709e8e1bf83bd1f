/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vzcfgvalidate's rules (vz_cfg_validate): the shipped samples pass, each
 * rule fires on a config that breaks it, a repair leaves a valid file with
 * only the repaired lines changed, and a declined repair changes nothing. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config/config.h"
#include "err.h"
#include "macro.h"
#include "util.h"

struct seen {
        char msgs[4096];
        int n;
        bool repair;
};

static bool collect(int severity, const char *msg, const char *fix, void *userdata)
{
        struct seen *s = userdata;
        size_t l = strlen(s->msgs);

        snprintf(s->msgs + l, sizeof(s->msgs) - l, "%d:%s\n", severity, msg);
        s->n++;
        return s->repair && fix;
}

static char *tmpfile_with(const char *text)
{
        char *path = strdup("/tmp/vz-unit-validate.XXXXXX");
        int fd = mkstemp(path);

        CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        return path;
}

static int run(const char *path, int vswap, struct seen *s)
{
        vz_err e = {0};
        memset(s->msgs, 0, sizeof(s->msgs));
        s->n = 0;
        return vz_cfg_validate(path, vswap, collect, s, &e);
}

int main(int argc, char **argv)
{
        static const char *samples[] = {"basic",    "vswap-256m", "vswap-512m",
                                        "vswap-1g", "vswap-2g",   "unlimited"};
        struct seen s = {0};
        _cleanup_free_ char *basic = NULL;
        size_t len;
        int r;

        for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++) {
                _cleanup_free_ char *p = vz_strdupf("%s/ve-%s.conf-sample", argv[1], samples[i]);
                r = run(p, -1, &s);
                CHECK(r == 0, "%s: %d: %s", samples[i], r, s.msgs);
        }
        {
                _cleanup_free_ char *p = vz_strdupf("%s/ve-basic.conf-sample", argv[1]);
                CHECK(vz_read_file(p, 1 << 20, &basic, &len) == 0);
        }

        /* Each rule of the full set, broken one at a time. */
        static const struct {
                const char *key, *value, *expect;
                int sev;
        } cases[] = {
            {"NUMPROC", "240:300", "barrier should be equal to limit for numproc", 0},
            {"KMEMSIZE", "14372700:100", "barrier should be <= limit for kmemsize", 0},
            {"VMGUARPAGES", "33792:40000", "limit should be unlimited for vmguarpages", 0},
            {"PHYSPAGES", "5:unlimited", "barrier should be = 0 for physpages", 0},
            {"DCACHESIZE", "100:200", "dcachesize.lim should be >", 1},
            {"KMEMSIZE", "1000:14790164", "kmemsize.bar should be >", 0},
            {"PRIVVMPAGES", "100:69632", "privvmpages.bar should be >", 1},
            {"TCPSNDBUF", "1720320:1720320", "tcpsndbuf.lim-tcpsndbuf.bar should be >", 0},
            {"TCPRCVBUF", "1720320:1720320", "tcprcvbuf.lim-tcprcvbuf.bar should be >", 1},
            {"DGRAMRCVBUF", "1000:1000", "dgramrcvbuf.bar should be > 32768", 1},
            {"DGRAMRCVBUF", "65536:65536", "dgramrcvbuf.bar should be > 132096", 2},
            {"NUMFILE", "100:100", "numfile should be >", 1},
            {"NUMIPTENT", NULL, "parameter numiptent not found", 0},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                vz_conffile *f = NULL;
                _cleanup_free_ char *text = NULL, *path = NULL;
                char want[160];

                CHECK(vz_conffile_parse(basic, len, &f) == 0);
                if (cases[i].value)
                        vz_conffile_set(f, cases[i].key, cases[i].value);
                else
                        vz_conffile_unset(f, cases[i].key);
                text = vz_conffile_serialize(f, NULL);
                vz_conffile_free(f);
                path = tmpfile_with(text);
                s.repair = false;
                r = run(path, -1, &s);
                snprintf(want, sizeof(want), "%d:%s", cases[i].sev, cases[i].expect);
                CHECK(strstr(s.msgs, want) != NULL, "%s=%s: want '%s', got %s", cases[i].key,
                      cases[i].value, want, s.msgs);
                CHECK((r > 0) == (cases[i].sev != 2), "%s: returned %d", cases[i].key, r);
                if (cases[i].value) {
                        /* Repair, then it validates, and only that key changed. */
                        _cleanup_free_ char *after = NULL;
                        s.repair = true;
                        r = run(path, -1, &s);
                        CHECK(r == 0, "%s: repair left %d: %s", cases[i].key, r, s.msgs);
                        s.repair = false;
                        CHECK(run(path, -1, &s) == 0, "%s: not valid after repair: %s",
                              cases[i].key, s.msgs);
                        CHECK(vz_read_file(path, 1 << 20, &after, NULL) == 0);
                }
                unlink(path);
        }

        /* VSwap mode: PHYSPAGES and SWAPPAGES required, shape checked. */
        {
                _cleanup_free_ char *p1 = tmpfile_with("PHYSPAGES=\"0:65536\"\n");
                _cleanup_free_ char *p2 = tmpfile_with("# keep\nPHYSPAGES=\"0:65536\"\n"
                                                       "SWAPPAGES=\"0:0\"\nNUMPROC=\"10:20\"\n");
                _cleanup_free_ char *after = NULL;
                s.repair = false;
                CHECK(run(p1, -1, &s) == 1 && strstr(s.msgs, "swappages not found"), "%s", s.msgs);
                CHECK(run(p2, -1, &s) == 1 && strstr(s.msgs, "equal to limit for numproc"), "%s",
                      s.msgs);
                CHECK(run(p2, 0, &s) > 1, "-v no: full rules: %s", s.msgs);
                s.repair = true;
                CHECK(run(p2, -1, &s) == 0, "%s", s.msgs);
                CHECK(vz_read_file(p2, 1 << 20, &after, NULL) == 0);
                CHECK_STREQ(after,
                            "# keep\nPHYSPAGES=\"0:65536\"\nSWAPPAGES=\"0:0\"\nNUMPROC=\"20\"\n");
                unlink(p1);
                unlink(p2);
        }
        {
                vz_err e = {0};
                CHECK(vz_cfg_validate("/nonexistent/x.conf", -1, NULL, NULL, &e) < 0);
        }
        return check_result("test-validate");
}

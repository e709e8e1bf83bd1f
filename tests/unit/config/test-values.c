/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Command-line values to stored values: round trips for every option, UBC
 * unit conversions, and bad values rejected with the right exit class. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config/config.h"
#include "macro.h"
#include "config/params.h"

static char *parse_opt(const char *opt, const char *arg, const char *cur, vz_err *e)
{
        const struct vz_param *p = vz_param_row_by_option(opt);
        char *v = NULL;

        if (!p) {
                CHECK(p, "no option --%s", opt);
                return NULL;
        }
        if (vz_param_parse(p, arg, cur, &v, e) < 0)
                return NULL;
        return v;
}

/* Expect "--opt arg" (against cur) to store want. */
static void expect(const char *opt, const char *arg, const char *cur, const char *want)
{
        vz_err e = {0};
        char *v = parse_opt(opt, arg, cur, &e);

        CHECK(v && strcmp(v, want) == 0, "--%s %s (cur '%s'): got '%s' (%s), want '%s'", opt, arg,
              cur ? cur : "", v ? v : "(null)", e.msg, want);
        free(v);
}

/* Expect "--opt arg" to fail with exit class cls and a message naming the
 * option and the value. */
static void expect_bad(const char *opt, const char *arg, int cls)
{
        vz_err e = {0};
        char *v = parse_opt(opt, arg, NULL, &e);

        CHECK(!v, "--%s '%s' accepted as '%s'", opt, arg, v ? v : "");
        CHECK(e.code == cls, "--%s '%s': class %d, want %d (%s)", opt, arg, e.code, cls, e.msg);
        CHECK(strstr(e.msg, opt) && strstr(e.msg, arg), "--%s '%s': message '%s'", opt, arg, e.msg);
        free(v);
}

static void test_round_trip(void)
{
        for (size_t i = 0; i < vz_param_table_size(); i++) {
                const struct vz_param *p = vz_param_row(i);
                vz_err e = {0};
                char *v1 = NULL, *v2 = NULL;

                if (!p->info.option)
                        continue;
                if (vz_param_parse(p, p->example, NULL, &v1, &e) < 0) {
                        CHECK(0, "--%s %s: %s", p->info.option, p->example, e.msg);
                        continue;
                }
                if (!v1)
                        continue; /* an option that removes the key */
                CHECK(vz_param_check_stored(p->info.name, v1, &e) == 0,
                      "--%s %s: stored '%s' refused by checker: %s", p->info.option, p->example, v1,
                      e.msg);
                /* Applying the same option again to its own result is stable
                 * (a modifying option does not duplicate entries). */
                if (vz_param_parse(p, p->example, v1, &v2, &e) < 0)
                        CHECK(0, "--%s %s again: %s", p->info.option, p->example, e.msg);
                else if (!p->fresh_list && !p->extra_option)
                        CHECK(v2 && strcmp(v1, v2) == 0, "--%s %s: '%s' then '%s'", p->info.option,
                              p->example, v1, v2 ? v2 : "(null)");
                free(v2);
                v2 = NULL;
                /* Where stored syntax is command-line syntax, the stored
                 * value parses to itself. */
                if (p->kind == VZ_KIND_UBC && p->parse != NULL && !p->extra_option) {
                        if (vz_param_parse(p, v1, NULL, &v2, &e) == 0)
                                CHECK(v2 && strcmp(v1, v2) == 0, "--%s: '%s' reparsed to '%s'",
                                      p->info.option, v1, v2 ? v2 : "(null)");
                        else
                                CHECK(0, "--%s: '%s' does not reparse: %s", p->info.option, v1,
                                      e.msg);
                }
                free(v1);
                free(v2);
        }
}

static void test_ubc(void)
{
        char buf[64];
        long ps = sysconf(_SC_PAGESIZE);

        snprintf(buf, sizeof(buf), "0:%ld", (512L << 20) / ps);
        expect("ram", "512M", NULL, buf);
        if (ps == 4096) {
                expect("ram", "512M", NULL, "0:131072");
                expect("ram", "2.2G", NULL, "0:576717"); /* rounded up */
                expect("ram", "1000", NULL, "0:1");      /* bytes, up to a page */
                expect("swap", "1G", NULL, "0:262144");
                expect("physpages", "0:256M", NULL, "0:65536");
                expect("physpages", "1024", NULL, "1024"); /* pages */
                expect("physpages", "8192b", NULL, "2");
                expect("kmemsize", "10P", NULL, "40960"); /* pages to bytes */
                expect("privvmpages", "2.2G:2.5G", NULL, "576717:655360");
        }
        expect("ram", "unlimited", NULL, "0:unlimited");
        expect("kmemsize", "14372700:14790164", NULL, "14372700:14790164");
        expect("kmemsize", "1K:2k", NULL, "1024:2048");
        expect("kmemsize", "2.5M", NULL, "2621440");
        expect("kmemsize", "1G:1G", NULL, "1073741824");
        expect("kmemsize", "unlimited", NULL, "unlimited");
        expect("kmemsize", "0:unlimited", NULL, "0:unlimited");
        expect("kmemsize", "9223372036854775807", NULL, "unlimited");
        expect("kmemsize", "99999999999999999999", NULL, "unlimited"); /* truncated */
        expect("numproc", "240", NULL, "240");
        expect("numproc", "240:240", NULL, "240");
        expect("numproc", "100:200", NULL, "100:200");
        expect("p", "50", NULL, "50");
        expect("numfile", "unlimited", NULL, "unlimited");

        int64_t b, l;
        CHECK(vz_ubc_parse_stored("0:131072", &b, &l) == 0 && b == 0 && l == 131072, "stored");
        CHECK(vz_ubc_parse_stored("unlimited", &b, &l) == 0 && b == VZ_UNLIMITED &&
                  l == VZ_UNLIMITED,
              "stored unlimited");
        CHECK(vz_ubc_parse_stored("240", &b, &l) == 0 && b == 240 && l == 240, "stored single");
        CHECK(vz_ubc_parse_stored("x", &b, &l) < 0, "stored garbage");
        CHECK(vz_ubc_parse_stored("5:4", &b, &l) < 0, "stored bar > lim");
        CHECK(vz_param_ubc_value("PHYSPAGES", "0:256M", &b, &l) == 0 && b == 0 &&
                  l == (256L << 20) / ps,
              "PHYSPAGES 0:256M");
        CHECK(vz_param_ubc_value("KMEMSIZE", "1M", &b, &l) == 0 && b == 1 << 20, "KMEMSIZE 1M");
        CHECK(vz_param_disk_value("DISKSPACE", "2G:2.2G", &b, &l) == 0 && b == 2097152 &&
                  l == 2306868,
              "DISKSPACE 2G:2.2G (%lld:%lld)", (long long)b, (long long)l);
}

static void test_other_kinds(void)
{
        char buf[64];
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

        expect("diskspace", "1000", NULL, "1000:1000");
        expect("diskspace", "2G:2.2G", NULL, "2097152:2306868");
        expect("diskspace", "10M:1T", NULL, "10240:1073741824");
        expect("diskinodes", "131072:144179", NULL, "131072:144179");
        expect("iolimit", "10", NULL, "10485760");
        expect("iolimit", "10M", NULL, "10485760");
        expect("iolimit", "512K", NULL, "524288");
        expect("iolimit", "100B", NULL, "100");
        expect("iolimit", "0", NULL, "0");
        expect("iolimit", "unlimited", NULL, "0");
        expect("iopslimit", "300", NULL, "300");
        expect("cpulimit", "150", NULL, "150");
        snprintf(buf, sizeof(buf), "%ld", 50 * (ncpu > 0 ? ncpu : 1));
        expect("cpulimit", "50%", NULL, buf);
        expect("cpuunits", "8", NULL, "8");
        expect("cpuunits", "500000", NULL, "500000");
        expect("cpumask", "0-2,7", NULL, "0-2,7");
        expect("cpumask", "all", NULL, "all");
        expect("cpumask", "auto", NULL, "auto");
        expect("nodemask", "0", NULL, "0");
        expect("ioprio", "0", NULL, "0");
        expect("ioprio", "7", NULL, "7");
        expect("onboot", "yes", NULL, "yes");
        expect("disabled", "NO", NULL, "no");
        expect("diskquota", "no", NULL, "no");
        expect("netfilter", "full", NULL, "full");
        expect("meminfo", "privvmpages:2", NULL, "privvmpages:2");
        expect("meminfo", "none", NULL, "none");
        expect("vm_overcommit", "1.5", NULL, "1.5");
        CHECK(parse_opt("vm_overcommit", "0", NULL, NULL) == NULL, "vm_overcommit 0 unsets");
        expect("layout", "ploop:expanded", NULL, "ploop:expanded");
        expect("velayout", "btrfs", NULL, "btrfs");
        expect("name", "my ct-1.test+x_y", NULL, "my ct-1.test+x_y");
        expect("hostname", "ct1.example.org", NULL, "ct1.example.org");
        expect("description", "any \"thing\" $x", NULL, "any \"thing\" $x");

        /* IP addresses. */
        expect("ipadd", "10.0.0.1", NULL, "10.0.0.1");
        expect("ipadd", "10.0.0.2/24", "10.0.0.1", "10.0.0.1 10.0.0.2/24");
        expect("ipadd", "10.0.0.1/16", "10.0.0.1 10.0.0.2", "10.0.0.2 10.0.0.1/16");
        expect("ip", "fd00:0::1 10.1.1.1", NULL, "fd00::1 10.1.1.1");
        expect("ipadd", "0.0.0.0", "10.0.0.1", "10.0.0.1");
        expect("ipadd", "::", NULL, "");
        expect("ipdel", "10.0.0.1", "10.0.0.1/24 10.0.0.2", "10.0.0.2");
        expect("ipdel", "fd00::0:1", "fd00::1 10.0.0.2", "10.0.0.2");
        expect("ipdel", "all", "10.0.0.1 10.0.0.2", "");

        /* DNS: a fresh list (cur NULL) or accumulating (cur given). */
        expect("nameserver", "8.8.8.8", NULL, "8.8.8.8");
        expect("nameserver", "1.1.1.1", "8.8.8.8", "8.8.8.8 1.1.1.1");
        expect("nameserver", "inherit", NULL, "inherit");
        expect("searchdomain", "example.com", NULL, "example.com");
        expect("searchdomain", "b.org", "a.com", "a.com b.org");

        /* veth. */
        expect("netif_add", "eth0", NULL, "ifname=eth0");
        expect("netif_add", "eth1,00:11:22:33:44:55,veth101.1,00:11:22:33:44:66,br0", "ifname=eth0",
               "ifname=eth0;ifname=eth1,mac=00:11:22:33:44:55,host_ifname=veth101.1,"
               "host_mac=00:11:22:33:44:66,bridge=br0");
        expect("netif_add", "eth0,,,,br1", "ifname=eth0,mac=00:11:22:33:44:55",
               "ifname=eth0,bridge=br1");
        expect("netif_del", "eth0", "ifname=eth0;ifname=eth1", "ifname=eth1");
        expect("netif_del", "all", "ifname=eth0;ifname=eth1", "");
        expect("netdev_add", "eth3", "eth2", "eth2 eth3");
        expect("netdev_del", "eth2", "eth2 eth3", "eth3");

        /* Lists merged into the current value. */
        expect("capability", "sys_time:on", "CHOWN:off", "CHOWN:off SYS_TIME:on");
        expect("capability", "chown:on,net_admin:off", "CHOWN:off SYS_TIME:on",
               "SYS_TIME:on CHOWN:on NET_ADMIN:off");
        expect("features", "nfs:on", "sysfs:off nfs:off", "sysfs:off nfs:on");
        expect("devnodes", "fuse:rw", "net/tun:rw", "net/tun:rw fuse:rw");
        expect("devnodes", "net/tun:none", "net/tun:rw", "net/tun:none");
        expect("devices", "c:10:200:rw", NULL, "c:10:200:rw");
        expect("devices", "b:8:all:r", "c:10:200:rw", "c:10:200:rw b:8:all:r");
        expect("pci_add", "01:00.0", NULL, "0000:01:00.0");
        expect("pci_del", "0000:01:00.0", "0000:01:00.0 0000:02:00.1", "0000:02:00.1");
        expect("iptables", "ip_tables iptable_filter", NULL, "ip_tables iptable_filter");
}

static void test_bad(void)
{
        /* UBC and sizes. */
        expect_bad("kmemsize", "abc", VZ_E_VALUE);
        expect_bad("kmemsize", "10X", VZ_E_VALUE);
        expect_bad("kmemsize", "10MB", VZ_E_VALUE);
        expect_bad("kmemsize", "-5", VZ_E_VALUE);
        expect_bad("kmemsize", "1:2:3", VZ_E_VALUE);
        expect_bad("kmemsize", "200:100", VZ_E_VALUE);
        expect_bad("kmemsize", "", VZ_E_VALUE);
        expect_bad("kmemsize", "1.", VZ_E_VALUE);
        expect_bad("kmemsize", "16E", VZ_E_VALUE);
        expect_bad("numproc", "10K", VZ_E_VALUE); /* items take no suffix */
        expect_bad("numproc", "1.5", VZ_E_VALUE);
        expect_bad("ram", "0:512M", VZ_E_VALUE);
        expect_bad("ram", "lots", VZ_E_VALUE);
        expect_bad("diskspace", "unlimited", VZ_E_VALUE);
        expect_bad("diskspace", "10:5", VZ_E_VALUE);
        expect_bad("diskspace", "5P", VZ_E_VALUE);
        expect_bad("diskinodes", "10K", VZ_E_VALUE);
        /* Integers and ranges. */
        expect_bad("cpuunits", "7", VZ_E_VALUE);
        expect_bad("cpuunits", "500001", VZ_E_VALUE);
        expect_bad("cpuunits", "1e3", VZ_E_VALUE);
        expect_bad("ioprio", "8", VZ_E_VALUE);
        expect_bad("ioprio", "-1", VZ_E_VALUE);
        expect_bad("cpulimit", "101%", VZ_E_VALUE);
        expect_bad("cpulimit", "x%", VZ_E_VALUE);
        expect_bad("iolimit", "3G", VZ_E_VALUE);
        expect_bad("iolimit", "10Q", VZ_E_VALUE);
        expect_bad("bootorder", "soon", VZ_E_VALUE);
        expect_bad("stop-timeout", "-3", VZ_E_VALUE);
        expect_bad("local_uid", "-1", VZ_E_VALUE);
        expect_bad("vm_overcommit", "-1", VZ_E_VALUE);
        expect_bad("vm_overcommit", "nan", VZ_E_VALUE);
        /* Enumerations and words. */
        expect_bad("onboot", "maybe", VZ_E_VALUE);
        expect_bad("netfilter", "partial", VZ_E_VALUE);
        expect_bad("layout", "zfs", VZ_E_VALUE);
        expect_bad("meminfo", "pages:x", VZ_E_VALUE);
        expect_bad("cpumask", "3-1", VZ_E_VALUE);
        expect_bad("cpumask", "1,,2", VZ_E_VALUE);
        expect_bad("nodemask", "auto", VZ_E_VALUE);
        expect_bad("root", "relative/path", VZ_E_VALUE);
        expect_bad("ostemplate", "../etc", VZ_E_VALUE);
        expect_bad("mount_opts", "a b", VZ_E_VALUE);
        /* Lists. */
        expect_bad("capability", "sys_time", VZ_E_VALUE);
        expect_bad("capability", "sys_bogus:on", VZ_E_VALUE);
        expect_bad("features", "warp:on", VZ_E_VALUE);
        expect_bad("devnodes", "tun:rx", VZ_E_VALUE);
        expect_bad("devnodes", "../sda:rw", VZ_E_VALUE);
        expect_bad("devices", "c:7:0:rw", VZ_E_VALUE); /* loop */
        expect_bad("devices", "x:1:2:rw", VZ_E_VALUE);
        expect_bad("pci_add", "zz:00.0", VZ_E_VALUE);
        expect_bad("netif_add", "eth0,not-a-mac", VZ_E_VALUE);
        expect_bad("netif_add", "eth0;x", VZ_E_VALUE);
        expect_bad("netdev_add", "venet0", VZ_E_VALUE);
        expect_bad("netdev_add", "lo", VZ_E_VALUE);
        expect_bad("iptables", "ipt_bogus", VZ_E_VALUE);
        /* Classes of their own. */
        expect_bad("ipadd", "10.0.0.256", VZ_E_BADIP);
        expect_bad("ipadd", "10.0.0.1/33", VZ_E_BADIP);
        expect_bad("ipadd", "host.example", VZ_E_BADIP);
        expect_bad("ipdel", "nope", VZ_E_BADIP);
        expect_bad("hostname", "bad_host!", VZ_E_BADHOSTNAME);
        expect_bad("hostname", "-x", VZ_E_BADHOSTNAME);
        expect_bad("nameserver", "dns.example", VZ_E_BADDNSSRV);
        expect_bad("searchdomain", "bad domain!", VZ_E_BADDNSSEARCH);
        expect_bad("name", "a/b", VZ_E_SET_NAME);
        expect_bad("name", "x;y", VZ_E_SET_NAME);

        /* Stored values read from files. */
        vz_err e = {0};
        CHECK(vz_param_check_stored("PHYSPAGES", "0:256M", NULL) == 0, "sample syntax");
        CHECK(vz_param_check_stored("DISKSPACE", "2G:2.2G", NULL) == 0, "sample disk");
        CHECK(vz_param_check_stored("IOLIMIT", "10485760", NULL) == 0, "stored iolimit");
        CHECK(vz_param_check_stored("NETIF", "ifname=eth0,mac=00:11:22:33:44:55;ifname=eth1",
                                    NULL) == 0,
              "stored netif");
        CHECK(vz_param_check_stored("NETIF", "eth0", &e) < 0 && e.code == VZ_E_VALUE,
              "stored bad netif");
        CHECK(vz_param_check_stored("CPUUNITS", "lots", NULL) < 0, "stored bad cpuunits");
        CHECK(vz_param_check_stored("UNKNOWN_KEY", "anything", NULL) == 0, "unknown key");
        CHECK(vz_param_check_stored("DCACHE", "x", NULL) < 0, "alias checked");
}

int main(void)
{
        test_round_trip();
        test_ubc();
        test_other_kinds();
        test_bad();
        return check_result("test-values");
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parsers and checkers of the parameter table (params.c): parsers turn
 * command-line arguments into the canonical stored form (OPENVZ.md 2.1);
 * checkers accept what OpenVZ itself accepted in a file, including the human
 * suffixes of the shipped samples.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "params.h"
#include "params-parse.h"
#include "util.h"

/* ------------------------------------------------------------ error helpers */

const char *vzp_opt_name(const struct vz_param *p)
{
        return p->info.option ? p->info.option : p->info.name;
}

int vzp_bad_value(const struct vz_param *p, vz_err *e, const char *arg, const char *why)
{
        int cls = p->err_class ? p->err_class : VZ_E_VALUE;

        if (p->info.option)
                return vz_fail(e, cls, -EINVAL, "invalid value for --%s: '%s'%s%s", p->info.option,
                               arg ? arg : "", why ? ": " : "", why ? why : "");
        return vz_fail(e, cls, -EINVAL, "invalid value for %s: '%s'%s%s", p->info.name,
                       arg ? arg : "", why ? ": " : "", why ? why : "");
}

int vzp_set_ret(char **ret, char *v, vz_err *e)
{
        if (!v)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        *ret = v;
        return 0;
}

static bool has_ctrl(const char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 && *s != '\t')
                        return true;
        return false;
}

/* ------------------------------------------------------------ simple kinds */

int vzp_parse_string(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                     vz_err *e)
{
        /* Any text, but no line breaks: a config line must stay one line for
         * the shell scripts that source it. */
        if (has_ctrl(arg))
                return vzp_bad_value(p, e, arg, "control characters are not allowed");
        return vzp_set_ret(ret, strdup(arg), e);
}

int vzp_parse_word(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e)
{
        if (isempty(arg) || has_ctrl(arg) || strpbrk(arg, " \t\n"))
                return vzp_bad_value(p, e, arg, "a single word is expected");
        return vzp_set_ret(ret, strdup(arg), e);
}

int vzp_parse_path(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e)
{
        if (isempty(arg) || arg[0] != '/')
                return vzp_bad_value(p, e, arg, "an absolute path is expected");
        if (has_ctrl(arg))
                return vzp_bad_value(p, e, arg, "control characters are not allowed");
        return vzp_set_ret(ret, strdup(arg), e);
}

int vzp_parse_int(const struct vz_param *p, const char *arg, const char *cur, char **ret, vz_err *e)
{
        int64_t v;
        int r = vz_int_parse(arg, p->min, p->max, &v);

        if (r == -ERANGE) {
                char why[96];
                snprintf(why, sizeof(why), "must be between %lld and %lld", (long long)p->min,
                         (long long)p->max);
                return vzp_bad_value(p, e, arg, why);
        }
        if (r < 0)
                return vzp_bad_value(p, e, arg, "a number is expected");
        return vzp_set_ret(ret, vz_strdupf("%lld", (long long)v), e);
}

int vzp_parse_yesno(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e)
{
        if (arg && strcasecmp(arg, "yes") == 0)
                return vzp_set_ret(ret, strdup("yes"), e);
        if (arg && strcasecmp(arg, "no") == 0)
                return vzp_set_ret(ret, strdup("no"), e);
        return vzp_bad_value(p, e, arg, "yes or no is expected");
}

int vzp_parse_enum(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e)
{
        for (size_t i = 0; arg && p->choices[i]; i++)
                if (streq(p->choices[i], arg))
                        return vzp_set_ret(ret, strdup(arg), e);
        return vzp_bad_value(p, e, arg, "not one of the allowed values");
}

int vzp_parse_float(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e)
{
        char *end;
        double v;

        if (isempty(arg) || !(isdigit((unsigned char)arg[0]) || arg[0] == '.'))
                return vzp_bad_value(p, e, arg, "a non-negative number is expected");
        errno = 0;
        v = strtod(arg, &end);
        if (errno || *end || !isfinite(v) || v < 0)
                return vzp_bad_value(p, e, arg, "a non-negative number is expected");
        /* Stored only when non-zero (OpenVZ 2.1). */
        if (v == 0) {
                *ret = NULL;
                return 0;
        }
        return vzp_set_ret(ret, vz_strdupf("%g", v), e);
}

int vzp_check_any(const struct vz_param *p, const char *value, vz_err *e)
{
        return 0;
}

int vzp_check_by_parse(const struct vz_param *p, const char *value, vz_err *e)
{
        _cleanup_free_ char *v = NULL;
        return p->parse(p, value, NULL, &v, e);
}

/* ------------------------------------------------------------ resources */

static int ubc_error(const struct vz_param *p, vz_err *e, const char *arg, int r)
{
        if (r == -EDOM)
                return vzp_bad_value(p, e, arg, "this parameter counts items and takes no suffix");
        if (r == -ERANGE)
                return vzp_bad_value(p, e, arg, "barrier is greater than limit");
        if (r == -ENOMEM)
                return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        return vzp_bad_value(
            p, e, arg,
            "expected barrier[:limit], numbers with an optional K, M, G, T, P or B "
            "suffix, or 'unlimited'");
}

int vzp_parse_ubc(const struct vz_param *p, const char *arg, const char *cur, char **ret, vz_err *e)
{
        int64_t bar, lim;
        int r = vz_ubc_parse(arg, p->unit, &bar, &lim);

        if (r < 0)
                return ubc_error(p, e, arg, r);
        return vzp_set_ret(ret, vz_ubc_format(bar, lim), e);
}

/* --ram / --swap: bytes rounded up to pages, barrier 0. */
int vzp_parse_memsize(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e)
{
        int64_t pages;
        int r;

        if (!arg || strchr(arg, ':'))
                return vzp_bad_value(p, e, arg, "a single size is expected");
        r = vz_size_parse(arg, VZ_UNIT_PAGES, true, &pages);
        if (r < 0)
                return ubc_error(p, e, arg, r);
        /* A bare number means bytes here, unlike for --physpages. */
        if (isdigit((unsigned char)arg[strlen(arg) - 1])) {
                _cleanup_free_ char *b = vz_strdupf("%sb", arg);
                if (!b)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                r = vz_size_parse(b, VZ_UNIT_PAGES, true, &pages);
                if (r < 0)
                        return ubc_error(p, e, arg, r);
        }
        return vzp_set_ret(ret, vz_ubc_format(0, pages), e);
}

int vzp_check_ubc(const struct vz_param *p, const char *value, vz_err *e)
{
        int64_t bar, lim;
        int r = vz_ubc_parse(value, p->unit, &bar, &lim);
        return r < 0 ? ubc_error(p, e, value, r) : 0;
}

int vzp_parse_disk(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e)
{
        int64_t soft, hard;
        int r = vz_disk_parse(arg, p->unit, &soft, &hard);

        if (r == -ERANGE)
                return vzp_bad_value(p, e, arg, "soft limit is greater than hard limit");
        if (r == -EDOM)
                return vzp_bad_value(p, e, arg, "a plain number is expected");
        if (r < 0)
                return vzp_bad_value(p, e, arg,
                                     p->unit == VZ_UNIT_KB
                                         ? "expected soft[:hard] in KB, or with a K, M, G or T "
                                           "suffix"
                                         : "expected soft[:hard] as numbers");
        return vzp_set_ret(ret, vz_strdupf("%lld:%lld", (long long)soft, (long long)hard), e);
}

int vzp_parse_cpulimit(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                       vz_err *e)
{
        _cleanup_free_ char *num = NULL;
        size_t n = arg ? strlen(arg) : 0;
        bool pct = n > 0 && arg[n - 1] == '%';
        int64_t v;

        num = strndup(arg ? arg : "", pct ? n - 1 : n);
        if (!num)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        if (vz_int_parse(num, 0, pct ? 100 : 100 * 65536, &v) < 0)
                return vzp_bad_value(p, e, arg,
                                     "expected N (percent of one CPU) or N% (of the host)");
        if (pct) {
                long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
                v *= ncpu > 0 ? ncpu : 1;
        }
        return vzp_set_ret(ret, vz_strdupf("%lld", (long long)v), e);
}

int vzp_check_cpulimit(const struct vz_param *p, const char *value, vz_err *e)
{
        int64_t v;
        if (vz_int_parse(value, 0, INT32_MAX, &v) < 0)
                return vzp_bad_value(p, e, value, "a percentage is expected");
        return 0;
}

#define IOLIMIT_MAX (2LL << 30) /* 2 GB/s, as OpenVZ capped it */

int vzp_parse_iolimit(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e)
{
        int64_t v;
        int r;

        if (arg && streq(arg, "unlimited"))
                return vzp_set_ret(ret, strdup("0"), e);
        if (arg && *arg && isdigit((unsigned char)arg[strlen(arg) - 1])) {
                /* The command line counts in MB/s when no suffix is given. */
                _cleanup_free_ char *m = vz_strdupf("%sM", arg);
                if (!m)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                r = vz_size_parse(m, VZ_UNIT_BYTES, false, &v);
        } else
                r = vz_size_parse(arg, VZ_UNIT_BYTES, false, &v);
        if (r < 0 || (arg && strpbrk(arg, "pP")))
                return vzp_bad_value(p, e, arg, "expected N[B|K|M|G] (default MB/s) or unlimited");
        if (v > IOLIMIT_MAX)
                return vzp_bad_value(p, e, arg, "the maximum is 2G (bytes per second)");
        return vzp_set_ret(ret, vz_strdupf("%lld", (long long)v), e);
}

int vzp_check_iolimit(const struct vz_param *p, const char *value, vz_err *e)
{
        int64_t v;
        if (vz_int_parse(value, 0, INT64_MAX, &v) < 0)
                return vzp_bad_value(p, e, value, "bytes per second expected");
        return 0;
}

int vzp_parse_iopslimit(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e)
{
        if (arg && streq(arg, "unlimited"))
                return vzp_set_ret(ret, strdup("0"), e);
        return vzp_parse_int(p, arg, cur, ret, e);
}

int vzp_parse_mask(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e)
{
        bool cpu = streq(p->info.name, "CPUMASK");

        if (cpu && arg && streq(arg, "auto"))
                return vzp_set_ret(ret, strdup(arg), e);
        if (!vz_mask_valid(arg, cpu ? 4096 : 1024))
                return vzp_bad_value(p, e, arg, "expected a list like 0-2,7, or all");
        return vzp_set_ret(ret, strdup(arg), e);
}

int vzp_parse_meminfo(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e)
{
        const char *colon;
        int64_t v;

        if (arg && streq(arg, "none"))
                return vzp_set_ret(ret, strdup(arg), e);
        colon = arg ? strchr(arg, ':') : NULL;
        if (!colon ||
            !((colon - arg == 5 && strneq(arg, "pages", 5)) ||
              (colon - arg == 11 && strneq(arg, "privvmpages", 11))) ||
            vz_int_parse(colon + 1, 1, INT64_MAX, &v) < 0)
                return vzp_bad_value(p, e, arg, "expected none, pages:N or privvmpages:N");
        return vzp_set_ret(ret, strdup(arg), e);
}

/* ------------------------------------------------------------ names */

int vzp_parse_hostname(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                       vz_err *e)
{
        if (!vz_hostname_valid(arg))
                return vzp_bad_value(p, e, arg, "not a valid host name");
        return vzp_set_ret(ret, strdup(arg), e);
}

int vzp_parse_ctname(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                     vz_err *e)
{
        if (!vz_ctname_valid(arg))
                return vzp_bad_value(p, e, arg,
                                     "only letters, digits, space and - + _ . are allowed");
        return vzp_set_ret(ret, strdup(arg), e);
}

int vzp_parse_plainname(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e)
{
        if (!vz_plainname_valid(arg))
                return vzp_bad_value(p, e, arg, "only letters, digits and . _ - are allowed");
        return vzp_set_ret(ret, strdup(arg), e);
}

int vzp_parse_mount_opts(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                         vz_err *e)
{
        if (isempty(arg))
                return vzp_bad_value(p, e, arg, "mount options expected");
        for (const char *c = arg; *c; c++)
                if (!isalnum((unsigned char)*c) && !strchr("=_,.-+", *c))
                        return vzp_bad_value(p, e, arg, "not a mount option list");
        return vzp_set_ret(ret, strdup(arg), e);
}

/* ------------------------------------------------------------ lists */

/* Split a stored list (space separated) and a command-line argument (space or
 * comma separated). */
static int split_words(const char *s, const char *seps, char ***ret, vz_err *e)
{
        int r = vz_strv_split(s ? s : "", seps, ret);
        return r < 0 ? vz_fail(e, VZ_E_SYSTEM, r, "out of memory") : 0;
}

static int join_ret(char **v, char **ret, vz_err *e)
{
        return vzp_set_ret(ret, vz_strv_join(v, " "), e);
}

/* Remove entries of v for which same(entry, key) holds. */
static void strv_remove_if(char **v, const char *key, bool (*same)(const char *, const char *))
{
        size_t i, j;
        for (i = j = 0; v && v[i]; i++) {
                if (same(v[i], key))
                        free(v[i]);
                else
                        v[j++] = v[i];
        }
        if (v)
                v[j] = NULL;
}

static bool same_str(const char *a, const char *b)
{
        return streq(a, b);
}

static bool same_ip(const char *a, const char *b)
{
        /* Compare addresses without their masks, in binary (::1 == 0::1). */
        unsigned char x[16] = {0}, y[16] = {0};
        int fa, fb;

        if (vz_ip_parse(a, true, &fa, x) < 0 || vz_ip_parse(b, true, &fb, y) < 0)
                return streq(a, b);
        return fa == fb && memcmp(x, y, fa == AF_INET ? 4 : 16) == 0;
}

static bool ip_is_any(const char *s)
{
        unsigned char x[16] = {0}, zero[16] = {0};
        int f;
        return vz_ip_parse(s, true, &f, x) == 0 && memcmp(x, zero, f == AF_INET ? 4 : 16) == 0;
}

int vzp_parse_ipadd(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e)
{
        _cleanup_strv_free_ char **v = NULL, **add = NULL;
        int r;

        r = split_words(cur, " \t\n", &v, e);
        if (r < 0)
                return r;
        r = split_words(arg, " \t\n,", &add, e);
        if (r < 0)
                return r;
        if (!add[0])
                return vzp_bad_value(p, e, arg, "an IP address is expected");
        for (size_t i = 0; add[i]; i++) {
                _cleanup_free_ char *c = vz_ip_canonical(add[i]);
                if (!c)
                        return vzp_bad_value(p, e, add[i], "not a valid IPv4 or IPv6 address");
                if (ip_is_any(c))
                        continue;
                /* An address already there is replaced, so its mask can change. */
                strv_remove_if(v, c, same_ip);
                r = vz_strv_consume(&v, TAKE_PTR(c));
                if (r < 0)
                        return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        }
        return join_ret(v, ret, e);
}

int vzp_parse_ipdel(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e)
{
        _cleanup_strv_free_ char **v = NULL, **del = NULL;
        int r;

        if (arg && streq(arg, "all"))
                return vzp_set_ret(ret, strdup(""), e);
        r = split_words(cur, " \t\n", &v, e);
        if (r < 0)
                return r;
        r = split_words(arg, " \t\n,", &del, e);
        if (r < 0)
                return r;
        if (!del[0])
                return vzp_bad_value(p, e, arg, "an IP address or 'all' is expected");
        for (size_t i = 0; del[i]; i++) {
                unsigned char b[16];
                int f;
                if (vz_ip_parse(del[i], true, &f, b) < 0)
                        return vzp_bad_value(p, e, del[i], "not a valid IPv4 or IPv6 address");
                strv_remove_if(v, del[i], same_ip);
        }
        return join_ret(v, ret, e);
}

int vzp_check_iplist(const struct vz_param *p, const char *value, vz_err *e)
{
        _cleanup_strv_free_ char **v = NULL;
        int r = split_words(value, " \t\n", &v, e);
        if (r < 0)
                return r;
        for (size_t i = 0; v[i]; i++) {
                unsigned char b[16];
                int f;
                if (vz_ip_parse(v[i], true, &f, b) < 0)
                        return vzp_bad_value(p, e, v[i], "not a valid IPv4 or IPv6 address");
        }
        return 0;
}

/* --nameserver / --searchdomain: cur is NULL on the first use in a change
 * set, so each call replaces the list and repeats accumulate. */
int vzp_parse_dnslist(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e)
{
        bool ns = streq(p->info.name, "NAMESERVER");
        _cleanup_strv_free_ char **v = NULL, **add = NULL;
        int r;

        r = split_words(cur, " \t\n", &v, e);
        if (r < 0)
                return r;
        r = split_words(arg, " \t\n,", &add, e);
        if (r < 0)
                return r;
        if (!add[0])
                return vzp_bad_value(p, e, arg,
                                     ns ? "an address is expected" : "a domain is expected");
        for (size_t i = 0; add[i]; i++) {
                unsigned char b[16];
                int f;
                bool ok = streq(add[i], "inherit") ||
                          (ns ? vz_ip_parse(add[i], false, &f, b) == 0 : vz_domain_valid(add[i]));
                if (!ok) {
                        char why[128];
                        snprintf(why, sizeof(why), "'%.64s' is not a valid %s", add[i],
                                 ns ? "IP address" : "domain");
                        return vzp_bad_value(p, e, arg, why);
                }
                if (vz_strv_contains(v, add[i]))
                        continue;
                r = vz_strv_push(&v, add[i]);
                if (r < 0)
                        return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        }
        return join_ret(v, ret, e);
}

/* NETIF: "ifname=eth0,mac=..,host_ifname=..,host_mac=..,bridge=..;..." */
static const char *const netif_keys[] = {"ifname", "mac",        "host_ifname", "host_mac",
                                         "bridge", "mac_filter", NULL};

static bool netif_field_valid(const char *key, const char *val)
{
        if (streq(key, "ifname") || streq(key, "host_ifname") || streq(key, "bridge"))
                return vz_ifname_valid(val);
        if (streq(key, "mac") || streq(key, "host_mac"))
                return vz_mac_valid(val);
        if (streq(key, "mac_filter"))
                return streq(val, "on") || streq(val, "off");
        return false;
}

/* Validate one stored entry; *ret_ifname points into a copy the caller frees. */
static int netif_entry_check(const char *entry, char **ret_ifname)
{
        _cleanup_strv_free_ char **f = NULL;
        _cleanup_free_ char *ifname = NULL;
        int r = vz_strv_split(entry, ",", &f);

        if (r < 0)
                return r;
        for (size_t i = 0; f[i]; i++) {
                char *eq = strchr(f[i], '=');
                bool known = false;
                if (!eq)
                        return -EINVAL;
                *eq = '\0';
                for (size_t k = 0; netif_keys[k]; k++)
                        known = known || streq(netif_keys[k], f[i]);
                if (!known || !netif_field_valid(f[i], eq + 1))
                        return -EINVAL;
                if (streq(f[i], "ifname")) {
                        free(ifname);
                        ifname = strdup(eq + 1);
                        if (!ifname)
                                return -ENOMEM;
                }
        }
        if (!ifname)
                return -EINVAL;
        if (ret_ifname)
                *ret_ifname = TAKE_PTR(ifname);
        return 0;
}

static bool same_netif(const char *entry, const char *ifname)
{
        _cleanup_free_ char *n = NULL;
        return netif_entry_check(entry, &n) == 0 && streq(n, ifname);
}

int vzp_check_netif(const struct vz_param *p, const char *value, vz_err *e)
{
        _cleanup_strv_free_ char **v = NULL;
        int r = vz_strv_split(value, ";", &v);

        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        for (size_t i = 0; v[i]; i++)
                if (netif_entry_check(v[i], NULL) < 0)
                        return vzp_bad_value(p, e, v[i], "not a valid interface description");
        return 0;
}

int vzp_parse_netif_add(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e)
{
        static const char *const order[] = {"ifname", "mac", "host_ifname", "host_mac", "bridge"};
        _cleanup_strv_free_ char **v = NULL;
        _cleanup_free_ char *entry = NULL;
        char *fields[5] = {NULL};
        _cleanup_free_ char *copy = NULL;
        char *s, *tok;
        size_t n = 0;
        int r;

        if (isempty(arg) || strchr(arg, ';'))
                return vzp_bad_value(p, e, arg,
                                     "expected ifname[,mac,host_ifname,host_mac,bridge]");
        copy = strdup(arg);
        if (!copy)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        /* strsep, not strtok: empty fields ("eth0,,veth1") are positional. */
        for (s = copy; (tok = strsep(&s, ",")) != NULL; n++) {
                if (n >= 5)
                        return vzp_bad_value(p, e, arg, "too many fields");
                fields[n] = tok;
        }
        entry = strdup("");
        for (size_t i = 0; i < 5 && entry; i++) {
                char *ne;
                if (!fields[i] || !*fields[i]) {
                        if (i == 0)
                                return vzp_bad_value(p, e, arg, "interface name missing");
                        continue;
                }
                if (!netif_field_valid(order[i], fields[i]))
                        return vzp_bad_value(
                            p, e, arg, i == 1 || i == 3 ? "bad MAC address" : "bad interface name");
                ne = vz_strdupf("%s%s%s=%s", entry, *entry ? "," : "", order[i], fields[i]);
                free(entry);
                entry = ne;
        }
        if (!entry)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        r = vz_strv_split(cur ? cur : "", ";", &v);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        strv_remove_if(v, fields[0], same_netif);
        r = vz_strv_consume(&v, TAKE_PTR(entry));
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        return vzp_set_ret(ret, vz_strv_join(v, ";"), e);
}

int vzp_parse_netif_del(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e)
{
        _cleanup_strv_free_ char **v = NULL;
        int r;

        if (arg && streq(arg, "all"))
                return vzp_set_ret(ret, strdup(""), e);
        if (!vz_ifname_valid(arg))
                return vzp_bad_value(p, e, arg, "expected an interface name or all");
        r = vz_strv_split(cur ? cur : "", ";", &v);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        strv_remove_if(v, arg, same_netif);
        return vzp_set_ret(ret, vz_strv_join(v, ";"), e);
}

static bool netdev_allowed(const char *n)
{
        /* These belong to the CT's own network setup, never to the host. */
        return vz_ifname_valid(n) && !vz_startswith(n, "venet") && !vz_startswith(n, "tun") &&
               !vz_startswith(n, "tap") && !vz_startswith(n, "lo");
}

int vzp_parse_netdev(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                     vz_err *e)
{
        bool del = streq(p->info.option ? p->info.option : "", "netdev_del");
        _cleanup_strv_free_ char **v = NULL, **a = NULL;
        int r;

        r = split_words(cur, " \t\n", &v, e);
        if (r < 0)
                return r;
        r = split_words(arg, " \t\n,", &a, e);
        if (r < 0)
                return r;
        if (!a[0])
                return vzp_bad_value(p, e, arg, "a device name is expected");
        for (size_t i = 0; a[i]; i++) {
                if (!netdev_allowed(a[i]))
                        return vzp_bad_value(p, e, a[i], "this device name is not allowed");
                strv_remove_if(v, a[i], same_str);
                if (!del && (r = vz_strv_push(&v, a[i])) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        }
        return join_ret(v, ret, e);
}

static bool pci_valid(const char *s)
{
        unsigned dom = 0, bus, slot, fn;
        int n = -1;
        char c;

        if (isempty(s) || strlen(s) > 12)
                return false;
        for (const char *q = s; *q; q++)
                if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
                        return false;
        if (sscanf(s, "%x:%x:%x.%x%n%c", &dom, &bus, &slot, &fn, &n, &c) == 4 && n > 0 && !s[n])
                return dom <= 0xffff && bus <= 0xff && slot <= 0x1f && fn <= 7;
        n = -1;
        if (sscanf(s, "%x:%x.%x%n%c", &bus, &slot, &fn, &n, &c) == 3 && n > 0 && !s[n])
                return bus <= 0xff && slot <= 0x1f && fn <= 7;
        return false;
}

static char *pci_canonical(const char *s)
{
        unsigned dom = 0, bus, slot, fn;
        if (sscanf(s, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4) {
                dom = 0;
                if (sscanf(s, "%x:%x.%x", &bus, &slot, &fn) != 3)
                        return NULL;
        }
        return vz_strdupf("%04x:%02x:%02x.%x", dom, bus, slot, fn);
}

int vzp_parse_pci(const struct vz_param *p, const char *arg, const char *cur, char **ret, vz_err *e)
{
        bool del = streq(p->info.option ? p->info.option : "", "pci_del");
        _cleanup_strv_free_ char **v = NULL, **a = NULL;
        int r;

        r = split_words(cur, " \t\n", &v, e);
        if (r < 0)
                return r;
        r = split_words(arg, " \t\n,", &a, e);
        if (r < 0)
                return r;
        if (!a[0])
                return vzp_bad_value(p, e, arg, "a PCI address is expected");
        for (size_t i = 0; a[i]; i++) {
                _cleanup_free_ char *c = NULL;
                if (!pci_valid(a[i]) || !(c = pci_canonical(a[i])))
                        return vzp_bad_value(p, e, a[i], "expected [domain:]bus:slot.func");
                strv_remove_if(v, c, same_str);
                if (!del && (r = vz_strv_consume(&v, TAKE_PTR(c))) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        }
        return join_ret(v, ret, e);
}

static const char *const capability_names[] = {
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
    "ve_admin",
    NULL,
};

static const char *const feature_names[] = {"sysfs", "nfs",    "sit",  "ipip", "ppp",
                                            "ipgre", "bridge", "nfsd", "time", NULL};

static bool same_onoff_name(const char *entry, const char *name)
{
        const char *c = strchr(entry, ':');
        size_t n = c ? (size_t)(c - entry) : strlen(entry);
        return strlen(name) == n && strncasecmp(entry, name, n) == 0;
}

/* "name:on|off" lists (CAPABILITY, FEATURES), merged into the current one. */
int vzp_parse_onoff(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e)
{
        bool caps = streq(p->info.name, "CAPABILITY");
        const char *const *names = caps ? capability_names : feature_names;
        _cleanup_strv_free_ char **v = NULL, **a = NULL;
        int r;

        r = split_words(cur, " \t\n", &v, e);
        if (r < 0)
                return r;
        r = split_words(arg, " \t\n,", &a, e);
        if (r < 0)
                return r;
        if (!a[0])
                return vzp_bad_value(p, e, arg, "expected name:on|off[,...]");
        for (size_t i = 0; a[i]; i++) {
                char *c = strchr(a[i], ':');
                const char *known = NULL;
                char *entry;

                if (!c || (strcmp(c + 1, "on") && strcmp(c + 1, "off")))
                        return vzp_bad_value(p, e, a[i], "expected name:on or name:off");
                *c = '\0';
                for (size_t k = 0; names[k] && !known; k++)
                        if (strcasecmp(names[k], a[i]) == 0)
                                known = names[k];
                *c = ':';
                if (!known)
                        return vzp_bad_value(p, e, a[i],
                                             caps ? "unknown capability" : "unknown feature");
                entry = vz_strdupf("%s:%s", known, c + 1);
                if (!entry)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                /* OpenVZ writes capability names in upper case. */
                for (char *q = entry; caps && *q != ':'; q++)
                        *q = toupper((unsigned char)*q);
                strv_remove_if(v, known, same_onoff_name);
                r = vz_strv_consume(&v, entry);
                if (r < 0)
                        return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        }
        return join_ret(v, ret, e);
}

static bool perm_valid(const char *s)
{
        if (streq(s, "none"))
                return true;
        if (!*s || strlen(s) > 3)
                return false;
        for (const char *q = s; *q; q++)
                if (!strchr("rwq", *q) || strchr(q + 1, *q))
                        return false;
        return true;
}

static bool same_dev_key(const char *entry, const char *key)
{
        const char *c = strrchr(entry, ':');
        size_t n = c ? (size_t)(c - entry) : strlen(entry);
        return strlen(key) == n && strncmp(entry, key, n) == 0;
}

/* DEVNODES "name:perm" / DEVICES "b|c:major:minor|all:perm" lists. */
int vzp_parse_devlist(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e)
{
        bool nodes = streq(p->info.name, "DEVNODES");
        _cleanup_strv_free_ char **v = NULL, **a = NULL;
        int r;

        r = split_words(cur, " \t\n", &v, e);
        if (r < 0)
                return r;
        if (arg && streq(arg, "none"))
                return vzp_set_ret(ret, strdup(""), e);
        r = split_words(arg, " \t\n,", &a, e);
        if (r < 0)
                return r;
        if (!a[0])
                return vzp_bad_value(
                    p, e, arg, nodes ? "expected name:perm" : "expected b|c:major:minor|all:perm");
        for (size_t i = 0; a[i]; i++) {
                char *c = strrchr(a[i], ':');
                _cleanup_free_ char *key = NULL;

                if (!c || !perm_valid(c + 1))
                        return vzp_bad_value(p, e, a[i], "permissions must be [r][w][q] or none");
                key = strndup(a[i], c - a[i]);
                if (!key)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                if (nodes) {
                        if (!*key || key[0] == '/' || strstr(key, "..") || has_ctrl(key))
                                return vzp_bad_value(p, e, a[i],
                                                     "a device name under /dev is expected");
                } else {
                        const char *rest = key + 2, *colon2;
                        size_t nmaj;

                        if ((key[0] != 'b' && key[0] != 'c') || key[1] != ':')
                                return vzp_bad_value(p, e, a[i], "type must be b or c");
                        colon2 = strchr(rest, ':');
                        nmaj = strspn(rest, "0123456789");
                        if (!streq(rest, "all") &&
                            !(colon2 && nmaj > 0 && nmaj <= 9 && rest + nmaj == colon2 &&
                              (streq(colon2 + 1, "all") ||
                               (colon2[1] && strlen(colon2 + 1) <= 9 &&
                                strspn(colon2 + 1, "0123456789") == strlen(colon2 + 1)))))
                                return vzp_bad_value(p, e, a[i],
                                                     "expected b|c:major:minor|all:perm");
                        /* The loop driver would give the CT raw access to host files. */
                        if (isdigit((unsigned char)rest[0]) && atoi(rest) == 7)
                                return vzp_bad_value(p, e, a[i],
                                                     "loop devices (major 7) are refused");
                }
                strv_remove_if(v, key, same_dev_key);
                r = vz_strv_push(&v, a[i]);
                if (r < 0)
                        return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        }
        return join_ret(v, ret, e);
}

static const char *const iptables_modules[] = {
    "ip_tables",        "iptable_filter", "iptable_mangle",
    "ipt_limit",        "ipt_multiport",  "ipt_tos",
    "ipt_TOS",          "ipt_REJECT",     "ipt_TCPMSS",
    "ipt_tcpmss",       "ipt_ttl",        "ipt_LOG",
    "ipt_length",       "ip_conntrack",   "ip_conntrack_ftp",
    "ip_conntrack_irc", "ipt_conntrack",  "ipt_state",
    "ipt_helper",       "iptable_nat",    "ip_nat_ftp",
    "ip_nat_irc",       "ipt_REDIRECT",   "xt_mac",
    "ipt_recent",       "ipt_owner",      NULL,
};

int vzp_parse_iptables(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                       vz_err *e)
{
        _cleanup_strv_free_ char **v = NULL, **a = NULL;
        int r;

        r = split_words(arg, " \t\n,", &a, e);
        if (r < 0)
                return r;
        for (size_t i = 0; a[i]; i++) {
                bool ok = false;
                for (size_t k = 0; iptables_modules[k]; k++)
                        ok = ok || streq(iptables_modules[k], a[i]);
                if (!ok)
                        return vzp_bad_value(p, e, a[i], "unknown iptables module");
                if (!vz_strv_contains(v, a[i]) && (r = vz_strv_push(&v, a[i])) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        }
        if (!v)
                return vzp_bad_value(p, e, arg, "a module list is expected");
        return join_ret(v, ret, e);
}

/* Stored space-separated lists of words (globals like IPTABLES_MODULES). */
int vzp_parse_words(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e)
{
        if (has_ctrl(arg))
                return vzp_bad_value(p, e, arg, "control characters are not allowed");
        return vzp_set_ret(ret, strdup(arg), e);
}

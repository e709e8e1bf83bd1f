/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parameter table (OPENVZ.md 2.3, 2.4, 3.2): every parameter vz knows,
 * with its option, help, kind, unit, range, default, flags, parser and
 * checker. Parsers turn command-line arguments into the canonical stored
 * form (2.1); checkers accept what OpenVZ itself accepted in a file,
 * including the human suffixes of the shipped samples.
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
#include "util.h"

static const char *const kind_names[_VZ_KIND_MAX] = {
    [VZ_KIND_STRING] = "string", [VZ_KIND_PATH] = "path",   [VZ_KIND_INT] = "int",
    [VZ_KIND_FLOAT] = "float",   [VZ_KIND_YESNO] = "yesno", [VZ_KIND_ENUM] = "enum",
    [VZ_KIND_UBC] = "ubc",       [VZ_KIND_DISK] = "disk",   [VZ_KIND_LIST] = "list",
    [VZ_KIND_MASK] = "mask",
};

const char *vz_param_kind_to_string(enum vz_param_kind k)
{
        if (k < 0 || k >= _VZ_KIND_MAX)
                return NULL;
        return kind_names[k];
}

enum vz_param_kind vz_param_kind_from_string(const char *s)
{
        for (int i = 0; i < _VZ_KIND_MAX; i++)
                if (s && streq(kind_names[i], s))
                        return (enum vz_param_kind)i;
        return _VZ_KIND_INVALID;
}

/* ------------------------------------------------------------ error helpers */

static const char *opt_name(const struct vz_param *p)
{
        return p->info.option ? p->info.option : p->info.name;
}

static int bad_value(const struct vz_param *p, vz_err *e, const char *arg, const char *why)
{
        int cls = p->err_class ? p->err_class : VZ_E_VALUE;

        if (p->info.option)
                return vz_fail(e, cls, -EINVAL, "invalid value for --%s: '%s'%s%s", p->info.option,
                               arg ? arg : "", why ? ": " : "", why ? why : "");
        return vz_fail(e, cls, -EINVAL, "invalid value for %s: '%s'%s%s", p->info.name,
                       arg ? arg : "", why ? ": " : "", why ? why : "");
}

static int set_ret(char **ret, char *v, vz_err *e)
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

static int parse_string(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e)
{
        /* Any text, but no line breaks: a config line must stay one line for
         * the shell scripts that source it. */
        if (has_ctrl(arg))
                return bad_value(p, e, arg, "control characters are not allowed");
        return set_ret(ret, strdup(arg), e);
}

static int parse_word(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e)
{
        if (isempty(arg) || has_ctrl(arg) || strpbrk(arg, " \t\n"))
                return bad_value(p, e, arg, "a single word is expected");
        return set_ret(ret, strdup(arg), e);
}

static int parse_path(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e)
{
        if (isempty(arg) || arg[0] != '/')
                return bad_value(p, e, arg, "an absolute path is expected");
        if (has_ctrl(arg))
                return bad_value(p, e, arg, "control characters are not allowed");
        return set_ret(ret, strdup(arg), e);
}

static int parse_int(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                     vz_err *e)
{
        int64_t v;
        int r = vz_int_parse(arg, p->min, p->max, &v);

        if (r == -ERANGE) {
                char why[96];
                snprintf(why, sizeof(why), "must be between %lld and %lld", (long long)p->min,
                         (long long)p->max);
                return bad_value(p, e, arg, why);
        }
        if (r < 0)
                return bad_value(p, e, arg, "a number is expected");
        return set_ret(ret, vz_strdupf("%lld", (long long)v), e);
}

static int parse_yesno(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                       vz_err *e)
{
        if (arg && strcasecmp(arg, "yes") == 0)
                return set_ret(ret, strdup("yes"), e);
        if (arg && strcasecmp(arg, "no") == 0)
                return set_ret(ret, strdup("no"), e);
        return bad_value(p, e, arg, "yes or no is expected");
}

static int parse_enum(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e)
{
        for (size_t i = 0; arg && p->choices[i]; i++)
                if (streq(p->choices[i], arg))
                        return set_ret(ret, strdup(arg), e);
        return bad_value(p, e, arg, "not one of the allowed values");
}

static int parse_float(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                       vz_err *e)
{
        char *end;
        double v;

        if (isempty(arg) || !(isdigit((unsigned char)arg[0]) || arg[0] == '.'))
                return bad_value(p, e, arg, "a non-negative number is expected");
        errno = 0;
        v = strtod(arg, &end);
        if (errno || *end || !isfinite(v) || v < 0)
                return bad_value(p, e, arg, "a non-negative number is expected");
        /* Stored only when non-zero (OpenVZ 2.1). */
        if (v == 0) {
                *ret = NULL;
                return 0;
        }
        return set_ret(ret, vz_strdupf("%g", v), e);
}

static int check_any(const struct vz_param *p, const char *value, vz_err *e)
{
        return 0;
}

static int check_by_parse(const struct vz_param *p, const char *value, vz_err *e)
{
        _cleanup_free_ char *v = NULL;
        return p->parse(p, value, NULL, &v, e);
}

/* ------------------------------------------------------------ resources */

static int ubc_error(const struct vz_param *p, vz_err *e, const char *arg, int r)
{
        if (r == -EDOM)
                return bad_value(p, e, arg, "this parameter counts items and takes no suffix");
        if (r == -ERANGE)
                return bad_value(p, e, arg, "barrier is greater than limit");
        if (r == -ENOMEM)
                return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        return bad_value(p, e, arg,
                         "expected barrier[:limit], numbers with an optional K, M, G, T, P or B "
                         "suffix, or 'unlimited'");
}

static int parse_ubc(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                     vz_err *e)
{
        int64_t bar, lim;
        int r = vz_ubc_parse(arg, p->unit, &bar, &lim);

        if (r < 0)
                return ubc_error(p, e, arg, r);
        return set_ret(ret, vz_ubc_format(bar, lim), e);
}

/* --ram / --swap: bytes rounded up to pages, barrier 0. */
static int parse_memsize(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                         vz_err *e)
{
        int64_t pages;
        int r;

        if (!arg || strchr(arg, ':'))
                return bad_value(p, e, arg, "a single size is expected");
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
        return set_ret(ret, vz_ubc_format(0, pages), e);
}

static int check_ubc(const struct vz_param *p, const char *value, vz_err *e)
{
        int64_t bar, lim;
        int r = vz_ubc_parse(value, p->unit, &bar, &lim);
        return r < 0 ? ubc_error(p, e, value, r) : 0;
}

static int parse_disk(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e)
{
        int64_t soft, hard;
        int r = vz_disk_parse(arg, p->unit, &soft, &hard);

        if (r == -ERANGE)
                return bad_value(p, e, arg, "soft limit is greater than hard limit");
        if (r == -EDOM)
                return bad_value(p, e, arg, "a plain number is expected");
        if (r < 0)
                return bad_value(p, e, arg,
                                 p->unit == VZ_UNIT_KB
                                     ? "expected soft[:hard] in KB, or with a K, M, G or T "
                                       "suffix"
                                     : "expected soft[:hard] as numbers");
        return set_ret(ret, vz_strdupf("%lld:%lld", (long long)soft, (long long)hard), e);
}

static int parse_cpulimit(const struct vz_param *p, const char *arg, const char *cur, char **ret,
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
                return bad_value(p, e, arg, "expected N (percent of one CPU) or N% (of the host)");
        if (pct) {
                long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
                v *= ncpu > 0 ? ncpu : 1;
        }
        return set_ret(ret, vz_strdupf("%lld", (long long)v), e);
}

static int check_cpulimit(const struct vz_param *p, const char *value, vz_err *e)
{
        int64_t v;
        if (vz_int_parse(value, 0, INT32_MAX, &v) < 0)
                return bad_value(p, e, value, "a percentage is expected");
        return 0;
}

#define IOLIMIT_MAX (2LL << 30) /* 2 GB/s, as OpenVZ capped it */

static int parse_iolimit(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                         vz_err *e)
{
        int64_t v;
        int r;

        if (arg && streq(arg, "unlimited"))
                return set_ret(ret, strdup("0"), e);
        if (arg && *arg && isdigit((unsigned char)arg[strlen(arg) - 1])) {
                /* The command line counts in MB/s when no suffix is given. */
                _cleanup_free_ char *m = vz_strdupf("%sM", arg);
                if (!m)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                r = vz_size_parse(m, VZ_UNIT_BYTES, false, &v);
        } else
                r = vz_size_parse(arg, VZ_UNIT_BYTES, false, &v);
        if (r < 0 || (arg && strpbrk(arg, "pP")))
                return bad_value(p, e, arg, "expected N[B|K|M|G] (default MB/s) or unlimited");
        if (v > IOLIMIT_MAX)
                return bad_value(p, e, arg, "the maximum is 2G (bytes per second)");
        return set_ret(ret, vz_strdupf("%lld", (long long)v), e);
}

static int check_iolimit(const struct vz_param *p, const char *value, vz_err *e)
{
        int64_t v;
        if (vz_int_parse(value, 0, INT64_MAX, &v) < 0)
                return bad_value(p, e, value, "bytes per second expected");
        return 0;
}

static int parse_iopslimit(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                           vz_err *e)
{
        if (arg && streq(arg, "unlimited"))
                return set_ret(ret, strdup("0"), e);
        return parse_int(p, arg, cur, ret, e);
}

static int parse_mask(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e)
{
        bool cpu = streq(p->info.name, "CPUMASK");

        if (cpu && arg && streq(arg, "auto"))
                return set_ret(ret, strdup(arg), e);
        if (!vz_mask_valid(arg, cpu ? 4096 : 1024))
                return bad_value(p, e, arg, "expected a list like 0-2,7, or all");
        return set_ret(ret, strdup(arg), e);
}

static int parse_meminfo(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                         vz_err *e)
{
        const char *colon;
        int64_t v;

        if (arg && streq(arg, "none"))
                return set_ret(ret, strdup(arg), e);
        colon = arg ? strchr(arg, ':') : NULL;
        if (!colon ||
            !((colon - arg == 5 && strneq(arg, "pages", 5)) ||
              (colon - arg == 11 && strneq(arg, "privvmpages", 11))) ||
            vz_int_parse(colon + 1, 1, INT64_MAX, &v) < 0)
                return bad_value(p, e, arg, "expected none, pages:N or privvmpages:N");
        return set_ret(ret, strdup(arg), e);
}

/* ------------------------------------------------------------ names */

static int parse_hostname(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                          vz_err *e)
{
        if (!vz_hostname_valid(arg))
                return bad_value(p, e, arg, "not a valid host name");
        return set_ret(ret, strdup(arg), e);
}

static int parse_ctname(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e)
{
        if (!vz_ctname_valid(arg))
                return bad_value(p, e, arg, "only letters, digits, space and - + _ . are allowed");
        return set_ret(ret, strdup(arg), e);
}

static int parse_plainname(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                           vz_err *e)
{
        if (!vz_plainname_valid(arg))
                return bad_value(p, e, arg, "only letters, digits and . _ - are allowed");
        return set_ret(ret, strdup(arg), e);
}

static int parse_layout(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e)
{
        static const char *const ok[] = {"simfs",       "ploop",     "btrfs",   "ploop:expanded",
                                         "ploop:plain", "ploop:raw", "overlay", NULL};
        for (size_t i = 0; arg && ok[i]; i++)
                if (streq(ok[i], arg))
                        return set_ret(ret, strdup(arg), e);
        return bad_value(p, e, arg, "expected simfs, ploop[:expanded|plain|raw], btrfs or overlay");
}

static int parse_mount_opts(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                            vz_err *e)
{
        if (isempty(arg))
                return bad_value(p, e, arg, "mount options expected");
        for (const char *c = arg; *c; c++)
                if (!isalnum((unsigned char)*c) && !strchr("=_,.-+", *c))
                        return bad_value(p, e, arg, "not a mount option list");
        return set_ret(ret, strdup(arg), e);
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
        return set_ret(ret, vz_strv_join(v, " "), e);
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

static int parse_ipadd(const struct vz_param *p, const char *arg, const char *cur, char **ret,
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
                return bad_value(p, e, arg, "an IP address is expected");
        for (size_t i = 0; add[i]; i++) {
                _cleanup_free_ char *c = vz_ip_canonical(add[i]);
                if (!c)
                        return bad_value(p, e, add[i], "not a valid IPv4 or IPv6 address");
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

static int parse_ipdel(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                       vz_err *e)
{
        _cleanup_strv_free_ char **v = NULL, **del = NULL;
        int r;

        if (arg && streq(arg, "all"))
                return set_ret(ret, strdup(""), e);
        r = split_words(cur, " \t\n", &v, e);
        if (r < 0)
                return r;
        r = split_words(arg, " \t\n,", &del, e);
        if (r < 0)
                return r;
        if (!del[0])
                return bad_value(p, e, arg, "an IP address or 'all' is expected");
        for (size_t i = 0; del[i]; i++) {
                unsigned char b[16];
                int f;
                if (vz_ip_parse(del[i], true, &f, b) < 0)
                        return bad_value(p, e, del[i], "not a valid IPv4 or IPv6 address");
                strv_remove_if(v, del[i], same_ip);
        }
        return join_ret(v, ret, e);
}

static int check_iplist(const struct vz_param *p, const char *value, vz_err *e)
{
        _cleanup_strv_free_ char **v = NULL;
        int r = split_words(value, " \t\n", &v, e);
        if (r < 0)
                return r;
        for (size_t i = 0; v[i]; i++) {
                unsigned char b[16];
                int f;
                if (vz_ip_parse(v[i], true, &f, b) < 0)
                        return bad_value(p, e, v[i], "not a valid IPv4 or IPv6 address");
        }
        return 0;
}

/* --nameserver / --searchdomain: cur is NULL on the first use in a change
 * set, so each call replaces the list and repeats accumulate. */
static int parse_dnslist(const struct vz_param *p, const char *arg, const char *cur, char **ret,
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
                return bad_value(p, e, arg, ns ? "an address is expected" : "a domain is expected");
        for (size_t i = 0; add[i]; i++) {
                unsigned char b[16];
                int f;
                bool ok = streq(add[i], "inherit") ||
                          (ns ? vz_ip_parse(add[i], false, &f, b) == 0 : vz_domain_valid(add[i]));
                if (!ok) {
                        char why[128];
                        snprintf(why, sizeof(why), "'%.64s' is not a valid %s", add[i],
                                 ns ? "IP address" : "domain");
                        return bad_value(p, e, arg, why);
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

static int check_netif(const struct vz_param *p, const char *value, vz_err *e)
{
        _cleanup_strv_free_ char **v = NULL;
        int r = vz_strv_split(value, ";", &v);

        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        for (size_t i = 0; v[i]; i++)
                if (netif_entry_check(v[i], NULL) < 0)
                        return bad_value(p, e, v[i], "not a valid interface description");
        return 0;
}

static int parse_netif_add(const struct vz_param *p, const char *arg, const char *cur, char **ret,
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
                return bad_value(p, e, arg, "expected ifname[,mac,host_ifname,host_mac,bridge]");
        copy = strdup(arg);
        if (!copy)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        /* strsep, not strtok: empty fields ("eth0,,veth1") are positional. */
        for (s = copy; (tok = strsep(&s, ",")) != NULL; n++) {
                if (n >= 5)
                        return bad_value(p, e, arg, "too many fields");
                fields[n] = tok;
        }
        entry = strdup("");
        for (size_t i = 0; i < 5 && entry; i++) {
                char *ne;
                if (!fields[i] || !*fields[i]) {
                        if (i == 0)
                                return bad_value(p, e, arg, "interface name missing");
                        continue;
                }
                if (!netif_field_valid(order[i], fields[i]))
                        return bad_value(
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
        return set_ret(ret, vz_strv_join(v, ";"), e);
}

static int parse_netif_del(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                           vz_err *e)
{
        _cleanup_strv_free_ char **v = NULL;
        int r;

        if (arg && streq(arg, "all"))
                return set_ret(ret, strdup(""), e);
        if (!vz_ifname_valid(arg))
                return bad_value(p, e, arg, "expected an interface name or all");
        r = vz_strv_split(cur ? cur : "", ";", &v);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        strv_remove_if(v, arg, same_netif);
        return set_ret(ret, vz_strv_join(v, ";"), e);
}

static bool netdev_allowed(const char *n)
{
        /* These belong to the CT's own network setup, never to the host. */
        return vz_ifname_valid(n) && !vz_startswith(n, "venet") && !vz_startswith(n, "tun") &&
               !vz_startswith(n, "tap") && !vz_startswith(n, "lo");
}

static int parse_netdev(const struct vz_param *p, const char *arg, const char *cur, char **ret,
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
                return bad_value(p, e, arg, "a device name is expected");
        for (size_t i = 0; a[i]; i++) {
                if (!netdev_allowed(a[i]))
                        return bad_value(p, e, a[i], "this device name is not allowed");
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

static int parse_pci(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                     vz_err *e)
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
                return bad_value(p, e, arg, "a PCI address is expected");
        for (size_t i = 0; a[i]; i++) {
                _cleanup_free_ char *c = NULL;
                if (!pci_valid(a[i]) || !(c = pci_canonical(a[i])))
                        return bad_value(p, e, a[i], "expected [domain:]bus:slot.func");
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
static int parse_onoff(const struct vz_param *p, const char *arg, const char *cur, char **ret,
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
                return bad_value(p, e, arg, "expected name:on|off[,...]");
        for (size_t i = 0; a[i]; i++) {
                char *c = strchr(a[i], ':');
                const char *known = NULL;
                char *entry;

                if (!c || (strcmp(c + 1, "on") && strcmp(c + 1, "off")))
                        return bad_value(p, e, a[i], "expected name:on or name:off");
                *c = '\0';
                for (size_t k = 0; names[k] && !known; k++)
                        if (strcasecmp(names[k], a[i]) == 0)
                                known = names[k];
                *c = ':';
                if (!known)
                        return bad_value(p, e, a[i],
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
static int parse_devlist(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                         vz_err *e)
{
        bool nodes = streq(p->info.name, "DEVNODES");
        _cleanup_strv_free_ char **v = NULL, **a = NULL;
        int r;

        r = split_words(cur, " \t\n", &v, e);
        if (r < 0)
                return r;
        if (arg && streq(arg, "none"))
                return set_ret(ret, strdup(""), e);
        r = split_words(arg, " \t\n,", &a, e);
        if (r < 0)
                return r;
        if (!a[0])
                return bad_value(
                    p, e, arg, nodes ? "expected name:perm" : "expected b|c:major:minor|all:perm");
        for (size_t i = 0; a[i]; i++) {
                char *c = strrchr(a[i], ':');
                _cleanup_free_ char *key = NULL;

                if (!c || !perm_valid(c + 1))
                        return bad_value(p, e, a[i], "permissions must be [r][w][q] or none");
                key = strndup(a[i], c - a[i]);
                if (!key)
                        return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                if (nodes) {
                        if (!*key || key[0] == '/' || strstr(key, "..") || has_ctrl(key))
                                return bad_value(p, e, a[i],
                                                 "a device name under /dev is expected");
                } else {
                        const char *rest = key + 2, *colon2;
                        size_t nmaj;

                        if ((key[0] != 'b' && key[0] != 'c') || key[1] != ':')
                                return bad_value(p, e, a[i], "type must be b or c");
                        colon2 = strchr(rest, ':');
                        nmaj = strspn(rest, "0123456789");
                        if (!streq(rest, "all") &&
                            !(colon2 && nmaj > 0 && nmaj <= 9 && rest + nmaj == colon2 &&
                              (streq(colon2 + 1, "all") ||
                               (colon2[1] && strlen(colon2 + 1) <= 9 &&
                                strspn(colon2 + 1, "0123456789") == strlen(colon2 + 1)))))
                                return bad_value(p, e, a[i], "expected b|c:major:minor|all:perm");
                        /* The loop driver would give the CT raw access to host files. */
                        if (isdigit((unsigned char)rest[0]) && atoi(rest) == 7)
                                return bad_value(p, e, a[i], "loop devices (major 7) are refused");
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

static int parse_iptables(const struct vz_param *p, const char *arg, const char *cur, char **ret,
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
                        return bad_value(p, e, a[i], "unknown iptables module");
                if (!vz_strv_contains(v, a[i]) && (r = vz_strv_push(&v, a[i])) < 0)
                        return vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
        }
        if (!v)
                return bad_value(p, e, arg, "a module list is expected");
        return join_ret(v, ret, e);
}

/* Stored space-separated lists of words (globals like IPTABLES_MODULES). */
static int parse_words(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                       vz_err *e)
{
        if (has_ctrl(arg))
                return bad_value(p, e, arg, "control characters are not allowed");
        return set_ret(ret, strdup(arg), e);
}

/* ------------------------------------------------------------ the table */

static const char *const netfilter_choices[] = {"disabled", "stateless", "stateful", "full", NULL};
static const char *const stop_mode_choices[] = {"suspend", "stop", NULL};

#define F_UBC VZ_PF_UBC
#define F_NE  VZ_PF_NOT_ENFORCED
#define F_G   VZ_PF_GLOBAL
#define F_I   VZ_PF_INTERNAL

#define UBC(NAME, opt, unit_, flags_, help_, ex)                                                   \
        {                                                                                          \
                .info = {NAME, opt, help_, "B[:L]", VZ_PF_UBC | (flags_)}, .kind = VZ_KIND_UBC,    \
                .unit = unit_, .parse = parse_ubc, .check = check_ubc, .example = ex,              \
        }

#define INTERNAL(NAME, help_, flags_, parse_, def_)                                                \
        {                                                                                          \
                .info = {NAME, NULL, help_, NULL, VZ_PF_INTERNAL | (flags_)},                      \
                .kind = VZ_KIND_STRING, .parse = parse_, .check = check_by_parse, .def = def_,     \
        }

#define INTERNAL_YESNO(NAME, help_, flags_, def_)                                                  \
        {                                                                                          \
                .info = {NAME, NULL, help_, NULL, VZ_PF_INTERNAL | (flags_)},                      \
                .kind = VZ_KIND_YESNO, .parse = parse_yesno, .check = check_by_parse, .def = def_, \
        }

#define INTERNAL_PATH(NAME, help_, flags_, def_)                                                   \
        {                                                                                          \
                .info = {NAME, NULL, help_, NULL, VZ_PF_INTERNAL | (flags_)},                      \
                .kind = VZ_KIND_PATH, .parse = parse_path, .check = check_by_parse, .def = def_,   \
        }

#define INTERNAL_INT(NAME, help_, flags_, lo, hi, def_)                                            \
        {                                                                                          \
                .info = {NAME, NULL, help_, NULL, VZ_PF_INTERNAL | (flags_)}, .kind = VZ_KIND_INT, \
                .min = lo, .max = hi, .parse = parse_int, .check = check_by_parse, .def = def_,    \
        }

static const struct vz_param table[] = {
    /* ---- identity and storage */
    {.info = {"VE_ROOT", "root", "mount point of the CT root ($VEID allowed)", "PATH",
              VZ_PF_NO_RUNNING},
     .kind = VZ_KIND_PATH,
     .parse = parse_path,
     .check = check_by_parse,
     .def = "/vz/root/$VEID",
     .example = "/vz/root/$VEID"},
    {.info = {"VE_PRIVATE", "private", "private area of the CT ($VEID allowed)", "PATH",
              VZ_PF_NO_RUNNING},
     .kind = VZ_KIND_PATH,
     .parse = parse_path,
     .check = check_by_parse,
     .def = "/vz/private/$VEID",
     .example = "/vz/private/101"},
    {.info = {"VE_LAYOUT", "layout", "storage layout: simfs, ploop[:mode], btrfs or overlay",
              "LAYOUT",
              VZ_PF_CREATE_ONLY},
     .opt_aliases = {"ve_layout", "velayout"},
     .kind = VZ_KIND_ENUM,
     .parse = parse_layout,
     .check = check_by_parse,
     .def = "simfs",
     .example = "simfs"},
    {.info = {"MOUNT_OPTS", "mount_opts", "extra mount options for the CT filesystem", "OPT[,OPT]",
              VZ_PF_RESTART},
     .kind = VZ_KIND_STRING,
     .parse = parse_mount_opts,
     .check = check_by_parse,
     .example = "noatime,nodev"},
    {.info = {"OSTEMPLATE", "ostemplate", "OS template the CT was created from", "NAME",
              VZ_PF_NEEDS_SAVE},
     .kind = VZ_KIND_STRING,
     .parse = parse_plainname,
     .check = check_by_parse,
     .example = "debian-12-x86_64-minimal"},
    INTERNAL("ORIGIN_SAMPLE", "sample the config was created from", 0, parse_word, NULL),
    {.info = {"NAME", "name", "CT name (letters, digits, space, - + _ .)", "NAME",
              VZ_PF_NEEDS_SAVE},
     .kind = VZ_KIND_STRING,
     .parse = parse_ctname,
     .check = check_by_parse,
     .err_class = VZ_E_SET_NAME,
     .example = "web server-1"},
    INTERNAL_INT("VEID", "CT id, stored by some tools", 0, 0, VZ_CTID_MAX, NULL),
    {.info = {"DESCRIPTION", "description", "free text description", "TEXT", 0},
     .kind = VZ_KIND_STRING,
     .parse = parse_string,
     .check = check_any,
     .example = "test \"box\" $HOME"},
    {.info = {"LOCAL_UID", "local_uid", "first host UID of the CT's user namespace (0: none)",
              "UID", VZ_PF_CREATE_ONLY},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = 4294901759LL,
     .parse = parse_int,
     .check = check_by_parse,
     .def = "100000",
     .example = "200000"},
    {.info = {"LOCAL_GID", "local_gid", "first host GID of the CT's user namespace (0: none)",
              "GID", VZ_PF_CREATE_ONLY},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = 4294901759LL,
     .parse = parse_int,
     .check = check_by_parse,
     .def = "100000",
     .example = "200000"},

    /* ---- network */
    {.info = {"HOSTNAME", "hostname", "host name of the CT", "NAME", 0},
     .kind = VZ_KIND_STRING,
     .parse = parse_hostname,
     .check = check_by_parse,
     .err_class = VZ_E_BADHOSTNAME,
     .example = "ct101.example.com"},
    {.info = {"IP_ADDRESS", "ipadd", "add venet IP address(es)", "ADDR[/MASK]", VZ_PF_LIST},
     .opt_aliases = {"ip"},
     .kind = VZ_KIND_LIST,
     .parse = parse_ipadd,
     .check = check_iplist,
     .err_class = VZ_E_BADIP,
     .example = "10.0.0.5/24 fd00::5"},
    {.info = {"IP_ADDRESS", "ipdel", "remove venet IP address(es)", "ADDR|all", VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = parse_ipdel,
     .check = check_iplist,
     .err_class = VZ_E_BADIP,
     .extra_option = true,
     .example = "10.0.0.5"},
    {.info = {"NAMESERVER", "nameserver", "DNS server address, or inherit", "ADDR|inherit",
              VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = parse_dnslist,
     .check = check_by_parse,
     .err_class = VZ_E_BADDNSSRV,
     .fresh_list = true,
     .example = "8.8.8.8 2001:4860::8888"},
    {.info = {"SEARCHDOMAIN", "searchdomain", "DNS search domain, or inherit", "NAME|inherit",
              VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = parse_dnslist,
     .check = check_by_parse,
     .err_class = VZ_E_BADDNSSEARCH,
     .fresh_list = true,
     .example = "example.com"},
    {.info = {"NETIF", "netif_add", "add a veth interface", "IF[,MAC,HOST_IF,HOST_MAC,BRIDGE]", 0},
     .kind = VZ_KIND_LIST,
     .parse = parse_netif_add,
     .check = check_netif,
     .example = "eth0,00:18:51:aa:bb:cc,veth101.0,,vmbr0"},
    {.info = {"NETIF", "netif_del", "remove a veth interface", "IF|all", 0},
     .kind = VZ_KIND_LIST,
     .parse = parse_netif_del,
     .check = check_netif,
     .extra_option = true,
     .example = "eth1"},
    {.info = {"NETDEV", "netdev_add", "move a host network device into the CT", "DEV", VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = parse_netdev,
     .check = check_by_parse,
     .example = "eth2"},
    {.info = {"NETDEV", "netdev_del", "give a network device back to the host", "DEV", VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = parse_netdev,
     .check = check_by_parse,
     .extra_option = true,
     .example = "eth2"},
    INTERNAL("VETH", "obsolete, ignored", 0, parse_string, NULL),
    {.info = {"NETFILTER", "netfilter", "netfilter access: disabled, stateless, stateful, full",
              "MODE", VZ_PF_RESTART},
     .kind = VZ_KIND_ENUM,
     .choices = netfilter_choices,
     .parse = parse_enum,
     .check = check_by_parse,
     .example = "stateless"},
    {.info = {"IPTABLES", "iptables", "allowed iptables modules (obsolete)", "MOD[,MOD]",
              VZ_PF_RESTART | VZ_PF_LIST | VZ_PF_NOT_ENFORCED},
     .kind = VZ_KIND_LIST,
     .parse = parse_iptables,
     .check = check_by_parse,
     .example = "ip_tables,iptable_filter"},

    /* ---- boot */
    {.info = {"ONBOOT", "onboot", "start the CT at host boot", "yes|no", 0},
     .kind = VZ_KIND_YESNO,
     .parse = parse_yesno,
     .check = check_by_parse,
     .example = "yes"},
    {.info = {"BOOTORDER", "bootorder", "boot order (higher starts earlier)", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = INT32_MAX,
     .parse = parse_int,
     .check = check_by_parse,
     .example = "10"},
    {.info = {"DISABLED", "disabled", "refuse to start the CT", "yes|no", 0},
     .kind = VZ_KIND_YESNO,
     .parse = parse_yesno,
     .check = check_by_parse,
     .example = "no"},
    {.info = {"STOP_TIMEOUT", "stop-timeout", "seconds to wait for a clean stop (0: 120)", "SEC",
              VZ_PF_NEEDS_SAVE},
     .opt_aliases = {"stop_timeout"},
     .kind = VZ_KIND_INT,
     .unit = VZ_UNIT_SECONDS,
     .min = 0,
     .max = INT32_MAX,
     .parse = parse_int,
     .check = check_by_parse,
     .def = "120",
     .example = "60"},

    /* ---- security */
    {.info = {"CAPABILITY", "capability", "turn capabilities on or off", "CAP:on|off[,...]",
              VZ_PF_RESTART | VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = parse_onoff,
     .check = check_by_parse,
     .example = "sys_time:on,net_admin:off"},
    {.info = {"FEATURES", "features", "turn kernel features on or off", "NAME:on|off[,...]",
              VZ_PF_RESTART | VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = parse_onoff,
     .check = check_by_parse,
     .example = "nfs:on,sysfs:off"},
    {.info = {"DEVICES", "devices", "device access", "b|c:MAJ:MIN|all:PERM", VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = parse_devlist,
     .check = check_by_parse,
     .example = "c:10:200:rw b:8:all:r"},
    {.info = {"DEVNODES", "devnodes", "device nodes to create in the CT", "NAME:PERM", VZ_PF_LIST},
     .kind = VZ_KIND_LIST,
     .parse = parse_devlist,
     .check = check_by_parse,
     .example = "net/tun:rw fuse:rw"},
    {.info = {"PCI", "pci_add", "give a PCI device to the CT", "[DOM:]BUS:SLOT.FN",
              VZ_PF_LIST | VZ_PF_NOT_ENFORCED},
     .kind = VZ_KIND_LIST,
     .parse = parse_pci,
     .check = check_by_parse,
     .example = "0000:01:00.0"},
    {.info = {"PCI", "pci_del", "take a PCI device back", "[DOM:]BUS:SLOT.FN",
              VZ_PF_LIST | VZ_PF_NOT_ENFORCED},
     .kind = VZ_KIND_LIST,
     .parse = parse_pci,
     .check = check_by_parse,
     .extra_option = true,
     .example = "01:00.0"},

    /* ---- CPU */
    {.info = {"CPUUNITS", "cpuunits", "relative CPU weight (8..500000)", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 8,
     .max = 500000,
     .parse = parse_int,
     .check = check_by_parse,
     .def = "1000",
     .example = "1000"},
    /* The config name really has this typo in OpenVZ. */
    {.info = {"CPUUWEIGHT", "cpuweight", "raw CPU scheduler weight", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 1,
     .max = 10000,
     .parse = parse_int,
     .check = check_by_parse,
     .example = "100"},
    {.info = {"CPULIMIT", "cpulimit", "CPU limit: percent of one CPU, or N% of the host", "N[%]",
              0},
     .kind = VZ_KIND_INT,
     .unit = VZ_UNIT_PERCENT,
     .parse = parse_cpulimit,
     .check = check_cpulimit,
     .example = "150"},
    {.info = {"CPUS", "cpus", "number of CPUs the CT may use (0: all)", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = 4096,
     .parse = parse_int,
     .check = check_by_parse,
     .example = "2"},
    {.info = {"CPUMASK", "cpumask", "CPUs the CT may run on", "LIST|auto|all", 0},
     .kind = VZ_KIND_MASK,
     .parse = parse_mask,
     .check = check_by_parse,
     .example = "0-2,7"},
    {.info = {"NODEMASK", "nodemask", "NUMA nodes the CT may use", "LIST|all", 0},
     .kind = VZ_KIND_MASK,
     .parse = parse_mask,
     .check = check_by_parse,
     .example = "0"},

    /* ---- I/O */
    {.info = {"IOPRIO", "ioprio", "I/O priority (0..7)", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = 7,
     .parse = parse_int,
     .check = check_by_parse,
     .def = "4",
     .example = "5"},
    {.info = {"IOLIMIT", "iolimit", "I/O bandwidth limit (MB/s without suffix)", "N[B|K|M|G]", 0},
     .kind = VZ_KIND_INT,
     .unit = VZ_UNIT_BPS,
     .parse = parse_iolimit,
     .check = check_iolimit,
     .example = "10M"},
    {.info = {"IOPSLIMIT", "iopslimit", "I/O operations per second limit", "N", 0},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = INT32_MAX,
     .parse = parse_iopslimit,
     .check = check_by_parse,
     .example = "500"},

    /* ---- disk */
    {.info = {"DISK_QUOTA", "diskquota", "enforce disk quota", "yes|no", VZ_PF_RESTART},
     .kind = VZ_KIND_YESNO,
     .parse = parse_yesno,
     .check = check_by_parse,
     .example = "yes"},
    {.info = {"DISKSPACE", "diskspace", "disk space soft[:hard] (KB, or K/M/G/T)", "S[:H]", 0},
     .kind = VZ_KIND_DISK,
     .unit = VZ_UNIT_KB,
     .parse = parse_disk,
     .check = check_by_parse,
     .example = "2G:2.2G"},
    {.info = {"DISKINODES", "diskinodes", "inode count soft[:hard]", "S[:H]", 0},
     .kind = VZ_KIND_DISK,
     .unit = VZ_UNIT_ITEMS,
     .parse = parse_disk,
     .check = check_by_parse,
     .example = "131072:144179"},
    {.info = {"QUOTATIME", "quotatime", "grace period for soft disk limits", "SEC", 0},
     .kind = VZ_KIND_INT,
     .unit = VZ_UNIT_SECONDS,
     .min = 0,
     .max = INT32_MAX,
     .parse = parse_int,
     .check = check_by_parse,
     .example = "0"},
    {.info = {"QUOTAUGIDLIMIT", "quotaugidlimit", "user/group quota entries (0: none)", "N",
              VZ_PF_RESTART},
     .kind = VZ_KIND_INT,
     .min = 0,
     .max = INT32_MAX,
     .parse = parse_int,
     .check = check_by_parse,
     .example = "100"},

    /* ---- memory */
    UBC("PHYSPAGES", "physpages", VZ_UNIT_PAGES, 0, "RAM limit (pages)", "0:512M"),
    {.info = {"PHYSPAGES", "ram", "RAM limit", "BYTES", VZ_PF_UBC},
     .kind = VZ_KIND_UBC,
     .unit = VZ_UNIT_PAGES,
     .parse = parse_memsize,
     .check = check_ubc,
     .extra_option = true,
     .example = "512M"},
    UBC("SWAPPAGES", "swappages", VZ_UNIT_PAGES, 0, "swap limit (pages)", "0:1G"),
    {.info = {"SWAPPAGES", "swap", "swap limit", "BYTES", VZ_PF_UBC},
     .kind = VZ_KIND_UBC,
     .unit = VZ_UNIT_PAGES,
     .parse = parse_memsize,
     .check = check_ubc,
     .extra_option = true,
     .example = "1G"},
    {.info = {"VM_OVERCOMMIT", "vm_overcommit", "privvmpages = (ram+swap) * this (0: off)", "FLOAT",
              VZ_PF_NOT_ENFORCED},
     .kind = VZ_KIND_FLOAT,
     .parse = parse_float,
     .check = check_by_parse,
     .example = "1.5"},
    {.info = {"MEMINFO", "meminfo", "/proc/meminfo view (pre-VSwap)", "none|pages:N|privvmpages:N",
              VZ_PF_NOT_ENFORCED},
     .kind = VZ_KIND_STRING,
     .parse = parse_meminfo,
     .check = check_by_parse,
     .def = "privvmpages:1",
     .example = "pages:65536"},

    /* ---- user beancounters (OPENVZ.md 3.2) */
    UBC("KMEMSIZE", "kmemsize", VZ_UNIT_BYTES, 0, "kernel memory (bytes)", "14372700:14790164"),
    UBC("LOCKEDPAGES", "lockedpages", VZ_UNIT_PAGES, F_NE, "mlock()ed memory (pages)", "2048"),
    UBC("PRIVVMPAGES", "privvmpages", VZ_UNIT_PAGES, F_NE, "private virtual memory (pages)",
        "65536:69632"),
    UBC("SHMPAGES", "shmpages", VZ_UNIT_PAGES, F_NE, "shared memory (pages)", "21504"),
    UBC("NUMPROC", "numproc", VZ_UNIT_ITEMS, 0, "processes and threads", "240"),
    UBC("VMGUARPAGES", "vmguarpages", VZ_UNIT_PAGES, F_NE, "memory allocation guarantee (pages)",
        "33792:unlimited"),
    UBC("OOMGUARPAGES", "oomguarpages", VZ_UNIT_PAGES, F_NE, "out-of-memory guarantee (pages)",
        "26112:unlimited"),
    UBC("NUMTCPSOCK", "numtcpsock", VZ_UNIT_ITEMS, F_NE, "TCP sockets", "360"),
    UBC("NUMFLOCK", "numflock", VZ_UNIT_ITEMS, F_NE, "file locks", "188:206"),
    UBC("NUMPTY", "numpty", VZ_UNIT_ITEMS, 0, "pseudo-terminals", "16"),
    UBC("NUMSIGINFO", "numsiginfo", VZ_UNIT_ITEMS, F_NE, "pending signal structures", "256"),
    UBC("TCPSNDBUF", "tcpsndbuf", VZ_UNIT_BYTES, F_NE, "TCP send buffers (bytes)",
        "1720320:2703360"),
    UBC("TCPRCVBUF", "tcprcvbuf", VZ_UNIT_BYTES, F_NE, "TCP receive buffers (bytes)",
        "1720320:2703360"),
    UBC("OTHERSOCKBUF", "othersockbuf", VZ_UNIT_BYTES, F_NE, "other socket buffers (bytes)",
        "1126080:2097152"),
    UBC("DGRAMRCVBUF", "dgramrcvbuf", VZ_UNIT_BYTES, F_NE, "datagram receive buffers (bytes)",
        "256K"),
    UBC("NUMOTHERSOCK", "numothersock", VZ_UNIT_ITEMS, F_NE, "non-TCP sockets", "360"),
    UBC("DCACHESIZE", "dcachesize", VZ_UNIT_BYTES, F_NE, "dentry and inode cache (bytes)",
        "3409920:3624960"),
    UBC("NUMFILE", "numfile", VZ_UNIT_ITEMS, F_NE, "open files", "9312"),
    UBC("NUMIPTENT", "numiptent", VZ_UNIT_ITEMS, F_NE, "iptables rules", "128"),
    UBC("AVNUMPROC", "avnumproc", VZ_UNIT_ITEMS, F_NE, "expected average process count", "180"),

    /* ---- global (vz.conf, OPENVZ.md 2.4), no command-line option */
    INTERNAL_YESNO("VIRTUOZZO", "the init script acts only if yes", F_G, "yes"),
    INTERNAL_PATH("LOCKDIR", "lock directory", F_G, "/vz/lock"),
    INTERNAL_PATH("DUMPDIR", "checkpoint dump directory", F_G, "/vz/dump"),
    INTERNAL_INT("VE0CPUUNITS", "CPU units of the host", F_G, 8, 500000, "1000"),
    {.info = {"VE_STOP_MODE", NULL, "on host shutdown: suspend or stop", NULL, F_I | F_G},
     .kind = VZ_KIND_ENUM,
     .choices = stop_mode_choices,
     .parse = parse_enum,
     .check = check_by_parse},
    INTERNAL_YESNO("LOGGING", "write a log file", F_G, "yes"),
    INTERNAL_PATH("LOGFILE", "log file", F_G, "/var/log/vzctl.log"),
    INTERNAL_INT("LOG_LEVEL", "log file verbosity", F_G, -1, 10, "0"),
    INTERNAL_INT("VERBOSE", "console verbosity", F_G, -1, 10, "0"),
    INTERNAL_YESNO("VZFASTBOOT", "init script fast boot (ignored)", F_G, NULL),
    INTERNAL("MODULES_DISABLED", "do not load kernel modules", F_G, parse_word, NULL),
    INTERNAL("VE_ROUTE_SRC_DEV", "device whose address is the source of CT routes", F_G, parse_word,
             NULL),
    INTERNAL("NEIGHBOUR_DEVS", "where proxy ARP entries go (detect, all, list:...)", F_G,
             parse_words, NULL),
    INTERNAL_YESNO("SKIP_ARPDETECT", "skip the duplicate address probe", F_G, NULL),
    INTERNAL_YESNO("ERROR_ON_ARPFAIL", "a duplicate address is fatal", F_G, "no"),
    INTERNAL_YESNO("FORCE_ROUTE", "replace an existing route to a CT", F_G, NULL),
    INTERNAL_PATH("TEMPLATE", "template root directory", F_G, "/vz/template"),
    INTERNAL("CONFIGFILE", "default sample for create", F_G, parse_word, "vswap-256m"),
    INTERNAL("DEF_OSTEMPLATE", "default OS template for create", F_G, parse_word, NULL),
    INTERNAL_YESNO("VZWDOG", "load the watchdog module (ignored)", F_G, NULL),
    INTERNAL("IPTABLES_MODULES", "host iptables modules (ignored)", F_G, parse_words, NULL),
    INTERNAL("IP6TABLES", "host ip6tables modules (ignored)", F_G, parse_words, NULL),
    INTERNAL_YESNO("IPV6", "IPv6 support", F_G, "yes"),
    INTERNAL_INT("VE_PARALLEL", "parallel starts in the init script", F_G, 1, 100000, NULL),
    INTERNAL("SKIP_SYSCTL_SETUP", "init script sysctl tuning done", F_G, parse_word, NULL),
    INTERNAL("CONFIG_CUSTOMIZED", "config was edited (ignored)", 0, parse_word, NULL),
    INTERNAL_PATH("VZ_RUNDIR", "runtime state directory", F_G, "/run/vz"),
    INTERNAL("VZ_CGROUP", "cgroup parent name", F_G, parse_word, "vz"),
    INTERNAL_YESNO("LXCFS", "the CT's own meminfo, cpuinfo, uptime... in /proc (lxcfs)", 0, "yes"),
    INTERNAL_PATH("CRIU", "criu program (default: criu from PATH, else /opt/vz-criu/bin/criu)", F_G,
                  NULL),
    INTERNAL_INT("CPT_TIMEOUT", "seconds one criu run may take", F_G, 1, 86400, "300"),
};

/* Config names read from files as another parameter. */
static const struct {
        const char *alias, *name;
} name_aliases[] = {
    {"DCACHE", "DCACHESIZE"},
    {"IPTENTRIES", "NUMIPTENT"},
    {"TCPSENDBUF", "TCPSNDBUF"},
};

/* Short options of the classic option table. */
static const struct {
        const char *opt, *name;
} short_options[] = {
    {"p", "numproc"}, {"l", "lockedpages"}, {"n", "numfile"},   {"f", "numflock"},
    {"t", "numpty"},  {"i", "numsiginfo"},  {"e", "numiptent"},
};

static const char *const accumulating[] = {"IP_ADDRESS", "NAMESERVER", "SEARCHDOMAIN"};

size_t vz_param_table_size(void)
{
        return ELEMENTSOF(table);
}

const struct vz_param *vz_param_row(size_t i)
{
        return i < ELEMENTSOF(table) ? &table[i] : NULL;
}

const char *vz_param_canonical_name(const char *key)
{
        for (size_t i = 0; key && i < ELEMENTSOF(name_aliases); i++)
                if (streq(name_aliases[i].alias, key))
                        return name_aliases[i].name;
        return key;
}

bool vz_param_accumulates(const char *key)
{
        for (size_t i = 0; key && i < ELEMENTSOF(accumulating); i++)
                if (streq(accumulating[i], key))
                        return true;
        return false;
}

const struct vz_param *vz_param_lookup(const char *name)
{
        if (!name)
                return NULL;
        name = vz_param_canonical_name(name);
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (!table[i].extra_option && streq(table[i].info.name, name))
                        return &table[i];
        return NULL;
}

const struct vz_param *vz_param_row_by_option(const char *option)
{
        if (!option)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(short_options); i++)
                if (streq(short_options[i].opt, option))
                        option = short_options[i].name;
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                const struct vz_param *p = &table[i];
                if (!p->info.option)
                        continue;
                if (streq(p->info.option, option))
                        return p;
                for (size_t k = 0; k < ELEMENTSOF(p->opt_aliases) && p->opt_aliases[k]; k++)
                        if (streq(p->opt_aliases[k], option))
                                return p;
        }
        return NULL;
}

const char *vz_param_default(const char *name)
{
        const struct vz_param *p = vz_param_lookup(name);
        return p ? p->def : NULL;
}

int vz_param_check_stored(const char *name, const char *value, vz_err *e)
{
        const struct vz_param *p = vz_param_lookup(name);

        /* Unknown names are ignored by the reader, so anything goes. */
        if (!p || !value)
                return 0;
        /* An empty list or text is a valid "nothing" (IP_ADDRESS=""). */
        if ((p->kind == VZ_KIND_LIST || p->kind == VZ_KIND_STRING) &&
            value[strspn(value, " \t\n")] == '\0')
                return 0;
        return p->check(p, value, e);
}

int vz_param_parse(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e)
{
        char *v = NULL;
        int r;

        if (!arg)
                return vz_fail(e, VZ_E_SYNTAX, -EINVAL, "option --%s needs an argument",
                               opt_name(p));
        r = p->parse(p, arg, cur, &v, e);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

int vz_param_ubc_value(const char *name, const char *value, int64_t *ret_bar, int64_t *ret_lim)
{
        const struct vz_param *p = vz_param_lookup(name);

        if (!p || p->kind != VZ_KIND_UBC)
                return -ENOENT;
        return vz_ubc_parse(value, p->unit, ret_bar, ret_lim);
}

int vz_param_disk_value(const char *name, const char *value, int64_t *ret_soft, int64_t *ret_hard)
{
        const struct vz_param *p = vz_param_lookup(name);

        if (!p || p->kind != VZ_KIND_DISK)
                return -ENOENT;
        return vz_disk_parse(value, p->unit, ret_soft, ret_hard);
}

/* ------------------------------------------------------------ public API */

_public_ size_t vz_param_count(void)
{
        return ELEMENTSOF(table);
}

_public_ const vz_param_info *vz_param_at(size_t i)
{
        return i < ELEMENTSOF(table) ? &table[i].info : NULL;
}

_public_ const vz_param_info *vz_param_by_name(const char *name)
{
        const struct vz_param *p = vz_param_lookup(name);
        return p ? &p->info : NULL;
}

_public_ const vz_param_info *vz_param_by_option(const char *option)
{
        const struct vz_param *p = vz_param_row_by_option(option);
        return p ? &p->info : NULL;
}

_public_ int vz_ubc_parse_stored(const char *value, int64_t *ret_bar, int64_t *ret_lim)
{
        int64_t b, l;
        int r;

        /* Without the parameter's name the unit is unknown; a suffix is taken
         * as a size for a page-counted value, which is what the shipped
         * samples use it for (PHYSPAGES="0:256M"). vz_param_ubc_value() knows
         * better when the name is at hand. */
        r = vz_ubc_parse(value, VZ_UNIT_PAGES, &b, &l);
        if (r < 0)
                return r == -ERANGE ? -ERANGE : -EINVAL;
        *ret_bar = b;
        *ret_lim = l;
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "value.h"
#include "log.h"
#include "macro.h"
#include "util.h"

static const char *const unit_names[_VZ_UNIT_MAX] = {
    [VZ_UNIT_NONE] = "",       [VZ_UNIT_BYTES] = "bytes",     [VZ_UNIT_PAGES] = "pages",
    [VZ_UNIT_ITEMS] = "items", [VZ_UNIT_KB] = "KB",           [VZ_UNIT_SECONDS] = "seconds",
    [VZ_UNIT_BPS] = "bytes/s", [VZ_UNIT_PERCENT] = "percent",
};

const char *vz_unit_to_string(enum vz_unit u)
{
        if (u < 0 || u >= _VZ_UNIT_MAX)
                return NULL;
        return unit_names[u];
}

enum vz_unit vz_unit_from_string(const char *s)
{
        for (int i = 0; i < _VZ_UNIT_MAX; i++)
                if (s && streq(unit_names[i], s))
                        return (enum vz_unit)i;
        return _VZ_UNIT_INVALID;
}

uint64_t vz_page_size(void)
{
        long ps = sysconf(_SC_PAGESIZE);
        return ps > 0 ? (uint64_t)ps : 4096;
}

/* Bytes per suffix unit; 0 for an unknown suffix. */
static uint64_t suffix_bytes(char c)
{
        switch (c) {
        case 'b':
        case 'B':
                return 1;
        case 'k':
        case 'K':
                return 1ULL << 10;
        case 'm':
        case 'M':
                return 1ULL << 20;
        case 'g':
        case 'G':
                return 1ULL << 30;
        case 't':
        case 'T':
                return 1ULL << 40;
        case 'p':
        case 'P':
                return vz_page_size();
        default:
                return 0;
        }
}

int vz_size_parse(const char *s, enum vz_unit u, bool allow_unlimited, int64_t *ret)
{
        const char *p = s;
        uint64_t ipart = 0, mult, div = 1;
        bool frac = false, overflow = false;
        long double fval;
        size_t ndig = 0;

        if (!s || !*s)
                return -EINVAL;
        if (streq(s, "unlimited")) {
                if (!allow_unlimited)
                        return -EINVAL;
                *ret = VZ_UNLIMITED;
                return 0;
        }
        /* Digits by hand: strtoull would take signs, spaces and hex. */
        for (; isdigit((unsigned char)*p); p++, ndig++)
                if (__builtin_mul_overflow(ipart, 10, &ipart) ||
                    __builtin_add_overflow(ipart, (uint64_t)(*p - '0'), &ipart))
                        overflow = true;
        if (*p == '.') {
                frac = true;
                p++;
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                while (isdigit((unsigned char)*p))
                        p++;
        }
        if (ndig == 0)
                return -EINVAL;
        fval = strtold(s, NULL);

        mult = 0; /* 0: no suffix, the value is already in unit u */
        if (*p) {
                if (p[1] != '\0')
                        return -EINVAL;
                mult = suffix_bytes(*p);
                if (mult == 0)
                        return -EINVAL;
                if (u == VZ_UNIT_ITEMS || u == VZ_UNIT_NONE || u == VZ_UNIT_SECONDS ||
                    u == VZ_UNIT_PERCENT)
                        return -EDOM;
        }
        if (frac && u == VZ_UNIT_ITEMS)
                return -EDOM;

        /* What one unit of the stored value is worth in bytes. */
        if (u == VZ_UNIT_PAGES)
                div = vz_page_size();
        else if (u == VZ_UNIT_KB) {
                div = 1024;
                if (*p && !strchr("kKmMgGtT", *p))
                        return -EINVAL; /* only K/M/G/T for disk space */
        }
        if (mult == 0) {
                mult = 1;
                div = 1;
        }

        if (!frac && !overflow) {
                uint64_t bytes, v;
                if (__builtin_mul_overflow(ipart, mult, &bytes))
                        overflow = true;
                else {
                        /* Round up so a limit is never below what was asked. */
                        v = bytes / div + (bytes % div ? 1 : 0);
                        if (v > (uint64_t)INT64_MAX)
                                overflow = true;
                        else
                                *ret = (int64_t)v;
                }
        } else if (!overflow) {
                long double v = ceill(fval * (long double)mult / (long double)div);
                if (v >= 9223372036854775807.0L)
                        overflow = true;
                else
                        *ret = (int64_t)v;
        }
        if (overflow) {
                vz_warn("value %s is too large, truncated to %lld", s, (long long)INT64_MAX);
                *ret = INT64_MAX;
        }
        return 0;
}

int vz_ubc_parse(const char *s, enum vz_unit u, int64_t *ret_bar, int64_t *ret_lim)
{
        _cleanup_free_ char *b = NULL;
        const char *colon;
        int64_t bar, lim;
        int r;

        if (!s)
                return -EINVAL;
        colon = strchr(s, ':');
        if (!colon) {
                r = vz_size_parse(s, u, true, &bar);
                if (r < 0)
                        return r;
                lim = bar;
        } else {
                b = strndup(s, colon - s);
                if (!b)
                        return -ENOMEM;
                r = vz_size_parse(b, u, true, &bar);
                if (r < 0)
                        return r;
                r = vz_size_parse(colon + 1, u, true, &lim);
                if (r < 0)
                        return r;
        }
        if (bar > lim)
                return -ERANGE;
        *ret_bar = bar;
        *ret_lim = lim;
        return 0;
}

static int fmt_one(char *buf, size_t n, int64_t v)
{
        if (v == VZ_UNLIMITED)
                return snprintf(buf, n, "unlimited");
        return snprintf(buf, n, "%lld", (long long)v);
}

char *vz_ubc_format(int64_t bar, int64_t lim)
{
        char a[32], b[32];

        fmt_one(a, sizeof(a), bar);
        if (bar == lim)
                return strdup(a);
        fmt_one(b, sizeof(b), lim);
        return vz_strdupf("%s:%s", a, b);
}

int vz_disk_parse(const char *s, enum vz_unit u, int64_t *ret_soft, int64_t *ret_hard)
{
        _cleanup_free_ char *a = NULL;
        const char *colon;
        int64_t soft, hard;
        int r;

        if (!s || strstr(s, "unlimited"))
                return -EINVAL;
        colon = strchr(s, ':');
        a = colon ? strndup(s, colon - s) : strdup(s);
        if (!a)
                return -ENOMEM;
        r = vz_size_parse(a, u, false, &soft);
        if (r < 0)
                return r;
        hard = soft;
        if (colon) {
                r = vz_size_parse(colon + 1, u, false, &hard);
                if (r < 0)
                        return r;
        }
        if (soft > hard)
                return -ERANGE;
        *ret_soft = soft;
        *ret_hard = hard;
        return 0;
}

int vz_int_parse(const char *s, int64_t min, int64_t max, int64_t *ret)
{
        const char *p = s;
        int64_t v = 0;
        bool neg = false;

        if (!s || !*s)
                return -EINVAL;
        if (*p == '-') {
                neg = true;
                p++;
        }
        if (!*p)
                return -EINVAL;
        for (; *p; p++) {
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                if (__builtin_mul_overflow(v, 10, &v) ||
                    __builtin_add_overflow(v, (int64_t)(*p - '0'), &v))
                        return -ERANGE;
        }
        if (neg)
                v = -v;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

static bool ipv4_netmask_valid(const char *s)
{
        struct in_addr a;
        uint32_t m;

        if (inet_pton(AF_INET, s, &a) != 1)
                return false;
        m = ntohl(a.s_addr);
        /* A netmask is ones followed by zeros: ~m + 1 is a power of two. */
        return ((~m + 1) & ~m) == 0;
}

int vz_ip_parse(const char *s, bool with_mask, int *ret_family, unsigned char buf[16])
{
        _cleanup_free_ char *a = NULL;
        const char *slash;
        int family;

        if (!s || !*s || strlen(s) > 128)
                return -EINVAL;
        slash = strchr(s, '/');
        if (slash && !with_mask)
                return -EINVAL;
        a = slash ? strndup(s, slash - s) : strdup(s);
        if (!a)
                return -ENOMEM;
        if (inet_pton(AF_INET, a, buf) == 1)
                family = AF_INET;
        else if (inet_pton(AF_INET6, a, buf) == 1)
                family = AF_INET6;
        else
                return -EINVAL;
        if (slash) {
                int64_t pfx;
                if (vz_int_parse(slash + 1, 0, family == AF_INET ? 32 : 128, &pfx) < 0 &&
                    !(family == AF_INET && ipv4_netmask_valid(slash + 1)))
                        return -EINVAL;
                if (slash[1] == '-')
                        return -EINVAL;
        }
        *ret_family = family;
        return 0;
}

char *vz_ip_canonical(const char *s)
{
        unsigned char buf[16];
        char text[INET6_ADDRSTRLEN];
        const char *slash = strchr(s, '/');
        int family;

        if (vz_ip_parse(s, true, &family, buf) < 0)
                return NULL;
        if (!inet_ntop(family, buf, text, sizeof(text)))
                return NULL;
        return vz_strdupf("%s%s", text, slash ? slash : "");
}

bool vz_hostname_valid(const char *s)
{
        size_t label = 0;

        if (isempty(s) || strlen(s) > 253 || s[0] == '.' || s[0] == '-')
                return false;
        for (const char *p = s; *p; p++) {
                if (*p == '.') {
                        if (label == 0)
                                return false;
                        label = 0;
                        continue;
                }
                if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
                        return false;
                if (++label > 63)
                        return false;
        }
        return true;
}

bool vz_domain_valid(const char *s)
{
        /* A search domain may end with a dot (fully qualified). */
        _cleanup_free_ char *t = NULL;
        size_t n;

        if (isempty(s))
                return false;
        t = strdup(s);
        if (!t)
                return false;
        n = strlen(t);
        if (n > 1 && t[n - 1] == '.')
                t[n - 1] = '\0';
        return vz_hostname_valid(t);
}

bool vz_mac_valid(const char *s)
{
        if (!s || strlen(s) != 17)
                return false;
        for (int i = 0; i < 17; i++) {
                if (i % 3 == 2) {
                        if (s[i] != ':')
                                return false;
                } else if (!isxdigit((unsigned char)s[i]))
                        return false;
        }
        return true;
}

bool vz_ifname_valid(const char *s)
{
        /* IFNAMSIZ is 16 including the NUL; '/' and spaces are refused by the
         * kernel, ',' ';' '=' would break the NETIF syntax. */
        if (isempty(s) || strlen(s) > 15 || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++)
                if (!isgraph((unsigned char)*p) || strchr("/,;=:\"'\\$`", *p))
                        return false;
        return true;
}

bool vz_mask_valid(const char *s, unsigned limit)
{
        const char *p = s;

        if (isempty(s))
                return false;
        if (streq(s, "all"))
                return true;
        while (*p) {
                unsigned long lo, hi;
                char *end;

                if (!isdigit((unsigned char)*p))
                        return false;
                lo = strtoul(p, &end, 10);
                hi = lo;
                p = end;
                if (*p == '-') {
                        p++;
                        if (!isdigit((unsigned char)*p))
                                return false;
                        hi = strtoul(p, &end, 10);
                        p = end;
                }
                if (lo > hi || hi >= limit)
                        return false;
                if (*p == ',') {
                        p++;
                        if (!*p)
                                return false;
                } else if (*p)
                        return false;
        }
        return true;
}

bool vz_ctname_valid(const char *s)
{
        if (isempty(s))
                return false;
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr(" -+_.", *p))
                        return false;
        return true;
}

bool vz_plainname_valid(const char *s)
{
        if (isempty(s) || s[0] == '.' || strlen(s) > 255)
                return false;
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
                        return false;
        return true;
}

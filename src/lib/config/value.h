/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Value syntax of config parameters (OPENVZ.md 2.2): sizes with suffixes,
 * UBC barrier:limit pairs, disk quota pairs, addresses, names, masks.
 * Pure functions, no table knowledge: params.c combines them into rows.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <vz/vz.h>

/* The unit a numeric parameter is stored in. */
enum vz_unit {
        VZ_UNIT_NONE = 0,
        VZ_UNIT_BYTES,
        VZ_UNIT_PAGES,
        VZ_UNIT_ITEMS,
        VZ_UNIT_KB, /* disk space */
        VZ_UNIT_SECONDS,
        VZ_UNIT_BPS, /* bytes per second */
        VZ_UNIT_PERCENT,
        _VZ_UNIT_MAX,
        _VZ_UNIT_INVALID = -1,
};

const char *vz_unit_to_string(enum vz_unit u);
enum vz_unit vz_unit_from_string(const char *s);

uint64_t vz_page_size(void);

/* One number with an optional size suffix (and "unlimited" if allowed),
 * converted to unit u. Values above INT64_MAX are clamped to it.
 * -EINVAL on bad syntax, -ERANGE never (clamped), -EDOM for a suffix on an
 * items value. */
int vz_size_parse(const char *s, enum vz_unit u, bool allow_unlimited, int64_t *ret);

/* "B[:L]" in unit u (a single value sets both). */
int vz_ubc_parse(const char *s, enum vz_unit u, int64_t *ret_bar, int64_t *ret_lim);
/* Canonical stored form: "bar:lim", a single number if equal, "unlimited"
 * for VZ_UNLIMITED. */
char *vz_ubc_format(int64_t bar, int64_t lim);

/* Disk quota pair "S[:H]"; unit VZ_UNIT_KB takes K/M/G/T suffixes, VZ_UNIT_ITEMS
 * a plain count. "unlimited" is refused. */
int vz_disk_parse(const char *s, enum vz_unit u, int64_t *ret_soft, int64_t *ret_hard);

/* Plain decimal integer in [min, max]. */
int vz_int_parse(const char *s, int64_t min, int64_t max, int64_t *ret);

/* IPv4/IPv6 address (family AF_INET/AF_INET6 into *ret_family, binary into
 * buf[16]); with_mask allows "/prefix" (or a dotted IPv4 netmask). */
int vz_ip_parse(const char *s, bool with_mask, int *ret_family, unsigned char buf[16]);
/* Canonical text of an address with its mask suffix, as given. */
char *vz_ip_canonical(const char *s);

bool vz_hostname_valid(const char *s);
bool vz_domain_valid(const char *s);
bool vz_mac_valid(const char *s);
bool vz_ifname_valid(const char *s);
/* "0-2,7" style list of numbers < limit, or "all". */
bool vz_mask_valid(const char *s, unsigned limit);
/* CT name: letters, digits, space, - + _ . */
bool vz_ctname_valid(const char *s);
/* Template/sample names: letters, digits, . _ - (no slash). */
bool vz_plainname_valid(const char *s);

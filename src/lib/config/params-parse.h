/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parameter table's parsers and checkers (params-parse.c), for the
 * table's rows (params.c). Parsers: see vz_param_parse_fn; checkers: see
 * vz_param_check_fn. */
#pragma once

#include "params.h"

const char *vzp_opt_name(const struct vz_param *p);
int vzp_bad_value(const struct vz_param *p, vz_err *e, const char *arg, const char *why);
int vzp_set_ret(char **ret, char *v, vz_err *e);
int vzp_parse_string(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                     vz_err *e);
int vzp_parse_word(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e);
int vzp_parse_path(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e);
int vzp_parse_int(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                  vz_err *e);
int vzp_parse_yesno(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e);
int vzp_parse_enum(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e);
int vzp_parse_float(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e);
int vzp_check_any(const struct vz_param *p, const char *value, vz_err *e);
int vzp_check_by_parse(const struct vz_param *p, const char *value, vz_err *e);
int vzp_parse_ubc(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                  vz_err *e);
int vzp_parse_memsize(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e);
int vzp_check_ubc(const struct vz_param *p, const char *value, vz_err *e);
int vzp_parse_disk(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e);
int vzp_parse_cpulimit(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                       vz_err *e);
int vzp_check_cpulimit(const struct vz_param *p, const char *value, vz_err *e);
int vzp_parse_iolimit(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e);
int vzp_check_iolimit(const struct vz_param *p, const char *value, vz_err *e);
int vzp_parse_iopslimit(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e);
int vzp_parse_mask(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                   vz_err *e);
int vzp_parse_meminfo(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e);
int vzp_parse_hostname(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                       vz_err *e);
int vzp_parse_ctname(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                     vz_err *e);
int vzp_parse_plainname(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e);
int vzp_parse_mount_opts(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                         vz_err *e);
int vzp_parse_ipadd(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e);
int vzp_parse_ipdel(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e);
int vzp_check_iplist(const struct vz_param *p, const char *value, vz_err *e);
int vzp_parse_dnslist(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e);
int vzp_check_netif(const struct vz_param *p, const char *value, vz_err *e);
int vzp_parse_netif_add(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e);
int vzp_parse_netif_del(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                        vz_err *e);
int vzp_parse_netdev(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                     vz_err *e);
int vzp_parse_pci(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                  vz_err *e);
int vzp_parse_onoff(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e);
int vzp_parse_devlist(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                      vz_err *e);
int vzp_parse_iptables(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                       vz_err *e);
int vzp_parse_words(const struct vz_param *p, const char *arg, const char *cur, char **ret,
                    vz_err *e);

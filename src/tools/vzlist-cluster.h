/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* vzlist --cluster: the Pacemaker-managed CTs and where they run (from
 * cibadmin and crm_mon). In vzlist this execs the vzlist-cluster helper
 * (vzlist-cluster-exec.c), so that vzlist itself loads no XML library;
 * returns vzlist's exit code only when the helper cannot be run. */
int vzl_cluster_print(bool header, bool json, FILE *out);

/* The helper's work (vzlist-cluster.c): run cibadmin and crm_mon, print
 * the rows; returns the exit code. */
int vzl_cluster_list(bool header, bool json, FILE *out);

/* One CT resource of the cluster. */
struct vzl_clu_rsc {
        char *id;    /* the primitive's id */
        char *ctid;  /* its ctid (ocf:vz:vz) or veid (ManageVE) parameter */
        char *agent; /* "ocf:vz:vz" or "ManageVE" */
        char *role;  /* crm_mon's role; NULL: not in crm_mon's output */
        char *nodes; /* comma-separated nodes it is active on; NULL: none */
        bool active; /* role was taken from an active instance */
};

struct vzl_clu {
        struct vzl_clu_rsc *r;
        size_t n;
};

/* The CT primitives of a CIB (`cibadmin -Q -o resources`), in document
 * order, groups and clones included. -EINVAL: not well-formed XML, or it
 * has a DTD (Pacemaker writes none); -ENOMEM. */
int vzl_clu_read_cib(struct vzl_clu *c, const char *xml, size_t len);
/* Roles and nodes from `crm_mon --output-as=xml`; errors as above. */
int vzl_clu_read_status(struct vzl_clu *c, const char *xml, size_t len);
void vzl_clu_free(struct vzl_clu *c);
int vzl_clu_print_text(const struct vzl_clu *c, bool header, FILE *out);
int vzl_clu_print_json(const struct vzl_clu *c, FILE *out);

/* Run ARGV (found in $PATH, no shell; stdin and stderr /dev/null) and
 * return its standard output, NUL-terminated, in *ret (len in *ret_len).
 * -ENOENT: no such program; -EIO: it failed (exit status not 0, or killed);
 * -EFBIG: it wrote more than MAX bytes. */
int vzl_clu_run(char *const argv[], size_t max, char **ret, size_t *ret_len);

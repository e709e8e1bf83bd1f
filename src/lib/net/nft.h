/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nf_tables tables of vz on the host, through raw netlink; see nft.c. */
#pragma once

/* Create "table inet <table>" with the anti-spoofing chain for the routed
 * device ifname (packets it brings in whose source the host does not route
 * back through it are dropped). -EEXIST if the table has that chain already. */
int vz_nft_antispoof_add(const char *table, const char *ifname);
/* Delete the table with everything in it; -ENOENT if there is none. */
int vz_nft_table_del(const char *table);

/*
 * Internal: DNSBL code patterns (postscreen filter syntax), the built-in catalogue tables.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_DNSBL_INT_H
#define DLV_DNSBL_INT_H

#include "core/core.h"

#include <deliver/dnsbl.h>

/*
 * An address pattern: per octet a 256-bit set of allowed values ("127.0.0.[2..11]",
 * "[1;3..5]"), or a mask ("&0.0.0.4": any of these bits set).
 */
typedef struct dlv_dnsbl_pat {
    int is_mask;
    uint8_t mask[4];
    uint8_t set[4][32];
} dlv_dnsbl_pat;

/*
 * Parse a pattern from buf[0..len). 0 on success; -1 with *err_off (offset of the fault) and
 * *why (static text) set. Bounded by len; no recursion.
 */
int dlv_dnsbl_pat_parse(const char *buf, size_t len, dlv_dnsbl_pat *out, size_t *err_off,
                        const char **why);
int dlv_dnsbl_pat_match(const dlv_dnsbl_pat *p, const uint8_t code[4]);

/* The built-in catalogue (catalogue.c): lists, and code tables shared by several lists. */
typedef struct dlv_dnsbl_cat_code {
    const char *pattern;
    deliver_dnsbl_code_kind kind;
    const char *meaning;
} dlv_dnsbl_cat_code;

typedef struct dlv_dnsbl_cat_list {
    const char *zone;
    unsigned flags;
    int weight;
    const char *description;
    const char *filter; /* default filter of entries made from the catalogue, or NULL */
    const dlv_dnsbl_cat_code *codes[4]; /* tables, NULL-terminated; each ends with a NULL pattern */
} dlv_dnsbl_cat_list;

extern const dlv_dnsbl_cat_list dlv_dnsbl_catalogue[];
extern const size_t dlv_dnsbl_catalogue_len;

/* Kind used internally for answers outside 127.0.0.0/8 (never a deliver_dnsbl_code_kind). */
#define DLV_DNSBL_CODE_OUTSIDE 4

#define DLV_DNSBL_MAX_ENTRIES 1024
#define DLV_DNSBL_MAX_CODES 32 /* distinct A codes kept per zone */

#endif

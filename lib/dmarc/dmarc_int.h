/*
 * Internal: the DMARC record model shared by the parser and the evaluation core.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_DMARC_INT_H
#define DLV_DMARC_INT_H

#include "core/core.h"

#include <deliver/dmarc.h>

#define DLV_DMARC_MAX_URIS 64   /* valid URIs kept per list */
#define DLV_DMARC_MAX_LIST 64   /* ignored tags, invalid values, invalid URIs kept */
#define DLV_DMARC_MAX_RECORD 65536 /* longest record text looked at */

typedef struct dlv_dmarc_uri {
    char *uri;          /* without the size suffix */
    uint64_t max_bytes; /* 0: none */
    int obsolete_size;
    char *host;         /* lower-case host of a mailto: address or URL; NULL when none */
} dlv_dmarc_uri;

/* tag bits: which tags were given with a usable value */
enum {
    DLV_T_P = 1u << 0, DLV_T_SP = 1u << 1, DLV_T_NP = 1u << 2, DLV_T_ADKIM = 1u << 3,
    DLV_T_ASPF = 1u << 4, DLV_T_FO = 1u << 5, DLV_T_PCT = 1u << 6, DLV_T_RF = 1u << 7,
    DLV_T_RI = 1u << 8, DLV_T_RUA = 1u << 9, DLV_T_RUF = 1u << 10, DLV_T_PSD = 1u << 11,
    DLV_T_T = 1u << 12
};

struct deliver_dmarc_record {
    deliver_ctx *ctx;
    dlv_errmsg err;
    deliver_dmarc_mode mode;
    char *domain;
    dlv_arena arena; /* everything below that is a string */
    deliver_dmarc_record_error error;
    size_t error_off;
    size_t ndmarc;
    int fallback;
    unsigned given; /* DLV_T_* */
    deliver_dmarc_policy p, sp, np;
    deliver_dmarc_alignment adkim, aspf;
    char fo[16];
    unsigned pct;
    uint32_t ri;
    deliver_dmarc_psd psd;
    int t;
    dlv_dmarc_uri rua[DLV_DMARC_MAX_URIS], ruf[DLV_DMARC_MAX_URIS];
    size_t nrua, nruf;
    const char *ignored[DLV_DMARC_MAX_LIST], *invalid[DLV_DMARC_MAX_LIST],
        *baduri[DLV_DMARC_MAX_LIST];
    size_t nignored, ninvalid, nbaduri;
    dlv_findings findings;
};

/* Does buf start with a DMARC version tag ("v" WSP "=" WSP "DMARC1" followed by WSP, ";" or
 * the end)? */
int dlv_dmarc_is_dmarc(const uint8_t *buf, size_t len);
/* Parse into rec without findings (the fast path of the evaluation). */
deliver_status dlv_dmarc_record_parse(deliver_dmarc_record *rec, const uint8_t *buf, size_t len,
                                      int findings);
void dlv_dmarc_record_clear(deliver_dmarc_record *rec);
void dlv_dmarc_record_init(deliver_dmarc_record *rec, deliver_ctx *ctx);
/* Lower one step: reject -> quarantine -> none. */
deliver_dmarc_policy dlv_dmarc_lower(deliver_dmarc_policy p);

#endif

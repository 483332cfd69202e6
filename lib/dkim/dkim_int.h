/*
 * Internal DKIM pieces shared by key checks, verification and signing: tag lists, strict
 * base64, the key record parser, header storage and canonicalization (RFC 6376 3.4).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_DKIM_INT_H
#define DLV_DKIM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include <deliver/dkim.h>

#define DLV_DKIM_MAX_TAGS 64        /* tags per tag list; more is a syntax error */
#define DLV_DKIM_MAX_FIELDS 1000    /* header fields kept per message */
#define DLV_DKIM_MAX_H 128          /* names in a signature's h= */
#define DLV_DKIM_MAX_SIGS 64        /* signatures looked at (the cap is a setting below this) */

/* ---- tag lists (RFC 6376 3.2) ---- */
typedef struct dlv_dkim_tag {
    const char *name;
    size_t name_len;
    const char *val;   /* trimmed of FWS at both ends */
    size_t val_len;
    size_t off;        /* offset of the tag name */
} dlv_dkim_tag;

enum { DLV_TAGS_OK = 0, DLV_TAGS_SYNTAX = 1, DLV_TAGS_DUPLICATE = 2, DLV_TAGS_TOO_MANY = 3 };

/* Split s[0..n) into tags. Returns a DLV_TAGS_* code; *err_off is where the problem is.
 * *fws (if not NULL) is set when white space appears anywhere but right after a ';' or at the
 * start (around '=' or inside a value). Bounded by n and DLV_DKIM_MAX_TAGS. */
int dlv_dkim_tags(const char *s, size_t n, dlv_dkim_tag *tags, size_t *count, size_t *err_off,
                  int *fws);
const dlv_dkim_tag *dlv_dkim_tag_find(const dlv_dkim_tag *tags, size_t count, const char *name);
int dlv_dkim_tag_is(const dlv_dkim_tag *t, const char *s); /* value equals s (case-sensitive) */

/* Strict base64 with FWS allowed anywhere. out must hold n*3/4+3 octets. -1 on a character
 * outside the alphabet or misplaced padding, else the decoded length. */
long dlv_dkim_b64_decode(const char *s, size_t n, uint8_t *out);
/* base64 of buf into b (no line breaks). 0 or -1. */
int dlv_dkim_b64_encode(dlv_buf *b, const uint8_t *buf, size_t n);

/* ---- key records ---- */
typedef struct dlv_dkim_keyrec {
    deliver_dkim_key_type type;     /* decoded key's type */
    unsigned bits;
    void *pkey;                     /* EVP_PKEY *, owned */
    int revoked, testing, strict, pkcs1;
    int h_present, h_sha1, h_sha256;
    int svc_ok;                     /* s= absent, or lists email or '*' */
    const char *unusable;           /* verify reason when no signature can use it, else NULL */
    deliver_dkim_key_grade grade;
} dlv_dkim_keyrec;

/* Parse and judge a key record. Findings (when f is not NULL) as key-checks.json expects;
 * long = 1 adds the "over 255 octets" note for one long string. 0, or -1 out of memory. */
int dlv_dkim_key_parse(deliver_ctx *ctx, const char *s, size_t n, dlv_findings *f, int long_note,
                       dlv_dkim_keyrec *out);
void dlv_dkim_keyrec_clear(dlv_dkim_keyrec *k);

/* ---- header fields of a message ---- */
typedef struct dlv_dkim_field {
    char *raw;        /* the field as received, line ends normalised to CRLF, no final CRLF */
    size_t raw_len;
    size_t name_len;  /* name without trailing WSP */
    size_t colon;     /* offset of ':' */
    int used;         /* scratch for bottom-up selection */
} dlv_dkim_field;

typedef struct dlv_dkim_hdrs {
    deliver_ctx *ctx;
    dlv_dkim_field *f;
    size_t n, cap;
    dlv_arena arena; /* the fields' text: one message's worth, kept for the next */
} dlv_dkim_hdrs;

void dlv_dkim_hdrs_init(dlv_dkim_hdrs *h, deliver_ctx *ctx);
/* Forget the fields, keeping the memory for the next message. */
void dlv_dkim_hdrs_clear(dlv_dkim_hdrs *h);
void dlv_dkim_hdrs_free(dlv_dkim_hdrs *h);
/* Store one field. DELIVER_OK, DELIVER_E_INVALID (no colon: ignored), DELIVER_E_LIMIT,
 * DELIVER_E_NOMEM. */
deliver_status dlv_dkim_hdrs_add(dlv_dkim_hdrs *h, const char *field, size_t len);
int dlv_dkim_field_is(const dlv_dkim_field *f, const char *name, size_t name_len);

/* Append the canonical form of a field (with final CRLF when crlf) to b. 0 or -1. */
int dlv_dkim_canon_field(dlv_buf *b, const char *raw, size_t raw_len, size_t name_len,
                         size_t colon, int relaxed, int crlf);

/* Feed every selected header (h= bottom-up) into b. names: h= entries. 0 or -1. */
int dlv_dkim_canon_headers(dlv_dkim_hdrs *h, const char *const *names, const size_t *name_lens,
                           size_t count, int relaxed, dlv_buf *b);

/* ---- body canonicalization, streaming ---- */
typedef void (*dlv_dkim_sink)(void *ud, const uint8_t *p, size_t n);
typedef struct dlv_dkim_body {
    int relaxed;
    int pending_cr;
    int line_has;         /* current line has content (relaxed: non-WSP) */
    int pending_wsp;
    int any;              /* something emitted (simple: a line) */
    uint64_t empty_lines; /* empty lines held back */
    uint64_t emitted;     /* canonical octets produced */
    int64_t limit;        /* l=: octets passed on to the sink, -1 all */
    dlv_dkim_sink sink;
    void *ud;
    uint8_t out[4096];
    size_t outn;
} dlv_dkim_body;

void dlv_dkim_body_init(dlv_dkim_body *b, int relaxed, int64_t limit, dlv_dkim_sink sink,
                        void *ud);
void dlv_dkim_body_feed(dlv_dkim_body *b, const uint8_t *p, size_t n);
void dlv_dkim_body_end(dlv_dkim_body *b);

/* Split a message in memory into header fields (fed to fn) and the body offset. */
typedef deliver_status (*dlv_dkim_field_fn)(void *h, const char *field, size_t len);
deliver_status dlv_dkim_split(const uint8_t *msg, size_t len, dlv_dkim_field_fn fn, void *h,
                              size_t *body_off);

#endif /* DLV_DKIM_INT_H */

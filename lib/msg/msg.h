/*
 * Internal: RFC 5322 header fields, MIME (RFC 2045/2046) and RFC 2047 encoded words.
 * Shared by the bounce classifier and DKIM. Everything here is hidden (dlv_ prefix).
 *
 * The parsers take (buf, len), never assume NUL termination, accept LF, CRLF and CR-only line
 * ends (also mixed), never recurse, and bound every loop by the input length and the limits
 * below. Results point into the caller's buffer (raw access) or into an arena (decoded and
 * canonical access), so they live as long as both.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_MSG_H
#define DLV_MSG_H

#include <stddef.h>

#include "core/core.h"

#define DLV_MSG_MAX_FIELDS 2000  /* header fields kept per header block; more are dropped */
#define DLV_MSG_MAX_DEPTH 12     /* MIME nesting (multipart and message/rfc822) */
#define DLV_MSG_MAX_PARTS 512    /* MIME entities per message; more are not split */
#define DLV_MSG_MAX_PARAM 512    /* octets kept of one Content-Type parameter value */

/* ---- lines ---- */
/*
 * The line starting at *pos in buf[0..len): on return *pos is the start of the next line,
 * and the function gives the line's length without its line end (LF, CRLF or CR).
 * Returns 0 at the end of input (nothing left), 1 otherwise.
 */
int dlv_msg_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *line_len);

/* ---- header fields ---- */
typedef struct dlv_field {
    const char *name;    /* field name as written (no trailing white space) */
    size_t name_len;
    const char *value;   /* raw value after the colon, folding line ends included */
    size_t value_len;
    const char *raw;     /* the whole field as written, without its final line end */
    size_t raw_len;
} dlv_field;

typedef struct dlv_header {
    dlv_field *fields;   /* arena memory */
    size_t count;
    size_t end;          /* offset of the body: after the empty line (or where headers stop) */
    int truncated;       /* more than DLV_MSG_MAX_FIELDS fields: the rest were dropped */
} dlv_header;

/*
 * Parse the header block at the start of buf. A leading mbox "From " line is skipped. The
 * block ends at the first empty line, or at a line that is neither a field nor a
 * continuation (then the body starts with that line). Fields live in the arena.
 * Returns DELIVER_OK or DELIVER_E_NOMEM.
 */
deliver_status dlv_header_parse(dlv_arena *a, const char *buf, size_t len, dlv_header *h);
/* The same, for input known to hold no CR octet (LF line ends only): the same result, with
 * one search per line instead of two. */
deliver_status dlv_header_parse_lf(dlv_arena *a, const char *buf, size_t len, dlv_header *h);

/* The nth (0-based) field named `name` (ASCII case-insensitive), or NULL. */
const dlv_field *dlv_header_find(const dlv_header *h, const char *name, size_t nth);

/* Unfolded value: line ends removed, white space at both ends trimmed; NUL-terminated in the
 * arena (NULL when out of memory). *out_len (if not NULL) receives its length. */
char *dlv_field_unfold(dlv_arena *a, const dlv_field *f, size_t *out_len);

/* Unfolded value with RFC 2047 encoded words decoded (B and Q; ISO-8859-1 and Windows-1252
 * are converted to UTF-8, other charsets are kept as octets). */
char *dlv_field_decode(dlv_arena *a, const dlv_field *f);

/* Value of the first field `name`, unfolded, or NULL when absent. */
char *dlv_header_value(dlv_arena *a, const dlv_header *h, const char *name);

/* Decode RFC 2047 encoded words in s[0..n) into the arena (NUL-terminated). */
char *dlv_rfc2047_decode(dlv_arena *a, const char *s, size_t n);

/* RFC 6376 3.4.2 "relaxed" form of a field ("name:value" with the name in lower case,
 * unfolded, white space runs as one space, none at the ends), appended to out. 0 or -1. */
int dlv_field_canon_relaxed(dlv_buf *out, const dlv_field *f);

/* ---- Content-Type and other structured values ---- */
/*
 * The media type of a Content-Type value ("text/plain"), lower case, into out[cap];
 * "" when it is malformed.
 */
void dlv_mime_type(const char *v, size_t n, char *out, size_t cap);
/*
 * Parameter `name` (case-insensitive) of a structured value such as Content-Type, quoted
 * strings decoded, into out[cap] (truncated, NUL-terminated). 1 found, 0 not.
 */
int dlv_mime_param(const char *v, size_t n, const char *name, char *out, size_t cap);

/* ---- transfer encodings ---- */
/* Decode base64 (ignoring anything outside the alphabet) into the arena; NULL on no memory. */
char *dlv_base64_decode(dlv_arena *a, const char *s, size_t n, size_t *out_len);
/* Decode quoted-printable (RFC 2045 6.7; soft line breaks on any line end). */
char *dlv_qp_decode(dlv_arena *a, const char *s, size_t n, size_t *out_len);

/* ---- MIME tree ---- */
typedef struct dlv_part {
    dlv_header hdr;       /* the entity's header fields */
    char type[80];        /* media type, lower case; "text/plain" by default */
    const char *body;     /* the raw body in the input */
    size_t body_len;
    const char *data;     /* body after Content-Transfer-Encoding is undone (may equal body) */
    size_t data_len;
    int depth;            /* 0 for the message itself */
    int parent;           /* index of the enclosing entity, -1 for the message */
    int in_message;       /* inside an attached message/rfc822 (or message/global) */
    int pending;          /* lazy_decode: data is still the encoded body (1 base64, 2 QP)
                             until dlv_mime_decode(); 0 otherwise */
} dlv_part;

typedef struct dlv_mime {
    deliver_ctx *ctx;
    dlv_part *parts;      /* in document order (pre-order): parts[0] is the message */
    size_t count, cap;
    int truncated;        /* a limit stopped the split (depth or parts) */
    /* Opt-in behaviour (0 after dlv_mime_init; the defaults are what DKIM relies on): */
    int lenient;          /* recover damaged multiparts: a boundary parameter on an
                             unindented line after the header, or a declared boundary that
                             never occurs in the body (then the body's own delimiter) */
    int skip_decode;      /* leave base64/QP undecoded (data == body) inside attached
                             messages and in image/audio/video/application parts */
    int lf_only;          /* the input's line ends are all LF (no CR octet anywhere): lines
                             are split with one search instead of two; same results */
    int lazy_decode;      /* do not decode base64/QP bodies (other than message/ types) in
                             dlv_mime_parse(): the part's `pending` says which encoding,
                             data == body until dlv_mime_decode() is called for it */
    /* lf_only: where lines starting with "--" begin in the input, found in one pass when the
     * first multipart needs them and used by every multipart inside (nested ones would
     * search their part of the input again); the array is reused between calls */
    size_t *dash;
    size_t ndash, dash_cap;
    int dash_built;        /* 0 not yet, 1 built, 2 too many lines: searched instead */
} dlv_mime;

void dlv_mime_init(dlv_mime *m, deliver_ctx *ctx);
void dlv_mime_free(dlv_mime *m);
/*
 * Split a message into its MIME entities, iteratively (an explicit work list, bounded by
 * DLV_MSG_MAX_PARTS and DLV_MSG_MAX_DEPTH; entities beyond are kept unsplit). Strings and
 * decoded bodies live in the arena; the parts array is reused between calls.
 * Returns DELIVER_OK or DELIVER_E_NOMEM.
 */
deliver_status dlv_mime_parse(dlv_mime *m, dlv_arena *a, const char *buf, size_t len);

/* With lazy_decode: undo part i's transfer encoding now (into the arena; data/data_len then
 * hold the result, as dlv_mime_parse() would have left them). A no-op for a part that is
 * not pending. Returns DELIVER_OK or DELIVER_E_NOMEM. */
deliver_status dlv_mime_decode(dlv_mime *m, dlv_arena *a, size_t i);

#endif /* DLV_MSG_H */

/*
 * DKIM shared pieces: tag lists, strict base64, header storage, canonicalization.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dkim/dkim_int.h"

#include <string.h>

#include "msg/msg.h"

static int is_wsp(int c)
{
    return c == ' ' || c == '\t';
}

static int is_fws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}


/* ---- tag lists ---- */

int dlv_dkim_tags(const char *s, size_t n, dlv_dkim_tag *tags, size_t *count, size_t *err_off,
                  int *fws)
{
    size_t i = 0, k = 0;
    int saw_fws = 0;
    *count = 0;
    *err_off = 0;
    /* each pass consumes at least one octet or ends: bounded by n */
    while (i < n) {
        size_t lead = i;
        while (i < n && is_fws((unsigned char)s[i])) {
            i++;
        }
        (void)lead;
        if (i >= n) {
            break;
        }
        if (s[i] == ';') { /* empty tag-spec: tolerated */
            i++;
            continue;
        }
        size_t name_off = i;
        if (!is_alpha((unsigned char)s[i])) {
            *err_off = i;
            return DLV_TAGS_SYNTAX;
        }
        while (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) ||
                         s[i] == '_')) {
            i++;
        }
        size_t name_len = i - name_off;
        while (i < n && is_fws((unsigned char)s[i])) {
            i++;
            saw_fws = 1;
        }
        if (i >= n || s[i] != '=') {
            *err_off = i < n ? i : name_off;
            return DLV_TAGS_SYNTAX;
        }
        i++;
        while (i < n && is_fws((unsigned char)s[i])) {
            i++;
            saw_fws = 1;
        }
        size_t vstart = i;
        while (i < n) {
#ifdef DLV_VEC16
            /* values are long (b=, bh=, h=): 16 octets at a time while all are plain, that
             * is visible ASCII other than ';'; the octet after a stop is looked at below */
            while (i + 16 <= n) {
                dlv_u8x16 x = dlv_load16((const uint8_t *)s + i);
                dlv_i8x16 plain = (dlv_i8x16)(x > 0x20) & (dlv_i8x16)(x < 0x7f) & (dlv_i8x16)(x != ';');
                size_t j = dlv_first_set16(~plain);
                if (j < 16) {
                    i += j;
                    break;
                }
                i += 16;
            }
            if (i >= n) {
                break;
            }
#endif
            unsigned char c = (unsigned char)s[i];
            if (c == ';') {
                break;
            }
            if (is_fws(c)) {
                saw_fws = 1;
            } else if (c < 0x21 || c > 0x7e) {
                *err_off = i;
                return DLV_TAGS_SYNTAX;
            }
            i++;
        }
        size_t vend = i;
        while (vend > vstart && is_fws((unsigned char)s[vend - 1])) {
            vend--;
        }
        if (i < n) {
            i++; /* the ';' */
        }
        for (size_t j = 0; j < k; j++) {
            if (tags[j].name_len == name_len && memcmp(tags[j].name, s + name_off, name_len) == 0) {
                *err_off = name_off;
                return DLV_TAGS_DUPLICATE;
            }
        }
        if (k >= DLV_DKIM_MAX_TAGS) {
            *err_off = name_off;
            return DLV_TAGS_TOO_MANY;
        }
        tags[k].name = s + name_off;
        tags[k].name_len = name_len;
        tags[k].val = s + vstart;
        tags[k].val_len = vend - vstart;
        tags[k].off = name_off;
        k++;
    }
    *count = k;
    if (fws) {
        *fws = saw_fws;
    }
    return DLV_TAGS_OK;
}

const dlv_dkim_tag *dlv_dkim_tag_find(const dlv_dkim_tag *tags, size_t count, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < count; i++) {
        if (tags[i].name_len == nl && memcmp(tags[i].name, name, nl) == 0) {
            return &tags[i];
        }
    }
    return NULL;
}

int dlv_dkim_tag_is(const dlv_dkim_tag *t, const char *s)
{
    size_t n = strlen(s);
    return t && t->val_len == n && memcmp(t->val, s, n) == 0;
}

/* ---- base64 ---- */

long dlv_dkim_b64_decode(const char *s, size_t n, uint8_t *out)
{
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    size_t o = 0, chars = 0;
    const uint8_t *val = dlv_base64_value; /* value + 1; 0: not a digit */
    for (size_t i = 0; i < n; i++) {
        /* four digits at a group boundary are three octets at once; anything else (FWS,
         * padding, a bad character) takes the octet-by-octet path below */
        while (bits == 0 && pad == 0 && n - i >= 4) {
            unsigned d0 = val[(unsigned char)s[i]], d1 = val[(unsigned char)s[i + 1]];
            unsigned d2 = val[(unsigned char)s[i + 2]], d3 = val[(unsigned char)s[i + 3]];
            if (!d0 || !d1 || !d2 || !d3) {
                break;
            }
            uint32_t g = (d0 - 1) << 18 | (d1 - 1) << 12 | (d2 - 1) << 6 | (d3 - 1);
            out[o] = (uint8_t)(g >> 16);
            out[o + 1] = (uint8_t)(g >> 8);
            out[o + 2] = (uint8_t)g;
            o += 3;
            chars += 4;
            i += 4;
        }
        if (i >= n) {
            break;
        }
        int c = (unsigned char)s[i];
        if (is_fws(c)) {
            continue;
        }
        if (c == '=') {
            pad++;
            if (pad > 2) {
                return -1;
            }
            continue;
        }
        int v = dlv_base64_digit(c);
        if (v < 0 || pad) {
            return -1;
        }
        chars++;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (chars % 4 == 1) {
        return -1;
    }
    if (pad && (chars + (size_t)pad) % 4 != 0) {
        return -1;
    }
    return (long)o;
}

int dlv_dkim_b64_encode(dlv_buf *b, const uint8_t *buf, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)buf[i] << 16;
        if (i + 1 < n) {
            v |= (uint32_t)buf[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= buf[i + 2];
        }
        char q[4] = {al[(v >> 18) & 63], al[(v >> 12) & 63], i + 1 < n ? al[(v >> 6) & 63] : '=',
                     i + 2 < n ? al[v & 63] : '='};
        if (dlv_buf_append(b, q, 4) < 0) {
            return -1;
        }
    }
    return b->failed ? -1 : 0;
}

/* ---- header storage ---- */

void dlv_dkim_hdrs_init(dlv_dkim_hdrs *h, deliver_ctx *ctx)
{
    memset(h, 0, sizeof(*h));
    h->ctx = ctx;
    dlv_arena_init(&h->arena, ctx);
}

void dlv_dkim_hdrs_clear(dlv_dkim_hdrs *h)
{
    dlv_arena_reset(&h->arena);
    h->n = 0;
}

void dlv_dkim_hdrs_free(dlv_dkim_hdrs *h)
{
    dlv_arena_clear(&h->arena);
    dlv_free(h->ctx, h->f);
    h->f = NULL;
    h->n = h->cap = 0;
}

deliver_status dlv_dkim_hdrs_add(dlv_dkim_hdrs *h, const char *field, size_t len)
{
    while (len > 0 && (field[len - 1] == '\n' || field[len - 1] == '\r')) {
        len--;
    }
    const char *colon = memchr(field, ':', len);
    if (!colon) {
        return DELIVER_E_INVALID;
    }
    if (h->n >= DLV_DKIM_MAX_FIELDS) {
        return DELIVER_E_LIMIT;
    }
    if (dlv_grow(h->ctx, (void **)&h->f, &h->cap, h->n + 1, sizeof(*h->f)) < 0) {
        return DELIVER_E_NOMEM;
    }
    /* line ends normalised to CRLF: each bare CR or LF takes one octet more */
    size_t extra = 0;
    for (const char *q = field, *e = field + len; (q = memchr(q, '\n', (size_t)(e - q))) != NULL;
         q++) {
        extra += q == field || q[-1] != '\r';
    }
    for (const char *q = field, *e = field + len; (q = memchr(q, '\r', (size_t)(e - q))) != NULL;
         q++) {
        extra += q + 1 == e || q[1] != '\n';
    }
    char *raw = dlv_arena_alloc(&h->arena, len + extra + 1);
    if (!raw) {
        return DELIVER_E_NOMEM;
    }
    size_t o = 0, colon_off = (size_t)(colon - field);
    if (extra == 0) {
        memcpy(raw, field, len);
        o = len;
    } else {
        for (size_t i = 0; i < len; i++) {
            char c = field[i];
            if (field + i == colon) {
                colon_off = o;
            }
            if (c == '\r' || c == '\n') {
                raw[o++] = '\r';
                raw[o++] = '\n';
                i += c == '\r' && i + 1 < len && field[i + 1] == '\n';
                continue;
            }
            raw[o++] = c;
        }
    }
    raw[o] = '\0';
    size_t nl = colon_off;
    while (nl > 0 && is_wsp((unsigned char)raw[nl - 1])) {
        nl--;
    }
    dlv_dkim_field *f = &h->f[h->n++];
    f->raw = raw;
    f->raw_len = o;
    f->name_len = nl;
    f->colon = colon_off;
    f->used = 0;
    return DELIVER_OK;
}

int dlv_dkim_field_is(const dlv_dkim_field *f, const char *name, size_t name_len)
{
    if (f->name_len != name_len) {
        return 0;
    }
    for (size_t i = 0; i < name_len; i++) {
        int a = (unsigned char)f->raw[i], b = (unsigned char)name[i];
        if (a >= 'A' && a <= 'Z') {
            a += 32;
        }
        if (b >= 'A' && b <= 'Z') {
            b += 32;
        }
        if (a != b) {
            return 0;
        }
    }
    return 1;
}

/* Relaxed header canonicalization (RFC 6376 3.4.2) of name: value into b: the name in lower
 * case, the colon, the value with line ends of folding gone, each run of WSP one SP, and none
 * at either end. Written here rather than with the message parser's version so that text
 * between the white space goes out 16 octets at a time. 0, or -1 out of memory. */
static int canon_relaxed(dlv_buf *b, const char *name, size_t name_len, const char *value,
                         size_t value_len)
{
    /* never longer than name, colon and value; 16 octets more for the last vector store */
    size_t need = name_len + 1 + value_len + 16;
    if (b->failed || need > SIZE_MAX - b->len - 1 ||
        dlv_grow(b->ctx, (void **)&b->data, &b->cap, b->len + need + 1, 1) < 0) {
        b->failed = 1;
        return -1;
    }
    char *o = b->data + b->len;
    for (size_t i = 0; i < name_len; i++) {
        char c = name[i];
        *o++ = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    *o++ = ':';
    const uint8_t *v = (const uint8_t *)value;
    size_t i = 0;
    int pending = 0, any = 0;
    while (i < value_len) {
        uint8_t c = v[i];
        if (is_fws(c)) {
            /* line ends of folding go; the WSP around them becomes at most one SP */
            pending |= is_wsp(c);
            i++;
            continue;
        }
        if (pending && any) {
            *o++ = ' ';
        }
        pending = 0;
        any = 1;
        *o++ = (char)c;
        i++;
#ifdef DLV_VEC16
        /* then, while the text needs no change (octets above 0x20 and single SPs between
         * them), 16 at a time; a stop leaves the rest to the octet-by-octet steps */
        while (i + 17 <= value_len) {
            dlv_u8x16 x = dlv_load16(v + i), x1 = dlv_load16(v + i + 1);
            dlv_i8x16 ok = (dlv_i8x16)(x > 0x20) | ((dlv_i8x16)(x == ' ') & (dlv_i8x16)(x1 > 0x20));
            memcpy(o, &x, sizeof(x));
            size_t j = dlv_first_set16(~ok);
            if (j < 16) {
                o += j;
                i += j;
                break;
            }
            o += 16;
            i += 16;
        }
#endif
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return 0;
}

int dlv_dkim_canon_field(dlv_buf *b, const char *raw, size_t raw_len, size_t name_len,
                         size_t colon, int relaxed, int crlf)
{
    if (!relaxed) {
        if (dlv_buf_append(b, raw, raw_len) < 0) {
            return -1;
        }
    } else if (canon_relaxed(b, raw, name_len, raw + colon + 1, raw_len - colon - 1) < 0) {
        return -1;
    }
    if (crlf && dlv_buf_append(b, "\r\n", 2) < 0) {
        return -1;
    }
    return b->failed ? -1 : 0;
}

int dlv_dkim_canon_headers(dlv_dkim_hdrs *h, const char *const *names, const size_t *name_lens,
                           size_t count, int relaxed, dlv_buf *b)
{
    for (size_t i = 0; i < h->n; i++) {
        h->f[i].used = 0;
    }
    for (size_t k = 0; k < count; k++) {
        for (size_t i = h->n; i-- > 0;) {
            dlv_dkim_field *f = &h->f[i];
            if (!f->used && dlv_dkim_field_is(f, names[k], name_lens[k])) {
                f->used = 1;
                if (dlv_dkim_canon_field(b, f->raw, f->raw_len, f->name_len, f->colon, relaxed,
                                         1) < 0) {
                    return -1;
                }
                break;
            }
        }
    }
    return 0;
}

/* ---- body canonicalization ---- */

void dlv_dkim_body_init(dlv_dkim_body *b, int relaxed, int64_t limit, dlv_dkim_sink sink,
                        void *ud)
{
    memset(b, 0, offsetof(dlv_dkim_body, out)); /* the output buffer needs no clearing */
    b->outn = 0;
    b->relaxed = relaxed;
    b->limit = limit;
    b->sink = sink;
    b->ud = ud;
}

/* hand n canonical octets that start at canonical offset `at` to the sink, cut at l= */
static void pass(dlv_dkim_body *b, const uint8_t *p, size_t n, uint64_t at)
{
    if (b->limit >= 0) {
        uint64_t lim = (uint64_t)b->limit;
        n = at >= lim ? 0 : (lim - at < n ? (size_t)(lim - at) : n);
    }
    if (n > 0) {
        b->sink(b->ud, p, n);
    }
}

static void flush(dlv_dkim_body *b)
{
    if (b->outn == 0) {
        return;
    }
    pass(b, b->out, b->outn, b->emitted - b->outn);
    b->outn = 0;
}

/* spans at least this long go to the sink without a copy into the output buffer */
#define DIRECT_SPAN 256

static void emit(dlv_dkim_body *b, const uint8_t *p, size_t n)
{
    if (n >= DIRECT_SPAN) {
        /* a long span goes to the sink as it is, after what is buffered */
        flush(b);
        pass(b, p, n, b->emitted);
        b->emitted += n;
        return;
    }
    if (n > sizeof(b->out) - b->outn) {
        flush(b);
    }
    memcpy(b->out + b->outn, p, n);
    b->outn += n;
    b->emitted += n;
}

static void emit_empties(dlv_dkim_body *b)
{
    while (b->empty_lines > 0) {
        emit(b, (const uint8_t *)"\r\n", 2);
        b->empty_lines--;
    }
}

static void end_line(dlv_dkim_body *b)
{
    b->pending_wsp = 0;
    if (b->line_has) {
        emit(b, (const uint8_t *)"\r\n", 2);
        b->line_has = 0;
    } else {
        b->empty_lines++;
    }
}

/* One content octet (not a line end). */
static void content(dlv_dkim_body *b, uint8_t c)
{
    if (b->relaxed && is_wsp(c)) {
        b->pending_wsp = 1;
        return;
    }
    if (b->empty_lines) {
        emit_empties(b);
    }
    if (b->pending_wsp) {
        emit(b, (const uint8_t *)" ", 1);
        b->pending_wsp = 0;
    }
    b->line_has = 1;
    emit(b, &c, 1);
}

/* Whether p[k] (k < n) needs no change under relaxed body canonicalization, given that the
 * octets before it in p are already accepted: an octet above 0x20; a single SP before one; a
 * CRLF before one; the LF of such a CRLF. Anything else (a WSP run, HTAB, a bare CR or LF, an
 * empty line, a control octet, WSP or a line end whose fate depends on octets not seen yet)
 * is left to the octet-by-octet path. */
static int relaxed_plain(const uint8_t *p, size_t k, size_t n)
{
    uint8_t c = p[k];
    if (c > 0x20) {
        return 1;
    }
    if (k + 1 >= n) {
        return 0;
    }
    uint8_t d = p[k + 1];
    if (c == ' ') {
        return d > 0x20;
    }
    if (c == '\r') {
        return d == '\n' && k + 2 < n && p[k + 2] > 0x20;
    }
    if (c == '\n') {
        return k > 0 && p[k - 1] == '\r' && d > 0x20;
    }
    return 0;
}


/* The length of the run at the start of p[0..n) that relaxed canonicalization leaves as it is
 * and that ends on an octet above 0x20 (so the line has content and no WSP is pending). */
static size_t relaxed_run(const uint8_t *p, size_t n)
{
    size_t k = 0;
    if (n == 0 || p[0] <= 0x20) {
        return 0;
    }
    k = 1;
#ifdef DLV_VEC16
    while (k + 18 <= n) {
        dlv_u8x16 x = dlv_load16(p + k), xm = dlv_load16(p + k - 1);
        dlv_u8x16 x1 = dlv_load16(p + k + 1), x2 = dlv_load16(p + k + 2);
        dlv_i8x16 hi1 = (dlv_i8x16)(x1 > 0x20);
        dlv_i8x16 ok = (dlv_i8x16)(x > 0x20) | ((dlv_i8x16)(x == ' ') & hi1) |
                     ((dlv_i8x16)(x == '\r') & (dlv_i8x16)(x1 == '\n') & (dlv_i8x16)(x2 > 0x20)) |
                     ((dlv_i8x16)(x == '\n') & (dlv_i8x16)(xm == '\r') & hi1);
        size_t j = dlv_first_set16(~ok);
        if (j < 16) {
            return k + j;
        }
        k += 16;
    }
#endif
    while (k < n && relaxed_plain(p, k, n)) {
        k++;
    }
    return k;
}

void dlv_dkim_body_feed(dlv_dkim_body *b, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (b->pending_cr) {
            b->pending_cr = 0;
            if (c == '\n') {
                end_line(b);
                i++;
                continue;
            }
            content(b, '\r');
            continue; /* c is looked at again */
        }
        if (c == '\r') {
            b->pending_cr = 1;
            i++;
            continue;
        }
        if (c == '\n') {
            end_line(b);
            i++;
            continue;
        }
        /* a run of plain octets on a line that already has content */
        if (!b->relaxed && b->line_has) {
            size_t j = i;
            while (j < n && p[j] != '\r' && p[j] != '\n') {
                j++;
            }
            emit(b, p + i, j - i);
            i = j;
            continue;
        }
        if (b->relaxed && b->line_has && !b->pending_wsp) {
            /* text that is already canonical goes out as it is, line ends included */
            size_t r = relaxed_run(p + i, n - i);
            if (r > 0) {
                emit(b, p + i, r);
                i += r;
            }
            /* a WSP run between two octets of text is one SP */
            size_t e = i;
            while (e < n && is_wsp(p[e])) {
                e++;
            }
            if (e > i && e < n && p[e] > 0x20) {
                emit(b, (const uint8_t *)" ", 1);
                i = e;
                continue;
            }
            if (r > 0) {
                continue;
            }
        }
        content(b, c);
        i++;
    }
}

void dlv_dkim_body_end(dlv_dkim_body *b)
{
    if (b->pending_cr) {
        b->pending_cr = 0;
        content(b, '\r');
    }
    if (b->line_has) {
        emit(b, (const uint8_t *)"\r\n", 2);
        b->line_has = 0;
    } else if (!b->relaxed && b->emitted == 0) {
        emit(b, (const uint8_t *)"\r\n", 2); /* simple: an empty body is one CRLF */
    }
    b->empty_lines = 0;
    flush(b);
}

/* ---- a message in memory ---- */

deliver_status dlv_dkim_split(const uint8_t *msg, size_t len, dlv_dkim_field_fn fn, void *h,
                              size_t *body_off)
{
    /* the shared RFC 5322 parser finds the fields and where the body starts */
    deliver_ctx *ctx = NULL;
    (void)ctx;
    const char *buf = (const char *)msg;
    size_t pos = 0;
    const char *line;
    size_t ll;
    size_t start = 0;
    int have = 0;
    *body_off = len;
    /* a leading mbox "From " line is not a field */
    if (len >= 5 && memcmp(buf, "From ", 5) == 0) {
        dlv_msg_line(buf, len, &pos, &line, &ll);
    }
    for (;;) {
        size_t at = pos;
        if (!dlv_msg_line(buf, len, &pos, &line, &ll)) {
            if (have) {
                deliver_status st = fn(h, buf + start, at - start);
                if (st < 0 && st != DELIVER_E_INVALID) {
                    return st;
                }
            }
            *body_off = len;
            return DELIVER_OK;
        }
        if (ll > 0 && is_wsp((unsigned char)line[0]) && have) {
            continue; /* continuation */
        }
        if (have) {
            deliver_status st = fn(h, buf + start, at - start);
            if (st < 0 && st != DELIVER_E_INVALID) {
                return st;
            }
            have = 0;
        }
        if (ll == 0) {
            *body_off = pos;
            return DELIVER_OK;
        }
        if (!memchr(line, ':', ll)) {
            *body_off = at; /* not a field: the body starts here */
            return DELIVER_OK;
        }
        start = at;
        have = 1;
    }
}

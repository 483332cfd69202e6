/*
 * RFC 5322 header fields, RFC 2047 encoded words, MIME entities (RFC 2045/2046).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "msg/msg.h"

#include <string.h>

static int lc(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_wsp(int c)
{
    return c == ' ' || c == '\t';
}

/* a[0..n) and b[0..n) equal, ASCII case-insensitively */
static int ieq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y && lc(x) != lc(y)) {
            return 0;
        }
    }
    return 1;
}

static int ieq(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    return an == bn && ieq_n(a, b, an);
}

int dlv_msg_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *line_len)
{
    size_t p = *pos;
    if (p >= len) {
        return 0;
    }
    const char *s = buf + p;
    size_t rest = len - p;
    /* memchr for both line-end octets; bounded by the input */
    const char *lf = memchr(s, '\n', rest);
    const char *cr = memchr(s, '\r', lf ? (size_t)(lf - s) : rest);
    size_t n;
    size_t adv;
    if (cr) {
        n = (size_t)(cr - s);
        adv = (n + 1 < rest && cr[1] == '\n') ? n + 2 : n + 1;
    } else if (lf) {
        n = (size_t)(lf - s);
        adv = n + 1;
    } else {
        n = rest;
        adv = rest;
    }
    *line = s;
    *line_len = n;
    *pos = p + adv;
    return 1;
}

/* dlv_msg_line() for input known to hold no CR (lf != 0): one memchr per line instead of
 * two, same lines. */
static inline int next_line(const char *buf, size_t len, size_t *pos, const char **line,
                     size_t *line_len, int lf)
{
    if (!lf) {
        return dlv_msg_line(buf, len, pos, line, line_len);
    }
    size_t p = *pos;
    if (p >= len) {
        return 0;
    }
    const char *s = buf + p;
    size_t rest = len - p;
    const char *e = memchr(s, '\n', rest);
    size_t n = e ? (size_t)(e - s) : rest;
    *line = s;
    *line_len = n;
    *pos = p + (e ? n + 1 : n);
    return 1;
}

/* For input with LF line ends only: the next line at or after *pos (a line start) in
 * buf[0..len) that starts with "--" (a MIME delimiter can only be such a line), found by
 * searching for LF "--" rather than line by line. *lstart is its offset, *pos the next
 * line's. 1 found, 0 none. */
static int next_dash_line(const char *buf, size_t len, size_t *pos, size_t *lstart,
                          const char **line, size_t *line_len)
{
    size_t p0 = *pos;
    size_t k;
    if (p0 + 2 <= len && buf[p0] == '-' && buf[p0 + 1] == '-') {
        k = p0;
    } else {
        /* a line end followed by "--": the search starts at the LF ending *pos's line,
         * which is at or after p0 - 1 */
        size_t from = p0 > 0 ? p0 - 1 : 0;
        const char *q = from < len ? dlv_find3(buf + from, len - from, '\n', '-', '-') : NULL;
        if (!q) {
            *pos = len;
            return 0;
        }
        k = (size_t)(q - buf) + 1;
    }
    const char *e = memchr(buf + k, '\n', len - k);
    size_t n = e ? (size_t)(e - (buf + k)) : len - k;
    *line = buf + k;
    *line_len = n;
    *lstart = k;
    *pos = e ? k + n + 1 : len;
    return 1;
}

/* ---- header fields ---- */

/* Length of the field name at the start of l[0..n) (0: not a field line); *colon (if not
 * NULL) receives the offset of the colon. */
static size_t field_name_len(const char *l, size_t n, size_t *colon)
{
    /* ftext (RFC 5322): printable US-ASCII except ':', 16 octets at a time */
    size_t i = dlv_span_range(l, n, 0x21, 0x7e, ':');
    size_t name = i;
    while (i < n && is_wsp((unsigned char)l[i])) {
        i++;
    }
    if (name == 0 || i >= n || l[i] != ':') {
        return 0;
    }
    if (colon) {
        *colon = i;
    }
    return name;
}

/* The header parser: one pass; the field array grows in the arena (doubling, so at most as
 * much again is left unused). lf: the input holds no CR. */
static deliver_status header_parse(dlv_arena *a, const char *buf, size_t len, dlv_header *h,
                                   int lf)
{
    memset(h, 0, sizeof(*h));
    size_t pos = 0;
    const char *l;
    size_t ln;
    /* skip an mbox separator line */
    if (len >= 5 && memcmp(buf, "From ", 5) == 0) {
        next_line(buf, len, &pos, &l, &ln, lf);
    }
    size_t cap = 0;
    dlv_field *cur = NULL;
    size_t prev = pos;
    h->end = len;
    /* bounded by the number of lines */
    while (1) {
        prev = pos;
        if (!next_line(buf, len, &pos, &l, &ln, lf)) {
            h->end = len;
            break;
        }
        if (ln == 0) {
            h->end = pos;
            break;
        }
        if (is_wsp((unsigned char)l[0])) {
            if (cur) {
                cur->raw_len = (size_t)(l + ln - cur->raw);
                cur->value_len = (size_t)(l + ln - cur->value);
            }
            continue;
        }
        size_t colon = 0;
        size_t nl = field_name_len(l, ln, &colon);
        if (!nl) {
            h->end = prev; /* body starts with this line */
            break;
        }
        if (h->count == cap && cap < DLV_MSG_MAX_FIELDS) {
            size_t ncap = cap ? cap * 2 : 16;
            if (ncap > DLV_MSG_MAX_FIELDS) {
                ncap = DLV_MSG_MAX_FIELDS;
            }
            dlv_field *nf = dlv_arena_alloc(a, ncap * sizeof(dlv_field));
            if (!nf) {
                return DELIVER_E_NOMEM;
            }
            if (h->count) {
                memcpy(nf, h->fields, h->count * sizeof(dlv_field));
            }
            h->fields = nf;
            cap = ncap;
        }
        if (h->count < cap) {
            cur = &h->fields[h->count++];
            cur->name = l;
            cur->name_len = nl;
            cur->value = l + colon + 1; /* the first ':' of the line */
            cur->value_len = (size_t)(l + ln - cur->value);
            cur->raw = l;
            cur->raw_len = ln;
        } else {
            h->truncated = 1;
            cur = NULL;
        }
    }
    return DELIVER_OK;
}

deliver_status dlv_header_parse(dlv_arena *a, const char *buf, size_t len, dlv_header *h)
{
    return header_parse(a, buf, len, h, 0);
}

deliver_status dlv_header_parse_lf(dlv_arena *a, const char *buf, size_t len, dlv_header *h)
{
    return header_parse(a, buf, len, h, 1);
}

const dlv_field *dlv_header_find(const dlv_header *h, const char *name, size_t nth)
{
    size_t nl = strlen(name);
    int c0 = nl ? lc((unsigned char)name[0]) : 0;
    for (size_t i = 0; i < h->count; i++) {
        const dlv_field *f = &h->fields[i];
        /* what ieq() decides, with the length and first octet tested first */
        if (f->name_len == nl && (nl == 0 || lc((unsigned char)f->name[0]) == c0) &&
            ieq_n(f->name, name, nl)) {
            if (nth == 0) {
                return &h->fields[i];
            }
            nth--;
        }
    }
    return NULL;
}

static char *unfold(dlv_arena *a, const char *s, size_t n, size_t *out_len)
{
    char *o = dlv_arena_alloc_raw(a, n + 1);
    if (!o) {
        return NULL;
    }
    /* the octets before the first line end are copied whole (most values have none) */
    const char *lf = n ? memchr(s, '\n', n) : NULL;
    const char *cr = n ? memchr(s, '\r', lf ? (size_t)(lf - s) : n) : NULL;
    size_t k = cr ? (size_t)(cr - s) : lf ? (size_t)(lf - s) : n;
    if (k) {
        memcpy(o, s, k);
    }
    for (size_t i = k; i < n; i++) {
        char c = s[i];
        if (c == '\r' || c == '\n') {
            continue;
        }
        o[k++] = c;
    }
    size_t b = 0;
    while (b < k && is_wsp((unsigned char)o[b])) {
        b++;
    }
    while (k > b && is_wsp((unsigned char)o[k - 1])) {
        k--;
    }
    if (b) {
        memmove(o, o + b, k - b);
    }
    k -= b;
    o[k] = '\0';
    if (out_len) {
        *out_len = k;
    }
    return o;
}

char *dlv_field_unfold(dlv_arena *a, const dlv_field *f, size_t *out_len)
{
    return unfold(a, f->value, f->value_len, out_len);
}

char *dlv_header_value(dlv_arena *a, const dlv_header *h, const char *name)
{
    const dlv_field *f = dlv_header_find(h, name, 0);
    return f ? dlv_field_unfold(a, f, NULL) : NULL;
}

/* ---- RFC 2047 ---- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = lc(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Decode base64 from s[0..n) into o (room for n octets). Returns octets written. */
static size_t b64_into(const char *s, size_t n, char *o)
{
    size_t k = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = dlv_base64_digit((unsigned char)s[i]);
        if (v < 0) {
            if (s[i] == '=') {
                acc = 0;
                bits = 0;
            }
            continue;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (char)((acc >> bits) & 0xff);
        }
    }
    return k;
}

char *dlv_base64_decode(dlv_arena *a, const char *s, size_t n, size_t *out_len)
{
    char *o = dlv_arena_alloc_raw(a, n + 1);
    if (!o) {
        return NULL;
    }
    size_t k = b64_into(s, n, o);
    o[k] = '\0';
    *out_len = k;
    return o;
}

char *dlv_qp_decode(dlv_arena *a, const char *s, size_t n, size_t *out_len)
{
    char *o = dlv_arena_alloc_raw(a, n + 1);
    if (!o) {
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '=') {
            /* the run up to the next '=' is copied as it is */
            const char *eq = memchr(s + i, '=', n - i);
            size_t run = eq ? (size_t)(eq - (s + i)) : n - i;
            memcpy(o + k, s + i, run);
            k += run;
            i += run - 1;
            continue;
        }
        if (i + 1 < n && (s[i + 1] == '\n' || s[i + 1] == '\r')) {
            i++;
            if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
                i++;
            }
            continue;
        }
        /* "=" followed by trailing white space and a line end is a soft break too */
        size_t j = i + 1;
        while (j < n && is_wsp((unsigned char)s[j])) {
            j++;
        }
        if (j > i + 1 && (j == n || s[j] == '\n' || s[j] == '\r')) {
            i = j;
            if (i < n && s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
                i++;
            }
            continue;
        }
        if (i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
            hexval((unsigned char)s[i + 2]) >= 0) {
            o[k++] = (char)(hexval((unsigned char)s[i + 1]) * 16 +
                            hexval((unsigned char)s[i + 2]));
            i += 2;
            continue;
        }
        o[k++] = c;
    }
    o[k] = '\0';
    *out_len = k;
    return o;
}

/* Windows-1252 0x80..0x9f to Unicode (0 where undefined). */
static const unsigned short cp1252[32] = {
    0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013,
    0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178};

/* Append octets in charset cs to o (room for 3*n), converting latin-1 style charsets. */
static size_t put_charset(char *o, const char *s, size_t n, int latin)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (!latin || c < 0x80) {
            o[k++] = (char)c;
            continue;
        }
        unsigned u = c;
        if (c < 0xa0 && latin == 2) {
            u = cp1252[c - 0x80] ? cp1252[c - 0x80] : '?';
        }
        if (u < 0x800) {
            o[k++] = (char)(0xc0 | (u >> 6));
            o[k++] = (char)(0x80 | (u & 0x3f));
        } else {
            o[k++] = (char)(0xe0 | (u >> 12));
            o[k++] = (char)(0x80 | ((u >> 6) & 0x3f));
            o[k++] = (char)(0x80 | (u & 0x3f));
        }
    }
    return k;
}

/*
 * One encoded word at s[i..n): "=?charset?X?text?=". On success returns its length and
 * writes the decoded text to o (room for 3*len), *olen its length.
 */
static size_t encoded_word(const char *s, size_t n, char *o, size_t *olen)
{
    if (n < 8 || s[0] != '=' || s[1] != '?') {
        return 0;
    }
    size_t q1 = 2;
    while (q1 < n && s[q1] != '?' && q1 < 80) {
        q1++;
    }
    if (q1 + 2 >= n || s[q1] != '?' || s[q1 + 2] != '?') {
        return 0;
    }
    int enc = lc((unsigned char)s[q1 + 1]);
    if (enc != 'b' && enc != 'q') {
        return 0;
    }
    size_t t = q1 + 3, e = t;
    while (e + 1 < n && !(s[e] == '?' && s[e + 1] == '=')) {
        if (s[e] == ' ' || s[e] == '\t' || s[e] == '\r' || s[e] == '\n') {
            return 0;
        }
        e++;
    }
    if (e + 1 >= n) {
        return 0;
    }
    const char *cs = s + 2;
    size_t csn = q1 - 2;
    const char *star = memchr(cs, '*', csn); /* RFC 2231 language */
    if (star) {
        csn = (size_t)(star - cs);
    }
    int latin = 0;
    if (ieq(cs, csn, "iso-8859-1") || ieq(cs, csn, "latin1") || ieq(cs, csn, "iso-8859-15")) {
        latin = 1;
    } else if (ieq(cs, csn, "windows-1252") || ieq(cs, csn, "cp1252")) {
        latin = 2;
    }
    /* decode into a scratch area at the end of o, then convert */
    char tmp[1024];
    size_t tn = 0;
    size_t len = e - t;
    if (len > sizeof(tmp)) {
        len = sizeof(tmp);
    }
    if (enc == 'b') {
        tn = b64_into(s + t, len, tmp);
    } else {
        for (size_t i = 0; i < len; i++) {
            char c = s[t + i];
            if (c == '_') {
                tmp[tn++] = ' ';
            } else if (c == '=' && i + 2 < len + 0 + 1 && t + i + 2 < e &&
                       hexval((unsigned char)s[t + i + 1]) >= 0 &&
                       hexval((unsigned char)s[t + i + 2]) >= 0) {
                tmp[tn++] = (char)(hexval((unsigned char)s[t + i + 1]) * 16 +
                                   hexval((unsigned char)s[t + i + 2]));
                i += 2;
            } else {
                tmp[tn++] = c;
            }
        }
    }
    *olen = put_charset(o, tmp, tn, latin);
    return e + 2;
}

char *dlv_rfc2047_decode(dlv_arena *a, const char *s, size_t n)
{
    if (n > (SIZE_MAX - 1) / 3) {
        return NULL;
    }
    char *o = dlv_arena_alloc_raw(a, 3 * n + 1);
    if (!o) {
        return NULL;
    }
    size_t k = 0, i = 0;
    int last_was_word = 0;
    size_t ws_start = 0; /* output position where pending white space starts */
    while (i < n) {
        if (s[i] == '=' && i + 1 < n && s[i + 1] == '?') {
            size_t wl = 0;
            size_t used = encoded_word(s + i, n - i, o + k, &wl);
            if (used) {
                if (last_was_word && ws_start < k) {
                    /* white space between adjacent encoded words is dropped */
                    int only_ws = 1;
                    for (size_t j = ws_start; j < k; j++) {
                        if (!is_wsp((unsigned char)o[j])) {
                            only_ws = 0;
                        }
                    }
                    if (only_ws) {
                        memmove(o + ws_start, o + k, wl);
                        k = ws_start;
                    }
                }
                k += wl;
                i += used;
                last_was_word = 1;
                ws_start = k;
                continue;
            }
        }
        if (!is_wsp((unsigned char)s[i])) {
            last_was_word = 0;
        }
        o[k++] = s[i++];
    }
    o[k] = '\0';
    return o;
}

char *dlv_field_decode(dlv_arena *a, const dlv_field *f)
{
    size_t n;
    char *u = dlv_field_unfold(a, f, &n);
    if (!u || !memchr(u, '=', n)) {
        return u;
    }
    return dlv_rfc2047_decode(a, u, n);
}

int dlv_field_canon_relaxed(dlv_buf *out, const dlv_field *f)
{
    /* the canonical form is never longer than name, colon and value: room is made once */
    size_t need = f->name_len + 1 + f->value_len;
    if (out->failed || need > SIZE_MAX - out->len - 1 ||
        dlv_grow(out->ctx, (void **)&out->data, &out->cap, out->len + need + 1, 1) < 0) {
        out->failed = 1;
        return -1;
    }
    char *o = out->data + out->len;
    for (size_t i = 0; i < f->name_len; i++) {
        *o++ = (char)lc((unsigned char)f->name[i]);
    }
    *o++ = ':';
    int pending_space = 0, any = 0;
    for (size_t i = 0; i < f->value_len; i++) {
        char c = f->value[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            /* line ends of folding go; the WSP around them becomes at most one SP */
            pending_space |= c == ' ' || c == '\t';
            continue;
        }
        if (pending_space && any) {
            *o++ = ' ';
        }
        pending_space = 0;
        any = 1;
        *o++ = c;
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return 0;
}

/* ---- structured values ---- */

void dlv_mime_type(const char *v, size_t n, char *out, size_t cap)
{
    size_t i = 0, k = 0;
    while (i < n && (is_wsp((unsigned char)v[i]) || v[i] == '\r' || v[i] == '\n')) {
        i++;
    }
    int slash = 0;
    while (i < n && k + 1 < cap) {
        unsigned char c = (unsigned char)v[i];
        if (c == ';' || c <= 32 || c == '(' || c == '"') {
            break;
        }
        if (c == '/') {
            slash++;
        }
        out[k++] = (char)lc(c);
        i++;
    }
    out[k] = '\0';
    if (slash != 1 || out[0] == '/' || out[k ? k - 1 : 0] == '/') {
        out[0] = '\0';
    }
}

int dlv_mime_param(const char *v, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    size_t i = 0;
    int inq = 0;
    if (cap) {
        out[0] = '\0';
    }
    /* walk parameters: after each ';' outside quotes */
    while (i < n) {
        char c = v[i];
        if (inq) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                inq = 0;
            }
            i++;
            continue;
        }
        if (c == '"') {
            inq = 1;
            i++;
            continue;
        }
        if (c != ';') {
            i++;
            continue;
        }
        i++;
        while (i < n && (is_wsp((unsigned char)v[i]) || v[i] == '\r' || v[i] == '\n')) {
            i++;
        }
        size_t ns = i;
        while (i < n && v[i] != '=' && v[i] != ';' && !is_wsp((unsigned char)v[i])) {
            i++;
        }
        size_t ne = i;
        while (i < n && is_wsp((unsigned char)v[i])) {
            i++;
        }
        if (i >= n || v[i] != '=') {
            continue;
        }
        i++;
        while (i < n && (is_wsp((unsigned char)v[i]) || v[i] == '\r' || v[i] == '\n')) {
            i++;
        }
        int match = ne - ns == nl && ieq(v + ns, nl, name);
        size_t k = 0;
        if (i < n && v[i] == '"') {
            i++;
            while (i < n && v[i] != '"') {
                if (v[i] == '\\' && i + 1 < n) {
                    i++;
                }
                if (match && k + 1 < cap && v[i] != '\r' && v[i] != '\n') {
                    out[k++] = v[i];
                }
                i++;
            }
            i++;
        } else {
            while (i < n && v[i] != ';' && !is_wsp((unsigned char)v[i]) && v[i] != '\r' &&
                   v[i] != '\n') {
                if (match && k + 1 < cap) {
                    out[k++] = v[i];
                }
                i++;
            }
        }
        if (match) {
            if (cap) {
                out[k] = '\0';
            }
            return 1;
        }
    }
    return 0;
}

/* ---- MIME ---- */

void dlv_mime_init(dlv_mime *m, deliver_ctx *ctx)
{
    memset(m, 0, sizeof(*m));
    m->ctx = ctx;
}

void dlv_mime_free(dlv_mime *m)
{
    dlv_free(m->ctx, m->parts);
    dlv_free(m->ctx, m->dash);
    m->parts = NULL;
    m->dash = NULL;
    m->count = m->cap = 0;
    m->ndash = m->dash_cap = 0;
}

/* At most this many lines in the index (512 KB); a message with more lines starting with
 * "--" than that is searched part by part instead, so hostile input cannot make the index
 * larger than the message. */
#define DASH_INDEX_MAX 65536

/* m->dash: the offsets in buf[0..len) of the lines that start with "--"; dash_built 1, or 2
 * when there are too many (then searched as before); -1 out of memory */
static int dash_index(dlv_mime *m, const char *buf, size_t len)
{
    m->ndash = 0;
    m->dash_built = 1;
    size_t from = 0;
    if (len >= 2 && buf[0] == '-' && buf[1] == '-') {
        if (dlv_grow(m->ctx, (void **)&m->dash, &m->dash_cap, 1, sizeof(size_t)) < 0) {
            return -1;
        }
        m->dash[m->ndash++] = 0;
    }
    /* bounded: from moves past one match on every round */
    const char *q;
    while (from < len && (q = dlv_find3(buf + from, len - from, '\n', '-', '-')) != NULL) {
        if (m->ndash == DASH_INDEX_MAX) {
            m->dash_built = 2;
            return 0;
        }
        if (dlv_grow(m->ctx, (void **)&m->dash, &m->dash_cap, m->ndash + 1, sizeof(size_t)) <
            0) {
            return -1;
        }
        size_t k = (size_t)(q - buf) + 1;
        m->dash[m->ndash++] = k;
        from = k;
    }
    return 0;
}

/* next_dash_line() through m->dash: the same line, without searching the text again */
static int next_dash_line_indexed(const dlv_mime *m, const char *buf, size_t len, size_t *pos,
                                  size_t *lstart, const char **line, size_t *line_len)
{
    size_t p0 = *pos, k;
    if (p0 + 2 <= len && buf[p0] == '-' && buf[p0 + 1] == '-') {
        k = p0;
    } else {
        /* the first indexed line after p0 */
        size_t lo = 0, hi = m->ndash;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (m->dash[mid] <= p0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo == m->ndash || m->dash[lo] + 2 > len) {
            *pos = len;
            return 0;
        }
        k = m->dash[lo];
    }
    const char *e = memchr(buf + k, '\n', len - k);
    size_t n = e ? (size_t)(e - (buf + k)) : len - k;
    *line = buf + k;
    *line_len = n;
    *lstart = k;
    *pos = e ? k + n + 1 : len;
    return 1;
}

deliver_status dlv_mime_decode(dlv_mime *m, dlv_arena *a, size_t i)
{
    if (i >= m->count || !m->parts[i].pending) {
        return DELIVER_OK;
    }
    dlv_part *p = &m->parts[i];
    size_t dl = 0;
    const char *d = p->pending == 1 ? dlv_base64_decode(a, p->body, p->body_len, &dl)
                                    : dlv_qp_decode(a, p->body, p->body_len, &dl);
    if (!d) {
        return DELIVER_E_NOMEM;
    }
    p->data = d;
    p->data_len = dl;
    p->pending = 0;
    return DELIVER_OK;
}

typedef struct work {
    size_t off, len;
    int depth, parent, in_message;
} work;

/*
 * Is the line l[0..n) a delimiter for boundary b? 1 delimiter, 2 close delimiter, 0 not.
 */
static int delimiter(const char *l, size_t n, const char *b, size_t bn)
{
    if (n < bn + 2 || l[0] != '-' || l[1] != '-' || memcmp(l + 2, b, bn) != 0) {
        return 0;
    }
    size_t i = bn + 2;
    int close = 0;
    if (i + 1 < n + 0 && l[i] == '-' && l[i + 1] == '-') {
        close = 1;
        i += 2;
    } else if (i + 2 == n + 0 && l[i] == '-' && l[i + 1] == '-') {
        close = 1;
        i += 2;
    }
    while (i < n && (is_wsp((unsigned char)l[i]))) {
        i++;
    }
    if (i != n) {
        return 0;
    }
    return close ? 2 : 1;
}

/* Does body[0..n) hold a delimiter line for boundary b? */
static int has_delimiter(const char *body, size_t n, const char *b, size_t bn, int lf)
{
    size_t pos = 0, ls;
    const char *l;
    size_t ln;
    if (lf) {
        /* bounded by the number of '-' octets */
        while (next_dash_line(body, n, &pos, &ls, &l, &ln)) {
            if (ln >= bn + 2 && delimiter(l, ln, b, bn)) {
                return 1;
            }
        }
        return 0;
    }
    /* bounded by the number of lines */
    while (next_line(body, n, &pos, &l, &ln, lf)) {
        if (ln >= bn + 2 && l[0] == '-' && delimiter(l, ln, b, bn)) {
            return 1;
        }
    }
    return 0;
}

/* Lenient: a boundary parameter written on an unindented line right after the header
 * ("boundary=\"...\""), which the header parser leaves at the start of the body. On success
 * the boundary is in out and *skip is the length of that line. */
static int lenient_param(const char *body, size_t n, char *out, size_t cap, size_t *skip)
{
    size_t pos = 0;
    const char *l;
    size_t ln;
    if (!dlv_msg_line(body, n, &pos, &l, &ln) || ln < 10 || !ieq(l, 9, "boundary=")) {
        return 0;
    }
    char v[DLV_MSG_MAX_PARAM + 16];
    size_t k = 0;
    memcpy(v, "x/y; ", 5);
    k = 5;
    for (size_t i = 0; i < ln && k + 1 < sizeof(v); i++) {
        v[k++] = l[i];
    }
    v[k] = '\0';
    if (!dlv_mime_param(v, k, "boundary", out, cap) || !out[0]) {
        return 0;
    }
    *skip = pos;
    return 1;
}

/* Lenient: the body's own delimiter when the declared one never occurs: the first line that
 * starts with "--", has no white space, is 10 to 200 octets long and occurs again (as a
 * delimiter or close delimiter). Leaves b unchanged when there is none. */
static void guess_boundary(const char *body, size_t n, char *b, size_t cap, int lf)
{
    size_t pos = 0;
    const char *l;
    size_t ln;
    size_t guard = 0;
    /* bounded: at most 20 candidate lines, each checked in one pass */
    while (next_line(body, n, &pos, &l, &ln, lf) && guard < 20) {
        if (ln < 10 || ln > 200 || l[0] != '-' || l[1] != '-' || ln - 2 >= cap) {
            continue;
        }
        size_t i = 2;
        while (i < ln && (unsigned char)l[i] > 32) {
            i++;
        }
        if (i != ln) {
            continue;
        }
        guard++;
        size_t bn = ln - 2;
        if (bn > 2 && l[ln - 1] == '-' && l[ln - 2] == '-') {
            continue; /* a close delimiter first: not a start */
        }
        size_t p2 = pos;
        const char *l2;
        size_t ln2;
        int again = 0;
        while (!again && next_line(body, n, &p2, &l2, &ln2, lf)) {
            again = ln2 >= ln && l2[0] == '-' && delimiter(l2, ln2, l + 2, bn) != 0;
        }
        if (again) {
            memcpy(b, l + 2, bn);
            b[bn] = '\0';
            return;
        }
    }
}

deliver_status dlv_mime_parse(dlv_mime *m, dlv_arena *a, const char *buf, size_t len)
{
    m->count = 0;
    m->truncated = 0;
    m->dash_built = 0;
    work stack[DLV_MSG_MAX_PARTS];
    size_t sp = 0;
    stack[sp++] = (work){0, len, 0, -1, 0};
    /* each iteration consumes one work item and makes one part; bounded by MAX_PARTS */
    while (sp > 0 && m->count < DLV_MSG_MAX_PARTS) {
        work w = stack[--sp];
        if (dlv_grow(m->ctx, (void **)&m->parts, &m->cap, m->count + 1, sizeof(dlv_part)) < 0) {
            return DELIVER_E_NOMEM;
        }
        int idx = (int)m->count++;
        dlv_part *p = &m->parts[idx];
        memset(p, 0, sizeof(*p));
        const char *ent = buf + w.off;
        if (header_parse(a, ent, w.len, &p->hdr, m->lf_only) < 0) {
            return DELIVER_E_NOMEM;
        }
        p->depth = w.depth;
        p->parent = w.parent;
        p->in_message = w.in_message;
        p->body = ent + p->hdr.end;
        p->body_len = w.len - p->hdr.end;
        const dlv_field *ct = dlv_header_find(&p->hdr, "content-type", 0);
        if (ct) {
            dlv_mime_type(ct->value, ct->value_len, p->type, sizeof(p->type));
        }
        if (!p->type[0]) {
            int digest = 0;
            if (p->parent >= 0 &&
                strcmp(m->parts[p->parent].type, "multipart/digest") == 0) {
                digest = 1;
            }
            strcpy(p->type, digest ? "message/rfc822" : "text/plain");
        }
        /* transfer encoding */
        p->data = p->body;
        p->data_len = p->body_len;
        const dlv_field *cte = dlv_header_find(&p->hdr, "content-transfer-encoding", 0);
        int skip = m->skip_decode &&
                   (w.in_message || strncmp(p->type, "image/", 6) == 0 ||
                    strncmp(p->type, "audio/", 6) == 0 || strncmp(p->type, "video/", 6) == 0 ||
                    strncmp(p->type, "application/", 12) == 0);
        if (cte && !skip && strncmp(p->type, "multipart/", 10) != 0) {
            char enc[32];
            /* the token itself (dlv_mime_type would need a slash) */
            size_t i = 0, k = 0;
            while (i < cte->value_len && is_wsp((unsigned char)cte->value[i])) {
                i++;
            }
            while (i < cte->value_len && k + 1 < sizeof(enc) &&
                   (unsigned char)cte->value[i] > 32 && cte->value[i] != ';') {
                enc[k++] = (char)lc((unsigned char)cte->value[i++]);
            }
            enc[k] = '\0';
            size_t dl = 0;
            const char *d = NULL;
            int pending = strcmp(enc, "base64") == 0 ? 1
                          : strcmp(enc, "quoted-printable") == 0 ? 2 : 0;
            if (pending && m->lazy_decode && strncmp(p->type, "message/", 8) != 0) {
                p->pending = pending; /* dlv_mime_decode() when read */
            } else if (pending == 1) {
                d = dlv_base64_decode(a, p->body, p->body_len, &dl);
            } else if (pending == 2) {
                d = dlv_qp_decode(a, p->body, p->body_len, &dl);
            }
            if (d) {
                p->data = d;
                p->data_len = dl;
            } else if (pending && !p->pending) {
                return DELIVER_E_NOMEM;
            }
        }
        if (w.depth + 1 > DLV_MSG_MAX_DEPTH) {
            if (strncmp(p->type, "multipart/", 10) == 0 || strncmp(p->type, "message/", 8) == 0) {
                m->truncated = 1;
            }
            continue;
        }
        if (strcmp(p->type, "message/rfc822") == 0 || strcmp(p->type, "message/global") == 0) {
            /* the attached message: its offset in buf is only known when not decoded */
            if (p->data == p->body && sp < DLV_MSG_MAX_PARTS) {
                stack[sp++] = (work){(size_t)(p->body - buf), p->body_len, w.depth + 1, idx, 1};
            }
            continue;
        }
        if (strncmp(p->type, "multipart/", 10) != 0 || !ct) {
            continue;
        }
        char b[DLV_MSG_MAX_PARAM];
        size_t body_skip = 0;
        if (!dlv_mime_param(ct->value, ct->value_len, "boundary", b, sizeof(b)) || !b[0]) {
            if (!m->lenient || !lenient_param(p->body, p->body_len, b, sizeof(b), &body_skip)) {
                continue;
            }
        }
        if (m->lenient && !has_delimiter(p->body, p->body_len, b, strlen(b), m->lf_only)) {
            guess_boundary(p->body, p->body_len, b, sizeof(b), m->lf_only);
        }
        size_t bn = strlen(b);
        /* split the body: collect child ranges, then push them in reverse order */
        size_t child_off[DLV_MSG_MAX_PARTS];
        size_t child_len[DLV_MSG_MAX_PARTS];
        size_t nchild = 0;
        size_t pos = (size_t)(p->body - buf) + body_skip, end = (size_t)(p->body - buf) + p->body_len;
        size_t cur_start = 0;
        int in_part = 0;
        const char *l;
        size_t ln;
        size_t prev_end = pos; /* end of the previous line's content (before its line end) */
        const size_t region = pos;
        /* bounded by the number of lines */
        while (1) {
            size_t lstart = pos;
            if (m->lf_only) {
                /* only lines starting with '-' can be delimiters; the line before one
                 * ends at its LF */
                if (!m->dash_built && dash_index(m, buf, len) < 0) {
                    return DELIVER_E_NOMEM;
                }
                if (!(m->dash_built == 1
                          ? next_dash_line_indexed(m, buf, end, &pos, &lstart, &l, &ln)
                          : next_dash_line(buf, end, &pos, &lstart, &l, &ln))) {
                    break;
                }
                prev_end = lstart > region ? lstart - 1 : region;
            } else if (!next_line(buf, end, &pos, &l, &ln, 0)) {
                break;
            }
            int d = (ln >= bn + 2 && l[0] == '-') ? delimiter(l, ln, b, bn) : 0;
            if (d) {
                if (in_part && nchild < DLV_MSG_MAX_PARTS) {
                    size_t ce = lstart > cur_start ? prev_end : cur_start;
                    if (ce < cur_start) {
                        ce = cur_start;
                    }
                    child_off[nchild] = cur_start;
                    child_len[nchild] = ce - cur_start;
                    nchild++;
                }
                if (d == 2) {
                    in_part = 0;
                    break;
                }
                in_part = 1;
                cur_start = pos;
            }
            prev_end = (size_t)(l + ln - buf);
        }
        if (in_part && nchild < DLV_MSG_MAX_PARTS) {
            child_off[nchild] = cur_start;
            child_len[nchild] = end > cur_start ? end - cur_start : 0;
            nchild++;
        }
        for (size_t c = nchild; c > 0; c--) {
            if (sp >= DLV_MSG_MAX_PARTS) {
                m->truncated = 1;
                break;
            }
            stack[sp++] = (work){child_off[c - 1], child_len[c - 1], w.depth + 1, idx,
                                 w.in_message};
        }
    }
    if (sp > 0) {
        m->truncated = 1;
    }
    return DELIVER_OK;
}

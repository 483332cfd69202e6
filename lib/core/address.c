/*
 * Email addresses: RFC 5321 Mailbox/Path, RFC 5322 mailbox and address lists, RFC 6531/6532
 * UTF-8 addresses; plus the public deliver_address_*, deliver_domain_to_ascii() and
 * deliver_ip_in_cidr() functions.
 *
 * The parser is a single forward scan over s[0..len) without recursion: comments are
 * matched with a depth counter, every loop consumes at least one octet per iteration or
 * stops, so the work is linear in len. The only rescan is in RFC 5322 mode, where a
 * phrase that turns out to be the local part of an addr-spec is read a second time.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "core/address.h"

#include <string.h>

#include <deliver/address.h>

#include "core/ip.h"

/* Octets of "local@domain" as written: the path limit minus its angle brackets. */
#define ADDR_SPEC_MAX (DLV_ADDR_PATH_MAX - 2)

/* ---- parser state ---- */

typedef struct prs {
    const char *s;
    size_t len, i;
    int header; /* RFC 5322 rules: CFWS, comments, obsolete forms */
    int utf8ok; /* UTF-8 allowed */
    deliver_status st;
    const char *why;
} prs;

/* A mailbox while it is parsed: fixed buffers, since the limits bound them. */
typedef struct mbox_tmp {
    char local[DLV_ADDR_LOCAL_MAX + 1];
    size_t llen;  /* decoded octets in local */
    size_t lraw;  /* octets of the local part as written (quotes, backslashes, dots) */
    char dom[ADDR_SPEC_MAX + 1];
    size_t dlen;
    size_t draw;  /* octets of the domain as written (with brackets for a literal) */
    int quoted, utf8, literal, has_display;
    dlv_buf display;
} mbox_tmp;

/* Where decoded text goes: the local part, a display name buffer, or nowhere. */
typedef struct sink {
    mbox_tmp *local;
    dlv_buf *buf;
} sink;

static int fail(prs *p, deliver_status st, const char *why)
{
    if (p->st == DELIVER_OK) {
        p->st = st;
        p->why = why;
    }
    return -1;
}

static int peek(const prs *p)
{
    return p->i < p->len ? (unsigned char)p->s[p->i] : -1;
}

static int is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322 atext, ASCII part (RFC 5321 uses the same set). */
static int is_atext(int c)
{
    return c >= 0 &&
           (is_alnum(c) || (c < 128 && c > 32 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL));
}

/* Characters of a domain label as written (letters, digits, hyphen). */
static int is_ldh(int c)
{
    return is_alnum(c) || c == '-';
}

/*
 * Length (2-4) of a well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF) at s[i..len), or 0.
 */
static size_t utf8_seq(const char *s, size_t len, size_t i)
{
    const unsigned char *u = (const unsigned char *)s + i;
    size_t avail = len - i;
    unsigned lo = 0x80, hi = 0xbf;
    size_t n;

    if (u[0] >= 0xc2 && u[0] <= 0xdf) {
        n = 2;
    } else if (u[0] >= 0xe0 && u[0] <= 0xef) {
        n = 3;
        if (u[0] == 0xe0) {
            lo = 0xa0;
        } else if (u[0] == 0xed) {
            hi = 0x9f;
        }
    } else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
        n = 4;
        if (u[0] == 0xf0) {
            lo = 0x90;
        } else if (u[0] == 0xf4) {
            hi = 0x8f;
        }
    } else {
        return 0;
    }
    if (avail < n || u[1] < lo || u[1] > hi) {
        return 0;
    }
    for (size_t k = 2; k < n; k++) {
        if (u[k] < 0x80 || u[k] > 0xbf) {
            return 0;
        }
    }
    return n;
}

/* At a non-ASCII octet: length of its UTF-8 sequence, or 0 after recording the error. */
static size_t take_utf8(prs *p)
{
    if (!p->utf8ok) {
        fail(p, DELIVER_E_PARSE, "non-ASCII character (UTF-8 not enabled)");
        return 0;
    }
    size_t n = utf8_seq(p->s, p->len, p->i);
    if (n == 0) {
        fail(p, DELIVER_E_PARSE, "invalid UTF-8");
    }
    return n;
}

/* Append decoded text; raw is how many octets of input it took (for the local-part limit). */
static int sink_put(prs *p, sink *k, const char *src, size_t n, size_t raw)
{
    if (k->local != NULL) {
        mbox_tmp *m = k->local;
        m->lraw += raw;
        if (m->lraw > DLV_ADDR_LOCAL_MAX) {
            return fail(p, DELIVER_E_LIMIT, "local part longer than 64 octets");
        }
        /* decoded text is never longer than the input it came from, so it fits */
        memcpy(m->local + m->llen, src, n);
        m->llen += n;
        m->local[m->llen] = '\0';
        for (size_t j = 0; j < n; j++) {
            if ((unsigned char)src[j] >= 0x80) {
                m->utf8 = 1;
            }
        }
    } else if (k->buf != NULL && n > 0) {
        dlv_buf_append(k->buf, src, n); /* failure is seen in k->buf->failed */
    }
    return 0;
}

static int dom_put(prs *p, mbox_tmp *m, const char *src, size_t n)
{
    if (m->dlen + n > ADDR_SPEC_MAX) {
        return fail(p, DELIVER_E_LIMIT, "address longer than 256 octets");
    }
    memcpy(m->dom + m->dlen, src, n);
    m->dlen += n;
    m->dom[m->dlen] = '\0';
    m->draw += n;
    return 0;
}

/* ---- RFC 5322 lexical pieces ---- */

/* At CR or LF: a folding line break, CRLF (or a bare LF) followed by white space. */
static int fold(prs *p)
{
    size_t j = p->i;
    if (p->s[j] == '\r') {
        j++;
        if (j >= p->len || p->s[j] != '\n') {
            return fail(p, DELIVER_E_PARSE, "bare CR");
        }
    }
    j++;
    if (j >= p->len || (p->s[j] != ' ' && p->s[j] != '\t')) {
        return fail(p, DELIVER_E_PARSE, "line break not followed by white space");
    }
    p->i = j;
    return 0;
}

/*
 * A comment starting at '(' (nested comments allowed, DLV_ADDR_COMMENT_DEPTH deep, tracked
 * by a counter). Loop bound: every iteration consumes at least one octet.
 */
static int comment(prs *p)
{
    int depth = 0;
    while (p->i < p->len) {
        int c = peek(p);
        if (c == '(') {
            if (++depth > DLV_ADDR_COMMENT_DEPTH) {
                return fail(p, DELIVER_E_PARSE, "comments nested too deeply");
            }
            p->i++;
        } else if (c == ')') {
            p->i++;
            if (--depth == 0) {
                return 0;
            }
        } else if (c == '\\') {
            p->i++;
            c = peek(p);
            if (c == ' ' || c == '\t' || (c > 32 && c < 127)) {
                p->i++;
            } else if (c >= 128) {
                size_t n = take_utf8(p);
                if (n == 0) {
                    return -1;
                }
                p->i += n;
            } else {
                return fail(p, DELIVER_E_PARSE, "invalid quoted pair in comment");
            }
        } else if (c == ' ' || c == '\t' || (c > 32 && c < 127)) {
            p->i++;
        } else if (c == '\r' || c == '\n') {
            if (fold(p) < 0) {
                return -1;
            }
        } else if (c >= 128) {
            size_t n = take_utf8(p);
            if (n == 0) {
                return -1;
            }
            p->i += n;
        } else {
            return fail(p, DELIVER_E_PARSE, "control character in comment");
        }
    }
    return fail(p, DELIVER_E_PARSE, "unterminated comment");
}

/* [CFWS] in RFC 5322 mode (nothing in SMTP mode). 1 if something was skipped, 0, or -1. */
static int skip_cfws(prs *p)
{
    int any = 0;
    if (!p->header) {
        return 0;
    }
    while (p->i < p->len) {
        int c = peek(p);
        if (c == ' ' || c == '\t') {
            p->i++;
        } else if (c == '\r' || c == '\n') {
            if (fold(p) < 0) {
                return -1;
            }
        } else if (c == '(') {
            if (comment(p) < 0) {
                return -1;
            }
        } else {
            break;
        }
        any = 1;
    }
    return any;
}

/* 1*atext (ASCII or UTF-8) into k. Returns the octets taken (0: none there) or -1. */
static long atom(prs *p, sink *k)
{
    size_t start = p->i;
    for (;;) {
        int c = peek(p);
        if (is_atext(c)) {
            if (sink_put(p, k, p->s + p->i, 1, 1) < 0) {
                return -1;
            }
            p->i++;
        } else if (c >= 128) {
            size_t n = take_utf8(p);
            if (n == 0 || sink_put(p, k, p->s + p->i, n, n) < 0) {
                return -1;
            }
            p->i += n;
        } else {
            break;
        }
    }
    return (long)(p->i - start);
}

/*
 * A quoted string starting at '"', decoded into k. SMTP: qtextSMTP (SP allowed, no HTAB),
 * quoted-pairSMTP ("\" %d32-126). RFC 5322: WSP kept, folds unfolded, quoted-pair
 * "\" (VCHAR / WSP), with UTF-8 as VCHAR under RFC 6532.
 */
static int quoted_string(prs *p, sink *k)
{
    if (sink_put(p, k, "", 0, 1) < 0) {
        return -1;
    }
    p->i++;
    while (p->i < p->len) {
        int c = peek(p);
        if (c == '"') {
            p->i++;
            return sink_put(p, k, "", 0, 1);
        }
        if (c == '\\') {
            p->i++;
            c = peek(p);
            if (c == ' ' || (c > 32 && c < 127) || (p->header && c == '\t')) {
                if (sink_put(p, k, p->s + p->i, 1, 2) < 0) {
                    return -1;
                }
                p->i++;
            } else if (c >= 128 && p->header) {
                size_t n = take_utf8(p);
                if (n == 0 || sink_put(p, k, p->s + p->i, n, n + 1) < 0) {
                    return -1;
                }
                p->i += n;
            } else {
                return fail(p, DELIVER_E_PARSE, "invalid quoted pair");
            }
        } else if (c == ' ' || (c > 32 && c < 127) || (p->header && c == '\t')) {
            if (sink_put(p, k, p->s + p->i, 1, 1) < 0) {
                return -1;
            }
            p->i++;
        } else if (p->header && (c == '\r' || c == '\n')) {
            if (fold(p) < 0) { /* the white space after the break stays */
                return -1;
            }
        } else if (c >= 128) {
            size_t n = take_utf8(p);
            if (n == 0 || sink_put(p, k, p->s + p->i, n, n) < 0) {
                return -1;
            }
            p->i += n;
        } else {
            return fail(p, DELIVER_E_PARSE, "control character in quoted string");
        }
    }
    return fail(p, DELIVER_E_PARSE, "unterminated quoted string");
}

/*
 * RFC 5322 display-name (obs-phrase: word *(word / "." / CFWS)) decoded into out: words
 * separated by white space or comments are joined with one space. Returns the number of
 * words (0 when there is no phrase) or -1. Loop bound: each iteration consumes input.
 */
static long phrase(prs *p, dlv_buf *out)
{
    sink k = {NULL, out};
    long words = 0;
    int space = 0;
    for (;;) {
        int ws = skip_cfws(p);
        if (ws < 0) {
            return -1;
        }
        if (ws > 0 && words > 0) {
            space = 1;
        }
        int c = peek(p);
        if (c == '"' || is_atext(c) || c >= 128 || (c == '.' && words > 0)) {
            if (space) {
                dlv_buf_putc(out, ' ');
                space = 0;
            }
            if (c == '"') {
                if (quoted_string(p, &k) < 0) {
                    return -1;
                }
                words++;
            } else if (c == '.') {
                dlv_buf_putc(out, '.');
                p->i++;
            } else {
                if (atom(p, &k) < 0) {
                    return -1;
                }
                words++;
            }
        } else {
            return words;
        }
    }
}

/* ---- local part and domain ---- */

/*
 * Local part: SMTP Dot-string / Quoted-string; RFC 5322 also obs-local-part
 * (word *("." word) with CFWS around the words). Loop bound: each word consumes input.
 */
static int local_part(prs *p, mbox_tmp *m)
{
    sink k = {m, NULL};
    if (skip_cfws(p) < 0) {
        return -1;
    }
    if (!p->header && peek(p) == '"') {
        m->quoted = 1;
        return quoted_string(p, &k);
    }
    for (;;) {
        int c = peek(p);
        if (c == '"' && p->header) {
            m->quoted = 1;
            if (quoted_string(p, &k) < 0) {
                return -1;
            }
        } else {
            long n = atom(p, &k);
            if (n < 0) {
                return -1;
            }
            if (n == 0) {
                if (c == '@' && m->lraw == 0) {
                    return fail(p, DELIVER_E_PARSE, "empty local part");
                }
                return fail(p, DELIVER_E_PARSE, c == '.' ? "misplaced dot in local part"
                                                         : "invalid character in local part");
            }
        }
        if (skip_cfws(p) < 0) {
            return -1;
        }
        if (peek(p) != '.') {
            return 0;
        }
        p->i++;
        if (sink_put(p, &k, ".", 1, 1) < 0 || skip_cfws(p) < 0) {
            return -1;
        }
    }
}

/* An address literal at '[': "[a.b.c.d]" or "[IPv6:...]", strict, no white space inside. */
static int address_literal(prs *p, mbox_tmp *m)
{
    const char *start = p->s + p->i + 1;
    const char *end = memchr(start, ']', p->len - p->i - 1);
    if (end == NULL) {
        return fail(p, DELIVER_E_PARSE, "unterminated address literal");
    }
    size_t n = (size_t)(end - start);
    dlv_ip ip;
    if (n > 5 && (start[0] == 'I' || start[0] == 'i') && (start[1] == 'P' || start[1] == 'p') &&
        (start[2] == 'V' || start[2] == 'v') && start[3] == '6' && start[4] == ':') {
        if (dlv_ip_parse(start + 5, n - 5, &ip) != 0 || ip.family != 6) {
            return fail(p, DELIVER_E_PARSE, "invalid IPv6 address literal");
        }
    } else if (memchr(start, ':', n) != NULL) {
        return fail(p, DELIVER_E_PARSE, "unsupported address literal (IPv6 needs \"IPv6:\")");
    } else if (dlv_ip_parse(start, n, &ip) != 0 || ip.family != 4) {
        return fail(p, DELIVER_E_PARSE, "invalid IPv4 address literal");
    }
    if (dom_put(p, m, start, n) < 0) {
        return -1;
    }
    m->draw += 2;
    m->literal = 1;
    p->i += n + 2;
    return 0;
}

/*
 * Domain or address literal: labels of letters, digits, hyphens (and UTF-8 U-labels) joined
 * by dots; RFC 5322 mode allows CFWS around the dots (obs-domain). The label rules (length,
 * hyphens, IDNA) are left to dlv_domain_normalize(). Loop bound: each label consumes input.
 */
static int domain_part(prs *p, mbox_tmp *m)
{
    if (skip_cfws(p) < 0) {
        return -1;
    }
    if (peek(p) == '[') {
        if (address_literal(p, m) < 0 || skip_cfws(p) < 0) {
            return -1;
        }
        return 0;
    }
    for (;;) {
        size_t start = p->i;
        for (;;) {
            int c = peek(p);
            if (is_ldh(c)) {
                if (dom_put(p, m, p->s + p->i, 1) < 0) {
                    return -1;
                }
                p->i++;
            } else if (c >= 128) {
                size_t n = take_utf8(p);
                if (n == 0 || dom_put(p, m, p->s + p->i, n) < 0) {
                    return -1;
                }
                p->i += n;
            } else {
                break;
            }
        }
        if (p->i == start) {
            int c = peek(p);
            if (m->dlen == 0 && c != '.' && !is_atext(c)) {
                return fail(p, DELIVER_E_PARSE, "missing domain");
            }
            if (c == '.' || !is_atext(c)) {
                return fail(p, DELIVER_E_PARSE, "empty domain label");
            }
            return fail(p, DELIVER_E_PARSE, "invalid character in domain");
        }
        if (skip_cfws(p) < 0) {
            return -1;
        }
        if (peek(p) != '.') {
            return 0;
        }
        p->i++;
        if (dom_put(p, m, ".", 1) < 0 || skip_cfws(p) < 0) {
            return -1;
        }
    }
}

/*
 * A source route (RFC 5321 A-d-l, RFC 5322 obs-route) up to and including its ':'. The
 * domains are checked for syntax and then ignored. RFC 5322 allows empty elements.
 * Loop bound: each element consumes input.
 */
static int source_route(prs *p)
{
    mbox_tmp scratch;
    int domains = 0;
    for (;;) {
        if (skip_cfws(p) < 0) {
            return -1;
        }
        int c = peek(p);
        if (c == ',' && (p->header || domains > 0)) {
            p->i++;
            if (!p->header && peek(p) != '@') {
                return fail(p, DELIVER_E_PARSE, "invalid source route");
            }
            continue;
        }
        if (c == ':' && domains > 0) {
            p->i++;
            return 0;
        }
        if (c != '@') {
            return fail(p, DELIVER_E_PARSE, "invalid source route");
        }
        p->i++;
        scratch.dlen = 0;
        scratch.draw = 0;
        scratch.literal = 0;
        if (domain_part(p, &scratch) < 0) {
            return -1;
        }
        if (scratch.literal) {
            return fail(p, DELIVER_E_PARSE, "address literal in source route");
        }
        domains++;
        if (peek(p) != ',' && peek(p) != ':') {
            return fail(p, DELIVER_E_PARSE, "invalid source route");
        }
    }
}

/* local "@" domain */
static int addr_spec(prs *p, mbox_tmp *m)
{
    if (local_part(p, m) < 0) {
        return -1;
    }
    if (peek(p) != '@') {
        return fail(p, DELIVER_E_PARSE, p->i == p->len ? "missing '@'"
                                                       : "unexpected character in local part");
    }
    p->i++;
    return domain_part(p, m);
}

/* "<" [route] addr-spec ">" at '<' (RFC 5322 mode: CFWS inside). */
static int angle_addr(prs *p, mbox_tmp *m)
{
    p->i++;
    if (skip_cfws(p) < 0) {
        return -1;
    }
    int c = peek(p);
    if (c == '>') {
        return fail(p, DELIVER_E_PARSE, "empty path \"<>\"");
    }
    if (c == '@' || (c == ',' && p->header)) {
        if (source_route(p) < 0) {
            return -1;
        }
    }
    if (addr_spec(p, m) < 0) {
        return -1;
    }
    if (peek(p) != '>') {
        return fail(p, DELIVER_E_PARSE, p->i == p->len ? "missing '>'"
                                                       : "unexpected character in address");
    }
    p->i++;
    return 0;
}

/* RFC 5321 Mailbox or Path: the whole input. */
static int smtp_mailbox(prs *p, mbox_tmp *m)
{
    int bracket = peek(p) == '<';
    if (bracket) {
        if (angle_addr(p, m) < 0) {
            return -1;
        }
    } else if (addr_spec(p, m) < 0) {
        return -1;
    }
    if (p->i != p->len) {
        return fail(p, DELIVER_E_PARSE, "unexpected text after the address");
    }
    if (p->len + (bracket ? 0 : 2) > DLV_ADDR_PATH_MAX) {
        return fail(p, DELIVER_E_LIMIT, "address longer than 256 octets");
    }
    return 0;
}

/*
 * RFC 5322 mailbox (or, when group is not NULL, the "display-name :" opening a group, then
 * *group is set and the input stands after the ':'). Leading and trailing CFWS are taken.
 */
static int header_mailbox(prs *p, mbox_tmp *m, int *group)
{
    if (skip_cfws(p) < 0) {
        return -1;
    }
    size_t start = p->i;
    long words = phrase(p, &m->display);
    if (words < 0) {
        return -1;
    }
    int c = peek(p);
    if (c == '<') {
        m->has_display = words > 0;
        if (angle_addr(p, m) < 0) {
            return -1;
        }
    } else if (c == ':' && group != NULL && words > 0) {
        p->i++;
        *group = 1;
        return 0;
    } else if (c == '@' || (c == '.' && words == 0)) {
        /* it was the local part of an addr-spec: read it again as one */
        dlv_buf_reset(&m->display);
        p->i = start;
        if (addr_spec(p, m) < 0) {
            return -1;
        }
    } else if (words == 0) {
        return fail(p, DELIVER_E_PARSE, c < 0 ? "empty address" : "expected an address");
    } else {
        return fail(p, DELIVER_E_PARSE, c < 0 ? "missing address (no '@' or '<')"
                                              : "unexpected character after display name");
    }
    if (m->lraw + 1 + m->draw + 2 > DLV_ADDR_PATH_MAX) {
        return fail(p, DELIVER_E_LIMIT, "address longer than 256 octets");
    }
    return skip_cfws(p) < 0 ? -1 : 0;
}

static void tmp_init(mbox_tmp *m)
{
    m->llen = m->lraw = m->dlen = m->draw = 0;
    m->local[0] = m->dom[0] = '\0';
    m->quoted = m->utf8 = m->literal = m->has_display = 0;
    dlv_buf_reset(&m->display);
}

/* Normalise the domain and copy the result out. */
static deliver_status tmp_finish(prs *p, deliver_ctx *ctx, mbox_tmp *m, dlv_mailbox *out)
{
    char norm[DLV_DOMAIN_MAX + 1];
    const char *dom = m->dom;

    memset(out, 0, sizeof(*out));
    if (m->display.failed) {
        fail(p, DELIVER_E_NOMEM, "out of memory");
        return DELIVER_E_NOMEM;
    }
    if (!m->literal) {
        const char *why = NULL;
        unsigned nf = DLV_NAME_HOSTNAME | (p->utf8ok ? 0u : DLV_NAME_NO_IDN);
        if (dlv_domain_normalize(m->dom, m->dlen, norm, nf, &why) < 0) {
            fail(p, DELIVER_E_PARSE, why != NULL ? why : "invalid domain");
            return p->st;
        }
        dom = norm;
    }
    out->local = dlv_strndup(ctx, m->local, m->llen);
    out->domain = dlv_strdup(ctx, dom);
    if (m->has_display) {
        out->display = dlv_strndup(ctx, m->display.data != NULL ? m->display.data : "",
                                   m->display.len);
    }
    if (out->local == NULL || out->domain == NULL || (m->has_display && out->display == NULL)) {
        dlv_mailbox_clear(ctx, out);
        fail(p, DELIVER_E_NOMEM, "out of memory");
        return DELIVER_E_NOMEM;
    }
    out->quoted = m->quoted;
    out->utf8 = m->utf8;
    out->literal = m->literal;
    return DELIVER_OK;
}

static void prs_init(prs *p, const char *s, size_t len, unsigned flags)
{
    p->s = s;
    p->len = len;
    p->i = 0;
    p->header = (flags & DLV_ADDR_HEADER) != 0;
    p->utf8ok = (flags & DLV_ADDR_UTF8) != 0;
    p->st = DELIVER_OK;
    p->why = NULL;
}

/* NUL octets are never valid; reject them up front so that the strings made stay whole. */
static int has_nul(const char *s, size_t len)
{
    return len > 0 && memchr(s, '\0', len) != NULL;
}

deliver_status dlv_mailbox_parse(deliver_ctx *ctx, const char *s, size_t len, unsigned flags,
                                 dlv_mailbox *out, const char **why)
{
    const char *dummy;
    if (why == NULL) {
        why = &dummy;
    }
    *why = NULL;
    if (out != NULL) {
        memset(out, 0, sizeof(*out));
    }
    if (ctx == NULL || out == NULL || (s == NULL && len > 0)) {
        *why = "invalid argument";
        return DELIVER_E_INVALID;
    }
    unsigned mode = flags & (DLV_ADDR_SMTP | DLV_ADDR_HEADER);
    if ((flags & ~(unsigned)(DLV_ADDR_SMTP | DLV_ADDR_HEADER | DLV_ADDR_UTF8)) != 0 ||
        (mode != DLV_ADDR_SMTP && mode != DLV_ADDR_HEADER)) {
        *why = "flags need exactly one of SMTP or HEADER";
        return DELIVER_E_INVALID;
    }
    if (s == NULL || len == 0) {
        *why = "empty address";
        return DELIVER_E_PARSE;
    }
    if (has_nul(s, len)) {
        *why = "NUL octet in address";
        return DELIVER_E_PARSE;
    }

    prs p;
    mbox_tmp m;
    prs_init(&p, s, len, flags);
    dlv_buf_init(&m.display, ctx);
    tmp_init(&m);
    int r;
    if (p.header) {
        r = header_mailbox(&p, &m, NULL);
        if (r == 0 && p.i != p.len) {
            r = fail(&p, DELIVER_E_PARSE, peek(&p) == ',' ? "more than one address"
                                                          : "unexpected text after the address");
        }
    } else {
        r = smtp_mailbox(&p, &m);
    }
    if (r == 0) {
        tmp_finish(&p, ctx, &m, out);
    }
    dlv_buf_free(&m.display);
    *why = p.why;
    return p.st;
}

void dlv_mailbox_clear(deliver_ctx *ctx, dlv_mailbox *mb)
{
    if (mb == NULL) {
        return;
    }
    dlv_free(ctx, mb->display);
    dlv_free(ctx, mb->local);
    dlv_free(ctx, mb->domain);
    memset(mb, 0, sizeof(*mb));
}

void dlv_mailbox_list_free(deliver_ctx *ctx, dlv_mailbox *list, size_t count)
{
    if (list == NULL) {
        return;
    }
    for (size_t k = 0; k < count; k++) {
        dlv_mailbox_clear(ctx, &list[k]);
    }
    dlv_free(ctx, list);
}

/*
 * address-list with obs-addr-list/obs-group-list leniency. Loop bound: each iteration
 * consumes input (a separator or a mailbox) or ends the loop.
 */
deliver_status dlv_mailbox_list_parse(deliver_ctx *ctx, const char *s, size_t len,
                                      unsigned flags, dlv_mailbox **out, size_t *count,
                                      const char **why)
{
    const char *dummy;
    if (why == NULL) {
        why = &dummy;
    }
    *why = NULL;
    if (out != NULL) {
        *out = NULL;
    }
    if (count != NULL) {
        *count = 0;
    }
    if (ctx == NULL || out == NULL || count == NULL || (s == NULL && len > 0)) {
        *why = "invalid argument";
        return DELIVER_E_INVALID;
    }
    if ((flags & ~(unsigned)(DLV_ADDR_HEADER | DLV_ADDR_UTF8)) != 0) {
        *why = "address lists take only the HEADER and UTF8 flags";
        return DELIVER_E_INVALID;
    }
    if (has_nul(s, len)) {
        *why = "NUL octet in address list";
        return DELIVER_E_PARSE;
    }

    prs p;
    mbox_tmp m;
    dlv_mailbox *list = NULL;
    size_t n = 0, cap = 0, groups = 0;
    int in_group = 0, need_sep = 0;

    prs_init(&p, s != NULL ? s : "", len, flags | DLV_ADDR_HEADER);
    dlv_buf_init(&m.display, ctx);
    for (;;) {
        if (skip_cfws(&p) < 0) {
            break;
        }
        int c = peek(&p);
        if (c < 0) {
            if (in_group) {
                fail(&p, DELIVER_E_PARSE, "group not terminated by ';'");
            } else if (n == 0 && groups == 0) {
                fail(&p, DELIVER_E_PARSE, "empty address list");
            }
            break;
        }
        if (c == ',') {
            p.i++;
            need_sep = 0;
            continue;
        }
        if (c == ';' && in_group) {
            p.i++;
            in_group = 0;
            need_sep = 1;
            continue;
        }
        if (need_sep) {
            fail(&p, DELIVER_E_PARSE, "expected ',' between addresses");
            break;
        }
        int group = 0;
        tmp_init(&m);
        if (header_mailbox(&p, &m, in_group ? NULL : &group) < 0) {
            break;
        }
        if (group) {
            in_group = 1;
            groups++;
            continue;
        }
        if (n >= DLV_ADDR_LIST_MAX) {
            fail(&p, DELIVER_E_LIMIT, "more than 1000 addresses");
            break;
        }
        if (dlv_grow(ctx, (void **)&list, &cap, n + 1, sizeof(*list)) != 0) {
            fail(&p, DELIVER_E_NOMEM, "out of memory");
            break;
        }
        if (tmp_finish(&p, ctx, &m, &list[n]) != DELIVER_OK) {
            break;
        }
        n++;
        need_sep = 1;
    }
    dlv_buf_free(&m.display);
    *why = p.why;
    if (p.st != DELIVER_OK) {
        dlv_mailbox_list_free(ctx, list, n);
        return p.st;
    }
    if (n == 0) {
        dlv_free(ctx, list);
        list = NULL;
    }
    *out = list;
    *count = n;
    return DELIVER_OK;
}

/* ---- public API ---- */

struct deliver_address {
    deliver_ctx *ctx;
    dlv_mailbox mb;
};

deliver_status deliver_address_parse(deliver_address **out, deliver_ctx *ctx, const char *text,
                                     size_t len, unsigned flags)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (ctx == NULL) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&ctx->err);
    if (out == NULL || text == NULL) {
        return dlv_err(&ctx->err, DELIVER_E_INVALID, "NULL argument");
    }
    deliver_address *a = dlv_calloc(ctx, 1, sizeof(*a));
    if (a == NULL) {
        return dlv_err(&ctx->err, DELIVER_E_NOMEM, "out of memory");
    }
    const char *why = NULL;
    deliver_status st = dlv_mailbox_parse(ctx, text, len, flags, &a->mb, &why);
    if (st != DELIVER_OK) {
        dlv_free(ctx, a);
        return dlv_err(&ctx->err, st, "%s", why != NULL ? why : deliver_strerror(st));
    }
    a->ctx = dlv_ctx_ref(ctx);
    *out = a;
    return DELIVER_OK;
}

void deliver_address_free(deliver_address *a)
{
    if (a == NULL) {
        return;
    }
    deliver_ctx *ctx = a->ctx;
    dlv_mailbox_clear(ctx, &a->mb);
    dlv_free(ctx, a);
    dlv_ctx_unref(ctx);
}

const char *deliver_address_get_local(const deliver_address *a)
{
    return a != NULL && a->mb.local != NULL ? a->mb.local : "";
}

const char *deliver_address_get_domain(const deliver_address *a)
{
    return a != NULL && a->mb.domain != NULL ? a->mb.domain : "";
}

const char *deliver_address_get_display_name(const deliver_address *a)
{
    return a != NULL && a->mb.display != NULL ? a->mb.display : "";
}

int deliver_address_is_quoted(const deliver_address *a)
{
    return a != NULL && a->mb.quoted;
}

int deliver_address_is_utf8(const deliver_address *a)
{
    return a != NULL && a->mb.utf8;
}

int deliver_address_is_literal(const deliver_address *a)
{
    return a != NULL && a->mb.literal;
}

deliver_status deliver_domain_to_ascii(const char *name, char *buf, size_t bufsize,
                                       size_t *needed)
{
    char norm[DLV_DOMAIN_MAX + 1];

    if (needed != NULL) {
        *needed = 0;
    }
    if (buf != NULL && bufsize > 0) {
        buf[0] = '\0';
    }
    if (name == NULL || (buf == NULL && bufsize > 0)) {
        return DELIVER_E_INVALID;
    }
    deliver_status st = dlv_domain_normalize(name, strlen(name), norm, 0, NULL);
    if (st != DELIVER_OK) {
        return st < 0 ? st : DELIVER_E_INVALID;
    }
    size_t need = strlen(norm) + 1;
    if (needed != NULL) {
        *needed = need;
    }
    if (bufsize < need) {
        return DELIVER_E_LIMIT;
    }
    memcpy(buf, norm, need);
    return DELIVER_OK;
}

deliver_status deliver_ip_in_cidr(const char *ip, const char *cidr, int *match)
{
    dlv_ip a, net;
    unsigned prefix;

    if (match != NULL) {
        *match = 0;
    }
    if (ip == NULL || cidr == NULL || match == NULL) {
        return DELIVER_E_INVALID;
    }
    if (dlv_ip_parse(ip, strlen(ip), &a) != 0 ||
        dlv_cidr_parse(cidr, strlen(cidr), &net, &prefix) != 0) {
        return DELIVER_E_INVALID;
    }
    if (net.family == 4 && dlv_ip_is_v4mapped(&a)) {
        a = dlv_ip_unmap(&a);
    }
    *match = dlv_ip_in_cidr(&a, &net, prefix);
    return DELIVER_OK;
}

/*
 * SPF record parser (RFC 7208 sections 4.6, 5, 6, 7.1 and 12): splits a "v=spf1" record
 * into terms and checks the syntax of each, without recursion and without reading past
 * the given length. The terms point into the caller's text; only the term array is
 * allocated (in the arena).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "spf/spf_int.h"

#include <string.h>

#define VERSION_TAG "v=spf1"
#define VERSION_LEN 6

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(unsigned char c)
{
    return is_alpha(c) || is_digit(c);
}

static unsigned char to_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* s[0..n) equals the lower-case literal lit, ignoring ASCII case. */
static int name_is(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    if (n != k) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) { /* bound: n */
        if (to_lower((unsigned char)s[i]) != (unsigned char)lit[i]) {
            return 0;
        }
    }
    return 1;
}

static int is_delimiter(unsigned char c)
{
    return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

int dlv_spf_is_record(const char *text, size_t len)
{
    if (text == NULL || len < VERSION_LEN) {
        return 0;
    }
    if (!name_is(text, VERSION_LEN, VERSION_TAG)) {
        return 0;
    }
    return len == VERSION_LEN || text[VERSION_LEN] == ' ';
}

/* Parse state shared by the term helpers: where errors go. */
typedef struct parse_err {
    size_t offset;
    const char *why;
} parse_err;

static int fail(parse_err *e, size_t offset, const char *why)
{
    e->offset = offset;
    e->why = why;
    return -1;
}

/*
 * Check a macro-string s[0..n) standing at record offset off (RFC 7208 7.1). With
 * domain set, the letters c, r and t are refused (they belong to explanation text only).
 * On success *lit_start is the index just past the last macro-expand (0 if none), so the
 * caller can look at the trailing literal part. Bound: one pass over n bytes.
 */
static int check_macro_string(const char *s, size_t n, size_t off, int domain, size_t *lit_start,
                              parse_err *e)
{
    size_t i = 0;
    *lit_start = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c != '%') {
            if (c < 0x21 || c > 0x7e) {
                return fail(e, off + i, "invalid character in macro-string");
            }
            i++;
            continue;
        }
        size_t start = i;
        if (i + 1 >= n) {
            return fail(e, off + start, "'%' at the end of a macro-string");
        }
        c = (unsigned char)s[i + 1];
        if (c == '%' || c == '_' || c == '-') {
            i += 2;
            *lit_start = i;
            continue;
        }
        if (c != '{') {
            return fail(e, off + start, "'%' not followed by '{', '%', '_' or '-'");
        }
        i += 2;
        if (i >= n) {
            return fail(e, off + start, "unterminated macro");
        }
        unsigned char letter = to_lower((unsigned char)s[i]);
        if (letter == '\0' || strchr("slodiphcrtv", letter) == NULL) {
            return fail(e, off + start, "unknown macro letter");
        }
        if (domain && (letter == 'c' || letter == 'r' || letter == 't')) {
            return fail(e, off + start, "macro letters c, r and t are allowed only in exp text");
        }
        i++;
        size_t digits = 0;
        unsigned value = 0;
        while (i < n && is_digit((unsigned char)s[i])) { /* bound: n */
            if (value < 1000) {
                value = value * 10 + (unsigned)(s[i] - '0');
            }
            digits++;
            i++;
        }
        if (digits > 0 && value == 0) {
            return fail(e, off + start, "macro digit transformer is zero");
        }
        if (i < n && to_lower((unsigned char)s[i]) == 'r') {
            i++;
        }
        while (i < n && is_delimiter((unsigned char)s[i])) { /* bound: n */
            i++;
        }
        if (i >= n || s[i] != '}') {
            return fail(e, off + start, "malformed macro");
        }
        i++;
        *lit_start = i;
    }
    return 0;
}

/* toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static int is_toplabel(const char *s, size_t n)
{
    if (n == 0) {
        return 0;
    }
    int letter = 0, hyphen = 0;
    for (size_t i = 0; i < n; i++) { /* bound: n */
        unsigned char c = (unsigned char)s[i];
        if (is_alpha(c)) {
            letter = 1;
        } else if (c == '-') {
            hyphen = 1;
        } else if (!is_digit(c)) {
            return 0;
        }
    }
    if (!hyphen) {
        return letter;
    }
    return is_alnum((unsigned char)s[0]) && is_alnum((unsigned char)s[n - 1]);
}

/*
 * domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand.
 * An empty domain-spec is an error. off is the spec's record offset (macro and character
 * errors point at the character), term_off the term's (for the other errors).
 */
static int check_domain_spec(const char *s, size_t n, size_t off, size_t term_off, parse_err *e)
{
    if (n == 0) {
        return fail(e, term_off, "empty domain-spec");
    }
    size_t lit;
    if (check_macro_string(s, n, off, 1, &lit, e) != 0) {
        return -1;
    }
    if (lit == n) {
        return 0; /* ends in a macro-expand */
    }
    size_t end = n;
    if (s[end - 1] == '.') {
        end--;
    }
    size_t dot = end;
    while (dot > lit && s[dot - 1] != '.') { /* bound: n */
        dot--;
    }
    if (dot == lit) {
        return fail(e, term_off, "domain-spec does not end in '.' and a top label or a macro");
    }
    if (!is_toplabel(s + dot, end - dot)) {
        return fail(e, term_off, "invalid top label in domain-spec");
    }
    return 0;
}

/* CIDR length: "0" or decimal without leading zeros, at most max. */
static int parse_cidr_len(const char *s, size_t n, unsigned max, unsigned *out)
{
    if (n == 0 || n > 3 || (n > 1 && s[0] == '0')) {
        return -1;
    }
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) { /* bound: n <= 3 */
        if (!is_digit((unsigned char)s[i])) {
            return -1;
        }
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

/* Index of the last '/' in s[0..n) whose suffix is 1+ digits, or n if none. */
static size_t cidr_slash(const char *s, size_t n)
{
    size_t p = n;
    while (p > 0 && is_digit((unsigned char)s[p - 1])) { /* bound: n */
        p--;
    }
    if (p == n || p == 0 || s[p - 1] != '/') {
        return n;
    }
    return p - 1;
}

typedef struct mech_name {
    const char *name;
    dlv_spf_mech mech;
} mech_name;

static const mech_name mechs[] = {
    {"all", DLV_SPF_ALL},     {"include", DLV_SPF_INCLUDE}, {"a", DLV_SPF_A},
    {"mx", DLV_SPF_MX},       {"ptr", DLV_SPF_PTR},         {"ip4", DLV_SPF_IP4},
    {"ip6", DLV_SPF_IP6},     {"exists", DLV_SPF_EXISTS},
};

/* a / mx: [ ":" domain-spec ] [ dual-cidr-length ], rest = everything after the name */
static int parse_a_mx(const char *rest, size_t n, size_t off, dlv_spf_term *t, parse_err *e)
{
    size_t end = n;
    size_t p = cidr_slash(rest, end);
    if (p < end && p > 0 && rest[p - 1] == '/') {
        if (parse_cidr_len(rest + p + 1, end - p - 1, 128, &t->cidr6) != 0) {
            return fail(e, t->offset, "invalid IPv6 CIDR length");
        }
        t->has_cidr6 = 1;
        end = p - 1;
        p = cidr_slash(rest, end);
    }
    if (p < end) {
        if (parse_cidr_len(rest + p + 1, end - p - 1, 32, &t->cidr4) != 0) {
            return fail(e, t->offset, "invalid IPv4 CIDR length");
        }
        t->has_cidr4 = 1;
        end = p;
    }
    if (end == 0) {
        return 0;
    }
    if (rest[0] != ':') {
        return fail(e, t->offset, "unexpected text after the mechanism name");
    }
    if (end == 1) {
        return fail(e, t->offset, "empty domain-spec");
    }
    t->spec = rest + 1;
    t->spec_len = end - 1;
    return check_domain_spec(t->spec, t->spec_len, off + 1, t->offset, e);
}

/* ip4 / ip6: ":" network [ "/" length ] */
static int parse_ip(const char *rest, size_t n, dlv_spf_term *t, parse_err *e)
{
    int v6 = t->mech == DLV_SPF_IP6;
    if (n == 0 || rest[0] != ':') {
        return fail(e, t->offset, v6 ? "ip6 needs ':' and a network"
                                     : "ip4 needs ':' and a network");
    }
    size_t slash = 1;
    while (slash < n && rest[slash] != '/') { /* bound: n */
        slash++;
    }
    if (dlv_ip_parse(rest + 1, slash - 1, &t->net) != 0 || t->net.family != (v6 ? 6 : 4)) {
        return fail(e, t->offset, v6 ? "invalid IPv6 network" : "invalid IPv4 network");
    }
    if (slash < n) {
        unsigned *len = v6 ? &t->cidr6 : &t->cidr4;
        if (parse_cidr_len(rest + slash + 1, n - slash - 1, v6 ? 128 : 32, len) != 0) {
            return fail(e, t->offset,
                        v6 ? "invalid IPv6 CIDR length" : "invalid IPv4 CIDR length");
        }
        if (v6) {
            t->has_cidr6 = 1;
        } else {
            t->has_cidr4 = 1;
        }
    }
    return 0;
}

static int spec_has_percent(const char *s, size_t n)
{
    return s != NULL && memchr(s, '%', n) != NULL;
}

/* One term s[0..n) (no spaces inside) at record offset off. */
static int parse_term(const char *s, size_t n, size_t off, dlv_spf_term *t, parse_err *e)
{
    memset(t, 0, sizeof(*t));
    t->offset = off;
    t->len = n;
    t->qualifier = '+';
    t->cidr4 = 32;
    t->cidr6 = 128;

    for (size_t i = 0; i < n; i++) { /* bound: n */
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            return fail(e, off + i, "non-ASCII octet in the record");
        }
        if (c < 0x21 || c == 0x7f) {
            return fail(e, off + i, "control character in the record");
        }
    }

    /* modifier: name "=" ...; name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
    if (is_alpha((unsigned char)s[0])) {
        size_t i = 1;
        while (i < n && (is_alnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' ||
                         s[i] == '.')) { /* bound: n */
            i++;
        }
        if (i < n && s[i] == '=') {
            t->name = s;
            t->name_len = i;
            t->spec = s + i + 1;
            t->spec_len = n - i - 1;
            t->spec_has_macros = spec_has_percent(t->spec, t->spec_len);
            if (name_is(s, i, "redirect") || name_is(s, i, "exp")) {
                t->kind = s[0] == 'e' || s[0] == 'E' ? DLV_SPF_TERM_EXP : DLV_SPF_TERM_REDIRECT;
                return check_domain_spec(t->spec, t->spec_len, off + i + 1, off, e);
            }
            t->kind = DLV_SPF_TERM_UNKNOWN_MODIFIER;
            size_t lit;
            return check_macro_string(t->spec, t->spec_len, off + i + 1, 0, &lit, e);
        }
    }

    /* directive = [ qualifier ] mechanism */
    t->kind = DLV_SPF_TERM_MECHANISM;
    size_t i = 0;
    if (s[0] == '+' || s[0] == '-' || s[0] == '~' || s[0] == '?') {
        t->qualifier = s[0];
        t->explicit_qualifier = 1;
        i = 1;
    }
    size_t name_start = i;
    while (i < n && is_alnum((unsigned char)s[i])) { /* bound: n */
        i++;
    }
    if (i == name_start) {
        return fail(e, off, "missing mechanism name");
    }
    t->name = s + name_start;
    t->name_len = i - name_start;
    t->mech = 0;
    for (size_t k = 0; k < DLV_ARRAY_LEN(mechs); k++) {
        if (name_is(t->name, t->name_len, mechs[k].name)) {
            t->mech = mechs[k].mech;
            break;
        }
    }
    if (t->mech == 0) {
        return fail(e, off, "unknown mechanism");
    }
    const char *rest = s + i;
    size_t rn = n - i;
    size_t roff = off + i;
    int rc = 0;
    switch (t->mech) {
    case DLV_SPF_ALL:
        if (rn != 0) {
            rc = fail(e, off, "\"all\" takes no argument");
        }
        break;
    case DLV_SPF_INCLUDE:
    case DLV_SPF_EXISTS:
        if (rn == 0 || rest[0] != ':') {
            rc = fail(e, off, "mechanism needs ':' and a domain-spec");
            break;
        }
        t->spec = rest + 1;
        t->spec_len = rn - 1;
        rc = check_domain_spec(t->spec, t->spec_len, roff + 1, off, e);
        break;
    case DLV_SPF_PTR:
        if (rn == 0) {
            break;
        }
        if (rest[0] != ':') {
            rc = fail(e, off, "unexpected text after \"ptr\"");
            break;
        }
        t->spec = rest + 1;
        t->spec_len = rn - 1;
        rc = check_domain_spec(t->spec, t->spec_len, roff + 1, off, e);
        break;
    case DLV_SPF_A:
    case DLV_SPF_MX:
        rc = parse_a_mx(rest, rn, roff, t, e);
        break;
    case DLV_SPF_IP4:
    case DLV_SPF_IP6:
        rc = parse_ip(rest, rn, t, e);
        break;
    default:
        rc = fail(e, off, "unknown mechanism");
        break;
    }
    t->spec_has_macros = spec_has_percent(t->spec, t->spec_len);
    return rc;
}

deliver_status dlv_spf_parse(dlv_arena *arena, const char *text, size_t len, dlv_spf_record *out,
                             size_t *err_offset, const char **why)
{
    size_t eo_local;
    const char *why_local;
    if (err_offset == NULL) {
        err_offset = &eo_local;
    }
    if (why == NULL) {
        why = &why_local;
    }
    *err_offset = 0;
    *why = "";
    if (out == NULL || arena == NULL || (text == NULL && len > 0)) {
        *why = "invalid argument";
        return DELIVER_E_INVALID;
    }
    memset(out, 0, sizeof(*out));
    if (!dlv_spf_is_record(text, len)) {
        *why = "not an SPF record (no \"v=spf1\")";
        return DELIVER_E_PARSE;
    }

    /* count the terms first */
    size_t count = 0;
    for (size_t i = VERSION_LEN; i < len;) { /* bound: len, each step consumes a byte */
        if (text[i] == ' ') {
            i++;
            continue;
        }
        count++;
        if (count > DLV_SPF_MAX_TERMS) {
            *err_offset = i;
            *why = "too many terms in the record";
            return DELIVER_E_LIMIT;
        }
        while (i < len && text[i] != ' ') {
            i++;
        }
    }
    if (count == 0) {
        return DELIVER_OK;
    }
    dlv_spf_term *terms = dlv_arena_alloc(arena, count * sizeof(*terms));
    if (terms == NULL) {
        *why = "out of memory";
        return DELIVER_E_NOMEM;
    }

    size_t k = 0;
    const dlv_spf_term *redirect = NULL, *exp = NULL;
    parse_err e = {0, ""};
    for (size_t i = VERSION_LEN; i < len && k < count;) { /* bound: len */
        if (text[i] == ' ') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && text[i] != ' ') {
            i++;
        }
        dlv_spf_term *t = &terms[k];
        if (parse_term(text + start, i - start, start, t, &e) != 0) {
            *err_offset = e.offset;
            *why = e.why;
            return DELIVER_E_PARSE;
        }
        if (t->kind == DLV_SPF_TERM_REDIRECT) {
            if (redirect != NULL) {
                *err_offset = start;
                *why = "\"redirect\" appears more than once";
                return DELIVER_E_PARSE;
            }
            redirect = t;
        } else if (t->kind == DLV_SPF_TERM_EXP) {
            if (exp != NULL) {
                *err_offset = start;
                *why = "\"exp\" appears more than once";
                return DELIVER_E_PARSE;
            }
            exp = t;
        }
        k++;
    }
    out->terms = terms;
    out->nterms = k;
    out->redirect = redirect;
    out->exp = exp;
    return DELIVER_OK;
}

/*
 * SPF macro expansion (RFC 7208 section 7): %{letter digits r delimiters}, %%, %_, %-,
 * URL escaping of upper-case macros and the 253-octet domain cut of section 7.3.
 * One pass over the macro-string, no recursion, no allocation besides the output buffer.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "spf/spf_int.h"

#include <stdio.h>
#include <string.h>

#define EXPAND_MAX 8192 /* octets one expansion may produce */

typedef struct expander {
    dlv_buf *out;
    size_t start;    /* out->len when the expansion began */
    const char *why; /* reason of the first failure */
} expander;

static unsigned char to_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static int is_spf_delimiter(unsigned char c)
{
    return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

static int emit(expander *x, const char *p, size_t n)
{
    if (x->out->len - x->start + n > EXPAND_MAX) {
        x->why = "macro expansion too long";
        return -1;
    }
    if (dlv_buf_append(x->out, p, n) != 0 || x->out->failed) {
        x->why = "out of memory";
        return -1;
    }
    return 0;
}

/* Emit s[0..n), URL-escaping (RFC 3986: all but unreserved characters) when escape is set. */
static int emit_value(expander *x, const char *s, size_t n, int escape)
{
    if (!escape) {
        return emit(x, s, n);
    }
    static const char hex[] = "0123456789ABCDEF";
    size_t i = 0;
    while (i < n) { /* bound: n */
        size_t run = i;
        while (run < n && is_unreserved((unsigned char)s[run])) {
            run++;
        }
        if (run > i && emit(x, s + i, run - i) != 0) {
            return -1;
        }
        if (run == n) {
            break;
        }
        unsigned char c = (unsigned char)s[run];
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        if (emit(x, enc, 3) != 0) {
            return -1;
        }
        i = run + 1;
    }
    return 0;
}

static int is_delim_of(unsigned char c, const char *delims, size_t nd)
{
    return memchr(delims, c, nd) != NULL;
}

/*
 * Apply the transformers to value[0..n): split on the delimiters, reverse if asked, keep the
 * `keep` right-most parts (0: all), join with '.'. Linear in n: parts are walked in place.
 */
static int emit_transformed(expander *x, const char *v, size_t n, unsigned keep, int reverse,
                            const char *delims, size_t nd, int escape)
{
    size_t parts = 1;
    for (size_t i = 0; i < n; i++) { /* bound: n */
        if (is_delim_of((unsigned char)v[i], delims, nd)) {
            parts++;
        }
    }
    size_t k = (keep == 0 || keep > parts) ? parts : keep;
    if (!reverse) {
        /* parts[parts-k .. parts-1], in order */
        size_t skip = parts - k, i = 0;
        while (skip > 0 && i < n) { /* bound: n */
            if (is_delim_of((unsigned char)v[i], delims, nd)) {
                skip--;
            }
            i++;
        }
        while (i < n) { /* bound: n */
            size_t e = i;
            while (e < n && !is_delim_of((unsigned char)v[e], delims, nd)) {
                e++;
            }
            if (emit_value(x, v + i, e - i, escape) != 0) {
                return -1;
            }
            if (e == n) {
                return 0;
            }
            if (emit(x, ".", 1) != 0) {
                return -1;
            }
            i = e + 1;
            if (i == n) { /* value ends in a delimiter: one last empty part */
                return 0;
            }
        }
        return 0;
    }
    /* reversed: parts[k-1], parts[k-2], ..., parts[0] */
    size_t end = 0, seen = 0;
    while (end < n) { /* bound: n; find the end of part k-1 */
        if (is_delim_of((unsigned char)v[end], delims, nd)) {
            if (seen + 1 == k) {
                break;
            }
            seen++;
        }
        end++;
    }
    for (;;) { /* bound: k parts, each walked once */
        size_t b = end;
        while (b > 0 && !is_delim_of((unsigned char)v[b - 1], delims, nd)) {
            b--;
        }
        if (emit_value(x, v + b, end - b, escape) != 0) {
            return -1;
        }
        if (b == 0) {
            return 0;
        }
        if (emit(x, ".", 1) != 0) {
            return -1;
        }
        end = b - 1;
    }
}

/* The text of macro letter `letter` (lower case) into tmp or a static/env string. */
static const char *macro_value(const dlv_spf_macro_env *env, unsigned char letter, char *tmp,
                               size_t tmpsize, size_t *len)
{
    const char *v = "";
    switch (letter) {
    case 's': {
        /* handled by the caller (two pieces) */
        break;
    }
    case 'l':
        v = env->local ? env->local : "";
        break;
    case 'o':
        v = env->sender_domain ? env->sender_domain : "";
        break;
    case 'd':
        v = env->domain ? env->domain : "";
        break;
    case 'h':
        v = env->helo ? env->helo : "";
        break;
    case 'p':
        v = env->validated ? env->validated : "unknown";
        break;
    case 'r':
        v = env->receiver ? env->receiver : "unknown";
        break;
    case 'v':
        v = (env->ip != NULL && env->ip->family == 6) ? "ip6" : "in-addr";
        break;
    case 't':
        snprintf(tmp, tmpsize, "%lld", (long long)env->now);
        v = tmp;
        break;
    case 'c':
        if (env->ip != NULL) {
            dlv_ip_format(env->ip, tmp, tmpsize);
            v = tmp;
        }
        break;
    case 'i':
        if (env->ip != NULL && env->ip->family == 6) {
            static const char hex[] = "0123456789ABCDEF";
            size_t o = 0;
            for (size_t k = 0; k < 16; k++) {
                tmp[o++] = hex[env->ip->b[k] >> 4];
                tmp[o++] = '.';
                tmp[o++] = hex[env->ip->b[k] & 15];
                tmp[o++] = k < 15 ? '.' : '\0';
            }
            v = tmp;
        } else if (env->ip != NULL) {
            dlv_ip_format(env->ip, tmp, tmpsize);
            v = tmp;
        }
        break;
    default:
        break;
    }
    *len = strlen(v);
    return v;
}

/* Cut a too-long domain name (7.3): drop left labels until at most 253 octets remain. */
static int cut_domain(expander *x)
{
    char *d = x->out->data + x->start;
    size_t n = x->out->len - x->start;
    size_t eff = (n > 0 && d[n - 1] == '.') ? n - 1 : n; /* a trailing dot is not counted */
    if (eff <= DLV_DOMAIN_MAX) {
        return 0;
    }
    size_t i = 0;
    while (i < n && eff - i > DLV_DOMAIN_MAX) { /* bound: n */
        const char *dot = memchr(d + i, '.', n - i);
        if (dot == NULL || (size_t)(dot - d) + 1 >= n) {
            x->why = "expanded domain name too long";
            return -1;
        }
        i = (size_t)(dot - d) + 1;
    }
    memmove(d, d + i, n - i);
    x->out->len = x->start + n - i;
    d[n - i] = '\0';
    return 0;
}

int dlv_spf_expand(const dlv_spf_macro_env *env, const char *spec, size_t len, int mode,
                   dlv_buf *out, const char **why)
{
    const char *why_local;
    if (why == NULL) {
        why = &why_local;
    }
    *why = "";
    if (env == NULL || out == NULL || (spec == NULL && len > 0) ||
        (mode != DLV_SPF_EXPAND_DOMAIN && mode != DLV_SPF_EXPAND_EXP)) {
        *why = "invalid argument";
        return -1;
    }
    expander x = {out, out->len, ""};
    int domain = mode == DLV_SPF_EXPAND_DOMAIN;
    size_t i = 0;
    while (i < len) { /* bound: len, every step consumes at least one byte */
        unsigned char c = (unsigned char)spec[i];
        if (c != '%') {
            size_t e = i;
            while (e < len && spec[e] != '%') {
                unsigned char b = (unsigned char)spec[e];
                if (b > 0x7e || b < 0x20 || (b == ' ' && domain)) {
                    *why = b >= 0x80 ? "non-ASCII octet in macro-string"
                                     : "invalid character in macro-string";
                    goto fail;
                }
                e++;
            }
            if (emit(&x, spec + i, e - i) != 0) {
                *why = x.why;
                goto fail;
            }
            i = e;
            continue;
        }
        if (i + 1 >= len) {
            *why = "'%' at the end of a macro-string";
            goto fail;
        }
        c = (unsigned char)spec[i + 1];
        if (c == '%' || c == '_' || c == '-') {
            const char *lit = c == '%' ? "%" : c == '_' ? " " : "%20";
            if (emit(&x, lit, strlen(lit)) != 0) {
                *why = x.why;
                goto fail;
            }
            i += 2;
            continue;
        }
        if (c != '{') {
            *why = "'%' not followed by '{', '%', '_' or '-'";
            goto fail;
        }
        i += 2;
        if (i >= len) {
            *why = "unterminated macro";
            goto fail;
        }
        unsigned char raw = (unsigned char)spec[i];
        unsigned char letter = to_lower(raw);
        if (letter == '\0' || strchr("slodiphcrtv", letter) == NULL) {
            *why = "unknown macro letter";
            goto fail;
        }
        if (domain && (letter == 'c' || letter == 'r' || letter == 't')) {
            *why = "macro letters c, r and t are allowed only in exp text";
            goto fail;
        }
        int escape = raw != letter; /* upper case: URL-escape */
        i++;
        size_t ndig = 0;
        unsigned keep = 0;
        while (i < len && is_digit((unsigned char)spec[i])) { /* bound: len */
            if (keep < 1000) {
                keep = keep * 10 + (unsigned)(spec[i] - '0');
            }
            ndig++;
            i++;
        }
        if (ndig > 0 && keep == 0) {
            *why = "macro digit transformer is zero";
            goto fail;
        }
        int reverse = 0;
        if (i < len && to_lower((unsigned char)spec[i]) == 'r') {
            reverse = 1;
            i++;
        }
        size_t dstart = i;
        while (i < len && is_spf_delimiter((unsigned char)spec[i])) { /* bound: len */
            i++;
        }
        const char *delims = ".";
        size_t nd = 1;
        if (i > dstart) {
            delims = spec + dstart;
            nd = i - dstart;
        }
        if (i >= len || spec[i] != '}') {
            *why = "malformed macro";
            goto fail;
        }
        i++;

        char tmp[80];
        size_t vlen;
        int rc;
        if (letter == 's') {
            /* <sender> = local "@" domain, transformed as one value */
            const char *l = env->local ? env->local : "";
            const char *o = env->sender_domain ? env->sender_domain : "";
            size_t ll = strlen(l), ol = strlen(o);
            if (ll + ol + 1 > EXPAND_MAX) {
                *why = "macro expansion too long";
                goto fail;
            }
            dlv_buf sb;
            dlv_buf_init(&sb, out->ctx);
            if (dlv_buf_append(&sb, l, ll) != 0 || dlv_buf_putc(&sb, '@') != 0 ||
                dlv_buf_append(&sb, o, ol) != 0 || sb.failed) {
                dlv_buf_free(&sb);
                *why = "out of memory";
                goto fail;
            }
            rc = emit_transformed(&x, sb.data, sb.len, keep, reverse, delims, nd, escape);
            dlv_buf_free(&sb);
        } else {
            const char *v = macro_value(env, letter, tmp, sizeof(tmp), &vlen);
            rc = emit_transformed(&x, v, vlen, keep, reverse, delims, nd, escape);
        }
        if (rc != 0) {
            *why = x.why;
            goto fail;
        }
    }
    if (domain && cut_domain(&x) != 0) {
        *why = x.why;
        goto fail;
    }
    return 0;

fail:
    /* leave out as it was */
    if (out->len > x.start) {
        out->len = x.start;
        if (out->data != NULL) {
            out->data[out->len] = '\0';
        }
    }
    return -1;
}

int dlv_spf_uses_p(const char *spec, size_t len)
{
    if (spec == NULL) {
        return 0;
    }
    for (size_t i = 0; i + 2 < len; i++) { /* bound: len */
        if (spec[i] != '%') {
            continue;
        }
        if (spec[i + 1] == '{' && to_lower((unsigned char)spec[i + 2]) == 'p') {
            return 1;
        }
        i++; /* skip the character after '%' ("%%" is a literal percent) */
    }
    return 0;
}

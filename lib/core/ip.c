/*
 * Internal: IPv4/IPv6 addresses and CIDR ranges.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "core/ip.h"

#include <string.h>

#define DLV_IP_NAME_MAX 253 /* a domain name in text form, without a trailing dot */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Strict dotted quad in s[0..len) into b[0..3]. Loop bound: len (each step consumes input). */
static int parse_v4(const char *s, size_t len, uint8_t b[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= len || s[i] != '.') {
                return -1;
            }
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
        }
        size_t nd = i - start;
        if (nd == 0 || v > 255 || (nd > 1 && s[start] == '0')) {
            return -1;
        }
        if (i < len && s[i] >= '0' && s[i] <= '9') {
            return -1; /* a fourth digit */
        }
        b[part] = (uint8_t)v;
    }
    return i == len ? 0 : -1;
}

/*
 * RFC 4291 2.2 text forms. Loop bound: each iteration consumes at least one character of
 * the input and adds a group; more than 8 groups is an error, so at most 9 iterations.
 */
static int parse_v6(const char *s, size_t len, uint8_t b[16])
{
    uint16_t g[8];
    int ng = 0;  /* groups parsed */
    int gap = -1; /* index in g where "::" stands */
    size_t i = 0;

    if (len < 2) {
        return -1;
    }
    if (s[0] == ':') {
        if (s[1] != ':') {
            return -1;
        }
        gap = 0;
        i = 2;
        if (i == len) {
            memset(b, 0, 16);
            return 0;
        }
    }
    for (;;) {
        size_t nd = 0;
        unsigned v = 0;
        int h;
        while (i + nd < len && nd < 5 && (h = hexval(s[i + nd])) >= 0) {
            v = (v << 4) | (unsigned)h;
            nd++;
        }
        if (nd == 0) {
            return -1;
        }
        if (i + nd < len && s[i + nd] == '.') {
            /* IPv4 tail: the rest of the input, 32 bits, last */
            if (ng > 6) {
                return -1;
            }
            uint8_t q[4];
            if (parse_v4(s + i, len - i, q) != 0) {
                return -1;
            }
            g[ng++] = (uint16_t)((q[0] << 8) | q[1]);
            g[ng++] = (uint16_t)((q[2] << 8) | q[3]);
            i = len;
            break;
        }
        if (nd > 4 || ng >= 8) {
            return -1;
        }
        g[ng++] = (uint16_t)v;
        i += nd;
        if (i == len) {
            break;
        }
        if (s[i] != ':') {
            return -1;
        }
        i++;
        if (i < len && s[i] == ':') {
            if (gap >= 0) {
                return -1; /* a second "::" */
            }
            gap = ng;
            i++;
            if (i == len) {
                break;
            }
        } else if (i == len) {
            return -1; /* a trailing single colon */
        }
    }
    if (gap < 0 ? ng != 8 : ng > 7) {
        return -1;
    }
    memset(b, 0, 16);
    int tail = gap < 0 ? 0 : ng - gap; /* groups after the "::" */
    int head = ng - tail;
    for (int k = 0; k < head; k++) {
        b[2 * k] = (uint8_t)(g[k] >> 8);
        b[2 * k + 1] = (uint8_t)g[k];
    }
    for (int k = 0; k < tail; k++) {
        int pos = 8 - tail + k;
        b[2 * pos] = (uint8_t)(g[head + k] >> 8);
        b[2 * pos + 1] = (uint8_t)g[head + k];
    }
    return 0;
}

int dlv_ip_parse(const char *s, size_t len, dlv_ip *out)
{
    if (out == NULL) {
        return -1;
    }
    memset(out, 0, sizeof(*out));
    if (s == NULL || len == 0) {
        return -1;
    }
    if (memchr(s, ':', len) != NULL) {
        if (parse_v6(s, len, out->b) != 0) {
            memset(out, 0, sizeof(*out));
            return -1;
        }
        out->family = 6;
        return 0;
    }
    if (parse_v4(s, len, out->b) != 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }
    out->family = 4;
    return 0;
}

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int dlv_ip_is_v4mapped(const dlv_ip *ip)
{
    return ip != NULL && ip->family == 6 && memcmp(ip->b, v4mapped_prefix, 12) == 0;
}

dlv_ip dlv_ip_unmap(const dlv_ip *ip)
{
    dlv_ip r;
    memset(&r, 0, sizeof(r));
    if (ip == NULL) {
        return r;
    }
    if (!dlv_ip_is_v4mapped(ip)) {
        return *ip;
    }
    r.family = 4;
    memcpy(r.b, ip->b + 12, 4);
    return r;
}

int dlv_cidr_parse(const char *s, size_t len, dlv_ip *net, unsigned *prefix)
{
    if (net == NULL || prefix == NULL) {
        return -1;
    }
    *prefix = 0;
    if (s == NULL) {
        memset(net, 0, sizeof(*net));
        return -1;
    }
    const char *slash = memchr(s, '/', len);
    size_t alen = slash != NULL ? (size_t)(slash - s) : len;
    if (dlv_ip_parse(s, alen, net) != 0) {
        return -1;
    }
    unsigned max = net->family == 4 ? 32 : 128;
    if (slash == NULL) {
        *prefix = max;
        return 0;
    }
    const char *p = slash + 1;
    size_t plen = len - alen - 1;
    /* at most 3 digits, no leading zeros */
    if (plen == 0 || plen > 3 || (plen > 1 && p[0] == '0')) {
        goto bad;
    }
    unsigned v = 0;
    for (size_t i = 0; i < plen; i++) {
        if (p[i] < '0' || p[i] > '9') {
            goto bad;
        }
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    if (v > max) {
        goto bad;
    }
    *prefix = v;
    return 0;
bad:
    memset(net, 0, sizeof(*net));
    return -1;
}

int dlv_ip_in_cidr(const dlv_ip *ip, const dlv_ip *net, unsigned prefix)
{
    if (ip == NULL || net == NULL || ip->family != net->family) {
        return 0;
    }
    if ((ip->family != 4 && ip->family != 6) || prefix > (ip->family == 4 ? 32u : 128u)) {
        return 0;
    }
    unsigned full = prefix / 8, rest = prefix % 8;
    if (memcmp(ip->b, net->b, full) != 0) {
        return 0;
    }
    if (rest != 0) {
        uint8_t mask = (uint8_t)(0xffu << (8 - rest));
        if (((ip->b[full] ^ net->b[full]) & mask) != 0) {
            return 0;
        }
    }
    return 1;
}

/* Decimal octet at p; returns the number of characters written (1-3). */
static size_t put_dec(char *p, uint8_t v)
{
    size_t n = 0;
    if (v >= 100) {
        p[n++] = (char)('0' + v / 100);
    }
    if (v >= 10) {
        p[n++] = (char)('0' + (v / 10) % 10);
    }
    p[n++] = (char)('0' + v % 10);
    return n;
}

static size_t put_v4(char *p, const uint8_t *b)
{
    size_t n = 0;
    for (int k = 0; k < 4; k++) {
        if (k > 0) {
            p[n++] = '.';
        }
        n += put_dec(p + n, b[k]);
    }
    return n;
}

static const char hexdig[] = "0123456789abcdef";

static size_t put_hex16(char *p, unsigned v)
{
    size_t n = 0;
    int started = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned d = (v >> shift) & 0xf;
        if (d != 0 || started || shift == 0) {
            p[n++] = hexdig[d];
            started = 1;
        }
    }
    return n;
}

/* Text into tmp (DLV_IP_TEXT_SIZE bytes, not NUL-terminated); returns the length. */
static size_t format_raw(const dlv_ip *ip, char *tmp)
{
    if (ip->family == 4) {
        return put_v4(tmp, ip->b);
    }
    if (dlv_ip_is_v4mapped(ip)) {
        memcpy(tmp, "::ffff:", 7);
        return 7 + put_v4(tmp + 7, ip->b + 12);
    }
    unsigned g[8];
    for (int k = 0; k < 8; k++) {
        g[k] = ((unsigned)ip->b[2 * k] << 8) | ip->b[2 * k + 1];
    }
    /* longest run of zero groups, first one on a tie, only if at least 2 long */
    int best = -1, bestlen = 0;
    for (int k = 0; k < 8;) {
        if (g[k] != 0) {
            k++;
            continue;
        }
        int start = k;
        while (k < 8 && g[k] == 0) {
            k++;
        }
        if (k - start > bestlen) {
            best = start;
            bestlen = k - start;
        }
    }
    if (bestlen < 2) {
        best = -1;
    }
    size_t n = 0;
    for (int k = 0; k < 8; k++) {
        if (k == best) {
            tmp[n++] = ':';
            tmp[n++] = ':';
            k += bestlen - 1;
            continue;
        }
        if (k > 0 && k != best + bestlen) {
            tmp[n++] = ':';
        }
        n += put_hex16(tmp + n, g[k]);
    }
    return n;
}

size_t dlv_ip_format(const dlv_ip *ip, char *buf, size_t n)
{
    char tmp[DLV_IP_TEXT_SIZE];
    size_t len = 0;
    if (ip != NULL && (ip->family == 4 || ip->family == 6)) {
        len = format_raw(ip, tmp);
    }
    if (buf != NULL && n > 0) {
        size_t c = len < n ? len : n - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return len;
}

int dlv_ip_reverse_name(const dlv_ip *ip, const char *suffix, char *out, size_t n)
{
    char tmp[80]; /* 64 for the IPv6 nibbles, 16 for IPv4 */
    size_t len = 0;

    if (out != NULL && n > 0) {
        out[0] = '\0';
    }
    if (ip == NULL || out == NULL || (ip->family != 4 && ip->family != 6)) {
        return -1;
    }
    if (ip->family == 4) {
        for (int k = 3; k >= 0; k--) {
            len += put_dec(tmp + len, ip->b[k]);
            tmp[len++] = '.';
        }
    } else {
        for (int k = 15; k >= 0; k--) {
            tmp[len++] = hexdig[ip->b[k] & 0xf];
            tmp[len++] = '.';
            tmp[len++] = hexdig[ip->b[k] >> 4];
            tmp[len++] = '.';
        }
    }
    if (suffix == NULL) {
        suffix = ip->family == 4 ? "in-addr.arpa" : "ip6.arpa";
    }
    if (suffix[0] == '.') {
        suffix++;
    }
    size_t slen = strlen(suffix);
    if (slen == 0) {
        len--; /* no suffix: drop the separator */
    }
    size_t total = len + slen;
    size_t counted = total;
    if (slen > 0 && suffix[slen - 1] == '.') {
        counted--;
    }
    if (counted > DLV_IP_NAME_MAX || total >= n) {
        return -1;
    }
    memcpy(out, tmp, len);
    memcpy(out + len, suffix, slen);
    out[total] = '\0';
    return 0;
}

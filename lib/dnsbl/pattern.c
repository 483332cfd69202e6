/*
 * DNSBL code patterns in Postfix postscreen's filter syntax: octets as N, [a..b], [a;b;c..d],
 * plus masks (&a.b.c.d, any bit set) as SpamAssassin's sub-tests use them.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dnsbl/dnsbl_int.h"

#include <string.h>

/* A decimal 0..255 at buf[*i]; advances *i. -1 when there is none or it is too large. */
static int number(const char *buf, size_t len, size_t *i)
{
    size_t start = *i;
    unsigned v = 0;
    while (*i < len && buf[*i] >= '0' && buf[*i] <= '9' && *i - start < 3) {
        v = v * 10 + (unsigned)(buf[*i] - '0');
        (*i)++;
    }
    if (*i == start || v > 255 || (*i < len && buf[*i] >= '0' && buf[*i] <= '9')) {
        return -1;
    }
    return (int)v;
}

static void set_range(uint8_t set[32], int a, int b)
{
    for (int v = a; v <= b; v++) {
        set[v >> 3] |= (uint8_t)(1u << (v & 7));
    }
}

int dlv_dnsbl_pat_parse(const char *buf, size_t len, dlv_dnsbl_pat *out, size_t *err_off,
                        const char **why)
{
    memset(out, 0, sizeof(*out));
    size_t i = 0;
    if (!buf) {
        len = 0;
    }
    if (len > 0 && buf[0] == '&') {
        out->is_mask = 1;
        i = 1;
    }
    for (int oct = 0; oct < 4; oct++) { /* bounded: four octets, each bounded by len */
        if (oct > 0) {
            if (i >= len || buf[i] != '.') {
                *err_off = i;
                *why = "expected '.' between octets";
                return -1;
            }
            i++;
        }
        if (out->is_mask || i >= len || buf[i] != '[') {
            size_t at = i;
            int v = number(buf, len, &i);
            if (v < 0) {
                *err_off = at;
                *why = "expected an octet (0 to 255)";
                return -1;
            }
            if (out->is_mask) {
                out->mask[oct] = (uint8_t)v;
            } else {
                set_range(out->set[oct], v, v);
            }
            continue;
        }
        i++; /* '[' */
        for (;;) { /* each item consumes at least one character */
            size_t at = i;
            int a = number(buf, len, &i);
            if (a < 0) {
                *err_off = at;
                *why = "expected an octet (0 to 255) in [...]";
                return -1;
            }
            int b = a;
            if (i + 1 < len && buf[i] == '.' && buf[i + 1] == '.') {
                i += 2;
                at = i;
                b = number(buf, len, &i);
                if (b < 0) {
                    *err_off = at;
                    *why = "expected the end of the range (0 to 255)";
                    return -1;
                }
                if (b < a) {
                    *err_off = at;
                    *why = "range ends before it starts";
                    return -1;
                }
            }
            set_range(out->set[oct], a, b);
            if (i < len && buf[i] == ';') {
                i++;
                continue;
            }
            if (i < len && buf[i] == ']') {
                i++;
                break;
            }
            *err_off = i;
            *why = "expected ';', '..' or ']'";
            return -1;
        }
    }
    if (i != len) {
        *err_off = i;
        *why = "unexpected text after the pattern";
        return -1;
    }
    if (out->is_mask && !(out->mask[0] | out->mask[1] | out->mask[2] | out->mask[3])) {
        *err_off = 0;
        *why = "a mask of 0.0.0.0 never matches";
        return -1;
    }
    return 0;
}

int dlv_dnsbl_pat_match(const dlv_dnsbl_pat *p, const uint8_t code[4])
{
    if (p->is_mask) {
        for (int k = 0; k < 4; k++) {
            if (code[k] & p->mask[k]) {
                return 1;
            }
        }
        return 0;
    }
    for (int k = 0; k < 4; k++) {
        if (!(p->set[k][code[k] >> 3] & (1u << (code[k] & 7)))) {
            return 0;
        }
    }
    return 1;
}

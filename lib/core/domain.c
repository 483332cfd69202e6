/*
 * Domain names: UTF-8 or A-label input to lower-case A-labels, with validation.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "core/core.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

static int is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* Checks one ASCII label and appends it, lower-cased, to out at *pos. */
static const char *put_ascii_label(const char *lab, size_t n, unsigned flags, char *out,
                                   size_t *pos)
{
    if (n == 0) {
        return "empty label";
    }
    if (n > DLV_LABEL_MAX) {
        return "label longer than 63 octets";
    }
    if (flags & DLV_NAME_HOSTNAME) {
        if (lab[0] == '-' || lab[n - 1] == '-') {
            return "label starts or ends with a hyphen";
        }
    }
    if (*pos + n + (*pos ? 1 : 0) > DLV_DOMAIN_MAX) {
        return "name longer than 253 octets";
    }
    if (*pos) {
        out[(*pos)++] = '.';
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)lab[i];
        if (flags & DLV_NAME_HOSTNAME) {
            if (!is_ldh(c)) {
                return "character not allowed in a host name";
            }
        } else if (c == 0x7f || c == '\\') {
            /* DNS labels may hold any octet; NUL, dots and backslashes cannot be carried in
             * the string form, DEL is refused as a sign of garbage */
            return "character not allowed in a domain name";
        }
        out[(*pos)++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
    }
    if (n >= 4 && strncmp(out + *pos - n, "xn--", 4) == 0) {
        /* an A-label must decode to a valid U-label */
        char tmp[DLV_LABEL_MAX + 1];
        memcpy(tmp, out + *pos - n, n);
        tmp[n] = '\0';
        char *u = NULL;
        if (idn2_to_unicode_8z8z(tmp, &u, 0) != IDN2_OK) {
            free(u);
            return "invalid A-label (xn--)";
        }
        char *back = NULL;
        int rc = idn2_lookup_u8((const uint8_t *)u, (uint8_t **)&back, IDN2_NONTRANSITIONAL);
        int same = rc == IDN2_OK && strcmp(back, tmp) == 0;
        free(u);
        free(back);
        if (!same) {
            return "invalid A-label (xn--)";
        }
    }
    return NULL;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t extra;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            extra = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + extra >= n) {
            return 0;
        }
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        i += extra + 1;
    }
    return 1;
}

deliver_status dlv_domain_normalize(const char *in, size_t len, char *out, unsigned flags,
                                    const char **why)
{
    const char *reason = NULL;
    size_t pos = 0;
    out[0] = '\0';
    if (!in) {
        reason = "no name";
        goto bad;
    }
    if (len > 0 && in[len - 1] == '.') {
        len--;
    }
    if (len == 0) {
        reason = "empty name";
        goto bad;
    }
    if (memchr(in, '\0', len)) {
        reason = "NUL byte in name";
        goto bad;
    }
    if (len > 4 * (DLV_DOMAIN_MAX + 1)) {
        reason = "name longer than 253 octets";
        goto bad;
    }
    size_t start = 0;
    while (start <= len) {
        const char *dot = memchr(in + start, '.', len - start);
        size_t end = dot ? (size_t)(dot - in) : len;
        const char *lab = in + start;
        size_t n = end - start;
        int ascii = 1;
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)lab[i] >= 0x80) {
                ascii = 0;
                break;
            }
        }
        if (ascii) {
            reason = put_ascii_label(lab, n, flags, out, &pos);
        } else if (flags & DLV_NAME_NO_IDN) {
            reason = "non-ASCII name where only ASCII is allowed";
        } else if (!valid_utf8((const unsigned char *)lab, n)) {
            reason = "invalid UTF-8 in name";
        } else {
            char tmp[4 * (DLV_DOMAIN_MAX + 1) + 1];
            memcpy(tmp, lab, n);
            tmp[n] = '\0';
            uint8_t *a = NULL;
            int rc = idn2_lookup_u8((const uint8_t *)tmp, &a,
                                    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
            if (rc != IDN2_OK) {
                reason = "label is not a valid internationalised label (IDNA2008)";
            } else if (strchr((const char *)a, '.')) {
                reason = "label maps to more than one label";
            } else {
                reason = put_ascii_label((const char *)a, strlen((const char *)a),
                                         flags & ~(unsigned)DLV_NAME_NO_IDN, out, &pos);
            }
            free(a);
        }
        if (reason) {
            goto bad;
        }
        if (!dot) {
            break;
        }
        start = end + 1;
    }
    out[pos] = '\0';
    return DELIVER_OK;
bad:
    out[0] = '\0';
    if (why) {
        *why = reason;
    }
    return DELIVER_E_INVALID;
}

int dlv_domain_equal(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') {
            x += 32;
        }
        if (y >= 'A' && y <= 'Z') {
            y += 32;
        }
        if (x != y) {
            return 0;
        }
        if (!x) {
            return 1;
        }
    }
}

int dlv_domain_is_within(const char *name, const char *parent)
{
    size_t n = strlen(name), p = strlen(parent);
    if (p == 0) {
        return 1;
    }
    if (n < p) {
        return 0;
    }
    if (n > p && name[n - p - 1] != '.') {
        return 0;
    }
    return dlv_domain_equal(name + n - p, parent);
}

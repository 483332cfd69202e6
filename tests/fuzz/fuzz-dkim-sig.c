/*
 * Fuzz target: the DKIM-Signature field parser and header canonicalization. The input is the
 * field's value; the message around it is fixed. The verifier is run up to the point where
 * it asks for keys (no DNS), and the questions it asks are read back. The same input also goes
 * through relaxed header canonicalization and the base64 decoder, whose fast paths must agree
 * with plain readings of RFC 6376 3.4.2 and RFC 4648 written here.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ref_fws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Relaxed header canonicalization of "name:value", slowly: the name in lower case, CR and LF
 * dropped from the value, each WSP run made one SP, then SP at either end of the value
 * dropped. out holds name_len + 1 + n octets. Returns the length. */
static size_t ref_canon(const char *name, size_t name_len, const uint8_t *v, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < name_len; i++) {
        char c = name[i];
        out[o++] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    out[o++] = ':';
    size_t start = o;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = v[i];
        if (c == '\r' || c == '\n') {
            continue;
        }
        if (c == ' ' || c == '\t') {
            if (o > start && out[o - 1] != ' ') {
                out[o++] = ' ';
            }
            continue;
        }
        out[o++] = (char)c;
    }
    if (o > start && out[o - 1] == ' ') {
        o--;
    }
    return o;
}

/* Strict base64 with FWS anywhere, slowly: digits, then at most two '=' that make the count a
 * multiple of four; a single digit left over is an error. -1 or the decoded length. */
static long ref_b64(const uint8_t *s, size_t n, uint8_t *out)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t digits = 0, pad = 0, o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (ref_fws(s[i])) {
            continue;
        }
        if (s[i] == '=') {
            pad++;
            continue;
        }
        const char *d = s[i] ? strchr(al, s[i]) : NULL;
        if (!d || pad > 0) {
            return -1;
        }
        digits++;
        acc = (acc << 6) | (uint32_t)(d - al);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (pad > 2 || digits % 4 == 1 || (pad > 0 && (digits + pad) % 4 != 0)) {
        return -1;
    }
    return (long)o;
}

static void check_canon_b64(deliver_ctx *ctx, const uint8_t *data, size_t size)
{
    static const char name[] = "DKIM-Signature";
    size_t nl = sizeof(name) - 1;
    char *raw = malloc(nl + 1 + size + 1);
    char *want = malloc(nl + 1 + size + 1);
    uint8_t *got = malloc(size * 3 / 4 + 3), *ref = malloc(size * 3 / 4 + 3);
    if (!raw || !want || !got || !ref) {
        abort();
    }
    memcpy(raw, name, nl);
    raw[nl] = ':';
    memcpy(raw + nl + 1, data, size);
    dlv_buf b;
    dlv_buf_init(&b, ctx);
    size_t wl = ref_canon(name, nl, data, size, want);
    if (dlv_dkim_canon_field(&b, raw, nl + 1 + size, nl, nl, 1, 0) == 0 &&
        (b.len != wl || memcmp(b.data, want, wl) != 0)) {
        abort();
    }
    dlv_buf_free(&b);
    long gl = dlv_dkim_b64_decode((const char *)data, size, got);
    long rl = ref_b64(data, size, ref);
    if (gl != rl || (gl > 0 && memcmp(got, ref, (size_t)gl) != 0)) {
        abort();
    }
    free(raw);
    free(want);
    free(got);
    free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char pre[] = "DKIM-Signature:";
    static const char rest[] = "\r\nFrom: a@example.com\r\nSubject: x\r\n\r\nbody\r\n";
    if (size > 16384) {
        return 0;
    }
    uint8_t *msg = malloc(sizeof(pre) + size + sizeof(rest));
    if (!msg) {
        return 0;
    }
    size_t n = 0;
    memcpy(msg, pre, sizeof(pre) - 1);
    n += sizeof(pre) - 1;
    memcpy(msg + n, data, size);
    n += size;
    memcpy(msg + n, rest, sizeof(rest) - 1);
    n += sizeof(rest) - 1;
    deliver_ctx *ctx = NULL;
    deliver_dkim_verify *v = NULL;
    if (deliver_ctx_new(&ctx) == DELIVER_OK) {
        check_canon_b64(ctx, data, size);
    }
    if (ctx && deliver_dkim_verify_new(&v, ctx) == DELIVER_OK) {
        deliver_dkim_verify_set_time(v, 1795697077);
        /* the streaming calls: the fuzzed field (with its line end), then the fixed rest */
        if (deliver_dkim_verify_header(v, (const char *)msg, n - (sizeof(rest) - 1) + 2) ==
                DELIVER_OK &&
            deliver_dkim_verify_header(v, "From: a@example.com\r\n", 21) == DELIVER_OK &&
            deliver_dkim_verify_header(v, "Subject: x\r\n", 12) == DELIVER_OK &&
            deliver_dkim_verify_end_headers(v) == DELIVER_OK &&
            deliver_dkim_verify_body(v, (const uint8_t *)"body\r\n", 6) == DELIVER_OK &&
            deliver_dkim_verify_end_body(v) == DELIVER_OK) {
            if (deliver_dkim_verify_step(v) == DELIVER_PENDING) {
                for (size_t i = 0; i < deliver_dkim_verify_query_count(v); i++) {
                    uint64_t id;
                    const char *q;
                    uint16_t t;
                    if (deliver_dkim_verify_get_query(v, i, &id, &q, &t) == DELIVER_OK) {
                        deliver_dkim_verify_answer(v, id, DELIVER_DNS_NXDOMAIN, NULL, 0);
                    }
                }
                if (deliver_dkim_verify_step(v) != DELIVER_OK) {
                    abort();
                }
            }
        }
    }
    deliver_dkim_verify_free(v);
    deliver_ctx_free(ctx);
    free(msg);
    return 0;
}

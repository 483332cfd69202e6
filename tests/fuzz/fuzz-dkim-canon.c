/*
 * Fuzz target: body canonicalization must not depend on chunk boundaries. The first octet
 * picks simple or relaxed and an l= limit; the next eight are chunk sizes the fuzzer chooses;
 * the rest is the body. The body is canonicalized whole and in those chunks (cycled): the
 * SHA-256 of the output must be the same, and so must the count of canonical octets. Both
 * must also equal those of a plain reading of RFC 6376 3.4.3/3.4.4 written here line by line,
 * so the fast paths of the canonicalizer are checked against the definition.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim/dkim_int.h"

/* The definition, slowly: lines end at CRLF or a bare LF (a bare CR is content); relaxed
 * turns each WSP run into one SP and drops WSP at line ends; empty lines at the end go; simple
 * makes an empty body one CRLF. The output is cut at limit (-1: none). */
static uint64_t reference(int relaxed, int64_t limit, const uint8_t *p, size_t n, uint8_t out[32])
{
    uint8_t *buf = malloc(2 * n + 2);
    if (!buf) {
        abort();
    }
    size_t o = 0, keep = 0; /* keep: output length up to the last line with content */
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && p[e] != '\n' && !(p[e] == '\r' && e + 1 < n && p[e + 1] == '\n')) {
            e++;
        }
        size_t start = o;
        int wsp = 0;
        for (size_t k = i; k < e; k++) {
            uint8_t c = p[k];
            if (relaxed && (c == ' ' || c == '\t')) {
                wsp = 1;
                continue;
            }
            if (wsp) {
                buf[o++] = ' ';
                wsp = 0;
            }
            buf[o++] = c;
        }
        int has = o > start;
        buf[o++] = '\r';
        buf[o++] = '\n';
        if (has) {
            keep = o;
        }
        i = e < n ? e + (p[e] == '\r' ? 2 : 1) : n;
    }
    o = keep;
    if (!relaxed && o == 0) {
        buf[o++] = '\r';
        buf[o++] = '\n';
    }
    size_t cut = limit >= 0 && (uint64_t)limit < o ? (size_t)limit : o;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned l = 0;
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL) || !EVP_DigestUpdate(md, buf, cut) ||
        !EVP_DigestFinal_ex(md, out, &l)) {
        abort();
    }
    EVP_MD_CTX_free(md);
    free(buf);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *ud, const uint8_t *p, size_t n)
{
    EVP_DigestUpdate((EVP_MD_CTX *)ud, p, n);
}

static uint64_t run(int relaxed, int64_t limit, const uint8_t *p, size_t n, const uint8_t *chunks,
                    uint8_t out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        abort();
    }
    dlv_dkim_body b;
    dlv_dkim_body_init(&b, relaxed, limit, sink, md);
    size_t i = 0, k = 0;
    while (i < n) {
        size_t c = chunks ? (size_t)chunks[k++ % 8] + 1 : n;
        if (c > n - i) {
            c = n - i;
        }
        dlv_dkim_body_feed(&b, p + i, c);
        i += c;
    }
    dlv_dkim_body_end(&b);
    unsigned l = 0;
    EVP_DigestFinal_ex(md, out, &l);
    EVP_MD_CTX_free(md);
    return b.emitted;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9 || size > 262144) {
        return 0;
    }
    int relaxed = data[0] & 1;
    int64_t limit = (data[0] & 2) ? (int64_t)(data[0] >> 2) * 3 : -1;
    uint8_t a[32], b[32];
    uint64_t ea = run(relaxed, limit, data + 9, size - 9, NULL, a);
    uint64_t eb = run(relaxed, limit, data + 9, size - 9, data + 1, b);
    uint8_t r[32];
    uint64_t er = reference(relaxed, limit, data + 9, size - 9, r);
    if (ea != eb || memcmp(a, b, 32) != 0 || ea != er || memcmp(a, r, 32) != 0) {
        abort();
    }
    return 0;
}

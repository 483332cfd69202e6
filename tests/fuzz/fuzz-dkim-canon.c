/*
 * Fuzz target: body canonicalization must not depend on chunk boundaries. The first octet
 * picks simple or relaxed and an l= limit; the next eight are chunk sizes the fuzzer chooses;
 * the rest is the body. The body is canonicalized whole and in those chunks (cycled): the
 * SHA-256 of the output must be the same, and so must the count of canonical octets.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim/dkim_int.h"

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
    if (ea != eb || memcmp(a, b, 32) != 0) {
        abort();
    }
    return 0;
}

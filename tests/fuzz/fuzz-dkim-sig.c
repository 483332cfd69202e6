/*
 * Fuzz target: the DKIM-Signature field parser and header canonicalization. The input is the
 * field's value; the message around it is fixed. The verifier is run up to the point where
 * it asks for keys (no DNS), and the questions it asks are read back.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    if (deliver_ctx_new(&ctx) == DELIVER_OK && deliver_dkim_verify_new(&v, ctx) == DELIVER_OK) {
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

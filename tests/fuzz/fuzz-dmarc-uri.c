/*
 * Fuzz target: the report URI list parser (rua/ruf), fed as the value of rua= and ruf= in
 * both modes. Every URI kept has a scheme, no size suffix, and a size within range.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <deliver/dmarc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8000) {
        return 0;
    }
    static const char pre[] = "v=DMARC1; p=none; rua=";
    uint8_t *buf = malloc(2 * size + 64);
    if (!buf) {
        return 0;
    }
    size_t n = 0;
    memcpy(buf, pre, sizeof pre - 1);
    n = sizeof pre - 1;
    for (size_t i = 0; i < size; i++) { /* keep the value inside its tag */
        buf[n++] = data[i] == ';' ? ',' : data[i];
    }
    memcpy(buf + n, "; ruf=", 6);
    n += 6;
    for (size_t i = 0; i < size; i++) {
        buf[n++] = data[i] == ';' ? ',' : data[i];
    }
    deliver_ctx *ctx;
    deliver_dmarc_record *r;
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        free(buf);
        return 0;
    }
    if (deliver_dmarc_record_new(&r, ctx) == DELIVER_OK) {
        for (int mode = 1; mode <= 2; mode++) {
            deliver_dmarc_record_set_mode(r, (deliver_dmarc_mode)mode);
            if (deliver_dmarc_record_parse(r, buf, n) != DELIVER_OK) {
                abort();
            }
            size_t nrua = deliver_dmarc_record_uri_count(r, DELIVER_DMARC_RUA);
            if (deliver_dmarc_record_is_valid(r) &&
                nrua != deliver_dmarc_record_uri_count(r, DELIVER_DMARC_RUF)) {
                abort();
            }
            for (size_t i = 0; i < nrua; i++) {
                const char *u = deliver_dmarc_record_get_uri(r, DELIVER_DMARC_RUA, i);
                if (!u || !strchr(u, ':') || strchr(u, '!') || strchr(u, ',') ||
                    (mode == DELIVER_DMARC_RFC9989 &&
                     deliver_dmarc_record_get_uri_max_bytes(r, DELIVER_DMARC_RUA, i) != 0)) {
                    abort();
                }
            }
        }
        deliver_dmarc_record_free(r);
    }
    deliver_ctx_free(ctx);
    free(buf);
    return 0;
}

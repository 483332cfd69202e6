/*
 * Fuzz target: DKIM key records (tag list, base64, DER/raw key decoding, findings).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>

#include "dkim/dkim_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    deliver_ctx *ctx = NULL;
    if (size > 65536 || deliver_ctx_new(&ctx) != DELIVER_OK) {
        return 0;
    }
    deliver_dkim_key *k = NULL;
    if (deliver_dkim_key_new(&k, ctx) == DELIVER_OK) {
        deliver_dkim_key_check_record(k, (const char *)data, size);
        for (size_t i = 0; i < deliver_dkim_key_finding_count(k); i++) {
            if (!deliver_finding_id(deliver_dkim_key_get_finding(k, i))) {
                abort();
            }
        }
        (void)deliver_dkim_key_get_grade(k);
    }
    deliver_dkim_key_free(k);
    deliver_ctx_free(ctx);
    return 0;
}

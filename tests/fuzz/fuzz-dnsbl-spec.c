/*
 * Fuzz target: the DNSBL list-spec parser (postscreen `zone[=filter][*weight]` lists) and the
 * code-pattern parser. The first byte picks which; the rest is the text.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dnsbl/dnsbl_int.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        dlv_dnsbl_pat p;
        size_t off = 0;
        const char *why = NULL;
        if (dlv_dnsbl_pat_parse(text, len, &p, &off, &why) < 0) {
            if (off > len || !why) {
                abort();
            }
        } else {
            uint8_t code[4] = {127, 0, 0, 2};
            (void)dlv_dnsbl_pat_match(&p, code);
        }
        return 0;
    }
    deliver_ctx *ctx = NULL;
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        return 0;
    }
    deliver_dnsbl *h = NULL;
    if (deliver_dnsbl_new(&h, ctx) == DELIVER_OK) {
        deliver_status st = deliver_dnsbl_add_spec(h, text, len);
        if (st == DELIVER_E_PARSE && deliver_dnsbl_error_offset(h) > len) {
            abort();
        }
        if (st == DELIVER_OK && deliver_dnsbl_start(h, "192.0.2.1") == DELIVER_OK) {
            /* every question times out: the check must end */
            while (deliver_dnsbl_step(h) == DELIVER_PENDING) {
                uint64_t id;
                const char *q;
                uint16_t t;
                if (deliver_dnsbl_get_query(h, 0, &id, &q, &t) != DELIVER_OK ||
                    deliver_dnsbl_answer(h, id, DELIVER_DNS_TIMEOUT, NULL, 0) != DELIVER_OK) {
                    abort();
                }
            }
        }
    }
    deliver_dnsbl_free(h);
    deliver_ctx_free(ctx);
    return 0;
}

/*
 * Fuzz target: the whole bounce classifier on a raw message, and the bare SMTP reply
 * classifier on the same bytes. Aborts when a result breaks an invariant.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <deliver/bounce.h>

static void check(const deliver_bounce *b)
{
    size_t n = deliver_bounce_recipient_count(b);
    if (n > deliver_bounce_limit(DELIVER_BOUNCE_LIMIT_RECIPIENTS)) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        if (!deliver_bounce_get_recipient(b, i) || !deliver_bounce_get_reason(b, i) ||
            !deliver_bounce_get_action(b, i) || !deliver_bounce_get_status(b, i) ||
            !deliver_bounce_get_diagnostic(b, i) || !deliver_bounce_get_remote_mta(b, i) ||
            !deliver_bounce_get_command(b, i) || !deliver_bounce_get_decided_by(b, i)) {
            abort();
        }
        if (strlen(deliver_bounce_get_status(b, i)) > 15) {
            abort();
        }
    }
    if (deliver_bounce_get_recipient(b, n) != NULL) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    deliver_ctx *ctx = NULL;
    deliver_bounce *b = NULL;
    if (deliver_ctx_new(&ctx) < 0 || deliver_bounce_new(&b, ctx) < 0) {
        deliver_ctx_free(ctx);
        return 0;
    }
    if (deliver_bounce_parse(b, data, size) == DELIVER_OK) {
        check(b);
    }
    if (deliver_bounce_parse_reply(b, (const char *)(size ? (const char *)data : ""), size) ==
        DELIVER_OK) {
        check(b);
    }
    deliver_bounce_free(b);
    deliver_ctx_free(ctx);
    return 0;
}

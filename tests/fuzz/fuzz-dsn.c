/*
 * Fuzz target: a message/delivery-status report (RFC 3464) wrapped in a multipart/report
 * around the fuzz input, so the DSN field parser sees hostile per-message and per-recipient
 * groups. Aborts when a result breaks an invariant.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <deliver/bounce.h>

static const char head[] =
    "From: MAILER-DAEMON@example.org\r\nSubject: Undelivered Mail\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
    "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n"
    "--B\r\nContent-Type: message/delivery-status\r\n\r\n";
static const char tail[] = "\r\n--B--\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    deliver_ctx *ctx = NULL;
    deliver_bounce *b = NULL;
    if (deliver_ctx_new(&ctx) < 0 || deliver_bounce_new(&b, ctx) < 0) {
        deliver_ctx_free(ctx);
        return 0;
    }
    size_t n = sizeof(head) - 1 + size + sizeof(tail) - 1;
    uint8_t *msg = malloc(n);
    if (msg) {
        memcpy(msg, head, sizeof(head) - 1);
        if (size) {
            memcpy(msg + sizeof(head) - 1, data, size);
        }
        memcpy(msg + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
        if (deliver_bounce_parse(b, msg, n) == DELIVER_OK) {
            for (size_t i = 0; i < deliver_bounce_recipient_count(b); i++) {
                if (!deliver_bounce_get_recipient(b, i) || !deliver_bounce_get_reason(b, i) ||
                    !deliver_bounce_get_status(b, i) || !deliver_bounce_get_diagnostic(b, i)) {
                    abort();
                }
            }
        }
        free(msg);
    }
    deliver_bounce_free(b);
    deliver_ctx_free(ctx);
    return 0;
}

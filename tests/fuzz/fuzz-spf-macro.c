/*
 * Fuzz target: SPF macro expansion (dlv_spf_expand, dlv_spf_uses_p).
 * Input layout: byte 0 = flags (bit 0: domain mode; bit 1: IPv6 client; bit 2: no client;
 * bit 3: NULL validated/receiver; bit 4: NULL local/sender domain), byte 1 = length of the
 * local part that follows, then 16 address bytes (fewer: a fixed address), the rest is the
 * macro-string. Aborts when an invariant fails: the output is bounded (8 KiB, 253 octets
 * for domains), a failure leaves the buffer as it was, and the expander agrees with the
 * record parser about macro syntax.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "spf/spf_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    unsigned flags = data[0];
    size_t llen = data[1];
    data += 2;
    size -= 2;
    if (llen > size) {
        llen = size;
    }
    char local[256];
    memcpy(local, data, llen);
    local[llen] = '\0';
    data += llen;
    size -= llen;

    dlv_ip ip;
    memset(&ip, 0, sizeof(ip));
    if (flags & 2) {
        ip.family = 6;
        static const uint8_t def6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                         0,    0,    0,    0,    0, 0, 0xcb, 0x01};
        memcpy(ip.b, def6, 16);
    } else {
        ip.family = 4;
        static const uint8_t def4[4] = {192, 0, 2, 3};
        memcpy(ip.b, def4, 4);
    }
    if (size >= 16) {
        memcpy(ip.b, data, ip.family == 6 ? 16 : 4);
        data += 16;
        size -= 16;
    }

    dlv_spf_macro_env env;
    memset(&env, 0, sizeof(env));
    env.local = (flags & 16) ? NULL : local;
    env.sender_domain = (flags & 16) ? NULL : "email.example.com";
    env.domain = "sub.domain.example.com";
    env.ip = (flags & 4) ? NULL : &ip;
    env.helo = local[0] ? local : "mx.example.org";
    env.validated = (flags & 8) ? NULL : "mail.example.com";
    env.receiver = (flags & 8) ? NULL : "receiver.example.net";
    env.now = (int64_t)flags * 1000003 - 5;
    int mode = (flags & 1) ? DLV_SPF_EXPAND_DOMAIN : DLV_SPF_EXPAND_EXP;

    deliver_ctx *ctx = NULL;
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        return 0;
    }
    const char *spec = (const char *)data;
    dlv_buf out;
    dlv_buf_init(&out, ctx);
    dlv_buf_puts(&out, "prefix:");
    const char *why = NULL;
    int rc = dlv_spf_expand(&env, spec, size, mode, &out, &why);
    if (rc == 0) {
        size_t n = out.len - 7;
        if (n > 8192 || memcmp(out.data, "prefix:", 7) != 0 || strlen(out.data) != out.len) {
            abort();
        }
        if (mode == DLV_SPF_EXPAND_DOMAIN) {
            size_t eff = (n > 0 && out.data[out.len - 1] == '.') ? n - 1 : n;
            if (eff > DLV_DOMAIN_MAX) {
                abort();
            }
        }
    } else if (rc != -1 || why == NULL || why[0] == '\0' || out.len != 7 ||
               strcmp(out.data, "prefix:") != 0) {
        abort();
    }

    int uses_p = dlv_spf_uses_p(spec, size);
    if (uses_p != 0 && uses_p != 1) {
        abort();
    }

    /* agreement with the parser: "v=spf1 x=<spec>" takes any macro letter (no spaces) */
    if (size < 4096 && memchr(spec, ' ', size) == NULL && size > 0) {
        char *text = malloc(size + 9);
        if (text != NULL) {
            memcpy(text, "v=spf1 x=", 9);
            memcpy(text + 9, spec, size);
            dlv_arena arena;
            dlv_arena_init(&arena, ctx);
            dlv_spf_record rec;
            size_t off;
            deliver_status st = dlv_spf_parse(&arena, text, size + 9, &rec, &off, &why);
            dlv_buf_reset(&out);
            int erc = dlv_spf_expand(&env, spec, size, DLV_SPF_EXPAND_EXP, &out, &why);
            if (st == DELIVER_OK && erc != 0 && strcmp(why, "macro expansion too long") != 0) {
                abort();
            }
            if (st == DELIVER_E_PARSE && erc == 0) {
                abort();
            }
            dlv_arena_clear(&arena);
            free(text);
        }
    }
    dlv_buf_free(&out);
    deliver_ctx_free(ctx);
    return 0;
}

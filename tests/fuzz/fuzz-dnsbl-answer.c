/*
 * Fuzz target: DNSBL answer decoding. A subject choice byte, then chunks (one length byte,
 * then data), one per open question in the order listed; a chunk's first byte chooses:
 *   0-3  an outcome without records (timeout, servfail, nxdomain, nodata)
 *   4    raw wire bytes (the rest of the chunk)
 *   5+   a well-formed reply to the question whose A records (or TXT text) come from the rest
 * When the input runs out every further question times out. The check must end with a
 * result for every entry.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dnsbl/dnsbl_int.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reply(wbuf *w, const char *qname, uint16_t qtype, const uint8_t *d, size_t n)
{
    w->n = 0;
    unsigned count = qtype == 1 ? (unsigned)(n / 4) : 1;
    if (count > 40) {
        count = 40;
    }
    put16(w, 0);
    put16(w, 0x8400);
    put16(w, 1);
    put16(w, count);
    put16(w, 0);
    put16(w, 0);
    const char *p = qname;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        uint8_t lb = (uint8_t)l;
        put(w, &lb, 1);
        put(w, p, l);
        p += l + (dot ? 1 : 0);
    }
    put(w, "", 1);
    put16(w, qtype);
    put16(w, 1);
    for (unsigned i = 0; i < count; i++) {
        put16(w, 0xC00C);
        put16(w, qtype);
        put16(w, 1);
        put16(w, 0);
        put16(w, 60);
        if (qtype == 1) {
            put16(w, 4);
            put(w, d + 4 * i, 4);
        } else {
            size_t l = n > 255 ? 255 : n;
            uint8_t lb = (uint8_t)l;
            put16(w, (unsigned)l + 1);
            put(w, &lb, 1);
            put(w, d, l);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    static const char *const subjects[] = {"192.0.2.1", "2001:db8::1", "example.com",
                                           "127.0.0.2"};
    deliver_ctx *ctx = NULL;
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        return 0;
    }
    deliver_dnsbl *h = NULL;
    if (deliver_dnsbl_new(&h, ctx) != DELIVER_OK) {
        deliver_ctx_free(ctx);
        return 0;
    }
    deliver_dnsbl_set_self_check(h, data[0] & 4);
    deliver_dnsbl_set_ignore_kinds(h, data[0] & 8);
    deliver_dnsbl_set_txt(h, (deliver_dnsbl_txt_mode)((data[0] >> 4) % 3));
    const char *spec = "zen.spamhaus.org list.dnswl.org=127.0.[0..255].[1..3]*-2 "
                       "dbl.spamhaus.org rep.mailspike.net any.example*3";
    deliver_dnsbl_add_spec(h, spec, strlen(spec));
    size_t pos = 1;
    if (deliver_dnsbl_start(h, subjects[data[0] & 3]) == DELIVER_OK) {
        wbuf w;
        for (int guard = 0; guard < 1000 && deliver_dnsbl_step(h) == DELIVER_PENDING; guard++) {
            uint64_t id;
            const char *q;
            uint16_t t;
            if (deliver_dnsbl_get_query(h, 0, &id, &q, &t) != DELIVER_OK) {
                abort();
            }
            if (pos >= size) {
                deliver_dnsbl_answer(h, id, DELIVER_DNS_TIMEOUT, NULL, 0);
                continue;
            }
            size_t l = data[pos++];
            if (l > size - pos) {
                l = size - pos;
            }
            const uint8_t *c = data + pos;
            pos += l;
            if (l == 0 || c[0] < 4) {
                static const deliver_dns_outcome oc[] = {DELIVER_DNS_TIMEOUT,
                                                         DELIVER_DNS_SERVFAIL,
                                                         DELIVER_DNS_NXDOMAIN, DELIVER_DNS_NODATA};
                deliver_dnsbl_answer(h, id, oc[l ? c[0] : 0], NULL, 0);
            } else if (c[0] == 4) {
                deliver_dnsbl_answer(h, id, DELIVER_DNS_ERROR, c + 1, l - 1);
            } else {
                reply(&w, q, t, c + 1, l - 1);
                deliver_dnsbl_answer(h, id, DELIVER_DNS_ERROR, w.b, w.n);
            }
        }
        if (deliver_dnsbl_step(h) != DELIVER_OK) {
            abort();
        }
        for (size_t i = 0; i < deliver_dnsbl_result_count(h); i++) {
            for (size_t j = 0; j < deliver_dnsbl_result_code_count(h, i); j++) {
                if (!deliver_dnsbl_result_get_code(h, i, j) ||
                    !deliver_dnsbl_result_get_meaning(h, i, j)) {
                    abort();
                }
            }
            if (!deliver_dnsbl_result_get_txt(h, i)) {
                abort();
            }
        }
    }
    deliver_dnsbl_free(h);
    deliver_ctx_free(ctx);
    return 0;
}

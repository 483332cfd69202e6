/*
 * Fuzz target: the DMARC evaluation core (RFC 9989 tree walk, identifier walks, existence
 * question, report authorization queries) fed hostile DNS answers through its sans-I/O
 * functions. The input is a flags byte (mode, SPF, DKIM, report checks), a From domain
 * choice byte, then chunks (one length byte, then data), one per question in the order
 * asked; a chunk's first byte chooses what it becomes:
 *   0-3  an outcome without records (timeout, servfail, nxdomain, nodata)
 *   4    raw wire bytes (the rest of the chunk)
 *   5+   a well-formed reply: for TXT the rest of the chunk as a record's text ("v=DMARC1;"
 *        put in front when the byte is odd), for A an address
 * When the input runs out every further question times out. The evaluation must end with
 * at most 8 tree-walk questions per walked name and a result.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dns/dns.h"

#include <deliver/dmarc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_name(wbuf *w, const char *name)
{
    uint8_t wire[256];
    size_t len;
    if (dlv_name_to_wire(name, wire, &len) == 0) {
        put(w, wire, len);
    } else {
        put(w, "\0", 1);
    }
}

static void build(wbuf *w, const char *qname, uint16_t qtype, const uint8_t *d, size_t n,
                  int prefix)
{
    const uint8_t hdr[12] = {0, 1, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0};
    uint8_t text[600];
    size_t tn = 0;
    if (prefix) {
        memcpy(text, "v=DMARC1;", 9);
        tn = 9;
    }
    if (n > sizeof text - tn) {
        n = sizeof text - tn;
    }
    memcpy(text + tn, d, n);
    tn += n;
    put(w, hdr, 12);
    put_name(w, qname);
    put16(w, qtype);
    put16(w, 1);
    put16(w, 0xc00c);
    put16(w, qtype);
    put16(w, 1);
    put16(w, 0);
    put16(w, 60);
    size_t rdlen_at = w->n;
    put16(w, 0);
    size_t start = w->n;
    if (qtype == DELIVER_DNS_TYPE_TXT) {
        for (size_t i = 0; i < tn || i == 0; i += 255) {
            size_t k = tn - i < 255 ? tn - i : 255;
            uint8_t len = (uint8_t)k;
            put(w, &len, 1);
            put(w, text + i, k);
            if (tn == 0) {
                break;
            }
        }
    } else {
        uint8_t a[4] = {192, 0, 2, 1};
        put(w, a, 4);
    }
    size_t rdlen = w->n - start;
    w->b[rdlen_at] = (uint8_t)(rdlen >> 8);
    w->b[rdlen_at + 1] = (uint8_t)rdlen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 20000) {
        return 0;
    }
    static const char *const froms[] = {"mail.example.com", "example.com",
                                        "a.b.c.d.e.f.g.h.i.j.mail.example.com", "brand.test",
                                        "x.y.example.co.uk", "com"};
    deliver_ctx *ctx;
    deliver_dmarc *h;
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        return 0;
    }
    if (deliver_dmarc_new(&h, ctx) != DELIVER_OK) {
        deliver_ctx_free(ctx);
        return 0;
    }
    uint8_t f = data[0];
    deliver_dmarc_set_mode(h, DELIVER_DMARC_RFC9989); /* the PSL mode needs no DNS walk */
    deliver_dmarc_set_check_reports(h, (f & 1) != 0);
    deliver_dmarc_add_from_domain(h, froms[data[1] % 6]);
    if (f & 2) {
        deliver_dmarc_set_spf(h, (f & 4) ? DELIVER_SPF_PASS : DELIVER_SPF_TEMPERROR,
                              "bounce.mail.example.com");
    }
    if (f & 8) {
        deliver_dmarc_add_dkim(h, "pass", "x.example.com", "s");
    }
    if (f & 16) {
        deliver_dmarc_add_dkim(h, "pass", "example.co.uk", NULL);
    }
    deliver_status st = deliver_dmarc_start(h, (f & 32) ? "q.example.com" : NULL);
    size_t pos = 2;
    unsigned rounds = 0;
    while (st == DELIVER_OK && (st = deliver_dmarc_step(h)) == DELIVER_PENDING) {
        if (++rounds > 1000) {
            abort();
        }
        uint64_t id;
        const char *qname;
        uint16_t qtype;
        if (deliver_dmarc_get_query(h, 0, &id, &qname, &qtype) != DELIVER_OK) {
            abort();
        }
        char name[DLV_DNS_NAME_BUF];
        snprintf(name, sizeof(name), "%s", qname);
        deliver_dns_outcome oc;
        uint8_t sel;
        const uint8_t *p;
        size_t n;
        fuzz_answer_kind kind = fuzz_next_answer(data, size, &pos, &oc, &sel, &p, &n);
        if (kind == FUZZ_OUTCOME) {
            st = deliver_dmarc_answer(h, id, oc, NULL, 0);
        } else if (kind == FUZZ_RAW) {
            st = deliver_dmarc_answer(h, id, DELIVER_DNS_OK, p, n);
        } else {
            wbuf w = {{0}, 0};
            build(&w, name, qtype, p, n, sel & 1);
            st = deliver_dmarc_answer(h, id, DELIVER_DNS_OK, w.b, w.n);
        }
    }
    if (st == DELIVER_OK) {
        deliver_dmarc_result r = deliver_dmarc_get_result(h);
        size_t walkq = 0;
        for (size_t i = 0; i < deliver_dmarc_lookup_count(h); i++) {
            walkq += strncmp(deliver_dmarc_get_lookup(h, i), "_dmarc.", 7) == 0;
        }
        if (r < DELIVER_DMARC_NONE || r > DELIVER_DMARC_PERMERROR || walkq > 8 * 4 ||
            strncmp(deliver_dmarc_get_authentication_results(h), "Authentication-Results: ",
                    24) != 0) {
            abort();
        }
    }
    deliver_dmarc_free(h);
    deliver_ctx_free(ctx);
    return 0;
}

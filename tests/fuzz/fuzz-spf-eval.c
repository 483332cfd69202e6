/*
 * Fuzz target: the SPF evaluation core fed hostile DNS answers through its sans-I/O
 * functions. The input is a client choice byte, then chunks (one length byte, then data),
 * one per question in the order asked; a chunk's first byte chooses what it becomes:
 *   0-3  an outcome without records (timeout, servfail, nxdomain, nodata)
 *   4    raw wire bytes (the rest of the chunk)
 *   5+   a well-formed reply to the question: for TXT the rest of the chunk as a record's
 *        text (split into 255-octet strings); for A/AAAA/PTR/MX records made from its bytes
 * When the input runs out every further question times out. The check must end, within
 * its limits, with a result and headers.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dns/dns.h"
#include "spf/spf_int.h"

#include <deliver/spf.h>

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

/* A reply to (qname, qtype) with one record made from d[0..n). */
static void build(wbuf *w, const char *qname, uint16_t qtype, const uint8_t *d, size_t n)
{
    const uint8_t hdr[12] = {0, 1, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0};
    put(w, hdr, 12);
    put_name(w, qname);
    put16(w, qtype);
    put16(w, 1);
    put16(w, 0xc00c); /* owner: the question's name */
    put16(w, qtype);
    put16(w, 1);
    put16(w, 0);
    put16(w, 60);
    size_t rdlen_at = w->n;
    put16(w, 0);
    size_t start = w->n;
    if (qtype == DELIVER_DNS_TYPE_TXT) {
        for (size_t i = 0; i < n || i == 0; i += 255) {
            size_t k = n - i < 255 ? n - i : 255;
            uint8_t len = (uint8_t)k;
            put(w, &len, 1);
            put(w, d + i, k);
            if (n == 0) {
                break;
            }
        }
    } else if (qtype == DELIVER_DNS_TYPE_A || qtype == DELIVER_DNS_TYPE_AAAA) {
        uint8_t a[16] = {0};
        memcpy(a, d, n < 16 ? n : 16);
        put(w, a, qtype == DELIVER_DNS_TYPE_A ? 4 : 16);
    } else {
        /* MX (preference first) or PTR: a name made of the data's letters */
        char name[64] = "h.fuzz.test";
        if (n > 0) {
            size_t k = 0;
            for (size_t i = 0; i < n && k < 20; i++) {
                name[k++] = (char)('a' + d[i] % 26);
            }
            strcpy(name + k, ".fuzz.test");
        }
        if (qtype == DELIVER_DNS_TYPE_MX) {
            put16(w, 10);
        }
        put_name(w, name);
    }
    size_t rdlen = w->n - start;
    w->b[rdlen_at] = (uint8_t)(rdlen >> 8);
    w->b[rdlen_at + 1] = (uint8_t)rdlen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 20000) {
        return 0;
    }
    static const char *const clients[] = {"192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1",
                                          "198.51.100.7"};
    deliver_ctx *ctx;
    deliver_spf *spf;
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        return 0;
    }
    if (deliver_spf_new(&spf, ctx) != DELIVER_OK) {
        deliver_ctx_free(ctx);
        return 0;
    }
    deliver_spf_set_time(spf, 1700000000);
    const char *ip = clients[data[0] & 3];
    deliver_status st = (data[0] & 4) ? deliver_spf_start_helo(spf, ip, "mail.fuzz.test")
                                      : deliver_spf_start(spf, ip, "user@fuzz.test", "h.fuzz.test");
    size_t pos = 1;
    unsigned rounds = 0;
    while (st == DELIVER_OK && (st = deliver_spf_step(spf)) == DELIVER_PENDING) {
        if (++rounds > 10000) {
            abort(); /* the limits must end every evaluation long before this */
        }
        uint64_t id;
        const char *qname;
        uint16_t qtype;
        if (deliver_spf_get_query(spf, 0, &id, &qname, &qtype) != DELIVER_OK) {
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
            st = deliver_spf_answer(spf, id, oc, NULL, 0);
        } else if (kind == FUZZ_RAW) {
            st = deliver_spf_answer(spf, id, DELIVER_DNS_OK, p, n);
        } else {
            wbuf w = {{0}, 0};
            build(&w, name, qtype, p, n);
            st = deliver_spf_answer(spf, id, DELIVER_DNS_OK, w.b, w.n);
        }
    }
    if (st == DELIVER_OK) {
        deliver_spf_result r = deliver_spf_get_result(spf);
        if (r < DELIVER_SPF_NONE || r > DELIVER_SPF_PERMERROR ||
            deliver_spf_dns_mechanism_count(spf) > 11 ||
            strncmp(deliver_spf_get_received_spf(spf), "Received-SPF: ", 14) != 0 ||
            strncmp(deliver_spf_get_auth_results(spf), "spf=", 4) != 0) {
            abort();
        }
        for (size_t i = 0; i < deliver_spf_trace_count(spf); i++) {
            if (!deliver_spf_trace_get_term(spf, i) || !deliver_spf_trace_get_queries(spf, i)) {
                abort();
            }
        }
    }
    deliver_spf_free(spf);
    deliver_ctx_free(ctx);
    return 0;
}

/*
 * Fuzz target: a DNS reply as it comes off the wire, through the answer model and through
 * the public sans-I/O lookup core. The question of the input is taken as the question asked,
 * so that the fuzzer reaches the record parsing behind the question check.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dns/dns.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_record(const deliver_dns_record *r)
{
    size_t len;
    const char *t = deliver_dns_record_get_text(r);
    if (!t) {
        abort();
    }
    deliver_dns_record_get_address(r, &len);
    deliver_dns_record_get_txt_joined(r, &len);
    for (size_t i = 0; i < deliver_dns_record_txt_count(r); i++) {
        if (!deliver_dns_record_get_txt(r, i, &len)) {
            abort();
        }
    }
    deliver_dns_record_get_target(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char qname[DLV_DNS_NAME_BUF];
    uint16_t qtype = 1;
    size_t i = 12;
    if (size > 12) {
        while (i < size && data[i] != 0 && !(data[i] & 0xc0)) {
            i += (size_t)data[i] + 1;
        }
        if (i + 2 < size) {
            qtype = (uint16_t)(data[i + 1] << 8 | data[i + 2]);
        }
    }
    if (size <= 12 || i >= size || dlv_dname_to_str(data + 12, i - 11, qname, sizeof(qname)) < 0 ||
        qname[0] == '\0') {
        strcpy(qname, "fuzz.test");
    }
    deliver_ctx *ctx;
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        return 0;
    }
    int bad = 0;
    dlv_answer *a = dlv_answer_from_wire(ctx, qname, qtype, data, size, &bad);
    if (a) {
        for (size_t k = 0; k < a->nrr; k++) {
            use_record(&a->rr[k]);
        }
        for (size_t k = 0; k < a->ncname; k++) {
            use_record(&a->cname[k]);
        }
        dlv_answer *c = dlv_answer_copy(ctx, a, 7);
        if (c && (c->nrr != a->nrr || c->ncname != a->ncname)) {
            abort();
        }
        dlv_answer_free(c);
        dlv_answer_free(a);
    }
    /* the same bytes through the public core, when the question is a valid name */
    deliver_dns_lookup *l = NULL;
    if (deliver_dns_lookup_new(&l, ctx) == DELIVER_OK &&
        deliver_dns_lookup_start(l, qname, qtype) == DELIVER_OK) {
        for (int round = 0; round < 4 && deliver_dns_lookup_step(l) == DELIVER_PENDING; round++) {
            uint64_t id;
            if (deliver_dns_lookup_get_query(l, 0, &id, NULL, NULL) != DELIVER_OK ||
                deliver_dns_lookup_answer(l, id, DELIVER_DNS_OK, data, size) < 0) {
                break;
            }
        }
        for (size_t k = 0; k < deliver_dns_lookup_record_count(l); k++) {
            use_record(deliver_dns_lookup_get_record(l, k));
        }
    }
    deliver_dns_lookup_free(l);
    deliver_ctx_free(ctx);
    return 0;
}

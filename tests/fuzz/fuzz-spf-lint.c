/*
 * Fuzz target: the SPF lint core fed hostile DNS answers through its sans-I/O answer
 * function. Input: one mode byte (even: a record text follows, up to the first NUL, linted
 * as if published at f.test; odd: the published domain f.test is linted), then one answer
 * per open question, always the first open one:
 *   c < 0x40          an outcome without a reply (NODATA ... CNAME_LOOP)
 *   c & 0x20 (else)   a reply with one record of the type asked: owner pointer to the
 *                     question, rdata = the next chunk (2-byte length, then bytes)
 *   otherwise         a reply header + question, then the next chunk as raw sections,
 *                     with the answer count taken from the next byte
 * When the input ends, every question left times out. Aborts when an invariant fails:
 * only OK, PENDING or NOMEM from step; bounded rounds; tree entries in depth-first order
 * within the limits; findings complete.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "dns/dns.h"

#include <deliver/spf.h>

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static int take(input *in, uint8_t *c)
{
    if (in->n == 0) {
        return 0;
    }
    *c = *in->p++;
    in->n--;
    return 1;
}

static size_t chunk(input *in, const uint8_t **out)
{
    uint8_t hi = 0, lo = 0;
    take(in, &hi);
    take(in, &lo);
    size_t len = (size_t)hi << 8 | lo;
    if (len > in->n) {
        len = in->n;
    }
    *out = in->p;
    in->p += len;
    in->n -= len;
    return len;
}

static void answer_one(deliver_spf_lint *l, input *in, uint8_t *msg)
{
    uint64_t id;
    const char *qname;
    uint16_t qtype;
    if (deliver_spf_lint_get_query(l, 0, &id, &qname, &qtype) != DELIVER_OK) {
        abort();
    }
    uint8_t c;
    if (!take(in, &c)) {
        if (deliver_spf_lint_answer(l, id, DELIVER_DNS_TIMEOUT, NULL, 0) != DELIVER_OK) {
            abort();
        }
        return;
    }
    if (c < 0x40) {
        deliver_dns_outcome oc = (deliver_dns_outcome)(1 + c % 7);
        if (deliver_spf_lint_answer(l, id, oc, NULL, 0) != DELIVER_OK) {
            abort();
        }
        return;
    }
    size_t pos = 0;
    uint8_t ancount = 1;
    if (!(c & 0x20)) {
        take(in, &ancount);
    }
    uint8_t hdr[12] = {0x12, 0x34, 0x84, (uint8_t)(c & 0x03), 0, 1, 0, ancount, 0, 0, 0, 0};
    memcpy(msg, hdr, 12);
    pos = 12;
    size_t wl = 0;
    if (dlv_name_to_wire(qname, msg + pos, &wl) < 0) {
        abort(); /* the lint asks only valid names */
    }
    pos += wl;
    uint8_t q[4] = {(uint8_t)(qtype >> 8), (uint8_t)qtype, 0, 1};
    memcpy(msg + pos, q, 4);
    pos += 4;
    const uint8_t *data;
    size_t len = chunk(in, &data);
    if (c & 0x20) {
        uint8_t rr[12] = {0xc0, 0x0c, (uint8_t)(qtype >> 8), (uint8_t)qtype, 0, 1, 0, 0, 1, 0,
                          (uint8_t)(len >> 8), (uint8_t)len};
        memcpy(msg + pos, rr, 12);
        pos += 12;
    }
    memcpy(msg + pos, data, len);
    pos += len;
    deliver_status st = deliver_spf_lint_answer(l, id, DELIVER_DNS_OK, msg, pos);
    if (st != DELIVER_OK && st != DELIVER_E_NOMEM) {
        abort();
    }
}

static void check_results(const deliver_spf_lint *l)
{
    size_t n = deliver_spf_lint_tree_count(l);
    if (n == 0 || n > 100 || deliver_spf_lint_tree_get_depth(l, 0) != 0) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        unsigned d = deliver_spf_lint_tree_get_depth(l, i);
        if ((i > 0 && (d == 0 || d > deliver_spf_lint_tree_get_depth(l, i - 1) + 1)) || d > 21 ||
            !deliver_spf_lint_tree_get_domain(l, i) || !deliver_spf_lint_tree_get_record(l, i) ||
            !deliver_spf_lint_tree_get_term(l, i) || !deliver_spf_lint_tree_get_detail(l, i)) {
            abort();
        }
    }
    if (deliver_spf_lint_tree_get_domain(l, n) != NULL) {
        abort();
    }
    for (size_t i = 0; i < deliver_spf_lint_finding_count(l); i++) {
        const deliver_finding *f = deliver_spf_lint_get_finding(l, i);
        if (!f || strncmp(deliver_finding_id(f), "spf.", 4) != 0 ||
            !*deliver_finding_message(f) || !deliver_finding_location(f) ||
            !deliver_finding_hint(f)) {
            abort();
        }
    }
    (void)deliver_spf_lint_dns_mechanism_count(l);
    (void)deliver_spf_lint_void_lookup_count(l);
    (void)deliver_spf_lint_get_record(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    deliver_ctx *ctx = NULL;
    deliver_spf_lint *l = NULL;
    uint8_t *msg = malloc(70000);
    if (!msg || deliver_ctx_new(&ctx) != DELIVER_OK || deliver_spf_lint_new(&l, ctx) < 0) {
        free(msg);
        deliver_ctx_free(ctx);
        return 0;
    }
    input in = {data + 1, size - 1};
    deliver_status st;
    if (data[0] % 2 == 0) {
        const uint8_t *nul = memchr(in.p, 0, in.n);
        size_t len = nul ? (size_t)(nul - in.p) : in.n;
        st = deliver_spf_lint_start_record(l, (const char *)in.p, len, "f.test");
        in.p += len + (nul ? 1 : 0);
        in.n -= len + (nul ? 1 : 0);
    } else {
        st = deliver_spf_lint_start_domain(l, "f.test");
    }
    if (st != DELIVER_OK) {
        abort();
    }
    for (unsigned round = 0;; round++) {
        if (round > 100000) {
            abort(); /* at most 400 questions, one answer per round */
        }
        st = deliver_spf_lint_step(l);
        if (st == DELIVER_OK) {
            check_results(l);
            break;
        }
        if (st != DELIVER_PENDING) {
            if (st != DELIVER_E_NOMEM) {
                abort();
            }
            break;
        }
        if (deliver_spf_lint_query_count(l) == 0) {
            abort();
        }
        answer_one(l, &in, msg);
    }
    deliver_spf_lint_free(l);
    deliver_ctx_free(ctx);
    free(msg);
    return 0;
}

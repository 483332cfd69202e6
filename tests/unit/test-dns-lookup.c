/*
 * Unit tests of deliver_dns_lookup through the public API: the callback resolver, the
 * sans-I/O core driven by hand, CNAME chains across replies, loops and limits, the cache
 * with a test clock, bad names, and allocation failures injected at every step.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "check.h"
#include "failalloc.h"
#include "dns/dns.h"
#include "dnswire.h"

/* ---- a table-driven callback resolver ---- */

typedef struct entry {
    const char *name;
    uint16_t type;
    int rcode;
    const char *ans[4];
    const char *auth[2];
    int ad;
} entry;

static const char *soa = "cb.test. 600 IN SOA ns.cb.test. h.cb.test. 1 2 3 4 30";

static const entry table[] = {
    {"www.cb.test", 1, 0, {"www.cb.test. 300 IN CNAME host.far.test."}, {NULL}, 0},
    {"host.far.test", 1, 0, {"host.far.test. 60 IN A 192.0.2.80"}, {NULL}, 0},
    {"nx.cb.test", 1, 3, {NULL}, {"cb.test. 600 IN SOA ns.cb.test. h.cb.test. 1 2 3 4 30"}, 0},
    {"fail.cb.test", 1, 2, {NULL}, {NULL}, 0},
    {"a.loop.test", 1, 0, {"a.loop.test. 60 IN CNAME b.loop.test."}, {NULL}, 0},
    {"b.loop.test", 1, 0, {"b.loop.test. 60 IN CNAME a.loop.test."}, {NULL}, 0},
    {"signed.cb.test", 16, 0, {"signed.cb.test. 60 IN TXT \"ok\""}, {NULL}, 1},
    {"c0.chain.test", 1, 0, {"c0.chain.test. 60 IN CNAME c1.chain.test."}, {NULL}, 0},
    {"c1.chain.test", 1, 0, {"c1.chain.test. 60 IN CNAME c2.chain.test."}, {NULL}, 0},
    {"c2.chain.test", 1, 0, {"c2.chain.test. 60 IN CNAME c3.chain.test."}, {NULL}, 0},
    {"c3.chain.test", 1, 0, {"c3.chain.test. 60 IN CNAME c4.chain.test."}, {NULL}, 0},
    {"c4.chain.test", 1, 0, {"c4.chain.test. 60 IN CNAME c5.chain.test."}, {NULL}, 0},
    {"c5.chain.test", 1, 0, {"c5.chain.test. 60 IN CNAME c6.chain.test."}, {NULL}, 0},
    {"c6.chain.test", 1, 0, {"c6.chain.test. 60 IN CNAME c7.chain.test."}, {NULL}, 0},
    {"c7.chain.test", 1, 0, {"c7.chain.test. 60 IN CNAME c8.chain.test."}, {NULL}, 0},
    {"c8.chain.test", 1, 0, {"c8.chain.test. 60 IN CNAME c9.chain.test."}, {NULL}, 0},
    {"c9.chain.test", 1, 0, {"c9.chain.test. 60 IN A 192.0.2.9"}, {NULL}, 0},
};

typedef struct resolver {
    int calls;
    int defer;         /* remember the question instead of answering */
    uint64_t deferred;
} resolver;

static int reply_for(const char *qname, uint16_t qtype, uint16_t id, uint8_t **w, size_t *n)
{
    for (size_t i = 0; i < DLV_ARRAY_LEN(table); i++) {
        if (strcmp(table[i].name, qname) == 0 && table[i].type == qtype) {
            if (make_reply(qname, qtype, id, table[i].rcode, table[i].ans, table[i].auth, w, n) <
                0) {
                return -1;
            }
            if (table[i].ad) {
                (*w)[3] |= 0x20;
            }
            return 0;
        }
    }
    const char *auth[] = {soa, NULL};
    return make_reply(qname, qtype, id, 3, NULL, auth, w, n);
}

static void on_query(deliver_ctx *ctx, uint64_t id, const char *qname, uint16_t qtype, void *ud)
{
    resolver *r = ud;
    r->calls++;
    if (r->defer) {
        r->deferred = id;
        return;
    }
    uint8_t *w = NULL;
    size_t n = 0;
    if (reply_for(qname, qtype, 77, &w, &n) == 0) {
        CHECK_INT(deliver_ctx_dns_answer(ctx, id, DELIVER_DNS_OK, w, n), DELIVER_OK);
    }
    free(w);
}

static int64_t fake_now;
static int64_t fake_clock(void *ud)
{
    (void)ud;
    return fake_now;
}

static void test_callback_and_cache(void)
{
    deliver_ctx *ctx;
    deliver_ctx_new(&ctx);
    dlv_ctx_set_clock(ctx, fake_clock, NULL);
    resolver r = {0};
    CHECK_INT(deliver_ctx_set_dns_callback(ctx, on_query, &r), DELIVER_OK);
    deliver_dns_lookup *l;
    CHECK_INT(deliver_dns_lookup_new(&l, ctx), DELIVER_OK);

    CHECK_INT(deliver_dns_lookup_run(l, "WWW.cb.test.", 1), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_OK);
    CHECK_STR(deliver_dns_lookup_get_name(l), "www.cb.test");
    CHECK_INT(deliver_dns_lookup_cname_count(l), 1);
    CHECK_STR(deliver_dns_record_get_target(deliver_dns_lookup_get_cname(l, 0)), "host.far.test");
    CHECK_INT(deliver_dns_lookup_record_count(l), 1);
    CHECK_STR(deliver_dns_record_get_text(deliver_dns_lookup_get_record(l, 0)), "192.0.2.80");
    CHECK(deliver_dns_lookup_get_record(l, 1) == NULL);
    CHECK_INT(deliver_dns_lookup_get_rcode(l), 0);
    CHECK_INT(deliver_dns_lookup_finding_count(l), 0);
    CHECK_INT(r.calls, 2);
    CHECK_INT(deliver_ctx_get_dns_stat(ctx, DELIVER_DNS_STAT_QUERIES), 2);

    /* the cache answers both questions; TTLs shrink with age */
    fake_now += 10000;
    CHECK_INT(deliver_dns_lookup_run(l, "www.cb.test", 1), DELIVER_OK);
    CHECK_INT(r.calls, 2);
    CHECK_INT(deliver_ctx_get_dns_stat(ctx, DELIVER_DNS_STAT_CACHE_HITS), 2);
    CHECK_INT(deliver_dns_record_get_ttl(deliver_dns_lookup_get_record(l, 0)), 50);
    CHECK_INT(deliver_dns_record_get_ttl(deliver_dns_lookup_get_cname(l, 0)), 290);
    /* after the A record's TTL only that one is asked again */
    fake_now += 55000;
    CHECK_INT(deliver_dns_lookup_run(l, "www.cb.test", 1), DELIVER_OK);
    CHECK_INT(r.calls, 3);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_OK);

    /* negative caching for the SOA minimum (30 s) */
    CHECK_INT(deliver_dns_lookup_run(l, "nx.cb.test", 1), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_NXDOMAIN);
    CHECK_INT(deliver_dns_lookup_get_rcode(l), 3);
    CHECK_INT(deliver_dns_lookup_run(l, "nx.cb.test", 1), DELIVER_OK);
    CHECK_INT(r.calls, 4);
    fake_now += 31000;
    CHECK_INT(deliver_dns_lookup_run(l, "nx.cb.test", 1), DELIVER_OK);
    CHECK_INT(r.calls, 5);

    /* failures are not kept */
    CHECK_INT(deliver_dns_lookup_run(l, "fail.cb.test", 1), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_SERVFAIL);
    CHECK_INT(deliver_dns_lookup_finding_count(l), 1);
    CHECK_STR(deliver_finding_id(deliver_dns_lookup_get_finding(l, 0)), "dns.servfail");
    CHECK_INT(deliver_dns_lookup_run(l, "fail.cb.test", 1), DELIVER_OK);
    CHECK_INT(r.calls, 7);

    /* a cache of size 0 keeps nothing */
    CHECK_INT(deliver_ctx_set_dns_cache_size(ctx, 0), DELIVER_OK);
    int before = r.calls;
    deliver_dns_lookup_run(l, "signed.cb.test", 16);
    deliver_dns_lookup_run(l, "signed.cb.test", 16);
    CHECK_INT(r.calls, before + 2);
    CHECK_INT(deliver_dns_lookup_is_authenticated(l), 1);
    CHECK_INT(deliver_ctx_set_dns_cache_size(ctx, 2), DELIVER_OK);
    deliver_dns_lookup_run(l, "www.cb.test", 1); /* 2 entries */
    deliver_dns_lookup_run(l, "signed.cb.test", 16); /* evicts the oldest */
    before = r.calls;
    deliver_dns_lookup_run(l, "signed.cb.test", 16);
    CHECK_INT(r.calls, before);
    deliver_dns_lookup_run(l, "www.cb.test", 1); /* www evicts host.far, which is asked too */
    CHECK_INT(r.calls, before + 2);
    CHECK_INT(deliver_dns_lookup_is_authenticated(l), 0);

    /* loops across replies and the chain limit */
    CHECK_INT(deliver_dns_lookup_run(l, "a.loop.test", 1), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_CNAME_LOOP);
    CHECK_STR(deliver_finding_id(deliver_dns_lookup_get_finding(l, 0)), "dns.cname_loop");
    CHECK_INT(deliver_dns_lookup_run(l, "c0.chain.test", 1), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_CNAME_LOOP);
    CHECK_INT(deliver_ctx_set_dns_cname_limit(ctx, 33), DELIVER_E_INVALID);
    CHECK_INT(deliver_ctx_set_dns_cname_limit(ctx, 9), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_run(l, "c0.chain.test", 1), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_OK);
    CHECK_INT(deliver_dns_lookup_cname_count(l), 9);
    CHECK_INT(deliver_ctx_set_dns_cname_limit(ctx, 0), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_run(l, "www.cb.test", 1), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_CNAME_LOOP);

    /* bad names are API errors with a reason */
    char longname[300];
    memset(longname, 'a', sizeof(longname));
    for (int i = 60; i < 299; i += 61) {
        longname[i] = '.';
    }
    longname[299] = '\0';
    CHECK_INT(deliver_dns_lookup_run(l, longname, 1), DELIVER_E_INVALID);
    CHECK(strstr(deliver_dns_lookup_errmsg(l), "253") != NULL);
    CHECK_INT(deliver_dns_lookup_run(l, "a..b", 1), DELIVER_E_INVALID);
    CHECK_INT(deliver_dns_lookup_run(l, NULL, 1), DELIVER_E_INVALID);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_ERROR);
    CHECK_INT(deliver_dns_lookup_record_count(l), 0);

    /* a deferred callback cannot serve a blocking call */
    r.defer = 1;
    CHECK_INT(deliver_ctx_set_dns_cache_size(ctx, 0), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_run(l, "host.far.test", 1), DELIVER_E_STATE);
    CHECK(strstr(deliver_dns_lookup_errmsg(l), "unanswered") != NULL);
    CHECK_INT(deliver_ctx_dns_answer(ctx, r.deferred, DELIVER_DNS_TIMEOUT, NULL, 0),
              DELIVER_E_NOTFOUND); /* the blocking call withdrew it */
    deliver_dns_lookup_free(l);
    deliver_ctx_free(ctx);
}

static void test_sans_io(void)
{
    deliver_ctx *ctx;
    deliver_ctx_new(&ctx);
    deliver_dns_lookup *a, *b;
    deliver_dns_lookup_new(&a, ctx);
    deliver_dns_lookup_new(&b, ctx);
    CHECK_INT(deliver_dns_lookup_step(a), DELIVER_E_STATE);
    CHECK_INT(deliver_dns_lookup_start(a, "www.cb.test", 1), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_start(b, "nx.cb.test", 1), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_step(a), DELIVER_PENDING);
    CHECK_INT(deliver_dns_lookup_query_count(a), 1);
    uint64_t ida, idb;
    const char *qn;
    uint16_t qt;
    CHECK_INT(deliver_dns_lookup_get_query(a, 0, &ida, &qn, &qt), DELIVER_OK);
    CHECK_STR(qn, "www.cb.test");
    CHECK_INT(qt, 1);
    CHECK_INT(deliver_dns_lookup_get_query(a, 1, &ida, &qn, &qt), DELIVER_E_INVALID);
    CHECK_INT(deliver_dns_lookup_get_query(b, 0, &idb, &qn, &qt), DELIVER_OK);

    /* b first: answered with an outcome only */
    CHECK_INT(deliver_dns_lookup_answer(b, idb + 100, DELIVER_DNS_NXDOMAIN, NULL, 0),
              DELIVER_E_NOTFOUND);
    CHECK_INT(deliver_dns_lookup_answer(b, idb, DELIVER_DNS_OK, NULL, 0), DELIVER_E_INVALID);
    CHECK_INT(deliver_dns_lookup_answer(b, idb, DELIVER_DNS_NXDOMAIN, NULL, 0), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_step(b), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_outcome(b), DELIVER_DNS_NXDOMAIN);
    CHECK_INT(deliver_dns_lookup_answer(b, idb, DELIVER_DNS_NXDOMAIN, NULL, 0), DELIVER_E_STATE);

    /* a: the CNAME reply, then a second question */
    uint8_t *w = NULL;
    size_t n = 0;
    reply_for("www.cb.test", 1, 5, &w, &n);
    CHECK_INT(deliver_dns_lookup_answer(a, ida, DELIVER_DNS_OK, w, n), DELIVER_OK);
    free(w);
    CHECK_INT(deliver_dns_lookup_step(a), DELIVER_PENDING);
    CHECK_INT(deliver_dns_lookup_query_count(a), 1);
    CHECK_INT(deliver_dns_lookup_get_query(a, 0, &ida, &qn, &qt), DELIVER_OK);
    CHECK_STR(qn, "host.far.test");
    /* a reply to another question is an error outcome, never a wrong answer */
    reply_for("www.cb.test", 1, 5, &w, &n);
    CHECK_INT(deliver_dns_lookup_answer(a, ida, DELIVER_DNS_OK, w, n), DELIVER_OK);
    free(w);
    CHECK_INT(deliver_dns_lookup_step(a), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_outcome(a), DELIVER_DNS_ERROR);
    CHECK_INT(deliver_dns_lookup_record_count(a), 0);

    /* hostile bytes handed in by an embedder */
    CHECK_INT(deliver_dns_lookup_start(a, "www.cb.test", 1), DELIVER_OK);
    deliver_dns_lookup_get_query(a, 0, &ida, &qn, &qt);
    uint8_t junk[3] = {1, 2, 3};
    CHECK_INT(deliver_dns_lookup_answer(a, ida, DELIVER_DNS_OK, junk, sizeof(junk)), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_outcome(a), DELIVER_DNS_ERROR);
    CHECK_INT(deliver_dns_lookup_start(NULL, "x", 1), DELIVER_E_INVALID);
    CHECK_INT(deliver_dns_lookup_answer(NULL, 1, DELIVER_DNS_OK, NULL, 0), DELIVER_E_INVALID);
    CHECK_INT(deliver_dns_lookup_query_count(NULL), 0);
    deliver_dns_lookup_free(a);
    deliver_dns_lookup_free(b);
    deliver_dns_lookup_free(NULL);
    deliver_ctx_free(ctx);
}

/* ---- every allocation made to fail in turn ---- */


static const char fi_zone[] = "$ORIGIN fi.test.\n@ SOA ns h 1 2 3 4 5\n"
                              "www CNAME host\nhost A 192.0.2.1\nhost TXT \"a\" \"b\"\n";

static int run_once(long fail_at, int *completed, long *allocations)
{
    failing f = {0, fail_at, 0};
    deliver_ctx *ctx = NULL;
    *completed = 0;
    if (deliver_ctx_new_with_allocator(&ctx, f_alloc, f_realloc, f_free, &f) == DELIVER_OK) {
        deliver_dns_lookup *l = NULL;
        deliver_status st = deliver_ctx_add_zone_text(ctx, fi_zone, strlen(fi_zone), NULL);
        if (st == DELIVER_OK) {
            st = deliver_dns_lookup_new(&l, ctx);
        }
        if (st == DELIVER_OK) {
            st = deliver_dns_lookup_run(l, "www.fi.test", 1);
        }
        if (st == DELIVER_OK) {
            st = deliver_dns_lookup_run(l, "www.fi.test", 1); /* from the cache */
        }
        if (st == DELIVER_OK) {
            st = deliver_dns_lookup_run(l, "host.fi.test", 16);
        }
        if (st == DELIVER_OK && deliver_dns_lookup_record_count(l) == 1) {
            deliver_dns_record_get_text(deliver_dns_lookup_get_record(l, 0));
            *completed = 1;
        }
        if (st != DELIVER_OK && st != DELIVER_E_NOMEM) {
            fprintf(stderr, "fail_at %ld: unexpected status %d\n", fail_at, st);
            check_failures++;
        }
        deliver_dns_lookup_free(l);
        deliver_ctx_free(ctx);
    }
    *allocations = f.count;
    return (int)f.live;
}

static void test_alloc_failures(void)
{
    int completed = 0;
    long n, allocations = 0;
    for (n = 1; n < 100000; n++) {
        int live = run_once(n, &completed, &allocations);
        check_count++;
        if (live != 0) {
            check_failures++;
            fprintf(stderr, "allocation %ld failing leaks %d blocks\n", n, live);
        }
        if (allocations < n) {
            break; /* the run made fewer allocations than n: every one has failed once */
        }
    }
    CHECK(completed);
    printf("allocation failures injected: %ld\n", n - 1);
}

int main(void)
{
    test_callback_and_cache();
    test_sans_io();
    test_alloc_failures();
    return check_done("dns-lookup");
}

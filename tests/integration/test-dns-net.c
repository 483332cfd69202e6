/*
 * The network resolver against real servers on loopback, through the public API only
 * (linked against the shared library). Run under dnsharness.py, which starts NSD and the
 * hostile relay and passes their ports in DELIVER_TEST_*_PORT.
 *
 * Covers: replies with a wrong ID, a wrong question, random bytes or a bad compression pointer
 * are dropped (counted) and the real answer is used; truncation leads to TCP; a silent server
 * gives a timeout after timeout x (retries + 1) and no hang; a port where nothing listens
 * fails quickly; SERVFAIL; NXDOMAIN vs NODATA, empty non-terminals, wildcards; CNAME chains in
 * one zone and across zones, loops and over-long chains; the cache (positive and negative);
 * and many lookups in flight at once through their sans-I/O cores, answered in any order
 * with wire bytes this program fetches itself.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <deliver/deliver.h>

#include "itest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned nsd_port, relay_port, dead_port;

static deliver_ctx *new_ctx(unsigned port, int64_t timeout_ms, unsigned retries)
{
    deliver_ctx *ctx = NULL;
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        fprintf(stderr, "deliver_ctx_new failed\n");
        exit(1);
    }
    CHECK_INT(deliver_ctx_add_dns_server(ctx, "127.0.0.1", (uint16_t)port), DELIVER_OK);
    CHECK_INT(deliver_ctx_set_dns_timeout_ms(ctx, timeout_ms), DELIVER_OK);
    CHECK_INT(deliver_ctx_set_dns_retries(ctx, retries), DELIVER_OK);
    return ctx;
}

static uint64_t stat_(deliver_ctx *ctx, deliver_dns_stat s)
{
    return deliver_ctx_get_dns_stat(ctx, s);
}

/* Runs one lookup; the handle is returned for inspection (free it). */
static deliver_dns_lookup *run(deliver_ctx *ctx, const char *name, uint16_t type)
{
    deliver_dns_lookup *l = NULL;
    CHECK_INT(deliver_dns_lookup_new(&l, ctx), DELIVER_OK);
    deliver_status st = deliver_dns_lookup_run(l, name, type);
    if (st != DELIVER_OK) {
        fprintf(stderr, "lookup %s/%u: %s (%s)\n", name, type, deliver_strerror(st),
                deliver_dns_lookup_errmsg(l));
    }
    CHECK_INT(st, DELIVER_OK);
    return l;
}

static int has_finding(const deliver_dns_lookup *l, const char *id)
{
    for (size_t i = 0; i < deliver_dns_lookup_finding_count(l); i++) {
        if (strcmp(deliver_finding_id(deliver_dns_lookup_get_finding(l, i)), id) == 0) {
            return 1;
        }
    }
    return 0;
}

/* One TXT record expected with this text (presentation form). */
static void expect_txt(deliver_ctx *ctx, const char *name, const char *text)
{
    deliver_dns_lookup *l = run(ctx, name, DELIVER_DNS_TYPE_TXT);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_OK);
    CHECK_INT(deliver_dns_lookup_record_count(l), 1);
    if (deliver_dns_lookup_record_count(l) == 1) {
        CHECK_STR(deliver_dns_record_get_text(deliver_dns_lookup_get_record(l, 0)), text);
    }
    deliver_dns_lookup_free(l);
}

/* ---- hostile replies ---- */

static void test_hostile(void)
{
    /* no retries: a bad reply that was not dropped, or a drop that ended the attempt,
     * would show as a failure or a second packet */
    deliver_ctx *ctx = new_ctx(relay_port, 3000, 0);
    static const struct {
        const char *name, *text;
    } cases[] = {
        {"wrongid.relay.test", "\"the real answer after a reply with the wrong ID\""},
        {"wrongq.relay.test", "\"the real answer after a reply to another question\""},
        {"garbage.relay.test", "\"the real answer after random bytes\""},
        {"badptr.relay.test",
         "\"the real answer after a reply with a bad compression pointer\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t dropped = stat_(ctx, DELIVER_DNS_STAT_DROPPED);
        uint64_t sent = stat_(ctx, DELIVER_DNS_STAT_SENT);
        uint64_t timeouts = stat_(ctx, DELIVER_DNS_STAT_TIMEOUTS);
        expect_txt(ctx, cases[i].name, cases[i].text);
        if (stat_(ctx, DELIVER_DNS_STAT_DROPPED) < dropped + 1) {
            fprintf(stderr, "%s: the bad reply was not counted as dropped\n", cases[i].name);
        }
        CHECK(stat_(ctx, DELIVER_DNS_STAT_DROPPED) >= dropped + 1);
        CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_SENT), sent + 1);
        CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_TIMEOUTS), timeouts);
    }
    /* the relay's plain pass-through drops nothing */
    uint64_t dropped = stat_(ctx, DELIVER_DNS_STAT_DROPPED);
    expect_txt(ctx, "plain.relay.test", "\"relayed as it is\"");
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_DROPPED), dropped);
    deliver_ctx_free(ctx);
}

/* ---- truncation ---- */

static void test_truncation(void)
{
    /* an empty TC=1 reply from the relay, the answer over TCP */
    deliver_ctx *ctx = new_ctx(relay_port, 3000, 0);
    uint64_t tcp = stat_(ctx, DELIVER_DNS_STAT_TCP);
    expect_txt(ctx, "slowtc.relay.test",
               "\"the real answer, over TCP after an empty truncated reply\"");
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_TCP), tcp + 1);
    deliver_ctx_free(ctx);

    /* NSD itself truncates a 6.5 KB RRset at the 1232-octet EDNS size */
    ctx = new_ctx(nsd_port, 3000, 0);
    tcp = stat_(ctx, DELIVER_DNS_STAT_TCP);
    deliver_dns_lookup *l = run(ctx, "big.dns.test", DELIVER_DNS_TYPE_TXT);
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_TCP), tcp + 1);
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_SENT), 2);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_OK);
    CHECK_INT(deliver_dns_lookup_record_count(l), 30);
    int seen[30] = {0};
    for (size_t i = 0; i < deliver_dns_lookup_record_count(l); i++) {
        const deliver_dns_record *rr = deliver_dns_lookup_get_record(l, i);
        size_t len = 0;
        const uint8_t *s = deliver_dns_record_get_txt_joined(rr, &len);
        CHECK_INT(deliver_dns_record_txt_count(rr), 1);
        CHECK_INT(len, 194);
        int k = -1;
        if (s && len == 194 && sscanf((const char *)s, "r%2d-", &k) == 1 && k >= 0 && k < 30) {
            CHECK(s[4] == (uint8_t)('A' + k % 26));
            seen[k]++;
        }
    }
    for (int k = 0; k < 30; k++) {
        CHECK_INT(seen[k], 1);
    }
    deliver_dns_lookup_free(l);

    /* TXT split into 8 character-strings, one of 255 octets */
    l = run(ctx, "split.dns.test", DELIVER_DNS_TYPE_TXT);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_OK);
    CHECK_INT(deliver_dns_lookup_record_count(l), 1);
    const deliver_dns_record *rr = deliver_dns_lookup_get_record(l, 0);
    static const size_t lens[8] = {6, 17, 1, 255, 0, 19, 5, 1};
    CHECK_INT(deliver_dns_record_txt_count(rr), 8);
    size_t total = 0;
    for (size_t i = 0; i < 8 && i < deliver_dns_record_txt_count(rr); i++) {
        size_t len = 999;
        const uint8_t *s = deliver_dns_record_get_txt(rr, i, &len);
        CHECK(s != NULL);
        CHECK_INT(len, lens[i]);
        total += len;
        if (i == 3 && s && len == 255) {
            CHECK(s[0] == 'a' && s[25] == 'z' && s[254] == (uint8_t)('a' + 254 % 26));
        }
    }
    size_t jl = 0;
    const uint8_t *joined = deliver_dns_record_get_txt_joined(rr, &jl);
    CHECK_INT(jl, total);
    CHECK(joined && memcmp(joined, "v=spf1 ip4:192.0.2.0/24 abc", 27) == 0);
    CHECK(joined && strcmp((const char *)joined + jl - 25, " include:other.test ~all8") == 0);
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_TCP), tcp + 1); /* 8 strings fit in UDP */
    deliver_dns_lookup_free(l);

    /* octets that need escapes: quotes, backslash, UTF-8, NUL, tab, 0xFF */
    l = run(ctx, "esc.dns.test", DELIVER_DNS_TYPE_TXT);
    CHECK_INT(deliver_dns_lookup_record_count(l), 1);
    rr = deliver_dns_lookup_get_record(l, 0);
    size_t len = 0;
    const uint8_t *s = deliver_dns_record_get_txt(rr, 1, &len);
    CHECK_INT(len, 11);
    CHECK(s && memcmp(s, "nul\0tab\tend", 11) == 0);
    s = deliver_dns_record_get_txt(rr, 0, &len);
    CHECK(s && len == 16 && memcmp(s, "say \"hi\" \\ caf\xc3\xa9", 16) == 0);
    s = deliver_dns_record_get_txt(rr, 2, &len);
    CHECK(s && len == 9 && memcmp(s, "bad\xff" "octet", 9) == 0);
    CHECK_STR(deliver_dns_record_get_text(rr),
              "\"say \\\"hi\\\" \\\\ caf\\195\\169\" \"nul\\000tab\\009end\" \"bad\\255octet\"");
    deliver_dns_lookup_free(l);
    deliver_ctx_free(ctx);
}

/* ---- silence and dead ports ---- */

static void test_timeouts(void)
{
    const int64_t timeout = 200;
    const unsigned retries = 1;
    const long long total = timeout * (retries + 1);
    deliver_ctx *ctx = new_ctx(relay_port, timeout, retries);
    long long t0 = itest_now_ms();
    deliver_dns_lookup *l = run(ctx, "silent.relay.test", DELIVER_DNS_TYPE_TXT);
    long long took = itest_now_ms() - t0;
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_TIMEOUT);
    CHECK_INT(deliver_dns_lookup_get_rcode(l), -1);
    CHECK_INT(deliver_dns_lookup_record_count(l), 0);
    CHECK(has_finding(l, "dns.timeout"));
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_TIMEOUTS), retries + 1);
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_SENT), retries + 1);
    /* every attempt waits its full timeout, and nothing waits much longer */
    if (took < total - 10 || took > 3 * total) {
        fprintf(stderr, "silent server: %lld ms, expected %lld..%lld\n", took, total - 10,
                3 * total);
    }
    CHECK(took >= total - 10);
    CHECK(took <= 3 * total);
    deliver_dns_lookup_free(l);

    /* a failure is never cached: the same question goes out again */
    uint64_t queries = stat_(ctx, DELIVER_DNS_STAT_QUERIES);
    l = run(ctx, "silent.relay.test", DELIVER_DNS_TYPE_TXT);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_TIMEOUT);
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_QUERIES), queries + 1);
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_CACHE_HITS), 0);
    deliver_dns_lookup_free(l);
    deliver_ctx_free(ctx);

    /* nothing listens: ICMP port unreachable (an error) or silence (a timeout), quickly */
    const int64_t dead_timeout = 1000;
    ctx = new_ctx(dead_port, dead_timeout, 1);
    t0 = itest_now_ms();
    l = run(ctx, "dns.test", DELIVER_DNS_TYPE_TXT);
    took = itest_now_ms() - t0;
    deliver_dns_outcome oc = deliver_dns_lookup_get_outcome(l);
    CHECK(oc == DELIVER_DNS_ERROR || oc == DELIVER_DNS_TIMEOUT);
    CHECK(has_finding(l, "dns.error") || has_finding(l, "dns.timeout"));
    CHECK_INT(deliver_dns_lookup_record_count(l), 0);
    CHECK(took <= 3 * dead_timeout * 2);
    deliver_dns_lookup_free(l);
    deliver_ctx_free(ctx);
}

/* ---- rcodes and negative answers ---- */

static void expect_outcome(deliver_ctx *ctx, const char *name, uint16_t type,
                           deliver_dns_outcome oc, int rcode, size_t nrr, size_t ncname)
{
    deliver_dns_lookup *l = run(ctx, name, type);
    if (deliver_dns_lookup_get_outcome(l) != oc) {
        fprintf(stderr, "%s/%u: outcome %s, expected %s\n", name, type,
                deliver_dns_outcome_name(deliver_dns_lookup_get_outcome(l)),
                deliver_dns_outcome_name(oc));
    }
    CHECK_INT(deliver_dns_lookup_get_outcome(l), oc);
    CHECK_INT(deliver_dns_lookup_get_rcode(l), rcode);
    CHECK_INT(deliver_dns_lookup_record_count(l), nrr);
    CHECK_INT(deliver_dns_lookup_cname_count(l), ncname);
    deliver_dns_lookup_free(l);
}

static void test_outcomes(void)
{
    deliver_ctx *ctx = new_ctx(relay_port, 3000, 1);
    expect_outcome(ctx, "missing.dns.test", DELIVER_DNS_TYPE_TXT, DELIVER_DNS_NXDOMAIN, 3, 0, 0);
    expect_outcome(ctx, "nodata.dns.test", DELIVER_DNS_TYPE_TXT, DELIVER_DNS_NODATA, 0, 0, 0);
    expect_outcome(ctx, "nodata.dns.test", DELIVER_DNS_TYPE_A, DELIVER_DNS_OK, 0, 1, 0);
    expect_outcome(ctx, "ent.dns.test", DELIVER_DNS_TYPE_TXT, DELIVER_DNS_NODATA, 0, 0, 0);
    expect_outcome(ctx, "x.ent.dns.test", DELIVER_DNS_TYPE_TXT, DELIVER_DNS_NXDOMAIN, 3, 0, 0);
    expect_outcome(ctx, "any.wild.dns.test", DELIVER_DNS_TYPE_TXT, DELIVER_DNS_OK, 0, 1, 0);
    expect_outcome(ctx, "wild.dns.test", DELIVER_DNS_TYPE_TXT, DELIVER_DNS_NODATA, 0, 0, 0);
    expect_outcome(ctx, "any.wild.dns.test", DELIVER_DNS_TYPE_MX, DELIVER_DNS_NODATA, 0, 0, 0);
    expect_outcome(ctx, "dns.test", DELIVER_DNS_TYPE_MX, DELIVER_DNS_OK, 0, 2, 0);
    expect_outcome(ctx, "mx.dns.test", DELIVER_DNS_TYPE_AAAA, DELIVER_DNS_OK, 0, 1, 0);
    expect_outcome(ctx, "_25._tcp.mx.dns.test", DELIVER_DNS_TYPE_TLSA, DELIVER_DNS_OK, 0, 1, 0);
    expect_outcome(ctx, "25.2.0.192.in-addr.arpa", DELIVER_DNS_TYPE_PTR, DELIVER_DNS_OK, 0, 1,
                   0);
    expect_outcome(ctx, "name.outside.example", DELIVER_DNS_TYPE_TXT, DELIVER_DNS_REFUSED, 5, 0,
                   0);

    /* the wildcard answer carries the name asked as its owner */
    deliver_dns_lookup *l = run(ctx, "Any.Wild.DNS.test.", DELIVER_DNS_TYPE_A);
    CHECK_STR(deliver_dns_lookup_get_name(l), "any.wild.dns.test");
    CHECK_STR(deliver_dns_record_get_owner(deliver_dns_lookup_get_record(l, 0)),
              "any.wild.dns.test");
    CHECK_STR(deliver_dns_record_get_text(deliver_dns_lookup_get_record(l, 0)), "192.0.2.99");
    deliver_dns_lookup_free(l);

    /* SERVFAIL: NSD serves broken.test but could not load its zone file */
    uint64_t sent = stat_(ctx, DELIVER_DNS_STAT_SENT);
    l = run(ctx, "ok.broken.test", DELIVER_DNS_TYPE_TXT);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_SERVFAIL);
    CHECK_INT(deliver_dns_lookup_get_rcode(l), 2);
    CHECK(has_finding(l, "dns.servfail"));
    /* one server: SERVFAIL is the answer, not a reason to ask it again */
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_SENT), sent + 1);
    deliver_dns_lookup_free(l);

    /* TLSA and MX fields */
    l = run(ctx, "_25._tcp.mx.dns.test", DELIVER_DNS_TYPE_TLSA);
    uint8_t u = 9, sel = 9, mt = 9;
    const uint8_t *data = NULL;
    size_t dlen = 0;
    CHECK_INT(deliver_dns_record_get_tlsa(deliver_dns_lookup_get_record(l, 0), &u, &sel, &mt,
                                          &data, &dlen),
              DELIVER_OK);
    CHECK(u == 3 && sel == 1 && mt == 1 && dlen == 32);
    deliver_dns_lookup_free(l);
    l = run(ctx, "dns.test", DELIVER_DNS_TYPE_MX);
    for (size_t i = 0; i < deliver_dns_lookup_record_count(l); i++) {
        const deliver_dns_record *rr = deliver_dns_lookup_get_record(l, i);
        uint16_t pref = deliver_dns_record_get_preference(rr);
        CHECK(pref == 10 || pref == 20);
        CHECK_STR(deliver_dns_record_get_target(rr), pref == 10 ? "mx.dns.test" : "mx2.dns.test");
    }
    deliver_dns_lookup_free(l);
    deliver_ctx_free(ctx);
}

/* ---- CNAME chains ---- */

static void check_chain(deliver_dns_lookup *l, const char *const *targets, size_t n)
{
    CHECK_INT(deliver_dns_lookup_cname_count(l), n);
    for (size_t i = 0; i < n && i < deliver_dns_lookup_cname_count(l); i++) {
        CHECK_STR(deliver_dns_record_get_target(deliver_dns_lookup_get_cname(l, i)), targets[i]);
    }
}

static void test_cnames(void)
{
    deliver_ctx *ctx = new_ctx(relay_port, 3000, 1);
    CHECK_INT(deliver_ctx_set_dns_cache_size(ctx, 0), DELIVER_OK);

    /* in one zone: NSD gives the whole chain in one reply */
    uint64_t q = stat_(ctx, DELIVER_DNS_STAT_QUERIES);
    deliver_dns_lookup *l = run(ctx, "www.dns.test", DELIVER_DNS_TYPE_TXT);
    static const char *const www[] = {"web.dns.test", "host.dns.test"};
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_OK);
    check_chain(l, www, 2);
    CHECK_STR(deliver_dns_record_get_owner(deliver_dns_lookup_get_record(l, 0)), "host.dns.test");
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_QUERIES), q + 1);
    deliver_dns_lookup_free(l);

    /* into other.test, which another server holds: asked again */
    q = stat_(ctx, DELIVER_DNS_STAT_QUERIES);
    l = run(ctx, "out.dns.test", DELIVER_DNS_TYPE_TXT);
    static const char *const out[] = {"target.other.test"};
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_OK);
    check_chain(l, out, 1);
    CHECK_STR(deliver_dns_record_get_text(deliver_dns_lookup_get_record(l, 0)),
              "\"reached through a CNAME from dns.test\"");
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_QUERIES), q + 2);
    deliver_dns_lookup_free(l);

    /* out and back: three replies */
    q = stat_(ctx, DELIVER_DNS_STAT_QUERIES);
    l = run(ctx, "cross.dns.test", DELIVER_DNS_TYPE_TXT);
    static const char *const cross[] = {"hop.other.test", "back.dns.test"};
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_OK);
    check_chain(l, cross, 2);
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_QUERIES), q + 3);
    deliver_dns_lookup_free(l);

    /* a CNAME to a name that does not exist */
    l = run(ctx, "dangling.dns.test", DELIVER_DNS_TYPE_TXT);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_NXDOMAIN);
    CHECK_INT(deliver_dns_lookup_get_rcode(l), 3);
    CHECK_INT(deliver_dns_lookup_cname_count(l), 1);
    deliver_dns_lookup_free(l);

    /* loops: in one reply, to itself, and across two servers */
    static const char *const loops[] = {"loop-a.dns.test", "loop-b.dns.test", "self.dns.test",
                                        "xloop.dns.test", "xloop.other.test"};
    for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
        l = run(ctx, loops[i], DELIVER_DNS_TYPE_A);
        if (deliver_dns_lookup_get_outcome(l) != DELIVER_DNS_CNAME_LOOP) {
            fprintf(stderr, "%s: outcome %s\n", loops[i],
                    deliver_dns_outcome_name(deliver_dns_lookup_get_outcome(l)));
        }
        CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_CNAME_LOOP);
        CHECK(has_finding(l, "dns.cname_loop"));
        CHECK_INT(deliver_dns_lookup_record_count(l), 0);
        deliver_dns_lookup_free(l);
    }

    /* 8 hops is the default limit and is followed; 10 is too long */
    l = run(ctx, "c8-0.dns.test", DELIVER_DNS_TYPE_TXT);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_OK);
    CHECK_INT(deliver_dns_lookup_cname_count(l), 8);
    deliver_dns_lookup_free(l);
    l = run(ctx, "c10-0.dns.test", DELIVER_DNS_TYPE_TXT);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_CNAME_LOOP);
    CHECK(has_finding(l, "dns.cname_loop"));
    deliver_dns_lookup_free(l);
    CHECK_INT(deliver_ctx_set_dns_cname_limit(ctx, 10), DELIVER_OK);
    l = run(ctx, "c10-0.dns.test", DELIVER_DNS_TYPE_TXT);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_OK);
    CHECK_INT(deliver_dns_lookup_cname_count(l), 10);
    deliver_dns_lookup_free(l);
    CHECK_INT(deliver_ctx_set_dns_cname_limit(ctx, 7), DELIVER_OK);
    l = run(ctx, "c8-0.dns.test", DELIVER_DNS_TYPE_TXT);
    CHECK_INT(deliver_dns_lookup_get_outcome(l), DELIVER_DNS_CNAME_LOOP);
    deliver_dns_lookup_free(l);
    deliver_ctx_free(ctx);
}

/* ---- the cache ---- */

static void test_cache(void)
{
    deliver_ctx *ctx = new_ctx(relay_port, 3000, 1);
    static const struct {
        const char *name;
        deliver_dns_outcome oc;
        uint64_t queries; /* resolver questions the first lookup needs */
    } cases[] = {
        {"split.dns.test", DELIVER_DNS_OK, 1},
        {"missing.dns.test", DELIVER_DNS_NXDOMAIN, 1},
        {"nodata.dns.test", DELIVER_DNS_NODATA, 1},
        {"out.dns.test", DELIVER_DNS_OK, 2},
        {"cross.dns.test", DELIVER_DNS_OK, 3},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t q0 = stat_(ctx, DELIVER_DNS_STAT_QUERIES);
        uint64_t h0 = stat_(ctx, DELIVER_DNS_STAT_CACHE_HITS);
        uint64_t s0 = stat_(ctx, DELIVER_DNS_STAT_SENT);
        deliver_dns_lookup *a = run(ctx, cases[i].name, DELIVER_DNS_TYPE_TXT);
        CHECK_INT(deliver_dns_lookup_get_outcome(a), cases[i].oc);
        CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_QUERIES), q0 + cases[i].queries);
        CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_CACHE_HITS), h0);
        uint64_t s1 = stat_(ctx, DELIVER_DNS_STAT_SENT);
        CHECK(s1 >= s0 + cases[i].queries);
        deliver_dns_lookup *b = run(ctx, cases[i].name, DELIVER_DNS_TYPE_TXT);
        CHECK_INT(deliver_dns_lookup_get_outcome(b), cases[i].oc);
        CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_QUERIES), q0 + cases[i].queries);
        CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_CACHE_HITS), h0 + cases[i].queries);
        CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_SENT), s1);
        CHECK_INT(deliver_dns_lookup_record_count(b), deliver_dns_lookup_record_count(a));
        CHECK_INT(deliver_dns_lookup_cname_count(b), deliver_dns_lookup_cname_count(a));
        CHECK_INT(deliver_dns_lookup_get_rcode(b), deliver_dns_lookup_get_rcode(a));
        for (size_t k = 0; k < deliver_dns_lookup_record_count(a); k++) {
            const deliver_dns_record *ra = deliver_dns_lookup_get_record(a, k);
            const deliver_dns_record *rb = deliver_dns_lookup_get_record(b, k);
            CHECK_STR(deliver_dns_record_get_text(rb), deliver_dns_record_get_text(ra));
            CHECK(deliver_dns_record_get_ttl(rb) <= deliver_dns_record_get_ttl(ra));
            CHECK(deliver_dns_record_get_ttl(rb) + 2 >= deliver_dns_record_get_ttl(ra));
        }
        deliver_dns_lookup_free(a);
        deliver_dns_lookup_free(b);
    }
    /* another type of a cached name is another question */
    uint64_t q0 = stat_(ctx, DELIVER_DNS_STAT_QUERIES);
    deliver_dns_lookup *l = run(ctx, "nodata.dns.test", DELIVER_DNS_TYPE_A);
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_QUERIES), q0 + 1);
    deliver_dns_lookup_free(l);
    /* resizing empties the cache */
    CHECK_INT(deliver_ctx_set_dns_cache_size(ctx, 100), DELIVER_OK);
    l = run(ctx, "split.dns.test", DELIVER_DNS_TYPE_TXT);
    CHECK_INT(stat_(ctx, DELIVER_DNS_STAT_QUERIES), q0 + 2);
    deliver_dns_lookup_free(l);
    deliver_ctx_free(ctx);
}

/* ---- many lookups in flight through their sans-I/O cores ---- */

/* A query in wire format with EDNS0 (1232): returns its length. */
static size_t build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t type)
{
    size_t n = 0;
    uint8_t hdr[12] = {(uint8_t)(id >> 8), (uint8_t)id, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    memcpy(buf, hdr, 12);
    n = 12;
    const char *p = name;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len == 0 || len > 63 || n + len + 1 >= cap - 16) {
            return 0;
        }
        buf[n++] = (uint8_t)len;
        memcpy(buf + n, p, len);
        n += len;
        p += len + (dot ? 1 : 0);
    }
    buf[n++] = 0;
    uint8_t tail[15] = {(uint8_t)(type >> 8), (uint8_t)type, 0, 1, /* question */
                        0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0}; /* OPT: 1232, no options */
    memcpy(buf + n, tail, sizeof(tail));
    return n + sizeof(tail);
}

#define NFLIGHT 24

typedef struct flight {
    uint16_t dnsid; /* our DNS ID for the lookup's open question, 0: none sent */
    uint64_t qid;
} flight;

static void test_sans_io(void)
{
    static const char *const names[] = {
        "split.dns.test", "www.dns.test", "out.dns.test", "cross.dns.test",
        "missing.dns.test", "nodata.dns.test", "ent.dns.test", "a.wild.dns.test",
        "dangling.dns.test", "loop-a.dns.test", "xloop.dns.test", "c8-0.dns.test",
        "c10-0.dns.test", "esc.dns.test", "target.other.test", "hop.other.test",
        "ok.broken.test", "plain.relay.test", "wrongid.relay.test", "wrongq.relay.test",
        "dns.test", "badptr.relay.test", "1.delay.relay.test", "2.delay.relay.test",
    };
    _Static_assert(sizeof(names) / sizeof(names[0]) == NFLIGHT, "one name per lookup");
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    deliver_dns_lookup *l[NFLIGHT];
    flight fl[NFLIGHT];
    memset(fl, 0, sizeof(fl));
    for (size_t i = 0; i < NFLIGHT; i++) {
        CHECK_INT(deliver_dns_lookup_new(&l[i], ctx), DELIVER_OK);
        CHECK_INT(deliver_dns_lookup_start(l[i], names[i], DELIVER_DNS_TYPE_TXT), DELIVER_OK);
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)relay_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    uint16_t next_id = 0x1000;
    int rounds = 0, max_in_flight = 0;
    long long deadline = itest_now_ms() + 10000;
    for (;;) {
        /* send the open question of every lookup that has none out */
        size_t pending = 0;
        int in_flight = 0;
        for (size_t i = 0; i < NFLIGHT; i++) {
            deliver_status st = deliver_dns_lookup_step(l[i]);
            CHECK(st == DELIVER_OK || st == DELIVER_PENDING);
            if (st != DELIVER_PENDING) {
                continue;
            }
            pending++;
            CHECK_INT(deliver_dns_lookup_query_count(l[i]), 1);
            if (fl[i].dnsid == 0) {
                uint64_t qid;
                const char *qname;
                uint16_t qtype;
                CHECK_INT(deliver_dns_lookup_get_query(l[i], 0, &qid, &qname, &qtype),
                          DELIVER_OK);
                CHECK_INT(qtype, DELIVER_DNS_TYPE_TXT);
                uint8_t q[512];
                size_t qlen = build_query(q, sizeof(q), ++next_id, qname, qtype);
                CHECK(qlen > 0);
                CHECK(send(fd, q, qlen, 0) == (ssize_t)qlen);
                fl[i].dnsid = next_id;
                fl[i].qid = qid;
            }
            in_flight++;
        }
        if (in_flight > max_in_flight) {
            max_in_flight = in_flight;
        }
        if (pending == 0 || itest_now_ms() > deadline) {
            break;
        }
        rounds++;
        /* take the replies as they come (the relay answers in its own order) */
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, 2000) <= 0) {
            continue;
        }
        uint8_t buf[65536];
        ssize_t r;
        while ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
            if (r < 12) {
                continue;
            }
            uint16_t id = (uint16_t)(buf[0] << 8 | buf[1]);
            for (size_t i = 0; i < NFLIGHT; i++) {
                if (fl[i].dnsid != id || id == 0) {
                    continue;
                }
                /* the hostile relay's bad replies reach this too: a wrong question, a bad
                 * pointer, or an ID we never used; the library judges what it is given */
                deliver_status st =
                    deliver_dns_lookup_answer(l[i], fl[i].qid, DELIVER_DNS_OK, buf, (size_t)r);
                CHECK_INT(st, DELIVER_OK);
                fl[i].dnsid = 0;
                CHECK_INT(deliver_dns_lookup_answer(l[i], fl[i].qid, DELIVER_DNS_OK, buf,
                                                    (size_t)r),
                          deliver_dns_lookup_step(l[i]) == DELIVER_OK ? DELIVER_E_STATE
                                                                      : DELIVER_E_NOTFOUND);
            }
        }
    }
    close(fd);
    CHECK(max_in_flight >= NFLIGHT - 2);
    CHECK(rounds >= 3); /* cross.dns.test needs three replies */

    /* every result equals the blocking lookup's through the network resolver, except the
     * names where the relay's first, hostile reply was handed to the core on purpose */
    deliver_ctx *ref = new_ctx(relay_port, 3000, 1);
    for (size_t i = 0; i < NFLIGHT; i++) {
        CHECK_INT(deliver_dns_lookup_step(l[i]), DELIVER_OK);
        deliver_dns_lookup *b = run(ref, names[i], DELIVER_DNS_TYPE_TXT);
        deliver_dns_outcome oa = deliver_dns_lookup_get_outcome(l[i]);
        if (strstr(names[i], "wrongq") || strstr(names[i], "badptr")) {
            /* the core was handed the bad reply (its ID was the right one) */
            CHECK_INT(oa, DELIVER_DNS_ERROR);
            CHECK(has_finding(l[i], "dns.error"));
            deliver_dns_lookup_free(b);
            continue;
        }
        if (oa != deliver_dns_lookup_get_outcome(b)) {
            fprintf(stderr, "sans-I/O %s: %s, blocking: %s\n", names[i],
                    deliver_dns_outcome_name(oa),
                    deliver_dns_outcome_name(deliver_dns_lookup_get_outcome(b)));
        }
        CHECK_INT(oa, deliver_dns_lookup_get_outcome(b));
        CHECK_INT(deliver_dns_lookup_get_rcode(l[i]), deliver_dns_lookup_get_rcode(b));
        CHECK_INT(deliver_dns_lookup_cname_count(l[i]), deliver_dns_lookup_cname_count(b));
        CHECK_INT(deliver_dns_lookup_record_count(l[i]), deliver_dns_lookup_record_count(b));
        for (size_t k = 0; k < deliver_dns_lookup_record_count(b); k++) {
            CHECK_STR(deliver_dns_record_get_text(deliver_dns_lookup_get_record(l[i], k)),
                      deliver_dns_record_get_text(deliver_dns_lookup_get_record(b, k)));
        }
        for (size_t k = 0; k < deliver_dns_lookup_cname_count(b); k++) {
            CHECK_STR(deliver_dns_record_get_target(deliver_dns_lookup_get_cname(l[i], k)),
                      deliver_dns_record_get_target(deliver_dns_lookup_get_cname(b, k)));
        }
        deliver_dns_lookup_free(b);
    }
    deliver_ctx_free(ref);

    /* an outcome instead of bytes, and ids that are not open */
    deliver_dns_lookup *t = l[0];
    CHECK_INT(deliver_dns_lookup_start(t, "www.dns.test", DELIVER_DNS_TYPE_A), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_step(t), DELIVER_PENDING);
    uint64_t qid = 0;
    CHECK_INT(deliver_dns_lookup_get_query(t, 0, &qid, NULL, NULL), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_query(t, 1, &qid, NULL, NULL), DELIVER_E_INVALID);
    CHECK_INT(deliver_dns_lookup_answer(t, qid + 1000, DELIVER_DNS_TIMEOUT, NULL, 0),
              DELIVER_E_NOTFOUND);
    CHECK_INT(deliver_dns_lookup_answer(t, qid, DELIVER_DNS_OK, NULL, 0), DELIVER_E_INVALID);
    CHECK_INT(deliver_dns_lookup_answer(t, qid, DELIVER_DNS_TIMEOUT, NULL, 0), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_step(t), DELIVER_OK);
    CHECK_INT(deliver_dns_lookup_get_outcome(t), DELIVER_DNS_TIMEOUT);
    CHECK(has_finding(t, "dns.timeout"));

    for (size_t i = 0; i < NFLIGHT; i++) {
        deliver_dns_lookup_free(l[i]);
    }
    deliver_ctx_free(ctx);
}

int main(void)
{
    nsd_port = itest_env_port("DELIVER_TEST_NSD_PORT");
    relay_port = itest_env_port("DELIVER_TEST_RELAY_PORT");
    dead_port = itest_env_port("DELIVER_TEST_DEAD_PORT");
    if (!nsd_port || !relay_port || !dead_port) {
        return itest_skip("run under dnsharness.py (DELIVER_TEST_*_PORT not set)");
    }
    test_hostile();
    test_truncation();
    test_timeouts();
    test_outcomes();
    test_cnames();
    test_cache();
    test_sans_io();
    return itest_done("test-dns-net");
}

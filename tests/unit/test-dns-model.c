/*
 * Unit tests of the answer model: replies parsed from wire format, checked against the
 * question, CNAME chains inside a reply, negative TTLs, copies, and hostile bytes.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "check.h"
#include "dns/dns.h"
#include "dnswire.h"

static deliver_ctx *ctx;

static dlv_answer *parse(const char *qname, uint16_t qtype, int rcode, const char *const *ans,
                         const char *const *auth, int *bad)
{
    uint8_t *w = NULL;
    size_t n = 0;
    if (make_reply(qname, qtype, 0x1234, rcode, ans, auth, &w, &n) < 0) {
        fprintf(stderr, "bad test record\n");
        exit(99);
    }
    CHECK(dlv_reply_matches(w, n, 0x1234, qname, qtype));
    CHECK(!dlv_reply_matches(w, n, 0x1235, qname, qtype));
    CHECK(!dlv_reply_matches(w, n, 0x1234, "other.test", qtype));
    CHECK(!dlv_reply_matches(w, n, 0x1234, qname, (uint16_t)(qtype + 1)));
    dlv_answer *a = dlv_answer_from_wire(ctx, qname, qtype, w, n, bad);
    free(w);
    return a;
}

static const char *soa = "example.test. 600 IN SOA ns.example.test. h.example.test. 1 2 3 4 120";

static void test_basic(void)
{
    int bad;
    const char *a1[] = {"example.test. 300 IN A 192.0.2.1", "example.test. 200 IN A 192.0.2.2",
                        NULL};
    dlv_answer *a = parse("example.test", 1, 0, a1, NULL, &bad);
    CHECK(!bad);
    CHECK_INT(a->outcome, DELIVER_DNS_OK);
    CHECK_INT(a->nrr, 2);
    CHECK_INT(a->rcode, 0);
    CHECK_STR(deliver_dns_record_get_text(&a->rr[0]), "192.0.2.1");
    CHECK_STR(deliver_dns_record_get_owner(&a->rr[0]), "example.test");
    CHECK_INT(dlv_answer_min_ttl(a), 200);
    size_t len;
    const uint8_t *ad = deliver_dns_record_get_address(&a->rr[1], &len);
    CHECK(len == 4 && ad[3] == 2);
    dlv_answer *c = dlv_answer_copy(ctx, a, 50);
    CHECK(c && c->nrr == 2 && c->rr[0].ttl == 250 && c->rr[1].ttl == 150);
    CHECK_STR(deliver_dns_record_get_text(&c->rr[1]), "192.0.2.2");
    dlv_answer_free(c);
    c = dlv_answer_copy(ctx, a, 100000);
    CHECK(c && c->rr[0].ttl == 0);
    dlv_answer_free(c);
    dlv_answer_free(a);

    const char *a2[] = {"t.example.test. 60 IN TXT \"v=spf1 \" \"ip4:192.0.2.0/24\" \"\" \" -all\"",
                        NULL};
    a = parse("t.example.test", 16, 0, a2, NULL, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_OK);
    CHECK_INT(deliver_dns_record_txt_count(&a->rr[0]), 4);
    const uint8_t *j = deliver_dns_record_get_txt_joined(&a->rr[0], &len);
    CHECK(len == 28 && memcmp(j, "v=spf1 ip4:192.0.2.0/24 -all", len) == 0);
    const uint8_t *s2 = deliver_dns_record_get_txt(&a->rr[0], 2, &len);
    CHECK(s2 != NULL && len == 0);
    CHECK(deliver_dns_record_get_txt(&a->rr[0], 4, &len) == NULL);
    CHECK_STR(deliver_dns_record_get_text(&a->rr[0]),
              "\"v=spf1 \" \"ip4:192.0.2.0/24\" \"\" \" -all\"");
    dlv_answer_free(a);

    const char *a3[] = {"example.test. 60 IN MX 10 mx.example.test.", "example.test. 60 IN MX 0 .",
                        NULL};
    a = parse("example.test", 15, 0, a3, NULL, &bad);
    CHECK_INT(a->nrr, 2);
    CHECK_STR(deliver_dns_record_get_target(&a->rr[0]), "mx.example.test");
    CHECK_INT(deliver_dns_record_get_preference(&a->rr[0]), 10);
    CHECK_STR(deliver_dns_record_get_target(&a->rr[1]), "");
    CHECK_STR(deliver_dns_record_get_text(&a->rr[1]), "0 .");
    dlv_answer_free(a);

    const char *a4[] = {"_25._tcp.mx.example.test. 60 IN TLSA 3 1 1 "
                        "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
                        NULL};
    a = parse("_25._tcp.mx.example.test", 52, 0, a4, NULL, &bad);
    uint8_t u, sel, mt;
    const uint8_t *data;
    CHECK(deliver_dns_record_get_tlsa(&a->rr[0], &u, &sel, &mt, &data, &len) == DELIVER_OK);
    CHECK(u == 3 && sel == 1 && mt == 1 && len == 32 && data[31] == 0x20);
    CHECK(deliver_dns_record_get_tlsa(NULL, &u, &sel, &mt, &data, &len) == DELIVER_E_INVALID);
    dlv_answer_free(a);

    const char *a5[] = {"example.test. 60 IN SOA ns.example.test. h.example.test. 7 2 3 4 5",
                        NULL};
    a = parse("example.test", 6, 0, a5, NULL, &bad);
    CHECK_STR(deliver_dns_record_get_text(&a->rr[0]), "ns.example.test. h.example.test. 7 2 3 4 5");
    dlv_answer_free(a);
}

static void test_negative(void)
{
    int bad;
    const char *auth[] = {soa, NULL};
    dlv_answer *a = parse("nx.example.test", 1, 3, NULL, auth, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_NXDOMAIN);
    CHECK(a->has_neg_ttl && a->neg_ttl == 120);
    CHECK_INT(a->nrr, 0);
    dlv_answer_free(a);
    a = parse("example.test", 28, 0, NULL, auth, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_NODATA);
    CHECK(a->next_name == NULL);
    dlv_answer_free(a);
    a = parse("example.test", 28, 2, NULL, NULL, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_SERVFAIL);
    dlv_answer_free(a);
    a = parse("example.test", 28, 5, NULL, NULL, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_REFUSED);
    dlv_answer_free(a);
    a = parse("example.test", 28, 4, NULL, NULL, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_ERROR);
    dlv_answer_free(a);
    /* a referral: NS in authority, no SOA */
    const char *ref[] = {"sub.example.test. 60 IN NS ns.elsewhere.test.", NULL};
    a = parse("x.sub.example.test", 16, 0, NULL, ref, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_REFUSED);
    dlv_answer_free(a);
    /* records of other names or types are not an answer */
    const char *stray[] = {"other.test. 60 IN A 192.0.2.9", "example.test. 60 IN TXT \"x\"", NULL};
    a = parse("example.test", 1, 0, stray, auth, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_NODATA);
    dlv_answer_free(a);
}

static void test_cname(void)
{
    int bad;
    const char *chain[] = {"www.example.test. 60 IN CNAME web.example.test.",
                           "web.example.test. 30 IN CNAME host.example.test.",
                           "host.example.test. 90 IN A 192.0.2.7", NULL};
    dlv_answer *a = parse("www.example.test", 1, 0, chain, NULL, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_OK);
    CHECK_INT(a->ncname, 2);
    CHECK_INT(a->nrr, 1);
    CHECK_STR(a->cname[1].target, "host.example.test");
    CHECK_STR(a->rr[0].owner, "host.example.test");
    CHECK_INT(dlv_answer_min_ttl(a), 30);
    dlv_answer_free(a);

    /* the chain leaves the reply: ask the next name */
    const char *out[] = {"www.example.test. 60 IN CNAME host.other.test.", NULL};
    a = parse("www.example.test", 1, 0, out, NULL, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_NODATA);
    CHECK_STR(a->next_name, "host.other.test");
    dlv_answer_free(a);

    /* NODATA at the end of an in-zone chain: the SOA covers the target */
    const char *auth[] = {soa, NULL};
    a = parse("www.example.test", 1, 0, out, auth, &bad);
    CHECK_STR(a->next_name, "host.other.test"); /* SOA of example.test does not cover it */
    dlv_answer_free(a);
    const char *in[] = {"www.example.test. 60 IN CNAME host.example.test.", NULL};
    a = parse("www.example.test", 1, 0, in, auth, &bad);
    CHECK(a->next_name == NULL);
    CHECK_INT(a->outcome, DELIVER_DNS_NODATA);
    dlv_answer_free(a);
    a = parse("www.example.test", 1, 3, in, auth, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_NXDOMAIN);
    CHECK(a->next_name == NULL);
    dlv_answer_free(a);

    const char *loop[] = {"a.example.test. 60 IN CNAME b.example.test.",
                          "b.example.test. 60 IN CNAME a.example.test.", NULL};
    a = parse("a.example.test", 1, 0, loop, NULL, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_CNAME_LOOP);
    dlv_answer_free(a);
    const char *loop2[] = {"a.example.test. 60 IN CNAME b.example.test.",
                           "b.example.test. 60 IN CNAME c.example.test.",
                           "c.example.test. 60 IN CNAME b.example.test.", NULL};
    a = parse("a.example.test", 1, 0, loop2, NULL, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_CNAME_LOOP);
    dlv_answer_free(a);
    /* asking for the CNAME itself does not follow it */
    a = parse("a.example.test", 5, 0, loop, NULL, &bad);
    CHECK_INT(a->outcome, DELIVER_DNS_OK);
    CHECK_INT(a->nrr, 1);
    CHECK_INT(a->ncname, 0);
    dlv_answer_free(a);
}

static void test_hostile(void)
{
    uint8_t *w = NULL;
    size_t n = 0;
    const char *txt[] = {"example.test. 60 IN TXT \"hello\" \"world\"",
                         "example.test. 60 IN TXT \"again\"", NULL};
    CHECK(make_reply("example.test", 16, 7, 0, txt, NULL, &w, &n) == 0);
    /* every truncation of a valid reply: no crash, never a wrong success */
    for (size_t k = 0; k < n; k++) {
        int bad = 0;
        dlv_answer *a = dlv_answer_from_wire(ctx, "example.test", 16, w, k, &bad);
        CHECK(a != NULL);
        if (a && a->outcome == DELIVER_DNS_OK) {
            CHECK(a->nrr <= 2);
        }
        dlv_answer_free(a);
    }
    /* every single-byte corruption */
    uint8_t *m = malloc(n);
    for (size_t k = 0; k < n; k++) {
        for (int v = 0; v < 256; v += 51) {
            memcpy(m, w, n);
            m[k] = (uint8_t)v;
            dlv_answer *a = dlv_answer_from_wire(ctx, "example.test", 16, m, n, NULL);
            CHECK(a != NULL);
            dlv_answer_free(a);
        }
    }
    free(m);
    free(w);
    /* a compression pointer that points at itself, in the answer section */
    uint8_t loop[] = {0x00, 0x07, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
                      1, 'a', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
                      0xc0, 24, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    int bad = 0;
    dlv_answer *a = dlv_answer_from_wire(ctx, "a.test", 1, loop, sizeof(loop), &bad);
    CHECK(a && bad && a->outcome == DELIVER_DNS_ERROR);
    dlv_answer_free(a);
    /* a compressed question is refused before ldns sees it */
    uint8_t cq[] = {0x00, 0x07, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
    CHECK(!dlv_reply_matches(cq, sizeof(cq), 7, "a.test", 1));
    /* a query (QR clear) is not a reply */
    uint8_t *q = NULL;
    size_t qn = 0;
    CHECK(dlv_query_wire(ctx, "a.test", 1, 9, &q, &qn) == DELIVER_OK);
    CHECK(!dlv_reply_matches(q, qn, 9, "a.test", 1));
    q[2] |= 0x80;
    CHECK(dlv_reply_matches(q, qn, 9, "a.test", 1));
    dlv_free(ctx, q);
    /* random bytes */
    srand(1);
    uint8_t r[512];
    for (int i = 0; i < 2000; i++) {
        size_t len = (size_t)(rand() % (int)sizeof(r));
        for (size_t k = 0; k < len; k++) {
            r[k] = (uint8_t)rand();
        }
        if (len > 12) {
            r[2] |= 0x80;
            r[4] = 0;
            r[5] = 1;
        }
        a = dlv_answer_from_wire(ctx, "a.test", 1, r, len, NULL);
        CHECK(a != NULL);
        dlv_answer_free(a);
    }
    char name[DLV_DNS_NAME_BUF];
    uint8_t weird[] = {3, 'a', '.', 0xff, 2, 'B', 'c', 0};
    CHECK(dlv_dname_to_str(weird, sizeof(weird), name, sizeof(name)) == 0);
    CHECK_STR(name, "a\\046\\255.bc");
    uint8_t over[] = {70, 'a'};
    CHECK(dlv_dname_to_str(over, sizeof(over), name, sizeof(name)) < 0);
}

static void test_names(void)
{
    char buf[16];
    uint16_t t;
    CHECK_STR(deliver_dns_type_name(16, buf, sizeof(buf)), "TXT");
    CHECK_STR(deliver_dns_type_name(65280, buf, sizeof(buf)), "TYPE65280");
    CHECK(deliver_dns_type_name(1, buf, 4) == NULL);
    CHECK(deliver_dns_type_from_name("mx", &t) == DELIVER_OK && t == 15);
    CHECK(deliver_dns_type_from_name("TYPE99", &t) == DELIVER_OK && t == 99);
    CHECK(deliver_dns_type_from_name("TYPE65536", &t) == DELIVER_E_INVALID);
    CHECK(deliver_dns_type_from_name("TYPE", &t) == DELIVER_E_INVALID);
    CHECK(deliver_dns_type_from_name("TYPE1x", &t) == DELIVER_E_INVALID);
    CHECK(deliver_dns_type_from_name("bogus", &t) == DELIVER_E_INVALID);
    CHECK_STR(deliver_dns_outcome_name(DELIVER_DNS_NXDOMAIN), "nxdomain");
    CHECK_STR(deliver_dns_outcome_name((deliver_dns_outcome)99), "unknown");
    dlv_answer *a = NULL;
    CHECK(dlv_answer_from_input(ctx, "a.test", 1, DELIVER_DNS_OK, NULL, 0, &a) == DELIVER_E_INVALID);
    CHECK(dlv_answer_from_input(ctx, "a.test", 1, (deliver_dns_outcome)42, NULL, 0, &a) ==
          DELIVER_E_INVALID);
    CHECK(dlv_answer_from_input(ctx, "a.test", 1, DELIVER_DNS_TIMEOUT, NULL, 0, &a) == DELIVER_OK);
    CHECK(a && a->outcome == DELIVER_DNS_TIMEOUT && a->rcode == -1);
    dlv_answer_free(a);
}

int main(void)
{
    deliver_ctx_new(&ctx);
    test_basic();
    test_negative();
    test_cname();
    test_hostile();
    test_names();
    deliver_ctx_free(ctx);
    return check_done("dns-model");
}

/*
 * Unit tests of DMARC: the record parser (defaults, fallback, errors with offsets, URI lists)
 * and the sans-I/O evaluation core with canned answers (no server): questions asked
 * together, the tree walk's bound, hostile and failing answers, fault injection; DKIM results
 * taken from a deliver_dkim_verify handle.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dmarc/dmarc_int.h"

#include "check.h"
#include "dnswire.h"
#include "failalloc.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

static deliver_dmarc_record *parse(deliver_ctx *ctx, deliver_dmarc_mode mode, const char *s)
{
    deliver_dmarc_record *r = NULL;
    if (deliver_dmarc_record_new(&r, ctx) < 0) {
        return NULL;
    }
    deliver_dmarc_record_set_mode(r, mode);
    deliver_dmarc_record_set_domain(r, "example.com");
    if (deliver_dmarc_record_parse(r, (const uint8_t *)s, strlen(s)) < 0) {
        deliver_dmarc_record_free(r);
        return NULL;
    }
    return r;
}

static int has_finding(const deliver_dmarc_record *r, const char *id)
{
    for (size_t i = 0; i < deliver_dmarc_record_finding_count(r); i++) {
        if (strcmp(deliver_finding_id(deliver_dmarc_record_get_finding(r, i)), id) == 0) {
            return 1;
        }
    }
    return 0;
}

static void test_records(deliver_ctx *ctx)
{
    deliver_dmarc_record *r = parse(ctx, DELIVER_DMARC_RFC9989, "v=DMARC1; p=reject");
    CHECK(r != NULL);
    CHECK(deliver_dmarc_record_is_valid(r));
    CHECK_INT(deliver_dmarc_record_get_nonexistent_policy(r), DELIVER_DMARC_POLICY_REJECT);
    CHECK(has_finding(r, "dmarc.no_rua"));
    deliver_dmarc_record_free(r);

    r = parse(ctx, DELIVER_DMARC_RFC7489, "v=DMARC1; p=none; p=reject");
    CHECK_INT(deliver_dmarc_record_get_error(r), DELIVER_DMARC_RECORD_DUPLICATE_TAG);
    CHECK_INT(deliver_dmarc_record_get_error_offset(r), 18);
    CHECK(has_finding(r, "dmarc.duplicate_tag"));
    deliver_dmarc_record_free(r);

    r = parse(ctx, DELIVER_DMARC_RFC7489, "v=DMARC1; p=rej");
    CHECK_INT(deliver_dmarc_record_get_error(r), DELIVER_DMARC_RECORD_NO_POLICY);
    CHECK_INT(deliver_dmarc_record_get_error_offset(r), 12);
    deliver_dmarc_record_free(r);

    r = parse(ctx, DELIVER_DMARC_RFC7489,
              "v=DMARC1; p=none; pct=20; rua=mailto:a@example.net!1t,mailto:b@x!99999999999999999t");
    CHECK(deliver_dmarc_record_is_valid(r));
    CHECK_INT(deliver_dmarc_record_uri_count(r, DELIVER_DMARC_RUA), 1);
    CHECK(deliver_dmarc_record_get_uri_max_bytes(r, DELIVER_DMARC_RUA, 0) == (1ull << 40));
    CHECK_INT(deliver_dmarc_record_invalid_uri_count(r), 1);
    CHECK(has_finding(r, "dmarc.pct_partial"));
    CHECK(has_finding(r, "dmarc.external_report_destination"));
    deliver_dmarc_record_free(r);

    r = parse(ctx, DELIVER_DMARC_RFC9989, "v=DMARC1; p=reject; sp=none; np=quarantine; t=y");
    CHECK(has_finding(r, "dmarc.subdomain_policy_weaker"));
    CHECK(has_finding(r, "dmarc.nonexistent_policy_weaker"));
    CHECK(has_finding(r, "dmarc.test_mode"));
    CHECK(deliver_dmarc_record_has_tag(r, "NP"));
    deliver_dmarc_record_free(r);

    r = parse(ctx, DELIVER_DMARC_RFC9989, "v=dmarc1; p=reject");
    CHECK_INT(deliver_dmarc_record_get_error(r), DELIVER_DMARC_RECORD_NOT_DMARC);
    CHECK(has_finding(r, "dmarc.version_case"));
    deliver_dmarc_record_free(r);

    /* rrsets */
    deliver_dmarc_record_new(&r, ctx);
    const uint8_t *bufs[2] = {(const uint8_t *)"v=DMARC1; p=none", (const uint8_t *)"v=DMARC1"};
    size_t lens[2] = {16, 8};
    CHECK_INT(deliver_dmarc_record_parse_rrset(r, 2, bufs, lens), DELIVER_OK);
    CHECK_INT(deliver_dmarc_record_get_error(r), DELIVER_DMARC_RECORD_MULTIPLE_RECORDS);
    CHECK_INT(deliver_dmarc_record_dmarc_count(r), 2);
    /* not NUL-terminated input, binary junk */
    uint8_t junk[] = {'v', '=', 'D', 'M', 'A', 'R', 'C', '1', ';', 0, 0xff, '=', ';'};
    CHECK_INT(deliver_dmarc_record_parse(r, junk, sizeof junk), DELIVER_OK);
    CHECK_INT(deliver_dmarc_record_parse(r, NULL, 1), DELIVER_E_INVALID);
    deliver_dmarc_record_free(r);
}

typedef struct canned {
    const char *qname;
    const char *rr; /* NULL: NXDOMAIN; "SERVFAIL": that outcome */
} canned;

/* Run a started evaluation against canned answers; returns the questions asked in the
 * first round through *first and the total through *total. */
static deliver_status drive(deliver_dmarc *h, const canned *c, size_t nc, size_t *first,
                            size_t *total)
{
    deliver_status st;
    size_t round = 0;
    *total = 0;
    while ((st = deliver_dmarc_step(h)) == DELIVER_PENDING) {
        size_t n = deliver_dmarc_query_count(h);
        if (round++ == 0 && first) {
            *first = n;
        }
        *total += n;
        while (deliver_dmarc_query_count(h) > 0) {
            uint64_t id;
            const char *qname;
            uint16_t qtype;
            if (deliver_dmarc_get_query(h, 0, &id, &qname, &qtype) < 0) {
                return DELIVER_E_STATE;
            }
            const canned *hit = NULL;
            for (size_t i = 0; i < nc && !hit; i++) {
                if (strcmp(c[i].qname, qname) == 0) {
                    hit = &c[i];
                }
            }
            if (hit && hit->rr && strcmp(hit->rr, "SERVFAIL") == 0) {
                st = deliver_dmarc_answer(h, id, DELIVER_DNS_SERVFAIL, NULL, 0);
            } else {
                uint8_t *wire = NULL;
                size_t len = 0;
                const char *ans[] = {hit ? hit->rr : NULL, NULL};
                int exists = hit && hit->rr && qtype == DELIVER_DNS_TYPE_TXT;
                const char *soa[] = {". 300 IN SOA ns.test. h.test. 1 2 3 4 300", NULL};
                if (make_reply(qname, qtype, 0, exists || (hit && qtype != DELIVER_DNS_TYPE_TXT) ? 0 : 3,
                               exists ? ans : NULL, exists ? NULL : soa, &wire, &len) < 0) {
                    return DELIVER_E_INVALID;
                }
                st = deliver_dmarc_answer(h, id, DELIVER_DNS_ERROR, wire, len);
                free(wire);
            }
            if (st < 0) {
                return st;
            }
        }
    }
    return st;
}

static const canned zone[] = {
    {"_dmarc.example.com", "_dmarc.example.com. 300 IN TXT \"v=DMARC1; p=reject; rua=mailto:r@example.com\""},
    {"mail.example.com", "mail.example.com. 300 IN A 192.0.2.1"},
    {"_dmarc.broken.example", "SERVFAIL"},
};

static void test_core(deliver_ctx *ctx)
{
    deliver_dmarc *h = NULL;
    CHECK_INT(deliver_dmarc_new(&h, ctx), DELIVER_OK);
    CHECK_INT(deliver_dmarc_add_from_domain(h, "mail.example.com"), DELIVER_OK);
    CHECK_INT(deliver_dmarc_set_spf(h, DELIVER_SPF_PASS, "bounce.example.com"), DELIVER_OK);
    CHECK_INT(deliver_dmarc_add_dkim(h, "pass", "example.net", "s"), DELIVER_OK);
    CHECK_INT(deliver_dmarc_add_dkim(h, "bogus", "example.net", NULL), DELIVER_E_INVALID);
    CHECK_INT(deliver_dmarc_step(h), DELIVER_E_STATE);
    CHECK_INT(deliver_dmarc_start(h, NULL), DELIVER_OK);
    size_t first = 0, total = 0;
    CHECK_INT(drive(h, zone, DLV_ARRAY_LEN(zone), &first, &total), DELIVER_OK);
    /* the author's walk and the SPF domain's walk start together; no existence question
     * (the record has no np) */
    CHECK_INT(first, 2);
    CHECK_INT(deliver_dmarc_lookup_count(h), 4);
    CHECK_INT(deliver_dmarc_get_result(h), DELIVER_DMARC_PASS);
    CHECK_INT(deliver_dmarc_get_spf_aligned(h), 1);
    CHECK_INT(deliver_dmarc_get_dkim_aligned(h), 0);
    CHECK_STR(deliver_dmarc_get_policy_tag(h), "p");
    CHECK(strstr(deliver_dmarc_get_authentication_results(h), "dmarc=pass") != NULL);

    /* a DNS failure during the walk: temperror, no org domain */
    deliver_dmarc_reset(h);
    deliver_dmarc_add_from_domain(h, "broken.example");
    CHECK_INT(deliver_dmarc_start(h, NULL), DELIVER_OK);
    CHECK_INT(drive(h, zone, DLV_ARRAY_LEN(zone), &first, &total), DELIVER_OK);
    CHECK_INT(deliver_dmarc_get_result(h), DELIVER_DMARC_TEMPERROR);
    CHECK(deliver_dmarc_get_org_domain(h) == NULL);
    /* a failure above the author's name ends the walk with what it found */
    deliver_dmarc_reset(h);
    deliver_dmarc_add_from_domain(h, "a.broken.example");
    CHECK_INT(deliver_dmarc_start(h, NULL), DELIVER_OK);
    CHECK_INT(drive(h, zone, DLV_ARRAY_LEN(zone), &first, &total), DELIVER_OK);
    CHECK_INT(deliver_dmarc_get_result(h), DELIVER_DMARC_NONE);
    CHECK_STR(deliver_dmarc_get_org_domain(h), "a.broken.example");
    CHECK_STR(deliver_finding_id(deliver_dmarc_get_finding(h, 0)), "dmarc.walk_incomplete");

    /* a long name: at most 8 _dmarc questions */
    deliver_dmarc_reset(h);
    deliver_dmarc_add_from_domain(h, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.example.com");
    CHECK_INT(deliver_dmarc_start(h, NULL), DELIVER_OK);
    CHECK_INT(drive(h, zone, DLV_ARRAY_LEN(zone), &first, &total), DELIVER_OK);
    size_t walkq = 0;
    for (size_t i = 0; i < deliver_dmarc_lookup_count(h); i++) {
        walkq += strncmp(deliver_dmarc_get_lookup(h, i), "_dmarc.", 7) == 0;
    }
    CHECK_INT(walkq, 8);
    CHECK_STR(deliver_dmarc_get_policy_domain(h), "example.com");
    CHECK_STR(deliver_dmarc_get_policy_tag(h), "p"); /* no np or sp in the record */

    /* answers to unknown ids, and in the wrong state */
    CHECK_INT(deliver_dmarc_answer(h, 999, DELIVER_DNS_TIMEOUT, NULL, 0), DELIVER_E_STATE);
    deliver_dmarc_reset(h);
    deliver_dmarc_add_from_domain(h, "example.com");
    CHECK_INT(deliver_dmarc_start(h, NULL), DELIVER_OK);
    CHECK_INT(deliver_dmarc_step(h), DELIVER_PENDING);
    CHECK(deliver_dmarc_answer(h, 999, DELIVER_DNS_TIMEOUT, NULL, 0) < 0);
    /* garbage wire bytes count as an error answer, not a crash */
    uint64_t id;
    const char *qn;
    uint16_t qt;
    for (size_t i = 0; i < deliver_dmarc_query_count(h); i++) {
        CHECK_INT(deliver_dmarc_get_query(h, i, &id, &qn, &qt), DELIVER_OK);
        if (qt == DELIVER_DNS_TYPE_TXT) {
            break;
        }
    }
    uint8_t junk[20] = {0};
    CHECK_INT(deliver_dmarc_answer(h, id, DELIVER_DNS_OK, junk, sizeof junk), DELIVER_OK);
    CHECK_INT(drive(h, zone, DLV_ARRAY_LEN(zone), &first, &total), DELIVER_OK);
    CHECK_INT(deliver_dmarc_get_result(h), DELIVER_DMARC_TEMPERROR);

    /* several From domains */
    deliver_dmarc_reset(h);
    const char *hdr = "a@example.com, b@example.net";
    CHECK_INT(deliver_dmarc_set_from_header(h, (const uint8_t *)hdr, strlen(hdr)), DELIVER_OK);
    CHECK_INT(deliver_dmarc_evaluate(h), DELIVER_OK);
    CHECK_INT(deliver_dmarc_get_result(h), DELIVER_DMARC_PERMERROR);
    deliver_dmarc_free(h);
}

static uint32_t fixed_random(void *ud)
{
    return *(uint32_t *)ud;
}

static const canned zone2[] = {
    {"_dmarc.example.net", "_dmarc.example.net. 300 IN TXT \"v=DMARC1; p=reject; pct=30; t=y\""},
    {"_dmarc.example.org", "_dmarc.example.org. 300 IN TXT \"v=DMARC1; p=reject; sp=none; np=quarantine\""},
    {"mail.example.org", "mail.example.org. 300 IN A 192.0.2.1"},
};

static void test_policy(deliver_ctx *ctx)
{
    deliver_dmarc *h = NULL;
    CHECK_INT(deliver_dmarc_new(&h, ctx), DELIVER_OK);
    size_t first, total;
    /* RFC 7489: pct sampling by the caller's random source; t is unknown */
    uint32_t rnd = 50;
    CHECK_INT(deliver_dmarc_set_mode(h, DELIVER_DMARC_RFC7489), DELIVER_OK);
    CHECK_INT(deliver_dmarc_set_random(h, fixed_random, &rnd), DELIVER_OK);
    deliver_dmarc_add_from_domain(h, "mail.example.net");
    CHECK_INT(deliver_dmarc_start(h, NULL), DELIVER_OK);
    CHECK_INT(drive(h, zone2, DLV_ARRAY_LEN(zone2), &first, &total), DELIVER_OK);
    CHECK_INT(first, 2); /* the author's record and the PSL organizational domain's, together */
    CHECK_INT(deliver_dmarc_get_result(h), DELIVER_DMARC_FAIL);
    CHECK_INT(deliver_dmarc_get_pct(h), 30);
    CHECK_INT(deliver_dmarc_is_unsampled(h), 1);
    CHECK_INT(deliver_dmarc_get_disposition(h), DELIVER_DMARC_POLICY_QUARANTINE);
    rnd = 129; /* 129 % 100 = 29 < 30: sampled */
    CHECK_INT(deliver_dmarc_start(h, NULL), DELIVER_OK);
    CHECK_INT(drive(h, zone2, DLV_ARRAY_LEN(zone2), &first, &total), DELIVER_OK);
    CHECK_INT(deliver_dmarc_get_disposition(h), DELIVER_DMARC_POLICY_REJECT);
    CHECK_INT(deliver_dmarc_is_test_mode(h), 0);
    char org[64], suffix[64];
    CHECK_INT(deliver_dmarc_psl_org_domain(h, "a.b.example.co.uk", org, sizeof org, suffix,
                                           sizeof suffix), DELIVER_OK);
    CHECK_STR(org, "example.co.uk");
    CHECK_STR(suffix, "co.uk");
    CHECK_INT(deliver_dmarc_psl_org_domain(h, "co.uk", org, sizeof org, NULL, 0),
              DELIVER_E_NOTFOUND);
    CHECK_INT(deliver_dmarc_psl_org_domain(h, "a.b.example.co.uk", org, 4, NULL, 0),
              DELIVER_E_LIMIT);

    /* RFC 9989: t=y lowers the policy; pct is ignored */
    deliver_dmarc_set_mode(h, DELIVER_DMARC_RFC9989);
    CHECK_INT(deliver_dmarc_start(h, NULL), DELIVER_OK);
    CHECK_INT(drive(h, zone2, DLV_ARRAY_LEN(zone2), &first, &total), DELIVER_OK);
    CHECK_INT(deliver_dmarc_is_test_mode(h), 1);
    CHECK_INT(deliver_dmarc_get_disposition(h), DELIVER_DMARC_POLICY_QUARANTINE);
    CHECK_STR(deliver_dmarc_get_policy_tag(h), "p");

    /* np: the existence question goes out once the record shows np */
    deliver_dmarc_reset(h);
    deliver_dmarc_add_from_domain(h, "ghost.example.org");
    CHECK_INT(deliver_dmarc_start(h, NULL), DELIVER_OK);
    CHECK_INT(drive(h, zone2, DLV_ARRAY_LEN(zone2), &first, &total), DELIVER_OK);
    CHECK_STR(deliver_dmarc_get_policy_tag(h), "np");
    CHECK_INT(deliver_dmarc_get_disposition(h), DELIVER_DMARC_POLICY_QUARANTINE);
    deliver_dmarc_reset(h);
    deliver_dmarc_add_from_domain(h, "mail.example.org");
    deliver_dmarc_set_authserv_id(h, "mx.example");
    CHECK_INT(deliver_dmarc_set_authserv_id(h, "bad id"), DELIVER_E_INVALID);
    CHECK_INT(deliver_dmarc_start(h, NULL), DELIVER_OK);
    CHECK_INT(drive(h, zone2, DLV_ARRAY_LEN(zone2), &first, &total), DELIVER_OK);
    CHECK_STR(deliver_dmarc_get_policy_tag(h), "sp");
    CHECK_STR(deliver_dmarc_get_authentication_results(h),
              "Authentication-Results: mx.example; dkim=none; dmarc=fail (p=none dis=none) "
              "header.from=mail.example.org policy.dmarc=none polrec.p=reject "
              "polrec.domain=example.org");
    deliver_dmarc_free(h);
}

static void test_failalloc(void)
{
    for (long n = 1; n < 400; n++) {
        failing f = {0, n, 0};
        deliver_ctx *ctx = NULL;
        if (deliver_ctx_new_with_allocator(&ctx, f_alloc, f_realloc, f_free, &f) < 0) {
            CHECK_INT(f.live, 0);
            continue;
        }
        deliver_dmarc *h = NULL;
        deliver_dmarc_record *r = NULL;
        const char *txt = "v=DMARC1; p=reject; rua=mailto:a@example.net,mailto:b@example.com; x=1";
        if (deliver_dmarc_record_new(&r, ctx) == DELIVER_OK) {
            deliver_dmarc_record_set_domain(r, "example.com");
            deliver_status st = deliver_dmarc_record_parse(r, (const uint8_t *)txt, strlen(txt));
            CHECK(st == DELIVER_OK || st == DELIVER_E_NOMEM);
            deliver_dmarc_record_free(r);
        }
        if (deliver_dmarc_new(&h, ctx) == DELIVER_OK) {
            size_t first, total;
            if (deliver_dmarc_add_from_domain(h, "mail.example.com") == DELIVER_OK &&
                deliver_dmarc_set_spf(h, DELIVER_SPF_PASS, "bounce.example.com") == DELIVER_OK &&
                deliver_dmarc_start(h, NULL) == DELIVER_OK) {
                deliver_status st = drive(h, zone, DLV_ARRAY_LEN(zone), &first, &total);
                CHECK(st == DELIVER_OK || st == DELIVER_E_NOMEM);
            }
            deliver_dmarc_free(h);
        }
        deliver_ctx_free(ctx);
        CHECK_INT(f.live, 0);
    }
}

/* A verifier run over msg (NULL on failure). */
static deliver_dkim_verify *verified(deliver_ctx *ctx, const char *msg)
{
    deliver_dkim_verify *v = NULL;
    if (deliver_dkim_verify_new(&v, ctx) < 0) {
        return NULL;
    }
    if (deliver_dkim_verify_message(v, (const uint8_t *)msg, strlen(msg)) < 0) {
        deliver_dkim_verify_free(v);
        return NULL;
    }
    return v;
}

/* deliver_dmarc_add_dkim_handle(): DKIM results taken from a verifier (an Ed25519 key made
 * here, served with the DMARC record by the zone-file resolver). */
static void test_dkim_handle(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    CHECK(k != NULL);
    if (!k) {
        return;
    }
    char pem[1024] = "", pub[128] = "", zone[2048], msg[4096];
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    int n = BIO_read(b, pem, (int)sizeof pem - 1);
    pem[n > 0 ? n : 0] = '\0';
    BIO_free(b);
    uint8_t raw[32];
    size_t rl = sizeof raw;
    EVP_PKEY_get_raw_public_key(k, raw, &rl);
    EVP_EncodeBlock((unsigned char *)pub, raw, (int)rl);
    EVP_PKEY_free(k);

    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    snprintf(zone, sizeof zone,
             "$TTL 300\n"
             "test. IN SOA ns.invalid. h.invalid. 1 3600 600 86400 300\n"
             "example.test. IN SOA ns.invalid. h.invalid. 1 3600 600 86400 300\n"
             "_dmarc.example.test. IN TXT \"v=DMARC1; p=reject\"\n"
             "sel._domainkey.example.test. IN TXT \"v=DKIM1; k=ed25519; p=%s\"\n", pub);
    CHECK_INT(deliver_ctx_add_zone_text(ctx, zone, strlen(zone), NULL), DELIVER_OK);
    static const char message[] = "From: Alice <alice@example.test>\r\n"
                                  "To: bob@example.org\r\n"
                                  "Subject: handle\r\n"
                                  "\r\n"
                                  "The body.\r\n";
    deliver_dkim_sign *s = NULL;
    CHECK_INT(deliver_dkim_sign_new(&s, ctx), DELIVER_OK);
    CHECK_INT(deliver_dkim_sign_set_key(s, (const uint8_t *)pem, strlen(pem)), DELIVER_OK);
    CHECK_INT(deliver_dkim_sign_set_domain(s, "example.test", "sel"), DELIVER_OK);
    CHECK_INT(deliver_dkim_sign_message(s, (const uint8_t *)message, strlen(message)),
              DELIVER_OK);
    /* a second signature by another domain, below the first (its body hash does not match) */
    snprintf(msg, sizeof msg, "%s\r\nDKIM-Signature: v=1; a=ed25519-sha256; d=other.test; "
             "s=none; h=from; bh=AAAA; b=AAAA\r\n%s", deliver_dkim_sign_get_signature(s),
             message);
    deliver_dkim_sign_free(s);

    deliver_dmarc *h = NULL;
    CHECK_INT(deliver_dmarc_new(&h, ctx), DELIVER_OK);
    deliver_dkim_verify *v = NULL;
    CHECK_INT(deliver_dkim_verify_new(&v, ctx), DELIVER_OK);
    /* misuse; a verifier that has not run */
    CHECK_INT(deliver_dmarc_add_dkim_handle(NULL, v), DELIVER_E_INVALID);
    CHECK_INT(deliver_dmarc_add_dkim_handle(h, NULL), DELIVER_E_INVALID);
    CHECK_INT(deliver_dmarc_add_dkim_handle(h, v), DELIVER_E_STATE);
    CHECK(*deliver_dmarc_errmsg(h) != '\0');
    deliver_dkim_verify_free(v);

    /* both signatures, in message order, with their results, d= and s= */
    v = verified(ctx, msg);
    CHECK(v != NULL);
    CHECK_INT(deliver_dkim_verify_signature_count(v), 2);
    CHECK_INT(deliver_dmarc_add_from_domain(h, "example.test"), DELIVER_OK);
    CHECK_INT(deliver_dmarc_add_dkim_handle(h, v), DELIVER_OK);
    deliver_dkim_verify_free(v); /* the DMARC handle keeps copies */
    CHECK_INT(deliver_dmarc_evaluate(h), DELIVER_OK);
    CHECK_INT(deliver_dmarc_get_result(h), DELIVER_DMARC_PASS);
    CHECK_INT(deliver_dmarc_get_dkim_aligned(h), 1);
    CHECK_INT(deliver_dmarc_get_spf_aligned(h), 0);
    CHECK_STR(deliver_dmarc_get_authentication_results(h),
              "Authentication-Results: localhost; dkim=pass header.d=example.test header.s=sel; "
              "dkim=fail header.d=other.test header.s=none; dmarc=pass (p=reject "
              "dis=none) header.from=example.test policy.dmarc=none polrec.p=reject");

    /* an altered body: dkim=fail, the policy's disposition */
    deliver_dmarc_reset(h);
    char bad[4096];
    snprintf(bad, sizeof bad, "%s", msg);
    char *w = strstr(bad, "The body.");
    CHECK(w != NULL);
    if (w) {
        w[4] = 'B';
    }
    v = verified(ctx, bad);
    CHECK(v != NULL);
    CHECK_INT(deliver_dmarc_add_from_domain(h, "example.test"), DELIVER_OK);
    CHECK_INT(deliver_dmarc_add_dkim_handle(h, v), DELIVER_OK);
    CHECK_INT(deliver_dmarc_evaluate(h), DELIVER_OK);
    CHECK_INT(deliver_dmarc_get_result(h), DELIVER_DMARC_FAIL);
    CHECK_INT(deliver_dmarc_get_disposition(h), DELIVER_DMARC_POLICY_REJECT);
    CHECK(strstr(deliver_dmarc_get_authentication_results(h),
                 "; dkim=fail header.d=example.test header.s=sel;") != NULL);

    /* no room left: nothing is added; fifteen plain results plus two do not fit, but the
     * pass is kept first when only one slot is left */
    deliver_dmarc_reset(h);
    for (int i = 0; i < 16; i++) {
        CHECK_INT(deliver_dmarc_add_dkim(h, "fail", "x.example", NULL), DELIVER_OK);
    }
    CHECK_INT(deliver_dmarc_add_dkim_handle(h, v), DELIVER_E_LIMIT);
    deliver_dkim_verify_free(v);
    deliver_dmarc_reset(h);
    for (int i = 0; i < 15; i++) {
        CHECK_INT(deliver_dmarc_add_dkim(h, "fail", "x.example", NULL), DELIVER_OK);
    }
    v = verified(ctx, msg);
    CHECK_INT(deliver_dmarc_add_dkim_handle(h, v), DELIVER_OK);
    deliver_dkim_verify_free(v);
    CHECK_INT(deliver_dmarc_add_from_domain(h, "example.test"), DELIVER_OK);
    CHECK_INT(deliver_dmarc_evaluate(h), DELIVER_OK);
    CHECK_INT(deliver_dmarc_get_dkim_aligned(h), 1);
    CHECK(strstr(deliver_dmarc_get_authentication_results(h), "other.test") == NULL);

    /* an unsigned message adds nothing: dkim=none */
    deliver_dmarc_reset(h);
    v = verified(ctx, message);
    CHECK(v != NULL);
    CHECK_INT(deliver_dkim_verify_get_result(v), DELIVER_DKIM_NONE);
    CHECK_INT(deliver_dmarc_add_dkim_handle(h, v), DELIVER_OK);
    deliver_dkim_verify_free(v);
    CHECK_INT(deliver_dmarc_add_from_domain(h, "example.test"), DELIVER_OK);
    CHECK_INT(deliver_dmarc_evaluate(h), DELIVER_OK);
    CHECK_INT(deliver_dmarc_get_result(h), DELIVER_DMARC_FAIL);
    CHECK(strstr(deliver_dmarc_get_authentication_results(h), "; dkim=none;") != NULL);

    /* allocation failures leave nothing behind */
    for (long fail_at = 1; fail_at < 40; fail_at++) {
        failing f = {0, fail_at, 0};
        deliver_ctx *fctx = NULL;
        if (deliver_ctx_new_with_allocator(&fctx, f_alloc, f_realloc, f_free, &f) < 0) {
            continue;
        }
        deliver_dmarc *fh = NULL;
        v = verified(ctx, msg); /* the verifier lives in the healthy context */
        if (deliver_dmarc_new(&fh, fctx) == DELIVER_OK && v) {
            deliver_status st = deliver_dmarc_add_dkim_handle(fh, v);
            CHECK(st == DELIVER_OK || st == DELIVER_E_NOMEM);
        }
        deliver_dkim_verify_free(v);
        deliver_dmarc_free(fh);
        deliver_ctx_free(fctx);
        CHECK_INT(f.live, 0);
    }
    deliver_dmarc_free(h);
    deliver_ctx_free(ctx);
}

int main(void)
{
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    test_records(ctx);
    test_core(ctx);
    test_policy(ctx);
    deliver_ctx_free(ctx);
    test_failalloc();
    test_dkim_handle();
    return check_done("test-dmarc");
}

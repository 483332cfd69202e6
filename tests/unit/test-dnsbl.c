/*
 * Unit tests of the DNSBL core with canned answers (no server): pattern and spec parsing,
 * code decoding, error codes, filters, scoring, self-check, TXT modes.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dnsbl/dnsbl_int.h"

#include "check.h"
#include "dnswire.h"

static int pat_ok(const char *s, const char *code)
{
    dlv_dnsbl_pat p;
    size_t off;
    const char *why;
    uint8_t a[4];
    if (dlv_dnsbl_pat_parse(s, strlen(s), &p, &off, &why) < 0 ||
        sscanf(code, "%hhu.%hhu.%hhu.%hhu", &a[0], &a[1], &a[2], &a[3]) != 4) {
        return -1;
    }
    return dlv_dnsbl_pat_match(&p, a);
}

static long pat_err(const char *s)
{
    dlv_dnsbl_pat p;
    size_t off;
    const char *why;
    return dlv_dnsbl_pat_parse(s, strlen(s), &p, &off, &why) < 0 ? (long)off : -1;
}

static void test_patterns(void)
{
    CHECK_INT(pat_ok("127.0.0.2", "127.0.0.2"), 1);
    CHECK_INT(pat_ok("127.0.0.2", "127.0.0.3"), 0);
    CHECK_INT(pat_ok("127.0.0.[2..11]", "127.0.0.11"), 1);
    CHECK_INT(pat_ok("127.0.0.[2..11]", "127.0.0.12"), 0);
    CHECK_INT(pat_ok("127.0.[0..255].[1;2;3]", "127.0.9.3"), 1);
    CHECK_INT(pat_ok("127.0.0.[10;11]", "127.0.0.9"), 0);
    CHECK_INT(pat_ok("127.0.0.[1;5..7]", "127.0.0.6"), 1);
    CHECK_INT(pat_ok("&0.0.0.2", "127.0.0.2"), 1);
    CHECK_INT(pat_ok("&0.0.0.2", "127.0.0.4"), 0);
    CHECK_INT(pat_ok("&0.0.0.6", "127.0.0.4"), 1);
    CHECK_INT(pat_err("127.0.0"), 7);
    CHECK_INT(pat_err("127.0.0.256"), 8);
    CHECK_INT(pat_err("127.0.0.[5..2]"), 12);
    CHECK_INT(pat_err("127.0.0.[5"), 10);
    CHECK_INT(pat_err("127.0.0.2x"), 9);
    CHECK_INT(pat_err("&0.0.0.0"), 0);
    CHECK_INT(pat_err("127.0.0.02x"), 10);
}

static void test_specs(deliver_ctx *ctx)
{
    deliver_dnsbl *h = NULL;
    CHECK_INT(deliver_dnsbl_new(&h, ctx), DELIVER_OK);
    const char *good = "zen.spamhaus.org*2, list.dnswl.org=127.0.[0..255].[1..3]*-3 "
                       "bl.example=127.0.0.[2;4]";
    CHECK_INT(deliver_dnsbl_add_spec(h, good, strlen(good)), DELIVER_OK);
    const char *bad = "ok.example, bad.example=127.0.0.[2..x]*3";
    CHECK_INT(deliver_dnsbl_add_spec(h, bad, strlen(bad)), DELIVER_E_PARSE);
    CHECK_INT(deliver_dnsbl_error_offset(h), 36);
    const char *badw = "a.example*x";
    CHECK_INT(deliver_dnsbl_add_spec(h, badw, strlen(badw)), DELIVER_E_PARSE);
    CHECK_INT(deliver_dnsbl_error_offset(h), 10);
    CHECK_INT(deliver_dnsbl_add_spec(h, "=127.0.0.2", 10), DELIVER_E_PARSE);
    CHECK_INT(deliver_dnsbl_error_offset(h), 0);
    /* not NUL-terminated: only len bytes are read */
    CHECK_INT(deliver_dnsbl_add_spec(h, "x.example*12345", 11), DELIVER_OK);
    /* three good entries, the bad buffers added nothing, then x.example*1 */
    CHECK_INT(deliver_dnsbl_start(h, "192.0.2.1"), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_query_count(h), 8); /* 4 zones x (A + TXT) */
    deliver_dnsbl_free(h);
}

/* Answer every open question from a table of (qname, qtype) -> records; others NXDOMAIN. */
typedef struct canned {
    const char *qname;
    uint16_t qtype;
    const char *rr[4];
} canned;

static void answer_all(deliver_dnsbl *h, const canned *c, size_t nc, int timeout_zone_has)
{
    (void)timeout_zone_has;
    for (int round = 0; round < 4 && deliver_dnsbl_step(h) == DELIVER_PENDING; round++) {
        while (deliver_dnsbl_query_count(h) > 0) {
            uint64_t id;
            const char *qname;
            uint16_t qtype;
            CHECK_INT(deliver_dnsbl_get_query(h, 0, &id, &qname, &qtype), DELIVER_OK);
            if (strstr(qname, "slow.example")) {
                CHECK_INT(deliver_dnsbl_answer(h, id, DELIVER_DNS_TIMEOUT, NULL, 0), DELIVER_OK);
                continue;
            }
            const canned *hit = NULL;
            for (size_t i = 0; i < nc && !hit; i++) {
                if (strcmp(c[i].qname, qname) == 0 && c[i].qtype == qtype) {
                    hit = &c[i];
                }
            }
            uint8_t *wire = NULL;
            size_t len = 0;
            const char *soa[] = {"example. 300 IN SOA ns.test. h.test. 1 2 3 4 300", NULL};
            CHECK_INT(make_reply(qname, qtype, 0, hit ? 0 : 3, hit ? hit->rr : NULL,
                                 hit ? NULL : soa, &wire, &len),
                      0);
            CHECK_INT(deliver_dnsbl_answer(h, id, DELIVER_DNS_ERROR, wire, len), DELIVER_OK);
            free(wire);
        }
    }
    CHECK_INT(deliver_dnsbl_step(h), DELIVER_OK);
}

static size_t nfind(const deliver_dnsbl *h, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < deliver_dnsbl_finding_count(h); i++) {
        n += strcmp(deliver_finding_id(deliver_dnsbl_get_finding(h, i)), id) == 0;
    }
    return n;
}

static void test_core(deliver_ctx *ctx)
{
    static const canned c[] = {
        {"2.2.0.192.zen.spamhaus.org", 1,
         {"2.2.0.192.zen.spamhaus.org. 60 IN A 127.0.0.2",
          "2.2.0.192.zen.spamhaus.org. 60 IN A 127.0.0.9",
          "2.2.0.192.zen.spamhaus.org. 60 IN A 127.0.0.10", NULL}},
        {"2.2.0.192.zen.spamhaus.org", 16,
         {"2.2.0.192.zen.spamhaus.org. 60 IN TXT \"see\" \" https://x/\"", NULL}},
        {"2.2.0.192.blocked.example", 1, {"2.2.0.192.blocked.example. 60 IN A 127.255.255.254", NULL}},
        {"2.2.0.192.wild.example", 1, {"2.2.0.192.wild.example. 60 IN A 203.0.113.7", NULL}},
        {"2.2.0.192.list.dnswl.org", 1, {"2.2.0.192.list.dnswl.org. 60 IN A 127.0.0.255", NULL}},
        {"2.2.0.192.odd.example", 1, {"2.2.0.192.odd.example. 60 IN A 127.0.0.77", NULL}},
    };
    deliver_dnsbl *h = NULL;
    CHECK_INT(deliver_dnsbl_new(&h, ctx), DELIVER_OK);
    const char *spec = "zen.spamhaus.org=127.0.0.[10..11]*3 zen.spamhaus.org=127.0.0.4 "
                       "blocked.example wild.example list.dnswl.org slow.example odd.example "
                       "dnsbl.sorbs.net dbl.spamhaus.org";
    CHECK_INT(deliver_dnsbl_add_spec(h, spec, strlen(spec)), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_start(h, "192.0.2.2"), DELIVER_OK);
    /* all questions listed at once: 6 asked zones x (A + TXT); sorbs retired, dbl skipped */
    CHECK_INT(deliver_dnsbl_query_count(h), 12);
    answer_all(h, c, sizeof(c) / sizeof(c[0]), 0);
    CHECK_INT(deliver_dnsbl_result_count(h), 9);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 0), DELIVER_DNSBL_STATUS_LISTED);
    CHECK_INT(deliver_dnsbl_result_code_count(h, 0), 3);
    CHECK_STR(deliver_dnsbl_result_get_meaning(h, 0, 1),
              "SBL DROP/EDROP: hijacked or criminal netblock");
    CHECK_INT(deliver_dnsbl_result_code_matches(h, 0, 0), 0);
    CHECK_INT(deliver_dnsbl_result_code_matches(h, 0, 2), 1);
    CHECK_STR(deliver_dnsbl_result_get_txt(h, 0), "see https://x/");
    CHECK_INT(deliver_dnsbl_result_get_status(h, 1), DELIVER_DNSBL_STATUS_FILTERED);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 2), DELIVER_DNSBL_STATUS_ERROR);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 3), DELIVER_DNSBL_STATUS_ERROR);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 4), DELIVER_DNSBL_STATUS_ERROR);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 5), DELIVER_DNSBL_STATUS_TIMEOUT);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 6), DELIVER_DNSBL_STATUS_LISTED);
    CHECK_STR(deliver_dnsbl_result_get_meaning(h, 6, 0), "listed");
    CHECK_INT(deliver_dnsbl_result_get_status(h, 7), DELIVER_DNSBL_STATUS_RETIRED);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 8), DELIVER_DNSBL_STATUS_SKIPPED);
    CHECK_INT(deliver_dnsbl_get_score(h), 4);
    CHECK_INT(deliver_dnsbl_get_verdict(h), DELIVER_DNSBL_VERDICT_LISTED);
    CHECK_INT(nfind(h, "dnsbl.resolver_blocked"), 2);
    CHECK_INT(nfind(h, "dnsbl.bad_answer"), 1);
    CHECK_INT(nfind(h, "dnsbl.timeout"), 1);
    CHECK_INT(nfind(h, "dnsbl.list_retired"), 1);
    CHECK_INT(nfind(h, "dnsbl.listed"), 2);
    /* threshold */
    CHECK_INT(deliver_dnsbl_set_threshold(h, 5), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_start(h, "192.0.2.2"), DELIVER_OK);
    answer_all(h, c, sizeof(c) / sizeof(c[0]), 0);
    CHECK_INT(deliver_dnsbl_get_verdict(h), DELIVER_DNSBL_VERDICT_PASS);
    deliver_dnsbl_free(h);

    /* a caller's own catalogue: no built-ins, one list with its codes; TXT after a listing */
    CHECK_INT(deliver_dnsbl_new(&h, ctx), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_clear_catalogue(h), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_catalogue_count(h), 0);
    CHECK_INT(deliver_dnsbl_define_list(h, "odd.example", DELIVER_DNSBL_IPV4, "Odd", 7),
              DELIVER_OK);
    CHECK_INT(deliver_dnsbl_define_code(h, "odd.example", "127.0.0.[70..79]",
                                        DELIVER_DNSBL_CODE_LISTED, "seventies"),
              DELIVER_OK);
    CHECK_INT(deliver_dnsbl_define_code(h, "nope.example", "127.0.0.2",
                                        DELIVER_DNSBL_CODE_LISTED, "x"),
              DELIVER_E_NOTFOUND);
    CHECK_INT(deliver_dnsbl_define_code(h, "odd.example", "127.0.0.[2",
                                        DELIVER_DNSBL_CODE_LISTED, "x"),
              DELIVER_E_PARSE);
    CHECK_INT(deliver_dnsbl_set_txt(h, DELIVER_DNSBL_TXT_WHEN_LISTED), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_start(h, "192.0.2.2"), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_query_count(h), 1); /* the catalogue's one list, A only */
    answer_all(h, c, sizeof(c) / sizeof(c[0]), 0);
    CHECK_STR(deliver_dnsbl_result_get_meaning(h, 0, 0), "seventies");
    CHECK_INT(deliver_dnsbl_get_score(h), 7);
    deliver_dnsbl_free(h);

    /* self-check: the test points are asked in the same round */
    static const canned tp[] = {
        {"2.0.0.127.good.example", 1, {"2.0.0.127.good.example. 60 IN A 127.0.0.2", NULL}},
        {"2.0.0.127.world.example", 1, {"2.0.0.127.world.example. 60 IN A 127.0.0.2", NULL}},
        {"1.0.0.127.world.example", 1, {"1.0.0.127.world.example. 60 IN A 127.0.0.2", NULL}},
        {"1.2.0.192.world.example", 1, {"1.2.0.192.world.example. 60 IN A 127.0.0.2", NULL}},
    };
    CHECK_INT(deliver_dnsbl_new(&h, ctx), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_add_spec(h, "good.example world.example dead.example", 39),
              DELIVER_OK);
    CHECK_INT(deliver_dnsbl_set_self_check(h, 1), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_set_txt(h, DELIVER_DNSBL_TXT_NONE), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_start(h, "192.0.2.1"), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_query_count(h), 9);
    answer_all(h, tp, sizeof(tp) / sizeof(tp[0]), 0);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 0), DELIVER_DNSBL_STATUS_NOT_LISTED);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 1), DELIVER_DNSBL_STATUS_UNUSABLE);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 2), DELIVER_DNSBL_STATUS_UNUSABLE);
    CHECK_INT(deliver_dnsbl_get_score(h), 0);
    CHECK_INT(nfind(h, "dnsbl.list_unusable"), 2);
    /* IPv6 nibbles and domain names */
    CHECK_INT(deliver_dnsbl_set_self_check(h, 0), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_start(h, "2001:db8::1"), DELIVER_OK);
    const char *q;
    uint64_t id;
    uint16_t t;
    CHECK_INT(deliver_dnsbl_get_query(h, 0, &id, &q, &t), DELIVER_OK);
    CHECK_STR(q, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.good.example");
    CHECK_INT(deliver_dnsbl_start(h, "Bücher.example"), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_get_query(h, 0, &id, &q, &t), DELIVER_OK);
    CHECK_STR(q, "xn--bcher-kva.example.good.example");
    CHECK_INT(deliver_dnsbl_start(h, "not a name!"), DELIVER_E_INVALID);
    CHECK_INT(deliver_dnsbl_answer(h, 1, DELIVER_DNS_TIMEOUT, NULL, 0), DELIVER_E_STATE);
    deliver_dnsbl_free(h);
}

int main(void)
{
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    test_patterns();
    test_specs(ctx);
    test_core(ctx);
    deliver_ctx_free(ctx);
    return check_done("test-dnsbl");
}

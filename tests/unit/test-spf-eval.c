/*
 * Unit tests of the SPF evaluation core through the public API: results and mechanisms,
 * the trace, Received-SPF and Authentication-Results quoting, limits and their findings,
 * questions asked together, sans-I/O misuse, and allocation failures at every step.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "check.h"
#include "failalloc.h"
#include "core/core.h"
#include "dnswire.h"

#include <deliver/spf.h>

#include <stdlib.h>

static const char zone[] =
    "$ORIGIN example.test.\n"
    "@ SOA ns h 1 2 3 4 300\n"
    "@ TXT \"v=spf1 ip4:192.0.2.0/28 include:_i1.example.test include:_i2.example.test mx -all exp=_exp.example.test\"\n"
    "_i1 TXT \"v=spf1 ip4:198.51.100.0/24 ?all\"\n"
    "_i2 TXT \"v=spf1 a:host.example.test ~all\"\n"
    "host A 203.0.113.5\n"
    "@ MX 10 mx1\n@ MX 20 mx2\n@ MX 30 mx3\n"
    "mx1 A 203.0.113.10\nmx2 A 203.0.113.11\nmx3 A 203.0.113.12\n"
    "_exp TXT \"%{i} is not one of %{d}'s servers (ask postmaster@%{o})\"\n"
    "red TXT \"v=spf1 redirect=example.test\"\n"
    "voids TXT \"v=spf1 a:no1.example.test a:no2.example.test a:no3.example.test -all\"\n"
    "many TXT \"v=spf1 a:x1.example.test a:x2.example.test a:x3.example.test +all\"\n"
    "x1 A 192.0.2.200\nx2 A 192.0.2.201\nx3 A 192.0.2.202\n"
    "helo TXT \"v=spf1 a -all\"\nhelo A 192.0.2.99\n";

static deliver_ctx *new_ctx(void)
{
    deliver_ctx *ctx;
    deliver_ctx_new(&ctx);
    CHECK_INT(deliver_ctx_add_zone_text(ctx, zone, sizeof(zone) - 1, NULL), DELIVER_OK);
    return ctx;
}

static void test_results_and_trace(void)
{
    deliver_ctx *ctx = new_ctx();
    deliver_spf *s;
    CHECK_INT(deliver_spf_new(&s, ctx), DELIVER_OK);
    CHECK_INT(deliver_spf_check(s, "192.0.2.5", "user@example.test", "mail.example.test"),
              DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_PASS);
    CHECK_STR(deliver_spf_get_mechanism(s), "ip4:192.0.2.0/28");
    CHECK_INT(deliver_spf_dns_mechanism_count(s), 0);
    CHECK_STR(deliver_spf_get_received_spf(s),
              "Received-SPF: pass (example.test: domain of user@example.test designates "
              "192.0.2.5 as permitted sender) client-ip=192.0.2.5; "
              "envelope-from=\"user@example.test\"; helo=mail.example.test; identity=mailfrom; "
              "mechanism=ip4:192.0.2.0/28");
    CHECK_STR(deliver_spf_get_auth_results(s), "spf=pass smtp.mailfrom=user@example.test");

    /* through the include tree to mx */
    CHECK_INT(deliver_spf_check(s, "203.0.113.12", "user@example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_PASS);
    CHECK_STR(deliver_spf_get_mechanism(s), "mx");
    CHECK_STR(deliver_spf_get_explanation(s), "");
    /* past everything to -all, with the exp= text */
    CHECK_INT(deliver_spf_check(s, "203.0.113.99", "user@example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_FAIL);
    CHECK_STR(deliver_spf_get_mechanism(s), "-all");
    CHECK_STR(deliver_spf_get_explanation(s),
              "203.0.113.99 is not one of example.test's servers (ask postmaster@example.test)");
    CHECK_INT(deliver_spf_dns_mechanism_count(s), 4); /* include, include, a (inside), mx */
    size_t n = deliver_spf_trace_count(s);
    CHECK(n >= 10);
    CHECK_INT(deliver_spf_trace_get_outcome(s, 0), DELIVER_SPF_TERM_RECORD);
    CHECK_STR(deliver_spf_trace_get_queries(s, 0), "TXT example.test");
    int saw_mx = 0, saw_depth1 = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = deliver_spf_trace_get_term(s, i);
        if (strcmp(t, "mx") == 0) {
            saw_mx = 1;
            CHECK_STR(deliver_spf_trace_get_queries(s, i),
                      "MX example.test, A mx1.example.test, A mx2.example.test, A mx3.example.test");
            CHECK_INT(deliver_spf_trace_get_outcome(s, i), DELIVER_SPF_TERM_NO_MATCH);
            CHECK_INT(deliver_spf_trace_get_dns_mechanisms(s, i), 4);
        }
        if (deliver_spf_trace_get_depth(s, i) == 1 &&
            strcmp(deliver_spf_trace_get_domain(s, i), "_i2.example.test") == 0 &&
            strcmp(t, "a:host.example.test") == 0) {
            saw_depth1 = 1;
        }
    }
    CHECK(saw_mx && saw_depth1);
    CHECK(deliver_spf_trace_get_term(s, n) == NULL);

    /* softfail through an include's qualifier? no: an include matches only on pass */
    CHECK_INT(deliver_spf_check(s, "203.0.113.5", "user@example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_PASS); /* include:_i2 matched a:host */
    CHECK_STR(deliver_spf_get_mechanism(s), "include:_i2.example.test");

    /* redirect: the target's result and exp */
    CHECK_INT(deliver_spf_check(s, "203.0.113.99", "x@red.example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_FAIL);
    /* the target's exp= with %{d} the target; %{o} stays the sender's domain */
    CHECK_STR(deliver_spf_get_explanation(s), "203.0.113.99 is not one of example.test's servers "
                                              "(ask postmaster@red.example.test)");

    /* IPv4-mapped IPv6 is checked as IPv4 */
    CHECK_INT(deliver_spf_check(s, "::ffff:192.0.2.3", "u@example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_PASS);
    CHECK(strstr(deliver_spf_get_received_spf(s), "client-ip=192.0.2.3;") != NULL);

    /* HELO identity */
    CHECK_INT(deliver_spf_check_helo(s, "192.0.2.99", "helo.example.test"), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_PASS);
    CHECK_INT(deliver_spf_get_identity(s), DELIVER_SPF_IDENTITY_HELO);
    CHECK_STR(deliver_spf_get_auth_results(s), "spf=pass smtp.helo=helo.example.test");
    /* an empty MAIL FROM checks postmaster@HELO */
    CHECK_INT(deliver_spf_check(s, "192.0.2.98", "", "helo.example.test"), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_FAIL);
    CHECK(strstr(deliver_spf_get_received_spf(s), "envelope-from=\"postmaster@helo.example.test\""));

    /* no record, bad domains */
    CHECK_INT(deliver_spf_check(s, "192.0.2.1", "a@host.example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_NONE);
    CHECK_INT(deliver_spf_check(s, "192.0.2.1", "a@nolabel", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_NONE);
    CHECK_INT(deliver_spf_check(s, "192.0.2.1", "a@b..example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_NONE);
    deliver_spf_free(s);
    deliver_ctx_free(ctx);
}

static void test_quoting(void)
{
    deliver_ctx *ctx = new_ctx();
    deliver_spf *s;
    deliver_spf_new(&s, ctx);
    CHECK_INT(deliver_spf_set_receiver(s, "mx.receiver.test"), DELIVER_OK);
    CHECK_INT(deliver_spf_check(s, "192.0.2.5", "\"odd user\"(x)@example.test", "h (x).test"),
              DELIVER_OK);
    const char *r = deliver_spf_get_received_spf(s);
    CHECK(strstr(r, "envelope-from=\"\\\"odd user\\\"(x)@example.test\";") != NULL);
    CHECK(strstr(r, "helo=\"h (x).test\"") != NULL);
    CHECK(strstr(r, "receiver=mx.receiver.test") != NULL);
    CHECK(strstr(r, "(mx.receiver.test: domain of \"odd user\"\\(x\\)@example.test") != NULL);
    CHECK(strstr(deliver_spf_get_auth_results(s),
                 "smtp.mailfrom=\"\\\"odd user\\\"(x)@example.test\"") != NULL);
    deliver_spf_free(s);
    deliver_ctx_free(ctx);
}

static int has_finding(const deliver_spf *s, const char *id)
{
    for (size_t i = 0; i < deliver_spf_finding_count(s); i++) {
        if (strcmp(deliver_finding_id(deliver_spf_get_finding(s, i)), id) == 0) {
            return 1;
        }
    }
    return 0;
}

static void test_limits(void)
{
    deliver_ctx *ctx = new_ctx();
    deliver_spf *s;
    deliver_spf_new(&s, ctx);
    /* three void lookups: permerror past the default of two */
    CHECK_INT(deliver_spf_check(s, "192.0.2.1", "u@voids.example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_PERMERROR);
    CHECK_INT(deliver_spf_void_lookup_count(s), 3);
    CHECK(has_finding(s, "spf.too_many_void_lookups"));
    CHECK(strstr(deliver_spf_get_received_spf(s), "problem=") != NULL);
    CHECK(strstr(deliver_spf_get_auth_results(s), "spf=permerror (") != NULL);
    CHECK_INT(deliver_spf_set_max_void_lookups(s, 3), DELIVER_OK);
    CHECK_INT(deliver_spf_check(s, "192.0.2.1", "u@voids.example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_FAIL);
    /* the DNS-term limit */
    CHECK_INT(deliver_spf_set_max_dns_mechanisms(s, 2), DELIVER_OK);
    CHECK_INT(deliver_spf_check(s, "192.0.2.1", "u@many.example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_PERMERROR);
    CHECK(has_finding(s, "spf.too_many_lookups"));
    CHECK_INT(deliver_spf_set_max_dns_mechanisms(s, 3), DELIVER_OK);
    CHECK_INT(deliver_spf_check(s, "192.0.2.1", "u@many.example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_PASS);
    CHECK_INT(deliver_spf_set_max_dns_mechanisms(s, 0), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_set_max_names(s, 101), DELIVER_E_INVALID);
    /* the mx name limit */
    CHECK_INT(deliver_spf_set_max_dns_mechanisms(s, 10), DELIVER_OK);
    CHECK_INT(deliver_spf_set_max_names(s, 2), DELIVER_OK);
    CHECK_INT(deliver_spf_check(s, "203.0.113.12", "user@example.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_PERMERROR);
    CHECK(has_finding(s, "spf.too_many_mx"));
    /* explanations */
    CHECK_INT(deliver_spf_set_default_explanation(s, "bad %{z}"), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_set_default_explanation(s, "not %{i} for %{d}"), DELIVER_OK);
    CHECK_INT(deliver_spf_check(s, "192.0.2.98", "u@helo.example.test", NULL), DELIVER_OK);
    CHECK_STR(deliver_spf_get_explanation(s), "not 192.0.2.98 for helo.example.test");
    CHECK_INT(deliver_spf_set_time(s, 1234), DELIVER_OK);
    deliver_spf_free(s);
    deliver_ctx_free(ctx);
}

static void test_sans_io(void)
{
    deliver_ctx *ctx;
    deliver_ctx_new(&ctx);
    deliver_spf *s;
    deliver_spf_new(&s, ctx);
    CHECK_INT(deliver_spf_step(s), DELIVER_E_STATE);
    CHECK_INT(deliver_spf_answer(s, 1, DELIVER_DNS_TIMEOUT, NULL, 0), DELIVER_E_STATE);
    CHECK_INT(deliver_spf_start(s, "not-an-ip", "u@x.test", NULL), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_start(s, "192.0.2.1", "", ""), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_start(s, "192.0.2.1", "u@x.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_step(s), DELIVER_PENDING);
    CHECK_INT(deliver_spf_query_count(s), 1);
    uint64_t id;
    const char *qn;
    uint16_t qt;
    CHECK_INT(deliver_spf_get_query(s, 0, &id, &qn, &qt), DELIVER_OK);
    CHECK_STR(qn, "x.test");
    CHECK_INT(qt, DELIVER_DNS_TYPE_TXT);
    CHECK_INT(deliver_spf_answer(s, id + 7, DELIVER_DNS_TIMEOUT, NULL, 0), DELIVER_E_NOTFOUND);
    CHECK_INT(deliver_spf_answer(s, id, DELIVER_DNS_TIMEOUT, NULL, 0), DELIVER_OK);
    CHECK_INT(deliver_spf_step(s), DELIVER_OK);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_TEMPERROR);
    CHECK(has_finding(s, "spf.dns_error"));
    /* an mx term asks every exchange's address at once */
    CHECK_INT(deliver_spf_start(s, "192.0.2.1", "u@x.test", NULL), DELIVER_OK);
    CHECK_INT(deliver_spf_step(s), DELIVER_PENDING);
    deliver_spf_get_query(s, 0, &id, &qn, &qt);
    /* answers are made by a zone of a second context, fetched through its lookup core */
    deliver_spf_free(s);
    deliver_ctx_free(ctx);
    CHECK_INT(deliver_spf_new(NULL, NULL), DELIVER_E_INVALID);
    deliver_spf_free(NULL);
    CHECK_STR(deliver_spf_errmsg(NULL), "");
    CHECK_STR(deliver_spf_result_name(DELIVER_SPF_SOFTFAIL), "softfail");
    CHECK_STR(deliver_spf_result_name((deliver_spf_result)42), "unknown");
}

/* mx fan-out: the exchanges' addresses are asked together, answered in any order */
static int reply(const char *qname, uint16_t qtype, uint8_t **w, size_t *n)
{
    static const struct {
        const char *name;
        uint16_t type;
        const char *rr[4];
    } t[] = {
        {"fan.test", 16, {"fan.test. 60 IN TXT \"v=spf1 mx -all\""}},
        {"fan.test", 15, {"fan.test. 60 IN MX 1 a.fan.test.", "fan.test. 60 IN MX 2 b.fan.test.",
                          "fan.test. 60 IN MX 3 c.fan.test."}},
        {"a.fan.test", 1, {"a.fan.test. 60 IN A 198.51.100.1"}},
        {"b.fan.test", 1, {"b.fan.test. 60 IN A 198.51.100.2"}},
        {"c.fan.test", 1, {"c.fan.test. 60 IN A 198.51.100.3"}},
    };
    for (size_t i = 0; i < DLV_ARRAY_LEN(t); i++) {
        if (strcmp(t[i].name, qname) == 0 && t[i].type == qtype) {
            return make_reply(qname, qtype, 1, 0, t[i].rr, NULL, w, n);
        }
    }
    return make_reply(qname, qtype, 1, 3, NULL, NULL, w, n);
}

static void test_fanout(void)
{
    deliver_ctx *ctx;
    deliver_ctx_new(&ctx);
    deliver_spf *s;
    deliver_spf_new(&s, ctx);
    CHECK_INT(deliver_spf_start(s, "198.51.100.2", "u@fan.test", NULL), DELIVER_OK);
    size_t max_open = 0;
    deliver_status st;
    int rounds = 0;
    while ((st = deliver_spf_step(s)) == DELIVER_PENDING && rounds++ < 10) {
        size_t open = deliver_spf_query_count(s);
        max_open = open > max_open ? open : max_open;
        for (size_t k = open; k-- > 0;) { /* last asked first */
            uint64_t id;
            const char *qn;
            uint16_t qt;
            deliver_spf_get_query(s, k, &id, &qn, &qt);
            uint8_t *w = NULL;
            size_t n = 0;
            CHECK(reply(qn, qt, &w, &n) == 0);
            CHECK_INT(deliver_spf_answer(s, id, DELIVER_DNS_OK, w, n), DELIVER_OK);
            free(w);
        }
    }
    CHECK_INT(st, DELIVER_OK);
    CHECK_INT(max_open, 3);
    CHECK_INT(deliver_spf_get_result(s), DELIVER_SPF_PASS);
    CHECK_STR(deliver_spf_get_mechanism(s), "mx");
    deliver_spf_free(s);
    deliver_ctx_free(ctx);
}

/* ---- every allocation made to fail in turn ---- */


static void test_alloc_failures(void)
{
    long n, allocations = 0;
    int completed = 0;
    for (n = 1; n < 100000; n++) {
        failing f = {0, n, 0};
        deliver_ctx *ctx = NULL;
        completed = 0;
        if (deliver_ctx_new_with_allocator(&ctx, f_alloc, f_realloc, f_free, &f) == DELIVER_OK) {
            deliver_spf *s = NULL;
            deliver_status st = deliver_ctx_add_zone_text(ctx, zone, sizeof(zone) - 1, NULL);
            if (st == DELIVER_OK) {
                st = deliver_spf_new(&s, ctx);
            }
            if (st == DELIVER_OK) {
                st = deliver_spf_check(s, "203.0.113.99", "user@example.test", NULL);
            }
            if (st == DELIVER_OK) {
                completed = deliver_spf_get_result(s) == DELIVER_SPF_FAIL;
            }
            if (st != DELIVER_OK && st != DELIVER_E_NOMEM) {
                check_failures++;
                fprintf(stderr, "fail_at %ld: status %d\n", n, st);
            }
            deliver_spf_free(s);
            deliver_ctx_free(ctx);
        }
        check_count++;
        if (f.live != 0) {
            check_failures++;
            fprintf(stderr, "allocation %ld failing leaks %ld blocks\n", n, f.live);
        }
        allocations = f.count;
        if (allocations < n) {
            break;
        }
    }
    CHECK(completed);
    printf("allocation failures injected: %ld\n", n - 1);
}

int main(void)
{
    test_results_and_trace();
    test_quoting();
    test_limits();
    test_sans_io();
    test_fanout();
    test_alloc_failures();
    return check_done("spf-eval");
}

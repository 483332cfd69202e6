/*
 * Unit tests of the SPF lint (deliver_spf_lint): every finding id with a positive and a
 * negative case, served by zone text; the worst-case count of examples/example.zone's nested
 * include tree (counted by hand); loops; DNS failures in includes; record text "as if
 * published"; the breadth-first sans-I/O core (every question of a level open at once);
 * hostile answers; misuse; allocation failures at every step.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "check.h"
#include "failalloc.h"
#include "core/core.h"
#include "dnswire.h"

#include <deliver/spf.h>

#include <stdlib.h>

/* ---- helpers ---- */

static const char *zone =
    "$ORIGIN t.\n"
    "$TTL 300\n"
    "@ SOA ns h 1 2 3 4 5\n"
    "h1 A 192.0.2.1\n"
    "h2 A 192.0.2.2\n"
    "h3 A 192.0.2.3\n"
    "h4 AAAA 2001:db8::4\n"
    "h5 A 192.0.2.5\n"
    "h6 A 192.0.2.6\n"
    "h7 A 192.0.2.7\n"
    "h8 A 192.0.2.8\n"
    "h9 A 192.0.2.9\n"
    "h10 A 192.0.2.10\n"
    "h11 A 192.0.2.11\n"
    "empty TXT \"not spf\"\n"
    /* lookup counts */
    "eight TXT \"v=spf1 a:h1.t a:h2.t a:h3.t a:h4.t a:h5.t a:h6.t a:h7.t a:h8.t -all\"\n"
    "nine TXT \"v=spf1 a:h1.t a:h2.t a:h3.t a:h4.t a:h5.t a:h6.t a:h7.t a:h8.t a:h9.t -all\"\n"
    "ten TXT \"v=spf1 include:eight.t a:h9.t -all\"\n"
    "eleven TXT \"v=spf1 include:nine.t a:h10.t a:h11.t -all\"\n"
    /* void lookups */
    "void1 TXT \"v=spf1 a:nx.t a:h1.t -all\"\n"
    "void3 TXT \"v=spf1 a:nx1.t mx:h1.t exists:empty.t -all\"\n"
    /* loops */
    "loop-a TXT \"v=spf1 include:loop-b.t -all\"\n"
    "loop-b TXT \"v=spf1 include:loop-a.t -all\"\n"
    "self TXT \"v=spf1 include:self.t -all\"\n"
    "rloop TXT \"v=spf1 redirect=rloop.t\"\n"
    "diamond TXT \"v=spf1 include:leaf.t include:leaf.t -all\"\n"
    "leaf TXT \"v=spf1 a:h1.t -all\"\n"
    /* includes and redirects that go nowhere */
    "inc-nx TXT \"v=spf1 include:nx.t -all\"\n"
    "inc-nospf TXT \"v=spf1 include:empty.t -all\"\n"
    "inc-ok TXT \"v=spf1 include:leaf.t -all\"\n"
    "red-nx TXT \"v=spf1 redirect=nx.t\"\n"
    "red-ok TXT \"v=spf1 redirect=qall.t\"\n"
    "inc-timeout TXT \"v=spf1 include:slow.t -all\"\n"
    "a-timeout TXT \"v=spf1 a:slow.t -all\"\n"
    /* risky terms */
    "ptr TXT \"v=spf1 ptr -all\"\n"
    "pall TXT \"v=spf1 +all\"\n"
    "bare-all TXT \"v=spf1 all\"\n"
    "qall TXT \"v=spf1 ip4:192.0.2.0/24 ?all\"\n"
    "inc-qall TXT \"v=spf1 include:qall-leaf.t -all\"\n"
    "qall-leaf TXT \"v=spf1 ip4:192.0.2.0/24 ?all\"\n"
    "noall TXT \"v=spf1 ip4:192.0.2.0/24\"\n"
    "inc-noall TXT \"v=spf1 include:noall-leaf.t -all\"\n"
    "noall-leaf TXT \"v=spf1 ip4:192.0.2.0/24\"\n"
    "after TXT \"v=spf1 -all a:h1.t mx:h1.t\"\n"
    "exp-after TXT \"v=spf1 -all exp=explain.t\"\n"
    "red-all TXT \"v=spf1 -all redirect=leaf.t\"\n"
    "multi TXT \"v=spf1 -all\"\n"
    "multi TXT \"v=spf1 ~all\"\n"
    "inc-multi TXT \"v=spf1 include:multi.t -all\"\n"
    "syntax TXT \"v=spf1 ip4:192.0.2.0/33 -all\"\n"
    "inc-syntax TXT \"v=spf1 include:syntax.t -all\"\n"
    "macro TXT \"v=spf1 include:%{d}.spf.t exists:%{i}.rep.t -all\"\n"
    "type99 TXT \"v=spf1 -all\"\n"
    "type99 SPF \"v=spf1 -all\"\n"
    "mx11 TXT \"v=spf1 mx -all\"\n"
    "mx11 MX 1 h1\nmx11 MX 2 h2\nmx11 MX 3 h3\nmx11 MX 4 h4\nmx11 MX 5 h5\nmx11 MX 6 h6\n"
    "mx11 MX 7 h7\nmx11 MX 8 h8\nmx11 MX 9 h9\nmx11 MX 10 h10\nmx11 MX 11 h11\n"
    "mx2 TXT \"v=spf1 mx -all\"\n"
    "mx2 MX 1 h1\nmx2 MX 2 h2\n"
    "invalid TXT \"v=spf1 a:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.t "
    "-all\"\n"
    /* sizes: a 480-character record in two strings; four TXT records over 512 octets */
    "long TXT ( \"v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4 "
    "ip4:192.0.2.5 ip4:192.0.2.6 ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 "
    "ip4:192.0.2.11 ip4:192.0.2.12 ip4:192.0.2.13 ip4:192.0.2.14 ip4:192.0.2.15\" "
    "\" ip4:192.0.2.16 ip4:192.0.2.17 ip4:192.0.2.18 ip4:192.0.2.19 ip4:192.0.2.20 "
    "ip4:192.0.2.21 ip4:192.0.2.22 ip4:192.0.2.23 ip4:192.0.2.24 ip4:192.0.2.25 "
    "ip4:192.0.2.26 ip4:192.0.2.27 ip4:192.0.2.28 ip4:192.0.2.29 ip4:192.0.2.30 -all\" )\n"
    "crowded TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "crowded TXT \"verification-one=aaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
    "crowded TXT \"verification-two=bbbbbbbbbbbbbbbb"
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n"
    "crowded TXT \"verification-three=ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"\n"
    "good TXT \"v=spf1 ip4:192.0.2.0/24 mx:mx2.t -all\"\n";

static deliver_ctx *zone_ctx(void)
{
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    CHECK_INT(deliver_ctx_add_zone_text(ctx, zone, strlen(zone), NULL), DELIVER_OK);
    CHECK_INT(deliver_ctx_add_zone_failure(ctx, "slow.t", 0, DELIVER_DNS_TIMEOUT), DELIVER_OK);
    return ctx;
}

/* Findings with this id. */
static size_t has(const deliver_spf_lint *l, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < deliver_spf_lint_finding_count(l); i++) {
        n += strcmp(deliver_finding_id(deliver_spf_lint_get_finding(l, i)), id) == 0;
    }
    return n;
}

static const deliver_finding *find(const deliver_spf_lint *l, const char *id)
{
    for (size_t i = 0; i < deliver_spf_lint_finding_count(l); i++) {
        const deliver_finding *f = deliver_spf_lint_get_finding(l, i);
        if (strcmp(deliver_finding_id(f), id) == 0) {
            return f;
        }
    }
    return NULL;
}

static void dump(const deliver_spf_lint *l)
{
    for (size_t i = 0; i < deliver_spf_lint_finding_count(l); i++) {
        const deliver_finding *f = deliver_spf_lint_get_finding(l, i);
        fprintf(stderr, "    %s %s: %s (%s)\n",
                deliver_severity_name(deliver_finding_severity(f)), deliver_finding_id(f),
                deliver_finding_message(f), deliver_finding_location(f));
    }
}

static deliver_spf_lint *lint(deliver_ctx *ctx, const char *domain)
{
    deliver_spf_lint *l = NULL;
    CHECK_INT(deliver_spf_lint_new(&l, ctx), DELIVER_OK);
    deliver_status st = deliver_spf_lint_domain(l, domain);
    CHECK_INT(st, DELIVER_OK);
    if (st != DELIVER_OK) {
        fprintf(stderr, "  lint %s: %s\n", domain, deliver_spf_lint_errmsg(l));
    }
    return l;
}

/* The finding `id` appears `n` times when linting `domain` (severity checked when n > 0). */
static void expect(deliver_ctx *ctx, const char *domain, const char *id, size_t n,
                   deliver_severity sev, int line)
{
    deliver_spf_lint *l = lint(ctx, domain);
    size_t got = has(l, id);
    check_count++;
    if (got != n) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s: %zu x %s, expected %zu\n", __FILE__, line, domain, got, id,
                n);
        dump(l);
    }
    const deliver_finding *f = find(l, id);
    if (n > 0 && f) {
        CHECK_INT(deliver_finding_severity(f), sev);
        CHECK(*deliver_finding_message(f) != '\0');
        CHECK(*deliver_finding_hint(f) != '\0');
        CHECK(*deliver_finding_location(f) != '\0');
    }
    deliver_spf_lint_free(l);
}

#define EXPECT(d, id, n, sev) expect(ctx, d, id, n, sev, __LINE__)
#define ERR DELIVER_SEVERITY_ERROR
#define WARN DELIVER_SEVERITY_WARNING
#define INFO DELIVER_SEVERITY_INFO

/* ---- every finding, positive and negative ---- */

static void test_findings(void)
{
    deliver_ctx *ctx = zone_ctx();

    EXPECT("eight.t", "spf.near_lookup_limit", 0, WARN);
    EXPECT("nine.t", "spf.near_lookup_limit", 1, WARN);
    EXPECT("ten.t", "spf.near_lookup_limit", 1, WARN);
    EXPECT("ten.t", "spf.too_many_lookups", 0, ERR);
    EXPECT("eleven.t", "spf.too_many_lookups", 1, ERR);
    EXPECT("eleven.t", "spf.near_lookup_limit", 0, WARN);

    EXPECT("void1.t", "spf.void_lookup", 1, WARN);
    EXPECT("void1.t", "spf.too_many_void_lookups", 0, ERR);
    EXPECT("void3.t", "spf.void_lookup", 3, WARN);
    EXPECT("void3.t", "spf.too_many_void_lookups", 1, ERR);
    EXPECT("good.t", "spf.void_lookup", 0, WARN);

    EXPECT("loop-a.t", "spf.include_loop", 1, ERR);
    EXPECT("self.t", "spf.include_loop", 1, ERR);
    EXPECT("rloop.t", "spf.include_loop", 1, ERR);
    EXPECT("diamond.t", "spf.include_loop", 0, ERR); /* the same include twice is no loop */
    EXPECT("inc-ok.t", "spf.include_loop", 0, ERR);

    EXPECT("inc-nx.t", "spf.include_without_record", 1, ERR);
    EXPECT("inc-nospf.t", "spf.include_without_record", 1, ERR);
    EXPECT("inc-ok.t", "spf.include_without_record", 0, ERR);
    EXPECT("red-nx.t", "spf.redirect_without_record", 1, ERR);
    EXPECT("red-ok.t", "spf.redirect_without_record", 0, ERR);

    EXPECT("inc-timeout.t", "spf.dns_error", 1, WARN);
    EXPECT("a-timeout.t", "spf.dns_error", 1, WARN);
    EXPECT("a-timeout.t", "spf.void_lookup", 0, WARN);
    EXPECT("inc-ok.t", "spf.dns_error", 0, WARN);

    EXPECT("ptr.t", "spf.ptr_mechanism", 1, WARN);
    EXPECT("good.t", "spf.ptr_mechanism", 0, WARN);

    EXPECT("pall.t", "spf.pass_all", 1, ERR);
    EXPECT("bare-all.t", "spf.pass_all", 1, ERR);
    EXPECT("good.t", "spf.pass_all", 0, ERR);

    EXPECT("qall.t", "spf.neutral_all", 1, WARN);
    EXPECT("red-ok.t", "spf.neutral_all", 1, WARN); /* a redirect target stands for the top */
    EXPECT("inc-qall.t", "spf.neutral_all", 0, WARN); /* ?all in an include is how they work */
    EXPECT("good.t", "spf.neutral_all", 0, WARN);

    EXPECT("noall.t", "spf.no_all", 1, INFO);
    EXPECT("inc-noall.t", "spf.no_all", 0, INFO);
    EXPECT("red-ok.t", "spf.no_all", 0, INFO);
    EXPECT("good.t", "spf.no_all", 0, INFO);

    EXPECT("after.t", "spf.terms_after_all", 1, WARN);
    EXPECT("exp-after.t", "spf.terms_after_all", 0, WARN); /* modifiers may follow all */
    EXPECT("good.t", "spf.terms_after_all", 0, WARN);

    EXPECT("red-all.t", "spf.redirect_with_all", 1, WARN);
    EXPECT("red-ok.t", "spf.redirect_with_all", 0, WARN);

    EXPECT("multi.t", "spf.multiple_records", 1, ERR);
    EXPECT("inc-multi.t", "spf.multiple_records", 1, ERR);
    EXPECT("good.t", "spf.multiple_records", 0, ERR);

    EXPECT("empty.t", "spf.no_record", 1, WARN);
    EXPECT("nx.t", "spf.no_record", 1, WARN);
    EXPECT("good.t", "spf.no_record", 0, WARN);

    EXPECT("syntax.t", "spf.syntax_error", 1, ERR);
    EXPECT("inc-syntax.t", "spf.syntax_error", 1, ERR);
    EXPECT("good.t", "spf.syntax_error", 0, ERR);

    EXPECT("macro.t", "spf.macro_not_followed", 2, INFO);
    EXPECT("good.t", "spf.macro_not_followed", 0, INFO);

    EXPECT("type99.t", "spf.type99_record", 1, INFO);
    EXPECT("good.t", "spf.type99_record", 0, INFO);

    EXPECT("mx11.t", "spf.too_many_mx", 1, ERR);
    EXPECT("mx2.t", "spf.too_many_mx", 0, ERR);
    EXPECT("mx2.t", "spf.mx_host_lookups", 1, INFO);
    EXPECT("ptr.t", "spf.mx_host_lookups", 0, INFO);

    EXPECT("invalid.t", "spf.invalid_domain", 1, ERR);
    EXPECT("good.t", "spf.invalid_domain", 0, ERR);

    EXPECT("long.t", "spf.record_long", 1, INFO);
    EXPECT("long.t", "spf.record_too_long_for_udp", 0, WARN);
    EXPECT("crowded.t", "spf.record_too_long_for_udp", 1, WARN);
    EXPECT("crowded.t", "spf.record_long", 0, INFO);
    EXPECT("good.t", "spf.record_too_long_for_udp", 0, WARN);
    EXPECT("good.t", "spf.record_long", 0, INFO);

    /* a good record is quiet */
    deliver_spf_lint *l = lint(ctx, "good.t");
    CHECK_INT(deliver_spf_lint_finding_count(l), 1); /* the mx host note only */
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 1);
    CHECK_INT(deliver_spf_lint_mx_host_count(l), 2);
    CHECK_INT(deliver_spf_lint_void_lookup_count(l), 0);
    CHECK_STR(deliver_spf_lint_get_record(l), "v=spf1 ip4:192.0.2.0/24 mx:mx2.t -all");
    CHECK_STR(deliver_spf_lint_get_domain(l), "good.t");
    deliver_spf_lint_free(l);
    deliver_ctx_free(ctx);
}

/* ---- details: counts, locations, trees ---- */

static void test_details(void)
{
    deliver_ctx *ctx = zone_ctx();

    deliver_spf_lint *l = lint(ctx, "eleven.t");
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 12); /* 3 + 9 */
    CHECK_INT(deliver_spf_lint_tree_count(l), 2);
    CHECK_INT(deliver_spf_lint_tree_get_lookups(l, 0), 3);
    CHECK_INT(deliver_spf_lint_tree_get_lookups(l, 1), 9);
    CHECK_STR(deliver_spf_lint_tree_get_term(l, 1), "include:nine.t");
    CHECK(deliver_spf_lint_tree_get_domain(l, 2) == NULL);
    deliver_spf_lint_free(l);

    /* terms after all and a redirect beside all are never evaluated: not counted */
    l = lint(ctx, "after.t");
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 0);
    CHECK(strstr(deliver_finding_message(find(l, "spf.terms_after_all")), "2 terms") != NULL);
    deliver_spf_lint_free(l);
    l = lint(ctx, "red-all.t");
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 0);
    CHECK_INT(deliver_spf_lint_tree_count(l), 1);
    deliver_spf_lint_free(l);

    /* a loop: counted once, shown in the tree, not followed */
    l = lint(ctx, "loop-a.t");
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 2);
    CHECK_INT(deliver_spf_lint_tree_count(l), 3);
    CHECK_STR(deliver_spf_lint_tree_get_domain(l, 2), "loop-a.t");
    CHECK_INT(deliver_spf_lint_tree_get_depth(l, 2), 2);
    CHECK_STR(deliver_spf_lint_tree_get_detail(l, 2), "not followed: loop");
    CHECK_STR(deliver_spf_lint_tree_get_record(l, 2), "");
    CHECK_STR(deliver_finding_location(find(l, "spf.include_loop")), "loop-b.t");
    deliver_spf_lint_free(l);

    /* the same include twice costs twice */
    l = lint(ctx, "diamond.t");
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 4);
    CHECK_INT(deliver_spf_lint_tree_count(l), 3);
    deliver_spf_lint_free(l);

    /* voids: where and how many */
    l = lint(ctx, "void3.t");
    CHECK_INT(deliver_spf_lint_void_lookup_count(l), 3);
    CHECK(strstr(deliver_finding_message(find(l, "spf.void_lookup")), "nx1.t does not exist") !=
          NULL);
    deliver_spf_lint_free(l);

    /* a syntax error: the byte offset in the location */
    l = lint(ctx, "inc-syntax.t");
    CHECK_STR(deliver_finding_location(find(l, "spf.syntax_error")), "syntax.t offset 7");
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 1);
    CHECK_STR(deliver_spf_lint_tree_get_detail(l, 1), "syntax error");
    deliver_spf_lint_free(l);

    /* macros are noted and not followed, but counted */
    l = lint(ctx, "macro.t");
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 2);
    CHECK_INT(deliver_spf_lint_tree_count(l), 2);
    CHECK_STR(deliver_spf_lint_tree_get_domain(l, 1), "%{d}.spf.t");
    CHECK_STR(deliver_spf_lint_tree_get_detail(l, 1), "not followed: uses macros");
    deliver_spf_lint_free(l);

    /* a timeout in an include: its terms are not counted, the include is */
    l = lint(ctx, "inc-timeout.t");
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 1);
    CHECK_STR(deliver_spf_lint_tree_get_detail(l, 1), "timeout");
    deliver_spf_lint_free(l);

    /* SERVFAIL and NXDOMAIN in an include */
    CHECK_INT(deliver_ctx_add_zone_failure(ctx, "broken.t", 0, DELIVER_DNS_SERVFAIL),
              DELIVER_OK);
    l = NULL;
    CHECK_INT(deliver_spf_lint_new(&l, ctx), DELIVER_OK);
    const char *rec = "v=spf1 include:broken.t include:nothing-here.t -all";
    CHECK_INT(deliver_spf_lint_record(l, rec, strlen(rec), "x.t"), DELIVER_OK);
    CHECK_INT(has(l, "spf.dns_error"), 1);
    CHECK_INT(has(l, "spf.include_without_record"), 1);
    CHECK(strstr(deliver_finding_message(find(l, "spf.dns_error")), "servfail") != NULL);
    CHECK_STR(deliver_spf_lint_tree_get_detail(l, 2), "domain does not exist");
    deliver_spf_lint_free(l);
    deliver_ctx_free(ctx);
}

/* ---- record text as if published ---- */

static deliver_spf_lint *lint_text(deliver_ctx *ctx, const char *text, const char *domain)
{
    deliver_spf_lint *l = NULL;
    CHECK_INT(deliver_spf_lint_new(&l, ctx), DELIVER_OK);
    CHECK_INT(deliver_spf_lint_record(l, text, strlen(text), domain), DELIVER_OK);
    return l;
}

static void test_record_text(void)
{
    deliver_ctx *ctx = zone_ctx();
    char big[400];
    strcpy(big, "v=spf1");
    for (int i = 1; i <= 20; i++) {
        snprintf(big + strlen(big), sizeof(big) - strlen(big), " ip4:192.0.2.%d", i);
    }
    strcat(big, " -all");
    CHECK(strlen(big) > 255);

    /* one string over 255 octets must be split */
    deliver_spf_lint *l = lint_text(ctx, big, NULL);
    CHECK_INT(has(l, "spf.string_too_long"), 1);
    CHECK(strstr(deliver_finding_message(find(l, "spf.string_too_long")), "must be split"));
    CHECK_INT(has(l, "spf.syntax_error"), 0);
    CHECK_STR(deliver_spf_lint_get_domain(l), "");
    CHECK_STR(deliver_spf_lint_get_record(l), big);
    deliver_spf_lint_free(l);

    /* zone form: split strings are fine, joined without spaces */
    l = lint_text(ctx, "\"v=spf1 ip4:192.0.2.1\" \" include:leaf.t -all\"", "as-if.t");
    CHECK_INT(has(l, "spf.string_too_long"), 0);
    CHECK_STR(deliver_spf_lint_get_record(l), "v=spf1 ip4:192.0.2.1 include:leaf.t -all");
    CHECK_STR(deliver_spf_lint_get_domain(l), "as-if.t");
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 2); /* include + leaf's a: */
    CHECK_INT(deliver_spf_lint_finding_count(l), 0);
    deliver_spf_lint_free(l);

    /* zone form with an over-long string, and escapes */
    char zoned[700];
    snprintf(zoned, sizeof(zoned), "\"%s\" \"\\032a:h1.t\"", big);
    l = lint_text(ctx, zoned, "as-if.t");
    CHECK_INT(has(l, "spf.string_too_long"), 1);
    CHECK(strstr(deliver_spf_lint_get_record(l), "-all a:h1.t") != NULL);
    CHECK_INT(has(l, "spf.terms_after_all"), 1);
    deliver_spf_lint_free(l);

    l = lint_text(ctx, "\"v=spf1 -all", NULL);
    CHECK_INT(has(l, "spf.syntax_error"), 1);
    CHECK_STR(deliver_finding_location(find(l, "spf.syntax_error")), "offset 0");
    deliver_spf_lint_free(l);
    l = lint_text(ctx, "\"v=spf1\" -all", NULL);
    CHECK_INT(has(l, "spf.syntax_error"), 1);
    deliver_spf_lint_free(l);

    /* syntax errors carry the offset */
    l = lint_text(ctx, "v=spf1 a:h1.t ip4:300.1.1.1 -all", "x.t");
    CHECK_STR(deliver_finding_location(find(l, "spf.syntax_error")), "x.t offset 14");
    deliver_spf_lint_free(l);
    l = lint_text(ctx, "spf1 -all", NULL);
    CHECK_INT(has(l, "spf.syntax_error"), 1);
    deliver_spf_lint_free(l);

    /* terms without a domain-spec use the domain; without one they are counted only */
    l = lint_text(ctx, "v=spf1 mx a -all", "mx2.t");
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 2);
    CHECK_INT(deliver_spf_lint_mx_host_count(l), 2);
    CHECK_INT(has(l, "spf.void_lookup"), 1); /* mx2.t has no address of its own */
    deliver_spf_lint_free(l);
    l = lint_text(ctx, "v=spf1 mx a -all", NULL);
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 2);
    CHECK_INT(deliver_spf_lint_finding_count(l), 0);
    deliver_spf_lint_free(l);

    /* as if published where a type 99 record is left */
    l = lint_text(ctx, "v=spf1 -all", "type99.t");
    CHECK_INT(has(l, "spf.type99_record"), 1);
    deliver_spf_lint_free(l);

    /* a record too long for UDP as text */
    char huge[700];
    strcpy(huge, "v=spf1");
    while (strlen(huge) < 600) {
        strcat(huge, " ip6:2001:db8::/32");
    }
    l = lint_text(ctx, huge, "x.t");
    CHECK_INT(has(l, "spf.record_too_long_for_udp"), 1);
    CHECK_INT(has(l, "spf.record_long"), 1);
    CHECK_INT(has(l, "spf.no_all"), 1);
    deliver_spf_lint_free(l);

    /* loops back to the domain the text stands for */
    l = lint_text(ctx, "v=spf1 include:self.t -all", "self.t");
    CHECK_INT(has(l, "spf.include_loop"), 1);
    deliver_spf_lint_free(l);
    deliver_ctx_free(ctx);
}

/* ---- examples/example.zone: a nested tree past 10, counted by hand ---- */

static void test_example_zone(void)
{
    const char *root = getenv("DELIVER_SOURCE_ROOT");
    char path[1024];
    snprintf(path, sizeof(path), "%s/examples/example.zone", root ? root : "../..");
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    CHECK_INT(deliver_ctx_add_zone_file(ctx, path), DELIVER_OK);
    /*
     * acme-shop.example:    mx ptr include include       4
     *   _spf.mailer:        include x3                   3
     *     _spf1:            a:out1                       1
     *     _spf2:            a:out2                       1
     *     _spf3:            mx:mailer.example exists:%{i}... 2
     *   spf.crm:            include x2                   2
     *     spf-a:            a:smtp-a                     1
     *     spf-b:            a:smtp-b                     1
     * total 15; MX hosts: acme-shop (2) + mailer.example (1) = 3
     */
    deliver_spf_lint *l = lint(ctx, "acme-shop.example");
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 15);
    CHECK_INT(deliver_spf_lint_void_lookup_count(l), 0);
    CHECK_INT(deliver_spf_lint_mx_host_count(l), 3);
    CHECK_INT(has(l, "spf.too_many_lookups"), 1);
    CHECK_INT(has(l, "spf.ptr_mechanism"), 1);
    CHECK_INT(has(l, "spf.macro_not_followed"), 1);
    CHECK_INT(has(l, "spf.mx_host_lookups"), 1);
    static const struct {
        unsigned depth;
        const char *domain;
        unsigned lookups;
    } tree[] = {{0, "acme-shop.example", 4}, {1, "_spf.mailer.example", 3},
                {2, "_spf1.mailer.example", 1}, {2, "_spf2.mailer.example", 1},
                {2, "_spf3.mailer.example", 2}, {1, "spf.crm.example", 2},
                {2, "spf-a.crm.example", 1}, {2, "spf-b.crm.example", 1}};
    CHECK_INT(deliver_spf_lint_tree_count(l), DLV_ARRAY_LEN(tree));
    for (size_t i = 0; i < DLV_ARRAY_LEN(tree) && i < deliver_spf_lint_tree_count(l); i++) {
        CHECK_INT(deliver_spf_lint_tree_get_depth(l, i), tree[i].depth);
        CHECK_STR(deliver_spf_lint_tree_get_domain(l, i), tree[i].domain);
        CHECK_INT(deliver_spf_lint_tree_get_lookups(l, i), tree[i].lookups);
        CHECK(strncmp(deliver_spf_lint_tree_get_record(l, i), "v=spf1 ", 7) == 0);
    }
    CHECK_STR(deliver_spf_lint_tree_get_term(l, 0), "");
    CHECK_STR(deliver_spf_lint_tree_get_term(l, 5), "include:spf.crm.example");
    deliver_spf_lint_free(l);

    l = lint(ctx, "news.acme-shop.example");
    CHECK_INT(has(l, "spf.multiple_records"), 1);
    deliver_spf_lint_free(l);
    deliver_ctx_free(ctx);
}

/* ---- deep and wide trees: the bounds ---- */

static void test_limits(void)
{
    char *z = malloc(200000);
    size_t n = 0;
    n += (size_t)sprintf(z + n, "$ORIGIN lim.\n$TTL 300\n@ SOA ns h 1 2 3 4 5\n");
    for (int i = 0; i < 30; i++) { /* a chain 30 deep */
        n += (size_t)sprintf(z + n, "d%d TXT \"v=spf1 include:d%d.lim -all\"\n", i, i + 1);
    }
    n += (size_t)sprintf(z + n, "d30 TXT \"v=spf1 -all\"\n");
    /* 12 x 12 includes: more than 100 records */
    n += (size_t)sprintf(z + n, "w TXT \"v=spf1");
    for (int i = 0; i < 12; i++) {
        n += (size_t)sprintf(z + n, " include:w%d.lim", i);
    }
    n += (size_t)sprintf(z + n, " -all\"\n");
    for (int i = 0; i < 12; i++) {
        n += (size_t)sprintf(z + n, "w%d TXT \"v=spf1", i);
        for (int k = 0; k < 12; k++) {
            n += (size_t)sprintf(z + n, " include:w%d-%d.lim", i, k);
        }
        n += (size_t)sprintf(z + n, " -all\"\n");
        for (int k = 0; k < 12; k++) {
            n += (size_t)sprintf(z + n, "w%d-%d TXT \"v=spf1 a:w%d-%d.lim -all\"\n", i, k, i, k);
        }
    }
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    CHECK_INT(deliver_ctx_add_zone_text(ctx, z, n, NULL), DELIVER_OK);
    free(z);

    deliver_spf_lint *l = lint(ctx, "d0.lim");
    CHECK_INT(has(l, "spf.lint_limit"), 1);
    CHECK_INT(has(l, "spf.too_many_lookups"), 1);
    CHECK_INT(deliver_spf_lint_tree_count(l), 21);
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 21);
    deliver_spf_lint_free(l);

    l = lint(ctx, "d15.lim");
    CHECK_INT(has(l, "spf.lint_limit"), 0);
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 15);
    deliver_spf_lint_free(l);

    l = lint(ctx, "w.lim");
    CHECK_INT(has(l, "spf.lint_limit"), 1);
    CHECK_INT(deliver_spf_lint_tree_count(l), 100);
    CHECK(deliver_spf_lint_dns_mechanism_count(l) > 100);
    deliver_spf_lint_free(l);
    deliver_ctx_free(ctx);
}

/* ---- the sans-I/O core: breadth-first, every question of a level at once ---- */

typedef struct rrs {
    const char *name;
    uint16_t type;
    const char *rr[3];
} rrs;

static const rrs mini[] = {
    {"top.m", 16, {"top.m. 60 IN TXT \"v=spf1 include:a.m include:b.m mx -all\""}},
    {"top.m", 15, {"top.m. 60 IN MX 10 h.m."}},
    {"a.m", 16, {"a.m. 60 IN TXT \"v=spf1 include:c.m a:h.m ~all\""}},
    {"b.m", 16, {"b.m. 60 IN TXT \"v=spf1 ip4:192.0.2.1 -all\""}},
    {"c.m", 16, {"c.m. 60 IN TXT \"v=spf1 -all\""}},
    {"h.m", 1, {"h.m. 60 IN A 192.0.2.5"}},
};

/* Answers question i of the lint from the table above (NODATA/NXDOMAIN otherwise). */
static void answer_from_table(deliver_spf_lint *l, uint64_t id, const char *qname, uint16_t qtype)
{
    const char *const *ans = NULL;
    int known = 0;
    for (size_t k = 0; k < DLV_ARRAY_LEN(mini); k++) {
        if (strcmp(mini[k].name, qname) == 0) {
            known = 1;
            if (mini[k].type == qtype) {
                ans = mini[k].rr;
            }
        }
    }
    const char *soa[] = {"m. 60 IN SOA ns.m. h.m. 1 2 3 4 60", NULL};
    uint8_t *w = NULL;
    size_t n = 0;
    CHECK_INT(make_reply(qname, qtype, 9, ans || known ? 0 : 3, ans, ans ? NULL : soa, &w, &n), 0);
    CHECK_INT(deliver_spf_lint_answer(l, id, DELIVER_DNS_OK, w, n), DELIVER_OK);
    free(w);
}

/* The open questions as "TYPE name" sorted into one string. */
static void open_questions(deliver_spf_lint *l, char *out, size_t outsz)
{
    char items[16][300];
    size_t n = deliver_spf_lint_query_count(l);
    for (size_t i = 0; i < n && i < 16; i++) {
        uint64_t id;
        const char *name;
        uint16_t type;
        char tn[16];
        CHECK_INT(deliver_spf_lint_get_query(l, i, &id, &name, &type), DELIVER_OK);
        snprintf(items[i], sizeof(items[i]), "%s %s", deliver_dns_type_name(type, tn, sizeof(tn)),
                 name);
    }
    for (size_t i = 0; i < n && i < 16; i++) { /* insertion sort */
        for (size_t k = i; k > 0 && strcmp(items[k - 1], items[k]) > 0; k--) {
            char t[300];
            strcpy(t, items[k]);
            strcpy(items[k], items[k - 1]);
            strcpy(items[k - 1], t);
        }
    }
    out[0] = '\0';
    for (size_t i = 0; i < n && i < 16; i++) {
        snprintf(out + strlen(out), outsz - strlen(out), "%s%s", i ? ", " : "", items[i]);
    }
}

/* Answers every open question, last first. */
static void answer_all(deliver_spf_lint *l)
{
    size_t n = deliver_spf_lint_query_count(l);
    uint64_t ids[32];
    const char *names[32];
    uint16_t types[32];
    for (size_t i = 0; i < n && i < 32; i++) {
        CHECK_INT(deliver_spf_lint_get_query(l, i, &ids[i], &names[i], &types[i]), DELIVER_OK);
    }
    char copy[32][300];
    for (size_t i = 0; i < n && i < 32; i++) {
        snprintf(copy[i], sizeof(copy[i]), "%s", names[i]); /* borrowed until answered */
    }
    for (size_t i = n; i-- > 0;) {
        answer_from_table(l, ids[i], copy[i], types[i]);
    }
}

static void test_sans_io(void)
{
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    deliver_spf_lint *l = NULL;
    CHECK_INT(deliver_spf_lint_new(&l, ctx), DELIVER_OK);
    CHECK_INT(deliver_spf_lint_step(l), DELIVER_E_STATE);
    CHECK_INT(deliver_spf_lint_start_domain(l, "TOP.m."), DELIVER_OK);
    char q[2000];
    static const char *const levels[] = {
        "SPF top.m, TXT top.m",
        "MX top.m, TXT a.m, TXT b.m",          /* the top's targets and level 1 together */
        "A h.m, AAAA h.m, TXT c.m",            /* level 1's targets and level 2 */
    };
    for (size_t k = 0; k < DLV_ARRAY_LEN(levels); k++) {
        CHECK_INT(deliver_spf_lint_step(l), DELIVER_PENDING);
        open_questions(l, q, sizeof(q));
        CHECK_STR(q, levels[k]);
        /* a step with questions open asks nothing new */
        CHECK_INT(deliver_spf_lint_step(l), DELIVER_PENDING);
        CHECK_INT(deliver_spf_lint_finding_count(l), 0);
        answer_all(l);
    }
    CHECK_INT(deliver_spf_lint_step(l), DELIVER_OK);
    CHECK_INT(deliver_spf_lint_step(l), DELIVER_OK);
    CHECK_INT(deliver_spf_lint_query_count(l), 0);
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 5);
    CHECK_INT(deliver_spf_lint_mx_host_count(l), 1);
    CHECK_INT(deliver_spf_lint_void_lookup_count(l), 0);
    CHECK_INT(deliver_spf_lint_tree_count(l), 4);
    CHECK_STR(deliver_spf_lint_tree_get_domain(l, 0), "top.m");
    CHECK_STR(deliver_spf_lint_tree_get_domain(l, 1), "a.m");
    CHECK_STR(deliver_spf_lint_tree_get_domain(l, 2), "c.m");
    CHECK_STR(deliver_spf_lint_tree_get_domain(l, 3), "b.m");
    CHECK_INT(deliver_spf_lint_tree_get_depth(l, 2), 2);
    CHECK_INT(deliver_spf_lint_answer(l, 1, DELIVER_DNS_TIMEOUT, NULL, 0), DELIVER_E_STATE);

    /* outcomes instead of replies: a timeout of an include, NXDOMAIN of a target */
    CHECK_INT(deliver_spf_lint_start_record(l, "v=spf1 include:x.m a:y.m -all", 29, NULL),
              DELIVER_OK);
    CHECK_INT(deliver_spf_lint_step(l), DELIVER_PENDING);
    open_questions(l, q, sizeof(q));
    CHECK_STR(q, "A y.m, AAAA y.m, TXT x.m");
    for (size_t i = deliver_spf_lint_query_count(l); i-- > 0;) {
        uint64_t id;
        const char *name;
        uint16_t type;
        CHECK_INT(deliver_spf_lint_get_query(l, i, &id, &name, &type), DELIVER_OK);
        deliver_dns_outcome oc = type == DELIVER_DNS_TYPE_TXT ? DELIVER_DNS_TIMEOUT
                                                              : DELIVER_DNS_NXDOMAIN;
        CHECK_INT(deliver_spf_lint_answer(l, id, oc, NULL, 0), DELIVER_OK);
        CHECK_INT(deliver_spf_lint_answer(l, id, oc, NULL, 0), DELIVER_E_NOTFOUND);
    }
    CHECK_INT(deliver_spf_lint_step(l), DELIVER_OK);
    CHECK_INT(has(l, "spf.dns_error"), 1);
    CHECK_INT(has(l, "spf.void_lookup"), 1);
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 2);

    /* misuse */
    CHECK_INT(deliver_spf_lint_start_domain(l, "bad..name"), DELIVER_E_INVALID);
    CHECK(*deliver_spf_lint_errmsg(l) != '\0');
    CHECK_INT(deliver_spf_lint_step(l), DELIVER_E_STATE);
    CHECK_INT(deliver_spf_lint_finding_count(l), 0);
    CHECK_INT(deliver_spf_lint_tree_count(l), 0);
    CHECK(deliver_spf_lint_get_finding(l, 0) == NULL);
    CHECK_INT(deliver_spf_lint_start_domain(l, NULL), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_lint_start_domain(l, ""), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_lint_start_record(l, NULL, 3, NULL), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_lint_start_record(l, "v=spf1", 6, "bad..name"), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_lint_start_domain(NULL, "a.b"), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_lint_step(NULL), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_lint_answer(NULL, 1, DELIVER_DNS_TIMEOUT, NULL, 0), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_lint_get_query(NULL, 0, NULL, NULL, NULL), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_lint_query_count(NULL), 0);
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(NULL), 0);
    CHECK_STR(deliver_spf_lint_errmsg(NULL), "");
    CHECK_STR(deliver_spf_lint_get_record(NULL), "");
    CHECK(deliver_spf_lint_tree_get_domain(NULL, 0) == NULL);
    CHECK_INT(deliver_spf_lint_new(NULL, ctx), DELIVER_E_INVALID);
    deliver_spf_lint *l2 = (deliver_spf_lint *)&l2;
    CHECK_INT(deliver_spf_lint_new(&l2, NULL), DELIVER_E_INVALID);
    CHECK(l2 == NULL);
    CHECK_INT(deliver_spf_lint_domain(NULL, "a.b"), DELIVER_E_INVALID);
    deliver_spf_lint_free(NULL);
    deliver_spf_lint_free(l);
    deliver_ctx_free(ctx);
}

/* ---- hostile answers ---- */

static void test_hostile(void)
{
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    deliver_spf_lint *l = NULL;
    CHECK_INT(deliver_spf_lint_new(&l, ctx), DELIVER_OK);

    /* garbage, a reply to another question, an unknown id, a bad outcome */
    CHECK_INT(deliver_spf_lint_start_domain(l, "h.test"), DELIVER_OK);
    CHECK_INT(deliver_spf_lint_step(l), DELIVER_PENDING);
    uint64_t id[2];
    const char *name;
    uint16_t type[2];
    CHECK_INT(deliver_spf_lint_get_query(l, 0, &id[0], &name, &type[0]), DELIVER_OK);
    CHECK_INT(deliver_spf_lint_get_query(l, 1, &id[1], &name, &type[1]), DELIVER_OK);
    CHECK_INT(deliver_spf_lint_answer(l, 999, DELIVER_DNS_TIMEOUT, NULL, 0), DELIVER_E_NOTFOUND);
    CHECK_INT(deliver_spf_lint_answer(l, id[0], DELIVER_DNS_OK, NULL, 0), DELIVER_E_INVALID);
    CHECK_INT(deliver_spf_lint_answer(l, id[0], (deliver_dns_outcome)77, NULL, 0),
              DELIVER_E_INVALID);
    size_t txt = type[0] == DELIVER_DNS_TYPE_TXT ? 0 : 1;
    const uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
    CHECK_INT(deliver_spf_lint_answer(l, id[1 - txt], DELIVER_DNS_OK, junk, sizeof(junk)),
              DELIVER_OK);
    uint8_t *w = NULL;
    size_t n = 0;
    const char *other[] = {"other.test. 60 IN TXT \"v=spf1 +all\"", NULL};
    CHECK_INT(make_reply("other.test", 16, 1, 0, other, NULL, &w, &n), 0);
    CHECK_INT(deliver_spf_lint_answer(l, id[txt], DELIVER_DNS_OK, w, n), DELIVER_OK);
    free(w);
    CHECK_INT(deliver_spf_lint_step(l), DELIVER_OK);
    CHECK_INT(has(l, "spf.dns_error"), 1);
    CHECK_INT(has(l, "spf.pass_all"), 0);

    /* many strings, a CNAME to elsewhere, non-TXT records in a TXT answer, a huge MX set */
    CHECK_INT(deliver_spf_lint_start_domain(l, "h.test"), DELIVER_OK);
    CHECK_INT(deliver_spf_lint_step(l), DELIVER_PENDING);
    CHECK_INT(deliver_spf_lint_get_query(l, 0, &id[0], &name, &type[0]), DELIVER_OK);
    CHECK_INT(deliver_spf_lint_get_query(l, 1, &id[1], &name, &type[1]), DELIVER_OK);
    txt = type[0] == DELIVER_DNS_TYPE_TXT ? 0 : 1;
    static char rec[3000];
    strcpy(rec, "h.test. 60 IN TXT \"v=spf1 mx:mx.test\"");
    for (int i = 0; i < 10; i++) {
        strcat(rec, " \" ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4\"");
    }
    strcat(rec, " \" ptr:%{ir}.x -all\"");
    const char *many[] = {rec, "h.test. 60 IN A 192.0.2.1", "h.test. 60 IN TXT \"\"", NULL};
    CHECK_INT(make_reply("h.test", 16, 5, 0, many, NULL, &w, &n), 0);
    CHECK_INT(deliver_spf_lint_answer(l, id[txt], DELIVER_DNS_OK, w, n), DELIVER_OK);
    free(w);
    const char *spf99[] = {"h.test. 60 IN TYPE99 \\# 0", NULL};
    CHECK_INT(make_reply("h.test", 99, 5, 0, spf99, NULL, &w, &n), 0);
    CHECK_INT(deliver_spf_lint_answer(l, id[1 - txt], DELIVER_DNS_OK, w, n), DELIVER_OK);
    free(w);
    CHECK_INT(deliver_spf_lint_step(l), DELIVER_PENDING);
    CHECK_INT(deliver_spf_lint_query_count(l), 1);
    CHECK_INT(deliver_spf_lint_get_query(l, 0, &id[0], &name, &type[0]), DELIVER_OK);
    CHECK_INT(type[0], DELIVER_DNS_TYPE_MX);
    static char mx[40][64];
    const char *mxs[41];
    for (int i = 0; i < 40; i++) {
        snprintf(mx[i], sizeof(mx[i]), "mx.test. 60 IN MX %d m%d.test.", i, i);
        mxs[i] = mx[i];
    }
    mxs[40] = NULL;
    CHECK_INT(make_reply("mx.test", 15, 5, 0, mxs, NULL, &w, &n), 0);
    CHECK_INT(deliver_spf_lint_answer(l, id[0], DELIVER_DNS_OK, w, n), DELIVER_OK);
    free(w);
    CHECK_INT(deliver_spf_lint_step(l), DELIVER_OK);
    CHECK_INT(has(l, "spf.too_many_mx"), 1);
    CHECK_INT(has(l, "spf.ptr_mechanism"), 1);
    CHECK_INT(has(l, "spf.record_too_long_for_udp"), 1);
    CHECK_INT(has(l, "spf.type99_record"), 1);
    CHECK_INT(deliver_spf_lint_mx_host_count(l), 40);
    CHECK_INT(deliver_spf_lint_dns_mechanism_count(l), 2);
    deliver_spf_lint_free(l);
    deliver_ctx_free(ctx);
}

/* ---- allocation failures at every step ---- */


static void test_nomem(void)
{
    int completed = 0;
    long fail_at;
    for (fail_at = 1; fail_at < 20000 && !completed; fail_at++) {
        failing f = {0, fail_at, 0};
        deliver_ctx *ctx = NULL;
        if (deliver_ctx_new_with_allocator(&ctx, f_alloc, f_realloc, f_free, &f) != DELIVER_OK) {
            CHECK_INT(f.live, 0);
            continue;
        }
        deliver_spf_lint *l = NULL;
        deliver_status st = deliver_ctx_add_zone_text(ctx, zone, strlen(zone), NULL);
        if (st == DELIVER_OK) {
            st = deliver_spf_lint_new(&l, ctx);
        }
        if (st == DELIVER_OK) {
            st = deliver_spf_lint_domain(l, "inc-ok.t");
            if (st == DELIVER_OK) {
                st = deliver_spf_lint_record(l, "v=spf1 include:loop-a.t mx:mx2.t ?all", 37,
                                             "void3.t");
            }
            if (st == DELIVER_OK) {
                completed = 1;
                CHECK_INT(has(l, "spf.include_loop"), 1);
                CHECK_INT(has(l, "spf.neutral_all"), 1);
            } else {
                CHECK_INT(st, DELIVER_E_NOMEM);
            }
        } else {
            CHECK_INT(st, DELIVER_E_NOMEM);
        }
        deliver_spf_lint_free(l);
        deliver_ctx_free(ctx);
        CHECK_INT(f.live, 0);
    }
    CHECK(completed);
}

int main(void)
{
    test_findings();
    test_details();
    test_record_text();
    test_example_zone();
    test_limits();
    test_sans_io();
    test_hostile();
    test_nomem();
    return check_done("spf-lint");
}

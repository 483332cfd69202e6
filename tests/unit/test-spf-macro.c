/*
 * Unit tests: lib/spf/macro.c (dlv_spf_expand, dlv_spf_uses_p) against the examples of
 * RFC 7208 section 7.4 and the explanations of the RFC 7208 test suite.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "core/core.h"
#include "spf/spf_int.h"

static deliver_ctx *ctx;
static dlv_buf out;
static const char *why;

/* Expand from an exactly sized heap copy (ASan sees reads past len); NULL on failure. */
static const char *expand_mode(const dlv_spf_macro_env *env, const char *spec, int mode)
{
    size_t len = strlen(spec);
    char *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        return NULL;
    }
    memcpy(copy, spec, len);
    dlv_buf_reset(&out);
    why = NULL;
    int rc = dlv_spf_expand(env, copy, len, mode, &out, &why);
    free(copy);
    if (rc != 0) {
        if (why == NULL || why[0] == '\0') {
            fprintf(stderr, "no reason for \"%s\"\n", spec);
        }
        CHECK_INT(out.len, 0);
        return NULL;
    }
    return out.len ? out.data : "";
}

static const char *dom(const dlv_spf_macro_env *env, const char *spec)
{
    return expand_mode(env, spec, DLV_SPF_EXPAND_DOMAIN);
}

static const char *exp_text(const dlv_spf_macro_env *env, const char *spec)
{
    return expand_mode(env, spec, DLV_SPF_EXPAND_EXP);
}

static dlv_ip ip4, ip6;

static dlv_spf_macro_env rfc_env(const dlv_ip *ip)
{
    dlv_spf_macro_env e;
    memset(&e, 0, sizeof(e));
    e.local = "strong-bad";
    e.sender_domain = "email.example.com";
    e.domain = "email.example.com";
    e.ip = ip;
    e.helo = "mx.example.org";
    e.validated = NULL;
    e.receiver = NULL;
    e.now = 1234567890;
    return e;
}

static void test_rfc_7_4(void)
{
    dlv_spf_macro_env e = rfc_env(&ip4);
    CHECK_STR(dom(&e, "%{s}"), "strong-bad@email.example.com");
    CHECK_STR(dom(&e, "%{o}"), "email.example.com");
    CHECK_STR(dom(&e, "%{d}"), "email.example.com");
    CHECK_STR(dom(&e, "%{d4}"), "email.example.com");
    CHECK_STR(dom(&e, "%{d3}"), "email.example.com");
    CHECK_STR(dom(&e, "%{d2}"), "example.com");
    CHECK_STR(dom(&e, "%{d1}"), "com");
    CHECK_STR(dom(&e, "%{dr}"), "com.example.email");
    CHECK_STR(dom(&e, "%{d2r}"), "example.email");
    CHECK_STR(dom(&e, "%{l}"), "strong-bad");
    CHECK_STR(dom(&e, "%{l-}"), "strong.bad");
    CHECK_STR(dom(&e, "%{lr}"), "strong-bad");
    CHECK_STR(dom(&e, "%{lr-}"), "bad.strong");
    CHECK_STR(dom(&e, "%{l1r-}"), "strong");
    CHECK_STR(dom(&e, "%{ir}.%{v}._spf.%{d2}"), "3.2.0.192.in-addr._spf.example.com");
    CHECK_STR(dom(&e, "%{lr-}.lp._spf.%{d2}"), "bad.strong.lp._spf.example.com");
    CHECK_STR(dom(&e, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}"),
              "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
    CHECK_STR(dom(&e, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}"),
              "3.2.0.192.in-addr.strong.lp._spf.example.com");
    CHECK_STR(dom(&e, "%{d2}.trusted-domains.example.net"),
              "example.com.trusted-domains.example.net");

    dlv_spf_macro_env e6 = rfc_env(&ip6);
    const char *rfc6 = "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf."
                       "example.com";
    const char *got = dom(&e6, "%{ir}.%{v}._spf.%{d2}");
    /* the RFC prints lower case; nibbles come out in upper case as pyspf does (DNS ignores
     * case, the suite's v-macro-ip6 explanation needs upper case) */
    CHECK(got != NULL && strcasecmp(got, rfc6) == 0);
    CHECK_STR(got, "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf."
                   "example.com");
    CHECK_STR(dom(&e6, "%{i}"), "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.0.1");
    CHECK_STR(dom(&e6, "%{v}"), "ip6");
    CHECK_STR(exp_text(&e6, "%{c}"), "2001:db8::cb01");
    CHECK_STR(exp_text(&e, "%{c}"), "192.0.2.3");
    CHECK_STR(dom(&e, "%{i}"), "192.0.2.3");
    CHECK_STR(dom(&e, "%{v}"), "in-addr");
}

/* The explanations and domain expansions of the suite's "Macro expansion rules". */
static void test_suite(void)
{
    dlv_ip a40, cafe1, cafe3, b6;
    CHECK_INT(dlv_ip_parse("192.168.218.40", 14, &a40), 0);
    CHECK_INT(dlv_ip_parse("CAFE:BABE::1", 12, &cafe1), 0);
    CHECK_INT(dlv_ip_parse("CAFE:BABE::3", 12, &cafe3), 0);
    CHECK_INT(dlv_ip_parse("2001:db8:ff0:100::2", 19, &b6), 0);

    dlv_spf_macro_env e;
    memset(&e, 0, sizeof(e));
    e.local = "test";
    e.sender_domain = "e3.example.com";
    e.domain = "e3.example.com";
    e.ip = &a40;
    e.helo = "msgbas2x.cos.example.com";

    /* exp-txt-macro-char */
    CHECK_STR(dom(&e, "%{ir}.example.com"), "40.218.168.192.example.com");
    CHECK_STR(exp_text(&e, "Connections from %{c} not authorized."),
              "Connections from 192.168.218.40 not authorized.");
    /* v-macro-ip4 / v-macro-ip6 */
    CHECK_STR(exp_text(&e, "%{c} is queried as %{ir}.%{v}.arpa"),
              "192.168.218.40 is queried as 40.218.168.192.in-addr.arpa");
    e.ip = &cafe1;
    CHECK_STR(exp_text(&e, "%{c} is queried as %{ir}.%{v}.arpa"),
              "cafe:babe::1 is queried as "
              "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.E.B.A.B.E.F.A.C.ip6.arpa");
    /* p-macro-* */
    CHECK_STR(exp_text(&e, "connect from %{p}"), "connect from unknown");
    e.ip = &cafe3;
    e.validated = "mx.example.com";
    CHECK_STR(exp_text(&e, "connect from %{p}"), "connect from mx.example.com");
    e.validated = "unknown";
    CHECK_STR(exp_text(&e, "connect from %{p}"), "connect from unknown");
    e.validated = NULL;
    e.ip = &a40;
    /* upper-macro */
    e.local = "~jack&jill=up-a_b3.c";
    e.domain = "e8.example.com";
    CHECK_STR(dom(&e, "msg8.%{D2}"), "msg8.example.com");
    CHECK_STR(exp_text(&e, "http://example.com/why.html?l=%{L}"),
              "http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c");
    /* dorky-sentinel */
    e.local = "Macro Error";
    CHECK_STR(exp_text(&e, "%{l} in implementation"), "Macro Error in implementation");
    /* trailing-dot-exp: the dot stays */
    CHECK_STR(exp_text(&e, "This is a test."), "This is a test.");
    /* domain-name-truncation: 258 octets lose their first label */
    e.sender_domain = "somewhat.long.exp.example.com";
    CHECK_STR(dom(&e, "foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com"),
              "somewhat.long.exp.example.com.somewhat.long.exp.example.com.somewhat.long.exp."
              "example.com.somewhat.long.exp.example.com.somewhat.long.exp.example.com."
              "somewhat.long.exp.example.com.somewhat.long.exp.example.com.somewhat.long.exp."
              "example.com.example.com");
    /* macro-mania-in-domain */
    CHECK_STR(dom(&e, "macro%%percent%_%_space%-url-space.example.com"),
              "macro%percent  space%20url-space.example.com");
    /* hello-macro, invalid-hello-macro, hello-domain-literal */
    CHECK_STR(dom(&e, "%{H}"), "msgbas2x.cos.example.com");
    e.helo = "JUMPIN' JUPITER";
    CHECK_STR(dom(&e, "%{H}"), "JUMPIN%27%20JUPITER");
    CHECK_STR(dom(&e, "%{h}"), "JUMPIN' JUPITER");
    e.helo = "[192.168.218.40]";
    CHECK_STR(dom(&e, "%{H}"), "%5B192.168.218.40%5D");
    /* require-valid-helo */
    e.domain = "e10.example.com";
    e.helo = "OEMCOMPUTER";
    CHECK_STR(dom(&e, "_spfh.%{d2}"), "_spfh.example.com");
    CHECK_STR(dom(&e, "%{h}"), "OEMCOMPUTER");
    /* macro-reverse-split-on-dash */
    dlv_ip a1234;
    CHECK_INT(dlv_ip_parse("1.2.3.4", 7, &a1234), 0);
    e.ip = &a1234;
    e.local = "philip-gladstone-test";
    e.domain = "e11.example.com";
    CHECK_STR(dom(&e, "%{i}.%{l2r-}.user.%{d2}"), "1.2.3.4.gladstone.philip.user.example.com");
    /* macro-multiple-delimiters */
    e.local = "foo-bar+zip+quux";
    e.domain = "e12.example.com";
    CHECK_STR(dom(&e, "%{l2r+-}.user.%{d2}"), "bar.foo.user.example.com");
    /* redirect=%{d}.d.spf.example.com. keeps its dot */
    e.domain = "example.com";
    CHECK_STR(dom(&e, "%{d}.d.spf.example.com."), "example.com.d.spf.example.com.");
    /* e7: exists:%{p}.should.example.com */
    e.validated = "mx.example.com";
    CHECK_STR(dom(&e, "%{p}.should.example.com"), "mx.example.com.should.example.com");
    e.validated = NULL;
    CHECK_STR(dom(&e, "%{p}.should.example.com"), "unknown.should.example.com");

    /* cname-aliasing / bytes-bug explanation: upper-case S, C and R */
    e.local = "test";
    e.sender_domain = "example.org";
    e.ip = &b6;
    e.receiver = "mx.receiver.example";
    CHECK_STR(exp_text(&e, "Sender domain not allowed from this host. Please see "
                           "http://www.openspf.org/Why?s=mfrom&id=%{S}&ip=%{C}&r=%{R}"),
              "Sender domain not allowed from this host. Please see "
              "http://www.openspf.org/Why?s=mfrom&id=test%40example.org&ip=2001%3Adb8%3Aff0%3A100"
              "%3A%3A2&r=mx.receiver.example");

    /* errors of the suite: exp-only letters in a domain, unknown letters, bad '%' */
    CHECK(dom(&e, "%{r}.example.com") == NULL);       /* exp-only-macro-char */
    CHECK(dom(&e, "%(ir).sbl.example.com") == NULL);  /* invalid-macro-char */
    CHECK(dom(&e, "foo%(ir).sbl.example.com") == NULL);
    CHECK(dom(&e, "foo%.sbl.example.com") == NULL);   /* invalid-trailing-macro-char */
    CHECK(dom(&e, "%{a}.example.com") == NULL);       /* undef-macro */
    CHECK(exp_text(&e, "The %{x}-files.") == NULL);   /* explanation-syntax-error */
    CHECK(exp_text(&e, "\xc3\xaf\xc2\xbb\xc2\xbf" "Explanation") == NULL); /* non-ascii-exp */
    CHECK(exp_text(&e, "\xef\xbb\xbf" "Explanation") == NULL);
}

static void test_details(void)
{
    dlv_spf_macro_env e = rfc_env(&ip4);
    /* exp-only letters */
    CHECK_STR(exp_text(&e, "%{r}"), "unknown");
    e.receiver = "mx.example.net";
    CHECK_STR(exp_text(&e, "%{r}|%{R}|%{r1}"), "mx.example.net|mx.example.net|net");
    CHECK_STR(exp_text(&e, "%{t}"), "1234567890");
    CHECK_STR(exp_text(&e, "%{T}%{t2}"), "12345678901234567890");
    e.now = 0;
    CHECK_STR(exp_text(&e, "%{t}"), "0");
    CHECK(dom(&e, "%{c}") == NULL);
    CHECK(dom(&e, "%{C}") == NULL);
    CHECK(dom(&e, "%{t}") == NULL);
    CHECK(dom(&e, "%{R}") == NULL);
    /* every letter, upper and lower */
    CHECK_STR(exp_text(&e, "%{s}|%{l}|%{o}|%{d}|%{i}|%{p}|%{h}|%{v}"),
              "strong-bad@email.example.com|strong-bad|email.example.com|email.example.com|"
              "192.0.2.3|unknown|mx.example.org|in-addr");
    CHECK_STR(exp_text(&e, "%{S}|%{L}|%{O}|%{D}|%{I}|%{P}|%{H}|%{V}"),
              "strong-bad%40email.example.com|strong-bad|email.example.com|email.example.com|"
              "192.0.2.3|unknown|mx.example.org|in-addr");
    /* escapes and literals; spaces only in exp text */
    CHECK_STR(exp_text(&e, "%% %_ %- a b"), "%   %20 a b");
    CHECK(dom(&e, "a b.com") == NULL);
    CHECK(dom(&e, "a\tb.com") == NULL);
    CHECK(exp_text(&e, "a\tb") == NULL);
    CHECK(exp_text(&e, "a\x7f") == NULL);
    CHECK_STR(dom(&e, "!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~"), "!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~");
    CHECK_STR(dom(&e, ""), "");
    /* transformers */
    CHECK_STR(dom(&e, "%{d10}"), "email.example.com");
    CHECK_STR(dom(&e, "%{d99999999999999999999}"), "email.example.com");
    CHECK_STR(dom(&e, "%{d007}"), "email.example.com");
    CHECK_STR(dom(&e, "%{d01}"), "com");
    CHECK_STR(dom(&e, "%{d1r}"), "email");
    CHECK_STR(dom(&e, "%{dR}"), "com.example.email");
    CHECK_STR(dom(&e, "%{D1R}"), "email");
    CHECK_STR(dom(&e, "%{d-}"), "email.example.com");
    CHECK_STR(dom(&e, "%{s@}.x") == NULL ? "err" : "ok", "err");
    CHECK_STR(dom(&e, "%{s.@}") == NULL ? "err" : "ok", "err");
    CHECK_STR(dom(&e, "%{v-}"), "in.addr");
    CHECK_STR(dom(&e, "%{vr-}"), "addr.in");
    CHECK_STR(dom(&e, "%{d2r.-+,/_=}"), "example.email");
    CHECK_STR(dom(&e, "%{l=-}"), "strong.bad");
    CHECK_STR(dom(&e, "%{s2r}"), "example.strong-bad@email");
    CHECK_STR(dom(&e, "%{S2r}"), "example.strong-bad%40email");
    /* empty parts are kept */
    e.local = "a..b.";
    CHECK_STR(dom(&e, "%{l}"), "a..b.");
    CHECK_STR(dom(&e, "%{lr}"), ".b..a");
    CHECK_STR(dom(&e, "%{l2}"), "b.");
    CHECK_STR(dom(&e, "%{l1}"), "");
    CHECK_STR(dom(&e, "%{l2r}"), ".a");
    e.local = "";
    CHECK_STR(dom(&e, "x%{l}y%{lr}z%{l5r-}"), "xyz");
    e.local = NULL;
    e.sender_domain = NULL;
    CHECK_STR(dom(&e, "%{s}%{l}%{o}"), "@");
    /* no client address */
    e.ip = NULL;
    CHECK_STR(exp_text(&e, "[%{i}][%{c}][%{v}]"), "[][][in-addr]");
    /* syntax errors */
    e = rfc_env(&ip4);
    const char *bad[] = {"%", "x%", "%a", "%{", "%{d", "%{d2", "%{d2r", "%{d2r.", "%{}", "%{x}",
                         "%{d0}", "%{d00}", "%{d0r}", "%{d2rr}", "%{d.2}", "%{d r}", "%{d!}",
                         "%{d}%{", "%%%", "%{ d}", "%{dr2}"};
    for (size_t i = 0; i < DLV_ARRAY_LEN(bad); i++) {
        if (dom(&e, bad[i]) != NULL) {
            fprintf(stderr, "accepted \"%s\"\n", bad[i]);
            CHECK(0);
        }
        CHECK(exp_text(&e, bad[i]) == NULL);
    }
    /* bad mode, NULL arguments */
    CHECK_INT(dlv_spf_expand(&e, "x", 1, 0, &out, &why), -1);
    CHECK_INT(dlv_spf_expand(NULL, "x", 1, DLV_SPF_EXPAND_EXP, &out, &why), -1);
    CHECK_INT(dlv_spf_expand(&e, NULL, 1, DLV_SPF_EXPAND_EXP, &out, &why), -1);
    CHECK_INT(dlv_spf_expand(&e, "x", 1, DLV_SPF_EXPAND_EXP, NULL, &why), -1);
    CHECK_INT(dlv_spf_expand(&e, "%", 1, DLV_SPF_EXPAND_EXP, &out, NULL), -1);

    /* only len bytes are read */
    dlv_buf_reset(&out);
    CHECK_INT(dlv_spf_expand(&e, "%{d}%{", 4, DLV_SPF_EXPAND_DOMAIN, &out, &why), 0);
    CHECK_STR(out.data, "email.example.com");
    /* the output is appended; a failure leaves what was there */
    dlv_buf_reset(&out);
    dlv_buf_puts(&out, "pre:");
    CHECK_INT(dlv_spf_expand(&e, "%{d2}", 5, DLV_SPF_EXPAND_EXP, &out, &why), 0);
    CHECK_STR(out.data, "pre:example.com");
    CHECK_INT(dlv_spf_expand(&e, "%{d2}%{x}", 9, DLV_SPF_EXPAND_EXP, &out, &why), -1);
    CHECK_STR(out.data, "pre:example.com");
    CHECK_INT(out.len, 15);
}

static void test_limits(void)
{
    dlv_spf_macro_env e = rfc_env(&ip4);
    /* 8 KiB: 480 x 17 = 8160 fits, 482 x 17 = 8194 does not */
    char spec[4 * 600 + 1];
    spec[0] = '\0';
    for (int i = 0; i < 480; i++) {
        strcat(spec, "%{d}");
    }
    const char *r = exp_text(&e, spec);
    CHECK(r != NULL && strlen(r) == 480 * 17);
    strcat(spec, "%{d}%{d}");
    CHECK(exp_text(&e, spec) == NULL);
    CHECK(dom(&e, spec) == NULL);
    /* a huge value through a few macros */
    size_t big = 20000;
    char *huge = malloc(big + 1);
    if (huge == NULL) {
        CHECK(0);
        return;
    }
    memset(huge, 'a', big);
    for (size_t i = 1; i < big; i += 2) {
        huge[i] = '.';
    }
    huge[big] = '\0';
    e.local = huge;
    CHECK(exp_text(&e, "%{l}") == NULL);
    CHECK_STR(exp_text(&e, "%{l3}"), "a.a.");
    CHECK_STR(exp_text(&e, "%{l3r}"), "a.a.a");
    CHECK(exp_text(&e, "%{lr}") == NULL);
    CHECK(exp_text(&e, "%{L}") == NULL);
    free(huge);

    /* 7.3: domains over 253 octets lose left labels; a trailing dot does not count */
    e = rfc_env(&ip4);
    char lab[64];
    memset(lab, 'x', 63);
    lab[63] = '\0';
    char d4[300];
    snprintf(d4, sizeof(d4), "%s.%s.%s.%s", lab, lab, lab, lab); /* 255 */
    e.domain = d4;
    r = dom(&e, "%{d}");
    CHECK(r != NULL && strlen(r) == 191 && r[0] == 'x');
    r = dom(&e, "%{d}.");
    CHECK(r != NULL && strlen(r) == 192);
    r = exp_text(&e, "%{d}");
    CHECK(r != NULL && strlen(r) == 255);
    char d3[300];
    snprintf(d3, sizeof(d3), "%s.%s.%s.%.61s", lab, lab, lab, lab); /* 253 */
    e.domain = d3;
    r = dom(&e, "%{d}");
    CHECK(r != NULL && strlen(r) == 253);
    r = dom(&e, "%{d}.");
    CHECK(r != NULL && strlen(r) == 254);
    r = dom(&e, "a%{d}");
    CHECK(r != NULL && strlen(r) == 189);
    /* one label longer than 253 cannot be cut */
    char one[300];
    memset(one, 'y', 260);
    one[260] = '\0';
    e.domain = one;
    CHECK(dom(&e, "%{d}") == NULL);
    CHECK(dom(&e, "a.%{d}") == NULL);
    r = exp_text(&e, "%{d}");
    CHECK(r != NULL && strlen(r) == 260);
}

static void test_uses_p(void)
{
    CHECK_INT(dlv_spf_uses_p("%{p}", 4), 1);
    CHECK_INT(dlv_spf_uses_p("x.%{P2r}.y", 10), 1);
    CHECK_INT(dlv_spf_uses_p("%{d}.%{p}", 9), 1);
    CHECK_INT(dlv_spf_uses_p("%%{p}", 5), 0);
    CHECK_INT(dlv_spf_uses_p("%%%{p}", 6), 1);
    CHECK_INT(dlv_spf_uses_p("%{d}", 4), 0);
    CHECK_INT(dlv_spf_uses_p("%{p", 2), 0);
    CHECK_INT(dlv_spf_uses_p("p.example.com", 13), 0);
    CHECK_INT(dlv_spf_uses_p("", 0), 0);
    CHECK_INT(dlv_spf_uses_p(NULL, 0), 0);
}

int main(void)
{
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        fprintf(stderr, "no context\n");
        return 1;
    }
    dlv_buf_init(&out, ctx);
    CHECK_INT(dlv_ip_parse("192.0.2.3", 9, &ip4), 0);
    CHECK_INT(dlv_ip_parse("2001:db8::cb01", 14, &ip6), 0);
    test_rfc_7_4();
    test_suite();
    test_details();
    test_limits();
    test_uses_p();
    dlv_buf_free(&out);
    deliver_ctx_free(ctx);
    return check_done("spf-macro");
}

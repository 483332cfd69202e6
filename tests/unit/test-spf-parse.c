/*
 * Unit tests: lib/spf/parse.c (dlv_spf_is_record, dlv_spf_parse), including every record of
 * the RFC 7208 test suite's syntax scenarios.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/core.h"
#include "spf/spf_int.h"

static deliver_ctx *ctx;
static dlv_arena arena;

/* Each parse works on an exactly sized heap copy, so that ASan sees any read past len. */
static char *copy_buf;
static dlv_spf_record rec;
static size_t eoff;
static const char *why;

static deliver_status parse_n(const char *s, size_t len)
{
    free(copy_buf);
    copy_buf = malloc(len ? len : 1);
    if (copy_buf == NULL) {
        return DELIVER_E_NOMEM;
    }
    memcpy(copy_buf, s, len);
    eoff = (size_t)-1;
    why = NULL;
    deliver_status st = dlv_spf_parse(&arena, copy_buf, len, &rec, &eoff, &why);
    if (st == DELIVER_OK) {
        /* invariants */
        for (size_t i = 0; i < rec.nterms; i++) {
            const dlv_spf_term *t = &rec.terms[i];
            if (t->offset + t->len > len || t->len == 0 || t->name == NULL ||
                (t->spec != NULL &&
                 (t->spec < copy_buf || t->spec + t->spec_len > copy_buf + len))) {
                fprintf(stderr, "invariant broken for term %zu of \"%.*s\"\n", i, (int)len, s);
                return DELIVER_E_STATE;
            }
        }
    } else if (why == NULL || why[0] == '\0') {
        fprintf(stderr, "no reason for \"%.*s\"\n", (int)len, s);
        return DELIVER_E_STATE;
    }
    return st;
}

static deliver_status parse(const char *s)
{
    return parse_n(s, strlen(s));
}

/* term i's text as a NUL-terminated string (static buffer) */
static const char *spec_of(size_t i)
{
    static char b[512];
    const dlv_spf_term *t = &rec.terms[i];
    if (t->spec == NULL) {
        return "(null)";
    }
    snprintf(b, sizeof(b), "%.*s", (int)t->spec_len, t->spec);
    return b;
}

static const char *name_of(size_t i)
{
    static char b[512];
    snprintf(b, sizeof(b), "%.*s", (int)rec.terms[i].name_len, rec.terms[i].name);
    return b;
}

static void test_is_record(void)
{
    CHECK(dlv_spf_is_record("v=spf1", 6));
    CHECK(dlv_spf_is_record("v=spf1 -all", 11));
    CHECK(dlv_spf_is_record("V=SpF1 -all", 11));
    CHECK(dlv_spf_is_record("v=spf1 ", 7));
    CHECK(!dlv_spf_is_record("v=spf10", 7));
    CHECK(!dlv_spf_is_record("v=spf1mx", 8));
    CHECK(!dlv_spf_is_record("v=spf1\t-all", 11));
    CHECK(!dlv_spf_is_record("v=spf1\0", 7));
    CHECK(!dlv_spf_is_record("v=spf", 5));
    CHECK(!dlv_spf_is_record("", 0));
    CHECK(!dlv_spf_is_record(NULL, 0));
    CHECK(!dlv_spf_is_record(" v=spf1", 7));
    CHECK(!dlv_spf_is_record("v=spf3 !a:yahoo.com -all", 24));
    CHECK(!dlv_spf_is_record("\xc2\x96", 2));
    CHECK(!dlv_spf_is_record("v=spfl am not an SPF record", 27));
    /* length respected: "v=spf1" prefix of a longer buffer */
    CHECK(dlv_spf_is_record("v=spf1X", 6));
}

static void test_terms(void)
{
    CHECK_INT(parse("v=spf1"), DELIVER_OK);
    CHECK_INT(rec.nterms, 0);
    CHECK(rec.terms == NULL && rec.redirect == NULL && rec.exp == NULL);
    CHECK_INT(parse("v=spf1 "), DELIVER_OK);
    CHECK_INT(rec.nterms, 0);
    CHECK_INT(parse("v=spf1    "), DELIVER_OK);
    CHECK_INT(rec.nterms, 0);

    CHECK_INT(parse("v=spf1 -all"), DELIVER_OK);
    CHECK_INT(rec.nterms, 1);
    CHECK_INT(rec.terms[0].kind, DLV_SPF_TERM_MECHANISM);
    CHECK_INT(rec.terms[0].mech, DLV_SPF_ALL);
    CHECK_INT(rec.terms[0].qualifier, '-');
    CHECK_INT(rec.terms[0].explicit_qualifier, 1);
    CHECK_INT(rec.terms[0].offset, 7);
    CHECK_INT(rec.terms[0].len, 4);
    CHECK_STR(name_of(0), "all");
    CHECK(rec.terms[0].spec == NULL);

    /* qualifiers */
    CHECK_INT(parse("v=spf1 all +all -all ~all ?all"), DELIVER_OK);
    CHECK_INT(rec.nterms, 5);
    CHECK_INT(rec.terms[0].qualifier, '+');
    CHECK_INT(rec.terms[0].explicit_qualifier, 0);
    CHECK_INT(rec.terms[1].qualifier, '+');
    CHECK_INT(rec.terms[1].explicit_qualifier, 1);
    CHECK_INT(rec.terms[2].qualifier, '-');
    CHECK_INT(rec.terms[3].qualifier, '~');
    CHECK_INT(rec.terms[4].qualifier, '?');
    CHECK_INT(rec.terms[4].offset, 26);

    /* every mechanism, names case-insensitive, name as written */
    CHECK_INT(parse("v=spf1 INCLUDE:_spf.Example.COM A Mx PTR iP4:192.0.2.0/24 IP6:2001:DB8::/32 "
                    "Exists:%{ir}.x.example ALL"),
              DELIVER_OK);
    CHECK_INT(rec.nterms, 8);
    CHECK_INT(rec.terms[0].mech, DLV_SPF_INCLUDE);
    CHECK_STR(name_of(0), "INCLUDE");
    CHECK_STR(spec_of(0), "_spf.Example.COM");
    CHECK_INT(rec.terms[0].spec_has_macros, 0);
    CHECK_INT(rec.terms[1].mech, DLV_SPF_A);
    CHECK(rec.terms[1].spec == NULL);
    CHECK_INT(rec.terms[1].cidr4, 32);
    CHECK_INT(rec.terms[1].cidr6, 128);
    CHECK_INT(rec.terms[1].has_cidr4, 0);
    CHECK_INT(rec.terms[1].has_cidr6, 0);
    CHECK_INT(rec.terms[2].mech, DLV_SPF_MX);
    CHECK_STR(name_of(2), "Mx");
    CHECK_INT(rec.terms[3].mech, DLV_SPF_PTR);
    CHECK_INT(rec.terms[4].mech, DLV_SPF_IP4);
    CHECK_INT(rec.terms[4].net.family, 4);
    CHECK_INT(rec.terms[4].net.b[0], 192);
    CHECK_INT(rec.terms[4].net.b[2], 2);
    CHECK_INT(rec.terms[4].cidr4, 24);
    CHECK_INT(rec.terms[4].has_cidr4, 1);
    CHECK_INT(rec.terms[5].mech, DLV_SPF_IP6);
    CHECK_INT(rec.terms[5].net.family, 6);
    CHECK_INT(rec.terms[5].net.b[0], 0x20);
    CHECK_INT(rec.terms[5].net.b[3], 0xb8);
    CHECK_INT(rec.terms[5].cidr6, 32);
    CHECK_INT(rec.terms[5].has_cidr6, 1);
    CHECK_INT(rec.terms[5].has_cidr4, 0);
    CHECK_INT(rec.terms[6].mech, DLV_SPF_EXISTS);
    CHECK_STR(spec_of(6), "%{ir}.x.example");
    CHECK_INT(rec.terms[6].spec_has_macros, 1);
    CHECK_INT(rec.terms[7].mech, DLV_SPF_ALL);

    /* ip4/ip6 without a length: full length, not written; host bits kept */
    CHECK_INT(parse("v=spf1 ip4:192.0.2.77 ip6:::1 ip4:10.1.2.3/8 ip6:::FFFF:1.2.3.4"),
              DELIVER_OK);
    CHECK_INT(rec.terms[0].cidr4, 32);
    CHECK_INT(rec.terms[0].has_cidr4, 0);
    CHECK_INT(rec.terms[0].net.b[3], 77);
    CHECK_INT(rec.terms[1].cidr6, 128);
    CHECK_INT(rec.terms[1].has_cidr6, 0);
    CHECK_INT(rec.terms[1].net.b[15], 1);
    CHECK_INT(rec.terms[2].cidr4, 8);
    CHECK_INT(rec.terms[2].net.b[3], 3);
    CHECK_INT(rec.terms[3].net.family, 6);
    CHECK_INT(parse("v=spf1 ip4:0.0.0.0/0 ip6:::/0 ip4:1.2.3.4/32 ip6:::/128"), DELIVER_OK);
    CHECK_INT(rec.terms[0].cidr4, 0);
    CHECK_INT(rec.terms[1].cidr6, 0);
    CHECK_INT(rec.terms[2].cidr4, 32);
    CHECK_INT(rec.terms[3].cidr6, 128);

    /* dual CIDR on a and mx */
    CHECK_INT(parse("v=spf1 a/24//64 mx//64 a/24 a:example.com/16 mx:example.com//48 "
                    "a:example.com/0//0 mx/32//128 a//0"),
              DELIVER_OK);
    CHECK_INT(rec.nterms, 8);
    CHECK(rec.terms[0].spec == NULL);
    CHECK_INT(rec.terms[0].cidr4, 24);
    CHECK_INT(rec.terms[0].cidr6, 64);
    CHECK_INT(rec.terms[0].has_cidr4, 1);
    CHECK_INT(rec.terms[0].has_cidr6, 1);
    CHECK_INT(rec.terms[1].cidr4, 32);
    CHECK_INT(rec.terms[1].has_cidr4, 0);
    CHECK_INT(rec.terms[1].cidr6, 64);
    CHECK_INT(rec.terms[2].cidr4, 24);
    CHECK_INT(rec.terms[2].cidr6, 128);
    CHECK_INT(rec.terms[2].has_cidr6, 0);
    CHECK_STR(spec_of(3), "example.com");
    CHECK_INT(rec.terms[3].cidr4, 16);
    CHECK_STR(spec_of(4), "example.com");
    CHECK_INT(rec.terms[4].cidr6, 48);
    CHECK_INT(rec.terms[4].has_cidr4, 0);
    CHECK_INT(rec.terms[5].cidr4, 0);
    CHECK_INT(rec.terms[5].cidr6, 0);
    CHECK_INT(rec.terms[6].cidr4, 32);
    CHECK_INT(rec.terms[6].cidr6, 128);
    CHECK_INT(rec.terms[6].has_cidr4, 1);
    CHECK_INT(rec.terms[7].cidr6, 0);
    CHECK_INT(rec.terms[7].has_cidr6, 1);

    /* modifiers */
    CHECK_INT(parse("v=spf1 redirect=_spf.example.com exp=explain.%{d} moo.cow-far_out=man:dog/cat "
                    "x= y=%{c}%{r}%{t}%%"),
              DELIVER_OK);
    CHECK_INT(rec.nterms, 5);
    CHECK_INT(rec.terms[0].kind, DLV_SPF_TERM_REDIRECT);
    CHECK_STR(name_of(0), "redirect");
    CHECK_STR(spec_of(0), "_spf.example.com");
    CHECK(rec.redirect == &rec.terms[0]);
    CHECK_INT(rec.terms[1].kind, DLV_SPF_TERM_EXP);
    CHECK_STR(spec_of(1), "explain.%{d}");
    CHECK_INT(rec.terms[1].spec_has_macros, 1);
    CHECK(rec.exp == &rec.terms[1]);
    CHECK_INT(rec.terms[2].kind, DLV_SPF_TERM_UNKNOWN_MODIFIER);
    CHECK_STR(name_of(2), "moo.cow-far_out");
    CHECK_STR(spec_of(2), "man:dog/cat");
    CHECK_INT(rec.terms[3].kind, DLV_SPF_TERM_UNKNOWN_MODIFIER);
    CHECK(rec.terms[3].spec != NULL);
    CHECK_INT(rec.terms[3].spec_len, 0);
    CHECK_INT(rec.terms[4].spec_has_macros, 1);
    CHECK_INT(parse("v=spf1 REDIRECT=example.com Exp=example.org a=b ip4=x"), DELIVER_OK);
    CHECK_INT(rec.terms[0].kind, DLV_SPF_TERM_REDIRECT);
    CHECK_INT(rec.terms[1].kind, DLV_SPF_TERM_EXP);
    CHECK_INT(rec.terms[2].kind, DLV_SPF_TERM_UNKNOWN_MODIFIER);
    CHECK_STR(name_of(2), "a");
    CHECK_INT(rec.terms[3].kind, DLV_SPF_TERM_UNKNOWN_MODIFIER);
    CHECK(rec.redirect == &rec.terms[0] && rec.exp == &rec.terms[1]);
    CHECK_INT(parse("v=spf1 -all redirect=a.example.com"), DELIVER_OK);
    CHECK(rec.redirect == &rec.terms[1]);
    CHECK(rec.exp == NULL);

    /* domain-specs: macros, trailing dot, colons and slashes inside, toplabel forms */
    CHECK_INT(parse("v=spf1 a:foo:bar/baz.example.com mx:example.com. ptr:%{d} "
                    "include:%{d2}.x exists:%{i}.%{l2r-}.user.%{d2} a:x.1-2 a:.com "
                    "a:macro%%percent%_%_space%-url-space.example.com a:%% a:%{d}/24"),
              DELIVER_OK);
    CHECK_INT(rec.nterms, 10);
    CHECK_STR(spec_of(0), "foo:bar/baz.example.com");
    CHECK_INT(rec.terms[0].has_cidr4, 0);
    CHECK_STR(spec_of(1), "example.com.");
    CHECK_STR(spec_of(2), "%{d}");
    CHECK_STR(spec_of(3), "%{d2}.x");
    CHECK_INT(rec.terms[7].spec_has_macros, 1);
    CHECK_STR(spec_of(9), "%{d}");
    CHECK_INT(rec.terms[9].cidr4, 24);

    /* every macro letter allowed in a domain-spec, upper case, transformers, delimiters */
    CHECK_INT(parse("v=spf1 exists:%{s}%{l}%{o}%{d}%{i}%{p}%{h}%{v}.%{S}%{L}%{O}%{D}%{I}%{P}%{H}"
                    "%{V}.%{d1}%{d12r}%{dR}%{d2r.-+,/_=}%{l-}%{d007}.com"),
              DELIVER_OK);
}

typedef struct rec_case {
    const char *text;
    deliver_status st;
    long offset; /* -1: do not check */
} rec_case;

/* The records of the RFC 7208 test suite, with whether they parse and where they fail. */
static const rec_case suite[] = {
    /* Initial processing */
    {"v=spf1 -all exp=exp.example.net", DELIVER_OK, -1},
    {"v=spf1 -all", DELIVER_OK, -1},
    {"v=spf1 a:\xc3\xaf\xc2\xbb\xc2\xbfgarbage.example.net -all", DELIVER_E_PARSE, 9},
    {"v=spf1 a:\xef\xbb\xbfgarbage.example.net -all", DELIVER_E_PARSE, 9},
    {"v=spf1 \xc2\x80" "a:example.net -all", DELIVER_E_PARSE, 7},
    {"v=spf1 \x80" "a:example.net -all", DELIVER_E_PARSE, 7},
    {"v=spf1 a:example.net \xc2\x96" "all", DELIVER_E_PARSE, 21},
    {"v=spf1 a:example.net -all", DELIVER_OK, -1},
    {"v=spf1 a:ctrl.example.com\rptr -all", DELIVER_E_PARSE, 25},
    {"v=spf1 a  -all", DELIVER_OK, -1},
    {"v=spf1 a -all ", DELIVER_OK, -1},
    {"v=spf1 ip4:192.0.2.5 -all", DELIVER_OK, -1},
    {"v=spf1 ip4:192.0.2.5\n include:spf.protection.outlook.com ~all", DELIVER_E_PARSE, 20},
    /* Selecting records */
    {"v=spf10", DELIVER_E_PARSE, 0},
    {"v=spf1 mx", DELIVER_OK, -1},
    {"v=spf1", DELIVER_OK, -1},
    {"v=spf1mx", DELIVER_E_PARSE, 0},
    {"v=spf1 +all", DELIVER_OK, -1},
    {"V=sPf1 +all", DELIVER_OK, -1},
    {"V=spf1 -all", DELIVER_OK, -1},
    {"v=SpF1 ~all", DELIVER_OK, -1},
    {"v=spf3 !a:yahoo.com -all", DELIVER_E_PARSE, 0},
    {"\xc2\x96", DELIVER_E_PARSE, 0},
    /* Record evaluation */
    {"v=spf1 ip4:1.2.3.4 -all moo", DELIVER_E_PARSE, 24},
    {"v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", DELIVER_OK, -1},
    {"v=spf1 moo.cow/far_out=man:dog/cat ip4:1.2.3.4 -all", DELIVER_E_PARSE, 7},
    {"v=spf1 moo.cow:far_out=man:dog/cat ip4:1.2.3.4 -all", DELIVER_E_PARSE, 7},
    {"v=spf1 redirect=t5.example.com ~all", DELIVER_OK, -1},
    {"v=spf1 ip4:1.2.3.4 redirect=t2.example.com", DELIVER_OK, -1},
    {"v=spf1 ip4:1.2.3.4", DELIVER_OK, -1},
    {"v=spf1 ip4:1.2.3.4 redirect:t2.example.com", DELIVER_E_PARSE, 19},
    {"v=spf1 a:foo-bar -all", DELIVER_E_PARSE, 7},
    {"v=spf1 a:mail.example...com -all", DELIVER_OK, -1},
    {"v=spf1 a:a123456789012345678901234567890123456789012345678901234567890123.example.com -all",
     DELIVER_OK, -1},
    {"v=spf1 a:%{H}.bar -all", DELIVER_OK, -1},
    /* ALL mechanism syntax */
    {"v=spf1 -all.", DELIVER_E_PARSE, 7},
    {"v=spf1 -all:foobar", DELIVER_E_PARSE, 7},
    {"v=spf1 -all/8", DELIVER_E_PARSE, 7},
    {"v=spf1 ?all", DELIVER_OK, -1},
    {"v=spf1 all -all", DELIVER_OK, -1},
    /* PTR mechanism syntax */
    {"v=spf1 ptr/0 -all", DELIVER_E_PARSE, 7},
    {"v=spf1 ptr:example.com -all", DELIVER_OK, -1},
    {"v=spf1 ptr -all", DELIVER_OK, -1},
    {"v=spf1 ptr:", DELIVER_E_PARSE, 7},
    {"v=spf1 ptr:example.Com -all", DELIVER_OK, -1},
    {"v=spf1 ptr", DELIVER_OK, -1},
    /* A mechanism syntax */
    {"v=spf1 a/0 -all", DELIVER_OK, -1},
    {"v=spf1 a//0 -all", DELIVER_OK, -1},
    {"v=spf1 a:111.222.33.44", DELIVER_E_PARSE, 7},
    {"v=spf1 a:abc.123", DELIVER_E_PARSE, 7},
    {"v=spf1 a:museum", DELIVER_E_PARSE, 7},
    {"v=spf1 a:museum.", DELIVER_E_PARSE, 7},
    {"v=spf1 a//33 -all", DELIVER_OK, -1},
    {"v=spf1 a/33 -all", DELIVER_E_PARSE, 7},
    {"v=spf1 a//129 -all", DELIVER_E_PARSE, 7},
    {"v=spf1 a/24//64 -all", DELIVER_OK, -1},
    {"v=spf1 a/24/64 -all", DELIVER_E_PARSE, 7},
    {"v=spf1 a/24 -all", DELIVER_OK, -1},
    {"v=spf1 a//64 -all", DELIVER_OK, -1},
    {"v=spf1 a:example.com:8080", DELIVER_E_PARSE, 7},
    {"v=spf1 a:foo.example.com/24", DELIVER_OK, -1},
    {"v=spf1 a:foo:bar/baz.example.com", DELIVER_OK, -1},
    {"v=spf1 a:example.-com", DELIVER_E_PARSE, 7},
    {"v=spf1 a:", DELIVER_E_PARSE, 7},
    {"v=spf1 a:foo.example.xn--zckzah -all", DELIVER_OK, -1},
    {"v=spf1 a -all", DELIVER_OK, -1},
    /* Include mechanism semantics and syntax */
    {"v=spf1 include:ip5.example.com ~all", DELIVER_OK, -1},
    {"v=spf1 include:ip6.example.com all", DELIVER_OK, -1},
    {"v=spf1 include +all", DELIVER_E_PARSE, 7},
    {"v=spf1 include: -all", DELIVER_E_PARSE, 7},
    {"v=spf1 include:ip5.example.com/24 -all", DELIVER_E_PARSE, 7},
    /* MX mechanism syntax */
    {"v=spf1 mx/0 -all", DELIVER_OK, -1},
    {"v=spf1 mx//0 -all", DELIVER_OK, -1},
    {"v=spf1 mx:abc.123", DELIVER_E_PARSE, 7},
    {"v=spf1 mx//33 -all", DELIVER_OK, -1},
    {"v=spf1 mx/33 -all", DELIVER_E_PARSE, 7},
    {"v=spf1 mx//129 -all", DELIVER_E_PARSE, 7},
    {"v=spf1 mx:example.com:8080", DELIVER_E_PARSE, 7},
    {"v=spf1 mx:foo.example.com/24", DELIVER_OK, -1},
    {"v=spf1 mx:foo:bar/baz.example.com", DELIVER_OK, -1},
    {"v=spf1 mx:example.-com", DELIVER_E_PARSE, 7},
    {"v=spf1 mx: -all", DELIVER_E_PARSE, 7},
    /* EXISTS mechanism syntax */
    {"v=spf1 exists:", DELIVER_E_PARSE, 7},
    {"v=spf1 exists", DELIVER_E_PARSE, 7},
    {"v=spf1 exists:mail.example.com/24", DELIVER_E_PARSE, 7},
    {"v=spf1 exists:mail.example.com", DELIVER_OK, -1},
    {"v=spf1 exists:mail6.example.com -all", DELIVER_OK, -1},
    /* IP4 mechanism syntax */
    {"v=spf1 ip4:1.1.1.1/0 -all", DELIVER_OK, -1},
    {"v=spf1 ip4:1.2.3.4/32 -all", DELIVER_OK, -1},
    {"v=spf1 ip4:1.2.3.4/33 -all", DELIVER_E_PARSE, 7},
    {"v=spf1 ip4:1.2.3.4/032 -all", DELIVER_E_PARSE, 7},
    {"v=spf1 ip4", DELIVER_E_PARSE, 7},
    {"v=spf1 ip4:1.2.3.4//32", DELIVER_E_PARSE, 7},
    {"v=spf1 -ip4:1.2.3.4 ip6:::FFFF:1.2.3.4", DELIVER_OK, -1},
    {"v=spf1 ip4:1.2.3.4:8080", DELIVER_E_PARSE, 7},
    {"v=spf1 ip4:1.2.3", DELIVER_E_PARSE, 7},
    /* IP6 mechanism syntax */
    {"v=spf1 -all ip6", DELIVER_E_PARSE, 12},
    {"v=spf1 ip6:::1.1.1.1/0", DELIVER_OK, -1},
    {"v=spf1 ip6:::1.1.1.1/129", DELIVER_E_PARSE, 7},
    {"v=spf1 ip6:::1.1.1.1//33", DELIVER_E_PARSE, 7},
    {"v=spf1 ip6:Cafe:Babe:8000::/33", DELIVER_OK, -1},
    {"v=spf1 ip6::CAFE::BABE", DELIVER_E_PARSE, 7},
    /* Semantics of exp and other modifiers */
    {"v=spf1 exp=exp1.example.com redirect=e2.example.com", DELIVER_OK, -1},
    {"v=spf1 exp=exp1.example.com redirect=e4.example.com", DELIVER_OK, -1},
    {"v=spf1 -all exp=exp2.example.com", DELIVER_OK, -1},
    {"v=spf1 1up=foo", DELIVER_E_PARSE, 7},
    {"v=spf1 =all", DELIVER_E_PARSE, 7},
    {"v=spf1 include:e3.example.com -all exp=exp3.example.com", DELIVER_OK, -1},
    {"v=spf1 -all exp=exp4.example.com", DELIVER_OK, -1},
    {"v=spf1 -all foo=%abc", DELIVER_E_PARSE, 16},
    {"v=spf1 redirect=erehwon.example.com", DELIVER_OK, -1},
    {"v=spf1 -all exp=e11msg.example.com", DELIVER_OK, -1},
    {"v=spf1 exp= -all", DELIVER_E_PARSE, 7},
    {"v=spf1 exp=e13msg.example.com -all", DELIVER_OK, -1},
    {"v=spf1 exp=e13msg.example.com -all exp=e11msg.example.com", DELIVER_E_PARSE, 35},
    {"v=spf1 redirect=e12.example.com -all redirect=e12.example.com", DELIVER_E_PARSE, 37},
    {"v=spf1 exp=-all", DELIVER_E_PARSE, 7},
    {"v=spf1 redirect=-all ?all", DELIVER_E_PARSE, 7},
    {"v=spf1 ?all redirect=", DELIVER_E_PARSE, 12},
    {"v=spf1 default=pass", DELIVER_OK, -1},
    {"v=spf1 default=+", DELIVER_OK, -1},
    {"v=spf1 exp=e21msg.example.com -all", DELIVER_OK, -1},
    {"v=spf1 exp=mail.example.com -all", DELIVER_OK, -1},
    {"v=spf1 exp=badexp.example.com -all", DELIVER_OK, -1},
    {"v=spf1 a:erehwon.example.com a:foobar.com exp=nxdomain.com -all", DELIVER_OK, -1},
    {"v=spf1 redirect=testimplicit.example.com", DELIVER_OK, -1},
    /* Macro expansion rules */
    {"v=spf1 redirect=a.spf.example.com", DELIVER_OK, -1},
    {"v=spf1 include:o.spf.example.com. ~all", DELIVER_OK, -1},
    {"v=spf1 ip4:192.168.218.40", DELIVER_OK, -1},
    {"v=spf1 redirect=%{d}.d.spf.example.com.", DELIVER_OK, -1},
    {"v=spf1 exp=msg.example.com. -all", DELIVER_OK, -1},
    {"v=spf1 -exists:%(ir).sbl.example.com ?all", DELIVER_E_PARSE, 15},
    {"v=spf1 exists:foo%(ir).sbl.example.com ?all", DELIVER_E_PARSE, 17},
    {"v=spf1 exists:foo%.sbl.example.com ?all", DELIVER_E_PARSE, 17},
    {"v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all", DELIVER_OK, -1},
    {"v=spf1 -all exp=%{r}.example.com", DELIVER_E_PARSE, 16},
    {"v=spf1 -all exp=%{ir}.example.com", DELIVER_OK, -1},
    {"v=spf1 -all exp=foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com", DELIVER_OK, -1},
    {"v=spf1 -all exp=e4msg.example.com", DELIVER_OK, -1},
    {"v=spf1 a:%{a}.example.com -all", DELIVER_E_PARSE, 9},
    {"v=spf1 -all exp=e6msg.example.com", DELIVER_OK, -1},
    {"v=spf1 exists:%{p}.should.example.com ~exists:%{p}.ok.example.com", DELIVER_OK, -1},
    {"v=spf1 -all exp=msg8.%{D2}", DELIVER_OK, -1},
    {"v=spf1 a:%{H} -all", DELIVER_OK, -1},
    {"v=spf1 -include:_spfh.%{d2} ip4:1.2.3.0/24 -all", DELIVER_OK, -1},
    {"v=spf1 -a:%{h} +all", DELIVER_OK, -1},
    {"v=spf1 exists:%{i}.%{l2r-}.user.%{d2}", DELIVER_OK, -1},
    {"v=spf1 exists:%{l2r+-}.user.%{d2}", DELIVER_OK, -1},
    /* Processing limits */
    {"v=spf1 ip4:1.1.1.1 redirect=e1.example.com", DELIVER_OK, -1},
    {"v=spf1 include:e3.example.com", DELIVER_OK, -1},
    {"v=spf1 a mx a mx a mx a mx a ptr ip4:1.2.3.4 -all", DELIVER_OK, -1},
    {"v=spf1 a mx a mx a mx a mx a ptr a ip4:1.2.3.4 -all", DELIVER_OK, -1},
    {"v=spf1 a include:inc.example.com ip4:1.2.3.4 mx -all", DELIVER_OK, -1},
    {"v=spf1 a a a a a a a a", DELIVER_OK, -1},
    {"v=spf1 a:err.example.com a:err1.example.com a:err2.example.com ?all", DELIVER_OK, -1},
    /* Test cases from implementation bugs */
    {"v=spf1 mx redirect=_spf.example.com", DELIVER_OK, -1},
    {"v=spf1 ptr:fe.example.org ptr:sgp.example.com exp=_expspf.example.org -all", DELIVER_OK, -1},
    {"v=spf1 ip4:192.0.2.225 ?include:webmail.pair.com ?include:relay.pair.com -all", DELIVER_OK,
     -1},
    {"v=spf1 include:a.example.org include:b.example.org -all", DELIVER_OK, -1},
    {"v=spf1 ip4:66.39.3.0/24 ip4:209.68.6.94/32", DELIVER_OK, -1},
    {"v=spf1 ip4:209.68.5.9/32 ip4:209.68.5.15/32 a -all", DELIVER_OK, -1},
};

/* More errors, each with its offset. */
static const rec_case errors[] = {
    {"", DELIVER_E_PARSE, 0},
    {"spf1 -all", DELIVER_E_PARSE, 0},
    {"v=spf1\t-all", DELIVER_E_PARSE, 0},
    {"v=spf1 +", DELIVER_E_PARSE, 7},
    {"v=spf1 -", DELIVER_E_PARSE, 7},
    {"v=spf1 ~~all", DELIVER_E_PARSE, 7},
    {"v=spf1 !all", DELIVER_E_PARSE, 7},
    {"v=spf1 -all\t", DELIVER_E_PARSE, 11},
    {"v=spf1 -all x", DELIVER_E_PARSE, 12},
    {"v=spf1 foo:bar", DELIVER_E_PARSE, 7},
    {"v=spf1 alll", DELIVER_E_PARSE, 7},
    {"v=spf1 a.b", DELIVER_E_PARSE, 7},
    {"v=spf1 ptr:%{d}/24", DELIVER_E_PARSE, 7},
    {"v=spf1 +ptr:foo", DELIVER_E_PARSE, 7},
    {"v=spf1 a:foo.1234", DELIVER_E_PARSE, 7},
    {"v=spf1 a:foo.com..", DELIVER_E_PARSE, 7},
    {"v=spf1 a:foo.", DELIVER_E_PARSE, 7},
    {"v=spf1 a:x.-12", DELIVER_E_PARSE, 7},
    {"v=spf1 a:x.12-", DELIVER_E_PARSE, 7},
    {"v=spf1 a:x.a_b", DELIVER_E_PARSE, 7},
    {"v=spf1 a:1-2", DELIVER_E_PARSE, 7},
    {"v=spf1 a:%{d}.", DELIVER_E_PARSE, 7},
    {"v=spf1 a:%{d}com", DELIVER_E_PARSE, 7},
    {"v=spf1 a:%{d}.com%", DELIVER_E_PARSE, 17},
    {"v=spf1 a:%{d0}", DELIVER_E_PARSE, 9},
    {"v=spf1 a:%{d00r}", DELIVER_E_PARSE, 9},
    {"v=spf1 a:%{d2rr}", DELIVER_E_PARSE, 9},
    {"v=spf1 a:%{d2.r}", DELIVER_E_PARSE, 9},
    {"v=spf1 a:%{d2!}", DELIVER_E_PARSE, 9},
    {"v=spf1 a:%{x}", DELIVER_E_PARSE, 9},
    {"v=spf1 a:%{}", DELIVER_E_PARSE, 9},
    {"v=spf1 a:%{", DELIVER_E_PARSE, 9},
    {"v=spf1 a:%{d", DELIVER_E_PARSE, 9},
    {"v=spf1 a:x.%{d2", DELIVER_E_PARSE, 11},
    {"v=spf1 a:%", DELIVER_E_PARSE, 9},
    {"v=spf1 exists:%{c}.com", DELIVER_E_PARSE, 14},
    {"v=spf1 exists:%{T}.com", DELIVER_E_PARSE, 14},
    {"v=spf1 redirect=%{R}", DELIVER_E_PARSE, 16},
    {"v=spf1 a/", DELIVER_E_PARSE, 7},
    {"v=spf1 a//", DELIVER_E_PARSE, 7},
    {"v=spf1 a/+1", DELIVER_E_PARSE, 7},
    {"v=spf1 a/1x", DELIVER_E_PARSE, 7},
    {"v=spf1 a///0", DELIVER_E_PARSE, 7},
    {"v=spf1 a:/24", DELIVER_E_PARSE, 7},
    {"v=spf1 a://64", DELIVER_E_PARSE, 7},
    {"v=spf1 a/00", DELIVER_E_PARSE, 7},
    {"v=spf1 a//064", DELIVER_E_PARSE, 7},
    {"v=spf1 a/99999999999999999999", DELIVER_E_PARSE, 7},
    {"v=spf1 a//64/24", DELIVER_E_PARSE, 7},
    {"v=spf1 mx/", DELIVER_E_PARSE, 7},
    {"v=spf1 ip4:", DELIVER_E_PARSE, 7},
    {"v=spf1 ip4:1.2.3.4/", DELIVER_E_PARSE, 7},
    {"v=spf1 ip4:::1", DELIVER_E_PARSE, 7},
    {"v=spf1 ip6:1.2.3.4", DELIVER_E_PARSE, 7},
    {"v=spf1 ip4:01.2.3.4", DELIVER_E_PARSE, 7},
    {"v=spf1 ip4:1.2.3.4/24/", DELIVER_E_PARSE, 7},
    {"v=spf1 ip6:::1/", DELIVER_E_PARSE, 7},
    {"v=spf1 ip6:::1/0128", DELIVER_E_PARSE, 7},
    {"v=spf1 ip6:fe80::1%eth0", DELIVER_E_PARSE, 7},
    {"v=spf1 ip4/24", DELIVER_E_PARSE, 7},
    {"v=spf1 include", DELIVER_E_PARSE, 7},
    {"v=spf1 include:foo", DELIVER_E_PARSE, 7},
    {"v=spf1 exists/24", DELIVER_E_PARSE, 7},
    {"v=spf1 redirect=", DELIVER_E_PARSE, 7},
    {"v=spf1 redirect=foo", DELIVER_E_PARSE, 7},
    {"v=spf1 exp=%{d}x", DELIVER_E_PARSE, 7},
    {"v=spf1 _x=1", DELIVER_E_PARSE, 7},
    {"v=spf1 x=%", DELIVER_E_PARSE, 9},
    {"v=spf1 x=%{z}", DELIVER_E_PARSE, 9},
    {"v=spf1 -all x=\x7f", DELIVER_E_PARSE, 14},
    {"v=spf1 -all \xff", DELIVER_E_PARSE, 12},
    {"v=spf1 redirect=a.com redirect=a.com", DELIVER_E_PARSE, 22},
    {"v=spf1 exp=a.com EXP=a.com", DELIVER_E_PARSE, 17},
};

static void run_cases(const rec_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        deliver_status st = parse(cases[i].text);
        if (st != cases[i].st) {
            fprintf(stderr, "record \"%s\": status %d (%s at %zu), expected %d\n", cases[i].text,
                    (int)st, why ? why : "", eoff, (int)cases[i].st);
        }
        CHECK_INT(st, cases[i].st);
        if (cases[i].offset >= 0 && st != DELIVER_OK) {
            if ((long)eoff != cases[i].offset) {
                fprintf(stderr, "record \"%s\": offset %zu (%s), expected %ld\n", cases[i].text,
                        eoff, why, cases[i].offset);
            }
            CHECK_INT(eoff, cases[i].offset);
        }
    }
}

static void test_special(void)
{
    /* embedded NUL: a parse error at its offset, nothing past len is read */
    CHECK_INT(parse_n("v=spf1 a:foo.example.com\0", 25), DELIVER_E_PARSE);
    CHECK_INT(eoff, 24);
    CHECK_INT(parse_n("v=spf1 mx:foo.example.com\0", 26), DELIVER_E_PARSE);
    CHECK_INT(parse_n("v=spf1 -all\0", 12), DELIVER_E_PARSE);
    CHECK_INT(eoff, 11);
    /* only len bytes count */
    CHECK_INT(parse_n("v=spf1 -all garbage:", 11), DELIVER_OK);
    CHECK_INT(rec.nterms, 1);
    CHECK_INT(parse_n("v=spf1 a:example.com/24", 20), DELIVER_OK);
    CHECK_INT(rec.terms[0].has_cidr4, 0);
    CHECK_INT(parse_n("v=spf1 a:example.com/24", 22), DELIVER_OK);
    CHECK_INT(rec.terms[0].cidr4, 2);
    CHECK_INT(parse_n("v=spf1 a:example.com/24", 21), DELIVER_E_PARSE);
    /* two spaces and trailing spaces */
    CHECK_INT(parse("v=spf1 a  -all   "), DELIVER_OK);
    CHECK_INT(rec.nterms, 2);
    CHECK_INT(rec.terms[1].offset, 10);
    /* arguments */
    CHECK_INT(dlv_spf_parse(&arena, "v=spf1", 6, NULL, &eoff, &why), DELIVER_E_INVALID);
    CHECK_INT(dlv_spf_parse(NULL, "v=spf1", 6, &rec, &eoff, &why), DELIVER_E_INVALID);
    CHECK_INT(dlv_spf_parse(&arena, NULL, 6, &rec, &eoff, &why), DELIVER_E_INVALID);
    CHECK_INT(dlv_spf_parse(&arena, "v=spf1 -all", 11, &rec, NULL, NULL), DELIVER_OK);
    CHECK_INT(dlv_spf_parse(&arena, "v=spf1 x", 8, &rec, NULL, NULL), DELIVER_E_PARSE);
}

static void test_limit(void)
{
    /* 512 terms are fine, 513 a limit error at the 513th */
    size_t cap = 7 + 513 * 3;
    char *big = malloc(cap + 1);
    if (big == NULL) {
        CHECK(0);
        return;
    }
    memcpy(big, "v=spf1", 6);
    size_t n = 6;
    for (int i = 0; i < 513; i++) {
        memcpy(big + n, " mx", 3);
        n += 3;
    }
    big[n] = '\0';
    CHECK_INT(parse_n(big, n - 3), DELIVER_OK);
    CHECK_INT(rec.nterms, DLV_SPF_MAX_TERMS);
    CHECK_INT(rec.terms[511].offset, 6 + 511 * 3 + 1);
    CHECK_INT(parse_n(big, n), DELIVER_E_LIMIT);
    CHECK_INT(eoff, 6 + 512 * 3 + 1);
    /* the limit holds even if the extra terms are broken */
    big[n - 1] = '%';
    CHECK_INT(parse_n(big, n), DELIVER_E_LIMIT);
    free(big);

    /* a long domain-spec and many macros are just syntax */
    char longrec[4200];
    strcpy(longrec, "v=spf1 exists:");
    for (int i = 0; i < 400; i++) {
        strcat(longrec, "%{d}.");
    }
    strcat(longrec, "com");
    CHECK_INT(parse(longrec), DELIVER_OK);
    CHECK_INT(rec.terms[0].spec_len, 400 * 5 + 3);
}

int main(void)
{
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        fprintf(stderr, "no context\n");
        return 1;
    }
    dlv_arena_init(&arena, ctx);
    test_is_record();
    test_terms();
    run_cases(suite, DLV_ARRAY_LEN(suite));
    run_cases(errors, DLV_ARRAY_LEN(errors));
    test_special();
    test_limit();
    free(copy_buf);
    dlv_arena_clear(&arena);
    deliver_ctx_free(ctx);
    return check_done("spf-parse");
}

/*
 * Unit tests: lib/core/address.c (dlv_mailbox_parse, dlv_mailbox_list_parse) and the public
 * deliver_address_*, deliver_domain_to_ascii() functions.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <deliver/address.h>

#include "check.h"
#include "core/address.h"

static deliver_ctx *ctx;

enum { SMTP = DLV_ADDR_SMTP, HDR = DLV_ADDR_HEADER, UTF8 = DLV_ADDR_UTF8 };

/* Parse from an exactly sized heap copy, so that ASan sees any read past len. */
static deliver_status parse_n(const char *s, size_t len, unsigned flags, dlv_mailbox *mb,
                              const char **why)
{
    char *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        return DELIVER_E_NOMEM;
    }
    memcpy(copy, s, len);
    deliver_status st = dlv_mailbox_parse(ctx, copy, len, flags, mb, why);
    free(copy);
    return st;
}

#define OK(in, flags, disp, loc, dom, q, u, lit)                                            \
    ok_(__LINE__, in, strlen(in), flags, disp, loc, dom, q, u, lit)

static void ok_(int line, const char *in, size_t len, unsigned flags, const char *display,
                const char *local, const char *domain, int quoted, int utf8, int literal)
{
    dlv_mailbox mb;
    const char *why = NULL;
    deliver_status st = parse_n(in, len, flags, &mb, &why);
    if (st != DELIVER_OK) {
        fprintf(stderr, "line %d: \"%s\" (flags %u) rejected: %d %s\n", line, in, flags, st,
                why ? why : "(no reason)");
    }
    CHECK_INT(st, DELIVER_OK);
    if (st != DELIVER_OK) {
        return;
    }
    CHECK(why == NULL);
    if (display == NULL) {
        if (mb.display != NULL) {
            fprintf(stderr, "line %d: unexpected display \"%s\"\n", line, mb.display);
        }
        CHECK(mb.display == NULL);
    } else {
        CHECK_STR(mb.display, display);
    }
    CHECK_STR(mb.local, local);
    CHECK_STR(mb.domain, domain);
    CHECK_INT(mb.quoted, quoted);
    CHECK_INT(mb.utf8, utf8);
    CHECK_INT(mb.literal, literal);
    if (check_failures) {
        static int shown;
        if (!shown++) {
            fprintf(stderr, "(first failure around line %d)\n", line);
        }
    }
    dlv_mailbox_clear(ctx, &mb);
    CHECK(mb.local == NULL && mb.domain == NULL && mb.display == NULL);
}

#define BAD(in, flags, st) bad_(__LINE__, in, strlen(in), flags, st)
#define BADN(in, len, flags, st) bad_(__LINE__, in, len, flags, st)

static void bad_(int line, const char *in, size_t len, unsigned flags, deliver_status want)
{
    dlv_mailbox mb;
    memset(&mb, 0x55, sizeof(mb));
    const char *why = NULL;
    deliver_status st = parse_n(in, len, flags, &mb, &why);
    if (st != want) {
        fprintf(stderr, "line %d: \"%.*s\" (flags %u) gave %d (%s), expected %d\n", line,
                (int)len, in, flags, st, why ? why : "-", want);
        if (st == DELIVER_OK) {
            fprintf(stderr, "  local \"%s\" domain \"%s\"\n", mb.local, mb.domain);
            dlv_mailbox_clear(ctx, &mb);
        }
    }
    CHECK_INT(st, want);
    CHECK(why != NULL && why[0] != '\0');
    CHECK(mb.local == NULL && mb.domain == NULL && mb.display == NULL);
}

static void test_smtp(void)
{
    OK("user@example.com", SMTP, NULL, "user", "example.com", 0, 0, 0);
    OK("<user@example.com>", SMTP, NULL, "user", "example.com", 0, 0, 0);
    OK("User.Name+tag@Mail.Example.COM", SMTP, NULL, "User.Name+tag", "mail.example.com", 0, 0,
       0);
    OK("!#$%&'*+-/=?^_`{|}~@x.example", SMTP, NULL, "!#$%&'*+-/=?^_`{|}~", "x.example", 0, 0, 0);
    OK("a@b", SMTP, NULL, "a", "b", 0, 0, 0);
    OK("a@1.2.3.4", SMTP, NULL, "a", "1.2.3.4", 0, 0, 0); /* a (numeric) domain, not a literal */
    OK("\"john doe\"@example.com", SMTP, NULL, "john doe", "example.com", 1, 0, 0);
    OK("\"john.doe\"@example.com", SMTP, NULL, "john.doe", "example.com", 1, 0, 0);
    OK("\"a\\\"b\"@x.example", SMTP, NULL, "a\"b", "x.example", 1, 0, 0);
    OK("\"a\\\\b\"@x.example", SMTP, NULL, "a\\b", "x.example", 1, 0, 0);
    OK("\"a\\ b\\x\"@x.example", SMTP, NULL, "a bx", "x.example", 1, 0, 0);
    OK("\"@\"@x.example", SMTP, NULL, "@", "x.example", 1, 0, 0);
    OK("\"<>,;:[]()\"@x.example", SMTP, NULL, "<>,;:[]()", "x.example", 1, 0, 0);
    OK("\"\"@x.example", SMTP, NULL, "", "x.example", 1, 0, 0);
    OK("<\"a b\"@x.example>", SMTP, NULL, "a b", "x.example", 1, 0, 0);
    OK("<@a.example,@b.example:user@c.example>", SMTP, NULL, "user", "c.example", 0, 0, 0);
    OK("<@a.example:user@c.example>", SMTP, NULL, "user", "c.example", 0, 0, 0);
    OK("user@[192.0.2.1]", SMTP, NULL, "user", "192.0.2.1", 0, 0, 1);
    OK("<user@[192.0.2.1]>", SMTP, NULL, "user", "192.0.2.1", 0, 0, 1);
    OK("user@[IPv6:2001:db8::1]", SMTP, NULL, "user", "IPv6:2001:db8::1", 0, 0, 1);
    OK("user@[ipv6:::1]", SMTP, NULL, "user", "ipv6:::1", 0, 0, 1);
    OK("user@[IPv6:::ffff:1.2.3.4]", SMTP, NULL, "user", "IPv6:::ffff:1.2.3.4", 0, 0, 1);
    OK("user@xn--bcher-kva.example", SMTP, NULL, "user", "xn--bcher-kva.example", 0, 0, 0);
    OK("user@XN--BCHER-KVA.example", SMTP, NULL, "user", "xn--bcher-kva.example", 0, 0, 0);
    OK("a-b@a-b.c-d", SMTP, NULL, "a-b", "a-b.c-d", 0, 0, 0);

    /* SMTPUTF8 */
    OK("user@b\xc3\xbc" "cher.example", SMTP | UTF8, NULL, "user", "xn--bcher-kva.example", 0,
       0, 0);
    OK("\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a",
       SMTP | UTF8, NULL, "\xe7\x94\xa8\xe6\x88\xb7", "xn--fsqu00a.xn--4rr70v", 0, 1, 0);
    OK("J\xc3\xb6rg@x.example", SMTP | UTF8, NULL, "J\xc3\xb6rg", "x.example", 0, 1, 0);
    OK("\"J\xc3\xb6rg M\"@x.example", SMTP | UTF8, NULL, "J\xc3\xb6rg M", "x.example", 1, 1, 0);
    OK("\xf0\x9f\x98\x80@x.example", SMTP | UTF8, NULL, "\xf0\x9f\x98\x80", "x.example", 0, 1,
       0);
    OK("user@example.com", SMTP | UTF8, NULL, "user", "example.com", 0, 0, 0);
    BAD("user@b\xc3\xbc" "cher.example", SMTP, DELIVER_E_PARSE);
    BAD("J\xc3\xb6rg@x.example", SMTP, DELIVER_E_PARSE);
    BAD("\"J\xc3\xb6rg\"@x.example", SMTP, DELIVER_E_PARSE);
    /* malformed UTF-8: truncated, overlong, surrogate, above U+10FFFF, stray bytes */
    BAD("\xc3@x.example", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("a\xc3", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("\xc0\xaf@x.example", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("\xe0\x80\xaf@x.example", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("\xf0\x80\x80\xaf@x.example", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("\xed\xa0\x80@x.example", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("\xf4\x90\x80\x80@x.example", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("\xf5\x80\x80\x80@x.example", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("\xff@x.example", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("\x80@x.example", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("a\xe2\x82@x.example", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("u@b\xc3.example", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("u@x.exampl\xe2\x82", SMTP | UTF8, DELIVER_E_PARSE);
    BAD("\"\\\xc3\xbc\"@x.example", SMTP | UTF8, DELIVER_E_PARSE); /* no UTF-8 quoted pair */
    BAD("\"\xc3\"@x.example", SMTP | UTF8, DELIVER_E_PARSE);

    static const char *bad[] = {
        "user", "user@", "@example.com", "<>", "<user@example.com", "user@example.com>",
        "<<user@example.com>>", "user@@example.com", "us er@example.com", " user@example.com",
        "user@example.com ", "user @example.com", "user@ example.com", "user.@example.com",
        ".user@example.com", "us..er@example.com", "user@example..com", "user@.example.com",
        "user@example.com.", "user@-example.com", "user@example-.com", "user@exa_mple.com",
        "user@exa mple.com", "user@example.com;", "user@ex@ample.com", "\"unterminated@x.example",
        "\"a\"b@x.example", "a\"b\"@x.example", "\"a\".b@x.example", "a.\"b\"@x.example",
        "user@[1.2.3]", "user@[01.2.3.4]", "user@[::1]", "user@[IPv6:1.2.3.4]",
        "user@[IPv6:]", "user@[IPv6:zz::1]", "user@[foo:bar]", "user@[1.2.3.4", "user@1.2.3.4]",
        "user@[]", "user@[ 1.2.3.4]", "user@[1.2.3.4]x", "user@x.[1.2.3.4]",
        "Name <user@x.example>",
        "user@x.example (comment)", "(c)user@x.example", "<@a.example:user@x.example",
        "<@a.example user@x.example>", "<@a.example,user@x.example>", "<:user@x.example>",
        "<@:user@x.example>", "<@a.example,:user@x.example>", "<@a.example,,@b:user@x.example>",
        "<@[1.2.3.4]:u@x.example>", "@a.example:user@x.example", "\"a\tb\"@x.example",
        "\"a\\\"@x.example", "\"a\\\tb\"@x.example", "u\\@x.example", "u\\x@x.example",
        "user@x.example\r\n", "\"\x01\"@x.example", "\"\x7f\"@x.example", "u\x7f@x.example",
        "user@x.example\x01", "<user@x.example> SIZE=100", "user%x.example", "a(b)@x.example",
        "a,b@x.example", "a;b@x.example", "a:b@x.example", "a[b@x.example", "a]b@x.example",
        "a<b@x.example", "u@x.example>", "<u@x.example>>", "<<u@x.example>",
        "user@\xc3\xbc.example", "user@-.example", "user@a..", "user@.",
        "user@xn--a.example", "\"a\r\n b\"@x.example",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        BAD(bad[k], SMTP, DELIVER_E_PARSE);
    }
    BAD("", SMTP, DELIVER_E_PARSE);

    /* embedded NULs and truncation */
    BADN("user@x.example\0", 15, SMTP, DELIVER_E_PARSE);
    BADN("us\0er@x.example", 15, SMTP, DELIVER_E_PARSE);
    BADN("\"a\\\0b\"@x.example", 16, SMTP, DELIVER_E_PARSE);
    BADN("user@x.exa\0mple", 15, SMTP, DELIVER_E_PARSE);
    BADN("<user@x.example>", 15, SMTP, DELIVER_E_PARSE);
    BADN("user@[1.2.3.4]", 13, SMTP, DELIVER_E_PARSE);
    BADN("\"a b\"@x", 4, SMTP, DELIVER_E_PARSE);
    BADN("\"a\\", 3, SMTP, DELIVER_E_PARSE);
    BADN("\"a\\", 3, HDR, DELIVER_E_PARSE);
    BADN("u@x.example.org", 4, SMTP, DELIVER_E_PARSE); /* "u@x." */
    ok_(__LINE__, "user@x.example.org", 14, SMTP, NULL, "user", "x.example", 0, 0, 0);
}

static void fill(char *p, char c, size_t n)
{
    memset(p, c, n);
}

static void test_limits(void)
{
    char buf[1200];
    char want[80];

    /* local part: 64 octets as written */
    fill(buf, 'a', 64);
    strcpy(buf + 64, "@x.example");
    memcpy(want, buf, 64);
    want[64] = '\0';
    OK(buf, SMTP, NULL, want, "x.example", 0, 0, 0);
    OK(buf, HDR, NULL, want, "x.example", 0, 0, 0);
    fill(buf, 'a', 65);
    strcpy(buf + 65, "@x.example");
    BAD(buf, SMTP, DELIVER_E_LIMIT);
    BAD(buf, HDR, DELIVER_E_LIMIT);
    /* quoted: the quotes count */
    buf[0] = '"';
    fill(buf + 1, 'b', 62);
    strcpy(buf + 63, "\"@x.example");
    memset(want, 'b', 62);
    want[62] = '\0';
    OK(buf, SMTP, NULL, want, "x.example", 1, 0, 0);
    buf[0] = '"';
    fill(buf + 1, 'b', 63);
    strcpy(buf + 64, "\"@x.example");
    BAD(buf, SMTP, DELIVER_E_LIMIT);
    /* quoted pairs count twice */
    strcpy(buf, "\"");
    for (int k = 0; k < 31; k++) {
        strcat(buf, "\\\"");
    }
    strcat(buf, "\"@x.example"); /* 2 + 62 = 64 */
    memset(want, '"', 31);
    want[31] = '\0';
    OK(buf, SMTP, NULL, want, "x.example", 1, 0, 0);
    strcpy(buf, "\"a");
    for (int k = 0; k < 31; k++) {
        strcat(buf, "\\\"");
    }
    strcat(buf, "\"@x.example"); /* 65 */
    BAD(buf, SMTP, DELIVER_E_LIMIT);
    /* UTF-8: octets, not characters (32 x U+00FC = 64 octets) */
    buf[0] = '\0';
    for (int k = 0; k < 32; k++) {
        strcat(buf, "\xc3\xbc");
    }
    strcat(buf, "@x.example");
    OK(buf, SMTP | UTF8, NULL, "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
                                "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
                                "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
                                "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc",
       "x.example", 0, 1, 0);
    memmove(buf + 1, buf, strlen(buf) + 1);
    buf[0] = 'a';
    BAD(buf, SMTP | UTF8, DELIVER_E_LIMIT);

    /* path: 64 + 1 + 189 = 254 octets, 256 with the brackets */
    char dom[300];
    fill(dom, 'c', 63);
    dom[63] = '.';
    fill(dom + 64, 'd', 63);
    dom[127] = '.';
    fill(dom + 128, 'e', 61);
    dom[189] = '\0';
    fill(buf, 'a', 64);
    buf[64] = '@';
    strcpy(buf + 65, dom);
    CHECK_INT(strlen(buf), 254);
    memset(want, 'a', 64);
    want[64] = '\0';
    OK(buf, SMTP, NULL, want, dom, 0, 0, 0);
    OK(buf, HDR, NULL, want, dom, 0, 0, 0);
    char br[1300];
    snprintf(br, sizeof(br), "<%s>", buf);
    OK(br, SMTP, NULL, want, dom, 0, 0, 0);
    snprintf(br, sizeof(br), "Some Name <%s>", buf);
    OK(br, HDR, "Some Name", want, dom, 0, 0, 0);
    /* one more octet in the domain */
    strcat(buf, "e");
    BAD(buf, SMTP, DELIVER_E_LIMIT);
    BAD(buf, HDR, DELIVER_E_LIMIT);
    snprintf(br, sizeof(br), "<%s>", buf);
    BAD(br, SMTP, DELIVER_E_LIMIT);
    snprintf(br, sizeof(br), "Name <%s>", buf);
    BAD(br, HDR, DELIVER_E_LIMIT);
    /* a source route counts toward the SMTP path */
    buf[strlen(buf) - 1] = '\0';
    snprintf(br, sizeof(br), "<@r.example:%s>", buf);
    BAD(br, SMTP, DELIVER_E_LIMIT);
    /* comments and white space do not count in RFC 5322 */
    snprintf(br, sizeof(br), "(a comment) %s (another one)", buf);
    OK(br, HDR, NULL, want, dom, 0, 0, 0);

    /* a very long domain */
    strcpy(buf, "a@");
    for (int k = 0; k < 100; k++) {
        strcat(buf, "abcdefghi.");
    }
    strcat(buf, "com");
    BAD(buf, SMTP, DELIVER_E_LIMIT);
    BAD(buf, HDR, DELIVER_E_LIMIT);
    /* a label over 63 octets is a syntax error */
    fill(buf, 'l', 64);
    memcpy(buf, "u@", 2);
    strcpy(buf + 66, ".example");
    BAD(buf, SMTP, DELIVER_E_PARSE);
    /* a long display name is fine */
    static char big[20000];
    fill(big, 'n', 10000);
    strcpy(big + 10000, " <a@b.example>");
    dlv_mailbox mb;
    CHECK_INT(dlv_mailbox_parse(ctx, big, strlen(big), HDR, &mb, NULL), DELIVER_OK);
    CHECK_INT(strlen(mb.display), 10000);
    dlv_mailbox_clear(ctx, &mb);
}

static void test_header(void)
{
    OK("user@example.com", HDR, NULL, "user", "example.com", 0, 0, 0);
    OK("John Doe <john@example.com>", HDR, "John Doe", "john", "example.com", 0, 0, 0);
    OK("\"Doe, John\" <john@example.com>", HDR, "Doe, John", "john", "example.com", 0, 0, 0);
    OK("John Q. Public <jqp@example.com>", HDR, "John Q. Public", "jqp", "example.com", 0, 0, 0);
    OK("<john@example.com>", HDR, NULL, "john", "example.com", 0, 0, 0);
    OK("  <john@example.com>  ", HDR, NULL, "john", "example.com", 0, 0, 0);
    OK("\"\" <a@b.example>", HDR, "", "a", "b.example", 0, 0, 0);
    OK("John (the man) Doe <a@b.example>", HDR, "John Doe", "a", "b.example", 0, 0, 0);
    OK("  John \t  Doe   <a@b.example>  ", HDR, "John Doe", "a", "b.example", 0, 0, 0);
    OK("John\r\n Doe <a@b.example>", HDR, "John Doe", "a", "b.example", 0, 0, 0);
    OK("John\n\tDoe <a@b.example>", HDR, "John Doe", "a", "b.example", 0, 0, 0);
    OK("John<a@b.example>", HDR, "John", "a", "b.example", 0, 0, 0);
    OK("\"John\"\"Doe\" <a@b.example>", HDR, "JohnDoe", "a", "b.example", 0, 0, 0);
    OK("\"John \\\"JD\\\" Doe\" <a@b.example>", HDR, "John \"JD\" Doe", "a", "b.example", 0, 0,
       0);
    OK("\"quoted\r\n folded\" <a@b.example>", HDR, "quoted folded", "a", "b.example", 0, 0, 0);
    OK("=?utf-8?q?J=C3=B6rg?= <j@x.example>", HDR, "=?utf-8?q?J=C3=B6rg?=", "j", "x.example", 0,
       0, 0);
    OK("a@b.example (comment)", HDR, NULL, "a", "b.example", 0, 0, 0);
    OK("(c) a (d) . (e) b @ (f) example (g) . com (h)", HDR, NULL, "a.b", "example.com", 0, 0, 0);
    OK("john.\"doe\"@x.example", HDR, NULL, "john.doe", "x.example", 1, 0, 0);
    OK("\"john\".doe@x.example", HDR, NULL, "john.doe", "x.example", 1, 0, 0);
    OK("\"john doe\"@x.example", HDR, NULL, "john doe", "x.example", 1, 0, 0);
    OK("\"john\\\\doe\"@x.example", HDR, NULL, "john\\doe", "x.example", 1, 0, 0);
    OK("\"a\\\tb\"@x.example", HDR, NULL, "a\tb", "x.example", 1, 0, 0);
    OK("\"a\tb\"@x.example", HDR, NULL, "a\tb", "x.example", 1, 0, 0);
    OK("Name <\"john doe\"@x.example>", HDR, "Name", "john doe", "x.example", 1, 0, 0);
    /* RFC 5322 appendix A.5 and A.6 */
    OK("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", HDR, "Pete", "pete",
       "silly.test", 0, 0, 0);
    OK("Mary Smith <@node.test:mary@example.net>", HDR, "Mary Smith", "mary", "example.net", 0,
       0, 0);
    OK("<@a.example,,@b.example:u@c.example>", HDR, NULL, "u", "c.example", 0, 0, 0);
    OK("<,@a.example:u@c.example>", HDR, NULL, "u", "c.example", 0, 0, 0);
    OK("Joe Q. Public <john.q.public@example.com>", HDR, "Joe Q. Public", "john.q.public",
       "example.com", 0, 0, 0);
    OK("< a@b.example >", HDR, NULL, "a", "b.example", 0, 0, 0);
    OK("a@b.example (((x)))", HDR, NULL, "a", "b.example", 0, 0, 0);
    OK("a@b.example (x (y) \\( z)", HDR, NULL, "a", "b.example", 0, 0, 0);
    BAD("a@b.example (\x01)", HDR, DELIVER_E_PARSE); /* no control characters, not even here */
    OK("user@[192.0.2.1]", HDR, NULL, "user", "192.0.2.1", 0, 0, 1);
    OK("Lit <user@[IPv6:2001:db8::1]> (x)", HDR, "Lit", "user", "IPv6:2001:db8::1", 0, 0, 1);
    OK("Mixed Case <U@Example.COM>", HDR, "Mixed Case", "U", "example.com", 0, 0, 0);
    OK("a.b.c@d.e", HDR, NULL, "a.b.c", "d.e", 0, 0, 0);
    OK("x.y <a@b.example>", HDR, "x.y", "a", "b.example", 0, 0, 0);
    OK("x . y <a@b.example>", HDR, "x . y", "a", "b.example", 0, 0, 0);
    /* RFC 6532 */
    OK("J\xc3\xb6rg <j@b\xc3\xbc" "cher.example>", HDR | UTF8, "J\xc3\xb6rg", "j",
       "xn--bcher-kva.example", 0, 0, 0);
    OK("\"J\xc3\xb6rg\" <\xc3\xbc@x.example> (\xc3\xbc)", HDR | UTF8, "J\xc3\xb6rg", "\xc3\xbc",
       "x.example", 0, 1, 0);
    BAD("J\xc3\xb6rg <j@x.example>", HDR, DELIVER_E_PARSE);
    BAD("j@x.example (\xc3\xbc)", HDR, DELIVER_E_PARSE);
    BAD("J\xc3 <j@x.example>", HDR | UTF8, DELIVER_E_PARSE);
    BAD("j@x.example (\xc3)", HDR | UTF8, DELIVER_E_PARSE);
    BAD("\"\xed\xbf\xbf\" <j@x.example>", HDR | UTF8, DELIVER_E_PARSE);

    /* comment nesting: 32 deep is fine, 33 is not; very deep input fails fast */
    char buf[200100];
    strcpy(buf, "a@b.example ");
    size_t n = strlen(buf);
    for (int k = 0; k < 32; k++) {
        buf[n++] = '(';
    }
    for (int k = 0; k < 32; k++) {
        buf[n++] = ')';
    }
    buf[n] = '\0';
    OK(buf, HDR, NULL, "a", "b.example", 0, 0, 0);
    memmove(buf + 13, buf + 12, n - 12 + 1);
    buf[12] = '(';
    n++;
    buf[n++] = ')';
    buf[n] = '\0';
    BAD(buf, HDR, DELIVER_E_PARSE);
    memset(buf, '(', 200000);
    buf[200000] = '\0';
    BAD(buf, HDR, DELIVER_E_PARSE);
    strcpy(buf, "a@b.example ");
    for (n = strlen(buf); n < 100000; n += 2) {
        buf[n] = '(';
        buf[n + 1] = ')';
    }
    buf[n] = '\0';
    OK(buf, HDR, NULL, "a", "b.example", 0, 0, 0); /* many comments in a row */
    memset(buf, '\\', 1000);
    buf[0] = '(';
    buf[1000] = '\0';
    BAD(buf, HDR, DELIVER_E_PARSE);

    static const char *bad[] = {
        "John Doe", "John <a@b.example", "John a@b.example", "<>", "John <>", "a@b.example (",
        "a@b.example )", "(a@b.example", "a@b.example ((x)", "\"unterminated <a@b.example>",
        "\"unterminated", "John\r\nDoe <a@b.example>", "John\rDoe <a@b.example>",
        "John\r <a@b.example>", "a@b.example\r\n", "a@b.example\n", "a@b.example\r\n\r\n ",
        "Jo\x01hn <a@b.example>", "Doe, John <a@b.example>", "a@b.example.", "a..b@x.example",
        "a@b..example", "<a@b.example> extra", "@b.example", "a@", "John <@route a@b.example>",
        "John: <a@b.example>", "Group: a@b.example;", "a@b.example, c@d.example",
        "a@b.example,", "John <a@b.example> <c@d.example>", "<a@b.example", "a@b.example>",
        ".John <a@b.example>", "John <a@b.example>>", "John < <a@b.example>",
        "John <a@b.example> \"x\"", "a@b@c.example", "a b@c.example", "\"a\" \"b\"@c.example",
        "a.@b.example", "a@.b.example", "a@b.example;", "John <a@exa_mple.com>",
        "a@[1.2.3.4", "a@[1.2.3.999]", "a@[ 1.2.3.4 ]", "a@b.example (x\\", "\"a\x7f\"@b.example",
        "\"\x01\"@b.example", "John @ Work <a@b.example>", "[John] <a@b.example>",
        "John <a@b.example>,", "a@b.example (\r\n)x", "a@b.example\x01", "a\x01@b.example",
        "(comment only)", "   ", "\r\n ", "\"x\" <a@b.example\"", "<@a.example u@x.example>",
        "<@a.example:@b.example:u@x.example>", "<@[1.2.3.4]:u@x.example>", "<@:u@x.example>",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        BAD(bad[k], HDR, DELIVER_E_PARSE);
    }
    BADN("John <a@b.example>\0", 19, HDR, DELIVER_E_PARSE);
    BADN("\"Jo\0hn\" <a@b.example>", 21, HDR, DELIVER_E_PARSE);
    BADN("a@b.example (c\0)", 16, HDR, DELIVER_E_PARSE);
    BADN("John <a@b.example>", 17, HDR, DELIVER_E_PARSE);
    BADN("John <a@b.example> (c)", 21, HDR, DELIVER_E_PARSE);
    BADN("\"John\" <a@b.example>", 3, HDR, DELIVER_E_PARSE);
}

static void test_flags_args(void)
{
    dlv_mailbox mb;
    const char *why = NULL;
    CHECK_INT(dlv_mailbox_parse(ctx, "a@b.example", 11, 0, &mb, &why), DELIVER_E_INVALID);
    CHECK(why != NULL);
    CHECK_INT(dlv_mailbox_parse(ctx, "a@b.example", 11, UTF8, &mb, NULL), DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_parse(ctx, "a@b.example", 11, SMTP | HDR, &mb, NULL),
              DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_parse(ctx, "a@b.example", 11, SMTP | 8, &mb, NULL), DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_parse(ctx, "a@b.example", 11, HDR | 0x80000000u, &mb, NULL),
              DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_parse(NULL, "a@b.example", 11, SMTP, &mb, NULL), DELIVER_E_INVALID);
    CHECK(mb.local == NULL);
    CHECK_INT(dlv_mailbox_parse(ctx, "a@b.example", 11, SMTP, NULL, NULL), DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_parse(ctx, NULL, 11, SMTP, &mb, NULL), DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_parse(ctx, NULL, 0, SMTP, &mb, NULL), DELIVER_E_PARSE);
    CHECK_INT(dlv_mailbox_parse(ctx, "", 0, HDR, &mb, &why), DELIVER_E_PARSE);
    CHECK(why != NULL);
    dlv_mailbox_clear(ctx, NULL);
    dlv_mailbox_list_free(ctx, NULL, 3);
}

/* ---- lists ---- */

static size_t list_(int line, const char *in, unsigned flags, deliver_status want,
                    const char *expect)
{
    dlv_mailbox *list = (dlv_mailbox *)(uintptr_t)1;
    size_t count = 77;
    const char *why = NULL;
    size_t len = strlen(in);
    char *copy = malloc(len ? len : 1);
    memcpy(copy, in, len);
    deliver_status st = dlv_mailbox_list_parse(ctx, copy, len, flags, &list, &count, &why);
    free(copy);
    if (st != want) {
        fprintf(stderr, "line %d: list \"%.60s\" gave %d (%s), expected %d\n", line, in, st,
                why ? why : "-", want);
    }
    CHECK_INT(st, want);
    if (st != DELIVER_OK) {
        CHECK(list == NULL);
        CHECK_INT(count, 0);
        CHECK(why != NULL);
        return 0;
    }
    /* expect: "display|local@domain" entries joined by ' ' ("-" for no display) */
    if (expect != NULL) {
        char got[4096] = "";
        for (size_t k = 0; k < count; k++) {
            size_t used = strlen(got);
            snprintf(got + used, sizeof(got) - used, "%s%s|%s@%s", k ? " " : "",
                     list[k].display ? list[k].display : "-", list[k].local, list[k].domain);
        }
        if (strcmp(got, expect) != 0) {
            fprintf(stderr, "line %d: list gave \"%s\"\n", line, got);
        }
        CHECK_STR(got, expect);
    }
    CHECK(count > 0 || list == NULL);
    dlv_mailbox_list_free(ctx, list, count);
    return count;
}
#define LIST(in, flags, st, expect) list_(__LINE__, in, flags, st, expect)

static void test_list(void)
{
    LIST("a@b.example", HDR, DELIVER_OK, "-|a@b.example");
    LIST("a@b.example", 0, DELIVER_OK, "-|a@b.example");
    LIST("A <a@b.example>, \"B, C\" <b@c.example>, d@e.example", HDR, DELIVER_OK,
         "A|a@b.example B, C|b@c.example -|d@e.example");
    LIST("undisclosed-recipients:;", HDR, DELIVER_OK, "");
    LIST("Undisclosed recipients: ;", HDR, DELIVER_OK, "");
    LIST("Team: a@b.example, B <b@b.example>; , c@c.example", HDR, DELIVER_OK,
         "-|a@b.example B|b@b.example -|c@c.example");
    LIST("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;", HDR, DELIVER_OK,
         "Ed Jones|c@a.test -|joe@where.test John|jdoe@one.test");
    LIST(",,a@b.example,,,", HDR, DELIVER_OK, "-|a@b.example");
    LIST("g: ,a@b.example,, ;", HDR, DELIVER_OK, "-|a@b.example");
    LIST("g:;,h:;", HDR, DELIVER_OK, "");
    LIST("a@b.example (x), (y) c@d.example", HDR, DELIVER_OK, "-|a@b.example -|c@d.example");
    LIST("a@b.example,\r\n c@d.example", HDR, DELIVER_OK, "-|a@b.example -|c@d.example");
    LIST("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>, "
         "A Group(Some people):Chris Jones <c@(Chris's host.)public.example>,"
         "joe@example.org, John <jdoe@one.test> (my dear friend); (the end of the group)",
         HDR, DELIVER_OK,
         "Pete|pete@silly.test Chris Jones|c@public.example -|joe@example.org "
         "John|jdoe@one.test");
    LIST("J\xc3\xb6rg <j@x.example>, \xc3\xbc@b\xc3\xbc" "cher.example", HDR | UTF8, DELIVER_OK,
         "J\xc3\xb6rg|j@x.example -|\xc3\xbc@xn--bcher-kva.example");
    LIST("J\xc3\xb6rg <j@x.example>", HDR, DELIVER_E_PARSE, NULL);

    LIST("", HDR, DELIVER_E_PARSE, NULL);
    LIST("   ", HDR, DELIVER_E_PARSE, NULL);
    LIST(",", HDR, DELIVER_E_PARSE, NULL);
    LIST("(only a comment)", HDR, DELIVER_E_PARSE, NULL);
    LIST("g: a@b.example", HDR, DELIVER_E_PARSE, NULL);
    LIST("g: a@b.example, ", HDR, DELIVER_E_PARSE, NULL);
    LIST("a@b.example c@d.example", HDR, DELIVER_E_PARSE, NULL);
    LIST("g: h: a@b.example;;", HDR, DELIVER_E_PARSE, NULL);
    LIST("a@b.example;", HDR, DELIVER_E_PARSE, NULL);
    LIST("g: a@b.example; c@d.example", HDR, DELIVER_E_PARSE, NULL);
    LIST("a@b.example, John", HDR, DELIVER_E_PARSE, NULL);
    LIST("a@b.example, <>", HDR, DELIVER_E_PARSE, NULL);
    LIST("Doe, John <a@b.example>", HDR, DELIVER_E_PARSE, NULL);
    LIST(": a@b.example;", HDR, DELIVER_E_PARSE, NULL);
    LIST("a@b.example, \"x", HDR, DELIVER_E_PARSE, NULL);
    LIST("a@b.example, (x", HDR, DELIVER_E_PARSE, NULL);

    dlv_mailbox *list = NULL;
    size_t count = 0;
    CHECK_INT(dlv_mailbox_list_parse(ctx, "a@b.example", 11, SMTP, &list, &count, NULL),
              DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_list_parse(ctx, "a@b.example", 11, HDR | 8, &list, &count, NULL),
              DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_list_parse(NULL, "a@b.example", 11, HDR, &list, &count, NULL),
              DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_list_parse(ctx, "a@b.example", 11, HDR, NULL, &count, NULL),
              DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_list_parse(ctx, "a@b.example", 11, HDR, &list, NULL, NULL),
              DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_list_parse(ctx, NULL, 3, HDR, &list, &count, NULL), DELIVER_E_INVALID);
    CHECK_INT(dlv_mailbox_list_parse(ctx, "a@b.example\0", 12, HDR, &list, &count, NULL),
              DELIVER_E_PARSE);
    CHECK(list == NULL && count == 0);

    /* the bound on the number of mailboxes */
    size_t cap = 1001 * 16 + 16;
    char *big = malloc(cap);
    big[0] = '\0';
    size_t n = 0;
    for (int k = 0; k < 1000; k++) {
        n += (size_t)snprintf(big + n, cap - n, "%sa%d@b.example", k ? "," : "", k % 10);
    }
    CHECK_INT(LIST(big, HDR, DELIVER_OK, NULL), 1000);
    snprintf(big + n, cap - n, ",z@b.example");
    LIST(big, HDR, DELIVER_E_LIMIT, NULL);
    free(big);
}

/* ---- public API ---- */

static void test_public(void)
{
    deliver_address *a = (deliver_address *)(uintptr_t)1;
    const char *t = "\"Doe, John\" <\"john doe\"@Example.COM>";
    CHECK_INT(deliver_address_parse(&a, ctx, t, strlen(t), DELIVER_ADDRESS_HEADER), DELIVER_OK);
    CHECK(a != NULL);
    CHECK_STR(deliver_address_get_local(a), "john doe");
    CHECK_STR(deliver_address_get_domain(a), "example.com");
    CHECK_STR(deliver_address_get_display_name(a), "Doe, John");
    CHECK_INT(deliver_address_is_quoted(a), 1);
    CHECK_INT(deliver_address_is_utf8(a), 0);
    CHECK_INT(deliver_address_is_literal(a), 0);
    CHECK_STR(deliver_ctx_errmsg(ctx), "");
    deliver_address_free(a);

    t = "<\xc3\xbc@[IPv6:::1]>";
    CHECK_INT(deliver_address_parse(&a, ctx, t, strlen(t),
                                    DELIVER_ADDRESS_SMTP | DELIVER_ADDRESS_UTF8),
              DELIVER_OK);
    CHECK_STR(deliver_address_get_local(a), "\xc3\xbc");
    CHECK_STR(deliver_address_get_domain(a), "IPv6:::1");
    CHECK_STR(deliver_address_get_display_name(a), "");
    CHECK_INT(deliver_address_is_quoted(a), 0);
    CHECK_INT(deliver_address_is_utf8(a), 1);
    CHECK_INT(deliver_address_is_literal(a), 1);
    deliver_address_free(a);

    /* failure: *out NULL, reason in the context */
    a = (deliver_address *)(uintptr_t)1;
    CHECK_INT(deliver_address_parse(&a, ctx, "a b@c", 5, DELIVER_ADDRESS_SMTP), DELIVER_E_PARSE);
    CHECK(a == NULL);
    CHECK(deliver_ctx_errmsg(ctx)[0] != '\0');
    a = (deliver_address *)(uintptr_t)1;
    char longlocal[100];
    memset(longlocal, 'x', 65);
    strcpy(longlocal + 65, "@b.example");
    CHECK_INT(deliver_address_parse(&a, ctx, longlocal, strlen(longlocal), DELIVER_ADDRESS_SMTP),
              DELIVER_E_LIMIT);
    CHECK(a == NULL);
    CHECK(strstr(deliver_ctx_errmsg(ctx), "64") != NULL);
    CHECK_INT(deliver_address_parse(&a, ctx, "a@b", 3, 0), DELIVER_E_INVALID);
    CHECK_INT(deliver_address_parse(&a, ctx, "a@b", 3, 3), DELIVER_E_INVALID);
    CHECK_INT(deliver_address_parse(&a, ctx, "a@b", 3, 16 | DELIVER_ADDRESS_SMTP),
              DELIVER_E_INVALID);
    CHECK(deliver_ctx_errmsg(ctx)[0] != '\0');
    CHECK_INT(deliver_address_parse(&a, ctx, NULL, 0, DELIVER_ADDRESS_SMTP), DELIVER_E_INVALID);
    CHECK_INT(deliver_address_parse(NULL, ctx, "a@b", 3, DELIVER_ADDRESS_SMTP),
              DELIVER_E_INVALID);
    CHECK_INT(deliver_address_parse(&a, NULL, "a@b", 3, DELIVER_ADDRESS_SMTP), DELIVER_E_INVALID);
    CHECK(a == NULL);
    /* success clears the message */
    CHECK_INT(deliver_address_parse(&a, ctx, "a@b", 3, DELIVER_ADDRESS_SMTP), DELIVER_OK);
    CHECK_STR(deliver_ctx_errmsg(ctx), "");
    deliver_address_free(a);

    /* NULL handles */
    CHECK_STR(deliver_address_get_local(NULL), "");
    CHECK_STR(deliver_address_get_domain(NULL), "");
    CHECK_STR(deliver_address_get_display_name(NULL), "");
    CHECK_INT(deliver_address_is_quoted(NULL), 0);
    CHECK_INT(deliver_address_is_utf8(NULL), 0);
    CHECK_INT(deliver_address_is_literal(NULL), 0);
    deliver_address_free(NULL);

    /* the address keeps its context alive */
    deliver_ctx *c2 = NULL;
    CHECK_INT(deliver_ctx_new(&c2), DELIVER_OK);
    CHECK_INT(deliver_address_parse(&a, c2, "x@y.example", 11, DELIVER_ADDRESS_HEADER),
              DELIVER_OK);
    deliver_ctx_free(c2);
    CHECK_STR(deliver_address_get_domain(a), "y.example");
    deliver_address_free(a);

    /* deliver_domain_to_ascii */
    char buf[300];
    size_t need = 0;
    CHECK_INT(deliver_domain_to_ascii("B\xc3\xbc" "cher.Example.", buf, sizeof(buf), &need),
              DELIVER_OK);
    CHECK_STR(buf, "xn--bcher-kva.example");
    CHECK_INT(need, 22);
    CHECK_INT(deliver_domain_to_ascii("B\xc3\xbc" "cher.Example", buf, 22, &need), DELIVER_OK);
    CHECK_STR(buf, "xn--bcher-kva.example");
    memset(buf, 'x', sizeof(buf));
    CHECK_INT(deliver_domain_to_ascii("B\xc3\xbc" "cher.Example", buf, 21, &need),
              DELIVER_E_LIMIT);
    CHECK_INT(need, 22);
    CHECK_STR(buf, "");
    need = 0;
    CHECK_INT(deliver_domain_to_ascii("B\xc3\xbc" "cher.Example", NULL, 0, &need),
              DELIVER_E_LIMIT);
    CHECK_INT(need, 22);
    CHECK_INT(deliver_domain_to_ascii("_dmarc.Example.COM", buf, sizeof(buf), NULL), DELIVER_OK);
    CHECK_STR(buf, "_dmarc.example.com");
    CHECK_INT(deliver_domain_to_ascii("a..b", buf, sizeof(buf), &need), DELIVER_E_INVALID);
    CHECK_INT(need, 0);
    CHECK_STR(buf, "");
    CHECK_INT(deliver_domain_to_ascii("", buf, sizeof(buf), &need), DELIVER_E_INVALID);
    CHECK_INT(deliver_domain_to_ascii("a\xc3", buf, sizeof(buf), &need), DELIVER_E_INVALID);
    CHECK_INT(deliver_domain_to_ascii(NULL, buf, sizeof(buf), &need), DELIVER_E_INVALID);
    CHECK_INT(deliver_domain_to_ascii("a.b", NULL, 5, &need), DELIVER_E_INVALID);
}

/* ---- allocation failures: every allocation in turn fails, nothing leaks ---- */

static long fail_at = -1; /* allocation number that fails; -1: none */
static long alloc_no;

static void *t_alloc(size_t n, void *ud)
{
    (void)ud;
    if (fail_at >= 0 && alloc_no++ == fail_at) {
        return NULL;
    }
    return malloc(n);
}

static void *t_realloc(void *p, size_t n, void *ud)
{
    (void)ud;
    if (fail_at >= 0 && alloc_no++ == fail_at) {
        return NULL;
    }
    return realloc(p, n);
}

static void t_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

static void test_nomem(void)
{
    deliver_ctx *c = NULL;
    CHECK_INT(deliver_ctx_new_with_allocator(&c, t_alloc, t_realloc, t_free, NULL), DELIVER_OK);
    if (c == NULL) {
        return;
    }
    const char *one = "\"A very long display name to make the buffer grow a few times over, "
                      "and then some more\" <\"x y\"@b.example>";
    const char *many = "A <a@b.example>, g: B <b@b.example>, c@c.example;, D <d@d.example>, "
                       "e@e.example, f@f.example, g@g.example";
    int ok_seen = 0;
    for (long k = 0; k < 200 && !ok_seen; k++) {
        fail_at = k;
        alloc_no = 0;
        deliver_address *a = NULL;
        deliver_status st = deliver_address_parse(&a, c, one, strlen(one), DELIVER_ADDRESS_HEADER);
        CHECK(st == DELIVER_OK || st == DELIVER_E_NOMEM);
        if (st == DELIVER_OK) {
            ok_seen = 1;
            CHECK_STR(deliver_address_get_local(a), "x y");
        } else {
            CHECK(a == NULL);
        }
        deliver_address_free(a);
    }
    CHECK(ok_seen);
    ok_seen = 0;
    for (long k = 0; k < 500 && !ok_seen; k++) {
        fail_at = k;
        alloc_no = 0;
        dlv_mailbox *list = NULL;
        size_t count = 0;
        deliver_status st = dlv_mailbox_list_parse(c, many, strlen(many), HDR, &list, &count,
                                                   NULL);
        CHECK(st == DELIVER_OK || st == DELIVER_E_NOMEM);
        if (st == DELIVER_OK) {
            ok_seen = 1;
            CHECK_INT(count, 7);
        } else {
            CHECK(list == NULL && count == 0);
        }
        dlv_mailbox_list_free(c, list, count);
    }
    CHECK(ok_seen);
    fail_at = -1;
    deliver_ctx_free(c);
}

int main(void)
{
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        fprintf(stderr, "no context\n");
        return 1;
    }
    test_smtp();
    test_limits();
    test_header();
    test_flags_args();
    test_list();
    test_public();
    test_nomem();
    deliver_ctx_free(ctx);
    return check_done("address");
}

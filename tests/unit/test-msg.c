/*
 * Unit tests of lib/msg: header fields, folding, RFC 2047, canonical form, MIME.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "check.h"

#include "msg/msg.h"

#include <stdlib.h>
#include <string.h>

static void test_headers(deliver_ctx *ctx)
{
    dlv_arena a;
    dlv_arena_init(&a, ctx);
    const char m[] = "From mbox line\r\nSubject: =?UTF-8?Q?caf=C3=A9?= =?ISO-8859-1?Q?_na=EFve?=\r\n"
                     "X-Long: one\r\n\ttwo  three \r\nTO : a@example.com\r\n\r\nbody\r\n";
    dlv_header h;
    CHECK_INT(dlv_header_parse(&a, m, sizeof(m) - 1, &h), DELIVER_OK);
    CHECK_INT(h.count, 3);
    CHECK_STR(m + h.end, "body\r\n");
    const dlv_field *f = dlv_header_find(&h, "x-long", 0);
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(dlv_field_unfold(&a, f, NULL), "one\ttwo  three");
        dlv_buf c;
        dlv_buf_init(&c, ctx);
        dlv_field_canon_relaxed(&c, f);
        CHECK_STR(c.data, "x-long:one two three");
        dlv_buf_free(&c);
    }
    f = dlv_header_find(&h, "subject", 0);
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(dlv_field_decode(&a, f), "caf\xc3\xa9 na\xc3\xafve");
    }
    CHECK_STR(dlv_header_value(&a, &h, "to"), "a@example.com");
    CHECK(dlv_header_find(&h, "to", 1) == NULL);
    /* CR-only line ends and a body that starts without an empty line */
    const char cr[] = "A: 1\r B\rnot a field\rrest";
    CHECK_INT(dlv_header_parse(&a, cr, sizeof(cr) - 1, &h), DELIVER_OK);
    CHECK_INT(h.count, 1);
    CHECK_STR(dlv_header_value(&a, &h, "a"), "1 B");
    CHECK(strncmp(cr + h.end, "not a field", 11) == 0);
    dlv_arena_clear(&a);
}

static void test_params(void)
{
    char t[80], b[64];
    const char v[] = " Multipart/Report; report-type=delivery-status;\r\n\tboundary=\"a;b \\\"c\"";
    dlv_mime_type(v, sizeof(v) - 1, t, sizeof(t));
    CHECK_STR(t, "multipart/report");
    CHECK(dlv_mime_param(v, sizeof(v) - 1, "BOUNDARY", b, sizeof(b)));
    CHECK_STR(b, "a;b \"c");
    CHECK(dlv_mime_param(v, sizeof(v) - 1, "report-type", b, sizeof(b)));
    CHECK_STR(b, "delivery-status");
    CHECK(!dlv_mime_param(v, sizeof(v) - 1, "charset", b, sizeof(b)));
    dlv_mime_type("text", 4, t, sizeof(t));
    CHECK_STR(t, "");
}

static void test_mime(deliver_ctx *ctx)
{
    dlv_arena a;
    dlv_arena_init(&a, ctx);
    dlv_mime m;
    dlv_mime_init(&m, ctx);
    const char msg[] = "Content-Type: multipart/report; boundary=XX\n\npreamble\n--XX\n"
                       "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n"
                       "--XX\nContent-Type: message/rfc822\n\nTo: x@example.org\n\nhi\n"
                       "--XX\nContent-Transfer-Encoding: quoted-printable\n\nsoft=\nbreak=3D\n--XX--\n";
    CHECK_INT(dlv_mime_parse(&m, &a, msg, sizeof(msg) - 1), DELIVER_OK);
    CHECK_INT(m.count, 5);
    if (m.count == 5) {
        CHECK_STR(m.parts[1].type, "text/plain");
        CHECK_INT(m.parts[1].data_len, 5);
        CHECK(memcmp(m.parts[1].data, "hello", 5) == 0);
        CHECK_STR(m.parts[2].type, "message/rfc822");
        CHECK_INT(m.parts[3].in_message, 1);
        CHECK_STR(dlv_header_value(&a, &m.parts[3].hdr, "to"), "x@example.org");
        CHECK_STR(m.parts[4].data, "softbreak=");
        CHECK_INT(m.parts[4].depth, 1);
    }
    /* depth limit: no recursion, no failure */
    dlv_buf deep;
    dlv_buf_init(&deep, ctx);
    dlv_buf_puts(&deep, "Content-Type: multipart/mixed; boundary=b0\n\n");
    for (int i = 1; i < 100; i++) {
        dlv_buf_printf(&deep, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i - 1, i);
    }
    CHECK_INT(dlv_mime_parse(&m, &a, deep.data, deep.len), DELIVER_OK);
    CHECK(m.truncated);
    CHECK(m.count <= DLV_MSG_MAX_DEPTH + 1);
    dlv_buf_free(&deep);
    dlv_mime_free(&m);
    dlv_arena_clear(&a);
}

/* The opt-in behaviours: lenient multipart recovery and skipped decoding; off by default. */
static void test_mime_options(deliver_ctx *ctx)
{
    dlv_arena a;
    dlv_arena_init(&a, ctx);
    dlv_mime m;
    dlv_mime_init(&m, ctx);
    CHECK_INT(m.lenient, 0);
    CHECK_INT(m.skip_decode, 0);
    /* a boundary parameter on an unindented line, and a declared boundary that never occurs */
    const char unindented[] = "Content-Type: multipart/mixed;\nboundary=\"=_B\"\n\n--=_B\n"
                              "Content-Type: text/plain\n\nhello\n--=_B--\n";
    const char renamed[] = "Content-Type: multipart/report; boundary=\"AAA.1/x\"\n\n"
                           "--BBBB.22222/x\nContent-Type: text/plain\n\nhi\n--BBBB.22222/x\n"
                           "Content-Type: message/delivery-status\n\nAction: failed\n--BBBB.22222/x--\n";
    CHECK_INT(dlv_mime_parse(&m, &a, unindented, sizeof(unindented) - 1), DELIVER_OK);
    CHECK_INT(m.count, 1); /* the default: not split */
    CHECK_INT(dlv_mime_parse(&m, &a, renamed, sizeof(renamed) - 1), DELIVER_OK);
    CHECK_INT(m.count, 1);
    m.lenient = 1;
    CHECK_INT(dlv_mime_parse(&m, &a, unindented, sizeof(unindented) - 1), DELIVER_OK);
    CHECK_INT(m.count, 2);
    if (m.count == 2) {
        CHECK_STR(m.parts[1].type, "text/plain");
        CHECK(m.parts[1].data_len >= 5 && memcmp(m.parts[1].data, "hello", 5) == 0);
    }
    CHECK_INT(dlv_mime_parse(&m, &a, renamed, sizeof(renamed) - 1), DELIVER_OK);
    CHECK_INT(m.count, 3);
    if (m.count == 3) {
        CHECK_STR(m.parts[2].type, "message/delivery-status");
    }
    /* skip_decode: the attached message's base64 stays as written, the report's is decoded */
    const char enc[] = "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                       "Content-Transfer-Encoding: base64\n\naGVsbG8=\n--b\n"
                       "Content-Type: message/rfc822\n\nContent-Transfer-Encoding: base64\n\n"
                       "aGVsbG8=\n--b--\n";
    m.skip_decode = 1;
    CHECK_INT(dlv_mime_parse(&m, &a, enc, sizeof(enc) - 1), DELIVER_OK);
    CHECK_INT(m.count, 4);
    if (m.count == 4) {
        CHECK(m.parts[1].data_len == 5 && memcmp(m.parts[1].data, "hello", 5) == 0);
        CHECK_INT(m.parts[3].in_message, 1);
        CHECK(m.parts[3].data == m.parts[3].body);
    }
    dlv_mime_free(&m);
    dlv_arena_clear(&a);
}

/* lf_only splits the same, through the delimiter index and, past its size, by searching:
 * a multipart whose first part holds 70,000 lines that start with "--" */
static void test_mime_dash_index(deliver_ctx *ctx)
{
    static const char head[] = "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
                               "Content-Type: text/plain\n\n";
    static const char tail[] = "--b\nContent-Type: text/html\n\n<p>x</p>\n--b--\n";
    for (size_t lines = 10; lines <= 70000; lines *= 7000) {
        size_t n = sizeof(head) - 1 + lines * 4 + sizeof(tail) - 1;
        char *buf = malloc(n + 1);
        CHECK(buf != NULL);
        if (!buf) {
            return;
        }
        memcpy(buf, head, sizeof(head) - 1);
        size_t k = sizeof(head) - 1;
        for (size_t i = 0; i < lines; i++) {
            memcpy(buf + k, "--x\n", 4);
            k += 4;
        }
        memcpy(buf + k, tail, sizeof(tail) - 1);
        dlv_arena a;
        dlv_arena_init(&a, ctx);
        dlv_mime m1, m2;
        dlv_mime_init(&m1, ctx);
        dlv_mime_init(&m2, ctx);
        m2.lf_only = 1;
        CHECK_INT(dlv_mime_parse(&m1, &a, buf, n), DELIVER_OK);
        CHECK_INT(dlv_mime_parse(&m2, &a, buf, n), DELIVER_OK);
        CHECK_INT(m2.dash_built, lines > 65536 ? 2 : 1);
        CHECK_INT(m1.count, 3);
        CHECK_INT(m2.count, 3);
        for (size_t i = 0; i < 3 && m1.count == 3 && m2.count == 3; i++) {
            CHECK(m1.parts[i].body == m2.parts[i].body);
            CHECK(m1.parts[i].body_len == m2.parts[i].body_len);
        }
        CHECK(m2.count == 3 && m2.parts[1].body_len == lines * 4 - 1); /* its LF goes with the delimiter */
        dlv_mime_free(&m1);
        dlv_mime_free(&m2);
        dlv_arena_clear(&a);
        free(buf);
    }
}

int main(void)
{
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    test_headers(ctx);
    test_params();
    test_mime(ctx);
    test_mime_options(ctx);
    test_mime_dash_index(ctx);
    deliver_ctx_free(ctx);
    return check_done("msg");
}

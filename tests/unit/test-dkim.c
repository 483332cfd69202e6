/*
 * DKIM unit tests: tag lists, base64, canonicalization (and its independence from chunk
 * boundaries), key records, and sign-then-verify round trips for RSA and Ed25519 with keys
 * made here and served by the zone-file resolver.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkim/dkim_int.h"
#include "failalloc.h"

typedef struct sinkbuf {
    char b[8192];
    size_t n;
} sinkbuf;

static void sink(void *ud, const uint8_t *p, size_t n)
{
    sinkbuf *s = ud;
    if (s->n + n < sizeof(s->b)) {
        memcpy(s->b + s->n, p, n);
        s->n += n;
    }
    s->b[s->n] = '\0';
}

static const char *canon(int relaxed, const char *in, size_t chunk, int64_t limit, sinkbuf *out)
{
    dlv_dkim_body b;
    out->n = 0;
    out->b[0] = '\0';
    dlv_dkim_body_init(&b, relaxed, limit, sink, out);
    size_t n = strlen(in);
    for (size_t i = 0; i < n; i += chunk) {
        dlv_dkim_body_feed(&b, (const uint8_t *)in + i, n - i < chunk ? n - i : chunk);
    }
    dlv_dkim_body_end(&b);
    return out->b;
}

static void test_canon(void)
{
    sinkbuf o;
    CHECK_STR(canon(0, "", 1000, -1, &o), "\r\n");
    CHECK_STR(canon(1, "", 1000, -1, &o), "");
    CHECK_STR(canon(0, "a\r\n\r\n\r\n", 1000, -1, &o), "a\r\n");
    CHECK_STR(canon(0, "a", 1000, -1, &o), "a\r\n");
    CHECK_STR(canon(1, " a  b \t\r\n\r\n", 1000, -1, &o), " a b\r\n");
    CHECK_STR(canon(1, "a\r\n \r\n\t\r\nb\r\n\r\n", 1000, -1, &o), "a\r\n\r\n\r\nb\r\n");
    CHECK_STR(canon(0, "a \r\n\r\nb\r\n", 1000, -1, &o), "a \r\n\r\nb\r\n");
    CHECK_STR(canon(0, "a\nb\n", 1000, -1, &o), "a\r\nb\r\n"); /* lone LF counts as CRLF */
    CHECK_STR(canon(0, "a\rb\r\n", 1000, -1, &o), "a\rb\r\n"); /* lone CR is content */
    CHECK_STR(canon(1, "abc def\r\n", 1000, 5, &o), "abc d");
    /* RFC 6376 3.4.5 example body */
    CHECK_STR(canon(1, " C \r\nD \t E\r\n\r\n\r\n", 1000, -1, &o), " C\r\nD E\r\n");
    CHECK_STR(canon(0, " C \r\nD \t E\r\n\r\n\r\n", 1000, -1, &o), " C \r\nD \t E\r\n");
    /* any chunking gives the same output */
    const char *msg = "  Hello \t world  \r\n\r\nline\r\r\n\n \r\n\t\r\nend  \r\n\r\n \r\n";
    for (int rel = 0; rel <= 1; rel++) {
        sinkbuf whole;
        canon(rel, msg, 10000, -1, &whole);
        for (size_t c = 1; c < 8; c++) {
            canon(rel, msg, c, -1, &o);
            if (strcmp(o.b, whole.b) != 0) {
                fprintf(stderr, "chunk %zu rel %d\n", c, rel);
            }
            CHECK_STR(o.b, whole.b);
        }
    }
}

static void test_tags_b64(void)
{
    dlv_dkim_tag t[DLV_DKIM_MAX_TAGS];
    size_t n = 0, off = 0;
    int fws = 0;
    const char *s = "v=1; a = rsa-sha256 ;b=ab\r\n cd";
    CHECK_INT(dlv_dkim_tags(s, strlen(s), t, &n, &off, &fws), DLV_TAGS_OK);
    CHECK_INT(n, 3);
    CHECK(fws);
    CHECK(dlv_dkim_tag_is(dlv_dkim_tag_find(t, n, "a"), "rsa-sha256"));
    s = "a=1; a=2";
    CHECK_INT(dlv_dkim_tags(s, strlen(s), t, &n, &off, &fws), DLV_TAGS_DUPLICATE);
    CHECK_INT(off, 5);
    s = "a=1; b";
    CHECK_INT(dlv_dkim_tags(s, strlen(s), t, &n, &off, &fws), DLV_TAGS_SYNTAX);
    uint8_t out[16];
    CHECK_INT(dlv_dkim_b64_decode("aGVs bG8=", 9, out), 5);
    CHECK(memcmp(out, "hello", 5) == 0);
    CHECK_INT(dlv_dkim_b64_decode("aGVsbG8!", 8, out), -1);
    CHECK_INT(dlv_dkim_b64_decode("aG=Vs", 5, out), -1);
    /* values longer than 16 octets: what stops the 16-at-a-time scan is looked at */
    s = "b=0123456789abcdefghij\r\n klmnopqrstuvwxyz0123456789;c=0123456789abcdefghij";
    CHECK_INT(dlv_dkim_tags(s, strlen(s), t, &n, &off, &fws), DLV_TAGS_OK);
    CHECK_INT(n, 2);
    CHECK(fws);
    CHECK(dlv_dkim_tag_is(dlv_dkim_tag_find(t, n, "b"),
                          "0123456789abcdefghij\r\n klmnopqrstuvwxyz0123456789"));
    CHECK(dlv_dkim_tag_is(dlv_dkim_tag_find(t, n, "c"), "0123456789abcdefghij"));
    s = "b=0123456789abcdefghij\x7f";
    CHECK_INT(dlv_dkim_tags(s, strlen(s), t, &n, &off, &fws), DLV_TAGS_SYNTAX);
    CHECK_INT(off, 22);
    s = "b=0123456789abcdefghijklmnopqrstuvwxyz\x01xyz";
    CHECK_INT(dlv_dkim_tags(s, strlen(s), t, &n, &off, &fws), DLV_TAGS_SYNTAX);
    CHECK_INT(off, 38);
    /* groups of four at once, broken by FWS and padding */
    uint8_t big[64];
    s = "aGVsbG8gd29y\r\n\tbGQgaGVs bG8=";
    CHECK_INT(dlv_dkim_b64_decode(s, strlen(s), big), 17);
    CHECK(memcmp(big, "hello world hello", 17) == 0);
    CHECK_INT(dlv_dkim_b64_decode("aGVsbG8gd29ybGQ=aGVs", 20, big), -1);
    CHECK_INT(dlv_dkim_b64_decode("aGVsbG8gd29ybGQ===", 18, big), -1);
    CHECK_INT(dlv_dkim_b64_decode("aGVsbG8gd29ybGQgaA", 18, big), 13);
    CHECK_INT(dlv_dkim_b64_decode("aGVsbG8gd29ybGQga", 17, big), -1);
}

/* a fresh key: private PEM into pem, the public p= value (base64) into pub */
static EVP_PKEY *make_key(int ed, char *pem, size_t pemsz, char *pub, size_t pubsz)
{
    EVP_PKEY *k = ed ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
                     : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!k) {
        return NULL;
    }
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    int n = BIO_read(b, pem, (int)pemsz - 1);
    pem[n > 0 ? n : 0] = '\0';
    BIO_free(b);
    uint8_t der[600];
    size_t dl = sizeof(der);
    if (ed) {
        EVP_PKEY_get_raw_public_key(k, der, &dl);
    } else {
        unsigned char *p = der;
        dl = (size_t)i2d_PUBKEY(k, &p);
    }
    EVP_EncodeBlock((unsigned char *)pub, der, (int)dl);
    (void)pubsz;
    return k;
}

static const char message[] =
    "Received: from a by b; Thu, 26 Nov 2026 10:00:00 +0000\r\n"
    "From: Alice <alice@example.test>\r\n"
    "To: bob@example.org\r\n"
    "Subject: round\r\n  trip\r\n"
    "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <1@example.test>\r\n"
    "\r\n"
    "Hello  there,\r\n\r\n  this is the body.  \r\n\r\n\r\n";

static deliver_dkim_result verify_chunked(deliver_ctx *ctx, const char *m, size_t chunk)
{
    deliver_dkim_verify *v = NULL;
    CHECK_INT(deliver_dkim_verify_new(&v, ctx), DELIVER_OK);
    /* headers one field at a time, the body in chunks */
    const char *body = strstr(m, "\r\n\r\n") + 4;
    const char *p = m;
    while (p < body - 2) {
        const char *e = p;
        for (;;) {
            e = strstr(e, "\r\n") + 2;
            if (*e != ' ' && *e != '\t') {
                break;
            }
        }
        CHECK_INT(deliver_dkim_verify_header(v, p, (size_t)(e - p)), DELIVER_OK);
        p = e;
    }
    CHECK_INT(deliver_dkim_verify_end_headers(v), DELIVER_OK);
    size_t n = strlen(body);
    for (size_t i = 0; i < n; i += chunk) {
        deliver_dkim_verify_body(v, (const uint8_t *)body + i, n - i < chunk ? n - i : chunk);
    }
    CHECK_INT(deliver_dkim_verify_end_body(v), DELIVER_OK);
    CHECK_INT(deliver_dkim_verify_finish(v), DELIVER_OK);
    deliver_dkim_result r = deliver_dkim_verify_get_result(v);
    deliver_dkim_verify_free(v);
    return r;
}

static void test_roundtrip(int ed, const char *c)
{
    char pem[4096], pub[1024], zone[2048];
    EVP_PKEY *k = make_key(ed, pem, sizeof(pem), pub, sizeof(pub));
    CHECK(k != NULL);
    if (!k) {
        return;
    }
    EVP_PKEY_free(k);
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    /* one string per 250 octets of record */
    char rec[1200];
    snprintf(rec, sizeof(rec), "v=DKIM1; k=%s; p=%s", ed ? "ed25519" : "rsa", pub);
    size_t o = (size_t)snprintf(zone, sizeof(zone),
                                "$TTL 300\nexample.test. IN SOA ns.invalid. h.invalid. 1 3600 600 86400 300\n"
                                "sel._domainkey.example.test. IN TXT");
    for (size_t i = 0; i < strlen(rec); i += 250) {
        o += (size_t)snprintf(zone + o, sizeof(zone) - o, " \"%.250s\"", rec + i);
    }
    snprintf(zone + o, sizeof(zone) - o, "\n");
    CHECK_INT(deliver_ctx_add_zone_text(ctx, zone, strlen(zone), NULL), DELIVER_OK);
    if (*deliver_ctx_errmsg(ctx)) {
        fprintf(stderr, "zone: %s\n%s", deliver_ctx_errmsg(ctx), zone);
    }

    deliver_dkim_sign *s = NULL;
    CHECK_INT(deliver_dkim_sign_new(&s, ctx), DELIVER_OK);
    CHECK_INT(deliver_dkim_sign_set_key(s, (const uint8_t *)pem, strlen(pem)), DELIVER_OK);
    CHECK_INT(deliver_dkim_sign_set_domain(s, "example.test", "sel"), DELIVER_OK);
    CHECK_INT(deliver_dkim_sign_set_canonicalization(s, c), DELIVER_OK);
    CHECK_INT(deliver_dkim_sign_set_expiry(s, 3600), DELIVER_OK);
    CHECK_INT(deliver_dkim_sign_message(s, (const uint8_t *)message, strlen(message)),
              DELIVER_OK);
    const char *sig = deliver_dkim_sign_get_signature(s);
    CHECK(strncmp(sig, "DKIM-Signature: v=1;", 20) == 0);
    CHECK(strstr(sig, "from:from") != NULL);   /* over-signed */
    CHECK(strstr(sig, " x=") != NULL);
    CHECK(strstr(sig, "received") == NULL);
    char signed_msg[8192];
    snprintf(signed_msg, sizeof(signed_msg), "%s\r\n%s", sig, message);

    deliver_dkim_verify *v = NULL;
    CHECK_INT(deliver_dkim_verify_new(&v, ctx), DELIVER_OK);
    CHECK_INT(deliver_dkim_verify_message(v, (const uint8_t *)signed_msg, strlen(signed_msg)),
              DELIVER_OK);
    CHECK_INT(deliver_dkim_verify_get_result(v), DELIVER_DKIM_PASS);
    CHECK_STR(deliver_dkim_verify_sig_get_domain(v, 0), "example.test");
    CHECK(strncmp(deliver_dkim_verify_get_auth_results(v), "dkim=pass header.d=example.test "
                                                          "header.s=sel header.b=", 52) == 0);
    /* a later clock: expired */
    deliver_dkim_verify_set_time(v, 4000000000LL);
    CHECK_INT(deliver_dkim_verify_message(v, (const uint8_t *)signed_msg, strlen(signed_msg)),
              DELIVER_OK);
    CHECK_INT(deliver_dkim_verify_get_result(v), DELIVER_DKIM_PERMERROR);
    CHECK_STR(deliver_dkim_verify_sig_get_reason(v, 0), "signature-expired");
    deliver_dkim_verify_free(v);

    /* streaming in chunks of any size gives the same verdict */
    for (size_t chunk = 1; chunk < 9; chunk += 3) {
        CHECK_INT(verify_chunked(ctx, signed_msg, chunk), DELIVER_DKIM_PASS);
    }
    /* a changed body fails; an extra From is caught by over-signing */
    char bad[8192];
    snprintf(bad, sizeof(bad), "%s", signed_msg);
    char *w = strstr(bad, "body.");
    w[0] = 'B';
    CHECK_INT(verify_chunked(ctx, bad, 7), DELIVER_DKIM_FAIL);
    snprintf(bad, sizeof(bad), "From: mallory@evil.test\r\n%s", signed_msg);
    CHECK_INT(verify_chunked(ctx, bad, 64), DELIVER_DKIM_FAIL);

    deliver_dkim_sign_free(s);
    deliver_ctx_free(ctx);
}

static void test_key_records(void)
{
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    deliver_dkim_key *k = NULL;
    CHECK_INT(deliver_dkim_key_new(&k, ctx), DELIVER_OK);
    const char *r = "v=DKIM1; k=rsa; p=";
    CHECK_INT(deliver_dkim_key_check_record(k, r, strlen(r)), DELIVER_OK);
    CHECK_INT(deliver_dkim_key_get_grade(k), DELIVER_DKIM_GRADE_REVOKED);
    CHECK_STR(deliver_finding_id(deliver_dkim_key_get_finding(k, 0)), "dkim.key_revoked");
    r = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    CHECK_INT(deliver_dkim_key_check_record(k, r, strlen(r)), DELIVER_OK);
    CHECK_INT(deliver_dkim_key_get_type(k), DELIVER_DKIM_KEY_ED25519);
    CHECK_INT(deliver_dkim_key_get_grade(k), DELIVER_DKIM_GRADE_FAIL); /* published test key */
    r = "k=rsa; v=DKIM1; p=x";
    CHECK_INT(deliver_dkim_key_check_record(k, r, strlen(r)), DELIVER_OK);
    CHECK_STR(deliver_finding_id(deliver_dkim_key_get_finding(k, 0)), "dkim.key_version_not_first");
    CHECK_STR(deliver_finding_location(deliver_dkim_key_get_finding(k, 0)), "offset 7");
    CHECK_INT(deliver_dkim_key_check_record(k, NULL, 0), DELIVER_OK);
    CHECK_INT(deliver_dkim_key_get_grade(k), DELIVER_DKIM_GRADE_FAIL);
    CHECK_INT(deliver_dkim_key_check_record(k, NULL, 3), DELIVER_E_INVALID);
    deliver_dkim_key_free(k);
    deliver_ctx_free(ctx);
}

/* every allocation failing in turn: calls return DELIVER_E_NOMEM (or succeed), nothing leaks */
static void test_failalloc(void)
{
    char pem[4096], pub[1024], zone[2048];
    EVP_PKEY *k = make_key(1, pem, sizeof(pem), pub, sizeof(pub));
    EVP_PKEY_free(k);
    snprintf(zone, sizeof(zone),
             "$TTL 300\nexample.test. IN SOA ns.invalid. h.invalid. 1 3600 600 86400 300\n"
             "sel._domainkey.example.test. IN TXT \"v=DKIM1; k=ed25519; p=%s\"\n", pub);
    int completed = 0;
    for (long at = 1; at < 2000 && !completed; at++) {
        failing f = {0, at, 0};
        deliver_ctx *ctx = NULL;
        if (deliver_ctx_new_with_allocator(&ctx, f_alloc, f_realloc, f_free, &f) != DELIVER_OK) {
            CHECK_INT(f.live, 0);
            continue;
        }
        deliver_dkim_sign *s = NULL;
        deliver_dkim_verify *v = NULL;
        deliver_dkim_key *kk = NULL;
        deliver_status st = deliver_ctx_add_zone_text(ctx, zone, strlen(zone), NULL);
        if (st == DELIVER_OK) {
            st = deliver_dkim_sign_new(&s, ctx);
        }
        if (st == DELIVER_OK) {
            st = deliver_dkim_sign_set_key(s, (const uint8_t *)pem, strlen(pem));
        }
        if (st == DELIVER_OK) {
            st = deliver_dkim_sign_set_domain(s, "example.test", "sel");
        }
        if (st == DELIVER_OK) {
            st = deliver_dkim_sign_message(s, (const uint8_t *)message, strlen(message));
        }
        char signed_msg[8192] = "";
        if (st == DELIVER_OK) {
            snprintf(signed_msg, sizeof(signed_msg), "%s\r\n%s",
                     deliver_dkim_sign_get_signature(s), message);
            st = deliver_dkim_verify_new(&v, ctx);
        }
        if (st == DELIVER_OK) {
            st = deliver_dkim_verify_message(v, (const uint8_t *)signed_msg, strlen(signed_msg));
        }
        if (st == DELIVER_OK) {
            st = deliver_dkim_key_new(&kk, ctx);
        }
        if (st == DELIVER_OK) {
            st = deliver_dkim_key_check(kk, "sel", "example.test");
        }
        if (st == DELIVER_OK) {
            completed = 1;
            CHECK_INT(deliver_dkim_verify_get_result(v), DELIVER_DKIM_PASS);
            CHECK_INT(deliver_dkim_key_get_grade(kk), DELIVER_DKIM_GRADE_PASS);
        } else if (st != DELIVER_E_NOMEM) {
            fprintf(stderr, "failalloc at %ld: %s\n", at, deliver_strerror(st));
            CHECK_INT(st, DELIVER_E_NOMEM);
        }
        deliver_dkim_key_free(kk);
        deliver_dkim_verify_free(v);
        deliver_dkim_sign_free(s);
        deliver_ctx_free(ctx);
        if (f.live != 0) {
            fprintf(stderr, "failalloc at %ld: %ld blocks leaked\n", at, f.live);
        }
        CHECK_INT(f.live, 0);
    }
    CHECK(completed);
}

int main(void)
{
    test_failalloc();
    test_canon();
    test_tags_b64();
    test_key_records();
    test_roundtrip(0, "relaxed/relaxed");
    test_roundtrip(0, "simple/simple");
    test_roundtrip(1, "relaxed/simple");
    test_roundtrip(1, "simple/relaxed");
    return check_done("test-dkim");
}

/*
 * DKIM signing (RFC 6376 5, RFC 8463): RSA and Ed25519 keys, chosen canonicalization,
 * over-signing of From, Subject, To and Date, optional x=.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dkim/dkim_int.h"

#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

enum { S_IDLE, S_HEADERS, S_BODY, S_DONE };

static const char default_headers[] =
    "from:to:cc:subject:date:message-id:reply-to:in-reply-to:references:mime-version:"
    "content-type:content-transfer-encoding:content-disposition:list-id:list-unsubscribe:"
    "list-unsubscribe-post:sender";
static const char *const oversign[] = {"from", "subject", "to", "date"};

struct deliver_dkim_sign {
    deliver_ctx *ctx;
    dlv_errmsg err;
    EVP_PKEY *key;
    int ed25519;
    char *d, *s;
    int hrel, brel;
    char *hlist; /* NULL: the default */
    int64_t fixed_time, expiry;
    dlv_dkim_hdrs hdrs;
    int state;
    EVP_MD_CTX *md;
    dlv_dkim_body canon;
    dlv_buf sig;
};

deliver_status deliver_dkim_sign_new(deliver_dkim_sign **out, deliver_ctx *ctx)
{
    if (!out) {
        return DELIVER_E_INVALID;
    }
    *out = NULL;
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    deliver_dkim_sign *s = dlv_calloc(ctx, 1, sizeof(*s));
    if (!s) {
        return DELIVER_E_NOMEM;
    }
    s->ctx = dlv_ctx_ref(ctx);
    s->hrel = s->brel = 1;
    s->fixed_time = -1;
    dlv_dkim_hdrs_init(&s->hdrs, ctx);
    dlv_buf_init(&s->sig, ctx);
    *out = s;
    return DELIVER_OK;
}

static void msg_reset(deliver_dkim_sign *s)
{
    dlv_dkim_hdrs_clear(&s->hdrs);
    EVP_MD_CTX_free(s->md);
    s->md = NULL;
    dlv_buf_reset(&s->sig);
    s->state = S_IDLE;
}

void deliver_dkim_sign_free(deliver_dkim_sign *s)
{
    if (!s) {
        return;
    }
    deliver_ctx *ctx = s->ctx;
    msg_reset(s);
    dlv_dkim_hdrs_free(&s->hdrs);
    dlv_buf_free(&s->sig);
    EVP_PKEY_free(s->key); /* OpenSSL clears private key material when it frees it */
    dlv_free(ctx, s->d);
    dlv_free(ctx, s->s);
    dlv_free(ctx, s->hlist);
    dlv_free(ctx, s);
    dlv_ctx_unref(ctx);
}

const char *deliver_dkim_sign_errmsg(const deliver_dkim_sign *s)
{
    return s ? s->err.text : "";
}

deliver_status deliver_dkim_sign_set_key(deliver_dkim_sign *s, const uint8_t *buf, size_t len)
{
    if (!s || !buf || len == 0 || len > 65536) {
        return DELIVER_E_INVALID;
    }
    EVP_PKEY *pk = NULL;
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) {
        i++;
    }
    if (len - i >= 10 && memcmp(buf + i, "-----BEGIN", 10) == 0) {
        BIO *bio = BIO_new_mem_buf(buf, (int)len);
        if (!bio) {
            return dlv_err(&s->err, DELIVER_E_NOMEM, "out of memory");
        }
        pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
        BIO_free(bio);
        if (!pk) {
            return dlv_err(&s->err, DELIVER_E_PARSE, "cannot read the PEM private key");
        }
    } else {
        uint8_t seed[96];
        long n = len < 120 ? dlv_dkim_b64_decode((const char *)buf, len, seed) : -1;
        if (n == 32) {
            pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
        }
        OPENSSL_cleanse(seed, sizeof(seed));
        if (!pk) {
            return dlv_err(&s->err, DELIVER_E_PARSE,
                           "not a PEM key nor the base64 of a 32-octet Ed25519 seed");
        }
    }
    int id = EVP_PKEY_get_base_id(pk);
    if (id == EVP_PKEY_RSA) {
        if (EVP_PKEY_get_bits(pk) < 1024) {
            EVP_PKEY_free(pk);
            return dlv_err(&s->err, DELIVER_E_UNSUPPORTED,
                           "RSA keys under 1024 bits are refused (RFC 8301)");
        }
    } else if (id != EVP_PKEY_ED25519) {
        EVP_PKEY_free(pk);
        return dlv_err(&s->err, DELIVER_E_UNSUPPORTED, "only RSA and Ed25519 keys can sign");
    }
    EVP_PKEY_free(s->key);
    s->key = pk;
    s->ed25519 = id == EVP_PKEY_ED25519;
    return DELIVER_OK;
}

deliver_status deliver_dkim_sign_set_domain(deliver_dkim_sign *s, const char *domain,
                                            const char *selector)
{
    if (!s || !domain || !selector) {
        return DELIVER_E_INVALID;
    }
    char dom[DLV_DOMAIN_MAX + 1];
    const char *why = NULL;
    if (dlv_domain_normalize(domain, strlen(domain), dom, 0, &why) < 0) {
        return dlv_err(&s->err, DELIVER_E_INVALID, "bad domain: %s", why ? why : "invalid");
    }
    size_t sl = strlen(selector);
    if (sl == 0 || sl > 200 ||
        strspn(selector, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
            sl) {
        return dlv_err(&s->err, DELIVER_E_INVALID, "bad selector");
    }
    char *d = dlv_strdup(s->ctx, dom), *sel = dlv_strdup(s->ctx, selector);
    if (!d || !sel) {
        dlv_free(s->ctx, d);
        dlv_free(s->ctx, sel);
        return DELIVER_E_NOMEM;
    }
    dlv_free(s->ctx, s->d);
    dlv_free(s->ctx, s->s);
    s->d = d;
    s->s = sel;
    return DELIVER_OK;
}

deliver_status deliver_dkim_sign_set_canonicalization(deliver_dkim_sign *s, const char *c)
{
    if (!s || !c) {
        return DELIVER_E_INVALID;
    }
    const char *slash = strchr(c, '/');
    size_t hl = slash ? (size_t)(slash - c) : strlen(c);
    int h, b = 0;
    if (hl == 7 && strncmp(c, "relaxed", 7) == 0) {
        h = 1;
    } else if (hl == 6 && strncmp(c, "simple", 6) == 0) {
        h = 0;
    } else {
        return DELIVER_E_INVALID;
    }
    if (slash) {
        if (strcmp(slash + 1, "relaxed") == 0) {
            b = 1;
        } else if (strcmp(slash + 1, "simple") != 0) {
            return DELIVER_E_INVALID;
        }
    }
    s->hrel = h;
    s->brel = b;
    return DELIVER_OK;
}

deliver_status deliver_dkim_sign_set_headers(deliver_dkim_sign *s, const char *list)
{
    if (!s) {
        return DELIVER_E_INVALID;
    }
    char *copy = NULL;
    if (list) {
        size_t n = strlen(list);
        if (n == 0 || n > 4096) {
            return DELIVER_E_INVALID;
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)list[i];
            if (c <= 0x20 || c >= 0x7f) {
                return DELIVER_E_INVALID;
            }
        }
        copy = dlv_strdup(s->ctx, list);
        if (!copy) {
            return DELIVER_E_NOMEM;
        }
    }
    dlv_free(s->ctx, s->hlist);
    s->hlist = copy;
    return DELIVER_OK;
}

deliver_status deliver_dkim_sign_set_time(deliver_dkim_sign *s, int64_t unix_seconds)
{
    if (!s) {
        return DELIVER_E_INVALID;
    }
    s->fixed_time = unix_seconds < 0 ? -1 : unix_seconds;
    return DELIVER_OK;
}

deliver_status deliver_dkim_sign_set_expiry(deliver_dkim_sign *s, int64_t seconds)
{
    if (!s || seconds < 0) {
        return DELIVER_E_INVALID;
    }
    s->expiry = seconds;
    return DELIVER_OK;
}

deliver_status deliver_dkim_sign_header(deliver_dkim_sign *s, const char *field, size_t len)
{
    if (!s || (!field && len > 0)) {
        return DELIVER_E_INVALID;
    }
    if (s->state == S_DONE) {
        msg_reset(s);
    }
    if (s->state != S_IDLE && s->state != S_HEADERS) {
        return dlv_err(&s->err, DELIVER_E_STATE, "the header has ended");
    }
    s->state = S_HEADERS;
    deliver_status st = dlv_dkim_hdrs_add(&s->hdrs, field ? field : "", len);
    if (st == DELIVER_E_INVALID) {
        return DELIVER_OK;
    }
    return st < 0 ? dlv_err(&s->err, st, "cannot keep the field: %s", deliver_strerror(st))
                  : DELIVER_OK;
}

static void sink(void *ud, const uint8_t *p, size_t n)
{
    EVP_DigestUpdate((EVP_MD_CTX *)ud, p, n);
}

deliver_status deliver_dkim_sign_end_headers(deliver_dkim_sign *s)
{
    if (!s) {
        return DELIVER_E_INVALID;
    }
    if (s->state == S_DONE) {
        msg_reset(s);
    }
    if (s->state != S_IDLE && s->state != S_HEADERS) {
        return dlv_err(&s->err, DELIVER_E_STATE, "the header has already ended");
    }
    s->md = EVP_MD_CTX_new();
    if (!s->md || !EVP_DigestInit_ex(s->md, EVP_sha256(), NULL)) {
        return dlv_err(&s->err, DELIVER_E_NOMEM, "out of memory");
    }
    dlv_dkim_body_init(&s->canon, s->brel, -1, sink, s->md);
    s->state = S_BODY;
    return DELIVER_OK;
}

deliver_status deliver_dkim_sign_body(deliver_dkim_sign *s, const uint8_t *buf, size_t len)
{
    if (!s || (!buf && len > 0)) {
        return DELIVER_E_INVALID;
    }
    if (s->state != S_BODY) {
        return dlv_err(&s->err, DELIVER_E_STATE, "not in the body");
    }
    dlv_dkim_body_feed(&s->canon, buf, len);
    return DELIVER_OK;
}

static int is_oversigned(const char *name, size_t n)
{
    for (size_t i = 0; i < DLV_ARRAY_LEN(oversign); i++) {
        if (strlen(oversign[i]) == n && strncasecmp(oversign[i], name, n) == 0) {
            return 1;
        }
    }
    return 0;
}

deliver_status deliver_dkim_sign_end_body(deliver_dkim_sign *s)
{
    if (!s) {
        return DELIVER_E_INVALID;
    }
    if (s->state != S_BODY) {
        return dlv_err(&s->err, DELIVER_E_STATE, "not in the body");
    }
    if (!s->key || !s->d) {
        return dlv_err(&s->err, DELIVER_E_STATE, "no key or no domain set");
    }
    dlv_dkim_body_end(&s->canon);
    uint8_t bh[EVP_MAX_MD_SIZE];
    unsigned bhl = 0;
    EVP_DigestFinal_ex(s->md, bh, &bhl);

    /* the h= list: each listed name as often as present, the over-signed ones once more */
    const char *names[DLV_DKIM_MAX_H];
    size_t lens[DLV_DKIM_MAX_H];
    size_t nn = 0;
    const char *list = s->hlist ? s->hlist : default_headers;
    int from_present = 0;
    for (size_t j = 0, L = strlen(list); j <= L && nn < DLV_DKIM_MAX_H;) {
        size_t e = j;
        while (e < L && list[e] != ':') {
            e++;
        }
        if (e > j) {
            size_t present = 0;
            for (size_t q = 0; q < s->hdrs.n; q++) {
                if (dlv_dkim_field_is(&s->hdrs.f[q], list + j, e - j)) {
                    present++;
                }
            }
            if (e - j == 4 && strncasecmp(list + j, "from", 4) == 0) {
                from_present = present > 0;
            }
            size_t times = present + (is_oversigned(list + j, e - j) ? 1 : 0);
            for (size_t t = 0; t < times && nn < DLV_DKIM_MAX_H; t++) {
                names[nn] = list + j;
                lens[nn] = e - j;
                nn++;
            }
        }
        j = e + 1;
    }
    if (!from_present) {
        return dlv_err(&s->err, DELIVER_E_STATE, "the message has no From field to sign");
    }
    int64_t now = s->fixed_time >= 0 ? s->fixed_time : (int64_t)time(NULL);
    dlv_buf *f = &s->sig;
    dlv_buf_reset(f);
    dlv_buf_printf(f, "DKIM-Signature: v=1; a=%s; c=%s/%s; d=%s; s=%s;\r\n\tt=%lld;",
                   s->ed25519 ? "ed25519-sha256" : "rsa-sha256", s->hrel ? "relaxed" : "simple",
                   s->brel ? "relaxed" : "simple", s->d, s->s, (long long)now);
    if (s->expiry > 0) {
        dlv_buf_printf(f, " x=%lld;", (long long)(now + s->expiry));
    }
    dlv_buf_puts(f, "\r\n\th=");
    size_t col = 3;
    for (size_t k = 0; k < nn; k++) {
        if (k) {
            if (col + lens[k] > 70) {
                dlv_buf_puts(f, "\r\n\t");
                col = 1;
            }
            dlv_buf_putc(f, ':');
            col++;
        }
        for (size_t q = 0; q < lens[k]; q++) {
            char c = names[k][q];
            dlv_buf_putc(f, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
        }
        col += lens[k];
    }
    dlv_buf_puts(f, ";\r\n\tbh=");
    dlv_dkim_b64_encode(f, bh, bhl);
    dlv_buf_puts(f, ";\r\n\tb=");
    if (f->failed) {
        return dlv_err(&s->err, DELIVER_E_NOMEM, "out of memory");
    }
    /* header hash: selected fields bottom-up, then this field with an empty b= */
    dlv_buf hb;
    dlv_buf_init(&hb, s->ctx);
    deliver_status st = DELIVER_OK;
    if (dlv_dkim_canon_headers(&s->hdrs, names, lens, nn, s->hrel, &hb) < 0 ||
        dlv_dkim_canon_field(&hb, f->data, f->len, 14, 14, s->hrel, 0) < 0) {
        dlv_buf_free(&hb);
        return dlv_err(&s->err, DELIVER_E_NOMEM, "out of memory");
    }
    uint8_t hd[EVP_MAX_MD_SIZE];
    unsigned hdl = 0;
    uint8_t sigv[1024];
    size_t sl = sizeof(sigv);
    int ok = EVP_Digest(hb.data, hb.len, hd, &hdl, EVP_sha256(), NULL);
    dlv_buf_free(&hb);
    if (ok && s->ed25519) {
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        ok = m && EVP_DigestSignInit(m, NULL, NULL, NULL, s->key) == 1 &&
             EVP_DigestSign(m, sigv, &sl, hd, hdl) == 1;
        EVP_MD_CTX_free(m);
    } else if (ok) {
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(s->key, NULL);
        ok = pc && EVP_PKEY_sign_init(pc) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
             EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
             EVP_PKEY_sign(pc, sigv, &sl, hd, hdl) == 1;
        EVP_PKEY_CTX_free(pc);
    }
    if (!ok) {
        return dlv_err(&s->err, DELIVER_E_TLS, "the signing operation failed");
    }
    dlv_buf b64;
    dlv_buf_init(&b64, s->ctx);
    if (dlv_dkim_b64_encode(&b64, sigv, sl) < 0) {
        dlv_buf_free(&b64);
        return dlv_err(&s->err, DELIVER_E_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < b64.len; k += 72) {
        if (k) {
            dlv_buf_puts(f, "\r\n\t ");
        }
        dlv_buf_append(f, b64.data + k, b64.len - k < 72 ? b64.len - k : 72);
    }
    dlv_buf_free(&b64);
    if (f->failed) {
        return dlv_err(&s->err, DELIVER_E_NOMEM, "out of memory");
    }
    s->state = S_DONE;
    return st;
}

static deliver_status feed_field(void *h, const char *field, size_t len)
{
    return deliver_dkim_sign_header(h, field, len);
}

deliver_status deliver_dkim_sign_message(deliver_dkim_sign *s, const uint8_t *msg, size_t len)
{
    if (!s || (!msg && len > 0)) {
        return DELIVER_E_INVALID;
    }
    msg_reset(s);
    size_t body = 0;
    deliver_status st = dlv_dkim_split(msg ? msg : (const uint8_t *)"", len, feed_field, s, &body);
    if (st >= 0) {
        st = deliver_dkim_sign_end_headers(s);
    }
    if (st >= 0) {
        st = deliver_dkim_sign_body(s, msg + body, len - body);
    }
    if (st >= 0) {
        st = deliver_dkim_sign_end_body(s);
    }
    return st;
}

const char *deliver_dkim_sign_get_signature(const deliver_dkim_sign *s)
{
    return s && s->state == S_DONE && s->sig.data ? s->sig.data : "";
}

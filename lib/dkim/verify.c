/*
 * DKIM verification (RFC 6376, RFC 8301, RFC 8463): a sans-I/O core fed header fields and
 * body chunks, asking for every key at once, and the blocking driver.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dkim/dkim_int.h"

#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "dns/dns.h"

#define FUTURE_SKEW 300 /* seconds a t= may lie in the future (clock skew) */

enum { ALG_RSA_SHA256 = 0, ALG_RSA_SHA1 = 1, ALG_ED25519_SHA256 = 2 };
enum { V_IDLE, V_HEADERS, V_BODY, V_KEYS, V_DONE };

typedef struct vsig {
    size_t field;
    deliver_dkim_result result;
    const char *reason;      /* static */
    int ok;                  /* parsed, waiting for body and key */
    char *d, *s, *a, *i, *b64; /* b64: the first 8 characters of b=, without FWS */
    int alg, hrel, brel;
    int64_t l, t, x;
    size_t blen;
    size_t bhlen;
    unsigned hdlen;
    EVP_MD_CTX *md;          /* body hash */
    unsigned key_bits;
    /* from here on, buffers that are written before they are read: not cleared per message */
    uint8_t b[1024];
    uint8_t bh[64];
    uint8_t hd[64];          /* header hash */
    char qname[DLV_DNS_NAME_BUF];
    dlv_dkim_body canon;
} vsig;

/* a signature's state for a new message: the fields before the buffers, zeroed */
static void vsig_clear(vsig *s)
{
    memset(s, 0, offsetof(vsig, b));
}

#define KEY_CACHE 16 /* parsed key records kept per verifier (records are public data) */

typedef struct kcache {
    char *rec;
    size_t len;
    dlv_dkim_keyrec kr;
    EVP_PKEY_CTX *vctx[2]; /* RSA verify contexts for SHA-256 and SHA-1, set up on first use */
} kcache;

struct deliver_dkim_verify {
    deliver_ctx *ctx;
    kcache keys[KEY_CACHE];
    size_t next_key;
    dlv_errmsg err;
    dlv_findings findings;
    dlv_arena arena;
    dlv_qset qs;
    dlv_dkim_hdrs hdrs;
    int state;
    int64_t fixed_time;
    int allow_weak;
    unsigned max_sigs;
    vsig *sigs;              /* kept from message to message: about 5 KB each */
    size_t nsigs, sigs_cap;
    /* OpenSSL objects kept for the handle's life: fetching a digest and allocating contexts
     * for every message costs more than hashing the header */
    EVP_MD *sha256, *sha1;
    EVP_MD_CTX *hctx;                       /* header hash */
    EVP_MD_CTX *edctx;                      /* Ed25519 verify */
    EVP_MD_CTX *bctx[DLV_DKIM_MAX_SIGS];    /* body hash of signature i */
    dlv_buf bfield;                         /* the signature field with b= emptied */
    dlv_buf scratch;
    dlv_buf ar;
    deliver_dkim_result result;
};

deliver_status deliver_dkim_verify_new(deliver_dkim_verify **out, deliver_ctx *ctx)
{
    if (!out) {
        return DELIVER_E_INVALID;
    }
    *out = NULL;
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    deliver_dkim_verify *v = dlv_calloc(ctx, 1, sizeof(*v));
    if (!v) {
        return DELIVER_E_NOMEM;
    }
    v->ctx = dlv_ctx_ref(ctx);
    dlv_findings_init(&v->findings, ctx);
    dlv_arena_init(&v->arena, ctx);
    dlv_qset_init(&v->qs, ctx);
    dlv_dkim_hdrs_init(&v->hdrs, ctx);
    dlv_buf_init(&v->scratch, ctx);
    dlv_buf_init(&v->ar, ctx);
    dlv_buf_init(&v->bfield, ctx);
    v->fixed_time = -1;
    v->max_sigs = 8;
    *out = v;
    return DELIVER_OK;
}


deliver_status deliver_dkim_verify_reset(deliver_dkim_verify *v)
{
    if (!v) {
        return DELIVER_E_INVALID;
    }
    v->nsigs = 0; /* the array stays for the next message */
    dlv_findings_clear(&v->findings);
    dlv_arena_reset(&v->arena);
    dlv_qset_clear(&v->qs);
    dlv_qset_init(&v->qs, v->ctx);
    dlv_dkim_hdrs_clear(&v->hdrs);
    dlv_buf_reset(&v->scratch);
    dlv_buf_reset(&v->ar);
    v->result = DELIVER_DKIM_UNKNOWN;
    v->state = V_IDLE;
    dlv_err_clear(&v->err);
    return DELIVER_OK;
}

void deliver_dkim_verify_free(deliver_dkim_verify *v)
{
    if (!v) {
        return;
    }
    deliver_ctx *ctx = v->ctx;
    deliver_dkim_verify_reset(v);
    for (size_t i = 0; i < KEY_CACHE; i++) {
        dlv_free(ctx, v->keys[i].rec);
        dlv_dkim_keyrec_clear(&v->keys[i].kr);
        EVP_PKEY_CTX_free(v->keys[i].vctx[0]);
        EVP_PKEY_CTX_free(v->keys[i].vctx[1]);
    }
    for (size_t i = 0; i < DLV_DKIM_MAX_SIGS; i++) {
        EVP_MD_CTX_free(v->bctx[i]);
    }
    dlv_free(ctx, v->sigs);
    EVP_MD_CTX_free(v->hctx);
    EVP_MD_CTX_free(v->edctx);
    EVP_MD_free(v->sha256);
    EVP_MD_free(v->sha1);
    dlv_buf_free(&v->bfield);
    dlv_dkim_hdrs_free(&v->hdrs);
    dlv_arena_clear(&v->arena);
    dlv_qset_clear(&v->qs);
    dlv_buf_free(&v->scratch);
    dlv_buf_free(&v->ar);
    dlv_free(ctx, v);
    dlv_ctx_unref(ctx);
}

const char *deliver_dkim_verify_errmsg(const deliver_dkim_verify *v)
{
    return v ? v->err.text : "";
}

deliver_status deliver_dkim_verify_set_time(deliver_dkim_verify *v, int64_t unix_seconds)
{
    if (!v) {
        return DELIVER_E_INVALID;
    }
    v->fixed_time = unix_seconds < 0 ? -1 : unix_seconds;
    return DELIVER_OK;
}

deliver_status deliver_dkim_verify_set_allow_weak(deliver_dkim_verify *v, int on)
{
    if (!v || (on != 0 && on != 1)) {
        return DELIVER_E_INVALID;
    }
    v->allow_weak = on;
    return DELIVER_OK;
}

deliver_status deliver_dkim_verify_set_max_signatures(deliver_dkim_verify *v, unsigned n)
{
    if (!v || n < 1 || n > DLV_DKIM_MAX_SIGS) {
        return DELIVER_E_INVALID;
    }
    v->max_sigs = n;
    return DELIVER_OK;
}

deliver_status deliver_dkim_verify_header(deliver_dkim_verify *v, const char *field, size_t len)
{
    if (!v || (!field && len > 0)) {
        return DELIVER_E_INVALID;
    }
    if (v->state == V_DONE) {
        deliver_dkim_verify_reset(v);
    }
    if (v->state != V_IDLE && v->state != V_HEADERS) {
        return dlv_err(&v->err, DELIVER_E_STATE, "the header has ended");
    }
    v->state = V_HEADERS;
    deliver_status st = dlv_dkim_hdrs_add(&v->hdrs, field ? field : "", len);
    if (st == DELIVER_E_INVALID) {
        return DELIVER_OK; /* not a field: nothing to sign or verify */
    }
    if (st < 0) {
        return dlv_err(&v->err, st, "cannot keep the header field: %s", deliver_strerror(st));
    }
    return DELIVER_OK;
}

static void body_sink(void *ud, const uint8_t *p, size_t n)
{
    EVP_DigestUpdate((EVP_MD_CTX *)ud, p, n);
}

static int parse_uint(const dlv_dkim_tag *t, size_t maxdigits, int64_t *out)
{
    if (!t || t->val_len == 0 || t->val_len > maxdigits) {
        return -1;
    }
    int64_t r = 0;
    for (size_t i = 0; i < t->val_len; i++) {
        if (t->val[i] < '0' || t->val[i] > '9') {
            return -1;
        }
        r = r * 10 + (t->val[i] - '0');
    }
    *out = r;
    return 0;
}

static char *tag_dup(deliver_dkim_verify *v, const dlv_dkim_tag *t)
{
    return dlv_arena_strndup(&v->arena, t ? t->val : "", t ? t->val_len : 0);
}

static int perm(vsig *s, const char *reason)
{
    s->result = DELIVER_DKIM_PERMERROR;
    s->reason = reason;
    s->ok = 0;
    return 0;
}

static int64_t now_of(const deliver_dkim_verify *v)
{
    return v->fixed_time >= 0 ? v->fixed_time : (int64_t)time(NULL);
}

static int add_flag(deliver_dkim_verify *v, size_t idx, const char *id, deliver_severity sev,
                    const char *hint, const char *fmt, const char *arg)
{
    char loc[48];
    snprintf(loc, sizeof(loc), "signature %zu", idx);
    return dlv_findings_add(&v->findings, id, sev, loc, hint, fmt, arg);
}

/* Parse signature field fi into s; -1 only when out of memory. */
static int parse_sig(deliver_dkim_verify *v, size_t idx, vsig *s)
{
    dlv_dkim_field *f = &v->hdrs.f[s->field];
    const char *val = f->raw + f->colon + 1;
    size_t vlen = f->raw_len - f->colon - 1;
    dlv_dkim_tag tags[DLV_DKIM_MAX_TAGS];
    size_t count = 0, eo = 0;
    s->l = s->t = s->x = -1;
    s->d = s->s = s->a = s->i = s->b64 = (char *)"";
    if (dlv_dkim_tags(val, vlen, tags, &count, &eo, NULL) != DLV_TAGS_OK) {
        return perm(s, "signature-syntax");
    }
    /* one pass over the tags rather than a search per name (names are unique: duplicates are
     * a syntax error above) */
    static const char names1[] = "vabdhscilqtx"; /* the one-letter tags looked at */
    const dlv_dkim_tag *by[sizeof(names1) - 1] = {NULL}, *tbh = NULL;
    for (size_t j = 0; j < count; j++) {
        const dlv_dkim_tag *t = &tags[j];
        const char *at = t->name_len == 1 ? memchr(names1, t->name[0], sizeof(names1) - 1) : NULL;
        if (at) {
            by[at - names1] = t;
        } else if (t->name_len == 2 && t->name[0] == 'b' && t->name[1] == 'h') {
            tbh = t;
        }
    }
    const dlv_dkim_tag *tv = by[0], *ta = by[1], *tb = by[2], *td = by[3], *th = by[4],
                       *ts = by[5], *tc = by[6], *ti = by[7], *tl = by[8], *tq = by[9],
                       *tt = by[10], *tx = by[11];
    if (!(s->d = tag_dup(v, td)) || !(s->s = tag_dup(v, ts)) || !(s->a = tag_dup(v, ta))) {
        return -1;
    }
    if (!tv || !ta || !tb || !tbh || !td || !th || !ts) {
        return perm(s, "signature-missing-tag");
    }
    if (!dlv_dkim_tag_is(tv, "1")) {
        return perm(s, "signature-version");
    }
    if (dlv_dkim_tag_is(ta, "rsa-sha256")) {
        s->alg = ALG_RSA_SHA256;
    } else if (dlv_dkim_tag_is(ta, "rsa-sha1")) {
        s->alg = ALG_RSA_SHA1;
    } else if (dlv_dkim_tag_is(ta, "ed25519-sha256")) {
        s->alg = ALG_ED25519_SHA256;
    } else {
        return perm(s, "algorithm-unknown");
    }
    /* b= and bh= */
    if (tb->val_len > sizeof(s->b) * 4 / 3 || tbh->val_len > 128) {
        return perm(s, "signature-syntax");
    }
    long bl = dlv_dkim_b64_decode(tb->val, tb->val_len, s->b);
    long bhl = dlv_dkim_b64_decode(tbh->val, tbh->val_len, s->bh);
    if (bl <= 0 || bhl <= 0) {
        return perm(s, "signature-syntax");
    }
    s->blen = (size_t)bl;
    s->bhlen = (size_t)bhl;
    {
        /* only the start of b= is shown (header.b= in Authentication-Results takes 8
         * characters): copying all of it without FWS cost as much as decoding it */
        enum { B64_SHOWN = 8 };
        char *b64 = dlv_arena_alloc(&v->arena, B64_SHOWN + 1);
        if (!b64) {
            return -1;
        }
        size_t k = 0;
        for (size_t j = 0; j < tb->val_len && k < B64_SHOWN; j++) {
            char c = tb->val[j];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                b64[k++] = c;
            }
        }
        b64[k] = '\0';
        s->b64 = b64;
    }
    /* d= and s= */
    char dom[DLV_DOMAIN_MAX + 1];
    if (td->val_len == 0 || dlv_domain_normalize(td->val, td->val_len, dom, DLV_NAME_NO_IDN, NULL) < 0) {
        return perm(s, "signature-syntax");
    }
    if (!(s->d = dlv_arena_strndup(&v->arena, dom, strlen(dom)))) {
        return -1;
    }
    if (ts->val_len == 0 || ts->val_len > 200 ||
        strspn(s->s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
            ts->val_len) {
        return perm(s, "signature-syntax");
    }
    /* c= */
    s->hrel = s->brel = 0;
    if (tc) {
        const char *c = tc->val;
        size_t cl = tc->val_len;
        const char *slash = memchr(c, '/', cl);
        size_t hl = slash ? (size_t)(slash - c) : cl;
        if (hl == 7 && memcmp(c, "relaxed", 7) == 0) {
            s->hrel = 1;
        } else if (!(hl == 6 && memcmp(c, "simple", 6) == 0)) {
            return perm(s, "signature-syntax");
        }
        if (slash) {
            size_t bl2 = cl - hl - 1;
            if (bl2 == 7 && memcmp(slash + 1, "relaxed", 7) == 0) {
                s->brel = 1;
            } else if (!(bl2 == 6 && memcmp(slash + 1, "simple", 6) == 0)) {
                return perm(s, "signature-syntax");
            }
        }
    }
    /* q= */
    if (tq) {
        int found = 0;
        for (size_t j = 0; j + 7 <= tq->val_len; j++) {
            if (memcmp(tq->val + j, "dns/txt", 7) == 0) {
                found = 1;
            }
        }
        if (!found) {
            return perm(s, "query-method-unknown");
        }
    }
    /* t= x= l= */
    if ((tt && parse_uint(tt, 12, &s->t) < 0) || (tx && parse_uint(tx, 12, &s->x) < 0) ||
        (tl && parse_uint(tl, 18, &s->l) < 0)) {
        return perm(s, "signature-syntax");
    }
    if (s->t >= 0 && s->x >= 0 && s->x < s->t) {
        return perm(s, "signature-syntax");
    }
    /* i= within d= */
    if (ti) {
        if (!(s->i = tag_dup(v, ti))) {
            return -1;
        }
        const char *at = memchr(ti->val, '@', ti->val_len);
        if (!at) {
            return perm(s, "signature-syntax");
        }
        size_t il = ti->val_len - (size_t)(at + 1 - ti->val);
        char idom[DLV_DOMAIN_MAX + 1];
        if (il == 0 || dlv_domain_normalize(at + 1, il, idom, DLV_NAME_NO_IDN, NULL) < 0) {
            return perm(s, "signature-syntax");
        }
        if (!dlv_domain_is_within(idom, s->d)) {
            return perm(s, "i-not-within-d");
        }
    } else {
        size_t n = strlen(s->d);
        s->i = dlv_arena_alloc(&v->arena, n + 2); /* zeroed: the NUL is there */
        if (!s->i) {
            return -1;
        }
        s->i[0] = '@';
        memcpy(s->i + 1, s->d, n);
    }
    /* h= */
    const char *names[DLV_DKIM_MAX_H];
    size_t lens[DLV_DKIM_MAX_H];
    size_t nn = 0;
    int has_from = 0;
    for (size_t j = 0; j <= th->val_len;) {
        size_t e = j;
        while (e < th->val_len && th->val[e] != ':') {
            e++;
        }
        size_t a = j, b = e;
        while (a < b && strchr(" \t\r\n", th->val[a])) {
            a++;
        }
        while (b > a && strchr(" \t\r\n", th->val[b - 1])) {
            b--;
        }
        if (a == b || nn >= DLV_DKIM_MAX_H) {
            return perm(s, "signature-syntax");
        }
        for (size_t q = a; q < b; q++) {
            unsigned char c = (unsigned char)th->val[q];
            if (c <= 0x20 || c >= 0x7f || c == ':') {
                return perm(s, "signature-syntax");
            }
        }
        names[nn] = th->val + a;
        lens[nn] = b - a;
        if (lens[nn] == 4 && strncasecmp(names[nn], "from", 4) == 0) {
            has_from = 1;
        }
        nn++;
        j = e + 1;
    }
    if (!has_from) {
        return perm(s, "from-not-signed");
    }
    /* times, against the verifier's clock */
    int64_t now = now_of(v);
    if (s->x >= 0 && s->x < now) {
        return perm(s, "signature-expired");
    }
    if (s->t >= 0 && s->t > now + FUTURE_SKEW) {
        return perm(s, "timestamp-in-future");
    }
    /* signed header fields present more often than h= lists them */
    for (size_t k = 0; k < nn; k++) {
        int seen_before = 0;
        size_t listed = 0, present = 0;
        for (size_t q = 0; q < nn; q++) {
            if (lens[q] == lens[k] && strncasecmp(names[q], names[k], lens[k]) == 0) {
                if (q < k) {
                    seen_before = 1;
                }
                listed++;
            }
        }
        if (seen_before) {
            continue;
        }
        for (size_t q = 0; q < v->hdrs.n; q++) {
            if (dlv_dkim_field_is(&v->hdrs.f[q], names[k], lens[k])) {
                present++;
            }
        }
        if (present > listed) {
            char nm[80];
            snprintf(nm, sizeof(nm), "%.*s", (int)(lens[k] > 60 ? 60 : lens[k]), names[k]);
            if (add_flag(v, idx, "dkim.header_not_oversigned", DELIVER_SEVERITY_WARNING,
                         "signers should list From, Subject, To and Date once more than present",
                         "%s appears more often than h= lists it: an added instance is "
                         "unsigned (RFC 6376 8.15)", nm) < 0) {
                return -1;
            }
        }
    }
    if (s->l >= 0 && add_flag(v, idx, "dkim.body_length", DELIVER_SEVERITY_WARNING,
                              "sign without l=", "%s", "l= limits the signed body: content "
                              "can be appended without breaking the signature") < 0) {
        return -1;
    }
    /* the header hash: selected fields bottom-up, then this field with b= emptied */
    dlv_buf *hb = &v->scratch;
    dlv_buf_reset(hb);
    if (dlv_dkim_canon_headers(&v->hdrs, names, lens, nn, s->hrel, hb) < 0) {
        return -1;
    }
    {
        /* this field with the value of b= (and the FWS around it) removed */
        size_t bstart = (size_t)(tb->val - f->raw), bend = bstart + tb->val_len;
        while (bstart > 0 && f->raw[bstart - 1] != '=') {
            bstart--;
        }
        while (bend < f->raw_len && f->raw[bend] != ';') {
            bend++;
        }
        dlv_buf *tmp = &v->bfield;
        dlv_buf_reset(tmp);
        if (dlv_buf_append(tmp, f->raw, bstart) < 0 ||
            dlv_buf_append(tmp, f->raw + bend, f->raw_len - bend) < 0 ||
            dlv_dkim_canon_field(hb, tmp->data, tmp->len, f->name_len, f->colon, s->hrel, 0) < 0) {
            return -1;
        }
    }
    if (hb->failed) {
        return -1;
    }
    EVP_MD **mdp = s->alg == ALG_RSA_SHA1 ? &v->sha1 : &v->sha256;
    if (!*mdp && !(*mdp = EVP_MD_fetch(NULL, s->alg == ALG_RSA_SHA1 ? "SHA1" : "SHA256", NULL))) {
        return -1;
    }
    const EVP_MD *md = *mdp;
    if (!v->hctx && !(v->hctx = EVP_MD_CTX_new())) {
        return -1;
    }
    if (EVP_DigestInit_ex2(v->hctx, md, NULL) != 1 ||
        EVP_DigestUpdate(v->hctx, hb->data ? hb->data : "", hb->len) != 1 ||
        EVP_DigestFinal_ex(v->hctx, s->hd, &s->hdlen) != 1) {
        return -1;
    }
    /* the body hash, in a context the handle keeps for signature idx */
    if (!v->bctx[idx] && !(v->bctx[idx] = EVP_MD_CTX_new())) {
        return -1;
    }
    s->md = v->bctx[idx];
    if (EVP_DigestInit_ex2(s->md, md, NULL) != 1) {
        return -1;
    }
    dlv_dkim_body_init(&s->canon, s->brel, s->l, body_sink, s->md);
    {
        /* "<s>._domainkey.<d>", cut to the buffer as snprintf would */
        static const char mid[] = "._domainkey.";
        size_t o = 0;
        const char *parts[3] = {s->s, mid, s->d};
        for (size_t k = 0; k < 3; k++) {
            size_t pl = strlen(parts[k]);
            if (pl > sizeof(s->qname) - 1 - o) {
                pl = sizeof(s->qname) - 1 - o;
            }
            memcpy(s->qname + o, parts[k], pl);
            o += pl;
        }
        s->qname[o] = '\0';
    }
    s->ok = 1;
    return 0;
}

deliver_status deliver_dkim_verify_end_headers(deliver_dkim_verify *v)
{
    if (!v) {
        return DELIVER_E_INVALID;
    }
    if (v->state == V_DONE) {
        deliver_dkim_verify_reset(v);
    }
    if (v->state != V_IDLE && v->state != V_HEADERS) {
        return dlv_err(&v->err, DELIVER_E_STATE, "the header has already ended");
    }
    size_t n = 0;
    for (size_t i = 0; i < v->hdrs.n; i++) {
        if (dlv_dkim_field_is(&v->hdrs.f[i], "DKIM-Signature", 14) && n < DLV_DKIM_MAX_SIGS) {
            n++;
        }
    }
    /* the array of the last message is reused: a calloc here cleared kilobytes of buffers
     * per message that are written before they are read */
    if (n > v->sigs_cap) {
        vsig *ns = dlv_calloc(v->ctx, n, sizeof(*v->sigs));
        if (!ns) {
            return dlv_err(&v->err, DELIVER_E_NOMEM, "out of memory");
        }
        dlv_free(v->ctx, v->sigs);
        v->sigs = ns;
        v->sigs_cap = n;
    }
    for (size_t i = 0; i < v->hdrs.n && v->nsigs < n; i++) {
        if (!dlv_dkim_field_is(&v->hdrs.f[i], "DKIM-Signature", 14)) {
            continue;
        }
        vsig *s = &v->sigs[v->nsigs];
        vsig_clear(s);
        s->field = i;
        size_t idx = v->nsigs++;
        if (idx >= v->max_sigs) {
            s->result = DELIVER_DKIM_NEUTRAL;
            s->reason = "over-signature-cap";
            s->d = s->s = s->a = s->i = s->b64 = (char *)"";
            continue;
        }
        if (parse_sig(v, idx, s) < 0) {
            return dlv_err(&v->err, DELIVER_E_NOMEM, "out of memory");
        }
    }
    v->state = V_BODY;
    return DELIVER_OK;
}

deliver_status deliver_dkim_verify_body(deliver_dkim_verify *v, const uint8_t *buf, size_t len)
{
    if (!v || (!buf && len > 0)) {
        return DELIVER_E_INVALID;
    }
    if (v->state != V_BODY) {
        return dlv_err(&v->err, DELIVER_E_STATE, "not in the body");
    }
    for (size_t i = 0; i < v->nsigs; i++) {
        if (v->sigs[i].ok) {
            dlv_dkim_body_feed(&v->sigs[i].canon, buf, len);
        }
    }
    return DELIVER_OK;
}

deliver_status deliver_dkim_verify_end_body(deliver_dkim_verify *v)
{
    if (!v) {
        return DELIVER_E_INVALID;
    }
    if (v->state != V_BODY) {
        return dlv_err(&v->err, DELIVER_E_STATE, "not in the body");
    }
    for (size_t i = 0; i < v->nsigs; i++) {
        vsig *s = &v->sigs[i];
        if (!s->ok) {
            continue;
        }
        dlv_dkim_body_end(&s->canon);
        uint8_t got[EVP_MAX_MD_SIZE];
        unsigned gl = 0;
        EVP_DigestFinal_ex(s->md, got, &gl);
        if (s->l >= 0 && (uint64_t)s->l > s->canon.emitted) {
            perm(s, "body-length-exceeds-body");
            continue;
        }
        if (s->l >= 0 && (uint64_t)s->l < s->canon.emitted &&
            add_flag(v, i, "dkim.unsigned_body_content", DELIVER_SEVERITY_WARNING,
                     "treat the unsigned part as untrusted", "%s",
                     "content follows the l= limit: it is not covered by the signature") < 0) {
            return dlv_err(&v->err, DELIVER_E_NOMEM, "out of memory");
        }
        if (gl != s->bhlen || memcmp(got, s->bh, gl) != 0) {
            s->result = DELIVER_DKIM_FAIL;
            s->reason = "body-hash-mismatch";
            s->ok = 0;
            continue;
        }
        /* one question per distinct key name */
        int asked = 0;
        for (size_t j = 0; j < i; j++) {
            if (v->sigs[j].ok && strcmp(v->sigs[j].qname, s->qname) == 0) {
                asked = 1;
            }
        }
        if (!asked && dlv_qset_add(&v->qs, s->qname, DELIVER_DNS_TYPE_TXT, (int)i, NULL) < 0) {
            return dlv_err(&v->err, DELIVER_E_NOMEM, "out of memory");
        }
    }
    v->state = V_KEYS;
    return DELIVER_OK;
}

/* Verify s's signature with the key of cache entry kc; 1 valid, 0 not. RSA keeps one verify
 * context per key and digest in the cache entry (set up once, reused for every message). */
static int crypto_verify(deliver_dkim_verify *v, const vsig *s, kcache *kc)
{
    EVP_PKEY *pk = kc->kr.pkey;
    if (s->alg == ALG_ED25519_SHA256) {
        /* OpenSSL 3.0 has no reusable Ed25519 verify context: re-initialised per message */
        if (!v->edctx && !(v->edctx = EVP_MD_CTX_new())) {
            return 0;
        }
        EVP_MD_CTX *m = v->edctx;
        EVP_MD_CTX_reset(m);
        return EVP_DigestVerifyInit(m, NULL, NULL, NULL, pk) == 1 &&
               EVP_DigestVerify(m, s->b, s->blen, s->hd, s->hdlen) == 1;
    }
    int sha1 = s->alg == ALG_RSA_SHA1;
    EVP_PKEY_CTX *pc = kc->vctx[sha1];
    if (!pc) {
        pc = EVP_PKEY_CTX_new(pk, NULL);
        if (!pc || EVP_PKEY_verify_init(pc) != 1 ||
            EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
            EVP_PKEY_CTX_set_signature_md(pc, sha1 ? EVP_sha1() : EVP_sha256()) != 1) {
            EVP_PKEY_CTX_free(pc);
            return 0;
        }
        kc->vctx[sha1] = pc;
    }
    return EVP_PKEY_verify(pc, s->b, s->blen, s->hd, s->hdlen) == 1;
}

/* The parsed form of a key record, from the cache or parsed now (NULL: out of memory).
 * Parsing a DER key costs more than verifying with it, and MTAs see the same keys again. */
static kcache *key_for(deliver_dkim_verify *v, const char *rec, size_t len)
{
    for (size_t i = 0; i < KEY_CACHE; i++) {
        kcache *c = &v->keys[i];
        if (c->rec && c->len == len && memcmp(c->rec, rec, len) == 0) {
            return c;
        }
    }
    kcache *c = &v->keys[v->next_key];
    v->next_key = (v->next_key + 1) % KEY_CACHE;
    dlv_free(v->ctx, c->rec);
    dlv_dkim_keyrec_clear(&c->kr);
    EVP_PKEY_CTX_free(c->vctx[0]);
    EVP_PKEY_CTX_free(c->vctx[1]);
    c->vctx[0] = c->vctx[1] = NULL;
    c->rec = dlv_strndup(v->ctx, rec, len);
    if (!c->rec) {
        return NULL;
    }
    c->len = len;
    if (dlv_dkim_key_parse(v->ctx, rec, len, NULL, 0, &c->kr) < 0) {
        dlv_free(v->ctx, c->rec);
        c->rec = NULL;
        return NULL;
    }
    return c;
}

/* judge signature s (index idx) with the answer for its key; -1 out of memory */
static int judge(deliver_dkim_verify *v, size_t idx, vsig *s, const dlv_answer *a)
{
    s->ok = 0;
    if (a->outcome == DELIVER_DNS_NXDOMAIN || a->outcome == DELIVER_DNS_NODATA ||
        a->outcome == DELIVER_DNS_CNAME_LOOP) {
        return perm(s, "no-key");
    }
    if (a->outcome != DELIVER_DNS_OK) {
        s->result = DELIVER_DKIM_TEMPERROR;
        s->reason = "dns-error";
        return 0;
    }
    /* several records: the first usable one (RFC 6376 3.6.2.2 lets the verifier choose) */
    kcache *bk = NULL;
    for (size_t r = 0; r < a->nrr && r < 16; r++) {
        const struct deliver_dns_record *rr = &a->rr[r];
        kcache *kc = key_for(v, (const char *)rr->joined, rr->joinedlen);
        if (!kc) {
            return -1;
        }
        if (!bk || (bk->kr.unusable && !kc->kr.unusable)) {
            bk = kc;
        }
    }
    if (!bk) {
        return perm(s, "no-key");
    }
    const dlv_dkim_keyrec best = bk->kr; /* a view: the cache owns the key */
    int rc = 0;
    deliver_dkim_key_type need =
        s->alg == ALG_ED25519_SHA256 ? DELIVER_DKIM_KEY_ED25519 : DELIVER_DKIM_KEY_RSA;
    if (best.unusable) {
        perm(s, best.unusable);
    } else if (best.type != need) {
        perm(s, "key-type-mismatch");
    } else if ((s->alg == ALG_RSA_SHA1 && !best.h_sha1) ||
               (s->alg != ALG_RSA_SHA1 && !best.h_sha256)) {
        perm(s, "key-h-disallows-hash");
    } else if (best.strict && s->i[0] && strchr(s->i, '@') &&
               !dlv_domain_equal(strchr(s->i, '@') + 1, s->d)) {
        perm(s, "t=s-forbids-subdomain-i");
    } else {
        s->key_bits = best.bits;
        if (need == DELIVER_DKIM_KEY_RSA && best.bits < 512) {
            s->result = DELIVER_DKIM_POLICY;
            s->reason = "key-too-small";
        } else if (need == DELIVER_DKIM_KEY_RSA && best.bits < 1024 && !v->allow_weak) {
            s->result = DELIVER_DKIM_POLICY;
            s->reason = "key-too-small";
        } else if (s->alg == ALG_RSA_SHA1 && !v->allow_weak) {
            s->result = DELIVER_DKIM_POLICY;
            s->reason = "rsa-sha1-not-acceptable";
        } else if (!crypto_verify(v, s, bk)) {
            s->result = DELIVER_DKIM_FAIL;
            s->reason = "signature-mismatch";
        } else {
            s->result = DELIVER_DKIM_PASS;
            s->reason = "";
            if (need == DELIVER_DKIM_KEY_RSA && best.bits < 2048) {
                rc |= add_flag(v, idx, "dkim.key_weak", DELIVER_SEVERITY_WARNING,
                               "rotate to a 2048-bit key", "%s",
                               "RSA key under 2048 bits: 1024 is the RFC 8301 minimum");
            }
        }
        if (best.testing) {
            rc |= add_flag(v, idx, "dkim.key_testing", DELIVER_SEVERITY_WARNING,
                           "remove t=y once signing works", "%s",
                           "t=y: the key is in testing mode; receivers treat the mail like "
                           "unsigned mail");
        }
        if (best.pkcs1) {
            rc |= add_flag(v, idx, "dkim.key_not_spki", DELIVER_SEVERITY_WARNING,
                           "publish the SubjectPublicKeyInfo form", "%s",
                           "p= is a bare PKCS#1 RSAPublicKey: valid, but libopendkim rejects it");
        }
    }
    return rc < 0 ? -1 : 0;
}

static deliver_status vtake(deliver_dkim_verify *v, int tag, dlv_answer *a)
{
    const char *qn = v->sigs[tag].qname;
    int r = 0;
    for (size_t i = 0; i < v->nsigs && r == 0; i++) {
        vsig *s = &v->sigs[i];
        if (s->ok && strcmp(s->qname, qn) == 0 && (size_t)tag != i) {
            r = judge(v, i, s, a);
        }
    }
    if (r == 0) {
        r = judge(v, (size_t)tag, &v->sigs[tag], a);
    }
    dlv_answer_free(a);
    return r < 0 ? dlv_err(&v->err, DELIVER_E_NOMEM, "out of memory") : DELIVER_OK;
}

static int rank(deliver_dkim_result r)
{
    switch (r) {
    case DELIVER_DKIM_PASS:
        return 6;
    case DELIVER_DKIM_FAIL:
        return 5;
    case DELIVER_DKIM_POLICY:
        return 4;
    case DELIVER_DKIM_PERMERROR:
        return 3;
    case DELIVER_DKIM_TEMPERROR:
        return 2;
    case DELIVER_DKIM_NEUTRAL:
        return 1;
    default:
        return 0;
    }
}

static deliver_status finish(deliver_dkim_verify *v)
{
    v->result = DELIVER_DKIM_NONE;
    dlv_buf_reset(&v->ar);
    if (v->nsigs == 0) {
        dlv_buf_puts(&v->ar, "dkim=none");
        if (dlv_findings_add(&v->findings, "dkim.no_signature", DELIVER_SEVERITY_INFO, NULL,
                             "sign outgoing mail with DKIM", "the message has no DKIM-Signature")
            < 0) {
            return dlv_err(&v->err, DELIVER_E_NOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < v->nsigs; i++) {
        vsig *s = &v->sigs[i];
        if (s->result == DELIVER_DKIM_UNKNOWN) {
            s->result = DELIVER_DKIM_PERMERROR; /* defensive: never left unjudged */
            s->reason = "no-key";
        }
        if (rank(s->result) > rank(v->result)) {
            v->result = s->result;
        }
        if (i) {
            dlv_buf_puts(&v->ar, ";\r\n\t");
        }
        /* pieces appended as they are: formatting through vfprintf cost more than the rest
         * of this function, on every message */
        dlv_buf_puts(&v->ar, "dkim=");
        dlv_buf_puts(&v->ar, deliver_dkim_result_name(s->result));
        if (s->reason && s->reason[0]) {
            dlv_buf_puts(&v->ar, " reason=\"");
            dlv_buf_puts(&v->ar, s->reason);
            dlv_buf_putc(&v->ar, '"');
        }
        if (s->d[0]) {
            dlv_buf_puts(&v->ar, " header.d=");
            dlv_buf_puts(&v->ar, s->d);
        }
        if (s->s[0]) {
            dlv_buf_puts(&v->ar, " header.s=");
            dlv_buf_puts(&v->ar, s->s);
        }
        if (s->b64[0]) {
            dlv_buf_puts(&v->ar, " header.b=");
            dlv_buf_append(&v->ar, s->b64, strnlen(s->b64, 8));
        }
    }
    if (v->ar.failed) {
        return dlv_err(&v->err, DELIVER_E_NOMEM, "out of memory");
    }
    v->state = V_DONE;
    return DELIVER_OK;
}

deliver_status deliver_dkim_verify_step(deliver_dkim_verify *v)
{
    if (!v) {
        return DELIVER_E_INVALID;
    }
    if (v->state == V_DONE) {
        return DELIVER_OK;
    }
    if (v->state != V_KEYS) {
        return dlv_err(&v->err, DELIVER_E_STATE, "the body has not ended");
    }
    if (dlv_qset_open_count(&v->qs) > 0) {
        return DELIVER_PENDING;
    }
    return finish(v);
}

size_t deliver_dkim_verify_query_count(const deliver_dkim_verify *v)
{
    return v && v->state == V_KEYS ? dlv_qset_open_count(&v->qs) : 0;
}

deliver_status deliver_dkim_verify_get_query(const deliver_dkim_verify *v, size_t i, uint64_t *id,
                                             const char **qname, uint16_t *qtype)
{
    return v ? dlv_qset_get_query(&v->qs, i, id, qname, qtype) : DELIVER_E_INVALID;
}

deliver_status deliver_dkim_verify_answer(deliver_dkim_verify *v, uint64_t id,
                                          deliver_dns_outcome outcome, const uint8_t *msg,
                                          size_t len)
{
    if (!v) {
        return DELIVER_E_INVALID;
    }
    if (v->state != V_KEYS) {
        return dlv_err(&v->err, DELIVER_E_STATE, "not waiting for keys");
    }
    int tag = 0;
    dlv_answer *a = NULL;
    deliver_status st = dlv_qset_answer(&v->qs, &v->err, id, outcome, msg, len, &tag, &a);
    if (st < 0) {
        return st;
    }
    return a ? vtake(v, tag, a) : DELIVER_OK;
}

static deliver_status vcore_step(void *core)
{
    return deliver_dkim_verify_step(core);
}

static dlv_qset *vcore_qset(void *core)
{
    return &((deliver_dkim_verify *)core)->qs;
}

static deliver_status vcore_take(void *core, uint64_t id, int tag, dlv_answer *a)
{
    (void)id;
    deliver_dkim_verify *v = core;
    return vtake(v, tag, a);
}

static const dlv_core_ops verify_ops = {vcore_step, vcore_qset, vcore_take};

deliver_status deliver_dkim_verify_finish(deliver_dkim_verify *v)
{
    if (!v) {
        return DELIVER_E_INVALID;
    }
    if (v->state == V_DONE) {
        return DELIVER_OK;
    }
    if (v->state != V_KEYS) {
        return dlv_err(&v->err, DELIVER_E_STATE, "the body has not ended");
    }
    if (dlv_qset_open_count(&v->qs) == 0) {
        return finish(v);
    }
    return dlv_dns_drive(v->ctx, &verify_ops, v, &v->err);
}

static deliver_status feed_field(void *h, const char *field, size_t len)
{
    return deliver_dkim_verify_header(h, field, len);
}

deliver_status deliver_dkim_verify_message(deliver_dkim_verify *v, const uint8_t *msg, size_t len)
{
    if (!v || (!msg && len > 0)) {
        return DELIVER_E_INVALID;
    }
    deliver_dkim_verify_reset(v);
    size_t body = 0;
    deliver_status st = dlv_dkim_split(msg ? msg : (const uint8_t *)"", len, feed_field, v, &body);
    if (st >= 0) {
        st = deliver_dkim_verify_end_headers(v);
    }
    if (st >= 0) {
        st = deliver_dkim_verify_body(v, msg + body, len - body);
    }
    if (st >= 0) {
        st = deliver_dkim_verify_end_body(v);
    }
    if (st >= 0) {
        st = deliver_dkim_verify_finish(v);
    }
    return st;
}

/* ---- results ---- */

deliver_dkim_result deliver_dkim_verify_get_result(const deliver_dkim_verify *v)
{
    return v && v->state == V_DONE ? v->result : DELIVER_DKIM_UNKNOWN;
}

size_t deliver_dkim_verify_signature_count(const deliver_dkim_verify *v)
{
    return v ? v->nsigs : 0;
}

static const vsig *sig_at(const deliver_dkim_verify *v, size_t i)
{
    return v && i < v->nsigs ? &v->sigs[i] : NULL;
}

deliver_dkim_result deliver_dkim_verify_sig_get_result(const deliver_dkim_verify *v, size_t i)
{
    const vsig *s = sig_at(v, i);
    return s && v->state == V_DONE ? s->result : DELIVER_DKIM_UNKNOWN;
}

const char *deliver_dkim_verify_sig_get_reason(const deliver_dkim_verify *v, size_t i)
{
    const vsig *s = sig_at(v, i);
    return s && s->reason ? s->reason : "";
}

const char *deliver_dkim_verify_sig_get_domain(const deliver_dkim_verify *v, size_t i)
{
    const vsig *s = sig_at(v, i);
    return s && s->d ? s->d : "";
}

const char *deliver_dkim_verify_sig_get_selector(const deliver_dkim_verify *v, size_t i)
{
    const vsig *s = sig_at(v, i);
    return s && s->s ? s->s : "";
}

const char *deliver_dkim_verify_sig_get_algorithm(const deliver_dkim_verify *v, size_t i)
{
    const vsig *s = sig_at(v, i);
    return s && s->a ? s->a : "";
}

const char *deliver_dkim_verify_sig_get_identity(const deliver_dkim_verify *v, size_t i)
{
    const vsig *s = sig_at(v, i);
    return s && s->i ? s->i : "";
}

unsigned deliver_dkim_verify_sig_get_key_bits(const deliver_dkim_verify *v, size_t i)
{
    const vsig *s = sig_at(v, i);
    return s ? s->key_bits : 0;
}

const char *deliver_dkim_verify_get_auth_results(const deliver_dkim_verify *v)
{
    return v && v->state == V_DONE && v->ar.data ? v->ar.data : "";
}

size_t deliver_dkim_verify_finding_count(const deliver_dkim_verify *v)
{
    return v ? v->findings.count : 0;
}

const deliver_finding *deliver_dkim_verify_get_finding(const deliver_dkim_verify *v, size_t i)
{
    return v ? dlv_findings_get(&v->findings, i) : NULL;
}

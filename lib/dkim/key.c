/*
 * DKIM key records (RFC 6376 3.6.1, RFC 8301, RFC 8463): parsing, judging, and the key
 * checker handle (sans-I/O core + blocking call).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dkim/dkim_int.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dns/dns.h"

/* Published test keys: their private halves are in the RFCs. */
static const char *const published_keys[] = {
    /* RFC 8463 Appendix A (RFC 8032 test 1) */
    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    /* RFC 6376 Appendix C */
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4"
    "jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSP"
    "DdQPNUYckcQ2QIDAQAB",
};

void dlv_dkim_keyrec_clear(dlv_dkim_keyrec *k)
{
    EVP_PKEY_free(k->pkey);
    memset(k, 0, sizeof(*k));
}

/* split a colon-separated list value; calls fn for each trimmed item */
static int list_has(const dlv_dkim_tag *t, const char *item)
{
    size_t il = strlen(item), i = 0;
    while (i < t->val_len) {
        size_t j = i;
        while (j < t->val_len && t->val[j] != ':') {
            j++;
        }
        size_t a = i, b = j;
        while (a < b && (t->val[a] == ' ' || t->val[a] == '\t' || t->val[a] == '\r' ||
                         t->val[a] == '\n')) {
            a++;
        }
        while (b > a && (t->val[b - 1] == ' ' || t->val[b - 1] == '\t' || t->val[b - 1] == '\r' ||
                         t->val[b - 1] == '\n')) {
            b--;
        }
        if (b - a == il && strncmp(t->val + a, item, il) == 0) {
            return 1;
        }
        i = j + 1;
    }
    return 0;
}

static int list_only(const dlv_dkim_tag *t, const char *const *known, size_t nknown)
{
    /* 1 when every item is in known */
    size_t i = 0;
    while (i < t->val_len) {
        size_t j = i;
        while (j < t->val_len && t->val[j] != ':') {
            j++;
        }
        size_t a = i, b = j;
        while (a < b && (t->val[a] == ' ' || t->val[a] == '\t')) {
            a++;
        }
        while (b > a && (t->val[b - 1] == ' ' || t->val[b - 1] == '\t')) {
            b--;
        }
        int found = 0;
        for (size_t k = 0; k < nknown; k++) {
            if (strlen(known[k]) == b - a && strncmp(t->val + a, known[k], b - a) == 0) {
                found = 1;
            }
        }
        if (!found) {
            return 0;
        }
        i = j + 1;
    }
    return 1;
}

#define ADD(id, sev, ...)                                                                  \
    do {                                                                                   \
        if (f && dlv_findings_add(f, id, sev, loc[0] ? loc : NULL, NULL, __VA_ARGS__) < 0) { \
            goto nomem;                                                                    \
        }                                                                                  \
    } while (0)

#define ADDH(id, sev, hint, ...)                                                            \
    do {                                                                                   \
        if (f && dlv_findings_add(f, id, sev, loc[0] ? loc : NULL, hint, __VA_ARGS__) < 0) { \
            goto nomem;                                                                    \
        }                                                                                  \
    } while (0)

static int only_published_errors(const dlv_findings *f, size_t from)
{
    for (size_t i = from; i < f->count; i++) {
        if (f->items[i].severity == DELIVER_SEVERITY_ERROR &&
            strcmp(f->items[i].id, "dkim.key_published") != 0) {
            return 0;
        }
    }
    return 1;
}

/* the grade follows from the findings (key-checks.json's rule) */
static deliver_dkim_key_grade grade_of(const dlv_findings *f, size_t from)
{
    int errors = 0, revoked_only = 1, weak = 0, warn = 0;
    for (size_t i = from; i < f->count; i++) {
        const struct deliver_finding *x = &f->items[i];
        if (x->severity == DELIVER_SEVERITY_ERROR) {
            errors++;
            if (strcmp(x->id, "dkim.key_revoked") != 0) {
                revoked_only = 0;
            }
        } else if (x->severity == DELIVER_SEVERITY_WARNING) {
            warn = 1;
            if (strcmp(x->id, "dkim.key_weak") == 0) {
                weak = 1;
            }
        }
    }
    if (errors) {
        return revoked_only ? DELIVER_DKIM_GRADE_REVOKED : DELIVER_DKIM_GRADE_FAIL;
    }
    if (weak) {
        return DELIVER_DKIM_GRADE_WEAK;
    }
    return warn ? DELIVER_DKIM_GRADE_WARNING : DELIVER_DKIM_GRADE_PASS;
}

int dlv_dkim_key_parse(deliver_ctx *ctx, const char *s, size_t n, dlv_findings *f, int long_note,
                       dlv_dkim_keyrec *out)
{
    dlv_dkim_tag tags[DLV_DKIM_MAX_TAGS];
    size_t count = 0, err_off = 0;
    int fws = 0;
    char loc[64] = "";
    size_t from = f ? f->count : 0;
    uint8_t *der = NULL;
    memset(out, 0, sizeof(*out));
    out->unusable = "key-syntax";

    size_t k0 = 0;
    while (k0 < n && (s[k0] == ' ' || s[k0] == '\t')) {
        k0++;
    }
    if (k0 == n) {
        ADDH("dkim.key_empty", DELIVER_SEVERITY_ERROR,
             "publish v=DKIM1; k=rsa; p=<base64 public key>", "empty TXT record");
        goto done;
    }
    int tr = dlv_dkim_tags(s, n, tags, &count, &err_off, &fws);
    if (tr != DLV_TAGS_OK) {
        snprintf(loc, sizeof(loc), "offset %zu", err_off);
        if (tr == DLV_TAGS_DUPLICATE) {
            ADD("dkim.key_duplicate_tag", DELIVER_SEVERITY_ERROR,
                "a tag appears twice (offset %zu): the tag list is invalid (RFC 6376 3.2)",
                err_off);
        } else {
            ADD("dkim.key_syntax", DELIVER_SEVERITY_ERROR,
                "malformed tag list (tag without '=' or bad tag name) at offset %zu", err_off);
        }
        goto done;
    }
    const dlv_dkim_tag *v = dlv_dkim_tag_find(tags, count, "v");
    if (v) {
        if (!dlv_dkim_tag_is(v, "DKIM1")) {
            snprintf(loc, sizeof(loc), "offset %zu", v->off);
            if (v->val_len >= 4 && strncmp(v->val, "DKIM", 4) == 0) {
                ADD("dkim.key_bad_version", DELIVER_SEVERITY_ERROR,
                    "v=%.*s: not DKIM1, the record must be ignored", (int)v->val_len, v->val);
            } else {
                ADD("dkim.key_not_dkim", DELIVER_SEVERITY_ERROR,
                    "TXT at the selector name is not a DKIM key record (v=%.*s)",
                    (int)(v->val_len > 40 ? 40 : v->val_len), v->val);
            }
            goto done;
        }
        if (v != &tags[0]) {
            snprintf(loc, sizeof(loc), "offset %zu", v->off);
            ADDH("dkim.key_version_not_first", DELIVER_SEVERITY_ERROR, "put v=DKIM1 first",
                 "v= must be the first tag when present (RFC 6376 3.6.1)");
            goto done;
        }
    }
    const dlv_dkim_tag *p = dlv_dkim_tag_find(tags, count, "p");
    const dlv_dkim_tag *kt = dlv_dkim_tag_find(tags, count, "k");
    const dlv_dkim_tag *h = dlv_dkim_tag_find(tags, count, "h");
    const dlv_dkim_tag *st = dlv_dkim_tag_find(tags, count, "s");
    const dlv_dkim_tag *t = dlv_dkim_tag_find(tags, count, "t");
    if (!p) {
        if (!v && !kt) {
            ADD("dkim.key_not_dkim", DELIVER_SEVERITY_ERROR,
                "TXT at the selector name is not a DKIM key record (no v= and no p=)");
        } else {
            ADDH("dkim.key_missing_p", DELIVER_SEVERITY_ERROR, "publish p=<base64 public key>",
                 "required p= tag absent (an empty p= would mean revoked)");
        }
        goto done;
    }
    if (!v) {
        ADD("dkim.key_missing_version", DELIVER_SEVERITY_INFO,
            "v= is optional; v=DKIM1 first is recommended for clarity");
    }
    /* unknown and obsolete tags */
    for (size_t i = 0; i < count; i++) {
        const dlv_dkim_tag *x = &tags[i];
        if (x->name_len == 1 && strchr("vhknpst", x->name[0])) {
            continue;
        }
        snprintf(loc, sizeof(loc), "offset %zu", x->off);
        if (x->name_len == 1 && x->name[0] == 'g') {
            ADD("dkim.key_obsolete_g", DELIVER_SEVERITY_INFO,
                "g= was removed in RFC 6376 and is ignored");
        } else {
            ADD("dkim.key_unknown_tag", DELIVER_SEVERITY_INFO,
                "unknown tag '%.*s' is ignored", (int)x->name_len, x->name);
        }
        loc[0] = '\0';
    }
    const dlv_dkim_tag *nt = dlv_dkim_tag_find(tags, count, "n");
    if (nt) {
        ADD("dkim.key_notes", DELIVER_SEVERITY_INFO, "n= notes for humans, no effect: %.*s",
            (int)(nt->val_len > 80 ? 80 : nt->val_len), nt->val);
    }
    /* k= */
    deliver_dkim_key_type want = DELIVER_DKIM_KEY_RSA;
    int k_given = kt != NULL;
    if (kt) {
        if (dlv_dkim_tag_is(kt, "rsa")) {
            want = DELIVER_DKIM_KEY_RSA;
        } else if (dlv_dkim_tag_is(kt, "ed25519")) {
            want = DELIVER_DKIM_KEY_ED25519;
        } else {
            snprintf(loc, sizeof(loc), "offset %zu", kt->off);
            ADD("dkim.key_type_unknown", DELIVER_SEVERITY_ERROR,
                "k=%.*s is not a registered DKIM key type", (int)(kt->val_len > 20 ? 20 : kt->val_len),
                kt->val);
            out->unusable = "key-type-unknown";
            goto done;
        }
    }
    /* h= */
    if (h) {
        out->h_present = 1;
        out->h_sha1 = list_has(h, "sha1");
        out->h_sha256 = list_has(h, "sha256");
        snprintf(loc, sizeof(loc), "offset %zu", h->off);
        if (out->h_sha256 && out->h_sha1) {
            ADDH("dkim.key_hash_allows_sha1", DELIVER_SEVERITY_WARNING, "publish h=sha256",
                 "h= still allows sha1; drop it (RFC 8301)");
        } else if (out->h_sha256) {
            ADD("dkim.key_hash_sha256_only", DELIVER_SEVERITY_INFO,
                "h=sha256: the key cannot be used with rsa-sha1");
        } else if (out->h_sha1) {
            ADDH("dkim.key_hash_sha1_only", DELIVER_SEVERITY_ERROR, "publish h=sha256 or drop h=",
                 "h=sha1 only: rsa-sha256 signatures cannot validate and rsa-sha1 is forbidden "
                 "by RFC 8301");
        } else {
            ADD("dkim.key_hash_unusable", DELIVER_SEVERITY_ERROR,
                "h= lists no hash algorithm a verifier supports");
        }
        loc[0] = '\0';
    } else {
        out->h_sha1 = out->h_sha256 = 1;
    }
    /* s= */
    out->svc_ok = 1;
    if (st) {
        snprintf(loc, sizeof(loc), "offset %zu", st->off);
        if (list_has(st, "*")) {
            /* all services */
        } else if (list_has(st, "email")) {
            ADD("dkim.key_service_email", DELIVER_SEVERITY_INFO, "s= includes email");
        } else if (list_has(st, "tlsrpt")) {
            out->svc_ok = 0;
            ADDH("dkim.key_service_tlsrpt", DELIVER_SEVERITY_WARNING,
                 "publish a separate selector for mail",
                 "s=tlsrpt (RFC 8460): the key is not usable for ordinary mail");
        } else {
            out->svc_ok = 0;
            ADDH("dkim.key_service_not_email", DELIVER_SEVERITY_ERROR, "use s=email or drop s=",
                 "s= lists neither 'email' nor '*': the key is not usable for mail");
        }
        loc[0] = '\0';
    }
    /* t= */
    if (t) {
        static const char *const flags[] = {"y", "s"};
        out->testing = list_has(t, "y");
        out->strict = list_has(t, "s");
        snprintf(loc, sizeof(loc), "offset %zu", t->off);
        if (out->testing) {
            ADDH("dkim.key_testing", DELIVER_SEVERITY_WARNING, "remove t=y once signing works",
                 "t=y: the domain is testing DKIM; RFC 6376 3.6.1 tells verifiers to treat its "
                 "mail like unsigned mail");
        }
        if (out->strict) {
            ADD("dkim.key_strict", DELIVER_SEVERITY_INFO,
                "t=s: the i= domain must equal d=, no subdomains");
        }
        if (!list_only(t, flags, 2)) {
            ADD("dkim.key_unknown_flag", DELIVER_SEVERITY_INFO,
                "unknown t= flag is ignored (RFC 6376 3.6.1)");
        }
        loc[0] = '\0';
    }
    /* p= */
    snprintf(loc, sizeof(loc), "offset %zu", p->off);
    if (p->val_len == 0) {
        ADDH("dkim.key_revoked", DELIVER_SEVERITY_ERROR,
             "publish a new key under a new selector", "empty p=: the key was revoked, every "
             "signature with this selector fails");
        out->revoked = 1;
        out->unusable = "key-revoked";
        goto done;
    }
    der = dlv_alloc(ctx, p->val_len * 3 / 4 + 4);
    if (!der) {
        goto nomem;
    }
    long dl = dlv_dkim_b64_decode(p->val, p->val_len, der);
    if (dl < 0) {
        ADD("dkim.key_bad_base64", DELIVER_SEVERITY_ERROR, "p= contains characters outside base64");
        goto done;
    }
    EVP_PKEY *pk = NULL;
    deliver_dkim_key_type got = DELIVER_DKIM_KEY_UNKNOWN;
    {
        const unsigned char *q = der;
        pk = d2i_PUBKEY(NULL, &q, dl);
        if (pk && q == der + dl) {
            int id = EVP_PKEY_get_base_id(pk);
            got = id == EVP_PKEY_RSA ? DELIVER_DKIM_KEY_RSA
                  : id == EVP_PKEY_ED25519 ? DELIVER_DKIM_KEY_ED25519 : DELIVER_DKIM_KEY_UNKNOWN;
        } else {
            EVP_PKEY_free(pk);
            pk = NULL;
            q = der;
            pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, dl);
            if (pk && q == der + dl) {
                got = DELIVER_DKIM_KEY_RSA;
                out->pkcs1 = 1;
            } else {
                EVP_PKEY_free(pk);
                pk = NULL;
                if (dl == 32) {
                    pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, 32);
                    got = pk ? DELIVER_DKIM_KEY_ED25519 : DELIVER_DKIM_KEY_UNKNOWN;
                }
            }
        }
    }
    if (want == DELIVER_DKIM_KEY_ED25519 && got == DELIVER_DKIM_KEY_ED25519 && out->pkcs1 == 0 &&
        dl != 32) {
        /* an Ed25519 SubjectPublicKeyInfo: RFC 8463 wants the 32 raw octets */
        EVP_PKEY_free(pk);
        pk = NULL;
        ADD("dkim.key_ed25519_length", DELIVER_SEVERITY_ERROR,
            "Ed25519 p= must be the 32 raw key octets, not a SubjectPublicKeyInfo");
        goto done;
    }
    if (!pk) {
        if (want == DELIVER_DKIM_KEY_ED25519) {
            ADD("dkim.key_ed25519_length", DELIVER_SEVERITY_ERROR,
                "Ed25519 p= decodes to %ld octets, not 32", dl);
        } else {
            ADDH("dkim.key_bad_der", DELIVER_SEVERITY_ERROR, "publish the whole key again",
                 "p= is base64 but not a complete DER public key (copy/paste truncation?)");
        }
        goto done;
    }
    if (got != want) {
        EVP_PKEY_free(pk);
        out->type = got;
        if (want == DELIVER_DKIM_KEY_ED25519) {
            ADD("dkim.key_type_mismatch", DELIVER_SEVERITY_ERROR,
                "k=ed25519 but p= holds an RSA key");
        } else {
            ADDH("dkim.key_type_mismatch", DELIVER_SEVERITY_ERROR, "add k=ed25519",
                 "%s, but p= holds a 32-octet Ed25519 key",
                 k_given ? "k=rsa" : "k= omitted means rsa");
        }
        out->unusable = "key-type-mismatch";
        goto done;
    }
    out->pkey = pk;
    out->type = got;
    out->bits = (unsigned)EVP_PKEY_get_bits(pk);
    if (got == DELIVER_DKIM_KEY_ED25519) {
        out->bits = 256;
    }
    out->unusable = out->svc_ok ? NULL : "key-service-type";
    /* which published test key? compare the p= text without white space */
    for (size_t i = 0; i < DLV_ARRAY_LEN(published_keys); i++) {
        const char *pkt = published_keys[i];
        size_t j = 0, m = 0, pl = strlen(pkt);
        int same = 1;
        for (; j < p->val_len && same; j++) {
            char c = p->val[j];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                continue;
            }
            same = m < pl && pkt[m] == c;
            m++;
        }
        if (same && m == pl) {
            ADDH("dkim.key_published", DELIVER_SEVERITY_ERROR, "generate a key of your own",
                 "this public key is a published test key: its private key is in an RFC");
        }
    }
    size_t hard = f ? f->count : 0;
    if (got == DELIVER_DKIM_KEY_RSA && out->pkcs1) {
        ADDH("dkim.key_not_spki", DELIVER_SEVERITY_WARNING,
             "publish the SubjectPublicKeyInfo form (openssl rsa -pubout)",
             "bare PKCS#1 RSAPublicKey, not wrapped in SubjectPublicKeyInfo: valid per RFC 6376 "
             "3.6.1 (erratum 3017), but libopendkim rejects it");
    }
    if (f && !only_published_errors(f, from)) {
        /* the key cannot be used anyway: its size is beside the point */
        goto done;
    }
    if (got == DELIVER_DKIM_KEY_ED25519) {
        ADD("dkim.key_ed25519", DELIVER_SEVERITY_INFO,
            "Ed25519 key (RFC 8463); many receivers still cannot verify it, pair it with an RSA "
            "signature");
    } else if (out->bits < 1024) {
        ADDH("dkim.key_too_short", DELIVER_SEVERITY_ERROR, "publish a 2048-bit RSA key",
             "RSA %u-bit key: below 1024 bits, RFC 8301 verifiers must not accept it", out->bits);
    } else if (out->bits < 2048) {
        ADDH("dkim.key_weak", DELIVER_SEVERITY_WARNING, "rotate to a 2048-bit key",
             "RSA %u-bit key: 1024 bits is the RFC 8301 minimum", out->bits);
    } else {
        ADD("dkim.key_rsa", DELIVER_SEVERITY_INFO, "RSA %u-bit key", out->bits);
    }
    (void)hard;
    if (fws) {
        ADD("dkim.key_whitespace", DELIVER_SEVERITY_INFO,
            "white space around tags and inside p= is legal and ignored");
    }
    if (long_note && n > 255 && f && only_published_errors(f, from)) {
        loc[0] = '\0';
        ADD("dkim.key_long_record", DELIVER_SEVERITY_INFO,
            "record longer than 255 octets: it must be published as several character-strings "
            "(joined with nothing between); some DNS panels mangle it");
    }

done:
    dlv_free(ctx, der);
    if (f) {
        out->grade = grade_of(f, from);
    } else {
        out->grade = out->unusable ? DELIVER_DKIM_GRADE_FAIL : DELIVER_DKIM_GRADE_PASS;
    }
    return 0;
nomem:
    dlv_free(ctx, der);
    dlv_dkim_keyrec_clear(out);
    return -1;
}

/* ---- the key checker handle ---- */

enum { K_IDLE, K_RUNNING, K_DONE };

struct deliver_dkim_key {
    deliver_ctx *ctx;
    dlv_errmsg err;
    dlv_findings findings;
    dlv_qset qs;
    int state;
    char name[DLV_DNS_NAME_BUF];
    char *record;
    dlv_dkim_keyrec rec;
    deliver_dkim_key_grade grade;
};

deliver_status deliver_dkim_key_new(deliver_dkim_key **out, deliver_ctx *ctx)
{
    if (!out) {
        return DELIVER_E_INVALID;
    }
    *out = NULL;
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    deliver_dkim_key *k = dlv_calloc(ctx, 1, sizeof(*k));
    if (!k) {
        return DELIVER_E_NOMEM;
    }
    k->ctx = dlv_ctx_ref(ctx);
    dlv_findings_init(&k->findings, ctx);
    dlv_qset_init(&k->qs, ctx);
    *out = k;
    return DELIVER_OK;
}

static void key_reset(deliver_dkim_key *k)
{
    dlv_findings_clear(&k->findings);
    dlv_qset_clear(&k->qs);
    dlv_qset_init(&k->qs, k->ctx);
    dlv_free(k->ctx, k->record);
    k->record = NULL;
    dlv_dkim_keyrec_clear(&k->rec);
    k->name[0] = '\0';
    k->grade = DELIVER_DKIM_GRADE_UNKNOWN;
    k->state = K_IDLE;
    dlv_err_clear(&k->err);
}

void deliver_dkim_key_free(deliver_dkim_key *k)
{
    if (!k) {
        return;
    }
    deliver_ctx *ctx = k->ctx;
    key_reset(k);
    dlv_qset_clear(&k->qs);
    dlv_free(ctx, k);
    dlv_ctx_unref(ctx);
}

const char *deliver_dkim_key_errmsg(const deliver_dkim_key *k)
{
    return k ? k->err.text : "";
}

deliver_status deliver_dkim_key_check_record(deliver_dkim_key *k, const char *text, size_t len)
{
    if (!k || (!text && len > 0)) {
        return DELIVER_E_INVALID;
    }
    key_reset(k);
    k->record = dlv_strndup(k->ctx, text ? text : "", len);
    if (!k->record || dlv_dkim_key_parse(k->ctx, k->record, len, &k->findings, 1, &k->rec) < 0) {
        key_reset(k);
        return dlv_err(&k->err, DELIVER_E_NOMEM, "out of memory");
    }
    k->grade = k->rec.grade;
    k->state = K_DONE;
    return DELIVER_OK;
}

deliver_status deliver_dkim_key_start(deliver_dkim_key *k, const char *selector,
                                      const char *domain)
{
    if (!k || !selector || !domain) {
        return DELIVER_E_INVALID;
    }
    key_reset(k);
    char dom[DLV_DOMAIN_MAX + 1];
    const char *why = NULL;
    if (dlv_domain_normalize(domain, strlen(domain), dom, 0, &why) < 0) {
        return dlv_err(&k->err, DELIVER_E_INVALID, "bad domain: %s", why ? why : "invalid");
    }
    size_t sl = strlen(selector);
    if (sl == 0 || sl > 200 || strspn(selector, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                  "0123456789-_.") != sl) {
        return dlv_err(&k->err, DELIVER_E_INVALID, "bad selector");
    }
    snprintf(k->name, sizeof(k->name), "%s._domainkey.%s", selector, dom);
    if (dlv_qset_add(&k->qs, k->name, DELIVER_DNS_TYPE_TXT, 0, NULL) < 0) {
        return dlv_err(&k->err, DELIVER_E_NOMEM, "out of memory");
    }
    k->state = K_RUNNING;
    return DELIVER_OK;
}

static deliver_status key_take(deliver_dkim_key *k, dlv_answer *a)
{
    deliver_status st = DELIVER_OK;
    const char *loc = k->name;
    int r = 0;
    /* a chain in this reply, or a target the question set asked after the first name */
    if (a->ncname > 0 || (a->qname && !dlv_domain_equal(a->qname, k->name))) {
        const char *target = a->ncname > 0 && a->cname[a->ncname - 1].target
                                 ? a->cname[a->ncname - 1].target
                                 : (a->qname ? a->qname : "?");
        r |= dlv_findings_add(&k->findings, "dkim.key_cname", DELIVER_SEVERITY_INFO, loc, NULL,
                              "key published through CNAME delegation to %s", target);
    }
    if (a->outcome == DELIVER_DNS_NXDOMAIN || a->outcome == DELIVER_DNS_NODATA) {
        r |= dlv_findings_add(&k->findings, "dkim.key_not_found", DELIVER_SEVERITY_ERROR, loc,
                              "publish the key's TXT record at this name",
                              "no key record at %s (%s)", k->name,
                              deliver_dns_outcome_name(a->outcome));
    } else if (a->outcome != DELIVER_DNS_OK) {
        r |= dlv_findings_add(&k->findings, "dkim.key_dns_error", DELIVER_SEVERITY_ERROR, loc,
                              "check the domain's name servers",
                              "the key lookup failed (%s): verifiers answer temperror",
                              deliver_dns_outcome_name(a->outcome));
    } else if (a->nrr > 1) {
        r |= dlv_findings_add(&k->findings, "dkim.key_multiple_records", DELIVER_SEVERITY_ERROR,
                              loc, "keep one TXT record at the selector",
                              "%zu TXT records at one selector: verifiers may pick any of them "
                              "(libopendkim: 'multiple DNS replies')", a->nrr);
    } else {
        struct deliver_dns_record *rr = &a->rr[0];
        k->record = dlv_strndup(k->ctx, (const char *)rr->joined, rr->joinedlen);
        if (!k->record) {
            r = -1;
        } else {
            size_t before = k->findings.count;
            if (dlv_dkim_key_parse(k->ctx, k->record, rr->joinedlen, &k->findings,
                                   rr->ntxt <= 1, &k->rec) < 0) {
                r = -1;
            } else if (rr->ntxt > 1) {
                int fwsf = 0;
                for (size_t i = before; i < k->findings.count; i++) {
                    if (strcmp(k->findings.items[i].id, "dkim.key_whitespace") == 0) {
                        fwsf = 1;
                    }
                }
                if (!fwsf && k->rec.pkey) {
                    r |= dlv_findings_add(&k->findings, "dkim.key_split_strings",
                                          DELIVER_SEVERITY_INFO, loc, NULL,
                                          "record in %zu character-strings: verifiers join them "
                                          "with nothing between", rr->ntxt);
                }
            }
        }
    }
    dlv_answer_free(a);
    if (r < 0) {
        return dlv_err(&k->err, DELIVER_E_NOMEM, "out of memory");
    }
    k->grade = grade_of(&k->findings, 0);
    k->state = K_DONE;
    return st;
}

deliver_status deliver_dkim_key_step(deliver_dkim_key *k)
{
    if (!k) {
        return DELIVER_E_INVALID;
    }
    if (k->state == K_DONE) {
        return DELIVER_OK;
    }
    if (k->state != K_RUNNING) {
        return dlv_err(&k->err, DELIVER_E_STATE, "the check was not started");
    }
    return DELIVER_PENDING;
}

size_t deliver_dkim_key_query_count(const deliver_dkim_key *k)
{
    return k && k->state == K_RUNNING ? dlv_qset_open_count(&k->qs) : 0;
}

deliver_status deliver_dkim_key_get_query(const deliver_dkim_key *k, size_t i, uint64_t *id,
                                          const char **qname, uint16_t *qtype)
{
    return k ? dlv_qset_get_query(&k->qs, i, id, qname, qtype) : DELIVER_E_INVALID;
}

deliver_status deliver_dkim_key_answer(deliver_dkim_key *k, uint64_t id,
                                       deliver_dns_outcome outcome, const uint8_t *msg,
                                       size_t len)
{
    if (!k) {
        return DELIVER_E_INVALID;
    }
    if (k->state != K_RUNNING) {
        return dlv_err(&k->err, DELIVER_E_STATE, "the check is not waiting for answers");
    }
    int tag = 0;
    dlv_answer *a = NULL;
    deliver_status st = dlv_qset_answer(&k->qs, &k->err, id, outcome, msg, len, &tag, &a);
    if (st < 0) {
        return st;
    }
    return a ? key_take(k, a) : DELIVER_OK;
}

static deliver_status kcore_step(void *core)
{
    return deliver_dkim_key_step(core);
}

static dlv_qset *kcore_qset(void *core)
{
    return &((deliver_dkim_key *)core)->qs;
}

static deliver_status kcore_take(void *core, uint64_t id, int tag, dlv_answer *a)
{
    (void)id;
    (void)tag;
    deliver_dkim_key *k = core;
    return key_take(k, a);
}

static const dlv_core_ops key_ops = {kcore_step, kcore_qset, kcore_take};

deliver_status deliver_dkim_key_check(deliver_dkim_key *k, const char *selector,
                                      const char *domain)
{
    deliver_status st = deliver_dkim_key_start(k, selector, domain);
    if (st < 0) {
        return st;
    }
    st = dlv_dns_drive(k->ctx, &key_ops, k, &k->err);
    if (st < 0) {
        k->state = K_IDLE;
    }
    return st;
}

deliver_dkim_key_grade deliver_dkim_key_get_grade(const deliver_dkim_key *k)
{
    return k ? k->grade : DELIVER_DKIM_GRADE_UNKNOWN;
}

deliver_dkim_key_type deliver_dkim_key_get_type(const deliver_dkim_key *k)
{
    return k ? k->rec.type : DELIVER_DKIM_KEY_UNKNOWN;
}

unsigned deliver_dkim_key_get_bits(const deliver_dkim_key *k)
{
    return k && k->rec.pkey ? k->rec.bits : 0;
}

const char *deliver_dkim_key_get_record(const deliver_dkim_key *k)
{
    return k && k->record ? k->record : "";
}

const char *deliver_dkim_key_get_name(const deliver_dkim_key *k)
{
    return k ? k->name : "";
}

size_t deliver_dkim_key_finding_count(const deliver_dkim_key *k)
{
    return k ? k->findings.count : 0;
}

const deliver_finding *deliver_dkim_key_get_finding(const deliver_dkim_key *k, size_t i)
{
    return k ? dlv_findings_get(&k->findings, i) : NULL;
}

const char *deliver_dkim_key_grade_name(deliver_dkim_key_grade g)
{
    switch (g) {
    case DELIVER_DKIM_GRADE_PASS:
        return "pass";
    case DELIVER_DKIM_GRADE_WEAK:
        return "weak";
    case DELIVER_DKIM_GRADE_WARNING:
        return "warning";
    case DELIVER_DKIM_GRADE_REVOKED:
        return "revoked";
    case DELIVER_DKIM_GRADE_FAIL:
        return "fail";
    default:
        return "unknown";
    }
}

const char *deliver_dkim_result_name(deliver_dkim_result r)
{
    switch (r) {
    case DELIVER_DKIM_NONE:
        return "none";
    case DELIVER_DKIM_PASS:
        return "pass";
    case DELIVER_DKIM_FAIL:
        return "fail";
    case DELIVER_DKIM_POLICY:
        return "policy";
    case DELIVER_DKIM_NEUTRAL:
        return "neutral";
    case DELIVER_DKIM_TEMPERROR:
        return "temperror";
    case DELIVER_DKIM_PERMERROR:
        return "permerror";
    default:
        return "unknown";
    }
}

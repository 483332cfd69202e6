/*
 * deliver_dnsbl: DNS block- and allowlist lookups (RFC 5782). A sans-I/O core that asks every
 * list's questions at once (A, TXT, the RFC 5782 test points), decodes the codes with the
 * catalogue, scores postscreen-style; the blocking call drives it through the context.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dnsbl/dnsbl_int.h"
#include "core/ip.h"
#include "dns/dns.h"

#include <stdio.h>
#include <string.h>

enum { S_IDLE, S_RUNNING, S_DONE };
enum { Q_A = 0, Q_TXT = 1, Q_POS = 2, Q_NEG = 3, Q_KINDS = 4 };
enum { K_IP4 = 4, K_IP6 = 6, K_DOMAIN = 1 };

typedef struct code_def {
    dlv_dnsbl_pat pat;
    deliver_dnsbl_code_kind kind;
    char *meaning;
} code_def;

typedef struct list_def {
    char *zone;
    unsigned flags;
    int weight;
    char *desc;
    char *filter; /* default filter text, or NULL */
    dlv_dnsbl_pat fpat;
    code_def *codes;
    size_t ncodes, capcodes;
} list_def;

typedef struct entry {
    char *zone;
    char *filter; /* as written, or NULL */
    dlv_dnsbl_pat pat;
    int weight;
    int weight_given;
} entry;

typedef struct code {
    uint8_t a[4];
    char text[16];
    int kind; /* deliver_dnsbl_code_kind or DLV_DNSBL_CODE_OUTSIDE */
    const char *meaning;
} code;

typedef struct zstate {
    const char *zone;
    const char *desc;
    unsigned flags;
    int known; /* in the catalogue */
    const list_def *def;
    char qname[DLV_DOMAIN_MAX + 2];
    int asked, skipped, retired;
    deliver_dns_outcome a_outcome;
    code codes[DLV_DNSBL_MAX_CODES];
    size_t ncodes;
    dlv_buf txt;
    int txt_asked;
    int pos, neg; /* self-check: 0 not asked/pending, 1 pass, -1 fail */
    const char *pos_why, *neg_why;
    deliver_dnsbl_status raw;
} zstate;

typedef struct result {
    size_t z;
    const char *zone, *filter;
    int weight;
    deliver_dnsbl_status status;
    uint32_t match; /* bit j: code j passes the filter */
} result;

struct deliver_dnsbl {
    deliver_ctx *ctx;
    dlv_errmsg err;
    size_t err_off;
    list_def *cat;
    size_t ncat, capcat;
    entry *ent;
    size_t nent, capent;
    int threshold, allow_threshold;
    int64_t timeout_ms;
    deliver_dnsbl_txt_mode txt_mode;
    int self_check, ignore_kinds;
    /* the last check */
    int state;
    char subject[DLV_DOMAIN_MAX + 1];
    int skind;
    dlv_ip ip;
    dlv_qset qs;
    dlv_arena arena;
    zstate *z;
    size_t nz;
    result *res;
    size_t nres;
    int score;
    deliver_dnsbl_verdict verdict;
    dlv_findings findings;
};

/* ---- names ---- */

const char *deliver_dnsbl_status_name(deliver_dnsbl_status s)
{
    static const char *const names[] = {"not_listed", "listed",  "filtered", "error",
                                        "timeout",    "unusable", "retired", "skipped"};
    return (unsigned)s < DLV_ARRAY_LEN(names) ? names[s] : "unknown";
}

const char *deliver_dnsbl_verdict_name(deliver_dnsbl_verdict v)
{
    switch (v) {
    case DELIVER_DNSBL_VERDICT_PASS:
        return "pass";
    case DELIVER_DNSBL_VERDICT_LISTED:
        return "listed";
    case DELIVER_DNSBL_VERDICT_ALLOWLISTED:
        return "allowlisted";
    case DELIVER_DNSBL_VERDICT_UNKNOWN:
        return "unknown";
    }
    return "unknown";
}

/* ---- catalogue ---- */

static void list_def_free(deliver_ctx *ctx, list_def *d)
{
    for (size_t i = 0; i < d->ncodes; i++) {
        dlv_free(ctx, d->codes[i].meaning);
    }
    dlv_free(ctx, d->codes);
    dlv_free(ctx, d->zone);
    dlv_free(ctx, d->desc);
    dlv_free(ctx, d->filter);
    memset(d, 0, sizeof(*d));
}

static list_def *find_def(const deliver_dnsbl *h, const char *zone)
{
    for (size_t i = 0; i < h->ncat; i++) {
        if (dlv_domain_equal(h->cat[i].zone, zone)) {
            return &h->cat[i];
        }
    }
    return NULL;
}

static deliver_status norm_zone(deliver_dnsbl *h, const char *zone, size_t len, char *out)
{
    const char *why = NULL;
    if (!zone || dlv_domain_normalize(zone, len, out, 0, &why) != DELIVER_OK) {
        return dlv_err(&h->err, DELIVER_E_INVALID, "invalid zone: %s", why ? why : "none");
    }
    return DELIVER_OK;
}

static deliver_status define_list(deliver_dnsbl *h, const char *zone, unsigned flags,
                                  const char *desc, int weight, const char *filter)
{
    char z[DLV_DOMAIN_MAX + 1];
    deliver_status st = norm_zone(h, zone, zone ? strlen(zone) : 0, z);
    if (st < 0) {
        return st;
    }
    unsigned kinds = DELIVER_DNSBL_IPV4 | DELIVER_DNSBL_IPV6 | DELIVER_DNSBL_DOMAIN;
    if ((flags & ~(kinds | DELIVER_DNSBL_ALLOWLIST | DELIVER_DNSBL_RETIRED)) ||
        (!(flags & kinds) && !(flags & DELIVER_DNSBL_RETIRED))) {
        return dlv_err(&h->err, DELIVER_E_INVALID, "bad list flags 0x%x", flags);
    }
    list_def nd = {0};
    nd.zone = dlv_strdup(h->ctx, z);
    nd.desc = dlv_strdup(h->ctx, desc ? desc : "");
    nd.flags = flags;
    nd.weight = weight;
    if (filter) {
        size_t off;
        const char *why;
        if (dlv_dnsbl_pat_parse(filter, strlen(filter), &nd.fpat, &off, &why) < 0) {
            list_def_free(h->ctx, &nd);
            return dlv_err(&h->err, DELIVER_E_PARSE, "bad filter at offset %zu: %s", off, why);
        }
        nd.filter = dlv_strdup(h->ctx, filter);
    }
    if (!nd.zone || !nd.desc || (filter && !nd.filter)) {
        list_def_free(h->ctx, &nd);
        return DELIVER_E_NOMEM;
    }
    list_def *old = find_def(h, z);
    if (old) {
        list_def_free(h->ctx, old);
        *old = nd;
        return DELIVER_OK;
    }
    if (dlv_grow(h->ctx, (void **)&h->cat, &h->capcat, h->ncat + 1, sizeof(*h->cat)) < 0) {
        list_def_free(h->ctx, &nd);
        return DELIVER_E_NOMEM;
    }
    h->cat[h->ncat++] = nd;
    return DELIVER_OK;
}

deliver_status deliver_dnsbl_define_list(deliver_dnsbl *h, const char *zone, unsigned flags,
                                         const char *description, int weight)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&h->err);
    return define_list(h, zone, flags, description, weight, NULL);
}

deliver_status deliver_dnsbl_define_code(deliver_dnsbl *h, const char *zone, const char *pattern,
                                         deliver_dnsbl_code_kind kind, const char *meaning)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&h->err);
    if (!zone || !pattern || kind < DELIVER_DNSBL_CODE_LISTED ||
        kind > DELIVER_DNSBL_CODE_BAD_QUERY) {
        return dlv_err(&h->err, DELIVER_E_INVALID, "missing zone or pattern, or bad kind");
    }
    char z[DLV_DOMAIN_MAX + 1];
    deliver_status st = norm_zone(h, zone, strlen(zone), z);
    if (st < 0) {
        return st;
    }
    list_def *d = find_def(h, z);
    if (!d) {
        return dlv_err(&h->err, DELIVER_E_NOTFOUND, "%s is not in the catalogue", z);
    }
    code_def c = {0};
    size_t off;
    const char *why;
    if (dlv_dnsbl_pat_parse(pattern, strlen(pattern), &c.pat, &off, &why) < 0) {
        h->err_off = off;
        return dlv_err(&h->err, DELIVER_E_PARSE, "bad code pattern at offset %zu: %s", off, why);
    }
    c.kind = kind;
    c.meaning = dlv_strdup(h->ctx, meaning ? meaning : "");
    if (!c.meaning ||
        dlv_grow(h->ctx, (void **)&d->codes, &d->capcodes, d->ncodes + 1, sizeof(*d->codes)) < 0) {
        dlv_free(h->ctx, c.meaning);
        return DELIVER_E_NOMEM;
    }
    d->codes[d->ncodes++] = c;
    return DELIVER_OK;
}

deliver_status deliver_dnsbl_clear_catalogue(deliver_dnsbl *h)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    for (size_t i = 0; i < h->ncat; i++) {
        list_def_free(h->ctx, &h->cat[i]);
    }
    h->ncat = 0;
    return DELIVER_OK;
}

static deliver_status load_builtins(deliver_dnsbl *h)
{
    for (size_t i = 0; i < dlv_dnsbl_catalogue_len; i++) {
        const dlv_dnsbl_cat_list *l = &dlv_dnsbl_catalogue[i];
        deliver_status st = define_list(h, l->zone, l->flags, l->description, l->weight,
                                        l->filter);
        for (size_t t = 0; st == DELIVER_OK && t < DLV_ARRAY_LEN(l->codes) && l->codes[t]; t++) {
            for (const dlv_dnsbl_cat_code *c = l->codes[t]; st == DELIVER_OK && c->pattern; c++) {
                st = deliver_dnsbl_define_code(h, l->zone, c->pattern, c->kind, c->meaning);
            }
        }
        if (st < 0) {
            return st;
        }
    }
    return DELIVER_OK;
}

size_t deliver_dnsbl_catalogue_count(const deliver_dnsbl *h)
{
    return h ? h->ncat : 0;
}

const char *deliver_dnsbl_catalogue_get_zone(const deliver_dnsbl *h, size_t i)
{
    return h && i < h->ncat ? h->cat[i].zone : NULL;
}

unsigned deliver_dnsbl_catalogue_get_flags(const deliver_dnsbl *h, size_t i)
{
    return h && i < h->ncat ? h->cat[i].flags : 0;
}

const char *deliver_dnsbl_catalogue_get_description(const deliver_dnsbl *h, size_t i)
{
    return h && i < h->ncat ? h->cat[i].desc : NULL;
}

/* ---- handle ---- */

static void reset_run(deliver_dnsbl *h)
{
    for (size_t i = 0; i < h->nz; i++) {
        dlv_buf_free(&h->z[i].txt);
    }
    dlv_free(h->ctx, h->z);
    h->z = NULL;
    h->nz = 0;
    dlv_free(h->ctx, h->res);
    h->res = NULL;
    h->nres = 0;
    dlv_qset_clear(&h->qs);
    dlv_qset_init(&h->qs, h->ctx);
    dlv_arena_clear(&h->arena);
    dlv_findings_clear(&h->findings);
    h->subject[0] = '\0';
    h->score = 0;
    h->verdict = DELIVER_DNSBL_VERDICT_UNKNOWN;
    h->state = S_IDLE;
}

deliver_status deliver_dnsbl_new(deliver_dnsbl **out, deliver_ctx *ctx)
{
    if (!out) {
        return DELIVER_E_INVALID;
    }
    *out = NULL;
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    deliver_dnsbl *h = dlv_calloc(ctx, 1, sizeof(*h));
    if (!h) {
        return DELIVER_E_NOMEM;
    }
    h->ctx = dlv_ctx_ref(ctx);
    dlv_qset_init(&h->qs, ctx);
    dlv_arena_init(&h->arena, ctx);
    dlv_findings_init(&h->findings, ctx);
    h->threshold = 1;
    h->allow_threshold = -1;
    h->timeout_ms = 5000;
    h->txt_mode = DELIVER_DNSBL_TXT_WITH_A;
    h->verdict = DELIVER_DNSBL_VERDICT_UNKNOWN;
    if (load_builtins(h) < 0) {
        deliver_dnsbl_free(h);
        return DELIVER_E_NOMEM;
    }
    *out = h;
    return DELIVER_OK;
}

static void free_entries(deliver_dnsbl *h)
{
    for (size_t i = 0; i < h->nent; i++) {
        dlv_free(h->ctx, h->ent[i].zone);
        dlv_free(h->ctx, h->ent[i].filter);
    }
    h->nent = 0;
}

void deliver_dnsbl_free(deliver_dnsbl *h)
{
    if (!h) {
        return;
    }
    deliver_ctx *ctx = h->ctx;
    reset_run(h);
    dlv_qset_clear(&h->qs);
    deliver_dnsbl_clear_catalogue(h);
    dlv_free(ctx, h->cat);
    free_entries(h);
    dlv_free(ctx, h->ent);
    dlv_free(ctx, h);
    dlv_ctx_unref(ctx);
}

const char *deliver_dnsbl_errmsg(const deliver_dnsbl *h)
{
    return h ? h->err.text : "";
}

size_t deliver_dnsbl_error_offset(const deliver_dnsbl *h)
{
    return h ? h->err_off : 0;
}

deliver_status deliver_dnsbl_set_threshold(deliver_dnsbl *h, int threshold)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    h->threshold = threshold;
    return DELIVER_OK;
}

deliver_status deliver_dnsbl_set_allowlist_threshold(deliver_dnsbl *h, int threshold)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    h->allow_threshold = threshold;
    return DELIVER_OK;
}

deliver_status deliver_dnsbl_set_timeout_ms(deliver_dnsbl *h, int64_t ms)
{
    if (!h || ms < 1 || ms > 600000) {
        return DELIVER_E_INVALID;
    }
    h->timeout_ms = ms;
    return DELIVER_OK;
}

int64_t deliver_dnsbl_get_timeout_ms(const deliver_dnsbl *h)
{
    return h ? h->timeout_ms : 0;
}

deliver_status deliver_dnsbl_set_txt(deliver_dnsbl *h, deliver_dnsbl_txt_mode mode)
{
    if (!h || (unsigned)mode > DELIVER_DNSBL_TXT_WHEN_LISTED) {
        return DELIVER_E_INVALID;
    }
    h->txt_mode = mode;
    return DELIVER_OK;
}

deliver_status deliver_dnsbl_set_self_check(deliver_dnsbl *h, int on)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    h->self_check = on != 0;
    return DELIVER_OK;
}

deliver_status deliver_dnsbl_set_ignore_kinds(deliver_dnsbl *h, int on)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    h->ignore_kinds = on != 0;
    return DELIVER_OK;
}

/* ---- entries: postscreen-style specs ---- */

static int is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One spec buf[0..len) at offset base of the caller's buffer. */
static deliver_status parse_one(deliver_dnsbl *h, const char *buf, size_t len, size_t base,
                                entry *e)
{
    memset(e, 0, sizeof(*e));
    size_t zend = 0;
    while (zend < len && buf[zend] != '=' && buf[zend] != '*') {
        zend++;
    }
    char z[DLV_DOMAIN_MAX + 1];
    const char *why = NULL;
    if (zend == 0 || dlv_domain_normalize(buf, zend, z, 0, &why) != DELIVER_OK) {
        h->err_off = base;
        return dlv_err(&h->err, DELIVER_E_PARSE, "offset %zu: invalid zone: %s", base,
                       zend == 0 ? "empty" : why);
    }
    size_t i = zend;
    size_t fstart = 0, flen = 0;
    if (i < len && buf[i] == '=') {
        fstart = ++i;
        while (i < len && buf[i] != '*') {
            i++;
        }
        flen = i - fstart;
        size_t off;
        if (dlv_dnsbl_pat_parse(buf + fstart, flen, &e->pat, &off, &why) < 0) {
            h->err_off = base + fstart + off;
            return dlv_err(&h->err, DELIVER_E_PARSE, "offset %zu: bad filter: %s", h->err_off,
                           why);
        }
    }
    if (i < len && buf[i] == '*') {
        size_t wstart = ++i;
        int neg = 0;
        if (i < len && (buf[i] == '-' || buf[i] == '+')) {
            neg = buf[i] == '-';
            i++;
        }
        long v = 0;
        size_t d0 = i;
        while (i < len && buf[i] >= '0' && buf[i] <= '9' && i - d0 < 7) {
            v = v * 10 + (buf[i] - '0');
            i++;
        }
        if (i == d0 || i != len) {
            h->err_off = base + (i == d0 ? wstart : i);
            return dlv_err(&h->err, DELIVER_E_PARSE,
                           "offset %zu: the weight must be an integer of up to 7 digits",
                           h->err_off);
        }
        e->weight = (int)(neg ? -v : v);
        e->weight_given = 1;
    }
    e->zone = dlv_strdup(h->ctx, z);
    e->filter = flen ? dlv_strndup(h->ctx, buf + fstart, flen) : NULL;
    if (!e->zone || (flen && !e->filter)) {
        dlv_free(h->ctx, e->zone);
        dlv_free(h->ctx, e->filter);
        return DELIVER_E_NOMEM;
    }
    return DELIVER_OK;
}

deliver_status deliver_dnsbl_add_spec(deliver_dnsbl *h, const char *buf, size_t len)
{
    if (!h || (!buf && len)) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&h->err);
    h->err_off = 0;
    size_t first = h->nent;
    size_t i = 0;
    deliver_status st = DELIVER_OK;
    while (i < len) { /* each turn consumes at least one character */
        if (is_sep(buf[i])) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < len && !is_sep(buf[i])) {
            i++;
        }
        if (h->nent >= DLV_DNSBL_MAX_ENTRIES) {
            h->err_off = s;
            st = dlv_err(&h->err, DELIVER_E_LIMIT, "more than %d entries",
                         DLV_DNSBL_MAX_ENTRIES);
            break;
        }
        if (dlv_grow(h->ctx, (void **)&h->ent, &h->capent, h->nent + 1, sizeof(*h->ent)) < 0) {
            st = DELIVER_E_NOMEM;
            break;
        }
        st = parse_one(h, buf + s, i - s, s, &h->ent[h->nent]);
        if (st < 0) {
            break;
        }
        h->nent++;
    }
    if (st < 0) {
        while (h->nent > first) {
            h->nent--;
            dlv_free(h->ctx, h->ent[h->nent].zone);
            dlv_free(h->ctx, h->ent[h->nent].filter);
        }
    }
    return st;
}

deliver_status deliver_dnsbl_add_catalogue(deliver_dnsbl *h)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    for (size_t i = 0; i < h->ncat; i++) {
        if (dlv_grow(h->ctx, (void **)&h->ent, &h->capent, h->nent + 1, sizeof(*h->ent)) < 0) {
            return DELIVER_E_NOMEM;
        }
        entry *e = &h->ent[h->nent];
        memset(e, 0, sizeof(*e));
        e->zone = dlv_strdup(h->ctx, h->cat[i].zone);
        if (!e->zone) {
            return DELIVER_E_NOMEM;
        }
        h->nent++;
    }
    return DELIVER_OK;
}

deliver_status deliver_dnsbl_clear_entries(deliver_dnsbl *h)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    free_entries(h);
    return DELIVER_OK;
}

/* ---- the core ---- */

static zstate *zone_state(deliver_dnsbl *h, const char *zone, size_t *idx)
{
    for (size_t i = 0; i < h->nz; i++) {
        if (strcmp(h->z[i].zone, zone) == 0) {
            *idx = i;
            return &h->z[i];
        }
    }
    return NULL;
}

static int test_point_name(const deliver_dnsbl *h, const char *zone, int positive, char *out,
                           size_t n)
{
    if (h->skind == K_DOMAIN) {
        int r = snprintf(out, n, "%s.%s", positive ? "test" : "invalid", zone);
        return r < 0 || (size_t)r >= n || r > DLV_DOMAIN_MAX ? -1 : 0;
    }
    dlv_ip tp = {0};
    const char *text = h->skind == K_IP4 ? (positive ? "127.0.0.2" : "127.0.0.1")
                                         : (positive ? "::ffff:7f00:2" : "::ffff:7f00:1");
    if (dlv_ip_parse(text, strlen(text), &tp) < 0) {
        return -1;
    }
    return dlv_ip_reverse_name(&tp, zone, out, n);
}

static deliver_status ask(deliver_dnsbl *h, size_t zi, int kind, const char *qname,
                          uint16_t type)
{
    return dlv_qset_add(&h->qs, qname, type, (int)(zi * Q_KINDS + (size_t)kind), NULL) < 0
               ? DELIVER_E_NOMEM
               : DELIVER_OK;
}

static deliver_status plan_zone(deliver_dnsbl *h, size_t zi)
{
    zstate *z = &h->z[zi];
    if (z->retired) {
        return DELIVER_OK;
    }
    unsigned need = h->skind == K_IP4   ? DELIVER_DNSBL_IPV4
                    : h->skind == K_IP6 ? DELIVER_DNSBL_IPV6
                                        : DELIVER_DNSBL_DOMAIN;
    if (!(z->flags & need) && !h->ignore_kinds) {
        z->skipped = 1;
        return DELIVER_OK;
    }
    int r;
    if (h->skind == K_DOMAIN) {
        r = snprintf(z->qname, sizeof(z->qname), "%s.%s", h->subject, z->zone);
        r = r < 0 || (size_t)r >= sizeof(z->qname) || r > DLV_DOMAIN_MAX ? -1 : 0;
    } else {
        r = dlv_ip_reverse_name(&h->ip, z->zone, z->qname, sizeof(z->qname));
    }
    if (r < 0) {
        z->qname[0] = '\0';
        z->skipped = 1;
        dlv_findings_add(&h->findings, "dnsbl.name_too_long", DELIVER_SEVERITY_WARNING, z->zone,
                         NULL, "the query name for %s would be over 253 octets: not asked",
                         z->zone);
        return DELIVER_OK;
    }
    z->asked = 1;
    deliver_status st = ask(h, zi, Q_A, z->qname, DELIVER_DNS_TYPE_A);
    if (st == DELIVER_OK && h->txt_mode == DELIVER_DNSBL_TXT_WITH_A) {
        z->txt_asked = 1;
        st = ask(h, zi, Q_TXT, z->qname, DELIVER_DNS_TYPE_TXT);
    }
    if (st == DELIVER_OK && h->self_check) {
        char tp[DLV_DOMAIN_MAX + 2];
        for (int pos = 1; pos >= 0 && st == DELIVER_OK; pos--) {
            if (test_point_name(h, z->zone, pos, tp, sizeof(tp)) < 0) {
                continue; /* zone too long for the test point; the query itself fit */
            }
            st = ask(h, zi, pos ? Q_POS : Q_NEG, tp, DELIVER_DNS_TYPE_A);
        }
    }
    return st;
}

deliver_status deliver_dnsbl_start(deliver_dnsbl *h, const char *subject)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&h->err);
    reset_run(h);
    if (!subject) {
        return dlv_err(&h->err, DELIVER_E_INVALID, "no subject");
    }
    size_t sl = strlen(subject);
    if (dlv_ip_parse(subject, sl, &h->ip) == 0) {
        h->skind = h->ip.family == 4 ? K_IP4 : K_IP6;
        dlv_ip_format(&h->ip, h->subject, sizeof(h->subject));
    } else {
        const char *why = NULL;
        if (dlv_domain_normalize(subject, sl, h->subject, DLV_NAME_HOSTNAME, &why) !=
            DELIVER_OK) {
            h->subject[0] = '\0';
            return dlv_err(&h->err, DELIVER_E_INVALID,
                           "not an IP address nor a domain name: %s", why);
        }
        h->skind = K_DOMAIN;
    }
    /* the entries of this check: the caller's, or the whole catalogue */
    size_t n = h->nent ? h->nent : h->ncat;
    h->res = dlv_calloc(h->ctx, n ? n : 1, sizeof(*h->res));
    h->z = dlv_calloc(h->ctx, n ? n : 1, sizeof(*h->z));
    if (!h->res || !h->z) {
        reset_run(h);
        return DELIVER_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const char *zone = h->nent ? h->ent[i].zone : h->cat[i].zone;
        const list_def *d = find_def(h, zone);
        result *r = &h->res[i];
        size_t zi;
        zstate *z = zone_state(h, zone, &zi);
        if (!z) {
            zi = h->nz++;
            z = &h->z[zi];
            z->zone = dlv_arena_strndup(&h->arena, zone, strlen(zone));
            z->def = d;
            z->known = d != NULL;
            z->desc = d ? d->desc : "";
            z->flags = d ? d->flags
                         : DELIVER_DNSBL_IPV4 | DELIVER_DNSBL_IPV6 | DELIVER_DNSBL_DOMAIN;
            z->retired = (z->flags & DELIVER_DNSBL_RETIRED) != 0;
            dlv_buf_init(&z->txt, h->ctx);
            if (!z->zone) {
                reset_run(h);
                return DELIVER_E_NOMEM;
            }
        }
        r->z = zi;
        r->zone = z->zone;
        const entry *e = h->nent ? &h->ent[i] : NULL;
        r->weight = e && e->weight_given ? e->weight : d ? d->weight : 1;
        const char *ftext = e && e->filter ? e->filter : d && d->filter ? d->filter : "";
        r->filter = dlv_arena_strndup(&h->arena, ftext, strlen(ftext));
        if (!r->filter) {
            reset_run(h);
            return DELIVER_E_NOMEM;
        }
    }
    for (size_t zi = 0; zi < h->nz; zi++) {
        if (plan_zone(h, zi) < 0) {
            reset_run(h);
            return DELIVER_E_NOMEM;
        }
    }
    h->nres = n;
    h->state = S_RUNNING;
    return DELIVER_OK;
}

/* Kind and meaning of a code answered by zone z. */
static void classify(deliver_dnsbl *h, const zstate *z, code *c)
{
    snprintf(c->text, sizeof(c->text), "%u.%u.%u.%u", c->a[0], c->a[1], c->a[2], c->a[3]);
    if (c->a[0] != 127) {
        c->kind = DLV_DNSBL_CODE_OUTSIDE;
        c->meaning = "answer outside 127.0.0.0/8: not a listing";
        return;
    }
    const list_def *d = z->def;
    int kind = 0;
    for (size_t i = d ? d->ncodes : 0; i-- > 0;) {
        if (dlv_dnsbl_pat_match(&d->codes[i].pat, c->a)) {
            kind = (int)d->codes[i].kind;
            break;
        }
    }
    if (kind) {
        dlv_buf b;
        dlv_buf_init(&b, h->ctx);
        for (size_t i = 0; i < d->ncodes; i++) {
            if ((int)d->codes[i].kind == kind && dlv_dnsbl_pat_match(&d->codes[i].pat, c->a)) {
                if (b.len) {
                    dlv_buf_puts(&b, "; ");
                }
                dlv_buf_puts(&b, d->codes[i].meaning);
            }
        }
        c->kind = kind;
        c->meaning = b.failed || !b.data ? "" : dlv_arena_strndup(&h->arena, b.data, b.len);
        if (!c->meaning) {
            c->meaning = "";
        }
        dlv_buf_free(&b);
        return;
    }
    if (c->a[1] == 255 && c->a[2] == 255) {
        c->kind = c->a[3] == 252 ? DELIVER_DNSBL_CODE_BAD_QUERY : DELIVER_DNSBL_CODE_BLOCKED;
        c->meaning = c->a[3] == 252   ? "error code: typo or malformed query"
                     : c->a[3] == 254 ? "error code: query came through a public or open "
                                        "resolver, which the list refuses"
                     : c->a[3] == 255 ? "error code: excessive query volume from this resolver"
                                      : "error code of the list (127.255.255.0/24), not a listing";
        return;
    }
    c->kind = DELIVER_DNSBL_CODE_LISTED;
    c->meaning = z->known ? "listed (code not in the catalogue)" : "listed";
}

static size_t collect_codes(deliver_dnsbl *h, const zstate *z, const dlv_answer *a, code *out,
                            size_t max)
{
    size_t n = 0;
    for (size_t i = 0; a->outcome == DELIVER_DNS_OK && i < a->nrr && n < max; i++) {
        const struct deliver_dns_record *rr = &a->rr[i];
        if (rr->type != DELIVER_DNS_TYPE_A || rr->addrlen != 4) {
            continue;
        }
        int dup = 0;
        for (size_t k = 0; k < n && !dup; k++) {
            dup = memcmp(out[k].a, rr->addr, 4) == 0;
        }
        if (dup) {
            continue;
        }
        memcpy(out[n].a, rr->addr, 4);
        classify(h, z, &out[n]);
        n++;
    }
    return n;
}

static int any_kind(const code *c, size_t n, int kind)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i].kind == kind) {
            return 1;
        }
    }
    return 0;
}

static const char *outcome_why(deliver_dns_outcome oc)
{
    switch (oc) {
    case DELIVER_DNS_TIMEOUT:
        return "no answer in time";
    case DELIVER_DNS_NXDOMAIN:
    case DELIVER_DNS_NODATA:
        return "not listed";
    case DELIVER_DNS_OK:
        return "answered";
    default:
        return "the DNS question failed";
    }
}

/* Takes ownership of a. */
static deliver_status take(deliver_dnsbl *h, int tag, dlv_answer *a)
{
    size_t zi = (size_t)tag / Q_KINDS;
    int kind = tag % Q_KINDS;
    if (zi >= h->nz) {
        dlv_answer_free(a);
        return DELIVER_E_STATE;
    }
    zstate *z = &h->z[zi];
    deliver_status st = DELIVER_OK;
    if (kind == Q_A) {
        z->a_outcome = a->outcome;
        z->ncodes = collect_codes(h, z, a, z->codes, DLV_DNSBL_MAX_CODES);
        if (h->txt_mode == DELIVER_DNSBL_TXT_WHEN_LISTED && !z->txt_asked &&
            any_kind(z->codes, z->ncodes, DELIVER_DNSBL_CODE_LISTED)) {
            z->txt_asked = 1;
            st = ask(h, zi, Q_TXT, z->qname, DELIVER_DNS_TYPE_TXT);
        }
    } else if (kind == Q_TXT) {
        for (size_t i = 0; a->outcome == DELIVER_DNS_OK && i < a->nrr; i++) {
            const struct deliver_dns_record *rr = &a->rr[i];
            if (rr->type != DELIVER_DNS_TYPE_TXT || !rr->joined) {
                continue;
            }
            if (z->txt.len) {
                dlv_buf_puts(&z->txt, " / ");
            }
            /* keep printable text only: TXT may hold any octet */
            for (size_t k = 0; k < rr->joinedlen && z->txt.len < 4096; k++) {
                unsigned char ch = rr->joined[k];
                dlv_buf_putc(&z->txt, ch >= 0x20 && ch != 0x7f ? (char)ch : '?');
            }
        }
    } else {
        code tmp[DLV_DNSBL_MAX_CODES];
        size_t n = collect_codes(h, z, a, tmp, DLV_DNSBL_MAX_CODES);
        int listed = any_kind(tmp, n, DELIVER_DNSBL_CODE_LISTED);
        if (kind == Q_POS) {
            z->pos = listed ? 1 : -1;
            z->pos_why = listed ? NULL
                         : n    ? "answers an error code or an address outside 127/8"
                                : outcome_why(a->outcome);
        } else {
            int clean = a->outcome == DELIVER_DNS_NXDOMAIN || a->outcome == DELIVER_DNS_NODATA;
            z->neg = clean ? 1 : -1;
            z->neg_why = clean    ? NULL
                         : listed ? "is listed: the list lists everything (a shutdown sign) "
                                    "or wildcards"
                         : n      ? "answers an error code or an address outside 127/8"
                                  : outcome_why(a->outcome);
        }
    }
    dlv_answer_free(a);
    return st;
}

static void zone_findings(deliver_dnsbl *h, zstate *z)
{
    const char *loc = z->qname[0] ? z->qname : z->zone;
    for (size_t j = 0; j < z->ncodes; j++) {
        const code *c = &z->codes[j];
        if (c->kind == DELIVER_DNSBL_CODE_BLOCKED) {
            dlv_findings_add(&h->findings, "dnsbl.resolver_blocked", DELIVER_SEVERITY_WARNING,
                             loc,
                             "query the list through your own recursive resolver (not a "
                             "public one), or use the operator's keyed access (e.g. Spamhaus "
                             "DQS)",
                             "%s refuses this resolver (%s: %s): its answer says nothing about "
                             "%s",
                             z->zone, c->text, c->meaning, h->subject);
        } else if (c->kind == DELIVER_DNSBL_CODE_BAD_QUERY) {
            dlv_findings_add(&h->findings, "dnsbl.bad_query", DELIVER_SEVERITY_WARNING, loc,
                             "check the zone name and which kind of subject the list takes",
                             "%s rejected the query (%s: %s)", z->zone, c->text, c->meaning);
        } else if (c->kind == DLV_DNSBL_CODE_OUTSIDE) {
            dlv_findings_add(&h->findings, "dnsbl.bad_answer", DELIVER_SEVERITY_WARNING, loc,
                             "the list may be dead and wildcarding, or the resolver rewrites "
                             "answers: remove the list or change the resolver",
                             "%s answered %s, outside 127.0.0.0/8: not a listing", z->zone,
                             c->text);
        } else if (z->known && strcmp(c->meaning, "listed (code not in the catalogue)") == 0) {
            dlv_findings_add(&h->findings, "dnsbl.unknown_code", DELIVER_SEVERITY_INFO, loc,
                             "define the code with deliver_dnsbl_define_code()",
                             "%s answered %s, a code the catalogue does not know", z->zone,
                             c->text);
        }
    }
}

static void finish(deliver_dnsbl *h)
{
    for (size_t zi = 0; zi < h->nz; zi++) {
        zstate *z = &h->z[zi];
        if (z->retired) {
            z->raw = DELIVER_DNSBL_STATUS_RETIRED;
            dlv_findings_add(&h->findings, "dnsbl.list_retired", DELIVER_SEVERITY_WARNING,
                             z->zone, "remove the list from the configuration",
                             "%s is shut down (%s): not asked", z->zone, z->desc);
            continue;
        }
        if (z->skipped) {
            z->raw = DELIVER_DNSBL_STATUS_SKIPPED;
            continue;
        }
        switch (z->a_outcome) {
        case DELIVER_DNS_OK:
            z->raw = any_kind(z->codes, z->ncodes, DELIVER_DNSBL_CODE_LISTED)
                         ? DELIVER_DNSBL_STATUS_LISTED
                     : z->ncodes ? DELIVER_DNSBL_STATUS_ERROR
                                 : DELIVER_DNSBL_STATUS_NOT_LISTED;
            break;
        case DELIVER_DNS_NXDOMAIN:
        case DELIVER_DNS_NODATA:
            z->raw = DELIVER_DNSBL_STATUS_NOT_LISTED;
            break;
        case DELIVER_DNS_TIMEOUT:
            z->raw = DELIVER_DNSBL_STATUS_TIMEOUT;
            dlv_findings_add(&h->findings, "dnsbl.timeout", DELIVER_SEVERITY_WARNING, z->qname,
                             "check that the list's servers answer your resolver; lower the "
                             "list timeout or drop the list",
                             "%s did not answer within %lld ms", z->zone,
                             (long long)h->timeout_ms);
            break;
        default:
            z->raw = DELIVER_DNSBL_STATUS_ERROR;
            dlv_findings_add(&h->findings, "dnsbl.dns_failure", DELIVER_SEVERITY_WARNING,
                             z->qname, "check the zone name and the resolver",
                             "the question to %s failed (%s)", z->zone,
                             deliver_dns_outcome_name(z->a_outcome));
            break;
        }
        zone_findings(h, z);
        if (h->self_check &&
            (z->raw == DELIVER_DNSBL_STATUS_LISTED || z->raw == DELIVER_DNSBL_STATUS_NOT_LISTED) &&
            (z->pos < 0 || z->neg < 0)) {
            const char *tp = h->skind == K_DOMAIN ? (z->pos < 0 ? "TEST" : "INVALID")
                             : h->skind == K_IP4  ? (z->pos < 0 ? "127.0.0.2" : "127.0.0.1")
                                                  : (z->pos < 0 ? "::ffff:7f00:2"
                                                                : "::ffff:7f00:1");
            dlv_findings_add(&h->findings, "dnsbl.list_unusable", DELIVER_SEVERITY_WARNING,
                             z->zone,
                             "do not use the list's answers until its RFC 5782 test points "
                             "behave; check the zone name and the resolver",
                             "%s failed its RFC 5782 self-check: test point %s %s", z->zone, tp,
                             z->pos < 0 ? z->pos_why : z->neg_why);
            z->raw = DELIVER_DNSBL_STATUS_UNUSABLE;
        }
    }
    int answered = 0;
    h->score = 0;
    for (size_t i = 0; i < h->nres; i++) {
        result *r = &h->res[i];
        zstate *z = &h->z[r->z];
        r->status = z->raw;
        answered |= z->raw == DELIVER_DNSBL_STATUS_LISTED ||
                    z->raw == DELIVER_DNSBL_STATUS_NOT_LISTED;
        if (z->raw != DELIVER_DNSBL_STATUS_LISTED) {
            continue;
        }
        dlv_dnsbl_pat pat;
        size_t off;
        const char *why;
        int has = r->filter[0] &&
                  dlv_dnsbl_pat_parse(r->filter, strlen(r->filter), &pat, &off, &why) == 0;
        r->match = 0;
        for (size_t j = 0; j < z->ncodes; j++) {
            if (z->codes[j].kind == DELIVER_DNSBL_CODE_LISTED &&
                (!has || dlv_dnsbl_pat_match(&pat, z->codes[j].a))) {
                r->match |= 1u << j;
            }
        }
        if (!r->match) {
            r->status = DELIVER_DNSBL_STATUS_FILTERED;
            continue;
        }
        h->score += r->weight;
        int allow = (z->flags & DELIVER_DNSBL_ALLOWLIST) != 0;
        dlv_buf b;
        dlv_buf_init(&b, h->ctx);
        for (size_t j = 0; j < z->ncodes; j++) {
            if (r->match & (1u << j)) {
                dlv_buf_printf(&b, "%s%s (%s)", b.len ? ", " : "", z->codes[j].text,
                               z->codes[j].meaning);
            }
        }
        dlv_findings_add(&h->findings, allow ? "dnsbl.allowlisted" : "dnsbl.listed",
                         allow ? DELIVER_SEVERITY_INFO : DELIVER_SEVERITY_ERROR, z->qname,
                         allow ? NULL
                         : z->txt.len ? z->txt.data
                                      : "find the cause (compromised host, bad sending "
                                        "practice), fix it, then ask the list for removal",
                         "%s %s by %s%s%s%s: %s (weight %d)", h->subject,
                         allow ? "allowlisted" : "listed", z->zone, z->desc[0] ? " (" : "",
                         z->desc, z->desc[0] ? ")" : "", b.data ? b.data : "", r->weight);
        dlv_buf_free(&b);
    }
    if (h->score >= h->threshold) {
        h->verdict = DELIVER_DNSBL_VERDICT_LISTED;
    } else if (h->score <= h->allow_threshold) {
        h->verdict = DELIVER_DNSBL_VERDICT_ALLOWLISTED;
    } else {
        h->verdict = answered ? DELIVER_DNSBL_VERDICT_PASS : DELIVER_DNSBL_VERDICT_UNKNOWN;
    }
    h->state = S_DONE;
}

deliver_status deliver_dnsbl_step(deliver_dnsbl *h)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    if (h->state == S_DONE) {
        return DELIVER_OK;
    }
    if (h->state != S_RUNNING) {
        return dlv_err(&h->err, DELIVER_E_STATE, "the check was not started");
    }
    if (dlv_qset_open_count(&h->qs) > 0) {
        return DELIVER_PENDING;
    }
    finish(h);
    return DELIVER_OK;
}

size_t deliver_dnsbl_query_count(const deliver_dnsbl *h)
{
    return h && h->state == S_RUNNING ? dlv_qset_open_count(&h->qs) : 0;
}

deliver_status deliver_dnsbl_get_query(const deliver_dnsbl *h, size_t i, uint64_t *id,
                                       const char **qname, uint16_t *qtype)
{
    return h ? dlv_qset_get_query(&h->qs, i, id, qname, qtype) : DELIVER_E_INVALID;
}

deliver_status deliver_dnsbl_answer(deliver_dnsbl *h, uint64_t id, deliver_dns_outcome outcome,
                                    const uint8_t *msg, size_t len)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    if (h->state != S_RUNNING) {
        return dlv_err(&h->err, DELIVER_E_STATE, "the check is not waiting for answers");
    }
    int tag = 0;
    dlv_answer *a = NULL;
    deliver_status st = dlv_qset_answer(&h->qs, &h->err, id, outcome, msg, len, &tag, &a);
    if (st < 0) {
        return st;
    }
    return a ? take(h, tag, a) : DELIVER_OK;
}

static deliver_status core_step(void *core)
{
    return deliver_dnsbl_step(core);
}

static dlv_qset *core_qset(void *core)
{
    return &((deliver_dnsbl *)core)->qs;
}

static deliver_status core_take(void *core, uint64_t id, int tag, dlv_answer *a)
{
    (void)id;
    deliver_dnsbl *h = core;
    return take(h, tag, a);
}

static const dlv_core_ops dnsbl_ops = {core_step, core_qset, core_take};

deliver_status deliver_dnsbl_check(deliver_dnsbl *h, const char *subject)
{
    deliver_status st = deliver_dnsbl_start(h, subject);
    if (st < 0) {
        return st;
    }
    /* the list timeout, honoured through the context's per-attempt timeout for this run:
     * every list's questions start together, so each ends within timeout_ms */
    deliver_ctx *ctx = h->ctx;
    int64_t saved = ctx->dns_timeout_ms;
    int64_t per = h->timeout_ms / (int64_t)(ctx->dns_retries + 1);
    ctx->dns_timeout_ms = per < 1 ? 1 : per;
    st = dlv_dns_drive(ctx, &dnsbl_ops, h, &h->err);
    ctx->dns_timeout_ms = saved;
    if (st < 0) {
        h->state = S_IDLE;
    }
    return st;
}

/* ---- results ---- */

const char *deliver_dnsbl_get_subject(const deliver_dnsbl *h)
{
    return h ? h->subject : "";
}

int deliver_dnsbl_get_score(const deliver_dnsbl *h)
{
    return h && h->state == S_DONE ? h->score : 0;
}

deliver_dnsbl_verdict deliver_dnsbl_get_verdict(const deliver_dnsbl *h)
{
    return h && h->state == S_DONE ? h->verdict : DELIVER_DNSBL_VERDICT_UNKNOWN;
}

static const result *res_at(const deliver_dnsbl *h, size_t i)
{
    return h && h->state == S_DONE && i < h->nres ? &h->res[i] : NULL;
}

size_t deliver_dnsbl_result_count(const deliver_dnsbl *h)
{
    return h && h->state == S_DONE ? h->nres : 0;
}

const char *deliver_dnsbl_result_get_zone(const deliver_dnsbl *h, size_t i)
{
    const result *r = res_at(h, i);
    return r ? r->zone : NULL;
}

const char *deliver_dnsbl_result_get_description(const deliver_dnsbl *h, size_t i)
{
    const result *r = res_at(h, i);
    return r ? h->z[r->z].desc : NULL;
}

const char *deliver_dnsbl_result_get_filter(const deliver_dnsbl *h, size_t i)
{
    const result *r = res_at(h, i);
    return r ? r->filter : NULL;
}

const char *deliver_dnsbl_result_get_query_name(const deliver_dnsbl *h, size_t i)
{
    const result *r = res_at(h, i);
    return r ? (h->z[r->z].asked ? h->z[r->z].qname : "") : NULL;
}

deliver_dnsbl_status deliver_dnsbl_result_get_status(const deliver_dnsbl *h, size_t i)
{
    const result *r = res_at(h, i);
    return r ? r->status : DELIVER_DNSBL_STATUS_SKIPPED;
}

int deliver_dnsbl_result_get_weight(const deliver_dnsbl *h, size_t i)
{
    const result *r = res_at(h, i);
    return r ? r->weight : 0;
}

int deliver_dnsbl_result_is_allowlist(const deliver_dnsbl *h, size_t i)
{
    const result *r = res_at(h, i);
    return r ? (h->z[r->z].flags & DELIVER_DNSBL_ALLOWLIST) != 0 : 0;
}

size_t deliver_dnsbl_result_code_count(const deliver_dnsbl *h, size_t i)
{
    const result *r = res_at(h, i);
    return r ? h->z[r->z].ncodes : 0;
}

static const code *code_at(const deliver_dnsbl *h, size_t i, size_t j)
{
    const result *r = res_at(h, i);
    return r && j < h->z[r->z].ncodes ? &h->z[r->z].codes[j] : NULL;
}

const char *deliver_dnsbl_result_get_code(const deliver_dnsbl *h, size_t i, size_t j)
{
    const code *c = code_at(h, i, j);
    return c ? c->text : NULL;
}

const char *deliver_dnsbl_result_get_meaning(const deliver_dnsbl *h, size_t i, size_t j)
{
    const code *c = code_at(h, i, j);
    return c ? c->meaning : NULL;
}

deliver_dnsbl_code_kind deliver_dnsbl_result_get_code_kind(const deliver_dnsbl *h, size_t i,
                                                           size_t j)
{
    const code *c = code_at(h, i, j);
    /* outside 127/8 is reported as a bad query path, like the error codes */
    return c ? (c->kind == DLV_DNSBL_CODE_OUTSIDE ? DELIVER_DNSBL_CODE_BAD_QUERY
                                                  : (deliver_dnsbl_code_kind)c->kind)
             : (deliver_dnsbl_code_kind)0;
}

int deliver_dnsbl_result_code_matches(const deliver_dnsbl *h, size_t i, size_t j)
{
    const result *r = res_at(h, i);
    return r && j < h->z[r->z].ncodes && (r->match & (1u << j)) ? 1 : 0;
}

const char *deliver_dnsbl_result_get_txt(const deliver_dnsbl *h, size_t i)
{
    const result *r = res_at(h, i);
    if (!r) {
        return NULL;
    }
    const zstate *z = &h->z[r->z];
    return z->txt.len && !z->txt.failed ? z->txt.data : "";
}

size_t deliver_dnsbl_finding_count(const deliver_dnsbl *h)
{
    return h ? h->findings.count : 0;
}

const deliver_finding *deliver_dnsbl_get_finding(const deliver_dnsbl *h, size_t i)
{
    return h ? dlv_findings_get(&h->findings, i) : NULL;
}

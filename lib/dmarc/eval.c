/*
 * deliver_dmarc: DMARC evaluation (RFC 7489 section 6.6, RFC 9989 sections 4.10 and 5). A
 * sans-I/O core: the author domain's tree walk (or its record and the PSL organizational
 * domain's), the identifiers' walks, and the "does this name exist" question go out
 * together; the report destinations' authorization queries (RFC 9990 section 4) follow
 * once the record is known. The blocking call drives the core through the context.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dmarc/dmarc_int.h"
#include "core/address.h"
#include "dns/dns.h"

#include <libpsl.h>
#include <stdio.h>
#include <string.h>

#define MAX_FROM 16
#define MAX_DKIM 16
#define MAX_NAMES 96
#define MAX_WALKS (2 + MAX_DKIM)
#define WALK_MAX 8     /* RFC 9989 4.10: at most 8 queries per walk */
#define WALK_JUMP 7    /* names longer than 8 labels jump to 7 labels after the first */
#define MAX_CHECKS (2 * DLV_DMARC_MAX_URIS)
#define MAX_AUTH 32

#define DEFAULT_PSL "/usr/share/publicsuffix/public_suffix_list.dat"

enum { S_IDLE, S_DISCOVER, S_REPORTS, S_DONE };
enum { NE_NONE, NE_ASKED, NE_DONE };

typedef struct nentry {
    char *qname; /* arena */
    uint16_t qtype;
    int state;
    deliver_dns_outcome outcome;
    size_t ndmarc;
    const uint8_t *text; /* the one DMARC record (arena), when ndmarc == 1 */
    size_t textlen;
    int parsed;
    deliver_dmarc_record rec;
} nentry;

typedef struct walk {
    char domain[DLV_DOMAIN_MAX + 1];
    size_t off[WALK_MAX]; /* suffix start offsets to query, in order */
    size_t n, pos;
    int done, failed, partial;
    int author_e, psd_e, cand_e, stop_e, partial_e; /* entries, -1 none */
    size_t org_off;
} walk;

typedef struct check {
    const char *uri, *host, *query;
    deliver_dmarc_report_kind kind;
    deliver_dmarc_report_status status;
    int e;
} check;

typedef struct dkim_in {
    char result[16];
    char domain[DLV_DOMAIN_MAX + 1];
    char *selector;
    int walk; /* -1 none */
} dkim_in;

struct deliver_dmarc {
    deliver_ctx *ctx;
    dlv_errmsg err;
    deliver_dmarc_mode mode;
    char *psl_path;
    psl_ctx_t *psl;
    int psl_failed;
    int icann_only, allow_multi, check_reports;
    deliver_dmarc_random_fn rnd;
    void *rnd_ud;
    char *authserv;
    /* inputs */
    char from[MAX_FROM][DLV_DOMAIN_MAX + 1];
    size_t nfrom;
    int bad_from;
    int spf_set;
    deliver_spf_result spf;
    char spf_domain[DLV_DOMAIN_MAX + 1];
    dkim_in dkim[MAX_DKIM];
    size_t ndkim;
    /* run */
    int state, lookup_only;
    dlv_qset qs;
    dlv_arena arena;
    nentry *names; /* MAX_NAMES, records reused between runs */
    size_t nnames;
    const char *order[MAX_NAMES];
    size_t norder;
    walk walks[MAX_WALKS];
    size_t nwalks;
    int spf_walk;
    char author[DLV_DOMAIN_MAX + 1];
    char org[DLV_DOMAIN_MAX + 1];
    int have_org;
    int exist_e, author_e7, org_e7;
    /* results */
    deliver_dmarc_result result;
    const char *policy_domain;
    deliver_dmarc_policy_source source;
    int spf_aligned, dkim_aligned;
    const char *policy_tag;
    deliver_dmarc_policy policy, disposition, unsampled_disp;
    unsigned pct;
    int unsampled, test_mode;
    deliver_dmarc_record applied; /* lookup: the record parsed again with findings */
    const deliver_dmarc_record *ap; /* the applied record (applied, or a name's) */
    int have_applied;
    check checks[MAX_CHECKS];
    size_t nchecks;
    const char *auth[2][MAX_AUTH];
    size_t nauth[2];
    dlv_buf ar;
    dlv_findings findings;
};

/* ---- names ---- */

const char *deliver_dmarc_result_name(deliver_dmarc_result r)
{
    static const char *const names[] = {"unknown", "none", "pass", "fail", "temperror",
                                        "permerror"};
    return (unsigned)r < DLV_ARRAY_LEN(names) ? names[r] : "unknown";
}

const char *deliver_dmarc_report_status_name(deliver_dmarc_report_status s)
{
    static const char *const names[] = {"unknown",      "same_org",     "authorized",
                                        "overridden",   "unauthorized", "bad_override",
                                        "temperror",    "unchecked"};
    return (unsigned)s < DLV_ARRAY_LEN(names) ? names[s] : "unknown";
}

/* ---- handle ---- */

deliver_status deliver_dmarc_new(deliver_dmarc **out, deliver_ctx *ctx)
{
    if (!out) {
        return DELIVER_E_INVALID;
    }
    *out = NULL;
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    deliver_dmarc *h = dlv_calloc(ctx, 1, sizeof *h);
    if (!h) {
        return DELIVER_E_NOMEM;
    }
    h->names = dlv_calloc(ctx, MAX_NAMES, sizeof *h->names);
    if (!h->names) {
        dlv_free(ctx, h);
        return DELIVER_E_NOMEM;
    }
    h->ctx = dlv_ctx_ref(ctx);
    h->mode = DELIVER_DMARC_RFC9989;
    dlv_qset_init(&h->qs, ctx);
    dlv_arena_init(&h->arena, ctx);
    for (size_t i = 0; i < MAX_NAMES; i++) {
        dlv_dmarc_record_init(&h->names[i].rec, ctx);
    }
    dlv_dmarc_record_init(&h->applied, ctx);
    dlv_buf_init(&h->ar, ctx);
    dlv_findings_init(&h->findings, ctx);
    *out = h;
    return DELIVER_OK;
}

static void clear_dkim(deliver_dmarc *h)
{
    for (size_t i = 0; i < h->ndkim; i++) {
        dlv_free(h->ctx, h->dkim[i].selector);
    }
    h->ndkim = 0;
}

void deliver_dmarc_free(deliver_dmarc *h)
{
    if (!h) {
        return;
    }
    deliver_ctx *ctx = h->ctx;
    clear_dkim(h);
    dlv_qset_clear(&h->qs);
    for (size_t i = 0; i < MAX_NAMES; i++) {
        dlv_arena_clear(&h->names[i].rec.arena);
        dlv_findings_clear(&h->names[i].rec.findings);
    }
    dlv_free(ctx, h->names);
    dlv_arena_clear(&h->applied.arena);
    dlv_findings_clear(&h->applied.findings);
    dlv_free(ctx, h->applied.domain);
    dlv_arena_clear(&h->arena);
    dlv_buf_free(&h->ar);
    dlv_findings_clear(&h->findings);
    if (h->psl) {
        psl_free(h->psl);
    }
    dlv_free(ctx, h->psl_path);
    dlv_free(ctx, h->authserv);
    dlv_free(ctx, h);
    dlv_ctx_unref(ctx);
}

const char *deliver_dmarc_errmsg(const deliver_dmarc *h)
{
    return h ? h->err.text : "";
}

deliver_status deliver_dmarc_set_mode(deliver_dmarc *h, deliver_dmarc_mode mode)
{
    if (!h || (mode != DELIVER_DMARC_RFC7489 && mode != DELIVER_DMARC_RFC9989)) {
        return DELIVER_E_INVALID;
    }
    h->mode = mode;
    return DELIVER_OK;
}

deliver_status deliver_dmarc_set_psl_file(deliver_dmarc *h, const char *path)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    char *copy = NULL;
    if (path && !(copy = dlv_strdup(h->ctx, path))) {
        return DELIVER_E_NOMEM;
    }
    dlv_free(h->ctx, h->psl_path);
    h->psl_path = copy;
    if (h->psl) {
        psl_free(h->psl);
        h->psl = NULL;
    }
    h->psl_failed = 0;
    return DELIVER_OK;
}

deliver_status deliver_dmarc_set_psl_icann_only(deliver_dmarc *h, int on)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    h->icann_only = on != 0;
    return DELIVER_OK;
}

deliver_status deliver_dmarc_set_allow_multiple_from(deliver_dmarc *h, int on)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    h->allow_multi = on != 0;
    return DELIVER_OK;
}

deliver_status deliver_dmarc_set_check_reports(deliver_dmarc *h, int on)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    h->check_reports = on != 0;
    return DELIVER_OK;
}

deliver_status deliver_dmarc_set_random(deliver_dmarc *h, deliver_dmarc_random_fn fn, void *ud)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    h->rnd = fn;
    h->rnd_ud = ud;
    return DELIVER_OK;
}

deliver_status deliver_dmarc_set_authserv_id(deliver_dmarc *h, const char *id)
{
    if (!h || !id || !*id) {
        return DELIVER_E_INVALID;
    }
    for (const char *p = id; *p; p++) {
        if ((unsigned char)*p <= 0x20 || *p == ';' || *p == 0x7f) {
            return dlv_err(&h->err, DELIVER_E_INVALID, "bad authserv-id");
        }
    }
    char *copy = dlv_strdup(h->ctx, id);
    if (!copy) {
        return DELIVER_E_NOMEM;
    }
    dlv_free(h->ctx, h->authserv);
    h->authserv = copy;
    return DELIVER_OK;
}

void deliver_dmarc_reset(deliver_dmarc *h)
{
    if (!h) {
        return;
    }
    h->nfrom = 0;
    h->bad_from = 0;
    h->spf_set = 0;
    h->spf = DELIVER_SPF_UNKNOWN;
    h->spf_domain[0] = 0;
    clear_dkim(h);
}

static deliver_status norm(deliver_dmarc *h, const char *d, size_t len, char *out)
{
    const char *why = NULL;
    if (dlv_domain_normalize(d, len, out, 0, &why) < 0) {
        return dlv_err(&h->err, DELIVER_E_INVALID, "bad domain \"%.*s\": %s",
                       (int)(len > 80 ? 80 : len), d, why ? why : "");
    }
    return DELIVER_OK;
}

deliver_status deliver_dmarc_add_from_domain(deliver_dmarc *h, const char *domain)
{
    if (!h || !domain) {
        return DELIVER_E_INVALID;
    }
    if (h->nfrom >= MAX_FROM) {
        return dlv_err(&h->err, DELIVER_E_LIMIT, "more than %d From domains", MAX_FROM);
    }
    deliver_status st = norm(h, domain, strlen(domain), h->from[h->nfrom]);
    if (st < 0) {
        return st;
    }
    h->nfrom++;
    return DELIVER_OK;
}

deliver_status deliver_dmarc_set_from_header(deliver_dmarc *h, const uint8_t *buf, size_t len)
{
    if (!h || (!buf && len)) {
        return DELIVER_E_INVALID;
    }
    dlv_mailbox *list = NULL;
    size_t n = 0;
    const char *why = NULL;
    deliver_status st = dlv_mailbox_list_parse(h->ctx, (const char *)buf, len,
                                               DLV_ADDR_HEADER | DLV_ADDR_UTF8, &list, &n, &why);
    if (st < 0) {
        return dlv_err(&h->err, st, "From: %s", why ? why : deliver_strerror(st));
    }
    h->nfrom = 0;
    for (size_t i = 0; i < n && st >= 0; i++) {
        if (list[i].literal || !list[i].domain) {
            h->bad_from = 1;
            continue;
        }
        if (h->nfrom >= MAX_FROM) {
            st = dlv_err(&h->err, DELIVER_E_LIMIT, "more than %d From domains", MAX_FROM);
            break;
        }
        memcpy(h->from[h->nfrom++], list[i].domain, strlen(list[i].domain) + 1);
    }
    dlv_mailbox_list_free(h->ctx, list, n);
    if (st >= 0 && h->nfrom == 0) {
        return dlv_err(&h->err, DELIVER_E_PARSE, "From: has no domain");
    }
    return st < 0 ? st : DELIVER_OK;
}

deliver_status deliver_dmarc_set_spf(deliver_dmarc *h, deliver_spf_result result,
                                     const char *domain)
{
    if (!h || (unsigned)result > DELIVER_SPF_PERMERROR) {
        return DELIVER_E_INVALID;
    }
    h->spf_domain[0] = 0;
    if (domain && *domain) {
        deliver_status st = norm(h, domain, strlen(domain), h->spf_domain);
        if (st < 0) {
            return st;
        }
    }
    h->spf = result;
    h->spf_set = 1;
    return DELIVER_OK;
}

deliver_status deliver_dmarc_set_spf_handle(deliver_dmarc *h, const deliver_spf *spf)
{
    if (!h || !spf) {
        return DELIVER_E_INVALID;
    }
    return deliver_dmarc_set_spf(h, deliver_spf_get_result(spf), deliver_spf_get_domain(spf));
}

deliver_status deliver_dmarc_add_dkim(deliver_dmarc *h, const char *result, const char *domain,
                                      const char *selector)
{
    static const char *const ok[] = {"pass", "fail", "neutral", "policy", "temperror",
                                     "permerror", "none"};
    if (!h || !result || !domain) {
        return DELIVER_E_INVALID;
    }
    size_t k = 0;
    while (k < DLV_ARRAY_LEN(ok) && strcmp(ok[k], result) != 0) {
        k++;
    }
    if (k == DLV_ARRAY_LEN(ok)) {
        return dlv_err(&h->err, DELIVER_E_INVALID, "unknown DKIM result \"%s\"", result);
    }
    if (h->ndkim >= MAX_DKIM) {
        return dlv_err(&h->err, DELIVER_E_LIMIT, "more than %d DKIM results", MAX_DKIM);
    }
    dkim_in *d = &h->dkim[h->ndkim];
    deliver_status st = norm(h, domain, strlen(domain), d->domain);
    if (st < 0) {
        return st;
    }
    d->selector = NULL;
    if (selector && !(d->selector = dlv_strdup(h->ctx, selector))) {
        return DELIVER_E_NOMEM;
    }
    memcpy(d->result, ok[k], strlen(ok[k]) + 1);
    h->ndkim++;
    return DELIVER_OK;
}

/* Can a DKIM verifier's signature i be taken by add_dkim()? Not without a result or with a d=
 * that is not a domain name (such a signature cannot align anyway). */
static int dkim_sig_usable(const deliver_dkim_verify *v, size_t i)
{
    deliver_dkim_result r = deliver_dkim_verify_sig_get_result(v, i);
    const char *d = deliver_dkim_verify_sig_get_domain(v, i);
    char scratch[DLV_DOMAIN_MAX + 1];
    const char *why = NULL;
    return r > DELIVER_DKIM_NONE && r <= DELIVER_DKIM_PERMERROR && d && *d &&
           dlv_domain_normalize(d, strlen(d), scratch, 0, &why) >= 0;
}

deliver_status deliver_dmarc_add_dkim_handle(deliver_dmarc *h, const deliver_dkim_verify *v)
{
    if (!h || !v) {
        return DELIVER_E_INVALID;
    }
    deliver_dkim_result overall = deliver_dkim_verify_get_result(v);
    if (overall == DELIVER_DKIM_UNKNOWN) {
        return dlv_err(&h->err, DELIVER_E_STATE, "the DKIM verification has not completed");
    }
    /* bound: the verifier caps its signatures (64); we read at most that many */
    size_t n = deliver_dkim_verify_signature_count(v), usable = 0;
    for (size_t i = 0; i < n; i++) {
        usable += (size_t)dkim_sig_usable(v, i);
    }
    if (usable == 0) {
        return DELIVER_OK;
    }
    if (h->ndkim >= MAX_DKIM) {
        return dlv_err(&h->err, DELIVER_E_LIMIT, "more than %d DKIM results", MAX_DKIM);
    }
    size_t room = MAX_DKIM - h->ndkim, before = h->ndkim;
    /* all in message order when they fit; else passes first (they are what DMARC needs) */
    int two_passes = usable > room;
    deliver_status st = DELIVER_OK;
    for (int pass = two_passes ? 0 : 1; pass < 2 && st >= 0; pass++) {
        for (size_t i = 0; i < n && st >= 0 && h->ndkim < MAX_DKIM; i++) {
            if (!dkim_sig_usable(v, i)) {
                continue;
            }
            int is_pass = deliver_dkim_verify_sig_get_result(v, i) == DELIVER_DKIM_PASS;
            if (two_passes && is_pass != (pass == 0)) {
                continue;
            }
            st = deliver_dmarc_add_dkim(h,
                                        deliver_dkim_result_name(
                                            deliver_dkim_verify_sig_get_result(v, i)),
                                        deliver_dkim_verify_sig_get_domain(v, i),
                                        deliver_dkim_verify_sig_get_selector(v, i));
        }
    }
    if (st < 0) {
        /* all or nothing: drop what this call added */
        for (size_t i = before; i < h->ndkim; i++) {
            dlv_free(h->ctx, h->dkim[i].selector);
            h->dkim[i].selector = NULL;
        }
        h->ndkim = before;
        return st;
    }
    return DELIVER_OK;
}

/* ---- the Public Suffix List ---- */

static deliver_status psl_ready(deliver_dmarc *h)
{
    if (h->psl) {
        return DELIVER_OK;
    }
    if (h->psl_failed) {
        return DELIVER_E_IO;
    }
    const char *path = h->psl_path ? h->psl_path : DEFAULT_PSL;
    h->psl = psl_load_file(path);
    if (!h->psl) {
        h->psl_failed = 1;
        return dlv_err(&h->err, DELIVER_E_IO, "cannot load the Public Suffix List %s", path);
    }
    return DELIVER_OK;
}

/* Organizational domain by the PSL (RFC 7489 3.2) into out; 1 when name is itself a public
 * suffix (out gets the name), 0 otherwise; *suffix_off gets the public suffix's offset. */
static int psl_org(deliver_dmarc *h, const char *name, char *out, size_t *suffix_off)
{
    size_t len = strlen(name);
    size_t off[DLV_DOMAIN_MAX];
    size_t n = 0;
    off[n++] = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '.') {
            off[n++] = i + 1;
        }
    }
    int type = h->icann_only ? PSL_TYPE_ICANN : PSL_TYPE_ANY;
    /* longest public suffix: the first suffix, from the longest name down, that is one */
    for (size_t k = 0; k < n; k++) {
        if (psl_is_public_suffix2(h->psl, name + off[k], type)) {
            if (suffix_off) {
                *suffix_off = off[k];
            }
            if (k == 0) {
                memcpy(out, name, len + 1);
                return 1;
            }
            memcpy(out, name + off[k - 1], len - off[k - 1] + 1);
            return 0;
        }
    }
    /* no rule matched at all (cannot happen with the default rule): the TLD is the suffix */
    if (suffix_off) {
        *suffix_off = off[n - 1];
    }
    memcpy(out, n > 1 ? name + off[n - 2] : name, len - (n > 1 ? off[n - 2] : 0) + 1);
    return n > 1 ? 0 : 1;
}

/* ---- the run ---- */

static void reset_run(deliver_dmarc *h)
{
    dlv_qset_clear(&h->qs);
    dlv_qset_init(&h->qs, h->ctx);
    dlv_arena_clear(&h->arena);
    for (size_t i = 0; i < h->nnames; i++) {
        h->names[i].parsed = 0;
    }
    h->nnames = h->norder = h->nwalks = 0;
    h->spf_walk = -1;
    h->author[0] = h->org[0] = 0;
    h->have_org = 0;
    h->exist_e = h->author_e7 = h->org_e7 = -1;
    h->result = DELIVER_DMARC_UNKNOWN;
    h->policy_domain = NULL;
    h->source = DELIVER_DMARC_SOURCE_NONE;
    h->spf_aligned = h->dkim_aligned = -1;
    h->policy_tag = NULL;
    h->policy = h->disposition = h->unsampled_disp = DELIVER_DMARC_POLICY_UNSET;
    h->pct = 100;
    h->unsampled = h->test_mode = 0;
    h->have_applied = 0;
    h->nchecks = 0;
    h->nauth[0] = h->nauth[1] = 0;
    dlv_buf_reset(&h->ar);
    dlv_findings_clear(&h->findings);
    dlv_err_clear(&h->err);
}

/* The entry for (qname, qtype), asked when new. -1: out of memory or too many names. */
static int ask(deliver_dmarc *h, const char *qname, uint16_t qtype)
{
    for (size_t i = 0; i < h->nnames; i++) {
        if (h->names[i].qtype == qtype && strcmp(h->names[i].qname, qname) == 0) {
            return (int)i;
        }
    }
    if (h->nnames >= MAX_NAMES) {
        return -3; /* bound on questions per evaluation */
    }
    nentry *e = &h->names[h->nnames];
    e->qname = dlv_arena_strndup(&h->arena, qname, strlen(qname));
    if (!e->qname) {
        return -1;
    }
    e->qtype = qtype;
    e->state = NE_ASKED;
    e->outcome = DELIVER_DNS_ERROR;
    e->ndmarc = 0;
    e->text = NULL;
    e->textlen = 0;
    e->parsed = 0;
    if (dlv_qset_add(&h->qs, qname, qtype, (int)h->nnames, NULL) < 0) {
        return -1;
    }
    h->order[h->norder++] = e->qname;
    return (int)h->nnames++;
}

static int ask_dmarc(deliver_dmarc *h, const char *domain)
{
    char q[DLV_DOMAIN_MAX + 16];
    size_t n = strlen(domain);
    if (n + 7 > DLV_DOMAIN_MAX) {
        return -2; /* no such name can exist */
    }
    memcpy(q, "_dmarc.", 7);
    memcpy(q + 7, domain, n + 1);
    return ask(h, q, DELIVER_DNS_TYPE_TXT);
}

static int failed_outcome(deliver_dns_outcome oc)
{
    return oc != DELIVER_DNS_OK && oc != DELIVER_DNS_NODATA && oc != DELIVER_DNS_NXDOMAIN;
}

/* The parsed record of an answered entry, NULL when there is not exactly one usable one. */
static const deliver_dmarc_record *entry_record(deliver_dmarc *h, int ei)
{
    if (ei < 0) {
        return NULL;
    }
    nentry *e = &h->names[ei];
    if (e->state != NE_DONE || e->ndmarc != 1) {
        return NULL;
    }
    if (!e->parsed) {
        e->rec.mode = h->mode;
        if (dlv_dmarc_record_parse(&e->rec, e->text, e->textlen, 0) < 0) {
            return NULL;
        }
        e->parsed = 1;
    }
    return e->rec.error == DELIVER_DMARC_RECORD_OK ? &e->rec : NULL;
}

static void walk_init(walk *w, const char *domain)
{
    memset(w, 0, sizeof *w);
    size_t len = strlen(domain);
    memcpy(w->domain, domain, len + 1);
    size_t off[DLV_DOMAIN_MAX];
    size_t n = 0;
    off[n++] = 0;
    for (size_t i = 0; i < len; i++) {
        if (domain[i] == '.') {
            off[n++] = i + 1;
        }
    }
    /* n labels; suffix k starts at off[k] and has n - k labels */
    w->off[w->n++] = 0;
    size_t k = n > WALK_MAX ? n - WALK_JUMP : 1;
    for (; k < n && w->n < WALK_MAX; k++) {
        w->off[w->n++] = off[k];
    }
    w->author_e = w->psd_e = w->cand_e = w->stop_e = w->partial_e = -1;
    w->org_off = 0;
}

/* The suffix of w->domain one label longer than the one at offset off. */
static size_t one_below(const walk *w, size_t off)
{
    if (off == 0) {
        return 0;
    }
    size_t i = off - 1; /* the dot */
    while (i > 0 && w->domain[i - 1] != '.') {
        i--;
    }
    return i;
}

/* Advance a walk over answered names; ask the next. <0: no memory. */
static deliver_status walk_advance(deliver_dmarc *h, walk *w)
{
    while (!w->done) {
        if (w->pos >= w->n) {
            w->done = 1;
            w->org_off = w->cand_e >= 0 ? w->org_off : 0;
            break;
        }
        size_t off = w->off[w->pos];
        int ei = ask_dmarc(h, w->domain + off);
        if (ei == -1) {
            return DELIVER_E_NOMEM;
        }
        if (ei == -3) { /* out of question slots: end this walk with what it has */
            w->failed = w->pos == 0;
            w->done = 1;
            break;
        }
        if (ei == -2) { /* too long to exist */
            w->pos++;
            continue;
        }
        nentry *e = &h->names[ei];
        if (e->state != NE_DONE) {
            return DELIVER_OK;
        }
        if (failed_outcome(e->outcome)) {
            /* the first name failing stops the evaluation (temperror); a name above it
             * failing ends the walk with what it found so far */
            w->failed = w->pos == 0;
            w->partial = w->pos > 0;
            w->partial_e = ei;
            w->done = 1;
            break;
        }
        const deliver_dmarc_record *r = entry_record(h, ei);
        if (w->pos == 0) {
            w->author_e = ei;
        }
        if (r) {
            if (r->psd == DELIVER_DMARC_PSD_NO) {
                w->org_off = off;
                w->cand_e = ei;
                w->stop_e = ei;
                w->done = 1;
                break;
            }
            if (r->psd == DELIVER_DMARC_PSD_YES) {
                w->org_off = one_below(w, off);
                w->psd_e = w->pos == 0 ? -1 : ei;
                w->stop_e = ei;
                w->cand_e = -2; /* org fixed */
                w->done = 1;
                break;
            }
            w->cand_e = ei;
            w->org_off = off;
        }
        w->pos++;
    }
    return DELIVER_OK;
}

static const char *walk_org(const walk *w)
{
    return w->domain + (w->cand_e == -1 ? 0 : w->org_off);
}

static void ar_clause(deliver_dmarc *h);

deliver_status deliver_dmarc_start(deliver_dmarc *h, const char *lookup_domain)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    reset_run(h);
    h->lookup_only = lookup_domain != NULL;
    if (lookup_domain) {
        deliver_status st = norm(h, lookup_domain, strlen(lookup_domain), h->author);
        if (st < 0) {
            return st;
        }
    } else {
        /* several From domains (RFC 7489 6.6.1, RFC 9989 5.3.1) */
        size_t distinct = 0;
        for (size_t i = 0; i < h->nfrom; i++) {
            size_t j = 0;
            while (j < i && !dlv_domain_equal(h->from[i], h->from[j])) {
                j++;
            }
            distinct += j == i;
        }
        if (h->nfrom == 0) {
            return dlv_err(&h->err, DELIVER_E_STATE, "no From domain given");
        }
        memcpy(h->author, h->from[0], strlen(h->from[0]) + 1);
        if (distinct > 1 || h->bad_from) {
            if (!h->allow_multi || distinct == 0) {
                h->result = DELIVER_DMARC_PERMERROR;
                h->disposition = DELIVER_DMARC_POLICY_NONE;
                h->state = S_DONE;
                if (dlv_findings_add(&h->findings, "dmarc.multiple_from", DELIVER_SEVERITY_ERROR,
                                     "From", "send with one author domain in From:",
                                     "%zu different From domains: DMARC cannot be evaluated "
                                     "(many receivers reject such mail)", distinct) < 0) {
                    return DELIVER_E_NOMEM;
                }
                ar_clause(h);
                return h->ar.failed ? DELIVER_E_NOMEM : DELIVER_OK;
            }
            if (dlv_findings_add(&h->findings, "dmarc.multiple_from", DELIVER_SEVERITY_WARNING,
                                 "From", "send with one author domain in From:",
                                 "%zu different From domains: only %s was evaluated", distinct,
                                 h->author) < 0) {
                return DELIVER_E_NOMEM;
            }
        }
    }
    h->state = S_DISCOVER;
    if (h->mode == DELIVER_DMARC_RFC7489) {
        deliver_status st = psl_ready(h);
        if (st < 0) {
            h->state = S_IDLE;
            return st;
        }
        psl_org(h, h->author, h->org, NULL);
        h->have_org = 1;
        int a = ask_dmarc(h, h->author); /* -2: too long to have a record */
        int o = dlv_domain_equal(h->org, h->author) ? -2 : ask_dmarc(h, h->org);
        if (a == -1 || o == -1) {
            return DELIVER_E_NOMEM;
        }
        h->author_e7 = a < 0 ? -1 : a;
        h->org_e7 = o < 0 ? -1 : o;
        return DELIVER_OK;
    }
    walk_init(&h->walks[h->nwalks++], h->author);
    if (!h->lookup_only) {
        /* identifiers that might align in relaxed mode need their own organizational domain */
        const char *tld = strrchr(h->author, '.');
        tld = tld ? tld + 1 : h->author;
        const char *ids[1 + MAX_DKIM];
        int *slot[1 + MAX_DKIM];
        size_t nid = 0;
        if (h->spf_set && h->spf == DELIVER_SPF_PASS && h->spf_domain[0]) {
            ids[nid] = h->spf_domain;
            slot[nid++] = &h->spf_walk;
        }
        for (size_t i = 0; i < h->ndkim; i++) {
            h->dkim[i].walk = -1;
            if (strcmp(h->dkim[i].result, "pass") == 0) {
                ids[nid] = h->dkim[i].domain;
                slot[nid++] = &h->dkim[i].walk;
            }
        }
        for (size_t i = 0; i < nid; i++) {
            const char *t = strrchr(ids[i], '.');
            t = t ? t + 1 : ids[i];
            if (dlv_domain_equal(ids[i], h->author) || !dlv_domain_equal(t, tld)) {
                continue;
            }
            size_t w = 0;
            while (w < h->nwalks && !dlv_domain_equal(h->walks[w].domain, ids[i])) {
                w++;
            }
            if (w == h->nwalks) {
                walk_init(&h->walks[h->nwalks++], ids[i]);
            }
            *slot[i] = (int)w;
        }
    }
    return DELIVER_OK;
}

/* Takes ownership of a. */
static deliver_status take(deliver_dmarc *h, int tag, dlv_answer *a)
{
    if (tag < 0 || (size_t)tag >= h->nnames) {
        dlv_answer_free(a);
        return DELIVER_E_STATE;
    }
    nentry *e = &h->names[tag];
    e->state = NE_DONE;
    e->outcome = a->outcome;
    e->ndmarc = 0;
    if (e->qtype == DELIVER_DNS_TYPE_TXT && a->outcome == DELIVER_DNS_OK) {
        for (size_t i = 0; i < a->nrr; i++) {
            const struct deliver_dns_record *rr = &a->rr[i];
            if (rr->type != DELIVER_DNS_TYPE_TXT || !rr->joined ||
                !dlv_dmarc_is_dmarc(rr->joined, rr->joinedlen)) {
                continue;
            }
            if (e->ndmarc++ == 0) {
                size_t n = rr->joinedlen > DLV_DMARC_MAX_RECORD ? DLV_DMARC_MAX_RECORD
                                                                : rr->joinedlen;
                e->text = dlv_arena_memdup(&h->arena, rr->joined, n);
                e->textlen = n;
                if (!e->text) {
                    dlv_answer_free(a);
                    return DELIVER_E_NOMEM;
                }
            }
        }
    }
    dlv_answer_free(a);
    return DELIVER_OK;
}

/* ---- deciding ---- */

static int is_failure_dkim(const char *r)
{
    return strcmp(r, "temperror") == 0;
}

static const char *org_of(deliver_dmarc *h, const char *id, int walkidx, char *buf)
{
    if (h->mode == DELIVER_DMARC_RFC7489) {
        psl_org(h, id, buf, NULL);
        return buf;
    }
    if (dlv_domain_equal(id, h->author)) {
        return h->org;
    }
    if (walkidx < 0 || h->walks[walkidx].failed) {
        return NULL;
    }
    return walk_org(&h->walks[walkidx]);
}

static int aligned(deliver_dmarc *h, const char *id, int walkidx, deliver_dmarc_alignment mode)
{
    if (!id || !id[0]) {
        return 0;
    }
    if (mode == DELIVER_DMARC_ALIGN_STRICT) {
        return dlv_domain_equal(id, h->author);
    }
    char buf[DLV_DOMAIN_MAX + 1];
    const char *o = org_of(h, id, walkidx, buf);
    return o && dlv_domain_equal(o, h->org);
}

#define FIND(id, sev, loc, hint, ...)                                                          \
    do {                                                                                       \
        if (dlv_findings_add(&h->findings, id, sev, loc, hint, __VA_ARGS__) < 0) {             \
            return DELIVER_E_NOMEM;                                                            \
        }                                                                                      \
    } while (0)

/* Work out org domain and policy record once discovery is done. */
static deliver_status decide_policy(deliver_dmarc *h, int *temp)
{
    int pe = -1;
    *temp = 0;
    if (h->mode == DELIVER_DMARC_RFC7489) {
        nentry *ae = h->author_e7 >= 0 ? &h->names[h->author_e7] : NULL;
        if ((ae && failed_outcome(ae->outcome)) ||
            (h->org_e7 >= 0 && !entry_record(h, h->author_e7) &&
             failed_outcome(h->names[h->org_e7].outcome))) {
            *temp = 1;
            return DELIVER_OK;
        }
        if (entry_record(h, h->author_e7)) {
            pe = h->author_e7;
            h->source = DELIVER_DMARC_SOURCE_AUTHOR;
        } else if (h->org_e7 >= 0 && entry_record(h, h->org_e7)) {
            pe = h->org_e7;
            h->source = DELIVER_DMARC_SOURCE_ORGANIZATIONAL;
        }
        if (ae && ae->ndmarc > 1) {
            FIND("dmarc.multiple_records", DELIVER_SEVERITY_ERROR, ae->qname,
                 "publish exactly one v=DMARC1 record",
                 "%zu DMARC records at %s: receivers discard all of them", ae->ndmarc,
                 ae->qname);
        }
    } else {
        walk *w = &h->walks[0];
        if (w->failed) {
            *temp = 1;
            return DELIVER_OK;
        }
        memcpy(h->org, walk_org(w), strlen(walk_org(w)) + 1);
        h->have_org = 1;
        if (w->partial) {
            FIND("dmarc.walk_incomplete", DELIVER_SEVERITY_WARNING, h->names[w->partial_e].qname,
                 NULL, "the DNS tree walk stopped at %s (%s): the organizational domain may be "
                 "wrong", h->names[w->partial_e].qname,
                 deliver_dns_outcome_name(h->names[w->partial_e].outcome));
        }
        if (w->author_e >= 0 && h->names[w->author_e].ndmarc > 1) {
            FIND("dmarc.multiple_records", DELIVER_SEVERITY_ERROR, h->names[w->author_e].qname,
                 "publish exactly one v=DMARC1 record",
                 "%zu DMARC records at %s: receivers discard all of them",
                 h->names[w->author_e].ndmarc, h->names[w->author_e].qname);
        }
        if (entry_record(h, w->author_e)) {
            pe = w->author_e;
            h->source = DELIVER_DMARC_SOURCE_AUTHOR;
        } else {
            char q[DLV_DOMAIN_MAX + 16];
            snprintf(q, sizeof q, "_dmarc.%s", h->org);
            for (size_t i = 0; i < h->nnames; i++) {
                if (h->names[i].qtype == DELIVER_DNS_TYPE_TXT &&
                    strcmp(h->names[i].qname, q) == 0 && entry_record(h, (int)i)) {
                    pe = (int)i;
                    h->source = DELIVER_DMARC_SOURCE_ORGANIZATIONAL;
                }
            }
            if (pe < 0 && w->psd_e >= 0 && entry_record(h, w->psd_e)) {
                pe = w->psd_e;
                h->source = DELIVER_DMARC_SOURCE_PSD;
            }
        }
    }
    if (pe < 0) {
        h->source = DELIVER_DMARC_SOURCE_NONE;
        return DELIVER_OK;
    }
    nentry *e = &h->names[pe];
    h->policy_domain = e->qname + 7; /* after "_dmarc." */
    h->ap = entry_record(h, pe);
    if (h->lookup_only) {
        /* a lookup reports on the record: parse it again with findings */
        h->applied.mode = h->mode;
        dlv_free(h->ctx, h->applied.domain);
        h->applied.domain = dlv_strdup(h->ctx, h->policy_domain);
        if (!h->applied.domain ||
            dlv_dmarc_record_parse(&h->applied, e->text, e->textlen, 1) < 0) {
            return DELIVER_E_NOMEM;
        }
        h->ap = &h->applied;
    }
    h->have_applied = 1;
    return DELIVER_OK;
}

static deliver_status plan_reports(deliver_dmarc *h)
{
    const deliver_dmarc_record *r = h->ap;
    char porg[DLV_DOMAIN_MAX + 1];
    if (h->source == DELIVER_DMARC_SOURCE_PSD) {
        memcpy(porg, h->policy_domain, strlen(h->policy_domain) + 1);
    } else if (h->mode == DELIVER_DMARC_RFC7489) {
        psl_org(h, h->policy_domain, porg, NULL);
    } else {
        memcpy(porg, h->org, strlen(h->org) + 1);
    }
    for (int k = 0; k < 2; k++) {
        const dlv_dmarc_uri *u = k ? r->ruf : r->rua;
        size_t n = k ? r->nruf : r->nrua;
        for (size_t i = 0; i < n && h->nchecks < MAX_CHECKS; i++) {
            check *c = &h->checks[h->nchecks++];
            c->uri = u[i].uri;
            c->host = u[i].host;
            c->kind = k ? DELIVER_DMARC_RUF : DELIVER_DMARC_RUA;
            c->query = NULL;
            c->e = -1;
            if (!u[i].host) {
                c->status = DELIVER_DMARC_REPORT_UNCHECKED;
                continue;
            }
            if (dlv_domain_is_within(u[i].host, porg)) {
                c->status = DELIVER_DMARC_REPORT_SAME_ORG;
                continue;
            }
            char q[2 * DLV_DOMAIN_MAX + 32];
            snprintf(q, sizeof q, "%s._report._dmarc.%s", h->policy_domain, u[i].host);
            if (strlen(q) > DLV_DOMAIN_MAX) {
                c->status = DELIVER_DMARC_REPORT_UNAUTHORIZED;
                continue;
            }
            c->e = ask(h, q, DELIVER_DNS_TYPE_TXT);
            if (c->e == -3) {
                c->e = -1;
                c->status = DELIVER_DMARC_REPORT_UNCHECKED;
                continue;
            }
            if (c->e < 0) {
                return DELIVER_E_NOMEM;
            }
            c->query = h->names[c->e].qname;
        }
    }
    return DELIVER_OK;
}

static deliver_status add_auth(deliver_dmarc *h, int k, const char *uri)
{
    for (size_t i = 0; i < h->nauth[k]; i++) {
        if (strcmp(h->auth[k][i], uri) == 0) {
            return DELIVER_OK;
        }
    }
    if (h->nauth[k] < MAX_AUTH) {
        h->auth[k][h->nauth[k]++] = uri;
    }
    return DELIVER_OK;
}

static deliver_status finish_reports(deliver_dmarc *h)
{
    for (size_t i = 0; i < h->nchecks; i++) {
        check *c = &h->checks[i];
        int k = c->kind == DELIVER_DMARC_RUF;
        if (c->e < 0) {
            if (c->status == DELIVER_DMARC_REPORT_SAME_ORG) {
                add_auth(h, k, c->uri);
            }
            continue;
        }
        nentry *e = &h->names[c->e];
        if (failed_outcome(e->outcome)) {
            c->status = DELIVER_DMARC_REPORT_TEMPERROR;
            continue;
        }
        if (e->ndmarc == 0) {
            c->status = DELIVER_DMARC_REPORT_UNAUTHORIZED;
            FIND("dmarc.report_unauthorized", DELIVER_SEVERITY_WARNING, c->uri,
                 "ask the destination to publish \"v=DMARC1\" at the query name, or report "
                 "inside your own domain",
                 "%s is not authorized to receive reports (no record at %s): receivers drop it",
                 c->uri, c->query);
            continue;
        }
        /* an override: the authorization record's own list for this kind */
        deliver_dmarc_record *o = &h->names[c->e].rec;
        o->mode = h->mode;
        if (e->ndmarc == 1 && dlv_dmarc_record_parse(o, e->text, e->textlen, 0) < 0) {
            return DELIVER_E_NOMEM;
        }
        e->parsed = 0; /* parsed for a different purpose: parse again when needed */
        size_t n = e->ndmarc == 1 ? (k ? o->nruf : o->nrua) : 0;
        if (n == 0) {
            c->status = DELIVER_DMARC_REPORT_AUTHORIZED;
            add_auth(h, k, c->uri);
            continue;
        }
        size_t kept = 0;
        for (size_t j = 0; j < n; j++) {
            const dlv_dmarc_uri *u = k ? &o->ruf[j] : &o->rua[j];
            if (u->host && dlv_domain_equal(u->host, c->host)) {
                char *copy = dlv_arena_strndup(&h->arena, u->uri, strlen(u->uri));
                if (!copy) {
                    return DELIVER_E_NOMEM;
                }
                add_auth(h, k, copy);
                kept++;
            }
        }
        c->status = kept ? DELIVER_DMARC_REPORT_OVERRIDDEN : DELIVER_DMARC_REPORT_BAD_OVERRIDE;
        if (!kept) {
            FIND("dmarc.report_bad_override", DELIVER_SEVERITY_WARNING, c->uri,
                 "the destination's override must point to its own host",
                 "%s authorizes reports but redirects them to another host: receivers report "
                 "to neither", c->query);
        }
    }
    return DELIVER_OK;
}

/* Append "<a><b>" (no formatting: this runs once per message). */
static void put2(dlv_buf *b, const char *x, const char *y)
{
    dlv_buf_puts(b, x);
    dlv_buf_puts(b, y);
}

static void ar_clause(deliver_dmarc *h)
{
    dlv_buf *b = &h->ar;
    put2(b, "Authentication-Results: ", h->authserv ? h->authserv : "localhost");
    if (h->spf_set) {
        put2(b, "; spf=", deliver_spf_result_name(h->spf));
        if (h->spf_domain[0]) {
            put2(b, " smtp.mailfrom=", h->spf_domain);
        }
    }
    if (h->ndkim == 0) {
        dlv_buf_puts(b, "; dkim=none");
    }
    for (size_t i = 0; i < h->ndkim; i++) {
        put2(b, "; dkim=", h->dkim[i].result);
        put2(b, " header.d=", h->dkim[i].domain);
        if (h->dkim[i].selector) {
            dlv_buf_puts(b, " header.s=");
            for (const char *p = h->dkim[i].selector; *p; p++) {
                unsigned char ch = (unsigned char)*p;
                dlv_buf_putc(b, ch > 0x20 && ch < 0x7f && ch != ';' ? (char)ch : '?');
            }
        }
    }
    put2(b, "; dmarc=", deliver_dmarc_result_name(h->result));
    int dis = h->policy != DELIVER_DMARC_POLICY_UNSET &&
              h->disposition != DELIVER_DMARC_POLICY_UNSET;
    if (dis) {
        put2(b, " (p=", deliver_dmarc_policy_name(h->policy));
        put2(b, " dis=", deliver_dmarc_policy_name(h->disposition));
        dlv_buf_putc(b, ')');
    }
    if (h->author[0]) {
        put2(b, " header.from=", h->author);
    }
    if (dis) {
        put2(b, " policy.dmarc=", deliver_dmarc_policy_name(h->disposition));
        put2(b, " polrec.p=", deliver_dmarc_policy_name(h->ap->p));
        if (h->policy_domain && !dlv_domain_equal(h->policy_domain, h->author)) {
            put2(b, " polrec.domain=", h->policy_domain);
        }
    }
}

static deliver_status finish(deliver_dmarc *h, int temp)
{
    if (temp) {
        h->result = DELIVER_DMARC_TEMPERROR;
        h->disposition = DELIVER_DMARC_POLICY_NONE;
        h->policy_domain = NULL;
        h->have_org = 0; /* evaluation stopped before the organizational domain counted */
        FIND("dmarc.dns_error", DELIVER_SEVERITY_WARNING, h->author, NULL,
             "the DMARC record of %s could not be fetched: receivers may defer mail", h->author);
    } else if (!h->have_applied) {
        h->result = DELIVER_DMARC_NONE;
        h->disposition = DELIVER_DMARC_POLICY_NONE;
        FIND("dmarc.no_record", DELIVER_SEVERITY_WARNING, h->author,
             "publish v=DMARC1; p=none; rua=mailto:... at _dmarc of the organizational domain",
             "no usable DMARC record for %s: large mailbox providers require one from bulk "
             "senders, and the domain can be spoofed", h->author);
    } else {
        const deliver_dmarc_record *r = h->ap;
        int exists = 1;
        if (h->exist_e >= 0 && h->names[h->exist_e].state == NE_DONE &&
            h->names[h->exist_e].outcome == DELIVER_DNS_NXDOMAIN) {
            exists = 0;
        }
        if (h->source == DELIVER_DMARC_SOURCE_AUTHOR) {
            h->policy = r->p;
            h->policy_tag = "p";
        } else if (h->mode == DELIVER_DMARC_RFC9989 && !exists && (r->given & DLV_T_NP)) {
            h->policy = r->np;
            h->policy_tag = "np";
        } else if (r->given & DLV_T_SP) {
            h->policy = r->sp;
            h->policy_tag = "sp";
        } else {
            h->policy = r->p;
            h->policy_tag = "p";
        }
        if (!h->lookup_only) {
            int sa = h->spf_set && h->spf == DELIVER_SPF_PASS &&
                     aligned(h, h->spf_domain, h->spf_walk, r->aspf);
            int da = 0, dtemp = 0;
            for (size_t i = 0; i < h->ndkim; i++) {
                if (strcmp(h->dkim[i].result, "pass") == 0 &&
                    aligned(h, h->dkim[i].domain, h->dkim[i].walk, r->adkim)) {
                    da = 1;
                }
                if (is_failure_dkim(h->dkim[i].result) &&
                    dlv_domain_is_within(h->dkim[i].domain, h->org)) {
                    dtemp = 1;
                }
            }
            h->spf_aligned = sa;
            h->dkim_aligned = da;
            int stemp = h->spf_set && h->spf == DELIVER_SPF_TEMPERROR &&
                        dlv_domain_is_within(h->spf_domain, h->org);
            if (sa || da) {
                h->result = DELIVER_DMARC_PASS;
                h->disposition = DELIVER_DMARC_POLICY_NONE;
            } else if (stemp || dtemp) {
                h->result = DELIVER_DMARC_TEMPERROR;
                h->disposition = DELIVER_DMARC_POLICY_NONE;
            } else {
                h->result = DELIVER_DMARC_FAIL;
                h->disposition = h->policy;
                if (h->mode == DELIVER_DMARC_RFC7489 && r->pct < 100) {
                    h->pct = r->pct;
                    h->unsampled_disp = dlv_dmarc_lower(h->policy);
                    if (h->rnd && h->rnd(h->rnd_ud) % 100 >= r->pct) {
                        h->unsampled = 1;
                        h->disposition = h->unsampled_disp;
                    }
                }
                if (h->mode == DELIVER_DMARC_RFC9989 && r->t) {
                    h->test_mode = 1;
                    h->disposition = dlv_dmarc_lower(h->policy);
                }
            }
            if (h->spf_set && h->spf == DELIVER_SPF_PASS && !sa) {
                FIND("dmarc.spf_unaligned", DELIVER_SEVERITY_INFO, h->spf_domain,
                     "send with a MAIL FROM domain under the From domain",
                     "SPF passed for %s, which does not align with %s", h->spf_domain,
                     h->author);
            }
        } else {
            h->result = DELIVER_DMARC_NONE;
            h->disposition = DELIVER_DMARC_POLICY_UNSET;
        }
        if (h->mode == DELIVER_DMARC_RFC7489) {
            h->pct = r->pct;
        }
        for (size_t i = 0; i < r->findings.count; i++) {
            const struct deliver_finding *f = &r->findings.items[i];
            FIND(f->id, f->severity, f->location, f->hint, "%s", f->message);
        }
        deliver_status st = finish_reports(h);
        if (st < 0) {
            return st;
        }
    }
    if (!h->have_org) {
        h->org[0] = 0;
    }
    ar_clause(h);
    if (h->ar.failed) {
        return DELIVER_E_NOMEM;
    }
    h->state = S_DONE;
    return DELIVER_OK;
}

deliver_status deliver_dmarc_step(deliver_dmarc *h)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    if (h->state == S_DONE) {
        return DELIVER_OK;
    }
    if (h->state == S_IDLE) {
        return dlv_err(&h->err, DELIVER_E_STATE, "the evaluation was not started");
    }
    deliver_status st;
    if (h->state == S_DISCOVER) {
        for (size_t i = 0; i < h->nwalks; i++) {
            if ((st = walk_advance(h, &h->walks[i])) < 0) {
                return dlv_err(&h->err, st, "out of memory");
            }
        }
        if (dlv_qset_open_count(&h->qs) > 0) {
            return DELIVER_PENDING;
        }
        int temp = 0;
        if ((st = decide_policy(h, &temp)) < 0) {
            return dlv_err(&h->err, st, "out of memory");
        }
        if (temp || !h->have_applied) {
            st = finish(h, temp);
            return st < 0 ? dlv_err(&h->err, st, "out of memory") : DELIVER_OK;
        }
        h->state = S_REPORTS;
        if ((h->check_reports || h->lookup_only) && (st = plan_reports(h)) < 0) {
            return dlv_err(&h->err, st, "out of memory");
        }
        /* does the author domain exist (RFC 9989 A.4)? Asked only when the answer can change
         * the policy: a subdomain under a record with its own np. It goes out with the
         * report authorization queries. */
        if (h->mode == DELIVER_DMARC_RFC9989 && !h->lookup_only &&
            h->source != DELIVER_DMARC_SOURCE_AUTHOR && (h->ap->given & DLV_T_NP) &&
            (h->exist_e = ask(h, h->author, DELIVER_DNS_TYPE_A)) < 0) {
            if (h->exist_e == -1) {
                return dlv_err(&h->err, DELIVER_E_NOMEM, "out of memory");
            }
            h->exist_e = -1; /* no slot: the name is taken to exist */
        }
    }
    if (dlv_qset_open_count(&h->qs) > 0) {
        return DELIVER_PENDING;
    }
    st = finish(h, 0);
    return st < 0 ? dlv_err(&h->err, st, "out of memory") : DELIVER_OK;
}

size_t deliver_dmarc_query_count(const deliver_dmarc *h)
{
    return h && (h->state == S_DISCOVER || h->state == S_REPORTS)
               ? dlv_qset_open_count(&h->qs)
               : 0;
}

deliver_status deliver_dmarc_get_query(const deliver_dmarc *h, size_t i, uint64_t *id,
                                       const char **qname, uint16_t *qtype)
{
    return h ? dlv_qset_get_query(&h->qs, i, id, qname, qtype) : DELIVER_E_INVALID;
}

deliver_status deliver_dmarc_answer(deliver_dmarc *h, uint64_t id, deliver_dns_outcome outcome,
                                    const uint8_t *msg, size_t len)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    if (h->state != S_DISCOVER && h->state != S_REPORTS) {
        return dlv_err(&h->err, DELIVER_E_STATE, "the evaluation is not waiting for answers");
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
    return deliver_dmarc_step(core);
}

static dlv_qset *core_qset(void *core)
{
    return &((deliver_dmarc *)core)->qs;
}

static deliver_status core_take(void *core, uint64_t id, int tag, dlv_answer *a)
{
    (void)id;
    deliver_dmarc *h = core;
    return take(h, tag, a);
}

static const dlv_core_ops dmarc_ops = {core_step, core_qset, core_take};

static deliver_status run(deliver_dmarc *h, const char *lookup)
{
    if (!h) {
        return DELIVER_E_INVALID;
    }
    deliver_status st = deliver_dmarc_start(h, lookup);
    if (st < 0) {
        h->state = S_IDLE;
        return st;
    }
    st = dlv_dns_drive(h->ctx, &dmarc_ops, h, &h->err);
    if (st < 0) {
        h->state = S_IDLE;
    }
    return st;
}

deliver_status deliver_dmarc_evaluate(deliver_dmarc *h)
{
    return run(h, NULL);
}

deliver_status deliver_dmarc_lookup(deliver_dmarc *h, const char *domain)
{
    if (!h || !domain) {
        return DELIVER_E_INVALID;
    }
    return run(h, domain);
}

/* ---- results ---- */

#define DONE(h) ((h) && (h)->state == S_DONE)

deliver_dmarc_result deliver_dmarc_get_result(const deliver_dmarc *h)
{
    return DONE(h) ? h->result : DELIVER_DMARC_UNKNOWN;
}

const char *deliver_dmarc_get_from_domain(const deliver_dmarc *h)
{
    return DONE(h) ? h->author : "";
}

const char *deliver_dmarc_get_policy_domain(const deliver_dmarc *h)
{
    return DONE(h) ? h->policy_domain : NULL;
}

const char *deliver_dmarc_get_org_domain(const deliver_dmarc *h)
{
    return DONE(h) && h->have_org ? h->org : NULL;
}

deliver_dmarc_policy_source deliver_dmarc_get_policy_source(const deliver_dmarc *h)
{
    return DONE(h) ? h->source : DELIVER_DMARC_SOURCE_NONE;
}

int deliver_dmarc_get_spf_aligned(const deliver_dmarc *h)
{
    return DONE(h) ? h->spf_aligned : -1;
}

int deliver_dmarc_get_dkim_aligned(const deliver_dmarc *h)
{
    return DONE(h) ? h->dkim_aligned : -1;
}

const char *deliver_dmarc_get_policy_tag(const deliver_dmarc *h)
{
    return DONE(h) ? h->policy_tag : NULL;
}

deliver_dmarc_policy deliver_dmarc_get_policy(const deliver_dmarc *h)
{
    return DONE(h) ? h->policy : DELIVER_DMARC_POLICY_UNSET;
}

deliver_dmarc_policy deliver_dmarc_get_disposition(const deliver_dmarc *h)
{
    return DONE(h) ? h->disposition : DELIVER_DMARC_POLICY_UNSET;
}

unsigned deliver_dmarc_get_pct(const deliver_dmarc *h)
{
    return DONE(h) ? h->pct : 100;
}

deliver_dmarc_policy deliver_dmarc_get_disposition_unsampled(const deliver_dmarc *h)
{
    return DONE(h) ? h->unsampled_disp : DELIVER_DMARC_POLICY_UNSET;
}

int deliver_dmarc_is_unsampled(const deliver_dmarc *h)
{
    return DONE(h) && h->unsampled;
}

int deliver_dmarc_is_test_mode(const deliver_dmarc *h)
{
    return DONE(h) && h->test_mode;
}

const deliver_dmarc_record *deliver_dmarc_get_record(const deliver_dmarc *h)
{
    return DONE(h) && h->have_applied ? h->ap : NULL;
}

const char *deliver_dmarc_get_authentication_results(const deliver_dmarc *h)
{
    return DONE(h) && h->ar.data ? h->ar.data : "";
}

size_t deliver_dmarc_lookup_count(const deliver_dmarc *h)
{
    return h ? h->norder : 0;
}

const char *deliver_dmarc_get_lookup(const deliver_dmarc *h, size_t i)
{
    return h && i < h->norder ? h->order[i] : NULL;
}

size_t deliver_dmarc_report_count(const deliver_dmarc *h)
{
    return DONE(h) ? h->nchecks : 0;
}

const char *deliver_dmarc_report_get_uri(const deliver_dmarc *h, size_t i)
{
    return DONE(h) && i < h->nchecks ? h->checks[i].uri : NULL;
}

deliver_dmarc_report_kind deliver_dmarc_report_get_kind(const deliver_dmarc *h, size_t i)
{
    return DONE(h) && i < h->nchecks ? h->checks[i].kind : (deliver_dmarc_report_kind)0;
}

const char *deliver_dmarc_report_get_query(const deliver_dmarc *h, size_t i)
{
    return DONE(h) && i < h->nchecks ? h->checks[i].query : NULL;
}

deliver_dmarc_report_status deliver_dmarc_report_get_status(const deliver_dmarc *h, size_t i)
{
    return DONE(h) && i < h->nchecks ? h->checks[i].status : (deliver_dmarc_report_status)0;
}

size_t deliver_dmarc_authorized_uri_count(const deliver_dmarc *h, deliver_dmarc_report_kind kind)
{
    if (!DONE(h) || (kind != DELIVER_DMARC_RUA && kind != DELIVER_DMARC_RUF)) {
        return 0;
    }
    return h->nauth[kind == DELIVER_DMARC_RUF];
}

const char *deliver_dmarc_get_authorized_uri(const deliver_dmarc *h,
                                             deliver_dmarc_report_kind kind, size_t i)
{
    return i < deliver_dmarc_authorized_uri_count(h, kind) ? h->auth[kind == DELIVER_DMARC_RUF][i]
                                                           : NULL;
}

size_t deliver_dmarc_finding_count(const deliver_dmarc *h)
{
    return DONE(h) ? h->findings.count : 0;
}

const deliver_finding *deliver_dmarc_get_finding(const deliver_dmarc *h, size_t i)
{
    return DONE(h) ? dlv_findings_get(&h->findings, i) : NULL;
}

deliver_status deliver_dmarc_psl_org_domain(deliver_dmarc *h, const char *domain, char *org,
                                            size_t orgsz, char *suffix, size_t suffixsz)
{
    if (!h || !domain || (!org && orgsz) || (!suffix && suffixsz)) {
        return DELIVER_E_INVALID;
    }
    char d[DLV_DOMAIN_MAX + 1], o[DLV_DOMAIN_MAX + 1];
    deliver_status st = norm(h, domain, strlen(domain), d);
    if (st < 0 || (st = psl_ready(h)) < 0) {
        return st;
    }
    size_t soff = 0;
    int is_suffix = psl_org(h, d, o, &soff);
    if (suffix && suffixsz) {
        if (strlen(d + soff) >= suffixsz) {
            return DELIVER_E_LIMIT;
        }
        memcpy(suffix, d + soff, strlen(d + soff) + 1);
    }
    if (org && orgsz) {
        if (strlen(o) >= orgsz) {
            return DELIVER_E_LIMIT;
        }
        memcpy(org, is_suffix ? "" : o, is_suffix ? 1 : strlen(o) + 1);
    }
    return is_suffix ? DELIVER_E_NOTFOUND : DELIVER_OK;
}

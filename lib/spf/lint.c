/*
 * SPF record linting as a sans-I/O core. The include/redirect tree is walked breadth-first:
 * every record of one level is fetched at once, together with the targets (a, mx, exists)
 * of the level above, so the wall time is one round trip per level. Nothing is evaluated
 * against an address: the lint counts, for the worst case, every DNS-querying term that an
 * evaluation could reach, and reports what is wrong as findings.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "spf/spf_int.h"
#include "dns/dns.h"

#include <deliver/spf.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_NODES 100     /* records (tree entries) visited */
#define MAX_DEPTH 20      /* include/redirect nesting followed; 10 terms allow 11 at most */
#define MAX_QUESTIONS 400 /* distinct DNS questions of one lint */
#define MAX_STRINGS 64    /* character-strings of one --record text in zone form */
#define LIMIT_DNS 10      /* RFC 7208 4.6.4 */
#define LIMIT_VOID 2
#define LIMIT_MX 10
#define LONG_RECORD 450   /* beyond this a record crowds the 512-octet UDP answer */
#define UDP_MAX 512
#define NONE ((size_t)-1)

enum { VIA_ROOT, VIA_INCLUDE, VIA_REDIRECT };
enum { NK_FETCH, NK_GIVEN, NK_NOT_FOLLOWED };

typedef struct lquestion {
    char *name; /* arena */
    uint16_t type;
    dlv_answer *ans; /* NULL while open */
} lquestion;

typedef struct lnode {
    unsigned depth;
    size_t parent;     /* NONE for the root */
    int via;
    int top;           /* the root, or reached from it by redirects only */
    int kind;
    const char *domain;/* arena; "" for a record without a domain */
    const char *term;  /* the term that led here, as written; "" for the root */
    const char *text;  /* the record, "" when none */
    size_t textlen;
    const char *detail;
    size_t q;          /* TXT question, NONE when none */
    unsigned lookups;
} lnode;

typedef struct lcheck {
    size_t node;
    const char *term;  /* as written (arena) */
    const char *target;
    dlv_spf_mech mech;
    size_t qa, qb;     /* questions (qb: AAAA for a) */
} lcheck;

struct deliver_spf_lint {
    deliver_ctx *ctx;
    dlv_errmsg err;
    dlv_arena arena;
    dlv_qset qs;
    lquestion *q;
    size_t nq;
    lnode *nodes;
    size_t nnodes;
    size_t *order;     /* tree entries in depth-first order (indices into nodes) */
    lcheck *checks;
    size_t nchecks, capchecks;
    size_t lo, hi;     /* the nodes of the level being resolved */
    size_t q99;
    int running, done, limited;
    int nomem;         /* an allocation failed: the lint ends with DELIVER_E_NOMEM */
    char domain[DLV_DOMAIN_MAX + 1];
    const char *record;
    /* a --record text: its character-strings as they would be published */
    size_t nstrings;
    size_t strlens[MAX_STRINGS];
    unsigned dns_terms, voids, mx_hosts;
    dlv_findings findings;
};

/* ---- handle ---- */

deliver_status deliver_spf_lint_new(deliver_spf_lint **out, deliver_ctx *ctx)
{
    if (!out) {
        return DELIVER_E_INVALID;
    }
    *out = NULL;
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    deliver_spf_lint *l = dlv_calloc(ctx, 1, sizeof(*l));
    if (!l) {
        return DELIVER_E_NOMEM;
    }
    l->nodes = dlv_calloc(ctx, MAX_NODES, sizeof(*l->nodes));
    l->order = dlv_calloc(ctx, MAX_NODES, sizeof(*l->order));
    l->q = dlv_calloc(ctx, MAX_QUESTIONS, sizeof(*l->q));
    if (!l->nodes || !l->order || !l->q) {
        dlv_free(ctx, l->nodes);
        dlv_free(ctx, l->order);
        dlv_free(ctx, l->q);
        dlv_free(ctx, l);
        return DELIVER_E_NOMEM;
    }
    l->ctx = dlv_ctx_ref(ctx);
    dlv_arena_init(&l->arena, ctx);
    dlv_qset_init(&l->qs, ctx);
    dlv_findings_init(&l->findings, ctx);
    l->q99 = NONE;
    l->record = "";
    *out = l;
    return DELIVER_OK;
}

static void reset(deliver_spf_lint *l)
{
    for (size_t i = 0; i < l->nq; i++) {
        dlv_answer_free(l->q[i].ans);
        l->q[i].ans = NULL;
    }
    l->nq = 0;
    dlv_qset_clear(&l->qs);
    dlv_qset_init(&l->qs, l->ctx);
    dlv_findings_clear(&l->findings);
    dlv_arena_clear(&l->arena);
    l->nnodes = l->nchecks = l->lo = l->hi = 0;
    l->q99 = NONE;
    l->running = l->done = l->limited = l->nomem = 0;
    l->domain[0] = '\0';
    l->record = "";
    l->nstrings = 0;
    l->dns_terms = l->voids = l->mx_hosts = 0;
}

void deliver_spf_lint_free(deliver_spf_lint *l)
{
    if (!l) {
        return;
    }
    reset(l);
    deliver_ctx *ctx = l->ctx;
    dlv_free(ctx, l->nodes);
    dlv_free(ctx, l->order);
    dlv_free(ctx, l->q);
    dlv_free(ctx, l->checks);
    dlv_free(ctx, l);
    dlv_ctx_unref(ctx);
}

const char *deliver_spf_lint_errmsg(const deliver_spf_lint *l)
{
    return l ? l->err.text : "";
}

/* ---- helpers ---- */

static const char *astr(deliver_spf_lint *l, const char *s, size_t n)
{
    const char *c = dlv_arena_strndup(&l->arena, s, n);
    return c;
}

static void add_finding(deliver_spf_lint *l, const char *id, deliver_severity sev,
                        const char *location, const char *hint, const char *fmt, ...)
    DLV_PRINTF(6, 7);
static void add_finding(deliver_spf_lint *l, const char *id, deliver_severity sev,
                        const char *location, const char *hint, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (dlv_findings_add(&l->findings, id, sev, location, hint, "%s", buf) < 0) {
        l->nomem = 1;
    }
}

static const char *loc(const lnode *n)
{
    return n->domain[0] ? n->domain : "record";
}

static int dns_failed(const dlv_answer *a)
{
    return !a || a->outcome == DELIVER_DNS_TIMEOUT || a->outcome == DELIVER_DNS_SERVFAIL ||
           a->outcome == DELIVER_DNS_ERROR || a->outcome == DELIVER_DNS_REFUSED ||
           a->outcome == DELIVER_DNS_CNAME_LOOP;
}

/* Records of type `type` in an answer (0 for a negative answer). */
static size_t count_type(const dlv_answer *a, uint16_t type)
{
    size_t n = 0;
    for (size_t i = 0; a && a->outcome == DELIVER_DNS_OK && i < a->nrr; i++) {
        n += a->rr[i].type == type;
    }
    return n;
}

static void limit_reached(deliver_spf_lint *l, const char *what)
{
    if (l->limited) {
        return;
    }
    l->limited = 1;
    add_finding(l, "spf.lint_limit", DELIVER_SEVERITY_WARNING,
                l->domain[0] ? l->domain : "record",
                "reduce the include tree: flatten includes into ip4:/ip6: ranges",
                "the include tree is too large to follow completely (%s); the counts are "
                "lower bounds",
                what);
}

/* A question (asked once per name and type); NONE when the lint's question limit is hit. */
static size_t ask(deliver_spf_lint *l, const char *name, uint16_t type, int *nomem)
{
    for (size_t i = 0; i < l->nq; i++) {
        if (l->q[i].type == type && dlv_domain_equal(l->q[i].name, name)) {
            return i;
        }
    }
    if (l->nq >= MAX_QUESTIONS) {
        limit_reached(l, "more than 400 DNS questions");
        return NONE;
    }
    char *copy = dlv_arena_strndup(&l->arena, name, strlen(name));
    if (!copy || dlv_qset_add(&l->qs, name, type, (int)l->nq, NULL) < 0) {
        *nomem = 1;
        return NONE;
    }
    l->q[l->nq].name = copy;
    l->q[l->nq].type = type;
    l->q[l->nq].ans = NULL;
    return l->nq++;
}

static const dlv_answer *answer_of(const deliver_spf_lint *l, size_t q)
{
    return q == NONE ? NULL : l->q[q].ans;
}

/* Size of a classic DNS reply (no EDNS0) carrying `rdlens` TXT records for name. */
static size_t udp_size(const char *name, const size_t *rdlens, size_t n)
{
    size_t size = 12 + (name[0] ? strlen(name) + 2 : 1) + 4;
    for (size_t i = 0; i < n; i++) {
        size += 2 + 10 + rdlens[i]; /* compressed owner, type class ttl rdlength, rdata */
    }
    return size;
}

static void check_udp(deliver_spf_lint *l, const lnode *n, size_t size, size_t nrecords)
{
    if (size > UDP_MAX) {
        add_finding(l, "spf.record_too_long_for_udp", DELIVER_SEVERITY_WARNING,
                    loc(n),
                    "shorten the SPF record or remove TXT records that are no longer "
                    "used at this name",
                    "the TXT answer for %s (%zu record%s) is %zu octets, over the %d of "
                    "DNS over UDP without EDNS0: receivers must retry over TCP",
                    n->domain[0] ? n->domain : "the record", nrecords,
                    nrecords == 1 ? "" : "s", size, UDP_MAX);
    }
}

static void check_length(deliver_spf_lint *l, const lnode *n)
{
    if (n->textlen > LONG_RECORD) {
        add_finding(l, "spf.record_long", DELIVER_SEVERITY_INFO, loc(n),
                    "keep the record short: merge ip4:/ip6: ranges into wider prefixes",
                    "the SPF record is %zu characters; past about %d the TXT answer "
                    "approaches the 512 octets of DNS over UDP",
                    n->textlen, LONG_RECORD);
    }
}

/* spf.syntax_error, with the byte offset in the location ("example.com offset 12"). */
static void syntax_at(deliver_spf_lint *l, lnode *n, size_t off, const char *hint,
                      const char *what)
{
    char where[DLV_DOMAIN_MAX + 40];
    if (n->domain[0]) {
        snprintf(where, sizeof(where), "%s offset %zu", n->domain, off);
    } else {
        snprintf(where, sizeof(where), "offset %zu", off);
    }
    n->detail = "syntax error";
    add_finding(l, "spf.syntax_error", DELIVER_SEVERITY_ERROR, where, hint,
                "syntax error at offset %zu: %s", off, what);
}

/* ---- the tree ---- */

static lnode *add_node(deliver_spf_lint *l, size_t parent, int via, const char *domain,
                       size_t domainlen, const char *term, size_t termlen)
{
    if (l->nnodes >= MAX_NODES) {
        limit_reached(l, "more than 100 records");
        return NULL;
    }
    lnode *n = &l->nodes[l->nnodes];
    memset(n, 0, sizeof(*n));
    n->parent = parent;
    n->via = via;
    n->q = NONE;
    n->kind = NK_NOT_FOLLOWED;
    n->text = n->detail = "";
    n->domain = astr(l, domain, domainlen);
    n->term = astr(l, term, termlen);
    if (parent != NONE) {
        const lnode *p = &l->nodes[parent];
        n->depth = p->depth + 1;
        n->top = p->top && via == VIA_REDIRECT;
    } else {
        n->top = 1;
    }
    if (!n->domain || !n->term) {
        l->nomem = 1;
        return NULL;
    }
    l->nnodes++;
    return n;
}

/*
 * The target of a term: 1 with a normalized name in out, 0 when it cannot be followed
 * (macros, no domain, invalid: a finding says why where it matters).
 */
static int term_target(deliver_spf_lint *l, const lnode *n, const dlv_spf_term *t,
                       const char *tt, size_t ttlen, char *out)
{
    if (!t->spec) {
        if (!n->domain[0]) {
            return 0;
        }
        snprintf(out, DLV_DOMAIN_MAX + 1, "%s", n->domain);
        return 1;
    }
    if (t->spec_has_macros) {
        add_finding(l, "spf.macro_not_followed", DELIVER_SEVERITY_INFO, loc(n),
                    "nothing to change; check this term with deliver spf and real "
                    "sender values",
                    "%.*s uses macros: it depends on the sender and cannot be followed "
                    "by a lint",
                    (int)ttlen, tt);
        return 0;
    }
    const char *why = NULL;
    if (dlv_domain_normalize(t->spec, t->spec_len, out, 0, &why) != DELIVER_OK) {
        add_finding(l, "spf.invalid_domain", DELIVER_SEVERITY_ERROR, loc(n),
                    "correct the domain-spec of this term",
                    "%.*s does not give a valid domain: %s", (int)ttlen, tt,
                    why ? why : "invalid");
        return 0;
    }
    return 1;
}

/* Is domain the domain of ni or of one of its ancestors? */
static int on_path(const deliver_spf_lint *l, size_t ni, const char *domain)
{
    for (unsigned guard = 0; ni != NONE && guard <= MAX_NODES; guard++) {
        if (l->nodes[ni].domain[0] && dlv_domain_equal(l->nodes[ni].domain, domain)) {
            return 1;
        }
        ni = l->nodes[ni].parent;
    }
    return 0;
}

/* include: or redirect=: a child entry, fetched at the next level when it can be followed. */
static int follow(deliver_spf_lint *l, size_t ni, const dlv_spf_term *t, int via)
{
    const lnode *n = &l->nodes[ni];
    const char *tt = n->text + t->offset;
    char target[DLV_DOMAIN_MAX + 1];
    int ok = term_target(l, n, t, tt, t->len, target);
    const char *name = ok ? target : t->spec;
    size_t namelen = ok ? strlen(target) : t->spec_len;
    if (ok && n->depth + 1 > MAX_DEPTH) {
        limit_reached(l, "nested more than 20 deep");
        return 0;
    }
    lnode *c = add_node(l, ni, via, name, namelen, tt, t->len);
    if (!c) {
        return l->nomem ? -1 : 0;
    }
    if (!ok) {
        c->detail = t->spec_has_macros ? "not followed: uses macros" : "not followed: invalid";
        return 0;
    }
    if (on_path(l, ni, target)) {
        c->detail = "not followed: loop";
        add_finding(l, "spf.include_loop", DELIVER_SEVERITY_ERROR, loc(n),
                    "remove the include or redirect that leads back to an earlier record",
                    "%.*s leads back to %s, a record already on this path", (int)t->len, tt,
                    target);
        return 0;
    }
    int nomem = 0;
    c->q = ask(l, target, DELIVER_DNS_TYPE_TXT, &nomem);
    if (nomem) {
        return -1;
    }
    if (c->q == NONE) {
        c->detail = "not followed: lint limit";
        return 0;
    }
    c->kind = NK_FETCH;
    return 0;
}

/* a, mx, exists: look the target up (void lookups, MX host counts). */
static int add_check(deliver_spf_lint *l, size_t ni, const dlv_spf_term *t)
{
    const lnode *n = &l->nodes[ni];
    const char *tt = n->text + t->offset;
    char target[DLV_DOMAIN_MAX + 1];
    if (!term_target(l, n, t, tt, t->len, target)) {
        return 0;
    }
    if (dlv_grow(l->ctx, (void **)&l->checks, &l->capchecks, l->nchecks + 1,
                 sizeof(*l->checks)) < 0) {
        return -1;
    }
    lcheck *c = &l->checks[l->nchecks];
    c->node = ni;
    c->mech = t->mech;
    c->term = astr(l, tt, t->len);
    c->target = astr(l, target, strlen(target));
    if (!c->term || !c->target) {
        return -1;
    }
    int nomem = 0;
    c->qb = NONE;
    c->qa = ask(l, target, t->mech == DLV_SPF_MX ? DELIVER_DNS_TYPE_MX : DELIVER_DNS_TYPE_A,
                &nomem);
    if (t->mech == DLV_SPF_A && c->qa != NONE) {
        c->qb = ask(l, target, DELIVER_DNS_TYPE_AAAA, &nomem);
    }
    if (nomem) {
        return -1;
    }
    if (c->qa == NONE || (t->mech == DLV_SPF_A && c->qb == NONE)) {
        return 0; /* the question limit: not checked */
    }
    l->nchecks++;
    return 0;
}

static void run_check(deliver_spf_lint *l, const lcheck *c)
{
    const lnode *n = &l->nodes[c->node];
    const dlv_answer *a = answer_of(l, c->qa), *b = answer_of(l, c->qb);
    if (dns_failed(a) || (c->qb != NONE && dns_failed(b))) {
        const dlv_answer *x = dns_failed(a) ? a : b;
        add_finding(l, "spf.dns_error", DELIVER_SEVERITY_WARNING, loc(n),
                    "make sure the name servers of this name answer",
                    "DNS %s looking up %s for %s: evaluation would give temperror",
                    x ? deliver_dns_outcome_name(x->outcome) : "failure", c->target,
                    c->term);
        return;
    }
    size_t na, nb = 0;
    const char *what;
    if (c->mech == DLV_SPF_MX) {
        na = count_type(a, DELIVER_DNS_TYPE_MX);
        what = "no MX records";
    } else if (c->mech == DLV_SPF_A) {
        na = count_type(a, DELIVER_DNS_TYPE_A);
        nb = count_type(b, DELIVER_DNS_TYPE_AAAA);
        what = "no A or AAAA records";
    } else {
        na = count_type(a, DELIVER_DNS_TYPE_A);
        what = "no A records";
    }
    if (na + nb == 0) {
        l->voids++;
        add_finding(l, "spf.void_lookup", DELIVER_SEVERITY_WARNING, loc(n),
                    "remove the term, or publish the records it expects",
                    "%s: %s %s (a void lookup; more than %d make the record fail)",
                    c->term, c->target,
                    a->outcome == DELIVER_DNS_NXDOMAIN ? "does not exist" : what,
                    LIMIT_VOID);
        return;
    }
    if (c->mech == DLV_SPF_MX) {
        l->mx_hosts += (unsigned)(na > 1000 ? 1000 : na);
        if (na > LIMIT_MX) {
            add_finding(l, "spf.too_many_mx", DELIVER_SEVERITY_ERROR, loc(n),
                        "use ip4:/ip6: or a: terms instead of mx for this domain",
                        "%s: %s has %zu MX records, more than %d (RFC 7208 4.6.4)",
                        c->term, c->target, na, LIMIT_MX);
        }
    }
}

/* The terms of a parsed record: counts, findings, children and checks. */
static int analyze(deliver_spf_lint *l, size_t ni, const dlv_spf_record *rec)
{
    size_t all = NONE, after = 0, first_after = NONE;
    unsigned lookups = 0;
    for (size_t i = 0; i < rec->nterms; i++) {
        const dlv_spf_term *t = &rec->terms[i];
        const lnode *n = &l->nodes[ni];
        const char *tt = n->text + t->offset;
        if (t->kind != DLV_SPF_TERM_MECHANISM) {
            continue;
        }
        if (t->mech == DLV_SPF_PTR) {
            add_finding(l, "spf.ptr_mechanism", DELIVER_SEVERITY_WARNING,
                        loc(n), "replace ptr with ip4:/ip6: ranges or a: terms",
                        "%.*s: the ptr mechanism is slow and unreliable, and RFC 7208 "
                        "5.5 says not to use it",
                        (int)t->len, tt);
        }
        if (all != NONE) {
            after++;
            first_after = first_after == NONE ? i : first_after;
            continue; /* never evaluated: not counted */
        }
        int r = 0;
        switch (t->mech) {
        case DLV_SPF_ALL:
            all = i;
            if (t->qualifier == '+') {
                add_finding(l, "spf.pass_all", DELIVER_SEVERITY_ERROR, loc(n),
                            "end the record with -all or ~all",
                            "%.*s: every host on the Internet may send as this domain",
                            (int)t->len, tt);
            } else if (t->qualifier == '?' && n->top) {
                add_finding(l, "spf.neutral_all", DELIVER_SEVERITY_WARNING,
                            loc(n), "end the record with -all or ~all once every sender "
                                         "is listed",
                            "%.*s: mail from unlisted hosts is neutral, which protects "
                            "nothing",
                            (int)t->len, tt);
            }
            break;
        case DLV_SPF_INCLUDE:
            lookups++;
            r = follow(l, ni, t, VIA_INCLUDE);
            break;
        case DLV_SPF_A:
        case DLV_SPF_MX:
        case DLV_SPF_EXISTS:
            lookups++;
            r = add_check(l, ni, t);
            break;
        case DLV_SPF_PTR:
            lookups++;
            break;
        default:
            break;
        }
        if (r < 0) {
            return -1;
        }
    }
    const lnode *n = &l->nodes[ni];
    if (after > 0) {
        const dlv_spf_term *t = &rec->terms[first_after];
        add_finding(l, "spf.terms_after_all", DELIVER_SEVERITY_WARNING, loc(n),
                    "move these terms before all, or remove them",
                    "%zu term%s after %.*s (first: %.*s) %s never evaluated", after,
                    after == 1 ? "" : "s", (int)rec->terms[all].len,
                    n->text + rec->terms[all].offset, (int)t->len, n->text + t->offset,
                    after == 1 ? "is" : "are");
    }
    const dlv_spf_term *rd = rec->redirect;
    if (rd && all != NONE) {
        add_finding(l, "spf.redirect_with_all", DELIVER_SEVERITY_WARNING, loc(n),
                    "remove the redirect, or remove all if the redirect should apply",
                    "%.*s is ignored: the record has %.*s, which always matches",
                    (int)rd->len, n->text + rd->offset, (int)rec->terms[all].len,
                    n->text + rec->terms[all].offset);
    } else if (rd) {
        lookups++;
        if (follow(l, ni, rd, VIA_REDIRECT) < 0) {
            return -1;
        }
    } else if (all == NONE && n->top) {
        add_finding(l, "spf.no_all", DELIVER_SEVERITY_INFO, loc(n),
                    "end the record with -all or ~all",
                    "the record ends without all or redirect: unlisted hosts get neutral");
    }
    l->nodes[ni].lookups = lookups;
    l->dns_terms += lookups;
    return 0;
}

/* A record of the level: from its TXT answer or given; findings; analysis. */
static int resolve(deliver_spf_lint *l, size_t ni)
{
    lnode *n = &l->nodes[ni];
    if (n->kind == NK_NOT_FOLLOWED) {
        return 0;
    }
    if (n->kind == NK_FETCH) {
        const dlv_answer *a = answer_of(l, n->q);
        if (dns_failed(a)) {
            const char *oc = a ? deliver_dns_outcome_name(a->outcome) : "failure";
            n->detail = astr(l, oc, strlen(oc));
            add_finding(l, "spf.dns_error", DELIVER_SEVERITY_WARNING, loc(n),
                        "make sure the name servers of this name answer",
                        "DNS %s fetching the SPF record of %s: evaluation would give "
                        "temperror, and its terms are not counted",
                        oc, n->domain);
            return n->detail ? 0 : -1;
        }
        const struct deliver_dns_record *found = NULL;
        size_t count = 0, ntxt = 0;
        size_t rdlens[64];
        for (size_t i = 0; a->outcome == DELIVER_DNS_OK && i < a->nrr; i++) {
            const struct deliver_dns_record *r = &a->rr[i];
            if (r->type != DELIVER_DNS_TYPE_TXT) {
                continue;
            }
            if (ntxt < DLV_ARRAY_LEN(rdlens)) {
                rdlens[ntxt] = r->rdlen;
            }
            ntxt++;
            if (r->joined && dlv_spf_is_record((const char *)r->joined, r->joinedlen)) {
                count++;
                found = found ? found : r;
            }
        }
        if (count == 0) {
            int nx = a->outcome == DELIVER_DNS_NXDOMAIN;
            n->detail = nx ? "domain does not exist" : "no SPF record";
            if (n->via == VIA_ROOT) {
                add_finding(l, "spf.no_record", DELIVER_SEVERITY_WARNING,
                            loc(n), "publish a TXT record such as \"v=spf1 mx -all\"",
                            "%s %s: receivers get SPF none for its mail", n->domain,
                            nx ? "does not exist" : "publishes no SPF record");
            } else if (n->via == VIA_INCLUDE) {
                add_finding(l, "spf.include_without_record",
                            DELIVER_SEVERITY_ERROR, loc(&l->nodes[n->parent]),
                            "remove the include, or publish an SPF record there",
                            "%s points at a domain without an SPF record (%s): "
                            "evaluation gives permerror",
                            n->term, nx ? "it does not exist" : "no v=spf1 TXT record");
            } else {
                add_finding(l, "spf.redirect_without_record",
                            DELIVER_SEVERITY_ERROR, loc(&l->nodes[n->parent]),
                            "point redirect= at a domain that publishes an SPF record",
                            "%s points at a domain without an SPF record (%s): "
                            "evaluation gives permerror",
                            n->term, nx ? "it does not exist" : "no v=spf1 TXT record");
            }
            return 0;
        }
        if (ntxt <= DLV_ARRAY_LEN(rdlens)) {
            check_udp(l, n, udp_size(n->domain, rdlens, ntxt), ntxt);
        }
        if (count > 1) {
            n->detail = "multiple SPF records";
            add_finding(l, "spf.multiple_records", DELIVER_SEVERITY_ERROR, loc(n),
                        "merge the SPF records into one TXT record",
                        "%s publishes %zu SPF records (RFC 7208 4.5): evaluation gives "
                        "permerror",
                        n->domain, count);
            return 0;
        }
        n->text = dlv_arena_memdup(&l->arena, found->joined, found->joinedlen);
        n->textlen = found->joinedlen;
        if (!n->text) {
            return -1;
        }
    } else {
        /* a given record: its strings as they would be published */
        size_t rdlens[1] = {0};
        for (size_t i = 0; i < l->nstrings; i++) {
            rdlens[0] += 1 + l->strlens[i];
        }
        check_udp(l, n, udp_size(n->domain, rdlens, 1), 1);
    }
    if (ni == 0) {
        l->record = n->text;
    }
    check_length(l, n);
    dlv_spf_record rec;
    size_t off = 0;
    const char *why = NULL;
    deliver_status st = dlv_spf_parse(&l->arena, n->text, n->textlen, &rec, &off, &why);
    if (st == DELIVER_E_NOMEM) {
        return -1;
    }
    if (st < 0) {
        char what[300];
        snprintf(what, sizeof(what), "%s (near \"%.20s\")", why ? why : "invalid",
                 off < n->textlen ? n->text + off : "");
        syntax_at(l, n, off, "correct the record; every term must follow RFC 7208 section 12",
                  what);
        return 0;
    }
    return analyze(l, ni, &rec);
}

/* Tree entries in depth-first order: each record followed by the records it leads to. */
static void make_order(deliver_spf_lint *l)
{
    size_t stack[MAX_NODES], sp = 0, k = 0;
    if (l->nnodes == 0) {
        return;
    }
    stack[sp++] = 0;
    while (sp > 0 && k < l->nnodes) {
        size_t n = stack[--sp];
        l->order[k++] = n;
        /* children were added in term order and come after their parent: push in reverse */
        for (size_t c = l->nnodes; c-- > n + 1;) {
            if (l->nodes[c].parent == n && sp < MAX_NODES) {
                stack[sp++] = c;
            }
        }
    }
}

static void finish(deliver_spf_lint *l)
{
    const char *where = l->domain[0] ? l->domain : "record";
    const dlv_answer *a99 = answer_of(l, l->q99);
    if (a99 && count_type(a99, DELIVER_DNS_TYPE_SPF) > 0) {
        add_finding(l, "spf.type99_record", DELIVER_SEVERITY_INFO, where,
                    "remove the SPF (type 99) record and keep the TXT record only",
                    "%s publishes an SPF (type 99) record: RFC 7208 3.1 discontinued "
                    "it and receivers ignore it",
                    l->domain);
    }
    if (l->dns_terms > LIMIT_DNS) {
        add_finding(l, "spf.too_many_lookups", DELIVER_SEVERITY_ERROR, where,
                    "flatten includes into ip4:/ip6: ranges, or remove mechanisms you do "
                    "not need",
                    "the include tree has up to %u DNS-querying terms, more than %d (RFC "
                    "7208 4.6.4): evaluation can end in permerror",
                    l->dns_terms, LIMIT_DNS);
    } else if (l->dns_terms >= LIMIT_DNS - 1) {
        add_finding(l, "spf.near_lookup_limit", DELIVER_SEVERITY_WARNING, where,
                    "flatten an include into ip4:/ip6: ranges before a provider adds one "
                    "more",
                    "the include tree has up to %u DNS-querying terms, close to the limit "
                    "of %d",
                    l->dns_terms, LIMIT_DNS);
    }
    if (l->voids > LIMIT_VOID) {
        add_finding(l, "spf.too_many_void_lookups", DELIVER_SEVERITY_ERROR, where,
                    "remove terms that point at names which do not exist or have no "
                    "records",
                    "%u void lookups, more than %d (RFC 7208 4.6.4): evaluation can end "
                    "in permerror",
                    l->voids, LIMIT_VOID);
    }
    if (l->mx_hosts > 0) {
        add_finding(l, "spf.mx_host_lookups", DELIVER_SEVERITY_INFO, where,
                    "prefer ip4:/ip6: ranges to mx where the hosts are stable",
                    "the mx terms add %u address lookups of MX hosts (not counted in the "
                    "%d, at most %d per mx)",
                    l->mx_hosts, LIMIT_DNS, LIMIT_MX);
    }
    make_order(l);
    l->running = 0;
    l->done = 1;
}

/* ---- the core ---- */

deliver_status deliver_spf_lint_step(deliver_spf_lint *l)
{
    if (!l) {
        return DELIVER_E_INVALID;
    }
    if (!l->running) {
        return l->done ? DELIVER_OK : dlv_err(&l->err, DELIVER_E_STATE, "no lint was started");
    }
    /* each round resolves one level; a level is at most MAX_NODES entries */
    for (unsigned guard = 0; guard <= MAX_NODES + 2; guard++) {
        if (dlv_qset_open_count(&l->qs) > 0) {
            return DELIVER_PENDING;
        }
        for (size_t i = 0; i < l->nchecks; i++) {
            run_check(l, &l->checks[i]);
        }
        l->nchecks = 0;
        size_t hi = l->hi;
        for (size_t ni = l->lo; ni < hi && !l->nomem; ni++) {
            if (resolve(l, ni) < 0) {
                l->nomem = 1;
            }
        }
        if (l->nomem) {
            l->running = 0;
            return dlv_err(&l->err, DELIVER_E_NOMEM, "out of memory");
        }
        l->lo = hi;
        l->hi = l->nnodes;
        if (l->lo == l->hi && l->nchecks == 0 && dlv_qset_open_count(&l->qs) == 0) {
            finish(l);
            if (l->nomem) {
                l->done = 0;
                return dlv_err(&l->err, DELIVER_E_NOMEM, "out of memory");
            }
            return DELIVER_OK;
        }
    }
    l->running = 0;
    return dlv_err(&l->err, DELIVER_E_LIMIT, "the lint did not end");
}

deliver_status deliver_spf_lint_answer(deliver_spf_lint *l, uint64_t id,
                                       deliver_dns_outcome outcome, const uint8_t *msg,
                                       size_t len)
{
    if (!l) {
        return DELIVER_E_INVALID;
    }
    if (!l->running) {
        return dlv_err(&l->err, DELIVER_E_STATE, "the lint is not waiting for answers");
    }
    dlv_answer *a = NULL;
    int tag = -1;
    deliver_status st = dlv_qset_answer(&l->qs, &l->err, id, outcome, msg, len, &tag, &a);
    if (st < 0) {
        return st;
    }
    if (a) {
        if (tag < 0 || (size_t)tag >= l->nq || l->q[tag].ans) {
            dlv_answer_free(a);
            return dlv_err(&l->err, DELIVER_E_STATE, "answer to an unknown question");
        }
        l->q[tag].ans = a;
    }
    return DELIVER_OK;
}

size_t deliver_spf_lint_query_count(const deliver_spf_lint *l)
{
    return l ? dlv_qset_open_count(&l->qs) : 0;
}

deliver_status deliver_spf_lint_get_query(const deliver_spf_lint *l, size_t i, uint64_t *id,
                                          const char **qname, uint16_t *qtype)
{
    return l ? dlv_qset_get_query(&l->qs, i, id, qname, qtype) : DELIVER_E_INVALID;
}

/* Normalizes the domain of a lint into l->domain; "" stays "" when allowed. */
static deliver_status set_domain(deliver_spf_lint *l, const char *domain, int optional)
{
    if (!domain || !*domain) {
        if (optional) {
            return DELIVER_OK;
        }
        return dlv_err(&l->err, DELIVER_E_INVALID, "no domain given");
    }
    const char *why = NULL;
    if (dlv_domain_normalize(domain, strlen(domain), l->domain, 0, &why) != DELIVER_OK) {
        l->domain[0] = '\0';
        return dlv_err(&l->err, DELIVER_E_INVALID, "not a valid domain: %s (%s)", domain,
                       why ? why : "invalid");
    }
    return DELIVER_OK;
}

static deliver_status start_root(deliver_spf_lint *l)
{
    int nomem = 0;
    if (l->domain[0]) {
        l->q99 = ask(l, l->domain, DELIVER_DNS_TYPE_SPF, &nomem);
    }
    lnode *n = add_node(l, NONE, VIA_ROOT, l->domain, strlen(l->domain), "", 0);
    if (!n || nomem) {
        reset(l);
        return dlv_err(&l->err, DELIVER_E_NOMEM, "out of memory");
    }
    l->lo = 0;
    l->hi = 1;
    l->running = 1;
    return DELIVER_OK;
}

deliver_status deliver_spf_lint_start_domain(deliver_spf_lint *l, const char *domain)
{
    if (!l) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&l->err);
    reset(l);
    deliver_status st = set_domain(l, domain, 0);
    if (st < 0) {
        return st;
    }
    st = start_root(l);
    if (st < 0) {
        return st;
    }
    int nomem = 0;
    lnode *n = &l->nodes[0];
    n->q = ask(l, l->domain, DELIVER_DNS_TYPE_TXT, &nomem);
    if (nomem || n->q == NONE) {
        reset(l);
        return dlv_err(&l->err, DELIVER_E_NOMEM, "out of memory");
    }
    n->kind = NK_FETCH;
    return DELIVER_OK;
}

/*
 * A --record text: one string as written, or, when it starts with '"', zone-file
 * character-strings ("..." "..." with \" \\ \DDD escapes) joined as receivers join them.
 * Each string over 255 octets is a finding. 0, or -1 out of memory.
 */
static int take_record_text(deliver_spf_lint *l, lnode *n, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t')) {
        i++;
    }
    if (i == len || text[i] != '"') {
        n->text = dlv_arena_memdup(&l->arena, text, len);
        n->textlen = len;
        if (!n->text) {
            return -1;
        }
        l->nstrings = 0;
        for (size_t left = len; l->nstrings < MAX_STRINGS;) { /* as it would be split */
            size_t s = left > 255 ? 255 : left;
            l->strlens[l->nstrings++] = s;
            left -= s;
            if (left == 0) {
                break;
            }
        }
        if (len > 255) {
            add_finding(l, "spf.string_too_long", DELIVER_SEVERITY_ERROR,
                        loc(n),
                        "publish it as several quoted strings of at most 255 octets "
                        "(\"v=spf1 ... \" \"...\"); receivers join them without spaces",
                        "the record is one string of %zu octets; a TXT character-string "
                        "holds at most 255, so it must be split",
                        len);
        }
        return 0;
    }
    /* zone form: the joined text is never longer than the input */
    char *out = dlv_arena_alloc(&l->arena, len + 1);
    if (!out) {
        return -1;
    }
    size_t o = 0;
    l->nstrings = 0;
    while (i < len) { /* each pass consumes at least one octet */
        if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n') {
            i++;
            continue;
        }
        size_t start = i, slen = 0;
        if (text[i] != '"') {
            syntax_at(l, n, i, "write the record as one text, or as quoted strings only",
                      "text outside quotes in the record text");
            return 1;
        }
        i++;
        int closed = 0;
        while (i < len) {
            unsigned char c = (unsigned char)text[i++];
            if (c == '"') {
                closed = 1;
                break;
            }
            if (c == '\\' && i < len) {
                if (i + 2 < len && text[i] >= '0' && text[i] <= '9' && text[i + 1] >= '0' &&
                    text[i + 1] <= '9' && text[i + 2] >= '0' && text[i + 2] <= '9') {
                    unsigned v = (unsigned)(text[i] - '0') * 100 +
                                 (unsigned)(text[i + 1] - '0') * 10 + (unsigned)(text[i + 2] - '0');
                    c = (unsigned char)(v > 255 ? 255 : v);
                    i += 3;
                } else {
                    c = (unsigned char)text[i++];
                }
            }
            out[o++] = (char)c;
            slen++;
        }
        if (!closed) {
            syntax_at(l, n, start, "close every quoted string of the record text",
                      "unterminated quoted string in the record text");
            return 1;
        }
        if (l->nstrings < MAX_STRINGS) {
            l->strlens[l->nstrings++] = slen;
        }
        if (slen > 255) {
            add_finding(l, "spf.string_too_long", DELIVER_SEVERITY_ERROR, loc(n),
                        "split it into strings of at most 255 octets; receivers join "
                        "them without spaces",
                        "string %zu of the record is %zu octets; a TXT character-string "
                        "holds at most 255",
                        l->nstrings, slen);
        }
    }
    out[o] = '\0';
    n->text = out;
    n->textlen = o;
    return 0;
}

deliver_status deliver_spf_lint_start_record(deliver_spf_lint *l, const char *text, size_t len,
                                             const char *domain)
{
    if (!l) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&l->err);
    reset(l);
    if (!text && len > 0) {
        return dlv_err(&l->err, DELIVER_E_INVALID, "no record text");
    }
    deliver_status st = set_domain(l, domain, 1);
    if (st < 0) {
        return st;
    }
    st = start_root(l);
    if (st < 0) {
        return st;
    }
    lnode *n = &l->nodes[0];
    int r = take_record_text(l, n, text ? text : "", len);
    if (r > 0) { /* not usable as zone text: keep it as written */
        n->text = dlv_arena_memdup(&l->arena, text, len);
        n->textlen = len;
        r = n->text ? r : -1;
    }
    if (r < 0) {
        reset(l);
        return dlv_err(&l->err, DELIVER_E_NOMEM, "out of memory");
    }
    n->kind = r == 0 ? NK_GIVEN : NK_NOT_FOLLOWED;
    l->record = n->text;
    return DELIVER_OK;
}

/* ---- blocking ---- */

static deliver_status core_step(void *core)
{
    return deliver_spf_lint_step(core);
}

static dlv_qset *core_qset(void *core)
{
    return &((deliver_spf_lint *)core)->qs;
}

static deliver_status core_take(void *core, uint64_t id, int tag, dlv_answer *a)
{
    (void)id;
    deliver_spf_lint *l = core;
    if (tag < 0 || (size_t)tag >= l->nq || l->q[tag].ans) {
        dlv_answer_free(a);
        return DELIVER_E_STATE;
    }
    l->q[tag].ans = a;
    return DELIVER_OK;
}

static const dlv_core_ops lint_ops = {core_step, core_qset, core_take};

static deliver_status run(deliver_spf_lint *l, deliver_status st)
{
    if (st < 0) {
        return st;
    }
    st = dlv_dns_drive(l->ctx, &lint_ops, l, &l->err);
    if (st < 0) {
        l->running = 0;
        l->done = 0;
    }
    return st;
}

deliver_status deliver_spf_lint_domain(deliver_spf_lint *l, const char *domain)
{
    return run(l, deliver_spf_lint_start_domain(l, domain));
}

deliver_status deliver_spf_lint_record(deliver_spf_lint *l, const char *text, size_t len,
                                       const char *domain)
{
    return run(l, deliver_spf_lint_start_record(l, text, len, domain));
}

/* ---- results ---- */

static int have(const deliver_spf_lint *l)
{
    return l && l->done && !l->running;
}

const char *deliver_spf_lint_get_domain(const deliver_spf_lint *l)
{
    return l ? l->domain : "";
}

const char *deliver_spf_lint_get_record(const deliver_spf_lint *l)
{
    return have(l) && l->record ? l->record : "";
}

unsigned deliver_spf_lint_dns_mechanism_count(const deliver_spf_lint *l)
{
    return have(l) ? l->dns_terms : 0;
}

unsigned deliver_spf_lint_void_lookup_count(const deliver_spf_lint *l)
{
    return have(l) ? l->voids : 0;
}

unsigned deliver_spf_lint_mx_host_count(const deliver_spf_lint *l)
{
    return have(l) ? l->mx_hosts : 0;
}

size_t deliver_spf_lint_finding_count(const deliver_spf_lint *l)
{
    return have(l) ? l->findings.count : 0;
}

const deliver_finding *deliver_spf_lint_get_finding(const deliver_spf_lint *l, size_t i)
{
    return have(l) ? dlv_findings_get(&l->findings, i) : NULL;
}

size_t deliver_spf_lint_tree_count(const deliver_spf_lint *l)
{
    return have(l) ? l->nnodes : 0;
}

static const lnode *entry(const deliver_spf_lint *l, size_t i)
{
    return have(l) && i < l->nnodes ? &l->nodes[l->order[i]] : NULL;
}

unsigned deliver_spf_lint_tree_get_depth(const deliver_spf_lint *l, size_t i)
{
    const lnode *n = entry(l, i);
    return n ? n->depth : 0;
}

const char *deliver_spf_lint_tree_get_domain(const deliver_spf_lint *l, size_t i)
{
    const lnode *n = entry(l, i);
    return n ? n->domain : NULL;
}

const char *deliver_spf_lint_tree_get_term(const deliver_spf_lint *l, size_t i)
{
    const lnode *n = entry(l, i);
    return n ? n->term : NULL;
}

const char *deliver_spf_lint_tree_get_record(const deliver_spf_lint *l, size_t i)
{
    const lnode *n = entry(l, i);
    return n ? n->text : NULL;
}

const char *deliver_spf_lint_tree_get_detail(const deliver_spf_lint *l, size_t i)
{
    const lnode *n = entry(l, i);
    return n ? n->detail : NULL;
}

unsigned deliver_spf_lint_tree_get_lookups(const deliver_spf_lint *l, size_t i)
{
    const lnode *n = entry(l, i);
    return n ? n->lookups : 0;
}

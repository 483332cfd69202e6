/*
 * deliver_dns_lookup: one name and type, CNAME chains followed across replies. A sans-I/O
 * core (start/step/query/answer) with the blocking call on top, like every check.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dns/dns.h"

#include <string.h>

enum { L_IDLE, L_RUNNING, L_DONE };

struct deliver_dns_lookup {
    deliver_ctx *ctx;
    dlv_errmsg err;
    int state;
    char name[DLV_DOMAIN_MAX + 1];
    uint16_t type;
    dlv_qset qs;
    dlv_answer **answers; /* every reply of the chain, in order; the last is the final one */
    size_t nanswers, capanswers;
    const deliver_dns_record **chain; /* the CNAME records across all replies */
    size_t nchain, capchain;
    deliver_dns_outcome outcome;
    int ad;
    dlv_findings findings;
};

deliver_status deliver_dns_lookup_new(deliver_dns_lookup **out, deliver_ctx *ctx)
{
    if (!out) {
        return DELIVER_E_INVALID;
    }
    *out = NULL;
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    deliver_dns_lookup *l = dlv_calloc(ctx, 1, sizeof(*l));
    if (!l) {
        return DELIVER_E_NOMEM;
    }
    l->ctx = dlv_ctx_ref(ctx);
    dlv_qset_init(&l->qs, ctx);
    l->qs.chase = 0;
    dlv_findings_init(&l->findings, ctx);
    *out = l;
    return DELIVER_OK;
}

static void reset(deliver_dns_lookup *l)
{
    for (size_t i = 0; i < l->nanswers; i++) {
        dlv_answer_free(l->answers[i]);
    }
    l->nanswers = 0;
    l->nchain = 0;
    dlv_qset_clear(&l->qs);
    dlv_qset_init(&l->qs, l->ctx);
    l->qs.chase = 0; /* the lookup follows CNAMEs itself, keeping the chain */
    dlv_findings_clear(&l->findings);
    l->state = L_IDLE;
    l->outcome = DELIVER_DNS_ERROR;
    l->ad = 0;
}

void deliver_dns_lookup_free(deliver_dns_lookup *l)
{
    if (!l) {
        return;
    }
    reset(l);
    deliver_ctx *ctx = l->ctx;
    dlv_free(ctx, l->answers);
    dlv_free(ctx, l->chain);
    dlv_free(ctx, l);
    dlv_ctx_unref(ctx);
}

const char *deliver_dns_lookup_errmsg(const deliver_dns_lookup *l)
{
    return l ? l->err.text : "";
}

deliver_status deliver_dns_lookup_start(deliver_dns_lookup *l, const char *name, uint16_t type)
{
    if (!l) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&l->err);
    reset(l);
    if (!name) {
        return dlv_err(&l->err, DELIVER_E_INVALID, "no name");
    }
    const char *why = NULL;
    if (dlv_domain_normalize(name, strlen(name), l->name, 0, &why) != DELIVER_OK) {
        return dlv_err(&l->err, DELIVER_E_INVALID, "invalid domain name: %s", why);
    }
    l->type = type;
    if (dlv_qset_add(&l->qs, l->name, type, 0, NULL) < 0) {
        return DELIVER_E_NOMEM;
    }
    l->state = L_RUNNING;
    l->ad = 1;
    return DELIVER_OK;
}

deliver_status deliver_dns_lookup_step(deliver_dns_lookup *l)
{
    if (!l) {
        return DELIVER_E_INVALID;
    }
    if (l->state == L_DONE) {
        return DELIVER_OK;
    }
    if (l->state != L_RUNNING) {
        return dlv_err(&l->err, DELIVER_E_STATE, "the lookup was not started");
    }
    return DELIVER_PENDING;
}

size_t deliver_dns_lookup_query_count(const deliver_dns_lookup *l)
{
    return l ? dlv_qset_open_count(&l->qs) : 0;
}

deliver_status deliver_dns_lookup_get_query(const deliver_dns_lookup *l, size_t i, uint64_t *id,
                                            const char **qname, uint16_t *qtype)
{
    return l ? dlv_qset_get_query(&l->qs, i, id, qname, qtype) : DELIVER_E_INVALID;
}

static void add_outcome_finding(deliver_dns_lookup *l, const char *name)
{
    static const struct {
        deliver_dns_outcome oc;
        const char *id;
        deliver_severity sev;
        const char *msg;
        const char *hint;
    } table[] = {
        {DELIVER_DNS_SERVFAIL, "dns.servfail", DELIVER_SEVERITY_ERROR,
         "the DNS server failed to answer (SERVFAIL)",
         "check the zone's name servers and, if it is signed, its DNSSEC signatures"},
        {DELIVER_DNS_REFUSED, "dns.refused", DELIVER_SEVERITY_ERROR,
         "the DNS server refused the question",
         "use a resolver that serves this name, or check the delegation"},
        {DELIVER_DNS_TIMEOUT, "dns.timeout", DELIVER_SEVERITY_ERROR,
         "no DNS reply within the timeout", "check that the zone's name servers answer"},
        {DELIVER_DNS_ERROR, "dns.error", DELIVER_SEVERITY_ERROR,
         "the DNS question could not be answered (bad reply or network error)", NULL},
        {DELIVER_DNS_CNAME_LOOP, "dns.cname_loop", DELIVER_SEVERITY_ERROR,
         "the CNAME chain loops or is too long",
         "point the CNAME at a name that holds the records itself"},
    };
    for (size_t i = 0; i < DLV_ARRAY_LEN(table); i++) {
        if (table[i].oc == l->outcome) {
            dlv_findings_add(&l->findings, table[i].id, table[i].sev, name, table[i].hint, "%s",
                             table[i].msg);
        }
    }
}

static int name_on_chain(const deliver_dns_lookup *l, const char *name)
{
    if (strcmp(name, l->name) == 0) {
        return 1;
    }
    for (size_t i = 0; i < l->nchain; i++) {
        if (strcmp(l->chain[i]->target, name) == 0) {
            return 1;
        }
    }
    return 0;
}

static void finish(deliver_dns_lookup *l, deliver_dns_outcome oc, const char *where)
{
    l->outcome = oc;
    l->state = L_DONE;
    if (oc != DELIVER_DNS_OK && oc != DELIVER_DNS_NODATA && oc != DELIVER_DNS_NXDOMAIN) {
        l->ad = 0;
    }
    add_outcome_finding(l, where);
}

/* The core's answer: takes ownership of a. */
static deliver_status take_answer(deliver_dns_lookup *l, dlv_answer *a)
{
    a = dlv_answer_aged(l->ctx, a); /* the lookup shows TTLs as they are now */
    if (!a) {
        return DELIVER_E_NOMEM;
    }
    if (dlv_grow(l->ctx, (void **)&l->answers, &l->capanswers, l->nanswers + 1,
                 sizeof(*l->answers)) < 0 ||
        dlv_grow(l->ctx, (void **)&l->chain, &l->capchain, l->nchain + a->ncname + 1,
                 sizeof(*l->chain)) < 0) {
        dlv_answer_free(a);
        return DELIVER_E_NOMEM;
    }
    l->answers[l->nanswers++] = a;
    if (!a->ad) {
        l->ad = 0;
    }
    for (size_t i = 0; i < a->ncname; i++) {
        if (name_on_chain(l, a->cname[i].target) || l->nchain >= l->ctx->dns_cname_limit) {
            finish(l, DELIVER_DNS_CNAME_LOOP, a->cname[i].owner);
            return DELIVER_OK;
        }
        l->chain[l->nchain++] = &a->cname[i];
    }
    if (a->outcome == DELIVER_DNS_CNAME_LOOP) {
        finish(l, a->outcome, a->qname);
        return DELIVER_OK;
    }
    if (a->next_name) {
        char next[DLV_DOMAIN_MAX + 1];
        if (dlv_domain_normalize(a->next_name, strlen(a->next_name), next, 0, NULL) !=
            DELIVER_OK) {
            finish(l, DELIVER_DNS_ERROR, a->next_name);
            return DELIVER_OK;
        }
        if (dlv_qset_add(&l->qs, next, l->type, 0, NULL) < 0) {
            return DELIVER_E_NOMEM;
        }
        return DELIVER_OK;
    }
    finish(l, a->outcome, a->qname);
    return DELIVER_OK;
}

deliver_status deliver_dns_lookup_answer(deliver_dns_lookup *l, uint64_t id,
                                         deliver_dns_outcome outcome, const uint8_t *msg,
                                         size_t len)
{
    if (!l) {
        return DELIVER_E_INVALID;
    }
    if (l->state != L_RUNNING) {
        return dlv_err(&l->err, DELIVER_E_STATE, "the lookup is not waiting for answers");
    }
    dlv_answer *a = NULL;
    deliver_status st = dlv_qset_answer(&l->qs, &l->err, id, outcome, msg, len, NULL, &a);
    if (st < 0) {
        return st;
    }
    return take_answer(l, a);
}

static deliver_status core_step(void *core)
{
    return deliver_dns_lookup_step(core);
}

static dlv_qset *core_qset(void *core)
{
    return &((deliver_dns_lookup *)core)->qs;
}

static deliver_status core_take(void *core, uint64_t id, int tag, dlv_answer *a)
{
    (void)id;
    (void)tag;
    deliver_dns_lookup *l = core;
    return take_answer(l, a);
}

static const dlv_core_ops lookup_ops = {core_step, core_qset, core_take};

deliver_status deliver_dns_lookup_run(deliver_dns_lookup *l, const char *name, uint16_t type)
{
    deliver_status st = deliver_dns_lookup_start(l, name, type);
    if (st < 0) {
        return st;
    }
    st = dlv_dns_drive(l->ctx, &lookup_ops, l, &l->err);
    if (st < 0) {
        l->state = L_IDLE;
    }
    return st;
}

deliver_dns_outcome deliver_dns_lookup_get_outcome(const deliver_dns_lookup *l)
{
    return l && l->state == L_DONE ? l->outcome : DELIVER_DNS_ERROR;
}

static const dlv_answer *final_answer(const deliver_dns_lookup *l)
{
    return l && l->state == L_DONE && l->nanswers ? l->answers[l->nanswers - 1] : NULL;
}

int deliver_dns_lookup_get_rcode(const deliver_dns_lookup *l)
{
    const dlv_answer *a = final_answer(l);
    return a ? a->rcode : -1;
}

int deliver_dns_lookup_is_authenticated(const deliver_dns_lookup *l)
{
    return l && l->state == L_DONE ? l->ad : 0;
}

const char *deliver_dns_lookup_get_name(const deliver_dns_lookup *l)
{
    return l ? l->name : NULL;
}

size_t deliver_dns_lookup_cname_count(const deliver_dns_lookup *l)
{
    return l && l->state == L_DONE ? l->nchain : 0;
}

const deliver_dns_record *deliver_dns_lookup_get_cname(const deliver_dns_lookup *l, size_t i)
{
    return i < deliver_dns_lookup_cname_count(l) ? l->chain[i] : NULL;
}

size_t deliver_dns_lookup_record_count(const deliver_dns_lookup *l)
{
    const dlv_answer *a = final_answer(l);
    return a && l->outcome == DELIVER_DNS_OK ? a->nrr : 0;
}

const deliver_dns_record *deliver_dns_lookup_get_record(const deliver_dns_lookup *l, size_t i)
{
    return i < deliver_dns_lookup_record_count(l) ? &final_answer(l)->rr[i] : NULL;
}

size_t deliver_dns_lookup_finding_count(const deliver_dns_lookup *l)
{
    return l ? l->findings.count : 0;
}

const deliver_finding *deliver_dns_lookup_get_finding(const deliver_dns_lookup *l, size_t i)
{
    return l ? dlv_findings_get(&l->findings, i) : NULL;
}

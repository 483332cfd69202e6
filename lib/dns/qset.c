/*
 * The open questions of a sans-I/O core: ids, names, and answers handed back in any order.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dns/dns.h"

#include <string.h>

void dlv_qset_init(dlv_qset *s, deliver_ctx *ctx)
{
    memset(s, 0, sizeof(*s));
    s->ctx = ctx;
    s->next_id = 1;
    s->chase = 1;
}

void dlv_qset_clear(dlv_qset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        dlv_free(s->ctx, s->q[i].qname);
    }
    dlv_free(s->ctx, s->q);
    s->q = NULL;
    s->n = s->cap = s->open = 0;
}

int dlv_qset_add(dlv_qset *s, const char *qname, uint16_t qtype, int tag, uint64_t *id)
{
    /* reuse the slot of a closed question */
    size_t slot = s->n;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->q[i].open) {
            slot = i;
            break;
        }
    }
    if (slot == s->n && dlv_grow(s->ctx, (void **)&s->q, &s->cap, s->n + 1, sizeof(*s->q)) < 0) {
        return -1;
    }
    char *name = dlv_strdup(s->ctx, qname);
    if (!name) {
        return -1;
    }
    if (slot == s->n) {
        s->n++;
    } else {
        dlv_free(s->ctx, s->q[slot].qname);
    }
    dlv_query *q = &s->q[slot];
    q->id = s->next_id++;
    q->qname = name;
    q->qtype = qtype;
    q->tag = tag;
    q->open = 1;
    q->hops = 0;
    s->open++;
    if (id) {
        *id = q->id;
    }
    return 0;
}

size_t dlv_qset_open_count(const dlv_qset *s)
{
    return s->open;
}

const dlv_query *dlv_qset_get_open(const dlv_qset *s, size_t i)
{
    for (size_t k = 0; k < s->n; k++) {
        if (s->q[k].open && i-- == 0) {
            return &s->q[k];
        }
    }
    return NULL;
}

deliver_status dlv_qset_get_query(const dlv_qset *s, size_t i, uint64_t *id, const char **qname,
                                  uint16_t *qtype)
{
    const dlv_query *q = s ? dlv_qset_get_open(s, i) : NULL;
    if (!q) {
        return DELIVER_E_INVALID;
    }
    if (id) {
        *id = q->id;
    }
    if (qname) {
        *qname = q->qname;
    }
    if (qtype) {
        *qtype = q->qtype;
    }
    return DELIVER_OK;
}

static dlv_query *find_open(dlv_qset *s, uint64_t id)
{
    for (size_t k = 0; k < s->n; k++) {
        if (s->q[k].open && s->q[k].id == id) {
            return &s->q[k];
        }
    }
    return NULL;
}

int dlv_qset_deliver(dlv_qset *s, uint64_t id, dlv_answer *a, int *tag, dlv_answer **final)
{
    *final = NULL;
    dlv_query *q = find_open(s, id);
    if (!q) {
        dlv_answer_free(a);
        return DELIVER_E_NOTFOUND;
    }
    if (s->chase && a->next_name) {
        if (q->hops >= s->ctx->dns_cname_limit) {
            dlv_answer *loop = dlv_answer_new(s->ctx, a->qname, a->qtype, DELIVER_DNS_CNAME_LOOP);
            dlv_answer_free(a);
            if (!loop) {
                return DELIVER_E_NOMEM;
            }
            a = loop;
        } else {
            char next[DLV_DOMAIN_MAX + 1];
            if (dlv_domain_normalize(a->next_name, strlen(a->next_name), next, 0, NULL) !=
                DELIVER_OK) {
                dlv_answer *bad = dlv_answer_new(s->ctx, a->qname, a->qtype, DELIVER_DNS_ERROR);
                dlv_answer_free(a);
                if (!bad) {
                    return DELIVER_E_NOMEM;
                }
                a = bad;
            } else {
                char *name = dlv_strdup(s->ctx, next);
                dlv_answer_free(a);
                if (!name) {
                    return DELIVER_E_NOMEM;
                }
                dlv_free(s->ctx, q->qname);
                q->qname = name;
                q->hops++;
                return 0; /* still open, now for the target */
            }
        }
    }
    q->open = 0;
    s->open--;
    if (tag) {
        *tag = q->tag;
    }
    *final = a;
    return 1;
}

deliver_status dlv_qset_answer(dlv_qset *s, dlv_errmsg *err, uint64_t id,
                               deliver_dns_outcome outcome, const uint8_t *msg, size_t len,
                               int *tag, dlv_answer **ans)
{
    *ans = NULL;
    dlv_query *q = find_open(s, id);
    deliver_status st = DELIVER_E_NOTFOUND;
    dlv_answer *a = NULL;
    if (q) {
        st = dlv_answer_from_input(s->ctx, q->qname, q->qtype, outcome, msg, len, &a);
    }
    if (st >= 0) {
        int r = dlv_qset_deliver(s, id, a, tag, ans);
        st = r < 0 ? (deliver_status)r : DELIVER_OK;
    }
    if (st < 0) {
        return dlv_err(err, st, "cannot take the answer to question %llu: %s",
                       (unsigned long long)id, deliver_strerror(st));
    }
    return DELIVER_OK;
}

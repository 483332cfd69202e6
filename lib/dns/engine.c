/*
 * The DNS engine of a context: which resolver answers, the cache in front of it, the
 * counters, the public resolver settings, and the blocking driver that loops any sans-I/O
 * core against the resolver.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dns/dns.h"

#include <stdio.h>
#include <string.h>

#define CACHE_MAX_TTL 86400u
#define DNS_STAT_COUNT 6

enum { K_SYSTEM, K_NET, K_ZONE, K_CALLBACK };

typedef struct centry {
    struct centry *prev, *next; /* LRU list, most recent first */
    char *key;
    dlv_answer *ans;
    int64_t stored, expires;
} centry;

typedef struct equery {
    uint64_t id;
    char *qname;
    uint16_t qtype;
    dlv_netq *nq;
    dlv_answer *ans; /* set when done */
    int done;
    int cacheable;
} equery;

struct dlv_dns_engine {
    int kind;
    dlv_net *net;
    dlv_zonedb *zones;
    deliver_dns_query_fn cb;
    void *cb_ud;
    dlv_hmap cache;
    centry *lru_head, *lru_tail;
    equery *q;
    size_t nq, capq;
    uint64_t next_id;
    uint64_t stats[DNS_STAT_COUNT];
    int in_callback;
};

/* ---- lifecycle and resolver choice ---- */

deliver_status dlv_dns_engine_get(deliver_ctx *ctx, dlv_dns_engine **out)
{
    if (!ctx->dns) {
        dlv_dns_engine *e = dlv_calloc(ctx, 1, sizeof(*e));
        if (!e) {
            return DELIVER_E_NOMEM;
        }
        dlv_hmap_init(&e->cache, ctx);
        e->next_id = 1;
        ctx->dns = e;
    }
    *out = ctx->dns;
    return DELIVER_OK;
}

static void cache_free_entry(void *v, void *arg)
{
    deliver_ctx *ctx = arg;
    centry *c = v;
    dlv_answer_free(c->ans);
    dlv_free(ctx, c->key);
    dlv_free(ctx, c);
}

static void cache_clear(deliver_ctx *ctx, dlv_dns_engine *e)
{
    dlv_hmap_free(&e->cache, cache_free_entry, ctx);
    dlv_hmap_init(&e->cache, ctx);
    e->lru_head = e->lru_tail = NULL;
}

static void drop_resolver(deliver_ctx *ctx, dlv_dns_engine *e)
{
    dlv_net_free(e->net);
    e->net = NULL;
    dlv_zonedb_free(e->zones);
    e->zones = NULL;
    e->cb = NULL;
    e->cb_ud = NULL;
    e->kind = K_SYSTEM;
    cache_clear(ctx, e);
}

void dlv_dns_engine_free(deliver_ctx *ctx)
{
    dlv_dns_engine *e = ctx->dns;
    if (!e) {
        return;
    }
    for (size_t i = 0; i < e->nq; i++) {
        dlv_answer_free(e->q[i].ans);
        dlv_free(ctx, e->q[i].qname);
    }
    dlv_free(ctx, e->q);
    drop_resolver(ctx, e);
    dlv_hmap_free(&e->cache, cache_free_entry, ctx);
    dlv_free(ctx, e);
    ctx->dns = NULL;
}

void dlv_dns_stat_add(deliver_ctx *ctx, deliver_dns_stat stat, uint64_t n)
{
    if (ctx->dns && (unsigned)stat < DNS_STAT_COUNT) {
        ctx->dns->stats[stat] += n;
    }
}

uint64_t deliver_ctx_get_dns_stat(const deliver_ctx *ctx, deliver_dns_stat stat)
{
    if (!ctx || !ctx->dns || (unsigned)stat >= DNS_STAT_COUNT) {
        return 0;
    }
    return ctx->dns->stats[stat];
}

/* Switches the context to resolver kind k (dropping any other kind); E_STATE while busy. */
static deliver_status switch_kind(deliver_ctx *ctx, int k, dlv_dns_engine **out)
{
    dlv_dns_engine *e;
    deliver_status st = dlv_dns_engine_get(ctx, &e);
    if (st < 0) {
        return st;
    }
    if (e->kind != k || k == K_CALLBACK) {
        if (e->nq > 0) {
            return dlv_err(&ctx->err, DELIVER_E_STATE,
                           "the resolver cannot change while questions are open");
        }
        drop_resolver(ctx, e);
        e->kind = k;
    }
    if (k == K_NET && !e->net) {
        e->net = dlv_net_new(ctx);
        if (!e->net) {
            e->kind = K_SYSTEM;
            return DELIVER_E_NOMEM;
        }
    }
    if (k == K_ZONE && !e->zones) {
        e->zones = dlv_zonedb_new(ctx);
        if (!e->zones) {
            e->kind = K_SYSTEM;
            return DELIVER_E_NOMEM;
        }
    }
    *out = e;
    return DELIVER_OK;
}

deliver_status deliver_ctx_add_dns_server(deliver_ctx *ctx, const char *address, uint16_t port)
{
    if (!ctx || !address) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&ctx->err);
    dlv_dns_engine *e;
    deliver_status st = switch_kind(ctx, K_NET, &e);
    return st < 0 ? st : dlv_net_add_server(e->net, address, port);
}

deliver_status deliver_ctx_use_resolv_conf(deliver_ctx *ctx, const char *path)
{
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&ctx->err);
    dlv_dns_engine *e;
    deliver_status st = dlv_dns_engine_get(ctx, &e);
    if (st < 0) {
        return st;
    }
    if (e->nq > 0) {
        return dlv_err(&ctx->err, DELIVER_E_STATE,
                       "the resolver cannot change while questions are open");
    }
    drop_resolver(ctx, e);
    st = switch_kind(ctx, K_NET, &e);
    if (st < 0) {
        return st;
    }
    st = dlv_net_use_resolv_conf(e->net, path ? path : "/etc/resolv.conf");
    if (st < 0) {
        drop_resolver(ctx, e);
    }
    return st;
}

deliver_status deliver_ctx_add_zone_file(deliver_ctx *ctx, const char *path)
{
    if (!ctx || !path) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&ctx->err);
    dlv_dns_engine *e;
    deliver_status st = switch_kind(ctx, K_ZONE, &e);
    return st < 0 ? st : dlv_zonedb_add_file(e->zones, path);
}

deliver_status deliver_ctx_add_zone_text(deliver_ctx *ctx, const char *text, size_t len,
                                         const char *origin)
{
    if (!ctx || (!text && len)) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&ctx->err);
    dlv_dns_engine *e;
    deliver_status st = switch_kind(ctx, K_ZONE, &e);
    return st < 0 ? st : dlv_zonedb_add_text(e->zones, text ? text : "", len, origin, "zone text");
}

deliver_status deliver_ctx_add_zone_failure(deliver_ctx *ctx, const char *name, uint16_t qtype,
                                            deliver_dns_outcome outcome)
{
    if (!ctx || !name) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&ctx->err);
    if (outcome != DELIVER_DNS_TIMEOUT && outcome != DELIVER_DNS_SERVFAIL &&
        outcome != DELIVER_DNS_REFUSED && outcome != DELIVER_DNS_ERROR) {
        return dlv_err(&ctx->err, DELIVER_E_INVALID, "not a failure outcome: %d", (int)outcome);
    }
    char norm[DLV_DOMAIN_MAX + 1];
    const char *why = NULL;
    if (dlv_domain_normalize(name, strlen(name), norm, 0, &why) != DELIVER_OK) {
        return dlv_err(&ctx->err, DELIVER_E_INVALID, "%s: %s", name, why);
    }
    dlv_dns_engine *e;
    deliver_status st = switch_kind(ctx, K_ZONE, &e);
    return st < 0 ? st : dlv_zonedb_add_failure(e->zones, norm, qtype, outcome);
}

deliver_status deliver_ctx_set_dns_callback(deliver_ctx *ctx, deliver_dns_query_fn fn,
                                            void *userdata)
{
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&ctx->err);
    dlv_dns_engine *e;
    deliver_status st = switch_kind(ctx, fn ? K_CALLBACK : K_SYSTEM, &e);
    if (st < 0) {
        return st;
    }
    e->cb = fn;
    e->cb_ud = userdata;
    return DELIVER_OK;
}

deliver_status deliver_ctx_set_dns_timeout_ms(deliver_ctx *ctx, int64_t ms)
{
    if (!ctx || ms < 1 || ms > 600000) {
        return DELIVER_E_INVALID;
    }
    ctx->dns_timeout_ms = ms;
    return DELIVER_OK;
}

deliver_status deliver_ctx_set_dns_retries(deliver_ctx *ctx, unsigned retries)
{
    if (!ctx || retries > 10) {
        return DELIVER_E_INVALID;
    }
    ctx->dns_retries = retries;
    return DELIVER_OK;
}

deliver_status deliver_ctx_set_dns_cache_size(deliver_ctx *ctx, size_t entries)
{
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    ctx->dns_cache_size = entries;
    if (ctx->dns) {
        cache_clear(ctx, ctx->dns);
    }
    return DELIVER_OK;
}

deliver_status deliver_ctx_set_dns_cname_limit(deliver_ctx *ctx, unsigned hops)
{
    if (!ctx || hops > 32) {
        return DELIVER_E_INVALID;
    }
    ctx->dns_cname_limit = hops;
    return DELIVER_OK;
}

/* ---- the cache ---- */

/* The cache key: the type's two octets (as hex digits, so the key stays a C string) and the
 * name. */
static size_t cache_key(char *buf, size_t n, const char *qname, uint16_t qtype)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = strlen(qname);
    if (len + 6 > n) {
        return 0;
    }
    buf[0] = hex[qtype >> 12];
    buf[1] = hex[(qtype >> 8) & 15];
    buf[2] = hex[(qtype >> 4) & 15];
    buf[3] = hex[qtype & 15];
    buf[4] = '/';
    memcpy(buf + 5, qname, len + 1);
    return len + 5;
}

static void lru_unlink(dlv_dns_engine *e, centry *c)
{
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        e->lru_head = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    } else {
        e->lru_tail = c->prev;
    }
    c->prev = c->next = NULL;
}

static void lru_push(dlv_dns_engine *e, centry *c)
{
    c->next = e->lru_head;
    c->prev = NULL;
    if (e->lru_head) {
        e->lru_head->prev = c;
    }
    e->lru_head = c;
    if (!e->lru_tail) {
        e->lru_tail = c;
    }
}

static void cache_drop(deliver_ctx *ctx, dlv_dns_engine *e, centry *c)
{
    lru_unlink(e, c);
    dlv_hmap_remove(&e->cache, c->key, strlen(c->key));
    cache_free_entry(c, ctx);
}

static dlv_answer *cache_get(deliver_ctx *ctx, dlv_dns_engine *e, const char *qname,
                             uint16_t qtype, int64_t now)
{
    if (ctx->dns_cache_size == 0) {
        return NULL;
    }
    char key[DLV_DNS_NAME_BUF + 8];
    size_t kl = cache_key(key, sizeof(key), qname, qtype);
    centry *c = dlv_hmap_get(&e->cache, key, kl);
    if (!c) {
        return NULL;
    }
    if (now >= c->expires) {
        cache_drop(ctx, e, c);
        return NULL;
    }
    lru_unlink(e, c);
    lru_push(e, c);
    return dlv_answer_ref(c->ans); /* shared: whoever shows TTLs ages them (dlv_answer_aged) */
}

static void cache_put(deliver_ctx *ctx, dlv_dns_engine *e, dlv_answer *a, int64_t now)
{
    if (ctx->dns_cache_size == 0) {
        return;
    }
    uint32_t ttl;
    if (a->outcome == DELIVER_DNS_OK || a->next_name) {
        ttl = dlv_answer_min_ttl(a);
    } else if ((a->outcome == DELIVER_DNS_NXDOMAIN || a->outcome == DELIVER_DNS_NODATA) &&
               a->has_neg_ttl) {
        ttl = a->neg_ttl;
        uint32_t m = dlv_answer_min_ttl(a); /* the CNAMEs leading to it */
        ttl = m < ttl ? m : ttl;
    } else {
        return; /* failures are never kept */
    }
    if (ttl == 0) {
        return;
    }
    if (ttl > CACHE_MAX_TTL) {
        ttl = CACHE_MAX_TTL;
    }
    char key[DLV_DNS_NAME_BUF + 8];
    size_t kl = cache_key(key, sizeof(key), a->qname, a->qtype);
    centry *old = dlv_hmap_get(&e->cache, key, kl);
    if (old) {
        cache_drop(ctx, e, old);
    }
    while (e->cache.count >= ctx->dns_cache_size && e->lru_tail) {
        cache_drop(ctx, e, e->lru_tail);
    }
    centry *c = dlv_calloc(ctx, 1, sizeof(*c));
    if (!c) {
        return;
    }
    c->key = dlv_strndup(ctx, key, kl);
    c->ans = (dlv_answer *)a;
    dlv_answer_ref(c->ans);
    if (!c->ans->cached) {
        c->ans->cached = 1;
        c->ans->cached_at = now;
    }
    c->stored = now;
    c->expires = now + (int64_t)ttl * 1000;
    if (!c->key || !c->ans || dlv_hmap_put(&e->cache, key, kl, c, NULL) < 0) {
        cache_free_entry(c, ctx);
        return;
    }
    lru_push(e, c);
}

/* ---- questions ---- */

static equery *find_q(dlv_dns_engine *e, uint64_t id)
{
    for (size_t i = 0; i < e->nq; i++) {
        if (e->q[i].id == id) {
            return &e->q[i];
        }
    }
    return NULL;
}

static void remove_q(deliver_ctx *ctx, dlv_dns_engine *e, equery *q)
{
    dlv_free(ctx, q->qname);
    *q = e->q[--e->nq];
}

static deliver_status ensure_resolver(deliver_ctx *ctx, dlv_dns_engine *e)
{
    if (e->kind != K_SYSTEM) {
        return DELIVER_OK;
    }
    dlv_errmsg saved = ctx->err;
    deliver_status st = deliver_ctx_use_resolv_conf(ctx, NULL);
    if (st < 0) {
        char why[sizeof(ctx->err.text)];
        snprintf(why, sizeof(why), "%s", ctx->err.text);
        return dlv_err(&ctx->err, DELIVER_E_RESOLVER, "no resolver: %s", why);
    }
    ctx->err = saved;
    return DELIVER_OK;
}

/* Ask a question; it may be answered at once (cache, zone files, a synchronous callback). */
static deliver_status submit(deliver_ctx *ctx, dlv_dns_engine *e, const char *qname,
                             uint16_t qtype, uint64_t *id)
{
    if (e->in_callback) {
        return dlv_err(&ctx->err, DELIVER_E_STATE, "a DNS callback may not start a check");
    }
    deliver_status st = ensure_resolver(ctx, e);
    if (st < 0) {
        return st;
    }
    if (dlv_grow(ctx, (void **)&e->q, &e->capq, e->nq + 1, sizeof(*e->q)) < 0) {
        return DELIVER_E_NOMEM;
    }
    equery *q = &e->q[e->nq];
    memset(q, 0, sizeof(*q));
    q->qname = dlv_strdup(ctx, qname);
    if (!q->qname) {
        return DELIVER_E_NOMEM;
    }
    q->id = e->next_id++;
    q->qtype = qtype;
    e->nq++;
    *id = q->id;
    int64_t now = dlv_now_ms(ctx);
    dlv_answer *hit = cache_get(ctx, e, qname, qtype, now);
    if (hit) {
        e->stats[DELIVER_DNS_STAT_CACHE_HITS]++;
        q->ans = hit;
        q->done = 1;
        return DELIVER_OK;
    }
    e->stats[DELIVER_DNS_STAT_QUERIES]++;
    q->cacheable = 1;
    switch (e->kind) {
    case K_ZONE:
        q->ans = dlv_zonedb_query(e->zones, qname, qtype);
        if (!q->ans) {
            remove_q(ctx, e, q);
            return DELIVER_E_NOMEM;
        }
        q->done = 1;
        break;
    case K_NET:
        q->nq = dlv_net_start(e->net, qname, qtype);
        if (!q->nq) {
            remove_q(ctx, e, q);
            return DELIVER_E_NOMEM;
        }
        break;
    case K_CALLBACK: {
        /* the callback may answer at once; it may not ask new questions (in_callback) */
        e->in_callback = 1;
        e->cb(ctx, q->id, q->qname, qtype, e->cb_ud);
        e->in_callback = 0;
        break;
    }
    default:
        break;
    }
    return DELIVER_OK;
}

/* The answer of a finished question (the question is gone then), or NULL. */
static dlv_answer *take(deliver_ctx *ctx, dlv_dns_engine *e, uint64_t id, int *nomem)
{
    equery *q = find_q(e, id);
    *nomem = 0;
    if (!q) {
        return NULL;
    }
    if (!q->done && q->nq) {
        q->ans = dlv_net_take(e->net, q->nq);
        if (q->ans) {
            q->nq = NULL;
            q->done = 1;
        }
    }
    if (!q->done) {
        return NULL;
    }
    dlv_answer *a = q->ans;
    if (!a) {
        *nomem = 1;
        remove_q(ctx, e, q);
        return NULL;
    }
    if (q->cacheable) {
        cache_put(ctx, e, a, dlv_now_ms(ctx));
    }
    remove_q(ctx, e, q);
    return a;
}

static void cancel(deliver_ctx *ctx, dlv_dns_engine *e, uint64_t id)
{
    equery *q = find_q(e, id);
    if (!q) {
        return;
    }
    if (q->nq) {
        dlv_net_cancel(e->net, q->nq);
    }
    dlv_answer_free(q->ans);
    remove_q(ctx, e, q);
}

deliver_status deliver_ctx_dns_answer(deliver_ctx *ctx, uint64_t query_id,
                                      deliver_dns_outcome outcome, const uint8_t *msg,
                                      size_t len)
{
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    dlv_dns_engine *e = ctx->dns;
    equery *q = e && e->kind == K_CALLBACK ? find_q(e, query_id) : NULL;
    if (!q || q->done) {
        return dlv_err(&ctx->err, DELIVER_E_NOTFOUND, "no open question with id %llu",
                       (unsigned long long)query_id);
    }
    dlv_answer *a = NULL;
    deliver_status st = dlv_answer_from_input(ctx, q->qname, q->qtype, outcome, msg, len, &a);
    if (st < 0) {
        return st;
    }
    q->ans = a;
    q->done = 1;
    return DELIVER_OK;
}

/* ---- the blocking driver ---- */

typedef struct link {
    uint64_t core_id, engine_id;
} link;

deliver_status dlv_dns_drive(deliver_ctx *ctx, const dlv_core_ops *ops, void *core,
                             dlv_errmsg *err)
{
    dlv_dns_engine *e;
    deliver_status st = dlv_dns_engine_get(ctx, &e);
    if (st < 0) {
        return st;
    }
    link *links = NULL;
    size_t nlinks = 0, caplinks = 0;
    for (;;) {
        st = ops->step(core);
        if (st != DELIVER_PENDING) {
            break;
        }
        const dlv_qset *qs = ops->qset(core);
        size_t open = dlv_qset_open_count(qs);
        for (size_t i = 0; i < open; i++) {
            const dlv_query *cq = dlv_qset_get_open(qs, i);
            int known = 0;
            for (size_t k = 0; k < nlinks && !known; k++) {
                known = links[k].core_id == cq->id;
            }
            if (known) {
                continue;
            }
            if (dlv_grow(ctx, (void **)&links, &caplinks, nlinks + 1, sizeof(*links)) < 0) {
                st = DELIVER_E_NOMEM;
                goto out;
            }
            st = submit(ctx, e, cq->qname, cq->qtype, &links[nlinks].engine_id);
            if (st < 0) {
                dlv_err(err, st, "%s", ctx->err.text[0] ? ctx->err.text : deliver_strerror(st));
                goto out;
            }
            links[nlinks++].core_id = cq->id;
        }
        int progress = 0;
        for (size_t k = 0; k < nlinks;) {
            int nomem;
            dlv_answer *a = take(ctx, e, links[k].engine_id, &nomem);
            if (!a && !nomem) {
                k++;
                continue;
            }
            uint64_t cid = links[k].core_id;
            links[k] = links[--nlinks];
            if (nomem) {
                st = DELIVER_E_NOMEM;
                goto out;
            }
            progress = 1;
            dlv_answer *final = NULL;
            int tag = 0;
            int r = dlv_qset_deliver(ops->qset(core), cid, a, &tag, &final);
            st = r < 0 ? (deliver_status)r : r == 1 ? ops->take(core, cid, tag, final) : DELIVER_OK;
            if (st < 0) {
                goto out;
            }
        }
        if (progress) {
            continue;
        }
        if (nlinks == 0) {
            st = dlv_err(err, DELIVER_E_STATE, "the check is waiting but asked nothing");
            goto out;
        }
        if (e->kind != K_NET) {
            st = dlv_err(err, DELIVER_E_STATE,
                         "the DNS callback left a question unanswered in a blocking call");
            goto out;
        }
        if (dlv_net_poll(e->net, -1) < 0) {
            st = dlv_err(err, DELIVER_E_IO, "poll() failed");
            goto out;
        }
    }
out:
    for (size_t k = 0; k < nlinks; k++) {
        cancel(ctx, e, links[k].engine_id);
    }
    dlv_free(ctx, links);
    return st;
}

/*
 * Internal DNS layer: the answer model, wire parsing, resolvers, cache, the engine that
 * runs questions for the blocking drivers, and the pending-question set of sans-I/O cores.
 * lib/dns is the only code that includes ldns.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_DNS_H
#define DLV_DNS_H

#include "core/core.h"

#include <deliver/dns.h>

#define DLV_DNS_NAME_BUF (4 * 255 + 1) /* a presentation name with every octet escaped */
#define DLV_DNS_MAX_RECORDS 4096       /* records kept from one reply */

/* One resource record (the public deliver_dns_record). Memory lives in an answer's arena. */
struct deliver_dns_record {
    uint16_t type;
    uint32_t ttl;
    char *owner;
    uint8_t *rdata; /* uncompressed wire rdata */
    size_t rdlen;
    uint8_t addr[16];
    uint8_t addrlen;
    uint16_t pref;
    char *target;
    size_t ntxt;
    uint8_t **txt;
    size_t *txtlen;
    uint8_t *joined;
    size_t joinedlen;
    char *text;       /* presentation form, made on first use */
    dlv_arena *arena; /* where text is made */
};

/*
 * A parsed answer to one question. Answers are shared, read-only once made: the cache and
 * the cores that asked hold references (dlv_answer_ref / dlv_answer_free).
 */
typedef struct dlv_answer {
    dlv_arena arena;
    unsigned refs;
    int cached;         /* the cache holds it (since cached_at, monotonic ms) */
    int64_t cached_at;
    char *qname;
    uint16_t qtype;
    deliver_dns_outcome outcome;
    int rcode; /* -1: no reply */
    int ad;
    size_t ncname;
    struct deliver_dns_record *cname; /* the CNAME records of the chain, in order */
    size_t nrr;
    struct deliver_dns_record *rr;    /* records of qtype at the end of the chain */
    int has_neg_ttl;
    uint32_t neg_ttl;
    char *next_name; /* the chain leaves this reply's data: ask this name next */
} dlv_answer;

/* model.c */
dlv_answer *dlv_answer_new(deliver_ctx *ctx, const char *qname, uint16_t qtype,
                           deliver_dns_outcome outcome);
void dlv_answer_free(dlv_answer *a); /* drops one reference */
dlv_answer *dlv_answer_ref(dlv_answer *a);
/* Deep copy with every TTL lowered by age_s (not below 0). NULL: no memory. */
dlv_answer *dlv_answer_copy(deliver_ctx *ctx, const dlv_answer *a, uint32_t age_s);
/* For callers that show TTLs: an answer taken from the cache a second or more ago becomes
 * a private copy with its TTLs lowered by its age (a is released); others come back as
 * they are. NULL: no memory (a is released). */
dlv_answer *dlv_answer_aged(deliver_ctx *ctx, dlv_answer *a);
/*
 * Parse a reply to (qname, qtype). Never fails for bad input: a reply that does not parse or
 * does not answer this question gives an answer with outcome DELIVER_DNS_ERROR and *bad set
 * (when bad is not NULL). NULL only when out of memory.
 */
dlv_answer *dlv_answer_from_wire(deliver_ctx *ctx, const char *qname, uint16_t qtype,
                                 const uint8_t *msg, size_t len, int *bad);
/*
 * An answer from what an embedder hands in: wire bytes (outcome ignored) or, with msg NULL,
 * an outcome without records. DELIVER_E_INVALID for DELIVER_DNS_OK without a message or an
 * unknown outcome; DELIVER_E_NOMEM.
 */
deliver_status dlv_answer_from_input(deliver_ctx *ctx, const char *qname, uint16_t qtype,
                                     deliver_dns_outcome outcome, const uint8_t *msg,
                                     size_t len, dlv_answer **out);
/* Smallest TTL of the answer's records and chain (UINT32_MAX when it has none). */
uint32_t dlv_answer_min_ttl(const dlv_answer *a);
/* Presentation name (lower case, escaped, no trailing dot) of wire name bytes. */
int dlv_dname_to_str(const uint8_t *wire, size_t len, char *out, size_t outsz);
/* Wire form of a name held as raw octets (labels split at dots). 0, or -1 if invalid. */
int dlv_name_to_wire(const char *name, uint8_t *out, size_t *len);
/* Query packet for (qname, qtype) with EDNS0 and the given ID; *out freed with dlv_free. */
deliver_status dlv_query_wire(deliver_ctx *ctx, const char *qname, uint16_t qtype, uint16_t id,
                              uint8_t **out, size_t *len);
/* Quick check of a reply's header and question against a query: 1 matches, 0 not. */
int dlv_reply_matches(const uint8_t *msg, size_t len, uint16_t id, const char *qname,
                      uint16_t qtype);
/* Build an answer from ldns sections: used by the wire parser and the zone resolver. */
struct ldns_struct_rr_list;
dlv_answer *dlv_answer_from_sections(deliver_ctx *ctx, const char *qname, uint16_t qtype,
                                     int rcode, int ad, const struct ldns_struct_rr_list *ans,
                                     const struct ldns_struct_rr_list *auth);

/* zone.c: the zone-file resolver */
typedef struct dlv_zonedb dlv_zonedb;
dlv_zonedb *dlv_zonedb_new(deliver_ctx *ctx);
void dlv_zonedb_free(dlv_zonedb *z);
deliver_status dlv_zonedb_add_text(dlv_zonedb *z, const char *text, size_t len,
                                   const char *origin, const char *source);
deliver_status dlv_zonedb_add_file(dlv_zonedb *z, const char *path);
deliver_status dlv_zonedb_add_failure(dlv_zonedb *z, const char *name, uint16_t qtype,
                                      deliver_dns_outcome outcome);
dlv_answer *dlv_zonedb_query(dlv_zonedb *z, const char *qname, uint16_t qtype);

/* net.c: the network resolver */
typedef struct dlv_net dlv_net;
typedef struct dlv_netq dlv_netq;
dlv_net *dlv_net_new(deliver_ctx *ctx);
void dlv_net_free(dlv_net *n);
deliver_status dlv_net_add_server(dlv_net *n, const char *address, uint16_t port);
deliver_status dlv_net_use_resolv_conf(dlv_net *n, const char *path);
size_t dlv_net_server_count(const dlv_net *n);
dlv_netq *dlv_net_start(dlv_net *n, const char *qname, uint16_t qtype);
/* Process I/O for up to wait_ms (-1: until something completes). 0, or <0 on poll failure. */
int dlv_net_poll(dlv_net *n, int64_t wait_ms);
/* The answer of a finished query (ownership passes to the caller), or NULL if unfinished. */
dlv_answer *dlv_net_take(dlv_net *n, dlv_netq *q);
void dlv_net_cancel(dlv_net *n, dlv_netq *q);
size_t dlv_net_active(const dlv_net *n);

/* engine.c: resolver choice, cache, counters, and the blocking driver */
struct dlv_dns_engine;
deliver_status dlv_dns_engine_get(deliver_ctx *ctx, struct dlv_dns_engine **out);
void dlv_dns_engine_free(deliver_ctx *ctx);
void dlv_dns_stat_add(deliver_ctx *ctx, deliver_dns_stat stat, uint64_t n);

/* The pending questions of a sans-I/O core. */
typedef struct dlv_query {
    uint64_t id;
    char *qname;
    uint16_t qtype;
    int tag;   /* the core's own meaning of the question */
    int open;
    unsigned hops; /* CNAME targets asked after the first name */
} dlv_query;
typedef struct dlv_qset {
    deliver_ctx *ctx;
    dlv_query *q;
    size_t n, cap, open;
    uint64_t next_id;
    int chase; /* follow a CNAME that leaves a reply by asking its target (default on) */
} dlv_qset;
void dlv_qset_init(dlv_qset *s, deliver_ctx *ctx);
void dlv_qset_clear(dlv_qset *s);
int dlv_qset_add(dlv_qset *s, const char *qname, uint16_t qtype, int tag, uint64_t *id);
size_t dlv_qset_open_count(const dlv_qset *s);
/* The public `_get_query` of every core: the i-th open question. DELIVER_E_INVALID past the end. */
deliver_status dlv_qset_get_query(const dlv_qset *s, size_t i, uint64_t *id, const char **qname,
                                  uint16_t *qtype);
const dlv_query *dlv_qset_get_open(const dlv_qset *s, size_t i);
/*
 * Build the answer of an open question from wire bytes or an outcome and deliver it as
 * dlv_qset_deliver() does (the public `_answer` functions of every core go through here).
 * *ans is NULL when the question stays open for a CNAME target. DELIVER_E_NOTFOUND when id
 * is not open; DELIVER_E_INVALID for a bad outcome; DELIVER_E_NOMEM. On failure err (the
 * core's) says which question and why.
 */
deliver_status dlv_qset_answer(dlv_qset *s, dlv_errmsg *err, uint64_t id,
                               deliver_dns_outcome outcome, const uint8_t *msg, size_t len, int *tag, dlv_answer **ans);
/*
 * Hand a parsed answer (ownership passes) to an open question. When the set chases CNAMEs
 * and the answer's chain leaves the reply, the question stays open with the target as its
 * name (same id) and 0 is returned; at the context's CNAME limit it is answered with
 * DELIVER_DNS_CNAME_LOOP instead. 1: answered, *final holds the answer. <0: not open
 * (DELIVER_E_NOTFOUND, the answer is freed) or out of memory.
 */
int dlv_qset_deliver(dlv_qset *s, uint64_t id, dlv_answer *a, int *tag, dlv_answer **final);

/*
 * A sans-I/O core as the blocking driver sees it. The driver hands each answer to the
 * core's question set (dlv_qset_deliver: a CNAME leaving the reply reopens the question)
 * and calls take() only with the final answer of an answered question.
 */
typedef struct dlv_core_ops {
    deliver_status (*step)(void *core);
    dlv_qset *(*qset)(void *core);
    /* takes ownership of ans; tag is the one given to dlv_qset_add */
    deliver_status (*take)(void *core, uint64_t id, int tag, dlv_answer *ans);
} dlv_core_ops;
/* Loop the core against the context's resolver until it is done. */
deliver_status dlv_dns_drive(deliver_ctx *ctx, const dlv_core_ops *ops, void *core,
                             dlv_errmsg *err);

#endif /* DLV_DNS_H */

/*
 * libdeliver: the DNS vocabulary shared by every check, resolver settings, and lookups.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DELIVER_DNS_H
#define DELIVER_DNS_H

#include <deliver/common.h>
#include <deliver/finding.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Record types the library knows by name. DNS types are an open set: functions take a
 * `uint16_t` type, and any value may be asked for. @since 0.1
 */
typedef enum deliver_dns_type {
    DELIVER_DNS_TYPE_A = 1,
    DELIVER_DNS_TYPE_NS = 2,
    DELIVER_DNS_TYPE_CNAME = 5,
    DELIVER_DNS_TYPE_SOA = 6,
    DELIVER_DNS_TYPE_PTR = 12,
    DELIVER_DNS_TYPE_MX = 15,
    DELIVER_DNS_TYPE_TXT = 16,
    DELIVER_DNS_TYPE_AAAA = 28,
    DELIVER_DNS_TYPE_SRV = 33,
    DELIVER_DNS_TYPE_TLSA = 52,
    DELIVER_DNS_TYPE_SPF = 99
} deliver_dns_type;

/**
 * What became of one DNS question. The first three are answers from an authoritative
 * source; the rest mean "no answer", which checks turn into their protocol's temporary
 * error. Values are stable. @since 0.1
 */
typedef enum deliver_dns_outcome {
    DELIVER_DNS_OK = 0,         /**< NOERROR with at least one record of the type asked */
    DELIVER_DNS_NODATA = 1,     /**< NOERROR: the name exists but has no record of the type */
    DELIVER_DNS_NXDOMAIN = 2,   /**< the name does not exist */
    DELIVER_DNS_SERVFAIL = 3,   /**< the server failed (RCODE 2) */
    DELIVER_DNS_REFUSED = 4,    /**< the server refused (RCODE 5) or is not authoritative */
    DELIVER_DNS_TIMEOUT = 5,    /**< no valid reply within the timeout and retries */
    DELIVER_DNS_ERROR = 6,      /**< other RCODE, unusable reply, or network error */
    DELIVER_DNS_CNAME_LOOP = 7  /**< the CNAME chain loops or is longer than the limit */
} deliver_dns_outcome;

/** Lower-case name of an outcome ("ok", "nodata", "nxdomain", ...; "unknown"). @since 0.1 */
DELIVER_API const char *deliver_dns_outcome_name(deliver_dns_outcome outcome);

/** Mnemonic of a record type ("TXT"; "TYPE65280" style for others, static storage is not
 * used for those: the result is written to `buf`). Returns `buf`, or NULL when `bufsize`
 * is under 12. @since 0.1 */
DELIVER_API const char *deliver_dns_type_name(uint16_t type, char *buf, size_t bufsize);

/**
 * Record type from its mnemonic ("mx", "TXT", "TYPE99"), case-insensitive.
 * @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1
 */
DELIVER_API deliver_status deliver_dns_type_from_name(const char *name, uint16_t *type);

/* ---- Resolver settings on the context ------------------------------------------------- */

/*
 * A context resolves with one of three kinds of resolver: the network (the system's
 * resolv.conf by default, or servers given here), zone files (no network at all), or a
 * callback to the embedding program. Configuring one kind replaces any other kind
 * configured before and empties the DNS cache.
 */

/**
 * Send queries to this server (IPv4 or IPv6 literal) on `port` (0 means 53). The first call
 * replaces the resolv.conf servers; further calls add servers, tried in turn on retries.
 * @return DELIVER_OK, DELIVER_E_INVALID (not an IP address) or DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_ctx_add_dns_server(deliver_ctx *ctx, const char *address,
                                                      uint16_t port);

/**
 * Use the name servers of a resolv.conf file (NULL: /etc/resolv.conf), read now.
 * @return DELIVER_OK, DELIVER_E_IO (unreadable), DELIVER_E_RESOLVER (no name server in it)
 * or DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_ctx_use_resolv_conf(deliver_ctx *ctx, const char *path);

/**
 * Answer from a master-format zone file (RFC 1035 section 5; $ORIGIN, $TTL, $INCLUDE is
 * refused). May be called again to add zones. The file must hold an SOA record, whose owner
 * is the zone's apex. Queries outside every loaded zone are answered REFUSED; wildcards,
 * CNAMEs, empty non-terminals, NXDOMAIN and NODATA (with the SOA's negative TTL) behave as
 * an authoritative server's would. No network is used.
 * @return DELIVER_OK, DELIVER_E_IO, DELIVER_E_PARSE (detail with the line number in
 * deliver_ctx_errmsg()) or DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_ctx_add_zone_file(deliver_ctx *ctx, const char *path);

/**
 * Like deliver_ctx_add_zone_file() with the zone's text in memory: "what if I published
 * this". `origin` is the default $ORIGIN (may be NULL when the text sets one).
 * @since 0.1
 */
DELIVER_API deliver_status deliver_ctx_add_zone_text(deliver_ctx *ctx, const char *text,
                                                     size_t len, const char *origin);

/**
 * "What if this name's servers fail": make the zone-file resolver answer questions for
 * `name` with a failure instead of data. `qtype` 0 covers every type the loaded zones hold
 * no record of at that name (records that exist are still served); another value covers
 * that type only. `outcome` is DELIVER_DNS_TIMEOUT, DELIVER_DNS_SERVFAIL,
 * DELIVER_DNS_REFUSED or DELIVER_DNS_ERROR. Switches the context to the zone-file resolver
 * like deliver_ctx_add_zone_file(), and may be given before or after the zones.
 * @return DELIVER_OK, DELIVER_E_INVALID (bad name or outcome) or DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_ctx_add_zone_failure(deliver_ctx *ctx, const char *name,
                                                        uint16_t qtype,
                                                        deliver_dns_outcome outcome);

/**
 * Callback resolver: the library asks the embedding program each question. `query_id`
 * identifies the question for deliver_ctx_dns_answer(); `qname` is an A-label name without
 * the trailing dot, valid during the call only. The answer may be given inside the callback
 * or later (from the embedder's own event loop, driving a check's sans-I/O core). A blocking
 * call that is left with unanswered questions returns DELIVER_E_STATE.
 * @since 0.1
 */
typedef void (*deliver_dns_query_fn)(deliver_ctx *ctx, uint64_t query_id, const char *qname,
                                     uint16_t qtype, void *userdata);

/** Install the callback resolver (NULL fn: back to the system resolver). @since 0.1 */
DELIVER_API deliver_status deliver_ctx_set_dns_callback(deliver_ctx *ctx,
                                                        deliver_dns_query_fn fn,
                                                        void *userdata);

/**
 * Answer a question the callback resolver was asked: either the raw DNS response
 * (`msg`, `len`, RFC 1035 wire format; `outcome` is then ignored) or, with `msg` NULL, an
 * outcome without records (DELIVER_DNS_TIMEOUT, DELIVER_DNS_SERVFAIL, DELIVER_DNS_NXDOMAIN,
 * DELIVER_DNS_NODATA, ...). A response whose question differs from the one asked counts as
 * DELIVER_DNS_ERROR. The bytes are parsed before the call returns.
 * @return DELIVER_OK, DELIVER_E_NOTFOUND (no such open question), DELIVER_E_INVALID or
 * DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_ctx_dns_answer(deliver_ctx *ctx, uint64_t query_id,
                                                  deliver_dns_outcome outcome,
                                                  const uint8_t *msg, size_t len);

/** Time to wait for each network attempt, 1 to 600000 ms (default 5000). @since 0.1 */
DELIVER_API deliver_status deliver_ctx_set_dns_timeout_ms(deliver_ctx *ctx, int64_t ms);

/** Further attempts after the first one times out, 0 to 10 (default 2). @since 0.1 */
DELIVER_API deliver_status deliver_ctx_set_dns_retries(deliver_ctx *ctx, unsigned retries);

/**
 * Size of the context's DNS cache in answers (default 10000; 0 turns caching off). The
 * cache keeps positive answers for their TTL, NXDOMAIN and NODATA for the SOA's negative
 * TTL (RFC 2308), and never keeps failures. Changing the size empties it. @since 0.1
 */
DELIVER_API deliver_status deliver_ctx_set_dns_cache_size(deliver_ctx *ctx, size_t entries);

/** Longest CNAME chain followed, 0 to 32 (default 8). @since 0.1 */
DELIVER_API deliver_status deliver_ctx_set_dns_cname_limit(deliver_ctx *ctx, unsigned hops);

/** Counters kept by a context's DNS layer. Values are stable. @since 0.1 */
typedef enum deliver_dns_stat {
    DELIVER_DNS_STAT_QUERIES = 0,   /**< questions the resolver was asked (cache misses) */
    DELIVER_DNS_STAT_CACHE_HITS = 1,/**< questions answered from the cache */
    DELIVER_DNS_STAT_SENT = 2,      /**< network packets sent (UDP and TCP, retries too) */
    DELIVER_DNS_STAT_DROPPED = 3,   /**< replies dropped: wrong ID, wrong question, unparsable */
    DELIVER_DNS_STAT_TCP = 4,       /**< truncated replies retried over TCP */
    DELIVER_DNS_STAT_TIMEOUTS = 5   /**< attempts that timed out */
} deliver_dns_stat;

/** Read one counter (0 for an unknown counter or NULL ctx). @since 0.1 */
DELIVER_API uint64_t deliver_ctx_get_dns_stat(const deliver_ctx *ctx, deliver_dns_stat stat);

/* ---- Records ------------------------------------------------------------------------- */

/** One resource record of an answer, borrowed from the handle that returned it. @since 0.1 */
typedef struct deliver_dns_record deliver_dns_record;

/** Record type. @since 0.1 */
DELIVER_API uint16_t deliver_dns_record_get_type(const deliver_dns_record *rr);
/** TTL in seconds as received (from the cache: what remains of it). @since 0.1 */
DELIVER_API uint32_t deliver_dns_record_get_ttl(const deliver_dns_record *rr);
/** Owner name, lower-case A-labels, no trailing dot. @since 0.1 */
DELIVER_API const char *deliver_dns_record_get_owner(const deliver_dns_record *rr);
/**
 * The record data in master-file presentation form (`10 mx.example.test.`, TXT as quoted
 * strings, unknown types in RFC 3597 `\# len hex` form). Never NULL for a valid record.
 * @since 0.1
 */
DELIVER_API const char *deliver_dns_record_get_text(const deliver_dns_record *rr);
/**
 * Address bytes of an A (4) or AAAA (16) record; NULL for other types.
 * @since 0.1
 */
DELIVER_API const uint8_t *deliver_dns_record_get_address(const deliver_dns_record *rr,
                                                          size_t *len);
/** Target name of an MX, CNAME, PTR or NS record ("" for a null MX); NULL otherwise. @since 0.1 */
DELIVER_API const char *deliver_dns_record_get_target(const deliver_dns_record *rr);
/** MX preference; 0 for other types. @since 0.1 */
DELIVER_API uint16_t deliver_dns_record_get_preference(const deliver_dns_record *rr);
/** Number of character-strings of a TXT or SPF record; 0 otherwise. @since 0.1 */
DELIVER_API size_t deliver_dns_record_txt_count(const deliver_dns_record *rr);
/** One character-string (may hold any octet, also NUL), or NULL. @since 0.1 */
DELIVER_API const uint8_t *deliver_dns_record_get_txt(const deliver_dns_record *rr, size_t i,
                                                      size_t *len);
/**
 * All character-strings concatenated without separator (as SPF, DKIM and DMARC join
 * them), NUL-terminated after `*len` bytes; NULL for other types. @since 0.1
 */
DELIVER_API const uint8_t *deliver_dns_record_get_txt_joined(const deliver_dns_record *rr,
                                                             size_t *len);
/**
 * TLSA fields: usage, selector, matching type and the association data.
 * @return DELIVER_OK or DELIVER_E_INVALID (not a TLSA record). @since 0.1
 */
DELIVER_API deliver_status deliver_dns_record_get_tlsa(const deliver_dns_record *rr,
                                                       uint8_t *usage, uint8_t *selector,
                                                       uint8_t *matching_type,
                                                       const uint8_t **data, size_t *len);

/* ---- Lookups ------------------------------------------------------------------------- */

/**
 * A lookup of one name and type through the context's resolver and cache, following CNAME
 * chains (to the context's limit). The simplest check, and the model of the others.
 * @since 0.1
 */
typedef struct deliver_dns_lookup deliver_dns_lookup;

/** Create a lookup handle. @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dns_lookup_new(deliver_dns_lookup **out, deliver_ctx *ctx);
/** Free a lookup handle; NULL is a no-op. @since 0.1 */
DELIVER_API void deliver_dns_lookup_free(deliver_dns_lookup *lookup);
/** Detail of the last failure on this handle; "" when none, never NULL. @since 0.1 */
DELIVER_API const char *deliver_dns_lookup_errmsg(const deliver_dns_lookup *lookup);

/**
 * Look up `name` (UTF-8 U-labels or A-labels, a trailing dot allowed) and `type`, blocking
 * until the answer, the timeout, or the end of the retries. A DNS failure is a result
 * (read it with deliver_dns_lookup_get_outcome()), not a status.
 * @return DELIVER_OK; DELIVER_E_INVALID (the name is not a valid domain name, or is over 253
 * octets), DELIVER_E_RESOLVER (no resolver could be set up), DELIVER_E_STATE (a callback
 * resolver left the question unanswered), DELIVER_E_NOMEM.
 * @since 0.1
 */
DELIVER_API deliver_status deliver_dns_lookup_run(deliver_dns_lookup *lookup, const char *name,
                                                  uint16_t type);

/** Outcome of the last completed lookup. @since 0.1 */
DELIVER_API deliver_dns_outcome deliver_dns_lookup_get_outcome(const deliver_dns_lookup *lookup);
/** RCODE of the final reply (0 NOERROR, 3 NXDOMAIN, ...), -1 when there was none. @since 0.1 */
DELIVER_API int deliver_dns_lookup_get_rcode(const deliver_dns_lookup *lookup);
/** 1 when every reply of the lookup had the AD (authenticated data) bit set. @since 0.1 */
DELIVER_API int deliver_dns_lookup_is_authenticated(const deliver_dns_lookup *lookup);
/** The name asked, normalised to lower-case A-labels without the trailing dot. @since 0.1 */
DELIVER_API const char *deliver_dns_lookup_get_name(const deliver_dns_lookup *lookup);
/** Number of CNAME hops followed. @since 0.1 */
DELIVER_API size_t deliver_dns_lookup_cname_count(const deliver_dns_lookup *lookup);
/** The i-th CNAME record of the chain, in order from the name asked. @since 0.1 */
DELIVER_API const deliver_dns_record *deliver_dns_lookup_get_cname(const deliver_dns_lookup *lookup,
                                                                  size_t i);
/** Number of records of the type asked at the end of the chain. @since 0.1 */
DELIVER_API size_t deliver_dns_lookup_record_count(const deliver_dns_lookup *lookup);
/** The i-th record, borrowed until the handle is run again or freed; NULL past the end. @since 0.1 */
DELIVER_API const deliver_dns_record *deliver_dns_lookup_get_record(const deliver_dns_lookup *lookup,
                                                                   size_t i);
/** Number of findings of the last lookup (timeouts, loops, failures). @since 0.1 */
DELIVER_API size_t deliver_dns_lookup_finding_count(const deliver_dns_lookup *lookup);
/** The i-th finding, borrowed; NULL past the end. @since 0.1 */
DELIVER_API const deliver_finding *deliver_dns_lookup_get_finding(const deliver_dns_lookup *lookup,
                                                                  size_t i);

#ifdef DELIVER_EXPERIMENTAL_API
/*
 * The sans-I/O core of a lookup (experimental: may change in any release). Start it, then
 * loop: deliver_dns_lookup_step() returns DELIVER_OK when the result is ready or
 * DELIVER_PENDING when questions are open; list them with _query_count()/_get_query(),
 * resolve them in any order by any means, and hand each answer to _answer().
 */

/** Begin a lookup without doing any I/O. @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dns_lookup_start(deliver_dns_lookup *lookup,
                                                    const char *name, uint16_t type);
/** Advance: DELIVER_OK (done), DELIVER_PENDING (questions open) or an error. @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dns_lookup_step(deliver_dns_lookup *lookup);
/** Number of open questions. @since 0.1 (experimental) */
DELIVER_API size_t deliver_dns_lookup_query_count(const deliver_dns_lookup *lookup);
/**
 * The i-th open question: its id, name (borrowed until it is answered) and type.
 * @return DELIVER_OK or DELIVER_E_INVALID (i out of range). @since 0.1 (experimental)
 */
DELIVER_API deliver_status deliver_dns_lookup_get_query(const deliver_dns_lookup *lookup, size_t i,
                                                        uint64_t *id, const char **qname,
                                                        uint16_t *qtype);
/**
 * Answer an open question with the raw DNS response, or with `msg` NULL an outcome (as in
 * deliver_ctx_dns_answer()). @return DELIVER_OK, DELIVER_E_NOTFOUND (no open question with
 * that id), DELIVER_E_INVALID, DELIVER_E_NOMEM. @since 0.1 (experimental)
 */
DELIVER_API deliver_status deliver_dns_lookup_answer(deliver_dns_lookup *lookup, uint64_t id,
                                                     deliver_dns_outcome outcome,
                                                     const uint8_t *msg, size_t len);
#endif /* DELIVER_EXPERIMENTAL_API */

#ifdef __cplusplus
}
#endif

#endif /* DELIVER_DNS_H */

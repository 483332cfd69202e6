/*
 * libdeliver: SPF (RFC 7208) evaluation, result headers and record linting.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DELIVER_SPF_H
#define DELIVER_SPF_H

#include <deliver/common.h>
#include <deliver/dns.h>
#include <deliver/finding.h>

#ifdef __cplusplus
extern "C" {
#endif

/** SPF results (RFC 7208 section 2.6). Values are stable. @since 0.1 */
typedef enum deliver_spf_result {
    DELIVER_SPF_UNKNOWN = 0,   /**< no evaluation has completed */
    DELIVER_SPF_NONE = 1,      /**< no SPF record, or no valid domain to check */
    DELIVER_SPF_NEUTRAL = 2,   /**< the record says nothing about this client */
    DELIVER_SPF_PASS = 3,      /**< the client is authorised */
    DELIVER_SPF_FAIL = 4,      /**< the client is not authorised */
    DELIVER_SPF_SOFTFAIL = 5,  /**< probably not authorised */
    DELIVER_SPF_TEMPERROR = 6, /**< a transient DNS error: try again later */
    DELIVER_SPF_PERMERROR = 7  /**< the published record(s) cannot be interpreted */
} deliver_spf_result;

/** Lower-case name of a result ("pass", "permerror", ...; "unknown"). @since 0.1 */
DELIVER_API const char *deliver_spf_result_name(deliver_spf_result result);

/** The identity checked. Values are stable. @since 0.1 */
typedef enum deliver_spf_identity {
    DELIVER_SPF_IDENTITY_MAILFROM = 1, /**< RFC5321.MailFrom (postmaster@HELO when empty) */
    DELIVER_SPF_IDENTITY_HELO = 2      /**< the HELO/EHLO name */
} deliver_spf_identity;

/**
 * An SPF evaluation handle: settings, then one check at a time, then its results.
 * Used by one thread at a time, like its context. @since 0.1
 */
typedef struct deliver_spf deliver_spf;

/** Create an SPF handle. @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_spf_new(deliver_spf **out, deliver_ctx *ctx);
/** Free an SPF handle; NULL is a no-op. @since 0.1 */
DELIVER_API void deliver_spf_free(deliver_spf *spf);
/** Detail of the last failure on this handle; "" when none, never NULL. @since 0.1 */
DELIVER_API const char *deliver_spf_errmsg(const deliver_spf *spf);

/** Most DNS-querying terms (include a mx ptr exists redirect) over the whole evaluation,
 * 1 to 100 (default 10, RFC 7208 section 4.6.4). @since 0.1 */
DELIVER_API deliver_status deliver_spf_set_max_dns_mechanisms(deliver_spf *spf, unsigned n);
/** Most void lookups (NXDOMAIN or no records), 0 to 100 (default 2). @since 0.1 */
DELIVER_API deliver_status deliver_spf_set_max_void_lookups(deliver_spf *spf, unsigned n);
/** Most names looked at per mx or ptr term, 1 to 100 (default 10). @since 0.1 */
DELIVER_API deliver_status deliver_spf_set_max_names(deliver_spf *spf, unsigned n);
/**
 * The explanation used for fail when the record has no usable exp= (a macro-string, expanded
 * like exp text). NULL restores the default "%{d} does not designate %{c} as a permitted
 * sender for %{s}". @return DELIVER_OK, DELIVER_E_INVALID (bad macro) or DELIVER_E_NOMEM.
 * @since 0.1
 */
DELIVER_API deliver_status deliver_spf_set_default_explanation(deliver_spf *spf,
                                                               const char *text);
/** This receiver's host name (%{r}, and receiver= in Received-SPF); NULL: "unknown". @since 0.1 */
DELIVER_API deliver_status deliver_spf_set_receiver(deliver_spf *spf, const char *hostname);
/** The time for %{t}, Unix seconds; a negative value means the system clock (default). @since 0.1 */
DELIVER_API deliver_status deliver_spf_set_time(deliver_spf *spf, int64_t unix_seconds);

/**
 * Check the MAIL FROM identity: check_host(ip, domain of sender, sender), blocking. `ip` is
 * the client address (IPv4, IPv6, IPv4-mapped IPv6); `sender` the MAIL FROM address, which
 * may be empty (then postmaster@helo is checked) or lack a local part (then "postmaster");
 * `helo` the HELO/EHLO name (may be NULL when sender is not empty). DNS failures become
 * temperror, bad records permerror: the result is read with deliver_spf_get_result().
 * @return DELIVER_OK; DELIVER_E_INVALID (ip is not an address, sender and helo both
 * empty); DELIVER_E_RESOLVER; DELIVER_E_STATE (a callback resolver left a question
 * unanswered); DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_spf_check(deliver_spf *spf, const char *ip, const char *sender,
                                             const char *helo);
/** Check the HELO identity: check_host(ip, helo, postmaster@helo), blocking. @since 0.1 */
DELIVER_API deliver_status deliver_spf_check_helo(deliver_spf *spf, const char *ip,
                                                  const char *helo);

/** The result of the last completed check. @since 0.1 */
DELIVER_API deliver_spf_result deliver_spf_get_result(const deliver_spf *spf);
/** The identity of the last check. @since 0.1 */
DELIVER_API deliver_spf_identity deliver_spf_get_identity(const deliver_spf *spf);
/** The domain checked (A-labels), "" before a check. @since 0.1 */
DELIVER_API const char *deliver_spf_get_domain(const deliver_spf *spf);
/** The explanation of a fail (from exp= or the default); "" for other results. @since 0.1 */
DELIVER_API const char *deliver_spf_get_explanation(const deliver_spf *spf);
/** The term that decided the result as written ("-all", "include:_spf.example.com",
 * "default" when none matched); "" when no term decided (none, errors). @since 0.1 */
DELIVER_API const char *deliver_spf_get_mechanism(const deliver_spf *spf);
/** Why the result is what it is, in one English line ("" for a plain match). @since 0.1 */
DELIVER_API const char *deliver_spf_get_reason(const deliver_spf *spf);
/** DNS-querying terms used by the last check. @since 0.1 */
DELIVER_API unsigned deliver_spf_dns_mechanism_count(const deliver_spf *spf);
/** Void lookups met by the last check. @since 0.1 */
DELIVER_API unsigned deliver_spf_void_lookup_count(const deliver_spf *spf);

/** What became of one evaluated term. Values are stable. @since 0.1 */
typedef enum deliver_spf_term_outcome {
    DELIVER_SPF_TERM_MATCH = 1,    /**< the mechanism matched: its qualifier is the result */
    DELIVER_SPF_TERM_NO_MATCH = 2, /**< evaluation goes on with the next term */
    DELIVER_SPF_TERM_ERROR = 3,    /**< the term ended the check with temperror or permerror */
    DELIVER_SPF_TERM_RECORD = 4    /**< not a term: the record fetched for a domain */
} deliver_spf_term_outcome;

/** Number of trace entries of the last check: every record fetched and term evaluated, in
 * order, includes nested. @since 0.1 */
DELIVER_API size_t deliver_spf_trace_count(const deliver_spf *spf);
/** Nesting depth of entry i (0: the checked domain's record; include and redirect add 1). @since 0.1 */
DELIVER_API unsigned deliver_spf_trace_get_depth(const deliver_spf *spf, size_t i);
/** The domain whose record holds entry i. @since 0.1 */
DELIVER_API const char *deliver_spf_trace_get_domain(const deliver_spf *spf, size_t i);
/** The term as written (the whole record text for a DELIVER_SPF_TERM_RECORD entry). @since 0.1 */
DELIVER_API const char *deliver_spf_trace_get_term(const deliver_spf *spf, size_t i);
/** What became of entry i. @since 0.1 */
DELIVER_API deliver_spf_term_outcome deliver_spf_trace_get_outcome(const deliver_spf *spf,
                                                                   size_t i);
/** The DNS questions entry i asked, "TYPE name" separated by ", " ("" when none). @since 0.1 */
DELIVER_API const char *deliver_spf_trace_get_queries(const deliver_spf *spf, size_t i);
/** Detail of entry i ("void lookup", "3 MX names", the include's result ...). @since 0.1 */
DELIVER_API const char *deliver_spf_trace_get_detail(const deliver_spf *spf, size_t i);
/** DNS-querying terms used up to and including entry i. @since 0.1 */
DELIVER_API unsigned deliver_spf_trace_get_dns_mechanisms(const deliver_spf *spf, size_t i);
/** Void lookups met up to and including entry i. @since 0.1 */
DELIVER_API unsigned deliver_spf_trace_get_void_lookups(const deliver_spf *spf, size_t i);

/**
 * The Received-SPF header field (RFC 7208 section 9.1) of the last check, without the
 * trailing CRLF: "Received-SPF: pass (comment) client-ip=...; envelope-from=...; ...".
 * Borrowed until the next check or free; "" before a check. @since 0.1
 */
DELIVER_API const char *deliver_spf_get_received_spf(const deliver_spf *spf);
/** The spf= clause for Authentication-Results (RFC 8601), e.g.
 * "spf=pass smtp.mailfrom=user@example.com". Borrowed like the above. @since 0.1 */
DELIVER_API const char *deliver_spf_get_auth_results(const deliver_spf *spf);

/** Number of findings of the last check (limits hit, records that cannot be used). @since 0.1 */
DELIVER_API size_t deliver_spf_finding_count(const deliver_spf *spf);
/** The i-th finding, borrowed; NULL past the end. @since 0.1 */
DELIVER_API const deliver_finding *deliver_spf_get_finding(const deliver_spf *spf, size_t i);

#ifdef DELIVER_EXPERIMENTAL_API
/** Begin a MAIL FROM check without I/O (arguments as deliver_spf_check()). @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_spf_start(deliver_spf *spf, const char *ip, const char *sender,
                                             const char *helo);
/** Begin a HELO check without I/O. @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_spf_start_helo(deliver_spf *spf, const char *ip,
                                                  const char *helo);
/** Advance: DELIVER_OK (result ready), DELIVER_PENDING (questions open) or an error.
 * @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_spf_step(deliver_spf *spf);
/** Number of open questions. @since 0.1 (experimental) */
DELIVER_API size_t deliver_spf_query_count(const deliver_spf *spf);
/** The i-th open question (name borrowed until answered). @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_spf_get_query(const deliver_spf *spf, size_t i, uint64_t *id,
                                                 const char **qname, uint16_t *qtype);
/** Answer an open question with the raw DNS response, or with msg NULL an outcome.
 * @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_spf_answer(deliver_spf *spf, uint64_t id,
                                              deliver_dns_outcome outcome, const uint8_t *msg,
                                              size_t len);
#endif /* DELIVER_EXPERIMENTAL_API */

/* ---- linting ---- */

/**
 * An SPF lint handle: checks a published domain, or a record text as if it were published,
 * without evaluating it against an address. It walks the whole include/redirect tree
 * (breadth-first, every record of one level asked at once, at most 100 records, 20 levels),
 * counts the worst-case number of DNS-querying terms an evaluation could use, and reports
 * findings (ids `spf.*`, ABI.md). Used by one thread at a time, like its context. @since 0.1
 */
typedef struct deliver_spf_lint deliver_spf_lint;

/** Create a lint handle; `*out` is NULL on failure.
 * @return DELIVER_OK, DELIVER_E_INVALID (NULL argument) or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_spf_lint_new(deliver_spf_lint **out, deliver_ctx *ctx);
/** Free a lint handle; NULL is a no-op. @since 0.1 */
DELIVER_API void deliver_spf_lint_free(deliver_spf_lint *lint);
/** Detail of the last failure on this handle; "" when none, never NULL. Borrowed until the
 * next call on the handle. @since 0.1 */
DELIVER_API const char *deliver_spf_lint_errmsg(const deliver_spf_lint *lint);

/**
 * Lint the SPF record published at `domain` (U-labels or A-labels), blocking, through the
 * context's resolver (network, zone files or callback). Problems with the records are
 * findings, not errors: a domain without a record gives `spf.no_record`.
 * @return DELIVER_OK; DELIVER_E_INVALID (NULL handle, invalid domain); DELIVER_E_RESOLVER;
 * DELIVER_E_STATE (a callback resolver left a question unanswered); DELIVER_E_NOMEM.
 * @since 0.1
 */
DELIVER_API deliver_status deliver_spf_lint_domain(deliver_spf_lint *lint, const char *domain);
/**
 * Lint a record text as if it were published at `domain` (NULL or "" when none: terms
 * without a domain-spec then cannot be looked up), blocking. Its includes and targets are
 * still resolved through the context. `text` (`len` octets, copied) is the record as one
 * string ("v=spf1 ..."), or in zone-file form, quoted character-strings ("v=spf1 ..." "...",
 * with \" \\ \DDD escapes) that are joined as receivers join them; byte offsets of syntax
 * errors count in the joined record. A string over 255 octets gives `spf.string_too_long`.
 * @return as deliver_spf_lint_domain() (DELIVER_E_INVALID also for NULL text with len > 0).
 * @since 0.1
 */
DELIVER_API deliver_status deliver_spf_lint_record(deliver_spf_lint *lint, const char *text,
                                                   size_t len, const char *domain);

/** The domain linted (lower-case A-labels), "" when none. @since 0.1 */
DELIVER_API const char *deliver_spf_lint_get_domain(const deliver_spf_lint *lint);
/** The top record text (joined), "" when none was found. Borrowed until the next lint or
 * free. @since 0.1 */
DELIVER_API const char *deliver_spf_lint_get_record(const deliver_spf_lint *lint);
/** Worst-case DNS-querying terms (include a mx ptr exists redirect) over every record of
 * the tree; terms after `all` and a redirect beside `all` are never evaluated and not
 * counted. Over 10 is a permerror at receivers (RFC 7208 4.6.4). @since 0.1 */
DELIVER_API unsigned deliver_spf_lint_dns_mechanism_count(const deliver_spf_lint *lint);
/** Void lookups found (a, mx, exists targets without records) over the tree. @since 0.1 */
DELIVER_API unsigned deliver_spf_lint_void_lookup_count(const deliver_spf_lint *lint);
/** MX hosts of the tree's mx terms: address lookups an evaluation adds, not counted in the
 * 10. @since 0.1 */
DELIVER_API unsigned deliver_spf_lint_mx_host_count(const deliver_spf_lint *lint);

/** Number of findings of the last lint. @since 0.1 */
DELIVER_API size_t deliver_spf_lint_finding_count(const deliver_spf_lint *lint);
/** The i-th finding, borrowed until the next lint or free; NULL past the end. @since 0.1 */
DELIVER_API const deliver_finding *deliver_spf_lint_get_finding(const deliver_spf_lint *lint,
                                                                size_t i);

/** Number of entries of the include tree: the top record, then depth-first every include
 * and redirect target reached (also those not followed: loops, macros). 0 before a lint.
 * @since 0.1 */
DELIVER_API size_t deliver_spf_lint_tree_count(const deliver_spf_lint *lint);
/** Depth of entry i (0: the top record; include and redirect add 1). @since 0.1 */
DELIVER_API unsigned deliver_spf_lint_tree_get_depth(const deliver_spf_lint *lint, size_t i);
/** Domain of entry i (A-labels; the domain-spec as written when it uses macros), "" for a
 * record without a domain; NULL past the end. Borrowed like the findings. @since 0.1 */
DELIVER_API const char *deliver_spf_lint_tree_get_domain(const deliver_spf_lint *lint, size_t i);
/** The term that leads to entry i as written ("include:_spf.example.com", "redirect=..."),
 * "" for the top record; NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_spf_lint_tree_get_term(const deliver_spf_lint *lint, size_t i);
/** The SPF record of entry i, "" when none was found or it was not followed; NULL past the
 * end. @since 0.1 */
DELIVER_API const char *deliver_spf_lint_tree_get_record(const deliver_spf_lint *lint, size_t i);
/** Why entry i has no record or was not followed ("no SPF record", "not followed: loop",
 * "timeout", ...), "" otherwise; NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_spf_lint_tree_get_detail(const deliver_spf_lint *lint, size_t i);
/** DNS-querying terms of entry i's own record (its includes' records not included). @since 0.1 */
DELIVER_API unsigned deliver_spf_lint_tree_get_lookups(const deliver_spf_lint *lint, size_t i);

#ifdef DELIVER_EXPERIMENTAL_API
/** Begin linting a published domain without I/O (arguments as deliver_spf_lint_domain()).
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_spf_lint_start_domain(deliver_spf_lint *lint,
                                                         const char *domain);
/** Begin linting a record text without I/O (arguments as deliver_spf_lint_record()).
 * @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_spf_lint_start_record(deliver_spf_lint *lint,
                                                         const char *text, size_t len,
                                                         const char *domain);
/** Advance: DELIVER_OK (results ready), DELIVER_PENDING (questions open: all questions of
 * one tree level are open together), DELIVER_E_STATE (nothing started) or an error.
 * @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_spf_lint_step(deliver_spf_lint *lint);
/** Number of open questions. @since 0.1 (experimental) */
DELIVER_API size_t deliver_spf_lint_query_count(const deliver_spf_lint *lint);
/** The i-th open question (name borrowed until answered). DELIVER_E_INVALID past the end.
 * @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_spf_lint_get_query(const deliver_spf_lint *lint, size_t i,
                                                      uint64_t *id, const char **qname,
                                                      uint16_t *qtype);
/** Answer an open question with the raw DNS response (wire format), or with msg NULL an
 * outcome (not DELIVER_DNS_OK). @return DELIVER_OK, DELIVER_E_NOTFOUND (not open),
 * DELIVER_E_INVALID, DELIVER_E_STATE (not running) or DELIVER_E_NOMEM.
 * @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_spf_lint_answer(deliver_spf_lint *lint, uint64_t id,
                                                   deliver_dns_outcome outcome,
                                                   const uint8_t *msg, size_t len);
#endif /* DELIVER_EXPERIMENTAL_API */

#ifdef __cplusplus
}
#endif

#endif /* DELIVER_SPF_H */

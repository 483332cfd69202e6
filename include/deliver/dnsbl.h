/*
 * libdeliver: DNS block- and allowlist lookups (RFC 5782), many lists at once, codes decoded,
 * postscreen-style scoring.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DELIVER_DNSBL_H
#define DELIVER_DNSBL_H

#include <deliver/common.h>
#include <deliver/dns.h>
#include <deliver/finding.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A DNSBL check: a catalogue of list definitions (zone, what it can be asked, what its return
 * codes mean), the entries to query (`zone[=filter][*weight]`, as Postfix postscreen writes
 * them), and the result of the last check: per entry a status, the codes answered and their
 * meanings, the TXT reason, and a score with a threshold verdict.
 *
 * Every list of a check is asked at once (one round trip whatever the number of lists); a
 * zone named by several entries is asked once. Answers outside 127.0.0.0/8 and the operators'
 * error codes (127.255.255.252/254/255, DNSWL's 127.0.0.255, DBL's 127.0.1.255) are never
 * listings: they give status DELIVER_DNSBL_STATUS_ERROR and a finding about the query path.
 * @since 0.1
 */
typedef struct deliver_dnsbl deliver_dnsbl;

/** What a list can be asked (bit flags of deliver_dnsbl_define_list()). @since 0.1 */
typedef enum deliver_dnsbl_flag {
    DELIVER_DNSBL_IPV4 = 1,      /**< IPv4 addresses, reversed octets */
    DELIVER_DNSBL_IPV6 = 2,      /**< IPv6 addresses, reversed nibbles */
    DELIVER_DNSBL_DOMAIN = 4,    /**< domain names (RHSBL, DBL style) */
    DELIVER_DNSBL_ALLOWLIST = 8, /**< an allowlist (DNSWL): a listing is good news */
    DELIVER_DNSBL_RETIRED = 16   /**< the list is shut down: never asked, reported "retired" */
} deliver_dnsbl_flag;

/** What a return code means (deliver_dnsbl_define_code()). Values are stable. @since 0.1 */
typedef enum deliver_dnsbl_code_kind {
    DELIVER_DNSBL_CODE_LISTED = 1,   /**< a listing (or, on an allowlist, an allowing) */
    DELIVER_DNSBL_CODE_BLOCKED = 2,  /**< the list refuses the resolver (open resolver, limit) */
    DELIVER_DNSBL_CODE_BAD_QUERY = 3 /**< the query was malformed or of the wrong kind */
} deliver_dnsbl_code_kind;

/** Result of one entry. Values are stable. @since 0.1 */
typedef enum deliver_dnsbl_status {
    DELIVER_DNSBL_STATUS_NOT_LISTED = 0, /**< NXDOMAIN or NODATA */
    DELIVER_DNSBL_STATUS_LISTED = 1,     /**< a listing code that passes the entry's filter */
    DELIVER_DNSBL_STATUS_FILTERED = 2,   /**< listed, but no code passes the entry's filter */
    DELIVER_DNSBL_STATUS_ERROR = 3,      /**< error code, answer outside 127/8, DNS failure */
    DELIVER_DNSBL_STATUS_TIMEOUT = 4,    /**< no answer within the list timeout */
    DELIVER_DNSBL_STATUS_UNUSABLE = 5,   /**< the list failed its RFC 5782 self-check */
    DELIVER_DNSBL_STATUS_RETIRED = 6,    /**< a list known to be shut down: not asked */
    DELIVER_DNSBL_STATUS_SKIPPED = 7     /**< the list cannot be asked this kind of subject */
} deliver_dnsbl_status;

/** Lower-case name of a status ("not_listed", "listed", ...; "unknown"). @since 0.1 */
DELIVER_API const char *deliver_dnsbl_status_name(deliver_dnsbl_status status);

/** Verdict of a check. Values are stable. @since 0.1 */
typedef enum deliver_dnsbl_verdict {
    DELIVER_DNSBL_VERDICT_PASS = 1,        /**< score below the threshold */
    DELIVER_DNSBL_VERDICT_LISTED = 2,      /**< score at or above the threshold */
    DELIVER_DNSBL_VERDICT_ALLOWLISTED = 3, /**< score at or below the allowlist threshold */
    DELIVER_DNSBL_VERDICT_UNKNOWN = 4      /**< below the threshold, and no list answered */
} deliver_dnsbl_verdict;

/** Lower-case name of a verdict ("pass", "listed", "allowlisted", "unknown"). @since 0.1 */
DELIVER_API const char *deliver_dnsbl_verdict_name(deliver_dnsbl_verdict verdict);

/** TXT fetching (deliver_dnsbl_set_txt()). Values are stable. @since 0.1 */
typedef enum deliver_dnsbl_txt_mode {
    DELIVER_DNSBL_TXT_NONE = 0,        /**< never ask TXT */
    DELIVER_DNSBL_TXT_WITH_A = 1,      /**< ask TXT together with A: one round trip (default) */
    DELIVER_DNSBL_TXT_WHEN_LISTED = 2  /**< ask TXT after a listing: less traffic, two rounds */
} deliver_dnsbl_txt_mode;

/**
 * Create a check whose catalogue holds the built-in lists (Spamhaus ZEN, SBL, XBL, PBL,
 * SBL-XBL, DBL, ZRD; Barracuda; SpamCop; Mailspike bl and rep; UCEPROTECT 1-3; PSBL; manitu;
 * DroneBL; blocklist.de; DNSWL; SORBS as retired) and no entries.
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_dnsbl_new(deliver_dnsbl **out, deliver_ctx *ctx);

/** Free a check; NULL is a no-op. @since 0.1 */
DELIVER_API void deliver_dnsbl_free(deliver_dnsbl *dnsbl);

/** Detail of the last failure on this handle; "" when none, never NULL. @since 0.1 */
DELIVER_API const char *deliver_dnsbl_errmsg(const deliver_dnsbl *dnsbl);

/**
 * Remove every list definition from the catalogue (the built-ins too), so that only lists
 * defined afterwards have code tables. Entries already added keep their zones.
 * @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1
 */
DELIVER_API deliver_status deliver_dnsbl_clear_catalogue(deliver_dnsbl *dnsbl);

/**
 * Define (or redefine: its codes are dropped) a list in the catalogue. `flags` is a
 * combination of deliver_dnsbl_flag (at least one of IPV4, IPV6, DOMAIN unless RETIRED);
 * `description` is a short name ("Spamhaus ZEN", may be NULL); `weight` is the weight of the
 * list when it is used without a `*weight` of its own (postscreen's default is 1; an allowlist
 * normally has a negative weight).
 * @return DELIVER_OK, DELIVER_E_INVALID (bad zone or flags) or DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_dnsbl_define_list(deliver_dnsbl *dnsbl, const char *zone,
                                                     unsigned flags, const char *description,
                                                     int weight);

/**
 * Give a meaning to return codes of a list already defined. `pattern` uses the filter
 * syntax of entries: an address, with octets written as `N`, `[a..b]` or `[a;b;c..d]`
 * ("127.0.0.[5..7]"), or a mask `&0.0.0.4` (any of the bits set). An answered code takes
 * the kind of the last-defined pattern it matches, and the meanings of every matching pattern
 * of that kind, joined with "; " (DNSWL: "category ...; trust ..."). A code no pattern matches is a listing
 * of unknown meaning inside 127.0.0.0/8 (an error in 127.255.255.0/24, a bad answer outside).
 * @return DELIVER_OK, DELIVER_E_NOTFOUND (zone not defined), DELIVER_E_PARSE (bad pattern),
 * DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_dnsbl_define_code(deliver_dnsbl *dnsbl, const char *zone,
                                                     const char *pattern,
                                                     deliver_dnsbl_code_kind kind,
                                                     const char *meaning);

/** Number of lists in the catalogue. @since 0.1 */
DELIVER_API size_t deliver_dnsbl_catalogue_count(const deliver_dnsbl *dnsbl);
/** Zone of the i-th catalogue list (borrowed), NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_dnsbl_catalogue_get_zone(const deliver_dnsbl *dnsbl, size_t i);
/** Flags of the i-th catalogue list, 0 past the end. @since 0.1 */
DELIVER_API unsigned deliver_dnsbl_catalogue_get_flags(const deliver_dnsbl *dnsbl, size_t i);
/** Description of the i-th catalogue list ("" when none), NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_dnsbl_catalogue_get_description(const deliver_dnsbl *dnsbl,
                                                                size_t i);

/**
 * Add entries from postscreen-style specs in `buf[0..len)` (not NUL-terminated), separated
 * by commas or white space: `zone[=filter][*weight]`. The filter is an address pattern as in
 * deliver_dnsbl_define_code(); the weight a decimal integer (negative for allowlists; without
 * it, the catalogue's weight of the zone, or 1). A zone not in the catalogue can be asked any
 * kind of subject, and its 127/8 codes are listings of unknown meaning. An entry without a
 * filter takes the catalogue's default filter of its zone, if any (rep.mailspike.net
 * 127.0.0.[10..13]: bad levels only; list.dnswl.org 127.0.[0..255].[1..3]: some trust;
 * dbl.spamhaus.org 127.0.1.[2..99]: abused legitimate domains do not count). On a parse error no
 * entry of `buf` is added, deliver_dnsbl_errmsg() says what and deliver_dnsbl_error_offset()
 * where.
 * @return DELIVER_OK, DELIVER_E_PARSE, DELIVER_E_LIMIT (over 1024 entries), DELIVER_E_INVALID
 * or DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_dnsbl_add_spec(deliver_dnsbl *dnsbl, const char *buf,
                                                  size_t len);

/** Offset in the buffer of the last deliver_dnsbl_add_spec() parse error (0 when none). @since 0.1 */
DELIVER_API size_t deliver_dnsbl_error_offset(const deliver_dnsbl *dnsbl);

/**
 * Add one entry for every list of the catalogue (retired ones too, which are reported and not
 * asked), with the catalogue weights. A check with no entry does this by itself.
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_dnsbl_add_catalogue(deliver_dnsbl *dnsbl);

/** Remove every entry. @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1 */
DELIVER_API deliver_status deliver_dnsbl_clear_entries(deliver_dnsbl *dnsbl);

/** Score at or above which the verdict is "listed" (default 1). @since 0.1 */
DELIVER_API deliver_status deliver_dnsbl_set_threshold(deliver_dnsbl *dnsbl, int threshold);

/** Score at or below which the verdict is "allowlisted" (default -1). @since 0.1 */
DELIVER_API deliver_status deliver_dnsbl_set_allowlist_threshold(deliver_dnsbl *dnsbl,
                                                                 int threshold);

/**
 * Time each list has to answer, 1 to 600000 ms (default 5000). A list that has not answered
 * by then is DELIVER_DNSBL_STATUS_TIMEOUT. The blocking deliver_dnsbl_check() honours it by
 * setting the context's per-attempt DNS timeout, for the run only, to this value divided by
 * (1 + the context's retries), so that every attempt of every list ends within it (all lists
 * start together); the context's settings are restored afterwards. A caller driving the
 * sans-I/O core keeps its own clock and answers DELIVER_DNS_TIMEOUT when the time is up.
 * @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1
 */
DELIVER_API deliver_status deliver_dnsbl_set_timeout_ms(deliver_dnsbl *dnsbl, int64_t ms);

/** The list timeout set with deliver_dnsbl_set_timeout_ms() (0 for NULL). @since 0.1 */
DELIVER_API int64_t deliver_dnsbl_get_timeout_ms(const deliver_dnsbl *dnsbl);

/** When to ask TXT reasons (default DELIVER_DNSBL_TXT_WITH_A). @since 0.1 */
DELIVER_API deliver_status deliver_dnsbl_set_txt(deliver_dnsbl *dnsbl,
                                                 deliver_dnsbl_txt_mode mode);

/**
 * RFC 5782 section 5 self-check (default off): with the subject's questions, ask each list
 * its test points of the subject's kind (IPv4: 127.0.0.2 listed, 127.0.0.1 not; IPv6:
 * ::ffff:7f00:2 listed, ::ffff:7f00:1 not; domain: "test" listed, "invalid" not). A list
 * that fails is DELIVER_DNSBL_STATUS_UNUSABLE, counts for nothing, and gets a finding.
 * @since 0.1
 */
DELIVER_API deliver_status deliver_dnsbl_set_self_check(deliver_dnsbl *dnsbl, int on);

/**
 * Ask lists whatever they are defined to take (default off: an IPv6 address is not asked of
 * an IPv4-only list, an address not of a domain list, and so on; such entries are "skipped").
 * @since 0.1
 */
DELIVER_API deliver_status deliver_dnsbl_set_ignore_kinds(deliver_dnsbl *dnsbl, int on);

/**
 * Check `subject`, an IPv4 address, an IPv6 address (asked as 32 nibbles, also when it is
 * IPv4-mapped: ::ffff:7f00:2 is the RFC 5782 IPv6 test point) or a domain name (U-labels
 * or A-labels), against every entry (the whole catalogue when there is none), blocking until every list answered or timed out. Outcomes are results.
 * @return DELIVER_OK, DELIVER_E_INVALID (not an address nor a domain name), DELIVER_E_RESOLVER,
 * DELIVER_E_STATE (a callback resolver left a question open), DELIVER_E_NOMEM.
 * @since 0.1
 */
DELIVER_API deliver_status deliver_dnsbl_check(deliver_dnsbl *dnsbl, const char *subject);

/** The subject of the last check, normalised (an address in canonical text, a domain in
 * lower-case A-labels). "" before a check. @since 0.1 */
DELIVER_API const char *deliver_dnsbl_get_subject(const deliver_dnsbl *dnsbl);

/** Sum of the weights of the entries with status LISTED. @since 0.1 */
DELIVER_API int deliver_dnsbl_get_score(const deliver_dnsbl *dnsbl);

/** Verdict of the last check (DELIVER_DNSBL_VERDICT_UNKNOWN before one). @since 0.1 */
DELIVER_API deliver_dnsbl_verdict deliver_dnsbl_get_verdict(const deliver_dnsbl *dnsbl);

/** Number of entries of the last check. @since 0.1 */
DELIVER_API size_t deliver_dnsbl_result_count(const deliver_dnsbl *dnsbl);
/** Zone of entry i (borrowed), NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_dnsbl_result_get_zone(const deliver_dnsbl *dnsbl, size_t i);
/** The catalogue description of entry i's zone ("" when none). @since 0.1 */
DELIVER_API const char *deliver_dnsbl_result_get_description(const deliver_dnsbl *dnsbl,
                                                             size_t i);
/** The entry's filter as written ("" when none). @since 0.1 */
DELIVER_API const char *deliver_dnsbl_result_get_filter(const deliver_dnsbl *dnsbl, size_t i);
/** The name asked ("" when the list was not asked). @since 0.1 */
DELIVER_API const char *deliver_dnsbl_result_get_query_name(const deliver_dnsbl *dnsbl,
                                                            size_t i);
/** Status of entry i (DELIVER_DNSBL_STATUS_SKIPPED past the end). @since 0.1 */
DELIVER_API deliver_dnsbl_status deliver_dnsbl_result_get_status(const deliver_dnsbl *dnsbl,
                                                                 size_t i);
/** Weight of entry i (what it adds to the score when its status is LISTED). @since 0.1 */
DELIVER_API int deliver_dnsbl_result_get_weight(const deliver_dnsbl *dnsbl, size_t i);
/** 1 when entry i's list is an allowlist. @since 0.1 */
DELIVER_API int deliver_dnsbl_result_is_allowlist(const deliver_dnsbl *dnsbl, size_t i);
/** Number of A codes answered for entry i's zone (all of them, filtered or not). @since 0.1 */
DELIVER_API size_t deliver_dnsbl_result_code_count(const deliver_dnsbl *dnsbl, size_t i);
/** Code j of entry i in dotted-quad text ("127.0.0.2"), NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_dnsbl_result_get_code(const deliver_dnsbl *dnsbl, size_t i,
                                                      size_t j);
/** Meaning of code j of entry i (from the catalogue; "unknown code" ...). @since 0.1 */
DELIVER_API const char *deliver_dnsbl_result_get_meaning(const deliver_dnsbl *dnsbl, size_t i,
                                                         size_t j);
/** Kind of code j of entry i (0 past the end). @since 0.1 */
DELIVER_API deliver_dnsbl_code_kind deliver_dnsbl_result_get_code_kind(const deliver_dnsbl *dnsbl,
                                                                       size_t i, size_t j);
/** 1 when code j of entry i passes the entry's filter. @since 0.1 */
DELIVER_API int deliver_dnsbl_result_code_matches(const deliver_dnsbl *dnsbl, size_t i,
                                                  size_t j);
/** TXT reason of entry i's zone, strings of each record joined, records joined by " / "
 * ("" when none). @since 0.1 */
DELIVER_API const char *deliver_dnsbl_result_get_txt(const deliver_dnsbl *dnsbl, size_t i);

/** Number of findings of the last check. @since 0.1 */
DELIVER_API size_t deliver_dnsbl_finding_count(const deliver_dnsbl *dnsbl);
/** The i-th finding, borrowed; NULL past the end. @since 0.1 */
DELIVER_API const deliver_finding *deliver_dnsbl_get_finding(const deliver_dnsbl *dnsbl,
                                                             size_t i);

#ifdef DELIVER_EXPERIMENTAL_API
/*
 * The sans-I/O core (experimental: may change in any release). Start it, then loop:
 * deliver_dnsbl_step() returns DELIVER_OK when the result is ready or DELIVER_PENDING when
 * questions are open; every question of every list is open at once. Answer them in any
 * order with deliver_dnsbl_answer(); answer DELIVER_DNS_TIMEOUT for a list whose time is up.
 */

/** Begin a check of `subject` without I/O. @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dnsbl_start(deliver_dnsbl *dnsbl, const char *subject);
/** Advance: DELIVER_OK (done), DELIVER_PENDING (questions open) or an error. @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dnsbl_step(deliver_dnsbl *dnsbl);
/** Number of open questions. @since 0.1 (experimental) */
DELIVER_API size_t deliver_dnsbl_query_count(const deliver_dnsbl *dnsbl);
/** The i-th open question (name borrowed until answered). @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dnsbl_get_query(const deliver_dnsbl *dnsbl, size_t i,
                                                   uint64_t *id, const char **qname,
                                                   uint16_t *qtype);
/**
 * Answer an open question with the raw DNS response, or with `msg` NULL an outcome.
 * @return DELIVER_OK, DELIVER_E_NOTFOUND, DELIVER_E_STATE, DELIVER_E_INVALID,
 * DELIVER_E_NOMEM. @since 0.1 (experimental)
 */
DELIVER_API deliver_status deliver_dnsbl_answer(deliver_dnsbl *dnsbl, uint64_t id,
                                                deliver_dns_outcome outcome, const uint8_t *msg,
                                                size_t len);
#endif /* DELIVER_EXPERIMENTAL_API */

#ifdef __cplusplus
}
#endif

#endif /* DELIVER_DNSBL_H */

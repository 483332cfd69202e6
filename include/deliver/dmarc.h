/*
 * libdeliver: DMARC (RFC 7489 and RFC 9989): policy records, the organizational domain (Public
 * Suffix List or DNS tree walk), evaluation of SPF and DKIM results, report destinations and
 * Authentication-Results.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DELIVER_DMARC_H
#define DELIVER_DMARC_H

#include <deliver/common.h>
#include <deliver/dkim.h>
#include <deliver/dns.h>
#include <deliver/finding.h>
#include <deliver/spf.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Which specification to follow. Values are stable. @since 0.1 */
typedef enum deliver_dmarc_mode {
    DELIVER_DMARC_RFC7489 = 1, /**< RFC 7489: pct/rf/ri, the Public Suffix List */
    DELIVER_DMARC_RFC9989 = 2  /**< RFC 9989 (default): np/psd/t, the DNS tree walk */
} deliver_dmarc_mode;

/** A policy keyword (p, sp, np) or a disposition. Values are stable. @since 0.1 */
typedef enum deliver_dmarc_policy {
    DELIVER_DMARC_POLICY_UNSET = 0,      /**< no policy (no record, or not evaluated) */
    DELIVER_DMARC_POLICY_NONE = 1,       /**< none */
    DELIVER_DMARC_POLICY_QUARANTINE = 2, /**< quarantine */
    DELIVER_DMARC_POLICY_REJECT = 3      /**< reject */
} deliver_dmarc_policy;

/** Lower-case keyword of a policy ("none", "quarantine", "reject"; "" for unset). @since 0.1 */
DELIVER_API const char *deliver_dmarc_policy_name(deliver_dmarc_policy policy);

/** Why a record is not a usable policy. Values are stable. @since 0.1 */
typedef enum deliver_dmarc_record_error {
    DELIVER_DMARC_RECORD_OK = 0,               /**< a usable policy record */
    DELIVER_DMARC_RECORD_EMPTY = 1,            /**< empty text */
    DELIVER_DMARC_RECORD_NOT_DMARC = 2,        /**< does not start with v=DMARC1: discarded */
    DELIVER_DMARC_RECORD_NO_POLICY = 3,        /**< p (or sp/np) missing or bad and no valid rua */
    DELIVER_DMARC_RECORD_DUPLICATE_TAG = 4,    /**< a tag appears twice (RFC 6376 tag lists) */
    DELIVER_DMARC_RECORD_MULTIPLE_RECORDS = 5, /**< several DMARC records at one name */
    DELIVER_DMARC_RECORD_NONE = 6              /**< no DMARC record among the TXT records */
} deliver_dmarc_record_error;

/** Short name of a record error ("ok", "empty", "not_dmarc", "no_policy", "duplicate_tag",
 * "multiple_records", "none"; "unknown"). @since 0.1 */
DELIVER_API const char *deliver_dmarc_record_error_name(deliver_dmarc_record_error err);

/** Identifier alignment mode (adkim, aspf). Values are stable. @since 0.1 */
typedef enum deliver_dmarc_alignment {
    DELIVER_DMARC_ALIGN_RELAXED = 1, /**< r: same organizational domain */
    DELIVER_DMARC_ALIGN_STRICT = 2   /**< s: the same domain */
} deliver_dmarc_alignment;

/** The psd tag of RFC 9989. Values are stable. @since 0.1 */
typedef enum deliver_dmarc_psd {
    DELIVER_DMARC_PSD_UNSPECIFIED = 0, /**< u (default) */
    DELIVER_DMARC_PSD_YES = 1,         /**< y: a public suffix domain's record */
    DELIVER_DMARC_PSD_NO = 2           /**< n: this is an organizational domain */
} deliver_dmarc_psd;

/** Report URI lists. Values are stable. @since 0.1 */
typedef enum deliver_dmarc_report_kind {
    DELIVER_DMARC_RUA = 1, /**< aggregate reports */
    DELIVER_DMARC_RUF = 2  /**< failure reports */
} deliver_dmarc_report_kind;

/* ---- Records ------------------------------------------------------------------------- */

/**
 * A parsed DMARC policy record. Used by one thread at a time, like its context.
 * @since 0.1
 */
typedef struct deliver_dmarc_record deliver_dmarc_record;

/** Create a record handle (RFC 9989 mode). @return DELIVER_OK, DELIVER_E_INVALID or
 * DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_record_new(deliver_dmarc_record **out, deliver_ctx *ctx);
/** Free a record handle; NULL is a no-op. @since 0.1 */
DELIVER_API void deliver_dmarc_record_free(deliver_dmarc_record *rec);
/** Detail of the last failure on this handle; "" when none, never NULL. @since 0.1 */
DELIVER_API const char *deliver_dmarc_record_errmsg(const deliver_dmarc_record *rec);
/** Parse by RFC 7489 or RFC 9989 (the default) from now on.
 * @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_record_set_mode(deliver_dmarc_record *rec,
                                                         deliver_dmarc_mode mode);
/**
 * The domain that publishes the record (NULL: unknown), used by findings about report
 * destinations outside it. Copied. @return DELIVER_OK, DELIVER_E_INVALID (bad name) or
 * DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_dmarc_record_set_domain(deliver_dmarc_record *rec,
                                                           const char *domain);
/**
 * Parse one record's text (the TXT character-strings already concatenated). A record that is
 * not a usable policy is still DELIVER_OK: see deliver_dmarc_record_get_error().
 * @return DELIVER_OK, DELIVER_E_INVALID (NULL handle, or NULL buf with len > 0) or
 * DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_dmarc_record_parse(deliver_dmarc_record *rec,
                                                      const uint8_t *buf, size_t len);
/**
 * Select and parse the DMARC record among the TXT records at one name (`count` records, each
 * its character-strings concatenated): records not starting with v=DMARC1 are discarded;
 * several DMARC records give DELIVER_DMARC_RECORD_MULTIPLE_RECORDS, none gives
 * DELIVER_DMARC_RECORD_NONE. @return as deliver_dmarc_record_parse(). @since 0.1
 */
DELIVER_API deliver_status deliver_dmarc_record_parse_rrset(deliver_dmarc_record *rec,
                                                            size_t count,
                                                            const uint8_t *const *bufs,
                                                            const size_t *lens);
/** 1 when the last parse gave a usable policy, else 0. @since 0.1 */
DELIVER_API int deliver_dmarc_record_is_valid(const deliver_dmarc_record *rec);
/** Why the record is not usable (DELIVER_DMARC_RECORD_OK when it is). @since 0.1 */
DELIVER_API deliver_dmarc_record_error deliver_dmarc_record_get_error(
    const deliver_dmarc_record *rec);
/** Offset in the text of the fault behind the error (0 when none). @since 0.1 */
DELIVER_API size_t deliver_dmarc_record_get_error_offset(const deliver_dmarc_record *rec);
/** DMARC records seen by deliver_dmarc_record_parse_rrset() (1 after a plain parse). @since 0.1 */
DELIVER_API size_t deliver_dmarc_record_dmarc_count(const deliver_dmarc_record *rec);
/** 1 when the "act as if p=none" rule applied (a missing or bad p/sp/np). @since 0.1 */
DELIVER_API int deliver_dmarc_record_is_policy_fallback(const deliver_dmarc_record *rec);
/** p after defaults (UNSET when the record is not usable). @since 0.1 */
DELIVER_API deliver_dmarc_policy deliver_dmarc_record_get_policy(const deliver_dmarc_record *rec);
/** sp after defaults (p when absent). @since 0.1 */
DELIVER_API deliver_dmarc_policy deliver_dmarc_record_get_subdomain_policy(
    const deliver_dmarc_record *rec);
/** np after defaults (sp when absent); RFC 9989 mode only, else sp. @since 0.1 */
DELIVER_API deliver_dmarc_policy deliver_dmarc_record_get_nonexistent_policy(
    const deliver_dmarc_record *rec);
/** 1 when the tag (case-insensitive name: "sp", "np", ...) was given with a usable value.
 * @since 0.1 */
DELIVER_API int deliver_dmarc_record_has_tag(const deliver_dmarc_record *rec, const char *tag);
/** adkim after defaults. @since 0.1 */
DELIVER_API deliver_dmarc_alignment deliver_dmarc_record_get_adkim(
    const deliver_dmarc_record *rec);
/** aspf after defaults. @since 0.1 */
DELIVER_API deliver_dmarc_alignment deliver_dmarc_record_get_aspf(
    const deliver_dmarc_record *rec);
/** fo options after defaults, lower case, colon-separated ("0", "1:d:s"). @since 0.1 */
DELIVER_API const char *deliver_dmarc_record_get_fo(const deliver_dmarc_record *rec);
/** pct after defaults (RFC 7489 mode; 100 in RFC 9989 mode). @since 0.1 */
DELIVER_API unsigned deliver_dmarc_record_get_pct(const deliver_dmarc_record *rec);
/** ri in seconds after defaults (RFC 7489 mode; 86400 in RFC 9989 mode). @since 0.1 */
DELIVER_API uint32_t deliver_dmarc_record_get_ri(const deliver_dmarc_record *rec);
/** rf after defaults ("afrf"). @since 0.1 */
DELIVER_API const char *deliver_dmarc_record_get_rf(const deliver_dmarc_record *rec);
/** psd (RFC 9989 mode; unspecified otherwise). @since 0.1 */
DELIVER_API deliver_dmarc_psd deliver_dmarc_record_get_psd(const deliver_dmarc_record *rec);
/** 1 for t=y (RFC 9989 test mode), else 0. @since 0.1 */
DELIVER_API int deliver_dmarc_record_is_test_mode(const deliver_dmarc_record *rec);
/** Valid URIs in rua or ruf. @since 0.1 */
DELIVER_API size_t deliver_dmarc_record_uri_count(const deliver_dmarc_record *rec,
                                                  deliver_dmarc_report_kind kind);
/** The i-th valid URI without its size suffix; NULL past the end. Borrowed. @since 0.1 */
DELIVER_API const char *deliver_dmarc_record_get_uri(const deliver_dmarc_record *rec,
                                                     deliver_dmarc_report_kind kind, size_t i);
/** Its size limit in bytes (RFC 7489 "!N[kmgt]", powers of two); 0 when none or in RFC 9989
 * mode. @since 0.1 */
DELIVER_API uint64_t deliver_dmarc_record_get_uri_max_bytes(const deliver_dmarc_record *rec,
                                                            deliver_dmarc_report_kind kind,
                                                            size_t i);
/** 1 when the URI had a size suffix that RFC 9989 mode ignored. @since 0.1 */
DELIVER_API int deliver_dmarc_record_uri_has_obsolete_size(const deliver_dmarc_record *rec,
                                                           deliver_dmarc_report_kind kind,
                                                           size_t i);
/** Tags ignored (unknown in this mode, or malformed tag-specs). @since 0.1 */
DELIVER_API size_t deliver_dmarc_record_ignored_tag_count(const deliver_dmarc_record *rec);
/** The i-th ignored tag name (lower case) or malformed spec; NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_dmarc_record_get_ignored_tag(const deliver_dmarc_record *rec,
                                                             size_t i);
/** Known tags whose value was bad. @since 0.1 */
DELIVER_API size_t deliver_dmarc_record_invalid_value_count(const deliver_dmarc_record *rec);
/** The i-th tag (lower case) with a bad value; NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_dmarc_record_get_invalid_value(const deliver_dmarc_record *rec,
                                                               size_t i);
/** URIs of rua/ruf that were not valid and were dropped. @since 0.1 */
DELIVER_API size_t deliver_dmarc_record_invalid_uri_count(const deliver_dmarc_record *rec);
/** The i-th invalid URI as written; NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_dmarc_record_get_invalid_uri(const deliver_dmarc_record *rec,
                                                             size_t i);
/** Findings about the record (ids dmarc.*). @since 0.1 */
DELIVER_API size_t deliver_dmarc_record_finding_count(const deliver_dmarc_record *rec);
/** The i-th finding, borrowed; NULL past the end. @since 0.1 */
DELIVER_API const deliver_finding *deliver_dmarc_record_get_finding(
    const deliver_dmarc_record *rec, size_t i);

/* ---- Evaluation ---------------------------------------------------------------------- */

/** DMARC results (RFC 8601 dmarc= values). Values are stable. @since 0.1 */
typedef enum deliver_dmarc_result {
    DELIVER_DMARC_UNKNOWN = 0,   /**< no evaluation has completed */
    DELIVER_DMARC_NONE = 1,      /**< no policy record: DMARC does not apply */
    DELIVER_DMARC_PASS = 2,      /**< an aligned identifier passed */
    DELIVER_DMARC_FAIL = 3,      /**< no aligned identifier passed */
    DELIVER_DMARC_TEMPERROR = 4, /**< a transient DNS error: try again later */
    DELIVER_DMARC_PERMERROR = 5  /**< cannot be evaluated (several From domains, ...) */
} deliver_dmarc_result;

/** Lower-case name of a result ("pass", "none", ...; "unknown"). @since 0.1 */
DELIVER_API const char *deliver_dmarc_result_name(deliver_dmarc_result result);

/** Where the applied record was found. Values are stable. @since 0.1 */
typedef enum deliver_dmarc_policy_source {
    DELIVER_DMARC_SOURCE_NONE = 0,           /**< no record */
    DELIVER_DMARC_SOURCE_AUTHOR = 1,         /**< the author (From) domain */
    DELIVER_DMARC_SOURCE_ORGANIZATIONAL = 2, /**< the organizational domain */
    DELIVER_DMARC_SOURCE_PSD = 3             /**< a public suffix domain (psd=y) */
} deliver_dmarc_policy_source;

/** Outcome of one report destination check. Values are stable. @since 0.1 */
typedef enum deliver_dmarc_report_status {
    DELIVER_DMARC_REPORT_SAME_ORG = 1,       /**< inside the policy's organizational domain */
    DELIVER_DMARC_REPORT_AUTHORIZED = 2,     /**< the destination publishes an authorization */
    DELIVER_DMARC_REPORT_OVERRIDDEN = 3,     /**< authorized, its own URIs replace this one */
    DELIVER_DMARC_REPORT_UNAUTHORIZED = 4,   /**< no authorization record: dropped */
    DELIVER_DMARC_REPORT_BAD_OVERRIDE = 5,   /**< override points to another host: dropped */
    DELIVER_DMARC_REPORT_TEMPERROR = 6,      /**< the query failed: dropped for now */
    DELIVER_DMARC_REPORT_UNCHECKED = 7       /**< no host to check (unsupported URI) */
} deliver_dmarc_report_status;

/** Lower-case name of a report status ("same_org", "authorized", ...). @since 0.1 */
DELIVER_API const char *deliver_dmarc_report_status_name(deliver_dmarc_report_status status);

/**
 * A DMARC evaluation handle: settings, inputs (From domain(s), SPF and DKIM results), one
 * evaluation at a time, then its results. It keeps the Public Suffix List once loaded, so
 * reuse it for many messages. Used by one thread at a time, like its context. @since 0.1
 */
typedef struct deliver_dmarc deliver_dmarc;

/** Random source for RFC 7489 pct sampling: any uint32_t, uniformly distributed.
 * @since 0.1 */
typedef uint32_t (*deliver_dmarc_random_fn)(void *userdata);

/** Create a handle (RFC 9989 mode). @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM.
 * @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_new(deliver_dmarc **out, deliver_ctx *ctx);
/** Free a handle; NULL is a no-op. @since 0.1 */
DELIVER_API void deliver_dmarc_free(deliver_dmarc *dmarc);
/** Detail of the last failure on this handle; "" when none, never NULL. @since 0.1 */
DELIVER_API const char *deliver_dmarc_errmsg(const deliver_dmarc *dmarc);
/** RFC 7489 (Public Suffix List) or RFC 9989 (tree walk, the default).
 * @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_set_mode(deliver_dmarc *dmarc, deliver_dmarc_mode mode);
/**
 * The Public Suffix List file for RFC 7489 mode (NULL: Debian's
 * /usr/share/publicsuffix/public_suffix_list.dat), read through libpsl on first use.
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_dmarc_set_psl_file(deliver_dmarc *dmarc, const char *path);
/** Use only the ICANN section of the list (private suffixes such as github.io ignored).
 * @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_set_psl_icann_only(deliver_dmarc *dmarc, int on);
/**
 * The organizational domain of `domain` by the Public Suffix List (RFC 7489 section 3.2),
 * without DNS: written to `org` (A-labels) and its public suffix to `suffix` (either may be
 * NULL with size 0). @return DELIVER_OK; DELIVER_E_NOTFOUND when `domain` is itself a public
 * suffix (`org` gets ""); DELIVER_E_INVALID (bad name); DELIVER_E_LIMIT (buffer too small);
 * DELIVER_E_IO (the list cannot be read). @since 0.1
 */
DELIVER_API deliver_status deliver_dmarc_psl_org_domain(deliver_dmarc *dmarc, const char *domain,
                                                        char *org, size_t orgsz, char *suffix,
                                                        size_t suffixsz);
/**
 * Several distinct From domains give permerror (default, on = 0). With on = 1 the first one
 * is evaluated and a finding (dmarc.multiple_from) notes the others.
 * @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1
 */
DELIVER_API deliver_status deliver_dmarc_set_allow_multiple_from(deliver_dmarc *dmarc, int on);
/** Check external report destinations (RFC 9990 section 4) during evaluation (default off;
 * deliver_dmarc_lookup() always checks). A destination inside the policy's organizational
 * domain needs no query. @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_set_check_reports(deliver_dmarc *dmarc, int on);
/** Random source for pct sampling (RFC 7489 mode). Without one, the full policy is the
 * disposition and the unsampled one is reported beside it. @return DELIVER_OK or
 * DELIVER_E_INVALID. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_set_random(deliver_dmarc *dmarc,
                                                    deliver_dmarc_random_fn fn, void *userdata);
/** authserv-id of the Authentication-Results header (default "localhost"). Copied.
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_set_authserv_id(deliver_dmarc *dmarc, const char *id);

/** Forget the inputs (From domains, SPF and DKIM results) of the last message. @since 0.1 */
DELIVER_API void deliver_dmarc_reset(deliver_dmarc *dmarc);
/** Add an RFC5322.From domain (U-labels or A-labels). @return DELIVER_OK, DELIVER_E_INVALID
 * (bad name) or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_add_from_domain(deliver_dmarc *dmarc,
                                                         const char *domain);
/** Add the From domains of a From: field body (buf, len), parsed as an RFC 5322 mailbox-list.
 * @return DELIVER_OK, DELIVER_E_PARSE (no address), DELIVER_E_INVALID or DELIVER_E_NOMEM.
 * @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_set_from_header(deliver_dmarc *dmarc,
                                                         const uint8_t *buf, size_t len);
/** The SPF result for the RFC5321.MailFrom identity and its domain (NULL or "" when none).
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_set_spf(deliver_dmarc *dmarc, deliver_spf_result result,
                                                 const char *domain);
/** The SPF result of a completed deliver_spf check (MAIL FROM identity).
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_set_spf_handle(deliver_dmarc *dmarc,
                                                        const deliver_spf *spf);
/**
 * Add one DKIM signature's result: `result` is an RFC 8601 dkim= value ("pass", "fail",
 * "neutral", "policy", "temperror", "permerror", "none"), `domain` its d= and `selector` its
 * s= (may be NULL). @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1
 */
DELIVER_API deliver_status deliver_dmarc_add_dkim(deliver_dmarc *dmarc, const char *result,
                                                  const char *domain, const char *selector);
/**
 * Add the results of a completed deliver_dkim_verify run, one per DKIM-Signature in the
 * message's order, as deliver_dmarc_add_dkim() would with each signature's result name, d=
 * and s= (read through the verifier's public getters). A signature whose d= could not be
 * parsed cannot align and is left out; an unsigned message adds nothing (dkim=none). At most
 * 16 DKIM results are kept per message: when the verifier has more, passing signatures are
 * kept first. Nothing is added when the call fails. `verify` is only read; it may be reset,
 * reused or freed afterwards.
 * @return DELIVER_OK; DELIVER_E_INVALID (NULL argument); DELIVER_E_STATE (the verification
 * has not completed); DELIVER_E_LIMIT (results added earlier leave no room); DELIVER_E_NOMEM.
 * @since 0.1
 */
DELIVER_API deliver_status deliver_dmarc_add_dkim_handle(deliver_dmarc *dmarc,
                                                         const deliver_dkim_verify *verify);
/** Evaluate the inputs, blocking on the context's resolver. The verdict is data (get_result).
 * RFC 9989 mode: the author domain's tree walk and the walks of passing SPF/DKIM domains that
 * might align go out together; whether the author domain exists is asked only when the
 * record has np; a DNS failure at the author's own name is temperror, one above it ends the
 * walk with what it found (finding dmarc.walk_incomplete).
 * @return DELIVER_OK, DELIVER_E_INVALID, DELIVER_E_STATE, DELIVER_E_NOMEM or a resolver
 * error. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_evaluate(deliver_dmarc *dmarc);
/** Policy discovery only for `domain` (as if it were the From domain, no SPF or DKIM):
 * record, organizational domain, report destination checks, findings. @return as
 * deliver_dmarc_evaluate(). @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_lookup(deliver_dmarc *dmarc, const char *domain);

/** The result of the last evaluation. @since 0.1 */
DELIVER_API deliver_dmarc_result deliver_dmarc_get_result(const deliver_dmarc *dmarc);
/** The From domain evaluated (A-labels); "" when none. @since 0.1 */
DELIVER_API const char *deliver_dmarc_get_from_domain(const deliver_dmarc *dmarc);
/** Where the applied record is (A-labels); NULL when none. @since 0.1 */
DELIVER_API const char *deliver_dmarc_get_policy_domain(const deliver_dmarc *dmarc);
/** The From domain's organizational domain; NULL when evaluation stopped first. @since 0.1 */
DELIVER_API const char *deliver_dmarc_get_org_domain(const deliver_dmarc *dmarc);
/** Where the applied record came from. @since 0.1 */
DELIVER_API deliver_dmarc_policy_source deliver_dmarc_get_policy_source(
    const deliver_dmarc *dmarc);
/** 1 aligned SPF pass, 0 not, -1 not evaluated (no policy). @since 0.1 */
DELIVER_API int deliver_dmarc_get_spf_aligned(const deliver_dmarc *dmarc);
/** 1 aligned DKIM pass, 0 not, -1 not evaluated (no policy). @since 0.1 */
DELIVER_API int deliver_dmarc_get_dkim_aligned(const deliver_dmarc *dmarc);
/** The tag that supplied the policy ("p", "sp", "np"); NULL when none. @since 0.1 */
DELIVER_API const char *deliver_dmarc_get_policy_tag(const deliver_dmarc *dmarc);
/** The published policy that applies to this message. @since 0.1 */
DELIVER_API deliver_dmarc_policy deliver_dmarc_get_policy(const deliver_dmarc *dmarc);
/** What the receiver applies (t=y and pct sampling taken into account). @since 0.1 */
DELIVER_API deliver_dmarc_policy deliver_dmarc_get_disposition(const deliver_dmarc *dmarc);
/** RFC 7489 pct of the record (100 when none). @since 0.1 */
DELIVER_API unsigned deliver_dmarc_get_pct(const deliver_dmarc *dmarc);
/** The disposition of a message left out of the pct sample (the next lower policy).
 * @since 0.1 */
DELIVER_API deliver_dmarc_policy deliver_dmarc_get_disposition_unsampled(
    const deliver_dmarc *dmarc);
/** 1 when sampling ran (a random source was set) and left this message out. @since 0.1 */
DELIVER_API int deliver_dmarc_is_unsampled(const deliver_dmarc *dmarc);
/** 1 when t=y lowered the disposition (RFC 9989). @since 0.1 */
DELIVER_API int deliver_dmarc_is_test_mode(const deliver_dmarc *dmarc);
/** The applied record, borrowed; NULL when none. @since 0.1 */
DELIVER_API const deliver_dmarc_record *deliver_dmarc_get_record(const deliver_dmarc *dmarc);
/** The Authentication-Results field on one line, without CRLF: "Authentication-Results:
 * ID; spf=R smtp.mailfrom=D; dkim=R header.d=D header.s=S; dmarc=R (p=P dis=D)
 * header.from=D policy.dmarc=DISPOSITION polrec.p=P [polrec.domain=D]" (RFC 8601; polrec.*
 * as registered by RFC 9989). Borrowed; "" before an evaluation. @since 0.1 */
DELIVER_API const char *deliver_dmarc_get_authentication_results(const deliver_dmarc *dmarc);
/** DNS questions the last evaluation asked (the tree walk and the rest). @since 0.1 */
DELIVER_API size_t deliver_dmarc_lookup_count(const deliver_dmarc *dmarc);
/** The i-th question's name in the order asked; NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_dmarc_get_lookup(const deliver_dmarc *dmarc, size_t i);
/** Report destination checks of the last evaluation (one per rua/ruf URI). @since 0.1 */
DELIVER_API size_t deliver_dmarc_report_count(const deliver_dmarc *dmarc);
/** The i-th check's URI; NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_dmarc_report_get_uri(const deliver_dmarc *dmarc, size_t i);
/** The i-th check's list (rua or ruf). @since 0.1 */
DELIVER_API deliver_dmarc_report_kind deliver_dmarc_report_get_kind(const deliver_dmarc *dmarc,
                                                                   size_t i);
/** The i-th check's query name (`<domain>._report._dmarc.<host>`); NULL when none was needed.
 * @since 0.1 */
DELIVER_API const char *deliver_dmarc_report_get_query(const deliver_dmarc *dmarc, size_t i);
/** The i-th check's outcome. @since 0.1 */
DELIVER_API deliver_dmarc_report_status deliver_dmarc_report_get_status(
    const deliver_dmarc *dmarc, size_t i);
/** Report URIs to use after the checks (overrides applied). @since 0.1 */
DELIVER_API size_t deliver_dmarc_authorized_uri_count(const deliver_dmarc *dmarc,
                                                      deliver_dmarc_report_kind kind);
/** The i-th authorized URI; NULL past the end. @since 0.1 */
DELIVER_API const char *deliver_dmarc_get_authorized_uri(const deliver_dmarc *dmarc,
                                                         deliver_dmarc_report_kind kind,
                                                         size_t i);
/** Findings of the last evaluation; after deliver_dmarc_lookup() they include the record's
 * own findings (deliver_dmarc_evaluate() skips those: it runs once per message). @since 0.1 */
DELIVER_API size_t deliver_dmarc_finding_count(const deliver_dmarc *dmarc);
/** The i-th finding, borrowed; NULL past the end. @since 0.1 */
DELIVER_API const deliver_finding *deliver_dmarc_get_finding(const deliver_dmarc *dmarc,
                                                             size_t i);

#ifdef DELIVER_EXPERIMENTAL_API
/** Start an evaluation without I/O (experimental): then step/get_query/answer.
 * `lookup_domain` non-NULL makes it a deliver_dmarc_lookup(). @return DELIVER_OK,
 * DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_start(deliver_dmarc *dmarc, const char *lookup_domain);
/** Advance (experimental): DELIVER_OK (done), DELIVER_PENDING (answers needed), or an error.
 * @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_step(deliver_dmarc *dmarc);
/** Open questions (experimental). @since 0.1 */
DELIVER_API size_t deliver_dmarc_query_count(const deliver_dmarc *dmarc);
/** The i-th open question (experimental); qname borrowed until it is answered.
 * @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_get_query(const deliver_dmarc *dmarc, size_t i,
                                                   uint64_t *id, const char **qname,
                                                   uint16_t *qtype);
/** Answer a question (experimental) with the raw DNS reply, or msg NULL and an outcome.
 * @return DELIVER_OK, DELIVER_E_NOTFOUND, DELIVER_E_STATE, DELIVER_E_INVALID or
 * DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dmarc_answer(deliver_dmarc *dmarc, uint64_t id,
                                                deliver_dns_outcome outcome, const uint8_t *msg,
                                                size_t len);
#endif /* DELIVER_EXPERIMENTAL_API */

#ifdef __cplusplus
}
#endif

#endif /* DELIVER_DMARC_H */

/*
 * libdeliver: DKIM (RFC 6376, RFC 8301, RFC 8463): key record checks, verification and signing.
 *
 * Three handles:
 * - deliver_dkim_key checks a key record (fetched at SELECTOR._domainkey.DOMAIN or given as
 *   text) and reports findings with stable ids (dkim.*) and an overall grade.
 * - deliver_dkim_verify verifies the DKIM-Signature fields of a message fed in chunks of any
 *   size (or in one call), fetching every key it needs at once, and gives one RFC 8601 result
 *   per signature with a reason.
 * - deliver_dkim_sign signs a message with an RSA or Ed25519 key and emits the DKIM-Signature
 *   field (borrowed from the handle).
 *
 * A handle is used by one thread at a time; handles of different contexts share nothing.
 * Strings returned are borrowed from the handle and stay valid until it is run again, reset
 * or freed.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DELIVER_DKIM_H
#define DELIVER_DKIM_H

#include <stddef.h>
#include <stdint.h>

#include <deliver/common.h>
#include <deliver/dns.h>
#include <deliver/finding.h>

#ifdef __cplusplus
extern "C" {
#endif

/** DKIM results in RFC 8601 terms. Values are stable. @since 0.1 */
typedef enum deliver_dkim_result {
    DELIVER_DKIM_UNKNOWN = 0,   /**< nothing verified yet */
    DELIVER_DKIM_NONE = 1,      /**< the message carries no DKIM-Signature */
    DELIVER_DKIM_PASS = 2,      /**< the signature verified */
    DELIVER_DKIM_FAIL = 3,      /**< body hash or signature did not verify */
    DELIVER_DKIM_POLICY = 4,    /**< verified or not, local policy refuses it (rsa-sha1, small key) */
    DELIVER_DKIM_NEUTRAL = 5,   /**< not checked (over the signature cap) */
    DELIVER_DKIM_TEMPERROR = 6, /**< the key could not be fetched now (DNS failure): try later */
    DELIVER_DKIM_PERMERROR = 7  /**< malformed or expired signature, missing or unusable key */
} deliver_dkim_result;

/** Lower-case name of a result ("pass", "permerror", ...; "unknown"). Static. @since 0.1 */
DELIVER_API const char *deliver_dkim_result_name(deliver_dkim_result result);

/** Key types. Values are stable. @since 0.1 */
typedef enum deliver_dkim_key_type {
    DELIVER_DKIM_KEY_UNKNOWN = 0, /**< no usable key */
    DELIVER_DKIM_KEY_RSA = 1,     /**< k=rsa */
    DELIVER_DKIM_KEY_ED25519 = 2  /**< k=ed25519 (RFC 8463) */
} deliver_dkim_key_type;

/** Overall grade of a key record. Values are stable. @since 0.1 */
typedef enum deliver_dkim_key_grade {
    DELIVER_DKIM_GRADE_UNKNOWN = 0, /**< not checked yet */
    DELIVER_DKIM_GRADE_PASS = 1,    /**< usable, nothing to fix */
    DELIVER_DKIM_GRADE_WEAK = 2,    /**< a 1024-bit RSA key: usable, rotate to 2048 */
    DELIVER_DKIM_GRADE_WARNING = 3, /**< usable, but a warning applies */
    DELIVER_DKIM_GRADE_REVOKED = 4, /**< empty p=: the key was revoked */
    DELIVER_DKIM_GRADE_FAIL = 5     /**< an error: no signature can verify with this record */
} deliver_dkim_key_grade;

/** Lower-case name of a grade ("pass", "weak", "warning", "revoked", "fail"). @since 0.1 */
DELIVER_API const char *deliver_dkim_key_grade_name(deliver_dkim_key_grade grade);

/* ---- key records ---- */

/** A key record checker. @since 0.1 */
typedef struct deliver_dkim_key deliver_dkim_key;

/** Create a key checker; `*out` is NULL on failure.
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_key_new(deliver_dkim_key **out, deliver_ctx *ctx);

/** Free a key checker; NULL is a no-op. @since 0.1 */
DELIVER_API void deliver_dkim_key_free(deliver_dkim_key *key);

/** Detail of the last failure on this handle; "" when none, never NULL. @since 0.1 */
DELIVER_API const char *deliver_dkim_key_errmsg(const deliver_dkim_key *key);

/** Fetch SELECTOR._domainkey.DOMAIN TXT through the context's resolver (blocking) and check
 * it: several records, split strings, CNAME delegation and NXDOMAIN versus DNS failure are
 * findings too. A DNS failure is a finding (dkim.dns_error), not an API error.
 * @return DELIVER_OK, DELIVER_E_INVALID (bad selector or domain), DELIVER_E_NOMEM or a
 * resolver error. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_key_check(deliver_dkim_key *key, const char *selector,
                                                  const char *domain);

/** Check one key record given as text (the TXT strings already joined), no DNS.
 * @return DELIVER_OK, DELIVER_E_INVALID (NULL text with len > 0) or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_key_check_record(deliver_dkim_key *key, const char *text,
                                                         size_t len);

/** Grade of the last check. @since 0.1 */
DELIVER_API deliver_dkim_key_grade deliver_dkim_key_get_grade(const deliver_dkim_key *key);

/** Key type found in p= (DELIVER_DKIM_KEY_UNKNOWN when none could be decoded). @since 0.1 */
DELIVER_API deliver_dkim_key_type deliver_dkim_key_get_type(const deliver_dkim_key *key);

/** Key size in bits (RSA modulus; 256 for Ed25519); 0 when no key. @since 0.1 */
DELIVER_API unsigned deliver_dkim_key_get_bits(const deliver_dkim_key *key);

/** The record checked (strings joined), "" when none. Borrowed. @since 0.1 */
DELIVER_API const char *deliver_dkim_key_get_record(const deliver_dkim_key *key);

/** The name asked (SELECTOR._domainkey.DOMAIN, A-labels), "" for a record check. @since 0.1 */
DELIVER_API const char *deliver_dkim_key_get_name(const deliver_dkim_key *key);

/** Number of findings of the last check. @since 0.1 */
DELIVER_API size_t deliver_dkim_key_finding_count(const deliver_dkim_key *key);

/** The i-th finding, borrowed until the next check or free; NULL past the end. @since 0.1 */
DELIVER_API const deliver_finding *deliver_dkim_key_get_finding(const deliver_dkim_key *key,
                                                                size_t i);

#ifdef DELIVER_EXPERIMENTAL_API
/** Begin a key check without I/O (arguments as deliver_dkim_key_check()).
 * @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dkim_key_start(deliver_dkim_key *key, const char *selector,
                                                  const char *domain);
/** Advance: DELIVER_OK (result ready), DELIVER_PENDING (a question is open) or an error.
 * @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dkim_key_step(deliver_dkim_key *key);
/** Number of open questions. @since 0.1 (experimental) */
DELIVER_API size_t deliver_dkim_key_query_count(const deliver_dkim_key *key);
/** The i-th open question (name borrowed until answered). @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dkim_key_get_query(const deliver_dkim_key *key, size_t i,
                                                      uint64_t *id, const char **qname,
                                                      uint16_t *qtype);
/** Answer an open question with the raw DNS response, or with msg NULL an outcome.
 * @return DELIVER_OK, DELIVER_E_NOTFOUND (id not open), DELIVER_E_INVALID, DELIVER_E_STATE or
 * DELIVER_E_NOMEM. @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dkim_key_answer(deliver_dkim_key *key, uint64_t id,
                                                   deliver_dns_outcome outcome,
                                                   const uint8_t *msg, size_t len);
#endif /* DELIVER_EXPERIMENTAL_API */

/* ---- verification ---- */

/** A DKIM verifier for one message at a time. @since 0.1 */
typedef struct deliver_dkim_verify deliver_dkim_verify;

/** Create a verifier; `*out` is NULL on failure.
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_verify_new(deliver_dkim_verify **out, deliver_ctx *ctx);

/** Free a verifier; NULL is a no-op. @since 0.1 */
DELIVER_API void deliver_dkim_verify_free(deliver_dkim_verify *v);

/** Detail of the last failure on this handle; "" when none, never NULL. @since 0.1 */
DELIVER_API const char *deliver_dkim_verify_errmsg(const deliver_dkim_verify *v);

/** The time x= and t= are judged against, Unix seconds; negative: the system clock (default).
 * @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_verify_set_time(deliver_dkim_verify *v,
                                                        int64_t unix_seconds);

/** Relax RFC 8301: with on = 1, rsa-sha1 signatures and RSA keys of 512 bits or more may pass
 * (default 0: they get `policy`). @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_verify_set_allow_weak(deliver_dkim_verify *v, int on);

/** Most signatures verified per message, 1 to 64 (default 8); later ones get `neutral`.
 * @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_verify_set_max_signatures(deliver_dkim_verify *v,
                                                                  unsigned n);

/** Forget the previous message and results; the next deliver_dkim_verify_header() starts a new
 * message (it also does so by itself after a completed verification). @since 0.1 */
DELIVER_API deliver_status deliver_dkim_verify_reset(deliver_dkim_verify *v);

/** Feed one header field, as received: name, colon, value with its folding; the final line
 * end may be present or not. Fields are fed top to bottom.
 * @return DELIVER_OK, DELIVER_E_INVALID, DELIVER_E_STATE (headers already ended),
 * DELIVER_E_LIMIT (too many fields) or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_verify_header(deliver_dkim_verify *v, const char *field,
                                                      size_t len);

/** End of the header: the signatures are parsed and body hashing starts.
 * @return DELIVER_OK, DELIVER_E_STATE or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_verify_end_headers(deliver_dkim_verify *v);

/** Feed body octets, in chunks of any size (CRLF line ends; a lone LF counts as CRLF).
 * The result does not depend on where chunks split.
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_STATE. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_verify_body(deliver_dkim_verify *v, const uint8_t *buf,
                                                    size_t len);

/** End of the body: body hashes are final; keys are needed next.
 * @return DELIVER_OK or DELIVER_E_STATE. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_verify_end_body(deliver_dkim_verify *v);

/** After deliver_dkim_verify_end_body(): fetch every key at once through the context's
 * resolver (blocking) and verify. @return DELIVER_OK (results ready, whatever they are),
 * DELIVER_E_STATE, DELIVER_E_NOMEM or a resolver error. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_verify_finish(deliver_dkim_verify *v);

/** One call for a message in memory (header, empty line, body): feeds it and finishes.
 * @return as deliver_dkim_verify_finish(). @since 0.1 */
DELIVER_API deliver_status deliver_dkim_verify_message(deliver_dkim_verify *v, const uint8_t *msg,
                                                       size_t len);

/** Best result over the signatures (pass > fail > policy > permerror > temperror > neutral),
 * DELIVER_DKIM_NONE for an unsigned message. @since 0.1 */
DELIVER_API deliver_dkim_result deliver_dkim_verify_get_result(const deliver_dkim_verify *v);

/** Number of DKIM-Signature fields found (topmost is 0). @since 0.1 */
DELIVER_API size_t deliver_dkim_verify_signature_count(const deliver_dkim_verify *v);

/** Result of signature i (DELIVER_DKIM_UNKNOWN past the end). @since 0.1 */
DELIVER_API deliver_dkim_result deliver_dkim_verify_sig_get_result(const deliver_dkim_verify *v,
                                                                  size_t i);

/** Reason class of signature i's result ("" for a clean pass): "body-hash-mismatch",
 * "signature-mismatch", "no-key", "dns-error", "key-revoked", "key-syntax", "key-too-small",
 * "rsa-sha1-not-acceptable", "signature-expired", "i-not-within-d", ... (ABI.md). @since 0.1 */
DELIVER_API const char *deliver_dkim_verify_sig_get_reason(const deliver_dkim_verify *v,
                                                           size_t i);

/** d= of signature i ("" when unparsable). @since 0.1 */
DELIVER_API const char *deliver_dkim_verify_sig_get_domain(const deliver_dkim_verify *v, size_t i);

/** s= of signature i. @since 0.1 */
DELIVER_API const char *deliver_dkim_verify_sig_get_selector(const deliver_dkim_verify *v,
                                                             size_t i);

/** a= of signature i ("rsa-sha256", "ed25519-sha256", "rsa-sha1" ...). @since 0.1 */
DELIVER_API const char *deliver_dkim_verify_sig_get_algorithm(const deliver_dkim_verify *v,
                                                              size_t i);

/** i= of signature i (default "@" + d=). @since 0.1 */
DELIVER_API const char *deliver_dkim_verify_sig_get_identity(const deliver_dkim_verify *v,
                                                             size_t i);

/** Key size in bits used by signature i, 0 when no key was usable. @since 0.1 */
DELIVER_API unsigned deliver_dkim_verify_sig_get_key_bits(const deliver_dkim_verify *v, size_t i);

/** The dkim= clauses for Authentication-Results (RFC 8601), one per signature, separated by
 * ";\r\n\t", e.g. "dkim=pass header.d=example.com header.s=sel header.b=AbCdEfGh"; "dkim=none"
 * for an unsigned message. Borrowed. @since 0.1 */
DELIVER_API const char *deliver_dkim_verify_get_auth_results(const deliver_dkim_verify *v);

/** Number of findings of the last verification. @since 0.1 */
DELIVER_API size_t deliver_dkim_verify_finding_count(const deliver_dkim_verify *v);

/** The i-th finding, borrowed; NULL past the end. @since 0.1 */
DELIVER_API const deliver_finding *deliver_dkim_verify_get_finding(const deliver_dkim_verify *v,
                                                                   size_t i);

#ifdef DELIVER_EXPERIMENTAL_API
/** Advance after deliver_dkim_verify_end_body(): DELIVER_OK (results ready), DELIVER_PENDING
 * (keys needed: answer the open questions) or an error. @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dkim_verify_step(deliver_dkim_verify *v);
/** Number of open questions (one per distinct key). @since 0.1 (experimental) */
DELIVER_API size_t deliver_dkim_verify_query_count(const deliver_dkim_verify *v);
/** The i-th open question (name borrowed until answered). @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dkim_verify_get_query(const deliver_dkim_verify *v, size_t i,
                                                         uint64_t *id, const char **qname,
                                                         uint16_t *qtype);
/** Answer an open question with the raw DNS response, or with msg NULL an outcome.
 * @return DELIVER_OK, DELIVER_E_NOTFOUND, DELIVER_E_INVALID, DELIVER_E_STATE or DELIVER_E_NOMEM.
 * @since 0.1 (experimental) */
DELIVER_API deliver_status deliver_dkim_verify_answer(deliver_dkim_verify *v, uint64_t id,
                                                      deliver_dns_outcome outcome,
                                                      const uint8_t *msg, size_t len);
#endif /* DELIVER_EXPERIMENTAL_API */

/* ---- signing ---- */

/** A DKIM signer: key, domain and selector are kept across messages. @since 0.1 */
typedef struct deliver_dkim_sign deliver_dkim_sign;

/** Create a signer; `*out` is NULL on failure.
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_new(deliver_dkim_sign **out, deliver_ctx *ctx);

/** Free a signer (its key is wiped); NULL is a no-op. @since 0.1 */
DELIVER_API void deliver_dkim_sign_free(deliver_dkim_sign *s);

/** Detail of the last failure on this handle; "" when none, never NULL. @since 0.1 */
DELIVER_API const char *deliver_dkim_sign_errmsg(const deliver_dkim_sign *s);

/** The private key: PEM (PKCS#1 or PKCS#8 RSA of 1024 bits or more, PKCS#8 Ed25519), or the
 * base64 of a 32-octet Ed25519 seed. The buffer is copied and may be wiped by the caller.
 * @return DELIVER_OK, DELIVER_E_INVALID, DELIVER_E_PARSE, DELIVER_E_UNSUPPORTED or
 * DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_set_key(deliver_dkim_sign *s, const uint8_t *buf,
                                                     size_t len);

/** d= and s=. @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_set_domain(deliver_dkim_sign *s, const char *domain,
                                                        const char *selector);

/** Canonicalization as in c=: "relaxed/relaxed" (default), "simple/simple", "relaxed",
 * "simple/relaxed" ... @return DELIVER_OK or DELIVER_E_INVALID. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_set_canonicalization(deliver_dkim_sign *s,
                                                                  const char *c);

/** Header fields to sign, colon-separated; NULL restores the default (From, To, Cc, Subject,
 * Date, Message-ID, Reply-To, In-Reply-To, References, MIME-Version, Content-Type, ...).
 * From, Subject, To and Date are always over-signed (listed once more than present).
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_set_headers(deliver_dkim_sign *s, const char *list);

/** Signing time t=, Unix seconds; negative: the system clock (default). @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_set_time(deliver_dkim_sign *s, int64_t unix_seconds);

/** x= as seconds after t=; 0: no x= (default). @return DELIVER_OK or DELIVER_E_INVALID.
 * @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_set_expiry(deliver_dkim_sign *s, int64_t seconds);

/** Feed one header field (as deliver_dkim_verify_header()). @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_header(deliver_dkim_sign *s, const char *field,
                                                    size_t len);

/** End of the header. @return DELIVER_OK, DELIVER_E_STATE or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_end_headers(deliver_dkim_sign *s);

/** Feed body octets in chunks of any size. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_body(deliver_dkim_sign *s, const uint8_t *buf,
                                                  size_t len);

/** End of the body: sign. @return DELIVER_OK, DELIVER_E_STATE (no key, domain or headers),
 * DELIVER_E_TLS (the signing operation failed) or DELIVER_E_NOMEM. @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_end_body(deliver_dkim_sign *s);

/** One call for a message in memory. @return as deliver_dkim_sign_end_body(). @since 0.1 */
DELIVER_API deliver_status deliver_dkim_sign_message(deliver_dkim_sign *s, const uint8_t *msg,
                                                     size_t len);

/** The DKIM-Signature field made by the last signing ("DKIM-Signature: v=1; ...", folded with
 * CRLF, no final line end), "" before. Borrowed until the next message or free. @since 0.1 */
DELIVER_API const char *deliver_dkim_sign_get_signature(const deliver_dkim_sign *s);

#ifdef __cplusplus
}
#endif

#endif /* DELIVER_DKIM_H */

/*
 * libdeliver: bounce classification. Reads delivery status notifications (RFC 3464), the
 * non-standard bounces of real MTAs and providers, auto-replies (RFC 3834) and feedback
 * reports (RFC 5965), and says per failed recipient why the mail did not arrive.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DELIVER_BOUNCE_H
#define DELIVER_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include <deliver/common.h>
#include <deliver/finding.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A bounce classifier. Opaque; made by deliver_bounce_new(), released with
 * deliver_bounce_free(). It holds the result of the last deliver_bounce_parse() or
 * deliver_bounce_parse_reply(); every string read from it is borrowed and valid until the
 * handle is freed or run again. It keeps its context alive; like its context it is used by
 * one thread at a time. Making one builds its match tables (about 4 ms on a 2.6 GHz core), so
 * reuse a handle for many messages.
 * @since 0.1
 */
typedef struct deliver_bounce deliver_bounce;

/** What a parsed message is. Values are stable. @since 0.1 */
typedef enum deliver_bounce_kind {
    DELIVER_BOUNCE_NONE = 0,      /**< not a bounce: no DSN, MTA, ARF or auto-reply marks */
    DELIVER_BOUNCE_FAILURE = 1,   /**< a bounce: at least one recipient failed or is delayed */
    DELIVER_BOUNCE_DELIVERED = 2, /**< a DSN that reports success only (Action: delivered) */
    DELIVER_BOUNCE_VACATION = 3,  /**< an auto-reply (RFC 3834), not a bounce */
    DELIVER_BOUNCE_FEEDBACK = 4   /**< a feedback report (ARF, RFC 5965), not a bounce */
} deliver_bounce_kind;

/** The limits a parse enforces; read them with deliver_bounce_limit(). @since 0.1 */
typedef enum deliver_bounce_limit_id {
    DELIVER_BOUNCE_LIMIT_INPUT = 1,      /**< octets of one message (larger: DELIVER_E_LIMIT) */
    DELIVER_BOUNCE_LIMIT_MIME_DEPTH = 2, /**< MIME nesting; deeper entities are not split */
    DELIVER_BOUNCE_LIMIT_MIME_PARTS = 3, /**< MIME entities per message; more are ignored */
    DELIVER_BOUNCE_LIMIT_HEADER_FIELDS = 4, /**< fields per header block; more are ignored */
    DELIVER_BOUNCE_LIMIT_RECIPIENTS = 5  /**< recipients reported per message; more dropped */
} deliver_bounce_limit_id;

/** Maximum octets of a message given to deliver_bounce_parse() (16 MiB). @since 0.1 */
#define DELIVER_BOUNCE_MAX_INPUT (16u * 1024u * 1024u)

/**
 * The value of one of the parser's limits (DELIVER_BOUNCE_MAX_INPUT for
 * DELIVER_BOUNCE_LIMIT_INPUT, and so on); 0 for an unknown id. Thread-safe. @since 0.1
 */
DELIVER_API size_t deliver_bounce_limit(deliver_bounce_limit_id which);

/**
 * Create a bounce classifier.
 * @param out receives the handle, or NULL on failure.
 * @param ctx the context (kept alive by the handle).
 * @return DELIVER_OK, DELIVER_E_INVALID (NULL argument), DELIVER_E_NOMEM, or DELIVER_E_LIMIT
 *         (the built-in phrase tables outgrew the automaton: a build fault the tests catch).
 * @since 0.1
 */
DELIVER_API deliver_status deliver_bounce_new(deliver_bounce **out, deliver_ctx *ctx);

/** Release a classifier and its results. NULL is a no-op. @since 0.1 */
DELIVER_API void deliver_bounce_free(deliver_bounce *b);

/**
 * Detail of the last failure on this handle; "" when there is none. Never NULL.
 * Owned by the handle, valid until the next call on it. @since 0.1
 */
DELIVER_API const char *deliver_bounce_errmsg(const deliver_bounce *b);

/**
 * Classify one message (RFC 5322, with LF, CRLF or CR-only line ends; an mbox "From " line
 * first is allowed). The buffer need not be NUL-terminated and is not kept. A message that is
 * not a bounce is not an error: it returns DELIVER_OK with kind DELIVER_BOUNCE_NONE and no
 * recipients. Empty and truncated input is accepted.
 * @return DELIVER_OK; DELIVER_E_INVALID (NULL handle, or NULL buf with len > 0);
 *         DELIVER_E_LIMIT (len over DELIVER_BOUNCE_MAX_INPUT); DELIVER_E_NOMEM.
 * @since 0.1
 */
DELIVER_API deliver_status deliver_bounce_parse(deliver_bounce *b, const uint8_t *buf,
                                                size_t len);

/**
 * Classify a bare SMTP reply such as "550 5.1.1 <a@b>: Recipient address rejected", one or
 * more lines (multi-line replies "550-..." are joined), as an MTA logs it or a client sees
 * it. The result is one recipient (address "" unless the text names one) read with the same
 * getters as for a message; kind is DELIVER_BOUNCE_FAILURE for 4xx/5xx text, otherwise
 * DELIVER_BOUNCE_DELIVERED for 2xx and DELIVER_BOUNCE_NONE for anything else.
 * @return DELIVER_OK, DELIVER_E_INVALID (NULL argument), DELIVER_E_LIMIT (len over 64 KiB)
 *         or DELIVER_E_NOMEM.
 * @since 0.1
 */
DELIVER_API deliver_status deliver_bounce_parse_reply(deliver_bounce *b, const char *text,
                                                      size_t len);

/** What the last parsed message is; DELIVER_BOUNCE_NONE before any parse. @since 0.1 */
DELIVER_API deliver_bounce_kind deliver_bounce_get_kind(const deliver_bounce *b);

/**
 * Name of the family of the reporting MTA or provider that produced the format, as Sisimai
 * names its modules ("Postfix", "Exim", "Sendmail", "Gmail", "AmazonSES", "RFC3464" for a
 * plain DSN, "RFC3834" for an auto-reply, "ARF" for a feedback report); "" when unknown.
 * Borrowed. @since 0.1
 */
DELIVER_API const char *deliver_bounce_get_mta(const deliver_bounce *b);

/** Number of recipients found by the last parse (0 for a non-bounce). @since 0.1 */
DELIVER_API size_t deliver_bounce_recipient_count(const deliver_bounce *b);

/**
 * The address of recipient i, lower-case domain, as the report names it ("" for a bare reply
 * that names none); NULL when i is out of range. Borrowed. @since 0.1
 */
DELIVER_API const char *deliver_bounce_get_recipient(const deliver_bounce *b, size_t i);

/**
 * Reason of recipient i, a name from Sisimai's taxonomy: "userunknown", "hostunknown",
 * "mailboxfull", "filtered", "blocked", "expired", ..., "vacation", "feedback",
 * "delivered", "undefined". NULL when i is out of range. Static storage. @since 0.1
 */
DELIVER_API const char *deliver_bounce_get_reason(const deliver_bounce *b, size_t i);

/**
 * 1 when recipient i is a hard bounce (remove the address: userunknown, hostunknown,
 * hasmoved, and notaccept with a permanent code), 0 otherwise (soft, or not a failure).
 * @since 0.1
 */
DELIVER_API int deliver_bounce_is_hard(const deliver_bounce *b, size_t i);

/** DSN action of recipient i ("failed", "delayed", "delivered", "relayed", "expanded"); "" when
 *  the report has none. NULL when out of range. Borrowed. @since 0.1 */
DELIVER_API const char *deliver_bounce_get_action(const deliver_bounce *b, size_t i);

/** Enhanced status code (RFC 3463) of recipient i ("5.1.1"), "" when none was found. NULL when
 *  out of range. Borrowed. @since 0.1 */
DELIVER_API const char *deliver_bounce_get_status(const deliver_bounce *b, size_t i);

/** SMTP reply code of recipient i (550), 0 when none was found. @since 0.1 */
DELIVER_API int deliver_bounce_get_reply_code(const deliver_bounce *b, size_t i);

/** The remote server's text for recipient i, white space folded; "" when none. NULL when out of
 *  range. Borrowed. @since 0.1 */
DELIVER_API const char *deliver_bounce_get_diagnostic(const deliver_bounce *b, size_t i);

/** The remote MTA (host name or address) that refused recipient i; "" when unknown. NULL when
 *  out of range. Borrowed. @since 0.1 */
DELIVER_API const char *deliver_bounce_get_remote_mta(const deliver_bounce *b, size_t i);

/** The SMTP command the failure followed ("RCPT", "DATA", "MAIL", "CONN", ...); "" when
 *  unknown. NULL when out of range. Borrowed. @since 0.1 */
DELIVER_API const char *deliver_bounce_get_command(const deliver_bounce *b, size_t i);

/** For a feedback report, its Feedback-Type ("abuse", "auth-failure", ...); "" otherwise.
 *  NULL when out of range. Borrowed. @since 0.1 */
DELIVER_API const char *deliver_bounce_get_feedback_type(const deliver_bounce *b, size_t i);

/**
 * How the reason of recipient i was decided: "dsn-action" (delivered, delayed), "text:RULE"
 * (a phrase of the diagnostic matched rule RULE, e.g. "text:userunknown"), "status:5.1.1" (the
 * enhanced status code), "reply:550" (the reply code), "format:FAMILY" (the MTA's own layout
 * says so), "arf", "rfc3834", or "none". NULL when out of range. Borrowed. @since 0.1
 */
DELIVER_API const char *deliver_bounce_get_decided_by(const deliver_bounce *b, size_t i);

/** Number of findings of the last parse (one per failed recipient: `bounce.hard`,
 *  `bounce.soft`, `bounce.complaint`). They are made on the first call of this function or
 *  deliver_bounce_get_finding() after a parse, so a caller that never reads them does not
 *  pay for them; like every call on the handle, from the handle's one thread. @since 0.1 */
DELIVER_API size_t deliver_bounce_finding_count(const deliver_bounce *b);

/** Finding i, borrowed from the handle; NULL when out of range. @since 0.1 */
DELIVER_API const deliver_finding *deliver_bounce_get_finding(const deliver_bounce *b,
                                                              size_t i);

#ifdef __cplusplus
}
#endif

#endif /* DELIVER_BOUNCE_H */

/*
 * libdeliver: email addresses, domain names and IP ranges.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DELIVER_ADDRESS_H
#define DELIVER_ADDRESS_H

#include <stddef.h>
#include <stdint.h>

#include <deliver/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Flags for deliver_address_parse(): exactly one of DELIVER_ADDRESS_SMTP or
 * DELIVER_ADDRESS_HEADER, optionally combined with DELIVER_ADDRESS_UTF8.
 * @since 0.1
 */
typedef enum deliver_address_flag {
    /** RFC 5321 Mailbox or Path, as in MAIL FROM/RCPT TO: "a@b" or "<a@b>"; a source route
     *  ("<@x,@y:a@b>") is accepted and ignored; no white space; "<>" is rejected. */
    DELIVER_ADDRESS_SMTP = 1,
    /** RFC 5322 mailbox, as in a From: field: "a@b", "Name <a@b>", "\"Quoted\" <a@b>",
     *  with comments, folding white space and the obsolete forms of RFC 5322 section 4.4. */
    DELIVER_ADDRESS_HEADER = 2,
    /** Allow well-formed UTF-8 in the local part and the domain (RFC 6531 SMTPUTF8) and, with
     *  DELIVER_ADDRESS_HEADER, in display names and comments (RFC 6532). Without it any
     *  non-ASCII octet is rejected. */
    DELIVER_ADDRESS_UTF8 = 4
} deliver_address_flag;

/**
 * A parsed email address. Opaque; made by deliver_address_parse(), released with
 * deliver_address_free(). It keeps its context alive. Like its context, it is used by one
 * thread at a time.
 * @since 0.1
 */
typedef struct deliver_address deliver_address;

/**
 * Parse one email address.
 *
 * The text is copied; it need not be NUL-terminated, and a NUL octet inside it is an error.
 * The local part may be at most 64 octets and the whole path ("<local@domain>") at most 256
 * octets as written (RFC 5321 4.5.3.1). The domain is normalised to lower-case A-labels (a
 * U-label domain needs DELIVER_ADDRESS_UTF8); an address literal ("a@[192.0.2.1]",
 * "a@[IPv6:2001:db8::1]") is kept as written.
 *
 * @param out   receives the address, or NULL on failure.
 * @param ctx   the context; the reason for a failure is available from deliver_ctx_errmsg().
 * @param text  the address text, `len` octets.
 * @param flags deliver_address_flag values combined with `|`.
 * @return DELIVER_OK; DELIVER_E_INVALID (NULL argument, unknown or conflicting flags);
 *         DELIVER_E_PARSE (not a valid address); DELIVER_E_LIMIT (local part or path too
 *         long); DELIVER_E_NOMEM.
 * @since 0.1
 */
DELIVER_API deliver_status deliver_address_parse(deliver_address **out, deliver_ctx *ctx,
                                                 const char *text, size_t len, unsigned flags);

/**
 * Release an address (and its reference to the context). NULL is a no-op.
 * @since 0.1
 */
DELIVER_API void deliver_address_free(deliver_address *a);

/**
 * The decoded local part: quotes removed and quoted pairs resolved, so `"a b"@x` gives
 * "a b" (see deliver_address_is_quoted()). Borrowed from `a`, valid until it is freed.
 * "" for a NULL address.
 * @since 0.1
 */
DELIVER_API const char *deliver_address_get_local(const deliver_address *a);

/**
 * The domain in lower-case A-label form, or for an address literal the text between the
 * brackets as written ("192.0.2.1", "IPv6:2001:db8::1"; see deliver_address_is_literal()).
 * Borrowed from `a`, valid until it is freed. "" for a NULL address.
 * @since 0.1
 */
DELIVER_API const char *deliver_address_get_domain(const deliver_address *a);

/**
 * The display name of an RFC 5322 name-addr ("John Doe" from `"John Doe" <jd@x>`): quoted
 * strings decoded, comments dropped, white space folded; RFC 2047 encoded words are returned
 * undecoded. "" when there is none (or for a NULL address). Borrowed from `a`.
 * @since 0.1
 */
DELIVER_API const char *deliver_address_get_display_name(const deliver_address *a);

/**
 * 1 if the local part was written as a quoted string (so it must be quoted again when the
 * address is written out), else 0.
 * @since 0.1
 */
DELIVER_API int deliver_address_is_quoted(const deliver_address *a);

/**
 * 1 if the local part contains non-ASCII characters, so that the address can only be used
 * with SMTPUTF8 (RFC 6531), else 0. A U-label domain alone does not need SMTPUTF8, since
 * deliver_address_get_domain() returns it as A-labels.
 * @since 0.1
 */
DELIVER_API int deliver_address_is_utf8(const deliver_address *a);

/**
 * 1 if the domain is an address literal in brackets ("a@[192.0.2.1]"), else 0.
 * @since 0.1
 */
DELIVER_API int deliver_address_is_literal(const deliver_address *a);

/**
 * Convert a domain name (U-labels in UTF-8, or A-labels; one trailing dot allowed) to its
 * normalised form: lower-case A-labels without a trailing dot (IDNA2008 with UTS #46
 * mapping). Works snprintf-style: `needed` (when not NULL) receives the size the result
 * needs including its NUL, and `buf` may be NULL when `bufsize` is 0. Thread-safe.
 *
 * @return DELIVER_OK; DELIVER_E_LIMIT when bufsize is smaller than *needed (buf then holds
 *         "" if bufsize > 0, never a truncated name); DELIVER_E_INVALID (name NULL, not a
 *         valid domain name, or buf NULL with bufsize > 0).
 * @since 0.1
 */
DELIVER_API deliver_status deliver_domain_to_ascii(const char *name, char *buf, size_t bufsize,
                                                   size_t *needed);

/**
 * Test whether an IP address is inside a CIDR range: `ip` is IPv4 dotted decimal or IPv6
 * text; `cidr` is "address/prefix" or a bare address (full-length prefix). An IPv4-mapped
 * IPv6 address ("::ffff:192.0.2.1") matches IPv4 ranges; otherwise the families must be
 * equal, and an address of the other family does not match. Host bits in `cidr` after the
 * prefix are ignored. Thread-safe.
 *
 * @param match receives 1 (inside) or 0 (outside, or on failure).
 * @return DELIVER_OK, or DELIVER_E_INVALID (NULL argument, malformed address or range).
 * @since 0.1
 */
DELIVER_API deliver_status deliver_ip_in_cidr(const char *ip, const char *cidr, int *match);

#ifdef __cplusplus
}
#endif

#endif /* DELIVER_ADDRESS_H */

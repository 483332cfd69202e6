/*
 * Internal: email address parsing (RFC 5321 paths, RFC 5322 mailboxes and mailbox lists,
 * RFC 6531/6532 internationalised addresses).
 * Everything here is hidden (dlv_ prefix, hidden visibility).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_ADDRESS_H
#define DLV_ADDRESS_H

#include <stddef.h>

#include "core/core.h"

/* Parser flags; the values equal the public DELIVER_ADDRESS_* constants. */
enum {
    DLV_ADDR_SMTP = 1u << 0,   /* RFC 5321 Mailbox or <Path> (MAIL FROM / RCPT TO argument) */
    DLV_ADDR_HEADER = 1u << 1, /* RFC 5322 mailbox (name-addr or addr-spec, CFWS, obs forms) */
    DLV_ADDR_UTF8 = 1u << 2    /* allow well-formed UTF-8 (RFC 6531 SMTPUTF8 / RFC 6532) */
};

#define DLV_ADDR_LOCAL_MAX 64    /* octets of a local part as written (RFC 5321 4.5.3.1.1) */
#define DLV_ADDR_PATH_MAX 256    /* octets of "<local@domain>" (RFC 5321 4.5.3.1.3) */
#define DLV_ADDR_LIST_MAX 1000   /* mailboxes in one dlv_mailbox_list_parse() call */
#define DLV_ADDR_COMMENT_DEPTH 32 /* nesting of RFC 5322 comments */

/*
 * One parsed mailbox. Strings are NUL-terminated and allocated on the context given to the
 * parser; release them with dlv_mailbox_clear().
 *   display  the display name (RFC 5322 name-addr), with quoted strings decoded, comments
 *            dropped, white space runs folded to one space and RFC 2047 encoded words left
 *            as they are; NULL when the mailbox has none (addr-spec form or SMTP).
 *   local    the decoded local part: quotes removed and quoted pairs resolved.
 *   domain   the domain as lower-case A-labels (dlv_domain_normalize), or for an address
 *            literal its text between the brackets as written ("1.2.3.4", "IPv6:2001:db8::1").
 *   quoted   the local part was (partly) written as a quoted string.
 *   utf8     the local part contains non-ASCII text, so the address needs SMTPUTF8 even
 *            with its domain in A-label form.
 *   literal  domain is an address literal.
 */
typedef struct dlv_mailbox {
    char *display;
    char *local;
    char *domain;
    int quoted, utf8, literal;
} dlv_mailbox;

/*
 * Parse one mailbox from s[0..len) (not NUL-terminated; NUL octets are rejected).
 * flags: exactly one of DLV_ADDR_SMTP or DLV_ADDR_HEADER, optionally DLV_ADDR_UTF8.
 *   SMTP: "local@domain" or "<local@domain>", a source route "<@a,@b:local@domain>" is
 *   accepted and ignored; no white space anywhere; "<>" is rejected.
 *   HEADER: addr-spec or [display-name] angle-addr with CFWS, nested comments (at most
 *   DLV_ADDR_COMMENT_DEPTH deep), obs-local-part, obs-domain, obs-route and obs-phrase.
 * Returns DELIVER_OK (and fills *out), DELIVER_E_INVALID (bad arguments or flags),
 * DELIVER_E_PARSE (syntax), DELIVER_E_LIMIT (local part over 64 octets or path over 256) or
 * DELIVER_E_NOMEM. On failure *out is zeroed and *why (when why is not NULL) is a static
 * English reason.
 */
deliver_status dlv_mailbox_parse(deliver_ctx *ctx, const char *s, size_t len, unsigned flags,
                                 dlv_mailbox *out, const char **why);

/* Free the strings of mb and zero it. NULL is a no-op. */
void dlv_mailbox_clear(deliver_ctx *ctx, dlv_mailbox *mb);

/*
 * Parse an RFC 5322 address list as found in From:, To: or Cc: (mailboxes separated by
 * commas, groups "name: a@b, c@d;" whose members are returned in order, empty list
 * elements and the other obsolete forms of RFC 5322 4.4). flags: DLV_ADDR_HEADER is
 * implied; DLV_ADDR_UTF8 is allowed. On success *out is an array of *count mailboxes
 * (NULL when *count is 0, which happens for empty groups only), to be released with
 * dlv_mailbox_list_free(). Input with no address and no group is DELIVER_E_PARSE; more than
 * DLV_ADDR_LIST_MAX mailboxes is DELIVER_E_LIMIT. On failure *out is NULL and *count 0.
 */
deliver_status dlv_mailbox_list_parse(deliver_ctx *ctx, const char *s, size_t len,
                                      unsigned flags, dlv_mailbox **out, size_t *count,
                                      const char **why);

/* Free a list returned by dlv_mailbox_list_parse(). NULL is a no-op. */
void dlv_mailbox_list_free(deliver_ctx *ctx, dlv_mailbox *list, size_t count);

#endif /* DLV_ADDRESS_H */

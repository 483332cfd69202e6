/*
 * Internal: the bounce classifier's match tables and automaton.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_BOUNCE_INT_H
#define DLV_BOUNCE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* Reasons (Sisimai's names); the order is the priority when several text rules match. */
typedef enum dlv_reason {
    R_NONE = 0,
    R_AUTHFAILURE, R_REQUIREPTR, R_BADREPUTATION, R_NOTCOMPLIANTRFC, R_FAILEDSTARTTLS,
    R_SPEEDING, R_VIRUSDETECTED, R_SPAMDETECTED, R_NORELAYING, R_HASMOVED,
    R_MESGTOOBIG, R_EXCEEDLIMIT, R_MAILBOXFULL, R_SUSPEND, R_SYSTEMFULL,
    R_USERUNKNOWN, R_HOSTUNKNOWN, R_NOTACCEPT, R_MAILERERROR, R_TOOMANYCONN,
    R_BLOCKED, R_REJECTED, R_POLICYVIOLATION, R_FILTERED, R_SECURITYERROR,
    R_CONTENTERROR, R_SYNTAXERROR, R_EXPIRED, R_NETWORKERROR, R_SYSTEMERROR,
    R_SUPPRESSED, R_ONHOLD, R_UNDEFINED, R_DELIVERED, R_FEEDBACK, R_VACATION,
    R_COUNT
} dlv_reason;

const char *dlv_reason_name(dlv_reason r);

/* What a needle means. */
enum {
    N_REASON = 1,  /* a phrase in a diagnostic: id = reason */
    N_FAMILY = 2,  /* marks the layout of an MTA family in the bounce text: id = family */
    N_END = 3,     /* the error text stops here (the returned message follows) */
    N_BOUNCE = 4,  /* a sign that a message is a bounce (subject, sender or body) */
    N_VACATION = 5, /* a sign of an auto-reply (subject) */
    N_FORMAT = 6    /* a phrase that decides the reason outright (id = reason) where its
                       scope applies: an MTA family's own wording, or a remote host's */
};

/* Scopes of N_FORMAT needles: 0 any, 1..dlv_family_count-1 an MTA family (the reporting
 * side), S_RHOST_FIRST.. a remote host's rule set (the receiving side, found from the remote
 * MTA's name or the recipient's domain by dlv_host_scope()). */
enum {
    S_ANY = 0,
    S_RHOST_FIRST = 100,
    S_GOOGLE = 100, S_MICROSOFT, S_FRANCEPTT, S_COX, S_TENCENT, S_NTTDOCOMO, S_MIMECAST,
    S_MESSAGELABS, S_GODADDY, S_SPECTRUM, S_ZOHO, S_AOL, S_FACEBOOK, S_YAHOOINC, S_APPLE,
    S_KDDI, S_IUA,
    S_RHOST_END
};

/* A family's default reason (forced: always; fallback: when nothing else matched) and SMTP
 * command (when the text names none). R_NONE / "" when it has none. */
void dlv_family_defaults(int family, dlv_reason *forced, dlv_reason *fallback,
                         const char **command);

/* A family's text layout: *whole: the error text of a lone recipient may stand anywhere in
 * the report (not only after its address); *no_transcript: "RCPT TO:" lines in the report
 * echo the envelope, they are no SMTP transcript. */
void dlv_family_layout(int family, int *whole, int *no_transcript);

/* The family that decides when the marks of several were found: `first` (the first found)
 * unless a more specific one in `seen` (bit = id) overrides it. */
int dlv_family_resolve(int first, uint64_t seen);

/* A remote host's reason for a refusal after `command` when the status code is vague;
 * R_NONE when its rule set has none. */
dlv_reason dlv_host_command_reason(int scope, const char *command);

/* The remote-host rule set for a host name or a mail domain (suffix match); 0 none. */
int dlv_host_scope(const char *host);

typedef struct dlv_needle {
    uint8_t kind;
    uint8_t id;
    uint8_t scope;    /* N_FORMAT only: where the phrase applies (S_ANY, a family, a host set) */
    const char *text; /* lower case; one space stands for any run of white space */
} dlv_needle;

extern const dlv_needle dlv_bounce_needles[];
extern const size_t dlv_bounce_needle_count;

/* MTA families: names as Sisimai's modules. Index 0 is "unknown". */
extern const char *const dlv_family_names[];
extern const size_t dlv_family_count;
int dlv_family_find(const char *name);

/* Enhanced status code to reason, by class-independent "subject.detail"; R_NONE if none. */
dlv_reason dlv_status_reason(const char *status);

/* ---- Aho-Corasick automaton over lower-cased, white-space-folded text ---- */
#define DLV_AC_SHIFT 4 /* a part of a row: 16 classes (the walk's step relies on it) */
#define DLV_AC_MAX_STATES 16383 /* a state word (s << 2) fits 16 bits; the tables need 11,090 */
typedef struct dlv_ac {
    deliver_ctx *ctx;
    uint8_t cls[256];      /* octet -> class (0: not in any needle) */
    uint32_t colb[256];    /* octet -> byte offset of its class's column (see next) */
    unsigned nclass;
    uint32_t nstates;
    uint16_t *next;        /* the full DFA. The rows are cut in parts of 1 << DLV_AC_SHIFT
                              classes, part p of every state stored after part p - 1 of every
                              state; the classes are numbered by how common their octets are
                              in text, so most of a walk reads part 0, and two states share a
                              cache line. An entry is the target state s as its word s << 2:
                              the entry for octet o in state s is at byte offset
                              colb[o] + 8 (s << 2) (32 octets a part row). 16 bits halve the
                              table, which is walked at random */
    void *next_mem;        /* the allocation that holds next (aligned to a cache line) */
    uint32_t thresh;       /* states from here on end a needle */
    int32_t *out;          /* per state: first needle index ending here, -1 none */
    int32_t *out_next;     /* per needle: next needle in the output chain (via failure), -1 */
    int32_t *dict;         /* per state: nearest state on the failure chain with output, -1 */
} dlv_ac;

deliver_status dlv_ac_build(dlv_ac *ac, deliver_ctx *ctx, const dlv_needle *n, size_t count);
/* The same over the needles keep() accepts; hits still give their index in n[]. A smaller
 * automaton for a scan that reads only some kinds of needle: its table is walked in fewer
 * cache lines, and the needles it cannot use never interrupt it. */
deliver_status dlv_ac_build_if(dlv_ac *ac, deliver_ctx *ctx, const dlv_needle *n, size_t count,
                               int (*keep)(const dlv_needle *n));
void dlv_ac_free(dlv_ac *ac);

/*
 * Run over s[0..n) (already lower case and folded); for every needle occurrence call
 * hit(needle index, end offset, ud); a non-zero return from hit stops the scan. Linear in n
 * plus the number of hits.
 */
void dlv_ac_run(const dlv_ac *ac, const char *s, size_t n,
                int (*hit)(size_t needle, size_t end, void *ud), void *ud);
/* The same with one stream from start to end: the reference the tests hold dlv_ac_run to. */
void dlv_ac_run_one(const dlv_ac *ac, const char *s, size_t n,
                    int (*hit)(size_t needle, size_t end, void *ud), void *ud);

#endif /* DLV_BOUNCE_INT_H */

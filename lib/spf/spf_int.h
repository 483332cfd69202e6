/*
 * Internal SPF (RFC 7208): the record model and parser, the macro expander, and the
 * evaluation core. Hidden; the public API is include/deliver/spf.h.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_SPF_INT_H
#define DLV_SPF_INT_H

#include "core/core.h"
#include "core/ip.h"

/* ---- record model (parse.c) ---- */

typedef enum dlv_spf_mech {
    DLV_SPF_ALL = 1,
    DLV_SPF_INCLUDE,
    DLV_SPF_A,
    DLV_SPF_MX,
    DLV_SPF_PTR,
    DLV_SPF_IP4,
    DLV_SPF_IP6,
    DLV_SPF_EXISTS
} dlv_spf_mech;

typedef enum dlv_spf_term_kind {
    DLV_SPF_TERM_MECHANISM = 1,
    DLV_SPF_TERM_REDIRECT,
    DLV_SPF_TERM_EXP,
    DLV_SPF_TERM_UNKNOWN_MODIFIER
} dlv_spf_term_kind;

/*
 * One term. Text pointers point into the record text given to the parser (not copied, not
 * NUL-terminated: use the lengths), so the record text must outlive the parsed record.
 */
typedef struct dlv_spf_term {
    dlv_spf_term_kind kind;
    dlv_spf_mech mech;        /* mechanisms */
    char qualifier;           /* '+', '-', '~' or '?'; '+' when none was written */
    int explicit_qualifier;   /* the qualifier was written */
    const char *spec;         /* domain-spec (a, mx, ptr, include, exists, redirect, exp),
                                 or the modifier's value (unknown modifiers); NULL if absent */
    size_t spec_len;
    int spec_has_macros;      /* spec contains a '%' expansion */
    unsigned cidr4, cidr6;    /* a, mx (dual CIDR), ip4, ip6; full length when not written */
    int has_cidr4, has_cidr6;
    dlv_ip net;               /* ip4, ip6 */
    const char *name;         /* modifier name; mechanism name as written */
    size_t name_len;
    size_t offset, len;       /* where the whole term stands in the record text */
} dlv_spf_term;

#define DLV_SPF_MAX_TERMS 512 /* a record with more terms is a permerror */

typedef struct dlv_spf_record {
    dlv_spf_term *terms;      /* every term in order, modifiers included */
    size_t nterms;
    const dlv_spf_term *redirect; /* NULL if none */
    const dlv_spf_term *exp;      /* NULL if none */
} dlv_spf_record;

/* Is this TXT string (joined) an SPF record: "v=spf1" then a space or the end (case-insensitive). */
int dlv_spf_is_record(const char *text, size_t len);

/*
 * Parse a record (the whole joined TXT string, starting with v=spf1). On success the terms
 * are allocated in the arena. On a syntax error returns DELIVER_E_PARSE with *err_offset the
 * byte offset of the offending term (or character) and *why a static English reason;
 * DELIVER_E_LIMIT past DLV_SPF_MAX_TERMS; DELIVER_E_NOMEM.
 * Checked here (RFC 7208 sections 4.6, 5, 6, 7.1): the version, every term's syntax
 * (case-insensitive names), qualifiers, domain-spec syntax including the domain-end rule
 * (a literal top label that is all digits is an error) and macro syntax (7.1: %{letter
 * digits r delimiters}, %%, %_, %-; any other use of '%' is an error; the letters c, r, t
 * are allowed only in exp text and are therefore an error in a domain-spec), CIDR lengths
 * (no leading zeros; 0-32 and 0-128), ip4/ip6 networks, redirect and exp at most once each,
 * and unknown-modifier names. Non-ASCII octets anywhere in the record are an error.
 */
deliver_status dlv_spf_parse(dlv_arena *arena, const char *text, size_t len, dlv_spf_record *out,
                             size_t *err_offset, const char **why);

/* ---- macros (macro.c) ---- */

typedef struct dlv_spf_macro_env {
    const char *local;        /* %{l}: local part of the sender */
    const char *sender_domain;/* %{o} */
    const char *domain;       /* %{d}: the current domain */
    const dlv_ip *ip;         /* %{i} %{c} %{v}: the client (IPv4-mapped already unmapped) */
    const char *helo;         /* %{h} */
    const char *validated;    /* %{p}: the validated PTR name, or "unknown" */
    const char *receiver;     /* %{r} (exp only): the receiving host; "unknown" if NULL */
    int64_t now;              /* %{t} (exp only): Unix seconds */
} dlv_spf_macro_env;

enum {
    DLV_SPF_EXPAND_DOMAIN = 1, /* a domain-spec: c, r, t are errors; see dlv_spf_expand */
    DLV_SPF_EXPAND_EXP = 2     /* explanation text: c, r, t allowed */
};

/*
 * Expand a macro-string into out (appended). Transformers: digits keep that many
 * right-hand parts, 'r' reverses; delimiters split (default '.'); parts are joined with '.'.
 * Upper-case macro letters are URL-escaped (RFC 3986 unreserved characters kept). %{i} of
 * an IPv6 client is 32 dot-separated nibbles; %{c} is the usual text form; %{v} is "in-addr"
 * or "ip6". With DLV_SPF_EXPAND_DOMAIN the result, when longer than 253 octets, is cut from
 * the left at label boundaries (7.3). Returns 0, or -1 for a macro syntax error (*why) —
 * also when the output would exceed 8 KiB, so that no input makes it grow without bound.
 */
int dlv_spf_expand(const dlv_spf_macro_env *env, const char *spec, size_t len, int mode,
                   dlv_buf *out, const char **why);

/* Does this macro-string use %{p} (which needs a PTR validation first)? */
int dlv_spf_uses_p(const char *spec, size_t len);

#endif /* DLV_SPF_INT_H */

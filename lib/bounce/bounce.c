/*
 * Bounce classification: DSNs (RFC 3464), the text layouts of real MTAs, auto-replies
 * (RFC 3834) and feedback reports (RFC 5965), per recipient.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <deliver/bounce.h>

#include "bounce/bounce_int.h"
#include "msg/msg.h"

#include <stdio.h>
#include <string.h>

#define MAX_RECIPIENTS 1000     /* recipients kept per message */
#define MAX_REPLY 65536         /* octets of a bare SMTP reply */
#define MAX_DIAG 2000           /* octets of a diagnostic kept per recipient */
#define LOWER_MAX 1024          /* octets of a text line searched for recipient prefixes */
#define MAX_MBOX 16             /* messages of an mbox classified */
#define MAX_FORMAT 32           /* outright-deciding phrase hits kept per scan */

typedef struct rcpt {
    char *addr;
    char *action;
    char status[16];
    int reply;
    char *diag;
    char *tdiag; /* the recipient's part of the human-readable text */
    char *rmta;
    const char *command;
    char *ftype;
    int xunix; /* Diagnostic-Code of type X-Unix: a local delivery program's failure */
    int guessed; /* the address comes from the returned message, the text names no one */
    dlv_reason reason;
    int hard;
    char decided[40];
} rcpt;

struct deliver_bounce {
    deliver_ctx *ctx;
    dlv_errmsg err;
    /* one automaton per kind of scan, each with only the needles its scan reads (see
     * keep_diag and the others): a diagnostic's reasons and outright phrases, the report
     * text's family marks and end markers, the bounce's header marks */
    dlv_ac ac;      /* keep_diag */
    dlv_ac ac_text; /* keep_text */
    dlv_ac ac_hdr;  /* keep_hdr */
    dlv_arena arena;
    dlv_mime mime;
    rcpt *r;
    size_t n, cap;
    deliver_bounce_kind kind;
    int family;
    dlv_reason hdr_reason; /* an outright phrase of the family in the bounce's own header
                              (sender, subject, X- fields), R_NONE none */
    int recv_scope;    /* remote-host rule set of the host that made the bounce (the "by"
                          host of the oldest Received: field), 0 none */
    dlv_findings findings;
    int findings_built; /* the findings are made when first asked for (add_findings) */
    char *norm;        /* the message with LF line ends, reused from parse to parse */
    size_t norm_cap;
    uint32_t prefix_at[1024]; /* octet triple hash -> the recipient prefixes (bit k for
                                 rcpt_prefixes[k]) whose first three octets hash to it */
};

/* ---- small text helpers ---- */

static int lc(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Case-insensitive search of needle (lower case) in s[0..n); offset or -1. */
static long ifind(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0 || m > n) {
        return m == 0 ? 0 : -1;
    }
    const char *end = s + (n - m) + 1; /* candidates start before end */
    if (m >= 3) {
        /* candidates: the first three octets, either case, 16 positions at a time; bounded:
         * p moves forward on every round */
        for (const char *p = s; p < end;) {
            p = dlv_find3_nocase3(p, (size_t)(end - p) + 2, needle[0], needle[1], needle[2]);
            if (!p) {
                break;
            }
            size_t j = 0;
            while (j < m && lc((unsigned char)p[j]) == needle[j]) {
                j++;
            }
            if (j == m) {
                return (long)(p - s);
            }
            p++;
        }
        return -1;
    }
    /* candidates: the first octet in either case (needle is lower case), by memchr, in
     * order; bounded: each round moves one of the two pointers forward */
    const unsigned char c0 = (unsigned char)needle[0];
    const unsigned char u0 = c0 >= 'a' && c0 <= 'z' ? (unsigned char)(c0 - 32) : c0;
    const char *pl = memchr(s, c0, (size_t)(end - s));
    const char *pu = u0 != c0 ? memchr(s, u0, (size_t)(end - s)) : NULL;
    while (pl || pu) {
        const char *p = !pu || (pl && pl < pu) ? pl : pu;
        size_t j = 1;
        while (j < m && lc((unsigned char)p[j]) == needle[j]) {
            j++;
        }
        if (j == m) {
            return (long)(p - s);
        }
        if (p == pl) {
            pl = p + 1 < end ? memchr(p + 1, c0, (size_t)(end - p - 1)) : NULL;
        } else {
            pu = p + 1 < end ? memchr(p + 1, u0, (size_t)(end - p - 1)) : NULL;
        }
    }
    return -1;
}

/* Case-insensitive search of "\n" + needle (lower case, not empty) in s[0..n): the offset of
 * that LF, or -1; what ifind(s, n, "\n" + needle) gives, but line by line (memchr). */
static long line_find(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    const char *p = s, *end = s + n;
    /* candidates: LF and the needle's first two letters; bounded: p moves on every round */
    while ((p = m >= 2 ? dlv_find3_nocase(p, (size_t)(end - p), '\n', needle[0], needle[1])
                       : memchr(p, '\n', (size_t)(end - p))) != NULL) {
        const char *q = p + 1;
        if ((size_t)(end - q) < m) {
            return -1;
        }
        size_t j = 0;
        while (j < m && lc((unsigned char)q[j]) == needle[j]) {
            j++;
        }
        if (j == m) {
            return (long)(p - s);
        }
        p = q;
    }
    return -1;
}

/* Exact search of needle in s[0..n) (memmem is not POSIX); NULL when absent. */
static const char *mem_find(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0 || m > n) {
        return m == 0 ? s : NULL;
    }
    const char *p = s, *last = s + (n - m);
    /* candidates: the first three octets at once when there are three; bounded: p moves
     * forward on every round */
    while (p <= last &&
           (p = m >= 3 ? dlv_find3(p, (size_t)(last - p) + 3, needle[0], needle[1], needle[2])
                       : memchr(p, needle[0], (size_t)(last - p) + 1)) != NULL) {
        if (memcmp(p, needle, m) == 0) {
            return p;
        }
        p++;
    }
    return NULL;
}

/* Fold white space runs to one space, trim; into the arena. */
static char *fold(dlv_arena *a, const char *s, size_t n, size_t max)
{
    if (n > max) {
        n = max;
    }
    char *o = dlv_arena_alloc_raw(a, n + 1);
    if (!o) {
        return NULL;
    }
    /* 1: white space; 2: NUL (written as a space, not folded) */
    static const unsigned char wsp[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1,
                                           [0] = 2};
    size_t k = 0, i = 0;
    int sp = 0;
    /* bounded by n: every round consumes at least one octet */
    while (i < n) {
        /* text with single spaces between words is copied whole */
        size_t r = dlv_plain_run(s + i, n - i);
        if (r > 0) {
            if (s[i] == ' ') {
                sp = 1; /* a run may start with its word's space */
                i++;
                r--;
            }
            if (sp && k) {
                o[k++] = ' ';
            }
            sp = 0;
            memcpy(o + k, s + i, r);
            k += r;
            i += r;
            continue;
        }
        unsigned char w = wsp[(unsigned char)s[i]];
        if (w == 1) {
            sp = 1;
            i++;
            continue;
        }
        if (sp && k) {
            o[k++] = ' ';
        }
        sp = 0;
        if (w == 2) {
            o[k++] = ' '; /* NUL */
            i++;
            continue;
        }
        /* a run of other octets */
        do {
            o[k++] = s[i++];
        } while (i < n && !wsp[(unsigned char)s[i]]);
    }
    o[k] = '\0';
    return o;
}

static int addr_local_char(int c)
{
    return is_alnum(c) || (c && strchr(".!#$%&'*+-/=?^_`{|}~", c) != NULL) || c >= 0x80;
}

static int addr_domain_char(int c)
{
    return is_alnum(c) || c == '-' || c == '.' || c >= 0x80;
}

/* Does the domain label that ends at s[e) (exclusive) hold only ASCII so far? */
static int label_ascii(const char *s, size_t start, size_t e)
{
    size_t k = e;
    while (k > start && s[k - 1] != '.') {
        if ((unsigned char)s[k - 1] >= 0x80) {
            return 0;
        }
        k--;
    }
    return k < e; /* a non-empty ASCII label */
}

/*
 * Find the first email address in s[0..n) at or after from. On success returns 1 and its
 * bounds in *as, *ae.
 */
static int find_addr(const char *s, size_t n, size_t from, size_t *as, size_t *ae)
{
    for (size_t i = from; i < n; i++) {
        if (s[i] != '@' || i == 0) {
            continue;
        }
        size_t b = i;
        while (b > 0 && addr_local_char((unsigned char)s[b - 1])) {
            b--;
        }
        size_t e = i + 1;
        int dot = 0;
        while (e < n && addr_domain_char((unsigned char)s[e])) {
            if ((unsigned char)s[e] >= 0x80 && dot && label_ascii(s, i + 1, e)) {
                break; /* "a@example.jp" followed by text in another script */
            }
            dot |= s[e] == '.';
            e++;
        }
        while (e > i + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) {
            e--;
        }
        while (b < i && s[b] == '.') {
            b++;
        }
        if (b == i || e == i + 1 || !dot || !memchr(s + i + 1, '.', e - i - 1)) {
            continue;
        }
        *as = b;
        *ae = e;
        return 1;
    }
    return 0;
}

/* Copy an address with its domain in lower case. */
static char *addr_dup(dlv_arena *a, const char *s, size_t n)
{
    char *o = dlv_arena_strndup(a, s, n);
    if (!o) {
        return NULL;
    }
    char *at = strrchr(o, '@');
    for (char *p = at; p && *p; p++) {
        *p = (char)lc((unsigned char)*p);
    }
    return o;
}

static int addr_eq(const char *a, const char *b)
{
    while (*a && *b && lc((unsigned char)*a) == lc((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == *b;
}

/* ---- recipients ---- */

static rcpt *add_rcpt(deliver_bounce *b)
{
    if (b->n >= MAX_RECIPIENTS) {
        return NULL;
    }
    if (dlv_grow(b->ctx, (void **)&b->r, &b->cap, b->n + 1, sizeof(rcpt)) < 0) {
        return NULL;
    }
    rcpt *r = &b->r[b->n++];
    memset(r, 0, sizeof(*r));
    return r;
}

static rcpt *find_rcpt(deliver_bounce *b, const char *addr)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->r[i].addr && addr_eq(b->r[i].addr, addr)) {
            return &b->r[i];
        }
    }
    return NULL;
}

/* ---- codes in text ---- */

/* First enhanced status code "c.s.d" in s; writes it to out[16]. 1 found. */
static int find_status(const char *s, size_t n, char *out)
{
    for (size_t i = 0; i + 4 < n + 0 + 1 && i < n; i++) {
        int c = (unsigned char)s[i];
        if ((c != '2' && c != '4' && c != '5') || (i > 0 && (is_alnum((unsigned char)s[i - 1]) ||
                                                             s[i - 1] == '.'))) {
            continue;
        }
        if (i + 1 >= n || s[i + 1] != '.') {
            continue;
        }
        size_t j = i + 2, d1 = 0;
        while (j < n && is_digit((unsigned char)s[j]) && d1 < 3) {
            j++;
            d1++;
        }
        if (!d1 || j >= n || s[j] != '.') {
            continue;
        }
        j++;
        size_t d2 = 0;
        while (j < n && is_digit((unsigned char)s[j]) && d2 < 3) {
            j++;
            d2++;
        }
        if (!d2 || (j < n && (is_alnum((unsigned char)s[j]) ||
                              (s[j] == '.' && j + 1 < n && is_digit((unsigned char)s[j + 1]))))) {
            continue;
        }
        size_t len = j - i;
        memcpy(out, s + i, len);
        out[len] = '\0';
        return 1;
    }
    return 0;
}

/* First SMTP reply code (4xx or 5xx, or 2xx when allow2) standing alone in s; 0 none. */
static int find_reply(const char *s, size_t n, int allow2)
{
    for (size_t i = 0; i + 3 <= n; i++) {
        int c = (unsigned char)s[i];
        if (!(c == '4' || c == '5' || (allow2 && c == '2'))) {
            continue;
        }
        if (i > 0 && (is_alnum((unsigned char)s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '#' ||
                      s[i - 1] == '-' || s[i - 1] == ':' || s[i - 1] == '/')) {
            /* "said: 550" has a space before; "(#5.1.1" and times are skipped */
            if (!(s[i - 1] == ':' && i >= 2 && s[i - 2] != ':' && !is_digit((unsigned char)s[i - 2]))) {
                continue;
            }
        }
        if (!is_digit((unsigned char)s[i + 1]) || !is_digit((unsigned char)s[i + 2])) {
            continue;
        }
        if (i + 3 < n && !(s[i + 3] == ' ' || s[i + 3] == '-' || s[i + 3] == '\n' ||
                           s[i + 3] == '\t' || s[i + 3] == '\r')) {
            continue;
        }
        int v = (c - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
        if (s[i + 1] > '5') {
            continue;
        }
        return v;
    }
    return 0;
}

/* The SMTP command a failure followed: the last one the text names. */
static const char *find_command(const char *s, size_t n)
{
#define CMD(needle, cmd) {needle, sizeof(needle) - 1, cmd}
    static const struct {
        const char *needle; /* matched case-sensitively at a word start */
        size_t len;
        const char *cmd;
    } t[] = {
        CMD("RCPT", "RCPT"), CMD("rcpt to", "RCPT"), CMD("MAIL FROM", "MAIL"),
        CMD("mail from", "MAIL"), CMD("DATA", "DATA"), CMD("end of data", "DATA"),
        CMD("HELO", "HELO"), CMD("EHLO", "HELO"), CMD("STARTTLS", "STARTTLS"),
        CMD("after connect", "CONN"), CMD("after initial connection", "CONN"),
        CMD("greeting", "CONN"), CMD("Recipient address rejected", "RCPT"),
        CMD("Sender address rejected", "MAIL"), CMD("does not like recipient", "RCPT"),
        CMD("does not like sender", "MAIL"),
    };
#undef CMD
    /* the second octets of the needles above, by their first (0: no needle) */
    static const char second[256][2] = {
        ['R'] = {'C', 'e'}, ['r'] = {'c', 0}, ['M'] = {'A', 0}, ['m'] = {'a', 0},
        ['D'] = {'A', 0}, ['d'] = {'o', 0}, ['e'] = {'n', 0}, ['H'] = {'E', 0},
        ['E'] = {'H', 0}, ['S'] = {'T', 'e'}, ['a'] = {'f', 0}, ['g'] = {'r', 0},
    };
    /* the last occurrence wins (at one offset, the first needle of the table): so scan
     * backwards and stop at the first match. Bounded by n. */
    for (size_t k = n > 1 ? n - 1 : 0; k-- > 0;) {
        unsigned char c = (unsigned char)s[k];
        char d = s[k + 1];
        /* one branch per octet, rarely taken: the pair test without short-circuits */
        if (!((second[c][0] != 0) & ((d == second[c][0]) | (d == second[c][1])))) {
            continue; /* no needle starts here (every needle has two octets or more) */
        }
        if (k > 0 && is_alnum((unsigned char)s[k - 1])) {
            continue;
        }
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
            size_t m = t[i].len;
            if ((unsigned char)t[i].needle[0] != c || k + m > n ||
                memcmp(s + k, t[i].needle, m) != 0) {
                continue;
            }
            if (k + m < n && is_alnum((unsigned char)s[k + m]) && t[i].needle[m - 1] != ' ') {
                continue;
            }
            return t[i].cmd;
        }
    }
    return "";
}

/*
 * The command of an SMTP session transcript (Sendmail: ">>> DATA" then "<<< 550 ..."): the
 * last ">>> " line at or before the first line naming addr (or before the first 4xx/5xx
 * "<<< " line when none names it); "" when the text has no transcript.
 */
static const char *transcript_command(const char *s, size_t n, const char *addr)
{
    static const struct {
        const char *word;
        const char *cmd;
    } t[] = {
        {"mail", "MAIL"}, {"rcpt", "RCPT"}, {"data", "DATA"}, {"ehlo", "HELO"},
        {"helo", "HELO"}, {"starttls", "STARTTLS"}, {".", "DATA"},
    };
    const char *cmd = "", *first_err = NULL;
    if (!mem_find(s, n, ">>> ")) {
        return ""; /* no line starts with ">>> ": no command is ever set */
    }
    size_t al = addr ? strlen(addr) : 0;
    size_t pos = 0;
    const char *l;
    size_t ln;
    /* bounded by the number of lines */
    while (dlv_msg_line(s, n, &pos, &l, &ln)) {
        if (ln >= 5 && memcmp(l, ">>> ", 4) == 0) {
            for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
                size_t m = strlen(t[k].word);
                if (ln >= 4 + m && ifind(l + 4, m, t[k].word) == 0 &&
                    (ln == 4 + m || !is_alnum((unsigned char)l[4 + m]))) {
                    cmd = t[k].cmd;
                    break;
                }
            }
        } else if (ln >= 8 && memcmp(l, "<<< ", 4) == 0 && (l[4] == '4' || l[4] == '5') &&
                   cmd[0] && !first_err) {
            first_err = cmd;
        }
        if (cmd[0] && al && ln >= al && mem_find(l, ln, addr)) {
            return cmd; /* the recipient's line, under the last command sent */
        }
    }
    return first_err ? first_err : "";
}

/* ---- needle scans ---- */

typedef struct scan {
    const dlv_needle *nd;
    size_t reason_end[R_COUNT]; /* 0: no hit; else 1 + first end offset */
    int family;                 /* first family hit */
    uint64_t families;          /* every family hit (bit = family id) */
    size_t end_at;              /* first end marker start (SIZE_MAX none) */
    int bounce, vacation;
    int stop_at_end;            /* stop at the first end marker: the rest is the returned message */
    size_t nformat;             /* N_FORMAT hits (needle indexes, first MAX_FORMAT) */
    uint32_t format[MAX_FORMAT];
} scan;

static int on_hit(size_t k, size_t end, void *ud)
{
    scan *sc = ud;
    const dlv_needle *n = &sc->nd[k];
    switch (n->kind) {
    case N_REASON:
        if (!sc->reason_end[n->id]) {
            sc->reason_end[n->id] = end + 1;
        }
        break;
    case N_FAMILY:
        if (!sc->family) {
            sc->family = n->id;
        }
        sc->families |= (uint64_t)1 << (n->id & 63);
        break;
    case N_END: {
        size_t len = strlen(n->text);
        size_t start = end >= len ? end - len : 0;
        if (start < sc->end_at) {
            sc->end_at = start;
        }
        return sc->stop_at_end;
    }
    case N_BOUNCE:
        sc->bounce = 1;
        break;
    case N_VACATION:
        sc->vacation = 1;
        break;
    case N_FORMAT:
        if (sc->nformat < MAX_FORMAT) {
            sc->format[sc->nformat++] = (uint32_t)k;
        }
        break;
    default:
        break;
    }
    return 0;
}

/* The needles each scan reads: a diagnostic (text_hits) its reasons and outright phrases;
 * the report text (classify) the family marks and where the error text ends; the header
 * marks the family marks, bounce and auto-reply signs, and the outright phrases of a
 * family (only those count there). */
static int keep_diag(const dlv_needle *n)
{
    return n->kind == N_REASON || n->kind == N_FORMAT;
}

static int keep_text(const dlv_needle *n)
{
    return n->kind == N_FAMILY || n->kind == N_END;
}

static int keep_hdr(const dlv_needle *n)
{
    return n->kind == N_FAMILY || n->kind == N_BOUNCE || n->kind == N_VACATION ||
           (n->kind == N_FORMAT && n->scope != S_ANY && n->scope < S_RHOST_FIRST);
}

/* Build the handle's three automata; E_NOMEM, or E_LIMIT when the tables outgrow one. */
static deliver_status build_automata(deliver_bounce *b)
{
    const struct {
        dlv_ac *ac;
        int (*keep)(const dlv_needle *n);
    } set[] = {{&b->ac, keep_diag}, {&b->ac_text, keep_text}, {&b->ac_hdr, keep_hdr}};
    for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
        deliver_status st = dlv_ac_build_if(set[i].ac, b->ctx, dlv_bounce_needles,
                                            dlv_bounce_needle_count, set[i].keep);
        if (st < 0) {
            return st;
        }
    }
    return DELIVER_OK;
}

/* Free them (those never built are zeroed: dlv_ac_free passes them by). */
static void free_automata(deliver_bounce *b)
{
    dlv_ac_free(&b->ac);
    dlv_ac_free(&b->ac_text);
    dlv_ac_free(&b->ac_hdr);
}

static void run_scan(const dlv_ac *ac, const char *s, size_t n, scan *sc, int stop_at_end)
{
    memset(sc, 0, sizeof(*sc));
    sc->stop_at_end = stop_at_end;
    sc->nd = dlv_bounce_needles;
    sc->end_at = (size_t)-1;
    if (s && n) {
        dlv_ac_run(ac, s, n, on_hit, sc);
    }
}

/* Which reasons' phrases occur in s[0..n); bit r set for reason r. When fmt is given, it
 * receives the reason of the first (highest priority) outright phrase whose scope is one of
 * scopes[0..nscopes), R_NONE if none. */
static uint64_t text_hits(const deliver_bounce *b, const char *s, size_t n, const int *scopes,
                          size_t nscopes, dlv_reason *fmt, int *fmt_scope)
{
    scan sc;
    run_scan(&b->ac, s, n, &sc, 0);
    if (fmt) {
        uint32_t best = UINT32_MAX;
        for (size_t i = 0; i < sc.nformat; i++) {
            const dlv_needle *nd = &dlv_bounce_needles[sc.format[i]];
            int ok = nd->scope == S_ANY;
            for (size_t k = 0; k < nscopes && !ok; k++) {
                ok = scopes[k] && nd->scope == scopes[k];
            }
            if (ok && sc.format[i] < best) {
                best = sc.format[i];
            }
        }
        *fmt = best == UINT32_MAX ? R_NONE : (dlv_reason)dlv_bounce_needles[best].id;
        *fmt_scope = best == UINT32_MAX ? 0 : dlv_bounce_needles[best].scope;
    }
    uint64_t h = 0;
    for (int r = 1; r < R_COUNT; r++) {
        if (sc.reason_end[r]) {
            h |= (uint64_t)1 << r;
        }
    }
    return h;
}

#define HIT(r) ((hits >> (r)) & 1u)

/* ---- reason decision ---- */

/* r->decided = a then b, truncated as snprintf(r->decided, size, "%s%s", a, b) would. */
static void set_decided(rcpt *r, const char *a, const char *b)
{
    size_t k = 0;
    if (!b) {
        b = "(null)";
    }
    for (const char *p = a; *p && k + 1 < sizeof(r->decided); p++) {
        r->decided[k++] = *p;
    }
    for (const char *p = b; *p && k + 1 < sizeof(r->decided); p++) {
        r->decided[k++] = *p;
    }
    r->decided[k] = '\0';
}

static int generic_status(const char *st)
{
    if (!st[0]) {
        return 1;
    }
    const char *sd = st + 2;
    return strcmp(sd, "0.0") == 0 || strcmp(sd, "0.900") == 0;
}

static int cmd_is(const rcpt *r, const char *list)
{
    /* list: "CONN HELO MAIL" */
    const char *c = r->command ? r->command : "";
    size_t n = strlen(c);
    if (!n) {
        return 0;
    }
    const char *p = list;
    while ((p = strstr(p, c)) != NULL) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
            return 1;
        }
        p += n;
    }
    return 0;
}

/* The first rules: a reason whose phrases or status code say so, in a fixed order. */
static dlv_reason first_pass(const rcpt *r, dlv_reason sr, uint64_t hits)
{
    static const dlv_reason order[] = {
        R_MAILBOXFULL, R_MESGTOOBIG, R_EXCEEDLIMIT, R_SUSPEND, R_HASMOVED, R_NORELAYING,
        R_AUTHFAILURE, R_USERUNKNOWN, R_FILTERED, R_REQUIREPTR, R_NOTCOMPLIANTRFC,
        R_BADREPUTATION, R_REJECTED, R_HOSTUNKNOWN, R_SPAMDETECTED, R_SPEEDING, R_TOOMANYCONN,
        R_BLOCKED,
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        dlv_reason R = order[i];
        int yes = 0;
        switch (R) {
        case R_MESGTOOBIG:
            yes = sr == R || (sr != R_EXCEEDLIMIT && HIT(R));
            break;
        case R_SUSPEND:
        case R_HASMOVED:
            yes = HIT(R) || sr == R;
            break;
        case R_NORELAYING:
            yes = !cmd_is(r, "CONN HELO") && HIT(R);
            break;
        case R_USERUNKNOWN:
            if (sr == R_SUSPEND || cmd_is(r, "MAIL")) {
                /* refused after MAIL FROM: the address at fault is the sender's */
                yes = 0;
            } else if (sr == R_USERUNKNOWN) {
                yes = !(HIT(R_NORELAYING) || HIT(R_BLOCKED) || HIT(R_MAILBOXFULL) ||
                        HIT(R_HASMOVED) || HIT(R_REJECTED) || HIT(R_NOTACCEPT));
            } else if (sr == R_FILTERED) {
                yes = cmd_is(r, "RCPT") && HIT(R);
            } else {
                yes = cmd_is(r, "RCPT") && HIT(R);

            }
            break;
        case R_FILTERED:
            if (sr == R_SUSPEND) {
                yes = 0;
            } else if (sr == R_FILTERED) {
                yes = HIT(R_USERUNKNOWN) || HIT(R_FILTERED);
            } else if (!r->command || !r->command[0]) {
                yes = HIT(R_FILTERED) || HIT(R_USERUNKNOWN);
            } else {
                yes = !cmd_is(r, "CONN HELO MAIL RCPT") && (HIT(R_FILTERED) || HIT(R_USERUNKNOWN));
            }
            break;
        case R_REJECTED:
            yes = sr == R ||
                  (cmd_is(r, "MAIL") && (HIT(R) || sr == R_USERUNKNOWN)) ||
                  (cmd_is(r, "DATA") && sr != R_USERUNKNOWN && HIT(R)) ||
                  ((sr == R_NONE || sr == R_ONHOLD || sr == R_SECURITYERROR ||
                    sr == R_SYSTEMERROR) && HIT(R));
            break;
        case R_HOSTUNKNOWN:
            yes = sr == R ? !HIT(R_NETWORKERROR) : HIT(R);
            break;
        case R_SPAMDETECTED:
            yes = sr == R || (!cmd_is(r, "CONN HELO MAIL RCPT") && HIT(R));
            break;
        default:
            yes = sr == R || HIT(R);
        }
        if (yes) {
            return R;
        }
    }
    return R_NONE;
}

/* The second rules, when the first found nothing or the status code is vague. */
static dlv_reason second_pass(const rcpt *r, dlv_reason sr, uint64_t hits, int *by_text)
{
    static const dlv_reason order[] = {
        R_MAILBOXFULL, R_SPAMDETECTED, R_POLICYVIOLATION, R_VIRUSDETECTED, R_NORELAYING,
        R_SECURITYERROR, R_SYSTEMERROR, R_NETWORKERROR, R_SUSPEND, R_EXPIRED, R_CONTENTERROR,
        R_SYSTEMFULL, R_NOTACCEPT, R_MAILERERROR, R_SUPPRESSED,
    };
    *by_text = 0;
    int retry = sr == R_NONE || sr == R_ONHOLD || sr == R_SYSTEMERROR ||
                sr == R_SECURITYERROR || sr == R_NETWORKERROR || sr == R_HOSTUNKNOWN ||
                sr == R_USERUNKNOWN;
    if (!retry) {
        return sr;
    }
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (HIT(order[i])) {
            *by_text = 1;
            return order[i];
        }
    }
    if (sr != R_NONE) {
        return sr;
    }
    if (r->status[0] && r->status[2] == '6') {
        return R_CONTENTERROR;
    }
    if (r->status[0] && r->status[2] == '7') {
        return R_SECURITYERROR;
    }
    if (HIT(R_SYNTAXERROR) || (r->reply >= 500 && r->reply <= 504)) {
        *by_text = HIT(R_SYNTAXERROR);
        return R_SYNTAXERROR;
    }
    if (r->action && strcmp(r->action, "delayed") == 0) {
        return R_EXPIRED;
    }
    if (cmd_is(r, "HELO")) {
        return R_BLOCKED;
    }
    return R_NONE;
}

/* The remote-host rule set of the host a diagnostic names ("host mx.example.net [ip]",
 * "host: mx.example.net (ip)", "host mx.example.net[ip] said:"), for reports without a
 * Remote-MTA field; 0 none. */
static int text_host_scope(const char *d, size_t dn)
{
    size_t from = 0;
    /* bounded: from grows on every round */
    for (int guard = 0; guard < 8 && from < dn; guard++) {
        long at = ifind(d + from, dn - from, "host");
        if (at < 0) {
            return 0;
        }
        size_t k = from + (size_t)at + 4;
        int word = from + (size_t)at == 0 || !is_alnum((unsigned char)d[from + (size_t)at - 1]);
        from = k;
        if (!word || k >= dn || (d[k] != ' ' && d[k] != ':')) {
            continue;
        }
        while (k < dn && (d[k] == ' ' || d[k] == ':')) {
            k++;
        }
        char h[256];
        size_t e = 0;
        int dot = 0, alpha = 0;
        while (k + e < dn && e + 1 < sizeof(h) &&
               (is_alnum((unsigned char)d[k + e]) || d[k + e] == '.' || d[k + e] == '-')) {
            char c = d[k + e];
            dot |= c == '.';
            alpha |= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            h[e] = c;
            e++;
        }
        h[e] = '\0';
        if (dot && alpha) {
            int sc = dlv_host_scope(h);
            if (sc) {
                return sc;
            }
        }
    }
    return 0;
}

static void decide(deliver_bounce *b, rcpt *r, const char *extra, size_t extra_len)
{
    const char *d = r->diag ? r->diag : "";
    size_t dn = strlen(d);
    if (!r->status[0]) {
        find_status(d, dn, r->status);
    } else if (generic_status(r->status)) {
        char better[16];
        if (find_status(d, dn, better) && !generic_status(better) && better[0] == r->status[0]) {
            memcpy(r->status, better, sizeof(better));
        }
    }
    if (!r->reply) {
        r->reply = find_reply(d, dn, 0);
    }
    dlv_reason forced, fallback;
    const char *defcmd;
    int whole, no_transcript;
    dlv_family_defaults(b->family, &forced, &fallback, &defcmd);
    dlv_family_layout(b->family, &whole, &no_transcript);
    if ((!r->command || !r->command[0]) && extra && !no_transcript) {
        r->command = transcript_command(extra, extra_len, r->addr);
    }
    if ((!r->command || !r->command[0]) && !no_transcript) {
        r->command = find_command(d, dn);
    }
    if ((!r->command || !r->command[0]) && r->tdiag) {
        r->command = find_command(r->tdiag, strlen(r->tdiag));
    }
    if ((!r->command || !r->command[0]) && defcmd[0]) {
        r->command = defcmd;
    }
    const char *act = r->action ? r->action : "";
    if (strcmp(act, "delivered") == 0 || strcmp(act, "relayed") == 0 ||
        strcmp(act, "expanded") == 0 || r->status[0] == '2') {
        r->reason = R_DELIVERED;
        set_decided(r, "dsn-action", "");
        return;
    }
    int scopes[4];
    scopes[0] = b->family;
    scopes[1] = r->rmta ? dlv_host_scope(r->rmta) : text_host_scope(d, dn);
    const char *at = r->addr ? strrchr(r->addr, '@') : NULL;
    scopes[2] = at ? dlv_host_scope(at + 1) : 0;
    scopes[3] = b->recv_scope;
    dlv_reason fmt = R_NONE;
    int fmt_scope = 0;
    uint64_t hits;
    if (!dn && extra && whole && b->n == 1) {
        /* the one recipient's error stands before its address ("Failure Reasons" layouts) */
        char *wd = fold(&b->arena, extra, extra_len, MAX_DIAG);
        if (wd) {
            r->diag = wd;
            d = wd;
            dn = strlen(wd);
        }
    }
    if (!dn && extra) {
        hits = text_hits(b, extra, extra_len, scopes, 4, &fmt, &fmt_scope);
    } else {
        hits = text_hits(b, d, dn, scopes, 4, &fmt, &fmt_scope);
        if (!hits && fmt == R_NONE && extra && b->n == 1 && whole) {
            /* nothing in the recipient's own lines: the one recipient's error is elsewhere
             * in the text (before the address, as in "Message details" layouts) */
            hits = text_hits(b, extra, extra_len, scopes, 4, &fmt, &fmt_scope);
            if (hits || fmt != R_NONE) {
                char *wd = fold(&b->arena, extra, extra_len, MAX_DIAG);
                if (wd) {
                    r->diag = wd;
                    if (!r->status[0]) {
                        find_status(wd, strlen(wd), r->status);
                    }
                    if (!r->reply) {
                        r->reply = find_reply(wd, strlen(wd), 0);
                    }
                }
            }
        }
    }
    if (fmt == R_NONE && b->hdr_reason != R_NONE) {
        r->reason = b->hdr_reason;
        set_decided(r, "header:", dlv_reason_name(b->hdr_reason));
        return;
    }
    if (fmt == R_NONE && forced != R_NONE) {
        r->reason = forced;
        set_decided(r, "format:", dlv_family_names[b->family]);
        return;
    }
    if (fmt != R_NONE) {
        r->reason = fmt;
        if (fmt_scope >= S_RHOST_FIRST) {
            set_decided(r, "rhost:", dlv_reason_name(fmt));
        } else {
            set_decided(r, "format:", dlv_reason_name(fmt));
        }
        return;
    }
    if (r->xunix && !HIT(R_MAILBOXFULL)) {
        r->reason = R_MAILERERROR;
        set_decided(r, "dsn:x-unix", "");
        return;
    }
    if (generic_status(r->status) && r->command) {
        for (int k = 1; k < 4; k++) {
            dlv_reason hr = scopes[k] >= S_RHOST_FIRST
                                ? dlv_host_command_reason(scopes[k], r->command) : R_NONE;
            if (hr != R_NONE) {
                r->reason = hr;
                set_decided(r, "rhost:", r->command);
                return;
            }
        }
    }
    dlv_reason sr = generic_status(r->status) ? R_NONE : dlv_status_reason(r->status);
    dlv_reason R = first_pass(r, sr, hits);
    if (R != R_NONE) {
        r->reason = R;
        if (HIT(R)) {
            set_decided(r, "text:", dlv_reason_name(R));
        } else {
            set_decided(r, "status:", r->status);
        }
        return;
    }
    int by_text = 0;
    R = second_pass(r, sr, hits, &by_text);
    if (R != R_NONE) {
        r->reason = R;
        if (by_text) {
            set_decided(r, "text:", dlv_reason_name(R));
        } else if (R == sr) {
            set_decided(r, "status:", r->status);
        } else {
            set_decided(r, "fallback:", dlv_reason_name(R));
        }
        return;
    }
    if (strcmp(act, "delayed") == 0) {
        r->reason = R_EXPIRED;
        set_decided(r, "dsn-action", "");
    } else if (fallback != R_NONE) {
        r->reason = fallback;
        set_decided(r, "format:", dlv_family_names[b->family]);
    } else if (dn > 0 && !r->guessed) {
        /* a text about this recipient that no rule understood (a text that names no
         * recipient at all says nothing about the one guessed from the returned message) */
        r->reason = R_ONHOLD;
        set_decided(r, "none", "");
    } else {
        r->reason = R_UNDEFINED;
        set_decided(r, "none", "");
    }
}

static void set_hard(rcpt *r)
{
    int temp = r->status[0] == '4' || (r->reply >= 400 && r->reply < 500);
    switch (r->reason) {
    case R_USERUNKNOWN:
    case R_HOSTUNKNOWN:
    case R_HASMOVED:
        r->hard = 1;
        break;
    case R_NOTACCEPT:
        r->hard = !temp;
        break;
    default:
        r->hard = 0;
    }
}

/* ---- DSN ---- */

static const char *after_type(const char *v)
{
    /* "rfc822; a@b", "smtp; 550 ...", "dns; host" */
    const char *semi = strchr(v, ';');
    if (semi && semi - v < 20) {
        v = semi + 1;
    }
    while (*v == ' ' || *v == '\t') {
        v++;
    }
    return v;
}

static void strip_angle(char **p)
{
    char *s = *p;
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
        s[n - 1] = '\0';
        *p = s + 1;
    }
}

/* Parse a message/delivery-status body; returns the number of recipients added. */
static size_t parse_dsn(deliver_bounce *b, const char *s, size_t n, char **reporting)
{
    dlv_arena *a = &b->arena;
    size_t pos = 0, added = 0;
    rcpt *cur = NULL;
    int cur_has_final = 0, cur_has_orig = 0;
    char *orig = NULL;
    char *msg_rmta = NULL;
    const int lf = n == 0 || !memchr(s, '\r', n); /* LF line ends only */
    /* each iteration parses one group of fields and advances; bounded by n */
    while (pos < n) {
        /* per-recipient fields written before the group's Final-Recipient (Facebook) */
        char *pend_action = NULL, *pend_diag = NULL, *pend_rmta = NULL;
        char pend_status[16] = "";
        int pend_xunix = 0;
        rcpt *group_first = NULL;
        dlv_header h;
        if ((lf ? dlv_header_parse_lf : dlv_header_parse)(a, s + pos, n - pos, &h) < 0) {
            break;
        }
        if (h.count == 0) {
            const char *l;
            size_t ln;
            size_t p2 = pos;
            if (!dlv_msg_line(s, n, &p2, &l, &ln)) {
                break;
            }
            pos = p2;
            continue;
        }
        for (size_t i = 0; i < h.count; i++) {
            const dlv_field *f = &h.fields[i];
            char name[40];
            size_t nl = f->name_len < sizeof(name) - 1 ? f->name_len : sizeof(name) - 1;
            for (size_t k = 0; k < nl; k++) {
                name[k] = (char)lc((unsigned char)f->name[k]);
            }
            name[nl] = '\0';
            char *v = dlv_field_unfold(a, f, NULL);
            if (!v) {
                return added;
            }
            if (strcmp(name, "reporting-mta") == 0) {
                *reporting = (char *)after_type(v);
            } else if (strcmp(name, "original-recipient") == 0 ||
                       strcmp(name, "x-actual-recipient") == 0) {
                if (strcmp(name, "original-recipient") == 0) {
                    if (cur && cur_has_orig) {
                        cur = NULL; /* a second one: the next recipient starts here */
                        cur_has_final = 0;
                        cur_has_orig = 0;
                    }
                    if (cur) {
                        cur_has_orig = 1;
                    } else {
                        orig = (char *)after_type(v);
                        cur_has_orig = 1;
                        /* the recipient starts here; a Final-Recipient below names it */
                        size_t as, ae;
                        if (find_addr(orig, strlen(orig), 0, &as, &ae)) {
                            cur = add_rcpt(b);
                            if (!cur) {
                                return added;
                            }
                            added++;
                            cur->addr = addr_dup(a, orig + as, ae - as);
                            if (msg_rmta) {
                                cur->rmta = msg_rmta;
                            }
                        }
                    }
                }
            } else if (strcmp(name, "final-recipient") == 0) {
                if (!cur || cur_has_final) {
                    int had_orig = !cur && orig != NULL;
                    cur = add_rcpt(b);
                    if (!cur) {
                        return added;
                    }
                    added++;
                    cur_has_orig = had_orig;
                }
                cur_has_final = 1;
                char *ad = (char *)after_type(v);
                strip_angle(&ad);
                size_t as, ae;
                if (find_addr(ad, strlen(ad), 0, &as, &ae)) {
                    cur->addr = addr_dup(a, ad + as, ae - as);
                } else if (orig) {
                    size_t on = strlen(orig);
                    if (find_addr(orig, on, 0, &as, &ae)) {
                        cur->addr = addr_dup(a, orig + as, ae - as);
                    }
                }
                if (!cur->addr) {
                    cur->addr = addr_dup(a, ad, strlen(ad));
                }
                orig = NULL;
                if (msg_rmta && !cur->rmta) {
                    cur->rmta = msg_rmta;
                }
                if (!group_first) {
                    group_first = cur;
                    if (pend_action && !cur->action) {
                        char *x = pend_action;
                        for (char *q = x; *q; q++) {
                            *q = (char)lc((unsigned char)*q);
                        }
                        char *sp = strpbrk(x, " \t(");
                        if (sp) {
                            *sp = '\0';
                        }
                        cur->action = x;
                    }
                    if (pend_status[0] && !cur->status[0]) {
                        memcpy(cur->status, pend_status, sizeof(pend_status));
                    }
                    if (pend_diag && !cur->diag) {
                        cur->diag = pend_diag;
                        cur->xunix = pend_xunix;
                    }
                    if (pend_rmta && !cur->rmta) {
                        cur->rmta = pend_rmta;
                    }
                }
            } else if (!cur) {
                if (strcmp(name, "remote-mta") == 0) {
                    msg_rmta = (char *)after_type(v);
                    pend_rmta = msg_rmta;
                } else if (strcmp(name, "action") == 0) {
                    pend_action = v;
                } else if (strcmp(name, "status") == 0) {
                    find_status(v, strlen(v), pend_status);
                } else if (strcmp(name, "diagnostic-code") == 0) {
                    const char *d = after_type(v);
                    const char *tv = v;
                    while (*tv == ' ' || *tv == '\t') {
                        tv++;
                    }
                    pend_xunix = ifind(tv, strlen(tv) < 7 ? strlen(tv) : 7, "x-unix") == 0;
                    pend_diag = fold(a, d, strlen(d), MAX_DIAG);
                }
                continue;
            } else if (strcmp(name, "action") == 0) {
                char *x = v;
                for (char *p = x; *p; p++) {
                    *p = (char)lc((unsigned char)*p);
                }
                char *sp = strpbrk(x, " \t(");
                if (sp) {
                    *sp = '\0';
                }
                cur->action = x;
            } else if (strcmp(name, "status") == 0) {
                char st[16];
                if (find_status(v, strlen(v), st)) {
                    memcpy(cur->status, st, sizeof(st));
                }
                /* "Status: 4.0.0 (host name lookup failure)": the comment is the only
                 * diagnostic when no Diagnostic-Code follows */
                char *cm = strchr(v, '(');
                if (cm && !cur->diag) {
                    char *ce = strrchr(cm, ')');
                    size_t cl = ce ? (size_t)(ce - cm - 1) : strlen(cm + 1);
                    cur->diag = fold(a, cm + 1, cl, MAX_DIAG);
                }
            } else if (strcmp(name, "remote-mta") == 0) {
                cur->rmta = (char *)after_type(v);
            } else if (strcmp(name, "diagnostic-code") == 0) {
                const char *d = after_type(v);
                const char *tv = v;
                while (*tv == ' ' || *tv == '\t') {
                    tv++;
                }
                cur->xunix = ifind(tv, strlen(tv) < 7 ? strlen(tv) : 7, "x-unix;") == 0 ||
                             ifind(tv, strlen(tv) < 7 ? strlen(tv) : 7, "x-unix ") == 0;
                cur->diag = fold(a, d, strlen(d), MAX_DIAG);
            } else if (strcmp(name, "x-postfix-command") == 0 && !cur->command) {
                /* unused beyond the command */
            }
        }
        pos += h.end ? h.end : n - pos;
        cur_has_final = cur ? cur_has_final : 0;
        if (cur && (cur_has_final || cur_has_orig)) {
            /* a blank line ends the recipient's group */
            cur = NULL;
            cur_has_final = 0;
            cur_has_orig = 0;
        }
    }
    return added;
}

/* ---- text layouts ---- */

static int header_like(const char *l, size_t n)
{
    size_t i = 0;
    while (i < n && (l[i] == ' ' || l[i] == '\t')) {
        i++;
    }
    size_t s = i;
    while (i < n && (is_alnum((unsigned char)l[i]) || l[i] == '-')) {
        i++;
    }
    return i > s && i < n && l[i] == ':' && (i + 1 >= n || l[i + 1] != '<' || 1);
}

/* Phrases after which the next address on the line is a failed recipient. */
static const char *const rcpt_prefixes[] = {
    "could not be delivered to:", "unable to deliver message to:",
    "there was an error delivering your mail to", "unknown user:", "rcpt to:",
    "returned permanent errors:", "not delivered to", "delivery to the following recipient",
    "original-recipient:", "final-recipient:", "to the following address",
    "failed to deliver to", "undeliverable to", "user unknown:", "no such user:",
    "recipient:", "delivery failed for", "message to <", "error for",
    "delivery failed:", "rejected recipient", "mailbox is full:", ", address:",
    "not a member of this mailing list", "duplicated message-id in", " attempts:",
    "final delivery userid:", "generated by ",
};

/* Octet triples hashed to 10 bits (every prefix above has at least three octets): a prefix
 * whose first triple's hash is not among the line's is not searched (only a quick "no",
 * never a "yes"). The hash of (a, b, c) is a M^2 ^ b M ^ c, so a line's triples are
 * hashed rolling in parse_text (a M^2 is the previous b M times M), one multiply an octet. */
#define TRIPLE_BITS 1024
#define TRIPLE_MUL 31u
#define N_PREFIXES (sizeof(rcpt_prefixes) / sizeof(rcpt_prefixes[0]))
_Static_assert(N_PREFIXES <= 32, "one bit per recipient prefix in a uint32_t");
static unsigned triple_hash(unsigned a, unsigned b, unsigned c)
{
    return ((a * TRIPLE_MUL * TRIPLE_MUL) ^ (b * TRIPLE_MUL) ^ c) & (TRIPLE_BITS - 1);
}

static void prefix_map(uint32_t *at)
{
    memset(at, 0, TRIPLE_BITS * sizeof(*at));
    for (size_t k = 0; k < N_PREFIXES; k++) {
        const unsigned char *p = (const unsigned char *)rcpt_prefixes[k];
        at[triple_hash(p[0], p[1], p[2])] |= (uint32_t)1 << k;
    }
}

/*
 * Extract failed recipients from the human-readable text t[0..n) (cut at the returned
 * message); the diagnostic of each is the text after it up to the next one.
 */
static size_t parse_text(deliver_bounce *b, const char *t, size_t n, const char *exclude)
{
    dlv_arena *a = &b->arena;
    size_t pos = 0, added = 0;
    const char *l;
    size_t ln;
    rcpt *cur = NULL;
    size_t diag_start = 0;
    size_t first = b->n;
    /* LF line ends only (the common case): go straight to the lines with an '@' */
    const int lf = n == 0 || !memchr(t, '\r', n);
    /* bounded by the number of lines */
    while (1) {
        size_t lstart = pos;
        if (lf) {
            const char *at = pos < n ? memchr(t + pos, '@', n - pos) : NULL;
            if (!at) {
                break;
            }
            size_t k = (size_t)(at - t);
            while (k > pos && t[k - 1] != '\n') {
                k--;
            }
            const char *e = memchr(at, '\n', n - (size_t)(at - t));
            lstart = k;
            l = t + k;
            ln = e ? (size_t)(e - l) : n - k;
            pos = e ? (size_t)(e - t) + 1 : n;
        } else if (!dlv_msg_line(t, n, &pos, &l, &ln)) {
            break;
        }
        size_t as = 0, ae = 0;
        int found = 0, via_prefix = 0;
        if (!memchr(l, '@', ln)) {
            continue; /* no address on this line */
        }
        /* prefixes: on a lower-case copy of the line (its first LOWER_MAX octets), those
         * whose first triple may be on it (b->prefix_at) */
        char low[LOWER_MAX];
        size_t lowlen = ln < sizeof(low) ? ln : sizeof(low);
        for (size_t k = 0; k < lowlen; k++) {
            low[k] = (char)lc((unsigned char)l[k]);
        }
        uint32_t maybe = 0;
        if (lowlen >= 3) {
            const unsigned char *ul = (const unsigned char *)low;
            /* a M^2 and b M of the next triple (see triple_hash) */
            unsigned ha = ul[0] * TRIPLE_MUL * TRIPLE_MUL, hb = ul[1] * TRIPLE_MUL;
            for (size_t k = 2; k < lowlen; k++) {
                maybe |= b->prefix_at[(ha ^ hb ^ ul[k]) & (TRIPLE_BITS - 1)];
                ha = hb * TRIPLE_MUL;
                hb = ul[k] * TRIPLE_MUL;
            }
        }
        for (size_t k = 0; maybe && !found; k++, maybe >>= 1) {
            if (!(maybe & 1)) {
                continue;
            }
            const char *hitp = mem_find(low, lowlen, rcpt_prefixes[k]);
            long off = hitp ? (long)(hitp - low) : -1;
            if (off >= 0) {
                size_t from = (size_t)off + strlen(rcpt_prefixes[k]);
                size_t j = from;
                while (j < ln && (l[j] == ' ' || l[j] == '\t' || l[j] == '<' || l[j] == '"')) {
                    j++;
                }
                if (find_addr(l, ln, from, &as, &ae) && as == j) {
                    found = 1;
                    via_prefix = 1;
                }
            }
        }
        if (!found && !header_like(l, ln)) {
            size_t j = 0;
            /* a leading reply code ("554 <a@b>... Remote protocol error") */
            if (ln > 4 && (l[0] == '4' || l[0] == '5') && is_digit((unsigned char)l[1]) &&
                is_digit((unsigned char)l[2]) && (l[3] == ' ' || l[3] == '-')) {
                j = 4;
            }
            while (j < ln && (l[j] == ' ' || l[j] == '\t' || l[j] == '>' || l[j] == '*' ||
                              l[j] == '-' || l[j] == '<' || l[j] == '"' || l[j] == '\'')) {
                j++;
            }
            if (find_addr(l, ln, j, &as, &ae) && as == j) {
                /* after the address: nothing, ">", ":", space, "[", "(", "<", "," or "." */
                char c = ae < ln ? l[ae] : '\0';
                if (c == '\0' || c == '>' || c == ':' || c == ' ' || c == '\t' || c == '[' ||
                    c == '(' || c == '<' || c == ',' || c == '"' || c == '.' || c == ';') {
                    found = 1;
                }
                /* "a@b <c@d>: malformed address ...": the address the MTA read is c@d */
                size_t as2, ae2;
                if (found && ae + 2 < ln && l[ae] == ' ' && l[ae + 1] == '<' &&
                    find_addr(l, ln, ae + 2, &as2, &ae2) && as2 == ae + 2 && ae2 + 1 < ln &&
                    l[ae2] == '>' && l[ae2 + 1] == ':') {
                    as = as2;
                    ae = ae2;
                }
            }
        }
        if (found && cur && !cur->diag && lstart >= 15) {
            /* "<a@b> (expanded from\n <alias@c>): ..." names the alias, not a recipient */
            size_t e = lstart;
            while (e > 0 && is_space((unsigned char)t[e - 1])) {
                e--;
            }
            if (e >= 13 && ifind(t + e - 13, 13, "expanded from") == 0) {
                continue;
            }
        }
        if (found) {
            char *ad = addr_dup(a, l + as, ae - as);
            if (!ad) {
                break;
            }
            if (exclude && addr_eq(ad, exclude)) {
                continue;
            }
            rcpt *ex = NULL;
            for (size_t i = first; i < b->n; i++) {
                if (addr_eq(b->r[i].addr, ad)) {
                    ex = &b->r[i];
                }
            }
            if (ex && ex == cur && !cur->diag) {
                continue; /* the same recipient again: its text goes on */
            }
            if (cur && !cur->diag) {
                cur->diag = fold(a, t + diag_start, lstart - diag_start, MAX_DIAG);
            }
            if (ex) {
                cur = ex->diag && ex->diag[0] ? NULL : ex;
                if (cur) {
                    cur->diag = NULL;
                }
            } else {
                cur = add_rcpt(b);
                if (!cur) {
                    break;
                }
                cur->addr = ad;
                added++;
            }
            /* the rest of the line belongs to the diagnostic */
            size_t rest = ae;
            while (rest < ln && (l[rest] == '>' || l[rest] == ':' || l[rest] == '"')) {
                rest++;
            }
            diag_start = (size_t)(l - t) + (via_prefix ? 0 : rest);
            continue;
        }
    }
    if (cur && !cur->diag) {
        cur->diag = fold(a, t + diag_start, n - diag_start, MAX_DIAG);
    }
    return added;
}

/* ---- the parse ---- */

static void reset(deliver_bounce *b)
{
    dlv_arena_reset(&b->arena);
    if (b->findings_built) {
        dlv_findings_clear(&b->findings);
        b->findings_built = 0;
    }
    dlv_err_clear(&b->err);
    b->n = 0;
    b->kind = DELIVER_BOUNCE_NONE;
    b->family = 0;
    b->recv_scope = 0;
    b->hdr_reason = R_NONE;
}

/* Copy with every line end as LF, into the handle's buffer (not zeroed: every octet up to
 * the terminating NUL is written). */
static char *normalize(deliver_bounce *b, const uint8_t *buf, size_t len, size_t *out_len)
{
    if (dlv_grow(b->ctx, (void **)&b->norm, &b->norm_cap, len + 1, 1) < 0) {
        return NULL;
    }
    char *o = b->norm;
    const uint8_t *cr = len ? memchr(buf, '\r', len) : NULL;
    if (!cr) {
        /* LF only, the common case: a plain copy */
        if (len) {
            memcpy(o, buf, len);
        }
        o[len] = '\0';
        *out_len = len;
        return o;
    }
    /* each CR (or CRLF) becomes one LF. From the first CR on: 16 octets are copied at a
     * time, whole, and the output goes back to just after the CR when the block holds one
     * (the output never runs ahead of the input, so the block fits) */
    size_t k = (size_t)(cr - buf), i = k;
    memcpy(o, buf, k);
#ifdef DLV_VEC16
    /* bounded: i moves forward on every round */
    while (i + 16 <= len) {
        dlv_u8x16 x = dlv_load16(buf + i);
        memcpy(o + k, &x, sizeof(x));
        size_t j = dlv_first_set16((dlv_i8x16)(x == '\r'));
        if (j == 16) {
            i += 16;
            k += 16;
            continue;
        }
        k += j;
        o[k++] = '\n';
        i += j + 1;
        i += i < len && buf[i] == '\n';
    }
#endif
    for (; i < len; i++) {
        if (buf[i] == '\r') {
            o[k++] = '\n';
            i += i + 1 < len && buf[i + 1] == '\n';
        } else {
            o[k++] = (char)buf[i];
        }
    }
    o[k] = '\0';
    *out_len = k;
    return o;
}

/* The findings of the recipients: made on the first read of them, not by every parse (a
 * caller that only reads the recipients never pays for their formatting). */
static void add_findings(deliver_bounce *b)
{
    if (b->findings_built) {
        return;
    }
    b->findings_built = 1;
    for (size_t i = 0; i < b->n; i++) {
        rcpt *r = &b->r[i];
        const char *reason = dlv_reason_name(r->reason);
        if (r->reason == R_FEEDBACK) {
            dlv_findings_add(&b->findings, "bounce.complaint", DELIVER_SEVERITY_WARNING,
                             r->addr, "stop sending to this recipient",
                             "the recipient reported the message (%s)",
                             r->ftype && r->ftype[0] ? r->ftype : "abuse");
        } else if (r->reason == R_DELIVERED || r->reason == R_VACATION) {
            continue;
        } else if (r->hard) {
            dlv_findings_add(&b->findings, "bounce.hard", DELIVER_SEVERITY_ERROR, r->addr,
                             "remove the address from the list",
                             "hard bounce: %s (%s)", reason, r->status[0] ? r->status : "-");
        } else {
            dlv_findings_add(&b->findings, "bounce.soft", DELIVER_SEVERITY_WARNING, r->addr,
                             NULL, "soft bounce: %s (%s)", reason,
                             r->status[0] ? r->status : "-");
        }
    }
}

/* Undo the part's transfer encoding if that is still pending (the handle's MIME parser
 * decodes lazily): every read of a part's data goes through here first. 0 or -1 (no memory). */
static int part_ready(deliver_bounce *b, const dlv_part *p)
{
    if (!p || !p->pending) {
        return 0;
    }
    return dlv_mime_decode(&b->mime, &b->arena, (size_t)(p - b->mime.parts)) < 0 ? -1 : 0;
}

static const dlv_part *first_part(const dlv_mime *m, const char *type)
{
    for (size_t i = 0; i < m->count; i++) {
        if (!m->parts[i].in_message && strcmp(m->parts[i].type, type) == 0) {
            return &m->parts[i];
        }
    }
    return NULL;
}

/* The address in a header value, into the arena; NULL when none. */
static char *header_addr(dlv_arena *a, const dlv_header *h, const char *name)
{
    char *v = dlv_header_value(a, h, name);
    size_t as, ae;
    if (!v || !find_addr(v, strlen(v), 0, &as, &ae)) {
        return NULL;
    }
    return addr_dup(a, v + as, ae - as);
}

/* The remote-host rule set of the "by" host of the oldest (last) Received: field of the
 * bounce itself: the host that wrote the bounce when no Remote-MTA names one. */
static int received_by_scope(deliver_bounce *b, const dlv_header *top)
{
    /* the last Received: field among the first 256 (one pass over the fields) */
    const dlv_field *last = NULL;
    size_t seen = 0;
    for (size_t i = 0; i < top->count && seen < 256; i++) {
        const dlv_field *f = &top->fields[i];
        if (f->name_len == 8 && (f->name[0] == 'R' || f->name[0] == 'r') &&
            lc((unsigned char)f->name[1]) == 'e' && lc((unsigned char)f->name[2]) == 'c' &&
            lc((unsigned char)f->name[3]) == 'e' && lc((unsigned char)f->name[4]) == 'i' &&
            lc((unsigned char)f->name[5]) == 'v' && lc((unsigned char)f->name[6]) == 'e' &&
            lc((unsigned char)f->name[7]) == 'd') {
            last = f;
            seen++;
        }
    }
    char *v = last ? dlv_field_unfold(&b->arena, last, NULL) : NULL;
    if (!v) {
        return 0;
    }
    size_t n = strlen(v);
    long at = ifind(v, n, "by ");
    while (at > 0 && !is_space((unsigned char)v[at - 1])) {
        long nx = ifind(v + at + 3, n - (size_t)at - 3, "by ");
        at = nx < 0 ? -1 : at + 3 + nx;
    }
    if (at < 0) {
        return 0;
    }
    char *h = v + at + 3;
    while (*h == ' ' || *h == '\t') {
        h++;
    }
    size_t e = 0;
    while (h[e] && !is_space((unsigned char)h[e]) && h[e] != ';' && h[e] != '(') {
        e++;
    }
    h[e] = '\0';
    return dlv_host_scope(h);
}

/* dlv_header_parse; the variant that looks for one line end per line when s[0..n) holds
 * no CR (decoded parts may hold CRs; the normalized message does not) */
static deliver_status header_parse_auto(dlv_arena *a, const char *s, size_t n, dlv_header *h)
{
    return (n && memchr(s, '\r', n) ? dlv_header_parse : dlv_header_parse_lf)(a, s, n, h);
}

/* Headers of the returned message: a message/rfc822 part, text/rfc822-headers, or the text
 * after the end marker. */
static int original_headers(deliver_bounce *b, const char *after, size_t after_len,
                            dlv_header *out)
{
    const dlv_mime *m = &b->mime;
    for (size_t i = 1; i < m->count; i++) {
        const dlv_part *p = &m->parts[i];
        if (p->in_message && p->depth >= 1 && m->parts[p->parent].in_message == 0) {
            *out = p->hdr;
            return 1;
        }
        if (!p->in_message && strcmp(p->type, "text/rfc822-headers") == 0) {
            if (part_ready(b, p) < 0) {
                return 0;
            }
            return header_parse_auto(&b->arena, p->data, p->data_len, out) == DELIVER_OK;
        }
    }
    if (after && after_len) {
        /* skip to the first header-looking line */
        size_t pos = 0;
        const char *l;
        size_t ln;
        size_t guard = 0;
        while (guard++ < 20) {
            size_t st = pos;
            if (!dlv_msg_line(after, after_len, &pos, &l, &ln)) {
                break;
            }
            if (header_like(l, ln) && l[0] != ' ' && l[0] != '\t') {
                return header_parse_auto(&b->arena, after + st, after_len - st, out) ==
                       DELIVER_OK;
            }
        }
    }
    return 0;
}

/* ---- Amazon SES notifications (JSON, possibly inside an SNS envelope) ---- */

/* The string value of "key":"..." at or after from in j[0..n) (unescaped JSON, see below),
 * before `limit`; into the arena; NULL when absent. */
static char *json_str(dlv_arena *a, const char *j, size_t n, size_t from, size_t limit,
                      const char *key, size_t *at)
{
    char pat[48];
    int pl = snprintf(pat, sizeof(pat), "\"%s\":", key);
    if (pl <= 0 || (size_t)pl >= sizeof(pat) || limit > n) {
        return NULL;
    }
    for (size_t i = from; i + (size_t)pl < limit; i++) {
        if (j[i] != '"' || memcmp(j + i, pat, (size_t)pl) != 0) {
            continue;
        }
        size_t k = i + (size_t)pl;
        while (k < limit && j[k] == ' ') {
            k++;
        }
        if (k >= limit || j[k] != '"') {
            return NULL;
        }
        size_t e = ++k;
        while (e < limit && j[e] != '"') {
            e++;
        }
        if (at) {
            *at = e;
        }
        return dlv_arena_strndup(a, j + k, e - k);
    }
    return NULL;
}

/* ---- HTML reports ---- */

/* Does h[i..n) start with the ASCII word w, case aside? */
static int html_at(const char *h, size_t i, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n - i < k) {
        return 0;
    }
    for (size_t j = 0; j < k; j++) {
        if (lc((unsigned char)h[i + j]) != w[j]) {
            return 0;
        }
    }
    return 1;
}

/*
 * The text of an HTML document h[0..n), into the arena: each tag, comment, and style or
 * script element becomes one space; the entities for space, &, <, >, quotes and ASCII
 * numeric references are decoded; everything else is kept as it is. Not a parser: enough
 * to read a bounce report the way its reader sees it. NULL when out of memory.
 */
static char *html_text(dlv_arena *a, const char *h, size_t n, size_t *out_len)
{
    char *o = dlv_arena_alloc_raw(a, n + 1);
    if (!o) {
        return NULL;
    }
    size_t k = 0, i = 0;
    /* bounded by n: every round moves i forward */
    while (i < n) {
        char c = h[i];
        if (c == '<') {
            const char *close = NULL;
            if (html_at(h, i, n, "<!--")) {
                close = "-->";
            } else if (html_at(h, i, n, "<style")) {
                close = "</style>";
            } else if (html_at(h, i, n, "<script")) {
                close = "</script>";
            }
            size_t e = i + 1;
            if (close) {
                while (e < n && !html_at(h, e, n, close)) {
                    e++;
                }
                e = e < n ? e + strlen(close) : n;
            } else {
                const char *gt = memchr(h + i, '>', n - i);
                e = gt ? (size_t)(gt - h) + 1 : n;
            }
            if (k > 0 && o[k - 1] != ' ') {
                o[k++] = ' ';
            }
            i = e;
            continue;
        }
        if (c == '&') {
            static const struct {
                const char *name;
                char c;
            } ent[] = {{"&nbsp;", ' '}, {"&amp;", '&'}, {"&lt;", '<'},  {"&gt;", '>'},
                       {"&quot;", '"'}, {"&apos;", '\''}};
            size_t e;
            for (e = 0; e < sizeof(ent) / sizeof(ent[0]); e++) {
                if (html_at(h, i, n, ent[e].name)) {
                    break;
                }
            }
            if (e < sizeof(ent) / sizeof(ent[0])) {
                o[k++] = ent[e].c;
                i += strlen(ent[e].name);
                continue;
            }
            if (i + 3 < n && h[i + 1] == '#' && is_digit((unsigned char)h[i + 2])) {
                unsigned v = 0;
                size_t j = i + 2;
                while (j < n && j < i + 6 && is_digit((unsigned char)h[j])) {
                    v = v * 10 + (unsigned)(h[j] - '0');
                    j++;
                }
                if (j < n && h[j] == ';' && v >= 32 && v < 127) {
                    o[k++] = (char)v;
                    i = j + 1;
                    continue;
                }
            }
        }
        o[k++] = c;
        i++;
    }
    o[k] = '\0';
    *out_len = k;
    return o;
}

/* A JSON notification of Amazon SES (bounce, complaint or delivery): recipients added. */
static size_t parse_ses_json(deliver_bounce *b, const char *s, size_t n)
{
    dlv_arena *a = &b->arena;
    const char *p = memchr(s, '{', n);
    if (!p) {
        return 0;
    }
    /* unescape \" (an SNS envelope quotes the SES message) and drop line ends */
    char *j = dlv_arena_alloc_raw(a, n + 1);
    if (!j) {
        return 0;
    }
    size_t m = 0;
    for (size_t i = (size_t)(p - s); i < n; i++) {
        if ((s[i] == '\\' && i + 1 < n && s[i + 1] == '"') || s[i] == '\n') {
            continue;
        }
        j[m++] = s[i];
    }
    j[m] = '\0';
    char *type = json_str(a, j, m, 0, m, "notificationType", NULL);
    if (!type) {
        return 0;
    }
    size_t added = 0, pos = 0;
    if (strcmp(type, "Bounce") == 0 || strcmp(type, "Complaint") == 0) {
        int fb = type[0] == 'C';
        char *btype = json_str(a, j, m, 0, m, "bounceType", NULL);
        char *ftype = fb ? json_str(a, j, m, 0, m, "complaintFeedbackType", NULL) : NULL;
        /* each recipient object: its fields run to the next emailAddress */
        size_t e;
        char *addr;
        while (added < MAX_RECIPIENTS &&
               (addr = json_str(a, j, m, pos, m, "emailAddress", &e)) != NULL) {
            size_t next = m, ne;
            if (json_str(a, j, m, e, m, "emailAddress", &ne)) {
                next = ne;
            }
            rcpt *r = add_rcpt(b);
            if (!r) {
                break;
            }
            added++;
            r->addr = addr_dup(a, addr, strlen(addr));
            if (fb) {
                r->reason = R_FEEDBACK;
                r->ftype = ftype ? ftype : (char *)"";
                r->action = "";
                set_decided(r, "arf", "");
            } else {
                char *act = json_str(a, j, m, e, next, "action", NULL);
                char *st = json_str(a, j, m, e, next, "status", NULL);
                char *dc = json_str(a, j, m, e, next, "diagnosticCode", NULL);
                r->action = act ? act : "failed";
                if (st) {
                    find_status(st, strlen(st), r->status);
                }
                if (dc) {
                    const char *d = after_type(dc);
                    r->diag = fold(a, d, strlen(d), MAX_DIAG);
                }
                if (btype && strcmp(btype, "Transient") == 0 && !r->status[0]) {
                    memcpy(r->status, "4.0.0", 6);
                }
            }
            pos = e;
        }
        if (added) {
            b->kind = fb ? DELIVER_BOUNCE_FEEDBACK : DELIVER_BOUNCE_FAILURE;
        }
    } else if (strcmp(type, "Delivery") == 0) {
        const char *rp = strstr(j, "\"recipients\":[");
        if (!rp) {
            return 0;
        }
        size_t i = (size_t)(rp - j) + 14;
        /* a list of strings up to "]" */
        while (i < m && j[i] != ']' && added < MAX_RECIPIENTS) {
            if (j[i] != '"') {
                i++;
                continue;
            }
            size_t e = ++i;
            while (e < m && j[e] != '"') {
                e++;
            }
            rcpt *r = add_rcpt(b);
            if (!r) {
                break;
            }
            added++;
            r->addr = addr_dup(a, j + i, e - i);
            r->action = "delivered";
            memcpy(r->status, "2.6.0", 6);
            i = e + 1;
        }
        if (added) {
            b->kind = DELIVER_BOUNCE_DELIVERED;
        }
    }
    return added;
}

static deliver_status classify(deliver_bounce *b, const char *msg, size_t len)
{
    dlv_arena *a = &b->arena;
    deliver_status st = dlv_mime_parse(&b->mime, a, msg, len);
    if (st < 0) {
        return st;
    }
    const dlv_mime *m = &b->mime;
    if (m->count == 0) {
        return DELIVER_OK;
    }
    const dlv_header *top = &m->parts[0].hdr;
    if (top->count == 0) {
        return DELIVER_OK; /* no header at all: not a message we can read */
    }
    const dlv_field *ff = dlv_header_find(top, "from", 0);
    const dlv_field *sf = dlv_header_find(top, "subject", 0);
    char *from = ff ? dlv_field_decode(a, ff) : NULL;
    char *subject = sf ? dlv_field_decode(a, sf) : NULL;

    /* ---- feedback reports (RFC 5965) ---- */
    const dlv_part *fb = first_part(m, "message/feedback-report");
    if (fb) {
        if (part_ready(b, fb) < 0 || part_ready(b, first_part(m, "text/plain")) < 0) {
            return DELIVER_E_NOMEM;
        }
        dlv_header fh;
        if (header_parse_auto(a, fb->data, fb->data_len, &fh) < 0) {
            return DELIVER_E_NOMEM;
        }
        char *ftype = dlv_header_value(a, &fh, "feedback-type");
        char *srcip = dlv_header_value(a, &fh, "source-ip");
        const dlv_part *tp = first_part(m, "text/plain");
        char *fdiag = tp ? fold(a, tp->data, tp->data_len, MAX_DIAG) : NULL;
        /* the recipients: every Original-Rcpt-To, else Removal-Recipient, else every address
         * of the reported message's To:, else one without an address */
        char *addrs[64];
        size_t na = 0;
        static const char *const fields[] = {"original-rcpt-to", "removal-recipient"};
        for (size_t fi = 0; fi < 2 && na == 0; fi++) {
            for (size_t k = 0; k < 64 && na < 64; k++) {
                const dlv_field *f = dlv_header_find(&fh, fields[fi], k);
                if (!f) {
                    break;
                }
                size_t as, ae;
                if (find_addr(f->value, f->value_len, 0, &as, &ae)) {
                    addrs[na++] = addr_dup(a, f->value + as, ae - as);
                }
            }
        }
        dlv_header oh;
        if (na == 0 && original_headers(b, NULL, 0, &oh)) {
            char *tolist = dlv_header_value(a, &oh, "to");
            size_t tl = tolist ? strlen(tolist) : 0, tpos = 0, as, ae;
            /* bounded: tpos grows with every address */
            while (na < 64 && tolist && find_addr(tolist, tl, tpos, &as, &ae)) {
                addrs[na++] = addr_dup(a, tolist + as, ae - as);
                tpos = ae;
            }
        }
        if (na == 0) {
            addrs[na++] = "";
        }
        for (size_t k = 0; k < na; k++) {
            if (!addrs[k] || (addrs[k][0] && find_rcpt(b, addrs[k]))) {
                continue;
            }
            rcpt *r = add_rcpt(b);
            if (!r) {
                break;
            }
            r->addr = addrs[k];
            r->ftype = ftype;
            r->reason = R_FEEDBACK;
            r->action = "";
            r->rmta = srcip;
            r->diag = fdiag;
            set_decided(r, "arf", "");
        }
        if (b->n == 0) {
            return DELIVER_E_NOMEM;
        }
        b->kind = DELIVER_BOUNCE_FEEDBACK;
        b->family = dlv_family_find("ARF");
        return DELIVER_OK;
    }

    /* ---- Amazon SES JSON notifications ---- */
    {
        const dlv_part *jp = &m->parts[m->count > 1 ? 1 : 0];
        const dlv_part *p0 = &m->parts[0];
        const dlv_part *cand = strcmp(p0->type, "text/plain") == 0 ? p0 : jp;
        if (part_ready(b, cand) < 0) {
            return DELIVER_E_NOMEM;
        }
        if (cand->data && cand->data_len > 0 && cand->data_len < 262144 &&
            memchr(cand->data, '{', cand->data_len > 4096 ? 4096 : cand->data_len) &&
            ifind(cand->data, cand->data_len > 4096 ? 4096 : cand->data_len,
                  "notificationtype") >= 0) {
            size_t before = b->n;
            if (parse_ses_json(b, cand->data, cand->data_len) > 0) {
                b->family = dlv_family_find("AmazonSES");
                for (size_t i = before; i < b->n; i++) {
                    rcpt *r = &b->r[i];
                    if (r->reason != R_FEEDBACK) {
                        decide(b, r, NULL, 0);
                        set_hard(r);
                    }
                }
                return DELIVER_OK;
            }
        }
    }

    /* ---- the human-readable error text ---- */
    const dlv_part *tp = NULL;
    for (size_t i = 0; i < m->count && !tp; i++) {
        const dlv_part *p = &m->parts[i];
        if (!p->in_message && strncmp(p->type, "text/", 5) == 0 &&
            strcmp(p->type, "text/rfc822-headers") != 0 && strcmp(p->type, "text/html") != 0) {
            tp = p;
        }
    }
    if (!tp) {
        tp = first_part(m, "text/html");
    }
    if (!tp && m->count == 1 && strncmp(m->parts[0].type, "multipart/", 10) == 0) {
        tp = &m->parts[0]; /* a multipart whose delimiters are gone: its body is the text */
    }
    if (part_ready(b, tp) < 0) {
        return DELIVER_E_NOMEM;
    }
    const char *text = tp ? tp->data : NULL;
    size_t text_len = tp ? tp->data_len : 0;
    if (tp && strcmp(tp->type, "text/html") == 0) {
        /* what a reader of the report sees: the markup (most of an HTML report, often
         * nearly all of it in style attributes) is not text */
        char *t = html_text(a, text, text_len, &text_len);
        if (!t) {
            return DELIVER_E_NOMEM;
        }
        text = t;
    }
    scan tsc;
    run_scan(&b->ac_text, text, text_len, &tsc, 1);
    size_t cut = tsc.end_at < text_len ? tsc.end_at : text_len;
    const char *after = text ? text + cut : NULL;
    size_t after_len = text_len - cut;

    /* ---- family ---- */
    scan hsc;
    char *hbuf = NULL;
    {
        /* sender, subject and a few header names mark some families: "sender\nsubject\n"
         * and each X- field (its first 200 octets) and "\n", measured, then written once */
        size_t fl = from ? strlen(from) : 0, sl = subject ? strlen(subject) : 0;
        size_t need = fl + sl + 2;
        for (size_t i = 0; i < top->count && i < 64; i++) {
            const dlv_field *f = &top->fields[i];
            if (f->name_len > 2 && lc((unsigned char)f->name[0]) == 'x' && f->name[1] == '-') {
                need += (f->raw_len > 200 ? 200 : f->raw_len) + 1;
            }
        }
        hbuf = dlv_arena_alloc_raw(a, need + 1);
        if (!hbuf) {
            return DELIVER_E_NOMEM;
        }
        char *o = hbuf;
        memcpy(o, from ? from : "", fl);
        o += fl;
        *o++ = '\n';
        memcpy(o, subject ? subject : "", sl);
        o += sl;
        *o++ = '\n';
        for (size_t i = 0; i < top->count && i < 64; i++) {
            const dlv_field *f = &top->fields[i];
            if (f->name_len > 2 && lc((unsigned char)f->name[0]) == 'x' && f->name[1] == '-') {
                size_t k = f->raw_len > 200 ? 200 : f->raw_len;
                memcpy(o, f->raw, k);
                o += k;
                *o++ = '\n';
            }
        }
        *o = '\0';
        run_scan(&b->ac_hdr, hbuf, strlen(hbuf), &hsc, 0);
    }
    b->family = dlv_family_resolve(tsc.family ? tsc.family : hsc.family,
                                   tsc.families | hsc.families);
    b->recv_scope = received_by_scope(b, top);
    for (size_t i = 0; i < hsc.nformat; i++) {
        /* only a family's own header marks count: the subject is free text */
        const dlv_needle *nd = &dlv_bounce_needles[hsc.format[i]];
        if (nd->scope != S_ANY && nd->scope == b->family) {
            b->hdr_reason = (dlv_reason)nd->id;
            break;
        }
    }

    /* ---- DSN ---- */
    char *reporting = NULL;
    size_t found = 0;
    for (size_t i = 0; i < m->count; i++) {
        const dlv_part *p = &m->parts[i];
        if (p->in_message) {
            continue;
        }
        if (strcmp(p->type, "message/delivery-status") == 0 ||
            strcmp(p->type, "message/global-delivery-status") == 0) {
            if (part_ready(b, p) < 0) {
                return DELIVER_E_NOMEM;
            }
            found += parse_dsn(b, p->data, p->data_len, &reporting);
        }
    }
    if (!found && (hsc.bounce || tsc.family)) {
        /* a bounce that only forwards another one (a message/rfc822 holding the report):
         * the inner report's recipients */
        for (size_t i = 0; i < m->count; i++) {
            const dlv_part *p = &m->parts[i];
            if (p->in_message && (strcmp(p->type, "message/delivery-status") == 0 ||
                                  strcmp(p->type, "message/global-delivery-status") == 0)) {
                if (part_ready(b, p) < 0) {
                    return DELIVER_E_NOMEM;
                }
                found += parse_dsn(b, p->data, p->data_len, &reporting);
                break;
            }
        }
    }
    if (!found && text && text_len > 20) {
        /* delivery-status fields in the text itself (a report whose MIME structure is
         * lost): from the first Reporting-MTA or Final-Recipient line */
        long at = line_find(text, text_len, "reporting-mta:");
        if (at < 0) {
            at = line_find(text, text_len, "final-recipient:");
        }
        if (at >= 0 && line_find(text + at, text_len - (size_t)at, "final-recipient:") >= 0) {
            found += parse_dsn(b, text + at + 1, text_len - (size_t)at - 1, &reporting);
            if (found && tsc.end_at > (size_t)at) {
                cut = (size_t)at; /* the fields end the human-readable part */
            }
        }
    }
    if (found && !b->family) {
        b->family = dlv_family_find("RFC3464");
    }

    /* ---- recipients from the text ---- */
    char *sender = NULL;
    dlv_header oh;
    int have_oh = original_headers(b, after, after_len, &oh);
    if (have_oh) {
        sender = header_addr(a, &oh, "from");
    }
    size_t dsn_n = b->n;
    int bounce_sign = hsc.bounce || tsc.family || found ||
                      dlv_header_find(top, "x-failed-recipients", 0) != NULL;
    const dlv_field *asub = dlv_header_find(top, "auto-submitted", 0);
    char *asv = asub ? dlv_field_unfold(a, asub, NULL) : NULL;
    int autoreply = (asv && ifind(asv, strlen(asv), "auto-replied") >= 0) ||
                    dlv_header_find(top, "x-autoreply", 0) || dlv_header_find(top, "x-autorespond", 0);
    if (!found && autoreply && !tsc.family &&
        !dlv_header_find(top, "x-failed-recipients", 0)) {
        bounce_sign = 0;
    }
    if (!found && text && bounce_sign) {
        parse_text(b, text, cut, sender);
        if (b->n == 0 && sender) {
            /* the only address the report names is the sender's: a message to oneself */
            parse_text(b, text, cut, NULL);
        }
        /* X-Failed-Recipients names the failed address; text recipients that it does not
         * list are someone else (a greeting to the sender, an alias) */
        char *xfr = b->n == 1 ? header_addr(a, top, "x-failed-recipients") : NULL;
        char *bto = xfr ? header_addr(a, top, "to") : NULL;
        if (xfr && bto && !find_rcpt(b, xfr) && addr_eq(b->r[0].addr, bto)) {
            b->n = 0;
            rcpt *r = add_rcpt(b);
            if (!r) {
                return DELIVER_E_NOMEM;
            }
            r->addr = xfr;
            r->diag = fold(a, text, cut, MAX_DIAG);
        }
    } else if (found && text) {
        /* give DSN recipients without a diagnostic the text's */
        size_t before = b->n;
        parse_text(b, text, cut, sender);
        for (size_t i = before; i < b->n; i++) {
            rcpt *tr = &b->r[i];
            rcpt *dr = find_rcpt(b, tr->addr);
            if (!dr || dr == tr) {
                /* a lone DSN recipient without a usable address ("@host"): the text's */
                if (before == 1 && b->n == 2 && b->r[0].addr &&
                    (b->r[0].addr[0] == '@' || !strchr(b->r[0].addr, '@'))) {
                    dr = &b->r[0];
                    dr->addr = tr->addr;
                } else {
                    continue;
                }
            }
            dr->tdiag = tr->diag;
            if (!dr->diag || !dr->diag[0]) {
                dr->diag = tr->diag;
            }
        }
        b->n = before;
    }
    if (!found && b->n == 0 && bounce_sign) {
        /* no address in the text: X-Failed-Recipients, or the returned message's To: */
        char *to = header_addr(a, top, "x-failed-recipients");
        int guessed = 0;
        if (!to && have_oh) {
            to = header_addr(a, &oh, "to");
            guessed = 1;
        }
        if (to && text) {
            rcpt *r = add_rcpt(b);
            if (!r) {
                return DELIVER_E_NOMEM;
            }
            r->addr = to;
            r->guessed = guessed;
            r->diag = fold(a, text, cut, MAX_DIAG);
        }
    }
    (void)dsn_n;

    /* ---- one-click unsubscribe requests a mail client sends in a header (Apple Mail):
     *      a feedback report of type opt-out from the sender ---- */
    static const struct {
        const char *name, *value, *type;
    } optout_headers[] = {
        {"x-apple-unsubscribe", "true", "opt-out"},
    };
    for (size_t k = 0; b->n == 0 && k < sizeof(optout_headers) / sizeof(optout_headers[0]);
         k++) {
        const dlv_field *of = dlv_header_find(top, optout_headers[k].name, 0);
        char *ov = of ? dlv_field_unfold(a, of, NULL) : NULL;
        char *fa = ov ? header_addr(a, top, "from") : NULL;
        if (fa && ifind(ov, strlen(ov), optout_headers[k].value) == 0 &&
            strlen(ov) == strlen(optout_headers[k].value)) {
            rcpt *r = add_rcpt(b);
            if (!r) {
                return DELIVER_E_NOMEM;
            }
            r->addr = fa;
            r->ftype = (char *)optout_headers[k].type;
            r->reason = R_FEEDBACK;
            r->action = "";
            r->diag = text ? fold(a, text, cut, MAX_DIAG) : NULL;
            set_decided(r, "header:", optout_headers[k].name);
            b->kind = DELIVER_BOUNCE_FEEDBACK;
            b->family = dlv_family_find("ARF");
            return DELIVER_OK;
        }
    }

    /* ---- auto-replies (RFC 3834) ---- */
    if (b->n == 0) {
        int vac = autoreply || hsc.vacation;
        const dlv_field *prec = dlv_header_find(top, "precedence", 0);
        if (prec && ifind(prec->value, prec->value_len, "auto_reply") >= 0) {
            vac = 1;
        }
        if (vac && !hsc.bounce) {
            rcpt *r = add_rcpt(b);
            if (!r) {
                return DELIVER_E_NOMEM;
            }
            char *fa = header_addr(a, top, "from");
            r->addr = fa ? fa : (char *)"";
            r->reason = R_VACATION;
            r->action = "";
            r->diag = text ? fold(a, text, cut, MAX_DIAG) : NULL;
            set_decided(r, "rfc3834", "");
            b->kind = DELIVER_BOUNCE_VACATION;
            b->family = dlv_family_find("RFC3834");
            return DELIVER_OK;
        }
        return DELIVER_OK;
    }

    /* ---- decide every recipient ---- */
    int all_delivered = 1;
    for (size_t i = 0; i < b->n; i++) {
        rcpt *r = &b->r[i];
        if (!r->rmta) {
            r->rmta = NULL;
        }
        decide(b, r, text, cut);
        set_hard(r);
        if (r->reason != R_DELIVERED) {
            all_delivered = 0;
        }
    }
    b->kind = all_delivered ? DELIVER_BOUNCE_DELIVERED : DELIVER_BOUNCE_FAILURE;
    (void)reporting;
    return DELIVER_OK;
}

/* The start of the next message of an mbox: a "From " line followed by a header line; NULL
 * when none. */
static const char *mbox_next(const char *s, size_t n)
{
    const char *p = s;
    /* bounded: p moves forward on every round */
    while ((p = mem_find(p + 1, n - (size_t)(p + 1 - s), "\nFrom ")) != NULL) {
        const char *l = p + 1;
        const char *eol = memchr(l, '\n', n - (size_t)(l - s));
        if (!eol) {
            return NULL;
        }
        size_t hn = n - (size_t)(eol + 1 - s);
        if (hn > 0 && header_like(eol + 1, hn < 80 ? hn : 80)) {
            return l;
        }
        if ((size_t)(p + 1 - s) >= n) {
            return NULL;
        }
    }
    return NULL;
}

/* ---- public API ---- */

size_t deliver_bounce_limit(deliver_bounce_limit_id which)
{
    switch (which) {
    case DELIVER_BOUNCE_LIMIT_INPUT:
        return DELIVER_BOUNCE_MAX_INPUT;
    case DELIVER_BOUNCE_LIMIT_MIME_DEPTH:
        return DLV_MSG_MAX_DEPTH;
    case DELIVER_BOUNCE_LIMIT_MIME_PARTS:
        return DLV_MSG_MAX_PARTS;
    case DELIVER_BOUNCE_LIMIT_HEADER_FIELDS:
        return DLV_MSG_MAX_FIELDS;
    case DELIVER_BOUNCE_LIMIT_RECIPIENTS:
        return MAX_RECIPIENTS;
    }
    return 0;
}

deliver_status deliver_bounce_new(deliver_bounce **out, deliver_ctx *ctx)
{
    if (!out) {
        return DELIVER_E_INVALID;
    }
    *out = NULL;
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    deliver_bounce *b = dlv_calloc(ctx, 1, sizeof(*b));
    if (!b) {
        return DELIVER_E_NOMEM;
    }
    b->ctx = dlv_ctx_ref(ctx);
    dlv_arena_init(&b->arena, ctx);
    dlv_mime_init(&b->mime, ctx);
    b->mime.lenient = 1;     /* anonymised and hand-made bounces break their multiparts */
    b->mime.skip_decode = 1; /* the returned message's encoded bodies are never read */
    b->mime.lf_only = 1;     /* normalize() leaves LF line ends only */
    b->mime.lazy_decode = 1; /* only the parts read are decoded: see part_ready() */
    dlv_findings_init(&b->findings, ctx);
    prefix_map(b->prefix_at);
    deliver_status st = build_automata(b);
    if (st < 0) {
        free_automata(b);
        dlv_ctx_unref(ctx);
        dlv_free(ctx, b);
        return st; /* E_NOMEM, or E_LIMIT when the tables outgrow the automaton */
    }
    *out = b;
    return DELIVER_OK;
}

void deliver_bounce_free(deliver_bounce *b)
{
    if (!b) {
        return;
    }
    deliver_ctx *ctx = b->ctx;
    dlv_arena_clear(&b->arena);
    dlv_mime_free(&b->mime);
    dlv_findings_clear(&b->findings);
    free_automata(b);
    dlv_free(ctx, b->r);
    dlv_free(ctx, b->norm);
    dlv_free(ctx, b);
    dlv_ctx_unref(ctx);
}

const char *deliver_bounce_errmsg(const deliver_bounce *b)
{
    return b ? b->err.text : "";
}

deliver_status deliver_bounce_parse(deliver_bounce *b, const uint8_t *buf, size_t len)
{
    if (!b || (!buf && len > 0)) {
        return b ? dlv_err(&b->err, DELIVER_E_INVALID, "NULL buffer") : DELIVER_E_INVALID;
    }
    reset(b);
    if (len > DELIVER_BOUNCE_MAX_INPUT) {
        return dlv_err(&b->err, DELIVER_E_LIMIT, "message of %zu octets is over the limit of %u",
                       len, DELIVER_BOUNCE_MAX_INPUT);
    }
    size_t n = 0;
    char *msg = normalize(b, buf ? buf : (const uint8_t *)"", len, &n);
    if (!msg) {
        return dlv_err(&b->err, DELIVER_E_NOMEM, "out of memory");
    }
    /* an mbox of several bounces ("From " lines): each message in turn, up to MAX_MBOX */
    size_t mlen = n;
    const char *next = NULL;
    if (n > 5 && memcmp(msg, "From ", 5) == 0) {
        next = mbox_next(msg, n);
        mlen = next ? (size_t)(next - msg) : n;
    }
    deliver_status st = classify(b, msg, mlen);
    for (int k = 1; st >= 0 && next && k < MAX_MBOX && b->n > 0; k++) {
        int family = b->family;
        deliver_bounce_kind kind = b->kind;
        size_t rest = n - (size_t)(next - msg);
        const char *after = mbox_next(next, rest);
        st = classify(b, next, after ? (size_t)(after - next) : rest);
        b->family = family;
        b->kind = kind;
        next = after;
    }
    if (st < 0) {
        b->n = 0;
        b->kind = DELIVER_BOUNCE_NONE;
        return dlv_err(&b->err, st, "out of memory");
    }
    for (size_t i = 0; i < b->n; i++) {
        if (!b->r[i].addr) {
            b->r[i].addr = "";
        }
    }
    return DELIVER_OK;
}

deliver_status deliver_bounce_parse_reply(deliver_bounce *b, const char *text, size_t len)
{
    if (!b || !text) {
        return b ? dlv_err(&b->err, DELIVER_E_INVALID, "NULL text") : DELIVER_E_INVALID;
    }
    reset(b);
    if (len > MAX_REPLY) {
        return dlv_err(&b->err, DELIVER_E_LIMIT, "reply over %d octets", MAX_REPLY);
    }
    dlv_arena *a = &b->arena;
    /* join multi-line replies: drop the "550-" / "550 " prefixes of continuation lines */
    dlv_buf j;
    dlv_buf_init(&j, b->ctx);
    size_t pos = 0;
    const char *l;
    size_t ln;
    int first = 1;
    while (dlv_msg_line(text, len, &pos, &l, &ln)) {
        if (!first && ln >= 4 && is_digit((unsigned char)l[0]) && is_digit((unsigned char)l[1]) &&
            is_digit((unsigned char)l[2]) && (l[3] == '-' || l[3] == ' ')) {
            l += 4;
            ln -= 4;
            /* and a repeated enhanced code */
            char st[16];
            if (find_status(l, ln < 12 ? ln : 12, st) && strncmp(l, st, strlen(st)) == 0) {
                l += strlen(st);
                ln -= strlen(st);
            }
        }
        if (!first) {
            dlv_buf_putc(&j, ' ');
        }
        dlv_buf_append(&j, l, ln);
        first = 0;
    }
    if (j.failed) {
        dlv_buf_free(&j);
        return dlv_err(&b->err, DELIVER_E_NOMEM, "out of memory");
    }
    char *d = fold(a, j.data ? j.data : "", j.len, MAX_REPLY);
    dlv_buf_free(&j);
    rcpt *r = d ? add_rcpt(b) : NULL;
    if (!r) {
        b->n = 0;
        return dlv_err(&b->err, DELIVER_E_NOMEM, "out of memory");
    }
    size_t dn = strlen(d);
    r->diag = d;
    r->action = "";
    size_t as, ae;
    r->addr = find_addr(d, dn, 0, &as, &ae) ? addr_dup(a, d + as, ae - as) : NULL;
    if (!r->addr) {
        r->addr = "";
    }
    r->reply = find_reply(d, dn, 1);
    find_status(d, dn, r->status);
    if (r->reply >= 200 && r->reply < 300 && r->status[0] != '4' && r->status[0] != '5') {
        r->reason = R_DELIVERED;
        r->action = "delivered";
        snprintf(r->decided, sizeof(r->decided), "reply:%d", r->reply);
        b->kind = DELIVER_BOUNCE_DELIVERED;
        return DELIVER_OK;
    }
    if (r->reply == 0 && !r->status[0]) {
        b->n = 0;
        return DELIVER_OK;
    }
    r->action = "failed";
    decide(b, r, NULL, 0);
    set_hard(r);
    b->kind = DELIVER_BOUNCE_FAILURE;
    return DELIVER_OK;
}

deliver_bounce_kind deliver_bounce_get_kind(const deliver_bounce *b)
{
    return b ? b->kind : DELIVER_BOUNCE_NONE;
}

const char *deliver_bounce_get_mta(const deliver_bounce *b)
{
    if (!b || b->family <= 0 || (size_t)b->family >= dlv_family_count) {
        return "";
    }
    return dlv_family_names[b->family];
}

size_t deliver_bounce_recipient_count(const deliver_bounce *b)
{
    return b ? b->n : 0;
}

static const rcpt *get(const deliver_bounce *b, size_t i)
{
    return b && i < b->n ? &b->r[i] : NULL;
}

const char *deliver_bounce_get_recipient(const deliver_bounce *b, size_t i)
{
    const rcpt *r = get(b, i);
    return r ? r->addr : NULL;
}

const char *deliver_bounce_get_reason(const deliver_bounce *b, size_t i)
{
    const rcpt *r = get(b, i);
    return r ? dlv_reason_name(r->reason) : NULL;
}

int deliver_bounce_is_hard(const deliver_bounce *b, size_t i)
{
    const rcpt *r = get(b, i);
    return r ? r->hard : 0;
}

const char *deliver_bounce_get_action(const deliver_bounce *b, size_t i)
{
    const rcpt *r = get(b, i);
    return r ? (r->action ? r->action : "") : NULL;
}

const char *deliver_bounce_get_status(const deliver_bounce *b, size_t i)
{
    const rcpt *r = get(b, i);
    return r ? r->status : NULL;
}

int deliver_bounce_get_reply_code(const deliver_bounce *b, size_t i)
{
    const rcpt *r = get(b, i);
    return r ? r->reply : 0;
}

const char *deliver_bounce_get_diagnostic(const deliver_bounce *b, size_t i)
{
    const rcpt *r = get(b, i);
    return r ? (r->diag ? r->diag : "") : NULL;
}

const char *deliver_bounce_get_remote_mta(const deliver_bounce *b, size_t i)
{
    const rcpt *r = get(b, i);
    return r ? (r->rmta ? r->rmta : "") : NULL;
}

const char *deliver_bounce_get_command(const deliver_bounce *b, size_t i)
{
    const rcpt *r = get(b, i);
    return r ? (r->command ? r->command : "") : NULL;
}

const char *deliver_bounce_get_feedback_type(const deliver_bounce *b, size_t i)
{
    const rcpt *r = get(b, i);
    return r ? (r->ftype ? r->ftype : "") : NULL;
}

const char *deliver_bounce_get_decided_by(const deliver_bounce *b, size_t i)
{
    const rcpt *r = get(b, i);
    return r ? r->decided : NULL;
}

/* The two readers of the findings make them on first use: a handle is used by one thread at
 * a time, so the const reader may fill in what the last parse left to be derived. */
size_t deliver_bounce_finding_count(const deliver_bounce *b)
{
    if (!b) {
        return 0;
    }
    add_findings((deliver_bounce *)b);
    return b->findings.count;
}

const deliver_finding *deliver_bounce_get_finding(const deliver_bounce *b, size_t i)
{
    if (!b) {
        return NULL;
    }
    add_findings((deliver_bounce *)b);
    return dlv_findings_get(&b->findings, i);
}

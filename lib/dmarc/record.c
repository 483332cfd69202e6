/*
 * DMARC policy records (RFC 7489 sections 6.3/6.4, RFC 9989 sections 4.7/4.8): a tag-list
 * parser on (buf, len), defaults, the "act as if p=none" rule, report URI lists with size
 * suffixes, and findings about what hurts deliverability or visibility.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dmarc/dmarc_int.h"

#include <stdio.h>
#include <string.h>

static int is_wsp(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_alpha(uint8_t c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

/* Case-insensitive comparison of buf[0..len) with a lower-case keyword. */
static int kw(const uint8_t *buf, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (n != len) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (lower(buf[i]) != (uint8_t)word[i]) {
            return 0;
        }
    }
    return 1;
}

static void trim(const uint8_t *buf, size_t *s, size_t *e)
{
    while (*s < *e && is_wsp(buf[*s])) {
        (*s)++;
    }
    while (*e > *s && is_wsp(buf[*e - 1])) {
        (*e)--;
    }
}

deliver_dmarc_policy dlv_dmarc_lower(deliver_dmarc_policy p)
{
    return p == DELIVER_DMARC_POLICY_REJECT       ? DELIVER_DMARC_POLICY_QUARANTINE
           : p == DELIVER_DMARC_POLICY_QUARANTINE ? DELIVER_DMARC_POLICY_NONE
                                                  : p;
}

const char *deliver_dmarc_policy_name(deliver_dmarc_policy p)
{
    switch (p) {
    case DELIVER_DMARC_POLICY_NONE: return "none";
    case DELIVER_DMARC_POLICY_QUARANTINE: return "quarantine";
    case DELIVER_DMARC_POLICY_REJECT: return "reject";
    default: return "";
    }
}

const char *deliver_dmarc_record_error_name(deliver_dmarc_record_error e)
{
    static const char *const names[] = {"ok", "empty", "not_dmarc", "no_policy", "duplicate_tag",
                                        "multiple_records", "none"};
    return (unsigned)e < DLV_ARRAY_LEN(names) ? names[e] : "unknown";
}

int dlv_dmarc_is_dmarc(const uint8_t *buf, size_t len)
{
    size_t i = 0;
    if (!buf || len < 8 || lower(buf[0]) != 'v') {
        return 0;
    }
    i = 1;
    while (i < len && is_wsp(buf[i])) {
        i++;
    }
    if (i >= len || buf[i] != '=') {
        return 0;
    }
    i++;
    while (i < len && is_wsp(buf[i])) {
        i++;
    }
    if (len - i < 6 || memcmp(buf + i, "DMARC1", 6) != 0) {
        return 0;
    }
    i += 6;
    while (i < len && is_wsp(buf[i])) {
        i++;
    }
    return i == len || buf[i] == ';';
}

void dlv_dmarc_record_init(deliver_dmarc_record *rec, deliver_ctx *ctx)
{
    memset(rec, 0, sizeof *rec);
    rec->ctx = ctx;
    rec->mode = DELIVER_DMARC_RFC9989;
    dlv_arena_init(&rec->arena, ctx);
    dlv_findings_init(&rec->findings, ctx);
}

void dlv_dmarc_record_clear(deliver_dmarc_record *rec)
{
    dlv_arena_clear(&rec->arena);
    dlv_findings_clear(&rec->findings);
    rec->error = DELIVER_DMARC_RECORD_OK;
    rec->error_off = 0;
    rec->ndmarc = 0;
    rec->fallback = 0;
    rec->given = 0;
    rec->p = rec->sp = rec->np = DELIVER_DMARC_POLICY_UNSET;
    rec->adkim = rec->aspf = DELIVER_DMARC_ALIGN_RELAXED;
    memcpy(rec->fo, "0", 2);
    rec->pct = 100;
    rec->ri = 86400;
    rec->psd = DELIVER_DMARC_PSD_UNSPECIFIED;
    rec->t = 0;
    rec->nrua = rec->nruf = 0;
    rec->nignored = rec->ninvalid = rec->nbaduri = 0;
}

/* ---- values ---- */

static deliver_dmarc_policy policy_kw(const uint8_t *v, size_t n)
{
    return kw(v, n, "none")         ? DELIVER_DMARC_POLICY_NONE
           : kw(v, n, "quarantine") ? DELIVER_DMARC_POLICY_QUARANTINE
           : kw(v, n, "reject")     ? DELIVER_DMARC_POLICY_REJECT
                                    : DELIVER_DMARC_POLICY_UNSET;
}

static int parse_uint(const uint8_t *v, size_t n, size_t maxdigits, uint64_t *out)
{
    uint64_t x = 0;
    if (n == 0 || n > maxdigits) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(v[i])) {
            return -1;
        }
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return 0;
}

/* fo: 1*("0" / "1" / "d" / "s") separated by ":" (WSP allowed around). */
static int parse_fo(deliver_dmarc_record *rec, const uint8_t *v, size_t n)
{
    char out[16];
    size_t o = 0;
    int has0 = 0, has1 = 0;
    size_t s = 0;
    for (;;) { /* bounded: each turn consumes at least one octet or ends */
        size_t e = s;
        while (e < n && v[e] != ':') {
            e++;
        }
        size_t a = s, b = e;
        trim(v, &a, &b);
        if (b - a != 1) {
            return -1;
        }
        uint8_t c = lower(v[a]);
        if (c != '0' && c != '1' && c != 'd' && c != 's') {
            return -1;
        }
        has0 |= c == '0';
        has1 |= c == '1';
        if (o + 2 < sizeof out) {
            if (o) {
                out[o++] = ':';
            }
            out[o++] = (char)c;
        }
        if (e >= n) {
            break;
        }
        s = e + 1;
    }
    if (rec->mode == DELIVER_DMARC_RFC9989 && has0 && has1) {
        return -1; /* 0 and 1 are mutually exclusive */
    }
    out[o] = 0;
    memcpy(rec->fo, out, o + 1);
    return 0;
}

static int parse_rf(const uint8_t *v, size_t n)
{
    size_t s = 0;
    for (;;) {
        size_t e = s;
        while (e < n && v[e] != ':') {
            e++;
        }
        size_t a = s, b = e;
        trim(v, &a, &b);
        if (!kw(v + a, b - a, "afrf")) {
            return -1;
        }
        if (e >= n) {
            return 0;
        }
        s = e + 1;
    }
}

static int uri_char(uint8_t c)
{
    if (c <= 0x20 || c >= 0x7f) {
        return 0;
    }
    switch (c) {
    case '"': case '<': case '>': case '\\': case '^': case '`': case '{': case '|': case '}':
    case '!': /* RFC 7489 6.4: "!" and "," inside a URI must be %-encoded */
        return 0;
    default:
        return 1;
    }
}

/* One URI of a list: 0 valid (fills u), -1 invalid. */
static int parse_uri(deliver_dmarc_record *rec, const uint8_t *v, size_t n, dlv_dmarc_uri *u)
{
    memset(u, 0, sizeof *u);
    size_t end = n;
    for (size_t i = n; i > 0; i--) {
        if (v[i - 1] == '!') {
            end = i - 1;
            break;
        }
    }
    if (end < n) {
        size_t a = end + 1, d = a;
        while (d < n && is_digit(v[d])) {
            d++;
        }
        uint64_t num;
        if (parse_uint(v + a, d - a, 15, &num) < 0) {
            return -1;
        }
        unsigned shift = 0;
        if (d < n) {
            if (d + 1 != n) {
                return -1;
            }
            switch (lower(v[d])) {
            case 'k': shift = 10; break;
            case 'm': shift = 20; break;
            case 'g': shift = 30; break;
            case 't': shift = 40; break;
            default: return -1;
            }
        }
        if (num > (UINT64_MAX >> shift)) {
            return -1;
        }
        if (rec->mode == DELIVER_DMARC_RFC7489) {
            u->max_bytes = num << shift;
        } else {
            u->obsolete_size = 1;
        }
    }
    /* scheme ":" hier-part (RFC 3986), characters a URI may hold */
    size_t i = 0;
    if (end == 0 || !is_alpha(v[0])) {
        return -1;
    }
    while (i < end && (is_alpha(v[i]) || is_digit(v[i]) || v[i] == '+' || v[i] == '-' ||
                       v[i] == '.')) {
        i++;
    }
    if (i >= end || v[i] != ':' || i + 1 >= end) {
        return -1;
    }
    for (size_t k = i + 1; k < end; k++) {
        if (!uri_char(v[k])) {
            return -1;
        }
    }
    size_t hs = 0, he = 0;
    if (kw(v, i, "mailto")) {
        size_t at = 0;
        size_t q = i + 1;
        while (q < end && v[q] != '?') {
            if (v[q] == '@') {
                at = q;
            }
            q++;
        }
        if (!at || at == i + 1 || at + 1 >= q) {
            return -1;
        }
        hs = at + 1;
        he = q;
    } else if (end - (i + 1) > 2 && v[i + 1] == '/' && v[i + 2] == '/') {
        hs = i + 3;
        he = hs;
        while (he < end && !strchr("/:?#", v[he])) {
            he++;
        }
        for (size_t k = hs; k < he; k++) {
            if (v[k] == '@') {
                hs = k + 1;
            }
        }
    }
    u->uri = dlv_arena_strndup(&rec->arena, (const char *)v, end);
    if (!u->uri) {
        return -2;
    }
    if (he > hs) {
        u->host = dlv_arena_strndup(&rec->arena, (const char *)v + hs, he - hs);
        if (!u->host) {
            return -2;
        }
        for (char *p = u->host; *p; p++) {
            *p = (char)lower((uint8_t)*p);
        }
        if (he - hs > 1 && u->host[he - hs - 1] == '.') {
            u->host[he - hs - 1] = 0;
        }
    }
    return 0;
}

static int note(deliver_dmarc_record *rec, const char **list, size_t *n, const uint8_t *v,
                size_t len, int lowercase)
{
    if (*n >= DLV_DMARC_MAX_LIST) {
        return 0;
    }
    char *s = dlv_arena_strndup(&rec->arena, (const char *)v, len);
    if (!s) {
        return -1;
    }
    if (lowercase) {
        for (char *p = s; *p; p++) {
            *p = (char)lower((uint8_t)*p);
        }
    }
    list[(*n)++] = s;
    return 0;
}

static int parse_uris(deliver_dmarc_record *rec, const uint8_t *v, size_t n, dlv_dmarc_uri *out,
                      size_t *count, size_t off)
{
    size_t s = 0;
    (void)off;
    for (;;) { /* bounded by n: each turn moves past one comma or ends */
        size_t e = s;
        while (e < n && v[e] != ',') {
            e++;
        }
        size_t a = s, b = e;
        trim(v, &a, &b);
        dlv_dmarc_uri u;
        int r = parse_uri(rec, v + a, b - a, &u);
        if (r == -2) {
            return -1;
        }
        if (r < 0) {
            if (note(rec, rec->baduri, &rec->nbaduri, v + a, b - a, 0) < 0) {
                return -1;
            }
        } else if (*count < DLV_DMARC_MAX_URIS) {
            out[(*count)++] = u;
        }
        if (e >= n) {
            return 0;
        }
        s = e + 1;
    }
}

/* ---- findings ---- */

#define ADD(id, sev, loc, hint, ...)                                                           \
    do {                                                                                       \
        if (dlv_findings_add(&rec->findings, id, sev, loc, hint, __VA_ARGS__) < 0) {          \
            return DELIVER_E_NOMEM;                                                            \
        }                                                                                      \
    } while (0)

static deliver_status not_dmarc_findings(deliver_dmarc_record *rec, const uint8_t *buf,
                                         size_t len)
{
    if (len && is_wsp(buf[0])) {
        ADD("dmarc.leading_whitespace", DELIVER_SEVERITY_ERROR, "offset 0",
            "remove the white space before v=DMARC1",
            "the record starts with white space: receivers that follow the RFC ignore it");
        return DELIVER_OK;
    }
    /* v=dmarc1 and friends */
    size_t i = 0;
    while (i < len && i < 64 && buf[i] != ';') {
        i++;
    }
    int ci = 0;
    const char *pat = "v=dmarc1";
    size_t k = 0;
    for (size_t j = 0; j < i && k < 8; j++) {
        if (is_wsp(buf[j])) {
            continue;
        }
        if (lower(buf[j]) != (uint8_t)pat[k]) {
            break;
        }
        k++;
    }
    ci = k == 8;
    if (ci) {
        ADD("dmarc.version_case", DELIVER_SEVERITY_ERROR, "offset 0",
            "write the version exactly as v=DMARC1",
            "the version is not exactly \"DMARC1\" (it is case-sensitive): some receivers accept "
            "it, the others ignore the record");
        return DELIVER_OK;
    }
    /* is a v=DMARC1 further in? */
    for (size_t j = 0; j + 6 <= len; j++) {
        if (memcmp(buf + j, "DMARC1", 6) == 0) {
            char loc[32];
            snprintf(loc, sizeof loc, "offset %zu", j);
            ADD("dmarc.version_not_first", DELIVER_SEVERITY_ERROR, loc,
                "put v=DMARC1 first in the record",
                "v=DMARC1 is not the first tag: receivers that follow the RFC ignore the record");
            return DELIVER_OK;
        }
    }
    return DELIVER_OK;
}

static int weaker(deliver_dmarc_policy a, deliver_dmarc_policy b)
{
    return a != DELIVER_DMARC_POLICY_UNSET && b != DELIVER_DMARC_POLICY_UNSET && a < b;
}

static int within(const char *name, const char *parent)
{
    return dlv_domain_is_within(name, parent);
}

static deliver_status record_findings(deliver_dmarc_record *rec)
{
    char loc[64];
    for (size_t i = 0; i < rec->nignored; i++) {
        const char *t = rec->ignored[i];
        int obsolete = rec->mode == DELIVER_DMARC_RFC9989 &&
                       (!strcmp(t, "pct") || !strcmp(t, "rf") || !strcmp(t, "ri"));
        if (obsolete) {
            ADD("dmarc.obsolete_tag", DELIVER_SEVERITY_INFO, t,
                !strcmp(t, "pct") ? "use t=y to test a policy instead of pct" : "remove it",
                "%s is no longer a DMARC tag (RFC 9989) and is ignored", t);
        } else {
            ADD("dmarc.unknown_tag", DELIVER_SEVERITY_INFO, t, "check the tag's spelling",
                "unknown or malformed tag \"%s\" is ignored", t);
        }
    }
    for (size_t i = 0; i < rec->ninvalid; i++) {
        const char *t = rec->invalid[i];
        ADD("dmarc.invalid_value", DELIVER_SEVERITY_WARNING, t,
            "use one of the values the tag's grammar allows",
            "the value of %s is not valid: receivers use the default (some peers reject the "
            "record or guess)", t);
    }
    for (size_t i = 0; i < rec->nbaduri; i++) {
        ADD("dmarc.invalid_uri", DELIVER_SEVERITY_WARNING, rec->baduri[i],
            "write report addresses as mailto:user@host", "report URI \"%s\" is not valid and "
            "is dropped", rec->baduri[i]);
    }
    if (rec->error == DELIVER_DMARC_RECORD_NO_POLICY) {
        ADD("dmarc.no_policy", DELIVER_SEVERITY_ERROR, NULL,
            "publish p=none, p=quarantine or p=reject",
            "the record has no usable policy and no valid rua: no DMARC processing");
        return DELIVER_OK;
    }
    if (rec->error != DELIVER_DMARC_RECORD_OK) {
        return DELIVER_OK;
    }
    if (rec->fallback) {
        ADD("dmarc.policy_fallback", DELIVER_SEVERITY_WARNING, NULL,
            "publish a valid p= (and sp=/np=)",
            "a policy tag is missing or invalid: receivers act as if p=none");
    }
    if (rec->p == DELIVER_DMARC_POLICY_NONE) {
        if (rec->nrua == 0) {
            ADD("dmarc.policy_none_no_reports", DELIVER_SEVERITY_WARNING, "p",
                "add rua=mailto:... to receive aggregate reports",
                "p=none without rua: the record protects nothing and reports to no one");
        } else {
            ADD("dmarc.policy_none", DELIVER_SEVERITY_INFO, "p",
                "move to p=quarantine, then p=reject, once reports show all mail aligned",
                "p=none: monitoring only, spoofed mail is delivered");
        }
    } else if (rec->nrua == 0) {
        ADD("dmarc.no_rua", DELIVER_SEVERITY_WARNING, "rua",
            "add rua=mailto:... to learn which mail fails",
            "no rua: no aggregate reports, so failing legitimate mail goes unnoticed");
    }
    if (rec->mode == DELIVER_DMARC_RFC7489 && rec->pct < 100) {
        ADD("dmarc.pct_partial", DELIVER_SEVERITY_WARNING, "pct",
            "raise pct to 100 (RFC 9989 drops pct; receivers following it apply the policy to "
            "every message)",
            "pct=%u: the policy applies to only part of failing mail", rec->pct);
    }
    if (weaker(rec->sp, rec->p) && (rec->given & DLV_T_SP)) {
        ADD("dmarc.subdomain_policy_weaker", DELIVER_SEVERITY_WARNING, "sp",
            "set sp to the same policy as p",
            "sp=%s is weaker than p=%s: subdomains can be spoofed", 
            deliver_dmarc_policy_name(rec->sp), deliver_dmarc_policy_name(rec->p));
    }
    if (rec->mode == DELIVER_DMARC_RFC9989 && weaker(rec->np, rec->p) &&
        (rec->given & DLV_T_NP)) {
        ADD("dmarc.nonexistent_policy_weaker", DELIVER_SEVERITY_WARNING, "np",
            "set np=reject: names that do not exist send no mail",
            "np=%s is weaker than p=%s: non-existent subdomains can be spoofed",
            deliver_dmarc_policy_name(rec->np), deliver_dmarc_policy_name(rec->p));
    }
    if (rec->t) {
        ADD("dmarc.test_mode", DELIVER_SEVERITY_INFO, "t",
            "remove t=y once the policy is known to be safe",
            "t=y: receivers apply one policy level below the published one");
    }
    for (int k = 0; k < 2; k++) {
        const dlv_dmarc_uri *u = k ? rec->ruf : rec->rua;
        size_t n = k ? rec->nruf : rec->nrua;
        for (size_t i = 0; i < n; i++) {
            if (u[i].obsolete_size) {
                ADD("dmarc.obsolete_size_suffix", DELIVER_SEVERITY_INFO, u[i].uri,
                    "remove the !size suffix",
                    "the size limit on %s is obsolete (RFC 9989) and ignored", u[i].uri);
            }
            if (rec->domain && u[i].host && !within(u[i].host, rec->domain) &&
                !within(rec->domain, u[i].host)) {
                snprintf(loc, sizeof loc, "%s", k ? "ruf" : "rua");
                ADD("dmarc.external_report_destination", DELIVER_SEVERITY_INFO, u[i].uri,
                    "the destination must publish v=DMARC1 at <domain>._report._dmarc.<host>",
                    "%s reports go to another domain (%s): receivers send them only if it "
                    "authorizes %s", loc, u[i].host, rec->domain);
            }
        }
    }
    return DELIVER_OK;
}

/* ---- the parser ---- */

static const struct {
    const char *name;
    size_t len;
    unsigned bit;
    int modes; /* 1: 7489, 2: 9989 */
} tags[] = {
    {"p", 1, DLV_T_P, 3},         {"sp", 2, DLV_T_SP, 3},     {"np", 2, DLV_T_NP, 2},
    {"adkim", 5, DLV_T_ADKIM, 3}, {"aspf", 4, DLV_T_ASPF, 3}, {"fo", 2, DLV_T_FO, 3},
    {"pct", 3, DLV_T_PCT, 1},     {"rf", 2, DLV_T_RF, 1},     {"ri", 2, DLV_T_RI, 1},
    {"rua", 3, DLV_T_RUA, 3},     {"ruf", 3, DLV_T_RUF, 3},   {"psd", 3, DLV_T_PSD, 2},
    {"t", 1, DLV_T_T, 2},
};

#define MAX_SEEN 64

deliver_status dlv_dmarc_record_parse(deliver_dmarc_record *rec, const uint8_t *buf, size_t len,
                                      int findings)
{
    dlv_dmarc_record_clear(rec);
    rec->ndmarc = 1;
    if (len == 0) {
        rec->ndmarc = 0;
        rec->error = DELIVER_DMARC_RECORD_EMPTY;
        return DELIVER_OK;
    }
    if (len > DLV_DMARC_MAX_RECORD) {
        len = DLV_DMARC_MAX_RECORD;
    }
    if (!dlv_dmarc_is_dmarc(buf, len)) {
        rec->ndmarc = 0;
        rec->error = DELIVER_DMARC_RECORD_NOT_DMARC;
        return findings ? not_dmarc_findings(rec, buf, len) : DELIVER_OK;
    }
    unsigned seen = 0, bad = 0;
    const uint8_t *seen_name[MAX_SEEN];
    size_t seen_len[MAX_SEEN], nseen = 0;
    int first = 1;
    size_t s = 0;
    while (s <= len) { /* bounded: s moves past one ';' per turn */
        size_t e = s;
        while (e < len && buf[e] != ';') {
            e++;
        }
        size_t a = s, b = e;
        trim(buf, &a, &b);
        s = e + 1;
        if (a == b) {
            if (e < len && !first && findings) {
                char loc[32];
                snprintf(loc, sizeof loc, "offset %zu", e);
                /* a ";;" (empty tag-spec): the grammar has none, most parsers skip it */
                size_t k = e;
                while (k > 0 && is_wsp(buf[k - 1])) {
                    k--;
                }
                if (k > 0 && buf[k - 1] == ';') {
                    ADD("dmarc.empty_tag", DELIVER_SEVERITY_INFO, loc, "remove the extra ';'",
                        "an empty tag between two ';' (tolerated, not in the grammar)");
                }
            }
            if (e >= len) {
                break;
            }
            continue;
        }
        size_t n = a;
        if (is_alpha(buf[n])) {
            n++;
            while (n < b && (is_alpha(buf[n]) || is_digit(buf[n]) || buf[n] == '_')) {
                n++;
            }
        }
        size_t q = n;
        while (q < b && is_wsp(buf[q])) {
            q++;
        }
        if (n == a || q >= b || buf[q] != '=') {
            if (note(rec, rec->ignored, &rec->nignored, buf + a, b - a, 0) < 0) {
                return DELIVER_E_NOMEM;
            }
            first = 0;
            if (e >= len) {
                break;
            }
            continue;
        }
        const uint8_t *name = buf + a;
        size_t nlen = n - a;
        size_t va = q + 1, vb = b;
        trim(buf, &va, &vb);
        const uint8_t *v = buf + va;
        size_t vl = vb - va;
        /* duplicates (RFC 6376 section 3.2 tag lists) */
        for (size_t i = 0; i < nseen; i++) {
            if (seen_len[i] == nlen) {
                size_t k = 0;
                while (k < nlen && lower(seen_name[i][k]) == lower(name[k])) {
                    k++;
                }
                if (k == nlen) {
                    dlv_arena_clear(&rec->arena);
                    rec->nignored = rec->ninvalid = rec->nbaduri = rec->nrua = rec->nruf = 0;
                    rec->error = DELIVER_DMARC_RECORD_DUPLICATE_TAG;
                    rec->error_off = a;
                    if (findings) {
                        char loc[32];
                        snprintf(loc, sizeof loc, "offset %zu", a);
                        ADD("dmarc.duplicate_tag", DELIVER_SEVERITY_ERROR, loc,
                            "keep one copy of the tag",
                            "tag \"%.*s\" appears twice: the record is invalid (some peers "
                            "take the last one)", (int)(nlen > 32 ? 32 : nlen), (const char *)name);
                    }
                    return DELIVER_OK;
                }
            }
        }
        if (nseen < MAX_SEEN) {
            seen_name[nseen] = name;
            seen_len[nseen++] = nlen;
        }
        if (first) {
            first = 0;
            continue; /* v=DMARC1, checked above */
        }
        int mbit = rec->mode == DELIVER_DMARC_RFC7489 ? 1 : 2;
        unsigned bit = 0;
        for (size_t i = 0; nlen <= 5 && i < DLV_ARRAY_LEN(tags); i++) {
            if ((tags[i].modes & mbit) && tags[i].len == nlen &&
                lower(name[0]) == (uint8_t)tags[i].name[0] && kw(name, nlen, tags[i].name)) {
                bit = tags[i].bit;
                break;
            }
        }
        if (!bit) {
            if (note(rec, rec->ignored, &rec->nignored, name, nlen, 1) < 0) {
                return DELIVER_E_NOMEM;
            }
            if (e >= len) {
                break;
            }
            continue;
        }
        seen |= bit;
        int ok = 1;
        uint64_t num;
        switch (bit) {
        case DLV_T_P: ok = (rec->p = policy_kw(v, vl)) != DELIVER_DMARC_POLICY_UNSET; break;
        case DLV_T_SP: ok = (rec->sp = policy_kw(v, vl)) != DELIVER_DMARC_POLICY_UNSET; break;
        case DLV_T_NP: ok = (rec->np = policy_kw(v, vl)) != DELIVER_DMARC_POLICY_UNSET; break;
        case DLV_T_ADKIM:
        case DLV_T_ASPF: {
            deliver_dmarc_alignment al = kw(v, vl, "r")   ? DELIVER_DMARC_ALIGN_RELAXED
                                         : kw(v, vl, "s") ? DELIVER_DMARC_ALIGN_STRICT
                                                          : (deliver_dmarc_alignment)0;
            ok = al != 0;
            if (ok) {
                *(bit == DLV_T_ADKIM ? &rec->adkim : &rec->aspf) = al;
            }
            break;
        }
        case DLV_T_FO: ok = parse_fo(rec, v, vl) == 0; break;
        case DLV_T_PCT:
            ok = parse_uint(v, vl, 3, &num) == 0 && num <= 100;
            if (ok) {
                rec->pct = (unsigned)num;
            }
            break;
        case DLV_T_RI:
            ok = parse_uint(v, vl, 10, &num) == 0 && num <= UINT32_MAX;
            if (ok) {
                rec->ri = (uint32_t)num;
            }
            break;
        case DLV_T_RF: ok = parse_rf(v, vl) == 0; break;
        case DLV_T_PSD:
            ok = kw(v, vl, "y") || kw(v, vl, "n") || kw(v, vl, "u");
            if (ok) {
                rec->psd = kw(v, vl, "y")   ? DELIVER_DMARC_PSD_YES
                           : kw(v, vl, "n") ? DELIVER_DMARC_PSD_NO
                                            : DELIVER_DMARC_PSD_UNSPECIFIED;
            }
            break;
        case DLV_T_T:
            ok = kw(v, vl, "y") || kw(v, vl, "n");
            rec->t = ok && kw(v, vl, "y");
            break;
        case DLV_T_RUA:
            if (parse_uris(rec, v, vl, rec->rua, &rec->nrua, va) < 0) {
                return DELIVER_E_NOMEM;
            }
            break;
        case DLV_T_RUF:
            if (parse_uris(rec, v, vl, rec->ruf, &rec->nruf, va) < 0) {
                return DELIVER_E_NOMEM;
            }
            break;
        default: break;
        }
        if (ok) {
            rec->given |= bit;
        } else {
            bad |= bit;
            if (note(rec, rec->invalid, &rec->ninvalid, name, nlen, 1) < 0) {
                return DELIVER_E_NOMEM;
            }
            if (!rec->error_off) {
                rec->error_off = va;
            }
        }
        if (e >= len) {
            break;
        }
    }
    /* the policy: RFC 7489 6.6.3, RFC 9989 4.10.1 (and 4.7: no p counts as p=none) */
    int broken = (bad & (DLV_T_P | DLV_T_SP | DLV_T_NP)) != 0;
    if (!(seen & DLV_T_P) && rec->mode == DELIVER_DMARC_RFC7489) {
        broken = 1;
    }
    if (!broken && !(seen & DLV_T_P)) {
        rec->p = DELIVER_DMARC_POLICY_NONE;
        rec->fallback = 1;
    }
    if (broken) {
        if (rec->nrua > 0) {
            rec->fallback = 1;
            rec->p = rec->sp = rec->np = DELIVER_DMARC_POLICY_NONE;
        } else {
            rec->error = DELIVER_DMARC_RECORD_NO_POLICY;
            rec->p = rec->sp = rec->np = DELIVER_DMARC_POLICY_UNSET;
            return findings ? record_findings(rec) : DELIVER_OK;
        }
    }
    if (!(rec->given & DLV_T_SP) || rec->sp == DELIVER_DMARC_POLICY_UNSET) {
        rec->sp = rec->p;
    }
    if (rec->mode == DELIVER_DMARC_RFC7489 || !(rec->given & DLV_T_NP) ||
        rec->np == DELIVER_DMARC_POLICY_UNSET) {
        rec->np = rec->sp;
    }
    if (rec->fallback && broken) {
        rec->given &= ~(unsigned)(DLV_T_P | DLV_T_SP | DLV_T_NP);
    }
    rec->error_off = 0;
    return findings ? record_findings(rec) : DELIVER_OK;
}

/* ---- public API ---- */

deliver_status deliver_dmarc_record_new(deliver_dmarc_record **out, deliver_ctx *ctx)
{
    if (!out) {
        return DELIVER_E_INVALID;
    }
    *out = NULL;
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    deliver_dmarc_record *rec = dlv_alloc(ctx, sizeof *rec);
    if (!rec) {
        return DELIVER_E_NOMEM;
    }
    dlv_dmarc_record_init(rec, dlv_ctx_ref(ctx));
    dlv_dmarc_record_clear(rec);
    rec->error = DELIVER_DMARC_RECORD_NONE;
    *out = rec;
    return DELIVER_OK;
}

void deliver_dmarc_record_free(deliver_dmarc_record *rec)
{
    if (!rec) {
        return;
    }
    deliver_ctx *ctx = rec->ctx;
    dlv_arena_clear(&rec->arena);
    dlv_findings_clear(&rec->findings);
    dlv_free(ctx, rec->domain);
    dlv_free(ctx, rec);
    dlv_ctx_unref(ctx);
}

const char *deliver_dmarc_record_errmsg(const deliver_dmarc_record *rec)
{
    return rec ? rec->err.text : "";
}

deliver_status deliver_dmarc_record_set_mode(deliver_dmarc_record *rec, deliver_dmarc_mode mode)
{
    if (!rec || (mode != DELIVER_DMARC_RFC7489 && mode != DELIVER_DMARC_RFC9989)) {
        return DELIVER_E_INVALID;
    }
    rec->mode = mode;
    return DELIVER_OK;
}

deliver_status deliver_dmarc_record_set_domain(deliver_dmarc_record *rec, const char *domain)
{
    if (!rec) {
        return DELIVER_E_INVALID;
    }
    char norm[DLV_DOMAIN_MAX + 1];
    char *copy = NULL;
    if (domain) {
        const char *why = NULL;
        if (dlv_domain_normalize(domain, strlen(domain), norm, 0, &why) < 0) {
            return dlv_err(&rec->err, DELIVER_E_INVALID, "bad domain: %s", why ? why : "");
        }
        copy = dlv_strdup(rec->ctx, norm);
        if (!copy) {
            return DELIVER_E_NOMEM;
        }
    }
    dlv_free(rec->ctx, rec->domain);
    rec->domain = copy;
    return DELIVER_OK;
}

deliver_status deliver_dmarc_record_parse(deliver_dmarc_record *rec, const uint8_t *buf,
                                          size_t len)
{
    if (!rec || (!buf && len)) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&rec->err);
    deliver_status st = dlv_dmarc_record_parse(rec, buf, len, 1);
    if (st < 0) {
        dlv_dmarc_record_clear(rec);
        rec->error = DELIVER_DMARC_RECORD_NONE;
        return dlv_err(&rec->err, st, "out of memory");
    }
    return st;
}

deliver_status deliver_dmarc_record_parse_rrset(deliver_dmarc_record *rec, size_t count,
                                                const uint8_t *const *bufs, const size_t *lens)
{
    if (!rec || (count && (!bufs || !lens))) {
        return DELIVER_E_INVALID;
    }
    size_t found = 0, which = 0;
    for (size_t i = 0; i < count; i++) {
        if (bufs[i] && dlv_dmarc_is_dmarc(bufs[i], lens[i])) {
            if (!found++) {
                which = i;
            }
        }
    }
    if (found == 1) {
        deliver_status st = deliver_dmarc_record_parse(rec, bufs[which], lens[which]);
        return st;
    }
    dlv_dmarc_record_clear(rec);
    rec->ndmarc = found;
    rec->error = found ? DELIVER_DMARC_RECORD_MULTIPLE_RECORDS : DELIVER_DMARC_RECORD_NONE;
    if (found &&
        dlv_findings_add(&rec->findings, "dmarc.multiple_records", DELIVER_SEVERITY_ERROR, NULL,
                         "publish exactly one v=DMARC1 record at the name",
                         "%zu DMARC records at one name: receivers discard all of them",
                         found) < 0) {
        return DELIVER_E_NOMEM;
    }
    return DELIVER_OK;
}

int deliver_dmarc_record_is_valid(const deliver_dmarc_record *rec)
{
    return rec && rec->error == DELIVER_DMARC_RECORD_OK;
}

deliver_dmarc_record_error deliver_dmarc_record_get_error(const deliver_dmarc_record *rec)
{
    return rec ? rec->error : DELIVER_DMARC_RECORD_NONE;
}

size_t deliver_dmarc_record_get_error_offset(const deliver_dmarc_record *rec)
{
    return rec ? rec->error_off : 0;
}

size_t deliver_dmarc_record_dmarc_count(const deliver_dmarc_record *rec)
{
    return rec ? rec->ndmarc : 0;
}

int deliver_dmarc_record_is_policy_fallback(const deliver_dmarc_record *rec)
{
    return rec && rec->error == DELIVER_DMARC_RECORD_OK && rec->fallback;
}

#define VALID(rec) ((rec) && (rec)->error == DELIVER_DMARC_RECORD_OK)

deliver_dmarc_policy deliver_dmarc_record_get_policy(const deliver_dmarc_record *rec)
{
    return VALID(rec) ? rec->p : DELIVER_DMARC_POLICY_UNSET;
}

deliver_dmarc_policy deliver_dmarc_record_get_subdomain_policy(const deliver_dmarc_record *rec)
{
    return VALID(rec) ? rec->sp : DELIVER_DMARC_POLICY_UNSET;
}

deliver_dmarc_policy deliver_dmarc_record_get_nonexistent_policy(const deliver_dmarc_record *rec)
{
    return VALID(rec) ? rec->np : DELIVER_DMARC_POLICY_UNSET;
}

int deliver_dmarc_record_has_tag(const deliver_dmarc_record *rec, const char *tag)
{
    if (!VALID(rec) || !tag) {
        return 0;
    }
    int mbit = rec->mode == DELIVER_DMARC_RFC7489 ? 1 : 2;
    for (size_t i = 0; i < DLV_ARRAY_LEN(tags); i++) {
        if ((tags[i].modes & mbit) && kw((const uint8_t *)tag, strlen(tag), tags[i].name)) {
            return (rec->given & tags[i].bit) != 0;
        }
    }
    return 0;
}

deliver_dmarc_alignment deliver_dmarc_record_get_adkim(const deliver_dmarc_record *rec)
{
    return rec ? rec->adkim : DELIVER_DMARC_ALIGN_RELAXED;
}

deliver_dmarc_alignment deliver_dmarc_record_get_aspf(const deliver_dmarc_record *rec)
{
    return rec ? rec->aspf : DELIVER_DMARC_ALIGN_RELAXED;
}

const char *deliver_dmarc_record_get_fo(const deliver_dmarc_record *rec)
{
    return rec ? rec->fo : "0";
}

unsigned deliver_dmarc_record_get_pct(const deliver_dmarc_record *rec)
{
    return rec ? rec->pct : 100;
}

uint32_t deliver_dmarc_record_get_ri(const deliver_dmarc_record *rec)
{
    return rec ? rec->ri : 86400;
}

const char *deliver_dmarc_record_get_rf(const deliver_dmarc_record *rec)
{
    (void)rec;
    return "afrf";
}

deliver_dmarc_psd deliver_dmarc_record_get_psd(const deliver_dmarc_record *rec)
{
    return rec ? rec->psd : DELIVER_DMARC_PSD_UNSPECIFIED;
}

int deliver_dmarc_record_is_test_mode(const deliver_dmarc_record *rec)
{
    return rec && rec->t;
}

static const dlv_dmarc_uri *uri_at(const deliver_dmarc_record *rec,
                                   deliver_dmarc_report_kind kind, size_t i)
{
    if (!rec) {
        return NULL;
    }
    if (kind == DELIVER_DMARC_RUA) {
        return i < rec->nrua ? &rec->rua[i] : NULL;
    }
    if (kind == DELIVER_DMARC_RUF) {
        return i < rec->nruf ? &rec->ruf[i] : NULL;
    }
    return NULL;
}

size_t deliver_dmarc_record_uri_count(const deliver_dmarc_record *rec,
                                      deliver_dmarc_report_kind kind)
{
    return !rec ? 0 : kind == DELIVER_DMARC_RUA ? rec->nrua : kind == DELIVER_DMARC_RUF ? rec->nruf : 0;
}

const char *deliver_dmarc_record_get_uri(const deliver_dmarc_record *rec,
                                         deliver_dmarc_report_kind kind, size_t i)
{
    const dlv_dmarc_uri *u = uri_at(rec, kind, i);
    return u ? u->uri : NULL;
}

uint64_t deliver_dmarc_record_get_uri_max_bytes(const deliver_dmarc_record *rec,
                                                deliver_dmarc_report_kind kind, size_t i)
{
    const dlv_dmarc_uri *u = uri_at(rec, kind, i);
    return u ? u->max_bytes : 0;
}

int deliver_dmarc_record_uri_has_obsolete_size(const deliver_dmarc_record *rec,
                                               deliver_dmarc_report_kind kind, size_t i)
{
    const dlv_dmarc_uri *u = uri_at(rec, kind, i);
    return u ? u->obsolete_size : 0;
}

size_t deliver_dmarc_record_ignored_tag_count(const deliver_dmarc_record *rec)
{
    return rec ? rec->nignored : 0;
}

const char *deliver_dmarc_record_get_ignored_tag(const deliver_dmarc_record *rec, size_t i)
{
    return rec && i < rec->nignored ? rec->ignored[i] : NULL;
}

size_t deliver_dmarc_record_invalid_value_count(const deliver_dmarc_record *rec)
{
    return rec ? rec->ninvalid : 0;
}

const char *deliver_dmarc_record_get_invalid_value(const deliver_dmarc_record *rec, size_t i)
{
    return rec && i < rec->ninvalid ? rec->invalid[i] : NULL;
}

size_t deliver_dmarc_record_invalid_uri_count(const deliver_dmarc_record *rec)
{
    return rec ? rec->nbaduri : 0;
}

const char *deliver_dmarc_record_get_invalid_uri(const deliver_dmarc_record *rec, size_t i)
{
    return rec && i < rec->nbaduri ? rec->baduri[i] : NULL;
}

size_t deliver_dmarc_record_finding_count(const deliver_dmarc_record *rec)
{
    return rec ? rec->findings.count : 0;
}

const deliver_finding *deliver_dmarc_record_get_finding(const deliver_dmarc_record *rec, size_t i)
{
    return rec ? dlv_findings_get(&rec->findings, i) : NULL;
}

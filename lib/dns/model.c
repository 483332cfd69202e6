/*
 * The answer model: records and answers built from ldns packets, wire parsing and checks,
 * query packets, presentation text, and the public record accessors.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dns/dns.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

dlv_answer *dlv_answer_new(deliver_ctx *ctx, const char *qname, uint16_t qtype,
                           deliver_dns_outcome outcome)
{
    dlv_answer *a = dlv_calloc(ctx, 1, sizeof(*a));
    if (!a) {
        return NULL;
    }
    dlv_arena_init(&a->arena, ctx);
    a->refs = 1;
    a->qname = dlv_arena_strndup(&a->arena, qname, strlen(qname));
    if (!a->qname) {
        dlv_free(ctx, a);
        return NULL;
    }
    a->qtype = qtype;
    a->outcome = outcome;
    a->rcode = -1;
    return a;
}

dlv_answer *dlv_answer_ref(dlv_answer *a)
{
    a->refs++;
    return a;
}

void dlv_answer_free(dlv_answer *a)
{
    if (!a || --a->refs > 0) {
        return;
    }
    deliver_ctx *ctx = a->arena.ctx;
    dlv_arena_clear(&a->arena);
    dlv_free(ctx, a);
}

int dlv_dname_to_str(const uint8_t *wire, size_t len, char *out, size_t outsz)
{
    size_t pos = 0, i = 0;
    if (outsz == 0) {
        return -1;
    }
    while (i < len) {
        uint8_t n = wire[i++];
        if (n == 0) {
            break;
        }
        if (n > 63 || n > len - i) {
            return -1;
        }
        if (pos) {
            if (pos + 1 >= outsz) {
                return -1;
            }
            out[pos++] = '.';
        }
        for (uint8_t k = 0; k < n; k++) {
            unsigned char c = wire[i + k];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            /* names are kept as raw octets (SPF macros make names with spaces); only what a
             * C string or the label syntax cannot hold is escaped, which later makes the name
             * fail validation if it is ever asked */
            if (c == 0 || c >= 0x7f || c == '.' || c == '\\') {
                if (pos + 4 >= outsz) {
                    return -1;
                }
                snprintf(out + pos, 5, "\\%03u", c);
                pos += 4;
            } else {
                if (pos + 1 >= outsz) {
                    return -1;
                }
                out[pos++] = (char)c;
            }
        }
        i += n;
    }
    out[pos] = '\0';
    return 0;
}

static char *rdf_name(dlv_arena *ar, const ldns_rdf *rdf)
{
    char buf[DLV_DNS_NAME_BUF];
    if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME ||
        dlv_dname_to_str(ldns_rdf_data(rdf), ldns_rdf_size(rdf), buf, sizeof(buf)) < 0) {
        return NULL;
    }
    return dlv_arena_strndup(ar, buf, strlen(buf));
}

/* Fills one record from an ldns RR; owner_override replaces the owner (wildcards). */
static int fill_record(dlv_arena *ar, struct deliver_dns_record *r, const ldns_rr *rr,
                       const char *owner_override)
{
    r->arena = ar;
    r->type = (uint16_t)ldns_rr_get_type(rr);
    r->ttl = ldns_rr_ttl(rr);
    if (owner_override) {
        r->owner = dlv_arena_strndup(ar, owner_override, strlen(owner_override));
    } else {
        r->owner = rdf_name(ar, ldns_rr_owner(rr));
    }
    if (!r->owner) {
        return -1;
    }
    size_t nrd = ldns_rr_rd_count(rr), total = 0;
    for (size_t i = 0; i < nrd; i++) {
        total += ldns_rdf_size(ldns_rr_rdf(rr, i));
    }
    r->rdata = dlv_arena_alloc(ar, total + 1);
    if (!r->rdata) {
        return -1;
    }
    for (size_t i = 0; i < nrd; i++) {
        const ldns_rdf *f = ldns_rr_rdf(rr, i);
        memcpy(r->rdata + r->rdlen, ldns_rdf_data(f), ldns_rdf_size(f));
        r->rdlen += ldns_rdf_size(f);
    }
    const ldns_rdf *f0 = nrd > 0 ? ldns_rr_rdf(rr, 0) : NULL;
    switch (r->type) {
    case DELIVER_DNS_TYPE_A:
    case DELIVER_DNS_TYPE_AAAA:
        if (f0 && (ldns_rdf_size(f0) == 4 || ldns_rdf_size(f0) == 16)) {
            r->addrlen = (uint8_t)ldns_rdf_size(f0);
            memcpy(r->addr, ldns_rdf_data(f0), r->addrlen);
        }
        break;
    case DELIVER_DNS_TYPE_MX:
        if (nrd == 2 && ldns_rdf_size(f0) == 2) {
            r->pref = (uint16_t)(ldns_rdf_data(f0)[0] << 8 | ldns_rdf_data(f0)[1]);
            r->target = rdf_name(ar, ldns_rr_rdf(rr, 1));
        }
        break;
    case DELIVER_DNS_TYPE_CNAME:
    case DELIVER_DNS_TYPE_PTR:
    case DELIVER_DNS_TYPE_NS:
        r->target = rdf_name(ar, f0);
        break;
    case DELIVER_DNS_TYPE_TXT:
    case DELIVER_DNS_TYPE_SPF: {
        r->txt = dlv_arena_alloc(ar, (nrd + 1) * sizeof(*r->txt));
        r->txtlen = dlv_arena_alloc(ar, (nrd + 1) * sizeof(*r->txtlen));
        r->joined = dlv_arena_alloc(ar, total + 1);
        if (!r->txt || !r->txtlen || !r->joined) {
            return -1;
        }
        for (size_t i = 0; i < nrd; i++) {
            const ldns_rdf *f = ldns_rr_rdf(rr, i);
            const uint8_t *d = ldns_rdf_data(f);
            size_t sz = ldns_rdf_size(f);
            if (ldns_rdf_get_type(f) != LDNS_RDF_TYPE_STR || sz < 1 || (size_t)d[0] + 1 > sz) {
                return -1;
            }
            r->txt[r->ntxt] = r->joined + r->joinedlen;
            r->txtlen[r->ntxt] = d[0];
            memcpy(r->joined + r->joinedlen, d + 1, d[0]);
            r->joinedlen += d[0];
            r->ntxt++;
        }
        r->joined[r->joinedlen] = '\0';
        break;
    }
    default:
        break;
    }
    if ((r->type == DELIVER_DNS_TYPE_MX || r->type == DELIVER_DNS_TYPE_CNAME ||
         r->type == DELIVER_DNS_TYPE_PTR || r->type == DELIVER_DNS_TYPE_NS) &&
        !r->target) {
        return -1;
    }
    if ((r->type == DELIVER_DNS_TYPE_A && r->addrlen != 4) ||
        (r->type == DELIVER_DNS_TYPE_AAAA && r->addrlen != 16)) {
        return -1;
    }
    if (r->type != DELIVER_DNS_TYPE_A && r->type != DELIVER_DNS_TYPE_AAAA &&
        r->type != DELIVER_DNS_TYPE_MX && r->type != DELIVER_DNS_TYPE_CNAME &&
        r->type != DELIVER_DNS_TYPE_PTR && r->type != DELIVER_DNS_TYPE_NS &&
        r->type != DELIVER_DNS_TYPE_TXT && r->type != DELIVER_DNS_TYPE_SPF &&
        r->type != DELIVER_DNS_TYPE_TLSA) {
        /* types this file does not render itself: let ldns render them now */
        dlv_buf b;
        dlv_buf_init(&b, ar->ctx);
        for (size_t i = 0; i < nrd; i++) {
            char *s = ldns_rdf2str(ldns_rr_rdf(rr, i));
            if (!s) {
                dlv_buf_free(&b);
                return -1;
            }
            if (i) {
                dlv_buf_putc(&b, ' ');
            }
            dlv_buf_puts(&b, s);
            free(s);
        }
        if (b.failed) {
            dlv_buf_free(&b);
            return -1;
        }
        r->text = dlv_arena_strndup(ar, b.data ? b.data : "", b.len);
        dlv_buf_free(&b);
        if (!r->text) {
            return -1;
        }
    }
    return 0;
}

static int name_eq_rdf(const char *name, const ldns_rdf *rdf)
{
    char buf[DLV_DNS_NAME_BUF];
    if (!rdf || dlv_dname_to_str(ldns_rdf_data(rdf), ldns_rdf_size(rdf), buf, sizeof(buf)) < 0) {
        return 0;
    }
    return strcmp(buf, name) == 0;
}

static int rr_is(const ldns_rr *rr, uint16_t type)
{
    return (uint16_t)ldns_rr_get_type(rr) == type && ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN;
}

dlv_answer *dlv_answer_from_sections(deliver_ctx *ctx, const char *qname, uint16_t qtype,
                                     int rcode, int ad, const ldns_rr_list *ans,
                                     const ldns_rr_list *auth)
{
    deliver_dns_outcome oc = DELIVER_DNS_ERROR;
    if (rcode == LDNS_RCODE_NOERROR) {
        oc = DELIVER_DNS_NODATA;
    } else if (rcode == LDNS_RCODE_NXDOMAIN) {
        oc = DELIVER_DNS_NXDOMAIN;
    } else if (rcode == LDNS_RCODE_SERVFAIL) {
        oc = DELIVER_DNS_SERVFAIL;
    } else if (rcode == LDNS_RCODE_REFUSED || rcode == LDNS_RCODE_NOTAUTH) {
        oc = DELIVER_DNS_REFUSED;
    }
    dlv_answer *a = dlv_answer_new(ctx, qname, qtype, oc);
    if (!a) {
        return NULL;
    }
    a->rcode = rcode;
    a->ad = ad;
    if (oc != DELIVER_DNS_NODATA && oc != DELIVER_DNS_NXDOMAIN) {
        return a;
    }
    size_t nans = ans ? ldns_rr_list_rr_count(ans) : 0;
    if (nans > DLV_DNS_MAX_RECORDS) {
        nans = DLV_DNS_MAX_RECORDS;
    }
    /* Follow the CNAME chain inside this reply, then collect qtype records at its end. */
    char cur[DLV_DNS_NAME_BUF];
    snprintf(cur, sizeof(cur), "%s", qname);
    a->cname = dlv_arena_alloc(&a->arena, (nans + 1) * sizeof(*a->cname));
    a->rr = dlv_arena_alloc(&a->arena, (nans + 1) * sizeof(*a->rr));
    if (!a->cname || !a->rr) {
        goto nomem;
    }
    for (;;) {
        size_t found = 0;
        for (size_t i = 0; i < nans; i++) {
            const ldns_rr *rr = ldns_rr_list_rr(ans, i);
            if (rr_is(rr, qtype) && name_eq_rdf(cur, ldns_rr_owner(rr))) {
                if (fill_record(&a->arena, &a->rr[a->nrr], rr, NULL) < 0) {
                    goto bad;
                }
                a->nrr++;
                found++;
            }
        }
        if (found || qtype == DELIVER_DNS_TYPE_CNAME) {
            break;
        }
        const ldns_rr *cn = NULL;
        for (size_t i = 0; i < nans && !cn; i++) {
            const ldns_rr *rr = ldns_rr_list_rr(ans, i);
            if (rr_is(rr, DELIVER_DNS_TYPE_CNAME) && name_eq_rdf(cur, ldns_rr_owner(rr))) {
                cn = rr;
            }
        }
        if (!cn) {
            break;
        }
        struct deliver_dns_record *c = &a->cname[a->ncname];
        if (fill_record(&a->arena, c, cn, NULL) < 0) {
            goto bad;
        }
        a->ncname++;
        /* a loop inside one reply: the target was already on the chain */
        if (strcmp(c->target, qname) == 0) {
            a->outcome = DELIVER_DNS_CNAME_LOOP;
            return a;
        }
        for (size_t k = 0; k + 1 < a->ncname; k++) {
            if (strcmp(a->cname[k].target, c->target) == 0) {
                a->outcome = DELIVER_DNS_CNAME_LOOP;
                return a;
            }
        }
        snprintf(cur, sizeof(cur), "%s", c->target);
    }
    /* the negative TTL (RFC 2308): the SOA of the authority section */
    size_t nauth = auth ? ldns_rr_list_rr_count(auth) : 0;
    int soa_covers = 0;
    for (size_t i = 0; i < nauth && i < DLV_DNS_MAX_RECORDS; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(auth, i);
        if (rr_is(rr, DELIVER_DNS_TYPE_SOA) && ldns_rr_rd_count(rr) == 7) {
            const ldns_rdf *min = ldns_rr_rdf(rr, 6);
            uint32_t m = ldns_rdf_size(min) == 4 ? ldns_rdf2native_int32(min) : 0;
            uint32_t t = ldns_rr_ttl(rr);
            a->neg_ttl = m < t ? m : t;
            a->has_neg_ttl = 1;
            char soaname[DLV_DNS_NAME_BUF];
            if (dlv_dname_to_str(ldns_rdf_data(ldns_rr_owner(rr)),
                                 ldns_rdf_size(ldns_rr_owner(rr)), soaname, sizeof(soaname)) == 0 &&
                dlv_domain_is_within(cur, soaname)) {
                soa_covers = 1;
            }
            break;
        }
    }
    int referral = 0;
    for (size_t i = 0; i < nauth && i < DLV_DNS_MAX_RECORDS && !a->has_neg_ttl; i++) {
        referral |= rr_is(ldns_rr_list_rr(auth, i), DELIVER_DNS_TYPE_NS);
    }
    if (a->nrr > 0) {
        a->outcome = DELIVER_DNS_OK;
    } else if (referral && a->ncname == 0 && rcode == LDNS_RCODE_NOERROR) {
        /* a referral: this server is not authoritative for the name */
        a->outcome = DELIVER_DNS_REFUSED;
    } else if (a->ncname > 0 && rcode == LDNS_RCODE_NOERROR && !soa_covers) {
        /* the chain leaves the data of this reply: the next name must be asked */
        a->next_name = dlv_arena_strndup(&a->arena, cur, strlen(cur));
        if (!a->next_name) {
            goto nomem;
        }
    }
    return a;
bad:
    a->outcome = DELIVER_DNS_ERROR;
    a->nrr = 0;
    a->ncname = 0;
    return a;
nomem:
    dlv_answer_free(a);
    return NULL;
}

int dlv_reply_matches(const uint8_t *msg, size_t len, uint16_t id, const char *qname,
                      uint16_t qtype)
{
    if (len < 12 || (uint16_t)(msg[0] << 8 | msg[1]) != id || !(msg[2] & 0x80) ||
        (msg[2] & 0x78) != 0 /* opcode QUERY */ || msg[4] != 0 || msg[5] != 1) {
        return 0;
    }
    size_t i = 12;
    char name[DLV_DNS_NAME_BUF];
    size_t start = i;
    while (i < len && msg[i] != 0) {
        if (msg[i] & 0xc0) {
            return 0; /* no compression in the question of a reply to us */
        }
        i += (size_t)msg[i] + 1;
    }
    if (i >= len || i + 5 > len) {
        return 0;
    }
    if (dlv_dname_to_str(msg + start, i + 1 - start, name, sizeof(name)) < 0 ||
        strcmp(name, qname) != 0) {
        return 0;
    }
    i++;
    uint16_t t = (uint16_t)(msg[i] << 8 | msg[i + 1]);
    uint16_t c = (uint16_t)(msg[i + 2] << 8 | msg[i + 3]);
    return t == qtype && c == LDNS_RR_CLASS_IN;
}

dlv_answer *dlv_answer_from_wire(deliver_ctx *ctx, const char *qname, uint16_t qtype,
                                 const uint8_t *msg, size_t len, int *bad)
{
    if (bad) {
        *bad = 0;
    }
    ldns_pkt *p = NULL;
    int ok = msg && len >= 12 && len <= 65535 &&
             dlv_reply_matches(msg, len, (uint16_t)(msg[0] << 8 | msg[1]), qname, qtype) &&
             ldns_wire2pkt(&p, msg, len) == LDNS_STATUS_OK;
    if (!ok) {
        ldns_pkt_free(p);
        if (bad) {
            *bad = 1;
        }
        return dlv_answer_new(ctx, qname, qtype, DELIVER_DNS_ERROR);
    }
    dlv_answer *a = dlv_answer_from_sections(ctx, qname, qtype, (int)ldns_pkt_get_rcode(p),
                                             ldns_pkt_ad(p) ? 1 : 0, ldns_pkt_answer(p),
                                             ldns_pkt_authority(p));
    ldns_pkt_free(p);
    return a;
}

deliver_status dlv_answer_from_input(deliver_ctx *ctx, const char *qname, uint16_t qtype,
                                     deliver_dns_outcome outcome, const uint8_t *msg,
                                     size_t len, dlv_answer **out)
{
    *out = NULL;
    if (msg) {
        *out = dlv_answer_from_wire(ctx, qname, qtype, msg, len, NULL);
    } else {
        if (outcome == DELIVER_DNS_OK || (unsigned)outcome > DELIVER_DNS_CNAME_LOOP) {
            return DELIVER_E_INVALID;
        }
        *out = dlv_answer_new(ctx, qname, qtype, outcome);
        if (*out) {
            static const int rcodes[] = {0, 0, 3, 2, 5, -1, -1, -1};
            (*out)->rcode = rcodes[outcome];
        }
    }
    return *out ? DELIVER_OK : DELIVER_E_NOMEM;
}

int dlv_name_to_wire(const char *name, uint8_t *out, size_t *len)
{
    size_t pos = 0;
    const char *p = name;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0 || n > 63 || pos + n + 2 > 255) {
            return -1;
        }
        out[pos++] = (uint8_t)n;
        memcpy(out + pos, p, n);
        pos += n;
        p += n;
        if (*p == '.') {
            p++;
            if (!*p) {
                return -1;
            }
        }
    }
    out[pos++] = 0;
    *len = pos;
    return 0;
}

deliver_status dlv_query_wire(deliver_ctx *ctx, const char *qname, uint16_t qtype, uint16_t id,
                              uint8_t **out, size_t *len)
{
    uint8_t wname[256];
    size_t nlen;
    *out = NULL;
    if (dlv_name_to_wire(qname, wname, &nlen) < 0) {
        return DELIVER_E_INVALID;
    }
    /* header, question, and an OPT record advertising 1232 octets (RFC 6891) */
    size_t n = 12 + nlen + 4 + 11;
    uint8_t *w = dlv_alloc(ctx, n);
    if (!w) {
        return DELIVER_E_NOMEM;
    }
    const uint8_t hdr[12] = {(uint8_t)(id >> 8), (uint8_t)id, 0x01 /* RD */, 0x20 /* AD */,
                             0, 1, 0, 0, 0, 0, 0, 1};
    memcpy(w, hdr, 12);
    memcpy(w + 12, wname, nlen);
    uint8_t *q = w + 12 + nlen;
    q[0] = (uint8_t)(qtype >> 8);
    q[1] = (uint8_t)qtype;
    q[2] = 0;
    q[3] = LDNS_RR_CLASS_IN;
    const uint8_t opt[11] = {0, 0, 41, 1232 >> 8, 1232 & 0xff, 0, 0, 0, 0, 0, 0};
    memcpy(q + 4, opt, sizeof(opt));
    *out = w;
    *len = n;
    return DELIVER_OK;
}

uint32_t dlv_answer_min_ttl(const dlv_answer *a)
{
    uint32_t m = UINT32_MAX;
    for (size_t i = 0; i < a->nrr; i++) {
        m = a->rr[i].ttl < m ? a->rr[i].ttl : m;
    }
    for (size_t i = 0; i < a->ncname; i++) {
        m = a->cname[i].ttl < m ? a->cname[i].ttl : m;
    }
    return m;
}

static char *ar_dup(dlv_arena *ar, const char *s)
{
    return s ? dlv_arena_strndup(ar, s, strlen(s)) : NULL;
}

static int copy_record(dlv_arena *ar, struct deliver_dns_record *d,
                       const struct deliver_dns_record *s, uint32_t age)
{
    *d = *s;
    d->arena = ar;
    d->ttl = s->ttl > age ? s->ttl - age : 0;
    d->owner = ar_dup(ar, s->owner);
    d->target = ar_dup(ar, s->target);
    d->text = ar_dup(ar, s->text);
    d->rdata = dlv_arena_memdup(ar, s->rdata, s->rdlen);
    if (!d->owner || (s->target && !d->target) || (s->text && !d->text) || !d->rdata) {
        return -1;
    }
    if (s->joined) {
        d->joined = dlv_arena_memdup(ar, s->joined, s->joinedlen);
        d->txt = dlv_arena_alloc(ar, (s->ntxt + 1) * sizeof(*d->txt));
        d->txtlen = dlv_arena_alloc(ar, (s->ntxt + 1) * sizeof(*d->txtlen));
        if (!d->joined || !d->txt || !d->txtlen) {
            return -1;
        }
        for (size_t i = 0; i < s->ntxt; i++) {
            d->txt[i] = d->joined + (s->txt[i] - s->joined);
            d->txtlen[i] = s->txtlen[i];
        }
    }
    return 0;
}

dlv_answer *dlv_answer_copy(deliver_ctx *ctx, const dlv_answer *a, uint32_t age_s)
{
    dlv_answer *c = dlv_answer_new(ctx, a->qname, a->qtype, a->outcome);
    if (!c) {
        return NULL;
    }
    c->rcode = a->rcode;
    c->ad = a->ad;
    c->has_neg_ttl = a->has_neg_ttl;
    c->neg_ttl = a->neg_ttl > age_s ? a->neg_ttl - age_s : 0;
    c->next_name = ar_dup(&c->arena, a->next_name);
    c->cname = dlv_arena_alloc(&c->arena, (a->ncname + 1) * sizeof(*c->cname));
    c->rr = dlv_arena_alloc(&c->arena, (a->nrr + 1) * sizeof(*c->rr));
    if (!c->cname || !c->rr || (a->next_name && !c->next_name)) {
        goto fail;
    }
    for (size_t i = 0; i < a->ncname; i++) {
        if (copy_record(&c->arena, &c->cname[i], &a->cname[i], age_s) < 0) {
            goto fail;
        }
    }
    c->ncname = a->ncname;
    for (size_t i = 0; i < a->nrr; i++) {
        if (copy_record(&c->arena, &c->rr[i], &a->rr[i], age_s) < 0) {
            goto fail;
        }
    }
    c->nrr = a->nrr;
    return c;
fail:
    dlv_answer_free(c);
    return NULL;
}

dlv_answer *dlv_answer_aged(deliver_ctx *ctx, dlv_answer *a)
{
    int64_t age = a->cached ? (dlv_now_ms(ctx) - a->cached_at) / 1000 : 0;
    if (age <= 0) {
        return a;
    }
    dlv_answer *c = dlv_answer_copy(ctx, a, age > UINT32_MAX ? UINT32_MAX : (uint32_t)age);
    dlv_answer_free(a);
    return c;
}

/* ---- presentation text ---- */

static void put_txt_string(dlv_buf *b, const uint8_t *s, size_t n)
{
    dlv_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            dlv_buf_putc(b, '\\');
            dlv_buf_putc(b, (char)c);
        } else if (c < 0x20 || c >= 0x7f) {
            dlv_buf_printf(b, "\\%03u", c);
        } else {
            dlv_buf_putc(b, (char)c);
        }
    }
    dlv_buf_putc(b, '"');
}

static const char *make_text(struct deliver_dns_record *r)
{
    if (r->text) {
        return r->text;
    }
    dlv_buf b;
    dlv_buf_init(&b, r->arena->ctx);
    char tmp[INET6_ADDRSTRLEN];
    switch (r->type) {
    case DELIVER_DNS_TYPE_A:
    case DELIVER_DNS_TYPE_AAAA:
        inet_ntop(r->addrlen == 4 ? AF_INET : AF_INET6, r->addr, tmp, sizeof(tmp));
        dlv_buf_puts(&b, tmp);
        break;
    case DELIVER_DNS_TYPE_MX:
        dlv_buf_printf(&b, "%u %s.", r->pref, r->target);
        break;
    case DELIVER_DNS_TYPE_CNAME:
    case DELIVER_DNS_TYPE_PTR:
    case DELIVER_DNS_TYPE_NS:
        dlv_buf_printf(&b, "%s.", r->target);
        break;
    case DELIVER_DNS_TYPE_TXT:
    case DELIVER_DNS_TYPE_SPF:
        for (size_t i = 0; i < r->ntxt; i++) {
            if (i) {
                dlv_buf_putc(&b, ' ');
            }
            put_txt_string(&b, r->txt[i], r->txtlen[i]);
        }
        break;
    case DELIVER_DNS_TYPE_TLSA:
        if (r->rdlen >= 3) {
            dlv_buf_printf(&b, "%u %u %u ", r->rdata[0], r->rdata[1], r->rdata[2]);
            for (size_t i = 3; i < r->rdlen; i++) {
                dlv_buf_printf(&b, "%02X", r->rdata[i]);
            }
            break;
        }
        /* fall through */
    default:
        dlv_buf_printf(&b, "\\# %zu", r->rdlen);
        if (r->rdlen) {
            dlv_buf_putc(&b, ' ');
        }
        for (size_t i = 0; i < r->rdlen; i++) {
            dlv_buf_printf(&b, "%02X", r->rdata[i]);
        }
        break;
    }
    if (!b.failed) {
        r->text = dlv_arena_strndup(r->arena, b.data ? b.data : "", b.len);
    }
    dlv_buf_free(&b);
    return r->text ? r->text : "";
}

/* ---- public record accessors ---- */

uint16_t deliver_dns_record_get_type(const deliver_dns_record *rr)
{
    return rr ? rr->type : 0;
}

uint32_t deliver_dns_record_get_ttl(const deliver_dns_record *rr)
{
    return rr ? rr->ttl : 0;
}

const char *deliver_dns_record_get_owner(const deliver_dns_record *rr)
{
    return rr ? rr->owner : NULL;
}

const char *deliver_dns_record_get_text(const deliver_dns_record *rr)
{
    /* the text is made on first use; the record belongs to its answer, not to the caller */
    return rr ? make_text((struct deliver_dns_record *)(uintptr_t)rr) : NULL;
}

const uint8_t *deliver_dns_record_get_address(const deliver_dns_record *rr, size_t *len)
{
    if (!rr || rr->addrlen == 0) {
        if (len) {
            *len = 0;
        }
        return NULL;
    }
    if (len) {
        *len = rr->addrlen;
    }
    return rr->addr;
}

const char *deliver_dns_record_get_target(const deliver_dns_record *rr)
{
    return rr ? rr->target : NULL;
}

uint16_t deliver_dns_record_get_preference(const deliver_dns_record *rr)
{
    return rr && rr->type == DELIVER_DNS_TYPE_MX ? rr->pref : 0;
}

size_t deliver_dns_record_txt_count(const deliver_dns_record *rr)
{
    return rr ? rr->ntxt : 0;
}

const uint8_t *deliver_dns_record_get_txt(const deliver_dns_record *rr, size_t i, size_t *len)
{
    if (!rr || i >= rr->ntxt) {
        if (len) {
            *len = 0;
        }
        return NULL;
    }
    if (len) {
        *len = rr->txtlen[i];
    }
    return rr->txt[i];
}

const uint8_t *deliver_dns_record_get_txt_joined(const deliver_dns_record *rr, size_t *len)
{
    if (!rr || !rr->joined) {
        if (len) {
            *len = 0;
        }
        return NULL;
    }
    if (len) {
        *len = rr->joinedlen;
    }
    return rr->joined;
}

deliver_status deliver_dns_record_get_tlsa(const deliver_dns_record *rr, uint8_t *usage,
                                           uint8_t *selector, uint8_t *matching_type,
                                           const uint8_t **data, size_t *len)
{
    if (!rr || rr->type != DELIVER_DNS_TYPE_TLSA || rr->rdlen < 3) {
        return DELIVER_E_INVALID;
    }
    if (usage) {
        *usage = rr->rdata[0];
    }
    if (selector) {
        *selector = rr->rdata[1];
    }
    if (matching_type) {
        *matching_type = rr->rdata[2];
    }
    if (data) {
        *data = rr->rdata + 3;
    }
    if (len) {
        *len = rr->rdlen - 3;
    }
    return DELIVER_OK;
}

/* ---- names of things ---- */

const char *deliver_dns_outcome_name(deliver_dns_outcome outcome)
{
    switch (outcome) {
    case DELIVER_DNS_OK:
        return "ok";
    case DELIVER_DNS_NODATA:
        return "nodata";
    case DELIVER_DNS_NXDOMAIN:
        return "nxdomain";
    case DELIVER_DNS_SERVFAIL:
        return "servfail";
    case DELIVER_DNS_REFUSED:
        return "refused";
    case DELIVER_DNS_TIMEOUT:
        return "timeout";
    case DELIVER_DNS_ERROR:
        return "error";
    case DELIVER_DNS_CNAME_LOOP:
        return "cname_loop";
    }
    return "unknown";
}

static const struct {
    uint16_t type;
    const char *name;
} type_names[] = {
    {1, "A"},      {2, "NS"},     {5, "CNAME"}, {6, "SOA"},   {12, "PTR"},   {13, "HINFO"},
    {15, "MX"},    {16, "TXT"},   {28, "AAAA"}, {33, "SRV"},  {35, "NAPTR"}, {43, "DS"},
    {46, "RRSIG"}, {47, "NSEC"},  {48, "DNSKEY"}, {50, "NSEC3"}, {52, "TLSA"}, {64, "SVCB"},
    {65, "HTTPS"}, {99, "SPF"},   {255, "ANY"}, {257, "CAA"},
};

const char *deliver_dns_type_name(uint16_t type, char *buf, size_t bufsize)
{
    if (!buf || bufsize < 12) {
        return NULL;
    }
    for (size_t i = 0; i < DLV_ARRAY_LEN(type_names); i++) {
        if (type_names[i].type == type) {
            strcpy(buf, type_names[i].name); /* every name fits in the 12 octets required */
            return buf;
        }
    }
    snprintf(buf, bufsize, "TYPE%u", type);
    return buf;
}

deliver_status deliver_dns_type_from_name(const char *name, uint16_t *type)
{
    if (!name || !type) {
        return DELIVER_E_INVALID;
    }
    for (size_t i = 0; i < DLV_ARRAY_LEN(type_names); i++) {
        if (strcasecmp(type_names[i].name, name) == 0) {
            *type = type_names[i].type;
            return DELIVER_OK;
        }
    }
    if (strncasecmp(name, "TYPE", 4) == 0 && name[4] >= '0' && name[4] <= '9') {
        unsigned long v = 0;
        for (const char *p = name + 4; *p; p++) {
            if (*p < '0' || *p > '9' || v > 65535) {
                return DELIVER_E_INVALID;
            }
            v = v * 10 + (unsigned long)(*p - '0');
        }
        if (v > 65535) {
            return DELIVER_E_INVALID;
        }
        *type = (uint16_t)v;
        return DELIVER_OK;
    }
    return DELIVER_E_INVALID;
}

/*
 * The zone-file resolver: master-format zones parsed by ldns, answered as an authoritative
 * server would (CNAME, wildcards, empty non-terminals, NXDOMAIN/NODATA with the SOA).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dns/dns.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

typedef struct znode {
    ldns_rr **rrs;
    size_t n, cap;
    size_t zone; /* index of the zone the name belongs to */
} znode;

typedef struct zone {
    char *apex;
    ldns_rr *soa; /* may be NULL (a zone given by its origin only) */
} zone;

struct dlv_zonedb {
    deliver_ctx *ctx;
    zone *zones;
    size_t nzones, cap;
    dlv_hmap nodes; /* owner name -> znode (names that exist, empty non-terminals too) */
    dlv_hmap failures;    /* "type/name" -> outcome + 1 (type 0: types without records) */
    ldns_rr_list **files; /* the parsed records, owned here */
    size_t nfiles, capfiles;
};


dlv_zonedb *dlv_zonedb_new(deliver_ctx *ctx)
{
    dlv_zonedb *z = dlv_calloc(ctx, 1, sizeof(*z));
    if (z) {
        z->ctx = ctx;
        dlv_hmap_init(&z->nodes, ctx);
        dlv_hmap_init(&z->failures, ctx);
    }
    return z;
}

static void free_node(void *v, void *arg)
{
    deliver_ctx *ctx = arg;
    znode *n = v;
    dlv_free(ctx, n->rrs);
    dlv_free(ctx, n);
}

void dlv_zonedb_free(dlv_zonedb *z)
{
    if (!z) {
        return;
    }
    dlv_hmap_free(&z->nodes, free_node, z->ctx);
    dlv_hmap_free(&z->failures, NULL, NULL);
    for (size_t i = 0; i < z->nzones; i++) {
        dlv_free(z->ctx, z->zones[i].apex);
    }
    for (size_t i = 0; i < z->nfiles; i++) {
        ldns_rr_list_deep_free(z->files[i]);
    }
    dlv_free(z->ctx, z->files);
    dlv_free(z->ctx, z->zones);
    dlv_free(z->ctx, z);
}

static znode *get_node(dlv_zonedb *z, const char *name, size_t zi)
{
    znode *n = dlv_hmap_get(&z->nodes, name, strlen(name));
    if (n) {
        return n;
    }
    n = dlv_calloc(z->ctx, 1, sizeof(*n));
    if (!n) {
        return NULL;
    }
    n->zone = zi;
    if (dlv_hmap_put(&z->nodes, name, strlen(name), n, NULL) < 0) {
        dlv_free(z->ctx, n);
        return NULL;
    }
    return n;
}

static int rdf_str(const ldns_rdf *rdf, char *out, size_t outsz)
{
    return dlv_dname_to_str(ldns_rdf_data(rdf), ldns_rdf_size(rdf), out, outsz);
}

/* Adds one RR under its owner and marks the owner's ancestors (up to the apex) as existing. */
static deliver_status index_rr(dlv_zonedb *z, ldns_rr *rr, size_t zi, dlv_errmsg *err)
{
    char owner[DLV_DNS_NAME_BUF];
    if (rdf_str(ldns_rr_owner(rr), owner, sizeof(owner)) < 0) {
        return dlv_err(err, DELIVER_E_PARSE, "bad owner name");
    }
    const char *apex = z->zones[zi].apex;
    znode *n = get_node(z, owner, zi);
    if (!n || dlv_grow(z->ctx, (void **)&n->rrs, &n->cap, n->n + 1, sizeof(*n->rrs)) < 0) {
        return DELIVER_E_NOMEM;
    }
    n->rrs[n->n++] = rr;
    /* empty non-terminals */
    const char *p = owner;
    while (strcmp(p, apex) != 0) {
        const char *dot = strchr(p, '.');
        if (!dot) {
            break;
        }
        p = dot + 1;
        if (!get_node(z, p, zi)) {
            return DELIVER_E_NOMEM;
        }
    }
    return DELIVER_OK;
}

/* 1-based line where a quoted string opened and never closed, or 0. */
static int unterminated_quote(const char *text, size_t len)
{
    int line = 1, open_line = 0, in_quote = 0, in_comment = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\n') {
            line++;
            in_comment = 0;
        } else if (in_comment) {
            continue;
        } else if (c == '\\') {
            i++; /* an escaped character, inside or outside quotes */
            if (i < len && text[i] == '\n') {
                line++;
            }
        } else if (c == '"') {
            in_quote = !in_quote;
            open_line = line;
        } else if (c == ';' && !in_quote) {
            in_comment = 1;
        }
    }
    return in_quote ? open_line : 0;
}

static int only_blank_or_comments(const char *s, size_t n)
{
    int in_comment = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            in_comment = 0;
        } else if (s[i] == ';') {
            in_comment = 1;
        } else if (!in_comment && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
            return 0;
        }
    }
    return 1;
}

/* Adds a zone with this apex (and SOA); returns its index or -1. */
static long add_zone(dlv_zonedb *z, const char *apex, ldns_rr *soa, const char *source)
{
    for (size_t i = 0; i < z->nzones; i++) {
        if (strcmp(z->zones[i].apex, apex) == 0) {
            dlv_err(&z->ctx->err, DELIVER_E_INVALID, "%s: zone %s is already loaded", source,
                    apex);
            return -1;
        }
    }
    if (dlv_grow(z->ctx, (void **)&z->zones, &z->cap, z->nzones + 1, sizeof(*z->zones)) < 0) {
        return -2;
    }
    z->zones[z->nzones].apex = dlv_strdup(z->ctx, apex);
    if (!z->zones[z->nzones].apex) {
        return -2;
    }
    z->zones[z->nzones].soa = soa;
    return (long)z->nzones++;
}

/* The deepest zone of this file (zones first..nzones-1) holding name, or -1. */
static long zone_of(const dlv_zonedb *z, size_t first, const char *name)
{
    long best = -1;
    for (size_t i = first; i < z->nzones; i++) {
        if (dlv_domain_is_within(name, z->zones[i].apex) &&
            (best < 0 || strlen(z->zones[i].apex) > strlen(z->zones[best].apex))) {
            best = (long)i;
        }
    }
    return best;
}

/*
 * Parses master-format text record by record (ldns does the syntax, $ORIGIN and $TTL).
 * Several zones may share one text: each SOA starts a zone, and each record belongs to the
 * deepest of them that holds its owner. $INCLUDE is refused: zone text may come from
 * anyone, and must not open files.
 */
deliver_status dlv_zonedb_add_text(dlv_zonedb *z, const char *text, size_t len,
                                   const char *origin, const char *source)
{
    dlv_errmsg *err = &z->ctx->err;
    if (memchr(text, '\0', len)) {
        return dlv_err(err, DELIVER_E_PARSE, "%s: NUL byte in zone text", source);
    }
    char o[DLV_DOMAIN_MAX + 2] = "";
    if (origin) {
        const char *why = NULL;
        if (dlv_domain_normalize(origin, strlen(origin), o, 0, &why) != DELIVER_OK) {
            return dlv_err(err, DELIVER_E_INVALID, "origin %s: %s", origin, why);
        }
    }
    if (dlv_grow(z->ctx, (void **)&z->files, &z->capfiles, z->nfiles + 1, sizeof(*z->files)) <
        0) {
        return DELIVER_E_NOMEM;
    }
    ldns_rr_list *rrs = ldns_rr_list_new();
    FILE *fp = len ? fmemopen((void *)(uintptr_t)text, len, "r") : NULL;
    ldns_rdf *cur_origin = NULL, *prev = NULL;
    if (origin) {
        char full[DLV_DOMAIN_MAX + 3];
        snprintf(full, sizeof(full), "%s.", o);
        cur_origin = ldns_dname_new_frm_str(full);
        prev = cur_origin ? ldns_rdf_clone(cur_origin) : NULL;
    }
    deliver_status st = DELIVER_OK;
    if (!rrs || (len && !fp) || (origin && (!cur_origin || !prev))) {
        st = dlv_err(err, DELIVER_E_NOMEM, "%s: cannot read the zone text", source);
    }
    uint32_t ttl = 3600;
    int line = 0;
    if (st == DELIVER_OK) {
        int qline = unterminated_quote(text, len);
        if (qline > 0) {
            st = dlv_err(err, DELIVER_E_PARSE, "%s:%d: end of text inside a quoted string",
                         source, qline);
        }
    }
    while (st == DELIVER_OK && fp && !feof(fp)) {
        ldns_rr *rr = NULL;
        long at = ftell(fp);
        ldns_status ls = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &cur_origin, &prev, &line);
        if (ls == LDNS_STATUS_OK) {
            if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
                ldns_rr_free(rr);
            } else if (!ldns_rr_list_push_rr(rrs, rr)) {
                ldns_rr_free(rr);
                st = DELIVER_E_NOMEM;
            }
        } else if (ls == LDNS_STATUS_SYNTAX_INCLUDE) {
            st = dlv_err(err, DELIVER_E_PARSE, "%s:%d: $INCLUDE is not allowed", source, line);
        } else if (ls != LDNS_STATUS_SYNTAX_EMPTY && ls != LDNS_STATUS_SYNTAX_TTL &&
                   ls != LDNS_STATUS_SYNTAX_ORIGIN) {
            if (feof(fp) && ls == LDNS_STATUS_SYNTAX_ERR && at >= 0 &&
                only_blank_or_comments(text + at, len - (size_t)at)) {
                break; /* ldns reports trailing blank or comment lines as an error */
            }
            st = dlv_err(err, DELIVER_E_PARSE, "%s:%d: %s", source, line,
                         ldns_get_errorstr_by_id(ls));
        }
    }
    if (fp) {
        fclose(fp);
    }
    ldns_rdf_deep_free(cur_origin);
    ldns_rdf_deep_free(prev);
    if (st < 0) {
        ldns_rr_list_deep_free(rrs);
        return st;
    }
    z->files[z->nfiles++] = rrs;
    /* the zones of this text: one per SOA, or the origin when there is none */
    size_t first = z->nzones, count = ldns_rr_list_rr_count(rrs);
    char name[DLV_DNS_NAME_BUF];
    for (size_t i = 0; i < count; i++) {
        ldns_rr *rr = ldns_rr_list_rr(rrs, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
            rdf_str(ldns_rr_owner(rr), name, sizeof(name));
            long r = add_zone(z, name, rr, source);
            if (r < 0) {
                return r == -1 ? DELIVER_E_INVALID : DELIVER_E_NOMEM;
            }
        }
    }
    if (z->nzones == first) {
        if (!origin) {
            return dlv_err(err, DELIVER_E_PARSE, "%s: no SOA record and no origin", source);
        }
        long r = add_zone(z, o, NULL, source);
        if (r < 0) {
            return r == -1 ? DELIVER_E_INVALID : DELIVER_E_NOMEM;
        }
    }
    for (size_t i = first; i < z->nzones; i++) {
        if (!get_node(z, z->zones[i].apex, i)) {
            return DELIVER_E_NOMEM;
        }
    }
    for (size_t i = 0; i < count; i++) {
        ldns_rr *rr = ldns_rr_list_rr(rrs, i);
        if (rdf_str(ldns_rr_owner(rr), name, sizeof(name)) < 0) {
            return dlv_err(err, DELIVER_E_PARSE, "%s: bad owner name", source);
        }
        long zi = zone_of(z, first, name);
        if (zi < 0) {
            return dlv_err(err, DELIVER_E_PARSE, "%s: %s is outside every zone of the file",
                           source, name);
        }
        st = index_rr(z, rr, (size_t)zi, err);
        if (st < 0) {
            return st;
        }
    }
    return DELIVER_OK;
}

deliver_status dlv_zonedb_add_file(dlv_zonedb *z, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        return dlv_err(&z->ctx->err, DELIVER_E_IO, "%s: %s", path, strerror(errno));
    }
    dlv_buf b;
    dlv_buf_init(&b, z->ctx);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        if (dlv_buf_append(&b, chunk, n) < 0 || b.len > (64u << 20)) {
            fclose(fp);
            dlv_buf_free(&b);
            return dlv_err(&z->ctx->err, DELIVER_E_LIMIT, "%s: zone file too large", path);
        }
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        dlv_buf_free(&b);
        return dlv_err(&z->ctx->err, DELIVER_E_IO, "%s: read error", path);
    }
    deliver_status st = dlv_zonedb_add_text(z, b.data ? b.data : "", b.len, NULL, path);
    dlv_buf_free(&b);
    return st;
}

/* The zone holding qname: the loaded apex that is its longest suffix. */
static const zone *find_zone(const dlv_zonedb *z, const char *qname)
{
    const zone *best = NULL;
    for (size_t i = 0; i < z->nzones; i++) {
        if (dlv_domain_is_within(qname, z->zones[i].apex) &&
            (!best || strlen(z->zones[i].apex) > strlen(best->apex))) {
            best = &z->zones[i];
        }
    }
    return best;
}

static size_t count_type(const znode *n, uint16_t type)
{
    size_t c = 0;
    for (size_t i = 0; i < n->n; i++) {
        if ((uint16_t)ldns_rr_get_type(n->rrs[i]) == type) {
            c++;
        }
    }
    return c;
}

deliver_status dlv_zonedb_add_failure(dlv_zonedb *z, const char *name, uint16_t qtype,
                                      deliver_dns_outcome outcome)
{
    char key[DLV_DNS_NAME_BUF + 8];
    int n = snprintf(key, sizeof(key), "%u/%s", qtype, name);
    if (n < 0 || (size_t)n >= sizeof(key)) {
        return DELIVER_E_INVALID;
    }
    return dlv_hmap_put(&z->failures, key, (size_t)n, (void *)(uintptr_t)(outcome + 1), NULL) < 0
               ? DELIVER_E_NOMEM
               : DELIVER_OK;
}

/* A failure set for (qname, qtype) or, when the name holds no such records, for type 0. */
static int failure_for(const dlv_zonedb *z, const char *qname, uint16_t qtype, const znode *n)
{
    if (z->failures.count == 0) {
        return -1;
    }
    char key[DLV_DNS_NAME_BUF + 8];
    int k = snprintf(key, sizeof(key), "%u/%s", qtype, qname);
    void *v = dlv_hmap_get(&z->failures, key, (size_t)k);
    if (!v && (!n || count_type(n, qtype) == 0)) {
        k = snprintf(key, sizeof(key), "0/%s", qname);
        v = dlv_hmap_get(&z->failures, key, (size_t)k);
    }
    return v ? (int)((uintptr_t)v - 1) : -1;
}

dlv_answer *dlv_zonedb_query(dlv_zonedb *z, const char *qname, uint16_t qtype)
{
    int fail = failure_for(z, qname, qtype, dlv_hmap_get(&z->nodes, qname, strlen(qname)));
    if (fail >= 0) {
        return dlv_answer_new(z->ctx, qname, qtype, (deliver_dns_outcome)fail);
    }
    const zone *zn = find_zone(z, qname);
    if (!zn) {
        dlv_answer *a = dlv_answer_new(z->ctx, qname, qtype, DELIVER_DNS_REFUSED);
        if (a) {
            a->rcode = LDNS_RCODE_REFUSED;
        }
        return a;
    }
    ldns_rr_list *ans = ldns_rr_list_new();
    ldns_rr_list *auth = ldns_rr_list_new();
    ldns_rr_list *owned = ldns_rr_list_new(); /* clones made for wildcard answers */
    dlv_answer *a = NULL;
    if (!ans || !auth || !owned) {
        goto out;
    }
    int rcode = LDNS_RCODE_NOERROR;
    /* below a zone cut the data is elsewhere: answer as a referral (not authoritative) */
    for (const char *p = qname; strcmp(p, zn->apex) != 0;) {
        const znode *cut = dlv_hmap_get(&z->nodes, p, strlen(p));
        if (cut && count_type(cut, DELIVER_DNS_TYPE_NS) > 0) {
            a = dlv_answer_new(z->ctx, qname, qtype, DELIVER_DNS_REFUSED);
            if (a) {
                a->rcode = LDNS_RCODE_NOERROR;
            }
            goto out;
        }
        const char *dot = strchr(p, '.');
        if (!dot) {
            break;
        }
        p = dot + 1;
    }
    const znode *n = dlv_hmap_get(&z->nodes, qname, strlen(qname));
    int wildcard = 0;
    if (!n || n->zone != (size_t)(zn - z->zones)) {
        /* RFC 4592: the closest encloser's wildcard, if any */
        n = NULL;
        const char *p = qname;
        while (strcmp(p, zn->apex) != 0) {
            const char *dot = strchr(p, '.');
            if (!dot) {
                break;
            }
            p = dot + 1;
            if (dlv_hmap_get(&z->nodes, p, strlen(p))) {
                char wc[DLV_DNS_NAME_BUF];
                snprintf(wc, sizeof(wc), "*.%s", p);
                n = dlv_hmap_get(&z->nodes, wc, strlen(wc));
                wildcard = n != NULL;
                break;
            }
        }
        if (!n) {
            rcode = LDNS_RCODE_NXDOMAIN;
        }
    }
    if (n) {
        uint16_t want = qtype;
        if (qtype != DELIVER_DNS_TYPE_CNAME && count_type(n, qtype) == 0 &&
            count_type(n, DELIVER_DNS_TYPE_CNAME) > 0) {
            want = DELIVER_DNS_TYPE_CNAME;
        }
        for (size_t i = 0; i < n->n; i++) {
            if ((uint16_t)ldns_rr_get_type(n->rrs[i]) != want) {
                continue;
            }
            ldns_rr *rr = n->rrs[i];
            if (wildcard) {
                ldns_rr *c = ldns_rr_clone(rr);
                uint8_t wire[256];
                size_t wlen = 0;
                ldns_rdf *o = dlv_name_to_wire(qname, wire, &wlen) == 0
                                  ? ldns_dname_new_frm_data((uint16_t)wlen, wire)
                                  : NULL;
                if (!c || !o) {
                    ldns_rr_free(c);
                    ldns_rdf_deep_free(o);
                    goto out;
                }
                ldns_rdf_deep_free(ldns_rr_owner(c));
                ldns_rr_set_owner(c, o);
                ldns_rr_list_push_rr(owned, c);
                rr = c;
            }
            ldns_rr_list_push_rr(ans, rr);
        }
    }
    if (ldns_rr_list_rr_count(ans) == 0 && zn->soa) {
        ldns_rr_list_push_rr(auth, zn->soa);
    }
    a = dlv_answer_from_sections(z->ctx, qname, qtype, rcode, 0, ans, auth);
out:
    ldns_rr_list_free(ans);
    ldns_rr_list_free(auth);
    ldns_rr_list_deep_free(owned);
    return a;
}

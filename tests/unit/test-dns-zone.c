/*
 * Unit tests of the zone-file resolver: authoritative semantics and bad zone text.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "check.h"
#include "dns/dns.h"

static const char zone_text[] =
    "$ORIGIN example.test.\n"
    "$TTL 300\n"
    "@ SOA ns hostmaster 1 7200 3600 1209600 60\n"
    "@ NS ns\n"
    "ns A 192.0.2.53\n"
    "@ MX 10 mx\n"
    "mx A 192.0.2.25\n"
    "a.b.c TXT \"deep\"\n"              /* b.c and c are empty non-terminals */
    "*.wild A 192.0.2.99\n"
    "*.wild TXT \"wild\"\n"
    "exact.wild A 192.0.2.98\n"
    "www CNAME mx\n"
    "away CNAME host.other.test.\n"
    "$ORIGIN other.test.\n"
    "@ 100 SOA ns.other.test. h.other.test. 1 2 3 4 30\n"
    "host A 198.51.100.1\n"
    "sub.example.test. A 192.0.2.200\n" /* belongs to example.test, not other.test */
    "deleg.example.test. NS ns.elsewhere.test.\n";

static dlv_answer *q(dlv_zonedb *z, const char *name, uint16_t type)
{
    dlv_answer *a = dlv_zonedb_query(z, name, type);
    CHECK(a != NULL);
    return a;
}

int main(void)
{
    deliver_ctx *ctx;
    deliver_ctx_new(&ctx);
    dlv_zonedb *z = dlv_zonedb_new(ctx);
    CHECK_INT(dlv_zonedb_add_text(z, zone_text, strlen(zone_text), NULL, "t"), DELIVER_OK);

    dlv_answer *a = q(z, "mx.example.test", 1);
    CHECK_INT(a->outcome, DELIVER_DNS_OK);
    CHECK_INT(a->rr[0].ttl, 300);
    dlv_answer_free(a);
    a = q(z, "MX.example.test", 1); /* names arrive normalised; other case is another name */
    dlv_answer_free(a);
    a = q(z, "mx.example.test", 16);
    CHECK_INT(a->outcome, DELIVER_DNS_NODATA);
    CHECK(a->has_neg_ttl && a->neg_ttl == 60);
    dlv_answer_free(a);
    a = q(z, "none.example.test", 1);
    CHECK_INT(a->outcome, DELIVER_DNS_NXDOMAIN);
    CHECK_INT(a->rcode, 3);
    dlv_answer_free(a);
    a = q(z, "b.c.example.test", 16); /* empty non-terminal: NODATA, not NXDOMAIN */
    CHECK_INT(a->outcome, DELIVER_DNS_NODATA);
    dlv_answer_free(a);
    a = q(z, "c.example.test", 1);
    CHECK_INT(a->outcome, DELIVER_DNS_NODATA);
    dlv_answer_free(a);
    a = q(z, "x.y.wild.example.test", 1); /* wildcard, owner rewritten */
    CHECK_INT(a->outcome, DELIVER_DNS_OK);
    CHECK_STR(a->rr[0].owner, "x.y.wild.example.test");
    CHECK_STR(deliver_dns_record_get_text(&a->rr[0]), "192.0.2.99");
    dlv_answer_free(a);
    a = q(z, "exact.wild.example.test", 1); /* an existing name beats the wildcard */
    CHECK_STR(deliver_dns_record_get_text(&a->rr[0]), "192.0.2.98");
    dlv_answer_free(a);
    a = q(z, "exact.wild.example.test", 16); /* ...also for a type it lacks */
    CHECK_INT(a->outcome, DELIVER_DNS_NODATA);
    dlv_answer_free(a);
    a = q(z, "x.wild.example.test", 28); /* the wildcard's NODATA */
    CHECK_INT(a->outcome, DELIVER_DNS_NODATA);
    dlv_answer_free(a);
    a = q(z, "www.example.test", 1); /* CNAME: the chain is followed by the caller */
    CHECK_INT(a->ncname, 1);
    CHECK_STR(a->next_name, "mx.example.test");
    dlv_answer_free(a);
    a = q(z, "www.example.test", 5);
    CHECK_INT(a->outcome, DELIVER_DNS_OK);
    dlv_answer_free(a);
    a = q(z, "away.example.test", 1);
    CHECK_STR(a->next_name, "host.other.test");
    dlv_answer_free(a);
    a = q(z, "host.other.test", 1);
    CHECK_INT(a->outcome, DELIVER_DNS_OK);
    CHECK_INT(a->rr[0].ttl, 300); /* $TTL carries over */
    dlv_answer_free(a);
    a = q(z, "nx.other.test", 1);
    CHECK(a->has_neg_ttl && a->neg_ttl == 30); /* min(SOA TTL 100, minimum 30) */
    dlv_answer_free(a);
    a = q(z, "sub.example.test", 1);
    CHECK_INT(a->outcome, DELIVER_DNS_OK);
    dlv_answer_free(a);
    a = q(z, "x.deleg.example.test", 16); /* below a zone cut: a referral */
    CHECK_INT(a->outcome, DELIVER_DNS_REFUSED);
    CHECK_INT(a->rcode, 0);
    dlv_answer_free(a);
    a = q(z, "deleg.example.test", 1);
    CHECK_INT(a->outcome, DELIVER_DNS_REFUSED);
    dlv_answer_free(a);
    a = q(z, "elsewhere.invalid", 1);
    CHECK_INT(a->outcome, DELIVER_DNS_REFUSED);
    dlv_answer_free(a);

    /* a zone given again is refused */
    CHECK_INT(dlv_zonedb_add_text(z, zone_text, strlen(zone_text), NULL, "t"), DELIVER_E_INVALID);
    /* a zone with an origin and no SOA */
    const char *noso = "host A 192.0.2.1\n";
    CHECK_INT(dlv_zonedb_add_text(z, noso, strlen(noso), "third.test", "t3"), DELIVER_OK);
    a = q(z, "host.third.test", 1);
    CHECK_INT(a->outcome, DELIVER_DNS_OK);
    dlv_answer_free(a);
    a = q(z, "nx.third.test", 1);
    CHECK_INT(a->outcome, DELIVER_DNS_NXDOMAIN);
    CHECK(!a->has_neg_ttl);
    dlv_answer_free(a);
    dlv_zonedb_free(z);

    /* bad zone text: an error with a reason, never a crash */
    static const char *bad[] = {
        "$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n@ A 999.1.1.1\n",
        "$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n$INCLUDE /etc/passwd\n",
        "   $include /etc/passwd\n",
        "host A 192.0.2.1\n",                          /* no SOA and no origin */
        "$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\nfar.y.test. A 192.0.2.1\n", /* outside */
        "$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n@ MX ten mx\n",
        "$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n@ TXT \""
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n",
        "$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n@ SOA ns h 1 2 3 4 5\n", /* zone twice */
    };
    for (size_t i = 0; i < DLV_ARRAY_LEN(bad); i++) {
        z = dlv_zonedb_new(ctx);
        deliver_status st = dlv_zonedb_add_text(z, bad[i], strlen(bad[i]), NULL, "bad");
        if (st >= 0 || !*deliver_ctx_errmsg(ctx)) {
            check_failures++;
            fprintf(stderr, "bad zone %zu accepted (%d)\n", i, st);
        }
        check_count++;
        dlv_zonedb_free(z);
    }
    z = dlv_zonedb_new(ctx);
    CHECK_INT(dlv_zonedb_add_text(z, "a\0b", 3, "x.test", "nul"), DELIVER_E_PARSE);
    CHECK_INT(dlv_zonedb_add_text(z, "", 0, "bad..origin", "o"), DELIVER_E_INVALID);
    CHECK_INT(dlv_zonedb_add_file(z, "/nonexistent/zone"), DELIVER_E_IO);
    CHECK(strstr(deliver_ctx_errmsg(ctx), "/nonexistent/zone") != NULL);
    dlv_zonedb_free(z);

    /* failures on purpose ("what if this name's servers fail") */
    deliver_ctx *fctx;
    deliver_ctx_new(&fctx);
    CHECK_INT(deliver_ctx_add_zone_text(fctx, zone_text, strlen(zone_text), NULL), DELIVER_OK);
    CHECK_INT(deliver_ctx_add_zone_failure(fctx, "mx.example.test", 0, DELIVER_DNS_TIMEOUT),
              DELIVER_OK);
    CHECK_INT(deliver_ctx_add_zone_failure(fctx, "ns.example.test", 1, DELIVER_DNS_SERVFAIL),
              DELIVER_OK);
    CHECK_INT(deliver_ctx_add_zone_failure(fctx, "ns.example.test", 1, DELIVER_DNS_OK),
              DELIVER_E_INVALID);
    CHECK_INT(deliver_ctx_add_zone_failure(fctx, "bad..name", 1, DELIVER_DNS_TIMEOUT),
              DELIVER_E_INVALID);
    deliver_dns_lookup *fl;
    deliver_dns_lookup_new(&fl, fctx);
    deliver_dns_lookup_run(fl, "mx.example.test", 1); /* the A record exists: served */
    CHECK_INT(deliver_dns_lookup_get_outcome(fl), DELIVER_DNS_OK);
    deliver_dns_lookup_run(fl, "mx.example.test", 16); /* no TXT there: times out */
    CHECK_INT(deliver_dns_lookup_get_outcome(fl), DELIVER_DNS_TIMEOUT);
    deliver_dns_lookup_run(fl, "ns.example.test", 1); /* this type fails although it exists */
    CHECK_INT(deliver_dns_lookup_get_outcome(fl), DELIVER_DNS_SERVFAIL);
    deliver_dns_lookup_run(fl, "ns.example.test", 28);
    CHECK_INT(deliver_dns_lookup_get_outcome(fl), DELIVER_DNS_NODATA);
    deliver_dns_lookup_free(fl);
    deliver_ctx_free(fctx);

    /* the public entry points */
    CHECK_INT(deliver_ctx_add_zone_text(ctx, "x", 1, "bad..origin"), DELIVER_E_INVALID);
    CHECK_INT(deliver_ctx_add_zone_text(NULL, "x", 1, NULL), DELIVER_E_INVALID);
    CHECK_INT(deliver_ctx_add_zone_file(ctx, NULL), DELIVER_E_INVALID);
    const char *line = "$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n\n\n@ A nonsense\n";
    CHECK_INT(deliver_ctx_add_zone_text(ctx, line, strlen(line), NULL), DELIVER_E_PARSE);
    CHECK(strstr(deliver_ctx_errmsg(ctx), ":5:") != NULL);
    deliver_ctx_free(ctx);
    return check_done("dns-zone");
}

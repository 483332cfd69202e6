/*
 * A program built the way a user builds against an installed libdeliver:
 *     cc consumer.c $(pkg-config --cflags --libs libdeliver)
 * It uses only the public API (tests/consumer/check-consumer.py builds and runs it).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <deliver/deliver.h>

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (cond) {                                                                           \
            printf("ok   %s\n", #cond);                                                       \
        } else {                                                                              \
            printf("FAIL %s (%s:%d)\n", #cond, __FILE__, __LINE__);                           \
            failures++;                                                                       \
        }                                                                                     \
    } while (0)

static const char zone[] =
    "$ORIGIN consumer.example.\n"
    "$TTL 300\n"
    "@     SOA   ns1 hostmaster 2026010101 7200 3600 1209600 60\n"
    "@     NS    ns1\n"
    "ns1   A     192.0.2.53\n"
    "@     MX    10 mx\n"
    "mx    A     192.0.2.25\n"
    "mail  CNAME mx\n"
    "@     TXT   \"v=spf1 \" \"-all\"\n";

int main(void)
{
    const char *v = deliver_version_string();
    printf("deliver_version_string() = \"%s\", DELIVER_VERSION_STRING = \"%s\"\n",
           v ? v : "(null)", DELIVER_VERSION_STRING);
    printf("deliver_version_number() = %lu, DELIVER_VERSION_NUMBER = %lu\n",
           (unsigned long)deliver_version_number(), (unsigned long)DELIVER_VERSION_NUMBER);
    CHECK(v != NULL && strcmp(v, DELIVER_VERSION_STRING) == 0);
    CHECK(deliver_version_number() == DELIVER_VERSION_NUMBER);
    CHECK(DELIVER_CHECK_VERSION(DELIVER_VERSION_MAJOR, DELIVER_VERSION_MINOR,
                                DELIVER_VERSION_PATCH));
    CHECK(strcmp(deliver_strerror(DELIVER_OK), "success") == 0);

    deliver_ctx *ctx = NULL;
    deliver_status st = deliver_ctx_new(&ctx);
    CHECK(st == DELIVER_OK && ctx != NULL);
    if (st != DELIVER_OK) {
        printf("deliver_ctx_new: %s\n", deliver_strerror(st));
        return 1;
    }
    st = deliver_ctx_add_zone_text(ctx, zone, strlen(zone), NULL);
    if (st != DELIVER_OK) {
        printf("deliver_ctx_add_zone_text: %s: %s\n", deliver_strerror(st),
               deliver_ctx_errmsg(ctx));
    }
    CHECK(st == DELIVER_OK);

    deliver_dns_lookup *l = NULL;
    st = deliver_dns_lookup_new(&l, ctx);
    CHECK(st == DELIVER_OK && l != NULL);
    if (st != DELIVER_OK) {
        deliver_ctx_free(ctx);
        return 1;
    }

    /* A through a CNAME. */
    st = deliver_dns_lookup_run(l, "Mail.Consumer.Example.", DELIVER_DNS_TYPE_A);
    if (st != DELIVER_OK) {
        printf("deliver_dns_lookup_run: %s: %s\n", deliver_strerror(st),
               deliver_dns_lookup_errmsg(l));
    }
    CHECK(st == DELIVER_OK);
    printf("mail.consumer.example A: %s, %lu record(s), %lu CNAME(s)\n",
           deliver_dns_outcome_name(deliver_dns_lookup_get_outcome(l)),
           (unsigned long)deliver_dns_lookup_record_count(l),
           (unsigned long)deliver_dns_lookup_cname_count(l));
    CHECK(deliver_dns_lookup_get_outcome(l) == DELIVER_DNS_OK);
    CHECK(strcmp(deliver_dns_lookup_get_name(l), "mail.consumer.example") == 0);
    CHECK(deliver_dns_lookup_cname_count(l) == 1);
    CHECK(deliver_dns_lookup_record_count(l) == 1);
    const deliver_dns_record *rr = deliver_dns_lookup_get_record(l, 0);
    CHECK(rr != NULL);
    if (rr != NULL) {
        size_t len = 0;
        const uint8_t *addr = deliver_dns_record_get_address(rr, &len);
        static const uint8_t want[4] = {192, 0, 2, 25};
        printf("  %s %u %s\n", deliver_dns_record_get_owner(rr),
               (unsigned)deliver_dns_record_get_ttl(rr), deliver_dns_record_get_text(rr));
        CHECK(deliver_dns_record_get_type(rr) == DELIVER_DNS_TYPE_A);
        CHECK(addr != NULL && len == 4 && memcmp(addr, want, 4) == 0);
        CHECK(strcmp(deliver_dns_record_get_owner(rr), "mx.consumer.example") == 0);
    }

    /* MX at the apex. */
    st = deliver_dns_lookup_run(l, "consumer.example", DELIVER_DNS_TYPE_MX);
    CHECK(st == DELIVER_OK);
    CHECK(deliver_dns_lookup_get_outcome(l) == DELIVER_DNS_OK);
    CHECK(deliver_dns_lookup_record_count(l) == 1);
    rr = deliver_dns_lookup_get_record(l, 0);
    CHECK(rr != NULL && deliver_dns_record_get_preference(rr) == 10);
    CHECK(rr != NULL && deliver_dns_record_get_target(rr) != NULL &&
          strcmp(deliver_dns_record_get_target(rr), "mx.consumer.example") == 0);

    /* TXT strings joined. */
    st = deliver_dns_lookup_run(l, "consumer.example", DELIVER_DNS_TYPE_TXT);
    CHECK(st == DELIVER_OK);
    rr = deliver_dns_lookup_get_record(l, 0);
    if (rr != NULL) {
        size_t len = 0;
        const uint8_t *txt = deliver_dns_record_get_txt_joined(rr, &len);
        CHECK(deliver_dns_record_txt_count(rr) == 2);
        CHECK(txt != NULL && len == 11 && memcmp(txt, "v=spf1 -all", 11) == 0);
    } else {
        CHECK(rr != NULL);
    }

    /* A name that does not exist. */
    st = deliver_dns_lookup_run(l, "nothing.consumer.example", DELIVER_DNS_TYPE_A);
    CHECK(st == DELIVER_OK);
    CHECK(deliver_dns_lookup_get_outcome(l) == DELIVER_DNS_NXDOMAIN);
    CHECK(deliver_dns_lookup_record_count(l) == 0);

    deliver_dns_lookup_free(l);
    deliver_ctx_free(ctx);
    if (failures) {
        printf("%d check(s) failed\n", failures);
        return 1;
    }
    printf("consumer: all checks passed\n");
    return 0;
}

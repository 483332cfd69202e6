/*
 * Benchmark of the DNS layer on one core: lookups answered from the cache, from the zone
 * resolver with the cache off, and DNS replies parsed per second. Prints what it measures;
 * asserts nothing about speed.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dns/dns.h"
#include "../unit/dnswire.h"

#include <stdio.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char zone[] =
    "$ORIGIN bench.test.\n@ SOA ns h 1 2 3 4 300\n"
    "@ TXT \"v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 include:_spf.bench.test -all\"\n"
    "www CNAME host\nhost A 192.0.2.1\n";

static void bench_lookups(const char *label, size_t cache, const char *name, uint16_t type)
{
    deliver_ctx *ctx;
    deliver_dns_lookup *l;
    deliver_ctx_new(&ctx);
    deliver_ctx_add_zone_text(ctx, zone, sizeof(zone) - 1, NULL);
    deliver_ctx_set_dns_cache_size(ctx, cache);
    deliver_dns_lookup_new(&l, ctx);
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 1000; i++) {
            if (deliver_dns_lookup_run(l, name, type) != DELIVER_OK ||
                deliver_dns_lookup_record_count(l) == 0) {
                fprintf(stderr, "lookup failed\n");
                exit(1);
            }
        }
        n += 1000;
        t = now_s() - t0;
    } while (t < 0.5);
    printf("%-44s %10.0f lookups/s\n", label, (double)n / t);
    deliver_dns_lookup_free(l);
    deliver_ctx_free(ctx);
}

static void bench_parse(void)
{
    deliver_ctx *ctx;
    deliver_ctx_new(&ctx);
    const char *ans[] = {"bench.test. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"",
                         "bench.test. 300 IN TXT \"google-site-verification=abc\"", NULL};
    uint8_t *w;
    size_t len;
    make_reply("bench.test", 16, 1, 0, ans, NULL, &w, &len);
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 1000; i++) {
            dlv_answer *a = dlv_answer_from_wire(ctx, "bench.test", 16, w, len, NULL);
            if (!a || a->nrr != 2) {
                exit(1);
            }
            dlv_answer_free(a);
        }
        n += 1000;
        t = now_s() - t0;
    } while (t < 0.5);
    printf("%-44s %10.0f replies/s\n", "wire reply parsed (2 TXT records)", (double)n / t);
    free(w);
    deliver_ctx_free(ctx);
}

int main(void)
{
    bench_lookups("lookup from the cache (TXT)", 10000, "bench.test", 16);
    bench_lookups("lookup from the cache (CNAME + A)", 10000, "www.bench.test", 1);
    bench_lookups("lookup from zone data, cache off (TXT)", 0, "bench.test", 16);
    bench_parse();
    return 0;
}

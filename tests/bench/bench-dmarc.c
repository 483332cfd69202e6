/*
 * Benchmark: DMARC on one core with the answers cached (zone text behind the context's
 * cache): record parses per second, and evaluations per second (From mail.example.com, SPF
 * pass for bounce.example.com, DKIM pass for example.com) in RFC 7489 mode (Public Suffix
 * List through libpsl) and RFC 9989 mode (DNS tree walk, identifier walks), beside
 * libopendmarc (Debian libopendmarc-dev: opendmarc_policy_* with the record handed in) in the
 * same run, when it was found at build time. A wrong verdict fails the benchmark.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <deliver/deliver.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-dmarc.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char zone[] =
    "$ORIGIN .\n$TTL 3600\n. SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n"
    "example.com. A 192.0.2.10\nmail.example.com. A 192.0.2.11\n"
    "_dmarc.example.com. TXT \"" BENCH_DMARC_RECORD "\"\n";

static int eval_rate(deliver_ctx *ctx, deliver_dmarc_mode mode, long n, double *rate)
{
    deliver_dmarc *h = NULL;
    if (deliver_dmarc_new(&h, ctx) != DELIVER_OK) {
        return -1;
    }
    deliver_dmarc_set_mode(h, mode);
    double t0 = 0;
    for (long i = -1000; i < n; i++) { /* the first 1000: warm-up (PSL load, cache fill) */
        if (i == 0) {
            t0 = now_s();
        }
        deliver_dmarc_reset(h);
        if (deliver_dmarc_add_from_domain(h, "mail.example.com") != DELIVER_OK ||
            deliver_dmarc_set_spf(h, DELIVER_SPF_PASS, "bounce.example.com") != DELIVER_OK ||
            deliver_dmarc_add_dkim(h, "pass", "example.com", "s1") != DELIVER_OK ||
            deliver_dmarc_evaluate(h) != DELIVER_OK ||
            deliver_dmarc_get_result(h) != DELIVER_DMARC_PASS) {
            fprintf(stderr, "libdeliver: wrong verdict %s: %s\n",
                    deliver_dmarc_result_name(deliver_dmarc_get_result(h)),
                    deliver_dmarc_errmsg(h));
            deliver_dmarc_free(h);
            return -1;
        }
    }
    *rate = (double)n / (now_s() - t0);
    deliver_dmarc_free(h);
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 300000;
    deliver_ctx *ctx = NULL;
    if (deliver_ctx_new(&ctx) != DELIVER_OK ||
        deliver_ctx_add_zone_text(ctx, zone, strlen(zone), NULL) != DELIVER_OK) {
        fprintf(stderr, "no context: %s\n", ctx ? deliver_ctx_errmsg(ctx) : "");
        return 1;
    }
    /* record parses */
    deliver_dmarc_record *r = NULL;
    deliver_dmarc_record_new(&r, ctx);
    deliver_dmarc_record_set_mode(r, DELIVER_DMARC_RFC7489);
    const char *rec = BENCH_DMARC_RECORD;
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        if (deliver_dmarc_record_parse(r, (const uint8_t *)rec, strlen(rec)) != DELIVER_OK ||
            !deliver_dmarc_record_is_valid(r)) {
            fprintf(stderr, "libdeliver: record not valid\n");
            return 1;
        }
    }
    double parse_rate = (double)n / (now_s() - t0);
    deliver_dmarc_record_free(r);
    printf("libdeliver: %.0f record parses/s (with findings)\n", parse_rate);
    double r7489, r9989;
    if (eval_rate(ctx, DELIVER_DMARC_RFC7489, n, &r7489) < 0 ||
        eval_rate(ctx, DELIVER_DMARC_RFC9989, n, &r9989) < 0) {
        return 1;
    }
    printf("libdeliver: %.0f evaluations/s, RFC 7489 (PSL via libpsl, 2 cached questions)\n",
           r7489);
    printf("libdeliver: %.0f evaluations/s, RFC 9989 (tree walks of the author and SPF "
           "domains, 4 cached questions)\n", r9989);
    deliver_ctx_free(ctx);
#ifdef HAVE_OPENDMARC
    double op_parse, op_eval;
    if (bench_opendmarc(n, &op_parse, &op_eval) < 0) {
        return 1;
    }
    printf("libopendmarc: %.0f record parses/s\n", op_parse);
    printf("libopendmarc: %.0f evaluations/s (record and org domain handed in, no DNS, no "
           "PSL walk)\n", op_eval);
    printf("ratio: RFC 7489 %.2fx, RFC 9989 %.2fx of libopendmarc\n", r7489 / op_eval,
           r9989 / op_eval);
#else
    printf("libopendmarc: skipped (libopendmarc-dev not found at build time)\n");
#endif
    return 0;
}

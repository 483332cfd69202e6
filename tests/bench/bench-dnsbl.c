/*
 * Benchmark: DNSBL lookups per second against the local NSD (run under dnsharness.py with the
 * 20 zones of tests/data/dnsbl/gen-zones.sh), the context's cache off so every lookup reaches
 * the server:
 *   1. the 20 lists at once through deliver_dnsbl_check() (A + TXT per list),
 *   2. the same 20 lists one by one (one check per list, in turn), for the ratio,
 *   3. Debian's rblcheck against the same zones (bench-dnsbl-rblcheck.sh), where it can run.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <deliver/deliver.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *port_s = getenv("DELIVER_TEST_NSD_PORT");
    const char *zones = getenv("DELIVER_TEST_EXTRA_ZONES");
    if (!port_s || !zones || !*zones) {
        printf("skipped: run under dnsharness.py --zone-script tests/data/dnsbl/gen-zones.sh\n");
        return 77;
    }
    int rounds = 200;
    const char *rbl_script = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--rblcheck-script") == 0 && i + 1 < argc) {
            rbl_script = argv[++i];
        }
    }
    deliver_ctx *ctx = NULL;
    if (deliver_ctx_new(&ctx) != DELIVER_OK ||
        deliver_ctx_add_dns_server(ctx, "127.0.0.1", (uint16_t)atoi(port_s)) != DELIVER_OK ||
        deliver_ctx_set_dns_cache_size(ctx, 0) != DELIVER_OK) {
        fprintf(stderr, "no context\n");
        return 1;
    }
    /* 1: all 20 at once */
    deliver_dnsbl *all = NULL;
    deliver_dnsbl_new(&all, ctx);
    deliver_dnsbl_add_spec(all, zones, strlen(zones));
    deliver_dnsbl_check(all, "127.0.0.2"); /* warm-up */
    size_t nlists = deliver_dnsbl_result_count(all);
    double t0 = now_s();
    for (int r = 0; r < rounds; r++) {
        if (deliver_dnsbl_check(all, "127.0.0.2") != DELIVER_OK) {
            fprintf(stderr, "check failed: %s\n", deliver_dnsbl_errmsg(all));
            return 1;
        }
    }
    double conc = now_s() - t0;
    /* 2: one by one */
    deliver_dnsbl *one[64] = {0};
    size_t n = 0;
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", zones);
    for (char *z = strtok(buf, ","); z && n < 64; z = strtok(NULL, ",")) {
        deliver_dnsbl_new(&one[n], ctx);
        deliver_dnsbl_add_spec(one[n], z, strlen(z));
        n++;
    }
    t0 = now_s();
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n; i++) {
            deliver_dnsbl_check(one[i], "127.0.0.2");
        }
    }
    double seq = now_s() - t0;
    double lk_conc = (double)nlists * rounds / conc, lk_seq = (double)n * rounds / seq;
    printf("libdeliver, %zu lists at once (A+TXT each): %d checks in %.3f s: %.1f ms per "
           "check, %.0f list lookups/s\n",
           nlists, rounds, conc, conc * 1000 / rounds, lk_conc);
    printf("libdeliver, the same %zu lists one by one: %d rounds in %.3f s: %.1f ms per round, "
           "%.0f list lookups/s\n",
           n, rounds, seq, seq * 1000 / rounds, lk_seq);
    printf("DNS attempts that timed out during the runs: %llu (a loopback drop costs one "
           "per-attempt timeout)\n",
           (unsigned long long)deliver_ctx_get_dns_stat(ctx, DELIVER_DNS_STAT_TIMEOUTS));
    printf("ratio one-by-one / at-once wall time per 20 lists: %.2f\n", seq / conc);
    for (size_t i = 0; i < n; i++) {
        deliver_dnsbl_free(one[i]);
    }
    deliver_dnsbl_free(all);
    deliver_ctx_free(ctx);
    if (rbl_script) {
        char cmd[8192];
        snprintf(cmd, sizeof(cmd), "sh '%s' '%s' %d", rbl_script, zones, rounds / 10 + 1);
        fflush(stdout);
        int rc = system(cmd);
        if (rc != 0) {
            printf("rblcheck: helper exited with %d\n", rc);
        }
    } else {
        printf("rblcheck: skipped (no --rblcheck-script given)\n");
    }
    return 0;
}

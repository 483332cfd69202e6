/*
 * Benchmark peer: libopendmarc 1.4 (Debian libopendmarc-dev) on the workload of
 * bench-dmarc.c: the record and organizational domain handed in, as its milter does after
 * its own DNS lookups.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <opendmarc/dmarc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench-dmarc.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int bench_opendmarc(long n, double *parse_rate, double *eval_rate)
{
    OPENDMARC_LIB_T lib;
    memset(&lib, 0, sizeof lib);
    lib.tld_type = OPENDMARC_TLD_TYPE_NONE;
    if (opendmarc_policy_library_init(&lib) != DMARC_PARSE_OKAY) {
        fprintf(stderr, "libopendmarc: init failed\n");
        return -1;
    }
    DMARC_POLICY_T *p = opendmarc_policy_connect_init((u_char *)"192.0.2.1", 4);
    u_char record[] = BENCH_DMARC_RECORD;
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        p = opendmarc_policy_connect_rset(p);
        if (opendmarc_policy_parse_dmarc(p, (u_char *)"example.com", record) !=
            DMARC_PARSE_OKAY) {
            fprintf(stderr, "libopendmarc: parse failed\n");
            return -1;
        }
    }
    *parse_rate = (double)n / (now_s() - t0);
    t0 = now_s();
    for (long i = 0; i < n; i++) {
        p = opendmarc_policy_connect_rset(p);
        opendmarc_policy_store_from_domain(p, (u_char *)"mail.example.com");
        opendmarc_policy_store_dmarc(p, record, (u_char *)"mail.example.com",
                                     (u_char *)"example.com");
        opendmarc_policy_store_spf(p, (u_char *)"bounce.example.com",
                                   DMARC_POLICY_SPF_OUTCOME_PASS,
                                   DMARC_POLICY_SPF_ORIGIN_MAILFROM, NULL);
        opendmarc_policy_store_dkim(p, (u_char *)"example.com", (u_char *)"s1",
                                    DMARC_POLICY_DKIM_OUTCOME_PASS, NULL);
        if (opendmarc_get_policy_to_enforce(p) != DMARC_POLICY_PASS) {
            fprintf(stderr, "libopendmarc: wrong verdict\n");
            return -1;
        }
    }
    *eval_rate = (double)n / (now_s() - t0);
    opendmarc_policy_connect_shutdown(p);
    opendmarc_policy_library_shutdown(&lib);
    return 0;
}

/*
 * Benchmark: what bench-dmarc.c and its libopendmarc part share.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef BENCH_DMARC_H
#define BENCH_DMARC_H

#define BENCH_DMARC_RECORD                                                                     \
    "v=DMARC1; p=reject; sp=quarantine; adkim=r; aspf=r; rua=mailto:agg@example.com; "         \
    "ruf=mailto:fail@example.com"

/* Parses and evaluations per second with libopendmarc; 0 or -1 (wrong verdict). */
int bench_opendmarc(long n, double *parse_rate, double *eval_rate);

#endif

/*
 * Shared between bench-spf.c and its libspf2 peer (bench_spf_libspf2.c): the benchmark's
 * zone data and cases, and the peer's entry points.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef BENCH_SPF_H
#define BENCH_SPF_H

#include <stddef.h>

/* One record of the benchmark zone. `type` is "A", "AAAA", "MX" or "TXT"; names and MX
 * targets are absolute without the trailing dot; MX data is "preference host". */
typedef struct bench_rr {
    const char *name;
    const char *type;
    const char *data;
} bench_rr;

/* One evaluation: check_host(ip, domain of sender, sender) must give `result` ("pass", ...)
 * through the term `mechanism` as written in the record. */
typedef struct bench_case {
    const char *label;
    const char *ip;
    const char *sender;
    const char *helo;
    const char *result;
    const char *mechanism;
} bench_case;

typedef struct libspf2_bench libspf2_bench;

/* Load the zone into libspf2's in-memory zone layer. 0 on success; otherwise -1 and the
 * reason in `why`. */
int libspf2_bench_open(libspf2_bench **out, const bench_rr *zone, size_t nzone, char *why,
                       size_t whylen);
/* Evaluate `c` for at least `seconds`, checking every result. 0 with the evaluations per
 * second in `*rate`, or -1 and the reason (a wrong result) in `why`. */
int libspf2_bench_run(libspf2_bench *b, const bench_case *c, double seconds, double *rate,
                      char *why, size_t whylen);
/* The libspf2 version, e.g. "1.2.10". */
const char *libspf2_bench_version(void);
void libspf2_bench_close(libspf2_bench *b);

double bench_now(void);

#endif /* BENCH_SPF_H */

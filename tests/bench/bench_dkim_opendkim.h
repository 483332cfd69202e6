/*
 * libopendkim peer for bench-dkim.c (bench_dkim_opendkim.c; built when HAVE_OPENDKIM).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef BENCH_DKIM_OPENDKIM_H
#define BENCH_DKIM_OPENDKIM_H

#include <stddef.h>

/* 0, or -1 with the reason in why */
int bench_opendkim_init(char *why, size_t whysz);
void bench_opendkim_done(void);
/* verifications per second of msg over about secs seconds, the key record answered from
 * memory; every verification that does not pass adds one to *bad */
double bench_opendkim_run(const char *msg, size_t len, const char *record, double secs,
                          int *bad);

#endif

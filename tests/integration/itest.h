/*
 * Assertions and helpers for the integration tests' C programs. A failed check prints where
 * and why; the exit status is 1 when any check failed (never 77, meson's skip code, which
 * itest_skip() alone returns).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_ITEST_H
#define DLV_ITEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int itest_failures;
static int itest_count;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        itest_count++;                                                                     \
        if (!(cond)) {                                                                     \
            itest_failures++;                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                                  \
    } while (0)

#define CHECK_INT(a, b)                                                                    \
    do {                                                                                   \
        long long itest_a_ = (long long)(a), itest_b_ = (long long)(b);                    \
        itest_count++;                                                                     \
        if (itest_a_ != itest_b_) {                                                        \
            itest_failures++;                                                              \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
                    #a, itest_a_, #b, itest_b_);                                           \
        }                                                                                  \
    } while (0)

#define CHECK_STR(a, b)                                                                    \
    do {                                                                                   \
        const char *itest_a_ = (a), *itest_b_ = (b);                                       \
        itest_count++;                                                                     \
        if (!itest_a_ || !itest_b_ || strcmp(itest_a_, itest_b_) != 0) {                   \
            itest_failures++;                                                              \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__,   \
                    #a, itest_a_ ? itest_a_ : "(null)", itest_b_ ? itest_b_ : "(null)");    \
        }                                                                                  \
    } while (0)

static int itest_done(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, itest_count, itest_failures);
    return itest_failures ? 1 : 0;
}

static int itest_skip(const char *why)
{
    printf("skipped: %s\n", why);
    return 77;
}

/* A port from the harness's environment, or 0 when the variable is missing or bad. */
static unsigned itest_env_port(const char *var)
{
    const char *v = getenv(var);
    char *end;
    long p = v ? strtol(v, &end, 10) : 0;
    return v && *v && !*end && p > 0 && p < 65536 ? (unsigned)p : 0;
}

static long long itest_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif

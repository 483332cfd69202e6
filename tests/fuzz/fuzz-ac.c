/*
 * Fuzz target: the bounce classifier's phrase automaton. The several-stream scan must report
 * exactly what one stream reports, in the same order, and stop at the same hit. The first
 * octet says after how many hits to stop (0: never); the rest is the text, which is also
 * repeated to reach the lengths where more streams run.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce/bounce_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HITS 4096

typedef struct hits {
    size_t n, stop_after;
    size_t needle[MAX_HITS], end[MAX_HITS];
} hits;

static int on_hit(size_t needle, size_t end, void *ud)
{
    hits *h = ud;
    if (h->n < MAX_HITS) {
        h->needle[h->n] = needle;
        h->end[h->n] = end;
    }
    h->n++;
    return h->stop_after && h->n == h->stop_after;
}

static dlv_ac ac;
static hits one, many;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static deliver_ctx *ctx;
    if (!ctx) {
        if (deliver_ctx_new(&ctx) != DELIVER_OK ||
            dlv_ac_build(&ac, ctx, dlv_bounce_needles, dlv_bounce_needle_count) != DELIVER_OK) {
            abort();
        }
    }
    if (size < 1 || size > 65536) {
        return 0;
    }
    size_t stop_after = data[0];
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    /* the text as it is, and repeated to at least 4 KB */
    char *big = NULL;
    size_t bn = 0;
    if (n > 0 && n < 4096) {
        size_t reps = 4096 / n + 1;
        big = malloc(n * reps);
        if (!big) {
            return 0;
        }
        for (size_t r = 0; r < reps; r++) {
            memcpy(big + r * n, text, n);
        }
        bn = n * reps;
    }
    for (int pass = 0; pass < 2; pass++) {
        const char *s = pass ? big : text;
        size_t len = pass ? bn : n;
        if (!s) {
            continue;
        }
        one.n = many.n = 0;
        one.stop_after = many.stop_after = stop_after;
        dlv_ac_run_one(&ac, s, len, on_hit, &one);
        dlv_ac_run(&ac, s, len, on_hit, &many);
        if (one.n != many.n) {
            abort();
        }
        size_t k = one.n < MAX_HITS ? one.n : MAX_HITS;
        if (memcmp(one.needle, many.needle, k * sizeof(size_t)) != 0 ||
            memcmp(one.end, many.end, k * sizeof(size_t)) != 0) {
            abort();
        }
    }
    free(big);
    return 0;
}

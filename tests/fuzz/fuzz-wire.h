/*
 * Fuzz helpers: a small buffer for writing DNS replies by hand.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_FUZZ_WIRE_H
#define DLV_FUZZ_WIRE_H

#include <stdint.h>
#include <string.h>

typedef struct wbuf {
    uint8_t b[4096];
    size_t n;
} wbuf;

/* Appends n bytes; what does not fit is dropped (the reply is then merely malformed). */
static inline void put(wbuf *w, const void *p, size_t n)
{
    if (w->n + n <= sizeof(w->b)) {
        memcpy(w->b + w->n, p, n);
        w->n += n;
    }
}

static inline void put16(wbuf *w, unsigned v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(w, x, 2);
}

#endif

/*
 * Fuzz helpers: a small buffer for writing DNS replies by hand.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_FUZZ_WIRE_H
#define DLV_FUZZ_WIRE_H

#include <stdint.h>
#include <string.h>

#include <deliver/dns.h>

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

/*
 * The answer to the next question, from the next chunk of the input (one length byte,
 * then data): a selector byte 0-3 gives an outcome without records (timeout, servfail,
 * nxdomain, nodata), 4 raw wire bytes, 5 or more a reply the target builds itself from the
 * rest (*sel is the selector). Past the end of the input every question times out.
 */
typedef enum fuzz_answer_kind { FUZZ_OUTCOME, FUZZ_RAW, FUZZ_BUILD } fuzz_answer_kind;

static inline fuzz_answer_kind fuzz_next_answer(const uint8_t *data, size_t size, size_t *pos,
                                                deliver_dns_outcome *oc, uint8_t *sel,
                                                const uint8_t **p, size_t *n)
{
    static const deliver_dns_outcome outcomes[] = {DELIVER_DNS_TIMEOUT, DELIVER_DNS_SERVFAIL,
                                                   DELIVER_DNS_NXDOMAIN, DELIVER_DNS_NODATA};
    *oc = DELIVER_DNS_TIMEOUT;
    *sel = 0;
    *p = NULL;
    *n = 0;
    if (*pos >= size) {
        return FUZZ_OUTCOME;
    }
    size_t len = data[(*pos)++];
    if (len > size - *pos) {
        len = size - *pos;
    }
    const uint8_t *chunk = data + *pos;
    *pos += len;
    if (len == 0 || chunk[0] < 4) {
        *oc = outcomes[len ? chunk[0] : 0];
        return FUZZ_OUTCOME;
    }
    *sel = chunk[0];
    *p = chunk + 1;
    *n = len - 1;
    return chunk[0] == 4 ? FUZZ_RAW : FUZZ_BUILD;
}

#endif

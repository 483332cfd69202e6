/*
 * Test helper: allocator hooks that fail the n-th allocation (or reallocation) and count
 * the blocks still live, for fault injection with deliver_ctx_new_with_allocator().
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_TEST_FAILALLOC_H
#define DLV_TEST_FAILALLOC_H

#include <stdlib.h>

typedef struct failing {
    long count;   /* allocations asked for so far */
    long fail_at; /* the one that fails (1-based); 0: none */
    long live;    /* blocks not yet freed */
} failing;

static void *f_alloc(size_t n, void *ud)
{
    failing *f = ud;
    if (++f->count == f->fail_at) {
        return NULL;
    }
    void *p = malloc(n);
    f->live += p != NULL;
    return p;
}

static void *f_realloc(void *p, size_t n, void *ud)
{
    failing *f = ud;
    if (++f->count == f->fail_at) {
        return NULL;
    }
    void *q = realloc(p, n);
    f->live += (q && !p);
    return q;
}

static void f_free(void *p, void *ud)
{
    if (p) {
        ((failing *)ud)->live--;
    }
    free(p);
}

#endif

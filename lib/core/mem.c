/*
 * Allocation through the context's hooks, arenas, buffers and a string-keyed hash map.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *dlv_alloc(deliver_ctx *ctx, size_t n)
{
    if (n == 0) {
        n = 1;
    }
    return ctx->alloc_fn(n, ctx->alloc_ud);
}

void *dlv_calloc(deliver_ctx *ctx, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        return NULL;
    }
    void *p = dlv_alloc(ctx, count * size);
    if (p) {
        memset(p, 0, count * size);
    }
    return p;
}

void *dlv_realloc(deliver_ctx *ctx, void *p, size_t n)
{
    if (n == 0) {
        n = 1;
    }
    return ctx->realloc_fn(p, n, ctx->alloc_ud);
}

void dlv_free(deliver_ctx *ctx, void *p)
{
    if (p) {
        ctx->free_fn(p, ctx->alloc_ud);
    }
}

char *dlv_strndup(deliver_ctx *ctx, const char *s, size_t n)
{
    char *p = dlv_alloc(ctx, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *dlv_strdup(deliver_ctx *ctx, const char *s)
{
    return dlv_strndup(ctx, s, strlen(s));
}

int dlv_grow(deliver_ctx *ctx, void **arr, size_t *cap, size_t need, size_t elsize)
{
    if (need <= *cap) {
        return 0;
    }
    size_t ncap = *cap ? *cap : 4;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) {
            return -1;
        }
        ncap *= 2;
    }
    if (elsize != 0 && ncap > SIZE_MAX / elsize) {
        return -1;
    }
    void *p = dlv_realloc(ctx, *arr, ncap * elsize);
    if (!p) {
        return -1;
    }
    *arr = p;
    *cap = ncap;
    return 0;
}

/* ---- arena ---- */

struct dlv_arena_chunk {
    dlv_arena_chunk *next;
    size_t used, size;
    /* data follows, 8-byte aligned */
};

#define ARENA_HDR ((sizeof(dlv_arena_chunk) + 7u) & ~(size_t)7u)
#define ARENA_CHUNK 4096u

void dlv_arena_init(dlv_arena *a, deliver_ctx *ctx)
{
    a->ctx = ctx;
    a->head = NULL;
}

void *dlv_arena_alloc(dlv_arena *a, size_t n)
{
    void *p = dlv_arena_alloc_raw(a, n);
    if (p) {
        memset(p, 0, n);
    }
    return p;
}

void *dlv_arena_alloc_raw(dlv_arena *a, size_t n)
{
    if (n > SIZE_MAX - 16 - ARENA_HDR - ARENA_CHUNK) {
        return NULL;
    }
    n = (n + 7u) & ~(size_t)7u;
    dlv_arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK - ARENA_HDR ? n : ARENA_CHUNK - ARENA_HDR;
        dlv_arena_chunk *nc = dlv_alloc(a->ctx, ARENA_HDR + size);
        if (!nc) {
            return NULL;
        }
        nc->size = size;
        nc->used = 0;
        if (c && n > ARENA_CHUNK / 4) {
            /* a big block: keep the current chunk on top for the small ones */
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            a->head = nc;
        }
        c = nc;
    }
    void *p = (char *)c + ARENA_HDR + c->used;
    c->used += n;
    return p;
}

void *dlv_arena_memdup(dlv_arena *a, const void *p, size_t n)
{
    char *q = dlv_arena_alloc(a, n + 1);
    if (q && n) {
        memcpy(q, p, n);
    }
    return q;
}

char *dlv_arena_strndup(dlv_arena *a, const char *s, size_t n)
{
    return dlv_arena_memdup(a, s, n);
}

void dlv_arena_clear(dlv_arena *a)
{
    dlv_arena_chunk *c = a->head;
    while (c) {
        dlv_arena_chunk *next = c->next;
        dlv_free(a->ctx, c);
        c = next;
    }
    a->head = NULL;
}

void dlv_arena_reset(dlv_arena *a)
{
    dlv_arena_chunk *c = a->head, *keep = NULL;
    while (c) {
        dlv_arena_chunk *next = c->next;
        if (!next && c->size == ARENA_CHUNK - ARENA_HDR) {
            keep = c;
        } else {
            dlv_free(a->ctx, c);
        }
        c = next;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
}

/* ---- base64 digits (DKIM keys and signatures, MIME bodies) ---- */

/* RFC 4648 alphabet: value + 1, 0 for any other octet */
const uint8_t dlv_base64_value[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,
    ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
    ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
    ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
    ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
    ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
    ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63,
    ['/'] = 64,
};

/* ---- searching ---- */

/* dlv_find3 and its case-blind forms: an octet matches when it equals the wanted one after
 * both are ORed with the mask (0x20 makes letters match in either case; a few other octets
 * then match too, so callers confirm) */
static const char *find3(const char *s, size_t n, uint8_t ua, uint8_t ub, uint8_t uc,
                         uint8_t fa, uint8_t fbc)
{
    const uint8_t *u = (const uint8_t *)s;
    ua |= fa;
    ub |= fbc;
    uc |= fbc;
    size_t i = 0;
#ifdef DLV_VEC16
    /* lanes i..i+15 hold a candidate when u[i+j] == a, u[i+j+1] == b and u[i+j+2] == c */
    for (; i + 18 <= n; i += 16) {
        dlv_u8x16 x, y, z;
        memcpy(&x, u + i, 16);
        memcpy(&y, u + i + 1, 16);
        memcpy(&z, u + i + 2, 16);
        size_t j = dlv_first_set16((dlv_i8x16)((x | fa) == ua) & (dlv_i8x16)((y | fbc) == ub) &
                               (dlv_i8x16)((z | fbc) == uc));
        if (j < 16) {
            return s + i + j;
        }
    }
#endif
    for (; i + 3 <= n; i++) {
        if ((u[i] | fa) == ua && (u[i + 1] | fbc) == ub && (u[i + 2] | fbc) == uc) {
            return s + i;
        }
    }
    return NULL;
}

#if defined(__x86_64__) && defined(__GNUC__) && defined(DLV_VEC16)
/* The exact search 32 positions a round where the processor has AVX2 (chosen at each call
 * from the processor's feature bits, which the compiler's runtime reads once at load): the
 * MIME splitter runs it over every message, whole. The last positions go to find3(). */
#include <immintrin.h>
typedef uint8_t dlv_u8x32 __attribute__((vector_size(32)));
typedef int8_t dlv_i8x32 __attribute__((vector_size(32)));

__attribute__((target("avx2"))) static const char *find3_avx2(const char *s, size_t n,
                                                              uint8_t a, uint8_t b, uint8_t c)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t i = 0;
    for (; i + 34 <= n; i += 32) {
        dlv_u8x32 x, y, z;
        memcpy(&x, u + i, 32);
        memcpy(&y, u + i + 1, 32);
        memcpy(&z, u + i + 2, 32);
        dlv_i8x32 m = (dlv_i8x32)(x == a) & (dlv_i8x32)(y == b) & (dlv_i8x32)(z == c);
        unsigned mask = (unsigned)_mm256_movemask_epi8((__m256i)m);
        if (mask) {
            return s + i + __builtin_ctz(mask);
        }
    }
    return find3(s + i, n - i, a, b, c, 0, 0);
}

const char *dlv_find3(const char *s, size_t n, char a, char b, char c)
{
    if (n >= 64 && __builtin_cpu_supports("avx2")) {
        return find3_avx2(s, n, (uint8_t)a, (uint8_t)b, (uint8_t)c);
    }
    return find3(s, n, (uint8_t)a, (uint8_t)b, (uint8_t)c, 0, 0);
}
#else
const char *dlv_find3(const char *s, size_t n, char a, char b, char c)
{
    return find3(s, n, (uint8_t)a, (uint8_t)b, (uint8_t)c, 0, 0);
}
#endif

const char *dlv_find3_nocase(const char *s, size_t n, char a, char b, char c)
{
    return find3(s, n, (uint8_t)a, (uint8_t)b, (uint8_t)c, 0, 0x20);
}

const char *dlv_find3_nocase3(const char *s, size_t n, char a, char b, char c)
{
    return find3(s, n, (uint8_t)a, (uint8_t)b, (uint8_t)c, 0x20, 0x20);
}

size_t dlv_plain_run(const char *s, size_t n)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t i = 0;
#ifdef DLV_VEC16
    /* lane j of a block is plain when u[i+j] > 0x20, or u[i+j] is SP and u[i+j+1] > 0x20 */
    for (; i + 17 <= n; i += 16) {
        dlv_u8x16 x, y;
        memcpy(&x, u + i, 16);
        memcpy(&y, u + i + 1, 16);
        dlv_i8x16 ok = (dlv_i8x16)(x > 0x20) | ((dlv_i8x16)(x == ' ') & (dlv_i8x16)(y > 0x20));
        size_t j = dlv_first_set16(~ok);
        if (j < 16) {
            return i + j;
        }
    }
#endif
    while (i < n && (u[i] > 0x20 || (u[i] == ' ' && i + 1 < n && u[i + 1] > 0x20))) {
        i++;
    }
    return i;
}

size_t dlv_span_range(const char *s, size_t n, uint8_t lo, uint8_t hi, char except)
{
    const uint8_t *u = (const uint8_t *)s;
    const uint8_t ex = (uint8_t)except;
    size_t i = 0;
#ifdef DLV_VEC16
    for (; i + 16 <= n; i += 16) {
        dlv_u8x16 x;
        memcpy(&x, u + i, 16);
        size_t j =
            dlv_first_set16((dlv_i8x16)(x < lo) | (dlv_i8x16)(x > hi) | (dlv_i8x16)(x == ex));
        if (j < 16) {
            return i + j;
        }
    }
#endif
    while (i < n && u[i] >= lo && u[i] <= hi && u[i] != ex) {
        i++;
    }
    return i;
}

/* ---- buffer ---- */

void dlv_buf_init(dlv_buf *b, deliver_ctx *ctx)
{
    memset(b, 0, sizeof(*b));
    b->ctx = ctx;
}

void dlv_buf_free(dlv_buf *b)
{
    dlv_free(b->ctx, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void dlv_buf_reset(dlv_buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data) {
        b->data[0] = '\0';
    }
}

int dlv_buf_append(dlv_buf *b, const void *p, size_t n)
{
    if (b->failed) {
        return -1;
    }
    /* dlv_grow only when there is no room for n octets and the NUL */
    if (b->cap - b->len <= n && (n > SIZE_MAX - b->len - 1 ||
                                 dlv_grow(b->ctx, (void **)&b->data, &b->cap, b->len + n + 1,
                                          1) < 0)) {
        b->failed = 1;
        return -1;
    }
    if (n) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int dlv_buf_puts(dlv_buf *b, const char *s)
{
    return dlv_buf_append(b, s, strlen(s));
}

int dlv_buf_putc(dlv_buf *b, char c)
{
    if (!b->failed && b->cap - b->len > 1) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return dlv_buf_append(b, &c, 1);
}

int dlv_buf_printf(dlv_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return -1;
    }
    if ((size_t)n < sizeof(small)) {
        return dlv_buf_append(b, small, (size_t)n);
    }
    if (b->failed || dlv_grow(b->ctx, (void **)&b->data, &b->cap, b->len + (size_t)n + 1, 1) < 0) {
        b->failed = 1;
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

/* ---- hash map: open addressing, linear probing, FNV-1a ---- */

/* Eight octets at a time, multiply and fold; seeded per map, so that keys an attacker
 * chooses (DNS names) cannot be made to collide without knowing the seed. */
uint64_t dlv_hash(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 32;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 29;
    return h;
}

static char tombstone_key[1];

void dlv_hmap_init(dlv_hmap *m, deliver_ctx *ctx)
{
    memset(m, 0, sizeof(*m));
    m->ctx = ctx;
    /* a seed per map; the maps' own addresses and the clock are enough to keep an outside
     * party from predicting it, and cost no system call */
    uint64_t seed = (uint64_t)(uintptr_t)m ^ ((uint64_t)(uintptr_t)ctx << 17) ^
                    (uint64_t)dlv_now_ms(ctx) * 0x9e3779b97f4a7c15ull;
    m->seed = seed ? seed : 1;
}

void dlv_hmap_free(dlv_hmap *m, void (*free_value)(void *value, void *arg), void *arg)
{
    for (size_t i = 0; i < m->cap; i++) {
        dlv_hmap_entry *e = &m->slots[i];
        if (e->key && e->key != tombstone_key) {
            if (free_value) {
                free_value(e->value, arg);
            }
            dlv_free(m->ctx, e->key);
        }
    }
    dlv_free(m->ctx, m->slots);
    m->slots = NULL;
    m->cap = m->count = m->tombstones = 0;
}

static int key_eq(const dlv_hmap_entry *e, uint64_t h, const char *key, size_t keylen)
{
    return e->key != tombstone_key && e->hash == h && e->keylen == keylen &&
           memcmp(e->key, key, keylen) == 0;
}

static dlv_hmap_entry *find_slot(const dlv_hmap *m, const char *key, size_t keylen, uint64_t h)
{
    if (m->cap == 0) {
        return NULL;
    }
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask, n = 0; n < m->cap; i = (i + 1) & mask, n++) {
        dlv_hmap_entry *e = &m->slots[i];
        if (!e->key) {
            return NULL;
        }
        if (key_eq(e, h, key, keylen)) {
            return e;
        }
    }
    return NULL;
}

void *dlv_hmap_get(const dlv_hmap *m, const char *key, size_t keylen)
{
    dlv_hmap_entry *e = find_slot(m, key, keylen, dlv_hash(key, keylen, m->seed));
    return e ? e->value : NULL;
}

static int rehash(dlv_hmap *m, size_t ncap)
{
    dlv_hmap_entry *ns = dlv_calloc(m->ctx, ncap, sizeof(*ns));
    if (!ns) {
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        dlv_hmap_entry *e = &m->slots[i];
        if (e->key && e->key != tombstone_key) {
            size_t j = (size_t)e->hash & (ncap - 1);
            while (ns[j].key) {
                j = (j + 1) & (ncap - 1);
            }
            ns[j] = *e;
        }
    }
    dlv_free(m->ctx, m->slots);
    m->slots = ns;
    m->cap = ncap;
    m->tombstones = 0;
    return 0;
}

int dlv_hmap_put(dlv_hmap *m, const char *key, size_t keylen, void *value, void **old)
{
    uint64_t h = dlv_hash(key, keylen, m->seed);
    if (old) {
        *old = NULL;
    }
    dlv_hmap_entry *e = find_slot(m, key, keylen, h);
    if (e) {
        if (old) {
            *old = e->value;
        }
        e->value = value;
        return 0;
    }
    if ((m->count + m->tombstones + 1) * 4 > m->cap * 3) {
        size_t ncap = m->cap ? m->cap : 16;
        while ((m->count + 1) * 2 > ncap) {
            ncap *= 2;
        }
        if (rehash(m, ncap) < 0) {
            return -1;
        }
    }
    char *k = dlv_strndup(m->ctx, key, keylen);
    if (!k) {
        return -1;
    }
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;
    while (m->slots[i].key && m->slots[i].key != tombstone_key) {
        i = (i + 1) & mask;
    }
    if (m->slots[i].key == tombstone_key) {
        m->tombstones--;
    }
    m->slots[i].key = k;
    m->slots[i].keylen = keylen;
    m->slots[i].hash = h;
    m->slots[i].value = value;
    m->count++;
    return 0;
}

void *dlv_hmap_remove(dlv_hmap *m, const char *key, size_t keylen)
{
    dlv_hmap_entry *e = find_slot(m, key, keylen, dlv_hash(key, keylen, m->seed));
    if (!e) {
        return NULL;
    }
    void *v = e->value;
    dlv_free(m->ctx, e->key);
    e->key = tombstone_key;
    e->value = NULL;
    m->count--;
    m->tombstones++;
    return v;
}

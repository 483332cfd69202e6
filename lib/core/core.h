/*
 * Internal core: memory, strings, arenas, hash maps, findings, the context.
 * Everything here is hidden (dlv_ prefix, hidden visibility).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_CORE_H
#define DLV_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <deliver/common.h>
#include <deliver/finding.h>

#if defined(__GNUC__)
#define DLV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DLV_PRINTF(a, b)
#endif

#define DLV_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- allocation through the context's hooks ---- */
void *dlv_alloc(deliver_ctx *ctx, size_t n);           /* uninitialised */
void *dlv_calloc(deliver_ctx *ctx, size_t count, size_t size);
void *dlv_realloc(deliver_ctx *ctx, void *p, size_t n);
void dlv_free(deliver_ctx *ctx, void *p);              /* NULL is a no-op */
char *dlv_strndup(deliver_ctx *ctx, const char *s, size_t n);
char *dlv_strdup(deliver_ctx *ctx, const char *s);
/* Grow *arr (of *cap elements of size elsize) to hold at least need elements. 0 or -1. */
int dlv_grow(deliver_ctx *ctx, void **arr, size_t *cap, size_t need, size_t elsize);

/* ---- arena: many small allocations freed together ---- */
typedef struct dlv_arena_chunk dlv_arena_chunk;
typedef struct dlv_arena {
    deliver_ctx *ctx;
    dlv_arena_chunk *head;
} dlv_arena;
void dlv_arena_init(dlv_arena *a, deliver_ctx *ctx);
void *dlv_arena_alloc(dlv_arena *a, size_t n);          /* 8-byte aligned, zeroed */
/* The same, not zeroed: for outputs their writer fills (up to the NUL it writes) */
void *dlv_arena_alloc_raw(dlv_arena *a, size_t n);
char *dlv_arena_strndup(dlv_arena *a, const char *s, size_t n);
void *dlv_arena_memdup(dlv_arena *a, const void *p, size_t n); /* adds a NUL after n bytes */
void dlv_arena_clear(dlv_arena *a);
/* Like dlv_arena_clear, but keeps the first (oldest) chunk of the standard size for the next
 * round of allocations, so a handle parsing one message after another does not return to
 * the allocator each time. Every earlier pointer becomes invalid. */
void dlv_arena_reset(dlv_arena *a);

/* The value of a base64 digit (RFC 4648 alphabet), or -1 for any other character. */
extern const uint8_t dlv_base64_value[256]; /* value + 1; 0: not a digit */
static inline int dlv_base64_digit(int c)
{
    return c >= 0 && c < 256 ? (int)dlv_base64_value[c] - 1 : -1;
}

/* ---- 16 octets at a time ----
 * The compiler's portable vector types (SSE2 on x86-64, NEON on arm64, generic code
 * elsewhere); DLV_VEC16 is defined where they exist, and every user keeps a plain loop for
 * the other compilers and for the last octets. */
#if defined(__GNUC__) || defined(__clang__)
#define DLV_VEC16 1
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
typedef uint8_t dlv_u8x16 __attribute__((vector_size(16)));
typedef int8_t dlv_i8x16 __attribute__((vector_size(16)));

static inline dlv_u8x16 dlv_load16(const void *p)
{
    dlv_u8x16 v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* The first lane of m that is set, 16 when none is: a bit scan, no branch per lane. m's lanes
 * are comparison results (all ones or all zeros), combined with &, | and ~. */
static inline size_t dlv_first_set16(dlv_i8x16 m)
{
#if defined(__SSE2__)
    /* one instruction gathers the lanes' top bits into a 16-bit mask (4 % of a corpus pass
     * against the two 64-bit halves below) */
    unsigned mask = (unsigned)_mm_movemask_epi8((__m128i)m);
    return mask ? (size_t)__builtin_ctz(mask) : 16;
#else
    uint64_t w[2];
    memcpy(w, &m, sizeof(w));
    if ((w[0] | w[1]) == 0) {
        return 16;
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return w[0] ? (size_t)__builtin_ctzll(w[0]) / 8 : 8 + (size_t)__builtin_ctzll(w[1]) / 8;
#else
    size_t j = 0;
    while (!m[j]) {
        j++;
    }
    return j;
#endif
#endif
}
#endif

/* The first occurrence of the three octets a, b, c (in that order) in s[0..n), or NULL.
 * 16 positions at a time where the compiler has vector types. */
const char *dlv_find3(const char *s, size_t n, char a, char b, char c);
/* The same where b and c match in either case (and a few other octets 0x20 apart match them
 * too, so the caller confirms); nocase3: a as well. */
const char *dlv_find3_nocase(const char *s, size_t n, char a, char b, char c);
const char *dlv_find3_nocase3(const char *s, size_t n, char a, char b, char c);

/* The length of the longest prefix of s[0..n) in which every octet is above 0x20 or is a
 * single SP before such an octet: text that folding white space leaves as it is. It ends on
 * an octet above 0x20 (or is 0). */
size_t dlv_plain_run(const char *s, size_t n);

/* The length of the longest prefix of s[0..n) whose octets lie in [lo, hi] and differ from
 * except (a header field name: lo 0x21, hi 0x7e, except ':'). */
size_t dlv_span_range(const char *s, size_t n, uint8_t lo, uint8_t hi, char except);

/* ---- growable byte buffer, always NUL-terminated when non-empty ---- */
typedef struct dlv_buf {
    deliver_ctx *ctx;
    char *data;
    size_t len, cap;
    int failed; /* an append ran out of memory: the content is incomplete */
} dlv_buf;
void dlv_buf_init(dlv_buf *b, deliver_ctx *ctx);
void dlv_buf_free(dlv_buf *b);
void dlv_buf_reset(dlv_buf *b);
int dlv_buf_append(dlv_buf *b, const void *p, size_t n);
int dlv_buf_puts(dlv_buf *b, const char *s);
int dlv_buf_putc(dlv_buf *b, char c);
int dlv_buf_printf(dlv_buf *b, const char *fmt, ...) DLV_PRINTF(2, 3);

/* ---- string-keyed hash map (keys are copied; values are opaque) ---- */
typedef struct dlv_hmap_entry {
    char *key;      /* NULL: empty slot */
    size_t keylen;
    uint64_t hash;
    void *value;
} dlv_hmap_entry;
typedef struct dlv_hmap {
    deliver_ctx *ctx;
    dlv_hmap_entry *slots;
    size_t cap, count, tombstones;
    uint64_t seed;
} dlv_hmap;
void dlv_hmap_init(dlv_hmap *m, deliver_ctx *ctx);
void dlv_hmap_free(dlv_hmap *m, void (*free_value)(void *value, void *arg), void *arg);
void *dlv_hmap_get(const dlv_hmap *m, const char *key, size_t keylen);
/* Insert or replace; the old value (if any) is returned through *old. 0 or -1 (no memory). */
int dlv_hmap_put(dlv_hmap *m, const char *key, size_t keylen, void *value, void **old);
void *dlv_hmap_remove(dlv_hmap *m, const char *key, size_t keylen);
uint64_t dlv_hash(const void *p, size_t n, uint64_t seed);

/* ---- findings ---- */
struct deliver_finding {
    const char *id;     /* static string */
    deliver_severity severity;
    char *message;
    char *location;
    char *hint;
};
typedef struct dlv_findings {
    deliver_ctx *ctx;
    struct deliver_finding *items;
    size_t count, cap;
} dlv_findings;
void dlv_findings_init(dlv_findings *f, deliver_ctx *ctx);
void dlv_findings_clear(dlv_findings *f);
/* id must be a static string; location and hint may be NULL. 0 or -1 (no memory). */
int dlv_findings_add(dlv_findings *f, const char *id, deliver_severity sev, const char *location,
                     const char *hint, const char *fmt, ...) DLV_PRINTF(6, 7);
const deliver_finding *dlv_findings_get(const dlv_findings *f, size_t i);

/* ---- per-handle error detail ---- */
typedef struct dlv_errmsg {
    char text[256];
} dlv_errmsg;
/* Sets the message and returns st, so that `return dlv_err(&h->err, st, "...")` reads well. */
deliver_status dlv_err(dlv_errmsg *e, deliver_status st, const char *fmt, ...) DLV_PRINTF(3, 4);
void dlv_err_clear(dlv_errmsg *e);

/* ---- the context ---- */
typedef struct dlv_dns_engine dlv_dns_engine; /* lib/dns */

struct deliver_ctx {
    unsigned refs;
    deliver_alloc_fn alloc_fn;
    deliver_realloc_fn realloc_fn;
    deliver_free_fn free_fn;
    void *alloc_ud;
    deliver_log_fn log_fn;
    deliver_log_level log_level;
    void *log_ud;
    int64_t (*clock_fn)(void *ud); /* monotonic ms; tests may replace it */
    void *clock_ud;
    dlv_errmsg err;
    dlv_dns_engine *dns;          /* created on first use */
    /* DNS settings (read by lib/dns) */
    int64_t dns_timeout_ms;
    unsigned dns_retries;
    size_t dns_cache_size;
    unsigned dns_cname_limit;
};

deliver_ctx *dlv_ctx_ref(deliver_ctx *ctx);
void dlv_ctx_unref(deliver_ctx *ctx);
int64_t dlv_now_ms(deliver_ctx *ctx);
void dlv_log(deliver_ctx *ctx, deliver_log_level level, const char *fmt, ...) DLV_PRINTF(3, 4);
/* For tests: replace the monotonic clock. */
void dlv_ctx_set_clock(deliver_ctx *ctx, int64_t (*fn)(void *ud), void *ud);

/* ---- domain names (domain.c) ---- */
#define DLV_DOMAIN_MAX 253
#define DLV_LABEL_MAX 63
enum {
    DLV_NAME_HOSTNAME = 1u << 0,  /* letters, digits, hyphens only (no underscore) */
    DLV_NAME_NO_IDN = 1u << 1     /* refuse non-ASCII input */
};
/*
 * Normalise a domain name: UTF-8 U-labels (through libidn2, IDNA2008 non-transitional with
 * TR46 mapping) or A-labels, one trailing dot allowed; out: lower-case A-labels, no trailing
 * dot, NUL-terminated in out[DLV_DOMAIN_MAX + 1]. On failure returns DELIVER_E_INVALID and a
 * static reason in *why (when why is not NULL).
 */
deliver_status dlv_domain_normalize(const char *in, size_t len, char *out, unsigned flags,
                                    const char **why);
int dlv_domain_equal(const char *a, const char *b);          /* ASCII case-insensitive */
int dlv_domain_is_within(const char *name, const char *parent); /* equal or subdomain */

#endif /* DLV_CORE_H */

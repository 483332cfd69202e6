/*
 * Aho-Corasick automaton for the bounce classifier's needles: one pass over a text finds every
 * phrase of every table, however many tables there are.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "bounce/bounce_int.h"

#include <string.h>

/* states of depth up to this are numbered breadth-first, deeper ones needle by needle (3 to 8
 * measured the same; all breadth-first was 4-6 % slower over the corpus) */
#define AC_SHALLOW 4

void dlv_ac_free(dlv_ac *ac)
{
    if (!ac->ctx) {
        return;
    }
    dlv_free(ac->ctx, ac->next_mem);
    dlv_free(ac->ctx, ac->out);
    dlv_free(ac->ctx, ac->out_next);
    dlv_free(ac->ctx, ac->dict);
    memset(ac, 0, sizeof(*ac));
}

deliver_status dlv_ac_build(dlv_ac *ac, deliver_ctx *ctx, const dlv_needle *nd, size_t count)
{
    return dlv_ac_build_if(ac, ctx, nd, count, NULL);
}

deliver_status dlv_ac_build_if(dlv_ac *ac, deliver_ctx *ctx, const dlv_needle *nd, size_t count,
                               int (*keep)(const dlv_needle *n))
{
    memset(ac, 0, sizeof(*ac));
    ac->ctx = ctx;
    /* classes: every distinct octet used by a needle (upper case as lower case, any white
     * space as a space, which always has one). They are numbered in the order of `common`
     * (octets roughly by how often they occur in English text and mail), the rest after it
     * in octet order, so that the first part of each row (see dlv_ac.next) holds the
     * transitions most text takes */
    static const char common[] = " etaoinsrhldcumfpgwybvkxjqz0123456789.,:-@<>/()'\"_;=[]!?#%&*+";
    uint8_t used[256] = {0};
    size_t total = 1, spaces = 0;
    used[' '] = 1;
    for (size_t i = 0; i < count; i++) {
        if (keep && !keep(&nd[i])) {
            continue;
        }
        for (const unsigned char *p = (const unsigned char *)nd[i].text; *p; p++) {
            int c = *p >= 'A' && *p <= 'Z' ? *p + 32 : *p;
            int ws = c == ' ' || c == '\t' || c == '\n' || c == '\r';
            used[ws ? ' ' : c] = 1;
            total++;
            spaces += ws;
        }
    }
    ac->nclass = 1;
    for (const unsigned char *p = (const unsigned char *)common; *p; p++) {
        if (used[*p]) {
            used[*p] = 0;
            ac->cls[*p] = (uint8_t)ac->nclass++;
        }
    }
    for (unsigned c = 0; c < 256; c++) {
        if (used[c]) {
            ac->cls[c] = (uint8_t)ac->nclass++;
        }
    }
    for (int c = 'A'; c <= 'Z'; c++) {
        ac->cls[c] = ac->cls[c + 32];
    }
    ac->cls['\t'] = ac->cls['\n'] = ac->cls['\r'] = ac->cls[' '];
    /* more states (see below): the root entered by white space, and at most one twin per
     * state whose string ends in white space */
    total += 1 + spaces;
    uint32_t *trie = dlv_calloc(ctx, total * ac->nclass, sizeof(uint32_t));
    ac->out = dlv_alloc(ctx, total * sizeof(int32_t));
    ac->dict = dlv_alloc(ctx, total * sizeof(int32_t));
    ac->out_next = dlv_alloc(ctx, (count ? count : 1) * sizeof(int32_t));
    uint32_t *fail = dlv_calloc(ctx, total, sizeof(uint32_t));
    uint32_t *queue = dlv_alloc(ctx, total * sizeof(uint32_t));
    uint8_t *last = dlv_calloc(ctx, total, 1); /* per state: class of its last octet */
    uint8_t *deep = dlv_calloc(ctx, total, 1); /* per state: deeper than AC_SHALLOW */
    if (!trie || !ac->out || !ac->dict || !ac->out_next || !fail || !queue || !last || !deep) {
        dlv_free(ctx, deep);
        dlv_free(ctx, last);
        dlv_free(ctx, trie);
        dlv_free(ctx, fail);
        dlv_free(ctx, queue);
        ac->next = NULL;
        dlv_ac_free(ac);
        return DELIVER_E_NOMEM;
    }
    for (size_t i = 0; i < total; i++) {
        ac->out[i] = -1;
        ac->dict[i] = -1;
    }
    uint32_t ns = 1;
    const unsigned nc = ac->nclass;
    /* trie; transitions 0 mean "none" (state 0 is the root, never a child) */
    for (size_t i = 0; i < count; i++) {
        if (keep && !keep(&nd[i])) {
            continue;
        }
        uint32_t s = 0;
        const unsigned char *text = (const unsigned char *)nd[i].text;
        for (const unsigned char *p = text; *p; p++) {
            uint32_t *t = &trie[(size_t)s * nc + ac->cls[*p]];
            if (!*t) {
                last[ns] = ac->cls[*p];
                deep[ns] = p - text >= AC_SHALLOW; /* its depth is p - text + 1 */
                *t = ns++;
            }
            s = *t;
        }
        /* chain needles ending in the same state */
        ac->out_next[i] = ac->out[s];
        ac->out[s] = (int32_t)i;
    }
    /* breadth-first: failure links and the full transition table */
    size_t qh = 0, qt = 0;
    for (unsigned c = 0; c < nc; c++) {
        uint32_t t = trie[c];
        if (t) {
            fail[t] = 0;
            queue[qt++] = t;
        }
    }
    while (qh < qt) {
        uint32_t s = queue[qh++];
        uint32_t f = fail[s];
        ac->dict[s] = ac->out[f] >= 0 ? (int32_t)f : ac->dict[f];
        for (unsigned c = 0; c < nc; c++) {
            uint32_t *t = &trie[(size_t)s * nc + c];
            if (*t) {
                fail[*t] = trie[(size_t)f * nc + c];
                queue[qt++] = *t;
            } else {
                *t = trie[(size_t)f * nc + c];
            }
        }
    }
    /* white space runs: built into the table, so the scan needs no test for them. A state
     * is entered after white space iff its string ends in a space, or it is the root reached
     * by a space; the latter gets a state of its own, `rsp` (the root's row, no output). In
     * both, a further white space octet must change nothing and report nothing: a state
     * without output loops to itself; one with output goes to a twin without output and
     * with the same row, which loops to itself. */
    uint32_t *twin = fail; /* the failure links are done with: per state, its twin or 0 */
    memset(twin, 0, total * sizeof(uint32_t));
    const unsigned sp = ac->cls[' '];
    const uint32_t ns0 = ns;
    for (uint32_t q = 0; q < ns0; q++) {
        if (last[q] != sp) {
            continue;
        }
        uint32_t *t = &trie[(size_t)q * nc + sp];
        if (ac->out[q] < 0 && ac->dict[q] < 0) {
            *t = q;
            continue;
        }
        uint32_t tw = ns++;
        memcpy(&trie[(size_t)tw * nc], &trie[(size_t)q * nc], nc * sizeof(uint32_t));
        ac->out[tw] = -1;
        ac->dict[tw] = -1;
        trie[(size_t)tw * nc + sp] = tw;
        *t = tw;
        twin[q] = tw;
    }
    uint32_t rsp = ns++;
    ac->out[rsp] = -1;
    ac->dict[rsp] = -1;
    memcpy(&trie[(size_t)rsp * nc], &trie[0], nc * sizeof(uint32_t));
    trie[(size_t)rsp * nc + sp] = rsp;
    for (uint32_t q = 0; q < ns0; q++) {
        uint32_t *t = &trie[(size_t)q * nc + sp];
        if (last[q] != sp && *t == 0) {
            *t = rsp;
        }
    }
    dlv_free(ctx, last);
    if ((uint64_t)ns * nc >= 0x80000000u || ns > DLV_AC_MAX_STATES) {
        dlv_free(ctx, deep);
        dlv_free(ctx, trie);
        dlv_free(ctx, fail);
        dlv_free(ctx, queue);
        dlv_ac_free(ac);
        return DELIVER_E_LIMIT;
    }
    /* renumber: the root and rsp, then the states up to depth AC_SHALLOW breadth-first (the
     * states a walk is in most of the time come first and share cache lines), then the
     * deeper ones needle by needle, a twin after its state; with the states that end a
     * needle (or have one on their failure chain) last, so the scan tests "state >= thresh"
     * instead of a flag bit */
    uint32_t *ord = dlv_alloc(ctx, (size_t)ns * sizeof(uint32_t));
    uint32_t *id = dlv_alloc(ctx, (size_t)ns * sizeof(uint32_t));
    int32_t *nout = dlv_alloc(ctx, (size_t)ns * sizeof(int32_t));
    int32_t *ndict = dlv_alloc(ctx, (size_t)ns * sizeof(int32_t));
    if (!ord || !id || !nout || !ndict) {
        dlv_free(ctx, deep);
        dlv_free(ctx, ord);
        dlv_free(ctx, id);
        dlv_free(ctx, nout);
        dlv_free(ctx, ndict);
        dlv_free(ctx, trie);
        dlv_free(ctx, fail);
        dlv_free(ctx, queue);
        dlv_ac_free(ac);
        return DELIVER_E_NOMEM;
    }
    size_t m = 0;
    ord[m++] = 0;
    ord[m++] = rsp;
    for (size_t i = 0; i < qt && !deep[queue[i]]; i++) {
        ord[m++] = queue[i];
        if (twin[queue[i]]) {
            ord[m++] = twin[queue[i]];
        }
    }
    /* the deeper states in the order they were made: each needle's own states one after
     * another, so a walk along a phrase reads the table forward (the next state's row is
     * in the same or the next cache line, which the hardware fetches ahead) */
    for (uint32_t q = 1; q < ns0; q++) {
        if (deep[q]) {
            ord[m++] = q;
            if (twin[q]) {
                ord[m++] = twin[q];
            }
        }
    }
    dlv_free(ctx, deep);
    dlv_free(ctx, fail);
    dlv_free(ctx, queue);
    /* m == ns: the queue held every trie state but the root, and every twin follows its
     * state */
    uint32_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (ac->out[ord[i]] < 0 && ac->dict[ord[i]] < 0) {
            id[ord[i]] = k++;
        }
    }
    const uint32_t thresh = k;
    for (size_t i = 0; i < m; i++) {
        if (!(ac->out[ord[i]] < 0 && ac->dict[ord[i]] < 0)) {
            id[ord[i]] = k++;
        }
    }
    dlv_free(ctx, ord);
    for (uint32_t q = 0; q < ns; q++) {
        nout[id[q]] = ac->out[q];
        ndict[id[q]] = ac->dict[q] >= 0 ? (int32_t)id[ac->dict[q]] : -1;
    }
    dlv_free(ctx, ac->out);
    dlv_free(ctx, ac->dict);
    ac->out = nout;
    ac->dict = ndict;
    /* the walked table (see dlv_ac.next): first each row as 16-bit states (their new
     * numbers), in place over its 32-bit form (a row never reaches past the start of the
     * next 32-bit one), shrunk; then the parts of the rows, each in its new place, in a table
     * of its own */
    uint16_t *t16 = (uint16_t *)trie;
    for (size_t q = 0; q < ns; q++) {
        uint16_t r16[256];
        for (unsigned c = 0; c < nc; c++) {
            r16[c] = (uint16_t)id[trie[q * nc + c]];
        }
        memcpy(&t16[q * nc], r16, nc * sizeof(uint16_t));
    }
    void *shrunk = dlv_realloc(ctx, trie, (size_t)ns * nc * sizeof(uint16_t));
    if (shrunk) {
        t16 = shrunk;
    }
    const size_t w = (size_t)1 << DLV_AC_SHIFT, parts = (nc + w - 1) / w;
    ac->next_mem = dlv_calloc(ctx, (size_t)ns * parts * w * sizeof(uint16_t) + 64, 1);
    if (!ac->next_mem) {
        dlv_free(ctx, id);
        dlv_free(ctx, t16);
        dlv_ac_free(ac);
        return DELIVER_E_NOMEM;
    }
    ac->next = (uint16_t *)(((uintptr_t)ac->next_mem + 63) & ~(uintptr_t)63);
    for (size_t q = 0; q < ns; q++) {
        for (unsigned c = 0; c < nc; c++) {
            ac->next[(c / w) * ns * w + id[q] * w + c % w] = (uint16_t)(t16[q * nc + c] << 2);
        }
    }
    dlv_free(ctx, id);
    dlv_free(ctx, t16);
    for (unsigned o = 0; o < 256; o++) {
        ac->colb[o] = (uint32_t)(((ac->cls[o] / w) * ns * w + ac->cls[o] % w) * sizeof(uint16_t));
    }
    ac->nstates = ns;
    ac->thresh = thresh;
    return DELIVER_OK;
}

/* Report every needle ending in state st, at end offset `end`; non-zero when hit asked to
 * stop. */
static int report(const dlv_ac *ac, uint32_t st, size_t end,
                  int (*hit)(size_t needle, size_t end, void *ud), void *ud)
{
    int stop = 0; /* every needle ending here is still reported */
    for (int32_t q = (int32_t)st; q >= 0; q = ac->dict[q]) {
        for (int32_t k = ac->out[q]; k >= 0; k = ac->out_next[k]) {
            stop |= hit((size_t)k, end, ud);
        }
    }
    return stop;
}

/* One step of a walk. A walk holds a state s as its table word v = s << 2 (dlv_ac.next), so
 * the step is one load: the octet's column (colb, its byte offset, off the chain) plus
 * 8 v = 32 s, the byte offset of the state's 16 entries in that part. */
#define AC_NEXT(next, colb, v, octet) \
    ((size_t)*(const uint16_t *)((next) + (colb)[(octet)] + ((v) << 3)))

/* The sequential scan of u[i..n) from the state word *offp (left at the one after u[n-1]);
 * 1 when hit asked to stop. */
static int run_from(const dlv_ac *ac, const unsigned char *u, size_t i, size_t n, size_t *offp,
                    int (*hit)(size_t needle, size_t end, void *ud), void *ud)
{
    const char *next = (const char *)ac->next;
    const uint32_t *colb = ac->colb;
    const size_t thresh = (size_t)ac->thresh << 2;
    size_t v = *offp;
    /* white space runs match one space: the table stays put on the second and later
     * octets of a run (dlv_ac_build). Four octets a round, then the rest one by one. */
#define STEP(j)                                                                  \
    do {                                                                         \
        v = AC_NEXT(next, colb, v, u[j]);                                        \
        if (v >= thresh && report(ac, (uint32_t)(v >> 2), (j) + 1, hit, ud)) {   \
            return 1;                                                            \
        }                                                                        \
    } while (0)
    for (; i + 4 <= n; i += 4) {
        STEP(i);
        STEP(i + 1);
        STEP(i + 2);
        STEP(i + 3);
    }
    for (; i < n; i++) {
        STEP(i);
    }
#undef STEP
    *offp = v;
    return 0;
}

/*
 * Texts of some length run as several interleaved streams. The table walk is a chain of
 * dependent loads, so one stream waits on memory at every octet; k independent chains
 * overlap their waits. The text is cut into k segments; the stream of segment j > 0 starts
 * AC_RUNUP octets early, at the root, and usually reaches its segment in the state one
 * stream would have there (the state is the longest end of the text that begins a needle,
 * and that is short at most places). Whether it did is known when the segment before is
 * done: if the states differ, the true walk is replayed from the cut beside the stream's
 * own until the two meet (a DFA's walks agree from then on: within the longest needle, or
 * at once after an octet no needle holds), its hits replacing the stream's up to there.
 * A stream's hits can only be missing before that point, never false: its state is always
 * an end of the true one.
 * Hits keep their order: every stream holds its hits (AC_PENDING at most), so the walk calls
 * nothing; stream 0's are reported after each round that found one. When the shortest
 * stream is done or a hold is full, the walk goes on stream by stream: each one's check,
 * held hits, then the rest of its segment.
 */
#define AC_RUNUP 16   /* octets a stream walks before its segment */
#define AC_SEG_MIN 64 /* octets per stream at least */
#define AC_PENDING 64 /* hits held back per stream */
#define AC_STREAMS 4

typedef struct ac_held {
    uint32_t end, off;
} ac_held;

typedef struct ac_streams {
    size_t pos[AC_STREAMS];  /* next octet */
    size_t from[AC_STREAMS]; /* the cut: hits ending at or before it belong to the stream before */
    size_t end[AC_STREAMS];  /* end of the segment */
    size_t off[AC_STREAMS];  /* state */
    size_t at_cut[AC_STREAMS]; /* the stream's state at its cut */
    size_t nheld[AC_STREAMS];
    ac_held held[AC_STREAMS][AC_PENDING];
} ac_streams;

/* Lock-step walk of k streams (k a constant at each call, so the loop unrolls and the states
 * stay in registers; more than four streams run out of registers), at most `rounds` rounds.
 * Stops after the round in which stream 0 had a hit or a hold filled up, or when the
 * shortest stream is done. Returns 1 when a hold is full, else 0. */
static inline __attribute__((always_inline)) int lockstep(const dlv_ac *ac,
                                                          const unsigned char *u,
                                                          ac_streams *w, const int k,
                                                          size_t rounds)
{
    const char *next = (const char *)ac->next;
    const uint32_t *colb = ac->colb;
    const size_t thresh = (size_t)ac->thresh << 2;
    size_t len = rounds;
    for (int j = 0; j < k; j++) {
        len = w->end[j] - w->pos[j] < len ? w->end[j] - w->pos[j] : len;
    }
    size_t st[AC_STREAMS];
    const unsigned char *p[AC_STREAMS];
#pragma GCC unroll 4
    for (int j = 0; j < k; j++) {
        st[j] = w->off[j];
        p[j] = u + w->pos[j];
    }
    size_t i = 0;
    int stop = 0;
    while (i < len && !stop) {
#pragma GCC unroll 4
        for (int j = 0; j < k; j++) {
            st[j] = AC_NEXT(next, colb, st[j], p[j][i]);
            if (st[j] >= thresh) {
                size_t e = (size_t)(p[j] - u) + i + 1;
                if (e > w->from[j]) {
                    w->held[j][w->nheld[j]].end = (uint32_t)e;
                    w->held[j][w->nheld[j]].off = (uint32_t)st[j];
                    stop |= ++w->nheld[j] == AC_PENDING || j == 0;
                }
            }
        }
        i++;
    }
    int full = 0;
#pragma GCC unroll 4
    for (int j = 0; j < k; j++) {
        w->off[j] = st[j];
        w->pos[j] += i;
        full |= j > 0 && w->nheld[j] == AC_PENDING;
    }
    return full;
}

/* Lock-step walk up to `rounds` rounds, reporting stream 0's hits as they come; 1 when hit
 * asked to stop, and *full when a hold filled up. */
static int walk(const dlv_ac *ac, const unsigned char *u, ac_streams *w, int k, size_t rounds,
                int *full, int (*hit)(size_t needle, size_t end, void *ud), void *ud)
{
    *full = 0;
    for (;;) {
        size_t before = w->pos[0];
        *full = k == 4 ? lockstep(ac, u, w, 4, rounds) : lockstep(ac, u, w, 2, rounds);
        rounds -= w->pos[0] - before;
        /* stream 0's hits come before everything not yet reported */
        for (size_t h = 0; h < w->nheld[0]; h++) {
            if (report(ac, w->held[0][h].off >> 2, w->held[0][h].end, hit, ud)) {
                return 1;
            }
        }
        w->nheld[0] = 0;
        int done = *full || rounds == 0;
        for (int j = 0; j < k; j++) {
            done |= w->pos[j] == w->end[j];
        }
        if (done) {
            return 0;
        }
    }
}

/* Stream j's part, once everything before its cut is reported and `truth` is the true state
 * at the cut: its held hits and the rest of its segment, or, when it reached the cut in
 * another state, the true walk from the cut until the two meet. *truth becomes the state at
 * the segment's end. 1 when hit asked to stop. */
static int finish(const dlv_ac *ac, const unsigned char *u, ac_streams *w, int j, size_t *truth,
                  int (*hit)(size_t needle, size_t end, void *ud), void *ud)
{
    size_t h = 0;
    if (j > 0 && w->at_cut[j] != *truth) {
        const char *next = (const char *)ac->next;
        const size_t thresh = (size_t)ac->thresh << 2; /* as a state word */
        size_t a = *truth, b = w->at_cut[j], q = w->from[j];
        /* bounded by the stream's walked octets */
        while (q < w->pos[j] && a != b) {
            a = AC_NEXT(next, ac->colb, a, u[q]);
            b = AC_NEXT(next, ac->colb, b, u[q]);
            q++;
            if (a >= thresh && report(ac, (uint32_t)(a >> 2), q, hit, ud)) {
                return 1;
            }
        }
        if (a != b) {
            /* not met where the stream stopped: the true walk goes on alone */
            *truth = a;
            return run_from(ac, u, q, w->end[j], truth, hit, ud);
        }
        while (h < w->nheld[j] && w->held[j][h].end <= q) {
            h++; /* replaced by the true walk's */
        }
    }
    for (; h < w->nheld[j]; h++) {
        if (report(ac, w->held[j][h].off >> 2, w->held[j][h].end, hit, ud)) {
            return 1;
        }
    }
    *truth = w->off[j];
    return run_from(ac, u, w->pos[j], w->end[j], truth, hit, ud);
}

void dlv_ac_run_one(const dlv_ac *ac, const char *s, size_t n,
                    int (*hit)(size_t needle, size_t end, void *ud), void *ud)
{
    size_t off = 0;
    (void)run_from(ac, (const unsigned char *)s, 0, n, &off, hit, ud);
}

void dlv_ac_run(const dlv_ac *ac, const char *s, size_t n,
                int (*hit)(size_t needle, size_t end, void *ud), void *ud)
{
    const unsigned char *u = (const unsigned char *)s;
    /* stream 0 walks [0, seg); stream j walks [c_j - r, c_j+1) with c_j = j seg - (j-1) r, so
     * all have seg octets; held ends are 32 bits */
    const size_t r = AC_RUNUP;
    int k = n > UINT32_MAX - 1 ? 1 : n >= 4 * AC_SEG_MIN ? 4 : n >= 2 * AC_SEG_MIN ? 2 : 1;
    if (k == 1) {
        size_t off = 0;
        (void)run_from(ac, u, 0, n, &off, hit, ud);
        return;
    }
    const size_t seg = (n + (size_t)(k - 1) * r) / (size_t)k;
    ac_streams w;
    for (int j = 0; j < k; j++) {
        size_t c = j ? (size_t)j * seg - (size_t)(j - 1) * r : 0;
        w.from[j] = c;
        w.pos[j] = j ? c - r : 0;
        w.end[j] = j + 1 < k ? (size_t)(j + 1) * seg - (size_t)j * r : n;
        w.off[j] = 0;
        w.at_cut[j] = 0;
        w.nheld[j] = 0;
    }
    /* the run-ups (r rounds: every stream but 0 is then at its cut), then the rest */
    int full = 0;
    if (walk(ac, u, &w, k, r, &full, hit, ud)) {
        return;
    }
    for (int j = 0; j < k; j++) {
        w.at_cut[j] = w.off[j];
    }
    if (!full && walk(ac, u, &w, k, SIZE_MAX, &full, hit, ud)) {
        return;
    }
    size_t truth = 0;
    for (int j = 0; j < k; j++) {
        if (finish(ac, u, &w, j, &truth, hit, ud)) {
            return;
        }
    }
}

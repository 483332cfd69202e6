/*
 * Aho-Corasick automaton for the bounce classifier's needles: one pass over a text finds every
 * phrase of every table, however many tables there are.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "bounce/bounce_int.h"

#include <string.h>

void dlv_ac_free(dlv_ac *ac)
{
    if (!ac->ctx) {
        return;
    }
    dlv_free(ac->ctx, ac->next);
    dlv_free(ac->ctx, ac->out);
    dlv_free(ac->ctx, ac->out_next);
    dlv_free(ac->ctx, ac->dict);
    memset(ac, 0, sizeof(*ac));
}

deliver_status dlv_ac_build(dlv_ac *ac, deliver_ctx *ctx, const dlv_needle *nd, size_t count)
{
    memset(ac, 0, sizeof(*ac));
    ac->ctx = ctx;
    /* classes: every distinct octet used by a needle; upper case maps like lower case */
    size_t total = 1, spaces = 0;
    ac->nclass = 1;
    for (size_t i = 0; i < count; i++) {
        for (const unsigned char *p = (const unsigned char *)nd[i].text; *p; p++) {
            if (!ac->cls[*p]) {
                ac->cls[*p] = (uint8_t)ac->nclass++;
            }
            total++;
            spaces += *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
        }
    }
    for (int c = 'A'; c <= 'Z'; c++) {
        ac->cls[c] = ac->cls[c + 32];
    }
    /* any white space is a space; runs are folded by dlv_ac_run() */
    if (!ac->cls[' ']) {
        ac->cls[' '] = (uint8_t)ac->nclass++;
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
    if (!trie || !ac->out || !ac->dict || !ac->out_next || !fail || !queue || !last) {
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
        uint32_t s = 0;
        for (const unsigned char *p = (const unsigned char *)nd[i].text; *p; p++) {
            uint32_t *t = &trie[(size_t)s * nc + ac->cls[*p]];
            if (!*t) {
                last[ns] = ac->cls[*p];
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
    dlv_free(ctx, fail);
    dlv_free(ctx, queue);
    /* white space runs: built into the table, so the scan needs no test for them. A state
     * is entered after white space iff its string ends in a space, or it is the root reached
     * by a space; the latter gets a state of its own, `rsp` (the root's row, no output). In
     * both, a further white space octet must change nothing and report nothing: a state
     * without output loops to itself; one with output goes to a twin without output and
     * with the same row, which loops to itself. */
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
    if ((uint64_t)ns * nc >= 0x80000000u) {
        dlv_free(ctx, trie);
        ac->next = NULL;
        dlv_ac_free(ac);
        return DELIVER_E_LIMIT;
    }
    /* renumber: the states that end a needle (or have one on their failure chain) last, so
     * the scan tests "row offset >= thresh" instead of a flag bit */
    uint32_t *id = dlv_alloc(ctx, (size_t)ns * sizeof(uint32_t));
    uint32_t *row = dlv_alloc(ctx, (size_t)nc * sizeof(uint32_t));
    int32_t *nout = dlv_alloc(ctx, (size_t)ns * sizeof(int32_t));
    int32_t *ndict = dlv_alloc(ctx, (size_t)ns * sizeof(int32_t));
    if (!id || !row || !nout || !ndict) {
        dlv_free(ctx, id);
        dlv_free(ctx, row);
        dlv_free(ctx, nout);
        dlv_free(ctx, ndict);
        dlv_free(ctx, trie);
        ac->next = NULL;
        dlv_ac_free(ac);
        return DELIVER_E_NOMEM;
    }
    uint32_t k = 0;
    for (uint32_t q = 0; q < ns; q++) {
        if (ac->out[q] < 0 && ac->dict[q] < 0) {
            id[q] = k++;
        }
    }
    const uint32_t thresh = k;
    for (uint32_t q = 0; q < ns; q++) {
        if (!(ac->out[q] < 0 && ac->dict[q] < 0)) {
            id[q] = k++;
        }
    }
    for (uint32_t q = 0; q < ns; q++) {
        nout[id[q]] = ac->out[q];
        ndict[id[q]] = ac->dict[q] >= 0 ? (int32_t)id[ac->dict[q]] : -1;
    }
    dlv_free(ctx, ac->out);
    dlv_free(ctx, ac->dict);
    ac->out = nout;
    ac->dict = ndict;
    /* entries: the target's new row offset; then the rows move to their new places, cycle
     * by cycle (id is a permutation; each row moves once) */
    for (size_t i = 0; i < (size_t)ns * nc; i++) {
        trie[i] = id[trie[i]] * nc;
    }
    for (uint32_t q = 0; q < ns; q++) {
        if (id[q] == q || id[q] == UINT32_MAX) {
            continue;
        }
        /* the cycle through q: the row at q goes to id[q], the one there to its id, ... */
        memcpy(row, &trie[(size_t)q * nc], nc * sizeof(uint32_t));
        uint32_t cur = q;
        while (1) {
            uint32_t to = id[cur];
            id[cur] = UINT32_MAX; /* done */
            if (to == q) {
                memcpy(&trie[(size_t)q * nc], row, nc * sizeof(uint32_t));
                break;
            }
            /* swap row (the one moving) with the row at `to` */
            for (unsigned c = 0; c < nc; c++) {
                uint32_t x = trie[(size_t)to * nc + c];
                trie[(size_t)to * nc + c] = row[c];
                row[c] = x;
            }
            cur = to;
        }
    }
    dlv_free(ctx, id);
    dlv_free(ctx, row);
    ac->next = trie;
    ac->nstates = ns;
    ac->thresh = thresh * nc;
    return DELIVER_OK;
}

/* Report every needle ending in the state at row offset `off`, at end offset `end`; non-zero
 * when hit asked to stop. */
static int report(const dlv_ac *ac, uint32_t off, size_t end,
                  int (*hit)(size_t needle, size_t end, void *ud), void *ud)
{
    int stop = 0; /* every needle ending here is still reported */
    for (int32_t q = (int32_t)(off / ac->nclass); q >= 0; q = ac->dict[q]) {
        for (int32_t k = ac->out[q]; k >= 0; k = ac->out_next[k]) {
            stop |= hit((size_t)k, end, ud);
        }
    }
    return stop;
}

/* The sequential scan of u[i..n) from row offset off. */
static void run_from(const dlv_ac *ac, const unsigned char *u, size_t i, size_t n, size_t off,
                     int (*hit)(size_t needle, size_t end, void *ud), void *ud)
{
    const uint32_t *next = ac->next;
    const uint8_t *cls = ac->cls;
    const size_t thresh = ac->thresh;
    /* white space runs match one space: the table stays put on the second and later
     * octets of a run (dlv_ac_build). Four octets a round, then the rest one by one. */
#define STEP(j)                                                                  \
    do {                                                                         \
        off = next[off + cls[u[j]]];                                             \
        if (off >= thresh && report(ac, (uint32_t)off, (j) + 1, hit, ud)) {      \
            return;                                                              \
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
}

#define AC_SPLIT_MIN 256   /* texts shorter than this are scanned in one stream */
#define AC_SPLIT_LOOK 256  /* octets searched after the middle for a split point */
#define AC_PENDING 256     /* hit positions of the second stream held back */

void dlv_ac_run(const dlv_ac *ac, const char *s, size_t n,
                int (*hit)(size_t needle, size_t end, void *ud), void *ud)
{
    const unsigned char *u = (const unsigned char *)s;
    const uint32_t *next = ac->next;
    const uint8_t *cls = ac->cls;
    const size_t thresh = ac->thresh;
    /* A long text runs as two interleaved streams (the table walk is a chain of dependent
     * loads; two chains overlap). The second starts right after an octet of class 0, which
     * no needle holds: after it, a single stream is at the root too, so both streams see
     * exactly what one would. Hits keep their order: the first stream's are reported at
     * once, the second's positions are held back (AC_PENDING at most; then it waits) and
     * reported when the first is done. */
    size_t m = n;
    if (n >= AC_SPLIT_MIN) {
        for (size_t k = n / 2; k < n / 2 + AC_SPLIT_LOOK; k++) {
            if (!cls[u[k]]) {
                m = k + 1;
                break;
            }
        }
    }
    if (m == n) {
        run_from(ac, u, 0, n, 0, hit, ud);
        return;
    }
    struct {
        size_t end;
        uint32_t off;
    } pend[AC_PENDING];
    size_t np = 0;
    size_t offa = 0, offb = 0, ib = m;
    /* bounded: ia runs to m; ib moves with it while there is room to hold its hits */
    for (size_t ia = 0; ia < m; ia++) {
        offa = next[offa + cls[u[ia]]];
        if (offa >= thresh && report(ac, (uint32_t)offa, ia + 1, hit, ud)) {
            return;
        }
        if (np < AC_PENDING && ib < n) {
            offb = next[offb + cls[u[ib]]];
            ib++;
            if (offb >= thresh) {
                pend[np].end = ib;
                pend[np].off = (uint32_t)offb;
                np++;
            }
        }
    }
    for (size_t k = 0; k < np; k++) {
        if (report(ac, pend[k].off, pend[k].end, hit, ud)) {
            return;
        }
    }
    run_from(ac, u, ib, n, offb, hit, ud);
}

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
    size_t total = 1;
    ac->nclass = 1;
    for (size_t i = 0; i < count; i++) {
        for (const unsigned char *p = (const unsigned char *)nd[i].text; *p; p++) {
            if (!ac->cls[*p]) {
                ac->cls[*p] = (uint8_t)ac->nclass++;
            }
            total++;
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
    uint32_t *trie = dlv_calloc(ctx, total * ac->nclass, sizeof(uint32_t));
    ac->out = dlv_alloc(ctx, total * sizeof(int32_t));
    ac->dict = dlv_alloc(ctx, total * sizeof(int32_t));
    ac->out_next = dlv_alloc(ctx, (count ? count : 1) * sizeof(int32_t));
    uint32_t *fail = dlv_calloc(ctx, total, sizeof(uint32_t));
    uint32_t *queue = dlv_alloc(ctx, total * sizeof(uint32_t));
    if (!trie || !ac->out || !ac->dict || !ac->out_next || !fail || !queue) {
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
    /* premultiply: a transition holds the target's row offset, with the top bit set when
     * the target (or a state on its failure chain) ends a needle; the scan then needs one
     * load per octet */
    if ((uint64_t)ns * nc >= 0x80000000u) {
        dlv_free(ctx, trie);
        ac->next = NULL;
        dlv_ac_free(ac);
        return DELIVER_E_LIMIT;
    }
    for (size_t i = 0; i < (size_t)ns * nc; i++) {
        uint32_t t = trie[i];
        trie[i] = t * nc | (ac->out[t] >= 0 || ac->dict[t] >= 0 ? 0x80000000u : 0);
    }
    ac->next = trie;
    ac->nstates = ns;
    return DELIVER_OK;
}

void dlv_ac_run(const dlv_ac *ac, const char *s, size_t n,
                int (*hit)(size_t needle, size_t end, void *ud), void *ud)
{
    const uint32_t *next = ac->next;
    const uint8_t *cls = ac->cls;
    const unsigned nc = ac->nclass;
    const uint8_t sp = cls[' '];
    uint32_t off = 0; /* row offset of the current state */
    uint8_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = cls[(unsigned char)s[i]];
        if (c == sp && prev == sp) {
            continue; /* a run of white space matches one space */
        }
        prev = c;
        uint32_t t = next[off + c];
        off = t & 0x7fffffffu;
        if (!(t & 0x80000000u)) {
            continue;
        }
        int stop = 0; /* every needle ending here is still reported */
        for (int32_t q = (int32_t)(off / nc); q >= 0; q = ac->dict[q]) {
            for (int32_t k = ac->out[q]; k >= 0; k = ac->out_next[k]) {
                stop |= hit((size_t)k, i + 1, ud);
            }
        }
        if (stop) {
            return;
        }
    }
}

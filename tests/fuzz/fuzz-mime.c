/*
 * Fuzz target: the shared message parser (lib/msg): header fields, unfolding, RFC 2047
 * decoding, relaxed canonical form, Content-Type parameters and the MIME split. Aborts when
 * an invariant of the results does not hold (parts inside the input, depth within the limit),
 * or when the split of an input without CR differs with lf_only (its own line search and
 * delimiter index) from the split without it, header fields included; and when the header
 * parser for LF-only input (one search a line) gives other fields than the general one.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg/msg.h"

/* The same fields at the same places, the same end and truncation. */
static int same_header(const dlv_header *x, const dlv_header *y)
{
    if (x->count != y->count || x->end != y->end || x->truncated != y->truncated) {
        return 0;
    }
    for (size_t i = 0; i < x->count; i++) {
        const dlv_field *f = &x->fields[i], *g = &y->fields[i];
        if (f->name != g->name || f->name_len != g->name_len || f->value != g->value ||
            f->value_len != g->value_len || f->raw != g->raw || f->raw_len != g->raw_len) {
            return 0;
        }
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    deliver_ctx *ctx = NULL;
    if (deliver_ctx_new(&ctx) < 0) {
        return 0;
    }
    const char *buf = (const char *)data;
    dlv_arena a;
    dlv_arena_init(&a, ctx);
    dlv_header h;
    if (dlv_header_parse(&a, buf, size, &h) == DELIVER_OK) {
        if (h.end > size || h.count > DLV_MSG_MAX_FIELDS) {
            abort();
        }
        dlv_buf canon;
        dlv_buf_init(&canon, ctx);
        for (size_t i = 0; i < h.count; i++) {
            const dlv_field *f = &h.fields[i];
            if (f->raw < buf || f->raw + f->raw_len > buf + size) {
                abort();
            }
            (void)dlv_field_decode(&a, f);
            dlv_field_canon_relaxed(&canon, f);
            char type[80], b[DLV_MSG_MAX_PARAM];
            dlv_mime_type(f->value, f->value_len, type, sizeof(type));
            dlv_mime_param(f->value, f->value_len, "boundary", b, sizeof(b));
        }
        dlv_buf_free(&canon);
    }
    dlv_mime m;
    dlv_mime_init(&m, ctx);
    /* the default, then the opt-in lenient split and skipped decoding (the classifier's) */
    for (int mode = 0; mode < 2; mode++) {
        m.lenient = mode;
        m.skip_decode = mode;
        if (dlv_mime_parse(&m, &a, buf, size) != DELIVER_OK) {
            continue;
        }
        if (m.count > DLV_MSG_MAX_PARTS) {
            abort();
        }
        for (size_t i = 0; i < m.count; i++) {
            const dlv_part *p = &m.parts[i];
            if (p->depth > DLV_MSG_MAX_DEPTH || p->body < buf || p->body + p->body_len > buf + size) {
                abort();
            }
        }
    }
    if (!memchr(buf, '\r', size)) {
        /* lf_only must change nothing but the speed */
        dlv_mime lf;
        dlv_mime_init(&lf, ctx);
        for (int mode = 0; mode < 2; mode++) {
            m.lenient = lf.lenient = mode;
            m.skip_decode = lf.skip_decode = mode;
            lf.lf_only = 1;
            deliver_status s1 = dlv_mime_parse(&m, &a, buf, size);
            deliver_status s2 = dlv_mime_parse(&lf, &a, buf, size);
            if (s1 != s2 ||
                (s1 == DELIVER_OK && (m.count != lf.count || m.truncated != lf.truncated))) {
                abort();
            }
            for (size_t i = 0; s1 == DELIVER_OK && i < m.count; i++) {
                const dlv_part *p = &m.parts[i], *q = &lf.parts[i];
                if (p->body != q->body || p->body_len != q->body_len || p->depth != q->depth ||
                    p->parent != q->parent || strcmp(p->type, q->type) != 0 ||
                    p->data_len != q->data_len || memcmp(p->data, q->data, p->data_len) != 0 ||
                    !same_header(&p->hdr, &q->hdr)) {
                    abort();
                }
            }
        }
        dlv_mime_free(&lf);
        dlv_header h1, h2;
        if (dlv_header_parse(&a, buf, size, &h1) == DELIVER_OK &&
            dlv_header_parse_lf(&a, buf, size, &h2) == DELIVER_OK && !same_header(&h1, &h2)) {
            abort();
        }
    }
    size_t n;
    (void)dlv_qp_decode(&a, buf, size, &n);
    (void)dlv_base64_decode(&a, buf, size, &n);
    dlv_mime_free(&m);
    dlv_arena_clear(&a);
    deliver_ctx_free(ctx);
    return 0;
}

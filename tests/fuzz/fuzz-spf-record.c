/*
 * Fuzz target: SPF record parsing (dlv_spf_is_record, dlv_spf_parse) on arbitrary bytes.
 * Aborts when an invariant fails: terms lie inside the text, in order and without overlap,
 * names and specs inside their terms, fields in range, redirect/exp pointing at terms of
 * the right kind, and every parsed macro-string expanding without a syntax error.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "spf/spf_int.h"

static int inside(const char *p, size_t n, const char *base, size_t len)
{
    return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

static void check_record(const char *text, size_t len, const dlv_spf_record *rec, dlv_buf *buf)
{
    if (rec->nterms > DLV_SPF_MAX_TERMS || (rec->nterms > 0) != (rec->terms != NULL)) {
        abort();
    }
    size_t prev_end = 6; /* after "v=spf1" */
    int nredirect = 0, nexp = 0;
    dlv_ip ip4, ip6;
    dlv_ip_parse("192.0.2.3", 9, &ip4);
    dlv_ip_parse("2001:db8::cb01", 14, &ip6);
    dlv_spf_macro_env env = {"strong-bad", "email.example.com", "email.example.com", &ip6,
                             "mx.example.org", NULL, NULL, 1234567890};
    for (size_t i = 0; i < rec->nterms; i++) {
        const dlv_spf_term *t = &rec->terms[i];
        /* inside the text, separated from the previous term by at least one space */
        if (t->len == 0 || t->offset <= prev_end || t->offset > len || t->len > len - t->offset ||
            text[t->offset - 1] != ' ' ||
            (t->offset + t->len < len && text[t->offset + t->len] != ' ')) {
            abort();
        }
        for (size_t k = prev_end; k < t->offset; k++) {
            if (text[k] != ' ') {
                abort();
            }
        }
        const char *tb = text + t->offset;
        for (size_t k = 0; k < t->len; k++) {
            unsigned char c = (unsigned char)tb[k];
            if (c < 0x21 || c > 0x7e) {
                abort();
            }
        }
        prev_end = t->offset + t->len;
        if (t->name == NULL || t->name_len == 0 || !inside(t->name, t->name_len, tb, t->len)) {
            abort();
        }
        if (t->spec != NULL && !inside(t->spec, t->spec_len, tb, t->len)) {
            abort();
        }
        if (t->spec_has_macros != (t->spec != NULL && memchr(t->spec, '%', t->spec_len) != NULL)) {
            abort();
        }
        if (t->cidr4 > 32 || t->cidr6 > 128 || (!t->has_cidr4 && t->cidr4 != 32) ||
            (!t->has_cidr6 && t->cidr6 != 128)) {
            abort();
        }
        switch (t->kind) {
        case DLV_SPF_TERM_MECHANISM:
            if (t->mech < DLV_SPF_ALL || t->mech > DLV_SPF_EXISTS) {
                abort();
            }
            if (strchr("+-~?", t->qualifier) == NULL || t->qualifier == '\0' ||
                t->explicit_qualifier != (tb[0] == t->qualifier)) {
                abort();
            }
            if ((t->mech == DLV_SPF_INCLUDE || t->mech == DLV_SPF_EXISTS) &&
                (t->spec == NULL || t->spec_len == 0)) {
                abort();
            }
            if ((t->mech == DLV_SPF_ALL || t->mech == DLV_SPF_IP4 || t->mech == DLV_SPF_IP6) &&
                t->spec != NULL) {
                abort();
            }
            if (t->mech == DLV_SPF_IP4 && (t->net.family != 4 || t->has_cidr6)) {
                abort();
            }
            if (t->mech == DLV_SPF_IP6 && (t->net.family != 6 || t->has_cidr4)) {
                abort();
            }
            if ((t->has_cidr4 || t->has_cidr6) && t->mech != DLV_SPF_A && t->mech != DLV_SPF_MX &&
                t->mech != DLV_SPF_IP4 && t->mech != DLV_SPF_IP6) {
                abort();
            }
            break;
        case DLV_SPF_TERM_REDIRECT:
            nredirect++;
            if (rec->redirect != t || t->spec == NULL || t->spec_len == 0) {
                abort();
            }
            break;
        case DLV_SPF_TERM_EXP:
            nexp++;
            if (rec->exp != t || t->spec == NULL || t->spec_len == 0) {
                abort();
            }
            break;
        case DLV_SPF_TERM_UNKNOWN_MODIFIER:
            if (t->spec == NULL || t->spec != t->name + t->name_len + 1) {
                abort();
            }
            break;
        default:
            abort();
        }
        /* the parser checked the macro syntax: expansion fails at most on size */
        if (t->spec != NULL && t->spec_len < 200) {
            const char *why = NULL;
            dlv_buf_reset(buf);
            if (dlv_spf_expand(&env, t->spec, t->spec_len, DLV_SPF_EXPAND_EXP, buf, &why) != 0) {
                abort();
            }
            if (t->kind != DLV_SPF_TERM_UNKNOWN_MODIFIER) {
                dlv_buf_reset(buf);
                int rc = dlv_spf_expand(&env, t->spec, t->spec_len, DLV_SPF_EXPAND_DOMAIN, buf,
                                        &why);
                if (rc != 0 && strcmp(why, "expanded domain name too long") != 0) {
                    abort();
                }
            }
        }
    }
    for (size_t k = prev_end; k < len; k++) {
        if (text[k] != ' ') {
            abort();
        }
    }
    if ((nredirect == 0) != (rec->redirect == NULL) || (nexp == 0) != (rec->exp == NULL)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    deliver_ctx *ctx = NULL;
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        return 0;
    }
    dlv_arena arena;
    dlv_arena_init(&arena, ctx);
    dlv_buf buf;
    dlv_buf_init(&buf, ctx);

    dlv_spf_record rec;
    size_t off = (size_t)-1;
    const char *why = NULL;
    deliver_status st = dlv_spf_parse(&arena, text, size, &rec, &off, &why);
    int is_rec = dlv_spf_is_record(text, size);
    if (st == DELIVER_OK) {
        if (!is_rec) {
            abort();
        }
        check_record(text, size, &rec, &buf);
    } else if (st == DELIVER_E_PARSE || st == DELIVER_E_LIMIT) {
        if (off > size || why == NULL || why[0] == '\0' || (st == DELIVER_E_LIMIT && !is_rec)) {
            abort();
        }
    } else if (st != DELIVER_E_NOMEM) {
        abort();
    }
    /* the same bytes behind a version tag */
    if (size < 4096) {
        char *rec_text = malloc(size + 7);
        if (rec_text != NULL) {
            memcpy(rec_text, "v=spf1 ", 7);
            memcpy(rec_text + 7, data, size);
            dlv_arena_clear(&arena);
            st = dlv_spf_parse(&arena, rec_text, size + 7, &rec, &off, &why);
            if (st == DELIVER_OK) {
                check_record(rec_text, size + 7, &rec, &buf);
            } else if (off > size + 7 || why == NULL || why[0] == '\0') {
                abort();
            }
            free(rec_text);
        }
    }
    dlv_buf_free(&buf);
    dlv_arena_clear(&arena);
    deliver_ctx_free(ctx);
    return 0;
}

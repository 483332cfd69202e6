/*
 * Fuzz target: email address parsing in every mode (RFC 5321 path, RFC 5322 mailbox and
 * address list, with and without UTF-8), the public deliver_address_* handle and
 * deliver_domain_to_ascii(). Aborts when an invariant of the results does not hold.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <deliver/address.h>

#include "core/address.h"

static void check_mailbox(const dlv_mailbox *mb, unsigned flags)
{
    if (mb->local == NULL || mb->domain == NULL || mb->domain[0] == '\0') {
        abort();
    }
    if (strlen(mb->local) > DLV_ADDR_LOCAL_MAX || strlen(mb->domain) > DLV_ADDR_PATH_MAX) {
        abort();
    }
    if ((flags & DLV_ADDR_SMTP) && mb->display != NULL) {
        abort();
    }
    if (!(flags & DLV_ADDR_UTF8) && mb->utf8) {
        abort();
    }
    if (!mb->literal) {
        /* normalised: lower-case ASCII, at most 253 octets */
        if (strlen(mb->domain) > DLV_DOMAIN_MAX) {
            abort();
        }
        for (const char *c = mb->domain; *c != '\0'; c++) {
            if ((unsigned char)*c >= 0x80 || (*c >= 'A' && *c <= 'Z')) {
                abort();
            }
        }
    }
}

static int same_mailbox(const dlv_mailbox *a, const dlv_mailbox *b)
{
    return strcmp(a->local, b->local) == 0 && strcmp(a->domain, b->domain) == 0 &&
           (a->display == NULL) == (b->display == NULL) &&
           (a->display == NULL || strcmp(a->display, b->display) == 0) && a->quoted == b->quoted &&
           a->utf8 == b->utf8 && a->literal == b->literal;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned modes[] = {DLV_ADDR_SMTP, DLV_ADDR_HEADER};
    deliver_ctx *ctx = NULL;
    const char *s = (const char *)data;

    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        return 0;
    }

    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        dlv_mailbox ascii, utf8;
        const char *why = NULL;
        deliver_status st1 = dlv_mailbox_parse(ctx, s, size, modes[m], &ascii, &why);
        if (st1 == DELIVER_OK) {
            check_mailbox(&ascii, modes[m]);
        } else if (why == NULL || ascii.local != NULL || ascii.domain != NULL) {
            abort();
        }
        deliver_status st2 = dlv_mailbox_parse(ctx, s, size, modes[m] | DLV_ADDR_UTF8, &utf8,
                                               &why);
        if (st2 == DELIVER_OK) {
            check_mailbox(&utf8, modes[m] | DLV_ADDR_UTF8);
        }
        /* allowing UTF-8 never rejects what ASCII-only mode accepted, nor changes it */
        if (st1 == DELIVER_OK && (st2 != DELIVER_OK || !same_mailbox(&ascii, &utf8))) {
            abort();
        }
        dlv_mailbox_clear(ctx, &ascii);
        dlv_mailbox_clear(ctx, &utf8);
    }

    for (unsigned u = 0; u < 2; u++) {
        unsigned flags = DLV_ADDR_HEADER | (u ? DLV_ADDR_UTF8 : 0u);
        dlv_mailbox *list = NULL;
        size_t count = 0;
        const char *why = NULL;
        deliver_status st = dlv_mailbox_list_parse(ctx, s, size, flags, &list, &count, &why);
        if (st == DELIVER_OK) {
            if (count > DLV_ADDR_LIST_MAX || (count == 0) != (list == NULL)) {
                abort();
            }
            for (size_t k = 0; k < count; k++) {
                check_mailbox(&list[k], flags);
            }
        } else if (list != NULL || count != 0 || why == NULL) {
            abort();
        }
        dlv_mailbox_list_free(ctx, list, count);
    }

    /* the public handle; the first octet picks the flags, also invalid ones */
    if (size > 0) {
        deliver_address *a = NULL;
        unsigned flags = data[0] & 0x0fu;
        deliver_status st = deliver_address_parse(&a, ctx, s + 1, size - 1, flags);
        if (st == DELIVER_OK) {
            if (a == NULL || deliver_address_get_local(a) == NULL ||
                deliver_address_get_domain(a)[0] == '\0' ||
                deliver_address_get_display_name(a) == NULL) {
                abort();
            }
            (void)deliver_address_is_quoted(a);
            (void)deliver_address_is_utf8(a);
            (void)deliver_address_is_literal(a);
        } else if (a != NULL || deliver_ctx_errmsg(ctx)[0] == '\0') {
            abort();
        }
        deliver_address_free(a);
    }

    /* deliver_domain_to_ascii on a NUL-terminated copy, with a size query first */
    if (size < 4096) {
        char *name = malloc(size + 1);
        if (name != NULL) {
            memcpy(name, data, size);
            name[size] = '\0';
            size_t need = 0;
            deliver_status st = deliver_domain_to_ascii(name, NULL, 0, &need);
            if (st == DELIVER_E_LIMIT) {
                char *buf = malloc(need);
                if (buf == NULL) {
                    abort();
                }
                size_t need2 = 0;
                if (deliver_domain_to_ascii(name, buf, need, &need2) != DELIVER_OK ||
                    need2 != need || strlen(buf) + 1 != need ||
                    deliver_domain_to_ascii(name, buf, need - 1, &need2) != DELIVER_E_LIMIT) {
                    abort();
                }
                free(buf);
            } else if (st == DELIVER_OK) {
                abort(); /* the result never fits in 0 octets */
            }
            free(name);
        }
    }

    deliver_ctx_free(ctx);
    return 0;
}

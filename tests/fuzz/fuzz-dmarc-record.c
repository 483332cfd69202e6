/*
 * Fuzz target: the DMARC record parser in both modes, with findings, and the TXT-set
 * selection (the input split at NUL octets into several records). Aborts when an invariant
 * of the result does not hold.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <deliver/dmarc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const deliver_dmarc_record *r)
{
    int valid = deliver_dmarc_record_is_valid(r);
    deliver_dmarc_policy p = deliver_dmarc_record_get_policy(r);
    if (valid != (deliver_dmarc_record_get_error(r) == DELIVER_DMARC_RECORD_OK)) {
        abort();
    }
    if (valid && (p < DELIVER_DMARC_POLICY_NONE || p > DELIVER_DMARC_POLICY_REJECT ||
                  deliver_dmarc_record_get_subdomain_policy(r) == DELIVER_DMARC_POLICY_UNSET ||
                  deliver_dmarc_record_get_nonexistent_policy(r) == DELIVER_DMARC_POLICY_UNSET ||
                  deliver_dmarc_record_get_pct(r) > 100)) {
        abort();
    }
    for (int k = 1; k <= 2; k++) {
        for (size_t i = 0; i < deliver_dmarc_record_uri_count(r, (deliver_dmarc_report_kind)k); i++) {
            const char *u = deliver_dmarc_record_get_uri(r, (deliver_dmarc_report_kind)k, i);
            if (!u || !strchr(u, ':')) {
                abort();
            }
        }
    }
    for (size_t i = 0; i < deliver_dmarc_record_finding_count(r); i++) {
        const deliver_finding *f = deliver_dmarc_record_get_finding(r, i);
        if (!f || strncmp(deliver_finding_id(f), "dmarc.", 6) != 0) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 70000) {
        return 0;
    }
    deliver_ctx *ctx;
    deliver_dmarc_record *r;
    if (deliver_ctx_new(&ctx) != DELIVER_OK) {
        return 0;
    }
    if (deliver_dmarc_record_new(&r, ctx) != DELIVER_OK) {
        deliver_ctx_free(ctx);
        return 0;
    }
    deliver_dmarc_record_set_domain(r, "example.com");
    for (int mode = 1; mode <= 2; mode++) {
        deliver_dmarc_record_set_mode(r, (deliver_dmarc_mode)mode);
        if (deliver_dmarc_record_parse(r, data, size) != DELIVER_OK) {
            abort();
        }
        check(r);
    }
    const uint8_t *bufs[8];
    size_t lens[8], n = 0, s = 0;
    for (size_t i = 0; i <= size && n < 8; i++) {
        if (i == size || data[i] == 0) {
            bufs[n] = data + s;
            lens[n++] = i - s;
            s = i + 1;
        }
    }
    if (deliver_dmarc_record_parse_rrset(r, n, bufs, lens) != DELIVER_OK) {
        abort();
    }
    check(r);
    deliver_dmarc_record_free(r);
    deliver_ctx_free(ctx);
    return 0;
}

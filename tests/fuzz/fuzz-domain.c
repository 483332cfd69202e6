/*
 * Fuzz target: domain-name normalisation (UTF-8, A-labels, limits); the result must be
 * stable when normalised again.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "core/core.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned flag_sets[] = {0, DLV_NAME_HOSTNAME, DLV_NAME_NO_IDN};
    for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
        char out[DLV_DOMAIN_MAX + 1], again[DLV_DOMAIN_MAX + 1];
        const char *why = NULL;
        if (dlv_domain_normalize((const char *)data, size, out, flag_sets[i], &why) != DELIVER_OK) {
            if (!why || out[0] != '\0') {
                abort();
            }
            continue;
        }
        size_t n = strlen(out);
        if (n == 0 || n > DLV_DOMAIN_MAX) {
            abort();
        }
        if (dlv_domain_normalize(out, n, again, flag_sets[i], &why) != DELIVER_OK ||
            strcmp(out, again) != 0) {
            abort();
        }
        if (!dlv_domain_is_within(out, out) || !dlv_domain_equal(out, again)) {
            abort();
        }
    }
    return 0;
}

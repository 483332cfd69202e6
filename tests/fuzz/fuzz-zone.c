/*
 * Fuzz target: master-format zone text ("what if I published this"), then questions
 * answered from it.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <deliver/deliver.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    deliver_ctx *ctx;
    if (size > 65536 || deliver_ctx_new(&ctx) != DELIVER_OK) {
        return 0;
    }
    if (deliver_ctx_add_zone_text(ctx, (const char *)data, size, "fuzz.test") == DELIVER_OK) {
        static const char *names[] = {"fuzz.test", "www.fuzz.test", "a.b.fuzz.test",
                                      "x.y.z.fuzz.test", "elsewhere.test"};
        static const uint16_t types[] = {1, 5, 15, 16, 28, 52, 6};
        deliver_dns_lookup *l = NULL;
        if (deliver_dns_lookup_new(&l, ctx) == DELIVER_OK) {
            for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
                for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
                    if (deliver_dns_lookup_run(l, names[n], types[t]) != DELIVER_OK) {
                        abort(); /* the zone resolver never fails a valid question */
                    }
                    for (size_t k = 0; k < deliver_dns_lookup_record_count(l); k++) {
                        deliver_dns_record_get_text(deliver_dns_lookup_get_record(l, k));
                    }
                }
            }
        }
        deliver_dns_lookup_free(l);
    } else if (deliver_ctx_errmsg(ctx)[0] == '\0') {
        /* every refusal says why; a NUL byte or an allocation failure may be terse */
        if (!memchr(data, 0, size)) {
            abort();
        }
    }
    deliver_ctx_free(ctx);
    return 0;
}

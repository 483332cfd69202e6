/*
 * Test helper: DNS replies in wire format, built with ldns from presentation-form records.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_TEST_DNSWIRE_H
#define DLV_TEST_DNSWIRE_H

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

/*
 * A reply to (qname, qtype) with this id and rcode; answers and authority are NULL-terminated
 * lists of records in presentation form ("a.test. 300 IN A 192.0.2.1"). *out is malloc'ed.
 * Returns 0, or -1 when a record does not parse.
 */
static int make_reply(const char *qname, uint16_t qtype, uint16_t id, int rcode,
                      const char *const *answers, const char *const *authority, uint8_t **out,
                      size_t *len)
{
    char full[600];
    snprintf(full, sizeof(full), "%s.", qname);
    ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(full), (ldns_rr_type)qtype,
                                     LDNS_RR_CLASS_IN, LDNS_RD);
    ldns_pkt_set_id(p, id);
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_aa(p, true);
    ldns_pkt_set_rcode(p, (uint8_t)rcode);
    for (size_t i = 0; answers && answers[i]; i++) {
        ldns_rr *rr = NULL;
        if (ldns_rr_new_frm_str(&rr, answers[i], 3600, NULL, NULL) != LDNS_STATUS_OK) {
            ldns_pkt_free(p);
            return -1;
        }
        ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
    }
    for (size_t i = 0; authority && authority[i]; i++) {
        ldns_rr *rr = NULL;
        if (ldns_rr_new_frm_str(&rr, authority[i], 3600, NULL, NULL) != LDNS_STATUS_OK) {
            ldns_pkt_free(p);
            return -1;
        }
        ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr);
    }
    int r = ldns_pkt2wire(out, p, len) == LDNS_STATUS_OK ? 0 : -1;
    ldns_pkt_free(p);
    return r;
}

#endif

/*
 * deliver dns NAME TYPE: one lookup through the configured resolver.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "cli.h"

static const deliver_finding *get_finding(const void *h, size_t i)
{
    return deliver_dns_lookup_get_finding(h, i);
}

static void text_record(const deliver_dns_record *rr)
{
    char tn[16];
    printf("%s.\t%u\tIN\t%s\t%s\n", deliver_dns_record_get_owner(rr),
           deliver_dns_record_get_ttl(rr),
           deliver_dns_type_name(deliver_dns_record_get_type(rr), tn, sizeof(tn)),
           deliver_dns_record_get_text(rr));
}

static void json_record(json *j, const deliver_dns_record *rr)
{
    char tn[16];
    json_begin_object(j);
    json_key(j, "owner");
    json_string(j, deliver_dns_record_get_owner(rr));
    json_key(j, "ttl");
    json_int(j, deliver_dns_record_get_ttl(rr));
    json_key(j, "type");
    json_string(j, deliver_dns_type_name(deliver_dns_record_get_type(rr), tn, sizeof(tn)));
    json_key(j, "data");
    json_string(j, deliver_dns_record_get_text(rr));
    size_t n = deliver_dns_record_txt_count(rr);
    if (n > 0) {
        json_key(j, "strings");
        json_begin_array(j);
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const uint8_t *s = deliver_dns_record_get_txt(rr, i, &len);
            json_string_n(j, (const char *)s, len);
        }
        json_end_array(j);
        size_t jl;
        const uint8_t *joined = deliver_dns_record_get_txt_joined(rr, &jl);
        json_key(j, "joined");
        json_string_n(j, (const char *)joined, jl);
    }
    const char *target = deliver_dns_record_get_target(rr);
    if (target) {
        json_key(j, "target");
        json_string(j, target);
    }
    json_end_object(j);
}

int cmd_dns(cli *c, int argc, char **argv)
{
    if (argc != 2) {
        cli_error(c, "usage: %s [options] dns NAME TYPE", c->prog);
        return CLI_USAGE;
    }
    uint16_t type;
    if (deliver_dns_type_from_name(argv[1], &type) != DELIVER_OK) {
        cli_error(c, "unknown record type: %s", argv[1]);
        return CLI_USAGE;
    }
    deliver_dns_lookup *l = NULL;
    deliver_status st = deliver_dns_lookup_new(&l, c->ctx);
    if (st < 0) {
        cli_error(c, "%s", deliver_strerror(st));
        return CLI_FAILED;
    }
    st = deliver_dns_lookup_run(l, argv[0], type);
    if (st < 0) {
        cli_error(c, "%s: %s", argv[0], *deliver_dns_lookup_errmsg(l)
                                           ? deliver_dns_lookup_errmsg(l)
                                           : deliver_strerror(st));
        deliver_dns_lookup_free(l);
        return st == DELIVER_E_INVALID ? CLI_USAGE : CLI_FAILED;
    }
    char tn[16];
    deliver_dns_type_name(type, tn, sizeof(tn));
    deliver_dns_outcome oc = deliver_dns_lookup_get_outcome(l);
    size_t ncn = deliver_dns_lookup_cname_count(l), nrr = deliver_dns_lookup_record_count(l);
    size_t nf = deliver_dns_lookup_finding_count(l);
    if (c->json) {
        json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "name");
        json_string(&j, deliver_dns_lookup_get_name(l));
        json_key(&j, "type");
        json_string(&j, tn);
        json_key(&j, "outcome");
        json_string(&j, deliver_dns_outcome_name(oc));
        json_key(&j, "rcode");
        json_int(&j, deliver_dns_lookup_get_rcode(l));
        json_key(&j, "authenticated");
        json_bool(&j, deliver_dns_lookup_is_authenticated(l));
        json_key(&j, "cnames");
        json_begin_array(&j);
        for (size_t i = 0; i < ncn; i++) {
            json_record(&j, deliver_dns_lookup_get_cname(l, i));
        }
        json_end_array(&j);
        json_key(&j, "records");
        json_begin_array(&j);
        for (size_t i = 0; i < nrr; i++) {
            json_record(&j, deliver_dns_lookup_get_record(l, i));
        }
        json_end_array(&j);
        json_findings(&j, nf, get_finding, l);
        json_end_object(&j);
    } else {
        printf(";; %s %s: %s, rcode %d%s\n", deliver_dns_lookup_get_name(l), tn,
               deliver_dns_outcome_name(oc), deliver_dns_lookup_get_rcode(l),
               deliver_dns_lookup_is_authenticated(l) ? ", authenticated" : "");
        for (size_t i = 0; i < ncn; i++) {
            text_record(deliver_dns_lookup_get_cname(l, i));
        }
        for (size_t i = 0; i < nrr; i++) {
            text_record(deliver_dns_lookup_get_record(l, i));
        }
        text_findings(stdout, nf, get_finding, l);
    }
    deliver_dns_lookup_free(l);
    return CLI_OK;
}

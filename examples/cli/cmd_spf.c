/*
 * deliver spf IP SENDER [HELO]: an SPF check with its trace and result headers.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const deliver_finding *get_finding(const void *h, size_t i)
{
    return deliver_spf_get_finding(h, i);
}

static const char *outcome_name(deliver_spf_term_outcome o)
{
    switch (o) {
    case DELIVER_SPF_TERM_MATCH:
        return "match";
    case DELIVER_SPF_TERM_NO_MATCH:
        return "no match";
    case DELIVER_SPF_TERM_ERROR:
        return "error";
    case DELIVER_SPF_TERM_RECORD:
        return "record";
    }
    return "unknown";
}

static int number(cli *c, const char *opt, const char *v, unsigned *out)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *end || n > 1000) {
        cli_error(c, "bad %s: %s", opt, v);
        return -1;
    }
    *out = (unsigned)n;
    return 0;
}

int cmd_spf(cli *c, int argc, char **argv)
{
    const char *ops[3] = {NULL, NULL, NULL};
    int nops = 0, helo_identity = 0;
    const char *default_exp = NULL, *receiver = NULL;
    unsigned max_dns = 10, max_void = 2;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--helo-identity") == 0) {
            helo_identity = 1;
        } else if (strcmp(a, "--default-explanation") == 0 && v) {
            default_exp = v;
            i++;
        } else if (strcmp(a, "--receiver") == 0 && v) {
            receiver = v;
            i++;
        } else if (strcmp(a, "--max-lookups") == 0 && v) {
            if (number(c, a, v, &max_dns) < 0) {
                return CLI_USAGE;
            }
            i++;
        } else if (strcmp(a, "--max-void-lookups") == 0 && v) {
            if (number(c, a, v, &max_void) < 0) {
                return CLI_USAGE;
            }
            i++;
        } else if (a[0] == '-' && a[1] == '-') {
            cli_error(c, "unknown or incomplete option for spf: %s", a);
            return CLI_USAGE;
        } else if (nops < 3) {
            ops[nops++] = a;
        } else {
            nops++;
        }
    }
    if (nops < 2 || nops > 3 || (helo_identity && nops != 3)) {
        cli_error(c, "usage: %s [options] spf [--helo-identity] [--default-explanation TEXT] "
                     "[--receiver HOST] [--max-lookups N] [--max-void-lookups N] IP SENDER [HELO]",
                  c->prog);
        return CLI_USAGE;
    }
    deliver_spf *spf = NULL;
    deliver_status st = deliver_spf_new(&spf, c->ctx);
    if (st == DELIVER_OK && default_exp) {
        st = deliver_spf_set_default_explanation(spf, default_exp);
    }
    if (st == DELIVER_OK && receiver) {
        st = deliver_spf_set_receiver(spf, receiver);
    }
    if (st == DELIVER_OK) {
        st = deliver_spf_set_max_dns_mechanisms(spf, max_dns);
    }
    if (st == DELIVER_OK) {
        st = deliver_spf_set_max_void_lookups(spf, max_void);
    }
    if (st < 0) {
        cli_error(c, "%s", spf && *deliver_spf_errmsg(spf) ? deliver_spf_errmsg(spf)
                                                           : deliver_strerror(st));
        deliver_spf_free(spf);
        return st == DELIVER_E_NOMEM ? CLI_FAILED : CLI_USAGE;
    }
    st = helo_identity ? deliver_spf_check_helo(spf, ops[0], ops[2])
                       : deliver_spf_check(spf, ops[0], ops[1], ops[2]);
    if (st < 0) {
        cli_error(c, "%s", *deliver_spf_errmsg(spf) ? deliver_spf_errmsg(spf)
                                                    : deliver_strerror(st));
        deliver_spf_free(spf);
        return st == DELIVER_E_INVALID ? CLI_USAGE : CLI_FAILED;
    }
    deliver_spf_result r = deliver_spf_get_result(spf);
    size_t nt = deliver_spf_trace_count(spf), nf = deliver_spf_finding_count(spf);
    if (c->json) {
        json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "result");
        json_string(&j, deliver_spf_result_name(r));
        json_key(&j, "domain");
        json_string(&j, deliver_spf_get_domain(spf));
        json_key(&j, "identity");
        json_string(&j, deliver_spf_get_identity(spf) == DELIVER_SPF_IDENTITY_HELO ? "helo"
                                                                                  : "mailfrom");
        json_key(&j, "explanation");
        json_string(&j, deliver_spf_get_explanation(spf));
        json_key(&j, "mechanism");
        json_string(&j, deliver_spf_get_mechanism(spf));
        json_key(&j, "reason");
        json_string(&j, deliver_spf_get_reason(spf));
        json_key(&j, "dns_mechanisms");
        json_int(&j, deliver_spf_dns_mechanism_count(spf));
        json_key(&j, "void_lookups");
        json_int(&j, deliver_spf_void_lookup_count(spf));
        json_key(&j, "trace");
        json_begin_array(&j);
        for (size_t i = 0; i < nt; i++) {
            json_begin_object(&j);
            json_key(&j, "depth");
            json_int(&j, deliver_spf_trace_get_depth(spf, i));
            json_key(&j, "domain");
            json_string(&j, deliver_spf_trace_get_domain(spf, i));
            json_key(&j, "term");
            json_string(&j, deliver_spf_trace_get_term(spf, i));
            json_key(&j, "outcome");
            json_string(&j, outcome_name(deliver_spf_trace_get_outcome(spf, i)));
            json_key(&j, "queries");
            json_string(&j, deliver_spf_trace_get_queries(spf, i));
            json_key(&j, "detail");
            json_string(&j, deliver_spf_trace_get_detail(spf, i));
            json_key(&j, "dns_mechanisms");
            json_int(&j, deliver_spf_trace_get_dns_mechanisms(spf, i));
            json_key(&j, "void_lookups");
            json_int(&j, deliver_spf_trace_get_void_lookups(spf, i));
            json_end_object(&j);
        }
        json_end_array(&j);
        json_key(&j, "received_spf");
        json_string(&j, deliver_spf_get_received_spf(spf));
        json_key(&j, "authentication_results");
        json_string(&j, deliver_spf_get_auth_results(spf));
        json_findings(&j, nf, get_finding, spf);
        json_end_object(&j);
    } else {
        printf("spf: %s", deliver_spf_result_name(r));
        if (*deliver_spf_get_mechanism(spf)) {
            printf(" (%s)", deliver_spf_get_mechanism(spf));
        }
        printf("\n");
        if (*deliver_spf_get_explanation(spf)) {
            printf("explanation: %s\n", deliver_spf_get_explanation(spf));
        }
        if (*deliver_spf_get_reason(spf)) {
            printf("reason: %s\n", deliver_spf_get_reason(spf));
        }
        printf("DNS-querying terms: %u of %u; void lookups: %u of %u\n",
               deliver_spf_dns_mechanism_count(spf), max_dns, deliver_spf_void_lookup_count(spf),
               max_void);
        for (size_t i = 0; i < nt; i++) {
            unsigned d = deliver_spf_trace_get_depth(spf, i);
            deliver_spf_term_outcome o = deliver_spf_trace_get_outcome(spf, i);
            printf("%*s", (int)(2 * d + 2), "");
            if (o == DELIVER_SPF_TERM_RECORD) {
                printf("%s: \"%s\"", deliver_spf_trace_get_domain(spf, i),
                       deliver_spf_trace_get_term(spf, i));
            } else {
                printf("%-32s %s [%u lookups, %u void]", deliver_spf_trace_get_term(spf, i),
                       outcome_name(o), deliver_spf_trace_get_dns_mechanisms(spf, i),
                       deliver_spf_trace_get_void_lookups(spf, i));
            }
            if (*deliver_spf_trace_get_detail(spf, i)) {
                printf(" %s", deliver_spf_trace_get_detail(spf, i));
            }
            printf("\n");
        }
        printf("%s\n", deliver_spf_get_received_spf(spf));
        printf("Authentication-Results: %s\n", deliver_spf_get_auth_results(spf));
        text_findings(stdout, nf, get_finding, spf);
    }
    deliver_spf_free(spf);
    return CLI_OK;
}

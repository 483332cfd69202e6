/*
 * deliver spf-lint DOMAIN | --record TEXT [--domain D]: lint an SPF record and its whole
 * include tree: worst-case DNS-querying terms, void lookups, loops, risky terms.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "cli.h"

#include <string.h>

static const deliver_finding *get_finding(const void *h, size_t i)
{
    return deliver_spf_lint_get_finding(h, i);
}

static void json_entry_fields(json *j, const deliver_spf_lint *l, size_t i)
{
    json_key(j, "domain");
    json_string(j, deliver_spf_lint_tree_get_domain(l, i));
    json_key(j, "term");
    json_string(j, deliver_spf_lint_tree_get_term(l, i));
    json_key(j, "record");
    json_string(j, deliver_spf_lint_tree_get_record(l, i));
    json_key(j, "lookups");
    json_int(j, deliver_spf_lint_tree_get_lookups(l, i));
    json_key(j, "detail");
    json_string(j, deliver_spf_lint_tree_get_detail(l, i));
}

static void print_json(const deliver_spf_lint *l)
{
    json j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_key(&j, "domain");
    json_string(&j, deliver_spf_lint_get_domain(l));
    json_key(&j, "record");
    json_string(&j, deliver_spf_lint_get_record(l));
    json_key(&j, "dns_mechanisms");
    json_int(&j, deliver_spf_lint_dns_mechanism_count(l));
    json_key(&j, "void_lookups");
    json_int(&j, deliver_spf_lint_void_lookup_count(l));
    json_key(&j, "mx_host_lookups");
    json_int(&j, deliver_spf_lint_mx_host_count(l));
    size_t n = deliver_spf_lint_tree_count(l);
    json_key(&j, "lookups");
    json_int(&j, n ? deliver_spf_lint_tree_get_lookups(l, 0) : 0);
    /* the tree comes depth-first with depths: every entry keeps an open "includes" array
     * until an entry at its depth or above arrives (depth grows by at most one per entry) */
    json_key(&j, "includes");
    json_begin_array(&j);
    unsigned open = 0;
    for (size_t i = 1; i < n; i++) {
        unsigned d = deliver_spf_lint_tree_get_depth(l, i);
        for (; open >= d && open > 0; open--) {
            json_end_array(&j);
            json_end_object(&j);
        }
        json_begin_object(&j);
        json_entry_fields(&j, l, i);
        json_key(&j, "includes");
        json_begin_array(&j);
        open = d;
    }
    for (; open > 0; open--) {
        json_end_array(&j);
        json_end_object(&j);
    }
    json_end_array(&j);
    json_findings(&j, deliver_spf_lint_finding_count(l), get_finding, l);
    json_end_object(&j);
}

static void print_text(const deliver_spf_lint *l)
{
    const char *d = deliver_spf_lint_get_domain(l);
    printf("spf-lint: %s\n", *d ? d : "(record)");
    printf("record: \"%s\"\n", deliver_spf_lint_get_record(l));
    printf("DNS-querying terms (worst case): %u of 10; void lookups: %u of 2; "
           "MX host lookups: %u\n",
           deliver_spf_lint_dns_mechanism_count(l), deliver_spf_lint_void_lookup_count(l),
           deliver_spf_lint_mx_host_count(l));
    size_t n = deliver_spf_lint_tree_count(l);
    if (n > 1) {
        printf("include tree:\n");
    }
    for (size_t i = 0; n > 1 && i < n; i++) {
        unsigned depth = deliver_spf_lint_tree_get_depth(l, i);
        const char *term = deliver_spf_lint_tree_get_term(l, i);
        const char *dom = deliver_spf_lint_tree_get_domain(l, i);
        printf("%*s%s", (int)(2 * depth + 2), "", *term ? term : (*dom ? dom : "(record)"));
        printf(" [%u lookup%s]", deliver_spf_lint_tree_get_lookups(l, i),
               deliver_spf_lint_tree_get_lookups(l, i) == 1 ? "" : "s");
        if (*deliver_spf_lint_tree_get_detail(l, i)) {
            printf(" %s", deliver_spf_lint_tree_get_detail(l, i));
        }
        printf("\n");
    }
    text_findings(stdout, deliver_spf_lint_finding_count(l), get_finding, l);
}

int cmd_spf_lint(cli *c, int argc, char **argv)
{
    const char *record = NULL, *domain = NULL, *operand = NULL;
    int nops = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--record") == 0 && v) {
            record = v;
            i++;
        } else if (strcmp(a, "--domain") == 0 && v) {
            domain = v;
            i++;
        } else if (a[0] == '-' && a[1] == '-') {
            cli_error(c, "unknown or incomplete option for spf-lint: %s", a);
            return CLI_USAGE;
        } else {
            operand = a;
            nops++;
        }
    }
    if ((record && nops != 0) || (!record && (nops != 1 || domain))) {
        cli_error(c, "usage: %s [options] spf-lint DOMAIN\n"
                     "       %s [options] spf-lint --record TEXT [--domain DOMAIN]",
                  c->prog, c->prog);
        return CLI_USAGE;
    }
    deliver_spf_lint *l = NULL;
    deliver_status st = deliver_spf_lint_new(&l, c->ctx);
    if (st == DELIVER_OK) {
        st = record ? deliver_spf_lint_record(l, record, strlen(record), domain)
                    : deliver_spf_lint_domain(l, operand);
    }
    if (st < 0) {
        cli_error(c, "%s", l && *deliver_spf_lint_errmsg(l) ? deliver_spf_lint_errmsg(l)
                                                            : deliver_strerror(st));
        deliver_spf_lint_free(l);
        return st == DELIVER_E_INVALID ? CLI_USAGE : CLI_FAILED;
    }
    if (c->json) {
        print_json(l);
    } else {
        print_text(l);
    }
    deliver_spf_lint_free(l);
    return CLI_OK;
}

/*
 * deliver dnsbl IP|DOMAIN [--list ZONE[=FILTER][*WEIGHT]]... [--threshold N] [--self-check]:
 * DNS block- and allowlist lookups, every list at once, codes decoded, scored.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const deliver_finding *get_finding(const void *h, size_t i)
{
    return deliver_dnsbl_get_finding(h, i);
}

static int integer(cli *c, const char *opt, const char *v, long lo, long hi, long *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < lo || n > hi) {
        cli_error(c, "bad %s: %s", opt, v);
        return -1;
    }
    *out = n;
    return 0;
}

static void usage(const cli *c)
{
    cli_error(c, "usage: %s [options] dnsbl IP|DOMAIN [--list ZONE[=FILTER][*WEIGHT]]... "
                 "[--threshold N] [--list-timeout MS] [--self-check] [--all-kinds]",
              c->prog);
}

int cmd_dnsbl(cli *c, int argc, char **argv)
{
    const char *subject = NULL;
    int nsub = 0, self_check = 0, all_kinds = 0, have_threshold = 0;
    long threshold = 1, list_timeout = 0;
    deliver_dnsbl *h = NULL;
    deliver_status st = deliver_dnsbl_new(&h, c->ctx);
    if (st < 0) {
        cli_error(c, "%s", deliver_strerror(st));
        return CLI_FAILED;
    }
    int rc = CLI_OK;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--list") == 0 && v) {
            st = deliver_dnsbl_add_spec(h, v, strlen(v));
            if (st < 0) {
                cli_error(c, "--list %s: %s", v, deliver_dnsbl_errmsg(h));
                rc = st == DELIVER_E_NOMEM ? CLI_FAILED : CLI_USAGE;
                goto out;
            }
            i++;
        } else if (strcmp(a, "--threshold") == 0 && v) {
            if (integer(c, a, v, -1000000, 1000000, &threshold) < 0) {
                rc = CLI_USAGE;
                goto out;
            }
            have_threshold = 1;
            i++;
        } else if (strcmp(a, "--list-timeout") == 0 && v) {
            if (integer(c, a, v, 1, 600000, &list_timeout) < 0) {
                rc = CLI_USAGE;
                goto out;
            }
            i++;
        } else if (strcmp(a, "--self-check") == 0) {
            self_check = 1;
        } else if (strcmp(a, "--all-kinds") == 0) {
            all_kinds = 1;
        } else if (a[0] == '-' && a[1] == '-') {
            cli_error(c, "unknown or incomplete option for dnsbl: %s", a);
            rc = CLI_USAGE;
            goto out;
        } else {
            subject = a;
            nsub++;
        }
    }
    if (nsub != 1) {
        usage(c);
        rc = CLI_USAGE;
        goto out;
    }
    if (have_threshold) {
        deliver_dnsbl_set_threshold(h, (int)threshold);
    }
    if (list_timeout) {
        deliver_dnsbl_set_timeout_ms(h, list_timeout);
    }
    deliver_dnsbl_set_self_check(h, self_check);
    deliver_dnsbl_set_ignore_kinds(h, all_kinds);
    st = deliver_dnsbl_check(h, subject);
    if (st < 0) {
        cli_error(c, "%s", *deliver_dnsbl_errmsg(h) ? deliver_dnsbl_errmsg(h)
                                                    : deliver_strerror(st));
        rc = st == DELIVER_E_INVALID ? CLI_USAGE : CLI_FAILED;
        goto out;
    }
    size_t n = deliver_dnsbl_result_count(h), nf = deliver_dnsbl_finding_count(h);
    if (c->json) {
        json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "query");
        json_string(&j, deliver_dnsbl_get_subject(h));
        json_key(&j, "lists");
        json_begin_array(&j);
        for (size_t i = 0; i < n; i++) {
            size_t nc = deliver_dnsbl_result_code_count(h, i);
            json_begin_object(&j);
            json_key(&j, "zone");
            json_string(&j, deliver_dnsbl_result_get_zone(h, i));
            json_key(&j, "status");
            json_string(&j, deliver_dnsbl_status_name(deliver_dnsbl_result_get_status(h, i)));
            json_key(&j, "codes");
            json_begin_array(&j);
            for (size_t k = 0; k < nc; k++) {
                json_string(&j, deliver_dnsbl_result_get_code(h, i, k));
            }
            json_end_array(&j);
            json_key(&j, "meanings");
            json_begin_array(&j);
            for (size_t k = 0; k < nc; k++) {
                json_string(&j, deliver_dnsbl_result_get_meaning(h, i, k));
            }
            json_end_array(&j);
            json_key(&j, "txt");
            json_string(&j, deliver_dnsbl_result_get_txt(h, i));
            json_key(&j, "weight");
            json_int(&j, deliver_dnsbl_result_get_weight(h, i));
            json_key(&j, "filter");
            json_string(&j, deliver_dnsbl_result_get_filter(h, i));
            json_key(&j, "allowlist");
            json_bool(&j, deliver_dnsbl_result_is_allowlist(h, i));
            json_key(&j, "description");
            json_string(&j, deliver_dnsbl_result_get_description(h, i));
            json_end_object(&j);
        }
        json_end_array(&j);
        json_key(&j, "score");
        json_int(&j, deliver_dnsbl_get_score(h));
        json_key(&j, "verdict");
        json_string(&j, deliver_dnsbl_verdict_name(deliver_dnsbl_get_verdict(h)));
        json_findings(&j, nf, get_finding, h);
        json_end_object(&j);
    } else {
        printf("dnsbl: %s: %s (score %d)\n", deliver_dnsbl_get_subject(h),
               deliver_dnsbl_verdict_name(deliver_dnsbl_get_verdict(h)),
               deliver_dnsbl_get_score(h));
        for (size_t i = 0; i < n; i++) {
            deliver_dnsbl_status s = deliver_dnsbl_result_get_status(h, i);
            printf("  %-26s %-10s", deliver_dnsbl_result_get_zone(h, i),
                   deliver_dnsbl_status_name(s));
            if (s == DELIVER_DNSBL_STATUS_LISTED) {
                printf(" weight %d", deliver_dnsbl_result_get_weight(h, i));
            }
            printf("\n");
            for (size_t k = 0; k < deliver_dnsbl_result_code_count(h, i); k++) {
                printf("      %s %s%s\n", deliver_dnsbl_result_get_code(h, i, k),
                       deliver_dnsbl_result_get_meaning(h, i, k),
                       deliver_dnsbl_result_code_matches(h, i, k) ? "" : " (filtered out)");
            }
            if (*deliver_dnsbl_result_get_txt(h, i)) {
                printf("      \"%s\"\n", deliver_dnsbl_result_get_txt(h, i));
            }
        }
        text_findings(stdout, nf, get_finding, h);
    }
out:
    deliver_dnsbl_free(h);
    return rc;
}

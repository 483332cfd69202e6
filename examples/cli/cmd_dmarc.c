/*
 * deliver dmarc DOMAIN [--mode rfc7489|rfc9989] [--psl] [--record TEXT]:
 *   policy discovery: the record, its parse, the organizational domain, report destination
 *   checks, findings. --psl prints only the Public Suffix List answer (no DNS); --record
 *   parses a record given on the command line.
 * deliver dmarc-eval --from DOMAIN [--from DOMAIN]... [--spf RESULT:DOMAIN]
 *   [--dkim RESULT:DOMAIN[:SELECTOR]]... [--mode M] [--reports] [--allow-multiple-from]
 *   [--authserv-id ID]: DMARC evaluation of given SPF and DKIM results.
 * deliver dmarc-eval --ip IP [--mail-from ADDR] [--helo NAME] [options] FILE|-:
 *   runs SPF (deliver_spf_check) and DKIM (deliver_dkim_verify) on the message itself, takes
 *   the From: field(s) of its header, and prints the verdict with one Authentication-Results
 *   header (spf=, dkim=, dmarc=).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const deliver_finding *get_finding(const void *h, size_t i)
{
    return deliver_dmarc_get_finding(h, i);
}

static const deliver_finding *get_rec_finding(const void *h, size_t i)
{
    return deliver_dmarc_record_get_finding(h, i);
}

static int parse_mode(cli *c, const char *v, deliver_dmarc_mode *m)
{
    if (strcmp(v, "rfc7489") == 0) {
        *m = DELIVER_DMARC_RFC7489;
    } else if (strcmp(v, "rfc9989") == 0) {
        *m = DELIVER_DMARC_RFC9989;
    } else {
        cli_error(c, "bad --mode: %s (rfc7489 or rfc9989)", v);
        return -1;
    }
    return 0;
}

static void json_str_or_null(json *j, const char *key, const char *v)
{
    json_key(j, key);
    if (v) {
        json_string(j, v);
    } else {
        json_null(j);
    }
}

static void json_tri(json *j, const char *key, int v)
{
    json_key(j, key);
    if (v < 0) {
        json_null(j);
    } else {
        json_bool(j, v);
    }
}

static void json_policy(json *j, const char *key, deliver_dmarc_policy p)
{
    json_str_or_null(j, key, p == DELIVER_DMARC_POLICY_UNSET ? NULL : deliver_dmarc_policy_name(p));
}

static void json_record(json *j, const deliver_dmarc_record *r, deliver_dmarc_mode mode)
{
    json_begin_object(j);
    json_key(j, "valid");
    json_bool(j, deliver_dmarc_record_is_valid(r));
    json_key(j, "error");
    if (deliver_dmarc_record_is_valid(r)) {
        json_null(j);
    } else {
        json_string(j, deliver_dmarc_record_error_name(deliver_dmarc_record_get_error(r)));
    }
    json_key(j, "error_offset");
    json_int(j, (long long)deliver_dmarc_record_get_error_offset(r));
    json_key(j, "dmarc_records_found");
    json_int(j, (long long)deliver_dmarc_record_dmarc_count(r));
    json_key(j, "policy_fallback");
    json_bool(j, deliver_dmarc_record_is_policy_fallback(r));
    json_key(j, "tags");
    json_begin_object(j);
    if (deliver_dmarc_record_is_valid(r)) {
        json_policy(j, "p", deliver_dmarc_record_get_policy(r));
        json_policy(j, "sp", deliver_dmarc_record_get_subdomain_policy(r));
        if (mode == DELIVER_DMARC_RFC9989) {
            json_policy(j, "np", deliver_dmarc_record_get_nonexistent_policy(r));
            json_key(j, "psd");
            deliver_dmarc_psd psd = deliver_dmarc_record_get_psd(r);
            json_string(j, psd == DELIVER_DMARC_PSD_YES ? "y" : psd == DELIVER_DMARC_PSD_NO ? "n" : "u");
            json_key(j, "t");
            json_string(j, deliver_dmarc_record_is_test_mode(r) ? "y" : "n");
        } else {
            json_key(j, "pct");
            json_int(j, deliver_dmarc_record_get_pct(r));
            json_key(j, "ri");
            json_int(j, deliver_dmarc_record_get_ri(r));
            json_key(j, "rf");
            json_begin_array(j);
            json_string(j, deliver_dmarc_record_get_rf(r));
            json_end_array(j);
        }
        json_key(j, "adkim");
        json_string(j, deliver_dmarc_record_get_adkim(r) == DELIVER_DMARC_ALIGN_STRICT ? "s" : "r");
        json_key(j, "aspf");
        json_string(j, deliver_dmarc_record_get_aspf(r) == DELIVER_DMARC_ALIGN_STRICT ? "s" : "r");
        json_key(j, "fo");
        json_begin_array(j);
        const char *fo = deliver_dmarc_record_get_fo(r);
        for (const char *p = fo; *p; p++) {
            if (*p != ':') {
                json_string_n(j, p, 1);
            }
        }
        json_end_array(j);
        for (int k = 0; k < 2; k++) {
            deliver_dmarc_report_kind kind = k ? DELIVER_DMARC_RUF : DELIVER_DMARC_RUA;
            json_key(j, k ? "ruf" : "rua");
            json_begin_array(j);
            for (size_t i = 0; i < deliver_dmarc_record_uri_count(r, kind); i++) {
                json_begin_object(j);
                json_key(j, "uri");
                json_string(j, deliver_dmarc_record_get_uri(r, kind, i));
                json_key(j, "max_bytes");
                uint64_t mb = deliver_dmarc_record_get_uri_max_bytes(r, kind, i);
                if (mb) {
                    json_int(j, (long long)mb);
                } else {
                    json_null(j);
                }
                if (mode == DELIVER_DMARC_RFC9989) {
                    json_key(j, "obsolete_size_ignored");
                    json_bool(j, deliver_dmarc_record_uri_has_obsolete_size(r, kind, i));
                }
                json_end_object(j);
            }
            json_end_array(j);
        }
    }
    json_end_object(j);
    json_key(j, "ignored_tags");
    json_begin_array(j);
    for (size_t i = 0; i < deliver_dmarc_record_ignored_tag_count(r); i++) {
        json_string(j, deliver_dmarc_record_get_ignored_tag(r, i));
    }
    json_end_array(j);
    json_key(j, "invalid_values");
    json_begin_array(j);
    for (size_t i = 0; i < deliver_dmarc_record_invalid_value_count(r); i++) {
        json_string(j, deliver_dmarc_record_get_invalid_value(r, i));
    }
    json_end_array(j);
    json_key(j, "invalid_uris");
    json_begin_array(j);
    for (size_t i = 0; i < deliver_dmarc_record_invalid_uri_count(r); i++) {
        json_string(j, deliver_dmarc_record_get_invalid_uri(r, i));
    }
    json_end_array(j);
    json_findings(j, deliver_dmarc_record_finding_count(r), get_rec_finding, r);
    json_end_object(j);
}

static void json_result(json *j, const deliver_dmarc *h, deliver_dmarc_mode mode)
{
    static const char *const sources[] = {NULL, "author", "organizational", "psd"};
    deliver_dmarc_result res = deliver_dmarc_get_result(h);
    json_key(j, "mode");
    json_string(j, mode == DELIVER_DMARC_RFC7489 ? "rfc7489" : "rfc9989");
    json_key(j, "dmarc");
    json_string(j, deliver_dmarc_result_name(res));
    json_str_or_null(j, "from_domain", deliver_dmarc_get_from_domain(h)[0] ? deliver_dmarc_get_from_domain(h) : NULL);
    json_str_or_null(j, "policy_domain", deliver_dmarc_get_policy_domain(h));
    json_str_or_null(j, "org_domain", deliver_dmarc_get_org_domain(h));
    deliver_dmarc_policy_source src = deliver_dmarc_get_policy_source(h);
    json_str_or_null(j, "policy_source", (unsigned)src < 4 ? sources[src] : NULL);
    json_tri(j, "spf_aligned", deliver_dmarc_get_spf_aligned(h));
    json_tri(j, "dkim_aligned", deliver_dmarc_get_dkim_aligned(h));
    json_str_or_null(j, "policy_tag", deliver_dmarc_get_policy_tag(h));
    json_policy(j, "policy", deliver_dmarc_get_policy(h));
    json_policy(j, "disposition", deliver_dmarc_get_disposition(h));
    json_key(j, "pct");
    json_int(j, deliver_dmarc_get_pct(h));
    json_policy(j, "disposition_unsampled", deliver_dmarc_get_disposition_unsampled(h));
    json_key(j, "test_mode");
    json_bool(j, deliver_dmarc_is_test_mode(h));
    json_key(j, "authentication_results");
    json_string(j, deliver_dmarc_get_authentication_results(h));
    json_key(j, "queries");
    json_begin_array(j);
    for (size_t i = 0; i < deliver_dmarc_lookup_count(h); i++) {
        json_string(j, deliver_dmarc_get_lookup(h, i));
    }
    json_end_array(j);
    json_key(j, "reports");
    json_begin_object(j);
    for (int k = 0; k < 2; k++) {
        deliver_dmarc_report_kind kind = k ? DELIVER_DMARC_RUF : DELIVER_DMARC_RUA;
        json_key(j, k ? "ruf_authorized" : "rua_authorized");
        json_begin_array(j);
        for (size_t i = 0; i < deliver_dmarc_authorized_uri_count(h, kind); i++) {
            json_string(j, deliver_dmarc_get_authorized_uri(h, kind, i));
        }
        json_end_array(j);
    }
    json_key(j, "checks");
    json_begin_array(j);
    for (size_t i = 0; i < deliver_dmarc_report_count(h); i++) {
        json_begin_object(j);
        json_key(j, "uri");
        json_string(j, deliver_dmarc_report_get_uri(h, i));
        json_key(j, "kind");
        json_string(j, deliver_dmarc_report_get_kind(h, i) == DELIVER_DMARC_RUF ? "ruf" : "rua");
        json_str_or_null(j, "query", deliver_dmarc_report_get_query(h, i));
        json_key(j, "status");
        json_string(j, deliver_dmarc_report_status_name(deliver_dmarc_report_get_status(h, i)));
        json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
    json_key(j, "record");
    const deliver_dmarc_record *r = deliver_dmarc_get_record(h);
    if (r) {
        json_record(j, r, mode);
    } else {
        json_null(j);
    }
    json_findings(j, deliver_dmarc_finding_count(h), get_finding, h);
}

static void text_result(const deliver_dmarc *h)
{
    const char *pd = deliver_dmarc_get_policy_domain(h);
    const char *od = deliver_dmarc_get_org_domain(h);
    printf("dmarc: %s\n", deliver_dmarc_result_name(deliver_dmarc_get_result(h)));
    printf("from domain: %s\n", deliver_dmarc_get_from_domain(h));
    printf("organizational domain: %s\n", od ? od : "-");
    printf("policy domain: %s\n", pd ? pd : "-");
    if (deliver_dmarc_get_policy(h) != DELIVER_DMARC_POLICY_UNSET) {
        printf("policy: %s=%s\n", deliver_dmarc_get_policy_tag(h),
               deliver_dmarc_policy_name(deliver_dmarc_get_policy(h)));
    }
    if (deliver_dmarc_get_disposition(h) != DELIVER_DMARC_POLICY_UNSET) {
        printf("disposition: %s\n", deliver_dmarc_policy_name(deliver_dmarc_get_disposition(h)));
    }
    for (size_t i = 0; i < deliver_dmarc_report_count(h); i++) {
        const char *q = deliver_dmarc_report_get_query(h, i);
        printf("report %s: %s%s%s\n", deliver_dmarc_report_get_uri(h, i),
               deliver_dmarc_report_status_name(deliver_dmarc_report_get_status(h, i)),
               q ? " via " : "", q ? q : "");
    }
    printf("%s\n", deliver_dmarc_get_authentication_results(h));
    text_findings(stdout, deliver_dmarc_finding_count(h), get_finding, h);
}

/* The result as one JSON document (json_end_object ends it with a newline) or as text. */
static void print_result(cli *c, const deliver_dmarc *h, deliver_dmarc_mode mode)
{
    if (c->json) {
        json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_result(&j, h, mode);
        json_end_object(&j);
    } else {
        text_result(h);
    }
}

static int record_only(cli *c, const char *const *texts, size_t n, const char *domain,
                       deliver_dmarc_mode mode)
{
    deliver_dmarc_record *r = NULL;
    if (deliver_dmarc_record_new(&r, c->ctx) < 0) {
        cli_error(c, "out of memory");
        return CLI_FAILED;
    }
    deliver_dmarc_record_set_mode(r, mode);
    if (domain && deliver_dmarc_record_set_domain(r, domain) < 0) {
        cli_error(c, "bad --domain: %s", domain);
        deliver_dmarc_record_free(r);
        return CLI_USAGE;
    }
    const uint8_t *bufs[16];
    size_t lens[16];
    for (size_t i = 0; i < n; i++) {
        bufs[i] = (const uint8_t *)texts[i];
        lens[i] = strlen(texts[i]);
    }
    deliver_status st = n == 1 ? deliver_dmarc_record_parse(r, bufs[0], lens[0])
                               : deliver_dmarc_record_parse_rrset(r, n, bufs, lens);
    if (st < 0) {
        cli_error(c, "%s", deliver_dmarc_record_errmsg(r));
        deliver_dmarc_record_free(r);
        return CLI_FAILED;
    }
    if (c->json) {
        json j;
        json_init(&j, stdout);
        json_record(&j, r, mode);
        fputc('\n', stdout);
    } else {
        printf("valid: %s\n", deliver_dmarc_record_is_valid(r) ? "yes" : "no");
        if (!deliver_dmarc_record_is_valid(r)) {
            printf("error: %s at offset %zu\n",
                   deliver_dmarc_record_error_name(deliver_dmarc_record_get_error(r)),
                   deliver_dmarc_record_get_error_offset(r));
        }
        text_findings(stdout, deliver_dmarc_record_finding_count(r), get_rec_finding, r);
    }
    deliver_dmarc_record_free(r);
    return CLI_OK;
}

int cmd_dmarc(cli *c, int argc, char **argv)
{
    const char *domain = NULL, *record = NULL;
    const char *records[16];
    size_t nrecords = 0;
    deliver_dmarc_mode mode = DELIVER_DMARC_RFC9989;
    int psl_only = 0;
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--mode") == 0 && v) {
            if (parse_mode(c, v, &mode) < 0) {
                return CLI_USAGE;
            }
            i++;
        } else if (strcmp(argv[i], "--record") == 0 && v) {
            if (nrecords < 16) {
                records[nrecords++] = v;
            }
            record = v;
            i++;
        } else if (strcmp(argv[i], "--psl") == 0) {
            psl_only = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error(c, "unknown option %s", argv[i]);
            return CLI_USAGE;
        } else if (!domain) {
            domain = argv[i];
        } else {
            cli_error(c, "usage: dmarc DOMAIN [--mode rfc7489|rfc9989] [--psl] | --record TEXT [DOMAIN]");
            return CLI_USAGE;
        }
    }
    if (record) {
        return record_only(c, records, nrecords, domain, mode);
    }
    if (!domain) {
        cli_error(c, "usage: dmarc DOMAIN [--mode rfc7489|rfc9989] [--psl] | --record TEXT [DOMAIN]");
        return CLI_USAGE;
    }
    deliver_dmarc *h = NULL;
    if (deliver_dmarc_new(&h, c->ctx) < 0) {
        cli_error(c, "out of memory");
        return CLI_FAILED;
    }
    int rc = CLI_OK;
    deliver_dmarc_set_mode(h, mode);
    if (psl_only) {
        char org[256], suffix[256];
        deliver_status st = deliver_dmarc_psl_org_domain(h, domain, org, sizeof org, suffix,
                                                         sizeof suffix);
        if (st < 0 && st != DELIVER_E_NOTFOUND) {
            cli_error(c, "%s: %s", domain, deliver_dmarc_errmsg(h));
            rc = st == DELIVER_E_INVALID ? CLI_USAGE : CLI_FAILED;
        } else if (c->json) {
            json j;
            json_init(&j, stdout);
            json_begin_object(&j);
            json_str_or_null(&j, "psl_org_domain", st == DELIVER_E_NOTFOUND ? NULL : org);
            json_str_or_null(&j, "public_suffix", suffix);
            deliver_dmarc_set_psl_icann_only(h, 1);
            st = deliver_dmarc_psl_org_domain(h, domain, org, sizeof org, NULL, 0);
            json_str_or_null(&j, "psl_icann_only_org_domain", st == DELIVER_E_NOTFOUND ? NULL : org);
            json_end_object(&j);
            fputc('\n', stdout);
        } else {
            printf("organizational domain: %s\npublic suffix: %s\n",
                   st == DELIVER_E_NOTFOUND ? "- (a public suffix)" : org, suffix);
        }
        deliver_dmarc_free(h);
        return rc;
    }
    deliver_status st = deliver_dmarc_lookup(h, domain);
    if (st < 0) {
        cli_error(c, "%s: %s", domain, deliver_dmarc_errmsg(h));
        deliver_dmarc_free(h);
        return st == DELIVER_E_INVALID ? CLI_USAGE : CLI_FAILED;
    }
    print_result(c, h, mode);
    deliver_dmarc_free(h);
    return rc;
}

static int spf_result(const char *s, size_t n, deliver_spf_result *out)
{
    for (int r = DELIVER_SPF_NONE; r <= DELIVER_SPF_PERMERROR; r++) {
        const char *name = deliver_spf_result_name((deliver_spf_result)r);
        if (strlen(name) == n && strncmp(name, s, n) == 0) {
            *out = (deliver_spf_result)r;
            return 0;
        }
    }
    return -1;
}

/* ---- dmarc-eval FILE ---- */


/*
 * The bodies of the message's From: fields, unfolded (CR and LF dropped, so a fold leaves its
 * white space), joined with ", " when there are several (each then counts as a From domain,
 * which DMARC turns into permerror unless --allow-multiple-from). Only the header is looked
 * at: it ends at the first empty line (CRLF or a lone LF) or the end of the data. Returns the
 * number of From: fields; *out is malloc'd (NULL when there are none or memory ran out).
 */
static int from_fields(const uint8_t *msg, size_t len, char **out, size_t *outlen)
{
    char *buf = NULL;
    size_t n = 0;
    int count = 0, in_from = 0;
    *out = NULL;
    *outlen = 0;
    size_t pos = 0;
    while (pos < len) { /* one header line per turn; pos only grows */
        const uint8_t *nl = memchr(msg + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - msg) : len; /* the line is msg[pos, end) */
        size_t cut = end > pos && msg[end - 1] == '\r' ? end - 1 : end;
        if (cut == pos) {
            break; /* the empty line: end of the header */
        }
        size_t from = pos;
        if (msg[pos] == ' ' || msg[pos] == '\t') {
            /* a continuation line: belongs to the current field */
        } else {
            in_from = 0;
            const uint8_t *colon = memchr(msg + pos, ':', cut - pos);
            size_t name_end = colon ? (size_t)(colon - msg) : pos;
            while (name_end > pos && (msg[name_end - 1] == ' ' || msg[name_end - 1] == '\t')) {
                name_end--;
            }
            if (colon && name_end - pos == 4 && strncasecmp((const char *)msg + pos, "from", 4) == 0) {
                in_from = 1;
                from = (size_t)(colon - msg) + 1;
                if (count++ > 0) {
                    char *nb = realloc(buf, n + 2);
                    if (!nb) {
                        free(buf);
                        return -1;
                    }
                    buf = nb;
                    memcpy(buf + n, ", ", 2);
                    n += 2;
                }
            }
        }
        if (in_from) {
            char *nb = realloc(buf, n + (cut - from) + 1);
            if (!nb) {
                free(buf);
                return -1;
            }
            buf = nb;
            memcpy(buf + n, msg + from, cut - from);
            n += cut - from;
            buf[n] = '\0';
        }
        pos = nl ? end + 1 : len;
    }
    if (count > 0 && !buf) {
        buf = malloc(1); /* "From:" with an empty body */
        if (!buf) {
            return -1;
        }
        buf[0] = '\0';
    }
    *out = buf;
    *outlen = n;
    return count;
}

static const deliver_finding *get_spf_finding(const void *h, size_t i)
{
    return deliver_spf_get_finding(h, i);
}

static const deliver_finding *get_dkim_finding(const void *h, size_t i)
{
    return deliver_dkim_verify_get_finding(h, i);
}

/* The SPF and DKIM parts of the --json document of dmarc-eval FILE. */
static void json_checks(json *j, const deliver_spf *spf, const deliver_dkim_verify *v)
{
    json_key(j, "spf");
    json_begin_object(j);
    json_key(j, "result");
    json_string(j, deliver_spf_result_name(deliver_spf_get_result(spf)));
    json_key(j, "domain");
    json_string(j, deliver_spf_get_domain(spf));
    json_key(j, "identity");
    json_string(j, deliver_spf_get_identity(spf) == DELIVER_SPF_IDENTITY_HELO ? "helo"
                                                                            : "mailfrom");
    json_key(j, "mechanism");
    json_string(j, deliver_spf_get_mechanism(spf));
    json_key(j, "reason");
    json_string(j, deliver_spf_get_reason(spf));
    json_findings(j, deliver_spf_finding_count(spf), get_spf_finding, spf);
    json_end_object(j);
    json_key(j, "dkim");
    json_begin_object(j);
    json_key(j, "result");
    json_string(j, deliver_dkim_result_name(deliver_dkim_verify_get_result(v)));
    json_key(j, "signatures");
    json_begin_array(j);
    for (size_t i = 0; i < deliver_dkim_verify_signature_count(v); i++) {
        json_begin_object(j);
        json_key(j, "domain");
        json_string(j, deliver_dkim_verify_sig_get_domain(v, i));
        json_key(j, "selector");
        json_string(j, deliver_dkim_verify_sig_get_selector(v, i));
        json_key(j, "algorithm");
        json_string(j, deliver_dkim_verify_sig_get_algorithm(v, i));
        json_key(j, "result");
        json_string(j, deliver_dkim_result_name(deliver_dkim_verify_sig_get_result(v, i)));
        json_key(j, "reason");
        json_string(j, deliver_dkim_verify_sig_get_reason(v, i));
        json_end_object(j);
    }
    json_end_array(j);
    json_findings(j, deliver_dkim_verify_finding_count(v), get_dkim_finding, v);
    json_end_object(j);
}

static void text_checks(const deliver_spf *spf, const deliver_dkim_verify *v)
{
    printf("spf: %s (%s %s)\n", deliver_spf_result_name(deliver_spf_get_result(spf)),
           deliver_spf_get_identity(spf) == DELIVER_SPF_IDENTITY_HELO ? "helo" : "mailfrom",
           deliver_spf_get_domain(spf));
    printf("dkim: %s\n", deliver_dkim_result_name(deliver_dkim_verify_get_result(v)));
    for (size_t i = 0; i < deliver_dkim_verify_signature_count(v); i++) {
        const char *r = deliver_dkim_verify_sig_get_reason(v, i);
        printf("dkim signature %zu: %s d=%s s=%s%s%s\n", i,
               deliver_dkim_result_name(deliver_dkim_verify_sig_get_result(v, i)),
               deliver_dkim_verify_sig_get_domain(v, i), deliver_dkim_verify_sig_get_selector(v, i),
               *r ? " reason=" : "", r);
    }
}

/* dmarc-eval on a message: SPF for (ip, mail_from, helo), DKIM on the file, the From: of its
 * header, then the DMARC evaluation with both handles. The handle h carries the options. */
static int eval_file(cli *c, deliver_dmarc *h, deliver_dmarc_mode mode, const char *file,
                     const char *ip, const char *mail_from, const char *helo)
{
    size_t len = 0;
    uint8_t *msg = cli_read_file(file, &len);
    if (!msg) {
        cli_error(c, "cannot read %s: %s", file, strerror(errno));
        return CLI_FAILED;
    }
    char *from = NULL;
    size_t fromlen = 0;
    int nfrom = from_fields(msg, len, &from, &fromlen);
    if (nfrom < 0) {
        cli_error(c, "out of memory");
        free(msg);
        return CLI_FAILED;
    }
    if (nfrom == 0) {
        cli_error(c, "%s: the message has no From: header field", file);
        free(msg);
        return CLI_FAILED;
    }
    deliver_status st = deliver_dmarc_set_from_header(h, (const uint8_t *)from, fromlen);
    free(from);
    if (st < 0) {
        cli_error(c, "%s: %s", file, deliver_dmarc_errmsg(h));
        free(msg);
        return CLI_FAILED;
    }
    /* MAIL FROM as given; "<>" and "<addr>" are accepted as in SMTP */
    char sender[512];
    size_t sl = strlen(mail_from);
    if (sl >= 2 && mail_from[0] == '<' && mail_from[sl - 1] == '>') {
        snprintf(sender, sizeof sender, "%.*s", (int)(sl - 2), mail_from + 1);
    } else {
        snprintf(sender, sizeof sender, "%s", mail_from);
    }
    deliver_spf *spf = NULL;
    deliver_dkim_verify *v = NULL;
    int rc = CLI_OK;
    st = deliver_spf_new(&spf, c->ctx);
    if (st == DELIVER_OK) {
        st = deliver_spf_check(spf, ip, sender, helo);
        if (st < 0) {
            cli_error(c, "spf: %s", *deliver_spf_errmsg(spf) ? deliver_spf_errmsg(spf)
                                                             : deliver_strerror(st));
            rc = st == DELIVER_E_INVALID ? CLI_USAGE : CLI_FAILED;
        }
    } else {
        cli_error(c, "%s", deliver_strerror(st));
        rc = CLI_FAILED;
    }
    if (rc == CLI_OK) {
        st = deliver_dkim_verify_new(&v, c->ctx);
        if (st == DELIVER_OK) {
            st = deliver_dkim_verify_message(v, msg, len);
        }
        if (st < 0) {
            cli_error(c, "dkim: %s", v && *deliver_dkim_verify_errmsg(v)
                                         ? deliver_dkim_verify_errmsg(v)
                                         : deliver_strerror(st));
            rc = CLI_FAILED;
        }
    }
    if (rc == CLI_OK) {
        st = deliver_dmarc_set_spf_handle(h, spf);
        if (st == DELIVER_OK) {
            st = deliver_dmarc_add_dkim_handle(h, v);
        }
        if (st == DELIVER_OK) {
            deliver_dmarc_set_mode(h, mode);
            st = deliver_dmarc_evaluate(h);
        }
        if (st < 0) {
            cli_error(c, "%s", *deliver_dmarc_errmsg(h) ? deliver_dmarc_errmsg(h)
                                                        : deliver_strerror(st));
            rc = CLI_FAILED;
        }
    }
    if (rc == CLI_OK) {
        if (c->json) {
            json j;
            json_init(&j, stdout);
            json_begin_object(&j);
            json_result(&j, h, mode);
            json_checks(&j, spf, v);
            json_end_object(&j);
        } else {
            text_checks(spf, v);
            text_result(h);
        }
    }
    deliver_dkim_verify_free(v);
    deliver_spf_free(spf);
    free(msg);
    return rc;
}

int cmd_dmarc_eval(cli *c, int argc, char **argv)
{
    deliver_dmarc *h = NULL;
    if (deliver_dmarc_new(&h, c->ctx) < 0) {
        cli_error(c, "out of memory");
        return CLI_FAILED;
    }
    deliver_dmarc_mode mode = DELIVER_DMARC_RFC9989;
    int rc = CLI_OK, nfrom = 0, given = 0, nfiles = 0;
    const char *file = NULL, *ip = NULL, *mail_from = NULL, *helo = NULL;
    for (int i = 0; i < argc && rc == CLI_OK; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--ip") == 0 && v) {
            ip = v;
            i++;
        } else if (strcmp(a, "--mail-from") == 0 && v) {
            mail_from = v;
            i++;
        } else if (strcmp(a, "--helo") == 0 && v) {
            helo = v;
            i++;
        } else if (strcmp(a, "-") == 0 || a[0] != '-') {
            file = a;
            nfiles++;
        } else if (strcmp(a, "--mode") == 0 && v) {
            rc = parse_mode(c, v, &mode) < 0 ? CLI_USAGE : CLI_OK;
            i++;
        } else if (strcmp(a, "--from") == 0 && v) {
            if (deliver_dmarc_add_from_domain(h, v) < 0) {
                cli_error(c, "--from %s: %s", v, deliver_dmarc_errmsg(h));
                rc = CLI_USAGE;
            }
            nfrom++;
            i++;
        } else if (strcmp(a, "--spf") == 0 && v) {
            given++;
            const char *colon = strchr(v, ':');
            size_t n = colon ? (size_t)(colon - v) : strlen(v);
            deliver_spf_result r;
            if (spf_result(v, n, &r) < 0 ||
                deliver_dmarc_set_spf(h, r, colon ? colon + 1 : NULL) < 0) {
                cli_error(c, "bad --spf %s (RESULT:DOMAIN)", v);
                rc = CLI_USAGE;
            }
            i++;
        } else if (strcmp(a, "--dkim") == 0 && v) {
            given++;
            char buf[600];
            snprintf(buf, sizeof buf, "%s", v);
            char *d = strchr(buf, ':');
            char *s = d ? strchr(d + 1, ':') : NULL;
            if (d) {
                *d++ = 0;
            }
            if (s) {
                *s++ = 0;
            }
            if (!d || deliver_dmarc_add_dkim(h, buf, d, s) < 0) {
                cli_error(c, "bad --dkim %s (RESULT:DOMAIN[:SELECTOR])", v);
                rc = CLI_USAGE;
            }
            i++;
        } else if (strcmp(a, "--reports") == 0) {
            deliver_dmarc_set_check_reports(h, 1);
        } else if (strcmp(a, "--allow-multiple-from") == 0) {
            deliver_dmarc_set_allow_multiple_from(h, 1);
        } else if (strcmp(a, "--authserv-id") == 0 && v) {
            if (deliver_dmarc_set_authserv_id(h, v) < 0) {
                cli_error(c, "bad --authserv-id %s", v);
                rc = CLI_USAGE;
            }
            i++;
        } else {
            cli_error(c, "unknown or incomplete option for dmarc-eval: %s", a);
            rc = CLI_USAGE;
        }
    }
    int show_usage = 0; /* a specific error above has already said what is wrong */
    if (rc == CLI_OK) {
        int file_mode = file || ip || mail_from || helo;
        if (file_mode ? (nfiles != 1 || !ip || nfrom || given || (!mail_from && !helo))
                      : nfrom == 0) {
            rc = CLI_USAGE;
            show_usage = 1;
        }
    }
    if (show_usage) {
        cli_error(c, "usage: dmarc-eval --from DOMAIN [--spf RESULT:DOMAIN] "
                     "[--dkim RESULT:DOMAIN[:SELECTOR]]... [options]\n"
                     "       dmarc-eval --ip IP --mail-from ADDR --helo NAME [options] FILE|-\n"
                     "options: [--mode rfc7489|rfc9989] [--reports] [--allow-multiple-from] "
                     "[--authserv-id ID]");
    } else if (rc == CLI_USAGE) {
        /* already reported */
    } else if (file) {
        rc = eval_file(c, h, mode, file, ip, mail_from ? mail_from : "", helo);
    } else {
        deliver_dmarc_set_mode(h, mode);
        deliver_status st = deliver_dmarc_evaluate(h);
        if (st < 0) {
            cli_error(c, "%s", deliver_dmarc_errmsg(h));
            rc = CLI_FAILED;
        } else {
            print_result(c, h, mode);
        }
    }
    deliver_dmarc_free(h);
    return rc;
}

/*
 * deliver dkim-key, dkim-verify, dkim-sign: DKIM key checks, verification and signing.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


static int parse_i64(const char *s, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || !end || *end || end == s) {
        return -1;
    }
    *out = v;
    return 0;
}

/* ---- dkim-key ---- */

static const deliver_finding *key_finding(const void *h, size_t i)
{
    return deliver_dkim_key_get_finding(h, i);
}

int cmd_dkim_key(cli *c, int argc, char **argv)
{
    const char *record = NULL, *ops[2] = {NULL, NULL};
    int nops = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--record") == 0 && i + 1 < argc) {
            record = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            cli_error(c, "unknown or incomplete option for dkim-key: %s", argv[i]);
            return CLI_USAGE;
        } else if (nops < 2) {
            ops[nops++] = argv[i];
        } else {
            nops++;
        }
    }
    if ((record && nops != 0) || (!record && nops != 2)) {
        cli_error(c, "usage: %s [options] dkim-key SELECTOR DOMAIN\n"
                     "       %s [options] dkim-key --record TEXT", c->prog, c->prog);
        return CLI_USAGE;
    }
    deliver_dkim_key *k = NULL;
    deliver_status st = deliver_dkim_key_new(&k, c->ctx);
    if (st == DELIVER_OK) {
        st = record ? deliver_dkim_key_check_record(k, record, strlen(record))
                    : deliver_dkim_key_check(k, ops[0], ops[1]);
    }
    if (st < 0) {
        cli_error(c, "%s", k && *deliver_dkim_key_errmsg(k) ? deliver_dkim_key_errmsg(k)
                                                          : deliver_strerror(st));
        deliver_dkim_key_free(k);
        return st == DELIVER_E_INVALID ? CLI_USAGE : CLI_FAILED;
    }
    const char *types[] = {"", "rsa", "ed25519"};
    deliver_dkim_key_type t = deliver_dkim_key_get_type(k);
    if (c->json) {
        json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "name");
        json_string(&j, deliver_dkim_key_get_name(k));
        json_key(&j, "record");
        json_string(&j, deliver_dkim_key_get_record(k));
        json_key(&j, "grade");
        json_string(&j, deliver_dkim_key_grade_name(deliver_dkim_key_get_grade(k)));
        json_key(&j, "key_type");
        json_string(&j, t <= DELIVER_DKIM_KEY_ED25519 ? types[t] : "");
        json_key(&j, "bits");
        json_int(&j, deliver_dkim_key_get_bits(k));
        json_findings(&j, deliver_dkim_key_finding_count(k), key_finding, k);
        json_end_object(&j);
    } else {
        if (*deliver_dkim_key_get_name(k)) {
            printf("dkim-key: %s\n", deliver_dkim_key_get_name(k));
        }
        printf("record: \"%s\"\n", deliver_dkim_key_get_record(k));
        printf("grade: %s", deliver_dkim_key_grade_name(deliver_dkim_key_get_grade(k)));
        if (deliver_dkim_key_get_bits(k)) {
            printf(" (%s, %u bits)", t <= DELIVER_DKIM_KEY_ED25519 ? types[t] : "",
                   deliver_dkim_key_get_bits(k));
        }
        printf("\n");
        text_findings(stdout, deliver_dkim_key_finding_count(k), key_finding, k);
    }
    deliver_dkim_key_free(k);
    return CLI_OK;
}

/* ---- dkim-verify ---- */

static const deliver_finding *verify_finding(const void *h, size_t i)
{
    return deliver_dkim_verify_get_finding(h, i);
}

int cmd_dkim_verify(cli *c, int argc, char **argv)
{
    const char *file = NULL;
    long long when = -1;
    int allow_weak = 0, nops = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--time") == 0 && i + 1 < argc) {
            if (parse_i64(argv[++i], &when) < 0 || when < 0) {
                cli_error(c, "--time wants Unix seconds");
                return CLI_USAGE;
            }
        } else if (strcmp(argv[i], "--allow-weak") == 0) {
            allow_weak = 1;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            cli_error(c, "unknown or incomplete option for dkim-verify: %s", argv[i]);
            return CLI_USAGE;
        } else {
            file = argv[i];
            nops++;
        }
    }
    if (nops > 1) {
        cli_error(c, "usage: %s [options] dkim-verify [--time UNIX] [--allow-weak] [FILE|-]",
                  c->prog);
        return CLI_USAGE;
    }
    size_t len = 0;
    uint8_t *msg = cli_read_file(file, &len);
    if (!msg) {
        cli_error(c, "cannot read %s: %s", file ? file : "stdin", strerror(errno));
        return CLI_FAILED;
    }
    deliver_dkim_verify *v = NULL;
    deliver_status st = deliver_dkim_verify_new(&v, c->ctx);
    if (st == DELIVER_OK) {
        deliver_dkim_verify_set_time(v, when);
        deliver_dkim_verify_set_allow_weak(v, allow_weak);
        st = deliver_dkim_verify_message(v, msg, len);
    }
    free(msg);
    if (st < 0) {
        cli_error(c, "%s", v && *deliver_dkim_verify_errmsg(v) ? deliver_dkim_verify_errmsg(v)
                                                              : deliver_strerror(st));
        deliver_dkim_verify_free(v);
        return CLI_FAILED;
    }
    size_t n = deliver_dkim_verify_signature_count(v);
    if (c->json) {
        json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "result");
        json_string(&j, deliver_dkim_result_name(deliver_dkim_verify_get_result(v)));
        json_key(&j, "signatures");
        json_begin_array(&j);
        for (size_t i = 0; i < n; i++) {
            json_begin_object(&j);
            json_key(&j, "domain");
            json_string(&j, deliver_dkim_verify_sig_get_domain(v, i));
            json_key(&j, "selector");
            json_string(&j, deliver_dkim_verify_sig_get_selector(v, i));
            json_key(&j, "algorithm");
            json_string(&j, deliver_dkim_verify_sig_get_algorithm(v, i));
            json_key(&j, "result");
            json_string(&j, deliver_dkim_result_name(deliver_dkim_verify_sig_get_result(v, i)));
            json_key(&j, "reason");
            json_string(&j, deliver_dkim_verify_sig_get_reason(v, i));
            json_key(&j, "identity");
            json_string(&j, deliver_dkim_verify_sig_get_identity(v, i));
            json_key(&j, "key_bits");
            json_int(&j, deliver_dkim_verify_sig_get_key_bits(v, i));
            json_end_object(&j);
        }
        json_end_array(&j);
        json_key(&j, "authentication_results");
        json_string(&j, deliver_dkim_verify_get_auth_results(v));
        json_findings(&j, deliver_dkim_verify_finding_count(v), verify_finding, v);
        json_end_object(&j);
    } else {
        printf("dkim: %s\n", deliver_dkim_result_name(deliver_dkim_verify_get_result(v)));
        for (size_t i = 0; i < n; i++) {
            const char *r = deliver_dkim_verify_sig_get_reason(v, i);
            printf("signature %zu: %s d=%s s=%s a=%s%s%s\n", i,
                   deliver_dkim_result_name(deliver_dkim_verify_sig_get_result(v, i)),
                   deliver_dkim_verify_sig_get_domain(v, i),
                   deliver_dkim_verify_sig_get_selector(v, i),
                   deliver_dkim_verify_sig_get_algorithm(v, i), *r ? " reason=" : "", r);
        }
        printf("Authentication-Results: %s\n", deliver_dkim_verify_get_auth_results(v));
        text_findings(stdout, deliver_dkim_verify_finding_count(v), verify_finding, v);
    }
    deliver_dkim_verify_free(v);
    return CLI_OK;
}

/* ---- dkim-sign ---- */

int cmd_dkim_sign(cli *c, int argc, char **argv)
{
    const char *keyfile = NULL, *domain = NULL, *selector = NULL, *canon = NULL, *headers = NULL;
    const char *file = NULL;
    long long when = -1, expire = 0;
    int nops = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--key") == 0 && val) {
            keyfile = val;
            i++;
        } else if (strcmp(a, "--domain") == 0 && val) {
            domain = val;
            i++;
        } else if (strcmp(a, "--selector") == 0 && val) {
            selector = val;
            i++;
        } else if (strcmp(a, "--canon") == 0 && val) {
            canon = val;
            i++;
        } else if (strcmp(a, "--headers") == 0 && val) {
            headers = val;
            i++;
        } else if (strcmp(a, "--time") == 0 && val) {
            if (parse_i64(val, &when) < 0 || when < 0) {
                cli_error(c, "--time wants Unix seconds");
                return CLI_USAGE;
            }
            i++;
        } else if (strcmp(a, "--expire") == 0 && val) {
            if (parse_i64(val, &expire) < 0 || expire < 0) {
                cli_error(c, "--expire wants seconds");
                return CLI_USAGE;
            }
            i++;
        } else if (a[0] == '-' && a[1] == '-') {
            cli_error(c, "unknown or incomplete option for dkim-sign: %s", a);
            return CLI_USAGE;
        } else {
            file = a;
            nops++;
        }
    }
    if (!keyfile || !domain || !selector || nops > 1) {
        cli_error(c, "usage: %s [options] dkim-sign --key PEM --domain D --selector S "
                     "[--canon relaxed/relaxed] [--headers LIST] [--expire SECONDS] "
                     "[--time UNIX] [FILE|-]", c->prog);
        return CLI_USAGE;
    }
    size_t klen = 0, len = 0;
    uint8_t *key = cli_read_file(keyfile, &klen);
    if (!key) {
        cli_error(c, "cannot read %s: %s", keyfile, strerror(errno));
        return CLI_FAILED;
    }
    uint8_t *msg = cli_read_file(file, &len);
    if (!msg) {
        cli_error(c, "cannot read %s: %s", file ? file : "stdin", strerror(errno));
        free(key);
        return CLI_FAILED;
    }
    deliver_dkim_sign *s = NULL;
    deliver_status st = deliver_dkim_sign_new(&s, c->ctx);
    int usage = 0;
    if (st == DELIVER_OK) {
        st = deliver_dkim_sign_set_key(s, key, klen);
    }
    if (st == DELIVER_OK) {
        st = deliver_dkim_sign_set_domain(s, domain, selector);
        usage = st == DELIVER_E_INVALID;
    }
    if (st == DELIVER_OK && canon) {
        st = deliver_dkim_sign_set_canonicalization(s, canon);
        usage = st == DELIVER_E_INVALID;
    }
    if (st == DELIVER_OK && headers) {
        st = deliver_dkim_sign_set_headers(s, headers);
        usage = st == DELIVER_E_INVALID;
    }
    if (st == DELIVER_OK) {
        deliver_dkim_sign_set_time(s, when);
        st = deliver_dkim_sign_set_expiry(s, expire);
    }
    if (st == DELIVER_OK) {
        st = deliver_dkim_sign_message(s, msg, len);
    }
    memset(key, 0, klen); /* the CLI's own copy of the key file */
    free(key);
    if (st < 0) {
        cli_error(c, "%s", s && *deliver_dkim_sign_errmsg(s) ? deliver_dkim_sign_errmsg(s)
                                                            : deliver_strerror(st));
        deliver_dkim_sign_free(s);
        free(msg);
        return usage ? CLI_USAGE : CLI_FAILED;
    }
    if (c->json) {
        json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "signature");
        json_string(&j, deliver_dkim_sign_get_signature(s));
        json_end_object(&j);
    } else {
        /* the signed message: the new field on top, the message as it was */
        fputs(deliver_dkim_sign_get_signature(s), stdout);
        fputs("\r\n", stdout);
        fwrite(msg, 1, len, stdout);
    }
    deliver_dkim_sign_free(s);
    free(msg);
    return CLI_OK;
}

/*
 * deliver: the command-line face of libdeliver, one subcommand per capability.
 * Built on the public API only.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    cli_cmd_fn fn;
    const char *usage;
} commands[] = {
    {"dns", cmd_dns, "dns NAME TYPE            look up one name and type"},
    {"spf", cmd_spf, "spf IP SENDER [HELO]     SPF check (RFC 7208) with trace and headers"},
    {"spf-lint", cmd_spf_lint,
     "spf-lint DOMAIN|--record TEXT [--domain D]  lint SPF records and their include tree"},
    {"dnsbl", cmd_dnsbl, "dnsbl IP|DOMAIN [--list ZONE[=FILTER][*WEIGHT]]... [--threshold N] [--self-check]  DNSBL/DNSWL lookups"},
    {"dkim-key", cmd_dkim_key, "dkim-key SELECTOR DOMAIN|--record TEXT  check a DKIM key record"},
    {"dkim-verify", cmd_dkim_verify, "dkim-verify [--time UNIX] [--allow-weak] [FILE|-]  verify DKIM signatures"},
    {"dkim-sign", cmd_dkim_sign,
     "dkim-sign --key PEM --domain D --selector S [--canon C] [--expire S] [FILE|-]  sign a message"},
    {"dmarc", cmd_dmarc, "dmarc DOMAIN [--mode rfc7489|rfc9989] [--psl] | --record TEXT  DMARC record, org domain, findings"},
    {"dmarc-eval", cmd_dmarc_eval,
     "dmarc-eval --from D [--spf RESULT:D] [--dkim RESULT:D[:S]]... [--mode M] [--reports]"
     " | --ip IP --mail-from A --helo H FILE  DMARC verdict"},
    {"bounce", cmd_bounce, "bounce [FILE|DIR|-]...   classify bounces, one line per recipient"},
};

void cli_error(const cli *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", c->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s [options] COMMAND [ARGS...]\n"
            "\n"
            "options (before or after the command):\n"
            "  --dns-server ADDR[#PORT]  ask this DNS server (repeatable; default: resolv.conf)\n"
            "  --zone FILE               answer DNS from this zone file, no network (repeatable)\n"
            "  --timeout MS              DNS timeout per attempt (default 5000)\n"
            "  --zone-failure NAME[/TYPE][=OUTCOME]\n"
            "                            with --zone: NAME (TYPE, or every type it has no\n"
            "                            records of) fails with OUTCOME: timeout (default),\n"
            "                            servfail, refused, error (repeatable)\n"
            "  --json                    one JSON document on stdout\n"
            "  --help, --version\n"
            "\n"
            "commands:\n",
            prog);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %s\n", commands[i].usage);
    }
}

/* --zone-failure NAME[/TYPE][=OUTCOME] */
static int zone_failure(cli *c, const char *val)
{
    char name[300], type[32] = "", outcome[32] = "timeout";
    const char *eq = strchr(val, '=');
    size_t nlen = eq ? (size_t)(eq - val) : strlen(val);
    if (nlen == 0 || nlen >= sizeof(name) || (eq && strlen(eq + 1) >= sizeof(outcome))) {
        cli_error(c, "bad --zone-failure: %s", val);
        return -1;
    }
    memcpy(name, val, nlen);
    name[nlen] = '\0';
    if (eq) {
        strcpy(outcome, eq + 1);
    }
    /* NAME/TYPE when what follows the last slash is a record type (names may hold slashes) */
    uint16_t qtype = 0;
    char *slash = strrchr(name, '/');
    if (slash && strlen(slash + 1) < sizeof(type)) {
        strcpy(type, slash + 1);
        if (deliver_dns_type_from_name(type, &qtype) == DELIVER_OK) {
            *slash = '\0';
        } else {
            qtype = 0;
        }
    }
    static const struct {
        const char *name;
        deliver_dns_outcome oc;
    } outcomes[] = {{"timeout", DELIVER_DNS_TIMEOUT},
                    {"servfail", DELIVER_DNS_SERVFAIL},
                    {"refused", DELIVER_DNS_REFUSED},
                    {"error", DELIVER_DNS_ERROR}};
    for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
        if (strcmp(outcome, outcomes[i].name) == 0) {
            if (deliver_ctx_add_zone_failure(c->ctx, name, qtype, outcomes[i].oc) < 0) {
                cli_error(c, "--zone-failure %s: %s", val, deliver_ctx_errmsg(c->ctx));
                return -1;
            }
            return 0;
        }
    }
    cli_error(c, "unknown outcome in --zone-failure: %s", outcome);
    return -1;
}

/* Global option with its argument; 1 taken, 0 not a global option, -1 error. */
static int global_option(cli *c, int argc, char **argv, int *i, int *status)
{
    const char *a = argv[*i];
    const char *val = NULL;
    int takes = strcmp(a, "--dns-server") == 0 || strcmp(a, "--zone") == 0 ||
                strcmp(a, "--timeout") == 0 || strcmp(a, "--zone-failure") == 0;
    if (strcmp(a, "--json") == 0) {
        c->json = 1;
        return 1;
    }
    if (!takes) {
        return 0;
    }
    if (*i + 1 >= argc) {
        cli_error(c, "%s needs an argument", a);
        *status = CLI_USAGE;
        return -1;
    }
    val = argv[++*i];
    deliver_status st = DELIVER_OK;
    if (strcmp(a, "--dns-server") == 0) {
        char addr[128];
        const char *hash = strchr(val, '#');
        size_t alen = hash ? (size_t)(hash - val) : strlen(val);
        long port = 53;
        if (alen == 0 || alen >= sizeof(addr)) {
            cli_error(c, "bad --dns-server: %s", val);
            *status = CLI_USAGE;
            return -1;
        }
        memcpy(addr, val, alen);
        addr[alen] = '\0';
        if (hash) {
            char *end;
            port = strtol(hash + 1, &end, 10);
            if (*end || port < 1 || port > 65535) {
                cli_error(c, "bad port in --dns-server: %s", val);
                *status = CLI_USAGE;
                return -1;
            }
        }
        st = deliver_ctx_add_dns_server(c->ctx, addr, (uint16_t)port);
        if (st < 0) {
            cli_error(c, "--dns-server %s: %s", val, deliver_ctx_errmsg(c->ctx));
            *status = CLI_USAGE;
            return -1;
        }
    } else if (strcmp(a, "--zone-failure") == 0) {
        if (zone_failure(c, val) < 0) {
            *status = CLI_USAGE;
            return -1;
        }
    } else if (strcmp(a, "--zone") == 0) {
        st = deliver_ctx_add_zone_file(c->ctx, val);
        if (st < 0) {
            cli_error(c, "%s", *deliver_ctx_errmsg(c->ctx) ? deliver_ctx_errmsg(c->ctx)
                                                            : deliver_strerror(st));
            *status = CLI_FAILED;
            return -1;
        }
    } else {
        char *end;
        long ms = strtol(val, &end, 10);
        if (*end || deliver_ctx_set_dns_timeout_ms(c->ctx, ms) < 0) {
            cli_error(c, "bad --timeout: %s", val);
            *status = CLI_USAGE;
            return -1;
        }
    }
    return 1;
}

int main(int argc, char **argv)
{
    cli c = {0};
    c.prog = "deliver";
    if (deliver_ctx_new(&c.ctx) < 0) {
        fprintf(stderr, "deliver: out of memory\n");
        return CLI_FAILED;
    }
    int status = CLI_OK;
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    int nrest = 0;
    if (!rest) {
        deliver_ctx_free(c.ctx);
        return CLI_FAILED;
    }
    int only_operands = 0;
    for (int i = 1; i < argc; i++) {
        if (!only_operands && strcmp(argv[i], "--") == 0) {
            only_operands = 1;
            continue;
        }
        if (!only_operands && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
            usage(stdout, c.prog);
            goto done;
        }
        if (!only_operands && strcmp(argv[i], "--version") == 0) {
            printf("deliver %s (libdeliver %s)\n", DELIVER_VERSION_STRING,
                   deliver_version_string());
            goto done;
        }
        int r = only_operands ? 0 : global_option(&c, argc, argv, &i, &status);
        if (r < 0) {
            goto done;
        }
        if (r == 0) {
            rest[nrest++] = argv[i];
        }
    }
    if (nrest == 0) {
        usage(stderr, c.prog);
        status = CLI_USAGE;
        goto done;
    }
    for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
        if (strcmp(rest[0], commands[k].name) == 0) {
            status = commands[k].fn(&c, nrest - 1, rest + 1);
            goto done;
        }
    }
    cli_error(&c, "unknown command: %s (see --help)", rest[0]);
    status = CLI_USAGE;
done:
    free(rest);
    deliver_ctx_free(c.ctx);
    fflush(stdout);
    return status;
}

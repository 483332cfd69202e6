/*
 * libspf2 peer of bench-spf.c (built only when libspf2 is found: Debian libspf2-dev).
 * DNS comes from libspf2's in-memory zone layer (SPF_dns_zone_new + SPF_dns_zone_add_str),
 * the layer its own test suite uses, with no resolver beneath it: a name not in the zone
 * is answered HOST_NOT_FOUND. One SPF_server for the run, one request per evaluation (as a
 * milter makes one per message). libspf2 has no mechanism getter, so only the result is
 * checked, every time.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "bench-spf.h"

#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct libspf2_bench {
    SPF_server_t *server;
    SPF_dns_server_t *dns; /* not freed by SPF_server_free() when given to SPF_server_new_dns() */
};

#define STR_(x) #x
#define STR(x) STR_(x)

const char *libspf2_bench_version(void)
{
    return STR(SPF_LIB_VERSION_MAJOR) "." STR(SPF_LIB_VERSION_MINOR) "." STR(
        SPF_LIB_VERSION_PATCH);
}

static int rr_type(const char *t)
{
    if (strcmp(t, "A") == 0) {
        return ns_t_a;
    }
    if (strcmp(t, "AAAA") == 0) {
        return ns_t_aaaa;
    }
    if (strcmp(t, "MX") == 0) {
        return ns_t_mx;
    }
    if (strcmp(t, "TXT") == 0) {
        return ns_t_txt;
    }
    return -1;
}

int libspf2_bench_open(libspf2_bench **out, const bench_rr *zone, size_t nzone, char *why,
                       size_t whylen)
{
    *out = NULL;
    SPF_dns_server_t *dns = SPF_dns_zone_new(NULL, "bench", 0);
    if (!dns) {
        snprintf(why, whylen, "SPF_dns_zone_new failed");
        return -1;
    }
    for (size_t i = 0; i < nzone; i++) {
        int t = rr_type(zone[i].type);
        SPF_errcode_t e = t < 0 ? SPF_E_INVALID_OPT
                                : SPF_dns_zone_add_str(dns, zone[i].name, (ns_type)t,
                                                       NETDB_SUCCESS, zone[i].data);
        if (e != SPF_E_SUCCESS) {
            snprintf(why, whylen, "SPF_dns_zone_add_str(%s %s): %s", zone[i].name,
                     zone[i].type, SPF_strerror(e));
            SPF_dns_free(dns);
            return -1;
        }
    }
    libspf2_bench *b = calloc(1, sizeof(*b));
    if (!b || !(b->server = SPF_server_new_dns(dns, 0))) {
        snprintf(why, whylen, "SPF_server_new_dns failed");
        SPF_dns_free(dns);
        free(b);
        return -1;
    }
    b->dns = dns;
    *out = b;
    return 0;
}

static int eval_once(libspf2_bench *b, const bench_case *c, char *why, size_t whylen)
{
    SPF_request_t *req = SPF_request_new(b->server);
    SPF_response_t *resp = NULL;
    int ok = 0;
    if (!req) {
        snprintf(why, whylen, "SPF_request_new failed");
        return -1;
    }
    if (SPF_request_set_ipv4_str(req, c->ip) != SPF_E_SUCCESS ||
        SPF_request_set_helo_dom(req, c->helo) != SPF_E_SUCCESS ||
        SPF_request_set_env_from(req, c->sender) != 0) {
        snprintf(why, whylen, "cannot set the request (%s, %s, %s)", c->ip, c->sender, c->helo);
    } else {
        SPF_request_query_mailfrom(req, &resp);
        const char *got = resp ? SPF_strresult(SPF_response_result(resp)) : "(no response)";
        if (strcmp(got, c->result) == 0) {
            ok = 1;
        } else {
            snprintf(why, whylen, "wrong result %s, expected %s", got, c->result);
        }
    }
    if (resp) {
        SPF_response_free(resp);
    }
    SPF_request_free(req);
    return ok ? 0 : -1;
}

int libspf2_bench_run(libspf2_bench *b, const bench_case *c, double seconds, double *rate,
                      char *why, size_t whylen)
{
    long n = 0;
    double t0 = bench_now(), t;
    do {
        for (int i = 0; i < 100; i++) {
            if (eval_once(b, c, why, whylen) < 0) {
                return -1;
            }
        }
        n += 100;
        t = bench_now() - t0;
    } while (t < seconds);
    *rate = (double)n / t;
    return 0;
}

void libspf2_bench_close(libspf2_bench *b)
{
    if (b) {
        SPF_server_free(b->server);
        SPF_dns_free(b->dns);
        free(b);
    }
}

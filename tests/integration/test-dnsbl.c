/*
 * DNSBL lookups against NSD on loopback serving the 20 list zones of
 * tests/data/dnsbl/gen-zones.sh, run under dnsharness.py --zone-script ... --delay-all 0.05
 * (public API; the sans-I/O core is experimental):
 *  - every code of the generated zones decoded as the list documents, IPv6 and domain lists,
 *    the error codes (blocked.test, Spamhaus 127.255.255.x, DNSWL 127.0.0.255, DBL 127.0.1.255)
 *    and an answer outside 127/8 reported as query-path findings, never as listings;
 *    the RFC 5782 self-check; the per-list timeout (a list the relay never answers);
 *  - concurrency: the relay holds every answer DELIVER_TEST_RELAY_DELAY_ALL_MS; the 20 lists
 *    must finish within 2 x that through the blocking call, and again when this program drives
 *    the sans-I/O core itself over its own UDP sockets. These are the only timed assertions,
 *    bounded by the delay the harness injects.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <deliver/deliver.h>

#include "itest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned nsd_port, relay_port;
static long long delay_ms;
static char zones_env[4096];
static const char *zones[64];
static size_t nzones;

static deliver_ctx *new_ctx(unsigned port)
{
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    CHECK_INT(deliver_ctx_add_dns_server(ctx, "127.0.0.1", (uint16_t)port), DELIVER_OK);
    CHECK_INT(deliver_ctx_set_dns_cache_size(ctx, 0), DELIVER_OK);
    return ctx;
}

static deliver_dnsbl *new_check(deliver_ctx *ctx, const char *specs)
{
    deliver_dnsbl *h = NULL;
    CHECK_INT(deliver_dnsbl_new(&h, ctx), DELIVER_OK);
    if (specs) {
        CHECK_INT(deliver_dnsbl_add_spec(h, specs, strlen(specs)), DELIVER_OK);
    }
    return h;
}

static long find(const deliver_dnsbl *h, const char *zone)
{
    for (size_t i = 0; i < deliver_dnsbl_result_count(h); i++) {
        if (strcmp(deliver_dnsbl_result_get_zone(h, i), zone) == 0) {
            return (long)i;
        }
    }
    fprintf(stderr, "no result for %s\n", zone);
    return -1;
}

static size_t count_finding(const deliver_dnsbl *h, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < deliver_dnsbl_finding_count(h); i++) {
        n += strcmp(deliver_finding_id(deliver_dnsbl_get_finding(h, i)), id) == 0;
    }
    return n;
}

/* (subject, zone, status, the single code, its meaning) */
typedef struct expect {
    const char *subject, *zone;
    deliver_dnsbl_status status;
    const char *code, *meaning;
} expect;

#define LISTED DELIVER_DNSBL_STATUS_LISTED
#define FILTERED DELIVER_DNSBL_STATUS_FILTERED
#define ERROR DELIVER_DNSBL_STATUS_ERROR

static const expect codes[] = {
    {"192.0.2.2", "zen.spamhaus.org", LISTED, "127.0.0.2",
     "SBL: verified spam source, spam operation or spam support"},
    {"192.0.2.3", "zen.spamhaus.org", LISTED, "127.0.0.3",
     "SBL CSS: snowshoe or low-reputation sending, detected automatically"},
    {"192.0.2.4", "zen.spamhaus.org", LISTED, "127.0.0.4",
     "XBL: exploited host (bot, open proxy; includes the former CBL)"},
    {"192.0.2.5", "xbl.spamhaus.org", LISTED, "127.0.0.5", "XBL: exploited host (historic code)"},
    {"192.0.2.6", "zen.spamhaus.org", LISTED, "127.0.0.6", "XBL: exploited host (historic code)"},
    {"192.0.2.7", "xbl.spamhaus.org", LISTED, "127.0.0.7", "XBL: exploited host (historic code)"},
    {"192.0.2.9", "sbl.spamhaus.org", LISTED, "127.0.0.9",
     "SBL DROP/EDROP: hijacked or criminal netblock"},
    {"192.0.2.10", "pbl.spamhaus.org", LISTED, "127.0.0.10",
     "PBL: end-user range that should not send mail directly, set by its ISP"},
    {"192.0.2.11", "zen.spamhaus.org", LISTED, "127.0.0.11",
     "PBL: end-user range that should not send mail directly, set by Spamhaus"},
    {"192.0.2.30", "sbl.spamhaus.org", LISTED, "127.0.0.30",
     "SBL BCL: botnet command and control server"},
    {"192.0.2.10", "rep.mailspike.net", LISTED, "127.0.0.10", "Mailspike L5: worst reputation"},
    {"192.0.2.13", "rep.mailspike.net", LISTED, "127.0.0.13", "Mailspike L2: suspicious"},
    {"192.0.2.14", "rep.mailspike.net", FILTERED, "127.0.0.14",
     "Mailspike L1: neutral, probably spam"},
    {"192.0.2.20", "rep.mailspike.net", FILTERED, "127.0.0.20",
     "Mailspike H5: excellent reputation"},
    {"192.0.2.3", "dnsbl.dronebl.org", LISTED, "127.0.0.3", "DroneBL: IRC drone"},
    {"192.0.2.8", "dnsbl.dronebl.org", LISTED, "127.0.0.8", "DroneBL: SOCKS proxy"},
    {"192.0.2.13", "dnsbl.dronebl.org", LISTED, "127.0.0.13", "DroneBL: brute force attacker"},
    {"192.0.2.17", "dnsbl.dronebl.org", LISTED, "127.0.0.17",
     "DroneBL: automatically determined botnet address"},
    {"192.0.2.255", "dnsbl.dronebl.org", LISTED, "127.0.0.255", "DroneBL: uncategorised threat"},
    {"198.51.2.3", "list.dnswl.org", LISTED, "127.0.2.3",
     "category: financial services; trust: high"},
    {"198.51.11.1", "list.dnswl.org", LISTED, "127.0.11.1",
     "category: education, academic; trust: low"},
    {"198.51.20.2", "list.dnswl.org", LISTED, "127.0.20.2",
     "category: added through self-service, no specific category; trust: medium"},
    {"198.51.3.0", "list.dnswl.org", FILTERED, "127.0.3.0",
     "category: email service providers; trust: none"},
    /* error codes and an answer outside 127/8: status error, never listed */
    {"192.0.2.252", "zen.spamhaus.org", ERROR, "127.255.255.252",
     "typo or malformed query (wrong zone name or DQS key form)"},
    {"192.0.2.254", "sbl.spamhaus.org", ERROR, "127.255.255.254",
     "query came through a public or unattributable resolver, which Spamhaus refuses"},
    {"192.0.2.255", "pbl.spamhaus.org", ERROR, "127.255.255.255",
     "excessive query volume from this resolver (fair-use limit)"},
    {"192.0.2.255", "list.dnswl.org", ERROR, "127.0.0.255",
     "over the free query limit or blocked: DNSWL refuses this resolver"},
    {"192.0.2.99", "psbl.surriel.com", ERROR, "192.0.2.1",
     "answer outside 127.0.0.0/8: not a listing"},
    {"192.0.2.1", "blocked.test", ERROR, "127.255.255.254",
     "error code: query came through a public or open resolver, which the list refuses"},
    /* IPv6 (the RFC 5782 test point, nibbles) */
    {"::ffff:7f00:2", "zen.spamhaus.org", LISTED, NULL, NULL},
    {"::FFFF:7F00:2", "dnsbl.dronebl.org", LISTED, "127.0.0.3", "DroneBL: IRC drone"},
    {"::ffff:7f00:2", "list.dnswl.org", FILTERED, "127.0.10.0",
     "category: some special cases; trust: none"},
    /* domain lists */
    {"test", "dbl.spamhaus.org", LISTED, "127.0.1.2", "DBL: spam domain (low reputation)"},
    {"phish.example", "dbl.spamhaus.org", LISTED, "127.0.1.4", "DBL: phishing domain"},
    {"malware.example", "dbl.spamhaus.org", LISTED, "127.0.1.5", "DBL: malware domain"},
    {"botnet.example", "dbl.spamhaus.org", LISTED, "127.0.1.6",
     "DBL: botnet command and control domain"},
    {"abused-spam.example", "dbl.spamhaus.org", FILTERED, "127.0.1.102",
     "DBL: abused legitimate domain, used for spam"},
    {"abused-redirector.example", "dbl.spamhaus.org", FILTERED, "127.0.1.103",
     "DBL: abused legitimate domain, spammed redirector or URL shortener"},
    {"abused-botnet.example", "dbl.spamhaus.org", FILTERED, "127.0.1.106",
     "DBL: abused legitimate domain, used for botnet command and control"},
    {"TEST", "zrd.spamhaus.org", LISTED, "127.0.2.2",
     "ZRD: zero-reputation domain, first seen within the hours given by the last octet (2 to "
     "24)"},
    {"hours24.example", "zrd.spamhaus.org", LISTED, "127.0.2.24",
     "ZRD: zero-reputation domain, first seen within the hours given by the last octet (2 to "
     "24)"},
    {"invalid", "dbl.spamhaus.org", DELIVER_DNSBL_STATUS_NOT_LISTED, NULL, NULL},
};

static void test_codes(void)
{
    deliver_ctx *ctx = new_ctx(nsd_port);
    for (size_t k = 0; k < (sizeof(codes) / sizeof(codes[0])); k++) {
        const expect *e = &codes[k];
        deliver_dnsbl *h = new_check(ctx, e->zone);
        CHECK_INT(deliver_dnsbl_check(h, e->subject), DELIVER_OK);
        long i = find(h, e->zone);
        if (i < 0) {
            itest_failures++;
            deliver_dnsbl_free(h);
            continue;
        }
        if (deliver_dnsbl_result_get_status(h, (size_t)i) != e->status) {
            fprintf(stderr, "%s at %s: status %s, expected %s\n", e->subject, e->zone,
                    deliver_dnsbl_status_name(deliver_dnsbl_result_get_status(h, (size_t)i)),
                    deliver_dnsbl_status_name(e->status));
        }
        CHECK_INT(deliver_dnsbl_result_get_status(h, (size_t)i), e->status);
        if (e->code) {
            CHECK_INT(deliver_dnsbl_result_code_count(h, (size_t)i), 1);
            CHECK_STR(deliver_dnsbl_result_get_code(h, (size_t)i, 0), e->code);
            CHECK_STR(deliver_dnsbl_result_get_meaning(h, (size_t)i, 0), e->meaning);
        }
        if (e->status == ERROR) {
            CHECK_INT(deliver_dnsbl_get_score(h), 0);
            CHECK(deliver_dnsbl_get_verdict(h) != DELIVER_DNSBL_VERDICT_LISTED);
            CHECK_INT(count_finding(h, "dnsbl.resolver_blocked") +
                          count_finding(h, "dnsbl.bad_query") +
                          count_finding(h, "dnsbl.bad_answer"),
                      1);
            CHECK_INT(count_finding(h, "dnsbl.listed"), 0);
        }
        if (e->status == LISTED) {
            CHECK_INT(deliver_dnsbl_get_score(h), deliver_dnsbl_result_get_weight(h, (size_t)i));
        }
        deliver_dnsbl_free(h);
    }
    deliver_ctx_free(ctx);
}

/* The catalogue against the test points, with the self-check; TXT reasons fetched. */
static void test_catalogue(void)
{
    deliver_ctx *ctx = new_ctx(nsd_port);
    deliver_dnsbl *h = new_check(ctx, NULL);
    CHECK_INT(deliver_dnsbl_set_self_check(h, 1), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_check(h, "127.0.0.2"), DELIVER_OK);
    size_t listed = 0;
    for (size_t i = 0; i < deliver_dnsbl_result_count(h); i++) {
        listed += deliver_dnsbl_result_get_status(h, i) == LISTED;
        if (deliver_dnsbl_result_get_status(h, i) == LISTED) {
            CHECK(strstr(deliver_dnsbl_result_get_txt(h, i), "listed: test point") != NULL);
        }
    }
    CHECK_INT(listed, 16); /* 17 IP lists; DNSWL's 127.0.10.0 (trust none) is filtered */
    CHECK_INT(deliver_dnsbl_result_get_status(h, (size_t)find(h, "list.dnswl.org")), FILTERED);
    CHECK_INT(deliver_dnsbl_result_get_status(h, (size_t)find(h, "dbl.spamhaus.org")),
              DELIVER_DNSBL_STATUS_SKIPPED);
    CHECK_INT(deliver_dnsbl_result_get_status(h, (size_t)find(h, "dnsbl.sorbs.net")),
              DELIVER_DNSBL_STATUS_RETIRED);
    CHECK_INT(deliver_dnsbl_get_score(h), 16);
    CHECK_INT(deliver_dnsbl_get_verdict(h), DELIVER_DNSBL_VERDICT_LISTED);
    CHECK_INT(count_finding(h, "dnsbl.list_unusable"), 0);
    CHECK_INT(count_finding(h, "dnsbl.list_retired"), 1);
    /* 127.0.0.1: every list clean, self-check passes */
    CHECK_INT(deliver_dnsbl_check(h, "127.0.0.1"), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_get_verdict(h), DELIVER_DNSBL_VERDICT_PASS);
    CHECK_INT(count_finding(h, "dnsbl.list_unusable"), 0);
    /* a domain list asked about a domain, with its self-check */
    CHECK_INT(deliver_dnsbl_check(h, "phish.example"), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_result_get_status(h, (size_t)find(h, "dbl.spamhaus.org")), LISTED);
    CHECK_INT(count_finding(h, "dnsbl.list_unusable"), 0);
    deliver_dnsbl_free(h);

    /* allowlist scoring: DNSWL with a negative weight, postscreen style */
    h = new_check(ctx, "zen.spamhaus.org*2, list.dnswl.org=127.0.[0..255].[2..3]*-5");
    CHECK_INT(deliver_dnsbl_check(h, "198.51.2.3"), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_get_score(h), -5);
    CHECK_INT(deliver_dnsbl_get_verdict(h), DELIVER_DNSBL_VERDICT_ALLOWLISTED);
    CHECK_INT(count_finding(h, "dnsbl.allowlisted"), 1);
    deliver_dnsbl_free(h);

    /* an IP asked of the domain list: DBL's 127.0.1.255 is a query error, not a listing */
    h = new_check(ctx, "dbl.spamhaus.org");
    CHECK_INT(deliver_dnsbl_set_ignore_kinds(h, 1), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_check(h, "127.0.0.2"), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 0), ERROR);
    CHECK_STR(deliver_dnsbl_result_get_code(h, 0, 0), "127.0.1.255");
    CHECK_INT(count_finding(h, "dnsbl.bad_query"), 1);
    deliver_dnsbl_free(h);

    /* self-check failure: an IP list asked about a domain has no TEST entry: unusable */
    h = new_check(ctx, "psbl.surriel.com, blocked.test");
    CHECK_INT(deliver_dnsbl_set_ignore_kinds(h, 1), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_set_self_check(h, 1), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_check(h, "example.com"), DELIVER_OK);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 0), DELIVER_DNSBL_STATUS_UNUSABLE);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 1), ERROR);
    CHECK_INT(count_finding(h, "dnsbl.list_unusable"), 1);
    CHECK_INT(count_finding(h, "dnsbl.resolver_blocked"), 1);
    CHECK_INT(deliver_dnsbl_get_verdict(h), DELIVER_DNSBL_VERDICT_UNKNOWN);
    deliver_dnsbl_free(h);
    deliver_ctx_free(ctx);
}

static deliver_dnsbl *twenty(deliver_ctx *ctx)
{
    deliver_dnsbl *h = new_check(ctx, zones_env);
    CHECK_INT(deliver_dnsbl_set_ignore_kinds(h, 0), DELIVER_OK);
    return h;
}

static void check_twenty(const deliver_dnsbl *h)
{
    CHECK_INT(deliver_dnsbl_result_count(h), nzones);
    size_t listed = 0;
    for (size_t i = 0; i < deliver_dnsbl_result_count(h); i++) {
        listed += deliver_dnsbl_result_get_status(h, i) == LISTED;
    }
    CHECK_INT(listed, 16);
    CHECK_INT(deliver_dnsbl_result_get_status(h, (size_t)find(h, "blocked.test")), ERROR);
}

/* Best of three runs of fn, each printed. */
static long long blocking_run(deliver_ctx *ctx)
{
    deliver_dnsbl *h = twenty(ctx);
    long long t0 = itest_now_ms();
    CHECK_INT(deliver_dnsbl_check(h, "127.0.0.2"), DELIVER_OK);
    long long took = itest_now_ms() - t0;
    check_twenty(h);
    deliver_dnsbl_free(h);
    return took;
}

/* The test's own resolver for the sans-I/O core: one UDP socket per question. */
static size_t put_name(uint8_t *p, const char *name)
{
    size_t n = 0;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        p[n++] = (uint8_t)l;
        memcpy(p + n, name, l);
        n += l;
        name += l + (dot ? 1 : 0);
    }
    p[n++] = 0;
    return n;
}

static long long sansio_run(void)
{
    deliver_ctx *ctx = new_ctx(relay_port); /* never used for I/O here */
    deliver_dnsbl *h = twenty(ctx);
    struct sockaddr_in to = {0};
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)relay_port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    enum { MAXQ = 256 };
    struct pollfd pfd[MAXQ];
    uint64_t ids[MAXQ];
    size_t nq = 0;
    long long t0 = itest_now_ms();
    CHECK_INT(deliver_dnsbl_start(h, "127.0.0.2"), DELIVER_OK);
    while (deliver_dnsbl_step(h) == DELIVER_PENDING) {
        /* send every open question not sent yet */
        for (size_t i = 0; i < deliver_dnsbl_query_count(h) && nq < MAXQ; i++) {
            uint64_t id;
            const char *qname;
            uint16_t qtype;
            CHECK_INT(deliver_dnsbl_get_query(h, i, &id, &qname, &qtype), DELIVER_OK);
            int sent = 0;
            for (size_t k = 0; k < nq && !sent; k++) {
                sent = ids[k] == id;
            }
            if (sent) {
                continue;
            }
            uint8_t pkt[512] = {0};
            pkt[0] = (uint8_t)(nq >> 8);
            pkt[1] = (uint8_t)nq;
            pkt[5] = 1; /* QDCOUNT */
            size_t n = 12 + put_name(pkt + 12, qname);
            pkt[n++] = (uint8_t)(qtype >> 8);
            pkt[n++] = (uint8_t)qtype;
            pkt[n++] = 0;
            pkt[n++] = 1;
            int fd = socket(AF_INET, SOCK_DGRAM, 0);
            CHECK(fd >= 0);
            CHECK(sendto(fd, pkt, n, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)n);
            pfd[nq].fd = fd;
            pfd[nq].events = POLLIN;
            ids[nq++] = id;
        }
        int r = poll(pfd, (nfds_t)nq, 2000);
        CHECK(r > 0);
        if (r <= 0) {
            break;
        }
        for (size_t k = 0; k < nq; k++) {
            if (pfd[k].fd >= 0 && (pfd[k].revents & POLLIN)) {
                uint8_t buf[4096];
                ssize_t got = recv(pfd[k].fd, buf, sizeof(buf), 0);
                CHECK(got > 0);
                CHECK_INT(deliver_dnsbl_answer(h, ids[k], DELIVER_DNS_ERROR, buf,
                                               got > 0 ? (size_t)got : 0),
                          DELIVER_OK);
                close(pfd[k].fd);
                pfd[k].fd = -1; /* poll ignores negative fds */
            }
        }
    }
    long long took = itest_now_ms() - t0;
    CHECK_INT(deliver_dnsbl_step(h), DELIVER_OK);
    check_twenty(h);
    for (size_t k = 0; k < nq; k++) {
        if (pfd[k].fd >= 0) {
            close(pfd[k].fd);
        }
    }
    deliver_dnsbl_free(h);
    deliver_ctx_free(ctx);
    return took;
}

static void test_concurrency(void)
{
    deliver_ctx *ctx = new_ctx(relay_port);
    long long best_b = 1LL << 40, best_s = 1LL << 40;
    blocking_run(ctx); /* warm-up: the relay's threads, NSD */
    for (int run = 0; run < 3; run++) {
        long long b = blocking_run(ctx);
        long long s = sansio_run();
        printf("20 lists (A + TXT, 40 questions), every answer held %lld ms: blocking call "
               "%lld ms, sans-I/O core driven by the test %lld ms\n",
               delay_ms, b, s);
        best_b = b < best_b ? b : best_b;
        best_s = s < best_s ? s : best_s;
    }
    CHECK(best_b >= delay_ms); /* the relay really held the answers */
    CHECK(best_b < 2 * delay_ms);
    CHECK(best_s >= delay_ms);
    CHECK(best_s < 2 * delay_ms);
    deliver_ctx_free(ctx);
}

/* The per-list timeout: a list the relay never answers times out; the others do not wait. */
static void test_timeout(void)
{
    deliver_ctx *ctx = new_ctx(relay_port);
    deliver_dnsbl *h = new_check(ctx, "zen.spamhaus.org, silent.relay.test");
    CHECK_INT(deliver_dnsbl_set_timeout_ms(h, 400), DELIVER_OK);
    long long t0 = itest_now_ms();
    CHECK_INT(deliver_dnsbl_check(h, "127.0.0.2"), DELIVER_OK);
    long long took = itest_now_ms() - t0;
    printf("list timeout 400 ms, one silent list: %lld ms\n", took);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 0), LISTED);
    CHECK_INT(deliver_dnsbl_result_get_status(h, 1), DELIVER_DNSBL_STATUS_TIMEOUT);
    CHECK_INT(count_finding(h, "dnsbl.timeout"), 1);
    CHECK_INT(deliver_dnsbl_get_verdict(h), DELIVER_DNSBL_VERDICT_LISTED);
    deliver_dnsbl_free(h);
    deliver_ctx_free(ctx);
}

int main(void)
{
    nsd_port = itest_env_port("DELIVER_TEST_NSD_PORT");
    relay_port = itest_env_port("DELIVER_TEST_RELAY_PORT");
    const char *d = getenv("DELIVER_TEST_RELAY_DELAY_ALL_MS");
    const char *z = getenv("DELIVER_TEST_EXTRA_ZONES");
    delay_ms = d ? atoll(d) : 0;
    if (!nsd_port || !relay_port || delay_ms <= 0 || !z || !*z) {
        return itest_skip("run me under dnsharness.py --zone-script gen-zones.sh --delay-all S");
    }
    snprintf(zones_env, sizeof(zones_env), "%s", z);
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", z);
    for (char *s = strtok(tmp, ","); s && nzones < 64; s = strtok(NULL, ",")) {
        zones[nzones++] = s;
    }
    CHECK_INT(nzones, 20);
    test_codes();
    test_catalogue();
    test_concurrency();
    test_timeout();
    return itest_done("test-dnsbl");
}

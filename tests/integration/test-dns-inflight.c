/*
 * Many questions in flight on the network resolver (lib/dns/net.c, internal API, linked
 * against the static core). Run under dnsharness.py: the relay holds every answer to a
 * name with a "delay" label for DELIVER_TEST_RELAY_DELAY_MS, so questions asked one after
 * the other would take N x delay, and questions in flight together about one delay.
 *
 * The only timed assertions are bounds derived from that injected delay: N questions that
 * fit in the socket limit finish within 2 x delay; more questions than sockets (some wait
 * for a free socket) finish within 2 rounds x 2 x delay, and none of them is lost.
 * (A lower bound of one delay only shows that the relay really held the answers.)
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dns/dns.h"

#include "itest.h"

#include <stdio.h>

static unsigned relay_port;
static long long delay_ms;

/* Asks n distinct "delay" names at once; returns the wall time in ms, -1 on failure. */
static long long ask_many(size_t n, const char *tag)
{
    deliver_ctx *ctx = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    CHECK_INT(deliver_ctx_set_dns_timeout_ms(ctx, 5000), DELIVER_OK);
    CHECK_INT(deliver_ctx_set_dns_retries(ctx, 0), DELIVER_OK);
    dlv_net *net = dlv_net_new(ctx);
    CHECK(net != NULL);
    CHECK_INT(dlv_net_add_server(net, "127.0.0.1", (uint16_t)relay_port), DELIVER_OK);
    dlv_netq **q = calloc(n, sizeof(*q));
    dlv_answer **a = calloc(n, sizeof(*a));
    CHECK(q && a);
    long long t0 = itest_now_ms();
    for (size_t i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof(name), "%s%zu.delay.relay.test", tag, i);
        q[i] = dlv_net_start(net, name, DELIVER_DNS_TYPE_A);
        CHECK(q[i] != NULL);
    }
    CHECK_INT(dlv_net_active(net), n);
    size_t done = 0;
    /* each poll returns when something completes; the bound keeps a broken resolver from
     * looping for ever (every question has a 5 s deadline) */
    for (int polls = 0; done < n && polls < 10000; polls++) {
        CHECK(dlv_net_poll(net, 1000) == 0);
        for (size_t i = 0; i < n; i++) {
            if (!a[i]) {
                a[i] = dlv_net_take(net, q[i]);
                done += a[i] != NULL;
            }
        }
    }
    long long took = itest_now_ms() - t0;
    CHECK_INT(done, n);
    CHECK_INT(dlv_net_active(net), 0);
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] && a[i]->outcome == DELIVER_DNS_OK && a[i]->nrr == 1 &&
            a[i]->rr[0].addrlen == 4 && a[i]->rr[0].addr[3] == 200) {
            ok++;
        }
        dlv_answer_free(a[i]);
    }
    CHECK_INT(ok, n);
    free(q);
    free(a);
    dlv_net_free(net);
    deliver_ctx_free(ctx);
    printf("%zu questions held %lld ms each by the relay: %lld ms\n", n, delay_ms, took);
    return took;
}

int main(void)
{
    relay_port = itest_env_port("DELIVER_TEST_RELAY_PORT");
    const char *d = getenv("DELIVER_TEST_RELAY_DELAY_MS");
    delay_ms = d ? atoll(d) : 0;
    if (!relay_port || delay_ms <= 0) {
        return itest_skip("run under dnsharness.py (DELIVER_TEST_RELAY_PORT not set)");
    }
    /* 20 at once: all within twice the delay (one after another would take 20 x) */
    long long t = ask_many(20, "a");
    CHECK(t >= delay_ms);
    CHECK(t < 2 * delay_ms);
    /* 300 questions, more than the sockets the resolver opens at once (256 in net.c): the
     * rest wait for a free socket, so about two rounds of the delay; none is lost */
    t = ask_many(300, "b");
    CHECK(t >= delay_ms);
    CHECK(t < 2 * 2 * delay_ms);
    return itest_done("test-dns-inflight");
}

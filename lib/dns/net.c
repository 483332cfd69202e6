/*
 * The network resolver: its own non-blocking sockets and poll loop, ldns for packets only.
 * UDP with EDNS0, TCP when truncated, per-attempt timeout and retries over the servers,
 * many questions in flight, and replies checked against the ID and the question.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dns/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define NET_MAX_SOCKETS 256   /* questions with a socket open at once; more wait their turn */
#define NET_MAX_SERVERS 16
#define UDP_BUF 65536

enum { Q_QUEUED, Q_UDP, Q_TCP_CONNECT, Q_TCP_WRITE, Q_TCP_READ, Q_DONE };

struct dlv_netq {
    dlv_netq *next, *prev;
    char *qname;
    uint16_t qtype;
    uint8_t *wire;
    size_t wirelen;
    uint16_t txid;
    int fd;
    int state;
    size_t io_off;      /* TCP: bytes written, or bytes read */
    uint8_t lenbuf[2];
    uint8_t *tcpbuf;
    size_t tcplen;
    unsigned attempt;
    int64_t deadline;
    dlv_answer *result;
    const char *failure; /* why the last attempt failed, for the log */
};

struct dlv_net {
    deliver_ctx *ctx;
    struct sockaddr_storage servers[NET_MAX_SERVERS];
    socklen_t serverlen[NET_MAX_SERVERS];
    size_t nservers;
    dlv_netq *head;
    size_t nactive;   /* questions not yet taken */
    size_t nsockets;  /* questions holding a socket */
    uint8_t *udpbuf;
};

dlv_net *dlv_net_new(deliver_ctx *ctx)
{
    dlv_net *n = dlv_calloc(ctx, 1, sizeof(*n));
    if (!n) {
        return NULL;
    }
    n->ctx = ctx;
    n->udpbuf = dlv_alloc(ctx, UDP_BUF);
    if (!n->udpbuf) {
        dlv_free(ctx, n);
        return NULL;
    }
    return n;
}

static void close_fd(dlv_net *n, dlv_netq *q)
{
    if (q->fd >= 0) {
        close(q->fd);
        q->fd = -1;
        n->nsockets--;
    }
    dlv_free(n->ctx, q->tcpbuf);
    q->tcpbuf = NULL;
}

static void unlink_q(dlv_net *n, dlv_netq *q)
{
    if (q->prev) {
        q->prev->next = q->next;
    } else {
        n->head = q->next;
    }
    if (q->next) {
        q->next->prev = q->prev;
    }
    q->next = q->prev = NULL;
}

static void free_q(dlv_net *n, dlv_netq *q)
{
    close_fd(n, q);
    dlv_answer_free(q->result);
    dlv_free(n->ctx, q->wire);
    dlv_free(n->ctx, q->qname);
    dlv_free(n->ctx, q);
}

void dlv_net_free(dlv_net *n)
{
    if (!n) {
        return;
    }
    while (n->head) {
        dlv_netq *q = n->head;
        unlink_q(n, q);
        free_q(n, q);
    }
    dlv_free(n->ctx, n->udpbuf);
    dlv_free(n->ctx, n);
}

deliver_status dlv_net_add_server(dlv_net *n, const char *address, uint16_t port)
{
    if (n->nservers >= NET_MAX_SERVERS) {
        return dlv_err(&n->ctx->err, DELIVER_E_LIMIT, "at most %d DNS servers",
                       NET_MAX_SERVERS);
    }
    struct sockaddr_storage *ss = &n->servers[n->nservers];
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, address, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port ? port : 53);
        n->serverlen[n->nservers] = sizeof(*s4);
    } else if (inet_pton(AF_INET6, address, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port ? port : 53);
        n->serverlen[n->nservers] = sizeof(*s6);
    } else {
        return dlv_err(&n->ctx->err, DELIVER_E_INVALID, "not an IP address: %s", address);
    }
    n->nservers++;
    return DELIVER_OK;
}

deliver_status dlv_net_use_resolv_conf(dlv_net *n, const char *path)
{
    ldns_resolver *r = NULL;
    if (ldns_resolver_new_frm_file(&r, path) != LDNS_STATUS_OK || !r) {
        return dlv_err(&n->ctx->err, DELIVER_E_IO, "cannot read %s", path);
    }
    ldns_rdf **ns = ldns_resolver_nameservers(r);
    size_t count = ldns_resolver_nameserver_count(r);
    deliver_status st = DELIVER_OK;
    for (size_t i = 0; i < count && n->nservers < NET_MAX_SERVERS; i++) {
        char addr[INET6_ADDRSTRLEN] = "";
        if (ldns_rdf_get_type(ns[i]) == LDNS_RDF_TYPE_A && ldns_rdf_size(ns[i]) == 4) {
            inet_ntop(AF_INET, ldns_rdf_data(ns[i]), addr, sizeof(addr));
        } else if (ldns_rdf_get_type(ns[i]) == LDNS_RDF_TYPE_AAAA &&
                   ldns_rdf_size(ns[i]) == 16) {
            inet_ntop(AF_INET6, ldns_rdf_data(ns[i]), addr, sizeof(addr));
        } else {
            continue;
        }
        st = dlv_net_add_server(n, addr, 53);
        if (st < 0) {
            break;
        }
    }
    ldns_resolver_deep_free(r);
    if (st == DELIVER_OK && n->nservers == 0) {
        return dlv_err(&n->ctx->err, DELIVER_E_RESOLVER, "no name server in %s", path);
    }
    return st;
}

size_t dlv_net_server_count(const dlv_net *n)
{
    return n->nservers;
}

size_t dlv_net_active(const dlv_net *n)
{
    return n->nactive;
}

static unsigned total_attempts(const dlv_net *n)
{
    return n->ctx->dns_retries + 1;
}

static void finish(dlv_net *n, dlv_netq *q, dlv_answer *a)
{
    close_fd(n, q);
    q->result = a;
    q->state = Q_DONE;
}

static void finish_outcome(dlv_net *n, dlv_netq *q, deliver_dns_outcome oc)
{
    dlv_answer *a = dlv_answer_new(n->ctx, q->qname, q->qtype, oc);
    /* out of memory: the question ends as an error all the same, without an answer object */
    finish(n, q, a);
}

static int open_socket(dlv_net *n, dlv_netq *q, int type)
{
    const struct sockaddr_storage *ss = &n->servers[q->attempt % n->nservers];
    socklen_t sl = n->serverlen[q->attempt % n->nservers];
    int fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        q->failure = "socket() failed";
        return -1;
    }
    n->nsockets++;
    q->fd = fd;
    if (connect(fd, (const struct sockaddr *)ss, sl) < 0 && errno != EINPROGRESS) {
        q->failure = "connect() failed";
        close_fd(n, q);
        return -1;
    }
    return 0;
}

static void next_attempt(dlv_net *n, dlv_netq *q, int64_t now);

/* Starts attempt q->attempt over UDP; on a local failure moves on to the next attempt. */
static void start_attempt(dlv_net *n, dlv_netq *q, int64_t now)
{
    if (n->nsockets >= NET_MAX_SOCKETS) {
        q->state = Q_QUEUED;
        return;
    }
    uint16_t id;
    if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
        id = (uint16_t)(rand() ^ (int)now);
    }
    q->txid = id;
    q->wire[0] = (uint8_t)(id >> 8);
    q->wire[1] = (uint8_t)id;
    q->deadline = now + n->ctx->dns_timeout_ms;
    if (open_socket(n, q, SOCK_DGRAM) < 0) {
        next_attempt(n, q, now);
        return;
    }
    if (send(q->fd, q->wire, q->wirelen, MSG_NOSIGNAL) < 0) {
        q->failure = "send() failed";
        close_fd(n, q);
        next_attempt(n, q, now);
        return;
    }
    dlv_dns_stat_add(n->ctx, DELIVER_DNS_STAT_SENT, 1);
    q->state = Q_UDP;
}

static void next_attempt(dlv_net *n, dlv_netq *q, int64_t now)
{
    close_fd(n, q);
    if (++q->attempt >= total_attempts(n)) {
        dlv_log(n->ctx, DELIVER_LOG_INFO, "DNS %s/%u: %s", q->qname, q->qtype,
                q->failure ? q->failure : "no reply");
        int timed_out = q->failure && strcmp(q->failure, "timeout") == 0;
        finish_outcome(n, q, timed_out ? DELIVER_DNS_TIMEOUT : DELIVER_DNS_ERROR);
        return;
    }
    start_attempt(n, q, now);
}

static void start_tcp(dlv_net *n, dlv_netq *q, int64_t now)
{
    close_fd(n, q);
    dlv_dns_stat_add(n->ctx, DELIVER_DNS_STAT_TCP, 1);
    q->deadline = now + n->ctx->dns_timeout_ms;
    q->io_off = 0;
    if (open_socket(n, q, SOCK_STREAM) < 0) {
        next_attempt(n, q, now);
        return;
    }
    q->state = Q_TCP_CONNECT;
}

/* A reply that matches the question: accept it, or go on to the next server. */
static void accept_reply(dlv_net *n, dlv_netq *q, const uint8_t *msg, size_t len, int64_t now)
{
    int bad = 0;
    dlv_answer *a = dlv_answer_from_wire(n->ctx, q->qname, q->qtype, msg, len, &bad);
    if (!a) {
        finish(n, q, NULL);
        return;
    }
    if (bad) {
        /* matched ID and question but does not parse: drop it and keep waiting */
        dlv_dns_stat_add(n->ctx, DELIVER_DNS_STAT_DROPPED, 1);
        dlv_answer_free(a);
        return;
    }
    if ((a->outcome == DELIVER_DNS_SERVFAIL || a->outcome == DELIVER_DNS_REFUSED) &&
        n->nservers > 1 && q->attempt + 1 < total_attempts(n)) {
        dlv_answer_free(a);
        q->failure = "server failure";
        next_attempt(n, q, now);
        return;
    }
    finish(n, q, a);
}

static void on_udp(dlv_net *n, dlv_netq *q, int64_t now)
{
    for (int i = 0; i < 64 && q->state == Q_UDP; i++) {
        ssize_t r = recv(q->fd, n->udpbuf, UDP_BUF, 0);
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                return;
            }
            q->failure = "server unreachable";
            next_attempt(n, q, now);
            return;
        }
        size_t len = (size_t)r;
        if (!dlv_reply_matches(n->udpbuf, len, q->txid, q->qname, q->qtype)) {
            dlv_dns_stat_add(n->ctx, DELIVER_DNS_STAT_DROPPED, 1);
            continue;
        }
        if (n->udpbuf[2] & 0x02) { /* TC: ask again over TCP */
            start_tcp(n, q, now);
            return;
        }
        accept_reply(n, q, n->udpbuf, len, now);
    }
}

static void on_tcp(dlv_net *n, dlv_netq *q, short revents, int64_t now)
{
    if (q->state == Q_TCP_CONNECT) {
        int err = 0;
        socklen_t el = sizeof(err);
        if (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0) {
            q->failure = "TCP connect failed";
            next_attempt(n, q, now);
            return;
        }
        q->state = Q_TCP_WRITE;
        q->io_off = 0;
    }
    if (q->state == Q_TCP_WRITE) {
        uint8_t pre[2] = {(uint8_t)(q->wirelen >> 8), (uint8_t)q->wirelen};
        while (q->io_off < q->wirelen + 2) {
            ssize_t w;
            if (q->io_off < 2) {
                struct iovec iov[2] = {{pre + q->io_off, 2 - q->io_off},
                                       {q->wire, q->wirelen}};
                struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
                w = sendmsg(q->fd, &mh, MSG_NOSIGNAL);
            } else {
                w = send(q->fd, q->wire + (q->io_off - 2), q->wirelen + 2 - q->io_off,
                         MSG_NOSIGNAL);
            }
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                    return;
                }
                q->failure = "TCP send failed";
                next_attempt(n, q, now);
                return;
            }
            q->io_off += (size_t)w;
        }
        dlv_dns_stat_add(n->ctx, DELIVER_DNS_STAT_SENT, 1);
        q->state = Q_TCP_READ;
        q->io_off = 0;
        return;
    }
    if (q->state != Q_TCP_READ || !(revents & (POLLIN | POLLHUP | POLLERR))) {
        return;
    }
    for (;;) {
        ssize_t r;
        if (q->io_off < 2) {
            r = recv(q->fd, q->lenbuf + q->io_off, 2 - q->io_off, 0);
        } else {
            r = recv(q->fd, q->tcpbuf + (q->io_off - 2), q->tcplen - (q->io_off - 2), 0);
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return;
        }
        if (r <= 0) {
            q->failure = "TCP connection closed";
            next_attempt(n, q, now);
            return;
        }
        q->io_off += (size_t)r;
        if (q->io_off == 2) {
            q->tcplen = (size_t)(q->lenbuf[0] << 8 | q->lenbuf[1]);
            if (q->tcplen < 12) {
                dlv_dns_stat_add(n->ctx, DELIVER_DNS_STAT_DROPPED, 1);
                q->failure = "bad TCP reply";
                next_attempt(n, q, now);
                return;
            }
            q->tcpbuf = dlv_alloc(n->ctx, q->tcplen);
            if (!q->tcpbuf) {
                finish(n, q, NULL);
                return;
            }
        }
        if (q->io_off >= 2 && q->io_off == q->tcplen + 2) {
            if (!dlv_reply_matches(q->tcpbuf, q->tcplen, q->txid, q->qname, q->qtype)) {
                dlv_dns_stat_add(n->ctx, DELIVER_DNS_STAT_DROPPED, 1);
                q->failure = "TCP reply does not match the question";
                next_attempt(n, q, now);
                return;
            }
            /* take the buffer: finish() frees tcpbuf through close_fd() */
            uint8_t *msg = q->tcpbuf;
            size_t len = q->tcplen;
            q->tcpbuf = NULL;
            accept_reply(n, q, msg, len, now);
            dlv_free(n->ctx, msg);
            if (q->state == Q_TCP_READ) {
                /* an unparsable TCP reply was dropped: this connection is done */
                q->failure = "unusable TCP reply";
                next_attempt(n, q, now);
            }
            return;
        }
    }
}

dlv_netq *dlv_net_start(dlv_net *n, const char *qname, uint16_t qtype)
{
    dlv_netq *q = dlv_calloc(n->ctx, 1, sizeof(*q));
    if (!q) {
        return NULL;
    }
    q->fd = -1;
    q->qtype = qtype;
    q->qname = dlv_strdup(n->ctx, qname);
    if (!q->qname) {
        dlv_free(n->ctx, q);
        return NULL;
    }
    q->next = n->head;
    if (n->head) {
        n->head->prev = q;
    }
    n->head = q;
    n->nactive++;
    deliver_status st = dlv_query_wire(n->ctx, qname, qtype, 0, &q->wire, &q->wirelen);
    if (st == DELIVER_E_NOMEM) {
        finish(n, q, NULL);
    } else if (st < 0) {
        finish_outcome(n, q, DELIVER_DNS_ERROR);
    } else if (n->nservers == 0) {
        q->failure = "no DNS server";
        finish_outcome(n, q, DELIVER_DNS_ERROR);
    } else {
        start_attempt(n, q, dlv_now_ms(n->ctx));
    }
    return q;
}

dlv_answer *dlv_net_take(dlv_net *n, dlv_netq *q)
{
    if (q->state != Q_DONE) {
        return NULL;
    }
    dlv_answer *a = q->result;
    q->result = NULL;
    if (!a) {
        a = dlv_answer_new(n->ctx, q->qname, q->qtype, DELIVER_DNS_ERROR);
        if (!a) {
            return NULL; /* the caller sees no memory; q stays for a later take */
        }
    }
    unlink_q(n, q);
    n->nactive--;
    free_q(n, q);
    return a;
}

void dlv_net_cancel(dlv_net *n, dlv_netq *q)
{
    unlink_q(n, q);
    n->nactive--;
    free_q(n, q);
}

int dlv_net_poll(dlv_net *n, int64_t wait_ms)
{
    struct pollfd pfd[NET_MAX_SOCKETS];
    dlv_netq *owner[NET_MAX_SOCKETS];
    int64_t now = dlv_now_ms(n->ctx);
    int64_t end = wait_ms < 0 ? INT64_MAX : now + wait_ms;
    for (;;) {
        /* start queued questions while sockets are free; count what is finished */
        size_t done = 0, np = 0;
        int64_t next = end;
        for (dlv_netq *q = n->head; q; q = q->next) {
            if (q->state == Q_QUEUED && n->nsockets < NET_MAX_SOCKETS) {
                start_attempt(n, q, now);
            }
            if (q->state == Q_DONE) {
                done++;
                continue;
            }
            if (q->state == Q_QUEUED || q->fd < 0 || np >= NET_MAX_SOCKETS) {
                continue;
            }
            pfd[np].fd = q->fd;
            pfd[np].events = q->state == Q_TCP_CONNECT || q->state == Q_TCP_WRITE ? POLLOUT
                                                                                  : POLLIN;
            pfd[np].revents = 0;
            owner[np++] = q;
            if (q->deadline < next) {
                next = q->deadline;
            }
        }
        if (done > 0 || np == 0 || now >= end) {
            return 0;
        }
        int64_t t = next - now;
        if (t < 0) {
            t = 0;
        }
        int r = poll(pfd, (nfds_t)np, t > 60000 ? 60000 : (int)t);
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        now = dlv_now_ms(n->ctx);
        for (size_t i = 0; i < np && r > 0; i++) {
            dlv_netq *q = owner[i];
            if (!pfd[i].revents || q->fd != pfd[i].fd) {
                continue;
            }
            if (q->state == Q_UDP) {
                on_udp(n, q, now);
            } else {
                on_tcp(n, q, pfd[i].revents, now);
            }
        }
        for (size_t i = 0; i < np; i++) {
            dlv_netq *q = owner[i];
            if (q->state != Q_DONE && q->state != Q_QUEUED && q->deadline <= now) {
                dlv_dns_stat_add(n->ctx, DELIVER_DNS_STAT_TIMEOUTS, 1);
                q->failure = "timeout";
                next_attempt(n, q, now);
            }
        }
    }
}

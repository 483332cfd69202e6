/*
 * Fuzz target: IP address and CIDR parsing, canonical formatting (round trip, truncation),
 * reverse names, range matching and deliver_ip_in_cidr(). Aborts when an invariant fails.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <deliver/address.h>

#include "core/ip.h"

static void check_ip(const dlv_ip *ip)
{
    char text[DLV_IP_TEXT_SIZE], small[DLV_IP_TEXT_SIZE];
    size_t n = dlv_ip_format(ip, text, sizeof(text));
    if (n == 0 || n > DLV_IP_TEXT_MAX || strlen(text) != n) {
        abort();
    }
    /* canonical text parses back to the same address and is a fixed point */
    dlv_ip back;
    if (dlv_ip_parse(text, n, &back) != 0 || memcmp(&back, ip, sizeof(back)) != 0) {
        abort();
    }
    /* truncation: same length reported, a NUL-terminated prefix written */
    for (size_t k = 0; k <= n + 1; k++) {
        memset(small, 'x', sizeof(small));
        if (dlv_ip_format(ip, small, k) != n) {
            abort();
        }
        if (k > 0 && (strlen(small) != (k - 1 < n ? k - 1 : n) ||
                      memcmp(small, text, strlen(small)) != 0)) {
            abort();
        }
        if (k == 0 && small[0] != 'x') {
            abort();
        }
    }
    /* an address is inside its own full-length range and every shorter one */
    unsigned bits = ip->family == 4 ? 32 : 128;
    for (unsigned p = 0; p <= bits; p++) {
        if (!dlv_ip_in_cidr(ip, ip, p)) {
            abort();
        }
    }
    if (dlv_ip_in_cidr(ip, ip, bits + 1)) {
        abort();
    }
    /* flipping the last bit leaves the /bits range but stays in the /bits-1 one */
    dlv_ip other = *ip;
    other.b[bits / 8 - 1] ^= 1;
    if (dlv_ip_in_cidr(&other, ip, bits) || !dlv_ip_in_cidr(&other, ip, bits - 1)) {
        abort();
    }
    if (dlv_ip_is_v4mapped(ip)) {
        dlv_ip u = dlv_ip_unmap(ip);
        if (u.family != 4 || memcmp(u.b, ip->b + 12, 4) != 0) {
            abort();
        }
    }
    char name[300];
    if (dlv_ip_reverse_name(ip, NULL, name, sizeof(name)) != 0) {
        abort();
    }
    size_t rlen = strlen(name);
    int bad = ip->family == 6
                  ? rlen != 72 || strcmp(name + 64, "ip6.arpa") != 0
                  : rlen < 20 || rlen > 28 || strcmp(name + rlen - 13, ".in-addr.arpa") != 0;
    if (bad) {
        abort();
    }
    if (dlv_ip_reverse_name(ip, NULL, name, rlen + 1) != 0 ||
        dlv_ip_reverse_name(ip, NULL, name, rlen) != -1 || name[0] != '\0') {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    dlv_ip ip, net;
    unsigned prefix;

    if (dlv_ip_parse(s, size, &ip) == 0) {
        if (ip.family != 4 && ip.family != 6) {
            abort();
        }
        check_ip(&ip);
        /* a bare address is a full-length range */
        if (dlv_cidr_parse(s, size, &net, &prefix) != 0 ||
            prefix != (ip.family == 4 ? 32u : 128u) || memcmp(&net, &ip, sizeof(ip)) != 0) {
            abort();
        }
    } else if (ip.family != 0) {
        abort();
    }

    if (dlv_cidr_parse(s, size, &net, &prefix) == 0) {
        if (prefix > (net.family == 4 ? 32u : 128u)) {
            abort();
        }
        check_ip(&net);
    }

    /* deliver_ip_in_cidr: "ip cidr" split at the first space */
    if (size < 1024) {
        char *copy = malloc(size + 1);
        if (copy == NULL) {
            return 0;
        }
        memcpy(copy, data, size);
        copy[size] = '\0';
        char *sp = strchr(copy, ' ');
        if (sp != NULL) {
            *sp = '\0';
            int match = -1;
            deliver_status st = deliver_ip_in_cidr(copy, sp + 1, &match);
            if ((st == DELIVER_OK && match != 0 && match != 1) ||
                (st != DELIVER_OK && (st != DELIVER_E_INVALID || match != 0))) {
                abort();
            }
        }
        free(copy);
    }
    return 0;
}

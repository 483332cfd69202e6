/*
 * Unit tests: lib/core/ip.c (dlv_ip_*, dlv_cidr_*) and deliver_ip_in_cidr().
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <deliver/address.h>

#include "check.h"
#include "core/ip.h"

/* Parse from an exactly sized heap copy, so that ASan sees any read past len. */
static int parse_n(const char *s, size_t len, dlv_ip *ip)
{
    char *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        return -2;
    }
    memcpy(copy, s, len);
    int r = dlv_ip_parse(copy, len, ip);
    free(copy);
    return r;
}

static int parse(const char *s, dlv_ip *ip)
{
    return parse_n(s, strlen(s), ip);
}

static int cidr(const char *s, dlv_ip *net, unsigned *prefix)
{
    size_t len = strlen(s);
    char *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        return -2;
    }
    memcpy(copy, s, len);
    int r = dlv_cidr_parse(copy, len, net, prefix);
    free(copy);
    return r;
}

/* Canonical text of s, or "(bad)". */
static const char *canon(const char *s)
{
    static char buf[DLV_IP_TEXT_SIZE];
    dlv_ip ip;
    if (parse(s, &ip) != 0) {
        return "(bad)";
    }
    dlv_ip_format(&ip, buf, sizeof(buf));
    return buf;
}

static void test_v4(void)
{
    dlv_ip ip;
    static const char *good[] = {"0.0.0.0", "255.255.255.255", "1.2.3.4", "192.0.2.1",
                                 "10.0.0.10", "100.200.250.199"};
    for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
        CHECK_INT(parse(good[k], &ip), 0);
        CHECK_INT(ip.family, 4);
        CHECK_STR(canon(good[k]), good[k]);
    }
    CHECK_INT(parse("192.0.2.1", &ip), 0);
    CHECK(ip.b[0] == 192 && ip.b[1] == 0 && ip.b[2] == 2 && ip.b[3] == 1);
    for (int k = 4; k < 16; k++) {
        CHECK_INT(ip.b[k], 0);
    }

    static const char *bad[] = {
        "", "1", "1.2", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "1.02.3.4", "00.1.1.1",
        "256.1.1.1", "1.2.3.256", "999.1.1.1", "1234.1.1.1", "1.2.3.4 ", " 1.2.3.4", "1..2.3",
        "1.2.3.", ".1.2.3", "0x1.2.3.4", "0x7f.1", "1.2.3.4/24", "1.2.3.-4", "+1.2.3.4",
        "1.2.3.4.", "1,2,3,4", "1.2.3.4\n", "a.b.c.d", "1.2.3.0000", "4294967295", "127.1",
        "1.2.3.4%0",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        ip.family = 99;
        int r = parse(bad[k], &ip);
        if (r != -1) {
            fprintf(stderr, "accepted bad IPv4 \"%s\"\n", bad[k]);
        }
        CHECK_INT(r, -1);
        CHECK_INT(ip.family, 0);
    }

    /* embedded NUL, length limits, no NUL termination */
    CHECK_INT(parse_n("1.2.3.4\0", 8, &ip), -1);
    CHECK_INT(parse_n("1.2\0.3.4", 8, &ip), -1);
    CHECK_INT(parse_n("1.2.3.45", 7, &ip), 0);
    CHECK_STR(canon("1.2.3.4"), "1.2.3.4");
    CHECK_INT(parse_n("1.2.3.45", 6, &ip), -1); /* "1.2.3." */
    CHECK_INT(dlv_ip_parse(NULL, 0, &ip), -1);
    CHECK_INT(dlv_ip_parse("1.2.3.4", 7, NULL), -1);
    CHECK_INT(dlv_ip_parse("1.2.3.4", 0, &ip), -1);
}

static void test_v6(void)
{
    dlv_ip ip;
    static const struct {
        const char *in, *out;
    } good[] = {
        {"::", "::"},
        {"::1", "::1"},
        {"1::", "1::"},
        {"::0", "::"},
        {"0::0", "::"},
        {"0:0:0:0:0:0:0:0", "::"},
        {"0000:0000:0000:0000:0000:0000:0000:0000", "::"},
        {"0:0:0:0:0:0:0:1", "::1"},
        {"2001:db8::1", "2001:db8::1"},
        {"2001:DB8::1", "2001:db8::1"},
        {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},      /* tie: the first run */
        {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},            /* the longest run */
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},   /* one group stays */
        {"2001:db8::0:1", "2001:db8::1"},
        {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
        {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
        {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
        {"1:0:0:0:0:0:0:0", "1::"},
        {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
        {"0:0:1:0:0:0:0:0", "0:0:1::"},
        {"fe80::1:2", "fe80::1:2"},
        {"FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
        {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
        {"::FFFF:192.0.2.128", "::ffff:192.0.2.128"},
        {"0:0:0:0:0:ffff:c000:0280", "::ffff:192.0.2.128"},
        {"::1.2.3.4", "::102:304"},
        {"1::1.2.3.4", "1::102:304"},
        {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
        {"1:2:3:4:5::1.2.3.4", "1:2:3:4:5:0:102:304"},
        {"::ffff:0.0.0.0", "::ffff:0.0.0.0"},
        {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
        {"2001:db8::", "2001:db8::"},
        {"0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1"},
    };
    for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
        int r = parse(good[k].in, &ip);
        if (r != 0) {
            fprintf(stderr, "rejected good IPv6 \"%s\"\n", good[k].in);
        }
        CHECK_INT(r, 0);
        CHECK_INT(ip.family, 6);
        CHECK_STR(canon(good[k].in), good[k].out);
        /* canonical text parses to the same address */
        dlv_ip again;
        CHECK_INT(parse(good[k].out, &again), 0);
        CHECK(memcmp(&again, &ip, sizeof(ip)) == 0);
    }
    CHECK_INT(parse("2001:db8::1", &ip), 0);
    CHECK(ip.b[0] == 0x20 && ip.b[1] == 0x01 && ip.b[2] == 0x0d && ip.b[3] == 0xb8);
    CHECK(ip.b[15] == 1 && ip.b[14] == 0);

    static const char *bad[] = {
        ":", ":::", "::::", "1:::2", "1::2::3", "::1::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
        "12345::", "::12345", "::g", "g::", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
        ":1::", ":1:2:3:4:5:6:7:8", "1::2:", "1:2:3:4:5:6:7:8:", "fe80::1%eth0", "fe80::1%1",
        "[::1]", "::ffff:01.2.3.4", "::ffff:1.2.3", "::ffff:1.2.3.256", "::1.2.3",
        "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6::1.2.3.4", "::1.2.3.4:1", "::1.2.3.4.5",
        "1.2.3.4::", "1.2.3.4::1", " ::1", "::1 ", "::1/128", "1:2:3:4:5:6:7:8 ", "::-1",
        "::+1", ":: 1", "0x1::", "1:2", "::ffff:1.2.3.4x", "::ffff:a.b.c.d", "::1a.2.3.4",
        "1::2:3:4:5:6:7:8", "::00000", "1:2:3:4:5:6:7:8:1.2.3.4",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        ip.family = 99;
        int r = parse(bad[k], &ip);
        if (r != -1) {
            fprintf(stderr, "accepted bad IPv6 \"%s\"\n", bad[k]);
        }
        CHECK_INT(r, -1);
        CHECK_INT(ip.family, 0);
    }
    CHECK_INT(parse_n("::1\0", 4, &ip), -1);
    CHECK_INT(parse_n("::\0001", 4, &ip), -1);
    CHECK_INT(parse_n("::1:2", 3, &ip), 0); /* "::1" */
    CHECK_INT(ip.b[15], 1);
    CHECK_INT(parse_n("::", 1, &ip), -1);   /* ":" */

    /* IPv4-mapped */
    CHECK_INT(parse("::ffff:192.0.2.1", &ip), 0);
    CHECK_INT(dlv_ip_is_v4mapped(&ip), 1);
    dlv_ip u = dlv_ip_unmap(&ip);
    CHECK_INT(u.family, 4);
    CHECK(u.b[0] == 192 && u.b[1] == 0 && u.b[2] == 2 && u.b[3] == 1 && u.b[4] == 0);
    CHECK_INT(parse("::fffe:192.0.2.1", &ip), 0);
    CHECK_INT(dlv_ip_is_v4mapped(&ip), 0);
    u = dlv_ip_unmap(&ip);
    CHECK(memcmp(&u, &ip, sizeof(ip)) == 0);
    CHECK_INT(parse("::192.0.2.1", &ip), 0); /* IPv4-compatible, not mapped */
    CHECK_INT(dlv_ip_is_v4mapped(&ip), 0);
    CHECK_INT(parse("1:0:0:0:0:ffff:c000:0201", &ip), 0);
    CHECK_INT(dlv_ip_is_v4mapped(&ip), 0);
    CHECK_INT(parse("192.0.2.1", &ip), 0);
    CHECK_INT(dlv_ip_is_v4mapped(&ip), 0);
    u = dlv_ip_unmap(&ip);
    CHECK(memcmp(&u, &ip, sizeof(ip)) == 0);
    CHECK_INT(dlv_ip_is_v4mapped(NULL), 0);
}

static void test_format(void)
{
    dlv_ip ip;
    char buf[64];
    CHECK_INT(parse("1.2.3.4", &ip), 0);
    memset(buf, 'x', sizeof(buf));
    CHECK_INT(dlv_ip_format(&ip, buf, 5), 7);
    CHECK_STR(buf, "1.2.");
    CHECK_INT(buf[5], 'x');
    memset(buf, 'x', sizeof(buf));
    CHECK_INT(dlv_ip_format(&ip, buf, 0), 7);
    CHECK_INT(buf[0], 'x');
    CHECK_INT(dlv_ip_format(&ip, NULL, 0), 7);
    CHECK_INT(dlv_ip_format(&ip, buf, 1), 7);
    CHECK_STR(buf, "");
    CHECK_INT(dlv_ip_format(&ip, buf, 7), 7);
    CHECK_STR(buf, "1.2.3.");
    CHECK_INT(dlv_ip_format(&ip, buf, 8), 7);
    CHECK_STR(buf, "1.2.3.4");
    CHECK_INT(parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &ip), 0);
    CHECK_INT(dlv_ip_format(&ip, buf, sizeof(buf)), 39);
    CHECK_INT(parse("::ffff:255.255.255.255", &ip), 0);
    CHECK_INT(dlv_ip_format(&ip, buf, sizeof(buf)), 22);
    CHECK_STR(buf, "::ffff:255.255.255.255");
    memset(&ip, 0, sizeof(ip));
    ip.family = 5;
    CHECK_INT(dlv_ip_format(&ip, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "");
    CHECK_INT(dlv_ip_format(NULL, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "");
}

static void test_cidr(void)
{
    dlv_ip net, ip;
    unsigned prefix = 99;

    CHECK_INT(cidr("192.0.2.0/24", &net, &prefix), 0);
    CHECK_INT(prefix, 24);
    CHECK_INT(net.family, 4);
    CHECK_INT(parse("192.0.2.255", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 1);
    CHECK_INT(parse("192.0.2.0", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 1);
    CHECK_INT(parse("192.0.3.0", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 0);
    CHECK_INT(parse("192.0.1.255", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 0);

    CHECK_INT(cidr("192.0.2.1", &net, &prefix), 0);
    CHECK_INT(prefix, 32);
    CHECK_INT(parse("192.0.2.1", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 1);
    CHECK_INT(parse("192.0.2.2", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 0);

    /* host bits are ignored */
    CHECK_INT(cidr("192.0.2.77/25", &net, &prefix), 0);
    CHECK_INT(parse("192.0.2.1", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 1);
    CHECK_INT(parse("192.0.2.128", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 0);

    CHECK_INT(cidr("10.0.0.0/31", &net, &prefix), 0);
    CHECK_INT(parse("10.0.0.1", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 1);
    CHECK_INT(parse("10.0.0.2", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 0);

    CHECK_INT(cidr("0.0.0.0/0", &net, &prefix), 0);
    CHECK_INT(prefix, 0);
    CHECK_INT(parse("255.1.2.3", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 1);
    CHECK_INT(parse("::1", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 0); /* family mismatch */
    CHECK_INT(parse("::ffff:1.2.3.4", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 0); /* caller unmaps */
    ip = dlv_ip_unmap(&ip);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 1);

    CHECK_INT(cidr("2001:db8::/32", &net, &prefix), 0);
    CHECK_INT(prefix, 32);
    CHECK_INT(net.family, 6);
    CHECK_INT(parse("2001:db8:ffff::1", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 1);
    CHECK_INT(parse("2001:db9::1", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 0);
    CHECK_INT(parse("192.0.2.1", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 0);

    CHECK_INT(cidr("2001:db8::/127", &net, &prefix), 0);
    CHECK_INT(parse("2001:db8::1", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 1);
    CHECK_INT(parse("2001:db8::2", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 0);
    CHECK_INT(cidr("2001:db8::1", &net, &prefix), 0);
    CHECK_INT(prefix, 128);
    CHECK_INT(cidr("::/0", &net, &prefix), 0);
    CHECK_INT(prefix, 0);
    CHECK_INT(parse("ffff::", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 1);
    CHECK_INT(cidr("::ffff:0:0/96", &net, &prefix), 0);
    CHECK_INT(parse("::ffff:10.1.1.1", &ip), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, prefix), 1);

    /* prefix longer than the family never matches */
    CHECK_INT(parse("1.2.3.4", &ip), 0);
    CHECK_INT(cidr("1.2.3.4", &net, &prefix), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, 33), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, &net, 32), 1);
    CHECK_INT(dlv_ip_in_cidr(NULL, &net, 32), 0);
    CHECK_INT(dlv_ip_in_cidr(&ip, NULL, 32), 0);

    static const char *bad[] = {
        "1.2.3.4/33", "1.2.3.4/", "/24", "1.2.3.4/01", "1.2.3.4/00", "1.2.3.4/-1",
        "1.2.3.4/+1", "1.2.3.4/a", "1.2.3.4/ 24", "1.2.3.4/24 ", "1.2.3.4//24", "1.2.3.4/24/1",
        "1.2.3/24", "::/129", "::/1280", "::/", "::1/0128", "2001:db8::/64x", "", "/",
        "1.2.3.4/4294967328", "1.2.3.4 /24",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        int r = cidr(bad[k], &net, &prefix);
        if (r != -1) {
            fprintf(stderr, "accepted bad CIDR \"%s\"\n", bad[k]);
        }
        CHECK_INT(r, -1);
    }
    CHECK_INT(dlv_cidr_parse("1.2.3.4/24", 10, NULL, &prefix), -1);
    CHECK_INT(dlv_cidr_parse("1.2.3.4/24", 10, &net, NULL), -1);
    CHECK_INT(dlv_cidr_parse(NULL, 0, &net, &prefix), -1);
    /* length bounds the prefix too */
    CHECK_INT(dlv_cidr_parse("1.2.3.4/245", 10, &net, &prefix), 0);
    CHECK_INT(prefix, 24);
    CHECK_INT(dlv_cidr_parse("1.2.3.4/24", 8, &net, &prefix), -1);
}

static void test_reverse(void)
{
    dlv_ip ip;
    char buf[300];

    CHECK_INT(parse("1.2.3.4", &ip), 0);
    CHECK_INT(dlv_ip_reverse_name(&ip, NULL, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "4.3.2.1.in-addr.arpa");
    CHECK_INT(dlv_ip_reverse_name(&ip, "zen.spamhaus.org", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "4.3.2.1.zen.spamhaus.org");
    CHECK_INT(dlv_ip_reverse_name(&ip, ".zen.spamhaus.org.", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "4.3.2.1.zen.spamhaus.org.");
    CHECK_INT(dlv_ip_reverse_name(&ip, "", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "4.3.2.1");
    CHECK_INT(parse("192.0.2.10", &ip), 0);
    CHECK_INT(dlv_ip_reverse_name(&ip, NULL, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "10.2.0.192.in-addr.arpa");
    /* exact fit and one short */
    CHECK_INT(dlv_ip_reverse_name(&ip, NULL, buf, 24), 0);
    CHECK_STR(buf, "10.2.0.192.in-addr.arpa");
    CHECK_INT(dlv_ip_reverse_name(&ip, NULL, buf, 23), -1);
    CHECK_STR(buf, "");
    CHECK_INT(dlv_ip_reverse_name(&ip, NULL, buf, 0), -1);
    CHECK_INT(dlv_ip_reverse_name(&ip, NULL, NULL, 0), -1);
    CHECK_INT(dlv_ip_reverse_name(NULL, NULL, buf, sizeof(buf)), -1);

    CHECK_INT(parse("2001:db8::567:89ab", &ip), 0);
    CHECK_INT(dlv_ip_reverse_name(&ip, NULL, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    CHECK_INT(dlv_ip_reverse_name(&ip, "", buf, sizeof(buf)), 0);
    CHECK_INT(strlen(buf), 63);
    CHECK_INT(parse("::ffff:1.2.3.4", &ip), 0); /* not unmapped here */
    CHECK_INT(dlv_ip_reverse_name(&ip, "x", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "4.0.3.0.2.0.1.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.x");

    /* 253 octets at most: 64 for the nibbles, so the suffix may have 189 */
    char suffix[260];
    memset(suffix, 'a', sizeof(suffix));
    suffix[189] = '\0';
    CHECK_INT(dlv_ip_reverse_name(&ip, suffix, buf, sizeof(buf)), 0);
    CHECK_INT(strlen(buf), 253);
    suffix[189] = '.';
    suffix[190] = '\0';
    CHECK_INT(dlv_ip_reverse_name(&ip, suffix, buf, sizeof(buf)), 0); /* trailing dot */
    CHECK_INT(strlen(buf), 254);
    suffix[189] = 'a';
    CHECK_INT(dlv_ip_reverse_name(&ip, suffix, buf, sizeof(buf)), -1);
    CHECK_STR(buf, "");
    suffix[259] = '\0';
    CHECK_INT(dlv_ip_reverse_name(&ip, suffix, buf, sizeof(buf)), -1);
}

static void test_public(void)
{
    int m = 7;
    CHECK_INT(deliver_ip_in_cidr("192.0.2.1", "192.0.2.0/24", &m), DELIVER_OK);
    CHECK_INT(m, 1);
    CHECK_INT(deliver_ip_in_cidr("192.0.3.1", "192.0.2.0/24", &m), DELIVER_OK);
    CHECK_INT(m, 0);
    CHECK_INT(deliver_ip_in_cidr("::ffff:192.0.2.1", "192.0.2.0/24", &m), DELIVER_OK);
    CHECK_INT(m, 1);
    CHECK_INT(deliver_ip_in_cidr("::ffff:192.0.3.1", "192.0.2.0/24", &m), DELIVER_OK);
    CHECK_INT(m, 0);
    CHECK_INT(deliver_ip_in_cidr("::ffff:192.0.2.1", "::ffff:0:0/96", &m), DELIVER_OK);
    CHECK_INT(m, 1);
    CHECK_INT(deliver_ip_in_cidr("192.0.2.1", "::ffff:0:0/96", &m), DELIVER_OK);
    CHECK_INT(m, 0);
    CHECK_INT(deliver_ip_in_cidr("2001:db8::1", "2001:db8::/32", &m), DELIVER_OK);
    CHECK_INT(m, 1);
    CHECK_INT(deliver_ip_in_cidr("2001:db8::1", "0.0.0.0/0", &m), DELIVER_OK);
    CHECK_INT(m, 0);
    CHECK_INT(deliver_ip_in_cidr("1.2.3.4", "1.2.3.4", &m), DELIVER_OK);
    CHECK_INT(m, 1);
    m = 7;
    CHECK_INT(deliver_ip_in_cidr("1.2.3", "1.2.3.0/24", &m), DELIVER_E_INVALID);
    CHECK_INT(m, 0);
    m = 7;
    CHECK_INT(deliver_ip_in_cidr("1.2.3.4", "1.2.3.0/33", &m), DELIVER_E_INVALID);
    CHECK_INT(m, 0);
    CHECK_INT(deliver_ip_in_cidr("1.2.3.4/32", "1.2.3.0/24", &m), DELIVER_E_INVALID);
    CHECK_INT(deliver_ip_in_cidr(NULL, "1.2.3.0/24", &m), DELIVER_E_INVALID);
    CHECK_INT(deliver_ip_in_cidr("1.2.3.4", NULL, &m), DELIVER_E_INVALID);
    CHECK_INT(deliver_ip_in_cidr("1.2.3.4", "1.2.3.0/24", NULL), DELIVER_E_INVALID);
    CHECK_INT(deliver_ip_in_cidr("", "", &m), DELIVER_E_INVALID);
}

/* xorshift, fixed seed: reproducible */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Differential tests against the C library's inet_pton()/inet_ntop(). */
static void test_against_libc(void)
{
    static const char alphabet6[] = "0123456789abcdefABCDEF::::....0001ffff";
    static const char alphabet4[] = "0123456789.....12525";
    char s[48];
    int mismatches = 0;
    for (int round = 0; round < 300000; round++) {
        /* odd rounds: dotted-quad-like strings, which the IPv6 alphabet rarely makes */
        const char *alphabet = round % 2 ? alphabet4 : alphabet6;
        size_t alen = round % 2 ? sizeof(alphabet4) - 1 : sizeof(alphabet6) - 1;
        size_t len = 1 + rnd() % (round % 2 ? 16 : 24);
        for (size_t k = 0; k < len; k++) {
            s[k] = alphabet[rnd() % alen];
        }
        s[len] = '\0';
        dlv_ip ip;
        unsigned char ref[16];
        int ours = dlv_ip_parse(s, len, &ip);
        int af = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
        int theirs = inet_pton(af, s, ref);
        if ((ours == 0) != (theirs == 1) ||
            (ours == 0 && memcmp(ip.b, ref, af == AF_INET6 ? 16 : 4) != 0)) {
            if (mismatches++ < 10) {
                fprintf(stderr, "differs from inet_pton: \"%s\" ours %d libc %d\n", s, ours,
                        theirs);
            }
        }
    }
    CHECK_INT(mismatches, 0);

    mismatches = 0;
    for (int round = 0; round < 200000; round++) {
        dlv_ip ip;
        memset(&ip, 0, sizeof(ip));
        ip.family = 6;
        for (int g = 0; g < 8; g++) {
            uint64_t r = rnd();
            unsigned v = (r & 3) == 0 ? (unsigned)(r >> 8) & 0xffff
                         : (r & 3) == 1 ? (unsigned)(r >> 8) & 0xf : 0;
            ip.b[2 * g] = (uint8_t)(v >> 8);
            ip.b[2 * g + 1] = (uint8_t)v;
        }
        if (round % 7 == 0) {
            memcpy(ip.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
        }
        char ours[DLV_IP_TEXT_SIZE], theirs[INET6_ADDRSTRLEN];
        size_t n = dlv_ip_format(&ip, ours, sizeof(ours));
        CHECK(n < sizeof(ours));
        dlv_ip back;
        if (dlv_ip_parse(ours, n, &back) != 0 || memcmp(&back, &ip, sizeof(ip)) != 0) {
            if (mismatches++ < 10) {
                fprintf(stderr, "no round trip: %s\n", ours);
            }
        }
        /* glibc writes IPv4-compatible addresses (::a.b.c.d, deprecated) in dotted form */
        static const uint8_t zero12[12];
        if (memcmp(ip.b, zero12, 12) == 0) {
            continue;
        }
        inet_ntop(AF_INET6, ip.b, theirs, sizeof(theirs));
        if (strcmp(ours, theirs) != 0 && mismatches++ < 10) {
            fprintf(stderr, "differs from inet_ntop: %s vs %s\n", ours, theirs);
        }
    }
    CHECK_INT(mismatches, 0);
}

int main(void)
{
    test_v4();
    test_v6();
    test_format();
    test_cidr();
    test_reverse();
    test_public();
    test_against_libc();
    return check_done("ip");
}

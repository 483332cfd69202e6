/*
 * Internal: IPv4/IPv6 addresses and CIDR ranges (parse, match, format, reverse names).
 * Everything here is hidden (dlv_ prefix, hidden visibility). No function allocates.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DLV_IP_H
#define DLV_IP_H

#include <stddef.h>
#include <stdint.h>

/* Longest text dlv_ip_format() produces, without the NUL ("ffff:...:255.255.255.255"). */
#define DLV_IP_TEXT_MAX 45
/* Buffer size that always holds dlv_ip_format() output with its NUL. */
#define DLV_IP_TEXT_SIZE (DLV_IP_TEXT_MAX + 1)

/*
 * An IP address. family is 4 or 6; IPv4 uses b[0..3] (network order) and the parser
 * zeroes b[4..15], so two parsed addresses can be compared with memcmp().
 */
typedef struct dlv_ip {
    uint8_t family; /* 4 or 6 */
    uint8_t b[16];
} dlv_ip;

/*
 * Parse an address from s[0..len) (not NUL-terminated; nothing past len is read).
 * IPv4: exactly four decimal parts 0-255, no leading zeros ("01.2.3.4" is rejected), no
 * shorthand forms ("1.2.3", "0x1.2.3.4"). IPv6: every RFC 4291 section 2.2 text form (hex
 * groups of 1-4 digits in either case, one "::", an IPv4 dotted tail in the last 32 bits,
 * itself strict as above). Zone ids ("%eth0"), brackets, prefixes and white space are
 * rejected. Returns 0 (and fills *out) or -1 (*out is zeroed).
 */
int dlv_ip_parse(const char *s, size_t len, dlv_ip *out);

/* 1 if ip is an IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 2.5.5.2), else 0. */
int dlv_ip_is_v4mapped(const dlv_ip *ip);

/* The IPv4 address inside an IPv4-mapped IPv6 address; any other address is returned as is. */
dlv_ip dlv_ip_unmap(const dlv_ip *ip);

/*
 * Parse "address/prefix" or a bare address (then the prefix is the full length, 32 or 128)
 * from s[0..len). The prefix is decimal without leading zeros, at most 32 for IPv4 and
 * 128 for IPv6. Host bits after the prefix are kept as written (SPF allows them);
 * dlv_ip_in_cidr() ignores them. Returns 0 or -1.
 */
int dlv_cidr_parse(const char *s, size_t len, dlv_ip *net, unsigned *prefix);

/*
 * 1 if the first `prefix` bits of ip and net are equal and both have the same family,
 * else 0. A prefix of 0 matches every address of that family; a prefix longer than the
 * family's length never matches. The caller unmaps IPv4-mapped addresses first if it
 * wants them to match IPv4 ranges.
 */
int dlv_ip_in_cidr(const dlv_ip *ip, const dlv_ip *net, unsigned prefix);

/*
 * Canonical text of ip: dotted decimal for IPv4; RFC 5952 for IPv6 (lower case, no leading
 * zeros, the longest run of two or more zero groups, the first if tied, shortened to "::",
 * IPv4-mapped addresses as "::ffff:a.b.c.d"). Writes at most n bytes including a NUL
 * (nothing when n is 0) and returns the full length without the NUL, as snprintf() does:
 * the text was truncated if the result is >= n. An invalid family gives "" and 0.
 */
size_t dlv_ip_format(const dlv_ip *ip, char *buf, size_t n);

/*
 * The reverse-lookup name of ip below suffix: "4.3.2.1.<suffix>" for 1.2.3.4, 32
 * lower-case nibbles for IPv6 ("b.a.9.8...<suffix>"). A NULL suffix means "in-addr.arpa"
 * or "ip6.arpa"; an empty suffix gives the bare reversed address; a leading dot of the
 * suffix is dropped, a trailing one is kept. Returns 0, or -1 (out is set to "" when n > 0)
 * if the name does not fit in n bytes with its NUL or is longer than 253 octets (a trailing
 * dot not counted).
 */
int dlv_ip_reverse_name(const dlv_ip *ip, const char *suffix, char *out, size_t n);

#endif /* DLV_IP_H */

/*
 * libdeliver: why email does not arrive, and mail checked the way receivers check it.
 * The umbrella header: includes every public header.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DELIVER_DELIVER_H
#define DELIVER_DELIVER_H

#include <deliver/version.h>
#include <deliver/common.h>
#include <deliver/finding.h>
#include <deliver/dns.h>
#include <deliver/dnsbl.h>
#include <deliver/address.h>
#include <deliver/bounce.h>
#include <deliver/spf.h>
#include <deliver/dmarc.h>
#include <deliver/dkim.h>

#endif /* DELIVER_DELIVER_H */

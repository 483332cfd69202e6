/*
 * libdeliver: findings, the diagnostics every check reports.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DELIVER_FINDING_H
#define DELIVER_FINDING_H

#include <deliver/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * One diagnostic a person can act on. Every check handle offers
 * `deliver_<check>_finding_count(h)` and `deliver_<check>_get_finding(h, i)`; the pointer
 * returned is borrowed from that handle and valid until the handle is freed or run again.
 * @since 0.1
 */
typedef struct deliver_finding deliver_finding;

/** Severity of a finding. Values are stable. @since 0.1 */
typedef enum deliver_severity {
    DELIVER_SEVERITY_INFO = 1,    /**< worth knowing */
    DELIVER_SEVERITY_WARNING = 2, /**< hurts deliverability */
    DELIVER_SEVERITY_ERROR = 3    /**< mail will fail or be rejected */
} deliver_severity;

/**
 * Stable identifier, `area.snake_name` (e.g. "dns.timeout"). Identifiers are part of the ABI
 * and listed in ABI.md. Never NULL for a valid finding; NULL for a NULL finding. @since 0.1
 */
DELIVER_API const char *deliver_finding_id(const deliver_finding *finding);

/** Severity; 0 for a NULL finding. @since 0.1 */
DELIVER_API deliver_severity deliver_finding_severity(const deliver_finding *finding);

/** One-line English message. Never NULL for a valid finding. @since 0.1 */
DELIVER_API const char *deliver_finding_message(const deliver_finding *finding);

/**
 * Where the finding applies (a DNS name, "record offset 12", a header name, a host); ""
 * when it applies to the whole input. Never NULL for a valid finding. @since 0.1
 */
DELIVER_API const char *deliver_finding_location(const deliver_finding *finding);

/** What to publish or change to fix it; "" when there is no hint. @since 0.1 */
DELIVER_API const char *deliver_finding_hint(const deliver_finding *finding);

/** Lower-case name of a severity ("info", "warning", "error"; "unknown"). @since 0.1 */
DELIVER_API const char *deliver_severity_name(deliver_severity severity);

#ifdef __cplusplus
}
#endif

#endif /* DELIVER_FINDING_H */

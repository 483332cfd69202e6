/*
 * Status texts and the run-time version.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "core/core.h"

const char *deliver_strerror(deliver_status status)
{
    switch (status) {
    case DELIVER_OK:
        return "success";
    case DELIVER_PENDING:
        return "answers are needed before the check can go on";
    case DELIVER_E_INVALID:
        return "invalid argument";
    case DELIVER_E_NOMEM:
        return "out of memory";
    case DELIVER_E_STATE:
        return "call not allowed in the current state";
    case DELIVER_E_PARSE:
        return "input could not be parsed";
    case DELIVER_E_LIMIT:
        return "a size or processing limit was exceeded";
    case DELIVER_E_IO:
        return "input/output error";
    case DELIVER_E_TLS:
        return "TLS error";
    case DELIVER_E_TIMEOUT:
        return "timed out";
    case DELIVER_E_UNSUPPORTED:
        return "not supported";
    case DELIVER_E_NOTFOUND:
        return "not found";
    case DELIVER_E_RESOLVER:
        return "no usable resolver";
    }
    return "unknown status";
}

const char *deliver_version_string(void)
{
    return DELIVER_VERSION_STRING;
}

uint32_t deliver_version_number(void)
{
    return DELIVER_VERSION_NUMBER;
}

/*
 * libdeliver: status codes, the context, allocator and log hooks.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DELIVER_COMMON_H
#define DELIVER_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <deliver/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(DELIVER_BUILDING) && defined(__GNUC__)
#define DELIVER_API __attribute__((visibility("default")))
#else
#define DELIVER_API
#endif

#if defined(__GNUC__)
#define DELIVER_DEPRECATED_FOR(f) __attribute__((deprecated("use " #f)))
#else
#define DELIVER_DEPRECATED_FOR(f)
#endif

/**
 * Result of a library call.
 *
 * DELIVER_OK (0) means success. Non-negative values are progress codes, negative values are
 * failures: test with `< 0`. Values are never renumbered; new codes are appended, so a binding
 * must accept values it does not know (deliver_strerror() describes them all).
 * A check verdict (SPF fail, a DNSBL listing) is never a status: it is read from the handle.
 * @since 0.1
 */
typedef enum deliver_status {
    DELIVER_OK = 0,             /**< success */
    DELIVER_PENDING = 1,        /**< a sans-I/O core needs answers before it can go on */
    DELIVER_E_INVALID = -1,     /**< bad argument (NULL, out of range, malformed input) */
    DELIVER_E_NOMEM = -2,       /**< an allocation failed */
    DELIVER_E_STATE = -3,       /**< call not allowed in the handle's current state */
    DELIVER_E_PARSE = -4,       /**< input could not be parsed */
    DELIVER_E_LIMIT = -5,       /**< a size or processing limit was exceeded */
    DELIVER_E_IO = -6,          /**< a file or socket operation failed */
    DELIVER_E_TLS = -7,         /**< a TLS operation failed */
    DELIVER_E_TIMEOUT = -8,     /**< the operation did not complete in time */
    DELIVER_E_UNSUPPORTED = -9, /**< feature or type not supported */
    DELIVER_E_NOTFOUND = -10,   /**< the item asked for does not exist */
    DELIVER_E_RESOLVER = -11    /**< no usable resolver (no servers, bad configuration) */
} deliver_status;

/**
 * Static English description of a status code. Never NULL, also for unknown values.
 * Thread-safe. @since 0.1
 */
DELIVER_API const char *deliver_strerror(deliver_status status);

/**
 * The run-time library version as "MAJOR.MINOR.PATCH" (static storage). Compare it with
 * DELIVER_VERSION_STRING to detect a header/library mismatch. Thread-safe. @since 0.1
 */
DELIVER_API const char *deliver_version_string(void);

/**
 * The run-time library version as MAJOR*10000 + MINOR*100 + PATCH, the same encoding as
 * DELIVER_VERSION_NUMBER. Thread-safe. @since 0.1
 */
DELIVER_API uint32_t deliver_version_number(void);

/**
 * A context: settings, resolver, DNS cache, allocator and log hooks shared by the check
 * handles made from it. A context and all its handles are used by one thread at a time
 * (they may move between threads); different contexts share nothing mutable.
 * Handles keep their context alive, so handles and context may be freed in any order.
 * @since 0.1
 */
typedef struct deliver_ctx deliver_ctx;

/** Allocator hook: like malloc(3). @since 0.1 */
typedef void *(*deliver_alloc_fn)(size_t size, void *userdata);
/** Allocator hook: like realloc(3). @since 0.1 */
typedef void *(*deliver_realloc_fn)(void *ptr, size_t size, void *userdata);
/** Allocator hook: like free(3); never called with NULL. @since 0.1 */
typedef void (*deliver_free_fn)(void *ptr, void *userdata);

/**
 * Create a context with the C library's allocator and the default settings: the system
 * resolver (read from /etc/resolv.conf when first needed), a DNS cache of 10000 entries,
 * a 5000 ms DNS timeout with 2 retries, and no log handler.
 * @param out receives the context, or NULL on failure.
 * @return DELIVER_OK, DELIVER_E_INVALID (out is NULL) or DELIVER_E_NOMEM.
 * @since 0.1
 */
DELIVER_API deliver_status deliver_ctx_new(deliver_ctx **out);

/**
 * Create a context whose own allocations (and those of every handle made from it) go
 * through the given hooks; `userdata` is passed to each. All three hooks are required.
 * ldns, OpenSSL and libidn2 keep their own allocators.
 * @return DELIVER_OK, DELIVER_E_INVALID or DELIVER_E_NOMEM.
 * @since 0.1
 */
DELIVER_API deliver_status deliver_ctx_new_with_allocator(deliver_ctx **out,
                                                          deliver_alloc_fn alloc_fn,
                                                          deliver_realloc_fn realloc_fn,
                                                          deliver_free_fn free_fn,
                                                          void *userdata);

/**
 * Release the caller's reference to a context. The context itself is destroyed when the
 * last handle made from it is freed too. NULL is a no-op. @since 0.1
 */
DELIVER_API void deliver_ctx_free(deliver_ctx *ctx);

/**
 * Detail of the last failure of a call on this context: owned by the context, valid until the
 * next call on it, "" when there is none. Never NULL (also for a NULL ctx). @since 0.1
 */
DELIVER_API const char *deliver_ctx_errmsg(const deliver_ctx *ctx);

/** Log levels, most severe first. @since 0.1 */
typedef enum deliver_log_level {
    DELIVER_LOG_ERROR = 1,
    DELIVER_LOG_WARNING = 2,
    DELIVER_LOG_INFO = 3,
    DELIVER_LOG_DEBUG = 4
} deliver_log_level;

/**
 * Log callback: one line of English text without a newline, valid only during the call.
 * It must not block or call back into the context that logs. @since 0.1
 */
typedef void (*deliver_log_fn)(deliver_log_level level, const char *message, void *userdata);

/**
 * Route the context's log messages of `max_level` and more severe to `fn`; NULL turns
 * logging off (the default). The library never writes to stdout or stderr.
 * @return DELIVER_OK or DELIVER_E_INVALID (ctx NULL, level out of range).
 * @since 0.1
 */
DELIVER_API deliver_status deliver_ctx_set_log_handler(deliver_ctx *ctx, deliver_log_fn fn,
                                                       deliver_log_level max_level,
                                                       void *userdata);

#ifdef __cplusplus
}
#endif

#endif /* DELIVER_COMMON_H */

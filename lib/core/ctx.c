/*
 * The context: allocator and log hooks, settings, reference counting, error detail.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "core/core.h"
#include "dns/dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *libc_alloc(size_t n, void *ud)
{
    (void)ud;
    return malloc(n);
}

static void *libc_realloc(void *p, size_t n, void *ud)
{
    (void)ud;
    return realloc(p, n);
}

static void libc_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

static int64_t monotonic_ms(void *ud)
{
    (void)ud;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

deliver_status deliver_ctx_new_with_allocator(deliver_ctx **out, deliver_alloc_fn alloc_fn,
                                              deliver_realloc_fn realloc_fn,
                                              deliver_free_fn free_fn, void *userdata)
{
    if (!out) {
        return DELIVER_E_INVALID;
    }
    *out = NULL;
    if (!alloc_fn || !realloc_fn || !free_fn) {
        return DELIVER_E_INVALID;
    }
    deliver_ctx *ctx = alloc_fn(sizeof(*ctx), userdata);
    if (!ctx) {
        return DELIVER_E_NOMEM;
    }
    memset(ctx, 0, sizeof(*ctx));
    ctx->refs = 1;
    ctx->alloc_fn = alloc_fn;
    ctx->realloc_fn = realloc_fn;
    ctx->free_fn = free_fn;
    ctx->alloc_ud = userdata;
    ctx->clock_fn = monotonic_ms;
    ctx->log_level = DELIVER_LOG_ERROR;
    ctx->dns_timeout_ms = 5000;
    ctx->dns_retries = 2;
    ctx->dns_cache_size = 10000;
    ctx->dns_cname_limit = 8;
    *out = ctx;
    return DELIVER_OK;
}

deliver_status deliver_ctx_new(deliver_ctx **out)
{
    return deliver_ctx_new_with_allocator(out, libc_alloc, libc_realloc, libc_free, NULL);
}

deliver_ctx *dlv_ctx_ref(deliver_ctx *ctx)
{
    ctx->refs++;
    return ctx;
}

void dlv_ctx_unref(deliver_ctx *ctx)
{
    if (!ctx || --ctx->refs > 0) {
        return;
    }
    dlv_dns_engine_free(ctx);
    ctx->free_fn(ctx, ctx->alloc_ud);
}

void deliver_ctx_free(deliver_ctx *ctx)
{
    dlv_ctx_unref(ctx);
}

const char *deliver_ctx_errmsg(const deliver_ctx *ctx)
{
    return ctx ? ctx->err.text : "";
}

deliver_status deliver_ctx_set_log_handler(deliver_ctx *ctx, deliver_log_fn fn,
                                           deliver_log_level max_level, void *userdata)
{
    if (!ctx || max_level < DELIVER_LOG_ERROR || max_level > DELIVER_LOG_DEBUG) {
        return DELIVER_E_INVALID;
    }
    ctx->log_fn = fn;
    ctx->log_level = max_level;
    ctx->log_ud = userdata;
    return DELIVER_OK;
}

void dlv_log(deliver_ctx *ctx, deliver_log_level level, const char *fmt, ...)
{
    if (!ctx->log_fn || level > ctx->log_level) {
        return;
    }
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    ctx->log_fn(level, line, ctx->log_ud);
}

int64_t dlv_now_ms(deliver_ctx *ctx)
{
    return ctx->clock_fn(ctx->clock_ud);
}

void dlv_ctx_set_clock(deliver_ctx *ctx, int64_t (*fn)(void *ud), void *ud)
{
    ctx->clock_fn = fn ? fn : monotonic_ms;
    ctx->clock_ud = ud;
}

deliver_status dlv_err(dlv_errmsg *e, deliver_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof(e->text), fmt, ap);
    va_end(ap);
    return st;
}

void dlv_err_clear(dlv_errmsg *e)
{
    e->text[0] = '\0';
}

/*
 * Findings: the diagnostics checks report, and their public accessors.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "core/core.h"

#include <stdio.h>
#include <string.h>

void dlv_findings_init(dlv_findings *f, deliver_ctx *ctx)
{
    memset(f, 0, sizeof(*f));
    f->ctx = ctx;
}

void dlv_findings_clear(dlv_findings *f)
{
    for (size_t i = 0; i < f->count; i++) {
        dlv_free(f->ctx, f->items[i].message);
        dlv_free(f->ctx, f->items[i].location);
        dlv_free(f->ctx, f->items[i].hint);
    }
    dlv_free(f->ctx, f->items);
    f->items = NULL;
    f->count = f->cap = 0;
}

int dlv_findings_add(dlv_findings *f, const char *id, deliver_severity sev, const char *location,
                     const char *hint, const char *fmt, ...)
{
    if (dlv_grow(f->ctx, (void **)&f->items, &f->cap, f->count + 1, sizeof(*f->items)) < 0) {
        return -1;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct deliver_finding *it = &f->items[f->count];
    it->id = id;
    it->severity = sev;
    it->message = dlv_strdup(f->ctx, msg);
    it->location = dlv_strdup(f->ctx, location ? location : "");
    it->hint = dlv_strdup(f->ctx, hint ? hint : "");
    if (!it->message || !it->location || !it->hint) {
        dlv_free(f->ctx, it->message);
        dlv_free(f->ctx, it->location);
        dlv_free(f->ctx, it->hint);
        return -1;
    }
    f->count++;
    return 0;
}

const deliver_finding *dlv_findings_get(const dlv_findings *f, size_t i)
{
    return i < f->count ? &f->items[i] : NULL;
}

const char *deliver_finding_id(const deliver_finding *finding)
{
    return finding ? finding->id : NULL;
}

deliver_severity deliver_finding_severity(const deliver_finding *finding)
{
    return finding ? finding->severity : (deliver_severity)0;
}

const char *deliver_finding_message(const deliver_finding *finding)
{
    return finding ? finding->message : NULL;
}

const char *deliver_finding_location(const deliver_finding *finding)
{
    return finding ? finding->location : NULL;
}

const char *deliver_finding_hint(const deliver_finding *finding)
{
    return finding ? finding->hint : NULL;
}

const char *deliver_severity_name(deliver_severity severity)
{
    switch (severity) {
    case DELIVER_SEVERITY_INFO:
        return "info";
    case DELIVER_SEVERITY_WARNING:
        return "warning";
    case DELIVER_SEVERITY_ERROR:
        return "error";
    }
    return "unknown";
}

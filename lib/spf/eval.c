/*
 * SPF evaluation (RFC 7208 check_host) as a sans-I/O core: an explicit stack of frames
 * (the checked domain, includes, redirects replacing their frame), each term a small state
 * machine that asks its DNS questions at once and is resumed with the answers.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "spf/spf_int.h"
#include "dns/dns.h"

#include <deliver/spf.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_FRAMES 110   /* deeper than any limit allows: includes each cost a DNS term */
#define MAX_WAIT 128     /* one question, or one per mx/ptr name (max_names <= 100) */
#define DEFAULT_EXP "%{d} does not designate %{c} as a permitted sender for %{s}"
#define RECORD_CACHE_MAX 1024 /* parsed records kept by a handle between checks */

/* A record parsed once and kept for later checks (terms point into text). */
typedef struct parsed_record {
    char *text;
    size_t len;
    dlv_spf_record rec;
    deliver_status status; /* of the parse: DELIVER_OK or DELIVER_E_PARSE/LIMIT */
    size_t err_offset;
    const char *why;
    char **targets;        /* per term: its domain-spec normalised when it has no macros */
} parsed_record;

enum { PH_FETCH, PH_FETCH_WAIT, PH_TERMS };
enum { T_START, T_WAIT1, T_WAIT2 };
enum { V_NONE, V_WAIT_PTR, V_WAIT_ADDR, V_DONE };
enum { X_NONE, X_START, X_WAIT, X_DONE };

typedef struct frame {
    char domain[DLV_DOMAIN_MAX + 1];
    const char *dcopy;       /* the domain in the check's arena, for the trace entries */
    const struct parsed_record *pr; /* where rec came from (NULL before the fetch) */
    unsigned depth;
    int redirected;          /* reached through redirect=: "none" becomes permerror */
    int phase;
    const char *text;        /* the record, in the check's arena */
    size_t textlen;
    dlv_spf_record rec;
    size_t ti;               /* current term */
    int tstate;
    size_t trace;            /* trace entry of the current term (or of the fetch) */
    char target[DLV_DOMAIN_MAX + 1];
} frame;

/*
 * One trace entry. The evaluation only records where things are (the term inside its
 * record's text, the entry's questions inside the check's shared question text); the
 * NUL-terminated strings are made when an accessor first asks, since most checks are
 * never traced by anyone.
 */
typedef struct trace_entry {
    unsigned depth;
    char *domain;
    const char *term_src;   /* not NUL-terminated */
    size_t term_len;
    char *term;             /* made on first use */
    deliver_spf_term_outcome outcome;
    size_t q_start, q_end;  /* the entry's questions in s->qtext */
    char *queries;          /* made on first use */
    char *detail;
    long mx_names;          /* an mx term's name count, shown as detail; -1: none */
    unsigned dns_terms, voids;
} trace_entry;

typedef struct wait_slot {
    uint64_t id;
    dlv_answer *ans;
    size_t name_index;       /* for secondary questions: which mx/ptr name */
} wait_slot;

struct deliver_spf {
    deliver_ctx *ctx;
    dlv_errmsg err;
    /* settings */
    unsigned max_dns, max_void, max_names;
    char *default_exp;
    char *receiver;
    int64_t fixed_time;
    /* inputs of the current check */
    dlv_arena arena;
    deliver_spf_identity identity;
    dlv_ip ip;              /* unmapped when IPv4-mapped */
    char ipstr[64];
    char *sender;           /* as checked: local@domain */
    char *local;
    char *sender_domain;
    char *helo;
    char domain[DLV_DOMAIN_MAX + 1];
    int64_t now;
    /* evaluation */
    int running, done;
    frame *frames;
    size_t nframes;
    dlv_qset qs;
    wait_slot wait[MAX_WAIT];
    size_t nwait;
    char **names;           /* mx/ptr names of the current term (arena) */
    size_t nnames;
    int vstate;             /* validated names of the client (ptr, %{p}) */
    char **validated;
    size_t nvalidated;
    char **vnames;
    size_t nvnames;
    int xstate;             /* explanation of a fail */
    const dlv_spf_term *exp_term;
    char exp_domain[DLV_DOMAIN_MAX + 1];
    unsigned dns_terms, voids;
    /* results */
    deliver_spf_result result;
    char *explanation, *mechanism, *reason;
    trace_entry *trace;
    size_t ntrace, captrace;
    dlv_buf qtext;          /* the questions of every trace entry, one after another */
    size_t qtext_owner;     /* entry that wrote last into qtext (+1; 0: none) */
    dlv_findings findings;
    dlv_buf received, authres;
    int headers_made;
    dlv_hmap records;       /* record text -> parsed_record, in records_arena */
    dlv_arena records_arena;
};

static const char *const result_names[] = {"unknown", "none", "neutral", "pass", "fail",
                                           "softfail", "temperror", "permerror"};

const char *deliver_spf_result_name(deliver_spf_result r)
{
    return (unsigned)r < DLV_ARRAY_LEN(result_names) ? result_names[r] : "unknown";
}

/* ---- handle ---- */

deliver_status deliver_spf_new(deliver_spf **out, deliver_ctx *ctx)
{
    if (!out) {
        return DELIVER_E_INVALID;
    }
    *out = NULL;
    if (!ctx) {
        return DELIVER_E_INVALID;
    }
    deliver_spf *s = dlv_calloc(ctx, 1, sizeof(*s));
    if (!s) {
        return DELIVER_E_NOMEM;
    }
    s->frames = dlv_calloc(ctx, MAX_FRAMES, sizeof(*s->frames));
    if (!s->frames) {
        dlv_free(ctx, s);
        return DELIVER_E_NOMEM;
    }
    s->ctx = dlv_ctx_ref(ctx);
    s->max_dns = 10;
    s->max_void = 2;
    s->max_names = 10;
    s->fixed_time = -1;
    dlv_arena_init(&s->arena, ctx);
    dlv_qset_init(&s->qs, ctx);
    dlv_findings_init(&s->findings, ctx);
    dlv_buf_init(&s->received, ctx);
    dlv_buf_init(&s->authres, ctx);
    dlv_buf_init(&s->qtext, ctx);
    dlv_hmap_init(&s->records, ctx);
    dlv_arena_init(&s->records_arena, ctx);
    *out = s;
    return DELIVER_OK;
}

static void reset(deliver_spf *s)
{
    for (size_t i = 0; i < s->nwait; i++) {
        dlv_answer_free(s->wait[i].ans);
    }
    s->nwait = 0;
    dlv_answer_free(s->wait[MAX_WAIT - 1].ans); /* an exp= answer kept while validating */
    s->wait[MAX_WAIT - 1].ans = NULL;
    s->ntrace = 0;
    dlv_buf_reset(&s->qtext);
    s->qtext_owner = 0;
    dlv_qset_clear(&s->qs);
    dlv_qset_init(&s->qs, s->ctx);
    dlv_findings_clear(&s->findings);
    dlv_arena_clear(&s->arena);
    dlv_buf_reset(&s->received);
    dlv_buf_reset(&s->authres);
    s->headers_made = 0;
    if (s->records.count >= RECORD_CACHE_MAX) {
        /* between checks no frame points into the kept records */
        dlv_hmap_free(&s->records, NULL, NULL);
        dlv_hmap_init(&s->records, s->ctx);
        dlv_arena_clear(&s->records_arena);
    }
    s->nframes = 0;
    s->running = s->done = 0;
    s->vstate = V_NONE;
    s->validated = s->vnames = s->names = NULL;
    s->nvalidated = s->nvnames = s->nnames = 0;
    s->xstate = X_NONE;
    s->exp_term = NULL;
    s->dns_terms = s->voids = 0;
    s->result = DELIVER_SPF_UNKNOWN;
    s->explanation = s->mechanism = s->reason = NULL;
    s->sender = s->local = s->sender_domain = s->helo = NULL;
    s->domain[0] = '\0';
}

void deliver_spf_free(deliver_spf *s)
{
    if (!s) {
        return;
    }
    reset(s);
    deliver_ctx *ctx = s->ctx;
    dlv_free(ctx, s->trace);
    dlv_free(ctx, s->default_exp);
    dlv_free(ctx, s->receiver);
    dlv_free(ctx, s->frames);
    dlv_buf_free(&s->received);
    dlv_buf_free(&s->authres);
    dlv_buf_free(&s->qtext);
    dlv_hmap_free(&s->records, NULL, NULL);
    dlv_arena_clear(&s->records_arena);
    dlv_free(ctx, s);
    dlv_ctx_unref(ctx);
}

const char *deliver_spf_errmsg(const deliver_spf *s)
{
    return s ? s->err.text : "";
}

deliver_status deliver_spf_set_max_dns_mechanisms(deliver_spf *s, unsigned n)
{
    if (!s || n < 1 || n > 100) {
        return DELIVER_E_INVALID;
    }
    s->max_dns = n;
    return DELIVER_OK;
}

deliver_status deliver_spf_set_max_void_lookups(deliver_spf *s, unsigned n)
{
    if (!s || n > 100) {
        return DELIVER_E_INVALID;
    }
    s->max_void = n;
    return DELIVER_OK;
}

deliver_status deliver_spf_set_max_names(deliver_spf *s, unsigned n)
{
    if (!s || n < 1 || n > 100) {
        return DELIVER_E_INVALID;
    }
    s->max_names = n;
    return DELIVER_OK;
}

static deliver_status set_string(deliver_spf *s, char **slot, const char *v)
{
    char *c = NULL;
    if (v && !(c = dlv_strdup(s->ctx, v))) {
        return DELIVER_E_NOMEM;
    }
    dlv_free(s->ctx, *slot);
    *slot = c;
    return DELIVER_OK;
}

deliver_status deliver_spf_set_default_explanation(deliver_spf *s, const char *text)
{
    if (!s) {
        return DELIVER_E_INVALID;
    }
    if (text) {
        /* checked now, so that a bad default is an API error and not a surprise later */
        dlv_ip ip = {4, {192, 0, 2, 1}};
        dlv_spf_macro_env env = {"l", "o.test", "d.test", &ip, "h.test", "p.test", "r", 0};
        dlv_buf b;
        const char *why = NULL;
        dlv_buf_init(&b, s->ctx);
        int r = dlv_spf_expand(&env, text, strlen(text), DLV_SPF_EXPAND_EXP, &b, &why);
        dlv_buf_free(&b);
        if (r < 0) {
            return dlv_err(&s->err, DELIVER_E_INVALID, "bad explanation: %s", why ? why : "");
        }
    }
    return set_string(s, &s->default_exp, text);
}

deliver_status deliver_spf_set_receiver(deliver_spf *s, const char *hostname)
{
    return s ? set_string(s, &s->receiver, hostname) : DELIVER_E_INVALID;
}

deliver_status deliver_spf_set_time(deliver_spf *s, int64_t unix_seconds)
{
    if (!s) {
        return DELIVER_E_INVALID;
    }
    s->fixed_time = unix_seconds < 0 ? -1 : unix_seconds;
    return DELIVER_OK;
}

/* ---- trace and findings ---- */

/* Copies a name of at most 253 octets (names in frames are normalised already). */
static void copy_name(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n > DLV_DOMAIN_MAX) {
        n = DLV_DOMAIN_MAX;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static trace_entry *trace_add(deliver_spf *s, const frame *f, const char *term, size_t len)
{
    if (dlv_grow(s->ctx, (void **)&s->trace, &s->captrace, s->ntrace + 1, sizeof(*s->trace)) <
        0) {
        return NULL;
    }
    trace_entry *t = &s->trace[s->ntrace];
    memset(t, 0, sizeof(*t));
    t->depth = f->depth;
    if (!f->dcopy) {
        ((frame *)(uintptr_t)f)->dcopy = dlv_arena_strndup(&s->arena, f->domain, strlen(f->domain));
    }
    t->domain = (char *)(uintptr_t)f->dcopy;
    t->term_src = term;
    t->term_len = len;
    t->outcome = DELIVER_SPF_TERM_NO_MATCH;
    t->mx_names = -1;
    t->dns_terms = s->dns_terms;
    t->voids = s->voids;
    if (!t->domain) {
        return NULL;
    }
    s->ntrace++;
    return t;
}

static trace_entry *cur_trace(deliver_spf *s, const frame *f)
{
    return f->trace < s->ntrace ? &s->trace[f->trace] : NULL;
}

static void trace_detail(deliver_spf *s, const frame *f, const char *fmt, ...)
    DLV_PRINTF(3, 4);
static void trace_detail(deliver_spf *s, const frame *f, const char *fmt, ...)
{
    trace_entry *t = cur_trace(s, f);
    if (!t) {
        return;
    }
    char buf[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    t->detail = dlv_arena_strndup(&s->arena, buf, strlen(buf));
}

static void trace_counts(deliver_spf *s, const frame *f)
{
    trace_entry *t = cur_trace(s, f);
    if (t) {
        t->dns_terms = s->dns_terms;
        t->voids = s->voids;
    }
}

/* ---- questions ---- */

static frame *top(deliver_spf *s)
{
    return s->nframes ? &s->frames[s->nframes - 1] : NULL;
}

/* Ask one question; -1 when out of memory. */
static int ask(deliver_spf *s, const char *name, uint16_t type, size_t name_index)
{
    if (s->nwait >= MAX_WAIT) {
        return -1;
    }
    uint64_t id;
    if (dlv_qset_add(&s->qs, name, type, 0, &id) < 0) {
        return -1;
    }
    s->wait[s->nwait].id = id;
    s->wait[s->nwait].ans = NULL;
    s->wait[s->nwait].name_index = name_index;
    s->nwait++;
    frame *f = top(s);
    trace_entry *t = f ? cur_trace(s, f) : NULL;
    if (t) {
        size_t ti = (size_t)(t - s->trace) + 1;
        if (s->qtext_owner != ti && t->q_end > t->q_start) {
            /* another entry wrote in between: move this entry's questions to the end */
            size_t n = t->q_end - t->q_start;
            dlv_buf_append(&s->qtext, s->qtext.data + t->q_start, n);
            t->q_start = s->qtext.len - n;
            t->q_end = s->qtext.len;
        }
        if (t->q_end == t->q_start) {
            t->q_start = t->q_end = s->qtext.len;
        } else {
            dlv_buf_puts(&s->qtext, ", ");
        }
        char tn[16];
        dlv_buf_puts(&s->qtext, deliver_dns_type_name(type, tn, sizeof(tn)));
        dlv_buf_putc(&s->qtext, ' ');
        dlv_buf_puts(&s->qtext, name);
        t->q_end = s->qtext.len;
        s->qtext_owner = ti;
        if (s->qtext.failed) {
            return -1;
        }
    }
    return 0;
}

static void clear_wait(deliver_spf *s)
{
    for (size_t i = 0; i < s->nwait; i++) {
        dlv_answer_free(s->wait[i].ans);
    }
    s->nwait = 0;
}

static int dns_failed(const dlv_answer *a)
{
    return !a || a->outcome == DELIVER_DNS_TIMEOUT || a->outcome == DELIVER_DNS_SERVFAIL ||
           a->outcome == DELIVER_DNS_ERROR || a->outcome == DELIVER_DNS_REFUSED ||
           a->outcome == DELIVER_DNS_CNAME_LOOP;
}

static uint16_t addr_type(const deliver_spf *s)
{
    return s->ip.family == 6 ? DELIVER_DNS_TYPE_AAAA : DELIVER_DNS_TYPE_A;
}

/* ---- results ---- */

static void set_reason(deliver_spf *s, const char *fmt, ...) DLV_PRINTF(2, 3);
static void set_reason(deliver_spf *s, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    s->reason = dlv_arena_strndup(&s->arena, buf, strlen(buf));
}

static void finish_frame(deliver_spf *s, deliver_spf_result r);

/* An error that ends the whole check (temperror or permerror), from any depth. */
static void fail_check(deliver_spf *s, deliver_spf_result r, const char *id, const char *hint,
                       const char *fmt, ...) DLV_PRINTF(5, 6);
static void fail_check(deliver_spf *s, deliver_spf_result r, const char *id, const char *hint,
                       const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (!s->reason) {
        s->reason = dlv_arena_strndup(&s->arena, buf, strlen(buf));
    }
    frame *f = top(s);
    trace_entry *t = f ? cur_trace(s, f) : NULL;
    if (t) {
        t->outcome = DELIVER_SPF_TERM_ERROR;
        if (!t->detail) {
            t->detail = dlv_arena_strndup(&s->arena, buf, strlen(buf));
        }
    }
    if (id) {
        dlv_findings_add(&s->findings, id,
                         r == DELIVER_SPF_PERMERROR ? DELIVER_SEVERITY_ERROR
                                                    : DELIVER_SEVERITY_WARNING,
                         f ? f->domain : s->domain, hint, "%s", buf);
    }
    s->nframes = 1;
    s->frames[0].redirected = 0;
    s->mechanism = NULL;
    finish_frame(s, r);
}

static void start_explanation(deliver_spf *s);

static void final_result(deliver_spf *s, deliver_spf_result r)
{
    s->result = r;
    if (r == DELIVER_SPF_FAIL) {
        start_explanation(s);
    } else {
        s->done = 1;
    }
}

/* The frame on top ends with result r: pop it and hand r to its parent's include. */
static void finish_frame(deliver_spf *s, deliver_spf_result r)
{
    for (;;) {
        frame *f = top(s);
        if (f->redirected && r == DELIVER_SPF_NONE) {
            r = DELIVER_SPF_PERMERROR;
            if (!s->reason) {
                set_reason(s, "redirect target %s has no SPF record", f->domain);
            }
        }
        if (s->nframes == 1) {
            s->exp_term = f->rec.exp;
            copy_name(s->exp_domain, f->domain);
            s->nframes = 0;
            final_result(s, r);
            return;
        }
        s->nframes--;
        frame *p = top(s);
        trace_entry *t = cur_trace(s, p);
        if (t) {
            t->detail = dlv_arena_strndup(&s->arena, result_names[r], strlen(result_names[r]));
        }
        const dlv_spf_term *inc = &p->rec.terms[p->ti];
        switch (r) {
        case DELIVER_SPF_PASS:
            if (t) {
                t->outcome = DELIVER_SPF_TERM_MATCH;
            }
            s->mechanism = dlv_arena_strndup(&s->arena, p->text + inc->offset, inc->len);
            r = inc->qualifier == '-'   ? DELIVER_SPF_FAIL
                : inc->qualifier == '~' ? DELIVER_SPF_SOFTFAIL
                : inc->qualifier == '?' ? DELIVER_SPF_NEUTRAL
                                        : DELIVER_SPF_PASS;
            continue; /* the parent frame ends with the include's qualifier */
        case DELIVER_SPF_FAIL:
        case DELIVER_SPF_SOFTFAIL:
        case DELIVER_SPF_NEUTRAL:
            p->ti++;
            p->tstate = T_START;
            return;
        case DELIVER_SPF_TEMPERROR:
            if (t) {
                t->outcome = DELIVER_SPF_TERM_ERROR;
            }
            continue;
        default: /* none or permerror in an include: permerror (RFC 7208 5.2) */
            if (t) {
                t->outcome = DELIVER_SPF_TERM_ERROR;
            }
            if (r == DELIVER_SPF_NONE && !s->reason) {
                set_reason(s, "included domain %s has no SPF record", p->target);
                dlv_findings_add(&s->findings, "spf.include_without_record",
                                 DELIVER_SEVERITY_ERROR, p->domain,
                                 "remove the include, or publish an SPF record there",
                                 "include:%s points at a domain without an SPF record",
                                 p->target);
            }
            r = DELIVER_SPF_PERMERROR;
            continue;
        }
    }
}

static void match(deliver_spf *s, frame *f)
{
    const dlv_spf_term *t = &f->rec.terms[f->ti];
    trace_entry *te = cur_trace(s, f);
    if (te) {
        te->outcome = DELIVER_SPF_TERM_MATCH;
    }
    if (s->nframes == 1) {
        /* in an include the deciding term is the include itself (set by finish_frame) */
        s->mechanism = dlv_arena_strndup(&s->arena, f->text + t->offset, t->len);
    }
    finish_frame(s, t->qualifier == '-'   ? DELIVER_SPF_FAIL
                    : t->qualifier == '~' ? DELIVER_SPF_SOFTFAIL
                    : t->qualifier == '?' ? DELIVER_SPF_NEUTRAL
                                          : DELIVER_SPF_PASS);
}

static void no_match(frame *f)
{
    f->ti++;
    f->tstate = T_START;
}

/* ---- macros and targets ---- */

static void macro_env(const deliver_spf *s, const char *domain, dlv_spf_macro_env *env)
{
    memset(env, 0, sizeof(*env));
    env->local = s->local;
    env->sender_domain = s->sender_domain;
    env->domain = domain;
    env->ip = &s->ip;
    env->helo = s->helo ? s->helo : "";
    env->receiver = s->receiver ? s->receiver : "unknown";
    env->now = s->now;
    /* %{p}: a validated name equal to the domain, else a subdomain of it, else any */
    env->validated = "unknown";
    for (int pass = 0; pass < 3 && s->vstate == V_DONE; pass++) {
        for (size_t i = 0; i < s->nvalidated; i++) {
            const char *v = s->validated[i];
            if ((pass == 0 && dlv_domain_equal(v, domain)) ||
                (pass == 1 && dlv_domain_is_within(v, domain)) || pass == 2) {
                env->validated = v;
                return;
            }
        }
    }
}

/*
 * The target of a term: its domain-spec expanded, or the current domain. 1 ok, 0 the
 * expansion gave no valid domain (*why), -1 out of memory.
 */
static int expand_target(deliver_spf *s, frame *f, const dlv_spf_term *t, const char **why)
{
    if (!t->spec) {
        copy_name(f->target, f->domain);
        return 1;
    }
    if (!t->spec_has_macros && f->pr && f->pr->targets) {
        const char *n = f->pr->targets[t - f->rec.terms]; /* normalised when first parsed */
        if (n) {
            copy_name(f->target, n);
            return 1;
        }
    }
    dlv_spf_macro_env env;
    macro_env(s, f->domain, &env);
    dlv_buf b;
    dlv_buf_init(&b, s->ctx);
    int r = dlv_spf_expand(&env, t->spec, t->spec_len, DLV_SPF_EXPAND_DOMAIN, &b, why);
    if (b.failed) {
        dlv_buf_free(&b);
        return -1;
    }
    if (r < 0) {
        dlv_buf_free(&b);
        return 0;
    }
    deliver_status st = dlv_domain_normalize(b.data ? b.data : "", b.len, f->target, 0, why);
    dlv_buf_free(&b);
    return st == DELIVER_OK ? 1 : 0;
}

/* Counts a DNS-querying term; 0 when the limit is passed (the check has ended). */
static int count_dns_term(deliver_spf *s, frame *f)
{
    s->dns_terms++;
    trace_counts(s, f);
    if (s->dns_terms > s->max_dns) {
        fail_check(s, DELIVER_SPF_PERMERROR, "spf.too_many_lookups",
                   "flatten includes into ip4:/ip6: ranges, or remove mechanisms you do not need",
                   "more than %u DNS-querying terms (RFC 7208 4.6.4)", s->max_dns);
        return 0;
    }
    return 1;
}

/* Counts a void lookup; 0 when the limit is passed. */
static int count_void(deliver_spf *s, frame *f, const char *name)
{
    s->voids++;
    trace_counts(s, f);
    trace_detail(s, f, "void lookup of %s", name);
    if (s->voids > s->max_void) {
        fail_check(s, DELIVER_SPF_PERMERROR, "spf.too_many_void_lookups",
                   "remove terms that point at names which do not exist or have no records",
                   "more than %u void lookups (RFC 7208 4.6.4)", s->max_void);
        return 0;
    }
    return 1;
}

static int addr_matches(const deliver_spf *s, const dlv_answer *a, unsigned cidr4,
                        unsigned cidr6)
{
    if (!a || a->outcome != DELIVER_DNS_OK) {
        return 0;
    }
    for (size_t i = 0; i < a->nrr; i++) {
        const struct deliver_dns_record *r = &a->rr[i];
        dlv_ip net;
        memset(&net, 0, sizeof(net));
        if (r->type == DELIVER_DNS_TYPE_A && r->addrlen == 4 && s->ip.family == 4) {
            net.family = 4;
            memcpy(net.b, r->addr, 4);
            if (dlv_ip_in_cidr(&s->ip, &net, cidr4)) {
                return 1;
            }
        } else if (r->type == DELIVER_DNS_TYPE_AAAA && r->addrlen == 16 && s->ip.family == 6) {
            net.family = 6;
            memcpy(net.b, r->addr, 16);
            if (dlv_ip_in_cidr(&s->ip, &net, cidr6)) {
                return 1;
            }
        }
    }
    return 0;
}

/*
 * The target names of the first n records of a (MX exchanges, PTR names), normalised,
 * then their addresses asked all at once (the wait slots carry each name's index).
 * Unusable names (a null MX, invalid ones) are left out. 0, or -1 out of memory.
 */
static int ask_addresses_of(deliver_spf *s, const dlv_answer *a, size_t n, char ***names,
                            size_t *count)
{
    *names = dlv_arena_alloc(&s->arena, (n + 1) * sizeof(char *));
    if (!*names) {
        return -1;
    }
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        char norm[DLV_DOMAIN_MAX + 1];
        const char *x = a->rr[i].target;
        if (x && *x && dlv_domain_normalize(x, strlen(x), norm, 0, NULL) == DELIVER_OK) {
            (*names)[*count] = dlv_arena_strndup(&s->arena, norm, strlen(norm));
            if (!(*names)[*count]) {
                return -1;
            }
            (*count)++;
        }
    }
    clear_wait(s); /* a's slot: a is not used after this */
    for (size_t i = 0; i < *count; i++) {
        if (ask(s, (*names)[i], addr_type(s), i) < 0) {
            return -1;
        }
    }
    return 0;
}

/* ---- validated names of the client (ptr mechanism and %{p}) ---- */

/* Advances the validation; 1 when done, 0 when it waits, -1 out of memory. */
static int run_validation(deliver_spf *s)
{
    if (s->vstate == V_DONE) {
        return 1;
    }
    if (s->vstate == V_NONE) {
        char rev[DLV_DNS_NAME_BUF];
        if (dlv_ip_reverse_name(&s->ip, NULL, rev, sizeof(rev)) < 0) {
            s->vstate = V_DONE;
            return 1;
        }
        if (ask(s, rev, DELIVER_DNS_TYPE_PTR, 0) < 0) {
            return -1;
        }
        s->vstate = V_WAIT_PTR;
        return 0;
    }
    if (s->vstate == V_WAIT_PTR) {
        const dlv_answer *a = s->wait[0].ans;
        /* errors of the PTR lookup make the mechanism not match (RFC 7208 5.5) */
        size_t n = a && a->outcome == DELIVER_DNS_OK ? a->nrr : 0;
        if (n > s->max_names) {
            n = s->max_names; /* names past the limit are ignored (RFC 7208 4.6.4) */
        }
        if (ask_addresses_of(s, a, n, &s->vnames, &s->nvnames) < 0) {
            return -1;
        }
        s->vstate = V_WAIT_ADDR;
        if (s->nvnames > 0) {
            return 0;
        }
    }
    /* V_WAIT_ADDR: keep the names whose addresses include the client */
    s->validated = dlv_arena_alloc(&s->arena, (s->nvnames + 1) * sizeof(char *));
    if (!s->validated) {
        return -1;
    }
    s->nvalidated = 0;
    for (size_t k = 0; k < s->nwait; k++) {
        unsigned full4 = 32, full6 = 128;
        if (addr_matches(s, s->wait[k].ans, full4, full6)) {
            s->validated[s->nvalidated++] = s->vnames[s->wait[k].name_index];
        }
    }
    clear_wait(s);
    s->vstate = V_DONE;
    return 1;
}

/* ---- the terms ---- */

/* Runs the current term of f as far as it can go without answers. */
static int run_term(deliver_spf *s, frame *f)
{
    const dlv_spf_term *t = &f->rec.terms[f->ti];
    if (t->kind != DLV_SPF_TERM_MECHANISM) {
        no_match(f); /* modifiers act at the end (redirect) or on fail (exp) */
        return 1;
    }
    if (f->tstate == T_START) {
        trace_entry *te = trace_add(s, f, f->text + t->offset, t->len);
        if (!te) {
            return -1;
        }
        f->trace = s->ntrace - 1;
    }
    const char *why = NULL;
    switch (t->mech) {
    case DLV_SPF_ALL:
        match(s, f);
        return 1;
    case DLV_SPF_IP4:
    case DLV_SPF_IP6:
        if (t->net.family == s->ip.family &&
            dlv_ip_in_cidr(&s->ip, &t->net, t->net.family == 4 ? t->cidr4 : t->cidr6)) {
            match(s, f);
        } else {
            no_match(f);
        }
        return 1;
    default:
        break;
    }
    if (f->tstate == T_START) {
        if (!count_dns_term(s, f)) {
            return 1;
        }
        f->tstate = T_WAIT1;
        f->target[0] = '\0';
    }
    /* a spec that uses %{p} (and the ptr mechanism itself) needs the validated names first */
    if ((t->mech == DLV_SPF_PTR || (t->spec && t->spec_has_macros &&
                                    dlv_spf_uses_p(t->spec, t->spec_len))) &&
        s->vstate != V_DONE) {
        int v = run_validation(s);
        if (v <= 0) {
            return v;
        }
    }
    if (f->tstate == T_WAIT1 && f->target[0] == '\0') {
        int r = expand_target(s, f, t, &why);
        if (r < 0) {
            return -1;
        }
        if (r == 0) {
            fail_check(s, DELIVER_SPF_PERMERROR, "spf.invalid_domain",
                       "correct the domain-spec of this term",
                       "term %.*s does not give a valid domain: %s", (int)t->len,
                       f->text + t->offset, why ? why : "invalid");
            return 1;
        }
        switch (t->mech) {
        case DLV_SPF_INCLUDE:
            if (s->nframes >= MAX_FRAMES) {
                fail_check(s, DELIVER_SPF_PERMERROR, "spf.include_loop",
                           "remove the include that leads back to an earlier record",
                           "includes nested too deeply");
                return 1;
            }
            {
                frame *c = &s->frames[s->nframes++];
                memset(c, 0, sizeof(*c));
                copy_name(c->domain, f->target);
                c->depth = f->depth + 1;
                c->phase = PH_FETCH;
            }
            return 1;
        case DLV_SPF_PTR:
            for (size_t i = 0; i < s->nvalidated; i++) {
                if (dlv_domain_is_within(s->validated[i], f->target)) {
                    trace_detail(s, f, "validated name %s", s->validated[i]);
                    match(s, f);
                    return 1;
                }
            }
            no_match(f);
            return 1;
        case DLV_SPF_A:
            if (ask(s, f->target, addr_type(s), 0) < 0) {
                return -1;
            }
            return 0;
        case DLV_SPF_EXISTS:
            if (ask(s, f->target, DELIVER_DNS_TYPE_A, 0) < 0) {
                return -1;
            }
            return 0;
        case DLV_SPF_MX:
            if (ask(s, f->target, DELIVER_DNS_TYPE_MX, 0) < 0) {
                return -1;
            }
            return 0;
        default:
            no_match(f);
            return 1;
        }
    }
    /* answers are in */
    const dlv_answer *a = s->nwait ? s->wait[0].ans : NULL;
    if (f->tstate == T_WAIT1) {
        if (dns_failed(a)) {
            fail_check(s, DELIVER_SPF_TEMPERROR, "spf.dns_error", NULL,
                       "DNS %s for %s", a ? deliver_dns_outcome_name(a->outcome) : "failure",
                       f->target);
            return 1;
        }
        int empty = a->outcome != DELIVER_DNS_OK || a->nrr == 0;
        if (empty && !count_void(s, f, f->target)) {
            return 1;
        }
        if (t->mech == DLV_SPF_A) {
            int m = addr_matches(s, a, t->cidr4, t->cidr6);
            clear_wait(s);
            if (m) {
                match(s, f);
            } else {
                no_match(f);
            }
            return 1;
        }
        if (t->mech == DLV_SPF_EXISTS) {
            clear_wait(s);
            if (!empty) {
                match(s, f);
            } else {
                no_match(f);
            }
            return 1;
        }
        /* mx: the exchanges' addresses, asked all at once */
        size_t n = empty ? 0 : a->nrr;
        if (n > s->max_names) {
            fail_check(s, DELIVER_SPF_PERMERROR, "spf.too_many_mx",
                       "use ip4:/ip6: or a: terms instead of mx for this domain",
                       "%s has %zu MX records, more than %u (RFC 7208 4.6.4)", f->target, n,
                       s->max_names);
            return 1;
        }
        if (ask_addresses_of(s, a, n, &s->names, &s->nnames) < 0) {
            return -1;
        }
        trace_entry *te = cur_trace(s, f);
        if (te) {
            te->mx_names = (long)s->nnames; /* shown as detail when asked for */
        }
        f->tstate = T_WAIT2;
        if (s->nnames > 0) {
            return 0;
        }
    }
    /* T_WAIT2: mx addresses */
    int m = 0;
    for (size_t k = 0; k < s->nwait; k++) {
        const dlv_answer *x = s->wait[k].ans;
        if (dns_failed(x)) {
            fail_check(s, DELIVER_SPF_TEMPERROR, "spf.dns_error", NULL, "DNS %s for %s",
                       x ? deliver_dns_outcome_name(x->outcome) : "failure",
                       s->names[s->wait[k].name_index]);
            return 1;
        }
        m |= addr_matches(s, x, t->cidr4, t->cidr6);
    }
    clear_wait(s);
    if (m) {
        match(s, f);
    } else {
        no_match(f);
    }
    return 1;
}

/* ---- records ---- */

/* The record parsed, from the handle's cache of records seen in earlier checks. */
static const parsed_record *parse_cached(deliver_spf *s, const char *text, size_t len)
{
    parsed_record *pr = dlv_hmap_get(&s->records, text, len);
    if (pr && pr->len == len) {
        return pr;
    }
    pr = dlv_arena_alloc(&s->records_arena, sizeof(*pr));
    char *copy = pr ? dlv_arena_memdup(&s->records_arena, text, len) : NULL;
    if (!copy) {
        return NULL;
    }
    pr->text = copy;
    pr->len = len;
    pr->status = dlv_spf_parse(&s->records_arena, copy, len, &pr->rec, &pr->err_offset, &pr->why);
    if (pr->status == DELIVER_E_NOMEM) {
        return NULL;
    }
    if (pr->status == DELIVER_OK && pr->rec.nterms > 0) {
        /* the targets that need no expansion, normalised once for every later check */
        pr->targets = dlv_arena_alloc(&s->records_arena, pr->rec.nterms * sizeof(char *));
        if (!pr->targets) {
            return NULL;
        }
        for (size_t i = 0; i < pr->rec.nterms; i++) {
            const dlv_spf_term *t = &pr->rec.terms[i];
            char norm[DLV_DOMAIN_MAX + 1];
            if (t->spec && !t->spec_has_macros &&
                dlv_domain_normalize(t->spec, t->spec_len, norm, 0, NULL) == DELIVER_OK) {
                pr->targets[i] = dlv_arena_strndup(&s->records_arena, norm, strlen(norm));
                if (!pr->targets[i]) {
                    return NULL;
                }
            }
        }
    }
    if (memchr(text, '\0', len) == NULL &&
        dlv_hmap_put(&s->records, copy, len, pr, NULL) < 0) {
        return NULL;
    }
    return pr;
}

static int fetch(deliver_spf *s, frame *f)
{
    if (f->phase == PH_FETCH) {
        if (!trace_add(s, f, "", 0)) {
            return -1;
        }
        f->trace = s->ntrace - 1;
        s->trace[f->trace].outcome = DELIVER_SPF_TERM_RECORD;
        if (ask(s, f->domain, DELIVER_DNS_TYPE_TXT, 0) < 0) {
            return -1;
        }
        f->phase = PH_FETCH_WAIT;
        return 0;
    }
    const dlv_answer *a = s->wait[0].ans;
    if (dns_failed(a)) {
        const char *oc = a ? deliver_dns_outcome_name(a->outcome) : "failure";
        clear_wait(s);
        fail_check(s, DELIVER_SPF_TEMPERROR, "spf.dns_error", NULL, "DNS %s fetching the SPF record of %s", oc, f->domain);
        return 1;
    }
    const struct deliver_dns_record *found = NULL;
    size_t count = 0;
    for (size_t i = 0; a->outcome == DELIVER_DNS_OK && i < a->nrr; i++) {
        const struct deliver_dns_record *r = &a->rr[i];
        if (r->type == DELIVER_DNS_TYPE_TXT &&
            dlv_spf_is_record((const char *)r->joined, r->joinedlen)) {
            count++;
            found = found ? found : r;
        }
    }
    if (count == 0) {
        clear_wait(s);
        trace_detail(s, f, "no SPF record");
        if (!s->reason) {
            set_reason(s, "no SPF record at %s", f->domain);
        }
        finish_frame(s, DELIVER_SPF_NONE);
        return 1;
    }
    if (count > 1) {
        clear_wait(s);
        fail_check(s, DELIVER_SPF_PERMERROR, "spf.multiple_records",
                   "merge the SPF records into one TXT record",
                   "%s publishes %zu SPF records (RFC 7208 4.5)", f->domain, count);
        return 1;
    }
    const parsed_record *pr = parse_cached(s, (const char *)found->joined, found->joinedlen);
    clear_wait(s);
    if (!pr) {
        return -1;
    }
    f->text = pr->text;
    f->textlen = pr->len;
    f->rec = pr->rec;
    f->pr = pr;
    trace_entry *te = cur_trace(s, f);
    if (te) {
        te->term = pr->text; /* NUL-terminated already */
    }
    if (pr->status < 0) {
        fail_check(s, DELIVER_SPF_PERMERROR, "spf.syntax_error",
                   "correct the record; every term must follow RFC 7208 section 12",
                   "syntax error in the SPF record of %s at offset %zu: %s", f->domain,
                   pr->err_offset, pr->why ? pr->why : "invalid");
        return 1;
    }
    f->phase = PH_TERMS;
    f->ti = 0;
    f->tstate = T_START;
    return 1;
}

static int run_redirect(deliver_spf *s, frame *f)
{
    const dlv_spf_term *t = f->rec.redirect;
    if (!trace_add(s, f, f->text + t->offset, t->len)) {
        return -1;
    }
    f->trace = s->ntrace - 1;
    if (!count_dns_term(s, f)) {
        return 1;
    }
    const char *why = NULL;
    int r = expand_target(s, f, t, &why);
    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        fail_check(s, DELIVER_SPF_PERMERROR, "spf.invalid_domain",
                   "correct the domain-spec of redirect=",
                   "redirect=%.*s does not give a valid domain: %s", (int)t->spec_len, t->spec,
                   why ? why : "invalid");
        return 1;
    }
    s->trace[f->trace].outcome = DELIVER_SPF_TERM_MATCH;
    /* the target replaces this frame: its result is this frame's result, its exp= counts */
    char target[DLV_DOMAIN_MAX + 1];
    copy_name(target, f->target);
    unsigned depth = f->depth + 1;
    memset(f, 0, sizeof(*f));
    copy_name(f->domain, target);
    f->depth = depth;
    f->redirected = 1;
    f->phase = PH_FETCH;
    return 1;
}

/* ---- explanation ---- */

static int set_explanation(deliver_spf *s, const char *text, size_t len)
{
    dlv_spf_macro_env env;
    macro_env(s, s->exp_domain, &env);
    dlv_buf b;
    dlv_buf_init(&b, s->ctx);
    const char *why = NULL;
    int r = dlv_spf_expand(&env, text, len, DLV_SPF_EXPAND_EXP, &b, &why);
    if (b.failed) {
        dlv_buf_free(&b);
        return -1;
    }
    if (r == 0) {
        s->explanation = dlv_arena_strndup(&s->arena, b.data ? b.data : "", b.len);
    }
    dlv_buf_free(&b);
    if (r == 0 && !s->explanation) {
        return -1;
    }
    return r == 0 ? 1 : 0;
}

static int default_explanation(deliver_spf *s)
{
    const char *d = s->default_exp ? s->default_exp : DEFAULT_EXP;
    int r = set_explanation(s, d, strlen(d));
    if (r == 0) {
        s->explanation = "";
    }
    return r < 0 ? -1 : 1;
}

static void start_explanation(deliver_spf *s)
{
    s->xstate = X_START;
}

/* 1 when the explanation is settled, 0 waiting, -1 out of memory. */
static int run_explanation(deliver_spf *s)
{
    /* %{p} anywhere in the exp domain or its text needs the validated names */
    if (s->xstate == X_START) {
        if (!s->exp_term) {
            s->xstate = X_DONE;
            return default_explanation(s);
        }
        if (dlv_spf_uses_p(s->exp_term->spec, s->exp_term->spec_len) && s->vstate != V_DONE) {
            int v = run_validation(s);
            if (v <= 0) {
                return v;
            }
        }
        dlv_spf_macro_env env;
        macro_env(s, s->exp_domain, &env);
        dlv_buf b;
        dlv_buf_init(&b, s->ctx);
        const char *why = NULL;
        char target[DLV_DOMAIN_MAX + 1];
        int r = dlv_spf_expand(&env, s->exp_term->spec, s->exp_term->spec_len,
                               DLV_SPF_EXPAND_DOMAIN, &b, &why);
        int ok = r == 0 && !b.failed &&
                 dlv_domain_normalize(b.data ? b.data : "", b.len, target, 0, NULL) == DELIVER_OK;
        int nomem = b.failed;
        dlv_buf_free(&b);
        if (nomem) {
            return -1;
        }
        if (!ok) {
            s->xstate = X_DONE;
            return default_explanation(s);
        }
        if (ask(s, target, DELIVER_DNS_TYPE_TXT, 0) < 0) {
            return -1;
        }
        s->xstate = X_WAIT;
        return 0;
    }
    if (s->xstate == X_WAIT) {
        const dlv_answer *a = s->wait[0].ans;
        /* exactly one TXT record, or behave as if there were no exp= (RFC 7208 6.2) */
        if (!a || a->outcome != DELIVER_DNS_OK || a->nrr != 1 || !a->rr[0].joined) {
            clear_wait(s);
            s->xstate = X_DONE;
            return default_explanation(s);
        }
        const struct deliver_dns_record *r = &a->rr[0];
        int ascii = 1;
        for (size_t i = 0; i < r->joinedlen; i++) {
            ascii &= r->joined[i] >= 0x20 && r->joined[i] < 0x7f;
        }
        if (ascii && dlv_spf_uses_p((const char *)r->joined, r->joinedlen) &&
            s->vstate != V_DONE) {
            /* keep the answer; validate first. The TXT answer stays in slot 0 until then. */
            dlv_answer *keep = s->wait[0].ans;
            s->wait[0].ans = NULL;
            clear_wait(s);
            s->wait[MAX_WAIT - 1].ans = keep;
            s->xstate = X_DONE + 1;
            return run_explanation(s);
        }
        int res = ascii ? set_explanation(s, (const char *)r->joined, r->joinedlen) : 0;
        clear_wait(s);
        s->xstate = X_DONE;
        return res == 0 ? default_explanation(s) : res;
    }
    if (s->xstate == X_DONE + 1) {
        int v = run_validation(s);
        if (v <= 0) {
            return v;
        }
        dlv_answer *keep = s->wait[MAX_WAIT - 1].ans;
        s->wait[MAX_WAIT - 1].ans = NULL;
        int res = set_explanation(s, (const char *)keep->rr[0].joined, keep->rr[0].joinedlen);
        dlv_answer_free(keep);
        s->xstate = X_DONE;
        return res == 0 ? default_explanation(s) : res;
    }
    return 1;
}

/* ---- headers ---- */

/* A value for key=value pairs: a dot-atom if it is one, else a quoted-string. */
static void put_value(dlv_buf *b, const char *v)
{
    int atom = *v != '\0';
    for (const char *p = v; *p && atom; p++) {
        unsigned char c = (unsigned char)*p;
        atom = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr("!#$%&'*+-/=?^_`{|}~.:", c) != NULL;
    }
    if (atom) {
        dlv_buf_puts(b, v);
        return;
    }
    dlv_buf_putc(b, '"');
    for (const char *p = v; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            dlv_buf_putc(b, '\\');
        }
        dlv_buf_putc(b, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
    }
    dlv_buf_putc(b, '"');
}

/* An Authentication-Results property value (RFC 8601 pvalue): local-part@domain as it is
 * when the local part is a dot-atom, else a quoted-string. */
static void put_pvalue(dlv_buf *b, const char *v)
{
    const char *at = strrchr(v, '@');
    if (at && at != v) {
        char local[300];
        snprintf(local, sizeof(local), "%.*s", (int)(at - v), v);
        dlv_buf tmp;
        dlv_buf_init(&tmp, b->ctx);
        put_value(&tmp, local);
        int atom = !tmp.failed && tmp.data && tmp.data[0] != '"' && !strchr(at + 1, '"') &&
                   !strchr(at + 1, ' ');
        dlv_buf_free(&tmp);
        if (atom) {
            dlv_buf_puts(b, v);
            return;
        }
    }
    put_value(b, v);
}

/* Comment text: parentheses and backslashes escaped, control characters dropped. */
static void put_comment_text(dlv_buf *b, const char *v)
{
    for (const char *p = v; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '(' || c == ')' || c == '\\') {
            dlv_buf_putc(b, '\\');
        }
        if (c >= 0x20 && c != 0x7f) {
            dlv_buf_putc(b, (char)c);
        }
    }
}

static void make_headers(deliver_spf *s)
{
    const char *res = result_names[s->result];
    const char *who = s->identity == DELIVER_SPF_IDENTITY_HELO ? s->helo : s->sender;
    dlv_buf *b = &s->received;
    dlv_buf_reset(b);
    dlv_buf_printf(b, "Received-SPF: %s (", res);
    char comment[600];
    switch (s->result) {
    case DELIVER_SPF_PASS:
        snprintf(comment, sizeof(comment), "%s: domain of %s designates %s as permitted sender",
                 s->receiver ? s->receiver : s->domain, who, s->ipstr);
        break;
    case DELIVER_SPF_FAIL:
    case DELIVER_SPF_SOFTFAIL:
        snprintf(comment, sizeof(comment), "%s: domain of %s does not designate %s as permitted sender",
                 s->receiver ? s->receiver : s->domain, who, s->ipstr);
        break;
    case DELIVER_SPF_NEUTRAL:
        snprintf(comment, sizeof(comment), "%s: %s is neither permitted nor denied by domain of %s",
                 s->receiver ? s->receiver : s->domain, s->ipstr, who);
        break;
    case DELIVER_SPF_NONE:
        snprintf(comment, sizeof(comment), "%s: domain of %s does not provide an SPF record",
                 s->receiver ? s->receiver : s->domain, who);
        break;
    default:
        snprintf(comment, sizeof(comment), "%s: error in processing during lookup of %s: %s",
                 s->receiver ? s->receiver : s->domain, who, s->reason ? s->reason : res);
        break;
    }
    put_comment_text(b, comment);
    dlv_buf_puts(b, ") client-ip=");
    dlv_buf_puts(b, s->ipstr);
    dlv_buf_puts(b, "; envelope-from=");
    put_value(b, s->sender);
    if (s->helo && *s->helo) {
        dlv_buf_puts(b, "; helo=");
        put_value(b, s->helo);
    }
    if (s->receiver) {
        dlv_buf_puts(b, "; receiver=");
        put_value(b, s->receiver);
    }
    dlv_buf_puts(b, "; identity=");
    dlv_buf_puts(b, s->identity == DELIVER_SPF_IDENTITY_HELO ? "helo" : "mailfrom");
    if (s->mechanism && *s->mechanism) {
        dlv_buf_puts(b, "; mechanism=");
        put_value(b, s->mechanism);
    }
    if (s->reason && *s->reason &&
        (s->result == DELIVER_SPF_PERMERROR || s->result == DELIVER_SPF_TEMPERROR)) {
        dlv_buf_puts(b, "; problem=");
        put_value(b, s->reason);
    }
    dlv_buf *a = &s->authres;
    dlv_buf_reset(a);
    dlv_buf_printf(a, "spf=%s", res);
    if (s->reason && *s->reason && s->result != DELIVER_SPF_PASS) {
        dlv_buf_puts(a, " (");
        put_comment_text(a, s->reason);
        dlv_buf_puts(a, ")");
    }
    if (s->identity == DELIVER_SPF_IDENTITY_HELO) {
        dlv_buf_puts(a, " smtp.helo=");
        put_value(a, s->helo);
    } else {
        dlv_buf_puts(a, " smtp.mailfrom=");
        put_pvalue(a, s->sender);
    }
}

/* ---- the core ---- */

deliver_status deliver_spf_step(deliver_spf *s)
{
    if (!s) {
        return DELIVER_E_INVALID;
    }
    if (!s->running) {
        return s->done ? DELIVER_OK : dlv_err(&s->err, DELIVER_E_STATE, "no check was started");
    }
    for (unsigned guard = 0; guard < 100000; guard++) {
        if (dlv_qset_open_count(&s->qs) > 0) {
            return DELIVER_PENDING;
        }
        int r;
        if (s->done) {
            s->running = 0;
            if (!s->mechanism) {
                s->mechanism = "";
            }
            if (!s->explanation) {
                s->explanation = "";
            }
            if (!s->reason) {
                s->reason = "";
            }
            return DELIVER_OK; /* the headers are made when first asked for */
        }
        if (s->xstate != X_NONE) {
            r = run_explanation(s);
            if (r > 0 && s->xstate == X_DONE) {
                s->done = 1;
            }
        } else {
            frame *f = top(s);
            if (f->phase != PH_TERMS) {
                r = fetch(s, f);
            } else if (f->ti >= f->rec.nterms) {
                if (f->rec.redirect) {
                    r = run_redirect(s, f);
                } else {
                    s->mechanism = "default";
                    finish_frame(s, DELIVER_SPF_NEUTRAL);
                    r = 1;
                }
            } else {
                r = run_term(s, f);
            }
        }
        if (r < 0) {
            s->running = 0;
            return dlv_err(&s->err, DELIVER_E_NOMEM, "out of memory");
        }
    }
    s->running = 0;
    return dlv_err(&s->err, DELIVER_E_LIMIT, "evaluation did not end");
}

/* Stores an answer in its wait slot (takes ownership). */
static deliver_status take(deliver_spf *s, uint64_t id, dlv_answer *a)
{
    for (size_t i = 0; i < s->nwait; i++) {
        if (s->wait[i].id == id && !s->wait[i].ans) {
            s->wait[i].ans = a;
            return DELIVER_OK;
        }
    }
    dlv_answer_free(a);
    return DELIVER_E_NOTFOUND;
}

deliver_status deliver_spf_answer(deliver_spf *s, uint64_t id, deliver_dns_outcome outcome,
                                  const uint8_t *msg, size_t len)
{
    if (!s) {
        return DELIVER_E_INVALID;
    }
    if (!s->running) {
        return dlv_err(&s->err, DELIVER_E_STATE, "the check is not waiting for answers");
    }
    dlv_answer *a = NULL;
    deliver_status st = dlv_qset_answer(&s->qs, &s->err, id, outcome, msg, len, NULL, &a);
    if (st < 0) {
        return st;
    }
    return a ? take(s, id, a) : DELIVER_OK; /* NULL: reopened for a CNAME target */
}

size_t deliver_spf_query_count(const deliver_spf *s)
{
    return s ? dlv_qset_open_count(&s->qs) : 0;
}

deliver_status deliver_spf_get_query(const deliver_spf *s, size_t i, uint64_t *id,
                                     const char **qname, uint16_t *qtype)
{
    return s ? dlv_qset_get_query(&s->qs, i, id, qname, qtype) : DELIVER_E_INVALID;
}

static deliver_status start(deliver_spf *s, const char *ip, const char *sender, const char *helo,
                            deliver_spf_identity identity)
{
    if (!s) {
        return DELIVER_E_INVALID;
    }
    dlv_err_clear(&s->err);
    reset(s);
    s->identity = identity;
    if (!ip || dlv_ip_parse(ip, strlen(ip), &s->ip) < 0) {
        return dlv_err(&s->err, DELIVER_E_INVALID, "not an IP address: %s", ip ? ip : "(null)");
    }
    if (dlv_ip_is_v4mapped(&s->ip)) {
        s->ip = dlv_ip_unmap(&s->ip);
    }
    dlv_ip_format(&s->ip, s->ipstr, sizeof(s->ipstr));
    s->now = s->fixed_time >= 0 ? s->fixed_time : (int64_t)time(NULL);
    helo = helo ? helo : "";
    sender = sender ? sender : "";
    s->helo = dlv_arena_strndup(&s->arena, helo, strlen(helo));
    if (identity == DELIVER_SPF_IDENTITY_HELO || *sender == '\0') {
        if (*helo == '\0') {
            return dlv_err(&s->err, DELIVER_E_INVALID, "no sender and no HELO name");
        }
        s->local = "postmaster";
        s->sender_domain = s->helo;
    } else {
        const char *at = strrchr(sender, '@');
        if (at) {
            s->local = at == sender ? "postmaster"
                                    : dlv_arena_strndup(&s->arena, sender, (size_t)(at - sender));
            s->sender_domain = dlv_arena_strndup(&s->arena, at + 1, strlen(at + 1));
        } else {
            s->local = "postmaster";
            s->sender_domain = dlv_arena_strndup(&s->arena, sender, strlen(sender));
        }
    }
    if (!s->helo || !s->local || !s->sender_domain) {
        return DELIVER_E_NOMEM;
    }
    size_t ll = strlen(s->local), dl = strlen(s->sender_domain);
    s->sender = dlv_arena_alloc(&s->arena, ll + dl + 2);
    if (s->sender) {
        memcpy(s->sender, s->local, ll);
        s->sender[ll] = '@';
        memcpy(s->sender + ll + 1, s->sender_domain, dl + 1);
    }
    if (!s->sender) {
        return DELIVER_E_NOMEM;
    }
    s->running = 1;
    /* RFC 7208 4.3: a malformed or single-label domain gives "none" at once */
    const char *why = NULL;
    char norm[DLV_DOMAIN_MAX + 1];
    if (dlv_domain_normalize(s->sender_domain, strlen(s->sender_domain), norm, 0, &why) !=
            DELIVER_OK ||
        !strchr(norm, '.')) {
        snprintf(s->domain, sizeof(s->domain), "%.*s", DLV_DOMAIN_MAX, s->sender_domain);
        set_reason(s, "%s is not a valid domain name: %s", s->sender_domain,
                   why ? why : "not a multi-label name");
        s->result = DELIVER_SPF_NONE;
        s->done = 1;
        return DELIVER_OK;
    }
    copy_name(s->domain, norm);
    frame *f = &s->frames[0];
    memset(f, 0, sizeof(*f));
    copy_name(f->domain, norm);
    f->phase = PH_FETCH;
    s->nframes = 1;
    return DELIVER_OK;
}

deliver_status deliver_spf_start(deliver_spf *s, const char *ip, const char *sender,
                                 const char *helo)
{
    return start(s, ip, sender, helo, DELIVER_SPF_IDENTITY_MAILFROM);
}

deliver_status deliver_spf_start_helo(deliver_spf *s, const char *ip, const char *helo)
{
    return start(s, ip, NULL, helo, DELIVER_SPF_IDENTITY_HELO);
}

static deliver_status core_step(void *core)
{
    return deliver_spf_step(core);
}

static dlv_qset *core_qset(void *core)
{
    return &((deliver_spf *)core)->qs;
}

static deliver_status core_take(void *core, uint64_t id, int tag, dlv_answer *a)
{
    (void)tag;
    deliver_spf *s = core;
    return take(s, id, a);
}

static const dlv_core_ops spf_ops = {core_step, core_qset, core_take};

static deliver_status run(deliver_spf *s, deliver_status st)
{
    if (st < 0) {
        return st;
    }
    st = dlv_dns_drive(s->ctx, &spf_ops, s, &s->err);
    if (st < 0) {
        s->running = 0;
        s->done = 0;
        s->result = DELIVER_SPF_UNKNOWN;
    }
    return st;
}

deliver_status deliver_spf_check(deliver_spf *s, const char *ip, const char *sender,
                                 const char *helo)
{
    return run(s, deliver_spf_start(s, ip, sender, helo));
}

deliver_status deliver_spf_check_helo(deliver_spf *s, const char *ip, const char *helo)
{
    return run(s, deliver_spf_start_helo(s, ip, helo));
}

/* ---- results ---- */

static int have(const deliver_spf *s)
{
    return s && s->done && !s->running;
}

deliver_spf_result deliver_spf_get_result(const deliver_spf *s)
{
    return have(s) ? s->result : DELIVER_SPF_UNKNOWN;
}

deliver_spf_identity deliver_spf_get_identity(const deliver_spf *s)
{
    return s ? s->identity : (deliver_spf_identity)0;
}

const char *deliver_spf_get_domain(const deliver_spf *s)
{
    return s ? s->domain : "";
}

const char *deliver_spf_get_explanation(const deliver_spf *s)
{
    return have(s) && s->result == DELIVER_SPF_FAIL && s->explanation ? s->explanation : "";
}

const char *deliver_spf_get_mechanism(const deliver_spf *s)
{
    return have(s) && s->mechanism ? s->mechanism : "";
}

const char *deliver_spf_get_reason(const deliver_spf *s)
{
    return have(s) && s->reason ? s->reason : "";
}

unsigned deliver_spf_dns_mechanism_count(const deliver_spf *s)
{
    return s ? s->dns_terms : 0;
}

unsigned deliver_spf_void_lookup_count(const deliver_spf *s)
{
    return s ? s->voids : 0;
}

size_t deliver_spf_trace_count(const deliver_spf *s)
{
    return s ? s->ntrace : 0;
}

static const trace_entry *entry(const deliver_spf *s, size_t i)
{
    return s && i < s->ntrace ? &s->trace[i] : NULL;
}

unsigned deliver_spf_trace_get_depth(const deliver_spf *s, size_t i)
{
    const trace_entry *t = entry(s, i);
    return t ? t->depth : 0;
}

const char *deliver_spf_trace_get_domain(const deliver_spf *s, size_t i)
{
    const trace_entry *t = entry(s, i);
    return t ? t->domain : NULL;
}

/* Accessors make the entry's strings on first use (a cache inside the handle). */
static trace_entry *entry_mut(const deliver_spf *s, size_t i)
{
    return s && i < s->ntrace ? (trace_entry *)(uintptr_t)&s->trace[i] : NULL;
}

const char *deliver_spf_trace_get_term(const deliver_spf *s, size_t i)
{
    trace_entry *t = entry_mut(s, i);
    if (t && !t->term) {
        t->term = dlv_arena_strndup(&((deliver_spf *)(uintptr_t)s)->arena,
                                    t->term_src ? t->term_src : "", t->term_len);
    }
    return t ? (t->term ? t->term : "") : NULL;
}

deliver_spf_term_outcome deliver_spf_trace_get_outcome(const deliver_spf *s, size_t i)
{
    const trace_entry *t = entry(s, i);
    return t ? t->outcome : (deliver_spf_term_outcome)0;
}

const char *deliver_spf_trace_get_queries(const deliver_spf *s, size_t i)
{
    trace_entry *t = entry_mut(s, i);
    if (t && !t->queries) {
        t->queries = t->q_end > t->q_start
                         ? dlv_arena_strndup(&((deliver_spf *)(uintptr_t)s)->arena,
                                             s->qtext.data + t->q_start, t->q_end - t->q_start)
                         : "";
    }
    return t ? (t->queries ? t->queries : "") : NULL;
}

const char *deliver_spf_trace_get_detail(const deliver_spf *s, size_t i)
{
    trace_entry *t = entry_mut(s, i);
    if (t && !t->detail && t->mx_names >= 0) {
        char buf[48];
        snprintf(buf, sizeof(buf), "%ld MX name%s", t->mx_names, t->mx_names == 1 ? "" : "s");
        t->detail = dlv_arena_strndup(&((deliver_spf *)(uintptr_t)s)->arena, buf, strlen(buf));
    }
    return t ? (t->detail ? t->detail : "") : NULL;
}

unsigned deliver_spf_trace_get_dns_mechanisms(const deliver_spf *s, size_t i)
{
    const trace_entry *t = entry(s, i);
    return t ? t->dns_terms : 0;
}

unsigned deliver_spf_trace_get_void_lookups(const deliver_spf *s, size_t i)
{
    const trace_entry *t = entry(s, i);
    return t ? t->voids : 0;
}

/* The headers are made on first use: most callers of a check never read them. */
static int headers(const deliver_spf *cs)
{
    if (!have(cs)) {
        return 0;
    }
    deliver_spf *s = (deliver_spf *)(uintptr_t)cs; /* a cache inside the handle */
    if (!s->headers_made) {
        make_headers(s);
        s->headers_made = 1;
    }
    return !s->received.failed && !s->authres.failed;
}

const char *deliver_spf_get_received_spf(const deliver_spf *s)
{
    return headers(s) && s->received.data ? s->received.data : "";
}

const char *deliver_spf_get_auth_results(const deliver_spf *s)
{
    return headers(s) && s->authres.data ? s->authres.data : "";
}

size_t deliver_spf_finding_count(const deliver_spf *s)
{
    return s ? s->findings.count : 0;
}

const deliver_finding *deliver_spf_get_finding(const deliver_spf *s, size_t i)
{
    return s ? dlv_findings_get(&s->findings, i) : NULL;
}

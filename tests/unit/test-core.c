/*
 * Unit tests of the core: status texts, version, context and allocator hooks, logging,
 * findings, buffers, arenas, the hash map, and domain-name normalisation.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "check.h"
#include "core/core.h"

#include <stdlib.h>

typedef struct counting {
    long live;
    long total;
    long fail_at; /* fail the n-th allocation (1-based); 0: never */
} counting;

static void *c_alloc(size_t n, void *ud)
{
    counting *c = ud;
    if (c->fail_at && ++c->total == c->fail_at) {
        return NULL;
    }
    if (!c->fail_at) {
        c->total++;
    }
    void *p = malloc(n);
    if (p) {
        c->live++;
    }
    return p;
}

static void *c_realloc(void *p, size_t n, void *ud)
{
    counting *c = ud;
    if (c->fail_at && ++c->total == c->fail_at) {
        return NULL;
    }
    void *q = realloc(p, n);
    if (q && !p) {
        c->live++;
    }
    return q;
}

static void c_free(void *p, void *ud)
{
    counting *c = ud;
    c->live--;
    free(p);
}

static void test_status(void)
{
    for (int s = -20; s <= 2; s++) {
        CHECK(deliver_strerror((deliver_status)s) != NULL);
    }
    CHECK_STR(deliver_strerror(DELIVER_OK), "success");
    CHECK_STR(deliver_strerror((deliver_status)-999), "unknown status");
    CHECK_STR(deliver_strerror(DELIVER_E_NOMEM), "out of memory");
    CHECK_STR(deliver_version_string(), DELIVER_VERSION_STRING);
    CHECK_INT(deliver_version_number(), DELIVER_VERSION_NUMBER);
    CHECK(DELIVER_CHECK_VERSION(0, 0, 1));
    CHECK(!DELIVER_CHECK_VERSION(99, 0, 0));
}

static int log_calls;
static void on_log(deliver_log_level level, const char *msg, void *ud)
{
    (void)level;
    (void)msg;
    (*(int *)ud)++;
}

static void test_ctx(void)
{
    CHECK_INT(deliver_ctx_new(NULL), DELIVER_E_INVALID);
    deliver_ctx *ctx = (deliver_ctx *)1;
    CHECK_INT(deliver_ctx_new_with_allocator(&ctx, NULL, NULL, NULL, NULL), DELIVER_E_INVALID);
    CHECK(ctx == NULL);
    counting cnt = {0};
    CHECK_INT(deliver_ctx_new_with_allocator(&ctx, c_alloc, c_realloc, c_free, &cnt), DELIVER_OK);
    CHECK(cnt.live == 1);
    CHECK_STR(deliver_ctx_errmsg(ctx), "");
    CHECK_STR(deliver_ctx_errmsg(NULL), "");
    CHECK_INT(deliver_ctx_set_log_handler(ctx, on_log, (deliver_log_level)9, &log_calls),
              DELIVER_E_INVALID);
    CHECK_INT(deliver_ctx_set_log_handler(ctx, on_log, DELIVER_LOG_WARNING, &log_calls), DELIVER_OK);
    dlv_log(ctx, DELIVER_LOG_ERROR, "shown %d", 1);
    dlv_log(ctx, DELIVER_LOG_DEBUG, "hidden");
    CHECK_INT(log_calls, 1);
    /* a handle-like reference keeps the context alive after deliver_ctx_free */
    dlv_ctx_ref(ctx);
    deliver_ctx_free(ctx);
    CHECK(cnt.live == 1);
    dlv_ctx_unref(ctx);
    CHECK_INT(cnt.live, 0);
    deliver_ctx_free(NULL);

    /* the allocator hook fails at once: constructor reports it */
    counting failing = {.fail_at = 1};
    CHECK_INT(deliver_ctx_new_with_allocator(&ctx, c_alloc, c_realloc, c_free, &failing),
              DELIVER_E_NOMEM);
    CHECK(ctx == NULL);
}

static void test_findings_buf_arena_map(void)
{
    deliver_ctx *ctx;
    counting cnt = {0};
    deliver_ctx_new_with_allocator(&ctx, c_alloc, c_realloc, c_free, &cnt);
    dlv_findings f;
    dlv_findings_init(&f, ctx);
    CHECK_INT(dlv_findings_add(&f, "dns.test_one", DELIVER_SEVERITY_WARNING, "here", NULL,
                               "message %d", 42), 0);
    CHECK_INT(dlv_findings_add(&f, "dns.test_two", DELIVER_SEVERITY_ERROR, NULL, "fix it", "m"), 0);
    const deliver_finding *x = dlv_findings_get(&f, 0);
    CHECK_STR(deliver_finding_id(x), "dns.test_one");
    CHECK_STR(deliver_finding_message(x), "message 42");
    CHECK_STR(deliver_finding_location(x), "here");
    CHECK_STR(deliver_finding_hint(x), "");
    CHECK_INT(deliver_finding_severity(x), DELIVER_SEVERITY_WARNING);
    CHECK_STR(deliver_finding_hint(dlv_findings_get(&f, 1)), "fix it");
    CHECK_STR(deliver_finding_location(dlv_findings_get(&f, 1)), "");
    CHECK(dlv_findings_get(&f, 2) == NULL);
    CHECK(deliver_finding_id(NULL) == NULL);
    CHECK_INT(deliver_finding_severity(NULL), 0);
    CHECK_STR(deliver_severity_name(DELIVER_SEVERITY_ERROR), "error");
    CHECK_STR(deliver_severity_name((deliver_severity)77), "unknown");
    dlv_findings_clear(&f);

    dlv_buf b;
    dlv_buf_init(&b, ctx);
    for (int i = 0; i < 1000; i++) {
        dlv_buf_printf(&b, "%04d", i);
    }
    CHECK_INT(b.len, 4000);
    CHECK(memcmp(b.data + 3996, "0999", 4) == 0);
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    dlv_buf_reset(&b);
    dlv_buf_printf(&b, "<%s>", big);
    CHECK_INT(b.len, 1001);
    dlv_buf_free(&b);

    dlv_arena a;
    dlv_arena_init(&a, ctx);
    for (int i = 0; i < 2000; i++) {
        char *s = dlv_arena_strndup(&a, "hello world", 5);
        CHECK(s && strcmp(s, "hello") == 0);
        CHECK(((uintptr_t)s & 7u) == 0);
    }
    void *huge = dlv_arena_alloc(&a, 100000);
    CHECK(huge != NULL);
    CHECK(dlv_arena_alloc(&a, SIZE_MAX - 8) == NULL);
    dlv_arena_clear(&a);

    dlv_hmap m;
    dlv_hmap_init(&m, ctx);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        CHECK(dlv_hmap_put(&m, key, strlen(key), (void *)(intptr_t)(i + 1), NULL) == 0);
    }
    for (int i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof(key), "k%d", i);
        CHECK((intptr_t)dlv_hmap_remove(&m, key, strlen(key)) == i + 1);
    }
    int ok = 1;
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        void *v = dlv_hmap_get(&m, key, strlen(key));
        ok &= (i % 2) ? (intptr_t)v == i + 1 : v == NULL;
    }
    CHECK(ok);
    void *old;
    CHECK(dlv_hmap_put(&m, "k1", 2, (void *)7, &old) == 0 && (intptr_t)old == 2);
    CHECK_INT(m.count, 2500);
    dlv_hmap_free(&m, NULL, NULL);
    deliver_ctx_free(ctx);
    CHECK_INT(cnt.live, 0);
}

static void norm_ok(const char *in, unsigned flags, const char *want)
{
    char out[DLV_DOMAIN_MAX + 1];
    const char *why = NULL;
    deliver_status st = dlv_domain_normalize(in, strlen(in), out, flags, &why);
    if (st != DELIVER_OK || strcmp(out, want) != 0) {
        check_failures++;
        fprintf(stderr, "normalize(%s) = %d %s (%s), expected %s\n", in, st, out,
                why ? why : "", want);
    }
    check_count++;
}

static void norm_bad(const char *in, size_t len, unsigned flags)
{
    char out[DLV_DOMAIN_MAX + 1];
    const char *why = NULL;
    deliver_status st = dlv_domain_normalize(in, len, out, flags, &why);
    if (st != DELIVER_E_INVALID || !why || out[0] != '\0') {
        check_failures++;
        fprintf(stderr, "normalize(%.*s) should fail, got %d %s\n", (int)len, in, st, out);
    }
    check_count++;
}

static void test_domains(void)
{
    norm_ok("Example.TEST", 0, "example.test");
    norm_ok("example.test.", 0, "example.test");
    norm_ok("_dmarc.Example.test", 0, "_dmarc.example.test");
    norm_ok("s1._domainkey.example.test", 0, "s1._domainkey.example.test");
    norm_ok("b\xc3\xbc" "cher.example", 0, "xn--bcher-kva.example");
    norm_ok("B\xc3\x9c" "CHER.example", 0, "xn--bcher-kva.example"); /* TR46 maps case */
    norm_ok("xn--bcher-kva.example", 0, "xn--bcher-kva.example");
    norm_ok("XN--BCHER-KVA.example", 0, "xn--bcher-kva.example");
    norm_ok("\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", 0,
            "xn--r8jz45g.xn--zckzah");
    norm_ok("a-b.example", DLV_NAME_HOSTNAME, "a-b.example");
    norm_ok("*.example.test", 0, "*.example.test");
    char l63[64];
    memset(l63, 'a', 63);
    l63[63] = 0;
    char name[400];
    snprintf(name, sizeof(name), "%s.test", l63);
    norm_ok(name, 0, name);
    snprintf(name, sizeof(name), "%sa.test", l63);
    norm_bad(name, strlen(name), 0);
    /* 253 octets is the most */
    snprintf(name, sizeof(name), "%s.%s.%s.%.61s", l63, l63, l63, l63);
    CHECK_INT(strlen(name), 253);
    norm_ok(name, 0, name);
    snprintf(name, sizeof(name), "%s.%s.%s.%.62s", l63, l63, l63, l63);
    norm_bad(name, strlen(name), 0);
    norm_bad("", 0, 0);
    norm_bad(".", 1, 0);
    norm_bad("a..b", 4, 0);
    norm_bad(".a.b", 4, 0);
    norm_bad("a.b..", 5, 0);
    norm_ok("macro%percent  space%20url.test", 0, "macro%percent  space%20url.test");
    norm_bad("a b.test", 8, DLV_NAME_HOSTNAME);
    norm_bad("a\x7f.test", 7, 0);
    norm_bad("a\0b.test", 8, 0);
    norm_bad("a\\b.test", 8, 0);
    norm_bad("under_score.test", 16, DLV_NAME_HOSTNAME);
    norm_bad("-lead.test", 10, DLV_NAME_HOSTNAME);
    norm_bad("xn--zzzzzzz-zzz.test", 20, 0);     /* not a valid A-label */
    norm_bad("b\xc3\xbc" "cher.example", 13, DLV_NAME_NO_IDN);
    norm_bad("\xff\xfe.test", 7, 0);             /* not UTF-8 */
    norm_bad("\xc3.test", 6, 0);                 /* truncated UTF-8 */
    norm_bad("\xed\xa0\x80.test", 8, 0);         /* surrogate */
    norm_bad(NULL, 0, 0);
    CHECK(dlv_domain_equal("Example.Test", "example.test"));
    CHECK(!dlv_domain_equal("example.test", "example.tes"));
    CHECK(dlv_domain_is_within("a.b.example.test", "example.test"));
    CHECK(dlv_domain_is_within("example.test", "Example.test"));
    CHECK(!dlv_domain_is_within("badexample.test", "example.test"));
    CHECK(!dlv_domain_is_within("test", "example.test"));
}

/* The vector searches against plain loops, at every offset and length of texts built to put
 * matches and near-matches on and across the 16-octet block edges. */
static const char *slow_find3(const char *s, size_t n, char a, char b, char c, int nocase)
{
    for (size_t i = 0; i + 3 <= n; i++) {
        char x = nocase > 1 ? (char)(s[i] | 0x20) : s[i];
        char y = nocase ? (char)(s[i + 1] | 0x20) : s[i + 1];
        char z = nocase ? (char)(s[i + 2] | 0x20) : s[i + 2];
        if (x == (nocase > 1 ? (char)(a | 0x20) : a) && y == (nocase ? (char)(b | 0x20) : b) &&
            z == (nocase ? (char)(c | 0x20) : c)) {
            return s + i;
        }
    }
    return NULL;
}

static size_t slow_plain_run(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && ((unsigned char)s[i] > 0x20 ||
                     (s[i] == ' ' && i + 1 < n && (unsigned char)s[i + 1] > 0x20))) {
        i++;
    }
    return i;
}

static void test_search(void)
{
    char t[80];
    uint32_t seed = 99;
    static const char alphabet[] = "\n-Aa b\t\x01\xe9x~\x7f:-Aax-";
    int found = 0, runs = 0;
    for (int round = 0; round < 400; round++) {
        for (size_t i = 0; i < sizeof(t); i++) {
            seed = seed * 1103515245u + 12345u;
            t[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        for (size_t off = 0; off < 20; off++) {
            for (size_t n = 0; off + n <= sizeof(t); n += 7) {
                const char *s = t + off;
                CHECK(dlv_find3(s, n, '\n', '-', '-') == slow_find3(s, n, '\n', '-', '-', 0));
                CHECK(dlv_find3_nocase(s, n, '\n', 'a', 'a') ==
                      slow_find3(s, n, '\n', 'a', 'a', 1));
                CHECK(dlv_find3_nocase3(s, n, 'a', '-', 'a') ==
                      slow_find3(s, n, 'a', '-', 'a', 2));
                CHECK(dlv_plain_run(s, n) == slow_plain_run(s, n));
                size_t k = 0;
                while (k < n && (unsigned char)s[k] >= 0x21 && (unsigned char)s[k] <= 0x7e &&
                       s[k] != 'b') {
                    k++;
                }
                CHECK(dlv_span_range(s, n, 0x21, 0x7e, 'b') == k);
                found += dlv_find3_nocase(s, n, '\n', 'a', 'a') != NULL;
                runs++;
            }
        }
    }
    CHECK(found > 100 && found < runs); /* both outcomes were exercised */
    CHECK(dlv_find3("--", 2, '-', '-', '-') == NULL);
    /* long texts (the 32-at-a-time rounds where the processor has them): the one match at
     * every place, behind near misses, and none at all */
    static char lt[300];
    for (size_t p = 0; p + 3 <= sizeof(lt); p++) {
        for (size_t i = 0; i < sizeof(lt); i++) {
            lt[i] = i % 5 == 0 ? '\n' : i % 5 == 1 ? '-' : 'x'; /* "\n-" without a second '-' */
        }
        CHECK(dlv_find3(lt, sizeof(lt), '\n', '-', '-') == NULL);
        memcpy(lt + p, "\n--", 3);
        CHECK(dlv_find3(lt, sizeof(lt), '\n', '-', '-') == lt + p);
        CHECK(dlv_find3(lt, p + 2, '\n', '-', '-') == NULL); /* cut one octet short */
    }
    CHECK(dlv_plain_run("a b  c", 6) == 3);
    CHECK(dlv_plain_run(" a", 2) == 2);
    CHECK(dlv_plain_run("a ", 2) == 1);
}

int main(void)
{
    test_search();
    test_status();
    test_ctx();
    test_findings_buf_arena_map();
    test_domains();
    return check_done("core");
}

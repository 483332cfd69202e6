/*
 * Benchmark (issue 3): SPF evaluations per second on one thread, libdeliver beside its peers
 * on the same records in the same run:
 *   pyspf   (Debian python3-spf) in a subprocess, DNS answered from memory
 *           (tests/bench/bench_spf_pyspf.py replaces spf.DNSLookup with a dict);
 *   libspf2 (Debian libspf2-dev) with its in-memory zone layer (bench_spf_libspf2.c), when
 *           it was found at configure time.
 * Two cases over one zone, bench.test:
 *   (a) flat.bench.test: 10 ip4/ip6 networks and -all; the client matches only the last
 *       network. One DNS question (the TXT record), no DNS-querying term.
 *   (b) tree.bench.test: 3 includes (ip4/ip6 terms that do not match), mx (2 hosts) and
 *       a:host.bench.test, -all; the client matches only the a: term. 5 DNS-querying terms
 *       (include x3, mx, a) and 8 DNS questions: TXT x4 (the record and 3 includes), MX x1,
 *       A x2 (the MX hosts), A x1 (host.bench.test). libdeliver answers them from its
 *       context's DNS cache (kept warm; the zone resolver behind it); the benchmark counts
 *       them with the context's DNS counters and prints the count.
 * Rounds interleave the three programs (libdeliver, libspf2, pyspf for each case), so load
 * from other processes on shared cores falls on all of them; the median of the rounds is
 * reported, with every round's figure. Every evaluation's result is checked; a wrong
 * libdeliver result fails the benchmark (exit 1). A peer that is missing or wrong is
 * skipped with its reason printed. Speed is printed and compared with the goals (at least
 * 50 times pyspf, faster than libspf2) but never fails the run (DESIGN.md, "Tests").
 *
 * usage: bench-spf [--seconds S] [--rounds N] [--script bench_spf_pyspf.py] [--python PY]...
 *                  [--no-peers]   (libdeliver alone, e.g. under perf or callgrind)
 * Python interpreters tried for pyspf, first that imports spf: $DELIVER_BENCH_PYTHON,
 * /usr/bin/python3 (where Debian's python3-spf lives), then each --python.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "bench-spf.h"

#include <deliver/deliver.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the zone and the cases, shared by all three programs ---- */

static const bench_rr zone[] = {
    {"flat.bench.test", "TXT",
     "v=spf1 ip4:192.0.2.0/27 ip6:2001:db8:10::/48 ip4:198.51.100.0/26 ip6:2001:db8:20::/48 "
     "ip4:198.51.100.128/25 ip6:2001:db8:30::/48 ip4:203.0.113.0/28 ip6:2001:db8:40::/48 "
     "ip4:203.0.113.64/26 ip4:203.0.113.128/25 -all"},
    {"tree.bench.test", "TXT",
     "v=spf1 include:i1.bench.test include:i2.bench.test include:i3.bench.test mx "
     "a:host.bench.test -all"},
    {"tree.bench.test", "MX", "10 mx1.bench.test"},
    {"tree.bench.test", "MX", "20 mx2.bench.test"},
    {"i1.bench.test", "TXT",
     "v=spf1 ip4:192.0.2.0/25 ip4:198.51.100.0/25 ip6:2001:db8:1::/48 -all"},
    {"i2.bench.test", "TXT", "v=spf1 ip4:203.0.113.0/25 ip6:2001:db8:2::/48 -all"},
    {"i3.bench.test", "TXT", "v=spf1 ip4:10.0.0.0/8 ip4:172.16.0.0/12 -all"},
    {"mx1.bench.test", "A", "198.51.100.10"},
    {"mx2.bench.test", "A", "198.51.100.20"},
    {"host.bench.test", "A", "192.0.2.200"},
};
#define NZONE (sizeof(zone) / sizeof(zone[0]))

static const bench_case cases[] = {
    {"(a) ip4/ip6 only", "203.0.113.200", "user@flat.bench.test", "mail.client.test",
     "pass", "ip4:203.0.113.128/25"},
    {"(b) 3 include + mx + a", "192.0.2.200", "user@tree.bench.test", "mail.client.test",
     "pass", "a:host.bench.test"},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* DNS-querying terms (RFC 7208 section 4.6.4) each case must count. */
static const unsigned want_dns_terms[NCASES] = {0, 5};

enum { IMPL_DELIVER, IMPL_LIBSPF2, IMPL_PYSPF, NIMPL };
static const char *const impl_name[NIMPL] = {"libdeliver", "libspf2", "pyspf"};

#define MAX_ROUNDS 50

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *msg)
{
    printf("FAIL: %s\n", msg);
    fflush(stdout);
    exit(1);
}

/* ---- libdeliver ---- */

typedef struct deliver_bench {
    deliver_ctx *ctx;
    deliver_spf *spf;
    uint64_t questions[NCASES], misses[NCASES];
} deliver_bench;

static size_t zone_text(char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size, "$ORIGIN bench.test.\n$TTL 86400\n"
                                           "@ SOA ns.bench.test. hostmaster.bench.test. "
                                           "1 3600 600 86400 86400\n@ NS ns.bench.test.\n");
    for (size_t i = 0; i < NZONE && n < size; i++) {
        const char *q = strcmp(zone[i].type, "TXT") == 0 ? "\"" : "";
        const char *dot = strcmp(zone[i].type, "MX") == 0 ? "." : "";
        n += (size_t)snprintf(buf + n, size - n, "%s. %s %s%s%s%s\n", zone[i].name,
                              zone[i].type, q, zone[i].data, q, dot);
    }
    if (n >= size) {
        die("zone text does not fit");
    }
    return n;
}

/* One evaluation; dies with the detail on a wrong result (the only way this run fails). */
static void deliver_eval(deliver_bench *b, size_t ci)
{
    const bench_case *c = &cases[ci];
    deliver_status st = deliver_spf_check(b->spf, c->ip, c->sender, c->helo);
    const char *got = deliver_spf_result_name(deliver_spf_get_result(b->spf));
    const char *mech = deliver_spf_get_mechanism(b->spf);
    unsigned terms = deliver_spf_dns_mechanism_count(b->spf);
    if (st != DELIVER_OK || strcmp(got, c->result) != 0 || strcmp(mech, c->mechanism) != 0 ||
        terms != want_dns_terms[ci]) {
        char msg[1024];
        snprintf(msg, sizeof(msg),
                 "libdeliver %s: status %s, result %s by \"%s\" with %u DNS-querying terms "
                 "(%s); expected %s by \"%s\" with %u",
                 c->label, deliver_strerror(st), got, mech, terms,
                 st < 0 ? deliver_spf_errmsg(b->spf) : deliver_spf_get_reason(b->spf),
                 c->result, c->mechanism, want_dns_terms[ci]);
        die(msg);
    }
}

static uint64_t dns_total(const deliver_ctx *ctx)
{
    return deliver_ctx_get_dns_stat(ctx, DELIVER_DNS_STAT_QUERIES) +
           deliver_ctx_get_dns_stat(ctx, DELIVER_DNS_STAT_CACHE_HITS);
}

static void deliver_open(deliver_bench *b)
{
    static char text[8192];
    size_t len = zone_text(text, sizeof(text));
    if (deliver_ctx_new(&b->ctx) != DELIVER_OK) {
        die("deliver_ctx_new");
    }
    if (deliver_ctx_add_zone_text(b->ctx, text, len, NULL) != DELIVER_OK) {
        char msg[512];
        snprintf(msg, sizeof(msg), "zone text refused: %s", deliver_ctx_errmsg(b->ctx));
        die(msg);
    }
    if (deliver_spf_new(&b->spf, b->ctx) != DELIVER_OK) {
        die("deliver_spf_new");
    }
    /* Warm the cache, then count one evaluation's questions and cache misses. */
    for (size_t ci = 0; ci < NCASES; ci++) {
        deliver_eval(b, ci);
        uint64_t q0 = dns_total(b->ctx);
        uint64_t m0 = deliver_ctx_get_dns_stat(b->ctx, DELIVER_DNS_STAT_QUERIES);
        deliver_eval(b, ci);
        b->questions[ci] = dns_total(b->ctx) - q0;
        b->misses[ci] = deliver_ctx_get_dns_stat(b->ctx, DELIVER_DNS_STAT_QUERIES) - m0;
    }
}

static double deliver_run(deliver_bench *b, size_t ci, double seconds)
{
    long n = 0;
    double t0 = bench_now(), t;
    do {
        for (int i = 0; i < 100; i++) {
            deliver_eval(b, ci);
        }
        n += 100;
        t = bench_now() - t0;
    } while (t < seconds);
    return (double)n / t;
}

/* ---- pyspf, in a subprocess speaking bench_spf_pyspf.py's line protocol ---- */

typedef struct py_peer {
    pid_t pid;
    FILE *to, *from;
    char version[200];
} py_peer;

static void py_close(py_peer *p)
{
    if (p->to) {
        fputs("QUIT\n", p->to);
        fclose(p->to);
    }
    if (p->from) {
        fclose(p->from);
    }
    if (p->pid > 0) {
        waitpid(p->pid, NULL, 0);
    }
    memset(p, 0, sizeof(*p));
}

static int py_line(py_peer *p, char *buf, size_t size)
{
    if (!fgets(buf, (int)size, p->from)) {
        snprintf(buf, size, "no reply (the interpreter exited)");
        return -1;
    }
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* Start `python script`; 0 when pyspf is ready with the zone loaded, else -1 and why. */
static int py_open(py_peer *p, const char *python, const char *script, char *why, size_t wl)
{
    int in[2], out[2];
    memset(p, 0, sizeof(*p));
    if (access(python, X_OK) != 0) {
        snprintf(why, wl, "%s: %s", python, strerror(errno));
        return -1;
    }
    if (pipe(in) < 0 || pipe(out) < 0) {
        snprintf(why, wl, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(stdout);
    p->pid = fork();
    if (p->pid < 0) {
        snprintf(why, wl, "fork: %s", strerror(errno));
        return -1;
    }
    if (p->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execl(python, python, script, (char *)NULL);
        printf("SKIP cannot run %s: %s\n", python, strerror(errno));
        _exit(0);
    }
    close(in[0]);
    close(out[1]);
    p->to = fdopen(in[1], "w");
    p->from = fdopen(out[0], "r");
    char line[1024];
    if (!p->to || !p->from || py_line(p, line, sizeof(line)) < 0) {
        snprintf(why, wl, "%.100s %.100s: %.250s", python, script,
                 p->from ? line : "fdopen failed");
        py_close(p);
        return -1;
    }
    if (strncmp(line, "READY ", 6) != 0) {
        snprintf(why, wl, "%.400s", strncmp(line, "SKIP ", 5) == 0 ? line + 5 : line);
        py_close(p);
        return -1;
    }
    snprintf(p->version, sizeof(p->version), "%.100s (%.90s)", line + 6, python);
    for (size_t i = 0; i < NZONE; i++) {
        fprintf(p->to, "RR %s %s %s\n", zone[i].name, zone[i].type, zone[i].data);
    }
    for (size_t i = 0; i < NCASES; i++) {
        fprintf(p->to, "CASE %s %s %s %s %s\n", cases[i].ip, cases[i].sender, cases[i].helo,
                cases[i].result, cases[i].mechanism);
    }
    fputs("END\n", p->to);
    fflush(p->to);
    if (py_line(p, line, sizeof(line)) < 0 || strncmp(line, "LOADED ", 7) != 0) {
        snprintf(why, wl, "pyspf driver: %.400s", line);
        py_close(p);
        return -1;
    }
    return 0;
}

static int py_run(py_peer *p, size_t ci, double seconds, double *rate, char *why, size_t wl)
{
    char line[1024];
    long n;
    double t;
    fprintf(p->to, "RUN %zu %.3f\n", ci, seconds);
    fflush(p->to);
    if (py_line(p, line, sizeof(line)) < 0) {
        snprintf(why, wl, "pyspf driver: %.400s", line);
        return -1;
    }
    if (sscanf(line, "OK %ld %lf", &n, &t) != 2 || t <= 0) {
        snprintf(why, wl, "pyspf %.400s", strncmp(line, "BAD ", 4) == 0 ? line + 4 : line);
        return -1;
    }
    *rate = (double)n / t;
    return 0;
}

/* ---- libspf2 stub when it was not found at configure time ---- */

#ifndef HAVE_LIBSPF2
int libspf2_bench_open(libspf2_bench **out, const bench_rr *z, size_t nz, char *why, size_t wl)
{
    (void)z;
    (void)nz;
    *out = NULL;
    snprintf(why, wl, "libspf2 was not found when the benchmark was configured "
                      "(install Debian libspf2-dev and reconfigure)");
    return -1;
}
int libspf2_bench_run(libspf2_bench *b, const bench_case *c, double s, double *rate, char *why,
                      size_t wl)
{
    (void)b;
    (void)c;
    (void)s;
    (void)rate;
    snprintf(why, wl, "not built");
    return -1;
}
const char *libspf2_bench_version(void)
{
    return "";
}
void libspf2_bench_close(libspf2_bench *b)
{
    (void)b;
}
#endif

/* ---- reporting ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double s[MAX_ROUNDS];
    memcpy(s, v, (size_t)n * sizeof(double));
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    double seconds = 1.0;
    int rounds = 3;
    const char *script = NULL;
    const char *pythons[16];
    int npy = 0, peers = 1;
    const char *env = getenv("DELIVER_BENCH_PYTHON");
    if (env && *env) {
        pythons[npy++] = env;
    }
    pythons[npy++] = "/usr/bin/python3";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--script") == 0 && i + 1 < argc) {
            script = argv[++i];
        } else if (strcmp(argv[i], "--no-peers") == 0) {
            peers = 0;
        } else if (strcmp(argv[i], "--python") == 0 && i + 1 < argc) {
            const char *py = argv[++i];
            int dup = 0;
            for (int k = 0; k < npy; k++) {
                dup |= strcmp(pythons[k], py) == 0;
            }
            if (!dup && npy < 16) {
                pythons[npy++] = py;
            }
        } else {
            fprintf(stderr, "usage: %s [--seconds S] [--rounds N] [--script FILE] "
                            "[--python PY]... [--no-peers]\n", argv[0]);
            return 2;
        }
    }
    if (seconds <= 0 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "--seconds must be > 0, --rounds 1 to %d\n", MAX_ROUNDS);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a peer that exits early must not kill the benchmark */

    char why[NIMPL][1024] = {{0}};
    int active[NIMPL] = {1, 1, 1};
    char version[NIMPL][256] = {{0}};
    snprintf(version[IMPL_DELIVER], sizeof(version[0]), "%s", deliver_version_string());

    deliver_bench db;
    memset(&db, 0, sizeof(db));
    deliver_open(&db);

    libspf2_bench *l2 = NULL;
    if (!peers) {
        active[IMPL_LIBSPF2] = 0;
        snprintf(why[IMPL_LIBSPF2], sizeof(why[0]), "--no-peers");
    } else if (libspf2_bench_open(&l2, zone, NZONE, why[IMPL_LIBSPF2], sizeof(why[0])) < 0) {
        active[IMPL_LIBSPF2] = 0;
    } else {
        snprintf(version[IMPL_LIBSPF2], sizeof(version[0]), "%s, SPF_dns_zone",
                 libspf2_bench_version());
    }

    py_peer py;
    memset(&py, 0, sizeof(py));
    if (!peers || !script) {
        active[IMPL_PYSPF] = 0;
        snprintf(why[IMPL_PYSPF], sizeof(why[0]), "%s",
                 peers ? "no --script bench_spf_pyspf.py given" : "--no-peers");
    } else {
        size_t wl = 0;
        active[IMPL_PYSPF] = 0;
        for (int k = 0; k < npy && !active[IMPL_PYSPF]; k++) {
            char w[1024];
            if (py_open(&py, pythons[k], script, w, sizeof(w)) == 0) {
                active[IMPL_PYSPF] = 1;
                snprintf(version[IMPL_PYSPF], sizeof(version[0]), "%s", py.version);
            } else {
                wl += (size_t)snprintf(why[IMPL_PYSPF] + wl,
                                       wl < sizeof(why[0]) ? sizeof(why[0]) - wl : 0, "%s%.480s",
                                       k ? "; " : "", w);
            }
        }
    }

    printf("SPF evaluations per second on one thread: %d round(s) of %.1f s per case and "
           "program, interleaved; median of the rounds\n", rounds, seconds);
    for (int k = 0; k < NIMPL; k++) {
        printf("  %-10s %s\n", impl_name[k], active[k] ? version[k] : "SKIPPED");
        if (!active[k]) {
            printf("             reason: %s\n", why[k]);
        }
    }
    for (size_t ci = 0; ci < NCASES; ci++) {
        printf("%s: check_host(%s, %s), expect %s by %s\n"
               "    libdeliver: %u DNS-querying terms, %llu DNS questions per evaluation, "
               "%llu of them cache misses (warm cache)\n",
               cases[ci].label, cases[ci].ip, cases[ci].sender, cases[ci].result,
               cases[ci].mechanism, want_dns_terms[ci], (unsigned long long)db.questions[ci],
               (unsigned long long)db.misses[ci]);
    }
    fflush(stdout);

    static double rate[NIMPL][NCASES][MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        for (size_t ci = 0; ci < NCASES; ci++) {
            rate[IMPL_DELIVER][ci][r] = deliver_run(&db, ci, seconds);
            if (active[IMPL_LIBSPF2] &&
                libspf2_bench_run(l2, &cases[ci], seconds, &rate[IMPL_LIBSPF2][ci][r],
                                  why[IMPL_LIBSPF2], sizeof(why[0])) < 0) {
                active[IMPL_LIBSPF2] = 0;
                printf("libspf2 dropped in round %d, %s: %s\n", r + 1, cases[ci].label,
                       why[IMPL_LIBSPF2]);
            }
            if (active[IMPL_PYSPF] &&
                py_run(&py, ci, seconds, &rate[IMPL_PYSPF][ci][r], why[IMPL_PYSPF],
                       sizeof(why[0])) < 0) {
                active[IMPL_PYSPF] = 0;
                printf("pyspf dropped in round %d, %s: %s\n", r + 1, cases[ci].label,
                       why[IMPL_PYSPF]);
            }
        }
        printf("round %d/%d done\n", r + 1, rounds);
        fflush(stdout);
    }
    libspf2_bench_close(l2);
    if (py.pid > 0) {
        py_close(&py);
    }

    printf("\n%-26s %14s %14s %14s %10s %10s\n", "case (evaluations/s)", "libdeliver",
           "libspf2", "pyspf", "/libspf2", "/pyspf");
    double med[NIMPL][NCASES];
    for (size_t ci = 0; ci < NCASES; ci++) {
        char cell[NIMPL][32], ratio[2][32];
        for (int k = 0; k < NIMPL; k++) {
            med[k][ci] = active[k] ? median(rate[k][ci], rounds) : 0;
            snprintf(cell[k], sizeof(cell[k]), active[k] ? "%.0f" : "skipped", med[k][ci]);
        }
        for (int k = 0; k < 2; k++) {
            int peer = k == 0 ? IMPL_LIBSPF2 : IMPL_PYSPF;
            snprintf(ratio[k], sizeof(ratio[k]), active[peer] ? "%.1fx" : "-",
                     active[peer] ? med[IMPL_DELIVER][ci] / med[peer][ci] : 0);
        }
        printf("%-26s %14s %14s %14s %10s %10s\n", cases[ci].label, cell[0], cell[1], cell[2],
               ratio[0], ratio[1]);
    }
    printf("\nevery round (evaluations/s):\n");
    for (size_t ci = 0; ci < NCASES; ci++) {
        for (int k = 0; k < NIMPL; k++) {
            if (!active[k]) {
                continue;
            }
            printf("  %-26s %-10s", cases[ci].label, impl_name[k]);
            for (int r = 0; r < rounds; r++) {
                printf(" %10.0f", rate[k][ci][r]);
            }
            printf("\n");
        }
    }

    printf("\n");
    int all_met = 1, all_checked = 1;
    for (size_t ci = 0; ci < NCASES; ci++) {
        printf("goals %s: ", cases[ci].label);
        if (active[IMPL_PYSPF]) {
            double x = med[IMPL_DELIVER][ci] / med[IMPL_PYSPF][ci];
            printf(">= 50x pyspf: %s (%.1fx)", x >= 50 ? "met" : "NOT MET", x);
            all_met &= x >= 50;
        } else {
            printf(">= 50x pyspf: not checked (pyspf skipped)");
            all_checked = 0;
        }
        if (active[IMPL_LIBSPF2]) {
            double x = med[IMPL_DELIVER][ci] / med[IMPL_LIBSPF2][ci];
            printf("; faster than libspf2: %s (%.2fx)\n", x > 1 ? "met" : "NOT MET", x);
            all_met &= x > 1;
        } else {
            printf("; faster than libspf2: not checked (libspf2 skipped)\n");
            all_checked = 0;
        }
    }
    int none_checked = !active[IMPL_PYSPF] && !active[IMPL_LIBSPF2];
    printf("GOALS (>= 50x pyspf, faster than libspf2, both cases): %s\n",
           !all_met        ? "NOT MET"
           : none_checked  ? "NOT CHECKED (no peer ran)"
           : all_checked   ? "MET"
                           : "met where checked (a peer was skipped)");
    for (int k = 1; k < NIMPL; k++) {
        if (!active[k]) {
            printf("  %s skipped: %s\n", impl_name[k], why[k]);
        }
    }
    deliver_spf_free(db.spf);
    deliver_ctx_free(db.ctx);
    return 0;
}

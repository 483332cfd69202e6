/*
 * Benchmark: bounce classification over the whole labelled corpus (<testdata>/bounce/emails),
 * messages per second on one thread, and peak memory (getrusage ru_maxrss); then the peer,
 * Debian's Sisimai (perl, libsisimai-perl), on the same files in the same run, through
 * <testdata>/bounce/tools/bench_sisimai4.pl. Each message is read from disk inside the timed
 * loop, as Sisimai does, into one reused buffer (openat on the directory, read, close: one
 * read per file). The time of the reads alone is measured too and printed beside it
 * (read_only_pass), so the share of I/O in a pass is visible. Ours is the best of PASSES
 * passes, then PASSES / 2 more after each of the peer's runs (a shared machine has busy
 * spells of seconds; both sides' fastest are so taken over the same minutes). Sisimai's
 * script reports a rate that includes perl compiling Sisimai's modules in its first pass, so
 * it runs with 1 pass and with SISIMAI_PASSES passes, SISIMAI_RUNS times each, and the
 * difference of the fastest of each gives its steady state (run_peer): the goal is judged on
 * that, like for like (both sides' fastest).
 * usage: bench-bounce [--no-peer] BOUNCE-DIR [PASSES]
 * --no-peer skips Sisimai (for valgrind --tool=callgrind: instruction counts of ours only).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <deliver/deliver.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read the file `name` of the directory dfd into *buf (grown as needed); its length, or -1. */
static long read_file(int dfd, const char *name, unsigned char **buf, size_t *cap)
{
    int fd = openat(dfd, name, O_RDONLY);
    if (fd < 0) {
        return -1;
    }
    size_t len = 0;
    ssize_t r;
    while ((r = read(fd, *buf + len, *cap - len)) > 0) {
        len += (size_t)r;
        if (len < *cap) {
            break; /* a regular file's read returns less than asked only at its end */
        }
        if (len == *cap) {
            *cap *= 2;
            *buf = realloc(*buf, *cap);
        }
    }
    close(fd);
    return (long)len;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define SISIMAI_PASSES 4
#define SISIMAI_RUNS 3

/* Run the peer's script over files[0..n) for `passes` passes; its seconds and rate. */
static int run_sisimai(const char *script, char **files, size_t n, int passes, double *secs,
                       double *rate)
{
    size_t cap = 64 + strlen(script);
    for (size_t i = 0; i < n; i++) {
        cap += strlen(files[i]) + 3;
    }
    char *cmd = malloc(cap);
    if (!cmd) {
        return -1;
    }
    size_t k = (size_t)snprintf(cmd, cap, "perl '%s' %d", script, passes);
    for (size_t i = 0; i < n; i++) {
        k += (size_t)snprintf(cmd + k, cap - k, " '%s'", files[i]);
    }
    FILE *pp = popen(cmd, "r");
    free(cmd);
    if (!pp) {
        return -1;
    }
    char line[512];
    *secs = 0;
    while (fgets(line, sizeof(line), pp)) {
        char *m = strstr(line, "seconds=");
        if (m) {
            *secs = atof(m + 8);
        }
        m = strstr(line, "msgs_per_sec=");
        if (m && rate) {
            *rate = atof(m + 13);
        }
        printf("sisimai:    %s", line);
    }
    pclose(pp);
    return *secs > 0 ? 0 : -1;
}

/* Our side: the handle, the files, and the fastest pass so far. */
typedef struct our_side {
    deliver_bounce *b;
    char **files;
    size_t n, dirlen;
    int dfd;
    unsigned char *buf;
    size_t bufcap;
    size_t msgs, recipients;
    int passes;
    double best;
    long maxrss; /* KiB, ours only (the peer runs in child processes) */
} our_side;

/* `passes` passes over every file: read it, classify it; the fastest pass is kept. */
static void run_ours(our_side *o, int passes)
{
    for (int p = 0; p < passes; p++) {
        double t0 = now();
        for (size_t i = 0; i < o->n; i++) {
            long len = read_file(o->dfd, o->files[i] + o->dirlen, &o->buf, &o->bufcap);
            if (len < 0) {
                continue;
            }
            deliver_bounce_parse(o->b, o->buf, (size_t)len);
            o->recipients += deliver_bounce_recipient_count(o->b);
            o->msgs++;
        }
        double dt = now() - t0;
        if (dt < o->best) {
            o->best = dt;
        }
        o->passes++;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    o->maxrss = ru.ru_maxrss;
}

/* Print our figures; our rate in messages a second. */
static double report_ours(const our_side *o, double best_read)
{
    double rate = (double)o->n / o->best;
    printf("libdeliver: files=%zu passes=%d messages=%zu results=%zu best_pass=%.4f s "
           "msgs_per_sec=%.0f peak_rss=%ld KiB (read_only_pass=%.4f s of it)\n",
           o->n, o->passes, o->msgs, o->recipients, o->best, rate, o->maxrss, best_read);
    return rate;
}

/*
 * Sisimai's steady state and its script's own rate: its script with one pass and with
 * SISIMAI_PASSES passes (its own figure includes perl compiling Sisimai's modules on first
 * use, so the difference of the two is its steady state, what our best pass is compared
 * with), SISIMAI_RUNS times each, the fastest of each kept (the same filter for a busy
 * machine as our best pass: one pair of runs gave steady states 17 % apart). After each pair
 * of runs, PASSES / 2 more of ours, so that both sides' fastest are taken over the same
 * minutes and a busy spell cannot fall on one side only. 0, or -1 when the script gave no
 * figures.
 */
static int run_peer(const char *script, our_side *o, int passes, double *steady,
                    double *theirs)
{
    double t1 = 0, tn = 0;
    for (int r = 0; r < SISIMAI_RUNS; r++) {
        double one = 0, more = 0, rate = 0;
        if (run_sisimai(script, o->files, o->n, 1, &one, NULL) < 0 ||
            run_sisimai(script, o->files, o->n, SISIMAI_PASSES, &more, &rate) < 0) {
            return -1;
        }
        if (r == 0 || one < t1) {
            t1 = one;
        }
        if (r == 0 || more < tn) {
            tn = more;
            *theirs = rate;
        }
        run_ours(o, passes / 2 > 0 ? passes / 2 : 1);
    }
    if (tn <= t1) {
        return -1;
    }
    *steady = (double)o->n * (SISIMAI_PASSES - 1) / (tn - t1);
    return 0;
}

int main(int argc, char **argv)
{
    int no_peer = 0;
    if (argc > 1 && strcmp(argv[1], "--no-peer") == 0) {
        no_peer = 1;
        argv++;
        argc--;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: %s [--no-peer] BOUNCE-DIR [PASSES]\n", argv[0]);
        return 1;
    }
    const char *dir = argv[1];
    int passes = argc > 2 ? atoi(argv[2]) : 20;
    char path[4096];
    snprintf(path, sizeof(path), "%s/emails", dir);
    DIR *d = opendir(path);
    if (!d) {
        printf("skipped: no testdata (%s)\n", path);
        return 77;
    }
    char **files = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            files = realloc(files, cap * sizeof(*files));
        }
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        files[n] = malloc(l);
        snprintf(files[n], l, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    qsort(files, n, sizeof(*files), cmp);

    deliver_ctx *ctx = NULL;
    deliver_bounce *b = NULL;
    if (deliver_ctx_new(&ctx) < 0 || deliver_bounce_new(&b, ctx) < 0) {
        return 1;
    }
    /* files are opened relative to the directory (openat), so each open walks one name */
    our_side o = {.b = b, .files = files, .n = n, .dirlen = strlen(path) + 1, .best = 1e30};
    o.dfd = open(path, O_RDONLY | O_DIRECTORY);
    o.bufcap = 1 << 20;
    o.buf = malloc(o.bufcap);
    if (o.dfd < 0 || !o.buf) {
        return 1;
    }
    double best_read = 1e30;
    for (int p = 0; p < passes; p++) {
        /* the reads alone, to show what part of a pass is I/O */
        double t0 = now();
        for (size_t i = 0; i < n; i++) {
            read_file(o.dfd, files[i] + o.dirlen, &o.buf, &o.bufcap);
        }
        double dt = now() - t0;
        if (dt < best_read) {
            best_read = dt;
        }
    }
    run_ours(&o, passes);
    /* the peer: Debian's Sisimai 4.25.15 in perl, same files, in one process */
    snprintf(path, sizeof(path), "%s/tools/bench_sisimai4.pl", dir);
    struct stat st;
    int peer = 0; /* 0 not asked for, 1 measured, -1 not installed, -2 no figures */
    double steady = 0, theirs = 0;
    if (!no_peer) {
        if (stat(path, &st) < 0 || system("perl -MSisimai -e 1 2>/dev/null") != 0) {
            peer = -1;
        } else {
            peer = run_peer(path, &o, passes, &steady, &theirs) < 0 ? -2 : 1;
        }
    }
    const double rate_ours = report_ours(&o, best_read);
    deliver_bounce_free(b);
    deliver_ctx_free(ctx);
    free(o.buf);
    close(o.dfd);
    for (size_t i = 0; i < n; i++) {
        free(files[i]);
    }
    free(files);
    if (peer == -1) {
        printf("sisimai: not available (needs perl with libsisimai-perl and %s)\n", path);
    } else if (peer == -2) {
        printf("sisimai: the script gave no figures\n");
        return 1;
    } else if (peer == 1) {
        struct rusage rc;
        getrusage(RUSAGE_CHILDREN, &rc);
        printf("sisimai peak_rss=%ld KiB\n", rc.ru_maxrss);
        printf("sisimai steady state: %.0f msgs_per_sec (passes 2..%d; fastest of %d runs "
               "each)\n",
               steady, SISIMAI_PASSES, SISIMAI_RUNS);
        printf("speed-up: %.1fx Sisimai's steady state, %.1fx the script's %d-pass figure; "
               "goal >= 50x (like for like: best pass against steady state): %s; peak memory "
               "%s 10 MB\n",
               rate_ours / steady, rate_ours / theirs, SISIMAI_PASSES,
               rate_ours / steady >= 50 ? "met" : "not met",
               o.maxrss < 10 * 1024 ? "under" : "OVER");
    }
    return 0;
}

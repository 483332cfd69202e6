/*
 * Benchmark: bounce classification over the whole labelled corpus (<testdata>/bounce/emails),
 * messages per second on one thread, and peak memory (getrusage ru_maxrss); then the peer,
 * Debian's Sisimai (perl, libsisimai-perl), on the same files in the same run, through
 * <testdata>/bounce/tools/bench_sisimai4.pl. Each message is read from disk inside the timed
 * loop, as Sisimai does, into one reused buffer.
 * usage: bench-bounce BOUNCE-DIR [PASSES]
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <deliver/deliver.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s BOUNCE-DIR [PASSES]\n", argv[0]);
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
    size_t bufcap = 1 << 20;
    unsigned char *buf = malloc(bufcap);
    size_t msgs = 0, recipients = 0;
    double best = 1e30;
    for (int p = 0; p < passes; p++) {
        double t0 = now();
        for (size_t i = 0; i < n; i++) {
            FILE *f = fopen(files[i], "rb");
            if (!f) {
                continue;
            }
            size_t len = 0, r;
            while ((r = fread(buf + len, 1, bufcap - len, f)) > 0) {
                len += r;
                if (len == bufcap) {
                    bufcap *= 2;
                    buf = realloc(buf, bufcap);
                }
            }
            fclose(f);
            deliver_bounce_parse(b, buf, len);
            recipients += deliver_bounce_recipient_count(b);
            msgs++;
        }
        double dt = now() - t0;
        if (dt < best) {
            best = dt;
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double ours = (double)n / best;
    printf("libdeliver: files=%zu passes=%d messages=%zu results=%zu best_pass=%.4f s "
           "msgs_per_sec=%.0f peak_rss=%ld KiB\n",
           n, passes, msgs, recipients, best, ours, ru.ru_maxrss);
    deliver_bounce_free(b);
    deliver_ctx_free(ctx);
    free(buf);

    /* the peer: Debian's Sisimai 4.25.15 in perl, same files, 3 passes in one process */
    snprintf(path, sizeof(path), "%s/tools/bench_sisimai4.pl", dir);
    struct stat st;
    if (stat(path, &st) < 0 || system("perl -MSisimai -e 1 2>/dev/null") != 0) {
        printf("sisimai: not available (needs perl with libsisimai-perl and %s)\n", path);
        return 0;
    }
    size_t cmdcap = 64 + strlen(path);
    for (size_t i = 0; i < n; i++) {
        cmdcap += strlen(files[i]) + 3;
    }
    char *cmd = malloc(cmdcap);
    size_t k = (size_t)snprintf(cmd, cmdcap, "perl '%s' 3", path);
    for (size_t i = 0; i < n; i++) {
        k += (size_t)snprintf(cmd + k, cmdcap - k, " '%s'", files[i]);
    }
    FILE *pp = popen(cmd, "r");
    double theirs = 0;
    char line[512];
    while (pp && fgets(line, sizeof(line), pp)) {
        char *m = strstr(line, "msgs_per_sec=");
        if (m) {
            theirs = atof(m + 13);
        }
        printf("sisimai:    %s", line);
    }
    if (pp) {
        pclose(pp);
    }
    struct rusage rc;
    getrusage(RUSAGE_CHILDREN, &rc);
    printf("sisimai peak_rss=%ld KiB\n", rc.ru_maxrss);
    if (theirs > 0) {
        printf("speed-up: %.1fx Sisimai (goal >= 50x); peak memory %s 10 MB\n", ours / theirs,
               ru.ru_maxrss < 10 * 1024 ? "under" : "OVER");
    }
    free(cmd);
    for (size_t i = 0; i < n; i++) {
        free(files[i]);
    }
    free(files);
    return 0;
}

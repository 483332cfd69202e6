/*
 * libopendkim (Debian libopendkim-dev) as a peer for bench-dkim.c, compiled in only when meson
 * finds it. The key record is answered from memory through dkim_set_key_lookup(), libopendkim's
 * own hook for a key source (its stub resolver cannot be pointed at a server on another port
 * than 53, and the DKIM_QUERY_FILE method would read a file for every verification): the same
 * footing as libdeliver's cached keys, except that libopendkim decodes the key record on every
 * verification, which is how it works with any key source. Every verification's result is
 * checked: dkim_eom() must return DKIM_STAT_OK and the one signature must pass
 * (DKIM_SIG_CHECK: signature verified and body hash matched).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <opendkim/dkim.h>

#include "bench_dkim_opendkim.h"

static const char *cur_record; /* the record the lookup hook answers with */

static DKIM_CBSTAT key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
    (void)dkim;
    (void)sig;
    size_t n = strlen(cur_record);
    if (n + 1 > buflen) {
        return DKIM_STAT_NOKEY;
    }
    memcpy(buf, cur_record, n + 1);
    return DKIM_STAT_OK;
}

static DKIM_LIB *lib;

int bench_opendkim_init(char *why, size_t whysz)
{
    lib = dkim_init(NULL, NULL);
    if (!lib) {
        snprintf(why, whysz, "dkim_init failed");
        return -1;
    }
    if (dkim_set_key_lookup(lib, key_lookup) != DKIM_STAT_OK) {
        snprintf(why, whysz, "dkim_set_key_lookup failed");
        return -1;
    }
    return 0;
}

void bench_opendkim_done(void)
{
    if (lib) {
        dkim_close(lib);
        lib = NULL;
    }
}

/* one verification: 1 pass, 0 anything else */
static int verify_once(const char *msg, size_t len)
{
    DKIM_STAT st;
    DKIM *d = dkim_verify(lib, (const unsigned char *)"bench", NULL, &st);
    if (!d) {
        return 0;
    }
    int ok = dkim_chunk(d, (unsigned char *)msg, len) == DKIM_STAT_OK &&
             dkim_chunk(d, NULL, 0) == DKIM_STAT_OK && dkim_eom(d, NULL) == DKIM_STAT_OK;
    DKIM_SIGINFO **sigs = NULL;
    int n = 0;
    if (ok && (dkim_getsiglist(d, &sigs, &n) != DKIM_STAT_OK || n != 1 ||
               !DKIM_SIG_CHECK(sigs[0]))) {
        ok = 0;
    }
    dkim_free(d);
    return ok;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_opendkim_run(const char *msg, size_t len, const char *record, double secs,
                          int *bad)
{
    cur_record = record;
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 10; i++) {
            if (!verify_once(msg, len)) {
                (*bad)++;
            }
            n++;
        }
        t = now_s();
    } while (t - t0 < secs);
    return (double)n / (t - t0);
}

/*
 * libopendkim as a peer for the DKIM interop test (test_dkim_interop.py runs it):
 *   test-dkim-opendkim verify QUERYFILE MESSAGE       prints one line per signature:
 *                                                      "pass", or "fail <error text>"
 *   test-dkim-opendkim sign KEY.pem DOMAIN SELECTOR CANON ALG MESSAGE
 *                                                      prints the DKIM-Signature field
 * CANON is "relaxed/simple" style; ALG rsa-sha256 or ed25519-sha256. Keys come from
 * libopendkim's test "file query" method (NAME RECORD per line): libopendkim's stub resolver
 * cannot be pointed at a server on another port than 53.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 1 << 20;
    unsigned char *b = malloc(cap + 1);
    *len = b ? fread(b, 1, cap, f) : 0;
    fclose(f);
    if (b) {
        b[*len] = '\0';
    }
    return b;
}

static int canon_of(const char *s)
{
    return strcmp(s, "relaxed") == 0 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
}

int main(int argc, char **argv)
{
    DKIM_STAT st;
    DKIM_LIB *lib = dkim_init(NULL, NULL);
    if (!lib) {
        return 2;
    }
    if (argc == 4 && strcmp(argv[1], "verify") == 0) {
        dkim_query_t q = DKIM_QUERY_FILE;
        dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &q, sizeof(q));
        dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, argv[2], strlen(argv[2]));
        size_t len = 0;
        unsigned char *m = slurp(argv[3], &len);
        DKIM *d = m ? dkim_verify(lib, (const unsigned char *)"interop", NULL, &st) : NULL;
        if (!d) {
            return 2;
        }
        dkim_chunk(d, m, len);
        dkim_chunk(d, NULL, 0);
        dkim_eom(d, NULL);
        DKIM_SIGINFO **sigs = NULL;
        int n = 0;
        if (dkim_getsiglist(d, &sigs, &n) == DKIM_STAT_OK) {
            for (int i = 0; i < n; i++) {
                if (DKIM_SIG_CHECK(sigs[i])) {
                    printf("pass\n");
                } else {
                    printf("fail %s\n", dkim_sig_geterrorstr(dkim_sig_geterror(sigs[i])));
                }
            }
        }
        dkim_free(d);
        free(m);
    } else if (argc == 8 && strcmp(argv[1], "sign") == 0) {
        size_t klen = 0, len = 0;
        unsigned char *key = slurp(argv[2], &klen);
        unsigned char *m = slurp(argv[7], &len);
        char hc[16] = "", bc[16] = "";
        sscanf(argv[5], "%15[a-z]/%15[a-z]", hc, bc);
        dkim_alg_t alg = strcmp(argv[6], "ed25519-sha256") == 0 ? DKIM_SIGN_ED25519SHA256
                                                               : DKIM_SIGN_RSASHA256;
        DKIM *d = key && m ? dkim_sign(lib, (const unsigned char *)"interop", NULL, key,
                                       (const unsigned char *)argv[4],
                                       (const unsigned char *)argv[3], canon_of(hc),
                                       canon_of(bc), alg, -1, &st)
                           : NULL;
        if (!d) {
            fprintf(stderr, "dkim_sign: %d\n", (int)st);
            return 2;
        }
        dkim_chunk(d, m, len);
        dkim_chunk(d, NULL, 0);
        if (dkim_eom(d, NULL) != DKIM_STAT_OK) {
            fprintf(stderr, "dkim_eom failed\n");
            return 2;
        }
        unsigned char *h = NULL;
        size_t hl = 0;
        if (dkim_getsighdr_d(d, strlen(DKIM_SIGNHEADER) + 2, &h, &hl) != DKIM_STAT_OK) {
            return 2;
        }
        printf("%s: %s\r\n", DKIM_SIGNHEADER, (const char *)h);
        dkim_free(d);
        free(key);
        free(m);
    } else {
        fprintf(stderr, "usage: test-dkim-opendkim verify QUERYFILE MSG | sign KEY DOMAIN "
                        "SELECTOR CANON ALG MSG\n");
        return 2;
    }
    dkim_close(lib);
    return 0;
}

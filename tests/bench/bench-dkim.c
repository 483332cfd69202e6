/*
 * Benchmark (issue 4): DKIM verifications per second on one thread for a 10 KB message,
 * rsa-2048 relaxed/relaxed and ed25519-sha256 relaxed/relaxed, keys from the context's DNS
 * cache (the zone resolver behind it, kept warm). Beside, in the same run:
 *   OpenSSL's own verify rate for the same key (one RSA PKCS#1 v1.5 verify of a SHA-256
 *   digest, or one Ed25519 verify of 32 octets): the ceiling;
 *   dkimpy (Debian python3-dkim + python3-nacl) verifying the same signed messages with the
 *   key record answered from memory (bench_dkim_dkimpy.py), when it imports.
 * Rounds interleave the programs; the median round is reported with every round's figure.
 * Every verification's result is checked (a wrong libdeliver result fails the run, exit 1);
 * speed is printed and compared with the goals (70 % of the OpenSSL ceiling for rsa-2048)
 * but never fails the run.
 *
 * usage: bench-dkim [--seconds S] [--rounds N] [--script bench_dkim_dkimpy.py] [--no-peers]
 *                   [--no-ceiling]
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <deliver/deliver.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#define MAX_ROUNDS 21

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    double tmp[MAX_ROUNDS];
    memcpy(tmp, v, (size_t)n * sizeof(*v));
    qsort(tmp, (size_t)n, sizeof(*tmp), cmp_d);
    return tmp[n / 2];
}

typedef struct kcase {
    const char *name;
    int ed;
    EVP_PKEY *key;
    char pem[4096];
    char record[1200];
    char *msg; /* signed message */
    size_t len;
    uint8_t digest[32];
    uint8_t sig[512];
    size_t siglen;
    char msgpath[256];
} kcase;

static char *make_body(size_t *len)
{
    /* a 10 KB text message with the white space relaxed canonicalization works on */
    static const char hdr[] =
        "From: Alice <alice@bench.test>\r\nTo: bob@example.org\r\nSubject: benchmark message\r\n"
        "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench@bench.test>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
    static const char line[] =
        "Lorem ipsum dolor sit amet,  consectetur adipiscing elit, sed do eiusmod tempor.\r\n";
    size_t n = sizeof(hdr) - 1, cap = 11000;
    char *m = malloc(cap);
    memcpy(m, hdr, n);
    while (n + sizeof(line) < 10240) {
        memcpy(m + n, line, sizeof(line) - 1);
        n += sizeof(line) - 1;
    }
    *len = n;
    return m;
}

static int setup(kcase *k, deliver_ctx *ctx, const char *dir)
{
    k->key = k->ed ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
                   : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!k->key) {
        return -1;
    }
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k->key, NULL, NULL, 0, NULL, NULL);
    int n = BIO_read(b, k->pem, (int)sizeof(k->pem) - 1);
    k->pem[n > 0 ? n : 0] = '\0';
    BIO_free(b);
    uint8_t der[600];
    size_t dl = sizeof(der);
    if (k->ed) {
        EVP_PKEY_get_raw_public_key(k->key, der, &dl);
    } else {
        unsigned char *p = der;
        dl = (size_t)i2d_PUBKEY(k->key, &p);
    }
    char pub[1024];
    EVP_EncodeBlock((unsigned char *)pub, der, (int)dl);
    snprintf(k->record, sizeof(k->record), "v=DKIM1; k=%s; p=%s", k->ed ? "ed25519" : "rsa", pub);
    char zone[2048];
    size_t o = (size_t)snprintf(zone, sizeof(zone),
                                "$TTL 3600\n%s.bench.test. IN SOA ns.invalid. h.invalid. 1 3600 "
                                "600 86400 300\n%s._domainkey.%s.bench.test. IN TXT",
                                k->name, k->name, k->name);
    for (size_t i = 0; i < strlen(k->record); i += 250) {
        o += (size_t)snprintf(zone + o, sizeof(zone) - o, " \"%.250s\"", k->record + i);
    }
    snprintf(zone + o, sizeof(zone) - o, "\n");
    if (deliver_ctx_add_zone_text(ctx, zone, strlen(zone), NULL) != DELIVER_OK) {
        fprintf(stderr, "zone: %s\n", deliver_ctx_errmsg(ctx));
        return -1;
    }
    size_t blen = 0;
    char *body = make_body(&blen);
    deliver_dkim_sign *s = NULL;
    char dom[64];
    snprintf(dom, sizeof(dom), "%s.bench.test", k->name);
    if (deliver_dkim_sign_new(&s, ctx) != DELIVER_OK ||
        deliver_dkim_sign_set_key(s, (const uint8_t *)k->pem, strlen(k->pem)) != DELIVER_OK ||
        deliver_dkim_sign_set_domain(s, dom, k->name) != DELIVER_OK ||
        deliver_dkim_sign_message(s, (const uint8_t *)body, blen) != DELIVER_OK) {
        fprintf(stderr, "sign: %s\n", s ? deliver_dkim_sign_errmsg(s) : "?");
        return -1;
    }
    const char *f = deliver_dkim_sign_get_signature(s);
    k->len = strlen(f) + 2 + blen;
    k->msg = malloc(k->len + 1);
    snprintf(k->msg, k->len + 1, "%s\r\n%s", f, body);
    deliver_dkim_sign_free(s);
    free(body);
    /* the raw operation for the ceiling: a digest and its signature with the same key */
    EVP_Digest(k->msg, 1000, k->digest, NULL, EVP_sha256(), NULL);
    k->siglen = sizeof(k->sig);
    if (k->ed) {
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        EVP_DigestSignInit(m, NULL, NULL, NULL, k->key);
        EVP_DigestSign(m, k->sig, &k->siglen, k->digest, 32);
        EVP_MD_CTX_free(m);
    } else {
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k->key, NULL);
        EVP_PKEY_sign_init(pc);
        EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING);
        EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256());
        EVP_PKEY_sign(pc, k->sig, &k->siglen, k->digest, 32);
        EVP_PKEY_CTX_free(pc);
    }
    snprintf(k->msgpath, sizeof(k->msgpath), "%s/%s.eml", dir, k->name);
    FILE *fp = fopen(k->msgpath, "wb");
    if (!fp) {
        return -1;
    }
    fwrite(k->msg, 1, k->len, fp);
    fclose(fp);
    return 0;
}

static double run_deliver(kcase *k, deliver_dkim_verify *v, double secs, int *bad)
{
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 20; i++) {
            if (deliver_dkim_verify_message(v, (const uint8_t *)k->msg, k->len) != DELIVER_OK ||
                deliver_dkim_verify_get_result(v) != DELIVER_DKIM_PASS) {
                (*bad)++;
            }
            n++;
        }
        t = now_s();
    } while (t - t0 < secs);
    return (double)n / (t - t0);
}

static double run_openssl(kcase *k, double secs)
{
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 20; i++) {
            int ok;
            if (k->ed) {
                /* the same calls a verifier makes per signature */
                EVP_MD_CTX *m = EVP_MD_CTX_new();
                ok = EVP_DigestVerifyInit(m, NULL, NULL, NULL, k->key) == 1 &&
                     EVP_DigestVerify(m, k->sig, k->siglen, k->digest, 32) == 1;
                EVP_MD_CTX_free(m);
            } else {
                EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k->key, NULL);
                ok = EVP_PKEY_verify_init(pc) == 1 &&
                     EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
                     EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
                     EVP_PKEY_verify(pc, k->sig, k->siglen, k->digest, 32) == 1;
                EVP_PKEY_CTX_free(pc);
            }
            if (!ok) {
                return -1;
            }
            n++;
        }
        t = now_s();
    } while (t - t0 < secs);
    return (double)n / (t - t0);
}

/* dkimpy through the peer script: "<verifications per second>" or "SKIP reason" */
static double run_dkimpy(const char *script, kcase *k, double secs, char *why, size_t whysz)
{
    static const char *pythons[] = {"/usr/bin/python3", "python3"};
    for (size_t p = 0; p < 2; p++) {
        char cmd[2048];
        char dom[64];
        snprintf(dom, sizeof(dom), "%s._domainkey.%s.bench.test", k->name, k->name);
        snprintf(cmd, sizeof(cmd), "%s '%s' '%s' '%s' '%s' %.2f 2>&1", pythons[p], script,
                 k->msgpath, dom, k->record, secs);
        FILE *f = popen(cmd, "r");
        if (!f) {
            continue;
        }
        char line[512] = "";
        if (!fgets(line, sizeof(line), f)) {
            line[0] = '\0';
        }
        pclose(f);
        if (strncmp(line, "OK ", 3) == 0) {
            return atof(line + 3);
        }
        snprintf(why, whysz, "%s", line[0] ? line : "no output");
        why[strcspn(why, "\n")] = '\0';
    }
    return -1;
}

int main(int argc, char **argv)
{
    double secs = 0.5;
    int rounds = 5, peers = 1, ceiling = 1;
    const char *script = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            secs = atof(argv[++i]);
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--script") == 0 && i + 1 < argc) {
            script = argv[++i];
        } else if (strcmp(argv[i], "--no-peers") == 0) {
            peers = 0;
        } else if (strcmp(argv[i], "--no-ceiling") == 0) {
            ceiling = 0; /* libdeliver alone, e.g. under perf */
        } else if (strcmp(argv[i], "--python") == 0 && i + 1 < argc) {
            i++; /* accepted for symmetry with bench-spf; /usr/bin/python3 is tried first */
        } else {
            fprintf(stderr, "usage: bench-dkim [--seconds S] [--rounds N] [--script PY] "
                            "[--no-peers]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > MAX_ROUNDS || secs <= 0) {
        return 2;
    }
    char dir[] = "/tmp/bench-dkim-XXXXXX";
    if (!mkdtemp(dir)) {
        return 2;
    }
    deliver_ctx *ctx = NULL;
    deliver_ctx_new(&ctx);
    kcase cases[2] = {{.name = "rsa2048", .ed = 0}, {.name = "ed25519", .ed = 1}};
    int bad = 0;
    for (int c = 0; c < 2; c++) {
        if (setup(&cases[c], ctx, dir) < 0) {
            fprintf(stderr, "bench-dkim: setup of %s failed\n", cases[c].name);
            return 1;
        }
    }
    deliver_dkim_verify *v = NULL;
    deliver_dkim_verify_new(&v, ctx);
    printf("DKIM verifications per second, one thread, %zu-octet message, relaxed/relaxed, "
           "keys from the DNS cache; median of %d rounds of %.2f s\n",
           cases[0].len, rounds, secs);
    for (int c = 0; c < 2; c++) {
        kcase *k = &cases[c];
        double rd[MAX_ROUNDS], ro[MAX_ROUNDS], rp[MAX_ROUNDS];
        int np = 0;
        char why[512] = "";
        for (int r = 0; r < rounds; r++) {
            rd[r] = run_deliver(k, v, secs, &bad);
            ro[r] = ceiling ? run_openssl(k, secs) : 1;
            if (peers && script) {
                double x = run_dkimpy(script, k, secs, why, sizeof(why));
                if (x > 0) {
                    rp[np++] = x;
                }
            }
        }
        double d = median(rd, rounds), o = median(ro, rounds);
        printf("%-8s libdeliver %9.0f/s  OpenSSL ceiling %9.0f/s  (%.0f %% of the ceiling",
               k->name, d, o, 100.0 * d / o);
        if (!k->ed) {
            printf("; goal 70 %%: %s", d >= 0.7 * o ? "met" : "not met");
        }
        printf(")\n");
        if (np) {
            double p = median(rp, np);
            printf("%-8s dkimpy     %9.0f/s  (libdeliver is %.1f times dkimpy)\n", k->name, p,
                   d / p);
        } else {
            printf("%-8s dkimpy     skipped: %s\n", k->name,
                   !peers || !script ? "--no-peers or no --script" : why);
        }
        printf("%-8s rounds libdeliver:", k->name);
        for (int r = 0; r < rounds; r++) {
            printf(" %.0f", rd[r]);
        }
        printf("\n");
    }
    printf("libopendkim: not run by this benchmark yet\n");
    for (int c = 0; c < 2; c++) {
        unlink(cases[c].msgpath);
        free(cases[c].msg);
        EVP_PKEY_free(cases[c].key);
    }
    rmdir(dir);
    deliver_dkim_verify_free(v);
    deliver_ctx_free(ctx);
    if (bad) {
        fprintf(stderr, "bench-dkim: %d verifications did not pass\n", bad);
        return 1;
    }
    return 0;
}

/*
 * The bounce classifier against the labelled corpus in <testdata>/bounce (expected.jsonl):
 * recipients found, reason agreement and hard/soft agreement, with every disagreement.
 * Every file is also parsed from LF, CRLF and CR-only copies of itself, so line ends never
 * crash the parser (the figures use the files as they are).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <deliver/deliver.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/*
 * Thresholds: the goals, asserted as they stand (all three are met): 99 % recipients
 * found, 95 % reason agreement, 97 % hard/soft agreement. Never lower them; a rule that only
 * serves a label listed below as wrong does not belong in the tables.
 */
#define GOAL_FOUND 99.0
#define GOAL_REASON 95.0
#define GOAL_HARD 97.0

/*
 * Labels we believe wrong or inconsistent (the rules were NOT bent to them; they count as
 * disagreements above):
 * - arf-11, arf-12, arf-15: recipient "undisclosed-recipient-in-headers@libsisimai.org.invalid"
 *   is a placeholder Sisimai makes up when a report names no recipient, not an address of the
 *   message; we report "" (arf-12: the address of the returned message's To:).
 * - lhost-sendmail-13 (systemerror) and lhost-sendmail-18, -55, err-make-test-35 (mailererror)
 *   are all "Diagnostic-Code: X-Unix; <exit code>" from a local delivery program; we say
 *   mailererror for every X-Unix diagnostic (the disagreement on sendmail-13 is kept).
 * - lhost-postfix-74 (rejected) and lhost-opensmtpd-13, lhost-qmail-19 (badreputation) carry
 *   the same Yahoo "[TSS04] ... temporarily deferred due to unexpected volume or user
 *   complaints" reply.
 * - lhost-messagingserver-08 ("550 : User unknown", filtered) and -09 ("550 <addr>: User
 *   unknown", userunknown), both 5.0.0 with no SMTP command: no rule tells them apart.
 * - lhost-dragonfly-*: the labels carry no recipient address.
 * - lhost-mimecast-01, lhost-mimecast-02: labelled "not a bounce" (Sisimai 4.25.15 found
 *   nothing) although both are DSNs that name a failed recipient.
 * - crlf-lhost-x5-01, cr-lhost-x5-01: labelled "not a bounce" while their LF twin lhost-x5-01
 *   is labelled userunknown; the content is the same.
 * - lhost-postfix-80: userunknown (hard) for "550 5.1.0 MailFrom domain is listed in Spamhaus":
 *   the sender's domain is on a block list (blocked/rejected), the mailbox is not unknown.
 * - lhost-powermta-01, lhost-powermta-03: "550 5.2.1 <a@b>... User Unknown" labelled suspend,
 *   while the same reply is userunknown in lhost-postfix-02, lhost-yandex-02.
 * - rfc3464-42, rfc3464-66: Gmail's "The email account that you tried to reach does not exist"
 *   labelled filtered; the same text is userunknown in rfc3464-63 and the rhost-google files.
 * - lhost-ezweb-02: "550 user unknown (in reply to RCPT TO command)" labelled suspend.
 * - lhost-exim-46: "Missing reverse DNS" labelled blocked, where the taxonomy has requireptr.
 * - lhost-apachejames-01 (filtered) and lhost-verizon-02 (userunknown): the same ApacheJames
 *   "Error message below: 550 - Requested action not taken: no such user here" text; only
 *   the sending host (Verizon's vtext.com) tells them apart, so the rule follows the host.
 * - lhost-domino-03: labelled kijitora@neko.example.com, but the DSN's Final-Recipient and the
 *   returned message's To: say kijitora@neko.example.org.
 * - lhost-qmail-07 (networkerror) and lhost-x2-06 (expired) carry the same text ("wasn't able
 *   to establish an SMTP connection ... in the queue too long"); kept apart by family rules.
 * - lhost-office365-04: labelled otsu-sakaba-hunter-nyaaaaaaan@ezweb.ne.jp, an address found
 *   only in a mailto: link of the HTML part; Final-Recipient, the text and the returned To:
 *   all say otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp.
 * - rfc3464-01 (and its crlf-/cr- twins): mailboxfull for "Status: 5.1.1" and "550 5.1.1
 *   <userunknown@bouncehammer.jp>... User Unknown"; only a human-readable line about another
 *   recipient ("<nekochan> ... Not enough disk space") speaks of space.
 * - lhost-dragonfly-18: securityerror for "550 5.7.0 ... Recipient address rejected: Policy
 *   violation" (the recipient's local part is literally "policyviolation").
 * - lhost-sendmail-21 (blocked) and lhost-sendmail-54 (expired): both Sendmail queue
 *   timeouts (4.4.7, "Deferred: Connection refused by <host>", "could not be delivered for
 *   N days"); only the host differs.
 * - err-make-test-36 (filtered, from Sisimai 4.25.15) against rhost-nttdocomo-02, -03
 *   (rejected, from the 5.2 tests): the same NTT DOCOMO "550 Unknown user" after DATA.
 * - lhost-ezweb-02 and err-make-test-06: "550 user unknown" labelled suspend; au's rule set
 *   makes "550 <addr>: User unknown" userunknown elsewhere (lhost-messagingserver-09, -yahoo-07).
 * - rfc3464-36 ("Returned mail: Cannot send message for 5 days", a DSN with Action: failed)
 *   and lhost-x5-01's twins are labelled "not a bounce".
 * - lhost-gmail-05 (securityerror) and lhost-gmail-04 (blocked): both Gmail relay reports
 *   "(state 13)" with 5.7.1; only the remote text ("Access denied" / a block list) differs.
 */

typedef struct label {
    char file[128];
    char recipient[256];
    char reason[32];
    int has_recipient, has_reason, hard;
    char agent[48];
    char source[64];
} label;

/* The string value of "key" in a JSON line (simple: escapes of \" and \\ only). */
static int jstr(const char *line, const char *key, char *out, size_t cap, int *is_null)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\": ", key);
    const char *p = strstr(line, pat);
    *is_null = 0;
    out[0] = '\0';
    if (!p) {
        return 0;
    }
    p += strlen(pat);
    if (strncmp(p, "null", 4) == 0) {
        *is_null = 1;
        return 1;
    }
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
        snprintf(out, cap, "%s", p[0] == 't' ? "true" : "false");
        return 1;
    }
    if (*p != '"') {
        return 0;
    }
    p++;
    size_t k = 0;
    while (*p && *p != '"') {
        if (*p == '\\' && p[1]) {
            p++;
        }
        if (k + 1 < cap) {
            out[k++] = *p;
        }
        p++;
    }
    out[k] = '\0';
    return 1;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 65536, n = 0;
    unsigned char *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            unsigned char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

/* Rewrite every line end as `eol` (1 LF, 2 CRLF, 3 CR). */
static unsigned char *relined(const unsigned char *s, size_t n, int eol, size_t *out)
{
    unsigned char *o = malloc(2 * n + 1);
    size_t k = 0;
    if (!o) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n') {
            if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
                i++;
            }
            if (eol == 2 || eol == 3) {
                o[k++] = '\r';
            }
            if (eol == 1 || eol == 2) {
                o[k++] = '\n';
            }
            continue;
        }
        o[k++] = s[i];
    }
    *out = k;
    return o;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s BOUNCE-DIR\n", argv[0]);
        return 1;
    }
    const char *dir = argv[1];
    char path[4096];
    snprintf(path, sizeof(path), "%s/expected.jsonl", dir);
    struct stat stt;
    if (stat(dir, &stt) < 0 || stat(path, &stt) < 0) {
        printf("skipped: no testdata (%s)\n", dir);
        return 77;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("skipped: no testdata\n");
        return 77;
    }
    label *labels = NULL;
    size_t nl = 0, capl = 0;
    static char line[1 << 16];
    while (fgets(line, sizeof(line), f)) {
        if (nl == capl) {
            capl = capl ? capl * 2 : 1024;
            labels = realloc(labels, capl * sizeof(*labels));
            if (!labels) {
                return 1;
            }
        }
        label *l = &labels[nl];
        memset(l, 0, sizeof(*l));
        int isnull;
        char tmp[16];
        jstr(line, "file", l->file, sizeof(l->file), &isnull);
        jstr(line, "recipient", l->recipient, sizeof(l->recipient), &isnull);
        l->has_recipient = !isnull && l->recipient[0];
        jstr(line, "reason", l->reason, sizeof(l->reason), &isnull);
        l->has_reason = !isnull;
        jstr(line, "hardbounce", tmp, sizeof(tmp), &isnull);
        l->hard = strcmp(tmp, "true") == 0;
        jstr(line, "smtpagent", l->agent, sizeof(l->agent), &isnull);
        jstr(line, "label_source", l->source, sizeof(l->source), &isnull);
        nl++;
    }
    fclose(f);

    deliver_ctx *ctx = NULL;
    deliver_bounce *b = NULL;
    if (deliver_ctx_new(&ctx) < 0 || deliver_bounce_new(&b, ctx) < 0) {
        fprintf(stderr, "cannot create a classifier\n");
        return 1;
    }
    size_t n_rcpt = 0, found = 0, n_reason = 0, reason_ok = 0, n_hard = 0, hard_ok = 0;
    size_t files = 0, failures = 0;
    for (size_t i = 0; i < nl;) {
        size_t j = i;
        while (j < nl && strcmp(labels[j].file, labels[i].file) == 0) {
            j++;
        }
        snprintf(path, sizeof(path), "%s/emails/%s", dir, labels[i].file);
        size_t len = 0;
        unsigned char *buf = slurp(path, &len);
        if (!buf) {
            fprintf(stderr, "cannot read %s\n", path);
            failures++;
            i = j;
            continue;
        }
        files++;
        /* line-end variants must not crash or fail */
        for (int eol = 1; eol <= 3; eol++) {
            size_t vl;
            unsigned char *v = relined(buf, len, eol, &vl);
            if (v && deliver_bounce_parse(b, v, vl) < 0) {
                printf("FAIL %s (line ends %d): %s\n", labels[i].file, eol,
                       deliver_bounce_errmsg(b));
                failures++;
            }
            free(v);
        }
        if (deliver_bounce_parse(b, buf, len) < 0) {
            printf("FAIL %s: %s\n", labels[i].file, deliver_bounce_errmsg(b));
            failures++;
        }
        free(buf);
        size_t nr = deliver_bounce_recipient_count(b);
        char used[1024] = {0};
        for (size_t k = i; k < j; k++) {
            label *l = &labels[k];
            if (!l->has_reason) {
                n_reason++;
                if (nr == 0) {
                    reason_ok++;
                } else {
                    printf("DIFF %-40s expected not a bounce, got %zu recipient(s): %s %s (%s)\n",
                           l->file, nr, deliver_bounce_get_recipient(b, 0),
                           deliver_bounce_get_reason(b, 0), deliver_bounce_get_mta(b));
                }
                continue;
            }
            n_reason++;
            n_hard++;
            if (l->has_recipient) {
                n_rcpt++;
            }
            size_t m = nr;
            for (size_t q = 0; q < nr && q < sizeof(used); q++) {
                if (!used[q] && (!l->has_recipient ||
                                 strcasecmp(deliver_bounce_get_recipient(b, q), l->recipient) == 0)) {
                    m = q;
                    break;
                }
            }
            if (m == nr) {
                printf("MISS %-40s %s (%s, %s)  got %zu:", l->file, l->recipient, l->reason,
                       l->agent, nr);
                for (size_t q = 0; q < nr; q++) {
                    printf(" %s/%s", deliver_bounce_get_recipient(b, q),
                           deliver_bounce_get_reason(b, q));
                }
                printf("\n");
                continue;
            }
            used[m] = 1;
            if (l->has_recipient) {
                found++;
            }
            const char *got = deliver_bounce_get_reason(b, m);
            int hard = deliver_bounce_is_hard(b, m);
            if (strcmp(got, l->reason) == 0) {
                reason_ok++;
                if (getenv("BOUNCE_VERBOSE")) {
                    printf("OK   %-40s %s %s [%s] %s status=%s cmd=%s diag=%.160s\n", l->file,
                           l->recipient, got, deliver_bounce_get_decided_by(b, m),
                           deliver_bounce_get_mta(b), deliver_bounce_get_status(b, m),
                           deliver_bounce_get_command(b, m), deliver_bounce_get_diagnostic(b, m));
                }
            } else {
                const char *d = deliver_bounce_get_diagnostic(b, m);
                printf("DIFF %-40s %s expected %s got %s [%s] %s status=%s cmd=%s diag=%.160s\n",
                       l->file, l->recipient, l->reason, got, deliver_bounce_get_decided_by(b, m),
                       deliver_bounce_get_mta(b), deliver_bounce_get_status(b, m),
                       deliver_bounce_get_command(b, m), d);
            }
            if (hard == l->hard) {
                hard_ok++;
            } else {
                printf("HARD %-40s %s expected %s got %s (reason %s, got %s)\n", l->file,
                       l->recipient, l->hard ? "hard" : "soft", hard ? "hard" : "soft", l->reason,
                       got);
            }
        }
        i = j;
    }
    double pf = n_rcpt ? 100.0 * (double)found / (double)n_rcpt : 0;
    double pr = n_reason ? 100.0 * (double)reason_ok / (double)n_reason : 0;
    double ph = n_hard ? 100.0 * (double)hard_ok / (double)n_hard : 0;
    printf("\nfiles %zu, labels %zu\n", files, nl);
    printf("recipients found:     %zu / %zu = %.2f %% (goal %.0f %%, asserted)\n", found, n_rcpt, pf,
           GOAL_FOUND);
    printf("reason agreement:     %zu / %zu = %.2f %% (goal %.0f %%, asserted)\n", reason_ok, n_reason,
           pr, GOAL_REASON);
    printf("hard/soft agreement:  %zu / %zu = %.2f %% (goal %.0f %%, asserted)\n", hard_ok, n_hard,
           ph, GOAL_HARD);
    deliver_bounce_free(b);
    deliver_ctx_free(ctx);
    free(labels);
    int ok = failures == 0 && pf >= GOAL_FOUND && pr >= GOAL_REASON && ph >= GOAL_HARD;
    printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}

/*
 * Unit tests of the bounce classifier through the public API: a DSN, a qmail text bounce,
 * an auto-reply, an ARF report, a non-bounce, the bare reply classifier, limits and misuse;
 * the phrase automaton's several-stream scan against its one-stream reference, an automaton
 * of some needles against the whole one, and its limits: too many states refused, many octet
 * classes still found; every allocation failing in turn.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "check.h"

#include <stdio.h>

#include <deliver/bounce.h>

#include "bounce/bounce_int.h"
#include "failalloc.h"

static deliver_status parse(deliver_bounce *b, const char *s)
{
    return deliver_bounce_parse(b, (const uint8_t *)s, strlen(s));
}

typedef struct ac_log {
    size_t n, stop_after;
    size_t v[2048];
} ac_log;

static int ac_hit(size_t needle, size_t end, void *ud)
{
    ac_log *l = ud;
    if (l->n + 2 <= sizeof(l->v) / sizeof(l->v[0])) {
        l->v[l->n] = needle;
        l->v[l->n + 1] = end;
    }
    l->n += 2;
    return l->stop_after && l->n / 2 == l->stop_after;
}

/* A text of up to `want` octets, at random (*seed): a needle of the tables for odds - 1 pieces
 * in odds, else one of glue[0..nglue). Its length. */
static size_t needle_text(char *text, size_t want, uint32_t *seed, unsigned odds,
                          const char *const *glue, size_t nglue)
{
    size_t n = 0;
    while (n < want) {
        *seed = *seed * 1103515245u + 12345u;
        const char *piece = (*seed >> 8) % odds
                                ? dlv_bounce_needles[(*seed >> 12) % dlv_bounce_needle_count].text
                                : glue[(*seed >> 12) % nglue];
        size_t k = strlen(piece);
        if (n + k > want) {
            break;
        }
        memcpy(text + n, piece, k);
        n += k;
    }
    return n;
}

/* Texts of needles, white space runs and other octets, 0 to 40 KB: the scan must report what
 * one stream does, hit for hit, with and without stopping early. */
static void test_ac_streams(deliver_ctx *ctx)
{
    dlv_ac ac;
    CHECK_INT(dlv_ac_build(&ac, ctx, dlv_bounce_needles, dlv_bounce_needle_count), DELIVER_OK);
    static const char *const glue[] = {" ", "   ", "\n", "\t \r\n", " <a@b.example> ", ";", "x",
                                       "\xc3\xa9", "{", "5.1.1 "};
    static char text[40000];
    static ac_log one, many;
    uint32_t seed = 12345;
    int runs = 0, hits = 0;
    for (int round = 0; round < 300; round++) {
        size_t n = needle_text(text, (size_t)(round * 131) % sizeof(text), &seed, 3, glue,
                               sizeof(glue) / sizeof(glue[0]));
        for (size_t stop = 0; stop < 40; stop += 13) {
            one.n = many.n = 0;
            one.stop_after = many.stop_after = stop;
            dlv_ac_run_one(&ac, text, n, ac_hit, &one);
            dlv_ac_run(&ac, text, n, ac_hit, &many);
            CHECK(one.n == many.n);
            size_t k = one.n < 2048 ? one.n : 2048;
            CHECK(memcmp(one.v, many.v, k * sizeof(size_t)) == 0);
            runs++;
            hits += one.n > 0;
        }
    }
    CHECK(runs == 1200 && hits > 1000); /* the texts do hold needles */
    dlv_ac_free(&ac);
}

/* Every allocation failing in turn: making the handle (its three automata), a parse and the
 * findings made on first read either succeed or say E_NOMEM, and nothing leaks. */
static void test_failalloc(void)
{
    const char *dsn =
        "From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail Returned to Sender\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
        "--b\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.org.\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        "Final-Recipient: rfc822; nobody@example.com\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>: User unknown\n\n--b--\n";
    int completed = 0;
    for (long at = 1; at < 5000 && !completed; at++) {
        failing f = {0, at, 0};
        deliver_ctx *ctx = NULL;
        if (deliver_ctx_new_with_allocator(&ctx, f_alloc, f_realloc, f_free, &f) != DELIVER_OK) {
            CHECK_INT(f.live, 0);
            continue;
        }
        deliver_bounce *b = NULL;
        deliver_status st = deliver_bounce_new(&b, ctx);
        if (st == DELIVER_OK) {
            st = parse(b, dsn);
        }
        size_t findings = st == DELIVER_OK ? deliver_bounce_finding_count(b) : 0;
        if (f.count < at) { /* no allocation failed */
            completed = 1;
            CHECK_INT(st, DELIVER_OK);
            CHECK_STR(deliver_bounce_get_reason(b, 0), "userunknown");
            CHECK_INT(findings, 1);
        } else if (st != DELIVER_OK) {
            CHECK_INT(st, DELIVER_E_NOMEM);
        }
        deliver_bounce_free(b);
        deliver_ctx_free(ctx);
        CHECK_INT(f.live, 0);
    }
    CHECK(completed);
}

static int keep_none(const dlv_needle *n)
{
    (void)n;
    return 0;
}

static int keep_family_end(const dlv_needle *n)
{
    return n->kind == N_FAMILY || n->kind == N_END;
}

/* An automaton of some of the needles reports what the whole one does for those needles,
 * hit for hit and with their indexes in the whole table. */
static void test_ac_subset(deliver_ctx *ctx)
{
    dlv_ac all, some;
    CHECK_INT(dlv_ac_build(&all, ctx, dlv_bounce_needles, dlv_bounce_needle_count), DELIVER_OK);
    CHECK_INT(dlv_ac_build_if(&some, ctx, dlv_bounce_needles, dlv_bounce_needle_count,
                              keep_family_end),
              DELIVER_OK);
    CHECK(some.nstates < all.nstates);
    static char text[8000];
    static ac_log whole, part;
    static const char *const glue[] = {"\n x ", " "};
    uint32_t seed = 4242;
    size_t kept_hits = 0;
    for (int round = 0; round < 100; round++) {
        size_t n = needle_text(text, (size_t)(round * 79) % sizeof(text), &seed, 2, glue, 2);
        whole.n = part.n = 0;
        whole.stop_after = part.stop_after = 0;
        dlv_ac_run_one(&all, text, n, ac_hit, &whole);
        dlv_ac_run(&some, text, n, ac_hit, &part);
        /* the whole automaton's hits of kept needles, in their order */
        size_t k = 0, ok = 1, lim = whole.n < 2048 ? whole.n : 2048;
        for (size_t i = 0; i < lim; i += 2) {
            if (!keep_family_end(&dlv_bounce_needles[whole.v[i]])) {
                continue;
            }
            ok &= k + 1 < part.n && part.v[k] == whole.v[i] && part.v[k + 1] == whole.v[i + 1];
            k += 2;
        }
        CHECK(ok && k == part.n);
        kept_hits += k / 2;
    }
    CHECK(kept_hits > 100);
    dlv_ac_free(&some);
    /* no needle at all: the root alone, which reports nothing */
    CHECK_INT(dlv_ac_build_if(&some, ctx, dlv_bounce_needles, dlv_bounce_needle_count, keep_none),
              DELIVER_OK);
    part.n = 0;
    dlv_ac_run(&some, text, sizeof(text), ac_hit, &part);
    CHECK(part.n == 0);
    dlv_ac_free(&all);
    dlv_ac_free(&some);
}

/* Needles the built-in tables do not have: more states than a state word holds (refused,
 * nothing leaked), and needles over 160 distinct octets (ten row parts, where the tables
 * use four) found exactly where a plain search finds them. */
static void test_ac_limits(deliver_ctx *ctx)
{
    static char texts[1500][16];
    static dlv_needle nd[1500];
    for (size_t i = 0; i < 1500; i++) {
        /* a prefix of three letters no other needle has, then 12 more octets: at least
         * 1500 x 12 = 18,000 states, past DLV_AC_MAX_STATES */
        texts[i][0] = (char)('a' + i % 26);
        texts[i][1] = (char)('a' + i / 26 % 26);
        texts[i][2] = (char)('a' + i / 676);
        memset(texts[i] + 3, 'q', 12);
        texts[i][15] = '\0';
        nd[i] = (dlv_needle){.kind = N_REASON, .id = 1, .scope = 0, .text = texts[i]};
    }
    dlv_ac ac;
    CHECK_INT(dlv_ac_build(&ac, ctx, nd, 1500), DELIVER_E_LIMIT);

    /* 80 needles of two octets each from 0x60..0xff: every octet its own class */
    static char two[80][3];
    for (size_t i = 0; i < 80; i++) {
        two[i][0] = (char)(0x60 + 2 * i);
        two[i][1] = (char)(0x61 + 2 * i);
        two[i][2] = '\0';
        nd[i] = (dlv_needle){.kind = N_REASON, .id = 1, .scope = 0, .text = two[i]};
    }
    CHECK_INT(dlv_ac_build(&ac, ctx, nd, 80), DELIVER_OK);
    CHECK(ac.nclass > 160);
    static char text[4096];
    uint32_t seed = 777;
    /* needles and single octets of 0x60..0xff at random */
    for (size_t i = 0; i < sizeof(text); i++) {
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 8) % 3 == 0 && i + 2 <= sizeof(text)) {
            memcpy(text + i, two[(seed >> 12) % 80], 2);
            i++;
        } else {
            text[i] = (char)(0x60 + (seed >> 16) % 0xa0);
        }
    }
    static ac_log got, want;
    got.n = want.n = 0;
    got.stop_after = want.stop_after = 0;
    dlv_ac_run(&ac, text, sizeof(text), ac_hit, &got);
    /* the plain search: needle k ends at i + 2 where text[i..i+2) is it */
    for (size_t i = 0; i + 2 <= sizeof(text); i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x60 && (c - 0x60) % 2 == 0 && (unsigned char)text[i + 1] == c + 1) {
            ac_hit((c - 0x60u) / 2, i + 2, &want);
        }
    }
    CHECK(want.n > 1000); /* the text does hold needles */
    size_t kept = want.n < 2048 ? want.n : 2048;
    CHECK(got.n == want.n && memcmp(got.v, want.v, kept * sizeof(size_t)) == 0);
    dlv_ac_free(&ac);
}

int main(void)
{
    deliver_ctx *ctx = NULL;
    deliver_bounce *b = NULL;
    CHECK_INT(deliver_ctx_new(&ctx), DELIVER_OK);
    CHECK_INT(deliver_bounce_new(NULL, ctx), DELIVER_E_INVALID);
    CHECK_INT(deliver_bounce_new(&b, NULL), DELIVER_E_INVALID);
    CHECK(b == NULL);
    CHECK_INT(deliver_bounce_new(&b, ctx), DELIVER_OK);
    CHECK_INT(deliver_bounce_get_kind(b), DELIVER_BOUNCE_NONE);

    /* an RFC 3464 report */
    const char *dsn =
        "From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.example.org.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
        "Final-Recipient: rfc822; nobody@Example.COM\r\nOriginal-Recipient: rfc822;nobody@example.com\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.example.com\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>: Recipient address\r\n"
        "    rejected: User unknown in local recipient table\r\n\r\n"
        "Final-Recipient: rfc822; full@example.com\r\nAction: delayed\r\nStatus: 4.2.2\r\n"
        "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\r\n\r\n--b--\r\n";
    CHECK_INT(parse(b, dsn), DELIVER_OK);
    CHECK_INT(deliver_bounce_get_kind(b), DELIVER_BOUNCE_FAILURE);
    CHECK_INT(deliver_bounce_recipient_count(b), 2);
    CHECK_STR(deliver_bounce_get_recipient(b, 0), "nobody@example.com");
    CHECK_STR(deliver_bounce_get_reason(b, 0), "userunknown");
    CHECK_INT(deliver_bounce_is_hard(b, 0), 1);
    CHECK_STR(deliver_bounce_get_status(b, 0), "5.1.1");
    CHECK_INT(deliver_bounce_get_reply_code(b, 0), 550);
    CHECK_STR(deliver_bounce_get_remote_mta(b, 0), "mx.example.com");
    CHECK_STR(deliver_bounce_get_action(b, 0), "failed");
    CHECK_STR(deliver_bounce_get_mta(b), "Postfix");
    CHECK(strstr(deliver_bounce_get_diagnostic(b, 0), "rejected: User unknown") != NULL);
    CHECK_STR(deliver_bounce_get_reason(b, 1), "mailboxfull"); /* delayed, but the text says why */
    CHECK_STR(deliver_bounce_get_action(b, 1), "delayed");
    CHECK_INT(deliver_bounce_is_hard(b, 1), 0);
    CHECK_INT(deliver_bounce_finding_count(b), 2);
    CHECK_STR(deliver_finding_id(deliver_bounce_get_finding(b, 0)), "bounce.hard");
    CHECK_STR(deliver_finding_id(deliver_bounce_get_finding(b, 1)), "bounce.soft");
    CHECK(deliver_bounce_get_recipient(b, 2) == NULL);
    CHECK(deliver_bounce_get_reason(b, 2) == NULL);

    /* qmail, CR-only line ends */
    const char *qmail =
        "From: MAILER-DAEMON@example.org\rSubject: failure notice\r\r"
        "Hi. This is the qmail-send program at example.org.\r"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\r\r"
        "<user@example.net>:\r192.0.2.1 does not like recipient.\r"
        "Remote host said: 552 5.2.2 <user@example.net>... Mailbox full\r\r"
        "--- Below this line is a copy of the message.\r\rTo: user@example.net\r\rhi\r";
    CHECK_INT(parse(b, qmail), DELIVER_OK);
    CHECK_INT(deliver_bounce_recipient_count(b), 1);
    CHECK_STR(deliver_bounce_get_recipient(b, 0), "user@example.net");
    CHECK_STR(deliver_bounce_get_reason(b, 0), "mailboxfull");
    CHECK_STR(deliver_bounce_get_mta(b), "qmail");
    /* findings are made when first read: get before count, and of this parse only */
    CHECK_STR(deliver_finding_id(deliver_bounce_get_finding(b, 0)), "bounce.soft");
    CHECK(deliver_bounce_get_finding(b, 1) == NULL);
    CHECK_INT(deliver_bounce_finding_count(b), 1);

    /* auto-reply */
    CHECK_INT(parse(b, "From: Away <away@example.org>\nAuto-Submitted: auto-replied\n"
                       "Subject: Out of office\n\nBack on Monday.\n"),
              DELIVER_OK);
    CHECK_INT(deliver_bounce_get_kind(b), DELIVER_BOUNCE_VACATION);
    CHECK_STR(deliver_bounce_get_reason(b, 0), "vacation");
    CHECK_STR(deliver_bounce_get_recipient(b, 0), "away@example.org");

    /* feedback report */
    CHECK_INT(parse(b, "From: fbl@isp.example\nContent-Type: multipart/report; "
                       "report-type=feedback-report; boundary=q\n\n--q\nContent-Type: text/plain\n\n"
                       "abuse report\n--q\nContent-Type: message/feedback-report\n\n"
                       "Feedback-Type: abuse\nOriginal-Rcpt-To: <victim@isp.example>\n--q--\n"),
              DELIVER_OK);
    CHECK_INT(deliver_bounce_get_kind(b), DELIVER_BOUNCE_FEEDBACK);
    CHECK_STR(deliver_bounce_get_reason(b, 0), "feedback");
    CHECK_STR(deliver_bounce_get_feedback_type(b, 0), "abuse");
    CHECK_STR(deliver_bounce_get_recipient(b, 0), "victim@isp.example");
    CHECK_STR(deliver_finding_id(deliver_bounce_get_finding(b, 0)), "bounce.complaint");

    /* not a bounce, and tiny inputs */
    CHECK_INT(parse(b, "From: a@example.org\nSubject: hello\n\nlunch?\n"), DELIVER_OK);
    CHECK_INT(deliver_bounce_get_kind(b), DELIVER_BOUNCE_NONE);
    CHECK_INT(deliver_bounce_recipient_count(b), 0);
    CHECK_INT(deliver_bounce_finding_count(b), 0); /* the complaint's are gone */
    CHECK_INT(deliver_bounce_parse(b, NULL, 0), DELIVER_OK);
    CHECK_INT(deliver_bounce_parse(b, (const uint8_t *)"\r", 1), DELIVER_OK);
    CHECK_INT(deliver_bounce_parse(b, NULL, 5), DELIVER_E_INVALID);
    CHECK_INT(deliver_bounce_parse(NULL, (const uint8_t *)"x", 1), DELIVER_E_INVALID);
    CHECK_INT(deliver_bounce_parse(b, (const uint8_t *)"x", DELIVER_BOUNCE_MAX_INPUT + 1u),
              DELIVER_E_LIMIT);
    CHECK(deliver_bounce_errmsg(b)[0] != '\0');

    /* the bare reply classifier */
    const char *r1 = "550 5.1.1 <a@example.com>: Recipient address rejected: User unknown";
    CHECK_INT(deliver_bounce_parse_reply(b, r1, strlen(r1)), DELIVER_OK);
    CHECK_STR(deliver_bounce_get_reason(b, 0), "userunknown");
    CHECK_INT(deliver_bounce_is_hard(b, 0), 1);
    CHECK_STR(deliver_bounce_get_recipient(b, 0), "a@example.com");
    CHECK_STR(deliver_bounce_get_command(b, 0), "RCPT");
    const char *r2 = "550-5.7.26 Unauthenticated email from example.jp is not accepted due to\r\n"
                     "550 5.7.26 domain's DMARC policy.";
    CHECK_INT(deliver_bounce_parse_reply(b, r2, strlen(r2)), DELIVER_OK);
    CHECK_STR(deliver_bounce_get_reason(b, 0), "authfailure");
    CHECK_STR(deliver_bounce_get_status(b, 0), "5.7.26");
    CHECK_INT(deliver_bounce_is_hard(b, 0), 0);
    const char *r3 = "452 4.2.2 Over quota";
    CHECK_INT(deliver_bounce_parse_reply(b, r3, strlen(r3)), DELIVER_OK);
    CHECK_STR(deliver_bounce_get_reason(b, 0), "mailboxfull");
    CHECK_INT(deliver_bounce_parse_reply(b, "250 2.0.0 Ok: queued", 20), DELIVER_OK);
    CHECK_INT(deliver_bounce_get_kind(b), DELIVER_BOUNCE_DELIVERED);
    CHECK_INT(deliver_bounce_parse_reply(b, "hello", 5), DELIVER_OK);
    CHECK_INT(deliver_bounce_recipient_count(b), 0);
    CHECK_INT(deliver_bounce_limit(DELIVER_BOUNCE_LIMIT_INPUT), DELIVER_BOUNCE_MAX_INPUT);
    CHECK(deliver_bounce_limit(DELIVER_BOUNCE_LIMIT_MIME_DEPTH) > 0);
    CHECK_INT(deliver_bounce_limit((deliver_bounce_limit_id)99), 0);

    /* Amazon SES JSON notifications: a bounce inside an SNS envelope, a complaint */
    const char *ses =
        "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n"
        "{\"Type\" : \"Notification\", \"Message\" : \"{\\\"notificationType\\\":\\\"Bounce\\\","
        "\\\"bounce\\\":{\\\"bounceType\\\":\\\"Permanent\\\",\\\"bouncedRecipients\\\":[{"
        "\\\"emailAddress\\\":\\\"gone@example.net\\\",\\\"action\\\":\\\"failed\\\","
        "\\\"status\\\":\\\"5.1.1\\\",\\\"diagnosticCode\\\":\\\"smtp; 550 5.1.1 user unknown\\\"}]}}\"}\n";
    CHECK_INT(parse(b, ses), DELIVER_OK);
    CHECK_INT(deliver_bounce_recipient_count(b), 1);
    CHECK_STR(deliver_bounce_get_recipient(b, 0), "gone@example.net");
    CHECK_STR(deliver_bounce_get_reason(b, 0), "userunknown");
    CHECK_STR(deliver_bounce_get_mta(b), "AmazonSES");
    const char *sesc =
        "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n"
        "{\"notificationType\":\"Complaint\",\"complaint\":{\"complainedRecipients\":[{"
        "\"emailAddress\":\"angry@example.net\"}],\"complaintFeedbackType\":\"abuse\"}}\n";
    CHECK_INT(parse(b, sesc), DELIVER_OK);
    CHECK_INT(deliver_bounce_get_kind(b), DELIVER_BOUNCE_FEEDBACK);
    CHECK_STR(deliver_bounce_get_reason(b, 0), "feedback");
    CHECK_STR(deliver_bounce_get_feedback_type(b, 0), "abuse");

    /* a remote host's rule set (Orange: its error number) and a family's own wording */
    CHECK_INT(deliver_bounce_parse_reply(b, "550 5.7.1 <x@orange.fr>: refused OFR004_506", 43),
              DELIVER_OK);
    CHECK_STR(deliver_bounce_get_reason(b, 0), "spamdetected");
    CHECK(strncmp(deliver_bounce_get_decided_by(b, 0), "rhost:", 6) == 0);
    CHECK_INT(deliver_bounce_parse_reply(b, "550 5.4.1 Recipient address rejected: Access denied",
                                         51), DELIVER_OK);
    CHECK_STR(deliver_bounce_get_reason(b, 0), "userunknown");

    /* per-recipient DSN fields written before Final-Recipient (Facebook's order) */
    const char *fb =
        "From: mailer-daemon@facebook.com\nSubject: Delivery failure\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
        "--B\nContent-Type: text/plain\n\nThis message was created automatically.\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; 10.0.0.1\n\n"
        "Diagnostic-Code: smtp; 550 5.1.1 RCP-P2 Refused due to recipient preferences\n"
        "Status: 5.1.1\nFinal-Recipient: rfc822; someone@facebook.com\nAction: failed\n"
        "--B--\n";
    CHECK_INT(parse(b, fb), DELIVER_OK);
    CHECK_INT(deliver_bounce_recipient_count(b), 1);
    CHECK_STR(deliver_bounce_get_status(b, 0), "5.1.1");
    CHECK_STR(deliver_bounce_get_action(b, 0), "failed");
    CHECK_STR(deliver_bounce_get_reason(b, 0), "filtered");

    /* a bounce that forwards another one: the inner report's recipient */
    const char *fwd =
        "From: MAILER-DAEMON@example.co.jp\nSubject: Returned mail\n"
        "Content-Type: multipart/mixed; boundary=\"O\"\n\n"
        "--O\nContent-Type: text/plain\n\n----- The following addresses had permanent "
        "delivery errors -----\n\n--O\nContent-Type: message/rfc822\n\n"
        "From: MAILER-DAEMON@relay.example.net\nTo: sender@example.co.jp\n"
        "Subject: Returned mail: User unknown\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"I\"\n\n"
        "--I\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay.example.net\n\n"
        "Final-Recipient: rfc822; gone@example.org\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n--I--\n--O--\n";
    CHECK_INT(parse(b, fwd), DELIVER_OK);
    CHECK_INT(deliver_bounce_recipient_count(b), 1);
    CHECK_STR(deliver_bounce_get_recipient(b, 0), "gone@example.org");
    CHECK_STR(deliver_bounce_get_reason(b, 0), "userunknown");

    /* Exim's malformed address: the address in angle brackets is the one it read */
    CHECK_INT(parse(b, "From: Mail Delivery System <mailer-daemon@x.example>\n"
                       "Subject: Mail failure - malformed recipient address\n\n"
                       "A message that you sent contained one or more recipient addresses that "
                       "were\nincorrectly constructed:\n\n  a@example.com <b@example.net>: "
                       "malformed address: <b@example.net> may not follow a@example.com\n"),
              DELIVER_OK);
    CHECK_STR(deliver_bounce_get_recipient(b, 0), "b@example.net");
    CHECK_STR(deliver_bounce_get_reason(b, 0), "syntaxerror");

    /* au (KDDI): "<addr>: User unknown" is an unknown mailbox, hard */
    CHECK_INT(deliver_bounce_parse_reply(b, "550 <x@ezweb.ne.jp>: User unknown", 33), DELIVER_OK);
    CHECK_STR(deliver_bounce_get_reason(b, 0), "userunknown");
    CHECK_INT(deliver_bounce_is_hard(b, 0), 1);

    /* a Status comment is the diagnostic when there is no Diagnostic-Code */
    CHECK_INT(parse(b, "From: MAILER-DAEMON@a.example\nSubject: Returned mail\n"
                       "Content-Type: multipart/report; report-type=delivery-status; "
                       "boundary=\"S\"\n\n--S\nContent-Type: message/delivery-status\n\n"
                       "Reporting-MTA: dns; a.example\n\nFinal-Recipient: rfc822; x@b.example\n"
                       "Action: delayed\nStatus: 4.0.0 (b.example: host name lookup failure)\n"
                       "--S--\n"),
              DELIVER_OK);
    CHECK_STR(deliver_bounce_get_reason(b, 0), "networkerror");

    /* an unsubscribe request Apple Mail sends: feedback, not an auto-reply */
    CHECK_INT(parse(b, "From: someone@icloud.com\nSubject: unsubscribe\n"
                       "Auto-Submitted: auto-replied\nX-Apple-Unsubscribe: true\n\nbye\n"),
              DELIVER_OK);
    CHECK_INT(deliver_bounce_get_kind(b), DELIVER_BOUNCE_FEEDBACK);
    CHECK_STR(deliver_bounce_get_feedback_type(b, 0), "opt-out");

    /* an HTML-only report is read as its text: no markup in the diagnostic, entities
     * decoded, a phrase split by a tag still found */
    const char *html =
        "From: MAILER-DAEMON@mx.example.org\nTo: sender@example.net\n"
        "Subject: Undeliverable: hello\nContent-Type: text/html\n\n"
        "<html><head><style>p { color: red }</style></head><body>"
        "<p style=\"font-family: Arial\">Delivery has failed to these recipients or groups:</p>\n"
        "<p><a href=\"mailto:gone@example.com\">gone@example.com</a><br>The email address you "
        "entered couldn&#39;t be found.</p>\n<p>Remote server returned 550 5.1.1 User "
        "<b>unknown</b> &amp; rejected</p></body></html>\n";
    CHECK_INT(parse(b, html), DELIVER_OK);
    CHECK_INT(deliver_bounce_recipient_count(b), 1);
    CHECK_STR(deliver_bounce_get_recipient(b, 0), "gone@example.com");
    CHECK_STR(deliver_bounce_get_reason(b, 0), "userunknown");
    CHECK_STR(deliver_bounce_get_diagnostic(b, 0),
              "The email address you entered couldn't be found. Remote server returned 550 "
              "5.1.1 User unknown & rejected");

    /* broken HTML: entities out of range or cut short stay as they are, a tag, a style
     * element or a comment cut off by the end of the message is dropped to the end */
    static const char *const broken[][2] = {
        {"<p>gone@example.com: 550 User unknown &#99999999; &#; &amp <b",
         "550 User unknown &#99999999; &#; &amp"},
        {"<p>gone@example.com: 550 5.1.1 User unknown</p><style>p {", "550 5.1.1 User unknown"},
        {"<!-- gone@example.com", NULL},
    };
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        char m[512];
        snprintf(m, sizeof(m),
                 "From: MAILER-DAEMON@mx.example.org\nSubject: Undeliverable: hello\n"
                 "Content-Type: text/html\n\n%s",
                 broken[i][0]);
        CHECK_INT(parse(b, m), DELIVER_OK);
        CHECK_INT(deliver_bounce_recipient_count(b), broken[i][1] ? 1 : 0);
        if (broken[i][1] && deliver_bounce_recipient_count(b) == 1) {
            CHECK_STR(deliver_bounce_get_recipient(b, 0), "gone@example.com");
            CHECK_STR(deliver_bounce_get_diagnostic(b, 0), broken[i][1]);
        }
    }

    deliver_bounce_free(b);
    deliver_bounce_free(NULL);
    test_ac_streams(ctx);
    test_ac_limits(ctx);
    test_ac_subset(ctx);
    test_failalloc();
    deliver_ctx_free(ctx);
    return check_done("bounce");
}

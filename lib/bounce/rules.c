/*
 * The bounce classifier's data: reason phrases, MTA family layouts, end-of-report markers,
 * and the status code table. Everything is data; lib/bounce/match.c compiles it into one
 * automaton, so adding a row costs nothing at match time.
 * Phrases are lower case; a single space matches any run of white space (text is folded
 * before matching). Written for libdeliver from real bounce texts.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "bounce/bounce_int.h"

#include <string.h>

static const char *const reason_names[R_COUNT] = {
    [R_NONE] = "undefined",
    [R_AUTHFAILURE] = "authfailure",
    [R_REQUIREPTR] = "requireptr",
    [R_BADREPUTATION] = "badreputation",
    [R_NOTCOMPLIANTRFC] = "notcompliantrfc",
    [R_FAILEDSTARTTLS] = "failedstarttls",
    [R_SPEEDING] = "speeding",
    [R_VIRUSDETECTED] = "virusdetected",
    [R_SPAMDETECTED] = "spamdetected",
    [R_NORELAYING] = "norelaying",
    [R_HASMOVED] = "hasmoved",
    [R_MESGTOOBIG] = "mesgtoobig",
    [R_EXCEEDLIMIT] = "exceedlimit",
    [R_MAILBOXFULL] = "mailboxfull",
    [R_SUSPEND] = "suspend",
    [R_SYSTEMFULL] = "systemfull",
    [R_USERUNKNOWN] = "userunknown",
    [R_HOSTUNKNOWN] = "hostunknown",
    [R_NOTACCEPT] = "notaccept",
    [R_MAILERERROR] = "mailererror",
    [R_TOOMANYCONN] = "toomanyconn",
    [R_BLOCKED] = "blocked",
    [R_REJECTED] = "rejected",
    [R_POLICYVIOLATION] = "policyviolation",
    [R_FILTERED] = "filtered",
    [R_SECURITYERROR] = "securityerror",
    [R_CONTENTERROR] = "contenterror",
    [R_SYNTAXERROR] = "syntaxerror",
    [R_EXPIRED] = "expired",
    [R_NETWORKERROR] = "networkerror",
    [R_SYSTEMERROR] = "systemerror",
    [R_SUPPRESSED] = "suppressed",
    [R_ONHOLD] = "onhold",
    [R_UNDEFINED] = "undefined",
    [R_DELIVERED] = "delivered",
    [R_FEEDBACK] = "feedback",
    [R_VACATION] = "vacation",
};

const char *dlv_reason_name(dlv_reason r)
{
    return (unsigned)r < R_COUNT ? reason_names[r] : "undefined";
}

const char *const dlv_family_names[] = {
    "", "Postfix", "Sendmail", "Exim", "qmail", "Courier", "OpenSMTPD", "DragonFly",
    "Exchange2003", "Exchange2007", "Office365", "Gmail", "Yahoo", "AmazonSES", "SendGrid",
    "Domino", "Notes", "GMX", "MailRu", "Zoho", "KDDI", "EZweb", "Biglobe", "InterScanMSS",
    "McAfee", "MXLogic", "mFILTER", "ApacheJames", "Activehunter", "IMailServer",
    "MessagingServer", "Verizon", "V5sendmail", "X1", "X2", "X3", "X4", "X5", "X6", "Amavis",
    "Barracuda", "PowerMTA", "MailFoundry", "MailMarshalSMTP", "FML", "GoogleGroups",
    "AmazonWorkMail", "ReceivingSES", "EinsUndEins", "Bigfoot", "SurfControl", "Yandex",
    "Outlook", "Aol", "Facebook", "MessageLabs", "Mimecast", "Trustwave", "Imail",
    "GoogleWorkspace", "RFC3464", "RFC3834", "ARF",
};
const size_t dlv_family_count = sizeof(dlv_family_names) / sizeof(dlv_family_names[0]);

int dlv_family_find(const char *name)
{
    for (size_t i = 1; i < dlv_family_count; i++) {
        if (strcmp(dlv_family_names[i], name) == 0) {
            return (int)i;
        }
    }
    return 0;
}

/* Family ids, in the order of dlv_family_names. */
enum {
    F_POSTFIX = 1, F_SENDMAIL, F_EXIM, F_QMAIL, F_COURIER, F_OPENSMTPD, F_DRAGONFLY,
    F_EXCHANGE2003, F_EXCHANGE2007, F_OFFICE365, F_GMAIL, F_YAHOO, F_AMAZONSES, F_SENDGRID,
    F_DOMINO, F_NOTES, F_GMX, F_MAILRU, F_ZOHO, F_KDDI, F_EZWEB, F_BIGLOBE, F_INTERSCAN,
    F_MCAFEE, F_MXLOGIC, F_MFILTER, F_APACHEJAMES, F_ACTIVEHUNTER, F_IMAILSERVER,
    F_MESSAGINGSERVER, F_VERIZON, F_V5SENDMAIL, F_X1, F_X2, F_X3, F_X4, F_X5, F_X6, F_AMAVIS,
    F_BARRACUDA, F_POWERMTA, F_MAILFOUNDRY, F_MAILMARSHAL, F_FML, F_GOOGLEGROUPS,
    F_AMAZONWORKMAIL, F_RECEIVINGSES, F_EINSUNDEINS, F_BIGFOOT, F_SURFCONTROL, F_YANDEX,
    F_OUTLOOK, F_AOL, F_FACEBOOK, F_MESSAGELABS, F_MIMECAST, F_TRUSTWAVE, F_IMAIL,
    F_GOOGLEWORKSPACE, F_RFC3464, F_RFC3834, F_ARF
};

#define RS(r, t) {N_REASON, (uint8_t)(r), 0, (t)}
#define FM(f, t) {N_FAMILY, (uint8_t)(f), 0, (t)}
#define END(t) {N_END, 0, 0, (t)}
#define BNC(t) {N_BOUNCE, 0, 0, (t)}
#define VAC(t) {N_VACATION, 0, 0, (t)}
#define FR(s, r, t) {N_FORMAT, (uint8_t)(r), (uint8_t)(s), (t)}

const dlv_needle dlv_bounce_needles[] = {
    /* ---- reasons: authentication (SPF, DKIM, DMARC) ---- */
    RS(R_AUTHFAILURE, "spf check failed"), RS(R_AUTHFAILURE, "spf validation failed"),
    RS(R_AUTHFAILURE, "spf fail"), RS(R_AUTHFAILURE, "spf: fail"),
    RS(R_AUTHFAILURE, "sender policy framework"), RS(R_AUTHFAILURE, "dmarc policy"),
    RS(R_AUTHFAILURE, "dmarc validation"), RS(R_AUTHFAILURE, "dmarc check failed"),
    RS(R_AUTHFAILURE, "failed dmarc"), RS(R_AUTHFAILURE, "dmarc reject"),
    RS(R_AUTHFAILURE, "unauthenticated email"), RS(R_AUTHFAILURE, "is not authorized to send"),
    RS(R_AUTHFAILURE, "dkim signature"), RS(R_AUTHFAILURE, "dkim verification failed"),
    RS(R_AUTHFAILURE, "dkim check failed"), RS(R_AUTHFAILURE, "authentication failed; spf"),
    RS(R_AUTHFAILURE, "spf record"), RS(R_AUTHFAILURE, "sender authentication failed"),
    RS(R_AUTHFAILURE, "does not pass spf"), RS(R_AUTHFAILURE, "message failed spf"),
    RS(R_AUTHFAILURE, "5.7.26"), RS(R_AUTHFAILURE, "5.7.23"), RS(R_AUTHFAILURE, "5.7.27 "),
    RS(R_AUTHFAILURE, "sender is not authorized"), RS(R_AUTHFAILURE, "spf_fail"),
    RS(R_AUTHFAILURE, "authentication failure: spf"), RS(R_AUTHFAILURE, "dmarc enforcement"),
    RS(R_AUTHFAILURE, "unauthenticated mail"), RS(R_AUTHFAILURE, "sender domain has not been authenticated"),
    /* ---- reverse DNS ---- */
    RS(R_REQUIREPTR, "reverse dns"), RS(R_REQUIREPTR, "ptr record"),
    RS(R_REQUIREPTR, "no ptr"), RS(R_REQUIREPTR, "rdns"), RS(R_REQUIREPTR, "reverse lookup"),
    RS(R_REQUIREPTR, "cannot find your hostname"), RS(R_REQUIREPTR, "cannot resolve your"),
    RS(R_REQUIREPTR, "client host name unknown"), RS(R_REQUIREPTR, "no reverse"),
    RS(R_REQUIREPTR, "reverse hostname"), RS(R_REQUIREPTR, "reverse name"),
    RS(R_REQUIREPTR, "not resolve your address"), RS(R_REQUIREPTR, "unresolvable relay host name"),
    RS(R_REQUIREPTR, "has no ptr"), RS(R_REQUIREPTR, "does not have a ptr"),
    RS(R_REQUIREPTR, "5.7.25"), RS(R_REQUIREPTR, "ip name lookup failed"),
    RS(R_REQUIREPTR, "hostname lookup failed"), RS(R_REQUIREPTR, "can't resolve your hostname"),
    RS(R_REQUIREPTR, "cannot find your reverse hostname"), RS(R_REQUIREPTR, "hostname does not resolve"),
    RS(R_REQUIREPTR, "unknown client host"), RS(R_REQUIREPTR, "client host rejected: cannot find your hostname"),
    /* ---- reputation ---- */
    RS(R_BADREPUTATION, "poor reputation"), RS(R_BADREPUTATION, "low reputation"),
    RS(R_BADREPUTATION, "bad reputation"), RS(R_BADREPUTATION, "sender score"),
    RS(R_BADREPUTATION, "unusual rate of unsolicited mail"), RS(R_BADREPUTATION, "ip reputation"),
    RS(R_BADREPUTATION, "domain reputation"), RS(R_BADREPUTATION, "sending reputation"),
    RS(R_BADREPUTATION, "reputation of"), RS(R_BADREPUTATION, "has a poor"),
    /* ---- not RFC 5322 ---- */
    RS(R_NOTCOMPLIANTRFC, "not rfc 5322 compliant"), RS(R_NOTCOMPLIANTRFC, "rfc 5322"),
    RS(R_NOTCOMPLIANTRFC, "rfc5322"), RS(R_NOTCOMPLIANTRFC, "rfc 2822"),
    RS(R_NOTCOMPLIANTRFC, "multiple date headers"), RS(R_NOTCOMPLIANTRFC, "duplicate header"),
    RS(R_NOTCOMPLIANTRFC, "multiple message-id"), RS(R_NOTCOMPLIANTRFC, "multiple from"),
    RS(R_NOTCOMPLIANTRFC, "multiple subject"), RS(R_NOTCOMPLIANTRFC, "multiple to headers"),
    RS(R_NOTCOMPLIANTRFC, "bare lf"), RS(R_NOTCOMPLIANTRFC, "message is not rfc"),
    RS(R_NOTCOMPLIANTRFC, "improperly formatted"), RS(R_NOTCOMPLIANTRFC, "formatting guidelines"),
    /* ---- STARTTLS ---- */
    RS(R_FAILEDSTARTTLS, "starttls failed"), RS(R_FAILEDSTARTTLS, "tls handshake failed"),
    RS(R_FAILEDSTARTTLS, "must issue a starttls"), RS(R_FAILEDSTARTTLS, "tls is required"),
    RS(R_FAILEDSTARTTLS, "tls required"), RS(R_FAILEDSTARTTLS, "requires tls"),
    RS(R_FAILEDSTARTTLS, "encryption required"), RS(R_FAILEDSTARTTLS, "starttls is required"),
    RS(R_FAILEDSTARTTLS, "must use tls"), RS(R_FAILEDSTARTTLS, "tls negotiation failed"),
    /* ---- rate limits ---- */
    RS(R_SPEEDING, "rate limit"), RS(R_SPEEDING, "rate-limit"), RS(R_SPEEDING, "ratelimit"),
    RS(R_SPEEDING, "throttled"), RS(R_SPEEDING, "sending too fast"),
    RS(R_SPEEDING, "too many messages"), RS(R_SPEEDING, "unusual rate"),
    RS(R_SPEEDING, "receiving mail at a rate"), RS(R_SPEEDING, "rate that prevents"),
    RS(R_SPEEDING, "temporarily deferred due to"), RS(R_SPEEDING, "mail volume"),
    RS(R_SPEEDING, "please try again slower"), RS(R_SPEEDING, "exceeded the rate"),
    /* ---- virus ---- */
    RS(R_VIRUSDETECTED, "virus"), RS(R_VIRUSDETECTED, "malware"),
    RS(R_VIRUSDETECTED, "infected"), RS(R_VIRUSDETECTED, "malicious"),
    RS(R_VIRUSDETECTED, "trojan"),
    /* ---- spam ---- */
    RS(R_SPAMDETECTED, "spam"), RS(R_SPAMDETECTED, "junk mail"), RS(R_SPAMDETECTED, "bulk mail"),
    RS(R_SPAMDETECTED, "unsolicited"), RS(R_SPAMDETECTED, "content filter"),
    RS(R_SPAMDETECTED, "content rejected"), RS(R_SPAMDETECTED, "message content rejected"),
    RS(R_SPAMDETECTED, "scored too high"), RS(R_SPAMDETECTED, "message filtered"),
    RS(R_SPAMDETECTED, "classified as junk"), RS(R_SPAMDETECTED, "phish"),
    RS(R_SPAMDETECTED, "score exceeded"), RS(R_SPAMDETECTED, "probable spam"),
    RS(R_SPAMDETECTED, "likely unsolicited"), RS(R_SPAMDETECTED, "rejected by content scanner"),
    RS(R_SPAMDETECTED, "bulk email"), RS(R_SPAMDETECTED, "uce "),
    RS(R_SPAMDETECTED, "suspicious"), RS(R_SPAMDETECTED, "appears to be unsolicited"),
    RS(R_SPAMDETECTED, "5.7.28"),
    /* ---- relaying ---- */
    RS(R_NORELAYING, "relay access denied"), RS(R_NORELAYING, "relaying denied"),
    RS(R_NORELAYING, "relay denied"), RS(R_NORELAYING, "relaying not permitted"),
    RS(R_NORELAYING, "relay not permitted"), RS(R_NORELAYING, "unable to relay"),
    RS(R_NORELAYING, "not permitted to relay"), RS(R_NORELAYING, "we do not relay"),
    RS(R_NORELAYING, "relaying disallowed"), RS(R_NORELAYING, "relay not allowed"),
    RS(R_NORELAYING, "no relaying"), RS(R_NORELAYING, "cannot relay"),
    RS(R_NORELAYING, "relaying mail to"), RS(R_NORELAYING, "not a gateway"),
    RS(R_NORELAYING, "relay prohibited"), RS(R_NORELAYING, "relaying prohibited"),
    RS(R_NORELAYING, "unauthorized relay"), RS(R_NORELAYING, "open relay"),
    RS(R_NORELAYING, "relay not authorized"), RS(R_NORELAYING, "relay rejected"),
    /* ---- moved ---- */
    RS(R_HASMOVED, "has moved"), RS(R_HASMOVED, "address has changed"),
    RS(R_HASMOVED, "no longer with"), RS(R_HASMOVED, "moved to"),
    /* ---- sizes and quota ---- */
    RS(R_MESGTOOBIG, "message too large"), RS(R_MESGTOOBIG, "message too big"),
    RS(R_MESGTOOBIG, "message size exceeds"), RS(R_MESGTOOBIG, "size exceeds"),
    RS(R_MESGTOOBIG, "message is too big"), RS(R_MESGTOOBIG, "message is too large"),
    RS(R_MESGTOOBIG, "message length exceeds"), RS(R_MESGTOOBIG, "exceeds fixed maximum"),
    RS(R_MESGTOOBIG, "size limit"), RS(R_MESGTOOBIG, "too large"), RS(R_MESGTOOBIG, "too big"),
    RS(R_MESGTOOBIG, "exceeds the maximum"), RS(R_MESGTOOBIG, "maximum message size"),
    RS(R_MESGTOOBIG, "message exceeds"), RS(R_MESGTOOBIG, "size of the message"),
    RS(R_MESGTOOBIG, "exceeded maximum size"), RS(R_MESGTOOBIG, "exceeds size limit"),
    RS(R_EXCEEDLIMIT, "exceeds mailbox size limit"), RS(R_EXCEEDLIMIT, "message exceeds local size limit"),
    RS(R_EXCEEDLIMIT, "message too large for this recipient"),
    RS(R_EXCEEDLIMIT, "exceeded storage allocation"), RS(R_EXCEEDLIMIT, "message size exceeds the limit of the recipient"),
    RS(R_MAILBOXFULL, "mailbox full"), RS(R_MAILBOXFULL, "mailbox is full"),
    RS(R_MAILBOXFULL, "mailbox exceeds"), RS(R_MAILBOXFULL, "mailbox exceeded"),
    RS(R_MAILBOXFULL, "over quota"), RS(R_MAILBOXFULL, "overquota"),
    RS(R_MAILBOXFULL, "quota exceeded"), RS(R_MAILBOXFULL, "exceeded quota"),
    RS(R_MAILBOXFULL, "exceeds quota"), RS(R_MAILBOXFULL, "quota exceed"),
    RS(R_MAILBOXFULL, "disk quota"), RS(R_MAILBOXFULL, "insufficient storage"),
    RS(R_MAILBOXFULL, "user is over"), RS(R_MAILBOXFULL, "over the allowed quota"),
    RS(R_MAILBOXFULL, "mailfolder is full"), RS(R_MAILBOXFULL, "mail box full"),
    RS(R_MAILBOXFULL, "mailbox size limit exceeded"), RS(R_MAILBOXFULL, "not enough space"),
    RS(R_MAILBOXFULL, "mailbox has exceeded"), RS(R_MAILBOXFULL, "full mailbox"),
    RS(R_MAILBOXFULL, "account is full"), RS(R_MAILBOXFULL, "storage allocation"),
    RS(R_MAILBOXFULL, "inbox is full"), RS(R_MAILBOXFULL, "is over quota"),
    RS(R_MAILBOXFULL, "exceeded the local limit"), RS(R_MAILBOXFULL, "exceeded its quota"),
    RS(R_MAILBOXFULL, "quota full"), RS(R_MAILBOXFULL, "out of storage"),
    RS(R_MAILBOXFULL, "recipient's mailbox is full"), RS(R_MAILBOXFULL, "boxfull"),
    RS(R_MAILBOXFULL, "mailbox quota"), RS(R_MAILBOXFULL, "no space left"),
    RS(R_MAILBOXFULL, "quota violation"), RS(R_MAILBOXFULL, "over its quota"),
    /* ---- suspended ---- */
    RS(R_SUSPEND, "account disabled"), RS(R_SUSPEND, "account has been disabled"),
    RS(R_SUSPEND, "account is disabled"), RS(R_SUSPEND, "mailbox disabled"),
    RS(R_SUSPEND, "mailbox is disabled"), RS(R_SUSPEND, "is inactive"),
    RS(R_SUSPEND, "account inactive"), RS(R_SUSPEND, "account is inactive"),
    RS(R_SUSPEND, "suspended"), RS(R_SUSPEND, "not active"), RS(R_SUSPEND, "deactivated"),
    RS(R_USERUNKNOWN, "mailbox unavailable"), RS(R_SUSPEND, "mailbox currently suspended"),
    RS(R_SUSPEND, "has been frozen"), RS(R_SUSPEND, "account has been locked"),
    RS(R_SUSPEND, "is disabled"), RS(R_SUSPEND, "mailbox is inactive"),
    RS(R_SUSPEND, "email account that you tried to reach is disabled"),
    RS(R_SUSPEND, "recipient suspend"), RS(R_SUSPEND, "temporarily disabled"),
    RS(R_SUSPEND, "account expired"), RS(R_SUSPEND, "mailbox is not active"),
    /* ---- system full ---- */
    RS(R_SYSTEMFULL, "insufficient system storage"), RS(R_SYSTEMFULL, "system storage"),
    RS(R_SYSTEMFULL, "disk full"), RS(R_SYSTEMFULL, "out of disk space"),
    RS(R_SYSTEMFULL, "not enough disk space"), RS(R_SYSTEMFULL, "insufficient disk space"),
    RS(R_SYSTEMFULL, "file system full"), RS(R_SYSTEMFULL, "mail system full"),
    /* ---- unknown user ---- */
    RS(R_USERUNKNOWN, "user unknown"), RS(R_USERUNKNOWN, "unknown user"),
    RS(R_USERUNKNOWN, "no such user"), RS(R_USERUNKNOWN, "no such mailbox"),
    RS(R_USERUNKNOWN, "no such recipient"), RS(R_USERUNKNOWN, "no such account"),
    RS(R_USERUNKNOWN, "no such person"), RS(R_USERUNKNOWN, "no such address"),
    RS(R_USERUNKNOWN, "unknown recipient"), RS(R_USERUNKNOWN, "recipient unknown"),
    RS(R_USERUNKNOWN, "unknown address"), RS(R_USERUNKNOWN, "address unknown"),
    RS(R_USERUNKNOWN, "invalid recipient"), RS(R_USERUNKNOWN, "invalid address"),
    RS(R_USERUNKNOWN, "invalid mailbox"), RS(R_USERUNKNOWN, "mailbox not found"),
    RS(R_USERUNKNOWN, "mailbox unknown"), RS(R_USERUNKNOWN, "mailbox does not exist"),
    RS(R_USERUNKNOWN, "user does not exist"), RS(R_USERUNKNOWN, "user doesn't exist"),
    RS(R_USERUNKNOWN, "address does not exist"), RS(R_USERUNKNOWN, "account does not exist"),
    RS(R_USERUNKNOWN, "recipient does not exist"), RS(R_USERUNKNOWN, "does not exist"),
    RS(R_USERUNKNOWN, "doesn't exist"), RS(R_USERUNKNOWN, "not exist"),
    RS(R_USERUNKNOWN, "recipient not found"), RS(R_USERUNKNOWN, "user not found"),
    RS(R_USERUNKNOWN, "address not found"), RS(R_USERUNKNOWN, "wasn't found"),
    RS(R_USERUNKNOWN, "was not found"), RS(R_USERUNKNOWN, "not found in"),
    RS(R_USERUNKNOWN, "unknown local part"), RS(R_USERUNKNOWN, "unknown mailbox"),
    RS(R_USERUNKNOWN, "no mailbox"), RS(R_USERUNKNOWN, "not a valid mailbox"),
    RS(R_USERUNKNOWN, "is not a valid"), RS(R_USERUNKNOWN, "user invalid"),
    RS(R_USERUNKNOWN, "invalid user"), RS(R_HOSTUNKNOWN, "unrouteable address"),
    RS(R_USERUNKNOWN, "recipient address rejected: user unknown"),
    RS(R_USERUNKNOWN, "undeliverable address"), RS(R_USERUNKNOWN, "not our customer"),
    RS(R_USERUNKNOWN, "not listed in"), RS(R_USERUNKNOWN, "recipient is not local"),
    RS(R_USERUNKNOWN, "no valid recipients"), RS(R_USERUNKNOWN, "bad destination mailbox"),
    RS(R_USERUNKNOWN, "destination mailbox address"), RS(R_USERUNKNOWN, "recipientnotfound"),
    RS(R_USERUNKNOWN, "recipient name is not recognized"), RS(R_USERUNKNOWN, "addressee unknown"),
    RS(R_USERUNKNOWN, "no account"), RS(R_USERUNKNOWN, "doesn't have a"),
    RS(R_USERUNKNOWN, "does not have an account"), RS(R_USERUNKNOWN, "unknown or illegal alias"),
    RS(R_USERUNKNOWN, "not a known user"), RS(R_USERUNKNOWN, "no mail box"),
    RS(R_USERUNKNOWN, "invalid mail address"), RS(R_USERUNKNOWN, "recipient address rejected."),
    RS(R_USERUNKNOWN, "sorry, no mailbox here"), RS(R_USERUNKNOWN, "unknown or invalid"),
    RS(R_USERUNKNOWN, "user not exist"), RS(R_USERUNKNOWN, "no user"),
    RS(R_USERUNKNOWN, "illegal alias"), RS(R_USERUNKNOWN, "mailbox is unavailable"),
    RS(R_USERUNKNOWN, "delivery failed for the following reason: address not"),
    RS(R_USERUNKNOWN, "unknown in local recipient table"), RS(R_USERUNKNOWN, "unknown in virtual"),
    RS(R_USERUNKNOWN, "unknown in relay recipient table"), RS(R_USERUNKNOWN, "email address could not be found"),
    RS(R_USERUNKNOWN, "address is invalid"), RS(R_USERUNKNOWN, "is not a valid email"),
    RS(R_USERUNKNOWN, "recipient address invalid"), RS(R_USERUNKNOWN, "no such local user"),
    RS(R_USERUNKNOWN, "userunknown"), RS(R_USERUNKNOWN, "unknown account"),
    RS(R_USERUNKNOWN, "couldn't be found"), RS(R_USERUNKNOWN, "could not be found"),
    RS(R_USERUNKNOWN, "recipient rejected"), RS(R_USERUNKNOWN, "not known here"),
    /* ---- unknown host ---- */
    RS(R_HOSTUNKNOWN, "host unknown"), RS(R_HOSTUNKNOWN, "unknown host"),
    RS(R_HOSTUNKNOWN, "host not found"), RS(R_HOSTUNKNOWN, "domain not found"),
    RS(R_HOSTUNKNOWN, "name or service not known"), RS(R_HOSTUNKNOWN, "no such domain"),
    RS(R_HOSTUNKNOWN, "domain does not exist"), RS(R_HOSTUNKNOWN, "unknown domain"),
    RS(R_HOSTUNKNOWN, "host or domain name not found"), RS(R_HOSTUNKNOWN, "domain name not found"),
    RS(R_HOSTUNKNOWN, "unroutable"), RS(R_HOSTUNKNOWN, "no mx"),
    RS(R_HOSTUNKNOWN, "illegal host/domain"), RS(R_HOSTUNKNOWN, "name server timeout"),
    RS(R_HOSTUNKNOWN, "domain is not found"), RS(R_HOSTUNKNOWN, "invalid domain"),
    RS(R_HOSTUNKNOWN, "domain must exist"), RS(R_HOSTUNKNOWN, "nxdomain"),
    RS(R_NETWORKERROR, "no route to host"), RS(R_HOSTUNKNOWN, "domain lookup failed"),
    RS(R_HOSTUNKNOWN, "recipient domain"), RS(R_HOSTUNKNOWN, "dns error"),
    RS(R_HOSTUNKNOWN, "no dns"), RS(R_HOSTUNKNOWN, "not a valid domain"),
    RS(R_HOSTUNKNOWN, "mail for this domain"), RS(R_HOSTUNKNOWN, "unknown mail domain"),
    RS(R_HOSTUNKNOWN, "domain is invalid"), RS(R_HOSTUNKNOWN, "domain name is invalid"),
    /* ---- no mail accepted ---- */
    RS(R_NOTACCEPT, "does not accept mail"), RS(R_NOTACCEPT, "not accepting mail"),
    RS(R_NOTACCEPT, "accepts no mail"), RS(R_NOTACCEPT, "null mx"),
    RS(R_NOTACCEPT, "no mail is accepted"), RS(R_NOTACCEPT, "does not receive mail"),
    RS(R_NOTACCEPT, "not accept any mail"), RS(R_NOTACCEPT, "mail is not accepted"),
    /* ---- local delivery program ---- */
    RS(R_MAILERERROR, "mailer error"), RS(R_MAILERERROR, "unknown mailer error"),
    RS(R_MAILERERROR, "command died"), RS(R_MAILERERROR, "command failed"),
    RS(R_MAILERERROR, "exit code"), RS(R_MAILERERROR, "procmail"), RS(R_MAILERERROR, "maildrop"),
    RS(R_MAILERERROR, "pipe to |"), RS(R_MAILERERROR, "x-unix;"), RS(R_MAILERERROR, "child status"),
    RS(R_MAILERERROR, "binary/program"), RS(R_MAILERERROR, "local delivery failed"),
    RS(R_MAILERERROR, "program exited"), RS(R_MAILERERROR, "command output"),
    /* ---- connections ---- */
    RS(R_TOOMANYCONN, "too many connections"), RS(R_TOOMANYCONN, "too many simultaneous"),
    RS(R_TOOMANYCONN, "too many concurrent"), RS(R_TOOMANYCONN, "connection limit"),
    RS(R_TOOMANYCONN, "too many recipients"), RS(R_TOOMANYCONN, "too many sessions"),
    RS(R_TOOMANYCONN, "too many smtp sessions"), RS(R_TOOMANYCONN, "connections from your"),
    RS(R_TOOMANYCONN, "too many hosts"), RS(R_TOOMANYCONN, "maximum number of connections"),
    RS(R_TOOMANYCONN, "too many errors"),
    /* ---- blocked client ---- */
    RS(R_BLOCKED, "blocked"), RS(R_BLOCKED, "blacklist"), RS(R_BLOCKED, "blocklist"),
    RS(R_BLOCKED, "block list"), RS(R_BLOCKED, "black list"), RS(R_BLOCKED, "listed in"),
    RS(R_BLOCKED, "listed at"), RS(R_BLOCKED, "spamhaus"), RS(R_BLOCKED, "spamcop"),
    RS(R_BLOCKED, "client host rejected"), RS(R_BLOCKED, "access denied"),
    RS(R_BLOCKED, "connection refused"), RS(R_BLOCKED, "connection rejected"),
    RS(R_BLOCKED, "dnsbl"), RS(R_BLOCKED, "rbl"), RS(R_BLOCKED, "banned"),
    RS(R_BLOCKED, "not allowed to send"), RS(R_BLOCKED, "your ip"), RS(R_BLOCKED, "your host"),
    RS(R_BLOCKED, "your network"), RS(R_BLOCKED, "dynamic ip"), RS(R_BLOCKED, "dial-up"),
    RS(R_BLOCKED, "dialup"), RS(R_BLOCKED, "residential"), RS(R_BLOCKED, "helo command rejected"),
    RS(R_BLOCKED, "rejected by ip"), RS(R_BLOCKED, "smtp server of your isp"),
    RS(R_BLOCKED, "use the smtp server"), RS(R_BLOCKED, "not accepting network messages"),
    RS(R_BLOCKED, "refused to talk to me"), RS(R_BLOCKED, "access denied"),
    RS(R_BLOCKED, "not permitted by"), RS(R_BLOCKED, "have been denied"),
    RS(R_BLOCKED, "host rejected"), RS(R_BLOCKED, "ip address rejected"),
    RS(R_BLOCKED, "rejected because"), RS(R_BLOCKED, "no access from"),
    RS(R_BLOCKED, "connection denied"), RS(R_BLOCKED, "access from ip address"),
    /* ---- rejected sender ---- */
    RS(R_REJECTED, "sender address rejected"), RS(R_REJECTED, "sender rejected"),
    RS(R_REJECTED, "sender denied"), RS(R_REJECTED, "sender verify failed"),
    RS(R_REJECTED, "sender domain"), RS(R_REJECTED, "domain of sender"),
    RS(R_REJECTED, "sender is not allowed"), RS(R_REJECTED, "invalid sender"),
    RS(R_REJECTED, "sender unknown"), RS(R_REJECTED, "unknown sender"),
        RS(R_REJECTED, "return path"), RS(R_REJECTED, "address rejected: domain not found"),
            RS(R_REJECTED, "sender is blacklisted"), RS(R_REJECTED, "rejected the sender"), RS(R_REJECTED, "reject the sender"),
    RS(R_REJECTED, "sender verification"), RS(R_REJECTED, "sender's domain"),
    /* ---- policy ---- */
    RS(R_POLICYVIOLATION, "policy violation"), RS(R_POLICYVIOLATION, "violates"),
    RS(R_POLICYVIOLATION, "violation of"), RS(R_POLICYVIOLATION, "prohibited"),
    RS(R_POLICYVIOLATION, "not allowed by policy"), RS(R_POLICYVIOLATION, "local policy"),
    RS(R_POLICYVIOLATION, "against policy"), RS(R_POLICYVIOLATION, "policy reasons"),
    RS(R_POLICYVIOLATION, "attachment"), RS(R_POLICYVIOLATION, "policy restrictions"),
    RS(R_POLICYVIOLATION, "email policy"), RS(R_POLICYVIOLATION, "our policy"),
    RS(R_POLICYVIOLATION, "by policy"), RS(R_POLICYVIOLATION, "policy rejection"),
    RS(R_POLICYVIOLATION, "policy rule"), RS(R_POLICYVIOLATION, "due to policy"),
    /* ---- filtered at the recipient ---- */
    RS(R_FILTERED, "delivery not authorized"), RS(R_FILTERED, "filtered"),
    RS(R_FILTERED, "domain filter"), RS(R_FILTERED, "recipient's filter"),
    RS(R_FILTERED, "rejected by recipient"), RS(R_FILTERED, "due to extended inactivity"),
    RS(R_FILTERED, "refused by recipient"), RS(R_FILTERED, "does not accept e-mail from"),
    RS(R_FILTERED, "not accept mail from"), RS(R_FILTERED, "rejected by the recipient"),
    RS(R_FILTERED, "permission to post"), RS(R_FILTERED, "restricted"),
    RS(R_FILTERED, "you are not allowed"), RS(R_FILTERED, "not authorized to"),
    RS(R_FILTERED, "doesn't receive mail from"), RS(R_FILTERED, "refuses to accept"),
    /* ---- security ---- */
    RS(R_SECURITYERROR, "authentication required"), RS(R_SECURITYERROR, "authentication is required"),
    RS(R_SECURITYERROR, "must be authenticated"), RS(R_SECURITYERROR, "auth required"),
    RS(R_SECURITYERROR, "authentication failed"), RS(R_SECURITYERROR, "authentication credentials invalid"),
    RS(R_SECURITYERROR, "invalid credentials"), RS(R_SECURITYERROR, "password"),
    RS(R_SECURITYERROR, "not authenticated"), RS(R_SECURITYERROR, "please authenticate"),
    RS(R_SECURITYERROR, "sender is unauthenticated"), RS(R_SECURITYERROR, "certificate"),
    RS(R_SECURITYERROR, "unauthorized"), RS(R_SECURITYERROR, "security policy"),
    RS(R_SECURITYERROR, "insecure"), RS(R_SECURITYERROR, "submission port"),
    /* ---- content ---- */
    RS(R_CONTENTERROR, "header size exceeds"), RS(R_CONTENTERROR, "header too long"),
    RS(R_CONTENTERROR, "invalid mime"), RS(R_CONTENTERROR, "mime error"),
    RS(R_CONTENTERROR, "illegal character"), RS(R_CONTENTERROR, "8-bit"),
    RS(R_CONTENTERROR, "8bit"), RS(R_CONTENTERROR, "invalid header"),
    RS(R_CONTENTERROR, "message header"), RS(R_CONTENTERROR, "improper use of 8-bit data"),
    RS(R_CONTENTERROR, "line too long"), RS(R_CONTENTERROR, "malformed"),
    RS(R_CONTENTERROR, "content error"), RS(R_CONTENTERROR, "message content"),
    /* ---- syntax ---- */
    RS(R_SYNTAXERROR, "syntax error"), RS(R_SYNTAXERROR, "command unrecognized"),
    RS(R_SYNTAXERROR, "command not recognized"), RS(R_SYNTAXERROR, "unrecognized command"),
    RS(R_SYNTAXERROR, "bad sequence of commands"), RS(R_SYNTAXERROR, "command not implemented"),
    RS(R_SYNTAXERROR, "syntax"),
    /* ---- time-outs and queue lifetime ---- */
    RS(R_EXPIRED, "retry timeout exceeded"), RS(R_EXPIRED, "delivery time expired"),
    RS(R_EXPIRED, "message expired"), RS(R_EXPIRED, "has been delayed"),
    RS(R_EXPIRED, "could not be delivered for"), RS(R_EXPIRED, "cannot send message for"),
    RS(R_EXPIRED, "queue too long"), RS(R_EXPIRED, "retry time not reached"),
    RS(R_EXPIRED, "giving up"), RS(R_EXPIRED, "given up"), RS(R_EXPIRED, "was too long in the queue"),
    RS(R_EXPIRED, "delivery attempts will continue"), RS(R_EXPIRED, "maximum time"),
    RS(R_EXPIRED, "too long in queue"), RS(R_EXPIRED, "time limit exceeded"),
    RS(R_EXPIRED, "delivery expired"), RS(R_EXPIRED, "queue lifetime"),
    RS(R_EXPIRED, "message timeout"), RS(R_EXPIRED, "has not been delivered"),
    RS(R_EXPIRED, "unable to deliver for"),
    RS(R_EXPIRED, "could not be delivered within"), RS(R_EXPIRED, "envelope expired"),
    RS(R_EXPIRED, "will be retried for"), RS(R_EXPIRED, "failing for a long time"),
    RS(R_EXPIRED, "did not accept our requests to connect"), RS(R_EXPIRED, "retry time exceeded"),
    RS(R_EXPIRED, "delivery period expired"), RS(R_EXPIRED, "no delivery attempts"),
    /* ---- network ---- */
    RS(R_NETWORKERROR, "mail loop"), RS(R_NETWORKERROR, "loop detected"),
    RS(R_NETWORKERROR, "routing loop"), RS(R_NETWORKERROR, "too many hops"),
    RS(R_NETWORKERROR, "hop count exceeded"), RS(R_NETWORKERROR, "loops back to myself"),
    RS(R_EXPIRED, "connection timed out"), RS(R_EXPIRED, "operation timed out"),
    RS(R_NETWORKERROR, "network error"), RS(R_NETWORKERROR, "network is unreachable"),
    RS(R_NETWORKERROR, "connection reset"), RS(R_NETWORKERROR, "lost connection"),
    RS(R_NETWORKERROR, "connection dropped"), RS(R_NETWORKERROR, "could not connect"),
    RS(R_NETWORKERROR, "unable to connect"), RS(R_NETWORKERROR, "connection closed"),
    RS(R_NETWORKERROR, "too many received"), RS(R_NETWORKERROR, "mail forwarding loop"),
    /* ---- system ---- */
    RS(R_SYSTEMERROR, "system error"), RS(R_SYSTEMERROR, "internal error"),
    RS(R_SYSTEMERROR, "local error"), RS(R_SYSTEMERROR, "server error"),
    RS(R_SYSTEMERROR, "temporary failure"), RS(R_SYSTEMERROR, "temporary error"),
    RS(R_SYSTEMERROR, "service unavailable"), RS(R_SYSTEMERROR, "system is not configured"),
    RS(R_SYSTEMERROR, "server configuration"), RS(R_SYSTEMERROR, "configuration error"),
    RS(R_SYSTEMERROR, "out of memory"), RS(R_SYSTEMERROR, "resources temporarily"),
    RS(R_SYSTEMERROR, "try again later"), RS(R_SYSTEMERROR, "unable to deliver"),
    RS(R_SYSTEMERROR, "server busy"), RS(R_SYSTEMERROR, "system busy"),
    RS(R_SYSTEMERROR, "local problem"), RS(R_SYSTEMERROR, "requested action aborted"),
    /* ---- suppressed by the sender's ESP ---- */
    RS(R_SUPPRESSED, "suppression list"), RS(R_SUPPRESSED, "onaccountsuppressionlist"),

    /* ---- phrases that decide outright: an MTA's own wording (scope: its family, or any)
     *      and a remote host's codes (scope: its rule set). Earlier rows win. ---- */
    /* Yahoo Inc. (Yahoo, AOL): TSSnn codes */
    FR(S_YAHOOINC, R_BADREPUTATION, "[tss04]"),
    FR(S_ANY, R_USERUNKNOWN, "recipient name is not recognized"),
    FR(S_ANY, R_USERUNKNOWN, "mail.local: unknown user:"),
    FR(S_ANY, R_FAILEDSTARTTLS, "does not support tls"),
    /* Zoho's "mailbox unavailable" is its recipient's filter (before the generic row) */
    FR(F_ZOHO, R_FILTERED, "requested action not taken: mailbox unavailable"),
    FR(S_ZOHO, R_FILTERED, "requested action not taken: mailbox unavailable"),
    FR(S_ANY, R_USERUNKNOWN, "because the address couldn't be found"),
    FR(S_ANY, R_REQUIREPTR, "unverifyable sending ip"),
    FR(S_ANY, R_BLOCKED, "reached your daily relay quota"),
    FR(S_ANY, R_BLOCKED, "a problem occurred. (ask your postmaster for help or to contact"),
    FR(S_ANY, R_REJECTED, "is not a registered gateway user"),
    FR(S_ANY, R_NETWORKERROR, "forwarded more than the maximum allowed times"),
    FR(S_ANY, R_NETWORKERROR, "host name lookup failure"),
    FR(S_ANY, R_NETWORKERROR, "no route to host"),
    FR(S_ANY, R_SYSTEMFULL, "insufficient disk space"),
    /* Amazon SES wraps the remote reply in its own "5.1.0 Unknown address error" */
    FR(F_AMAZONSES, R_SECURITYERROR, "unknown address error 550-'5.7.1"),
    FR(S_ANY, R_HOSTUNKNOWN, "dns lookup failure"),
    FR(S_ANY, R_HOSTUNKNOWN, "domain does not exist"),
    FR(S_ANY, R_HOSTUNKNOWN, "account or domain may not exist"),
    FR(S_ANY, R_HOSTUNKNOWN, "the domain is not reachable"),
    FR(S_ANY, R_MESGTOOBIG, "line limit exceeded"),
    FR(S_ANY, R_NETWORKERROR, "network error on destination mx"),
    FR(S_ANY, R_REQUIREPTR, "mismatches client ip"),
    FR(S_ANY, R_TOOMANYCONN, "connection rate limit"),
    FR(S_ANY, R_NOTCOMPLIANTRFC, "multiple addresses in from"),
    FR(S_ANY, R_NOTCOMPLIANTRFC, "addresses in from: header"),
    FR(S_ANY, R_NORELAYING, "not configured to relay"),
    FR(S_ANY, R_NORELAYING, "email address is not verified"),
    FR(S_ANY, R_VIRUSDETECTED, "virus detected"),
    FR(S_ANY, R_CONTENTERROR, "headers too large"),
    FR(S_ANY, R_AUTHFAILURE, "does not have authentication information"),
    FR(S_ANY, R_SPAMDETECTED, "blacklisted url"),
    FR(S_ANY, R_SPAMDETECTED, "due to spam classification"),
    FR(S_ANY, R_REJECTED, "from: domain is invalid"),
    FR(S_ANY, R_NOTACCEPT, "521 5.3.2"),
    FR(S_ANY, R_USERUNKNOWN, "not listed in domino directory"),
    FR(S_ANY, R_USERUNKNOWN, "not listed in public name & address book"),
    FR(S_ANY, R_USERUNKNOWN, "recipientnotfound"),
    FR(S_ANY, R_USERUNKNOWN, "recipient not found by smtp address lookup"),
    FR(S_ANY, R_USERUNKNOWN, "found at the destination domain"),
    FR(S_ANY, R_USERUNKNOWN, "no valid recipients for this mm"),
    FR(S_ANY, R_USERUNKNOWN, "dd this user doesn't have a"),
    FR(S_ANY, R_USERUNKNOWN, "invalid recipient. lpn007_416"),
    FR(F_IMAILSERVER, R_USERUNKNOWN, "unknown user:"),
    FR(F_IMAILSERVER, R_USERUNKNOWN, "invalid final delivery userid"),
    FR(F_IMAILSERVER, R_EXPIRED, " attempts:"),
    FR(F_EXIM, R_SYNTAXERROR, "malformed address:"),
    FR(F_FML, R_REJECTED, "not a member of this mailing list"),
    FR(F_FML, R_SYSTEMERROR, "duplicated message-id"),
    FR(S_ANY, R_REJECTED, "the 'send mail as' feature"),
    FR(S_ANY, R_BLOCKED, "refused to talk to me"),
    FR(S_ANY, R_NOTACCEPT, "doesn't receive email according to"),
    FR(S_ANY, R_NOTACCEPT, "indicated no smtp service"),
    FR(S_ANY, R_NOTACCEPT, "no mx found for domain"),
    FR(S_ANY, R_NOTACCEPT, "no mx record found for domain"),
    FR(S_ANY, R_NOTACCEPT, "couldn't find a mail exchanger or ip address"),
    FR(S_ANY, R_NETWORKERROR, "message expired, dns query failed"),
    FR(S_ANY, R_EXPIRED, "message expired, connection refused"),
    FR(S_ANY, R_EXPIRED, "did not accept our requests to connect"),
    FR(S_ANY, R_EXPIRED, "could not find a gateway for"),
    FR(F_QMAIL, R_NETWORKERROR, "wasn't able to establish an smtp connection"),
    FR(F_X2, R_EXPIRED, "in the queue too long"),
    FR(S_ANY, R_SUSPEND, "temporary locked"), FR(S_ANY, R_SUSPEND, "account is locked"),
    FR(S_ANY, R_SUSPEND, "mailbox is frozen"),
    FR(S_ANY, R_USERUNKNOWN, "remote server returned unknown recipient"),
    FR(S_ANY, R_USERUNKNOWN, "requested action not taken: mailbox unavailable"),
    FR(S_ANY, R_USERUNKNOWN, "(and other recipients in the same domain)"),
    /* Gmail's relay reports name the SMTP state of the failure */
    FR(F_GMAIL, R_SYSTEMERROR, "(state 6)"), FR(F_GMAIL, R_SYSTEMERROR, "(state 8)"),
    FR(F_GMAIL, R_SYSTEMERROR, "(state 9)"), FR(F_GMAIL, R_NORELAYING, "(state 12)"),
    FR(F_GMAIL, R_BLOCKED, "(state 13)"),
    FR(F_GMAIL, R_FILTERED, "(state 15)"), FR(F_GMAIL, R_FILTERED, "(state 17)"),
    FR(F_GMAIL, R_FILTERED, "(state 18)"),
    FR(S_ANY, R_NOTCOMPLIANTRFC, "duplicate header"),
    FR(S_ANY, R_REJECTED, "addresses rejected : access denied"),
    FR(S_ANY, R_USERUNKNOWN, "recipient address rejected: access denied"),
    FR(S_ANY, R_BLOCKED, "banned sending ip"),
    FR(S_ANY, R_SECURITYERROR, "5.7.515"),
    FR(S_ANY, R_SECURITYERROR, "unauthenticated senders not allowed"),
    FR(S_ANY, R_REJECTED, "can't determine purported responsible address"),
    FR(S_ANY, R_REJECTED, "unroutable sender"),
    FR(S_ANY, R_REJECTED, "sender was rejected"),
    FR(S_ANY, R_REJECTED, "address that has been blacklisted"),
    FR(S_ANY, R_BLOCKED, "my name was rejected"),
    FR(S_ANY, R_BLOCKED, "not accepting connections"),
    FR(S_ANY, R_BLOCKED, "invalid ip for sending mail"),
    FR(S_ANY, R_BLOCKED, "unfortunately, messages from"),
    FR(S_ANY, R_BLOCKED, "remote protocol error"),
    FR(S_ANY, R_POLICYVIOLATION, "header error"),
    FR(S_ANY, R_POLICYVIOLATION, "protocol violation"),
    FR(S_ANY, R_POLICYVIOLATION, "its content presents a potential"),
    FR(S_ANY, R_SYSTEMERROR, "unable to contact ldap server"),
    FR(S_ANY, R_SYSTEMERROR, "could not load drd"),
    FR(S_ANY, R_SYSTEMERROR, "transaction failed"),
    FR(S_ANY, R_SYSTEMERROR, "service currently unavailable"),
    /* Google (Gmail, Workspace) */
    FR(S_GOOGLE, R_USERUNKNOWN, "the email account that you tried to reach does not exist"),
    FR(S_GOOGLE, R_SUSPEND, "the email account that you tried to reach is disabled"),
    FR(S_GOOGLE, R_MAILBOXFULL, "the email account that you tried to reach is over quota"),
    FR(S_GOOGLE, R_BADREPUTATION, "unusual rate of unsolicited mail"),
    FR(S_GOOGLE, R_REQUIREPTR, "does not have a ptr record"),
    FR(S_GOOGLE, R_AUTHFAILURE, "unauthenticated email"),
    FR(S_GOOGLE, R_NOTCOMPLIANTRFC, "is not rfc 5322 compliant"),
    /* Orange and La Poste (France PTT): the error number after the underscore */
    FR(S_FRANCEPTT, R_BLOCKED, "_101"), FR(S_FRANCEPTT, R_BLOCKED, "_102"),
    FR(S_FRANCEPTT, R_BLOCKED, "_103"), FR(S_FRANCEPTT, R_TOOMANYCONN, "_104"),
    FR(S_FRANCEPTT, R_BLOCKED, "_107"), FR(S_FRANCEPTT, R_BLOCKED, "_108"),
    FR(S_FRANCEPTT, R_SECURITYERROR, "_305"), FR(S_FRANCEPTT, R_BLOCKED, "_401"),
    FR(S_FRANCEPTT, R_SECURITYERROR, "_402"), FR(S_FRANCEPTT, R_REJECTED, "_403"),
    FR(S_FRANCEPTT, R_REJECTED, "_405"), FR(S_FRANCEPTT, R_REJECTED, "_415"),
    FR(S_FRANCEPTT, R_USERUNKNOWN, "_416"), FR(S_FRANCEPTT, R_MAILBOXFULL, "_417"),
    FR(S_FRANCEPTT, R_USERUNKNOWN, "_418"), FR(S_FRANCEPTT, R_SUSPEND, "_420"),
    FR(S_FRANCEPTT, R_REJECTED, "_421"), FR(S_FRANCEPTT, R_SUSPEND, "_426"),
    FR(S_FRANCEPTT, R_SYSTEMERROR, "_505"), FR(S_FRANCEPTT, R_SPAMDETECTED, "_506"),
    FR(S_FRANCEPTT, R_BLOCKED, "_510"), FR(S_FRANCEPTT, R_MESGTOOBIG, "_514"),
    FR(S_FRANCEPTT, R_POLICYVIOLATION, "_517"), FR(S_FRANCEPTT, R_POLICYVIOLATION, "_630"),
    FR(S_FRANCEPTT, R_BLOCKED, "_999"), FR(S_FRANCEPTT, R_SPAMDETECTED, "[506]"),
    FR(S_FRANCEPTT, R_SYSTEMERROR, "[505]"),
    /* Cox: its error codes (https://www.cox.com/.../email-error-codes) */
    FR(S_COX, R_BLOCKED, "cxbl"), FR(S_COX, R_BLOCKED, "cdrbl"), FR(S_COX, R_BLOCKED, "cxsnd"),
    FR(S_COX, R_BLOCKED, "cxsmtp"), FR(S_COX, R_BLOCKED, "cxcnct"), FR(S_COX, R_BLOCKED, "cxmxrt"),
    FR(S_COX, R_TOOMANYCONN, "cxthr"), FR(S_COX, R_USERUNKNOWN, "cxrcpt"),
    FR(S_COX, R_BLOCKED, "sender rejected. refer to error codes"),
    /* Tencent QQ */
    FR(S_TENCENT, R_TOOMANYCONN, "frequency limited"), FR(S_TENCENT, R_SPAMDETECTED, "spam"),
    FR(S_TENCENT, R_MAILBOXFULL, "mailbox is full"), FR(S_TENCENT, R_SUSPEND, "mailbox unavailable"),
    /* NTT DOCOMO: refusals after DATA are the recipient's domain filter */
    FR(S_NTTDOCOMO, R_REJECTED, "rejected by the recipient"),
    FR(S_NTTDOCOMO, R_MAILBOXFULL, "552 too much mail data"),
    FR(S_NTTDOCOMO, R_TOOMANYCONN, "552 too many recipients"),
    FR(S_NTTDOCOMO, R_SYNTAXERROR, "503 bad sequence of commands"),
    FR(S_NTTDOCOMO, R_SYNTAXERROR, "504 command parameter not implemented"),
    /* Mimecast */
    FR(S_MIMECAST, R_POLICYVIOLATION, "host network not allowed"),
    FR(S_MIMECAST, R_VIRUSDETECTED, "mcspamsignature"),
    FR(S_MIMECAST, R_VIRUSDETECTED, "virus signature"),
    FR(S_MIMECAST, R_BLOCKED, "local ct ip reputation"),
    FR(S_MIMECAST, R_USERUNKNOWN, "invalid recipient"),
    /* MessageLabs (Broadcom) */
    FR(S_MESSAGELABS, R_SECURITYERROR, "please turn on smtp authentication"),
    FR(S_MESSAGELABS, R_USERUNKNOWN, "no such user"),
    FR(S_MESSAGELABS, R_USERUNKNOWN, "rejected"),
    /* GoDaddy: IBnnn codes */
    FR(S_GODADDY, R_SPEEDING, "too many recipients this hour"),
    FR(S_GODADDY, R_SPEEDING, "ib607"), FR(S_GODADDY, R_SPEEDING, "ib705"),
    FR(S_GODADDY, R_BLOCKED, "ib101"), FR(S_GODADDY, R_BLOCKED, "ib108"),
    FR(S_GODADDY, R_BLOCKED, "ib110"), FR(S_GODADDY, R_REJECTED, "ib501"),
    FR(S_GODADDY, R_REJECTED, "ib502"), FR(S_GODADDY, R_REJECTED, "ib504"),
    FR(S_GODADDY, R_SPAMDETECTED, "ib212"), FR(S_GODADDY, R_BLOCKED, "ib401"),
    /* Spectrum (Charter) */
    FR(S_SPECTRUM, R_TOOMANYCONN, "sender rejected. please see https://www.spectrum.net"),
    FR(S_SPECTRUM, R_BLOCKED, "aup#in-"), FR(S_SPECTRUM, R_TOOMANYCONN, "aup#cxthr"),
    /* Zoho */
    FR(S_ZOHO, R_SECURITYERROR, "email policy violation detected"),
    FR(S_ZOHO, R_SECURITYERROR, "email flagged as spam"),
    /* Microsoft (Exchange Online, Outlook.com) */
    FR(S_MICROSOFT, R_SECURITYERROR, "5.7.515"),
    FR(S_MICROSOFT, R_USERUNKNOWN, "recipient not found by smtp address lookup"),
    FR(S_MICROSOFT, R_HOSTUNKNOWN, "the domain is not reachable"),
    FR(S_MICROSOFT, R_BLOCKED, "banned sending ip"),
    FR(S_MICROSOFT, R_BLOCKED, "part of their network is on our block list"),
    /* au (KDDI): "550 <addr>: User unknown" is an unknown mailbox, "550 : User unknown"
     * (no address) the recipient's filter */
    FR(S_KDDI, R_FILTERED, "550 : user unknown"),
    /* au's spam filter marks its refusals in the bounce's header (read from the header) */
    FR(F_EZWEB, R_FILTERED, "x-spasign: ng"),
    FR(F_EZWEB, R_EXPIRED, "your message was not delivered within "),
    FR(F_EZWEB, R_MAILBOXFULL, "the user(s) account is temporarily over quota"),
    FR(F_EZWEB, R_SUSPEND, "the user(s) account is disabled"),
    FR(F_EZWEB, R_SUSPEND, "the user(s) account is temporarily limited"),
    FR(S_KDDI, R_USERUNKNOWN, ">: user unknown"),
    /* Aol, Yahoo */
    FR(S_AOL, R_NOTACCEPT, "malformed or unexpected name server reply"),
    /* Facebook: its own error codes */
    /* RCP-P1 no such address; RCP-P2, -P3 the recipient's preferences or privacy settings;
     * RCP-T1 an internal fault; RCP-T4 a deactivated address */
    FR(S_FACEBOOK, R_USERUNKNOWN, "rcp-p1"), FR(S_FACEBOOK, R_FILTERED, "rcp-p2"),
    FR(S_FACEBOOK, R_FILTERED, "rcp-p3"), FR(S_FACEBOOK, R_SUSPEND, "rcp-t4"),
    FR(S_FACEBOOK, R_SYSTEMERROR, "rcp-t1"), FR(S_FACEBOOK, R_BLOCKED, "pol-p1"),
    FR(S_FACEBOOK, R_BLOCKED, "pol-p2"), FR(S_FACEBOOK, R_SPAMDETECTED, "pol-p7"),
    FR(S_FACEBOOK, R_SPEEDING, "pol-t1"), FR(S_FACEBOOK, R_SPEEDING, "pol-t2"),
    FR(S_FACEBOOK, R_SPEEDING, "pol-t3"), FR(S_FACEBOOK, R_FILTERED, "mbx-t1"),
    FR(S_FACEBOOK, R_MAILBOXFULL, "dns-p1"), FR(S_FACEBOOK, R_REQUIREPTR, "dns-p2"),
    FR(S_FACEBOOK, R_HOSTUNKNOWN, "dns-p3"), FR(S_FACEBOOK, R_AUTHFAILURE, "sec-p1"),

    /* ---- generic outright phrases, after the remote hosts' ---- */
    FR(S_ANY, R_NETWORKERROR, "host not found, try again"),
    FR(S_ANY, R_NETWORKERROR, "malformed or unexpected name server reply"),
    FR(S_ANY, R_NETWORKERROR, "responded with code nxdomain"),
    FR(S_ANY, R_NETWORKERROR, "had no relevant answers"),
    FR(S_ANY, R_EXPIRED, "host not reachable"),

    /* ---- MTA families: marks in the bounce text, sender or subject ---- */
    FM(F_POSTFIX, "this is the mail system at host"), FM(F_POSTFIX, "(postfix)"),
    FM(F_POSTFIX, "x-postfix-"), FM(F_POSTFIX, "the postfix program"),
    FM(F_SENDMAIL, "----- transcript of session follows -----"),
    FM(F_SENDMAIL, "the original message was received at"),
    FM(F_SENDMAIL, "----- the following addresses had permanent fatal errors -----"),
    FM(F_EXIM, "this message was created automatically by mail delivery software"),
    FM(F_EXIM, "the following address(es) failed"), FM(F_EXIM, "x-failed-recipients"),
    FM(F_EXIM, "contained one or more recipient addresses that were incorrectly constructed"),
    FM(F_QMAIL, "this is the qmail-send program"), FM(F_QMAIL, "(#5."), FM(F_QMAIL, "(#4."),
    FM(F_COURIER, "courier mail server"), FM(F_COURIER, "this is a delivery status notification from"),
    FM(F_OPENSMTPD, "this is the mailer-daemon, please do not reply"),
    FM(F_OPENSMTPD, "an error has occurred while attempting to deliver a message for"),
    FM(F_DRAGONFLY, "this is the dragonfly mail agent"),
    FM(F_EXCHANGE2003, "did not reach the following recipient(s)"),
    FM(F_EXCHANGE2003, "msexch:ims"),
    FM(F_EXCHANGE2007, "delivery has failed to these recipients or groups"),
    FM(F_EXCHANGE2007, "diagnostic information for administrators"),
    FM(F_OFFICE365, "outlook.com"), FM(F_OFFICE365, "for email administrators"),
    FM(F_GMAIL, "delivery to the following recipient failed permanently"),
    FM(F_GMAIL, "technical details of permanent failure"),
    FM(F_GMAIL, "technical details of temporary failure"),
    FM(F_GMAIL, "google tried to deliver your message"),
    FM(F_YAHOO, "sorry, we were unable to deliver your message to the following address"),
    FM(F_AMAZONSES, "amazonses.com"), FM(F_AMAZONSES, "x-ses-outgoing"),
    FM(F_SENDGRID, "sendgrid"), FM(F_DOMINO, "domino directory"),
    FM(F_DOMINO, "was not delivered to:"), FM(F_NOTES, "------- failure reasons --------"),
    FM(F_GMX, "--- the header of the original message is following. ---"),
    FM(F_MAILRU, "mail.ru"), FM(F_ZOHO, "zoho"), FM(F_KDDI, "au one net"),
    FM(F_KDDI, "dion.ne.jp"), FM(F_EZWEB, "ezweb.ne.jp"), FM(F_BIGLOBE, "biglobe.ne.jp"),
    FM(F_INTERSCAN, "interscan"), FM(F_MCAFEE, "mcafee"), FM(F_MXLOGIC, "mxlogic"),
    FM(F_MXLOGIC, "mxl_mta"), FM(F_MFILTER, "m-filter"), FM(F_MFILTER, "-------server message"),
    FM(F_APACHEJAMES, "apache james"), FM(F_APACHEJAMES, "message details:"),
    FM(F_ACTIVEHUNTER, "active!hunter"), FM(F_IMAILSERVER, "original message follows."),
    FM(F_IMAILSERVER, "smtpd32"), FM(F_MESSAGINGSERVER, "this report relates to a message you sent"),
    FM(F_MESSAGINGSERVER, "sun java system messaging server"),
    FM(F_MESSAGINGSERVER, "oracle communications messaging"),
    FM(F_VERIZON, "vzwpix.com"), FM(F_VERIZON, "post_master@vtext.com"), FM(F_VERIZON, "mmsc ndr"),
    FM(F_X1, "---the following addresses had delivery errors---"),
    FM(F_X2, "unable to deliver message to the following address(es)."),
    FM(F_X3, "this is an automatically generated delivery status notification."),
    FM(F_X4, "your mail message to the following address(es) could not be delivered"),
    FM(F_X6, "we had trouble delivering your message. full details follow"),
    FM(F_FML, "you are not a member of this mailing list"), FM(F_FML, "duplicated message-id in"),
    FM(F_GOOGLEWORKSPACE, "** message not delivered **"),
    FM(F_AMAVIS, "amavis"), FM(F_BARRACUDA, "barracuda"), FM(F_POWERMTA, "pmta"),
    FM(F_POWERMTA, "x-powermta"), FM(F_MAILFOUNDRY, "mailfoundry"),
    FM(F_MAILMARSHAL, "mailmarshal"),
    FM(F_MAILMARSHAL, "the following recipients were affected:"), FM(F_FML, "fml"), FM(F_GOOGLEGROUPS, "google groups"),
    FM(F_GOOGLEGROUPS, "googlegroups.com"), FM(F_AMAZONWORKMAIL, "amazon workmail"),
    FM(F_AMAZONWORKMAIL, "x-mailer: amazon"), FM(F_EINSUNDEINS, "1&1"),
    FM(F_EINSUNDEINS, "kundenserver.de"), FM(F_BIGFOOT, "bigfoot"),
    FM(F_SURFCONTROL, "surfcontrol"), FM(F_YANDEX, "yandex"),
    FM(F_V5SENDMAIL, "----- unsent message follows -----"),

    /* ---- where the error text stops and the returned message begins ---- */
    END("--- below this line is a copy of the message."),
    END("------ this is a copy of the message, including all the headers."),
    END("------ this is a copy of the message's headers."),
    END("------ this is a copy of your message, including all the headers."),
    END("the attachment contains the original mail headers"),
    END("message headers follow."), END("----- original message -----"),
    END("original message follows."), END("--- original message follows."),
    END("----- unsent message follows -----"), END("included is a copy of the message header"),
    END("below is a copy of the original message"), END("------- returned message --------"),
    END("-------original message"), END("--- the header of the original message is following."),
    END("original message:"), END("original mail as follows:"), END("----- original message follows -----"),
    END("------ original message ------"), END("--- original message ---"),
    END("----- message header follows -----"), END("----- original message headers -----"),
    END("the header of the original message"), END("------ original mail header ------"),
    END("header of the original message"), END("----- the following is a copy of the message"),
    END("****** end of message ******"), END("**********************     end of message"),
    END("--original message header--"), END("------- headers of the original message"),

    /* ---- signs of a bounce in the subject or sender ---- */
    BNC("mailer-daemon"), BNC("mail delivery"), BNC("delivery status notification"),
    BNC("undeliver"), BNC("returned mail"), BNC("delivery failure"), BNC("failure notice"),
    BNC("delivery failed"), BNC("could not be delivered"), BNC("non remis"),
    BNC("delivery has failed"), BNC("mail system error"), BNC("postmaster"),
    BNC("returned to sender"), BNC("delivery problem"), BNC("undelivered"),
    BNC("message delivery has failed"), BNC("error sending your mail"), BNC("not delivered"),
    BNC("delivery notification"), BNC("mail failure"), BNC("failed delivery"),

    /* ---- signs of an auto-reply in the subject ---- */
    VAC("out of office"), VAC("out of the office"), VAC("auto reply"), VAC("autoreply"),
    VAC("auto-reply"), VAC("automatic reply"), VAC("auto response"), VAC("autoresponse"),
    VAC("vacation"), VAC("away from"), VAC("abwesenheit"), VAC("absence"),
    VAC("on leave"), VAC("auto:"),
};
const size_t dlv_bounce_needle_count = sizeof(dlv_bounce_needles) / sizeof(dlv_bounce_needles[0]);

/* Per-family defaults: a reason some formats always mean (Google Groups refuses a post to
 * a group: rejected), and the SMTP command a family's failures follow when the text names
 * none (Exchange 2003 reports refused recipients). */
static const struct {
    int family;
    dlv_reason forced;   /* R_NONE: decide as usual */
    dlv_reason fallback; /* instead of onhold when nothing matched */
    const char *command; /* "" none */
} family_defaults[] = {
    {F_GOOGLEGROUPS, R_REJECTED, R_NONE, ""},
    {F_EXCHANGE2003, R_NONE, R_NONE, "RCPT"},
    {F_VERIZON, R_NONE, R_NONE, "RCPT"},
};

void dlv_family_defaults(int family, dlv_reason *forced, dlv_reason *fallback,
                         const char **command)
{
    *forced = R_NONE;
    *fallback = R_NONE;
    *command = "";
    for (size_t i = 0; i < sizeof(family_defaults) / sizeof(family_defaults[0]); i++) {
        if (family_defaults[i].family == family) {
            *forced = family_defaults[i].forced;
            *fallback = family_defaults[i].fallback;
            *command = family_defaults[i].command;
            return;
        }
    }
}

static const struct {
    int family;
    uint8_t whole, no_transcript;
} family_layouts[] = {
    {F_APACHEJAMES, 1, 1},
    {F_VERIZON, 1, 1},
    {F_MAILMARSHAL, 1, 0},
    {F_NOTES, 1, 0},
};

void dlv_family_layout(int family, int *whole, int *no_transcript)
{
    *whole = 0;
    *no_transcript = 0;
    for (size_t i = 0; i < sizeof(family_layouts) / sizeof(family_layouts[0]); i++) {
        if (family_layouts[i].family == family) {
            *whole = family_layouts[i].whole;
            *no_transcript = family_layouts[i].no_transcript;
            return;
        }
    }
}

/* A provider's own mark beats the generic layout its software shares with others. */
static const struct {
    int winner, over;
} family_overrides[] = {
    {F_VERIZON, F_APACHEJAMES},
};

int dlv_family_resolve(int first, uint64_t seen)
{
    for (size_t i = 0; i < sizeof(family_overrides) / sizeof(family_overrides[0]); i++) {
        if (family_overrides[i].over == first && ((seen >> family_overrides[i].winner) & 1u)) {
            return family_overrides[i].winner;
        }
    }
    return first;
}

/* What a remote host's refusal means when its status code is vague (X.0.0 or none) and only
 * the SMTP command tells: NTT DOCOMO refuses after DATA what its recipient's filter rejects. */
static const struct {
    int scope;
    const char *command;
    dlv_reason r;
} host_command_table[] = {
    {S_NTTDOCOMO, "DATA", R_REJECTED},
    {S_NTTDOCOMO, "RCPT", R_USERUNKNOWN},
};

dlv_reason dlv_host_command_reason(int scope, const char *command)
{
    if (!scope || !command || !command[0]) {
        return R_NONE;
    }
    for (size_t i = 0; i < sizeof(host_command_table) / sizeof(host_command_table[0]); i++) {
        if (host_command_table[i].scope == scope &&
            strcmp(host_command_table[i].command, command) == 0) {
            return host_command_table[i].r;
        }
    }
    return R_NONE;
}

/* Remote hosts and mail domains to the rule set of their operator (suffix match on a label
 * boundary). */
#define HOST(suffix, scope) {suffix, sizeof(suffix) - 1, scope}
static const struct {
    const char *suffix;
    size_t len; /* strlen(suffix) */
    int scope;
} host_table[] = {
    HOST("google.com", S_GOOGLE), HOST("gmail.com", S_GOOGLE), HOST("googlemail.com", S_GOOGLE),
    HOST("outlook.com", S_MICROSOFT), HOST("hotmail.com", S_MICROSOFT),
    HOST("live.com", S_MICROSOFT), HOST("msn.com", S_MICROSOFT), HOST("wanadoo.fr", S_FRANCEPTT),
    HOST("orange.fr", S_FRANCEPTT), HOST("laposte.net", S_FRANCEPTT),
    HOST("francetelecom.fr", S_FRANCEPTT), HOST("orange.com", S_FRANCEPTT), HOST("cox.net", S_COX),
    HOST("qq.com", S_TENCENT), HOST("docomo.ne.jp", S_NTTDOCOMO), HOST("mimecast.com", S_MIMECAST),
    HOST("mimecast-offshore.com", S_MIMECAST), HOST("messagelabs.com", S_MESSAGELABS),
    HOST("secureserver.net", S_GODADDY), HOST("charter.net", S_SPECTRUM),
    HOST("spectrum.net", S_SPECTRUM), HOST("twc.com", S_SPECTRUM), HOST("zoho.com", S_ZOHO),
    HOST("zohomail.com", S_ZOHO), HOST("aol.com", S_AOL), HOST("yahoodns.net", S_AOL),
    HOST("ezweb.ne.jp", S_KDDI), HOST("au.com", S_KDDI), HOST("facebook.com", S_FACEBOOK),
    HOST("googlegroups.com", S_GOOGLE), HOST("yahoo.com", S_YAHOOINC),
    HOST("facebookmail.com", S_FACEBOOK),
};
#undef HOST

int dlv_host_scope(const char *host)
{
    if (!host) {
        return 0;
    }
    size_t n = strlen(host);
    while (n > 0 && (host[n - 1] == '.' || host[n - 1] == ']' || host[n - 1] == '>' ||
                     host[n - 1] == ' ')) {
        n--;
    }
    if (n == 0) {
        return 0;
    }
    char last = host[n - 1] >= 'A' && host[n - 1] <= 'Z' ? (char)(host[n - 1] + 32) : host[n - 1];
    for (size_t i = 0; i < sizeof(host_table) / sizeof(host_table[0]); i++) {
        size_t m = host_table[i].len;
        /* the last octets differ for most rows: tested first */
        if (m > n || m == 0 || host_table[i].suffix[m - 1] != last) {
            continue;
        }
        const char *t = host + n - m;
        int eq = 1;
        for (size_t k = 0; k < m && eq; k++) {
            char c = t[k];
            eq = (c >= 'A' && c <= 'Z' ? c + 32 : c) == host_table[i].suffix[k];
        }
        if (eq && (m == n || t[-1] == '.' || t[-1] == '@' || t[-1] == ' ' || t[-1] == '[')) {
            return host_table[i].scope;
        }
    }
    return 0;
}

/* Enhanced status codes (RFC 3463, RFC 7372, RFC 7505, RFC 8689) to reasons: first the
 * full code, then "subject.detail" for any class. */
static const struct {
    const char *code;
    dlv_reason r;
} status_table[] = {
    {"4.1.0", R_NONE}, {"4.1.1", R_USERUNKNOWN}, {"4.2.1", R_SUSPEND}, {"4.4.1", R_EXPIRED},
    {"4.4.4", R_NETWORKERROR}, {"4.4.5", R_SYSTEMFULL}, {"4.7.1", R_BLOCKED},
    {"4.7.2", R_BLOCKED}, {"5.7.0", R_SECURITYERROR}, {"5.7.1", R_SECURITYERROR},
    {"4.7.0", R_NONE}, {"4.4.0", R_NONE},
    {"4.3.0", R_NONE}, {"4.3.4", R_NONE}, {"4.5.3", R_SYSTEMERROR},
    {"5.5.3", R_TOOMANYCONN}, {"4.0.947", R_EXPIRED},
    {"1.0", R_USERUNKNOWN}, {"1.1", R_USERUNKNOWN}, {"1.2", R_HOSTUNKNOWN},
    {"1.3", R_USERUNKNOWN}, {"1.4", R_FILTERED}, {"1.6", R_HASMOVED}, {"1.7", R_REJECTED},
    {"1.8", R_REJECTED}, {"1.9", R_SYSTEMERROR}, {"1.10", R_NOTACCEPT},
    {"2.0", R_FILTERED}, {"2.1", R_FILTERED}, {"2.2", R_MAILBOXFULL}, {"2.3", R_EXCEEDLIMIT},
    {"2.4", R_FILTERED},
    {"3.0", R_SYSTEMERROR}, {"3.1", R_SYSTEMFULL}, {"3.2", R_NOTACCEPT},
    {"3.3", R_SYSTEMERROR}, {"3.4", R_MESGTOOBIG}, {"3.5", R_SYSTEMERROR},
    {"4.0", R_NETWORKERROR}, {"4.2", R_NETWORKERROR}, {"4.3", R_SYSTEMERROR},
    {"4.4", R_HOSTUNKNOWN}, {"4.6", R_NETWORKERROR}, {"4.7", R_EXPIRED},
    {"5.3", R_TOOMANYCONN}, {"5.4", R_SYSTEMERROR}, {"5.5", R_SYSTEMERROR},
    {"5.6", R_SECURITYERROR},
    {"6.0", R_CONTENTERROR}, {"6.1", R_CONTENTERROR}, {"6.2", R_CONTENTERROR},
    {"6.3", R_CONTENTERROR}, {"6.4", R_CONTENTERROR}, {"6.5", R_CONTENTERROR},
    {"6.6", R_CONTENTERROR}, {"6.7", R_CONTENTERROR}, {"6.8", R_CONTENTERROR},
    {"6.9", R_CONTENTERROR},
    {"7.2", R_SECURITYERROR}, {"7.3", R_SECURITYERROR}, {"7.4", R_SECURITYERROR},
    {"7.5", R_SECURITYERROR}, {"7.6", R_SECURITYERROR}, {"7.7", R_SECURITYERROR},
    {"7.8", R_SECURITYERROR}, {"7.9", R_SECURITYERROR}, {"7.10", R_SECURITYERROR},
    {"7.11", R_SECURITYERROR}, {"7.12", R_SECURITYERROR}, {"7.13", R_SUSPEND},
    {"7.14", R_SECURITYERROR}, {"7.15", R_SECURITYERROR}, {"7.16", R_MESGTOOBIG},
    {"7.17", R_HASMOVED}, {"7.18", R_HASMOVED}, {"7.19", R_SECURITYERROR},
    {"7.20", R_AUTHFAILURE}, {"7.21", R_AUTHFAILURE}, {"7.22", R_AUTHFAILURE},
    {"7.23", R_AUTHFAILURE}, {"7.24", R_AUTHFAILURE}, {"7.25", R_REQUIREPTR},
    {"7.26", R_AUTHFAILURE}, {"7.27", R_NOTACCEPT}, {"7.28", R_SPAMDETECTED},
    {"7.29", R_AUTHFAILURE}, {"7.30", R_FAILEDSTARTTLS},
    {"0.910", R_FILTERED}, {"0.911", R_USERUNKNOWN}, {"0.912", R_HOSTUNKNOWN},
    {"0.913", R_EXCEEDLIMIT}, {"0.914", R_MESGTOOBIG}, {"0.915", R_SECURITYERROR},
    {"0.916", R_HASMOVED}, {"0.917", R_EXPIRED}, {"0.918", R_NOTACCEPT},
    {"0.919", R_MAILERERROR}, {"0.920", R_SUSPEND}, {"0.921", R_SUSPEND},
    {"0.922", R_MAILBOXFULL}, {"0.923", R_SYSTEMERROR}, {"0.924", R_SYSTEMFULL},
    {"0.925", R_TOOMANYCONN}, {"0.926", R_SYNTAXERROR}, {"0.927", R_NETWORKERROR},
    {"0.928", R_NORELAYING}, {"0.929", R_CONTENTERROR}, {"0.930", R_SPAMDETECTED},
    {"0.931", R_VIRUSDETECTED}, {"0.932", R_POLICYVIOLATION}, {"0.933", R_BLOCKED},
    {"0.934", R_REJECTED}, {"0.901", R_ONHOLD},
};

dlv_reason dlv_status_reason(const char *status)
{
    if (!status || !status[0] || !status[1]) {
        return R_NONE;
    }
    const size_t n = sizeof(status_table) / sizeof(status_table[0]);
    /* the first octets are compared before strcmp: the same answers, fewer calls */
    for (size_t i = 0; i < n; i++) {
        if (status_table[i].code[0] == status[0] && strcmp(status_table[i].code, status) == 0) {
            return status_table[i].r;
        }
    }
    const char *sd = status + 2;
    for (size_t i = 0; i < n; i++) {
        if (status_table[i].code[0] == sd[0] && strcmp(status_table[i].code, sd) == 0) {
            return status_table[i].r;
        }
    }
    return R_NONE;
}

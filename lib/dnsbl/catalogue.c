/*
 * The built-in catalogue: the lists people use and what their codes mean, as data. Sources:
 * the operators' documentation, summarised in ../shared/recipes/dnsbl-facts.md. A caller
 * extends or replaces it at run time (deliver_dnsbl_define_list/_define_code/_clear_catalogue).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "dnsbl/dnsbl_int.h"

#define L DELIVER_DNSBL_CODE_LISTED
#define B DELIVER_DNSBL_CODE_BLOCKED
#define Q DELIVER_DNSBL_CODE_BAD_QUERY
#define END {NULL, 0, NULL}

/* Spamhaus error codes, the same in every Spamhaus zone: never listings. */
static const dlv_dnsbl_cat_code spamhaus_errors[] = {
    {"127.255.255.252", Q, "typo or malformed query (wrong zone name or DQS key form)"},
    {"127.255.255.254", B, "query came through a public or unattributable resolver, which "
                           "Spamhaus refuses"},
    {"127.255.255.255", B, "excessive query volume from this resolver (fair-use limit)"},
    END,
};

static const dlv_dnsbl_cat_code spamhaus_sbl[] = {
    {"127.0.0.2", L, "SBL: verified spam source, spam operation or spam support"},
    {"127.0.0.3", L, "SBL CSS: snowshoe or low-reputation sending, detected automatically"},
    {"127.0.0.9", L, "SBL DROP/EDROP: hijacked or criminal netblock"},
    {"127.0.0.30", L, "SBL BCL: botnet command and control server"},
    END,
};

static const dlv_dnsbl_cat_code spamhaus_xbl[] = {
    {"127.0.0.4", L, "XBL: exploited host (bot, open proxy; includes the former CBL)"},
    {"127.0.0.[5..7]", L, "XBL: exploited host (historic code)"},
    END,
};

static const dlv_dnsbl_cat_code spamhaus_pbl[] = {
    {"127.0.0.10", L, "PBL: end-user range that should not send mail directly, set by its ISP"},
    {"127.0.0.11", L, "PBL: end-user range that should not send mail directly, set by Spamhaus"},
    END,
};

static const dlv_dnsbl_cat_code spamhaus_dbl[] = {
    {"127.0.1.2", L, "DBL: spam domain (low reputation)"},
    {"127.0.1.4", L, "DBL: phishing domain"},
    {"127.0.1.5", L, "DBL: malware domain"},
    {"127.0.1.6", L, "DBL: botnet command and control domain"},
    {"127.0.1.102", L, "DBL: abused legitimate domain, used for spam"},
    {"127.0.1.103", L, "DBL: abused legitimate domain, spammed redirector or URL shortener"},
    {"127.0.1.104", L, "DBL: abused legitimate domain, used for phishing"},
    {"127.0.1.105", L, "DBL: abused legitimate domain, used for malware"},
    {"127.0.1.106", L, "DBL: abused legitimate domain, used for botnet command and control"},
    {"127.0.1.255", Q, "an IP address was queried against the domain list"},
    END,
};

static const dlv_dnsbl_cat_code spamhaus_zrd[] = {
    {"127.0.2.[2..24]", L, "ZRD: zero-reputation domain, first seen within the hours given "
                           "by the last octet (2 to 24)"},
    END,
};

static const dlv_dnsbl_cat_code only_2[] = {
    {"127.0.0.2", L, "listed"},
    END,
};

static const dlv_dnsbl_cat_code barracuda[] = {
    {"127.0.0.2", L, "Barracuda BRBL: poor reputation sender"},
    END,
};

static const dlv_dnsbl_cat_code spamcop[] = {
    {"127.0.0.2", L, "SpamCop: recently reported as a spam source by SpamCop users"},
    END,
};

static const dlv_dnsbl_cat_code mailspike_bl[] = {
    {"127.0.0.2", L, "Mailspike: spam source (blacklist)"},
    {"127.0.0.[10..14]", L, "Mailspike: bad reputation (level given by rep.mailspike.net)"},
    END,
};

static const dlv_dnsbl_cat_code mailspike_rep[] = {
    {"127.0.0.10", L, "Mailspike L5: worst reputation"},
    {"127.0.0.11", L, "Mailspike L4: very bad reputation"},
    {"127.0.0.12", L, "Mailspike L3: bad reputation"},
    {"127.0.0.13", L, "Mailspike L2: suspicious"},
    {"127.0.0.14", L, "Mailspike L1: neutral, probably spam"},
    {"127.0.0.15", L, "Mailspike: neutral"},
    {"127.0.0.16", L, "Mailspike H1: neutral, probably legitimate"},
    {"127.0.0.17", L, "Mailspike H2: possibly legitimate"},
    {"127.0.0.18", L, "Mailspike H3: good reputation"},
    {"127.0.0.19", L, "Mailspike H4: very good reputation"},
    {"127.0.0.20", L, "Mailspike H5: excellent reputation"},
    END,
};

static const dlv_dnsbl_cat_code uce1[] = {
    {"127.0.0.2", L, "UCEPROTECT level 1: this address hit spam traps"},
    END,
};
static const dlv_dnsbl_cat_code uce2[] = {
    {"127.0.0.2", L, "UCEPROTECT level 2: the address's allocation has too many listed "
                     "addresses (collateral listing)"},
    END,
};
static const dlv_dnsbl_cat_code uce3[] = {
    {"127.0.0.2", L, "UCEPROTECT level 3: the address's whole ASN is listed (collateral "
                     "listing)"},
    END,
};

static const dlv_dnsbl_cat_code psbl[] = {
    {"127.0.0.2", L, "PSBL: sent mail to spam traps (self-removal at psbl.org)"},
    END,
};

static const dlv_dnsbl_cat_code manitu[] = {
    {"127.0.0.2", L, "NiX Spam (manitu): spam source"},
    END,
};

static const dlv_dnsbl_cat_code dronebl[] = {
    {"127.0.0.1", L, "DroneBL: testing class"},
    {"127.0.0.2", L, "DroneBL: sample data"},
    {"127.0.0.3", L, "DroneBL: IRC drone"},
    {"127.0.0.5", L, "DroneBL: bottler"},
    {"127.0.0.6", L, "DroneBL: unknown spambot or drone"},
    {"127.0.0.7", L, "DroneBL: DDoS drone"},
    {"127.0.0.8", L, "DroneBL: SOCKS proxy"},
    {"127.0.0.9", L, "DroneBL: HTTP proxy"},
    {"127.0.0.10", L, "DroneBL: proxy chain"},
    {"127.0.0.11", L, "DroneBL: web page proxy"},
    {"127.0.0.12", L, "DroneBL: open DNS resolver"},
    {"127.0.0.13", L, "DroneBL: brute force attacker"},
    {"127.0.0.14", L, "DroneBL: open Wingate proxy"},
    {"127.0.0.15", L, "DroneBL: compromised router or gateway"},
    {"127.0.0.16", L, "DroneBL: autorooting worm"},
    {"127.0.0.17", L, "DroneBL: automatically determined botnet address"},
    {"127.0.0.18", L, "DroneBL: DNS/MX type host name detected on IRC"},
    {"127.0.0.19", L, "DroneBL: abused VPN service"},
    {"127.0.0.255", L, "DroneBL: uncategorised threat"},
    END,
};

static const dlv_dnsbl_cat_code blocklist_de[] = {
    {"127.0.0.2", L, "blocklist.de: reported for attacks (brute force, spam) in the last 48 hours"},
    END,
};

/* DNSWL: 127.0.CATEGORY.TRUST; both meanings are joined. 127.0.0.255: refused. */
static const dlv_dnsbl_cat_code dnswl[] = {
    {"127.0.2.[0..255]", L, "category: financial services"},
    {"127.0.3.[0..255]", L, "category: email service providers"},
    {"127.0.4.[0..255]", L, "category: organisations (both for-profit and non-profit)"},
    {"127.0.5.[0..255]", L, "category: service/network providers"},
    {"127.0.6.[0..255]", L, "category: personal/private servers"},
    {"127.0.7.[0..255]", L, "category: travel/leisure industry"},
    {"127.0.8.[0..255]", L, "category: public sector/governments"},
    {"127.0.9.[0..255]", L, "category: media and tech companies"},
    {"127.0.10.[0..255]", L, "category: some special cases"},
    {"127.0.11.[0..255]", L, "category: education, academic"},
    {"127.0.12.[0..255]", L, "category: healthcare"},
    {"127.0.13.[0..255]", L, "category: manufacturing/industrial"},
    {"127.0.14.[0..255]", L, "category: retail/wholesale/services"},
    {"127.0.15.[0..255]", L, "category: email marketing providers"},
    {"127.0.20.[0..255]", L, "category: added through self-service, no specific category"},
    {"127.0.[0..255].0", L, "trust: none"},
    {"127.0.[0..255].1", L, "trust: low"},
    {"127.0.[0..255].2", L, "trust: medium"},
    {"127.0.[0..255].3", L, "trust: high"},
    {"127.0.0.255", B, "over the free query limit or blocked: DNSWL refuses this resolver"},
    END,
};

#define IP4 DELIVER_DNSBL_IPV4
#define IP6 DELIVER_DNSBL_IPV6
#define DOM DELIVER_DNSBL_DOMAIN

const dlv_dnsbl_cat_list dlv_dnsbl_catalogue[] = {
    {"zen.spamhaus.org", IP4 | IP6, 1, "Spamhaus ZEN (SBL, CSS, XBL, PBL)", NULL,
     {spamhaus_sbl, spamhaus_xbl, spamhaus_pbl, spamhaus_errors}},
    {"sbl.spamhaus.org", IP4 | IP6, 1, "Spamhaus SBL", NULL, {spamhaus_sbl, spamhaus_errors}},
    {"xbl.spamhaus.org", IP4 | IP6, 1, "Spamhaus XBL", NULL, {spamhaus_xbl, spamhaus_errors}},
    {"pbl.spamhaus.org", IP4 | IP6, 1, "Spamhaus PBL (policy: end-user ranges)", NULL,
     {spamhaus_pbl, spamhaus_errors}},
    {"sbl-xbl.spamhaus.org", IP4 | IP6, 1, "Spamhaus SBL and XBL", NULL,
     {spamhaus_sbl, spamhaus_xbl, spamhaus_errors}},
    {"b.barracudacentral.org", IP4, 1, "Barracuda Reputation Block List", NULL, {barracuda}},
    {"bl.spamcop.net", IP4, 1, "SpamCop Blocking List", NULL, {spamcop}},
    {"bl.mailspike.net", IP4, 1, "Mailspike blacklist", NULL, {mailspike_bl}},
    {"rep.mailspike.net", IP4, 1, "Mailspike reputation", "127.0.0.[10..13]", {mailspike_rep}},
    {"dnsbl-1.uceprotect.net", IP4, 1, "UCEPROTECT level 1 (single addresses)", NULL, {uce1}},
    {"dnsbl-2.uceprotect.net", IP4, 1, "UCEPROTECT level 2 (allocations)", NULL, {uce2}},
    {"dnsbl-3.uceprotect.net", IP4, 1, "UCEPROTECT level 3 (whole ASNs)", NULL, {uce3}},
    {"psbl.surriel.com", IP4, 1, "Passive Spam Block List", NULL, {psbl}},
    {"ix.dnsbl.manitu.net", IP4, 1, "NiX Spam (manitu)", NULL, {manitu}},
    {"dnsbl.dronebl.org", IP4 | IP6, 1, "DroneBL", NULL, {dronebl}},
    {"bl.blocklist.de", IP4, 1, "blocklist.de", NULL, {blocklist_de}},
    {"list.dnswl.org", IP4 | IP6 | DELIVER_DNSBL_ALLOWLIST, -1, "DNSWL allowlist",
     "127.0.[0..255].[1..3]", {dnswl}},
    {"dbl.spamhaus.org", DOM, 1, "Spamhaus Domain Block List", "127.0.1.[2..99]",
     {spamhaus_dbl, spamhaus_errors}},
    {"zrd.spamhaus.org", DOM, 1, "Spamhaus Zero Reputation Domain", NULL,
     {spamhaus_zrd, spamhaus_errors}},
    {"dnsbl.sorbs.net", IP4 | DELIVER_DNSBL_RETIRED, 1,
     "SORBS (shut down by Proofpoint on 2024-06-05)", NULL, {only_2}},
};

const size_t dlv_dnsbl_catalogue_len = sizeof(dlv_dnsbl_catalogue) / sizeof(dlv_dnsbl_catalogue[0]);

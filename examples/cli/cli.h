/*
 * The deliver tool: shared pieces of the subcommands (public API only).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef DELIVER_CLI_H
#define DELIVER_CLI_H

#include <stdio.h>

#include <deliver/deliver.h>

/* Exit statuses, part of the tool's contract (ABI.md). */
enum { CLI_OK = 0, CLI_USAGE = 1, CLI_FAILED = 2 };

typedef struct cli {
    deliver_ctx *ctx;
    int json;
    const char *prog;
} cli;

/* A subcommand: operands (global options already removed); returns an exit status. */
typedef int (*cli_cmd_fn)(cli *c, int argc, char **argv);

int cmd_dns(cli *c, int argc, char **argv);
int cmd_spf(cli *c, int argc, char **argv);
int cmd_spf_lint(cli *c, int argc, char **argv);
int cmd_bounce(cli *c, int argc, char **argv);
int cmd_dnsbl(cli *c, int argc, char **argv);
int cmd_dmarc(cli *c, int argc, char **argv);
int cmd_dmarc_eval(cli *c, int argc, char **argv);
int cmd_dkim_key(cli *c, int argc, char **argv);
int cmd_dkim_verify(cli *c, int argc, char **argv);
int cmd_dkim_sign(cli *c, int argc, char **argv);

/* A whole input: a file, or standard input for NULL or "-" (cli_read_file reads at most
 * 1 GiB). malloc'ed; NULL on failure with errno set (EFBIG past max). */
uint8_t *cli_read_file(const char *path, size_t *len);
uint8_t *cli_read_stream(FILE *f, size_t max, size_t *len);

/* Messages to stderr, prefixed with the program name. */
void cli_error(const cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- JSON output: one document on stdout ---- */
typedef struct json {
    FILE *out;
    int depth;
    int first[64]; /* per nesting level: nothing written yet */
    int after_key;
} json;

void json_init(json *j, FILE *out);
void json_begin_object(json *j);
void json_end_object(json *j);
void json_begin_array(json *j);
void json_end_array(json *j);
void json_key(json *j, const char *key);
void json_string(json *j, const char *s);
void json_string_n(json *j, const char *s, size_t n);
void json_int(json *j, long long v);
void json_bool(json *j, int v);
void json_null(json *j);
/* Writes the findings array of a check, under the key "findings". */
void json_findings(json *j, size_t count, const deliver_finding *(*get)(const void *h, size_t i),
                   const void *h);
/* Prints findings as text lines (";; severity id: message (location) hint"). */
void text_findings(FILE *out, size_t count,
                   const deliver_finding *(*get)(const void *h, size_t i), const void *h);

#endif

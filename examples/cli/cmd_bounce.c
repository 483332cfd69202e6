/*
 * deliver bounce [FILE|DIR|-]...: classify bounces, one line (or JSON object) per recipient.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


static void out_str(json *j, const char *key, const char *v)
{
    json_key(j, key);
    if (v && v[0]) {
        json_string(j, v);
    } else {
        json_null(j);
    }
}

static int report(cli *c, deliver_bounce *b, const char *name);

static int one(cli *c, deliver_bounce *b, const char *name, FILE *f)
{
    size_t len = 0;
    unsigned char *buf = cli_read_stream(f, deliver_bounce_limit(DELIVER_BOUNCE_LIMIT_INPUT), &len);
    if (!buf) {
        cli_error(c, "%s: %s", name, strerror(errno));
        return CLI_FAILED;
    }
    deliver_status st = deliver_bounce_parse(b, buf, len);
    free(buf);
    if (st < 0) {
        cli_error(c, "%s: %s", name, *deliver_bounce_errmsg(b) ? deliver_bounce_errmsg(b)
                                                               : deliver_strerror(st));
        return CLI_FAILED;
    }
    return report(c, b, name);
}

/* A bare SMTP reply (--reply TEXT), classified with the same rules as a bounce. */
static int reply(cli *c, deliver_bounce *b, const char *text)
{
    deliver_status st = deliver_bounce_parse_reply(b, text, strlen(text));
    if (st < 0) {
        cli_error(c, "--reply: %s", *deliver_bounce_errmsg(b) ? deliver_bounce_errmsg(b)
                                                             : deliver_strerror(st));
        return CLI_FAILED;
    }
    return report(c, b, "-");
}

static int report(cli *c, deliver_bounce *b, const char *name)
{
    size_t n = deliver_bounce_recipient_count(b);
    if (n == 0) {
        if (c->json) {
            json j;
            json_init(&j, stdout);
            json_begin_object(&j);
            out_str(&j, "file", name);
            json_key(&j, "reason");
            json_null(&j);
            json_end_object(&j);
        } else {
            printf("%s\t-\tnot a bounce\n", name);
        }
        return CLI_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (c->json) {
            json j;
            json_init(&j, stdout);
            json_begin_object(&j);
            out_str(&j, "file", name);
            out_str(&j, "recipient", deliver_bounce_get_recipient(b, i));
            out_str(&j, "reason", deliver_bounce_get_reason(b, i));
            json_key(&j, "hard");
            json_bool(&j, deliver_bounce_is_hard(b, i));
            out_str(&j, "status", deliver_bounce_get_status(b, i));
            json_key(&j, "reply_code");
            if (deliver_bounce_get_reply_code(b, i)) {
                json_int(&j, deliver_bounce_get_reply_code(b, i));
            } else {
                json_null(&j);
            }
            out_str(&j, "diagnostic", deliver_bounce_get_diagnostic(b, i));
            out_str(&j, "remote_mta", deliver_bounce_get_remote_mta(b, i));
            out_str(&j, "mta", deliver_bounce_get_mta(b));
            out_str(&j, "action", deliver_bounce_get_action(b, i));
            out_str(&j, "command", deliver_bounce_get_command(b, i));
            out_str(&j, "feedback_type", deliver_bounce_get_feedback_type(b, i));
            out_str(&j, "decided_by", deliver_bounce_get_decided_by(b, i));
            json_end_object(&j);
        } else {
            printf("%s\t%s\t%s\t%s\t%s\t%s\n", name, deliver_bounce_get_recipient(b, i),
                   deliver_bounce_get_reason(b, i), deliver_bounce_is_hard(b, i) ? "hard" : "soft",
                   *deliver_bounce_get_status(b, i) ? deliver_bounce_get_status(b, i) : "-",
                   deliver_bounce_get_decided_by(b, i));
        }
    }
    return CLI_OK;
}

static int path(cli *c, deliver_bounce *b, const char *p)
{
    if (strcmp(p, "-") == 0) {
        return one(c, b, "-", stdin);
    }
    struct stat st;
    if (stat(p, &st) < 0) {
        cli_error(c, "%s: cannot read", p);
        return CLI_FAILED;
    }
    if (S_ISDIR(st.st_mode)) {
        struct dirent **list = NULL;
        int n = scandir(p, &list, NULL, alphasort);
        if (n < 0) {
            cli_error(c, "%s: cannot read the folder", p);
            return CLI_FAILED;
        }
        int rc = CLI_OK;
        for (int i = 0; i < n; i++) {
            if (list[i]->d_name[0] != '.') {
                char full[4096];
                snprintf(full, sizeof(full), "%s/%s", p, list[i]->d_name);
                struct stat fst;
                if (stat(full, &fst) == 0 && S_ISREG(fst.st_mode)) {
                    int r = path(c, b, full);
                    rc = r > rc ? r : rc;
                }
            }
            free(list[i]);
        }
        free(list);
        return rc;
    }
    FILE *f = fopen(p, "rb");
    if (!f) {
        cli_error(c, "%s: cannot open", p);
        return CLI_FAILED;
    }
    int rc = one(c, b, p, f);
    fclose(f);
    return rc;
}

int cmd_bounce(cli *c, int argc, char **argv)
{
    deliver_bounce *b = NULL;
    deliver_status st = deliver_bounce_new(&b, c->ctx);
    if (st < 0) {
        cli_error(c, "%s", deliver_strerror(st));
        return CLI_FAILED;
    }
    int rc = CLI_OK, operands = 0;
    /* --reply TEXT (repeatable) classifies a bare SMTP reply instead of a message */
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--reply") == 0) {
            if (i + 1 >= argc) {
                cli_error(c, "--reply needs the text of an SMTP reply");
                deliver_bounce_free(b);
                return CLI_USAGE;
            }
            i++;
            operands++;
            int r = reply(c, b, argv[i]);
            rc = r > rc ? r : rc;
        } else if (strncmp(argv[i], "--reply=", 8) == 0) {
            operands++;
            int r = reply(c, b, argv[i] + 8);
            rc = r > rc ? r : rc;
        } else {
            operands++;
            int r = path(c, b, argv[i]);
            rc = r > rc ? r : rc;
        }
    }
    if (operands == 0) {
        rc = path(c, b, "-");
    }
    deliver_bounce_free(b);
    return rc;
}

/*
 * A small streaming JSON writer for the deliver tool.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "cli.h"

#include <string.h>

void json_init(json *j, FILE *out)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
    j->first[0] = 1;
}

static void sep(json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (!j->first[j->depth]) {
        fputc(',', j->out);
    }
    j->first[j->depth] = 0;
}

static void open(json *j, char c)
{
    sep(j);
    fputc(c, j->out);
    if (j->depth < 63) {
        j->depth++;
    }
    j->first[j->depth] = 1;
}

static void close_(json *j, char c)
{
    fputc(c, j->out);
    if (j->depth > 0) {
        j->depth--;
    }
    if (j->depth == 0) {
        fputc('\n', j->out);
    }
}

void json_begin_object(json *j)
{
    open(j, '{');
}

void json_end_object(json *j)
{
    close_(j, '}');
}

void json_begin_array(json *j)
{
    open(j, '[');
}

void json_end_array(json *j)
{
    close_(j, ']');
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not valid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        return 0;
    }
    return len;
}

void json_string_n(json *j, const char *s, size_t n)
{
    sep(j);
    fputc('"', j->out);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', j->out);
            fputc(c, j->out);
            i++;
        } else if (c == '\n') {
            fputs("\\n", j->out);
            i++;
        } else if (c == '\r') {
            fputs("\\r", j->out);
            i++;
        } else if (c == '\t') {
            fputs("\\t", j->out);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(j->out, "\\u%04x", c);
            i++;
        } else {
            size_t l = utf8_len(p + i, n - i);
            if (l == 0) {
                fputs("\\ufffd", j->out); /* not UTF-8: JSON cannot carry the byte */
                i++;
            } else {
                fwrite(p + i, 1, l, j->out);
                i += l;
            }
        }
    }
    fputc('"', j->out);
}

void json_string(json *j, const char *s)
{
    if (!s) {
        json_null(j);
        return;
    }
    json_string_n(j, s, strlen(s));
}

void json_key(json *j, const char *key)
{
    json_string(j, key);
    fputc(':', j->out);
    j->after_key = 1;
}

void json_int(json *j, long long v)
{
    sep(j);
    fprintf(j->out, "%lld", v);
}

void json_bool(json *j, int v)
{
    sep(j);
    fputs(v ? "true" : "false", j->out);
}

void json_null(json *j)
{
    sep(j);
    fputs("null", j->out);
}

void json_findings(json *j, size_t count, const deliver_finding *(*get)(const void *h, size_t i),
                   const void *h)
{
    json_key(j, "findings");
    json_begin_array(j);
    for (size_t i = 0; i < count; i++) {
        const deliver_finding *f = get(h, i);
        json_begin_object(j);
        json_key(j, "id");
        json_string(j, deliver_finding_id(f));
        json_key(j, "severity");
        json_string(j, deliver_severity_name(deliver_finding_severity(f)));
        json_key(j, "message");
        json_string(j, deliver_finding_message(f));
        json_key(j, "location");
        json_string(j, deliver_finding_location(f));
        json_key(j, "hint");
        json_string(j, deliver_finding_hint(f));
        json_end_object(j);
    }
    json_end_array(j);
}

void text_findings(FILE *out, size_t count,
                   const deliver_finding *(*get)(const void *h, size_t i), const void *h)
{
    for (size_t i = 0; i < count; i++) {
        const deliver_finding *f = get(h, i);
        fprintf(out, ";; %s %s: %s", deliver_severity_name(deliver_finding_severity(f)),
                deliver_finding_id(f), deliver_finding_message(f));
        if (*deliver_finding_location(f)) {
            fprintf(out, " (%s)", deliver_finding_location(f));
        }
        fputc('\n', out);
        if (*deliver_finding_hint(f)) {
            fprintf(out, ";;   hint: %s\n", deliver_finding_hint(f));
        }
    }
}

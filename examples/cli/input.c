/*
 * The deliver tool: reading a whole input (a file, or standard input for "-").
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint8_t *cli_read_stream(FILE *f, size_t max, size_t *len)
{
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            uint8_t *nb = cap < max ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                errno = cap < max ? ENOMEM : EFBIG;
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    *len = n;
    return buf;
}

uint8_t *cli_read_file(const char *path, size_t *len)
{
    FILE *f = (!path || strcmp(path, "-") == 0) ? stdin : fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    uint8_t *buf = cli_read_stream(f, (size_t)1 << 30, len);
    if (f != stdin) {
        fclose(f);
    }
    return buf;
}

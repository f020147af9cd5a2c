/* The bytes after an RDB's EOF (and CRC) when the file is an AOF with an RDB
 * preamble (aof-use-rdb-preamble yes): RESP commands, counted as they stream
 * past, never held.
 *
 *   command := '*' count CRLF ( '$' len CRLF bytes[len] CRLF ){count}
 *
 * Anything else (a replication mark, garbage) stops the count: the tail is
 * then reported as bytes only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "parser/reader.h"

enum { R_START, R_COUNT, R_DOLLAR, R_LEN, R_BULK, R_CR, R_LF_COUNT, R_LF_LEN, R_BAD };

void rdbl__resp_feed(rdbl__resp *r, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && r->state != R_BAD) {
        uint8_t c = p[i];
        switch (r->state) {
        case R_START:
            if (c != '*') {
                r->state = R_BAD;
                break;
            }
            r->num = 0;
            r->digits = 0;
            r->state = R_COUNT;
            i++;
            break;
        case R_COUNT:
        case R_LEN:
            if (c >= '0' && c <= '9' && r->digits < 18) {
                r->num = r->num * 10 + (uint64_t)(c - '0');
                r->digits++;
                i++;
            } else if (c == '\r' && r->digits) {
                r->state = r->state == R_COUNT ? R_LF_COUNT : R_LF_LEN;
                i++;
            } else {
                r->state = R_BAD;
            }
            break;
        case R_LF_COUNT:
            if (c != '\n' || r->num == 0) {
                r->state = R_BAD;
                break;
            }
            r->args = r->num;
            r->state = R_DOLLAR;
            i++;
            break;
        case R_DOLLAR:
            if (c != '$') {
                r->state = R_BAD;
                break;
            }
            r->num = 0;
            r->digits = 0;
            r->state = R_LEN;
            i++;
            break;
        case R_LF_LEN:
            if (c != '\n') {
                r->state = R_BAD;
                break;
            }
            r->skip = r->num;
            r->state = R_BULK;
            i++;
            break;
        case R_BULK: {
            size_t k = n - i < r->skip ? n - i : (size_t)r->skip;
            i += k;
            r->skip -= k;
            if (r->skip == 0) {
                r->state = R_CR;
                r->num = 0;
            }
            break;
        }
        case R_CR:
            /* "\r\n" after the bulk: num counts the bytes of it seen */
            if ((r->num == 0 && c == '\r') || (r->num == 1 && c == '\n')) {
                i++;
                if (r->num++ == 1) {
                    r->num = 0;
                    if (--r->args == 0) {
                        r->commands++;
                        r->state = R_START;
                    } else {
                        r->state = R_DOLLAR;
                    }
                }
                break;
            }
            r->state = R_BAD;
            break;
        default:
            break;
        }
        if (r->state == R_BULK && r->skip == 0)
            r->state = R_CR, r->num = 0;
    }
}

bool rdbl__resp_whole(const rdbl__resp *r)
{
    return r->state == R_START;
}

rdbl_status rdbl_aof_count_file(const char *path, uint64_t *bytes, uint64_t *commands,
                                bool *whole, rdbl_error *err)
{
    *bytes = *commands = 0;
    *whole = false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return rdbl__fail(err, RDBL_IO, 0, "aof", "cannot open %s: %s", path, strerror(errno));
    rdbl__resp r = {0};
    uint8_t buf[64 << 10];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        rdbl__resp_feed(&r, buf, n);
        *bytes += n;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad)
        return rdbl__fail(err, RDBL_IO, 0, "aof", "read error on %s", path);
    *commands = r.commands;
    *whole = rdbl__resp_whole(&r);
    return RDBL_OK;
}

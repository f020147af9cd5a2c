/* Key escaping and CSV fields, shared by every output format and by the
 * CLI's per-key writers.
 *
 * Escaped form (reversible, always valid UTF-8, no control characters):
 *
 *   byte(s) in the key                         written as
 *   ----------------------------------------   ----------
 *   '\\' (0x5c)                                \\
 *   printable ASCII 0x20-0x7e                  itself
 *   a valid shortest-form UTF-8 sequence of a  itself
 *     scalar value >= U+00A0
 *   anything else: 0x00-0x1f, 0x7f, the C1     \xNN per byte (lowercase hex)
 *     controls U+0080-U+009F, stray or
 *     overlong bytes, surrogates, > U+10FFFF
 *
 * CSV follows RFC 4180: a field is quoted when it holds ',', '"', CR or LF
 * (and when it starts or ends with a space, which spreadsheets trim), and
 * quotes inside are doubled. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "rdblens/report.h"

int rdbl_csv_write_field(FILE *f, const char *s, size_t len)
{
    bool quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
    for (size_t i = 0; i < len && !quote; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            quote = true;
    if (!quote)
        return len && fwrite(s, 1, len, f) != len ? -1 : 0;
    if (fputc('"', f) == EOF)
        return -1;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            /* write through the quote, then write it once more */
            if (fwrite(s + start, 1, i + 1 - start, f) != i + 1 - start)
                return -1;
            start = i;
        }
    }
    if (len > start && fwrite(s + start, 1, len - start, f) != len - start)
        return -1;
    return fputc('"', f) == EOF ? -1 : 0;
}

int rdbl_csv_write_key(FILE *f, const uint8_t *p, size_t len)
{
    char small[512];
    size_t need = rdbl_escape_bytes(NULL, 0, p, len);
    char *buf = small;
    if (need + 1 > sizeof small) {
        buf = malloc(need + 1);
        if (!buf)
            return -1;
    }
    rdbl_escape_bytes(buf, need + 1, p, len);
    int rc = rdbl_csv_write_field(f, buf, need);
    if (buf != small)
        free(buf);
    return rc;
}

/* ---- human units ---------------------------------------------------------- */

char *rdbl_fmt_bytes(char *buf, size_t cap, uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        snprintf(buf, cap, "%" PRIu64 " B", bytes);
        return buf;
    }
    double v = (double)bytes;
    unsigned u = 0;
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        u++;
    }
    /* 3 significant digits; 1023.5 KiB would print as "1024 KiB": keep it. */
    if (v < 9.995)
        snprintf(buf, cap, "%.2f %s", v, units[u]);
    else if (v < 99.95)
        snprintf(buf, cap, "%.1f %s", v, units[u]);
    else
        snprintf(buf, cap, "%.0f %s", v, units[u]);
    return buf;
}

char *rdbl_fmt_count(char *buf, size_t cap, uint64_t n)
{
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%" PRIu64, n);
    char tmp[40];
    size_t o = 0;
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            tmp[o++] = ',';
        tmp[o++] = digits[i];
    }
    tmp[o] = '\0';
    snprintf(buf, cap, "%s", tmp);
    return buf;
}

char *rdbl_fmt_duration_ms(char *buf, size_t cap, int64_t ms)
{
    const char *sign = "";
    uint64_t a;
    if (ms < 0) {
        sign = "-";
        a = 0 - (uint64_t)ms;
    } else {
        a = (uint64_t)ms;
    }
    double s = (double)a / 1000.0;
    if (s < 1.0)
        snprintf(buf, cap, "%s%" PRIu64 " ms", sign, a);
    else if (s < 60.0)
        snprintf(buf, cap, "%s%.0f s", sign, s);
    else if (s < 3600.0)
        snprintf(buf, cap, "%s%.0f min", sign, s / 60.0);
    else if (s < 86400.0)
        snprintf(buf, cap, "%s%.1f h", sign, s / 3600.0);
    else if (s < 86400.0 * 365)
        snprintf(buf, cap, "%s%.1f d", sign, s / 86400.0);
    else
        snprintf(buf, cap, "%s%.1f y", sign, s / (86400.0 * 365.25));
    return buf;
}

char *rdbl_fmt_time_ms(char *buf, size_t cap, int64_t ms, bool sec)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, cap, "?");
        return buf;
    }
    if (sec)
        snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    else
        snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min);
    return buf;
}

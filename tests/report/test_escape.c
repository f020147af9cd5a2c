/* Shared helpers (src/report/escape.c): key escaping and its inverse, CSV
 * fields (RFC 4180), human units. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/report.h"

static void esc_is(const char *in, size_t len, const char *want)
{
    char out[256];
    size_t n = rdbl_escape_bytes(out, sizeof out, (const uint8_t *)in, len);
    cr_assert(eq(str, out, (char *)want));
    cr_assert(eq(sz, n, strlen(want)));
    cr_assert(eq(sz, rdbl_escape_bytes(NULL, 0, (const uint8_t *)in, len), n));
    uint8_t back[256];
    size_t bl = 0;
    cr_assert(eq(int, rdbl_unescape_key(out, n, back, sizeof back, &bl), RDBL_OK));
    cr_assert(eq(sz, bl, len));
    cr_assert(eq(int, memcmp(back, in, len), 0));
}

Test(escape, cases)
{
    esc_is("user:1", 6, "user:1");
    esc_is("a\\b", 3, "a\\\\b");
    esc_is("\0x", 2, "\\x00x");
    esc_is("tab\there\n", 9, "tab\\x09here\\x0a");
    esc_is("\x7f", 1, "\\x7f");
    esc_is("caf\xc3\xa9", 5, "caf\xc3\xa9");                        /* é */
    esc_is("\xe4\xb8\xad\xe6\x96\x87", 6, "\xe4\xb8\xad\xe6\x96\x87"); /* 中文 */
    esc_is("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");                 /* emoji */
    esc_is("\xc3", 1, "\\xc3");                                         /* truncated */
    esc_is("\xc0\xaf", 2, "\\xc0\\xaf");                               /* overlong */
    esc_is("\xc2\x85", 2, "\\xc2\\x85");                               /* C1 control */
    esc_is("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");                       /* surrogate */
    esc_is("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80");              /* > U+10FFFF */
    esc_is("\xe2\x82", 2, "\\xe2\\x82");
    esc_is("", 0, "");
}

Test(escape, truncation_keeps_whole_escapes)
{
    char out[6];
    size_t n = rdbl_escape_bytes(out, sizeof out, (const uint8_t *)"ab\x01\x02", 4);
    cr_assert(eq(sz, n, 10));
    cr_assert(eq(str, out, "ab")); /* "\x01" does not fit in the 3 bytes left */
    n = rdbl_escape_bytes(out, 1, (const uint8_t *)"abc", 3);
    cr_assert(eq(str, out, ""));
}

Test(escape, random_round_trip)
{
    uint64_t s = 42;
    for (int r = 0; r < 2000; r++) {
        uint8_t in[64];
        size_t len = (size_t)(r % 64);
        for (size_t i = 0; i < len; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            in[i] = (uint8_t)(s >> 56);
        }
        char out[300];
        size_t n = rdbl_escape_bytes(out, sizeof out, in, len);
        cr_assert(lt(sz, n, sizeof out));
        for (size_t i = 0; i < n; i++) { /* no control characters in the output */
            cr_assert(ge(u8, (uint8_t)out[i], 0x20));
            cr_assert(ne(u8, (uint8_t)out[i], 0x7f));
        }
        uint8_t back[64];
        size_t bl;
        cr_assert(eq(int, rdbl_unescape_key(out, n, back, sizeof back, &bl), RDBL_OK));
        cr_assert(eq(sz, bl, len));
        cr_assert(eq(int, memcmp(back, in, len), 0));
    }
}

Test(escape, unescape_errors)
{
    uint8_t b[16];
    size_t n;
    cr_assert(eq(int, rdbl_unescape_key("a\\q", 3, b, sizeof b, &n), RDBL_CORRUPT));
    cr_assert(eq(int, rdbl_unescape_key("\\x4", 3, b, sizeof b, &n), RDBL_CORRUPT));
    cr_assert(eq(int, rdbl_unescape_key("\\xZZ", 4, b, sizeof b, &n), RDBL_CORRUPT));
    cr_assert(eq(int, rdbl_unescape_key("ab\\", 3, b, sizeof b, &n), RDBL_CORRUPT));
    cr_assert(eq(int, rdbl_unescape_key("abcdef", 6, b, 3, &n), RDBL_USAGE));
    char inplace[] = "x\\x41\\\\y";
    cr_assert(eq(int, rdbl_unescape_key(inplace, 8, (uint8_t *)inplace, 8, &n), RDBL_OK));
    cr_assert(eq(sz, n, 4));
    cr_assert(eq(int, memcmp(inplace, "xA\\y", 4), 0));
}

static char *csv(const char *s)
{
    static char buf[256];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cr_assert(f != NULL);
    cr_assert(eq(int, rdbl_csv_write_field(f, s, strlen(s)), 0));
    fputc(0, f);
    fclose(f);
    return buf;
}

Test(escape, csv_fields)
{
    cr_assert(eq(str, csv("plain"), "plain"));
    cr_assert(eq(str, csv(""), ""));
    cr_assert(eq(str, csv("a,b"), "\"a,b\""));
    cr_assert(eq(str, csv("say \"hi\""), "\"say \"\"hi\"\"\""));
    cr_assert(eq(str, csv("\""), "\"\"\"\""));
    cr_assert(eq(str, csv("line\nbreak"), "\"line\nbreak\""));
    cr_assert(eq(str, csv("cr\r"), "\"cr\r\""));
    cr_assert(eq(str, csv(" lead"), "\" lead\""));
    cr_assert(eq(str, csv("semi;colon"), "semi;colon"));
    char buf[128];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cr_assert(eq(int, rdbl_csv_write_key(f, (const uint8_t *)"k,\x01\\", 4), 0));
    fputc(0, f);
    fclose(f);
    cr_assert(eq(str, buf, "\"k,\\x01\\\\\""));
}

Test(escape, human_units)
{
    char b[32];
    cr_assert(eq(str, rdbl_fmt_bytes(b, sizeof b, 0), "0 B"));
    cr_assert(eq(str, rdbl_fmt_bytes(b, sizeof b, 1023), "1023 B"));
    cr_assert(eq(str, rdbl_fmt_bytes(b, sizeof b, 1024), "1.00 KiB"));
    cr_assert(eq(str, rdbl_fmt_bytes(b, sizeof b, 1536), "1.50 KiB"));
    cr_assert(eq(str, rdbl_fmt_bytes(b, sizeof b, 10 * 1024), "10.0 KiB"));
    cr_assert(eq(str, rdbl_fmt_bytes(b, sizeof b, 100 * 1024), "100 KiB"));
    cr_assert(eq(str, rdbl_fmt_bytes(b, sizeof b, 5ULL << 30), "5.00 GiB"));
    cr_assert(eq(str, rdbl_fmt_count(b, sizeof b, 0), "0"));
    cr_assert(eq(str, rdbl_fmt_count(b, sizeof b, 999), "999"));
    cr_assert(eq(str, rdbl_fmt_count(b, sizeof b, 1000), "1,000"));
    cr_assert(eq(str, rdbl_fmt_count(b, sizeof b, 1234567), "1,234,567"));
    cr_assert(eq(str, rdbl_fmt_count(b, sizeof b, UINT64_MAX), "18,446,744,073,709,551,615"));
    cr_assert(eq(str, rdbl_fmt_duration_ms(b, sizeof b, 500), "500 ms"));
    cr_assert(eq(str, rdbl_fmt_duration_ms(b, sizeof b, 45000), "45 s"));
    cr_assert(eq(str, rdbl_fmt_duration_ms(b, sizeof b, 720000), "12 min"));
    cr_assert(eq(str, rdbl_fmt_duration_ms(b, sizeof b, 12600000), "3.5 h"));
    cr_assert(eq(str, rdbl_fmt_duration_ms(b, sizeof b, 2LL * 86400000), "2.0 d"));
    cr_assert(eq(str, rdbl_fmt_duration_ms(b, sizeof b, -60000), "-1 min"));
    cr_assert(eq(str, rdbl_fmt_time_ms(b, sizeof b, 0, false), "1970-01-01 00:00 UTC"));
    cr_assert(eq(str, rdbl_fmt_time_ms(b, sizeof b, 1700000000000LL, true),
                 "2023-11-14 22:13:20 UTC"));
}

/* Plain ASCII runs are copied 8 bytes at a time: for inputs mixing long
 * runs with backslashes, UTF-8, controls and high bytes at every offset,
 * the full escape unescapes to the input, and an output cut at any size
 * is the longest prefix of the full one made of whole units (a "\xNN" or a
 * multi-byte character is never split, a plain byte always fits). */
Test(escape, plain_runs_and_every_cut)
{
    static const char pieces[][5] = {"a", "Z", "0", " ", "~", "\\", "\x7f", "\x1f", "\x80",
                                     "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff"};
    uint64_t s = 99;
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t in[200];
        size_t len = 0;
        while (len < sizeof in - 4) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned k = (unsigned)(s >> 33) % 40;
            const char *pc = k < sizeof pieces / sizeof *pieces ? pieces[k] : "x";
            size_t pl = strlen(pc);
            memcpy(in + len, pc, pl);
            len += pl;
            if ((s >> 20) % 17 == 0)
                break;
        }
        char full[1024];
        size_t n = rdbl_escape_bytes(full, sizeof full, in, len);
        cr_assert(lt(sz, n, sizeof full));
        uint8_t back[256];
        size_t bl = 0;
        cr_assert(eq(int, rdbl_unescape_key(full, n, back, sizeof back, &bl), RDBL_OK));
        cr_assert(eq(sz, bl, len));
        cr_assert(eq(int, memcmp(back, in, len), 0));
        for (size_t cap = 1; cap <= n + 1; cap++) {
            char cut[1024];
            size_t m = rdbl_escape_bytes(cut, cap, in, len);
            cr_assert(eq(sz, m, n));
            size_t w = strlen(cut);
            cr_assert(lt(sz, w, cap));
            cr_assert(eq(int, memcmp(cut, full, w), 0));
            /* whole units: the next byte of the full text starts a unit
             * that did not fit */
            if (w < n) {
                size_t unit = full[w] == '\\' ? (full[w + 1] == 'x' ? 4 : 2)
                              : ((uint8_t)full[w] < 0x80) ? 1
                              : ((uint8_t)full[w] < 0xe0) ? 2
                              : ((uint8_t)full[w] < 0xf0) ? 3 : 4;
                cr_assert(ge(sz, w + unit, cap), "cap %zu cut at %zu before a %zu-byte unit", cap, w,
                          unit);
            }
        }
    }
}

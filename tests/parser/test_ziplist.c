/* Ziplist decoder (src/parser/ziplist.c): every encoding (big-endian string
 * lengths, all integer widths, immediates), 1- and 5-byte prevlens (also
 * non-minimal ones), zltail and zllen, and malformed blobs. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "blobbuild.h"

static void zl_expect(const uint8_t *zl, size_t len, const tval *v, size_t n)
{
    rdbl__blob_info info;
    rdbl__berr e = {0, ""};
    rdbl_status st = rdbl__zl_validate(zl, len, &info, &e);
    cr_assert(st == RDBL_OK, "validate: %d at +%zu: %s", st, e.offset, e.msg);
    tv_check_info(&info, v, n);
    rdbl__zl_iter it;
    rdbl__zl_iter_init(&it, zl, len);
    rdbl_item item;
    size_t k = 0;
    while (rdbl__zl_next(&it, &item)) {
        cr_assert(k < n, "more items than expected");
        tv_check(&item, &v[k], k);
        k++;
    }
    cr_assert(eq(sz, k, n));
    cr_assert(not(rdbl__zl_next(&it, &item)));
}

static void zl_expect_bad(const uint8_t *zl, size_t len, size_t off, const char *what)
{
    uint8_t *c = tb_exact(zl, len);
    rdbl__blob_info info;
    rdbl__berr e = {0, ""};
    rdbl_status st = rdbl__zl_validate(c, len, &info, &e);
    cr_assert(st == RDBL_CORRUPT, "expected CORRUPT (%s), got %d", what, st);
    if (off != SIZE_MAX)
        cr_assert(e.offset == off, "offset %zu, want %zu (%s)", e.offset, off, e.msg);
    cr_assert(strstr(e.msg, what) != NULL, "message \"%s\" lacks \"%s\"", e.msg, what);
    free(c);
}

static uint8_t *zl_build(const tval *v, size_t n, size_t *len)
{
    zlb z;
    zlb_init(&z);
    zlb_vals(&z, v, n);
    return zlb_finish(&z, len);
}

Test(ziplist, hand_built_bytes)
{
    /* "ab" (str6), 300 (int16 2C 01), 7 (immediate 0xF8); zltail +18 */
    static const uint8_t good[] = {0x15, 0, 0, 0, 0x12, 0, 0, 0, 0x03, 0x00, 0x00, 0x02, 'a',
                                   'b',  0x04, 0xC0, 0x2C, 0x01, 0x04, 0xF8, 0xFF};
    tval v[] = {TV_STR("ab", 2), TV_INT(300), TV_INT(7)};
    zl_expect(good, sizeof good, v, 3);
    size_t len;
    uint8_t *b = zl_build(v, 3, &len);
    cr_assert(eq(sz, len, sizeof good));
    cr_assert(memcmp(b, good, len) == 0, "builder differs from the hand-built bytes");
    free(b);
}

Test(ziplist, empty)
{
    static const uint8_t zl[] = {0x0B, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0, 0xFF};
    zl_expect(zl, sizeof zl, NULL, 0);
}

Test(ziplist, string_lengths_big_endian)
{
    /* str14 of 0x0123 = 291 bytes: header 0x41 0x23 (big-endian) */
    uint8_t s[70000];
    for (size_t i = 0; i < sizeof s; i++)
        s[i] = (uint8_t)(i * 7);
    zlb z;
    zlb_init(&z);
    zlb_str(&z, s, 291);
    size_t len;
    uint8_t *zl = zlb_finish(&z, &len);
    cr_assert(eq(u8, zl[11], 0x41));
    cr_assert(eq(u8, zl[12], 0x23));
    tval v1 = TV_STR(s, 291);
    zl_expect(zl, len, &v1, 1);
    free(zl);
    /* str32 of 0x00011170 = 70000 bytes: 0x80 00 01 11 70 */
    zlb_init(&z);
    zlb_str(&z, s, 70000);
    zl = zlb_finish(&z, &len);
    static const uint8_t hdr[] = {0x80, 0x00, 0x01, 0x11, 0x70};
    cr_assert(memcmp(zl + 11, hdr, 5) == 0);
    tval v2 = TV_STR(s, 70000);
    zl_expect(zl, len, &v2, 1);
    free(zl);
    /* every length edge, with neighbours */
    static const size_t lens[] = {0, 1, 63, 64, 252, 253, 254, 255, 16383, 16384};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        tval v[] = {TV_INT(1), TV_STR(s, lens[k]), TV_STR("z", 1), TV_STR(s, lens[k])};
        uint8_t *p = zl_build(v, 4, &len);
        zl_expect(p, len, v, 4);
        free(p);
    }
    /* wider-than-needed string headers are valid */
    zlb_init(&z);
    zlb_str_enc(&z, "abc", 3, ZLE_STR14);
    zlb_str_enc(&z, "", 0, ZLE_STR32);
    zl = zlb_finish(&z, &len);
    tval v3[] = {TV_STR("abc", 3), TV_STR("", 0)};
    zl_expect(zl, len, v3, 2);
    free(zl);
}

Test(ziplist, int_encodings)
{
    static const struct {
        int64_t v;
        unsigned enc;
    } cases[] = {
        {0, 0xF1},          {12, 0xFD},          {13, 0xFE},          {-1, 0xFE},
        {INT8_MIN, 0xFE},   {INT8_MAX, 0xFE},    {128, 0xC0},         {INT16_MIN, 0xC0},
        {INT16_MAX, 0xC0},  {32768, 0xF0},       {-8388608, 0xF0},    {8388607, 0xF0},
        {8388608, 0xD0},    {INT32_MIN, 0xD0},   {INT32_MAX, 0xD0},   {(int64_t)INT32_MAX + 1, 0xE0},
        {INT64_MIN, 0xE0},  {INT64_MAX, 0xE0},
    };
    size_t nc = sizeof cases / sizeof cases[0];
    tval all[sizeof cases / sizeof cases[0]];
    zlb z;
    zlb_init(&z);
    for (size_t k = 0; k < nc; k++) {
        tval v = TV_INT(cases[k].v);
        size_t len;
        uint8_t *zl = zl_build(&v, 1, &len);
        cr_assert(eq(u8, zl[11], (uint8_t)cases[k].enc), "value %lld", (long long)cases[k].v);
        zl_expect(zl, len, &v, 1);
        free(zl);
        all[k] = v;
        zlb_int(&z, cases[k].v);
    }
    size_t len;
    uint8_t *zl = zlb_finish(&z, &len);
    zl_expect(zl, len, all, nc);
    free(zl);
    /* each immediate 0..12 */
    for (int64_t i = 0; i <= 12; i++) {
        uint8_t b[] = {0x0D, 0, 0, 0, 0x0A, 0, 0, 0, 0x01, 0, 0x00, (uint8_t)(0xF1 + i), 0xFF};
        tval v = TV_INT(i);
        zl_expect(b, sizeof b, &v, 1);
    }
    /* hand-checked bytes: int24 -2 = FE FF FF, int64 1 LE */
    static const uint8_t h[] = {0x1A, 0,    0,    0,    0x0F, 0, 0, 0, 0x02, 0,
                                0x00, 0xF0, 0xFE, 0xFF, 0xFF, 0x05, 0xE0, 1, 0, 0,
                                0,    0,    0,    0,    0,    0xFF};
    tval hv[] = {TV_INT(-2), TV_INT(1)};
    zl_expect(h, sizeof h, hv, 2);
    /* wider-than-needed integer encodings */
    zlb_init(&z);
    zlb_int_enc(&z, 5, ZLE_INT64);
    zlb_int_enc(&z, -1, ZLE_INT16);
    zlb_int_enc(&z, 0, ZLE_INT8);
    zl = zlb_finish(&z, &len);
    tval wv[] = {TV_INT(5), TV_INT(-1), TV_INT(0)};
    zl_expect(zl, len, wv, 3);
    free(zl);
}

Test(ziplist, prevlen_forms)
{
    /* entries of 253, 254 and 300 bytes force 1-byte, then 5-byte prevlens */
    uint8_t s[400];
    memset(s, 'p', sizeof s);
    tval v[] = {TV_STR(s, 250), TV_STR(s, 251), TV_STR(s, 300), TV_INT(5), TV_STR(s, 10)};
    size_t len;
    uint8_t *zl = zl_build(v, 5, &len);
    zl_expect(zl, len, v, 5);
    /* entry 1 is at 10 + (1 + 2 + 250) = 263, prevlen 253 in one byte;
     * entry 2 at 263 + 1 + 2 + 251 = 517 has prevlen 254: 0xFE + u32 */
    cr_assert(eq(u8, zl[263], 253));
    cr_assert(eq(u8, zl[517], 0xFE));
    cr_assert(eq(u32, rdbl__le32(zl + 518), 254));
    free(zl);
    /* all prevlens in the 5-byte form, holding small values: accepted */
    zlb z;
    zlb_init(&z);
    z.big_prev = true;
    zlb_vals(&z, v, 5);
    zl = zlb_finish(&z, &len);
    cr_assert(eq(u8, zl[10], 0xFE));
    zl_expect(zl, len, v, 5);
    free(zl);
    /* one non-minimal prevlen (value 4) between minimal ones, by hand */
    static const uint8_t h[] = {0x17, 0, 0, 0, 0x14, 0, 0, 0, 0x03, 0,
                                0x00, 0x02, 'a', 'b',        /* +10, size 4 */
                                0xFE, 0x04, 0, 0, 0, 0xF2,   /* +14, size 6 */
                                0x06, 0xF3,                  /* +20 */
                                0xFF};
    tval hv[] = {TV_STR("ab", 2), TV_INT(1), TV_INT(2)};
    zl_expect(h, sizeof h, hv, 3);
}

Test(ziplist, count_unknown_and_large)
{
    tval v[] = {TV_INT(1), TV_STR("x", 1), TV_INT(-3)};
    zlb z;
    zlb_init(&z);
    zlb_vals(&z, v, 3);
    size_t len;
    uint8_t *zl = zlb_finish_n(&z, &len, 65535);
    zl_expect(zl, len, v, 3);
    free(zl);
    const size_t n = 70000;
    tval *many = malloc(n * sizeof *many);
    zlb_init(&z);
    for (size_t k = 0; k < n; k++) {
        many[k] = TV_INT((int64_t)k);
        zlb_int(&z, (int64_t)k);
    }
    zl = zlb_finish(&z, &len);
    zl_expect(zl, len, many, n);
    tb_set_le(zl + 8, n & 0xFFFF, 2);
    zl_expect_bad(zl, len, 8, "zllen");
    free(zl);
    free(many);
}

Test(ziplist, header_errors)
{
    static const uint8_t base[] = {0x15, 0, 0, 0, 0x12, 0, 0, 0, 0x03, 0x00, 0x00,
                                   0x02, 'a', 'b', 0x04, 0xC0, 0x2C, 0x01, 0x04, 0xF8, 0xFF};
    for (size_t n = 0; n < 11; n++)
        zl_expect_bad(base, n, 0, "shorter than");
    uint8_t c[sizeof base];
    memcpy(c, base, sizeof c);
    c[0] = 0x16;
    zl_expect_bad(c, sizeof c, 0, "zlbytes 22 != blob size 21");
    c[0] = 0x15;
    c[20] = 0x00;
    zl_expect_bad(c, sizeof c, 20, "ends with 0x00");
    c[20] = 0xFF;
    c[8] = 2;
    zl_expect_bad(c, sizeof c, 8, "zllen 2 != 3 entries found");
    c[8] = 3;
    /* zltail pointing anywhere but +18 is rejected */
    for (uint32_t t = 0; t < 300; t++) {
        if (t == 18)
            continue;
        tb_set_le(c + 4, t, 4);
        zl_expect_bad(c, sizeof c, 4, "zltail");
    }
    tb_set_le(c + 4, 0xFFFFFFFF, 4);
    zl_expect_bad(c, sizeof c, 4, "past the end");
    tb_set_le(c + 4, 18, 4);
    zl_expect(c, sizeof c, (tval[]){TV_STR("ab", 2), TV_INT(300), TV_INT(7)}, 3);
}

Test(ziplist, entry_errors)
{
    static const uint8_t base[] = {0x15, 0, 0, 0, 0x12, 0, 0, 0, 0x03, 0x00, 0x00,
                                   0x02, 'a', 'b', 0x04, 0xC0, 0x2C, 0x01, 0x04, 0xF8, 0xFF};
    uint8_t c[sizeof base];
    memcpy(c, base, sizeof c);
    c[14] = 0x05;
    zl_expect_bad(c, sizeof c, 14, "ziplist entry 1 at +14: prevlen 5 != previous entry size 4");
    c[14] = 0x04;
    c[10] = 0x01;
    zl_expect_bad(c, sizeof c, 10, "prevlen 1 != previous entry size 0");
    c[10] = 0x00;
    /* invalid encoding bytes (11xxxxxx outside the list, and 0xFF) */
    static const unsigned bad[] = {0xC1, 0xC8, 0xD1, 0xDF, 0xE1, 0xEF, 0xFF};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        c[15] = (uint8_t)bad[k];
        zl_expect_bad(c, sizeof c, 15, "invalid encoding byte");
    }
    c[15] = 0xC0;
    /* an end marker where an entry starts */
    c[18] = 0xFF;
    zl_expect_bad(c, sizeof c, 18, "ziplist entry 2 at +18: end marker");
    c[18] = 0x04;
    /* huge string lengths */
    c[11] = 0x3F; /* str6 63 */
    zl_expect_bad(c, sizeof c, 11, "data bytes run past the end");
    c[11] = 0x7F; /* str14 0x3F61 */
    zl_expect_bad(c, sizeof c, 11, "run past the end");
    c[11] = 0xBF; /* str32 0x61620004... */
    zl_expect_bad(c, sizeof c, 11, "run past the end");
    c[11] = 0x02;
    /* int data cut by the end: int64 at the last entry */
    c[19] = 0xE0;
    zl_expect_bad(c, sizeof c, 19, "8 data bytes run past the end");
    c[19] = 0xF8;
    /* 5-byte prevlen cut by the end */
    static const uint8_t p5[] = {0x0F, 0, 0, 0, 0x0A, 0, 0, 0, 0x01, 0, 0xFE, 0, 0, 0, 0xFF};
    zl_expect_bad(p5, sizeof p5, 10, "5-byte prevlen runs past the end");
    /* encoding byte missing after a prevlen */
    static const uint8_t ne[] = {0x0C, 0, 0, 0, 0x0A, 0, 0, 0, 0x01, 0, 0x00, 0xFF};
    zl_expect_bad(ne, sizeof ne, 11, "no room for the encoding byte");
    /* str14 / str32 headers cut */
    static const uint8_t h14[] = {0x0D, 0, 0, 0, 0x0A, 0, 0, 0, 0x01, 0, 0x00, 0x40, 0xFF};
    zl_expect_bad(h14, sizeof h14, 11, "2-byte encoding header");
    static const uint8_t h32[] = {0x0F, 0, 0, 0, 0x0A, 0, 0, 0, 0x01, 0, 0x00, 0x80, 0, 0, 0xFF};
    zl_expect_bad(h32, sizeof h32, 11, "5-byte encoding header");
    /* 5-byte prevlen with a huge value */
    static const uint8_t hp[] = {0x13, 0, 0, 0, 0x0C, 0, 0, 0, 0x02, 0, 0x00, 0xF1,
                                 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xF1, 0xFF};
    zl_expect_bad(hp, sizeof hp, 12, "prevlen 4294967295 != previous entry size 2");
}

Test(ziplist, every_prefix_rejected)
{
    uint8_t s[300];
    memset(s, 's', sizeof s);
    tval v[] = {TV_STR("abc", 3), TV_INT(-100000), TV_STR(s, 300), TV_INT(5),
                TV_INT(INT64_MIN), TV_STR(s, 70)};
    size_t len;
    uint8_t *zl = zl_build(v, 6, &len);
    for (size_t k = 0; k < len; k++) {
        uint8_t *c = tb_exact(zl, k);
        rdbl__berr e = {0, ""};
        cr_assert(eq(int, rdbl__zl_validate(c, k, NULL, &e), RDBL_CORRUPT), "prefix %zu", k);
        free(c);
        if (k < 10 || k + 1 == len)
            continue;
        c = malloc(k + 1);
        memcpy(c, zl, k);
        c[k] = 0xFF;
        tb_set_le(c, k + 1, 4);
        cr_assert(eq(int, rdbl__zl_validate(c, k + 1, NULL, &e), RDBL_CORRUPT),
                  "re-closed prefix %zu", k);
        free(c);
    }
    free(zl);
}

static void zl_consistent(const uint8_t *zl, size_t len)
{
    rdbl__blob_info info;
    rdbl__berr e = {0, ""};
    if (rdbl__zl_validate(zl, len, &info, &e) != RDBL_OK) {
        cr_assert(e.offset < len || len == 0, "offset %zu outside %zu bytes", e.offset, len);
        cr_assert(e.msg[0] != '\0');
        return;
    }
    rdbl__zl_iter it;
    rdbl__zl_iter_init(&it, zl, len);
    rdbl_item item;
    uint64_t n = 0, bytes = 0, largest = 0;
    while (rdbl__zl_next(&it, &item)) {
        n++;
        bytes += item.len;
        if (item.len > largest)
            largest = item.len;
        if (!item.is_int)
            cr_assert(item.ptr >= zl + 10 && item.ptr + item.len <= zl + len - 1);
    }
    cr_assert(eq(u64, n, info.count));
    cr_assert(eq(u64, bytes, info.value_bytes));
    cr_assert(eq(u64, largest, info.largest));
}

Test(ziplist, bit_flips)
{
    uint8_t s[260];
    memset(s, 'f', sizeof s);
    tval v[] = {TV_INT(7), TV_STR("abc", 3), TV_INT(-300), TV_STR(s, 260), TV_INT(1 << 20),
                TV_INT(INT64_MAX), TV_STR("", 0)};
    size_t len;
    uint8_t *zl = zl_build(v, 7, &len);
    unsigned accepted = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *c = tb_exact(zl, len);
            c[i] ^= (uint8_t)(1u << bit);
            if (rdbl__zl_validate(c, len, NULL, NULL) == RDBL_OK)
                accepted++;
            zl_consistent(c, len);
            free(c);
        }
    }
    cr_assert(accepted > 0 && accepted < len * 8);
    free(zl);
}

Test(ziplist, random_garbage)
{
    uint64_t seed = 777;
    for (int round = 0; round < 20000; round++) {
        size_t len = 11 + trand(&seed) % 40;
        uint8_t *c = malloc(len);
        for (size_t i = 0; i < len; i++) {
            uint64_t r = trand(&seed);
            c[i] = (uint8_t)((r & 0x300) ? r % 8 : r);
        }
        tb_set_le(c, len, 4);
        tb_set_le(c + 4, 10 + trand(&seed) % (len - 10), 4);
        tb_set_le(c + 8, 65535, 2);
        c[len - 1] = 0xFF;
        zl_consistent(c, len);
        free(c);
    }
}

/* Listpack decoder (src/parser/listpack.c): every encoding and its edge
 * values, every backlen size, the count header, and malformed blobs
 * (prefixes, bit flips, huge lengths, bad backlens, bad terminators). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <time.h>

#include "blobbuild.h"

/* Validates, checks the info, iterates and compares with the values. */
static void lp_expect(const uint8_t *lp, size_t len, const tval *v, size_t n)
{
    rdbl__blob_info info;
    rdbl__berr e = {0, ""};
    rdbl_status st = rdbl__lp_validate(lp, len, &info, &e);
    cr_assert(st == RDBL_OK, "validate: %d at +%zu: %s", st, e.offset, e.msg);
    tv_check_info(&info, v, n);
    rdbl__lp_iter it;
    rdbl__lp_iter_init(&it, lp, len);
    rdbl_item item;
    size_t k = 0;
    while (rdbl__lp_next(&it, &item)) {
        cr_assert(k < n, "more items than expected");
        tv_check(&item, &v[k], k);
        k++;
    }
    cr_assert(eq(sz, k, n));
    cr_assert(not(rdbl__lp_next(&it, &item)), "next after the end must stay false");
}

/* Validation must fail with CORRUPT at off (SIZE_MAX: any) and a message
 * containing what. */
static void lp_expect_bad(const uint8_t *lp, size_t len, size_t off, const char *what)
{
    uint8_t *c = tb_exact(lp, len);
    rdbl__blob_info info;
    rdbl__berr e = {0, ""};
    rdbl_status st = rdbl__lp_validate(c, len, &info, &e);
    cr_assert(st == RDBL_CORRUPT, "expected CORRUPT (%s), got %d", what, st);
    if (off != SIZE_MAX)
        cr_assert(e.offset == off, "offset %zu, want %zu (%s)", e.offset, off, e.msg);
    cr_assert(strstr(e.msg, what) != NULL, "message \"%s\" lacks \"%s\"", e.msg, what);
    free(c);
}

static uint8_t *lp_build(const tval *v, size_t n, size_t *len)
{
    lpb l;
    lpb_init(&l);
    lpb_vals(&l, v, n);
    return lpb_finish(&l, len);
}

Test(listpack, hand_built_bytes)
{
    /* 2 entries: uint7 5, str6 "abc"; built by hand, then by the builder. */
    static const uint8_t lp[] = {0x0E, 0, 0, 0, 0x02, 0x00, 0x05, 0x01,
                                 0x83, 'a', 'b', 'c', 0x04, 0xFF};
    tval v[] = {TV_INT(5), TV_STR("abc", 3)};
    lp_expect(lp, sizeof lp, v, 2);
    size_t len;
    uint8_t *b = lp_build(v, 2, &len);
    cr_assert(eq(sz, len, sizeof lp));
    cr_assert(memcmp(b, lp, len) == 0, "builder differs from the hand-built bytes");
    free(b);
    cr_assert(eq(u32, rdbl__lp_header_count(lp, sizeof lp), 2));
}

Test(listpack, empty)
{
    static const uint8_t lp[] = {0x07, 0, 0, 0, 0x00, 0x00, 0xFF};
    lp_expect(lp, sizeof lp, NULL, 0);
}

Test(listpack, hand_built_int_encodings)
{
    /* int13 -4096 (0xD0 0x00), int13 4095 (0xCF 0xFF), int16 -32768, int24
     * 8388607, int32 -1 (non-minimal, still valid), int64 INT64_MIN. */
    static const uint8_t lp[] = {
        0x26, 0, 0, 0, 0x06, 0x00,                               /* header */
        0xD0, 0x00, 0x02,                                        /* -4096 */
        0xCF, 0xFF, 0x02,                                        /* 4095 */
        0xF1, 0x00, 0x80, 0x03,                                  /* -32768 */
        0xF2, 0xFF, 0xFF, 0x7F, 0x04,                            /* 8388607 */
        0xF3, 0xFF, 0xFF, 0xFF, 0xFF, 0x05,                      /* -1 */
        0xF4, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x09,                   /* INT64_MIN */
        0xFF};
    tval v[] = {TV_INT(-4096),  TV_INT(4095), TV_INT(-32768),
                TV_INT(8388607), TV_INT(-1),  TV_INT(INT64_MIN)};
    cr_assert(eq(sz, sizeof lp, 0x26));
    lp_expect(lp, sizeof lp, v, 6);
}

/* One value per entry encoding edge: the builder must pick the encoding the
 * first byte shows, and the decoder must give the value back. */
Test(listpack, int_edges)
{
    static const struct {
        int64_t v;
        unsigned first; /* first byte (class bits only for uint7/int13) */
        unsigned mask;
        size_t size; /* enc + data */
    } cases[] = {
        {0, 0x00, 0xFF, 1},
        {127, 0x7F, 0xFF, 1},
        {128, 0xC0, 0xE0, 2},
        {-1, 0xC0, 0xE0, 2},
        {-4096, 0xD0, 0xFF, 2},
        {4095, 0xCF, 0xFF, 2},
        {4096, 0xF1, 0xFF, 3},
        {-4097, 0xF1, 0xFF, 3},
        {INT16_MIN, 0xF1, 0xFF, 3},
        {INT16_MAX, 0xF1, 0xFF, 3},
        {32768, 0xF2, 0xFF, 4},
        {-8388608, 0xF2, 0xFF, 4},
        {8388607, 0xF2, 0xFF, 4},
        {8388608, 0xF3, 0xFF, 5},
        {INT32_MIN, 0xF3, 0xFF, 5},
        {INT32_MAX, 0xF3, 0xFF, 5},
        {(int64_t)INT32_MAX + 1, 0xF4, 0xFF, 9},
        {INT64_MIN, 0xF4, 0xFF, 9},
        {INT64_MAX, 0xF4, 0xFF, 9},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tval v = TV_INT(cases[k].v);
        size_t len;
        uint8_t *lp = lp_build(&v, 1, &len);
        cr_assert(eq(u8, (uint8_t)(lp[6] & cases[k].mask), (uint8_t)cases[k].first),
                  "value %lld", (long long)cases[k].v);
        cr_assert(eq(sz, len, 6 + cases[k].size + 1 + 1), "value %lld", (long long)cases[k].v);
        lp_expect(lp, len, &v, 1);
        free(lp);
    }
    /* and all of them in one listpack */
    lpb l;
    lpb_init(&l);
    tval all[sizeof cases / sizeof cases[0]];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        all[k] = TV_INT(cases[k].v);
        lpb_int(&l, cases[k].v);
    }
    size_t len;
    uint8_t *lp = lpb_finish(&l, &len);
    lp_expect(lp, len, all, sizeof cases / sizeof cases[0]);
    free(lp);
}

/* Wider-than-needed integer encodings are valid (writers may differ). */
Test(listpack, non_minimal_int_encodings)
{
    lpb l;
    lpb_init(&l);
    lpb_int_enc(&l, 5, LPE_INT13);
    lpb_int_enc(&l, 5, LPE_INT16);
    lpb_int_enc(&l, -5, LPE_INT24);
    lpb_int_enc(&l, 5, LPE_INT32);
    lpb_int_enc(&l, 0, LPE_INT64);
    size_t len;
    uint8_t *lp = lpb_finish(&l, &len);
    tval v[] = {TV_INT(5), TV_INT(5), TV_INT(-5), TV_INT(5), TV_INT(0)};
    lp_expect(lp, len, v, 5);
    free(lp);
}

/* String lengths at every encoding edge and every backlen size edge. */
Test(listpack, string_and_backlen_edges)
{
    static const struct {
        size_t n;
        unsigned first;  /* first byte & 0xF0 (str6: & 0xC0) */
        unsigned backlen;
    } cases[] = {
        {0, 0x80, 1},       {1, 0x80, 1},        {63, 0x80, 1},
        {64, 0xE0, 1},      {125, 0xE0, 1},      /* S = 127: last 1-byte backlen */
        {126, 0xE0, 2},     /* S = 128 */        {4095, 0xE0, 2},
        {4096, 0xF0, 2},    {16377, 0xF0, 2},    /* S = 16382 */
        {16378, 0xF0, 3},   /* S = 16383: 3 bytes (strict <) */
        {2097145, 0xF0, 3}, /* S = 2097150 */
        {2097146, 0xF0, 4}, /* S = 2097151 */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n = cases[k].n;
        uint8_t *s = malloc(n + 1);
        for (size_t i = 0; i < n; i++)
            s[i] = (uint8_t)('a' + i % 26);
        tval v = TV_STR(s, n);
        size_t len;
        uint8_t *lp = lp_build(&v, 1, &len);
        unsigned mask = cases[k].first == 0x80 ? 0xC0 : 0xF0;
        cr_assert(eq(u8, (uint8_t)(lp[6] & mask), (uint8_t)cases[k].first), "n %zu", n);
        size_t hs = cases[k].first == 0x80 ? 1 : cases[k].first == 0xE0 ? 2 : 5;
        cr_assert(eq(sz, len, 6 + hs + n + cases[k].backlen + 1), "n %zu", n);
        lp_expect(lp, len, &v, 1);
        /* the same with a neighbour on each side, so the walk crosses it */
        lpb l;
        lpb_init(&l);
        lpb_int(&l, 7);
        lpb_str(&l, s, n);
        lpb_str(&l, "z", 1);
        free(lp);
        lp = lpb_finish(&l, &len);
        tval three[] = {TV_INT(7), TV_STR(s, n), TV_STR("z", 1)};
        lp_expect(lp, len, three, 3);
        free(lp);
        free(s);
    }
}

Test(listpack, non_minimal_string_encodings)
{
    lpb l;
    lpb_init(&l);
    lpb_str_enc(&l, "abc", 3, LPE_STR12);
    lpb_str_enc(&l, "", 0, LPE_STR32);
    lpb_str_enc(&l, "xyz", 3, LPE_STR32);
    size_t len;
    uint8_t *lp = lpb_finish(&l, &len);
    tval v[] = {TV_STR("abc", 3), TV_STR("", 0), TV_STR("xyz", 3)};
    lp_expect(lp, len, v, 3);
    free(lp);
}

/* S = 268435455 needs the 5-byte backlen: a 256 MiB string. calloc keeps
 * it cheap: validation never touches the string's bytes. */
Test(listpack, backlen_5_bytes, .timeout = 60)
{
    const size_t n = 268435450, s = 5 + n, len = 6 + s + 5 + 1;
    uint8_t *lp = calloc(len, 1);
    cr_assert(lp != NULL);
    tb_set_le(lp, len, 4);
    tb_set_le(lp + 4, 1, 2);
    lp[6] = 0xF0;
    tb_set_le(lp + 7, n, 4);
    uint8_t *bl = lp + 6 + s;
    bl[0] = (uint8_t)(s >> 28);
    bl[1] = (uint8_t)(((s >> 21) & 127) | 128);
    bl[2] = (uint8_t)(((s >> 14) & 127) | 128);
    bl[3] = (uint8_t)(((s >> 7) & 127) | 128);
    bl[4] = (uint8_t)((s & 127) | 128);
    lp[len - 1] = 0xFF;
    rdbl__blob_info info;
    rdbl__berr e = {0, ""};
    cr_assert(eq(int, rdbl__lp_validate(lp, len, &info, &e), RDBL_OK), "%s", e.msg);
    cr_assert(eq(u64, info.count, 1));
    cr_assert(eq(u64, info.largest, n));
    rdbl__lp_iter it;
    rdbl__lp_iter_init(&it, lp, len);
    rdbl_item item;
    cr_assert(rdbl__lp_next(&it, &item));
    cr_assert(eq(sz, item.len, n));
    cr_assert(item.ptr == lp + 11);
    cr_assert(not(rdbl__lp_next(&it, &item)));
    bl[4] ^= 1; /* now says S - 1 or S + 1 */
    cr_assert(eq(int, rdbl__lp_validate(lp, len, &info, &e), RDBL_CORRUPT));
    cr_assert(eq(sz, e.offset, 6 + s));
    cr_assert(strstr(e.msg, "backlen") != NULL, "%s", e.msg);
    free(lp);
}

Test(listpack, count_unknown_and_large)
{
    /* 65535 in the header: "walk to count" */
    tval v[] = {TV_INT(1), TV_STR("x", 1), TV_INT(-3)};
    lpb l;
    lpb_init(&l);
    lpb_vals(&l, v, 3);
    size_t len;
    uint8_t *lp = lpb_finish_n(&l, &len, 65535);
    lp_expect(lp, len, v, 3);
    cr_assert(eq(u32, rdbl__lp_header_count(lp, len), UINT32_MAX));
    free(lp);

    /* 70000 entries: only 65535 is accepted in the header */
    const size_t n = 70000;
    tval *many = malloc(n * sizeof *many);
    lpb_init(&l);
    for (size_t k = 0; k < n; k++) {
        many[k] = TV_INT((int64_t)(k % 100));
        lpb_int(&l, (int64_t)(k % 100));
    }
    lp = lpb_finish(&l, &len);
    lp_expect(lp, len, many, n);
    tb_set_le(lp + 4, n & 0xFFFF, 2);
    lp_expect_bad(lp, len, 4, "num_elements");
    tb_set_le(lp + 4, 65534, 2);
    lp_expect_bad(lp, len, 4, "num_elements");
    free(lp);
    free(many);
}

Test(listpack, count_mismatch)
{
    tval v[] = {TV_INT(1), TV_INT(2)};
    lpb l;
    lpb_init(&l);
    lpb_vals(&l, v, 2);
    size_t len;
    uint8_t *lp = lpb_finish_n(&l, &len, 3);
    lp_expect_bad(lp, len, 4, "num_elements 3 != 2 entries found");
    free(lp);
}

Test(listpack, short_blobs)
{
    static const uint8_t base[] = {0x07, 0, 0, 0, 0, 0, 0xFF};
    for (size_t n = 0; n < 7; n++)
        lp_expect_bad(base, n, 0, "shorter than");
}

Test(listpack, header_and_terminator)
{
    uint8_t lp[] = {0x0E, 0, 0, 0, 0x02, 0x00, 0x05, 0x01, 0x83, 'a', 'b', 'c', 0x04, 0xFF};
    lp[0] = 0x0F;
    lp_expect_bad(lp, sizeof lp, 0, "total_bytes 15 != blob size 14");
    lp[0] = 0x0E;
    lp[3] = 0x80; /* huge total_bytes */
    lp_expect_bad(lp, sizeof lp, 0, "total_bytes");
    lp[3] = 0;
    lp[13] = 0xFE;
    lp_expect_bad(lp, sizeof lp, 13, "ends with 0xfe");
    lp[13] = 0xFF;
    /* a terminator where an entry should start */
    static const uint8_t early[] = {0x09, 0, 0, 0, 0x00, 0x00, 0xFF, 0x00, 0xFF};
    lp_expect_bad(early, sizeof early, 6, "end marker");
    static const uint8_t early2[] = {0x0A, 0, 0, 0, 0x01, 0x00, 0x05, 0x01, 0xFF, 0xFF};
    lp_expect_bad(early2, sizeof early2, 8, "listpack entry 1 at +8: end marker");
}

Test(listpack, invalid_encodings)
{
    for (unsigned b = 0xF5; b <= 0xFE; b++) {
        uint8_t lp[] = {0x10, 0, 0, 0, 0x01, 0x00, (uint8_t)b, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF};
        lp_expect_bad(lp, sizeof lp, 6, "invalid encoding byte");
    }
}

Test(listpack, huge_and_cut_lengths)
{
    /* str32 claiming 4 GiB - 1 */
    static const uint8_t a[] = {0x0D, 0, 0, 0, 0x01, 0x00, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0x05,
                                0xFF};
    lp_expect_bad(a, sizeof a, 6, "runs past the end");
    /* str12 claiming 4095 bytes */
    static const uint8_t b[] = {0x0B, 0, 0, 0, 0x01, 0x00, 0xEF, 0xFF, 'x', 0x03, 0xFF};
    lp_expect_bad(b, sizeof b, 6, "runs past the end");
    /* str6 claiming 63 */
    static const uint8_t c[] = {0x0A, 0, 0, 0, 0x01, 0x00, 0xBF, 'x', 0x02, 0xFF};
    lp_expect_bad(c, sizeof c, 6, "runs past the end");
    /* int64 header cut by the terminator */
    static const uint8_t d[] = {0x0B, 0, 0, 0, 0x01, 0x00, 0xF4, 1, 2, 3, 0xFF};
    lp_expect_bad(d, sizeof d, 6, "header of encoding 0xf4");
    /* str32 header cut */
    static const uint8_t f[] = {0x0A, 0, 0, 0, 0x01, 0x00, 0xF0, 1, 0, 0xFF};
    lp_expect_bad(f, sizeof f, 6, "5-byte header");
    /* int13 / str12 second byte missing */
    static const uint8_t g[] = {0x08, 0, 0, 0, 0x01, 0x00, 0xC5, 0xFF};
    lp_expect_bad(g, sizeof g, 6, "2-byte header");
    static const uint8_t h[] = {0x08, 0, 0, 0, 0x01, 0x00, 0xE5, 0xFF};
    lp_expect_bad(h, sizeof h, 6, "2-byte header");
    /* entry fits, its backlen does not */
    static const uint8_t i[] = {0x09, 0, 0, 0, 0x01, 0x00, 0x81, 'x', 0xFF};
    lp_expect_bad(i, sizeof i, 8, "backlen runs past the end");
    /* a 2-byte backlen is needed (S = 130) but only one byte is left */
    lpb l;
    lpb_init(&l);
    char s[128];
    memset(s, 'q', sizeof s);
    lpb_str(&l, s, 128);
    size_t len;
    uint8_t *lp = lpb_finish(&l, &len);
    /* drop the backlen's first byte: shift the terminator left by one */
    lp[len - 3] = lp[len - 2];
    lp[len - 2] = 0xFF;
    tb_set_le(lp, len - 1, 4);
    lp_expect_bad(lp, len - 1, 6 + 130, "2-byte backlen runs past the end");
    free(lp);
}

Test(listpack, backlen_mismatch)
{
    uint8_t lp[] = {0x0E, 0, 0, 0, 0x02, 0x00, 0x05, 0x01, 0x83, 'a', 'b', 'c', 0x04, 0xFF};
    lp[12] = 0x05;
    lp_expect_bad(lp, sizeof lp, 12, "listpack entry 1 at +8: backlen 5 != entry size 4");
    lp[12] = 0x84; /* bit 7 set on a 1-byte backlen */
    lp_expect_bad(lp, sizeof lp, 12, "backlen");
    lp[12] = 0x04;
    lp[7] = 0x00;
    lp_expect_bad(lp, sizeof lp, 7, "listpack entry 0 at +6: backlen 0 != entry size 1");

    /* S = 16383 in 3 bytes (00 FF FF); a 2-byte reading (?? 7F FF) decodes to
     * the same number but is not what any writer produces. */
    lpb l;
    lpb_init(&l);
    uint8_t *s = calloc(16378, 1);
    lpb_str(&l, s, 16378);
    size_t len;
    uint8_t *p = lpb_finish(&l, &len);
    size_t bl = 6 + 16383;
    cr_assert(eq(u8, p[bl], 0x00));
    cr_assert(eq(u8, p[bl + 1], 0xFF));
    cr_assert(eq(u8, p[bl + 2], 0xFF));
    p[bl] = 0x05;
    p[bl + 1] = 0x7F;
    lp_expect_bad(p, len, bl, "not in its 3-byte form");
    p[bl] = 0x00;
    p[bl + 1] = 0xFE;
    lp_expect_bad(p, len, bl, "backlen 16255 != entry size 16383");
    free(p);
    free(s);
}

/* Every prefix of a valid listpack must be rejected, as is, and re-closed
 * (terminator appended, total_bytes fixed up): the walk then ends inside an
 * entry, or at a boundary with a count that no longer matches. */
Test(listpack, every_prefix_rejected)
{
    lpb l;
    lpb_init(&l);
    char s300[300];
    memset(s300, 'w', sizeof s300);
    lpb_int(&l, 3);
    lpb_int(&l, -2000);
    lpb_str(&l, "hello", 5);
    lpb_int(&l, 1000000);
    lpb_str(&l, s300, sizeof s300);
    lpb_int(&l, INT64_MAX);
    lpb_str_enc(&l, "q", 1, LPE_STR32);
    size_t len;
    uint8_t *lp = lpb_finish(&l, &len);
    for (size_t k = 0; k < len; k++) {
        uint8_t *c = tb_exact(lp, k);
        rdbl__berr e = {0, ""};
        rdbl__blob_info info;
        cr_assert(eq(int, rdbl__lp_validate(c, k, &info, &e), RDBL_CORRUPT), "prefix %zu", k);
        free(c);
        if (k < 6 || k + 1 == len)
            continue;
        c = malloc(k + 1);
        memcpy(c, lp, k);
        c[k] = 0xFF;
        tb_set_le(c, k + 1, 4);
        cr_assert(eq(int, rdbl__lp_validate(c, k + 1, &info, &e), RDBL_CORRUPT),
                  "re-closed prefix %zu", k);
        free(c);
    }
    free(lp);
}

/* Iterating a blob validate() accepted must yield exactly info.count items
 * whose lengths add up to info.value_bytes. */
static void lp_consistent(const uint8_t *lp, size_t len)
{
    rdbl__blob_info info;
    rdbl__berr e = {0, ""};
    if (rdbl__lp_validate(lp, len, &info, &e) != RDBL_OK) {
        cr_assert(e.offset < len || len == 0, "offset %zu outside a %zu-byte blob", e.offset,
                  len);
        cr_assert(e.msg[0] != '\0');
        return;
    }
    rdbl__lp_iter it;
    rdbl__lp_iter_init(&it, lp, len);
    rdbl_item item;
    uint64_t n = 0, bytes = 0, largest = 0;
    while (rdbl__lp_next(&it, &item)) {
        n++;
        bytes += item.len;
        if (item.len > largest)
            largest = item.len;
        if (!item.is_int)
            cr_assert(item.ptr >= lp + 6 && item.ptr + item.len <= lp + len - 1);
    }
    cr_assert(eq(u64, n, info.count));
    cr_assert(eq(u64, bytes, info.value_bytes));
    cr_assert(eq(u64, largest, info.largest));
}

Test(listpack, bit_flips)
{
    lpb l;
    lpb_init(&l);
    char s100[100];
    memset(s100, 'b', sizeof s100);
    lpb_int(&l, 42);
    lpb_str(&l, "ab", 2);
    lpb_int(&l, -4096);
    lpb_str(&l, s100, sizeof s100);
    lpb_int(&l, 70000);
    lpb_int(&l, INT64_MIN);
    lpb_str(&l, "", 0);
    size_t len;
    uint8_t *lp = lpb_finish(&l, &len);
    unsigned accepted = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *c = tb_exact(lp, len);
            c[i] ^= (uint8_t)(1u << bit);
            rdbl__blob_info info;
            rdbl__berr e = {0, ""};
            if (rdbl__lp_validate(c, len, &info, &e) == RDBL_OK)
                accepted++;
            lp_consistent(c, len);
            free(c);
        }
    }
    /* Flips inside string bytes keep the blob valid; structure flips don't. */
    cr_assert(accepted > 0 && accepted < len * 8);
    free(lp);
}

Test(listpack, random_garbage)
{
    uint64_t seed = 12345;
    for (int round = 0; round < 20000; round++) {
        size_t len = 7 + trand(&seed) % 40;
        uint8_t *c = malloc(len);
        for (size_t i = 0; i < len; i++) {
            uint64_t r = trand(&seed);
            /* bias towards small values so structures sometimes line up */
            c[i] = (uint8_t)((r & 0x300) ? r % 8 : r);
        }
        tb_set_le(c, len, 4);
        c[len - 1] = 0xFF;
        if (trand(&seed) & 1)
            tb_set_le(c + 4, 65535, 2);
        lp_consistent(c, len);
        free(c);
    }
}

Test(listpack, info_null_and_error_null)
{
    static const uint8_t lp[] = {0x0E, 0, 0, 0, 0x02, 0x00, 0x05, 0x01,
                                 0x83, 'a', 'b', 'c', 0x04, 0xFF};
    cr_assert(eq(int, rdbl__lp_validate(lp, sizeof lp, NULL, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl__lp_validate(lp, sizeof lp - 1, NULL, NULL), RDBL_CORRUPT));
}

Test(listpack, textlen_inline_matches)
{
    static const int64_t vals[] = {0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 4095, -1, -9,
                                   -10, -4096, 9999999999, 10000000000, INT64_MAX,
                                   INT64_MAX - 1, INT64_MIN, INT64_MIN + 1,
                                   1000000000000000000, 999999999999999999,
                                   -1000000000000000000};
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++)
        cr_assert(eq(sz, rdbl__i64_textlen_inline(vals[k]), rdbl_i64_textlen(vals[k])),
                  "%lld", (long long)vals[k]);
    uint64_t seed = 99;
    for (int k = 0; k < 100000; k++) {
        int64_t v;
        uint64_t r = trand(&seed) >> (trand(&seed) % 64);
        memcpy(&v, &r, sizeof v);
        if (k & 1)
            v = -(v / 2);
        cr_assert(eq(sz, rdbl__i64_textlen_inline(v), rdbl_i64_textlen(v)), "%lld",
                  (long long)v);
    }
    /* every power of ten and its neighbours */
    uint64_t p = 1;
    for (int d = 0; d < 19; d++, p *= 10) {
        int64_t q = (int64_t)p;
        for (int64_t x = q - 1; x <= q + 1; x++) {
            cr_assert(eq(sz, rdbl__i64_textlen_inline(x), rdbl_i64_textlen(x)));
            cr_assert(eq(sz, rdbl__i64_textlen_inline(-x), rdbl_i64_textlen(-x)));
        }
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Throughput of the hot loop on a few-KB listpack (hash-like: short field
 * strings and small ints). Prints the figure; never asserts on time. */
Test(listpack, bench_iterate)
{
    lpb l;
    lpb_init(&l);
    size_t n = 0;
    for (int k = 0; n < 512; k++) {
        char f[16];
        int fl = snprintf(f, sizeof f, "field:%d", k);
        lpb_str(&l, f, (size_t)fl);
        lpb_int(&l, k % 3 == 0 ? k : k * 1000);
        n += 2;
    }
    size_t len;
    uint8_t *lp = lpb_finish(&l, &len);
    cr_assert(eq(int, rdbl__lp_validate(lp, len, NULL, NULL), RDBL_OK));
    const int rounds = 20000;
    uint64_t sink = 0;
    double t0 = now_s();
    for (int r = 0; r < rounds; r++) {
        rdbl__lp_iter it;
        rdbl__lp_iter_init(&it, lp, len);
        rdbl_item item;
        while (rdbl__lp_next(&it, &item))
            sink += item.len;
    }
    double t1 = now_s();
    for (int r = 0; r < rounds / 10; r++) {
        rdbl__blob_info info;
        rdbl__lp_validate(lp, len, &info, NULL);
        sink += info.count;
    }
    double t2 = now_s();
    double it_rate = (double)n * rounds / (t1 - t0);
    double va_rate = (double)n * (rounds / 10) / (t2 - t1);
    fprintf(stderr,
            "# listpack %zu bytes, %zu entries: iterate %.0f M entries/s (%.2f GB/s), "
            "validate %.0f M entries/s (sink %llu)\n",
            len, n, it_rate / 1e6, it_rate * (double)len / (double)n / 1e9, va_rate / 1e6,
            (unsigned long long)sink);
    cr_assert(sink > 0);
    free(lp);
}

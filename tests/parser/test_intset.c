/* Intset decoder (src/parser/intset.c): 16/32/64-bit members, edge values,
 * ordering, header checks and malformed blobs. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "blobbuild.h"

static uint8_t *is_build(uint32_t width, const int64_t *v, uint32_t n, size_t *len)
{
    tbuf b = {0};
    tb_le(&b, width, 4);
    tb_le(&b, n, 4);
    for (uint32_t i = 0; i < n; i++)
        tb_le(&b, (uint64_t)v[i], width);
    *len = b.len;
    uint8_t *out = tb_exact(b.p, b.len);
    free(b.p);
    return out;
}

static void is_expect(const uint8_t *is, size_t len, const int64_t *v, size_t n)
{
    rdbl__blob_info info;
    rdbl__berr e = {0, ""};
    rdbl_status st = rdbl__is_validate(is, len, &info, &e);
    cr_assert(st == RDBL_OK, "validate: %d at +%zu: %s", st, e.offset, e.msg);
    tval *tv = malloc((n ? n : 1) * sizeof *tv);
    for (size_t k = 0; k < n; k++)
        tv[k] = TV_INT(v[k]);
    tv_check_info(&info, tv, n);
    rdbl__is_iter it;
    rdbl__is_iter_init(&it, is, len);
    rdbl_item item;
    size_t k = 0;
    while (rdbl__is_next(&it, &item)) {
        cr_assert(k < n);
        tv_check(&item, &tv[k], k);
        k++;
    }
    cr_assert(eq(sz, k, n));
    cr_assert(not(rdbl__is_next(&it, &item)));
    free(tv);
}

static void is_expect_bad(const uint8_t *is, size_t len, size_t off, const char *what)
{
    uint8_t *c = tb_exact(is, len);
    rdbl__berr e = {0, ""};
    rdbl_status st = rdbl__is_validate(c, len, NULL, &e);
    cr_assert(st == RDBL_CORRUPT, "expected CORRUPT (%s), got %d", what, st);
    if (off != SIZE_MAX)
        cr_assert(e.offset == off, "offset %zu, want %zu (%s)", e.offset, off, e.msg);
    cr_assert(strstr(e.msg, what) != NULL, "message \"%s\" lacks \"%s\"", e.msg, what);
    free(c);
}

Test(intset, hand_built_16)
{
    static const uint8_t is[] = {0x02, 0, 0, 0, 0x03, 0, 0, 0, 0x00, 0x80, 0xFF, 0xFF, 0xFF, 0x7F};
    static const int64_t v[] = {INT16_MIN, -1, INT16_MAX};
    is_expect(is, sizeof is, v, 3);
}

Test(intset, widths_and_edges)
{
    static const int64_t v16[] = {INT16_MIN, -1000, -1, 0, 1, 9, 10, 1000, INT16_MAX};
    static const int64_t v32[] = {INT32_MIN, INT16_MIN - 1, 0, INT16_MAX + 1, INT32_MAX};
    static const int64_t v64[] = {INT64_MIN, (int64_t)INT32_MIN - 1, -5, 0,
                                  (int64_t)INT32_MAX + 1, 1000000000000000000, INT64_MAX};
    size_t len;
    uint8_t *is = is_build(2, v16, 9, &len);
    cr_assert(eq(sz, len, 8 + 9 * 2));
    is_expect(is, len, v16, 9);
    free(is);
    is = is_build(4, v32, 5, &len);
    is_expect(is, len, v32, 5);
    free(is);
    is = is_build(8, v64, 7, &len);
    is_expect(is, len, v64, 7);
    free(is);
    /* small values in a wide encoding (after a removal, redis never
     * downgrades): valid */
    static const int64_t small[] = {1, 2, 3};
    is = is_build(8, small, 3, &len);
    is_expect(is, len, small, 3);
    free(is);
    /* one member */
    is = is_build(4, small, 1, &len);
    is_expect(is, len, small, 1);
    free(is);
}

Test(intset, header_errors)
{
    static const uint8_t base[] = {0x02, 0, 0, 0, 0x02, 0, 0, 0, 0x01, 0x00, 0x02, 0x00};
    for (size_t n = 0; n < 8; n++)
        is_expect_bad(base, n, 0, "shorter than");
    uint8_t c[sizeof base];
    static const uint32_t bad_enc[] = {0, 1, 3, 5, 6, 7, 9, 16, 0xFFFFFFFF};
    for (size_t k = 0; k < sizeof bad_enc / sizeof bad_enc[0]; k++) {
        memcpy(c, base, sizeof c);
        tb_set_le(c, bad_enc[k], 4);
        is_expect_bad(c, sizeof c, 0, "is not 2, 4 or 8");
    }
    memcpy(c, base, sizeof c);
    c[4] = 3;
    is_expect_bad(c, sizeof c, 4, "intset of 3 members of 2 bytes needs 14 bytes, blob has 12");
    c[4] = 1;
    is_expect_bad(c, sizeof c, 4, "needs 10 bytes");
    tb_set_le(c + 4, 0xFFFFFFFF, 4); /* n * width must not wrap */
    is_expect_bad(c, sizeof c, 4, "needs");
    tb_set_le(c, 8, 4);
    is_expect_bad(c, sizeof c, 4, "needs 34359738368 bytes");
    tb_set_le(c, 4, 4);
    tb_set_le(c + 4, 0x40000000, 4); /* 8 + 4 * 2^30 = 2^32 + 8: wraps a u32 to 8 */
    is_expect_bad(c, 8, 4, "needs");
    /* empty */
    static const uint8_t empty[] = {0x04, 0, 0, 0, 0, 0, 0, 0};
    is_expect_bad(empty, sizeof empty, 4, "empty");
}

Test(intset, ordering)
{
    static const int64_t dup[] = {1, 5, 5, 9};
    size_t len;
    uint8_t *is = is_build(4, dup, 4, &len);
    is_expect_bad(is, len, 8 + 2 * 4, "intset member 2 (5) is not greater than the previous one (5)");
    free(is);
    static const int64_t down[] = {-3, -4};
    is = is_build(2, down, 2, &len);
    is_expect_bad(is, len, 10, "member 1 (-4)");
    free(is);
    static const int64_t wrap[] = {INT64_MAX, INT64_MIN};
    is = is_build(8, wrap, 2, &len);
    is_expect_bad(is, len, 16, "not greater");
    free(is);
}

Test(intset, every_prefix_and_bit_flip)
{
    static const int64_t v[] = {-70000, -1, 0, 3, 65536, 1 << 30};
    size_t len;
    uint8_t *is = is_build(4, v, 6, &len);
    for (size_t k = 0; k < len; k++) {
        uint8_t *c = tb_exact(is, k);
        cr_assert(eq(int, rdbl__is_validate(c, k, NULL, NULL), RDBL_CORRUPT), "prefix %zu", k);
        free(c);
    }
    unsigned accepted = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *c = tb_exact(is, len);
            c[i] ^= (uint8_t)(1u << bit);
            rdbl__blob_info info;
            if (rdbl__is_validate(c, len, &info, NULL) == RDBL_OK) {
                accepted++;
                rdbl__is_iter it;
                rdbl__is_iter_init(&it, c, len);
                rdbl_item item;
                uint64_t n = 0, bytes = 0;
                int64_t prev = 0;
                while (rdbl__is_next(&it, &item)) {
                    cr_assert(n == 0 || item.ival > prev);
                    prev = item.ival;
                    bytes += item.len;
                    n++;
                }
                cr_assert(eq(u64, n, info.count));
                cr_assert(eq(u64, bytes, info.value_bytes));
            }
            free(c);
        }
    }
    cr_assert(accepted > 0 && accepted < len * 8);
    free(is);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The validator sums text lengths by runs of one length (sorted members):
 * members on both sides of every power of ten, in every width, and random
 * sorted sets, against the per-member lengths of tv_check_info. */
Test(intset, text_length_runs)
{
    int64_t v[200];
    size_t n = 0;
    v[n++] = INT64_MIN;
    v[n++] = INT64_MIN + 1;
    v[n++] = INT64_MAX;
    v[n++] = INT64_MAX - 1;
    v[n++] = 0;
    int64_t p = 1;
    for (int k = 0; k <= 18; k++, p = k <= 18 ? p * 10 : p) {
        const int64_t c[] = {p - 1, p, p + 1, -(p - 1), -p, -(p + 1)};
        for (size_t j = 0; j < 6; j++)
            v[n++] = c[j];
    }
    qsort(v, n, sizeof v[0], cmp_i64);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) /* drop duplicates (0, 1, -1 twice) */
        if (m == 0 || v[i] != v[m - 1])
            v[m++] = v[i];
    static const uint32_t widths[] = {2, 4, 8};
    static const int64_t lims[] = {INT16_MAX, INT32_MAX, INT64_MAX};
    for (int w = 0; w < 3; w++) {
        int64_t sub[200];
        size_t k = 0;
        for (size_t i = 0; i < m; i++)
            if (v[i] >= -lims[w] - 1 && v[i] <= lims[w])
                sub[k++] = v[i];
        /* every window of the list, so that runs start and end anywhere */
        for (size_t a = 0; a < k; a++) {
            for (size_t b = a + 1; b <= k; b += 1 + (b - a) / 4) {
                size_t len;
                uint8_t *is = is_build(widths[w], sub + a, (uint32_t)(b - a), &len);
                is_expect(is, len, sub + a, b - a);
                free(is);
            }
        }
    }
    uint64_t seed = 11;
    for (int round = 0; round < 300; round++) {
        size_t cnt = 1 + (size_t)(trand(&seed) % 150);
        int shift = (int)(trand(&seed) % 63);
        for (size_t i = 0; i < cnt; i++)
            v[i] = (int64_t)trand(&seed) >> shift;
        qsort(v, cnt, sizeof v[0], cmp_i64);
        m = 0;
        for (size_t i = 0; i < cnt; i++)
            if (m == 0 || v[i] != v[m - 1])
                v[m++] = v[i];
        size_t len;
        uint8_t *is = is_build(8, v, (uint32_t)m, &len);
        is_expect(is, len, v, m);
        free(is);
    }
}

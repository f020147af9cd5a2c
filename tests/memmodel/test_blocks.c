/* Building blocks (src/memmodel/blocks.c): sds headers, listpack / ziplist /
 * intset sizes from elements, dict tables and the rehash simulation, the
 * streaming radix-tree count against a recursive reference (§3.7), zset
 * score text, objectComputeSize's float sums. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "memmodel/model.h"

TestSuite(mm_blocks);

static rdbl_item str_item(const char *s)
{
    rdbl_item it = {(const uint8_t *)s, strlen(s), 0, false};
    return it;
}
static rdbl_item int_item(int64_t v)
{
    rdbl_item it = {NULL, rdbl_i64_textlen(v), v, true};
    return it;
}

/* §3.1 table, and Valkey 8's boundaries (§8.4) */
Test(mm_blocks, sds_headers)
{
    static const struct {
        size_t n, redis, valkey;
    } t[] = {{0, 3, 3},         {1, 1, 1},         {31, 1, 1},        {32, 3, 3},
             {252, 3, 3},       {253, 3, 5},       {255, 3, 5},       {256, 5, 5},
             {65530, 5, 5},     {65531, 5, 9},     {65535, 5, 9},     {65536, 9, 9},
             {4294967286u, 9, 9}, {4294967287u, 9, 17}, {4294967295u, 9, 17}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        cr_expect(eq(sz, rdbl__sds_hdr(t[i].n, RDBL__SDS_REDIS), t[i].redis), "redis n=%zu",
                  t[i].n);
        cr_expect(eq(sz, rdbl__sds_hdr(t[i].n, RDBL__SDS_VALKEY), t[i].valkey), "valkey n=%zu",
                  t[i].n);
    }
    if (sizeof(size_t) > 4)
        cr_expect(eq(sz, rdbl__sds_hdr((size_t)1 << 33, RDBL__SDS_REDIS), 17));
}

/* §3.2 integer test as string2ll, §3.3 entry sizes */
Test(mm_blocks, listpack_entries)
{
    static const struct {
        const char *s;
        size_t size;
    } t[] = {
        {"0", 2},          {"127", 2},        {"128", 3},        {"-1", 3},
        {"4095", 3},       {"-4096", 3},      {"4096", 4},       {"32767", 4},
        {"-32768", 4},     {"32768", 5},      {"8388607", 5},    {"8388608", 6},
        {"2147483647", 6}, {"2147483648", 10}, {"-9223372036854775808", 10},
        {"007", 5},        {"+1", 4},         {"-0", 4},         {" 1", 4},
        {"1.5", 5},        {"", 2},           {"9223372036854775808", 21},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        rdbl_item it = str_item(t[i].s);
        cr_expect(eq(sz, rdbl__lp_item_entry(&it), t[i].size), "'%s'", t[i].s);
    }
    rdbl_item big = int_item(INT64_MIN);
    cr_expect(eq(sz, rdbl__lp_item_entry(&big), 10));
    /* string headers 1/2/5 and backlen 1/2/3 */
    cr_expect(eq(sz, rdbl__lp_str_entry(63), 1 + 63 + 1));
    cr_expect(eq(sz, rdbl__lp_str_entry(64), 2 + 64 + 1));
    cr_expect(eq(sz, rdbl__lp_str_entry(125), 2 + 125 + 1)); /* l = 127: backlen 1 */
    cr_expect(eq(sz, rdbl__lp_str_entry(126), 2 + 126 + 2)); /* l = 128: backlen 2 */
    cr_expect(eq(sz, rdbl__lp_str_entry(4095), 2 + 4095 + 2));
    cr_expect(eq(sz, rdbl__lp_str_entry(4096), 5 + 4096 + 2));
    cr_expect(eq(sz, rdbl__lp_str_entry(16377), 5 + 16377 + 2)); /* l = 16382 */
    cr_expect(eq(sz, rdbl__lp_str_entry(16378), 5 + 16378 + 3)); /* l = 16383 */
    /* a whole listpack: "a", 1, "hello" -> 6 + 3 + 2 + 7 + 1 */
    rdbl_item a = str_item("a"), one = str_item("1"), h = str_item("hello");
    size_t lp = RDBL__LP_EMPTY + rdbl__lp_item_entry(&a) + rdbl__lp_item_entry(&one) +
                rdbl__lp_item_entry(&h);
    cr_expect(eq(sz, lp, 19));
    /* 7.2 preallocation estimate: 3 copies of the widest of (-5, 300) */
    cr_expect(eq(sz, rdbl__lp_estimate_repeated_int(-5, 300, 3), 6 + 3 * 3 + 1));
}

Test(mm_blocks, ziplist_sizes)
{
    rdbl__zl z;
    rdbl__zl_init(&z);
    cr_expect(eq(u64, z.bytes, 11));
    rdbl_item it = int_item(5); /* 4-bit immediate: prevlen + encoding */
    rdbl__zl_push_item(&z, &it);
    cr_expect(eq(u64, z.bytes, 13));
    it = str_item("1000"); /* int16 */
    rdbl__zl_push_item(&z, &it);
    cr_expect(eq(u64, z.bytes, 17));
    rdbl__zl_push_str(&z, 300); /* 2-byte encoding */
    cr_expect(eq(u64, z.bytes, 17 + 1 + 2 + 300));
    rdbl__zl_push_str(&z, 1); /* previous entry >= 254 bytes: 5-byte prevlen */
    cr_expect(eq(u64, z.bytes, 17 + 303 + 5 + 1 + 1));
}

Test(mm_blocks, intset_and_slots)
{
    cr_expect(eq(u32, rdbl__intset_width(32767), 2));
    cr_expect(eq(u32, rdbl__intset_width(-32768), 2));
    cr_expect(eq(u32, rdbl__intset_width(32768), 4));
    cr_expect(eq(u32, rdbl__intset_width(INT32_MIN), 4));
    cr_expect(eq(u32, rdbl__intset_width((int64_t)INT32_MAX + 1), 8));
    cr_expect(eq(u64, rdbl__dict_slots(0), 4));
    cr_expect(eq(u64, rdbl__dict_slots(4), 4));
    cr_expect(eq(u64, rdbl__dict_slots(5), 8));
    cr_expect(eq(u64, rdbl__dict_slots(513), 1024));
    cr_expect(eq(u64, rdbl__dict_slots(1024), 1024));
}

/* The load paths of §5.3, checked on redis-server 7.0.15 (DEBUG HTSTATS-KEY
 * after a reload): a hash of n pairs whose first long pair is number k. */
static uint64_t hash_load(uint64_t n, uint64_t k)
{
    rdbl__dsim d;
    rdbl__dsim_init(&d);
    rdbl__dsim_expand(&d, k);
    rdbl__dsim_add(&d, k, 0);
    rdbl__dsim_add(&d, 1, 1);
    uint64_t rem = n - k - 1;
    if (rem > 4)
        rdbl__dsim_expand(&d, rem);
    rdbl__dsim_add(&d, rem, 1);
    return rdbl__dsim_slots(&d);
}

Test(mm_blocks, dict_rehash_load_paths)
{
    static const uint64_t t[][3] = {
        {3, 0, 4},   {6, 0, 8},   {8, 0, 8},   {5, 4, 12},  {9, 8, 24},  {10, 5, 24},
        {11, 5, 24}, {12, 3, 24}, {13, 4, 24}, {15, 5, 16}, {16, 5, 16}, {6, 5, 8},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        cr_expect(eq(u64, hash_load(t[i][0], t[i][1]), t[i][2]), "n=%llu k=%llu",
                  (unsigned long long)t[i][0], (unsigned long long)t[i][1]);
}

Test(mm_blocks, dict_growth)
{
    rdbl__dsim d;
    rdbl__dsim_init(&d);
    /* presized: dictTryExpand(n) on an empty dict, no rehash */
    rdbl__dsim_expand(&d, 1000);
    rdbl__dsim_add(&d, 1000, 1);
    cr_expect(eq(u64, rdbl__dsim_slots(&d), 1024));
    /* grown by single adds: 4 -> 8 -> 16; the 17th add starts 16 -> 32 */
    rdbl__dsim_init(&d);
    rdbl__dsim_add(&d, 16, 1);
    cr_expect(eq(u64, rdbl__dsim_slots(&d), 16));
    rdbl__dsim_add(&d, 1, 1);
    cr_expect(eq(u64, rdbl__dsim_slots(&d), 48), "mid-rehash: both tables count");
    rdbl__dsim_add(&d, 15, 1);
    cr_expect(eq(u64, rdbl__dsim_slots(&d), 32), "16 entries of 16 buckets: done in 15 steps");
    /* an empty table that starts rehashing drops at the first step */
    rdbl__dsim_init(&d);
    rdbl__dsim_expand(&d, 0);
    cr_expect(eq(u64, rdbl__dsim_slots(&d), 4));
    rdbl__dsim_expand(&d, 600);
    cr_expect(eq(u64, rdbl__dsim_slots(&d), 4 + 1024));
    rdbl__dsim_add(&d, 1, 1);
    cr_expect(eq(u64, rdbl__dsim_slots(&d), 1024));
    /* expand is ignored when it keeps the size or is below the entries */
    rdbl__dsim_expand(&d, 1000);
    rdbl__dsim_expand(&d, 0);
    cr_expect(eq(u64, rdbl__dsim_slots(&d), 1024));
}

/* ---- radix trees ---- */

static int cmp16(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

/* The recursive definition of §3.7 over sorted, distinct keys; also sums the
 * node allocations with the same sizes as the streaming form. */
static uint64_t rax_nodes_rec(const uint8_t (*k)[16], size_t n, int d, const rdbl__alloc_ctx *a,
                              uint64_t *alloc)
{
    if (n == 1 && d == 16) {
        *alloc += rdbl__J(a, 16);
        return 1;
    }
    bool same = true;
    for (size_t i = 1; i < n; i++)
        if (k[i][d] != k[0][d])
            same = false;
    if (same) {
        int e;
        if (n == 1) {
            e = 16;
        } else {
            e = d;
            for (;;) {
                bool all = true;
                for (size_t i = 1; i < n; i++)
                    if (k[i][e] != k[0][e])
                        all = false;
                if (!all)
                    break;
                e++;
            }
        }
        size_t chars = (size_t)(e - d);
        size_t pad = (8 - ((chars + 4) % 8)) & 7;
        *alloc += rdbl__J(a, 4 + chars + pad + 8);
        return 1 + rax_nodes_rec(k, n, e, a, alloc);
    }
    uint64_t c = 1, kids = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && k[j][d] == k[i][d])
            j++;
        c += rax_nodes_rec(k + i, j - i, d + 1, a, alloc);
        kids++;
        i = j;
    }
    size_t pad = (8 - ((kids + 4) % 8)) & 7;
    *alloc += rdbl__J(a, 4 + kids + pad + 8 * kids);
    return c;
}

static void make_id(uint8_t out[16], uint64_t ms, uint64_t seq)
{
    rdbl_stream_id id = {ms, seq};
    rdbl__stream_id_bytes(id, out);
}

Test(mm_blocks, rax_examples)
{
    rdbl__alloc_ctx a;
    rdbl__alloc_ctx_init(&a, RDBL_ALLOC_JEMALLOC);
    rdbl__raxc r;
    rdbl__raxc_init(&r);
    cr_expect(eq(u64, rdbl__raxc_nodes(&r, &a, NULL), 1), "empty rax: its root");
    uint8_t id[16];
    make_id(id, 1700000000000ull, 0);
    rdbl__raxc_add(&r, id, &a);
    cr_expect(eq(u64, rdbl__raxc_nodes(&r, &a, NULL), 2), "one ID: compressed node + leaf");
    /* two IDs that differ in the last byte: root compressed (15), branch, 2 leaves */
    make_id(id, 1700000000000ull, 1);
    rdbl__raxc_add(&r, id, &a);
    cr_expect(eq(u64, rdbl__raxc_nodes(&r, &a, NULL), 4));
    cr_expect(not(r.unordered));
    /* an ID out of order is reported */
    make_id(id, 5, 0);
    rdbl__raxc_add(&r, id, &a);
    cr_expect(r.unordered);
}

Test(mm_blocks, rax_streaming_matches_recursive)
{
    rdbl__alloc_ctx a;
    rdbl__alloc_ctx_init(&a, RDBL_ALLOC_JEMALLOC_Q16);
    srand(12345);
    uint8_t(*k)[16] = malloc(1000 * sizeof *k);
    cr_assert(not(eq(ptr, k, NULL)));
    for (int round = 0; round < 600; round++) {
        size_t n = (size_t)(rand() % 1001);
        int mode = round % 3;
        uint64_t ms = 1700000000000ull + (uint64_t)(rand() % 100000);
        for (size_t i = 0; i < n; i++) {
            if (mode == 0) { /* dense: consecutive ms, small seqs */
                ms += (uint64_t)(rand() % 3);
                make_id(k[i], ms, (uint64_t)(rand() % 4));
            } else if (mode == 1) { /* sparse: big gaps */
                ms += (uint64_t)(rand() % 100000) + 1;
                make_id(k[i], ms, 0);
            } else { /* random bytes */
                for (int b = 0; b < 16; b++)
                    k[i][b] = (uint8_t)rand();
            }
        }
        qsort(k, n, 16, cmp16);
        size_t u = 0; /* distinct */
        for (size_t i = 0; i < n; i++)
            if (u == 0 || memcmp(k[u - 1], k[i], 16) != 0)
                memcpy(k[u++], k[i], 16);
        rdbl__raxc r;
        rdbl__raxc_init(&r);
        for (size_t i = 0; i < u; i++)
            rdbl__raxc_add(&r, k[i], &a);
        uint64_t salloc = 0, ralloc = 0;
        uint64_t s = rdbl__raxc_nodes(&r, &a, &salloc);
        uint64_t want = u == 0 ? 1 : rax_nodes_rec((const uint8_t(*)[16])k, u, 0, &a, &ralloc);
        if (u == 0)
            ralloc = rdbl__J(&a, 4);
        cr_assert(eq(u64, s, want), "round %d: %zu IDs (mode %d)", round, u, mode);
        cr_assert(eq(u64, salloc, ralloc), "round %d: node sizes", round);
        cr_assert(not(r.unordered));
    }
    free(k);
}

Test(mm_blocks, scaled_sum_truncates_like_redis)
{
    /* (size_t)(asize + (double)elesize / samples * count) */
    cr_expect(eq(u64, rdbl__scaled_sum(56, 1000, 10, 10), 1056));
    double v = 72.0 + 12345.0 / 7.0 * 7.0;
    cr_expect(eq(u64, rdbl__scaled_sum(72, 12345, 7, 7), (uint64_t)v));
    cr_expect(eq(u64, rdbl__scaled_sum(72, 0, 0, 0), 72));
}

Test(mm_blocks, score_text)
{
    char b[64];
    size_t n = rdbl__score_text(2.5, RDBL__SCORE_70, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "2.5"));
    n = rdbl__score_text(0.1, RDBL__SCORE_70, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "0.10000000000000001"));
    n = rdbl__score_text(0.1, RDBL__SCORE_SHORT, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "0.1"));
    n = rdbl__score_text(1700000123.0, RDBL__SCORE_70, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "1700000123"));
    n = rdbl__score_text(-0.0, RDBL__SCORE_70, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "-0"));
    n = rdbl__score_text(1e300, RDBL__SCORE_SHORT, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "1e+300"));
    n = rdbl__score_text(123.456, RDBL__SCORE_SHORT, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "123.456"));
    n = rdbl__score_text(0.000001, RDBL__SCORE_SHORT, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "0.000001"));
    n = rdbl__score_text(1e-7, RDBL__SCORE_SHORT, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "1e-7"));
    /* 6.2 prints integers only below 2^52; 7.0 up to LLONG_MAX/2 */
    n = rdbl__score_text(9007199254740992.0, RDBL__SCORE_62, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "9007199254740992"));
    n = rdbl__score_text(4503599627370496.0, RDBL__SCORE_62, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "4503599627370496"));
    n = rdbl__score_text(4503599627370496.0, RDBL__SCORE_70, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "4503599627370496"));
    n = rdbl__score_text(1152921504606846976.0, RDBL__SCORE_70, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "1152921504606846976"));
    n = rdbl__score_text(1152921504606846976.0, RDBL__SCORE_62, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "1.152921504606847e+18"));
    n = rdbl__score_text(INFINITY, RDBL__SCORE_70, b, sizeof b);
    cr_expect(eq(str, (b[n] = 0, b), "inf"));
}

/* The advice line (model.c, written without snprintf) against snprintf's
 * text, powers of two around every width, truncated to every capacity. */
static uint64_t pow2_ref(uint64_t v)
{
    uint64_t p = 1;
    while (p < v && p < ((uint64_t)1 << 62))
        p <<= 1;
    return p;
}

Test(mm_blocks, advice_text_matches_snprintf)
{
    static const char *const names[] = {NULL, "hash-max-listpack-entries",
                                        "zset-max-listpack-value", "s"};
    uint64_t vals[] = {0, 1, 2, 3, 9, 10, 127, 128, 129, 1000, 65535, 65537,
                       ((uint64_t)1 << 40) + 1, ((uint64_t)1 << 62) + 5, UINT64_MAX};
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 4; b++)
            for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
                for (size_t cap = 1; cap <= 96; cap++) {
                    const char *n1 = names[a], *n2 = names[b];
                    uint64_t v1 = vals[i], v2 = vals[(i + 3) % (sizeof vals / sizeof vals[0])];
                    char want[96] = "", got[96];
                    memset(got, 'x', sizeof got);
                    if (n1 && n2)
                        snprintf(want, cap, "%s %llu; %s %llu", n1,
                                 (unsigned long long)pow2_ref(v1), n2,
                                 (unsigned long long)pow2_ref(v2));
                    else if (n1)
                        snprintf(want, cap, "%s %llu", n1, (unsigned long long)pow2_ref(v1));
                    else if (n2)
                        snprintf(want, cap, "%s %llu", n2, (unsigned long long)pow2_ref(v2));
                    rdbl__mm_advice(got, cap, n1, v1, n2, v2);
                    cr_assert(eq(str, got, want), "cap %zu", cap);
                }
}

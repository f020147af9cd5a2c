/* Zipmap decoder (src/parser/zipmap.c): 1- and 5-byte lengths, free bytes,
 * zmlen 254/255 ("unknown"), and malformed blobs. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>

#include "blobbuild.h"

typedef struct zmb {
    tbuf b;
    unsigned pairs;
} zmb;

static void zmb_init(zmb *z)
{
    memset(z, 0, sizeof *z);
    tb_u8(&z->b, 0); /* zmlen, set by zmb_finish */
}

static void zmb_len(tbuf *b, size_t n, bool big)
{
    if (n < 254 && !big) {
        tb_u8(b, (unsigned)n);
    } else {
        tb_u8(b, 0xFE);
        tb_le(b, n, 4);
    }
}

/* Appends a pair; big forces 5-byte lengths, freeb adds slack bytes. */
static void zmb_pair(zmb *z, const void *k, size_t kl, const void *v, size_t vl, unsigned freeb,
                     bool big)
{
    zmb_len(&z->b, kl, big);
    tb_put(&z->b, k, kl);
    zmb_len(&z->b, vl, big);
    tb_u8(&z->b, freeb);
    tb_put(&z->b, v, vl);
    tb_fill(&z->b, 0xEE, freeb);
    z->pairs++;
}

static uint8_t *zmb_finish(zmb *z, size_t *len, int zmlen)
{
    tb_u8(&z->b, 0xFF);
    z->b.p[0] = (uint8_t)(zmlen >= 0 ? (unsigned)zmlen : z->pairs < 254 ? z->pairs : 254);
    *len = z->b.len;
    uint8_t *out = tb_exact(z->b.p, z->b.len);
    free(z->b.p);
    return out;
}

static void zm_expect(const uint8_t *zm, size_t len, const tval *v, size_t n)
{
    rdbl__blob_info info;
    rdbl__berr e = {0, ""};
    rdbl_status st = rdbl__zm_validate(zm, len, &info, &e);
    cr_assert(st == RDBL_OK, "validate: %d at +%zu: %s", st, e.offset, e.msg);
    tv_check_info(&info, v, n);
    rdbl__zm_iter it;
    rdbl__zm_iter_init(&it, zm, len);
    rdbl_item item;
    size_t k = 0;
    while (rdbl__zm_next(&it, &item)) {
        cr_assert(k < n);
        tv_check(&item, &v[k], k);
        k++;
    }
    cr_assert(eq(sz, k, n));
    cr_assert(not(rdbl__zm_next(&it, &item)));
}

static void zm_expect_bad(const uint8_t *zm, size_t len, size_t off, const char *what)
{
    uint8_t *c = tb_exact(zm, len);
    rdbl__berr e = {0, ""};
    rdbl_status st = rdbl__zm_validate(c, len, NULL, &e);
    cr_assert(st == RDBL_CORRUPT, "expected CORRUPT (%s), got %d", what, st);
    if (off != SIZE_MAX)
        cr_assert(e.offset == off, "offset %zu, want %zu (%s)", e.offset, off, e.msg);
    cr_assert(strstr(e.msg, what) != NULL, "message \"%s\" lacks \"%s\"", e.msg, what);
    free(c);
}

Test(zipmap, hand_built)
{
    /* {"foo" => "bar", "k" => ""}, with 2 free bytes after "bar" */
    static const uint8_t zm[] = {0x02, 0x03, 'f', 'o', 'o', 0x03, 0x02, 'b', 'a', 'r', 0, 0,
                                 0x01, 'k',  0x00, 0x00, 0xFF};
    tval v[] = {TV_STR("foo", 3), TV_STR("bar", 3), TV_STR("k", 1), TV_STR("", 0)};
    zm_expect(zm, sizeof zm, v, 4);
}

Test(zipmap, lengths_and_free_bytes)
{
    uint8_t s[70000];
    for (size_t i = 0; i < sizeof s; i++)
        s[i] = (uint8_t)(i * 13 + 1);
    static const size_t lens[] = {0, 1, 253, 254, 255, 300, 70000};
    for (size_t a = 0; a < sizeof lens / sizeof lens[0]; a++) {
        for (unsigned freeb = 0; freeb <= 255; freeb += 85) {
            zmb z;
            zmb_init(&z);
            zmb_pair(&z, s, lens[a], "v", 1, freeb, false);
            zmb_pair(&z, "key", 3, s, lens[a], freeb, false);
            size_t len;
            uint8_t *zm = zmb_finish(&z, &len, -1);
            tval v[] = {TV_STR(s, lens[a]), TV_STR("v", 1), TV_STR("key", 3),
                        TV_STR(s, lens[a])};
            zm_expect(zm, len, v, 4);
            free(zm);
        }
    }
    /* 5-byte lengths holding small values (non-minimal): accepted */
    zmb z;
    zmb_init(&z);
    zmb_pair(&z, "a", 1, "bc", 2, 4, true);
    size_t len;
    uint8_t *zm = zmb_finish(&z, &len, -1);
    cr_assert(eq(u8, zm[1], 0xFE));
    tval v[] = {TV_STR("a", 1), TV_STR("bc", 2)};
    zm_expect(zm, len, v, 2);
    free(zm);
}

Test(zipmap, zmlen_unknown)
{
    tval v[] = {TV_STR("a", 1), TV_STR("1", 1), TV_STR("b", 1), TV_STR("2", 1)};
    for (int zl = 254; zl <= 255; zl++) {
        zmb z;
        zmb_init(&z);
        zmb_pair(&z, "a", 1, "1", 1, 0, false);
        zmb_pair(&z, "b", 1, "2", 1, 0, false);
        size_t len;
        uint8_t *zm = zmb_finish(&z, &len, zl);
        zm_expect(zm, len, v, 4);
        free(zm);
    }
    /* more than 253 pairs: 254 in the header */
    zmb z;
    zmb_init(&z);
    tval *many = malloc(600 * sizeof *many);
    char keys[300][8];
    for (int k = 0; k < 300; k++) {
        int kl = snprintf(keys[k], sizeof keys[k], "k%d", k);
        zmb_pair(&z, keys[k], (size_t)kl, "x", 1, 0, false);
        many[2 * k] = TV_STR(keys[k], (size_t)kl);
        many[2 * k + 1] = TV_STR("x", 1);
    }
    size_t len;
    uint8_t *zm = zmb_finish(&z, &len, -1);
    cr_assert(eq(u8, zm[0], 254));
    zm_expect(zm, len, many, 600);
    free(zm);
    free(many);
}

Test(zipmap, errors)
{
    static const uint8_t base[] = {0x02, 0x03, 'f', 'o', 'o', 0x03, 0x02, 'b', 'a', 'r', 0, 0,
                                   0x01, 'k',  0x00, 0x00, 0xFF};
    zm_expect_bad(base, 0, 0, "shorter than");
    zm_expect_bad(base, 1, 0, "shorter than");
    uint8_t c[sizeof base];
    memcpy(c, base, sizeof c);
    c[16] = 0xFE;
    zm_expect_bad(c, sizeof c, 16, "ends with 0xfe");
    memcpy(c, base, sizeof c);
    c[0] = 3;
    zm_expect_bad(c, sizeof c, 0, "zmlen 3 != 2 pairs found");
    c[0] = 1;
    zm_expect_bad(c, sizeof c, 0, "zmlen 1 != 2");
    c[0] = 253;
    zm_expect_bad(c, sizeof c, 0, "zmlen 253");
    /* empty zipmaps */
    static const uint8_t e0[] = {0x00, 0xFF};
    zm_expect_bad(e0, sizeof e0, 1, "empty");
    static const uint8_t e1[] = {0xFE, 0xFF};
    zm_expect_bad(e1, sizeof e1, 1, "empty");
    /* an end marker before the last byte */
    memcpy(c, base, sizeof c);
    c[12] = 0xFF;
    zm_expect_bad(c, sizeof c, 12, "end marker at +12");
    /* end marker where the value length should be */
    memcpy(c, base, sizeof c);
    c[5] = 0xFF;
    zm_expect_bad(c, sizeof c, 5, "end marker where the value length");
    /* key / value / free bytes running past the end */
    memcpy(c, base, sizeof c);
    c[1] = 200;
    zm_expect_bad(c, sizeof c, 2, "key of 200 bytes runs past the end");
    memcpy(c, base, sizeof c);
    c[5] = 100;
    zm_expect_bad(c, sizeof c, 7, "value of 100 bytes");
    memcpy(c, base, sizeof c);
    c[6] = 3; /* "bar" + 3 free bytes + "\x01" ... shifts the walk */
    zm_expect_bad(c, sizeof c, SIZE_MAX, "");
    memcpy(c, base, sizeof c);
    c[15] = 9; /* last pair's free count */
    zm_expect_bad(c, sizeof c, 16, "+ 9 free bytes runs past the end");
    /* 5-byte lengths cut, or huge */
    static const uint8_t k5[] = {0x01, 0xFE, 0x01, 0x00, 0xFF};
    zm_expect_bad(k5, sizeof k5, 1, "5-byte key length runs past the end");
    static const uint8_t kh[] = {0x01, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 'a', 0x00, 0x00, 0xFF};
    zm_expect_bad(kh, sizeof kh, 6, "key of 4294967295 bytes");
    static const uint8_t v5[] = {0x01, 0x01, 'a', 0xFE, 0x01, 0x00, 0xFF};
    zm_expect_bad(v5, sizeof v5, 3, "5-byte value length runs past the end");
    static const uint8_t vh[] = {0x01, 0x01, 'a', 0xFE, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 'x', 0xFF};
    zm_expect_bad(vh, sizeof vh, 9, "value of 2147483647 bytes");
    /* key without value, value without free byte */
    static const uint8_t kv[] = {0x01, 0x01, 'a', 0xFF};
    zm_expect_bad(kv, sizeof kv, 3, "key without a value");
    static const uint8_t nf[] = {0x01, 0x01, 'a', 0x00, 0xFF};
    zm_expect_bad(nf, sizeof nf, 4, "free byte runs past the end");
}

static void zm_consistent(const uint8_t *zm, size_t len)
{
    rdbl__blob_info info;
    rdbl__berr e = {0, ""};
    if (rdbl__zm_validate(zm, len, &info, &e) != RDBL_OK) {
        cr_assert(e.offset < len || len == 0, "offset %zu outside %zu bytes", e.offset, len);
        cr_assert(e.msg[0] != '\0');
        return;
    }
    rdbl__zm_iter it;
    rdbl__zm_iter_init(&it, zm, len);
    rdbl_item item;
    uint64_t n = 0, bytes = 0, largest = 0;
    while (rdbl__zm_next(&it, &item)) {
        n++;
        bytes += item.len;
        if (item.len > largest)
            largest = item.len;
        cr_assert(item.ptr >= zm + 1 && item.ptr + item.len <= zm + len - 1);
        cr_assert(not(item.is_int));
    }
    cr_assert(eq(u64, n, info.count));
    cr_assert(n % 2 == 0);
    cr_assert(eq(u64, bytes, info.value_bytes));
    cr_assert(eq(u64, largest, info.largest));
}

Test(zipmap, every_prefix_and_bit_flip)
{
    uint8_t s[300];
    memset(s, 'z', sizeof s);
    zmb z;
    zmb_init(&z);
    zmb_pair(&z, "name", 4, "value", 5, 3, false);
    zmb_pair(&z, s, 300, "v", 1, 0, false);
    zmb_pair(&z, "x", 1, s, 260, 1, false);
    zmb_pair(&z, "", 0, "", 0, 0, true);
    size_t len;
    uint8_t *zm = zmb_finish(&z, &len, -1);
    for (size_t k = 0; k < len; k++) {
        uint8_t *c = tb_exact(zm, k);
        cr_assert(eq(int, rdbl__zm_validate(c, k, NULL, NULL), RDBL_CORRUPT), "prefix %zu", k);
        free(c);
        if (k < 2 || k + 1 == len)
            continue;
        c = malloc(k + 1);
        memcpy(c, zm, k);
        c[k] = 0xFF;
        /* zmlen says 4: fewer pairs, or a pair cut short, must fail */
        cr_assert(eq(int, rdbl__zm_validate(c, k + 1, NULL, NULL), RDBL_CORRUPT),
                  "re-closed prefix %zu", k);
        zm_consistent(c, k + 1);
        free(c);
    }
    unsigned accepted = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *c = tb_exact(zm, len);
            c[i] ^= (uint8_t)(1u << bit);
            if (rdbl__zm_validate(c, len, NULL, NULL) == RDBL_OK)
                accepted++;
            zm_consistent(c, len);
            free(c);
        }
    }
    cr_assert(accepted > 0 && accepted < len * 8);
    free(zm);
}

Test(zipmap, random_garbage)
{
    uint64_t seed = 4242;
    for (int round = 0; round < 20000; round++) {
        size_t len = 2 + trand(&seed) % 30;
        uint8_t *c = malloc(len);
        for (size_t i = 0; i < len; i++) {
            uint64_t r = trand(&seed);
            c[i] = (uint8_t)((r & 0x300) ? r % 6 : r);
        }
        c[0] = 254;
        c[len - 1] = 0xFF;
        zm_consistent(c, len);
        free(c);
    }
}

/* Value digests of diff (src/analysis/diff_digest.c): integers hash as
 * their decimal text, sets/hashes/zsets ignore element order, lists and
 * element parts keep theirs, a string is the same whatever its chunks, and
 * a change of one byte or one element is seen; a string value that is an
 * integer hashes alike stored as an integer or as its canonical text. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "analysis/diff_digest.h"

static rdbl_item str(const char *s)
{
    return (rdbl_item){.ptr = (const uint8_t *)s, .len = strlen(s)};
}

static rdbl_item num(int64_t v)
{
    return (rdbl_item){.is_int = true, .ival = v};
}

/* The digest of a collection of one-part elements. */
static uint64_t coll(rdbl_type t, const rdbl_item *items, size_t n)
{
    rdbl__vdigest d;
    rdbl__vd_begin(&d, t);
    for (size_t i = 0; i < n; i++) {
        rdbl__vd_item(&d, &items[i]);
        rdbl__vd_close(&d);
    }
    return rdbl__vd_end(&d);
}

Test(digest, int_text)
{
    char buf[24];
    struct {
        int64_t v;
        const char *t;
    } c[] = {{0, "0"}, {7, "7"}, {-1, "-1"}, {42, "42"}, {99, "99"}, {100, "100"},
             {-1234567, "-1234567"}, {INT64_MAX, "9223372036854775807"},
             {INT64_MIN, "-9223372036854775808"}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        size_t n = rdbl__vd_int_text(c[i].v, buf);
        cr_expect_eq(n, strlen(c[i].t));
        cr_expect(memcmp(buf, c[i].t, n) == 0, "%s", c[i].t);
    }
}

Test(digest, sets_ignore_order_lists_do_not)
{
    rdbl_item a[] = {num(42), str("apple"), str("a longer member of thirty bytes")};
    rdbl_item b[] = {str("a longer member of thirty bytes"), str("42"), str("apple")};
    cr_expect_eq(coll(RDBL_TYPE_SET, a, 3), coll(RDBL_TYPE_SET, b, 3), "intset 42 == \"42\"");
    cr_expect_neq(coll(RDBL_TYPE_LIST, a, 3), coll(RDBL_TYPE_LIST, b, 3));
    cr_expect_neq(coll(RDBL_TYPE_SET, a, 3), coll(RDBL_TYPE_LIST, a, 3), "the type counts");
    rdbl_item c[] = {num(42), str("applf"), str("a longer member of thirty bytes")};
    cr_expect_neq(coll(RDBL_TYPE_SET, a, 3), coll(RDBL_TYPE_SET, c, 3));
    rdbl_item d[] = {num(42), str("apple"), str("a longer member of thirty bytez")};
    cr_expect_neq(coll(RDBL_TYPE_SET, a, 3), coll(RDBL_TYPE_SET, d, 3));
    cr_expect_neq(coll(RDBL_TYPE_SET, a, 3), coll(RDBL_TYPE_SET, a, 2));
    /* lengths 0..40 of the same bytes all differ */
    const char *z = "0123456789012345678901234567890123456789";
    uint64_t seen[41];
    for (size_t n = 0; n <= 40; n++) {
        rdbl_item it = {.ptr = (const uint8_t *)z, .len = n};
        seen[n] = coll(RDBL_TYPE_LIST, &it, 1);
        for (size_t m = 0; m < n; m++)
            cr_expect_neq(seen[m], seen[n], "%zu vs %zu bytes", m, n);
    }
}

/* The digest of a one-member set. */
static uint64_t one(rdbl_item it)
{
    return coll(RDBL_TYPE_SET, &it, 1);
}

Test(digest, integers_and_their_canonical_text_agree)
{
    int64_t v[] = {0, 7, -7, 42, 1234567890123LL, INT64_MAX, INT64_MIN};
    const char *t[] = {"0", "7", "-7", "42", "1234567890123", "9223372036854775807",
                       "-9223372036854775808"};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        cr_expect_eq(one(num(v[i])), one(str(t[i])), "%s", t[i]);
        rdbl__vdigest a, b; /* elem and item + close agree */
        rdbl_item it = num(v[i]);
        rdbl__vd_begin(&a, RDBL_TYPE_LIST);
        rdbl__vd_elem(&a, &it);
        rdbl__vd_begin(&b, RDBL_TYPE_LIST);
        rdbl__vd_item(&b, &it);
        rdbl__vd_close(&b);
        cr_expect_eq(rdbl__vd_end(&a), rdbl__vd_end(&b));
    }
    /* not canonical: other strings than the number */
    cr_expect_neq(one(num(0)), one(str("-0")));
    cr_expect_neq(one(num(7)), one(str("07")));
    cr_expect_neq(one(num(7)), one(str("+7")));
    cr_expect_neq(one(num(7)), one(str("7 ")));
    cr_expect_neq(one(num(INT64_MAX)), one(str("9223372036854775808")));
    cr_expect_neq(one(num(0)), one(str("")));
    cr_expect_neq(one(num(1)), one(str("-")));
    cr_expect_neq(one(num(12)), one(str("21")));
}

Test(digest, parts_keep_their_order)
{
    /* hash field/value pairs: {f: v} is not {v: f} */
    rdbl__vdigest d;
    rdbl_item f = str("field"), v = str("value");
    rdbl__vd_begin(&d, RDBL_TYPE_HASH);
    rdbl__vd_item(&d, &f);
    rdbl__vd_item(&d, &v);
    rdbl__vd_close(&d);
    uint64_t x = rdbl__vd_end(&d);
    rdbl__vd_begin(&d, RDBL_TYPE_HASH);
    rdbl__vd_item(&d, &v);
    rdbl__vd_item(&d, &f);
    rdbl__vd_close(&d);
    cr_expect_neq(x, rdbl__vd_end(&d));
}

Test(digest, a_string_whatever_its_chunks)
{
    const char *s = "a string value of some length, streamed in chunks of any size";
    size_t n = strlen(s);
    rdbl__vdigest d;
    rdbl__vd_begin(&d, RDBL_TYPE_STRING);
    rdbl__vd_bytes(&d, s, n);
    uint64_t whole = rdbl__vd_end(&d);
    for (size_t cut = 1; cut < n; cut += 3) {
        rdbl__vd_begin(&d, RDBL_TYPE_STRING);
        rdbl__vd_bytes(&d, s, cut);
        rdbl__vd_bytes(&d, s + cut, n - cut);
        cr_expect_eq(rdbl__vd_end(&d), whole, "cut at %zu", cut);
    }
    rdbl__vd_begin(&d, RDBL_TYPE_STRING);
    rdbl__vd_bytes(&d, s, n - 1);
    cr_expect_neq(rdbl__vd_end(&d), whole);
}

/* A string value as the pipeline feeds it: whole (one chunk) or in chunks. */
static uint64_t string_value(rdbl_item whole)
{
    rdbl__vdigest d;
    rdbl__vd_begin(&d, RDBL_TYPE_STRING);
    rdbl__vd_string(&d, &whole, 0, whole.len);
    return rdbl__vd_end(&d);
}

Test(digest, string_values_int_and_text)
{
    /* an integer-encoded string and the same number stored as text agree */
    int64_t v[] = {0, 7, -7, 42, 1234567890123LL, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char buf[24];
        size_t n = rdbl__vd_int_text(v[i], buf);
        buf[n] = '\0';
        rdbl_item it = num(v[i]);
        it.len = n; /* as the parser gives an int: its text length */
        cr_expect_eq(string_value(it), string_value(str(buf)), "%s", buf);
    }
    rdbl_item seven = num(7);
    seven.len = 1;
    /* not canonical: other strings */
    cr_expect_neq(string_value(seven), string_value(str("07")));
    cr_expect_neq(string_value(seven), string_value(str("+7")));
    cr_expect_neq(string_value(seven), string_value(str("7 ")));
    cr_expect_neq(string_value(str("12")), string_value(str("21")));
    cr_expect_neq(string_value(str("")), string_value(str("0")));
    /* a longer text fed whole or in chunks is the same byte run */
    const char *s = "12345678901234567890123 is not an integer";
    size_t n = strlen(s);
    rdbl__vdigest d;
    rdbl__vd_begin(&d, RDBL_TYPE_STRING);
    rdbl_item a = {.ptr = (const uint8_t *)s, .len = 10}, b = {.ptr = (const uint8_t *)s + 10,
                                                              .len = n - 10};
    rdbl__vd_string(&d, &a, 0, n);
    rdbl__vd_string(&d, &b, 10, n);
    cr_expect_eq(rdbl__vd_end(&d), string_value(str(s)));
}

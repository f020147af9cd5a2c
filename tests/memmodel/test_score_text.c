/* Score text (src/memmodel/blocks.c rdbl__score_text): the exact integer
 * path that replaces printf("%.17g") must give glibc's bytes for every
 * double: random bit patterns, decimal-looking scores (k / 10^j), values at
 * and around powers of two and ten, exact rounding ties, integers past
 * 2^62, tiny and huge magnitudes (these fall back to snprintf). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "memmodel/mm.h"
#include "testutil.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
    return tu_xorshift(&rng);
}

static void same(double x)
{
    if (isnan(x) || isinf(x) || x == 0)
        return;
    char want[64], got[64];
    int n = snprintf(want, sizeof want, "%.17g", x);
    /* integral values within +-2^62 print as integers with this style */
    if (x >= -4611686018427387903.0 && x <= 4611686018427387903.0 && (double)(int64_t)x == x)
        n = snprintf(want, sizeof want, "%lld", (long long)x);
    size_t m = rdbl__score_text(x, RDBL__SCORE_70, got, sizeof got);
    cr_assert(eq(sz, m, (size_t)n), "%a: got %.*s, want %s", x, (int)m, got, want);
    cr_assert(eq(int, memcmp(got, want, m), 0), "%a: got %.*s, want %s", x, (int)m, got, want);
}

Test(score_text, random_bit_patterns)
{
    for (int i = 0; i < 2000000; i++) {
        uint64_t b = next();
        double x;
        memcpy(&x, &b, 8);
        same(x);
        /* and within the fast path's range, where most scores are */
        b = (b & 0x800FFFFFFFFFFFFFull) | (uint64_t)(1023 - 17 + next() % 91) << 52;
        memcpy(&x, &b, 8);
        same(x);
    }
}

Test(score_text, decimal_scores_powers_and_ties)
{
    for (int j = 0; j <= 12; j++) {
        double p = pow(10, j);
        for (int i = 0; i < 20000; i++) {
            double k = (double)(next() % 100000000000ull);
            same(k / p);
            same(-k / p);
            same(nextafter(k / p, 0));
            same(nextafter(k / p, INFINITY));
        }
    }
    for (int e = -80; e <= 80; e++) {
        double p2 = ldexp(1, e);
        same(p2);
        same(nextafter(p2, 0));
        same(nextafter(p2, INFINITY));
        same(pow(10, e / 2.0));
        for (int d = -3; d <= 3; d++) {
            double p10 = pow(10, e / 4);
            same(p10 + d * ldexp(p10, -52));
        }
    }
    /* values whose 18th significant digit is an exact 5 (ties to even):
     * m * 2^e with few significant bits and long expansions */
    for (int e = -60; e <= 20; e++)
        for (uint64_t m = 1; m < 4096; m += 1 + next() % 7)
            same(ldexp((double)m, e));
    /* integers past 2^62 and around 10^17..10^22 */
    for (int i = 0; i < 200000; i++) {
        double x = ldexp((double)(next() >> 11), 10 + (int)(next() % 64));
        same(x);
        same(-x);
    }
    same(1e-5);
    same(nextafter(1e-5, 0));
    same(99999999999999999.0);
    same(0.1);
    same(1.0 / 3);
    same(123456.7890123456789);
}

/* rdbl__score_g17_len (the model sizes non-integral scores by it): the
 * length of %.17g, and that text is never an integer. */
static void same_len(double x)
{
    if (!(fabs(x) >= 1e-5 && fabs(x) < 4503599627370496.0) || (double)(int64_t)x == x)
        return;
    char want[64];
    int n = snprintf(want, sizeof want, "%.17g", x);
    cr_assert(eq(sz, rdbl__score_g17_len(x), (size_t)n), "%a: %s", x, want);
    cr_assert(strchr(want, '.') || strchr(want, 'e'), "%a: %s", x, want);
}

Test(score_text, g17_length)
{
    for (int i = 0; i < 1000000; i++) {
        uint64_t b = next();
        double x;
        b = (b & 0x800FFFFFFFFFFFFFull) | (uint64_t)(1023 - 17 + next() % 70) << 52;
        memcpy(&x, &b, 8);
        same_len(x);
    }
    for (int j = 1; j <= 12; j++) {
        double p = pow(10, j);
        for (int i = 0; i < 20000; i++) {
            double k = (double)(next() % 100000000000ull);
            same_len(k / p);
            same_len(-k / p);
            same_len(nextafter(k / p, 0));
        }
    }
    for (int e = -17; e <= 52; e++) {
        same_len(ldexp(1, e) + ldexp(1, e - 52));
        same_len(nextafter(ldexp(1, e), 0));
        same_len(nextafter(pow(10, e / 4), INFINITY));
    }
    same_len(1e-5);
    same_len(0.1);
    same_len(12345.67);
    same_len(-0.5);
    same_len(4503599627370495.5);
    cr_assert(eq(sz, rdbl__score_g17_len(0.0), 0));
    cr_assert(eq(sz, rdbl__score_g17_len(1e-6), 0));
}

/* Allocator size classes (src/memmodel/alloc.c): the J(n) tables of
 * memory-model.md §2 and the expected skiplist node of §3.6. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>

#include "memmodel/mm.h"

TestSuite(mm_alloc);

/* memory-model.md §2, both rows of the table */
Test(mm_alloc, jemalloc_tables)
{
    static const size_t n[] = {9, 17, 24, 25, 33, 41, 57, 65, 100, 129, 200, 257, 536, 4097, 10000};
    static const size_t q8[] = {16, 24, 24, 32, 40, 48, 64, 80, 112, 160, 224, 320, 640, 5120, 10240};
    static const size_t q16[] = {16, 32, 32, 32, 48, 48, 64, 80, 112, 160, 224, 320, 640, 5120,
                                 10240};
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) {
        cr_expect(eq(sz, rdbl_alloc_usable(RDBL_ALLOC_JEMALLOC, n[i]), q8[i]), "q8 J(%zu)", n[i]);
        cr_expect(eq(sz, rdbl_alloc_usable(RDBL_ALLOC_JEMALLOC_Q16, n[i]), q16[i]), "q16 J(%zu)",
                  n[i]);
    }
}

Test(mm_alloc, jemalloc_edges)
{
    for (size_t n = 0; n <= 8; n++) {
        cr_expect(eq(sz, rdbl__je_usable(n, 3), 8));
        cr_expect(eq(sz, rdbl__je_usable(n, 4), 8));
    }
    /* quantum 16 has no 24/40/56/72/88/104/120 classes; above 64 quantum 8
     * steps by 16 too, so both agree from 64 up */
    cr_expect(eq(sz, rdbl__je_usable(40, 3), 40));
    cr_expect(eq(sz, rdbl__je_usable(40, 4), 48));
    cr_expect(eq(sz, rdbl__je_usable(120, 3), 128));
    cr_expect(eq(sz, rdbl__je_usable(120, 4), 128));
    cr_expect(eq(sz, rdbl__je_usable(128, 3), 128));
    cr_expect(eq(sz, rdbl__je_usable(128, 4), 128));
    /* 4 classes per doubling, at every size: 8 MiB strings, powers of two */
    cr_expect(eq(sz, rdbl__je_usable(8u << 20, 3), 8u << 20));
    cr_expect(eq(sz, rdbl__je_usable((8u << 20) + 1, 3), 10u << 20));
    cr_expect(eq(sz, rdbl__je_usable(4096, 4), 4096));
    cr_expect(eq(sz, rdbl__je_usable(4096 + 1, 4), 5120));
    /* monotonic, never below the request */
    size_t prev = 0;
    for (size_t n = 1; n < 70000; n += 7) {
        size_t j = rdbl__je_usable(n, 4);
        cr_assert(ge(sz, j, n));
        cr_assert(ge(sz, j, prev));
        prev = j;
    }
}

Test(mm_alloc, libc_classes)
{
    cr_expect(eq(sz, rdbl_alloc_usable(RDBL_ALLOC_LIBC, 1), 24));
    cr_expect(eq(sz, rdbl_alloc_usable(RDBL_ALLOC_LIBC, 24), 24));
    cr_expect(eq(sz, rdbl_alloc_usable(RDBL_ALLOC_LIBC, 25), 40));
    cr_expect(eq(sz, rdbl_alloc_usable(RDBL_ALLOC_LIBC, 40), 40));
    cr_expect(eq(sz, rdbl_alloc_usable(RDBL_ALLOC_LIBC, 41), 56));
    /* mmapped: whole pages minus the 16-byte header */
    cr_expect(eq(sz, rdbl_alloc_usable(RDBL_ALLOC_LIBC, 200000), 200704 - 16));
    cr_expect(eq(str, (char *)rdbl_allocator_name(RDBL_ALLOC_LIBC), "libc"));
    cr_expect(eq(str, (char *)rdbl_allocator_name(RDBL_ALLOC_JEMALLOC_Q16), "jemalloc-q16"));
}

/* §3.6: E_node = 53.3365 (quantum 16), 45.8365 (quantum 8) */
Test(mm_alloc, skiplist_node_expectation)
{
    rdbl__alloc_ctx q16, q8;
    rdbl__alloc_ctx_init(&q16, RDBL_ALLOC_JEMALLOC_Q16);
    rdbl__alloc_ctx_init(&q8, RDBL_ALLOC_JEMALLOC);
    double e16 = rdbl__skiplist_enode(&q16, 32), e8 = rdbl__skiplist_enode(&q8, 32);
    cr_expect(lt(dbl, fabs(e16 - 53.3365), 0.0001), "E_node q16 = %.5f", e16);
    cr_expect(lt(dbl, fabs(e8 - 45.8365), 0.0001), "E_node q8 = %.5f", e8);
    /* the header node: J(24 + 32 * 16) = 640 on both quanta */
    cr_expect(eq(sz, rdbl__J(&q16, 24 + 32 * 16), 640));
    cr_expect(eq(sz, rdbl__J(&q8, 24 + 32 * 16), 640));
}

/* rdbl__J's quantum shortcut (sizes 9..8q) gives the sizes of the general
 * functions, on every allocator, below, across and far above the range. */
Test(mm_alloc, J_shortcut_matches_usable)
{
    static const rdbl_allocator kinds[] = {RDBL_ALLOC_JEMALLOC, RDBL_ALLOC_JEMALLOC_Q16,
                                           RDBL_ALLOC_LIBC};
    for (size_t i = 0; i < 3; i++) {
        rdbl__alloc_ctx a;
        rdbl__alloc_ctx_init(&a, kinds[i]);
        for (size_t n = 0; n <= 70000; n++)
            cr_assert(eq(sz, rdbl__J(&a, n), rdbl_alloc_usable(kinds[i], n)), "kind %d n %zu",
                      (int)kinds[i], n);
        for (unsigned b = 17; b < 64; b++) {
            size_t n = (size_t)1 << b;
            cr_assert(eq(sz, rdbl__J(&a, n - 1), rdbl_alloc_usable(kinds[i], n - 1)));
            cr_assert(eq(sz, rdbl__J(&a, n), rdbl_alloc_usable(kinds[i], n)));
            cr_assert(eq(sz, rdbl__J(&a, n + 1), rdbl_alloc_usable(kinds[i], n + 1)));
        }
        cr_assert(eq(sz, rdbl__J(&a, SIZE_MAX), rdbl_alloc_usable(kinds[i], SIZE_MAX)));
    }
}

/* Allocator size classes: J(n), the usable size an allocator hands out for an
 * n-byte request (memory-model.md §2).
 *
 * jemalloc 5 (size classes of src/sc.c, 4 classes per doubling):
 *
 *     n <= 8            -> 8
 *     n <= 8 * quantum  -> n rounded up to the quantum (8 or 16)
 *     otherwise         -> n rounded up to 2^(floor(log2(n-1)) - 2)
 *
 * Quantum 8 is what Redis's bundled jemalloc uses (deps/Makefile,
 * --with-lg-quantum=3); Debian/Ubuntu packages link the system libjemalloc2,
 * quantum 16. Large classes follow the same 4-per-doubling rule, so one
 * formula covers every size.
 *
 * glibc (x86-64): a chunk is max(32, (n + 8 + 15) & ~15) bytes and
 * malloc_usable_size returns the chunk minus its 8-byte size word; requests
 * from the mmap threshold (128 KiB unless glibc moved it) get whole pages,
 * minus a 16-byte header. Not verified against a server. */
#include "memmodel/mm.h"

/* rdbl__je_usable is inline in mm.h. */

size_t rdbl__libc_usable(size_t n)
{
    if (n > ((size_t)1 << 62))
        return n;
    size_t chunk = (n + 8 + 15) & ~(size_t)15;
    if (chunk < 32)
        chunk = 32;
    if (n >= 128 * 1024) {
        size_t mapped = (chunk + 8 + 4095) & ~(size_t)4095;
        return mapped - 16;
    }
    return chunk - 8;
}

size_t rdbl_alloc_usable(rdbl_allocator a, size_t n)
{
    switch (a) {
    case RDBL_ALLOC_JEMALLOC:
        return rdbl__je_usable(n, 3);
    case RDBL_ALLOC_JEMALLOC_Q16:
        return rdbl__je_usable(n, 4);
    case RDBL_ALLOC_LIBC:
        return rdbl__libc_usable(n);
    }
    return n;
}

const char *rdbl_allocator_name(rdbl_allocator a)
{
    switch (a) {
    case RDBL_ALLOC_JEMALLOC:
        return "jemalloc";
    case RDBL_ALLOC_JEMALLOC_Q16:
        return "jemalloc-q16";
    case RDBL_ALLOC_LIBC:
        return "libc";
    }
    return "unknown";
}

size_t rdbl__J_cb(const void *ctx, size_t n)
{
    return rdbl__J((const rdbl__alloc_ctx *)ctx, n);
}

const char *rdbl_alloc_source_name(rdbl_alloc_source s)
{
    switch (s) {
    case RDBL_ALLOC_SRC_DEFAULT:
        return "default";
    case RDBL_ALLOC_SRC_OPTION:
        return "option";
    case RDBL_ALLOC_SRC_CALIBRATED:
        return "calibrated";
    }
    return "unknown";
}

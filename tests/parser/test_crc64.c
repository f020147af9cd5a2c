/* CRC-64/Jones (src/parser/crc64.c): the check value, agreement with a
 * bit-at-a-time reference at every length and alignment, incremental ==
 * one-shot, the trailer of a real RDB file, and a throughput figure. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "blobbuild.h"
#include "parser/blob.h"
#include "rdblens/parser.h"

/* Straight from the definition: reflected, poly 0x95AC9329AC4BC9B5. */
static uint64_t crc64_bitwise(uint64_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc & 1) ? (crc >> 1) ^ 0x95AC9329AC4BC9B5ull : crc >> 1;
    }
    return crc;
}

Test(crc64, check_value)
{
    cr_assert(eq(u64, rdbl_crc64(0, "123456789", 9), 0xE9C6D914C4B8D9CAull));
    cr_assert(eq(u64, crc64_bitwise(0, (const uint8_t *)"123456789", 9), 0xE9C6D914C4B8D9CAull));
    cr_assert(eq(u64, rdbl_crc64(0, "", 0), 0));
    cr_assert(eq(u64, rdbl_crc64(0x1234, NULL, 0), 0x1234));
}

Test(crc64, matches_bitwise_all_lengths_and_alignments)
{
    uint8_t buf[1200];
    uint64_t seed = 5;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)trand(&seed);
    bool have_clmul = false;
    for (size_t start = 0; start < 16; start++) {
        for (size_t n = 0; start + n <= 1100; n++) {
            uint64_t want = crc64_bitwise(7, buf + start, n);
            cr_assert(eq(u64, rdbl_crc64(7, buf + start, n), want), "start %zu n %zu", start, n);
            cr_assert(eq(u64, rdbl__crc64_slice16(7, buf + start, n), want), "start %zu n %zu",
                      start, n);
            uint64_t c = 7;
            if (rdbl__crc64_clmul(&c, buf + start, n)) {
                have_clmul = true;
                cr_assert(eq(u64, c, want), "clmul start %zu n %zu", start, n);
            }
        }
    }
    fprintf(stderr, "# crc64: PCLMULQDQ path %s\n", have_clmul ? "tested" : "not available");
}

Test(crc64, incremental_equals_one_shot)
{
    const size_t n = 1u << 20;
    uint8_t *d = malloc(n);
    uint64_t seed = 77;
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)trand(&seed);
    uint64_t whole = rdbl_crc64(0, d, n);
    cr_assert(eq(u64, whole, crc64_bitwise(0, d, n)));
    for (int round = 0; round < 50; round++) {
        uint64_t crc = 0;
        size_t off = 0;
        while (off < n) {
            size_t k = trand(&seed) % (round < 25 ? 40 : 70000);
            if (k > n - off)
                k = n - off;
            crc = rdbl_crc64(crc, d + off, k);
            off += k;
        }
        cr_assert(eq(u64, crc, whole), "round %d", round);
    }
    free(d);
}

static void *crc_thread(void *arg)
{
    uint64_t *r = arg;
    *r = rdbl_crc64(0, "123456789", 9);
    return NULL;
}

/* Several threads racing to the first use all see the built tables. */
Test(crc64, first_use_from_threads)
{
    pthread_t t[8];
    uint64_t r[8];
    for (int i = 0; i < 8; i++)
        cr_assert(eq(int, pthread_create(&t[i], NULL, crc_thread, &r[i]), 0));
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        cr_assert(eq(u64, r[i], 0xE9C6D914C4B8D9CAull));
    }
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "cannot open %s", path);
    tbuf b = {0};
    uint8_t chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        tb_put(&b, chunk, got);
    fclose(f);
    *len = b.len;
    return b.p;
}

Test(crc64, real_rdb_trailer)
{
    const char *dir = getenv("RDBL_CORPUS_DIR");
    cr_assert(dir != NULL, "RDBL_CORPUS_DIR is not set (meson test sets it)");
    char path[1024];
    snprintf(path, sizeof path, "%s/librdb/empty.rdb", dir);
    size_t len;
    uint8_t *d = read_file(path, &len);
    cr_assert(len > 8 + 9);
    uint64_t stored = rdbl__le64(d + len - 8);
    cr_assert(stored != 0, "empty.rdb should carry a checksum");
    cr_assert(eq(u64, rdbl_crc64(0, d, len - 8), stored));
    /* and a deliberately wrong one does not match */
    free(d);
    snprintf(path, sizeof path, "%s/librdb/invalid_chksum_v8.rdb", dir);
    d = read_file(path, &len);
    cr_assert(rdbl_crc64(0, d, len - 8) != rdbl__le64(d + len - 8));
    free(d);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Prints the throughput of each implementation; never asserts on time. */
Test(crc64, bench)
{
    const size_t n = 8u << 20;
    uint8_t *d = malloc(n);
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)(i * 131 + (i >> 9));
    const int rounds = 16;
    uint64_t first = 0;
    for (int impl = 0; impl < 3; impl++) {
        uint64_t crc = 0;
        if (impl == 2 && !rdbl__crc64_clmul(&crc, d, 1))
            break;
        double t0 = now_s();
        for (int r = 0; r < rounds; r++) {
            if (impl == 0)
                crc = rdbl_crc64(crc, d, n);
            else if (impl == 1)
                crc = rdbl__crc64_slice16(crc, d, n);
            else
                rdbl__crc64_clmul(&crc, d, n);
        }
        double t1 = now_s();
        static const char *names[] = {"rdbl_crc64", "slice-by-16", "pclmul"};
        fprintf(stderr, "# crc64 %-11s: %.2f GB/s over %d x %zu MiB (crc %016llx)\n",
                names[impl], (double)n * rounds / (t1 - t0) / 1e9, rounds, n >> 20,
                (unsigned long long)crc);
        if (impl == 0)
            first = crc;
        cr_assert(eq(u64, crc, first), "implementations disagree");
    }
    free(d);
}

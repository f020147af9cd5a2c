/* Fuzz target for src/source: the input is a file as a user could hand it
 * over (plain, gzip, LZ4 frame, zstd, VKCS, or anything). It is opened as
 * memory, through a reader with small chunks, or with the decoding thread,
 * and drained with need()/consume() sizes taken from the input's own bytes
 * (read backwards, as zstd's stream_decompress fuzzer takes its buffer
 * sizes from the input). Checks the contract on the way: avail >= n on
 * success, offsets follow consume(), an end is not a death, an error is.
 * Decompressed output is capped so that a compression bomb cannot hang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define OUTPUT_CAP ((uint64_t)64 << 20)

typedef struct chunked {
    const uint8_t *p;
    size_t len, pos, chunk;
} chunked;

static long chunked_read(void *user, void *buf, size_t cap)
{
    chunked *c = user;
    size_t n = c->chunk;
    if (n > cap)
        n = cap;
    if (n > c->len - c->pos)
        n = c->len - c->pos;
    memcpy(buf, c->p + c->pos, n);
    c->pos += n;
    return (long)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t last = size ? data[size - 1] : 0;
    unsigned mode = last & 3;
    rdbl_source_opts opts = {.read_size = 0, .threaded = mode == 3};
    chunked ch = {data, size, 0, 1 + (size ? data[size / 2] % 13 : 0)};
    rdbl_source *s = NULL;
    rdbl_error err;
    memset(&err, 0, sizeof err);
    rdbl_status st;
    if (mode == 2) {
        opts.read_size = (last >> 2) % 3 == 0 ? 1 : 0;
        st = rdbl_source_open_reader(&s, chunked_read, &ch, &opts, &err);
    } else {
        st = rdbl_source_open_mem(&s, data, size, &opts, &err);
    }
    CHECK(st == RDBL_OK && s);
    CHECK(rdbl_source_input_size(s) == (mode == 2 ? 0 : size));

    uint64_t total = 0;
    for (size_t i = 0; total < OUTPUT_CAP; i++) {
        uint8_t b = size ? data[size - 1 - i % size] : 0;
        /* mostly small needs, some up to ~1 MiB */
        size_t n = b < 200 ? (size_t)b + 1 : (size_t)(b - 199) << 14;
        const uint8_t *p = NULL;
        size_t avail = 0;
        st = rdbl_source_need(s, n, &p, &avail, &err);
        CHECK(p != NULL);
        if (st == RDBL_OK) {
            CHECK(avail >= n);
            /* touch the bytes: ASan checks they are really there */
            volatile uint8_t sink = p[0] ^ p[avail - 1];
            (void)sink;
            size_t take = (b & 1) ? n : 1 + (size_t)b % n;
            rdbl_source_consume(s, take);
            total += take;
            CHECK(rdbl_source_offset(s) == total);
            continue;
        }
        if (st == RDBL_TRUNCATED) {
            /* the end is not a death: what is there can still be had */
            CHECK(avail < n);
            if (avail) {
                const uint8_t *p2;
                size_t a2;
                CHECK(rdbl_source_need(s, avail, &p2, &a2, &err) == RDBL_OK && a2 == avail);
                CHECK(p2[avail - 1] == p[avail - 1]);
            }
            rdbl_source_consume(s, avail);
            total += avail;
            CHECK(rdbl_source_need(s, 1, &p, &avail, &err) == RDBL_TRUNCATED && avail == 0);
        } else {
            /* an error kills the source: even need(0) repeats it */
            CHECK(avail == 0 && err.code != RDBL_OK);
            CHECK(rdbl_source_need(s, 0, &p, &avail, &err) == st && avail == 0);
        }
        break;
    }
    CHECK(rdbl_source_offset(s) == total);
    (void)rdbl_source_input_consumed(s);
    (void)rdbl_compression_name(rdbl_source_compression(s));
    rdbl_source_free(s);
    return 0;
}

/* The whole-blob LZF decoder (src/parser/lzf.c lzf_fast, behind
 * rdbl__lzf_decompress) against liblzf's lzf_decompress, the reference:
 * same verdict and same bytes for liblzf-compressed data of many sizes and
 * shapes (runs, short periods, text, noise: every copy path), for every
 * one-byte corruption and every truncation of small streams, for wrong
 * expected sizes, and for random token soup. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <lzf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/blob.h"
#include "testutil.h"

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint64_t next(void)
{
    return tu_xorshift(&rng);
}

/* Same verdict and bytes as liblzf, or a test failure naming what. */
static bool agree(const uint8_t *in, size_t clen, size_t ulen, const char *what)
{
    if (ulen == 0 || clen == 0 || !rdbl__lzf_ulen_plausible(clen, ulen))
        return false;
    uint8_t *a = malloc(ulen), *b = malloc(ulen);
    cr_assert(a && b);
    rdbl__berr e;
    rdbl_status st = rdbl__lzf_decompress(in, clen, a, ulen, &e);
    unsigned got = lzf_decompress(in, (unsigned)clen, b, (unsigned)ulen);
    bool ok = got == ulen;
    cr_assert(eq(int, st == RDBL_OK, ok), "%s: ours %s, liblzf %u of %zu bytes", what,
              rdbl_status_name(st), got, ulen);
    if (ok)
        cr_assert(eq(int, memcmp(a, b, ulen), 0), "%s: bytes differ", what);
    else
        cr_assert(eq(int, st, RDBL_CORRUPT), "%s", what);
    free(a);
    free(b);
    return ok;
}

/* Plain text of len bytes in one of several shapes. */
static void fill(uint8_t *p, size_t len, unsigned shape)
{
    size_t period = 1 + next() % 40;
    for (size_t i = 0; i < len; i++) {
        switch (shape % 5) {
        case 0: /* noise: literal runs only */
            p[i] = (uint8_t)next();
            break;
        case 1: /* one byte repeated: distance-1 fills */
            p[i] = 'z';
            break;
        case 2: /* short periods: overlapping references */
            p[i] = (uint8_t)('a' + (i % period));
            break;
        case 3: /* words: mixed literals and long references */
            p[i] = (uint8_t)("user:1234:cart session:abcdef lorem ipsum "[(i * 7 + i / 97) % 43]);
            break;
        default: /* noise with repeats every 4 KiB */
            p[i] = i >= 4096 && next() % 4 ? p[i - 4096 + next() % 3] : (uint8_t)next();
            break;
        }
    }
}

static uint8_t *compress(const uint8_t *p, size_t len, size_t *clen)
{
    size_t cap = len + len / 16 + 64;
    uint8_t *c = malloc(cap);
    cr_assert(c != NULL);
    *clen = lzf_compress(p, (unsigned)len, c, (unsigned)cap);
    cr_assert(gt(sz, *clen, 0));
    return c;
}

Test(lzf_ref, valid_streams_of_every_shape_and_size)
{
    static const size_t sizes[] = {1, 2, 3, 15, 16, 17, 31, 32, 33, 34, 63, 64, 65, 100,
                                   264, 265, 1000, 4096, 8191, 8192, 8193, 65536, 300000,
                                   2000000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (unsigned shape = 0; shape < 5; shape++) {
            size_t len = sizes[s];
            uint8_t *p = malloc(len);
            fill(p, len, shape);
            size_t clen;
            uint8_t *c = compress(p, len, &clen);
            char what[64];
            snprintf(what, sizeof what, "size %zu shape %u", len, shape);
            cr_assert(agree(c, clen, len, what), "%s: valid data rejected", what);
            /* the wrong size either way */
            agree(c, clen, len + 1, what);
            if (len > 1)
                agree(c, clen, len - 1, what);
            free(c);
            free(p);
        }
    }
}

Test(lzf_ref, every_corruption_and_truncation_of_small_streams, .timeout = 120)
{
    for (unsigned shape = 0; shape < 5; shape++) {
        for (size_t len = 1; len <= 300; len += (len < 40 ? 1 : 37)) {
            uint8_t p[300];
            fill(p, len, shape);
            size_t clen;
            uint8_t *c = compress(p, len, &clen);
            for (size_t i = 0; i < clen; i++) {
                uint8_t keep = c[i];
                static const uint8_t vals[] = {0x00, 0x01, 0x1f, 0x20, 0x3f, 0xe0, 0xff};
                for (size_t v = 0; v < sizeof vals; v++) {
                    c[i] = vals[v];
                    agree(c, clen, len, "corrupted");
                }
                c[i] = (uint8_t)(keep ^ 0x80);
                agree(c, clen, len, "flipped");
                c[i] = keep;
                agree(c, i + 1, len, "truncated"); /* cut after byte i */
            }
            free(c);
        }
    }
}

Test(lzf_ref, random_token_soup)
{
    uint8_t in[512];
    for (int round = 0; round < 200000; round++) {
        size_t clen = 1 + next() % sizeof in;
        for (size_t i = 0; i < clen; i++)
            in[i] = (uint8_t)next();
        /* bias towards small literals so that references have something
         * to point at */
        if (next() % 2)
            for (size_t i = 0; i < clen; i += 1 + next() % 8)
                in[i] &= 0x1f;
        size_t ulen = 1 + next() % (clen * 8);
        agree(in, clen, ulen, "soup");
    }
}

/* Corruptions deep inside long streams, where the whole-blob decoder runs
 * its unchecked inner loop (far from both ends): same verdict as liblzf. */
Test(lzf_ref, corruption_inside_long_streams, .timeout = 120)
{
    static const size_t sizes[] = {1000, 8192, 65536};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (unsigned shape = 0; shape < 5; shape++) {
            size_t len = sizes[s];
            uint8_t *p = malloc(len);
            fill(p, len, shape);
            size_t clen;
            uint8_t *c = compress(p, len, &clen);
            for (int round = 0; round < 300; round++) {
                size_t i = next() % clen;
                uint8_t keep = c[i];
                c[i] = (uint8_t)next();
                agree(c, clen, len, "corrupted inside");
                agree(c, clen, len + 1 + next() % 64, "corrupted inside, longer");
                c[i] = keep;
            }
            free(c);
            free(p);
        }
    }
}

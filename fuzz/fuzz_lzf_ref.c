/* libFuzzer target: rdblens's whole-blob LZF decoder (rdbl__lzf_decompress,
 * its own wide-copy code) against liblzf's lzf_decompress, the reference.
 *
 * Input: mode (1 byte) + ulen (u32le) + bytes.
 *   mode even: the bytes are a compressed stream; both decoders must give
 *              the same verdict and, on success, the same ulen bytes.
 *   mode odd:  the bytes are plain text, compressed with liblzf; then one
 *              byte of the stream (chosen by ulen) is replaced by mode >> 1
 *              when mode & 2 (a corruption near valid data), and the
 *              result is decoded by both (ulen is then the text's size,
 *              minus mode >> 2 & 3 when mode & 4).
 * Neither decoder may write past ulen (the output buffer is exact). */
#include <stdlib.h>
#include <string.h>

#include <lzf.h>

#include "parser/blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ULEN_CAP (1u << 20)

static void compare(const uint8_t *in, size_t clen, size_t ulen)
{
    if (ulen == 0 || clen == 0 || ulen > ULEN_CAP || !rdbl__lzf_ulen_plausible(clen, ulen))
        return; /* decided before any decoding (the unit tests cover these) */
    uint8_t *a = malloc(ulen), *b = malloc(ulen);
    if (!a || !b) {
        free(a);
        free(b);
        return;
    }
    rdbl__berr e;
    rdbl_status st = rdbl__lzf_decompress(in, clen, a, ulen, &e);
    unsigned got = lzf_decompress(in, (unsigned)clen, b, (unsigned)ulen);
    bool ref_ok = got == ulen;
    if ((st == RDBL_OK) != ref_ok)
        abort(); /* different verdicts */
    if (st != RDBL_OK && st != RDBL_CORRUPT)
        abort();
    if (ref_ok && memcmp(a, b, ulen) != 0)
        abort(); /* different bytes */
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    unsigned mode = data[0];
    size_t ulen = (size_t)data[1] | (size_t)data[2] << 8 | (size_t)data[3] << 16 |
                  (size_t)data[4] << 24;
    const uint8_t *in = data + 5;
    size_t n = size - 5;
    if (!(mode & 1)) {
        compare(in, n, ulen);
        return 0;
    }
    if (n == 0)
        return 0;
    size_t cap = n + n / 16 + 64;
    uint8_t *c = malloc(cap);
    if (!c)
        return 0;
    unsigned clen = lzf_compress(in, (unsigned)n, c, (unsigned)cap);
    if (clen == 0) {
        free(c);
        return 0;
    }
    if (mode & 2)
        c[ulen % clen] = (uint8_t)(mode >> 1);
    size_t want = n;
    if ((mode & 4) && want > ((mode >> 2) & 3))
        want -= (mode >> 2) & 3;
    compare(c, clen, want);
    free(c);
    return 0;
}

/* libFuzzer target for LZF: input = ulen (u32le) + piece selector (1 byte)
 * + compressed data. Decodes with liblzf (rdbl__lzf_decompress) and with the
 * incremental decoder fed in pieces the input chooses, and requires the two
 * to agree: same verdict, same bytes, output never past ulen. */
#include <stdlib.h>
#include <string.h>

#include "parser/blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ULEN_CAP (4u << 20) /* keep allocations small; plausibility caps it anyway */

typedef struct sink {
    uint8_t *buf;
    size_t len, cap;
} sink;

static int sink_put(void *ud, const uint8_t *p, size_t n)
{
    sink *s = ud;
    if (n == 0 || n > 65536 || n > s->cap - s->len)
        abort(); /* pieces are non-empty, <= 64 KiB, and never exceed ulen */
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

static uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    size_t ulen = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 |
                  (size_t)data[3] << 24;
    unsigned sel = data[4];
    const uint8_t *in = data + 5;
    size_t clen = size - 5;

    rdbl__berr e1, e2;
    rdbl_status st1;
    uint8_t *out = NULL;
    if (!rdbl__lzf_ulen_plausible(clen, ulen) || ulen > ULEN_CAP) {
        if (!rdbl__lzf_ulen_plausible(clen, ulen)) {
            /* must be refused before touching the output buffer */
            if (rdbl__lzf_decompress(in, clen, NULL, ulen, &e1) != RDBL_CORRUPT)
                abort();
        }
        return 0;
    }
    out = malloc(ulen ? ulen : 1);
    if (!out)
        return 0;
    st1 = rdbl__lzf_decompress(in, clen, out, ulen, &e1);
    if (st1 != RDBL_OK && st1 != RDBL_CORRUPT)
        abort();
    if (st1 == RDBL_CORRUPT && clen > 0 && e1.offset > clen)
        abort();

    sink s = {malloc(ulen ? ulen : 1), 0, ulen};
    rdbl__lzf_stream *z = rdbl__lzf_stream_new(ulen);
    if (!s.buf || !z) {
        free(s.buf);
        rdbl__lzf_stream_free(z);
        free(out);
        return 0;
    }
    /* piece sizes: sel < 128 fixed (sel + 1), else pseudo-random from sel */
    uint64_t seed = 0x9E3779B97F4A7C15ull ^ sel ^ (uint64_t)size << 8;
    size_t off = 0;
    int r = 0;
    while (off < clen) {
        size_t n = clen - off, want;
        if (sel < 128)
            want = sel + 1;
        else
            want = 1 + next_rand(&seed) % (next_rand(&seed) & 1 ? 8 : 300);
        if (n > want)
            n = want;
        r = rdbl__lzf_stream_feed(z, in + off, n, sink_put, &s, &e2);
        if (r != 0)
            break;
        off += n;
    }
    rdbl_status st2 = r == 0 ? rdbl__lzf_stream_finish(z, &e2) : (rdbl_status)r;
    rdbl__lzf_stream_free(z);
    if ((st1 == RDBL_OK) != (st2 == RDBL_OK))
        abort(); /* the decoders disagree */
    if (st1 == RDBL_OK && (s.len != ulen || (ulen && memcmp(s.buf, out, ulen) != 0)))
        abort();
    free(s.buf);
    free(out);
    return 0;
}

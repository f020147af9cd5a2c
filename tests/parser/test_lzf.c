/* LZF (src/parser/lzf.c): the one-shot decoder (liblzf) and the incremental
 * decoder, against liblzf's lzf_compress output, fed whole, in 1-byte,
 * 7-byte and random pieces, for sizes from 0 to several MB; plus every
 * kind of bad input (references before the start, overruns, underruns,
 * truncated tokens, implausible sizes) and the stream's stop/dead contract. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <lzf.h>

#include "blobbuild.h"

/* ---- helpers ---- */

typedef struct sink {
    uint8_t *buf;
    size_t len, cap;
    size_t max_piece, pieces;
    int stop_after; /* > 0: return 7 from that call on */
} sink;

static int sink_emit(void *ud, const uint8_t *p, size_t n)
{
    sink *s = ud;
    cr_assert(n > 0, "empty piece emitted");
    cr_assert(n <= 65536, "piece of %zu bytes", n);
    if (s->len + n > s->cap) {
        size_t nc = s->cap ? s->cap : 4096;
        while (nc < s->len + n)
            nc *= 2;
        s->buf = realloc(s->buf, nc);
        cr_assert(s->buf != NULL);
        s->cap = nc;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    if (n > s->max_piece)
        s->max_piece = n;
    s->pieces++;
    if (s->stop_after > 0 && (int)s->pieces >= s->stop_after)
        return 7;
    return 0;
}

enum { PIECE_WHOLE = 0, PIECE_1 = 1, PIECE_7 = 7, PIECE_RANDOM = -1 };

/* Stream-decodes in[0..clen) fed in pieces; returns the status of the
 * first failing call (feed or finish) and the output in *out. */
static rdbl_status stream_decode(const uint8_t *in, size_t clen, size_t ulen, int piece,
                                 uint64_t seed, sink *out, rdbl__berr *e)
{
    memset(out, 0, sizeof *out);
    rdbl__lzf_stream *z = rdbl__lzf_stream_new(ulen);
    cr_assert(z != NULL);
    size_t off = 0;
    int r = 0;
    while (off < clen) {
        size_t n = clen - off;
        if (piece > 0 && n > (size_t)piece)
            n = (size_t)piece;
        else if (piece < 0) {
            size_t want = 1 + trand(&seed) % (trand(&seed) & 1 ? 16 : 5000);
            if (n > want)
                n = want;
        }
        /* each piece in its own exact-size buffer: ASan sees overreads */
        uint8_t *p = tb_exact(in + off, n);
        r = rdbl__lzf_stream_feed(z, p, n, sink_emit, out, e);
        free(p);
        if (r != 0)
            break;
        off += n;
    }
    if (r == 0)
        r = rdbl__lzf_stream_finish(z, e);
    rdbl__lzf_stream_free(z);
    return (rdbl_status)r;
}

static uint8_t *compress(const uint8_t *in, size_t n, size_t *clen)
{
    size_t cap = n + n / 16 + 64;
    uint8_t *out = malloc(cap);
    cr_assert(out != NULL);
    *clen = n ? lzf_compress(in, (unsigned)n, out, (unsigned)cap) : 0;
    cr_assert(n == 0 || *clen > 0, "lzf_compress failed for %zu bytes", n);
    return out;
}

/* Test data: kind 0 random, 1 text-like, 2 runs and short periods
 * (overlapping references), 3 mixed blocks with far references. */
static uint8_t *make_data(int kind, size_t n, uint64_t seed)
{
    uint8_t *d = malloc(n ? n : 1);
    static const char *words[] = {"user:", "1000", "session", "cart", ":", "{\"id\":",
                                  "redis", "value", "0", "\n", "abcdefgh"};
    size_t i = 0;
    while (i < n) {
        uint64_t r = trand(&seed);
        if (kind == 0) {
            d[i++] = (uint8_t)r;
        } else if (kind == 1) {
            const char *w = words[r % (sizeof words / sizeof words[0])];
            for (size_t k = 0; w[k] && i < n; k++)
                d[i++] = (uint8_t)w[k];
            if ((r >> 8) % 7 == 0 && i < n)
                d[i++] = (uint8_t)(r >> 16);
        } else if (kind == 2) {
            size_t period = 1 + (r >> 8) % 40, run = 1 + (r >> 20) % 600;
            for (size_t k = 0; k < run && i < n; k++)
                d[i++] = (uint8_t)('A' + (k % period) * 3 + (r & 1));
        } else {
            size_t blk = 1 + (r >> 8) % 3000;
            if ((r & 3) == 0 || i < 9000) {
                for (size_t k = 0; k < blk && i < n; k++)
                    d[i++] = (uint8_t)trand(&seed);
            } else { /* copy from up to ~9 KB back: some beyond the 8 KiB window */
                size_t back = 1 + (r >> 24) % 9000;
                for (size_t k = 0; k < blk && i < n; k++, i++)
                    d[i] = d[i - back];
            }
        }
    }
    return d;
}

static void roundtrip(const uint8_t *data, size_t n, const char *what)
{
    size_t clen;
    uint8_t *c = compress(data, n, &clen);
    /* one-shot */
    uint8_t *out = malloc(n ? n : 1);
    rdbl__berr e = {0, ""};
    cr_assert(eq(int, rdbl__lzf_decompress(c, clen, out, n, &e), RDBL_OK), "%s n=%zu: %s", what,
              n, e.msg);
    cr_assert(n == 0 || memcmp(out, data, n) == 0, "%s n=%zu: one-shot differs", what, n);
    free(out);
    /* stream, several feeding patterns */
    static const int pieces[] = {PIECE_WHOLE, PIECE_1, PIECE_7, PIECE_RANDOM};
    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
        if (pieces[k] == PIECE_1 && clen > (1u << 21))
            continue; /* 1-byte feeds are covered by the smaller sizes */
        sink s;
        rdbl_status st = stream_decode(c, clen, n, pieces[k], 1000 + n, &s, &e);
        cr_assert(eq(int, st, RDBL_OK), "%s n=%zu piece %d: %s", what, n, pieces[k], e.msg);
        cr_assert(eq(sz, s.len, n), "%s n=%zu piece %d", what, n, pieces[k]);
        cr_assert(n == 0 || memcmp(s.buf, data, n) == 0, "%s n=%zu piece %d: differs", what, n,
                  pieces[k]);
        if (n > 70000 && pieces[k] == PIECE_WHOLE)
            cr_assert(s.max_piece > 60000, "whole feed of %zu: largest piece %zu", n,
                      s.max_piece);
        free(s.buf);
    }
    free(c);
}

/* ---- round trips ---- */

static const size_t sizes[] = {0,     1,     2,     3,      31,     32,     33,
                               100,   1000,  8191,  8192,   8193,   8194,   65535,
                               65536, 65537, 73727, 73728,  100000, 262147, 1u << 20};

Test(lzf, roundtrip_random, .timeout = 120)
{
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint8_t *d = make_data(0, sizes[k], sizes[k] * 31 + 1);
        roundtrip(d, sizes[k], "random");
        free(d);
    }
}

Test(lzf, roundtrip_text, .timeout = 120)
{
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint8_t *d = make_data(1, sizes[k], sizes[k] * 17 + 3);
        roundtrip(d, sizes[k], "text");
        free(d);
    }
}

Test(lzf, roundtrip_runs, .timeout = 120)
{
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint8_t *d = make_data(2, sizes[k], sizes[k] * 7 + 5);
        roundtrip(d, sizes[k], "runs");
        free(d);
    }
    /* one long run: maximal references (264 bytes from 3) at distance 1 */
    uint8_t *d = malloc(500000);
    memset(d, 'x', 500000);
    roundtrip(d, 500000, "one run");
    free(d);
}

Test(lzf, roundtrip_mixed, .timeout = 120)
{
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint8_t *d = make_data(3, sizes[k], sizes[k] * 5 + 11);
        roundtrip(d, sizes[k], "mixed");
        free(d);
    }
}

Test(lzf, roundtrip_several_mb, .timeout = 240)
{
    const size_t n = (5u << 20) + 12345;
    for (int kind = 0; kind < 4; kind++) {
        uint8_t *d = make_data(kind, n, 99 + (uint64_t)kind);
        roundtrip(d, n, "5 MB");
        free(d);
    }
}

/* Many random piece patterns over one compressible input. */
Test(lzf, random_piece_patterns)
{
    const size_t n = 200000;
    uint8_t *d = make_data(3, n, 4);
    size_t clen;
    uint8_t *c = compress(d, n, &clen);
    for (uint64_t seed = 1; seed <= 40; seed++) {
        sink s;
        rdbl__berr e = {0, ""};
        cr_assert(eq(int, stream_decode(c, clen, n, PIECE_RANDOM, seed, &s, &e), RDBL_OK), "%s",
                  e.msg);
        cr_assert(eq(sz, s.len, n));
        cr_assert(memcmp(s.buf, d, n) == 0);
        free(s.buf);
    }
    free(c);
    free(d);
}

/* ---- hand-made token streams ---- */

static void both_ok(const uint8_t *c, size_t clen, const char *want)
{
    size_t n = strlen(want);
    uint8_t out[600];
    rdbl__berr e = {0, ""};
    cr_assert(eq(int, rdbl__lzf_decompress(c, clen, out, n, &e), RDBL_OK), "%s", e.msg);
    cr_assert(memcmp(out, want, n) == 0);
    for (int piece = 0; piece <= 2; piece++) {
        sink s;
        cr_assert(eq(int, stream_decode(c, clen, n, piece, 1, &s, &e), RDBL_OK), "%s", e.msg);
        cr_assert(eq(sz, s.len, n));
        cr_assert(memcmp(s.buf, want, n) == 0);
        free(s.buf);
    }
}

/* Both decoders must fail; the stream (fed whole and byte by byte) with
 * this message and offset. */
static void both_bad(const uint8_t *c, size_t clen, size_t ulen, size_t off, const char *what)
{
    uint8_t *out = malloc(ulen ? ulen : 1);
    rdbl__berr e = {0, ""};
    cr_assert(eq(int, rdbl__lzf_decompress(c, clen, out, ulen, &e), RDBL_CORRUPT), "%s", what);
    cr_assert(strstr(e.msg, what) != NULL, "one-shot: \"%s\" lacks \"%s\"", e.msg, what);
    if (off != SIZE_MAX)
        cr_assert(eq(sz, e.offset, off), "one-shot: %s", e.msg);
    free(out);
    for (int piece = 0; piece <= 1; piece++) {
        sink s;
        rdbl__berr e2 = {0, ""};
        cr_assert(eq(int, stream_decode(c, clen, ulen, piece, 1, &s, &e2), RDBL_CORRUPT), "%s",
                  what);
        cr_assert(strstr(e2.msg, what) != NULL, "stream: \"%s\" lacks \"%s\"", e2.msg, what);
        if (off != SIZE_MAX)
            cr_assert(eq(sz, e2.offset, off), "stream piece %d: %s", piece, e2.msg);
        cr_assert(s.len <= ulen);
        free(s.buf);
    }
}

Test(lzf, hand_tokens)
{
    /* literal "ab", then a back-reference of 3 at distance 2: "ababa" */
    static const uint8_t a[] = {0x01, 'a', 'b', 0x20, 0x01};
    both_ok(a, sizeof a, "ababa");
    /* distance 1, long form: 7 + 0 + 2 = 9 copies of 'z' */
    static const uint8_t b[] = {0x00, 'z', 0xE0, 0x00, 0x00};
    both_ok(b, sizeof b, "zzzzzzzzzz");
    /* longest reference: 7 + 255 + 2 = 264 bytes */
    static const uint8_t c[] = {0x00, 'q', 0xE0, 0xFF, 0x00};
    char want[266];
    memset(want, 'q', 265);
    want[265] = '\0';
    both_ok(c, sizeof c, want);
    /* a 32-byte literal (control 31) */
    uint8_t d[33];
    d[0] = 31;
    for (int i = 0; i < 32; i++)
        d[1 + i] = (uint8_t)('A' + i);
    both_ok(d, sizeof d, "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`");
}

Test(lzf, bad_tokens)
{
    /* reference before the start of the output */
    static const uint8_t a[] = {0x20, 0x00, 0x01, 'a'};
    both_bad(a, sizeof a, 5, 0, "back-reference to 1 bytes back, only 0 bytes produced");
    static const uint8_t b[] = {0x00, 'a', 0x20, 0x01};
    both_bad(b, sizeof b, 4, 2, "back-reference to 2 bytes back, only 1 bytes produced");
    static const uint8_t b2[] = {0x01, 'a', 'b', 0x3F, 0xFF}; /* distance 8192 */
    both_bad(b2, sizeof b2, 5, 3, "back-reference to 8192 bytes back");
    /* output overruns */
    static const uint8_t c[] = {0x02, 'a', 'b', 'c'};
    both_bad(c, sizeof c, 2, 0, "literal of 3 bytes overruns the 2-byte output");
    static const uint8_t d[] = {0x00, 'a', 0x40, 0x00};
    both_bad(d, sizeof d, 4, 2, "back-reference of 4 bytes overruns the 4-byte output");
    /* underrun: exact ulen is required */
    both_bad(c, sizeof c, 4, SIZE_MAX, "produced 3 bytes, expected 4");
    /* literal cut short */
    static const uint8_t e[] = {0x05, 'a', 'b'};
    both_bad(e, sizeof e, 6, 0, "ends inside a token");
    /* short and long reference headers cut */
    static const uint8_t f[] = {0x00, 'a', 0x20};
    both_bad(f, sizeof f, 4, 2, "ends inside a token");
    static const uint8_t g[] = {0x00, 'a', 0xE0, 0x05};
    both_bad(g, sizeof g, 20, 2, "ends inside a token");
    /* implausible sizes (bombs) are refused before decoding */
    static const uint8_t h[] = {0x00, 'a', 0xE0, 0xFF, 0x00};
    uint8_t out[1];
    rdbl__berr er = {0, ""};
    cr_assert(eq(int, rdbl__lzf_decompress(h, sizeof h, out, 88 * 5 + 33, &er), RDBL_CORRUPT));
    cr_assert(strstr(er.msg, "implausible") != NULL, "%s", er.msg);
    /* empty cases */
    cr_assert(eq(int, rdbl__lzf_decompress(NULL, 0, NULL, 0, &er), RDBL_OK));
    cr_assert(eq(int, rdbl__lzf_decompress(h, 2, out, 0, &er), RDBL_CORRUPT));
    cr_assert(eq(int, rdbl__lzf_decompress(h, 0, out, 1, &er), RDBL_CORRUPT));
}

Test(lzf, plausibility)
{
    cr_assert(rdbl__lzf_ulen_plausible(0, 0));
    cr_assert(rdbl__lzf_ulen_plausible(0, 32));
    cr_assert(not(rdbl__lzf_ulen_plausible(0, 33)));
    cr_assert(rdbl__lzf_ulen_plausible(1, 120));
    cr_assert(not(rdbl__lzf_ulen_plausible(1, 121)));
    cr_assert(rdbl__lzf_ulen_plausible(1000, 88032));
    cr_assert(not(rdbl__lzf_ulen_plausible(1000, 88033)));
    cr_assert(rdbl__lzf_ulen_plausible(UINT64_MAX, UINT64_MAX));
    cr_assert(rdbl__lzf_ulen_plausible(UINT64_MAX / 88, UINT64_MAX));
    cr_assert(not(rdbl__lzf_ulen_plausible(1u << 20, UINT64_MAX)));
    /* the densest real stream stays within the bound */
    uint8_t *d = calloc(1u << 20, 1);
    size_t clen;
    uint8_t *c = compress(d, 1u << 20, &clen);
    cr_assert(rdbl__lzf_ulen_plausible(clen, 1u << 20), "clen %zu", clen);
    free(c);
    free(d);
}

Test(lzf, every_prefix_rejected)
{
    const size_t n = 3000;
    uint8_t *d = make_data(1, n, 5);
    size_t clen;
    uint8_t *c = compress(d, n, &clen);
    for (size_t k = 0; k < clen; k++) {
        uint8_t *p = tb_exact(c, k);
        uint8_t *out = malloc(n);
        rdbl__berr e = {0, ""};
        cr_assert(eq(int, rdbl__lzf_decompress(p, k, out, n, &e), RDBL_CORRUPT), "prefix %zu",
                  k);
        sink s;
        cr_assert(eq(int, stream_decode(p, k, n, (int)(k % 3), 1, &s, &e), RDBL_CORRUPT),
                  "prefix %zu", k);
        free(s.buf);
        free(out);
        free(p);
    }
    free(c);
    free(d);
}

/* Random token soup: both decoders must agree on success and output. */
Test(lzf, random_garbage_agrees)
{
    uint64_t seed = 31337;
    unsigned ok = 0;
    for (int round = 0; round < 20000; round++) {
        size_t clen = 1 + trand(&seed) % 24, ulen = trand(&seed) % 100;
        uint8_t *c = malloc(clen);
        for (size_t i = 0; i < clen; i++) {
            uint64_t r = trand(&seed);
            c[i] = (uint8_t)((r & 0x100) ? r % 4 : r);
        }
        uint8_t *out = malloc(ulen ? ulen : 1);
        rdbl__berr e = {0, ""};
        rdbl_status st1 = rdbl__lzf_decompress(c, clen, out, ulen, &e);
        sink s;
        rdbl_status st2 = stream_decode(c, clen, ulen, (int)(round % 3), seed, &s, &e);
        cr_assert(eq(int, st1, st2), "round %d", round);
        if (st1 == RDBL_OK) {
            ok++;
            cr_assert(eq(sz, s.len, ulen));
            cr_assert(ulen == 0 || memcmp(out, s.buf, ulen) == 0);
        }
        free(s.buf);
        free(out);
        free(c);
    }
    cr_assert(ok > 0, "no random input decoded: the test would prove nothing");
}

/* ---- the stream contract: stop, dead context, finish checks ---- */

Test(lzf, stream_stop_and_dead)
{
    const size_t n = 300000;
    uint8_t *d = make_data(1, n, 8);
    size_t clen;
    uint8_t *c = compress(d, n, &clen);
    rdbl__lzf_stream *z = rdbl__lzf_stream_new(n);
    sink s = {0};
    s.stop_after = 2;
    rdbl__berr e = {0, ""};
    cr_assert(eq(int, rdbl__lzf_stream_feed(z, c, clen, sink_emit, &s, &e), 7));
    cr_assert(eq(sz, s.pieces, 2));
    cr_assert(eq(int, rdbl__lzf_stream_feed(z, c, clen, sink_emit, &s, &e), RDBL_USAGE));
    cr_assert(eq(int, rdbl__lzf_stream_finish(z, &e), RDBL_USAGE));
    rdbl__lzf_stream_free(z);
    free(s.buf);
    /* after a corruption error the context is dead too */
    static const uint8_t bad[] = {0x20, 0x00};
    z = rdbl__lzf_stream_new(10);
    memset(&s, 0, sizeof s);
    cr_assert(eq(int, rdbl__lzf_stream_feed(z, bad, 2, sink_emit, &s, &e), RDBL_CORRUPT));
    cr_assert(eq(int, rdbl__lzf_stream_feed(z, c, 4, sink_emit, &s, &e), RDBL_USAGE));
    rdbl__lzf_stream_free(z);
    /* empty feeds (even with NULL) are harmless; output arrives per feed */
    z = rdbl__lzf_stream_new(n);
    memset(&s, 0, sizeof s);
    cr_assert(eq(int, rdbl__lzf_stream_feed(z, NULL, 0, sink_emit, &s, &e), 0));
    cr_assert(eq(int, rdbl__lzf_stream_feed(z, c, 40, sink_emit, &s, &e), 0));
    cr_assert(s.len > 0, "output of the first feed was held back");
    cr_assert(eq(int, rdbl__lzf_stream_feed(z, c + 40, clen - 40, sink_emit, &s, &e), 0));
    cr_assert(eq(int, rdbl__lzf_stream_finish(z, &e), RDBL_OK), "%s", e.msg);
    cr_assert(eq(sz, s.len, n));
    cr_assert(memcmp(s.buf, d, n) == 0);
    rdbl__lzf_stream_free(z);
    free(s.buf);
    /* ulen 0 with no input is fine */
    z = rdbl__lzf_stream_new(0);
    cr_assert(eq(int, rdbl__lzf_stream_finish(z, &e), RDBL_OK));
    rdbl__lzf_stream_free(z);
    free(c);
    free(d);
}

/* Inner blob decoders: ziplist, listpack, intset, zipmap, LZF.
 *
 * Each decoder is a pure function over a borrowed (ptr, len): no I/O, no
 * allocation. validate() checks the whole blob (header, every entry's
 * bounds, back-lengths/prev-lengths, terminator, counts) and must be called
 * before the iterator, which then trusts the blob. Errors carry an offset
 * relative to the blob's first byte; the parser adds the blob's position.
 *
 * Layouts: ../shared/docs/rdb-format.md §6 (redis src/listpack.c,
 * src/ziplist.c, src/intset.c, src/zipmap.c are the ground truth). */
#ifndef RDBL_PARSER_BLOB_H
#define RDBL_PARSER_BLOB_H

#include "internal.h"

typedef struct rdbl__berr {
    size_t offset;     /* relative to the blob start */
    char msg[120];
} rdbl__berr;

/* An empty error, cheaper than = {0} (which clears all of msg) on paths
 * taken for every blob; the decoders fill both fields when they fail. */
static inline void rdbl__berr_clear(rdbl__berr *e)
{
    e->offset = 0;
    e->msg[0] = '\0';
}

typedef struct rdbl__blob_info {
    uint64_t count;       /* entries (for zipmaps: fields + values, i.e. 2 per pair) */
    uint64_t largest;     /* largest entry length (ints: decimal text length) */
    uint64_t value_bytes; /* sum of entry lengths (ints: decimal text length) */
} rdbl__blob_info;

/* Fills e (when non-NULL) with offset and message; returns RDBL_CORRUPT.
 * Shared by the blob decoders (defined in listpack.c). */
rdbl_status rdbl__berr_fail(rdbl__berr *e, size_t offset, const char *fmt, ...)
    RDBL_PRINTF(3, 4);

/* Decimal text length of v, as rdbl_i64_textlen() but inline and without a
 * division loop: the iterators call it for every integer entry. */
static inline size_t rdbl__i64_textlen_inline(int64_t v)
{
    static const uint64_t pow10[20] = {
        1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u,
        1000000000u, 10000000000u, 100000000000u, 1000000000000u, 10000000000000u,
        100000000000000u, 1000000000000000u, 10000000000000000u, 100000000000000000u,
        1000000000000000000u, 10000000000000000000u};
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    /* u | 1 has the digit count of u (powers of ten are even) and avoids
     * clz(0). t = bits * 1233 / 4096 is floor(log10(w)) or one more
     * (bit-twiddling hacks, "integer log base 10"); t <= 19. */
    uint64_t w = u | 1;
#if defined(__GNUC__)
    unsigned bits = 64u - (unsigned)__builtin_clzll(w);
#else
    unsigned bits = 0;
    for (uint64_t x = w; x; x >>= 1)
        bits++;
#endif
    unsigned t = (bits * 1233u) >> 12;
    return (size_t)t + 1 - (w < pow10[t]) + (v < 0);
}

/* ---- listpack (§6.2) ---- */
rdbl_status rdbl__lp_validate(const uint8_t *lp, size_t len, rdbl__blob_info *info,
                              rdbl__berr *e);
/* Header count (num_elements), or UINT32_MAX when the header says 65535. */
uint32_t rdbl__lp_header_count(const uint8_t *lp, size_t len);
typedef struct rdbl__lp_iter {
    const uint8_t *p;   /* next entry */
    const uint8_t *end; /* the 0xFF terminator */
} rdbl__lp_iter;
void rdbl__lp_iter_init(rdbl__lp_iter *it, const uint8_t *lp, size_t len);
/* Next entry of a *validated* listpack. Returns false at the end. */
bool rdbl__lp_next(rdbl__lp_iter *it, rdbl_item *out);

/* ---- ziplist (§6.1) ---- */
rdbl_status rdbl__zl_validate(const uint8_t *zl, size_t len, rdbl__blob_info *info,
                              rdbl__berr *e);
typedef struct rdbl__zl_iter {
    const uint8_t *p;
    const uint8_t *end;
} rdbl__zl_iter;
void rdbl__zl_iter_init(rdbl__zl_iter *it, const uint8_t *zl, size_t len);
bool rdbl__zl_next(rdbl__zl_iter *it, rdbl_item *out);

/* ---- intset (§6.3) ---- (info->count = members) */
rdbl_status rdbl__is_validate(const uint8_t *is, size_t len, rdbl__blob_info *info,
                              rdbl__berr *e);
typedef struct rdbl__is_iter {
    const uint8_t *p;
    uint32_t width, left;
} rdbl__is_iter;
void rdbl__is_iter_init(rdbl__is_iter *it, const uint8_t *is, size_t len);
bool rdbl__is_next(rdbl__is_iter *it, rdbl_item *out);

/* ---- zipmap (§6.4) ---- yields field, value, field, value... */
rdbl_status rdbl__zm_validate(const uint8_t *zm, size_t len, rdbl__blob_info *info,
                              rdbl__berr *e);
typedef struct rdbl__zm_iter {
    const uint8_t *p;
    const uint8_t *end;
    bool want_value;
} rdbl__zm_iter;
void rdbl__zm_iter_init(rdbl__zm_iter *it, const uint8_t *zm, size_t len);
bool rdbl__zm_next(rdbl__zm_iter *it, rdbl_item *out);

/* ---- LZF (§3.2) ---- */
/* A 3-byte token yields at most 264 bytes (88:1); anything claiming more is
 * corrupt (or a decompression bomb). Check before allocating ulen bytes. */
static inline bool rdbl__lzf_ulen_plausible(uint64_t clen, uint64_t ulen)
{
    if (clen > (UINT64_MAX - 32) / 88)
        return true;
    return ulen <= 88 * clen + 32;
}
/* Decompresses exactly ulen bytes into out (ulen bytes, owned by the caller).
 * RDBL_CORRUPT if ulen is implausible for clen, the data is malformed, or it
 * does not produce exactly ulen bytes (e->offset: compressed byte offset of
 * the bad token, when known). */
rdbl_status rdbl__lzf_decompress(const uint8_t *in, size_t clen, uint8_t *out, size_t ulen,
                                 rdbl__berr *e);

/* Incremental LZF decoder for values too big to hold at once: feed the
 * compressed bytes in any pieces; output comes out in pieces, with the 8 KiB
 * history kept internally. */
typedef struct rdbl__lzf_stream rdbl__lzf_stream;
rdbl__lzf_stream *rdbl__lzf_stream_new(uint64_t ulen);
void rdbl__lzf_stream_free(rdbl__lzf_stream *z);
/* Decodes from in[0..inlen); a token may straddle two feeds. Calls
 * emit(ud, bytes, n) for each produced piece (pieces of at most 64 KiB, borrowed
 * until emit returns); all output decoded from this feed is emitted before
 * the call returns. Returns 0 when all input was used; RDBL_CORRUPT (e filled,
 * offset = compressed byte offset of the bad token) on malformed data or
 * output beyond ulen; or emit's non-zero value, which stops decoding. After a
 * non-zero return the context is dead: later calls fail with RDBL_USAGE.
 * At the end of the compressed data call finish(), which checks that exactly
 * ulen bytes came out and no token was cut short.
 * rdbl__lzf_stream_new returns NULL when out of memory. */
typedef int (*rdbl__lzf_emit)(void *ud, const uint8_t *p, size_t n);
int rdbl__lzf_stream_feed(rdbl__lzf_stream *z, const uint8_t *in, size_t inlen,
                          rdbl__lzf_emit emit, void *ud, rdbl__berr *e);
rdbl_status rdbl__lzf_stream_finish(rdbl__lzf_stream *z, rdbl__berr *e);

/* ---- CRC-64 internals (rdbl_crc64 in rdblens/parser.h picks one) ---- */
/* Portable slice-by-16. */
uint64_t rdbl__crc64_slice16(uint64_t crc, const void *data, size_t len);
/* PCLMULQDQ folding: updates *crc and returns true, or returns false
 * (leaving *crc alone) when this CPU or build lacks it. Exposed for tests. */
bool rdbl__crc64_clmul(uint64_t *crc, const void *data, size_t len);

#endif

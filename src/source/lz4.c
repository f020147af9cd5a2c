/* LZ4 frame decoding (lz4frame.h), and Valkey's VKCS envelope around it.
 *
 *   LZ4 frame:  04 22 4d 18 | FLG BD [content size 8] [dict id 4] HC
 *               | blocks (size 4 | data [| checksum 4]) ... | 00 00 00 00 | [content checksum 4]
 *   skippable:  5x 2a 4d 18 | size 4 | bytes
 *   VKCS:       'V' 'K' 'C' 'S' | version (1) | codec (1 = LZ4) | flags (bit 0:
 *               codec checksum on) | stream kind (0 = RDB) | one LZ4 frame
 *
 * A plain .lz4 file may hold several frames (`lz4 --content-size`, `cat a.lz4
 * b.lz4`): after one ends, another is decoded only if an LZ4 or skippable
 * magic follows; other bytes end the stream cleanly. VKCS holds exactly one
 * frame and bytes after it are ignored (Valkey src/compression_stream.h, as
 * described in docs/rdb-format.md §2.3). */
#include <inttypes.h>
#include <lz4frame.h>

#include "source/source_int.h"

#define LZ4_MAGIC 0x184D2204u
#define LZ4_SKIP_MAGIC 0x184D2A50u /* low 4 bits are free */

rdbl_status rdbl__vkcs_check(const uint8_t *h, rdbl_error *err)
{
    if (h[4] != 1)
        return rdbl__fail(err, RDBL_UNSUPPORTED, 0, "VKCS header",
                          "VKCS envelope version %u is not supported (only 1)", h[4]);
    if (h[5] != 1)
        return rdbl__fail(err, RDBL_UNSUPPORTED, 0, "VKCS header",
                          "VKCS codec %u is not supported (only 1 = LZ4)", h[5]);
    if (h[7] != 0)
        return rdbl__fail(err, RDBL_UNSUPPORTED, 0, "VKCS header",
                          "VKCS stream kind %u is not an RDB (0)", h[7]);
    /* flags: bit 0 says the LZ4 frame carries checksums, which the frame
     * header repeats; lz4frame checks them either way. */
    return RDBL_OK;
}

rdbl_status rdbl__lz4_new(rdbl__dec *d, rdbl_error *err)
{
    LZ4F_dctx *dctx = NULL;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)) || !dctx)
        return rdbl__fail(err, RDBL_NOMEM, 0, "lz4 stream", "cannot create the LZ4 decoder");
    d->state = dctx;
    return RDBL_OK;
}

void rdbl__lz4_free(rdbl__dec *d)
{
    if (d->state)
        LZ4F_freeDecompressionContext(d->state);
    d->state = NULL;
}

rdbl_status rdbl__lz4_step(rdbl__dec *d, rdbl__input *in, uint8_t *dst, size_t cap,
                           size_t *got, rdbl_error *err)
{
    LZ4F_dctx *dctx = d->state;
    const char *what = d->single_frame ? "VKCS lz4 stream" : "lz4 stream";
    *got = 0;
    while (!d->done) {
        size_t ia = in->len - in->pos, oa = cap - *got;
        if (oa == 0)
            return RDBL_OK;
        if (ia > RDBL__DEC_SLICE)
            ia = RDBL__DEC_SLICE;
        size_t slice = ia;
        size_t hint = LZ4F_decompress(dctx, dst + *got, &oa, in->p + in->pos, &ia, NULL);
        if (LZ4F_isError(hint)) {
            /* on an error lz4frame reports nothing used or made: name the slice */
            uint64_t at = rdbl__input_offset(in);
            return rdbl__fail(err, RDBL_CORRUPT, d->out_total, what,
                              "lz4 data is damaged in input bytes %" PRIu64 "-%" PRIu64 ": %s",
                              at, at + slice, LZ4F_getErrorName(hint));
        }
        /* LZ4F_decompress writes back what it used and made */
        in->pos += ia;
        *got += oa;
        d->out_total += oa;
        if (hint == 0) {
            /* a frame is complete and flushed (LZ4F_decompress stops exactly there) */
            if (d->single_frame) {
                d->done = true;
                return RDBL_OK;
            }
            rdbl_status st = rdbl__input_peek(in, 4, err, d->out_total);
            if (st != RDBL_OK)
                return st;
            uint32_t m = in->len - in->pos >= 4 ? rdbl__le32(in->p + in->pos) : 0;
            if (m != LZ4_MAGIC && (m & 0xFFFFFFF0u) != LZ4_SKIP_MAGIC) {
                d->done = true;
                return RDBL_OK;
            }
            if (*got)
                return RDBL_OK;
            continue;
        }
        if (oa)
            return RDBL_OK;
        if (ia)
            continue;
        if (in->pos == in->len) {
            if (in->eof)
                return rdbl__fail(err, RDBL_TRUNCATED, d->out_total, what,
                                  "lz4 stream ended early: the input stops at byte %" PRIu64
                                  " inside a frame",
                                  rdbl__input_offset(in));
            rdbl_status st = rdbl__input_more(in, err, d->out_total);
            if (st != RDBL_OK)
                return st;
            continue;
        }
        return rdbl__fail(err, RDBL_CORRUPT, d->out_total, what,
                          "lz4 decoder stalled at input byte %" PRIu64, rdbl__input_offset(in));
    }
    return RDBL_OK;
}

/* zstd decoding (RFC 8878) with ZSTD_decompressStream.
 *
 *   frame:     28 b5 2f fd | frame header | blocks ... | [checksum 4]
 *   skippable: 5x 2a 4d 18 | size 4 | bytes
 *   stream:    frame [frame | skippable ...] [trailing bytes, ignored]
 *
 * `zstd -dc` accepts concatenated frames (pzstd and `cat` make them); the
 * streaming API begins the next frame by itself once one is flushed, so the
 * only decision here is whether a magic follows. The window size is left at
 * zstd's default limit (128 MiB): frames made with --long=28 or more are
 * refused as the CLI refuses them without --memory. */
#include <inttypes.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "source/source_int.h"

#define ZSTD_SKIP_MAGIC 0x184D2A50u /* low 4 bits are free */

rdbl_status rdbl__zstd_new(rdbl__dec *d, rdbl_error *err)
{
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    if (!dctx)
        return rdbl__fail(err, RDBL_NOMEM, 0, "zstd stream", "cannot create the zstd decoder");
    d->state = dctx;
    return RDBL_OK;
}

void rdbl__zstd_free(rdbl__dec *d)
{
    ZSTD_freeDCtx(d->state);
    d->state = NULL;
}

rdbl_status rdbl__zstd_step(rdbl__dec *d, rdbl__input *in, uint8_t *dst, size_t cap,
                            size_t *got, rdbl_error *err)
{
    ZSTD_DCtx *dctx = d->state;
    *got = 0;
    while (!d->done) {
        if (cap == *got)
            return RDBL_OK;
        size_t slice = in->len - in->pos;
        if (slice > RDBL__DEC_SLICE)
            slice = RDBL__DEC_SLICE;
        ZSTD_inBuffer ib = {in->p, in->pos + slice, in->pos};
        ZSTD_outBuffer ob = {dst, cap, *got};
        size_t r = ZSTD_decompressStream(dctx, &ob, &ib);
        if (ZSTD_isError(r)) {
            /* on an error zstd may not report what it used or made: name the slice */
            uint64_t at = rdbl__input_offset(in);
            ZSTD_ErrorCode code = ZSTD_getErrorCode(r);
            if (code == ZSTD_error_memory_allocation)
                return rdbl__fail(err, RDBL_NOMEM, d->out_total, "zstd stream",
                                  "out of memory in the zstd decoder");
            if (code == ZSTD_error_frameParameter_windowTooLarge)
                return rdbl__fail(err, RDBL_UNSUPPORTED, d->out_total, "zstd stream",
                                  "zstd frame in input bytes %" PRIu64 "-%" PRIu64
                                  " needs a window over 128 MiB (made with --long?)",
                                  at, at + slice);
            return rdbl__fail(err, RDBL_CORRUPT, d->out_total, "zstd stream",
                              "zstd data is damaged in input bytes %" PRIu64 "-%" PRIu64 ": %s",
                              at, at + slice, ZSTD_getErrorName(r));
        }
        size_t used = ib.pos - in->pos, made = ob.pos - *got;
        in->pos = ib.pos;
        *got = ob.pos;
        d->out_total += made;
        if (r == 0) {
            /* a frame is complete and flushed: another one, or the end */
            rdbl_status st = rdbl__input_peek(in, 4, err, d->out_total);
            if (st != RDBL_OK)
                return st;
            uint32_t m = in->len - in->pos >= 4 ? rdbl__le32(in->p + in->pos) : 0;
            if (m != ZSTD_MAGICNUMBER && (m & 0xFFFFFFF0u) != ZSTD_SKIP_MAGIC) {
                d->done = true;
                return RDBL_OK;
            }
            if (*got)
                return RDBL_OK;
            continue;
        }
        if (made)
            return RDBL_OK;
        if (used)
            continue;
        if (in->pos == in->len) {
            if (in->eof)
                return rdbl__fail(err, RDBL_TRUNCATED, d->out_total, "zstd stream",
                                  "zstd stream ended early: the input stops at byte %" PRIu64
                                  " inside a frame",
                                  rdbl__input_offset(in));
            rdbl_status st = rdbl__input_more(in, err, d->out_total);
            if (st != RDBL_OK)
                return st;
            continue;
        }
        return rdbl__fail(err, RDBL_CORRUPT, d->out_total, "zstd stream",
                          "zstd decoder stalled at input byte %" PRIu64, rdbl__input_offset(in));
    }
    return RDBL_OK;
}

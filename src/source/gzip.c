/* gzip decoding (RFC 1952) with zlib's inflate.
 *
 *   member: 1f 8b CM FLG MTIME(4) XFL OS [extra][name][comment][hcrc]
 *           deflate data, CRC32(4), ISIZE(4)
 *   stream: member [member ...] [trailing bytes, ignored]
 *
 * Several members are concatenated by `gzip a b`, `cat x.gz y.gz` and some
 * backup tools (pigz, split uploads): after a member ends, another starts
 * only if 1f 8b follows; anything else ends the stream cleanly and the RDB
 * parser judges whether enough came (as `gzip -d`, which warns about
 * "trailing garbage" but keeps the data). */
#define ZLIB_CONST
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <zlib.h>

#include "source/source_int.h"

rdbl_status rdbl__gzip_new(rdbl__dec *d, rdbl_error *err)
{
    z_stream *z = calloc(1, sizeof *z);
    if (!z)
        return rdbl__fail(err, RDBL_NOMEM, 0, "gzip stream", "out of memory for the gzip decoder");
    /* 16 + MAX_WBITS: gzip wrapper only (a zlib wrapper is not a file format we are handed) */
    if (inflateInit2(z, 16 + MAX_WBITS) != Z_OK) {
        free(z);
        return rdbl__fail(err, RDBL_NOMEM, 0, "gzip stream", "cannot initialise the gzip decoder");
    }
    d->state = z;
    return RDBL_OK;
}

void rdbl__gzip_free(rdbl__dec *d)
{
    z_stream *z = d->state;
    if (z) {
        inflateEnd(z);
        free(z);
    }
    d->state = NULL;
}

rdbl_status rdbl__gzip_step(rdbl__dec *d, rdbl__input *in, uint8_t *dst, size_t cap,
                            size_t *got, rdbl_error *err)
{
    z_stream *z = d->state;
    *got = 0;
    while (!d->done) {
        /* zlib counts in uInt: hand over at most UINT_MAX per call */
        size_t ia = in->len - in->pos, oa = cap - *got;
        if (ia > UINT_MAX)
            ia = UINT_MAX;
        if (oa > UINT_MAX)
            oa = UINT_MAX;
        if (oa == 0)
            return RDBL_OK;
        z->next_in = in->p + in->pos;
        z->avail_in = (uInt)ia;
        z->next_out = dst + *got;
        z->avail_out = (uInt)oa;
        int zr = inflate(z, Z_NO_FLUSH);
        size_t used = ia - z->avail_in, made = oa - z->avail_out;
        in->pos += used;
        *got += made;
        d->out_total += made;
        switch (zr) {
        case Z_STREAM_END: {
            /* the member is complete (CRC and size checked); does another follow? */
            rdbl_status st = rdbl__input_peek(in, 2, err, d->out_total);
            if (st != RDBL_OK)
                return st;
            const uint8_t *q = in->p + in->pos;
            if (in->len - in->pos >= 2 && q[0] == 0x1f && q[1] == 0x8b) {
                inflateReset(z);
            } else {
                d->done = true;
                return RDBL_OK;
            }
            if (*got)
                return RDBL_OK;
            continue;
        }
        case Z_OK:
        case Z_BUF_ERROR:
            if (made)
                return RDBL_OK;
            if (used)
                continue;
            /* no progress: inflate wants more input */
            if (in->pos == in->len) {
                if (in->eof)
                    return rdbl__fail(err, RDBL_TRUNCATED, d->out_total, "gzip stream",
                                      "gzip stream ended early: the input stops at byte %" PRIu64
                                      " inside a member",
                                      rdbl__input_offset(in));
                rdbl_status st = rdbl__input_more(in, err, d->out_total);
                if (st != RDBL_OK)
                    return st;
                continue;
            }
            return rdbl__fail(err, RDBL_CORRUPT, d->out_total, "gzip stream",
                              "gzip decoder stalled at input byte %" PRIu64,
                              rdbl__input_offset(in));
        case Z_MEM_ERROR:
            return rdbl__fail(err, RDBL_NOMEM, d->out_total, "gzip stream",
                              "out of memory in the gzip decoder");
        default: /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
            return rdbl__fail(err, RDBL_CORRUPT, d->out_total, "gzip stream",
                              "gzip data is damaged near input byte %" PRIu64 ": %s",
                              rdbl__input_offset(in),
                              z->msg ? z->msg : (zr == Z_NEED_DICT ? "needs a dictionary"
                                                                   : "invalid data"));
        }
    }
    return RDBL_OK;
}

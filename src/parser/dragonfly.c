/* Dragonfly's compressed record blobs (opcodes 201 zstd, 202 LZ4; §12.3):
 *
 *   0xC9|0xCA  string: one zstd / LZ4 frame (content size in its header)
 *              decompressing to a run of complete top-level records
 *
 * The records inside are parsed by the same state machine, from a memory
 * source over the decompressed bytes, then the outer stream resumes. Offsets
 * of errors inside are relative to the decompressed blob, which the message
 * says. */
#include <inttypes.h>
#include <stdio.h>
#include <lz4frame.h>
#include <stdlib.h>
#include <zstd.h>

#include "parser/reader.h"

/* Decompression bomb guard: a blob may expand at most this much, and never
 * past RDBL__DF_MAX bytes. */
#define RDBL__DF_RATIO 2000u
#define RDBL__DF_MAX (1ull << 30)

static rdbl_status df_zstd(rdbl__p *P, uint64_t at, const uint8_t *in, size_t n, uint8_t **out,
                           size_t *outn)
{
    unsigned long long sz = ZSTD_getFrameContentSize(in, n);
    if (sz == ZSTD_CONTENTSIZE_ERROR)
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "Dragonfly zstd blob is not a zstd frame");
    if (sz == ZSTD_CONTENTSIZE_UNKNOWN)
        return rdbl__p_fail(P, RDBL_UNSUPPORTED, at,
                            "Dragonfly zstd blob without a content size");
    if (sz > RDBL__DF_MAX || sz > (unsigned long long)n * RDBL__DF_RATIO + 4096)
        return rdbl__p_fail(P, RDBL_CORRUPT, at,
                            "Dragonfly zstd blob claims %llu bytes from %zu", sz, n);
    *out = malloc(sz ? (size_t)sz : 1);
    if (!*out)
        return rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
    size_t got = ZSTD_decompress(*out, (size_t)sz, in, n);
    if (ZSTD_isError(got) || got != sz) {
        free(*out);
        *out = NULL;
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "Dragonfly zstd blob: %s",
                            ZSTD_isError(got) ? ZSTD_getErrorName(got) : "size mismatch");
    }
    *outn = (size_t)sz;
    return RDBL_OK;
}

static rdbl_status df_lz4(rdbl__p *P, uint64_t at, const uint8_t *in, size_t n, uint8_t **out,
                          size_t *outn)
{
    LZ4F_dctx *dctx = NULL;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
        return rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
    LZ4F_frameInfo_t fi;
    size_t consumed = n;
    size_t r = LZ4F_getFrameInfo(dctx, &fi, in, &consumed);
    rdbl_status st = RDBL_OK;
    if (LZ4F_isError(r)) {
        st = rdbl__p_fail(P, RDBL_CORRUPT, at, "Dragonfly LZ4 blob: %s", LZ4F_getErrorName(r));
    } else if (fi.contentSize == 0) {
        st = rdbl__p_fail(P, RDBL_UNSUPPORTED, at, "Dragonfly LZ4 blob without a content size");
    } else if (fi.contentSize > RDBL__DF_MAX ||
               fi.contentSize > (unsigned long long)n * RDBL__DF_RATIO + 4096) {
        st = rdbl__p_fail(P, RDBL_CORRUPT, at, "Dragonfly LZ4 blob claims %llu bytes from %zu",
                          (unsigned long long)fi.contentSize, n);
    } else {
        size_t cap = (size_t)fi.contentSize, o = 0, i = consumed;
        *out = malloc(cap);
        if (!*out) {
            st = rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
        } else {
            while (st == RDBL_OK) {
                size_t dst = cap - o, src = n - i;
                r = LZ4F_decompress(dctx, *out + o, &dst, in + i, &src, NULL);
                o += dst;
                i += src;
                if (LZ4F_isError(r))
                    st = rdbl__p_fail(P, RDBL_CORRUPT, at, "Dragonfly LZ4 blob: %s",
                                      LZ4F_getErrorName(r));
                else if (r == 0)
                    break;
                else if (src == 0 && dst == 0)
                    st = rdbl__p_fail(P, RDBL_CORRUPT, at, "Dragonfly LZ4 blob is cut short");
            }
            if (st == RDBL_OK && o != cap)
                st = rdbl__p_fail(P, RDBL_CORRUPT, at,
                                  "Dragonfly LZ4 blob gave %zu bytes, its header says %zu", o,
                                  cap);
            if (st != RDBL_OK) {
                free(*out);
                *out = NULL;
            }
            *outn = o;
        }
    }
    LZ4F_freeDecompressionContext(dctx);
    return st;
}

rdbl_status rdbl__p_df_blob(rdbl__p *P, int op, uint64_t at)
{
    P->where = op == 201 ? "Dragonfly zstd blob" : "Dragonfly LZ4 blob";
    if (P->nested)
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "compressed blob inside a compressed blob");
    rdbl__pitem x;
    RDBL__TRY(rdbl__p_blob(P, &x, 0, true));
    rdbl__p_resolve(P, &x);
    uint8_t *buf = NULL;
    size_t n = 0;
    if (op == 201)
        RDBL__TRY(df_zstd(P, at, x.it.ptr, x.it.len, &buf, &n));
    else
        RDBL__TRY(df_lz4(P, at, x.it.ptr, x.it.len, &buf, &n));

    rdbl_source *inner = NULL;
    rdbl_error serr = {0};
    if (rdbl_source_open_mem(&inner, buf, n, NULL, &serr) != RDBL_OK) {
        free(buf);
        return rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
    }
    /* Park the outer stream; the inner records run on their own window. */
    rdbl_source *outer = P->src;
    const uint8_t *win = P->win, *cur = P->cur, *lim = P->lim;
    uint64_t win_off = P->win_off;
    bool crc_on = P->crc_on;
    static const uint8_t empty[1];
    P->src = inner;
    P->win = P->cur = P->lim = empty;
    P->win_off = 0;
    P->crc_on = false;
    P->nested = true;
    P->nested_at = at;
    rdbl_status st = rdbl__p_records(P);
    if (st != RDBL_OK && P->err->code == st && !P->stop) {
        /* Report the blob's place in the file; keep the inner offset in the text. */
        char note[64];
        snprintf(note, sizeof note, " (at +%" PRIu64 " in the decompressed blob)",
                 P->err->offset);
        size_t l = strlen(P->err->msg);
        if (l + strlen(note) < sizeof P->err->msg)
            memcpy(P->err->msg + l, note, strlen(note) + 1);
        P->err->offset = at;
    }
    P->nested = false;
    P->src = outer;
    P->win = win;
    P->cur = cur;
    P->lim = lim;
    P->win_off = win_off;
    P->crc_on = crc_on;
    rdbl_source_free(inner);
    free(buf);
    return st;
}

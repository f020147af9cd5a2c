/* LZF: one-shot decompression (liblzf) and an incremental decoder.
 *
 * Token stream (rdb-format.md §3.2; liblzf lzf_d.c is the ground truth):
 *
 *   000LLLLL <L+1 literal bytes>                  literal run, 1..32 bytes
 *   NNNOOOOO [EEEEEEEE] oooooooo                  back-reference, NNN != 0:
 *       length = NNN + 2, or 7 + EEEEEEEE + 2 when NNN == 7   (3..264)
 *       distance = (OOOOO << 8 | oooooooo) + 1              (1..8192)
 *       copies byte by byte from output - distance (may overlap itself)
 *
 * The compressed data must produce exactly ulen bytes (redis rejects any
 * other count). Since no reference reaches back more than 8192 bytes, the
 * stream decoder keeps only an 8 KiB history in front of a 64 KiB output
 * window, so a value of any size is decoded in bounded memory, from input
 * cut anywhere (a token may straddle two feeds).
 *
 * Whole blobs (rdbl__lzf_decompress) go through lzf_fast(): the same
 * accept/reject decisions as liblzf's lzf_decompress() (which stays the
 * reference of the tests and of fuzz_lzf_ref), with wide copies: a literal
 * run or a back-reference at distance >= 16 is copied 16 or 32 bytes at a
 * time when both buffers have that much room past it, byte by byte (or as
 * a fill, distance 1) otherwise. Only a failure is decoded again, by the
 * stream decoder, to say where and why. */
#include <inttypes.h>
#include <stdlib.h>

#include "parser/blob.h"

#define LZF_HIST 8192u             /* largest back-reference distance */
#define LZF_WIN (64u * 1024u)      /* output window = largest emitted piece */
#define LZF_BUF (LZF_HIST + LZF_WIN)
#define LZF_MAX_REF 264u           /* longest back-reference */
#define LZF_FAST_IN 34u            /* input that holds any whole token */

struct rdbl__lzf_stream {
    uint64_t ulen;      /* exact expected output size */
    uint64_t out;       /* bytes produced so far */
    uint64_t in;        /* compressed bytes consumed so far (error offsets) */
    uint64_t tok_start; /* compressed offset of the token being decoded */
    size_t pos;         /* write position in buf */
    size_t emitted;     /* buf[emitted..pos) is produced but not yet emitted */
    uint32_t lit_left;  /* literal bytes of the current token still to copy */
    uint8_t hdr[3];     /* a back-reference header cut by the end of a feed */
    uint8_t hdr_have, hdr_need;
    bool dead;          /* after an error or a stop: see blob.h */
    uint8_t buf[LZF_BUF];
};

/* Stream decoder ------------------------------------------------------- */

rdbl__lzf_stream *rdbl__lzf_stream_new(uint64_t ulen)
{
    rdbl__lzf_stream *z = malloc(sizeof *z);
    if (!z)
        return NULL;
    z->ulen = ulen;
    z->out = z->in = z->tok_start = 0;
    z->pos = z->emitted = 0;
    z->lit_left = 0;
    z->hdr_have = z->hdr_need = 0;
    z->dead = false;
    return z;
}

void rdbl__lzf_stream_free(rdbl__lzf_stream *z)
{
    free(z);
}

/* Emits what is pending. */
static int lzf_emit_pending(rdbl__lzf_stream *z, rdbl__lzf_emit emit, void *ud)
{
    size_t n = z->pos - z->emitted;
    if (n == 0)
        return 0;
    int r = emit(ud, z->buf + z->emitted, n);
    z->emitted = z->pos;
    return r;
}

/* Emits what is pending, then keeps only the last LZF_HIST bytes as history
 * so that a whole LZF_WIN of room lies ahead. */
static int lzf_make_room(rdbl__lzf_stream *z, rdbl__lzf_emit emit, void *ud)
{
    int r = lzf_emit_pending(z, emit, ud);
    if (z->pos > LZF_HIST) {
        memmove(z->buf, z->buf + z->pos - LZF_HIST, LZF_HIST);
        z->pos = z->emitted = LZF_HIST;
    }
    return r;
}

/* Where the current window ends: pieces stay <= LZF_WIN bytes. */
static inline size_t lzf_limit(const rdbl__lzf_stream *z)
{
    size_t lim = z->emitted + LZF_WIN;
    return lim < LZF_BUF ? lim : LZF_BUF;
}

/* Errors kill the context (see blob.h): mark it, then fill e. */
#define LZF_FAIL(z, e, off, ...) \
    ((z)->dead = true, rdbl__berr_fail((e), (size_t)(off), __VA_ARGS__))

/* Copies a back-reference of n bytes at distance d (both checked). */
static inline void lzf_copy_ref(uint8_t *buf, size_t pos, size_t d, size_t n)
{
    uint8_t *o = buf + pos;
    const uint8_t *r = o - d;
    if (d >= n) {
        memcpy(o, r, n);
    } else if (d == 1) {
        memset(o, r[0], n);
    } else {
        for (size_t i = 0; i < n; i++) /* overlapping: repeats the last d bytes */
            o[i] = r[i];
    }
}

/* Checks and performs a back-reference (room was made by the caller). */
static inline int lzf_ref(rdbl__lzf_stream *z, size_t d, size_t n, rdbl__berr *e)
{
    if (RDBL_UNLIKELY(d > z->out))
        return LZF_FAIL(z, e, z->tok_start,
                        "LZF back-reference to %" PRIu64 " bytes back, only %" PRIu64
                        " bytes produced",
                        (uint64_t)d, z->out);
    if (RDBL_UNLIKELY(n > z->ulen - z->out))
        return LZF_FAIL(z, e, z->tok_start,
                        "LZF back-reference of %" PRIu64 " bytes overruns the %" PRIu64
                        "-byte output",
                        (uint64_t)n, z->ulen);
    lzf_copy_ref(z->buf, z->pos, d, n);
    z->pos += n;
    z->out += n;
    return 0;
}

int rdbl__lzf_stream_feed(rdbl__lzf_stream *z, const uint8_t *in, size_t inlen,
                          rdbl__lzf_emit emit, void *ud, rdbl__berr *e)
{
    if (z->dead)
    {
        rdbl__berr_fail(e, 0, "LZF stream used after an error");
        return RDBL_USAGE;
    }
    int r;
    if (inlen == 0) /* in may be NULL: do not even form in + 0 */
        goto done;
    const uint8_t *ip = in;
    const uint8_t *const ie = in + inlen;
    for (;;) {
        /* 1. the rest of a literal run begun in an earlier feed (or below) */
        if (z->lit_left) {
            size_t lim = lzf_limit(z);
            if (z->pos == lim) {
                if ((r = lzf_make_room(z, emit, ud)) != 0)
                    goto stopped;
                continue;
            }
            size_t k = z->lit_left;
            if (k > (size_t)(ie - ip))
                k = (size_t)(ie - ip);
            if (k > lim - z->pos)
                k = lim - z->pos;
            if (k == 0)
                break; /* input used up */
            memcpy(z->buf + z->pos, ip, k);
            ip += k;
            z->pos += k;
            z->out += k;
            z->lit_left -= (uint32_t)k;
            continue;
        }
        /* 2. a back-reference header cut by the end of an earlier feed */
        if (z->hdr_have) {
            while (z->hdr_have < z->hdr_need && ip < ie)
                z->hdr[z->hdr_have++] = *ip++;
            if (z->hdr_have < z->hdr_need)
                break;
            if (LZF_MAX_REF > lzf_limit(z) - z->pos && (r = lzf_make_room(z, emit, ud)) != 0)
                goto stopped;
            unsigned c = z->hdr[0];
            size_t n = (c >> 5) + 2, lo;
            if ((c >> 5) == 7) {
                n += z->hdr[1];
                lo = z->hdr[2];
            } else {
                lo = z->hdr[1];
            }
            z->hdr_have = 0;
            if ((r = lzf_ref(z, ((size_t)(c & 0x1F) << 8 | lo) + 1, n, e)) != 0)
                return r;
            continue;
        }
        if (ip == ie)
            break;
        /* 3. whole tokens while the input surely holds them and the window
         * has room for the longest: no partial-token state to track */
        if (LZF_MAX_REF > lzf_limit(z) - z->pos) {
            if ((r = lzf_make_room(z, emit, ud)) != 0)
                goto stopped;
        }
        size_t lim = lzf_limit(z) - LZF_MAX_REF;
        while ((size_t)(ie - ip) >= LZF_FAST_IN && z->pos <= lim) {
            unsigned c = *ip;
            z->tok_start = z->in + (uint64_t)(ip - in);
            if (c < 32) {
                size_t n = c + 1;
                if (RDBL_UNLIKELY(n > z->ulen - z->out)) {
                    z->in += (uint64_t)(ip - in);
                    return LZF_FAIL(z, e, z->tok_start,
                                    "LZF literal of %" PRIu64 " bytes overruns the %" PRIu64
                                    "-byte output",
                                    (uint64_t)n, z->ulen);
                }
                memcpy(z->buf + z->pos, ip + 1, n);
                ip += 1 + n;
                z->pos += n;
                z->out += n;
            } else {
                size_t n = (c >> 5) + 2, lo;
                if ((c >> 5) == 7) {
                    n += ip[1];
                    lo = ip[2];
                    ip += 3;
                } else {
                    lo = ip[1];
                    ip += 2;
                }
                if ((r = lzf_ref(z, ((size_t)(c & 0x1F) << 8 | lo) + 1, n, e)) != 0) {
                    z->in += (uint64_t)(ip - in);
                    return r;
                }
            }
        }
        if (ip == ie || z->pos > lim)
            continue; /* done, or make room first */
        /* 4. a token near the end of this feed: start it, state does the rest */
        unsigned c = *ip++;
        z->tok_start = z->in + (uint64_t)(ip - 1 - in);
        if (c < 32) {
            if (c + 1 > z->ulen - z->out) {
                z->in += (uint64_t)(ip - in);
                return LZF_FAIL(z, e, z->tok_start,
                                "LZF literal of %" PRIu64 " bytes overruns the %" PRIu64
                                "-byte output",
                                (uint64_t)c + 1, z->ulen);
            }
            z->lit_left = c + 1;
        } else {
            z->hdr[0] = (uint8_t)c;
            z->hdr_have = 1;
            z->hdr_need = (c >> 5) == 7 ? 3 : 2;
        }
    }
    z->in += inlen;
done:
    if ((r = lzf_emit_pending(z, emit, ud)) != 0)
        goto stopped;
    return 0;
stopped:
    z->dead = true;
    return r;
}

rdbl_status rdbl__lzf_stream_finish(rdbl__lzf_stream *z, rdbl__berr *e)
{
    if (z->dead)
    {
        rdbl__berr_fail(e, 0, "LZF stream used after an error");
        return RDBL_USAGE;
    }
    if (z->lit_left || z->hdr_have) {
        z->dead = true;
        return rdbl__berr_fail(e, (size_t)z->tok_start,
                               "LZF data ends inside a token (%" PRIu64 " compressed bytes)",
                               z->in);
    }
    if (z->out != z->ulen) {
        z->dead = true;
        return rdbl__berr_fail(e, (size_t)z->in,
                               "LZF data produced %" PRIu64 " bytes, expected %" PRIu64, z->out,
                               z->ulen);
    }
    return RDBL_OK;
}

/* One-shot ------------------------------------------------------------- */

struct lzf_sink {
    uint8_t *out;
    size_t cap, n;
};

static int lzf_sink_put(void *ud, const uint8_t *p, size_t n)
{
    struct lzf_sink *s = ud;
    if (NEVER(n > s->cap - s->n)) /* the decoder stops at ulen */
        return RDBL_CORRUPT;
    memcpy(s->out + s->n, p, n);
    s->n += n;
    return 0;
}

/* Copies 16 bytes; the compiler makes it one vector load and store. */
static inline void copy16(uint8_t *d, const uint8_t *s)
{
    memcpy(d, s, 16);
}

/* Decodes in[0..clen) into out[0..ulen). @return true when every token is
 * whole, every back-reference points into what was produced, nothing
 * overruns ulen, and exactly ulen bytes come out: liblzf's success (it
 * returns ulen) in every case. Bounds are checked on the remaining byte
 * counts before each read or write; no pointer is formed past either
 * buffer. */
static bool lzf_fast(const uint8_t *in, size_t clen, uint8_t *out, size_t ulen)
{
    const uint8_t *ip = in;
    size_t in_left = clen;
    uint8_t *op = out;
    size_t out_left = ulen;
    /* While the longest token (a 33-byte literal run, a 3-byte reference)
     * and the widest copy of either (32 bytes, 264 rounded up to 16) fit in
     * both buffers, the only possible failure is a reference before the
     * start: no other check. The checked loop below does the rest. */
    while (in_left >= 33 && out_left >= 272) {
        unsigned c = *ip++;
        if (c < 32) {
            size_t n = (size_t)c + 1;
            copy16(op, ip);
            copy16(op + 16, ip + 16); /* the bytes past n are rewritten later */
            ip += n;
            in_left -= n + 1;
            op += n;
            out_left -= n;
            continue;
        }
        size_t n = c >> 5;
        if (n == 7)
            n += *ip++;
        size_t d = ((size_t)(c & 0x1F) << 8 | *ip++) + 1;
        n += 2;
        in_left = clen - (size_t)(ip - in);
        if (RDBL_UNLIKELY(d > (size_t)(op - out)))
            return false;
        const uint8_t *r = op - d;
        if (d >= 16) {
            for (size_t i = 0; i < n; i += 16)
                copy16(op + i, r + i);
        } else if (d == 1) {
            memset(op, r[0], n);
        } else {
            for (size_t i = 0; i < n; i++)
                op[i] = r[i];
        }
        op += n;
        out_left -= n;
    }
    while (in_left) {
        unsigned c = *ip++;
        in_left--;
        if (c < 32) {
            /* literal run of c + 1 bytes */
            size_t n = (size_t)c + 1;
            if (RDBL_UNLIKELY(n > out_left || n > in_left))
                return false;
            if (RDBL_LIKELY(in_left >= 32 && out_left >= 32)) {
                copy16(op, ip);
                copy16(op + 16, ip + 16); /* the bytes past n are rewritten later */
            } else {
                memcpy(op, ip, n);
            }
            ip += n;
            in_left -= n;
            op += n;
            out_left -= n;
            continue;
        }
        /* back-reference: length (c >> 5) + 2, or 9 + the next byte */
        size_t n = c >> 5;
        if (RDBL_UNLIKELY(in_left == 0))
            return false;
        if (n == 7) {
            n += *ip++;
            in_left--;
            if (RDBL_UNLIKELY(in_left == 0))
                return false;
        }
        size_t d = ((size_t)(c & 0x1F) << 8 | *ip++) + 1;
        in_left--;
        n += 2;
        size_t produced = (size_t)(op - out);
        if (RDBL_UNLIKELY(n > out_left || d > produced))
            return false;
        const uint8_t *r = op - d;
        if (d >= 16 && out_left - n >= 15) {
            /* each 16-byte step reads only bytes already written */
            for (size_t i = 0; i < n; i += 16)
                copy16(op + i, r + i);
        } else if (d == 1) {
            memset(op, r[0], n);
        } else {
            for (size_t i = 0; i < n; i++) /* overlapping: repeats the last d bytes */
                op[i] = r[i];
        }
        op += n;
        out_left -= n;
    }
    return out_left == 0;
}

/* Runs the stream decoder over the whole input, to explain lzf_fast()'s
 * failures (it only says no). */
static rdbl_status lzf_decode_by_stream(const uint8_t *in, size_t clen, uint8_t *out,
                                        size_t ulen, rdbl__berr *e)
{
    rdbl__lzf_stream *z = rdbl__lzf_stream_new(ulen);
    if (!z)
        return RDBL_NOMEM;
    struct lzf_sink sink = {out, ulen, 0};
    int r = rdbl__lzf_stream_feed(z, in, clen, lzf_sink_put, &sink, e);
    rdbl_status st = r == 0 ? rdbl__lzf_stream_finish(z, e) : (rdbl_status)r;
    rdbl__lzf_stream_free(z);
    return st;
}

rdbl_status rdbl__lzf_decompress(const uint8_t *in, size_t clen, uint8_t *out, size_t ulen,
                                 rdbl__berr *e)
{
    if (!rdbl__lzf_ulen_plausible(clen, ulen))
        return rdbl__berr_fail(e, 0,
                               "LZF ulen %zu is implausible for %zu compressed bytes (max 88:1)",
                               ulen, clen);
    /* liblzf returns 0 for errors, so the empty cases are decided here: no
     * token produces 0 bytes, and every token produces at least one. */
    if (ulen == 0 || clen == 0) {
        if (ulen == 0 && clen == 0)
            return RDBL_OK;
        return rdbl__berr_fail(e, 0, "LZF data of %zu bytes cannot produce %zu bytes", clen,
                               ulen);
    }
    if (RDBL_LIKELY(lzf_fast(in, clen, out, ulen)))
        return RDBL_OK;
    /* Failure is rare: decode again to say where and why. */
    rdbl_status st = lzf_decode_by_stream(in, clen, out, ulen, e);
    if (NEVER(st == RDBL_OK)) /* both decoders must agree; say so if not */
        return rdbl__berr_fail(e, 0, "LZF data rejected by one decoder only (%zu bytes)",
                               ulen);
    return st;
}

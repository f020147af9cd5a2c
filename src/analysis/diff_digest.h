/* The per-element steps of the value digest (src/analysis/diff_digest.c
 * says what a digest is), inline: the parsing thread calls them once per
 * element of every collection (bench-1g: ~55 million a file), and as calls
 * they took a quarter of that thread in a diff. */
#ifndef RDBL_DIFF_DIGEST_H
#define RDBL_DIFF_DIGEST_H

#include <string.h>

#include "agg/agg_internal.h"
#include "analysis/analysis_int.h"
#include "internal.h"

#define RDBL__VD_K1 0x9e3779b97f4a7c15ULL
#define RDBL__VD_K2 0xc2b2ae3d27d4eb4fULL

static inline uint64_t vd__rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline void vd__word(rdbl__vdigest *d, uint64_t w)
{
    d->h = vd__rotl(d->h ^ (w * RDBL__VD_K1), 29) * RDBL__VD_K2;
}

/* A whole byte run in one go: 8-byte words, the last one loaded so that it
 * ends at the run's end (overlapping the one before), short runs from two
 * overlapping 4-byte loads or three bytes. The length goes in too, so
 * overlaps cannot make two runs agree. Not finalised: the element's close
 * mixes. */
static inline uint64_t vd__run_hash(const uint8_t *p, size_t n)
{
    uint64_t h = (uint64_t)n * RDBL__VD_K2 + RDBL__VD_K1;
    uint64_t last;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            h = vd__rotl(h ^ (rdbl__le64(p + i) * RDBL__VD_K1), 29) * RDBL__VD_K2;
        last = rdbl__le64(p + n - 8);
    } else if (n >= 4) {
        last = (uint64_t)rdbl__le32(p) << 32 | rdbl__le32(p + n - 4);
    } else if (n) {
        last = (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
    } else {
        last = 0;
    }
    return vd__rotl(h ^ (last * RDBL__VD_K1), 29) * RDBL__VD_K2;
}

/* Whether p[0..n) is an integer's canonical decimal text (what Redis would
 * store as an integer: optional '-', no leading zeros, fits in 64 bits). */
static inline bool vd__canon_int(const uint8_t *p, size_t n, int64_t *v)
{
    if (n == 0 || n > 20)
        return false;
    bool neg = p[0] == '-';
    size_t i = neg;
    if (i == n || p[i] < '0' || p[i] > '9' || (p[i] == '0' && (n > 1 || neg)))
        return false;
    uint64_t u = 0;
    for (; i < n; i++) {
        unsigned c = (unsigned)p[i] - '0';
        if (c > 9 || u > (UINT64_MAX - c) / 10)
            return false;
        u = u * 10 + c;
    }
    if (neg ? u > (uint64_t)INT64_MAX + 1 : u > (uint64_t)INT64_MAX)
        return false;
    *v = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

static inline uint64_t vd__int_hash(int64_t v)
{
    return vd__rotl((uint64_t)v * RDBL__VD_K2 ^ RDBL__VD_K1, 31) * RDBL__VD_K1;
}

static inline uint64_t vd__item_hash(const rdbl_item *it)
{
    int64_t v;
    if (it->is_int)
        return vd__int_hash(it->ival);
    if (it->len <= 20 && vd__canon_int(it->ptr, it->len, &v))
        return vd__int_hash(v);
    return vd__run_hash(it->ptr, it->len);
}

/* One part of the current element (a member, a field, a value, a TTL):
 * the parts of an element keep their order. */
static inline void vd__part(rdbl__vdigest *d, uint64_t ph)
{
    d->eh = vd__rotl(d->eh ^ ph, 23) * RDBL__VD_K1 + RDBL__VD_K2;
    d->parts++;
}

static inline void rdbl__vd_bytes(rdbl__vdigest *d, const void *data, size_t n)
{
    const uint8_t *p = data;
    d->len += n;
    /* complete a word left over from the last call */
    while (d->ntail && d->ntail < 8 && n) {
        d->tail |= (uint64_t)*p++ << (8 * d->ntail++);
        n--;
    }
    if (d->ntail == 8) {
        vd__word(d, d->tail);
        d->tail = 0;
        d->ntail = 0;
    }
    for (; n >= 8; p += 8, n -= 8)
        vd__word(d, rdbl__le64(p));
    for (size_t i = 0; i < n; i++)
        d->tail |= (uint64_t)p[i] << (8 * d->ntail++);
}

static inline void rdbl__vd_u64(rdbl__vdigest *d, uint64_t v)
{
    vd__part(d, vd__rotl(v * RDBL__VD_K1 ^ RDBL__VD_K2, 27) * RDBL__VD_K2);
}

static inline void rdbl__vd_item(rdbl__vdigest *d, const rdbl_item *it)
{
    vd__part(d, vd__item_hash(it));
}

/* The element is mixed once; an ordered collection chains them. */
static inline void vd__close_elem(rdbl__vdigest *d)
{
    uint64_t h = rdbl__mix64(d->eh ^ (d->parts * RDBL__VD_K1));
    if (d->unordered)
        d->acc += h;
    else
        d->acc = (vd__rotl(d->acc, 31) ^ h) * RDBL__VD_K1;
    d->items++;
    d->eh = 0;
    d->parts = 0;
}

static inline void rdbl__vd_elem(rdbl__vdigest *d, const rdbl_item *it)
{
    vd__part(d, vd__item_hash(it));
    vd__close_elem(d);
}

static inline void rdbl__vd_close(rdbl__vdigest *d)
{
    if (d->len || d->ntail) { /* a streamed run (string chunks): one more part */
        if (d->ntail)
            vd__word(d, d->tail);
        vd__part(d, d->h ^ (d->len * RDBL__VD_K1) ^ RDBL__VD_K2);
    }
    vd__close_elem(d);
    d->h = 0;
    d->len = 0;
    d->tail = 0;
    d->ntail = 0;
}

/* A string value's chunk (off: its first byte's offset, total: the value's
 * length). A value that is an integer's canonical text, stored as an
 * integer or as text, is one part made from the integer: such a value has
 * at most 20 bytes, so the parser hands it over whole, and the decimal
 * text that made it a byte run cost 3% of a bench-1g diff. Other values
 * are byte runs, the same whatever their chunks. */
static inline void rdbl__vd_string(rdbl__vdigest *d, const rdbl_item *chunk, uint64_t off,
                                   uint64_t total)
{
    int64_t v;
    if (chunk->is_int && off == 0 && chunk->len == total) {
        vd__part(d, vd__int_hash(chunk->ival) ^ RDBL__VD_K2);
    } else if (!chunk->is_int && off == 0 && chunk->len == total && chunk->len <= 20 &&
               vd__canon_int(chunk->ptr, chunk->len, &v)) {
        vd__part(d, vd__int_hash(v) ^ RDBL__VD_K2);
    } else if (chunk->is_int) {
        char buf[24];
        rdbl__vd_bytes(d, buf, rdbl__vd_int_text(chunk->ival, buf));
    } else {
        rdbl__vd_bytes(d, chunk->ptr, chunk->len);
    }
}

#endif

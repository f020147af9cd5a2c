/* Value digests for `rdblens diff`: a 64-bit fingerprint of a key's value,
 * computed from the parser's value events while they stream by, so two
 * snapshots can tell a changed value from an unchanged one without holding
 * either.
 *
 * What counts as the same value is what a client sees, not how the file
 * stores it: an integer is hashed as its decimal text (an intset member and
 * a hashtable member "42" agree), a string's chunks are hashed as one byte
 * run whatever their boundaries, and sets, hashes and sorted sets are
 * hashed as the sum of their elements' hashes, since two saves of the same
 * collection may list the elements in another order (hash table
 * iteration). Lists and streams keep their order. Module values are known
 * by their module name and payload size only (their content is skipped). */
#include <string.h>

#include "agg/agg_internal.h"
#include "analysis/analysis_int.h"
#include "internal.h"

#define K1 0x9e3779b97f4a7c15ULL
#define K2 0xc2b2ae3d27d4eb4fULL

static inline uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline void word(rdbl__vdigest *d, uint64_t w)
{
    d->h = rotl(d->h ^ (w * K1), 29) * K2;
}

/* A whole byte run in one go: 8-byte words, the last one loaded so that it
 * ends at the run's end (overlapping the one before), short runs from two
 * overlapping 4-byte loads or three bytes. The length goes in too, so
 * overlaps cannot make two runs agree. */
static inline uint64_t run_hash(const uint8_t *p, size_t n)
{
    uint64_t h = (uint64_t)n * K2 + K1;
    uint64_t last;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            h = rotl(h ^ (rdbl__le64(p + i) * K1), 29) * K2;
        last = rdbl__le64(p + n - 8);
    } else if (n >= 4) {
        last = (uint64_t)rdbl__le32(p) << 32 | rdbl__le32(p + n - 4);
    } else if (n) {
        last = (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
    } else {
        last = 0;
    }
    return rdbl__mix64(h ^ (last * K1));
}

/* One part of the current element (a member, a field, a value, a TTL):
 * the parts of an element keep their order. */
static inline void part(rdbl__vdigest *d, uint64_t ph)
{
    d->eh = rotl(d->eh ^ ph, 23) * K1 + K2;
    d->parts++;
}

void rdbl__vd_begin(rdbl__vdigest *d, rdbl_type type)
{
    memset(d, 0, sizeof *d);
    d->unordered = type == RDBL_TYPE_SET || type == RDBL_TYPE_ZSET || type == RDBL_TYPE_HASH;
    d->acc = (uint64_t)type * K2 + 1;
}

void rdbl__vd_bytes(rdbl__vdigest *d, const void *data, size_t n)
{
    const uint8_t *p = data;
    d->len += n;
    /* complete a word left over from the last call */
    while (d->ntail && d->ntail < 8 && n) {
        d->tail |= (uint64_t)*p++ << (8 * d->ntail++);
        n--;
    }
    if (d->ntail == 8) {
        word(d, d->tail);
        d->tail = 0;
        d->ntail = 0;
    }
    for (; n >= 8; p += 8, n -= 8)
        word(d, rdbl__le64(p));
    for (size_t i = 0; i < n; i++)
        d->tail |= (uint64_t)p[i] << (8 * d->ntail++);
}

void rdbl__vd_u64(rdbl__vdigest *d, uint64_t v)
{
    part(d, rdbl__mix64(v ^ K2));
}

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

size_t rdbl__vd_int_text(int64_t v, char buf[24])
{
    char tmp[24];
    size_t n = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        tmp[--n] = digit_pairs[2 * r + 1];
        tmp[--n] = digit_pairs[2 * r];
    }
    if (u >= 10) {
        tmp[--n] = digit_pairs[2 * u + 1];
        tmp[--n] = digit_pairs[2 * u];
    } else {
        tmp[--n] = (char)('0' + u);
    }
    size_t o = 0;
    if (v < 0)
        buf[o++] = '-';
    memcpy(buf + o, tmp + n, sizeof tmp - n);
    return o + sizeof tmp - n;
}

void rdbl__vd_item(rdbl__vdigest *d, const rdbl_item *it)
{
    if (it->is_int) {
        char buf[24];
        part(d, run_hash((const uint8_t *)buf, rdbl__vd_int_text(it->ival, buf)));
    } else {
        part(d, run_hash(it->ptr, it->len));
    }
}

void rdbl__vd_close(rdbl__vdigest *d)
{
    if (d->len || d->ntail) { /* a streamed run (string chunks): one more part */
        if (d->ntail)
            word(d, d->tail);
        part(d, rdbl__mix64(d->h ^ (d->len * K1) ^ K2));
    }
    uint64_t h = rdbl__mix64(d->eh ^ (d->parts * K1));
    if (d->unordered)
        d->acc += h;
    else
        d->acc = rdbl__mix64(rotl(d->acc, 31) ^ h);
    d->items++;
    d->h = 0;
    d->len = 0;
    d->tail = 0;
    d->ntail = 0;
    d->eh = 0;
    d->parts = 0;
}

uint64_t rdbl__vd_end(rdbl__vdigest *d)
{
    if (d->len || d->ntail || d->parts)
        rdbl__vd_close(d);
    return rdbl__mix64(d->acc ^ (d->items * K1));
}

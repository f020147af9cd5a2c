/* Value digests for `rdblens diff`: a 64-bit fingerprint of a key's value,
 * computed from the parser's value events while they stream by, so two
 * snapshots can tell a changed value from an unchanged one without holding
 * either.
 *
 * What counts as the same value is what a client sees, not how the file
 * stores it: an integer and its canonical decimal text hash alike (an
 * intset member 42 and a hashtable member "42" agree; "042" or "+42" are
 * other strings, as for Redis), a string's chunks are hashed as one byte
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
 * overlaps cannot make two runs agree. Not finalised: the element's close
 * mixes. */
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
    return rotl(h ^ (last * K1), 29) * K2;
}

/* Whether p[0..n) is an integer's canonical decimal text (what Redis would
 * store as an integer: optional '-', no leading zeros, fits in 64 bits). */
static inline bool canon_int(const uint8_t *p, size_t n, int64_t *v)
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

static inline uint64_t int_hash(int64_t v)
{
    return rotl((uint64_t)v * K2 ^ K1, 31) * K1;
}

static inline uint64_t item_hash(const rdbl_item *it)
{
    int64_t v;
    if (it->is_int)
        return int_hash(it->ival);
    if (it->len <= 20 && canon_int(it->ptr, it->len, &v))
        return int_hash(v);
    return run_hash(it->ptr, it->len);
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
    part(d, rotl(v * K1 ^ K2, 27) * K2);
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
    part(d, item_hash(it));
}

/* The element is mixed once; an ordered collection chains them. */
static inline void close_elem(rdbl__vdigest *d)
{
    uint64_t h = rdbl__mix64(d->eh ^ (d->parts * K1));
    if (d->unordered)
        d->acc += h;
    else
        d->acc = (rotl(d->acc, 31) ^ h) * K1;
    d->items++;
    d->eh = 0;
    d->parts = 0;
}

void rdbl__vd_elem(rdbl__vdigest *d, const rdbl_item *it)
{
    part(d, item_hash(it));
    close_elem(d);
}

void rdbl__vd_close(rdbl__vdigest *d)
{
    if (d->len || d->ntail) { /* a streamed run (string chunks): one more part */
        if (d->ntail)
            word(d, d->tail);
        part(d, d->h ^ (d->len * K1) ^ K2);
    }
    close_elem(d);
    d->h = 0;
    d->len = 0;
    d->tail = 0;
    d->ntail = 0;
}

uint64_t rdbl__vd_end(rdbl__vdigest *d)
{
    if (d->len || d->ntail || d->parts)
        rdbl__vd_close(d);
    return rdbl__mix64(d->acc ^ (d->items * K1));
}

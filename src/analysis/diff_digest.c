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
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        word(d, w);
    }
    for (size_t i = 0; i < n; i++)
        d->tail |= (uint64_t)p[i] << (8 * d->ntail++);
}

void rdbl__vd_u64(rdbl__vdigest *d, uint64_t v)
{
    rdbl__vd_bytes(d, &v, sizeof v);
}

size_t rdbl__vd_int_text(int64_t v, char buf[24])
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t o = 0;
    if (v < 0)
        buf[o++] = '-';
    while (n)
        buf[o++] = tmp[--n];
    return o;
}

void rdbl__vd_item(rdbl__vdigest *d, const rdbl_item *it)
{
    if (it->is_int) {
        char buf[24];
        size_t n = rdbl__vd_int_text(it->ival, buf);
        rdbl__vd_u64(d, n);
        rdbl__vd_bytes(d, buf, n);
    } else {
        rdbl__vd_u64(d, it->len);
        rdbl__vd_bytes(d, it->ptr, it->len);
    }
}

void rdbl__vd_close(rdbl__vdigest *d)
{
    if (d->ntail)
        word(d, d->tail);
    uint64_t h = rdbl__mix64(d->h ^ (d->len * K1) ^ K2);
    if (d->unordered)
        d->acc += h;
    else
        d->acc = rdbl__mix64(rotl(d->acc, 31) ^ h);
    d->items++;
    d->h = 0;
    d->len = 0;
    d->tail = 0;
    d->ntail = 0;
}

uint64_t rdbl__vd_end(rdbl__vdigest *d)
{
    if (d->len || d->ntail)
        rdbl__vd_close(d);
    return rdbl__mix64(d->acc ^ (d->items * K1));
}

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
#include "analysis/diff_digest.h"

void rdbl__vd_begin(rdbl__vdigest *d, rdbl_type type)
{
    memset(d, 0, sizeof *d);
    d->unordered = type == RDBL_TYPE_SET || type == RDBL_TYPE_ZSET || type == RDBL_TYPE_HASH;
    d->acc = (uint64_t)type * RDBL__VD_K2 + 1;
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

uint64_t rdbl__vd_end(rdbl__vdigest *d)
{
    if (d->len || d->ntail || d->parts)
        rdbl__vd_close(d);
    return rdbl__mix64(d->acc ^ (d->items * RDBL__VD_K1));
}

/* Intset: validation (including the ordering, which is cheap) and iterator.
 *
 * Layout (rdb-format.md §6.3; redis src/intset.c is the ground truth):
 *
 *   <encoding:u32le> <length:u32le> <length x int<encoding*8>_t LE>
 *
 * encoding is the byte width of every member: 2, 4 or 8. Members are sorted
 * strictly increasing (no duplicates); redis rejects an empty intset, and so
 * do we: an intset is always a whole set value, and sets are never empty. */
#include <inttypes.h>

#include "parser/blob.h"

#define IS_HDR 8u

static inline int64_t is_get(const uint8_t *p, uint32_t width)
{
    if (width == 2)
        return (int16_t)rdbl__le16(p);
    if (width == 4)
        return (int32_t)rdbl__le32(p);
    uint64_t u = rdbl__le64(p);
    int64_t v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* The members' text lengths, summed. The members are sorted, so they come
 * in runs of one text length: *tl is v's, and the run ends before *hi (work
 * done when a member leaves a run: at most ~40 times per intset). */
static inline void is_run(int64_t v, int64_t *hi, size_t *tl)
{
    static const int64_t pow10[19] = {
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
        10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000,
        1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000};
    size_t t = rdbl__i64_textlen_inline(v);
    *tl = t;
    if (v >= 0) /* t digits: up to 10^t (exclusive), or the top of the range */
        *hi = t >= 19 ? INT64_MAX : pow10[t];
    else /* a sign and t - 1 digits: up to -10^(t-2), inclusive */
        *hi = t == 2 ? 0 : 1 - pow10[t - 2];
}

/* Checks the order of n members of the given width; adds their text lengths
 * to *bytes. @return SIZE_MAX, or the index of the first member that is not
 * greater than the previous one. */
static inline size_t is_walk(const uint8_t *p, uint32_t n, uint32_t width, uint64_t *bytes)
{
    int64_t prev = is_get(p, width);
    int64_t hi;
    size_t tl;
    is_run(prev, &hi, &tl);
    uint64_t sum = tl;
    for (uint32_t i = 1; i < n; i++) {
        int64_t v = is_get(p + (size_t)i * width, width);
        if (RDBL_UNLIKELY(v <= prev))
            return i;
        if (RDBL_UNLIKELY(v >= hi))
            is_run(v, &hi, &tl);
        sum += tl;
        prev = v;
    }
    *bytes = sum;
    return SIZE_MAX;
}

rdbl_status rdbl__is_validate(const uint8_t *is, size_t len, rdbl__blob_info *info,
                              rdbl__berr *e)
{
    if (len < IS_HDR)
        return rdbl__berr_fail(e, 0, "intset of %zu bytes is shorter than its 8-byte header",
                               len);
    uint32_t width = rdbl__le32(is);
    if (width != 2 && width != 4 && width != 8)
        return rdbl__berr_fail(e, 0, "intset encoding %" PRIu32 " is not 2, 4 or 8", width);
    uint32_t n = rdbl__le32(is + 4);
    uint64_t want = IS_HDR + (uint64_t)n * width;
    if (want != len)
        return rdbl__berr_fail(e, 4,
                               "intset of %" PRIu32 " members of %" PRIu32 " bytes needs %" PRIu64
                               " bytes, blob has %zu",
                               n, width, want, len);
    if (n == 0)
        return rdbl__berr_fail(e, 4, "intset is empty");
    uint64_t bytes = 0;
    size_t bad = SIZE_MAX;
    switch (width) {
    case 2:
        bad = is_walk(is + IS_HDR, n, 2, &bytes);
        break;
    case 4:
        bad = is_walk(is + IS_HDR, n, 4, &bytes);
        break;
    default:
        bad = is_walk(is + IS_HDR, n, 8, &bytes);
        break;
    }
    if (bad != SIZE_MAX) {
        const uint8_t *p = is + IS_HDR + bad * width;
        return rdbl__berr_fail(e, IS_HDR + bad * width,
                               "intset member %zu (%" PRId64
                               ") is not greater than the previous one (%" PRId64 ")",
                               bad, is_get(p, width), is_get(p - width, width));
    }
    if (info) {
        /* sorted: the longest text is that of the smallest or the largest */
        size_t lo = rdbl__i64_textlen_inline(is_get(is + IS_HDR, width));
        size_t hi = rdbl__i64_textlen_inline(is_get(is + IS_HDR + (size_t)(n - 1) * width, width));
        info->count = n;
        info->largest = lo > hi ? lo : hi;
        info->value_bytes = bytes;
    }
    return RDBL_OK;
}

void rdbl__is_iter_init(rdbl__is_iter *it, const uint8_t *is, size_t len)
{
    if (len < IS_HDR) { /* not validated: yield nothing */
        it->p = is;
        it->width = 8;
        it->left = 0;
        return;
    }
    it->p = is + IS_HDR;
    it->width = rdbl__le32(is);
    it->left = rdbl__le32(is + 4);
}

bool rdbl__is_next(rdbl__is_iter *it, rdbl_item *out)
{
    if (it->left == 0)
        return false;
    int64_t v = is_get(it->p, it->width);
    out->ptr = NULL;
    out->len = rdbl__i64_textlen_inline(v);
    out->ival = v;
    out->is_int = true;
    it->p += it->width;
    it->left--;
    return true;
}

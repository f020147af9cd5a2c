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
    uint64_t largest = 0, bytes = 0;
    int64_t prev = 0;
    const uint8_t *p = is + IS_HDR;
    for (uint32_t i = 0; i < n; i++, p += width) {
        int64_t v = is_get(p, width);
        if (i > 0 && v <= prev)
            return rdbl__berr_fail(e, IS_HDR + (size_t)i * width,
                                   "intset member %" PRIu32 " (%" PRId64
                                   ") is not greater than the previous one (%" PRId64 ")",
                                   i, v, prev);
        size_t tl = rdbl__i64_textlen_inline(v);
        bytes += tl;
        if (tl > largest)
            largest = tl;
        prev = v;
    }
    if (info) {
        info->count = n;
        info->largest = largest;
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

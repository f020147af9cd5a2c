/* Ziplist: deep validation and a forward iterator.
 *
 * Layout (rdb-format.md §6.1; redis src/ziplist.c is the ground truth):
 *
 *   <zlbytes:u32le> <zltail:u32le> <zllen:u16le> <entry> ... <entry> <0xFF>
 *   entry := <prevlen> <encoding> [data]
 *   prevlen := one byte 0..253 | 0xFE + u32le (may hold a value < 254)
 *
 *   encoding                        header  data
 *   00llllll                        1       len bytes (0..63)
 *   01llllll llllllll               2       len bytes, 14-bit big-endian
 *   10______ + u32be                5       len bytes
 *   0xC0 / 0xD0 / 0xE0              1       int16 / int32 / int64 LE
 *   0xF0 / 0xFE                     1       int24 / int8 LE
 *   0xF1..0xFD                      1       immediate 0..12 ((b & 0x0F) - 1)
 *   other 11xxxxxx                  invalid
 *
 * zltail is the offset of the last entry; zllen 65535 means "unknown". */
#include <inttypes.h>

#include "parser/blob.h"

#define ZL_HDR 10u /* zlbytes + zltail + zllen */
#define ZL_END 0xFFu
#define ZL_BIGPREV 0xFEu
#define ZL_COUNT_UNKNOWN 65535u

static inline int64_t zl_u64_to_i64(uint64_t u)
{
    int64_t v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static inline int64_t zl_int24(const uint8_t *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return (int64_t)u - ((u & 0x800000u) ? 0x1000000 : 0);
}

/* Data size of an integer encoding byte (>= 0xC0), or -1 when invalid. */
static inline int zl_int_size(unsigned enc)
{
    switch (enc) {
    case 0xC0:
        return 2;
    case 0xD0:
        return 4;
    case 0xE0:
        return 8;
    case 0xF0:
        return 3;
    case 0xFE:
        return 1;
    default:
        return (enc >= 0xF1 && enc <= 0xFD) ? 0 : -1;
    }
}

/* Value of an integer entry whose data starts at d. */
static inline int64_t zl_int_value(unsigned enc, const uint8_t *d)
{
    switch (enc) {
    case 0xC0:
        return (int16_t)rdbl__le16(d);
    case 0xD0:
        return (int32_t)rdbl__le32(d);
    case 0xE0:
        return zl_u64_to_i64(rdbl__le64(d));
    case 0xF0:
        return zl_int24(d);
    case 0xFE:
        return (int8_t)d[0];
    default:
        return (int64_t)(enc & 0x0F) - 1;
    }
}

rdbl_status rdbl__zl_validate(const uint8_t *zl, size_t len, rdbl__blob_info *info,
                              rdbl__berr *e)
{
    if (len < ZL_HDR + 1)
        return rdbl__berr_fail(e, 0, "ziplist of %zu bytes is shorter than the 11-byte minimum",
                               len);
    uint32_t zlbytes = rdbl__le32(zl);
    if (zlbytes != len)
        return rdbl__berr_fail(e, 0, "ziplist zlbytes %" PRIu32 " != blob size %zu", zlbytes,
                               len);
    if (zl[len - 1] != ZL_END)
        return rdbl__berr_fail(e, len - 1, "ziplist ends with 0x%02x instead of 0xFF",
                               zl[len - 1]);
    const size_t end = len - 1; /* offset of the terminator */
    uint32_t zltail = rdbl__le32(zl + 4);
    if (zltail > end)
        return rdbl__berr_fail(e, 4, "ziplist zltail %" PRIu32 " is past the end (+%zu)", zltail,
                               end);

    size_t off = ZL_HDR, last = ZL_HDR;
    uint64_t prev_size = 0, count = 0, largest = 0, bytes = 0;
    while (off < end) {
        const uint8_t *p = zl + off;
        size_t room = end - off; /* >= 1 */
        uint64_t prevlen;
        size_t pls;
        if (p[0] < ZL_BIGPREV) {
            prevlen = p[0];
            pls = 1;
        } else if (p[0] == ZL_BIGPREV) {
            pls = 5;
            if (room < pls)
                return rdbl__berr_fail(e, off,
                                       "ziplist entry %" PRIu64 " at +%zu: 5-byte prevlen runs "
                                       "past the end (%zu bytes left)",
                                       count, off, room);
            prevlen = rdbl__le32(p + 1);
        } else {
            return rdbl__berr_fail(e, off,
                                   "ziplist entry %" PRIu64 " at +%zu: end marker %zu bytes "
                                   "before the end of the ziplist",
                                   count, off, room);
        }
        if (prevlen != prev_size)
            return rdbl__berr_fail(e, off,
                                   "ziplist entry %" PRIu64 " at +%zu: prevlen %" PRIu64
                                   " != previous entry size %" PRIu64,
                                   count, off, prevlen, prev_size);
        if (pls >= room)
            return rdbl__berr_fail(e, off + pls,
                                   "ziplist entry %" PRIu64 " at +%zu: no room for the encoding "
                                   "byte",
                                   count, off);
        const uint8_t *q = p + pls;
        size_t qroom = room - pls; /* >= 1 */
        const unsigned enc = q[0];
        size_t hs;
        uint64_t ds, vlen;
        switch (enc >> 6) {
        case 0:
            hs = 1;
            ds = enc & 0x3F;
            vlen = ds;
            break;
        case 1:
            hs = 2;
            if (qroom < hs)
                goto short_header;
            ds = (uint64_t)(enc & 0x3F) << 8 | q[1];
            vlen = ds;
            break;
        case 2:
            hs = 5;
            if (qroom < hs)
                goto short_header;
            ds = rdbl__be32(q + 1);
            vlen = ds;
            break;
        default: {
            int isz = zl_int_size(enc);
            if (isz < 0)
                return rdbl__berr_fail(e, off + pls,
                                       "ziplist entry %" PRIu64 " at +%zu: invalid encoding byte "
                                       "0x%02x",
                                       count, off, enc);
            hs = 1;
            ds = (uint64_t)isz;
            if (ds > qroom - hs)
                goto short_data;
            vlen = rdbl__i64_textlen_inline(zl_int_value(enc, q + 1));
            break;
        }
        }
        if (ds > qroom - hs)
            goto short_data;
        uint64_t size = pls + hs + ds;
        count++;
        bytes += vlen;
        if (vlen > largest)
            largest = vlen;
        prev_size = size;
        last = off;
        off += (size_t)size;
        continue;
    short_header:
        return rdbl__berr_fail(e, off + pls,
                               "ziplist entry %" PRIu64 " at +%zu: %zu-byte encoding header runs "
                               "past the end (%zu bytes left)",
                               count, off, hs, qroom);
    short_data:
        return rdbl__berr_fail(e, off + pls,
                               "ziplist entry %" PRIu64 " at +%zu: %" PRIu64 " data bytes run "
                               "past the end (%zu bytes left)",
                               count, off, ds, qroom - hs);
    }
    /* Each step stayed within [off, end]: the walk stopped at the terminator. */
    if (count > 0 && zltail != last)
        return rdbl__berr_fail(e, 4, "ziplist zltail %" PRIu32 " != last entry offset %zu",
                               zltail, last);
    uint16_t zllen = rdbl__le16(zl + 8);
    if (zllen != ZL_COUNT_UNKNOWN && zllen != count)
        return rdbl__berr_fail(e, 8, "ziplist zllen %u != %" PRIu64 " entries found",
                               (unsigned)zllen, count);
    if (info) {
        info->count = count;
        info->largest = largest;
        info->value_bytes = bytes;
    }
    return RDBL_OK;
}

void rdbl__zl_iter_init(rdbl__zl_iter *it, const uint8_t *zl, size_t len)
{
    if (len < ZL_HDR + 1) { /* not validated: yield nothing */
        it->p = it->end = zl;
        return;
    }
    it->p = zl + ZL_HDR;
    it->end = zl + len - 1;
}

bool rdbl__zl_next(rdbl__zl_iter *it, rdbl_item *out)
{
    const uint8_t *p = it->p;
    if (RDBL_UNLIKELY(p >= it->end))
        return false;
    p += p[0] < ZL_BIGPREV ? 1 : 5;
    const unsigned enc = p[0];
    if (enc < 0x40) {
        size_t n = enc;
        out->ptr = p + 1;
        out->len = n;
        out->ival = 0;
        out->is_int = false;
        it->p = p + 1 + n;
        return true;
    }
    if (enc < 0x80) {
        size_t n = (size_t)(enc & 0x3F) << 8 | p[1];
        out->ptr = p + 2;
        out->len = n;
        out->ival = 0;
        out->is_int = false;
        it->p = p + 2 + n;
        return true;
    }
    if (enc < 0xC0) {
        size_t n = rdbl__be32(p + 1);
        out->ptr = p + 5;
        out->len = n;
        out->ival = 0;
        out->is_int = false;
        it->p = p + 5 + n;
        return true;
    }
    int isz = zl_int_size(enc);
    if (NEVER(isz < 0)) { /* validate() rejects these */
        it->p = it->end;
        return false;
    }
    int64_t v = zl_int_value(enc, p + 1);
    out->ptr = NULL;
    out->len = rdbl__i64_textlen_inline(v);
    out->ival = v;
    out->is_int = true;
    it->p = p + 1 + isz;
    return true;
}

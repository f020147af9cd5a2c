/* Zipmap (Redis <= 2.4 small hashes): deep validation and iterator.
 *
 * Layout (rdb-format.md §6.4; redis src/zipmap.c is the ground truth):
 *
 *   <zmlen:u8> ( <len> key <len> <free:u8> value <free unused bytes> )* <0xFF>
 *   len := one byte 0..253 | 0xFE + u32le
 *
 * zmlen is the pair count when < 254; 254 means "unknown, walk". Old servers
 * also left 255 there with pairs following, so 255 is accepted as unknown
 * too (current redis rejects it). 0xFF where a key length would start ends
 * the zipmap; it must be the blob's last byte. A zipmap holds at least one
 * pair. Duplicate fields are not checked here (that needs hashing). */
#include <inttypes.h>

#include "parser/blob.h"

#define ZM_BIGLEN 254u
#define ZM_END 0xFFu

/* Reads a length at zm[*off], which must lie before end. Advances *off past
 * the length bytes. Returns false when the 5-byte form runs past end. */
static inline bool zm_len(const uint8_t *zm, size_t end, size_t *off, uint64_t *out)
{
    const uint8_t *p = zm + *off;
    if (p[0] < ZM_BIGLEN) {
        *out = p[0];
        *off += 1;
        return true;
    }
    if (5 > end - *off)
        return false;
    *out = rdbl__le32(p + 1);
    *off += 5;
    return true;
}

rdbl_status rdbl__zm_validate(const uint8_t *zm, size_t len, rdbl__blob_info *info,
                              rdbl__berr *e)
{
    if (len < 2)
        return rdbl__berr_fail(e, 0, "zipmap of %zu bytes is shorter than the 2-byte minimum",
                               len);
    if (zm[len - 1] != ZM_END)
        return rdbl__berr_fail(e, len - 1, "zipmap ends with 0x%02x instead of 0xFF",
                               zm[len - 1]);
    const size_t end = len - 1; /* offset of the terminator */
    size_t off = 1;
    uint64_t pairs = 0, largest = 0, bytes = 0;
    for (;;) {
        /* off <= end here: every advance below is checked against end */
        if (zm[off] == ZM_END) {
            if (off != end)
                return rdbl__berr_fail(e, off,
                                       "zipmap end marker at +%zu, %zu bytes before the end of "
                                       "the blob",
                                       off, end - off);
            break;
        }
        const size_t pair_off = off;
        uint64_t klen, vlen;
        if (!zm_len(zm, end, &off, &klen))
            return rdbl__berr_fail(e, off,
                                   "zipmap pair %" PRIu64 " at +%zu: 5-byte key length runs past "
                                   "the end",
                                   pairs, pair_off);
        if (klen > end - off)
            return rdbl__berr_fail(e, off,
                                   "zipmap pair %" PRIu64 " at +%zu: key of %" PRIu64
                                   " bytes runs past the end (%zu bytes left)",
                                   pairs, pair_off, klen, end - off);
        off += (size_t)klen;
        if (off == end)
            return rdbl__berr_fail(e, off,
                                   "zipmap pair %" PRIu64 " at +%zu: key without a value",
                                   pairs, pair_off);
        if (zm[off] == ZM_END)
            return rdbl__berr_fail(e, off,
                                   "zipmap pair %" PRIu64 " at +%zu: end marker where the value "
                                   "length should be",
                                   pairs, pair_off);
        if (!zm_len(zm, end, &off, &vlen))
            return rdbl__berr_fail(e, off,
                                   "zipmap pair %" PRIu64 " at +%zu: 5-byte value length runs "
                                   "past the end",
                                   pairs, pair_off);
        if (off == end)
            return rdbl__berr_fail(e, off,
                                   "zipmap pair %" PRIu64 " at +%zu: free byte runs past the end",
                                   pairs, pair_off);
        unsigned freeb = zm[off++];
        if (vlen > end - off || freeb > end - off - vlen)
            return rdbl__berr_fail(e, off,
                                   "zipmap pair %" PRIu64 " at +%zu: value of %" PRIu64
                                   " bytes + %u free bytes runs past the end (%zu bytes left)",
                                   pairs, pair_off, vlen, freeb, end - off);
        off += (size_t)vlen + freeb;
        pairs++;
        bytes += klen + vlen;
        if (klen > largest)
            largest = klen;
        if (vlen > largest)
            largest = vlen;
    }
    if (pairs == 0)
        return rdbl__berr_fail(e, 1, "zipmap is empty");
    if (zm[0] < ZM_BIGLEN && zm[0] != pairs)
        return rdbl__berr_fail(e, 0, "zipmap zmlen %u != %" PRIu64 " pairs found",
                               (unsigned)zm[0], pairs);
    if (info) {
        info->count = 2 * pairs;
        info->largest = largest;
        info->value_bytes = bytes;
    }
    return RDBL_OK;
}

void rdbl__zm_iter_init(rdbl__zm_iter *it, const uint8_t *zm, size_t len)
{
    if (len < 2) { /* not validated: yield nothing */
        it->p = it->end = zm;
        it->want_value = false;
        return;
    }
    it->p = zm + 1;
    it->end = zm + len - 1;
    it->want_value = false;
}

bool rdbl__zm_next(rdbl__zm_iter *it, rdbl_item *out)
{
    const uint8_t *p = it->p;
    if (p >= it->end)
        return false;
    size_t n;
    if (p[0] < ZM_BIGLEN) {
        n = p[0];
        p += 1;
    } else {
        n = rdbl__le32(p + 1);
        p += 5;
    }
    out->len = n;
    out->ival = 0;
    out->is_int = false;
    if (!it->want_value) {
        out->ptr = p;
        it->p = p + n;
        it->want_value = true;
    } else {
        unsigned freeb = p[0];
        out->ptr = p + 1;
        it->p = p + 1 + n + freeb;
        it->want_value = false;
    }
    return true;
}

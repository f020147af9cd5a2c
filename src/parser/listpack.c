/* Listpack: deep validation and a fast forward iterator.
 *
 * Layout (rdb-format.md §6.2; redis src/listpack.c is the ground truth):
 *
 *   <total_bytes:u32le> <num_elements:u16le> <entry> ... <entry> <0xFF>
 *   entry := <encoding+data: S bytes> <backlen: S in 1..5 bytes>
 *
 *   first byte         meaning                              S
 *   0xxxxxxx           uint7                                1
 *   10llllll           string, len = b & 0x3F               1 + len
 *   110vvvvv v         int13, two's complement              2
 *   1110llll l         string, 12-bit len (big end first)   2 + len
 *   0xF0 + u32le       string, 32-bit len                   5 + len
 *   0xF1/F2/F3/F4      int16/int24/int32/int64 LE           3/4/5/9
 *   0xF5..0xFE         invalid
 *   0xFF               end of listpack
 *
 *   backlen: S in 7-bit groups read right to left; the rightmost byte holds
 *   the low 7 bits, every byte but the leftmost has bit 7 set. Its size is
 *   1 (S <= 127), 2 (S < 16383), 3 (S < 2097151), 4 (S < 268435455), else 5.
 *
 * num_elements 65535 means "unknown, walk to count".
 * Also home of rdbl__berr_fail, the error filler all blob decoders share. */
#include <inttypes.h>
#include <stdio.h>

#include "parser/blob.h"

#define LP_HDR 6u /* total_bytes + num_elements */
#define LP_END 0xFFu
#define LP_COUNT_UNKNOWN 65535u

rdbl_status rdbl__berr_fail(rdbl__berr *e, size_t offset, const char *fmt, ...)
{
    if (e) {
        e->offset = offset;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return RDBL_CORRUPT;
}

/* Bytes the backlen of an entry of enc+data size s takes. Note the strict
 * '<' past one byte: redis's lpEncodeBacklen puts 16383 in 3 bytes. */
static inline unsigned lp_backlen_size(uint64_t s)
{
    if (RDBL_LIKELY(s <= 127))
        return 1;
    if (s < 16383)
        return 2;
    if (s < 2097151)
        return 3;
    if (s < 268435455)
        return 4;
    return 5;
}

/* The canonical backlen bytes of s, as redis's lpEncodeBacklen writes them:
 * out[0] is the leftmost byte (high bits, bit 7 clear), out[n-1] the
 * rightmost (low 7 bits); all but out[0] carry bit 7. */
static void lp_backlen_encode(uint64_t s, unsigned n, uint8_t out[5])
{
    for (unsigned i = 0; i < n; i++) {
        unsigned shift = 7 * (n - 1 - i);
        out[i] = (uint8_t)(((s >> shift) & 127) | (i > 0 ? 128u : 0u));
    }
}

/* Decodes a backlen the way redis's reverse walk does (right to left, until
 * a byte without bit 7, at most 5 bytes), staying within [lo, last]. For
 * error messages only. */
static uint64_t lp_backlen_decode_for_msg(const uint8_t *lo, const uint8_t *last)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 5; i++) {
        uint8_t b = last[0];
        v |= (uint64_t)(b & 127) << (7 * i);
        if (!(b & 128) || last == lo)
            break;
        last--;
    }
    return v;
}

static inline int64_t lp_int24(const uint8_t *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return (int64_t)u - ((u & 0x800000u) ? 0x1000000 : 0);
}

static inline int64_t lp_int13(const uint8_t *p)
{
    uint32_t u = (uint32_t)(p[0] & 0x1F) << 8 | p[1];
    return (int64_t)u - (u >= 4096 ? 8192 : 0);
}

static inline int64_t lp_u64_to_i64(uint64_t u)
{
    int64_t v;
    memcpy(&v, &u, sizeof v); /* two's complement reinterpretation, no UB */
    return v;
}

/* The errors of an entry whose header was read: its size s runs past the
 * end, its bl-byte backlen does, or the backlen is wrong. Out of line: the
 * walk below calls it only on failure. */
static rdbl_status lp_entry_fail(const uint8_t *lp, size_t off, size_t room, uint64_t count,
                                 uint64_t s, unsigned bl, rdbl__berr *e)
{
    if (s > room)
        return rdbl__berr_fail(e, off,
                               "listpack entry %" PRIu64 " at +%zu: entry of %" PRIu64
                               " bytes runs past the end (%zu bytes left)",
                               count, off, s, room);
    if (bl > room - s)
        return rdbl__berr_fail(e, off + (size_t)s,
                               "listpack entry %" PRIu64 " at +%zu: %u-byte backlen runs past "
                               "the end (%zu bytes left)",
                               count, off, bl, (size_t)(room - s));
    const uint8_t *bp = lp + off + s;
    uint64_t got = lp_backlen_decode_for_msg(bp, bp + bl - 1);
    if (got != s)
        return rdbl__berr_fail(e, off + (size_t)s,
                               "listpack entry %" PRIu64 " at +%zu: backlen %" PRIu64
                               " != entry size %" PRIu64,
                               count, off, got, s);
    return rdbl__berr_fail(e, off + (size_t)s,
                           "listpack entry %" PRIu64 " at +%zu: backlen of entry size %" PRIu64
                           " is not in its %u-byte form",
                           count, off, s, bl);
}

rdbl_status rdbl__lp_validate(const uint8_t *lp, size_t len, rdbl__blob_info *info,
                              rdbl__berr *e)
{
    if (len < LP_HDR + 1)
        return rdbl__berr_fail(e, 0, "listpack of %zu bytes is shorter than the 7-byte minimum",
                               len);
    uint32_t total = rdbl__le32(lp);
    if (total != len)
        return rdbl__berr_fail(e, 0, "listpack total_bytes %" PRIu32 " != blob size %zu", total,
                               len);
    if (lp[len - 1] != LP_END)
        return rdbl__berr_fail(e, len - 1, "listpack ends with 0x%02x instead of 0xFF",
                               lp[len - 1]);

    const uint8_t *const end = lp + len - 1; /* the terminator */
    const uint8_t *p = lp + LP_HDR;
    uint64_t count = 0, largest = 0, bytes = 0;
    while (p < end) {
        const size_t room = (size_t)(end - p); /* bytes before the terminator, >= 1 */
        const unsigned b = p[0];
        uint64_t s;    /* encoding + data size */
        uint64_t vlen; /* string length, or the integer's text length */
        if (RDBL_LIKELY(b < 0xC0)) {
            /* uint7 or a string of up to 63 bytes: S <= 64, a 1-byte backlen,
             * and the header is the first byte; most entries */
            if (b < 0x80) {
                s = 1;
                vlen = 1 + (b >= 10) + (b >= 100);
            } else {
                vlen = b & 0x3F;
                s = 1 + vlen;
            }
            if (RDBL_UNLIKELY(s >= room || p[s] != s))
                return lp_entry_fail(lp, (size_t)(p - lp), room, count, s, 1, e);
            count++;
            bytes += vlen;
            if (vlen > largest)
                largest = vlen;
            p += s + 1;
            continue;
        }
        size_t need; /* header bytes */
        if (b < 0xE0) {
            need = 2;
            if (room < need)
                goto short_header;
            s = 2;
            vlen = rdbl__i64_textlen_inline(lp_int13(p));
        } else if (b < 0xF0) {
            need = 2;
            if (room < need)
                goto short_header;
            vlen = (uint64_t)(b & 0x0F) << 8 | p[1];
            s = 2 + vlen;
        } else {
            int64_t v;
            switch (b) {
            case 0xF0:
                need = 5;
                if (room < need)
                    goto short_header;
                vlen = rdbl__le32(p + 1);
                s = 5 + vlen;
                break;
            case 0xF1:
                need = s = 3;
                if (room < need)
                    goto short_header;
                v = (int16_t)rdbl__le16(p + 1);
                vlen = rdbl__i64_textlen_inline(v);
                break;
            case 0xF2:
                need = s = 4;
                if (room < need)
                    goto short_header;
                vlen = rdbl__i64_textlen_inline(lp_int24(p + 1));
                break;
            case 0xF3:
                need = s = 5;
                if (room < need)
                    goto short_header;
                v = (int32_t)rdbl__le32(p + 1);
                vlen = rdbl__i64_textlen_inline(v);
                break;
            case 0xF4:
                need = s = 9;
                if (room < need)
                    goto short_header;
                vlen = rdbl__i64_textlen_inline(lp_u64_to_i64(rdbl__le64(p + 1)));
                break;
            case LP_END:
                return rdbl__berr_fail(e, (size_t)(p - lp),
                                       "listpack entry %" PRIu64 " at +%zu: end marker %zu bytes "
                                       "before the end of the listpack",
                                       count, (size_t)(p - lp), room);
            default:
                return rdbl__berr_fail(e, (size_t)(p - lp),
                                       "listpack entry %" PRIu64 " at +%zu: invalid encoding byte "
                                       "0x%02x",
                                       count, (size_t)(p - lp), b);
            }
        }
        const unsigned bl = lp_backlen_size(s);
        if (s > room || bl > room - s)
            return lp_entry_fail(lp, (size_t)(p - lp), room, count, s, bl, e);
        const uint8_t *bp = p + s; /* the backlen field, bl bytes, in bounds */
        bool ok;
        if (RDBL_LIKELY(bl == 1)) {
            ok = bp[0] == s;
        } else {
            uint8_t want[5];
            lp_backlen_encode(s, bl, want);
            ok = memcmp(bp, want, bl) == 0;
        }
        if (RDBL_UNLIKELY(!ok))
            return lp_entry_fail(lp, (size_t)(p - lp), room, count, s, bl, e);
        count++;
        bytes += vlen;
        if (vlen > largest)
            largest = vlen;
        p += (size_t)s + bl;
        continue;
    short_header:
        return rdbl__berr_fail(e, (size_t)(p - lp),
                               "listpack entry %" PRIu64 " at +%zu: %zu-byte header of encoding "
                               "0x%02x runs past the end (%zu bytes left)",
                               count, (size_t)(p - lp), need, b, room);
    }
    /* Every step stayed within [p, end], so the walk stopped exactly at the
     * terminator. */
    uint16_t hdr = rdbl__le16(lp + 4);
    if (hdr != LP_COUNT_UNKNOWN && hdr != count)
        return rdbl__berr_fail(e, 4,
                               "listpack num_elements %u != %" PRIu64 " entries found",
                               (unsigned)hdr, count);
    if (info) {
        info->count = count;
        info->largest = largest;
        info->value_bytes = bytes;
    }
    return RDBL_OK;
}

uint32_t rdbl__lp_header_count(const uint8_t *lp, size_t len)
{
    if (len < LP_HDR)
        return UINT32_MAX;
    uint16_t n = rdbl__le16(lp + 4);
    return n == LP_COUNT_UNKNOWN ? UINT32_MAX : n;
}

void rdbl__lp_iter_init(rdbl__lp_iter *it, const uint8_t *lp, size_t len)
{
    if (len < LP_HDR + 1) { /* not validated: yield nothing */
        it->p = it->end = lp;
        return;
    }
    it->p = lp + LP_HDR;
    it->end = lp + len - 1;
}

/* The hot loop of listpack-encoded collections: one branch chain on the
 * first byte, ordered by frequency (small ints, short strings), and no
 * bounds checks since the blob was validated. */
bool rdbl__lp_next(rdbl__lp_iter *it, rdbl_item *out)
{
    const uint8_t *p = it->p;
    if (RDBL_UNLIKELY(p >= it->end))
        return false;
    const unsigned b = p[0];
    if (b < 0x80) { /* uint7: 1 byte + 1 byte backlen */
        out->ptr = NULL;
        out->len = 1 + (b >= 10) + (b >= 100);
        out->ival = b;
        out->is_int = true;
        it->p = p + 2;
        return true;
    }
    if (b < 0xC0) { /* str6: S <= 64, 1-byte backlen */
        size_t n = b & 0x3F;
        out->ptr = p + 1;
        out->len = n;
        out->ival = 0;
        out->is_int = false;
        it->p = p + n + 2;
        return true;
    }
    if (b < 0xE0) { /* int13: S = 2 */
        int64_t v = lp_int13(p);
        out->ptr = NULL;
        out->len = rdbl__i64_textlen_inline(v);
        out->ival = v;
        out->is_int = true;
        it->p = p + 3;
        return true;
    }
    if (b < 0xF0) { /* str12: S = 2 + n <= 4097, backlen 1 or 2 */
        size_t n = (size_t)(b & 0x0F) << 8 | p[1];
        out->ptr = p + 2;
        out->len = n;
        out->ival = 0;
        out->is_int = false;
        it->p = p + 2 + n + (n + 2 <= 127 ? 1 : 2);
        return true;
    }
    int64_t v;
    size_t s;
    switch (b) {
    case 0xF0: {
        size_t n = rdbl__le32(p + 1);
        out->ptr = p + 5;
        out->len = n;
        out->ival = 0;
        out->is_int = false;
        it->p = p + 5 + n + lp_backlen_size(5 + (uint64_t)n);
        return true;
    }
    case 0xF1:
        v = (int16_t)rdbl__le16(p + 1);
        s = 3;
        break;
    case 0xF2:
        v = lp_int24(p + 1);
        s = 4;
        break;
    case 0xF3:
        v = (int32_t)rdbl__le32(p + 1);
        s = 5;
        break;
    case 0xF4:
        v = lp_u64_to_i64(rdbl__le64(p + 1));
        s = 9;
        break;
    default: /* the terminator (a validated blob has nothing else here) */
        it->p = it->end;
        return false;
    }
    out->ptr = NULL;
    out->len = rdbl__i64_textlen_inline(v);
    out->ival = v;
    out->is_int = true;
    it->p = p + s + 1;
    return true;
}

/* Test-only builders of inner blobs (listpack, ziplist) from values, plus a
 * growable byte buffer and the checks shared by the blob decoder suites.
 *
 * The builders follow the writers in redis (smallest encoding first), and
 * can be forced to any encoding, so tests can reach every header form and
 * every back-length size. Header-only: everything is static inline. */
#ifndef RDBL_TEST_BLOBBUILD_H
#define RDBL_TEST_BLOBBUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "parser/blob.h"
#include "testutil.h"

/* ---- byte buffer ---- */

typedef struct tbuf {
    uint8_t *p;
    size_t len, cap;
} tbuf;

static inline void tb_put(tbuf *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap : 64;
        while (nc < b->len + n)
            nc *= 2;
        b->p = realloc(b->p, nc);
        cr_assert(b->p != NULL);
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->len, src, n);
    b->len += n;
}
static inline void tb_u8(tbuf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    tb_put(b, &x, 1);
}
static inline void tb_le(tbuf *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        tb_u8(b, (unsigned)(v >> (8 * i)) & 0xFF);
}
static inline void tb_be(tbuf *b, uint64_t v, unsigned n)
{
    for (unsigned i = n; i-- > 0;)
        tb_u8(b, (unsigned)(v >> (8 * i)) & 0xFF);
}
static inline void tb_fill(tbuf *b, int c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tb_u8(b, (unsigned)c);
}
static inline void tb_set_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* An exact-size heap copy, so ASan sees any read past the end. */
static inline uint8_t *tb_exact(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    cr_assert(c != NULL);
    if (n)
        memcpy(c, p, n);
    return c;
}

/* ---- expected values ---- */

typedef struct tval {
    bool is_int;
    int64_t i;
    const uint8_t *s;
    size_t len;
} tval;

#define TV_INT(v) ((tval){true, (v), NULL, 0})
#define TV_STR(p, n) ((tval){false, 0, (const uint8_t *)(p), (n)})

/* Checks one iterated item against the expected value. */
static inline void tv_check(const rdbl_item *it, const tval *want, size_t idx)
{
    cr_assert(it->is_int == want->is_int, "item %zu: is_int %d, want %d", idx, it->is_int,
              want->is_int);
    if (want->is_int) {
        cr_assert(it->ptr == NULL, "item %zu: int with ptr", idx);
        cr_assert(it->ival == want->i, "item %zu: %lld, want %lld", idx, (long long)it->ival,
                  (long long)want->i);
        cr_assert(it->len == rdbl_i64_textlen(want->i), "item %zu: len %zu, want %zu", idx,
                  it->len, rdbl_i64_textlen(want->i));
    } else {
        cr_assert(it->len == want->len, "item %zu: len %zu, want %zu", idx, it->len,
                  want->len);
        cr_assert(want->len == 0 || memcmp(it->ptr, want->s, want->len) == 0,
                  "item %zu: bytes differ", idx);
    }
}

/* The info a validator must report for these values. */
static inline rdbl__blob_info tv_info(const tval *v, size_t n)
{
    rdbl__blob_info in = {0, 0, 0};
    for (size_t k = 0; k < n; k++) {
        uint64_t l = v[k].is_int ? rdbl_i64_textlen(v[k].i) : v[k].len;
        in.count++;
        in.value_bytes += l;
        if (l > in.largest)
            in.largest = l;
    }
    return in;
}

static inline void tv_check_info(const rdbl__blob_info *got, const tval *v, size_t n)
{
    rdbl__blob_info want = tv_info(v, n);
    cr_assert(got->count == want.count, "count %llu, want %llu",
              (unsigned long long)got->count, (unsigned long long)want.count);
    cr_assert(got->largest == want.largest, "largest %llu, want %llu",
              (unsigned long long)got->largest, (unsigned long long)want.largest);
    cr_assert(got->value_bytes == want.value_bytes, "value_bytes %llu, want %llu",
              (unsigned long long)got->value_bytes, (unsigned long long)want.value_bytes);
}

/* ---- listpack builder ---- */

/* Forced encodings for lpb_int_enc / lpb_str_enc: the first byte's class. */
enum {
    LPE_AUTO = -1,
    LPE_UINT7 = 0x00,
    LPE_INT13 = 0xC0,
    LPE_INT16 = 0xF1,
    LPE_INT24 = 0xF2,
    LPE_INT32 = 0xF3,
    LPE_INT64 = 0xF4,
    LPE_STR6 = 0x80,
    LPE_STR12 = 0xE0,
    LPE_STR32 = 0xF0,
};

typedef struct lpb {
    tbuf b;
    uint64_t count;
} lpb;

static inline void lpb_init(lpb *l)
{
    memset(l, 0, sizeof *l);
    tb_fill(&l->b, 0, 6); /* header, written by lpb_finish */
}

static inline unsigned lpb_backlen_size(uint64_t s)
{
    return s <= 127 ? 1 : s < 16383 ? 2 : s < 2097151 ? 3 : s < 268435455 ? 4 : 5;
}

/* Appends the backlen of an entry of enc+data size s, as lpEncodeBacklen. */
static inline void lpb_backlen(tbuf *b, uint64_t s)
{
    unsigned n = lpb_backlen_size(s);
    for (unsigned i = 0; i < n; i++) {
        unsigned shift = 7 * (n - 1 - i);
        tb_u8(b, (unsigned)((s >> shift) & 127) | (i > 0 ? 128u : 0u));
    }
}

static inline void lpb_int_enc(lpb *l, int64_t v, int enc)
{
    tbuf *b = &l->b;
    size_t start = b->len;
    if (enc == LPE_AUTO) {
        if (v >= 0 && v <= 127)
            enc = LPE_UINT7;
        else if (v >= -4096 && v <= 4095)
            enc = LPE_INT13;
        else if (v >= INT16_MIN && v <= INT16_MAX)
            enc = LPE_INT16;
        else if (v >= -8388608 && v <= 8388607)
            enc = LPE_INT24;
        else if (v >= INT32_MIN && v <= INT32_MAX)
            enc = LPE_INT32;
        else
            enc = LPE_INT64;
    }
    uint64_t u = (uint64_t)v;
    switch (enc) {
    case LPE_UINT7:
        tb_u8(b, (unsigned)u & 0x7F);
        break;
    case LPE_INT13:
        tb_u8(b, 0xC0 | (unsigned)((u >> 8) & 0x1F));
        tb_u8(b, (unsigned)u & 0xFF);
        break;
    case LPE_INT16:
        tb_u8(b, 0xF1);
        tb_le(b, u, 2);
        break;
    case LPE_INT24:
        tb_u8(b, 0xF2);
        tb_le(b, u, 3);
        break;
    case LPE_INT32:
        tb_u8(b, 0xF3);
        tb_le(b, u, 4);
        break;
    default:
        tb_u8(b, 0xF4);
        tb_le(b, u, 8);
        break;
    }
    lpb_backlen(b, b->len - start);
    l->count++;
}
static inline void lpb_int(lpb *l, int64_t v)
{
    lpb_int_enc(l, v, LPE_AUTO);
}

static inline void lpb_str_enc(lpb *l, const void *s, size_t n, int enc)
{
    tbuf *b = &l->b;
    size_t start = b->len;
    if (enc == LPE_AUTO)
        enc = n < 64 ? LPE_STR6 : n < 4096 ? LPE_STR12 : LPE_STR32;
    if (enc == LPE_STR6) {
        tb_u8(b, 0x80 | (unsigned)(n & 0x3F));
    } else if (enc == LPE_STR12) {
        tb_u8(b, 0xE0 | (unsigned)((n >> 8) & 0x0F));
        tb_u8(b, (unsigned)n & 0xFF);
    } else {
        tb_u8(b, 0xF0);
        tb_le(b, n, 4);
    }
    tb_put(b, s, n);
    lpb_backlen(b, b->len - start);
    l->count++;
}
static inline void lpb_str(lpb *l, const void *s, size_t n)
{
    lpb_str_enc(l, s, n, LPE_AUTO);
}

/* Appends the values (ints as ints, strings as strings). */
static inline void lpb_vals(lpb *l, const tval *v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (v[k].is_int)
            lpb_int(l, v[k].i);
        else
            lpb_str(l, v[k].s, v[k].len);
    }
}

/* Writes header and terminator; returns the malloc'd blob (caller frees).
 * count_override >= 0 replaces num_elements. */
static inline uint8_t *lpb_finish_n(lpb *l, size_t *len, long count_override)
{
    tb_u8(&l->b, 0xFF);
    tb_set_le(l->b.p, l->b.len, 4);
    uint64_t c = count_override >= 0 ? (uint64_t)count_override
                                     : (l->count < 65535 ? l->count : 65535);
    tb_set_le(l->b.p + 4, c, 2);
    *len = l->b.len;
    uint8_t *out = tb_exact(l->b.p, l->b.len);
    free(l->b.p);
    memset(l, 0, sizeof *l);
    return out;
}
static inline uint8_t *lpb_finish(lpb *l, size_t *len)
{
    return lpb_finish_n(l, len, -1);
}

/* ---- ziplist builder ---- */

enum {
    ZLE_AUTO = -1,
    ZLE_STR6 = 0x00,
    ZLE_STR14 = 0x40,
    ZLE_STR32 = 0x80,
    ZLE_INT16 = 0xC0,
    ZLE_INT32 = 0xD0,
    ZLE_INT64 = 0xE0,
    ZLE_INT24 = 0xF0,
    ZLE_INT8 = 0xFE,
    ZLE_IMM = 0xF1,
};

typedef struct zlb {
    tbuf b;
    uint64_t count;
    uint64_t prev_size;
    size_t last_off;
    bool big_prev; /* write every prevlen in the 5-byte form */
} zlb;

static inline void zlb_init(zlb *z)
{
    memset(z, 0, sizeof *z);
    tb_fill(&z->b, 0, 10);
    z->last_off = 10;
}

static inline void zlb_prevlen(zlb *z)
{
    z->last_off = z->b.len;
    if (z->prev_size < 254 && !z->big_prev) {
        tb_u8(&z->b, (unsigned)z->prev_size);
    } else {
        tb_u8(&z->b, 0xFE);
        tb_le(&z->b, z->prev_size, 4);
    }
}

static inline void zlb_int_enc(zlb *z, int64_t v, int enc)
{
    zlb_prevlen(z);
    tbuf *b = &z->b;
    if (enc == ZLE_AUTO) {
        if (v >= 0 && v <= 12)
            enc = ZLE_IMM;
        else if (v >= INT8_MIN && v <= INT8_MAX)
            enc = ZLE_INT8;
        else if (v >= INT16_MIN && v <= INT16_MAX)
            enc = ZLE_INT16;
        else if (v >= -8388608 && v <= 8388607)
            enc = ZLE_INT24;
        else if (v >= INT32_MIN && v <= INT32_MAX)
            enc = ZLE_INT32;
        else
            enc = ZLE_INT64;
    }
    uint64_t u = (uint64_t)v;
    switch (enc) {
    case ZLE_IMM:
        tb_u8(b, 0xF1 + (unsigned)v);
        break;
    case ZLE_INT8:
        tb_u8(b, 0xFE);
        tb_le(b, u, 1);
        break;
    case ZLE_INT16:
        tb_u8(b, 0xC0);
        tb_le(b, u, 2);
        break;
    case ZLE_INT24:
        tb_u8(b, 0xF0);
        tb_le(b, u, 3);
        break;
    case ZLE_INT32:
        tb_u8(b, 0xD0);
        tb_le(b, u, 4);
        break;
    default:
        tb_u8(b, 0xE0);
        tb_le(b, u, 8);
        break;
    }
    z->prev_size = b->len - z->last_off;
    z->count++;
}
static inline void zlb_int(zlb *z, int64_t v)
{
    zlb_int_enc(z, v, ZLE_AUTO);
}

static inline void zlb_str_enc(zlb *z, const void *s, size_t n, int enc)
{
    zlb_prevlen(z);
    tbuf *b = &z->b;
    if (enc == ZLE_AUTO)
        enc = n <= 63 ? ZLE_STR6 : n <= 16383 ? ZLE_STR14 : ZLE_STR32;
    if (enc == ZLE_STR6) {
        tb_u8(b, (unsigned)n & 0x3F);
    } else if (enc == ZLE_STR14) {
        tb_u8(b, 0x40 | (unsigned)((n >> 8) & 0x3F));
        tb_u8(b, (unsigned)n & 0xFF);
    } else {
        tb_u8(b, 0x80);
        tb_be(b, n, 4);
    }
    tb_put(b, s, n);
    z->prev_size = b->len - z->last_off;
    z->count++;
}
static inline void zlb_str(zlb *z, const void *s, size_t n)
{
    zlb_str_enc(z, s, n, ZLE_AUTO);
}

static inline void zlb_vals(zlb *z, const tval *v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (v[k].is_int)
            zlb_int(z, v[k].i);
        else
            zlb_str(z, v[k].s, v[k].len);
    }
}

static inline uint8_t *zlb_finish_n(zlb *z, size_t *len, long count_override)
{
    tb_u8(&z->b, 0xFF);
    tb_set_le(z->b.p, z->b.len, 4);
    tb_set_le(z->b.p + 4, z->count ? z->last_off : 10, 4);
    uint64_t c = count_override >= 0 ? (uint64_t)count_override
                                     : (z->count < 65535 ? z->count : 65535);
    tb_set_le(z->b.p + 8, c, 2);
    *len = z->b.len;
    uint8_t *out = tb_exact(z->b.p, z->b.len);
    free(z->b.p);
    memset(z, 0, sizeof *z);
    return out;
}
static inline uint8_t *zlb_finish(zlb *z, size_t *len)
{
    return zlb_finish_n(z, len, -1);
}

/* ---- small deterministic PRNG (xorshift64*, tests/support) ---- */

static inline uint64_t trand(uint64_t *s)
{
    return tu_xorshift(s);
}

#endif

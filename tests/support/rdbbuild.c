/* Synthetic RDB builder (see rdbbuild.h). Layouts follow
 * ../shared/docs/rdb-format.md: §3 lengths and strings, §4 records, §6 inner
 * blobs, §7.2 stream nodes, §8 module data. Written from the document, so a
 * disagreement between builder and parser is worth a look at both. */
#include "rdbbuild.h"

#include <lzf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/parser.h"

static void die(const char *what)
{
    fprintf(stderr, "rdbbuild: %s\n", what);
    abort();
}

/* ---- buffer ---- */

void rb_init_buf(rb *r)
{
    memset(r, 0, sizeof *r);
}

void rb_init(rb *r, const char *magic, int version)
{
    rb_init_buf(r);
    r->version = version;
    char h[16];
    if (strcmp(magic, "VALKEY") == 0) {
        r->valkey = true;
        snprintf(h, sizeof h, "VALKEY%03d", version % 1000);
    } else if (strcmp(magic, "REDIS") == 0) {
        snprintf(h, sizeof h, "REDIS%04d", version % 10000);
    } else {
        die("magic must be REDIS or VALKEY");
    }
    rb_raw(r, h, 9);
}

void rb_free(rb *r)
{
    free(r->p);
    r->p = NULL;
    r->len = r->cap = 0;
}

void rb_reset(rb *r)
{
    r->len = 0;
}

void rb_raw(rb *r, const void *p, size_t n)
{
    if (n > r->cap - r->len) {
        size_t cap = r->cap ? r->cap : 256;
        while (cap - r->len < n) {
            if (cap > SIZE_MAX / 2)
                die("buffer too large");
            cap *= 2;
        }
        uint8_t *np = realloc(r->p, cap);
        if (!np)
            die("out of memory");
        r->p = np;
        r->cap = cap;
    }
    if (n)
        memcpy(r->p + r->len, p, n);
    r->len += n;
}

void rb_u8(rb *r, unsigned v)
{
    uint8_t b = (uint8_t)v;
    rb_raw(r, &b, 1);
}

void rb_fill(rb *r, int c, size_t n)
{
    uint8_t chunk[4096];
    memset(chunk, c, sizeof chunk);
    while (n) {
        size_t k = n < sizeof chunk ? n : sizeof chunk;
        rb_raw(r, chunk, k);
        n -= k;
    }
}

void rb_le(rb *r, uint64_t v, unsigned nbytes)
{
    if (nbytes > 8)
        die("rb_le writes at most 8 bytes");
    for (unsigned i = 0; i < nbytes; i++)
        rb_u8(r, (unsigned)(v >> (8 * i)) & 0xFF);
}

void rb_be(rb *r, uint64_t v, unsigned nbytes)
{
    if (nbytes > 8)
        die("rb_be writes at most 8 bytes");
    for (unsigned i = nbytes; i-- > 0;)
        rb_u8(r, (unsigned)(v >> (8 * i)) & 0xFF);
}

void rb_f64(rb *r, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    rb_le(r, u, 8);
}

void rb_f32(rb *r, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    rb_le(r, u, 4);
}

/* ---- lengths ---- */

size_t rb_len_size(uint64_t v)
{
    if (v < 64)
        return 1;
    if (v < 16384)
        return 2;
    if (v <= UINT32_MAX)
        return 5;
    return 9;
}

void rb_len_as(rb *r, uint64_t v, int form)
{
    switch (form) {
    case RB_LEN6:
        if (v >= 64)
            die("length does not fit 6 bits");
        rb_u8(r, (unsigned)v);
        return;
    case RB_LEN14:
        if (v >= 16384)
            die("length does not fit 14 bits");
        rb_u8(r, 0x40 | (unsigned)(v >> 8));
        rb_u8(r, (unsigned)(v & 0xFF));
        return;
    case RB_LEN32:
        if (v > UINT32_MAX)
            die("length does not fit 32 bits");
        rb_u8(r, 0x80);
        rb_be(r, v, 4);
        return;
    case RB_LEN64:
        rb_u8(r, 0x81);
        rb_be(r, v, 8);
        return;
    default:
        die("bad length form");
    }
}

void rb_len(rb *r, uint64_t v)
{
    switch (rb_len_size(v)) {
    case 1:
        rb_len_as(r, v, RB_LEN6);
        break;
    case 2:
        rb_len_as(r, v, RB_LEN14);
        break;
    case 5:
        rb_len_as(r, v, RB_LEN32);
        break;
    default:
        rb_len_as(r, v, RB_LEN64);
        break;
    }
}

/* ---- strings ---- */

void rb_str(rb *r, const void *p, size_t n)
{
    rb_len(r, n);
    rb_raw(r, p, n);
}

void rb_cstr(rb *r, const char *s)
{
    rb_str(r, s, strlen(s));
}

void rb_int_as(rb *r, int64_t v, int bits)
{
    switch (bits) {
    case 8:
        if (v < INT8_MIN || v > INT8_MAX)
            die("INT8 out of range");
        rb_u8(r, 0xC0);
        rb_le(r, (uint64_t)v, 1);
        return;
    case 16:
        if (v < INT16_MIN || v > INT16_MAX)
            die("INT16 out of range");
        rb_u8(r, 0xC1);
        rb_le(r, (uint64_t)v, 2);
        return;
    case 32:
        if (v < INT32_MIN || v > INT32_MAX)
            die("INT32 out of range");
        rb_u8(r, 0xC2);
        rb_le(r, (uint64_t)v, 4);
        return;
    default:
        die("bad INT width");
    }
}

void rb_int(rb *r, int64_t v)
{
    if (v >= INT8_MIN && v <= INT8_MAX)
        rb_int_as(r, v, 8);
    else if (v >= INT16_MIN && v <= INT16_MAX)
        rb_int_as(r, v, 16);
    else
        rb_int_as(r, v, 32);
}

void rb_lzf(rb *r, const void *p, size_t n)
{
    if (n == 0 || n > UINT32_MAX)
        die("LZF input size");
    /* Room for liblzf's worst case, so any input can be stored LZF (servers
     * only keep it when it saves bytes; readers must not care). */
    size_t cap = n + n / 16 + 64;
    uint8_t *out = malloc(cap);
    if (!out)
        die("out of memory");
    unsigned c = lzf_compress(p, (unsigned)n, out, (unsigned)cap);
    if (c == 0)
        die("lzf_compress failed");
    rb_u8(r, 0xC3);
    rb_len(r, c);
    rb_len(r, n);
    rb_raw(r, out, c);
    free(out);
}

void rb_blob(rb *r, const rb *blob, bool lzf)
{
    if (lzf)
        rb_lzf(r, blob->p, blob->len);
    else
        rb_str(r, blob->p, blob->len);
}

/* ---- records ---- */

void rb_aux(rb *r, const char *name, const char *value)
{
    rb_u8(r, 250);
    rb_cstr(r, name);
    rb_cstr(r, value);
}

void rb_select(rb *r, uint64_t db)
{
    rb_u8(r, 254);
    rb_len(r, db);
}

void rb_resize(rb *r, uint64_t keys, uint64_t expires)
{
    rb_u8(r, 251);
    rb_len(r, keys);
    rb_len(r, expires);
}

void rb_expire_ms(rb *r, int64_t ms)
{
    rb_u8(r, 252);
    rb_le(r, (uint64_t)ms, 8);
}

void rb_expire_s(rb *r, int32_t s)
{
    rb_u8(r, 253);
    rb_le(r, (uint64_t)(uint32_t)s, 4);
}

void rb_idle(rb *r, uint64_t seconds)
{
    rb_u8(r, 248);
    rb_len(r, seconds);
}

void rb_freq(rb *r, unsigned counter)
{
    rb_u8(r, 249);
    rb_u8(r, counter);
}

void rb_key(rb *r, int type, const char *key)
{
    rb_u8(r, (unsigned)type);
    rb_cstr(r, key);
}

void rb_eof_crc(rb *r, uint64_t crc)
{
    rb_u8(r, 255);
    if (r->version >= 5)
        rb_le(r, crc, 8);
}

void rb_eof(rb *r)
{
    rb_u8(r, 255);
    if (r->version >= 5)
        rb_le(r, rdbl_crc64(0, r->p, r->len), 8);
}

/* ---- modules ---- */

uint64_t rb_module_id(const char *name9, int encver)
{
    static const char charset[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if (strlen(name9) != 9)
        die("module names have 9 characters");
    uint64_t id = 0;
    for (int i = 0; i < 9; i++) {
        const char *c = strchr(charset, name9[i]);
        if (!c || !*c)
            die("module name character outside A-Za-z0-9-_");
        id |= (uint64_t)(c - charset) << (58 - 6 * i);
    }
    return id | ((uint64_t)encver & 1023);
}

void rb_mod_sint(rb *r, uint64_t v)
{
    rb_len(r, 1);
    rb_len(r, v);
}

void rb_mod_uint(rb *r, uint64_t v)
{
    rb_len(r, 2);
    rb_len(r, v);
}

void rb_mod_float(rb *r, float f)
{
    rb_len(r, 3);
    rb_f32(r, f);
}

void rb_mod_double(rb *r, double d)
{
    rb_len(r, 4);
    rb_f64(r, d);
}

void rb_mod_str(rb *r, const char *s)
{
    rb_len(r, 5);
    rb_cstr(r, s);
}

void rb_mod_eof(rb *r)
{
    rb_len(r, 0);
}

/* ---- listpack ---- */

void rb_lp_init(rb_lp *lp)
{
    rb_init_buf(&lp->body);
    lp->count = 0;
    lp->count_override = -1;
}

void rb_lp_free(rb_lp *lp)
{
    rb_free(&lp->body);
}

size_t rb_lp_backlen_size(uint64_t s)
{
    if (s <= 127)
        return 1;
    if (s < 16383)
        return 2;
    if (s < 2097151)
        return 3;
    if (s < 268435455)
        return 4;
    return 5;
}

/* Back-length of s, read right to left: the rightmost byte holds the low 7
 * bits; every byte but the leftmost has bit 7 set. */
static void lp_backlen(rb *r, uint64_t s)
{
    size_t n = rb_lp_backlen_size(s);
    for (size_t i = n; i-- > 0;) {
        unsigned b = (unsigned)(s >> (7 * i)) & 127;
        if (i != n - 1)
            b |= 128;
        rb_u8(r, b);
    }
}

void rb_lp_str_enc(rb_lp *lp, const void *p, size_t n, int form)
{
    rb *b = &lp->body;
    size_t start = b->len;
    switch (form) {
    case RB_LP_STR6:
        if (n > 63)
            die("listpack 6-bit string too long");
        rb_u8(b, 0x80 | (unsigned)n);
        break;
    case RB_LP_STR12:
        if (n > 4095)
            die("listpack 12-bit string too long");
        rb_u8(b, 0xE0 | (unsigned)(n >> 8));
        rb_u8(b, (unsigned)(n & 0xFF));
        break;
    case RB_LP_STR32:
        if (n > UINT32_MAX)
            die("listpack string too long");
        rb_u8(b, 0xF0);
        rb_le(b, n, 4);
        break;
    default:
        die("bad listpack string form");
    }
    rb_raw(b, p, n);
    lp_backlen(b, b->len - start);
    lp->count++;
}

void rb_lp_str(rb_lp *lp, const void *p, size_t n)
{
    rb_lp_str_enc(lp, p, n, n <= 63 ? RB_LP_STR6 : n <= 4095 ? RB_LP_STR12 : RB_LP_STR32);
}

void rb_lp_cstr(rb_lp *lp, const char *s)
{
    rb_lp_str(lp, s, strlen(s));
}

void rb_lp_int(rb_lp *lp, int64_t v)
{
    rb *b = &lp->body;
    size_t start = b->len;
    if (v >= 0 && v <= 127) {
        rb_u8(b, (unsigned)v);
    } else if (v >= -4096 && v <= 4095) {
        uint64_t u = v < 0 ? (uint64_t)(v + 8192) : (uint64_t)v;
        rb_u8(b, 0xC0 | (unsigned)(u >> 8));
        rb_u8(b, (unsigned)(u & 0xFF));
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        rb_u8(b, 0xF1);
        rb_le(b, (uint64_t)v, 2);
    } else if (v >= -(1 << 23) && v < (1 << 23)) {
        rb_u8(b, 0xF2);
        rb_le(b, (uint64_t)v, 3);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        rb_u8(b, 0xF3);
        rb_le(b, (uint64_t)v, 4);
    } else {
        rb_u8(b, 0xF4);
        rb_le(b, (uint64_t)v, 8);
    }
    lp_backlen(b, b->len - start);
    lp->count++;
}

void rb_lp_finish(const rb_lp *lp, rb *out)
{
    uint64_t total = 6 + (uint64_t)lp->body.len + 1;
    if (total > UINT32_MAX)
        die("listpack too large");
    rb_le(out, total, 4);
    uint64_t n = lp->count_override >= 0 ? (uint64_t)lp->count_override
                 : lp->count < 65535  ? lp->count
                                      : 65535;
    rb_le(out, n, 2);
    rb_raw(out, lp->body.p, lp->body.len);
    rb_u8(out, 0xFF);
}

/* ---- ziplist ---- */

void rb_zl_init(rb_zl *zl)
{
    memset(zl, 0, sizeof *zl);
    zl->zllen_override = -1;
}

void rb_zl_free(rb_zl *zl)
{
    rb_free(&zl->body);
}

static void zl_prevlen(rb_zl *zl)
{
    rb *b = &zl->body;
    zl->last_off = (uint32_t)b->len;
    if (zl->prev_size < 254 && !zl->big_prevlen) {
        rb_u8(b, zl->prev_size);
    } else {
        rb_u8(b, 0xFE);
        rb_le(b, zl->prev_size, 4);
    }
}

void rb_zl_str(rb_zl *zl, const void *p, size_t n)
{
    rb *b = &zl->body;
    zl_prevlen(zl);
    if (n <= 63) {
        rb_u8(b, (unsigned)n);
    } else if (n <= 16383) {
        rb_u8(b, 0x40 | (unsigned)(n >> 8));
        rb_u8(b, (unsigned)(n & 0xFF));
    } else {
        if (n > UINT32_MAX)
            die("ziplist string too long");
        rb_u8(b, 0x80);
        rb_be(b, n, 4);
    }
    rb_raw(b, p, n);
    zl->prev_size = (uint32_t)(b->len - zl->last_off);
    zl->count++;
}

void rb_zl_cstr(rb_zl *zl, const char *s)
{
    rb_zl_str(zl, s, strlen(s));
}

void rb_zl_int(rb_zl *zl, int64_t v)
{
    rb *b = &zl->body;
    zl_prevlen(zl);
    if (v >= 0 && v <= 12) {
        rb_u8(b, 0xF1 + (unsigned)v);
    } else if (v >= INT8_MIN && v <= INT8_MAX) {
        rb_u8(b, 0xFE);
        rb_le(b, (uint64_t)v, 1);
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        rb_u8(b, 0xC0);
        rb_le(b, (uint64_t)v, 2);
    } else if (v >= -(1 << 23) && v < (1 << 23)) {
        rb_u8(b, 0xF0);
        rb_le(b, (uint64_t)v, 3);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        rb_u8(b, 0xD0);
        rb_le(b, (uint64_t)v, 4);
    } else {
        rb_u8(b, 0xE0);
        rb_le(b, (uint64_t)v, 8);
    }
    zl->prev_size = (uint32_t)(b->len - zl->last_off);
    zl->count++;
}

void rb_zl_finish(const rb_zl *zl, rb *out)
{
    uint64_t total = 10 + (uint64_t)zl->body.len + 1;
    if (total > UINT32_MAX)
        die("ziplist too large");
    rb_le(out, total, 4);
    rb_le(out, zl->count ? 10 + (uint64_t)zl->last_off : 10, 4);
    uint64_t n = zl->zllen_override >= 0 ? (uint64_t)zl->zllen_override
                 : zl->count < 65535   ? zl->count
                                       : 65535;
    rb_le(out, n, 2);
    rb_raw(out, zl->body.p, zl->body.len);
    rb_u8(out, 0xFF);
}

/* ---- intset ---- */

void rb_intset(rb *out, unsigned width, const int64_t *v, size_t n)
{
    if (width != 2 && width != 4 && width != 8)
        die("intset width is 2, 4 or 8");
    rb_le(out, width, 4);
    rb_le(out, n, 4);
    for (size_t i = 0; i < n; i++)
        rb_le(out, (uint64_t)v[i], width);
}

/* ---- zipmap ---- */

void rb_zm_init(rb_zm *zm, unsigned zmlen)
{
    rb_init_buf(&zm->body);
    zm->zmlen = zmlen;
}

void rb_zm_free(rb_zm *zm)
{
    rb_free(&zm->body);
}

static void zm_len(rb *b, size_t n, bool big)
{
    if (n < 254 && !big) {
        rb_u8(b, (unsigned)n);
    } else {
        rb_u8(b, 0xFE);
        rb_le(b, n, 4);
    }
}

void rb_zm_pair_n(rb_zm *zm, const void *f, size_t fn, const void *v, size_t vn,
                  unsigned free_bytes, bool big_lens)
{
    if (free_bytes > 255)
        die("zipmap free is one byte");
    rb *b = &zm->body;
    zm_len(b, fn, big_lens);
    rb_raw(b, f, fn);
    zm_len(b, vn, big_lens);
    rb_u8(b, free_bytes);
    rb_raw(b, v, vn);
    rb_fill(b, 0xEE, free_bytes);
}

void rb_zm_pair(rb_zm *zm, const char *field, const char *value, unsigned free_bytes,
                bool big_lens)
{
    rb_zm_pair_n(zm, field, strlen(field), value, strlen(value), free_bytes, big_lens);
}

void rb_zm_finish(const rb_zm *zm, rb *out)
{
    rb_u8(out, zm->zmlen);
    rb_raw(out, zm->body.p, zm->body.len);
    rb_u8(out, 0xFF);
}

/* ---- stream nodes ---- */

void rb_snode_init(rb_snode *n, const char *const *master_fields, int nmaster)
{
    rb_lp_init(&n->entries);
    n->master_fields = master_fields;
    n->nmaster = nmaster;
    n->live = n->deleted = 0;
}

void rb_snode_free(rb_snode *n)
{
    rb_lp_free(&n->entries);
}

void rb_snode_entry(rb_snode *n, int flags, int64_t ms_delta, int64_t seq_delta, int nf,
                    const char *const *fields, const char *const *values)
{
    rb_lp *lp = &n->entries;
    rb_lp_int(lp, flags);
    rb_lp_int(lp, ms_delta);
    rb_lp_int(lp, seq_delta);
    if (flags & RB_SF_SAMEFIELDS) {
        for (int i = 0; i < n->nmaster; i++)
            rb_lp_cstr(lp, values[i]);
        rb_lp_int(lp, n->nmaster + 3);
    } else {
        rb_lp_int(lp, nf);
        for (int i = 0; i < nf; i++) {
            rb_lp_cstr(lp, fields[i]);
            rb_lp_cstr(lp, values[i]);
        }
        rb_lp_int(lp, 2 * nf + 4);
    }
    if (flags & RB_SF_DELETED)
        n->deleted++;
    else
        n->live++;
}

void rb_snode_finish(const rb_snode *n, rb *out)
{
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_int(&lp, n->live);
    rb_lp_int(&lp, n->deleted);
    rb_lp_int(&lp, n->nmaster);
    for (int i = 0; i < n->nmaster; i++)
        rb_lp_cstr(&lp, n->master_fields[i]);
    rb_lp_int(&lp, 0);
    /* Listpack elements are self-contained (the back-length is relative),
     * so the entries' bytes can follow the master entry as they are. */
    rb_raw(&lp.body, n->entries.body.p, n->entries.body.len);
    lp.count += n->entries.count;
    rb_lp_finish(&lp, out);
    rb_lp_free(&lp);
}

void rb_stream_id_str(rb *r, uint64_t ms, uint64_t seq)
{
    rb_len(r, 16);
    rb_stream_id_raw(r, ms, seq);
}

void rb_stream_id_raw(rb *r, uint64_t ms, uint64_t seq)
{
    rb_be(r, ms, 8);
    rb_be(r, seq, 8);
}

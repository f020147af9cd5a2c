/* Dragonfly compressed record blobs (opcodes 201 zstd, 202 LZ4): records
 * inside are parsed like top-level ones, then the outer stream resumes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <lz4frame.h>
#include <string.h>
#include <zstd.h>

#include "rdblens/parser.h"
#include "rdblens/source.h"

typedef struct buf {
    uint8_t b[4096];
    size_t n;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    cr_assert(b->n + n <= sizeof b->b);
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void put_str(buf *b, const char *s)
{
    uint8_t len = (uint8_t)strlen(s);
    cr_assert(len < 64);
    put(b, &len, 1);
    put(b, s, len);
}

/* A string record: type 0, key, value. */
static void put_set(buf *b, const char *k, const char *v)
{
    uint8_t t = 0;
    put(b, &t, 1);
    put_str(b, k);
    put_str(b, v);
}

static void put_blob(buf *b, uint8_t op, const uint8_t *z, size_t zn)
{
    put(b, &op, 1);
    cr_assert(zn < 16384);
    uint8_t len[2] = {(uint8_t)(0x40 | zn >> 8), (uint8_t)(zn & 0xff)};
    put(b, len, 2);
    put(b, z, zn);
}

static void file_start(buf *b)
{
    put(b, "REDIS0009", 9);
    uint8_t aux = 0xfa;
    put(b, &aux, 1);
    put_str(b, "df-ver");
    put_str(b, "v1.20.0");
}

static void file_end(buf *b)
{
    uint8_t eof[9] = {0xff}; /* Dragonfly writes a zero CRC */
    put(b, eof, sizeof eof);
}

typedef struct seen {
    char keys[512];
    int ends;
} seen;

static int on_string(void *user, const rdbl_key_info *k, const rdbl_item *c, uint64_t off,
                     uint64_t total)
{
    seen *s = user;
    (void)off;
    (void)total;
    char tmp[64];
    size_t n = rdbl_item_text(c, tmp, sizeof tmp);
    size_t l = strlen(s->keys);
    snprintf(s->keys + l, sizeof s->keys - l, "%.*s=%.*s;", (int)k->key.len,
             (const char *)k->key.ptr, (int)n, tmp);
    return 0;
}

static int on_end(void *user, const rdbl_end_info *ei)
{
    seen *s = user;
    cr_expect_eq(ei->checksum, RDBL_CHECKSUM_DISABLED);
    s->ends++;
    return 0;
}

static rdbl_status parse(const buf *b, seen *s, rdbl_error *err)
{
    rdbl_source *src;
    cr_assert_eq(rdbl_source_open_mem(&src, b->b, b->n, NULL, err), RDBL_OK);
    rdbl_events ev = {0};
    ev.on_string = on_string;
    ev.on_end = on_end;
    rdbl_status st = rdbl_parse(src, &ev, s, NULL, err);
    rdbl_source_free(src);
    return st;
}

static size_t inner_records(uint8_t *out, size_t cap)
{
    buf in = {0};
    put_set(&in, "a", "1x");
    put_set(&in, "b", "hello");
    cr_assert(in.n <= cap);
    memcpy(out, in.b, in.n);
    return in.n;
}

Test(dragonfly, zstd_and_lz4_blobs)
{
    uint8_t raw[256], z[1024];
    size_t rn = inner_records(raw, sizeof raw);
    buf f = {0};
    file_start(&f);
    size_t zn = ZSTD_compress(z, sizeof z, raw, rn, 3);
    cr_assert(!ZSTD_isError(zn));
    put_blob(&f, 201, z, zn);
    put_set(&f, "mid", "m");
    LZ4F_preferences_t pref = {0};
    pref.frameInfo.contentSize = rn;
    size_t ln = LZ4F_compressFrame(z, sizeof z, raw, rn, &pref);
    cr_assert(!LZ4F_isError(ln));
    put_blob(&f, 202, z, ln);
    uint8_t end_marker = 203;
    put(&f, &end_marker, 1);
    file_end(&f);
    seen s = {{0}, 0};
    rdbl_error err;
    cr_assert_eq(parse(&f, &s, &err), RDBL_OK, "%s", err.msg);
    cr_expect_str_eq(s.keys, "a=1x;b=hello;mid=m;a=1x;b=hello;");
    cr_expect_eq(s.ends, 1);
}

Test(dragonfly, corrupt_blob_reports_outer_offset)
{
    uint8_t raw[256], z[1024];
    size_t rn = inner_records(raw, sizeof raw);
    raw[rn - 6] = 0x3f; /* the last value's length now runs past the blob */
    buf f = {0};
    file_start(&f);
    size_t at = f.n;
    size_t zn = ZSTD_compress(z, sizeof z, raw, rn, 3);
    put_blob(&f, 201, z, zn);
    file_end(&f);
    seen s = {{0}, 0};
    rdbl_error err;
    rdbl_status st = parse(&f, &s, &err);
    cr_expect(st == RDBL_TRUNCATED || st == RDBL_CORRUPT);
    cr_expect_eq(err.offset, at);
    cr_expect(strstr(err.msg, "decompressed blob") != NULL, "%s", err.msg);
    cr_expect_str_eq(s.keys, "a=1x;");
}

Test(dragonfly, bomb_and_garbage_rejected)
{
    buf f = {0};
    file_start(&f);
    uint8_t junk[32];
    memset(junk, 0xab, sizeof junk);
    put_blob(&f, 201, junk, sizeof junk);
    file_end(&f);
    seen s = {{0}, 0};
    rdbl_error err;
    cr_expect_eq(parse(&f, &s, &err), RDBL_CORRUPT);

    /* a frame claiming a huge content size from a few bytes */
    uint8_t big[1];
    uint8_t z[256];
    LZ4F_preferences_t pref = {0};
    pref.frameInfo.contentSize = 1;
    size_t ln = LZ4F_compressFrame(z, sizeof z, big, 0, &pref);
    cr_assert(!LZ4F_isError(ln));
    /* patch the 8-byte content size (after magic 4 + FLG + BD) to 2^40 */
    uint64_t huge = 1ull << 40;
    memcpy(z + 6, &huge, 8);
    buf g = {0};
    file_start(&g);
    put_blob(&g, 202, z, ln);
    file_end(&g);
    rdbl_status st = parse(&g, &s, &err);
    cr_expect(st == RDBL_CORRUPT, "status %d: %s", st, err.msg);
}

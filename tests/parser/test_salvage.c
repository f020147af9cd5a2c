/* RDBL_PARSE_SALVAGE on damaged copies of real dumps (testdata/, written by
 * redis-server 7.0): zeroed 4 KiB pages, a stretch spliced out, foreign
 * bytes glued in, a cut file. Each damaged parse is compared with the clean
 * file's keys: no key may be invented (a name the clean file lacks), and at
 * least 97% of the keys whose record lies outside the damage come back
 * (zeroed pages; 90% for splices and foreign bytes, see below; all of them
 * before a cut).
 * Also: salvage on a clean file changes nothing, and a streaming source
 * (small reads, no seeking back) recovers the same keys as a mapped one. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/parser.h"
#include "rdblens/source.h"
#include "rdbbuild.h"
#include "testutil.h"

typedef struct krec {
    uint64_t db, off, bytes;
    uint8_t *key;
    size_t len;
    bool damaged;
} krec;

typedef struct kset {
    krec *v;
    size_t n, cap;
    uint64_t holes;
} kset;

static int on_end_key(void *u, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    kset *s = u;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        cr_assert(s->v);
    }
    krec *r = &s->v[s->n++];
    r->db = k->db;
    r->off = k->offset;
    r->bytes = st->rdb_bytes;
    r->len = k->key.len;
    r->key = malloc(r->len ? r->len : 1);
    memcpy(r->key, k->key.ptr, r->len);
    r->damaged = st->damaged;
    return 0;
}

static int on_hole(void *u, const rdbl_hole *h)
{
    kset *s = u;
    cr_assert(h->end >= h->start);
    s->holes++;
    return 0;
}

static const rdbl_events events = {.on_end_key = on_end_key, .on_hole = on_hole};

static int cmp_name(const void *a, const void *b)
{
    const krec *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static void kset_free(kset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].key);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static rdbl_status parse(const uint8_t *p, size_t n, unsigned flags, size_t read_size, kset *out)
{
    memset(out, 0, sizeof *out);
    rdbl_source *src;
    rdbl_error err;
    rdbl_source_opts so = {.read_size = read_size};
    cr_assert_eq(rdbl_source_open_mem(&src, p, n, &so, &err), RDBL_OK);
    rdbl_parse_opts po = {.flags = flags};
    rdbl_status st = rdbl_parse(src, &events, out, &po, &err);
    rdbl_source_free(src);
    return st;
}

/* A source that cannot seek back: at most `chunk` bytes per read. */
typedef struct feed {
    const uint8_t *p;
    size_t n, at, chunk;
} feed;

static long feed_read(void *u, void *buf, size_t cap)
{
    feed *f = u;
    size_t k = f->n - f->at;
    if (k > cap)
        k = cap;
    if (k > f->chunk)
        k = f->chunk;
    memcpy(buf, f->p + f->at, k);
    f->at += k;
    return (long)k;
}

static void parse_stream(const uint8_t *p, size_t n, kset *out)
{
    memset(out, 0, sizeof *out);
    rdbl_source *src;
    rdbl_error err;
    feed f = {p, n, 0, 4096};
    rdbl_source_opts so = {.read_size = 4096};
    cr_assert_eq(rdbl_source_open_reader(&src, feed_read, &f, &so, &err), RDBL_OK);
    rdbl_parse_opts po = {.flags = RDBL_PARSE_SALVAGE};
    rdbl_parse(src, &events, out, &po, &err);
    rdbl_source_free(src);
}

typedef struct range {
    uint64_t start, end; /* clean-file offsets damaged; start == end: bytes inserted there */
} range;

/* Compares a salvaged parse with the clean keys (sorted by name). */
static void score(const char *what, kset *clean, kset *got, const range *r, size_t nr,
                  double min_share)
{
    size_t invented = 0, outside = 0, back = 0;
    for (size_t i = 0; i < got->n; i++)
        if (!bsearch(&got->v[i], clean->v, clean->n, sizeof *clean->v, cmp_name))
            invented++;
    qsort(got->v, got->n, sizeof *got->v, cmp_name);
    for (size_t i = 0; i < clean->n; i++) {
        const krec *k = &clean->v[i];
        bool hit = false;
        for (size_t j = 0; j < nr && !hit; j++)
            hit = r[j].start == r[j].end
                      ? k->off < r[j].start && r[j].start < k->off + k->bytes
                      : k->off < r[j].end && r[j].start < k->off + k->bytes;
        if (hit)
            continue;
        outside++;
        if (bsearch(k, got->v, got->n, sizeof *got->v, cmp_name))
            back++;
    }
    double share = outside ? (double)back / (double)outside : 1.0;
    cr_log_info("%s: %zu keys (clean %zu), %zu outside the damage, %.4f of them back, "
                "%zu invented, %" PRIu64 " holes",
                what, got->n, clean->n, outside, share, invented, got->holes);
    cr_expect_eq(invented, 0, "%s: %zu invented keys", what, invented);
    cr_expect_geq(share, min_share, "%s: %.4f of the keys outside the damage back", what,
                  share);
}

static uint8_t *load(const char *name, size_t *n)
{
    char *path = tu_path(tu_env("RDBL_TESTDATA", "testdata"), name);
    uint8_t *p = (uint8_t *)tu_read_file(path, n);
    cr_assert(p, "cannot read %s", path);
    free(path);
    return p;
}

static const char *const files[] = {"sample.rdb", "roundtrip/default.rdb",
                                    "roundtrip/nocompress.rdb"};

static void clean_keys(const uint8_t *p, size_t n, kset *clean)
{
    cr_assert_eq(parse(p, n, 0, 0, clean), RDBL_OK);
    qsort(clean->v, clean->n, sizeof *clean->v, cmp_name);
}

Test(salvage, clean_files_unchanged)
{
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        size_t n;
        uint8_t *p = load(files[f], &n);
        kset a, b;
        cr_assert_eq(parse(p, n, 0, 0, &a), RDBL_OK);
        cr_assert_eq(parse(p, n, RDBL_PARSE_SALVAGE, 0, &b), RDBL_OK, "%s", files[f]);
        cr_assert_eq(a.n, b.n, "%s", files[f]);
        cr_assert_eq(b.holes, 0);
        for (size_t i = 0; i < a.n; i++)
            cr_assert(a.v[i].len == b.v[i].len && a.v[i].off == b.v[i].off &&
                      memcmp(a.v[i].key, b.v[i].key, a.v[i].len) == 0);
        kset_free(&a);
        kset_free(&b);
        free(p);
    }
}

Test(salvage, zeroed_pages, .timeout = 300)
{
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        size_t n;
        uint8_t *p = load(files[f], &n);
        kset clean;
        clean_keys(p, n, &clean);
        size_t pages = n / 4096;
        for (uint64_t seed = 1; seed <= 8; seed++) {
            uint8_t *d = malloc(n);
            memcpy(d, p, n);
            uint64_t rs = seed * 0x9e3779b97f4a7c15ULL;
            range r[4];
            for (int i = 0; i < 4; i++) {
                uint64_t pg = 1 + tu_xorshift(&rs) % (pages - 1);
                r[i].start = pg * 4096;
                r[i].end = r[i].start + 4096;
                memset(d + r[i].start, 0, 4096);
            }
            kset got;
            cr_expect_eq(parse(d, n, RDBL_PARSE_SALVAGE, 0, &got), RDBL_CORRUPT);
            char what[96];
            snprintf(what, sizeof what, "%s, 4 zeroed pages, seed %" PRIu64, files[f], seed);
            if (seed == 1) {
                /* the same keys through a source that cannot seek back */
                kset s;
                parse_stream(d, n, &s);
                cr_expect_eq(s.n, got.n, "%s: streamed %zu keys, mapped %zu", what, s.n, got.n);
                kset_free(&s);
            }
            score(what, &clean, &got, r, 4, 0.97);
            kset_free(&got);
            free(d);
        }
        kset_free(&clean);
        free(p);
    }
}

Test(salvage, splice_foreign_cut, .timeout = 300)
{
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        size_t n;
        uint8_t *p = load(files[f], &n);
        kset clean;
        clean_keys(p, n, &clean);
        for (uint64_t seed = 1; seed <= 4; seed++) {
            uint64_t rs = seed * 0xbf58476d1ce4e5b9ULL;
            char what[96];
            kset got;
            /* spliced: [s, s + k) cut out */
            size_t k = 8192 + tu_xorshift(&rs) % 65536, s = n / 4 + tu_xorshift(&rs) % (n / 2);
            uint8_t *d = malloc(n + 65536);
            memcpy(d, p, s);
            memcpy(d + s, p + s + k, n - s - k);
            parse(d, n - k, RDBL_PARSE_SALVAGE, 0, &got);
            range r = {s, s + k};
            snprintf(what, sizeof what, "%s, spliced [%zu, %zu), seed %" PRIu64, files[f], s, s + k, seed);
            /* lower bar: when the splice lands inside a long value whose length
             * survived (sample.rdb seed 3: a 478 KB string), the records after
             * it up to that length are read as its bytes and lost */
            score(what, &clean, &got, &r, 1, 0.90);
            kset_free(&got);
            /* foreign: 16 KiB of random bytes and text glued in at s */
            memcpy(d, p, s);
            for (size_t i = 0; i < 16384; i++)
                d[s + i] = i % 3 ? (uint8_t)tu_xorshift(&rs) : (uint8_t)"lorem ipsum "[i % 12];
            memcpy(d + s + 16384, p + s, n - s);
            parse(d, n + 16384, RDBL_PARSE_SALVAGE, 0, &got);
            r = (range){s, s};
            snprintf(what, sizeof what, "%s, foreign bytes, seed %" PRIu64, files[f], seed);
            score(what, &clean, &got, &r, 1, 0.90);
            kset_free(&got);
            /* cut at s: every key before it, nothing made up */
            cr_expect_eq(parse(p, s, RDBL_PARSE_SALVAGE, 0, &got), RDBL_TRUNCATED);
            r = (range){s, n};
            snprintf(what, sizeof what, "%s, cut, seed %" PRIu64, files[f], seed);
            score(what, &clean, &got, &r, 1, 1.0);
            kset_free(&got);
            free(d);
        }
        kset_free(&clean);
        free(p);
    }
}

/* The bytes after a hole read "00 01 'v' <14-bit length>": a string record
 * named "v" whose made-up value swallows the real records after it, and
 * the records after that read cleanly (an LZF payload's tail did this on
 * the labelled keyspace, flipped bytes). A 1-2 byte name shorter than every
 * key before the damage is refused, so the swallowed records come back. */
static void sval(rb *r, const char *key, unsigned i)
{
    char v[64];
    snprintf(v, sizeof v, "value-%u-of-some-length", i);
    rb_key(r, 0, key);
    rb_cstr(r, v);
}

Test(salvage, short_name_after_a_hole_is_refused)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_select(&r, 0);
    char k[32];
    for (unsigned i = 0; i < 40; i++) {
        snprintf(k, sizeof k, "order:%04u", i);
        sval(&r, k, i);
    }
    rb_u8(&r, 0x60); /* no record starts so: the hole */
    rb inner;
    rb_init_buf(&inner);
    for (unsigned i = 0; i < 5; i++) {
        snprintf(k, sizeof k, "order:%04u", 100 + i);
        sval(&inner, k, i);
    }
    rb_u8(&r, 0);
    rb_u8(&r, 1);
    rb_u8(&r, 'v');
    rb_u8(&r, 0x40 | (unsigned)(inner.len >> 8));
    rb_u8(&r, (unsigned)(inner.len & 0xff));
    rb_raw(&r, inner.p, inner.len);
    for (unsigned i = 0; i < 4; i++) {
        snprintf(k, sizeof k, "order:%04u", 200 + i);
        sval(&r, k, i);
    }
    rb_eof(&r);
    kset got;
    parse(r.p, r.len, RDBL_PARSE_SALVAGE, 0, &got);
    cr_assert_eq(got.holes, 1);
    size_t inner_found = 0;
    for (size_t i = 0; i < got.n; i++) {
        cr_expect(!(got.v[i].len == 1 && got.v[i].key[0] == 'v'), "the key 'v' was invented");
        inner_found += got.v[i].len == 10 && memcmp(got.v[i].key, "order:010", 9) == 0;
    }
    cr_expect_eq(inner_found, 5, "the records after the hole: %zu of 5", inner_found);
    cr_expect_eq(got.n, 40 + 5 + 4);
    kset_free(&got);
    rb_free(&inner);
    rb_free(&r);
}

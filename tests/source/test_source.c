/* Tests of src/source: every input backend and compression gives the same
 * decompressed bytes and offsets, whatever the read and need() sizes (as
 * librdb's test_rdb_to_json parses each dump whole, and with 1-byte
 * buffers). Compressed fixtures are made here, at run time, with zlib,
 * lz4frame and zstd from a synthetic stream and from a real corpus file. */
#define ZLIB_CONST
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "rdblens/source.h"
#include "source/source_int.h"

TestSuite(source, .timeout = 120);

/* ---- fixtures ----------------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t len;
} buf;

static uint32_t rng_next(uint32_t *s)
{
    /* xorshift32: deterministic, seeds never 0 */
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* "REDIS0011" then a mix of dictionary words (compressible), random runs
 * (not) and back-references, roughly like a dump. */
static buf synth(size_t n, uint32_t seed)
{
    static const char *words[] = {"user:", "session:", "cart:", "12345", "value", "\x00\x00",
                                  "listpack", "\xff", "redis-ver", "7.2.4", "ctime"};
    buf b = {malloc(n), n};
    cr_assert_not_null(b.p);
    size_t o = 0;
    memcpy(b.p, "REDIS0011", n < 9 ? n : 9);
    o = n < 9 ? n : 9;
    uint32_t r = seed ? seed : 1;
    while (o < n) {
        uint32_t k = rng_next(&r) % 10;
        if (k < 6) {
            const char *w = words[rng_next(&r) % (sizeof words / sizeof *words)];
            size_t wl = strlen(w) ? strlen(w) : 1;
            for (size_t i = 0; i < wl && o < n; i++)
                b.p[o++] = (uint8_t)w[i];
        } else if (k < 8) {
            size_t run = rng_next(&r) % 40;
            for (size_t i = 0; i < run && o < n; i++)
                b.p[o++] = (uint8_t)rng_next(&r);
        } else if (o > 1000) {
            size_t from = o - 1 - rng_next(&r) % 1000, run = rng_next(&r) % 64;
            for (size_t i = 0; i < run && o < n; i++)
                b.p[o++] = b.p[from + i];
        }
    }
    return b;
}

static buf cat(buf a, buf b)
{
    buf c = {malloc(a.len + b.len + 1), a.len + b.len};
    cr_assert_not_null(c.p);
    memcpy(c.p, a.p, a.len);
    memcpy(c.p + a.len, b.p, b.len);
    return c;
}

static buf dup_buf(const void *p, size_t n)
{
    buf b = {malloc(n + 1), n};
    cr_assert_not_null(b.p);
    memcpy(b.p, p, n);
    return b;
}

static buf gz(buf in)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    buf out = {malloc(deflateBound(&z, in.len) + 64), 0};
    z.next_in = in.p;
    z.avail_in = (uInt)in.len;
    z.next_out = out.p;
    z.avail_out = (uInt)(deflateBound(&z, in.len) + 64);
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.len = z.total_out;
    deflateEnd(&z);
    return out;
}

static buf lz4f(buf in)
{
    LZ4F_preferences_t pr;
    memset(&pr, 0, sizeof pr);
    pr.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    pr.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
    size_t cap = LZ4F_compressFrameBound(in.len, &pr);
    buf out = {malloc(cap), 0};
    out.len = LZ4F_compressFrame(out.p, cap, in.p, in.len, &pr);
    cr_assert(!LZ4F_isError(out.len), "%s", LZ4F_getErrorName(out.len));
    return out;
}

static buf zst(buf in)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    size_t cap = ZSTD_compressBound(in.len);
    buf out = {malloc(cap), 0};
    out.len = ZSTD_compress2(c, out.p, cap, in.p, in.len);
    cr_assert(!ZSTD_isError(out.len));
    ZSTD_freeCCtx(c);
    return out;
}

static buf vkcs(buf in)
{
    buf f = lz4f(in);
    static const uint8_t h[8] = {'V', 'K', 'C', 'S', 1, 1, 1, 0};
    buf hb = {(uint8_t *)h, 8};
    buf out = cat(hb, f);
    free(f.p);
    return out;
}

typedef buf (*compress_fn)(buf);
static buf plain(buf in)
{
    return dup_buf(in.p, in.len);
}

static const struct {
    const char *name;
    compress_fn fn;
    rdbl_compression comp;
} formats[] = {
    {"plain", plain, RDBL_COMP_NONE}, {"gzip", gz, RDBL_COMP_GZIP},
    {"lz4", lz4f, RDBL_COMP_LZ4},     {"zstd", zst, RDBL_COMP_ZSTD},
    {"vkcs", vkcs, RDBL_COMP_VKCS},
};
#define NFORMATS (sizeof formats / sizeof *formats)

static buf read_corpus(const char *rel)
{
    const char *dir = getenv("RDBL_CORPUS_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "../shared/corpus", rel);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "corpus file %s missing", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf b = {malloc((size_t)n + 1), (size_t)n};
    cr_assert_eq(fread(b.p, 1, b.len, f), b.len);
    fclose(f);
    return b;
}

static char *write_tmp(buf b)
{
    char *path = strdup("/tmp/rdbl_test_source_XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    size_t o = 0;
    while (o < b.len) {
        ssize_t w = write(fd, b.p + o, b.len - o);
        cr_assert(w > 0);
        o += (size_t)w;
    }
    close(fd);
    return path;
}

/* ---- a reader over memory with chosen chunk sizes ------------------------ */

typedef struct mreader {
    const uint8_t *p;
    size_t len, pos;
    size_t chunk;      /* 0: random sizes */
    uint32_t rng;
    long fail_after;   /* -1: never; else fail once pos reaches it */
} mreader;

static long mreader_read(void *user, void *dst, size_t cap)
{
    mreader *r = user;
    if (r->fail_after >= 0 && r->pos >= (size_t)r->fail_after) {
        errno = EIO;
        return -1;
    }
    size_t n = r->chunk ? r->chunk : 1 + rng_next(&r->rng) % 5000;
    if (n > cap)
        n = cap;
    if (n > r->len - r->pos)
        n = r->len - r->pos;
    memcpy(dst, r->p + r->pos, n);
    r->pos += n;
    return (long)n;
}

/* ---- draining a source -------------------------------------------------- */

typedef enum step_kind { STEP_1, STEP_7, STEP_64K, STEP_RANDOM, STEP_BIG } step_kind;

typedef struct drained {
    buf data;
    rdbl_status st;   /* how it ended: TRUNCATED for a clean end */
    rdbl_error err;
} drained;

/* Reads everything with need()/consume() in the given steps, checking at
 * each step that avail >= n, that the bytes match `expect` (when given)
 * and that the offset follows. */
static drained drain(rdbl_source *s, step_kind k, uint32_t seed)
{
    drained d;
    memset(&d, 0, sizeof d);
    size_t cap = 1 << 16;
    d.data.p = malloc(cap);
    uint32_t r = seed ? seed : 7;
    for (;;) {
        size_t n;
        switch (k) {
        case STEP_1: n = 1; break;
        case STEP_7: n = 7; break;
        case STEP_64K: n = 65536; break;
        case STEP_BIG: n = 3 << 20; break;
        default: {
            uint32_t x = rng_next(&r);
            n = (x & 3) == 0 ? 1 + x % 300000 : 1 + x % 97;
        }
        }
        const uint8_t *p = NULL;
        size_t avail = 0;
        rdbl_status st = rdbl_source_need(s, n, &p, &avail, &d.err);
        cr_assert_not_null(p);
        if (st == RDBL_OK)
            cr_assert_geq(avail, n);
        else if (st != RDBL_TRUNCATED)
            cr_assert_eq(avail, 0);
        /* consume n (or less, at random, or everything at the end) */
        size_t take = st == RDBL_OK ? n : avail;
        if (st == RDBL_OK && k == STEP_RANDOM && (rng_next(&r) & 7) == 0)
            take = rng_next(&r) % (n + 1);
        if (d.data.len + take > cap) {
            while (d.data.len + take > cap)
                cap *= 2;
            d.data.p = realloc(d.data.p, cap);
        }
        if (take)
            memcpy(d.data.p + d.data.len, p, take);
        uint64_t before = rdbl_source_offset(s);
        cr_assert_eq(before, d.data.len);
        rdbl_source_consume(s, take);
        d.data.len += take;
        cr_assert_eq(rdbl_source_offset(s), d.data.len);
        if (st != RDBL_OK) {
            d.st = st;
            break;
        }
    }
    return d;
}

static void expect_same(drained *d, buf want)
{
    cr_assert_eq(d->st, RDBL_TRUNCATED, "ended with %s: %s", rdbl_status_name(d->st),
                 d->err.msg);
    cr_assert_eq(d->err.code, RDBL_OK, "clean end must not fill err: %s", d->err.msg);
    cr_assert_eq(d->data.len, want.len, "got %zu bytes, want %zu", d->data.len, want.len);
    cr_assert(memcmp(d->data.p, want.p, want.len) == 0, "bytes differ");
}

typedef enum backend { BK_MEM, BK_FILE, BK_FD, BK_READER1, BK_READER7, BK_READER_RAND,
                       BK_READSIZE1 } backend;
static const char *backend_name[] = {"mem", "file", "fd", "reader1", "reader7", "reader-rand",
                                     "read_size=1"};

typedef struct opened {
    rdbl_source *s;
    mreader r;
    char *path;
    int fd;
} opened;

static void open_as(opened *o, backend b, buf in, bool threaded)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    rdbl_source_opts opts = {.read_size = 0, .threaded = threaded};
    rdbl_error err;
    memset(&err, 0, sizeof err);
    rdbl_status st = RDBL_OK;
    switch (b) {
    case BK_MEM:
        st = rdbl_source_open_mem(&o->s, in.p, in.len, &opts, &err);
        break;
    case BK_FILE:
        o->path = write_tmp(in);
        st = rdbl_source_open_file(&o->s, o->path, &opts, &err);
        break;
    case BK_FD:
    case BK_READSIZE1:
        o->path = write_tmp(in);
        o->fd = open(o->path, O_RDONLY);
        if (b == BK_READSIZE1) {
            /* a pipe-like descriptor: force the read path with 1-byte reads */
            int pfd[2];
            cr_assert_eq(pipe(pfd), 0);
            close(o->fd);
            o->fd = pfd[0];
            pid_t pid = fork();
            cr_assert(pid >= 0);
            if (pid == 0) {
                close(pfd[0]);
                size_t w = 0;
                while (w < in.len) {
                    ssize_t k = write(pfd[1], in.p + w, in.len - w);
                    if (k <= 0)
                        _exit(1);
                    w += (size_t)k;
                }
                _exit(0);
            }
            close(pfd[1]);
            opts.read_size = 1;
        }
        st = rdbl_source_open_fd(&o->s, o->fd, &opts, &err);
        break;
    case BK_READER1:
    case BK_READER7:
    case BK_READER_RAND:
        o->r.p = in.p;
        o->r.len = in.len;
        o->r.chunk = b == BK_READER1 ? 1 : b == BK_READER7 ? 7 : 0;
        o->r.rng = 12345;
        o->r.fail_after = -1;
        st = rdbl_source_open_reader(&o->s, mreader_read, &o->r, &opts, &err);
        break;
    }
    cr_assert_eq(st, RDBL_OK, "open %s: %s", backend_name[b], err.msg);
    cr_assert_not_null(o->s);
}

static void close_opened(opened *o)
{
    rdbl_source_free(o->s);
    if (o->fd >= 0)
        close(o->fd);
    if (o->path) {
        unlink(o->path);
        free(o->path);
    }
}

/* Every format x backend x step pattern, checking bytes, offsets, the
 * detected compression and the input counters. */
static void roundtrip(buf data, bool threaded, bool small)
{
    for (size_t f = 0; f < NFORMATS; f++) {
        buf comp = formats[f].fn(data);
        for (int b = BK_MEM; b <= BK_READSIZE1; b++) {
            if (small == false && (b == BK_READER1 || b == BK_READSIZE1))
                continue; /* 1-byte reads over megabytes: covered by the small inputs */
            for (int k = STEP_1; k <= STEP_BIG; k++) {
                if (!small && k == STEP_1 && b != BK_MEM)
                    continue;
                opened o;
                open_as(&o, (backend)b, comp, threaded);
                cr_assert_eq(rdbl_source_compression(o.s), formats[f].comp, "%s %s",
                             formats[f].name, backend_name[b]);
                /* plain input is read by the producer thread too, but
                 * memory (the caller's buffer) is served in place */
                bool want_thread = threaded && (formats[f].comp != RDBL_COMP_NONE || b != BK_MEM);
                cr_assert_eq(rdbl__source_threaded(o.s), want_thread, "%s %s threaded",
                             formats[f].name, backend_name[b]);
                uint64_t want_size = (b == BK_MEM || b == BK_FILE || b == BK_FD) ? comp.len : 0;
                cr_assert_eq(rdbl_source_input_size(o.s), want_size, "%s %s input_size",
                             formats[f].name, backend_name[b]);
                drained d = drain(o.s, (step_kind)k, (uint32_t)(f * 31 + (size_t)b * 7 + 1));
                cr_assert_eq(d.st, RDBL_TRUNCATED, "%s %s step %d: %s %s", formats[f].name,
                             backend_name[b], k, rdbl_status_name(d.st), d.err.msg);
                expect_same(&d, data);
                cr_assert_eq(rdbl_source_input_consumed(o.s), comp.len,
                             "%s %s: input_consumed %llu of %zu", formats[f].name,
                             backend_name[b],
                             (unsigned long long)rdbl_source_input_consumed(o.s), comp.len);
                free(d.data.p);
                close_opened(&o);
            }
        }
        free(comp.p);
    }
}

Test(source, roundtrip_small_all_backends_and_steps)
{
    buf data = synth(150000, 42);
    roundtrip(data, false, true);
    free(data.p);
}

Test(source, roundtrip_large, .timeout = 300)
{
    buf data = synth(5u << 20, 4242);
    roundtrip(data, false, false);
    free(data.p);
}

Test(source, roundtrip_threaded_small)
{
    buf data = synth(150000, 77);
    roundtrip(data, true, true);
    free(data.p);
}

Test(source, roundtrip_threaded_large, .timeout = 300)
{
    buf data = synth(5u << 20, 777);
    roundtrip(data, true, false);
    free(data.p);
}

Test(source, corpus_quicklist_every_format)
{
    buf data = read_corpus("librdb/quicklist.rdb");
    roundtrip(data, false, true);
    roundtrip(data, true, true);
    free(data.p);
}

Test(source, corpus_100_lists_every_format)
{
    buf data = read_corpus("librdb/100_lists.rdb");
    roundtrip(data, false, true);
    free(data.p);
}

/* ---- edges -------------------------------------------------------------- */

Test(source, compression_names)
{
    cr_assert_str_eq(rdbl_compression_name(RDBL_COMP_NONE), "none");
    cr_assert_str_eq(rdbl_compression_name(RDBL_COMP_GZIP), "gzip");
    cr_assert_str_eq(rdbl_compression_name(RDBL_COMP_LZ4), "lz4");
    cr_assert_str_eq(rdbl_compression_name(RDBL_COMP_ZSTD), "zstd");
    cr_assert_str_eq(rdbl_compression_name(RDBL_COMP_VKCS), "vkcs-lz4");
    cr_assert_str_eq(rdbl_compression_name((rdbl_compression)99), "unknown");
}

Test(source, need_more_than_available_every_format)
{
    buf data = synth(100000, 5);
    for (size_t f = 0; f < NFORMATS; f++) {
        buf comp = formats[f].fn(data);
        for (int b = BK_MEM; b <= BK_READER_RAND; b++) {
            for (int th = 0; th < 2; th++) {
                opened o;
                open_as(&o, (backend)b, comp, th);
                const uint8_t *p;
                size_t avail;
                rdbl_error err;
                memset(&err, 0, sizeof err);
                cr_assert_eq(rdbl_source_need(o.s, 10, &p, &avail, &err), RDBL_OK);
                rdbl_source_consume(o.s, 10);
                /* more than there is: TRUNCATED, with everything that is there */
                cr_assert_eq(rdbl_source_need(o.s, data.len, &p, &avail, &err), RDBL_TRUNCATED);
                cr_assert_eq(avail, data.len - 10, "%s %s", formats[f].name, backend_name[b]);
                cr_assert(memcmp(p, data.p + 10, avail) == 0);
                cr_assert_eq(err.code, RDBL_OK, "clean end: err untouched (%s)", err.msg);
                /* not dead: what is there can still be had */
                cr_assert_eq(rdbl_source_need(o.s, data.len - 10, &p, &avail, &err), RDBL_OK);
                cr_assert_eq(avail, data.len - 10);
                rdbl_source_consume(o.s, avail);
                cr_assert_eq(rdbl_source_need(o.s, 1, &p, &avail, &err), RDBL_TRUNCATED);
                cr_assert_eq(avail, 0);
                cr_assert_eq(rdbl_source_offset(o.s), data.len);
                close_opened(&o);
            }
        }
        free(comp.p);
    }
    free(data.p);
}

Test(source, bogus_huge_need_does_not_allocate_ahead)
{
    buf data = synth(3u << 20, 9);
    for (size_t f = 0; f < NFORMATS; f++) {
        buf comp = formats[f].fn(data);
        for (int b = BK_MEM; b <= BK_READER_RAND; b++) {
            for (int th = 0; th < 2; th++) {
                opened o;
                open_as(&o, (backend)b, comp, th);
                const uint8_t *p;
                size_t avail;
                rdbl_error err;
                memset(&err, 0, sizeof err);
                cr_assert_eq(rdbl_source_need(o.s, (size_t)1 << 40, &p, &avail, &err),
                             RDBL_TRUNCATED);
                cr_assert_eq(avail, data.len);
                cr_assert_eq(rdbl_source_need(o.s, SIZE_MAX, &p, &avail, &err), RDBL_TRUNCATED);
                cr_assert_eq(avail, data.len);
                /* the window holds the data, at most about twice over */
                size_t cap = rdbl__source_window_cap(o.s);
                size_t limit = 2 * (data.len > RDBL__READ_DEFAULT ? data.len : RDBL__READ_DEFAULT);
                cr_assert_leq(cap, limit, "%s %s: window %zu", formats[f].name,
                              backend_name[b], cap);
                close_opened(&o);
            }
        }
        free(comp.p);
    }
    free(data.p);
}

Test(source, empty_and_unknown_inputs_pass_through)
{
    const uint8_t *p;
    size_t avail;
    rdbl_error err;
    memset(&err, 0, sizeof err);
    rdbl_source *s;
    cr_assert_eq(rdbl_source_open_mem(&s, NULL, 0, NULL, &err), RDBL_OK);
    cr_assert_eq(rdbl_source_compression(s), RDBL_COMP_NONE);
    cr_assert_eq(rdbl_source_need(s, 0, &p, &avail, &err), RDBL_OK);
    cr_assert_eq(avail, 0);
    cr_assert_eq(rdbl_source_need(s, 1, &p, &avail, &err), RDBL_TRUNCATED);
    cr_assert_eq(avail, 0);
    rdbl_source_free(s);

    static const char junk[] = "PK\x03\x04 this is a zip, not an RDB";
    buf j = {(uint8_t *)junk, sizeof junk - 1};
    for (int b = BK_MEM; b <= BK_READSIZE1; b++) {
        opened o;
        open_as(&o, (backend)b, j, false);
        cr_assert_eq(rdbl_source_compression(o.s), RDBL_COMP_NONE);
        drained d = drain(o.s, STEP_7, 3);
        expect_same(&d, j);
        free(d.data.p);
        close_opened(&o);
    }
    /* shorter than any magic, and a lone gzip-looking byte */
    buf one = {(uint8_t *)"\x1f", 1};
    opened o;
    open_as(&o, BK_READER1, one, false);
    cr_assert_eq(rdbl_source_compression(o.s), RDBL_COMP_NONE);
    drained d = drain(o.s, STEP_1, 3);
    expect_same(&d, one);
    free(d.data.p);
    close_opened(&o);
}

/* Cut a compressed stream short: the bytes before the cut come out, then
 * TRUNCATED with a message naming the codec. */
Test(source, truncated_streams)
{
    buf data = synth(400000, 11);
    for (size_t f = 1; f < NFORMATS; f++) {
        buf comp = formats[f].fn(data);
        size_t cuts[] = {comp.len / 2, comp.len - 1, 9, 5};
        for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
            for (int th = 0; th < 2; th++) {
                for (int b = BK_MEM; b <= BK_READER_RAND; b += 3) {
                    buf cut = {comp.p, cuts[c]};
                    opened o;
                    open_as(&o, (backend)b, cut, th);
                    drained d = drain(o.s, STEP_RANDOM, 5);
                    cr_assert_eq(d.st, RDBL_TRUNCATED, "%s cut %zu: %s", formats[f].name,
                                 cuts[c], rdbl_status_name(d.st));
                    cr_assert_eq(d.err.code, RDBL_TRUNCATED, "%s cut %zu: no message",
                                 formats[f].name, cuts[c]);
                    cr_assert(strstr(d.err.msg, "ended early") || strstr(d.err.msg, "ends early"),
                              "%s: %s", formats[f].name, d.err.msg);
                    cr_assert_leq(d.data.len, data.len);
                    cr_assert(memcmp(d.data.p, data.p, d.data.len) == 0, "prefix differs");
                    if (c == 0)
                        cr_assert_gt(d.data.len, 0);
                    /* the same answer again */
                    const uint8_t *p;
                    size_t avail;
                    rdbl_error e2;
                    memset(&e2, 0, sizeof e2);
                    cr_assert_eq(rdbl_source_need(o.s, 1, &p, &avail, &e2), RDBL_TRUNCATED);
                    cr_assert_str_eq(e2.msg, d.err.msg);
                    free(d.data.p);
                    close_opened(&o);
                }
            }
        }
        free(comp.p);
    }
    free(data.p);
}

Test(source, truncated_message_names_codec)
{
    buf data = synth(50000, 12);
    const char *want[] = {NULL, "gzip stream ended early", "lz4 stream ended early",
                          "zstd stream ended early", "lz4 stream ended early"};
    for (size_t f = 1; f < NFORMATS; f++) {
        buf comp = formats[f].fn(data);
        rdbl_source *s;
        rdbl_error err;
        memset(&err, 0, sizeof err);
        cr_assert_eq(rdbl_source_open_mem(&s, comp.p, comp.len - 3, NULL, &err), RDBL_OK);
        drained d = drain(s, STEP_64K, 1);
        cr_assert(strstr(d.err.msg, want[f]), "%s", d.err.msg);
        free(d.data.p);
        rdbl_source_free(s);
        free(comp.p);
    }
    free(data.p);
}

/* Damage in the middle: CORRUPT with the decoder's words and the input
 * offset; the source is dead after that. */
Test(source, corrupted_streams)
{
    buf data = synth(400000, 13);
    for (size_t f = 1; f < NFORMATS; f++) {
        buf comp = formats[f].fn(data);
        for (size_t at = comp.len / 3; at < comp.len; at += comp.len / 4) {
            buf bad = dup_buf(comp.p, comp.len);
            for (size_t i = 0; i < 8; i++)
                bad.p[at + i] ^= 0x5a;
            for (int th = 0; th < 2; th++) {
                for (int b = BK_MEM; b <= BK_READER_RAND; b += 5) {
                    opened o;
                    open_as(&o, (backend)b, bad, th);
                    drained d = drain(o.s, STEP_RANDOM, 9);
                    cr_assert_eq(d.st, RDBL_CORRUPT, "%s at %zu: %s %s", formats[f].name, at,
                                 rdbl_status_name(d.st), d.err.msg);
                    cr_assert_eq(d.err.code, RDBL_CORRUPT);
                    cr_assert(strstr(d.err.msg, "input byte"), "%s", d.err.msg);
                    cr_assert(strstr(d.err.msg, "damaged"), "%s", d.err.msg);
                    /* lz4 checks each block before writing it; deflate and
                     * zstd may emit damaged bytes before their checksum */
                    if (formats[f].comp == RDBL_COMP_LZ4 || formats[f].comp == RDBL_COMP_VKCS)
                        cr_assert(memcmp(d.data.p, data.p, d.data.len) == 0,
                                  "bytes before the damage differ");
                    /* dead: even a need that could be served repeats the error */
                    const uint8_t *p;
                    size_t avail = 99;
                    rdbl_error e2;
                    memset(&e2, 0, sizeof e2);
                    cr_assert_eq(rdbl_source_need(o.s, 0, &p, &avail, &e2), RDBL_CORRUPT);
                    cr_assert_eq(avail, 0);
                    cr_assert_str_eq(e2.msg, d.err.msg);
                    free(d.data.p);
                    close_opened(&o);
                }
            }
            free(bad.p);
        }
        free(comp.p);
    }
    free(data.p);
}

Test(source, gzip_multi_member_and_trailing_garbage)
{
    buf data = synth(300000, 21);
    buf a = {data.p, 100000}, b = {data.p + 100000, 150000}, c = {data.p + 250000, 50000};
    buf ga = gz(a), gb = gz(b), gc = gz(c), empty = gz((buf){data.p, 0});
    buf ab = cat(ga, gb), abe = cat(ab, empty), all = cat(abe, gc);
    buf garbage = {(uint8_t *)"\0\0\0\0trailing", 12};
    buf all_g = cat(all, garbage);
    buf tail1 = cat(all, (buf){(uint8_t *)"\x1f", 1});
    buf *inputs[] = {&all, &all_g, &tail1};
    for (size_t i = 0; i < 3; i++) {
        for (int bk = BK_MEM; bk <= BK_READSIZE1; bk++) {
            for (int th = 0; th < 2; th++) {
                opened o;
                open_as(&o, (backend)bk, *inputs[i], th);
                cr_assert_eq(rdbl_source_compression(o.s), RDBL_COMP_GZIP);
                drained d = drain(o.s, STEP_RANDOM, 2);
                expect_same(&d, data);
                free(d.data.p);
                close_opened(&o);
            }
        }
    }
    free(ga.p), free(gb.p), free(gc.p), free(empty.p), free(ab.p), free(abe.p), free(all.p);
    free(all_g.p), free(tail1.p), free(data.p);
}

static buf skippable(size_t n)
{
    buf s = {calloc(1, 8 + n + 1), 8 + n};
    s.p[0] = 0x53; /* 0x184D2A53 */
    s.p[1] = 0x2a;
    s.p[2] = 0x4d;
    s.p[3] = 0x18;
    s.p[4] = (uint8_t)n;
    s.p[5] = (uint8_t)(n >> 8);
    return s;
}

Test(source, zstd_and_lz4_multiple_frames)
{
    buf data = synth(300000, 22);
    buf a = {data.p, 120000}, b = {data.p + 120000, 180000};
    compress_fn fns[] = {zst, lz4f};
    rdbl_compression comps[] = {RDBL_COMP_ZSTD, RDBL_COMP_LZ4};
    for (int k = 0; k < 2; k++) {
        buf fa = fns[k](a), fb = fns[k](b), sk = skippable(300);
        buf t1 = cat(fa, sk), t2 = cat(t1, fb);
        buf garbage = {(uint8_t *)"GARBAGE!", 8};
        buf t3 = cat(t2, garbage);
        buf *inputs[] = {&t2, &t3};
        for (int i = 0; i < 2; i++) {
            for (int bk = BK_MEM; bk <= BK_READSIZE1; bk++) {
                for (int th = 0; th < 2; th++) {
                    opened o;
                    open_as(&o, (backend)bk, *inputs[i], th);
                    cr_assert_eq(rdbl_source_compression(o.s), comps[k]);
                    drained d = drain(o.s, STEP_RANDOM, 3);
                    expect_same(&d, data);
                    free(d.data.p);
                    close_opened(&o);
                }
            }
        }
        free(fa.p), free(fb.p), free(sk.p), free(t1.p), free(t2.p), free(t3.p);
    }
    free(data.p);
}

Test(source, vkcs_envelope)
{
    buf data = synth(200000, 23);
    buf v = vkcs(data);
    /* bytes after the single frame are ignored, even another LZ4 frame */
    buf extra = lz4f((buf){data.p, 1000});
    buf v2 = cat(v, extra);
    for (int bk = BK_MEM; bk <= BK_READSIZE1; bk++) {
        opened o;
        open_as(&o, (backend)bk, v2, bk & 1);
        cr_assert_eq(rdbl_source_compression(o.s), RDBL_COMP_VKCS);
        drained d = drain(o.s, STEP_RANDOM, 4);
        expect_same(&d, data);
        free(d.data.p);
        close_opened(&o);
    }
    /* header fields: version, codec, kind */
    struct {
        size_t at;
        uint8_t val;
        const char *word;
    } bads[] = {{4, 2, "version"}, {5, 2, "codec"}, {7, 1, "kind"}};
    for (size_t i = 0; i < 3; i++) {
        buf bad = dup_buf(v.p, v.len);
        bad.p[bads[i].at] = bads[i].val;
        rdbl_source *s;
        rdbl_error err;
        memset(&err, 0, sizeof err);
        cr_assert_eq(rdbl_source_open_mem(&s, bad.p, bad.len, NULL, &err), RDBL_OK);
        cr_assert_eq(rdbl_source_compression(s), RDBL_COMP_VKCS);
        const uint8_t *p;
        size_t avail;
        cr_assert_eq(rdbl_source_need(s, 9, &p, &avail, &err), RDBL_UNSUPPORTED);
        cr_assert(strstr(err.msg, bads[i].word), "%s", err.msg);
        cr_assert_eq(rdbl_source_need(s, 1, &p, &avail, &err), RDBL_UNSUPPORTED);
        rdbl_source_free(s);
        free(bad.p);
    }
    /* flags other than bit 0 do not matter */
    buf f0 = dup_buf(v.p, v.len);
    f0.p[6] = 0;
    rdbl_source *s;
    rdbl_error err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(rdbl_source_open_mem(&s, f0.p, f0.len, NULL, &err), RDBL_OK);
    drained d = drain(s, STEP_64K, 1);
    expect_same(&d, data);
    free(d.data.p);
    rdbl_source_free(s);
    /* a header cut short */
    cr_assert_eq(rdbl_source_open_mem(&s, v.p, 6, NULL, &err), RDBL_OK);
    const uint8_t *p;
    size_t avail;
    cr_assert_eq(rdbl_source_need(s, 1, &p, &avail, &err), RDBL_TRUNCATED);
    cr_assert(strstr(err.msg, "VKCS header ends early"), "%s", err.msg);
    rdbl_source_free(s);
    free(f0.p), free(v.p), free(v2.p), free(extra.p), free(data.p);
}

/* The parser stops midway: free must join the producer, leak nothing and
 * never hang, whatever the queue holds. */
Test(source, threaded_abandoned_early)
{
    buf data = synth(6u << 20, 31);
    for (size_t f = 1; f < NFORMATS; f++) {
        buf comp = formats[f].fn(data);
        for (int when = 0; when < 4; when++) {
            for (int b = BK_MEM; b <= BK_READER_RAND; b++) {
                opened o;
                open_as(&o, (backend)b, comp, true);
                const uint8_t *p;
                size_t avail;
                rdbl_error err;
                memset(&err, 0, sizeof err);
                if (when >= 1) {
                    cr_assert_eq(rdbl_source_need(o.s, 100, &p, &avail, &err), RDBL_OK);
                    cr_assert(memcmp(p, data.p, 100) == 0);
                    rdbl_source_consume(o.s, 50);
                }
                if (when >= 2) {
                    /* a record straddling chunks, then hold a borrowed chunk */
                    cr_assert_eq(rdbl_source_need(o.s, 1500000, &p, &avail, &err), RDBL_OK);
                    cr_assert(memcmp(p, data.p + 50, 1500000) == 0);
                    rdbl_source_consume(o.s, 1500000);
                    cr_assert_eq(rdbl_source_need(o.s, 10, &p, &avail, &err), RDBL_OK);
                }
                if (when == 3)
                    usleep(20000); /* let the producer fill the queue and block */
                close_opened(&o);
            }
        }
        free(comp.p);
    }
    free(data.p);
}

Test(source, open_missing_file_is_io_with_path)
{
    rdbl_source *s = (rdbl_source *)1;
    rdbl_error err;
    memset(&err, 0, sizeof err);
    const char *path = "/nonexistent/dir/dump-404.rdb.gz";
    cr_assert_eq(rdbl_source_open_file(&s, path, NULL, &err), RDBL_IO);
    cr_assert_null(s);
    cr_assert_eq(err.code, RDBL_IO);
    cr_assert(strstr(err.msg, path), "%s", err.msg);
    cr_assert(strstr(err.msg, strerror(ENOENT)), "%s", err.msg);
}

Test(source, open_directory_is_io)
{
    rdbl_source *s = NULL;
    rdbl_error err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(rdbl_source_open_file(&s, "/tmp", NULL, &err), RDBL_IO);
    cr_assert_null(s);
    cr_assert(strstr(err.msg, "/tmp"), "%s", err.msg);
}

Test(source, dash_is_stdin)
{
    buf data = synth(200000, 41);
    for (size_t f = 0; f < NFORMATS; f++) {
        buf comp = formats[f].fn(data);
        char *path = write_tmp(comp);
        int fd = open(path, O_RDONLY);
        cr_assert(fd >= 0);
        int saved = dup(STDIN_FILENO);
        cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
        close(fd);
        rdbl_source *s;
        rdbl_error err;
        memset(&err, 0, sizeof err);
        cr_assert_eq(rdbl_source_open_file(&s, "-", NULL, &err), RDBL_OK);
        cr_assert_eq(rdbl_source_compression(s), formats[f].comp);
        drained d = drain(s, STEP_RANDOM, 8);
        expect_same(&d, data);
        free(d.data.p);
        rdbl_source_free(s);
        /* stdin is not ours to close */
        cr_assert(fcntl(STDIN_FILENO, F_GETFD) != -1);
        dup2(saved, STDIN_FILENO);
        close(saved);
        unlink(path);
        free(path);
        free(comp.p);
    }
    free(data.p);
}

Test(source, fd_not_at_start)
{
    buf data = synth(100000, 43);
    buf pre = {(uint8_t *)"0123456789abc", 13};
    for (size_t f = 0; f < NFORMATS; f++) {
        buf comp = formats[f].fn(data);
        buf all = cat(pre, comp);
        char *path = write_tmp(all);
        int fd = open(path, O_RDONLY);
        cr_assert_eq(lseek(fd, 13, SEEK_SET), 13);
        rdbl_source *s;
        rdbl_error err;
        memset(&err, 0, sizeof err);
        cr_assert_eq(rdbl_source_open_fd(&s, fd, NULL, &err), RDBL_OK);
        cr_assert_eq(rdbl_source_compression(s), formats[f].comp);
        cr_assert_eq(rdbl_source_input_size(s), comp.len);
        drained d = drain(s, STEP_RANDOM, 8);
        expect_same(&d, data);
        free(d.data.p);
        rdbl_source_free(s);
        close(fd);
        unlink(path);
        free(path);
        free(all.p);
        free(comp.p);
    }
    free(data.p);
}

Test(source, reader_error_is_io_and_sticky)
{
    buf data = synth(300000, 51);
    for (size_t f = 0; f < NFORMATS; f++) {
        buf comp = formats[f].fn(data);
        for (int th = 0; th < 2; th++) {
            mreader r = {comp.p, comp.len, 0, 1000, 1, (long)(comp.len / 2)};
            rdbl_source *s;
            rdbl_error err;
            memset(&err, 0, sizeof err);
            rdbl_source_opts opts = {.threaded = th};
            cr_assert_eq(rdbl_source_open_reader(&s, mreader_read, &r, &opts, &err), RDBL_OK);
            drained d = drain(s, STEP_RANDOM, 3);
            cr_assert_eq(d.st, RDBL_IO, "%s: %s", formats[f].name, rdbl_status_name(d.st));
            cr_assert(strstr(d.err.msg, strerror(EIO)), "%s", d.err.msg);
            cr_assert(strstr(d.err.msg, "reader"), "%s", d.err.msg);
            cr_assert(memcmp(d.data.p, data.p, d.data.len) == 0);
            const uint8_t *p;
            size_t avail;
            rdbl_error e2;
            memset(&e2, 0, sizeof e2);
            cr_assert_eq(rdbl_source_need(s, 1, &p, &avail, &e2), RDBL_IO);
            cr_assert_str_eq(e2.msg, d.err.msg);
            free(d.data.p);
            rdbl_source_free(s);
        }
        free(comp.p);
    }
    free(data.p);
}

Test(source, reader_error_at_open)
{
    mreader r = {(const uint8_t *)"REDIS", 5, 0, 1, 1, 0};
    rdbl_source *s = (rdbl_source *)1;
    rdbl_error err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(rdbl_source_open_reader(&s, mreader_read, &r, NULL, &err), RDBL_IO);
    cr_assert_null(s);
    cr_assert(strstr(err.msg, strerror(EIO)), "%s", err.msg);
}

Test(source, progress_counters_are_monotonic)
{
    buf data = synth(3u << 20, 61);
    for (size_t f = 0; f < NFORMATS; f++) {
        buf comp = formats[f].fn(data);
        for (int th = 0; th < 2; th++) {
            opened o;
            open_as(&o, BK_FILE, comp, th);
            cr_assert_eq(rdbl_source_input_size(o.s), comp.len);
            uint64_t last = 0;
            const uint8_t *p;
            size_t avail;
            rdbl_error err;
            memset(&err, 0, sizeof err);
            while (rdbl_source_need(o.s, 4096, &p, &avail, &err) == RDBL_OK) {
                rdbl_source_consume(o.s, 4096);
                uint64_t c = rdbl_source_input_consumed(o.s);
                cr_assert_geq(c, last);
                cr_assert_leq(c, comp.len);
                last = c;
            }
            rdbl_source_consume(o.s, avail);
            cr_assert_eq(rdbl_source_input_consumed(o.s), comp.len);
            close_opened(&o);
        }
        free(comp.p);
    }
    free(data.p);
}

/* A plain file past the mapping's trim step (64 MiB): pages behind are given
 * back and the bytes stay right. */
Test(source, large_plain_file_mapped, .timeout = 300)
{
    size_t n = (size_t)80 << 20;
    buf data = synth(n, 71);
    char *path = write_tmp(data);
    rdbl_source *s;
    rdbl_error err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(rdbl_source_open_file(&s, path, NULL, &err), RDBL_OK);
    drained d = drain(s, STEP_64K, 1);
    expect_same(&d, data);
    cr_assert_eq(rdbl__source_window_cap(s), 0, "a mapped plain file needs no window");
    free(d.data.p);
    rdbl_source_free(s);
    unlink(path);
    free(path);
    free(data.p);
}

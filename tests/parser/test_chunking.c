/* Chunking invariance (STYLE.md §3 item 7): the events of a parse must not
 * depend on how the input arrives. Every input file is parsed
 *   - through rdbl_source_open_mem (the whole buffer): the reference;
 *   - through rdbl_source_open_reader with reads of 1 byte, 7 bytes, random
 *     sizes (seeded per file, 1..5000) and a 3-byte read_size option;
 *   - as gzip, LZ4 frame and zstd copies compressed here (zlib, lz4frame,
 *     zstd APIs), from memory, through 7-byte reads, and with the threaded
 *     decompressor;
 * and every parse must give a byte-identical event log (evlog: every event
 * with all its fields), including the final status and error (code,
 * offset, phase, key, message).
 *
 * Then the work the parser skips must not change what it reports:
 *   - with only on_end_key present (every other handler NULL), the key
 *     statistics are those of the full parse (for a damaged file, of the
 *     keys the full parse completed: skipped bytes are not checked);
 *   - RDBL_PARSE_FAST gives the same keys, types, encodings and expiries
 *     (its element counts may be inexact, which elements_exact says), and
 *     with every handler present exactly the same events.
 *
 * Inputs: every .rdb of the corpus ($RDBL_CORPUS_DIR), testdata/sample.rdb
 * when present, the corrupt cases testdata/corrupt/ *.rdb and the fuzz seeds
 * fuzz/corpus/fuzz_rdb/ (errors must be just as invariant). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include "evlog.h"
#include "rdblens/parser.h"
#include "rdblens/source.h"
#include "testutil.h"

TestSuite(chunking, .timeout = 300);

/* ---- inputs ---- */

typedef struct inputs {
    char **paths;
    size_t n, cap;
} inputs;

static void add_path(inputs *in, const char *p)
{
    if (in->n + 1 >= in->cap) {
        in->cap = in->cap ? in->cap * 2 : 128;
        in->paths = realloc(in->paths, in->cap * sizeof *in->paths);
        cr_assert(in->paths != NULL);
    }
    in->paths[in->n] = strdup(p);
    cr_assert(in->paths[in->n] != NULL);
    in->n++;
}

static void add_dir(inputs *in, const char *dir, const char *suffix)
{
    char **files = evlog_list_files(dir, suffix, NULL);
    if (!files)
        return;
    for (char **f = files; *f; f++)
        add_path(in, *f);
    evlog_free_list(files);
}

/* The inputs; false (after failing under CI=true, or skipping loudly) when
 * the corpus folder is missing. */
static bool load_inputs(inputs *in)
{
    memset(in, 0, sizeof *in);
    const char *dir = tu_env("RDBL_CORPUS_DIR", NULL);
    struct stat st;
    if (!dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (strcmp(tu_env("CI", ""), "true") == 0)
            cr_assert_fail("corpus folder %s is missing (RDBL_CORPUS_DIR) and CI=true",
                           dir ? dir : "(unset)");
        cr_skip_test("corpus folder %s is missing: the chunking tests did not run",
                     dir ? dir : "(unset)");
        return false;
    }
    add_dir(in, dir, ".rdb");
    cr_assert(in->n >= 81, "only %zu corpus files under %s", in->n, dir);
    const char *td = tu_env("RDBL_TESTDATA", NULL);
    if (td) {
        char *sample = tu_path(td, "sample.rdb");
        if (stat(sample, &st) == 0)
            add_path(in, sample);
        free(sample);
        char *corrupt = tu_path(td, "corrupt");
        add_dir(in, corrupt, ".rdb");
        free(corrupt);
    }
    const char *root = tu_env("RDBL_SRCROOT", NULL);
    if (root) {
        char *seeds = tu_path(root, "fuzz/corpus/fuzz_rdb");
        add_dir(in, seeds, "");
        free(seeds);
    }
    return true;
}

static void free_inputs(inputs *in)
{
    for (size_t i = 0; i < in->n; i++)
        free(in->paths[i]);
    free(in->paths);
}

/* ---- parsing helpers ---- */

/* A reader over a buffer that hands out at most `chunk` bytes per call
 * (chunk 0: random sizes 1..5000 from a seeded generator). */
typedef struct chunk_reader {
    const uint8_t *p;
    size_t len, pos;
    size_t chunk;
    uint64_t rng;
} chunk_reader;

static long chunk_read(void *user, void *buf, size_t cap)
{
    chunk_reader *r = user;
    size_t want = r->chunk;
    if (want == 0) {
        r->rng = r->rng * 6364136223846793005ull + 1442695040888963407ull;
        want = 1 + (size_t)((r->rng >> 33) % 5000);
    }
    if (want > cap)
        want = cap;
    if (want > r->len - r->pos)
        want = r->len - r->pos;
    memcpy(buf, r->p + r->pos, want);
    r->pos += want;
    return (long)want;
}

static void log_status(evlog *l, rdbl_status st, const rdbl_error *err)
{
    if (st == RDBL_OK)
        evlog_printf(l, "status OK");
    else
        evlog_printf(l, "status %s", evlog_err_text(err));
}

static void parse_source(evlog *l, rdbl_source *src, const rdbl_events *ev, unsigned flags)
{
    rdbl_error err;
    rdbl_parse_opts o = {.flags = flags};
    rdbl_status st = rdbl_parse(src, ev, l, &o, &err);
    log_status(l, st, &err);
}

static void parse_mem(evlog *l, const uint8_t *p, size_t n, const rdbl_events *ev,
                      unsigned flags)
{
    rdbl_error err;
    rdbl_status st = evlog_parse_mem(l, p, n, ev, flags, &err);
    log_status(l, st, &err);
}

static void parse_chunked(evlog *l, const uint8_t *p, size_t n, size_t chunk, uint64_t seed,
                          const rdbl_source_opts *opts)
{
    chunk_reader r = {p, n, 0, chunk, seed};
    rdbl_source *src = NULL;
    rdbl_error err;
    rdbl_status st = rdbl_source_open_reader(&src, chunk_read, &r, opts, &err);
    cr_assert_eq(st, RDBL_OK, "%s", evlog_err_text(&err));
    parse_source(l, src, evlog_events(), 0);
    rdbl_source_free(src);
}

/* Prints where two logs first differ. */
static void expect_same_log(const char *what, const char *file, const evlog *ref,
                            const evlog *got)
{
    if (ref->len == got->len && memcmp(ref->buf, got->buf, ref->len) == 0)
        return;
    size_t i = 0, line = 1, bol = 0;
    while (i < ref->len && i < got->len && ref->buf[i] == got->buf[i]) {
        if (ref->buf[i] == '\n') {
            line++;
            bol = i + 1;
        }
        i++;
    }
    const char *a = ref->buf + bol, *b = got->buf + bol;
    int an = (int)strcspn(a, "\n"), bn = (int)strcspn(b, "\n");
    cr_expect_fail("%s: %s: event logs differ at line %zu\n  reference: %.*s\n  this parse: %.*s",
                   file, what, line, an > 300 ? 300 : an, a, bn > 300 ? 300 : bn, b);
}

static uint64_t seed_of(const char *path)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *c = path; *c; c++)
        h = (h ^ (uint8_t)*c) * 1099511628211ull;
    return h;
}

/* ---- compressors ---- */

static uint8_t *gzip_of(const uint8_t *p, size_t n, size_t *out_n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    uint8_t *out = malloc(cap);
    cr_assert(out != NULL);
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_n = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static uint8_t *lz4_of(const uint8_t *p, size_t n, size_t *out_n)
{
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockSizeID = LZ4F_max64KB; /* several blocks for big files */
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    size_t cap = LZ4F_compressFrameBound(n, &prefs);
    uint8_t *out = malloc(cap);
    cr_assert(out != NULL);
    size_t r = LZ4F_compressFrame(out, cap, p, n, &prefs);
    cr_assert(!LZ4F_isError(r), "%s", LZ4F_getErrorName(r));
    *out_n = r;
    return out;
}

static uint8_t *zstd_of(const uint8_t *p, size_t n, size_t *out_n)
{
    size_t cap = ZSTD_compressBound(n);
    uint8_t *out = malloc(cap);
    cr_assert(out != NULL);
    size_t r = ZSTD_compress(out, cap, p, n, 3);
    cr_assert(!ZSTD_isError(r), "%s", ZSTD_getErrorName(r));
    *out_n = r;
    return out;
}

/* ---- tests ---- */

Test(chunking, read_sizes_give_identical_events)
{
    inputs in;
    if (!load_inputs(&in))
        return;
    for (size_t i = 0; i < in.n; i++) {
        const char *f = in.paths[i];
        size_t n;
        uint8_t *data = (uint8_t *)tu_read_file(f, &n);
        cr_assert(data != NULL, "%s", f);
        evlog ref, got;
        evlog_init(&ref, 0);
        evlog_init(&got, 0);
        parse_mem(&ref, data, n, evlog_events(), 0);

        static const size_t sizes[] = {1, 7, 0};
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            evlog_reset(&got);
            parse_chunked(&got, data, n, sizes[s], seed_of(f), NULL);
            char what[64];
            snprintf(what, sizeof what, "reads of %s bytes",
                     sizes[s] == 1 ? "1" : sizes[s] == 7 ? "7" : "random");
            expect_same_log(what, f, &ref, &got);
        }
        /* the source's own read size */
        rdbl_source_opts o = {.read_size = 3};
        evlog_reset(&got);
        parse_chunked(&got, data, n, 4096, 0, &o);
        expect_same_log("read_size 3", f, &ref, &got);

        evlog_free(&ref);
        evlog_free(&got);
        free(data);
    }
    cr_log_info("%zu inputs, 5 ways each", in.n);
    free_inputs(&in);
}

Test(chunking, compressed_copies_give_identical_events)
{
    inputs in;
    if (!load_inputs(&in))
        return;
    typedef uint8_t *(*compress_fn)(const uint8_t *, size_t, size_t *);
    static const struct {
        const char *name;
        compress_fn fn;
    } comps[] = {{"gzip", gzip_of}, {"lz4", lz4_of}, {"zstd", zstd_of}};
    for (size_t i = 0; i < in.n; i++) {
        const char *f = in.paths[i];
        size_t n;
        uint8_t *data = (uint8_t *)tu_read_file(f, &n);
        cr_assert(data != NULL, "%s", f);
        if (n < 4 || memcmp(data, "REDIS", n < 5 ? n : 5) != 0) {
            /* A fuzz seed that is not an RDB could itself look compressed. */
            free(data);
            continue;
        }
        evlog ref, got;
        evlog_init(&ref, EVLOG_NO_COMP);
        evlog_init(&got, EVLOG_NO_COMP);
        parse_mem(&ref, data, n, evlog_events(), 0);
        for (size_t c = 0; c < sizeof comps / sizeof comps[0]; c++) {
            size_t zn;
            uint8_t *z = comps[c].fn(data, n, &zn);
            char what[64];

            evlog_reset(&got);
            parse_mem(&got, z, zn, evlog_events(), 0);
            snprintf(what, sizeof what, "%s from memory", comps[c].name);
            expect_same_log(what, f, &ref, &got);

            evlog_reset(&got);
            parse_chunked(&got, z, zn, 7, 0, NULL);
            snprintf(what, sizeof what, "%s in 7-byte reads", comps[c].name);
            expect_same_log(what, f, &ref, &got);

            rdbl_source_opts o = {.threaded = true};
            evlog_reset(&got);
            parse_chunked(&got, z, zn, 0, seed_of(f), &o);
            snprintf(what, sizeof what, "%s threaded, random reads", comps[c].name);
            expect_same_log(what, f, &ref, &got);

            /* and the source says what it decoded */
            rdbl_source *src = NULL;
            rdbl_error err;
            cr_assert_eq(rdbl_source_open_mem(&src, z, zn, NULL, &err), RDBL_OK);
            const uint8_t *p;
            size_t avail;
            rdbl_source_need(src, 1, &p, &avail, &err);
            cr_expect_str_eq(rdbl_compression_name(rdbl_source_compression(src)),
                             comps[c].name);
            rdbl_source_free(src);
            free(z);
        }
        evlog_free(&ref);
        evlog_free(&got);
        free(data);
    }
    free_inputs(&in);
}

Test(chunking, key_stats_do_not_depend_on_handlers)
{
    inputs in;
    if (!load_inputs(&in))
        return;
    for (size_t i = 0; i < in.n; i++) {
        const char *f = in.paths[i];
        size_t n;
        uint8_t *data = (uint8_t *)tu_read_file(f, &n);
        cr_assert(data != NULL, "%s", f);
        evlog full, keys;
        evlog_init(&full, 0);
        evlog_init(&keys, 0);
        parse_mem(&full, data, n, evlog_events(), 0);
        parse_mem(&keys, data, n, evlog_events_keys(), 0);
        char *a = evlog_grep(&full, "endkey"), *b = evlog_grep(&keys, "endkey");
        if (strstr(full.buf, "\nstatus OK\n")) {
            cr_expect_str_eq(a, b, "%s: key statistics with every handler vs only on_end_key",
                             f);
            cr_expect(strstr(keys.buf, "\nstatus OK\n") != NULL, "%s", f);
        } else {
            /* A NULL handler lets the parser skip bytes (an LZF string
             * nobody reads is not decompressed), so a damaged file may get
             * further: the keys the full parse completed must agree. */
            cr_expect(strncmp(a, b, strlen(a)) == 0,
                      "%s: key statistics with every handler vs only on_end_key", f);
        }
        free(a);
        free(b);
        evlog_free(&full);
        evlog_free(&keys);
        free(data);
    }
    free_inputs(&in);
}

Test(chunking, fast_mode_gives_the_same_keys)
{
    inputs in;
    if (!load_inputs(&in))
        return;
    for (size_t i = 0; i < in.n; i++) {
        const char *f = in.paths[i];
        size_t n;
        uint8_t *data = (uint8_t *)tu_read_file(f, &n);
        cr_assert(data != NULL, "%s", f);
        evlog full, fast;
        evlog_init(&full, EVLOG_BRIEF_KEYS);
        evlog_init(&fast, EVLOG_BRIEF_KEYS);
        parse_mem(&full, data, n, evlog_events(), 0);
        parse_mem(&fast, data, n, evlog_events_keys(), RDBL_PARSE_FAST);
        char *a = evlog_grep(&full, "endkey"), *b = evlog_grep(&fast, "endkey");
        /* FAST does not validate blobs nobody reads, so a corrupt file may
         * get further: compare the keys the full parse completed. */
        cr_expect(strncmp(a, b, strlen(a)) == 0,
                  "%s: keys/types/encodings/expiries differ in fast mode", f);
        if (strstr(full.buf, "status OK"))
            cr_expect_str_eq(a, b, "%s", f);
        free(a);
        free(b);

        /* With every handler present, FAST has nothing to skip. */
        evlog_free(&full);
        evlog_free(&fast);
        evlog_init(&full, 0);
        evlog_init(&fast, 0);
        parse_mem(&full, data, n, evlog_events(), 0);
        parse_mem(&fast, data, n, evlog_events(), RDBL_PARSE_FAST);
        expect_same_log("FAST with every handler", f, &full, &fast);
        evlog_free(&full);
        evlog_free(&fast);
        free(data);
    }
    free_inputs(&in);
}

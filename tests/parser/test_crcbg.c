/* The CRC-64 in a helper thread (src/parser/crcbg.c, RDBL_PARSE_CRC_THREAD).
 *
 * - the helper on its own: the CRC of every prefix length asked at the end
 *   (behind the helper, at a checkpoint, ahead of it, 0, all) equals
 *   rdbl_crc64, whatever steps the parser advanced by; cancel at any time;
 * - through the parser: every file of testdata/ and the shared corpus, from
 *   memory and as a mapped file (and some through 7-byte reads, where the
 *   flag is ignored), gives the same events, CRC and error with and
 *   without the flag; so do every truncation and many byte flips of
 *   the small ones (the error, its offset and message included). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "evlog.h"
#include "parser/reader.h"
#include "rdblens/parser.h"
#include "rdblens/source.h"
#include "testutil.h"

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint8_t *random_bytes(size_t n, uint64_t seed)
{
    uint8_t *d = malloc(n);
    cr_assert(d != NULL);
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)rnd(&seed);
    return d;
}

Test(crcbg, prefixes_equal_one_shot)
{
    const size_t len = (size_t)21 << 20; /* several checkpoint rings' worth */
    uint8_t *d = random_bytes(len, 99);
    uint64_t seed = 3;
    /* (last consumed point, final n) pairs: n behind, at and ahead of the
     * helper, on and off checkpoint boundaries */
    const size_t ends[] = {0,       1,         262143,    262144,     262145,
                           1u << 20, (5u << 20) + 7, 12345678, len - 1, len};
    for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++) {
        size_t n = ends[e];
        for (int rep = 0; rep < 3; rep++) {
            rdbl__crcbg *c = rdbl__crcbg_start(d, len, 0x5a5a);
            cr_assert(c != NULL);
            /* the parser consumes up to some point <= n, in uneven steps */
            size_t upto = rep == 0 ? 0 : rep == 1 ? n : n - n / 3;
            size_t at = 0;
            while (at < upto) {
                size_t step = (size_t)(rnd(&seed) % (3u << 20));
                at = step > upto - at ? upto : at + step;
                rdbl__crcbg_advance(c, at);
            }
            uint64_t got = rdbl__crcbg_finish(c, n);
            cr_assert(eq(u64, got, rdbl_crc64(0x5a5a, d, n)), "n %zu rep %d", n, rep);
        }
    }
    free(d);
}

Test(crcbg, small_and_cancelled)
{
    uint8_t *d = random_bytes(1000, 7);
    for (size_t n = 0; n <= 1000; n += 37) {
        rdbl__crcbg *c = rdbl__crcbg_start(d, 1000, 0);
        cr_assert(c != NULL);
        cr_assert(eq(u64, rdbl__crcbg_finish(c, n), rdbl_crc64(0, d, n)));
    }
    for (int i = 0; i < 20; i++) {
        rdbl__crcbg *c = rdbl__crcbg_start(d, 1000, 0);
        cr_assert(c != NULL);
        if (i & 1)
            rdbl__crcbg_advance(c, 500);
        rdbl__crcbg_cancel(c);
    }
    rdbl__crcbg_cancel(NULL);
    free(d);
}

typedef struct run {
    char *log;
    rdbl_status st;
    rdbl_error err;
} run;

static run parse_src(rdbl_source *src, unsigned flags)
{
    evlog l;
    evlog_init(&l, 0);
    run r = {0};
    rdbl_parse_opts o = {.flags = flags};
    r.st = rdbl_parse(src, evlog_events(), &l, &o, &r.err);
    r.log = strdup(l.buf ? l.buf : "");
    evlog_free(&l);
    return r;
}

static run parse_mem(const uint8_t *p, size_t n, unsigned flags)
{
    rdbl_source *src = NULL;
    cr_assert_eq(rdbl_source_open_mem(&src, p, n, NULL, NULL), RDBL_OK);
    run r = parse_src(src, flags);
    rdbl_source_free(src);
    return r;
}

static void same(const run *a, const run *b, const char *what, size_t at)
{
    cr_assert_eq(a->st, b->st, "%s @%zu: %s", what, at, evlog_err_text(&b->err));
    cr_assert_eq(a->err.code, b->err.code, "%s @%zu", what, at);
    cr_assert(eq(u64, a->err.offset, b->err.offset), "%s @%zu", what, at);
    cr_assert_str_eq(a->err.msg, b->err.msg, "%s @%zu", what, at);
    cr_assert_str_eq(a->err.where, b->err.where, "%s @%zu", what, at);
    cr_assert_str_eq(a->err.key, b->err.key, "%s @%zu", what, at);
    cr_assert_str_eq(a->log, b->log, "%s @%zu: event logs differ", what, at);
}

static void drop(run *r)
{
    free(r->log);
}

/* A caller's reader handing out at most 7 bytes a call: a source whose
 * window is reused, where the flag must fall back to the in-line CRC. */
typedef struct memrd {
    const uint8_t *p;
    size_t n, pos;
} memrd;

static long memrd_read(void *user, void *buf, size_t cap)
{
    memrd *m = user;
    size_t k = m->n - m->pos;
    if (k > cap)
        k = cap;
    if (k > 7)
        k = 7;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return (long)k;
}

static void check_file(const char *path, bool mutate)
{
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(path, &n);
    cr_assert(data != NULL, "%s", path);
    run a = parse_mem(data, n, 0), b = parse_mem(data, n, RDBL_PARSE_CRC_THREAD);
    same(&a, &b, path, n);
    drop(&b);
    /* as a mapped file: the helper reads the mapping */
    rdbl_source *src = NULL;
    if (rdbl_source_open_file(&src, path, NULL, NULL) == RDBL_OK) {
        b = parse_src(src, RDBL_PARSE_CRC_THREAD);
        rdbl_source_free(src);
        same(&a, &b, path, n);
        drop(&b);
    }
    if (mutate) {
        memrd m = {data, n, 0};
        cr_assert_eq(rdbl_source_open_reader(&src, memrd_read, &m, NULL, NULL), RDBL_OK);
        b = parse_src(src, RDBL_PARSE_CRC_THREAD);
        rdbl_source_free(src);
        same(&a, &b, "7-byte reads", n);
        drop(&b);
    }
    drop(&a);
    if (mutate && n <= 4096) {
        uint8_t *cut = malloc(n ? n : 1);
        cr_assert(cut != NULL);
        for (size_t k = 0; k < n; k++) {
            memcpy(cut, data, k);
            a = parse_mem(cut, k, 0);
            b = parse_mem(cut, k, RDBL_PARSE_CRC_THREAD);
            same(&a, &b, "truncated", k);
            drop(&a);
            drop(&b);
        }
        memcpy(cut, data, n);
        for (size_t k = 0; k < n; k += 3) {
            cut[k] ^= (uint8_t)(1u << (k % 8));
            a = parse_mem(cut, n, 0);
            b = parse_mem(cut, n, RDBL_PARSE_CRC_THREAD);
            same(&a, &b, "flipped", k);
            drop(&a);
            drop(&b);
            cut[k] = data[k];
        }
        free(cut);
    }
    free(data);
}

static void check_dir(const char *dir, size_t mutate_max)
{
    size_t cnt = 0;
    char **files = evlog_list_files(dir, ".rdb", &cnt);
    cr_assert(files != NULL, "%s", dir);
    for (size_t i = 0; i < cnt; i++)
        check_file(files[i], i < mutate_max);
    fprintf(stderr, "# crcbg: %zu files under %s\n", cnt, dir);
    evlog_free_list(files);
}

Test(crcbg, parser_same_results_testdata, .timeout = 600)
{
    const char *td = tu_env("RDBL_TESTDATA", NULL);
    cr_assert(td != NULL, "RDBL_TESTDATA is not set");
    check_dir(td, 1000);
}

Test(crcbg, parser_same_results_corpus, .timeout = 600)
{
    const char *dir = tu_env("RDBL_CORPUS_DIR", NULL);
    char **probe = dir ? evlog_list_files(dir, ".rdb", NULL) : NULL;
    if (!probe)
        cr_skip_test("no corpus at %s", dir ? dir : "(unset)");
    evlog_free_list(probe);
    check_dir(dir, 40);
}

/* Errors: what the parser does with input that is cut short, damaged, too
 * new, or refused by a handler. Every failure must come back as a status
 * with an error that names the offset, the phase and the key, never a crash,
 * a hang or an allocation the input does not justify.
 *
 *   truncation      every prefix of real files: TRUNCATED (never a crash),
 *                   offset <= prefix length, the events before the cut are
 *                   exactly the full parse's (a line prefix of its log) and
 *                   every key whose record fits the prefix is reported
 *   byte flips      single-byte corruptions across real files: any status,
 *                   no crash, no hang, offsets inside the input
 *   length bytes    0x82-0xBF, string kinds 0xC4-0xFF, unknown types and
 *                   opcodes: CORRUPT / UNSUPPORTED at the exact offset
 *   huge lengths    declared sizes far beyond tiny inputs finish fast with
 *                   TRUNCATED, in a child process whose peak memory is
 *                   measured (and, without ASan, capped by RLIMIT_AS)
 *   handlers        RDBL_STOP ends the parse with OK; a negative return gives
 *                   ABORTED with its offset and key; RDBL_SKIP from
 *                   on_begin_key sends no value events and the same stats
 *   testdata/corrupt  every <case>.rdb has a <case>.expect (code, offset,
 *                   where, key, message substring, keys read); the generated
 *                   ones are rebuilt here and must match the committed bytes
 *                   (RDBL_WRITE_CORRUPT_DIR=dir writes them afresh). */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "synth.h"

TestSuite(errors, .timeout = 600);

static const char *corpus_or_skip(void)
{
    const char *dir = tu_env("RDBL_CORPUS_DIR", NULL);
    struct stat st;
    if (dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return dir;
    if (strcmp(tu_env("CI", ""), "true") == 0)
        cr_assert_fail("corpus folder %s is missing (RDBL_CORPUS_DIR) and CI=true",
                       dir ? dir : "(unset)");
    cr_skip_test("corpus folder %s is missing: these error tests did not run",
                 dir ? dir : "(unset)");
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- truncation ----------------------------------------------------------- */

/* Key ends (offset + record bytes) of a full parse, in file order. */
typedef struct key_ends {
    uint64_t *end;
    size_t n, cap;
} key_ends;

static int ke_end_key(void *u, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    key_ends *ke = u;
    if (ke->n == ke->cap) {
        ke->cap = ke->cap ? ke->cap * 2 : 64;
        ke->end = realloc(ke->end, ke->cap * sizeof *ke->end);
        cr_assert(ke->end != NULL);
    }
    ke->end[ke->n++] = k->offset + st->rdb_bytes;
    return 0;
}

static const rdbl_events ke_events = {.on_end_key = ke_end_key};

/* The last "key ..." line without its "endkey", as (key text, rdb type). */
static bool open_key(const evlog *l, char *key, size_t cap, int *type)
{
    const char *last = NULL;
    for (const char *p = l->buf; (p = strstr(p, "key db=")) != NULL; p++)
        if (p == l->buf || p[-1] == '\n')
            last = p;
    if (!last)
        return false;
    const char *q = strchr(last, '"');
    const char *e = q ? strstr(q + 1, "\" type=") : NULL;
    if (!q || !e)
        return false;
    size_t n = (size_t)(e - q - 1);
    char needle[256];
    snprintf(needle, sizeof needle, "endkey %.*s ", (int)(e - q + 1), q);
    if (strstr(last, needle))
        return false; /* completed */
    const char *t = strstr(e, "rdbtype=");
    *type = t ? atoi(t + 8) : -1;
    if (n + 1 > cap)
        n = cap - 1;
    memcpy(key, q + 1, n);
    key[n] = '\0';
    return true;
}

static bool plain_ascii(const char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e || *s == '\\')
            return false;
    return true;
}

/* Parses every prefix of the file at path (every length below `every`
 * bytes; beyond it, `samples` evenly spread lengths). */
static void truncate_file(const char *path, size_t every, size_t samples)
{
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(path, &n);
    cr_assert(data != NULL, "%s", path);
    evlog full;
    evlog_init(&full, 0);
    rdbl_error ferr;
    rdbl_status fst = evlog_parse_mem(&full, data, n, NULL, 0, &ferr);
    cr_assert(fst == RDBL_OK || fst == RDBL_CHECKSUM, "%s: %s", path, evlog_err_text(&ferr));
    key_ends ke = {0};
    rdbl_source *src;
    cr_assert_eq(rdbl_source_open_mem(&src, data, n, NULL, NULL), RDBL_OK);
    cr_assert_eq(rdbl_parse(src, &ke_events, &ke, NULL, NULL), fst);
    rdbl_source_free(src);
    /* where the RDB proper ends (before trailing bytes) */
    const char *end = strstr(full.buf, "\nend crc=");
    cr_assert(end != NULL);
    unsigned long long eof_at = 0, trailing = 0;
    cr_assert(sscanf(strstr(end, "eof=@"), "eof=@%llu trailing=%llu", &eof_at, &trailing) == 2);
    size_t rdb_end = n - (size_t)trailing;

    size_t checked = 0;
    for (size_t k = 0; k < n; k++) {
        if (k >= every && samples && (k - every) % ((n - every) / samples + 1) != 0)
            continue;
        checked++;
        uint8_t *cut = malloc(k ? k : 1); /* exact size: ASan sees over-reads */
        cr_assert(cut != NULL);
        memcpy(cut, data, k);
        evlog l;
        evlog_init(&l, 0);
        rdbl_error err;
        rdbl_status st = evlog_parse_mem(&l, cut, k, NULL, 0, &err);
        free(cut);
        if (k >= rdb_end) {
            /* the whole RDB is there; only trailing bytes are missing */
            cr_expect(st == fst, "%s cut at %zu (after the end at %zu): %s", path, k, rdb_end,
                      evlog_err_text(&err));
            evlog_free(&l);
            continue;
        }
        cr_expect(st == RDBL_TRUNCATED, "%s cut at %zu of %zu: status %s: %s", path, k, n,
                  rdbl_status_name(st), evlog_err_text(&err));
        if (st != RDBL_TRUNCATED) {
            evlog_free(&l);
            continue;
        }
        cr_expect(err.offset <= k, "%s cut at %zu: error offset %" PRIu64, path, k, err.offset);
        cr_expect(err.where[0] != '\0' && err.msg[0] != '\0', "%s cut at %zu: %s", path, k,
                  evlog_err_text(&err));
        /* the events before the cut are exactly those of the full parse */
        cr_expect(l.len <= full.len && memcmp(l.buf, full.buf, l.len) == 0 &&
                      (l.len == 0 || l.buf[l.len - 1] == '\n'),
                  "%s cut at %zu: events differ from the full parse:\n%.400s", path, k,
                  l.buf + (l.len > 400 ? l.len - 400 : 0));
        /* every key that fits the prefix is reported */
        size_t fit = 0;
        while (fit < ke.n && ke.end[fit] <= k)
            fit++;
        cr_expect_eq(l.keys, fit, "%s cut at %zu: %lu keys reported, %zu fit", path, k, l.keys,
                     fit);
        /* a cut inside a key names it */
        char key[128];
        int type;
        if (open_key(&l, key, sizeof key, &type) && plain_ascii(key) && strlen(key) < 60) {
            cr_expect_str_eq(err.key, key, "%s cut at %zu: %s", path, k, evlog_err_text(&err));
            cr_expect_eq(err.rdb_type, type, "%s cut at %zu", path, k);
        }
        evlog_free(&l);
    }
    cr_expect(checked > 0);
    free(ke.end);
    evlog_free(&full);
    free(data);
}

Test(errors, truncation_at_every_offset)
{
    const char *dir = corpus_or_skip();
    if (!dir)
        return;
    static const char *const files[] = {
        "rdbtools/parser_filters.rdb",           /* v2: zipmap, ziplist, intset, linked list */
        "valkey-assets/encodings.rdb",           /* v4: every early encoding, LZF */
        "rdbtools/redis_50_with_streams.rdb",    /* v9: stream v1 with groups */
        "librdb/stream_v11.rdb",                 /* v11: stream v3 */
        "librdb-v13/stream_v13_idmp.rdb",        /* v13: IDMP */
        "librdb/module_aux_v12.rdb",             /* module aux, FLOAT, LZF strings */
        "librdb/function2.rdb",                  /* functions */
        "redis74/redis74_hash_ttl_hash_metadata.rdb", /* type 24 */
        "redis74/redis74_hash_ttl_listpack_ex.rdb",   /* type 25 */
        "librdb/hash_with_expire_v12.rdb",       /* type 22 RC */
        "librdb/quicklist2_v11.rdb",             /* type 18 */
        "librdb/plain_zset_v6.rdb",              /* ASCII scores */
        "librdb/mem_policy_lfu.rdb",             /* FREQ */
        "rdbtools/redis_40_with_module.rdb",     /* module, trailing bytes */
        "librdb/misc_with_stream.rdb",           /* 5.8 KB of everything */
        "rdbtools/zipmap_with_big_values.rdb",   /* big strings: sampled */
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *p = tu_path(dir, files[i]);
        truncate_file(p, 8192, 2000);
        free(p);
    }
}

/* The synthetic files of every family, cut everywhere as well. */
Test(errors, truncation_of_synthetic_files)
{
    rb r;
    rb_init(&r, "REDIS", 12);
    rb_aux(&r, "redis-ver", "7.4.0");
    rb_select(&r, 0);
    rb_resize(&r, 4, 1);
    rb_expire_ms(&r, 1700000000000);
    rb_key(&r, 0, "s");
    rb_lzf(&r, "lzlzlzlzlzlzlzlzlzlzlzlzlzlzlzlz", 32);
    rb_key(&r, 24, "h");
    rb_le(&r, 1000, 8);
    rb_len(&r, 1);
    rb_len(&r, 5);
    rb_cstr(&r, "f");
    rb_int(&r, 300);
    rb_key(&r, 7, "m");
    rb_len(&r, rb_module_id("test__rdb", 1));
    rb_mod_double(&r, 1.0);
    rb_mod_str(&r, "x");
    rb_mod_eof(&r);
    static const char *const mf[] = {"a"};
    rb_snode n;
    rb_snode_init(&n, mf, 1);
    static const char *const v[] = {"1"};
    rb_snode_entry(&n, RB_SF_SAMEFIELDS, 0, 0, 0, NULL, v);
    rb_key(&r, 21, "st");
    rb_len(&r, 1);
    rb_stream_id_str(&r, 7, 0);
    rb blob;
    rb_init_buf(&blob);
    rb_snode_finish(&n, &blob);
    rb_blob(&r, &blob, false);
    rb_free(&blob);
    rb_snode_free(&n);
    rb_len(&r, 1);
    rb_len(&r, 7);
    rb_len(&r, 0);
    for (int i = 0; i < 5; i++)
        rb_len(&r, 0);
    rb_len(&r, 1);
    rb_cstr(&r, "g");
    rb_len(&r, 7);
    rb_len(&r, 0);
    rb_len(&r, 1);
    rb_len(&r, 1);
    rb_stream_id_raw(&r, 7, 0);
    rb_le(&r, 5, 8);
    rb_len(&r, 1);
    rb_len(&r, 1);
    rb_cstr(&r, "c");
    rb_le(&r, 1, 8);
    rb_le(&r, 2, 8);
    rb_len(&r, 1);
    rb_stream_id_raw(&r, 7, 0);
    rb_eof(&r);
    char path[] = "/tmp/rdbl-trunc-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(tu_write_file(path, r.p, r.len), 0);
    truncate_file(path, 100000, 0);
    unlink(path);
    rb_free(&r);
}

/* ---- single-byte corruption ---------------------------------------------- */

Test(errors, single_byte_corruption_never_crashes_or_hangs)
{
    const char *dir = corpus_or_skip();
    if (!dir)
        return;
    static const char *const files[] = {
        "valkey-assets/encodings.rdb",        "rdbtools/redis_50_with_streams.rdb",
        "librdb/stream_v11.rdb",              "librdb-v13/stream_v13_idmp.rdb",
        "librdb/module_aux_v12.rdb",          "redis74/redis74_hash_ttl_listpack_ex.rdb",
        "librdb/hash_with_expire_v12.rdb",    "rdbtools/parser_filters.rdb",
        "librdb/misc_with_stream.rdb",
    };
    static const uint8_t values[] = {0x00, 0xFF, 0x80, 0x81, 0xC3, 0x40, 0xFE, 0x7F};
    unsigned long parses = 0, errors = 0;
    double worst = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char *path = tu_path(dir, files[f]);
        size_t n;
        uint8_t *data = (uint8_t *)tu_read_file(path, &n);
        cr_assert(data != NULL, "%s", path);
        uint8_t *copy = malloc(n);
        cr_assert(copy != NULL);
        for (size_t i = 0; i < n; i++) {
            for (size_t v = 0; v <= sizeof values; v++) {
                uint8_t b = v < sizeof values ? values[v] : (uint8_t)(data[i] ^ 0x01);
                if (b == data[i])
                    continue;
                memcpy(copy, data, n);
                copy[i] = b;
                evlog l;
                evlog_init(&l, 0);
                rdbl_error err;
                double t0 = now_s();
                rdbl_status st = evlog_parse_mem(&l, copy, n, NULL, 0, &err);
                double dt = now_s() - t0;
                if (dt > worst)
                    worst = dt;
                parses++;
                if (st != RDBL_OK) {
                    errors++;
                    cr_expect(err.code == st && err.msg[0] != '\0', "%s[%zu]=%02x: %s", path, i,
                              b, evlog_err_text(&err));
                    cr_expect(err.offset <= n, "%s[%zu]=%02x: offset %" PRIu64 " beyond %zu",
                              path, i, b, err.offset, n);
                }
                cr_expect(dt < 2.0, "%s[%zu]=%02x took %.2f s", path, i, b, dt);
                evlog_free(&l);
            }
        }
        free(copy);
        free(data);
        free(path);
    }
    cr_log_info("%lu corrupted parses, %lu errors, slowest %.3f s", parses, errors, worst);
    cr_expect(errors > parses / 4, "only %lu of %lu corruptions were noticed", errors, parses);
}

/* ---- bytes that are never valid where they stand ------------------------- */

static rdbl_status parse_rb(rb *r, const char *name, rdbl_error *e, unsigned long *keys)
{
    evlog l;
    rdbl_status st = synth_parse(r, name, &l, e);
    if (keys)
        *keys = l.keys;
    evlog_free(&l);
    return st;
}

Test(errors, invalid_length_bytes)
{
    for (unsigned b = 0x82; b <= 0xBF; b++) {
        /* as a key's string length */
        rb r;
        rb_init(&r, "REDIS", 9);
        rb_select(&r, 0);
        rb_u8(&r, 0);
        size_t at = r.len;
        rb_u8(&r, b);
        rb_fill(&r, 'x', 16);
        rb_eof(&r);
        rdbl_error e;
        char msg[64];
        snprintf(msg, sizeof msg, "invalid length byte 0x%02x", b);
        rdbl_status st = parse_rb(&r, "len-byte-key", &e, NULL);
        EXPECT_FAIL(st, e, RDBL_CORRUPT, at, msg);
        cr_expect_str_eq(e.where, "key");
        rb_free(&r);
        /* as a list count */
        rb_init(&r, "REDIS", 9);
        rb_key(&r, 1, "l");
        at = r.len;
        rb_u8(&r, b);
        rb_eof(&r);
        st = parse_rb(&r, "len-byte-count", &e, NULL);
        EXPECT_FAIL(st, e, RDBL_CORRUPT, at, msg);
        cr_expect_str_eq(e.key, "l");
        cr_expect_str_eq(e.where, "list");
        cr_expect_eq(e.rdb_type, 1);
        rb_free(&r);
        /* as a DB number */
        rb_init(&r, "REDIS", 9);
        rb_u8(&r, 254);
        at = r.len;
        rb_u8(&r, b);
        rb_eof(&r);
        st = parse_rb(&r, "len-byte-db", &e, NULL);
        EXPECT_FAIL(st, e, RDBL_CORRUPT, at, msg);
        cr_expect_str_eq(e.where, "select db");
        cr_expect_str_eq(e.key, "");
        cr_expect_eq(e.rdb_type, -1);
        rb_free(&r);
    }
}

Test(errors, invalid_string_encodings)
{
    for (unsigned b = 0xC4; b <= 0xFF; b++) {
        char msg[64];
        snprintf(msg, sizeof msg, "invalid string encoding 0x%02x", b);
        /* a key, a string value, a blob, a list element */
        for (int where = 0; where < 4; where++) {
            rb r;
            rb_init(&r, "REDIS", 11);
            rb_select(&r, 0);
            size_t at;
            static const int types[] = {0, 0, 16, 1};
            rb_u8(&r, (unsigned)types[where]);
            if (where == 0) {
                at = r.len;
                rb_u8(&r, b);
            } else {
                rb_cstr(&r, "k");
                if (where == 3)
                    rb_len(&r, 1);
                at = r.len;
                rb_u8(&r, b);
            }
            rb_fill(&r, 0, 8);
            rb_eof(&r);
            rdbl_error e;
            rdbl_status st = parse_rb(&r, "string-kind", &e, NULL);
            EXPECT_FAIL(st, e, RDBL_CORRUPT, at, msg);
            if (where > 0)
                cr_expect_str_eq(e.key, "k");
            rb_free(&r);
        }
    }
    /* and a string form where a length is expected */
    for (unsigned b = 0xC0; b <= 0xC3; b++) {
        rb r;
        rb_init(&r, "REDIS", 11);
        rb_key(&r, 2, "set");
        size_t at = r.len;
        rb_u8(&r, b);
        rb_fill(&r, 0, 8);
        rb_eof(&r);
        rdbl_error e;
        char msg[80];
        snprintf(msg, sizeof msg, "expected a length, found string encoding byte 0x%02x", b);
        rdbl_status st = parse_rb(&r, "string-where-length", &e, NULL);
        EXPECT_FAIL(st, e, RDBL_CORRUPT, at, msg);
        cr_expect_str_eq(e.where, "set");
        rb_free(&r);
    }
}

Test(errors, unknown_types_and_opcodes)
{
    for (unsigned b = 0; b < 256; b++) {
        bool type = b < 64;
        bool known = b <= 7 || (b >= 9 && b <= 28) || (b >= 30 && b <= 37) || b == 64 ||
                     b == 107 || b == 121 || (b >= 200 && b <= 203) || b == 210 ||
                     b == 211 || b == 220 || b >= 242;
        if (known)
            continue;
        rb r;
        rb_init(&r, "REDIS", 11);
        rb_select(&r, 0);
        rb_key(&r, 0, "before");
        rb_cstr(&r, "v");
        size_t at = r.len;
        rb_u8(&r, b);
        rb_cstr(&r, "k");
        rb_cstr(&r, "v");
        rb_eof(&r);
        rdbl_error e;
        unsigned long keys;
        rdbl_status st = parse_rb(&r, "unknown-byte", &e, &keys);
        char msg[64];
        if (type)
            snprintf(msg, sizeof msg, "unsupported value type %u in a REDIS0011 file", b);
        else
            snprintf(msg, sizeof msg, "unknown record type or opcode %u (0x%02x)", b, b);
        EXPECT_FAIL(st, e, RDBL_UNSUPPORTED, at, msg);
        cr_expect_eq(keys, 1, "byte %u: the key before is reported", b);
        if (type) {
            cr_expect_eq(e.rdb_type, (int)b);
            cr_expect_str_eq(e.where, "key");
        }
        rb_free(&r);
    }
}

Test(errors, header_errors)
{
    static const struct {
        const char *bytes;
        size_t len;
        rdbl_status code;
        uint64_t off;
        const char *msg;
    } cases[] = {
        {"", 0, RDBL_TRUNCATED, 0, "input has 0 bytes"},
        {"REDIS", 5, RDBL_TRUNCATED, 0, "input has 5 bytes, too short"},
        {"REDIS000", 8, RDBL_TRUNCATED, 0, "too short for an RDB header"},
        {"RADIS0009\xff", 10, RDBL_CORRUPT, 0, "not an RDB file"},
        {"REDIS00x9\xff", 10, RDBL_CORRUPT, 7, "RDB version digit"},
        {"VALKEY08\xff\xff", 10, RDBL_CORRUPT, 8, "RDB version digit"},
        {"REDIS0000\xff", 10, RDBL_CORRUPT, 5, "RDB version 0"},
        {"REDIS0009", 9, RDBL_TRUNCATED, 9, "before the EOF marker"},
        {"REDIS0009\xff\x01\x02", 12, RDBL_TRUNCATED, UINT64_MAX, "input ends"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        evlog l;
        evlog_init(&l, 0);
        rdbl_error e;
        uint8_t *p = malloc(cases[i].len + 1);
        memcpy(p, cases[i].bytes, cases[i].len);
        rdbl_status st = evlog_parse_mem(&l, p, cases[i].len, NULL, 0, &e);
        EXPECT_FAIL(st, e, cases[i].code, cases[i].off, cases[i].msg);
        free(p);
        evlog_free(&l);
    }
}

/* ---- huge declared sizes ------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define RDBL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RDBL_ASAN 1
#endif
#endif

/* Parses in a child process; returns the status (or -100 - signal) and the
 * child's peak resident memory in KiB. */
static int parse_in_child(const rb *r, long *maxrss_kb, double *secs)
{
    double t0 = now_s();
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
#ifndef RDBL_ASAN
        struct rlimit lim = {512ul << 20, 512ul << 20};
        setrlimit(RLIMIT_AS, &lim);
#endif
        alarm(20);
        rdbl_source *src = NULL;
        rdbl_error e;
        if (rdbl_source_open_mem(&src, r->p, r->len, NULL, &e) != RDBL_OK)
            _exit(99);
        evlog l;
        evlog_init(&l, 0);
        rdbl_status st = rdbl_parse(src, evlog_events(), &l, NULL, &e);
        _exit(-st);
    }
    int status;
    struct rusage ru;
    pid_t w;
    do
        w = wait4(pid, &status, 0, &ru);
    while (w < 0 && errno == EINTR);
    cr_assert_eq(w, pid);
    *secs = now_s() - t0;
    *maxrss_kb = ru.ru_maxrss;
    if (WIFSIGNALED(status))
        return -100 - WTERMSIG(status);
    return -WEXITSTATUS(status);
}

Test(errors, huge_declared_lengths_on_tiny_inputs)
{
    rb r;
    long base_kb;
    double secs;
    /* baseline: a trivial file */
    rb_init(&r, "REDIS", 9);
    rb_eof(&r);
    cr_assert_eq(parse_in_child(&r, &base_kb, &secs), RDBL_OK);
    rb_free(&r);

    static const struct {
        const char *what;
        rdbl_status want;
    } cases[] = {
        {"string of 2^62 bytes", RDBL_TRUNCATED},
        {"string of 4 GiB (32-bit form)", RDBL_TRUNCATED},
        {"list of 2^60 elements", RDBL_TRUNCATED},
        {"hash of 2^60 fields", RDBL_TRUNCATED},
        {"blob of 2^40 bytes", RDBL_TRUNCATED},
        {"LZF of 1 GiB from 16 MiB (plausible, absent)", RDBL_TRUNCATED},
        {"LZF claiming 2^40 from 10 bytes", RDBL_CORRUPT},
        {"stream of 2^50 nodes (the first node key is 1 byte)", RDBL_CORRUPT},
        {"stream group with 2^50 PEL entries", RDBL_TRUNCATED},
        {"module string of 2^61 bytes", RDBL_TRUNCATED},
        {"quicklist of 2^58 nodes", RDBL_TRUNCATED},
        {"Dragonfly CMS of 2^30 x 2^30 counters", RDBL_TRUNCATED},
        {"Dragonfly filter chunk of 2^50 bytes", RDBL_TRUNCATED},
        {"KeyDB cron with 2^60 keys", RDBL_TRUNCATED},
        {"array with 2^60 slots", RDBL_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rb_init(&r, "REDIS", 11);
        rb_select(&r, 0);
        switch (i) {
        case 0:
            rb_key(&r, 0, "k");
            rb_len_as(&r, 1ull << 62, RB_LEN64);
            break;
        case 1:
            rb_key(&r, 0, "k");
            rb_len_as(&r, UINT32_MAX, RB_LEN32);
            break;
        case 2:
            rb_key(&r, 1, "k");
            rb_len(&r, 1ull << 60);
            break;
        case 3:
            rb_key(&r, 4, "k");
            rb_len(&r, 1ull << 60);
            break;
        case 4:
            rb_key(&r, 16, "k");
            rb_len(&r, 1ull << 40);
            break;
        case 5:
            rb_key(&r, 0, "k");
            rb_u8(&r, 0xC3);
            rb_len(&r, 16u << 20);
            rb_len(&r, 1u << 30);
            break;
        case 6:
            rb_key(&r, 0, "k");
            rb_u8(&r, 0xC3);
            rb_len(&r, 10);
            rb_len(&r, 1ull << 40);
            break;
        case 7:
            rb_key(&r, 15, "k");
            rb_len(&r, 1ull << 50);
            break;
        case 8:
            rb_key(&r, 15, "k");
            rb_len(&r, 0);
            for (int j = 0; j < 3; j++)
                rb_len(&r, 0);
            rb_len(&r, 1);
            rb_cstr(&r, "g");
            rb_len(&r, 0);
            rb_len(&r, 0);
            rb_len(&r, 1ull << 50);
            break;
        case 9:
            rb_key(&r, 7, "k");
            rb_len(&r, rb_module_id("test__rdb", 1));
            rb_len(&r, 5);
            rb_len(&r, 1ull << 61);
            break;
        case 10:
            rb_key(&r, 18, "k");
            rb_len(&r, 1ull << 58);
            break;
        case 11:
            rb_key(&r, 35, "k");
            rb_len(&r, 1ull << 30);
            rb_len(&r, 1ull << 30);
            rb_len(&r, 0);
            break;
        case 12:
            rb_key(&r, 37, "k");
            for (int j = 0; j < 6; j++)
                rb_len(&r, 1);
            rb_len(&r, 1);
            rb_len(&r, 1ull << 50);
            rb_len(&r, 1ull << 50);
            break;
        case 13:
            rb_key(&r, 64, "k");
            rb_cstr(&r, "s");
            rb_le(&r, 0, 8); /* start */
            rb_le(&r, 0, 8); /* interval */
            rb_len(&r, 1ull << 60);
            break;
        default:
            rb_key(&r, 28, "k");
            rb_len(&r, 1ull << 60);
            rb_len(&r, 0);
            break;
        }
        rb_fill(&r, 0x01, 32); /* a few bytes of "data" */
        long kb;
        int st = parse_in_child(&r, &kb, &secs);
        cr_expect_eq(st, (int)cases[i].want, "%s: status %d (%s)", cases[i].what, st,
                     st <= 0 && st > -100 ? rdbl_status_name((rdbl_status)st) : "signal");
        cr_expect(kb < base_kb + 64 * 1024, "%s: peak memory %ld KiB (baseline %ld KiB)",
                  cases[i].what, kb, base_kb);
        cr_expect(secs < 10, "%s: %.1f s", cases[i].what, secs);
        rb_free(&r);
    }
}

/* ---- handler return values ----------------------------------------------- */

static void three_keys(rb *r)
{
    rb_init(r, "REDIS", 11);
    rb_select(r, 0);
    rb_key(r, 0, "a");
    rb_cstr(r, "1");
    rb_key(r, 1, "b");
    rb_len(r, 3);
    rb_cstr(r, "x");
    rb_cstr(r, "y");
    rb_cstr(r, "z");
    rb_key(r, 0, "c");
    rb_cstr(r, "3");
    rb_eof(r);
}

/* Index (1-based) of the first event whose line starts with prefix. */
static unsigned long event_index(const evlog *l, const char *prefix)
{
    unsigned long i = 1;
    size_t n = strlen(prefix);
    for (const char *p = l->buf; *p; i++) {
        if (strncmp(p, prefix, n) == 0)
            return i;
        p = strchr(p, '\n');
        if (!p)
            break;
        p++;
    }
    return 0;
}

Test(errors, handler_stop_ends_the_parse_cleanly)
{
    rb r;
    three_keys(&r);
    evlog full;
    evlog_init(&full, 0);
    cr_assert_eq(evlog_parse_mem(&full, r.p, r.len, NULL, 0, NULL), RDBL_OK);
    static const char *const at[] = {"begin", "db 0", "key db=0 \"b\"", "item \"y\"",
                                     "endkey \"b\"", "end crc"};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        unsigned long idx = event_index(&full, at[i]);
        cr_assert(idx > 0, "%s", at[i]);
        evlog l;
        evlog_init(&l, 0);
        l.ret_at = idx;
        l.ret_val = RDBL_STOP;
        rdbl_error e;
        rdbl_status st = evlog_parse_mem(&l, r.p, r.len, NULL, 0, &e);
        cr_expect_eq(st, RDBL_OK, "STOP at %s: %s", at[i], evlog_err_text(&e));
        cr_expect_eq(e.code, RDBL_OK);
        cr_expect_eq(l.events, idx, "STOP at %s: %lu events", at[i], l.events);
        /* nothing after the stopping event, not even on_end */
        cr_expect(strncmp(l.buf, full.buf, l.len) == 0);
        if (strcmp(at[i], "end crc") != 0)
            cr_expect_eq(evlog_count(&l, "end"), 0);
        evlog_free(&l);
    }
    evlog_free(&full);
    rb_free(&r);
}

Test(errors, handler_error_aborts_with_context)
{
    rb r;
    three_keys(&r);
    evlog full;
    evlog_init(&full, 0);
    cr_assert_eq(evlog_parse_mem(&full, r.p, r.len, NULL, 0, NULL), RDBL_OK);
    static const struct {
        const char *at;
        int rc;
        const char *key;
    } cases[] = {
        {"begin", -1, ""},
        {"key db=0 \"a\"", -1, "a"},
        {"item \"y\"", -7, "b"},
        {"endkey \"c\"", -100, "c"},
        {"end crc", -1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        evlog l;
        evlog_init(&l, 0);
        l.ret_at = event_index(&full, cases[i].at);
        l.ret_val = cases[i].rc;
        rdbl_error e;
        rdbl_status st = evlog_parse_mem(&l, r.p, r.len, NULL, 0, &e);
        char msg[64];
        snprintf(msg, sizeof msg, "a handler returned %d", cases[i].rc);
        EXPECT_FAIL(st, e, RDBL_ABORTED, UINT64_MAX, msg);
        cr_expect_str_eq(e.key, cases[i].key, "%s", cases[i].at);
        cr_expect(e.offset <= r.len);
        cr_expect_eq(l.events, l.ret_at, "no event after the failing one");
        evlog_free(&l);
    }
    /* unknown positive values are not STOP/SKIP: they fail too */
    evlog l;
    evlog_init(&l, 0);
    l.ret_at = 2;
    l.ret_val = 3;
    rdbl_error e;
    rdbl_status st = evlog_parse_mem(&l, r.p, r.len, NULL, 0, &e);
    EXPECT_FAIL(st, e, RDBL_ABORTED, UINT64_MAX, "a handler returned 3");
    evlog_free(&l);
    evlog_free(&full);
    rb_free(&r);
}

/* A handler's STOP or error inside a streamed LZF string (> 1 MiB, decoded
 * in pieces) is the handler's, not an LZF error. */
Test(errors, handler_return_inside_a_streamed_lzf_string)
{
    const size_t n = 3u << 20;
    char *big = malloc(n);
    cr_assert(big != NULL);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 7);
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_select(&r, 0);
    rb_key(&r, 0, "big");
    rb_lzf(&r, big, n);
    rb_key(&r, 0, "after");
    rb_cstr(&r, "x");
    rb_eof(&r);
    free(big);
    evlog full;
    evlog_init(&full, 0);
    cr_assert_eq(evlog_parse_mem(&full, r.p, r.len, NULL, 0, NULL), RDBL_OK);
    size_t chunks = evlog_count(&full, "str");
    cr_assert(chunks > 10, "%zu chunks", chunks);
    /* the 3rd chunk's event: begin, db, key, str, str, str */
    unsigned long third = event_index(&full, "str") + 2;
    static const int rcs[] = {RDBL_STOP, -1};
    for (int i = 0; i < 2; i++) {
        evlog l;
        evlog_init(&l, 0);
        l.ret_at = third;
        l.ret_val = rcs[i];
        rdbl_error e;
        rdbl_status st = evlog_parse_mem(&l, r.p, r.len, NULL, 0, &e);
        if (rcs[i] == RDBL_STOP) {
            cr_expect_eq(st, RDBL_OK, "%s", evlog_err_text(&e));
        } else {
            EXPECT_FAIL(st, e, RDBL_ABORTED, UINT64_MAX, "a handler returned -1");
            cr_expect_str_eq(e.key, "big");
            cr_expect_str_eq(e.where, "string value");
        }
        cr_expect_eq(l.events, third, "no event after the handler's answer");
        evlog_free(&l);
    }
    evlog_free(&full);
    rb_free(&r);
}

/* Keys in error records are escaped and shortened to fit. */
Test(errors, error_key_is_escaped_and_shortened)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_u8(&r, 1);
    rb_str(&r, "\x00k\xff\\", 4);
    rb_u8(&r, 0x9F);
    rb_eof(&r);
    rdbl_error e;
    rdbl_status st = parse_rb(&r, "binary-key", &e, NULL);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, 15, "invalid length byte 0x9f");
    cr_expect_str_eq(e.key, "\\x00k\\xff\\\\");
    rb_free(&r);

    char longkey[300];
    memset(longkey, 'K', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    rb_init(&r, "REDIS", 9);
    rb_key(&r, 1, longkey);
    rb_u8(&r, 0x9F);
    rb_eof(&r);
    st = parse_rb(&r, "long-key", &e, NULL);
    cr_expect_eq(st, RDBL_CORRUPT);
    cr_expect(strlen(e.key) < sizeof e.key && strncmp(e.key, "KKKK", 4) == 0 &&
                  strstr(e.key, "...") != NULL,
              "key \"%s\"", e.key);
    rb_free(&r);
}

/* Blob lines without their data checksum (a skipped key's blob data may be
 * NULL). */
static char *blob_sizes(const evlog *l)
{
    char *b = evlog_grep(l, "blob");
    char *o = b;
    for (const char *p = b; *p;) {
        const char *d = strstr(p, " data=");
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        const char *stop = d && d < nl ? d : nl;
        memmove(o, p, (size_t)(stop - p));
        o += stop - p;
        *o++ = '\n';
        p = nl + 1;
    }
    *o = '\0';
    return b;
}

/* RDBL_SKIP from on_begin_key: no value events for that key (on_blob still
 * comes, with the sizes: parser.h), the same key statistics, on every corpus
 * file. */
Test(errors, handler_skip_sends_no_values_and_the_same_stats)
{
    const char *dir = corpus_or_skip();
    if (!dir)
        return;
    size_t nf;
    char **files = evlog_list_files(dir, ".rdb", &nf);
    cr_assert(files != NULL);
    static const char *const value_events[] = {"str",    "item",      "member", "zmember",
                                               "field",  "smeta",     "sentry", "sgroup",
                                               "spel",   "sconsumer", "scpel",  "module"};
    for (size_t i = 0; i < nf; i++) {
        size_t n;
        uint8_t *data = (uint8_t *)tu_read_file(files[i], &n);
        cr_assert(data != NULL);
        evlog full, skip;
        evlog_init(&full, 0);
        evlog_init(&skip, 0);
        skip.skip_keys = true;
        rdbl_status a = evlog_parse_mem(&full, data, n, NULL, 0, NULL);
        rdbl_status b = evlog_parse_mem(&skip, data, n, NULL, 0, NULL);
        if (a == RDBL_OK || a == RDBL_CHECKSUM) {
            cr_expect_eq(a, b, "%s", files[i]);
            char *x = evlog_grep(&full, "endkey"), *y = evlog_grep(&skip, "endkey");
            cr_expect_str_eq(x, y, "%s: statistics differ when the keys are skipped", files[i]);
            free(x);
            free(y);
            x = blob_sizes(&full);
            y = blob_sizes(&skip);
            cr_expect_str_eq(x, y, "%s: blob sizes differ when the keys are skipped", files[i]);
            free(x);
            free(y);
        }
        for (size_t v = 0; v < sizeof value_events / sizeof value_events[0]; v++)
            cr_expect_eq(evlog_count(&skip, value_events[v]), 0, "%s: %s events after SKIP",
                         files[i], value_events[v]);
        cr_expect_eq(evlog_count(&skip, "key"), evlog_count(&full, "key"));
        evlog_free(&full);
        evlog_free(&skip);
        free(data);
    }
    evlog_free_list(files);
}

/* ---- testdata/corrupt ------------------------------------------------------ */

/* A generated case: build() writes the file and sets the expected offset. */
typedef struct gen_case {
    const char *name;
    const char *what;   /* the defect, for the .expect comment */
    rdbl_status code;
    const char *where;  /* phase */
    const char *key;
    const char *msg;    /* substring of the message */
    void (*build)(rb *r, uint64_t *off);
} gen_case;

static void g_no_eof(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 11);
    rb_select(r, 0);
    rb_key(r, 0, "k");
    rb_cstr(r, "v");
    *off = r->len;
}

static void g_bad_len(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 11);
    rb_select(r, 0);
    rb_key(r, 1, "list");
    rb_len(r, 2);
    rb_cstr(r, "a");
    *off = r->len;
    rb_u8(r, 0x9A);
    rb_eof(r);
}

static void g_bad_strenc(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 11);
    rb_select(r, 0);
    rb_key(r, 0, "k");
    *off = r->len;
    rb_u8(r, 0xC4);
    rb_eof(r);
}

static void g_lzf_implausible(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 11);
    rb_select(r, 0);
    rb_key(r, 0, "k");
    *off = r->len;
    rb_u8(r, 0xC3);
    rb_len(r, 2);
    rb_len(r, 1000000);
    rb_raw(r, "\x00x", 2);
    rb_eof(r);
}

static void g_lzf_backref(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 11);
    rb_select(r, 0);
    rb_key(r, 0, "k");
    *off = r->len;
    rb_u8(r, 0xC3);
    rb_len(r, 3);
    rb_len(r, 10);
    rb_raw(r, "\xE0\x05\x10", 3); /* a back-reference before the output starts */
    rb_eof(r);
}

static void g_ziplist_short(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 7);
    rb_select(r, 0);
    rb_key(r, 13, "h");
    rb_len(r, 5);
    *off = r->len;
    rb_raw(r, "xxxxx", 5);
    rb_eof(r);
}

static void g_ziplist_prevlen(rb *r, uint64_t *off)
{
    rb_zl z;
    rb_zl_init(&z);
    rb_zl_cstr(&z, "a");
    rb_zl_cstr(&z, "b");
    rb blob;
    rb_init_buf(&blob);
    rb_zl_finish(&z, &blob);
    rb_zl_free(&z);
    blob.p[10 + 3] = 7; /* the second entry's prevlen: 3 -> 7 */
    rb_init(r, "REDIS", 7);
    rb_select(r, 0);
    rb_key(r, 10, "l");
    rb_len(r, blob.len);
    *off = r->len + 10 + 3;
    rb_raw(r, blob.p, blob.len);
    rb_free(&blob);
    rb_eof(r);
}

static void g_lzf_ziplist(rb *r, uint64_t *off)
{
    rb_zl z;
    rb_zl_init(&z);
    for (int i = 0; i < 8; i++)
        rb_zl_cstr(&z, "aaaaaaaa");
    rb blob;
    rb_init_buf(&blob);
    rb_zl_finish(&z, &blob);
    rb_zl_free(&z);
    blob.p[10 + 10 + 10] = 7; /* the third entry's prevlen: 10 -> 7 */
    rb_init(r, "REDIS", 7);
    rb_select(r, 0);
    rb_key(r, 10, "l");
    *off = r->len; /* the LZF string: inner offsets are not file positions */
    rb_lzf(r, blob.p, blob.len);
    rb_free(&blob);
    rb_eof(r);
}

static void g_listpack_backlen(rb *r, uint64_t *off)
{
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_cstr(&lp, "ab");
    rb_lp_cstr(&lp, "cd");
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    blob.p[6 + 3] = 9; /* the first element's back-length: 3 -> 9 */
    rb_init(r, "REDIS", 10);
    rb_select(r, 0);
    rb_key(r, 16, "h");
    rb_len(r, blob.len);
    *off = r->len + 6 + 3;
    rb_raw(r, blob.p, blob.len);
    rb_free(&blob);
    rb_eof(r);
}

static void g_listpack_total(rb *r, uint64_t *off)
{
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_cstr(&lp, "m");
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    blob.p[0] += 1; /* total_bytes one more than the blob */
    rb_init(r, "REDIS", 11);
    rb_select(r, 0);
    rb_key(r, 20, "s");
    rb_len(r, blob.len);
    *off = r->len;
    rb_raw(r, blob.p, blob.len);
    rb_free(&blob);
    rb_eof(r);
}

static void g_intset_encoding(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 11);
    rb_select(r, 0);
    rb_key(r, 11, "s");
    rb_len(r, 12);
    *off = r->len;
    rb_le(r, 3, 4); /* width 3 */
    rb_le(r, 1, 4);
    rb_le(r, 7, 4);
    rb_eof(r);
}

static void g_zipmap_overrun(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 2);
    rb_select(r, 0);
    rb_key(r, 9, "h");
    rb_len(r, 8);
    *off = r->len + 5; /* the value that runs past the end */
    rb_raw(r, "\x01\x01" "f" "\x09\x00" "v" "\xff", 7); /* value length 9 of 1 byte */
    rb_u8(r, 0xff);
    rb_eof(r);
}

static void g_quicklist_container(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 10);
    rb_select(r, 0);
    rb_key(r, 18, "l");
    rb_len(r, 1);
    *off = r->len;
    rb_len(r, 7);
    rb_cstr(r, "x");
    rb_eof(r);
}

static void g_zset_nan(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 6);
    rb_select(r, 0);
    rb_key(r, 3, "z");
    rb_len(r, 1);
    rb_cstr(r, "m");
    *off = r->len;
    rb_u8(r, 253);
    rb_eof(r);
}

static void g_stream_lp_count(rb *r, uint64_t *off)
{
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_int(&lp, 1);
    rb_lp_int(&lp, 0);
    rb_lp_int(&lp, 1);
    rb_lp_cstr(&lp, "f");
    rb_lp_int(&lp, 0);
    rb_lp_int(&lp, 2);
    rb_lp_int(&lp, 0);
    rb_lp_int(&lp, 0);
    rb_lp_cstr(&lp, "v");
    rb_lp_int(&lp, 9); /* lp_count: 4 */
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    rb_init(r, "REDIS", 9);
    rb_select(r, 0);
    rb_key(r, 15, "st");
    rb_len(r, 1);
    rb_stream_id_str(r, 1, 1);
    rb_len(r, blob.len);
    *off = r->len;
    rb_raw(r, blob.p, blob.len);
    rb_free(&blob);
    for (int i = 0; i < 4; i++)
        rb_len(r, 0);
    rb_eof(r);
}

static void g_module_subop(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 9);
    rb_select(r, 0);
    rb_key(r, 7, "m");
    rb_len(r, rb_module_id("test__rdb", 1));
    rb_mod_uint(r, 1);
    *off = r->len;
    rb_len(r, 9);
    rb_eof(r);
}

static void g_type8(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 9);
    rb_select(r, 0);
    *off = r->len;
    rb_key(r, 8, "vm");
    rb_eof(r);
}

static void g_opcode150(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 9);
    rb_select(r, 0);
    rb_key(r, 0, "k");
    rb_cstr(r, "v");
    *off = r->len;
    rb_u8(r, 150);
    rb_eof(r);
}

static void g_type6(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 8);
    rb_select(r, 0);
    rb_key(r, 6, "m");
    *off = r->len;
    rb_len(r, rb_module_id("ReJSON-RL", 0));
    rb_raw(r, "\x01\x02", 2);
    rb_eof(r);
}

static void g_huge_string(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 9);
    rb_select(r, 0);
    rb_key(r, 0, "k");
    *off = r->len; /* reported at the length field, whatever the reading mode */
    rb_len_as(r, 1ull << 40, RB_LEN64);
    rb_raw(r, "tiny", 4);
}

static void g_crc(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 9);
    rb_select(r, 0);
    rb_key(r, 0, "k");
    rb_cstr(r, "v");
    *off = r->len + 1;
    rb_eof_crc(r, 0x0123456789abcdefull);
}

static void g_df_zstd(rb *r, uint64_t *off)
{
    rb_init(r, "REDIS", 9);
    rb_aux(r, "df-ver", "v1.20.0");
    rb_select(r, 0);
    *off = r->len;
    rb_u8(r, 201);
    rb_cstr(r, "zstd frame");
    rb_eof_crc(r, 0);
}

static void g_hfe_order(rb *r, uint64_t *off)
{
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_cstr(&lp, "a");
    rb_lp_cstr(&lp, "1");
    rb_lp_int(&lp, 0);
    rb_lp_cstr(&lp, "b");
    rb_lp_cstr(&lp, "2");
    rb_lp_int(&lp, 1700000000000);
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    rb_init(r, "REDIS", 12);
    rb_select(r, 0);
    rb_key(r, 25, "h");
    rb_le(r, 1700000000000ull, 8);
    rb_len(r, blob.len);
    *off = r->len;
    rb_raw(r, blob.p, blob.len);
    rb_free(&blob);
    rb_eof(r);
}

static const gen_case gen_cases[] = {
    {"no-eof", "the file ends after a key, without the EOF opcode", RDBL_TRUNCATED, "record", "",
     "before the EOF marker", g_no_eof},
    {"invalid-length-byte", "0x9A where a list element's length should be", RDBL_CORRUPT, "list",
     "list", "invalid length byte 0x9a", g_bad_len},
    {"invalid-string-encoding", "string kind 0xC4 (reserved)", RDBL_CORRUPT, "string value", "k",
     "invalid string encoding 0xc4", g_bad_strenc},
    {"lzf-implausible", "LZF claiming 1000000 bytes from 2", RDBL_CORRUPT, "string value", "k",
     "implausible LZF sizes", g_lzf_implausible},
    {"lzf-backref", "LZF back-reference before the start of the output", RDBL_CORRUPT,
     "string value", "k", "LZF data", g_lzf_backref},
    {"ziplist-short", "a 5-byte hash ziplist (as valkey-assets/corrupt_ziplist.rdb)",
     RDBL_CORRUPT, "hash ziplist", "h", "shorter than the 11-byte minimum", g_ziplist_short},
    {"ziplist-prevlen", "a ziplist entry whose prevlen is not the previous entry's size",
     RDBL_CORRUPT, "list ziplist", "l", "prevlen", g_ziplist_prevlen},
    {"lzf-ziplist-prevlen", "an LZF-compressed ziplist with a bad prevlen", RDBL_CORRUPT,
     "list ziplist", "l", "ziplist (decompressed): ziplist entry 2 at +30", g_lzf_ziplist},
    {"listpack-backlen", "a listpack element whose back-length is not its size", RDBL_CORRUPT,
     "hash listpack", "h", "backlen", g_listpack_backlen},
    {"listpack-total-bytes", "listpack total_bytes one more than the blob", RDBL_CORRUPT,
     "set listpack", "s", "total_bytes", g_listpack_total},
    {"intset-encoding", "intset element width 3", RDBL_CORRUPT, "set intset", "s", "intset",
     g_intset_encoding},
    {"zipmap-overrun", "a zipmap value length beyond the blob", RDBL_CORRUPT, "hash zipmap", "h",
     "zipmap", g_zipmap_overrun},
    {"quicklist-container", "quicklist-2 node container 7", RDBL_CORRUPT, "quicklist node", "l",
     "container 7", g_quicklist_container},
    {"zset-nan", "an ASCII NaN score (253)", RDBL_CORRUPT, "sorted set", "z",
     "sorted set score is NaN", g_zset_nan},
    {"stream-lp-count", "a stream entry whose lp_count is 9 instead of 4", RDBL_CORRUPT,
     "stream node", "st", "lp_count", g_stream_lp_count},
    {"module-subop", "module data sub-opcode 9", RDBL_CORRUPT, "module value", "m",
     "unknown module data opcode 9", g_module_subop},
    {"unknown-type-8", "value type 8 (never written)", RDBL_UNSUPPORTED, "key", "",
     "unsupported value type 8", g_type8},
    {"unknown-opcode-150", "record byte 150", RDBL_UNSUPPORTED, "record", "",
     "unknown record type or opcode 150", g_opcode150},
    {"module-type-6", "a Redis 4.0 RC module value (type 6)", RDBL_UNSUPPORTED, "module value",
     "m", "type 6", g_type6},
    {"huge-string", "a string claiming 2^40 bytes, 4 present", RDBL_TRUNCATED, "string value",
     "k", "declares 1099511627776 bytes; the input ends at offset 27 with 4 of them",
     g_huge_string},
    {"crc-mismatch", "a wrong CRC-64 over readable content", RDBL_CHECKSUM, "checksum", "",
     "CRC-64 mismatch", g_crc},
    {"dragonfly-zstd-blob", "a Dragonfly zstd record blob (opcode 201) that is no zstd frame",
     RDBL_CORRUPT, "Dragonfly zstd blob", "", "is not a zstd frame", g_df_zstd},
    {"hfe-ttl-order", "a listpack_ex hash with a TTL after a no-TTL field", RDBL_CORRUPT,
     "hash listpack with TTLs", "h", "ascending order", g_hfe_order},
};

static char *read_text(const char *path)
{
    return tu_read_file(path, NULL);
}

static char *expect_text(const gen_case *c, uint64_t off, unsigned long keys)
{
    char *buf = malloc(1024);
    cr_assert(buf != NULL);
    snprintf(buf, 1024,
             "# %s\n"
             "code %s\n"
             "offset %" PRIu64 "\n"
             "where %s\n"
             "key %s\n"
             "message %s\n"
             "keys %lu\n",
             c->what, rdbl_status_name(c->code), off, c->where, c->key, c->msg, keys);
    return buf;
}

/* The committed cases are what the generators write today. */
Test(errors, generated_corrupt_cases_match_testdata)
{
    const char *td = tu_env("RDBL_TESTDATA", NULL);
    cr_assert(td != NULL, "RDBL_TESTDATA is not set");
    const char *out = getenv("RDBL_WRITE_CORRUPT_DIR");
    for (size_t i = 0; i < sizeof gen_cases / sizeof gen_cases[0]; i++) {
        const gen_case *c = &gen_cases[i];
        rb r;
        uint64_t off = 0;
        c->build(&r, &off);
        evlog l;
        evlog_init(&l, 0);
        rdbl_error e;
        rdbl_status st = evlog_parse_mem(&l, r.p, r.len, NULL, 0, &e);
        EXPECT_FAIL(st, e, c->code, off, c->msg);
        cr_expect_str_eq(e.where, c->where, "%s: %s", c->name, evlog_err_text(&e));
        cr_expect_str_eq(e.key, c->key, "%s: %s", c->name, evlog_err_text(&e));
        char *exp = expect_text(c, off, l.keys);
        char name[256];
        if (out && *out) {
            snprintf(name, sizeof name, "%s/%s.rdb", out, c->name);
            cr_assert_eq(tu_write_file(name, r.p, r.len), 0);
            snprintf(name, sizeof name, "%s/%s.expect", out, c->name);
            cr_assert_eq(tu_write_file(name, exp, strlen(exp)), 0);
        } else {
            snprintf(name, sizeof name, "%s/corrupt/%s.rdb", td, c->name);
            size_t n;
            char *committed = tu_read_file(name, &n);
            cr_expect(committed != NULL && n == r.len && memcmp(committed, r.p, n) == 0,
                      "%s differs from its generator (RDBL_WRITE_CORRUPT_DIR=testdata/corrupt "
                      "rewrites it)",
                      name);
            free(committed);
            snprintf(name, sizeof name, "%s/corrupt/%s.expect", td, c->name);
            committed = read_text(name);
            cr_expect(committed != NULL && strcmp(committed, exp) == 0, "%s:\n%s\nexpected\n%s",
                      name, committed ? committed : "(missing)", exp);
            free(committed);
        }
        free(exp);
        evlog_free(&l);
        rb_free(&r);
    }
}

/* One .expect file: "field value" lines, '#' comments. */
typedef struct expect {
    char code[32], where[64], key[64], message[160];
    uint64_t offset;
    long keys; /* -1: not given */
    bool has_offset;
} expect;

static bool load_expect(const char *path, expect *x)
{
    char *text = read_text(path);
    if (!text)
        return false;
    memset(x, 0, sizeof *x);
    x->keys = -1;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *sp = strchr(line, ' ');
        const char *v = sp ? sp + 1 : "";
        if (sp)
            *sp = '\0';
        if (strcmp(line, "code") == 0)
            snprintf(x->code, sizeof x->code, "%s", v);
        else if (strcmp(line, "offset") == 0) {
            x->offset = strtoull(v, NULL, 10);
            x->has_offset = true;
        } else if (strcmp(line, "where") == 0)
            snprintf(x->where, sizeof x->where, "%s", v);
        else if (strcmp(line, "key") == 0)
            snprintf(x->key, sizeof x->key, "%s", v);
        else if (strcmp(line, "message") == 0)
            snprintf(x->message, sizeof x->message, "%s", v);
        else if (strcmp(line, "keys") == 0)
            x->keys = strtol(v, NULL, 10);
        else
            cr_expect_fail("%s: unknown field \"%s\"", path, line);
    }
    free(text);
    return true;
}

/* Every testdata/corrupt/<case>.rdb gives what its .expect says, through a
 * memory source and through 1-byte reads. */
Test(errors, corrupt_cases_give_their_expected_error)
{
    const char *td = tu_env("RDBL_TESTDATA", NULL);
    cr_assert(td != NULL, "RDBL_TESTDATA is not set");
    char *dir = tu_path(td, "corrupt");
    size_t n;
    char **files = evlog_list_files(dir, ".rdb", &n);
    cr_assert(files != NULL, "%s is missing", dir);
    cr_expect(n >= sizeof gen_cases / sizeof gen_cases[0], "only %zu cases in %s", n, dir);
    for (size_t i = 0; i < n; i++) {
        char ep[1024];
        snprintf(ep, sizeof ep, "%.*s.expect", (int)(strlen(files[i]) - 4), files[i]);
        expect x;
        bool have = load_expect(ep, &x);
        cr_expect(have, "%s has no .expect file", files[i]);
        if (!have)
            continue;
        size_t len;
        uint8_t *data = (uint8_t *)tu_read_file(files[i], &len);
        cr_assert(data != NULL);
        evlog l;
        evlog_init(&l, 0);
        rdbl_error e;
        rdbl_status st = evlog_parse_mem(&l, data, len, NULL, 0, &e);
        cr_expect_str_eq(rdbl_status_name(st), x.code, "%s: %s", files[i], evlog_err_text(&e));
        if (x.has_offset)
            cr_expect_eq(e.offset, x.offset, "%s: %s", files[i], evlog_err_text(&e));
        if (x.where[0])
            cr_expect_str_eq(e.where, x.where, "%s: %s", files[i], evlog_err_text(&e));
        cr_expect_str_eq(e.key, x.key, "%s: %s", files[i], evlog_err_text(&e));
        cr_expect(strstr(e.msg, x.message) != NULL, "%s: message \"%s\" lacks \"%s\"", files[i],
                  e.msg, x.message);
        if (x.keys >= 0)
            cr_expect_eq((long)l.keys, x.keys, "%s: keys read", files[i]);
        evlog_free(&l);
        free(data);
    }
    evlog_free_list(files);
    free(dir);
}

/* The analysis pipeline (src/analysis/pipeline.c, aggq.c): aggregating in a
 * second thread gives exactly the single-threaded aggregate, byte for byte
 * in the JSON report, for real dumps (testdata/sample.rdb: 3,000 keys over 4
 * databases, more than one batch) and the round-trip dumps; with key names
 * too big for a batch; and with a parse error part-way (partial reports
 * agree too). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/analysis.h"
#include "rdblens/report.h"

static char *testdata(const char *name)
{
    const char *dir = getenv("RDBL_TESTDATA");
    cr_assert(dir != NULL, "RDBL_TESTDATA not set");
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* Analyses buf[0..len) and renders the JSON report (indent 2). */
static char *report_of(const uint8_t *buf, size_t len, bool threaded, rdbl_status *st_out,
                       size_t *out_len)
{
    rdbl_source *src;
    rdbl_error err;
    cr_assert(eq(int, rdbl_source_open_mem(&src, buf, len, NULL, &err), RDBL_OK));
    rdbl_agg *agg;
    cr_assert(eq(int, rdbl_agg_new(&agg, NULL), RDBL_OK));
    rdbl_analysis_opts o;
    rdbl_analysis_opts_init(&o);
    o.threaded = threaded;
    *st_out = rdbl_analyze(src, "dump.rdb", &o, agg, NULL, NULL, &err);
    rdbl_source_free(src);
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    cr_assert(f != NULL);
    rdbl_report_opts ro = {0};
    ro.json_indent = 2;
    cr_assert(eq(int, rdbl_report_json(f, agg, &ro, &err), RDBL_OK));
    fclose(f);
    rdbl_agg_free(agg);
    *out_len = n;
    return out;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    cr_assert(fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static rdbl_status same_both_ways(const uint8_t *buf, size_t len, const char *what)
{
    rdbl_status s1, s2;
    size_t n1, n2;
    char *a = report_of(buf, len, false, &s1, &n1);
    char *b = report_of(buf, len, true, &s2, &n2);
    cr_assert(eq(int, s1, s2), "%s: status", what);
    cr_assert(eq(sz, n1, n2), "%s: report length", what);
    cr_assert(eq(int, memcmp(a, b, n1), 0), "%s: reports differ", what);
    free(a);
    free(b);
    return s1;
}

Test(pipeline, threaded_report_equals_single_thread, .timeout = 240)
{
    static const char *const files[] = {"sample.rdb", "roundtrip/default.rdb",
                                        "roundtrip/small.rdb", "roundtrip/compress.rdb"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *p = testdata(files[i]);
        size_t len;
        uint8_t *buf = slurp(p, &len);
        cr_assert(eq(int, same_both_ways(buf, len, files[i]), RDBL_OK), "%s", files[i]);
        /* cut short: a parse error part-way, the partial aggregate agrees */
        cr_assert(ne(int, same_both_ways(buf, len * 2 / 3, files[i]), RDBL_OK));
        free(buf);
        free(p);
    }
}

/* A dump built by hand: many keys, some with names longer than a batch's
 * arena (added inline after the consumer catches up), in several dbs. */
static void put_len(uint8_t **p, uint32_t n)
{
    if (n < 64) {
        *(*p)++ = (uint8_t)n;
    } else if (n < 16384) {
        *(*p)++ = (uint8_t)(0x40 | (n >> 8));
        *(*p)++ = (uint8_t)n;
    } else {
        *(*p)++ = 0x80;
        *(*p)++ = (uint8_t)(n >> 24);
        *(*p)++ = (uint8_t)(n >> 16);
        *(*p)++ = (uint8_t)(n >> 8);
        *(*p)++ = (uint8_t)n;
    }
}

Test(pipeline, huge_key_names_and_many_keys, .timeout = 240)
{
    const size_t huge = 600u << 10; /* > one batch arena */
    size_t cap = 64 + 5000 * 64 + 3 * (huge + 64);
    uint8_t *buf = malloc(cap), *p = buf;
    memcpy(p, "REDIS0009", 9);
    p += 9;
    char *big = malloc(huge);
    for (unsigned db = 0; db < 3; db++) {
        *p++ = 0xFE; /* SELECTDB */
        *p++ = (uint8_t)db;
        for (unsigned i = 0; i < 1700; i++) {
            char k[48], v[24];
            int kl = snprintf(k, sizeof k, "user:%u:%s", i * 7 + db, i % 3 ? "name" : "cart");
            int vl = snprintf(v, sizeof v, "v%u", i);
            if (i % 5 == 0) {
                *p++ = 0xFC; /* EXPIRETIME_MS */
                uint64_t ms = 1700000000000ULL + (uint64_t)i * 60000u;
                memcpy(p, &ms, 8);
                p += 8;
            }
            *p++ = 0; /* string */
            put_len(&p, (uint32_t)kl);
            memcpy(p, k, (size_t)kl);
            p += kl;
            put_len(&p, (uint32_t)vl);
            memcpy(p, v, (size_t)vl);
            p += vl;
            if (i == 800) {
                memset(big, 'a' + (int)db, huge);
                memcpy(big, "huge:", 5);
                *p++ = 0;
                put_len(&p, (uint32_t)huge);
                memcpy(p, big, huge);
                p += huge;
                put_len(&p, 1);
                *p++ = 'x';
            }
        }
    }
    *p++ = 0xFF; /* EOF, checksum 0 = not checked */
    memset(p, 0, 8);
    p += 8;
    cr_assert(le(sz, (size_t)(p - buf), cap));
    cr_assert(eq(int, same_both_ways(buf, (size_t)(p - buf), "synthetic"), RDBL_OK));
    /* the three huge keys are in it */
    rdbl_status st;
    size_t n;
    char *r = report_of(buf, (size_t)(p - buf), true, &st, &n);
    cr_assert(ne(ptr, strstr(r, "\"keys\": 5103,"), NULL));
    free(r);
    free(big);
    free(buf);
}

/* Key names whose record is just under, at and just over the queue's batch
 * (2 MiB with a 72-byte header; aggq.c), between small keys: each is either
 * queued or added in line, never written past the batch (a record of a
 * 2 MiB - 8 byte key once was), and the report equals the single-threaded
 * one. */
Test(pipeline, key_names_around_the_batch_size, .timeout = 240)
{
    static const size_t sizes[] = {(2u << 20) - 200, (2u << 20) - 80, (2u << 20) - 72,
                                   (2u << 20) - 8,   (2u << 20),      (2u << 20) + 100};
    const size_t ns = sizeof sizes / sizeof sizes[0];
    size_t cap = 64 + 200 * 64 + ns * ((2u << 20) + 200);
    uint8_t *buf = malloc(cap), *p = buf;
    memcpy(p, "REDIS0009", 9);
    p += 9;
    *p++ = 0xFE; /* SELECTDB 0 */
    *p++ = 0;
    for (size_t i = 0; i < 200; i++) {
        char k[32];
        int kl = snprintf(k, sizeof k, "order:%zu", i);
        *p++ = 0;
        put_len(&p, (uint32_t)kl);
        memcpy(p, k, (size_t)kl);
        p += kl;
        put_len(&p, 1);
        *p++ = 'v';
        if (i % 30 == 7 && i / 30 < ns) {
            size_t n = sizes[i / 30];
            *p++ = 0;
            put_len(&p, (uint32_t)n);
            memset(p, 'a' + (int)(i / 30), n);
            memcpy(p, "big:", 4);
            p += n;
            put_len(&p, 1);
            *p++ = 'x';
        }
    }
    *p++ = 0xFF; /* EOF, checksum 0 = not checked */
    memset(p, 0, 8);
    p += 8;
    cr_assert(le(sz, (size_t)(p - buf), cap));
    cr_assert(eq(int, same_both_ways(buf, (size_t)(p - buf), "batch-sized keys"), RDBL_OK));
    rdbl_status st;
    size_t n;
    char *r = report_of(buf, (size_t)(p - buf), true, &st, &n);
    cr_assert(ne(ptr, strstr(r, "\"keys\": 206,"), NULL), "%.400s", r);
    free(r);
    free(buf);
}

/* Many large string values: the consumer compresses their samples for the
 * compressibility advice and falls behind, so the parsing thread, finding
 * no spare batch, compresses queued samples itself (aggq.c "helping"). The
 * report must not depend on who compressed what. */
Test(pipeline, helped_sample_compression_equals_single_thread, .timeout = 240)
{
    const unsigned keys = 12000;
    size_t cap = 64 + (size_t)keys * (64 + 9000);
    uint8_t *buf = malloc(cap), *p = buf;
    memcpy(p, "REDIS0009", 9);
    p += 9;
    uint64_t s = 42;
    for (unsigned i = 0; i < keys; i++) {
        char k[48];
        int kl = snprintf(k, sizeof k, "page:%u:%s", i, i % 2 ? "html" : "json");
        *p++ = 0; /* string, stored raw */
        put_len(&p, (uint32_t)kl);
        memcpy(p, k, (size_t)kl);
        p += kl;
        uint32_t vl = 1024 + (uint32_t)(i * 2654435761u % 8000);
        put_len(&p, vl);
        for (uint32_t j = 0; j < vl; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            /* a third noise, the rest text of varying redundancy */
            p[j] = i % 3 == 0 ? (uint8_t)(s >> 56)
                              : (uint8_t)"<div class=\"item\">lorem ipsum</div>\n"[(j + (s >> 60)) % 36];
        }
        p += vl;
    }
    *p++ = 0xFF;
    memset(p, 0, 8);
    p += 8;
    cr_assert(le(sz, (size_t)(p - buf), cap));
    cr_assert(eq(int, same_both_ways(buf, (size_t)(p - buf), "samples"), RDBL_OK));
    free(buf);
}

/* Synthetic records of other producers: Redis 8.8 ARRAY (§10.2),
 * Dragonfly opcodes and types (§12), KeyDB (§13). The checklist table is in
 * test_synthetic.c. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

TestSuite(synth_vendor, .timeout = 60);

Test(synth_vendor, array_type_28)
{
    rb r;
    rb_init(&r, "REDIS", 14);
    rb_select(&r, 0);
    rb_key(&r, 28, "arr");
    rb_len(&r, 4);  /* populated slots */
    rb_len(&r, 1);  /* insert cursor present */
    rb_len(&r, 10); /* insert cursor */
    rb_len(&r, 0);
    rb_len(&r, 0); /* SDS */
    rb_cstr(&r, "s0");
    rb_len(&r, 5);
    rb_len(&r, 1); /* INT, 8 bytes LE */
    rb_le(&r, (uint64_t)-42, 8);
    rb_len(&r, 7);
    rb_len(&r, 2); /* FLOAT, 8 bytes LE */
    rb_f64(&r, 1.5);
    rb_len(&r, 9);
    rb_len(&r, 3); /* SMALLSTR */
    rb_cstr(&r, "small");
    rb_key(&r, 0, "after");
    rb_cstr(&r, "ok");
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "array-28", &l);
    EXPECT_HAS(&l, "key db=0 \"arr\" type=array enc=other rdbtype=28 ");
    /* doubles have no item form: counted, not sent */
    EXPECT_LINES(&l, "item", "item \"s0\"\nitem #-42\nitem \"small\"\n");
    EXPECT_HAS(&l, "endkey \"arr\" n=4 ");
    EXPECT_HAS(&l, " vbytes=18 largest=8 ");
    EXPECT_LINES(&l, "str", "str 0/2 \"ok\"\n");
    evlog_free(&l);
    rb_free(&r);

    /* a bad cursor flag, a bad slot tag */
    for (int bad = 0; bad < 2; bad++) {
        rb_init(&r, "REDIS", 14);
        rb_key(&r, 28, "arr");
        rb_len(&r, 1);
        size_t at = r.len;
        if (bad == 0) {
            rb_len(&r, 2);
            at = r.len;
        } else {
            rb_len(&r, 0);
            rb_len(&r, 3);
            at = r.len;
            rb_len(&r, 4);
        }
        rb_eof(&r);
        rdbl_error e;
        rdbl_status st = synth_parse(&r, bad ? "array-bad-tag" : "array-bad-flag", &l, &e);
        EXPECT_FAIL(st, e, RDBL_CORRUPT, at, bad ? "array slot tag 4" : "array cursor flag 2");
        evlog_free(&l);
        rb_free(&r);
    }
}

Test(synth_vendor, dragonfly_df_mask_and_opcodes)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_aux(&r, "redis-ver", "6.2.11");
    rb_aux(&r, "df-ver", "v1.20.0");
    rb_select(&r, 0);
    rb_u8(&r, 200); /* FULLSYNC_END */
    rb_le(&r, 0, 8);
    size_t k1 = r.len;
    rb_u8(&r, 220); /* DF_MASK: sticky */
    rb_le(&r, 1, 4);
    rb_key(&r, 0, "k1");
    rb_cstr(&r, "v1");
    size_t k2 = r.len;
    rb_u8(&r, 220); /* DF_MASK: memcached flags follow */
    rb_le(&r, 2, 4);
    rb_le(&r, 0xdeadbeef, 4);
    rb_expire_ms(&r, 1700000000000);
    rb_key(&r, 0, "k2");
    rb_cstr(&r, "v2");
    size_t j_at = r.len;
    rb_u8(&r, 210); /* JOURNAL_BLOB */
    rb_len(&r, 3);
    rb_cstr(&r, "*1\r\n$4\r\nPING\r\n");
    rb_u8(&r, 211); /* JOURNAL_OFFSET */
    rb_le(&r, 12345, 8);
    size_t k3 = r.len;
    rb_key(&r, 0, "k3");
    rb_cstr(&r, "v3");
    rb_eof_crc(&r, 0); /* Dragonfly writes CRC 0 */

    evlog l;
    SYNTH_OK(&r, "dragonfly-opcodes", &l);
    char want[600];
    snprintf(want, sizeof want,
             "key db=0 \"k1\" type=string enc=raw rdbtype=0 expire=none idle=-1 freq=-1 @%zu\n"
             "key db=0 \"k2\" type=string enc=raw rdbtype=0 expire=1700000000000 idle=-1 "
             "freq=-1 @%zu\n"
             "key db=0 \"k3\" type=string enc=raw rdbtype=0 expire=none idle=-1 freq=-1 @%zu\n",
             k1, k2, k3);
    EXPECT_LINES(&l, "key", want);
    EXPECT_LINES(&l, "str", "str 0/2 \"v1\"\nstr 0/2 \"v2\"\nstr 0/2 \"v3\"\n");
    snprintf(want, sizeof want, "warning @%zu Dragonfly journal blob skipped\n", j_at);
    EXPECT_LINES(&l, "warning", want);
    EXPECT_HAS(&l, "end crc=disabled ");
    evlog_free(&l);
    rb_free(&r);
}

/* A blob that is not a zstd/LZ4 frame is corrupt (good blobs: test_dragonfly.c). */
Test(synth_vendor, dragonfly_compressed_blobs_garbage)
{
    for (int op = 201; op <= 202; op++) {
        rb r;
        rb_init(&r, "REDIS", 9);
        rb_aux(&r, "df-ver", "v1.20.0");
        rb_select(&r, 0);
        rb_key(&r, 0, "k");
        rb_cstr(&r, "v");
        size_t at = r.len;
        rb_u8(&r, (unsigned)op);
        rb_cstr(&r, "compressed records");
        rb_eof_crc(&r, 0);
        evlog l;
        rdbl_error e;
        rdbl_status st = synth_parse(&r, op == 201 ? "df-zstd-blob" : "df-lz4-blob", &l, &e);
        EXPECT_FAIL(st, e, RDBL_CORRUPT, at, op == 201 ? "zstd" : "LZ4");
        cr_expect_eq(l.keys, 1);
        evlog_free(&l);
        rb_free(&r);
    }
}

Test(synth_vendor, dragonfly_json_types)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_select(&r, 0);
    rb_key(&r, 20, "old"); /* Dragonfly < 1.7: type 20 in a version-9 file */
    rb_cstr(&r, "{\"a\":1}");
    rb_key(&r, 30, "new");
    rb_lzf(&r, "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]", 41);
    rb_eof_crc(&r, 0);
    evlog l;
    SYNTH_OK(&r, "dragonfly-json", &l);
    EXPECT_HAS(&l, "key db=0 \"old\" type=json enc=raw rdbtype=20 ");
    EXPECT_HAS(&l, "key db=0 \"new\" type=json enc=lzf rdbtype=30 ");
    EXPECT_LINES(&l, "str",
                 "str 0/7 \"{\"a\":1}\"\nstr 0/41 \"[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]\"\n");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth_vendor, dragonfly_expiry_collections)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_aux(&r, "df-ver", "v1.20.0");
    rb_select(&r, 0);
    rb_key(&r, 31, "h");
    rb_len(&r, 3);
    rb_cstr(&r, "f1");
    rb_cstr(&r, "v1");
    rb_int(&r, 1700000000); /* absolute seconds, INT-encoded */
    rb_cstr(&r, "f2");
    rb_cstr(&r, "v2");
    rb_cstr(&r, "-1"); /* none */
    rb_cstr(&r, "f3");
    rb_cstr(&r, "v3");
    rb_cstr(&r, "17000000000"); /* decimal text when it does not fit INT32 */
    rb_key(&r, 32, "s");
    rb_len(&r, 2);
    rb_cstr(&r, "m1");
    rb_int(&r, -1);
    rb_cstr(&r, "m2");
    rb_int(&r, 1700000001);
    rb_eof_crc(&r, 0);

    evlog l;
    SYNTH_OK(&r, "dragonfly-expiry", &l);
    EXPECT_HAS(&l, "key db=0 \"h\" type=hash enc=hashtable_ttl rdbtype=31 ");
    EXPECT_HAS(&l, "key db=0 \"s\" type=set enc=hashtable rdbtype=32 ");
    EXPECT_LINES(&l, "field",
                 "field \"f1\" \"v1\" ttl=1700000000000\nfield \"f2\" \"v2\" ttl=none\n"
                 "field \"f3\" \"v3\" ttl=17000000000000\n");
    EXPECT_LINES(&l, "member", "member \"m1\"\nmember \"m2\"\n");
    EXPECT_HAS(&l, "endkey \"h\" n=3 ");
    EXPECT_HAS(&l, " fttl=2 fmin=1700000000000 ");
    EXPECT_HAS(&l, "endkey \"s\" n=2 ");
    EXPECT_HAS(&l, " fttl=1 fmin=1700000001000 ");
    evlog_free(&l);
    rb_free(&r);

    /* a hash field expiry that is not a number */
    rb_init(&r, "REDIS", 9);
    rb_key(&r, 31, "h");
    rb_len(&r, 1);
    rb_cstr(&r, "f");
    rb_cstr(&r, "v");
    size_t at = r.len;
    rb_cstr(&r, "soon");
    rb_eof_crc(&r, 0);
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "dragonfly-bad-expiry", &l, &e);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, at, "not an integer");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth_vendor, dragonfly_sketches)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_aux(&r, "df-ver", "v1.38.0");
    rb_select(&r, 0);
    size_t start[5], end[5];
    /* 33 SBF */
    rb_key(&r, 33, "sbf");
    start[0] = r.len;
    rb_len(&r, 0);
    rb_f64(&r, 2.0);
    rb_f64(&r, 0.01);
    rb_len(&r, 0);
    rb_len(&r, 100);
    rb_len(&r, 1000);
    rb_len(&r, 2);
    rb_len(&r, 7);
    rb_cstr(&r, "bits1");
    rb_len(&r, 7);
    rb_cstr(&r, "bits2");
    end[0] = r.len;
    /* 34 SBF2: chunked filter bits */
    rb_key(&r, 34, "sbf2");
    start[1] = r.len;
    rb_len(&r, 0);
    rb_f64(&r, 2.0);
    rb_f64(&r, 0.01);
    rb_len(&r, 0);
    rb_len(&r, 100);
    rb_len(&r, 1000);
    rb_len(&r, 1);
    rb_len(&r, 7);
    rb_len(&r, 10);
    rb_len(&r, 4);
    rb_raw(&r, "abcd", 4);
    rb_len(&r, 6);
    rb_raw(&r, "efghij", 6);
    end[1] = r.len;
    /* 35 CMS */
    rb_key(&r, 35, "cms");
    start[2] = r.len;
    rb_len(&r, 3);
    rb_len(&r, 2);
    rb_len(&r, 17);
    for (int i = 0; i < 6; i++)
        rb_le(&r, (uint64_t)i, 8);
    end[2] = r.len;
    /* 36 TOPK */
    rb_key(&r, 36, "topk");
    start[3] = r.len;
    rb_len(&r, 0);
    rb_len(&r, 2);
    rb_len(&r, 4);
    rb_len(&r, 3);
    rb_f64(&r, 0.9);
    rb_len(&r, 2);
    rb_cstr(&r, "hot");
    rb_len(&r, 10);
    rb_cstr(&r, "warm");
    rb_len(&r, 5);
    rb_len(&r, 12);
    rb_fill(&r, 1, 12);
    end[3] = r.len;
    /* 37 CUCKOO */
    rb_key(&r, 37, "cuckoo");
    start[4] = r.len;
    rb_len(&r, 4);
    rb_len(&r, 500);
    rb_len(&r, 1);
    rb_len(&r, 8);
    rb_len(&r, 3); /* items */
    rb_len(&r, 0);
    rb_len(&r, 1); /* filters */
    rb_len(&r, 8);
    rb_len(&r, 8);
    rb_fill(&r, 2, 8);
    end[4] = r.len;
    rb_key(&r, 0, "after");
    rb_cstr(&r, "ok");
    rb_eof_crc(&r, 0);

    evlog l;
    SYNTH_OK(&r, "dragonfly-sketches", &l);
    static const char *const names[] = {"sbf", "sbf2", "cms", "topk", "cuckoo"};
    static const char *const types[] = {"bloom", "bloom", "cms", "topk", "bloom"};
    static const int n[] = {2, 1, 6, 2, 3};
    for (int i = 0; i < 5; i++) {
        char want[200];
        snprintf(want, sizeof want, "key db=0 \"%s\" type=%s enc=other rdbtype=%d ", names[i],
                 types[i], 33 + i);
        EXPECT_HAS(&l, want);
        snprintf(want, sizeof want, "endkey \"%s\" n=%d bytes=%zu vbytes=%zu largest=%zu ",
                 names[i], n[i], end[i] - start[i] + 1 + 1 + strlen(names[i]),
                 end[i] - start[i], end[i] - start[i]);
        EXPECT_HAS(&l, want);
    }
    EXPECT_LINES(&l, "str", "str 0/2 \"ok\"\n");
    evlog_free(&l);
    rb_free(&r);

    /* a chunk longer than what is left of the filter */
    rb_init(&r, "REDIS", 9);
    rb_key(&r, 37, "cuckoo");
    for (int i = 0; i < 6; i++)
        rb_len(&r, 1);
    rb_len(&r, 1);
    rb_len(&r, 4);
    size_t at = r.len;
    rb_len(&r, 5);
    rb_fill(&r, 0, 5);
    rb_eof_crc(&r, 0);
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "cuckoo-bad-chunk", &l, &e);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, at, "chunk of 5 bytes with 4 left");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth_vendor, keydb_cron_type_64)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_aux(&r, "redis-ver", "6.3.4");
    rb_select(&r, 0);
    rb_aux(&r, "mvcc-tstamp", "1234567890"); /* per key, before its type */
    size_t at = r.len;
    rb_key(&r, 64, "cron");
    rb_cstr(&r, "redis.call('INCR', KEYS[1])");
    rb_le(&r, 1700000000000ull, 8);
    rb_le(&r, 60000, 8);
    rb_len(&r, 2);
    rb_cstr(&r, "a");
    rb_cstr(&r, "b");
    rb_len(&r, 1);
    rb_cstr(&r, "x");
    size_t end = r.len;
    rb_aux(&r, "keydb-subexpire-key", "cron"); /* per-member expiry, after the key */
    rb_aux(&r, "keydb-subexpire-when", "1700000000000");
    rb_key(&r, 0, "after");
    rb_cstr(&r, "ok");
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "keydb-cron", &l);
    char want[200];
    snprintf(want, sizeof want,
             "key db=0 \"cron\" type=cron enc=other rdbtype=64 expire=none idle=-1 freq=-1 @%zu\n",
             at);
    EXPECT_HAS(&l, want);
    snprintf(want, sizeof want, "endkey \"cron\" n=1 bytes=%zu ", end - at);
    EXPECT_HAS(&l, want);
    EXPECT_HAS(&l, "aux \"mvcc-tstamp\"=\"1234567890\"\n");
    EXPECT_HAS(&l, "aux \"keydb-subexpire-key\"=\"cron\"\n");
    EXPECT_LINES(&l, "str", "str 0/2 \"ok\"\n");
    evlog_free(&l);
    rb_free(&r);

    /* In a Dragonfly file (aux df-ver) 64 is not a type */
    rb_init(&r, "REDIS", 9);
    rb_aux(&r, "df-ver", "v1.20.0");
    at = r.len;
    rb_key(&r, 64, "cron");
    rb_eof_crc(&r, 0);
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "dragonfly-64", &l, &e);
    EXPECT_FAIL(st, e, RDBL_UNSUPPORTED, at, "opcode 64");
    evlog_free(&l);
    rb_free(&r);
}

/* Synthetic hashes with field TTLs (rdb-format.md §5 types 22-25, §5.1,
 * §11 Valkey HASH_2). The checklist table is in test_synthetic.c. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

TestSuite(synth_hash, .timeout = 60);

/* The worked example of §5.1 (a real type-24 file): min_expire
 * 2755482424661; F1 stored ttl 1 -> 2755482424661, F2 1004622 ->
 * 2755483429282, F5 0 -> no TTL. Stored ttl t != 0 means t + min - 1. */
Test(synth_hash, hash_metadata_type_24_worked_example)
{
    rb r;
    rb_init(&r, "REDIS", 12);
    rb_select(&r, 0);
    rb_key(&r, 24, "hfe");
    rb_le(&r, 2755482424661ull, 8);
    rb_len(&r, 3);
    rb_len(&r, 1);
    rb_cstr(&r, "F1");
    rb_cstr(&r, "v1");
    rb_len(&r, 1004622);
    rb_cstr(&r, "F2");
    rb_int(&r, 2);
    rb_len(&r, 0);
    rb_cstr(&r, "F5");
    rb_cstr(&r, "v5");
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "hash-metadata-24", &l);
    EXPECT_HAS(&l, "key db=0 \"hfe\" type=hash enc=hashtable_ttl rdbtype=24 expire=none");
    EXPECT_LINES(&l, "field",
                 "field \"F1\" \"v1\" ttl=2755482424661\n"
                 "field \"F2\" #2 ttl=2755483429282\n"
                 "field \"F5\" \"v5\" ttl=none\n");
    EXPECT_HAS(&l, "endkey \"hfe\" n=3 ");
    EXPECT_HAS(&l, " fttl=2 fmin=2755482424661 ");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth_hash, hash_listpack_ex_type_25)
{
    rb r;
    rb_init(&r, "REDIS", 12);
    rb_select(&r, 0);
    /* triplets ordered by TTL, no-TTL (0) ones last; TTLs absolute */
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_cstr(&lp, "a");
    rb_lp_cstr(&lp, "1");
    rb_lp_int(&lp, 1700000000000);
    rb_lp_cstr(&lp, "b");
    rb_lp_int(&lp, 22);
    rb_lp_int(&lp, 1700000005000);
    rb_lp_cstr(&lp, "c");
    rb_lp_cstr(&lp, "3");
    rb_lp_int(&lp, 0);
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    rb_key(&r, 25, "lpex");
    rb_le(&r, 1700000000000ull, 8); /* min_expire */
    rb_blob(&r, &blob, false);
    /* a TTL-capable listpack hash with no TTL at all: min_expire 0 */
    rb_lp_init(&lp);
    rb_lp_cstr(&lp, "x");
    rb_lp_cstr(&lp, "y");
    rb_lp_int(&lp, 0);
    rb_reset(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    rb_key(&r, 25, "nottl");
    rb_le(&r, 0, 8);
    rb_blob(&r, &blob, true);
    rb_free(&blob);
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "hash-listpack-ex-25", &l);
    EXPECT_HAS(&l, "key db=0 \"lpex\" type=hash enc=listpack_ttl rdbtype=25 ");
    EXPECT_LINES(&l, "field",
                 "field \"a\" \"1\" ttl=1700000000000\n"
                 "field \"b\" #22 ttl=1700000005000\n"
                 "field \"c\" \"3\" ttl=none\n"
                 "field \"x\" \"y\" ttl=none\n");
    EXPECT_HAS(&l, "endkey \"lpex\" n=3 ");
    EXPECT_HAS(&l, " fttl=2 fmin=1700000000000 ");
    EXPECT_HAS(&l, "endkey \"nottl\" n=1 ");
    EXPECT_HAS(&l, " fttl=0 fmin=-1 ");
    EXPECT_HAS(&l, " lzf=1 count=3 ");
    evlog_free(&l);
    rb_free(&r);
}

/* Builds a one-key type-25 file from TTL values; returns the status. */
static rdbl_status lpex_with(const int64_t *ttls, int n, const char *name, rdbl_error *e,
                             size_t *blob_at)
{
    rb_lp lp;
    rb_lp_init(&lp);
    for (int i = 0; i < n; i++) {
        char f[8];
        snprintf(f, sizeof f, "f%d", i);
        rb_lp_cstr(&lp, f);
        rb_lp_cstr(&lp, "v");
        if (ttls[i] == -99)
            rb_lp_cstr(&lp, "notanint");
        else
            rb_lp_int(&lp, ttls[i]);
    }
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    rb r;
    rb_init(&r, "REDIS", 12);
    rb_key(&r, 25, "h");
    rb_le(&r, 0, 8);
    *blob_at = r.len + 1;
    rb_blob(&r, &blob, false);
    rb_free(&blob);
    rb_eof(&r);
    evlog l;
    rdbl_status st = synth_parse(&r, name, &l, e);
    evlog_free(&l);
    rb_free(&r);
    return st;
}

Test(synth_hash, hash_listpack_ex_ttl_order_is_checked)
{
    rdbl_error e;
    size_t at;
    static const int64_t descending[] = {200, 100};
    rdbl_status st = lpex_with(descending, 2, "lpex-descending", &e, &at);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, at, "ascending order");
    static const int64_t zero_first[] = {0, 100};
    st = lpex_with(zero_first, 2, "lpex-zero-first", &e, &at);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, at, "ascending order");
    static const int64_t too_big[] = {1ll << 48};
    st = lpex_with(too_big, 1, "lpex-2^48", &e, &at);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, at, "2^48");
    static const int64_t text[] = {-99};
    st = lpex_with(text, 1, "lpex-text-ttl", &e, &at);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, at, "not an integer");
    static const int64_t ok[] = {5, 5, 0, 0};
    st = lpex_with(ok, 4, "lpex-equal-ttls", &e, &at);
    cr_expect_eq(st, RDBL_OK, "equal TTLs and trailing zeros are fine: %s", evlog_err_text(&e));
}

Test(synth_hash, valkey_hash_2_type_22)
{
    rb r;
    rb_init(&r, "VALKEY", 80);
    rb_select(&r, 0);
    rb_key(&r, 22, "h2");
    rb_len(&r, 3);
    rb_cstr(&r, "F1");
    rb_cstr(&r, "a");
    rb_le(&r, 2715785640000ull, 8);
    rb_cstr(&r, "F3");
    rb_cstr(&r, "b");
    rb_le(&r, (uint64_t)-1, 8); /* no TTL */
    rb_int(&r, 9);
    rb_lzf(&r, "cccccccccccccccccccccccccccccc", 30);
    rb_le(&r, 0, 8); /* expires at the epoch: a TTL, not "none" */
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "valkey-hash2-22", &l);
    EXPECT_HAS(&l, "key db=0 \"h2\" type=hash enc=hashtable_ttl rdbtype=22 ");
    EXPECT_LINES(&l, "field",
                 "field \"F1\" \"a\" ttl=2715785640000\n"
                 "field \"F3\" \"b\" ttl=none\n"
                 "field #9 \"cccccccccccccccccccccccccccccc\" ttl=0\n");
    EXPECT_HAS(&l, " fttl=2 fmin=0 ");
    evlog_free(&l);
    rb_free(&r);

    /* below zero only -1 ("no TTL") is legal */
    rb_init(&r, "VALKEY", 80);
    rb_key(&r, 22, "h2");
    rb_len(&r, 1);
    rb_cstr(&r, "F");
    rb_cstr(&r, "v");
    size_t ttl_at = r.len;
    rb_le(&r, (uint64_t)-2, 8); /* only -1 means "none" */
    rb_eof(&r);
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "valkey-hash2-bad-ttl", &l, &e);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, ttl_at, "expiry -2");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth_hash, pre_ga_hfe_types_22_23)
{
    rb r;
    rb_init(&r, "REDIS", 12);
    rb_select(&r, 0);
    rb_key(&r, 22, "pre22");
    rb_len(&r, 2);
    rb_len(&r, 1800000000000ull); /* absolute ttl first */
    rb_cstr(&r, "f1");
    rb_cstr(&r, "v1");
    rb_len(&r, 0);
    rb_cstr(&r, "f2");
    rb_cstr(&r, "v2");
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_cstr(&lp, "g1");
    rb_lp_cstr(&lp, "w1");
    rb_lp_int(&lp, 1800000000001);
    rb_lp_cstr(&lp, "g2");
    rb_lp_cstr(&lp, "w2");
    rb_lp_int(&lp, 0);
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    rb_key(&r, 23, "pre23"); /* no min_expire before the blob */
    rb_blob(&r, &blob, false);
    rb_free(&blob);
    rb_eof(&r);
    evlog l;
    SYNTH_OK(&r, "pre-ga-22-23", &l);
    EXPECT_LINES(&l, "field",
                 "field \"f1\" \"v1\" ttl=1800000000000\nfield \"f2\" \"v2\" ttl=none\n"
                 "field \"g1\" \"w1\" ttl=1800000000001\nfield \"g2\" \"w2\" ttl=none\n");
    EXPECT_HAS(&l, "key db=0 \"pre22\" type=hash enc=hashtable_ttl rdbtype=22 ");
    EXPECT_HAS(&l, "key db=0 \"pre23\" type=hash enc=listpack_ttl rdbtype=23 ");
    evlog_free(&l);
    rb_free(&r);
}

/* Synthetic sets, sorted sets and zipmap hashes (rdb-format.md §3.3 ASCII
 * doubles, §5.1, §6.3 intset, §6.4 zipmap). The checklist table is in
 * test_synthetic.c. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

TestSuite(synth_coll, .timeout = 60);

Test(synth_coll, zset_ascii_and_binary_scores)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_select(&r, 0);
    /* type 3: ASCII scores */
    static const char *const txt[] = {"1.5", "-0.25", "3", "1e300", "-4.329000123123131e+28",
                                      "0"};
    rb_key(&r, 3, "ascii");
    rb_len(&r, 8);
    for (int i = 0; i < 6; i++) {
        char m[8];
        snprintf(m, sizeof m, "m%d", i);
        rb_cstr(&r, m);
        rb_u8(&r, (unsigned)strlen(txt[i]));
        rb_raw(&r, txt[i], strlen(txt[i]));
    }
    rb_cstr(&r, "pinf");
    rb_u8(&r, 254);
    rb_int(&r, 77); /* an int-encoded member */
    rb_u8(&r, 255);
    /* type 5: binary doubles, highest first as Redis writes them */
    rb_key(&r, 5, "binary");
    rb_len(&r, 4);
    rb_cstr(&r, "top");
    rb_f64(&r, INFINITY);
    rb_cstr(&r, "pi");
    rb_f64(&r, 3.141592653589793);
    rb_cstr(&r, "tiny");
    rb_f64(&r, 4.9e-324);
    rb_cstr(&r, "bottom");
    rb_f64(&r, -INFINITY);
    /* type 17: listpack scores as integers or text */
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_cstr(&lp, "i");
    rb_lp_int(&lp, -5);
    rb_lp_cstr(&lp, "t");
    rb_lp_cstr(&lp, "2.5");
    rb_lp_int(&lp, 9); /* an integer member */
    rb_lp_cstr(&lp, "inf");
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    rb_key(&r, 17, "lp");
    rb_blob(&r, &blob, false);
    /* type 12: ziplist scores */
    rb_zl zl;
    rb_zl_init(&zl);
    rb_zl_cstr(&zl, "a");
    rb_zl_int(&zl, 1);
    rb_zl_cstr(&zl, "b");
    rb_zl_cstr(&zl, "-inf");
    rb_reset(&blob);
    rb_zl_finish(&zl, &blob);
    rb_zl_free(&zl);
    rb_key(&r, 12, "zl");
    rb_blob(&r, &blob, false);
    rb_free(&blob);
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "zset-scores", &l);
    EXPECT_LINES(&l, "zmember",
                 "zmember \"m0\" 1.5\nzmember \"m1\" -0.25\nzmember \"m2\" 3\n"
                 "zmember \"m3\" 1.0000000000000001e+300\n"
                 "zmember \"m4\" -4.3290001231231309e+28\nzmember \"m5\" 0\n"
                 "zmember \"pinf\" inf\nzmember #77 -inf\n"
                 "zmember \"top\" inf\nzmember \"pi\" 3.1415926535897931\n"
                 "zmember \"tiny\" 4.9406564584124654e-324\nzmember \"bottom\" -inf\n"
                 "zmember \"i\" -5\nzmember \"t\" 2.5\nzmember #9 inf\n"
                 "zmember \"a\" 1\nzmember \"b\" -inf\n");
    EXPECT_HAS(&l, "key db=0 \"ascii\" type=zset enc=skiplist rdbtype=3 ");
    EXPECT_HAS(&l, "key db=0 \"binary\" type=zset enc=skiplist rdbtype=5 ");
    EXPECT_HAS(&l, "key db=0 \"lp\" type=zset enc=listpack rdbtype=17 ");
    EXPECT_HAS(&l, "key db=0 \"zl\" type=zset enc=ziplist rdbtype=12 ");
    EXPECT_HAS(&l, "endkey \"ascii\" n=8 ");
    EXPECT_HAS(&l, "endkey \"lp\" n=3 ");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth_coll, zset_nan_scores_are_corrupt)
{
    for (int form = 0; form < 4; form++) {
        rb r;
        rb_init(&r, "REDIS", 10);
        rb_select(&r, 0);
        rb_key(&r, 0, "before");
        rb_cstr(&r, "ok");
        size_t bad_at = 0;
        rb blob;
        rb_init_buf(&blob);
        const char *name = NULL;
        switch (form) {
        case 0: /* ASCII, the NaN marker byte 253 */
            name = "nan-ascii";
            rb_key(&r, 3, "z");
            rb_len(&r, 2);
            rb_cstr(&r, "ok");
            rb_u8(&r, 1);
            rb_raw(&r, "1", 1);
            rb_cstr(&r, "m");
            bad_at = r.len;
            rb_u8(&r, 253);
            break;
        case 1: /* binary NaN */
            name = "nan-binary";
            rb_key(&r, 5, "z");
            rb_len(&r, 1);
            rb_cstr(&r, "m");
            bad_at = r.len;
            rb_f64(&r, NAN);
            break;
        case 2: { /* listpack text "nan" */
            name = "nan-listpack";
            rb_lp lp;
            rb_lp_init(&lp);
            rb_lp_cstr(&lp, "m");
            rb_lp_cstr(&lp, "nan");
            rb_lp_finish(&lp, &blob);
            rb_lp_free(&lp);
            rb_key(&r, 17, "z");
            bad_at = r.len + 1; /* the blob's bytes, after its length byte */
            rb_blob(&r, &blob, false);
            break;
        }
        default: { /* ziplist text "nan" */
            name = "nan-ziplist";
            rb_zl zl;
            rb_zl_init(&zl);
            rb_zl_cstr(&zl, "m");
            rb_zl_cstr(&zl, "nan");
            rb_zl_finish(&zl, &blob);
            rb_zl_free(&zl);
            rb_key(&r, 12, "z");
            bad_at = r.len + 1;
            rb_blob(&r, &blob, false);
            break;
        }
        }
        rb_free(&blob);
        rb_eof(&r);
        evlog l;
        rdbl_error e;
        rdbl_status st = synth_parse(&r, name, &l, &e);
        EXPECT_FAIL(st, e, RDBL_CORRUPT, bad_at, "NaN");
        cr_expect_str_eq(e.key, "z", "%s", name);
        cr_expect_eq(l.keys, 1, "%s: the key before is reported", name);
        evlog_free(&l);
        rb_free(&r);
    }
}

Test(synth_coll, zipmap_unknown_count_big_lens_free_bytes)
{
    rb r;
    rb_init(&r, "REDIS", 2);
    rb_select(&r, 0);
    rb blob;
    rb_init_buf(&blob);
    /* zmlen 254: unknown, walk */
    rb_zm zm;
    rb_zm_init(&zm, 254);
    rb_zm_pair(&zm, "f1", "v1", 0, false);
    rb_zm_pair(&zm, "f2", "v2", 4, false);
    rb_zm_pair(&zm, "f3", "v3", 0, false);
    rb_zm_finish(&zm, &blob);
    rb_zm_free(&zm);
    rb_key(&r, 9, "walk254");
    rb_blob(&r, &blob, false);
    /* zmlen 255 with 2 pairs: a real file has it; old readers walk */
    rb_zm_init(&zm, 255);
    rb_zm_pair(&zm, "a", "1", 0, false);
    rb_zm_pair(&zm, "b", "2", 0, false);
    rb_reset(&blob);
    rb_zm_finish(&zm, &blob);
    rb_zm_free(&zm);
    rb_key(&r, 9, "zm255");
    rb_blob(&r, &blob, false);
    /* 5-byte lengths: a long value, and (non-minimal) short ones; free slack
     * of any size */
    char longv[300];
    memset(longv, 'V', sizeof longv);
    rb_zm_init(&zm, 3);
    rb_zm_pair_n(&zm, "long", 4, longv, sizeof longv, 2, false);
    rb_zm_pair(&zm, "short5", "s", 0, true);
    rb_zm_pair(&zm, "slack", "x", 200, false);
    rb_reset(&blob);
    rb_zm_finish(&zm, &blob);
    rb_zm_free(&zm);
    rb_key(&r, 9, "biglens");
    rb_blob(&r, &blob, true);
    rb_free(&blob);
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "zipmap-forms", &l);
    char want[1024];
    snprintf(want, sizeof want,
             "field \"f1\" \"v1\" ttl=none\nfield \"f2\" \"v2\" ttl=none\n"
             "field \"f3\" \"v3\" ttl=none\nfield \"a\" \"1\" ttl=none\n"
             "field \"b\" \"2\" ttl=none\nfield \"long\" \"%.300s\" ttl=none\n"
             "field \"short5\" \"s\" ttl=none\nfield \"slack\" \"x\" ttl=none\n",
             longv);
    EXPECT_LINES(&l, "field", want);
    EXPECT_HAS(&l, "key db=0 \"walk254\" type=hash enc=zipmap rdbtype=9 ");
    EXPECT_HAS(&l, "endkey \"walk254\" n=3 ");
    EXPECT_HAS(&l, "endkey \"zm255\" n=2 ");
    EXPECT_HAS(&l, "endkey \"biglens\" n=3 ");
    EXPECT_HAS(&l, " largest=300 ");
    EXPECT_HAS(&l, "blob zipmap size=");
    evlog_free(&l);
    rb_free(&r);

    /* a count below 254 must match the pairs */
    rb_init(&r, "REDIS", 2);
    rb_zm_init(&zm, 3);
    rb_zm_pair(&zm, "a", "1", 0, false);
    rb_init_buf(&blob);
    rb_zm_finish(&zm, &blob);
    rb_zm_free(&zm);
    rb_key(&r, 9, "h");
    rb_blob(&r, &blob, false);
    rb_free(&blob);
    rb_eof(&r);
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "zipmap-count-mismatch", &l, &e);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, UINT64_MAX, "zipmap");
    cr_expect_str_eq(e.where, "hash zipmap");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth_coll, intset_and_set_listpack)
{
    rb r;
    rb_init(&r, "REDIS", 11);
    rb_select(&r, 0);
    rb blob;
    rb_init_buf(&blob);
    static const int64_t v16[] = {-3, 0, 7};
    static const int64_t v64[] = {INT64_MIN, -1, 1ll << 40, INT64_MAX};
    rb_intset(&blob, 2, v16, 3);
    rb_key(&r, 11, "is16");
    rb_blob(&r, &blob, false);
    rb_reset(&blob);
    rb_intset(&blob, 8, v64, 4);
    rb_key(&r, 11, "is64");
    rb_blob(&r, &blob, true);
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_cstr(&lp, "m");
    rb_lp_int(&lp, 123456);
    rb_lp_int(&lp, -70000);
    rb_reset(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    rb_key(&r, 20, "slp");
    rb_blob(&r, &blob, false);
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "intset-setlp", &l);
    EXPECT_LINES(&l, "member",
                 "member #-3\nmember #0\nmember #7\nmember #-9223372036854775808\nmember #-1\n"
                 "member #1099511627776\nmember #9223372036854775807\nmember \"m\"\n"
                 "member #123456\nmember #-70000\n");
    EXPECT_HAS(&l, "blob intset size=14 stored=15 lzf=0 count=3 ");
    EXPECT_HAS(&l, "key db=0 \"slp\" type=set enc=listpack rdbtype=20 ");
    EXPECT_HAS(&l, "endkey \"is64\" n=4 ");
    evlog_free(&l);
    rb_free(&r);

    /* unsorted or duplicate members are corruption (deep check) */
    static const int64_t dup[] = {1, 5, 5};
    rb_init(&r, "REDIS", 11);
    rb_reset(&blob);
    rb_intset(&blob, 4, dup, 3);
    rb_key(&r, 11, "dup");
    size_t at = r.len + 1;
    rb_blob(&r, &blob, false);
    rb_free(&blob);
    rb_eof(&r);
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "intset-dup", &l, &e);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, UINT64_MAX, "intset");
    cr_expect(e.offset >= at && e.offset < at + 20, "%s", evlog_err_text(&e));
    evlog_free(&l);
    rb_free(&r);
}

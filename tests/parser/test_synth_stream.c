/* Synthetic streams (rdb-format.md §7, §10.1-10.2): v2 (type 19) with
 * DELETED entries, negative seq deltas, several nodes and SAMEFIELDS; v5
 * (type 27) with NACK ids and the v4 IDMP section; node listpack checks.
 * The checklist table is in test_synthetic.c. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

TestSuite(synth_stream, .timeout = 60);

static void add_node(rb *r, uint64_t ms, uint64_t seq, const rb_snode *n, bool lzf)
{
    rb_stream_id_str(r, ms, seq);
    rb blob;
    rb_init_buf(&blob);
    rb_snode_finish(n, &blob);
    rb_blob(r, &blob, lzf);
    rb_free(&blob);
}

Test(synth_stream, stream_v2_type_19)
{
    rb r;
    rb_init(&r, "REDIS", 10);
    rb_select(&r, 0);
    rb_key(&r, 19, "s");
    rb_len(&r, 2);
    static const char *const mf[] = {"f1", "f2"};
    rb_snode n;
    rb_snode_init(&n, mf, 2);
    static const char *const v1[] = {"a", "b"}, *const v2[] = {"c", "d"};
    static const char *const xf[] = {"x"}, *const xv[] = {"y"};
    rb_snode_entry(&n, RB_SF_SAMEFIELDS, 0, 0, 0, NULL, v1);             /* 1000-5 */
    rb_snode_entry(&n, RB_SF_SAMEFIELDS | RB_SF_DELETED, 1, -5, 0, NULL, v2); /* 1001-0 */
    rb_snode_entry(&n, 0, 2, -4, 1, xf, xv);                              /* 1002-1 */
    add_node(&r, 1000, 5, &n, false);
    rb_snode_free(&n);
    static const char *const mf2[] = {"f"};
    rb_snode_init(&n, mf2, 1);
    static const char *const z[] = {"z"}, *const w[] = {"w"};
    rb_snode_entry(&n, RB_SF_SAMEFIELDS, 0, 0, 0, NULL, z); /* 2000-0 */
    rb_snode_entry(&n, RB_SF_SAMEFIELDS, 5, 3, 0, NULL, w); /* 2005-3 */
    add_node(&r, 2000, 0, &n, true);
    rb_snode_free(&n);
    rb_len(&r, 4);    /* length */
    rb_len(&r, 2005); /* last id */
    rb_len(&r, 3);
    rb_len(&r, 1000); /* first id */
    rb_len(&r, 5);
    rb_len(&r, 1001); /* max deleted */
    rb_len(&r, 0);
    rb_len(&r, 5); /* entries added */
    rb_len(&r, 1); /* groups */
    rb_cstr(&r, "g");
    rb_len(&r, 2000);
    rb_len(&r, 0);
    rb_len(&r, 4); /* entries read */
    rb_len(&r, 2); /* PEL */
    rb_stream_id_raw(&r, 1000, 5);
    rb_le(&r, 1700000000000ull, 8);
    rb_len(&r, 2);
    rb_stream_id_raw(&r, 1002, 1);
    rb_le(&r, 1700000000001ull, 8);
    rb_len(&r, 1);
    rb_len(&r, 2); /* consumers */
    rb_cstr(&r, "c1");
    rb_le(&r, 1700000000500ull, 8);
    rb_len(&r, 1);
    rb_stream_id_raw(&r, 1000, 5);
    rb_cstr(&r, "c2");
    rb_le(&r, 1700000000600ull, 8);
    rb_len(&r, 1);
    rb_stream_id_raw(&r, 1002, 1);
    rb_key(&r, 0, "after");
    rb_cstr(&r, "ok");
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "stream-v2-19", &l);
    EXPECT_HAS(&l, "key db=0 \"s\" type=stream enc=listpacks rdbtype=19 ");
    EXPECT_LINES(&l, "sentry",
                 "sentry 1000-5 del=0 \"f1\"=\"a\" \"f2\"=\"b\"\n"
                 "sentry 1001-0 del=1 \"f1\"=\"c\" \"f2\"=\"d\"\n"
                 "sentry 1002-1 del=0 \"x\"=\"y\"\n"
                 "sentry 2000-0 del=0 \"f\"=\"z\"\n"
                 "sentry 2005-3 del=0 \"f\"=\"w\"\n");
    EXPECT_LINES(&l, "smeta",
                 "smeta v=2 nodes=2 len=4 last=2005-3 first=1000-5 maxdel=1001-0 added=5 "
                 "groups=1\n");
    EXPECT_LINES(&l, "sgroup", "sgroup \"g\" last=2000-0 read=4 pel=2 consumers=0\n");
    EXPECT_LINES(&l, "spel",
                 "spel \"g\" 1000-5 delivered=1700000000000 count=2\n"
                 "spel \"g\" 1002-1 delivered=1700000000001 count=1\n");
    EXPECT_LINES(&l, "sconsumer",
                 "sconsumer \"g\" \"c1\" seen=1700000000500 active=1700000000500 pel=1\n"
                 "sconsumer \"g\" \"c2\" seen=1700000000600 active=1700000000600 pel=1\n");
    EXPECT_LINES(&l, "scpel", "scpel \"g\" \"c1\" 1000-5\nscpel \"g\" \"c2\" 1002-1\n");
    EXPECT_HAS(&l, "blob streamnode size=");
    EXPECT_HAS(&l, " lzf=1 count=");
    EXPECT_HAS(&l, " node=2000-0 data=");
    EXPECT_HAS(&l, "endkey \"s\" n=4 ");
    EXPECT_HAS(&l, " blobs=2 exact=1\n");
    EXPECT_LINES(&l, "str", "str 0/2 \"ok\"\n");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth_stream, stream_v5_type_27_nack_ids)
{
    rb r;
    rb_init(&r, "REDIS", 14);
    rb_select(&r, 0);
    rb_key(&r, 27, "s5");
    rb_len(&r, 1);
    static const char *const mf[] = {"k"};
    rb_snode n;
    rb_snode_init(&n, mf, 1);
    static const char *const v1[] = {"v1"}, *const v2[] = {"v2"};
    rb_snode_entry(&n, RB_SF_SAMEFIELDS, 0, 0, 0, NULL, v1);
    rb_snode_entry(&n, RB_SF_SAMEFIELDS, 1, 0, 0, NULL, v2);
    add_node(&r, 5, 0, &n, false);
    rb_snode_free(&n);
    rb_len(&r, 2);
    rb_len(&r, 6);
    rb_len(&r, 0);
    rb_len(&r, 5);
    rb_len(&r, 0);
    rb_len(&r, 0);
    rb_len(&r, 0);
    rb_len(&r, 2);
    rb_len(&r, 1); /* one group */
    rb_cstr(&r, "grp");
    rb_len(&r, 6);
    rb_len(&r, 0);
    rb_len_as(&r, UINT64_MAX, RB_LEN64); /* entries_read -1: unknown */
    rb_len(&r, 2);
    rb_stream_id_raw(&r, 5, 0);
    rb_le(&r, 0, 8); /* a NACKed entry: delivery time 0, no owner */
    rb_len(&r, 1);
    rb_stream_id_raw(&r, 6, 0);
    rb_le(&r, 1700000000000ull, 8);
    rb_len(&r, 1);
    rb_len(&r, 1);
    rb_cstr(&r, "c");
    rb_le(&r, 10, 8); /* seen */
    rb_le(&r, 20, 8); /* active (v >= 3) */
    rb_len(&r, 1);
    rb_stream_id_raw(&r, 6, 0);
    rb_len(&r, 1); /* NACK zone (v >= 5) */
    rb_stream_id_raw(&r, 5, 0);
    /* IDMP (v >= 4) */
    rb_len(&r, 100);
    rb_len(&r, 100);
    rb_len(&r, 2);
    rb_cstr(&r, "p1");
    rb_len(&r, 1);
    rb_cstr(&r, "i1");
    rb_len(&r, 5);
    rb_len(&r, 0);
    rb_cstr(&r, "p2");
    rb_len(&r, 0);
    rb_len(&r, 1);
    rb_len(&r, 0);
    rb_key(&r, 0, "after");
    rb_cstr(&r, "ok");
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "stream-v5-27", &l);
    EXPECT_HAS(&l, "key db=0 \"s5\" type=stream enc=listpacks rdbtype=27 ");
    EXPECT_LINES(&l, "sentry", "sentry 5-0 del=0 \"k\"=\"v1\"\nsentry 6-0 del=0 \"k\"=\"v2\"\n");
    EXPECT_LINES(&l, "smeta",
                 "smeta v=5 nodes=1 len=2 last=6-0 first=5-0 maxdel=0-0 added=2 groups=1\n");
    EXPECT_LINES(&l, "sgroup", "sgroup \"grp\" last=6-0 read=-1 pel=2 consumers=0\n");
    EXPECT_LINES(&l, "spel",
                 "spel \"grp\" 5-0 delivered=0 count=1\n"
                 "spel \"grp\" 6-0 delivered=1700000000000 count=1\n");
    EXPECT_LINES(&l, "sconsumer", "sconsumer \"grp\" \"c\" seen=10 active=20 pel=1\n");
    EXPECT_LINES(&l, "str", "str 0/2 \"ok\"\n");
    cr_expect_eq(l.keys, 2);
    evlog_free(&l);
    rb_free(&r);
}

/* A node whose last entry's elements are given raw, to break one rule. */
enum node_fault {
    NF_LP_COUNT,   /* lp_count off by one */
    NF_FLAGS,      /* flag bit 4 */
    NF_COUNTS,     /* master says 2 live entries, there is 1 */
    NF_EXTRA,      /* an element after the last entry */
    NF_TERMINATOR, /* master entry terminator 1 instead of 0 */
};

static rdbl_status bad_node(enum node_fault f, rdbl_error *e, size_t *blob_at)
{
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_int(&lp, f == NF_COUNTS ? 2 : 1); /* live */
    rb_lp_int(&lp, 0);                       /* deleted */
    rb_lp_int(&lp, 1);                       /* master fields */
    rb_lp_cstr(&lp, "f");
    rb_lp_int(&lp, f == NF_TERMINATOR ? 1 : 0);
    rb_lp_int(&lp, f == NF_FLAGS ? 4 | 2 : 2); /* SAMEFIELDS */
    rb_lp_int(&lp, 0);
    rb_lp_int(&lp, 0);
    rb_lp_cstr(&lp, "v");
    rb_lp_int(&lp, f == NF_LP_COUNT ? 5 : 4); /* 1 + 3 */
    if (f == NF_EXTRA)
        rb_lp_int(&lp, 7);
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    rb r;
    rb_init(&r, "REDIS", 11);
    rb_key(&r, 21, "s");
    rb_len(&r, 1);
    rb_stream_id_str(&r, 1, 0);
    *blob_at = r.len + 1;
    rb_blob(&r, &blob, false);
    rb_free(&blob);
    for (int i = 0; i < 9; i++) /* length, 3 IDs, entries added, groups */
        rb_len(&r, 0);
    rb_eof(&r);
    evlog l;
    char name[32];
    snprintf(name, sizeof name, "stream-node-fault-%d", (int)f);
    rdbl_status st = synth_parse(&r, name, &l, e);
    evlog_free(&l);
    rb_free(&r);
    return st;
}

Test(synth_stream, stream_node_checks)
{
    static const struct {
        enum node_fault f;
        const char *msg;
    } cases[] = {
        {NF_LP_COUNT, "lp_count"},
        {NF_FLAGS, "unknown entry flags"},
        {NF_COUNTS, "entry header cut short"},
        {NF_EXTRA, "elements after the last entry"},
        {NF_TERMINATOR, "terminator"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rdbl_error e;
        size_t at;
        rdbl_status st = bad_node(cases[i].f, &e, &at);
        EXPECT_FAIL(st, e, RDBL_CORRUPT, at, cases[i].msg);
        cr_expect_str_eq(e.key, "s");
        cr_expect_eq(e.rdb_type, 21);
    }
    /* a node key that is not a 16-byte ID */
    rb r;
    rb_init(&r, "REDIS", 11);
    rb_key(&r, 21, "s");
    rb_len(&r, 1);
    size_t at = r.len;
    rb_cstr(&r, "short");
    rb_eof(&r);
    evlog l;
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "stream-node-key-5", &l, &e);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, at, "16-byte");
    evlog_free(&l);
    rb_free(&r);
}

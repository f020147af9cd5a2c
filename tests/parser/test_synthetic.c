/* Synthetic files for every row of ../shared/docs/rdb-format.md §18 that no
 * corpus file covers ("no sample in the corpus: write a synthetic test"),
 * built byte by byte with tests/support/rdbbuild and checked event by event
 * (values, TTLs, types, encodings, offsets), not just "no error".
 *
 * Checklist row (§18)                          -> test (file: suite::name)
 * -------------------------------------------------------------------------
 * Header REDIS0001 (types 0-4, no CRC)         -> test_synthetic.c synth::header_rdb1_types_0_to_4
 * Header REDIS0014 / REDIS0015                 -> test_synthetic.c synth::header_versions_known_and_future
 * Header VALKEY080 (and 081, 082 = future)     -> test_synthetic.c synth::header_versions_known_and_future
 * Length 6/14/32/64-bit, non-minimal forms     -> test_synthetic.c synth::lengths_in_every_form
 * String INT8/16/32 limits, LZF, raw           -> test_synthetic.c synth::string_encodings_and_limits
 * Opcode 253 EXPIRETIME (int32 s)              -> test_synthetic.c synth::opcode_253_expiretime_seconds
 * Prefix reset after each key (252/248/249)    -> test_synthetic.c synth::opcode_253_expiretime_seconds
 * AUX anywhere; Valkey slot-info AUX           -> test_synthetic.c synth::aux_anywhere_and_valkey_slot_info
 * Opcode 243 SLOT_IMPORT (Valkey)              -> test_synthetic.c synth::valkey_slot_import_243
 * Opcode 243 KEY_META (Redis 13)               -> test_synthetic.c synth::redis_key_meta_243
 * Opcode 246 FUNCTION_PRE_GA (inside a DB)     -> test_synthetic.c synth::function_pre_ga_246
 * Type 7 / MODULE_AUX sub-ops SINT, DOUBLE     -> test_synthetic.c synth::module_subops_sint_double_float
 * Type 6 MODULE (pre-GA): UNSUPPORTED          -> test_synthetic.c synth::type_6_module_is_unsupported
 * Opcode 242 HASH_TEMPLATE, types 30/32       -> test_synthetic.c synth::hash_template_242_with_types_30_32
 * Types 29/31 HASH_TMPL_*, 33 GCRA: UNSUPPORTED -> test_synthetic.c synth::hash_template_unknown_id_and_unsupported_types
 * Opcode 242 UPDATE (Valkey): UNSUPPORTED      -> test_synthetic.c synth::valkey_opcodes_242_and_type_23
 * Type 23 PATH_HASH (Valkey 81): UNSUPPORTED   -> test_synthetic.c synth::valkey_opcodes_242_and_type_23
 * Opcodes 107/121 (Redis Enterprise)           -> test_synthetic.c synth::redis_enterprise_opcodes
 * Opcodes 101/102 (Redis Enterprise, old)      -> test_synthetic.c synth::redis_enterprise_opcodes (UNSUPPORTED)
 * VKCS envelope (Valkey 9.2)                   -> test_synthetic.c synth::vkcs_envelope
 * Type 1/10/14/18 lists: quicklist, several    -> test_synth_list.c synth_list::quicklist_14_several_nodes
 *   nodes (type 14)
 * Ziplist zllen 65535, non-minimal prevlen     -> test_synth_list.c synth_list::ziplist_zllen_65535_and_5_byte_prevlen
 * Type 18 PLAIN nodes, multi-node              -> test_synth_list.c synth_list::quicklist2_plain_and_packed_nodes
 * Listpack str12/str32, backlen 2-4 bytes      -> test_synth_list.c synth_list::listpack_string_forms_and_backlens
 * Listpack backlen 5 bytes (256 MiB element)   -> test_synth_list.c synth_list::listpack_5_byte_backlen
 * Big raw / LZF strings in chunks              -> test_synth_list.c synth_list::big_strings_arrive_in_chunks
 * Type 3 ZSET ASCII NaN (CORRUPT)              -> test_synth_collections.c synth_coll::zset_nan_scores_are_corrupt
 * Type 3 ZSET ASCII scores incl. +/-inf        -> test_synth_collections.c synth_coll::zset_ascii_and_binary_scores
 * Type 9 zipmap zmlen >= 254, 5-byte lens,     -> test_synth_collections.c synth_coll::zipmap_unknown_count_big_lens_free_bytes
 *   free bytes
 * Type 11 intset, type 20 set listpack         -> test_synth_collections.c synth_coll::intset_and_set_listpack
 * Type 22 HASH_2 (Valkey 80)                   -> test_synth_hash.c synth_hash::valkey_hash_2_type_22
 * Type 22/23 pre-GA HFE (Redis 12 RC)          -> test_synth_hash.c synth_hash::pre_ga_hfe_types_22_23
 * Type 24 HASH_METADATA (worked example §5.1)  -> test_synth_hash.c synth_hash::hash_metadata_type_24_worked_example
 * Type 25 HASH_LISTPACK_EX                     -> test_synth_hash.c synth_hash::hash_listpack_ex_type_25
 * Type 25 TTL order rules (CORRUPT)            -> test_synth_hash.c synth_hash::hash_listpack_ex_ttl_order_is_checked
 * Type 19 STREAM_LISTPACKS_2 (v2)              -> test_synth_stream.c synth_stream::stream_v2_type_19
 * Stream DELETED flag, negative seq delta      -> test_synth_stream.c synth_stream::stream_v2_type_19
 * Stream multiple nodes, SAMEFIELDS            -> test_synth_stream.c synth_stream::stream_v2_type_19
 * Type 27 STREAM_LISTPACKS_5 (NACK ids)        -> test_synth_stream.c synth_stream::stream_v5_type_27_nack_ids
 * Type 26 IDMP producers                       -> test_synth_stream.c synth_stream::stream_v5_type_27_nack_ids
 * Stream lp_count / counts checks (CORRUPT)    -> test_synth_stream.c synth_stream::stream_node_checks
 * Type 28 ARRAY (RDB 14)                       -> test_synth_vendor.c synth_vendor::array_type_28
 * Dragonfly DF_MASK 220                        -> test_synth_vendor.c synth_vendor::dragonfly_df_mask_and_opcodes
 * Dragonfly opcodes 200, 210, 211              -> test_synth_vendor.c synth_vendor::dragonfly_df_mask_and_opcodes
 * Dragonfly opcodes 201/202 zstd/LZ4 blobs     -> test_dragonfly.c dragonfly::* (+ synth_vendor::dragonfly_compressed_blobs_garbage)
 * Dragonfly type 20 (old JSON), 30 JSON        -> test_synth_vendor.c synth_vendor::dragonfly_json_types
 * Dragonfly 31 HASH_WITH_EXPIRY, 32 SET_W_EXP  -> test_synth_vendor.c synth_vendor::dragonfly_expiry_collections
 * Dragonfly 33-37 sketches                     -> test_synth_vendor.c synth_vendor::dragonfly_sketches
 * KeyDB type 64 CRON (and 64 in Dragonfly)     -> test_synth_vendor.c synth_vendor::keydb_cron_type_64
 * KeyDB per-key AUX (mvcc-tstamp, subexpire)   -> test_synth_vendor.c synth_vendor::keydb_cron_type_64
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <lz4frame.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

TestSuite(synth, .timeout = 60);

Test(synth, header_rdb1_types_0_to_4)
{
    rb r;
    rb_init(&r, "REDIS", 1);
    rb_select(&r, 0);
    size_t s_at = r.len;
    rb_key(&r, 0, "s");
    rb_cstr(&r, "hello");
    rb_key(&r, 1, "l");
    rb_len(&r, 2);
    rb_cstr(&r, "a");
    rb_int(&r, 5);
    rb_key(&r, 2, "st");
    rb_len(&r, 2);
    rb_cstr(&r, "x");
    rb_cstr(&r, "y");
    rb_key(&r, 3, "z");
    rb_len(&r, 3);
    rb_cstr(&r, "m1");
    rb_u8(&r, 3);
    rb_raw(&r, "1.5", 3);
    rb_cstr(&r, "m2");
    rb_u8(&r, 254); /* +inf */
    rb_cstr(&r, "m3");
    rb_u8(&r, 255); /* -inf */
    rb_key(&r, 4, "h");
    rb_len(&r, 1);
    rb_cstr(&r, "f");
    rb_cstr(&r, "v");
    size_t eof_at = r.len;
    rb_eof(&r);
    cr_assert_eq(r.p[r.len - 1], 0xFF, "version 1 has no CRC");

    evlog l;
    SYNTH_OK(&r, "rdb1", &l);
    EXPECT_LINES(&l, "begin", "begin magic=REDIS ver=1 producer=redis future=0 comp=none\n");
    char want[256];
    snprintf(want, sizeof want,
             "key db=0 \"s\" type=string enc=raw rdbtype=0 expire=none idle=-1 freq=-1 @%zu\n",
             s_at);
    EXPECT_HAS(&l, want);
    EXPECT_HAS(&l, "key db=0 \"l\" type=list enc=linkedlist rdbtype=1 ");
    EXPECT_HAS(&l, "key db=0 \"st\" type=set enc=hashtable rdbtype=2 ");
    EXPECT_HAS(&l, "key db=0 \"z\" type=zset enc=skiplist rdbtype=3 ");
    EXPECT_HAS(&l, "key db=0 \"h\" type=hash enc=hashtable rdbtype=4 ");
    EXPECT_LINES(&l, "str", "str 0/5 \"hello\"\n");
    EXPECT_LINES(&l, "item", "item \"a\"\nitem #5\n");
    EXPECT_LINES(&l, "member", "member \"x\"\nmember \"y\"\n");
    EXPECT_LINES(&l, "zmember", "zmember \"m1\" 1.5\nzmember \"m2\" inf\nzmember \"m3\" -inf\n");
    EXPECT_LINES(&l, "field", "field \"f\" \"v\" ttl=none\n");
    snprintf(want, sizeof want,
             "end crc=absent stored=0000000000000000 computed=0000000000000000 eof=@%zu "
             "trailing=0\n",
             eof_at);
    EXPECT_LINES(&l, "end", want);
    /* statistics: 1 string of 5 bytes; the record is type + "s" + "hello" */
    EXPECT_HAS(&l, "endkey \"s\" n=1 bytes=9 vbytes=5 largest=5 fttl=0 fmin=-1 blobs=0 exact=1\n");
    EXPECT_HAS(&l, "endkey \"z\" n=3 ");
    evlog_free(&l);
    rb_free(&r);
}

/* Parses a file with only a header and EOF; returns the begin line. */
static char *begin_of(const char *magic, int ver, unsigned long *warnings)
{
    rb r;
    rb_init(&r, magic, ver);
    rb_eof(&r);
    evlog l;
    char name[32];
    snprintf(name, sizeof name, "header-%s%d", magic, ver);
    SYNTH_OK(&r, name, &l);
    char *b = evlog_grep(&l, "begin");
    *warnings = l.warnings;
    evlog_free(&l);
    rb_free(&r);
    return b;
}

Test(synth, header_versions_known_and_future)
{
    static const struct {
        const char *magic;
        int ver;
        const char *begin;
        unsigned long warnings;
    } cases[] = {
        {"REDIS", 13, "begin magic=REDIS ver=13 producer=redis future=0 comp=none\n", 0},
        {"REDIS", 14, "begin magic=REDIS ver=14 producer=redis future=0 comp=none\n", 0},
        {"REDIS", 15, "begin magic=REDIS ver=15 producer=redis future=0 comp=none\n", 0},
        {"REDIS", 16, "begin magic=REDIS ver=16 producer=redis future=1 comp=none\n", 1},
        {"VALKEY", 80, "begin magic=VALKEY ver=80 producer=valkey future=0 comp=none\n", 0},
        {"VALKEY", 81, "begin magic=VALKEY ver=81 producer=valkey future=0 comp=none\n", 0},
        {"VALKEY", 82, "begin magic=VALKEY ver=82 producer=valkey future=1 comp=none\n", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned long w;
        char *b = begin_of(cases[i].magic, cases[i].ver, &w);
        cr_expect_str_eq(b, cases[i].begin);
        cr_expect_eq(w, cases[i].warnings, "%s%d", cases[i].magic, cases[i].ver);
        free(b);
    }
    /* a Valkey 9 file with a key and a valid CRC */
    rb r;
    rb_init(&r, "VALKEY", 80);
    rb_aux(&r, "valkey-ver", "9.0.0");
    rb_select(&r, 0);
    rb_key(&r, 0, "k");
    rb_cstr(&r, "v");
    rb_eof(&r);
    evlog l;
    SYNTH_OK(&r, "valkey080", &l);
    EXPECT_LINES(&l, "aux", "aux \"valkey-ver\"=\"9.0.0\"\n");
    EXPECT_HAS(&l, "end crc=ok ");
    EXPECT_LINES(&l, "str", "str 0/1 \"v\"\n");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth, lengths_in_every_form)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_u8(&r, 254);
    rb_len_as(&r, 5, RB_LEN64); /* SELECTDB 5 in the 9-byte form */
    rb_u8(&r, 251);
    rb_len_as(&r, 1, RB_LEN32);
    rb_len_as(&r, 0, RB_LEN14);
    rb_key(&r, 1, "l");
    rb_len_as(&r, 4, RB_LEN32); /* count */
    rb_len_as(&r, 3, RB_LEN64);
    rb_raw(&r, "abc", 3);
    rb_len_as(&r, 2, RB_LEN14);
    rb_raw(&r, "de", 2);
    char big[100];
    memset(big, 'q', sizeof big);
    rb_str(&r, big, sizeof big); /* 14-bit */
    char huge[20000];
    memset(huge, 'w', sizeof huge);
    rb_str(&r, huge, sizeof huge); /* 32-bit */
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "lengths", &l);
    EXPECT_LINES(&l, "db", "db 5\n");
    EXPECT_LINES(&l, "resize", "resize db=5 keys=1 expires=0\n");
    EXPECT_HAS(&l, "key db=5 \"l\" type=list enc=linkedlist");
    cr_expect_eq(evlog_count(&l, "item"), 4);
    EXPECT_HAS(&l, "item \"abc\"\nitem \"de\"\nitem \"qqqq");
    EXPECT_HAS(&l, "endkey \"l\" n=4 ");
    EXPECT_HAS(&l, " vbytes=20105 largest=20000 ");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth, string_encodings_and_limits)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_select(&r, 0);
    static const int64_t ints[] = {INT8_MIN,  INT8_MAX,  INT16_MIN, INT16_MAX,
                                   INT32_MIN, INT32_MAX, 0,         -1};
    rb_key(&r, 2, "ints");
    rb_len(&r, 8);
    for (int i = 0; i < 8; i++)
        rb_int(&r, ints[i]);
    /* forced wider forms are legal too */
    rb_key(&r, 2, "wide");
    rb_len(&r, 2);
    rb_int_as(&r, 1, 32);
    rb_int_as(&r, -2, 16);
    /* INT keys and LZF keys */
    rb_u8(&r, 0);
    rb_int(&r, 12345);
    rb_cstr(&r, "intkey");
    char rep[300];
    for (int i = 0; i < 300; i++)
        rep[i] = "abc"[i % 3];
    rb_u8(&r, 0);
    rb_lzf(&r, rep, 40); /* an LZF key */
    rb_lzf(&r, rep, sizeof rep);
    rb_u8(&r, 0);
    rb_cstr(&r, "empty");
    rb_cstr(&r, "");
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "strings", &l);
    char *m = evlog_grep(&l, "member");
    cr_expect_str_eq(m, "member #-128\nmember #127\nmember #-32768\nmember #32767\n"
                        "member #-2147483648\nmember #2147483647\nmember #0\nmember #-1\n"
                        "member #1\nmember #-2\n");
    free(m);
    /* an int-encoded key arrives as its decimal text */
    EXPECT_HAS(&l, "key db=0 \"12345\" type=string enc=raw rdbtype=0");
    EXPECT_HAS(&l, "str 0/6 \"intkey\"\n");
    EXPECT_HAS(&l, "key db=0 \"abcabcabcabcabcabcabcabcabcabcabcabcabca\" type=string enc=lzf");
    char want[400];
    snprintf(want, sizeof want, "str 0/300 \"%.300s\"\n", rep);
    EXPECT_HAS(&l, want);
    EXPECT_HAS(&l, "key db=0 \"empty\" type=string enc=raw");
    EXPECT_HAS(&l, "endkey \"empty\" n=1 bytes=8 vbytes=0 largest=0 ");
    /* an empty string still sends one (empty) chunk, so consumers see it */
    EXPECT_HAS(&l, "str 0/0 \"\"\n");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth, opcode_253_expiretime_seconds)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_select(&r, 0);
    size_t a_at = r.len;
    rb_expire_s(&r, 1700000000);
    rb_key(&r, 0, "a");
    rb_cstr(&r, "1");
    size_t b_at = r.len;
    rb_expire_s(&r, -1); /* before 1970: still an expiry */
    rb_idle(&r, 300);
    rb_key(&r, 0, "b");
    rb_cstr(&r, "2");
    size_t c_at = r.len;
    rb_freq(&r, 7);
    rb_expire_ms(&r, 1700000000123);
    rb_key(&r, 0, "c");
    rb_cstr(&r, "3");
    size_t d_at = r.len;
    rb_key(&r, 0, "d"); /* prefixes do not carry over */
    rb_cstr(&r, "4");
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "expiretime-s", &l);
    char want[1024];
    snprintf(want, sizeof want,
             "key db=0 \"a\" type=string enc=raw rdbtype=0 expire=1700000000000 idle=-1 freq=-1 "
             "@%zu\n"
             "key db=0 \"b\" type=string enc=raw rdbtype=0 expire=-1000 idle=300 freq=-1 @%zu\n"
             "key db=0 \"c\" type=string enc=raw rdbtype=0 expire=1700000000123 idle=-1 freq=7 "
             "@%zu\n"
             "key db=0 \"d\" type=string enc=raw rdbtype=0 expire=none idle=-1 freq=-1 @%zu\n",
             a_at, b_at, c_at, d_at);
    EXPECT_LINES(&l, "key", want);
    /* the record's bytes include its prefixes */
    EXPECT_HAS(&l, "endkey \"a\" n=1 bytes=10 ");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth, aux_anywhere_and_valkey_slot_info)
{
    rb r;
    rb_init(&r, "VALKEY", 80);
    rb_select(&r, 0);
    rb_aux(&r, "slot-info", "5,2,1,1");
    rb_key(&r, 0, "a");
    rb_cstr(&r, "1");
    rb_aux(&r, "slot-info", "9,1,0,0");
    rb_u8(&r, 250); /* an int-encoded value and an LZF value */
    rb_cstr(&r, "redis-bits");
    rb_int(&r, 64);
    rb_u8(&r, 250);
    rb_cstr(&r, "%note");
    rb_lzf(&r, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 32);
    rb_key(&r, 0, "b");
    rb_cstr(&r, "2");
    rb_aux(&r, "lua", "return 1"); /* after the keys, as Redis 5-6.2 write it */
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "aux-anywhere", &l);
    /* order is kept: aux events are interleaved with keys */
    const char *p1 = strstr(l.buf, "aux \"slot-info\"=\"5,2,1,1\"");
    const char *p2 = strstr(l.buf, "key db=0 \"a\"");
    const char *p3 = strstr(l.buf, "aux \"slot-info\"=\"9,1,0,0\"");
    const char *p4 = strstr(l.buf, "key db=0 \"b\"");
    const char *p5 = strstr(l.buf, "aux \"lua\"=\"return 1\"");
    cr_expect(p1 && p2 && p3 && p4 && p5 && p1 < p2 && p2 < p3 && p3 < p4 && p4 < p5, "%s",
              l.buf);
    EXPECT_HAS(&l, "aux \"redis-bits\"=#64\n");
    EXPECT_HAS(&l, "aux \"%note\"=\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"\n");
    cr_expect_eq(l.keys, 2);
    evlog_free(&l);
    rb_free(&r);
}

Test(synth, valkey_slot_import_243)
{
    rb r;
    rb_init(&r, "VALKEY", 80);
    rb_select(&r, 0);
    rb_u8(&r, 243);
    rb_cstr(&r, "0123456789abcdef0123456789abcdef01234567"); /* job name, 40 chars */
    rb_len(&r, 2);
    rb_len(&r, 0);
    rb_len(&r, 100);
    rb_len(&r, 5000);
    rb_len(&r, 16383);
    size_t k_at = r.len;
    rb_key(&r, 0, "k");
    rb_cstr(&r, "v");
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "valkey-slot-import", &l);
    /* SLOT_IMPORT is a record of its own, not a key prefix */
    char want[160];
    snprintf(want, sizeof want,
             "key db=0 \"k\" type=string enc=raw rdbtype=0 expire=none idle=-1 freq=-1 @%zu\n",
             k_at);
    EXPECT_LINES(&l, "key", want);
    EXPECT_LINES(&l, "str", "str 0/1 \"v\"\n");
    evlog_free(&l);
    rb_free(&r);

    /* the same byte in a REDIS file is KEY_META: here it would swallow the
     * job name as a class count and fail, which shows the dispatch is by
     * magic */
    rb_init(&r, "REDIS", 13);
    rb_u8(&r, 243);
    rb_cstr(&r, "0123456789abcdef0123456789abcdef01234567");
    rb_eof(&r);
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "redis-243-not-slot-import", &l, &e);
    cr_expect_neq(st, RDBL_OK);
    cr_expect_str_eq(e.where, "key metadata", "%s", evlog_err_text(&e));
    evlog_free(&l);
    rb_free(&r);
}

Test(synth, redis_key_meta_243)
{
    rb r;
    rb_init(&r, "REDIS", 13);
    rb_select(&r, 0);
    size_t a_at = r.len;
    rb_expire_ms(&r, 1800000000000);
    rb_u8(&r, 243);
    rb_len(&r, 2); /* two classes */
    rb_le(&r, 0x12345678, 4);
    rb_mod_uint(&r, 42);
    rb_mod_str(&r, "meta");
    rb_mod_eof(&r);
    rb_le(&r, 0x9abcdef0, 4);
    rb_mod_double(&r, 2.5);
    rb_mod_eof(&r);
    rb_key(&r, 0, "a");
    rb_cstr(&r, "x");
    size_t b_at = r.len;
    rb_key(&r, 0, "b");
    rb_cstr(&r, "y");
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "key-meta", &l);
    char want[400];
    snprintf(want, sizeof want,
             "key db=0 \"a\" type=string enc=raw rdbtype=0 expire=1800000000000 idle=-1 freq=-1 "
             "@%zu\n"
             "key db=0 \"b\" type=string enc=raw rdbtype=0 expire=none idle=-1 freq=-1 @%zu\n",
             a_at, b_at);
    EXPECT_LINES(&l, "key", want);
    EXPECT_LINES(&l, "str", "str 0/1 \"x\"\nstr 0/1 \"y\"\n");
    /* the record of "a" includes its expire and metadata */
    snprintf(want, sizeof want, "endkey \"a\" n=1 bytes=%zu ", b_at - a_at);
    EXPECT_HAS(&l, want);
    evlog_free(&l);
    rb_free(&r);
}

Test(synth, function_pre_ga_246)
{
    rb r;
    rb_init(&r, "REDIS", 10);
    rb_u8(&r, 245);
    rb_cstr(&r, "#!lua name=lib2\nredis.register_function('f2', function() return 2 end)");
    rb_select(&r, 0);
    rb_key(&r, 0, "x");
    rb_cstr(&r, "1");
    /* tool-generated files put 7.0-RC functions inside DB sections */
    rb_u8(&r, 246);
    rb_cstr(&r, "mylib");
    rb_cstr(&r, "LUA");
    rb_len(&r, 1);
    rb_cstr(&r, "a description");
    rb_cstr(&r, "redis.register_function('f', function() return 1 end)");
    rb_u8(&r, 246);
    rb_cstr(&r, "other");
    rb_cstr(&r, "LUA");
    rb_len(&r, 0);
    rb_cstr(&r, "return 3");
    rb_key(&r, 0, "y");
    rb_cstr(&r, "2");
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "function-pre-ga", &l);
    EXPECT_LINES(&l, "function",
                 "function name=\"\" engine=\"\" code=\"#!lua name=lib2\\x0aredis.register_"
                 "function('f2', function() return 2 end)\"\n"
                 "function name=\"mylib\" engine=\"LUA\" code=\"redis.register_function('f', "
                 "function() return 1 end)\"\n"
                 "function name=\"other\" engine=\"LUA\" code=\"return 3\"\n");
    cr_expect_eq(l.keys, 2);
    evlog_free(&l);
    rb_free(&r);

    /* has_desc must be 0 or 1 */
    rb_init(&r, "REDIS", 10);
    rb_u8(&r, 246);
    rb_cstr(&r, "mylib");
    rb_cstr(&r, "LUA");
    size_t flag_at = r.len;
    rb_len(&r, 2);
    rb_cstr(&r, "code");
    rb_eof(&r);
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "function-pre-ga-bad-flag", &l, &e);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, flag_at + 1, "description flag 2");
    cr_expect_str_eq(e.where, "function (7.0 RC)");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth, module_subops_sint_double_float)
{
    uint64_t id = rb_module_id("test__rdb", 5);
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_u8(&r, 247);
    rb_len(&r, id);
    rb_mod_uint(&r, 1); /* when = before the keyspace */
    size_t aux_payload = r.len;
    rb_mod_sint(&r, (uint64_t)-5);
    rb_mod_double(&r, -1.25);
    rb_mod_float(&r, 3.5f);
    rb_mod_uint(&r, 1ull << 40);
    rb_mod_str(&r, "aux data");
    rb_mod_eof(&r);
    aux_payload = r.len - aux_payload;
    rb_select(&r, 0);
    rb_key(&r, 7, "m");
    rb_len(&r, id);
    size_t payload = r.len;
    rb_mod_sint(&r, 12);
    rb_mod_double(&r, NAN);
    rb_mod_str(&r, "0123456789");
    rb_u8(&r, 5); /* an LZF-compressed STRING sub-op */
    rb_lzf(&r, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", 40);
    rb_mod_eof(&r);
    payload = r.len - payload;
    rb_key(&r, 0, "after");
    rb_cstr(&r, "ok");
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "module-subops", &l);
    char want[200];
    snprintf(want, sizeof want, "modaux test__rdb/5 when=1 bytes=%zu\n", aux_payload);
    EXPECT_LINES(&l, "modaux", want);
    snprintf(want, sizeof want, "module \"test__rdb\" encver=5 bytes=%zu\n", payload);
    EXPECT_LINES(&l, "module", want);
    EXPECT_HAS(&l, "key db=0 \"m\" type=module enc=module rdbtype=7 ");
    snprintf(want, sizeof want, "endkey \"m\" n=1 bytes=%zu vbytes=%zu largest=%zu ",
             1 + 2 + 9 + payload, payload, payload);
    EXPECT_HAS(&l, want);
    EXPECT_LINES(&l, "str", "str 0/2 \"ok\"\n");
    evlog_free(&l);
    rb_free(&r);

    /* an unknown sub-opcode is corruption, with its offset */
    rb_init(&r, "REDIS", 9);
    rb_key(&r, 7, "m");
    rb_len(&r, id);
    rb_mod_uint(&r, 1);
    size_t bad_at = r.len;
    rb_len(&r, 6);
    rb_eof(&r);
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "module-bad-subop", &l, &e);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, bad_at, "unknown module data opcode 6");
    cr_expect_str_eq(e.key, "m");
    cr_expect_eq(e.rdb_type, 7);
    evlog_free(&l);
    rb_free(&r);
}

Test(synth, type_6_module_is_unsupported)
{
    rb r;
    rb_init(&r, "REDIS", 8);
    rb_select(&r, 0);
    rb_key(&r, 0, "before");
    rb_cstr(&r, "1");
    rb_key(&r, 6, "m");
    size_t id_at = r.len;
    rb_len(&r, rb_module_id("ReJSON-RL", 0));
    rb_raw(&r, "\x01\x02\x03", 3); /* module-private bytes, no tags */
    rb_eof(&r);
    evlog l;
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "type6", &l, &e);
    EXPECT_FAIL(st, e, RDBL_UNSUPPORTED, id_at, "type 6");
    cr_expect(strstr(e.msg, "ReJSON-RL") != NULL, "%s", e.msg);
    cr_expect(strstr(e.msg, "cannot be skipped") != NULL, "%s", e.msg);
    cr_expect_str_eq(e.key, "m");
    cr_expect_eq(e.rdb_type, 6);
    cr_expect_eq(l.keys, 1, "the key before is reported");
    evlog_free(&l);
    rb_free(&r);
}

/* RDB 15 hash templates (provisional layout, rdb-format.md §10.3): the 242
 * record defines field names; type 32 carries the values as strings, type 30
 * as one listpack, both in template order. */
Test(synth, hash_template_242_with_types_30_32)
{
    rb r;
    rb_init(&r, "REDIS", 15);
    rb_select(&r, 0);
    rb_u8(&r, 242);
    rb_len(&r, 7);
    rb_len(&r, 3);
    rb_cstr(&r, "a");
    rb_cstr(&r, "bb");
    rb_cstr(&r, "name");
    rb_key(&r, 32, "h32");
    rb_len(&r, 7);
    rb_cstr(&r, "x");
    rb_int(&r, 42);
    rb_cstr(&r, "Ada");
    rb_key(&r, 30, "h30");
    rb_len(&r, 7);
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_cstr(&lp, "y");
    rb_lp_int(&lp, 7);
    rb_lp_cstr(&lp, "Bob");
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    rb_blob(&r, &blob, false);
    rb_free(&blob);
    rb_lp_free(&lp);
    rb_key(&r, 0, "k");
    rb_cstr(&r, "v");
    rb_eof(&r);
    evlog l;
    SYNTH_OK(&r, "hash-template-242", &l);
    EXPECT_LINES(&l, "warning", "");
    EXPECT_LINES(&l, "field",
                 "field \"a\" \"x\" ttl=none\n"
                 "field \"bb\" #42 ttl=none\n"
                 "field \"name\" \"Ada\" ttl=none\n"
                 "field \"a\" \"y\" ttl=none\n"
                 "field \"bb\" #7 ttl=none\n"
                 "field \"name\" \"Bob\" ttl=none\n");
    EXPECT_LINES(&l, "str", "str 0/1 \"v\"\n");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth, hash_template_unknown_id_and_unsupported_types)
{
    rb r;
    rb_init(&r, "REDIS", 15);
    rb_select(&r, 0);
    size_t k_at = r.len;
    rb_key(&r, 32, "h");
    size_t id_at = r.len;
    rb_len(&r, 9);
    rb_eof(&r);
    evlog l;
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "redis15-unknown-template", &l, &e);
    EXPECT_FAIL(st, e, RDBL_CORRUPT, id_at, "template 9");
    evlog_free(&l);
    rb_free(&r);
    (void)k_at;
    for (int t = 29; t <= 33; t += 2) {
        rb_init(&r, "REDIS", 15);
        rb_select(&r, 0);
        k_at = r.len;
        rb_key(&r, t, "h");
        rb_len(&r, 1);
        rb_eof(&r);
        char name[32];
        snprintf(name, sizeof name, "redis15-type%d", t);
        st = synth_parse(&r, name, &l, &e);
        EXPECT_FAIL(st, e, RDBL_UNSUPPORTED, k_at, t == 33 ? "GCRA" : "hash template");
        cr_expect_eq(e.rdb_type, t);
        evlog_free(&l);
        rb_free(&r);
    }
}

Test(synth, valkey_opcodes_242_and_type_23)
{
    rb r;
    rb_init(&r, "VALKEY", 81);
    rb_select(&r, 0);
    size_t at = r.len;
    rb_u8(&r, 242);
    rb_eof(&r);
    evlog l;
    rdbl_error e;
    rdbl_status st = synth_parse(&r, "valkey-242", &l, &e);
    EXPECT_FAIL(st, e, RDBL_UNSUPPORTED, at, "UPDATE");
    evlog_free(&l);
    rb_free(&r);

    rb_init(&r, "VALKEY", 81);
    rb_select(&r, 0);
    at = r.len;
    rb_key(&r, 23, "ph");
    rb_len(&r, 0);
    rb_eof(&r);
    st = synth_parse(&r, "valkey-type23", &l, &e);
    EXPECT_FAIL(st, e, RDBL_UNSUPPORTED, at, "unsupported value type 23 in a VALKEY081 file");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth, redis_enterprise_opcodes)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_select(&r, 0);
    rb_u8(&r, 107); /* RAM_LRU */
    rb_len(&r, 1234);
    rb_u8(&r, 121); /* SLOT_NUM */
    rb_len(&r, 77);
    size_t k_at = r.len;
    rb_key(&r, 0, "k");
    rb_cstr(&r, "v");
    rb_eof(&r);
    evlog l;
    SYNTH_OK(&r, "redis-enterprise-107-121", &l);
    char want[160];
    snprintf(want, sizeof want,
             "key db=0 \"k\" type=string enc=raw rdbtype=0 expire=none idle=-1 freq=-1 @%zu\n",
             k_at);
    EXPECT_LINES(&l, "key", want);
    evlog_free(&l);
    rb_free(&r);

    /* The older "Garantia" opcodes 101/102 have no documented payload: the
     * parser stops there, with the offset, rather than guess. */
    for (int op = 101; op <= 102; op++) {
        rb_init(&r, "REDIS", 9);
        rb_select(&r, 0);
        size_t at = r.len;
        rb_u8(&r, (unsigned)op);
        rb_len(&r, 1);
        rb_eof(&r);
        rdbl_error e;
        rdbl_status st = synth_parse(&r, op == 101 ? "re-101" : "re-102", &l, &e);
        char msg[64];
        snprintf(msg, sizeof msg, "unknown record type or opcode %d", op);
        EXPECT_FAIL(st, e, RDBL_UNSUPPORTED, at, msg);
        evlog_free(&l);
        rb_free(&r);
    }
}

/* VKCS envelope (rdb-format.md §2.3): "VKCS", version 1, codec 1 (LZ4),
 * flags, stream kind 0, then one LZ4 frame holding a VALKEY RDB. */
static void vkcs_wrap(const rb *rdb, rb *out, unsigned version, bool garbage_after)
{
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    size_t cap = LZ4F_compressFrameBound(rdb->len, &prefs);
    uint8_t *z = malloc(cap);
    cr_assert(z != NULL);
    size_t zn = LZ4F_compressFrame(z, cap, rdb->p, rdb->len, &prefs);
    cr_assert(!LZ4F_isError(zn));
    rb_init_buf(out);
    rb_raw(out, "VKCS", 4);
    rb_u8(out, version);
    rb_u8(out, 1);
    rb_u8(out, 1);
    rb_u8(out, 0);
    rb_raw(out, z, zn);
    if (garbage_after)
        rb_raw(out, "trailing junk", 13);
    free(z);
}

Test(synth, vkcs_envelope)
{
    rb r;
    rb_init(&r, "VALKEY", 81);
    rb_aux(&r, "valkey-ver", "9.2.0");
    rb_select(&r, 0);
    rb_key(&r, 22, "h");
    rb_len(&r, 1);
    rb_cstr(&r, "f");
    rb_cstr(&r, "v");
    rb_le(&r, (uint64_t)-1, 8);
    rb_eof(&r);
    evlog plain, wrapped;
    evlog_init(&plain, EVLOG_NO_COMP);
    evlog_init(&wrapped, 0);
    cr_assert_eq(evlog_parse_mem(&plain, r.p, r.len, NULL, 0, NULL), RDBL_OK);

    rb v;
    vkcs_wrap(&r, &v, 1, true);
    synth_save(&v, "vkcs");
    rdbl_error e;
    rdbl_status st = evlog_parse_mem(&wrapped, v.p, v.len, NULL, 0, &e);
    cr_assert_eq(st, RDBL_OK, "%s", evlog_err_text(&e));
    EXPECT_HAS(&wrapped, "begin magic=VALKEY ver=81 producer=valkey future=0 comp=vkcs-lz4\n");
    /* the same events as the plain file (bytes after the frame ignored) */
    evlog again;
    evlog_init(&again, EVLOG_NO_COMP);
    cr_assert_eq(evlog_parse_mem(&again, v.p, v.len, NULL, 0, NULL), RDBL_OK);
    cr_expect_str_eq(again.buf, plain.buf);
    evlog_free(&again);
    evlog_free(&wrapped);
    rb_free(&v);

    /* only envelope version 1 is known */
    vkcs_wrap(&r, &v, 2, false);
    evlog_init(&wrapped, 0);
    st = evlog_parse_mem(&wrapped, v.p, v.len, NULL, 0, &e);
    cr_expect_neq(st, RDBL_OK, "a VKCS version 2 envelope was accepted");
    cr_expect(strstr(e.msg, "version 2") != NULL, "%s", evlog_err_text(&e));
    evlog_free(&wrapped);
    rb_free(&v);
    evlog_free(&plain);
    rb_free(&r);
}

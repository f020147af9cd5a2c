/* The per-key state machine (src/memmodel/model.c, price.c, totals.c),
 * driven by hand-made events. The expected bytes were read from
 * `MEMORY USAGE key SAMPLES 0` on Debian's redis-server 7.0.15 (jemalloc
 * quantum 16) for the same keys, live and after a reload; the comments give
 * the formula of memory-model.md §4.2 that yields them. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "rdblens/memmodel.h"

TestSuite(mm_model);

typedef struct kb {
    rdbl_memmodel *mm;
    const rdbl_events *ev;
    rdbl_key_info ki;
    rdbl_key_stats st;
} kb;

static kb mk(const char *target, rdbl_allocator a, rdbl_mem_state state)
{
    kb b;
    memset(&b, 0, sizeof b);
    rdbl_error err = {0};
    rdbl_mem_config c;
    cr_assert(eq(int, rdbl_mem_config_init(&c, target, &err), RDBL_OK));
    c.allocator = a;
    c.state = state;
    b.mm = rdbl_memmodel_new(&c, &err);
    cr_assert(not(eq(ptr, b.mm, NULL)));
    b.ev = rdbl_memmodel_events();
    cr_assert(b.ev->on_stream_entry == NULL);
    return b;
}

static int begin(kb *b, const char *key, int rdb_type, rdbl_type t, rdbl_encoding e)
{
    memset(&b->ki, 0, sizeof b->ki);
    memset(&b->st, 0, sizeof b->st);
    b->ki.key = (rdbl_str){(const uint8_t *)key, strlen(key)};
    b->ki.rdb_type = rdb_type;
    b->ki.type = t;
    b->ki.encoding = e;
    b->ki.idle_s = -1;
    b->ki.freq = -1;
    return b->ev->on_begin_key(b->mm, &b->ki);
}

static rdbl_mem_estimate end(kb *b)
{
    cr_assert(eq(int, b->ev->on_end_key(b->mm, &b->ki, &b->st), 0));
    rdbl_mem_estimate e;
    cr_assert(eq(int, rdbl_memmodel_last(b->mm, &e), RDBL_OK));
    return e;
}

static rdbl_item str(const char *s)
{
    return (rdbl_item){(const uint8_t *)s, strlen(s), 0, false};
}

static void string_key_ttl(kb *b, const char *key, const char *val, bool ttl)
{
    memset(&b->ki, 0, sizeof b->ki);
    b->ki.has_expire = ttl;
    b->ki.key = (rdbl_str){(const uint8_t *)key, strlen(key)};
    b->ki.type = RDBL_TYPE_STRING;
    b->ki.encoding = RDBL_ENC_RAW;
    memset(&b->st, 0, sizeof b->st);
    b->ev->on_begin_key(b->mm, &b->ki);
    rdbl_item it = str(val);
    b->ev->on_string(b->mm, &b->ki, &it, 0, it.len);
    b->st.value_bytes = it.len;
    b->st.elements = 1;
}

static void string_key(kb *b, const char *key, const char *val)
{
    string_key_ttl(b, key, val, false);
}

Test(mm_model, strings_redis70_q16)
{
    kb b = mk("redis-7.0", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LOADED);
    /* "k" = "v": 24 + J(1+1+1) + J(1+20) = 24 + 8 + 32 */
    string_key(&b, "k", "v");
    rdbl_mem_estimate e = end(&b);
    cr_expect(eq(u64, e.bytes, 64));
    cr_expect(eq(str, (char *)e.encoding, "embstr"));
    cr_expect(eq(u64, e.key_bytes, 1));
    cr_expect(eq(u64, e.data_bytes, 1));
    cr_expect(eq(i64, (int64_t)e.bytes,
                 (int64_t)(e.key_bytes + e.data_bytes + e.rounding_bytes) + e.overhead_bytes));
    cr_expect(e.modelled);

    /* an integer stored as one: 24 + J(6) + 16 */
    begin(&b, "kint", 0, RDBL_TYPE_STRING, RDBL_ENC_INT);
    rdbl_item iv = {NULL, 5, 12345, true};
    b.ev->on_string(b.mm, &b.ki, &iv, 0, 5);
    rdbl_mem_estimate ei = end(&b);
    cr_expect(eq(u64, ei.bytes, 48));
    cr_expect(eq(str, (char *)ei.encoding, "int"));
    /* a canonical integer as text is an int too */
    string_key(&b, "kshared", "42");
    e = end(&b);
    cr_expect(eq(u64, e.bytes, 56));
    cr_expect(eq(str, (char *)e.encoding, "int"));
    /* 44 bytes: embstr J(64); 45: raw 16 + J(3+45+1) */
    char v44[45], v45[46];
    memset(v44, 'a', 44);
    v44[44] = 0;
    memset(v45, 'a', 45);
    v45[45] = 0;
    string_key(&b, "e44", v44);
    cr_expect(eq(u64, end(&b).bytes, 96));
    string_key(&b, "r45", v45);
    e = end(&b);
    cr_expect(eq(u64, e.bytes, 112));
    cr_expect(eq(str, (char *)e.encoding, "raw"));
    /* a 32-byte key takes the 3-byte sds header */
    string_key(&b, "KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK", "v");
    cr_expect(eq(u64, end(&b).bytes, 104));
    /* not canonical integers stay strings */
    string_key(&b, "k", "007");
    cr_expect(eq(str, (char *)end(&b).encoding, "embstr"));
    /* an LZF string needs no bytes: its length comes with on_end_key */
    cr_expect(eq(int, begin(&b, "r45", 0, RDBL_TYPE_STRING, RDBL_ENC_LZF), RDBL_SKIP));
    b.st.value_bytes = 45;
    cr_expect(eq(u64, end(&b).bytes, 112));
    rdbl_memmodel_free(b.mm);
}

Test(mm_model, strings_quantum8_and_62)
{
    kb b = mk("redis-7.0", RDBL_ALLOC_JEMALLOC, RDBL_MEM_LOADED);
    string_key(&b, "k", "v"); /* 24 + 8 + J8(21) = 24 */
    cr_expect(eq(u64, end(&b).bytes, 56));
    rdbl_memmodel_free(b.mm);
    b = mk("redis-6.2", RDBL_ALLOC_JEMALLOC, RDBL_MEM_LOADED);
    string_key(&b, "k", "v"); /* 6.2 embstr: sdslen + 2 + 16, no allocator */
    cr_expect(eq(u64, end(&b).bytes, 24 + 8 + 19));
    rdbl_memmodel_free(b.mm);
}

Test(mm_model, blobs_and_items_redis70_q16)
{
    kb b = mk("redis-7.0", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LOADED);
    /* hash listpack {f1: v1, f2: 22}: 21 bytes -> 16 + J(21) + 24 + J(4) */
    cr_expect(eq(int, begin(&b, "h1", 16, RDBL_TYPE_HASH, RDBL_ENC_LISTPACK), RDBL_SKIP));
    rdbl_blob lp = {RDBL_BLOB_LISTPACK, 21, 21, false, 4, {0, 0}, NULL};
    b.ev->on_blob(b.mm, &b.ki, &lp);
    rdbl_mem_estimate e = end(&b);
    cr_expect(eq(u64, e.bytes, 80));
    cr_expect(eq(str, (char *)e.encoding, "listpack"));
    cr_expect(not(e.approximate));

    /* quicklist of one node [a, b, 3] (13 bytes): 16 + 40 + 40 + J(13) + 32 */
    cr_expect(eq(int, begin(&b, "l1", 18, RDBL_TYPE_LIST, RDBL_ENC_QUICKLIST2), RDBL_SKIP));
    rdbl_blob node = {RDBL_BLOB_LISTPACK, 13, 13, false, 3, {0, 0}, NULL};
    b.ev->on_blob(b.mm, &b.ki, &node);
    e = end(&b);
    cr_expect(eq(u64, e.bytes, 144));
    cr_expect(eq(str, (char *)e.encoding, "quicklist"));

    /* intset [1, 2, 3]: 16 + J(14) + 32 */
    cr_expect(eq(int, begin(&b, "s1", 11, RDBL_TYPE_SET, RDBL_ENC_INTSET), RDBL_SKIP));
    rdbl_blob is = {RDBL_BLOB_INTSET, 14, 14, false, 3, {0, 0}, NULL};
    b.ev->on_blob(b.mm, &b.ki, &is);
    cr_expect(eq(u64, end(&b).bytes, 64));

    /* set {a, b, c} of type 2: starts as an intset, a table of 4 at "a":
     * 16 + 56 + 8 * 4 + 3 * (24 + J(3)) + 32 */
    cr_expect(eq(int, begin(&b, "s2", 2, RDBL_TYPE_SET, RDBL_ENC_HASHTABLE), 0));
    const char *m[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        rdbl_item it = str(m[i]);
        b.ev->on_set_member(b.mm, &b.ki, &it);
    }
    e = end(&b);
    cr_expect(eq(u64, e.bytes, 232));
    cr_expect(eq(str, (char *)e.encoding, "hashtable"));

    /* zset {a: 1, b: 2.5} saved as type 5 becomes a listpack of 18 bytes */
    begin(&b, "z1", 5, RDBL_TYPE_ZSET, RDBL_ENC_SKIPLIST);
    rdbl_item za = str("a"), zb = str("b");
    b.ev->on_zset_member(b.mm, &b.ki, &zb, 2.5);
    b.ev->on_zset_member(b.mm, &b.ki, &za, 1.0);
    e = end(&b);
    cr_expect(eq(u64, e.bytes, 80));
    cr_expect(eq(str, (char *)e.encoding, "listpack"));
    rdbl_memmodel_free(b.mm);
}

/* 7.2 profiles turn a one-node quicklist into a listpack */
Test(mm_model, listpack_lists_72)
{
    kb b = mk("redis-7.2", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LOADED);
    begin(&b, "l1", 18, RDBL_TYPE_LIST, RDBL_ENC_QUICKLIST2);
    rdbl_blob node = {RDBL_BLOB_LISTPACK, 13, 13, false, 3, {0, 0}, NULL};
    b.ev->on_blob(b.mm, &b.ki, &node);
    rdbl_mem_estimate e = end(&b);
    cr_expect(eq(str, (char *)e.encoding, "listpack"));
    cr_expect(eq(u64, e.bytes, 16 + 16 + 32));
    /* two nodes stay a quicklist */
    begin(&b, "l2", 18, RDBL_TYPE_LIST, RDBL_ENC_QUICKLIST2);
    b.ev->on_blob(b.mm, &b.ki, &node);
    b.ev->on_blob(b.mm, &b.ki, &node);
    cr_expect(eq(str, (char *)end(&b).encoding, "quicklist"));
    rdbl_memmodel_free(b.mm);
}

/* XADD 1-1 f v, XADD 1-2 f v, XGROUP CREATE x1 g 0, XREADGROUP ... COUNT 1:
 * 1781 after a reload, 5829 live (the last node preallocated to 4096). */
static rdbl_mem_estimate stream_key(kb *b)
{
    cr_expect(eq(int, begin(b, "x1", 19, RDBL_TYPE_STREAM, RDBL_ENC_LISTPACKS), 0));
    rdbl_blob node = {RDBL_BLOB_STREAM_NODE, 41, 41, false, 12, {1, 1}, NULL};
    b->ev->on_blob(b->mm, &b->ki, &node);
    rdbl_stream_meta sm = {.version = 2, .nodes = 1, .length = 2, .groups = 1};
    b->ev->on_stream_meta(b->mm, &b->ki, &sm);
    rdbl_stream_group g = {.name = {(const uint8_t *)"g", 1}, .pel_count = 1};
    b->ev->on_stream_group(b->mm, &b->ki, &g);
    rdbl_stream_id id = {1, 1};
    b->ev->on_stream_pel(b->mm, &b->ki, g.name, id, 0, 1);
    rdbl_stream_consumer c = {.group = g.name, .name = {(const uint8_t *)"alice", 5},
                              .pel_count = 1};
    b->ev->on_stream_consumer(b->mm, &b->ki, &c);
    b->ev->on_stream_consumer_pel(b->mm, &b->ki, g.name, c.name, id);
    return end(b);
}

Test(mm_model, stream_live_and_loaded)
{
    kb b = mk("redis-7.0", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LOADED);
    /* 16 + 80 + R(1 node) + J(41) + [40 + R(1) + 24] + [24 + 5 + R(1)] + 32,
     * R(1 ID) = 16 + 244 * 2 */
    rdbl_mem_estimate e = stream_key(&b);
    cr_expect(eq(u64, e.bytes, 1781));
    cr_expect(eq(str, (char *)e.encoding, "stream"));
    rdbl_memmodel_free(b.mm);
    b = mk("redis-7.0", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LIVE);
    cr_expect(eq(u64, stream_key(&b).bytes, 5829));
    rdbl_memmodel_free(b.mm);
    /* 7.2 consumers are 32 bytes */
    b = mk("redis-7.2", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LOADED);
    cr_expect(eq(u64, stream_key(&b).bytes, 1781 + 8));
    rdbl_memmodel_free(b.mm);
}

/* A listpack hash over the loader's threshold is converted: the model reads
 * the entries from the blob bytes, as the key was skipped. */
Test(mm_model, blob_conversion_reads_entries)
{
    kb b = mk("redis-7.0", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LOADED);
    rdbl_error err = {0};
    rdbl_memmodel_free(b.mm);
    rdbl_mem_config c;
    rdbl_mem_config_init(&c, "redis-7.0", &err);
    c.allocator = RDBL_ALLOC_JEMALLOC_Q16;
    c.state = RDBL_MEM_LOADED;
    cr_assert(eq(int, rdbl_mem_config_set(&c, "hash-max-listpack-entries", "1", &err), RDBL_OK));
    b.mm = rdbl_memmodel_new(&c, &err);
    /* listpack ["f1", "v1", "f2", "v2"] */
    static const uint8_t lp[] = {23, 0, 0, 0, 4, 0, 0x82, 'f', '1', 3, 0x82, 'v', '1', 3,
                                 0x82, 'f', '2', 3, 0x82, 'v', '2', 3, 0xff};
    cr_expect(eq(int, begin(&b, "h", 16, RDBL_TYPE_HASH, RDBL_ENC_LISTPACK), RDBL_SKIP));
    rdbl_blob blob = {RDBL_BLOB_LISTPACK, sizeof lp, sizeof lp, false, 4, {0, 0}, lp};
    b.ev->on_blob(b.mm, &b.ki, &blob);
    rdbl_mem_estimate e = end(&b);
    /* 16 + 56 + 8 * 4 + 2 * (24 + J(4) + J(4)) + 24 + J(3) */
    cr_expect(eq(str, (char *)e.encoding, "hashtable"));
    cr_expect(eq(u64, e.bytes, 16 + 56 + 32 + 2 * (24 + 8 + 8) + 24 + 8));
    cr_expect(not(e.approximate));
    /* ... and the advice names the setting that would keep it compact */
    cr_expect(eq(u64, e.compact_bytes, 16 + 32 + 24 + 8));
    cr_expect(eq(str, e.compact_config, "hash-max-listpack-entries 2"));
    /* without the bytes (fast parse) the estimate is flagged approximate */
    begin(&b, "h", 16, RDBL_TYPE_HASH, RDBL_ENC_LISTPACK);
    blob.data = NULL;
    b.ev->on_blob(b.mm, &b.ki, &blob);
    cr_expect(end(&b).approximate);
    rdbl_memmodel_free(b.mm);
}

/* §5.3 case 1 and §6.1 for a hash of type 4 with a long value */
Test(mm_model, hash_with_long_value)
{
    char big[101];
    memset(big, 'x', 100);
    big[100] = 0;
    for (int live = 0; live < 2; live++) {
        kb b = mk("redis-7.0", RDBL_ALLOC_JEMALLOC_Q16, live ? RDBL_MEM_LIVE : RDBL_MEM_LOADED);
        cr_expect(eq(int, begin(&b, "h", 4, RDBL_TYPE_HASH, RDBL_ENC_HASHTABLE), 0));
        const char *f[] = {"field0", "field1", "field2", "field3", "field4"};
        for (int i = 0; i < 5; i++) {
            rdbl_item fi = str(f[i]), vi = str("v");
            b.ev->on_hash_field(b.mm, &b.ki, &fi, &vi, -1);
        }
        rdbl_item fb = str("body"), vb = str(big);
        b.ev->on_hash_field(b.mm, &b.ki, &fb, &vb, -1);
        rdbl_mem_estimate e = end(&b);
        cr_expect(eq(str, (char *)e.encoding, "hashtable"));
        /* 16 + 56 + 8 * buckets + 5 * (24 + 8 + 8) + (24 + 8 + J(3+100+1)) + 24 + 8:
         * loaded with "body" last (k = 5), a table of 8: 512 on the server;
         * live, created by HSET with the long value (4 buckets, then 4 -> 8
         * with two steps left): 12 buckets, 544 on the server */
        uint64_t buckets = live ? 12 : 8;
        cr_expect(eq(u64, e.bytes, 16 + 56 + 8 * buckets + 5 * 40 + 24 + 8 + 112 + 24 + 8),
                  "live=%d", live);
        cr_expect(eq(str, e.compact_config, "hash-max-listpack-value 128"));
        rdbl_memmodel_free(b.mm);
    }
}

Test(mm_model, auto_target_and_totals)
{
    kb b = mk("auto", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LOADED);
    rdbl_file_info fi = {.magic = "REDIS", .rdb_version = 11};
    b.ev->on_begin(b.mm, &fi);
    rdbl_item n = str("valkey-ver"), v = str("8.0.1");
    b.ev->on_aux(b.mm, &n, &v);
    rdbl_item um = str("used-mem"), umv = {NULL, 7, 1234567, true};
    b.ev->on_aux(b.mm, &um, &umv);
    b.ev->on_db(b.mm, 0);
    string_key_ttl(&b, "k", "v", true);
    rdbl_mem_estimate e1 = end(&b);
    cr_expect(eq(int, rdbl_memmodel_config(b.mm)->target, RDBL_TARGET_VALKEY_8_0));
    cr_expect(eq(str, (char *)rdbl_memmodel_config(b.mm)->warning, ""));
    /* Valkey 8.0 after a load: key in the dict entry, J(17 + 1 + 1 + 1) */
    cr_expect(eq(u64, e1.bytes, 32 + 32));
    cr_expect(eq(u64, e1.expire_bytes, 32));
    string_key(&b, "k2", "v");
    rdbl_mem_estimate e2 = end(&b);
    rdbl_mem_totals t;
    rdbl_memmodel_totals(b.mm, &t);
    cr_expect(eq(u64, t.keys, 2));
    cr_expect(eq(u64, t.keys_with_expire, 1));
    cr_expect(eq(u64, t.sum_mem_usage, e1.bytes + e2.bytes));
    cr_expect(eq(i64, t.writer_used_mem, 1234567));
    cr_expect(gt(u64, t.used_memory_est, t.used_memory_dataset_est));
    cr_expect(eq(u64, t.used_memory_est, t.used_memory_dataset_est + t.used_memory_overhead_est));
    rdbl_memmodel_free(b.mm);
}

Test(mm_model, module_not_modelled)
{
    kb b = mk("redis-7.0", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LOADED);
    cr_expect(eq(int, begin(&b, "m", 7, RDBL_TYPE_MODULE, RDBL_ENC_MODULE), 0));
    b.ev->on_module(b.mm, &b.ki, (rdbl_str){(const uint8_t *)"ReJSON-RL", 9}, 3, 1000);
    rdbl_mem_estimate e = end(&b);
    cr_expect(not(e.modelled));
    cr_expect(eq(str, (char *)e.encoding, "module"));
    cr_expect(eq(u64, e.bytes, 1000 + 24 + 8));
    rdbl_mem_totals t;
    rdbl_memmodel_totals(b.mm, &t);
    cr_expect(eq(u64, t.keys_not_modelled, 1));
    rdbl_memmodel_free(b.mm);
}

Test(mm_model, last_before_any_key)
{
    kb b = mk("redis-7.0", RDBL_ALLOC_JEMALLOC, RDBL_MEM_LIVE);
    rdbl_mem_estimate e;
    cr_expect(eq(int, rdbl_memmodel_last(b.mm, &e), RDBL_USAGE));
    rdbl_error err = {0};
    cr_expect(eq(ptr, rdbl_memmodel_new(NULL, &err), NULL));
    cr_expect(eq(int, err.code, RDBL_USAGE));
    rdbl_memmodel_free(b.mm);
}

/* Profiles implemented from source only: the formulas, not a server, fix
 * these numbers (memory-model.md §8.2 and Valkey's object.c). */
Test(mm_model, source_only_profiles)
{
    /* Valkey 8.1+: key and value embedded in one robj, no key term:
     * J(16 + (1 + 1 + 1) + 1 + (3 + 1 + 1)) */
    kb b = mk("valkey-8.1", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LOADED);
    string_key(&b, "k", "v");
    rdbl_mem_estimate e = end(&b);
    cr_expect(eq(u64, e.bytes, 32));
    cr_expect(eq(str, (char *)e.encoding, "embstr"));
    rdbl_memmodel_free(b.mm);
    /* Redis 7.4 listpackex: 16 + J(32) + J(blob) + 24 + J(key) */
    b = mk("redis-7.4", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LOADED);
    cr_expect(eq(int, begin(&b, "h", 25, RDBL_TYPE_HASH, RDBL_ENC_LISTPACK_TTL), RDBL_SKIP));
    rdbl_blob lp = {RDBL_BLOB_LISTPACK, 30, 30, false, 3, {0, 0}, NULL};
    b.ev->on_blob(b.mm, &b.ki, &lp);
    e = end(&b);
    cr_expect(eq(str, (char *)e.encoding, "listpackex"));
    cr_expect(eq(u64, e.bytes, 16 + 32 + 32 + 24 + 8));
    rdbl_memmodel_free(b.mm);
    /* redis-8.0 says it is not modelled beyond 7.4 */
    b = mk("redis-8.0", RDBL_ALLOC_JEMALLOC_Q16, RDBL_MEM_LOADED);
    string_key(&b, "k", "v");
    cr_expect(end(&b).approximate);
    const char *note = rdbl_mem_target_note(rdbl_memmodel_config(b.mm)->target);
    cr_assert(ne(ptr, (void *)note, NULL));
    cr_expect(ne(ptr, strstr(note, "7.4 rules"), NULL));
    rdbl_memmodel_free(b.mm);
}

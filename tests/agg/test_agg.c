/* The aggregate set (src/agg/agg.c) on generated facts: every breakdown adds
 * up to the summary; merge(A) + merge(B) through JSON and in memory gives
 * byte-identical JSON to A and B fed together; output is deterministic. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg_internal.h"
#include "rdblens/report.h"
#include "gen_facts.h"

#define N 30000

/* Merges are exact within the aggregates' bounds: keep the compression
 * sampling budget out of reach of the generated data. */
static const rdbl_agg_opts *opts(void)
{
    static rdbl_agg_opts o;
    o.compress_budget_bytes = 1ULL << 30;
    return &o;
}

static rdbl_agg *fed(uint64_t seed, uint64_t from, uint64_t to, int parity)
{
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, opts()), RDBL_OK));
    rdbl_agg_set_now(a, GEN_NOW_MS);
    gen_state g;
    for (uint64_t i = from; i < to; i++) {
        if (parity >= 0 && (int)(i % 2) != parity)
            continue;
        rdbl_key_facts f;
        gen_fact(&g, seed, i, &f);
        cr_assert(eq(int, rdbl_agg_add(a, &f), RDBL_OK));
    }
    return a;
}

static char *dump(const rdbl_agg *a)
{
    json_t *j = rdbl_agg_to_json(a);
    cr_assert(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

Test(agg, breakdowns_add_up)
{
    rdbl_agg *a = fed(1, 0, N, -1);
    rdbl_str n = {(const uint8_t *)"lib", 3}, e = {(const uint8_t *)"LUA", 3};
    cr_assert(eq(int, rdbl_agg_add_function(a, n, e, 99), RDBL_OK));
    const rdbl_summary *s = rdbl_tables_agg_summary(rdbl_agg_tables(a));
    cr_assert(eq(u64, s->all.keys, N));
    uint64_t mem = s->all.mem_bytes;
    /* TTL buckets */
    rdbl_ttl_summary ts;
    rdbl_ttl_agg_summary(rdbl_agg_ttl(a), &ts);
    uint64_t k = 0, m = 0;
    for (unsigned b = 0; b < RDBL_TTL__COUNT; b++) {
        k += ts.buckets[b].keys;
        m += ts.buckets[b].mem_bytes;
    }
    cr_assert(eq(u64, k, N));
    cr_assert(eq(u64, m, mem));
    cr_assert(eq(u64, ts.buckets[RDBL_TTL_NONE].keys, N - s->all.keys_with_ttl));
    cr_assert(eq(u64, ts.buckets[RDBL_TTL_EXPIRED].keys, s->expired_keys));
    /* top-level prefixes */
    const rdbl_prefix_agg *p = rdbl_agg_prefix(a);
    uint32_t kids[64];
    size_t nk = rdbl_prefix_agg_children(p, RDBL_PREFIX_ROOT, kids, 64);
    cr_assert(le(sz, nk, 64));
    k = m = 0;
    for (size_t i = 0; i < nk; i++) {
        k += rdbl_prefix_agg_totals(p, kids[i])->keys;
        m += rdbl_prefix_agg_totals(p, kids[i])->mem_bytes;
    }
    cr_assert(eq(u64, k, N));
    cr_assert(eq(u64, m, mem));
    /* idle buckets */
    const rdbl_access_summary *ac = rdbl_access_agg_summary(rdbl_agg_access(a));
    k = m = 0;
    for (unsigned b = 0; b < RDBL_IDLE__COUNT; b++) {
        k += ac->idle[b].keys;
        m += ac->idle[b].mem_bytes;
    }
    cr_assert(eq(u64, k, N));
    cr_assert(eq(u64, m, mem));
    /* types, dbs */
    const rdbl_table_row *r;
    size_t nr = rdbl_tables_agg_rows(rdbl_agg_tables(a), RDBL_TABLE_TYPE, &r);
    m = 0;
    for (size_t i = 0; i < nr; i++)
        m += r[i].s.mem_bytes;
    cr_assert(eq(u64, m, mem));
    nr = rdbl_tables_agg_rows(rdbl_agg_tables(a), RDBL_TABLE_DB, &r);
    cr_assert(eq(sz, nr, 2));
    cr_assert(eq(u64, r[0].s.mem_bytes + r[1].s.mem_bytes, mem));
    /* distributions */
    for (unsigned d = 0; d < RDBL_DIST__COUNT; d++) {
        m = 0;
        for (unsigned t = 0; t < RDBL_TYPE__COUNT; t++) {
            const rdbl_count *c = rdbl_tables_agg_dist(rdbl_agg_tables(a), (rdbl_type)t,
                                                       (rdbl_dist_kind)d);
            for (unsigned b = 0; b < RDBL_LOG2_BUCKETS; b++)
                m += c[b].mem_bytes;
        }
        cr_assert(eq(u64, m, mem));
    }
    rdbl_agg_free(a);
}

Test(agg, merge_equals_feeding_together, .timeout = 120)
{
    rdbl_snapshot sa, sb;
    gen_snapshot(&sa, "shard-a.rdb");
    gen_snapshot(&sb, "shard-b.rdb");
    rdbl_agg *all = fed(2, 0, N, -1);
    cr_assert(eq(int, rdbl_agg_add_snapshot(all, &sa), RDBL_OK));
    cr_assert(eq(int, rdbl_agg_add_snapshot(all, &sb), RDBL_OK));
    rdbl_agg *a = fed(2, 0, N, 0), *b = fed(2, 0, N, 1);
    cr_assert(eq(int, rdbl_agg_add_snapshot(a, &sa), RDBL_OK));
    cr_assert(eq(int, rdbl_agg_add_snapshot(b, &sb), RDBL_OK));
    rdbl_str n = {(const uint8_t *)"lib", 3}, e = {(const uint8_t *)"LUA", 3};
    rdbl_agg_add_function(all, n, e, 99);
    rdbl_agg_add_function(all, n, e, 99);
    rdbl_agg_add_function(a, n, e, 99);
    rdbl_agg_add_function(b, n, e, 99);
    char *s_all = dump(all);

    /* through JSON text, as `rdblens merge` does */
    char *s_a = dump(a), *s_b = dump(b);
    rdbl_agg *m;
    cr_assert(eq(int, rdbl_agg_new(&m, opts()), RDBL_OK));
    rdbl_error err = {0};
    json_t *ja = json_loads(s_a, 0, NULL), *jb = json_loads(s_b, 0, NULL);
    cr_assert(eq(int, rdbl_agg_add_json(m, ja, &err), RDBL_OK), "%s: %s", err.where, err.msg);
    cr_assert(eq(int, rdbl_agg_add_json(m, jb, &err), RDBL_OK), "%s: %s", err.where, err.msg);
    json_decref(ja);
    json_decref(jb);
    char *s_m = dump(m);
    cr_assert(eq(sz, strlen(s_m), strlen(s_all)));
    cr_assert(eq(int, strcmp(s_m, s_all), 0), "merged JSON differs");

    /* in memory */
    cr_assert(eq(int, rdbl_agg_merge(a, b), RDBL_OK));
    char *s_am = dump(a);
    cr_assert(eq(int, strcmp(s_am, s_all), 0), "in-memory merge differs");

    /* determinism: the same input again */
    rdbl_agg *again = fed(2, 0, N, -1);
    rdbl_agg_add_snapshot(again, &sa);
    rdbl_agg_add_snapshot(again, &sb);
    rdbl_agg_add_function(again, n, e, 99);
    rdbl_agg_add_function(again, n, e, 99);
    char *s_again = dump(again);
    cr_assert(eq(int, strcmp(s_again, s_all), 0));

    /* and the advice list derived from both is the same */
    rdbl_advice_list l1, l2;
    cr_assert(eq(int, rdbl_agg_advice(all, &l1), RDBL_OK));
    cr_assert(eq(int, rdbl_agg_advice(m, &l2), RDBL_OK));
    cr_assert(eq(sz, l1.n, l2.n));
    cr_assert(gt(sz, l1.n, 3));
    for (size_t i = 0; i < l1.n; i++) {
        rdbl_advice_words w1, w2;
        rdbl_advice_words_of(&l1.items[i], &w1);
        rdbl_advice_words_of(&l2.items[i], &w2);
        cr_assert(eq(str, w1.detail, w2.detail));
        cr_assert(eq(u64, l1.items[i].saving_bytes, l2.items[i].saving_bytes));
    }
    rdbl_advice_list_free(&l1);
    rdbl_advice_list_free(&l2);
    free(s_all);
    free(s_a);
    free(s_b);
    free(s_m);
    free(s_am);
    free(s_again);
    rdbl_agg_free(all);
    rdbl_agg_free(a);
    rdbl_agg_free(b);
    rdbl_agg_free(m);
    rdbl_agg_free(again);
}

Test(agg, snapshots_round_trip)
{
    rdbl_agg *a, *b;
    cr_assert(eq(int, rdbl_agg_new(&a, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_agg_new(&b, NULL), RDBL_OK));
    rdbl_snapshot s;
    gen_snapshot(&s, "dir/dump\x01.rdb");
    s.status = RDBL_CORRUPT;
    s.error_offset = 1234;
    snprintf(s.error, sizeof s.error, "CORRUPT in key \"k\": bad listpack");
    s.has_now = true;
    s.now_ms = 42;
    s.checksum = RDBL_CHECKSUM_MISMATCH;
    s.compression = RDBL_COMP_ZSTD;
    cr_assert(eq(int, rdbl_agg_add_snapshot(a, &s), RDBL_OK));
    json_t *j = rdbl_agg_to_json(a);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_agg_add_json(b, j, &err), RDBL_OK), "%s", err.msg);
    json_decref(j);
    const rdbl_snapshot *r;
    cr_assert(eq(sz, rdbl_agg_snapshots(b, &r), 1));
    cr_assert(eq(str, (char *)r->file, "dir/dump\x01.rdb"));
    cr_assert(eq(int, r->status, RDBL_CORRUPT));
    cr_assert(eq(u64, r->error_offset, 1234));
    cr_assert(eq(str, (char *)r->error, (char *)s.error));
    cr_assert(eq(int, r->checksum, RDBL_CHECKSUM_MISMATCH));
    cr_assert(eq(int, r->compression, RDBL_COMP_ZSTD));
    cr_assert(r->has_now && r->now_ms == 42);
    cr_assert(eq(u64, r->used_mem, s.used_mem));
    cr_assert(eq(sz, r->ntotals, 1));
    cr_assert(eq(str, (char *)r->totals[0].name, "allocated_estimate_bytes"));
    cr_assert(eq(str, (char *)r->allocator, "jemalloc-q8"));
    cr_assert(eq(int, r->ctime_source, RDBL_CTIME_AUX));
    cr_assert(eq(i64, rdbl_snapshot_ref_ms(r), 42));
    rdbl_agg_free(a);
    rdbl_agg_free(b);
}

/* The batch path (rdbl__agg_add_batch, used by the aggregation thread)
 * sums table rows per combination of database, type and encodings and adds
 * them once per batch: it must give the aggregate of adding key by key,
 * also past the row caps (4096 databases: which ones get rows depends on
 * the order they are first seen). */
Test(agg, batch_equals_key_by_key)
{
    enum { NKEYS = 12000, BATCH = 1000 }; /* the cap falls inside a batch */
    rdbl_agg *one, *bat;
    cr_assert(eq(int, rdbl_agg_new(&one, opts()), RDBL_OK));
    cr_assert(eq(int, rdbl_agg_new(&bat, opts()), RDBL_OK));
    rdbl_agg_set_now(one, GEN_NOW_MS);
    rdbl_agg_set_now(bat, GEN_NOW_MS);
    rdbl_key_facts *fs = calloc(BATCH, sizeof *fs);
    char(*keys)[64] = calloc(BATCH, sizeof *keys);
    cr_assert(fs && keys);
    gen_state g;
    size_t n = 0;
    for (uint64_t i = 0; i < NKEYS; i++) {
        rdbl_key_facts f;
        gen_fact(&g, 99, i, &f);
        /* databases first seen out of order, more of them than the cap */
        f.db = (i * 7919u) % 5000u;
        cr_assert(eq(int, rdbl_agg_add(one, &f), RDBL_OK));
        size_t kl = f.key.len < sizeof keys[0] ? f.key.len : sizeof keys[0];
        memcpy(keys[n], f.key.ptr, kl);
        f.key.ptr = (const uint8_t *)keys[n];
        f.key.len = kl;
        fs[n++] = f;
        if (n == BATCH || i + 1 == NKEYS) {
            cr_assert(eq(int, rdbl__agg_add_batch(bat, fs, n, NULL, NULL), RDBL_OK));
            n = 0;
        }
    }
    char *a = dump(one), *b = dump(bat);
    /* not eq(str): Criterion's diff of two long JSON texts takes minutes */
    cr_assert(strcmp(a, b) == 0, "the batch aggregate differs from the key-by-key one");
    free(a);
    free(b);
    free(fs);
    free(keys);
    rdbl_agg_free(one);
    rdbl_agg_free(bat);
}

/* The row of a pattern view named name, UINT32_MAX if none. */
static uint32_t row(const rdbl_prefix_agg *p, const char *name)
{
    uint32_t queue[2048];
    size_t qh = 0, qt = 0;
    queue[qt++] = RDBL_PREFIX_ROOT;
    while (qh < qt) {
        uint32_t id = queue[qh++], kids[256];
        char buf[256];
        rdbl_prefix_agg_name(p, id, buf, sizeof buf);
        if (id != RDBL_PREFIX_ROOT && strcmp(buf, name) == 0)
            return id;
        size_t n = rdbl_prefix_agg_children(p, id, kids, 256);
        for (size_t i = 0; i < n && i < 256 && qt < 2048; i++)
            queue[qt++] = kids[i];
    }
    return UINT32_MAX;
}

static void add_zset(rdbl_agg *a, const char *key, uint64_t mem, uint64_t elements)
{
    rdbl_key_facts f;
    memset(&f, 0, sizeof f);
    f.key = (rdbl_str){(const uint8_t *)key, strlen(key)};
    f.type = RDBL_TYPE_ZSET;
    f.mem_encoding = "skiplist";
    f.mem_bytes = mem;
    f.rdb_bytes = mem / 4;
    f.elements = elements;
    f.value_bytes = elements * 8;
    f.expire_ms = -1;
    f.idle_s = -1;
    f.freq = -1;
    cr_assert(eq(int, rdbl_agg_add(a, &f), RDBL_OK));
}

/* A big key whose label the hash sample let go ("lb:global", beside 600
 * random names) is a row of its own, its figures out of "lb:*"; a small
 * one ("lb:tiny") stays in the "*". Split, merged in memory or through
 * JSON: the same rows. */
Test(agg, big_key_beside_a_star_is_named_and_merges_exactly)
{
    rdbl_agg *all, *a, *b, *m;
    cr_assert(eq(int, rdbl_agg_new(&all, opts()), RDBL_OK));
    cr_assert(eq(int, rdbl_agg_new(&a, opts()), RDBL_OK));
    cr_assert(eq(int, rdbl_agg_new(&b, opts()), RDBL_OK));
    cr_assert(eq(int, rdbl_agg_new(&m, opts()), RDBL_OK));
    uint64_t st = 7;
    for (int i = 0; i < 600; i++) {
        char key[32], name[8];
        uint64_t r = gen_next(&st);
        for (int j = 0; j < 7; j++)
            name[j] = (char)('a' + (r >> (5 * j)) % 26);
        name[7] = 0;
        snprintf(key, sizeof key, "lb:%s", name);
        add_zset(all, key, 1000, 10);
        add_zset(i % 2 ? a : b, key, 1000, 10);
        if (i == 300) {
            add_zset(all, "lb:global", 400000, 5000);
            add_zset(a, "lb:global", 400000, 5000);
            add_zset(all, "lb:tiny", 900, 9);
            add_zset(b, "lb:tiny", 900, 9);
        }
    }
    const rdbl_prefix_agg *p = rdbl_agg_prefix(all);
    uint32_t g = row(p, "lb:global"), s = row(p, "lb:*");
    cr_assert(ne(u32, g, UINT32_MAX), "lb:global has no row");
    cr_assert(ne(u32, s, UINT32_MAX));
    cr_assert(eq(u32, row(p, "lb:tiny"), UINT32_MAX), "a small key got a row");
    cr_assert(eq(u64, rdbl_prefix_agg_totals(p, g)->keys, 1));
    cr_assert(eq(u64, rdbl_prefix_agg_totals(p, g)->mem_bytes, 400000));
    cr_assert(eq(u64, rdbl_prefix_agg_totals(p, g)->elements, 5000));
    bool cut = true;
    rdbl_str ex = rdbl_prefix_agg_example(p, g, &cut);
    cr_assert(eq(sz, ex.len, 9));
    cr_assert(eq(int, memcmp(ex.ptr, "lb:global", 9), 0), "its example is the key");
    cr_assert(not(cut));
    cr_assert(eq(u64, rdbl_prefix_agg_totals(p, s)->keys, 601));
    cr_assert(eq(u64, rdbl_prefix_agg_totals(p, s)->mem_bytes, 600 * 1000 + 900));
    cr_assert(eq(u64, rdbl_prefix_agg_totals(p, row(p, "lb"))->keys, 602));
    bool est;
    cr_assert(le(u64, rdbl_prefix_agg_values(p, s, &est), 601));

    char *s_all = dump(all), *s_a = dump(a), *s_b = dump(b);
    json_t *ja = json_loads(s_a, 0, NULL), *jb = json_loads(s_b, 0, NULL);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_agg_add_json(m, ja, &err), RDBL_OK), "%s", err.msg);
    cr_assert(eq(int, rdbl_agg_add_json(m, jb, &err), RDBL_OK), "%s", err.msg);
    json_decref(ja);
    json_decref(jb);
    char *s_m = dump(m);
    cr_assert(eq(int, strcmp(s_m, s_all), 0), "merged JSON differs");
    cr_assert(eq(int, rdbl_agg_merge(b, a), RDBL_OK));
    char *s_ba = dump(b);
    cr_assert(eq(int, strcmp(s_ba, s_all), 0), "in-memory merge differs");
    cr_assert(ne(u32, row(rdbl_agg_prefix(m), "lb:global"), UINT32_MAX));
    free(s_all);
    free(s_a);
    free(s_b);
    free(s_m);
    free(s_ba);
    rdbl_agg_free(all);
    rdbl_agg_free(a);
    rdbl_agg_free(b);
    rdbl_agg_free(m);
}

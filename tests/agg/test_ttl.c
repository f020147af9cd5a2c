/* TTL aggregator (src/agg/ttl.c): bucket edges, hand-computed buckets,
 * expiry minute clustering and its cap, hash-field TTLs, merge and JSON. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gen_facts.h"

Test(ttl, bucket_edges)
{
    cr_assert(eq(int, rdbl_ttl_bucket_of(INT64_MIN), RDBL_TTL_EXPIRED));
    cr_assert(eq(int, rdbl_ttl_bucket_of(0), RDBL_TTL_EXPIRED));
    cr_assert(eq(int, rdbl_ttl_bucket_of(1), RDBL_TTL_LT_1M));
    cr_assert(eq(int, rdbl_ttl_bucket_of(59999), RDBL_TTL_LT_1M));
    cr_assert(eq(int, rdbl_ttl_bucket_of(60000), RDBL_TTL_LT_10M));
    cr_assert(eq(int, rdbl_ttl_bucket_of(599999), RDBL_TTL_LT_10M));
    cr_assert(eq(int, rdbl_ttl_bucket_of(600000), RDBL_TTL_LT_1H));
    cr_assert(eq(int, rdbl_ttl_bucket_of(3600000), RDBL_TTL_LT_6H));
    cr_assert(eq(int, rdbl_ttl_bucket_of(21600000), RDBL_TTL_LT_1D));
    cr_assert(eq(int, rdbl_ttl_bucket_of(86400000), RDBL_TTL_LT_7D));
    cr_assert(eq(int, rdbl_ttl_bucket_of(604800000), RDBL_TTL_LT_30D));
    cr_assert(eq(int, rdbl_ttl_bucket_of(2591999999LL), RDBL_TTL_LT_30D));
    cr_assert(eq(int, rdbl_ttl_bucket_of(2592000000LL), RDBL_TTL_GE_30D));
    cr_assert(eq(int, rdbl_ttl_bucket_of(INT64_MAX), RDBL_TTL_GE_30D));
    cr_assert(eq(str, (char *)rdbl_ttl_bucket_id(RDBL_TTL_LT_1H), "lt_1h"));
    cr_assert(eq(str, (char *)rdbl_ttl_bucket_label(RDBL_TTL_GE_30D), ">= 30 d"));
}

static rdbl_key_facts tf(bool ttl, int64_t expire_ms, uint64_t mem)
{
    rdbl_key_facts f;
    rdbl_key_facts_init(&f);
    f.key.ptr = (const uint8_t *)"k";
    f.key.len = 1;
    f.mem_bytes = mem;
    f.has_expire = ttl;
    f.expire_ms = expire_ms;
    return f;
}

Test(ttl, hand_computed_buckets_and_clusters)
{
    rdbl_ttl_agg *t;
    cr_assert(eq(int, rdbl_ttl_agg_new(&t, NULL), RDBL_OK));
    const int64_t now = GEN_NOW_MS; /* a whole minute: 28333333 * 60000 + 20000 */
    rdbl_ttl_agg_set_now(t, now);
    rdbl_key_facts f;
    f = tf(false, 0, 10);
    rdbl_ttl_agg_add(t, &f);
    f = tf(false, 0, 20);
    rdbl_ttl_agg_add(t, &f);
    f = tf(true, now - 1, 5); /* expired */
    rdbl_ttl_agg_add(t, &f);
    f = tf(true, now, 6); /* expires exactly now: expired */
    rdbl_ttl_agg_add(t, &f);
    for (int i = 0; i < 7; i++) { /* 7 keys in the minute of now + 2 h */
        f = tf(true, now + 7200000 + i * 1000, 100);
        rdbl_ttl_agg_add(t, &f);
    }
    f = tf(true, now + 30000, 1); /* < 1 min */
    rdbl_ttl_agg_add(t, &f);
    f = tf(true, now + 40LL * 86400000, 1000); /* >= 30 d */
    rdbl_ttl_agg_add(t, &f);
    rdbl_ttl_summary s;
    rdbl_ttl_agg_summary(t, &s);
    cr_assert(eq(u64, s.buckets[RDBL_TTL_NONE].keys, 2));
    cr_assert(eq(u64, s.buckets[RDBL_TTL_NONE].mem_bytes, 30));
    cr_assert(eq(u64, s.buckets[RDBL_TTL_EXPIRED].keys, 2));
    cr_assert(eq(u64, s.buckets[RDBL_TTL_EXPIRED].mem_bytes, 11));
    cr_assert(eq(u64, s.buckets[RDBL_TTL_LT_6H].keys, 7));
    cr_assert(eq(u64, s.buckets[RDBL_TTL_LT_6H].mem_bytes, 700));
    cr_assert(eq(u64, s.buckets[RDBL_TTL_LT_1M].keys, 1));
    cr_assert(eq(u64, s.buckets[RDBL_TTL_GE_30D].mem_bytes, 1000));
    uint64_t k = 0, m = 0;
    for (unsigned b = 0; b < RDBL_TTL__COUNT; b++) {
        k += s.buckets[b].keys;
        m += s.buckets[b].mem_bytes;
    }
    cr_assert(eq(u64, k, 13));
    cr_assert(eq(u64, m, 30 + 11 + 700 + 1 + 1000));
    /* future expiries: 3 distinct minutes; the 7 keys (now + 2 h .. + 6 s)
     * share minute 28333453 (1700007180000 .. 1700007239999) */
    rdbl_ttl_minute top[4];
    size_t n = rdbl_ttl_agg_top_minutes(t, top, 4);
    /* ranked by memory: the single 1000-byte key first, then the 7 keys of
     * 700 bytes, then the 1-byte key */
    cr_assert(eq(sz, n, 3));
    cr_assert(eq(u64, top[0].keys, 1));
    cr_assert(eq(u64, top[0].mem_bytes, 1000));
    cr_assert(eq(u64, top[1].keys, 7));
    cr_assert(eq(u64, top[1].mem_bytes, 700));
    cr_assert(eq(i64, top[1].minute, 28333453));
    cr_assert(eq(u64, top[2].mem_bytes, 1));
    rdbl_count w = rdbl_ttl_agg_minutes_sum(t, 28333452, 28333454);
    cr_assert(eq(u64, w.keys, 7));
    cr_assert(eq(u64, w.mem_bytes, 700));
    rdbl_ttl_agg_free(t);
}

Test(ttl, one_minute_cluster_and_cap)
{
    rdbl_agg_opts o;
    memset(&o, 0, sizeof o);
    o.expiry_minutes_cap = 2;
    rdbl_ttl_agg *t;
    cr_assert(eq(int, rdbl_ttl_agg_new(&t, &o), RDBL_OK));
    const int64_t base = 1800000000LL * 1000; /* minute-aligned */
    rdbl_ttl_agg_set_now(t, base - 3600000);
    rdbl_key_facts f;
    for (int i = 0; i < 1000; i++) {
        f = tf(true, base + (i % 60) * 1000, 3);
        rdbl_ttl_agg_add(t, &f);
    }
    f = tf(true, base + 60000, 4);
    rdbl_ttl_agg_add(t, &f);
    f = tf(true, base + 120000, 5); /* a third minute: past the cap */
    rdbl_ttl_agg_add(t, &f);
    f = tf(true, base + 60001, 4); /* a known minute is still counted */
    rdbl_ttl_agg_add(t, &f);
    rdbl_ttl_minute top[5];
    size_t n = rdbl_ttl_agg_top_minutes(t, top, 5);
    cr_assert(eq(sz, n, 2));
    cr_assert(eq(i64, top[0].minute, base / 60000));
    cr_assert(eq(u64, top[0].keys, 1000));
    cr_assert(eq(u64, top[0].mem_bytes, 3000));
    cr_assert(eq(u64, top[1].keys, 2));
    rdbl_ttl_summary s;
    rdbl_ttl_agg_summary(t, &s);
    cr_assert(eq(u64, s.untracked.keys, 1));
    cr_assert(eq(u64, s.untracked.mem_bytes, 5));
    rdbl_ttl_agg_free(t);
}

Test(ttl, hash_fields)
{
    rdbl_ttl_agg *t;
    cr_assert(eq(int, rdbl_ttl_agg_new(&t, NULL), RDBL_OK));
    rdbl_ttl_agg_set_now(t, 1000000);
    rdbl_key_facts f = tf(false, 0, 500);
    f.type = RDBL_TYPE_HASH;
    f.fields_with_ttl = 3;
    f.min_field_expire_ms = 1000000 + 5000;
    rdbl_ttl_agg_add(t, &f);
    f.fields_with_ttl = 2;
    f.min_field_expire_ms = 1;
    rdbl_ttl_agg_add(t, &f);
    rdbl_ttl_summary s;
    rdbl_ttl_agg_summary(t, &s);
    cr_assert(eq(u64, s.field_keys, 2));
    cr_assert(eq(u64, s.fields, 5));
    cr_assert(eq(u64, s.field_mem_bytes, 1000));
    cr_assert(eq(u64, s.field_buckets[RDBL_TTL_LT_1M].keys, 1));
    cr_assert(eq(u64, s.field_buckets[RDBL_TTL_EXPIRED].keys, 1));
    /* the key TTL histogram is not touched by field TTLs */
    cr_assert(eq(u64, s.buckets[RDBL_TTL_NONE].keys, 2));
    rdbl_ttl_agg_free(t);
}

static char *dump(const rdbl_ttl_agg *t)
{
    json_t *j = rdbl_ttl_agg_to_json(t);
    cr_assert(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

Test(ttl, merge_and_json)
{
    rdbl_ttl_agg *all, *a, *b, *m;
    rdbl_ttl_agg_new(&all, NULL);
    rdbl_ttl_agg_new(&a, NULL);
    rdbl_ttl_agg_new(&b, NULL);
    rdbl_ttl_agg_new(&m, NULL);
    rdbl_ttl_agg_set_now(all, GEN_NOW_MS);
    rdbl_ttl_agg_set_now(a, GEN_NOW_MS);
    rdbl_ttl_agg_set_now(b, GEN_NOW_MS);
    gen_state g;
    for (uint64_t i = 0; i < 20000; i++) {
        rdbl_key_facts f;
        gen_fact(&g, 11, i, &f);
        cr_assert(eq(int, rdbl_ttl_agg_add(all, &f), RDBL_OK));
        cr_assert(eq(int, rdbl_ttl_agg_add(i < 7000 ? a : b, &f), RDBL_OK));
    }
    json_t *ja = rdbl_ttl_agg_to_json(a), *jb = rdbl_ttl_agg_to_json(b);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_ttl_agg_add_json(m, ja, &err), RDBL_OK), "%s", err.msg);
    cr_assert(eq(int, rdbl_ttl_agg_add_json(m, jb, &err), RDBL_OK), "%s", err.msg);
    json_decref(ja);
    json_decref(jb);
    char *s1 = dump(all), *s2 = dump(m);
    cr_assert(eq(str, s1, s2));
    cr_assert(eq(int, rdbl_ttl_agg_merge(a, b), RDBL_OK));
    char *s3 = dump(a);
    cr_assert(eq(str, s1, s3));
    free(s1);
    free(s2);
    free(s3);
    rdbl_ttl_agg_free(all);
    rdbl_ttl_agg_free(a);
    rdbl_ttl_agg_free(b);
    rdbl_ttl_agg_free(m);
}

/* Thousands of distinct minutes in scrambled order, spread from one minute
 * ahead to decades ahead (the radix sort's several passes): "minutes" in
 * the JSON is strictly increasing, every key is in it, and the top minutes
 * by memory equal a brute-force pick. */
Test(ttl, many_minutes_sorted_and_top_by_memory)
{
    rdbl_agg_opts o;
    memset(&o, 0, sizeof o); /* defaults: 100000 minutes tracked */
    rdbl_ttl_agg *t;
    cr_assert(eq(int, rdbl_ttl_agg_new(&t, &o), RDBL_OK));
    const int64_t now = GEN_NOW_MS;
    rdbl_ttl_agg_set_now(t, now);
    enum { N = 5000 };
    static int64_t minute[N];
    static uint64_t mem[N];
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* distinct minutes: the next N/2, then about a month apart */
        int64_t ahead = i < N / 2 ? 1 + i : (int64_t)i * 52596;
        minute[i] = now / 60000 + ahead;
        mem[i] = 1 + x % 100000;
    }
    for (int i = N - 1; i > 0; i--) { /* scramble the order of the adds */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int j = (int)(x % (uint64_t)(i + 1));
        int64_t tm = minute[i];
        minute[i] = minute[j];
        minute[j] = tm;
    }
    for (int i = 0; i < N; i++) {
        rdbl_key_facts f = tf(true, minute[i] * 60000 + 30000, mem[i]);
        cr_assert(eq(int, rdbl_ttl_agg_add(t, &f), RDBL_OK));
    }
    json_t *j = rdbl_ttl_agg_to_json(t);
    json_t *mins = json_object_get(json_object_get(j, "expiry_minutes"), "minutes");
    cr_assert(eq(sz, json_array_size(mins), (size_t)N));
    for (size_t i = 1; i < json_array_size(mins); i++)
        cr_assert(lt(i64, json_integer_value(json_array_get(json_array_get(mins, i - 1), 0)),
                     json_integer_value(json_array_get(json_array_get(mins, i), 0))));
    json_decref(j);

    rdbl_ttl_minute top[32];
    size_t n = rdbl_ttl_agg_top_minutes(t, top, 32);
    cr_assert(eq(sz, n, (size_t)32));
    for (size_t k = 0; k < n; k++) {
        /* top[k] is the k-th largest: exactly k minutes have more memory
         * (memory ties broken by the earlier minute) */
        size_t above = 0;
        for (int i = 0; i < N; i++)
            if (mem[i] > top[k].mem_bytes ||
                (mem[i] == top[k].mem_bytes && minute[i] < top[k].minute))
                above++;
        cr_assert(eq(sz, above, k));
    }
    rdbl_ttl_minute big[200]; /* the sorting path of larger asks agrees */
    cr_assert(eq(sz, rdbl_ttl_agg_top_minutes(t, big, 200), (size_t)200));
    for (size_t k = 0; k < 32; k++)
        cr_assert(eq(i64, big[k].minute, top[k].minute));
    rdbl_ttl_agg_free(t);
}

/* Past the cap, a merge keeps the earliest of src's minutes that still fit
 * (src is walked in minute order): which ones does not depend on src's
 * hash-table order, which differs with the order its keys came in. */
Test(ttl, merge_past_the_cap_keeps_the_earliest_minutes)
{
    rdbl_agg_opts o;
    memset(&o, 0, sizeof o);
    o.expiry_minutes_cap = 300;
    const int64_t base = 1800000000LL * 1000;
    rdbl_ttl_agg *dst, *src;
    cr_assert(eq(int, rdbl_ttl_agg_new(&dst, &o), RDBL_OK));
    cr_assert(eq(int, rdbl_ttl_agg_new(&src, &o), RDBL_OK));
    rdbl_ttl_agg_set_now(dst, base - 3600000);
    rdbl_ttl_agg_set_now(src, base - 3600000);
    rdbl_key_facts f;
    for (int i = 0; i < 100; i++) { /* dst: minutes 1000..1099 */
        f = tf(true, base + (1000 + i) * 60000LL, 1);
        rdbl_ttl_agg_add(dst, &f);
    }
    for (int i = 0; i < 290; i++) { /* src: minutes 0..289, scrambled */
        int m = (i * 149) % 290;
        f = tf(true, base + m * 60000LL, 1);
        rdbl_ttl_agg_add(src, &f);
    }
    cr_assert(eq(int, rdbl_ttl_agg_merge(dst, src), RDBL_OK));
    rdbl_ttl_summary s;
    rdbl_ttl_agg_summary(dst, &s);
    cr_assert(eq(u64, s.minutes, 300));
    cr_assert(eq(u64, s.untracked.keys, 90));
    rdbl_count early = rdbl_ttl_agg_minutes_sum(dst, base / 60000, base / 60000 + 199);
    cr_assert(eq(u64, early.keys, 200), "tracked %llu of src's first 200 minutes",
              (unsigned long long)early.keys);
    rdbl_ttl_agg_free(dst);
    rdbl_ttl_agg_free(src);
}

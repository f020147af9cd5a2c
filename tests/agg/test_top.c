/* Top keys (src/agg/top.c): hand-checked order by memory, by elements and
 * per type, deterministic ties, order independence, long keys, merge and
 * JSON round trip. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gen_facts.h"

static rdbl_key_facts kf(const char *key, rdbl_type t, uint64_t mem, uint64_t elems)
{
    rdbl_key_facts f;
    rdbl_key_facts_init(&f);
    f.key.ptr = (const uint8_t *)key;
    f.key.len = strlen(key);
    f.type = t;
    f.mem_encoding = t == RDBL_TYPE_STRING ? "embstr" : "listpack";
    f.mem_bytes = mem;
    f.elements = elems;
    return f;
}

static void expect_keys(const rdbl_top_agg *t, rdbl_top_list l, rdbl_type ty,
                        const char *const *want, size_t n)
{
    const rdbl_key_entry *v[16];
    size_t got = rdbl_top_agg_get(t, l, ty, v, 16);
    cr_assert(eq(sz, got, n));
    for (size_t i = 0; i < n; i++) {
        char k[64];
        memcpy(k, v[i]->key, v[i]->key_len);
        k[v[i]->key_len] = 0;
        cr_assert(eq(str, k, (char *)want[i]), "rank %zu", i);
    }
}

Test(top, hand_checked_order_and_ties)
{
    rdbl_agg_opts o;
    memset(&o, 0, sizeof o);
    o.top_n = 3;
    rdbl_top_agg *t;
    cr_assert(eq(int, rdbl_top_agg_new(&t, &o), RDBL_OK));
    rdbl_key_facts f[] = {
        kf("s1", RDBL_TYPE_STRING, 100, 1), kf("h1", RDBL_TYPE_HASH, 500, 10),
        kf("h2", RDBL_TYPE_HASH, 500, 30),  kf("z1", RDBL_TYPE_ZSET, 50, 1000),
        kf("s2", RDBL_TYPE_STRING, 900, 1), kf("h0", RDBL_TYPE_HASH, 500, 10),
        kf("l1", RDBL_TYPE_LIST, 10, 1000), kf("s3", RDBL_TYPE_STRING, 5, 1),
    };
    for (size_t i = 0; i < 8; i++)
        cr_assert(eq(int, rdbl_top_agg_add(t, &f[i]), RDBL_OK));
    /* 500 three times: ties by key bytes (h0 < h1 < h2), h2 drops out */
    const char *mem[] = {"s2", "h0", "h1"};
    expect_keys(t, RDBL_TOP_BY_MEMORY, 0, mem, 3);
    /* 1000 elements twice: then memory (z1 50 > l1 10) */
    const char *el[] = {"z1", "l1", "h2"};
    expect_keys(t, RDBL_TOP_BY_ELEMENTS, 0, el, 3);
    const char *hs[] = {"h0", "h1", "h2"};
    expect_keys(t, RDBL_TOP_BY_TYPE, RDBL_TYPE_HASH, hs, 3);
    const char *ss[] = {"s2", "s1", "s3"};
    expect_keys(t, RDBL_TOP_BY_TYPE, RDBL_TYPE_STRING, ss, 3);
    expect_keys(t, RDBL_TOP_BY_TYPE, RDBL_TYPE_STREAM, NULL, 0);
    rdbl_top_agg_free(t);
}

static char *dump(const rdbl_top_agg *t)
{
    json_t *j = rdbl_top_agg_to_json(t);
    cr_assert(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

Test(top, order_independent_merge_and_json)
{
    rdbl_agg_opts o;
    memset(&o, 0, sizeof o);
    o.top_n = 25;
    rdbl_top_agg *fwd, *rev, *a, *b, *m;
    cr_assert(eq(int, rdbl_top_agg_new(&fwd, &o), RDBL_OK));
    cr_assert(eq(int, rdbl_top_agg_new(&rev, &o), RDBL_OK));
    cr_assert(eq(int, rdbl_top_agg_new(&a, &o), RDBL_OK));
    cr_assert(eq(int, rdbl_top_agg_new(&b, &o), RDBL_OK));
    cr_assert(eq(int, rdbl_top_agg_new(&m, &o), RDBL_OK));
    gen_state g;
    const uint64_t n = 5000;
    for (uint64_t i = 0; i < n; i++) {
        rdbl_key_facts f;
        gen_fact(&g, 3, i, &f);
        cr_assert(eq(int, rdbl_top_agg_add(fwd, &f), RDBL_OK));
        cr_assert(eq(int, rdbl_top_agg_add(i % 2 ? a : b, &f), RDBL_OK));
        gen_fact(&g, 3, n - 1 - i, &f);
        cr_assert(eq(int, rdbl_top_agg_add(rev, &f), RDBL_OK));
    }
    char *s1 = dump(fwd), *s2 = dump(rev);
    cr_assert(eq(str, s1, s2));
    json_t *ja = rdbl_top_agg_to_json(a), *jb = rdbl_top_agg_to_json(b);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_top_agg_add_json(m, jb, &err), RDBL_OK), "%s", err.msg);
    cr_assert(eq(int, rdbl_top_agg_add_json(m, ja, &err), RDBL_OK), "%s", err.msg);
    json_decref(ja);
    json_decref(jb);
    char *s3 = dump(m);
    cr_assert(eq(str, s1, s3));
    cr_assert(eq(int, rdbl_top_agg_merge(a, b), RDBL_OK));
    char *s4 = dump(a);
    cr_assert(eq(str, s1, s4));
    /* the list really is the largest: nothing outside it is bigger */
    const rdbl_key_entry *v[25];
    size_t k = rdbl_top_agg_get(fwd, RDBL_TOP_BY_MEMORY, 0, v, 25);
    cr_assert(eq(sz, k, 25));
    for (size_t i = 1; i < k; i++)
        cr_assert(ge(u64, v[i - 1]->mem_bytes, v[i]->mem_bytes));
    for (uint64_t i = 0; i < n; i++) {
        rdbl_key_facts f;
        gen_fact(&g, 3, i, &f);
        cr_assert(le(u64, f.mem_bytes, v[0]->mem_bytes));
    }
    free(s1);
    free(s2);
    free(s3);
    free(s4);
    rdbl_top_agg_free(fwd);
    rdbl_top_agg_free(rev);
    rdbl_top_agg_free(a);
    rdbl_top_agg_free(b);
    rdbl_top_agg_free(m);
}

Test(top, long_keys_are_truncated_and_round_trip)
{
    rdbl_top_agg *t, *u;
    cr_assert(eq(int, rdbl_top_agg_new(&t, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_top_agg_new(&u, NULL), RDBL_OK));
    size_t len = 100000;
    char *big = malloc(len);
    memset(big, 'k', len);
    big[5] = '\n';
    rdbl_key_facts f = kf("x", RDBL_TYPE_STRING, 1 << 20, 1);
    f.key.ptr = (const uint8_t *)big;
    f.key.len = len;
    f.has_expire = true;
    f.expire_ms = 42;
    f.freq = 7;
    cr_assert(eq(int, rdbl_top_agg_add(t, &f), RDBL_OK));
    free(big); /* the aggregator keeps its own copy */
    const rdbl_key_entry *e;
    cr_assert(eq(sz, rdbl_top_agg_get(t, RDBL_TOP_BY_MEMORY, 0, &e, 1), 1));
    cr_assert(eq(sz, e->key_len, RDBL_KEY_KEEP_MAX));
    cr_assert(eq(u64, e->key_full_len, len));
    cr_assert(eq(int, e->key[5], '\n'));
    json_t *j = rdbl_top_agg_to_json(t);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_top_agg_add_json(u, j, &err), RDBL_OK), "%s", err.msg);
    json_decref(j);
    char *s1 = dump(t), *s2 = dump(u);
    cr_assert(eq(str, s1, s2));
    cr_assert(not(eq(ptr, strstr(s1, "\"key_bytes\":100000"), NULL)));
    cr_assert(not(eq(ptr, strstr(s1, "kkkkk\\\\x0akk"), NULL)), "escaped newline");
    free(s1);
    free(s2);
    rdbl_top_agg_free(t);
    rdbl_top_agg_free(u);
}

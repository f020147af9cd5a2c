/* Access aggregator (src/agg/access.c): idle histogram, cold memory, LFU
 * histogram and hottest keys, merge and JSON. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gen_facts.h"

#define af gen_access_fact

Test(access, hand_computed)
{
    rdbl_access_agg *a;
    cr_assert(eq(int, rdbl_access_agg_new(&a, NULL), RDBL_OK));
    rdbl_key_facts f[] = {
        af("a", -1, -1, 10),          af("b", 0, -1, 20),        af("c", 59, -1, 30),
        af("d", 60, -1, 40),          af("e", 30 * 86400, -1, 50), af("f", 90 * 86400, -1, 60),
        af("hot", -1, 255, 1),        af("warm", -1, 5, 100),     af("warm2", -1, 5, 200),
    };
    for (size_t i = 0; i < 9; i++)
        cr_assert(eq(int, rdbl_access_agg_add(a, &f[i]), RDBL_OK));
    const rdbl_access_summary *s = rdbl_access_agg_summary(a);
    cr_assert(eq(u64, s->idle[RDBL_IDLE_UNKNOWN].keys, 4));
    cr_assert(eq(u64, s->idle[RDBL_IDLE_UNKNOWN].mem_bytes, 311));
    cr_assert(eq(u64, s->idle[RDBL_IDLE_LT_1M].keys, 2));
    cr_assert(eq(u64, s->idle[RDBL_IDLE_LT_1M].mem_bytes, 50));
    cr_assert(eq(u64, s->idle[RDBL_IDLE_LT_10M].keys, 1));
    cr_assert(eq(u64, s->idle[RDBL_IDLE_GE_30D].keys, 2));
    cr_assert(eq(u64, s->cold.keys, 2));
    cr_assert(eq(u64, s->cold.mem_bytes, 110));
    cr_assert(eq(u64, s->freq_known.keys, 3));
    cr_assert(eq(u64, s->freq[5].keys, 2));
    cr_assert(eq(u64, s->freq[5].mem_bytes, 300));
    const rdbl_key_entry *v[5];
    size_t n = rdbl_access_agg_hottest(a, v, 5);
    cr_assert(eq(sz, n, 3));
    cr_assert(eq(int, v[0]->freq, 255));
    cr_assert(eq(u64, v[1]->mem_bytes, 200)); /* same counter: more memory first */
    cr_assert(eq(u64, v[2]->mem_bytes, 100));
    uint64_t k = 0;
    for (unsigned b = 0; b < RDBL_IDLE__COUNT; b++)
        k += s->idle[b].keys;
    cr_assert(eq(u64, k, 9));
    rdbl_access_agg_free(a);
}

static char *dump(const rdbl_access_agg *a)
{
    json_t *j = rdbl_access_agg_to_json(a);
    cr_assert(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

Test(access, merge_and_json)
{
    rdbl_access_agg *all, *a, *b, *m;
    rdbl_access_agg_new(&all, NULL);
    rdbl_access_agg_new(&a, NULL);
    rdbl_access_agg_new(&b, NULL);
    rdbl_access_agg_new(&m, NULL);
    gen_state g;
    for (uint64_t i = 0; i < 10000; i++) {
        rdbl_key_facts f;
        gen_fact(&g, 5, i, &f);
        rdbl_access_agg_add(all, &f);
        rdbl_access_agg_add(i & 1 ? a : b, &f);
    }
    json_t *ja = rdbl_access_agg_to_json(a), *jb = rdbl_access_agg_to_json(b);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_access_agg_add_json(m, ja, &err), RDBL_OK), "%s", err.msg);
    cr_assert(eq(int, rdbl_access_agg_add_json(m, jb, &err), RDBL_OK), "%s", err.msg);
    json_decref(ja);
    json_decref(jb);
    char *s1 = dump(all), *s2 = dump(m);
    cr_assert(eq(str, s1, s2));
    cr_assert(eq(int, rdbl_access_agg_merge(a, b), RDBL_OK));
    char *s3 = dump(a);
    cr_assert(eq(str, s1, s3));
    free(s1);
    free(s2);
    free(s3);
    rdbl_access_agg_free(all);
    rdbl_access_agg_free(a);
    rdbl_access_agg_free(b);
    rdbl_access_agg_free(m);
}

/* The largest cold keys: idle >= cold_idle_s or LFU counter 0, by memory;
 * kept through merge and JSON. */
Test(access, coldest)
{
    rdbl_access_agg *a, *b, *m;
    rdbl_access_agg_new(&a, NULL);
    rdbl_access_agg_new(&b, NULL);
    rdbl_access_agg_new(&m, NULL);
    rdbl_key_facts f[] = {
        af("warm", 29 * 86400, -1, 900), af("cold", 30 * 86400, -1, 50),
        af("colder", 90 * 86400, -1, 60), af("lfu0", -1, 0, 70),
        af("lfu1", -1, 1, 800),         af("none", -1, -1, 1000),
    };
    for (size_t i = 0; i < 6; i++)
        cr_assert(eq(int, rdbl_access_agg_add(i & 1 ? a : b, &f[i]), RDBL_OK));
    cr_assert(eq(int, rdbl_access_agg_merge(m, a), RDBL_OK));
    cr_assert(eq(int, rdbl_access_agg_merge(m, b), RDBL_OK));
    json_t *j = rdbl_access_agg_to_json(m);
    rdbl_access_agg *r;
    rdbl_access_agg_new(&r, NULL);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_access_agg_add_json(r, j, &err), RDBL_OK), "%s", err.msg);
    json_decref(j);
    const rdbl_access_agg *both[] = {m, r};
    for (size_t k = 0; k < 2; k++) {
        const rdbl_key_entry *v[8];
        size_t n = rdbl_access_agg_coldest(both[k], v, 8);
        cr_assert(eq(sz, n, 3));
        cr_assert(eq(sz, v[0]->key_len, 4));
        cr_assert(eq(int, memcmp(v[0]->key, "lfu0", 4), 0));
        cr_assert(eq(u64, v[1]->mem_bytes, 60));
        cr_assert(eq(i64, v[1]->idle_s, 90 * 86400));
        cr_assert(eq(u64, v[2]->mem_bytes, 50));
    }
    rdbl_access_agg_free(a);
    rdbl_access_agg_free(b);
    rdbl_access_agg_free(m);
    rdbl_access_agg_free(r);
}

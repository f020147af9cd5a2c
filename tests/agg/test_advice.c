/* Advice (src/agg/advice.c): every rule against hand-built facts with the
 * saving computed by hand, ordering by saving, levels, merge and JSON. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gen_facts.h"

static char keybuf[64][64];
static unsigned keyn;

static rdbl_key_facts af(const char *key, rdbl_type t, uint64_t mem, uint64_t elems)
{
    rdbl_key_facts f;
    rdbl_key_facts_init(&f);
    char *k = keybuf[keyn++ % 64];
    snprintf(k, 64, "%s", key);
    f.key.ptr = (const uint8_t *)k;
    f.key.len = strlen(k);
    f.type = t;
    f.mem_encoding = "x";
    f.mem_bytes = mem;
    f.elements = elems;
    f.value_bytes = t == RDBL_TYPE_STRING ? 10 : elems * 10;
    return f;
}

static const rdbl_advice_item *find(const rdbl_advice_list *l, const char *rule, size_t nth)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].rule, rule) == 0 && nth-- == 0)
            return &l->items[i];
    return NULL;
}

static rdbl_agg *mk(void)
{
    rdbl_agg_opts o;
    memset(&o, 0, sizeof o);
    o.family_min_keys = 10;
    o.cache_min_keys = 10;
    o.expiry_cluster_min_keys = 10;
    o.compress_budget_bytes = 64ULL << 20; /* the tests below sample ~10 MB */
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, &o), RDBL_OK));
    rdbl_agg_set_now(a, GEN_NOW_MS);
    return a;
}

static void add(rdbl_agg *a, const rdbl_key_facts *f)
{
    cr_assert(eq(int, rdbl_agg_add(a, f), RDBL_OK));
}

Test(advice, compact_big_huge_expired_empty)
{
    rdbl_agg *a = mk();
    rdbl_key_facts f;
    f = af("h:1", RDBL_TYPE_HASH, 1000, 10);
    f.compact_mem_bytes = 400;
    f.compact_config = "hash-max-listpack-value 128";
    add(a, &f);
    f = af("h:2", RDBL_TYPE_HASH, 2000, 10);
    f.compact_mem_bytes = 1500;
    f.compact_config = "hash-max-listpack-value 128";
    add(a, &f);
    f = af("h:3", RDBL_TYPE_HASH, 500, 10); /* compact would be bigger: no saving */
    f.compact_mem_bytes = 600;
    f.compact_config = "hash-max-listpack-value 128";
    add(a, &f);
    f = af("z:1", RDBL_TYPE_ZSET, 10000, 200);
    f.compact_mem_bytes = 2000;
    f.compact_config = "zset-max-listpack-entries 256";
    add(a, &f);
    f = af("big:str", RDBL_TYPE_STRING, 11u << 20, 1);
    add(a, &f);
    f = af("big:hash", RDBL_TYPE_HASH, 100000, 6000);
    add(a, &f);
    f = af("huge:z", RDBL_TYPE_ZSET, 90u << 20, 1000000);
    add(a, &f);
    f = af("gone", RDBL_TYPE_STRING, 77, 1);
    f.has_expire = true;
    f.expire_ms = GEN_NOW_MS - 1;
    add(a, &f);
    f = af("empty:h", RDBL_TYPE_HASH, 50, 0);
    add(a, &f);

    rdbl_advice_list l;
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    const rdbl_advice_item *z = find(&l, "compact-encoding", 0);
    const rdbl_advice_item *h = find(&l, "compact-encoding", 1);
    cr_assert(z && h);
    cr_assert(eq(str, (char *)z->config, "zset-max-listpack-entries 256"));
    cr_assert(eq(u64, z->saving_bytes, 8000));
    cr_assert(eq(u64, z->keys, 1));
    cr_assert(eq(str, (char *)h->config, "hash-max-listpack-value 128"));
    cr_assert(eq(u64, h->saving_bytes, 1100));
    cr_assert(eq(u64, h->keys, 2));
    cr_assert(eq(u64, h->affected_bytes, 3000));
    cr_assert(eq(sz, h->nexamples, 2));
    cr_assert(eq(u64, h->examples[0]->mem_bytes, 1000)); /* larger saving (600) first */

    const rdbl_advice_item *b = find(&l, "big-keys", 0);
    cr_assert(b != NULL);
    /* 11 MiB string, 6000-element hash; the 1M-element zset of 90 MiB gets
     * one recommendation (trim it: huge-collections), not two */
    cr_assert(eq(u64, b->keys, 2));
    cr_assert(eq(int, b->level, RDBL_ADVICE_WARN));
    cr_assert(eq(u64, b->examples[0]->mem_bytes, 11u << 20));
    const rdbl_advice_item *hu = find(&l, "huge-collections", 0);
    cr_assert(hu != NULL);
    cr_assert(eq(u64, hu->keys, 1));
    cr_assert(eq(u64, hu->max_elements, 1000000));
    const rdbl_advice_item *e = find(&l, "expired-keys", 0);
    cr_assert(e != NULL);
    cr_assert(eq(u64, e->saving_bytes, 77));
    const rdbl_advice_item *em = find(&l, "empty-keys", 0);
    cr_assert(em != NULL);
    cr_assert(eq(u64, em->keys, 1));
    cr_assert(eq(u64, em->saving_bytes, 50));
    /* ordered by level, then saving */
    for (size_t i = 1; i < l.n; i++) {
        cr_assert(ge(int, l.items[i - 1].level, l.items[i].level));
        if (l.items[i - 1].level == l.items[i].level)
            cr_assert(ge(u64, l.items[i - 1].saving_bytes, l.items[i].saving_bytes));
    }
    cr_assert(eq(int, l.items[0].level, RDBL_ADVICE_WARN));
    rdbl_advice_list_free(&l);

    rdbl_agg_free(a);

    /* keys a little over the limits: warn; a 10x-over key: critical */
    a = mk();
    f = af("big:str", RDBL_TYPE_STRING, 11u << 20, 1);
    add(a, &f);
    f = af("big:hash", RDBL_TYPE_HASH, 100000, 6000);
    add(a, &f);
    f = af("no", RDBL_TYPE_STRING, (10u << 20) - 1, 1);
    add(a, &f);
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    cr_assert(eq(int, find(&l, "big-keys", 0)->level, RDBL_ADVICE_WARN));
    cr_assert(eq(u64, find(&l, "big-keys", 0)->keys, 2));
    rdbl_advice_list_free(&l);
    f = af("bigger", RDBL_TYPE_STRING, 100u << 20, 1);
    add(a, &f);
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    cr_assert(eq(int, find(&l, "big-keys", 0)->level, RDBL_ADVICE_CRITICAL));
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);
}

Test(advice, compressible_strings)
{
    rdbl_agg *a = mk();
    static uint8_t good[4096], bad[8192];
    for (size_t i = 0; i < sizeof good; i++)
        good[i] = (uint8_t)"abcd"[i % 4];
    uint64_t s = 1;
    for (size_t i = 0; i < sizeof bad; i++)
        bad[i] = (uint8_t)gen_next(&s);
    rdbl_key_facts f = af("blob:1", RDBL_TYPE_STRING, 4200, 1);
    f.value_bytes = 4096;
    f.sample = (rdbl_str){good, sizeof good};
    add(a, &f);
    f = af("blob:2", RDBL_TYPE_STRING, 8300, 1);
    f.value_bytes = 8192;
    f.sample = (rdbl_str){bad, sizeof bad};
    add(a, &f);
    f = af("small", RDBL_TYPE_STRING, 100, 1); /* under compress_min_bytes: not considered */
    f.value_bytes = 100;
    f.sample = (rdbl_str){good, 100};
    add(a, &f);
    rdbl_advice_list l;
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    const rdbl_advice_item *c = find(&l, "compressible-strings", 0);
    cr_assert(c != NULL);
    cr_assert(eq(u64, c->keys, 1));
    cr_assert(eq(u64, c->affected_bytes, 4200));
    cr_assert(gt(u64, c->saving_bytes, 3800)); /* "abcd" x 1024 compresses to a few % */
    cr_assert(lt(u64, c->saving_bytes, 4096));
    cr_assert(eq(sz, c->nexamples, 1));
    json_t *st = rdbl_advice_agg_to_json(rdbl_agg_advice_state(a));
    json_t *z = json_object_get(st, "compress");
    cr_assert(eq(i64, json_integer_value(json_object_get(z, "eligible_keys")), 2));
    cr_assert(eq(i64, json_integer_value(json_object_get(z, "sampled_bytes")), 4096 + 8192));
    json_decref(st);
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);
}

Test(advice, compress_budget)
{
    rdbl_agg_opts o;
    memset(&o, 0, sizeof o);
    o.compress_budget_bytes = 5000;
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, &o), RDBL_OK));
    static uint8_t good[4096];
    memset(good, 'x', sizeof good);
    for (int i = 0; i < 3; i++) {
        rdbl_key_facts f = af("b", RDBL_TYPE_STRING, 5000, 1);
        f.value_bytes = 4096;
        f.sample = (rdbl_str){good, sizeof good};
        add(a, &f);
    }
    json_t *st = rdbl_advice_agg_to_json(rdbl_agg_advice_state(a));
    json_t *z = json_object_get(st, "compress");
    cr_assert(eq(i64, json_integer_value(json_object_get(z, "sampled_keys")), 1));
    cr_assert(eq(i64, json_integer_value(json_object_get(z, "unsampled_keys")), 2));
    json_decref(st);
    rdbl_agg_free(a);
}

Test(advice, small_string_family)
{
    rdbl_agg *a = mk();
    char k[64];
    for (int i = 100; i < 200; i++) {
        snprintf(k, sizeof k, "user:%d:name", i);
        rdbl_key_facts f = af(k, RDBL_TYPE_STRING, 64, 1);
        f.value_bytes = 8;
        add(a, &f);
        snprintf(k, sizeof k, "user:%d:age", i);
        f = af(k, RDBL_TYPE_STRING, 56, 1);
        f.value_bytes = 2;
        add(a, &f);
    }
    rdbl_advice_list l;
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    const rdbl_advice_item *it = find(&l, "small-string-family", 0);
    cr_assert(it != NULL);
    cr_assert(eq(str, (char *)it->prefix, "user:*"));
    cr_assert(eq(u64, it->keys, 200));
    cr_assert(eq(u64, it->affected_bytes, 12000));
    /* per entity: 16 + 24 + r8(12.5 - 3.5 - 1 + 4) + r8(7 + 2 x (3.5 + 2 + 5 + 2))
     *           = 40 + 16 + 32 = 88; 100 entities: 8800; saving 12000 - 8800 */
    cr_assert(eq(u64, it->saving_bytes, 3200));
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);
}

Test(advice, cache_without_ttl_and_mass_expiry)
{
    rdbl_agg *a = mk();
    char k[64];
    for (int i = 0; i < 20; i++) {
        snprintf(k, sizeof k, "session:%016x", 0x5eed0000u + (unsigned)i * 7919u);
        rdbl_key_facts f = af(k, RDBL_TYPE_STRING, 300, 1);
        add(a, &f);
        snprintf(k, sizeof k, "cache:%d", i); /* with TTLs: no advice */
        f = af(k, RDBL_TYPE_STRING, 300, 1);
        f.has_expire = true;
        f.expire_ms = GEN_NOW_MS + 600000 + i * 60000; /* 20 distinct minutes */
        add(a, &f);
    }
    for (int i = 0; i < 50; i++) {
        snprintf(k, sizeof k, "job:%d", i);
        rdbl_key_facts f = af(k, RDBL_TYPE_STRING, 10, 1);
        f.has_expire = true;
        f.expire_ms = GEN_NOW_MS + 3600000 + i * 100; /* one minute */
        add(a, &f);
    }
    rdbl_advice_list l;
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    const rdbl_advice_item *c = find(&l, "no-ttl-cache", 0);
    cr_assert(c != NULL);
    cr_assert(eq(str, (char *)c->prefix, "session"));
    cr_assert(eq(u64, c->keys, 20));
    cr_assert(eq(u64, c->affected_bytes, 6000));
    cr_assert(eq(int, c->level, RDBL_ADVICE_WARN));
    cr_assert(eq(ptr, (void *)find(&l, "no-ttl-cache", 1), NULL));
    const rdbl_advice_item *m = find(&l, "mass-expiry", 0);
    cr_assert(m != NULL);
    cr_assert(ge(u64, m->keys, 50)); /* the 50 (plus a cache key if one shares the minute) */
    cr_assert(le(u64, m->keys, 51));
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);
}

Test(advice, levels)
{
    rdbl_advice_level l;
    cr_assert(rdbl_advice_level_parse("info", &l) && l == RDBL_ADVICE_INFO);
    cr_assert(rdbl_advice_level_parse("WARN", &l) && l == RDBL_ADVICE_WARN);
    cr_assert(rdbl_advice_level_parse("warning", &l) && l == RDBL_ADVICE_WARN);
    cr_assert(rdbl_advice_level_parse("critical", &l) && l == RDBL_ADVICE_CRITICAL);
    cr_assert(not(rdbl_advice_level_parse("fatal", &l)));
    cr_assert(eq(str, (char *)rdbl_advice_level_name(RDBL_ADVICE_CRITICAL), "critical"));
}

/* The sampler compresses with one deflate stream reset per sample; its
 * sizes must be compress2()'s (what the JSON has always held), for samples
 * of every size up to 64 KiB and every compressibility, one after another
 * (state from a previous sample must not leak into the next). */
Test(advice, zlib_sizes_equal_compress2)
{
    rdbl_agg *a = mk();
    static uint8_t buf[65536];
    uint64_t s = 99, want = 0, n = 0;
    for (int i = 0; i < 300; i++) {
        size_t len = 1024 + (size_t)(gen_next(&s) % (sizeof buf - 1024));
        unsigned kind = (unsigned)(gen_next(&s) % 3);
        for (size_t j = 0; j < len; j++)
            buf[j] = kind == 0   ? (uint8_t)gen_next(&s)
                     : kind == 1 ? (uint8_t)"<html><body>lorem ipsum</body></html>"[j % 38]
                                 : (uint8_t)(j / 100 + (gen_next(&s) % 4 == 0));
        rdbl_key_facts f = af("blob", RDBL_TYPE_STRING, len + 64, 1);
        f.value_bytes = len;
        f.sample = (rdbl_str){buf, len};
        add(a, &f);
        static uint8_t out[70000];
        uLongf zl = sizeof out;
        cr_assert(eq(int, compress2(out, &zl, buf, len, Z_DEFAULT_COMPRESSION), Z_OK));
        want += zl;
        n += len;
    }
    json_t *st = rdbl_advice_agg_to_json(rdbl_agg_advice_state(a));
    json_t *z = json_object_get(st, "compress");
    cr_assert(eq(i64, json_integer_value(json_object_get(z, "sampled_bytes")), (json_int_t)n));
    cr_assert(eq(i64, json_integer_value(json_object_get(z, "zlib_bytes")), (json_int_t)want));
    json_decref(st);
    rdbl_agg_free(a);
}

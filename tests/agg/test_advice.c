/* Advice (src/agg/advice.c): every rule against hand-built facts with the
 * saving computed by hand, ordering by saving, levels, merge and JSON; then
 * the rules that must be safe to follow, each where it must fire and where it
 * must not, with their words (src/report/advice_text.c): ceilings of
 * threshold advice, one recommendation per key, severity order, extrapolated
 * compression, small JSON families, cold families, avalanches against churn
 * and jitter. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gen_facts.h"
#include "rdblens/report.h"

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

/* mk() with expiry clusters from 100 keys and a compression budget
 * (0: the default 8 MiB). */
static rdbl_agg *mk_budget(uint64_t budget)
{
    rdbl_agg_opts o;
    memset(&o, 0, sizeof o);
    o.family_min_keys = 10;
    o.cache_min_keys = 10;
    o.expiry_cluster_min_keys = 100;
    o.compress_budget_bytes = budget;
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

/* ---- safe advice ---------------------------------------------------------------------- */

static void words(const rdbl_advice_item *it, rdbl_advice_words *w)
{
    rdbl_advice_words_of(it, w);
    cr_assert(gt(sz, strlen(w->title), 10));
    cr_assert(gt(sz, strlen(w->detail), 40));
}

/* Hashes just over 512 entries need 1024: proposed. A 3,000-field hash and a
 * 200k-member zset would need 4096 / 262144: never proposed, only counted. */
Test(advice, threshold_ceiling_and_lowest_step)
{
    rdbl_agg *a = mk_budget(0);
    char k[64];
    for (int i = 0; i < 20; i++) {
        snprintf(k, sizeof k, "inventory:store:%d", i);
        rdbl_key_facts f = af(k, RDBL_TYPE_HASH, 50000, 700);
        f.compact_mem_bytes = 20000;
        f.compact_config = "hash-max-listpack-entries 1024";
        add(a, &f);
    }
    rdbl_key_facts f = af("catalog:index:1", RDBL_TYPE_HASH, 200000, 3000);
    f.compact_mem_bytes = 60000;
    f.compact_config = "hash-max-listpack-entries 4096";
    add(a, &f);
    f = af("scores:2026", RDBL_TYPE_ZSET, 900000, 4900);
    f.compact_mem_bytes = 100000;
    f.compact_config = "zset-max-listpack-entries 8192";
    add(a, &f);
    /* value ladder: 128 saves little, 256 most: 256 is proposed */
    for (int i = 0; i < 30; i++) {
        snprintf(k, sizeof k, "profile:%d", i);
        f = af(k, RDBL_TYPE_HASH, 2000, 6);
        f.compact_mem_bytes = i < 2 ? 1900 : 1000;
        f.compact_config = i < 2 ? "hash-max-listpack-value 128" : "hash-max-listpack-value 256";
        add(a, &f);
    }
    /* 8 KiB values: above the 2 KiB ceiling */
    f = af("blobs:1", RDBL_TYPE_HASH, 90000, 10);
    f.compact_mem_bytes = 85000;
    f.compact_config = "hash-max-listpack-value 8192";
    add(a, &f);
    rdbl_advice_list l;
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    size_t n = 0;
    for (size_t i = 0; i < l.n; i++) {
        const rdbl_advice_item *it = &l.items[i];
        if (strcmp(it->rule, "compact-encoding") != 0)
            continue;
        n++;
        const char *sp = strrchr(it->config, ' ');
        cr_assert(sp != NULL);
        unsigned long v = strtoul(sp + 1, NULL, 10);
        cr_assert(le(ulong, v, strstr(it->config, "value") ? 2048ul : 1024ul), "%s", it->config);
        if (strstr(it->config, "entries")) {
            cr_assert(eq(str, (char *)it->config, "hash-max-listpack-entries 1024"));
            cr_assert(eq(u64, it->keys, 20));
            cr_assert(eq(u64, it->saving_bytes, 20 * 30000));
            cr_assert(eq(u64, it->skipped_keys, 1)); /* the 3,000-field hash */
            rdbl_advice_words w;
            words(it, &w);
            cr_assert(not(eq(ptr, strstr(w.detail, "1 more key"), NULL)), "%s", w.detail);
            cr_assert(not(eq(ptr, strstr(w.detail, "scanned linearly"), NULL)), "%s", w.detail);
            cr_assert(eq(ptr, strstr(w.detail, "by a little"), NULL));
        } else {
            cr_assert(eq(str, (char *)it->config, "hash-max-listpack-value 256"));
            cr_assert(eq(sz, it->nrows, 2));
            cr_assert(eq(u64, it->rows[0].value, 128));
            cr_assert(eq(u64, it->skipped_keys, 1)); /* the 8 KiB values */
        }
        for (size_t e = 0; e < it->nexamples; e++)
            cr_assert(lt(u64, it->examples[e]->elements, 1025));
    }
    cr_assert(eq(sz, n, 2)); /* no zset item: its only step is unsafe */
    /* the 4,900-member zset is not big (5,000), so it is nowhere */
    cr_assert(eq(ptr, (void *)find(&l, "big-keys", 0), NULL));
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);
}

/* A 1M-member leaderboard is told one thing (trim it), not also to be made
 * compact or listed as big; a big hash gets no threshold advice. */
Test(advice, one_recommendation_per_key)
{
    rdbl_agg *a = mk_budget(0);
    rdbl_key_facts f = af("leaderboard:global", RDBL_TYPE_ZSET, 80u << 20, 1000000);
    f.compact_mem_bytes = 30u << 20;
    f.compact_config = "zset-max-listpack-entries 1048576";
    add(a, &f);
    f = af("inventory:all", RDBL_TYPE_HASH, 400000, 6000);
    f.compact_mem_bytes = 100000;
    f.compact_config = "hash-max-listpack-entries 1024";
    add(a, &f);
    rdbl_advice_list l;
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    cr_assert(eq(sz, l.n, 2), "%zu items", l.n);
    const rdbl_advice_item *h = find(&l, "huge-collections", 0);
    const rdbl_advice_item *b = find(&l, "big-keys", 0);
    cr_assert(h && b);
    cr_assert(eq(u64, h->keys, 1));
    cr_assert(eq(u64, b->keys, 1));
    cr_assert(eq(u64, b->max_elements, 6000));
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);
}

/* Severity first: a warn item with no saving comes before an info item with
 * a large one. An expired big key is only counted as expired. */
Test(advice, ordered_by_severity_then_saving)
{
    rdbl_agg *a = mk_budget(0);
    rdbl_key_facts f = af("export:big", RDBL_TYPE_STRING, 11u << 20, 1);
    add(a, &f);
    f = af("gone", RDBL_TYPE_STRING, 50u << 20, 1);
    f.has_expire = true;
    f.expire_ms = GEN_NOW_MS - 1;
    add(a, &f);
    rdbl_advice_list l;
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    cr_assert(eq(sz, l.n, 2));
    cr_assert(eq(str, (char *)l.items[0].rule, "big-keys"));
    cr_assert(eq(str, (char *)l.items[1].rule, "expired-keys"));
    /* plural agreement in the words */
    rdbl_advice_words w;
    words(&l.items[0], &w);
    cr_assert(eq(str, w.title, "1 big key (>= 10 MiB or >= 5,000 elements)"));
    cr_assert(eq(ptr, strstr(w.detail, "1 elements"), NULL));
    words(&l.items[1], &w);
    cr_assert(eq(str, w.title, "1 key had already expired at snapshot time"));
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);
}

/* 100 compressible values, a budget for 10 samples: the saving is that of
 * all 100 (extrapolated), the sampled share is stated. Incompressible blobs:
 * no advice. */
Test(advice, compression_extrapolated)
{
    static uint8_t text[4096], noise[4096];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)"<div class=row>alpha bravo</div>\n"[i % 33];
    uint64_t s = 7;
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (uint8_t)gen_next(&s);
    rdbl_agg *a = mk_budget(10 * 4096);
    char k[64];
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof k, "page:html:%d", i);
        rdbl_key_facts f = af(k, RDBL_TYPE_STRING, 4200, 1);
        f.value_bytes = 4096;
        f.sample = (rdbl_str){text, sizeof text};
        add(a, &f);
    }
    rdbl_advice_list l;
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    const rdbl_advice_item *c = find(&l, "compressible-strings", 0);
    cr_assert(c != NULL);
    cr_assert(eq(u64, c->sampled_keys, 10));
    cr_assert(eq(u64, c->total_keys, 100));
    cr_assert(eq(u64, c->keys, 100));
    /* each value saves ~ 4096 x (1 - ratio); all 100 of them */
    cr_assert(gt(u64, c->saving_bytes, 100 * 3000));
    cr_assert(lt(u64, c->saving_bytes, 100 * 4096));
    rdbl_advice_words w;
    words(c, &w);
    cr_assert(not(eq(ptr, strstr(w.detail, "10 were sampled (10% of the keys"), NULL)), "%s",
              w.detail);
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);

    a = mk_budget(0);
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof k, "img:thumb:%d", i);
        rdbl_key_facts f = af(k, RDBL_TYPE_STRING, 4200, 1);
        f.value_bytes = 4096;
        f.sample = (rdbl_str){noise, sizeof noise};
        add(a, &f);
    }
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    cr_assert(eq(ptr, (void *)find(&l, "compressible-strings", 0), NULL));
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);
}

static void add_json(rdbl_agg *a, const char *key, const char *json, bool ttl)
{
    rdbl_key_facts f = af(key, RDBL_TYPE_STRING, 180, 1);
    f.value_bytes = strlen(json);
    f.sample = (rdbl_str){(const uint8_t *)json, strlen(json)};
    if (ttl) {
        f.has_expire = true;
        f.expire_ms = GEN_NOW_MS + 3600000;
    }
    add(a, &f);
}

/* Small JSON objects with the same fields under one family: one item with
 * the fields named. Objects with other fields, arrays, or nested values over
 * 64 bytes: nothing. */
Test(advice, json_string_family)
{
    rdbl_agg *a = mk_budget(0);
    char k[64], v[200];
    for (int i = 0; i < 20; i++) {
        snprintf(k, sizeof k, "product:%d", 70000 + i);
        snprintf(v, sizeof v,
                 "{\"id\":%d,\"name\":\"garden hose %d\",\"price\":12.5,\"stock\":%d,"
                 "\"tags\":[\"a\",\"b\"]}",
                 70000 + i, i, i * 3);
        add_json(a, k, v, false);
        snprintf(k, sizeof k, "event:%d", i); /* different fields each time */
        snprintf(v, sizeof v, "{\"f%d\":1,\"g%d\":2}", i, i);
        add_json(a, k, v, false);
        snprintf(k, sizeof k, "list:%d", i); /* not an object */
        add_json(a, k, "[1,2,3,4]", false);
    }
    rdbl_advice_list l;
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    const rdbl_advice_item *j = find(&l, "json-string-family", 0);
    cr_assert(j != NULL);
    cr_assert(eq(str, (char *)j->prefix, "product:*"));
    cr_assert(eq(str, (char *)j->fields, "id, name, price, stock, tags"));
    cr_assert(eq(u64, j->field_count, 5));
    cr_assert(eq(u64, j->keys, 20));
    cr_assert(gt(u64, j->alt_bytes, 0));
    size_t n = 0;
    for (size_t i = 0; i < l.n; i++)
        n += strcmp(l.items[i].rule, "json-string-family") == 0;
    cr_assert(eq(sz, n, 1));
    /* the state round-trips and merges */
    rdbl_agg *b = mk_budget(0);
    cr_assert(eq(int, rdbl_agg_merge(b, a), RDBL_OK));
    cr_assert(eq(int, rdbl_agg_merge(b, a), RDBL_OK));
    rdbl_advice_list l2;
    cr_assert(eq(int, rdbl_agg_advice(b, &l2), RDBL_OK));
    cr_assert(eq(u64, find(&l2, "json-string-family", 0)->keys, 40));
    rdbl_advice_list_free(&l2);
    rdbl_agg_free(b);
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);

    a = mk_budget(0);
    for (int i = 0; i < 20; i++) { /* broken JSON, and values longer than 64 bytes */
        snprintf(k, sizeof k, "doc:%d", i);
        add_json(a, k, "{\"id\":1,\"name\":\"x\"", false);
        snprintf(k, sizeof k, "note:%d", i);
        add_json(a, k,
                 "{\"id\":1,\"body\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}",
                 false);
    }
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    cr_assert(eq(ptr, (void *)find(&l, "json-string-family", 0), NULL));
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);
}

/* Cold keys by family (LRU idle >= 30 d), a total, most memory first; keys
 * idle for a day are not cold. */
Test(advice, cold_data_by_family)
{
    rdbl_agg *a = mk_budget(0);
    char k[64];
    for (int i = 0; i < 300; i++) {
        snprintf(k, sizeof k, "archive:order:%d", 900000 + i);
        rdbl_key_facts f = af(k, RDBL_TYPE_HASH, 1000, 4);
        f.idle_s = 60 * 86400 + i;
        add(a, &f);
        snprintf(k, sizeof k, "report:2024:%d", i);
        f = af(k, RDBL_TYPE_STRING, 200, 1);
        f.idle_s = 40 * 86400;
        add(a, &f);
        snprintf(k, sizeof k, "session:%d", i);
        f = af(k, RDBL_TYPE_STRING, 5000, 1);
        f.idle_s = 86400;
        add(a, &f);
    }
    rdbl_advice_list l;
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    const rdbl_advice_item *c = find(&l, "cold-data", 0);
    cr_assert(c != NULL);
    cr_assert(eq(u64, c->keys, 600));
    cr_assert(eq(u64, c->affected_bytes, 300 * 1000 + 300 * 200));
    cr_assert(eq(sz, c->nrows, 2));
    cr_assert(eq(str, (char *)c->rows[0].name, "archive:order:*"));
    cr_assert(eq(str, (char *)c->rows[1].name, "report:*"));
    cr_assert(eq(i64, c->rows[0].idle_min_s, 60 * 86400));
    rdbl_advice_words w;
    words(c, &w);
    cr_assert(not(eq(ptr, strstr(w.detail, "archive:order:*: 300 keys"), NULL)), "%s", w.detail);
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);

    a = mk_budget(0);
    for (int i = 0; i < 300; i++) {
        snprintf(k, sizeof k, "session:%d", i);
        rdbl_key_facts f = af(k, RDBL_TYPE_STRING, 5000, 1);
        f.idle_s = 86400 * 3;
        add(a, &f);
    }
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    cr_assert(eq(ptr, (void *)find(&l, "cold-data", 0), NULL));
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);
}

static void add_ttl(rdbl_agg *a, const char *prefix, int i, uint64_t mem, int64_t expire_ms)
{
    char k[64];
    snprintf(k, sizeof k, "%s:%d", prefix, i);
    rdbl_key_facts f = af(k, RDBL_TYPE_STRING, mem, 1);
    f.has_expire = true;
    f.expire_ms = expire_ms;
    add(a, &f);
}

/* An avalanche: 2,000 long-lived keys of 1 KiB due within 20 s, 6 h after
 * the save. Not avalanches: 5,000 rate-limit counters due in the minute
 * after the save (churn), 20,000 sessions spread over 4 h (jitter). */
Test(advice, avalanche_not_churn_or_jitter)
{
    rdbl_agg *a = mk_budget(0);
    int64_t six_h = GEN_NOW_MS + 6LL * 3600000;
    for (int i = 0; i < 5000; i++)
        add_ttl(a, "rl:10.0.0.1", i, 60, GEN_NOW_MS + 1000 + (i % 60) * 1000);
    for (int i = 0; i < 20000; i++)
        add_ttl(a, "session", i, 300, GEN_NOW_MS + 22LL * 3600000 + (int64_t)i * 720);
    rdbl_advice_list l;
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    cr_assert(eq(ptr, (void *)find(&l, "mass-expiry", 0), NULL));
    rdbl_advice_list_free(&l);
    for (int i = 0; i < 2000; i++)
        add_ttl(a, "feed:home", i, 1024, six_h + i * 10);
    cr_assert(eq(int, rdbl_agg_advice(a, &l), RDBL_OK));
    const rdbl_advice_item *m = find(&l, "mass-expiry", 0);
    cr_assert(m != NULL);
    cr_assert(eq(sz, m->nrows, 1));
    cr_assert(eq(u64, m->keys, 2000));
    cr_assert(eq(u64, m->affected_bytes, 2000 * 1024));
    cr_assert(eq(u64, m->skipped_keys, 5000)); /* the churn, named apart */
    rdbl_advice_words w;
    words(m, &w);
    cr_assert(not(eq(ptr, strstr(w.title, "in 6.0 h"), NULL)), "%s", w.title);
    cr_assert(eq(ptr, strstr(w.detail, "in -"), NULL), "%s", w.detail);
    rdbl_advice_list_free(&l);
    rdbl_agg_free(a);
}

/* Time words never show a signed duration; headlines are cut at a word. */
Test(advice, time_words_and_clip)
{
    char b[64];
    cr_assert(eq(str, rdbl_fmt_when_ms(b, sizeof b, -9000), "within a minute of the save"));
    cr_assert(eq(str, rdbl_fmt_when_ms(b, sizeof b, 720000), "in 12 min"));
    cr_assert(eq(str, rdbl_fmt_when_ms(b, sizeof b, -300000), "5 min before the save"));
    cr_assert(eq(str, rdbl_fmt_clip(b, sizeof b, "set hash-max-listpack-value 256", 24),
                 "set\xe2\x80\xa6"));
    cr_assert(eq(str, rdbl_fmt_clip(b, sizeof b, "store the strings", 17), "store the strings"));
    cr_assert(eq(str, rdbl_fmt_clip(b, sizeof b, "store the strings", 16), "store the\xe2\x80\xa6"));
}

/* One big incompressible value among the first keys, small compressible
 * values after it, two big compressible values later: with a budget that
 * samples a tenth of the small ones, the estimate (size class by size
 * class, big values sampled past the budget) is within 2% of the one that
 * samples everything. Scaled as a whole, the big value made it ~50% low. */
static void size_mix(rdbl_agg *a)
{
    static uint8_t text[65536], noise[65536];
    uint64_t s = 7;
    for (size_t i = 0; i < sizeof text; i++) {
        text[i] = (uint8_t)"the quick brown fox jumps over the lazy dog "[i % 44];
        if (gen_next(&s) % 8 == 0)
            text[i] = (uint8_t)('a' + gen_next(&s) % 26);
        noise[i] = (uint8_t)gen_next(&s);
    }
    for (int i = 0; i < 3000; i++) {
        rdbl_key_facts f;
        if (i == 5 || i == 2500 || i == 2800) {
            f = af("big", RDBL_TYPE_STRING, 5u << 20, 1);
            f.value_bytes = 4u << 20;
            f.sample = (rdbl_str){i == 5 ? noise : text, sizeof text};
        } else {
            size_t len = 1200 + (size_t)(gen_next(&s) % 2000);
            f = af("page", RDBL_TYPE_STRING, len + 80, 1);
            f.value_bytes = len;
            f.sample = (rdbl_str){text + (gen_next(&s) % 4096), len};
        }
        add(a, &f);
    }
}

Test(advice, compress_estimate_by_size_class)
{
    rdbl_agg *all = mk_budget(64ULL << 20), *part = mk_budget(600u << 10);
    size_mix(all);
    size_mix(part);
    rdbl_advice_list la, lp;
    cr_assert(eq(int, rdbl_agg_advice(all, &la), RDBL_OK));
    cr_assert(eq(int, rdbl_agg_advice(part, &lp), RDBL_OK));
    const rdbl_advice_item *x = find(&la, "compressible-strings", 0);
    const rdbl_advice_item *y = find(&lp, "compressible-strings", 0);
    cr_assert(x != NULL && y != NULL);
    cr_assert(eq(u64, x->sampled_keys, 3000));
    cr_assert(lt(u64, y->sampled_keys, 500), "%" PRIu64, y->sampled_keys);
    double e = (double)y->saving_bytes / (double)x->saving_bytes;
    cr_assert(e > 0.98 && e < 1.02, "saving %" PRIu64 " vs %" PRIu64, y->saving_bytes,
              x->saving_bytes);
    e = (double)y->affected_bytes / (double)x->affected_bytes;
    cr_assert(e > 0.98 && e < 1.02, "affected %" PRIu64 " vs %" PRIu64, y->affected_bytes,
              x->affected_bytes);
    cr_assert(eq(u64, y->keys, x->keys));
    rdbl_advice_list_free(&la);
    rdbl_advice_list_free(&lp);
    rdbl_agg_free(all);
    rdbl_agg_free(part);
}

/* Tables (src/agg/tables.c): summary, per db/type/encoding rows that add up,
 * log2 distributions, functions and modules, merge and JSON. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gen_facts.h"

Test(tables, log2_buckets)
{
    cr_assert(eq(u32, rdbl_log2_bucket(0), 0));
    cr_assert(eq(u32, rdbl_log2_bucket(1), 1));
    cr_assert(eq(u32, rdbl_log2_bucket(2), 2));
    cr_assert(eq(u32, rdbl_log2_bucket(3), 2));
    cr_assert(eq(u32, rdbl_log2_bucket(4), 3));
    cr_assert(eq(u32, rdbl_log2_bucket(1023), 10));
    cr_assert(eq(u32, rdbl_log2_bucket(1024), 11));
    cr_assert(eq(u32, rdbl_log2_bucket(UINT64_MAX), 64));
}

static rdbl_key_facts tf(uint64_t db, rdbl_type t, rdbl_encoding e, const char *me, uint64_t mem,
                         uint64_t elems)
{
    rdbl_key_facts f;
    rdbl_key_facts_init(&f);
    f.key.ptr = (const uint8_t *)"k";
    f.key.len = 1;
    f.db = db;
    f.type = t;
    f.encoding = e;
    f.mem_encoding = me;
    f.mem_bytes = mem;
    f.rdb_bytes = mem / 4;
    f.elements = elems;
    f.largest_element = 8;
    return f;
}

Test(tables, hand_computed)
{
    rdbl_tables_agg *t;
    cr_assert(eq(int, rdbl_tables_agg_new(&t, NULL), RDBL_OK));
    rdbl_tables_agg_set_now(t, 1000);
    rdbl_key_facts f[] = {
        tf(0, RDBL_TYPE_HASH, RDBL_ENC_LISTPACK, "listpack", 100, 3),
        tf(0, RDBL_TYPE_HASH, RDBL_ENC_LISTPACK, "hashtable", 1000, 300),
        tf(3, RDBL_TYPE_HASH, RDBL_ENC_HASHTABLE, "hashtable", 2000, 600),
        tf(3, RDBL_TYPE_STRING, RDBL_ENC_INT, "int", 16, 1),
        tf(0, RDBL_TYPE_SET, RDBL_ENC_INTSET, "intset", 40, 0),
        tf(1, RDBL_TYPE_MODULE, RDBL_ENC_MODULE, "module", 7, 0),
    };
    f[3].has_expire = true;
    f[3].expire_ms = 999;
    f[5].modelled = false;
    f[5].module.ptr = (const uint8_t *)"ReJSON-RL";
    f[5].module.len = 9;
    for (size_t i = 0; i < 6; i++)
        cr_assert(eq(int, rdbl_tables_agg_add(t, &f[i]), RDBL_OK));
    const rdbl_summary *s = rdbl_tables_agg_summary(t);
    cr_assert(eq(u64, s->all.keys, 6));
    cr_assert(eq(u64, s->all.mem_bytes, 3163));
    cr_assert(eq(u64, s->all.max_mem_bytes, 2000));
    cr_assert(eq(u64, s->all.max_elements, 600));
    cr_assert(eq(u64, s->expired_keys, 1));
    cr_assert(eq(u64, s->empty_keys, 1));
    cr_assert(eq(u64, s->unmodelled_keys, 1));
    const rdbl_table_row *r;
    size_t n = rdbl_tables_agg_rows(t, RDBL_TABLE_DB, &r);
    cr_assert(eq(sz, n, 3));
    cr_assert(eq(u64, r[0].db, 0));
    cr_assert(eq(u64, r[0].s.mem_bytes, 1140));
    cr_assert(eq(u64, r[1].db, 1));
    cr_assert(eq(u64, r[2].db, 3));
    cr_assert(eq(u64, r[2].s.keys_with_ttl, 1));
    n = rdbl_tables_agg_rows(t, RDBL_TABLE_ENCODING, &r);
    /* hash/hashtable, hash/listpack, set/intset, string/int, module/module */
    cr_assert(eq(sz, n, 5));
    cr_assert(eq(int, r[0].type, RDBL_TYPE_STRING));
    cr_assert(eq(int, r[1].type, RDBL_TYPE_SET));
    cr_assert(eq(int, r[2].type, RDBL_TYPE_HASH));
    cr_assert(eq(str, (char *)r[2].encoding, "hashtable"));
    cr_assert(eq(u64, r[2].s.keys, 2));
    cr_assert(eq(u64, r[2].s.mem_bytes, 3000));
    cr_assert(eq(str, (char *)r[3].encoding, "listpack"));
    n = rdbl_tables_agg_rows(t, RDBL_TABLE_RDB_ENCODING, &r);
    uint64_t lp = 0;
    for (size_t i = 0; i < n; i++)
        if (r[i].type == RDBL_TYPE_HASH && strcmp(r[i].encoding, "listpack") == 0)
            lp = r[i].s.keys;
    cr_assert(eq(u64, lp, 2));
    const rdbl_count *d = rdbl_tables_agg_dist(t, RDBL_TYPE_HASH, RDBL_DIST_ELEMENTS);
    cr_assert(eq(u64, d[rdbl_log2_bucket(3)].keys, 1));
    cr_assert(eq(u64, d[rdbl_log2_bucket(300)].keys, 1));
    cr_assert(eq(u64, d[rdbl_log2_bucket(600)].keys, 1));
    cr_assert(eq(u64, d[rdbl_log2_bucket(600)].mem_bytes, 2000));
    const rdbl_module_row *m;
    cr_assert(eq(sz, rdbl_tables_agg_modules(t, &m), 1));
    cr_assert(eq(str, (char *)m[0].name, "ReJSON-RL"));
    cr_assert(eq(u64, m[0].keys, 1));
    rdbl_str nm = {(const uint8_t *)"mylib", 5}, en = {(const uint8_t *)"LUA", 3};
    cr_assert(eq(int, rdbl_tables_agg_add_function(t, nm, en, 120), RDBL_OK));
    cr_assert(eq(int, rdbl_tables_agg_add_module_aux(t, (rdbl_str){(const uint8_t *)"ReJSON-RL", 9}, 33),
                 RDBL_OK));
    const rdbl_function_row *fr;
    cr_assert(eq(sz, rdbl_tables_agg_functions(t, &fr), 1));
    cr_assert(eq(u64, fr[0].code_bytes, 120));
    rdbl_tables_agg_modules(t, &m);
    cr_assert(eq(u64, m[0].aux_records, 1));
    cr_assert(eq(u64, m[0].aux_bytes, 33));
    rdbl_tables_agg_free(t);
}

static char *dump(const rdbl_tables_agg *t)
{
    json_t *j = json_object();
    cr_assert(eq(int, rdbl_tables_agg_to_json(t, j), RDBL_OK));
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

Test(tables, sums_merge_and_json)
{
    rdbl_tables_agg *all, *a, *b, *m;
    rdbl_tables_agg_new(&all, NULL);
    rdbl_tables_agg_new(&a, NULL);
    rdbl_tables_agg_new(&b, NULL);
    rdbl_tables_agg_new(&m, NULL);
    gen_state g;
    for (uint64_t i = 0; i < 20000; i++) {
        rdbl_key_facts f;
        gen_fact(&g, 9, i, &f);
        rdbl_tables_agg_add(all, &f);
        rdbl_tables_agg_add(i % 5 ? a : b, &f);
    }
    const rdbl_summary *s = rdbl_tables_agg_summary(all);
    for (int kind = RDBL_TABLE_DB; kind <= RDBL_TABLE_RDB_ENCODING; kind++) {
        const rdbl_table_row *r;
        size_t n = rdbl_tables_agg_rows(all, (rdbl_table_kind)kind, &r);
        uint64_t k = 0, mem = 0, el = 0;
        for (size_t i = 0; i < n; i++) {
            k += r[i].s.keys;
            mem += r[i].s.mem_bytes;
            el += r[i].s.elements;
        }
        cr_assert(eq(u64, k, s->all.keys), "kind %d", kind);
        cr_assert(eq(u64, mem, s->all.mem_bytes), "kind %d", kind);
        cr_assert(eq(u64, el, s->all.elements), "kind %d", kind);
    }
    json_t *ja = json_object(), *jb = json_object();
    rdbl_tables_agg_to_json(a, ja);
    rdbl_tables_agg_to_json(b, jb);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_tables_agg_add_json(m, ja, &err), RDBL_OK), "%s", err.msg);
    cr_assert(eq(int, rdbl_tables_agg_add_json(m, jb, &err), RDBL_OK), "%s", err.msg);
    json_decref(ja);
    json_decref(jb);
    char *s1 = dump(all), *s2 = dump(m);
    cr_assert(eq(str, s1, s2));
    cr_assert(eq(int, rdbl_tables_agg_merge(a, b), RDBL_OK));
    char *s3 = dump(a);
    cr_assert(eq(str, s1, s3));
    free(s1);
    free(s2);
    free(s3);
    rdbl_tables_agg_free(all);
    rdbl_tables_agg_free(a);
    rdbl_tables_agg_free(b);
    rdbl_tables_agg_free(m);
}

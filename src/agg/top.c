/* Top keys: the N largest keys by estimated memory, by element count, and by
 * memory within each type. Fixed-size heaps (src/agg/heap.c); ties are
 * broken by db, then key bytes, so output never depends on arrival order.
 *
 *   JSON "top_keys": {"n": N,
 *                     "by_memory":   [entry...],   rank: memory_bytes
 *                     "by_elements": [entry...],   rank: elements, then memory_bytes
 *                     "by_type": {"hash": [entry...], ...}}   rank: memory_bytes */
#include "agg/agg_internal.h"

struct rdbl_top_agg {
    rdbl__aopts opts;
    rdbl__kheap by_mem, by_elems;
    rdbl__kheap by_type[RDBL_TYPE__COUNT];
};

rdbl_status rdbl_top_agg_new(rdbl_top_agg **out, const rdbl_agg_opts *o)
{
    rdbl_top_agg *t = calloc(1, sizeof *t);
    if (!t)
        return RDBL_NOMEM;
    rdbl__aopts_norm(&t->opts, o);
    size_t n = t->opts.o.top_n;
    bool ok = rdbl__kheap_init(&t->by_mem, n) == RDBL_OK &&
              rdbl__kheap_init(&t->by_elems, n) == RDBL_OK;
    for (unsigned i = 0; ok && i < RDBL_TYPE__COUNT; i++)
        ok = rdbl__kheap_init(&t->by_type[i], n) == RDBL_OK;
    if (!ok) {
        rdbl_top_agg_free(t);
        return RDBL_NOMEM;
    }
    *out = t;
    return RDBL_OK;
}

void rdbl_top_agg_free(rdbl_top_agg *t)
{
    if (!t)
        return;
    rdbl__kheap_free(&t->by_mem);
    rdbl__kheap_free(&t->by_elems);
    for (unsigned i = 0; i < RDBL_TYPE__COUNT; i++)
        rdbl__kheap_free(&t->by_type[i]);
    free(t);
}

RDBL__AGG_OUTLINE static rdbl_status offer_all(rdbl_top_agg *t, const rdbl_key_facts *f)
{
    rdbl_status st = rdbl__kheap_offer(&t->by_mem, f, f->mem_bytes, 0, 0);
    if (st == RDBL_OK)
        st = rdbl__kheap_offer(&t->by_elems, f, f->elements, f->mem_bytes, 0);
    if (st == RDBL_OK && (unsigned)f->type < RDBL_TYPE__COUNT)
        st = rdbl__kheap_offer(&t->by_type[f->type], f, f->mem_bytes, 0, 0);
    return st;
}

rdbl_status rdbl_top_agg_add(rdbl_top_agg *t, const rdbl_key_facts *f)
{
    /* most keys get in no list: three compares */
    if (f->mem_bytes < t->by_mem.floor && f->elements < t->by_elems.floor &&
        ((unsigned)f->type >= RDBL_TYPE__COUNT || f->mem_bytes < t->by_type[f->type].floor))
        return RDBL_OK;
    return offer_all(t, f);
}

rdbl_status rdbl_top_agg_merge(rdbl_top_agg *dst, const rdbl_top_agg *src)
{
    rdbl_status st = rdbl__kheap_merge(&dst->by_mem, &src->by_mem);
    if (st == RDBL_OK)
        st = rdbl__kheap_merge(&dst->by_elems, &src->by_elems);
    for (unsigned i = 0; st == RDBL_OK && i < RDBL_TYPE__COUNT; i++)
        st = rdbl__kheap_merge(&dst->by_type[i], &src->by_type[i]);
    return st;
}

size_t rdbl_top_agg_get(const rdbl_top_agg *t, rdbl_top_list list, rdbl_type type,
                        const rdbl_key_entry **out, size_t cap)
{
    switch (list) {
    case RDBL_TOP_BY_MEMORY:
        return rdbl__kheap_sorted(&t->by_mem, out, cap);
    case RDBL_TOP_BY_ELEMENTS:
        return rdbl__kheap_sorted(&t->by_elems, out, cap);
    case RDBL_TOP_BY_TYPE:
        if ((unsigned)type < RDBL_TYPE__COUNT)
            return rdbl__kheap_sorted(&t->by_type[type], out, cap);
        break;
    }
    return 0;
}

json_t *rdbl_top_agg_to_json(const rdbl_top_agg *t)
{
    json_t *j = json_object();
    json_t *bt = json_object();
    if (!j || !bt || rdbl__jset_u(j, "n", t->opts.o.top_n) ||
        rdbl__jset(j, "by_memory", rdbl__kheap_to_json(&t->by_mem, NULL)) ||
        rdbl__jset(j, "by_elements", rdbl__kheap_to_json(&t->by_elems, NULL)) ||
        rdbl__jset(j, "by_type", bt)) {
        json_decref(j);
        return NULL;
    }
    for (unsigned i = 0; i < RDBL_TYPE__COUNT; i++) {
        if (!t->by_type[i].n)
            continue;
        if (rdbl__jset(bt, rdbl_type_name((rdbl_type)i),
                       rdbl__kheap_to_json(&t->by_type[i], NULL))) {
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

static void rescore_mem(rdbl_key_entry *e)
{
    e->score = e->mem_bytes;
    e->score2 = 0;
    e->detail = 0;
}

static void rescore_elems(rdbl_key_entry *e)
{
    e->score = e->elements;
    e->score2 = e->mem_bytes;
    e->detail = 0;
}

rdbl_status rdbl_top_agg_add_json(rdbl_top_agg *t, const json_t *j, rdbl_error *err)
{
    if (!json_is_object(j))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "top_keys", "expected an object");
    rdbl_status st;
    if ((st = rdbl__kheap_add_json(&t->by_mem, json_object_get(j, "by_memory"), rescore_mem,
                                   NULL, err)) ||
        (st = rdbl__kheap_add_json(&t->by_elems, json_object_get(j, "by_elements"),
                                   rescore_elems, NULL, err)))
        return st;
    const json_t *bt = json_object_get(j, "by_type");
    if (!bt)
        return RDBL_OK;
    if (!json_is_object(bt))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "top_keys.by_type", "expected an object");
    const char *name;
    json_t *arr;
    json_object_foreach((json_t *)(uintptr_t)bt, name, arr)
    {
        rdbl_type ty;
        if (!rdbl__type_from_name(name, &ty))
            return rdbl__fail(err, RDBL_CORRUPT, 0, "top_keys.by_type", "unknown type \"%s\"",
                              name);
        if ((st = rdbl__kheap_add_json(&t->by_type[ty], arr, rescore_mem, NULL, err)))
            return st;
    }
    return RDBL_OK;
}

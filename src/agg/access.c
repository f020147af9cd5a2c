/* Access patterns from the LRU idle times and LFU counters an RDB may carry
 * (RDB_OPCODE_IDLE / RDB_OPCODE_FREQ, written under an LRU or LFU maxmemory
 * policy).
 *
 *   idle     keys and memory by idle time: unknown, < 1 min ... >= 30 d
 *            (sums to the summary: keys without an idle time are "unknown")
 *   cold     keys idle for cold_idle_s or more (default 30 days)
 *   freq     keys and memory per LFU counter value 0-255 (logarithmic
 *            counter: 255 is "very hot", new keys start at 5)
 *   hottest  the top_n keys by LFU counter, then memory
 *   coldest  the top_n largest cold keys: idle >= cold_idle_s (LRU) or LFU
 *            counter 0 (the keys an LFU policy evicts first), by memory
 *   families the same cold keys by family: the key's first segments, ids
 *            folded ("session:*", "cache:page:*"), with their idle range;
 *            at most COLD_FAMILIES, later families go to "(other)" */
#include "agg/agg_internal.h"

#define COLD_FAMILIES 128

struct rdbl_access_agg {
    rdbl__aopts opts;
    rdbl_access_summary s;
    rdbl__kheap hottest;
    rdbl__kheap coldest;
    rdbl_cold_family *fam; /* COLD_FAMILIES + 1 ("(other)"), made at the first cold key */
    size_t nfam;
};

static const char *const idle_ids[] = {
#define RDBL__B(name, id, text, lim) id,
    RDBL_IDLE_BUCKET_LIST(RDBL__B)
#undef RDBL__B
};
static const char *const idle_labels[] = {
#define RDBL__B(name, id, text, lim) text,
    RDBL_IDLE_BUCKET_LIST(RDBL__B)
#undef RDBL__B
};
static const int64_t idle_limits[] = {
#define RDBL__B(name, id, text, lim) lim,
    RDBL_IDLE_BUCKET_LIST(RDBL__B)
#undef RDBL__B
};

const char *rdbl_idle_bucket_id(rdbl_idle_bucket b)
{
    return (unsigned)b < RDBL_IDLE__COUNT ? idle_ids[b] : "unknown";
}

const char *rdbl_idle_bucket_label(rdbl_idle_bucket b)
{
    return (unsigned)b < RDBL_IDLE__COUNT ? idle_labels[b] : "unknown";
}

static rdbl_idle_bucket idle_bucket(int64_t idle_s)
{
    if (idle_s < 0)
        return RDBL_IDLE_UNKNOWN;
    for (unsigned b = RDBL_IDLE_LT_1M; b < RDBL_IDLE_GE_30D; b++)
        if (idle_s < idle_limits[b])
            return (rdbl_idle_bucket)b;
    return RDBL_IDLE_GE_30D;
}

rdbl_status rdbl_access_agg_new(rdbl_access_agg **out, const rdbl_agg_opts *o)
{
    rdbl_access_agg *a = calloc(1, sizeof *a);
    if (!a)
        return RDBL_NOMEM;
    rdbl__aopts_norm(&a->opts, o);
    a->s.cold_idle_s = a->opts.o.cold_idle_s;
    if (rdbl__kheap_init(&a->hottest, a->opts.o.top_n) != RDBL_OK ||
        rdbl__kheap_init(&a->coldest, a->opts.o.top_n) != RDBL_OK) {
        rdbl__kheap_free(&a->hottest);
        free(a);
        return RDBL_NOMEM;
    }
    *out = a;
    return RDBL_OK;
}

void rdbl_access_agg_free(rdbl_access_agg *a)
{
    if (!a)
        return;
    rdbl__kheap_free(&a->hottest);
    rdbl__kheap_free(&a->coldest);
    free(a->fam);
    free(a);
}

static rdbl_cold_family *family_slot(rdbl_access_agg *a, const char *name)
{
    if (!a->fam && !(a->fam = calloc(COLD_FAMILIES + 1, sizeof *a->fam)))
        return NULL;
    for (size_t i = 0; i < a->nfam; i++)
        if (!strcmp(a->fam[i].name, name))
            return &a->fam[i];
    if (a->nfam >= COLD_FAMILIES && strcmp(name, "(other)") != 0)
        return family_slot(a, "(other)");
    rdbl_cold_family *f = &a->fam[a->nfam++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->idle_min_s = -1;
    f->idle_max_s = -1;
    return f;
}

static void family_add(rdbl_cold_family *f, uint64_t keys, uint64_t mem, uint64_t lfu_keys,
                       int64_t idle_min, int64_t idle_max)
{
    f->keys = rdbl__sadd(f->keys, keys);
    f->mem_bytes = rdbl__sadd(f->mem_bytes, mem);
    f->lfu_keys = rdbl__sadd(f->lfu_keys, lfu_keys);
    if (idle_min >= 0 && (f->idle_min_s < 0 || idle_min < f->idle_min_s))
        f->idle_min_s = idle_min;
    if (idle_max > f->idle_max_s)
        f->idle_max_s = idle_max;
}

static void count_add(rdbl_count *c, uint64_t keys, uint64_t mem)
{
    c->keys = rdbl__sadd(c->keys, keys);
    c->mem_bytes = rdbl__sadd(c->mem_bytes, mem);
}

/* A key with an idle time or an LFU counter. */
RDBL__AGG_OUTLINE static rdbl_status add_known(rdbl_access_agg *a, const rdbl_key_facts *f)
{
    count_add(&a->s.idle[idle_bucket(f->idle_s)], 1, f->mem_bytes);
    bool cold_lru = f->idle_s >= 0 && f->idle_s >= a->s.cold_idle_s;
    if (cold_lru)
        count_add(&a->s.cold, 1, f->mem_bytes);
    if (cold_lru || f->freq == 0) {
        rdbl_status st = rdbl__kheap_offer(&a->coldest, f, f->mem_bytes,
                                           f->idle_s < 0 ? 0 : (uint64_t)f->idle_s, 0);
        if (st != RDBL_OK)
            return st;
        char name[sizeof a->fam->name];
        rdbl__key_family(a->opts.o.delimiters, f->key, name, sizeof name);
        rdbl_cold_family *fam = family_slot(a, name);
        if (!fam)
            return RDBL_NOMEM;
        family_add(fam, 1, f->mem_bytes, cold_lru ? 0 : 1, cold_lru ? f->idle_s : -1,
                   cold_lru ? f->idle_s : -1);
    }
    if (f->freq >= 0) {
        int fr = f->freq > 255 ? 255 : f->freq;
        count_add(&a->s.freq_known, 1, f->mem_bytes);
        count_add(&a->s.freq[fr], 1, f->mem_bytes);
        return rdbl__kheap_offer(&a->hottest, f, (uint64_t)fr, f->mem_bytes, 0);
    }
    return RDBL_OK;
}

rdbl_status rdbl_access_agg_add(rdbl_access_agg *a, const rdbl_key_facts *f)
{
    if (f->idle_s < 0 && f->freq < 0) {
        /* no access data (no LRU/LFU policy when saved): the usual case */
        count_add(&a->s.idle[RDBL_IDLE_UNKNOWN], 1, f->mem_bytes);
        return RDBL_OK;
    }
    return add_known(a, f);
}

rdbl_status rdbl_access_agg_merge(rdbl_access_agg *dst, const rdbl_access_agg *src)
{
    for (unsigned b = 0; b < RDBL_IDLE__COUNT; b++)
        count_add(&dst->s.idle[b], src->s.idle[b].keys, src->s.idle[b].mem_bytes);
    count_add(&dst->s.cold, src->s.cold.keys, src->s.cold.mem_bytes);
    count_add(&dst->s.freq_known, src->s.freq_known.keys, src->s.freq_known.mem_bytes);
    for (unsigned i = 0; i < 256; i++)
        count_add(&dst->s.freq[i], src->s.freq[i].keys, src->s.freq[i].mem_bytes);
    for (size_t i = 0; i < src->nfam; i++) {
        const rdbl_cold_family *sf = &src->fam[i];
        rdbl_cold_family *df = family_slot(dst, sf->name);
        if (!df)
            return RDBL_NOMEM;
        family_add(df, sf->keys, sf->mem_bytes, sf->lfu_keys, sf->idle_min_s, sf->idle_max_s);
    }
    rdbl_status st = rdbl__kheap_merge(&dst->hottest, &src->hottest);
    return st != RDBL_OK ? st : rdbl__kheap_merge(&dst->coldest, &src->coldest);
}

static int family_cmp(const void *x, const void *y)
{
    const rdbl_cold_family *a = x, *b = y;
    if (a->mem_bytes != b->mem_bytes)
        return a->mem_bytes > b->mem_bytes ? -1 : 1;
    if (a->keys != b->keys)
        return a->keys > b->keys ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int family_name_cmp(const void *x, const void *y)
{
    return strcmp(((const rdbl_cold_family *)x)->name, ((const rdbl_cold_family *)y)->name);
}

size_t rdbl_access_agg_cold_families(const rdbl_access_agg *a, rdbl_cold_family *out, size_t cap)
{
    rdbl_cold_family all[COLD_FAMILIES + 1];
    if (a->nfam)
        memcpy(all, a->fam, a->nfam * sizeof *all);
    qsort(all, a->nfam, sizeof *all, family_cmp);
    size_t n = a->nfam < cap ? a->nfam : cap;
    memcpy(out, all, n * sizeof *out);
    return a->nfam;
}

const rdbl_access_summary *rdbl_access_agg_summary(const rdbl_access_agg *a)
{
    return &a->s;
}

size_t rdbl_access_agg_hottest(const rdbl_access_agg *a, const rdbl_key_entry **out, size_t cap)
{
    return rdbl__kheap_sorted(&a->hottest, out, cap);
}

size_t rdbl_access_agg_coldest(const rdbl_access_agg *a, const rdbl_key_entry **out, size_t cap)
{
    return rdbl__kheap_sorted(&a->coldest, out, cap);
}

json_t *rdbl_access_agg_to_json(const rdbl_access_agg *a)
{
    json_t *j = json_object();
    json_t *idle = json_array();
    json_t *freq = json_array();
    int rc = (!j || !idle || !freq) ? -1 : 0;
    if (rc) {
        json_decref(idle);
        json_decref(freq);
        json_decref(j);
        return NULL;
    }
    rc |= rdbl__jset(j, "idle_buckets", idle);
    rc |= rdbl__jset_u(j, "cold_idle_s", (uint64_t)a->s.cold_idle_s);
    rc |= rdbl__jset(j, "cold", rdbl__count_to_json(&a->s.cold));
    rc |= rdbl__jset(j, "freq_known", rdbl__count_to_json(&a->s.freq_known));
    rc |= rdbl__jset(j, "freq", freq); /* [[counter, keys, memory_bytes], ...] non-zero only */
    rc |= rdbl__jset(j, "hottest", rdbl__kheap_to_json(&a->hottest, NULL));
    rc |= rdbl__jset(j, "coldest", rdbl__kheap_to_json(&a->coldest, NULL));
    /* by name, so the JSON does not depend on the order keys arrived in */
    rdbl_cold_family sorted[COLD_FAMILIES + 1];
    if (a->nfam)
        memcpy(sorted, a->fam, a->nfam * sizeof *sorted);
    qsort(sorted, a->nfam, sizeof *sorted, family_name_cmp);
    json_t *fams = json_array();
    rc |= rdbl__jset(j, "cold_families", fams);
    for (size_t i = 0; i < a->nfam && !rc; i++) {
        const rdbl_cold_family *f = &sorted[i];
        json_t *o = json_object();
        if (!o || json_array_append_new(fams, o)) {
            rc = -1;
            break;
        }
        rc |= rdbl__jset(o, "family", json_string(f->name));
        rc |= rdbl__jset_u(o, "keys", f->keys);
        rc |= rdbl__jset_u(o, "memory_bytes", f->mem_bytes);
        rc |= rdbl__jset_u(o, "lfu_keys", f->lfu_keys);
        rc |= rdbl__jset(o, "idle_min_s", json_integer(f->idle_min_s));
        rc |= rdbl__jset(o, "idle_max_s", json_integer(f->idle_max_s));
    }
    for (unsigned b = 0; b < RDBL_IDLE__COUNT && !rc; b++) {
        json_t *o = rdbl__count_to_json(&a->s.idle[b]);
        if (!o || rdbl__jset(o, "bucket", json_string(idle_ids[b])) ||
            rdbl__jset(o, "label", json_string(idle_labels[b])) || json_array_append_new(idle, o))
            rc = -1;
    }
    for (unsigned i = 0; i < 256 && !rc; i++) {
        if (!a->s.freq[i].keys)
            continue;
        json_t *row = json_pack("[III]", (json_int_t)i, (json_int_t)a->s.freq[i].keys,
                                (json_int_t)a->s.freq[i].mem_bytes);
        if (!row || json_array_append_new(freq, row))
            rc = -1;
    }
    if (rc) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static void rescore_hot(rdbl_key_entry *e)
{
    e->score = e->freq < 0 ? 0 : (uint64_t)e->freq;
    e->score2 = e->mem_bytes;
    e->detail = 0;
}

static void rescore_cold(rdbl_key_entry *e)
{
    e->score = e->mem_bytes;
    e->score2 = e->idle_s < 0 ? 0 : (uint64_t)e->idle_s;
    e->detail = 0;
}

rdbl_status rdbl_access_agg_add_json(rdbl_access_agg *a, const json_t *j, rdbl_error *err)
{
    if (!json_is_object(j))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "access", "expected an object");
    rdbl_status st;
    const json_t *idle = json_object_get(j, "idle_buckets");
    if (idle && !json_is_array(idle))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "access.idle_buckets", "expected an array");
    for (size_t i = 0; i < json_array_size(idle); i++) {
        const json_t *o = json_array_get(idle, i);
        char id[32];
        rdbl_count c;
        if ((st = rdbl__jget_str(o, "bucket", id, sizeof id, err)) ||
            (st = rdbl__count_from_json(o, &c, "access.idle_buckets", err)))
            return st;
        unsigned k = 0;
        while (k < RDBL_IDLE__COUNT && strcmp(idle_ids[k], id) != 0)
            k++;
        if (k == RDBL_IDLE__COUNT)
            return rdbl__fail(err, RDBL_CORRUPT, 0, "access.idle_buckets",
                              "unknown bucket \"%s\"", id);
        count_add(&a->s.idle[k], c.keys, c.mem_bytes);
    }
    rdbl_count c;
    if (json_object_get(j, "cold")) {
        if ((st = rdbl__count_from_json(json_object_get(j, "cold"), &c, "access.cold", err)))
            return st;
        count_add(&a->s.cold, c.keys, c.mem_bytes);
    }
    if (json_object_get(j, "freq_known")) {
        if ((st = rdbl__count_from_json(json_object_get(j, "freq_known"), &c, "access.freq_known",
                                        err)))
            return st;
        count_add(&a->s.freq_known, c.keys, c.mem_bytes);
    }
    const json_t *freq = json_object_get(j, "freq");
    if (freq && !json_is_array(freq))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "access.freq", "expected an array");
    for (size_t i = 0; i < json_array_size(freq); i++) {
        const json_t *row = json_array_get(freq, i);
        const json_t *x = json_array_get(row, 0), *k = json_array_get(row, 1),
                     *m = json_array_get(row, 2);
        if (!json_is_integer(x) || !json_is_integer(k) || !json_is_integer(m) ||
            json_integer_value(x) < 0 || json_integer_value(x) > 255 ||
            json_integer_value(k) < 0 || json_integer_value(m) < 0)
            return rdbl__fail(err, RDBL_CORRUPT, 0, "access.freq",
                              "expected [counter, keys, memory_bytes]");
        count_add(&a->s.freq[json_integer_value(x)], (uint64_t)json_integer_value(k),
                  (uint64_t)json_integer_value(m));
    }
    const json_t *fams = json_object_get(j, "cold_families");
    if (fams && !json_is_array(fams))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "access.cold_families", "expected an array");
    for (size_t i = 0; i < json_array_size(fams); i++) {
        const json_t *o = json_array_get(fams, i);
        char name[sizeof a->fam->name];
        rdbl_cold_family f;
        if ((st = rdbl__jget_str(o, "family", name, sizeof name, err)) ||
            (st = rdbl__jget_u64(o, "keys", &f.keys, err)) ||
            (st = rdbl__jget_u64(o, "memory_bytes", &f.mem_bytes, err)) ||
            (st = rdbl__jget_u64(o, "lfu_keys", &f.lfu_keys, err)) ||
            (st = rdbl__jget_i64(o, "idle_min_s", &f.idle_min_s, -1, err)) ||
            (st = rdbl__jget_i64(o, "idle_max_s", &f.idle_max_s, -1, err)))
            return st;
        rdbl_cold_family *df = family_slot(a, name);
        if (!df)
            return RDBL_NOMEM;
        family_add(df, f.keys, f.mem_bytes, f.lfu_keys, f.idle_min_s, f.idle_max_s);
    }
    if ((st = rdbl__kheap_add_json(&a->hottest, json_object_get(j, "hottest"), rescore_hot, NULL,
                                   err)))
        return st;
    return rdbl__kheap_add_json(&a->coldest, json_object_get(j, "coldest"), rescore_cold, NULL,
                                err);
}

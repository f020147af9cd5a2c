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
 *            counter 0 (the keys an LFU policy evicts first), by memory */
#include "agg/agg_internal.h"

struct rdbl_access_agg {
    rdbl__aopts opts;
    rdbl_access_summary s;
    rdbl__kheap hottest;
    rdbl__kheap coldest;
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
    free(a);
}

static void count_add(rdbl_count *c, uint64_t keys, uint64_t mem)
{
    c->keys = rdbl__sadd(c->keys, keys);
    c->mem_bytes = rdbl__sadd(c->mem_bytes, mem);
}

rdbl_status rdbl_access_agg_add(rdbl_access_agg *a, const rdbl_key_facts *f)
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
    }
    if (f->freq >= 0) {
        int fr = f->freq > 255 ? 255 : f->freq;
        count_add(&a->s.freq_known, 1, f->mem_bytes);
        count_add(&a->s.freq[fr], 1, f->mem_bytes);
        return rdbl__kheap_offer(&a->hottest, f, (uint64_t)fr, f->mem_bytes, 0);
    }
    return RDBL_OK;
}

rdbl_status rdbl_access_agg_merge(rdbl_access_agg *dst, const rdbl_access_agg *src)
{
    for (unsigned b = 0; b < RDBL_IDLE__COUNT; b++)
        count_add(&dst->s.idle[b], src->s.idle[b].keys, src->s.idle[b].mem_bytes);
    count_add(&dst->s.cold, src->s.cold.keys, src->s.cold.mem_bytes);
    count_add(&dst->s.freq_known, src->s.freq_known.keys, src->s.freq_known.mem_bytes);
    for (unsigned i = 0; i < 256; i++)
        count_add(&dst->s.freq[i], src->s.freq[i].keys, src->s.freq[i].mem_bytes);
    rdbl_status st = rdbl__kheap_merge(&dst->hottest, &src->hottest);
    return st != RDBL_OK ? st : rdbl__kheap_merge(&dst->coldest, &src->coldest);
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
    if ((st = rdbl__kheap_add_json(&a->hottest, json_object_get(j, "hottest"), rescore_hot, NULL,
                                   err)))
        return st;
    return rdbl__kheap_add_json(&a->coldest, json_object_get(j, "coldest"), rescore_cold, NULL,
                                err);
}

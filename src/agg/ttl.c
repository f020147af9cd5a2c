/* TTL histogram and expiry clustering.
 *
 *   buckets      keys and memory by TTL relative to the reference time (the
 *                snapshot's ctime, or --now): none, expired, < 1 min, < 10 min,
 *                < 1 h, < 6 h, < 1 d, < 7 d, < 30 d, >= 30 d. Sums to the summary.
 *   minutes      an exact map Unix minute -> (keys, memory) of future expiries,
 *                capped at expiry_minutes_cap distinct minutes; expiries in
 *                minutes first seen past the cap are counted as "untracked".
 *                The minutes with the most keys are mass-expiry candidates.
 *   hash fields  keys whose hash fields carry TTLs (Redis 7.4+), their field
 *                count, bucketed by the earliest field expiry.
 *
 * Merging adds buckets and minute counts (exact while the union of minutes
 * fits the cap). Buckets of different files are each relative to their own
 * reference time; "reference_ms" keeps the first one. */
#include <errno.h>

#include "agg/agg_internal.h"

/* The minute map: open addressing with linear probing over two parallel
 * arrays. fp[i] is a 16-bit fingerprint of the minute in slot i (never 0;
 * 0 = empty): probes read only the fingerprints (2 bytes a slot: 512 KiB at
 * the default cap, cache-resident), and a slot's minute and counts are
 * touched only when its fingerprint matches. Past the cap most keys fall in
 * untracked minutes, whose probes then never leave the fingerprints. */
typedef struct mslot {
    int64_t minute;
    uint64_t keys, mem;
} mslot;

struct rdbl_ttl_agg {
    rdbl__aopts opts;
    int64_t ref_ms;
    bool ref_set;
    rdbl_count buckets[RDBL_TTL__COUNT];
    uint16_t *fp;  /* fingerprints, 0 = empty */
    mslot *map;
    size_t mcap;   /* slots, power of two */
    size_t mcount;
    rdbl_count untracked;
    uint64_t field_keys, fields, field_mem;
    rdbl_count field_buckets[RDBL_TTL__COUNT];
};

static const char *const bucket_ids[] = {
#define RDBL__B(name, id, text, lim) id,
    RDBL_TTL_BUCKET_LIST(RDBL__B)
#undef RDBL__B
};
static const char *const bucket_labels[] = {
#define RDBL__B(name, id, text, lim) text,
    RDBL_TTL_BUCKET_LIST(RDBL__B)
#undef RDBL__B
};
static const int64_t bucket_limits[] = {
#define RDBL__B(name, id, text, lim) lim,
    RDBL_TTL_BUCKET_LIST(RDBL__B)
#undef RDBL__B
};

const char *rdbl_ttl_bucket_id(rdbl_ttl_bucket b)
{
    return (unsigned)b < RDBL_TTL__COUNT ? bucket_ids[b] : "unknown";
}

const char *rdbl_ttl_bucket_label(rdbl_ttl_bucket b)
{
    return (unsigned)b < RDBL_TTL__COUNT ? bucket_labels[b] : "unknown";
}

/* The limits ascend: past LT_1M, the bucket is one further for each limit
 * at or below ttl_ms (compares without branches). */
static inline rdbl_ttl_bucket bucket_of(int64_t ttl_ms)
{
    if (ttl_ms <= 0)
        return RDBL_TTL_EXPIRED;
    unsigned b = RDBL_TTL_LT_1M;
    for (unsigned i = RDBL_TTL_LT_1M; i < RDBL_TTL_GE_30D; i++)
        b += ttl_ms >= bucket_limits[i];
    return (rdbl_ttl_bucket)b;
}

rdbl_ttl_bucket rdbl_ttl_bucket_of(int64_t ttl_ms)
{
    return bucket_of(ttl_ms);
}

/* expire - ref without overflow (file values are untrusted). */
static int64_t diff_sat(int64_t a, int64_t b)
{
    int64_t d;
    if (__builtin_sub_overflow(a, b, &d))
        return a < b ? INT64_MIN : INT64_MAX;
    return d;
}

static inline int64_t minute_of(int64_t ms)
{
    if (ms >= 0)
        return (int64_t)((uint64_t)ms / 60000); /* cheaper than the signed division */
    int64_t m = ms / 60000;
    if (ms % 60000 < 0)
        m--;
    return m;
}

rdbl_status rdbl_ttl_agg_new(rdbl_ttl_agg **out, const rdbl_agg_opts *o)
{
    rdbl_ttl_agg *t = calloc(1, sizeof *t);
    if (!t)
        return RDBL_NOMEM;
    rdbl__aopts_norm(&t->opts, o);
    *out = t;
    return RDBL_OK;
}

void rdbl_ttl_agg_free(rdbl_ttl_agg *t)
{
    if (!t)
        return;
    free(t->fp);
    free(t->map);
    free(t);
}

void rdbl_ttl_agg_set_now(rdbl_ttl_agg *t, int64_t ref_ms)
{
    t->ref_ms = ref_ms;
    t->ref_set = true;
}

static uint64_t minute_hash(int64_t minute)
{
    return rdbl__mix64((uint64_t)minute);
}

static uint16_t fingerprint(uint64_t h)
{
    return (uint16_t)((h >> 48) | 1);
}

/* The slot holding minute, or the empty slot where it would go. */
static size_t map_find(const uint16_t *fp, const mslot *map, size_t cap, int64_t minute)
{
    uint64_t h = minute_hash(minute);
    uint16_t f = fingerprint(h);
    size_t i = (size_t)h & (cap - 1);
    while (fp[i] && (fp[i] != f || map[i].minute != minute))
        i = (i + 1) & (cap - 1);
    return i;
}

static rdbl_status map_grow(rdbl_ttl_agg *t)
{
    size_t nc = t->mcap ? t->mcap * 2 : 1024;
    uint16_t *nf = calloc(nc, sizeof *nf);
    mslot *nm = malloc(nc * sizeof *nm);
    if (!nf || !nm) {
        free(nf);
        free(nm);
        return RDBL_NOMEM;
    }
    for (size_t i = 0; i < t->mcap; i++) {
        if (!t->fp[i])
            continue;
        size_t j = map_find(nf, nm, nc, t->map[i].minute);
        nf[j] = t->fp[i];
        nm[j] = t->map[i];
    }
    free(t->fp);
    free(t->map);
    t->fp = nf;
    t->map = nm;
    t->mcap = nc;
    return RDBL_OK;
}

/* minute_add() of a minute not in the map. */
RDBL__AGG_OUTLINE static rdbl_status minute_new(rdbl_ttl_agg *t, int64_t minute, uint64_t keys,
                                                uint64_t mem)
{
    if (t->mcount >= t->opts.o.expiry_minutes_cap) {
        t->untracked.keys = rdbl__sadd(t->untracked.keys, keys);
        t->untracked.mem_bytes = rdbl__sadd(t->untracked.mem_bytes, mem);
        return RDBL_OK;
    }
    if ((t->mcount + 1) * 2 > t->mcap) {
        rdbl_status st = map_grow(t);
        if (st != RDBL_OK)
            return st;
    }
    size_t i = map_find(t->fp, t->map, t->mcap, minute);
    t->fp[i] = fingerprint(minute_hash(minute));
    t->map[i] = (mslot){minute, keys, mem};
    t->mcount++;
    return RDBL_OK;
}

static inline rdbl_status minute_add(rdbl_ttl_agg *t, int64_t minute, uint64_t keys, uint64_t mem)
{
    if (t->mcap) {
        size_t i = map_find(t->fp, t->map, t->mcap, minute);
        if (t->fp[i]) {
            mslot *s = &t->map[i];
            s->keys = rdbl__sadd(s->keys, keys);
            s->mem = rdbl__sadd(s->mem, mem);
            return RDBL_OK;
        }
    }
    return minute_new(t, minute, keys, mem);
}

void rdbl__ttl_prefetch(const rdbl_ttl_agg *t, const rdbl_key_facts *f)
{
    if (!f->has_expire || !t->mcap || f->expire_ms <= t->ref_ms)
        return;
    uint64_t h = minute_hash(minute_of(f->expire_ms));
    size_t i = (size_t)h & (t->mcap - 1);
    __builtin_prefetch(&t->fp[i]);
    __builtin_prefetch(&t->map[i]);
}

static void count_add(rdbl_count *c, uint64_t keys, uint64_t mem)
{
    c->keys = rdbl__sadd(c->keys, keys);
    c->mem_bytes = rdbl__sadd(c->mem_bytes, mem);
}

/* rdbl_ttl_agg_add() of a key with a TTL or hash fields with TTLs. */
RDBL__AGG_OUTLINE static rdbl_status add_timed(rdbl_ttl_agg *t, const rdbl_key_facts *f)
{
    if (!f->has_expire) {
        count_add(&t->buckets[RDBL_TTL_NONE], 1, f->mem_bytes);
    } else {
        int64_t ttl = diff_sat(f->expire_ms, t->ref_ms);
        count_add(&t->buckets[bucket_of(ttl)], 1, f->mem_bytes);
        if (ttl > 0) {
            rdbl_status st = minute_add(t, minute_of(f->expire_ms), 1, f->mem_bytes);
            if (st != RDBL_OK)
                return st;
        }
    }
    if (f->fields_with_ttl) {
        t->field_keys++;
        t->fields = rdbl__sadd(t->fields, f->fields_with_ttl);
        t->field_mem = rdbl__sadd(t->field_mem, f->mem_bytes);
        if (f->min_field_expire_ms >= 0) {
            int64_t ttl = diff_sat(f->min_field_expire_ms, t->ref_ms);
            count_add(&t->field_buckets[bucket_of(ttl)], 1, f->mem_bytes);
        }
    }
    return RDBL_OK;
}

rdbl_status rdbl_ttl_agg_add(rdbl_ttl_agg *t, const rdbl_key_facts *f)
{
    if (!f->has_expire && !f->fields_with_ttl) {
        count_add(&t->buckets[RDBL_TTL_NONE], 1, f->mem_bytes);
        return RDBL_OK;
    }
    return add_timed(t, f);
}

static void sort_by_minute(rdbl_ttl_minute *v, size_t n);

rdbl_status rdbl_ttl_agg_merge(rdbl_ttl_agg *dst, const rdbl_ttl_agg *src)
{
    if (!dst->ref_set && src->ref_set)
        rdbl_ttl_agg_set_now(dst, src->ref_ms);
    for (unsigned b = 0; b < RDBL_TTL__COUNT; b++) {
        count_add(&dst->buckets[b], src->buckets[b].keys, src->buckets[b].mem_bytes);
        count_add(&dst->field_buckets[b], src->field_buckets[b].keys,
                  src->field_buckets[b].mem_bytes);
    }
    count_add(&dst->untracked, src->untracked.keys, src->untracked.mem_bytes);
    dst->field_keys = rdbl__sadd(dst->field_keys, src->field_keys);
    dst->fields = rdbl__sadd(dst->fields, src->fields);
    dst->field_mem = rdbl__sadd(dst->field_mem, src->field_mem);
    /* Walk src's minutes in minute order, so which ones pass the cap does not
     * depend on hash order. */
    rdbl_ttl_minute *v = NULL;
    size_t n = 0;
    if (src->mcount) {
        v = malloc(src->mcount * sizeof *v);
        if (!v)
            return RDBL_NOMEM;
        for (size_t i = 0; i < src->mcap; i++)
            if (src->fp[i])
                v[n++] = (rdbl_ttl_minute){src->map[i].minute, src->map[i].keys, src->map[i].mem};
    }
    if (n)
        sort_by_minute(v, n);
    rdbl_status st = RDBL_OK;
    for (size_t i = 0; i < n && st == RDBL_OK; i++)
        st = minute_add(dst, v[i].minute, v[i].keys, v[i].mem_bytes);
    free(v);
    return st;
}

void rdbl_ttl_agg_summary(const rdbl_ttl_agg *t, rdbl_ttl_summary *out)
{
    memset(out, 0, sizeof *out);
    out->ref_ms = t->ref_ms;
    memcpy(out->buckets, t->buckets, sizeof out->buckets);
    out->minutes = t->mcount;
    out->minutes_cap = t->opts.o.expiry_minutes_cap;
    out->untracked = t->untracked;
    out->field_keys = t->field_keys;
    out->fields = t->fields;
    out->field_mem_bytes = t->field_mem;
    memcpy(out->field_buckets, t->field_buckets, sizeof out->field_buckets);
}

/* Most memory first (a burst of big values weighs more than as many tiny
 * rate-limit counters), then most keys, then the earlier minute. */
static int minute_by_mem(const void *a, const void *b)
{
    const rdbl_ttl_minute *x = a, *y = b;
    if (x->mem_bytes != y->mem_bytes)
        return x->mem_bytes > y->mem_bytes ? -1 : 1;
    if (x->keys != y->keys)
        return x->keys > y->keys ? -1 : 1;
    return x->minute < y->minute ? -1 : x->minute > y->minute;
}

static int minute_by_time(const void *a, const void *b)
{
    const rdbl_ttl_minute *x = a, *y = b;
    return x->minute < y->minute ? -1 : x->minute > y->minute;
}

/* Sorts v (distinct minutes) by minute: a least-significant-digit radix
 * sort of the offsets from the earliest, 11 bits a pass (a year of minutes
 * takes two). The report's JSON writes every minute in this order, after
 * the parse, so this is time nobody overlaps: qsort took ~50 ms of it on
 * bench-1g's 500 k minutes. Falls back to qsort without memory. */
static void sort_by_minute(rdbl_ttl_minute *v, size_t n)
{
    rdbl_ttl_minute *tmp = n >= 256 ? malloc(n * sizeof *tmp) : NULL;
    if (!tmp) {
        qsort(v, n, sizeof *v, minute_by_time);
        return;
    }
    int64_t lo = v[0].minute, hi = v[0].minute;
    for (size_t i = 1; i < n; i++) {
        lo = v[i].minute < lo ? v[i].minute : lo;
        hi = v[i].minute > hi ? v[i].minute : hi;
    }
    const uint64_t span = (uint64_t)hi - (uint64_t)lo;
    rdbl_ttl_minute *src = v, *dst = tmp;
    for (unsigned shift = 0; shift < 64 && (span >> shift) != 0; shift += 11) {
        size_t at[2048] = {0};
        for (size_t i = 0; i < n; i++)
            at[(((uint64_t)src[i].minute - (uint64_t)lo) >> shift) & 2047]++;
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            size_t c = at[d];
            at[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[at[(((uint64_t)src[i].minute - (uint64_t)lo) >> shift) & 2047]++] = src[i];
        rdbl_ttl_minute *x = src;
        src = dst;
        dst = x;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    free(tmp);
}

/* All minutes, in map order. Caller frees. */
static rdbl_ttl_minute *minutes_all(const rdbl_ttl_agg *t)
{
    rdbl_ttl_minute *v = malloc((t->mcount ? t->mcount : 1) * sizeof *v);
    if (!v)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < t->mcap; i++)
        if (t->fp[i])
            v[n++] = (rdbl_ttl_minute){t->map[i].minute, t->map[i].keys, t->map[i].mem};
    return v;
}

/* All minutes, sorted by minute. Caller frees. */
static rdbl_ttl_minute *minutes_by_time(const rdbl_ttl_agg *t)
{
    rdbl_ttl_minute *v = minutes_all(t);
    if (v && t->mcount)
        sort_by_minute(v, t->mcount);
    return v;
}

rdbl_count rdbl_ttl_agg_minutes_sum(const rdbl_ttl_agg *t, int64_t first, int64_t last)
{
    rdbl_count c = {0, 0};
    if (!t->mcount)
        return c;
    for (int64_t m = first; m <= last && m >= first; m++) {
        size_t i = map_find(t->fp, t->map, t->mcap, m);
        if (t->fp[i]) {
            c.keys += t->map[i].keys;
            c.mem_bytes += t->map[i].mem;
        }
    }
    return c;
}

size_t rdbl_ttl_agg_top_minutes(const rdbl_ttl_agg *t, rdbl_ttl_minute *out, size_t cap)
{
    if (!t->mcount || !cap)
        return 0;
    if (cap > 64) {
        rdbl_ttl_minute *v = minutes_all(t);
        if (!v)
            return 0;
        qsort(v, t->mcount, sizeof *v, minute_by_mem);
        size_t n = t->mcount < cap ? t->mcount : cap;
        memcpy(out, v, n * sizeof *out);
        free(v);
        return n;
    }
    /* a few (callers ask for 5 to 32): insertion into out while scanning
     * the map, no sort; a minute below the cap-th so far costs one compare */
    size_t nb = 0;
    for (size_t i = 0; i < t->mcap; i++) {
        if (!t->fp[i])
            continue;
        rdbl_ttl_minute m = {t->map[i].minute, t->map[i].keys, t->map[i].mem};
        if (nb == cap && minute_by_mem(&m, &out[cap - 1]) >= 0)
            continue;
        size_t j = nb < cap ? nb++ : cap - 1;
        while (j > 0 && minute_by_mem(&m, &out[j - 1]) < 0) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = m;
    }
    return nb;
}

static json_t *buckets_to_json(const rdbl_count *b)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (unsigned i = 0; i < RDBL_TTL__COUNT; i++) {
        json_t *o = rdbl__count_to_json(&b[i]);
        if (!o || rdbl__jset(o, "bucket", json_string(bucket_ids[i])) ||
            rdbl__jset(o, "label", json_string(bucket_labels[i])) ||
            json_array_append_new(arr, o)) {
            json_decref(o);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* "top_minutes": the 10 minutes with the most keys (earlier first on ties),
 * picked from v (any order) without sorting it. */
static json_t *top_to_json(const rdbl_ttl_minute *v, size_t n)
{
    enum { TOP = 10 };
    rdbl_ttl_minute best[TOP];
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        if (nb == TOP && minute_by_mem(&v[i], &best[TOP - 1]) >= 0)
            continue;
        size_t j = nb < TOP ? nb++ : TOP - 1;
        while (j > 0 && minute_by_mem(&v[i], &best[j - 1]) < 0) {
            best[j] = best[j - 1];
            j--;
        }
        best[j] = v[i];
    }
    json_t *top = json_array();
    if (!top)
        return NULL;
    for (size_t i = 0; i < nb; i++) {
        json_t *o = json_object();
        if (!o || rdbl__jset(o, "minute_start_ms", json_integer(best[i].minute * 60000)) ||
            rdbl__jset_u(o, "keys", best[i].keys) ||
            rdbl__jset_u(o, "memory_bytes", best[i].mem_bytes) || json_array_append_new(top, o)) {
            json_decref(o);
            json_decref(top);
            return NULL;
        }
    }
    return top;
}

static json_t *hash_fields_to_json(const rdbl_ttl_agg *t)
{
    json_t *hf = json_object();
    if (!hf)
        return NULL;
    int rc = 0;
    rc |= rdbl__jset_u(hf, "keys", t->field_keys);
    rc |= rdbl__jset_u(hf, "fields", t->fields);
    rc |= rdbl__jset_u(hf, "memory_bytes", t->field_mem);
    rc |= rdbl__jset(hf, "buckets", buckets_to_json(t->field_buckets));
    if (rc) {
        json_decref(hf);
        return NULL;
    }
    return hf;
}

/* The object, as:
 *   {"reference_ms", "buckets", "top_minutes",
 *    "expiry_minutes": {"cap", "tracked", "untracked",
 *                       "minutes": [[unix_minute, keys, memory_bytes], ...]},
 *    "hash_fields"}
 * with the minutes in time order. rdbl__ttl_agg_write() streams the same. */
json_t *rdbl_ttl_agg_to_json(const rdbl_ttl_agg *t)
{
    json_t *j = json_object();
    json_t *em = json_object();
    json_t *mins = json_array();
    rdbl_ttl_minute *v = minutes_by_time(t);
    int rc = (!j || !em || !mins || !v) ? -1 : 0;
    if (rc) {
        json_decref(em);
        json_decref(mins);
        goto out;
    }
    rc |= rdbl__jset(j, "reference_ms", json_integer(t->ref_ms));
    rc |= rdbl__jset(j, "buckets", buckets_to_json(t->buckets));
    rc |= rdbl__jset(j, "top_minutes", top_to_json(v, t->mcount));
    rc |= rdbl__jset(j, "expiry_minutes", em);
    if (rc) {
        json_decref(mins);
        goto out;
    }
    rc |= rdbl__jset_u(em, "cap", t->opts.o.expiry_minutes_cap);
    rc |= rdbl__jset_u(em, "tracked", t->mcount);
    rc |= rdbl__jset(em, "untracked", rdbl__count_to_json(&t->untracked));
    rc |= rdbl__jset(em, "minutes", mins);
    for (size_t i = 0; i < t->mcount && !rc; i++) {
        json_t *row = json_pack("[III]", (json_int_t)v[i].minute, (json_int_t)v[i].keys,
                                (json_int_t)v[i].mem_bytes);
        rc |= (!row || json_array_append_new(mins, row)) ? -1 : 0;
    }
    rc |= rdbl__jset(j, "hash_fields", hash_fields_to_json(t));
out:
    free(v);
    if (rc) {
        json_decref(j);
        return NULL;
    }
    return j;
}

void rdbl__ttl_agg_write(const rdbl_ttl_agg *t, rdbl__jw *w)
{
    rdbl_ttl_minute *v = minutes_by_time(t);
    if (!v) {
        w->err = ENOMEM;
        return;
    }
    json_t *buckets = buckets_to_json(t->buckets);
    json_t *top = top_to_json(v, t->mcount);
    json_t *untracked = rdbl__count_to_json(&t->untracked);
    json_t *hf = hash_fields_to_json(t);
    rdbl__jw_obj_begin(w);
    rdbl__jw_key(w, "reference_ms");
    rdbl__jw_i64(w, t->ref_ms);
    rdbl__jw_key(w, "buckets");
    rdbl__jw_json(w, buckets);
    rdbl__jw_key(w, "top_minutes");
    rdbl__jw_json(w, top);
    rdbl__jw_key(w, "expiry_minutes");
    rdbl__jw_obj_begin(w);
    rdbl__jw_key_u64(w, "cap", t->opts.o.expiry_minutes_cap);
    rdbl__jw_key_u64(w, "tracked", t->mcount);
    rdbl__jw_key(w, "untracked");
    rdbl__jw_json(w, untracked);
    rdbl__jw_key(w, "minutes");
    rdbl__jw_arr_begin(w);
    for (size_t i = 0; i < t->mcount && !w->err; i++) {
        /* json_pack("[III]") of values that fit a json_int_t as they are */
        rdbl__jw_arr_begin(w);
        rdbl__jw_i64(w, v[i].minute);
        rdbl__jw_i64(w, (int64_t)v[i].keys);
        rdbl__jw_i64(w, (int64_t)v[i].mem_bytes);
        rdbl__jw_arr_end(w);
    }
    rdbl__jw_arr_end(w);
    rdbl__jw_obj_end(w);
    rdbl__jw_key(w, "hash_fields");
    rdbl__jw_json(w, hf);
    rdbl__jw_obj_end(w);
    json_decref(buckets);
    json_decref(top);
    json_decref(untracked);
    json_decref(hf);
    free(v);
}

rdbl_status rdbl__ttl_json_minute(rdbl_ttl_agg *t, const json_t *row, rdbl_error *err)
{
    const json_t *a = json_array_get(row, 0), *b = json_array_get(row, 1),
                 *c = json_array_get(row, 2);
    if (!json_is_array(row) || !json_is_integer(a) || !json_is_integer(b) ||
        !json_is_integer(c) || json_integer_value(b) < 0 || json_integer_value(c) < 0)
        return rdbl__fail(err, RDBL_CORRUPT, 0, "ttl.expiry_minutes",
                          "expected [minute, keys, memory_bytes]");
    return minute_add(t, json_integer_value(a), (uint64_t)json_integer_value(b),
                      (uint64_t)json_integer_value(c));
}

static rdbl_status buckets_from_json(const json_t *arr, rdbl_count *b, rdbl_error *err)
{
    if (!arr)
        return RDBL_OK;
    if (!json_is_array(arr))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "ttl.buckets", "expected an array");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *o = json_array_get(arr, i);
        char id[32];
        rdbl_count c;
        rdbl_status st = rdbl__jget_str(o, "bucket", id, sizeof id, err);
        if (st == RDBL_OK)
            st = rdbl__count_from_json(o, &c, "ttl.buckets", err);
        if (st != RDBL_OK)
            return st;
        unsigned k = 0;
        while (k < RDBL_TTL__COUNT && strcmp(bucket_ids[k], id) != 0)
            k++;
        if (k == RDBL_TTL__COUNT)
            return rdbl__fail(err, RDBL_CORRUPT, 0, "ttl.buckets", "unknown bucket \"%s\"", id);
        count_add(&b[k], c.keys, c.mem_bytes);
    }
    return RDBL_OK;
}

rdbl_status rdbl_ttl_agg_add_json(rdbl_ttl_agg *t, const json_t *j, rdbl_error *err)
{
    if (!json_is_object(j))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "ttl", "expected an object");
    rdbl_status st;
    int64_t ref;
    if ((st = rdbl__jget_i64(j, "reference_ms", &ref, 0, err)))
        return st;
    if (!t->ref_set)
        rdbl_ttl_agg_set_now(t, ref);
    if ((st = buckets_from_json(json_object_get(j, "buckets"), t->buckets, err)))
        return st;
    const json_t *em = json_object_get(j, "expiry_minutes");
    if (em) {
        rdbl_count u;
        const json_t *uj = json_object_get(em, "untracked");
        if (uj) {
            if ((st = rdbl__count_from_json(uj, &u, "ttl.expiry_minutes.untracked", err)))
                return st;
            count_add(&t->untracked, u.keys, u.mem_bytes);
        }
        const json_t *mins = json_object_get(em, "minutes");
        if (mins && !json_is_array(mins))
            return rdbl__fail(err, RDBL_CORRUPT, 0, "ttl.expiry_minutes", "expected an array");
        for (size_t i = 0; i < json_array_size(mins); i++)
            if ((st = rdbl__ttl_json_minute(t, json_array_get(mins, i), err)))
                return st;
    }
    const json_t *hf = json_object_get(j, "hash_fields");
    if (hf) {
        uint64_t k, f, m;
        if ((st = rdbl__jget_u64(hf, "keys", &k, err)) ||
            (st = rdbl__jget_u64(hf, "fields", &f, err)) ||
            (st = rdbl__jget_u64(hf, "memory_bytes", &m, err)) ||
            (st = buckets_from_json(json_object_get(hf, "buckets"), t->field_buckets, err)))
            return st;
        t->field_keys = rdbl__sadd(t->field_keys, k);
        t->fields = rdbl__sadd(t->fields, f);
        t->field_mem = rdbl__sadd(t->field_mem, m);
    }
    return RDBL_OK;
}

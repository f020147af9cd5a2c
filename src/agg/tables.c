/* Tables: the summary, per database, per type, per type and encoding
 * (in-memory and as stored), per-type size distributions (log2 buckets),
 * function libraries and modules.
 *
 *   rows        bounded: 4096 databases, 256 (type, encoding) pairs, 1024
 *               function libraries, 256 modules; past a cap, one "(other)"
 *               row keeps the totals exact.
 *   dist        [type][elements | memory | largest element][65 log2 buckets]
 *               bucket 0 = value 0, bucket i = [2^(i-1), 2^i)
 *
 * Every table sums to the summary (per db, per type, per encoding). */
#include "agg/agg_internal.h"

#define MAX_DBS 4096
#define MAX_ENC_ROWS 256
#define MAX_FUNCS 1024
#define MAX_MODULES 256
#define OTHER_DB UINT64_MAX

typedef struct rowvec {
    rdbl_table_row *v;
    size_t n, cap;
} rowvec;

/* Encoding names are static strings (the memory model's, rdbl_encoding_name),
 * so the row of a name is cached by pointer. An entry is valid while the
 * table still has the row count it had when cached: rows are only ever
 * inserted, and an insertion moves the rows after it. */
#define ENC_CACHE_BITS 7
#define ENC_CACHE (1u << ENC_CACHE_BITS)
typedef struct enc_cache {
    const char *name;
    rdbl_type type;
    size_t rows;
    size_t row;
} enc_cache;

#define PEND_MAX 64
#define PEND_SLOTS 128
/* Keyed by the memory model's name pointer (NULL: the stored encoding's
 * name) and the stored encoding: the names are looked up at the flush. */
typedef struct pend_combo {
    uint64_t db;
    const char *mem_enc;
    rdbl_encoding enc;
    rdbl_type type;
    rdbl_table_stats s;
} pend_combo;

struct rdbl_tables_agg {
    rdbl__aopts opts;
    int64_t ref_ms;
    rdbl_summary sum;
    rowvec dbs;
    rdbl_table_row types[RDBL_TYPE__COUNT];
    rowvec enc, rdb_enc;
    rdbl_count dist[RDBL_TYPE__COUNT][RDBL_DIST__COUNT][RDBL_LOG2_BUCKETS];
    rdbl_function_row *funcs;
    size_t nfuncs;
    rdbl_module_row *mods;
    size_t nmods;
    /* lookup caches: the last db row, and (type, encoding name pointer) ->
     * row for both encoding tables */
    size_t last_db;
    enc_cache mem_cache[ENC_CACHE], rdb_cache[ENC_CACHE];
    /* Keys not yet in the rows, summed by (db, type, both encodings): a
     * batch of keys falls into a few such combinations, so each key adds
     * to one of them instead of to five rows. Flushed in the order the
     * combinations were first seen, so rows past a cap fold exactly as
     * they would key by key. */
    pend_combo pend[PEND_MAX];
    uint8_t pend_slot[PEND_SLOTS]; /* index + 1 into pend, 0 = empty */
    unsigned npend;
};

static inline unsigned log2_bucket(uint64_t v)
{
    return v ? 64u - (unsigned)__builtin_clzll(v) : 0u;
}

unsigned rdbl_log2_bucket(uint64_t v)
{
    return log2_bucket(v);
}

static uint64_t bucket_lo(unsigned b)
{
    return b == 0 ? 0 : (uint64_t)1 << (b - 1);
}

rdbl_status rdbl_tables_agg_new(rdbl_tables_agg **out, const rdbl_agg_opts *o)
{
    rdbl_tables_agg *t = calloc(1, sizeof *t);
    if (!t)
        return RDBL_NOMEM;
    rdbl__aopts_norm(&t->opts, o);
    for (unsigned i = 0; i < RDBL_TYPE__COUNT; i++)
        t->types[i].type = (rdbl_type)i;
    *out = t;
    return RDBL_OK;
}

void rdbl_tables_agg_free(rdbl_tables_agg *t)
{
    if (!t)
        return;
    free(t->dbs.v);
    free(t->enc.v);
    free(t->rdb_enc.v);
    free(t->funcs);
    free(t->mods);
    free(t);
}

void rdbl_tables_agg_set_now(rdbl_tables_agg *t, int64_t ref_ms)
{
    t->ref_ms = ref_ms;
}

static void stats_add(rdbl_table_stats *d, const rdbl_table_stats *s)
{
    d->keys = rdbl__sadd(d->keys, s->keys);
    d->mem_bytes = rdbl__sadd(d->mem_bytes, s->mem_bytes);
    d->rdb_bytes = rdbl__sadd(d->rdb_bytes, s->rdb_bytes);
    d->elements = rdbl__sadd(d->elements, s->elements);
    d->value_bytes = rdbl__sadd(d->value_bytes, s->value_bytes);
    d->keys_with_ttl = rdbl__sadd(d->keys_with_ttl, s->keys_with_ttl);
    if (s->max_mem_bytes > d->max_mem_bytes)
        d->max_mem_bytes = s->max_mem_bytes;
    if (s->max_elements > d->max_elements)
        d->max_elements = s->max_elements;
    if (s->max_largest_element > d->max_largest_element)
        d->max_largest_element = s->max_largest_element;
}

static rdbl_status rowvec_insert(rowvec *rv, size_t at, const rdbl_table_row *r)
{
    if (rv->n == rv->cap) {
        size_t nc = rv->cap ? rv->cap * 2 : 16;
        rdbl_table_row *nv = realloc(rv->v, nc * sizeof *nv);
        if (!nv)
            return RDBL_NOMEM;
        rv->v = nv;
        rv->cap = nc;
    }
    memmove(rv->v + at + 1, rv->v + at, (rv->n - at) * sizeof *rv->v);
    rv->v[at] = *r;
    rv->n++;
    return RDBL_OK;
}

/* The row of db (created in db order; past MAX_DBS the "(other)" row). */
static rdbl_table_row *db_row(rdbl_tables_agg *t, uint64_t db)
{
    if (t->last_db < t->dbs.n && t->dbs.v[t->last_db].db == db)
        return &t->dbs.v[t->last_db];
    size_t lo = 0, hi = t->dbs.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->dbs.v[mid].db < db)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->dbs.n && t->dbs.v[lo].db == db) {
        t->last_db = lo;
        return &t->dbs.v[lo];
    }
    if (t->dbs.n >= MAX_DBS && db != OTHER_DB)
        return db_row(t, OTHER_DB);
    rdbl_table_row r;
    memset(&r, 0, sizeof r);
    r.db = db;
    if (db == OTHER_DB)
        snprintf(r.encoding, sizeof r.encoding, "(other)");
    if (rowvec_insert(&t->dbs, lo, &r) != RDBL_OK)
        return NULL;
    t->last_db = lo;
    return &t->dbs.v[lo];
}

static int enc_cmp(rdbl_type ta, const char *na, rdbl_type tb, const char *nb)
{
    if (ta != tb)
        return ta < tb ? -1 : 1;
    return strcmp(na, nb);
}

static rdbl_table_row *enc_row_idx(rowvec *rv, rdbl_type type, const char *name, size_t *idx)
{
    size_t lo = 0, hi = rv->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (enc_cmp(rv->v[mid].type, rv->v[mid].encoding, type, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < rv->n && enc_cmp(rv->v[lo].type, rv->v[lo].encoding, type, name) == 0) {
        *idx = lo;
        return &rv->v[lo];
    }
    if (rv->n >= MAX_ENC_ROWS && strcmp(name, "(other)") != 0)
        return enc_row_idx(rv, type, "(other)", idx);
    rdbl_table_row r;
    memset(&r, 0, sizeof r);
    r.type = type;
    snprintf(r.encoding, sizeof r.encoding, "%s", name);
    /* a name longer than the field is cut: search again under the cut name */
    if (strcmp(r.encoding, name) != 0)
        return enc_row_idx(rv, type, r.encoding, idx);
    if (rowvec_insert(rv, lo, &r) != RDBL_OK)
        return NULL;
    *idx = lo;
    return &rv->v[lo];
}

static rdbl_table_row *enc_row(rowvec *rv, rdbl_type type, const char *name)
{
    size_t idx;
    return enc_row_idx(rv, type, name, &idx);
}

static rdbl_table_row *enc_row_cached(rowvec *rv, enc_cache *c, rdbl_type type,
                                      const char *name)
{
    /* multiplicative hash: the names of one table must not share a slot,
     * or alternating types evict each other and every key binary-searches */
    uint64_t h = ((uint64_t)(uintptr_t)name ^ (uint64_t)type) * 0x9E3779B97F4A7C15ull;
    enc_cache *e = &c[h >> (64 - ENC_CACHE_BITS)];
    if (e->name == name && e->type == type && e->rows == rv->n)
        return &rv->v[e->row];
    size_t idx;
    rdbl_table_row *r = enc_row_idx(rv, type, name, &idx);
    if (r)
        *e = (enc_cache){name, type, rv->n, idx};
    return r;
}

RDBL__AGG_OUTLINE static rdbl_status module_key(rdbl_tables_agg *t, const rdbl_key_facts *f);

static rdbl_status flush_one(rdbl_tables_agg *t, const pend_combo *c)
{
    stats_add(&t->sum.all, &c->s);
    rdbl_table_row *r = db_row(t, c->db);
    if (!r)
        return RDBL_NOMEM;
    stats_add(&r->s, &c->s);
    stats_add(&t->types[c->type].s, &c->s);
    const char *rdb_enc = rdbl_encoding_name(c->enc);
    r = enc_row_cached(&t->enc, t->mem_cache, c->type, c->mem_enc ? c->mem_enc : rdb_enc);
    if (!r)
        return RDBL_NOMEM;
    stats_add(&r->s, &c->s);
    r = enc_row_cached(&t->rdb_enc, t->rdb_cache, c->type, rdb_enc);
    if (!r)
        return RDBL_NOMEM;
    stats_add(&r->s, &c->s);
    return RDBL_OK;
}

/* Adds the pending combinations to their rows and the summary. They are
 * gone afterwards, also on failure (out of memory for a row: the aggregate
 * is incomplete then, as after any failed add, but never counts twice). */
rdbl_status rdbl__tables_agg_flush(rdbl_tables_agg *t)
{
    rdbl_status st = RDBL_OK;
    for (unsigned i = 0; i < t->npend && st == RDBL_OK; i++)
        st = flush_one(t, &t->pend[i]);
    t->npend = 0;
    memset(t->pend_slot, 0, sizeof t->pend_slot);
    return st;
}

static pend_combo *pend_of(rdbl_tables_agg *t, const rdbl_key_facts *f, rdbl_type ty);

/* pend_of() of a combination not pending: a new one at slot, after a
 * flush when the set is full. */
RDBL__AGG_OUTLINE static pend_combo *pend_new(rdbl_tables_agg *t, const rdbl_key_facts *f,
                                              rdbl_type ty, unsigned slot)
{
    if (t->npend == PEND_MAX) {
        if (rdbl__tables_agg_flush(t) != RDBL_OK)
            return NULL;
        return pend_of(t, f, ty);
    }
    pend_combo *c = &t->pend[t->npend++];
    memset(c, 0, sizeof *c);
    c->db = f->db;
    c->mem_enc = f->mem_encoding;
    c->enc = f->encoding;
    c->type = ty;
    t->pend_slot[slot] = (uint8_t)t->npend;
    return c;
}

/* The pending combination of f (ty: its type, clamped), made if new.
 * NULL when out of memory for a row at the flush a full set forces. */
static pend_combo *pend_of(rdbl_tables_agg *t, const rdbl_key_facts *f, rdbl_type ty)
{
    const uint64_t db = f->db;
    const char *mem_enc = f->mem_encoding;
    const rdbl_encoding enc = f->encoding;
    uint64_t h = (db * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)(uintptr_t)mem_enc >> 3) ^
                 ((uint64_t)(unsigned)enc << 7) ^ ((uint64_t)ty << 20);
    h *= 0xbf58476d1ce4e5b9ull;
    unsigned slot = (unsigned)(h >> 57); /* 7 bits: PEND_SLOTS */
    for (;;) {
        unsigned at = t->pend_slot[slot];
        if (at == 0)
            return pend_new(t, f, ty, slot);
        pend_combo *c = &t->pend[at - 1];
        if (c->db == db && c->mem_enc == mem_enc && c->enc == enc && c->type == ty)
            return c;
        slot = (slot + 1) % PEND_SLOTS;
    }
}

static inline void dist_add(rdbl_count *d, uint64_t v, uint64_t mem)
{
    rdbl_count *c = &d[log2_bucket(v)];
    c->keys++;
    c->mem_bytes = rdbl__sadd(c->mem_bytes, mem);
}

rdbl_status rdbl__tables_agg_add_deferred(rdbl_tables_agg *t, const rdbl_key_facts *f)
{
    rdbl_type ty = (unsigned)f->type < RDBL_TYPE__COUNT ? f->type : RDBL_TYPE_MODULE;
    const uint64_t mem = f->mem_bytes;

    if (f->has_expire && f->expire_ms <= t->ref_ms)
        t->sum.expired_keys++;
    if (f->elements == 0 && ty != RDBL_TYPE_STRING && ty != RDBL_TYPE_STREAM &&
        ty != RDBL_TYPE_MODULE)
        t->sum.empty_keys++;
    if (!f->modelled) {
        t->sum.unmodelled_keys++;
        t->sum.unmodelled_mem_bytes = rdbl__sadd(t->sum.unmodelled_mem_bytes, mem);
    }
    if (f->fields_with_ttl)
        t->sum.hash_fields_with_ttl = rdbl__sadd(t->sum.hash_fields_with_ttl, f->fields_with_ttl);

    pend_combo *c = pend_of(t, f, ty);
    if (!c)
        return RDBL_NOMEM;
    /* stats_add() of this key's figures, in line */
    rdbl_table_stats *d = &c->s;
    d->keys++;
    d->mem_bytes = rdbl__sadd(d->mem_bytes, mem);
    d->rdb_bytes = rdbl__sadd(d->rdb_bytes, f->rdb_bytes);
    d->elements = rdbl__sadd(d->elements, f->elements);
    d->value_bytes = rdbl__sadd(d->value_bytes, f->value_bytes);
    d->keys_with_ttl += f->has_expire;
    d->max_mem_bytes = mem > d->max_mem_bytes ? mem : d->max_mem_bytes;
    d->max_elements = f->elements > d->max_elements ? f->elements : d->max_elements;
    d->max_largest_element = f->largest_element > d->max_largest_element
                                 ? f->largest_element
                                 : d->max_largest_element;

    dist_add(t->dist[ty][RDBL_DIST_ELEMENTS], f->elements, mem);
    dist_add(t->dist[ty][RDBL_DIST_MEMORY], mem, mem);
    dist_add(t->dist[ty][RDBL_DIST_LARGEST], f->largest_element, mem);
    if (f->module.len || ty == RDBL_TYPE_MODULE)
        return module_key(t, f);
    return RDBL_OK;
}

rdbl_status rdbl_tables_agg_add(rdbl_tables_agg *t, const rdbl_key_facts *f)
{
    rdbl_status st = rdbl__tables_agg_add_deferred(t, f);
    rdbl_status fst = rdbl__tables_agg_flush(t);
    return st != RDBL_OK ? st : fst;
}

static rdbl_status func_add(rdbl_tables_agg *t, const char *name, const char *engine,
                            uint64_t code_bytes, uint64_t count)
{
    for (size_t i = 0; i < t->nfuncs; i++) {
        if (strcmp(t->funcs[i].name, name) == 0 && strcmp(t->funcs[i].engine, engine) == 0) {
            if (code_bytes > t->funcs[i].code_bytes)
                t->funcs[i].code_bytes = code_bytes;
            t->funcs[i].count = rdbl__sadd(t->funcs[i].count, count);
            return RDBL_OK;
        }
    }
    if (t->nfuncs >= MAX_FUNCS)
        return RDBL_OK; /* a report lists libraries, it does not need thousands */
    if (!t->funcs) {
        t->funcs = calloc(MAX_FUNCS, sizeof *t->funcs);
        if (!t->funcs)
            return RDBL_NOMEM;
    }
    /* keep the list sorted by name, then engine */
    size_t at = 0;
    while (at < t->nfuncs) {
        int c = strcmp(t->funcs[at].name, name);
        if (c > 0 || (c == 0 && strcmp(t->funcs[at].engine, engine) > 0))
            break;
        at++;
    }
    memmove(t->funcs + at + 1, t->funcs + at, (t->nfuncs - at) * sizeof *t->funcs);
    rdbl_function_row *r = &t->funcs[at];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->engine, sizeof r->engine, "%s", engine);
    r->code_bytes = code_bytes;
    r->count = count;
    t->nfuncs++;
    return RDBL_OK;
}

rdbl_status rdbl_tables_agg_add_function(rdbl_tables_agg *t, rdbl_str name, rdbl_str engine,
                                         uint64_t code_bytes)
{
    char n[128], e[32];
    rdbl_escape_bytes(n, sizeof n, name.ptr, name.len);
    rdbl_escape_bytes(e, sizeof e, engine.ptr, engine.len);
    return func_add(t, n, e, code_bytes, 1);
}

static rdbl_module_row *module_row(rdbl_tables_agg *t, const char *name)
{
    size_t at = 0;
    while (at < t->nmods) {
        int c = strcmp(t->mods[at].name, name);
        if (c == 0)
            return &t->mods[at];
        if (c > 0)
            break;
        at++;
    }
    if (t->nmods >= MAX_MODULES && strcmp(name, "(other)") != 0)
        return module_row(t, "(other)");
    if (t->nmods > MAX_MODULES)
        return NULL; /* NEVER: "(other)" exists once the cap is reached */
    if (!t->mods) {
        t->mods = calloc(MAX_MODULES + 1, sizeof *t->mods);
        if (!t->mods)
            return NULL;
    }
    memmove(t->mods + at + 1, t->mods + at, (t->nmods - at) * sizeof *t->mods);
    memset(&t->mods[at], 0, sizeof t->mods[at]);
    snprintf(t->mods[at].name, sizeof t->mods[at].name, "%s", name);
    t->nmods++;
    return &t->mods[at];
}

rdbl_status rdbl_tables_agg_add_module_aux(rdbl_tables_agg *t, rdbl_str module,
                                           uint64_t payload_bytes)
{
    char n[16];
    rdbl_escape_bytes(n, sizeof n, module.ptr, module.len);
    rdbl_module_row *m = module_row(t, n);
    if (!m)
        return RDBL_NOMEM;
    m->aux_records++;
    m->aux_bytes = rdbl__sadd(m->aux_bytes, payload_bytes);
    return RDBL_OK;
}

/* Module values are counted in the module table as they are added. */
RDBL__AGG_OUTLINE static rdbl_status module_key(rdbl_tables_agg *t, const rdbl_key_facts *f)
{
    char n[16];
    rdbl_escape_bytes(n, sizeof n, f->module.ptr, f->module.len);
    rdbl_module_row *m = module_row(t, n[0] ? n : rdbl_type_name(f->type));
    if (!m)
        return RDBL_NOMEM;
    m->keys++;
    m->mem_bytes = rdbl__sadd(m->mem_bytes, f->mem_bytes);
    m->rdb_bytes = rdbl__sadd(m->rdb_bytes, f->rdb_bytes);
    return RDBL_OK;
}


rdbl_status rdbl_tables_agg_merge(rdbl_tables_agg *dst, const rdbl_tables_agg *src)
{
    stats_add(&dst->sum.all, &src->sum.all);
    dst->sum.expired_keys = rdbl__sadd(dst->sum.expired_keys, src->sum.expired_keys);
    dst->sum.empty_keys = rdbl__sadd(dst->sum.empty_keys, src->sum.empty_keys);
    dst->sum.unmodelled_keys = rdbl__sadd(dst->sum.unmodelled_keys, src->sum.unmodelled_keys);
    dst->sum.unmodelled_mem_bytes =
        rdbl__sadd(dst->sum.unmodelled_mem_bytes, src->sum.unmodelled_mem_bytes);
    dst->sum.hash_fields_with_ttl =
        rdbl__sadd(dst->sum.hash_fields_with_ttl, src->sum.hash_fields_with_ttl);
    for (size_t i = 0; i < src->dbs.n; i++) {
        rdbl_table_row *r = db_row(dst, src->dbs.v[i].db);
        if (!r)
            return RDBL_NOMEM;
        stats_add(&r->s, &src->dbs.v[i].s);
    }
    for (unsigned i = 0; i < RDBL_TYPE__COUNT; i++)
        stats_add(&dst->types[i].s, &src->types[i].s);
    memset(dst->mem_cache, 0, sizeof dst->mem_cache);
    memset(dst->rdb_cache, 0, sizeof dst->rdb_cache);
    for (size_t i = 0; i < src->enc.n; i++) {
        rdbl_table_row *r = enc_row(&dst->enc, src->enc.v[i].type, src->enc.v[i].encoding);
        if (!r)
            return RDBL_NOMEM;
        stats_add(&r->s, &src->enc.v[i].s);
    }
    for (size_t i = 0; i < src->rdb_enc.n; i++) {
        rdbl_table_row *r =
            enc_row(&dst->rdb_enc, src->rdb_enc.v[i].type, src->rdb_enc.v[i].encoding);
        if (!r)
            return RDBL_NOMEM;
        stats_add(&r->s, &src->rdb_enc.v[i].s);
    }
    for (unsigned ty = 0; ty < RDBL_TYPE__COUNT; ty++)
        for (unsigned k = 0; k < RDBL_DIST__COUNT; k++)
            for (unsigned b = 0; b < RDBL_LOG2_BUCKETS; b++) {
                rdbl_count *d = &dst->dist[ty][k][b];
                const rdbl_count *s = &src->dist[ty][k][b];
                d->keys = rdbl__sadd(d->keys, s->keys);
                d->mem_bytes = rdbl__sadd(d->mem_bytes, s->mem_bytes);
            }
    for (size_t i = 0; i < src->nfuncs; i++) {
        const rdbl_function_row *f = &src->funcs[i];
        rdbl_status st = func_add(dst, f->name, f->engine, f->code_bytes, f->count);
        if (st != RDBL_OK)
            return st;
    }
    for (size_t i = 0; i < src->nmods; i++) {
        const rdbl_module_row *s = &src->mods[i];
        rdbl_module_row *m = module_row(dst, s->name);
        if (!m)
            return RDBL_NOMEM;
        m->keys = rdbl__sadd(m->keys, s->keys);
        m->mem_bytes = rdbl__sadd(m->mem_bytes, s->mem_bytes);
        m->rdb_bytes = rdbl__sadd(m->rdb_bytes, s->rdb_bytes);
        m->aux_records = rdbl__sadd(m->aux_records, s->aux_records);
        m->aux_bytes = rdbl__sadd(m->aux_bytes, s->aux_bytes);
    }
    return RDBL_OK;
}

const rdbl_summary *rdbl_tables_agg_summary(const rdbl_tables_agg *t)
{
    return &t->sum;
}

size_t rdbl_tables_agg_rows(const rdbl_tables_agg *t, rdbl_table_kind kind,
                            const rdbl_table_row **rows)
{
    switch (kind) {
    case RDBL_TABLE_DB:
        *rows = t->dbs.v;
        return t->dbs.n;
    case RDBL_TABLE_TYPE:
        *rows = t->types;
        return RDBL_TYPE__COUNT;
    case RDBL_TABLE_ENCODING:
        *rows = t->enc.v;
        return t->enc.n;
    case RDBL_TABLE_RDB_ENCODING:
        *rows = t->rdb_enc.v;
        return t->rdb_enc.n;
    }
    *rows = NULL;
    return 0;
}

const rdbl_count *rdbl_tables_agg_dist(const rdbl_tables_agg *t, rdbl_type type,
                                       rdbl_dist_kind kind)
{
    if ((unsigned)type >= RDBL_TYPE__COUNT || (unsigned)kind >= RDBL_DIST__COUNT)
        return t->dist[0][0];
    return t->dist[type][kind];
}

size_t rdbl_tables_agg_functions(const rdbl_tables_agg *t, const rdbl_function_row **rows)
{
    *rows = t->funcs;
    return t->nfuncs;
}

size_t rdbl_tables_agg_modules(const rdbl_tables_agg *t, const rdbl_module_row **rows)
{
    *rows = t->mods;
    return t->nmods;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static int stats_to_json(json_t *o, const rdbl_table_stats *s)
{
    int rc = 0;
    rc |= rdbl__jset_u(o, "keys", s->keys);
    rc |= rdbl__jset_u(o, "memory_bytes", s->mem_bytes);
    rc |= rdbl__jset_u(o, "rdb_bytes", s->rdb_bytes);
    rc |= rdbl__jset_u(o, "elements", s->elements);
    rc |= rdbl__jset_u(o, "value_bytes", s->value_bytes);
    rc |= rdbl__jset_u(o, "keys_with_ttl", s->keys_with_ttl);
    rc |= rdbl__jset_u(o, "avg_memory_bytes", s->keys ? s->mem_bytes / s->keys : 0);
    rc |= rdbl__jset_u(o, "avg_elements", s->keys ? s->elements / s->keys : 0);
    rc |= rdbl__jset_u(o, "max_memory_bytes", s->max_mem_bytes);
    rc |= rdbl__jset_u(o, "max_elements", s->max_elements);
    rc |= rdbl__jset_u(o, "max_largest_element_bytes", s->max_largest_element);
    return rc;
}

static rdbl_status stats_from_json(const json_t *o, rdbl_table_stats *s, rdbl_error *err)
{
    rdbl_status st;
    memset(s, 0, sizeof *s);
    if (!json_is_object(o))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "table row", "expected an object");
    if ((st = rdbl__jget_u64(o, "keys", &s->keys, err)) ||
        (st = rdbl__jget_u64(o, "memory_bytes", &s->mem_bytes, err)) ||
        (st = rdbl__jget_u64(o, "rdb_bytes", &s->rdb_bytes, err)) ||
        (st = rdbl__jget_u64(o, "elements", &s->elements, err)) ||
        (st = rdbl__jget_u64(o, "value_bytes", &s->value_bytes, err)) ||
        (st = rdbl__jget_u64(o, "keys_with_ttl", &s->keys_with_ttl, err)) ||
        (st = rdbl__jget_u64(o, "max_memory_bytes", &s->max_mem_bytes, err)) ||
        (st = rdbl__jget_u64(o, "max_elements", &s->max_elements, err)) ||
        (st = rdbl__jget_u64(o, "max_largest_element_bytes", &s->max_largest_element, err)))
        return st;
    return RDBL_OK;
}

static json_t *enc_rows_json(const rowvec *rv, rdbl_type ty)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < rv->n; i++) {
        if (rv->v[i].type != ty)
            continue;
        json_t *o = json_object();
        if (!o || rdbl__jset(o, "encoding", json_string(rv->v[i].encoding)) ||
            stats_to_json(o, &rv->v[i].s) || json_array_append_new(arr, o)) {
            json_decref(o);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *dist_json(const rdbl_count *d)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (unsigned b = 0; b < RDBL_LOG2_BUCKETS; b++) {
        if (!d[b].keys)
            continue;
        /* [lower bound of the bucket, keys, memory_bytes] */
        json_t *row = json_pack("[III]", (json_int_t)(b == 64 ? (uint64_t)INT64_MAX : bucket_lo(b)),
                                (json_int_t)d[b].keys, (json_int_t)d[b].mem_bytes);
        if (!row || json_array_append_new(arr, row)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static const char *const dist_names[RDBL_DIST__COUNT] = {"elements", "memory_bytes",
                                                         "largest_element_bytes"};

rdbl_status rdbl_tables_agg_to_json(const rdbl_tables_agg *t, json_t *obj)
{
    json_t *sum = json_object();
    json_t *dbs = json_array();
    json_t *types = json_array();
    json_t *dist = json_object();
    json_t *funcs = json_array();
    json_t *mods = json_array();
    if (!sum || !dbs || !types || !dist || !funcs || !mods) {
        json_decref(sum);
        json_decref(dbs);
        json_decref(types);
        json_decref(dist);
        json_decref(funcs);
        json_decref(mods);
        return RDBL_NOMEM;
    }
    int rc = 0;
    rc |= rdbl__jset(obj, "summary", sum);
    rc |= rdbl__jset(obj, "databases", dbs);
    rc |= rdbl__jset(obj, "types", types);
    rc |= rdbl__jset(obj, "distributions", dist);
    rc |= rdbl__jset(obj, "functions", funcs);
    rc |= rdbl__jset(obj, "modules", mods);
    if (rc)
        return RDBL_NOMEM;

    const rdbl_summary *s = &t->sum;
    rc |= rdbl__jset_u(sum, "keys", s->all.keys);
    rc |= rdbl__jset_u(sum, "memory_bytes", s->all.mem_bytes);
    rc |= rdbl__jset(sum, "memory_note",
                     json_string("sum of per-key MEMORY USAGE estimates; typically 7-30% above "
                                 "INFO used_memory_dataset"));
    rc |= rdbl__jset_u(sum, "rdb_bytes", s->all.rdb_bytes);
    rc |= rdbl__jset_u(sum, "elements", s->all.elements);
    rc |= rdbl__jset_u(sum, "value_bytes", s->all.value_bytes);
    rc |= rdbl__jset_u(sum, "keys_with_ttl", s->all.keys_with_ttl);
    rc |= rdbl__jset_u(sum, "keys_without_ttl", s->all.keys - s->all.keys_with_ttl);
    rc |= rdbl__jset_u(sum, "expired_keys", s->expired_keys);
    rc |= rdbl__jset_u(sum, "empty_keys", s->empty_keys);
    rc |= rdbl__jset_u(sum, "unmodelled_keys", s->unmodelled_keys);
    rc |= rdbl__jset_u(sum, "unmodelled_memory_bytes", s->unmodelled_mem_bytes);
    rc |= rdbl__jset_u(sum, "hash_fields_with_ttl", s->hash_fields_with_ttl);
    rc |= rdbl__jset_u(sum, "max_memory_bytes", s->all.max_mem_bytes);
    rc |= rdbl__jset_u(sum, "max_elements", s->all.max_elements);
    rc |= rdbl__jset_u(sum, "max_largest_element_bytes", s->all.max_largest_element);
    rc |= rdbl__jset_u(sum, "databases", t->dbs.n);

    for (size_t i = 0; i < t->dbs.n && !rc; i++) {
        json_t *o = json_object();
        if (!o || json_array_append_new(dbs, o)) {
            rc = -1;
            break;
        }
        if (t->dbs.v[i].db == OTHER_DB)
            rc |= rdbl__jset(o, "other", json_true());
        else
            rc |= rdbl__jset_u(o, "db", t->dbs.v[i].db);
        rc |= stats_to_json(o, &t->dbs.v[i].s);
    }
    for (unsigned ty = 0; ty < RDBL_TYPE__COUNT && !rc; ty++) {
        if (!t->types[ty].s.keys)
            continue;
        json_t *o = json_object();
        if (!o || json_array_append_new(types, o)) {
            rc = -1;
            break;
        }
        rc |= rdbl__jset(o, "type", json_string(rdbl_type_name((rdbl_type)ty)));
        rc |= stats_to_json(o, &t->types[ty].s);
        rc |= rdbl__jset(o, "encodings", enc_rows_json(&t->enc, (rdbl_type)ty));
        rc |= rdbl__jset(o, "rdb_encodings", enc_rows_json(&t->rdb_enc, (rdbl_type)ty));
        json_t *d = json_object();
        rc |= rdbl__jset(dist, rdbl_type_name((rdbl_type)ty), d);
        for (unsigned k = 0; k < RDBL_DIST__COUNT && d && !rc; k++)
            rc |= rdbl__jset(d, dist_names[k], dist_json(t->dist[ty][k]));
    }
    for (size_t i = 0; i < t->nfuncs && !rc; i++) {
        json_t *o = json_object();
        if (!o || json_array_append_new(funcs, o)) {
            rc = -1;
            break;
        }
        rc |= rdbl__jset(o, "name", json_string(t->funcs[i].name));
        rc |= rdbl__jset(o, "engine", json_string(t->funcs[i].engine));
        rc |= rdbl__jset_u(o, "code_bytes", t->funcs[i].code_bytes);
        rc |= rdbl__jset_u(o, "count", t->funcs[i].count);
    }
    for (size_t i = 0; i < t->nmods && !rc; i++) {
        json_t *o = json_object();
        if (!o || json_array_append_new(mods, o)) {
            rc = -1;
            break;
        }
        const rdbl_module_row *m = &t->mods[i];
        rc |= rdbl__jset(o, "name", json_string(m->name));
        rc |= rdbl__jset_u(o, "keys", m->keys);
        rc |= rdbl__jset_u(o, "memory_bytes", m->mem_bytes);
        rc |= rdbl__jset_u(o, "rdb_bytes", m->rdb_bytes);
        rc |= rdbl__jset_u(o, "aux_records", m->aux_records);
        rc |= rdbl__jset_u(o, "aux_bytes", m->aux_bytes);
    }
    return rc ? RDBL_NOMEM : RDBL_OK;
}

static rdbl_status enc_rows_from_json(rowvec *rv, rdbl_type ty, const json_t *arr,
                                      rdbl_error *err)
{
    if (!arr)
        return RDBL_OK;
    if (!json_is_array(arr))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "types.encodings", "expected an array");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *o = json_array_get(arr, i);
        char name[24];
        rdbl_table_stats s;
        rdbl_status st;
        if ((st = rdbl__jget_str(o, "encoding", name, sizeof name, err)) ||
            (st = stats_from_json(o, &s, err)))
            return st;
        rdbl_table_row *r = enc_row(rv, ty, name);
        if (!r)
            return RDBL_NOMEM;
        stats_add(&r->s, &s);
    }
    return RDBL_OK;
}

static rdbl_status dist_from_json(rdbl_count *d, const json_t *arr, rdbl_error *err)
{
    if (!arr)
        return RDBL_OK;
    if (!json_is_array(arr))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "distributions", "expected an array");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *row = json_array_get(arr, i);
        const json_t *a = json_array_get(row, 0), *k = json_array_get(row, 1),
                     *m = json_array_get(row, 2);
        if (!json_is_integer(a) || !json_is_integer(k) || !json_is_integer(m) ||
            json_integer_value(a) < 0 || json_integer_value(k) < 0 || json_integer_value(m) < 0)
            return rdbl__fail(err, RDBL_CORRUPT, 0, "distributions",
                              "expected [bucket, keys, memory_bytes]");
        uint64_t lo = (uint64_t)json_integer_value(a);
        unsigned b = lo == (uint64_t)INT64_MAX ? 64 : rdbl_log2_bucket(lo);
        d[b].keys = rdbl__sadd(d[b].keys, (uint64_t)json_integer_value(k));
        d[b].mem_bytes = rdbl__sadd(d[b].mem_bytes, (uint64_t)json_integer_value(m));
    }
    return RDBL_OK;
}

rdbl_status rdbl_tables_agg_add_json(rdbl_tables_agg *t, const json_t *obj, rdbl_error *err)
{
    rdbl_status st;
    const json_t *sum = json_object_get(obj, "summary");
    if (!json_is_object(sum))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "summary", "expected an object");
    rdbl_summary s;
    memset(&s, 0, sizeof s);
    if ((st = rdbl__jget_u64(sum, "keys", &s.all.keys, err)) ||
        (st = rdbl__jget_u64(sum, "memory_bytes", &s.all.mem_bytes, err)) ||
        (st = rdbl__jget_u64(sum, "rdb_bytes", &s.all.rdb_bytes, err)) ||
        (st = rdbl__jget_u64(sum, "elements", &s.all.elements, err)) ||
        (st = rdbl__jget_u64(sum, "value_bytes", &s.all.value_bytes, err)) ||
        (st = rdbl__jget_u64(sum, "keys_with_ttl", &s.all.keys_with_ttl, err)) ||
        (st = rdbl__jget_u64(sum, "expired_keys", &s.expired_keys, err)) ||
        (st = rdbl__jget_u64(sum, "empty_keys", &s.empty_keys, err)) ||
        (st = rdbl__jget_u64(sum, "unmodelled_keys", &s.unmodelled_keys, err)) ||
        (st = rdbl__jget_u64(sum, "unmodelled_memory_bytes", &s.unmodelled_mem_bytes, err)) ||
        (st = rdbl__jget_u64(sum, "hash_fields_with_ttl", &s.hash_fields_with_ttl, err)) ||
        (st = rdbl__jget_u64(sum, "max_memory_bytes", &s.all.max_mem_bytes, err)) ||
        (st = rdbl__jget_u64(sum, "max_elements", &s.all.max_elements, err)) ||
        (st = rdbl__jget_u64(sum, "max_largest_element_bytes", &s.all.max_largest_element, err)))
        return st;
    if (s.all.keys_with_ttl > s.all.keys)
        return rdbl__fail(err, RDBL_CORRUPT, 0, "summary", "keys_with_ttl > keys");
    stats_add(&t->sum.all, &s.all);
    t->sum.expired_keys = rdbl__sadd(t->sum.expired_keys, s.expired_keys);
    t->sum.empty_keys = rdbl__sadd(t->sum.empty_keys, s.empty_keys);
    t->sum.unmodelled_keys = rdbl__sadd(t->sum.unmodelled_keys, s.unmodelled_keys);
    t->sum.unmodelled_mem_bytes = rdbl__sadd(t->sum.unmodelled_mem_bytes, s.unmodelled_mem_bytes);
    t->sum.hash_fields_with_ttl = rdbl__sadd(t->sum.hash_fields_with_ttl, s.hash_fields_with_ttl);

    const json_t *dbs = json_object_get(obj, "databases");
    if (dbs && !json_is_array(dbs))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "databases", "expected an array");
    for (size_t i = 0; i < json_array_size(dbs); i++) {
        const json_t *o = json_array_get(dbs, i);
        rdbl_table_stats ds;
        uint64_t db;
        if ((st = stats_from_json(o, &ds, err)) || (st = rdbl__jget_u64(o, "db", &db, err)))
            return st;
        if (json_is_true(json_object_get(o, "other")))
            db = OTHER_DB;
        rdbl_table_row *r = db_row(t, db);
        if (!r)
            return RDBL_NOMEM;
        stats_add(&r->s, &ds);
    }
    const json_t *types = json_object_get(obj, "types");
    if (types && !json_is_array(types))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "types", "expected an array");
    memset(t->mem_cache, 0, sizeof t->mem_cache);
    memset(t->rdb_cache, 0, sizeof t->rdb_cache);
    for (size_t i = 0; i < json_array_size(types); i++) {
        const json_t *o = json_array_get(types, i);
        char name[32];
        rdbl_type ty;
        rdbl_table_stats ts;
        if ((st = rdbl__jget_str(o, "type", name, sizeof name, err)) ||
            (st = stats_from_json(o, &ts, err)))
            return st;
        if (!rdbl__type_from_name(name, &ty))
            return rdbl__fail(err, RDBL_CORRUPT, 0, "types", "unknown type \"%s\"", name);
        stats_add(&t->types[ty].s, &ts);
        if ((st = enc_rows_from_json(&t->enc, ty, json_object_get(o, "encodings"), err)) ||
            (st = enc_rows_from_json(&t->rdb_enc, ty, json_object_get(o, "rdb_encodings"), err)))
            return st;
    }
    const json_t *dist = json_object_get(obj, "distributions");
    if (dist) {
        if (!json_is_object(dist))
            return rdbl__fail(err, RDBL_CORRUPT, 0, "distributions", "expected an object");
        const char *tn;
        json_t *d;
        json_object_foreach((json_t *)(uintptr_t)dist, tn, d)
        {
            rdbl_type ty;
            if (!rdbl__type_from_name(tn, &ty))
                return rdbl__fail(err, RDBL_CORRUPT, 0, "distributions", "unknown type \"%s\"",
                                  tn);
            for (unsigned k = 0; k < RDBL_DIST__COUNT; k++)
                if ((st = dist_from_json(t->dist[ty][k], json_object_get(d, dist_names[k]), err)))
                    return st;
        }
    }
    const json_t *funcs = json_object_get(obj, "functions");
    for (size_t i = 0; i < json_array_size(funcs); i++) {
        const json_t *o = json_array_get(funcs, i);
        char name[128], engine[32];
        uint64_t bytes, count;
        if ((st = rdbl__jget_str(o, "name", name, sizeof name, err)) ||
            (st = rdbl__jget_str(o, "engine", engine, sizeof engine, err)) ||
            (st = rdbl__jget_u64(o, "code_bytes", &bytes, err)) ||
            (st = rdbl__jget_u64(o, "count", &count, err)) ||
            (st = func_add(t, name, engine, bytes, count)))
            return st;
    }
    const json_t *mods = json_object_get(obj, "modules");
    for (size_t i = 0; i < json_array_size(mods); i++) {
        const json_t *o = json_array_get(mods, i);
        char name[16];
        rdbl_module_row r;
        if ((st = rdbl__jget_str(o, "name", name, sizeof name, err)) ||
            (st = rdbl__jget_u64(o, "keys", &r.keys, err)) ||
            (st = rdbl__jget_u64(o, "memory_bytes", &r.mem_bytes, err)) ||
            (st = rdbl__jget_u64(o, "rdb_bytes", &r.rdb_bytes, err)) ||
            (st = rdbl__jget_u64(o, "aux_records", &r.aux_records, err)) ||
            (st = rdbl__jget_u64(o, "aux_bytes", &r.aux_bytes, err)))
            return st;
        rdbl_module_row *m = module_row(t, name);
        if (!m)
            return RDBL_NOMEM;
        m->keys = rdbl__sadd(m->keys, r.keys);
        m->mem_bytes = rdbl__sadd(m->mem_bytes, r.mem_bytes);
        m->rdb_bytes = rdbl__sadd(m->rdb_bytes, r.rdb_bytes);
        m->aux_records = rdbl__sadd(m->aux_records, r.aux_records);
        m->aux_bytes = rdbl__sadd(m->aux_bytes, r.aux_bytes);
    }
    return RDBL_OK;
}

/* The aggregate set: every aggregator behind one add(), plus the snapshot
 * contexts of the files it covers.
 *
 *   rdbl_agg
 *    ├─ opts, reference time (TTL buckets, expired keys)
 *    ├─ snapshots[]   one per file (merging appends)
 *    └─ prefix, top, ttl, access, tables, advice
 *
 * JSON state (rdbl_agg_to_json), in this order:
 *   files, options, reference_ms, summary, databases, types, distributions,
 *   functions, modules, prefixes, top_keys, ttl, access, advice_state */
#include "agg/agg_internal.h"

struct rdbl_agg {
    rdbl__aopts opts;
    int64_t now_ms;
    bool now_set;
    rdbl_snapshot *snaps;
    size_t nsnaps, snap_cap;
    rdbl_prefix_agg *prefix;
    rdbl_top_agg *top;
    rdbl_ttl_agg *ttl;
    rdbl_access_agg *access;
    rdbl_tables_agg *tables;
    rdbl_advice_agg *advice;
};

rdbl_status rdbl_agg_new(rdbl_agg **out, const rdbl_agg_opts *opts)
{
    rdbl_agg *a = calloc(1, sizeof *a);
    if (!a)
        return RDBL_NOMEM;
    rdbl__aopts_norm(&a->opts, opts);
    const rdbl_agg_opts *o = &a->opts.o;
    if (rdbl_prefix_agg_new(&a->prefix, o) || rdbl_top_agg_new(&a->top, o) ||
        rdbl_ttl_agg_new(&a->ttl, o) || rdbl_access_agg_new(&a->access, o) ||
        rdbl_tables_agg_new(&a->tables, o) || rdbl_advice_agg_new(&a->advice, o)) {
        rdbl_agg_free(a);
        return RDBL_NOMEM;
    }
    rdbl__prefix_set_big(a->prefix, a->top);
    *out = a;
    return RDBL_OK;
}

void rdbl_agg_free(rdbl_agg *a)
{
    if (!a)
        return;
    rdbl_prefix_agg_free(a->prefix);
    rdbl_top_agg_free(a->top);
    rdbl_ttl_agg_free(a->ttl);
    rdbl_access_agg_free(a->access);
    rdbl_tables_agg_free(a->tables);
    rdbl_advice_agg_free(a->advice);
    free(a->snaps);
    free(a);
}

void rdbl_agg_set_now(rdbl_agg *a, int64_t ref_ms)
{
    a->now_ms = ref_ms;
    a->now_set = true;
    rdbl_ttl_agg_set_now(a->ttl, ref_ms);
    rdbl_tables_agg_set_now(a->tables, ref_ms);
    rdbl_advice_agg_set_now(a->advice, ref_ms);
}

static rdbl_status add_prepared(rdbl_agg *a, const rdbl_key_facts *f,
                                const rdbl__prefix_prep *x, rdbl__sizes_fn sizes, void *ctx)
{
    rdbl_status st;
    if ((st = rdbl__prefix_add_prep(a->prefix, f, x)) || (st = rdbl_top_agg_add(a->top, f)) ||
        (st = rdbl_ttl_agg_add(a->ttl, f)) || (st = rdbl_access_agg_add(a->access, f)) ||
        (st = rdbl__tables_agg_add_deferred(a->tables, f)) ||
        (st = rdbl__advice_agg_add_sized(a->advice, f, sizes, ctx)))
        return st;
    return RDBL_OK;
}

rdbl_status rdbl_agg_add(rdbl_agg *a, const rdbl_key_facts *f)
{
    rdbl__prefix_prep x;
    rdbl__prefix_prepare(a->prefix, f, &x);
    rdbl_status st = add_prepared(a, f, &x, NULL, NULL);
    rdbl_status fst = rdbl__tables_agg_flush(a->tables);
    return st != RDBL_OK ? st : fst;
}

/* Key i is added while key i + AHEAD/2 has its nodes and minute slot
 * prefetched and key i + AHEAD is prepared and has its table slots
 * prefetched: each stage's loads had a few keys' time to arrive. */
#define AHEAD 8

rdbl_status rdbl__agg_add_batch(rdbl_agg *a, const rdbl_key_facts *f, size_t n,
                                rdbl__sizes_fn sizes, void *ctx)
{
    rdbl__prefix_prep *ring = malloc(AHEAD * sizeof *ring);
    if (!ring) {
        /* no room for the look-ahead: one by one */
        for (size_t i = 0; i < n; i++) {
            rdbl_status st = rdbl_agg_add(a, &f[i]);
            if (st != RDBL_OK)
                return st;
        }
        return RDBL_OK;
    }
    for (size_t j = 0; j < n && j < AHEAD; j++) {
        rdbl__prefix_prepare(a->prefix, &f[j], &ring[j % AHEAD]);
        rdbl__prefix_prefetch(a->prefix, &ring[j % AHEAD], false);
    }
    rdbl_status st = RDBL_OK;
    for (size_t i = 0; i < n && st == RDBL_OK; i++) {
        size_t half = i + AHEAD / 2;
        if (half < n) {
            rdbl__prefix_prefetch(a->prefix, &ring[half % AHEAD], true);
            if (f[half].has_expire)
                rdbl__ttl_prefetch(a->ttl, &f[half]);
        }
        st = add_prepared(a, &f[i], &ring[i % AHEAD], sizes, ctx);
        /* no prefetch of the facts: the consumer has just decoded them
         * (src/analysis/aggq.c), they are in this core's cache */
        size_t far = i + AHEAD;
        if (far < n) {
            rdbl__prefix_prepare(a->prefix, &f[far], &ring[far % AHEAD]);
            rdbl__prefix_prefetch(a->prefix, &ring[far % AHEAD], false);
        }
    }
    free(ring);
    rdbl_status fst = rdbl__tables_agg_flush(a->tables);
    return st != RDBL_OK ? st : fst;
}

rdbl_status rdbl_agg_add_function(rdbl_agg *a, rdbl_str name, rdbl_str engine,
                                  uint64_t code_bytes)
{
    return rdbl_tables_agg_add_function(a->tables, name, engine, code_bytes);
}

rdbl_status rdbl_agg_add_module_aux(rdbl_agg *a, rdbl_str module, uint64_t payload_bytes)
{
    return rdbl_tables_agg_add_module_aux(a->tables, module, payload_bytes);
}

rdbl_status rdbl_agg_add_snapshot(rdbl_agg *a, const rdbl_snapshot *s)
{
    if (a->nsnaps == a->snap_cap) {
        size_t nc = a->snap_cap ? a->snap_cap * 2 : 4;
        rdbl_snapshot *ns = realloc(a->snaps, nc * sizeof *ns);
        if (!ns)
            return RDBL_NOMEM;
        a->snaps = ns;
        a->snap_cap = nc;
    }
    rdbl_snapshot *d = &a->snaps[a->nsnaps++];
    *d = *s;
    /* make every string terminated, whatever the caller left in them */
    d->file[sizeof d->file - 1] = 0;
    d->magic[sizeof d->magic - 1] = 0;
    d->redis_ver[sizeof d->redis_ver - 1] = 0;
    d->target[sizeof d->target - 1] = 0;
    d->allocator[sizeof d->allocator - 1] = 0;
    d->allocator_source[sizeof d->allocator_source - 1] = 0;
    d->allocator_reason[sizeof d->allocator_reason - 1] = 0;
    d->target_warning[sizeof d->target_warning - 1] = 0;
    d->target_note[sizeof d->target_note - 1] = 0;
    d->error[sizeof d->error - 1] = 0;
    d->sha256[sizeof d->sha256 - 1] = 0;
    d->sha256_note[sizeof d->sha256_note - 1] = 0;
    if (d->ntotals > RDBL_SNAPSHOT_TOTALS)
        d->ntotals = RDBL_SNAPSHOT_TOTALS;
    for (size_t i = 0; i < d->ntotals; i++)
        d->totals[i].name[sizeof d->totals[i].name - 1] = 0;
    return RDBL_OK;
}

rdbl_status rdbl_agg_merge(rdbl_agg *dst, const rdbl_agg *src)
{
    rdbl_status st;
    if (!dst->now_set && src->now_set)
        rdbl_agg_set_now(dst, src->now_ms);
    for (size_t i = 0; i < src->nsnaps; i++)
        if ((st = rdbl_agg_add_snapshot(dst, &src->snaps[i])))
            return st;
    if ((st = rdbl_prefix_agg_merge(dst->prefix, src->prefix)) ||
        (st = rdbl_top_agg_merge(dst->top, src->top)) ||
        (rdbl__prefix_set_big(dst->prefix, dst->top), false) ||
        (st = rdbl_ttl_agg_merge(dst->ttl, src->ttl)) ||
        (st = rdbl_access_agg_merge(dst->access, src->access)) ||
        (st = rdbl_tables_agg_merge(dst->tables, src->tables)) ||
        (st = rdbl_advice_agg_merge(dst->advice, src->advice)))
        return st;
    return RDBL_OK;
}

/* ---- snapshots as JSON ---------------------------------------------------------------- */

static const char *const comp_names[] = {
#define RDBL__C(name, value, text) [value] = text,
    RDBL_COMPRESSION_LIST(RDBL__C)
#undef RDBL__C
};
#define NCOMP (sizeof comp_names / sizeof comp_names[0])

static const char *comp_name(rdbl_compression c)
{
    return (unsigned)c < NCOMP && comp_names[c] ? comp_names[c] : "none";
}


/* "salvage": {"holes", "hole_bytes", "damaged_keys", "listed": [...]}; NULL
 * when out of memory. */
static json_t *salvage_to_json(const rdbl_snapshot *s)
{
    json_t *v = json_object(), *list = json_array();
    int rc = v && list ? 0 : -1;
    rc |= rdbl__jset_u(v, "holes", s->holes);
    rc |= rdbl__jset_u(v, "hole_bytes", s->hole_bytes);
    rc |= rdbl__jset_u(v, "damaged_keys", s->damaged_keys);
    for (size_t i = 0; i < s->nholes && !rc; i++) {
        const rdbl_snapshot_hole *h = &s->hole[i];
        json_t *x = json_object();
        rc |= x ? 0 : -1;
        rc |= rdbl__jset_u(x, "start", h->start);
        rc |= rdbl__jset_u(x, "end", h->end);
        rc |= rdbl__jset_u(x, "bytes", h->end - h->start);
        rc |= rdbl__jset_u(x, "db", h->db);
        rc |= rdbl__jset(x, "last_key", json_string(h->last_key));
        rc |= rdbl__jset(x, "key_damaged", json_boolean(h->key_damaged));
        rc |= rdbl__jset(x, "to_end", json_boolean(h->to_end));
        rc |= json_array_append_new(list, x);
    }
    rc |= rdbl__jset(v, "listed", list);
    if (rc) {
        json_decref(v);
        return NULL;
    }
    return v;
}

static json_t *snapshot_to_json(const rdbl_snapshot *s)
{
    json_t *j = json_object();
    json_t *model = json_object();
    json_t *rec = json_object();
    if (!j || !model || !rec) {
        json_decref(j);
        json_decref(model);
        json_decref(rec);
        return NULL;
    }
    int rc = 0;
    rc |= rdbl__jset(j, "file", rdbl__jkey((const uint8_t *)s->file, strlen(s->file)));
    rc |= rdbl__jset_u(j, "file_bytes", s->file_size);
    rc |= rdbl__jset(j, "magic", rdbl__jkey((const uint8_t *)s->magic, strlen(s->magic)));
    rc |= rdbl__jset(j, "rdb_version", json_integer(s->rdb_version));
    rc |= rdbl__jset(j, "future_version", json_boolean(s->future_version));
    rc |= rdbl__jset(j, "compression", json_string(comp_name(s->compression)));
    rc |= rdbl__jset(j, "checksum", json_string(rdbl_checksum_status_name(s->checksum)));
    rc |= rdbl__jset(j, "ctime_s", s->ctime_source == RDBL_CTIME_NONE ? json_null()
                                                                       : json_integer(s->ctime_s));
    rc |= rdbl__jset(j, "ctime_source", json_string(rdbl_ctime_source_name(s->ctime_source)));
    rc |= rdbl__jset(j, "now_ms", s->has_now ? json_integer(s->now_ms) : json_null());
    rc |= rdbl__jset(j, "reference_ms", json_integer(rdbl_snapshot_ref_ms(s)));
    rc |= rdbl__jset(j, "redis_ver",
                     s->redis_ver[0] ? rdbl__jkey((const uint8_t *)s->redis_ver,
                                                  strlen(s->redis_ver))
                                     : json_null());
    rc |= rdbl__jset(j, "used_mem_bytes", s->has_used_mem ? rdbl__ju(s->used_mem) : json_null());
    rc |= rdbl__jset(j, "model", model);
    rc |= rdbl__jset(model, "target", json_string(s->target));
    rc |= rdbl__jset(model, "allocator", json_string(s->allocator));
    rc |= rdbl__jset(model, "allocator_source", json_string(s->allocator_source));
    rc |= rdbl__jset(model, "allocator_reason", json_string(s->allocator_reason));
    rc |= rdbl__jset(model, "approximate", json_boolean(s->target_note[0] != 0));
    json_t *warn = json_array();
    rc |= rdbl__jset(model, "warnings", warn);
    if (warn && s->target_warning[0])
        rc |= json_array_append_new(warn, json_string(s->target_warning));
    if (warn && s->target_note[0])
        rc |= json_array_append_new(warn, json_string(s->target_note));
    rc |= rdbl__jset(j, "reconciled", rec);
    for (size_t i = 0; i < s->ntotals && !rc; i++)
        rc |= rdbl__jset_u(rec, s->totals[i].name, s->totals[i].bytes);
    rc |= rdbl__jset(j, "status", json_string(s->status == RDBL_OK
                                                  ? "ok"
                                                  : rdbl_status_name(s->status)));
    if (s->status != RDBL_OK) {
        rc |= rdbl__jset_u(j, "error_offset", s->error_offset);
        rc |= rdbl__jset(j, "error", rdbl__jkey((const uint8_t *)s->error, strlen(s->error)));
    }
    if (s->holes && !rc)
        rc |= rdbl__jset(j, "salvage", salvage_to_json(s));
    if (s->redacted)
        rc |= rdbl__jset(j, "redacted", json_true());
    /* --sha256: the digest and what it covers, or null and why there is none */
    if (s->sha256[0] || s->sha256_note[0]) {
        rc |= rdbl__jset(j, "sha256", s->sha256[0] ? json_string(s->sha256) : json_null());
        rc |= rdbl__jset(j, "sha256_of",
                         json_string(s->sha256[0] ? rdbl_source_sha256_scope(s->compression)
                                                  : s->sha256_note));
    }
    if (rc) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static rdbl_status salvage_from_json(const json_t *v, rdbl_snapshot *s, rdbl_error *err)
{
    rdbl_status st;
    if ((st = rdbl__jget_u64(v, "holes", &s->holes, err)) ||
        (st = rdbl__jget_u64(v, "hole_bytes", &s->hole_bytes, err)) ||
        (st = rdbl__jget_u64(v, "damaged_keys", &s->damaged_keys, err)))
        return st;
    const json_t *list = json_object_get(v, "listed");
    size_t i;
    const json_t *h;
    json_array_foreach(list, i, h) {
        if (s->nholes >= RDBL_SNAPSHOT_HOLES)
            break;
        rdbl_snapshot_hole *x = &s->hole[s->nholes++];
        if ((st = rdbl__jget_u64(h, "start", &x->start, err)) ||
            (st = rdbl__jget_u64(h, "end", &x->end, err)) ||
            (st = rdbl__jget_u64(h, "db", &x->db, err)) ||
            (st = rdbl__jget_str(h, "last_key", x->last_key, sizeof x->last_key, err)))
            return st;
        x->key_damaged = json_is_true(json_object_get(h, "key_damaged"));
        x->to_end = json_is_true(json_object_get(h, "to_end"));
    }
    return RDBL_OK;
}

static rdbl_status snapshot_from_json(const json_t *j, rdbl_snapshot *s, rdbl_error *err)
{
    rdbl_status st;
    memset(s, 0, sizeof *s);
    if (!json_is_object(j))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "files", "expected an object");
    uint8_t *file = NULL;
    size_t flen = 0;
    if (json_is_string(json_object_get(j, "file"))) {
        if ((st = rdbl__jget_key(j, "file", &file, &flen, err)))
            return st;
        snprintf(s->file, sizeof s->file, "%s", (const char *)file);
        free(file);
    }
    int64_t v;
    char name[64];
    if ((st = rdbl__jget_u64(j, "file_bytes", &s->file_size, err)) ||
        (st = rdbl__jget_str(j, "magic", s->magic, sizeof s->magic, err)) ||
        (st = rdbl__jget_i64(j, "rdb_version", &v, 0, err)))
        return st;
    s->rdb_version = v < 0 || v > 100000 ? 0 : (int)v;
    s->future_version = json_is_true(json_object_get(j, "future_version"));
    if ((st = rdbl__jget_str(j, "compression", name, sizeof name, err)))
        return st;
    for (unsigned i = 0; i < NCOMP; i++)
        if (comp_names[i] && strcmp(comp_names[i], name) == 0)
            s->compression = (rdbl_compression)i;
    if ((st = rdbl__jget_str(j, "checksum", name, sizeof name, err)))
        return st;
    s->checksum = RDBL_CHECKSUM_NOT_CHECKED;
    for (int i = RDBL_CHECKSUM_OK; i <= RDBL_CHECKSUM_NOT_CHECKED; i++)
        if (strcmp(rdbl_checksum_status_name((rdbl_checksum_status)i), name) == 0)
            s->checksum = (rdbl_checksum_status)i;
    if ((st = rdbl__jget_str(j, "ctime_source", name, sizeof name, err)))
        return st;
    s->ctime_source = strcmp(name, "aux") == 0     ? RDBL_CTIME_AUX
                      : strcmp(name, "mtime") == 0 ? RDBL_CTIME_MTIME
                                                   : RDBL_CTIME_NONE;
    if ((st = rdbl__jget_i64(j, "ctime_s", &s->ctime_s, 0, err)))
        return st;
    const json_t *now = json_object_get(j, "now_ms");
    if (now && !json_is_null(now)) {
        s->has_now = true;
        if ((st = rdbl__jget_i64(j, "now_ms", &s->now_ms, 0, err)))
            return st;
    }
    if ((st = rdbl__jget_str(j, "redis_ver", s->redis_ver, sizeof s->redis_ver, err)))
        return st;
    const json_t *um = json_object_get(j, "used_mem_bytes");
    if (um && !json_is_null(um)) {
        s->has_used_mem = true;
        if ((st = rdbl__jget_u64(j, "used_mem_bytes", &s->used_mem, err)))
            return st;
    }
    const json_t *model = json_object_get(j, "model");
    if (model && ((st = rdbl__jget_str(model, "target", s->target, sizeof s->target, err)) ||
                  (st = rdbl__jget_str(model, "allocator", s->allocator, sizeof s->allocator,
                                       err)) ||
                  (st = rdbl__jget_str(model, "allocator_source", s->allocator_source,
                                       sizeof s->allocator_source, err)) ||
                  (st = rdbl__jget_str(model, "allocator_reason", s->allocator_reason,
                                       sizeof s->allocator_reason, err))))
        return st;
    /* warnings: the guess first, then the approximate note (as written) */
    const json_t *warn = model ? json_object_get(model, "warnings") : NULL;
    bool approx = model && json_is_true(json_object_get(model, "approximate"));
    size_t nw = json_array_size(warn);
    for (size_t i = 0; i < nw; i++) {
        const char *w = json_string_value(json_array_get(warn, i));
        if (!w)
            continue;
        if (approx && i + 1 == nw)
            snprintf(s->target_note, sizeof s->target_note, "%s", w);
        else
            snprintf(s->target_warning, sizeof s->target_warning, "%s", w);
    }
    const json_t *rec = json_object_get(j, "reconciled");
    if (json_is_object(rec)) {
        const char *k;
        json_t *val;
        json_object_foreach((json_t *)(uintptr_t)rec, k, val)
        {
            if (s->ntotals >= RDBL_SNAPSHOT_TOTALS)
                break;
            if (!json_is_integer(val) || json_integer_value(val) < 0)
                return rdbl__fail(err, RDBL_CORRUPT, 0, "reconciled", "bad total \"%s\"", k);
            snprintf(s->totals[s->ntotals].name, sizeof s->totals[0].name, "%s", k);
            s->totals[s->ntotals].bytes = (uint64_t)json_integer_value(val);
            s->ntotals++;
        }
    }
    if ((st = rdbl__jget_str(j, "status", name, sizeof name, err)))
        return st;
    s->status = RDBL_OK;
    if (name[0] && strcmp(name, "ok") != 0) {
        s->status = RDBL_CORRUPT;
#define RDBL__S(n, value, text)                                               \
    if (strcmp(name, #n) == 0)                                                \
        s->status = RDBL_##n;
        RDBL_STATUS_LIST(RDBL__S)
#undef RDBL__S
        if ((st = rdbl__jget_u64(j, "error_offset", &s->error_offset, err)))
            return st;
        if (json_is_string(json_object_get(j, "error"))) {
            uint8_t *e = NULL;
            size_t el;
            if ((st = rdbl__jget_key(j, "error", &e, &el, err)))
                return st;
            snprintf(s->error, sizeof s->error, "%s", (const char *)e);
            free(e);
        }
    }
    s->redacted = json_is_true(json_object_get(j, "redacted"));
    if ((st = rdbl__jget_str(j, "sha256", s->sha256, sizeof s->sha256, err)))
        return st;
    if (!s->sha256[0] && (st = rdbl__jget_str(j, "sha256_of", s->sha256_note,
                                                sizeof s->sha256_note, err)))
        return st;
    const json_t *salv = json_object_get(j, "salvage");
    if (json_is_object(salv))
        return salvage_from_json(salv, s, err);
    return RDBL_OK;
}

/* light: "prefixes" and "ttl" are null placeholders (the JSON report
 * streams them, see rdbl__prefix_agg_write). */
static json_t *to_json(const rdbl_agg *a, bool light)
{
    json_t *j = json_object();
    json_t *files = json_array();
    if (!j || !files) {
        json_decref(j);
        json_decref(files);
        return NULL;
    }
    int rc = rdbl__jset(j, "files", files);
    for (size_t i = 0; i < a->nsnaps && !rc; i++) {
        json_t *s = snapshot_to_json(&a->snaps[i]);
        rc |= (!s || json_array_append_new(files, s)) ? -1 : 0;
    }
    rc |= rdbl__jset(j, "options", rdbl__aopts_to_json(&a->opts.o));
    rc |= rdbl__jset(j, "reference_ms", json_integer(a->now_ms));
    if (!rc && rdbl_tables_agg_to_json(a->tables, j) != RDBL_OK)
        rc = -1;
    rc |= rdbl__jset(j, "prefixes", light ? json_null() : rdbl_prefix_agg_to_json(a->prefix));
    rc |= rdbl__jset(j, "top_keys", rdbl_top_agg_to_json(a->top));
    rc |= rdbl__jset(j, "ttl", light ? json_null() : rdbl_ttl_agg_to_json(a->ttl));
    rc |= rdbl__jset(j, "access", rdbl_access_agg_to_json(a->access));
    rc |= rdbl__jset(j, "advice_state", rdbl_advice_agg_to_json(a->advice));
    if (rc) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *rdbl_agg_to_json(const rdbl_agg *a)
{
    return to_json(a, false);
}

json_t *rdbl__agg_to_json_light(const rdbl_agg *a)
{
    return to_json(a, true);
}

rdbl_status rdbl_agg_add_json(rdbl_agg *a, const json_t *j, rdbl_error *err)
{
    rdbl_status st;
    if (!json_is_object(j))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "report", "expected a JSON object");
    int64_t ref;
    if ((st = rdbl__jget_i64(j, "reference_ms", &ref, 0, err)))
        return st;
    if (!a->now_set && json_object_get(j, "reference_ms"))
        rdbl_agg_set_now(a, ref);
    const json_t *files = json_object_get(j, "files");
    if (files && !json_is_array(files))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "files", "expected an array");
    for (size_t i = 0; i < json_array_size(files); i++) {
        rdbl_snapshot s;
        if ((st = snapshot_from_json(json_array_get(files, i), &s, err)) ||
            (st = rdbl_agg_add_snapshot(a, &s)))
            return st;
    }
    if ((st = rdbl_tables_agg_add_json(a->tables, j, err)))
        return st;
    const json_t *x;
    if ((x = json_object_get(j, "prefixes")) && (st = rdbl_prefix_agg_add_json(a->prefix, x, err)))
        return st;
    if ((x = json_object_get(j, "top_keys")) && (st = rdbl_top_agg_add_json(a->top, x, err)))
        return st;
    rdbl__prefix_set_big(a->prefix, a->top); /* a view made meanwhile missed these keys */
    if ((x = json_object_get(j, "ttl")) && (st = rdbl_ttl_agg_add_json(a->ttl, x, err)))
        return st;
    if ((x = json_object_get(j, "access")) && (st = rdbl_access_agg_add_json(a->access, x, err)))
        return st;
    if ((x = json_object_get(j, "advice_state")) &&
        (st = rdbl_advice_agg_add_json(a->advice, x, err)))
        return st;
    return RDBL_OK;
}

/* ---- accessors ------------------------------------------------------------------------- */

const rdbl_agg_opts *rdbl_agg_get_opts(const rdbl_agg *a)
{
    return &a->opts.o;
}

size_t rdbl_agg_snapshots(const rdbl_agg *a, const rdbl_snapshot **out)
{
    *out = a->snaps;
    return a->nsnaps;
}

int64_t rdbl_agg_now(const rdbl_agg *a)
{
    return a->now_ms;
}

const rdbl_prefix_agg *rdbl_agg_prefix(const rdbl_agg *a)
{
    return a->prefix;
}
const rdbl_top_agg *rdbl_agg_top(const rdbl_agg *a)
{
    return a->top;
}
const rdbl_ttl_agg *rdbl_agg_ttl(const rdbl_agg *a)
{
    return a->ttl;
}
const rdbl_access_agg *rdbl_agg_access(const rdbl_agg *a)
{
    return a->access;
}
const rdbl_tables_agg *rdbl_agg_tables(const rdbl_agg *a)
{
    return a->tables;
}
const rdbl_advice_agg *rdbl_agg_advice_state(const rdbl_agg *a)
{
    return a->advice;
}

rdbl_status rdbl_agg_advice(const rdbl_agg *a, rdbl_advice_list *out)
{
    rdbl__advice_ctx c = {&a->opts.o, a->prefix, a->ttl, a->access, a->tables, a->advice};
    return rdbl__advice_build(&c, out);
}

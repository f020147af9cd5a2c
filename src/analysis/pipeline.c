/* The analysis pipeline: parser events -> memory model -> key facts ->
 * aggregate / per-key callback (see analysis.h).
 *
 * Every parser event is forwarded to the memory model's handlers, except the
 * value events of a key the model said it does not need (RDBL_SKIP); blob
 * sizes always go through. The pipeline itself only adds what the model does
 * not know: the snapshot record (AUX ctime, versions, used-mem), a bounded
 * sample of large string values for the compression advice, and the facts. */
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/analysis_int.h"
#include "analysis/calibrate.h"
#include "analysis/diff_digest.h"
#include "internal.h"
#include "memmodel/mm.h"

#define SAMPLE_MIN_LEN 1024u
/* Small JSON objects ("{...}" of at most 512 bytes) are kept whole for the
 * strings-to-hash advice, up to 16 MiB of them per file, ... */
#define JSON_SAMPLE_MAX 512u
#define JSON_SAMPLE_BUDGET (16u << 20)
/* ... and looked for only while some turned up among the first small strings */
#define JSON_GIVE_UP 100000u

typedef struct pipeline {
    const rdbl_analysis_opts *o;
    rdbl_memmodel *mm;
    const rdbl_events *mev;
    rdbl_agg *agg;
    rdbl__aggq *q;                /* aggregation thread, NULL = add inline */
    rdbl_snapshot *snap;
    const char *path;
    uint8_t *rkey;                /* --redact: the redacted key (or hole key) */
    size_t rkey_cap;
    bool now_set;
    bool have_ctime;
    int64_t ctime_s;
    /* the current key */
    bool mm_skip;
    bool sampling;
    bool sample_open;             /* agg, sample_bytes, and budget left */
    unsigned big_left;            /* samples of values >= RDBL__BIG_SAMPLE_MIN left past it */
    bool big_sample;              /* the current value is sampled as one of those */
    bool json_open;               /* agg, and the small-JSON budget left */
    uint64_t json_total;          /* bytes of small JSON objects sampled */
    uint64_t json_looked;         /* small strings looked at for JSON */
    uint8_t *sample;
    size_t sample_len;
    uint64_t sampled_total;
    char module[10];
    bool has_module;
    bool digest;                  /* o->value_digest */
    rdbl__vdigest vd;
} pipeline;

void rdbl_analysis_opts_init(rdbl_analysis_opts *o)
{
    memset(o, 0, sizeof *o);
    rdbl_mem_config_init(&o->mem, "auto", NULL);
    o->sample_bytes = 64u << 10;
    o->sample_budget = 2u << 20;
    o->filter.type = -1;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->threaded = cpus >= 2;
    /* the CRC-64 in a third thread: it fills the gaps of the aggregation
     * thread's core (bench-1g report: 1.75 -> 1.68 s) */
    o->parse_flags = cpus >= 2 ? RDBL_PARSE_CRC_THREAD : 0;
}

/* Before any direct use of p->agg: the consumer thread must be idle. */
static bool agg_sync(pipeline *p)
{
    return !p->q || rdbl__aggq_sync(p->q) == RDBL_OK;
}

static void set_now(pipeline *p)
{
    if (p->now_set)
        return;
    p->now_set = true;
    rdbl_snapshot *s = p->snap;
    if (p->have_ctime) {
        s->ctime_s = p->ctime_s;
        s->ctime_source = RDBL_CTIME_AUX;
    } else {
        struct stat st;
        if (p->path && strcmp(p->path, "-") != 0 && stat(p->path, &st) == 0) {
            s->ctime_s = (int64_t)st.st_mtime;
            s->ctime_source = RDBL_CTIME_MTIME;
        }
    }
    if (p->o->has_now) {
        s->has_now = true;
        s->now_ms = p->o->now_ms;
    }
    if (p->agg && agg_sync(p))
        rdbl_agg_set_now(p->agg, rdbl_snapshot_ref_ms(s));
}

static int on_begin(void *user, const rdbl_file_info *fi)
{
    pipeline *p = user;
    snprintf(p->snap->magic, sizeof p->snap->magic, "%s", fi->magic);
    p->snap->rdb_version = fi->rdb_version;
    p->snap->future_version = fi->future_version;
    p->snap->compression = fi->compression;
    return p->mev->on_begin ? p->mev->on_begin(p->mm, fi) : 0;
}

static bool item_eq(const rdbl_item *it, const char *s)
{
    size_t n = strlen(s);
    return !it->is_int && it->len == n && memcmp(it->ptr, s, n) == 0;
}

static bool item_i64(const rdbl_item *it, int64_t *v)
{
    if (it->is_int) {
        *v = it->ival;
        return true;
    }
    return rdbl__str_to_i64(it->ptr, it->len, v);
}

static int on_aux(void *user, const rdbl_item *name, const rdbl_item *value)
{
    pipeline *p = user;
    int64_t v;
    if (item_eq(name, "ctime") && item_i64(value, &v)) {
        p->have_ctime = true;
        p->ctime_s = v;
    } else if (item_eq(name, "used-mem") && item_i64(value, &v) && v >= 0) {
        p->snap->has_used_mem = true;
        p->snap->used_mem = (uint64_t)v;
    } else if (item_eq(name, "valkey-ver") ||
               (item_eq(name, "redis-ver") && p->snap->redis_ver[0] == '\0')) {
        size_t n = rdbl_item_text(value, p->snap->redis_ver, sizeof p->snap->redis_ver - 1);
        if (n >= sizeof p->snap->redis_ver)
            n = sizeof p->snap->redis_ver - 1;
        p->snap->redis_ver[n] = '\0';
    }
    return p->mev->on_aux ? p->mev->on_aux(p->mm, name, value) : 0;
}

static int on_module_aux(void *user, rdbl_str module, int encver, int when, uint64_t bytes)
{
    pipeline *p = user;
    if (p->agg && (!agg_sync(p) || rdbl_agg_add_module_aux(p->agg, module, bytes) != RDBL_OK))
        return -1;
    return p->mev->on_module_aux ? p->mev->on_module_aux(p->mm, module, encver, when, bytes) : 0;
}

static int on_function(void *user, rdbl_str code, rdbl_str name, rdbl_str engine)
{
    pipeline *p = user;
    if (!p->agg)
        return 0;
    char nbuf[128], ebuf[32];
    rdbl__function_names(code, name, engine, nbuf, sizeof nbuf, ebuf, sizeof ebuf);
    rdbl_str n = {(const uint8_t *)nbuf, strlen(nbuf)}, e = {(const uint8_t *)ebuf, strlen(ebuf)};
    if (!agg_sync(p))
        return -1;
    return rdbl_agg_add_function(p->agg, n, e, code.len) == RDBL_OK ? 0 : -1;
}

static int on_end(void *user, const rdbl_end_info *ei)
{
    pipeline *p = user;
    p->snap->checksum = ei->checksum;
    return p->mev->on_end ? p->mev->on_end(p->mm, ei) : 0;
}

static int on_begin_key(void *user, const rdbl_key_info *k)
{
    pipeline *p = user;
    if (!p->now_set)
        set_now(p);
    int rc = p->mev->on_begin_key ? p->mev->on_begin_key(p->mm, k) : 0;
    if (rc != 0 && rc != RDBL_SKIP)
        return rc;
    p->mm_skip = rc == RDBL_SKIP;
    p->has_module = false;
    p->sample_len = 0;
    p->big_sample = false;
    p->sampling = (p->sample_open || p->json_open || p->big_left) && k->type == RDBL_TYPE_STRING &&
                  k->encoding != RDBL_ENC_INT;
    if (p->digest)
        rdbl__vd_begin(&p->vd, k->type);
    else if (p->mm_skip && !p->sampling && k->type != RDBL_TYPE_MODULE)
        return RDBL_SKIP;
    return 0;
}

static int on_string(void *user, const rdbl_key_info *k, const rdbl_item *chunk, uint64_t off,
                     uint64_t total)
{
    pipeline *p = user;
    if (p->sampling && p->json_open && !chunk->is_int && total <= JSON_SAMPLE_MAX && off == 0 &&
        chunk->len == total && total && chunk->ptr[0] != '{' && ++p->json_looked >= JSON_GIVE_UP &&
        !p->json_total)
        p->json_open = false; /* no JSON in the first strings: stop looking (no string is
                                 walked only for this any more) */
    if (p->sampling && p->json_open && !chunk->is_int && total <= JSON_SAMPLE_MAX && off == 0 &&
        chunk->len == total && total && chunk->ptr[0] == '{') {
        /* a small JSON object whole, for the strings-to-hash advice; its own
         * budget, so it never uses up the compression samples' */
        memcpy(p->sample, chunk->ptr, chunk->len);
        p->sample_len = chunk->len;
        p->json_total += chunk->len;
        p->json_open = p->json_total < JSON_SAMPLE_BUDGET;
    } else if (p->sampling && !chunk->is_int && total >= SAMPLE_MIN_LEN &&
               off == p->sample_len && p->sample_len < p->o->sample_bytes) {
        if (off == 0 && !p->sample_open && p->big_left && total >= RDBL__BIG_SAMPLE_MIN) {
            p->big_sample = true; /* past the budget, and not counted in it */
            p->big_left--;
        }
        if (p->sample_open || p->big_sample) {
            size_t want = (size_t)(p->o->sample_bytes - p->sample_len);
            size_t n = chunk->len < want ? chunk->len : want;
            memcpy(p->sample + p->sample_len, chunk->ptr, n);
            p->sample_len += n;
            if (!p->big_sample) {
                p->sampled_total += n;
                p->sample_open = p->sampled_total < p->o->sample_budget;
            }
        }
    }
    if (p->digest)
        rdbl__vd_string(&p->vd, chunk, off, total);
    if (!p->mm_skip && p->mev->on_string)
        return p->mev->on_string(p->mm, k, chunk, off, total);
    return 0;
}

#define FORWARD(name, ...)                                                    \
    do {                                                                      \
        pipeline *p_ = user;                                                      \
        if (!p_->mm_skip && p_->mev->name)                                    \
            return p_->mev->name(p_->mm, __VA_ARGS__);                        \
        return 0;                                                             \
    } while (0)

/* The value digest (diff): one element per event, closed at its end. */
static inline rdbl__vdigest *vd_of(void *user)
{
    pipeline *p = user;
    return p->digest ? &p->vd : NULL;
}

static void vd_str(rdbl__vdigest *d, rdbl_str s)
{
    rdbl__vd_u64(d, s.len);
    rdbl__vd_bytes(d, s.ptr, s.len);
}

static void vd_id(rdbl__vdigest *d, rdbl_stream_id id)
{
    rdbl__vd_u64(d, id.ms);
    rdbl__vd_u64(d, id.seq);
}

static int on_list_item(void *user, const rdbl_key_info *k, const rdbl_item *it)
{
    rdbl__vdigest *d = vd_of(user);
    if (d)
        rdbl__vd_elem(d, it);
    FORWARD(on_list_item, k, it);
}

static int on_set_member(void *user, const rdbl_key_info *k, const rdbl_item *it)
{
    rdbl__vdigest *d = vd_of(user);
    if (d)
        rdbl__vd_elem(d, it);
    FORWARD(on_set_member, k, it);
}

static int on_zset_member(void *user, const rdbl_key_info *k, const rdbl_item *m, double s)
{
    rdbl__vdigest *d = vd_of(user);
    if (d) {
        double z = s == 0 ? 0.0 : s; /* -0 and 0 are one score */
        rdbl__vd_item(d, m);
        rdbl__vd_bytes(d, &z, sizeof z);
        rdbl__vd_close(d);
    }
    FORWARD(on_zset_member, k, m, s);
}

static int on_hash_field(void *user, const rdbl_key_info *k, const rdbl_item *f,
                         const rdbl_item *v, int64_t ttl)
{
    rdbl__vdigest *d = vd_of(user);
    if (d) {
        rdbl__vd_item(d, f);
        rdbl__vd_item(d, v);
        rdbl__vd_u64(d, (uint64_t)ttl);
        rdbl__vd_close(d);
    }
    FORWARD(on_hash_field, k, f, v, ttl);
}

static int on_stream_meta(void *user, const rdbl_key_info *k, const rdbl_stream_meta *m)
{
    rdbl__vdigest *d = vd_of(user);
    if (d) {
        rdbl__vd_u64(d, m->length);
        vd_id(d, m->last_id);
        vd_id(d, m->first_id);
        vd_id(d, m->max_deleted_id);
        rdbl__vd_u64(d, m->entries_added);
        rdbl__vd_close(d);
    }
    FORWARD(on_stream_meta, k, m);
}

static int on_stream_entry(void *user, const rdbl_key_info *k, rdbl_stream_id id, bool deleted,
                           size_t n, const rdbl_item *fields, const rdbl_item *values)
{
    (void)k;
    rdbl__vdigest *d = vd_of(user);
    if (d && !deleted) {
        vd_id(d, id);
        for (size_t i = 0; i < n; i++) {
            rdbl__vd_item(d, &fields[i]);
            rdbl__vd_item(d, &values[i]);
        }
        rdbl__vd_close(d);
    }
    return 0; /* the memory model prices stream nodes from their blobs */
}

static int on_stream_group(void *user, const rdbl_key_info *k, const rdbl_stream_group *g)
{
    rdbl__vdigest *d = vd_of(user);
    if (d) {
        vd_str(d, g->name);
        vd_id(d, g->last_id);
        rdbl__vd_u64(d, (uint64_t)g->entries_read);
        rdbl__vd_close(d);
    }
    FORWARD(on_stream_group, k, g);
}

static int on_stream_pel(void *user, const rdbl_key_info *k, rdbl_str g, rdbl_stream_id id,
                         int64_t when, uint64_t count)
{
    rdbl__vdigest *d = vd_of(user);
    if (d) {
        vd_str(d, g);
        vd_id(d, id);
        rdbl__vd_u64(d, (uint64_t)when);
        rdbl__vd_u64(d, count);
        rdbl__vd_close(d);
    }
    FORWARD(on_stream_pel, k, g, id, when, count);
}

static int on_stream_consumer(void *user, const rdbl_key_info *k, const rdbl_stream_consumer *c)
{
    rdbl__vdigest *d = vd_of(user);
    if (d) {
        vd_str(d, c->group);
        vd_str(d, c->name);
        rdbl__vd_u64(d, (uint64_t)c->seen_ms);
        rdbl__vd_close(d);
    }
    FORWARD(on_stream_consumer, k, c);
}

static int on_stream_cpel(void *user, const rdbl_key_info *k, rdbl_str g, rdbl_str c,
                          rdbl_stream_id id)
{
    rdbl__vdigest *d = vd_of(user);
    if (d) {
        vd_str(d, g);
        vd_str(d, c);
        vd_id(d, id);
        rdbl__vd_close(d);
    }
    FORWARD(on_stream_consumer_pel, k, g, c, id);
}

static int on_blob(void *user, const rdbl_key_info *k, const rdbl_blob *b)
{
    pipeline *p = user;
    return p->mev->on_blob ? p->mev->on_blob(p->mm, k, b) : 0;
}

static int on_module(void *user, const rdbl_key_info *k, rdbl_str name, int encver,
                     uint64_t payload)
{
    pipeline *p = user;
    size_t n = name.len < 9 ? name.len : 9;
    memcpy(p->module, name.ptr, n);
    p->module[n] = '\0';
    p->has_module = true;
    if (p->digest) {
        vd_str(&p->vd, name);
        rdbl__vd_u64(&p->vd, payload);
        rdbl__vd_close(&p->vd);
    }
    if (!p->mm_skip && p->mev->on_module)
        return p->mev->on_module(p->mm, k, name, encver, payload);
    return 0;
}

/* --redact: k redacted into p->rkey (grown as needed). @return 0, or -1
 * when out of memory. */
static int redact_into(pipeline *p, rdbl_str k)
{
    if (k.len > p->rkey_cap) {
        size_t c = k.len < 256 ? 256 : k.len;
        uint8_t *nb = realloc(p->rkey, c);
        if (!nb)
            return -1;
        p->rkey = nb;
        p->rkey_cap = c;
    }
    rdbl_redact_key(p->o->redact, k.ptr, k.len, p->rkey);
    return 0;
}

static int on_hole(void *user, const rdbl_hole *h)
{
    pipeline *p = user;
    rdbl_snapshot *s = p->snap;
    s->holes++;
    s->hole_bytes += h->end - h->start;
    if (s->nholes < RDBL_SNAPSHOT_HOLES) {
        rdbl_snapshot_hole *x = &s->hole[s->nholes++];
        x->start = h->start;
        x->end = h->end;
        x->db = h->db;
        x->key_damaged = h->key_damaged;
        x->to_end = h->to_end;
        x->last_key[0] = '\0';
        rdbl_str lk = h->last_key;
        if (h->has_last_key && p->o->redact) {
            if (redact_into(p, lk) != 0)
                return -1;
            lk.ptr = p->rkey;
        }
        if (h->has_last_key)
            rdbl_escape_bytes(x->last_key, sizeof x->last_key, lk.ptr, lk.len);
    }
    return 0;
}

static int on_end_key(void *user, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    pipeline *p = user;
    if (RDBL_UNLIKELY(st->damaged))
        p->snap->damaged_keys++;
    if (p->mev->on_end_key) {
        int rc = p->mev->on_end_key(p->mm, k, st);
        if (rc)
            return rc;
    }
    /* the estimate is read in place; the facts are built here, in this
     * thread's cache, and the queue stores them as a compact record */
    static const rdbl_mem_estimate none; /* no estimate yet: zeros */
    const rdbl_mem_estimate *est = rdbl__memmodel_last_ref(p->mm);
    if (!est)
        est = &none;
    size_t mlen = p->has_module ? strlen(p->module) : 0;
    rdbl_key_facts local = {
        .db = k->db,
        .key = k->key,
        .type = k->type,
        .encoding = k->encoding,
        .mem_encoding = est->encoding ? est->encoding : rdbl_encoding_name(k->encoding),
        .elements = st->elements,
        .rdb_bytes = st->rdb_bytes,
        .mem_bytes = est->bytes,
        .largest_element = st->largest_element,
        .value_bytes = st->value_bytes,
        .has_expire = k->has_expire,
        .expire_ms = k->expire_ms,
        .idle_s = k->idle_s,
        .freq = k->freq,
        .fields_with_ttl = st->fields_with_ttl,
        .compact_mem_bytes = est->compact_bytes,
        .compact_config = est->compact_config[0] ? est->compact_config : NULL,
        .sample = {p->sample, p->sample_len},
        .modelled = est->modelled,
        .min_field_expire_ms = st->min_field_expire_ms,
        .module = {(const uint8_t *)p->module, mlen},
        .value_digest = p->digest ? rdbl__vd_end(&p->vd) : 0,
    };
    rdbl_key_facts *f = &local;
    if (RDBL_UNLIKELY(p->o->redact != NULL)) {
        if (redact_into(p, k->key) != 0)
            return -1;
        f->key = (rdbl_str){p->rkey, k->key.len};
    }
    /* the queue copies the bytes (mem_encoding is a static string) */
    if (p->agg && (p->q ? rdbl__aggq_add(p->q, f) : rdbl_agg_add(p->agg, f)) != RDBL_OK)
        return -1;
    if (p->o->on_key && rdbl_key_filter_match(&p->o->filter, k))
        return p->o->on_key(p->o->key_user, f, k, rdbl_snapshot_ref_ms(p->snap));
    return 0;
}

static int on_db(void *user, uint64_t db)
{
    pipeline *p = user;
    return p->mev->on_db ? p->mev->on_db(p->mm, db) : 0;
}

static int on_resize_db(void *user, uint64_t db, uint64_t keys, uint64_t expires)
{
    pipeline *p = user;
    return p->mev->on_resize_db ? p->mev->on_resize_db(p->mm, db, keys, expires) : 0;
}

#define PIPE_EVENTS \
    .on_begin = on_begin, \
    .on_db = on_db, \
    .on_resize_db = on_resize_db, \
    .on_aux = on_aux, \
    .on_module_aux = on_module_aux, \
    .on_function = on_function, \
    .on_end = on_end, \
    .on_begin_key = on_begin_key, \
    .on_end_key = on_end_key, \
    .on_string = on_string, \
    .on_list_item = on_list_item, \
    .on_set_member = on_set_member, \
    .on_zset_member = on_zset_member, \
    .on_hash_field = on_hash_field, \
    .on_blob = on_blob, \
    .on_stream_meta = on_stream_meta, \
    .on_stream_group = on_stream_group, \
    .on_stream_pel = on_stream_pel, \
    .on_stream_consumer = on_stream_consumer, \
    .on_stream_consumer_pel = on_stream_cpel, \
    .on_module = on_module, \
    .on_hole = on_hole

static const rdbl_events pipe_events = {PIPE_EVENTS};
/* with value digests: stream entries are decoded too */
static const rdbl_events digest_events = {PIPE_EVENTS, .on_stream_entry = on_stream_entry};
#undef PIPE_EVENTS

rdbl_status rdbl_analyze(rdbl_source *src, const char *path, const rdbl_analysis_opts *o,
                         rdbl_agg *agg, rdbl_snapshot *snap_out, rdbl_mem_totals *totals,
                         rdbl_error *err)
{
    rdbl_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    err->rdb_type = -1;
    rdbl_snapshot snap;
    memset(&snap, 0, sizeof snap);
    snprintf(snap.file, sizeof snap.file, "%s", path ? path : "");
    snap.file_size = rdbl_source_input_size(src);
    snap.compression = rdbl_source_compression(src);
    snap.checksum = RDBL_CHECKSUM_NOT_CHECKED; /* until the end of the file is read */
    snap.redacted = o->redact != NULL;

    pipeline p = {0};
    p.o = o;
    p.agg = agg;
    p.snap = &snap;
    p.path = path;
    p.digest = o->value_digest;
    /* the allocator: given, or calibrated on a pre-pass (calibrate.c) */
    rdbl_mem_config mcfg = o->mem;
    rdbl__calib cal = {0};
    if (mcfg.allocator_auto) {
        char why[128] = "";
        bool done = rdbl__calibrate_prepass(&cal, path, src, &mcfg, o->threaded, why,
                                            sizeof why);
        rdbl_mem_calibrate(&mcfg, done ? &cal.cal : NULL, done ? NULL : why);
    } else {
        rdbl_mem_calibrate(&mcfg, NULL, NULL);
    }
    p.mm = rdbl_memmodel_new(&mcfg, err);
    if (!p.mm)
        return err->code ? err->code : RDBL_NOMEM;
    p.mev = rdbl_memmodel_events();
    if (agg && o->sample_bytes) {
        p.sample = malloc((size_t)o->sample_bytes);
        if (!p.sample) {
            rdbl_memmodel_free(p.mm);
            return rdbl__fail(err, RDBL_NOMEM, 0, "analysis", "out of memory");
        }
    }
    p.sample_open = agg && o->sample_bytes && o->sample_budget > 0;
    p.big_left = agg && o->sample_bytes ? RDBL__BIG_SAMPLES : 0;
    p.json_open = agg && o->sample_bytes >= JSON_SAMPLE_MAX;
    if (agg && o->threaded)
        p.q = rdbl__aggq_start(agg); /* NULL: aggregate in this thread */
    rdbl_parse_opts po = {o->parse_flags, o->progress, o->progress_user, o->on_hole,
                          o->hole_user};
    rdbl_status st = rdbl_parse(src, p.digest ? &digest_events : &pipe_events, &p, &po, err);
    if (o->sha256)
        rdbl__sha256_text(src, snap.sha256, snap.sha256_note, sizeof snap.sha256_note);
    if (o->redact && err->key[0])
        rdbl_redact_error(o->redact, err);
    if (!p.now_set)
        set_now(&p);
    rdbl_status qst = rdbl__aggq_finish(p.q);
    p.q = NULL;
    if (qst != RDBL_OK && (st == RDBL_OK || st == RDBL_CHECKSUM))
        st = rdbl__fail(err, qst, 0, "analysis", "aggregation failed: %s", rdbl_strerror(qst));

    const rdbl_mem_config *mc = rdbl_memmodel_config(p.mm);
    rdbl_mem_totals tot;
    rdbl_memmodel_totals(p.mm, &tot);
    if (st == RDBL_OK || st == RDBL_CHECKSUM)
        rdbl__calibrate_recheck(&cal, &mcfg, &tot);
    snprintf(snap.target, sizeof snap.target, "%s", rdbl_mem_target_name(mc->target));
    snprintf(snap.allocator, sizeof snap.allocator, "%s", rdbl_allocator_name(mc->allocator));
    snprintf(snap.allocator_source, sizeof snap.allocator_source, "%s",
             rdbl_alloc_source_name(mcfg.allocator_source));
    snprintf(snap.allocator_reason, sizeof snap.allocator_reason, "%s", mcfg.allocator_reason);
    snprintf(snap.target_warning, sizeof snap.target_warning, "%s", mc->warning);
    const char *note = rdbl_mem_target_note(mc->target);
    snprintf(snap.target_note, sizeof snap.target_note, "%s", note ? note : "");
    static const char *const names[] = {"used_memory_dataset_estimate_bytes",
                                        "used_memory_overhead_estimate_bytes",
                                        "used_memory_estimate_bytes"};
    uint64_t vals[] = {tot.used_memory_dataset_est, tot.used_memory_overhead_est,
                       tot.used_memory_est};
    for (size_t i = 0; i < 3 && snap.ntotals < RDBL_SNAPSHOT_TOTALS; i++) {
        snprintf(snap.totals[snap.ntotals].name, sizeof snap.totals[0].name, "%s", names[i]);
        snap.totals[snap.ntotals++].bytes = vals[i];
    }
    snap.status = st;
    if (st != RDBL_OK) {
        snap.error_offset = err->offset;
        snprintf(snap.error, sizeof snap.error, "%s%s%s%s: %s", rdbl_status_name(err->code),
                 err->key[0] ? " in key \"" : "", err->key, err->key[0] ? "\"" : "", err->msg);
    }
    if (agg && rdbl_agg_add_snapshot(agg, &snap) != RDBL_OK && st == RDBL_OK)
        st = rdbl__fail(err, RDBL_NOMEM, 0, "analysis", "out of memory");
    if (snap_out)
        *snap_out = snap;
    if (totals)
        *totals = tot;
    free(p.sample);
    free(p.rkey);
    rdbl_memmodel_free(p.mm);
    return st;
}

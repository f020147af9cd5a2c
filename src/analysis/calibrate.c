/* `--allocator auto`: the pre-pass that prices the data under every
 * candidate allocator before the analysing pass starts.
 *
 * Why a pre-pass. Every per-key figure (keys rows, top lists, prefixes,
 * advice) must be priced with the allocator finally chosen, and the choice
 * needs the whole file's total. Pricing every key three times in the one pass
 * and carrying three figures per key through aggregation would triple the
 * model's share of the hot path (report would fall below 4x redis-check-rdb);
 * deciding from the first keys of the one pass would leave those keys priced
 * under another table. So a short pre-pass reads a prefix of the file (the
 * whole file when it is small: at least PREFIX_MIN bytes of input, else
 * 1/PREFIX_DIV of it) with three models and no aggregation, the estimates
 * are scaled up to the whole input, and rdbl_mem_calibrate decides. RDB files
 * store a database's keys in hash-table order, so a prefix is a fair sample of
 * the keys; scaling by input bytes follows the memory the bytes stand for
 * better than scaling by key counts. The analysing pass then prices every key
 * once, with the chosen table; at its end rdbl__calibrate_recheck compares
 * again with the whole file's exact total.
 *
 * Inputs that cannot be read twice (standard input, a path that does not
 * name the analysed source) are not calibrated: jemalloc stays, and the reason
 * says so. */
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

#include "analysis/calibrate.h"
#include "internal.h"
#include "memmodel/mm.h"

#define PREFIX_MIN (8u << 20)   /* read at least this much input */
#define PREFIX_DIV 128u         /* or 1/128 of it when that is more */
#define PREFIX_CAP (64u << 20)  /* and go on while no pick is clear, up to this */
#define CAP_DIV 64u             /* or 1/64 of the input when that is more, */
#define CAP_SHARE 8u            /* but no more than 1/8 of it past the minimum:
                                 * the pre-pass runs before anything else (on
                                 * bench-200m, 64 MiB was 30% of the file read
                                 * again with three models) */
#define CHECK_EVERY 4096u       /* keys between two looks at the pick */

typedef struct fan {
    rdbl_memmodel *m[RDBL_ALLOC__COUNT];
    const rdbl_events *ev;
    rdbl_source *src;
    uint64_t in;        /* input size */
    bool plain;         /* uncompressed: positions are input offsets */
    uint64_t pos;       /* end of the last key read (decompressed offset) */
    uint64_t budget;    /* read at least this much input */
    uint64_t cap;       /* and at most this much */
    int64_t used_mem;   /* the file's used-mem (-1: none seen yet) */
    bool complete;      /* the end of the file was reached */
    /* the ratio estimator memory / RDB bytes over the keys seen (jemalloc):
     * n, sums of x (bytes), y (allocations), x^2, y^2, xy */
    uint64_t n;
    double sx, sy, sxx, syy, sxy;
    rdbl_mem_calibration cal;
} fan;

/* used_memory scaled from a share of the data: startup once, the rest in
 * proportion. */
static uint64_t scaled(const rdbl_mem_totals *t, double share)
{
    double var = (double)(t->used_memory_est - t->startup_est);
    return t->startup_est + (uint64_t)(var / share + 0.5);
}

/* The estimates so far, scaled to the whole input, with the uncertainty of
 * the scaling: about two standard errors of the ratio estimator
 * sum(y)/sum(x) over a random sample of keys (RDB files store keys in hash
 * order), with the finite-population correction. */
static void fan_estimate(fan *f, double share)
{
    f->cal.share = share;
    f->cal.writer_used_mem = f->used_mem;
    for (int a = 0; a < RDBL_ALLOC__COUNT; a++) {
        rdbl_mem_totals t;
        rdbl_memmodel_totals(f->m[a], &t);
        f->cal.used_memory_est[a] = scaled(&t, share);
    }
    f->cal.uncertainty = 0;
    if (share < 1.0 && f->n > 1 && f->sx > 0 && f->sy > 0) {
        double n = (double)f->n, r = f->sy / f->sx, xbar = f->sx / n;
        double ss = f->syy - 2 * r * f->sxy + r * r * f->sxx;
        double var = (ss > 0 ? ss : 0) / (n - 1) / n / (xbar * xbar) * (1.0 - share);
        f->cal.uncertainty = 2.0 * sqrt(var) / r;
    }
}

/* Input read so far: the parsed position for a plain file (the source's
 * own position runs ahead by its window), else the compressed bytes. */
static uint64_t fan_read(const fan *f)
{
    return f->plain ? f->pos : rdbl_source_input_consumed(f->src);
}

static double fan_share(const fan *f)
{
    if (f->complete)
        return 1.0;
    double s = f->in ? (double)fan_read(f) / (double)f->in : 0;
    return s > 0.999 ? 0.999 : s;
}

/* Forwards one event to the three models; the first non-zero answer wins
 * (they all answer alike: RDBL_SKIP depends on the key, not the allocator). */
#define FAN(name, ...)                                                        \
    do {                                                                      \
        fan *f_ = user;                                                       \
        int rc_ = 0;                                                          \
        for (int i_ = 0; i_ < RDBL_ALLOC__COUNT; i_++) {                      \
            int r_ = f_->ev->name ? f_->ev->name(f_->m[i_], __VA_ARGS__) : 0; \
            if (r_ && !rc_)                                                   \
                rc_ = r_;                                                     \
        }                                                                     \
        return rc_;                                                           \
    } while (0)

static int f_begin(void *user, const rdbl_file_info *fi) { FAN(on_begin, fi); }
static int f_db(void *user, uint64_t db) { FAN(on_db, db); }
static int f_resize(void *user, uint64_t db, uint64_t k, uint64_t e)
{
    FAN(on_resize_db, db, k, e);
}
static int f_begin_key(void *user, const rdbl_key_info *k) { FAN(on_begin_key, k); }
static int f_string(void *user, const rdbl_key_info *k, const rdbl_item *c, uint64_t off,
                    uint64_t total)
{
    FAN(on_string, k, c, off, total);
}
static int f_list(void *user, const rdbl_key_info *k, const rdbl_item *it)
{
    FAN(on_list_item, k, it);
}
static int f_set(void *user, const rdbl_key_info *k, const rdbl_item *it)
{
    FAN(on_set_member, k, it);
}
static int f_zset(void *user, const rdbl_key_info *k, const rdbl_item *it, double s)
{
    FAN(on_zset_member, k, it, s);
}
static int f_hash(void *user, const rdbl_key_info *k, const rdbl_item *fl, const rdbl_item *v,
                  int64_t ttl)
{
    FAN(on_hash_field, k, fl, v, ttl);
}
static int f_blob(void *user, const rdbl_key_info *k, const rdbl_blob *b) { FAN(on_blob, k, b); }
static int f_module(void *user, const rdbl_key_info *k, rdbl_str n, int encver, uint64_t bytes)
{
    FAN(on_module, k, n, encver, bytes);
}
static int f_smeta(void *user, const rdbl_key_info *k, const rdbl_stream_meta *sm)
{
    FAN(on_stream_meta, k, sm);
}
static int f_sgroup(void *user, const rdbl_key_info *k, const rdbl_stream_group *g)
{
    FAN(on_stream_group, k, g);
}
static int f_spel(void *user, const rdbl_key_info *k, rdbl_str g, rdbl_stream_id id, int64_t when,
                  uint64_t count)
{
    FAN(on_stream_pel, k, g, id, when, count);
}
static int f_scons(void *user, const rdbl_key_info *k, const rdbl_stream_consumer *c)
{
    FAN(on_stream_consumer, k, c);
}
static int f_scpel(void *user, const rdbl_key_info *k, rdbl_str g, rdbl_str c, rdbl_stream_id id)
{
    FAN(on_stream_consumer_pel, k, g, c, id);
}
static int f_end(void *user, const rdbl_end_info *ei)
{
    ((fan *)user)->complete = true;
    FAN(on_end, ei);
}
static int f_aux(void *user, const rdbl_item *n, const rdbl_item *v)
{
    fan *f = user;
    int64_t u;
    if (!n->is_int && n->len == 8 && !memcmp(n->ptr, "used-mem", 8) && v->is_int)
        f->used_mem = v->ival;
    else if (!n->is_int && n->len == 8 && !memcmp(n->ptr, "used-mem", 8) && !v->is_int &&
             rdbl__str_to_i64(v->ptr, v->len, &u))
        f->used_mem = u;
    FAN(on_aux, n, v);
}

static int f_end_key(void *user, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    fan *f = user;
    for (int i = 0; i < RDBL_ALLOC__COUNT; i++) {
        int rc = f->ev->on_end_key(f->m[i], k, st);
        if (rc)
            return rc;
    }
    const rdbl_mem_estimate *e = rdbl__memmodel_last_ref(f->m[RDBL_ALLOC_JEMALLOC]);
    double x = (double)st->rdb_bytes, y = e ? (double)e->alloc_bytes : 0;
    f->n++;
    f->sx += x;
    f->sy += y;
    f->sxx += x * x;
    f->syy += y * y;
    f->sxy += x * y;
    if (f->used_mem <= 0)
        return RDBL_STOP; /* the AUX fields are over: nothing to calibrate against */
    f->pos = k->offset + st->rdb_bytes;
    uint64_t read = fan_read(f);
    if (read < f->budget)
        return 0;
    if (read >= f->cap)
        return RDBL_STOP;
    if (f->n % CHECK_EVERY)
        return 0;
    /* past the minimum: stop as soon as one candidate is clearly the
     * closest at every scale within the uncertainty */
    fan_estimate(f, fan_share(f));
    return rdbl_mem_calibration_pick(&f->cal) >= 0 ? RDBL_STOP : 0;
}

static const rdbl_events fan_events = {
    .on_begin = f_begin,
    .on_aux = f_aux,
    .on_db = f_db,
    .on_resize_db = f_resize,
    .on_end = f_end,
    .on_begin_key = f_begin_key,
    .on_end_key = f_end_key,
    .on_string = f_string,
    .on_list_item = f_list,
    .on_set_member = f_set,
    .on_zset_member = f_zset,
    .on_hash_field = f_hash,
    .on_blob = f_blob,
    .on_module = f_module,
    .on_stream_meta = f_smeta,
    .on_stream_group = f_sgroup,
    .on_stream_pel = f_spel,
    .on_stream_consumer = f_scons,
    .on_stream_consumer_pel = f_scpel,
};

bool rdbl__calibrate_prepass(rdbl__calib *c, const char *path, const rdbl_source *main_src,
                             const rdbl_mem_config *cfg, bool threaded, char *why,
                             size_t why_cap)
{
    memset(c, 0, sizeof *c);
    c->cal.writer_used_mem = -1;
    struct stat st;
    uint64_t size = rdbl_source_input_size(main_src);
    if (!path || !strcmp(path, "-")) {
        snprintf(why, why_cap, "standard input cannot be read twice to calibrate");
        return false;
    }
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || size == 0 ||
        (uint64_t)st.st_size < size) {
        snprintf(why, why_cap, "the input cannot be read twice to calibrate");
        return false;
    }
    fan f = {.ev = rdbl_memmodel_events(), .used_mem = -1};
    rdbl_error err = {0};
    /* threaded: read() by the source's producer thread, no page faults of a
     * mapping in this serial step (see PERFORMANCE.md) */
    rdbl_source_opts so = {.threaded = threaded};
    if (rdbl_source_open_file(&f.src, path, &so, &err) != RDBL_OK) {
        snprintf(why, why_cap, "the input cannot be read twice to calibrate");
        return false;
    }
    bool ok = true;
    for (int a = 0; a < RDBL_ALLOC__COUNT && ok; a++) {
        rdbl_mem_config one = *cfg;
        one.allocator = (rdbl_allocator)a;
        f.m[a] = rdbl_memmodel_new(&one, &err);
        ok = f.m[a] != NULL;
    }
    f.in = rdbl_source_input_size(f.src);
    f.plain = rdbl_source_compression(f.src) == RDBL_COMP_NONE;
    f.budget = f.in / PREFIX_DIV > PREFIX_MIN ? f.in / PREFIX_DIV : PREFIX_MIN;
    f.cap = f.in / CAP_DIV > PREFIX_CAP ? f.in / CAP_DIV : PREFIX_CAP;
    if (f.cap > f.in / CAP_SHARE)
        f.cap = f.in / CAP_SHARE > f.budget ? f.in / CAP_SHARE : f.budget;
    rdbl_status ps = RDBL_OK;
    if (ok) {
        rdbl_parse_opts po = {0};
        ps = rdbl_parse(f.src, &fan_events, &f, &po, &err);
    }
    if (ok && (ps == RDBL_OK || ps == RDBL_CHECKSUM) && f.in) {
        double share = fan_share(&f);
        if (share > 0) {
            fan_estimate(&f, share);
            c->cal = f.cal;
            for (int a = 0; a < RDBL_ALLOC__COUNT; a++)
                rdbl_memmodel_totals(f.m[a], &c->pre[a]);
            c->done = true;
        }
    }
    if (!c->done)
        snprintf(why, why_cap, "the pre-pass could not read the file (%s)",
                 rdbl_strerror(ok ? ps : RDBL_NOMEM));
    for (int a = 0; a < RDBL_ALLOC__COUNT; a++)
        rdbl_memmodel_free(f.m[a]);
    rdbl_source_free(f.src);
    return c->done;
}

void rdbl__calibrate_recheck(const rdbl__calib *c, rdbl_mem_config *cfg,
                             const rdbl_mem_totals *full)
{
    if (!c->done || !cfg->allocator_auto || c->cal.share >= 1.0)
        return;
    /* the chosen allocator's exact total; the others in proportion to it,
     * as the prefix priced them */
    rdbl_mem_calibration whole = c->cal;
    whole.share = 1.0;
    whole.uncertainty = 0;
    whole.writer_used_mem = full->writer_used_mem;
    const rdbl_mem_totals *ref = &c->pre[cfg->allocator];
    double ref_var = (double)(ref->used_memory_est - ref->startup_est);
    double full_var = (double)(full->used_memory_est - full->startup_est);
    for (int a = 0; a < RDBL_ALLOC__COUNT; a++) {
        double var = (double)(c->pre[a].used_memory_est - c->pre[a].startup_est);
        whole.used_memory_est[a] =
            full->startup_est + (uint64_t)(ref_var > 0 ? full_var * var / ref_var + 0.5 : 0);
    }
    rdbl_mem_config again = *cfg;
    again.allocator_auto = true;
    rdbl_mem_calibrate(&again, &whole, NULL);
    if (again.allocator == cfg->allocator) {
        /* the same answer: say it with the whole file's figures */
        memcpy(cfg->allocator_reason, again.allocator_reason, sizeof cfg->allocator_reason);
        return;
    }
    size_t n = strlen(cfg->allocator_reason);
    snprintf(cfg->allocator_reason + n, sizeof cfg->allocator_reason - n,
             ". The whole file then pointed to %s%s: rerun with --allocator %s",
             rdbl_allocator_name(again.allocator),
             again.allocator_source == RDBL_ALLOC_SRC_CALIBRATED ? "" : " (no clear choice)",
             rdbl_allocator_name(again.allocator));
}

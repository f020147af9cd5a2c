/* Aggregation in a second thread: the parsing thread (parser + memory
 * model) copies each key's facts into a batch; a consumer thread feeds the
 * batches to rdbl_agg_add() in the order they were filled, so the aggregate
 * is exactly the one a single thread builds.
 *
 *   parser thread                          aggregation thread
 *   ─────────────                          ──────────────────
 *   facts ─copy─▶ cur batch ──full──▶ [full ring, NBATCH] ──▶ rdbl_agg_add × n
 *                     ▲                                            │
 *                     └───────────── [free list] ◀─────────────────┘
 *
 *   batch = up to BATCH_FACTS records in BATCH_BYTES: each a fixed core
 *           (qcore), the key's bytes, and when any rarely-set field is not
 *           at its default an extension (qext) with the value sample,
 *           module name and compact-config text after it; nothing is
 *           malloc'd per key. The consumer decodes SUB records at a time
 *           into its own rdbl_key_facts array.
 *
 * Why records and not rdbl_key_facts: every line the parsing thread writes
 * into a batch was last read by the other core, so each costs a transfer
 * before the store completes. A fact is 224 bytes; a typical record is a
 * core of 72 and a key of a few dozen. On bench-1g the parsing thread
 * (the longer of the two) spent ~1/5 of its time waiting on those stores.
 * On x86-64 the records are written with non-temporal stores, which need
 * no transfer at all (put_bytes).
 *
 * Bounded: NBATCH batches of BATCH_FACTS records and BATCH_BYTES exist,
 * ever; a producer that gets ahead waits for a free batch. A fact too big
 * for a batch (a huge key name) is not copied: the producer waits until
 * the consumer is idle and adds it itself (rdbl__aggq_sync), as it does for
 * every call that touches the aggregate directly (set_now, functions,
 * module aux records, the snapshot).
 *
 * Errors: the first failing rdbl_agg_add() is kept; later batches are
 * dropped, and the producer sees the error at its next add or sync.
 *
 * Helping: the one expensive step of an add that depends on nothing but
 * the fact is compressing a value sample for the compressibility advice
 * (LZ4 and deflate, up to 64 MiB per file). A producer that finds no spare
 * batch, instead of sleeping, compresses samples of the facts still queued,
 * and the consumer takes the sizes it finds ready. Each such fact has a
 * state, claimed by compare-and-swap:
 *
 *   WANT ──producer──▶ BUSY ──▶ DONE (sizes stored, then released)
 *     └──consumer──▶ MINE (it compresses itself)
 *
 * A consumer that meets BUSY waits for DONE. Sizes are the same whoever
 * computes them, so the aggregate does not change.
 *
 * Without an aggregate (rdbl__aggq_start_fn), the consumer hands each fact
 * to a function instead (diff: the pattern tree and the partition files);
 * no samples are compressed then. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <emmintrin.h>
#define RDBL__STREAM_STORES 1
#else
#define RDBL__STREAM_STORES 0
#endif

#include "agg/agg_internal.h"
#include "analysis/analysis_int.h"
#include "internal.h"

/* 4 x 2 MiB of records (4096 at most each). Batches of 1024 cost a futex
 * wake of the consumer every 1024 keys: on bench-1g 4x more context
 * switches and 2% more CPU in the parsing thread. */
#define NBATCH 4
#define BATCH_FACTS 4096
#define BATCH_BYTES (2048u << 10)
#define SUB 256 /* records the consumer decodes at a time (~56 KiB of facts) */

enum { S_NONE = 0, S_WANT, S_BUSY, S_DONE, S_MINE };

/* A queued fact: this, the key's bytes, then (QF_EXT) a qext and its
 * sample, module and compact-config bytes; each part 8-aligned. */
typedef struct qcore {
    uint64_t db, elements, rdb_bytes, mem_bytes, largest_element, value_bytes;
    int64_t expire_ms;
    const char *mem_encoding; /* static */
    uint32_t key_len;
    uint8_t type, encoding, flags;
} qcore;

enum { QF_EXPIRE = 1, QF_MODELLED = 2, QF_EXT = 4 };
_Static_assert(sizeof(qcore) % 8 == 0, "records stay 8-aligned");

typedef struct qext {
    int64_t idle_s, min_field_expire_ms;
    uint64_t fields_with_ttl, compact_mem_bytes, value_digest;
    uint32_t sample_len, module_len, config_len; /* config_len counts its NUL */
    int32_t freq;
} qext;
_Static_assert(sizeof(qext) % 8 == 0, "records stay 8-aligned");

typedef struct batch {
    size_t n;                      /* records */
    size_t used;                   /* bytes of rec */
    size_t help_next, help_pos;    /* the producer's scan: record, byte */
    atomic_uchar state[BATCH_FACTS];
    rdbl__sample_sizes sizes[BATCH_FACTS];
    uint8_t rec[BATCH_BYTES];
} batch;

struct rdbl__aggq {
    rdbl_agg *agg;
    rdbl__aggq_fn fn;              /* instead of agg */
    void *fn_user;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t wake_consumer;
    pthread_cond_t wake_producer;
    batch *full[NBATCH];           /* ring of filled batches, oldest at fhead */
    size_t fhead, fcount;
    batch *spare[NBATCH];          /* empty batches */
    size_t nspare;
    bool busy;                     /* the consumer is adding a batch */
    bool stop;
    rdbl_status err;               /* first aggregation error (under mu) */
    atomic_int failed;             /* err != RDBL_OK, readable without the lock */
    batch *cur;                    /* the producer's batch being filled */
    batch *adding;                 /* the batch the consumer is adding, or NULL */
    batch *all[NBATCH];
    const rdbl_agg_opts *opts;     /* the aggregate's (read-only) */
    rdbl__compressor *cz;          /* the producer's, for helping */
    rdbl_key_facts sub[SUB];       /* the consumer's decoded records */
    bool sub_ext[SUB];             /* sub[k]'s qext fields are off their defaults */
};

static size_t up8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static bool enum_fits(unsigned v)
{
    return v <= UINT8_MAX;
}

/* True when f needs a qext: a field off its default (rdbl_key_facts_init). */
static bool needs_ext(const rdbl_key_facts *f)
{
    return f->idle_s != -1 || f->freq != -1 || f->min_field_expire_ms != -1 ||
           f->fields_with_ttl || f->compact_mem_bytes || f->compact_config || f->sample.len ||
           f->module.len || f->value_digest;
}

/* How f is stored: its record's bytes (0 when it cannot be one: a field
 * too wide, added in line like a huge key), whether it has a qext, and the
 * compact-config bytes with their NUL. Worked out once per fact, for both
 * the room check and the encoding. */
typedef struct qshape {
    size_t size;
    bool ext;
    size_t cfg;
} qshape;

static qshape rec_shape(const rdbl_key_facts *f)
{
    qshape q = {0, needs_ext(f), 0};
    if (f->key.len > BATCH_BYTES || !enum_fits((unsigned)f->type) ||
        !enum_fits((unsigned)f->encoding))
        return q;
    size_t n = sizeof(qcore) + up8(f->key.len);
    if (q.ext) {
        q.cfg = f->compact_config ? strlen(f->compact_config) + 1 : 0;
        if (f->sample.len > BATCH_BYTES || f->module.len > BATCH_BYTES || q.cfg > BATCH_BYTES)
            return q;
        n += sizeof(qext) + up8(f->sample.len) + up8(f->module.len) + up8(q.cfg);
    }
    q.size = n > BATCH_BYTES ? 0 : n;
    return q;
}

/* Copies n bytes to d; @return d + n rounded up to 8 (the padding is never
 * read back).
 *
 * On x86-64 the words go out as non-temporal stores: a batch's lines were
 * last read by the consumer's core, and an ordinary store must first take
 * each line back from that core (a read-for-ownership) while the parsing
 * thread waits on a full store buffer. Streamed words need no line. The
 * consumer then reads the batch from memory, which costs it less than the
 * transfers cost the producer: bench-1g report, medians of 6 alternating
 * runs, wall 2.26 -> 1.88 s, CPU 3.85 -> 3.20 s. push() fences them before
 * a batch changes hands. */
static uint8_t *put_bytes(uint8_t *d, const void *src, size_t n)
{
#if RDBL__STREAM_STORES
    const uint8_t *s = src;
    long long *o = (long long *)(void *)d;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        long long w;
        memcpy(&w, s + i, 8);
        _mm_stream_si64(o++, w);
    }
    if (i < n) {
        long long w = 0;
        memcpy(&w, s + i, n - i);
        _mm_stream_si64(o, w);
    }
#else
    if (n)
        memcpy(d, src, n);
#endif
    return d + up8(n);
}

/* Makes the batch's streamed stores visible before it changes hands. */
static void fence_batch(void)
{
#if RDBL__STREAM_STORES
    _mm_sfence();
#endif
}

/* Writes f's record (q->size bytes) at d. The core is built here and
 * stored whole, so each line of the batch is written once. */
static void encode(uint8_t *d, const rdbl_key_facts *f, const qshape *q)
{
    const bool ext = q->ext;
    qcore c = {
        .db = f->db,
        .elements = f->elements,
        .rdb_bytes = f->rdb_bytes,
        .mem_bytes = f->mem_bytes,
        .largest_element = f->largest_element,
        .value_bytes = f->value_bytes,
        .expire_ms = f->expire_ms,
        .mem_encoding = f->mem_encoding,
        .key_len = (uint32_t)f->key.len,
        .type = (uint8_t)f->type,
        .encoding = (uint8_t)f->encoding,
        .flags = (uint8_t)((f->has_expire ? QF_EXPIRE : 0) | (f->modelled ? QF_MODELLED : 0) |
                           (ext ? QF_EXT : 0)),
    };
    d = put_bytes(d, &c, sizeof c);
    d = put_bytes(d, f->key.ptr, f->key.len);
    if (!ext)
        return;
    const size_t cfg = q->cfg;
    qext x = {
        .idle_s = f->idle_s,
        .min_field_expire_ms = f->min_field_expire_ms,
        .fields_with_ttl = f->fields_with_ttl,
        .compact_mem_bytes = f->compact_mem_bytes,
        .value_digest = f->value_digest,
        .sample_len = (uint32_t)f->sample.len,
        .module_len = (uint32_t)f->module.len,
        .config_len = (uint32_t)cfg,
        .freq = f->freq,
    };
    d = put_bytes(d, &x, sizeof x);
    d = put_bytes(d, f->sample.ptr, f->sample.len);
    d = put_bytes(d, f->module.ptr, f->module.len);
    put_bytes(d, f->compact_config, cfg);
}

/* The position of the record after the one at rec + pos. */
static size_t rec_next(const uint8_t *rec, size_t pos)
{
    qcore c;
    memcpy(&c, rec + pos, sizeof c);
    pos += sizeof c + up8(c.key_len);
    if (c.flags & QF_EXT) {
        qext x;
        memcpy(&x, rec + pos, sizeof x);
        pos += sizeof x + up8(x.sample_len) + up8(x.module_len) + up8(x.config_len);
    }
    return pos;
}

static const uint8_t none[1];

/* Sets every field a qext carries to its default (rdbl_key_facts_init). */
static void ext_reset(rdbl_key_facts *f)
{
    f->idle_s = -1;
    f->freq = -1;
    f->min_field_expire_ms = -1;
    f->fields_with_ttl = 0;
    f->compact_mem_bytes = 0;
    f->compact_config = NULL;
    f->sample = (rdbl_str){none, 0};
    f->module = (rdbl_str){none, 0};
    f->value_digest = 0;
}

/* Reads the record at rec + pos into *f (pointing into the batch), whose
 * qext fields must be at their defaults: only the fields a record carries
 * are written. *ext: whether the record had a qext (f's qext fields are
 * off their defaults then). @return the position of the next record. */
static size_t decode_over(const uint8_t *rec, size_t pos, rdbl_key_facts *f, bool *ext)
{
    qcore c;
    memcpy(&c, rec + pos, sizeof c);
    const uint8_t *p = rec + pos + sizeof c;
    f->db = c.db;
    f->key = (rdbl_str){p, c.key_len};
    f->type = (rdbl_type)c.type;
    f->encoding = (rdbl_encoding)c.encoding;
    f->mem_encoding = c.mem_encoding;
    f->elements = c.elements;
    f->rdb_bytes = c.rdb_bytes;
    f->mem_bytes = c.mem_bytes;
    f->largest_element = c.largest_element;
    f->value_bytes = c.value_bytes;
    f->has_expire = (c.flags & QF_EXPIRE) != 0;
    f->expire_ms = c.expire_ms;
    f->modelled = (c.flags & QF_MODELLED) != 0;
    p += up8(c.key_len);
    *ext = (c.flags & QF_EXT) != 0;
    if (*ext) {
        qext x;
        memcpy(&x, p, sizeof x);
        p += sizeof x;
        f->idle_s = x.idle_s;
        f->freq = x.freq;
        f->min_field_expire_ms = x.min_field_expire_ms;
        f->fields_with_ttl = x.fields_with_ttl;
        f->compact_mem_bytes = x.compact_mem_bytes;
        f->value_digest = x.value_digest;
        if (x.sample_len)
            f->sample = (rdbl_str){p, x.sample_len};
        p += up8(x.sample_len);
        if (x.module_len)
            f->module = (rdbl_str){p, x.module_len};
        p += up8(x.module_len);
        if (x.config_len)
            f->compact_config = (const char *)p;
        p += up8(x.config_len);
    }
    return (size_t)(p - rec);
}

/* Reads the record at rec + pos into *f. @return the next position. */
static size_t decode(const uint8_t *rec, size_t pos, rdbl_key_facts *f)
{
    bool ext;
    memset(f, 0, sizeof *f);
    ext_reset(f);
    return decode_over(rec, pos, f, &ext);
}

/* The records of a batch decoded into q->sub: sub[0] is record base. */
typedef struct subview {
    batch *b;
    const rdbl_key_facts *sub;
    size_t base;
} subview;

/* The consumer's side of a fact's sample sizes (rdbl__sizes_fn). */
static void sizes_of(void *ctx, const rdbl_key_facts *f, rdbl__sample_sizes *out)
{
    const subview *v = ctx;
    batch *b = v->b;
    size_t i = v->base + (size_t)(f - v->sub);
    unsigned char want = S_WANT;
    if (atomic_compare_exchange_strong(&b->state[i], &want, S_MINE))
        return; /* nobody helped: the advice compresses it */
    if (want != S_BUSY && want != S_DONE)
        return;
    while (atomic_load_explicit(&b->state[i], memory_order_acquire) != S_DONE)
        sched_yield(); /* the producer is compressing it right now */
    *out = b->sizes[i];
}

/* Called by the producer, holding q->mu, when it would wait: compresses
 * one queued sample (mu is released meanwhile). @return false when there
 * was nothing to do. */
static bool help(rdbl__aggq *q)
{
    batch *cand[NBATCH + 1];
    size_t nc = 0;
    if (q->adding)
        cand[nc++] = q->adding;
    for (size_t k = 0; k < q->fcount; k++)
        cand[nc++] = q->full[(q->fhead + k) % NBATCH];
    for (size_t c = 0; c < nc; c++) {
        batch *b = cand[c];
        while (b->help_next < b->n) {
            size_t i = b->help_next++, at = b->help_pos;
            b->help_pos = rec_next(b->rec, at);
            unsigned char want = S_WANT;
            if (!atomic_compare_exchange_strong(&b->state[i], &want, S_BUSY))
                continue;
            rdbl_key_facts f;
            decode(b->rec, at, &f);
            pthread_mutex_unlock(&q->mu);
            if (!q->cz)
                q->cz = rdbl__compressor_new();
            rdbl__sample_sizes sz = {0, 0, false};
            if (q->cz)
                rdbl__compress_sizes(q->cz, &f, &sz);
            /* Until DONE only this thread touches the batch's bytes: the
             * consumer waits on BUSY, and a finished batch goes back to the
             * spares, which only this thread takes. */
            b->sizes[i] = sz;
            atomic_store_explicit(&b->state[i], S_DONE, memory_order_release);
            pthread_mutex_lock(&q->mu);
            return true;
        }
    }
    return false;
}

/* The consumer's work on one batch: SUB records at a time, decoded. */
static rdbl_status add_batch(rdbl__aggq *q, batch *b)
{
    size_t pos = 0;
    rdbl_status st = RDBL_OK;
    for (size_t base = 0; base < b->n && st == RDBL_OK; base += SUB) {
        size_t m = b->n - base < SUB ? b->n - base : SUB;
        for (size_t k = 0; k < m; k++) {
            /* most records have no qext: their slot keeps the defaults */
            if (q->sub_ext[k])
                ext_reset(&q->sub[k]);
            pos = decode_over(b->rec, pos, &q->sub[k], &q->sub_ext[k]);
        }
        if (q->fn) {
            for (size_t k = 0; k < m && st == RDBL_OK; k++)
                st = q->fn(q->fn_user, &q->sub[k]);
        } else {
            subview v = {b, q->sub, base};
            st = rdbl__agg_add_batch(q->agg, q->sub, m, sizes_of, &v);
        }
    }
    return st;
}

static void *consumer(void *arg)
{
    rdbl__aggq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (q->fcount == 0 && !q->stop)
            pthread_cond_wait(&q->wake_consumer, &q->mu);
        if (q->fcount == 0)
            break; /* stop, and nothing left */
        batch *b = q->full[q->fhead];
        q->fhead = (q->fhead + 1) % NBATCH;
        q->fcount--;
        q->busy = true;
        q->adding = b;
        bool skip = q->err != RDBL_OK;
        pthread_mutex_unlock(&q->mu);

        rdbl_status st = skip ? RDBL_OK : add_batch(q, b);

        pthread_mutex_lock(&q->mu);
        q->adding = NULL;
        b->n = 0;
        b->used = 0;
        b->help_next = b->help_pos = 0;
        if (st != RDBL_OK && q->err == RDBL_OK) {
            q->err = st;
            atomic_store_explicit(&q->failed, 1, memory_order_relaxed);
        }
        q->spare[q->nspare++] = b;
        q->busy = false;
        pthread_cond_signal(&q->wake_producer);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static rdbl__aggq *start(rdbl_agg *agg, rdbl__aggq_fn fn, void *user)
{
    rdbl__aggq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->agg = agg;
    q->fn = fn;
    q->fn_user = user;
    q->opts = agg ? rdbl_agg_get_opts(agg) : NULL;
    for (size_t k = 0; k < SUB; k++)
        ext_reset(&q->sub[k]); /* calloc'd: the rest is 0 */
    for (size_t i = 0; i < NBATCH; i++) {
        q->all[i] = malloc(sizeof *q->all[i]);
        if (!q->all[i])
            goto fail;
        q->all[i]->n = q->all[i]->used = q->all[i]->help_next = q->all[i]->help_pos = 0;
    }
    q->cur = q->all[0];
    for (size_t i = 1; i < NBATCH; i++)
        q->spare[q->nspare++] = q->all[i];
    atomic_init(&q->failed, 0);
    if (pthread_mutex_init(&q->mu, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&q->wake_consumer, NULL) != 0) {
        pthread_mutex_destroy(&q->mu);
        goto fail;
    }
    if (pthread_cond_init(&q->wake_producer, NULL) != 0) {
        pthread_cond_destroy(&q->wake_consumer);
        pthread_mutex_destroy(&q->mu);
        goto fail;
    }
    if (pthread_create(&q->th, NULL, consumer, q) != 0) {
        pthread_cond_destroy(&q->wake_producer);
        pthread_cond_destroy(&q->wake_consumer);
        pthread_mutex_destroy(&q->mu);
        goto fail;
    }
    return q;
fail:
    for (size_t i = 0; i < NBATCH; i++)
        free(q->all[i]);
    free(q);
    return NULL;
}

rdbl__aggq *rdbl__aggq_start(rdbl_agg *agg)
{
    return start(agg, NULL, NULL);
}

rdbl__aggq *rdbl__aggq_start_fn(rdbl__aggq_fn fn, void *user)
{
    return start(NULL, fn, user);
}

/* Hands the current batch over (if it holds anything) and takes a spare,
 * waiting for one when the consumer is behind. */
static void push(rdbl__aggq *q)
{
    if (q->cur->n == 0)
        return;
    fence_batch();
    pthread_mutex_lock(&q->mu);
    q->full[(q->fhead + q->fcount) % NBATCH] = q->cur;
    q->fcount++;
    pthread_cond_signal(&q->wake_consumer);
    while (q->nspare == 0)
        if (!help(q))
            pthread_cond_wait(&q->wake_producer, &q->mu);
    q->cur = q->spare[--q->nspare];
    pthread_mutex_unlock(&q->mu);
}

rdbl_status rdbl__aggq_sync(rdbl__aggq *q)
{
    push(q);
    pthread_mutex_lock(&q->mu);
    while (q->fcount > 0 || q->busy)
        pthread_cond_wait(&q->wake_producer, &q->mu);
    rdbl_status st = q->err;
    pthread_mutex_unlock(&q->mu);
    return st;
}

rdbl_status rdbl__aggq_add(rdbl__aggq *q, const rdbl_key_facts *f)
{
    if (atomic_load_explicit(&q->failed, memory_order_relaxed))
        return rdbl__aggq_sync(q);
    const qshape sh = rec_shape(f);
    if (sh.size == 0)
        goto inline_add;
    if (q->cur->n == BATCH_FACTS || sh.size > BATCH_BYTES - q->cur->used)
        push(q);
    batch *b = q->cur;
    size_t i = b->n++;
    encode(b->rec + b->used, f, &sh);
    b->used += sh.size;
    atomic_store_explicit(&b->state[i],
                          q->opts && rdbl__advice_samples(q->opts, f) ? S_WANT : S_NONE,
                          memory_order_relaxed); /* published by the push's mutex */
    return RDBL_OK;

inline_add:;
    /* Too big to copy (a key name of hundreds of KiB): add it here once the
     * consumer has caught up, in the same order. */
    rdbl_status st = rdbl__aggq_sync(q);
    if (st == RDBL_OK &&
        (st = q->fn ? q->fn(q->fn_user, f) : rdbl_agg_add(q->agg, f)) != RDBL_OK) {
        pthread_mutex_lock(&q->mu);
        q->err = st;
        atomic_store_explicit(&q->failed, 1, memory_order_relaxed);
        pthread_mutex_unlock(&q->mu);
    }
    return st;
}

rdbl_status rdbl__aggq_finish(rdbl__aggq *q)
{
    if (!q)
        return RDBL_OK;
    rdbl_status st = rdbl__aggq_sync(q);
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_signal(&q->wake_consumer);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->th, NULL);
    pthread_cond_destroy(&q->wake_producer);
    pthread_cond_destroy(&q->wake_consumer);
    pthread_mutex_destroy(&q->mu);
    for (size_t i = 0; i < NBATCH; i++)
        free(q->all[i]);
    rdbl__compressor_free(q->cz);
    free(q);
    return st;
}

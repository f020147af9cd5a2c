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
 *   batch = fact records + one arena for their bytes (key, value sample,
 *           compact-config text, module name); nothing is malloc'd per key.
 *
 * Bounded: NBATCH batches of BATCH_FACTS facts and BATCH_ARENA bytes exist,
 * ever; a producer that gets ahead waits for a free batch. A fact too big
 * for an arena (a huge key name) is not copied: the producer waits until
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
#include <stdlib.h>

#include "agg/agg_internal.h"
#include "analysis/analysis_int.h"
#include "internal.h"

/* 4 x (4096 facts + 2 MiB) = ~11 MiB. Batches of 1024 cost a futex wake
 * of the consumer every 1024 keys: on bench-1g 4x more context switches
 * and 2% more CPU in the parsing thread. */
#define NBATCH 4
#define BATCH_FACTS 4096
#define BATCH_ARENA (2048u << 10)

enum { S_NONE = 0, S_WANT, S_BUSY, S_DONE, S_MINE };

typedef struct batch {
    size_t n;
    size_t used;
    size_t help_next;              /* the producer's scan position */
    rdbl_key_facts facts[BATCH_FACTS];
    atomic_uchar state[BATCH_FACTS];
    rdbl__sample_sizes sizes[BATCH_FACTS];
    uint8_t arena[BATCH_ARENA];
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
};

/* The consumer's side of a fact's sample sizes (rdbl__sizes_fn). */
static void sizes_of(void *ctx, const rdbl_key_facts *f, rdbl__sample_sizes *out)
{
    batch *b = ctx;
    size_t i = (size_t)(f - b->facts);
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
            size_t i = b->help_next++;
            unsigned char want = S_WANT;
            if (!atomic_compare_exchange_strong(&b->state[i], &want, S_BUSY))
                continue;
            pthread_mutex_unlock(&q->mu);
            if (!q->cz)
                q->cz = rdbl__compressor_new();
            rdbl__sample_sizes sz = {0, 0, false};
            if (q->cz)
                rdbl__compress_sizes(q->cz, &b->facts[i], &sz);
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

        rdbl_status st = RDBL_OK;
        if (skip)
            ;
        else if (q->fn)
            for (size_t i = 0; i < b->n && st == RDBL_OK; i++)
                st = q->fn(q->fn_user, &b->facts[i]);
        else
            st = rdbl__agg_add_batch(q->agg, b->facts, b->n, sizes_of, b);

        pthread_mutex_lock(&q->mu);
        q->adding = NULL;
        b->n = 0;
        b->used = 0;
        b->help_next = 0;
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
    for (size_t i = 0; i < NBATCH; i++) {
        q->all[i] = malloc(sizeof *q->all[i]);
        if (!q->all[i])
            goto fail;
        q->all[i]->n = q->all[i]->used = q->all[i]->help_next = 0;
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

static const uint8_t *copy_in(batch *b, const uint8_t *p, size_t n)
{
    uint8_t *d = b->arena + b->used;
    if (n)
        memcpy(d, p, n);
    b->used += n;
    return d;
}

rdbl_key_facts *rdbl__aggq_slot(rdbl__aggq *q, size_t bytes, uint8_t **arena)
{
    if (atomic_load_explicit(&q->failed, memory_order_relaxed) || bytes > BATCH_ARENA)
        return NULL;
    if (q->cur->n == BATCH_FACTS || bytes > BATCH_ARENA - q->cur->used)
        push(q);
    batch *b = q->cur;
    *arena = b->arena + b->used;
    b->used += bytes;
    return &b->facts[b->n];
}

void rdbl__aggq_commit(rdbl__aggq *q)
{
    batch *b = q->cur;
    size_t i = b->n++;
    atomic_store_explicit(&b->state[i],
                          q->opts && rdbl__advice_samples(q->opts, &b->facts[i]) ? S_WANT
                                                                                 : S_NONE,
                          memory_order_relaxed); /* published by the push's mutex */
}

rdbl_status rdbl__aggq_add(rdbl__aggq *q, const rdbl_key_facts *f)
{
    if (atomic_load_explicit(&q->failed, memory_order_relaxed))
        return rdbl__aggq_sync(q);
    size_t cfg = f->compact_config ? strlen(f->compact_config) + 1 : 0;
    size_t need = cfg;
    if (f->key.len > BATCH_ARENA - need)
        goto inline_add;
    need += f->key.len;
    if (f->sample.len > BATCH_ARENA - need)
        goto inline_add;
    need += f->sample.len;
    if (f->module.len > BATCH_ARENA - need)
        goto inline_add;
    need += f->module.len;
    if (q->cur->n == BATCH_FACTS || need > BATCH_ARENA - q->cur->used)
        push(q);
    batch *b = q->cur;
    size_t i = b->n++;
    rdbl_key_facts *d = &b->facts[i];
    *d = *f;
    atomic_store_explicit(&b->state[i],
                          q->opts && rdbl__advice_samples(q->opts, f) ? S_WANT : S_NONE,
                          memory_order_relaxed); /* published by the push's mutex */
    /* mem_encoding is a static string of the memory model: kept as is */
    d->key.ptr = copy_in(b, f->key.ptr, f->key.len);
    d->sample.ptr = copy_in(b, f->sample.ptr, f->sample.len);
    d->module.ptr = copy_in(b, f->module.ptr, f->module.len);
    if (cfg)
        d->compact_config = (const char *)copy_in(b, (const uint8_t *)f->compact_config, cfg);
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

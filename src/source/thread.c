/* Decompression in a second thread: a producer reads and decodes into a
 * ring of RDBL__QUEUE chunks; the consumer (rdbl_source_need) takes them in
 * order and gives each back once it is done with it.
 *
 *   counters: released <= taken <= produced <= released + RDBL__QUEUE
 *   chunk[i % RDBL__QUEUE]: i in [released, taken) held by the consumer,
 *                           [taken, produced) ready, produced: being filled
 *
 * Memory is fixed (RDBL__QUEUE chunks), so a consumer that stalls stalls
 * the producer too. Stopping early sets a flag the producer checks after
 * every decoder step (at most one read plus one chunk of output) and wakes
 * it if it waits for a free chunk; a producer blocked in read() on a pipe
 * waits for that read to return. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "source/source_int.h"

#define RDBL__QUEUE 4

struct rdbl__thread {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t can_fill; /* producer waits: all chunks in use */
    pthread_cond_t can_take; /* consumer waits: nothing ready */
    uint8_t *chunk[RDBL__QUEUE];
    size_t len[RDBL__QUEUE];
    size_t chunk_size;
    uint64_t produced, taken, released;
    bool finished;       /* no more chunks will come */
    rdbl_status status;  /* at finish: RDBL_TRUNCATED (clean end) or the failure */
    rdbl_error err;      /* the producer's error, read after finished */
    atomic_bool stop;
    _Atomic uint64_t in_consumed;
    rdbl__input *in;
    rdbl__dec *dec;
};

static void *producer_main(void *arg)
{
    rdbl__thread *t = arg;
    for (;;) {
        pthread_mutex_lock(&t->mu);
        while (t->produced - t->released >= RDBL__QUEUE && !atomic_load(&t->stop))
            pthread_cond_wait(&t->can_fill, &t->mu);
        uint64_t slot = t->produced % RDBL__QUEUE;
        pthread_mutex_unlock(&t->mu);
        if (atomic_load(&t->stop))
            break;

        uint8_t *c = t->chunk[slot];
        size_t len = 0;
        rdbl_status st = RDBL_OK;
        while (len < t->chunk_size && !t->dec->done) {
            size_t got = 0;
            st = rdbl__dec_step(t->dec, t->in, c + len, t->chunk_size - len, &got, &t->err);
            len += got;
            atomic_store_explicit(&t->in_consumed, rdbl__input_offset(t->in),
                                  memory_order_relaxed);
            if (st != RDBL_OK || atomic_load_explicit(&t->stop, memory_order_relaxed))
                break;
        }

        pthread_mutex_lock(&t->mu);
        t->len[slot] = len;
        if (len)
            t->produced++;
        bool end = st != RDBL_OK || t->dec->done;
        if (end) {
            t->finished = true;
            t->status = st != RDBL_OK ? st : RDBL_TRUNCATED;
        }
        pthread_cond_signal(&t->can_take);
        pthread_mutex_unlock(&t->mu);
        if (end)
            break;
    }
    return NULL;
}

static void thread_free(rdbl__thread *t)
{
    for (int i = 0; i < RDBL__QUEUE; i++)
        free(t->chunk[i]);
    free(t);
}

rdbl_status rdbl__thread_start(rdbl__thread **out, rdbl__input *in, rdbl__dec *dec,
                               size_t chunk)
{
    *out = NULL;
    rdbl__thread *t = calloc(1, sizeof *t);
    if (!t)
        return RDBL_NOMEM;
    t->chunk_size = chunk;
    t->in = in;
    t->dec = dec;
    t->status = RDBL_OK;
    atomic_init(&t->stop, false);
    atomic_init(&t->in_consumed, rdbl__input_offset(in));
    for (int i = 0; i < RDBL__QUEUE; i++) {
        t->chunk[i] = malloc(chunk);
        if (!t->chunk[i]) {
            thread_free(t);
            return RDBL_NOMEM;
        }
    }
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        thread_free(t);
        return RDBL_NOMEM;
    }
    if (pthread_cond_init(&t->can_fill, NULL) != 0) {
        pthread_mutex_destroy(&t->mu);
        thread_free(t);
        return RDBL_NOMEM;
    }
    if (pthread_cond_init(&t->can_take, NULL) != 0) {
        pthread_cond_destroy(&t->can_fill);
        pthread_mutex_destroy(&t->mu);
        thread_free(t);
        return RDBL_NOMEM;
    }
    if (pthread_create(&t->tid, NULL, producer_main, t) != 0) {
        pthread_cond_destroy(&t->can_take);
        pthread_cond_destroy(&t->can_fill);
        pthread_mutex_destroy(&t->mu);
        thread_free(t);
        return RDBL_NOMEM;
    }
    *out = t;
    return RDBL_OK;
}

bool rdbl__thread_take(rdbl__thread *t, const uint8_t **p, size_t *len, rdbl_status *st,
                       rdbl_error *err)
{
    pthread_mutex_lock(&t->mu);
    while (t->taken == t->produced && !t->finished)
        pthread_cond_wait(&t->can_take, &t->mu);
    if (t->taken < t->produced) {
        uint64_t slot = t->taken % RDBL__QUEUE;
        *p = t->chunk[slot];
        *len = t->len[slot];
        t->taken++;
        pthread_mutex_unlock(&t->mu);
        return true;
    }
    *st = t->status;
    if (t->err.code != RDBL_OK && err && err->code == RDBL_OK)
        *err = t->err;
    pthread_mutex_unlock(&t->mu);
    return false;
}

void rdbl__thread_release(rdbl__thread *t)
{
    pthread_mutex_lock(&t->mu);
    if (ALWAYS(t->released < t->taken))
        t->released++;
    pthread_cond_signal(&t->can_fill);
    pthread_mutex_unlock(&t->mu);
}

uint64_t rdbl__thread_input_consumed(const rdbl__thread *t)
{
    /* atomic_load takes a non-const pointer in C11 */
    return atomic_load_explicit(&((rdbl__thread *)t)->in_consumed, memory_order_relaxed);
}

void rdbl__thread_stop(rdbl__thread *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    atomic_store(&t->stop, true);
    pthread_cond_signal(&t->can_fill);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->tid, NULL);
    pthread_cond_destroy(&t->can_take);
    pthread_cond_destroy(&t->can_fill);
    pthread_mutex_destroy(&t->mu);
    thread_free(t);
}

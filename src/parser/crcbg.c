/* The CRC-64 in a helper thread (RDBL_PARSE_CRC_THREAD).
 *
 * Only for input that stays in memory (a mapped file, a memory buffer):
 * the helper reads the bytes where they are, so nothing is copied. It runs
 * at most RDBL__CRCBG_AHEAD bytes beyond what the parser has consumed (so it
 * also takes the page faults of the mapping before the parser gets there,
 * without growing the resident size by more than that), and it cannot know
 * where the EOF opcode is. So it keeps the CRC at every RDBL__CRCBG_STEP
 * boundary in a ring; at the end the parser names the length n, the helper
 * stops, and the CRC of [0, n) is finished from the last boundary <= n (or
 * from wherever the helper got to, if it is behind).
 *
 *   base [ done by the helper | ... ]            len
 *        0       ^ checkpoints every STEP        ^ consumed + AHEAD (limit)
 *
 * The parser never gets ahead of the helper: before it releases bytes to
 * the source, it waits until the helper has been over them (without
 * contention the helper is far ahead and nobody waits). A mapped source
 * gives released pages back to the kernel; a helper still reading there
 * would fault them in again, for good, and the resident size would grow.
 *
 * The result is bit-for-bit rdbl_crc64(init, base, n): CRC-64 is computed
 * sequentially here too, only on another core. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "parser/reader.h"

#define RDBL__CRCBG_STEP ((size_t)256 << 10)
#define RDBL__CRCBG_AHEAD ((size_t)4 << 20)
/* Enough checkpoints to reach back from the helper's furthest point
 * (consumed + AHEAD) to the boundary below any n >= consumed. */
#define RDBL__CRCBG_RING (RDBL__CRCBG_AHEAD / RDBL__CRCBG_STEP + 4)

struct rdbl__crcbg {
    const uint8_t *base;
    size_t len;
    uint64_t init;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t limit;      /* under mu: the helper may read base[0, limit) */
    bool waiting;      /* under mu: the helper sleeps on cv */
    atomic_bool behind; /* the parser sleeps on cv_done (set under mu) */
    pthread_cond_t cv_done;
    atomic_bool stop;  /* set once, by finish/cancel */
    atomic_size_t done_pub; /* done, for the parser */
    /* the helper's own until joined */
    size_t done;
    uint64_t crc;
    struct {
        size_t pos;
        uint64_t crc;
    } ck[RDBL__CRCBG_RING];
};

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

static void *crcbg_main(void *arg)
{
    rdbl__crcbg *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!atomic_load_explicit(&c->stop, memory_order_relaxed) &&
               c->done >= min_sz(c->limit, c->len)) {
            c->waiting = true;
            pthread_cond_wait(&c->cv, &c->mu);
            c->waiting = false;
        }
        if (atomic_load_explicit(&c->stop, memory_order_relaxed))
            break;
        size_t to = min_sz(c->limit, c->len);
        pthread_mutex_unlock(&c->mu);
        while (c->done < to && !atomic_load_explicit(&c->stop, memory_order_relaxed)) {
            size_t next = min_sz(to, (c->done / RDBL__CRCBG_STEP + 1) * RDBL__CRCBG_STEP);
            c->crc = rdbl_crc64(c->crc, c->base + c->done, next - c->done);
            c->done = next;
            if (next % RDBL__CRCBG_STEP == 0) {
                size_t i = (next / RDBL__CRCBG_STEP) % RDBL__CRCBG_RING;
                c->ck[i].pos = next;
                c->ck[i].crc = c->crc;
            }
            /* seq_cst store then load, against the parser's store of
             * behind then load of done_pub: one of the two sees the other */
            atomic_store(&c->done_pub, next);
            if (atomic_load(&c->behind)) {
                pthread_mutex_lock(&c->mu);
                pthread_cond_signal(&c->cv_done);
                pthread_mutex_unlock(&c->mu);
            }
        }
        pthread_mutex_lock(&c->mu);
        if (atomic_load(&c->behind))
            pthread_cond_signal(&c->cv_done);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

rdbl__crcbg *rdbl__crcbg_start(const uint8_t *base, size_t len, uint64_t init)
{
    rdbl__crcbg *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->base = base;
    c->len = len;
    c->init = init;
    c->crc = init;
    c->limit = min_sz(len, RDBL__CRCBG_AHEAD);
    atomic_init(&c->stop, false);
    atomic_init(&c->done_pub, 0);
    atomic_init(&c->behind, false);
    for (size_t i = 0; i < RDBL__CRCBG_RING; i++)
        c->ck[i].pos = SIZE_MAX;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    if (pthread_cond_init(&c->cv, NULL) != 0) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    if (pthread_cond_init(&c->cv_done, NULL) != 0) {
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    /* make sure the CRC's dispatch (pthread_once) has run before a second
     * thread may race to it: harmless either way, but keeps it off the helper */
    (void)rdbl_crc64(0, NULL, 0);
    if (pthread_create(&c->th, NULL, crcbg_main, c) != 0) {
        pthread_cond_destroy(&c->cv_done);
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    return c;
}

void rdbl__crcbg_advance(rdbl__crcbg *c, size_t consumed)
{
    size_t limit = consumed > SIZE_MAX - RDBL__CRCBG_AHEAD ? SIZE_MAX
                                                           : consumed + RDBL__CRCBG_AHEAD;
    size_t need = min_sz(consumed, c->len);
    pthread_mutex_lock(&c->mu);
    if (limit > c->limit) {
        c->limit = limit;
        if (c->waiting)
            pthread_cond_signal(&c->cv);
    }
    /* the helper stops only when told to, so it will get there */
    while (atomic_load(&c->done_pub) < need) {
        atomic_store(&c->behind, true);
        if (atomic_load(&c->done_pub) >= need)
            break;
        pthread_cond_wait(&c->cv_done, &c->mu);
    }
    atomic_store(&c->behind, false);
    pthread_mutex_unlock(&c->mu);
}

/* Stops and joins the helper; frees nothing. */
static void crcbg_stop(rdbl__crcbg *c)
{
    pthread_mutex_lock(&c->mu);
    atomic_store_explicit(&c->stop, true, memory_order_relaxed);
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->th, NULL);
    pthread_cond_destroy(&c->cv_done);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
}

uint64_t rdbl__crcbg_finish(rdbl__crcbg *c, size_t n)
{
    crcbg_stop(c);
    if (NEVER(n > c->len))
        n = c->len;
    size_t from = 0;
    uint64_t crc = c->init;
    if (c->done <= n) {
        from = c->done;
        crc = c->crc;
    } else {
        size_t b = n / RDBL__CRCBG_STEP * RDBL__CRCBG_STEP;
        size_t i = (b / RDBL__CRCBG_STEP) % RDBL__CRCBG_RING;
        if (b > 0 && ALWAYS(c->ck[i].pos == b)) {
            from = b;
            crc = c->ck[i].crc;
        }
    }
    crc = rdbl_crc64(crc, c->base + from, n - from);
    free(c);
    return crc;
}

void rdbl__crcbg_cancel(rdbl__crcbg *c)
{
    if (!c)
        return;
    crcbg_stop(c);
    free(c);
}

/* Allocator calibration (`--allocator auto`): which size-class table the
 * writer's allocator used, judged by the one figure the file records about
 * the server's memory, the used-mem AUX field (zmalloc_used_memory() at
 * save time).
 *
 * The caller prices the data under each candidate (jemalloc quantum 8,
 * quantum 16, glibc) and hands over the reconciled used_memory estimates
 * (see totals.c). used-mem also holds what no snapshot records (client and
 * replication buffers, scripts, fragmentation inside the allocator's
 * bookkeeping is not in it), so the real figure normally sits a little above
 * the right candidate. A candidate is picked only when it is clearly the
 * closest: within PICK_MAX of used-mem, and its distance at most 2/3 of the
 * runner-up's and at least PICK_GAP of used-mem smaller, at every scale
 * within the estimates' uncertainty (when they were scaled up from a part
 * of the file). Otherwise the
 * default (jemalloc, quantum 8: upstream builds and the Docker images)
 * stays, and the reason says what was compared. */
#include <math.h>
#include <stdio.h>

#include "memmodel/mm.h"

#define PICK_MAX 0.12  /* the winner is within 12% of used-mem */
#define PICK_GAP 0.01  /* and beats the runner-up by 1% of used-mem or more */
#define PICK_RATIO 0.67 /* and is at most 2/3 of the runner-up's distance */
#define LIBC_GAP 0.05  /* libc must beat both jemalloc tables by 5% of used-mem */

static double mib(uint64_t b)
{
    return (double)b / (1024.0 * 1024.0);
}

/* "jemalloc 117.0 MiB, jemalloc-q16 134.9 MiB, libc 140.3 MiB" */
static void list_estimates(char *out, size_t cap, const rdbl_mem_calibration *c)
{
    size_t n = 0;
    out[0] = '\0';
    for (int a = 0; a < RDBL_ALLOC__COUNT && n < cap; a++) {
        int w = snprintf(out + n, cap - n, "%s%s %.1f MiB", a ? ", " : "",
                         rdbl_allocator_name((rdbl_allocator)a), mib(c->used_memory_est[a]));
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

/* The clear winner at one scale of the non-startup part (-1: none). */
static int pick_at(const rdbl_mem_calibration *c, double scale)
{
    double used = (double)c->writer_used_mem;
    double e[RDBL_ALLOC__COUNT];
    int best = 0, second = -1;
    for (int a = 0; a < RDBL_ALLOC__COUNT; a++) {
        double est = (double)c->used_memory_est[a];
        e[a] = fabs(est * scale - used) / used;
        if (e[a] < e[best])
            best = a;
    }
    for (int a = 0; a < RDBL_ALLOC__COUNT; a++)
        if (a != best && (second < 0 || e[a] < e[second]))
            second = a;
    bool clear = e[best] <= PICK_MAX && e[second] - e[best] >= PICK_GAP &&
                 e[best] <= PICK_RATIO * e[second];
    /* glibc's table lies between the two jemalloc ones, a few percent above
     * quantum 8: the memory used-mem holds beyond the data (buffers, scripts)
     * can make it look closest on a quantum-8 server (Redis 7.4.1 from its
     * tag, 3k keys: used-mem 39.4 MiB, libc 39.4, jemalloc 38.2). Redis and
     * Valkey use jemalloc on Linux unless built with MALLOC=libc, so libc
     * needs a wide margin over both. */
    if (clear && best == RDBL_ALLOC_LIBC)
        clear = e[RDBL_ALLOC_JEMALLOC] - e[best] >= LIBC_GAP &&
                e[RDBL_ALLOC_JEMALLOC_Q16] - e[best] >= LIBC_GAP;
    return clear ? best : -1;
}

int rdbl_mem_calibration_pick(const rdbl_mem_calibration *c)
{
    if (!c || c->writer_used_mem <= 0)
        return -1;
    double u = c->uncertainty > 0 ? c->uncertainty : 0;
    int p = pick_at(c, 1.0);
    if (p >= 0 && u > 0 && (pick_at(c, 1.0 - u) != p || pick_at(c, 1.0 + u) != p))
        return -1;
    return p;
}

void rdbl_mem_calibrate(rdbl_mem_config *cfg, const rdbl_mem_calibration *c, const char *why)
{
    char *r = cfg->allocator_reason;
    size_t cap = sizeof cfg->allocator_reason;
    if (!cfg->allocator_auto) {
        cfg->allocator_source = RDBL_ALLOC_SRC_OPTION;
        snprintf(r, cap, "%s: given with --allocator", rdbl_allocator_name(cfg->allocator));
        return;
    }
    cfg->allocator = RDBL_ALLOC_JEMALLOC;
    cfg->allocator_source = RDBL_ALLOC_SRC_DEFAULT;
    if (!c || c->writer_used_mem <= 0) {
        snprintf(r, cap,
                 "jemalloc (the default, quantum 8): %s; pass --allocator jemalloc-q16 for "
                 "Debian/Ubuntu packages or libc if your server uses another",
                 why ? why : "the file has no used-mem field to calibrate against");
        return;
    }
    char list[160];
    list_estimates(list, sizeof list, c);
    char basis[96] = "";
    if (c->share < 0.999)
        snprintf(basis, sizeof basis, "; priced on the first %.1f%% of the file, scaled up, +-%.0f%%",
                 100.0 * c->share, 100.0 * c->uncertainty);
    int best = rdbl_mem_calibration_pick(c);
    if (best >= 0) {
        cfg->allocator = (rdbl_allocator)best;
        cfg->allocator_source = RDBL_ALLOC_SRC_CALIBRATED;
        snprintf(r, cap,
                 "%s: its used_memory estimate is clearly the closest to the file's used-mem "
                 "%.1f MiB (%s%s)",
                 rdbl_allocator_name(cfg->allocator), mib((uint64_t)c->writer_used_mem), list,
                 basis);
        return;
    }
    snprintf(r, cap,
             "jemalloc (the default, quantum 8): no allocator's used_memory estimate is clearly "
             "the closest to the file's used-mem %.1f MiB (%s%s); pass --allocator to choose",
             mib((uint64_t)c->writer_used_mem), list, basis);
}

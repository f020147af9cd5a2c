/* Throughput of the source layer: opens each file named, drains it with
 * need()/consume() in fixed steps while reading every byte (as a parser
 * would), and prints decompressed MB/s. Not a test: run it by hand, e.g.
 *   bench_source --step 65536 --reps 3 [--threaded] dump.rdb dump.rdb.gz
 * and compare with `gzip -dc dump.rdb.gz > /dev/null`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rdblens/source.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sums 8-byte words: every byte of the window is read once. */
static uint64_t touch(const uint8_t *p, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        acc += w;
    }
    for (; i < n; i++)
        acc += p[i];
    return acc;
}

int main(int argc, char **argv)
{
    size_t step = 65536;
    int reps = 3;
    rdbl_source_opts opts = {.read_size = 0};
    int first = 1;
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
        if (strcmp(argv[first], "--threaded") == 0)
            opts.threaded = true;
        else if (strcmp(argv[first], "--step") == 0 && first + 1 < argc)
            step = strtoull(argv[++first], NULL, 10);
        else if (strcmp(argv[first], "--reps") == 0 && first + 1 < argc)
            reps = atoi(argv[++first]);
        else if (strcmp(argv[first], "--read-size") == 0 && first + 1 < argc)
            opts.read_size = strtoull(argv[++first], NULL, 10);
        else {
            fprintf(stderr, "usage: %s [--threaded] [--step N] [--reps N] [--read-size N] FILE...\n",
                    argv[0]);
            return 2;
        }
    }
    for (int i = first; i < argc; i++) {
        double best = 1e30;
        uint64_t total = 0, sum = 0;
        for (int r = 0; r < reps; r++) {
            rdbl_source *s;
            rdbl_error err;
            memset(&err, 0, sizeof err);
            double t0 = now();
            if (rdbl_source_open_file(&s, argv[i], &opts, &err) != RDBL_OK) {
                fprintf(stderr, "%s: %s\n", argv[i], err.msg);
                return 1;
            }
            const uint8_t *p;
            size_t avail;
            rdbl_status st;
            total = 0;
            sum = 0;
            while ((st = rdbl_source_need(s, step, &p, &avail, &err)) == RDBL_OK) {
                sum += touch(p, step);
                rdbl_source_consume(s, step);
                total += step;
            }
            sum += touch(p, avail);
            total += avail;
            if (st != RDBL_TRUNCATED || err.code != RDBL_OK) {
                fprintf(stderr, "%s: %s %s\n", argv[i], rdbl_status_name(st), err.msg);
                return 1;
            }
            double dt = now() - t0;
            if (dt < best)
                best = dt;
            printf("  %s [%s%s] run %d: %.3f s\n", argv[i],
                   rdbl_compression_name(rdbl_source_compression(s)),
                   opts.threaded ? ", threaded" : "", r + 1, dt);
            rdbl_source_free(s);
        }
        printf("%s: %" PRIu64 " bytes, best %.3f s, %.1f MB/s (sum %016" PRIx64 ")\n", argv[i],
               total, best, (double)total / best / 1e6, sum);
    }
    return 0;
}

/* Accuracy of the memory model against a real server (suite 'accuracy').
 *
 * testdata/accuracy/<dataset>/ holds a dump written by redis-server and, in
 * truth.tsv, every key's `MEMORY USAGE key SAMPLES 0` on that server (live)
 * and on a fresh server that loaded the dump (reloaded), made with
 * ../shared/oracle/build_dataset.py and `tools/accuracy --export`. The model
 * runs over the dump in both states and must reach:
 *
 *   loaded vs reloaded truth: >= 97% of keys byte-exact, p99 error <= 2%,
 *                             sum of estimates within 0.5% of the truth's
 *   live vs live truth:       p90 error 0 (byte-exact), p99 <= 10%
 *   both:                     median error <= 1% in every type/encoding
 *
 * Errors are |est - truth| / truth; quantiles as evaluate.py takes them
 * (the ceil(q * n)-th smallest). */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/analysis.h"
#include "testutil.h"

#define MAX_GROUPS 64

typedef struct truth_row {
    char *key;       /* escaped text form */
    char *group[2];  /* type/encoding: [0] live, [1] reloaded */
    uint64_t mem[2]; /* [0] live, [1] reloaded */
    uint64_t est;
    bool seen;
} truth_row;

typedef struct truth {
    truth_row *rows;
    size_t n;
    size_t *slots; /* open addressing: index + 1, 0 = empty */
    size_t cap;
    char allocator[32];
} truth;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static truth_row *find(truth *t, const char *key)
{
    size_t i = (size_t)(hash_str(key) & (t->cap - 1));
    while (t->slots[i]) {
        truth_row *r = &t->rows[t->slots[i] - 1];
        if (!strcmp(r->key, key))
            return r;
        i = (i + 1) & (t->cap - 1);
    }
    return NULL;
}

static void load_truth(truth *t, const char *path)
{
    memset(t, 0, sizeof *t);
    strcpy(t->allocator, "jemalloc");
    char *text = tu_read_file(path, NULL);
    cr_assert(not(eq(ptr, text, NULL)), "cannot read %s", path);
    size_t lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    t->rows = calloc(lines + 1, sizeof *t->rows);
    t->cap = 1;
    while (t->cap < 2 * (lines + 1))
        t->cap <<= 1;
    t->slots = calloc(t->cap, sizeof *t->slots);
    cr_assert(t->rows && t->slots);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') {
            const char *a = strstr(line, "allocator=");
            if (a)
                snprintf(t->allocator, sizeof t->allocator, "%s", a + 10);
            continue;
        }
        char *f[5];
        char *s2 = NULL;
        int nf = 0;
        for (char *x = strtok_r(line, "\t", &s2); x && nf < 5; x = strtok_r(NULL, "\t", &s2))
            f[nf++] = x;
        cr_assert(eq(int, nf, 5), "bad truth line");
        truth_row *r = &t->rows[t->n];
        r->key = strdup(f[0]);
        r->group[0] = strdup(f[1]);
        r->group[1] = strdup(f[2]);
        r->mem[0] = strtoull(f[3], NULL, 10);
        r->mem[1] = strtoull(f[4], NULL, 10);
        size_t i = (size_t)(hash_str(r->key) & (t->cap - 1));
        while (t->slots[i])
            i = (i + 1) & (t->cap - 1);
        t->slots[i] = ++t->n;
    }
    free(text);
}

static void free_truth(truth *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->rows[i].key);
        free(t->rows[i].group[0]);
        free(t->rows[i].group[1]);
    }
    free(t->rows);
    free(t->slots);
}

/* ---- running the model (through the analysis pipeline, as `rdblens keys`) ---- */

typedef struct run {
    truth *t;
    size_t missing;
} run;

static int on_key(void *user, const rdbl_key_facts *f, const rdbl_key_info *k, int64_t ref_ms)
{
    run *r = user;
    (void)k;
    (void)ref_ms;
    char *key = tu_escape(f->key.ptr, f->key.len, NULL);
    truth_row *row = key ? find(r->t, key) : NULL;
    free(key);
    if (!row) {
        r->missing++;
        return 0;
    }
    row->est = f->mem_bytes;
    row->seen = true;
    return 0;
}

static void run_model(truth *t, const char *dump, rdbl_mem_state state)
{
    rdbl_error err = {0};
    rdbl_analysis_opts o;
    rdbl_analysis_opts_init(&o);
    cr_assert(eq(int, rdbl_mem_config_set(&o.mem, "allocator", t->allocator, &err), RDBL_OK),
              "%s", err.msg);
    o.mem.state = state;
    run r = {t, 0};
    o.on_key = on_key;
    o.key_user = &r;
    rdbl_source *src;
    cr_assert(eq(int, rdbl_source_open_file(&src, dump, NULL, &err), RDBL_OK), "%s", err.msg);
    for (size_t i = 0; i < t->n; i++)
        t->rows[i].seen = false;
    rdbl_snapshot snap;
    rdbl_status st = rdbl_analyze(src, dump, &o, NULL, &snap, NULL, &err);
    cr_assert(eq(int, st, RDBL_OK), "parse: %s", err.msg);
    cr_expect(eq(str, snap.target, "redis-7.0"));
    cr_expect(eq(sz, r.missing, 0), "keys in the dump but not in truth.tsv");
    rdbl_source_free(src);
}

/* ---- scoring ---- */

typedef struct stats {
    size_t n;
    double median, p90, p99, exact, sum_ratio;
} stats;

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return NAN;
    size_t i = (size_t)ceil(q * (double)n);
    i = i == 0 ? 0 : i - 1;
    return sorted[i < n ? i : n - 1];
}

/* Over the rows whose group (for truth column c) is `group` (NULL: all). */
static stats score(const truth *t, int c, const char *group, double *buf)
{
    stats s = {0};
    double se = 0, stt = 0;
    size_t exact = 0;
    for (size_t i = 0; i < t->n; i++) {
        const truth_row *r = &t->rows[i];
        if (!r->seen || (group && strcmp(r->group[c], group)))
            continue;
        double tv = (double)r->mem[c], ev = (double)r->est;
        se += ev;
        stt += tv;
        exact += r->est == r->mem[c];
        buf[s.n++] = tv > 0 ? fabs(ev - tv) / tv : 0;
    }
    qsort(buf, s.n, sizeof *buf, cmp_dbl);
    s.median = quantile(buf, s.n, 0.5);
    s.p90 = quantile(buf, s.n, 0.9);
    s.p99 = quantile(buf, s.n, 0.99);
    s.exact = s.n ? (double)exact / (double)s.n : 0;
    s.sum_ratio = stt > 0 ? se / stt : 0;
    return s;
}

static void check_dataset(const char *name)
{
    const char *root = tu_env("RDBL_TESTDATA", "testdata");
    char dir[1024], tsv[1100], dump[1100];
    snprintf(dir, sizeof dir, "%s/accuracy/%s", root, name);
    snprintf(tsv, sizeof tsv, "%s/truth.tsv", dir);
    snprintf(dump, sizeof dump, "%s/dump.rdb.gz", dir);
    truth t;
    load_truth(&t, tsv);
    cr_assert(gt(sz, t.n, 1000));
    double *buf = malloc(t.n * sizeof *buf);
    cr_assert(not(eq(ptr, buf, NULL)));
    for (int c = 1; c >= 0; c--) { /* reloaded first, then live */
        run_model(&t, dump, c ? RDBL_MEM_LOADED : RDBL_MEM_LIVE);
        const char *what = c ? "loaded vs reloaded" : "live vs live";
        stats all = score(&t, c, NULL, buf);
        cr_log_info("%s %s: keys=%zu median=%.2f%% p90=%.2f%% p99=%.2f%% exact=%.1f%% "
                    "sum=%.4f",
                    name, what, all.n, 100 * all.median, 100 * all.p90, 100 * all.p99,
                    100 * all.exact, all.sum_ratio);
        cr_expect(eq(sz, all.n, t.n), "%s: every truth key estimated", what);
        if (c) {
            cr_expect(ge(dbl, all.exact, 0.97), "%s: exact %.2f%%", what, 100 * all.exact);
            cr_expect(le(dbl, all.p99, 0.02), "%s: p99 %.2f%%", what, 100 * all.p99);
            cr_expect(le(dbl, fabs(all.sum_ratio - 1), 0.005), "%s: sum ratio %.4f", what,
                      all.sum_ratio);
        } else {
            cr_expect(eq(dbl, all.p90, 0.0), "%s: p90 %.2f%%", what, 100 * all.p90);
            cr_expect(le(dbl, all.p99, 0.10), "%s: p99 %.2f%%", what, 100 * all.p99);
        }
        /* every type/encoding */
        const char *groups[MAX_GROUPS];
        size_t ng = 0;
        for (size_t i = 0; i < t.n && ng < MAX_GROUPS; i++) {
            bool known = false;
            for (size_t g = 0; g < ng; g++)
                known |= !strcmp(groups[g], t.rows[i].group[c]);
            if (!known)
                groups[ng++] = t.rows[i].group[c];
        }
        for (size_t g = 0; g < ng; g++) {
            stats s = score(&t, c, groups[g], buf);
            cr_log_info("  %-20s keys=%5zu median=%.2f%% p90=%.2f%% p99=%.2f%% exact=%.1f%% "
                        "sum=%.4f",
                        groups[g], s.n, 100 * s.median, 100 * s.p90, 100 * s.p99,
                        100 * s.exact, s.sum_ratio);
            cr_expect(le(dbl, s.median, 0.01), "%s %s: median %.2f%%", what, groups[g],
                      100 * s.median);
        }
    }
    free(buf);
    free_truth(&t);
}

TestSuite(accuracy, .timeout = 240);

/* Debian's redis-server 7.0.15 (jemalloc quantum 16), 3,030 keys of the
 * default mix with the heavy categories at 0.1 (seed 303). */
Test(accuracy, redis70_q16_s303)
{
    check_dataset("redis70-q16-s303");
}

/* --allocator auto (the default) on the same dump: the Debian server's
 * quantum 16 is clearly the closest to its used-mem (10.0 MiB: jemalloc-q16
 * 9.1, libc 8.5, jemalloc 8.4 MiB), and every key is priced with it. */
Test(accuracy, auto_allocator_picks_debian_q16)
{
    char dump[1100];
    snprintf(dump, sizeof dump, "%s/accuracy/redis70-q16-s303/dump.rdb.gz",
             tu_env("RDBL_TESTDATA", "testdata"));
    rdbl_error err = {0};
    rdbl_analysis_opts o;
    rdbl_analysis_opts_init(&o);
    rdbl_source *src;
    cr_assert(eq(int, rdbl_source_open_file(&src, dump, NULL, &err), RDBL_OK), "%s", err.msg);
    rdbl_snapshot snap;
    cr_assert(eq(int, rdbl_analyze(src, dump, &o, NULL, &snap, NULL, &err), RDBL_OK));
    rdbl_source_free(src);
    cr_expect(eq(str, snap.allocator, "jemalloc-q16"), "%s", snap.allocator_reason);
    cr_expect(eq(str, snap.allocator_source, "calibrated"));
    cr_expect(ne(ptr, strstr(snap.allocator_reason, "clearly the closest"), NULL));
    cr_expect(eq(str, snap.target_note, ""));
}

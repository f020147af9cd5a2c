/* `rdblens diff`: scans both inputs, builds the pattern tree, joins the keys
 * (see rdblens/diff.h for the whole picture).
 *
 * The pattern tree. Both RDB files feed ONE rdbl_prefix_agg, so a key
 * pattern is folded by the same tree whatever side its keys come from (with
 * folding that depends on what the tree has seen, two trees could fold the
 * same family differently; one tree cannot). The tree keeps one set of
 * totals per node, so each key carries its side in totals the diff does not
 * otherwise read, and node totals stay sums:
 *   OLD key: mem_bytes = m, rdb_bytes = m, elements = 1, value_bytes = TTL ? 1 : 0
 *   NEW key: mem_bytes = m, rdb_bytes = 0, elements = 0, value_bytes = 0
 * so before = (rdb_bytes, elements, value_bytes) and after = (mem_bytes -
 * rdb_bytes, keys - elements, keys_with_ttl - value_bytes). Limit: the
 * node budget applies to the union of both key sets; past it, the smallest
 * families of both sides fold into "(other)" together (totals stay exact).
 *
 * Report-JSON inputs have a finished tree each: those are joined by node
 * label, so each side keeps the folding its report had. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/diff_int.h"
#include "internal.h"
#include "rdblens/report.h"

/* input bytes per partition: records take about half of a dump's bytes
 * (bench-1g: 600 MB of records per 1.1 GB side), so 4 MiB of input gives
 * partitions of about 1.2 MiB a side, small enough that a join thread's
 * pair and its hash table stay in the core's caches (bench-1g: 512 of
 * them, join 0.65 s; 128 of 8 MiB took 1.7 s) */
#define PART_TARGET (4u << 20)
#define MAX_PARTS 1024u
#define MAX_ENCS 255u

static const char *const list_names[RDBL_DIFF__LISTS] = {"grown", "shrunk", "added", "removed"};

const char *rdbl_diff_list_name(rdbl_diff_list l)
{
    return (unsigned)l < RDBL_DIFF__LISTS ? list_names[l] : "?";
}

int64_t rdbl_diff_delta(uint64_t before, uint64_t after)
{
    if (after >= before)
        return after - before > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(after - before);
    return before - after > (uint64_t)INT64_MAX ? -INT64_MAX : -(int64_t)(before - after);
}

void rdbl_diff_opts_init(rdbl_diff_opts *o)
{
    memset(o, 0, sizeof *o);
    rdbl_analysis_opts_init(&o->ao);
    rdbl_agg_opts_default(&o->agg);
    o->top_n = 20;
    o->max_family_rows = 200;
}

/* ---- one scan ----------------------------------------------------------- */

/* The encoding names of the run (static strings from the memory model),
 * shared by the two sides' threads: a lookup reads the published names
 * without a lock; a name not met yet is added under the lock. */
typedef struct enc_table {
    const char *name[MAX_ENCS + 1];
    _Atomic size_t n;
    pthread_mutex_t mu;
} enc_table;

typedef struct scan {
    rdbl_diff_input *in;
    rdbl_prefix_agg *tree;
    bool combined;                /* tree holds one side of both (side in the fields) */
    bool old_side;
    rdbl__dparts *parts;          /* NULL: pattern level only */
    rdbl__aggq *q;                /* tree and partitions in a second thread, or NULL */
    enc_table *encs;
    atomic_bool *stop;            /* set when the other side failed: give up */
    bool stopped;                 /* gave up for that */
    rdbl_status fail;
} scan;

static int enc_index(scan *s, const char *name)
{
    enc_table *t = s->encs;
    size_t n = atomic_load_explicit(&t->n, memory_order_acquire);
    for (size_t i = 0; i < n; i++)
        if (t->name[i] == name)
            return (int)i;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t->name[i], name) == 0)
            return (int)i;
    pthread_mutex_lock(&t->mu);
    n = atomic_load_explicit(&t->n, memory_order_relaxed);
    size_t i = 0;
    while (i < n && strcmp(t->name[i], name) != 0)
        i++;
    if (i == n && n < MAX_ENCS) {
        t->name[n] = name;
        atomic_store_explicit(&t->n, n + 1, memory_order_release);
    } else if (i == n) {
        i = 0; /* cannot happen with the model's few names; "first" is wrong but bounded */
    }
    pthread_mutex_unlock(&t->mu);
    return (int)i;
}

/* One key into the tree and, key level, into its partition: in the
 * parsing thread, or in the second thread of rdbl__aggq_start_fn. */
static rdbl_status add_key(void *user, const rdbl_key_facts *f)
{
    scan *s = user;
    rdbl_key_facts g = *f;
    if (s->combined) { /* the side, in fields the diff does not otherwise read */
        g.rdb_bytes = s->old_side ? f->mem_bytes : 0;
        g.elements = s->old_side ? 1 : 0;
        g.value_bytes = s->old_side && f->has_expire ? 1 : 0;
    }
    rdbl_status st = rdbl_prefix_agg_add(s->tree, &g);
    if (st != RDBL_OK || !s->parts)
        return st;
    rdbl__drec r = {
        .hash = rdbl__drec_hash(f->db, f->key.ptr, f->key.len),
        .db = f->db,
        .key = f->key.ptr,
        .key_len = f->key.len,
        .type = (uint8_t)f->type,
        .enc = (uint8_t)enc_index(s, f->mem_encoding ? f->mem_encoding : "?"),
        .has_expire = f->has_expire,
        .expire_ms = f->expire_ms,
        .mem = f->mem_bytes,
        .digest = f->value_digest,
    };
    return rdbl__dparts_put(s->parts, &r) == 0 ? RDBL_OK : RDBL_IO;
}

static int on_key(void *user, const rdbl_key_facts *f, const rdbl_key_info *k, int64_t ref_ms)
{
    (void)k;
    (void)ref_ms;
    scan *s = user;
    if (atomic_load_explicit(s->stop, memory_order_relaxed)) {
        s->stopped = true;
        return -1;
    }
    s->in->keys++;
    s->in->mem_bytes += f->mem_bytes;
    s->in->keys_with_ttl += f->has_expire;
    rdbl_status st = s->q ? rdbl__aggq_add(s->q, f) : add_key(s, f);
    if (st != RDBL_OK) {
        s->fail = st;
        return -1;
    }
    return 0;
}

static rdbl_status scan_rdb(scan *s, const char *path, const rdbl_diff_opts *o, rdbl_error *err)
{
    rdbl_source *src = NULL;
    rdbl_status st = rdbl_source_open_file(&src, path, &o->src, err);
    if (st != RDBL_OK)
        return st;
    rdbl_analysis_opts ao = o->ao;
    ao.on_key = on_key;
    ao.key_user = s;
    ao.filter = (rdbl_key_filter)RDBL_KEY_FILTER_ALL;
    ao.value_digest = s->parts != NULL;
    ao.parse_flags |= RDBL_PARSE_FAST;
    if (s->parts && o->ao.threaded)
        s->q = rdbl__aggq_start_fn(add_key, s); /* NULL: all in this thread */
    st = rdbl_analyze(src, path, &ao, NULL, &s->in->snap, NULL, err);
    rdbl_status qst = rdbl__aggq_finish(s->q);
    s->q = NULL;
    if (qst != RDBL_OK && s->fail == RDBL_OK)
        s->fail = qst;
    rdbl_source_free(src);
    if (s->fail != RDBL_OK && (st == RDBL_OK || st == RDBL_CHECKSUM || st == RDBL_ABORTED)) {
        st = s->fail == RDBL_IO
                 ? rdbl__fail(err, RDBL_IO, 0, RDBL_DIFF_TEMP, "cannot write a temporary file "
                                                               "(disk full?)")
                 : rdbl__fail(err, s->fail, 0, "diff", "out of memory");
    }
    return st;
}

/* A report JSON starts with '{' (after blanks); an RDB file never does. */
static bool looks_like_json(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? NULL : fopen(path, "rb");
    if (!f)
        return false;
    int c;
    while ((c = getc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t')
        ;
    fclose(f);
    return c == '{';
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
}

static unsigned pick_partitions(const char *a, const char *b)
{
    uint64_t sa = file_size(a), sb = file_size(b);
    uint64_t big = sa > sb ? sa : sb;
    /* a compressed input holds about 4x its size (an RDB compresses
     * about so with gzip or zstd) */
    const char *z[] = {".gz", ".zst", ".bz2", ".xz", ".lz4"};
    for (size_t i = 0; i < sizeof z / sizeof *z; i++) {
        size_t la = strlen(a), lb = strlen(b), lz = strlen(z[i]);
        if ((la > lz && strcmp(a + la - lz, z[i]) == 0) || (lb > lz && strcmp(b + lb - lz, z[i]) == 0)) {
            big *= 4;
            break;
        }
    }
    uint64_t want = big / PART_TARGET + 1;
    unsigned n = 16;
    while (n < want && n < MAX_PARTS)
        n <<= 1;
    return n;
}

static rdbl_status load_report(rdbl_diff_input *in, const char *path, rdbl_agg **agg,
                               const rdbl_agg_opts *g, rdbl_error *err)
{
    in->is_report = true;
    rdbl_status st = rdbl_agg_new(agg, g);
    if (st != RDBL_OK)
        return rdbl__fail(err, st, 0, "diff", "out of memory");
    st = rdbl_report_json_load(*agg, path, err);
    if (st != RDBL_OK)
        return st;
    const rdbl_summary *sum = rdbl_tables_agg_summary(rdbl_agg_tables(*agg));
    in->keys = sum->all.keys;
    in->mem_bytes = sum->all.mem_bytes;
    in->keys_with_ttl = sum->all.keys_with_ttl;
    return RDBL_OK;
}

static void prefix_err(rdbl_error *err, const char *path)
{
    char tmp[1400];
    snprintf(tmp, sizeof tmp, "%s: %s", path, err->msg);
    memcpy(err->msg, tmp, sizeof err->msg - 1);
    err->msg[sizeof err->msg - 1] = '\0';
}

/* One RDB side's scan: its partition files, the scan, its own error. */
typedef struct side_job {
    scan s;
    const char *path;
    const rdbl_diff_opts *o;
    const char *tmpdir;
    unsigned nparts;
    rdbl_error err;
    rdbl_status st;
} side_job;

static void *side_run(void *arg)
{
    side_job *j = arg;
    memset(&j->err, 0, sizeof j->err);
    if (j->s.parts) {
        j->st = rdbl__dparts_open(j->s.parts, j->nparts, j->tmpdir, &j->err);
        if (j->st != RDBL_OK)
            return NULL;
    }
    j->st = scan_rdb(&j->s, j->path, j->o, &j->err);
    if (j->st == RDBL_CHECKSUM || j->st == RDBL_OK) {
        if (j->s.parts && rdbl__dparts_finish(j->s.parts) != 0)
            j->st = rdbl__fail(&j->err, RDBL_IO, 0, RDBL_DIFF_TEMP,
                               "cannot write a temporary file (disk full?)");
    }
    if (j->st != RDBL_OK && j->st != RDBL_CHECKSUM) {
        atomic_store(j->s.stop, true); /* no need to read the other file to the end */
        if (!strstr(j->err.msg, j->path))
            prefix_err(&j->err, j->path);
    }
    return NULL;
}

/* j's outcome: a checksum mismatch is kept in *worst and not an error, nor
 * is giving up because the other side failed (that side tells why).
 * @return RDBL_OK, or j's error (copied to *err). */
static rdbl_status side_result(side_job *j, rdbl_error *err, rdbl_status *worst)
{
    if (j->s.stopped)
        return RDBL_OK;
    if (j->st == RDBL_CHECKSUM) {
        *worst = RDBL_CHECKSUM;
        return RDBL_OK;
    }
    if (j->st != RDBL_OK)
        *err = j->err;
    return j->st;
}

rdbl_status rdbl_diff_run(rdbl_diff **out, const char *old_path, const char *new_path,
                          const rdbl_diff_opts *o, rdbl_error *err)
{
    *out = NULL;
    rdbl_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    rdbl_diff *d = calloc(1, sizeof *d);
    if (!d)
        return rdbl__fail(err, RDBL_NOMEM, 0, "diff", "out of memory");
    d->opts = *o;
    if (!d->opts.top_n)
        d->opts.top_n = 20;
    if (!d->opts.max_family_rows)
        d->opts.max_family_rows = 200;
    snprintf(d->before.file, sizeof d->before.file, "%s", old_path);
    snprintf(d->after.file, sizeof d->after.file, "%s", new_path);
    const char *tmpdir = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";

    bool json_old = looks_like_json(old_path), json_new = looks_like_json(new_path);
    if (o->ao.redact && (json_old || json_new)) {
        /* its keys and labels were written without redaction */
        free(d);
        return rdbl__fail(err, RDBL_USAGE, 0, "diff",
                          "--redact reads RDB files only: a report JSON is already written "
                          "(redact it when making it: report --redact)");
    }
    rdbl_agg *ragg[2] = {NULL, NULL};
    rdbl_prefix_agg *tree[2] = {NULL, NULL};
    rdbl__dparts parts[2];
    memset(parts, 0, sizeof parts);
    rdbl_status st = RDBL_OK, worst = RDBL_OK;
    const char *paths[2] = {old_path, new_path};
    rdbl_diff_input *ins[2] = {&d->before, &d->after};
    bool is_json[2] = {json_old, json_new};
    d->key_level = !json_old && !json_new;
    d->same_tree = d->key_level;
    if (d->key_level) {
        d->partitions = o->partitions ? o->partitions : pick_partitions(old_path, new_path);
        unsigned n = 1;
        while (n < d->partitions && n < MAX_PARTS)
            n <<= 1;
        d->partitions = n;
    }

    enc_table encs = {.n = 0};
    pthread_mutex_init(&encs.mu, NULL);
    atomic_bool stop = false;
    side_job job[2];
    memset(job, 0, sizeof job);
    for (int side = 0; side < 2 && st == RDBL_OK; side++) {
        if (is_json[side]) {
            st = load_report(ins[side], paths[side], &ragg[side], &o->agg, err);
            if (st != RDBL_OK)
                prefix_err(err, paths[side]);
            continue;
        }
        st = rdbl_prefix_agg_new(&tree[side], &o->agg);
        if (st != RDBL_OK) {
            rdbl__fail(err, st, 0, "diff", "out of memory");
            break;
        }
        job[side] = (side_job){
            .s = {
                .in = ins[side],
                .tree = tree[side],
                .combined = d->same_tree,
                .old_side = side == 0,
                .parts = d->key_level ? &parts[side] : NULL,
                .encs = &encs,
                .stop = &stop,
            },
            .path = paths[side],
            .o = o,
            .tmpdir = tmpdir,
            .nparts = d->partitions,
        };
        if (!d->key_level) { /* one RDB against a report: in turn */
            side_run(&job[side]);
            st = side_result(&job[side], err, &worst);
        }
    }
    if (st == RDBL_OK && d->key_level) {
        /* both files at once: each side's parsing thread (the longer of
         * its two) leaves the other side room on the second core */
        pthread_t th;
        bool two = o->ao.threaded && pthread_create(&th, NULL, side_run, &job[1]) == 0;
        side_run(&job[0]);
        if (two)
            pthread_join(th, NULL);
        st = side_result(&job[0], err, &worst);
        if (st == RDBL_OK && !two)
            side_run(&job[1]);
        if (st == RDBL_OK)
            st = side_result(&job[1], err, &worst);
        if (st == RDBL_OK) {
            d->temp_bytes = parts[0].bytes + parts[1].bytes;
            /* one tree, the same folding for both sides: the two sides'
             * trees merge exactly (as report -j's shards do) */
            st = rdbl_prefix_agg_merge(tree[0], tree[1]);
            if (st != RDBL_OK)
                rdbl__fail(err, st, 0, "diff", "out of memory");
        }
    }

    if (st == RDBL_OK) {
        const rdbl_prefix_agg *ta = tree[0] ? tree[0] : (ragg[0] ? rdbl_agg_prefix(ragg[0]) : NULL);
        const rdbl_prefix_agg *tb = tree[1] ? tree[1] : (ragg[1] ? rdbl_agg_prefix(ragg[1]) : NULL);
        if (d->same_tree) {
            st = rdbl__diff_tree_from_combined(&d->root, tree[0]);
            d->tree_folds = rdbl_prefix_agg_folds(tree[0]);
        } else {
            st = rdbl__diff_tree_join(&d->root, ta, tb);
            d->tree_folds = (ta ? rdbl_prefix_agg_folds(ta) : 0) + (tb ? rdbl_prefix_agg_folds(tb) : 0);
        }
        if (st != RDBL_OK)
            rdbl__fail(err, st, 0, "diff", "out of memory");
    }
    d->summary.keys_before = d->before.keys;
    d->summary.keys_after = d->after.keys;
    d->summary.memory_bytes_before = d->before.mem_bytes;
    d->summary.memory_bytes_after = d->after.mem_bytes;
    if (st == RDBL_OK && d->key_level) {
        encs.name[atomic_load(&encs.n)] = NULL;
        st = rdbl__diff_join(d, &parts[0], &parts[1], encs.name, tree[0],
                             rdbl_snapshot_ref_ms(&d->after.snap), err);
    }
    rdbl__dparts_close(&parts[0]);
    rdbl__dparts_close(&parts[1]);
    pthread_mutex_destroy(&encs.mu);
    for (int i = 0; i < 2; i++) {
        rdbl_prefix_agg_free(tree[i]);
        rdbl_agg_free(ragg[i]);
    }
    if (st != RDBL_OK) {
        rdbl_diff_free(d);
        return st;
    }
    *out = d;
    return worst;
}

void rdbl_diff_free(rdbl_diff *d)
{
    if (!d)
        return;
    rdbl__diff_tree_free(&d->root);
    for (int l = 0; l < RDBL_DIFF__LISTS; l++) {
        for (size_t i = 0; i < d->ntop[l]; i++)
            free(d->top[l][i].key);
        free(d->top[l]);
    }
    free(d->enc);
    free(d->ttl);
    free(d);
}

/* Analysing files for report and check: a pool of threads over the files,
 * one aggregate each, merged in argument order; and the aggregation options
 * both commands share. */
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct job {
    const char *path;
    const cli_file_hooks *hooks;
    const rdbl_analysis_opts *ao;
    const rdbl_agg_opts *gopts;
    rdbl_agg *agg;
    rdbl_status st;
    rdbl_error err;
    bool quiet;
    bool alone; /* the only job running: it may use a thread per stage */
    cli_holes holes; /* --salvage: each hole printed */
} job;

static rdbl_status run_one(job *j)
{
    rdbl_source *src = NULL;
    if (j->hooks && j->hooks->begin && j->hooks->begin(j->hooks->user, j->path) != 0) {
        j->err.code = j->st = RDBL_NOMEM;
        return j->st;
    }
    rdbl_source_opts so = cli_source_opts(j->alone);
    so.sha256 = j->ao->sha256;
    j->st = rdbl_source_open_file(&src, j->path, &so, &j->err);
    if (j->st != RDBL_OK)
        return j->st;
    j->st = rdbl_agg_new(&j->agg, j->gopts);
    if (j->st != RDBL_OK) {
        rdbl_source_free(src);
        return j->st;
    }
    rdbl_analysis_opts o = *j->ao;
    o.threaded = o.threaded && j->alone;
    if (!j->alone) /* files in parallel (-j) keep every core busy already */
        o.parse_flags &= ~RDBL_PARSE_CRC_THREAD;
    o.on_hole = cli_hole_print;
    o.hole_user = &j->holes;
    cli_progress prog;
    cli_progress_init(&prog, src, j->quiet);
    o.progress = cli_progress_cb;
    o.progress_user = &prog;
    j->st = rdbl_analyze(src, j->path, &o, j->agg, NULL, NULL, &j->err);
    cli_progress_done(&prog);
    rdbl_source_free(src);
    return j->st;
}

typedef struct pool {
    job *jobs;
    size_t n, next;
    pthread_mutex_t mu;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->n)
            return NULL;
        run_one(&p->jobs[i]);
    }
}

int cli_analyze_files(const char *cmd, char **paths, size_t n, unsigned jobs,
                      const rdbl_analysis_opts *ao, const rdbl_agg_opts *gopts, bool quiet,
                      const cli_file_hooks *hooks, rdbl_agg **out, int *worst)
{
    job *js = calloc(n, sizeof *js);
    if (!js) {
        fprintf(stderr, "rdblens %s: out of memory\n", cmd);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        js[i].path = paths[i];
        js[i].holes = (cli_holes){cmd, paths[i], ao->redact};
        js[i].hooks = hooks && jobs <= 1 ? hooks : NULL;
        js[i].ao = ao;
        js[i].gopts = gopts;
        /* one progress bar at a time: only when a single job runs */
        js[i].quiet = quiet || jobs > 1;
        js[i].alone = jobs <= 1 || n == 1;
    }
    if (jobs <= 1 || n == 1) {
        for (size_t i = 0; i < n; i++)
            run_one(&js[i]);
    } else {
        pool p = {js, n, 0, PTHREAD_MUTEX_INITIALIZER};
        size_t nt = jobs < n ? jobs : n;
        pthread_t *th = calloc(nt, sizeof *th);
        size_t started = 0;
        for (size_t i = 0; th && i < nt; i++)
            if (pthread_create(&th[i], NULL, worker, &p) == 0)
                started++;
        if (started == 0)
            worker(&p);
        for (size_t i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        free(th);
    }
    /* merge in argument order, so the result does not depend on scheduling */
    rdbl_agg *all = NULL;
    bool any_rdb = false;
    int rc = 0;
    *worst = CLI_OK;
    for (size_t i = 0; i < n; i++) {
        job *j = &js[i];
        /* not an RDB at all: it holds no key, and its snapshot lists it as
         * failed with its error (rdbl_snapshot_unread), not as an "RDB 0" */
        bool not_rdb = j->st != RDBL_OK && strcmp(j->err.where, "header") == 0;
        any_rdb |= j->agg && !not_rdb;
        char line[1200];
        if (j->st != RDBL_OK) {
            const char *tail = !j->agg || not_rdb ? "left out"
                               : j->st != RDBL_CHECKSUM
                                   ? "what was read before it is counted (partial)"
                                   : NULL;
            cli_format_error(line, sizeof line, j->path, &j->err, tail);
            fprintf(stderr, "rdblens %s: %s\n", cmd, line);
            *worst = cli_worse(*worst, j->agg || not_rdb ? cli_exit_code(j->st) : CLI_UNREADABLE);
        }
        if (hooks && hooks->done) {
            if (j->st != RDBL_OK)
                cli_format_error(line, sizeof line, NULL, &j->err, NULL);
            if (hooks->done(hooks->user, j->path, j->st, j->st != RDBL_OK ? line : "") != 0)
                rc = -1;
        }
        if (!j->agg)
            continue;
        if (!all) {
            all = j->agg;
            j->agg = NULL;
        } else if (rdbl_agg_merge(all, j->agg) != RDBL_OK) {
            fprintf(stderr, "rdblens %s: out of memory while merging\n", cmd);
            rc = -1;
        }
        rdbl_agg_free(j->agg);
        j->agg = NULL;
    }
    free(js);
    if (!any_rdb) { /* no file could be read at all: there is nothing to report */
        rdbl_agg_free(all);
        all = NULL;
        rc = -1;
    }
    *out = all;
    return rc;
}

int cli_parse_agg_option(const char *cmd, int c, const char *arg, rdbl_agg_opts *g)
{
    char *end;
    unsigned long v;
    switch (c) {
    case CLI_OPT_DEPTH:
        v = strtoul(arg, &end, 10);
        if (*arg == '\0' || *end || v < 1 || v > 16)
            return cli_usage_error(cmd, "--depth wants 1 to 16");
        g->max_depth = (unsigned)v;
        return 0;
    case CLI_OPT_DELIMS:
        if (strlen(arg) < 1 || strlen(arg) > 15)
            return cli_usage_error(cmd, "--delimiters wants 1 to 15 characters");
        g->delimiters = arg;
        return 0;
    case CLI_OPT_NOFOLD:
        g->no_fold = true;
        return 0;
    case CLI_OPT_BUDGET:
        v = strtoul(arg, &end, 10);
        if (*arg == '\0' || *end || v < 16)
            return cli_usage_error(cmd, "--node-budget wants a number >= 16");
        g->node_budget = v;
        return 0;
    case CLI_OPT_TOP:
        v = strtoul(arg, &end, 10);
        if (*arg == '\0' || *end || v < 1 || v > 100000)
            return cli_usage_error(cmd, "--top wants 1 to 100000");
        g->top_n = v;
        return 0;
    default:
        return -1;
    }
}

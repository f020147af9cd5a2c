/* rdblens report: where the memory goes. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rdblens/report.h"

static const char help[] =
    "Usage: rdblens report [--format text|json|html] [-o FILE] [--top N]\n"
    "                      [--depth N] [--delimiters S] [-j N] [memory model options]\n"
    "                      FILE...\n"
    "\n"
    "Reads each file once and reports where the memory goes: the estimated total\n"
    "(sum of per-key MEMORY USAGE) against the used-mem the server recorded, key\n"
    "prefixes and patterns (user:1234:cart and user:98:cart count as user:*:cart),\n"
    "the biggest keys, TTL coverage and mass-expiry risk, hot and cold keys when the\n"
    "file has LRU/LFU data, type and encoding tables, and advice ordered by the\n"
    "memory it would save.\n"
    "\n"
    "  -f, --format F      text (default; fits 100 columns), json (machine units,\n"
    "                      deterministic, schema rdblens.report/1; merge several\n"
    "                      with 'rdblens merge'), html (one self-contained page)\n"
    "  -o, --output FILE   write there instead of standard output\n"
    "  --top N             keys per top list (default 100 in JSON/HTML, 10 in text)\n"
    "  --depth N           prefix tree depth (default 4)\n"
    "  --delimiters S      key segment delimiters (default \":\"), e.g. \":/|.\"\n"
    "  --no-fold           keep id-like segments instead of folding them to *\n"
    "  --node-budget N     prefix tree nodes kept (default 100000)\n"
    "  --now MS            TTLs relative to this Unix time in ms (default: the\n"
    "                      snapshot's save time)\n"
    "  -j, --jobs N        analyse up to N files in parallel (default 1)\n"
    "  -q, --quiet         no progress bar\n"
    "\n" CLI_MEM_HELP
    "\n"
    "Several files (e.g. one per cluster shard) give one combined report.\n";

typedef struct job {
    const char *path;
    const rdbl_analysis_opts *ao;
    const rdbl_agg_opts *gopts;
    rdbl_agg *agg;
    rdbl_status st;
    rdbl_error err;
    bool quiet;
    bool alone; /* the only job running: it may use a thread per stage */
} job;

static rdbl_status run_one(job *j)
{
    rdbl_source *src = NULL;
    rdbl_source_opts so = cli_source_opts(j->alone);
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
                      rdbl_agg **out, int *worst)
{
    job *js = calloc(n, sizeof *js);
    if (!js) {
        fprintf(stderr, "rdblens %s: out of memory\n", cmd);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        js[i].path = paths[i];
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
    int rc = 0;
    *worst = CLI_OK;
    for (size_t i = 0; i < n; i++) {
        job *j = &js[i];
        if (j->st != RDBL_OK) {
            cli_print_error(j->path, &j->err);
            *worst = cli_worse(*worst, j->agg ? cli_exit_code(j->st) : CLI_UNREADABLE);
            if (j->agg && j->st != RDBL_CHECKSUM)
                fprintf(stderr, "rdblens %s: %s: the report covers what was read before the "
                                "error (partial)\n",
                        cmd, j->path);
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
    if (!all)
        rc = -1; /* no file could be read at all: there is nothing to report */
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

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},
        {"now", required_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        CLI_AGG_LONGOPTS,
        CLI_MEM_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    enum { TEXT, JSON, HTML } fmt = TEXT;
    const char *outpath = NULL;
    unsigned jobs = 1;
    bool quiet = false;
    rdbl_analysis_opts ao;
    rdbl_analysis_opts_init(&ao);
    rdbl_agg_opts g;
    rdbl_agg_opts_default(&g);
    size_t text_top = 10;
    bool top_given = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:j:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                fmt = TEXT;
            else if (strcmp(optarg, "json") == 0)
                fmt = JSON;
            else if (strcmp(optarg, "html") == 0)
                fmt = HTML;
            else
                return cli_usage_error("report", "unknown format '%s' (text, json, html)",
                                       optarg);
            break;
        case 'o':
            outpath = optarg;
            break;
        case 'j': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end || v < 1 || v > 256)
                return cli_usage_error("report", "--jobs wants 1 to 256");
            jobs = (unsigned)v;
            break;
        }
        case 'n':
            if (cli_now_option("report", optarg, &ao) != 0)
                return CLI_USAGE;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_OK;
        default: {
            int rc = cli_parse_agg_option("report", c, optarg, &g);
            if (rc == 0 && c == CLI_OPT_TOP) {
                top_given = true;
                text_top = g.top_n;
            }
            if (rc < 0)
                rc = cli_mem_option("report", c, optarg, &ao.mem);
            if (rc < 0)
                return cli_usage_error("report", "bad option");
            if (rc > 0)
                return rc;
        }
        }
    }
    if (optind >= argc)
        return cli_usage_error("report", "expected at least one FILE");
    FILE *out = stdout;
    if (outpath && strcmp(outpath, "-") != 0) {
        out = fopen(outpath, "w");
        if (!out) {
            fprintf(stderr, "rdblens report: cannot write %s: %s\n", outpath, strerror(errno));
            return CLI_UNREADABLE;
        }
    }
    rdbl_agg *agg = NULL;
    int worst = CLI_OK;
    if (cli_analyze_files("report", argv + optind, (size_t)(argc - optind), jobs, &ao, &g,
                          quiet, &agg, &worst) != 0) {
        if (out != stdout)
            fclose(out);
        rdbl_agg_free(agg);
        return cli_worse(worst, CLI_UNREADABLE);
    }
    rdbl_report_opts ro = {0};
    ro.top = fmt == TEXT ? text_top : (top_given ? g.top_n : 0);
    rdbl_error err = {0};
    rdbl_status st;
    if (fmt == JSON) {
        ro.json_indent = 2;
        st = rdbl_report_json(out, agg, &ro, &err);
    } else if (fmt == HTML) {
        st = rdbl_report_html(out, agg, &ro, &err);
    } else {
        st = rdbl_report_text(out, agg, &ro, &err);
    }
    rdbl_agg_free(agg);
    if (out != stdout) {
        if (fclose(out) != 0 && st == RDBL_OK)
            st = RDBL_IO;
    } else if (fflush(out) != 0 && st == RDBL_OK) {
        st = RDBL_IO;
    }
    if (st != RDBL_OK) {
        fprintf(stderr, "rdblens report: %s\n", err.msg[0] ? err.msg : "cannot write the report");
        return CLI_UNREADABLE;
    }
    return worst;
}

/* rdblens merge: combine JSON reports (e.g. one per cluster shard). */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "rdblens/report.h"

static const char help[] =
    "Usage: rdblens merge [--format json|text|html] [-o FILE] REPORT.json...\n"
    "\n"
    "Combines reports written by 'rdblens report --format json' (for example one\n"
    "per cluster shard, made on different machines) into the report of all their\n"
    "files together: counts, bytes, histograms and top lists are exact; prefix\n"
    "trees are exact within their node budget.\n"
    "\n"
    "  -f, --format F     json (default), text or html\n"
    "  -o, --output FILE  write there instead of standard output\n"
    "\n"
    "Cluster recipe: on each shard, 'rdblens report --format json -o shard-N.json\n"
    "dump.rdb'; copy the JSON files together; 'rdblens merge shard-*.json'.\n";

int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum { JSON, TEXT, HTML } fmt = JSON;
    const char *outpath = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                fmt = JSON;
            else if (strcmp(optarg, "text") == 0)
                fmt = TEXT;
            else if (strcmp(optarg, "html") == 0)
                fmt = HTML;
            else
                return cli_usage_error("merge", "unknown format '%s'", optarg);
            break;
        case 'o':
            outpath = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_OK;
        default:
            return cli_usage_error("merge", "bad option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("merge", "expected at least one REPORT.json");
    rdbl_agg *agg = NULL;
    rdbl_error err = {0};
    rdbl_status st = rdbl_report_merge(&agg, (const char *const *)(argv + optind),
                                       (size_t)(argc - optind), NULL, &err);
    if (st != RDBL_OK) {
        fprintf(stderr, "rdblens merge: %s\n", err.msg[0] ? err.msg : rdbl_strerror(st));
        rdbl_agg_free(agg);
        return st == RDBL_IO ? CLI_UNREADABLE : CLI_CORRUPT;
    }
    FILE *out = stdout;
    if (outpath && strcmp(outpath, "-") != 0 && !(out = fopen(outpath, "w"))) {
        fprintf(stderr, "rdblens merge: cannot write %s: %s\n", outpath, strerror(errno));
        rdbl_agg_free(agg);
        return CLI_UNREADABLE;
    }
    rdbl_report_opts ro = {0};
    if (fmt == JSON) {
        ro.json_indent = 2;
        st = rdbl_report_json(out, agg, &ro, &err);
    } else if (fmt == HTML) {
        st = rdbl_report_html(out, agg, &ro, &err);
    } else {
        ro.top = 10;
        st = rdbl_report_text(out, agg, &ro, &err);
    }
    rdbl_agg_free(agg);
    if (out != stdout ? fclose(out) != 0 : fflush(out) != 0)
        st = RDBL_IO;
    if (st != RDBL_OK) {
        fprintf(stderr, "rdblens merge: cannot write the report\n");
        return CLI_UNREADABLE;
    }
    return CLI_OK;
}

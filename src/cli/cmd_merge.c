/* rdblens merge: combine JSON reports (e.g. one per cluster shard). */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "rdblens/report.h"

static const char help[] =
    "Usage: rdblens merge [--format json|text|html|csv] [-o FILE] REPORT.json...\n"
    "\n"
    "Combines reports written by 'rdblens report --format json' (for example one\n"
    "per cluster shard, made on different machines) into the report of all their\n"
    "files together: counts, bytes, histograms and top lists are exact; prefix\n"
    "trees are exact within their node budget.\n"
    "\n"
    "  -f, --format F     json (default), text, html or csv (as report's)\n"
    "  -o, --output FILE  write there instead of standard output (a temporary\n"
    "                     file beside it, renamed once the report is whole)\n"
    "  -h, --help         this text\n"
    "\n"
    "Cluster recipe: on each shard, 'rdblens report --format json -o shard-N.json\n"
    "dump.rdb'; copy the JSON files together; 'rdblens merge shard-*.json'.\n"
    "\n"
    "Errors name the file and say what it is (an RDB file, a compressed file,\n"
    "text that is not a report). Exit codes: 0 ok; 2 usage; 3 a report cannot\n"
    "be read; 4 a file is not a report or is damaged; 6 the output could not be\n"
    "written.\n";

int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum { JSON, TEXT, HTML, CSV } fmt = JSON;
    const char *outpath = NULL;
    int c;
    optind = 1;
    while ((c = cli_getopt("merge", argc, argv, "f:o:h", longopts)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                fmt = JSON;
            else if (strcmp(optarg, "text") == 0)
                fmt = TEXT;
            else if (strcmp(optarg, "html") == 0)
                fmt = HTML;
            else if (strcmp(optarg, "csv") == 0)
                fmt = CSV;
            else
                return cli_usage_error("merge", "unknown format '%s' (json, text, html, csv)",
                                       optarg);
            break;
        case 'o':
            outpath = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_OK;
        default:
            return CLI_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage_error("merge", "expected at least one REPORT.json");
    cli_out out;
    if (cli_out_open(&out, "merge", outpath) != CLI_OK)
        return CLI_OUTPUT;
    rdbl_agg *agg = NULL;
    rdbl_error err = {0};
    rdbl_status st = rdbl_report_merge(&agg, (const char *const *)(argv + optind),
                                       (size_t)(argc - optind), NULL, &err);
    if (st != RDBL_OK) {
        /* the reader names the file in err.where; "unable to open X" already does */
        bool named = err.where[0] && strcmp(err.where, "merge") != 0 &&
                     strcmp(err.where, "json") != 0 && strstr(err.msg, err.where) == NULL;
        const char *name = strcmp(err.where, "-") == 0 ? "standard input" : err.where;
        fprintf(stderr, "rdblens merge: %s%s%s\n", named ? name : "", named ? ": " : "",
                err.msg[0] ? err.msg : rdbl_strerror(st));
        rdbl_agg_free(agg);
        cli_out_discard(&out);
        return st == RDBL_IO ? CLI_UNREADABLE : CLI_CORRUPT;
    }
    rdbl_report_opts ro = {0};
    if (fmt == JSON) {
        ro.json_indent = 2;
        st = rdbl_report_json(out.f, agg, &ro, &err);
    } else if (fmt == HTML) {
        st = rdbl_report_html(out.f, agg, &ro, &err);
    } else if (fmt == CSV) {
        st = rdbl_report_csv_prefixes(out.f, agg, &err);
    } else {
        ro.top = 10;
        st = rdbl_report_text(out.f, agg, &ro, &err);
    }
    rdbl_agg_free(agg);
    if (st == RDBL_IO)
        cli_out_note_errno(&out, errno);
    if (cli_out_close(&out) != CLI_OK)
        return CLI_OUTPUT;
    if (st != RDBL_OK) {
        fprintf(stderr, "rdblens merge: %s\n", err.msg[0] ? err.msg : rdbl_strerror(st));
        return CLI_CORRUPT;
    }
    return CLI_OK;
}

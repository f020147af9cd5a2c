/* rdblens report: where the memory goes. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rdblens/report.h"

static const char help[] =
    "Usage: rdblens report [--format text|json|html|csv] [-o FILE] [--top N]\n"
    "                      [--depth N] [--delimiters S] [-j N] [memory model options]\n"
    "                      FILE...\n"
    "\n"
    "Reads each file once and reports where the memory goes: the estimated total\n"
    "(sum of per-key MEMORY USAGE) against the used-mem the server recorded, key\n"
    "prefixes and patterns (user:1234:cart and user:98:cart count as user:*:cart),\n"
    "the biggest keys, TTL coverage and mass-expiry risk, hot and cold keys when the\n"
    "file has LRU/LFU data, type and encoding tables, and advice: the most serious\n"
    "first, then by the memory it would save.\n"
    "\n"
    "  -f, --format F      text (default; fits 100 columns), json (machine units,\n"
    "                      deterministic, schema rdblens.report/1; merge several\n"
    "                      with 'rdblens merge'), html (one self-contained page),\n"
    "                      csv (the prefix and pattern rows, one per line: prefix,\n"
    "                      depth, keys, memory_bytes, rdb_bytes, elements,\n"
    "                      keys_with_ttl, memory_without_ttl_bytes, values, example)\n"
    "  -o, --output FILE   write there instead of standard output (a temporary\n"
    "                      file beside it, renamed once the report is whole)\n"
    "  --top N             keys per top list (default 100 in JSON/HTML, 10 in text)\n"
    "  --depth N           prefix tree depth (default 4)\n"
    "  --delimiters S      key segment delimiters (default \":\"), e.g. \":/|.\";\n"
    "                      inside a segment . / | - _ , = are read per family:\n"
    "                      where siblings share them they carry the pattern\n"
    "                      (i18n.en.*.*, cache:*|*|list), elsewhere not\n"
    "  --no-fold           keep id-like segments instead of folding them to *\n"
    "  --node-budget N     prefix tree nodes kept (default 100000)\n"
    "  --sample-budget SIZE  bytes of large string values compressed per file for\n"
    "                      the compression advice (default 2m; 1k..4g), and\n"
    "                      values of 256 KiB or more past it (up to 64); the\n"
    "                      advice extrapolates the rest per value size class\n"
    "                      and says how much it saw\n"
    "  --now MS            TTLs relative to this Unix time in ms (default: the\n"
    "                      snapshot's save time)\n"
    "  -j, --jobs N        analyse up to N files in parallel (default 1)\n"
    "  --salvage           read past damage: skip each unreadable stretch to\n"
    "                      where records parse again, list the holes (stderr,\n"
    "                      output) and go on; still exits 4\n"
    CLI_SHA256_HELP
    CLI_REDACT_HELP
    "  -q, --quiet         no progress bar\n"
    "  -h, --help          this text\n";
/* the rest apart: one string literal may not pass 4095 characters (C99) */
static const char help_tail[] =
    "\n" CLI_MEM_HELP
    "\n"
    "Several files (e.g. one per cluster shard) give one combined report. A file\n"
    "cut short still counts with what was read before the damage (marked\n"
    "partial); a file that is not an RDB at all holds nothing of the figures and\n"
    "is listed as NOT READ with its error (and on stderr). Exit codes: 0 ok;\n"
    "2 usage; 3 unreadable; 4 corrupt, truncated or not an RDB; 5 checksum\n"
    "mismatch; 6 the report could not be written.\n";

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},
        {"now", required_argument, NULL, 'n'},
        {"sample-budget", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},
        CLI_SALVAGE_LONGOPT,
        CLI_SHA256_LONGOPT,
        CLI_REDACT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        CLI_AGG_LONGOPTS,
        CLI_MEM_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    enum { TEXT, JSON, HTML, CSV } fmt = TEXT;
    const char *outpath = NULL;
    unsigned jobs = 1;
    bool quiet = false;
    rdbl_analysis_opts ao;
    rdbl_analysis_opts_init(&ao);
    rdbl_agg_opts g;
    rdbl_agg_opts_default(&g);
    size_t text_top = 10;
    bool top_given = false;
    cli_redact rd = {0};
    int c;
    optind = 1;
    while ((c = cli_getopt("report", argc, argv, "f:o:j:qh", longopts)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                fmt = TEXT;
            else if (strcmp(optarg, "json") == 0)
                fmt = JSON;
            else if (strcmp(optarg, "html") == 0)
                fmt = HTML;
            else if (strcmp(optarg, "csv") == 0)
                fmt = CSV;
            else
                return cli_usage_error("report", "unknown format '%s' (text, json, html, csv)",
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
        case 'S': {
            uint64_t v;
            if (cli_parse_size(optarg, &v) != 0 || v < 1024 || v > (4ULL << 30))
                return cli_usage_error("report", "--sample-budget wants a size from 1k to 4g");
            ao.sample_budget = v;
            g.compress_budget_bytes = v;
            break;
        }
        case 'q':
            quiet = true;
            break;
        case CLI_OPT_SALVAGE:
            ao.parse_flags |= RDBL_PARSE_SALVAGE;
            break;
        case CLI_OPT_SHA256:
            ao.sha256 = true;
            break;
        case 'h':
            fputs(help, stdout);
            fputs(help_tail, stdout);
            return CLI_OK;
        default: {
            if (c == CLI_BADOPT)
                return CLI_USAGE;
            int rc = cli_parse_agg_option("report", c, optarg, &g);
            if (rc == 0 && c == CLI_OPT_TOP) {
                top_given = true;
                text_top = g.top_n;
            }
            if (rc < 0)
                rc = cli_mem_option("report", c, optarg, &ao.mem);
            if (rc < 0)
                rc = cli_redact_option("report", c, optarg, &rd);
            if (rc < 0)
                return CLI_USAGE;
            if (rc > 0)
                return rc;
        }
        }
    }
    if (optind >= argc)
        return cli_usage_error("report", "expected at least one FILE");
    rdbl_redactor *red = NULL;
    int rrc = cli_redact_make("report", &rd, g.delimiters, (const char *const *)argv + optind,
                              (size_t)(argc - optind), ao.parse_flags, &red);
    if (rrc != CLI_OK)
        return rrc;
    ao.redact = red;
    cli_out out;
    if (cli_out_open(&out, "report", outpath) != CLI_OK) {
        rdbl_redactor_free(red);
        return CLI_OUTPUT;
    }
    rdbl_agg *agg = NULL;
    int worst = CLI_OK;
    if (cli_analyze_files("report", argv + optind, (size_t)(argc - optind), jobs, &ao, &g,
                          quiet, NULL, &agg, &worst) != 0) {
        cli_out_discard(&out); /* nothing to report: no -o file either */
        rdbl_agg_free(agg);
        rdbl_redactor_free(red);
        /* each file's own code (4 for a text file, as info/keys/dump say);
         * 3 when there was none (out of memory) */
        return worst != CLI_OK ? worst : CLI_UNREADABLE;
    }
    rdbl_report_opts ro = {0};
    ro.top = fmt == TEXT ? text_top : (top_given ? g.top_n : 0);
    rdbl_error err = {0};
    rdbl_status st;
    if (fmt == JSON) {
        ro.json_indent = 2;
        st = rdbl_report_json(out.f, agg, &ro, &err);
    } else if (fmt == HTML) {
        st = rdbl_report_html(out.f, agg, &ro, &err);
    } else if (fmt == CSV) {
        st = rdbl_report_csv_prefixes(out.f, agg, &err);
    } else {
        st = rdbl_report_text(out.f, agg, &ro, &err);
    }
    rdbl_agg_free(agg);
    rdbl_redactor_free(red);
    if (st == RDBL_IO)
        cli_out_note_errno(&out, errno);
    if (cli_out_close(&out) != CLI_OK)
        return CLI_OUTPUT;
    if (st != RDBL_OK) {
        fprintf(stderr, "rdblens report: %s\n", err.msg[0] ? err.msg : rdbl_strerror(st));
        return cli_worse(worst, CLI_UNREADABLE);
    }
    return worst;
}

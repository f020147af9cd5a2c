/* rdblens diff: what changed between two snapshots. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "rdblens/diff.h"

static const char help[] =
    "Usage: rdblens diff [--format text|json|html] [-o FILE] [--top N] [--depth N]\n"
    "                    [--delimiters S] [memory model options] OLD NEW\n"
    "\n"
    "Compares two snapshots: what grew, what shrank, which key families appeared or\n"
    "vanished, which stopped getting TTLs. OLD and NEW are RDB files (plain or\n"
    "compressed) or 'report --format json' outputs.\n"
    "\n"
    "By pattern: one pattern tree built from the keys of both files (a family is one\n"
    "row even when its ids differ completely between the two), each row with keys,\n"
    "memory and keys with a TTL before and after, largest absolute change first.\n"
    "By key (two RDB files): keys added, removed, changed (type, value or expiry;\n"
    "values compared by a digest computed while reading) and unchanged; the keys\n"
    "that grew and shrank most, the largest added and removed; encoding changes and\n"
    "TTLs gained or lost per family. Memory stays bounded: per-key records go to\n"
    "temporary files in TMPDIR (removed on any exit), joined one slice at a time.\n"
    "With a report JSON input only the pattern level is compared.\n"
    "\n"
    "  -f, --format F      text (default), json (schema rdblens.diff/1), html (one\n"
    "                      self-contained page)\n"
    "  -o, --output FILE   write there instead of standard output\n"
    "  --top N             keys per top list (default 10 in text, 20 in JSON/HTML)\n"
    "  --depth N           prefix tree depth (default 4)\n"
    "  --delimiters S      key segment delimiters (default \":\")\n"
    "  --no-fold           keep id-like segments instead of folding them to *\n"
    "  --node-budget N     prefix tree nodes kept (default 100000)\n"
    "  --now MS            TTLs relative to this Unix time in ms\n"
    CLI_REDACT_HELP
    "  -q, --quiet         (accepted for symmetry; diff draws no progress bar)\n"
    "  -h, --help          this text\n"
    "\n" CLI_MEM_HELP
    "\n"
    "Exit codes: 0 ok; 2 usage; 3 an input cannot be read; 4 an input is corrupt or\n"
    "truncated (no diff is written: a partial file would show its unread keys as\n"
    "removed); 5 a checksum does not match (the diff is still written); 6 the\n"
    "output or a temporary file could not be written.\n";

int cmd_diff(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"now", required_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        CLI_AGG_LONGOPTS,
        CLI_MEM_LONGOPTS,
        CLI_REDACT_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    enum { TEXT, JSON, HTML } fmt = TEXT;
    const char *outpath = NULL;
    rdbl_diff_opts o;
    rdbl_diff_opts_init(&o);
    bool top_given = false;
    cli_redact rd = {0};
    int c;
    optind = 1;
    while ((c = cli_getopt("diff", argc, argv, "f:o:qh", longopts)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                fmt = TEXT;
            else if (strcmp(optarg, "json") == 0)
                fmt = JSON;
            else if (strcmp(optarg, "html") == 0)
                fmt = HTML;
            else
                return cli_usage_error("diff", "unknown format '%s' (text, json, html)", optarg);
            break;
        case 'o':
            outpath = optarg;
            break;
        case 'n':
            if (cli_now_option("diff", optarg, &o.ao) != 0)
                return CLI_USAGE;
            break;
        case 'q':
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_OK;
        case CLI_BADOPT:
            return CLI_USAGE;
        default: {
            int rc = cli_parse_agg_option("diff", c, optarg, &o.agg);
            if (rc == 0 && c == CLI_OPT_TOP) {
                top_given = true;
                o.top_n = o.agg.top_n;
            }
            if (rc < 0)
                rc = cli_mem_option("diff", c, optarg, &o.ao.mem);
            if (rc < 0)
                rc = cli_redact_option("diff", c, optarg, &rd);
            if (rc < 0)
                return cli_usage_error("diff", "bad option");
            if (rc > 0)
                return rc;
        }
        }
    }
    if (optind != argc - 2)
        return cli_usage_error("diff", "expected two files: OLD NEW");
    o.src = cli_source_opts(true);
    rdbl_redactor *red = NULL;
    int rrc = cli_redact_make("diff", &rd, o.agg.delimiters, (const char *const *)argv + optind,
                              2, o.ao.parse_flags, &red);
    if (rrc != CLI_OK)
        return rrc;
    o.ao.redact = red;
    cli_out out;
    if (cli_out_open(&out, "diff", outpath) != CLI_OK) {
        rdbl_redactor_free(red);
        return CLI_OUTPUT;
    }
    rdbl_diff *d = NULL;
    rdbl_error err = {0};
    rdbl_status st = rdbl_diff_run(&d, argv[optind], argv[optind + 1], &o, &err);
    rdbl_redactor_free(red); /* the keys are all read */
    if (!d) {
        if (st == RDBL_USAGE) {
            fprintf(stderr, "rdblens diff: %s\n", err.msg);
            cli_out_discard(&out);
            return CLI_USAGE;
        }
        fprintf(stderr, "rdblens diff: %s\n", err.msg[0] ? err.msg : rdbl_strerror(st));
        cli_out_discard(&out);
        if (strcmp(err.where, RDBL_DIFF_TEMP) == 0)
            return CLI_OUTPUT;
        return st == RDBL_NOMEM ? CLI_UNREADABLE : cli_exit_code(st);
    }
    int code = st == RDBL_CHECKSUM ? CLI_CHECKSUM : CLI_OK;
    if (st == RDBL_CHECKSUM)
        fprintf(stderr, "rdblens diff: warning: a checksum does not match (see files.*.checksum)\n");
    rdbl_diff_report_opts ro = {0};
    if (fmt == JSON) {
        ro.json_indent = 2;
        st = rdbl_diff_write_json(out.f, d, &ro);
    } else if (fmt == HTML) {
        ro.top = top_given ? o.top_n : 0;
        st = rdbl_diff_write_html(out.f, d, &ro);
    } else {
        ro.top = top_given ? o.top_n : 10;
        st = rdbl_diff_write_text(out.f, d, &ro);
    }
    rdbl_diff_free(d);
    if (st == RDBL_IO)
        cli_out_note_errno(&out, errno);
    if (cli_out_close(&out) != CLI_OK)
        return CLI_OUTPUT;
    if (st != RDBL_OK) {
        fprintf(stderr, "rdblens diff: out of memory\n");
        return CLI_UNREADABLE;
    }
    return code;
}

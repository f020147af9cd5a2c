/* rdblens keys: one row per key with its estimated RAM. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "Usage: rdblens keys [--format csv|jsonl] [--db N] [--match GLOB] [--type T]\n"
    "                    [--min-bytes SIZE] [memory model options] FILE\n"
    "\n"
    "Streams one row per key (nothing is held in memory), for spreadsheets,\n"
    "DuckDB, Spark or grep. CSV columns (RFC 4180, with a header):\n"
    "  db,key,type,encoding,elements,rdb_bytes,memory_bytes,largest_element_bytes,\n"
    "  expire_at_ms,ttl_ms,idle_s,freq\n"
    "memory_bytes is the estimated MEMORY USAGE of the key on the target server;\n"
    "encoding is the encoding that server would use; ttl_ms is relative to the\n"
    "snapshot's save time (ctime aux field). Empty cells: not applicable. Keys\n"
    "that are not printable UTF-8 are escaped: \\xNN per byte, \\\\ for a backslash.\n"
    "\n"
    "  -f, --format csv|jsonl  (default csv)\n"
    "  --db N                  only database N\n"
    "  --match GLOB            only keys matching a Redis glob, e.g. 'cart:*'\n"
    "  --type T                only keys of type T (string list set zset hash stream)\n"
    "  --min-bytes SIZE        only keys of at least SIZE estimated bytes (10m, 512k)\n"
    "  --now MS                compute ttl_ms against this Unix time in ms\n"
    "  -q, --quiet             no progress bar\n"
    "\n" CLI_MEM_HELP;

typedef struct keys_ctx {
    rdbl_keyrows_format fmt;
    uint64_t min_bytes;
    FILE *out;
    uint64_t rows;
} keys_ctx;

static int on_key(void *user, const rdbl_key_facts *f, const rdbl_key_info *k, int64_t ref_ms)
{
    keys_ctx *c = user;
    (void)k;
    if (f->mem_bytes < c->min_bytes)
        return 0;
    c->rows++;
    return rdbl_keyrows_write(c->out, c->fmt, f, ref_ms) == 0 ? 0 : -1;
}

int cmd_keys(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"db", required_argument, NULL, 'd'},
        {"match", required_argument, NULL, 'm'},
        {"type", required_argument, NULL, 't'},
        {"min-bytes", required_argument, NULL, 'b'},
        {"now", required_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        CLI_MEM_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    rdbl_analysis_opts o;
    rdbl_analysis_opts_init(&o);
    keys_ctx ctx = {RDBL_KEYROWS_CSV, 0, stdout, 0};
    bool quiet = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "csv") == 0)
                ctx.fmt = RDBL_KEYROWS_CSV;
            else if (strcmp(optarg, "jsonl") == 0)
                ctx.fmt = RDBL_KEYROWS_JSONL;
            else
                return cli_usage_error("keys", "unknown format '%s' (csv or jsonl)", optarg);
            break;
        case 'b':
            if (cli_parse_size(optarg, &ctx.min_bytes) != 0)
                return cli_usage_error("keys", "--min-bytes wants a size like 10m, not '%s'",
                                       optarg);
            break;
        case 'n':
            if (cli_now_option("keys", optarg, &o) != 0)
                return CLI_USAGE;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_OK;
        default: {
            int rc = cli_filter_option("keys", c, optarg, &o.filter);
            if (rc < 0)
                rc = cli_mem_option("keys", c, optarg, &o.mem);
            if (rc < 0)
                return cli_usage_error("keys", "bad option");
            if (rc > 0)
                return rc;
        }
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("keys", "expected exactly one FILE");
    const char *path = argv[optind];
    rdbl_error err = {0};
    rdbl_source *src = NULL;
    rdbl_source_opts so = cli_source_opts(true);
    if (rdbl_source_open_file(&src, path, &so, &err) != RDBL_OK) {
        cli_print_error(path, &err);
        return CLI_UNREADABLE;
    }
    cli_progress prog;
    cli_progress_init(&prog, src, quiet);
    o.progress = cli_progress_cb;
    o.progress_user = &prog;
    o.on_key = on_key;
    o.key_user = &ctx;
    o.parse_flags |= RDBL_PARSE_FAST;
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    rdbl_keyrows_header(stdout, ctx.fmt);
    rdbl_snapshot snap;
    rdbl_status st = rdbl_analyze(src, path, &o, NULL, &snap, NULL, &err);
    cli_progress_done(&prog);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "rdblens keys: error writing output\n");
        rdbl_source_free(src);
        return CLI_UNREADABLE;
    }
    if (st != RDBL_OK) {
        cli_print_error(path, &err);
        if (st != RDBL_CHECKSUM)
            fprintf(stderr, "rdblens keys: the rows written before the error are complete; "
                            "the output is partial\n");
    }
    rdbl_source_free(src);
    return cli_exit_code(st);
}

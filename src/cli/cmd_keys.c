/* rdblens keys: one row per key with its estimated RAM. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "Usage: rdblens keys [--format csv|jsonl] [--db N] [--match GLOB] [--type T]\n"
    "                    [--min-bytes SIZE] [--columns LIST] [-o FILE]\n"
    "                    [--spreadsheet-safe]\n"
    "                    [memory model options] FILE\n"
    "\n"
    "Streams one row per key (nothing is held in memory), for spreadsheets,\n"
    "DuckDB, Spark or grep. CSV columns (RFC 4180, with a header):\n"
    "  db,key,type,encoding,elements,rdb_bytes,memory_bytes,largest_element_bytes,\n"
    "  expire_at_ms,ttl_ms,idle_s,freq\n"
    "and on request (--columns) offset: the byte offset of the key's record in\n"
    "the decompressed RDB (its first byte: the expiry/idle/freq opcode before\n"
    "it, else the type byte), to find the record with a hex editor.\n"
    "memory_bytes is the estimated MEMORY USAGE of the key on the target server;\n"
    "encoding is the encoding that server would use in memory (e.g. quicklist,\n"
    "hashtable), not the one stored in the file that 'dump' and 'info' show;\n"
    "ttl_ms is relative to the\n"
    "snapshot's save time (ctime aux field). Empty cells: not applicable. Keys\n"
    "that are not printable UTF-8 are escaped: \\xNN per byte, \\\\ for a backslash.\n"
    "\n"
    "  -f, --format csv|jsonl  (default csv)\n"
    "  --db N                  only database N\n"
    "  --match GLOB            only keys matching a Redis glob, e.g. 'cart:*'\n"
    "  --type T                only keys of type T (string list set zset hash stream)\n"
    "  --columns LIST          the columns, in this order, comma-separated: any of\n"
    "                          db, key, type, encoding, elements, rdb_bytes,\n"
    "                          memory_bytes, largest_element_bytes, expire_at_ms,\n"
    "                          ttl_ms, idle_s, freq, offset (default: all but\n"
    "                          offset, as listed above); JSON Lines too\n"
    "  --min-bytes SIZE        only keys of at least SIZE estimated bytes: 10m,\n"
    "                          512k, 10MiB, 10MB (k, m, g, t are all 1024-based)\n"
    "  -o, --output FILE       write there instead of standard output (a temporary\n"
    "                          file beside it, renamed when done)\n"
    "  --spreadsheet-safe      CSV only: prefix a key cell that starts with =, +, -,\n"
    "                          @, tab or CR with a ' so spreadsheets show it as text\n"
    "                          instead of running it as a formula (the cell then\n"
    "                          differs from the key by that leading ')\n"
    "  --now MS                compute ttl_ms against this Unix time in ms\n"
    "  --salvage               read past damage: skip each unreadable stretch to\n"
    "                          where records parse again, list the holes (stderr,\n"
    "                          output) and go on; still exits 4\n"
    "  --redact                replace the variable parts of keys (what patterns\n"
    "                          show as *, e-mail addresses, UUIDs, ids) by keyed\n"
    "                          pseudonyms of the same shape; reads FILE twice\n"
    "                          (its keys first, to learn the patterns)\n"
    "  --redact-key FILE       the secret for --redact (16 to 4096 bytes): the same\n"
    "                          id gets the same pseudonym in every run\n"
    "  -q, --quiet             no progress bar\n"
    "  -h, --help              this text\n"
    "\n"
    "Every row is written whole once its key was read: on a damaged file the rows\n"
    "before the damage are complete and the cut key has none. Exit codes: 0 ok;\n"
    "2 usage; 3 unreadable; 4 corrupt or truncated; 5 checksum mismatch; 6 the\n"
    "output could not be written.\n";
/* apart: one string literal may not pass 4095 characters (C99) */
static const char help_mem[] = "\n" CLI_MEM_HELP;

typedef struct keys_ctx {
    rdbl_keyrows_opts rows_opts;
    uint64_t min_bytes;
    cli_out *out;
    uint64_t rows;
} keys_ctx;

static int on_key(void *user, const rdbl_key_facts *f, const rdbl_key_info *k, int64_t ref_ms)
{
    keys_ctx *c = user;
    if (f->mem_bytes < c->min_bytes)
        return 0;
    c->rows++;
    if (rdbl_keyrows_write(c->out->f, &c->rows_opts, f, k->offset, ref_ms) == 0)
        return 0;
    cli_out_note_errno(c->out, errno);
    return -1;
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
        {"output", required_argument, NULL, 'o'},
        {"spreadsheet-safe", no_argument, NULL, 's'},
        {"columns", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        CLI_SALVAGE_LONGOPT,
        CLI_REDACT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        CLI_MEM_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    rdbl_analysis_opts o;
    rdbl_analysis_opts_init(&o);
    cli_out out;
    keys_ctx ctx = {.out = &out};
    rdbl_keyrows_format fmt = RDBL_KEYROWS_CSV;
    bool quiet = false, safe = false;
    const char *outpath = NULL, *columns = NULL;
    cli_redact rd = {0};
    int c;
    optind = 1;
    while ((c = cli_getopt("keys", argc, argv, "f:o:qh", longopts)) != -1) {
        switch (c) {
        case 'o':
            outpath = optarg;
            break;
        case 's':
            safe = true;
            break;
        case 'c':
            columns = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "csv") == 0)
                fmt = RDBL_KEYROWS_CSV;
            else if (strcmp(optarg, "jsonl") == 0)
                fmt = RDBL_KEYROWS_JSONL;
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
        case CLI_OPT_SALVAGE:
            o.parse_flags |= RDBL_PARSE_SALVAGE;
            break;
        case 'h':
            fputs(help, stdout);
            fputs(help_mem, stdout);
            return CLI_OK;
        default: {
            if (c == CLI_BADOPT)
                return CLI_USAGE;
            int rc = cli_filter_option("keys", c, optarg, &o.filter);
            if (rc < 0)
                rc = cli_mem_option("keys", c, optarg, &o.mem);
            if (rc < 0)
                rc = cli_redact_option("keys", c, optarg, &rd);
            if (rc < 0)
                return CLI_USAGE;
            if (rc > 0)
                return rc;
        }
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("keys", "expected exactly one FILE");
    if (safe && fmt == RDBL_KEYROWS_CSV)
        fmt = RDBL_KEYROWS_CSV_SAFE;
    rdbl_keyrows_opts_init(&ctx.rows_opts, fmt);
    char why[96];
    if (columns && rdbl_keyrows_parse_columns(&ctx.rows_opts, columns, why, sizeof why) != 0)
        return cli_usage_error("keys", "--columns: %s (see --help for the names)", why);
    const char *path = argv[optind];
    rdbl_redactor *red = NULL;
    int rrc = cli_redact_make("keys", &rd, NULL, &path, 1, o.parse_flags, &red);
    if (rrc != CLI_OK)
        return rrc;
    o.redact = red;
    rdbl_error err = {0};
    rdbl_source *src = NULL;
    rdbl_source_opts so = cli_source_opts(true);
    if (rdbl_source_open_file(&src, path, &so, &err) != RDBL_OK) {
        cli_print_error("keys", path, &err, NULL);
        rdbl_redactor_free(red);
        return CLI_UNREADABLE;
    }
    if (cli_out_open(&out, "keys", outpath) != CLI_OK) {
        rdbl_source_free(src);
        rdbl_redactor_free(red);
        return CLI_OUTPUT;
    }
    cli_progress prog;
    cli_progress_init(&prog, src, quiet);
    o.progress = cli_progress_cb;
    o.progress_user = &prog;
    o.on_key = on_key;
    o.key_user = &ctx;
    o.parse_flags |= RDBL_PARSE_FAST;
    cli_holes holes = {"keys", path, red};
    o.on_hole = cli_hole_print;
    o.hole_user = &holes;
    static char obuf[1 << 16];
    setvbuf(out.f, obuf, _IOFBF, sizeof obuf);
    if (rdbl_keyrows_header(out.f, &ctx.rows_opts) != 0)
        cli_out_note_errno(&out, errno);
    rdbl_snapshot snap;
    rdbl_status st = cli_out_failed(&out) ? RDBL_OK
                                          : rdbl_analyze(src, path, &o, NULL, &snap, NULL, &err);
    cli_progress_done(&prog);
    rdbl_source_free(src);
    rdbl_redactor_free(red);
    char tail[96];
    snprintf(tail, sizeof tail, "%" PRIu64 " whole rows written, the cut key has none", ctx.rows);
    return cli_finish(&out, path, st, &err, tail);
}

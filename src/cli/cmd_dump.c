/* rdblens dump: every key with its value, as JSON Lines. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "Usage: rdblens dump [--format jsonl] [--db N] [--match GLOB] [--type T] FILE\n"
    "\n"
    "Writes one JSON object per key, in file order, with its full value:\n"
    "  {\"db\":0,\"key\":\"user:1\",\"type\":\"hash\",\"encoding\":\"listpack\",\n"
    "   \"expire_ms\":null,\"value\":{\"name\":\"Ada\"}}\n"
    "Values: string -> string; list and set -> array; zset -> [[member, score]];\n"
    "hash -> object (plus \"field_expire_ms\" when fields have TTLs); stream ->\n"
    "{\"entries\", \"length\", \"last_id\", \"groups\"}; module -> its name and size.\n"
    "expire_ms is absolute Unix time in milliseconds.\n"
    "\n"
    "Binary-safe strings: valid printable UTF-8 is kept; a backslash is written\n"
    "as \\\\ and every other byte as \\xNN (so \"\\\\x00\" in JSON is the byte 0).\n"
    "\n"
    "  --db N          only database N\n"
    "  --match GLOB    only keys matching a Redis glob ('user:*', 'cart:[0-9]*')\n"
    "  --type T        only keys of type T (string list set zset hash stream module)\n"
    "  --format jsonl  the only format (default)\n"
    "  -h, --help      this text\n";

int cmd_dump(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"db", required_argument, NULL, 'd'},
        {"match", required_argument, NULL, 'm'},
        {"type", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    rdbl_key_filter filter = RDBL_KEY_FILTER_ALL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:d:m:t:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "jsonl") != 0)
                return cli_usage_error("dump", "unknown format '%s' (jsonl)", optarg);
            break;
        case 'q':
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_OK;
        default: {
            int rc = cli_filter_option("dump", c, optarg, &filter);
            if (rc < 0)
                return cli_usage_error("dump", "bad option");
            if (rc > 0)
                return rc;
        }
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("dump", "expected exactly one FILE");
    const char *path = argv[optind];
    rdbl_error err = {0};
    rdbl_source *src = NULL;
    rdbl_source_opts so = cli_source_opts(true);
    if (rdbl_source_open_file(&src, path, &so, &err) != RDBL_OK) {
        cli_print_error(path, &err);
        return CLI_UNREADABLE;
    }
    rdbl_dump *d = rdbl_dump_new(stdout, &filter);
    if (!d) {
        rdbl_source_free(src);
        return CLI_UNREADABLE;
    }
    rdbl_status st = rdbl_parse(src, rdbl_dump_events(), d, NULL, &err);
    fflush(stdout);
    if (st != RDBL_OK) {
        cli_print_error(path, &err);
        if (st != RDBL_CHECKSUM)
            fprintf(stderr, "rdblens: the keys written before the error are complete; the "
                            "output is partial\n");
    }
    rdbl_dump_free(d);
    rdbl_source_free(src);
    return cli_exit_code(st);
}

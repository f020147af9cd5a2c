/* rdblens dump: every key with its value, as JSON Lines. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "Usage: rdblens dump [--format jsonl] [--db N] [--match GLOB] [--type T]\n"
    "                    [-o FILE] [--quiet] FILE\n"
    "\n"
    "Writes one JSON object per key, in file order, with its full value:\n"
    "  {\"db\":0,\"key\":\"user:1\",\"type\":\"hash\",\"encoding\":\"listpack\",\n"
    "   \"expire_ms\":null,\"value\":{\"name\":\"Ada\"}}\n"
    "Values: string -> string; list and set -> array; zset -> [[member, score]]\n"
    "in ascending score order (ties by member) whatever the encoding; hash ->\n"
    "object (plus \"field_expire_ms\" when fields have TTLs); stream ->\n"
    "{\"entries\", \"length\", \"last_id\", \"groups\"}; module -> its name and size.\n"
    "expire_ms is absolute Unix time in milliseconds; idle_s/freq appear when\n"
    "the file has LRU/LFU data. encoding is the encoding as stored in the file\n"
    "(as 'info' counts it); 'keys' names the encoding in memory instead.\n"
    "\n"
    "Scores: the shortest decimal that reads back as the same double (0.1, not\n"
    "0.10000000000000001); -0 stays -0; infinities are the strings \"inf\" and\n"
    "\"-inf\" (JSON has no number for them). A zset stored in neither ascending\n"
    "nor descending order (no server writes one) keeps its stored order.\n"
    "\n"
    "Binary-safe strings: valid printable UTF-8 is kept; a backslash is written\n"
    "as \\\\ and every other byte as \\xNN (so \"\\\\x00\" in JSON is the byte 0);\n"
    "bidirectional and invisible code points (U+202E, U+200B...) are escaped\n"
    "like control bytes, \\xNN per byte (README, Byte strings in output).\n"
    "\n"
    "Whole records: each key is written once it was read completely (buffered\n"
    "in memory up to 4 MiB, then in a temporary file in $TMPDIR), so a damaged\n"
    "file never leaves half a line: every line of the output parses as JSON.\n"
    "\n"
    "  --db N          only database N\n"
    "  --match GLOB    only keys matching a Redis glob ('user:*', 'cart:[0-9]*')\n"
    "  --type T        only keys of type T (string list set zset hash stream module)\n"
    "  -f, --format jsonl  the only format (default)\n"
    "  -o, --output FILE   write there instead of standard output (a temporary\n"
    "                  file beside it, renamed when done)\n"
    "  --salvage       read past damage: skip each unreadable stretch to\n"
    "                  where records parse again, list the holes (stderr,\n"
    "                  output) and go on; still exits 4\n"
    "  --redact        keys with their variable parts replaced by keyed\n"
    "                  pseudonyms of the same shape; every string value,\n"
    "                  element, field and hash value replaced by\n"
    "                  \"~<length>B:<keyed digest>\" (scores, TTLs, ids stay);\n"
    "                  reads FILE twice (keys first, to learn the patterns)\n"
    "  --redact-key FILE  the secret for --redact (16 to 4096 bytes): the\n"
    "                  same id or value gets the same stand-in in every run\n"
    "  -q, --quiet     no progress bar\n"
    "  -h, --help      this text\n"
    "\n"
    "Exit codes: 0 ok; 2 usage; 3 unreadable; 4 corrupt or truncated (the keys\n"
    "before the damage are written, the cut one is not); 5 checksum mismatch;\n"
    "6 the output (or the temporary file) could not be written.\n";

int cmd_dump(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"db", required_argument, NULL, 'd'},
        {"match", required_argument, NULL, 'm'},
        {"type", required_argument, NULL, 't'},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        CLI_SALVAGE_LONGOPT,
        CLI_REDACT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    rdbl_key_filter filter = RDBL_KEY_FILTER_ALL;
    const char *outpath = NULL;
    bool quiet = false, salvage = false;
    cli_redact rd = {0};
    int c;
    optind = 1;
    while ((c = cli_getopt("dump", argc, argv, "f:d:m:t:o:qh", longopts)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "jsonl") != 0)
                return cli_usage_error("dump", "unknown format '%s' (jsonl)", optarg);
            break;
        case 'o':
            outpath = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case CLI_OPT_SALVAGE:
            salvage = true;
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_OK;
        default: {
            int rc = c == CLI_BADOPT ? CLI_USAGE : cli_redact_option("dump", c, optarg, &rd);
            if (rc < 0)
                rc = cli_filter_option("dump", c, optarg, &filter);
            if (rc != 0)
                return rc < 0 ? CLI_USAGE : rc;
        }
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("dump", "expected exactly one FILE");
    const char *path = argv[optind];
    rdbl_redactor *red = NULL;
    int rrc = cli_redact_make("dump", &rd, NULL, &path, 1,
                              salvage ? RDBL_PARSE_SALVAGE : 0u, &red);
    if (rrc != CLI_OK)
        return rrc;
    rdbl_error err = {0};
    rdbl_source *src = NULL;
    rdbl_source_opts so = cli_source_opts(true);
    if (rdbl_source_open_file(&src, path, &so, &err) != RDBL_OK) {
        cli_print_error("dump", path, &err, NULL);
        rdbl_redactor_free(red);
        return CLI_UNREADABLE;
    }
    cli_out out;
    if (cli_out_open(&out, "dump", outpath) != CLI_OK) {
        rdbl_source_free(src);
        rdbl_redactor_free(red);
        return CLI_OUTPUT;
    }
    rdbl_dump *d = rdbl_dump_new(out.f, &filter);
    if (!d) {
        fprintf(stderr, "rdblens dump: out of memory\n");
        rdbl_source_free(src);
        rdbl_redactor_free(red);
        cli_out_discard(&out);
        return CLI_UNREADABLE;
    }
    rdbl_dump_redact(d, red);
    cli_progress prog;
    cli_progress_init(&prog, src, quiet);
    cli_holes holes = {"dump", path, red};
    rdbl_parse_opts po = {salvage ? RDBL_PARSE_SALVAGE : 0u, cli_progress_cb, &prog,
                          cli_hole_print, &holes};
    rdbl_status st = rdbl_parse(src, rdbl_dump_events(), d, &po, &err);
    cli_progress_done(&prog);
    bool tmp = false;
    int werr = rdbl_dump_write_error(d, &tmp);
    char tail[96];
    snprintf(tail, sizeof tail, "%" PRIu64 " whole keys written, the cut one left out",
             rdbl_dump_keys(d));
    rdbl_dump_free(d);
    rdbl_source_free(src);
    if (red && err.key[0])
        rdbl_redact_error(red, &err);
    rdbl_redactor_free(red);
    if (werr && tmp) {
        fprintf(stderr, "rdblens dump: cannot write a temporary file in %s: %s\n",
                getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                strerror(werr));
        cli_out_discard(&out); /* a -o file is removed, not renamed */
        return CLI_OUTPUT;
    }
    if (werr)
        cli_out_note_errno(&out, werr);
    return cli_finish(&out, path, st, &err, tail);
}

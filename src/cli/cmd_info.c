/* rdblens info: the file's structure. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "Usage: rdblens info [--format text|json] [-o FILE] [--salvage] [--sha256] [--quiet]\n"
    "                    FILE\n"
    "\n"
    "Reads the whole file once and prints what it is: the RDB version and the\n"
    "server that wrote it, aux fields (save time as a date, used-mem, ...),\n"
    "databases with key and TTL counts, keys per type/encoding as stored, the\n"
    "largest key, functions and modules, the CRC-64 status and any warnings.\n"
    "Inner blobs (listpacks, ziplists...) are validated as they are read.\n"
    "\n"
    "  -f, --format text|json   output format (default text)\n"
    "  -o, --output FILE        write there instead of standard output (whole or\n"
    "                           not at all: a temporary file renamed at the end)\n"
    "  --salvage                read past damage: skip each unreadable stretch to\n"
    "                           where records parse again, list the holes (stderr,\n"
    "                           output) and go on; still exits 4\n"
    "  --sha256                 record the input's SHA-256 (of the file as\n"
    "                           stored: a compressed file's compressed bytes, as\n"
    "                           sha256sum gives), computed while reading\n"
    "  -q, --quiet              no progress bar\n"
    "  -h, --help               this text\n"
    "\n"
    "A corrupt or truncated file still prints everything read before the damage,\n"
    "with the error's offset, and exits 4; a checksum mismatch exits 5; an output\n"
    "that cannot be written exits 6. Encodings are named as stored in the file\n"
    "(e.g. quicklist, skiplist, listpack), like 'dump' and unlike 'keys'.\n";

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        CLI_SALVAGE_LONGOPT,
        CLI_SHA256_LONGOPT,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, quiet = false, salvage = false, sha = false;
    const char *outpath = NULL;
    int c;
    optind = 1;
    while ((c = cli_getopt("info", argc, argv, "f:o:qh", longopts)) != -1) {
        switch (c) {
        case 'o':
            outpath = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") != 0)
                return cli_usage_error("info", "unknown format '%s' (text or json)", optarg);
            break;
        case 'q':
            quiet = true;
            break;
        case CLI_OPT_SALVAGE:
            salvage = true;
            break;
        case CLI_OPT_SHA256:
            sha = true;
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_OK;
        default:
            return CLI_USAGE;
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("info", "expected exactly one FILE");
    const char *path = argv[optind];

    rdbl_error err = {0};
    rdbl_source *src = NULL;
    rdbl_source_opts so = cli_source_opts(true);
    so.sha256 = sha;
    rdbl_status st = rdbl_source_open_file(&src, path, &so, &err);
    if (st != RDBL_OK) {
        cli_print_error("info", path, &err, NULL);
        return CLI_UNREADABLE;
    }
    cli_out out;
    if (cli_out_open(&out, "info", outpath) != CLI_OK) {
        rdbl_source_free(src);
        return CLI_OUTPUT;
    }
    rdbl_info *in = rdbl_info_new();
    if (!in) {
        rdbl_source_free(src);
        fprintf(stderr, "rdblens info: out of memory\n");
        cli_out_discard(&out);
        return CLI_UNREADABLE;
    }
    cli_progress prog;
    cli_progress_init(&prog, src, quiet);
    /* info leaves the second core idle: the CRC-64 can run there */
    cli_holes holes = {"info", path, NULL};
    rdbl_parse_opts po = {RDBL_PARSE_CRC_THREAD | (salvage ? RDBL_PARSE_SALVAGE : 0u),
                          cli_progress_cb, &prog, cli_hole_print, &holes};
    double t0 = cli_now();
    st = rdbl_parse(src, rdbl_info_events(), in, &po, &err);
    cli_progress_done(&prog);
    rdbl_info_finish(in, st, &err, src, path, cli_now() - t0);
    if (sha)
        rdbl_info_sha256(in, src);
    if ((json ? rdbl_info_write_json(in, out.f) : rdbl_info_write_text(in, out.f)) != 0)
        cli_out_note_errno(&out, errno);
    rdbl_info_free(in);
    rdbl_source_free(src);
    return cli_finish(&out, path, st, &err, NULL);
}

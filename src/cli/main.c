/* rdblens: command dispatch, --help and --version. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "rdblens: look inside Redis, Valkey and Dragonfly RDB snapshot files, offline.\n"
    "\n"
    "Usage: rdblens COMMAND [OPTIONS] FILE...\n"
    "\n"
    "Commands:\n"
    "  info     what the file is: version, server, aux fields, keys per type and\n"
    "           encoding, databases, functions, modules, checksum\n"
    "  report   where the memory goes: totals, prefixes and key patterns, top keys,\n"
    "           TTL spread, hot/cold keys, advice (text, JSON or HTML)\n"
    "  keys     one row per key with its estimated RAM (CSV or JSON Lines)\n"
    "  dump     every key with its full value (JSON Lines)\n"
    "  check    fail a CI job when the snapshot breaks your limits\n"
    "  merge    combine `report --format json` outputs (e.g. one per shard)\n"
    "  diff     what changed between two snapshots, by pattern and by key\n"
    "\n"
    "FILE may be a plain RDB, or gzip/LZ4/zstd compressed (detected by content),\n"
    "or '-' for standard input.\n"
    "\n"
    "Examples:\n"
    "  rdblens info dump.rdb\n"
    "  rdblens report backup.rdb.gz\n"
    "  rdblens report --format html -o report.html dump.rdb\n"
    "  rdblens keys --min-bytes 1m --format csv dump.rdb > big-keys.csv\n"
    "  rdblens dump --match 'user:*' --type hash dump.rdb | head\n"
    "  rdblens check --max-key-bytes 10m --require-ttl 'session:*' dump.rdb\n"
    "\n"
    "Output contract: standard output (or -o FILE) carries only whole records:\n"
    "every dump/keys line is complete (a key cut by damage is left out), JSON\n"
    "documents are whole; -o writes a temporary file beside FILE and renames it\n"
    "at the end. Each error is one stderr line naming the file, offset, key and\n"
    "phase. A closed pipe ends rdblens by SIGPIPE like any filter.\n"
    "\n"
    "Exit codes (every command): 0 ok; 1 a check limit was broken; 2 usage\n"
    "error; 3 input cannot be read; 4 input corrupt, truncated or not an RDB\n"
    "(what was read before the damage is still reported, marked partial);\n"
    "5 checksum mismatch; 6 the output could not be written (standard output,\n"
    "-o FILE or a temporary file: full disk, closed pipe, no permission).\n"
    "\n"
    "Sizes (--min-bytes, --max-key-bytes...) take k, m, g, t with or without B\n"
    "or iB, all 1024-based: 10m = 10MB = 10MiB = 10485760.\n"
    "\n"
    "'rdblens COMMAND --help' explains each command's options.\n";


/* --version: what a bug report needs to name the build. */
static int print_version(void)
{
    char codecs[256];
    rdbl_source_describe_codecs(codecs, sizeof codecs);
    printf("rdblens %s (commit %s)\n"
           "reads: %s\n"
           "compressed input: %s\n",
           RDBL_VERSION_STRING, rdbl_build_commit(), rdbl_parser_formats(), codecs);
    return CLI_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        return print_version();
    }
    static const struct {
        const char *name;
        cli_cmd_fn fn;
    } cmds[] = {
        {"info", cmd_info},     {"dump", cmd_dump},   {"keys", cmd_keys},
        {"report", cmd_report}, {"check", cmd_check}, {"merge", cmd_merge},
        {"diff", cmd_diff},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (strcmp(argv[1], cmds[i].name) == 0) {
            return cmds[i].fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "rdblens: unknown command '%s' (commands: info, report, keys, dump, check, "
                    "merge; see 'rdblens --help')\n",
            argv[1]);
    return CLI_USAGE;
}

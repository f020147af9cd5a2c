/* The rdblens command line: shared helpers of the subcommands. The CLI only
 * uses the public headers and holds no analysis logic. */
#ifndef RDBL_CLI_H
#define RDBL_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "rdblens/analysis.h"
#include "rdblens/memmodel.h"
#include "rdblens/parser.h"
#include "rdblens/source.h"

/* Exit codes, the same for every command (README "Exit codes"). */
enum {
    CLI_OK = 0,
    CLI_CHECK_FAILED = 1, /* a `check` threshold was violated */
    CLI_USAGE = 2,        /* bad arguments */
    CLI_UNREADABLE = 3,   /* the input cannot be opened or read */
    CLI_CORRUPT = 4,      /* corrupt or truncated: what was read is still reported, partial */
    CLI_CHECKSUM = 5,     /* CRC-64 mismatch; the content itself was read */
    CLI_OUTPUT = 6,       /* the output could not be written (stdout, -o, a temp file) */
};

typedef int (*cli_cmd_fn)(int argc, char **argv);

int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* Maps a parse status to the exit code. */
int cli_exit_code(rdbl_status st);
/* The more serious of two exit codes: unreadable > corrupt > checksum >
 * check failed > ok (usage errors never get this far). */
int cli_worse(int a, int b);
/* Prints the one stderr line of an input error:
 * "rdblens CMD: FILE: CORRUPT at offset N in key "k" (phase): message[; tail]". */
void cli_print_error(const char *cmd, const char *path, const rdbl_error *e, const char *tail);
/* Prints a one-line usage error for cmd and returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* getopt_long without getopt's own messages: an unknown option, or one
 * missing its value, prints one line (with the closest option name as a
 * suggestion) and gives CLI_BADOPT; the caller then returns CLI_USAGE. */
enum { CLI_BADOPT = -2 };
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts);

/* A command's output: standard output, or -o FILE written to FILE.tmp-XXXXXX
 * and renamed into place once whole (output.c). */
typedef struct cli_out {
    FILE *f;
    const char *cmd;
    const char *path; /* NULL: standard output */
    char *tmp;
    int err;          /* the first write errno seen */
} cli_out;
/* @return CLI_OK, or CLI_OUTPUT after printing why. */
int cli_out_open(cli_out *o, const char *cmd, const char *path);
/* Records a write failure seen by a writer (errno at the time). */
void cli_out_note_errno(cli_out *o, int err);
/* Whether a write already failed. */
bool cli_out_failed(cli_out *o);
/* The end of a single-file command: closes the output; when a write failed,
 * prints that one line and returns CLI_OUTPUT (the parse's own "handler
 * returned -1" is then no input error); otherwise prints the input error
 * line (with tail) if st is not RDBL_OK and returns its exit code. */
int cli_finish(cli_out *o, const char *path, rdbl_status st, const rdbl_error *err,
               const char *tail);
/* Ends without a result: a -o temporary file is removed, FILE untouched. */
void cli_out_discard(cli_out *o);
/* Flushes and closes (renames a -o file into place). @return CLI_OK, or
 * CLI_OUTPUT after printing the one error line. */
int cli_out_close(cli_out *o);

/* Progress bar on stderr (only when stderr is a terminal and not quiet). */
typedef struct cli_progress {
    const rdbl_source *src;
    bool on;
    double start, last;
    int drawn;
} cli_progress;
void cli_progress_init(cli_progress *p, const rdbl_source *src, bool quiet);
void cli_progress_cb(void *user, uint64_t keys);
void cli_progress_done(cli_progress *p);

/* Memory-model options (--target, --allocator, --state, --config, --redis-conf),
 * shared by keys, report and check. Put CLI_MEM_LONGOPTS in the option table
 * and hand every option to cli_mem_option(): it returns -1 when the option is
 * not one of these, 0 when applied, or an exit code for a bad value. */
enum {
    CLI_OPT_TARGET = 1000,
    CLI_OPT_ALLOCATOR,
    CLI_OPT_STATE,
    CLI_OPT_CONFIG,
    CLI_OPT_REDIS_CONF,
};
#define CLI_MEM_LONGOPTS                                                      \
    {"target", required_argument, NULL, CLI_OPT_TARGET},                      \
        {"allocator", required_argument, NULL, CLI_OPT_ALLOCATOR},            \
        {"state", required_argument, NULL, CLI_OPT_STATE},                    \
        {"config", required_argument, NULL, CLI_OPT_CONFIG},                  \
        {"redis-conf", required_argument, NULL, CLI_OPT_REDIS_CONF}
#define CLI_MEM_HELP                                                          \
    "Memory model (how RAM is estimated; see the README, Memory model):\n"   \
    "  --target T        server that will hold the data: redis-6.2, redis-7.0,\n" \
    "                    redis-7.2, redis-7.4, redis-8.0, valkey-7.2, valkey-8.0,\n" \
    "                    valkey-8.1, valkey-9.0 (default: from the file's aux fields)\n" \
    "  --allocator A     auto (default: the one whose estimate is clearly closest\n" \
    "                    to the file's used-mem, else jemalloc), jemalloc (quantum 8:\n" \
    "                    official builds, Docker), jemalloc-q16 (Debian/Ubuntu\n" \
    "                    packages), libc. Ask your server: INFO memory\n" \
    "                    mem_allocator, MEMORY MALLOC-STATS\n" \
    "  --state S         live (default: the server that wrote the file, with its\n" \
    "                    history effects) or loaded (a server that just loaded it)\n" \
    "  --config N=V      an encoding threshold, e.g. hash-max-listpack-entries=256\n" \
    "  --redis-conf F    read the thresholds and cluster-enabled from a redis.conf\n"
int cli_mem_option(const char *cmd, int c, const char *arg, rdbl_mem_config *cfg);

/* Aggregation options (--top, --depth, --delimiters, --no-fold,
 * --node-budget), shared by report and check; same contract as above. */
enum {
    CLI_OPT_DEPTH = 1100,
    CLI_OPT_DELIMS,
    CLI_OPT_NOFOLD,
    CLI_OPT_BUDGET,
    CLI_OPT_TOP,
};
#define CLI_AGG_LONGOPTS                                                      \
    {"depth", required_argument, NULL, CLI_OPT_DEPTH},                        \
        {"delimiters", required_argument, NULL, CLI_OPT_DELIMS},              \
        {"no-fold", no_argument, NULL, CLI_OPT_NOFOLD},                       \
        {"node-budget", required_argument, NULL, CLI_OPT_BUDGET},             \
        {"top", required_argument, NULL, CLI_OPT_TOP}
int cli_parse_agg_option(const char *cmd, int c, const char *arg, rdbl_agg_opts *g);

/* Per-file hooks of cli_analyze_files (check): begin before a file's keys
 * (only with jobs = 1), done with how its read ended and the error's text
 * (without the command and path). Return 0, or -1 when out of memory. */
typedef struct cli_file_hooks {
    int (*begin)(void *user, const char *path);
    int (*done)(void *user, const char *path, rdbl_status st, const char *line);
    void *user;
} cli_file_hooks;

/* Analyses files (up to jobs at a time) into one aggregate, merged in
 * argument order. Prints each file's error (one line); a file that is not an
 * RDB at all (its header failed) adds no key, only its snapshot with the error
 * (rdbl_snapshot_unread), never an empty "RDB 0". *worst gets the exit code of the worst outcome. hooks
 * may be NULL. @return 0, or -1 when no file could be read (*out is then
 * NULL) or memory ran out. */
int cli_analyze_files(const char *cmd, char **paths, size_t n, unsigned jobs,
                      const rdbl_analysis_opts *ao, const rdbl_agg_opts *gopts, bool quiet,
                      const cli_file_hooks *hooks, rdbl_agg **out, int *worst);
/* The text of an input error line, without the "rdblens CMD: " prefix (and
 * without "PATH: " when path is NULL). */
void cli_format_error(char *buf, size_t cap, const char *path, const rdbl_error *e,
                      const char *tail);

/* --salvage (info, keys, report, dump, check): read past damage. */
enum { CLI_OPT_SALVAGE = 1300, CLI_OPT_SHA256 };
/* --sha256 (info, report): the input's SHA-256, hashed as it is read. */
#define CLI_SHA256_LONGOPT {"sha256", no_argument, NULL, CLI_OPT_SHA256}
#define CLI_SHA256_HELP                                                       \
    "  --sha256            record the input's SHA-256 (of the file as stored:\n" \
    "                      a compressed file's compressed bytes, as sha256sum\n" \
    "                      gives), computed while reading\n"

#define CLI_SALVAGE_LONGOPT {"salvage", no_argument, NULL, CLI_OPT_SALVAGE}
/* The hole printer's user data (rdbl_parse_opts.on_hole = cli_hole_print). */
typedef struct cli_holes {
    const char *cmd, *path;
    const rdbl_redactor *red; /* --redact: the key named is redacted */
} cli_holes;
/* One stderr line per hole: "rdblens CMD: PATH: hole at offsets A-B ...". */
void cli_hole_print(void *user, const rdbl_hole *h);

/* --redact, --redact-key FILE (report, keys, check, diff, dump). */
enum { CLI_OPT_REDACT = 1400, CLI_OPT_REDACT_KEY };
#define CLI_REDACT_LONGOPTS                                                   \
    {"redact", no_argument, NULL, CLI_OPT_REDACT},                            \
        {"redact-key", required_argument, NULL, CLI_OPT_REDACT_KEY}
#define CLI_REDACT_HELP                                                       \
    "  --redact            replace the variable parts of keys (what patterns\n" \
    "                      show as *, e-mail addresses, UUIDs, ids) by keyed\n" \
    "                      pseudonyms of the same shape, so patterns stay;\n"  \
    "                      reads the input twice (keys first, to learn the\n"  \
    "                      patterns)\n"                                         \
    "  --redact-key FILE   the secret for --redact (16 to 4096 bytes): the same\n" \
    "                      id gets the same pseudonym in every run (default: a\n" \
    "                      random secret per run)\n"
/* Options seen: --redact on, --redact-key path (NULL: none). */
typedef struct cli_redact {
    bool on;
    const char *key_file;
} cli_redact;
/* Handles the two options; same contract as cli_mem_option. */
int cli_redact_option(const char *cmd, int c, const char *arg, cli_redact *r);
/* The redactor asked for (NULL without --redact) into *out; delims: the
 * pattern delimiters (NULL: ":"). With --redact, first reads the keys of
 * paths[0..npaths) (parse_flags: RDBL_PARSE_SALVAGE is kept) to learn which
 * segments are variable (rdbl_redactor_learn): a pass more over the inputs.
 * @return CLI_OK, or an exit code after printing why (--redact-key without
 * --redact is a usage error). */
int cli_redact_make(const char *cmd, const cli_redact *r, const char *delims,
                    const char *const *paths, size_t npaths, unsigned parse_flags,
                    rdbl_redactor **out);

/* Source options of the commands: decompress in a second thread when the
 * machine has two CPUs or more and one = true (a single input; with several
 * files in parallel the jobs already use the CPUs). */
rdbl_source_opts cli_source_opts(bool one);
/* CPUs online (at least 1). */
long cli_cpus(void);

/* --db N, --match GLOB, --type T (option letters 'd', 'm', 't') into a key
 * filter; same contract as cli_mem_option. */
int cli_filter_option(const char *cmd, int c, const char *arg, rdbl_key_filter *f);
/* --now MS: TTLs relative to this Unix time in ms. 0, or CLI_USAGE. */
int cli_now_option(const char *cmd, const char *arg, rdbl_analysis_opts *o);

double cli_now(void);
/* Parses sizes like "10m", "512k", "1.5g", "10MiB", "10MB", "1048576": the
 * units k, m, g, t with or without "B" or "iB" are all binary (1024). */
int cli_parse_size(const char *s, uint64_t *out);

#endif

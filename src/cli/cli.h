/* The rdblens command line: shared helpers of the subcommands. The CLI only
 * uses the public headers and holds no analysis logic. */
#ifndef RDBL_CLI_H
#define RDBL_CLI_H

#include <stdio.h>

#include "rdblens/analysis.h"
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
/* Prints "rdblens: FILE: CORRUPT at offset N in key "k" (phase): message". */
void cli_print_error(const char *path, const rdbl_error *e);
/* Prints a usage error for cmd and returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

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

double cli_now(void);
/* Parses sizes like "10m", "512k", "1.5g", "1048576" (binary units). */
int cli_parse_size(const char *s, uint64_t *out);

#endif

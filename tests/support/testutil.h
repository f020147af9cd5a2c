/* Test helpers shared by the suites: files, temporary folders, child
 * processes, and the project's byte-string escaping convention.
 *
 * Every function returning a pointer returns memory the caller frees with
 * free(); NULL means failure, with errno set where the C library sets it.
 * Nothing here uses Criterion, so the helpers also work in fuzz replayers and
 * tools. */
#ifndef RDBL_TESTUTIL_H
#define RDBL_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of an environment variable, or fallback when it is unset or
 * empty. Borrowed (the environment's or fallback's storage). */
const char *tu_env(const char *name, const char *fallback);

/* dir + "/" + name, newly allocated. */
char *tu_path(const char *dir, const char *name);

/* A whole file. OUT: *len its size (may be NULL). A NUL is added after the
 * data (not counted), so text files can be used as C strings. */
char *tu_read_file(const char *path, size_t *len);

/* Writes len bytes to path (created or truncated). @return 0, or -1. */
int tu_write_file(const char *path, const void *data, size_t len);

/* Creates a new folder under $TMPDIR (or /tmp) named prefix-XXXXXX.
 * @return its path, or NULL. */
char *tu_mkdtemp(const char *prefix);

/* Removes path and everything below it (does not follow symlinks).
 * @return 0, or -1 if something could not be removed. */
int tu_rmtree(const char *path);

/* The full path of an executable found on $PATH (or prog itself when it
 * contains a '/' and is executable), or NULL when there is none. */
char *tu_which(const char *prog);

/* Runs argv[0] (looked up on $PATH) with argv, stdin from /dev/null, and
 * waits for it. OUT: *output (if output is non-NULL) gets everything the
 * child wrote on stdout and stderr, NUL-terminated.
 * @return the exit status; 128 + n when killed by signal n; -1 when the
 *         child could not be started (then *output holds the reason). */
int tu_run(char *const argv[], char **output);

/* A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and
 * released). @return the port, or -1. */
int tu_free_port(void);

/* Whether redis-server and redis-cli are on $PATH. */
bool tu_have_redis(void);

/* Starts a redis-server (on $PATH) daemonized on 127.0.0.1:port with its
 * working dir, pid file and log in dir, plus extra arguments (a shell
 * fragment, e.g. "--appendonly yes"; may be NULL), and waits until it
 * answers PING. @return its PID (> 0), or -1 (the log says why). */
int tu_redis_start(const char *dir, int port, const char *extra);

/* Stops the server started by tu_redis_start (SIGTERM to that PID) and
 * waits up to 5 s for it to exit. */
void tu_redis_stop(int pid);

/* In dir, with the server on port: runs the redis-cli commands of a.txt,
 * SAVEs and copies dump.rdb to old.rdb; waits pause_s seconds; runs b.txt,
 * SAVEs and copies dump.rdb to new.rdb. @return 0, or the shell's status. */
int tu_redis_two_saves(const char *dir, int port, unsigned pause_s);

/* The project's text form of a byte string (the JSON Lines convention of
 * `rdblens dump` and tools/gen-testdata): bytes forming valid UTF-8 pass
 * through, except the control bytes 0x00-0x1f, 0x7f and the C1 controls
 * U+0080-U+009F; every other byte
 * (invalid UTF-8, a control byte) becomes the four characters \xNN with
 * lowercase hex; a backslash becomes two backslashes.
 * OUT: *out_len (may be NULL) the length without the NUL. */
char *tu_escape(const uint8_t *p, size_t len, size_t *out_len);

/* The inverse of tu_escape. @return the bytes (NUL added, not counted) and
 * *out_len, or NULL when s is not a valid escaped form (a lone backslash,
 * a bad \x sequence). */
uint8_t *tu_unescape(const char *s, size_t len, size_t *out_len);

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when the bytes at p
 * do not start one (overlong forms, surrogates and code points above
 * U+10FFFF are invalid, as in Python's strict decoder). n > 0. */
size_t tu_utf8_seq_len(const uint8_t *p, size_t n);

/* xorshift64*: a small deterministic generator for randomised tests;
 * *state must not be 0. */
static inline uint64_t tu_xorshift(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

#endif

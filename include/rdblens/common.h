/* rdblens: shared vocabulary of every layer: statuses, the error record,
 * borrowed byte strings.
 *
 * Conventions (see docs in README):
 * - calls return rdbl_status: 0 is success, negative values are errors;
 * - the first error wins: later failures never overwrite a filled rdbl_error;
 * - strings are {ptr,len}, never assumed NUL-terminated, and borrowed unless
 *   a function's contract says otherwise. */
#ifndef RDBLENS_COMMON_H
#define RDBLENS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RDBL_VERSION_STRING "0.1.0"

/* X(name, value, description). Values are pinned: they are part of the ABI. */
#define RDBL_STATUS_LIST(X)                                                   \
    X(OK, 0, "success")                                                       \
    X(TRUNCATED, -1, "input ends before the record is complete")              \
    X(CORRUPT, -2, "input is malformed")                                      \
    X(UNSUPPORTED, -3, "input uses a format this version cannot decode")      \
    X(IO, -4, "input could not be read")                                      \
    X(NOMEM, -5, "out of memory")                                             \
    X(CHECKSUM, -6, "checksum mismatch")                                      \
    X(ABORTED, -7, "a callback asked to stop with an error")                  \
    X(USAGE, -8, "invalid argument")

typedef enum rdbl_status {
#define RDBL__ST(name, value, text) RDBL_##name = value,
    RDBL_STATUS_LIST(RDBL__ST)
#undef RDBL__ST
} rdbl_status;

/* Human text for a status ("input is malformed"). Never NULL. */
const char *rdbl_strerror(rdbl_status st);
/* Short name for a status ("CORRUPT"). Never NULL. */
const char *rdbl_status_name(rdbl_status st);

/* The commit this library was built from (12 hex digits, with "-dirty" when
 * the tree had changes), or "unknown" outside a git checkout. Never NULL. */
const char *rdbl_build_commit(void);

/* The first error of an operation. Filled by the callee, owned by the caller. */
typedef struct rdbl_error {
    rdbl_status code;  /* RDBL_OK when nothing failed */
    uint64_t offset;   /* decompressed byte offset of the failing item */
    int rdb_type;      /* RDB type byte of the key being read, -1 if none */
    char key[64];      /* the key being read, escaped and shortened; "" if none */
    char where[64];    /* the phase: "header", "hash listpack", "stream PEL"... */
    char msg[160];     /* what was expected */
} rdbl_error;

/* A borrowed byte string. */
typedef struct rdbl_str {
    const uint8_t *ptr;
    size_t len;
} rdbl_str;

/* One element of a collection (a list item, a member, a field or value).
 * Either bytes, or an integer that the RDB stored as an integer (int-encoded
 * string, ziplist/listpack/intset integer). For integers, ptr is NULL and len
 * is the length of the integer's decimal text, so consumers that only need
 * lengths never have to format it. */
typedef struct rdbl_item {
    const uint8_t *ptr; /* NULL when is_int */
    size_t len;         /* byte length (decimal text length when is_int) */
    int64_t ival;       /* the value when is_int */
    bool is_int;
} rdbl_item;

/* Writes the decimal text of an integer item or copies a byte item into buf
 * (no NUL added). Returns the number of bytes the item has; writes at most
 * cap bytes. */
size_t rdbl_item_text(const rdbl_item *it, char *buf, size_t cap);

/* Escapes bytes as rdblens prints them everywhere (keys in reports and CSV,
 * values in JSON). Bytes that form printable UTF-8 are written as they are;
 * a backslash is written "\\"; every other byte (controls 0x00-0x1f and 0x7f,
 * the C1 controls U+0080-U+009F, and any byte that is not part of a valid,
 * shortest-form UTF-8 sequence of a scalar value) is written "\xNN" with two
 * lowercase hex digits. The result is valid UTF-8 without control characters,
 * and the mapping is reversible (rdbl_unescape_key, below).
 * Writes at most cap bytes including a NUL (cap 0: nothing, out may be NULL);
 * a truncated result ends at a whole escape, never inside one.
 * @return the length of the complete escaped text (without NUL), so a caller
 *         can size a buffer with rdbl_escape_bytes(NULL, 0, p, len) + 1. */
size_t rdbl_escape_bytes(char *out, size_t cap, const uint8_t *p, size_t n);
/* The same into a malloc'd NUL-terminated string (free() it); NULL on OOM. */
char *rdbl_escape_alloc(const uint8_t *p, size_t n);
/* Reverses rdbl_escape_bytes: "\\" and "\xNN" are decoded, other bytes copied.
 * OUT: *out_len the decoded length. Decodes in place when out == s.
 * @return RDBL_OK, RDBL_CORRUPT for another "\" sequence or a truncated one,
 *         RDBL_USAGE when cap is too small. */
rdbl_status rdbl_unescape_key(const char *s, size_t len, uint8_t *out, size_t cap,
                              size_t *out_len);


/* Redis-style glob match ('*', '?', '[a-z]', '[^x]', '\\' escapes), as KEYS
 * and SCAN MATCH use it. */
bool rdbl_glob_match(const uint8_t *pat, size_t plen, const uint8_t *s, size_t slen);

/* Number of decimal characters of v ("-12" is 3). */
size_t rdbl_i64_textlen(int64_t v);

#ifdef __cplusplus
}
#endif
#endif

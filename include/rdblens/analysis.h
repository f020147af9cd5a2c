/* rdblens: ready-made consumers of parser events.
 *
 * rdbl_info: the file's structure in one pass (header, aux fields, databases,
 * keys per type and encoding, functions, modules, checksum, warnings): what
 * `rdblens info` prints. Feed it by passing rdbl_info_events() and the info
 * object to rdbl_parse(); then record the parse's outcome with
 * rdbl_info_finish() and write it as text or JSON. */
#ifndef RDBLENS_ANALYSIS_H
#define RDBLENS_ANALYSIS_H

#include <stdio.h>

#include "rdblens/agg.h"
#include "rdblens/memmodel.h"
#include "rdblens/parser.h"
#include "rdblens/source.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rdbl_info rdbl_info;

/* --redact: keys with their variable parts (what the pattern folding shows
 * as '*', e-mail addresses, UUIDs, id-like runs of letters and digits)
 * replaced by pseudonyms from HMAC-SHA256 under a secret, each character
 * keeping its class (digit, hex letter, letter, case) and the key its
 * length, so the pattern folding gives the same patterns; values replaced
 * by their length and a keyed digest. Immutable once made: one redactor
 * serves several threads. */
typedef struct rdbl_redactor rdbl_redactor;
/* secret[0..len): the HMAC key; NULL: 32 random bytes for this run only.
 * delims: the key delimiters of the pattern folding (NULL: ":").
 * @return RDBL_OK, RDBL_IO (no random bytes) or RDBL_NOMEM. */
rdbl_status rdbl_redactor_new(rdbl_redactor **out, const uint8_t *secret, size_t len,
                              const char *delims, rdbl_error *err);
/* The secret from a file (16 to 4096 bytes, taken as they are).
 * @return RDBL_OK, RDBL_IO (cannot open) or RDBL_USAGE (size), err filled. */
rdbl_status rdbl_redactor_load(rdbl_redactor **out, const char *path, const char *delims,
                               rdbl_error *err);
void rdbl_redactor_free(rdbl_redactor *r);
/* Cardinality: a first pass over each input (its keys only) teaches the
 * redactor the pattern view of the keys; once sealed, the segments the view
 * shows as '*' (or that have no row) are pseudonymised whatever their
 * characters ("user:alice"), literal rows stay. Learn every input of the
 * run (both files of a diff), then seal, before the first rdbl_redact_key.
 * Without it, a segment is variable when its own shape folds to '*'.
 * @return the parse's status (RDBL_OK also for a checksum mismatch), err
 *         filled on failure. */
rdbl_status rdbl_redactor_learn(rdbl_redactor *r, rdbl_source *src, unsigned parse_flags,
                                rdbl_error *err);
rdbl_status rdbl_redactor_seal(rdbl_redactor *r);
/* The redacted key k[0..n) into out[0..n) (the same length; out may not
 * overlap k). */
void rdbl_redact_key(const rdbl_redactor *r, const uint8_t *k, size_t n, uint8_t *out);
/* A value's stand-in, "~<len>B:<12 hex digits>", into out (48 bytes are
 * enough). @return its length. */
size_t rdbl_redact_value(const rdbl_redactor *r, const uint8_t *p, size_t n, char *out,
                         size_t cap);
/* An error's key (escaped text, maybe cut short) pseudonymised whole. */
void rdbl_redact_error(const rdbl_redactor *r, rdbl_error *e);

rdbl_info *rdbl_info_new(void);
void rdbl_info_free(rdbl_info *in);
/* Handlers whose user pointer must be the rdbl_info. Static; never NULL. */
const rdbl_events *rdbl_info_events(void);
/* Records the outcome of the parse (status and error as rdbl_parse returned
 * them) and the source's figures (input size, compression). */
void rdbl_info_finish(rdbl_info *in, rdbl_status st, const rdbl_error *err,
                      const rdbl_source *src, const char *path, double seconds);
uint64_t rdbl_info_keys(const rdbl_info *in);
/* --sha256: records the digest of src (opened with opts.sha256), reading
 * the rest of the input; call after rdbl_info_finish(). */
void rdbl_info_sha256(rdbl_info *in, rdbl_source *src);

/* Writes the summary. @return 0, or -1 on an output error. */
int rdbl_info_write_text(const rdbl_info *in, FILE *out);
int rdbl_info_write_json(const rdbl_info *in, FILE *out);

/* Which keys a command looks at: --db, --match GLOB, --type T. */
typedef struct rdbl_key_filter {
    bool has_db;
    uint64_t db;
    const char *match;   /* Redis glob over the key bytes; NULL = all */
    int type;            /* an rdbl_type, or -1 for all */
} rdbl_key_filter;

#define RDBL_KEY_FILTER_ALL {false, 0, NULL, -1}
bool rdbl_key_filter_match(const rdbl_key_filter *f, const rdbl_key_info *k);
/* Parses a type name ("string", "hash"...): the rdbl_type, or -1. */
int rdbl_type_from_name(const char *name);

/* rdbl_dump: every key with its full value as JSON Lines, one object per key,
 * in file order. Whole records only: a key is buffered (in memory up to
 * 4 MiB, then in an unlinked file in $TMPDIR) and written when it ends, so
 * an input error never leaves half a record; a hash's field TTLs are
 * buffered the same way. Zset members in ascending
 * score order whatever the encoding; scores as the shortest decimal that
 * reads back as the same double ("-0" kept):
 *   {"db":0,"key":"k","type":"hash","encoding":"listpack","expire_ms":null,
 *    "value":{"f":"v"},"field_expire_ms":{"f":1700000000000}}
 * Byte strings are escaped with rdbl_escape_bytes(). Values: string ->
 * string; list -> array; set -> array; zset -> [[member, score], ...] (score
 * a JSON number, or "inf"/"-inf"); hash -> object; stream -> {"entries":
 * [["ms-seq", [["f","v"], ...]], ...], "length", "last_id", "first_id",
 * "max_deleted_id", "entries_added", "groups": [{"name", "last_id",
 * "entries_read", "pel": [["ms-seq", delivery_count, delivery_ms], ...],
 * "consumers": [{"name", "seen_ms", "active_ms", "pel": ["ms-seq", ...]}]}]};
 * module -> {"module": name, "encver": N, "payload_bytes": N}. */
typedef struct rdbl_dump rdbl_dump;
rdbl_dump *rdbl_dump_new(FILE *out, const rdbl_key_filter *filter);
void rdbl_dump_free(rdbl_dump *d);
/* --redact: keys redacted (rdbl_redact_key), every string value, element,
 * field, hash value and stream field, value, group and consumer name written
 * as its stand-in "~<len>B:<digest>" (rdbl_redact_value; a string value
 * digested whole). Scores, stream ids, TTLs and counts stay. r is borrowed. */
void rdbl_dump_redact(rdbl_dump *d, const rdbl_redactor *r);
const rdbl_events *rdbl_dump_events(void);
uint64_t rdbl_dump_keys(const rdbl_dump *d);
/* The first write error: 0, or its errno; *tmp tells whether it was the
 * temporary file (else the output). A handler then returned -1. */
int rdbl_dump_write_error(const rdbl_dump *d, bool *tmp);

/* ---------------------------------------------------------------------------
 * Per-key rows (`rdblens keys`): one line per key, streamed.
 * CSV (RFC 4180, header first), default columns:
 *   db,key,type,encoding,elements,rdb_bytes,memory_bytes,largest_element_bytes,
 *   expire_at_ms,ttl_ms,idle_s,freq
 * and on request (rdbl_keyrows_parse_columns) any list of these and offset:
 * the byte offset of the key's record in the decompressed RDB stream (its
 * first byte: the expiry/idle/freq prefix opcode if any, else the type byte).
 * encoding is the in-memory encoding the memory model decided; memory_bytes
 * its MEMORY USAGE-equivalent estimate; ttl_ms is relative to the snapshot's
 * time (ctime AUX, or --now); empty cells where a value does not apply. Keys
 * are escaped with rdbl_escape_bytes. JSON Lines carry the same fields
 * (null where CSV has an empty cell). */
typedef enum rdbl_keyrows_format {
    RDBL_KEYROWS_CSV,
    RDBL_KEYROWS_JSONL,
    /* CSV whose key cells starting with =, +, -, @, tab or CR get a leading '
     * (and quotes), so a spreadsheet shows them as text, not as a formula */
    RDBL_KEYROWS_CSV_SAFE,
} rdbl_keyrows_format;

/* The columns, in default order; offset is not among the defaults. */
#define RDBL_KEYROWS_COLUMN_LIST(X)                                           \
    X(DB, "db")                                                               \
    X(KEY, "key")                                                             \
    X(TYPE, "type")                                                           \
    X(ENCODING, "encoding")                                                   \
    X(ELEMENTS, "elements")                                                   \
    X(RDB_BYTES, "rdb_bytes")                                                 \
    X(MEMORY_BYTES, "memory_bytes")                                           \
    X(LARGEST, "largest_element_bytes")                                       \
    X(EXPIRE_AT, "expire_at_ms")                                              \
    X(TTL, "ttl_ms")                                                          \
    X(IDLE, "idle_s")                                                         \
    X(FREQ, "freq")                                                           \
    X(OFFSET, "offset")
typedef enum rdbl_keyrows_column {
#define RDBL__K(name, text) RDBL_COL_##name,
    RDBL_KEYROWS_COLUMN_LIST(RDBL__K)
#undef RDBL__K
    RDBL_COL__COUNT
} rdbl_keyrows_column;
#define RDBL_KEYROWS_MAX_COLUMNS 16

typedef struct rdbl_keyrows_opts {
    rdbl_keyrows_format fmt;
    size_t ncols;
    rdbl_keyrows_column col[RDBL_KEYROWS_MAX_COLUMNS];
} rdbl_keyrows_opts;

/* fmt with the default columns. */
void rdbl_keyrows_opts_init(rdbl_keyrows_opts *o, rdbl_keyrows_format fmt);
/* Sets the columns from a comma-separated list of names ("key,offset").
 * @return 0, or -1 with the reason in why (an unknown or repeated name). */
int rdbl_keyrows_parse_columns(rdbl_keyrows_opts *o, const char *list, char *why, size_t cap);
/* A column's name. Static; never NULL. */
const char *rdbl_keyrows_column_name(rdbl_keyrows_column c);
/* The CSV header line (nothing for JSON Lines). @return 0, or -1. */
int rdbl_keyrows_header(FILE *out, const rdbl_keyrows_opts *o);
/* One row; offset is the record's offset (rdbl_key_info.offset).
 * @return 0, or -1 when writing failed. */
int rdbl_keyrows_write(FILE *out, const rdbl_keyrows_opts *o, const rdbl_key_facts *f,
                       uint64_t offset, int64_t ref_ms);

/* ---------------------------------------------------------------------------
 * The analysis pipeline: one pass over a file that turns parser events into
 * per-key facts with their memory estimate, and feeds them to an aggregate
 * and/or to a per-key callback.
 *
 *   source -> parser -> memory model -> rdbl_key_facts -> rdbl_agg / on_key
 *
 * Only the work someone needs is done: with no aggregate, nothing is sampled
 * for compression advice; keys the memory model can price from their blob
 * sizes are not walked. */
typedef struct rdbl_analysis_opts {
    rdbl_mem_config mem;          /* set with rdbl_mem_config_init() (target "auto" is fine) */
    bool has_now;                 /* --now: TTLs relative to now_ms, not the snapshot's ctime */
    int64_t now_ms;
    unsigned parse_flags;         /* RDBL_PARSE_* [RDBL_PARSE_CRC_THREAD with >= 2 CPUs] */
    uint64_t sample_bytes;        /* prefix of each string value kept for compression advice
                                     [64 KiB]; only strings of >= 1 KiB are sampled */
    uint64_t sample_budget;       /* total bytes sampled per file [2 MiB] */
    /* Called for every key (after the filter below), with its facts; the
     * facts and k are borrowed for the call. Return 0, RDBL_STOP, or < 0. */
    int (*on_key)(void *key_user, const rdbl_key_facts *f, const rdbl_key_info *k,
                  int64_t ref_ms);
    void *key_user;
    rdbl_key_filter filter;       /* applies to on_key only; the aggregate sees every key */
    void (*progress)(void *progress_user, uint64_t keys);
    void *progress_user;
    /* With RDBL_PARSE_SALVAGE in parse_flags: told of each hole (the
     * snapshot record counts and lists them too). May be NULL. */
    void (*on_hole)(void *hole_user, const rdbl_hole *h);
    void *hole_user;
    /* Added for speed: aggregate in a second thread (parser and memory model
     * in the calling thread, rdbl_agg_add in the other, facts handed over in
     * bounded batches). The aggregate is identical either way; on_key and
     * progress still run in the calling thread. Ignored without an agg. */
    bool threaded;
    /* Added for `rdblens diff`: fingerprint every key's value while it
     * streams by (rdbl_key_facts.value_digest). Every value is then walked,
     * also those the memory model prices from blob sizes alone. */
    bool value_digest;
    /* --sha256: the source was opened with opts.sha256; its digest goes into
     * the snapshot record (the rest of the input is read for it). */
    bool sha256;
    /* --redact: keys seen by the aggregate and on_key, hole keys and the
     * error's key are redacted (the memory model still sees the real key). */
    const rdbl_redactor *redact;
} rdbl_analysis_opts;

/* Defaults: memory model "auto" (jemalloc q8, live), 64 KiB samples within a
 * 8 MiB budget, no callbacks, no filter, threaded when the machine has at
 * least 2 CPUs online. */
void rdbl_analysis_opts_init(rdbl_analysis_opts *o);

/* Analyses one source. path is only used for the snapshot record (and its
 * mtime when the file has no ctime AUX field). agg may be NULL (then only
 * on_key sees the facts). snap, if non-NULL, receives the snapshot record
 * (also added to agg). totals, if non-NULL, receives the memory model's
 * reconciled totals.
 * @return the parse status (RDBL_OK, RDBL_CHECKSUM, or an error with err
 *         filled); whatever was read before an error is in agg. */
rdbl_status rdbl_analyze(rdbl_source *src, const char *path, const rdbl_analysis_opts *o,
                         rdbl_agg *agg, rdbl_snapshot *snap, rdbl_mem_totals *totals,
                         rdbl_error *err);

/* ---------------------------------------------------------------------------
 * Checks (`rdblens check`): limits a snapshot must respect, for CI gates.
 * Per-key rules run on each key's facts (rdbl_check_key, e.g. from the
 * pipeline's on_key); totals and advice rules on the aggregate at the end.
 * Every violation is counted; the first max_listed of each rule are kept
 * with their key, so memory stays bounded. */
typedef struct rdbl_check_opts {
    uint64_t max_key_bytes;       /* estimated memory per key; 0 = no limit */
    uint64_t max_elements;        /* elements per key; 0 = no limit */
    uint64_t max_total_bytes;     /* sum of per-key estimates; 0 = no limit */
    double max_no_ttl_ratio;      /* share of keys without a TTL, 0..1; < 0 = no limit */
    const char *const *require_ttl; /* globs: matching keys must have a TTL */
    size_t nrequire_ttl;
    int fail_on_advice;           /* an rdbl_advice_level: advice at or above fails; -1 = off */
    size_t max_listed;            /* violations listed per rule [20] */
    /* Added for issue 13 (growth gates). Family budgets: the keys matching
     * prefix_bytes_globs[i] together at most prefix_bytes[i] bytes. */
    const char *const *prefix_bytes_globs;
    const uint64_t *prefix_bytes;
    size_t nprefix_bytes;
    /* Against a baseline (rdbl_check_load_baseline): total memory may grow
     * by at most max_growth (0.2 = 20%; < 0 = no limit), the keys matching
     * prefix_growth_globs[i] by at most prefix_growth[i]. */
    double max_growth;
    const char *const *prefix_growth_globs;
    const double *prefix_growth;
    size_t nprefix_growth;
} rdbl_check_opts;

void rdbl_check_opts_init(rdbl_check_opts *o);

typedef struct rdbl_check rdbl_check;
rdbl_check *rdbl_check_new(const rdbl_check_opts *o);
void rdbl_check_free(rdbl_check *c);
/* Whether o sets any limit (a check without one would pass anything). */
bool rdbl_check_opts_any(const rdbl_check_opts *o);
/* The file the next keys come from (named in their violations). Call once
 * per file, before its keys; then rdbl_check_file_done() with how its read
 * ended: a file not read whole is a failure of its own ("input" rule), never
 * an OK. @return 0, or -1 when out of memory. */
int rdbl_check_begin_file(rdbl_check *c, const char *path);
int rdbl_check_file_done(rdbl_check *c, const char *path, rdbl_status st, const char *detail);
/* Applies the per-key rules. @return 0, or -1 when out of memory. */
int rdbl_check_key(rdbl_check *c, const rdbl_key_facts *f);
/* Reads the baseline of the growth rules: an RDB file (analysed with o, its
 * keys summed per prefix_growth glob) or a report JSON (its summary total,
 * and each glob's share from its pattern tree; RDBL_USAGE when a glob cuts
 * through a pattern, err says so).
 * @return RDBL_OK, or the error reading it (err filled). */
rdbl_status rdbl_check_load_baseline(rdbl_check *c, const char *path,
                                     const rdbl_analysis_opts *o, const rdbl_source_opts *so,
                                     rdbl_error *err);
/* Applies the rules on totals and advice. */
rdbl_status rdbl_check_finish(rdbl_check *c, const rdbl_agg *agg);
/* Violations found (all rules). */
uint64_t rdbl_check_violations(const rdbl_check *c);
int rdbl_check_write_text(const rdbl_check *c, FILE *out);
int rdbl_check_write_json(const rdbl_check *c, FILE *out);

#ifdef __cplusplus
}
#endif
#endif

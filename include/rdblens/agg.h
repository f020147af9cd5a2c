/* rdblens: aggregators over per-key facts.
 *
 *   pipeline ──rdbl_key_facts (one per key)──▶ rdbl_agg ──▶ reports (report.h)
 *                                               ├─ prefix tree / patterns  (src/agg/prefix.c)
 *                                               ├─ top keys                (src/agg/top.c)
 *                                               ├─ TTL histogram           (src/agg/ttl.c)
 *                                               ├─ LRU/LFU access          (src/agg/access.c)
 *                                               ├─ per db / type tables    (src/agg/tables.c)
 *                                               └─ advice rules            (src/agg/advice.c)
 *
 * Every aggregator keeps bounded state (a node budget, fixed-size heaps,
 * capped maps), can be merged with another of its kind, and round-trips
 * through JSON (jansson) exactly, so reports written on many machines merge
 * into the report one process would have written (within the bounds: past
 * the prefix node budget or the compression sampling budget the results
 * depend on the order keys arrived in).
 *
 * Ownership: facts are borrowed for the duration of the add call; every
 * aggregator copies what it keeps. Objects are not thread-safe: use one
 * rdbl_agg per thread and merge them.
 *
 * Memory figures are the memory model's per-key "MEMORY USAGE-equivalent"
 * estimates. summary memory is exactly their sum and every breakdown (types,
 * databases, TTL buckets, top-level prefixes, idle buckets) adds up to it. */
#ifndef RDBLENS_AGG_H
#define RDBLENS_AGG_H

#include "rdblens/common.h"
#include "rdblens/parser.h"
#include "rdblens/source.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_t; /* jansson */

/* ---------------------------------------------------------------------------
 * Input: one record per key, filled by the analysis pipeline. */
typedef struct rdbl_key_facts {
    uint64_t db;
    rdbl_str key;                 /* borrowed */
    rdbl_type type;               /* from rdblens/parser.h */
    rdbl_encoding encoding;       /* encoding as stored in the RDB */
    const char *mem_encoding;     /* in-memory encoding the memory model decided: "listpack", "hashtable", "embstr", ... (static string) */
    uint64_t elements;
    uint64_t rdb_bytes;           /* serialized size in the file */
    uint64_t mem_bytes;           /* estimated MEMORY USAGE-equivalent */
    uint64_t largest_element;
    uint64_t value_bytes;         /* string length / sum of element lengths */
    bool has_expire;
    int64_t expire_ms;            /* absolute Unix ms */
    int64_t idle_s;               /* -1 unknown */
    int freq;                     /* -1 unknown */
    uint64_t fields_with_ttl;     /* hash fields with a TTL */
    uint64_t compact_mem_bytes;   /* estimated size in the compact encoding if thresholds allowed it; 0 = n/a */
    const char *compact_config;   /* config line that would allow it, e.g. "hash-max-listpack-value 128"; NULL = n/a */
    rdbl_str sample;              /* up to the first 64 KiB of a string value (for compressibility advice); may be empty */
    bool modelled;                /* false: mem_bytes is not a model figure (module values) */
    /* Added beyond the first draft: */
    int64_t min_field_expire_ms;  /* earliest hash-field TTL (absolute Unix ms), -1 none
                                     (rdbl_key_stats.min_field_expire_ms) */
    rdbl_str module;              /* module values: the module's type name (9 chars); empty otherwise */
    /* With rdbl_analysis_opts.value_digest: a 64-bit fingerprint of the value
     * as a client sees it (integers as text, sets/hashes/zsets in any
     * order; module values by name and payload size). 0 otherwise. */
    uint64_t value_digest;
} rdbl_key_facts;

/* Sets the fields whose "unknown" value is not 0: idle_s = -1, freq = -1,
 * min_field_expire_ms = -1, modelled = true; everything else 0/NULL. */
void rdbl_key_facts_init(rdbl_key_facts *f);

/* ---------------------------------------------------------------------------
 * Snapshot context: what reports print about the file. Plain data, copied. */
typedef enum rdbl_ctime_source {
    RDBL_CTIME_NONE = 0,      /* unknown */
    RDBL_CTIME_AUX = 1,       /* the file's "ctime" AUX field */
    RDBL_CTIME_MTIME = 2,     /* the file's modification time */
} rdbl_ctime_source;

const char *rdbl_ctime_source_name(rdbl_ctime_source s); /* "none", "aux", "mtime" */

#define RDBL_SNAPSHOT_TOTALS 8

/* A named total from the memory model that reconciles the per-key sum with
 * what the server reports (e.g. "allocated_estimate_bytes"). Reports print
 * it beside summary.memory_bytes under its own name, never instead of it.
 * Names are [a-z0-9_], ending in "_bytes". */
typedef struct rdbl_named_total {
    char name[48];
    uint64_t bytes;
} rdbl_named_total;

/* A hole skipped by --salvage (rdbl_hole, kept). */
#define RDBL_SNAPSHOT_HOLES 16
typedef struct rdbl_snapshot_hole {
    uint64_t start, end, db;
    bool key_damaged, to_end;
    char last_key[64];            /* escaped; "" when none */
} rdbl_snapshot_hole;

typedef struct rdbl_snapshot {
    char file[1024];              /* path as given ("-" for stdin) */
    uint64_t file_size;           /* bytes of the input as stored (compressed); 0 unknown */
    char magic[8];                /* "REDIS" / "VALKEY" */
    int rdb_version;
    bool future_version;
    rdbl_compression compression;
    rdbl_checksum_status checksum;
    int64_t ctime_s;              /* snapshot time, Unix seconds; see ctime_source */
    rdbl_ctime_source ctime_source;
    bool has_now;                 /* --now given: TTLs are relative to now_ms */
    int64_t now_ms;
    char redis_ver[32];           /* "redis-ver"/"valkey-ver" AUX, "" if absent */
    bool has_used_mem;
    uint64_t used_mem;            /* "used-mem" AUX: the server's used_memory at save */
    char target[48];              /* memory model target, e.g. "redis-7.2" */
    char allocator[32];           /* e.g. "jemalloc-q8" */
    char allocator_source[16];    /* "option", "calibrated" or "default" ("" unknown) */
    char allocator_reason[512];   /* one sentence: how the allocator was chosen */
    char target_warning[160];     /* the target had to be guessed or mapped, "" if not */
    char target_note[192];        /* the target is not verified: estimates approximate */
    size_t ntotals;
    rdbl_named_total totals[RDBL_SNAPSHOT_TOTALS];
    rdbl_status status;           /* RDBL_OK, or the parse error: the report covers what was read */
    uint64_t error_offset;
    char error[256];
    /* --salvage: holes skipped (the first RDBL_SNAPSHOT_HOLES listed), their
     * bytes, and keys kept damaged (the elements read before the damage) */
    uint64_t holes, hole_bytes, damaged_keys;
    size_t nholes;
    rdbl_snapshot_hole hole[RDBL_SNAPSHOT_HOLES];
    /* --sha256: the input's digest, 64 hex digits ("" when not asked or when
     * the file could not be read whole: then sha256_note says why) */
    char sha256[65];
    char sha256_note[160];
    /* --redact: the keys (and hole keys, error) of this file were redacted */
    bool redacted;
} rdbl_snapshot;

/* The reference time of TTLs: now_ms with --now, else ctime_s * 1000, else 0. */
int64_t rdbl_snapshot_ref_ms(const rdbl_snapshot *s);
/* Whether the file was not an RDB at all (its header could not be read):
 * it is listed with its error, and nothing of it is in the figures. */
bool rdbl_snapshot_unread(const rdbl_snapshot *s);
/* The used-mem AUX summed over n files (saturating), files that were not an
 * RDB left out. @return false when no file was read or a read file lacks it
 * (a partial sum would mislead). */
bool rdbl_snapshots_used_mem(const rdbl_snapshot *s, size_t n, uint64_t *out);
/* The reconciled total `name` summed over n files, as used-mem. */
bool rdbl_snapshots_total(const rdbl_snapshot *s, size_t n, const char *name, uint64_t *out);

/* ---------------------------------------------------------------------------
 * Options. A zeroed struct means "all defaults" (every 0 below is replaced by
 * the default in brackets). */
typedef struct rdbl_agg_opts {
    const char *delimiters;       /* key segment delimiters [":"]; at most 15 characters */
    unsigned max_depth;           /* prefix tree depth [4], at most 16 */
    size_t node_budget;           /* prefix tree nodes [100000], at least 16 */
    bool no_fold;                 /* keep id-like segments as they are (no "*") */
    size_t top_n;                 /* entries per top-keys list [100] */
    size_t examples;              /* example keys per advice item [5] */
    size_t expiry_minutes_cap;    /* distinct expiry minutes tracked [100000] */
    int64_t cold_idle_s;          /* idle time from which memory counts as cold [30 days] */
    uint64_t big_key_bytes;       /* advice: key too big [10 MiB] */
    uint64_t big_key_elements;    /* advice: too many elements [5000] */
    uint64_t huge_collection_elements; /* advice: very large zset/list [1000000] */
    uint64_t compress_min_bytes;  /* advice: strings worth compressing from [1024] */
    uint64_t compress_budget_bytes; /* advice: bytes compressed per aggregator [8 MiB] */
    uint64_t family_min_keys;     /* advice: small-string families from [1000] keys */
    uint64_t cache_min_keys;      /* advice: no-TTL cache-like prefixes from [1000] keys */
    uint64_t expiry_cluster_min_keys; /* advice: mass expiry from [1000] keys in a minute */
} rdbl_agg_opts;

/* Fills o with the defaults (the same as a zeroed struct, made explicit). */
void rdbl_agg_opts_default(rdbl_agg_opts *o);

/* ---------------------------------------------------------------------------
 * Key entries kept by top lists and advice examples. */
#define RDBL_KEY_KEEP_MAX 4096    /* longer keys are kept truncated */

typedef struct rdbl_key_entry {
    uint64_t db;
    uint8_t *key;                 /* owned copy (at most RDBL_KEY_KEEP_MAX bytes) */
    size_t key_len;               /* bytes in key */
    uint64_t key_full_len;        /* the key's real length (> key_len when truncated) */
    rdbl_type type;
    char encoding[24];            /* in-memory encoding */
    uint64_t elements, mem_bytes, rdb_bytes, largest_element, value_bytes;
    bool has_expire;
    int64_t expire_ms;
    int64_t idle_s;
    int freq;
    uint64_t score, score2;       /* what the list ranks by (higher first), then the tie-breaks:
                                     db, key bytes, the remaining fields */
    uint64_t detail;              /* list-specific figure (advice: saving bytes...) */
    size_t cap_;                  /* internal: bytes allocated for key */
} rdbl_key_entry;

/* ---------------------------------------------------------------------------
 * Prefix tree and patterns (src/agg/prefix.c).
 *
 * Keys split at any delimiter character into segments; the first max_depth
 * segments make a path from the root. Segments that look like ids fold to
 * "*" (decimal numbers, hex of 8+ characters with a digit, UUIDs, base64-ish
 * tokens of 16+ characters with mixed classes, timestamps and dates, random
 * alphanumerics of 8+ characters, e-mail addresses), "{...}" hash tags with
 * a digit fold to "{*}", and 3+ digits after a head without digits to the
 * head and a "*" ("order12345" -> "order*"; a path ending in an id,
 * "/p/garden/1606", keeps "/p/garden/" and folds the id).
 * Every node counts all keys below it (so a node's totals are the sums over
 * its children plus the keys that end at it). Past the node budget the
 * smallest subtrees fold into their parent's "(other)" child, whose totals
 * stay exact. */
typedef struct rdbl_prefix_totals {
    uint64_t keys, mem_bytes, rdb_bytes, elements, value_bytes;
    uint64_t keys_with_ttl;
    uint64_t mem_no_ttl;          /* memory of the keys without a TTL */
    /* Small strings (value <= 64 bytes, no TTL) whose key ends at this node:
     * the input of the "one hash per entity" advice. */
    uint64_t fam_keys, fam_mem_bytes, fam_value_bytes, fam_key_bytes;
} rdbl_prefix_totals;

typedef struct rdbl_prefix_agg rdbl_prefix_agg;

rdbl_status rdbl_prefix_agg_new(rdbl_prefix_agg **out, const rdbl_agg_opts *o);
void rdbl_prefix_agg_free(rdbl_prefix_agg *p);
rdbl_status rdbl_prefix_agg_add(rdbl_prefix_agg *p, const rdbl_key_facts *f);
/* dst += src (src is unchanged). dst may grow past its budget during the walk
 * (by at most src's node count) and is folded back before returning. */
rdbl_status rdbl_prefix_agg_merge(rdbl_prefix_agg *dst, const rdbl_prefix_agg *src);
/* @return a new reference (the root node object), NULL when out of memory. */
struct json_t *rdbl_prefix_agg_to_json(const rdbl_prefix_agg *p);
/* Adds the tree in j (as written by to_json) into p. */
rdbl_status rdbl_prefix_agg_add_json(rdbl_prefix_agg *p, const struct json_t *j, rdbl_error *err);

#define RDBL_PREFIX_ROOT 0u
/* Node ids stay valid until the next add/merge. */
const rdbl_prefix_totals *rdbl_prefix_agg_totals(const rdbl_prefix_agg *p, uint32_t node);
/* The node's children, largest memory first (ties: more keys, then label
 * bytes, "(other)" last). Writes at most cap ids. @return the child count. */
size_t rdbl_prefix_agg_children(const rdbl_prefix_agg *p, uint32_t node, uint32_t *out,
                                size_t cap);
/* The node's full prefix ("user:*:cart"), bytes escaped as rdbl_escape_bytes
 * does, NUL-terminated and truncated to fit. @return the untruncated length. */
size_t rdbl_prefix_agg_name(const rdbl_prefix_agg *p, uint32_t node, char *buf, size_t cap);
/* The node's own label, raw bytes (borrowed until the next add/merge); "(empty)"
 * for an empty one, "(other)" for a folded remainder. The reading functions
 * show the pattern view (see src/agg/prefix.c). */
rdbl_str rdbl_prefix_agg_label(const rdbl_prefix_agg *p, uint32_t node);
/* One key of the node's row (raw bytes, borrowed until the next add/merge;
 * ptr NULL when none): the same key whatever the order of the keys, the
 * number of threads or shards. At most 128 bytes: *truncated when the key
 * is longer. Every output writes it from here (escaped as keys are). */
rdbl_str rdbl_prefix_agg_example(const rdbl_prefix_agg *p, uint32_t node, bool *truncated);
/* How many distinct values the node's "*" stands for (0: its label has no
 * '*'); *estimated when it is a sketch estimate (about +/-13%). */
uint64_t rdbl_prefix_agg_values(const rdbl_prefix_agg *p, uint32_t node, bool *estimated);
bool rdbl_prefix_agg_is_other(const rdbl_prefix_agg *p, uint32_t node);
unsigned rdbl_prefix_agg_depth(const rdbl_prefix_agg *p, uint32_t node);
size_t rdbl_prefix_agg_node_count(const rdbl_prefix_agg *p);
/* Times the budget forced a fold (0: every node total is exact). */
uint64_t rdbl_prefix_agg_folds(const rdbl_prefix_agg *p);

/* The folded label of one segment: "*", "{*}", "word*" or the segment itself.
 * Writes at most cap bytes. @return the label length (may exceed cap only
 * for an unfolded segment; then the caller's copy is short). Exposed for
 * tests and for `rdblens keys --pattern`. */
size_t rdbl_prefix_fold_segment(const uint8_t *seg, size_t len, uint8_t *out, size_t cap);

/* ---------------------------------------------------------------------------
 * Top keys (src/agg/top.c): by memory, by elements, and by memory per type. */
typedef enum rdbl_top_list {
    RDBL_TOP_BY_MEMORY = 0,
    RDBL_TOP_BY_ELEMENTS = 1,
    RDBL_TOP_BY_TYPE = 2,          /* by memory, within one type */
} rdbl_top_list;

typedef struct rdbl_top_agg rdbl_top_agg;

rdbl_status rdbl_top_agg_new(rdbl_top_agg **out, const rdbl_agg_opts *o);
void rdbl_top_agg_free(rdbl_top_agg *t);
rdbl_status rdbl_top_agg_add(rdbl_top_agg *t, const rdbl_key_facts *f);
rdbl_status rdbl_top_agg_merge(rdbl_top_agg *dst, const rdbl_top_agg *src);
struct json_t *rdbl_top_agg_to_json(const rdbl_top_agg *t);
rdbl_status rdbl_top_agg_add_json(rdbl_top_agg *t, const struct json_t *j, rdbl_error *err);
/* Best first. type is used with RDBL_TOP_BY_TYPE only. Entries are borrowed
 * until the next add/merge/free. @return the number written (<= cap). */
size_t rdbl_top_agg_get(const rdbl_top_agg *t, rdbl_top_list list, rdbl_type type,
                        const rdbl_key_entry **out, size_t cap);

/* ---------------------------------------------------------------------------
 * TTLs (src/agg/ttl.c), relative to the reference time (rdbl_snapshot_ref_ms). */
#define RDBL_TTL_BUCKET_LIST(X)                                               \
    X(NONE, "none", "no TTL", 0)                                              \
    X(EXPIRED, "expired", "expired", 0)                                       \
    X(LT_1M, "lt_1m", "< 1 min", 60000LL)                                     \
    X(LT_10M, "lt_10m", "< 10 min", 600000LL)                                 \
    X(LT_1H, "lt_1h", "< 1 h", 3600000LL)                                     \
    X(LT_6H, "lt_6h", "< 6 h", 21600000LL)                                    \
    X(LT_1D, "lt_1d", "< 1 d", 86400000LL)                                    \
    X(LT_7D, "lt_7d", "< 7 d", 604800000LL)                                   \
    X(LT_30D, "lt_30d", "< 30 d", 2592000000LL)                               \
    X(GE_30D, "ge_30d", ">= 30 d", 0)

typedef enum rdbl_ttl_bucket {
#define RDBL__B(name, id, text, lim) RDBL_TTL_##name,
    RDBL_TTL_BUCKET_LIST(RDBL__B)
#undef RDBL__B
    RDBL_TTL__COUNT
} rdbl_ttl_bucket;

const char *rdbl_ttl_bucket_id(rdbl_ttl_bucket b);    /* "lt_1m" */
const char *rdbl_ttl_bucket_label(rdbl_ttl_bucket b); /* "< 1 min" */
/* The bucket of a TTL of ttl_ms (expire - reference); <= 0 is EXPIRED. */
rdbl_ttl_bucket rdbl_ttl_bucket_of(int64_t ttl_ms);

typedef struct rdbl_count {
    uint64_t keys, mem_bytes;
} rdbl_count;

typedef struct rdbl_ttl_minute {
    int64_t minute;               /* Unix minute (expire_ms / 60000, floored) */
    uint64_t keys, mem_bytes;
} rdbl_ttl_minute;

typedef struct rdbl_ttl_summary {
    int64_t ref_ms;               /* reference time of the buckets (of the first file when merged) */
    rdbl_count buckets[RDBL_TTL__COUNT];
    size_t minutes;               /* distinct future expiry minutes tracked */
    size_t minutes_cap;
    rdbl_count untracked;         /* future expiries past the cap */
    /* Hash fields with TTLs (Redis 7.4+): keys having some, their field count
     * and memory, and those keys bucketed by their earliest field expiry. */
    uint64_t field_keys, fields;
    uint64_t field_mem_bytes;
    rdbl_count field_buckets[RDBL_TTL__COUNT];
} rdbl_ttl_summary;

typedef struct rdbl_ttl_agg rdbl_ttl_agg;

rdbl_status rdbl_ttl_agg_new(rdbl_ttl_agg **out, const rdbl_agg_opts *o);
void rdbl_ttl_agg_free(rdbl_ttl_agg *t);
/* Sets the reference time. Call before the first add. */
void rdbl_ttl_agg_set_now(rdbl_ttl_agg *t, int64_t ref_ms);
rdbl_status rdbl_ttl_agg_add(rdbl_ttl_agg *t, const rdbl_key_facts *f);
rdbl_status rdbl_ttl_agg_merge(rdbl_ttl_agg *dst, const rdbl_ttl_agg *src);
struct json_t *rdbl_ttl_agg_to_json(const rdbl_ttl_agg *t);
rdbl_status rdbl_ttl_agg_add_json(rdbl_ttl_agg *t, const struct json_t *j, rdbl_error *err);
void rdbl_ttl_agg_summary(const rdbl_ttl_agg *t, rdbl_ttl_summary *out);
/* The minutes in which the most memory expires: most memory first, then most
 * keys, then the earlier minute. @return the number written. */
size_t rdbl_ttl_agg_top_minutes(const rdbl_ttl_agg *t, rdbl_ttl_minute *out, size_t cap);
/* Keys and memory expiring in the Unix minutes first..last (inclusive), from
 * the tracked minutes. */
rdbl_count rdbl_ttl_agg_minutes_sum(const rdbl_ttl_agg *t, int64_t first, int64_t last);

/* ---------------------------------------------------------------------------
 * Access: LRU idle time and LFU counters (src/agg/access.c). */
#define RDBL_IDLE_BUCKET_LIST(X)                                              \
    X(UNKNOWN, "unknown", "unknown", 0)                                       \
    X(LT_1M, "lt_1m", "< 1 min", 60LL)                                        \
    X(LT_10M, "lt_10m", "< 10 min", 600LL)                                    \
    X(LT_1H, "lt_1h", "< 1 h", 3600LL)                                        \
    X(LT_6H, "lt_6h", "< 6 h", 21600LL)                                       \
    X(LT_1D, "lt_1d", "< 1 d", 86400LL)                                       \
    X(LT_7D, "lt_7d", "< 7 d", 604800LL)                                      \
    X(LT_30D, "lt_30d", "< 30 d", 2592000LL)                                  \
    X(GE_30D, "ge_30d", ">= 30 d", 0)

typedef enum rdbl_idle_bucket {
#define RDBL__B(name, id, text, lim) RDBL_IDLE_##name,
    RDBL_IDLE_BUCKET_LIST(RDBL__B)
#undef RDBL__B
    RDBL_IDLE__COUNT
} rdbl_idle_bucket;

const char *rdbl_idle_bucket_id(rdbl_idle_bucket b);
const char *rdbl_idle_bucket_label(rdbl_idle_bucket b);

typedef struct rdbl_access_summary {
    rdbl_count idle[RDBL_IDLE__COUNT]; /* UNKNOWN: keys without an LRU idle time */
    int64_t cold_idle_s;
    rdbl_count cold;                   /* idle >= cold_idle_s */
    rdbl_count freq_known;             /* keys with an LFU counter */
    rdbl_count freq[256];              /* per LFU counter value */
} rdbl_access_summary;

typedef struct rdbl_access_agg rdbl_access_agg;

rdbl_status rdbl_access_agg_new(rdbl_access_agg **out, const rdbl_agg_opts *o);
void rdbl_access_agg_free(rdbl_access_agg *a);
rdbl_status rdbl_access_agg_add(rdbl_access_agg *a, const rdbl_key_facts *f);
rdbl_status rdbl_access_agg_merge(rdbl_access_agg *dst, const rdbl_access_agg *src);
struct json_t *rdbl_access_agg_to_json(const rdbl_access_agg *a);
rdbl_status rdbl_access_agg_add_json(rdbl_access_agg *a, const struct json_t *j, rdbl_error *err);
const rdbl_access_summary *rdbl_access_agg_summary(const rdbl_access_agg *a);
/* Hottest keys by LFU counter (ties: more memory first). */
size_t rdbl_access_agg_hottest(const rdbl_access_agg *a, const rdbl_key_entry **out, size_t cap);
/* The largest cold keys (idle >= cold_idle_s, or LFU counter 0), memory first. */
size_t rdbl_access_agg_coldest(const rdbl_access_agg *a, const rdbl_key_entry **out, size_t cap);
/* Cold keys (as for coldest) by family: the key's first segments with ids
 * folded ("session:*", "cache:page:*"); "(other)" past 128 families. */
typedef struct rdbl_cold_family {
    char name[64];                /* escaped */
    uint64_t keys, mem_bytes;
    uint64_t lfu_keys;            /* of them, cold by an LFU counter of 0 (no idle time) */
    int64_t idle_min_s, idle_max_s; /* idle range of the others; -1 when none */
} rdbl_cold_family;
/* Most memory first. Writes at most cap. @return the number of families. */
size_t rdbl_access_agg_cold_families(const rdbl_access_agg *a, rdbl_cold_family *out,
                                     size_t cap);

/* ---------------------------------------------------------------------------
 * Tables (src/agg/tables.c): summary, per db, per type and encoding,
 * size distributions per type, functions and modules. */
typedef struct rdbl_table_stats {
    uint64_t keys, mem_bytes, rdb_bytes, elements, value_bytes, keys_with_ttl;
    uint64_t max_mem_bytes, max_elements, max_largest_element;
} rdbl_table_stats;

typedef struct rdbl_summary {
    rdbl_table_stats all;
    uint64_t expired_keys;        /* TTL at or before the reference time */
    uint64_t empty_keys;          /* collections with 0 elements */
    uint64_t unmodelled_keys;     /* modelled == false */
    uint64_t unmodelled_mem_bytes;
    uint64_t hash_fields_with_ttl;
} rdbl_summary;

typedef enum rdbl_table_kind {
    RDBL_TABLE_DB = 0,            /* rows by db, db ascending */
    RDBL_TABLE_TYPE = 1,          /* rows by type, type order of RDBL_TYPE_LIST */
    RDBL_TABLE_ENCODING = 2,      /* by type and in-memory encoding (type order, then name) */
    RDBL_TABLE_RDB_ENCODING = 3,  /* by type and stored encoding */
} rdbl_table_kind;

typedef struct rdbl_table_row {
    uint64_t db;                  /* RDBL_TABLE_DB */
    rdbl_type type;               /* the other kinds */
    char encoding[24];            /* ENCODING, RDB_ENCODING; "(other)" past the row cap */
    rdbl_table_stats s;
} rdbl_table_row;

/* Element/size distributions: bucket 0 holds the value 0, bucket i >= 1 the
 * values in [2^(i-1), 2^i). */
#define RDBL_LOG2_BUCKETS 65
typedef enum rdbl_dist_kind {
    RDBL_DIST_ELEMENTS = 0,       /* elements per key */
    RDBL_DIST_MEMORY = 1,         /* memory per key */
    RDBL_DIST_LARGEST = 2,        /* largest element per key, bytes */
    RDBL_DIST__COUNT
} rdbl_dist_kind;

typedef struct rdbl_function_row {
    char name[128];               /* escaped library name */
    char engine[32];
    uint64_t code_bytes;
    uint64_t count;               /* files that carried it (merge) */
} rdbl_function_row;

typedef struct rdbl_module_row {
    char name[16];                /* 9-character module type name */
    uint64_t keys, mem_bytes, rdb_bytes;
    uint64_t aux_records, aux_bytes;
} rdbl_module_row;

typedef struct rdbl_tables_agg rdbl_tables_agg;

rdbl_status rdbl_tables_agg_new(rdbl_tables_agg **out, const rdbl_agg_opts *o);
void rdbl_tables_agg_free(rdbl_tables_agg *t);
/* ref_ms decides which keys are already expired. */
void rdbl_tables_agg_set_now(rdbl_tables_agg *t, int64_t ref_ms);
rdbl_status rdbl_tables_agg_add(rdbl_tables_agg *t, const rdbl_key_facts *f);
rdbl_status rdbl_tables_agg_add_function(rdbl_tables_agg *t, rdbl_str name, rdbl_str engine,
                                         uint64_t code_bytes);
rdbl_status rdbl_tables_agg_add_module_aux(rdbl_tables_agg *t, rdbl_str module,
                                           uint64_t payload_bytes);
rdbl_status rdbl_tables_agg_merge(rdbl_tables_agg *dst, const rdbl_tables_agg *src);
/* Adds "summary", "databases", "types", "distributions", "functions",
 * "modules" members to obj. @return RDBL_OK or RDBL_NOMEM. */
rdbl_status rdbl_tables_agg_to_json(const rdbl_tables_agg *t, struct json_t *obj);
rdbl_status rdbl_tables_agg_add_json(rdbl_tables_agg *t, const struct json_t *obj,
                                     rdbl_error *err);
const rdbl_summary *rdbl_tables_agg_summary(const rdbl_tables_agg *t);
/* Borrowed until the next add/merge. @return the row count (all of them). */
size_t rdbl_tables_agg_rows(const rdbl_tables_agg *t, rdbl_table_kind kind,
                            const rdbl_table_row **rows);
/* The distribution of one type: RDBL_LOG2_BUCKETS counts. */
const rdbl_count *rdbl_tables_agg_dist(const rdbl_tables_agg *t, rdbl_type type,
                                       rdbl_dist_kind kind);
size_t rdbl_tables_agg_functions(const rdbl_tables_agg *t, const rdbl_function_row **rows);
size_t rdbl_tables_agg_modules(const rdbl_tables_agg *t, const rdbl_module_row **rows);
/* Bucket of a value in a log2 distribution. */
unsigned rdbl_log2_bucket(uint64_t v);

/* ---------------------------------------------------------------------------
 * Advice (src/agg/advice.c). The aggregator collects per-key evidence; the
 * list itself is derived on demand from it and from the other aggregators
 * (prefix families, cache-like prefixes, expiry clusters), so merged inputs
 * give the advice of the merged data. */
#define RDBL_ADVICE_LEVEL_LIST(X)                                             \
    X(INFO, "info")                                                           \
    X(WARN, "warn")                                                           \
    X(CRITICAL, "critical")

typedef enum rdbl_advice_level {
#define RDBL__L(name, text) RDBL_ADVICE_##name,
    RDBL_ADVICE_LEVEL_LIST(RDBL__L)
#undef RDBL__L
    RDBL_ADVICE__COUNT
} rdbl_advice_level;

const char *rdbl_advice_level_name(rdbl_advice_level l);
/* "info", "warn"/"warning", "critical" (case-insensitive). */
bool rdbl_advice_level_parse(const char *s, rdbl_advice_level *out);

#define RDBL_ADVICE_EXAMPLES 8
#define RDBL_ADVICE_ROWS 8

/* A row of an item's table: a threshold step (compact-encoding, cumulative
 * keys and saving), an expiry cluster (mass-expiry) or a family of keys
 * (cold-data). */
typedef struct rdbl_advice_row {
    char name[96];                /* cold-data: the family, escaped; "" otherwise */
    uint64_t value;               /* compact-encoding: the threshold; cold-data: keys cold by
                                     an LFU counter of 0 (no idle time) */
    int64_t at_ms;                /* mass-expiry: the cluster's first minute, Unix ms */
    int64_t span_ms;              /* mass-expiry: from its first to its last minute */
    int64_t idle_min_s, idle_max_s; /* cold-data: idle times of the family's cold keys */
    uint64_t keys, bytes, saving_bytes;
} rdbl_advice_row;

/* An advice item holds numbers, reasons and examples; the words (title and
 * detail) are written by the report layer (rdbl_advice_words, report.h), so
 * every format says the same thing. */
typedef struct rdbl_advice_item {
    const char *rule;             /* static id: "compact-encoding", "big-keys", ... */
    rdbl_advice_level level;
    char config[96];              /* proposed config line, "" if none */
    char prefix[256];             /* the prefix concerned (escaped), "" if none */
    uint64_t keys;                /* keys concerned */
    uint64_t affected_bytes;      /* their memory */
    uint64_t saving_bytes;        /* estimated saving; 0 when the rule is about risk */
    /* The figures behind the words; which ones a rule sets is listed with the
     * rules at the top of src/agg/advice.c. */
    int64_t ref_ms;               /* reference time of TTLs and idle times */
    uint64_t total_keys, total_bytes;     /* the keys the rule looked at */
    uint64_t limit_bytes, limit_elements; /* the rule's thresholds */
    uint64_t max_bytes, max_elements;     /* the largest / longest key concerned */
    uint64_t alt_saving_bytes;            /* another way's saving (zlib, a higher step) */
    uint64_t sampled_keys, sampled_bytes; /* compressible-strings: what was measured */
    uint64_t ratio_pm, alt_ratio_pm;      /* compressible-strings: LZ4, zlib output per mille */
    uint64_t skipped_keys, skipped_bytes; /* keys the rule leaves out (see the rule) */
    uint64_t entities;                    /* families: entities (one hash each) */
    uint64_t field_count;                 /* families: distinct fields */
    uint64_t alt_bytes;                   /* the memory the proposed change would take */
    int64_t idle_s;                       /* cold-data: idle time from which a key is cold */
    double per_entity;                    /* families: fields per entity */
    double avg_keys;                      /* mass-expiry: keys in an average nearby minute */
    char fields[200];                     /* families: field names, escaped, ", " between */
    size_t nrows;
    rdbl_advice_row rows[RDBL_ADVICE_ROWS];
    size_t nexamples;
    const rdbl_key_entry *examples[RDBL_ADVICE_EXAMPLES]; /* borrowed from the aggregator */
} rdbl_advice_item;

typedef struct rdbl_advice_list {
    rdbl_advice_item *items;      /* ordered by level (critical first), then saving, then
                                     affected bytes */
    size_t n;
} rdbl_advice_list;

void rdbl_advice_list_free(rdbl_advice_list *l);

typedef struct rdbl_advice_agg rdbl_advice_agg;

rdbl_status rdbl_advice_agg_new(rdbl_advice_agg **out, const rdbl_agg_opts *o);
void rdbl_advice_agg_free(rdbl_advice_agg *a);
void rdbl_advice_agg_set_now(rdbl_advice_agg *a, int64_t ref_ms);
rdbl_status rdbl_advice_agg_add(rdbl_advice_agg *a, const rdbl_key_facts *f);
rdbl_status rdbl_advice_agg_merge(rdbl_advice_agg *dst, const rdbl_advice_agg *src);
struct json_t *rdbl_advice_agg_to_json(const rdbl_advice_agg *a);
rdbl_status rdbl_advice_agg_add_json(rdbl_advice_agg *a, const struct json_t *j,
                                     rdbl_error *err);

/* ---------------------------------------------------------------------------
 * The set: all of the above behind one add(). This is what the pipeline
 * drives:
 *
 *   rdbl_agg_new(&a, &opts);
 *   rdbl_agg_set_now(a, ref_ms);            before the first key: AUX ctime,
 *                                           else file mtime, else --now
 *   rdbl_agg_add(a, &facts);                for every key
 *   rdbl_agg_add_function / _module_aux     for FUNCTION and MODULE_AUX records
 *   rdbl_agg_add_snapshot(a, &snap);        once per file, when it is done
 *   rdbl_report_*(out, a, ...);             report.h
 *   rdbl_agg_free(a);
 *
 * Threads: one rdbl_agg per file, then rdbl_agg_merge() them. */
typedef struct rdbl_agg rdbl_agg;

rdbl_status rdbl_agg_new(rdbl_agg **out, const rdbl_agg_opts *opts);
void rdbl_agg_free(rdbl_agg *a);
void rdbl_agg_set_now(rdbl_agg *a, int64_t ref_ms);
rdbl_status rdbl_agg_add(rdbl_agg *a, const rdbl_key_facts *f);
rdbl_status rdbl_agg_add_function(rdbl_agg *a, rdbl_str name, rdbl_str engine,
                                  uint64_t code_bytes);
rdbl_status rdbl_agg_add_module_aux(rdbl_agg *a, rdbl_str module, uint64_t payload_bytes);
/* Copies s (appends it to the list of files the aggregate covers). */
rdbl_status rdbl_agg_add_snapshot(rdbl_agg *a, const rdbl_snapshot *s);
rdbl_status rdbl_agg_merge(rdbl_agg *dst, const rdbl_agg *src);

/* The state as a JSON object: "files", "options", "summary", "databases",
 * "types", "distributions", "functions", "modules", "prefixes", "top_keys",
 * "ttl", "access", "advice_state" (in that order). New reference, NULL when
 * out of memory. The JSON report (report.h) wraps it. */
struct json_t *rdbl_agg_to_json(const rdbl_agg *a);
/* Adds the state in j (a report or rdbl_agg_to_json's object) into a. */
rdbl_status rdbl_agg_add_json(rdbl_agg *a, const struct json_t *j, rdbl_error *err);

const rdbl_agg_opts *rdbl_agg_get_opts(const rdbl_agg *a);
size_t rdbl_agg_snapshots(const rdbl_agg *a, const rdbl_snapshot **out);
int64_t rdbl_agg_now(const rdbl_agg *a);
const rdbl_prefix_agg *rdbl_agg_prefix(const rdbl_agg *a);
const rdbl_top_agg *rdbl_agg_top(const rdbl_agg *a);
const rdbl_ttl_agg *rdbl_agg_ttl(const rdbl_agg *a);
const rdbl_access_agg *rdbl_agg_access(const rdbl_agg *a);
const rdbl_tables_agg *rdbl_agg_tables(const rdbl_agg *a);
const rdbl_advice_agg *rdbl_agg_advice_state(const rdbl_agg *a);

/* Derives the advice list (ordered by level, then saving). Examples are borrowed from a:
 * free the list before changing or freeing a. @return RDBL_OK or NOMEM. */
rdbl_status rdbl_agg_advice(const rdbl_agg *a, rdbl_advice_list *out);

#ifdef __cplusplus
}
#endif
#endif

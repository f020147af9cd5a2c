/* rdblens: what changed between two snapshots (`rdblens diff`).
 *
 *   OLD ─┐ scan: parser -> memory model -> facts + value digest
 *        ├──▶ one prefix tree fed with both files' keys (same folding both sides)
 *   NEW ─┘ └─▶ per-key records, partitioned by key hash into temporary files
 *              ──▶ join partition by partition ──▶ counts, top lists, families
 *
 * Memory stays bounded whatever the dump sizes: each file is streamed once;
 * per key only a small record (key, type, encoding, memory estimate, expiry,
 * value digest) goes to one of N temporary files in TMPDIR (unlinked as soon
 * as they are created, so nothing is left behind on any exit, signals
 * included); the join holds one partition of each side at a time (per join
 * thread: with two cores, two threads take every other partition).
 *
 * Threads (two cores): during each scan the parsing thread (parser, memory
 * model, value digest) hands the facts to a second thread that feeds the
 * tree and the partition files, in order; the join runs in two threads. The
 * output is the same as with one thread.
 *
 * Inputs may also be `report --format json` outputs: then only the pattern
 * level is compared (the report trees are joined by pattern name; each keeps
 * the folding its report had) and key_level is false. */
#ifndef RDBLENS_DIFF_H
#define RDBLENS_DIFF_H

#include <stdio.h>

#include "rdblens/agg.h"
#include "rdblens/analysis.h"
#include "rdblens/source.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RDBL_DIFF_SCHEMA "rdblens.diff/1"

typedef struct rdbl_diff_opts {
    rdbl_analysis_opts ao;        /* memory model, --now (rdbl_analysis_opts_init) */
    rdbl_agg_opts agg;            /* prefix tree: delimiters, depth, folding, node budget */
    rdbl_source_opts src;
    size_t top_n;                 /* entries per top list [20] */
    size_t max_family_rows;       /* encoding-change and TTL rows kept [200] */
    const char *tmpdir;           /* NULL: $TMPDIR, else /tmp */
    unsigned partitions;          /* 0: from the file sizes (16 MiB of input each) */
} rdbl_diff_opts;

void rdbl_diff_opts_init(rdbl_diff_opts *o);

typedef struct rdbl_diff_input {
    char file[1024];
    bool is_report;               /* a report JSON, not an RDB file */
    rdbl_snapshot snap;           /* RDB inputs: the snapshot record */
    uint64_t keys, mem_bytes, keys_with_ttl;
} rdbl_diff_input;

typedef struct rdbl_diff_summary {
    uint64_t keys_before, keys_after;
    uint64_t memory_bytes_before, memory_bytes_after;
    /* key level (RDB inputs only) */
    uint64_t keys_added, keys_removed, keys_changed, keys_unchanged;
    uint64_t keys_removed_expired;  /* removed keys whose TTL had passed by NEW's save time */
    uint64_t changed_type, changed_value, changed_expiry; /* reasons (a key may have several) */
    uint64_t keys_grown, keys_shrunk;  /* changed keys (value or type) whose memory went up / down */
    /* Estimate change of the keys whose value, type and expiry did not
     * change: the memory model's per-file effects (hash table sizes, rehash
     * in progress, calibrated allocator), not data. Part of the totals. */
    int64_t unchanged_keys_memory_change;
    uint64_t ttl_gained, ttl_lost, encoding_changes;
} rdbl_diff_summary;

/* One node of the pattern tree, both sides. */
typedef struct rdbl_diff_node {
    char *prefix;                 /* escaped pattern ("user:*:cart"); "" at the root */
    bool other;                   /* the "(other)" bucket of the node budget */
    uint64_t keys_before, keys_after;
    uint64_t memory_bytes_before, memory_bytes_after;
    uint64_t keys_with_ttl_before, keys_with_ttl_after;
    struct rdbl_diff_node *children; /* largest absolute memory change first */
    size_t nchildren;
} rdbl_diff_node;

typedef enum rdbl_diff_list {
    RDBL_DIFF_GROWN = 0,          /* in both: memory after - before, largest first */
    RDBL_DIFF_SHRUNK = 1,         /* in both: before - after */
    RDBL_DIFF_ADDED = 2,          /* only in NEW, by memory */
    RDBL_DIFF_REMOVED = 3,        /* only in OLD, by memory */
    RDBL_DIFF__LISTS
} rdbl_diff_list;

const char *rdbl_diff_list_name(rdbl_diff_list l); /* "grown", "shrunk", "added", "removed" */

typedef struct rdbl_diff_key {
    uint64_t db;
    uint8_t *key;                 /* owned; at most RDBL_KEY_KEEP_MAX bytes */
    size_t key_len;
    rdbl_type type;               /* NEW's type when present there, else OLD's */
    uint64_t memory_bytes_before, memory_bytes_after; /* 0 on the side it is absent */
} rdbl_diff_key;

/* Keys of one family (its deepest pattern tree node) whose in-memory
 * encoding changed, e.g. hash listpack -> hashtable. */
typedef struct rdbl_diff_enc_row {
    char family[256];
    rdbl_type type;
    char before[24], after[24];
    uint64_t keys;
    uint64_t memory_bytes_before, memory_bytes_after;
} rdbl_diff_enc_row;

/* Keys of one family present on both sides that gained or lost a TTL. */
typedef struct rdbl_diff_ttl_row {
    char family[256];
    uint64_t gained, lost;
    uint64_t gained_bytes, lost_bytes; /* their memory in NEW */
} rdbl_diff_ttl_row;

typedef struct rdbl_diff {
    rdbl_diff_input before, after;
    bool key_level;               /* both inputs RDB: the key-level sections are filled */
    bool same_tree;               /* one tree fed with both files (RDB + RDB) */
    rdbl_diff_summary summary;
    rdbl_diff_node root;
    uint64_t tree_folds;          /* node-budget folds of the tree (0: every row exact) */
    rdbl_diff_key *top[RDBL_DIFF__LISTS];
    size_t ntop[RDBL_DIFF__LISTS];
    rdbl_diff_enc_row *enc;       /* most keys first */
    size_t nenc;
    uint64_t enc_rows_dropped;    /* rows past max_family_rows */
    rdbl_diff_ttl_row *ttl;       /* most keys (gained + lost) first */
    size_t nttl;
    uint64_t ttl_rows_dropped;
    unsigned partitions;
    uint64_t temp_bytes;          /* bytes written to temporary files */
    rdbl_diff_opts opts;          /* as run (pointers borrowed) */
} rdbl_diff;

/* err->where of a failure of the temporary files (not of an input). */
#define RDBL_DIFF_TEMP "temporary file"

/* Compares two inputs (RDB files, plain or compressed, or report JSONs).
 * OUT: *out (rdbl_diff_free), also on a checksum mismatch (then
 * RDBL_CHECKSUM is returned and the diff is complete).
 * @return RDBL_OK, RDBL_CHECKSUM, or an error with err filled (which file,
 *         what); *out is then NULL. */
rdbl_status rdbl_diff_run(rdbl_diff **out, const char *old_path, const char *new_path,
                          const rdbl_diff_opts *o, rdbl_error *err);
void rdbl_diff_free(rdbl_diff *d);

/* Change of a node / the summary, NEW - OLD (saturated to int64). */
int64_t rdbl_diff_delta(uint64_t before, uint64_t after);

/* Families that appeared (keys only in NEW) or vanished (only in OLD): the
 * top-most such nodes of the tree (not their children), most memory first.
 * OUT: *out, a malloc'ed array the caller frees (NULL when there are none).
 * @return how many there are; 0 also when out of memory. */
size_t rdbl_diff_families(const rdbl_diff *d, bool appeared, const rdbl_diff_node ***out);

/* Outputs (src/report/diff_*.c). top: rows per list and tree level [10 text,
 * all kept in JSON/HTML]. */
typedef struct rdbl_diff_report_opts {
    size_t top;
    unsigned json_indent;         /* 0 = compact */
} rdbl_diff_report_opts;

rdbl_status rdbl_diff_write_text(FILE *out, const rdbl_diff *d, const rdbl_diff_report_opts *o);
rdbl_status rdbl_diff_write_json(FILE *out, const rdbl_diff *d, const rdbl_diff_report_opts *o);
rdbl_status rdbl_diff_write_html(FILE *out, const rdbl_diff *d, const rdbl_diff_report_opts *o);

#ifdef __cplusplus
}
#endif
#endif

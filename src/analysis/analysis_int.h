/* Helpers shared by the files of src/analysis/. */
#ifndef RDBL_ANALYSIS_INT_H
#define RDBL_ANALYSIS_INT_H

#include "rdblens/analysis.h"

/* --sha256 (evidence.c): the digest of a source opened with opts.sha256 as
 * 64 lowercase hex digits into hex; false with hex "" and the reason in why
 * when there is none (a read failed). Ends the source's reading. */
bool rdbl__sha256_text(rdbl_source *src, char hex[65], char *why, size_t why_cap);

/* --redact (redact.c): a keyed digest of a value streamed in pieces. */
typedef struct rdbl__vhash {
    uint64_t len;
    _Alignas(16) unsigned char ctx[512]; /* nettle's hmac_sha256_ctx */
} rdbl__vhash;
void rdbl__vhash_begin(rdbl__vhash *h, const rdbl_redactor *r);
void rdbl__vhash_update(rdbl__vhash *h, const uint8_t *p, size_t n);
/* The stand-in text "~<len>B:<12 hex digits>" into out. @return its length. */
size_t rdbl__vhash_token(rdbl__vhash *h, char *out, size_t cap);

/* --redact's plan (redact_plan.c): the pattern view of the input's keys,
 * telling which segments of a key are variable. */
typedef struct rdbl__rplan rdbl__rplan;
typedef enum { RPLAN_KEEP, RPLAN_SHAPE, RPLAN_STARS, RPLAN_LOST } rdbl__rplan_step;
/* A prefix tree for learning (deep enough for the plan). */
rdbl_status rdbl__rplan_tree_new(rdbl_prefix_agg **out, const char *delims);
/* Adds every key of src to tree (a parse that reads keys only). */
rdbl_status rdbl__rplan_learn(rdbl_prefix_agg *tree, rdbl_source *src, unsigned flags,
                              rdbl_error *err);
/* inputs: how many inputs were learnt (a name with at most that many keys
 * is a single key). */
rdbl_status rdbl__rplan_make(rdbl__rplan **out, const rdbl_prefix_agg *tree, uint64_t inputs);
void rdbl__rplan_free(rdbl__rplan *p);
/* Segment s[0..n) below row *row: RPLAN_KEEP (a literal row, *row moves
 * to it; RPLAN_SHAPE when that row is beside a '*': variable if its own
 * shape folds), RPLAN_STARS (the parts under the '*'s of lab[0..ln) are variable,
 * *row moves to that row) or RPLAN_LOST (no row: this segment and all
 * after it are variable). */
rdbl__rplan_step rdbl__rplan_next(const rdbl__rplan *p, uint32_t *row, const uint8_t *s,
                                  size_t n, const uint8_t **lab, size_t *ln);
/* Segments the plan knows (later ones are variable). */
unsigned rdbl__rplan_depth(void);

/* A function library's name and engine: given directly by FUNCTION_PRE_GA
 * records, or read from the "#!<engine> name=<lib>" shebang of FUNCTION2
 * code. Writes NUL-terminated, escaped strings (empty when unknown). */
void rdbl__function_names(rdbl_str code, rdbl_str name, rdbl_str engine, char *name_out,
                          size_t name_cap, char *engine_out, size_t engine_cap);

/* Aggregation in a second thread (src/analysis/aggq.c): facts are copied
 * into batches and added by a consumer thread in arrival order, so the
 * aggregate equals the single-threaded one. Between rdbl__aggq_sync() and
 * the next add, the caller may use the aggregate directly. */
typedef struct rdbl__aggq rdbl__aggq;
/* Starts the consumer. @return NULL when it cannot (then aggregate inline). */
rdbl__aggq *rdbl__aggq_start(rdbl_agg *agg);
/* The same, the consumer calling fn(user, fact) for each fact in order
 * instead of adding to an aggregate; fn's first error stops it. */
typedef rdbl_status (*rdbl__aggq_fn)(void *user, const rdbl_key_facts *f);
rdbl__aggq *rdbl__aggq_start_fn(rdbl__aggq_fn fn, void *user);
/* Queues a copy of f (borrowed). @return RDBL_OK, or the first error an
 * add returned (then nothing more is aggregated). */
rdbl_status rdbl__aggq_add(rdbl__aggq *q, const rdbl_key_facts *f);
/* Waits until everything queued is aggregated. @return the first error. */
rdbl_status rdbl__aggq_sync(rdbl__aggq *q);
/* Syncs, stops the thread and frees q (NULL is fine). @return the first error. */
rdbl_status rdbl__aggq_finish(rdbl__aggq *q);

/* Value digests (src/analysis/diff_digest.c): a 64-bit fingerprint of a
 * key's value fed from its value events. Begin with the key's type; feed
 * each element as items/bytes/numbers, then close it; end gives the digest.
 * A string is one element fed in chunks (closed by end). Elements of sets,
 * hashes and sorted sets are combined regardless of order. */
typedef struct rdbl__vdigest {
    uint64_t acc, h, tail, len, items;
    uint64_t eh, parts;           /* the current element's parts */
    unsigned ntail;
    bool unordered;
} rdbl__vdigest;
void rdbl__vd_begin(rdbl__vdigest *d, rdbl_type type);
/* The decimal text of v (at most 20 bytes). @return its length. */
size_t rdbl__vd_int_text(int64_t v, char buf[24]);
uint64_t rdbl__vd_end(rdbl__vdigest *d);
/* The per-element steps, inline (analysis/diff_digest.h):
 *   rdbl__vd_bytes(d, data, n), rdbl__vd_u64(d, v),
 *   rdbl__vd_item(d, it)   an item as length and bytes; an integer as its decimal text,
 *   rdbl__vd_close(d)      closes the element,
 *   rdbl__vd_elem(d, it)   rdbl__vd_item then rdbl__vd_close: an element of one item. */

/* The memory of the keys of a pattern tree that glob matches, from whole
 * patterns (src/analysis/check_base.c). @return RDBL_OK, RDBL_NOMEM, or
 * RDBL_USAGE when the tree cannot tell (why says so). */
rdbl_status rdbl__tree_glob_sum(const rdbl_prefix_agg *t, const char *glob, uint64_t *sum,
                                char *why, size_t cap);

#endif

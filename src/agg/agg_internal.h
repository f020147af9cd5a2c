/* Internals shared by the aggregators (src/agg/): normalized options, the
 * bounded key-entry heap, hashing, JSON helpers. Not installed. */
#ifndef RDBL_AGG_INTERNAL_H
#define RDBL_AGG_INTERNAL_H

#include <jansson.h>
#include <stdlib.h>

#include "internal.h"
#include "rdblens/agg.h"


/* Options with every default filled in and the delimiters copied. */
typedef struct rdbl__aopts {
    rdbl_agg_opts o;          /* o.delimiters points at delims */
    char delims[16];
} rdbl__aopts;

/* Fills *out from in (NULL = defaults). */
void rdbl__aopts_norm(rdbl__aopts *out, const rdbl_agg_opts *in);
/* Writes the normalized options as a JSON object / reads them back (missing
 * members keep their defaults). */
json_t *rdbl__aopts_to_json(const rdbl_agg_opts *o);
void rdbl__aopts_from_json(rdbl__aopts *out, const json_t *j);

/* The family of a key for advice: up to two segments split at delims, each
 * folded as the prefix tree folds it, stopping after an id ("session:*");
 * ":*" marks a longer key ("cache:page:*"). Escaped, NUL-terminated. */
void rdbl__key_family(const char *delims, rdbl_str key, char *out, size_t cap);

/* Keeps a rare path out of line, so the common one needs no frame. */
#define RDBL__AGG_OUTLINE __attribute__((noinline))

/* ---- bounded heap of key entries (src/agg/heap.c) -------------------------
 * Keeps the cap best entries: score desc, score2 desc, then db, key bytes and
 * every other field, so the kept set and its order never depend on the
 * order of arrival. The root is the worst entry kept. */
typedef struct rdbl__kheap {
    rdbl_key_entry *e;
    size_t n, cap;
    uint64_t floor; /* an offer scoring below this cannot get in: the root's
                       score once full, 0 before, UINT64_MAX without room */
} rdbl__kheap;

/* Recomputes score/score2/detail of an entry read back from JSON. */
typedef void (*rdbl__rescore_fn)(rdbl_key_entry *e);

rdbl_status rdbl__kheap_init(rdbl__kheap *h, size_t cap);
void rdbl__kheap_free(rdbl__kheap *h);
/* rdbl__kheap_offer() past the floor check. */
rdbl_status rdbl__kheap_offer_slow(rdbl__kheap *h, const rdbl_key_facts *f, uint64_t score,
                                   uint64_t score2, uint64_t detail);
/* Offers the key of f with these scores; copies it only if it gets in.
 * Inline: most keys lose on score alone, a compare at the caller's site
 * (5-6 offers a key: a call each cost more than the test). */
static inline rdbl_status rdbl__kheap_offer(rdbl__kheap *h, const rdbl_key_facts *f,
                                            uint64_t score, uint64_t score2, uint64_t detail)
{
    if (score < h->floor)
        return RDBL_OK;
    return rdbl__kheap_offer_slow(h, f, score, score2, detail);
}
rdbl_status rdbl__kheap_offer_entry(rdbl__kheap *h, const rdbl_key_entry *e);
rdbl_status rdbl__kheap_merge(rdbl__kheap *dst, const rdbl__kheap *src);
/* Best first. @return the number written. */
size_t rdbl__kheap_sorted(const rdbl__kheap *h, const rdbl_key_entry **out, size_t cap);
/* Best-first JSON array of the entries; with_detail adds "detail". */
json_t *rdbl__kheap_to_json(const rdbl__kheap *h, const char *detail_name);
rdbl_status rdbl__kheap_add_json(rdbl__kheap *h, const json_t *arr, rdbl__rescore_fn rescore,
                                 const char *detail_name, rdbl_error *err);
/* -1 when a ranks before b. */
int rdbl__entry_cmp(const rdbl_key_entry *a, const rdbl_key_entry *b);

/* ---- hashing --------------------------------------------------------------- */
static inline uint64_t rdbl__mix64(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

/* ---- JSON helpers ------------------------------------------------------------ */
/* An integer member value; counts never exceed INT64_MAX in practice, and
 * are clamped if they do. */
static inline json_t *rdbl__ju(uint64_t v)
{
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}
/* Sets obj[name] = v (stolen). @return 0, -1 when out of memory. */
int rdbl__jset(json_t *obj, const char *name, json_t *v);
static inline int rdbl__jset_u(json_t *obj, const char *name, uint64_t v)
{
    return rdbl__jset(obj, name, rdbl__ju(v));
}
/* An escaped-bytes JSON string. */
json_t *rdbl__jkey(const uint8_t *p, size_t len);

/* Readers: fail with RDBL_CORRUPT and err naming the member. A missing
 * member reads as 0 / default unless the getter says otherwise. */
rdbl_status rdbl__jget_u64(const json_t *obj, const char *name, uint64_t *out,
                           rdbl_error *err);
rdbl_status rdbl__jget_i64(const json_t *obj, const char *name, int64_t *out, int64_t dflt,
                           rdbl_error *err);
/* A string member, unescaped into a new malloc'd buffer (NUL added). */
rdbl_status rdbl__jget_key(const json_t *obj, const char *name, uint8_t **out, size_t *len,
                           rdbl_error *err);
/* A plain string member copied into buf (truncated, NUL-terminated); "" if missing. */
rdbl_status rdbl__jget_str(const json_t *obj, const char *name, char *buf, size_t cap,
                           rdbl_error *err);
/* counts: {"keys":..,"memory_bytes":..} */
json_t *rdbl__count_to_json(const rdbl_count *c);
rdbl_status rdbl__count_from_json(const json_t *j, rdbl_count *c, const char *what,
                                  rdbl_error *err);

bool rdbl__type_from_name(const char *s, rdbl_type *out);

/* ---- streaming JSON writer (src/agg/jsonw.c) ---------------------------------
 * Writes what json_dumpf() would write for the same values, with
 * JSON_INDENT(indent) (or JSON_COMPACT when indent is 0) and
 * JSON_REAL_PRECISION(real_precision), without building the tree. Used for
 * the big report members (prefix tree, expiry minutes). Errors are sticky:
 * rdbl__jw_finish() says whether anything failed. */
#define RDBL__JW_MAXDEPTH 64

typedef struct rdbl__jw {
    FILE *out;
    unsigned indent;
    unsigned precision;
    unsigned depth;                     /* containers open */
    bool after_key;                     /* a key was written; its value comes next */
    int err;                            /* first errno-like failure, 0 = none */
    uint8_t nonempty[RDBL__JW_MAXDEPTH]; /* the container at each depth has items */
    size_t len;
    char buf[64 * 1024];
} rdbl__jw;

void rdbl__jw_init(rdbl__jw *w, FILE *out, unsigned indent, unsigned real_precision);
void rdbl__jw_obj_begin(rdbl__jw *w);
void rdbl__jw_obj_end(rdbl__jw *w);
void rdbl__jw_arr_begin(rdbl__jw *w);
void rdbl__jw_arr_end(rdbl__jw *w);
/* A member's key (plain text, NUL-terminated); its value must follow. */
void rdbl__jw_key(rdbl__jw *w, const char *key);
void rdbl__jw_str(rdbl__jw *w, const char *s, size_t n);
/* Raw bytes escaped as rdbl_escape_bytes does (what rdbl__jkey holds). */
void rdbl__jw_escaped(rdbl__jw *w, const uint8_t *p, size_t n);
void rdbl__jw_i64(rdbl__jw *w, int64_t v);
/* Clamped to INT64_MAX, as rdbl__ju does. */
void rdbl__jw_u64(rdbl__jw *w, uint64_t v);
/* A member with an integer value: "key": v. */
void rdbl__jw_key_u64(rdbl__jw *w, const char *key, uint64_t v);
void rdbl__jw_bool(rdbl__jw *w, bool v);
void rdbl__jw_null(rdbl__jw *w);
/* A jansson value (borrowed); NULL marks the writer failed (out of memory). */
void rdbl__jw_json(rdbl__jw *w, const json_t *v);
/* Flushes. @return 0, or -1 when building or writing failed. */
int rdbl__jw_finish(rdbl__jw *w);

/* ---- sample compression (src/agg/advice.c) ------------------------------------
 * The compressibility advice compresses a sample of large strings with LZ4
 * and zlib (deflate, default level). The sizes depend on the sample alone,
 * so another thread may compute them ahead (see src/analysis/aggq.c). */
typedef struct rdbl__sample_sizes {
    size_t lz4, zlib;
    bool known;
} rdbl__sample_sizes;
typedef struct rdbl__compressor rdbl__compressor;
rdbl__compressor *rdbl__compressor_new(void);
void rdbl__compressor_free(rdbl__compressor *c);
/* The sample bytes the advice compresses (a prefix of f->sample). */
size_t rdbl__sample_len(const rdbl_key_facts *f);
/* Whether the advice would compress f's sample (budget permitting). */
bool rdbl__advice_samples(const rdbl_agg_opts *o, const rdbl_key_facts *f);
void rdbl__compress_sizes(rdbl__compressor *c, const rdbl_key_facts *f, rdbl__sample_sizes *out);
/* Asked for the sizes of f's sample when the advice is about to compress
 * it: fills *out (known = true) if they were computed ahead. */
typedef void (*rdbl__sizes_fn)(void *ctx, const rdbl_key_facts *f, rdbl__sample_sizes *out);
rdbl_status rdbl__advice_agg_add_sized(rdbl_advice_agg *a, const rdbl_key_facts *f,
                                       rdbl__sizes_fn sizes, void *ctx);

/* ---- batched adds -------------------------------------------------------------
 * A batch of facts is added in order, exactly as one rdbl_agg_add() each,
 * but with the memory the next keys will touch (prefix table slots and
 * nodes, the expiry-minute slot) prefetched a few keys ahead: on big dumps
 * these structures outgrow the caches and each key would otherwise wait for
 * several misses in a row. */

/* A key split at the delimiters and folded, with each segment's path hash.
 * A folded label is at most RDBL__FOLD_CAP bytes. */
#define RDBL__FOLD_CAP 64
typedef struct rdbl__prefix_prep {
    unsigned nseg;
    bool terminal;                /* the key ends within these segments */
    uint32_t exrank;              /* the key's rank as an example key (prefix.c) */
    struct {
        const uint8_t *lab;       /* into the key, or into buf[i] when folded */
        size_t len;
        uint32_t hash;
        uint32_t raw;             /* folded: the segment's own hash (values sketch), else 0 */
        uint8_t sep;
    } seg[16];
    uint8_t buf[16][RDBL__FOLD_CAP];
} rdbl__prefix_prep;

/* f's key is borrowed by x until the add. */
void rdbl__prefix_prepare(const rdbl_prefix_agg *p, const rdbl_key_facts *f, rdbl__prefix_prep *x);
/* Prefetches the table slots of x's segments; with nodes, the nodes those
 * (already fetched) slots point at. Only a hint: correct at any time. */
void rdbl__prefix_prefetch(const rdbl_prefix_agg *p, const rdbl__prefix_prep *x, bool nodes);
/* The exact top keys whose big keys the pattern view names beside a "*"
 * (prefix.c, carve_big); t outlives p. Drops the view. */
void rdbl__prefix_set_big(rdbl_prefix_agg *p, const rdbl_top_agg *t);
/* rdbl_prefix_agg_add() with the key already prepared. */
rdbl_status rdbl__prefix_add_prep(rdbl_prefix_agg *p, const rdbl_key_facts *f,
                                  const rdbl__prefix_prep *x);
void rdbl__ttl_prefetch(const rdbl_ttl_agg *t, const rdbl_key_facts *f);
/* rdbl_tables_agg_add() in two steps: the rows and the summary totals of
 * deferred keys are only right after the flush (a batch flushes once). */
rdbl_status rdbl__tables_agg_add_deferred(rdbl_tables_agg *t, const rdbl_key_facts *f);
rdbl_status rdbl__tables_agg_flush(rdbl_tables_agg *t);
/* Adds f[0..n) in order. sizes (may be NULL) is asked for sample sizes
 * computed ahead. @return the first error (the facts after the failing one
 * are not added). */
rdbl_status rdbl__agg_add_batch(rdbl_agg *a, const rdbl_key_facts *f, size_t n,
                                rdbl__sizes_fn sizes, void *ctx);

/* Streamed members (same bytes as dumping the *_to_json objects). */
void rdbl__prefix_agg_write(const rdbl_prefix_agg *p, rdbl__jw *w);
void rdbl__ttl_agg_write(const rdbl_ttl_agg *t, rdbl__jw *w);
/* Readers of the same members, piece by piece (src/report/json_read.c
 * streams a report through them; rdbl_*_add_json use them on whole trees).
 * Prefix tree: the root's own members (totals, "folds"), then each node
 * object without its "children" (*descend: whether its children go under
 * it, i.e. it is not an "(other)" node), then rdbl__prefix_json_done()
 * to fold back to the budget. */
#define RDBL__PREFIX_JSON_DEPTH 17
rdbl_status rdbl__prefix_json_root(rdbl_prefix_agg *p, const json_t *root, rdbl_error *err);
rdbl_status rdbl__prefix_json_node(rdbl_prefix_agg *p, uint32_t parent, const json_t *node,
                                   uint32_t *id, bool *descend, rdbl_error *err);
/* A whole "children" array (depth = the parent's depth in the JSON). */
rdbl_status rdbl__prefix_json_children(rdbl_prefix_agg *p, uint32_t parent, const json_t *kids,
                                       unsigned depth, rdbl_error *err);
rdbl_status rdbl__prefix_json_done(rdbl_prefix_agg *p);
/* One [unix_minute, keys, memory_bytes] row of ttl.expiry_minutes.minutes. */
rdbl_status rdbl__ttl_json_minute(rdbl_ttl_agg *t, const json_t *row, rdbl_error *err);

/* rdbl_agg_to_json() with the "prefixes" and "ttl" members set to null
 * (placeholders at their places: write them with the functions above). */
json_t *rdbl__agg_to_json_light(const rdbl_agg *a);

/* Saturating add: counters never wrap. */
static inline uint64_t rdbl__sadd(uint64_t a, uint64_t b)
{
    uint64_t r = a + b;
    return r < a ? UINT64_MAX : r;
}

/* The in-memory encoding of f, never NULL. */
static inline const char *rdbl__mem_enc(const rdbl_key_facts *f)
{
    return f->mem_encoding ? f->mem_encoding : rdbl_encoding_name(f->encoding);
}

/* Adds the tree's derived advice (families, cache prefixes) and the TTL
 * clusters to a list being built (src/agg/advice.c uses these). */
typedef struct rdbl__advice_ctx {
    const rdbl_agg_opts *o;
    const rdbl_prefix_agg *prefix;
    const rdbl_ttl_agg *ttl;
    const rdbl_access_agg *access;
    const rdbl_tables_agg *tables;
    const rdbl_advice_agg *state;
} rdbl__advice_ctx;

rdbl_status rdbl__advice_build(const rdbl__advice_ctx *c, rdbl_advice_list *out);

#endif

/* rdblens: the memory model. Estimates, for each key of an RDB file, the
 * number `MEMORY USAGE key SAMPLES 0` would print on a server that holds the
 * data, for a chosen server version ("target") and allocator, plus
 * reconciled INFO-like totals. The rules are those of
 * ../shared/docs/memory-model.md (redis/redis src/object.c
 * objectComputeSize(), src/rdb.c rdbLoadObject(), valkey-io/valkey likewise).
 *
 * How it is used:
 *
 *     rdbl_mem_config cfg;
 *     rdbl_mem_config_init(&cfg, "auto", &err);        // or "redis-7.0" ...
 *     rdbl_mem_config_set(&cfg, "allocator", "jemalloc-q16", &err);
 *     rdbl_memmodel *mm = rdbl_memmodel_new(&cfg, &err);
 *     const rdbl_events *ev = rdbl_memmodel_events();  // user = mm
 *     // forward every parser event: ev->on_begin_key(mm, k) ...
 *     // after each on_end_key: rdbl_memmodel_last(mm, &est)
 *     // at the end: rdbl_memmodel_totals(mm, &tot)
 *     rdbl_memmodel_free(mm);
 *
 * The model is pure and deterministic: the same events and configuration give
 * the same numbers. It allocates nothing per key or per element (streams' radix
 * trees are counted with a fixed-size stack), and it never needs decompressed
 * payloads: lengths, the bytes of short elements (to decide integer
 * encodings), blob sizes and stream IDs are enough.
 *
 * Which events it needs, per key (on_begin_key says it):
 * - on_begin_key returns RDBL_SKIP when no item event is needed: an
 *   LZF-compressed string (priced from on_end_key's value_bytes), a vendor
 *   type, or a key whose value is verbatim blobs (intset, listpack, listpackex,
 *   quicklist-2 nodes). It still reads on_blob for those keys (the parser
 *   sends blob sizes for skipped keys too); when the target converts such a
 *   blob (a count over the loader's threshold) it reads the entries from the
 *   blob's bytes. Without them (fast parse, LZF blob not decoded) the
 *   estimate falls back to the statistics and is marked `approximate`.
 * - otherwise it reads on_string, the element events (the bytes of elements
 *   up to 20 bytes, the lengths of the others), on_blob, on_module and the
 *   stream metadata, group, PEL and consumer events. Never on_stream_entry.
 *
 * Verification (see rdbl_mem_target_verified and the README): the profiles
 * marked verified were checked against servers built from their release tags
 * (and Debian's 7.0.15) on real datasets, live and reloaded; the others follow
 * the servers' sources and ../shared/docs/memory-model.md §8, and
 * rdbl_mem_target_note says so. redis-8.0 is not modelled beyond the 7.4
 * rules.
 *
 * Ownership: the config is a plain value the caller owns; rdbl_memmodel_new
 * copies it. Estimates and totals are filled into caller-owned structs; their
 * strings point to static storage or into the struct itself. */
#ifndef RDBLENS_MEMMODEL_H
#define RDBLENS_MEMMODEL_H

#include "rdblens/common.h"
#include "rdblens/parser.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Server versions with a profile. X(name, text, verified) where verified is
 * 1 when the profile has been checked against a real server. */
#define RDBL_MEM_TARGET_LIST(X)                                               \
    X(REDIS_6_2, "redis-6.2", 1)                                              \
    X(REDIS_7_0, "redis-7.0", 1)                                              \
    X(REDIS_7_2, "redis-7.2", 1)                                              \
    X(REDIS_7_4, "redis-7.4", 1)                                              \
    X(REDIS_8_0, "redis-8.0", 0)                                              \
    X(VALKEY_7_2, "valkey-7.2", 0)                                            \
    X(VALKEY_8_0, "valkey-8.0", 0)                                            \
    X(VALKEY_8_1, "valkey-8.1", 0)                                            \
    X(VALKEY_9_0, "valkey-9.0", 0)

typedef enum rdbl_mem_target {
    RDBL_TARGET_AUTO = 0, /* decided from the file's AUX fields and RDB version */
#define RDBL__MT(name, text, verified) RDBL_TARGET_##name,
    RDBL_MEM_TARGET_LIST(RDBL__MT)
#undef RDBL__MT
    RDBL_TARGET__COUNT
} rdbl_mem_target;

/* "auto", "redis-7.0"... Never NULL. */
const char *rdbl_mem_target_name(rdbl_mem_target t);
/* 1 when this build has checked the profile against a real server's
 * MEMORY USAGE, 0 when it follows the server's source only. */
int rdbl_mem_target_verified(rdbl_mem_target t);
/* For a profile that is not verified: the sentence that says its estimates
 * are approximate and why; NULL for a verified one (and for "auto"). */
const char *rdbl_mem_target_note(rdbl_mem_target t);

/* Allocator size classes J(n). */
typedef enum rdbl_allocator {
    RDBL_ALLOC_JEMALLOC = 0,  /* "jemalloc": jemalloc 5, quantum 8 (upstream builds, Docker) */
    RDBL_ALLOC_JEMALLOC_Q16,  /* "jemalloc-q16": quantum 16 (Debian/Ubuntu packages) */
    RDBL_ALLOC_LIBC,          /* "libc": glibc malloc_usable_size, x86-64 (not verified) */
} rdbl_allocator;

const char *rdbl_allocator_name(rdbl_allocator a);
#define RDBL_ALLOC__COUNT 3

/* How the allocator in use was chosen. */
typedef enum rdbl_alloc_source {
    RDBL_ALLOC_SRC_DEFAULT = 0, /* "default": jemalloc, nothing told otherwise */
    RDBL_ALLOC_SRC_OPTION,      /* "option": given by the user */
    RDBL_ALLOC_SRC_CALIBRATED,  /* "calibrated": clearly the closest to the file's used-mem */
} rdbl_alloc_source;

const char *rdbl_alloc_source_name(rdbl_alloc_source s);

/* Usable size of an n-byte request under allocator a (the J(n) of the doc). */
size_t rdbl_alloc_usable(rdbl_allocator a, size_t n);

typedef enum rdbl_mem_state {
    RDBL_MEM_LIVE = 0, /* the server that wrote the file: with the §6 live heuristics */
    RDBL_MEM_LOADED,   /* a fresh server that has just loaded the file */
} rdbl_mem_state;

/* The loading server's encoding thresholds. Names as in redis.conf. */
typedef struct rdbl_mem_thresholds {
    int64_t hash_max_listpack_entries; /* 512 */
    int64_t hash_max_listpack_value;   /* 64 */
    int64_t zset_max_listpack_entries; /* 128 */
    int64_t zset_max_listpack_value;   /* 64 */
    int64_t set_max_intset_entries;    /* 512 */
    int64_t set_max_listpack_entries;  /* 128 (7.2+) */
    int64_t set_max_listpack_value;    /* 64 (7.2+) */
    int64_t list_max_listpack_size;    /* -2: 8 KB per node; > 0: entries per node */
    int64_t list_compress_depth;       /* 0 (other values: the estimate is approximate) */
    int64_t stream_node_max_bytes;     /* 4096 */
    int64_t stream_node_max_entries;   /* 100 */
} rdbl_mem_thresholds;

typedef struct rdbl_mem_config {
    rdbl_mem_target target;    /* RDBL_TARGET_AUTO: resolved by the model from the file */
    rdbl_allocator allocator;  /* default RDBL_ALLOC_JEMALLOC */
    bool allocator_auto;       /* "auto" (the default): the caller calibrates (see
                                  rdbl_mem_calibrate) before creating the model */
    rdbl_alloc_source allocator_source;
    char allocator_reason[512]; /* one sentence: how the allocator was chosen */
    rdbl_mem_state state;      /* default RDBL_MEM_LIVE */
    bool cluster;              /* cluster-enabled: +16 B per key on 7.0/7.2 (source only) */
    bool no_shared_integers;   /* maxmemory set with an LRU/LFU policy: integers 0..9999 are
                                  not shared (changes the allocation totals only) */
    bool maxmemory_set;        /* from "maxmemory" (feeds no_shared_integers) */
    bool lru_lfu_policy;       /* from "maxmemory-policy" (likewise) */
    rdbl_mem_thresholds th;
    char warning[160];         /* filled when "auto" had to guess, or a named version
                                  has no profile of its own (redis-8.2); "" otherwise */
} rdbl_mem_config;

/* Fills cfg with the defaults for a target: "auto", "redis-7.0", ... (also
 * "redis-7.0.15", "valkey-8", "7.2": the closest profile). Defaults: jemalloc
 * quantum 8, live state, built-in thresholds, not cluster.
 * @return RDBL_OK or RDBL_USAGE (unknown target; err->msg says which). */
rdbl_status rdbl_mem_config_init(rdbl_mem_config *cfg, const char *target, rdbl_error *err);

/* Sets one option by name: "target", "allocator" (auto, jemalloc,
 * jemalloc-q8, jemalloc-q16, libc), "state" (live, loaded), "cluster-enabled" (yes/no),
 * "maxmemory", "maxmemory-policy", or a threshold by its redis.conf name
 * (hash-max-listpack-entries, or its alias hash-max-ziplist-entries, ...).
 * Values are parsed as redis does (yes/no, integers, memory units such as
 * 4kb for stream-node-max-bytes).
 * @return RDBL_OK or RDBL_USAGE (unknown name or bad value). */
rdbl_status rdbl_mem_config_set(rdbl_mem_config *cfg, const char *name, const char *value,
                                rdbl_error *err);

/* Reads the settings above from a redis.conf / valkey.conf. Lines it does not
 * know are ignored; `include` lines are followed (up to 8 levels deep).
 * @return RDBL_OK, RDBL_IO (cannot open; err names the file), or RDBL_USAGE
 *         (a known setting with a bad value; err->offset is the line number). */
rdbl_status rdbl_mem_config_read_redis_conf(rdbl_mem_config *cfg, const char *path,
                                            rdbl_error *err);

/* Picks a profile from what a file says about its writer. redis_ver and
 * valkey_ver are the AUX values (NULL if absent). Writes a warning into warn
 * (NUL-terminated, "" if the choice is certain). Never fails: it falls back
 * to the closest profile. */
rdbl_mem_target rdbl_mem_target_guess(int rdb_version, bool valkey_magic, const char *redis_ver,
                                      const char *valkey_ver, char *warn, size_t warn_cap);

/* ---- allocator calibration ---- */

/* What rdbl_mem_calibrate compares: for each allocator (indexed by
 * rdbl_allocator) the reconciled used_memory estimate of the whole file,
 * and the used-mem the writer recorded. */
typedef struct rdbl_mem_calibration {
    uint64_t used_memory_est[RDBL_ALLOC__COUNT];
    int64_t writer_used_mem;  /* -1: the file has no used-mem AUX field */
    double share;             /* share of the file the estimates were priced on
                                 (1: all of it; less: scaled up from a prefix) */
    double uncertainty;       /* relative uncertainty of that scaling (about two
                                 standard errors; 0 when share is 1): a pick must
                                 hold at every scale within it */
} rdbl_mem_calibration;

/* The candidate whose estimate is clearly the closest to used-mem, at
 * every scale within c->uncertainty; -1 when none is. */
int rdbl_mem_calibration_pick(const rdbl_mem_calibration *c);

/* Picks the allocator of cfg when cfg->allocator_auto: the candidate whose
 * estimate is clearly the closest to used-mem (RDBL_ALLOC_SRC_CALIBRATED),
 * else jemalloc (RDBL_ALLOC_SRC_DEFAULT). Writes cfg->allocator_reason
 * either way. c NULL: no calibration was possible; why says so ("standard
 * input cannot be read twice"). Without allocator_auto it only writes the
 * reason ("given with --allocator"). */
void rdbl_mem_calibrate(rdbl_mem_config *cfg, const rdbl_mem_calibration *c, const char *why);

/* ---- per key ---- */

typedef struct rdbl_mem_estimate {
    uint64_t bytes;             /* MEMORY USAGE-equivalent (rounded; the modelled value
                                   may be fractional for skiplists) */
    const char *encoding;       /* in-memory encoding on the target: "int", "embstr",
                                   "raw", "listpack", "listpackex", "intset", "hashtable",
                                   "quicklist", "skiplist", "ziplist", "stream", "module" */
    /* Breakdown: bytes = key + data + overhead + rounding. */
    uint64_t key_bytes;         /* the key's own bytes */
    uint64_t data_bytes;        /* the value's payload: string length, sum of element lengths
                                   (integers as decimal text), stream node bytes */
    int64_t overhead_bytes;     /* headers and structs (robj, dict, entries, nodes, sds and
                                   listpack headers); negative when an encoding is smaller
                                   than the text it holds (integers in a listpack) */
    uint64_t rounding_bytes;    /* allocator rounding, J(n) - n, over the counted allocations */
    uint64_t expire_bytes;      /* NOT in bytes: the expires-dict entry this key costs
                                   (0 without a TTL), for totals and advice */
    uint64_t alloc_bytes;       /* estimate of the real allocations (structs rounded, shared
                                   integers free, real radix-tree nodes, expire entry);
                                   used for the used_memory estimates */
    bool modelled;              /* false for module values: bytes is the serialized size */
    bool approximate;           /* an input the model needs was missing or out of order */
    /* Advice: the size in the compact encoding (listpack / intset) if the
     * thresholds allowed it, 0 when not applicable (already compact, or not
     * possible); and the redis.conf lines that would allow it. */
    uint64_t compact_bytes;
    char compact_config[96];    /* e.g. "hash-max-listpack-value 128"; "" if none */
} rdbl_mem_estimate;

typedef struct rdbl_memmodel rdbl_memmodel;

/* Creates a model. The config is copied.
 * @return the model (free with rdbl_memmodel_free), or NULL with err filled
 *         (RDBL_NOMEM, or RDBL_USAGE for an invalid config). */
rdbl_memmodel *rdbl_memmodel_new(const rdbl_mem_config *cfg, rdbl_error *err);
void rdbl_memmodel_free(rdbl_memmodel *m);

/* The handler table. Every handler takes the model as its `user` argument:
 * pass the model to rdbl_parse(), or call the handlers with it when another
 * component forwards the events. The table is static (never free it). Events
 * the model does not use (on_stream_entry, on_function...) are NULL. */
const rdbl_events *rdbl_memmodel_events(void);

/* The estimate of the key whose on_end_key was the last one seen.
 * @return RDBL_OK, or RDBL_USAGE if no key has ended yet (out is zeroed). */
rdbl_status rdbl_memmodel_last(const rdbl_memmodel *m, rdbl_mem_estimate *out);

/* The configuration in use, with the target resolved once the first key (or
 * the end of the AUX fields) has been seen. Borrowed; valid until free. */
const rdbl_mem_config *rdbl_memmodel_config(const rdbl_memmodel *m);

/* ---- totals ---- */

typedef struct rdbl_mem_totals {
    uint64_t keys;
    uint64_t keys_with_expire;
    uint64_t keys_not_modelled;     /* module values */
    uint64_t keys_approximate;
    /* Sum of the per-key MEMORY USAGE-equivalents. Label it so: it is NOT the
     * server's memory (typically 7-30% above INFO used_memory_dataset). */
    uint64_t sum_mem_usage;
    /* Estimates of INFO memory figures (labelled estimates, memory-model.md
     * §1.3/§1.4): real allocations of the data, minus what INFO books as
     * overhead (40 B per key, 24 B per TTL, the dicts' bucket arrays). */
    uint64_t used_memory_dataset_est;
    uint64_t used_memory_overhead_est; /* startup + per-db dict overhead (no client or
                                          replication buffers) */
    uint64_t used_memory_est;          /* dataset + overhead */
    uint64_t startup_est;              /* the target's typical used_memory_startup */
    int64_t writer_used_mem;           /* the file's "used-mem" AUX field, -1 if absent */
} rdbl_mem_totals;

/* Totals over every key ended so far. Can be called at any time. */
void rdbl_memmodel_totals(const rdbl_memmodel *m, rdbl_mem_totals *out);

#ifdef __cplusplus
}
#endif
#endif

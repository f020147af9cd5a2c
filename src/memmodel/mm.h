/* Memory model internals shared by the files of src/memmodel/: allocator
 * size classes, the building blocks of memory-model.md §3 (sds, listpack,
 * ziplist, intset, dict tables and their rehash simulation, skiplist node
 * expectation, radix-tree node counting), and the per-version profiles.
 * Not installed. */
#ifndef RDBL_MEMMODEL_MM_H
#define RDBL_MEMMODEL_MM_H

#include "internal.h"
#include "rdblens/memmodel.h"

/* ---- model.c ---- */

/* rdbl_memmodel_last() without the copy (for the analysis pipeline, once
 * per key): the last key's estimate, borrowed until the next key's
 * on_end_key, or NULL before the first. */
const rdbl_mem_estimate *rdbl__memmodel_last_ref(const rdbl_memmodel *m);

/* ---- alloc.c: J(n) ---- */

/* jemalloc 5 usable size of an n-byte request; lg_q = 3 (quantum 8) or 4.
 * Inline: the model asks for several sizes per element. */
static inline size_t rdbl__je_usable(size_t n, unsigned lg_q)
{
    size_t q = (size_t)1 << lg_q;
    if (n <= 8)
        return 8;
    if (n <= 8 * q)
        return (n + q - 1) & ~(q - 1);
    if (n > ((size_t)1 << 62))
        return n; /* beyond any real request: keep the arithmetic defined */
    unsigned lg = 63u - (unsigned)__builtin_clzll((unsigned long long)(n - 1));
    size_t d = (size_t)1 << (lg - 2);
    return (n + d - 1) & ~(d - 1);
}
/* glibc malloc_usable_size on x86-64 (mmap threshold at its 128 KiB default). */
size_t rdbl__libc_usable(size_t n);

/* ---- blocks.c: building blocks ---- */

/* Integer test of one element as the server does it (string2ll): integer
 * items, or bytes in canonical decimal form. Items longer than 20 bytes
 * never are; an item whose bytes were not delivered (ptr NULL, !is_int) is
 * taken as not an integer. */
static inline bool rdbl__mm_item_int(const rdbl_item *it, int64_t *v)
{
    if (it->is_int) {
        *v = it->ival;
        return true;
    }
    if (!it->ptr || it->len == 0 || it->len > 20)
        return false;
    /* canonical decimal starts with '-' or a digit: most text members
     * ("user:1") end here without a call */
    if (it->ptr[0] != '-' && (unsigned)(it->ptr[0] - '0') > 9)
        return false;
    return rdbl__str_to_i64(it->ptr, it->len, v);
}

/* sds header size for an n-byte string. kind 0: Redis (sdsReqType by
 * 2^5/2^8/2^16/2^32); kind 1: Valkey 8.0+ (types fit hdr + n + 1 in the
 * type's range). Empty strings take the type-8 header (3). */
enum { RDBL__SDS_REDIS = 0, RDBL__SDS_VALKEY = 1 };
static inline size_t rdbl__sds_hdr(size_t n, int kind)
{
    if (n == 0)
        return 3;
    if (n < 32)
        return 1;
    if (kind == RDBL__SDS_VALKEY) {
        if (n <= 252)
            return 3;
        if (n <= 65530)
            return 5;
        if ((uint64_t)n <= 0xFFFFFFFFull - 9)
            return 9;
        return 17;
    }
    if (n < 256)
        return 3;
    if (n < 65536)
        return 5;
    if ((uint64_t)n <= 0xFFFFFFFFull)
        return 9;
    return 17;
}

/* Listpack entry sizes (encoding + data + backlen). */
static inline size_t rdbl__lp_backlen(size_t l)
{
    if (l <= 127)
        return 1;
    if (l < 16383)
        return 2;
    if (l < 2097151)
        return 3;
    if (l < 268435455)
        return 4;
    return 5;
}
static inline size_t rdbl__lp_int_entry(int64_t v)
{
    /* encoding + data: 1..9 bytes, so the backlen is 1 byte */
    if (v >= 0 && v <= 127)
        return 2;
    if (v >= -4096 && v <= 4095)
        return 3;
    if (v >= INT16_MIN && v <= INT16_MAX)
        return 4;
    if (v >= -8388608 && v <= 8388607)
        return 5;
    if (v >= INT32_MIN && v <= INT32_MAX)
        return 6;
    return 10;
}
static inline size_t rdbl__lp_str_entry(size_t len)
{
    size_t l;
    if (len < 64)
        l = 1 + len;
    else if (len < 4096)
        l = 2 + len;
    else
        l = 5 + len;
    return l + rdbl__lp_backlen(l);
}
static inline size_t rdbl__lp_item_entry(const rdbl_item *it)
{
    int64_t v;
    if (rdbl__mm_item_int(it, &v))
        return rdbl__lp_int_entry(v);
    return rdbl__lp_str_entry(it->len);
}
#define RDBL__LP_EMPTY 7u /* 6-byte header + EOF */
/* lpEstimateBytesRepeatedInteger (Redis 7.2 t_set.c): bytes of a listpack
 * holding n copies of an integer as wide as the widest of lo/hi. */
size_t rdbl__lp_estimate_repeated_int(int64_t lo, int64_t hi, uint64_t n);

/* Ziplist builder (Redis 6.2 in-memory hashes, zsets and list nodes). */
typedef struct rdbl__zl {
    uint64_t bytes;     /* total, header and end byte included */
    uint64_t prev_len;  /* total size of the last entry (0: none) */
} rdbl__zl;
/* An empty ziplist: the 10-byte header and the end byte (inline: two per key). */
static inline void rdbl__zl_init(rdbl__zl *z)
{
    z->bytes = 11;
    z->prev_len = 0;
}
void rdbl__zl_push_int(rdbl__zl *z, int64_t v);
void rdbl__zl_push_str(rdbl__zl *z, size_t len);
void rdbl__zl_push_item(rdbl__zl *z, const rdbl_item *it);

/* Intset member width: 2, 4 or 8. */
unsigned rdbl__intset_width(int64_t v);

/* Dict table size for n entries: max(4, next power of two >= n). */
uint64_t rdbl__dict_slots(uint64_t n);

/* Dict growth and incremental-rehash simulation (memory-model.md §5.3, §6.1)
 * in expectation: a rehash that starts with u entries in S old buckets needs
 * about B/(1-p^10) steps, B = S(1-(1-1/S)^u) non-empty buckets, p the share of
 * empty ones (a step gives up after 10 empty buckets). Pure arithmetic. */
typedef struct rdbl__dsim {
    uint64_t size0, size1; /* tables (size1 != 0 while rehashing) */
    uint64_t used;         /* entries in both tables */
    double need;           /* steps the current rehash needs */
    double steps;          /* steps done since it started */
} rdbl__dsim;
void rdbl__dsim_init(rdbl__dsim *d);
/* dictExpand(d, size) / dictTryExpand: ignored while rehashing, when size is
 * below the entries, or when the table would keep its size. */
void rdbl__dsim_expand(rdbl__dsim *d, uint64_t size);
/* count dictAdd calls, each preceded by steps rehash steps in total (1 for a
 * plain add, 2 for a find then an add). The adds grow the table as dictAdd
 * does (when entries >= size). */
void rdbl__dsim_add(rdbl__dsim *d, uint64_t count, unsigned steps);
/* Buckets counted by dictSlots(): both tables while rehashing. */
uint64_t rdbl__dsim_slots(const rdbl__dsim *d);


/* Streaming radix-tree node counter for 16-byte big-endian stream IDs fed in
 * ascending order (memory-model.md §3.7), with a stack bounded by the key
 * length. Also sums the real node sizes (for the allocation estimate). */
typedef struct rdbl__raxc {
    uint8_t prev[16];
    int lprev;              /* LCP of the previous pair, -1 before the second ID */
    int sp;                 /* stack depth */
    uint8_t depth[16];      /* open branching nodes: their depth (strictly increasing) */
    uint16_t kids[16];      /* and their child counts so far */
    uint64_t n;             /* IDs fed */
    uint64_t nodes;         /* nodes finished so far */
    uint64_t alloc;         /* sum of J(node size) of the finished nodes */
    bool unordered;         /* an ID was not greater than the previous one */
} rdbl__raxc;
typedef struct rdbl__alloc_ctx rdbl__alloc_ctx;
void rdbl__raxc_init(rdbl__raxc *r);
void rdbl__raxc_add(rdbl__raxc *r, const uint8_t id[16], const rdbl__alloc_ctx *a);
/* Finishes a copy: the node count of everything fed (1 when empty) and,
 * when alloc is not NULL, the sum of the real node allocations. */
uint64_t rdbl__raxc_nodes(const rdbl__raxc *r, const rdbl__alloc_ctx *a, uint64_t *alloc);
void rdbl__stream_id_bytes(rdbl_stream_id id, uint8_t out[16]);

/* The allocator in use, with J as a plain call. */
struct rdbl__alloc_ctx {
    rdbl_allocator kind;
    unsigned lg_q;
    /* jemalloc's quantum-spaced sizes 9..8q, most of the requests: J is
     * (n + q_mask) & ~q_mask when n - 9 < small_span (unsigned). Both 0
     * (libc, or not set): every size takes the general path. */
    size_t small_span, q_mask;
};
static inline void rdbl__alloc_ctx_init(rdbl__alloc_ctx *a, rdbl_allocator kind)
{
    a->kind = kind;
    a->lg_q = kind == RDBL_ALLOC_JEMALLOC_Q16 ? 4 : 3;
    size_t q = (size_t)1 << a->lg_q;
    a->small_span = kind == RDBL_ALLOC_LIBC ? 0 : 8 * q - 8;
    a->q_mask = kind == RDBL_ALLOC_LIBC ? 0 : q - 1;
}
static inline size_t rdbl__J(const rdbl__alloc_ctx *a, size_t n)
{
    if (RDBL_LIKELY(n - 9 < a->small_span))
        return (n + a->q_mask) & ~a->q_mask;
    if (RDBL_LIKELY(a->kind != RDBL_ALLOC_LIBC))
        return rdbl__je_usable(n, a->lg_q);
    return rdbl__libc_usable(n);
}
size_t rdbl__J_cb(const void *ctx, size_t n);

/* Expected skiplist node allocation sum_L P(L) J(24 + 16 L), levels capped
 * at maxlevel (32), p = 1/4 (zslRandomLevel). */
double rdbl__skiplist_enode(const rdbl__alloc_ctx *a, unsigned maxlevel);

/* (size_t)((double)asize + (double)elesize / samples * count), the float
 * arithmetic objectComputeSize does when it extrapolates from samples (with
 * SAMPLES 0 every element is a sample, but the truncation stays). */
uint64_t rdbl__scaled_sum(uint64_t asize, uint64_t elesize, uint64_t samples, uint64_t count);

/* d2string()'s text for a zset score, written into buf (up to cap bytes);
 * returns its length. style 0 (Redis 6.2): integral values in (-2^52, 2^52)
 * as integers, else %.17g; 1 (7.0): integral values within +-LLONG_MAX/2,
 * else %.17g; 2 (7.2+, Valkey): as 1, else fpconv_dtoa's shortest form. */
enum { RDBL__SCORE_62 = 0, RDBL__SCORE_70 = 1, RDBL__SCORE_SHORT = 2 };
size_t rdbl__score_text(double score, int style, char *buf, size_t cap);
/* The length of printf("%.17g", x) without writing it, for x in the exact
 * integer path's range (1e-5 <= |x| < 2^74, x != 0); 0 otherwise. */
size_t rdbl__score_g17_len(double x);

/* ---- target.c: per-version profiles ---- */

enum rdbl__keymodel {
    RDBL__KEY_SDS = 0,   /* dictEntry 24 + sds key (Redis <= 7.4, Valkey 7.2) */
    RDBL__KEY_VK_ENTRY,  /* Valkey 8.0: key embedded in the dict entry */
    RDBL__KEY_VK_ROBJ,   /* Valkey 8.1+: key (and TTL) embedded in the robj */
    RDBL__KEY_KVOBJ,     /* Redis 8.0: key embedded in the kvobj */
};

typedef struct rdbl__profile {
    rdbl_mem_target target;
    int sds_kind;            /* RDBL__SDS_* */
    int key_model;           /* RDBL__KEY_* */
    bool ziplist;            /* 6.2: ziplists, raw blob lengths in MEMORY USAGE */
    bool lp_sets;            /* 7.2+: listpack sets */
    bool lp_lists;           /* 7.2+: listpack lists */
    bool set_midrehash;      /* 7.0: type-2 set converted mid-load leaves a rehash */
    bool hfe;                /* 7.4+: hash field TTLs, mstr fields, listpackex */
    bool vk_set_entries;     /* Valkey 8.0: set members counted by bucket collisions */
    bool vk_hashtable;       /* Valkey 8.1+: new hashtable for sets/hashes/zsets */
    int score_style;         /* RDBL__SCORE_* */
    bool zset_presize;       /* 7.2+: listpack->skiplist conversion presizes the dict */
    bool plain_large;        /* 7.4+: elements over the node limit become PLAIN nodes */
    bool live_rehash;        /* the §6.1 live rehash heuristics apply (6.2..7.2) */
    unsigned cluster_key;    /* MEMORY USAGE bytes per key in cluster mode */
    unsigned dict_struct;    /* sizeof(dict) */
    unsigned ht_struct;      /* Valkey 8.1+: sizeof(hashtable) */
    unsigned ql_struct;      /* sizeof(quicklist) */
    unsigned ql_node;        /* sizeof(quicklistNode) */
    unsigned stream_struct, cg_struct, consumer_struct, nack_struct;
    uint64_t startup;        /* typical used_memory_startup */
} rdbl__profile;

const rdbl__profile *rdbl__profile_get(rdbl_mem_target t);

#endif

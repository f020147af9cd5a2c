/* The memory model object and its per-key state, shared by model.c (events),
 * price.c (per-type formulas) and totals.c. Not installed. */
#ifndef RDBL_MEMMODEL_MODEL_H
#define RDBL_MEMMODEL_MODEL_H

#include <stddef.h>
#include <string.h>

#include "memmodel/mm.h"

#define RDBL__QL_RING 64 /* list-compress-depth handled exactly up to this depth */

/* Keeps a rarely used helper out of a hot caller's stack frame. */
#if defined(__GNUC__)
#define RDBL__MM_NOINLINE __attribute__((noinline))
#else
#define RDBL__MM_NOINLINE
#endif

/* Everything one key's events leave behind. Fixed size: no allocation.
 * Reset in three parts (on_begin_key): the head for every key, the element
 * part for every key but strings (two thirds of the keys of a typical dump,
 * which need the head only), the big parts on first use. */
typedef struct mmkey {
    /* ---- head: reset for every key ---- */
    bool active;
    bool has_expire;
    bool approx;         /* something the model needs was missing */
    bool skipped;        /* on_begin_key said RDBL_SKIP: only blob events come */
    rdbl_type type;
    rdbl_encoding enc;   /* as stored in the file */
    int rdb_type;
    unsigned parts;      /* MMKEY_RING | MMKEY_STREAM: big parts reset for this key */
    size_t keylen;

    /* strings */
    bool str_seen, str_int;
    uint8_t str_buf[21];
    int64_t str_ival;
    uint64_t str_len;
    size_t str_have;

    /* modules */
    bool module_seen;
    uint64_t module_bytes;

    uint64_t payload;      /* sum of element lengths */

    /* ---- elements: reset for every key but strings (mmkey_elements) ---- */
    /* elements (members, fields+values, list items) */
    uint64_t n;            /* elements (pairs for hashes and zsets) */
    uint64_t maxlen;       /* longest element (hashes: longest field or value) */
    uint64_t sds_sum;      /* sum of J(sds) over the strings a hashtable would hold */
    uint64_t sds_req_sum;  /* the same, requested sizes */
    uint64_t lp_bytes;     /* listpack holding the elements (zsets: member+score) */
    uint64_t lp2_bytes;    /* zsets from ziplists: with the loader's score text */
    uint64_t lpex_bytes;   /* hashes: listpackex (field, value, ttl triplets) */
    rdbl__zl zl;           /* 6.2: ziplist holding the elements */
    bool all_int, have_int;
    int64_t imin, imax;         /* over integer members */
    int64_t pre_min, pre_max;   /* over the integers before the first non-integer */
    uint64_t pre_lp;            /* listpack bytes of the members before it */
    uint64_t first_nonint;      /* index of the first non-integer member */
    uint64_t first_long;        /* hashes: first pair over hash-max-listpack-value */
    uint64_t first_lp_break;    /* sets (7.2+): first member that ends the listpack */
    uint64_t ttl_fields;        /* hash fields with a TTL */
    uint64_t vk_entries;        /* Valkey 8.1+: sum of hash entry allocations */
    bool items_unused;

    /* lists */
    uint64_t node_items, node_expect;
    uint64_t node_lp;      /* listpack bytes of the node being built */
    rdbl__zl node_zl;      /* 6.2: ziplist bytes of the node being built */
    bool node_plain;
    uint64_t node_plain_len;
    uint64_t nodes, plain_nodes;
    uint64_t node_sum;     /* sum of (sizeof(quicklistNode) + node allocation) */
    uint64_t node_alloc;   /* the same with the struct rounded */
    uint64_t node_raw;     /* sum of node bytes */
    uint64_t last_node_bytes, first_blob_size;

    /* verbatim blobs (intset, listpack, zipmap, ziplist) */
    bool got_blob;
    uint64_t blobs, blob_size, blob_count;

    /* ---- big parts (~900 bytes with them), used by one kind of key each:
     * reset on first use (mmkey_ring, mmkey_stream), which `parts` records */

    /* type-18 lists with list-compress-depth */
    int64_t ql_ring[RDBL__QL_RING]; /* compressed-node savings of the last nodes */

    /* streams */
    rdbl__raxc rax_nodes, rax_pel, rax_cpel;
    bool in_group, in_consumer, st_have_meta;
    uint64_t st_meta_nodes;
    uint64_t st_nodes, st_node_sum, st_node_raw, st_last_node;
    uint64_t st_groups, st_consumers, st_names, st_pel;
    uint64_t st_group_rax, st_cons_rax; /* R() sums */
    uint64_t st_group_real, st_cons_real; /* real radix-tree allocations */
    uint64_t st_alloc;                  /* real allocations of groups, consumers, PELs */
} mmkey;

enum { MMKEY_RING = 1u, MMKEY_STREAM = 2u };

/* The head of mmkey (reset for every key) and its element part. */
#define MMKEY_HEAD_SIZE offsetof(mmkey, n)
#define MMKEY_ELEMENTS_SIZE (offsetof(mmkey, ql_ring) - offsetof(mmkey, n))

/* Resets the element part for a key that is not a string. */
static inline void mmkey_elements(mmkey *s)
{
    memset(&s->n, 0, MMKEY_ELEMENTS_SIZE);
    s->first_nonint = UINT64_MAX;
    s->first_long = UINT64_MAX;
    s->first_lp_break = UINT64_MAX;
    s->all_int = true;
    s->lp_bytes = s->lp2_bytes = s->lpex_bytes = RDBL__LP_EMPTY;
    rdbl__zl_init(&s->zl);
    rdbl__zl_init(&s->node_zl);
}

/* The list-compress-depth ring of the current key, zeroed on first use. */
static inline int64_t *mmkey_ring(mmkey *s)
{
    if (!(s->parts & MMKEY_RING)) {
        memset(s->ql_ring, 0, sizeof s->ql_ring);
        s->parts |= MMKEY_RING;
    }
    return s->ql_ring;
}

/* The stream counters of the current key, reset on first use. */
static inline void mmkey_stream(mmkey *s)
{
    if (!(s->parts & MMKEY_STREAM)) {
        memset(&s->rax_nodes, 0, sizeof *s - offsetof(mmkey, rax_nodes));
        rdbl__raxc_init(&s->rax_nodes);
        rdbl__raxc_init(&s->rax_pel);
        rdbl__raxc_init(&s->rax_cpel);
        s->parts |= MMKEY_STREAM;
    }
}

/* Totals of one database, flushed when the database changes. */
typedef struct mmdb {
    uint64_t keys, expires;
} mmdb;

struct rdbl_memmodel {
    rdbl_mem_config cfg;
    const rdbl__profile *p;
    rdbl__alloc_ctx a;
    double enode;        /* expected skiplist node allocation */
    uint64_t enode_step; /* gcd of J(24 + 16 L) - J(40) over the levels */
    size_t j16, j24;     /* J(16) (robj), J(24) (dictEntry): asked for by most keys */
    uint64_t expire_entry; /* a TTL's cost in the expires dict (set by rdbl__mm_resolve) */
    bool resolved;

    /* what the file says about its writer */
    int rdb_version;
    bool valkey_magic;
    char redis_ver[32], valkey_ver[32];
    int64_t writer_used_mem;

    mmkey k;    rdbl_mem_estimate last;
    bool have_last;

    /* totals */
    uint64_t cur_db;
    bool db_seen;
    mmdb db;
    uint64_t t_keys, t_expires, t_not_modelled, t_approx;
    double t_sum;               /* sum of per-key estimates */
    double t_alloc;             /* sum of per-key allocation estimates */
    uint64_t t_dict_overhead;   /* INFO's per-db hashtable overhead, finished dbs */
};

void rdbl__mm_resolve(rdbl_memmodel *m);
/* totals.c: a new database starts (flushes the previous one's dict terms). */
void rdbl__mm_db_switch(rdbl_memmodel *m, uint64_t db);
/* Adds a finished key's estimate to the totals (see totals.c). */
static inline void rdbl__mm_totals_add(rdbl_memmodel *m, const rdbl_mem_estimate *e,
                                       bool has_expire)
{
    m->t_keys++;
    m->db.keys++;
    if (has_expire) {
        m->t_expires++;
        m->db.expires++;
    }
    if (!e->modelled)
        m->t_not_modelled++;
    if (e->approximate)
        m->t_approx++;
    m->t_sum += (double)e->bytes;
    m->t_alloc += (double)e->alloc_bytes;
}
/* price.c: prices the finished key into m->last and adds it to the totals. */
void rdbl__mm_price(rdbl_memmodel *m, const rdbl_key_info *k, const rdbl_key_stats *st);
/* price.c: requested bytes of a hash field string on the target. */
uint64_t rdbl__mm_field_req(const rdbl_memmodel *m, uint64_t len, bool has_ttl);
/* model.c: the advice line. */
void rdbl__mm_advice(char *out, size_t cap, const char *n1, uint64_t v1, const char *n2,
                     uint64_t v2);

#endif

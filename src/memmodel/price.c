/* Per-type pricing: turns a finished key's state into the target's
 * MEMORY USAGE-equivalent (memory-model.md §4.2 for the formulas, §5 for the
 * encoding the loading server chooses, §6 for the live heuristics, §8 for
 * the later versions).
 *
 *     per key  = key terms (dictEntry + key sds, or the target's embedded form)
 *              + value (robj + encoding structures + allocations)
 *
 * Every allocation goes through J(); struct sizes are counted as sizeof, as
 * objectComputeSize() does. Float sums follow its `asize += (double)elesize /
 * samples * count` (rdbl__scaled_sum). The "alloc" figures price the same
 * objects as really allocated (structs rounded, shared integers free, real
 * radix-tree nodes) for the INFO-like totals.
 *
 * The sums are integers: every term is a whole number of bytes, except the
 * expected bucket and entry counts of Valkey's tables (vk_ht_usage,
 * vk_set_entries; skiplist nodes are summed in doubles too). Those go to
 * separate double sums, added once at the end; they are each the only
 * contribution, or the last one, to their key's sum, so the result is the
 * double sum this file used to compute term by term, to the bit (integer
 * terms are exact in doubles below 2^53). */
#include <math.h>

#include "memmodel/model.h"

typedef struct price {
    uint64_t b;        /* MEMORY USAGE bytes of the value */
    int64_t r;         /* rounding inside b */
    uint64_t alloc;    /* real allocations of the value */
    double fb, falloc; /* non-integral parts of b and alloc (frac set) */
    bool frac;
    bool approx;
    const char *enc;
    uint64_t compact;  /* compact alternative (value part), 0 if none */
    /* the advice line's terms (rdbl__mm_advice), written out only when the
     * compact alternative is smaller than the key */
    const char *adv_n1, *adv_n2;
    uint64_t adv_v1, adv_v2;
} price;

static inline void price_init(price *p)
{
    p->b = p->alloc = 0;
    p->r = 0;
    p->frac = false;
    p->approx = false;
    p->enc = NULL;
    p->compact = 0;
}

static inline void price_advice(price *p, const char *n1, uint64_t v1, const char *n2,
                                uint64_t v2)
{
    p->adv_n1 = n1;
    p->adv_v1 = v1;
    p->adv_n2 = n2;
    p->adv_v2 = v2;
}

/* A non-integral part (see the file header): the only or the last term. */
static inline void price_frac(price *p, double b, double alloc)
{
    p->frac = true;
    p->fb = b;
    p->falloc = alloc;
}

/* (uint64_t)llround(x) for x > 0, without the libm call for x < 2^52:
 * there t = trunc(x) and x - t are exact (x's ulp divides 1), and llround
 * rounds half away from zero, so the result is t + (x - t >= 0.5). From
 * 2^52 on, x is integral: llround as before. */
static inline uint64_t round_pos(double x)
{
    if (x < 4503599627370496.0) {
        int64_t t = (int64_t)x; /* signed: one instruction each way */
        return (uint64_t)t + (x - (double)t >= 0.5 ? 1 : 0);
    }
    return (uint64_t)llround(x);
}

static inline size_t J(const rdbl_memmodel *m, uint64_t n)
{
    return rdbl__J(&m->a, (size_t)n);
}
/* J(n) into both the MEMORY USAGE sum and the rounding */
static inline void pj(price *p, const rdbl_memmodel *m, uint64_t n)
{
    size_t j = J(m, n);
    p->b += j;
    p->r += (int64_t)(j - n);
    p->alloc += j;
}
/* the robj: counted as sizeof, allocated as J(16) */
static inline void probj(price *p, const rdbl_memmodel *m)
{
    p->b += 16;
    p->alloc += m->j16;
}

static uint64_t sds_req(const rdbl_memmodel *m, uint64_t len)
{
    return rdbl__sds_hdr((size_t)len, m->p->sds_kind) + len + 1;
}

uint64_t rdbl__mm_field_req(const rdbl_memmodel *m, uint64_t len, bool has_ttl)
{
    if (!m->p->hfe)
        return sds_req(m, len);
    /* Redis 7.4 hash fields are mstr strings (src/mstr.h): a 1-, 3- or 9-byte
     * header (type-5 below 32 bytes, 16-bit length below 64 KiB), and with
     * a TTL an 16-byte ExpireMeta plus 2 bytes in front. */
    uint64_t h = len < 32 ? 1 : (len < 65536 ? 3 : 9);
    return (has_ttl ? 18 : 0) + h + len + 1;
}

static bool live(const rdbl_memmodel *m)
{
    return m->cfg.state == RDBL_MEM_LIVE;
}

/* Hashtable buckets plus entries, as objectComputeSize sums them. */
static void ht_value(price *p, const rdbl_memmodel *m, uint64_t slots, uint64_t n,
                     uint64_t strings, uint64_t strings_req, uint64_t per_entry)
{
    uint64_t asize = 16 + m->p->dict_struct + 8 * slots;
    p->b += rdbl__scaled_sum(asize, strings + per_entry * n, n, n);
    p->r += (int64_t)(strings - strings_req);
    p->alloc += m->j16 + J(m, m->p->dict_struct) + J(m, 8 * slots) + strings;
}

/* Valkey 8.0 set members: no entry when a member sits alone in its bucket,
 * a 16-byte entry otherwise; the expectation for n members in S buckets. */
static double vk_set_entries(uint64_t n, uint64_t S)
{
    if (S == 0)
        return 0;
    double occ = (double)S * (1.0 - pow(1.0 - 1.0 / (double)S, (double)n));
    return 16.0 * ((double)n - occ);
}

/* Valkey 8.1+ hashtable (src/hashtable.c): 64-byte buckets of 7 entries,
 * sized to the next power of two >= ceil(n * 5 / 32) buckets; a full bucket
 * chains a 64-byte child bucket (6 entries each, the 7th slot points on).
 * hashtableMemUsage() = sizeof(hashtable) + 64 * (buckets + child buckets);
 * the child buckets depend on the hash seed: take their expectation. */
static double vk_ht_usage(const rdbl_memmodel *m, uint64_t n)
{
    if (n == 0)
        return m->p->ht_struct;
    uint64_t need = (n * 5 - 1) / 32 + 1, b = 1;
    while (b < need)
        b <<= 1;
    double child = 0;
    if (b == 1) {
        if (n > 7)
            child = (double)((n - 7 + 5) / 6);
    } else {
        /* entries per bucket ~ Poisson(n / b) */
        double lam = (double)n / (double)b, px = exp(-lam), cdf = 0;
        for (uint64_t x = 0; x < 400 && (x < 8 || px > 1e-12 || (double)x < lam); x++) {
            if (x > 0)
                px *= lam / (double)x;
            cdf += px;
            if (x > 7)
                child += px * (double)((x - 7 + 5) / 6);
        }
        (void)cdf;
        child *= (double)b;
    }
    return (double)m->p->ht_struct + 64.0 * ((double)b + child);
}

/* ---- strings ---- */

static void price_string(price *p, rdbl_memmodel *m, mmkey *s, const rdbl_key_stats *st,
                         uint64_t *data)
{
    uint64_t len = s->str_seen ? s->str_len : (st ? st->value_bytes : 0);
    *data = len;
    bool isint = false, known = false;
    int64_t iv = 0;
    if (s->str_int) {
        isint = known = true;
        iv = s->str_ival;
    } else if (len <= 20 && s->enc != RDBL_ENC_LZF) {
        if (s->str_seen && s->str_have == len)
            isint = known = rdbl__str_to_i64(s->str_buf, (size_t)len, &iv);
        else if (s->enc == RDBL_ENC_INT)
            isint = true; /* not delivered, but stored as an integer */
        else
            p->approx = true; /* bytes not delivered: taken as text */
    } else if (s->enc == RDBL_ENC_INT) {
        isint = true;
    }
    if (isint) {
        p->enc = "int";
        p->b += 16;
        /* shared integers 0..9999 (OBJ_SHARED_INTEGERS) cost nothing per key */
        bool shared = known && iv >= 0 && iv < 10000 && !m->cfg.no_shared_integers;
        if (!shared)
            p->alloc += m->j16;
        return;
    }
    if (m->p->key_model == RDBL__KEY_VK_ROBJ) {
        /* Valkey 8.1+: the key (and the TTL) live in the value's robj; a
         * string is embedded too when robj + TTL + key + value fit in 64
         * bytes (object.c createStringObjectWithKeyAndExpire) */
        uint64_t kl = s->keylen;
        uint64_t ksz = rdbl__sds_hdr((size_t)kl, RDBL__SDS_VALKEY) + kl + 1;
        uint64_t tot = 16 + ksz + 1 + (s->has_expire ? 8 : 0) + 3 + len + 1;
        if (len <= 44 && tot <= 64) {
            p->enc = "embstr";
            pj(p, m, tot);
            return;
        }
        p->enc = "raw";
        probj(p, m);
        pj(p, m, sds_req(m, len));
        return;
    }
    if (len <= 44) {
        p->enc = "embstr";
        if (m->p->ziplist) { /* 6.2: sdslen + 2 + sizeof(robj), no allocator */
            p->b += len + 18;
            p->alloc += J(m, len + 20);
        } else {
            pj(p, m, len + 20);
        }
        return;
    }
    p->enc = "raw";
    probj(p, m);
    pj(p, m, sds_req(m, len));
}

/* ---- lists ---- */

static void price_list(price *p, rdbl_memmodel *m, mmkey *s, const rdbl_key_stats *st)
{
    if (s->nodes == 0) {
        /* no node or item events reached us: price from the statistics */
        p->approx = true;
        uint64_t blobs = st && st->blobs ? st->blobs : 1;
        uint64_t bytes = st ? st->rdb_bytes : 0;
        s->nodes = blobs;
        s->node_sum = blobs * m->p->ql_node + J(m, bytes / blobs) * blobs;
        s->node_alloc = s->node_sum;
        s->node_raw = bytes;
        s->first_blob_size = bytes / blobs;
    }
    /* give back the compression of the last list-compress-depth nodes */
    int64_t depth = m->cfg.th.list_compress_depth;
    if (depth > 0 && depth <= RDBL__QL_RING && s->enc == RDBL_ENC_QUICKLIST2) {
        uint64_t d = (uint64_t)depth;
        const int64_t *ring = mmkey_ring(s);
        for (uint64_t i = s->nodes > d ? s->nodes - d : 0; i < s->nodes; i++)
            if (i >= d) {
                s->node_sum += (uint64_t)ring[(i - d) % d];
                s->node_alloc += (uint64_t)ring[(i - d) % d];
            }
    }
    /* 7.2+: a list of one packed node within the limit is a plain listpack
     * (t_list.c listTypeTryConvertQuicklist, run after every load) */
    if (m->p->lp_lists && s->nodes == 1 && s->plain_nodes == 0) {
        static const uint64_t levels[] = {4096, 8192, 16384, 32768, 65536};
        int64_t fill = m->cfg.th.list_max_listpack_size;
        uint64_t bytes = s->enc == RDBL_ENC_QUICKLIST2 ? s->first_blob_size : s->last_node_bytes;
        uint64_t count = s->enc == RDBL_ENC_QUICKLIST2 ? s->blob_count : s->n;
        bool fits;
        if (fill < 0) {
            uint64_t off = (uint64_t)(-fill) - 1;
            fits = bytes <= levels[off > 4 ? 4 : off];
        } else {
            fits = count <= (uint64_t)fill;
        }
        if (fits) {
            p->enc = "listpack";
            probj(p, m);
            pj(p, m, bytes);
            return;
        }
    }
    p->enc = m->p->ziplist ? "quicklist" : "quicklist";
    uint64_t asize = 16 + m->p->ql_struct;
    p->b += rdbl__scaled_sum(asize, s->node_sum, s->nodes, s->nodes);
    p->r += (int64_t)(s->node_sum - s->nodes * m->p->ql_node) - (int64_t)s->node_raw;
    p->alloc += m->j16 + J(m, m->p->ql_struct) + s->node_alloc;
}

/* ---- sets ---- */

static void set_as_ht(price *p, rdbl_memmodel *m, const mmkey *s, uint64_t n, uint64_t slots)
{
    p->enc = "hashtable";
    uint64_t strings = s->sds_sum, req = s->sds_req_sum;
    if (s->n != n) {
        /* members not delivered (a verbatim blob converted): average them */
        p->approx = true;
        uint64_t avg = n ? (s->payload ? s->payload / n : 0) : 0;
        strings = n * J(m, sds_req(m, avg));
        req = n * sds_req(m, avg);
    }
    if (m->p->vk_hashtable) {
        double ht = vk_ht_usage(m, n);
        price_frac(p, 16 + ht + (double)strings, m->j16 + ht + (double)strings);
        p->r += (int64_t)(strings - req);
        return;
    }
    if (m->p->vk_set_entries) {
        ht_value(p, m, slots, n, strings, req, 0);
        double e = vk_set_entries(n, slots);
        price_frac(p, e, e);
        return;
    }
    ht_value(p, m, slots, n, strings, req, 24);
    p->alloc += n * m->j24;
}

static void set_intset_advice(price *p, const rdbl_memmodel *m, const mmkey *s, uint64_t n)
{
    if (s->n != n || n == 0)
        return;
    if (s->all_int) {
        unsigned w = rdbl__intset_width(s->imin);
        unsigned w2 = rdbl__intset_width(s->imax);
        if (w2 > w)
            w = w2;
        p->compact = 16 + J(m, 8 + (uint64_t)w * n);
        price_advice(p, "set-max-intset-entries", n, NULL, 0);
    } else if (m->p->lp_sets) {
        p->compact = 16 + J(m, s->lp_bytes);
        bool ne = (int64_t)n > m->cfg.th.set_max_listpack_entries;
        bool nv = (int64_t)s->maxlen > m->cfg.th.set_max_listpack_value;
        price_advice(p, ne ? "set-max-listpack-entries" : NULL, n,
                     nv ? "set-max-listpack-value" : NULL, s->maxlen);
    }
}

static void price_set(price *p, rdbl_memmodel *m, mmkey *s, const rdbl_key_stats *st)
{
    const rdbl_mem_thresholds *th = &m->cfg.th;
    if (s->enc == RDBL_ENC_INTSET || s->enc == RDBL_ENC_LISTPACK) {
        uint64_t n = s->blob_count ? s->blob_count : (st ? st->elements : s->n);
        if (!s->got_blob)
            p->approx = true;
        uint64_t bytes = s->got_blob ? s->blob_size : (st ? st->rdb_bytes : 0);
        bool intset = s->enc == RDBL_ENC_INTSET;
        int64_t lim = intset ? th->set_max_intset_entries : th->set_max_listpack_entries;
        if ((int64_t)n > lim) {
            set_as_ht(p, m, s, n, rdbl__dict_slots(n));
            return;
        }
        p->enc = intset ? "intset" : "listpack";
        probj(p, m);
        if (m->p->ziplist) {
            p->b += bytes;
            p->alloc += J(m, bytes);
        } else {
            pj(p, m, bytes);
        }
        return;
    }
    /* type 2 (and vendor plain sets): members one by one */
    uint64_t n = s->n;
    if (live(m) && m->p->live_rehash) {
        /* §6.1: built by SADD from empty; an all-integer set was an intset
         * until set-max-intset-entries + 1 members */
        rdbl__dsim d;
        rdbl__dsim_init(&d);
        uint64_t conv = (uint64_t)th->set_max_intset_entries + 1;
        if (s->all_int && n >= conv) {
            rdbl__dsim_expand(&d, conv);
            rdbl__dsim_add(&d, conv, 0);
            rdbl__dsim_add(&d, n - conv, 1);
        } else {
            rdbl__dsim_add(&d, n, 1);
        }
        set_as_ht(p, m, s, n, rdbl__dsim_slots(&d));
        set_intset_advice(p, m, s, n);
        return;
    }
    if ((int64_t)n > th->set_max_intset_entries) {
        set_as_ht(p, m, s, n, rdbl__dict_slots(n));
        set_intset_advice(p, m, s, n);
        return;
    }
    if (s->all_int) {
        unsigned w = rdbl__intset_width(s->imin);
        unsigned w2 = rdbl__intset_width(s->imax);
        if (w2 > w)
            w = w2;
        p->enc = "intset";
        probj(p, m);
        uint64_t bytes = 8 + (uint64_t)w * n;
        if (m->p->ziplist) {
            p->b += bytes;
            p->alloc += J(m, bytes);
        } else {
            pj(p, m, bytes);
        }
        return;
    }
    uint64_t k = s->first_nonint;
    if (m->p->lp_sets) {
        /* 7.2: intset, then a listpack preallocated from the integers so far,
         * unless a member breaks the listpack limits: then a presized table */
        if ((int64_t)n <= th->set_max_listpack_entries &&
            (int64_t)s->maxlen <= th->set_max_listpack_value) {
            uint64_t est = k > 0 ? rdbl__lp_estimate_repeated_int(s->pre_min, s->pre_max, k)
                                 : RDBL__LP_EMPTY;
            uint64_t bytes = s->lp_bytes > est ? s->lp_bytes : est;
            p->enc = "listpack";
            probj(p, m);
            pj(p, m, bytes);
            return;
        }
        set_as_ht(p, m, s, n, rdbl__dict_slots(n));
        set_intset_advice(p, m, s, n);
        return;
    }
    /* 7.0 (§5.3 case 2): intset up to member k, then a table sized for k
     * that starts rehashing to slots(n); the rest of the adds are steps */
    rdbl__dsim d;
    rdbl__dsim_init(&d);
    rdbl__dsim_expand(&d, k);
    rdbl__dsim_add(&d, k, 0);
    rdbl__dsim_expand(&d, n);
    rdbl__dsim_add(&d, n - k, 1);
    set_as_ht(p, m, s, n, rdbl__dsim_slots(&d));
    set_intset_advice(p, m, s, n);
}

/* ---- sorted sets ---- */

static void zset_as_skiplist(price *p, rdbl_memmodel *m, const mmkey *s, uint64_t n,
                             uint64_t slots)
{
    p->enc = "skiplist";
    uint64_t strings = s->sds_sum, req = s->sds_req_sum;
    if (s->n != n) {
        p->approx = true;
        uint64_t avg = n ? s->payload / (n ? n : 1) : 0;
        strings = n * J(m, sds_req(m, avg));
        req = n * sds_req(m, avg);
    }
    /* robj, zset, zskiplist, dict, buckets, the 32-level header node */
    double fixed = 16 + 16 + 32 + m->p->dict_struct + 8.0 * (double)slots;
    double per_entry = 24;
    if (m->p->vk_hashtable) { /* Valkey 8.1+: a hashtable of the nodes, no entries */
        fixed = 16 + 16 + 32 + vk_ht_usage(m, n);
        per_entry = 0;
    }
    size_t hdr = J(m, 24 + 16 * 32);
    /* The levels are random: the node sizes add up to n * E_node on average.
     * They are all J(40) plus a multiple of g (16 on quantum 16), so take the
     * lattice point nearest to the mean: the single likeliest total. */
    double base = (double)n * (double)J(m, 40);
    double g = (double)m->enode_step;
    double nodes = base + g * floor(((double)n * m->enode - base) / g + 0.5);
    price_frac(p, fixed + (double)hdr + (double)strings + (double)n * per_entry + nodes,
               fixed - 16 - 16 - 32 + m->j16 + m->j16 + J(m, 32) + (double)hdr +
                   (double)strings + (double)n * (per_entry ? m->j24 : 0) + nodes);
    p->r += (int64_t)(hdr - (24 + 16 * 32)) + (int64_t)(strings - req);
}

static void zset_advice(price *p, const rdbl_memmodel *m, const mmkey *s, uint64_t n)
{
    if (s->n != n || n == 0)
        return;
    p->compact = 16 + (m->p->ziplist ? s->zl.bytes : J(m, s->lp2_bytes ? s->lp2_bytes : s->lp_bytes));
    bool ne = (int64_t)n > m->cfg.th.zset_max_listpack_entries;
    bool nv = (int64_t)s->maxlen > m->cfg.th.zset_max_listpack_value;
    price_advice(p, ne ? "zset-max-listpack-entries" : NULL, n,
                 nv ? "zset-max-listpack-value" : NULL, s->maxlen);
}

static uint64_t zset_convert_slots(const rdbl_memmodel *m, uint64_t n)
{
    /* listpack -> skiplist: 7.2+ presizes, 7.0 grows by single adds */
    if (m->p->zset_presize)
        return rdbl__dict_slots(n);
    rdbl__dsim d;
    rdbl__dsim_init(&d);
    rdbl__dsim_add(&d, n, 1);
    return rdbl__dsim_slots(&d);
}

static void price_zset(price *p, rdbl_memmodel *m, mmkey *s, const rdbl_key_stats *st)
{
    const rdbl_mem_thresholds *th = &m->cfg.th;
    if (s->enc == RDBL_ENC_LISTPACK || s->enc == RDBL_ENC_ZIPLIST) {
        uint64_t n = s->blob_count ? s->blob_count / 2 : (st ? st->elements : s->n);
        if (!s->got_blob && s->n == 0)
            p->approx = true;
        if (s->n)
            n = s->n;
        if ((int64_t)n > th->zset_max_listpack_entries) {
            zset_as_skiplist(p, m, s, n, zset_convert_slots(m, n));
            zset_advice(p, m, s, n);
            return;
        }
        p->enc = m->p->ziplist ? "ziplist" : "listpack";
        probj(p, m);
        uint64_t bytes;
        if (s->enc == RDBL_ENC_LISTPACK || (m->p->ziplist && s->got_blob))
            bytes = s->got_blob ? s->blob_size : (st ? st->rdb_bytes : 0);
        else
            bytes = s->n == n ? s->lp_bytes : (p->approx = true, s->blob_size);
        if (m->p->ziplist) {
            p->b += bytes;
            p->alloc += J(m, bytes);
        } else {
            pj(p, m, bytes);
        }
        return;
    }
    uint64_t n = s->n;
    if (live(m)) {
        uint64_t slots = rdbl__dict_slots(n);
        if (m->p->live_rehash) {
            /* §6.1: ZADD into a listpack, converted at the (entries+1)-th
             * member (or at a long member, taken as the last): the copy adds
             * one step each, later ZADDs two (find, then add) */
            rdbl__dsim d;
            rdbl__dsim_init(&d);
            uint64_t conv = (uint64_t)th->zset_max_listpack_entries;
            if ((int64_t)s->maxlen > th->zset_max_listpack_value || n <= conv)
                conv = n ? n - 1 : 0;
            rdbl__dsim_add(&d, conv, 1);
            rdbl__dsim_add(&d, n - conv, 2);
            slots = rdbl__dsim_slots(&d);
        }
        zset_as_skiplist(p, m, s, n, slots);
        zset_advice(p, m, s, n);
        return;
    }
    /* loaded into a presized skiplist, then turned into a listpack when it
     * fits (rdb.c, after the loop) */
    if ((int64_t)n <= th->zset_max_listpack_entries &&
        (int64_t)s->maxlen <= th->zset_max_listpack_value) {
        p->enc = m->p->ziplist ? "ziplist" : "listpack";
        probj(p, m);
        if (m->p->ziplist) {
            p->b += s->zl.bytes;
            p->alloc += J(m, s->zl.bytes);
        } else {
            pj(p, m, s->lp2_bytes);
        }
        return;
    }
    zset_as_skiplist(p, m, s, n, rdbl__dict_slots(n));
    zset_advice(p, m, s, n);
}

/* ---- hashes ---- */

static void hash_as_ht(price *p, rdbl_memmodel *m, const mmkey *s, uint64_t n, uint64_t slots)
{
    p->enc = "hashtable";
    if (m->p->vk_hashtable) {
        double ht = vk_ht_usage(m, n);
        double entries = (double)s->vk_entries;
        if (s->n != n) { /* not delivered: one average entry per field */
            p->approx = true;
            uint64_t avg = n ? s->payload / (2 * n) : 0;
            entries = (double)n * J(m, 2 * (rdbl__sds_hdr((size_t)avg, RDBL__SDS_VALKEY) + avg + 1));
        }
        price_frac(p, 16 + ht + entries, m->j16 + ht + entries);
        return;
    }
    uint64_t strings = s->sds_sum, req = s->sds_req_sum;
    if (s->n != n) {
        p->approx = true;
        uint64_t avg = n ? s->payload / (2 * n) : 0;
        strings = 2 * n * J(m, sds_req(m, avg));
        req = 2 * n * sds_req(m, avg);
    }
    ht_value(p, m, slots, n, strings, req, 24);
    p->alloc += n * m->j24;
}

static void hash_advice(price *p, const rdbl_memmodel *m, const mmkey *s, uint64_t n)
{
    if (s->n != n || n == 0)
        return;
    uint64_t lp = s->ttl_fields && m->p->hfe ? s->lpex_bytes : s->lp_bytes;
    p->compact = 16 + (m->p->ziplist ? s->zl.bytes : J(m, lp));
    if (s->ttl_fields && m->p->hfe)
        p->compact += J(m, 32);
    bool ne = (int64_t)n > m->cfg.th.hash_max_listpack_entries;
    bool nv = (int64_t)s->maxlen > m->cfg.th.hash_max_listpack_value;
    price_advice(p, ne ? "hash-max-listpack-entries" : NULL, n,
                 nv ? "hash-max-listpack-value" : NULL, s->maxlen);
}

/* Redis 7.4+ hashes with field TTLs (types 24 and 25; memory-model.md §8.2):
 * a listpackex is the listpackEx struct (32 bytes) plus a listpack of
 * field, value, TTL triplets. Returns false when the profile has no TTL
 * hashes (the key is then priced as a plain hash). */
static bool price_hash_ttl(price *p, rdbl_memmodel *m, mmkey *s, const rdbl_key_stats *st)
{
    const rdbl_mem_thresholds *th = &m->cfg.th;
    if (!m->p->hfe || m->valkey_magic)
        return false;
    uint64_t entries = (uint64_t)th->hash_max_listpack_entries;
    if (s->enc == RDBL_ENC_LISTPACK_TTL) {
        uint64_t n = s->n ? s->n : (s->blob_count ? s->blob_count / 3 : (st ? st->elements : 0));
        if (n > entries) {
            hash_as_ht(p, m, s, n, rdbl__dict_slots(n));
            hash_advice(p, m, s, n);
            return true;
        }
        p->enc = "listpackex";
        probj(p, m);
        pj(p, m, 32);
        if (s->got_blob)
            pj(p, m, s->blob_size);
        else
            (void)(p->approx = true, pj(p, m, s->lpex_bytes));
        return true;
    }
    /* type 24: a listpackex up to hash-max-listpack-entries, else a table
     * that is not sized ahead (it doubles during the load) */
    uint64_t n = s->n;
    rdbl__dsim d;
    rdbl__dsim_init(&d);
    if (n > entries) {
        rdbl__dsim_expand(&d, 0);
        rdbl__dsim_add(&d, n, 1);
    } else if (s->first_long != UINT64_MAX) {
        /* converted at pair k, then dictTryExpand(pairs left after it) before
         * the long pair is added */
        uint64_t k = s->first_long, rem = n - k - 1;
        rdbl__dsim_expand(&d, k);
        rdbl__dsim_add(&d, k, 0);
        if (rem > 4)
            rdbl__dsim_expand(&d, rem);
        rdbl__dsim_add(&d, rem + 1, 1);
    } else {
        p->enc = "listpackex";
        probj(p, m);
        pj(p, m, 32);
        pj(p, m, s->lpex_bytes);
        hash_advice(p, m, s, n);
        return true;
    }
    hash_as_ht(p, m, s, n, rdbl__dsim_slots(&d));
    hash_advice(p, m, s, n);
    return true;
}

static void price_hash(price *p, rdbl_memmodel *m, mmkey *s, const rdbl_key_stats *st)
{
    const rdbl_mem_thresholds *th = &m->cfg.th;
    if ((s->enc == RDBL_ENC_LISTPACK_TTL || s->enc == RDBL_ENC_HASHTABLE_TTL) &&
        price_hash_ttl(p, m, s, st))
        return;
    if (s->enc == RDBL_ENC_LISTPACK_TTL) {
        /* a TTL listpack for a server without field TTLs: priced as the
         * listpack it would be without the TTL entries */
        p->approx = true;
        s->enc = RDBL_ENC_LISTPACK;
    }
    if (s->enc == RDBL_ENC_LISTPACK || s->enc == RDBL_ENC_ZIPLIST ||
        s->enc == RDBL_ENC_ZIPMAP) {
        uint64_t n = s->n ? s->n : (s->blob_count ? s->blob_count / 2 : (st ? st->elements : 0));
        if (s->enc == RDBL_ENC_ZIPMAP && s->n == 0 && s->blob_count)
            n = s->blob_count / 2;
        bool too_long = s->enc == RDBL_ENC_ZIPMAP && (int64_t)s->maxlen > th->hash_max_listpack_value;
        if ((int64_t)n > th->hash_max_listpack_entries || too_long) {
            hash_as_ht(p, m, s, n, rdbl__dict_slots(n));
            hash_advice(p, m, s, n);
            return;
        }
        p->enc = m->p->ziplist ? "ziplist" : "listpack";
        probj(p, m);
        uint64_t bytes;
        if (s->enc == RDBL_ENC_LISTPACK || (m->p->ziplist && s->enc == RDBL_ENC_ZIPLIST))
            bytes = s->got_blob ? s->blob_size : (p->approx = true, st ? st->rdb_bytes : 0);
        else if (s->n == n)
            bytes = m->p->ziplist ? s->zl.bytes : s->lp_bytes;
        else
            bytes = (p->approx = true, s->blob_size);
        if (m->p->ziplist) {
            p->b += bytes;
            p->alloc += J(m, bytes);
        } else {
            pj(p, m, bytes);
        }
        return;
    }
    /* type 4: pairs one by one */
    uint64_t n = s->n;
    bool has_long = s->first_long != UINT64_MAX;
    uint64_t entries = (uint64_t)th->hash_max_listpack_entries;
    rdbl__dsim d;
    rdbl__dsim_init(&d);
    if (live(m)) {
        if (m->p->live_rehash && has_long) {
            /* converted by a long value when created: from 4 slots, HSET
             * does a find and an add per field */
            rdbl__dsim_expand(&d, 0);
            rdbl__dsim_add(&d, n, 2);
        } else if (m->p->live_rehash && n > entries) {
            rdbl__dsim_expand(&d, entries + 1);
            rdbl__dsim_add(&d, entries + 1, 0);
            rdbl__dsim_add(&d, n - entries - 1, 2);
        } else {
            rdbl__dsim_expand(&d, n);
        }
        hash_as_ht(p, m, s, n, rdbl__dsim_slots(&d));
        hash_advice(p, m, s, n);
        return;
    }
    if (n > entries) {
        rdbl__dsim_expand(&d, 0);
        rdbl__dsim_expand(&d, n);
        rdbl__dsim_add(&d, n, 1);
    } else if (has_long) {
        /* §5.3 case 1: a listpack up to pair k, a table sized for k, the
         * long pair, then dictTryExpand(remaining) and one step per add */
        uint64_t k = s->first_long;
        if (m->p->ziplist) {
            rdbl__dsim_add(&d, k, 1); /* 6.2: the conversion does not presize */
        } else {
            rdbl__dsim_expand(&d, k);
            rdbl__dsim_add(&d, k, 0);
        }
        rdbl__dsim_add(&d, 1, 1);
        uint64_t rem = n - k - 1;
        if (rem > 4)
            rdbl__dsim_expand(&d, rem);
        rdbl__dsim_add(&d, rem, 1);
    } else {
        p->enc = m->p->ziplist ? "ziplist" : "listpack";
        probj(p, m);
        if (m->p->ziplist) {
            p->b += s->zl.bytes;
            p->alloc += J(m, s->zl.bytes);
        } else {
            pj(p, m, s->lp_bytes);
        }
        return;
    }
    hash_as_ht(p, m, s, n, rdbl__dsim_slots(&d));
    hash_advice(p, m, s, n);
}

/* ---- streams ---- */

static void price_stream(price *p, rdbl_memmodel *m, mmkey *s, uint64_t *data)
{
    p->enc = "stream";
    mmkey_stream(s);
    if (s->st_have_meta && s->st_meta_nodes != s->st_nodes)
        p->approx = true; /* node blobs missing */
    uint64_t ralloc = 0;
    uint64_t rnodes = rdbl__raxc_nodes(&s->rax_nodes, &m->a, &ralloc);
    if (s->rax_nodes.unordered)
        p->approx = true;
    uint64_t rax = 16 * s->rax_nodes.n + 244 * rnodes;
    uint64_t nodes = s->st_node_sum;
    if (live(m) && s->st_nodes > 0) {
        /* §6.2: the last node was allocated with lpNew(prealloc) by XADD and
         * is only shrunk when the next node starts */
        int64_t mb = m->cfg.th.stream_node_max_bytes;
        uint64_t pre = (mb > 0 && mb < 4096) ? (uint64_t)mb : 4096;
        if (s->st_last_node < pre)
            nodes += J(m, pre) - J(m, s->st_last_node);
    }
    const rdbl__profile *pf = m->p;
    /* Redis and Valkey <= 8.0 count a radix tree as 16 per element + 244 per
     * node (streamRadixTreeMemoryUsage); Valkey 8.1+ counts its real
     * allocations (raxAllocSize) */
    bool real = pf->vk_hashtable;
    uint64_t grax = real ? s->st_group_real : s->st_group_rax;
    uint64_t crax = real ? s->st_cons_real : s->st_cons_rax;
    if (real)
        rax = m->j24 + ralloc;
    uint64_t groups = s->st_groups * pf->cg_struct + grax + pf->nack_struct * s->st_pel;
    uint64_t cons = s->st_consumers * pf->consumer_struct + s->st_names + crax;
    p->b += 16 + pf->stream_struct + rax + nodes + groups + cons;
    p->r += (int64_t)(nodes - s->st_node_raw);
    p->alloc += m->j16 + J(m, pf->stream_struct) + m->j24 + ralloc + nodes +
                s->st_groups * (J(m, pf->cg_struct) + m->j24) + s->st_group_real +
                s->st_cons_real + s->st_pel * J(m, pf->nack_struct) +
                s->st_consumers * J(m, pf->consumer_struct) + s->st_alloc;
    *data = s->st_node_raw;
}

/* ---- the key's own terms ---- */

static void price_key(price *k, const rdbl_memmodel *m, const mmkey *s)
{
    uint64_t len = s->keylen;
    switch (m->p->key_model) {
    case RDBL__KEY_VK_ROBJ:
        /* Valkey 8.1+: MEMORY USAGE is objectComputeSize() alone; the key
         * lives in the robj, counted only inside an embedded string */
        k->alloc += J(m, 16 + 8 + 1 + rdbl__sds_hdr((size_t)len, RDBL__SDS_VALKEY) + len + 1) - 16;
        return;
    case RDBL__KEY_VK_ENTRY: {
        /* Valkey 8.0: the key sds is embedded in the dict entry, after 17
         * bytes (value, next, header size); a live key under 32 bytes keeps
         * the 3-byte header of the client argument it was copied from */
        uint64_t h = rdbl__sds_hdr((size_t)len, m->p->sds_kind);
        if (live(m) && len < 32)
            h = 3;
        pj(k, m, 17 + h + len + 1);
        return;
    }
    default:
        k->b += 24; /* the dictEntry, counted as sizeof */
        k->alloc += m->j24;
        pj(k, m, sds_req(m, len));
        if (m->cfg.cluster && m->p->cluster_key) {
            k->b += m->p->cluster_key;
            k->alloc += J(m, 24 + m->p->cluster_key) - m->j24;
        }
        return;
    }
}

void rdbl__mm_price(rdbl_memmodel *m, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    mmkey *s = &m->k;
    rdbl_mem_estimate *e = &m->last;
    /* every field is set below; only the advice texts need their NUL
     * (zeroing the 96-byte texts costs more than the pricing of a string) */
    e->compact_bytes = 0;
    e->compact_config[0] = '\0';
    price v, kp;
    price_init(&v);
    price_init(&kp);
    uint64_t data = st ? st->value_bytes : s->payload;
    e->modelled = true;
    switch (s->type) {
    case RDBL_TYPE_STRING:
        price_string(&v, m, s, st, &data);
        break;
    case RDBL_TYPE_LIST:
        price_list(&v, m, s, st);
        break;
    case RDBL_TYPE_SET:
        price_set(&v, m, s, st);
        break;
    case RDBL_TYPE_ZSET:
        price_zset(&v, m, s, st);
        break;
    case RDBL_TYPE_HASH:
        price_hash(&v, m, s, st);
        break;
    case RDBL_TYPE_STREAM:
        price_stream(&v, m, s, &data);
        break;
    default:
        /* module values: the module's mem_usage callback decides; report the
         * serialized size and say it is not modelled */
        e->modelled = false;
        v.enc = "module";
        v.b = s->module_seen ? s->module_bytes : (st ? st->rdb_bytes : 0);
        v.alloc = v.b;
        data = v.b;
        break;
    }
    price_key(&kp, m, s);
    e->expire_bytes = s->has_expire ? m->expire_entry : 0; /* see rdbl__mm_resolve */
    if (RDBL_LIKELY(!v.frac)) {
        e->bytes = v.b + kp.b;
        e->alloc_bytes = v.alloc + kp.alloc + e->expire_bytes;
    } else {
        /* the double sums of the value, then the key terms, in the order
         * they were always added */
        double vb = (double)v.b + v.fb, va = (double)v.alloc + v.falloc;
        double total = vb + (double)kp.b;
        e->bytes = total > 0 ? round_pos(total) : 0;
        double alloc = va + (double)kp.alloc + (double)e->expire_bytes;
        e->alloc_bytes = alloc > 0 ? round_pos(alloc) : 0;
    }
    e->encoding = v.enc ? v.enc : "unknown";
    e->key_bytes = k ? k->key.len : s->keylen;
    e->data_bytes = data;
    int64_t rnd = v.r + kp.r;
    e->rounding_bytes = rnd > 0 ? (uint64_t)rnd : 0;
    e->overhead_bytes = (int64_t)e->bytes - (int64_t)e->key_bytes - (int64_t)e->data_bytes -
                        (int64_t)e->rounding_bytes;
    e->approximate = v.approx || s->approx || m->p->key_model == RDBL__KEY_KVOBJ;
    if (v.compact) {
        uint64_t c = v.compact + kp.b;
        if (c < e->bytes) {
            e->compact_bytes = c;
            rdbl__mm_advice(e->compact_config, sizeof e->compact_config, v.adv_n1, v.adv_v1,
                            v.adv_n2, v.adv_v2);
        }
    }
    m->have_last = true;
    rdbl__mm_totals_add(m, e, s->has_expire);
}
